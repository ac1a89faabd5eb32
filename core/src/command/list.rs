//! The list command group (Redis `t_list.c`), blocking pops included.
//!
//! Each command's meaning is a `pub(crate)` function over the [`Keyspace`]
//! (`push`, `pop`, `range`, `lmove`, ...) that both the handler here and the
//! typed API in `api/list.rs` call. Blocking commands (`BLPOP`, `BLMOVE`,
//! ...) try the same function first and, when nothing is there, hand
//! [`Cx::block_on`] a `serve` closure that runs it again once a push makes
//! one of their keys ready.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, spec};
use crate::blocking::{BlockRequest, ServeFn};
use crate::keyspace::Keyspace;
use crate::value::{CompactBytes, List};
use crate::{BulkArray, Error, Reply, Result};

const G: &str = "list";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec(
        "blmove",
        6,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        KeySpec::range(1, 2, 1),
        G,
        blmove,
    ),
    spec(
        "blmpop",
        -5,
        WRITE | BLOCKING | MOVABLEKEYS,
        KeySpec::keynum(2, 0, 0, 0),
        G,
        blmpop,
    ),
    spec(
        "blpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        KeySpec::range(1, -2, 1),
        G,
        blpop,
    ),
    spec(
        "brpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        KeySpec::range(1, -2, 1),
        G,
        brpop,
    ),
    spec(
        "brpoplpush",
        4,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        KeySpec::range(1, 2, 1),
        G,
        brpoplpush,
    ),
    spec("lindex", 3, READONLY, KeySpec::range(1, 1, 1), G, lindex),
    spec(
        "linsert",
        5,
        WRITE | DENYOOM,
        KeySpec::range(1, 1, 1),
        G,
        linsert,
    ),
    spec("llen", 2, READONLY | FAST, KeySpec::range(1, 1, 1), G, llen),
    spec(
        "lmove",
        5,
        WRITE | DENYOOM,
        KeySpec::range(1, 2, 1),
        G,
        lmove_command,
    ),
    spec(
        "lmpop",
        -4,
        WRITE | MOVABLEKEYS,
        KeySpec::keynum(1, 0, 0, 0),
        G,
        lmpop,
    ),
    spec("lpop", -2, WRITE | FAST, KeySpec::range(1, 1, 1), G, lpop),
    spec("lpos", -3, READONLY, KeySpec::range(1, 1, 1), G, lpos),
    spec(
        "lpush",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        lpush,
    ),
    spec(
        "lpushx",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        lpushx,
    ),
    spec("lrange", 4, READONLY, KeySpec::range(1, 1, 1), G, lrange),
    spec("lrem", 4, WRITE, KeySpec::range(1, 1, 1), G, lrem),
    spec("lset", 4, WRITE | DENYOOM, KeySpec::range(1, 1, 1), G, lset),
    spec("ltrim", 4, WRITE, KeySpec::range(1, 1, 1), G, ltrim),
    spec("rpop", -2, WRITE | FAST, KeySpec::range(1, 1, 1), G, rpop),
    spec(
        "rpoplpush",
        3,
        WRITE | DENYOOM,
        KeySpec::range(1, 2, 1),
        G,
        rpoplpush,
    ),
    spec(
        "rpush",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        rpush,
    ),
    spec(
        "rpushx",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::range(1, 1, 1),
        G,
        rpushx,
    ),
];

/// An end of a list: Redis's `LEFT` (head) or `RIGHT` (tail), as in
/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT` and `LMPOP ... LEFT|RIGHT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The head (`LEFT`): where `LPUSH` adds and `LPOP` removes.
    Left,
    /// The tail (`RIGHT`): where `RPUSH` adds and `RPOP` removes.
    Right,
}

impl Direction {
    /// `LEFT` / `RIGHT`, as Redis spells the argument.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Left => "LEFT",
            Direction::Right => "RIGHT",
        }
    }

    /// Parses `LEFT` / `RIGHT` (any case); `ERR syntax error` otherwise, as
    /// Redis's `getListPositionFromObjectOrReply`.
    fn parse(word: &[u8]) -> Result<Direction> {
        if word.eq_ignore_ascii_case(b"left") {
            Ok(Direction::Left)
        } else if word.eq_ignore_ascii_case(b"right") {
            Ok(Direction::Right)
        } else {
            Err(Error::Syntax)
        }
    }
}

