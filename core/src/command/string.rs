//! The string command group (Redis `t_string.c`).
//!
//! Each command has a type-level function (`pub(crate)`, on a [`Keyspace`])
//! called both by its handler here and by the typed method on
//! [`Db`](crate::Db) in `api/string.rs`; handlers only parse arguments in
//! Redis's order and shape replies.

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, parse_i64, spec};
use crate::keyspace::{Entry, Key, KeyEntry, Keyspace};
use crate::ld::{self, IncrFloatError};
use crate::value::{CompactBytes, Value};
use crate::{Error, Reply, Result};

const G: &str = "string";
const K1: KeySpec = KeySpec::range(1, 1, 1);

/// Redis's default `proto-max-bulk-len`: no string may grow past 512 MB.
pub(crate) const PROTO_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("append", 3, WRITE | DENYOOM | FAST, K1, G, append_cmd),
    spec("decr", 2, WRITE | DENYOOM | FAST, K1, G, decr_cmd),
    spec("decrby", 3, WRITE | DENYOOM | FAST, K1, G, decrby_cmd),
    spec("get", 2, READONLY | FAST, K1, G, get_cmd),
    spec("getdel", 2, WRITE | FAST, K1, G, getdel_cmd),
    spec("getex", -2, WRITE | FAST, K1, G, getex_cmd),
    spec("getrange", 4, READONLY, K1, G, getrange_cmd),
    spec("getset", 3, WRITE | DENYOOM | FAST, K1, G, getset_cmd),
    spec("incr", 2, WRITE | DENYOOM | FAST, K1, G, incr_cmd),
    spec("incrby", 3, WRITE | DENYOOM | FAST, K1, G, incrby_cmd),
    spec(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        K1,
        G,
        incrbyfloat_cmd,
    ),
    spec("lcs", -3, READONLY, KeySpec::range(1, 2, 1), G, lcs_cmd),
    spec(
        "mget",
        -2,
        READONLY | FAST,
        KeySpec::range(1, -1, 1),
        G,
        mget_cmd,
    ),
    spec(
        "mset",
        -3,
        WRITE | DENYOOM,
        KeySpec::range(1, -1, 2),
        G,
        mset_cmd,
    ),
    spec(
        "msetnx",
        -3,
        WRITE | DENYOOM,
        KeySpec::range(1, -1, 2),
        G,
        msetnx_cmd,
    ),
    spec("psetex", 4, WRITE | DENYOOM, K1, G, psetex_cmd),
    spec("set", -3, WRITE | DENYOOM, K1, G, set_cmd),
    spec("setex", 4, WRITE | DENYOOM, K1, G, setex_cmd),
    spec("setnx", 3, WRITE | DENYOOM | FAST, K1, G, setnx_cmd),
    spec("setrange", 4, WRITE | DENYOOM, K1, G, setrange_cmd),
    spec("strlen", 2, READONLY | FAST, K1, G, strlen_cmd),
    spec("substr", 4, READONLY, K1, G, getrange_cmd),
];

// ---- options ---------------------------------------------------------------

/// An expiry as Redis's `EX` / `PX` / `EXAT` / `PXAT` arguments give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiration {
    /// `EX seconds`: this many seconds from now.
    Ex(i64),
    /// `PX milliseconds`: this many milliseconds from now.
    Px(i64),
    /// `EXAT unix-time-seconds`.
    ExAt(i64),
    /// `PXAT unix-time-milliseconds`.
    PxAt(i64),
}

impl Expiration {
    fn is_absolute(self) -> bool {
        matches!(self, Expiration::ExAt(_) | Expiration::PxAt(_))
    }

    /// The absolute expiry in unix ms, validated as Redis's
    /// `getExpireMillisecondsOrReply`: the number must be positive, must not
    /// overflow when made milliseconds and absolute.
    fn resolve(self, now_ms: i64, command: &'static str) -> Result<i64> {
        let bad = Error::InvalidExpireTime { command };
        let (n, unit, relative) = match self {
            Expiration::Ex(n) => (n, 1000, true),
            Expiration::Px(n) => (n, 1, true),
            Expiration::ExAt(n) => (n, 1000, false),
            Expiration::PxAt(n) => (n, 1, false),
        };
        if n <= 0 {
            return Err(bad);
        }
        let ms = n.checked_mul(unit).ok_or(bad.clone())?;
        if relative {
            ms.checked_add(now_ms).filter(|at| *at > 0).ok_or(bad)
        } else {
            Ok(ms)
        }
    }
}

