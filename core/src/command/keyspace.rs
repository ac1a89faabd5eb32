//! The generic (keyspace) command group (Redis `db.c`, `expire.c`,
//! `object.c`, `sort.c`), plus the keyspace-wide server commands DBSIZE,
//! FLUSHDB, FLUSHALL and SWAPDB (group `server`).
//!
//! As in `string.rs`, each command's meaning is a `pub(crate)` function on a
//! [`Keyspace`] (or on every database, for the cross-database ones) that the
//! typed methods in `api/keyspace.rs` call too.

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, container, parse_i64, spec};
use crate::keyspace::Keyspace;
use crate::sort::{self, SortOptions, SortOutput};
use crate::store::State;
use crate::value::Value;
use crate::{Error, Reply, Result, glob};

const G: &str = "generic";
const S: &str = "server";
const K1: KeySpec = KeySpec::range(1, 1, 1);
const K2: KeySpec = KeySpec::range(2, 2, 1);
const ALL: KeySpec = KeySpec::range(1, -1, 1);

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec(
        "copy",
        -3,
        WRITE | DENYOOM,
        KeySpec::range(1, 2, 1),
        G,
        copy_cmd,
    ),
    spec("del", -2, WRITE, ALL, G, del_cmd),
    spec("exists", -2, READONLY | FAST, ALL, G, exists_cmd),
    spec("expire", -3, WRITE | FAST, K1, G, expire_cmd),
    spec("expireat", -3, WRITE | FAST, K1, G, expireat_cmd),
    spec("expiretime", 2, READONLY | FAST, K1, G, expiretime_cmd),
    spec("keys", 2, READONLY, KeySpec::NONE, G, keys_cmd),
    spec("move", 3, WRITE | FAST, K1, G, move_cmd),
    container("object", G, OBJECT),
    spec("persist", 2, WRITE | FAST, K1, G, persist_cmd),
    spec("pexpire", -3, WRITE | FAST, K1, G, pexpire_cmd),
    spec("pexpireat", -3, WRITE | FAST, K1, G, pexpireat_cmd),
    spec("pexpiretime", 2, READONLY | FAST, K1, G, pexpiretime_cmd),
    spec("pttl", 2, READONLY | FAST, K1, G, pttl_cmd),
    spec("randomkey", 1, READONLY, KeySpec::NONE, G, randomkey_cmd),
    spec("rename", 3, WRITE, KeySpec::range(1, 2, 1), G, rename_cmd),
    spec(
        "renamenx",
        3,
        WRITE | FAST,
        KeySpec::range(1, 2, 1),
        G,
        renamenx_cmd,
    ),
    spec("scan", -2, READONLY, KeySpec::NONE, G, scan_cmd),
    spec("sort", -2, WRITE | DENYOOM | MOVABLEKEYS, K1, G, sort_cmd),
    spec("sort_ro", -2, READONLY | MOVABLEKEYS, K1, G, sort_ro_cmd),
    spec("touch", -2, READONLY | FAST, ALL, G, touch_cmd),
    spec("ttl", 2, READONLY | FAST, K1, G, ttl_cmd),
    spec("type", 2, READONLY | FAST, K1, G, type_cmd),
    spec("unlink", -2, WRITE | FAST, ALL, G, del_cmd),
    spec("dbsize", 1, READONLY | FAST, KeySpec::NONE, S, dbsize_cmd),
    spec("flushall", -1, WRITE, KeySpec::NONE, S, flushall_cmd),
    spec("flushdb", -1, WRITE, KeySpec::NONE, S, flushdb_cmd),
    spec("swapdb", 3, WRITE | FAST, KeySpec::NONE, S, swapdb_cmd),
];

static OBJECT: &[CommandSpec] = &[
    spec("encoding", 3, READONLY, K2, G, object_encoding_cmd),
    spec("freq", 3, READONLY, K2, G, object_freq_cmd),
    spec(
        "help",
        2,
        LOADING | STALE,
        KeySpec::NONE,
        G,
        object_help_cmd,
    ),
    spec("idletime", 3, READONLY, K2, G, object_idletime_cmd),
    spec("refcount", 3, READONLY, K2, G, object_refcount_cmd),
];

// ---- public option and result types ------------------------------------------

/// A key's time to live, as `TTL` / `PTTL` report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The key does not exist (Redis: `-2`).
    Missing,
    /// The key exists and has no expiry (Redis: `-1`).
    Persistent,
    /// Seconds left, rounded to nearest ([`Db::ttl`](crate::Db::ttl)).
    Seconds(i64),
    /// Milliseconds left ([`Db::pttl`](crate::Db::pttl)).
    Millis(i64),
}

