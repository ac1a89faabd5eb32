//! Typed set commands on [`Db`]. Each method calls the same function as the
//! command handler in `command/set.rs`.

use bytes::Bytes;

use crate::command::set::{self as cmd, SetOp};
use crate::{BulkArray, Db, Result, ScanOptions};

/// Copies each item into a [`Bytes`].
pub(crate) fn bytes_vec<I>(items: I) -> Vec<Bytes>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    items
        .into_iter()
        .map(|m| Bytes::copy_from_slice(m.as_ref()))
        .collect()
}

impl Db {
    /// Adds `members` to the set at `key`, creating it if needed; returns how
    /// many were not already members. Same as Redis `SADD`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/sadd/>
    pub fn sadd<I>(&self, key: impl AsRef<[u8]>, members: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let members = bytes_vec(members);
        self.with(|db| cmd::sadd(db, key.as_ref(), &members))
    }

    /// Removes `members` from the set at `key`; returns how many were
    /// members. The key is deleted when the set empties. Same as Redis `SREM`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/srem/>
    pub fn srem<I>(&self, key: impl AsRef<[u8]>, members: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let members = bytes_vec(members);
        self.with(|db| cmd::srem(db, key.as_ref(), &members))
    }

    /// Every member of the set at `key` (empty if missing), in no
    /// particular order. Same as Redis `SMEMBERS`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/smembers/>
    pub fn smembers(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        self.with(|db| cmd::smembers(db, key.as_ref()))
            .map(BulkArray::into_bytes)
    }

    /// Whether `member` is in the set at `key`. Same as Redis `SISMEMBER`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/sismember/>
    pub fn sismember(&self, key: impl AsRef<[u8]>, member: impl AsRef<[u8]>) -> Result<bool> {
        let (key, member) = (key.as_ref(), member.as_ref());
        // Under the shared lock: SISMEMBERs on several threads run at once.
        self.read_or(
            |db, now_ms| cmd::sismember_shared(db, key, member, now_ms),
            |db| cmd::sismember(db, key, member),
        )
    }