/// Where `LINSERT` puts the element relative to the pivot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsertPosition {
    /// `BEFORE` the pivot (towards the head).
    Before,
    /// `AFTER` the pivot (towards the tail).
    After,
}

/// Options of `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`.
///
/// The default is Redis's: `RANK 1` (first match from the head), no
/// `COUNT` (one match), `MAXLEN 0` (scan the whole list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LposOptions {
    /// Which match to start from: `1` the first, `2` the second, `-1` the
    /// first from the tail... Never `0` (Redis refuses it).
    pub rank: i64,
    /// How many matches to return; `Some(0)` means all of them, `None`
    /// (no `COUNT`) means the single match as a plain integer.
    pub count: Option<u64>,
    /// Compare at most this many elements; `0` means no limit.
    pub maxlen: u64,
}

impl Default for LposOptions {
    fn default() -> Self {
        LposOptions {
            rank: 1,
            count: None,
            maxlen: 0,
        }
    }
}

impl LposOptions {
    /// Defaults (`RANK 1`, no `COUNT`, no `MAXLEN`).
    pub fn new() -> Self {
        Self::default()
    }
    /// `RANK rank`.
    pub fn rank(mut self, rank: i64) -> Self {
        self.rank = rank;
        self
    }
    /// `COUNT n` (`0` = every match).
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }
    /// `MAXLEN len` (`0` = no limit).
    pub fn maxlen(mut self, len: u64) -> Self {
        self.maxlen = len;
        self
    }
}

// ---- the type-level half: one function per operation, shared with api/list.rs ----

/// Converts Redis `start`/`stop` (inclusive, negative from the tail) into an
/// index range of a list of `len`, or `None` when empty (Redis's
/// `addListRangeReply` / `ltrimCommand` arithmetic).
fn clamp_range(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut stop = if stop < 0 { len + stop } else { stop };
    if start < 0 {
        start = 0;
    }
    if start > stop || start >= len {
        return None;
    }
    if stop >= len {
        stop = len - 1;
    }
    Some((start as usize, stop as usize))
}

/// A Redis index (negative from the tail) into a list of `len`, if inside.
fn clamp_index(len: usize, index: i64) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// `LPUSH`/`RPUSH`/`LPUSHX`/`RPUSHX`: pushes each element in turn at `end`.
/// Returns the new length; `0` without pushing when `only_if_exists` and the
/// key is missing.
pub(crate) fn push(
    db: &mut Keyspace,
    key: &[u8],
    elements: impl IntoIterator<Item = impl Into<CompactBytes>>,
    end: Direction,
    only_if_exists: bool,
) -> Result<usize> {
    let list = if only_if_exists {
        match db.write::<List>(key)? {
            Some(l) => l,
            None => return Ok(0),
        }
    } else {
        db.write_or_create::<List>(key)?
    };
    for e in elements {
        let e = e.into();
        match end {
            Direction::Left => list.push_front(e),
            Direction::Right => list.push_back(e),
        }
    }
    let len = list.len();
    // Only reachable with an empty argument list from the typed API.
    if len == 0 {
        db.remove_if_empty(key);
    }
    Ok(len)
}

/// Pops up to `count` elements from `end`, in pop order. `Ok(None)` when the
/// key is missing. Deletes the key when it empties.
pub(crate) fn pop(
    db: &mut Keyspace,
    key: &[u8],
    end: Direction,
    count: usize,
) -> Result<Option<Vec<Bytes>>> {
    if count == 0 {
        // Redis's fast path: no write, so WATCH is not touched.
        return Ok(db.read::<List>(key)?.map(|_| Vec::new()));
    }
    let Some(list) = db.write::<List>(key)? else {
        return Ok(None);
    };
    let n = count.min(list.len());
    let out = match end {
        Direction::Left => list.drain(..n).map(Bytes::from).collect(),
        Direction::Right => (0..n)
            .filter_map(|_| list.pop_back().map(Bytes::from))
            .collect(),
    };
    if list.is_empty() {
        db.remove_if_empty(key);
    }
    Ok(Some(out))
}

