//! `SORT` / `SORT_RO` (Redis `sort.c`): sorting lists, sets and sorted sets
//! numerically or lexicographically, by their own elements or by external
//! keys and hash fields (`BY weight_*`, `BY h_*->field`), with `LIMIT`,
//! `GET` projections and `STORE`.

use std::cmp::Ordering;

use bytes::Bytes;

use crate::command::Args;
use crate::command::set::in_redis_order;
use crate::keyspace::Keyspace;
use crate::ld::strtod_strict;
use crate::value::{CompactBytes, List, Value};
use crate::{Error, Result};

/// Options of `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...]
/// [ASC|DESC] [ALPHA]`, for [`Db::sort_with`](crate::Db::sort_with) and
/// [`Db::sort_store`](crate::Db::sort_store).
///
/// ```
/// use embedis::{SortOptions, Store};
/// let db = Store::new().db(0);
/// db.rpush("ids", ["3", "1", "2"]).unwrap();
/// db.mset([("name_1", "ann"), ("name_2", "bob")]).unwrap();
/// let names = db.sort_with("ids", SortOptions::new().get("name_*").limit(0, 2)).unwrap();
/// assert_eq!(names, vec![Some("ann".into()), Some("bob".into())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SortOptions {
    by: Option<Bytes>,
    limit: Option<(i64, i64)>,
    get: Vec<Bytes>,
    desc: bool,
    alpha: bool,
    store: Option<Bytes>,
    /// Run by a Lua script: a set sorted `BY` a constant is sorted anyway.
    in_script: bool,
}

impl SortOptions {
    /// Ascending numeric sort of the elements themselves.
    pub fn new() -> Self {
        Self::default()
    }
    /// `BY pattern`: sort by the string under the key made by replacing the
    /// first `*` with each element, or by a hash field (`weight_*->field`). A
    /// pattern without `*` (e.g. `nosort`) skips sorting.
    pub fn by(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.by = Some(Bytes::copy_from_slice(pattern.as_ref()));
        self
    }
    /// `LIMIT offset count`: a negative count means "to the end".
    pub fn limit(mut self, offset: i64, count: i64) -> Self {
        self.limit = Some((offset, count));
        self
    }
    /// `GET pattern` (repeatable): return what the pattern points to instead
    /// of the element; `#` is the element itself. Missing keys give `None`.
    pub fn get(mut self, pattern: impl AsRef<[u8]>) -> Self {
        self.get.push(Bytes::copy_from_slice(pattern.as_ref()));
        self
    }
    /// `DESC`.
    pub fn desc(mut self) -> Self {
        self.desc = true;
        self
    }
    /// `ASC` (the default).
    pub fn asc(mut self) -> Self {
        self.desc = false;
        self
    }
    /// `ALPHA`: compare bytes instead of numbers.
    pub fn alpha(mut self) -> Self {
        self.alpha = true;
        self
    }

    /// Marks a SORT run by a Lua script (see [`sort`]).
    pub(crate) fn in_script(mut self) -> Self {
        self.in_script = true;
        self
    }

    pub(crate) fn store(mut self, destination: Bytes) -> Self {
        self.store = Some(destination);
        self
    }

    /// Parses SORT's options in Redis's order (every option before the key
    /// is looked up). `readonly` (SORT_RO) refuses `STORE`.
    pub(crate) fn parse(args: &mut Args, readonly: bool) -> Result<SortOptions> {
        let mut o = SortOptions::new();
        while let Some(opt) = args.peek().cloned() {
            args.next()?;
            let left = args.remaining();
            let is = |name: &str| opt.eq_ignore_ascii_case(name.as_bytes());
            if is("asc") {
                o.desc = false;
            } else if is("desc") {
                o.desc = true;
            } else if is("alpha") {
                o.alpha = true;
            } else if is("limit") && left >= 2 {
                let (start, count) = (args.i64()?, args.i64()?);
                o.limit = Some((start, count));
            } else if is("store") && !readonly && left >= 1 {
                o.store = Some(args.next()?);
            } else if is("by") && left >= 1 {
                o.by = Some(args.next()?);
            } else if is("get") && left >= 1 {
                o.get.push(args.next()?);
            } else {
                return Err(Error::Syntax);
            }
        }
        Ok(o)
    }
}

/// What SORT produced: the values (`GET` misses are `None`), or with
/// `STORE` the length of the stored list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SortOutput {
    Values(Vec<Option<Bytes>>),
    Stored(usize),
}

