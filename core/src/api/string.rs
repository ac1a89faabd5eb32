//! Typed string commands on [`Db`].

use bytes::Bytes;

use crate::command::string::{self as s, GetExOptions, LcsIdx, LcsOptions, SetOptions, SetOutcome};
use crate::value::CompactBytes;
use crate::{Db, Error, Result};

fn b(x: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(x.as_ref())
}

/// A value to store: inline (no allocation) up to 23 bytes, else one heap
/// copy. The key stays borrowed: it is copied only if it is new.
///
/// Made under the store lock, not before it: taking the lock is a locked
/// instruction, which on x86 waits for every earlier load, so a copy made
/// before it had the caller's value bytes (a cache miss when the caller's
/// values are many) arrive before the lookup could start; made after it,
/// that miss overlaps the lookup's. Typed SET on 1M keys, runs alternating
/// the builds: 784–855 ns before, 546–644 ns after (README "Performance").
fn v(x: impl AsRef<[u8]>) -> CompactBytes {
    CompactBytes::copy_from_slice(x.as_ref())
}

fn float_text(v: f64) -> Bytes {
    // What a client would send: the shortest text that reads back as `v`
    // ("0.1", not the binary value's 55 digits). Rust never uses exponents
    // here, and prints infinities as "inf" and NaN as "NaN", which Redis's
    // parser reads as infinity and refuses, respectively.
    Bytes::from(v.to_string())
}

impl Db {
    /// The string under `key`, or `None`. Same as Redis `GET`.
    ///
    /// A [`CompactBytes`] (it derefs to `[u8]`; [`CompactBytes::to_bytes`]
    /// or `Bytes::from` make a [`Bytes`] of it): a value of up to 23 bytes
    /// comes back inline, with no heap allocation to make or to free, and a
    /// longer one shares the stored buffer (a reference-count increment).
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/get/>
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<CompactBytes>> {
        let key = key.as_ref();
        // Under the shared lock: GETs on several threads run at once.
        self.read_or(
            |db, now_ms| s::read_string_shared(db, key, now_ms).map(|r| r.map(|v| v.cloned())),
            |db| s::read_string(db, key).map(|v| v.cloned()),
        )
    }

    /// [`Db::get`] into `buf`, which is cleared first: true if the key
    /// exists. Same as Redis `GET`. A caller that reads many values through
    /// one buffer (the wasm package does) allocates nothing per call, where
    /// `get` allocates the `Bytes` it returns for a short string.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type (`buf` is left empty).
    ///
    /// Redis: <https://redis.io/commands/get/>
    #[inline(always)]
    pub fn get_into(&self, key: impl AsRef<[u8]>, buf: &mut Vec<u8>) -> Result<bool> {
        buf.clear();
        let key = key.as_ref();
        let copy = |buf: &mut Vec<u8>, v: Result<Option<&CompactBytes>>| {
            let v = v?;
            if let Some(v) = v {
                buf.extend_from_slice(v.as_slice());
            }
            Ok(v.is_some())
        };
        // Under the shared lock, as `get`.
        let shared = self.read_shared(|db, now_ms| {
            s::read_string_shared(db, key, now_ms).map(|v| copy(&mut *buf, v))
        });
        shared.unwrap_or_else(|| self.with(|db| copy(buf, s::read_string(db, key))))
    }