/// `NX` / `XX` of `SET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SetCondition {
    #[default]
    Always,
    IfMissing,
    IfExists,
}

/// What `SET` does with the key's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SetExpiry {
    /// Drop it (plain `SET`).
    #[default]
    Clear,
    /// `KEEPTTL`.
    Keep,
    /// `EX` / `PX` / `EXAT` / `PXAT`.
    Expire(Expiration),
}

/// Options of `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL]`, for
/// [`Db::set_with`](crate::Db::set_with).
///
/// ```
/// use embedis::{SetOptions, Store};
/// let db = Store::new().db(0);
/// let first = db.set_with("lock", "me", SetOptions::new().nx().px(30_000)).unwrap();
/// assert!(first.written);
/// let second = db.set_with("lock", "you", SetOptions::new().nx()).unwrap();
/// assert!(!second.written);
/// ```
///
/// Each setter replaces a previous choice of the same family (`nx` after `xx`
/// means `NX`; `keepttl` after `ex` means `KEEPTTL`), so an options value is
/// always a combination Redis accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetOptions {
    pub(crate) condition: SetCondition,
    pub(crate) expiry: SetExpiry,
    pub(crate) get: bool,
}

impl SetOptions {
    /// No options: plain `SET`.
    pub fn new() -> Self {
        Self::default()
    }
    /// `EX seconds`: expire this many seconds from now.
    pub fn ex(mut self, seconds: i64) -> Self {
        self.expiry = SetExpiry::Expire(Expiration::Ex(seconds));
        self
    }
    /// `PX milliseconds`: expire this many milliseconds from now.
    pub fn px(mut self, milliseconds: i64) -> Self {
        self.expiry = SetExpiry::Expire(Expiration::Px(milliseconds));
        self
    }
    /// `EXAT unix-time-seconds`.
    pub fn exat(mut self, unix_seconds: i64) -> Self {
        self.expiry = SetExpiry::Expire(Expiration::ExAt(unix_seconds));
        self
    }
    /// `PXAT unix-time-milliseconds`.
    pub fn pxat(mut self, unix_ms: i64) -> Self {
        self.expiry = SetExpiry::Expire(Expiration::PxAt(unix_ms));
        self
    }
    /// `KEEPTTL`: keep the key's current expiry.
    pub fn keepttl(mut self) -> Self {
        self.expiry = SetExpiry::Keep;
        self
    }
    /// `NX`: only set if the key does not exist.
    pub fn nx(mut self) -> Self {
        self.condition = SetCondition::IfMissing;
        self
    }
    /// `XX`: only set if the key exists.
    pub fn xx(mut self) -> Self {
        self.condition = SetCondition::IfExists;
        self
    }
    /// `GET`: return the old string ([`SetOutcome::old`]).
    pub fn get(mut self) -> Self {
        self.get = true;
        self
    }
}

/// What [`Db::set_with`](crate::Db::set_with) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// False when `NX` / `XX` prevented the write.
    pub written: bool,
    /// The previous string, when [`SetOptions::get`] was asked (`None` if
    /// the key did not exist, or if `GET` was not asked).
    pub old: Option<CompactBytes>,
}

/// What `GETEX` does to the key's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum GetExExpiry {
    #[default]
    Unchanged,
    Persist,
    Expire(Expiration),
}

/// Options of `GETEX key [EX|PX|EXAT|PXAT|PERSIST]`, for
/// [`Db::getex_with`](crate::Db::getex_with). The last setter wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetExOptions {
    pub(crate) expiry: GetExExpiry,
}

impl GetExOptions {
    /// No option: the expiry is unchanged (like `GET`).
    pub fn new() -> Self {
        Self::default()
    }
    /// `EX seconds`.
    pub fn ex(mut self, seconds: i64) -> Self {
        self.expiry = GetExExpiry::Expire(Expiration::Ex(seconds));
        self
    }
    /// `PX milliseconds`.
    pub fn px(mut self, milliseconds: i64) -> Self {
        self.expiry = GetExExpiry::Expire(Expiration::Px(milliseconds));
        self
    }
    /// `EXAT unix-time-seconds`; a time in the past deletes the key.
    pub fn exat(mut self, unix_seconds: i64) -> Self {
        self.expiry = GetExExpiry::Expire(Expiration::ExAt(unix_seconds));
        self
    }
    /// `PXAT unix-time-milliseconds`; a time in the past deletes the key.
    pub fn pxat(mut self, unix_ms: i64) -> Self {
        self.expiry = GetExExpiry::Expire(Expiration::PxAt(unix_ms));
        self
    }
    /// `PERSIST`: remove the expiry.
    pub fn persist(mut self) -> Self {
        self.expiry = GetExExpiry::Persist;
        self
    }
}

