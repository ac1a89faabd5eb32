//! Model-based property tests: random command sequences against a list and
//! a hash must reply exactly as a plain `VecDeque` / `BTreeMap` model of
//! Redis's documented semantics says, and leave the same contents.

use std::collections::{BTreeMap, VecDeque};

use embedis::{Error, Reply, Store};
use proptest::prelude::*;

fn bulks<'a>(items: impl IntoIterator<Item = &'a String>) -> Reply {
    Reply::bulks(items.into_iter().map(|s| s.clone().into_bytes()))
}

// ---- lists ------------------------------------------------------------------

#[derive(Debug, Clone)]
enum ListOp {
    Push {
        left: bool,
        items: Vec<String>,
    },
    Pop {
        left: bool,
        count: Option<usize>,
    },
    Range(i64, i64),
    Rem(i64, String),
    Set(i64, String),
    Insert {
        before: bool,
        pivot: String,
        item: String,
    },
    Trim(i64, i64),
    Index(i64),
    Pos(String),
}

fn elem() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "d"]).prop_map(String::from)
}

fn index() -> impl Strategy<Value = i64> {
    -8i64..8
}

fn list_op() -> impl Strategy<Value = ListOp> {
    prop_oneof![
        3 => (any::<bool>(), prop::collection::vec(elem(), 1..4)).prop_map(|(left, items)| ListOp::Push { left, items }),
        2 => (any::<bool>(), prop::option::of(0usize..4)).prop_map(|(left, count)| ListOp::Pop { left, count }),
        1 => (index(), index()).prop_map(|(a, b)| ListOp::Range(a, b)),
        1 => (-3i64..4, elem()).prop_map(|(n, e)| ListOp::Rem(n, e)),
        1 => (index(), elem()).prop_map(|(i, e)| ListOp::Set(i, e)),
        1 => (any::<bool>(), elem(), elem()).prop_map(|(before, pivot, item)| ListOp::Insert { before, pivot, item }),
        1 => (index(), index()).prop_map(|(a, b)| ListOp::Trim(a, b)),
        1 => index().prop_map(ListOp::Index),
        1 => elem().prop_map(ListOp::Pos),
    ]
}

/// Redis's inclusive range on a list of `len`, or `None` when empty.
fn model_range(len: usize, start: i64, stop: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    (start <= stop && start < len).then_some((start as usize, stop as usize))
}

fn model_index(len: usize, i: i64) -> Option<usize> {
    let i = if i < 0 { len as i64 + i } else { i };
    (0 <= i && i < len as i64).then_some(i as usize)
}

