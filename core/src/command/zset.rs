//! The sorted set command group (Redis `t_zset.c`, commands half).
//!
//! Each command's meaning is a type-level function over the [`Keyspace`]
//! (`zadd`, `zrange`, `zpop`, `zsetop`, ...), called by the handlers here
//! and by the typed methods in `api/zset.rs`. Replies follow Redis 7.0:
//! scores are [`Reply::Double`] (a bulk string in RESP2), and `WITHSCORES`
//! replies are flat `[m, s, ...]` in RESP2 and `[[m, s], ...]` in RESP3.

use bytes::Bytes;

use super::flags::*;
use super::list::parse_timeout;
use super::set::{
    parse_cursor, parse_limit, parse_rand_count, parse_scan_options, random_picks, scan_reply,
};
use super::{Args, CommandSpec, Cx, KeySpec, Protocol, parse_i64, spec};
use crate::blocking::{BlockRequest, ServeFn};
use crate::keyspace::{Keyspace, scan_indexed};
use crate::value::zset::{LexBound, ScoreBound};
use crate::value::{CompactBytes, Value, ZSet};
use crate::{BulkArray, Error, Reply, Result, format_double};

const G: &str = "sorted-set";
/// One key at argument 1.
const K1: KeySpec = KeySpec::range(1, 1, 1);
/// `numkeys key...` at argument 1 (ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP).
const NUMKEYS1: KeySpec = KeySpec::keynum(1, 0, 0, 0);
/// `destination numkeys key...` (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE).
const DST_NUMKEYS2: KeySpec = KeySpec::keynum(2, 1, 1, 1);
/// `timeout numkeys key...` (BZMPOP).
const NUMKEYS2: KeySpec = KeySpec::keynum(2, 0, 0, 0);
/// `key [key ...] timeout` (BZPOPMIN, BZPOPMAX).
const KEYS_THEN_TIMEOUT: KeySpec = KeySpec::range(1, -2, 1);
/// `destination source` (ZRANGESTORE).
const K12: KeySpec = KeySpec::range(1, 2, 1);