/// Options of `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]`,
/// for [`Db::lcs_idx`](crate::Db::lcs_idx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LcsOptions {
    pub(crate) len: bool,
    pub(crate) idx: bool,
    pub(crate) min_match_len: u64,
    pub(crate) with_match_len: bool,
}

impl LcsOptions {
    /// No option.
    pub fn new() -> Self {
        Self::default()
    }
    /// `MINMATCHLEN n`: only report matches at least `n` bytes long.
    pub fn min_match_len(mut self, n: u64) -> Self {
        self.min_match_len = n;
        self
    }
    /// `WITHMATCHLEN`: fill in [`LcsMatch::len`] (it is 0 otherwise).
    pub fn with_match_len(mut self) -> Self {
        self.with_match_len = true;
        self
    }
}

/// One matching range of `LCS ... IDX`: inclusive byte ranges in each string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LcsMatch {
    /// `(start, end)` in the first string, inclusive.
    pub a: (usize, usize),
    /// `(start, end)` in the second string, inclusive.
    pub b: (usize, usize),
    /// The match length, when `WITHMATCHLEN` was asked; else 0.
    pub len: usize,
}

/// The result of `LCS ... IDX`: matches from the end of the strings
/// backwards, as Redis lists them, and the LCS length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LcsIdx {
    /// Matching ranges, last first.
    pub matches: Vec<LcsMatch>,
    /// Length of the longest common subsequence.
    pub len: usize,
}

// ---- type-level functions ----------------------------------------------------

/// Reads the string under `key`: `Ok(None)` if missing, `WRONGTYPE` otherwise.
pub(crate) fn read_string<'a>(
    db: &'a mut Keyspace,
    key: &[u8],
) -> Result<Option<&'a CompactBytes>> {
    db.read::<CompactBytes>(key)
}

/// [`read_string`], copied out.
pub(crate) fn get_string(db: &mut Keyspace, key: &[u8]) -> Result<Option<Bytes>> {
    read_string(db, key).map(|v| v.map(CompactBytes::to_bytes))
}

/// [`read_string`] under the shared store lock (see `Db::read_or`): `None`
/// if the key has expired, which only [`read_string`] may remove.
#[inline(always)]
pub(crate) fn read_string_shared<'a>(
    db: &'a Keyspace,
    key: &[u8],
    now_ms: &dyn Fn() -> i64,
) -> Option<Result<Option<&'a CompactBytes>>> {
    db.peek_read::<CompactBytes>(key, now_ms)
}

/// Reads the string under `key` and replaces it with what `update` makes
/// of it (`None` when missing), with one lookup: in place for an existing
/// key (keeping its expiry), else as a new key. What Redis's
/// `dbOverwrite`/`dbAdd` pair does for INCR and friends. Nothing is written
/// (nor WATCH touched) when `update` fails.
fn update_string<R>(
    db: &mut Keyspace,
    key: &[u8],
    update: impl FnOnce(Option<&CompactBytes>) -> Result<(CompactBytes, R)>,
) -> Result<R> {
    match db.entry(key) {
        KeyEntry::Live(e) => {
            let (new, out) = update(Some(e.read::<CompactBytes>()?))?;
            *e.into_mut() = Value::String(new);
            Ok(out)
        }
        KeyEntry::Absent(e) => {
            let (new, out) = update(None)?;
            e.insert(Value::String(new));
            Ok(out)
        }
    }
}

/// The decimal text of `n`, inline (no allocation: at most 20 bytes), as
/// Redis's `ll2string` writes it.
fn integer_text(n: i64) -> CompactBytes {
    CompactBytes::copy_from_slice(crate::resp::i64_text(n, &mut [0u8; 20]))
}

/// `checkStringLength`: `len + extra` must not exceed 512 MB.
fn check_string_length(len: u64, extra: u64) -> Result<()> {
    match len.checked_add(extra) {
        Some(total) if total <= PROTO_MAX_BULK_LEN => Ok(()),
        _ => Err(Error::StringTooLong),
    }
}