/// `LRANGE`: the elements from `start` to `stop` inclusive.
pub(crate) fn range(db: &mut Keyspace, key: &[u8], start: i64, stop: i64) -> Result<BulkArray> {
    let Some(list) = db.read::<List>(key)? else {
        return Ok(BulkArray::default());
    };
    Ok(match clamp_range(list.len(), start, stop) {
        Some((s, e)) => BulkArray::from_strings(list.range(s..=e)),
        None => BulkArray::default(),
    })
}

/// `LLEN`: the length, `0` for a missing key.
pub(crate) fn len(db: &mut Keyspace, key: &[u8]) -> Result<usize> {
    Ok(db.read::<List>(key)?.map_or(0, |l| l.len()))
}

/// `LINDEX`: the element at `index`, `None` if missing or out of range.
pub(crate) fn index(db: &mut Keyspace, key: &[u8], index: i64) -> Result<Option<Bytes>> {
    let Some(list) = db.read::<List>(key)? else {
        return Ok(None);
    };
    Ok(clamp_index(list.len(), index).map(|i| list[i].to_bytes()))
}

/// `LSET`: replaces the element at `index`. `ERR no such key` for a missing
/// key, `ERR index out of range` outside the list.
pub(crate) fn set(db: &mut Keyspace, key: &[u8], index: i64, element: Bytes) -> Result<()> {
    let list = db.write::<List>(key)?.ok_or(Error::NoSuchKey)?;
    let i = clamp_index(list.len(), index).ok_or(Error::IndexOutOfRange)?;
    list[i] = element.into();
    Ok(())
}

/// `LINSERT`: inserts `element` next to the first `pivot` from the head.
/// Returns the new length, `0` for a missing key, `-1` when the pivot is
/// not in the list.
pub(crate) fn insert(
    db: &mut Keyspace,
    key: &[u8],
    position: InsertPosition,
    pivot: &[u8],
    element: Bytes,
) -> Result<i64> {
    let Some(list) = db.read::<List>(key)? else {
        return Ok(0);
    };
    let Some(at) = list.iter().position(|e| e[..] == *pivot) else {
        return Ok(-1);
    };
    let list = db
        .write::<List>(key)?
        .unwrap_or_else(|| unreachable!("read just found it"));
    let at = match position {
        InsertPosition::Before => at,
        InsertPosition::After => at + 1,
    };
    list.insert(at, element.into());
    Ok(list.len() as i64)
}

/// `LREM`: removes the first `count` occurrences of `element` from the head
/// (`count > 0`), from the tail (`count < 0`) or all of them (`0`).
/// Returns how many were removed; deletes the key when it empties.
pub(crate) fn rem(db: &mut Keyspace, key: &[u8], count: i64, element: &[u8]) -> Result<usize> {
    let Some(list) = db.read::<List>(key)? else {
        return Ok(0);
    };
    if !list.iter().any(|e| e[..] == *element) {
        return Ok(0);
    }
    let list = db
        .write::<List>(key)?
        .unwrap_or_else(|| unreachable!("read just found it"));
    let limit = match count.unsigned_abs() {
        0 => u64::MAX,
        n => n,
    };
    let mut removed = 0u64;
    let mut take = |e: &CompactBytes| {
        if removed < limit && e[..] == *element {
            removed += 1;
            true
        } else {
            false
        }
    };
    if count >= 0 {
        list.retain(|e| !take(e));
    } else {
        let mut kept = VecDeque::with_capacity(list.len());
        while let Some(e) = list.pop_back() {
            if !take(&e) {
                kept.push_front(e);
            }
        }
        *list = kept;
    }
    db.remove_if_empty(key);
    Ok(removed as usize)
}

/// `LTRIM`: keeps only `start..=stop` (Redis indexes); deletes the key when
/// nothing is left. A missing key is fine.
pub(crate) fn trim(db: &mut Keyspace, key: &[u8], start: i64, stop: i64) -> Result<()> {
    let Some(list) = db.write::<List>(key)? else {
        return Ok(());
    };
    match clamp_range(list.len(), start, stop) {
        None => list.clear(),
        Some((s, e)) => {
            list.truncate(e + 1);
            list.drain(..s);
        }
    }
    db.remove_if_empty(key);
    Ok(())
}