/// Redis's `zset-max-listpack-entries` / `-value`: sorted sets this small
/// are listpacks in Redis, which ZSCAN returns whole, in order.
const LISTPACK_MAX_ENTRIES: usize = 128;
const LISTPACK_MAX_VALUE: usize = 64;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("bzmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, NUMKEYS2, G, bzmpop_cmd),
    spec("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, KEYS_THEN_TIMEOUT, G, bzpopmax_cmd),
    spec("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, KEYS_THEN_TIMEOUT, G, bzpopmin_cmd),
    spec("zadd", -4, WRITE | DENYOOM | FAST, K1, G, zadd_cmd),
    spec("zcard", 2, READONLY | FAST, K1, G, zcard_cmd),
    spec("zcount", 4, READONLY | FAST, K1, G, zcount_cmd),
    spec("zdiff", -3, READONLY | MOVABLEKEYS, NUMKEYS1, G, zdiff_cmd),
    spec("zdiffstore", -4, WRITE | DENYOOM | MOVABLEKEYS, DST_NUMKEYS2, G, zdiffstore_cmd),
    spec("zincrby", 4, WRITE | DENYOOM | FAST, K1, G, zincrby_cmd),
    spec("zinter", -3, READONLY | MOVABLEKEYS, NUMKEYS1, G, zinter_cmd),
    spec("zintercard", -3, READONLY | MOVABLEKEYS, NUMKEYS1, G, zintercard_cmd),
    spec("zinterstore", -4, WRITE | DENYOOM | MOVABLEKEYS, DST_NUMKEYS2, G, zinterstore_cmd),
    spec("zlexcount", 4, READONLY | FAST, K1, G, zlexcount_cmd),
    spec("zmpop", -4, WRITE | MOVABLEKEYS, NUMKEYS1, G, zmpop_cmd),
    spec("zmscore", -3, READONLY | FAST, K1, G, zmscore_cmd),
    spec("zpopmax", -2, WRITE | FAST, K1, G, zpopmax_cmd),
    spec("zpopmin", -2, WRITE | FAST, K1, G, zpopmin_cmd),
    spec("zrandmember", -2, READONLY, K1, G, zrandmember_cmd),
    spec("zrange", -4, READONLY, K1, G, zrange_cmd),
    spec("zrangebylex", -4, READONLY, K1, G, zrangebylex_cmd),
    spec("zrangebyscore", -4, READONLY, K1, G, zrangebyscore_cmd),
    spec("zrangestore", -5, WRITE | DENYOOM, K12, G, zrangestore_cmd),
    spec("zrank", 3, READONLY | FAST, K1, G, zrank_cmd),
    spec("zrem", -3, WRITE | FAST, K1, G, zrem_cmd),
    spec("zremrangebylex", 4, WRITE, K1, G, zremrangebylex_cmd),
    spec("zremrangebyrank", 4, WRITE, K1, G, zremrangebyrank_cmd),
    spec("zremrangebyscore", 4, WRITE, K1, G, zremrangebyscore_cmd),
    spec("zrevrange", -4, READONLY, K1, G, zrevrange_cmd),
    spec("zrevrangebylex", -4, READONLY, K1, G, zrevrangebylex_cmd),
    spec("zrevrangebyscore", -4, READONLY, K1, G, zrevrangebyscore_cmd),
    spec("zrevrank", 3, READONLY | FAST, K1, G, zrevrank_cmd),
    spec("zscan", -3, READONLY, K1, G, zscan_cmd),
    spec("zscore", 3, READONLY | FAST, K1, G, zscore_cmd),
    spec("zunion", -3, READONLY | MOVABLEKEYS, NUMKEYS1, G, zunion_cmd),
    spec("zunionstore", -4, WRITE | DENYOOM | MOVABLEKEYS, DST_NUMKEYS2, G, zunionstore_cmd),
];

// ---- number and range parsing ----------------------------------------------

/// C's `isspace`.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtod` on a byte string: the value and the number of bytes it
/// consumed (0 when nothing converts). Leading white space, a sign, decimal
/// and hexadecimal (`0x1p-3`) forms, `inf`, `infinity` and `nan` (any case).
/// Overflow gives an infinity, like `strtod`'s `HUGE_VAL`.
pub(crate) fn strtod(s: &[u8]) -> (f64, usize) {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let start = i;
    let neg = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let sign = if neg { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let starts =
        |word: &[u8]| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word);
    if starts(b"infinity") {
        return (sign * f64::INFINITY, i + 8);
    }
    if starts(b"inf") {
        return (sign * f64::INFINITY, i + 3);
    }
    if starts(b"nan") {
        return (f64::NAN, i + 3);
    }
    if rest.len() > 2
        && rest[0] == b'0'
        && rest[1] | 0x20 == b'x'
        && (rest[2].is_ascii_hexdigit()
            || (rest[2] == b'.' && rest.get(3).is_some_and(u8::is_ascii_hexdigit)))
    {
        let (v, n) = hex_float(&rest[2..]);
        return (sign * v, i + 2 + n);
    }
    let mut j = i;
    let int_digits = s[j..].iter().take_while(|c| c.is_ascii_digit()).count();
    j += int_digits;
    let mut frac_digits = 0;
    if s.get(j) == Some(&b'.') {
        frac_digits = s[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits + frac_digits > 0 {
            j += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return (0.0, 0);
    }
    if matches!(s.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(s.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let exp_digits = s[k..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            j = k + exp_digits;
        }
    }
    let text = std::str::from_utf8(&s[start..j]).unwrap();
    (text.parse().unwrap_or(0.0), j)
}

/// The digits after `0x` of a hexadecimal float: `h[.h][p[+-]d]`.
fn hex_float(s: &[u8]) -> (f64, usize) {
    let mut v = 0.0f64;
    let mut exp: i64 = 0;
    let mut i = 0;
    while let Some(d) = s.get(i).and_then(|c| (*c as char).to_digit(16)) {
        v = v * 16.0 + d as f64;
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        while let Some(d) = s.get(i).and_then(|c| (*c as char).to_digit(16)) {
            v = v * 16.0 + d as f64;
            exp -= 4;
            i += 1;
        }
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut k = i + 1;
        let neg = s.get(k) == Some(&b'-');
        if matches!(s.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let digits = s[k..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            let e: i64 = s[k..k + digits].iter().fold(0i64, |a, c| {
                a.saturating_mul(10).saturating_add((c - b'0') as i64)
            });
            exp = exp.saturating_add(if neg { -e } else { e });
            i = k + digits;
        }
    }
    (v * 2f64.powi(exp.clamp(-2000, 2000) as i32), i)
}

/// A score argument as Redis's `getDoubleFromObject` reads it (ZADD,
/// ZINCRBY, WEIGHTS): all of it a `strtod` number, no leading space, not
/// NaN, no overflow to infinity or underflow to zero.
pub(crate) fn parse_score(b: &[u8]) -> Option<f64> {
    if b.is_empty() || is_c_space(b[0]) {
        return None;
    }
    let (v, n) = strtod(b);
    if n != b.len() || v.is_nan() {
        return None;
    }
    let spelled_inf = b.iter().any(|c| c.eq_ignore_ascii_case(&b'i'));
    if v.is_infinite() && !spelled_inf {
        return None;
    }
    let mantissa_end = b
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&b'e') || c.eq_ignore_ascii_case(&b'p'))
        .unwrap_or(b.len());
    let hex = b.iter().any(|c| c.eq_ignore_ascii_case(&b'x'));
    let nonzero_digit = b[..mantissa_end]
        .iter()
        .skip(if hex { 2 } else { 0 })
        .any(|c| c.is_ascii_hexdigit() && *c != b'0' && !c.eq_ignore_ascii_case(&b'x'));
    if v == 0.0 && nonzero_digit {
        return None;
    }
    Some(v)
}

/// One end of a score range (`zslParseRange`): `(` for exclusive, then a
/// `strtod` number that must use up the word (an empty word is 0, as in
/// Redis); NaN is refused.
pub(crate) fn parse_score_bound(b: &[u8]) -> Result<ScoreBound> {
    let (exclusive, body) = match b.first() {
        Some(b'(') => (true, &b[1..]),
        _ => (false, b),
    };
    let (v, n) = strtod(body);
    if n != body.len() || v.is_nan() {
        return Err(Error::MinMaxNotFloat);
    }
    Ok(if exclusive {
        ScoreBound::Exclusive(v)
    } else {
        ScoreBound::Inclusive(v)
    })
}

/// One end of a lex range (`zslParseLexRangeItem`): `-`, `+`, `[member` or `(member`.
pub(crate) fn parse_lex_bound(b: &Bytes) -> Result<LexBound> {
    match b.first() {
        Some(b'-') if b.len() == 1 => Ok(LexBound::Min),
        Some(b'+') if b.len() == 1 => Ok(LexBound::Max),
        Some(b'[') => Ok(LexBound::Inclusive(b.slice(1..))),
        Some(b'(') => Ok(LexBound::Exclusive(b.slice(1..))),
        _ => Err(Error::MinMaxNotLex),
    }
}

// ---- ZADD / ZINCRBY ---------------------------------------------------------

/// Options of `ZADD` (`NX`, `XX`, `GT`, `LT`, `CH`), for
/// [`Db::zadd_with`](crate::Db::zadd_with).
///
/// ```
/// use embedis::{Store, ZAddOptions};
/// let db = Store::new().db(0);
/// db.zadd("z", [(1.0, "a")]).unwrap();
/// // Only raise scores; count changed members too.
/// let changed = db.zadd_with("z", [(5.0, "a"), (0.0, "b")], ZAddOptions::new().gt().ch()).unwrap();
/// assert_eq!(changed, 2);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZAddOptions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
}

impl ZAddOptions {
    /// No options: add new members, update existing ones.
    pub fn new() -> Self {
        Self::default()
    }
    /// `NX`: only add new members, never update.
    pub fn nx(mut self) -> Self {
        self.nx = true;
        self
    }
    /// `XX`: only update existing members, never add.
    pub fn xx(mut self) -> Self {
        self.xx = true;
        self
    }
    /// `GT`: update an existing member only if the new score is greater.
    pub fn gt(mut self) -> Self {
        self.gt = true;
        self
    }
    /// `LT`: update an existing member only if the new score is lower.
    pub fn lt(mut self) -> Self {
        self.lt = true;
        self
    }
    /// `CH`: count updated members as well as added ones.
    pub fn ch(mut self) -> Self {
        self.ch = true;
        self
    }

    /// Redis's incompatibility checks, in its order.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.nx && self.xx {
            return Err(Error::XxNxConflict);
        }
        if (self.nx && (self.gt || self.lt)) || (self.gt && self.lt) {
            return Err(Error::GtLtNxConflict);
        }
        Ok(())
    }
}

/// What `zsetAdd` decides for one (score, member).
#[derive(Debug, Clone, Copy, PartialEq)]
enum AddDecision {
    /// Skipped (NX on an existing member, XX on a new one, GT/LT refused).
    Nop,
    /// Processed: the member gets `score`; `added` if new, `changed` if the
    /// stored score moves.
    Set {
        score: f64,
        added: bool,
        changed: bool,
    },
}

/// Redis's `zsetAdd` decision for a member whose current score is `current`.
fn decide(current: Option<f64>, score: f64, o: &ZAddOptions, incr: bool) -> Result<AddDecision> {
    match current {
        Some(cur) => {
            if o.nx {
                return Ok(AddDecision::Nop);
            }
            let new = if incr { cur + score } else { score };
            if new.is_nan() {
                return Err(Error::ScoreNan);
            }
            if (o.gt && new <= cur) || (o.lt && new >= cur) {
                return Ok(AddDecision::Nop);
            }
            Ok(AddDecision::Set {
                score: new,
                added: false,
                changed: new != cur,
            })
        }
        None if o.xx => Ok(AddDecision::Nop),
        None => Ok(AddDecision::Set {
            score,
            added: true,
            changed: true,
        }),
    }
}

/// Applies `pairs` with `zsetAdd` semantics; returns (added, updated, last
/// processed score). The key is written (WATCH touched, waiters signalled)
/// only when something changes, and never created by `XX`.
fn zadd_generic(
    db: &mut Keyspace,
    key: &[u8],
    pairs: &[(f64, Bytes)],
    o: &ZAddOptions,
    incr: bool,
) -> Result<(usize, usize, Option<f64>)> {
    // Decide against the current state first: if no element would change
    // anything, sequential application would not either.
    let mut last = None;
    let needs_write = match db.read::<ZSet>(key)? {
        None => !o.xx && !pairs.is_empty(),
        Some(z) => {
            let mut any = false;
            for (score, member) in pairs {
                if let AddDecision::Set { score, changed, .. } =
                    decide(z.score(member), *score, o, incr)?
                {
                    last = Some(score);
                    any |= changed;
                }
            }
            any
        }
    };
    if !needs_write {
        return Ok((0, 0, last));
    }
    let z = db.write_or_create::<ZSet>(key)?;
    let (mut added, mut updated) = (0, 0);
    for (score, member) in pairs {
        match decide(z.score(member), *score, o, incr)? {
            AddDecision::Nop => {}
            AddDecision::Set {
                score,
                added: new,
                changed,
            } => {
                last = Some(score);
                if changed {
                    z.insert(member, score);
                }
                if new {
                    added += 1;
                } else if changed {
                    updated += 1;
                }
            }
        }
    }
    if z.is_empty() {
        db.remove_if_empty(key);
    }
    Ok((added, updated, last))
}

/// `ZADD key [NX|XX] [GT|LT] [CH] score member ...`: members added (plus
/// updated with `CH`).
pub(crate) fn zadd(
    db: &mut Keyspace,
    key: &[u8],
    pairs: &[(f64, Bytes)],
    o: ZAddOptions,
) -> Result<usize> {
    o.validate()?;
    let (added, updated, _) = zadd_generic(db, key, pairs, &o, false)?;
    Ok(if o.ch { added + updated } else { added })
}

/// `ZADD key INCR ...` / `ZINCRBY`: adds `incr` to `member`'s score (0 if
/// new); the new score, or `None` when the options skipped it.
pub(crate) fn zadd_incr(
    db: &mut Keyspace,
    key: &[u8],
    incr: f64,
    member: Bytes,
    o: ZAddOptions,
) -> Result<Option<f64>> {
    o.validate()?;
    Ok(zadd_generic(db, key, &[(incr, member)], &o, true)?.2)
}

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`.
fn zadd_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let mut o = ZAddOptions::default();
    let mut incr = false;
    loop {
        if args.eat("nx") {
            o.nx = true;
        } else if args.eat("xx") {
            o.xx = true;
        } else if args.eat("ch") {
            o.ch = true;
        } else if args.eat("incr") {
            incr = true;
        } else if args.eat("gt") {
            o.gt = true;
        } else if args.eat("lt") {
            o.lt = true;
        } else {
            break;
        }
    }
    let words = args.rest();
    if words.is_empty() || words.len() % 2 != 0 {
        return Err(Error::Syntax);
    }
    o.validate()?;
    if incr && words.len() > 2 {
        return Err(Error::IncrSinglePair);
    }
    let mut words = words.into_iter();
    let mut pairs: Vec<(f64, Bytes)> = Vec::with_capacity(words.len() / 2);
    while let (Some(score), Some(member)) = (words.next(), words.next()) {
        pairs.push((parse_score(&score).ok_or(Error::NotFloat)?, member));
    }
    if incr {
        let (score, member) = pairs.into_iter().next().unwrap();
        return Ok(match zadd_incr(cx.db(), &key, score, member, o)? {
            Some(s) => Reply::Double(s),
            None => Reply::Null,
        });
    }
    Ok(Reply::count(zadd(cx.db(), &key, &pairs, o)?))
}

/// `ZINCRBY key increment member`.
fn zincrby_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let incr = parse_score(&args.next()?).ok_or(Error::NotFloat)?;
    let member = args.bytes()?;
    let score = zadd_incr(cx.db(), &key, incr, member, ZAddOptions::default())?;
    Ok(score.map_or(Reply::Null, Reply::Double))
}

// ---- simple reads -------------------------------------------------------------

/// `ZSCORE`.
pub(crate) fn zscore(db: &mut Keyspace, key: &[u8], member: &[u8]) -> Result<Option<f64>> {
    Ok(db.read::<ZSet>(key)?.and_then(|z| z.score(member)))
}

/// `ZMSCORE`: each member's score, `None` where missing.
pub(crate) fn zmscore(
    db: &mut Keyspace,
    key: &[u8],
    members: &[Bytes],
) -> Result<Vec<Option<f64>>> {
    let z = db.read::<ZSet>(key)?;
    Ok(members.iter().map(|m| z.and_then(|z| z.score(m))).collect())
}

/// `ZCARD`.
pub(crate) fn zcard(db: &mut Keyspace, key: &[u8]) -> Result<usize> {
    Ok(db.read::<ZSet>(key)?.map_or(0, |z| z.len()))
}

/// `ZRANK` (`rev == false`) / `ZREVRANK`: 0-based rank.
pub(crate) fn zrank(
    db: &mut Keyspace,
    key: &[u8],
    member: &[u8],
    rev: bool,
) -> Result<Option<usize>> {
    Ok(db.read::<ZSet>(key)?.and_then(|z| {
        z.rank(member)
            .map(|r| if rev { z.len() - 1 - r } else { r })
    }))
}

/// `ZCOUNT`: members with a score in `min..=max`. O(log n).
pub(crate) fn zcount(
    db: &mut Keyspace,
    key: &[u8],
    min: ScoreBound,
    max: ScoreBound,
) -> Result<usize> {
    Ok(db.read::<ZSet>(key)?.map_or(0, |z| {
        let (lo, hi) = z.score_range(min, max);
        hi - lo
    }))
}

/// `ZLEXCOUNT`: members in the lex range. O(log n).
pub(crate) fn zlexcount(
    db: &mut Keyspace,
    key: &[u8],
    min: &LexBound,
    max: &LexBound,
) -> Result<usize> {
    Ok(db.read::<ZSet>(key)?.map_or(0, |z| {
        let (lo, hi) = z.lex_range(min, max);
        hi - lo
    }))
}

fn zscore_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let (key, member) = (args.key()?, args.bytes()?);
    Ok(zscore(cx.db(), &key, &member)?.map_or(Reply::Null, Reply::Double))
}

fn zmscore_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let members = args.rest();
    let scores = zmscore(cx.db(), &key, &members)?;
    Ok(Reply::Array(
        scores
            .into_iter()
            .map(|s| s.map_or(Reply::Null, Reply::Double))
            .collect(),
    ))
}

fn zcard_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::count(zcard(cx.db(), &key)?))
}

fn zrank_generic(cx: &mut Cx<'_>, args: &mut Args, rev: bool) -> Result<Reply> {
    let (key, member) = (args.key()?, args.bytes()?);
    Ok(zrank(cx.db(), &key, &member, rev)?.map_or(Reply::Null, Reply::count))
}

fn zrank_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    zrank_generic(cx, args, false)
}

fn zrevrank_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    zrank_generic(cx, args, true)
}

/// `ZCOUNT key min max`: the range is parsed before the key is looked up.
fn zcount_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let min = parse_score_bound(&args.next()?)?;
    let max = parse_score_bound(&args.next()?)?;
    Ok(Reply::count(zcount(cx.db(), &key, min, max)?))
}

/// `ZLEXCOUNT key min max`.
fn zlexcount_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let min = parse_lex_bound(&args.next()?)?;
    let max = parse_lex_bound(&args.next()?)?;
    Ok(Reply::count(zlexcount(cx.db(), &key, &min, &max)?))
}

// ---- ranges -----------------------------------------------------------------

/// Which members a ZRANGE-family command selects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RangeBy {
    /// Ranks `start..=stop`, negative counting from the end (in the
    /// command's direction).
    Rank(i64, i64),
    /// Scores in `min..=max`.
    Score(ScoreBound, ScoreBound),
    /// Members in the lex range.
    Lex(LexBound, LexBound),
}

/// A parsed ZRANGE-family request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RangeSpec {
    pub(crate) by: RangeBy,
    pub(crate) rev: bool,
    /// `LIMIT offset count` (score and lex ranges only); a negative count
    /// means all, a negative offset selects nothing, as in Redis.
    pub(crate) limit: Option<(i64, i64)>,
}

/// Clamps Redis rank arguments against `len`: the inclusive 0-based
/// `(start, stop)`, or `None` for an empty range.
fn clamp_ranks(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { start + len } else { start };
    let mut stop = if stop < 0 { stop + len } else { stop };
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

/// The ascending rank range `lo..hi` a request selects in `z`, and whether
/// to walk it backwards.
fn select_ranks(z: &ZSet, r: &RangeSpec) -> (usize, usize) {
    let len = z.len();
    let (lo, hi) = match &r.by {
        RangeBy::Rank(start, stop) => match clamp_ranks(*start, *stop, len) {
            None => return (0, 0),
            Some((s, e)) if r.rev => (len - 1 - e, len - s),
            Some((s, e)) => (s, e + 1),
        },
        RangeBy::Score(min, max) => z.score_range(*min, *max),
        RangeBy::Lex(min, max) => z.lex_range(min, max),
    };
    let Some((offset, count)) = r.limit else {
        return (lo, hi);
    };
    if offset < 0 {
        return (0, 0);
    }
    let avail = hi - lo;
    let skip = (offset as u64).min(avail as u64) as usize;
    let take = if count < 0 {
        avail - skip
    } else {
        (count as u64).min((avail - skip) as u64) as usize
    };
    if r.rev {
        (hi - skip - take, hi - skip)
    } else {
        (lo + skip, lo + skip + take)
    }
}

/// The members and scores a request selects, in its direction.
fn picked<'z>(z: &'z ZSet, r: &RangeSpec) -> Vec<(&'z CompactBytes, f64)> {
    let (lo, hi) = select_ranks(z, r);
    if r.rev {
        z.range(lo, hi).rev().collect()
    } else {
        z.range(lo, hi).collect()
    }
}

/// The members (with scores) a request selects, in its direction.
pub(crate) fn range_of(z: &ZSet, r: &RangeSpec) -> Vec<(Bytes, f64)> {
    let picked = picked(z, r);
    BulkArray::from_strings(picked.iter().map(|(m, _)| *m))
        .into_bytes()
        .into_iter()
        .zip(picked.iter().map(|(_, s)| *s))
        .collect()
}

/// ZRANGE and friends on `key` (empty for a missing key).
pub(crate) fn zrange(db: &mut Keyspace, key: &[u8], r: &RangeSpec) -> Result<Vec<(Bytes, f64)>> {
    Ok(db
        .read::<ZSet>(key)?
        .map(|z| range_of(z, r))
        .unwrap_or_default())
}

/// Stores `items` as a sorted set at `dst` (replacing any value and TTL),
/// or deletes `dst` when there are none. Returns how many were stored.
fn store_result(db: &mut Keyspace, dst: &[u8], z: ZSet) -> usize {
    let n = z.len();
    if n == 0 {
        db.remove(dst);
    } else {
        db.set(Bytes::copy_from_slice(dst), Value::from(z));
    }
    n
}

/// `ZRANGESTORE`: the selected members of `src` stored at `dst`.
pub(crate) fn zrangestore(
    db: &mut Keyspace,
    dst: &[u8],
    src: &[u8],
    r: &RangeSpec,
) -> Result<usize> {
    let items = zrange(db, src, r)?;
    let mut z = ZSet::new();
    for (m, s) in items {
        z.insert(m, s);
    }
    Ok(store_result(db, dst, z))
}

/// Members with scores as Redis replies with them: bulks only, or with
/// scores flat `[m, s, ...]` in RESP2 and as `[[m, s], ...]` pairs in RESP3.
pub(crate) fn scored_reply(
    items: Vec<(Bytes, f64)>,
    withscores: bool,
    protocol: Protocol,
) -> Reply {
    if !withscores {
        return Reply::Array(items.into_iter().map(|(m, _)| Reply::Bulk(m)).collect());
    }
    match protocol {
        Protocol::Resp2 => Reply::Array(
            items
                .into_iter()
                .flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)])
                .collect(),
        ),
        Protocol::Resp3 => Reply::Array(
            items
                .into_iter()
                .map(|(m, s)| Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]))
                .collect(),
        ),
    }
}

/// What a ZRANGE-family command fixes before its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// `zrangeGenericCommand`: ZRANGE, ZRANGESTORE, ZRANGEBYSCORE, ... Options
/// are parsed first, then the range, then the key is looked up, as in Redis.
fn zrange_generic(
    cx: &mut Cx<'_>,
    args: &mut Args,
    store: bool,
    mut kind: RangeKind,
    fixed_rev: Option<bool>,
) -> Result<Reply> {
    let dst = if store { Some(args.key()?) } else { None };
    let key = args.key()?;
    let (mut raw_min, mut raw_max) = (args.next()?, args.next()?);
    let mut withscores = false;
    let mut rev = fixed_rev;
    let (mut offset, mut count) = (0i64, -1i64);
    while !args.is_empty() {
        if !store && args.eat("withscores") {
            withscores = true;
        } else if args.remaining() >= 3 && args.eat("limit") {
            offset = args.i64()?;
            count = args.i64()?;
        } else if rev.is_none() && args.eat("rev") {
            rev = Some(true);
        } else if kind == RangeKind::Auto && args.eat("bylex") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && args.eat("byscore") {
            kind = RangeKind::Score;
        } else {
            return Err(Error::Syntax);
        }
    }
    let rev = rev.unwrap_or(false);
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    if count != -1 && kind == RangeKind::Rank {
        return Err(Error::LimitNeedsByScoreOrLex);
    }
    if withscores && kind == RangeKind::Lex {
        return Err(Error::WithscoresWithBylex);
    }
    if rev && kind != RangeKind::Rank {
        std::mem::swap(&mut raw_min, &mut raw_max);
    }
    let by = match kind {
        RangeKind::Score => {
            RangeBy::Score(parse_score_bound(&raw_min)?, parse_score_bound(&raw_max)?)
        }
        RangeKind::Lex => RangeBy::Lex(parse_lex_bound(&raw_min)?, parse_lex_bound(&raw_max)?),
        _ => RangeBy::Rank(
            parse_i64(&raw_min).ok_or(Error::NotInteger)?,
            parse_i64(&raw_max).ok_or(Error::NotInteger)?,
        ),
    };
    let spec = RangeSpec {
        by,
        rev,
        limit: (kind != RangeKind::Rank).then_some((offset, count)),
    };
    if let Some(dst) = dst {
        return Ok(Reply::count(zrangestore(cx.db(), &dst, &key, &spec)?));
    }
    if !withscores {
        // Members only: packed in one buffer, as LRANGE replies.
        let members = cx.db().read::<ZSet>(&key)?.map(|z| {
            let picked = picked(z, &spec);
            BulkArray::from_strings(picked.iter().map(|(m, _)| *m))
        });
        return Ok(Reply::BulkArray(members.unwrap_or_default()));
    }
    let items = zrange(cx.db(), &key, &spec)?;
    Ok(scored_reply(items, withscores, cx.protocol()))
}

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`.
fn zrange_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, false, RangeKind::Auto, None)
}

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]`.
fn zrangestore_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, true, RangeKind::Auto, None)
}

/// `ZREVRANGE key start stop [WITHSCORES]`.
fn zrevrange_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, false, RangeKind::Rank, Some(true))
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
fn zrangebyscore_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, false, RangeKind::Score, Some(false))
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
fn zrevrangebyscore_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, false, RangeKind::Score, Some(true))
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`.
fn zrangebylex_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, false, RangeKind::Lex, Some(false))
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
fn zrevrangebylex_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zrange_generic(cx, a, false, RangeKind::Lex, Some(true))
}

