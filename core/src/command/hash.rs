//! The hash command group (Redis `t_hash.c`).
//!
//! Each command's meaning is a `pub(crate)` function over the [`Keyspace`]
//! that both the handler here and the typed API in `api/hash.rs` call.
//!
//! Redis keeps small hashes (at most 512 fields, fields and values at most
//! 64 bytes) as a listpack: insertion order, kept by `HDEL`, is what
//! `HGETALL`/`HKEYS`/`HSCAN` return, and `HSCAN` returns the whole hash in
//! one call with cursor `0`. Our [`Hash`] is an insertion-ordered index map;
//! small hashes delete with `shift_remove` and scan in one call so clients
//! see the same order and shapes as with Redis. Larger hashes (a hash table
//! in Redis, with an unspecified order) delete with `swap_remove` in O(1)
//! and scan with [`scan_indexed`].

use std::collections::HashSet;

use bytes::Bytes;

use super::flags::*;
use super::keyspace::parse_cursor;
use super::{Args, CommandSpec, Cx, KeySpec, Protocol, spec};
use crate::keyspace::{Keyspace, scan_indexed};
use crate::ld::LongDouble;
use crate::value::{CompactBytes, Hash};
use crate::{BulkArray, Error, Reply, Result, glob};

const G: &str = "hash";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec(
        "hdel",
        -3,
        WRITE | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hdel_cmd,
    ),
    spec(
        "hexists",
        3,
        READONLY | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hexists_cmd,
    ),
    spec(
        "hget",
        3,
        READONLY | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hget_cmd,
    ),
    spec(
        "hgetall",
        2,
        READONLY,
        KeySpec::range(1, 1, 1),
        G,
        hgetall_cmd,
    ),
    spec(
        "hincrby",
        4,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hincrby_cmd,
    ),
    spec(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hincrbyfloat_cmd,
    ),
    spec("hkeys", 2, READONLY, KeySpec::range(1, 1, 1), G, hkeys_cmd),
    spec(
        "hlen",
        2,
        READONLY | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hlen_cmd,
    ),
    spec(
        "hmget",
        -3,
        READONLY | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hmget_cmd,
    ),
    spec(
        "hmset",
        -4,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hmset_cmd,
    ),
    spec(
        "hrandfield",
        -2,
        READONLY,
        KeySpec::range(1, 1, 1),
        G,
        hrandfield_cmd,
    ),
    spec("hscan", -3, READONLY, KeySpec::range(1, 1, 1), G, hscan_cmd),
    spec(
        "hset",
        -4,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hset_cmd,
    ),
    spec(
        "hsetnx",
        4,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hsetnx_cmd,
    ),
    spec(
        "hstrlen",
        3,
        READONLY | FAST,
        KeySpec::range(1, 1, 1),
        G,
        hstrlen_cmd,
    ),
    spec("hvals", 2, READONLY, KeySpec::range(1, 1, 1), G, hvals_cmd),
];

/// Redis 7.0's built-in `hash-max-listpack-entries` (the sample redis.conf
/// says 128, but a server started without it uses 512).
const COMPACT_MAX_ENTRIES: usize = 512;
/// Redis's `hash-max-listpack-value` default.
const COMPACT_MAX_VALUE: usize = 64;

/// True when Redis 7.0 would keep this hash as a listpack (with default
/// settings): small enough that order is insertion order and HSCAN returns
/// everything at once.
fn is_compact(h: &Hash) -> bool {
    h.len() <= COMPACT_MAX_ENTRIES
        && h.iter()
            .all(|(f, v)| f.len() <= COMPACT_MAX_VALUE && v.len() <= COMPACT_MAX_VALUE)
}

// ---- the type-level half, shared with api/hash.rs ----------------------------

/// `HSET`: sets every pair (later pairs win); returns how many fields are new.
pub(crate) fn hset(
    db: &mut Keyspace,
    key: &[u8],
    pairs: impl IntoIterator<Item = (Bytes, Bytes)>,
) -> Result<usize> {
    let h = db.write_or_create::<Hash>(key)?;
    let mut added = 0;
    for (f, v) in pairs {
        if h.insert(f.into(), v.into()).is_none() {
            added += 1;
        }
    }
    // Only reachable with no pairs from the typed API.
    if h.is_empty() {
        db.remove_if_empty(key);
    }
    Ok(added)
}

