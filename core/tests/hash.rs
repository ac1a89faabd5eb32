//! Behaviour of the hash commands (`command/hash.rs`), as Redis 7.0 replies.

use std::collections::BTreeSet;

use embedis::command::{self, flags};
use embedis::{Bytes, Dispatch, Error, Protocol, Reply, Store};

fn store_with(cmds: &[&[&str]]) -> Store {
    let s = Store::new();
    for c in cmds {
        let r = s.execute(0, c);
        assert!(!r.is_error(), "{c:?}: {r:?}");
    }
    s
}

fn bulks(items: &[&str]) -> Reply {
    Reply::bulks(items.iter().map(|s| s.as_bytes().to_vec()))
}

fn bulk(s: &str) -> Reply {
    Reply::bulk(s.as_bytes().to_vec())
}

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

fn err(e: Error) -> Reply {
    Reply::Error(e)
}

fn map(pairs: &[(&str, &str)]) -> Reply {
    Reply::Map(pairs.iter().map(|(f, v)| (bulk(f), bulk(v))).collect())
}

fn check(s: &Store, cases: &[(&[&str], Reply)]) {
    for (args, want) in cases {
        assert_eq!(&s.execute(0, args), want, "{args:?}");
    }
}

fn run3(s: &Store, words: &[&str]) -> Reply {
    let argv = words.iter().map(|w| Bytes::from(w.to_string())).collect();
    match s.dispatch(0, Protocol::Resp3, argv) {
        Dispatch::Reply(r) => r,
        Dispatch::Blocked(_) => panic!("{words:?} blocked"),
    }
}

// ---- documented examples (redis.io/commands/*) -----------------------------

#[test]
fn hset_hget_hgetall_doc_examples() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["HSET", "myhash", "field1", "Hello"], int(1)),
            (&["HGET", "myhash", "field1"], bulk("Hello")),
            (
                &["HSET", "myhash", "field2", "Hi", "field3", "World"],
                int(2),
            ),
            (&["HGET", "myhash", "field2"], bulk("Hi")),
            (&["HGET", "myhash", "field4"], Reply::Null),
            (
                &["HGETALL", "myhash"],
                map(&[("field1", "Hello"), ("field2", "Hi"), ("field3", "World")]),
            ),
            // Overwriting counts only new fields; later pairs win.
            (
                &["HSET", "myhash", "field1", "x", "new", "1", "new", "2"],
                int(1),
            ),
            (&["HGET", "myhash", "new"], bulk("2")),
            (&["HGETALL", "nosuch"], Reply::Map(vec![])),
        ],
    );
}

#[test]
fn hdel_doc_example_and_deletes_empty_hashes() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["HSET", "myhash", "field1", "foo"], int(1)),
            (&["HDEL", "myhash", "field1"], int(1)),
            (&["HDEL", "myhash", "field2"], int(0)),
            (&["EXISTS", "myhash"], int(0)),
            (&["HSET", "h", "a", "1", "b", "2", "c", "3"], int(3)),
            (&["HDEL", "h", "a", "a", "zz", "c"], int(2)),
            (&["HGETALL", "h"], map(&[("b", "2")])),
            (&["HDEL", "nosuch", "a"], int(0)),
        ],
    );
}

#[test]
fn small_hashes_keep_insertion_order_through_hdel() {
    // Redis 7.0 keeps small hashes as a listpack: HDEL closes the gap.
    let s = store_with(&[
        &["HSET", "h", "a", "1", "b", "2", "c", "x"],
        &["HDEL", "h", "a"],
        &["HSET", "h", "a", "1"],
    ]);
    check(
        &s,
        &[
            (
                &["HGETALL", "h"],
                map(&[("b", "2"), ("c", "x"), ("a", "1")]),
            ),
            (&["HKEYS", "h"], bulks(&["b", "c", "a"])),
            (&["HVALS", "h"], bulks(&["2", "x", "1"])),
        ],
    );
}

