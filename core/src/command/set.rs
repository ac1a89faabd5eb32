//! The set command group (Redis `t_set.c`).
//!
//! Each command's meaning is a type-level function over the [`Keyspace`]
//! (`sadd`, `set_op`, ...), called by the handler here and by the typed
//! methods in `api/set.rs`.

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, parse_i64, spec};
use crate::keyspace::{Keyspace, scan_indexed};
use crate::value::{CompactBytes, Set, Value};
use crate::{BulkArray, Error, Reply, Result};

const G: &str = "set";
/// One key at argument 1.
const K1: KeySpec = KeySpec::range(1, 1, 1);
/// Keys at arguments 1 and 2 (SMOVE).
const K12: KeySpec = KeySpec::range(1, 2, 1);
/// Every argument from 1 on is a key.
const ALL: KeySpec = KeySpec::range(1, -1, 1);
/// `numkeys key...` at argument 1.
const NUMKEYS: KeySpec = KeySpec::keynum(1, 0, 0, 0);

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("sadd", -3, WRITE | DENYOOM | FAST, K1, G, sadd_cmd),
    spec("scard", 2, READONLY | FAST, K1, G, scard_cmd),
    spec("sdiff", -2, READONLY, ALL, G, sdiff_cmd),
    spec("sdiffstore", -3, WRITE | DENYOOM, ALL, G, sdiffstore_cmd),
    spec("sinter", -2, READONLY, ALL, G, sinter_cmd),
    spec(
        "sintercard",
        -3,
        READONLY | MOVABLEKEYS,
        NUMKEYS,
        G,
        sintercard_cmd,
    ),
    spec("sinterstore", -3, WRITE | DENYOOM, ALL, G, sinterstore_cmd),
    spec("sismember", 3, READONLY | FAST, K1, G, sismember_cmd),
    spec("smembers", 2, READONLY, K1, G, smembers_cmd),
    spec("smismember", -3, READONLY | FAST, K1, G, smismember_cmd),
    spec("smove", 4, WRITE | FAST, K12, G, smove_cmd),
    spec("spop", -2, WRITE | FAST, K1, G, spop_cmd),
    spec("srandmember", -2, READONLY, K1, G, srandmember_cmd),
    spec("srem", -3, WRITE | FAST, K1, G, srem_cmd),
    spec("sscan", -3, READONLY, K1, G, sscan_cmd),
    spec("sunion", -2, READONLY, ALL, G, sunion_cmd),
    spec("sunionstore", -3, WRITE | DENYOOM, ALL, G, sunionstore_cmd),
];

// ---- type-level functions (shared with the typed API) -----------------------

/// `SADD`: adds `members`; returns how many were new. The key is only
/// written (WATCH touched) when something is added, as in Redis.
pub(crate) fn sadd(db: &mut Keyspace, key: &[u8], members: &[Bytes]) -> Result<usize> {
    let any_new = match db.read::<Set>(key)? {
        None => !members.is_empty(),
        Some(s) => members.iter().any(|m| !s.contains(&m[..])),
    };
    if !any_new {
        return Ok(0);
    }
    let set = db.write_or_create::<Set>(key)?;
    Ok(members
        .iter()
        .filter(|m| set.insert(CompactBytes::from(*m)))
        .count())
}

/// `SREM`: removes `members`; returns how many were there. Deletes the key
/// when it empties.
pub(crate) fn srem(db: &mut Keyspace, key: &[u8], members: &[Bytes]) -> Result<usize> {
    match db.read::<Set>(key)? {
        Some(s) if members.iter().any(|m| s.contains(&m[..])) => {}
        _ => return Ok(0),
    }
    let set = db.write::<Set>(key)?.unwrap();
    let n = members.iter().filter(|m| set.swap_remove(&m[..])).count();
    db.remove_if_empty(key);
    Ok(n)
}