/// `HSETNX`: sets `field` only if it is not there; true if it did.
pub(crate) fn hsetnx(db: &mut Keyspace, key: &[u8], field: Bytes, value: Bytes) -> Result<bool> {
    if db
        .read::<Hash>(key)?
        .is_some_and(|h| h.contains_key(&field[..]))
    {
        return Ok(false);
    }
    db.write_or_create::<Hash>(key)?
        .insert(field.into(), value.into());
    Ok(true)
}

/// `HGET`: the value of `field`, `None` if the field or key is missing.
pub(crate) fn hget<'a>(
    db: &'a mut Keyspace,
    key: &[u8],
    field: &[u8],
) -> Result<Option<&'a CompactBytes>> {
    Ok(field_of(db.read::<Hash>(key)?, field))
}

/// [`hget`] under the shared store lock (see `Db::read_or`): `None` if the
/// key has expired, which only [`hget`] may remove.
pub(crate) fn hget_shared<'a>(
    db: &'a Keyspace,
    key: &[u8],
    field: &[u8],
    now_ms: &dyn Fn() -> i64,
) -> Option<Result<Option<&'a CompactBytes>>> {
    db.peek_read::<Hash>(key, now_ms)
        .map(|h| h.map(|h| field_of(h, field)))
}

fn field_of<'a>(h: Option<&'a Hash>, field: &[u8]) -> Option<&'a CompactBytes> {
    h.and_then(|h| h.get(field))
}

/// `HMGET`: the value of each field, `None` where missing, as `out` makes
/// it (see [`super::string::mget`]).
pub(crate) fn hmget<T>(
    db: &mut Keyspace,
    key: &[u8],
    fields: &[Bytes],
    out: impl Fn(&CompactBytes) -> T,
) -> Result<Vec<Option<T>>> {
    let h = db.read::<Hash>(key)?;
    Ok(fields.iter().map(|f| field_of(h, f).map(&out)).collect())
}

/// `HDEL`: removes the fields; returns how many existed. An emptied hash
/// is deleted.
pub(crate) fn hdel(db: &mut Keyspace, key: &[u8], fields: &[Bytes]) -> Result<usize> {
    let Some(h) = db.read::<Hash>(key)? else {
        return Ok(0);
    };
    if !fields.iter().any(|f| h.contains_key(&f[..])) {
        return Ok(0);
    }
    let h = db
        .write::<Hash>(key)?
        .unwrap_or_else(|| unreachable!("read just found it"));
    let compact = is_compact(h);
    let mut removed = 0;
    for f in fields {
        let gone = if compact {
            h.shift_remove(&f[..])
        } else {
            h.swap_remove(&f[..])
        };
        removed += usize::from(gone.is_some());
    }
    db.remove_if_empty(key);
    Ok(removed)
}

/// `HLEN`: the number of fields, `0` for a missing key.
pub(crate) fn hlen(db: &mut Keyspace, key: &[u8]) -> Result<usize> {
    Ok(db.read::<Hash>(key)?.map_or(0, |h| h.len()))
}

/// `HEXISTS`.
pub(crate) fn hexists(db: &mut Keyspace, key: &[u8], field: &[u8]) -> Result<bool> {
    Ok(db.read::<Hash>(key)?.is_some_and(|h| h.contains_key(field)))
}

/// `HSTRLEN`: the length of the value of `field`, `0` if missing.
pub(crate) fn hstrlen(db: &mut Keyspace, key: &[u8], field: &[u8]) -> Result<usize> {
    Ok(db
        .read::<Hash>(key)?
        .and_then(|h| h.get(field))
        .map_or(0, |v| v.len()))
}

/// `HGETALL`: every field and value, in the hash's order, packed in turn
/// (field, value, field, ...).
pub(crate) fn hgetall(db: &mut Keyspace, key: &[u8]) -> Result<BulkArray> {
    Ok(db
        .read::<Hash>(key)?
        .map(|h| BulkArray::from_strings(h.iter().flat_map(|(f, v)| [f, v])))
        .unwrap_or_default())
}

