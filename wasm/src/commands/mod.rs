//! One file per Redis command group, as in the core (`string.rs`,
//! `keyspace.rs`, `list.rs`, ...). Each adds methods to [`crate::Embedis`]
//! that build a command, run it through the core and convert the reply.

mod hash;
pub(crate) mod keyspace;
mod list;
mod pubsub;
mod server;
mod set;
pub(crate) mod string;
mod zset;
