//! One database: the key → value map, expiry, WATCH bookkeeping and the
//! clients blocked on its keys. Every access goes through this small API so
//! lazy expiry, WATCH touches and blocked-client wake-ups are never forgotten
//! by a command (and so a sharded keyspace would be a local change: the map
//! is [`Segments`], copy-on-write segments that [`Keyspace::freeze`] shares
//! with a background save).

mod arena;
mod segment;
mod shared_vec;

pub(crate) use self::arena::mapped_bytes as arena_mapped_bytes;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::Relaxed};

use self::segment::{Entries, KeySet, Segment};
use bytes::Bytes;

use crate::blocking::PendingWaiter;
use crate::clock::{Clock, SystemClock};
use crate::value::{CompactBytes, Hasher, Kind, Value};
use crate::{Error, Result};

/// The key type of the keyspace map: 24 bytes, inline up to 23 bytes (most
/// keys need no heap block). Looked up by `&[u8]`.
pub(crate) type Key = CompactBytes;

/// A stored value and its absolute expiry: 32 bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) value: Value,
    /// Absolute expiry in unix milliseconds, or [`Entry::PERSISTENT`]. A
    /// plain `i64`, not an `Option<i64>` (16 bytes), as this is paid per key.
    expire_at_ms: i64,
}

/// `value` as a `T`, or `WRONGTYPE`. A match, not `ok_or(Error::WrongType)`,
/// which builds the error eagerly and, `Error` having drop glue, calls its
/// destructor on every successful read (seen in a `GET` profile).
#[inline(always)]
fn typed<T: Kind>(value: &Value) -> Result<&T> {
    match T::from_ref(value) {
        Some(v) => Ok(v),
        None => Err(Error::WrongType),
    }
}

impl Entry {
    /// The `expire_at_ms` of a key without an expiry. No live key can expire
    /// at this instant: every command deletes a key whose expiry is in the
    /// past (Redis's `checkAlreadyExpired`) or refuses it as an invalid
    /// expire time, so the value is free to mean "persistent".
    const PERSISTENT: i64 = i64::MIN;

    /// An entry expiring at `expire_at_ms` (unix ms), or never (`None`).
    pub(crate) fn new(value: Value, expire_at_ms: Option<i64>) -> Self {
        debug_assert_ne!(expire_at_ms, Some(Self::PERSISTENT));
        Entry {
            value,
            expire_at_ms: expire_at_ms.unwrap_or(Self::PERSISTENT),
        }
    }

    /// Absolute expiry in unix milliseconds; `None` = persistent.
    #[inline]
    pub(crate) fn expire_at_ms(&self) -> Option<i64> {
        (self.expire_at_ms != Self::PERSISTENT).then_some(self.expire_at_ms)
    }

    fn set_expire_at_ms(&mut self, expire_at_ms: Option<i64>) {
        debug_assert_ne!(expire_at_ms, Some(Self::PERSISTENT));
        self.expire_at_ms = expire_at_ms.unwrap_or(Self::PERSISTENT);
    }

    /// True if the entry has an expiry at or before `now_ms`.
    #[inline]
    fn expired_at(&self, now_ms: i64) -> bool {
        self.expire_at_ms != Self::PERSISTENT && self.expire_at_ms <= now_ms
    }
}

/// What the databases of one store share about the step running under the
/// store lock (one command, or a whole transaction or script): its time and
/// whether any database has keys ready for blocked clients.
///
/// The time is read from the clock when first needed, then kept until the
/// next step begins, so every command of a MULTI or a script sees one
/// instant (Redis caches the command time the same way), and a command that
/// never meets a key with an expiry (a GET of a persistent key) never reads
/// the clock. Atomics only so `Keyspace` stays `Send`: all access is under
/// the store lock, so `Relaxed` suffices and they cost plain loads and stores.
pub(crate) struct Step {
    clock: Arc<dyn Clock>,
    /// The step's time in unix ms, or [`Step::UNREAD`].
    now_ms: AtomicI64,
    /// Some database's `ready` may be non-empty: what [`crate::store`]
    /// checks after a step before looking at every database.
    ready: AtomicBool,
}

impl Step {
    /// `now_ms` before the clock is read in this step.
    const UNREAD: i64 = i64::MIN;

    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Step {
            clock,
            now_ms: AtomicI64::new(Self::UNREAD),
            ready: AtomicBool::new(false),
        }
    }

    /// Starts a step: the next [`Step::now_ms`] reads the clock.
    #[inline]
    pub(crate) fn begin(&self) {
        self.now_ms.store(Self::UNREAD, Relaxed);
    }

    /// The step's time, unix ms: read from the clock on the first call of
    /// the step, the same value after.
    #[inline]
    pub(crate) fn now_ms(&self) -> i64 {
        match self.now_ms.load(Relaxed) {
            Self::UNREAD => {
                let now = self.clock.now_unix_ms();
                self.now_ms.store(now, Relaxed);
                now
            }
            now => now,
        }
    }

    /// Clears the ready flag; true if it was set (a database may have keys
    /// ready for blocked clients).
    #[inline]
    pub(crate) fn take_ready(&self) -> bool {
        self.ready.load(Relaxed) && {
            self.ready.store(false, Relaxed);
            true
        }
    }
}

/// Where a key lives in [`Segments`]: (segment, index in the segment).
type At = (usize, usize);

/// log2 of the number of segments of a keyspace map.
const SEGMENT_BITS: u32 = if cfg!(target_arch = "wasm32") { 6 } else { 12 };
/// Segments per keyspace map: 4096 natively, where a fork (BGSAVE) clones
/// this many `Arc`s and a write after a fork copies one segment, 1/4096 of
/// the keys. 64 on wasm32, which never forks: there the segments only bound
/// the pause of a table doubling (a 1M-key store rebuilds 16k keys at a
/// time), and fewer of them keep the segment headers in cache: `get` through
/// the npm package on 20,000 keys went from 7.6M to 8.6M calls/s.
const SEGMENTS: usize = 1 << SEGMENT_BITS;