/// `HKEYS`.
pub(crate) fn hkeys(db: &mut Keyspace, key: &[u8]) -> Result<BulkArray> {
    Ok(db
        .read::<Hash>(key)?
        .map(|h| BulkArray::from_strings(h.keys()))
        .unwrap_or_default())
}

/// `HVALS`.
pub(crate) fn hvals(db: &mut Keyspace, key: &[u8]) -> Result<BulkArray> {
    Ok(db
        .read::<Hash>(key)?
        .map(|h| BulkArray::from_strings(h.values()))
        .unwrap_or_default())
}

/// `HINCRBY`: adds `delta` to the integer in `field` (missing = 0) and
/// returns the result. `ERR hash value is not an integer` when the field is
/// not one; `ERR increment or decrement would overflow` past 64 bits.
pub(crate) fn hincrby(db: &mut Keyspace, key: &[u8], field: Bytes, delta: i64) -> Result<i64> {
    let current = match hget(db, key, &field)? {
        None => 0,
        Some(v) => super::parse_i64(v).ok_or(Error::HashValueNotInteger)?,
    };
    let new = current.checked_add(delta).ok_or(Error::Overflow)?;
    db.write_or_create::<Hash>(key)?
        .insert(field.into(), new.to_string().into());
    Ok(new)
}

/// `HINCRBYFLOAT`: adds `increment` (text, parsed as Redis's `strtold`) to
/// the number in `field` in `long double` precision, stores and returns the
/// result as Redis prints it (see [`crate::ld`]).
pub(crate) fn hincrbyfloat(
    db: &mut Keyspace,
    key: &[u8],
    field: Bytes,
    increment: &[u8],
) -> Result<Bytes> {
    let inc = LongDouble::parse(increment).ok_or(Error::NotFloat)?;
    if inc.is_infinite() {
        return Err(Error::NanOrInfinityValue);
    }
    let current = match hget(db, key, &field)? {
        None => LongDouble::from_f64(0.0),
        Some(v) => LongDouble::parse(v).ok_or(Error::HashValueNotFloat)?,
    };
    let sum = current.checked_add(inc).ok_or(Error::NanOrInfinity)?;
    let text = Bytes::from(sum.to_human());
    db.write_or_create::<Hash>(key)?
        .insert(field.into(), (&text).into());
    Ok(text)
}

/// `HRANDFIELD key`: one random field, `None` for a missing key.
pub(crate) fn hrandfield(db: &mut Keyspace, key: &[u8]) -> Result<Option<Bytes>> {
    let len = hlen(db, key)?;
    if len == 0 {
        return Ok(None);
    }
    let i = db.random_index(len);
    Ok(db
        .read::<Hash>(key)?
        .and_then(|h| h.get_index(i))
        .map(|(f, _)| f.to_bytes()))
}

/// `HRANDFIELD key count`: with `count >= 0`, up to `count` distinct
/// fields (the whole hash when `count` reaches its size), in the hash's
/// order as Redis 7.0 returns them from a listpack; with `count < 0`,
/// exactly `-count` fields drawn independently (repeats possible).
pub(crate) fn hrandfield_count(
    db: &mut Keyspace,
    key: &[u8],
    count: i64,
) -> Result<Vec<(Bytes, Bytes)>> {
    let len = hlen(db, key)?;
    if len == 0 || count == 0 {
        return Ok(Vec::new());
    }
    let indexes: Vec<usize> = if count < 0 {
        (0..count.unsigned_abs())
            .map(|_| db.random_index(len))
            .collect()
    } else if count as u64 >= len as u64 {
        (0..len).collect()
    } else {
        // Floyd's sampling: `count` distinct indexes in `count` draws.
        let k = count as usize;
        let mut picked = HashSet::with_capacity(k);
        for j in len - k..len {
            let t = db.random_index(j + 1);
            if !picked.insert(t) {
                picked.insert(j);
            }
        }
        let mut v: Vec<usize> = picked.into_iter().collect();
        v.sort_unstable();
        v
    };
    let h = db
        .read::<Hash>(key)?
        .unwrap_or_else(|| unreachable!("hlen just found it"));
    Ok(indexes
        .into_iter()
        .map(|i| {
            let (f, v) = h
                .get_index(i)
                .unwrap_or_else(|| unreachable!("index below len"));
            (f.to_bytes(), v.to_bytes())
        })
        .collect())
}

