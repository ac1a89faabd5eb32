//! The sorted set type (Redis `t_zset.c`, type half).
//!
//! Two structures, as in Redis: a hash map member → score for O(1) `ZSCORE`,
//! and an ordered index by (score, member bytes) that knows ranks, for
//! O(log n) `ZRANK`, rank ranges, `ZCOUNT` and range deletions.
//!
//! The ordered index is a counted B+ tree (an order-statistics tree) rather
//! than Redis's skip list: every node records how many entries each child
//! holds, so a rank is a sum along one root-to-leaf path, and entries sit in
//! contiguous leaf arrays of up to 64. A skip list search takes one cache
//! miss per step (measured 20-40x slower than `BTreeSet` at a million
//! members); the tree takes a few per level, with three or four levels for
//! a million members. Nodes live in an arena (`Vec` of nodes addressed by
//! `u32` indexes, freed slots reused) because the crate forbids `unsafe`.
//!
//! The member map is an index map, so a random member (`ZRANDMEMBER`) is
//! O(1) and `ZSCAN` can use the same cursor contract as the keyspace
//! ([`crate::keyspace::scan_indexed`]).

use std::cmp::Ordering;

use bytes::Bytes;

use super::{CompactBytes, Hasher};

/// Most entries in a leaf and most children of an inner node.
const CAP: usize = 64;
/// Below this many entries (children), a node is merged with a neighbour
/// or takes some of its entries.
const MIN: usize = CAP / 4;
/// "No node": the ends of the leaf chain.
const NIL: u32 = u32::MAX;

/// One end of a score range, as `ZRANGEBYSCORE` takes it: `5` is
/// `Inclusive(5.0)`, `(5` is `Exclusive(5.0)`, `-inf`/`+inf` are inclusive
/// infinities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreBound {
    /// The bound itself is in the range.
    Inclusive(f64),
    /// The bound itself is not in the range (Redis's `(` prefix).
    Exclusive(f64),
}

impl ScoreBound {
    /// `-inf`: no lower limit.
    pub const MIN: ScoreBound = ScoreBound::Inclusive(f64::NEG_INFINITY);
    /// `+inf`: no upper limit.
    pub const MAX: ScoreBound = ScoreBound::Inclusive(f64::INFINITY);

    /// True if `score` is at or above this bound used as a minimum.
    pub fn admits_above(&self, score: f64) -> bool {
        match *self {
            ScoreBound::Inclusive(m) => score >= m,
            ScoreBound::Exclusive(m) => score > m,
        }
    }

    /// True if `score` is at or below this bound used as a maximum.
    pub fn admits_below(&self, score: f64) -> bool {
        match *self {
            ScoreBound::Inclusive(m) => score <= m,
            ScoreBound::Exclusive(m) => score < m,
        }
    }
}

impl From<f64> for ScoreBound {
    fn from(v: f64) -> Self {
        ScoreBound::Inclusive(v)
    }
}

/// One end of a lexicographic range, as `ZRANGEBYLEX` takes it: `-`, `+`,
/// `[member` (inclusive) or `(member` (exclusive). Members compare as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`: the member itself is in the range.
    Inclusive(Bytes),
    /// `(member`: the member itself is not in the range.
    Exclusive(Bytes),
}

impl LexBound {
    /// True if `member` is at or above this bound used as a minimum.
    pub fn admits_above(&self, member: &[u8]) -> bool {
        match self {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => member >= &m[..],
            LexBound::Exclusive(m) => member > &m[..],
        }
    }

    /// True if `member` is at or below this bound used as a maximum.
    pub fn admits_below(&self, member: &[u8]) -> bool {
        match self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(m) => member <= &m[..],
            LexBound::Exclusive(m) => member < &m[..],
        }
    }
}

/// A (score, member) entry; scores are never NaN.
type Entry = (f64, CompactBytes);

/// Sorted-set order: by score, then by member bytes.
fn cmp(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    a_score
        .partial_cmp(&b_score)
        .expect("sorted set scores are never NaN")
        .then_with(|| a_member.cmp(b_member))
}