/// Redis's `set-max-intset-entries`: a set of at most this many integers
/// is an intset in Redis, which keeps its members sorted.
const INTSET_MAX_ENTRIES: usize = 512;

/// True for a set Redis would keep as an intset (every member a canonical
/// 64-bit integer, at most 512 of them).
fn is_intset(members: impl ExactSizeIterator<Item = impl AsRef<[u8]>>) -> bool {
    members.len() <= INTSET_MAX_ENTRIES && {
        let mut members = members;
        members.all(|m| parse_i64(m.as_ref()).is_some())
    }
}

/// Puts a whole set's members in the order Redis replies with them: an
/// intset's ascending numeric order when the set would be one (so `SADD s
/// 3 1 2` then `SMEMBERS s` gives `1 2 3`, as in Redis), else as stored.
pub(crate) fn in_redis_order<T: AsRef<[u8]>>(mut members: Vec<T>) -> Vec<T> {
    if is_intset(members.iter()) {
        members.sort_by_key(|m| parse_i64(m.as_ref()).unwrap());
    }
    members
}

/// `SMEMBERS`: every member (empty for a missing key), packed, in the
/// order [`in_redis_order`] gives.
pub(crate) fn smembers(db: &mut Keyspace, key: &[u8]) -> Result<BulkArray> {
    Ok(db
        .read::<Set>(key)?
        .map(|s| BulkArray::from_strings(in_redis_order(s.iter().collect())))
        .unwrap_or_default())
}

/// `SISMEMBER`.
pub(crate) fn sismember(db: &mut Keyspace, key: &[u8], member: &[u8]) -> Result<bool> {
    Ok(db.read::<Set>(key)?.is_some_and(|s| s.contains(member)))
}

/// [`sismember`] under the shared store lock (see `Db::read_or`): `None`
/// if the key has expired, which only [`sismember`] may remove.
pub(crate) fn sismember_shared(
    db: &Keyspace,
    key: &[u8],
    member: &[u8],
    now_ms: &dyn Fn() -> i64,
) -> Option<Result<bool>> {
    db.peek_read::<Set>(key, now_ms)
        .map(|s| s.map(|s| s.is_some_and(|s| s.contains(member))))
}

/// `SMISMEMBER`: membership of each of `members`, in order.
pub(crate) fn smismember(db: &mut Keyspace, key: &[u8], members: &[Bytes]) -> Result<Vec<bool>> {
    let set = db.read::<Set>(key)?;
    Ok(members
        .iter()
        .map(|m| set.is_some_and(|s| s.contains(&m[..])))
        .collect())
}

/// `SCARD`.
pub(crate) fn scard(db: &mut Keyspace, key: &[u8]) -> Result<usize> {
    Ok(db.read::<Set>(key)?.map_or(0, |s| s.len()))
}

/// `SMOVE`: moves `member` from `src` to `dst`; false when `src` lacks it.
/// A missing `src` answers false before `dst`'s type is checked, as Redis does.
pub(crate) fn smove(db: &mut Keyspace, src: &[u8], dst: &[u8], member: &Bytes) -> Result<bool> {
    let Some(in_src) = db.read::<Set>(src)?.map(|s| s.contains(&member[..])) else {
        return Ok(false);
    };
    db.read::<Set>(dst)?;
    if src == dst || !in_src {
        return Ok(in_src);
    }
    db.write::<Set>(src)?.unwrap().swap_remove(&member[..]);
    db.remove_if_empty(src);
    db.write_or_create::<Set>(dst)?.insert(member.into());
    Ok(true)
}

/// `SPOP key`: removes and returns a random member.
pub(crate) fn spop(db: &mut Keyspace, key: &[u8]) -> Result<Option<Bytes>> {
    Ok(spop_count(db, key, 1)?.pop())
}

