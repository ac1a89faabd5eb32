//! Model-based property tests: random operation sequences on sets and sorted
//! sets, checked after every step against a `BTreeSet` and a sorted
//! `Vec<(f64, Vec<u8>)>`.

use std::collections::{BTreeMap, BTreeSet};

use embedis::{Bytes, Reply, ScoreBound, Store};
use proptest::prelude::*;

const KEYS: [&str; 3] = ["k0", "k1", "k2"];

fn member() -> impl Strategy<Value = String> {
    (0u8..12).prop_map(|i| format!("m{i}"))
}

/// Sorted-set members: enough of them for the sets to outgrow one tree
/// node (64 entries) and exercise splits, merges and counted descents.
fn zmember() -> impl Strategy<Value = String> {
    (0u16..400).prop_map(|i| format!("m{i}"))
}

fn key() -> impl Strategy<Value = usize> {
    0usize..KEYS.len()
}

// ---- sets ---------------------------------------------------------------------

#[derive(Debug, Clone)]
enum SetOp {
    Add(usize, Vec<String>),
    Rem(usize, Vec<String>),
    Pop(usize, usize),
    Move(usize, usize, String),
    Store(u8, usize, usize, usize),
}

fn set_op() -> impl Strategy<Value = SetOp> {
    prop_oneof![
        4 => (key(), prop::collection::vec(member(), 1..5)).prop_map(|(k, m)| SetOp::Add(k, m)),
        2 => (key(), prop::collection::vec(member(), 1..4)).prop_map(|(k, m)| SetOp::Rem(k, m)),
        1 => (key(), 0usize..4).prop_map(|(k, n)| SetOp::Pop(k, n)),
        1 => (key(), key(), member()).prop_map(|(a, b, m)| SetOp::Move(a, b, m)),
        1 => (0u8..3, key(), key(), key()).prop_map(|(o, d, a, b)| SetOp::Store(o, d, a, b)),
    ]
}

fn members_of(db: &embedis::Db, key: &str) -> BTreeSet<String> {
    db.smembers(key)
        .unwrap()
        .into_iter()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
        .collect()
}

proptest! {
    #[test]
    fn set_ops_match_btreeset_model(ops in prop::collection::vec(set_op(), 1..60)) {
        let store = Store::new();
        let db = store.db(0);
        let mut model: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for op in ops {
            match op {
                SetOp::Add(k, ms) => {
                    let set = model.entry(k).or_default();
                    let want = ms.iter().collect::<BTreeSet<_>>().iter().filter(|m| !set.contains(**m)).count();
                    set.extend(ms.iter().cloned());
                    prop_assert_eq!(db.sadd(KEYS[k], &ms).unwrap(), want);
                }
                SetOp::Rem(k, ms) => {
                    let set = model.entry(k).or_default();
                    let want = ms.iter().collect::<BTreeSet<_>>().iter().filter(|m| set.contains(**m)).count();
                    for m in &ms {
                        set.remove(m);
                    }
                    prop_assert_eq!(db.srem(KEYS[k], &ms).unwrap(), want);
                }
                SetOp::Pop(k, n) => {
                    let popped = db.spop_count(KEYS[k], n).unwrap();
                    let set = model.entry(k).or_default();
                    prop_assert_eq!(popped.len(), n.min(set.len()));
                    for p in popped {
                        let p = String::from_utf8(p.to_vec()).unwrap();
                        prop_assert!(set.remove(&p), "popped {} not in the set", p);
                    }
                }
                SetOp::Move(a, b, m) => {
                    let had = model.entry(a).or_default().contains(&m);
                    if had && a != b {
                        model.get_mut(&a).unwrap().remove(&m);
                        model.entry(b).or_default().insert(m.clone());
                    }
                    prop_assert_eq!(db.smove(KEYS[a], KEYS[b], &m).unwrap(), had);
                }
                SetOp::Store(o, d, a, b) => {
                    let (x, y) = (model.entry(a).or_default().clone(), model.entry(b).or_default().clone());
                    let result: BTreeSet<String> = match o {
                        0 => x.union(&y).cloned().collect(),
                        1 => x.intersection(&y).cloned().collect(),
                        _ => x.difference(&y).cloned().collect(),
                    };
                    let n = match o {
                        0 => db.sunionstore(KEYS[d], [KEYS[a], KEYS[b]]),
                        1 => db.sinterstore(KEYS[d], [KEYS[a], KEYS[b]]),
                        _ => db.sdiffstore(KEYS[d], [KEYS[a], KEYS[b]]),
                    }.unwrap();
                    prop_assert_eq!(n, result.len());
                    model.insert(d, result);
                }
            }
            for (k, name) in KEYS.iter().enumerate() {
                let want = model.get(&k).cloned().unwrap_or_default();
                prop_assert_eq!(members_of(&db, name), want.clone());
                prop_assert_eq!(db.scard(name).unwrap(), want.len());
                // Redis never keeps an empty set.
                prop_assert_eq!(store.execute(0, &["EXISTS", name]), Reply::Integer(!want.is_empty() as i64));
            }
        }
    }
}