#[derive(Debug, Clone)]
enum Node {
    /// Entries in order, and the neighbouring leaves.
    Leaf {
        entries: Vec<Entry>,
        prev: u32,
        next: u32,
    },
    /// `children[i]` holds `counts[i]` entries, all below `seps[i]`, and
    /// `seps[i]` is at or below every entry of `children[i + 1]` (a
    /// separator may be a key that was since removed).
    Inner {
        seps: Vec<Entry>,
        children: Vec<u32>,
        counts: Vec<u32>,
    },
}

impl Node {
    /// Entries (leaf) or children (inner): what CAP and MIN bound.
    fn width(&self) -> usize {
        match self {
            Node::Leaf { entries, .. } => entries.len(),
            Node::Inner { children, .. } => children.len(),
        }
    }

    /// Number of entries below this node.
    fn count(&self) -> u32 {
        match self {
            Node::Leaf { entries, .. } => entries.len() as u32,
            Node::Inner { counts, .. } => counts.iter().sum(),
        }
    }
}

/// The counted B+ tree: an arena of nodes, a root, and the leaf chain's ends.
#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
    /// Arena slots of freed nodes, reused first.
    free: Vec<u32>,
    root: u32,
    first: u32,
    last: u32,
    len: usize,
}

/// What a split hands to the parent: the separator and the new right node.
type Split = Option<(Entry, u32)>;