/// The key → entry map of one database, split by key hash into [`SEGMENTS`]
/// copy-on-write segments.
///
/// Reads look into a segment through its `Arc`; a write to a segment
/// that has been shared since its last write goes through `Arc::make_mut`,
/// which copies the segment first when a [`Frozen`] view (a background
/// save in progress) still shares it (`shared_vec` keeps that "shared
/// since" bit, so other writes skip the check). So freezing the map is
/// O(segments), not O(keys), and the pause a BGSAVE causes stays in the
/// microseconds; the copying is spread over the writes that follow, each
/// first write to a shared segment paying for one segment (the analogue of
/// the page copies after Redis's `fork()`). A segment's copy clones its
/// values: strings are reference-counted (cheap), but a list, hash, set or
/// sorted set is copied element by element, so the first write after a fork
/// to a segment holding a big collection costs a copy of that collection,
/// once per save, however many writes follow.
///
/// The segment is picked by bits 32..44 of the key's hash (32..38 on
/// wasm32); the segment's
/// own table uses the low bits (position) and bits up to 31 (tag) of the
/// same hash, so hashing once serves both, and the bits stay independent.
/// Only a segment's entries are shared with frozen views, not its table,
/// which a frozen view does not need: a lookup reads the segment's table
/// pointer and entries pointer from this vector, both at once.
struct Segments {
    /// Empty while the map has never held a key (most of the 16 databases),
    /// else exactly [`SEGMENTS`] long.
    segs: Vec<Segment>,
    len: usize,
    hasher: Hasher,
}

impl Segments {
    fn new() -> Self {
        Segments {
            segs: Vec::new(),
            len: 0,
            hasher: Hasher::default(),
        }
    }

    #[inline(always)]
    fn hash(&self, key: &[u8]) -> u64 {
        segment::hash_key(&self.hasher, key)
    }

    fn segment_of(hash: u64) -> usize {
        (hash >> 32) as usize & (SEGMENTS - 1)
    }

    /// Allocates the segments on the first insert, each with its own empty
    /// entry vector. Lookups read only the segment headers here (the
    /// entries' address and length are in the header, see `shared_vec`);
    /// the entry vectors' `Arc` counts, which every write reads, are made
    /// one after another, so they sit together in ~200 KB of the heap
    /// instead of wherever each segment's first write would have put them.
    fn allocate(&mut self) {
        if self.segs.is_empty() {
            self.segs = (0..SEGMENTS).map(|_| Segment::default()).collect();
        }
    }

    /// The live map of a frozen view's data, sharing its entries (each
    /// segment's table rebuilt: O(keys)).
    fn from_frozen(frozen: Frozen) -> Self {
        Segments {
            segs: frozen
                .segs
                .into_iter()
                .map(|entries| Segment::from_shared(&frozen.hasher, entries))
                .collect(),
            len: frozen.len,
            hasher: frozen.hasher,
        }
    }

    /// Where `key` lives.
    #[inline(always)]
    fn find(&self, key: &[u8]) -> Option<At> {
        if self.len == 0 {
            return None;
        }
        self.find_hashed(self.hash(key), key)
    }

    /// Where `key`, whose hash is `hash`, lives.
    #[inline(always)]
    fn find_hashed(&self, hash: u64, key: &[u8]) -> Option<At> {
        if self.len == 0 {
            return None;
        }
        let s = Self::segment_of(hash);
        let i = self.segs[s].find(hash, key)?;
        Some((s, i))
    }

    /// The entry at (segment, index), as returned by [`Segments::find`].
    #[inline(always)]
    fn at(&self, (s, i): At) -> (&Key, &Entry) {
        self.segs[s].get_index(i).unwrap()
    }

    /// The entry at (segment, index), for writing: copies the segment first
    /// if a frozen view shares it.
    #[inline]
    fn at_mut(&mut self, (s, i): At) -> &mut Entry {
        self.segs[s].get_index_mut(i).unwrap()
    }

    fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.find(key).map(|at| self.at(at).1)
    }

    /// Adds `key`, whose hash is `hash`, which the caller has just found
    /// absent (no second lookup). Returns where it lives.
    fn push_new(&mut self, hash: u64, key: Key, entry: Entry) -> At {
        self.allocate();
        let s = Self::segment_of(hash);
        let i = self.segs[s].push_new(&self.hasher, hash, key, entry);
        self.len += 1;
        (s, i)
    }

    /// Inserts `key`, whose hash is `hash`, if it is absent (snapshot
    /// loading); false, changing nothing, if it is present.
    fn insert_new(&mut self, hash: u64, key: Key, entry: Entry) -> bool {
        if self.find_hashed(hash, &key).is_some() {
            return false;
        }
        self.push_new(hash, key, entry);
        true
    }

    /// Removes the entry at `at`, whose key hashes to `hash` (the segment's
    /// last key moves into its place).
    fn remove_at(&mut self, hash: u64, (s, i): At) -> Entry {
        let (_, e) = self.segs[s]
            .swap_remove_index(&self.hasher, hash, i)
            .unwrap();
        self.len -= 1;
        e
    }

    /// Removes `key` (the segment's last key moves into its place).
    fn swap_remove(&mut self, key: &[u8]) -> Option<Entry> {
        let hash = self.hash(key);
        let at = self.find_hashed(hash, key)?;
        Some(self.remove_at(hash, at))
    }

    fn iter(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.segs.iter().flat_map(|s| s.iter())
    }

    /// A random (segment, index). A map with at least as many keys as
    /// segments picks a random segment, retried when empty, then a random
    /// index in it (as Redis picks a random bucket, then a random entry of
    /// its chain): near-uniform, since segments hold about the same number
    /// of keys. A sparser map, or one whose 32 draws all found empty
    /// segments, draws a rank in `0..len` and walks the segment lengths to
    /// it: exactly uniform, O(segments). ("The first non-empty segment after
    /// a random start" would favour a key whose segment follows a long empty
    /// run: with 2 keys in neighbouring segments, one came up 1 time in 4096.)
    fn random(&self, rng: &mut fastrand::Rng) -> Option<(usize, usize)> {
        if self.len == 0 {
            return None;
        }
        if self.len >= SEGMENTS {
            for _ in 0..32 {
                let s = rng.usize(..SEGMENTS);
                let n = self.segs[s].len();
                if n > 0 {
                    return Some((s, rng.usize(..n)));
                }
            }
        }
        let mut rank = rng.usize(..self.len);
        for (s, seg) in self.segs.iter().enumerate() {
            let n = seg.len();
            if rank < n {
                return Some((s, rank));
            }
            rank -= n;
        }
        unreachable!("len counts the keys of the segments")
    }

    /// Makes room for `additional` more keys, spread over the segments.
    fn reserve(&mut self, additional: usize) {
        let per = additional / SEGMENTS;
        if per < 8 {
            return;
        }
        self.allocate();
        for seg in &mut self.segs {
            seg.reserve(&self.hasher, per + per / 4);
        }
    }
}

