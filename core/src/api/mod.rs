//! The typed API: `impl Db` blocks, one file per Redis command group. Each
//! method calls the same type-level function as the command handler, so a
//! command's meaning lives in one place.

mod hash;
mod keyspace;
mod list;
#[cfg(feature = "serde")]
mod serde;
mod set;
mod string;
mod zset;