impl Tree {
    fn new() -> Self {
        Tree {
            nodes: vec![Node::Leaf {
                entries: Vec::new(),
                prev: NIL,
                next: NIL,
            }],
            free: Vec::new(),
            root: 0,
            first: 0,
            last: 0,
            len: 0,
        }
    }

    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    fn node_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize]
    }

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                assert!(self.nodes.len() < NIL as usize, "sorted set too large");
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    fn release(&mut self, i: u32) {
        // Drop the contents now; the slot is reused by the next alloc.
        self.nodes[i as usize] = Node::Leaf {
            entries: Vec::new(),
            prev: NIL,
            next: NIL,
        };
        self.free.push(i);
    }

    fn leaf_entries(&self, i: u32) -> &[Entry] {
        match self.node(i) {
            Node::Leaf { entries, .. } => entries,
            Node::Inner { .. } => unreachable!("not a leaf"),
        }
    }

    fn leaf_next(&self, i: u32) -> u32 {
        match self.node(i) {
            Node::Leaf { next, .. } => *next,
            Node::Inner { .. } => unreachable!("not a leaf"),
        }
    }

    fn leaf_prev(&self, i: u32) -> u32 {
        match self.node(i) {
            Node::Leaf { prev, .. } => *prev,
            Node::Inner { .. } => unreachable!("not a leaf"),
        }
    }

    fn set_prev(&mut self, i: u32, to: u32) {
        if let Node::Leaf { prev, .. } = self.node_mut(i) {
            *prev = to;
        }
    }

    fn set_next(&mut self, i: u32, to: u32) {
        if let Node::Leaf { next, .. } = self.node_mut(i) {
            *next = to;
        }
    }

    /// Inserts a (score, member) known to be absent.
    fn insert(&mut self, score: f64, member: CompactBytes) {
        if let Some((sep, right)) = self.insert_into(self.root, score, member) {
            let left = self.root;
            let counts = vec![self.node(left).count(), self.node(right).count()];
            self.root = self.alloc(Node::Inner {
                seps: vec![sep],
                children: vec![left, right],
                counts,
            });
        }
        self.len += 1;
    }

    fn insert_into(&mut self, at: u32, score: f64, member: CompactBytes) -> Split {
        let child = match self.node_mut(at) {
            Node::Leaf { entries, .. } => {
                let pos = entries.partition_point(|(s, m)| cmp(*s, m, score, &member).is_lt());
                entries.insert(pos, (score, member));
                return if entries.len() > CAP {
                    Some(self.split_leaf(at))
                } else {
                    None
                };
            }
            Node::Inner {
                seps,
                children,
                counts,
            } => {
                let j = seps.partition_point(|(s, m)| cmp(*s, m, score, &member).is_le());
                counts[j] += 1;
                (j, children[j])
            }
        };
        let (j, child) = child;
        let (sep, right) = self.insert_into(child, score, member)?;
        let (left_count, right_count) = (self.node(child).count(), self.node(right).count());
        let Node::Inner {
            seps,
            children,
            counts,
        } = self.node_mut(at)
        else {
            unreachable!()
        };
        seps.insert(j, sep);
        children.insert(j + 1, right);
        counts[j] = left_count;
        counts.insert(j + 1, right_count);
        if children.len() > CAP {
            Some(self.split_inner(at))
        } else {
            None
        }
    }

    /// Moves the upper half of leaf `at` into a new leaf after it.
    fn split_leaf(&mut self, at: u32) -> (Entry, u32) {
        let Node::Leaf { entries, next, .. } = self.node_mut(at) else {
            unreachable!()
        };
        let upper = entries.split_off(entries.len() / 2);
        let old_next = *next;
        let sep = upper[0].clone();
        let right = self.alloc(Node::Leaf {
            entries: upper,
            prev: at,
            next: old_next,
        });
        self.set_next(at, right);
        if old_next == NIL {
            self.last = right;
        } else {
            self.set_prev(old_next, right);
        }
        (sep, right)
    }

    /// Moves the upper half of inner node `at` into a new node after it.
    fn split_inner(&mut self, at: u32) -> (Entry, u32) {
        let Node::Inner {
            seps,
            children,
            counts,
        } = self.node_mut(at)
        else {
            unreachable!()
        };
        let mid = children.len() / 2;
        let right_children = children.split_off(mid);
        let right_counts = counts.split_off(mid);
        let right_seps = seps.split_off(mid);
        let up = seps.pop().unwrap();
        let right = self.alloc(Node::Inner {
            seps: right_seps,
            children: right_children,
            counts: right_counts,
        });
        (up, right)
    }

    /// Removes the entry (score, member); false if absent.
    fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let removed = self.remove_from(self.root, score, member);
        if removed {
            self.len -= 1;
            // A root with one child hands the root to it.
            while let Node::Inner { children, .. } = self.node(self.root) {
                if children.len() > 1 {
                    break;
                }
                let only = children[0];
                self.release(self.root);
                self.root = only;
            }
        }
        removed
    }

    fn remove_from(&mut self, at: u32, score: f64, member: &[u8]) -> bool {
        let (j, child) = match self.node_mut(at) {
            Node::Leaf { entries, .. } => {
                let pos = entries.partition_point(|(s, m)| cmp(*s, m, score, member).is_lt());
                return match entries.get(pos) {
                    Some((s, m)) if cmp(*s, m, score, member).is_eq() => {
                        entries.remove(pos);
                        true
                    }
                    _ => false,
                };
            }
            Node::Inner { seps, children, .. } => {
                let j = seps.partition_point(|(s, m)| cmp(*s, m, score, member).is_le());
                (j, children[j])
            }
        };
        if !self.remove_from(child, score, member) {
            return false;
        }
        if let Node::Inner { counts, .. } = self.node_mut(at) {
            counts[j] -= 1;
        }
        if self.node(child).width() < MIN {
            self.rebalance(at, j);
        }
        true
    }

    /// Child `j` of `at` is underfull: merge it with a neighbour when both
    /// fit in one node, else share their entries evenly.
    fn rebalance(&mut self, at: u32, j: usize) {
        let Node::Inner { children, .. } = self.node(at) else {
            unreachable!()
        };
        if children.len() < 2 {
            return;
        }
        // The pair (i, i + 1) that contains j.
        let i = if j + 1 < children.len() { j } else { j - 1 };
        let (left, right) = (children[i], children[i + 1]);
        let Node::Inner { seps, .. } = self.node_mut(at) else {
            unreachable!()
        };
        let sep = seps.remove(i);
        let left_node = std::mem::replace(
            &mut self.nodes[left as usize],
            Node::Leaf {
                entries: Vec::new(),
                prev: NIL,
                next: NIL,
            },
        );
        let right_node = std::mem::replace(
            &mut self.nodes[right as usize],
            Node::Leaf {
                entries: Vec::new(),
                prev: NIL,
                next: NIL,
            },
        );
        match (left_node, right_node) {
            (
                Node::Leaf {
                    entries: mut l,
                    prev,
                    ..
                },
                Node::Leaf {
                    entries: r, next, ..
                },
            ) => {
                l.extend(r);
                if l.len() <= CAP {
                    self.nodes[left as usize] = Node::Leaf {
                        entries: l,
                        prev,
                        next,
                    };
                    if next == NIL {
                        self.last = left;
                    } else {
                        self.set_prev(next, left);
                    }
                    self.free.push(right);
                    self.remove_child(at, i + 1);
                    self.set_count(at, i, left);
                } else {
                    let upper = l.split_off(l.len() / 2);
                    let new_sep = upper[0].clone();
                    self.nodes[left as usize] = Node::Leaf {
                        entries: l,
                        prev,
                        next: right,
                    };
                    self.nodes[right as usize] = Node::Leaf {
                        entries: upper,
                        prev: left,
                        next,
                    };
                    self.insert_sep(at, i, new_sep);
                    self.set_count(at, i, left);
                    self.set_count(at, i + 1, right);
                }
            }
            (
                Node::Inner {
                    seps: mut ls,
                    children: mut lc,
                    counts: mut ln,
                },
                Node::Inner {
                    seps: rs,
                    children: rc,
                    counts: rn,
                },
            ) => {
                ls.push(sep);
                ls.extend(rs);
                lc.extend(rc);
                ln.extend(rn);
                if lc.len() <= CAP {
                    self.nodes[left as usize] = Node::Inner {
                        seps: ls,
                        children: lc,
                        counts: ln,
                    };
                    self.free.push(right);
                    self.remove_child(at, i + 1);
                    self.set_count(at, i, left);
                } else {
                    let mid = lc.len() / 2;
                    let (rc, rn, rs) = (lc.split_off(mid), ln.split_off(mid), ls.split_off(mid));
                    let up = ls.pop().unwrap();
                    self.nodes[left as usize] = Node::Inner {
                        seps: ls,
                        children: lc,
                        counts: ln,
                    };
                    self.nodes[right as usize] = Node::Inner {
                        seps: rs,
                        children: rc,
                        counts: rn,
                    };
                    self.insert_sep(at, i, up);
                    self.set_count(at, i, left);
                    self.set_count(at, i + 1, right);
                }
            }
            _ => unreachable!("siblings are at the same depth"),
        }
    }

    /// Drops child `k` (already merged away) of inner node `at`.
    fn remove_child(&mut self, at: u32, k: usize) {
        if let Node::Inner {
            children, counts, ..
        } = self.node_mut(at)
        {
            children.remove(k);
            counts.remove(k);
        }
    }

    fn insert_sep(&mut self, at: u32, k: usize, sep: Entry) {
        if let Node::Inner { seps, .. } = self.node_mut(at) {
            seps.insert(k, sep);
        }
    }

    /// Refreshes the count kept for child `k` of `at` from `child` itself.
    fn set_count(&mut self, at: u32, k: usize, child: u32) {
        let n = self.node(child).count();
        if let Node::Inner { counts, .. } = self.node_mut(at) {
            counts[k] = n;
        }
    }

    /// Number of entries for which `before` holds: `before` must hold for a
    /// prefix of the order (be monotone). One root-to-leaf descent.
    fn count_prefix(&self, mut before: impl FnMut(f64, &CompactBytes) -> bool) -> usize {
        let mut at = self.root;
        let mut rank = 0usize;
        loop {
            match self.node(at) {
                Node::Leaf { entries, .. } => {
                    return rank + entries.partition_point(|(s, m)| before(*s, m));
                }
                Node::Inner {
                    seps,
                    children,
                    counts,
                } => {
                    let j = seps.partition_point(|(s, m)| before(*s, m));
                    rank += counts[..j].iter().map(|&c| c as usize).sum::<usize>();
                    at = children[j];
                }
            }
        }
    }

    /// The leaf and position of 0-based `rank`, which must be below `len`.
    fn at_rank(&self, mut rank: usize) -> (u32, usize) {
        let mut at = self.root;
        loop {
            match self.node(at) {
                Node::Leaf { .. } => return (at, rank),
                Node::Inner {
                    children, counts, ..
                } => {
                    let mut j = 0;
                    while rank >= counts[j] as usize {
                        rank -= counts[j] as usize;
                        j += 1;
                    }
                    at = children[j];
                }
            }
        }
    }

    fn entry_at(&self, rank: usize) -> Option<&Entry> {
        if rank >= self.len {
            return None;
        }
        let (leaf, pos) = self.at_rank(rank);
        self.leaf_entries(leaf).get(pos)
    }
}

