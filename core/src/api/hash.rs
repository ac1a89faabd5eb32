//! Typed hash commands on [`Db`](crate::Db).