/// A point-in-time, read-only view of one database's keys, values and
/// expiries ([`Keyspace::freeze`]): it shares the segments with the live
/// database, which copies a segment before its first write to it.
#[derive(Clone)]
pub(crate) struct Frozen {
    /// Each segment's entries, in segment order (none if never allocated).
    segs: Vec<Arc<Entries<Entry>>>,
    /// The map's hasher, which placed the keys in their segments.
    hasher: Hasher,
    /// Keys in `segs`, expired ones included.
    len: usize,
    /// The database's command time when frozen: entries expired at this
    /// instant are not part of the view.
    now_ms: i64,
}

impl Frozen {
    /// Every entry live at the time of freezing, in keyspace order (the same
    /// order [`Keyspace::entries`] had then).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        let now = self.now_ms;
        self.segs
            .iter()
            .flat_map(|s| s.iter().map(|(k, e)| (k, e)))
            .filter(move |(_, e)| !e.expired_at(now))
    }

    /// The database's command time when frozen, unix ms.
    pub(crate) fn now_ms(&self) -> i64 {
        self.now_ms
    }
}

/// One logical database (`SELECT n`).
pub(crate) struct Keyspace {
    /// The keys, in copy-on-write segments (see [`Segments`]).
    map: Segments,
    /// Keys that have an expiry, sampled by active expiry as Redis samples its
    /// `expires` dict.
    volatile: KeySet,
    /// The running step's time, shared with the store's other databases.
    step: Arc<Step>,
    /// Watched keys → (watchers, modification counter). A write to a watched
    /// key bumps its counter; EXEC compares counters.
    watched: hashbrown::HashMap<Bytes, (u32, u64), Hasher>,
    /// Key → FIFO of waiter ids blocked on it.
    pub(crate) blocked: hashbrown::HashMap<Bytes, VecDeque<u64>, Hasher>,
    /// Waiter id → what it waits for and how to serve it.
    pub(crate) waiters: hashbrown::HashMap<u64, PendingWaiter, Hasher>,
    /// Keys written since the last serve pass that have blocked waiters
    /// (pushed by [`Keyspace::mark_ready`], which also raises the step's flag).
    pub(crate) ready: Vec<Bytes>,
    /// Keys removed because they expired (INFO `expired_keys`).
    pub(crate) expired_keys: u64,
    /// Writes so far (Redis's `server.dirty`): drives the save schedule.
    pub(crate) dirty: u64,
    rng: fastrand::Rng,
}

impl std::fmt::Debug for Keyspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyspace")
            .field("keys", &self.map.len)
            .field("volatile", &self.volatile.len())
            .finish()
    }
}

impl Keyspace {
    /// A database on its own step with the system clock (a database being
    /// loaded before it is swapped into a store).
    pub(crate) fn new(seed: u64) -> Self {
        Self::with_step(seed, Arc::new(Step::new(Arc::new(SystemClock))))
    }