// ---- removal ------------------------------------------------------------------

/// `ZREM`: members removed; deletes the key when it empties.
pub(crate) fn zrem(db: &mut Keyspace, key: &[u8], members: &[Bytes]) -> Result<usize> {
    match db.read::<ZSet>(key)? {
        Some(z) if members.iter().any(|m| z.score(m).is_some()) => {}
        _ => return Ok(0),
    }
    let z = db.write::<ZSet>(key)?.unwrap();
    let n = members.iter().filter(|m| z.remove(m)).count();
    db.remove_if_empty(key);
    Ok(n)
}

/// `ZREMRANGEBYRANK` / `BYSCORE` / `BYLEX`: removes the (ascending) range;
/// returns how many went. O(log n + removed).
pub(crate) fn zremrange(db: &mut Keyspace, key: &[u8], by: RangeBy) -> Result<usize> {
    let spec = RangeSpec {
        by,
        rev: false,
        limit: None,
    };
    let (lo, hi) = match db.read::<ZSet>(key)? {
        None => return Ok(0),
        Some(z) => select_ranks(z, &spec),
    };
    if lo >= hi {
        return Ok(0);
    }
    let removed = db.write::<ZSet>(key)?.unwrap().remove_range(lo, hi).len();
    db.remove_if_empty(key);
    Ok(removed)
}