/// `SPOP key count`: removes and returns up to `count` random members;
/// all of them (deleting the key) when `count` reaches the size.
pub(crate) fn spop_count(db: &mut Keyspace, key: &[u8], count: usize) -> Result<Vec<Bytes>> {
    let len = match db.read::<Set>(key)? {
        None => return Ok(Vec::new()),
        Some(s) => s.len(),
    };
    if count == 0 {
        return Ok(Vec::new());
    }
    if count >= len {
        let Some(Value::Set(s)) = db.remove(key).map(|e| e.value) else {
            unreachable!("type checked above")
        };
        return Ok(in_redis_order(s.into_iter().map(Bytes::from).collect()));
    }
    // Each pop shrinks the set by one: draw the positions first.
    let picks: Vec<usize> = (0..count).map(|i| db.random_index(len - i)).collect();
    let set = db.write::<Set>(key)?.unwrap();
    Ok(picks
        .into_iter()
        .map(|i| set.swap_remove_index(i).unwrap().into())
        .collect())
}

/// `SRANDMEMBER key`: a random member, not removed.
pub(crate) fn srandmember(db: &mut Keyspace, key: &[u8]) -> Result<Option<Bytes>> {
    let Some(len) = db.read::<Set>(key)?.map(|s| s.len()) else {
        return Ok(None);
    };
    let i = db.random_index(len);
    Ok(db
        .read::<Set>(key)?
        .and_then(|s| s.get_index(i).map(CompactBytes::to_bytes)))
}

/// `SRANDMEMBER key count`: `count >= 0` gives up to `count` distinct
/// members; a negative count gives exactly `-count` members, repeats allowed.
pub(crate) fn srandmember_count(db: &mut Keyspace, key: &[u8], count: i64) -> Result<Vec<Bytes>> {
    let Some(len) = db.read::<Set>(key)?.map(|s| s.len()) else {
        return Ok(Vec::new());
    };
    let picks = random_picks(db, len, count);
    let set = db.read::<Set>(key)?.unwrap();
    let out = picks.into_iter().map(|i| set[i].to_bytes()).collect();
    // At least the size: the whole set, in Redis's order.
    Ok(if count >= len as i64 {
        in_redis_order(out)
    } else {
        out
    })
}

/// Indexes into a collection of `len` elements for SRANDMEMBER /
/// ZRANDMEMBER with `count`: `count >= 0` distinct indexes (all of them, in
/// order, when `count >= len`), `count < 0` `-count` indexes with repeats.
pub(crate) fn random_picks(db: &mut Keyspace, len: usize, count: i64) -> Vec<usize> {
    if len == 0 || count == 0 {
        return Vec::new();
    }
    if count < 0 {
        let n = count.unsigned_abs() as usize;
        // Redis would try to build the whole reply; cap the up-front
        // allocation so an absurd count fails late rather than at once.
        let mut out = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            out.push(db.random_index(len));
        }
        return out;
    }
    let count = count as usize;
    if count >= len {
        return (0..len).collect();
    }
    // Partial Fisher-Yates when many are picked, rejection sampling otherwise.
    if count * 3 > len {
        let mut idx: Vec<usize> = (0..len).collect();
        for i in 0..count {
            let j = i + db.random_index(len - i);
            idx.swap(i, j);
        }
        idx.truncate(count);
        idx
    } else {
        let mut seen = hashbrown::HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = db.random_index(len);
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

/// Which set algebra `set_op` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    Union,
    Inter,
    Diff,
}

/// Type-checks every key (all of them, before any result, as Redis 7.0
/// does) and returns each set's size, `None` for a missing key.
fn set_sizes(db: &mut Keyspace, keys: &[Bytes]) -> Result<Vec<Option<usize>>> {
    keys.iter()
        .map(|k| Ok(db.read::<Set>(k)?.map(|s| s.len())))
        .collect()
}