    /// A database of a store whose databases share `step`.
    pub(crate) fn with_step(seed: u64, step: Arc<Step>) -> Self {
        Keyspace {
            map: Segments::new(),
            volatile: KeySet::default(),
            step,
            watched: Default::default(),
            blocked: Default::default(),
            waiters: Default::default(),
            ready: Vec::new(),
            expired_keys: 0,
            dirty: 0,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// Makes room for `additional` more keys (snapshot loading knows the count).
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// Number of keys, counting expired ones not yet removed (as DBSIZE does).
    pub(crate) fn len(&self) -> usize {
        self.map.len
    }

    /// Number of keys with an expiry (INFO keyspace `expires=`).
    pub(crate) fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// The time of the running command (or transaction, or script), unix
    /// ms: the same instant for the whole step (see [`Step`]).
    #[inline]
    pub(crate) fn now_ms(&self) -> i64 {
        self.step.now_ms()
    }

    /// The step's time for a pass over many entries, or `i64::MIN` (before
    /// every expiry) when no key has an expiry, saving the clock read.
    fn now_for_pass(&self) -> i64 {
        if self.volatile.is_empty() {
            i64::MIN
        } else {
            self.now_ms()
        }
    }

    /// True if `e` has expired at the step's time. Reads the clock only for
    /// an entry with an expiry.
    #[inline]
    fn is_expired(&self, e: &Entry) -> bool {
        e.expire_at_ms != Entry::PERSISTENT && e.expire_at_ms <= self.now_ms()
    }

    /// The one hash lookup of an access: where `key` lives if it is live
    /// (`Ok`), else its hash (`Err`), for an insert. A key found expired is
    /// removed first (Redis's lazy expiry), and then counts as absent.
    #[inline]
    fn locate(&mut self, key: &[u8]) -> std::result::Result<At, u64> {
        let hash = self.map.hash(key);
        self.locate_hashed(hash, key).ok_or(hash)
    }

    /// [`Keyspace::locate`] for a key whose hash is known.
    #[inline]
    fn locate_hashed(&mut self, hash: u64, key: &[u8]) -> Option<At> {
        let at = self.map.find_hashed(hash, key)?;
        if self.is_expired(self.map.at(at).1) {
            self.remove_found(key, hash, at);
            self.expired_keys += 1;
            return None;
        }
        Some(at)
    }

    /// Where `key` lives if it is live; removes it if it has expired.
    #[inline]
    fn find_live(&mut self, key: &[u8]) -> Option<At> {
        self.locate(key).ok()
    }

    /// Removes `key`, found at `at` with hash `hash` (no second lookup).
    fn remove_found(&mut self, key: &[u8], hash: u64, at: At) -> Entry {
        let e = self.map.remove_at(hash, at);
        if e.expire_at_ms().is_some() {
            self.volatile.swap_remove(key);
        }
        self.touch(key);
        e
    }

    /// Removes `key` if it has expired; true if it did.
    pub(crate) fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let hash = self.map.hash(key);
        let Some(at) = self.map.find_hashed(hash, key) else {
            return false;
        };
        if !self.is_expired(self.map.at(at).1) {
            return false;
        }
        self.remove_found(key, hash, at);
        self.expired_keys += 1;
        true
    }

    /// The live entry under `key` (lazy expiry applied).
    pub(crate) fn get(&mut self, key: &[u8]) -> Option<&Entry> {
        let at = self.find_live(key)?;
        Some(self.map.at(at).1)
    }

    /// The live entry under `key`, changing nothing (for a read under the
    /// shared store lock, which may not remove a key): `Some(None)` if
    /// missing, `None` if the key has expired at `now_ms()` (called only for
    /// an entry with an expiry); the caller then reads under the exclusive
    /// lock, which removes it.
    #[inline(always)]
    pub(crate) fn peek(&self, key: &[u8], now_ms: &dyn Fn() -> i64) -> Option<Option<&Entry>> {
        let Some(at) = self.map.find(key) else {
            return Some(None);
        };
        let e = self.map.at(at).1;
        if e.expire_at_ms != Entry::PERSISTENT && e.expire_at_ms <= now_ms() {
            return None;
        }
        Some(Some(e))
    }

    /// [`Keyspace::read`] that changes nothing, as [`Keyspace::peek`]:
    /// `None` if the key has expired.
    #[inline(always)]
    pub(crate) fn peek_read<T: Kind>(
        &self,
        key: &[u8],
        now_ms: &dyn Fn() -> i64,
    ) -> Option<Result<Option<&T>>> {
        Some(match self.peek(key, now_ms)? {
            None => Ok(None),
            Some(e) => typed(&e.value).map(Some),
        })
    }

    /// True if `key` exists (and has not expired).
    pub(crate) fn contains(&mut self, key: &[u8]) -> bool {
        self.find_live(key).is_some()
    }

    /// Reads a value of type `T`; `Ok(None)` when missing, `WRONGTYPE` when
    /// the key holds another type.
    pub(crate) fn read<T: Kind>(&mut self, key: &[u8]) -> Result<Option<&T>> {
        match self.get(key) {
            None => Ok(None),
            Some(e) => typed(&e.value).map(Some),
        }
    }

    /// Like [`Keyspace::read`], for modifying in place. Touches WATCH and
    /// signals blocked clients; call [`Keyspace::remove_if_empty`] after
    /// removing elements.
    pub(crate) fn write<T: Kind>(&mut self, key: &[u8]) -> Result<Option<&mut T>> {
        let Some(at) = self.find_live(key) else {
            return Ok(None);
        };
        if T::from_ref(&self.map.at(at).1.value).is_none() {
            return Err(Error::WrongType);
        }
        self.touch(key);
        self.signal_ready(key);
        Ok(T::from_mut(&mut self.map.at_mut(at).value))
    }

    /// Looks `key` up once for a read-modify-write: a live key's value can
    /// be read, then written in place; an absent key (an expired one is
    /// removed first) can be inserted with the hash already computed.
    /// Nothing counts as a write (WATCH, blocked clients) until
    /// [`LiveKey::into_mut`] or [`AbsentKey::insert`].
    pub(crate) fn entry<'a>(&'a mut self, key: &'a [u8]) -> KeyEntry<'a> {
        let hash = self.map.hash(key);
        match self.locate_hashed(hash, key) {
            Some(at) => KeyEntry::Live(LiveKey {
                ks: self,
                key,
                at,
                hash,
            }),
            None => KeyEntry::Absent(AbsentKey {
                ks: self,
                key,
                hash,
            }),
        }
    }

    /// The value of type `T` under `key`, created empty if missing.
    pub(crate) fn write_or_create<T: Kind>(&mut self, key: &[u8]) -> Result<&mut T> {
        let at = match self.locate(key) {
            Ok(at) if T::from_ref(&self.map.at(at).1.value).is_none() => {
                return Err(Error::WrongType);
            }
            Ok(at) => at,
            Err(hash) => self.map.push_new(
                hash,
                Key::copy_from_slice(key),
                Entry::new(T::empty().into_value(), None),
            ),
        };
        self.touch(key);
        self.signal_ready(key);
        Ok(T::from_mut(&mut self.map.at_mut(at).value).unwrap())
    }

    /// Stores `value` under `key`, dropping any expiry (plain `SET`). The
    /// key is converted to a [`Key`] only if it is new (a `&[u8]` is copied
    /// then, a `Bytes` moved in).
    pub(crate) fn set(&mut self, key: impl AsRef<[u8]> + Into<Key>, value: Value) {
        self.set_with_expiry(key, value, None);
    }

    /// Hashes of `keys` for [`Keyspace::insert_loaded`]. Each key is also
    /// looked up, so the memory its insert will touch (segment, table,
    /// entries) is fetched for a whole batch at once, its cache misses
    /// overlapping, instead of one insert at a time.
    pub(crate) fn hash_loaded<'a>(
        &self,
        keys: impl Iterator<Item = &'a [u8]>,
        hashes: &mut Vec<u64>,
    ) {
        hashes.clear();
        let mut found = 0;
        for key in keys {
            let hash = self.map.hash(key);
            if !self.map.segs.is_empty() {
                found += usize::from(
                    self.map.segs[Segments::segment_of(hash)]
                        .find(hash, key)
                        .is_some(),
                );
            }
            hashes.push(hash);
        }
        std::hint::black_box(found);
    }

    /// Adds `key`, whose hash [`Keyspace::hash_loaded`] gave, while loading
    /// a snapshot into a database nobody else can see yet: no WATCH touch,
    /// no blocked-client signal, no dirty count, no old expiry to drop.
    /// Returns false, changing nothing, if `key` is already present (a
    /// corrupt snapshot).
    pub(crate) fn insert_loaded(
        &mut self,
        hash: u64,
        key: Key,
        value: Value,
        expire_at_ms: Option<i64>,
    ) -> bool {
        debug_assert_eq!(hash, self.map.hash(&key));
        let volatile = expire_at_ms.map(|_| key.clone());
        if !self
            .map
            .insert_new(hash, key, Entry::new(value, expire_at_ms))
        {
            return false;
        }
        if let Some(key) = volatile {
            self.volatile.insert(key);
        }
        true
    }