/// Applies `op` to the model (an absent key is an empty deque) and returns
/// the reply Redis gives, plus the command words.
fn apply_list(m: &mut VecDeque<String>, op: &ListOp) -> (Vec<String>, Reply) {
    let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match op {
        ListOp::Push { left, items } => {
            let mut words = w(&[if *left { "LPUSH" } else { "RPUSH" }, "l"]);
            words.extend(items.iter().cloned());
            for i in items {
                if *left {
                    m.push_front(i.clone());
                } else {
                    m.push_back(i.clone());
                }
            }
            (words, Reply::Integer(m.len() as i64))
        }
        ListOp::Pop { left, count } => {
            let mut words = w(&[if *left { "LPOP" } else { "RPOP" }, "l"]);
            let existed = !m.is_empty();
            let n = count.unwrap_or(1).min(m.len());
            let popped: Vec<String> = (0..n)
                .map(|_| if *left { m.pop_front() } else { m.pop_back() }.unwrap())
                .collect();
            let reply = match count {
                None if existed => Reply::bulk(popped[0].clone().into_bytes()),
                None => Reply::Null,
                Some(c) => {
                    words.push(c.to_string());
                    if existed {
                        bulks(&popped)
                    } else {
                        Reply::NullArray
                    }
                }
            };
            (words, reply)
        }
        ListOp::Range(a, b) => {
            let words = w(&["LRANGE", "l", &a.to_string(), &b.to_string()]);
            let reply = match model_range(m.len(), *a, *b) {
                Some((s, e)) => bulks(m.range(s..=e)),
                None => Reply::EMPTY_ARRAY,
            };
            (words, reply)
        }
        ListOp::Rem(n, e) => {
            let words = w(&["LREM", "l", &n.to_string(), e]);
            let limit = if *n == 0 {
                usize::MAX
            } else {
                n.unsigned_abs() as usize
            };
            let mut removed = 0;
            if *n >= 0 {
                let mut i = 0;
                while i < m.len() {
                    if removed < limit && m[i] == *e {
                        m.remove(i);
                        removed += 1;
                    } else {
                        i += 1;
                    }
                }
            } else {
                let mut i = m.len();
                while i > 0 {
                    i -= 1;
                    if removed < limit && m[i] == *e {
                        m.remove(i);
                        removed += 1;
                    }
                }
            }
            (words, Reply::Integer(removed as i64))
        }
        ListOp::Set(i, e) => {
            let words = w(&["LSET", "l", &i.to_string(), e]);
            let reply = if m.is_empty() {
                Reply::Error(Error::NoSuchKey)
            } else if let Some(at) = model_index(m.len(), *i) {
                m[at] = e.clone();
                Reply::OK
            } else {
                Reply::Error(Error::IndexOutOfRange)
            };
            (words, reply)
        }
        ListOp::Insert {
            before,
            pivot,
            item,
        } => {
            let words = w(&[
                "LINSERT",
                "l",
                if *before { "BEFORE" } else { "AFTER" },
                pivot,
                item,
            ]);
            let reply = if m.is_empty() {
                Reply::Integer(0)
            } else if let Some(at) = m.iter().position(|x| x == pivot) {
                m.insert(if *before { at } else { at + 1 }, item.clone());
                Reply::Integer(m.len() as i64)
            } else {
                Reply::Integer(-1)
            };
            (words, reply)
        }
        ListOp::Trim(a, b) => {
            let words = w(&["LTRIM", "l", &a.to_string(), &b.to_string()]);
            *m = match model_range(m.len(), *a, *b) {
                Some((s, e)) => m.range(s..=e).cloned().collect(),
                None => VecDeque::new(),
            };
            (words, Reply::OK)
        }
        ListOp::Index(i) => {
            let words = w(&["LINDEX", "l", &i.to_string()]);
            let reply = match model_index(m.len(), *i) {
                Some(at) => Reply::bulk(m[at].clone().into_bytes()),
                None => Reply::Null,
            };
            (words, reply)
        }
        ListOp::Pos(e) => {
            let words = w(&["LPOS", "l", e]);
            let reply = match m.iter().position(|x| x == e) {
                Some(at) => Reply::Integer(at as i64),
                None => Reply::Null,
            };
            (words, reply)
        }
    }
}

proptest! {
    #[test]
    fn list_commands_match_a_vecdeque_model(ops in prop::collection::vec(list_op(), 1..60)) {
        let s = Store::new();
        let mut model = VecDeque::new();
        for op in &ops {
            let (words, want) = apply_list(&mut model, op);
            prop_assert_eq!(s.execute(0, &words), want, "{:?}", words);
            prop_assert_eq!(s.execute(0, &["LLEN", "l"]), Reply::Integer(model.len() as i64));
            // Redis never keeps an empty list.
            let exists = Reply::Integer(i64::from(!model.is_empty()));
            prop_assert_eq!(s.execute(0, &["EXISTS", "l"]), exists);
        }
        prop_assert_eq!(s.execute(0, &["LRANGE", "l", "0", "-1"]), bulks(&model));
    }
}

// ---- hashes -----------------------------------------------------------------

#[derive(Debug, Clone)]
enum HashOp {
    Set(Vec<(String, String)>),
    SetNx(String, String),
    Del(Vec<String>),
    Get(String),
    Exists(String),
    IncrBy(String, i64),
    StrLen(String),
    MGet(Vec<String>),
}

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["f1", "f2", "f3", "f4", "f5"]).prop_map(String::from)
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        (-5i64..5).prop_map(|n| n.to_string()),
        prop::sample::select(vec!["x", "yy", ""]).prop_map(String::from),
    ]
}

fn hash_op() -> impl Strategy<Value = HashOp> {
    prop_oneof![
        3 => prop::collection::vec((field(), value()), 1..4).prop_map(HashOp::Set),
        1 => (field(), value()).prop_map(|(f, v)| HashOp::SetNx(f, v)),
        2 => prop::collection::vec(field(), 1..3).prop_map(HashOp::Del),
        1 => field().prop_map(HashOp::Get),
        1 => field().prop_map(HashOp::Exists),
        2 => (field(), -3i64..4).prop_map(|(f, n)| HashOp::IncrBy(f, n)),
        1 => field().prop_map(HashOp::StrLen),
        1 => prop::collection::vec(field(), 1..4).prop_map(HashOp::MGet),
    ]
}