// ---- sorted sets --------------------------------------------------------------

/// The model: (score, member) pairs sorted as Redis orders them.
#[derive(Debug, Default, Clone)]
struct Model(Vec<(f64, Vec<u8>)>);

impl Model {
    fn sort(&mut self) {
        self.0
            .sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then_with(|| a.1.cmp(&b.1)));
    }
    fn score(&self, m: &[u8]) -> Option<f64> {
        self.0.iter().find(|(_, x)| x == m).map(|(s, _)| *s)
    }
    fn set(&mut self, m: &[u8], s: f64) {
        self.0.retain(|(_, x)| x != m);
        self.0.push((s + 0.0, m.to_vec()));
        self.sort();
    }
    fn remove(&mut self, m: &[u8]) -> bool {
        let n = self.0.len();
        self.0.retain(|(_, x)| x != m);
        n != self.0.len()
    }
    fn in_bound(s: f64, min: ScoreBound, max: ScoreBound) -> bool {
        min.admits_above(s) && max.admits_below(s)
    }
}

#[derive(Debug, Clone)]
enum ZOp {
    Add(Vec<(f64, String)>, u8),
    Incr(f64, String),
    Rem(Vec<String>),
    RemRank(i64, i64),
    RemScore(ScoreBound, ScoreBound),
    Pop(bool, usize),
    RangeByScore(ScoreBound, ScoreBound, bool, Option<(i64, i64)>),
    RangeByRank(i64, i64, bool),
}

fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => (-4i32..5).prop_map(|i| i as f64),
        2 => (-4i32..5).prop_map(|i| i as f64 + 0.5),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
    ]
}

fn bound() -> impl Strategy<Value = ScoreBound> {
    (score(), any::<bool>()).prop_map(|(s, ex)| {
        if ex {
            ScoreBound::Exclusive(s)
        } else {
            ScoreBound::Inclusive(s)
        }
    })
}

fn zop() -> impl Strategy<Value = ZOp> {
    prop_oneof![
        6 => (prop::collection::vec((score(), zmember()), 1..80), 0u8..4).prop_map(|(p, o)| ZOp::Add(p, o)),
        2 => ((-3i32..4).prop_map(|i| i as f64), zmember()).prop_map(|(s, m)| ZOp::Incr(s, m)),
        2 => prop::collection::vec(zmember(), 1..40).prop_map(ZOp::Rem),
        1 => (-300i64..300, -300i64..300).prop_map(|(a, b)| ZOp::RemRank(a, b)),
        1 => (bound(), bound()).prop_map(|(a, b)| ZOp::RemScore(a, b)),
        1 => (any::<bool>(), 0usize..30).prop_map(|(m, n)| ZOp::Pop(m, n)),
        3 => (bound(), bound(), any::<bool>(), prop::option::of((-1i64..100, -1i64..100)))
            .prop_map(|(a, b, r, l)| ZOp::RangeByScore(a, b, r, l)),
        3 => (-300i64..300, -300i64..300, any::<bool>()).prop_map(|(a, b, r)| ZOp::RangeByRank(a, b, r)),
    ]
}

fn bound_arg(b: ScoreBound) -> String {
    let f = |v: f64| {
        if v.is_infinite() {
            if v > 0.0 {
                "+inf".to_string()
            } else {
                "-inf".to_string()
            }
        } else {
            v.to_string()
        }
    };
    match b {
        ScoreBound::Inclusive(v) => f(v),
        ScoreBound::Exclusive(v) => format!("({}", f(v)),
    }
}

/// Redis's rank clamping, written independently of the crate.
fn rank_window(start: i64, stop: i64, len: usize) -> Vec<usize> {
    let len = len as i64;
    let s = if start < 0 {
        (start + len).max(0)
    } else {
        start
    };
    let e = if stop < 0 {
        stop + len
    } else {
        stop.min(len - 1)
    };
    if s > e || s >= len {
        return Vec::new();
    }
    (s as usize..=e as usize).collect()
}

