//! The value types ("type API" half, as Redis's `t_*.c`): no replies, no `Args`.

pub(crate) mod compact;
pub(crate) mod zset;

use std::collections::VecDeque;

use bytes::Bytes;

pub use compact::CompactBytes;
pub use zset::ZSet;

/// Hasher for every map in the store: fast, seeded per process.
pub(crate) type Hasher = foldhash::fast::RandomState;

/// A list: a double-ended queue of byte strings. Elements are
/// [`CompactBytes`] (24 bytes, inline up to 23): a short element costs no
/// heap block of its own.
pub type List = VecDeque<CompactBytes>;
/// A hash: field → value, in an index map (O(1) random field, cursor-stable
/// scans), fields and values [`CompactBytes`] (looked up by `&[u8]`).
pub type Hash = indexmap::IndexMap<CompactBytes, CompactBytes, Hasher>;
/// A set of byte strings, in an index set (O(1) random member, cursor-stable
/// scans), members [`CompactBytes`] (looked up by `&[u8]`).
pub type Set = indexmap::IndexSet<CompactBytes, Hasher>;

/// A value stored under a key.
///
/// 24 bytes: a string is a [`CompactBytes`] (inline up to 23 bytes), and the
/// collections are boxed, so the common small string key costs no more than
/// its bytes. Build one with `Value::from(list)`, `Value::from(bytes)`, ...
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Redis string (also integers and floats, kept as their text).
    String(CompactBytes),
    /// Redis list.
    List(Box<List>),
    /// Redis hash.
    Hash(Box<Hash>),
    /// Redis set.
    Set(Box<Set>),
    /// Redis sorted set.
    ZSet(Box<ZSet>),
}

impl From<CompactBytes> for Value {
    fn from(s: CompactBytes) -> Self {
        Value::String(s)
    }
}

impl From<Bytes> for Value {
    fn from(s: Bytes) -> Self {
        Value::String(s.into())
    }
}

impl From<List> for Value {
    fn from(l: List) -> Self {
        Value::List(Box::new(l))
    }
}

impl From<Hash> for Value {
    fn from(h: Hash) -> Self {
        Value::Hash(Box::new(h))
    }
}

impl From<Set> for Value {
    fn from(s: Set) -> Self {
        Value::Set(Box::new(s))
    }
}

impl From<ZSet> for Value {
    fn from(z: ZSet) -> Self {
        Value::ZSet(Box::new(z))
    }
}

impl Value {
    /// The name `TYPE` replies with: `string`, `list`, `hash`, `set`, `zset`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// True for a collection with no elements (Redis deletes such keys).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::String(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
        }
    }
}

/// Typed access to one variant of [`Value`]; lets the keyspace offer
/// `read::<List>(key)` / `write::<ZSet>(key)` with one implementation.
pub(crate) trait Kind: Sized {
    fn from_ref(v: &Value) -> Option<&Self>;
    fn from_mut(v: &mut Value) -> Option<&mut Self>;
    fn into_value(self) -> Value;
    fn empty() -> Self;
}

macro_rules! kind {
    ($ty:ty, $variant:ident, $empty:expr) => {
        impl Kind for $ty {
            fn from_ref(v: &Value) -> Option<&Self> {
                match v {
                    // `&Box<T>` coerces to `&T`; `&CompactBytes` stays.
                    Value::$variant(x) => Some(&*x),
                    _ => None,
                }
            }
            fn from_mut(v: &mut Value) -> Option<&mut Self> {
                match v {
                    Value::$variant(x) => Some(&mut *x),
                    _ => None,
                }
            }
            fn into_value(self) -> Value {
                Value::from(self)
            }
            fn empty() -> Self {
                $empty
            }
        }
    };
}

kind!(CompactBytes, String, CompactBytes::new());
kind!(List, List, List::new());
kind!(Hash, Hash, Hash::default());
kind!(Set, Set, Set::default());
kind!(ZSet, ZSet, ZSet::default());