/// `SET` on the keyspace. `command` names the command in the
/// invalid-expire-time error (`set`, `setex`, `psetex`). The key is copied
/// (or a `Bytes` moved in) only if it is new; a plain `SET` looks the key
/// up once.
pub(crate) fn set_generic(
    db: &mut Keyspace,
    key: impl AsRef<[u8]> + Into<Key>,
    value: impl Into<CompactBytes>,
    o: &SetOptions,
    command: &'static str,
) -> Result<SetOutcome> {
    let at = match o.expiry {
        SetExpiry::Expire(e) => Some(e.resolve(db.now_ms(), command)?),
        _ => None,
    };
    let k = key.as_ref();
    let old = if o.get {
        read_string(db, k)?.cloned()
    } else {
        None
    };
    let exists = |db: &mut Keyspace| if o.get { old.is_some() } else { db.contains(k) };
    let ok = match o.condition {
        SetCondition::Always => true,
        SetCondition::IfMissing => !exists(db),
        SetCondition::IfExists => exists(db),
    };
    if ok {
        let v = Value::String(value.into());
        match o.expiry {
            SetExpiry::Clear => db.set(key, v),
            SetExpiry::Keep => db.set_keep_ttl(key, v),
            SetExpiry::Expire(_) => db.set_with_expiry(key, v, at),
        }
    }
    Ok(SetOutcome { written: ok, old })
}

/// `GETEX` on the keyspace: the string (or `None`), after changing its expiry.
pub(crate) fn getex(
    db: &mut Keyspace,
    key: &[u8],
    o: &GetExOptions,
) -> Result<Option<CompactBytes>> {
    let Some(v) = read_string(db, key)?.cloned() else {
        return Ok(None);
    };
    match o.expiry {
        GetExExpiry::Unchanged => {}
        GetExExpiry::Persist => {
            if db.expire_at(key) != Some(None) {
                db.set_expire(key, None);
            }
        }
        GetExExpiry::Expire(e) => {
            let at = e.resolve(db.now_ms(), "getex")?;
            if e.is_absolute() && at <= db.now_ms() {
                db.remove(key);
            } else {
                db.set_expire(key, Some(at));
            }
        }
    }
    Ok(Some(v))
}

/// `GETDEL`: the string, moved out of the deleted key.
pub(crate) fn getdel(db: &mut Keyspace, key: &[u8]) -> Result<Option<CompactBytes>> {
    let KeyEntry::Live(e) = db.entry(key) else {
        return Ok(None);
    };
    e.read::<CompactBytes>()?;
    Ok(Some(string_of(e.remove())))
}

/// The string a removed or replaced entry held, which the caller has just
/// read as one (GETDEL, GETSET move it out instead of copying it).
fn string_of(old: Entry) -> CompactBytes {
    match old.value {
        Value::String(v) => v,
        _ => unreachable!("the key was just read as a string"),
    }
}

/// `GETSET`: the old string; the new one has no expiry.
pub(crate) fn getset(
    db: &mut Keyspace,
    key: impl AsRef<[u8]> + Into<Key>,
    value: impl Into<CompactBytes>,
) -> Result<Option<CompactBytes>> {
    let value = Value::String(value.into());
    match db.entry(key.as_ref()) {
        KeyEntry::Live(e) => {
            e.read::<CompactBytes>()?;
            Ok(Some(string_of(e.replace(value))))
        }
        KeyEntry::Absent(_) => {
            db.set(key, value);
            Ok(None)
        }
    }
}

/// `APPEND`: the length after appending.
pub(crate) fn append(db: &mut Keyspace, key: Bytes, suffix: Bytes) -> Result<usize> {
    match db.entry(&key) {
        KeyEntry::Absent(e) => {
            let n = suffix.len();
            e.insert(Value::from(suffix));
            Ok(n)
        }
        KeyEntry::Live(e) => {
            let len = e.read::<CompactBytes>()?.len();
            check_string_length(len as u64, suffix.len() as u64)?;
            let v = e.write::<CompactBytes>()?;
            v.extend_from_slice(&suffix);
            Ok(v.len())
        }
    }
}

/// `STRLEN`: 0 for a missing key.
pub(crate) fn strlen(db: &mut Keyspace, key: &[u8]) -> Result<usize> {
    Ok(db.read::<CompactBytes>(key)?.map_or(0, |v| v.len()))
}