impl Ttl {
    /// The integer Redis replies with: `-2`, `-1` or the time left.
    pub fn as_redis(self) -> i64 {
        match self {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            Ttl::Seconds(n) | Ttl::Millis(n) => n,
        }
    }
}

/// Conditions of `EXPIRE key time [NX|XX|GT|LT]` (and PEXPIRE, EXPIREAT,
/// PEXPIREAT). Combinations are checked as Redis does: `NX` with any other
/// is [`Error::ExpireNxConflict`], `GT` with `LT` is [`Error::ExpireGtLtConflict`];
/// `XX` may be combined with `GT` or `LT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExpireOptions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl ExpireOptions {
    /// No condition.
    pub fn new() -> Self {
        Self::default()
    }
    /// `NX`: only if the key has no expiry.
    pub fn nx(mut self) -> Self {
        self.nx = true;
        self
    }
    /// `XX`: only if the key has an expiry.
    pub fn xx(mut self) -> Self {
        self.xx = true;
        self
    }
    /// `GT`: only if the new expiry is later (no expiry counts as infinite).
    pub fn gt(mut self) -> Self {
        self.gt = true;
        self
    }
    /// `LT`: only if the new expiry is sooner (no expiry counts as infinite).
    pub fn lt(mut self) -> Self {
        self.lt = true;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.nx && (self.xx || self.gt || self.lt) {
            return Err(Error::ExpireNxConflict);
        }
        if self.gt && self.lt {
            return Err(Error::ExpireGtLtConflict);
        }
        Ok(())
    }
}

/// Options of `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    pub(crate) pattern: Option<Bytes>,
    pub(crate) count: usize,
    pub(crate) type_name: Option<Bytes>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            pattern: None,
            count: 10,
            type_name: None,
        }
    }
}

impl ScanOptions {
    /// Defaults: every key, `COUNT 10`.
    pub fn new() -> Self {
        Self::default()
    }
    /// `MATCH pattern`: a Redis glob ([`crate::glob`]).
    pub fn pattern(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.pattern = Some(Bytes::copy_from_slice(pattern.as_ref()));
        self
    }
    /// `COUNT count`: how many slots to visit per call (a hint, at least 1).
    pub fn count(mut self, count: usize) -> Self {
        self.count = count.max(1);
        self
    }
    /// `TYPE type`: only keys of this type (`string`, `list`, `hash`, `set`, `zset`).
    pub fn type_name(mut self, type_name: impl AsRef<[u8]>) -> Self {
        self.type_name = Some(Bytes::copy_from_slice(type_name.as_ref()));
        self
    }
}

/// Options of `COPY source destination [DB index] [REPLACE]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CopyOptions {
    db: Option<usize>,
    replace: bool,
}

impl CopyOptions {
    /// Same database, no replace.
    pub fn new() -> Self {
        Self::default()
    }
    /// `DB index`: copy into another database.
    pub fn db(mut self, index: usize) -> Self {
        self.db = Some(index);
        self
    }
    /// `REPLACE`: overwrite an existing destination.
    pub fn replace(mut self) -> Self {
        self.replace = true;
        self
    }
}

// ---- type-level functions --------------------------------------------------------

/// `DEL` / `UNLINK`: number of keys removed (a repeated key counts once).
pub(crate) fn del(db: &mut Keyspace, keys: &[Bytes]) -> usize {
    keys.iter()
        .filter(|k| {
            db.expire_if_needed(k);
            db.remove(k).is_some()
        })
        .count()
}

/// `EXISTS`: number of existing keys (a repeated key counts each time).
pub(crate) fn exists(db: &mut Keyspace, keys: &[Bytes]) -> usize {
    keys.iter().filter(|k| db.contains(k)).count()
}

/// Turns an EXPIRE-family time argument into unix ms, with Redis's overflow
/// checks. `unit_ms` is 1000 for seconds; `base_ms` is now for relative
/// commands and 0 for the `AT` ones.
pub(crate) fn expire_time_ms(
    n: i64,
    unit_ms: i64,
    base_ms: i64,
    command: &'static str,
) -> Result<i64> {
    let bad = Error::InvalidExpireTime { command };
    let when = if unit_ms == 1000 {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&n) {
            return Err(bad);
        }
        n * 1000
    } else {
        n
    };
    if when > i64::MAX - base_ms {
        return Err(bad);
    }
    Ok(when + base_ms)
}

/// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with the time already in unix ms:
/// true if the expiry was set (or the key deleted because the time is past),
/// false if the key is missing or a condition failed.
pub(crate) fn expire_at(
    db: &mut Keyspace,
    key: &[u8],
    when_ms: i64,
    o: &ExpireOptions,
) -> Result<bool> {
    o.validate()?;
    let Some(current) = db.expire_at(key) else {
        return Ok(false);
    };
    if (o.nx && current.is_some())
        || (o.xx && current.is_none())
        || (o.gt && current.is_none_or(|c| when_ms <= c))
        || (o.lt && current.is_some_and(|c| when_ms >= c))
    {
        return Ok(false);
    }
    if when_ms <= db.now_ms() {
        db.remove(key);
    } else {
        db.set_expire(key, Some(when_ms));
    }
    Ok(true)
}

/// The EXPIRE family from its arguments: validates the options, converts
/// the time, applies it.
pub(crate) fn expire_generic(
    db: &mut Keyspace,
    key: &[u8],
    time: i64,
    unit_ms: i64,
    absolute: bool,
    o: &ExpireOptions,
    command: &'static str,
) -> Result<bool> {
    o.validate()?;
    let base = if absolute { 0 } else { db.now_ms() };
    let when = expire_time_ms(time, unit_ms, base, command)?;
    expire_at(db, key, when, o)
}

/// `PTTL` as a [`Ttl::Millis`] (or Missing / Persistent).
pub(crate) fn pttl(db: &mut Keyspace, key: &[u8]) -> Ttl {
    match db.expire_at(key) {
        None => Ttl::Missing,
        Some(None) => Ttl::Persistent,
        Some(Some(at)) => Ttl::Millis((at - db.now_ms()).max(0)),
    }
}

/// Milliseconds to the nearest second, as Redis's `(ms + 500) / 1000`
/// (without overflowing near `i64::MAX`).
fn round_to_seconds(ms: i64) -> i64 {
    ((ms as i128 + 500) / 1000) as i64
}

/// `TTL`: milliseconds rounded to the nearest second, as Redis does.
pub(crate) fn ttl(db: &mut Keyspace, key: &[u8]) -> Ttl {
    match pttl(db, key) {
        Ttl::Millis(ms) => Ttl::Seconds(round_to_seconds(ms)),
        other => other,
    }
}

/// `PERSIST`: true if an expiry was removed.
pub(crate) fn persist(db: &mut Keyspace, key: &[u8]) -> bool {
    match db.expire_at(key) {
        Some(Some(_)) => db.set_expire(key, None),
        _ => false,
    }
}

/// `KEYS pattern`: every live key matching the glob, in keyspace order.
pub(crate) fn keys(db: &mut Keyspace, pattern: &[u8]) -> Vec<Bytes> {
    let all = pattern == b"*";
    db.keys()
        .filter(|k| all || glob::matches(pattern, k))
        .map(|k| k.to_bytes())
        .collect()
}

/// `SCAN`: the next cursor and the keys found in this step.
pub(crate) fn scan(db: &mut Keyspace, cursor: u64, o: &ScanOptions) -> (u64, Vec<Bytes>) {
    let pattern = o.pattern.as_deref().filter(|p| *p != b"*");
    db.scan(cursor, o.count, |k, e| {
        pattern.is_none_or(|p| glob::matches(p, k))
            && o.type_name
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case(e.value.type_name().as_bytes()))
    })
}

/// `TYPE`: the type name, `None` for a missing key (Redis: `none`).
pub(crate) fn type_of(db: &mut Keyspace, key: &[u8]) -> Option<&'static str> {
    db.get(key).map(|e| e.value.type_name())
}

/// `RENAME` (`nx` false) / `RENAMENX` (`nx` true): the value and its
/// expiry move to `dst`. Returns whether it was renamed (RENAME of a key onto
/// itself counts as renamed; RENAMENX of one does not).
///
/// # Errors
/// [`Error::NoSuchKey`] if `src` does not exist.
pub(crate) fn rename(db: &mut Keyspace, src: &[u8], dst: Bytes, nx: bool) -> Result<bool> {
    if !db.contains(src) {
        return Err(Error::NoSuchKey);
    }
    if src == &dst[..] {
        return Ok(!nx);
    }
    if nx && db.contains(&dst) {
        return Ok(false);
    }
    let e = db.remove(src).unwrap();
    let at = e.expire_at_ms();
    db.set_with_expiry(dst, e.value, at);
    Ok(true)
}