fn zrem_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let members = args.rest();
    Ok(Reply::count(zrem(cx.db(), &key, &members)?))
}

/// `ZREMRANGEBYRANK key start stop`.
fn zremrangebyrank_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let (start, stop) = (args.i64()?, args.i64()?);
    Ok(Reply::count(zremrange(
        cx.db(),
        &key,
        RangeBy::Rank(start, stop),
    )?))
}

/// `ZREMRANGEBYSCORE key min max`.
fn zremrangebyscore_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let min = parse_score_bound(&args.next()?)?;
    let max = parse_score_bound(&args.next()?)?;
    Ok(Reply::count(zremrange(
        cx.db(),
        &key,
        RangeBy::Score(min, max),
    )?))
}

/// `ZREMRANGEBYLEX key min max`.
fn zremrangebylex_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let min = parse_lex_bound(&args.next()?)?;
    let max = parse_lex_bound(&args.next()?)?;
    Ok(Reply::count(zremrange(
        cx.db(),
        &key,
        RangeBy::Lex(min, max),
    )?))
}

// ---- pops -------------------------------------------------------------------

/// Pops up to `count` lowest (`max == false`) or highest members of `key`;
/// `None` when the key is missing. Deletes the key when it empties.
pub(crate) fn zpop(
    db: &mut Keyspace,
    key: &[u8],
    max: bool,
    count: usize,
) -> Result<Option<Vec<(Bytes, f64)>>> {
    let len = match db.read::<ZSet>(key)? {
        None => return Ok(None),
        Some(z) => z.len(),
    };
    if count == 0 {
        return Ok(Some(Vec::new()));
    }
    let n = count.min(len);
    let z = db.write::<ZSet>(key)?.unwrap();
    let out = (0..n).filter_map(|_| z.pop(max)).collect();
    db.remove_if_empty(key);
    Ok(Some(out))
}