/// Redis's `lookupKeyByPattern`: `#` is `subst` itself; otherwise the first
/// `*` is replaced by `subst` and the key's string (or, with `->field`, the
/// hash field) is returned. Patterns without `*` find nothing.
fn lookup_by_pattern(db: &mut Keyspace, pattern: &[u8], subst: &[u8]) -> Option<Bytes> {
    if pattern == b"#" {
        return Some(Bytes::copy_from_slice(subst));
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let after = &pattern[star + 1..];
    let (post, field) = match after.windows(2).position(|w| w == b"->") {
        Some(f) if f + 2 < after.len() => (&after[..f], Some(&after[f + 2..])),
        _ => (after, None),
    };
    let key = [&pattern[..star], subst, post].concat();
    let entry = db.get(&key)?;
    match (&entry.value, field) {
        (Value::Hash(h), Some(f)) => h.get(f).map(CompactBytes::to_bytes),
        (Value::String(s), None) => Some(s.to_bytes()),
        _ => None,
    }
}

/// One element being sorted and what it sorts by.
struct Item {
    elem: Bytes,
    score: f64,
    cmp: Option<Bytes>,
}

/// `SORT` on the keyspace.
///
/// # Errors
/// [`Error::WrongType`] unless the key is a list, set or sorted set (or
/// missing); [`Error::SortScoreNotDouble`] when a numeric sort meets a
/// non-number.
pub(crate) fn sort(db: &mut Keyspace, key: &[u8], o: &SortOptions) -> Result<SortOutput> {
    let mut by = o.by.clone();
    let mut alpha = o.alpha;
    let mut dontsort = by.as_ref().is_some_and(|p| !p.contains(&b'*'));

    enum Kind {
        List,
        Set,
        ZSet,
    }
    let kind = match db.get(key).map(|e| &e.value) {
        None | Some(Value::List(_)) => Kind::List,
        Some(Value::Set(_)) => Kind::Set,
        Some(Value::ZSet(_)) => Kind::ZSet,
        Some(_) => return Err(Error::WrongType),
    };
    // A set has no order of its own: when the result is stored or goes to a
    // script, sort it so it is deterministic (Redis does the same).
    if dontsort && matches!(kind, Kind::Set) && (o.store.is_some() || o.in_script) {
        dontsort = false;
        alpha = true;
        by = None;
    }

    let len = match db.get(key).map(|e| &e.value) {
        None => 0,
        Some(Value::List(l)) => l.len(),
        Some(Value::Set(s)) => s.len(),
        Some(Value::ZSet(z)) => z.len(),
        Some(_) => unreachable!(),
    } as i64;
    let (limit_start, limit_count) = o.limit.unwrap_or((0, -1));
    let mut start = limit_start.max(0);
    let mut end = if limit_count < 0 {
        len - 1
    } else {
        start.saturating_add(limit_count) - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }

    // Load the elements. Lists and sorted sets that are not sorted are read
    // in their own order (reversed for DESC), and only the LIMIT range.
    let elems: Vec<Bytes> = match db.get(key).map(|e| &e.value) {
        None => Vec::new(),
        Some(Value::List(l)) if dontsort => {
            let taken = if end >= start {
                let n = (end - start + 1) as usize;
                let s = start as usize;
                if o.desc {
                    l.iter()
                        .rev()
                        .skip(s)
                        .take(n)
                        .map(CompactBytes::to_bytes)
                        .collect()
                } else {
                    l.iter()
                        .skip(s)
                        .take(n)
                        .map(CompactBytes::to_bytes)
                        .collect()
                }
            } else {
                Vec::new()
            };
            end -= start;
            start = 0;
            taken
        }
        Some(Value::ZSet(z)) if dontsort => {
            let n = (end - start + 1).max(0) as usize;
            let s = start.max(0) as usize;
            let taken = if o.desc {
                z.iter()
                    .rev()
                    .skip(s)
                    .take(n)
                    .map(|(m, _)| m.to_bytes())
                    .collect()
            } else {
                z.iter()
                    .skip(s)
                    .take(n)
                    .map(|(m, _)| m.to_bytes())
                    .collect()
            };
            end -= start;
            start = 0;
            taken
        }
        Some(Value::List(l)) => l.iter().map(CompactBytes::to_bytes).collect(),
        // In the order Redis iterates the set (an intset is sorted), which
        // is what BY nosort returns and how ties fall.
        Some(Value::Set(s)) => in_redis_order(s.iter().map(CompactBytes::to_bytes).collect()),
        Some(Value::ZSet(z)) => z.iter().map(|(m, _)| m.to_bytes()).collect(),
        Some(_) => unreachable!(),
    };

    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            cmp: None,
        })
        .collect();

    if !dontsort {
        let mut not_double = false;
        for it in &mut items {
            let byval = match &by {
                Some(p) => match lookup_by_pattern(db, p, &it.elem) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.elem.clone(),
            };
            if alpha {
                if by.is_some() {
                    it.cmp = Some(byval);
                }
            } else {
                match strtod_strict(&byval) {
                    Some(v) => it.score = v,
                    None => not_double = true,
                }
            }
        }
        if not_double {
            return Err(Error::SortScoreNotDouble);
        }
        let by_pattern = by.is_some();
        let compare = |a: &Item, b: &Item| -> Ordering {
            let c = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.elem.cmp(&b.elem))
            } else if by_pattern {
                match (&a.cmp, &b.cmp) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => x.cmp(y),
                }
            } else {
                a.elem.cmp(&b.elem)
            };
            if o.desc { c.reverse() } else { c }
        };
        items.sort_by(compare);
    }

    let range: &[Item] = if end >= start && !items.is_empty() {
        let hi = (end as usize).min(items.len() - 1);
        &items[start as usize..=hi]
    } else {
        &[]
    };

    let mut out: Vec<Option<Bytes>> = Vec::with_capacity(range.len() * o.get.len().max(1));
    for it in range {
        if o.get.is_empty() {
            out.push(Some(it.elem.clone()));
        }
        for p in &o.get {
            out.push(lookup_by_pattern(db, p, &it.elem));
        }
    }

    match &o.store {
        None => Ok(SortOutput::Values(out)),
        Some(dest) => {
            let n = out.len();
            if n > 0 {
                let list: List = out
                    .into_iter()
                    .map(|e| e.unwrap_or_default().into())
                    .collect();
                db.set(dest.clone(), Value::from(list));
            } else {
                db.expire_if_needed(dest);
                db.remove(dest);
            }
            Ok(SortOutput::Stored(n))
        }
    }
}