    /// Stores `value` under `key`, replacing any value of any type and
    /// dropping any expiry. Same as Redis `SET key value`.
    ///
    /// Redis: <https://redis.io/commands/set/>
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        self.with_key(key.as_ref(), |db, key| {
            s::set_generic(db, key, v(value), &SetOptions::new(), "set").map(|_| ())
        })
    }

    /// `SET key value` with options: `NX`/`XX` conditions, an expiry
    /// (`EX`/`PX`/`EXAT`/`PXAT`/`KEEPTTL`) and `GET`. Same as Redis `SET`.
    ///
    /// Returns whether the value was written and, with
    /// [`SetOptions::get`], the previous string.
    ///
    /// # Errors
    /// [`Error::InvalidExpireTime`] for a non-positive or overflowing
    /// expiry; [`Error::WrongType`] with `GET` when the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/set/>
    pub fn set_with(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: SetOptions,
    ) -> Result<SetOutcome> {
        self.with_key(key.as_ref(), |db, key| {
            s::set_generic(db, key, v(value), &options, "set")
        })
    }

    /// Stores `value` with an expiry of `seconds`. Same as Redis `SETEX`.
    ///
    /// # Errors
    /// [`Error::InvalidExpireTime`] if `seconds` is not positive or overflows.
    ///
    /// Redis: <https://redis.io/commands/setex/>
    pub fn setex(
        &self,
        key: impl AsRef<[u8]>,
        seconds: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        let o = SetOptions::new().ex(seconds);
        self.with_key(key.as_ref(), |db, key| {
            s::set_generic(db, key, v(value), &o, "setex").map(|_| ())
        })
    }

    /// Stores `value` with an expiry of `milliseconds`. Same as Redis `PSETEX`.
    ///
    /// # Errors
    /// [`Error::InvalidExpireTime`] if `milliseconds` is not positive or overflows.
    ///
    /// Redis: <https://redis.io/commands/psetex/>
    pub fn psetex(
        &self,
        key: impl AsRef<[u8]>,
        milliseconds: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        let o = SetOptions::new().px(milliseconds);
        self.with_key(key.as_ref(), |db, key| {
            s::set_generic(db, key, v(value), &o, "psetex").map(|_| ())
        })
    }

    /// Stores `value` only if `key` does not exist; true if it did. Same as
    /// Redis `SETNX`.
    ///
    /// Redis: <https://redis.io/commands/setnx/>
    pub fn setnx(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<bool> {
        self.with_key(key.as_ref(), |db, key| {
            s::set_generic(db, key, v(value), &SetOptions::new().nx(), "setnx").map(|o| o.written)
        })
    }

    /// Stores `value` and returns the old string (the expiry is dropped).
    /// Same as Redis `GETSET`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type (nothing is written).
    ///
    /// Redis: <https://redis.io/commands/getset/>
    pub fn getset(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<Option<CompactBytes>> {
        self.with_key(key.as_ref(), |db, key| s::getset(db, key, v(value)))
    }

    /// Returns the string and deletes the key. Same as Redis `GETDEL`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/getdel/>
    pub fn getdel(&self, key: impl AsRef<[u8]>) -> Result<Option<CompactBytes>> {
        self.with_key(key.as_ref(), s::getdel)
    }

    /// `GETEX key` with no option: the string, expiry unchanged. Same as
    /// Redis `GETEX`; see [`Db::getex_with`] for the options.
    ///
    /// Redis: <https://redis.io/commands/getex/>
    pub fn getex(&self, key: impl AsRef<[u8]>) -> Result<Option<CompactBytes>> {
        self.getex_with(key, GetExOptions::new())
    }

    /// The string, after setting or removing its expiry. Same as Redis
    /// `GETEX key [EX|PX|EXAT|PXAT|PERSIST]`; an absolute time in the past
    /// deletes the key (the value is still returned).
    ///
    /// # Errors
    /// [`Error::WrongType`]; [`Error::InvalidExpireTime`] for a non-positive
    /// or overflowing time (only checked when the key exists, as in Redis).
    ///
    /// Redis: <https://redis.io/commands/getex/>
    pub fn getex_with(
        &self,
        key: impl AsRef<[u8]>,
        options: GetExOptions,
    ) -> Result<Option<CompactBytes>> {
        self.with_key(key.as_ref(), |db, key| s::getex(db, key, &options))
    }

    /// Appends `value`; returns the new length. Same as Redis `APPEND`.
    ///
    /// # Errors
    /// [`Error::WrongType`]; [`Error::StringTooLong`] past 512 MB.
    ///
    /// Redis: <https://redis.io/commands/append/>
    pub fn append(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<usize> {
        let (key, value) = (b(key), b(value));
        self.with(|db| s::append(db, key, value))
    }

    /// Length of the string in bytes (0 if missing). Same as Redis `STRLEN`.
    ///
    /// # Errors
    /// [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/strlen/>
    pub fn strlen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.with(|db| s::strlen(db, key.as_ref()))
    }

    /// Bytes `start..=end` of the string; negative indexes count from the
    /// end, out-of-range ones are clamped. Same as Redis `GETRANGE`.
    ///
    /// # Errors
    /// [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/getrange/>
    pub fn getrange(&self, key: impl AsRef<[u8]>, start: i64, end: i64) -> Result<Bytes> {
        self.with(|db| s::getrange(db, key.as_ref(), start, end))
    }

    /// Overwrites the string from byte `offset`, padding with zero bytes;
    /// returns the new length. Same as Redis `SETRANGE`.
    ///
    /// # Errors
    /// [`Error::OffsetOutOfRange`] for a negative offset;
    /// [`Error::StringTooLong`] past 512 MB; [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/setrange/>
    pub fn setrange(
        &self,
        key: impl AsRef<[u8]>,
        offset: i64,
        value: impl AsRef<[u8]>,
    ) -> Result<usize> {
        let key = b(key);
        self.with(|db| s::setrange(db, key, offset, value.as_ref()))
    }

    /// Adds 1 to the integer under `key` (missing = 0). Same as Redis `INCR`.
    ///
    /// # Errors
    /// [`Error::NotInteger`] if the string is not a 64-bit integer;
    /// [`Error::Overflow`]; [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/incr/>
    pub fn incr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incrby(key, 1)
    }

    /// Adds `increment`. Same as Redis `INCRBY`; errors as [`Db::incr`].
    ///
    /// Redis: <https://redis.io/commands/incrby/>
    pub fn incrby(&self, key: impl AsRef<[u8]>, increment: i64) -> Result<i64> {
        self.with_key(key.as_ref(), |db, key| s::incrby(db, key, increment))
    }

    /// Subtracts 1. Same as Redis `DECR`; errors as [`Db::incr`].
    ///
    /// Redis: <https://redis.io/commands/decr/>
    pub fn decr(&self, key: impl AsRef<[u8]>) -> Result<i64> {
        self.incrby(key, -1)
    }

    /// Subtracts `decrement`. Same as Redis `DECRBY`; errors as [`Db::incr`],
    /// plus [`Error::DecrementOverflow`] for `i64::MIN`.
    ///
    /// Redis: <https://redis.io/commands/decrby/>
    pub fn decrby(&self, key: impl AsRef<[u8]>, decrement: i64) -> Result<i64> {
        self.with_key(key.as_ref(), |db, key| s::decrby(db, key, decrement))
    }

    /// Adds `increment` as Redis does, in 80-bit `long double` precision,
    /// and returns the new value. Same as Redis `INCRBYFLOAT`; the stored
    /// text is exactly Redis's (`0.1 + 0.2` stores `0.3`). `increment` is
    /// sent as its shortest decimal text, as a client would send it.
    ///
    /// # Errors
    /// [`Error::NotFloat`] if the stored string is not a number;
    /// [`Error::NanOrInfinity`] if the result is not finite; [`Error::WrongType`].
    ///
    /// Redis: <https://redis.io/commands/incrbyfloat/>
    pub fn incrbyfloat(&self, key: impl AsRef<[u8]>, increment: f64) -> Result<f64> {
        let text = self.with(|db| s::incrbyfloat(db, key.as_ref(), &float_text(increment)))?;
        std::str::from_utf8(&text)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or(Error::NotFloat)
    }

    /// The strings under `keys`, `None` for missing keys and keys of another
    /// type. Same as Redis `MGET`.
    ///
    /// Redis: <https://redis.io/commands/mget/>
    pub fn mget<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Vec<Option<CompactBytes>>> {
        let keys: Vec<Bytes> = keys.into_iter().map(b).collect();
        self.with(|db| Ok(s::mget(db, &keys, CompactBytes::clone)))
    }

    /// Sets every `(key, value)` pair, atomically. Same as Redis `MSET`.
    ///
    /// Redis: <https://redis.io/commands/mset/>
    pub fn mset<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()> {
        let pairs = pairs.into_iter().map(|(k, v)| (b(k), b(v))).collect();
        self.with(|db| s::mset(db, pairs));
        Ok(())
    }

    /// Sets every pair only if none of the keys exists; true if it did.
    /// Same as Redis `MSETNX`.
    ///
    /// Redis: <https://redis.io/commands/msetnx/>
    pub fn msetnx<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<bool> {
        let pairs = pairs.into_iter().map(|(k, v)| (b(k), b(v))).collect();
        Ok(self.with(|db| s::msetnx(db, pairs)))
    }

    /// The longest common subsequence of the strings under `key1` and
    /// `key2` (missing keys are empty). Same as Redis `LCS key1 key2`.
    ///
    /// # Errors
    /// [`Error::LcsNotString`] if a key holds another type;
    /// [`Error::LcsTooLarge`] when the table would exceed 512 MB.
    ///
    /// Redis: <https://redis.io/commands/lcs/>
    pub fn lcs(&self, key1: impl AsRef<[u8]>, key2: impl AsRef<[u8]>) -> Result<Bytes> {
        let (x, y) = self.with(|db| s::lcs_inputs(db, key1.as_ref(), key2.as_ref()))?;
        s::lcs_string(&x, &y)
    }

    /// The length of the longest common subsequence. Same as Redis
    /// `LCS key1 key2 LEN`; errors as [`Db::lcs`].
    ///
    /// Redis: <https://redis.io/commands/lcs/>
    pub fn lcs_len(&self, key1: impl AsRef<[u8]>, key2: impl AsRef<[u8]>) -> Result<usize> {
        let (x, y) = self.with(|db| s::lcs_inputs(db, key1.as_ref(), key2.as_ref()))?;
        s::lcs_len(&x, &y)
    }

    /// The matching ranges of the longest common subsequence. Same as Redis
    /// `LCS key1 key2 IDX [MINMATCHLEN n] [WITHMATCHLEN]`; errors as [`Db::lcs`].
    ///
    /// Redis: <https://redis.io/commands/lcs/>
    pub fn lcs_idx(
        &self,
        key1: impl AsRef<[u8]>,
        key2: impl AsRef<[u8]>,
        options: LcsOptions,
    ) -> Result<LcsIdx> {
        let (x, y) = self.with(|db| s::lcs_inputs(db, key1.as_ref(), key2.as_ref()))?;
        s::lcs_idx(&x, &y, &options)
    }
}
