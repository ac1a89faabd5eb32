//! The sorted set type.
//!
//! PLACEHOLDER IMPLEMENTATION (a sorted `Vec`, O(n) updates): the zset work
//! replaces the inside with member → score plus an order-statistics structure
//! for O(log n) ranks, keeping these method signatures, which other code
//! (SORT, snapshots, the wasm package) already uses.

use bytes::Bytes;

/// A Redis sorted set: unique members ordered by (score, member bytes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZSet {
    entries: Vec<(f64, Bytes)>,
}

impl ZSet {
    /// Number of members (ZCARD).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The score of `member` (ZSCORE).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.entries
            .iter()
            .find(|(_, m)| &m[..] == member)
            .map(|(s, _)| *s)
    }

    /// Sets `member`'s score; returns true if the member is new.
    pub fn insert(&mut self, member: Bytes, score: f64) -> bool {
        let added = !self.remove(&member);
        let pos = self
            .entries
            .partition_point(|(s, m)| (*s, &m[..]) < (score, &member[..]));
        self.entries.insert(pos, (score, member));
        added
    }

    /// Removes `member`; returns true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.entries.iter().position(|(_, m)| &m[..] == member) {
            Some(i) => {
                self.entries.remove(i);
                true
            }
            None => false,
        }
    }

    /// 0-based rank of `member` in ascending order (ZRANK).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        self.entries.iter().position(|(_, m)| &m[..] == member)
    }

    /// The member and score at ascending rank `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&Bytes, f64)> {
        self.entries.get(rank).map(|(s, m)| (m, *s))
    }

    /// Members with scores in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Bytes, f64)> + '_ {
        self.entries.iter().map(|(s, m)| (m, *s))
    }
}
