//! [`Segment`]: one segment of a keyspace map, an insertion-ordered hash map
//! from [`Key`] to [`Entry`] built for memory per key.
//!
//! It works as `indexmap::IndexMap` does (a hash table of indexes into a
//! vector of entries, so every key has an index: O(1) random key, and a SCAN
//! cursor that survives deletions), with two differences that matter when a
//! key and its value are 56 bytes together:
//! - the table holds `u32` indexes (4 bytes a slot, not 8), and the entry
//!   vector stores no hash (IndexMap stores 8 bytes of hash per entry); a
//!   hash is recomputed from the key when the table grows or an entry moves,
//!   which for short keys costs less than the cache misses the bigger
//!   buckets cost;
//! - the entry vector grows as a `Vec` does (doubling), on its own, not to
//!   the table's capacity, which IndexMap matches and which is 7/8 of a power
//!   of two: just past a table doubling, IndexMap holds ~1.8 entries of
//!   capacity per key. (Growing by a quarter instead allocated ~10% less but
//!   left glibc more holes: the server's RSS per key was ~10% higher at 1M
//!   keys.)
//!
//! The caller hashes the key once (the same hash picks the segment, see
//! `Segments`) and passes the hash in; the table uses the hash's low bits for
//! the bucket and its top 7 bits as the tag, independent of the segment bits.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::{Entry, Key};
use crate::value::Hasher;

/// One segment of a keyspace map (`V` = [`Entry`]), or with `V = ()` the
/// expiry index's set of keys ([`KeySet`]); see the module docs.
#[derive(Clone)]
pub(super) struct Segment<V = Entry> {
    /// Indexes into `entries`, by key hash.
    table: HashTable<u32>,
    entries: Vec<(Key, V)>,
}

impl<V> Default for Segment<V> {
    fn default() -> Self {
        Segment {
            table: HashTable::new(),
            entries: Vec::new(),
        }
    }
}

/// The hash of a stored key, as the caller hashed it for lookups.
fn rehash<V>(hasher: &Hasher, entries: &[(Key, V)], i: u32) -> u64 {
    hasher.hash_one(entries[i as usize].0.as_slice())
}

impl<V> Segment<V> {
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Index of `key`, whose hash is `hash`.
    #[inline]
    pub(super) fn find(&self, hash: u64, key: &[u8]) -> Option<usize> {
        let entries = &self.entries;
        self.table
            .find(hash, |&i| entries[i as usize].0.as_slice() == key)
            .map(|&i| i as usize)
    }

    /// The key and entry at index `i`.
    #[inline]
    pub(super) fn get_index(&self, i: usize) -> Option<(&Key, &V)> {
        self.entries.get(i).map(|(k, e)| (k, e))
    }

    /// The entry at index `i`, for writing.
    #[inline]
    pub(super) fn get_index_mut(&mut self, i: usize) -> Option<&mut V> {
        self.entries.get_mut(i).map(|(_, e)| e)
    }

    /// Inserts `key` (hashed to `hash` by `hasher`) or replaces its entry,
    /// keeping a replaced key's position and key bytes. Returns the old entry.
    pub(super) fn insert(&mut self, hasher: &Hasher, hash: u64, key: Key, entry: V) -> Option<V> {
        if let Some(i) = self.find(hash, &key) {
            return Some(std::mem::replace(&mut self.entries[i].1, entry));
        }
        self.push_new(hasher, hash, key, entry);
        None
    }

    /// Appends `key`, hashed to `hash` by `hasher`, which the caller knows
    /// is absent (it just looked): no second lookup. Returns its index.
    pub(super) fn push_new(&mut self, hasher: &Hasher, hash: u64, key: Key, entry: V) -> usize {
        debug_assert!(self.find(hash, &key).is_none());
        let i = u32::try_from(self.entries.len()).expect("a segment holds under 2^32 keys");
        self.entries.push((key, entry));
        let entries = &self.entries;
        self.table
            .insert_unique(hash, i, |&j| rehash(hasher, entries, j));
        i as usize
    }

    /// Removes the entry at index `i`, whose key hashes to `hash`; the last
    /// entry moves into its place (as `Vec::swap_remove`).
    pub(super) fn swap_remove_index(
        &mut self,
        hasher: &Hasher,
        hash: u64,
        i: usize,
    ) -> Option<(Key, V)> {
        let last = self.entries.len().checked_sub(1)?;
        if i > last {
            return None;
        }
        debug_assert_eq!(hash, rehash(hasher, &self.entries, i as u32));
        match self.table.find_entry(hash, |&j| j as usize == i) {
            Ok(slot) => {
                slot.remove();
            }
            Err(_) => unreachable!("every entry has a slot"),
        }
        let removed = self.entries.swap_remove(i);
        if i != last {
            let moved = rehash(hasher, &self.entries, i as u32);
            let slot = self
                .table
                .find_mut(moved, |&j| j as usize == last)
                .expect("every entry has a slot");
            *slot = i as u32;
        }
        Some(removed)
    }

    /// Makes room for `additional` more keys.
    pub(super) fn reserve(&mut self, hasher: &Hasher, additional: usize) {
        let entries = &self.entries;
        self.table
            .reserve(additional, |&j| rehash(hasher, entries, j));
        self.entries.reserve_exact(additional);
    }

