//! Typed generic (keyspace) commands on [`Db`], plus DBSIZE, FLUSHDB,
//! FLUSHALL and SWAPDB.

use bytes::Bytes;

use crate::command::keyspace::{self as k, CopyOptions, ExpireOptions, ScanOptions, Ttl};
use crate::sort::{self, SortOptions, SortOutput};
use crate::{Db, Result};

fn b(x: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(x.as_ref())
}

fn all<K: AsRef<[u8]>>(keys: impl IntoIterator<Item = K>) -> Vec<Bytes> {
    keys.into_iter().map(b).collect()
}

impl Db {
    /// Deletes `keys`; returns how many existed. Same as Redis `DEL` (and
    /// `UNLINK`, which is the same here: memory is freed at once).
    ///
    /// Redis: <https://redis.io/commands/del/>
    pub fn del<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        let keys = all(keys);
        Ok(self.with(|db| k::del(db, &keys)))
    }

    /// Deletes `keys`; returns how many existed. Same as Redis `UNLINK`
    /// (identical to [`Db::del`] here).
    ///
    /// Redis: <https://redis.io/commands/unlink/>
    pub fn unlink<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.del(keys)
    }

    /// How many of `keys` exist. Same as Redis `TOUCH` (there is no LRU
    /// clock to update here).
    ///
    /// Redis: <https://redis.io/commands/touch/>
    pub fn touch<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        self.exists(keys)
    }

    /// How many of `keys` exist, counting repeats. Same as Redis `EXISTS`.
    ///
    /// Redis: <https://redis.io/commands/exists/>
    pub fn exists<K: AsRef<[u8]>>(&self, keys: impl IntoIterator<Item = K>) -> Result<usize> {
        let keys = all(keys);
        Ok(self.with(|db| k::exists(db, &keys)))
    }

    /// Sets a time to live of `seconds`; true if set, false if the key does
    /// not exist. Zero or negative deletes the key (and returns true). Same as
    /// Redis `EXPIRE key seconds`.
    ///
    /// # Errors
    /// [`Error::InvalidExpireTime`](crate::Error::InvalidExpireTime) when the
    /// time overflows.
    ///
    /// Redis: <https://redis.io/commands/expire/>
    pub fn expire(&self, key: impl AsRef<[u8]>, seconds: i64) -> Result<bool> {
        self.expire_with(key, seconds, ExpireOptions::new())
    }

    /// [`Db::expire`] with `NX` / `XX` / `GT` / `LT`: false when the
    /// condition does not hold. Same as Redis `EXPIRE key seconds [NX|XX|GT|LT]`.
    ///
    /// # Errors
    /// As [`Db::expire`], plus [`Error::ExpireNxConflict`](crate::Error::ExpireNxConflict)
    /// and [`Error::ExpireGtLtConflict`](crate::Error::ExpireGtLtConflict)
    /// for incompatible options.
    ///
    /// Redis: <https://redis.io/commands/expire/>
    pub fn expire_with(
        &self,
        key: impl AsRef<[u8]>,
        seconds: i64,
        options: ExpireOptions,
    ) -> Result<bool> {
        self.with(|db| {
            k::expire_generic(db, key.as_ref(), seconds, 1000, false, &options, "expire")
        })
    }

    /// Time to live in milliseconds. Same as Redis `PEXPIRE key ms`; see [`Db::expire`].
    ///
    /// Redis: <https://redis.io/commands/pexpire/>
    pub fn pexpire(&self, key: impl AsRef<[u8]>, milliseconds: i64) -> Result<bool> {
        self.pexpire_with(key, milliseconds, ExpireOptions::new())
    }

    /// [`Db::pexpire`] with conditions. Same as Redis `PEXPIRE key ms [NX|XX|GT|LT]`.
    ///
    /// Redis: <https://redis.io/commands/pexpire/>
    pub fn pexpire_with(
        &self,
        key: impl AsRef<[u8]>,
        milliseconds: i64,
        options: ExpireOptions,
    ) -> Result<bool> {
        self.with(|db| {
            k::expire_generic(
                db,
                key.as_ref(),
                milliseconds,
                1,
                false,
                &options,
                "pexpire",
            )
        })
    }

    /// Expires the key at a unix time in seconds; a time in the past deletes
    /// it. Same as Redis `EXPIREAT`; see [`Db::expire`].
    ///
    /// Redis: <https://redis.io/commands/expireat/>
    pub fn expireat(&self, key: impl AsRef<[u8]>, unix_seconds: i64) -> Result<bool> {
        self.expireat_with(key, unix_seconds, ExpireOptions::new())
    }

    /// [`Db::expireat`] with conditions. Same as Redis `EXPIREAT key t [NX|XX|GT|LT]`.
    ///
    /// Redis: <https://redis.io/commands/expireat/>
    pub fn expireat_with(
        &self,
        key: impl AsRef<[u8]>,
        unix_seconds: i64,
        options: ExpireOptions,
    ) -> Result<bool> {
        self.with(|db| {
            k::expire_generic(
                db,
                key.as_ref(),
                unix_seconds,
                1000,
                true,
                &options,
                "expireat",
            )
        })
    }

    /// Expires the key at a unix time in milliseconds. Same as Redis
    /// `PEXPIREAT`; see [`Db::expire`].
    ///
    /// Redis: <https://redis.io/commands/pexpireat/>
    pub fn pexpireat(&self, key: impl AsRef<[u8]>, unix_ms: i64) -> Result<bool> {
        self.pexpireat_with(key, unix_ms, ExpireOptions::new())
    }

    /// [`Db::pexpireat`] with conditions. Same as Redis `PEXPIREAT key t [NX|XX|GT|LT]`.
    ///
    /// Redis: <https://redis.io/commands/pexpireat/>
    pub fn pexpireat_with(
        &self,
        key: impl AsRef<[u8]>,
        unix_ms: i64,
        options: ExpireOptions,
    ) -> Result<bool> {
        self.with(|db| k::expire_generic(db, key.as_ref(), unix_ms, 1, true, &options, "pexpireat"))
    }

    /// Removes the expiry; true if there was one. Same as Redis `PERSIST`.
    ///
    /// Redis: <https://redis.io/commands/persist/>
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        Ok(self.with(|db| k::persist(db, key.as_ref())))
    }

    /// Seconds until `key` expires, rounded to the nearest second. Same as
    /// Redis `TTL`.
    ///
    /// Returns [`Ttl::Missing`] when the key does not exist (Redis: `-2`),
    /// [`Ttl::Persistent`] when it has no expiry (Redis: `-1`), else
    /// [`Ttl::Seconds`].
    ///
    /// Redis: <https://redis.io/commands/ttl/>
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<Ttl> {
        Ok(self.with(|db| k::ttl(db, key.as_ref())))
    }

    /// Milliseconds until `key` expires: [`Ttl::Millis`], or Missing /
    /// Persistent as for [`Db::ttl`]. Same as Redis `PTTL`.
    ///
    /// Redis: <https://redis.io/commands/pttl/>
    pub fn pttl(&self, key: impl AsRef<[u8]>) -> Result<Ttl> {
        Ok(self.with(|db| k::pttl(db, key.as_ref())))
    }

    /// The type of the value: `"string"`, `"list"`, `"hash"`, `"set"` or
    /// `"zset"`; `None` if the key does not exist (Redis: `none`). Same as
    /// Redis `TYPE` (named `type_of` because `type` is a Rust keyword).
    ///
    /// Redis: <https://redis.io/commands/type/>
    pub fn type_of(&self, key: impl AsRef<[u8]>) -> Result<Option<&'static str>> {
        Ok(self.with(|db| k::type_of(db, key.as_ref())))
    }

    /// Renames `key` to `newkey`, overwriting it; the expiry moves along.
    /// Same as Redis `RENAME`.
    ///
    /// # Errors
    /// [`Error::NoSuchKey`](crate::Error::NoSuchKey) if `key` does not exist.
    ///
    /// Redis: <https://redis.io/commands/rename/>
    pub fn rename(&self, key: impl AsRef<[u8]>, newkey: impl AsRef<[u8]>) -> Result<()> {
        let newkey = b(newkey);
        self.with(|db| k::rename(db, key.as_ref(), newkey, false).map(|_| ()))
    }

    /// Renames only if `newkey` does not exist; true if renamed. Same as
    /// Redis `RENAMENX`; errors as [`Db::rename`].
    ///
    /// Redis: <https://redis.io/commands/renamenx/>
    pub fn renamenx(&self, key: impl AsRef<[u8]>, newkey: impl AsRef<[u8]>) -> Result<bool> {
        let newkey = b(newkey);
        self.with(|db| k::rename(db, key.as_ref(), newkey, true))
    }

    /// Every key matching the glob `pattern`. Same as Redis `KEYS` (O(n):
    /// prefer [`Db::scan`] on large databases).
    ///
    /// Redis: <https://redis.io/commands/keys/>
    pub fn keys(&self, pattern: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        Ok(self.with(|db| k::keys(db, pattern.as_ref())))
    }

    /// One step of a keyspace scan: the next cursor (0 when done) and the
    /// keys found. Start with cursor 0. Same as Redis `SCAN cursor`.
    ///
    /// Guarantees, as Redis's: a key present for the whole scan is returned
    /// at least once; a key may be returned more than once if keys are
    /// deleted meanwhile.
    ///
    /// Redis: <https://redis.io/commands/scan/>
    pub fn scan(&self, cursor: u64) -> Result<(u64, Vec<Bytes>)> {
        self.scan_with(cursor, ScanOptions::new())
    }

    /// [`Db::scan`] with `MATCH`, `COUNT` and `TYPE`. Same as Redis `SCAN`.
    ///
    /// Redis: <https://redis.io/commands/scan/>
    pub fn scan_with(&self, cursor: u64, options: ScanOptions) -> Result<(u64, Vec<Bytes>)> {
        Ok(self.with(|db| k::scan(db, cursor, &options)))
    }

    /// A random key, or `None` if the database is empty. Same as Redis `RANDOMKEY`.
    ///
    /// Redis: <https://redis.io/commands/randomkey/>
    pub fn randomkey(&self) -> Result<Option<Bytes>> {
        Ok(self.with(|db| db.random_key()))
    }

    /// Number of keys, including expired keys not yet removed. Same as Redis `DBSIZE`.
    ///
    /// Redis: <https://redis.io/commands/dbsize/>
    pub fn dbsize(&self) -> Result<usize> {
        Ok(self.with(|db| db.len()))
    }

    /// Deletes every key of this database. Same as Redis `FLUSHDB`.
    ///
    /// Redis: <https://redis.io/commands/flushdb/>
    pub fn flushdb(&self) -> Result<()> {
        self.with(|db| db.clear());
        Ok(())
    }

    /// Deletes every key of every database. Same as Redis `FLUSHALL`.
    ///
    /// Redis: <https://redis.io/commands/flushall/>
    pub fn flushall(&self) -> Result<()> {
        self.store.with_state(k::flushall);
        Ok(())
    }

    /// Swaps the contents of databases `index1` and `index2`. Same as Redis `SWAPDB`.
    ///
    /// # Errors
    /// [`Error::DbIndexOutOfRange`](crate::Error::DbIndexOutOfRange).
    ///
    /// Redis: <https://redis.io/commands/swapdb/>
    pub fn swapdb(&self, index1: usize, index2: usize) -> Result<()> {
        self.store.with_state(|st| k::swapdb(st, index1, index2))
    }

    /// Copies the value (and expiry) of `source` to `destination` in this
    /// database; false if `source` is missing or `destination` exists. Same
    /// as Redis `COPY`.
    ///
    /// # Errors
    /// [`Error::SameObject`](crate::Error::SameObject) when both are the same key.
    ///
    /// Redis: <https://redis.io/commands/copy/>
    pub fn copy(&self, source: impl AsRef<[u8]>, destination: impl AsRef<[u8]>) -> Result<bool> {
        self.copy_with(source, destination, CopyOptions::new())
    }

    /// [`Db::copy`] with `DB` and `REPLACE`. Same as Redis `COPY`.
    ///
    /// # Errors
    /// As [`Db::copy`], plus [`Error::DbIndexOutOfRange`](crate::Error::DbIndexOutOfRange).
    ///
    /// Redis: <https://redis.io/commands/copy/>
    pub fn copy_with(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        options: CopyOptions,
    ) -> Result<bool> {
        let dst = b(destination);
        self.store
            .with_state(|st| k::copy(st, self.index, source.as_ref(), dst, &options))
    }

    /// Moves `key` to database `db`; false if it is missing here or exists
    /// there. Same as Redis `MOVE` (named `move_to`: `move` is a Rust keyword).
    ///
    /// # Errors
    /// [`Error::SameObject`](crate::Error::SameObject) when `db` is this
    /// database; [`Error::DbIndexOutOfRange`](crate::Error::DbIndexOutOfRange).
    ///
    /// Redis: <https://redis.io/commands/move/>
    pub fn move_to(&self, key: impl AsRef<[u8]>, db: usize) -> Result<bool> {
        self.store
            .with_state(|st| k::move_key(st, self.index, key.as_ref(), db))
    }

    /// The elements of a list, set or sorted set, sorted numerically
    /// ascending. Same as Redis `SORT key`.
    ///
    /// # Errors
    /// [`Error::SortScoreNotDouble`](crate::Error::SortScoreNotDouble) if an
    /// element is not a number; [`Error::WrongType`](crate::Error::WrongType).
    ///
    /// Redis: <https://redis.io/commands/sort/>
    pub fn sort(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>> {
        let v = self.sort_with(key, SortOptions::new())?;
        Ok(v.into_iter().flatten().collect())
    }

    /// `SORT` with `BY`, `LIMIT`, `GET`, `DESC`, `ALPHA`: the sorted elements,
    /// or with `GET` patterns what they point to (`None` where missing), one
    /// value per pattern per element. Same as Redis `SORT` / `SORT_RO`.
    ///
    /// Redis: <https://redis.io/commands/sort/>
    pub fn sort_with(
        &self,
        key: impl AsRef<[u8]>,
        options: SortOptions,
    ) -> Result<Vec<Option<Bytes>>> {
        match self.with(|db| sort::sort(db, key.as_ref(), &options))? {
            SortOutput::Values(v) => Ok(v),
            SortOutput::Stored(_) => unreachable!("no STORE in typed sort_with"),
        }
    }

    /// `SORT ... STORE destination`: stores the result as a list (missing
    /// `GET` values become empty strings; an empty result deletes
    /// `destination`) and returns its length. Same as Redis `SORT`.
    ///
    /// Redis: <https://redis.io/commands/sort/>
    pub fn sort_store(
        &self,
        key: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        options: SortOptions,
    ) -> Result<usize> {
        let o = options.store(b(destination));
        match self.with(|db| sort::sort(db, key.as_ref(), &o))? {
            SortOutput::Stored(n) => Ok(n),
            SortOutput::Values(_) => unreachable!("STORE always stores"),
        }
    }
}