#[test]
fn hexists_hlen_hkeys_hvals_doc_examples() {
    let s = store_with(&[&["HSET", "myhash", "field1", "Hello", "field2", "World"]]);
    check(
        &s,
        &[
            (&["HEXISTS", "myhash", "field1"], int(1)),
            (&["HEXISTS", "myhash", "field3"], int(0)),
            (&["HEXISTS", "nosuch", "field1"], int(0)),
            (&["HLEN", "myhash"], int(2)),
            (&["HLEN", "nosuch"], int(0)),
            (&["HKEYS", "myhash"], bulks(&["field1", "field2"])),
            (&["HVALS", "myhash"], bulks(&["Hello", "World"])),
            (&["HKEYS", "nosuch"], Reply::EMPTY_ARRAY),
            (&["HVALS", "nosuch"], Reply::EMPTY_ARRAY),
        ],
    );
}

#[test]
fn hmget_hmset_doc_examples() {
    let s = Store::new();
    check(
        &s,
        &[
            (
                &["HMSET", "myhash", "field1", "Hello", "field2", "World"],
                Reply::OK,
            ),
            (&["HGET", "myhash", "field1"], bulk("Hello")),
            (
                &["HMGET", "myhash", "field1", "field2", "nofield"],
                Reply::Array(vec![bulk("Hello"), bulk("World"), Reply::Null]),
            ),
            (
                &["HMGET", "nosuch", "a", "b"],
                Reply::Array(vec![Reply::Null, Reply::Null]),
            ),
        ],
    );
}

#[test]
fn hsetnx_doc_example() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["HSETNX", "myhash", "field", "Hello"], int(1)),
            (&["HSETNX", "myhash", "field", "World"], int(0)),
            (&["HGET", "myhash", "field"], bulk("Hello")),
        ],
    );
}

#[test]
fn hstrlen_doc_example() {
    let s = store_with(&[&[
        "HSET",
        "myhash",
        "f1",
        "HelloWorld",
        "f2",
        "99",
        "f3",
        "-256",
    ]]);
    check(
        &s,
        &[
            (&["HSTRLEN", "myhash", "f1"], int(10)),
            (&["HSTRLEN", "myhash", "f2"], int(2)),
            (&["HSTRLEN", "myhash", "f3"], int(4)),
            (&["HSTRLEN", "myhash", "nofield"], int(0)),
            (&["HSTRLEN", "nosuch", "f1"], int(0)),
        ],
    );
}

#[test]
fn hincrby_doc_example_and_errors() {
    let s = store_with(&[&[
        "HSET",
        "myhash",
        "field",
        "5",
        "text",
        "abc",
        "big",
        "9223372036854775807",
        "low",
        "-9223372036854775807",
    ]]);
    check(
        &s,
        &[
            (&["HINCRBY", "myhash", "field", "1"], int(6)),
            (&["HINCRBY", "myhash", "field", "-1"], int(5)),
            (&["HINCRBY", "myhash", "field", "-10"], int(-5)),
            (&["HGET", "myhash", "field"], bulk("-5")),
            (&["HINCRBY", "myhash", "new", "3"], int(3)),
            (&["HINCRBY", "fresh", "f", "7"], int(7)),
            (
                &["HINCRBY", "myhash", "text", "1"],
                err(Error::HashValueNotInteger),
            ),
            (&["HINCRBY", "myhash", "big", "1"], err(Error::Overflow)),
            (
                &["HINCRBY", "myhash", "field", "-9223372036854775808"],
                err(Error::Overflow),
            ),
            (&["HINCRBY", "myhash", "low", "-1"], int(i64::MIN)),
            (&["HINCRBY", "myhash", "low", "-1"], err(Error::Overflow)),
            (
                &["HINCRBY", "myhash", "low", "9223372036854775807"],
                int(-1),
            ),
            (
                &["HINCRBY", "myhash", "field", "abc"],
                err(Error::NotInteger),
            ),
            (
                &["HINCRBY", "myhash", "field", "1.5"],
                err(Error::NotInteger),
            ),
            (&["HGET", "myhash", "big"], bulk("9223372036854775807")),
        ],
    );
    assert_eq!(
        Error::HashValueNotInteger.to_string(),
        "ERR hash value is not an integer"
    );
    assert_eq!(
        Error::Overflow.to_string(),
        "ERR increment or decrement would overflow"
    );
}

