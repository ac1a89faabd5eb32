//! The sorted set type (Redis `t_zset.c`, type half).
//!
//! Two structures, as in Redis: a hash map member → score for O(1) `ZSCORE`,
//! and a skip list with spans ordered by (score, member bytes) for
//! O(log n) ranks, range starts and range deletions. The skip list lives in
//! an arena (`Vec` of nodes addressed by `u32` indexes, freed slots reused),
//! because the crate forbids `unsafe` and an arena keeps nodes compact.
//!
//! The member map is an index map, so a random member (`ZRANDMEMBER`) is
//! O(1) and `ZSCAN` can use the same cursor contract as the keyspace
//! ([`crate::keyspace::scan_indexed`]).

use bytes::Bytes;

use super::Hasher;

/// Levels a node may have; 32 is Redis's `ZSKIPLIST_MAXLEVEL`, enough for
/// 4^32 elements with p = 1/4.
const MAX_LEVEL: usize = 32;
/// "No node": the end of a level, or the head's backward link.
const NIL: u32 = u32::MAX;
/// The head sentinel's index in the arena.
const HEAD: u32 = 0;

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

#[derive(Debug, Clone, Copy)]
struct Link {
    forward: u32,
    /// Number of level-0 steps this link jumps (Redis's `span`). For a link
    /// to `NIL`, the number of nodes after this one.
    span: u32,
}

#[derive(Debug, Clone)]
struct Node {
    member: Bytes,
    score: f64,
    backward: u32,
    levels: Vec<Link>,
}

/// Strict (score, member) order; scores are never NaN.
fn less(score: f64, member: &[u8], than_score: f64, than_member: &[u8]) -> bool {
    score < than_score || (score == than_score && member < than_member)
}

/// The skip list: an arena of nodes, `nodes[HEAD]` being the sentinel.
#[derive(Debug, Clone)]
struct SkipList {
    nodes: Vec<Node>,
    /// Arena slots of deleted nodes, reused by the next inserts.
    free: Vec<u32>,
    tail: u32,
    level: usize,
    len: usize,
    /// xorshift state for node levels.
    rng: u64,
}

impl SkipList {
    fn new() -> Self {
        let head = Node {
            member: Bytes::new(),
            score: 0.0,
            backward: NIL,
            levels: vec![
                Link {
                    forward: NIL,
                    span: 0
                };
                MAX_LEVEL
            ],
        };
        SkipList {
            nodes: vec![head],
            free: Vec::new(),
            tail: NIL,
            level: 1,
            len: 0,
            rng: 0x2545_F491_4F6C_DD1D,
        }
    }

    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    fn node_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize]
    }

    fn link(&self, i: u32, level: usize) -> Link {
        self.nodes[i as usize].levels[level]
    }

    fn link_mut(&mut self, i: u32, level: usize) -> &mut Link {
        &mut self.nodes[i as usize].levels[level]
    }

    /// A level in `1..=MAX_LEVEL`, each further level with probability 1/4.
    fn random_level(&mut self) -> usize {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        // Two bits per level: a level is added while both are zero.
        let mut level = 1;
        let mut bits = x;
        while level < MAX_LEVEL && bits & 3 == 0 {
            level += 1;
            bits >>= 2;
        }
        level
    }

    fn alloc(&mut self, member: Bytes, score: f64, level: usize) -> u32 {
        let link = Link {
            forward: NIL,
            span: 0,
        };
        if let Some(i) = self.free.pop() {
            let n = self.node_mut(i);
            n.member = member;
            n.score = score;
            n.backward = NIL;
            n.levels.clear();
            n.levels.resize(level, link);
            i
        } else {
            assert!(self.nodes.len() < NIL as usize, "sorted set too large");
            self.nodes.push(Node {
                member,
                score,
                backward: NIL,
                levels: vec![link; level],
            });
            (self.nodes.len() - 1) as u32
        }
    }

    fn release(&mut self, i: u32) -> Bytes {
        let n = self.node_mut(i);
        let member = std::mem::take(&mut n.member);
        n.levels.clear();
        self.free.push(i);
        member
    }

    /// Inserts a (score, member) known to be absent (Redis's `zslInsert`).
    fn insert(&mut self, score: f64, member: Bytes) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let l = self.link(x, i);
                if l.forward == NIL {
                    break;
                }
                let f = self.node(l.forward);
                if !less(f.score, &f.member, score, &member) {
                    break;
                }
                rank[i] += l.span;
                x = l.forward;
            }
            update[i] = x;
        }
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.link_mut(HEAD, i).span = self.len as u32;
            }
            self.level = level;
        }
        let x = self.alloc(member, score, level);
        for i in 0..level {
            let prev = self.link(update[i], i);
            let jumped = rank[0] - rank[i];
            *self.link_mut(x, i) = Link {
                forward: prev.forward,
                span: prev.span - jumped,
            };
            *self.link_mut(update[i], i) = Link {
                forward: x,
                span: jumped + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.link_mut(u, i).span += 1;
        }
        self.node_mut(x).backward = if update[0] == HEAD { NIL } else { update[0] };
        let next = self.link(x, 0).forward;
        if next == NIL {
            self.tail = x;
        } else {
            self.node_mut(next).backward = x;
        }
        self.len += 1;
    }

    /// Unlinks node `x` given its predecessors at every level (`zslDeleteNode`).
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let ul = self.link(u, i);
            if ul.forward == x {
                let xl = self.link(x, i);
                *self.link_mut(u, i) = Link {
                    forward: xl.forward,
                    span: ul.span + xl.span - 1,
                };
            } else {
                self.link_mut(u, i).span -= 1;
            }
        }
        let next = self.link(x, 0).forward;
        let back = self.node(x).backward;
        if next == NIL {
            self.tail = back;
        } else {
            self.node_mut(next).backward = back;
        }
        while self.level > 1 && self.link(HEAD, self.level - 1).forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// Predecessors of the first node for which `before` is false, at every
    /// level, and that node's 0-based rank. `before` must hold for a prefix
    /// of the list (it is monotone in the list order).
    fn seek(&self, mut before: impl FnMut(&Node) -> bool) -> ([u32; MAX_LEVEL], usize) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.forward == NIL || !before(self.node(l.forward)) {
                    break;
                }
                rank += l.span as usize;
                x = l.forward;
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Removes the node holding (score, member); false if absent.
    fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, _) = self.seek(|n| less(n.score, &n.member, score, member));
        let x = self.link(update[0], 0).forward;
        if x == NIL {
            return false;
        }
        let n = self.node(x);
        if n.score != score || &n.member[..] != member {
            return false;
        }
        self.unlink(x, &update);
        self.release(x);
        true
    }

    /// Number of nodes for which `before` holds (a monotone prefix).
    fn count_prefix(&self, before: impl FnMut(&Node) -> bool) -> usize {
        self.seek(before).1
    }

    /// The node at 0-based `rank`, or `NIL`.
    fn at_rank(&self, rank: usize) -> u32 {
        if rank >= self.len {
            return NIL;
        }
        let target = rank + 1;
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.forward == NIL || traversed + l.span as usize > target {
                    break;
                }
                traversed += l.span as usize;
                x = l.forward;
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }

    /// Removes the nodes of ranks `start..end`, returning their members
    /// (`zslDeleteRangeByRank`: one descent, then a walk).
    fn remove_ranks(&mut self, start: usize, end: usize) -> Vec<Bytes> {
        let mut removed = Vec::with_capacity(end.saturating_sub(start));
        if start >= end {
            return removed;
        }
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.forward == NIL || traversed + l.span as usize > start {
                    break;
                }
                traversed += l.span as usize;
                x = l.forward;
            }
            update[i] = x;
        }
        let mut x = self.link(update[0], 0).forward;
        for _ in start..end {
            if x == NIL {
                break;
            }
            let next = self.link(x, 0).forward;
            self.unlink(x, &update);
            removed.push(self.release(x));
            x = next;
        }
        removed
    }
}

