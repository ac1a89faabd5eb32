//! Typed zset commands on [`Db`](crate::Db).