#[test]
fn hincrbyfloat_doc_example_and_long_double_results() {
    let s = store_with(&[&["HSET", "mykey", "field", "10.50"]]);
    check(
        &s,
        &[
            (&["HINCRBYFLOAT", "mykey", "field", "0.1"], bulk("10.6")),
            (&["HINCRBYFLOAT", "mykey", "field", "-5"], bulk("5.6")),
            (&["HSET", "mykey", "field", "5.0e3"], int(0)),
            (&["HINCRBYFLOAT", "mykey", "field", "2.0e2"], bulk("5200")),
            // Printed by Redis 7.0.15 (x87 long double, %.17Lf).
            (&["HSET", "h", "y", "0.1"], int(1)),
            (&["HINCRBYFLOAT", "h", "y", "0.2"], bulk("0.3")),
            (
                &["HINCRBYFLOAT", "h", "x", "1000.1"],
                bulk("1000.09999999999999998"),
            ),
            (&["HINCRBYFLOAT", "h", "z", "0x10"], bulk("16")),
            (&["HINCRBYFLOAT", "h", "w", "1e-20"], bulk("0")),
        ],
    );
}

#[test]
fn hincrbyfloat_errors_in_redis_order() {
    let s = store_with(&[&["HSET", "h", "text", "abc", "n", "1"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (
                &["HINCRBYFLOAT", "h", "text", "1"],
                err(Error::HashValueNotFloat),
            ),
            (&["HINCRBYFLOAT", "h", "n", "abc"], err(Error::NotFloat)),
            (&["HINCRBYFLOAT", "h", "n", "nan"], err(Error::NotFloat)),
            (
                &["HINCRBYFLOAT", "h", "n", "inf"],
                err(Error::NanOrInfinityValue),
            ),
            // The increment is checked before the key's type.
            (&["HINCRBYFLOAT", "s", "f", "abc"], err(Error::NotFloat)),
            (&["HINCRBYFLOAT", "s", "f", "1"], err(Error::WrongType)),
            (&["HINCRBY", "s", "f", "abc"], err(Error::NotInteger)),
            (&["HINCRBY", "s", "f", "1"], err(Error::WrongType)),
            (&["HGET", "h", "n"], bulk("1")),
        ],
    );
    assert_eq!(
        Error::HashValueNotFloat.to_string(),
        "ERR hash value is not a float"
    );
    assert_eq!(
        Error::NanOrInfinityValue.to_string(),
        "ERR value is NaN or Infinity"
    );
}

#[test]
fn hrandfield_counts_and_shapes() {
    let s = store_with(&[&[
        "HSET", "coin", "heads", "obverse", "tails", "reverse", "edge", "null",
    ]]);
    // Without count: one field of the hash.
    let one = s.execute(0, &["HRANDFIELD", "coin"]);
    assert!(
        [bulk("heads"), bulk("tails"), bulk("edge")].contains(&one),
        "{one:?}"
    );
    // A count reaching the size returns the whole hash, in order.
    check(
        &s,
        &[
            (
                &["HRANDFIELD", "coin", "3"],
                bulks(&["heads", "tails", "edge"]),
            ),
            (
                &["HRANDFIELD", "coin", "10"],
                bulks(&["heads", "tails", "edge"]),
            ),
            (
                &["HRANDFIELD", "coin", "5", "WITHVALUES"],
                bulks(&["heads", "obverse", "tails", "reverse", "edge", "null"]),
            ),
            (&["HRANDFIELD", "coin", "0"], Reply::EMPTY_ARRAY),
            (&["HRANDFIELD", "nosuch"], Reply::Null),
            (&["HRANDFIELD", "nosuch", "5"], Reply::EMPTY_ARRAY),
            (
                &["HRANDFIELD", "nosuch", "-5", "WITHVALUES"],
                Reply::EMPTY_ARRAY,
            ),
        ],
    );
    // RESP3: WITHVALUES gives [field, value] pairs.
    assert_eq!(
        run3(&s, &["HRANDFIELD", "coin", "3", "WITHVALUES"]),
        Reply::Array(vec![
            bulks(&["heads", "obverse"]),
            bulks(&["tails", "reverse"]),
            bulks(&["edge", "null"])
        ])
    );
    // Positive count below the size: distinct fields, in hash order.
    let order = ["heads", "tails", "edge"];
    for _ in 0..50 {
        let Reply::Array(items) = s.execute(0, &["HRANDFIELD", "coin", "2"]) else {
            panic!()
        };
        let idx: Vec<usize> = items
            .iter()
            .map(|r| {
                order
                    .iter()
                    .position(|o| r.as_bytes() == Some(o.as_bytes()))
                    .unwrap()
            })
            .collect();
        assert_eq!(idx.len(), 2);
        assert!(idx[0] < idx[1], "{idx:?}");
    }
    // Negative count: exactly that many, repeats allowed, values matching fields.
    let Reply::Array(items) = s.execute(0, &["HRANDFIELD", "coin", "-20", "WITHVALUES"]) else {
        panic!()
    };
    assert_eq!(items.len(), 40);
    for pair in items.chunks(2) {
        let want = match pair[0].as_bytes().unwrap() {
            b"heads" => "obverse",
            b"tails" => "reverse",
            b"edge" => "null",
            f => panic!("{f:?}"),
        };
        assert_eq!(pair[1], bulk(want));
    }
    let Reply::Array(items) = run3(&s, &["HRANDFIELD", "coin", "-4", "WITHVALUES"]) else {
        panic!()
    };
    assert_eq!(items.len(), 4);
    assert!(
        items
            .iter()
            .all(|p| matches!(p, Reply::Array(v) if v.len() == 2))
    );
}

#[test]
fn hrandfield_argument_errors() {
    let s = store_with(&[&["HSET", "h", "a", "1"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["HRANDFIELD", "h", "abc"], err(Error::NotInteger)),
            (&["HRANDFIELD", "nosuch", "abc"], err(Error::NotInteger)),
            (&["HRANDFIELD", "h", "1", "foo"], err(Error::Syntax)),
            (
                &["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
                err(Error::Syntax),
            ),
            (
                &["HRANDFIELD", "h", "-9223372036854775808"],
                err(Error::OutOfRangeBetween {
                    min: -i64::MAX,
                    max: i64::MAX,
                }),
            ),
            (
                &["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"],
                err(Error::OutOfRange),
            ),
            (
                &["HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"],
                err(Error::OutOfRange),
            ),
            (&["HRANDFIELD", "s", "0"], err(Error::WrongType)),
            (&["HRANDFIELD", "s"], err(Error::WrongType)),
        ],
    );
    assert_eq!(
        Error::OutOfRangeBetween {
            min: -i64::MAX,
            max: i64::MAX
        }
        .to_string(),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
}

#[test]
fn hscan_small_hash_comes_back_whole_with_cursor_zero() {
    // Checked against redis-server 7.0.15 (a 300-field hash is still a listpack).
    let s = store_with(&[
        &["HSET", "h", "a", "1", "b", "2", "ab", "3"],
        &["SET", "s", "x"],
    ]);
    let scan = |cursor: &str, items: &[&str]| Reply::Array(vec![bulk(cursor), bulks(items)]);
    check(
        &s,
        &[
            (
                &["HSCAN", "h", "0"],
                scan("0", &["a", "1", "b", "2", "ab", "3"]),
            ),
            (
                &["HSCAN", "h", "0", "COUNT", "1"],
                scan("0", &["a", "1", "b", "2", "ab", "3"]),
            ),
            // A listpack ignores the cursor, as Redis does.
            (
                &["HSCAN", "h", "7"],
                scan("0", &["a", "1", "b", "2", "ab", "3"]),
            ),
            (
                &["HSCAN", "h", "0", "MATCH", "a*"],
                scan("0", &["a", "1", "ab", "3"]),
            ),
            (
                &["HSCAN", "h", "0", "MATCH", "*", "COUNT", "100"],
                scan("0", &["a", "1", "b", "2", "ab", "3"]),
            ),
            (&["HSCAN", "nosuch", "0"], scan("0", &[])),
            // Options are looked at only for an existing hash.
            (&["HSCAN", "nosuch", "0", "COUNT", "0"], scan("0", &[])),
            (&["HSCAN", "s", "0", "COUNT", "0"], err(Error::WrongType)),
            (&["HSCAN", "h", "0", "COUNT", "0"], err(Error::Syntax)),
            (&["HSCAN", "h", "0", "COUNT", "abc"], err(Error::NotInteger)),
            (&["HSCAN", "h", "0", "TYPE", "string"], err(Error::Syntax)),
            (&["HSCAN", "h", "0", "MATCH"], err(Error::Syntax)),
            (&["HSCAN", "h", "abc"], err(Error::InvalidCursor)),
            (
                &["HSCAN", "h", "18446744073709551616"],
                err(Error::InvalidCursor),
            ),
            (
                &["HSCAN", "h", "-1"],
                scan("0", &["a", "1", "b", "2", "ab", "3"]),
            ),
        ],
    );
    // RESP3 keeps the flat array shape.
    assert_eq!(
        run3(&s, &["HSCAN", "h", "0", "MATCH", "b"]),
        scan("0", &["b", "2"])
    );
}

fn full_hscan(
    s: &Store,
    key: &str,
    count: &str,
    mut between: impl FnMut(&Store),
) -> Vec<(String, String)> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    let mut rounds = 0;
    loop {
        let Reply::Array(parts) = s.execute(0, &["HSCAN", key, &cursor, "COUNT", count]) else {
            panic!()
        };
        let [Reply::Bulk(next), Reply::Array(items)] = &parts[..] else {
            panic!("{parts:?}")
        };
        for pair in items.chunks(2) {
            let f = String::from_utf8(pair[0].as_bytes().unwrap().to_vec()).unwrap();
            let v = String::from_utf8(pair[1].as_bytes().unwrap().to_vec()).unwrap();
            out.push((f, v));
        }
        cursor = String::from_utf8(next.to_vec()).unwrap();
        rounds += 1;
        assert!(rounds < 10_000);
        if cursor == "0" {
            return out;
        }
        between(s);
    }
}

#[test]
fn hscan_of_a_large_hash_visits_every_field() {
    let s = Store::new();
    let db = s.db(0);
    // Above Redis 7.0's 512-field listpack limit.
    for i in 0..600 {
        db.hset("big", [(format!("f{i}"), format!("v{i}"))])
            .unwrap();
    }
    let got = full_hscan(&s, "big", "7", |_| {});
    let fields: BTreeSet<String> = got.iter().map(|(f, _)| f.clone()).collect();
    assert_eq!(fields.len(), 600);
    assert_eq!(got.len(), 600, "no duplicates without changes");
    assert!(got.iter().all(|(f, v)| f[1..] == v[1..]));
    // One step does not return everything for a large hash.
    let Reply::Array(first) = s.execute(0, &["HSCAN", "big", "0"]) else {
        panic!()
    };
    assert_ne!(first[0], bulk("0"));
}

#[test]
fn hscan_never_misses_fields_present_for_the_whole_scan() {
    let s = Store::new();
    let db = s.db(0);
    for i in 0..300 {
        db.hset("big", [(format!("keep{i}"), "x")]).unwrap();
        db.hset("big", [(format!("drop{i}"), "y")]).unwrap();
    }
    let mut n = 0;
    let got = full_hscan(&s, "big", "13", |s| {
        // Delete some and add some between steps.
        for _ in 0..5 {
            s.execute(0, &["HDEL", "big", &format!("drop{n}")]);
            s.execute(0, &["HSET", "big", &format!("new{n}"), "z"]);
            n += 1;
        }
    });
    let fields: BTreeSet<String> = got.into_iter().map(|(f, _)| f).collect();
    for i in 0..300 {
        assert!(fields.contains(&format!("keep{i}")), "keep{i} missed");
    }
}

#[test]
fn hset_and_hmset_arity_and_type_errors() {
    let s = store_with(&[&["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["HSET", "h", "a"], err(Error::wrong_arity("hset"))),
            (
                &["HSET", "h", "a", "1", "b"],
                err(Error::wrong_arity("hset")),
            ),
            (&["HMSET", "h", "a"], err(Error::wrong_arity("hmset"))),
            (
                &["HMSET", "h", "a", "1", "b"],
                err(Error::wrong_arity("hmset")),
            ),
            // The pairing is checked before the type.
            (
                &["HSET", "s", "a", "1", "b"],
                err(Error::wrong_arity("hset")),
            ),
            (&["HGET", "h"], err(Error::wrong_arity("hget"))),
            (&["HGETALL"], err(Error::wrong_arity("hgetall"))),
            (&["HDEL", "h"], err(Error::wrong_arity("hdel"))),
            (&["HMGET", "h"], err(Error::wrong_arity("hmget"))),
            (&["HSETNX", "h", "a"], err(Error::wrong_arity("hsetnx"))),
            (&["HINCRBY", "h", "a"], err(Error::wrong_arity("hincrby"))),
            (
                &["HINCRBYFLOAT", "h", "a", "1", "2"],
                err(Error::wrong_arity("hincrbyfloat")),
            ),
            (&["HRANDFIELD"], err(Error::wrong_arity("hrandfield"))),
            (&["HSCAN", "h"], err(Error::wrong_arity("hscan"))),
            (&["HSTRLEN", "h"], err(Error::wrong_arity("hstrlen"))),
            (&["EXISTS", "h"], int(0)),
        ],
    );
    for args in [
        &["HSET", "s", "a", "1"][..],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HEXISTS", "s", "a"],
        &["HSTRLEN", "s", "a"],
        &["HGETALL", "s"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HRANDFIELD", "s", "1"],
        &["HSCAN", "s", "0"],
    ] {
        assert_eq!(s.execute(0, args), err(Error::WrongType), "{args:?}");
    }
}

#[test]
fn command_table_entries_match_redis_7_0() {
    use flags::*;
    for (name, arity, fl) in [
        ("hdel", -3, WRITE | FAST),
        ("hexists", 3, READONLY | FAST),
        ("hget", 3, READONLY | FAST),
        ("hgetall", 2, READONLY),
        ("hincrby", 4, WRITE | DENYOOM | FAST),
        ("hincrbyfloat", 4, WRITE | DENYOOM | FAST),
        ("hkeys", 2, READONLY),
        ("hlen", 2, READONLY | FAST),
        ("hmget", -3, READONLY | FAST),
        ("hmset", -4, WRITE | DENYOOM | FAST),
        ("hrandfield", -2, READONLY),
        ("hscan", -3, READONLY),
        ("hset", -4, WRITE | DENYOOM | FAST),
        ("hsetnx", 4, WRITE | DENYOOM | FAST),
        ("hstrlen", 3, READONLY | FAST),
        ("hvals", 2, READONLY),
    ] {
        let spec = command::lookup(name.as_bytes()).unwrap();
        assert_eq!(
            (spec.arity, spec.flags, spec.group),
            (arity, fl, "hash"),
            "{name}"
        );
        assert_eq!(
            (spec.keys.first, spec.keys.last, spec.keys.step),
            (1, 1, 1),
            "{name}"
        );
    }
}

// ---- the typed API ----------------------------------------------------------

#[test]
fn typed_api_matches_the_commands() {
    let s = Store::new();
    let db = s.db(0);
    assert_eq!(db.hset("h", [("a", "1"), ("b", "2")]).unwrap(), 2);
    assert_eq!(db.hset("h", [("a", "10")]).unwrap(), 0);
    db.hmset("h", [("c", "x")]).unwrap();
    assert_eq!(db.hget("h", "a").unwrap().unwrap(), "10");
    assert_eq!(db.hget("h", "zz").unwrap(), None);
    assert_eq!(
        db.hmget("h", ["a", "zz"]).unwrap(),
        [Some("10".into()), None]
    );
    assert!(db.hsetnx("h", "d", "4").unwrap());
    assert!(!db.hsetnx("h", "d", "5").unwrap());
    assert!(db.hexists("h", "d").unwrap());
    assert_eq!(db.hlen("h").unwrap(), 4);
    assert_eq!(db.hstrlen("h", "a").unwrap(), 2);
    assert_eq!(db.hkeys("h").unwrap(), ["a", "b", "c", "d"]);
    assert_eq!(db.hvals("h").unwrap(), ["10", "2", "x", "4"]);
    assert_eq!(db.hincrby("h", "a", 5).unwrap(), 15);
    assert_eq!(db.hincrby("h", "c", 1), Err(Error::HashValueNotInteger));
    assert_eq!(db.hincrbyfloat("h", "f", 0.1).unwrap(), 0.1);
    assert_eq!(db.hincrbyfloat("h", "f", 0.2).unwrap(), 0.3);
    assert_eq!(db.hget("h", "f").unwrap().unwrap(), "0.3");
    assert_eq!(
        db.hincrbyfloat("h", "f", f64::INFINITY),
        Err(Error::NanOrInfinityValue)
    );
    assert_eq!(
        db.hincrbyfloat("h", "f", f64::NAN),
        Err(Error::NanOrInfinityValue)
    );
    assert_eq!(db.hdel("h", ["f", "zz"]).unwrap(), 1);
    let all = db.hgetall("h").unwrap();
    assert_eq!(
        all,
        [("a", "15"), ("b", "2"), ("c", "x"), ("d", "4")]
            .map(|(f, v)| (Bytes::from(f), Bytes::from(v)))
    );
    assert!(db.hrandfield("h").unwrap().is_some());
    assert_eq!(db.hrandfield("nosuch").unwrap(), None);
    assert_eq!(db.hrandfield_count("h", 10).unwrap(), ["a", "b", "c", "d"]);
    assert_eq!(db.hrandfield_count("h", -7).unwrap().len(), 7);
    assert_eq!(db.hrandfield_withvalues("h", 4).unwrap(), all);
    let (cursor, items) = db.hscan("h", 0).unwrap();
    assert_eq!((cursor, items), (0, all.clone()));
    let (_, matched) = db
        .hscan_with("h", 0, &embedis::ScanOptions::new().pattern("[ab]"))
        .unwrap();
    assert_eq!(matched.len(), 2);
    assert_eq!(
        db.hset("h", Vec::<(&str, &str)>::new()),
        Err(Error::wrong_arity("hset"))
    );
    db.set("s", "x").unwrap();
    assert_eq!(db.hget("s", "a"), Err(Error::WrongType));
    assert_eq!(db.hdel("h", ["a", "b", "c", "d"]).unwrap(), 4);
    assert_eq!(s.execute(0, &["EXISTS", "h"]), int(0));
}