    /// Stores `value` under `key`, keeping the key's current expiry (`SET KEEPTTL`).
    pub(crate) fn set_keep_ttl(&mut self, key: impl AsRef<[u8]> + Into<Key>, value: Value) {
        let k = key.as_ref();
        self.touch(k);
        self.signal_ready(k);
        match self.locate(k) {
            Ok(at) => self.map.at_mut(at).value = value,
            Err(hash) => {
                self.map.push_new(hash, key.into(), Entry::new(value, None));
            }
        }
    }

    /// Stores `value` under `key` with an absolute expiry (or none), with one
    /// lookup. A replaced key keeps its position and its key bytes.
    pub(crate) fn set_with_expiry(
        &mut self,
        key: impl AsRef<[u8]> + Into<Key>,
        value: Value,
        expire_at_ms: Option<i64>,
    ) {
        let k = key.as_ref();
        self.touch(k);
        self.signal_ready(k);
        let entry = Entry::new(value, expire_at_ms);
        match self.locate(k) {
            Ok(at) => {
                self.replace_at(at, k, entry);
            }
            Err(hash) => {
                let key = key.into();
                if expire_at_ms.is_some() {
                    self.volatile.insert(key.clone());
                }
                self.map.push_new(hash, key, entry);
            }
        }
    }

    /// Replaces the entry of `key`, found at `at` (keeping its position and
    /// key bytes), and keeps the expiry index in step. Returns the old entry.
    #[inline]
    fn replace_at(&mut self, at: At, key: &[u8], entry: Entry) -> Entry {
        let has_expiry = entry.expire_at_ms().is_some();
        let e = self.map.at_mut(at);
        let had_expiry = e.expire_at_ms().is_some();
        let old = std::mem::replace(e, entry);
        match (had_expiry, has_expiry) {
            (false, true) => {
                let k = self.map.at(at).0.clone();
                self.volatile.insert(k);
            }
            (true, false) => {
                self.volatile.swap_remove(key);
            }
            _ => {}
        }
        old
    }

