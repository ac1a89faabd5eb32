//! Typed sorted set commands on [`Db`]. Each method calls the same function
//! as the command handler in `command/zset.rs`; the blocking ones
//! (`bzpopmin`, ...) run the command itself through
//! [`Store::dispatch`](crate::Store::dispatch), so a typed waiter and a
//! network client blocked on the same key queue in one first-come
//! first-served line.

use std::time::Duration;

use bytes::Bytes;

use super::set::{bytes_vec, scan_parts};
use crate::command::Protocol;
use crate::command::zset::{self as cmd, RangeBy, RangeSpec, ZSetOp};
use crate::{
    BlockedPop, Db, Dispatch, Error, LexBound, Reply, Result, ScanOptions, ScoreBound, ZAddOptions,
    ZStoreOptions,
};

fn pairs<I, M>(items: I) -> Vec<(f64, Bytes)>
where
    I: IntoIterator<Item = (f64, M)>,
    M: AsRef<[u8]>,
{
    items
        .into_iter()
        .map(|(s, m)| (s, Bytes::copy_from_slice(m.as_ref())))
        .collect()
}

fn members(items: Vec<(Bytes, f64)>) -> Vec<Bytes> {
    items.into_iter().map(|(m, _)| m).collect()
}

/// A `Duration` as the seconds argument of a blocking command: zero stays
/// `0` (block forever, as in Redis); anything shorter than a millisecond
/// becomes one so that it does not turn into "forever".
fn timeout_arg(timeout: Duration) -> Bytes {
    if timeout.is_zero() {
        return Bytes::from_static(b"0");
    }
    let ms = timeout.as_millis().max(1);
    Bytes::from(format!("{}.{:03}", ms / 1000, ms % 1000))
}

/// `[key, member, score]` (BZPOPMIN) → `(key, member, score)`; `*-1` → `None`.
fn key_member_score(r: Reply) -> Result<Option<(Bytes, Bytes, f64)>> {
    match r {
        Reply::NullArray | Reply::Null => Ok(None),
        Reply::Error(e) => Err(e),
        Reply::Array(v) => match <[Reply; 3]>::try_from(v) {
            Ok([Reply::Bulk(k), Reply::Bulk(m), Reply::Double(s)]) => Ok(Some((k, m, s))),
            Ok(other) => panic!("embedis internal error: unexpected BZPOP reply {other:?}"),
            Err(v) => panic!("embedis internal error: unexpected BZPOP reply {v:?}"),
        },
        other => panic!("embedis internal error: unexpected BZPOP reply {other:?}"),
    }
}

impl Db {
    /// Adds members with their scores, or updates the scores of existing
    /// ones; returns how many members were added. Pairs come in Redis's
    /// order, score first. Same as Redis `ZADD key score member [score member ...]`.
    ///
    /// ```
    /// let db = embedis::Store::new().db(0);
    /// assert_eq!(db.zadd("board", [(10.0, "bob"), (7.5, "ann")]).unwrap(), 2);
    /// assert_eq!(db.zrange("board", 0, -1).unwrap(), ["ann", "bob"]);
    /// ```
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// # Panics
    /// If a score is NaN.
    ///
    /// Redis: <https://redis.io/commands/zadd/>
    pub fn zadd<I, M>(&self, key: impl AsRef<[u8]>, members: I) -> Result<usize>
    where
        I: IntoIterator<Item = (f64, M)>,
        M: AsRef<[u8]>,
    {
        self.zadd_with(key, members, ZAddOptions::new())
    }

    /// [`Db::zadd`] with `NX`/`XX`/`GT`/`LT`/`CH`: returns members added, plus
    /// those updated with `CH`. Same as Redis `ZADD key [NX|XX] [GT|LT] [CH] ...`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type;
    /// [`Error::XxNxConflict`] / [`Error::GtLtNxConflict`] for incompatible options.
    ///
    /// # Panics
    /// If a score is NaN.
    ///
    /// Redis: <https://redis.io/commands/zadd/>
    pub fn zadd_with<I, M>(
        &self,
        key: impl AsRef<[u8]>,
        members: I,
        options: ZAddOptions,
    ) -> Result<usize>
    where
        I: IntoIterator<Item = (f64, M)>,
        M: AsRef<[u8]>,
    {
        let pairs = pairs(members);
        assert!(pairs.iter().all(|(s, _)| !s.is_nan()), "ZADD score is NaN");
        self.with(|db| cmd::zadd(db, key.as_ref(), &pairs, options))
    }

