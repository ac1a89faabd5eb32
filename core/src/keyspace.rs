//! One database: the key → value map, expiry, WATCH bookkeeping and the
//! clients blocked on its keys. Every access goes through this small API so
//! lazy expiry, WATCH touches and blocked-client wake-ups are never forgotten
//! by a command (and so a sharded keyspace would be a local change).

use std::collections::VecDeque;

use bytes::Bytes;
use indexmap::{IndexMap, IndexSet};

use crate::blocking::PendingWaiter;
use crate::value::{Hasher, Kind, Value};
use crate::{Error, Result};

/// A stored value and its absolute expiry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) value: Value,
    /// Absolute expiry in unix milliseconds; `None` = persistent.
    pub(crate) expire_at_ms: Option<i64>,
}

/// One logical database (`SELECT n`).
pub(crate) struct Keyspace {
    /// Keys in an index map: O(1) random key (RANDOMKEY, active expiry) and a
    /// SCAN cursor that survives deletions (see [`scan_indexed`]).
    map: IndexMap<Bytes, Entry, Hasher>,
    /// Keys that have an expiry, sampled by active expiry as Redis samples its
    /// `expires` dict.
    volatile: IndexSet<Bytes, Hasher>,
    /// Time of the command being executed (Redis caches it per command too,
    /// so a MULTI or script sees one instant).
    pub(crate) now_ms: i64,
    /// Watched keys → (watchers, modification counter). A write to a watched
    /// key bumps its counter; EXEC compares counters.
    watched: hashbrown::HashMap<Bytes, (u32, u64), Hasher>,
    /// Key → FIFO of waiter ids blocked on it.
    pub(crate) blocked: hashbrown::HashMap<Bytes, VecDeque<u64>, Hasher>,
    /// Waiter id → what it waits for and how to serve it.
    pub(crate) waiters: hashbrown::HashMap<u64, PendingWaiter, Hasher>,
    /// Keys written since the last serve pass that have blocked waiters.
    pub(crate) ready: Vec<Bytes>,
    /// Keys removed because they expired (INFO `expired_keys`).
    pub(crate) expired_keys: u64,
    /// Writes so far (Redis's `server.dirty`): drives the save schedule.
    pub(crate) dirty: u64,
    rng: fastrand::Rng,
}

impl std::fmt::Debug for Keyspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyspace")
            .field("keys", &self.map.len())
            .field("volatile", &self.volatile.len())
            .finish()
    }
}