/// `SUNION` / `SINTER` / `SDIFF` of `keys` (missing keys are empty sets).
pub(crate) fn set_op(db: &mut Keyspace, op: SetOp, keys: &[Bytes]) -> Result<Set> {
    let sizes = set_sizes(db, keys)?;
    let mut out = Set::default();
    match op {
        SetOp::Union => {
            for k in keys {
                if let Some(s) = db.read::<Set>(k)? {
                    out.extend(s.iter().cloned());
                }
            }
        }
        SetOp::Inter => {
            if sizes.iter().any(|s| s.is_none_or(|n| n == 0)) {
                return Ok(out);
            }
            // Walk the smallest set, probe the others, as Redis does.
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by_key(|&i| sizes[i]);
            out = db.read::<Set>(&keys[order[0]])?.unwrap().clone();
            for &i in &order[1..] {
                let s = db.read::<Set>(&keys[i])?.unwrap();
                out.retain(|m| s.contains(m));
                if out.is_empty() {
                    break;
                }
            }
        }
        SetOp::Diff => {
            let Some(first) = db.read::<Set>(&keys[0])? else {
                return Ok(out);
            };
            out = first.clone();
            for k in &keys[1..] {
                if out.is_empty() {
                    break;
                }
                if let Some(s) = db.read::<Set>(k)? {
                    if s.len() < out.len() {
                        for m in s {
                            out.swap_remove(m);
                        }
                    } else {
                        out.retain(|m| !s.contains(m));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// [`set_op`]'s members in Redis's reply order (SUNION, SINTER, SDIFF).
pub(crate) fn set_op_members(db: &mut Keyspace, op: SetOp, keys: &[Bytes]) -> Result<Vec<Bytes>> {
    Ok(in_redis_order(
        set_op(db, op, keys)?.into_iter().map(Bytes::from).collect(),
    ))
}

/// `SUNIONSTORE` / `SINTERSTORE` / `SDIFFSTORE`: stores the result in
/// `dst` (replacing any value and TTL), or deletes `dst` when it is empty.
/// Returns the result's size.
pub(crate) fn set_op_store(
    db: &mut Keyspace,
    op: SetOp,
    dst: &[u8],
    keys: &[Bytes],
) -> Result<usize> {
    let result = set_op(db, op, keys)?;
    let n = result.len();
    if n == 0 {
        db.remove(dst);
    } else {
        db.set(Bytes::copy_from_slice(dst), Value::from(result));
    }
    Ok(n)
}

/// `SINTERCARD`: the size of the intersection, counting stops at `limit`
/// (0 = no limit).
pub(crate) fn sintercard(db: &mut Keyspace, keys: &[Bytes], limit: usize) -> Result<usize> {
    let sizes = set_sizes(db, keys)?;
    if sizes.iter().any(|s| s.is_none_or(|n| n == 0)) {
        return Ok(0);
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let smallest = db.read::<Set>(&keys[order[0]])?.unwrap().clone();
    let mut candidates: Vec<CompactBytes> = smallest.into_iter().collect();
    for &i in &order[1..] {
        let s = db.read::<Set>(&keys[i])?.unwrap();
        candidates.retain(|m| s.contains(m));
    }
    Ok(match limit {
        0 => candidates.len(),
        l => candidates.len().min(l),
    })
}

/// `SSCAN`: visits up to about `count` members from `cursor`, keeping those
/// matching `pattern`. Returns the next cursor (0 when done) and the members.
pub(crate) fn sscan(
    db: &mut Keyspace,
    key: &[u8],
    cursor: u64,
    pattern: Option<&[u8]>,
    count: usize,
) -> Result<(u64, Vec<Bytes>)> {
    let Some(set) = db.read::<Set>(key)? else {
        return Ok((0, Vec::new()));
    };
    let keep = |m: &Bytes| pattern.is_none_or(|p| crate::glob::matches(p, m));
    let keep_compact = |m: &CompactBytes| pattern.is_none_or(|p| crate::glob::matches(p, m));
    if is_intset(set.iter()) {
        // Redis scans an intset whole, in order, in one call.
        let all = in_redis_order(set.iter().map(CompactBytes::to_bytes).collect());
        return Ok((0, all.into_iter().filter(keep).collect()));
    }
    let mut out = Vec::new();
    let next = scan_indexed(set.len(), cursor, count, |i| {
        let m = &set[i];
        if keep_compact(m) {
            out.push(m.to_bytes());
        }
    });
    Ok((next, out))
}

// ---- argument parsing shared with the zset commands -------------------------

/// Parses a SCAN-family cursor as Redis's `strtoul` does: optional sign
/// (`-1` wraps to `u64::MAX`), decimal digits, nothing else.
pub(crate) fn parse_cursor(b: &[u8]) -> Result<u64> {
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if !digits.iter().all(u8::is_ascii_digit) || (digits.is_empty() && !b.is_empty()) {
        return Err(Error::InvalidCursor);
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((c - b'0') as u64))
            .ok_or(Error::InvalidCursor)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// `[MATCH pattern] [COUNT count]` of SSCAN/ZSCAN (default COUNT 10); a
/// `*` pattern is no pattern.
pub(crate) fn parse_scan_options(args: &mut Args) -> Result<(Option<Bytes>, usize)> {
    let (mut pattern, mut count) = (None, 10usize);
    while !args.is_empty() {
        if args.remaining() >= 2 && args.eat("count") {
            let n = args.i64()?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = n as usize;
        } else if args.remaining() >= 2 && args.eat("match") {
            let p = args.bytes()?;
            pattern = if &p[..] == b"*" { None } else { Some(p) };
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((pattern, count))
}

/// The SCAN-family reply: `[cursor, [items...]]`.
pub(crate) fn scan_reply(cursor: u64, items: Vec<Reply>) -> Reply {
    Reply::Array(vec![Reply::bulk(cursor.to_string()), Reply::Array(items)])
}

/// The count argument of SRANDMEMBER / ZRANDMEMBER: an integer in
/// `-i64::MAX..=i64::MAX`.
pub(crate) fn parse_rand_count(args: &mut Args) -> Result<i64> {
    let n = args.i64()?;
    if n == i64::MIN {
        return Err(Error::ValueNotBetween {
            min: -i64::MAX,
            max: i64::MAX,
        });
    }
    Ok(n)
}

fn set_reply(members: impl IntoIterator<Item = Bytes>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::Bulk).collect())
}

// ---- handlers ---------------------------------------------------------------

/// `SADD key member [member ...]`.
fn sadd_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let members = args.rest();
    Ok(Reply::count(sadd(cx.db(), &key, &members)?))
}

/// `SREM key member [member ...]`.
fn srem_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let members = args.rest();
    Ok(Reply::count(srem(cx.db(), &key, &members)?))
}

/// `SCARD key`.
fn scard_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::count(scard(cx.db(), &key)?))
}

/// `SISMEMBER key member`.
fn sismember_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, member) = (args.key()?, args.bytes()?);
    Ok(Reply::Integer(sismember(cx.db(), &key, &member)? as i64))
}

/// `SMISMEMBER key member [member ...]`.
fn smismember_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let members = args.rest();
    let found = smismember(cx.db(), &key, &members)?;
    Ok(Reply::Array(
        found
            .into_iter()
            .map(|b| Reply::Integer(b as i64))
            .collect(),
    ))
}

/// `SMEMBERS key`.
fn smembers_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::BulkSet(smembers(cx.db(), &key)?))
}