    /// Adds `increment` to `member`'s score (a new member starts at 0);
    /// returns the new score. Same as Redis `ZINCRBY`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type; [`Error::ScoreNan`]
    /// when the result would be NaN (`inf + -inf`).
    ///
    /// # Panics
    /// If `increment` is NaN.
    ///
    /// Redis: <https://redis.io/commands/zincrby/>
    pub fn zincrby(
        &self,
        key: impl AsRef<[u8]>,
        increment: f64,
        member: impl AsRef<[u8]>,
    ) -> Result<f64> {
        assert!(!increment.is_nan(), "ZINCRBY increment is NaN");
        let member = Bytes::copy_from_slice(member.as_ref());
        self.with(|db| cmd::zadd_incr(db, key.as_ref(), increment, member, ZAddOptions::new()))
            .map(|s| s.expect("ZINCRBY without options always applies"))
    }

    /// The score of `member`, or `None`. Same as Redis `ZSCORE`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zscore/>
    pub fn zscore(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<f64>> {
        self.with(|db| cmd::zscore(db, key.as_ref(), member.as_ref()))
    }

    /// The score of each of `members`, `None` where missing. Same as Redis `ZMSCORE`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zmscore/>
    pub fn zmscore<I>(&self, key: impl AsRef<[u8]>, members: I) -> Result<Vec<Option<f64>>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let members = bytes_vec(members);
        self.with(|db| cmd::zmscore(db, key.as_ref(), &members))
    }