impl Keyspace {
    pub(crate) fn new(seed: u64) -> Self {
        Keyspace {
            map: IndexMap::default(),
            volatile: IndexSet::default(),
            now_ms: 0,
            watched: Default::default(),
            blocked: Default::default(),
            waiters: Default::default(),
            ready: Vec::new(),
            expired_keys: 0,
            dirty: 0,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// Makes room for `additional` more keys (snapshot loading knows the count).
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// Number of keys, counting expired ones not yet removed (as DBSIZE does).
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Number of keys with an expiry (INFO keyspace `expires=`).
    pub(crate) fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    fn is_expired(&self, e: &Entry) -> bool {
        matches!(e.expire_at_ms, Some(at) if at <= self.now_ms)
    }

    /// Removes `key` if it has expired; true if it did.
    pub(crate) fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let expired = match self.map.get(key) {
            Some(e) => self.is_expired(e),
            None => false,
        };
        if expired {
            self.remove(key);
            self.expired_keys += 1;
        }
        expired
    }

    /// The live entry under `key` (lazy expiry applied).
    pub(crate) fn get(&mut self, key: &[u8]) -> Option<&Entry> {
        self.expire_if_needed(key);
        self.map.get(key)
    }

    /// True if `key` exists (and has not expired).
    pub(crate) fn contains(&mut self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Reads a value of type `T`; `Ok(None)` when missing, `WRONGTYPE` when
    /// the key holds another type.
    pub(crate) fn read<T: Kind>(&mut self, key: &[u8]) -> Result<Option<&T>> {
        match self.get(key) {
            None => Ok(None),
            Some(e) => T::from_ref(&e.value).map(Some).ok_or(Error::WrongType),
        }
    }

    /// Like [`Keyspace::read`], for modifying in place. Touches WATCH and
    /// signals blocked clients; call [`Keyspace::remove_if_empty`] after
    /// removing elements.
    pub(crate) fn write<T: Kind>(&mut self, key: &[u8]) -> Result<Option<&mut T>> {
        self.expire_if_needed(key);
        match self.map.get(key) {
            None => return Ok(None),
            Some(e) if T::from_ref(&e.value).is_none() => return Err(Error::WrongType),
            Some(_) => {}
        }
        self.touch(key);
        self.signal_ready(key);
        Ok(self
            .map
            .get_mut(key)
            .and_then(|e| T::from_mut(&mut e.value)))
    }

    /// The value of type `T` under `key`, created empty if missing.
    pub(crate) fn write_or_create<T: Kind>(&mut self, key: &[u8]) -> Result<&mut T> {
        self.expire_if_needed(key);
        match self.map.get(key) {
            Some(e) if T::from_ref(&e.value).is_none() => return Err(Error::WrongType),
            Some(_) => {}
            None => {
                self.map.insert(
                    Bytes::copy_from_slice(key),
                    Entry {
                        value: T::empty().into_value(),
                        expire_at_ms: None,
                    },
                );
            }
        }
        self.touch(key);
        self.signal_ready(key);
        Ok(self
            .map
            .get_mut(key)
            .and_then(|e| T::from_mut(&mut e.value))
            .unwrap())
    }

    /// Stores `value` under `key`, dropping any expiry (plain `SET`).
    pub(crate) fn set(&mut self, key: Bytes, value: Value) {
        self.set_with_expiry(key, value, None);
    }

    /// Stores `value` under `key`, keeping the key's current expiry (`SET KEEPTTL`).
    pub(crate) fn set_keep_ttl(&mut self, key: Bytes, value: Value) {
        let ttl = self.get(&key).and_then(|e| e.expire_at_ms);
        self.set_with_expiry(key, value, ttl);
    }

    /// Stores `value` under `key` with an absolute expiry (or none).
    pub(crate) fn set_with_expiry(&mut self, key: Bytes, value: Value, expire_at_ms: Option<i64>) {
        self.touch(&key);
        self.signal_ready(&key);
        if expire_at_ms.is_some() {
            self.volatile.insert(key.clone());
        } else if !self.volatile.is_empty() {
            self.volatile.swap_remove(&key[..]);
        }
        self.map.insert(
            key,
            Entry {
                value,
                expire_at_ms,
            },
        );
    }

    /// Removes `key`; returns what it held (expired or not).
    pub(crate) fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.map.swap_remove(key)?;
        if e.expire_at_ms.is_some() {
            self.volatile.swap_remove(key);
        }
        self.touch(key);
        Some(e)
    }

    /// Deletes `key` if it holds an empty collection (Redis never keeps one).
    pub(crate) fn remove_if_empty(&mut self, key: &[u8]) {
        if self
            .map
            .get(key)
            .is_some_and(|e| e.value.is_empty_collection())
        {
            self.remove(key);
        }
    }

    /// Absolute expiry of a live key: `None` if missing, `Some(None)` if persistent.
    pub(crate) fn expire_at(&mut self, key: &[u8]) -> Option<Option<i64>> {
        self.get(key).map(|e| e.expire_at_ms)
    }

    /// Sets (or clears, with `None`) the absolute expiry of an existing key.
    /// Returns false if the key does not exist. Does not delete keys whose
    /// time is already past: the EXPIRE commands decide that.
    pub(crate) fn set_expire(&mut self, key: &[u8], at_ms: Option<i64>) -> bool {
        self.expire_if_needed(key);
        let Some((_, k, e)) = self.map.get_full_mut(key) else {
            return false;
        };
        let k = k.clone();
        let had = e.expire_at_ms.is_some();
        e.expire_at_ms = at_ms;
        match (had, at_ms.is_some()) {
            (false, true) => {
                self.volatile.insert(k);
            }
            (true, false) => {
                self.volatile.swap_remove(key);
            }
            _ => {}
        }
        self.touch(key);
        true
    }

    /// Every live key (KEYS, FLUSH bookkeeping). Expired keys are skipped, not removed.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Bytes> {
        let now = self.now_ms;
        self.map
            .iter()
            .filter(move |(_, e)| !matches!(e.expire_at_ms, Some(at) if at <= now))
            .map(|(k, _)| k)
    }

