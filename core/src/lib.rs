//! # embedis
//!
//! Redis's data structures and semantics as an in-process, thread-safe Rust
//! store: strings, lists, hashes, sets, sorted sets, TTLs, blocking pops,
//! pub/sub, transactions and snapshots. No server, no socket, no
//! serialization. The same store is served over the Redis protocol by
//! `embedis-server` and compiled to WebAssembly by `embedis-wasm`.
//!
//! # Example
//!
//! ```
//! use embedis::{Reply, Store};
//!
//! let store = Store::new();
//! let db = store.db(0);
//! db.set("user:1", "alice").unwrap();
//! assert_eq!(db.get("user:1").unwrap().as_deref(), Some(&b"alice"[..]));
//!
//! // Any command by name, with Redis's replies and errors:
//! assert_eq!(store.execute(0, &["DEL", "user:1"]), Reply::Integer(1));
//! assert_eq!(
//!     store.execute(0, &["GET"]).to_string_lossy(),
//!     "(error) ERR wrong number of arguments for 'get' command"
//! );
//! ```
//!
//! # Feature flags
//! - `serde`: `Db::set_value` / `Db::get_value` store any serde type as CBOR.
//! - `lua`: EVAL / EVALSHA / SCRIPT and [`Store::eval`], with Lua 5.1 as in
//!   Redis (native targets only; `compile_error!` on wasm32).
//!
//! # Layout
//! - [`Store`], [`Db`]: the store and the typed API (`db.lpush(..)`), one
//!   method per Redis command, named after it.
//! - [`command`]: the one command table every front door uses.
//! - `value` / `keyspace`: the types and the keyspace (lazy + active expiry).
//!   A key costs one 56-byte entry (a 24-byte [`CompactBytes`] key, a 24-byte
//!   [`Value`], an 8-byte expiry) plus a 2-byte index slot; keys and string
//!   values up to 23 bytes need no heap block of their own.
//! - [`Reply`], [`Error`]: Redis's reply shapes and exact error lines.

// Unsafe code only in the keyspace arena (`keyspace/arena.rs`), which allows
// it with a soundness argument at each use.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod blocking;
mod brlock;
mod clock;
pub mod command;
mod error;
pub mod glob;
mod keyspace;
mod ld;
mod pubsub;
mod reply;
pub mod resp;
mod scripting;
pub mod session;
pub mod snapshot;
mod sort;
mod store;
mod value;

pub use blocking::{Blocked, BlockedPop};
pub use clock::{Clock, ManualClock, SystemClock};
pub use command::keyspace::{CopyOptions, ExpireOptions, ScanOptions, Ttl};
pub use command::list::{Direction, InsertPosition, LposOptions};
pub use command::string::{GetExOptions, LcsIdx, LcsMatch, LcsOptions, SetOptions, SetOutcome};
pub use command::zset::{Aggregate, ZAddOptions, ZStoreOptions};
pub use command::{Args, CommandSpec, Cx, Protocol};
pub use error::{Error, Result};
pub use pubsub::{Message, Next, Subscription};
pub use reply::{BulkArray, Reply, format_double, format_incr_float};
pub use scripting::{DEFAULT_LUA_TIME_LIMIT_MS, ScriptLogger};
pub use snapshot::FrozenStore;
pub use snapshot::SnapshotError;
pub use sort::SortOptions;
pub use store::{CustomHandler, CustomSpec, Db, Dispatch, Store, StoreBuilder, Tx};
pub use value::zset::{LexBound, ScoreBound, ZSetIter};
pub use value::{CompactBytes, Hash, List, Set, Value, ZSet};

pub use bytes::Bytes;

/// Bytes the keyspace arena holds from the OS: the memory of every store's
/// key tables and entry vectors in this process, which on Linux are mapped
/// on their own (onto transparent huge pages) rather than taken from the
/// global allocator, so a counting global allocator does not see them. 0
/// on other targets, where the global allocator holds them.
///
/// ```
/// let store = embedis::Store::new();
/// store.db(0).set("k", "v").unwrap();
/// # #[cfg(target_os = "linux")]
/// assert!(embedis::keyspace_arena_bytes() >= 2 << 20); // one 2 MiB chunk at least
/// ```
pub fn keyspace_arena_bytes() -> usize {
    keyspace::arena_mapped_bytes()
}