    /// The 0-based rank of `member` by ascending score, or `None`. O(log n).
    /// Same as Redis `ZRANK`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrank/>
    pub fn zrank(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<Option<usize>> {
        self.with(|db| cmd::zrank(db, key.as_ref(), member.as_ref(), false))
    }

    /// The 0-based rank of `member` by descending score, or `None`. Same as
    /// Redis `ZREVRANK`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrevrank/>
    pub fn zrevrank(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<usize>> {
        self.with(|db| cmd::zrank(db, key.as_ref(), member.as_ref(), true))
    }

    /// Number of members (0 if missing). Same as Redis `ZCARD`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zcard/>
    pub fn zcard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.with(|db| cmd::zcard(db, key.as_ref()))
    }

    /// Number of members with a score between `min` and `max` (a plain
    /// `f64` is inclusive; see [`ScoreBound`]). O(log n). Same as Redis `ZCOUNT`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zcount/>
    pub fn zcount(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<usize> {
        let (min, max) = (min.into(), max.into());
        self.with(|db| cmd::zcount(db, key.as_ref(), min, max))
    }

    /// Number of members in a lexicographic range (for sets whose scores are
    /// all equal). Same as Redis `ZLEXCOUNT`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zlexcount/>
    pub fn zlexcount(&self, key: impl AsRef<[u8]>, min: LexBound, max: LexBound) -> Result<usize> {
        self.with(|db| cmd::zlexcount(db, key.as_ref(), &min, &max))
    }

    fn zrange_spec(
        &self,
        key: &[u8],
        by: RangeBy,
        rev: bool,
        limit: Option<(i64, i64)>,
    ) -> Result<Vec<(Bytes, f64)>> {
        let spec = RangeSpec { by, rev, limit };
        self.with(|db| cmd::zrange(db, key, &spec))
    }

    /// Members of ascending ranks `start..=stop` (negative ranks count from
    /// the end). Same as Redis `ZRANGE key start stop`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrange/>
    pub fn zrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        self.zrange_withscores(key, start, stop).map(members)
    }

    /// [`Db::zrange`] with scores. Same as Redis `ZRANGE key start stop WITHSCORES`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrange/>
    pub fn zrange_withscores(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(Bytes, f64)>> {
        self.zrange_spec(key.as_ref(), RangeBy::Rank(start, stop), false, None)
    }

    /// Members of descending ranks `start..=stop`. Same as Redis `ZREVRANGE`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrevrange/>
    pub fn zrevrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        self.zrevrange_withscores(key, start, stop).map(members)
    }

    /// [`Db::zrevrange`] with scores. Same as Redis `ZREVRANGE ... WITHSCORES`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrevrange/>
    pub fn zrevrange_withscores(
        &self,
        key: impl AsRef<[u8]>,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(Bytes, f64)>> {
        self.zrange_spec(key.as_ref(), RangeBy::Rank(start, stop), true, None)
    }

    /// Members with a score between `min` and `max`, ascending (a plain
    /// `f64` is inclusive; [`ScoreBound::Exclusive`] is Redis's `(`). Same as
    /// Redis `ZRANGEBYSCORE key min max`.
    ///
    /// ```
    /// use embedis::ScoreBound;
    /// let db = embedis::Store::new().db(0);
    /// db.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")]).unwrap();
    /// let got = db.zrangebyscore("z", ScoreBound::Exclusive(1.0), ScoreBound::MAX).unwrap();
    /// assert_eq!(got, ["b", "c"]);
    /// ```
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrangebyscore/>
    pub fn zrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<Vec<Bytes>> {
        self.zrangebyscore_withscores(key, min, max).map(members)
    }

    /// [`Db::zrangebyscore`] with scores. Same as Redis `ZRANGEBYSCORE key min max WITHSCORES`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrangebyscore/>
    pub fn zrangebyscore_withscores(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<Vec<(Bytes, f64)>> {
        let by = RangeBy::Score(min.into(), max.into());
        self.zrange_spec(key.as_ref(), by, false, None)
    }

    /// [`Db::zrangebyscore`] with `LIMIT offset count` (a negative `count`
    /// means all). Same as Redis `ZRANGEBYSCORE key min max LIMIT offset count`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrangebyscore/>
    pub fn zrangebyscore_limit(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
        offset: i64,
        count: i64,
    ) -> Result<Vec<Bytes>> {
        let by = RangeBy::Score(min.into(), max.into());
        self.zrange_spec(key.as_ref(), by, false, Some((offset, count)))
            .map(members)
    }

    /// Members with a score between `max` and `min`, descending (note the
    /// argument order, as in Redis). Same as Redis `ZREVRANGEBYSCORE key max min`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrevrangebyscore/>
    pub fn zrevrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        max: impl Into<ScoreBound>,
        min: impl Into<ScoreBound>,
    ) -> Result<Vec<Bytes>> {
        let by = RangeBy::Score(min.into(), max.into());
        self.zrange_spec(key.as_ref(), by, true, None).map(members)
    }

    /// Members in a lexicographic range, ascending (for sets whose scores
    /// are all equal). Same as Redis `ZRANGEBYLEX key min max`.
    ///
    /// ```
    /// use embedis::LexBound;
    /// let db = embedis::Store::new().db(0);
    /// db.zadd("z", [(0.0, "a"), (0.0, "b"), (0.0, "c")]).unwrap();
    /// let got = db.zrangebylex("z", LexBound::Exclusive("a".into()), LexBound::Max).unwrap();
    /// assert_eq!(got, ["b", "c"]);
    /// ```
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrangebylex/>
    pub fn zrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
    ) -> Result<Vec<Bytes>> {
        self.zrange_spec(key.as_ref(), RangeBy::Lex(min, max), false, None)
            .map(members)
    }

    /// Removes `members`; returns how many were there. The key is deleted
    /// when it empties. Same as Redis `ZREM`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrem/>
    pub fn zrem<I>(&self, key: impl AsRef<[u8]>, members: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let members = bytes_vec(members);
        self.with(|db| cmd::zrem(db, key.as_ref(), &members))
    }

    /// Removes the members of ascending ranks `start..=stop`; returns how
    /// many. O(log n + removed). Same as Redis `ZREMRANGEBYRANK`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zremrangebyrank/>
    pub fn zremrangebyrank(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<usize> {
        self.with(|db| cmd::zremrange(db, key.as_ref(), RangeBy::Rank(start, stop)))
    }

    /// Removes the members with a score between `min` and `max`; returns
    /// how many. Same as Redis `ZREMRANGEBYSCORE`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zremrangebyscore/>
    pub fn zremrangebyscore(
        &self,
        key: impl AsRef<[u8]>,
        min: impl Into<ScoreBound>,
        max: impl Into<ScoreBound>,
    ) -> Result<usize> {
        let by = RangeBy::Score(min.into(), max.into());
        self.with(|db| cmd::zremrange(db, key.as_ref(), by))
    }

    /// Removes the members in a lexicographic range; returns how many. Same
    /// as Redis `ZREMRANGEBYLEX`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zremrangebylex/>
    pub fn zremrangebylex(
        &self,
        key: impl AsRef<[u8]>,
        min: LexBound,
        max: LexBound,
    ) -> Result<usize> {
        self.with(|db| cmd::zremrange(db, key.as_ref(), RangeBy::Lex(min, max)))
    }

    /// Removes and returns up to `count` members with the lowest scores,
    /// lowest first. Same as Redis `ZPOPMIN key count`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zpopmin/>
    pub fn zpopmin(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Bytes, f64)>> {
        self.with(|db| cmd::zpop(db, key.as_ref(), false, count))
            .map(Option::unwrap_or_default)
    }

    /// Removes and returns up to `count` members with the highest scores,
    /// highest first. Same as Redis `ZPOPMAX key count`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zpopmax/>
    pub fn zpopmax(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<(Bytes, f64)>> {
        self.with(|db| cmd::zpop(db, key.as_ref(), true, count))
            .map(Option::unwrap_or_default)
    }

    fn zsetop_store<I>(
        &self,
        op: ZSetOp,
        destination: &[u8],
        keys: I,
        options: ZStoreOptions,
    ) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let keys = bytes_vec(keys);
        let name = match op {
            ZSetOp::Union => "zunionstore",
            ZSetOp::Inter => "zinterstore",
            ZSetOp::Diff => "zdiffstore",
        };
        if keys.is_empty() {
            return Err(Error::NoInputKeys { command: name });
        }
        if !options.weights.is_empty() && options.weights.len() != keys.len() {
            return Err(Error::Syntax);
        }
        if options.weights.iter().any(|w| w.is_nan()) {
            return Err(Error::WeightNotFloat);
        }
        self.with(|db| {
            cmd::zsetop_store(
                db,
                op,
                destination,
                &keys,
                &options.weights,
                options.aggregate,
            )
        })
    }

    /// Stores the union of the sorted sets (or sets, scores 1) at `keys` at
    /// `destination`, summing scores; deletes `destination` when the result
    /// is empty. Returns its size. Same as Redis `ZUNIONSTORE destination numkeys key...`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if a key holds another type;
    /// [`Error::NoInputKeys`] for no keys.
    ///
    /// Redis: <https://redis.io/commands/zunionstore/>
    pub fn zunionstore<I>(&self, destination: impl AsRef<[u8]>, keys: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.zunionstore_with(destination, keys, ZStoreOptions::new())
    }

    /// [`Db::zunionstore`] with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Errors
    /// As [`Db::zunionstore`]; [`Error::Syntax`] when there are weights but
    /// not one per key; [`Error::WeightNotFloat`] for a NaN weight.
    ///
    /// Redis: <https://redis.io/commands/zunionstore/>
    pub fn zunionstore_with<I>(
        &self,
        destination: impl AsRef<[u8]>,
        keys: I,
        options: ZStoreOptions,
    ) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.zsetop_store(ZSetOp::Union, destination.as_ref(), keys, options)
    }

    /// Stores the intersection of `keys` at `destination` (see
    /// [`Db::zunionstore`]). Same as Redis `ZINTERSTORE`.
    ///
    /// # Errors
    /// As [`Db::zunionstore`].
    ///
    /// Redis: <https://redis.io/commands/zinterstore/>
    pub fn zinterstore<I>(&self, destination: impl AsRef<[u8]>, keys: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.zinterstore_with(destination, keys, ZStoreOptions::new())
    }

    /// [`Db::zinterstore`] with `WEIGHTS` and `AGGREGATE`.
    ///
    /// # Errors
    /// As [`Db::zunionstore_with`].
    ///
    /// Redis: <https://redis.io/commands/zinterstore/>
    pub fn zinterstore_with<I>(
        &self,
        destination: impl AsRef<[u8]>,
        keys: I,
        options: ZStoreOptions,
    ) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.zsetop_store(ZSetOp::Inter, destination.as_ref(), keys, options)
    }