/// A Redis sorted set: unique members ordered by (score, member bytes).
///
/// Scores are never NaN. A score of `-0` is stored as `0`, as Redis's
/// small (listpack) sorted sets do.
#[derive(Clone)]
pub struct ZSet {
    dict: indexmap::IndexMap<CompactBytes, f64, Hasher>,
    tree: Tree,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet {
            dict: Default::default(),
            tree: Tree::new(),
        }
    }
}

impl std::fmt::Debug for ZSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl ZSet {
    /// An empty sorted set.
    pub fn new() -> Self {
        ZSet::default()
    }

    /// Number of members (ZCARD).
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// The score of `member` (ZSCORE). O(1).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.dict.get(member).copied()
    }

    /// Sets `member`'s score; returns true if the member is new. O(log n).
    ///
    /// # Panics
    /// If `score` is NaN (callers reject NaN first, as Redis does).
    pub fn insert(&mut self, member: impl AsRef<[u8]> + Into<CompactBytes>, score: f64) -> bool {
        assert!(!score.is_nan(), "sorted set score is NaN");
        // -0 + 0 = +0: store one zero, as Redis's listpack encoding does.
        let score = score + 0.0;
        // Converted to a `CompactBytes` only when stored: an update to the
        // same score stores nothing.
        match self.dict.get_mut(member.as_ref()) {
            Some(old) => {
                if *old != score {
                    let prev = std::mem::replace(old, score);
                    let removed = self.tree.remove(prev, member.as_ref());
                    debug_assert!(removed);
                    self.tree.insert(score, member.into());
                }
                false
            }
            None => {
                let member = member.into();
                self.dict.insert(member.clone(), score);
                self.tree.insert(score, member);
                true
            }
        }
    }

    /// Removes `member`; returns true if it was there. O(log n).
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.dict.swap_remove(member) {
            Some(score) => {
                let removed = self.tree.remove(score, member);
                debug_assert!(removed);
                true
            }
            None => false,
        }
    }

    /// 0-based rank of `member` in ascending order (ZRANK). O(log n).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        Some(
            self.tree
                .count_prefix(|s, m| cmp(s, m, score, member).is_lt()),
        )
    }

    /// The member and score at ascending rank `rank`. O(log n).
    pub fn get_by_rank(&self, rank: usize) -> Option<(&CompactBytes, f64)> {
        self.tree.entry_at(rank).map(|(s, m)| (m, *s))
    }

    /// Members with scores in ascending order.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&CompactBytes, f64)> + ExactSizeIterator + '_ {
        self.range(0, self.len())
    }

    /// Members of ascending ranks `start..end` (clamped to the set), in
    /// ascending order; iterate with `.rev()` for descending. Finding the
    /// ends is O(log n), each step O(1).
    pub fn range(&self, start: usize, end: usize) -> ZSetIter<'_> {
        let end = end.min(self.len());
        if start >= end {
            return ZSetIter {
                tree: &self.tree,
                front: (NIL, 0),
                back: (NIL, 0),
                remaining: 0,
            };
        }
        let t = &self.tree;
        // The ends of the leaf chain need no descent.
        let front = if start == 0 {
            (t.first, 0)
        } else {
            t.at_rank(start)
        };
        let back = if end == t.len {
            (t.last, t.leaf_entries(t.last).len() - 1)
        } else {
            t.at_rank(end - 1)
        };
        ZSetIter {
            tree: t,
            front,
            back,
            remaining: end - start,
        }
    }

    /// Number of members with a score below `min`'s range: the ascending
    /// rank of the first member at or above `min`. O(log n).
    pub fn rank_of_min_score(&self, min: ScoreBound) -> usize {
        self.tree.count_prefix(|s, _| !min.admits_above(s))
    }

    /// Number of members with a score within `max`: one past the ascending
    /// rank of the last member at or below `max`. O(log n).
    pub fn rank_past_max_score(&self, max: ScoreBound) -> usize {
        self.tree.count_prefix(|s, _| max.admits_below(s))
    }

    /// The ascending ranks `start..end` of the members whose score is in
    /// `min..=max` (empty when `start >= end`). O(log n).
    pub fn score_range(&self, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
        let start = self.rank_of_min_score(min);
        let end = self.rank_past_max_score(max);
        (start, end.max(start))
    }

    /// The ascending ranks `start..end` of the members in the lex range
    /// `min..=max`. Meaningful when all scores are equal (as in Redis,
    /// whose result is otherwise unspecified). O(log n).
    pub fn lex_range(&self, min: &LexBound, max: &LexBound) -> (usize, usize) {
        let start = self.tree.count_prefix(|_, m| !min.admits_above(m));
        let end = self.tree.count_prefix(|_, m| max.admits_below(m));
        (start, end.max(start))
    }

    /// Removes the members of ascending ranks `start..end` (clamped);
    /// returns them. O(removed × log n).
    pub fn remove_range(&mut self, start: usize, end: usize) -> Vec<Bytes> {
        let end = end.min(self.len());
        let mut removed = Vec::with_capacity(end.saturating_sub(start));
        for _ in start..end {
            let Some((score, member)) = self.tree.entry_at(start).cloned() else {
                break;
            };
            self.tree.remove(score, &member);
            self.dict.swap_remove(&member[..]);
            removed.push(member.into());
        }
        removed
    }

    /// Removes and returns the lowest (`max == false`) or highest member.
    pub fn pop(&mut self, max: bool) -> Option<(Bytes, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        let (s, m) = self.tree.entry_at(rank).cloned()?;
        self.remove(&m);
        Some((m.into(), s))
    }

    /// The member and score at position `i` of the member table, in
    /// `0..len()`: not rank order. What `ZRANDMEMBER` and `ZSCAN` address;
    /// a removal moves the last position into the hole.
    pub fn get_index(&self, i: usize) -> Option<(&CompactBytes, f64)> {
        self.dict.get_index(i).map(|(m, s)| (m, *s))
    }
}

