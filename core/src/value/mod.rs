//! The value types ("type API" half, as Redis's `t_*.c`): no replies, no `Args`.

pub(crate) mod zset;

use std::collections::VecDeque;

use bytes::Bytes;

pub use zset::ZSet;

/// Hasher for every map in the store: fast, seeded per process.
pub(crate) type Hasher = foldhash::fast::RandomState;

/// A list: a double-ended queue of byte strings.
pub type List = VecDeque<Bytes>;
/// A hash: field → value, in an index map (O(1) random field, cursor-stable scans).
pub type Hash = indexmap::IndexMap<Bytes, Bytes, Hasher>;
/// A set of byte strings, in an index set (O(1) random member, cursor-stable scans).
pub type Set = indexmap::IndexSet<Bytes, Hasher>;

/// A value stored under a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Redis string (also integers and floats, kept as their text).
    String(Bytes),
    /// Redis list.
    List(List),
    /// Redis hash.
    Hash(Hash),
    /// Redis set.
    Set(Set),
    /// Redis sorted set.
    ZSet(ZSet),
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
                    Value::$variant(x) => Some(x),
                    _ => None,
                }
            }
            fn from_mut(v: &mut Value) -> Option<&mut Self> {
                match v {
                    Value::$variant(x) => Some(x),
                    _ => None,
                }
            }
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
            fn empty() -> Self {
                $empty
            }
        }
    };
}

kind!(Bytes, String, Bytes::new());
kind!(List, List, List::new());
kind!(Hash, Hash, Hash::default());
kind!(Set, Set, Set::default());
kind!(ZSet, ZSet, ZSet::default());