    /// A random member, or `None` if the key is missing. Same as Redis `ZRANDMEMBER key`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zrandmember/>
    pub fn zrandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.with(|db| cmd::zrandmember(db, key.as_ref()))
    }

    /// Random members with scores: up to `count` distinct ones when `count
    /// >= 0`, exactly `-count` with repeats when negative. Same as Redis
    /// `ZRANDMEMBER key count WITHSCORES`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type;
    /// [`Error::OutOfRange`] when `count` is beyond `±i64::MAX / 2`.
    ///
    /// Redis: <https://redis.io/commands/zrandmember/>
    pub fn zrandmember_withscores(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
    ) -> Result<Vec<(Bytes, f64)>> {
        if !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
            return Err(Error::OutOfRange);
        }
        self.with(|db| cmd::zrandmember_count(db, key.as_ref(), count))
    }

    /// One step of an incremental iteration over a sorted set, with scores:
    /// see [`Db::sscan`] for the cursor contract. A set small enough to be
    /// a listpack in Redis comes back whole with cursor 0. Same as Redis
    /// `ZSCAN key cursor`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/zscan/>
    pub fn zscan(&self, key: impl AsRef<[u8]>, cursor: u64) -> Result<(u64, Vec<(Bytes, f64)>)> {
        self.zscan_with(key, cursor, ScanOptions::new())
    }

    /// [`Db::zscan`] with `MATCH` and `COUNT`.
    ///
    /// # Errors
    /// As [`Db::sscan_with`].
    ///
    /// Redis: <https://redis.io/commands/zscan/>
    pub fn zscan_with(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: ScanOptions,
    ) -> Result<(u64, Vec<(Bytes, f64)>)> {
        let (pattern, count) = scan_parts(&options)?;
        self.with(|db| cmd::zscan(db, key.as_ref(), cursor, pattern, count))
    }

    fn bzpop_argv<I>(name: &'static str, keys: I, timeout: Bytes) -> Result<Vec<Bytes>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut argv = vec![Bytes::from_static(name.as_bytes())];
        argv.extend(bytes_vec(keys));
        if argv.len() == 1 {
            return Err(Error::wrong_arity(name));
        }
        argv.push(timeout);
        Ok(argv)
    }

    fn bzpop_thread<I>(
        &self,
        name: &'static str,
        keys: I,
        timeout: Duration,
    ) -> Result<Option<(Bytes, Bytes, f64)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let argv = Self::bzpop_argv(name, keys, timeout_arg(timeout))?;
        match self.store.dispatch(self.index, Protocol::Resp2, argv) {
            Dispatch::Reply(r) => key_member_score(r),
            Dispatch::Blocked(b) => key_member_score(b.wait()),
        }
    }

    /// Pops the lowest-scored member of the first non-empty sorted set among
    /// `keys`, blocking this thread until one is added or `timeout` passes.
    /// Returns `(key, member, score)`, or `None` on timeout. A zero
    /// `timeout` blocks forever, as Redis's `0`; the timeout has millisecond
    /// resolution. Waiters are served first-come first-served, with network
    /// clients. Same as Redis `BZPOPMIN key [key ...] timeout`.
    ///
    /// # Errors
    /// [`Error::WrongType`] when a key checked before the first sorted set
    /// holds another type; [`Error::WrongArity`] for no keys.
    ///
    /// Not on wasm32 (no threads to block): use [`Db::bzpopmin_async`].
    ///
    /// Redis: <https://redis.io/commands/bzpopmin/>
    pub fn bzpopmin<I>(&self, keys: I, timeout: Duration) -> Result<Option<(Bytes, Bytes, f64)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.bzpop_thread("bzpopmin", keys, timeout)
    }

    /// [`Db::bzpopmin`] for the highest score. Same as Redis `BZPOPMAX key [key ...] timeout`.
    ///
    /// # Errors
    /// As [`Db::bzpopmin`].
    ///
    /// Redis: <https://redis.io/commands/bzpopmax/>
    pub fn bzpopmax<I>(&self, keys: I, timeout: Duration) -> Result<Option<(Bytes, Bytes, f64)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.bzpop_thread("bzpopmax", keys, timeout)
    }

    /// [`Db::bzpopmin`] for async code: a future that resolves to `(key,
    /// member, score)` when served. It has no timer: race it against your
    /// runtime's and call [`BlockedPop::cancel`] if the timer wins. Works on
    /// wasm32.
    ///
    /// Redis: <https://redis.io/commands/bzpopmin/>
    pub fn bzpopmin_async<I>(&self, keys: I) -> BlockedPop<(Bytes, Bytes, f64)>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        match Self::bzpop_argv("bzpopmin", keys, Bytes::from_static(b"0")) {
            Ok(argv) => BlockedPop::start(self.store(), self.index(), argv, key_member_score),
            Err(e) => BlockedPop::ready(Reply::Error(e), key_member_score),
        }
    }

    /// [`Db::bzpopmax`] for async code; see [`Db::bzpopmin_async`].
    ///
    /// Redis: <https://redis.io/commands/bzpopmax/>
    pub fn bzpopmax_async<I>(&self, keys: I) -> BlockedPop<(Bytes, Bytes, f64)>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        match Self::bzpop_argv("bzpopmax", keys, Bytes::from_static(b"0")) {
            Ok(argv) => BlockedPop::start(self.store(), self.index(), argv, key_member_score),
            Err(e) => BlockedPop::ready(Reply::Error(e), key_member_score),
        }
    }
}