/// Iterator over a rank range of a [`ZSet`], from [`ZSet::range`].
#[derive(Debug, Clone)]
pub struct ZSetIter<'a> {
    tree: &'a Tree,
    /// Leaf and position of the next entry from the front.
    front: (u32, usize),
    /// Leaf and position of the next entry from the back.
    back: (u32, usize),
    remaining: usize,
}

impl<'a> Iterator for ZSetIter<'a> {
    type Item = (&'a CompactBytes, f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let (mut leaf, mut pos) = self.front;
        while pos >= self.tree.leaf_entries(leaf).len() {
            leaf = self.tree.leaf_next(leaf);
            pos = 0;
        }
        let (s, m) = &self.tree.leaf_entries(leaf)[pos];
        self.front = (leaf, pos + 1);
        self.remaining -= 1;
        Some((m, *s))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for ZSetIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let (leaf, pos) = self.back;
        let (s, m) = &self.tree.leaf_entries(leaf)[pos];
        self.remaining -= 1;
        if self.remaining > 0 {
            self.back = if pos > 0 {
                (leaf, pos - 1)
            } else {
                let mut prev = self.tree.leaf_prev(leaf);
                while self.tree.leaf_entries(prev).is_empty() {
                    prev = self.tree.leaf_prev(prev);
                }
                (prev, self.tree.leaf_entries(prev).len() - 1)
            };
        }
        Some((m, *s))
    }
}