/// `GETRANGE`: inclusive byte range; negative indexes count from the end.
pub(crate) fn getrange(db: &mut Keyspace, key: &[u8], start: i64, end: i64) -> Result<Bytes> {
    let Some(s) = db.read::<CompactBytes>(key)? else {
        return Ok(Bytes::new());
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Ok(Bytes::new());
    }
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end }.max(0).min(len - 1);
    if start > end || len == 0 {
        return Ok(Bytes::new());
    }
    Ok(s.slice(start as usize..=end as usize))
}

/// `SETRANGE`: overwrite from `offset`, zero-padding; the new length.
pub(crate) fn setrange(db: &mut Keyspace, key: Bytes, offset: i64, value: &[u8]) -> Result<usize> {
    if offset < 0 {
        return Err(Error::OffsetOutOfRange);
    }
    let offset = offset as u64;
    match db.entry(&key) {
        KeyEntry::Absent(e) => {
            if value.is_empty() {
                return Ok(0);
            }
            check_string_length(offset, value.len() as u64)?;
            let mut s = CompactBytes::new();
            s.set_range(offset as usize, value);
            let n = s.len();
            e.insert(Value::String(s));
            Ok(n)
        }
        KeyEntry::Live(e) => {
            let old_len = e.read::<CompactBytes>()?.len();
            if value.is_empty() {
                return Ok(old_len);
            }
            check_string_length(offset, value.len() as u64)?;
            let v = e.write::<CompactBytes>()?;
            v.set_range(offset as usize, value);
            Ok(v.len())
        }
    }
}

/// `INCRBY` (and INCR, DECR, DECRBY): the new value; the expiry is kept.
pub(crate) fn incrby(db: &mut Keyspace, key: &[u8], delta: i64) -> Result<i64> {
    update_string(db, key, |cur| {
        let old = match cur {
            None => 0,
            Some(v) => parse_i64(v).ok_or(Error::NotInteger)?,
        };
        let new = old.checked_add(delta).ok_or(Error::Overflow)?;
        Ok((integer_text(new), new))
    })
}

/// `DECRBY`: refuses -9223372036854775808, whose negation overflows.
pub(crate) fn decrby(db: &mut Keyspace, key: &[u8], delta: i64) -> Result<i64> {
    if delta == i64::MIN {
        return Err(Error::DecrementOverflow);
    }
    incrby(db, key, -delta)
}

/// `INCRBYFLOAT`: Redis's `long double` sum, as the text Redis stores and
/// replies with (see [`crate::ld`]); the expiry is kept.
pub(crate) fn incrbyfloat(db: &mut Keyspace, key: &[u8], incr: &[u8]) -> Result<Bytes> {
    update_string(db, key, |cur| {
        let text = ld::incr_by_float(cur.map(|c| c.as_slice()), incr).map_err(|e| match e {
            IncrFloatError::Current | IncrFloatError::Increment => Error::NotFloat,
            IncrFloatError::NanOrInfinity => Error::NanOrInfinity,
        })?;
        let text = Bytes::from(text);
        Ok((CompactBytes::from(&text), text))
    })
}

/// `MGET`: `None` for missing keys and for keys of another type; each
/// string as `out` makes it (a `Bytes` for a reply, a `CompactBytes` for
/// the typed API: neither copies more than it needs).
pub(crate) fn mget<T>(
    db: &mut Keyspace,
    keys: &[Bytes],
    out: impl Fn(&CompactBytes) -> T,
) -> Vec<Option<T>> {
    keys.iter()
        .map(|k| db.read::<CompactBytes>(k).ok().flatten().map(&out))
        .collect()
}

/// `MSET`: every pair, dropping expiries.
pub(crate) fn mset(db: &mut Keyspace, pairs: Vec<(Bytes, Bytes)>) {
    for (k, v) in pairs {
        db.set(k, Value::from(v));
    }
}

/// `MSETNX`: all pairs if none of the keys exists; true if it wrote.
pub(crate) fn msetnx(db: &mut Keyspace, pairs: Vec<(Bytes, Bytes)>) -> bool {
    if pairs.iter().any(|(k, _)| db.contains(k)) {
        return false;
    }
    mset(db, pairs);
    true
}

