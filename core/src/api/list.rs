//! Typed list commands on [`Db`], blocking pops included.
//!
//! The non-blocking methods call the same functions as the command handlers
//! in `command/list.rs`. The blocking ones (`blpop`, `blmove`, ...) run the
//! command itself through [`Store::dispatch`](crate::Store::dispatch), so a
//! typed waiter and a network client blocked on the same key queue in one
//! first-come first-served line.

use std::time::Duration;

use bytes::Bytes;

use crate::command::Protocol;
use crate::command::list::{self, Direction, InsertPosition, LposOptions};
use crate::{BlockedPop, BulkArray, Db, Dispatch, Error, Reply, Result};

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

/// A timeout as the seconds argument of a blocking command. Zero stays `0`
/// (block forever, as in Redis); anything shorter than a millisecond is
/// rounded up to one so that it does not turn into "forever".
fn timeout_arg(timeout: Duration) -> Bytes {
    if timeout.is_zero() {
        return Bytes::from_static(b"0");
    }
    let ms = timeout.as_millis().max(1);
    Bytes::from(format!("{}.{:03}", ms / 1000, ms % 1000))
}

fn unexpected(r: Reply) -> ! {
    panic!("embedis internal error: unexpected reply shape {r:?}")
}

/// `[key, value]` (BLPOP) → `(key, value)`; `*-1` → `None`.
fn key_value(r: Reply) -> Result<Option<(Bytes, Bytes)>> {
    match r {
        Reply::Null | Reply::NullArray => Ok(None),
        Reply::Error(e) => Err(e),
        Reply::Array(v) => match <[Reply; 2]>::try_from(v) {
            Ok([Reply::Bulk(k), Reply::Bulk(v)]) => Ok(Some((k, v))),
            Ok(other) => unexpected(Reply::Array(other.into())),
            Err(v) => unexpected(Reply::Array(v)),
        },
        r => unexpected(r),
    }
}

/// A bulk (BLMOVE) → the element; `$-1`/`*-1` → `None`.
fn element(r: Reply) -> Result<Option<Bytes>> {
    match r {
        Reply::Null | Reply::NullArray => Ok(None),
        Reply::Error(e) => Err(e),
        Reply::Bulk(b) => Ok(Some(b)),
        r => unexpected(r),
    }
}

/// `[key, [elements]]` (BLMPOP) → `(key, elements)`; `*-1` → `None`.
fn key_elements(r: Reply) -> Result<Option<(Bytes, Vec<Bytes>)>> {
    match r {
        Reply::Null | Reply::NullArray => Ok(None),
        Reply::Error(e) => Err(e),
        Reply::Array(v) => match <[Reply; 2]>::try_from(v) {
            Ok([Reply::Bulk(k), Reply::Array(items)]) => {
                let items = items
                    .into_iter()
                    .map(|i| match i {
                        Reply::Bulk(b) => b,
                        r => unexpected(r),
                    })
                    .collect();
                Ok(Some((k, items)))
            }
            Ok(other) => unexpected(Reply::Array(other.into())),
            Err(v) => unexpected(Reply::Array(v)),
        },
        r => unexpected(r),
    }
}

impl Db {
    /// Runs a blocking list command on this thread: waits up to its timeout.
    fn block_thread<T>(
        &self,
        argv: Vec<Bytes>,
        convert: fn(Reply) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        match self.store.dispatch(self.index, Protocol::Resp2, argv) {
            Dispatch::Reply(r) => convert(r),
            Dispatch::Blocked(b) => convert(b.wait()),
        }
    }