    /// Every live entry (snapshots, SCAN TYPE). Expired entries are skipped.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&Bytes, &Entry)> {
        let now = self.now_ms;
        self.map
            .iter()
            .filter(move |(_, e)| !matches!(e.expire_at_ms, Some(at) if at <= now))
    }

    /// SCAN over the keyspace: see [`scan_indexed`] for the cursor contract.
    /// Returns the next cursor and the live keys visited that pass `keep`.
    pub(crate) fn scan(
        &mut self,
        cursor: u64,
        count: usize,
        mut keep: impl FnMut(&Bytes, &Entry) -> bool,
    ) -> (u64, Vec<Bytes>) {
        let now = self.now_ms;
        let map = &self.map;
        let mut out = Vec::new();
        let next = scan_indexed(map.len(), cursor, count, |i| {
            let (k, e) = map.get_index(i).unwrap();
            if !matches!(e.expire_at_ms, Some(at) if at <= now) && keep(k, e) {
                out.push(k.clone());
            }
        });
        (next, out)
    }

    /// A random live key (RANDOMKEY), or `None` when empty.
    pub(crate) fn random_key(&mut self) -> Option<Bytes> {
        // Like Redis, retry a bounded number of times when hitting expired keys.
        for _ in 0..100 {
            if self.map.is_empty() {
                return None;
            }
            let i = self.rng.usize(..self.map.len());
            let key = self.map.get_index(i).unwrap().0.clone();
            if !self.expire_if_needed(&key) {
                return Some(key);
            }
        }
        None
    }

    /// A random index in `0..len` from this database's generator (SPOP,
    /// SRANDMEMBER, HRANDFIELD, ZRANDMEMBER).
    pub(crate) fn random_index(&mut self, len: usize) -> usize {
        self.rng.usize(..len)
    }

    /// Deletes every key (FLUSHDB). Touches watched keys that existed.
    pub(crate) fn clear(&mut self) {
        self.touch_all_watched();
        self.map.clear();
        self.volatile.clear();
    }

    /// Swaps the data (not the watchers or blocked clients) of two databases (SWAPDB).
    pub(crate) fn swap_data(&mut self, other: &mut Keyspace) {
        self.touch_all_watched();
        other.touch_all_watched();
        std::mem::swap(&mut self.map, &mut other.map);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        self.touch_all_watched();
        other.touch_all_watched();
        // Clients blocked on keys that now exist may be served.
        for ks in [&mut *self, other] {
            let keys: Vec<Bytes> = ks
                .blocked
                .keys()
                .filter(|k| ks.map.contains_key(&k[..]))
                .cloned()
                .collect();
            ks.ready.extend(keys);
        }
    }

    /// One active-expiry pass, as Redis's `activeExpireCycle` does for a
    /// database: sample up to 20 keys with a TTL, delete the expired ones,
    /// repeat while more than a quarter of a sample had expired and fewer than
    /// `max_rounds` rounds ran. Returns the number of keys deleted.
    pub(crate) fn purge_expired(&mut self, max_rounds: usize) -> usize {
        const SAMPLE: usize = 20;
        let mut deleted = 0;
        for _ in 0..max_rounds {
            let n = self.volatile.len();
            if n == 0 {
                break;
            }
            let sampled = n.min(SAMPLE);
            let mut expired = 0;
            for _ in 0..sampled {
                if self.volatile.is_empty() {
                    break;
                }
                let i = self.rng.usize(..self.volatile.len());
                let key = self.volatile.get_index(i).unwrap().clone();
                if self.expire_if_needed(&key) {
                    expired += 1;
                }
            }
            deleted += expired;
            if expired * 4 <= sampled {
                break;
            }
        }
        deleted
    }

    // ---- WATCH ----------------------------------------------------------

    /// Records that a write happened to `key` (Redis's `signalModifiedKey`).
    pub(crate) fn touch(&mut self, key: &[u8]) {
        self.dirty += 1;
        if !self.watched.is_empty()
            && let Some((_, version)) = self.watched.get_mut(key)
        {
            *version += 1;
        }
    }

    fn touch_all_watched(&mut self) {
        let now = self.now_ms;
        let map = &self.map;
        for (k, (_, version)) in self.watched.iter_mut() {
            if map
                .get(&k[..])
                .is_some_and(|e| !matches!(e.expire_at_ms, Some(at) if at <= now))
            {
                *version += 1;
            }
        }
    }

    /// Starts watching `key`; returns its modification counter.
    pub(crate) fn watch(&mut self, key: &[u8]) -> u64 {
        if !self.watched.contains_key(key) {
            self.watched.insert(Bytes::copy_from_slice(key), (0, 0));
        }
        let e = self.watched.get_mut(key).unwrap();
        e.0 += 1;
        e.1
    }

    /// The modification counter of a watched key.
    pub(crate) fn watch_version(&self, key: &[u8]) -> u64 {
        self.watched.get(key).map_or(0, |e| e.1)
    }

    /// Stops one watcher of `key`.
    pub(crate) fn unwatch(&mut self, key: &[u8]) {
        if let Some(e) = self.watched.get_mut(key) {
            e.0 -= 1;
            if e.0 == 0 {
                self.watched.remove(key);
            }
        }
    }

    // ---- blocking ---------------------------------------------------------

    /// Marks `key` as possibly able to serve blocked clients (Redis's
    /// `signalKeyAsReady`); they are served when the current command or
    /// transaction completes.
    pub(crate) fn signal_ready(&mut self, key: &[u8]) {
        if !self.blocked.is_empty() && self.blocked.contains_key(key) {
            self.ready.push(Bytes::copy_from_slice(key));
        }
    }
}