/// The two strings `LCS` compares: missing keys are empty; another type is
/// `ERR The specified keys must contain string values`.
pub(crate) fn lcs_inputs(db: &mut Keyspace, a: &[u8], b: &[u8]) -> Result<(Bytes, Bytes)> {
    let mut one = |k: &[u8]| match db.get(k).map(|e| &e.value) {
        None => Ok(Bytes::new()),
        Some(Value::String(s)) => Ok(s.to_bytes()),
        Some(_) => Err(Error::LcsNotString),
    };
    let (x, y) = (one(a), one(b));
    Ok((x?, y?))
}

/// The LCS dynamic-programming table, `(alen+1) × (blen+1)` lengths.
struct LcsTable {
    dp: Vec<u32>,
    width: usize,
}

impl LcsTable {
    fn build(a: &[u8], b: &[u8]) -> Result<LcsTable> {
        let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
        if cells.saturating_mul(4) > PROTO_MAX_BULK_LEN {
            return Err(Error::LcsTooLarge);
        }
        let width = b.len() + 1;
        let mut dp = vec![0u32; cells as usize];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                dp[i * width + j] = if a[i - 1] == b[j - 1] {
                    dp[(i - 1) * width + j - 1] + 1
                } else {
                    dp[(i - 1) * width + j].max(dp[i * width + j - 1])
                };
            }
        }
        Ok(LcsTable { dp, width })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.dp[i * self.width + j]
    }
}

/// `LCS a b`: the longest common subsequence.
pub(crate) fn lcs_string(a: &[u8], b: &[u8]) -> Result<Bytes> {
    Ok(lcs_walk(a, b, None)?.0)
}

/// `LCS a b LEN`.
pub(crate) fn lcs_len(a: &[u8], b: &[u8]) -> Result<usize> {
    Ok(LcsTable::build(a, b)?.at(a.len(), b.len()) as usize)
}

/// `LCS a b IDX [MINMATCHLEN n] [WITHMATCHLEN]`.
pub(crate) fn lcs_idx(a: &[u8], b: &[u8], o: &LcsOptions) -> Result<LcsIdx> {
    let (s, matches) = lcs_walk(a, b, Some(o))?;
    Ok(LcsIdx {
        matches,
        len: s.len(),
    })
}

/// Walks the table back from the end, as Redis's `lcsCommand` does, building
/// the LCS and, when `idx` is given, the matching ranges (Redis's exact
/// range-splitting, including where it emits a range early).
fn lcs_walk(a: &[u8], b: &[u8], idx: Option<&LcsOptions>) -> Result<(Bytes, Vec<LcsMatch>)> {
    let t = LcsTable::build(a, b)?;
    let (alen, blen) = (a.len(), b.len());
    let total = t.at(alen, blen) as usize;
    let mut result = vec![0u8; total];
    let mut matches = Vec::new();
    let mut k = total;
    // `arange_start == alen` means "no range open", as in Redis.
    let (mut arange_start, mut arange_end, mut brange_start, mut brange_end) = (alen, 0, 0, 0);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[k - 1] = a[i - 1];
            if arange_start == alen {
                arange_start = i - 1;
                arange_end = i - 1;
                brange_start = j - 1;
                brange_end = j - 1;
            } else if arange_start == i && brange_start == j {
                arange_start -= 1;
                brange_start -= 1;
            } else {
                emit = true;
            }
            if arange_start == 0 || brange_start == 0 {
                emit = true;
            }
            k -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t.at(i - 1, j) > t.at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if arange_start != alen {
                emit = true;
            }
        }
        if emit {
            let match_len = arange_end - arange_start + 1;
            if let Some(o) = idx
                && (o.min_match_len == 0 || match_len as u64 >= o.min_match_len)
            {
                matches.push(LcsMatch {
                    a: (arange_start, arange_end),
                    b: (brange_start, brange_end),
                    len: if o.with_match_len { match_len } else { 0 },
                });
            }
            arange_start = alen;
        }
    }
    Ok((Bytes::from(result), matches))
}

// ---- handlers ------------------------------------------------------------------

/// `GET key`.
fn get_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::bulk_or_null(get_string(cx.db(), &key)?))
}