/// What ZMPOP popped: the key and its (member, score) pairs.
pub(crate) type Popped = (Bytes, Vec<(Bytes, f64)>);

/// `ZMPOP`: pops from the first key that exists (erroring if that key is
/// not a sorted set); `None` when none exists.
pub(crate) fn zmpop(
    db: &mut Keyspace,
    keys: &[Bytes],
    max: bool,
    count: usize,
) -> Result<Option<Popped>> {
    for key in keys {
        if let Some(items) = zpop(db, key, max, count)? {
            return Ok(Some((key.clone(), items)));
        }
    }
    Ok(None)
}

/// `[m, s, m, s]` for a pop reply (scores as doubles).
fn flat_pairs(items: Vec<(Bytes, f64)>) -> Vec<Reply> {
    items
        .into_iter()
        .flat_map(|(m, s)| [Reply::Bulk(m), Reply::Double(s)])
        .collect()
}

/// The ZMPOP/BZMPOP reply: `[key, [[m, s], ...]]` in both protocols, `*-1` for none.
pub(crate) fn mpop_reply(found: Option<Popped>) -> Reply {
    match found {
        None => Reply::NullArray,
        Some((key, items)) => Reply::Array(vec![
            Reply::Bulk(key),
            scored_reply(items, true, Protocol::Resp3),
        ]),
    }
}

/// `ZPOPMIN/ZPOPMAX key [count]`: flat pairs, except RESP3 with a count
/// gives `[[m, s], ...]`.
fn zpop_generic(cx: &mut Cx<'_>, args: &mut Args, max: bool) -> Result<Reply> {
    let key = args.key()?;
    let count = match args.remaining() {
        0 => None,
        1 => Some(
            parse_i64(&args.next()?)
                .filter(|n| *n >= 0)
                .ok_or(Error::OutOfRangePositive)? as usize,
        ),
        _ => return Err(Error::Syntax),
    };
    let Some(items) = zpop(cx.db(), &key, max, count.unwrap_or(1))? else {
        return Ok(Reply::EMPTY_ARRAY);
    };
    if count.is_some() && cx.protocol() == Protocol::Resp3 {
        return Ok(scored_reply(items, true, Protocol::Resp3));
    }
    Ok(Reply::Array(flat_pairs(items)))
}