impl ExactSizeIterator for ZSetIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks every invariant of the tree; returns (count, depth, min, max)
    /// of the subtree at `at`.
    fn check_node(t: &Tree, at: u32, is_root: bool) -> (u32, usize, Option<Entry>, Option<Entry>) {
        match t.node(at) {
            Node::Leaf { entries, .. } => {
                assert!(entries.len() <= CAP);
                assert!(is_root || !entries.is_empty(), "empty non-root leaf");
                for w in entries.windows(2) {
                    assert!(cmp(w[0].0, &w[0].1, w[1].0, &w[1].1).is_lt());
                }
                (
                    entries.len() as u32,
                    0,
                    entries.first().cloned(),
                    entries.last().cloned(),
                )
            }
            Node::Inner {
                seps,
                children,
                counts,
            } => {
                assert!(children.len() <= CAP);
                assert!(children.len() >= 2 || !is_root, "root with one child");
                assert!(!children.is_empty());
                assert_eq!(seps.len() + 1, children.len());
                assert_eq!(counts.len(), children.len());
                let mut depth = None;
                let mut total = 0;
                let (mut lo, mut hi) = (None, None);
                for (k, &c) in children.iter().enumerate() {
                    let (n, d, mn, mx) = check_node(t, c, false);
                    assert_eq!(n, counts[k], "count of child {k}");
                    assert_eq!(*depth.get_or_insert(d), d, "uneven depth");
                    total += n;
                    if k > 0 {
                        let s = &seps[k - 1];
                        let mn = mn.as_ref().unwrap();
                        assert!(cmp(s.0, &s.1, mn.0, &mn.1).is_le(), "sep above right child");
                    }
                    if k < seps.len() {
                        let s = &seps[k];
                        let mx = mx.as_ref().unwrap();
                        assert!(
                            cmp(mx.0, &mx.1, s.0, &s.1).is_lt(),
                            "sep not above left child"
                        );
                    }
                    if lo.is_none() {
                        lo = mn;
                    }
                    hi = mx;
                }
                (total, depth.unwrap() + 1, lo, hi)
            }
        }
    }

    fn check(z: &ZSet) {
        let t = &z.tree;
        let (n, _, _, _) = check_node(t, t.root, true);
        assert_eq!(n as usize, t.len);
        assert_eq!(t.len, z.dict.len());
        // The leaf chain visits every entry in order, both ways.
        let mut forward = Vec::new();
        let mut leaf = t.first;
        assert_eq!(t.leaf_prev(leaf), NIL);
        while leaf != NIL {
            forward.extend(t.leaf_entries(leaf).iter().cloned());
            if t.leaf_next(leaf) == NIL {
                assert_eq!(leaf, t.last);
            }
            leaf = t.leaf_next(leaf);
        }
        assert_eq!(forward.len(), t.len);
        for (s, m) in &forward {
            assert_eq!(z.dict.get(&m[..]), Some(s));
        }
        let mut backward = Vec::new();
        let mut leaf = t.last;
        while leaf != NIL {
            backward.extend(t.leaf_entries(leaf).iter().rev().cloned());
            leaf = t.leaf_prev(leaf);
        }
        backward.reverse();
        assert_eq!(forward, backward);
    }

    #[test]
    fn tree_invariants_hold_under_churn() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (members, steps) in [(40u32, 3000), (3000, 20000)] {
            let mut z = ZSet::default();
            for step in 0..steps {
                let m = Bytes::from(format!("m{}", rng.u32(..members)));
                match rng.u8(..6) {
                    0 | 1 => {
                        z.remove(&m);
                    }
                    2 if !z.is_empty() => {
                        let a = rng.usize(..z.len());
                        let b = rng.usize(a..=z.len().min(a + 300));
                        z.remove_range(a, b);
                    }
                    _ => {
                        z.insert(m, rng.u8(..20) as f64);
                    }
                }
                if step % 97 == 0 {
                    check(&z);
                }
            }
            check(&z);
            let sorted: Vec<_> = z.iter().map(|(m, s)| (s, m.clone())).collect();
            for (rank, (s, m)) in sorted.iter().enumerate() {
                assert_eq!(z.rank(m), Some(rank));
                assert_eq!(z.get_by_rank(rank), Some((m, *s)));
            }
            let back: Vec<_> = z.iter().rev().map(|(m, s)| (s, m.clone())).collect();
            assert_eq!(back.into_iter().rev().collect::<Vec<_>>(), sorted);
            for a in (0..sorted.len()).step_by(37) {
                let got: Vec<_> = z.range(a, a + 70).rev().map(|(m, _)| m.clone()).collect();
                let want: Vec<_> = sorted[a..(a + 70).min(sorted.len())]
                    .iter()
                    .rev()
                    .map(|(_, m)| m.clone())
                    .collect();
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn emptying_and_refilling_a_big_set_keeps_the_tree_valid() {
        let mut z = ZSet::default();
        for i in 0..10_000u32 {
            z.insert(Bytes::from(format!("m{i:05}")), (i % 100) as f64);
        }
        check(&z);
        assert_eq!(z.remove_range(100, 9_900).len(), 9_800);
        check(&z);
        while z.pop(true).is_some() {}
        check(&z);
        assert!(z.is_empty() && z.iter().next().is_none());
        z.insert(Bytes::from("x"), 1.0);
        check(&z);
    }

    #[test]
    fn negative_zero_is_stored_as_zero() {
        let mut z = ZSet::default();
        z.insert(Bytes::from("a"), -0.0);
        assert!(z.score(b"a").unwrap().is_sign_positive());
    }
}