    fn push_typed<I>(
        &self,
        name: &'static str,
        key: impl AsRef<[u8]>,
        elements: I,
        end: Direction,
        xx: bool,
    ) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let elements = owned_all(elements);
        if elements.is_empty() {
            return Err(Error::wrong_arity(name));
        }
        self.with(|db| list::push(db, key.as_ref(), elements, end, xx))
    }

    /// Inserts `elements` at the head of the list at `key`, one after the
    /// other (so the last one ends up first), creating the list if needed.
    /// Returns the new length. Same as Redis `LPUSH key element [element ...]`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type;
    /// [`Error::WrongArity`] if `elements` is empty (as Redis refuses `LPUSH key`).
    ///
    /// Redis: <https://redis.io/commands/lpush/>
    pub fn lpush<I>(&self, key: impl AsRef<[u8]>, elements: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.push_typed("lpush", key, elements, Direction::Left, false)
    }

    /// Appends `elements` at the tail of the list at `key`, creating it if
    /// needed. Returns the new length. Same as Redis `RPUSH`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type;
    /// [`Error::WrongArity`] if `elements` is empty.
    ///
    /// Redis: <https://redis.io/commands/rpush/>
    pub fn rpush<I>(&self, key: impl AsRef<[u8]>, elements: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.push_typed("rpush", key, elements, Direction::Right, false)
    }

    /// Like [`Db::lpush`], but only if the list exists: returns `0` and
    /// creates nothing when `key` is missing. Same as Redis `LPUSHX`.
    ///
    /// # Errors
    /// As [`Db::lpush`].
    ///
    /// Redis: <https://redis.io/commands/lpushx/>
    pub fn lpushx<I>(&self, key: impl AsRef<[u8]>, elements: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.push_typed("lpushx", key, elements, Direction::Left, true)
    }

    /// Like [`Db::rpush`], but only if the list exists: returns `0` and
    /// creates nothing when `key` is missing. Same as Redis `RPUSHX`.
    ///
    /// # Errors
    /// As [`Db::rpush`].
    ///
    /// Redis: <https://redis.io/commands/rpushx/>
    pub fn rpushx<I>(&self, key: impl AsRef<[u8]>, elements: I) -> Result<usize>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.push_typed("rpushx", key, elements, Direction::Right, true)
    }

    /// Removes and returns the first element, `None` when the key is missing.
    /// An emptied list is deleted. Same as Redis `LPOP key`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lpop/>
    pub fn lpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        Ok(self
            .with(|db| list::pop(db, key.as_ref(), Direction::Left, 1))?
            .and_then(|mut v| v.pop()))
    }

    /// Removes and returns the last element, `None` when the key is missing.
    /// Same as Redis `RPOP key`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/rpop/>
    pub fn rpop(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        Ok(self
            .with(|db| list::pop(db, key.as_ref(), Direction::Right, 1))?
            .and_then(|mut v| v.pop()))
    }

    /// Removes and returns up to `count` elements from the head, in order;
    /// `None` when the key is missing (Redis: `*-1`), an empty vector for
    /// `count == 0` on an existing list. Same as Redis `LPOP key count`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lpop/>
    pub fn lpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Bytes>>> {
        self.with(|db| list::pop(db, key.as_ref(), Direction::Left, count))
    }

    /// Removes and returns up to `count` elements from the tail, last first.
    /// Same as Redis `RPOP key count`; see [`Db::lpop_count`].
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/rpop/>
    pub fn rpop_count(&self, key: impl AsRef<[u8]>, count: usize) -> Result<Option<Vec<Bytes>>> {
        self.with(|db| list::pop(db, key.as_ref(), Direction::Right, count))
    }

    /// The elements from index `start` to `stop`, both inclusive; negative
    /// indexes count from the tail (`-1` is the last). Out-of-range indexes
    /// are clamped; a missing key is an empty list. Same as Redis `LRANGE`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lrange/>
    pub fn lrange(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<Vec<Bytes>> {
        self.with(|db| list::range(db, key.as_ref(), start, stop))
            .map(BulkArray::into_bytes)
    }

    /// The length of the list, `0` when the key is missing. Same as Redis `LLEN`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/llen/>
    pub fn llen(&self, key: impl AsRef<[u8]>) -> Result<usize> {
        self.with(|db| list::len(db, key.as_ref()))
    }

    /// The element at `index` (negative from the tail), `None` when out of
    /// range or the key is missing. Same as Redis `LINDEX`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lindex/>
    pub fn lindex(&self, key: impl AsRef<[u8]>, index: i64) -> Result<Option<Bytes>> {
        self.with(|db| list::index(db, key.as_ref(), index))
    }

    /// Replaces the element at `index` (negative from the tail). Same as
    /// Redis `LSET`.
    ///
    /// # Errors
    /// [`Error::NoSuchKey`] if the key is missing, [`Error::IndexOutOfRange`]
    /// outside the list, [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lset/>
    pub fn lset(&self, key: impl AsRef<[u8]>, index: i64, element: impl AsRef<[u8]>) -> Result<()> {
        let element = owned(element);
        self.with(|db| list::set(db, key.as_ref(), index, element))
    }

    /// Inserts `element` before or after the first occurrence of `pivot`
    /// (from the head). Returns the new length, `0` when the key is missing
    /// and `-1` when `pivot` is not in the list, as Redis does. Same as Redis
    /// `LINSERT key BEFORE|AFTER pivot element`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/linsert/>
    pub fn linsert(
        &self,
        key: impl AsRef<[u8]>,
        position: InsertPosition,
        pivot: impl AsRef<[u8]>,
        element: impl AsRef<[u8]>,
    ) -> Result<i64> {
        let element = owned(element);
        self.with(|db| list::insert(db, key.as_ref(), position, pivot.as_ref(), element))
    }

    /// Removes occurrences of `element`: the first `count` from the head when
    /// `count > 0`, the first `-count` from the tail when negative, all when
    /// `0`. Returns how many were removed. Same as Redis `LREM`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lrem/>
    pub fn lrem(
        &self,
        key: impl AsRef<[u8]>,
        count: i64,
        element: impl AsRef<[u8]>,
    ) -> Result<usize> {
        self.with(|db| list::rem(db, key.as_ref(), count, element.as_ref()))
    }

    /// Keeps only the elements from `start` to `stop` inclusive (Redis
    /// indexes, negative from the tail); an empty result deletes the key.
    /// Same as Redis `LTRIM`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/ltrim/>
    pub fn ltrim(&self, key: impl AsRef<[u8]>, start: i64, stop: i64) -> Result<()> {
        self.with(|db| list::trim(db, key.as_ref(), start, stop))
    }

    /// The index of the first occurrence of `element`, from the head. Same
    /// as Redis `LPOS key element`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lpos/>
    pub fn lpos(&self, key: impl AsRef<[u8]>, element: impl AsRef<[u8]>) -> Result<Option<usize>> {
        let found =
            self.with(|db| list::pos(db, key.as_ref(), element.as_ref(), LposOptions::default()))?;
        Ok(found.first().map(|&i| i as usize))
    }

    /// The indexes of matches of `element` with `RANK`, `COUNT` and `MAXLEN`.
    /// Indexes always count from the head, even with a negative rank. Without
    /// a count the vector holds at most one index. Same as Redis `LPOS key
    /// element [RANK rank] [COUNT num-matches] [MAXLEN len]`.
    ///
    /// # Errors
    /// [`Error::LposRankZero`] for `rank == 0`, [`Error::WrongType`] if the
    /// key holds another type.
    ///
    /// Redis: <https://redis.io/commands/lpos/>
    pub fn lpos_with(
        &self,
        key: impl AsRef<[u8]>,
        element: impl AsRef<[u8]>,
        options: LposOptions,
    ) -> Result<Vec<usize>> {
        if options.rank == 0 {
            return Err(Error::LposRankZero);
        }
        let found = self.with(|db| list::pos(db, key.as_ref(), element.as_ref(), options))?;
        Ok(found.into_iter().map(|i| i as usize).collect())
    }

    /// Atomically pops an element from the `from` end of `source` and pushes
    /// it at the `to` end of `destination` (which may be the same list: a
    /// rotation). Returns the element, `None` when `source` is missing.
    /// Same as Redis `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if either key holds another type (nothing moves).
    ///
    /// Redis: <https://redis.io/commands/lmove/>
    pub fn lmove(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        from: Direction,
        to: Direction,
    ) -> Result<Option<Bytes>> {
        self.with(|db| list::lmove(db, source.as_ref(), destination.as_ref(), from, to))
    }

    /// `LMOVE source destination RIGHT LEFT`. Same as Redis `RPOPLPUSH`.
    ///
    /// # Errors
    /// As [`Db::lmove`].
    ///
    /// Redis: <https://redis.io/commands/rpoplpush/>
    pub fn rpoplpush(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
    ) -> Result<Option<Bytes>> {
        self.lmove(source, destination, Direction::Right, Direction::Left)
    }

    /// Pops up to `count` elements from the `end` of the first non-empty
    /// list among `keys`; returns that key and the elements in pop order,
    /// `None` when every key is missing. Same as Redis `LMPOP numkeys key
    /// [key ...] LEFT|RIGHT COUNT count`.
    ///
    /// # Errors
    /// [`Error::WrongType`] when a key before the first list holds another
    /// type; [`Error::NumkeysNotPositive`] for no keys,
    /// [`Error::CountNotPositive`] for `count == 0`.
    ///
    /// Redis: <https://redis.io/commands/lmpop/>
    pub fn lmpop<I>(
        &self,
        keys: I,
        end: Direction,
        count: usize,
    ) -> Result<Option<(Bytes, Vec<Bytes>)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let keys = owned_all(keys);
        if keys.is_empty() {
            return Err(Error::NumkeysNotPositive);
        }
        if count == 0 {
            return Err(Error::CountNotPositive);
        }
        self.with(|db| list::mpop(db, &keys, end, count))
    }

    fn blocking_pop_argv<I>(name: &'static str, keys: I, timeout: Bytes) -> Result<Vec<Bytes>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut argv = vec![Bytes::from_static(name.as_bytes())];
        argv.extend(keys.into_iter().map(owned));
        if argv.len() == 1 {
            return Err(Error::wrong_arity(name));
        }
        argv.push(timeout);
        Ok(argv)
    }

    /// Pops the first element of the first non-empty list among `keys`,
    /// blocking this thread until one is pushed or `timeout` passes. Returns
    /// `(key, element)`, or `None` on timeout. A zero `timeout` blocks
    /// forever, as Redis's `0`; the timeout has millisecond resolution.
    /// Waiters are served first-come first-served, with network clients, in
    /// the order they blocked. Same as Redis `BLPOP key [key ...] timeout`.
    ///
    /// While waiting, a key that gets a value of another type keeps this call
    /// blocked (Redis 7.0).
    ///
    /// # Errors
    /// [`Error::WrongType`] when a key checked before the first list holds
    /// another type; [`Error::WrongArity`] for no keys.
    ///
    /// Not on wasm32 (no threads to block): use [`Db::blpop_async`].
    ///
    /// Redis: <https://redis.io/commands/blpop/>
    pub fn blpop<I>(&self, keys: I, timeout: Duration) -> Result<Option<(Bytes, Bytes)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.block_thread(
            Self::blocking_pop_argv("blpop", keys, timeout_arg(timeout))?,
            key_value,
        )
    }

    /// [`Db::blpop`] from the tail. Same as Redis `BRPOP key [key ...] timeout`.
    ///
    /// # Errors
    /// As [`Db::blpop`].
    ///
    /// Redis: <https://redis.io/commands/brpop/>
    pub fn brpop<I>(&self, keys: I, timeout: Duration) -> Result<Option<(Bytes, Bytes)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.block_thread(
            Self::blocking_pop_argv("brpop", keys, timeout_arg(timeout))?,
            key_value,
        )
    }

    fn blmove_argv(
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        from: Direction,
        to: Direction,
        timeout: Bytes,
    ) -> Vec<Bytes> {
        vec![
            Bytes::from_static(b"blmove"),
            owned(source),
            owned(destination),
            Bytes::from_static(from.as_str().as_bytes()),
            Bytes::from_static(to.as_str().as_bytes()),
            timeout,
        ]
    }

    /// [`Db::lmove`] that blocks this thread until `source` has an element or
    /// `timeout` passes (`None`; zero = forever). Same as Redis `BLMOVE
    /// source destination LEFT|RIGHT LEFT|RIGHT timeout`.
    ///
    /// # Errors
    /// [`Error::WrongType`] if `source` holds another type, or if
    /// `destination` does when the element arrives (the element then stays
    /// in `source`, as in Redis).
    ///
    /// Redis: <https://redis.io/commands/blmove/>
    pub fn blmove(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        from: Direction,
        to: Direction,
        timeout: Duration,
    ) -> Result<Option<Bytes>> {
        self.block_thread(
            Self::blmove_argv(source, destination, from, to, timeout_arg(timeout)),
            element,
        )
    }

    /// [`Db::lmpop`] that blocks this thread until one of `keys` has
    /// elements or `timeout` passes (`None`; zero = forever). Same as Redis
    /// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT COUNT count`.
    ///
    /// # Errors
    /// As [`Db::lmpop`].
    ///
    /// Redis: <https://redis.io/commands/blmpop/>
    pub fn blmpop<I>(
        &self,
        keys: I,
        end: Direction,
        count: usize,
        timeout: Duration,
    ) -> Result<Option<(Bytes, Vec<Bytes>)>>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let keys = owned_all(keys);
        let mut argv = vec![
            Bytes::from_static(b"blmpop"),
            timeout_arg(timeout),
            Bytes::from(keys.len().to_string()),
        ];
        argv.extend(keys);
        argv.push(Bytes::from_static(end.as_str().as_bytes()));
        argv.push(Bytes::from_static(b"COUNT"));
        argv.push(Bytes::from(count.to_string()));
        self.block_thread(argv, key_elements)
    }

    /// [`Db::blpop`] for async code: a future that resolves to `(key,
    /// element)` when served. It has no timer: race it against your
    /// runtime's and call [`BlockedPop::cancel`] if the timer wins.
    /// Works on wasm32.
    ///
    /// Errors resolve the future at once (see [`Db::blpop`]).
    ///
    /// Redis: <https://redis.io/commands/blpop/>
    pub fn blpop_async<I>(&self, keys: I) -> BlockedPop<(Bytes, Bytes)>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        match Self::blocking_pop_argv("blpop", keys, Bytes::from_static(b"0")) {
            Ok(argv) => BlockedPop::start(self.store(), self.index(), argv, key_value),
            Err(e) => BlockedPop::ready(Reply::Error(e), key_value),
        }
    }

    /// [`Db::brpop`] for async code; see [`Db::blpop_async`].
    ///
    /// Redis: <https://redis.io/commands/brpop/>
    pub fn brpop_async<I>(&self, keys: I) -> BlockedPop<(Bytes, Bytes)>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        match Self::blocking_pop_argv("brpop", keys, Bytes::from_static(b"0")) {
            Ok(argv) => BlockedPop::start(self.store(), self.index(), argv, key_value),
            Err(e) => BlockedPop::ready(Reply::Error(e), key_value),
        }
    }

    /// [`Db::blmove`] for async code; see [`Db::blpop_async`].
    ///
    /// Redis: <https://redis.io/commands/blmove/>
    pub fn blmove_async(
        &self,
        source: impl AsRef<[u8]>,
        destination: impl AsRef<[u8]>,
        from: Direction,
        to: Direction,
    ) -> BlockedPop<Bytes> {
        let argv = Self::blmove_argv(source, destination, from, to, Bytes::from_static(b"0"));
        BlockedPop::start(self.store(), self.index(), argv, element)
    }
}