/// `HSCAN`: the next cursor and the field/value pairs of this step whose
/// field matches `pattern`. Small hashes come back whole with cursor `0`,
/// as Redis does for a listpack; larger ones follow [`scan_indexed`]'s
/// cursor contract, visiting about `count` fields per call.
pub(crate) fn hscan(
    db: &mut Keyspace,
    key: &[u8],
    cursor: u64,
    pattern: Option<&[u8]>,
    count: usize,
) -> Result<(u64, Vec<(Bytes, Bytes)>)> {
    let Some(h) = db.read::<Hash>(key)? else {
        return Ok((0, Vec::new()));
    };
    // Redis skips matching for the pattern `*`.
    let pattern = pattern.filter(|p| *p != b"*");
    let keep = |f: &CompactBytes| pattern.is_none_or(|p| glob::matches(p, f));
    let mut out = Vec::new();
    if is_compact(h) {
        out.extend(
            h.iter()
                .filter(|(f, _)| keep(f))
                .map(|(f, v)| (f.to_bytes(), v.to_bytes())),
        );
        return Ok((0, out));
    }
    let next = scan_indexed(h.len(), cursor, count, |i| {
        let (f, v) = h
            .get_index(i)
            .unwrap_or_else(|| unreachable!("index below len"));
        if keep(f) {
            out.push((f.to_bytes(), v.to_bytes()));
        }
    });
    Ok((next, out))
}

// ---- handlers ---------------------------------------------------------------

/// The `field value [field value ...]` tail of HSET/HMSET; Redis checks the
/// pairing before the key's type.
fn field_value_pairs(args: &mut Args, name: &'static str) -> Result<Vec<(Bytes, Bytes)>> {
    let rest = args.rest();
    if rest.len() % 2 != 0 {
        return Err(Error::wrong_arity(name));
    }
    let mut it = rest.into_iter();
    let mut pairs = Vec::with_capacity(it.len() / 2);
    while let (Some(f), Some(v)) = (it.next(), it.next()) {
        pairs.push((f, v));
    }
    Ok(pairs)
}

/// `HSET key field value [field value ...]`: the number of new fields.
fn hset_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let pairs = field_value_pairs(args, "hset")?;
    Ok(Reply::count(hset(cx.db(), &key, pairs)?))
}

/// `HMSET key field value [field value ...]`: `+OK`.
fn hmset_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let pairs = field_value_pairs(args, "hmset")?;
    hset(cx.db(), &key, pairs)?;
    Ok(Reply::OK)
}

/// `HSETNX key field value`.
fn hsetnx_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, field, value) = (args.key()?, args.bytes()?, args.bytes()?);
    Ok(Reply::Integer(hsetnx(cx.db(), &key, field, value)?.into()))
}

/// `HGET key field`.
fn hget_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, field) = (args.key()?, args.bytes()?);
    Ok(Reply::bulk_or_null(
        hget(cx.db(), &key, &field)?.map(CompactBytes::to_bytes),
    ))
}

/// `HMGET key field [field ...]`.
fn hmget_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let fields = args.rest();
    let values = hmget(cx.db(), &key, &fields, CompactBytes::to_bytes)?;
    Ok(Reply::Array(
        values.into_iter().map(Reply::bulk_or_null).collect(),
    ))
}

/// `HDEL key field [field ...]`.
fn hdel_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let fields = args.rest();
    Ok(Reply::count(hdel(cx.db(), &key, &fields)?))
}

/// `HLEN key`.
fn hlen_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::count(hlen(cx.db(), &key)?))
}

/// `HEXISTS key field`.
fn hexists_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, field) = (args.key()?, args.bytes()?);
    Ok(Reply::Integer(hexists(cx.db(), &key, &field)?.into()))
}

