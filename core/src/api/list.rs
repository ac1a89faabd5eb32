//! Typed list commands on [`Db`](crate::Db).