/// A database index argument of MOVE / COPY as Redis's
/// `getIntFromObjectOrReply` + `selectDb` check it: an integer, then a C
/// `int`, then in range.
fn db_index(raw: &[u8], databases: usize) -> Result<usize> {
    let n = parse_i64(raw).ok_or(Error::NotInteger)?;
    if i32::try_from(n).is_err() {
        return Err(Error::IntOutOfRange);
    }
    if n < 0 || n as usize >= databases {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// `MOVE key db`: true if moved (false if missing here or present there).
///
/// # Errors
/// [`Error::SameObject`] when `from == to`; [`Error::DbIndexOutOfRange`].
pub(crate) fn move_key(st: &mut State, from: usize, key: &[u8], to: usize) -> Result<bool> {
    if to >= st.dbs.len() {
        return Err(Error::DbIndexOutOfRange);
    }
    if from == to {
        return Err(Error::SameObject);
    }
    if !st.dbs[from].contains(key) || st.dbs[to].contains(key) {
        return Ok(false);
    }
    let e = st.dbs[from].remove(key).unwrap();
    let at = e.expire_at_ms();
    st.dbs[to].set_with_expiry(key, e.value, at);
    Ok(true)
}

/// `COPY src dst [DB to] [REPLACE]`: true if copied, with the expiry.
///
/// # Errors
/// [`Error::SameObject`] for the same key in the same database;
/// [`Error::DbIndexOutOfRange`].
pub(crate) fn copy(
    st: &mut State,
    from: usize,
    src: &[u8],
    dst: Bytes,
    o: &CopyOptions,
) -> Result<bool> {
    let to = o.db.unwrap_or(from);
    if to >= st.dbs.len() {
        return Err(Error::DbIndexOutOfRange);
    }
    if from == to && src == &dst[..] {
        return Err(Error::SameObject);
    }
    let Some(e) = st.dbs[from].get(src) else {
        return Ok(false);
    };
    let (value, expire) = (e.value.clone(), e.expire_at_ms());
    if st.dbs[to].contains(&dst) && !o.replace {
        return Ok(false);
    }
    st.dbs[to].set_with_expiry(dst, value, expire);
    Ok(true)
}

/// `SWAPDB a b`.
///
/// # Errors
/// [`Error::DbIndexOutOfRange`].
pub(crate) fn swapdb(st: &mut State, a: usize, b: usize) -> Result<()> {
    let n = st.dbs.len();
    if a >= n || b >= n {
        return Err(Error::DbIndexOutOfRange);
    }
    if a != b {
        let (lo, hi) = (a.min(b), a.max(b));
        let (left, right) = st.dbs.split_at_mut(hi);
        left[lo].swap_data(&mut right[0]);
    }
    Ok(())
}

/// `FLUSHALL`.
pub(crate) fn flushall(st: &mut State) {
    for db in &mut st.dbs {
        db.clear();
    }
}

/// What `OBJECT ENCODING` reports in Redis 7.0 for this value, computed from
/// its current contents with 7.0's default thresholds. Redis never converts
/// an encoding back (a hash that once had 513 fields stays `hashtable`), and
/// APPEND/SETRANGE leave a string `raw`; we report what a fresh value with
/// the same contents would have.
pub(crate) fn encoding(v: &Value) -> &'static str {
    match v {
        Value::String(s) => {
            if s.len() <= 20 && parse_i64(s).is_some() {
                "int"
            } else if s.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
        // list-max-listpack-size -2 (8 kB nodes): 7.0 always reports quicklist.
        Value::List(_) => "quicklist",
        Value::Hash(h) => {
            if h.len() <= 512 && h.iter().all(|(k, v)| k.len() <= 64 && v.len() <= 64) {
                "listpack"
            } else {
                "hashtable"
            }
        }
        Value::Set(s) => {
            if s.len() <= 512 && s.iter().all(|m| parse_i64(m).is_some()) {
                "intset"
            } else {
                "hashtable"
            }
        }
        Value::ZSet(z) => {
            if z.len() <= 128 && z.iter().all(|(m, _)| m.len() <= 64) {
                "listpack"
            } else {
                "skiplist"
            }
        }
    }
}

/// What `OBJECT REFCOUNT` reports: Redis shares the integers 0..=9999
/// (reported as `INT_MAX`); every other value has one reference.
pub(crate) fn refcount(v: &Value) -> i64 {
    match v {
        Value::String(s) if parse_i64(s).is_some_and(|n| (0..10_000).contains(&n)) => {
            i32::MAX as i64
        }
        _ => 1,
    }
}

// ---- handlers ----------------------------------------------------------------------

fn del_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let keys = args.rest();
    Ok(Reply::count(del(cx.db(), &keys)))
}

fn exists_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let keys = args.rest();
    Ok(Reply::count(exists(cx.db(), &keys)))
}