fn zpopmin_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    zpop_generic(cx, args, false)
}

fn zpopmax_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    zpop_generic(cx, args, true)
}

/// Parsed `numkeys key... MIN|MAX [COUNT count]` of ZMPOP/BZMPOP.
struct MpopArgs {
    keys: Vec<Bytes>,
    max: bool,
    count: usize,
}

fn parse_mpop(args: &mut Args) -> Result<MpopArgs> {
    let numkeys = parse_i64(&args.next()?)
        .filter(|n| *n >= 1)
        .ok_or(Error::NumkeysNotPositive)? as u64;
    if numkeys >= args.remaining() as u64 {
        return Err(Error::Syntax);
    }
    let keys: Vec<Bytes> = (0..numkeys).map(|_| args.key()).collect::<Result<_>>()?;
    let max = if args.eat("min") {
        false
    } else if args.eat("max") {
        true
    } else {
        return Err(Error::Syntax);
    };
    let mut count = None;
    while !args.is_empty() {
        if count.is_none() && args.remaining() >= 2 && args.eat("count") {
            let n = parse_i64(&args.next()?)
                .filter(|n| *n >= 1)
                .ok_or(Error::CountNotPositive)?;
            count = Some(n as usize);
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(MpopArgs {
        keys,
        max,
        count: count.unwrap_or(1),
    })
}

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`.
fn zmpop_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let m = parse_mpop(args)?;
    Ok(mpop_reply(zmpop(cx.db(), &m.keys, m.max, m.count)?))
}

/// BZPOPMIN/BZPOPMAX's serve closure: pops one member of the ready key.
fn serve_bzpop(max: bool) -> ServeFn {
    Box::new(move |db, key| match zpop(db, key, max, 1) {
        Ok(Some(items)) if !items.is_empty() => {
            let mut reply = vec![Reply::Bulk(key.clone())];
            reply.extend(flat_pairs(items));
            Some(Reply::Array(reply))
        }
        // Missing or of another type: Redis 7.0 keeps the client blocked.
        _ => None,
    })
}

/// BZMPOP's serve closure: pops up to `count` from the ready key.
fn serve_bzmpop(max: bool, count: usize) -> ServeFn {
    Box::new(move |db, key| match zpop(db, key, max, count) {
        Ok(Some(items)) if !items.is_empty() => Some(mpop_reply(Some((key.clone(), items)))),
        _ => None,
    })
}

/// `BZPOPMIN/BZPOPMAX key [key ...] timeout`: `[key, member, score]` from
/// the first non-empty sorted set, else block on every key; `*-1` on timeout.
fn bzpop_generic(cx: &mut Cx<'_>, args: &mut Args, max: bool) -> Result<Reply> {
    let mut keys = args.rest();
    let raw_timeout = keys.pop().ok_or(Error::Syntax)?;
    let timeout = parse_timeout(&raw_timeout)?;
    for key in &keys {
        if let Some(items) = zpop(cx.db(), key, max, 1)? {
            let mut reply = vec![Reply::Bulk(key.clone())];
            reply.extend(flat_pairs(items));
            return Ok(Reply::Array(reply));
        }
    }
    cx.block_on(BlockRequest {
        keys,
        timeout,
        timeout_reply: Reply::NullArray,
        serve: serve_bzpop(max),
    })
}

fn bzpopmin_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    bzpop_generic(cx, args, false)
}

fn bzpopmax_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    bzpop_generic(cx, args, true)
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: the
/// timeout is parsed first, as Redis does.
fn bzmpop_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let timeout = parse_timeout(&args.next()?)?;
    let m = parse_mpop(args)?;
    if let Some(found) = zmpop(cx.db(), &m.keys, m.max, m.count)? {
        return Ok(mpop_reply(Some(found)));
    }
    cx.block_on(BlockRequest {
        keys: m.keys,
        timeout,
        timeout_reply: Reply::NullArray,
        serve: serve_bzmpop(m.max, m.count),
    })
}

// ---- random and scan ------------------------------------------------------

/// `ZRANDMEMBER key`: a random member, not removed.
pub(crate) fn zrandmember(db: &mut Keyspace, key: &[u8]) -> Result<Option<Bytes>> {
    let Some(len) = db.read::<ZSet>(key)?.map(|z| z.len()) else {
        return Ok(None);
    };
    let i = db.random_index(len);
    Ok(db
        .read::<ZSet>(key)?
        .and_then(|z| z.get_index(i).map(|(m, _)| m.to_bytes())))
}

/// `ZRANDMEMBER key count`: up to `count` distinct members when `count >=
/// 0`, exactly `-count` with repeats when negative; with their scores.
pub(crate) fn zrandmember_count(
    db: &mut Keyspace,
    key: &[u8],
    count: i64,
) -> Result<Vec<(Bytes, f64)>> {
    let Some(len) = db.read::<ZSet>(key)?.map(|z| z.len()) else {
        return Ok(Vec::new());
    };
    if count >= len as i64 {
        // The whole set, in order (what Redis's listpack encoding gives).
        return Ok(db
            .read::<ZSet>(key)?
            .unwrap()
            .iter()
            .map(|(m, s)| (m.to_bytes(), s))
            .collect());
    }
    let picks = random_picks(db, len, count);
    let z = db.read::<ZSet>(key)?.unwrap();
    Ok(picks
        .into_iter()
        .map(|i| z.get_index(i).map(|(m, s)| (m.to_bytes(), s)).unwrap())
        .collect())
}

/// `ZRANDMEMBER key [count [WITHSCORES]]`.
fn zrandmember_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    if args.is_empty() {
        return Ok(Reply::bulk_or_null(zrandmember(cx.db(), &key)?));
    }
    let count = parse_rand_count(args)?;
    let withscores = match args.remaining() {
        0 => false,
        1 if args.eat("withscores") => true,
        _ => return Err(Error::Syntax),
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(Error::OutOfRange);
    }
    let items = zrandmember_count(cx.db(), &key, count)?;
    Ok(scored_reply(items, withscores, cx.protocol()))
}

/// `ZSCAN`: like SSCAN, with scores. A set small enough to be a listpack in
/// Redis (at most 128 members of at most 64 bytes) comes back whole, in
/// order, with cursor 0, as Redis does.
pub(crate) fn zscan(
    db: &mut Keyspace,
    key: &[u8],
    cursor: u64,
    pattern: Option<&[u8]>,
    count: usize,
) -> Result<(u64, Vec<(Bytes, f64)>)> {
    let Some(z) = db.read::<ZSet>(key)? else {
        return Ok((0, Vec::new()));
    };
    let keep = |m: &CompactBytes| pattern.is_none_or(|p| crate::glob::matches(p, m));
    let small =
        z.len() <= LISTPACK_MAX_ENTRIES && z.iter().all(|(m, _)| m.len() <= LISTPACK_MAX_VALUE);
    if small {
        let items = z
            .iter()
            .filter(|(m, _)| keep(m))
            .map(|(m, s)| (m.to_bytes(), s))
            .collect();
        return Ok((0, items));
    }
    let mut out = Vec::new();
    let next = scan_indexed(z.len(), cursor, count, |i| {
        let (m, s) = z.get_index(i).unwrap();
        if keep(m) {
            out.push((m.to_bytes(), s));
        }
    });
    Ok((next, out))
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`: scores as bulk strings
/// in both protocols.
fn zscan_cmd(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let cursor = parse_cursor(&args.next()?)?;
    if cx.db().read::<ZSet>(&key)?.is_none() {
        return Ok(scan_reply(0, Vec::new()));
    }
    let (pattern, count) = parse_scan_options(args)?;
    let (next, items) = zscan(cx.db(), &key, cursor, pattern.as_deref(), count)?;
    Ok(scan_reply(
        next,
        items
            .into_iter()
            .flat_map(|(m, s)| [Reply::Bulk(m), Reply::bulk(format_double(s))])
            .collect(),
    ))
}

// ---- union / intersection / difference ------------------------------------------

/// How ZUNION/ZINTER combine the scores of a member found in several inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Aggregate {
    /// Add them (the default); `inf + -inf` gives 0, as in Redis.
    #[default]
    Sum,
    /// Keep the lowest.
    Min,
    /// Keep the highest.
    Max,
}

impl Aggregate {
    fn apply(self, acc: f64, v: f64) -> f64 {
        match self {
            Aggregate::Sum => {
                let s = acc + v;
                if s.is_nan() { 0.0 } else { s }
            }
            Aggregate::Min => acc.min(v),
            Aggregate::Max => acc.max(v),
        }
    }
}

/// `WEIGHTS` and `AGGREGATE` of ZUNIONSTORE / ZINTERSTORE, for
/// [`Db::zunionstore_with`](crate::Db::zunionstore_with) and
/// [`Db::zinterstore_with`](crate::Db::zinterstore_with).
///
/// ```
/// use embedis::{Aggregate, Store, ZStoreOptions};
/// let db = Store::new().db(0);
/// db.zadd("a", [(1.0, "x")]).unwrap();
/// db.zadd("b", [(5.0, "x")]).unwrap();
/// let opts = ZStoreOptions::new().weights([2.0, 1.0]).aggregate(Aggregate::Min);
/// assert_eq!(db.zunionstore_with("out", ["a", "b"], opts).unwrap(), 1);
/// assert_eq!(db.zscore("out", "x").unwrap(), Some(2.0));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZStoreOptions {
    pub(crate) weights: Vec<f64>,
    pub(crate) aggregate: Aggregate,
}

impl ZStoreOptions {
    /// Weights 1, `SUM`.
    pub fn new() -> Self {
        Self::default()
    }
    /// `WEIGHTS w...`: one multiplier per input key, in order.
    pub fn weights(mut self, weights: impl IntoIterator<Item = f64>) -> Self {
        self.weights = weights.into_iter().collect();
        self
    }
    /// `AGGREGATE SUM|MIN|MAX`.
    pub fn aggregate(mut self, aggregate: Aggregate) -> Self {
        self.aggregate = aggregate;
        self
    }
}

/// Which algebra `zsetop` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZSetOp {
    Union,
    Inter,
    Diff,
}