/// `LPOS`: indexes (from the head) of matches of `element`, per `opts`.
/// Without `COUNT` the vector holds at most one index. Options are checked
/// by the caller.
pub(crate) fn pos(
    db: &mut Keyspace,
    key: &[u8],
    element: &[u8],
    opts: LposOptions,
) -> Result<Vec<i64>> {
    let Some(list) = db.read::<List>(key)? else {
        return Ok(Vec::new());
    };
    // A negative rank scans from the tail. Redis negates in C `long`, so
    // LONG_MIN stays negative (and then matches from the first hit): wrap too.
    let (rank, from_tail) = if opts.rank < 0 {
        (opts.rank.wrapping_neg(), true)
    } else {
        (opts.rank, false)
    };
    let count = opts.count.unwrap_or(1) as i64;
    let len = list.len();
    let limit = if opts.maxlen == 0 {
        len
    } else {
        (opts.maxlen.min(len as u64)) as usize
    };
    let mut out = Vec::new();
    let mut matches: i64 = 0;
    for step in 0..limit {
        let i = if from_tail { len - 1 - step } else { step };
        if list[i][..] == *element {
            matches += 1;
            if matches >= rank {
                out.push(i as i64);
                if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// `LMOVE`: pops from `from` of `source` and pushes at `to` of
/// `destination`; returns the element, `None` when the source is missing.
/// Both keys are type-checked before anything moves (source first).
pub(crate) fn lmove(
    db: &mut Keyspace,
    source: &[u8],
    destination: &[u8],
    from: Direction,
    to: Direction,
) -> Result<Option<Bytes>> {
    if db.read::<List>(source)?.is_none() {
        return Ok(None);
    }
    db.read::<List>(destination)?;
    let list = db
        .write::<List>(source)?
        .unwrap_or_else(|| unreachable!("read just found it"));
    let value = match from {
        Direction::Left => list.pop_front(),
        Direction::Right => list.pop_back(),
    };
    let Some(value) = value else {
        return Ok(None);
    };
    // Push before deleting an emptied source: with source == destination the
    // key (and its TTL) survives, as in Redis where both are one object.
    let out = value.to_bytes();
    push(db, destination, [value], to, false)?;
    db.remove_if_empty(source);
    Ok(Some(out))
}

/// `LMPOP`: pops up to `count` from `end` of the first non-empty list among
/// `keys`; returns its key and the elements, `None` when all are missing.
/// `WRONGTYPE` stops the scan at the first non-list key met before a list.
pub(crate) fn mpop(
    db: &mut Keyspace,
    keys: &[Bytes],
    end: Direction,
    count: usize,
) -> Result<Option<(Bytes, Vec<Bytes>)>> {
    for key in keys {
        if let Some(items) = pop(db, key, end, count)? {
            return Ok(Some((key.clone(), items)));
        }
    }
    Ok(None)
}

// ---- handlers ---------------------------------------------------------------

fn push_command(
    cx: &mut Cx<'_>,
    args: &mut Args,
    end: Direction,
    only_if_exists: bool,
) -> Result<Reply> {
    let key = args.key()?;
    let elements = args.rest();
    Ok(Reply::count(push(
        cx.db(),
        &key,
        elements,
        end,
        only_if_exists,
    )?))
}

/// `LPUSH key element [element ...]`.
fn lpush(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    push_command(cx, args, Direction::Left, false)
}

/// `RPUSH key element [element ...]`.
fn rpush(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    push_command(cx, args, Direction::Right, false)
}

/// `LPUSHX key element [element ...]`.
fn lpushx(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    push_command(cx, args, Direction::Left, true)
}

/// `RPUSHX key element [element ...]`.
fn rpushx(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    push_command(cx, args, Direction::Right, true)
}

/// `LPOP`/`RPOP key [count]`: a bulk without count, an array with it; a
/// missing key is `$-1` without count and `*-1` with it (both `_` in RESP3).
fn pop_command(
    cx: &mut Cx<'_>,
    args: &mut Args,
    end: Direction,
    name: &'static str,
) -> Result<Reply> {
    let key = args.key()?;
    if args.remaining() > 1 {
        return Err(Error::wrong_arity(name));
    }
    let count = match args.is_empty() {
        true => None,
        // getPositiveLongFromObjectOrReply: not a number and negative alike.
        false => Some(
            super::parse_i64(&args.next()?)
                .filter(|n| *n >= 0)
                .ok_or(Error::OutOfRangePositive)? as usize,
        ),
    };
    let popped = pop(cx.db(), &key, end, count.unwrap_or(1))?;
    Ok(match (count, popped) {
        (None, None) => Reply::Null,
        (None, Some(mut v)) => Reply::bulk_or_null(v.pop()),
        (Some(_), None) => Reply::NullArray,
        (Some(_), Some(v)) => Reply::bulks(v),
    })
}

/// `LPOP key [count]`.
fn lpop(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    pop_command(cx, args, Direction::Left, "lpop")
}

/// `RPOP key [count]`.
fn rpop(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    pop_command(cx, args, Direction::Right, "rpop")
}

/// `LRANGE key start stop`: indexes parsed before the lookup, as Redis does.
fn lrange(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let (start, stop) = (args.i64()?, args.i64()?);
    Ok(Reply::BulkArray(range(cx.db(), &key, start, stop)?))
}

/// `LLEN key`.
fn llen(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::count(len(cx.db(), &key)?))
}

/// `LINDEX key index`: the lookup and type check come before the index parse.
fn lindex(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    if cx.db().read::<List>(&key)?.is_none() {
        return Ok(Reply::Null);
    }
    let i = args.i64()?;
    Ok(Reply::bulk_or_null(index(cx.db(), &key, i)?))
}

/// `LSET key index element`: `ERR no such key` comes before the index parse.
fn lset(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    if cx.db().read::<List>(&key)?.is_none() {
        return Err(Error::NoSuchKey);
    }
    let i = args.i64()?;
    let element = args.bytes()?;
    set(cx.db(), &key, i, element)?;
    Ok(Reply::OK)
}

/// `LINSERT key BEFORE|AFTER pivot element`.
fn linsert(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let position = match args.next()? {
        w if w.eq_ignore_ascii_case(b"before") => InsertPosition::Before,
        w if w.eq_ignore_ascii_case(b"after") => InsertPosition::After,
        _ => return Err(Error::Syntax),
    };
    let pivot = args.bytes()?;
    let element = args.bytes()?;
    Ok(Reply::Integer(insert(
        cx.db(),
        &key,
        position,
        &pivot,
        element,
    )?))
}

/// `LREM key count element`.
fn lrem(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let count = args.i64()?;
    let element = args.bytes()?;
    Ok(Reply::count(rem(cx.db(), &key, count, &element)?))
}

/// `LTRIM key start stop`.
fn ltrim(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let (start, stop) = (args.i64()?, args.i64()?);
    trim(cx.db(), &key, start, stop)?;
    Ok(Reply::OK)
}

/// Parses `LPOS` options as Redis does: in order, each error as soon as met.
fn parse_lpos_options(args: &mut Args) -> Result<LposOptions> {
    let mut o = LposOptions::default();
    while let Some(word) = args.peek().cloned() {
        args.next()?;
        let more = !args.is_empty();
        if more && word.eq_ignore_ascii_case(b"rank") {
            o.rank = args.i64()?;
            if o.rank == 0 {
                return Err(Error::LposRankZero);
            }
        } else if more && word.eq_ignore_ascii_case(b"count") {
            let n = super::parse_i64(&args.next()?).filter(|n| *n >= 0);
            o.count = Some(n.ok_or(Error::LposCountNegative)? as u64);
        } else if more && word.eq_ignore_ascii_case(b"maxlen") {
            let n = super::parse_i64(&args.next()?).filter(|n| *n >= 0);
            o.maxlen = n.ok_or(Error::LposMaxlenNegative)? as u64;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(o)
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`: an
/// integer or null without `COUNT`, an array with it.
fn lpos(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let element = args.bytes()?;
    let opts = parse_lpos_options(args)?;
    let found = pos(cx.db(), &key, &element, opts)?;
    Ok(match opts.count {
        Some(_) => Reply::Array(found.into_iter().map(Reply::Integer).collect()),
        None => found.first().map_or(Reply::Null, |&i| Reply::Integer(i)),
    })
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`.
fn lmove_command(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (source, destination) = (args.key()?, args.key()?);
    let from = Direction::parse(&args.next()?)?;
    let to = Direction::parse(&args.next()?)?;
    Ok(Reply::bulk_or_null(lmove(
        cx.db(),
        &source,
        &destination,
        from,
        to,
    )?))
}

/// `RPOPLPUSH source destination`.
fn rpoplpush(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (source, destination) = (args.key()?, args.key()?);
    Ok(Reply::bulk_or_null(lmove(
        cx.db(),
        &source,
        &destination,
        Direction::Right,
        Direction::Left,
    )?))
}

/// The parsed tail of `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
struct MpopArgs {
    keys: Vec<Bytes>,
    end: Direction,
    count: usize,
}

/// Redis's `lmpopGenericCommand` parsing, from the numkeys word on.
fn parse_mpop(args: &mut Args) -> Result<MpopArgs> {
    let numkeys = super::parse_i64(&args.next()?)
        .filter(|n| *n >= 1)
        .ok_or(Error::NumkeysNotPositive)? as u64;
    if numkeys >= args.remaining() as u64 {
        return Err(Error::Syntax);
    }
    let keys: Vec<Bytes> = (0..numkeys).map(|_| args.next()).collect::<Result<_>>()?;
    let end = Direction::parse(&args.next()?)?;
    let mut count = None;
    while let Some(word) = args.peek().cloned() {
        args.next()?;
        if count.is_none() && !args.is_empty() && word.eq_ignore_ascii_case(b"count") {
            let n = super::parse_i64(&args.next()?).filter(|n| *n >= 1);
            count = Some(n.ok_or(Error::CountNotPositive)? as usize);
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(MpopArgs {
        keys,
        end,
        count: count.unwrap_or(1),
    })
}

fn mpop_reply(found: Option<(Bytes, Vec<Bytes>)>) -> Reply {
    match found {
        None => Reply::NullArray,
        Some((key, items)) => Reply::Array(vec![Reply::Bulk(key), Reply::bulks(items)]),
    }
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
fn lmpop(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let m = parse_mpop(args)?;
    Ok(mpop_reply(mpop(cx.db(), &m.keys, m.end, m.count)?))
}

// ---- blocking -------------------------------------------------------------

/// Parses a blocking command's timeout as Redis 7.0 does (seconds, a float):
/// `None` = block forever.
///
/// The seconds are multiplied by 1000 and rounded *up* to whole
/// milliseconds, so `0.0001` waits 1 ms while `-0.0001` rounds to `0` and
/// means forever, as in Redis. A value too large for C's cast to
/// `long long` (huge or infinite) comes out negative there, hence
/// `ERR timeout is negative` for `inf` and `1e300`.
pub(crate) fn parse_timeout(raw: &[u8]) -> Result<Option<Duration>> {
    let secs = super::parse_f64(raw).ok_or(Error::TimeoutNotFloat)?;
    let ms = (secs * 1000.0).ceil();
    // 2^63: the first value C's cast cannot represent (x86-64 gives LLONG_MIN).
    if !(0.0..9_223_372_036_854_775_808.0).contains(&ms) {
        return Err(Error::TimeoutNegative);
    }
    let ms = ms as u64;
    Ok((ms > 0).then(|| Duration::from_millis(ms)))
}

/// The serve closure of BLPOP/BRPOP: pops one element of the ready key.
fn serve_pop(end: Direction) -> ServeFn {
    Box::new(move |db, key| match pop(db, key, end, 1) {
        Ok(Some(mut v)) => v
            .pop()
            .map(|value| Reply::Array(vec![Reply::Bulk(key.clone()), Reply::Bulk(value)])),
        // Missing, or not a list: Redis 7.0 keeps the client blocked.
        _ => None,
    })
}

/// The serve closure of BLMPOP: pops up to `count` from the ready key.
fn serve_mpop(end: Direction, count: usize) -> ServeFn {
    Box::new(move |db, key| match pop(db, key, end, count) {
        Ok(Some(v)) if !v.is_empty() => Some(mpop_reply(Some((key.clone(), v)))),
        _ => None,
    })
}

/// The serve closure of BLMOVE/BRPOPLPUSH: moves one element from the
/// ready source to `destination`. A destination of another type fails the
/// waiter with `WRONGTYPE` and leaves the source alone, as in Redis 7.0.
fn serve_move(destination: Bytes, from: Direction, to: Direction) -> ServeFn {
    Box::new(move |db, source| {
        if !matches!(db.read::<List>(source), Ok(Some(_))) {
            return None;
        }
        match lmove(db, source, &destination, from, to) {
            Ok(Some(v)) => Some(Reply::Bulk(v)),
            Ok(None) => None,
            Err(e) => Some(Reply::Error(e)),
        }
    })
}

/// `BLPOP`/`BRPOP key [key ...] timeout`: pops from the first non-empty
/// list, else blocks on all keys; `*-1` on timeout.
fn blocking_pop(cx: &mut Cx<'_>, args: &mut Args, end: Direction) -> Result<Reply> {
    let mut keys = args.rest();
    let raw_timeout = keys.pop().ok_or(Error::Syntax)?;
    let timeout = parse_timeout(&raw_timeout)?;
    for key in &keys {
        if let Some(mut v) = pop(cx.db(), key, end, 1)? {
            if let Some(value) = v.pop() {
                return Ok(Reply::Array(vec![
                    Reply::Bulk(key.clone()),
                    Reply::Bulk(value),
                ]));
            }
        }
    }
    cx.block_on(BlockRequest {
        keys,
        timeout,
        timeout_reply: Reply::NullArray,
        serve: serve_pop(end),
    })
}

/// `BLPOP key [key ...] timeout`.
fn blpop(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    blocking_pop(cx, args, Direction::Left)
}

/// `BRPOP key [key ...] timeout`.
fn brpop(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    blocking_pop(cx, args, Direction::Right)
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: the
/// timeout is parsed after the rest, as Redis does.
fn blmpop(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let raw_timeout = args.next()?;
    let m = parse_mpop(args)?;
    let timeout = parse_timeout(&raw_timeout)?;
    if let Some(found) = mpop(cx.db(), &m.keys, m.end, m.count)? {
        return Ok(mpop_reply(Some(found)));
    }
    cx.block_on(BlockRequest {
        keys: m.keys,
        timeout,
        timeout_reply: Reply::NullArray,
        serve: serve_mpop(m.end, m.count),
    })
}

/// BLMOVE and BRPOPLPUSH after parsing: move now if the source has
/// elements, else block on the source.
///
/// Redis 7.0 quirk kept on purpose: unable to block (MULTI, scripts) the
/// reply is a null *bulk* (`$-1`), but after blocking and timing out it is a
/// null *array* (`*-1`).
fn blocking_move(
    cx: &mut Cx<'_>,
    source: Bytes,
    destination: Bytes,
    from: Direction,
    to: Direction,
    timeout: Option<Duration>,
) -> Result<Reply> {
    if cx.db().read::<List>(&source)?.is_some() {
        return Ok(Reply::bulk_or_null(lmove(
            cx.db(),
            &source,
            &destination,
            from,
            to,
        )?));
    }
    if !cx.may_block {
        return Ok(Reply::Null);
    }
    cx.block_on(BlockRequest {
        keys: vec![source],
        timeout,
        timeout_reply: Reply::NullArray,
        serve: serve_move(destination, from, to),
    })
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`.
fn blmove(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (source, destination) = (args.key()?, args.key()?);
    let from = Direction::parse(&args.next()?)?;
    let to = Direction::parse(&args.next()?)?;
    let timeout = parse_timeout(&args.next()?)?;
    blocking_move(cx, source, destination, from, to, timeout)
}

/// `BRPOPLPUSH source destination timeout`.
fn brpoplpush(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (source, destination) = (args.key()?, args.key()?);
    let timeout = parse_timeout(&args.next()?)?;
    blocking_move(
        cx,
        source,
        destination,
        Direction::Right,
        Direction::Left,
        timeout,
    )
}