/// A Redis sorted set: unique members ordered by (score, member bytes).
///
/// Scores are never NaN. A score of `-0` is stored as `0`, as Redis's
/// small (listpack) sorted sets do.
#[derive(Clone)]
pub struct ZSet {
    dict: indexmap::IndexMap<Bytes, f64, Hasher>,
    list: SkipList,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet {
            dict: Default::default(),
            list: SkipList::new(),
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

    /// The score of `member` (ZSCORE).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.dict.get(member).copied()
    }

    /// Sets `member`'s score; returns true if the member is new.
    ///
    /// # Panics
    /// If `score` is NaN (callers reject NaN first, as Redis does).
    pub fn insert(&mut self, member: Bytes, score: f64) -> bool {
        assert!(!score.is_nan(), "sorted set score is NaN");
        // -0 + 0 = +0: store one zero, as Redis's listpack encoding does.
        let score = score + 0.0;
        match self.dict.get_mut(&member[..]) {
            Some(old) => {
                if *old != score {
                    let prev = std::mem::replace(old, score);
                    let removed = self.list.remove(prev, &member);
                    debug_assert!(removed);
                    self.list.insert(score, member);
                }
                false
            }
            None => {
                self.dict.insert(member.clone(), score);
                self.list.insert(score, member);
                true
            }
        }
    }