/// `SMOVE source destination member`.
fn smove_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (src, dst, member) = (args.key()?, args.key()?, args.bytes()?);
    Ok(Reply::Integer(smove(cx.db(), &src, &dst, &member)? as i64))
}

/// `SPOP key [count]`.
fn spop_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    match args.remaining() {
        0 => Ok(Reply::bulk_or_null(spop(cx.db(), &key)?)),
        1 => {
            // Redis's getPositiveLongFromObjectOrReply with its own message:
            // a non-integer gets the same line as a negative.
            let count = parse_i64(&args.next()?)
                .filter(|n| *n >= 0)
                .ok_or(Error::OutOfRangePositive)?;
            Ok(set_reply(spop_count(cx.db(), &key, count as usize)?))
        }
        _ => Err(Error::Syntax),
    }
}

/// `SRANDMEMBER key [count]`.
fn srandmember_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    match args.remaining() {
        0 => Ok(Reply::bulk_or_null(srandmember(cx.db(), &key)?)),
        1 => {
            let count = parse_rand_count(args)?;
            Ok(Reply::bulks(srandmember_count(cx.db(), &key, count)?))
        }
        _ => Err(Error::Syntax),
    }
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`: the cursor is parsed
/// first, then the key is checked; options of a missing key are not parsed.
fn sscan_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let cursor = parse_cursor(&args.next()?)?;
    if cx.db().read::<Set>(&key)?.is_none() {
        return Ok(scan_reply(0, Vec::new()));
    }
    let (pattern, count) = parse_scan_options(args)?;
    let (next, members) = sscan(cx.db(), &key, cursor, pattern.as_deref(), count)?;
    Ok(scan_reply(
        next,
        members.into_iter().map(Reply::Bulk).collect(),
    ))
}

fn set_op_cmd(cx: &mut Cx<'_>, args: &mut Args, op: SetOp) -> Result<Reply> {
    let keys = args.rest();
    Ok(set_reply(set_op_members(cx.db(), op, &keys)?))
}

fn set_op_store_cmd(cx: &mut Cx<'_>, args: &mut Args, op: SetOp) -> Result<Reply> {
    let dst = args.key()?;
    let keys = args.rest();
    Ok(Reply::count(set_op_store(cx.db(), op, &dst, &keys)?))
}

/// `SUNION key [key ...]`.
fn sunion_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    set_op_cmd(cx, args, SetOp::Union)
}

/// `SINTER key [key ...]`.
fn sinter_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    set_op_cmd(cx, args, SetOp::Inter)
}

/// `SDIFF key [key ...]`.
fn sdiff_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    set_op_cmd(cx, args, SetOp::Diff)
}

/// `SUNIONSTORE destination key [key ...]`.
fn sunionstore_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    set_op_store_cmd(cx, args, SetOp::Union)
}

/// `SINTERSTORE destination key [key ...]`.
fn sinterstore_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    set_op_store_cmd(cx, args, SetOp::Inter)
}

/// `SDIFFSTORE destination key [key ...]`.
fn sdiffstore_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    set_op_store_cmd(cx, args, SetOp::Diff)
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`.
fn sintercard_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let numkeys = parse_i64(&args.next()?)
        .filter(|n| *n >= 1)
        .ok_or(Error::NumkeysNotPositive)? as u64;
    if numkeys > args.remaining() as u64 {
        return Err(Error::NumkeysExceedArgs);
    }
    let keys: Vec<Bytes> = (0..numkeys).map(|_| args.key()).collect::<Result<_>>()?;
    let mut limit = 0usize;
    while !args.is_empty() {
        if args.remaining() >= 2 && args.eat("limit") {
            limit = parse_limit(&args.next()?)?;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(Reply::count(sintercard(cx.db(), &keys, limit)?))
}

/// The `LIMIT` of SINTERCARD / ZINTERCARD: a non-negative integer.
pub(crate) fn parse_limit(b: &[u8]) -> Result<usize> {
    parse_i64(b)
        .filter(|n| *n >= 0)
        .map(|n| n as usize)
        .ok_or(Error::LimitNegative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cursor_follows_strtoul() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(
            parse_cursor(b"18446744073709551616"),
            Err(Error::InvalidCursor)
        );
        assert_eq!(parse_cursor(b"x"), Err(Error::InvalidCursor));
        assert_eq!(parse_cursor(b" 1"), Err(Error::InvalidCursor));
    }
}
