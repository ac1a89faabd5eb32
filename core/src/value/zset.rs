//! The sorted set type. (Placeholder: the zset work replaces the inside with
//! member → score plus an order-statistics structure for O(log n) ranks.)

use bytes::Bytes;

/// A Redis sorted set: unique members ordered by (score, member).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZSet {
    entries: Vec<(f64, Bytes)>,
}

impl ZSet {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