    /// Every key and entry, in index order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&Key, &V)> {
        self.entries.iter().map(|(k, e)| (k, e))
    }

    /// Removes every key, freeing the memory.
    pub(super) fn clear(&mut self) {
        *self = Segment::default();
    }

    /// Bytes this segment has allocated (table and entries), for tests.
    #[cfg(test)]
    pub(super) fn allocated_bytes(&self) -> usize {
        self.table.allocation_size() + self.entries.capacity() * size_of::<(Key, V)>()
    }
}

/// The keys that have an expiry (Redis's `expires` dict, without the
/// expiries, which live in the entries): a [`Segment`] of keys alone, so a
/// key with a TTL costs a 24-byte key copy plus a 4-byte slot here, not
/// IndexSet's 32-byte bucket (its capacity synced to the table's) plus an
/// 8-byte slot.
/// Indexed, for active expiry's random sampling.
#[derive(Clone, Default)]
pub(super) struct KeySet {
    keys: Segment<()>,
    hasher: Hasher,
}

impl KeySet {
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Adds `key`; false if it was already there.
    pub(super) fn insert(&mut self, key: Key) -> bool {
        let hash = self.hasher.hash_one(key.as_slice());
        self.keys.insert(&self.hasher, hash, key, ()).is_none()
    }

    /// Removes `key` (the last key moves into its index); false if absent.
    pub(super) fn swap_remove(&mut self, key: &[u8]) -> bool {
        let hash = self.hasher.hash_one(key);
        match self.keys.find(hash, key) {
            Some(i) => self.keys.swap_remove_index(&self.hasher, hash, i).is_some(),
            None => false,
        }
    }

    /// The key at index `i` (`0..len`).
    pub(super) fn get_index(&self, i: usize) -> Option<&Key> {
        self.keys.get_index(i).map(|(k, _)| k)
    }

    pub(super) fn clear(&mut self) {
        self.keys.clear();
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::value::{CompactBytes, Value};

    fn entry(n: i64) -> Entry {
        Entry::new(Value::String(CompactBytes::from(n.to_string())), None)
    }

    fn insert(seg: &mut Segment, h: &Hasher, key: &[u8], n: i64) -> Option<Entry> {
        seg.insert(h, h.hash_one(key), CompactBytes::from(key), entry(n))
    }

    proptest! {
        /// Same keys, same order (swap-remove moves the last entry into the
        /// hole), same lookups as `IndexMap`, through growth and removals.
        #[test]
        fn segment_matches_indexmap_model(
            ops in proptest::collection::vec((any::<bool>(), 0u16..300), 1..600),
        ) {
            let h = Hasher::default();
            let mut seg = Segment::default();
            let mut model = indexmap::IndexMap::<Vec<u8>, i64>::new();
            for (n, (insert_it, k)) in ops.into_iter().enumerate() {
                // Keys on both sides of the 23-byte inline limit.
                let key = if k % 2 == 0 { format!("k{k}") } else { format!("{k:0>30}") };
                let key = key.as_bytes();
                if insert_it {
                    let old = insert(&mut seg, &h, key, n as i64);
                    let want = model.insert(key.to_vec(), n as i64).map(entry);
                    prop_assert_eq!(old, want);
                } else if let Some(i) = seg.find(h.hash_one(key), key) {
                    let (k2, _) = seg.swap_remove_index(&h, h.hash_one(key), i).unwrap();
                    prop_assert_eq!(k2.as_slice(), key);
                    prop_assert!(model.swap_remove(key).is_some());
                } else {
                    prop_assert!(!model.contains_key(key));
                }
                prop_assert_eq!(seg.len(), model.len());
            }
            for (i, (k, v)) in model.iter().enumerate() {
                prop_assert_eq!(seg.get_index(i), Some((&CompactBytes::from(&k[..]), &entry(*v))));
                prop_assert_eq!(seg.find(h.hash_one(&k[..]), k), Some(i));
            }
            prop_assert_eq!(seg.iter().count(), model.len());
        }
    }

    /// A segment of 244 keys (1M keys over 4096 segments) allocates well
    /// under Redis's ~90 bytes per key: 56-byte entries (256 of capacity),
    /// and 5 bytes per table slot (512 slots).
    #[test]
    fn memory_per_key_of_a_full_segment() {
        let h = Hasher::default();
        let mut seg = Segment::default();
        for i in 0..244 {
            insert(&mut seg, &h, format!("key:{i:06}").as_bytes(), i);
        }
        let per_key = seg.allocated_bytes() as f64 / 244.0;
        assert!(per_key < 72.0, "{per_key}");
        assert!(seg.swap_remove_index(&h, 0, 244).is_none());
    }

    #[test]
    fn key_set_inserts_removes_and_indexes() {
        let mut set = KeySet::default();
        assert!(set.is_empty());
        for k in ["a", "b", "c", "a-much-longer-key-than-23-bytes"] {
            assert!(set.insert(CompactBytes::from(k)));
        }
        assert!(!set.insert(CompactBytes::from("b")));
        assert_eq!(set.len(), 4);
        assert!(set.swap_remove(b"a"));
        assert!(!set.swap_remove(b"a"));
        // The last key moved into index 0.
        assert_eq!(
            set.get_index(0).unwrap(),
            &b"a-much-longer-key-than-23-bytes"[..]
        );
        assert_eq!(set.get_index(3), None);
        set.clear();
        assert_eq!(set.len(), 0);
        assert!(set.insert(CompactBytes::from("a")));
    }
}