/// The SCAN cursor contract over an index-addressed collection whose removals
/// move the *last* element into the hole (`swap_remove`) and whose inserts
/// append: visit indexes from the top down. An element present for the whole
/// scan is never skipped (it can only move down, to an unvisited index, or be
/// seen twice, which Redis allows). Cursor `0` starts; the cursor returned is
/// `next_index + 1`, and `0` when done.
///
/// Calls `visit(i)` for up to `count` indexes, returns the next cursor.
pub(crate) fn scan_indexed(
    len: usize,
    cursor: u64,
    count: usize,
    mut visit: impl FnMut(usize),
) -> u64 {
    if len == 0 {
        return 0;
    }
    // u64 arithmetic: a client may send any cursor up to 2^64-1 (SCAN -1).
    let mut next: i64 = if cursor == 0 {
        len as i64 - 1
    } else {
        (cursor - 1).min(len as u64 - 1) as i64
    };
    let mut visited = 0;
    while next >= 0 && visited < count.max(1) {
        visit(next as usize);
        next -= 1;
        visited += 1;
    }
    (next + 1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_indexed_visits_everything_once_without_changes() {
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = scan_indexed(25, cursor, 10, |i| seen.push(i));
            if cursor == 0 {
                break;
            }
        }
        seen.sort();
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn expired_keys_are_invisible_and_removed_on_access() {
        let mut ks = Keyspace::new(1);
        ks.now_ms = 1000;
        ks.set_with_expiry(
            Bytes::from("k"),
            Value::String(Bytes::from("v")),
            Some(1500),
        );
        assert!(ks.contains(b"k"));
        assert_eq!(ks.volatile_len(), 1);
        ks.now_ms = 1500;
        assert!(!ks.contains(b"k"));
        assert_eq!(ks.len(), 0);
        assert_eq!(ks.volatile_len(), 0);
    }
}