/// `TOUCH key [key ...]`: number of existing keys. (No LRU clock to update.)
fn touch_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let keys = args.rest();
    Ok(Reply::count(exists(cx.db(), &keys)))
}

/// The `NX|XX|GT|LT` words after an EXPIRE-family time, checked before the
/// time itself is parsed (Redis's order).
fn parse_expire_options(args: &mut Args) -> Result<ExpireOptions> {
    let mut o = ExpireOptions::new();
    for opt in args.rest() {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => o.nx = true,
            b"xx" => o.xx = true,
            b"gt" => o.gt = true,
            b"lt" => o.lt = true,
            _ => {
                return Err(Error::UnsupportedOption {
                    option: String::from_utf8_lossy(&opt).into_owned(),
                });
            }
        }
    }
    o.validate()?;
    Ok(o)
}

fn expire_family(
    cx: &mut Cx<'_>,
    args: &mut Args,
    unit_ms: i64,
    absolute: bool,
    command: &'static str,
) -> Result<Reply> {
    let key = args.key()?;
    let raw = args.next()?;
    let o = parse_expire_options(args)?;
    let time = parse_i64(&raw).ok_or(Error::NotInteger)?;
    let done = expire_generic(cx.db(), &key, time, unit_ms, absolute, &o, command)?;
    Ok(Reply::Integer(done as i64))
}

fn expire_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    expire_family(cx, args, 1000, false, "expire")
}

fn pexpire_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    expire_family(cx, args, 1, false, "pexpire")
}

fn expireat_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    expire_family(cx, args, 1000, true, "expireat")
}

fn pexpireat_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    expire_family(cx, args, 1, true, "pexpireat")
}

fn ttl_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::Integer(ttl(cx.db(), &key).as_redis()))
}

fn pttl_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::Integer(pttl(cx.db(), &key).as_redis()))
}

/// `EXPIRETIME` / `PEXPIRETIME`: absolute unix time, -1 / -2 as for TTL.
fn expiretime_generic(cx: &mut Cx<'_>, args: &mut Args, ms: bool) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::Integer(match cx.db().expire_at(&key) {
        None => -2,
        Some(None) => -1,
        Some(Some(at)) if ms => at.max(0),
        Some(Some(at)) => round_to_seconds(at.max(0)),
    }))
}

fn expiretime_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    expiretime_generic(cx, args, false)
}

fn pexpiretime_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    expiretime_generic(cx, args, true)
}

fn persist_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::Integer(persist(cx.db(), &key) as i64))
}

fn keys_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let pattern = args.next()?;
    Ok(Reply::bulks(keys(cx.db(), &pattern)))
}