/// Type-checks the inputs of ZUNION & co: sorted sets or sets (members
/// score 1). Returns each one's size, `None` for a missing key.
fn zsetop_sizes(db: &mut Keyspace, keys: &[Bytes]) -> Result<Vec<Option<usize>>> {
    keys.iter()
        .map(|k| match db.get(k).map(|e| &e.value) {
            None => Ok(None),
            Some(Value::ZSet(z)) => Ok(Some(z.len())),
            Some(Value::Set(s)) => Ok(Some(s.len())),
            Some(_) => Err(Error::WrongType),
        })
        .collect()
}

/// Calls `f` for each (member, score) of the input at `key` (a sorted set,
/// or a set with scores 1).
fn for_each_input(db: &mut Keyspace, key: &[u8], mut f: impl FnMut(&CompactBytes, f64)) {
    match db.get(key).map(|e| &e.value) {
        Some(Value::ZSet(z)) => z.iter().for_each(|(m, s)| f(m, s)),
        Some(Value::Set(s)) => s.iter().for_each(|m| f(m, 1.0)),
        _ => {}
    }
}

/// The score of `member` in the input at `key`, if there.
fn input_score(db: &mut Keyspace, key: &[u8], member: &[u8]) -> Option<f64> {
    match db.get(key).map(|e| &e.value) {
        Some(Value::ZSet(z)) => z.score(member),
        Some(Value::Set(s)) => s.contains(member).then_some(1.0),
        _ => None,
    }
}

/// `weight * score`, with Redis's NaN → 0 (`0 * inf`).
fn weighted(weight: f64, score: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() { 0.0 } else { v }
}

/// ZUNION / ZINTER / ZDIFF of `keys` (sorted sets or sets; missing keys
/// are empty). `weights` has one entry per key (ignored by Diff).
pub(crate) fn zsetop(
    db: &mut Keyspace,
    op: ZSetOp,
    keys: &[Bytes],
    weights: &[f64],
    agg: Aggregate,
) -> Result<ZSet> {
    let sizes = zsetop_sizes(db, keys)?;
    let weight = |i: usize| weights.get(i).copied().unwrap_or(1.0);
    let mut out = ZSet::new();
    match op {
        ZSetOp::Union => {
            // Smallest first, as Redis orders its inputs.
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by_key(|&i| sizes[i].unwrap_or(0));
            let mut acc: indexmap::IndexMap<CompactBytes, f64, crate::value::Hasher> =
                Default::default();
            for i in order {
                let w = weight(i);
                for_each_input(db, &keys[i], |m, s| {
                    let v = weighted(w, s);
                    match acc.get_mut(&m[..]) {
                        Some(cur) => *cur = agg.apply(*cur, v),
                        None => {
                            acc.insert(m.clone(), v);
                        }
                    }
                });
            }
            for (m, s) in acc {
                out.insert(m, s);
            }
        }
        ZSetOp::Inter => {
            if sizes.iter().any(|s| s.is_none_or(|n| n == 0)) {
                return Ok(out);
            }
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by_key(|&i| sizes[i]);
            let first = order[0];
            let mut acc: Vec<(CompactBytes, f64)> = Vec::with_capacity(sizes[first].unwrap_or(0));
            let w = weight(first);
            for_each_input(db, &keys[first], |m, s| {
                acc.push((m.clone(), weighted(w, s)))
            });
            for &i in &order[1..] {
                let w = weight(i);
                acc.retain_mut(|(m, cur)| match input_score(db, &keys[i], m) {
                    Some(s) => {
                        *cur = agg.apply(*cur, weighted(w, s));
                        true
                    }
                    None => false,
                });
                if acc.is_empty() {
                    break;
                }
            }
            for (m, s) in acc {
                out.insert(m, s);
            }
        }
        ZSetOp::Diff => {
            if sizes[0].is_none() {
                return Ok(out);
            }
            let mut acc: Vec<(CompactBytes, f64)> = Vec::with_capacity(sizes[0].unwrap_or(0));
            for_each_input(db, &keys[0], |m, s| acc.push((m.clone(), s)));
            for k in &keys[1..] {
                if acc.is_empty() {
                    break;
                }
                acc.retain(|(m, _)| input_score(db, k, m).is_none());
            }
            for (m, s) in acc {
                out.insert(m, s);
            }
        }
    }
    Ok(out)
}

/// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE: the result stored at `dst`
/// (deleted when empty); returns its size.
pub(crate) fn zsetop_store(
    db: &mut Keyspace,
    op: ZSetOp,
    dst: &[u8],
    keys: &[Bytes],
    weights: &[f64],
    agg: Aggregate,
) -> Result<usize> {
    let z = zsetop(db, op, keys, weights, agg)?;
    Ok(store_result(db, dst, z))
}

/// `ZINTERCARD`: the intersection's size, counting stops at `limit` (0 = none).
pub(crate) fn zintercard(db: &mut Keyspace, keys: &[Bytes], limit: usize) -> Result<usize> {
    let sizes = zsetop_sizes(db, keys)?;
    if sizes.iter().any(|s| s.is_none_or(|n| n == 0)) {
        return Ok(0);
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut members: Vec<CompactBytes> = Vec::new();
    for_each_input(db, &keys[order[0]], |m, _| members.push(m.clone()));
    for &i in &order[1..] {
        members.retain(|m| input_score(db, &keys[i], m).is_some());
    }
    Ok(match limit {
        0 => members.len(),
        l => members.len().min(l),
    })
}

/// What a ZUNION-family command does with its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Reply,
    Store,
    Card,
}

/// `zunionInterDiffGenericCommand`: `[destination] numkeys key... [WEIGHTS
/// w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]` (or `[LIMIT n]` for
/// ZINTERCARD). Every key is type-checked before the options are parsed.
fn zsetop_generic(
    cx: &mut Cx<'_>,
    args: &mut Args,
    op: ZSetOp,
    output: Output,
    name: &'static str,
) -> Result<Reply> {
    let dst = if output == Output::Store {
        Some(args.key()?)
    } else {
        None
    };
    let numkeys = args.i64()?;
    if numkeys < 1 {
        return Err(Error::NoInputKeys { command: name });
    }
    if numkeys as u64 > args.remaining() as u64 {
        return Err(Error::Syntax);
    }
    let keys: Vec<Bytes> = (0..numkeys).map(|_| args.key()).collect::<Result<_>>()?;
    zsetop_sizes(cx.db(), &keys)?;
    let mut weights = Vec::new();
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let n = keys.len();
    while !args.is_empty() {
        if op != ZSetOp::Diff
            && output != Output::Card
            && args.remaining() > n
            && args.eat("weights")
        {
            weights = (0..n)
                .map(|_| parse_score(&args.next()?).ok_or(Error::WeightNotFloat))
                .collect::<Result<_>>()?;
        } else if op != ZSetOp::Diff
            && output != Output::Card
            && args.remaining() >= 2
            && args.eat("aggregate")
        {
            let a = args.next()?;
            agg = if a.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if a.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if a.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return Err(Error::Syntax);
            };
        } else if output == Output::Reply && args.eat("withscores") {
            withscores = true;
        } else if output == Output::Card && args.remaining() >= 2 && args.eat("limit") {
            limit = parse_limit(&args.next()?)?;
        } else {
            return Err(Error::Syntax);
        }
    }
    match output {
        Output::Card => Ok(Reply::count(zintercard(cx.db(), &keys, limit)?)),
        Output::Store => {
            let dst = dst.unwrap();
            Ok(Reply::count(zsetop_store(
                cx.db(),
                op,
                &dst,
                &keys,
                &weights,
                agg,
            )?))
        }
        Output::Reply => {
            let z = zsetop(cx.db(), op, &keys, &weights, agg)?;
            let items = z.iter().map(|(m, s)| (m.to_bytes(), s)).collect();
            Ok(scored_reply(items, withscores, cx.protocol()))
        }
    }
}

fn zunion_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Union, Output::Reply, "zunion")
}

fn zinter_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Inter, Output::Reply, "zinter")
}

fn zdiff_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Diff, Output::Reply, "zdiff")
}

fn zunionstore_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Union, Output::Store, "zunionstore")
}

fn zinterstore_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Inter, Output::Store, "zinterstore")
}

fn zdiffstore_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Diff, Output::Store, "zdiffstore")
}

fn zintercard_cmd(cx: &mut Cx<'_>, a: &mut Args) -> Result<Reply> {
    zsetop_generic(cx, a, ZSetOp::Inter, Output::Card, "zintercard")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_consumes_like_c() {
        assert_eq!(strtod(b"1.5"), (1.5, 3));
        assert_eq!(strtod(b"  -2e3x"), (-2000.0, 6));
        assert_eq!(strtod(b""), (0.0, 0));
        assert_eq!(strtod(b"  "), (0.0, 0));
        assert_eq!(strtod(b"1e"), (1.0, 1));
        assert_eq!(strtod(b".5"), (0.5, 2));
        assert_eq!(strtod(b"5."), (5.0, 2));
        assert_eq!(strtod(b"0x10"), (16.0, 4));
        assert_eq!(strtod(b"0x1p-3"), (0.125, 6));
        assert_eq!(strtod(b"0x"), (0.0, 1));
        assert_eq!(strtod(b"-Infinity"), (f64::NEG_INFINITY, 9));
        assert_eq!(strtod(b"+inf"), (f64::INFINITY, 4));
        assert!(strtod(b"nan").0.is_nan());
        assert_eq!(strtod(b"1e400"), (f64::INFINITY, 5));
    }

    #[test]
    fn parse_score_follows_get_double_from_object() {
        for (s, want) in [
            ("1.5", Some(1.5)),
            ("0x10", Some(16.0)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("+Infinity", Some(f64::INFINITY)),
            ("0e-999", Some(0.0)),
            ("1e400", None),
            ("1e-400", None),
            ("", None),
            (" 1", None),
            ("1 ", None),
            ("nan", None),
            ("1e", None),
            ("abc", None),
        ] {
            assert_eq!(parse_score(s.as_bytes()), want, "{s}");
        }
    }

    #[test]
    fn clamp_ranks_follows_redis() {
        assert_eq!(clamp_ranks(0, -1, 5), Some((0, 4)));
        assert_eq!(clamp_ranks(-100, 100, 5), Some((0, 4)));
        assert_eq!(clamp_ranks(2, 1, 5), None);
        assert_eq!(clamp_ranks(5, 10, 5), None);
        assert_eq!(clamp_ranks(0, 0, 0), None);
    }
}