    /// Removes `member`; returns true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.dict.swap_remove(member) {
            Some(score) => {
                let removed = self.list.remove(score, member);
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
            self.list
                .count_prefix(|n| less(n.score, &n.member, score, member)),
        )
    }

    /// The member and score at ascending rank `rank`. O(log n).
    pub fn get_by_rank(&self, rank: usize) -> Option<(&Bytes, f64)> {
        match self.list.at_rank(rank) {
            NIL => None,
            i => {
                let n = self.list.node(i);
                Some((&n.member, n.score))
            }
        }
    }

    /// Members with scores in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Bytes, f64)> + ExactSizeIterator + '_ {
        self.range(0, self.len())
    }

    /// Members of ascending ranks `start..end` (clamped to the set), in
    /// ascending order; iterate with `.rev()` for descending. Finding the
    /// ends is O(log n), each step O(1).
    pub fn range(&self, start: usize, end: usize) -> ZSetIter<'_> {
        let end = end.min(self.len());
        if start >= end {
            return ZSetIter {
                list: &self.list,
                front: NIL,
                back: NIL,
                remaining: 0,
            };
        }
        ZSetIter {
            list: &self.list,
            front: self.list.at_rank(start),
            back: self.list.at_rank(end - 1),
            remaining: end - start,
        }
    }

    /// Number of members with a score below `min`'s range: the ascending
    /// rank of the first member at or above `min`. O(log n).
    pub fn rank_of_min_score(&self, min: ScoreBound) -> usize {
        self.list.count_prefix(|n| !min.admits_above(n.score))
    }

    /// Number of members with a score within `max`: one past the ascending
    /// rank of the last member at or below `max`. O(log n).
    pub fn rank_past_max_score(&self, max: ScoreBound) -> usize {
        self.list.count_prefix(|n| max.admits_below(n.score))
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
        let start = self.list.count_prefix(|n| !min.admits_above(&n.member));
        let end = self.list.count_prefix(|n| max.admits_below(&n.member));
        (start, end.max(start))
    }

    /// Removes the members of ascending ranks `start..end` (clamped);
    /// returns them. O(log n + removed).
    pub fn remove_range(&mut self, start: usize, end: usize) -> Vec<Bytes> {
        let end = end.min(self.len());
        let removed = self.list.remove_ranks(start, end);
        for m in &removed {
            self.dict.swap_remove(&m[..]);
        }
        removed
    }

    /// Removes and returns the lowest (`max == false`) or highest member.
    pub fn pop(&mut self, max: bool) -> Option<(Bytes, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        let (m, s) = self.get_by_rank(rank).map(|(m, s)| (m.clone(), s))?;
        self.remove(&m);
        Some((m, s))
    }

    /// The member and score at position `i` of the member table, in
    /// `0..len()`: not rank order. What `ZRANDMEMBER` and `ZSCAN` address;
    /// a removal moves the last position into the hole.
    pub fn get_index(&self, i: usize) -> Option<(&Bytes, f64)> {
        self.dict.get_index(i).map(|(m, s)| (m, *s))
    }
}

/// Iterator over a rank range of a [`ZSet`], from [`ZSet::range`].
#[derive(Debug, Clone)]
pub struct ZSetIter<'a> {
    list: &'a SkipList,
    front: u32,
    back: u32,
    remaining: usize,
}

impl<'a> Iterator for ZSetIter<'a> {
    type Item = (&'a Bytes, f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let n = self.list.node(self.front);
        self.remaining -= 1;
        self.front = n.levels[0].forward;
        Some((&n.member, n.score))
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
        let n = self.list.node(self.back);
        self.remaining -= 1;
        self.back = n.backward;
        Some((&n.member, n.score))
    }
}

impl ExactSizeIterator for ZSetIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(z: &ZSet) {
        let l = &z.list;
        assert_eq!(l.len, z.dict.len());
        // Level 0 is sorted and backward links mirror forward links.
        let mut prev = NIL;
        let mut x = l.link(HEAD, 0).forward;
        let mut n = 0;
        while x != NIL {
            assert_eq!(l.node(x).backward, prev);
            if prev != NIL {
                let (a, b) = (l.node(prev), l.node(x));
                assert!(less(a.score, &a.member, b.score, &b.member));
            }
            assert_eq!(z.dict.get(&l.node(x).member[..]), Some(&l.node(x).score));
            prev = x;
            x = l.link(x, 0).forward;
            n += 1;
        }
        assert_eq!(l.tail, prev);
        assert_eq!(n, l.len);
        // Every span equals the number of level-0 steps it covers.
        let rank_of = |node: u32| -> usize {
            let mut r = 0;
            let mut y = HEAD;
            while y != node {
                y = l.link(y, 0).forward;
                r += 1;
            }
            r
        };
        for i in 0..l.level {
            let mut y = HEAD;
            loop {
                let link = l.link(y, i);
                let from = rank_of(y);
                let to = if link.forward == NIL {
                    l.len
                } else {
                    rank_of(link.forward)
                };
                assert_eq!(link.span as usize, to - from, "level {i}");
                if link.forward == NIL {
                    break;
                }
                y = link.forward;
            }
        }
    }

    #[test]
    fn skiplist_spans_stay_consistent_under_churn() {
        let mut z = ZSet::default();
        let mut rng = fastrand::Rng::with_seed(7);
        for step in 0..3000 {
            let m = Bytes::from(format!("m{}", rng.u32(..200)));
            match rng.u8(..4) {
                0 => {
                    z.remove(&m);
                }
                1 if !z.is_empty() => {
                    let a = rng.usize(..z.len());
                    let b = rng.usize(a..=z.len().min(a + 5));
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
    }

    #[test]
    fn negative_zero_is_stored_as_zero() {
        let mut z = ZSet::default();
        z.insert(Bytes::from("a"), -0.0);
        assert!(z.score(b"a").unwrap().is_sign_positive());
    }
}