/// A SCAN cursor as Redis's `parseScanCursorOrReply` reads it (`strtoul`):
/// optional sign (a negative cursor wraps), decimal digits, nothing else; the
/// empty string is 0.
pub(crate) fn parse_cursor(raw: &[u8]) -> Result<u64> {
    let (neg, digits) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    if raw.is_empty() {
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::InvalidCursor);
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((d - b'0') as u64))
            .ok_or(Error::InvalidCursor)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`.
fn scan_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let cursor = parse_cursor(&args.next()?)?;
    let mut o = ScanOptions::new();
    while let Some(opt) = args.peek().cloned() {
        args.next()?;
        let has_value = !args.is_empty();
        if opt.eq_ignore_ascii_case(b"count") && has_value {
            let n = args.i64()?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            o.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt.eq_ignore_ascii_case(b"match") && has_value {
            o.pattern = Some(args.next()?);
        } else if opt.eq_ignore_ascii_case(b"type") && has_value {
            o.type_name = Some(args.next()?);
        } else {
            return Err(Error::Syntax);
        }
    }
    let (next, keys) = scan(cx.db(), cursor, &o);
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::bulks(keys),
    ]))
}

fn randomkey_cmd(cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    Ok(Reply::bulk_or_null(cx.db().random_key()))
}

fn type_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::simple(type_of(cx.db(), &key).unwrap_or("none")))
}

fn rename_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (src, dst) = (args.key()?, args.key()?);
    rename(cx.db(), &src, dst, false)?;
    Ok(Reply::OK)
}

fn renamenx_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (src, dst) = (args.key()?, args.key()?);
    Ok(Reply::Integer(rename(cx.db(), &src, dst, true)? as i64))
}

/// `MOVE key db`: the index is checked before the key.
fn move_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let to = db_index(&args.next()?, cx.databases())?;
    let from = cx.db;
    Ok(Reply::Integer(move_key(cx.state, from, &key, to)? as i64))
}

/// `COPY source destination [DB index] [REPLACE]`.
fn copy_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (src, dst) = (args.key()?, args.key()?);
    let mut o = CopyOptions::new();
    while let Some(opt) = args.peek().cloned() {
        args.next()?;
        if opt.eq_ignore_ascii_case(b"replace") {
            o.replace = true;
        } else if opt.eq_ignore_ascii_case(b"db") && !args.is_empty() {
            o.db = Some(db_index(&args.next()?, cx.databases())?);
        } else {
            return Err(Error::Syntax);
        }
    }
    let from = cx.db;
    Ok(Reply::Integer(copy(cx.state, from, &src, dst, &o)? as i64))
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]`.
fn sort_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    sort_generic(cx, args, false)
}

/// `SORT_RO`: SORT without STORE.
fn sort_ro_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    sort_generic(cx, args, true)
}

fn sort_generic(cx: &mut Cx<'_>, args: &mut Args, readonly: bool) -> Result<Reply> {
    let key = args.key()?;
    let mut o = SortOptions::parse(args, readonly)?;
    if crate::scripting::in_script(cx) {
        o = o.in_script();
    }
    Ok(match sort::sort(cx.db(), &key, &o)? {
        SortOutput::Values(v) => Reply::Array(v.into_iter().map(Reply::bulk_or_null).collect()),
        SortOutput::Stored(n) => Reply::count(n),
    })
}

fn object_encoding_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(match cx.db().get(&key) {
        None => Reply::Null,
        Some(e) => Reply::bulk(encoding(&e.value)),
    })
}

fn object_refcount_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(match cx.db().get(&key) {
        None => Reply::Null,
        Some(e) => Reply::Integer(refcount(&e.value)),
    })
}

/// `OBJECT IDLETIME`: we keep no access clock, so every key reads as just used.
fn object_idletime_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(match cx.db().get(&key) {
        None => Reply::Null,
        Some(_) => Reply::Integer(0),
    })
}

/// `OBJECT FREQ`: Redis's error for a non-LFU `maxmemory-policy`, the only
/// policy we have (noeviction).
fn object_freq_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    match cx.db().get(&key) {
        None => Ok(Reply::Null),
        Some(_) => Err(Error::LfuNotSelected),
    }
}

fn object_help_cmd(_cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    const HELP: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(
        HELP.iter().copied().map(Reply::simple).collect(),
    ))
}

fn dbsize_cmd(cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    Ok(Reply::count(cx.db().len()))
}

/// The optional `ASYNC|SYNC` of FLUSHDB/FLUSHALL (both flush at once here).
fn parse_flush_mode(args: &mut Args) -> Result<()> {
    match args.rest_ref() {
        [] => Ok(()),
        [m] if m.eq_ignore_ascii_case(b"async") || m.eq_ignore_ascii_case(b"sync") => Ok(()),
        _ => Err(Error::Syntax),
    }
}

fn flushdb_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    parse_flush_mode(args)?;
    cx.db().clear();
    Ok(Reply::OK)
}

fn flushall_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    parse_flush_mode(args)?;
    flushall(cx.state);
    Ok(Reply::OK)
}

/// `SWAPDB index1 index2`: both indexes are parsed before the range check.
fn swapdb_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let parse = |raw: &[u8], err: Error| {
        parse_i64(raw)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or(err)
    };
    let a = parse(&args.next()?, Error::InvalidFirstDbIndex)?;
    let b = parse(&args.next()?, Error::InvalidSecondDbIndex)?;
    let n = cx.databases() as i64;
    if !(0..n).contains(&a) || !(0..n).contains(&b) {
        return Err(Error::DbIndexOutOfRange);
    }
    swapdb(cx.state, a as usize, b as usize)?;
    Ok(Reply::OK)
}