/// `HSTRLEN key field`.
fn hstrlen_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, field) = (args.key()?, args.bytes()?);
    Ok(Reply::count(hstrlen(cx.db(), &key, &field)?))
}

/// `HGETALL key`: a map (RESP2: flat field, value, ... array).
fn hgetall_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::BulkMap(hgetall(cx.db(), &key)?))
}

/// `HKEYS key`.
fn hkeys_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::BulkArray(hkeys(cx.db(), &key)?))
}

/// `HVALS key`.
fn hvals_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::BulkArray(hvals(cx.db(), &key)?))
}

/// `HINCRBY key field increment`: the increment is parsed first.
fn hincrby_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, field) = (args.key()?, args.bytes()?);
    let delta = args.i64()?;
    Ok(Reply::Integer(hincrby(cx.db(), &key, field, delta)?))
}

/// `HINCRBYFLOAT key field increment`: a bulk string, as Redis replies.
fn hincrbyfloat_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, field, increment) = (args.key()?, args.bytes()?, args.bytes()?);
    Ok(Reply::Bulk(hincrbyfloat(cx.db(), &key, field, &increment)?))
}

/// `HRANDFIELD key [count [WITHVALUES]]`: a bulk (or null) without count;
/// with it an array of fields, or with `WITHVALUES` field/value pairs: flat
/// in RESP2, `[field, value]` arrays in RESP3, as Redis 7.0.
fn hrandfield_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    if args.is_empty() {
        return Ok(Reply::bulk_or_null(hrandfield(cx.db(), &key)?));
    }
    let count = args.i64()?;
    if count == i64::MIN {
        return Err(Error::OutOfRangeBetween {
            min: -i64::MAX,
            max: i64::MAX,
        });
    }
    let with_values = match args.remaining() {
        0 => false,
        1 if args.peek_is("withvalues") => true,
        _ => return Err(Error::Syntax),
    };
    // Redis refuses counts whose reply length (two per pair) would overflow.
    if with_values && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return Err(Error::OutOfRange);
    }
    let pairs = hrandfield_count(cx.db(), &key, count)?;
    Ok(Reply::Array(match (with_values, cx.protocol()) {
        (false, _) => pairs.into_iter().map(|(f, _)| Reply::Bulk(f)).collect(),
        (true, Protocol::Resp2) => pairs
            .into_iter()
            .flat_map(|(f, v)| [Reply::Bulk(f), Reply::Bulk(v)])
            .collect(),
        (true, Protocol::Resp3) => pairs
            .into_iter()
            .map(|(f, v)| Reply::Array(vec![Reply::Bulk(f), Reply::Bulk(v)]))
            .collect(),
    }))
}

/// `HSCAN key cursor [MATCH pattern] [COUNT count]`: as Redis, the cursor
/// is checked first, then the key (missing: `["0", []]` without looking at
/// the options), then the options.
fn hscan_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let cursor = parse_cursor(&args.next()?)?;
    if cx.db().read::<Hash>(&key)?.is_none() {
        return Ok(scan_reply(0, Vec::new()));
    }
    let mut pattern = None;
    let mut count = 10usize;
    while let Some(opt) = args.peek().cloned() {
        args.next()?;
        let has_value = !args.is_empty();
        if has_value && opt.eq_ignore_ascii_case(b"count") {
            let n = args.i64()?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if has_value && opt.eq_ignore_ascii_case(b"match") {
            pattern = Some(args.next()?);
        } else {
            return Err(Error::Syntax);
        }
    }
    let (next, pairs) = hscan(cx.db(), &key, cursor, pattern.as_deref(), count)?;
    Ok(scan_reply(next, pairs))
}

fn scan_reply(cursor: u64, pairs: Vec<(Bytes, Bytes)>) -> Reply {
    Reply::Array(vec![
        Reply::bulk(cursor.to_string()),
        Reply::Array(
            pairs
                .into_iter()
                .flat_map(|(f, v)| [Reply::Bulk(f), Reply::Bulk(v)])
                .collect(),
        ),
    ])
}