    /// Removes `key`; returns what it held (expired or not).
    pub(crate) fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let hash = self.map.hash(key);
        let at = self.map.find_hashed(hash, key)?;
        Some(self.remove_found(key, hash, at))
    }

    /// Deletes `key` if it holds an empty collection (Redis never keeps one).
    pub(crate) fn remove_if_empty(&mut self, key: &[u8]) {
        let hash = self.map.hash(key);
        if let Some(at) = self.map.find_hashed(hash, key)
            && self.map.at(at).1.value.is_empty_collection()
        {
            self.remove_found(key, hash, at);
        }
    }

    /// Absolute expiry of a live key: `None` if missing, `Some(None)` if persistent.
    pub(crate) fn expire_at(&mut self, key: &[u8]) -> Option<Option<i64>> {
        self.get(key).map(|e| e.expire_at_ms())
    }

    /// Sets (or clears, with `None`) the absolute expiry of an existing key.
    /// Returns false if the key does not exist. Does not delete keys whose
    /// time is already past: the EXPIRE commands decide that.
    pub(crate) fn set_expire(&mut self, key: &[u8], at_ms: Option<i64>) -> bool {
        let Some(at) = self.find_live(key) else {
            return false;
        };
        let (k, e) = self.map.at(at);
        let had = e.expire_at_ms().is_some();
        match (had, at_ms.is_some()) {
            (false, true) => {
                let k = k.clone();
                self.volatile.insert(k);
            }
            (true, false) => {
                self.volatile.swap_remove(key);
            }
            _ => {}
        }
        if e.expire_at_ms() != at_ms {
            self.map.at_mut(at).set_expire_at_ms(at_ms);
        }
        self.touch(key);
        true
    }

    /// Every live key (KEYS, FLUSH bookkeeping). Expired keys are skipped, not removed.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &Key> {
        self.entries().map(|(k, _)| k)
    }

    /// Every live entry (snapshots, SCAN TYPE). Expired entries are skipped.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        let now = self.now_for_pass();
        self.map.iter().filter(move |(_, e)| !e.expired_at(now))
    }

    /// A point-in-time view of the data, for a background save: O(segments)
    /// (it clones the segments' `Arc`s), after which writes here copy a
    /// segment before changing it, and the view never changes.
    pub(crate) fn freeze(&self) -> Frozen {
        Frozen {
            segs: self.map.segs.iter().map(Segment::share).collect(),
            hasher: self.map.hasher,
            len: self.map.len,
            now_ms: self.now_ms(),
        }
    }

    /// Replaces the data with a frozen view's (sharing its segments), as live
    /// at the view's time: keys expired then are dropped, the expiry index is
    /// rebuilt. O(keys). For an empty database ([`crate::Store::fork`]).
    pub(crate) fn load_frozen(&mut self, frozen: Frozen) {
        let now_ms = frozen.now_ms;
        self.map = Segments::from_frozen(frozen);
        self.volatile.clear();
        let mut gone = Vec::new();
        for (k, e) in self.map.iter() {
            if e.expired_at(now_ms) {
                gone.push(k.clone());
            } else if e.expire_at_ms().is_some() {
                self.volatile.insert(k.clone());
            }
        }
        for k in gone {
            self.map.swap_remove(&k);
        }
    }

    /// SCAN over the keyspace. The cursor is `index * SEGMENTS + segment`:
    /// segments are visited in order, each by [`scan_indexed`] (whose
    /// contract it keeps: a key present for the whole scan is returned at
    /// least once, since keys never change segment). Cursor `0` starts and
    /// ends; empty segments cost nothing, so a small keyspace comes back whole
    /// in one call. Returns the next cursor and the live keys visited that
    /// pass `keep`.
    pub(crate) fn scan(
        &mut self,
        cursor: u64,
        count: usize,
        mut keep: impl FnMut(&Key, &Entry) -> bool,
    ) -> (u64, Vec<Bytes>) {
        let now = self.now_for_pass();
        let mut out = Vec::new();
        if self.map.len == 0 {
            return (0, out);
        }
        let segs = &self.map.segs;
        let mut s = (cursor % SEGMENTS as u64) as usize;
        let mut inner = cursor / SEGMENTS as u64;
        let mut budget = count.max(1);
        loop {
            let seg = &segs[s];
            if !seg.is_empty() {
                if budget == 0 {
                    // Out of budget at a segment with keys: resume here.
                    return (inner * SEGMENTS as u64 + s as u64, out);
                }
                let mut visited = 0;
                inner = scan_indexed(seg.len(), inner, budget, |i| {
                    visited += 1;
                    let (k, e) = seg.get_index(i).unwrap();
                    if !e.expired_at(now) && keep(k, e) {
                        out.push(k.to_bytes());
                    }
                });
                budget -= visited;
                if inner != 0 {
                    return (inner * SEGMENTS as u64 + s as u64, out);
                }
            }
            inner = 0;
            s += 1;
            if s == SEGMENTS {
                return (0, out);
            }
        }
    }

    /// A random live key (RANDOMKEY), or `None` when empty.
    pub(crate) fn random_key(&mut self) -> Option<Bytes> {
        // Like Redis, retry a bounded number of times when hitting expired keys.
        for _ in 0..100 {
            let at = self.map.random(&mut self.rng)?;
            let key = self.map.at(at).0.clone();
            if !self.expire_if_needed(&key) {
                return Some(key.into());
            }
        }
        None
    }

    /// A random index in `0..len` from this database's generator (SPOP,
    /// SRANDMEMBER, HRANDFIELD, ZRANDMEMBER).
    pub(crate) fn random_index(&mut self, len: usize) -> usize {
        self.rng.usize(..len)
    }

    /// Deletes every key (FLUSHDB). Touches watched keys that existed.
    pub(crate) fn clear(&mut self) {
        self.touch_all_watched();
        self.map = Segments::new();
        self.volatile.clear();
    }

    /// Swaps the data (not the watchers or blocked clients) of two databases (SWAPDB).
    pub(crate) fn swap_data(&mut self, other: &mut Keyspace) {
        self.touch_all_watched();
        other.touch_all_watched();
        std::mem::swap(&mut self.map, &mut other.map);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        self.touch_all_watched();
        other.touch_all_watched();
        // Clients blocked on keys that now exist may be served.
        for ks in [&mut *self, other] {
            let keys: Vec<Bytes> = ks
                .blocked
                .keys()
                .filter(|k| ks.map.find(k).is_some())
                .cloned()
                .collect();
            for key in keys {
                ks.mark_ready(key);
            }
        }
    }

    /// One active-expiry pass, as Redis's `activeExpireCycle` does for a
    /// database: sample up to 20 keys with a TTL, delete the expired ones,
    /// repeat while more than a quarter of a sample had expired and fewer than
    /// `max_rounds` rounds ran. Returns the number of keys deleted.
    pub(crate) fn purge_expired(&mut self, max_rounds: usize) -> usize {
        const SAMPLE: usize = 20;
        let mut deleted = 0;
        for _ in 0..max_rounds {
            let n = self.volatile.len();
            if n == 0 {
                break;
            }
            let sampled = n.min(SAMPLE);
            let mut expired = 0;
            for _ in 0..sampled {
                if self.volatile.is_empty() {
                    break;
                }
                let i = self.rng.usize(..self.volatile.len());
                let key = self.volatile.get_index(i).unwrap().clone();
                if self.expire_if_needed(&key) {
                    expired += 1;
                }
            }
            deleted += expired;
            if expired * 4 <= sampled {
                break;
            }
        }
        deleted
    }

    // ---- WATCH ----------------------------------------------------------

    /// Records that a write happened to `key` (Redis's `signalModifiedKey`).
    #[inline]
    pub(crate) fn touch(&mut self, key: &[u8]) {
        self.dirty += 1;
        if !self.watched.is_empty()
            && let Some((_, version)) = self.watched.get_mut(key)
        {
            *version += 1;
        }
    }

    fn touch_all_watched(&mut self) {
        let now = self.now_for_pass();
        let map = &self.map;
        for (k, (_, version)) in self.watched.iter_mut() {
            if map.get(&k[..]).is_some_and(|e| !e.expired_at(now)) {
                *version += 1;
            }
        }
    }

    /// Starts watching `key`; returns its modification counter.
    pub(crate) fn watch(&mut self, key: &[u8]) -> u64 {
        if !self.watched.contains_key(key) {
            self.watched.insert(Bytes::copy_from_slice(key), (0, 0));
        }
        let e = self.watched.get_mut(key).unwrap();
        e.0 += 1;
        e.1
    }

    /// The modification counter of a watched key.
    pub(crate) fn watch_version(&self, key: &[u8]) -> u64 {
        self.watched.get(key).map_or(0, |e| e.1)
    }

    /// Stops one watcher of `key`.
    pub(crate) fn unwatch(&mut self, key: &[u8]) {
        if let Some(e) = self.watched.get_mut(key) {
            e.0 -= 1;
            if e.0 == 0 {
                self.watched.remove(key);
            }
        }
    }

    // ---- blocking ---------------------------------------------------------

    /// Marks `key` as possibly able to serve blocked clients (Redis's
    /// `signalKeyAsReady`); they are served when the current command or
    /// transaction completes.
    #[inline]
    pub(crate) fn signal_ready(&mut self, key: &[u8]) {
        if !self.blocked.is_empty() && self.blocked.contains_key(key) {
            self.mark_ready(Bytes::copy_from_slice(key));
        }
    }

    /// Queues `key` for a serve pass and raises the step's ready flag.
    fn mark_ready(&mut self, key: Bytes) {
        self.ready.push(key);
        self.step.ready.store(true, Relaxed);
    }
}

/// A key looked up by [`Keyspace::entry`].
pub(crate) enum KeyEntry<'a> {
    /// The key exists and has not expired.
    Live(LiveKey<'a>),
    /// The key does not exist (or had expired, and was removed).
    Absent(AbsentKey<'a>),
}

/// A live key found by [`Keyspace::entry`].
pub(crate) struct LiveKey<'a> {
    ks: &'a mut Keyspace,
    key: &'a [u8],
    at: At,
    hash: u64,
}