    /// Whether each of `members` is in the set at `key`, in order. Same as
    /// Redis `SMISMEMBER`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/smismember/>
    pub fn smismember<I>(&self, key: impl AsRef<[u8]>, members: I) -> Result<Vec<bool>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let members = bytes_vec(members);
        self.with(|db| cmd::smismember(db, key.as_ref(), &members))
    }

    /// Number of members of the set at `key` (0 if missing). Same as Redis `SCARD`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/scard/>
    pub fn scard(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.with(|db| cmd::scard(db, key.as_ref()))
    }

    /// Removes and returns a random member, or `None` if the key is
    /// missing. Same as Redis `SPOP key`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/spop/>
    pub fn spop(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.with(|db| cmd::spop(db, key.as_ref()))
    }

    /// Removes and returns up to `count` random distinct members. Same as
    /// Redis `SPOP key count`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/spop/>
    pub fn spop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Vec<Bytes>> {
        self.with(|db| cmd::spop_count(db, key.as_ref(), count))
    }

    /// A random member, not removed, or `None` if the key is missing. Same
    /// as Redis `SRANDMEMBER key`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/srandmember/>
    pub fn srandmember(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.with(|db| cmd::srandmember(db, key.as_ref()))
    }

    /// Random members, not removed: up to `count` distinct ones when
    /// `count >= 0`, exactly `-count` with possible repeats when negative.
    /// Same as Redis `SRANDMEMBER key count`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another
    /// type; [`Error::ValueNotBetween`](crate::Error::ValueNotBetween) for
    /// `i64::MIN`.
    ///
    /// Redis: <https://redis.io/commands/srandmember/>
    pub fn srandmember_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Bytes>> {
        if count == i64::MIN {
            return Err(crate::Error::ValueNotBetween {
                min: -i64::MAX,
                max: i64::MAX,
            });
        }
        self.with(|db| cmd::srandmember_count(db, key.as_ref(), count))
    }

    /// Moves `member` from the set at `source` to the set at `destination`;
    /// `false` if `source` does not have it. Same as Redis `SMOVE`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if either key holds
    /// another type (a missing `source` answers `false` first).
    ///
    /// Redis: <https://redis.io/commands/smove/>
    pub fn smove(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let member = Bytes::copy_from_slice(member.as_ref());
        self.with(|db| cmd::smove(db, source.as_ref(), destination.as_ref(), &member))
    }

    /// Members in every set at `keys` (a missing key is an empty set). Same
    /// as Redis `SINTER`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if any key holds another type.
    ///
    /// Redis: <https://redis.io/commands/sinter/>
    pub fn sinter<I>(&self, keys: I) -> Result<Vec<Bytes>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.set_op(SetOp::Inter, keys)
    }

    /// Members in any set at `keys`. Same as Redis `SUNION`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if any key holds another type.
    ///
    /// Redis: <https://redis.io/commands/sunion/>
    pub fn sunion<I>(&self, keys: I) -> Result<Vec<Bytes>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.set_op(SetOp::Union, keys)
    }

    /// Members of the first set at `keys` that are in none of the others.
    /// Same as Redis `SDIFF`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if any key holds another type.
    ///
    /// Redis: <https://redis.io/commands/sdiff/>
    pub fn sdiff<I>(&self, keys: I) -> Result<Vec<Bytes>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.set_op(SetOp::Diff, keys)
    }

    fn set_op<I>(&self, op: SetOp, keys: I) -> Result<Vec<Bytes>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let keys = bytes_vec(keys);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.with(|db| cmd::set_op_members(db, op, &keys))
    }

    fn set_op_store<I>(&self, op: SetOp, destination: &[u8], keys: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let keys = bytes_vec(keys);
        if keys.is_empty() {
            return Err(crate::Error::wrong_arity(match op {
                SetOp::Union => "sunionstore",
                SetOp::Inter => "sinterstore",
                SetOp::Diff => "sdiffstore",
            }));
        }
        self.with(|db| cmd::set_op_store(db, op, destination, &keys))
    }

    /// Stores the intersection of `keys` at `destination` (replacing it and
    /// its TTL; deleting it when the result is empty); returns its size.
    /// Same as Redis `SINTERSTORE`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if a source key holds
    /// another type; [`Error::WrongArity`](crate::Error::WrongArity) for no keys.
    ///
    /// Redis: <https://redis.io/commands/sinterstore/>
    pub fn sinterstore<I>(&self, destination: impl AsRef<[u8]>, keys: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.set_op_store(SetOp::Inter, destination.as_ref(), keys)
    }

    /// Stores the union of `keys` at `destination`; returns its size. Same
    /// as Redis `SUNIONSTORE` (see [`Db::sinterstore`] for the rules).
    ///
    /// # Errors
    /// As [`Db::sinterstore`].
    ///
    /// Redis: <https://redis.io/commands/sunionstore/>
    pub fn sunionstore<I>(&self, destination: impl AsRef<[u8]>, keys: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.set_op_store(SetOp::Union, destination.as_ref(), keys)
    }

    /// Stores the difference of `keys` at `destination`; returns its size.
    /// Same as Redis `SDIFFSTORE` (see [`Db::sinterstore`] for the rules).
    ///
    /// # Errors
    /// As [`Db::sinterstore`].
    ///
    /// Redis: <https://redis.io/commands/sdiffstore/>
    pub fn sdiffstore<I>(&self, destination: impl AsRef<[u8]>, keys: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.set_op_store(SetOp::Diff, destination.as_ref(), keys)
    }

    /// Size of the intersection of `keys`, counting no further than `limit`
    /// (`0` = no limit). Same as Redis `SINTERCARD numkeys key... LIMIT limit`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if any key holds
    /// another type; [`Error::NumkeysNotPositive`](crate::Error::NumkeysNotPositive)
    /// for no keys.
    ///
    /// Redis: <https://redis.io/commands/sintercard/>
    pub fn sintercard<I>(&self, keys: I, limit: usize) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let keys = bytes_vec(keys);
        if keys.is_empty() {
            return Err(crate::Error::NumkeysNotPositive);
        }
        self.with(|db| cmd::sintercard(db, &keys, limit))
    }

    /// One step of an incremental iteration over the set at `key`: visits
    /// about 10 members from `cursor` (start with 0) and returns the next
    /// cursor (0 when the iteration is complete) and the members seen. A
    /// member present for the whole iteration is returned at least once.
    /// Same as Redis `SSCAN key cursor`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another type.
    ///
    /// Redis: <https://redis.io/commands/sscan/>
    pub fn sscan(&self, key: impl AsRef<[u8]>, cursor: u64) -> Result<(u64, Vec<Bytes>)> {
        self.sscan_with(key, cursor, ScanOptions::new())
    }

    /// [`Db::sscan`] with `MATCH` and `COUNT`. Same as Redis `SSCAN key
    /// cursor [MATCH pattern] [COUNT count]`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if `key` holds another
    /// type; [`Error::Syntax`](crate::Error::Syntax) if `options` has a
    /// `TYPE` (only `SCAN` takes one).
    ///
    /// Redis: <https://redis.io/commands/sscan/>
    pub fn sscan_with(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: ScanOptions,
    ) -> Result<(u64, Vec<Bytes>)> {
        let (pattern, count) = scan_parts(&options)?;
        self.with(|db| cmd::sscan(db, key.as_ref(), cursor, pattern, count))
    }
}

/// MATCH and COUNT of a key-level scan (SSCAN, ZSCAN): `TYPE` is refused.
pub(crate) fn scan_parts(options: &ScanOptions) -> Result<(Option<&[u8]>, usize)> {
    if options.type_name.is_some() {
        return Err(crate::Error::Syntax);
    }
    let pattern = options.pattern.as_deref().filter(|p| *p != b"*");
    Ok((pattern, options.count.max(1)))
}