fn members(items: &[(f64, Vec<u8>)]) -> Vec<Bytes> {
    items.iter().map(|(_, m)| Bytes::from(m.clone())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn zset_rank_matches_sorted_model(ops in prop::collection::vec(zop(), 1..60)) {
        let store = Store::new();
        let db = store.db(0);
        let mut model = Model::default();
        for op in ops {
            match op {
                ZOp::Add(pairs, flags) => {
                    // flags: 0 plain, 1 NX, 2 XX, 3 GT|CH
                    let mut args = vec!["ZADD".to_string(), "z".into()];
                    args.extend(match flags { 1 => vec!["NX"], 2 => vec!["XX"], 3 => vec!["GT", "CH"], _ => vec![] }.into_iter().map(String::from));
                    let mut changed = 0;
                    for (s, m) in &pairs {
                        args.push(bound_arg(ScoreBound::Inclusive(*s)));
                        args.push(m.clone());
                        let cur = model.score(m.as_bytes());
                        let apply = match (flags, cur) {
                            (1, Some(_)) | (2, None) => false,
                            (3, Some(c)) => *s > c,
                            _ => true,
                        };
                        if apply {
                            if cur.is_none() || flags == 3 && cur != Some(*s) {
                                changed += 1;
                            }
                            model.set(m.as_bytes(), *s);
                        }
                    }
                    let r = store.execute(0, &args);
                    if flags == 3 {
                        prop_assert_eq!(r, Reply::Integer(changed));
                    }
                }
                ZOp::Incr(by, m) => {
                    let new = model.score(m.as_bytes()).unwrap_or(0.0) + by;
                    if new.is_nan() {
                        prop_assert!(db.zincrby("z", by, &m).is_err());
                    } else {
                        model.set(m.as_bytes(), new);
                        prop_assert_eq!(db.zincrby("z", by, &m).unwrap(), new);
                    }
                }
                ZOp::Rem(ms) => {
                    let want = ms.iter().collect::<BTreeSet<_>>().into_iter().filter(|m| model.remove(m.as_bytes())).count();
                    prop_assert_eq!(db.zrem("z", &ms).unwrap(), want);
                }
                ZOp::RemRank(a, b) => {
                    let window = rank_window(a, b, model.0.len());
                    if let (Some(&lo), Some(&hi)) = (window.first(), window.last()) {
                        model.0.drain(lo..=hi);
                    }
                    prop_assert_eq!(db.zremrangebyrank("z", a, b).unwrap(), window.len());
                }
                ZOp::RemScore(min, max) => {
                    let n = model.0.len();
                    model.0.retain(|(s, _)| !Model::in_bound(*s, min, max));
                    prop_assert_eq!(db.zremrangebyscore("z", min, max).unwrap(), n - model.0.len());
                }
                ZOp::Pop(max, n) => {
                    let take = n.min(model.0.len());
                    let want: Vec<(Bytes, f64)> = if max {
                        model.0.drain(model.0.len() - take..).rev().map(|(s, m)| (Bytes::from(m), s)).collect()
                    } else {
                        model.0.drain(..take).map(|(s, m)| (Bytes::from(m), s)).collect()
                    };
                    let got = if max { db.zpopmax("z", n) } else { db.zpopmin("z", n) }.unwrap();
                    prop_assert_eq!(got, want);
                }
                ZOp::RangeByScore(min, max, rev, limit) => {
                    let mut sel: Vec<(f64, Vec<u8>)> = model.0.iter().filter(|(s, _)| Model::in_bound(*s, min, max)).cloned().collect();
                    if rev {
                        sel.reverse();
                    }
                    if let Some((off, cnt)) = limit {
                        sel = if off < 0 { Vec::new() } else {
                            sel.into_iter().skip(off as usize).take(if cnt < 0 { usize::MAX } else { cnt as usize }).collect()
                        };
                    }
                    let mut args = vec![if rev { "ZREVRANGEBYSCORE" } else { "ZRANGEBYSCORE" }.to_string(), "z".into()];
                    if rev {
                        args.extend([bound_arg(max), bound_arg(min)]);
                    } else {
                        args.extend([bound_arg(min), bound_arg(max)]);
                    }
                    if let Some((off, cnt)) = limit {
                        args.extend(["LIMIT".to_string(), off.to_string(), cnt.to_string()]);
                    }
                    prop_assert_eq!(store.execute(0, &args), Reply::bulks(members(&sel)));
                    let count = model.0.iter().filter(|(s, _)| Model::in_bound(*s, min, max)).count();
                    prop_assert_eq!(db.zcount("z", min, max).unwrap(), count);
                }
                ZOp::RangeByRank(a, b, rev) => {
                    let mut ordered = model.0.clone();
                    if rev {
                        ordered.reverse();
                    }
                    let sel: Vec<(f64, Vec<u8>)> = rank_window(a, b, ordered.len()).into_iter().map(|i| ordered[i].clone()).collect();
                    let got = if rev { db.zrevrange_withscores("z", a, b) } else { db.zrange_withscores("z", a, b) }.unwrap();
                    let want: Vec<(Bytes, f64)> = sel.into_iter().map(|(s, m)| (Bytes::from(m), s)).collect();
                    prop_assert_eq!(got, want);
                }
            }
            // After every step: every member's rank, score and the whole order.
            prop_assert_eq!(db.zcard("z").unwrap(), model.0.len());
            for (rank, (s, m)) in model.0.iter().enumerate() {
                prop_assert_eq!(db.zrank("z", m).unwrap(), Some(rank));
                prop_assert_eq!(db.zrevrank("z", m).unwrap(), Some(model.0.len() - 1 - rank));
                prop_assert_eq!(db.zscore("z", m).unwrap(), Some(*s));
            }
            let all = db.zrange_withscores("z", 0, -1).unwrap();
            let want: Vec<(Bytes, f64)> = model.0.iter().map(|(s, m)| (Bytes::from(m.clone()), *s)).collect();
            prop_assert_eq!(all, want);
            prop_assert_eq!(store.execute(0, &["EXISTS", "z"]), Reply::Integer(!model.0.is_empty() as i64));
        }
    }
}