impl<'a> LiveKey<'a> {
    /// The value, as type `T`; `WRONGTYPE` if it holds another type.
    pub(crate) fn read<T: Kind>(&self) -> Result<&T> {
        typed(&self.ks.map.at(self.at).1.value)
    }

    /// The value, for writing in place (the expiry is kept). Counts as a
    /// write: touches WATCH and signals blocked clients.
    pub(crate) fn into_mut(self) -> &'a mut Value {
        self.ks.touch(self.key);
        self.ks.signal_ready(self.key);
        &mut self.ks.map.at_mut(self.at).value
    }

    /// The value as type `T`, for writing in place (the expiry is kept);
    /// `WRONGTYPE`, writing nothing, if it holds another type. Counts as a
    /// write, as [`LiveKey::into_mut`].
    pub(crate) fn write<T: Kind>(self) -> Result<&'a mut T> {
        self.read::<T>()?;
        Ok(T::from_mut(self.into_mut()).unwrap())
    }

    /// Replaces the value and drops any expiry (as `SET`); returns what the
    /// key held. Counts as a write.
    pub(crate) fn replace(self, value: Value) -> Entry {
        self.ks.touch(self.key);
        self.ks.signal_ready(self.key);
        self.ks
            .replace_at(self.at, self.key, Entry::new(value, None))
    }

    /// Deletes the key; returns what it held. Counts as a write.
    pub(crate) fn remove(self) -> Entry {
        self.ks.remove_found(self.key, self.hash, self.at)
    }
}

/// An absent key found by [`Keyspace::entry`], with its hash.
pub(crate) struct AbsentKey<'a> {
    ks: &'a mut Keyspace,
    key: &'a [u8],
    hash: u64,
}

impl<'a> AbsentKey<'a> {
    /// Adds the key with `value` and no expiry (no second lookup). Counts
    /// as a write: touches WATCH and signals blocked clients.
    pub(crate) fn insert(self, value: Value) -> &'a mut Value {
        self.ks.touch(self.key);
        self.ks.signal_ready(self.key);
        let at = self.ks.map.push_new(
            self.hash,
            Key::copy_from_slice(self.key),
            Entry::new(value, None),
        );
        &mut self.ks.map.at_mut(at).value
    }
}