fn apply_hash(m: &mut BTreeMap<String, String>, op: &HashOp) -> (Vec<String>, Reply) {
    let mut words: Vec<String> = Vec::new();
    let reply = match op {
        HashOp::Set(pairs) => {
            words.extend(["HSET".into(), "h".into()]);
            let mut added = 0;
            for (f, v) in pairs {
                words.extend([f.clone(), v.clone()]);
                added += i64::from(m.insert(f.clone(), v.clone()).is_none());
            }
            Reply::Integer(added)
        }
        HashOp::SetNx(f, v) => {
            words.extend(["HSETNX".into(), "h".into(), f.clone(), v.clone()]);
            let new = !m.contains_key(f);
            if new {
                m.insert(f.clone(), v.clone());
            }
            Reply::Integer(i64::from(new))
        }
        HashOp::Del(fields) => {
            words.extend(["HDEL".into(), "h".into()]);
            words.extend(fields.iter().cloned());
            let n = fields.iter().filter(|f| m.remove(*f).is_some()).count();
            Reply::Integer(n as i64)
        }
        HashOp::Get(f) => {
            words.extend(["HGET".into(), "h".into(), f.clone()]);
            Reply::bulk_or_null(m.get(f).map(|v| v.clone().into_bytes()))
        }
        HashOp::Exists(f) => {
            words.extend(["HEXISTS".into(), "h".into(), f.clone()]);
            Reply::Integer(i64::from(m.contains_key(f)))
        }
        HashOp::IncrBy(f, n) => {
            words.extend(["HINCRBY".into(), "h".into(), f.clone(), n.to_string()]);
            match m.get(f).map(|v| v.parse::<i64>()) {
                Some(Err(_)) => Reply::Error(Error::HashValueNotInteger),
                cur => {
                    let new = cur.map_or(0, |c| c.unwrap()) + n;
                    m.insert(f.clone(), new.to_string());
                    Reply::Integer(new)
                }
            }
        }
        HashOp::StrLen(f) => {
            words.extend(["HSTRLEN".into(), "h".into(), f.clone()]);
            Reply::Integer(m.get(f).map_or(0, |v| v.len() as i64))
        }
        HashOp::MGet(fields) => {
            words.extend(["HMGET".into(), "h".into()]);
            words.extend(fields.iter().cloned());
            Reply::Array(
                fields
                    .iter()
                    .map(|f| Reply::bulk_or_null(m.get(f).map(|v| v.clone().into_bytes())))
                    .collect(),
            )
        }
    };
    (words, reply)
}

proptest! {
    #[test]
    fn hash_commands_match_a_btreemap_model(ops in prop::collection::vec(hash_op(), 1..60)) {
        let s = Store::new();
        let db = s.db(0);
        let mut model = BTreeMap::new();
        for op in &ops {
            let (words, want) = apply_hash(&mut model, op);
            prop_assert_eq!(s.execute(0, &words), want, "{:?}", words);
            prop_assert_eq!(db.hlen("h").unwrap(), model.len());
            let exists = Reply::Integer(i64::from(!model.is_empty()));
            prop_assert_eq!(s.execute(0, &["EXISTS", "h"]), exists);
        }
        // Same contents, whatever the order.
        let mut got: Vec<(String, String)> = db
            .hgetall("h")
            .unwrap()
            .into_iter()
            .map(|(f, v)| (String::from_utf8(f.to_vec()).unwrap(), String::from_utf8(v.to_vec()).unwrap()))
            .collect();
        got.sort();
        let want: Vec<(String, String)> = model.into_iter().collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn small_hash_order_is_insertion_order_like_a_listpack(ops in prop::collection::vec(hash_op(), 1..60)) {
        // A listpack appends new fields, updates in place and closes gaps on
        // delete: exactly a Vec of pairs. Redis's HGETALL follows it.
        let s = Store::new();
        let mut map = BTreeMap::new();
        let mut listpack: Vec<(String, String)> = Vec::new();
        for op in &ops {
            let (words, _) = apply_hash(&mut map, op);
            s.execute(0, &words);
            let mut upsert = |f: &String, v: &String| match listpack.iter_mut().find(|(lf, _)| lf == f) {
                Some(e) => e.1 = v.clone(),
                None => listpack.push((f.clone(), v.clone())),
            };
            match op {
                HashOp::Set(pairs) => pairs.iter().for_each(|(f, v)| upsert(f, v)),
                HashOp::SetNx(f, _) | HashOp::IncrBy(f, _) => {
                    if let Some(v) = map.get(f) {
                        upsert(f, v);
                    }
                }
                HashOp::Del(fields) => listpack.retain(|(f, _)| !fields.contains(f)),
                _ => {}
            }
            let got: Vec<(String, String)> = s
                .db(0)
                .hgetall("h")
                .unwrap()
                .into_iter()
                .map(|(f, v)| (String::from_utf8(f.to_vec()).unwrap(), String::from_utf8(v.to_vec()).unwrap()))
                .collect();
            prop_assert_eq!(&got, &listpack, "{:?}", words);
        }
    }
}
