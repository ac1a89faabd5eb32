//! Typed set commands on [`Db`](crate::Db).