/// The options SET and GETEX share, as Redis's
/// `parseExtendedStringArgumentsOrReply` accepts them: NX/XX/GET/KEEPTTL only
/// for SET, PERSIST only for GETEX, one expiry family (repeating the same one
/// is allowed; the last wins). The expiry's number is returned unparsed,
/// since SET and GETEX check it at different points.
/// An expiry option as parsed: how to build it, its name, its raw number.
type RawExpiry = (fn(i64) -> Expiration, &'static str, Bytes);

#[derive(Default)]
struct ParsedExtended {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<RawExpiry>,
}

fn parse_extended(args: &mut Args, for_set: bool) -> Result<ParsedExtended> {
    let mut p = ParsedExtended::default();
    while let Some(opt) = args.peek().cloned() {
        args.next()?;
        let has_next = !args.is_empty();
        let kind = p.expire.as_ref().map(|e| e.1);
        let other_expire = |name: &str| kind.is_some_and(|k| k != name);
        let is = |name: &str| opt.eq_ignore_ascii_case(name.as_bytes());
        if is("nx") && !p.xx && for_set {
            p.nx = true;
        } else if is("xx") && !p.nx && for_set {
            p.xx = true;
        } else if is("get") && for_set {
            p.get = true;
        } else if is("keepttl") && !p.persist && kind.is_none() && for_set {
            p.keepttl = true;
        } else if is("persist") && !for_set && kind.is_none() && !p.keepttl {
            p.persist = true;
        } else if let Some((name, make)) = [
            ("ex", Expiration::Ex as fn(i64) -> Expiration),
            ("px", Expiration::Px),
            ("exat", Expiration::ExAt),
            ("pxat", Expiration::PxAt),
        ]
        .into_iter()
        .find(|(name, _)| is(name))
            && !p.keepttl
            && !p.persist
            && !other_expire(name)
            && has_next
        {
            p.expire = Some((make, name, args.next()?));
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(p)
}

/// The expiry of parsed SET/GETEX options, its number parsed.
fn parsed_expiration(p: &ParsedExtended) -> Result<Option<Expiration>> {
    match &p.expire {
        None => Ok(None),
        Some((make, _, raw)) => Ok(Some(make(parse_i64(raw).ok_or(Error::NotInteger)?))),
    }
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]`.
fn set_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let value = args.bytes()?;
    let p = parse_extended(args, true)?;
    let mut o = SetOptions {
        get: p.get,
        ..SetOptions::default()
    };
    if p.nx {
        o.condition = SetCondition::IfMissing;
    } else if p.xx {
        o.condition = SetCondition::IfExists;
    }
    if p.keepttl {
        o.expiry = SetExpiry::Keep;
    } else if let Some(e) = parsed_expiration(&p)? {
        o.expiry = SetExpiry::Expire(e);
    }
    let out = set_generic(cx.db(), key, value, &o, "set")?;
    Ok(match (o.get, out.written) {
        (true, _) => Reply::bulk_or_null(out.old),
        (false, true) => Reply::OK,
        (false, false) => Reply::Null,
    })
}

/// `SETEX key seconds value` / `PSETEX key milliseconds value`.
fn setex_generic(
    cx: &mut Cx<'_>,
    args: &mut Args,
    make: fn(i64) -> Expiration,
    command: &'static str,
) -> Result<Reply> {
    let key = args.key()?;
    let time = args.i64()?;
    let value = args.bytes()?;
    let o = SetOptions {
        expiry: SetExpiry::Expire(make(time)),
        ..SetOptions::default()
    };
    set_generic(cx.db(), key, value, &o, command)?;
    Ok(Reply::OK)
}

fn setex_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    setex_generic(cx, args, Expiration::Ex, "setex")
}

fn psetex_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    setex_generic(cx, args, Expiration::Px, "psetex")
}

/// `SETNX key value`: 1 if set.
fn setnx_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let value = args.bytes()?;
    let out = set_generic(cx.db(), key, value, &SetOptions::new().nx(), "setnx")?;
    Ok(Reply::Integer(out.written as i64))
}

/// `GETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST]`: options are checked for
/// syntax first, then the key, then the expiry's number (Redis's order).
fn getex_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let p = parse_extended(args, false)?;
    if read_string(cx.db(), &key)?.is_none() {
        return Ok(Reply::Null);
    }
    let mut o = GetExOptions::new();
    if p.persist {
        o = o.persist();
    } else if let Some(e) = parsed_expiration(&p)? {
        o.expiry = GetExExpiry::Expire(e);
    }
    Ok(Reply::bulk_or_null(getex(cx.db(), &key, &o)?))
}

/// `GETDEL key`.
fn getdel_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::bulk_or_null(getdel(cx.db(), &key)?))
}

/// `GETSET key value`.
fn getset_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let value = args.bytes()?;
    Ok(Reply::bulk_or_null(getset(cx.db(), key, value)?))
}

/// `APPEND key value`.
fn append_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let value = args.bytes()?;
    Ok(Reply::count(append(cx.db(), key, value)?))
}

/// `STRLEN key`.
fn strlen_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::count(strlen(cx.db(), &key)?))
}

/// `GETRANGE key start end` (and `SUBSTR`): integers are parsed before the lookup.
fn getrange_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let (start, end) = (args.i64()?, args.i64()?);
    Ok(Reply::Bulk(getrange(cx.db(), &key, start, end)?))
}

/// `SETRANGE key offset value`.
fn setrange_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let offset = args.i64()?;
    let value = args.bytes()?;
    Ok(Reply::count(setrange(cx.db(), key, offset, &value)?))
}

fn incr_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::Integer(incrby(cx.db(), &key, 1)?))
}

fn decr_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::Integer(incrby(cx.db(), &key, -1)?))
}

fn incrby_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let delta = args.i64()?;
    Ok(Reply::Integer(incrby(cx.db(), &key, delta)?))
}

fn decrby_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let delta = args.i64()?;
    Ok(Reply::Integer(decrby(cx.db(), &key, delta)?))
}

/// `INCRBYFLOAT key increment`: the type is checked before either number.
fn incrbyfloat_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let incr = args.bytes()?;
    Ok(Reply::Bulk(incrbyfloat(cx.db(), &key, &incr)?))
}

/// `MGET key [key ...]`.
fn mget_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let keys = args.rest();
    Ok(Reply::Array(
        mget(cx.db(), &keys, CompactBytes::to_bytes)
            .into_iter()
            .map(Reply::bulk_or_null)
            .collect(),
    ))
}

/// The `key value` pairs of MSET/MSETNX; an odd count is an arity error.
fn pairs(args: &mut Args, command: &'static str) -> Result<Vec<(Bytes, Bytes)>> {
    let rest = args.rest();
    if rest.len() % 2 != 0 {
        return Err(Error::wrong_arity(command));
    }
    let mut words = rest.into_iter();
    let mut pairs = Vec::with_capacity(words.len() / 2);
    while let (Some(k), Some(v)) = (words.next(), words.next()) {
        pairs.push((k, v));
    }
    Ok(pairs)
}

/// `MSET key value [key value ...]`.
fn mset_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let pairs = pairs(args, "mset")?;
    mset(cx.db(), pairs);
    Ok(Reply::OK)
}

/// `MSETNX key value [key value ...]`.
fn msetnx_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let pairs = pairs(args, "msetnx")?;
    Ok(Reply::Integer(msetnx(cx.db(), pairs) as i64))
}

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]`: key types are
/// checked before the options, as Redis does.
fn lcs_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (ka, kb) = (args.key()?, args.key()?);
    let (a, b) = lcs_inputs(cx.db(), &ka, &kb)?;
    let mut o = LcsOptions::new();
    while let Some(opt) = args.peek().cloned() {
        args.next()?;
        let is = |name: &str| opt.eq_ignore_ascii_case(name.as_bytes());
        if is("idx") {
            o.idx = true;
        } else if is("len") {
            o.len = true;
        } else if is("withmatchlen") {
            o.with_match_len = true;
        } else if is("minmatchlen") && !args.is_empty() {
            o.min_match_len = args.i64()?.max(0) as u64;
        } else {
            return Err(Error::Syntax);
        }
    }
    if o.idx && o.len {
        return Err(Error::LcsLenAndIdx);
    }
    if o.idx {
        let r = lcs_idx(&a, &b, &o)?;
        let matches = r
            .matches
            .iter()
            .map(|m| {
                let mut item = vec![
                    Reply::Array(vec![Reply::count(m.a.0), Reply::count(m.a.1)]),
                    Reply::Array(vec![Reply::count(m.b.0), Reply::count(m.b.1)]),
                ];
                if o.with_match_len {
                    item.push(Reply::count(m.len));
                }
                Reply::Array(item)
            })
            .collect();
        Ok(Reply::Map(vec![
            (Reply::bulk("matches"), Reply::Array(matches)),
            (Reply::bulk("len"), Reply::count(r.len)),
        ]))
    } else if o.len {
        Ok(Reply::count(lcs_len(&a, &b)?))
    } else {
        Ok(Reply::Bulk(lcs_string(&a, &b)?))
    }
}