/// The SCAN cursor contract over an index-addressed collection whose removals
/// move the *last* element into the hole (`swap_remove`) and whose inserts
/// append: visit indexes from the top down. An element present for the whole
/// scan is never skipped (it can only move down, to an unvisited index, or be
/// seen twice, which Redis allows). Cursor `0` starts; the cursor returned is
/// `next_index + 1`, and `0` when done.
///
/// Calls `visit(i)` for up to `count` indexes, returns the next cursor.
pub(crate) fn scan_indexed(
    len: usize,
    cursor: u64,
    count: usize,
    mut visit: impl FnMut(usize),
) -> u64 {
    if len == 0 {
        return 0;
    }
    // u64 arithmetic: a client may send any cursor up to 2^64-1 (SCAN -1).
    let mut next: i64 = if cursor == 0 {
        len as i64 - 1
    } else {
        (cursor - 1).min(len as u64 - 1) as i64
    };
    let mut visited = 0;
    while next >= 0 && visited < count.max(1) {
        visit(next as usize);
        next -= 1;
        visited += 1;
    }
    (next + 1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_indexed_visits_everything_once_without_changes() {
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = scan_indexed(25, cursor, 10, |i| seen.push(i));
            if cursor == 0 {
                break;
            }
        }
        seen.sort();
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
    }

    #[test]
    fn expired_keys_are_invisible_and_removed_on_access() {
        let mut ks = Keyspace::new(1);
        ks.step.now_ms.store(1000, Relaxed);
        ks.set_with_expiry(Bytes::from("k"), Value::from(Bytes::from("v")), Some(1500));
        assert!(ks.contains(b"k"));
        assert_eq!(ks.volatile_len(), 1);
        ks.step.now_ms.store(1500, Relaxed);
        assert!(!ks.contains(b"k"));
        assert_eq!(ks.len(), 0);
        assert_eq!(ks.volatile_len(), 0);
    }
    fn string(v: &str) -> Value {
        Value::String(CompactBytes::from(v))
    }

    /// Runs a whole SCAN with `count`, calling `between` after each step.
    fn full_scan(
        ks: &mut Keyspace,
        count: usize,
        mut between: impl FnMut(&mut Keyspace),
    ) -> Vec<Bytes> {
        let mut cursor = 0;
        let mut seen = Vec::new();
        loop {
            let (next, keys) = ks.scan(cursor, count, |_, _| true);
            seen.extend(keys);
            if next == 0 {
                return seen;
            }
            cursor = next;
            between(ks);
        }
    }

    #[test]
    fn keys_spread_over_the_segments() {
        let mut ks = Keyspace::new(1);
        for i in 0..20_000 {
            ks.set(Bytes::from(format!("key:{i}")), string("v"));
        }
        let used = ks.map.segs.iter().filter(|s| !s.is_empty()).count();
        let biggest = ks.map.segs.iter().map(|s| s.len()).max().unwrap();
        // 20000 keys over 4096 segments: about 4.9 per segment.
        assert!(used > SEGMENTS * 9 / 10, "{used} segments used");
        assert!(biggest < 25, "a segment has {biggest} keys");
        assert_eq!(ks.len(), 20_000);
    }

    #[test]
    fn a_frozen_view_keeps_its_instant_through_every_kind_of_write() {
        let mut ks = Keyspace::new(1);
        ks.step.now_ms.store(1000, Relaxed);
        for i in 0..5000 {
            ks.set(Bytes::from(format!("k{i}")), string(&i.to_string()));
        }
        ks.set_with_expiry(Bytes::from("ttl"), string("t"), Some(2000));
        ks.write_or_create::<crate::value::List>(b"list")
            .unwrap()
            .push_back("a".into());
        let frozen = ks.freeze();
        let expect: Vec<(Key, Entry)> = ks.entries().map(|(k, e)| (k.clone(), e.clone())).collect();

        for i in 0..5000 {
            match i % 4 {
                0 => {
                    ks.remove(format!("k{i}").as_bytes());
                }
                1 => ks.set(Bytes::from(format!("k{i}")), string("new")),
                2 => {
                    ks.set_expire(format!("k{i}").as_bytes(), Some(1500));
                }
                _ => ks.set(Bytes::from(format!("n{i}")), string("added")),
            }
        }
        ks.write::<crate::value::List>(b"list")
            .unwrap()
            .unwrap()
            .push_back("b".into());
        ks.step.now_ms.store(3000, Relaxed);
        assert!(!ks.contains(b"ttl"));
        assert!(ks.purge_expired(1000) > 0);

        let got: Vec<(Key, Entry)> = frozen
            .entries()
            .map(|(k, e)| (k.clone(), e.clone()))
            .collect();
        assert_eq!(got, expect);
        assert_eq!(frozen.len, 5002);
        ks.clear();
        assert_eq!(frozen.entries().count(), 5002);
    }

    #[test]
    fn scan_cursor_zero_starts_and_ends_and_any_cursor_is_safe() {
        let mut ks = Keyspace::new(1);
        assert_eq!(ks.scan(0, 10, |_, _| true), (0, vec![]));
        for k in ["a", "b", "c"] {
            ks.set(Bytes::from(k), string("v"));
        }
        // Three keys in (likely) three segments, COUNT 3: all in one call.
        let (next, mut keys) = ks.scan(0, 3, |_, _| true);
        keys.sort();
        assert_eq!(
            (next, keys),
            (
                0,
                vec![Bytes::from("a"), Bytes::from("b"), Bytes::from("c")]
            )
        );
        assert_eq!(full_scan(&mut ks, 1, |_| {}).len(), 3);
        // A cursor a client made up (never one we returned) still ends.
        for start in [1, 4095, 4096, 1 << 40, u64::MAX] {
            let mut cursor = start;
            let mut steps = 0;
            loop {
                let (next, keys) = ks.scan(cursor, 1, |_, _| true);
                assert!(keys.len() <= 1);
                steps += 1;
                if next == 0 {
                    break;
                }
                assert!(steps < 10, "cursor {start} does not end");
                cursor = next;
            }
        }
    }

    #[test]
    fn random_key_finds_the_only_key_of_a_sparse_keyspace() {
        let mut ks = Keyspace::new(7);
        assert_eq!(ks.random_key(), None);
        ks.set(Bytes::from("only"), string("v"));
        for _ in 0..200 {
            assert_eq!(ks.random_key(), Some(Bytes::from("only")));
        }
        ks.set(Bytes::from("two"), string("v"));
        let mut seen = hashbrown::HashSet::new();
        for _ in 0..200 {
            seen.insert(ks.random_key().unwrap());
        }
        assert_eq!(seen.len(), 2);
        // Only expired keys: they are removed and nothing is returned.
        ks.remove(b"two");
        ks.set_expire(b"only", Some(10));
        ks.step.now_ms.store(10, Relaxed);
        assert_eq!(ks.random_key(), None);
        assert_eq!(ks.len(), 0);
    }

    #[test]
    fn random_key_is_uniform_over_a_sparse_keyspace() {
        // 10 keys in (most likely) 10 of the 4096 segments, wherever the
        // process's hash seed puts them: each should come up 1/10 of the
        // time. 20,000 draws give each a count of 2,000 +- 42 (one standard
        // deviation); the bounds are 10 deviations wide. Picking "the first
        // non-empty segment after a random start" fails this whenever two
        // keys' segments are close.
        let mut ks = Keyspace::new(11);
        let keys: Vec<Bytes> = (0..10).map(|i| Bytes::from(format!("k{i}"))).collect();
        for key in &keys {
            ks.set(key.clone(), string("v"));
        }
        let mut counts = hashbrown::HashMap::new();
        for _ in 0..20_000 {
            *counts.entry(ks.random_key().unwrap()).or_insert(0) += 1;
        }
        for key in &keys {
            let n = counts.get(key).copied().unwrap_or(0);
            assert!((1_580..=2_420).contains(&n), "{key:?} drawn {n} times");
        }
    }

    proptest::proptest! {
        #[test]
        fn scan_returns_keys_present_throughout_at_least_once(
            initial in 0usize..3000,
            count in 1usize..200,
            churn in proptest::collection::vec((proptest::bool::ANY, 0usize..6000), 0..400),
        ) {
            let mut ks = Keyspace::new(3);
            for i in 0..initial {
                ks.set(Bytes::from(format!("k{i}")), string("v"));
            }
            // Keys below initial/2 stay; the others and new ones churn.
            let stay = initial / 2;
            let mut steps = churn.into_iter();
            let seen: hashbrown::HashSet<Bytes> = full_scan(&mut ks, count, |ks| {
                for (insert, n) in steps.by_ref().take(5) {
                    let key = format!("k{}", stay + n);
                    if insert {
                        ks.set(Bytes::from(key), string("v"));
                    } else {
                        ks.remove(key.as_bytes());
                    }
                }
            })
            .into_iter()
            .collect();
            for i in 0..stay {
                let key = format!("k{i}");
                proptest::prop_assert!(seen.contains(key.as_bytes()), "missed {}", key);
            }
        }

        #[test]
        fn scan_without_changes_returns_every_key_exactly_once(n in 0usize..3000, count in 1usize..500) {
            let mut ks = Keyspace::new(5);
            for i in 0..n {
                ks.set(Bytes::from(format!("k{i}")), string("v"));
            }
            let mut seen = full_scan(&mut ks, count, |_| {});
            seen.sort();
            let mut want: Vec<Bytes> = (0..n).map(|i| Bytes::from(format!("k{i}"))).collect();
            want.sort();
            proptest::prop_assert_eq!(seen, want);
        }
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// What a key costs in its segment's entry vector: the key, the value
    /// and the expiry (plus the index map's stored hash).
    #[test]
    fn entry_and_key_sizes_are_pinned() {
        assert_eq!(std::mem::size_of::<Key>(), 24);
        assert_eq!(std::mem::size_of::<Entry>(), 32);
    }
}
