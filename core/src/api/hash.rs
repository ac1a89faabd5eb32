//! Typed hash commands on [`Db`]: each calls the same function as the
//! command handler in `command/hash.rs`.

use bytes::Bytes;

use crate::command::hash as h;
use crate::command::keyspace::ScanOptions;
use crate::{BulkArray, CompactBytes, Db, Error, Result};

fn owned(b: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(b.as_ref())
}

fn owned_all<I>(items: I) -> Vec<Bytes>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    items.into_iter().map(owned).collect()
}

impl Db {
    /// Sets each `(field, value)` pair in the hash at `key` (created if
    /// missing; later pairs win). Returns how many fields were new. Same as
    /// Redis `HSET key field value [field value ...]`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type;
    /// [`Error::WrongArity`] if `pairs` is empty (as Redis refuses `HSET key`).
    ///
    /// Redis: <https://redis.io/commands/hset/>
    pub fn hset<I, F, V>(&self, key: impl AsRef<[u8]>, pairs: I) -> Result<usize>
    where
        I: IntoIterator<Item = (F, V)>,
        F: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let pairs: Vec<(Bytes, Bytes)> = pairs
            .into_iter()
            .map(|(f, v)| (owned(f), owned(v)))
            .collect();
        if pairs.is_empty() {
            return Err(Error::wrong_arity("hset"));
        }
        self.with(|db| h::hset(db, key.as_ref(), pairs))
    }

    /// Like [`Db::hset`], without the count. Same as Redis `HMSET`
    /// (deprecated there in favour of `HSET`).
    ///
    /// # Errors
    /// As [`Db::hset`].
    ///
    /// Redis: <https://redis.io/commands/hmset/>
    pub fn hmset<I, F, V>(&self, key: impl AsRef<[u8]>, pairs: I) -> Result<()>
    where
        I: IntoIterator<Item = (F, V)>,
        F: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let pairs: Vec<(Bytes, Bytes)> = pairs
            .into_iter()
            .map(|(f, v)| (owned(f), owned(v)))
            .collect();
        if pairs.is_empty() {
            return Err(Error::wrong_arity("hmset"));
        }
        self.with(|db| h::hset(db, key.as_ref(), pairs).map(|_| ()))
    }

    /// Sets `field` only if it does not exist yet; true if it did. Same as
    /// Redis `HSETNX`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hsetnx/>
    pub fn hsetnx(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (field, value) = (owned(field), owned(value));
        self.with(|db| h::hsetnx(db, key.as_ref(), field, value))
    }

    /// The value of `field`, `None` if the field or the key is missing.
    /// Same as Redis `HGET`. A [`CompactBytes`], as [`Db::get`] returns:
    /// a value of up to 23 bytes comes back with no heap allocation.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hget/>
    pub fn hget(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
    ) -> Result<Option<CompactBytes>> {
        let (key, field) = (key.as_ref(), field.as_ref());
        // Under the shared lock: HGETs on several threads run at once.
        self.read_or(
            |db, now_ms| h::hget_shared(db, key, field, now_ms).map(|r| r.map(|v| v.cloned())),
            |db| h::hget(db, key, field).map(|v| v.cloned()),
        )
    }

    /// The value of each of `fields`, `None` where missing (all `None` for a
    /// missing key). Same as Redis `HMGET`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hmget/>
    pub fn hmget<I>(&self, key: impl AsRef<[u8]>, fields: I) -> Result<Vec<Option<CompactBytes>>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let fields = owned_all(fields);
        self.with(|db| h::hmget(db, key.as_ref(), &fields, CompactBytes::clone))
    }

    /// Every `(field, value)` pair, in the hash's order (insertion order for
    /// small hashes, as Redis); empty for a missing key. Same as Redis
    /// `HGETALL`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hgetall/>
    pub fn hgetall(&self, key: impl AsRef<[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        self.with(|db| h::hgetall(db, key.as_ref()))
            .map(BulkArray::into_pairs)
    }

    /// Removes `fields`; returns how many existed. A hash left empty is
    /// deleted. Same as Redis `HDEL`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hdel/>
    pub fn hdel<I>(&self, key: impl AsRef<[u8]>, fields: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let fields = owned_all(fields);
        self.with(|db| h::hdel(db, key.as_ref(), &fields))
    }

    /// True if `field` exists. Same as Redis `HEXISTS`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hexists/>
    pub fn hexists(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<bool> {
        self.with(|db| h::hexists(db, key.as_ref(), field.as_ref()))
    }

    /// Adds `increment` to the integer in `field` (a missing field counts as
    /// 0) and returns the new value. Same as Redis `HINCRBY`.
    ///
    /// # Errors
    /// [`Error::HashValueNotInteger`] if the field does not hold an integer,
    /// [`Error::Overflow`] past 64 bits, [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/hincrby/>
    pub fn hincrby(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        increment: i64,
    ) -> Result<i64> {
        let field = owned(field);
        self.with(|db| h::hincrby(db, key.as_ref(), field, increment))
    }

    /// Adds `increment` to the number in `field` as Redis does, in 80-bit
    /// `long double` precision, and returns the new value. The stored text
    /// is exactly Redis's (`0.1 + 0.2` stores `0.3`). `increment` is sent as
    /// its shortest decimal text, as a client would send it. Same as Redis
    /// `HINCRBYFLOAT`.
    ///
    /// # Errors
    /// [`Error::HashValueNotFloat`] if the field does not hold a number,
    /// [`Error::NanOrInfinityValue`] for an infinite or NaN `increment`,
    /// [`Error::NanOrInfinity`] if the result is not finite, [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/hincrbyfloat/>
    pub fn hincrbyfloat(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
        increment: f64,
    ) -> Result<f64> {
        if increment.is_nan() {
            return Err(Error::NanOrInfinityValue);
        }
        let field = owned(field);
        let text = self.with(|db| {
            h::hincrbyfloat(db, key.as_ref(), field, increment.to_string().as_bytes())
        })?;
        std::str::from_utf8(&text)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or(Error::HashValueNotFloat)
    }

    /// Every field name. Same as Redis `HKEYS`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hkeys/>
    pub fn hkeys(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        self.with(|db| h::hkeys(db, key.as_ref()))
            .map(BulkArray::into_bytes)
    }

    /// Every value. Same as Redis `HVALS`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hvals/>
    pub fn hvals(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        self.with(|db| h::hvals(db, key.as_ref()))
            .map(BulkArray::into_bytes)
    }

    /// The number of fields, `0` for a missing key. Same as Redis `HLEN`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hlen/>
    pub fn hlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.with(|db| h::hlen(db, key.as_ref()))
    }

    /// The length in bytes of the value of `field`, `0` if missing. Same as
    /// Redis `HSTRLEN`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hstrlen/>
    pub fn hstrlen(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>) -> Result<usize> {
        self.with(|db| h::hstrlen(db, key.as_ref(), field.as_ref()))
    }

    /// A random field, `None` for a missing key. Same as Redis `HRANDFIELD key`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hrandfield/>
    pub fn hrandfield(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.with(|db| h::hrandfield(db, key.as_ref()))
    }

    /// Random fields: with `count >= 0` up to `count` distinct ones (all of
    /// them if `count` reaches the size), with `count < 0` exactly `-count`,
    /// possibly repeated. Same as Redis `HRANDFIELD key count`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type;
    /// [`Error::OutOfRangeBetween`] for `i64::MIN`.
    ///
    /// Redis: <https://redis.io/commands/hrandfield/>
    pub fn hrandfield_count(&self, key: impl AsRef<[u8]>, count: i64) -> Result<Vec<Bytes>> {
        Ok(self
            .hrandfield_withvalues(key, count)?
            .into_iter()
            .map(|(f, _)| f)
            .collect())
    }

    /// [`Db::hrandfield_count`] with the values. Same as Redis
    /// `HRANDFIELD key count WITHVALUES`.
    ///
    /// # Errors
    /// As [`Db::hrandfield_count`].
    ///
    /// Redis: <https://redis.io/commands/hrandfield/>
    pub fn hrandfield_withvalues(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
    ) -> Result<Vec<(Bytes, Bytes)>> {
        if count == i64::MIN {
            return Err(Error::OutOfRangeBetween {
                min: -i64::MAX,
                max: i64::MAX,
            });
        }
        self.with(|db| h::hrandfield_count(db, key.as_ref(), count))
    }

    /// One step of iterating the hash: the next cursor (`0` when done) and
    /// up to about 10 `(field, value)` pairs. Start with cursor `0`. Small
    /// hashes come back whole in one step, as in Redis. Same as Redis
    /// `HSCAN key cursor`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/hscan/>
    pub fn hscan(&self, key: impl AsRef<[u8]>, cursor: u64) -> Result<(u64, Vec<(Bytes, Bytes)>)> {
        self.hscan_with(key, cursor, &ScanOptions::new())
    }

    /// [`Db::hscan`] with `MATCH` (on field names) and `COUNT`. Same as
    /// Redis `HSCAN key cursor [MATCH pattern] [COUNT count]`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type;
    /// [`Error::Syntax`] if `options` has a `TYPE` (only `SCAN` takes one).
    ///
    /// Redis: <https://redis.io/commands/hscan/>
    pub fn hscan_with(
        &self,
        key: impl AsRef<[u8]>,
        cursor: u64,
        options: &ScanOptions,
    ) -> Result<(u64, Vec<(Bytes, Bytes)>)> {
        if options.type_name.is_some() {
            return Err(Error::Syntax);
        }
        self.with(|db| {
            h::hscan(
                db,
                key.as_ref(),
                cursor,
                options.pattern.as_deref(),
                options.count,
            )
        })
    }
}
