//! Behaviour of the set commands (`command/set.rs`) and their typed
//! methods, as Redis 7.0 replies.

use embedis::{Bytes, Error, Reply, ScanOptions, Store};

fn store_with(cmds: &[&[&str]]) -> Store {
    let s = Store::new();
    for c in cmds {
        let r = s.execute(0, c);
        assert!(!r.is_error(), "{c:?}: {r:?}");
    }
    s
}

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

fn err(e: Error) -> Reply {
    Reply::Error(e)
}

fn set_of(items: &[&str]) -> Reply {
    Reply::Set(items.iter().map(|i| Reply::bulk(i.to_string())).collect())
}

/// The members of an array or set reply, sorted (sets have no order).
fn sorted(r: Reply) -> Vec<String> {
    let items = match r {
        Reply::Array(v) | Reply::Set(v) => v,
        other => panic!("not an aggregate: {other:?}"),
    };
    let mut out: Vec<String> = items
        .iter()
        .map(|i| String::from_utf8(i.as_bytes().unwrap().to_vec()).unwrap())
        .collect();
    out.sort();
    out
}

fn check(s: &Store, cases: &[(&[&str], Reply)]) {
    for (args, want) in cases {
        assert_eq!(&s.execute(0, args), want, "{args:?}");
    }
}

#[test]
fn sadd_counts_new_members_and_srem_counts_removed() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["SADD", "s", "a", "b", "a"], int(2)),
            (&["SADD", "s", "b", "c"], int(1)),
            (&["SCARD", "s"], int(3)),
            (&["SREM", "s", "a", "x", "a"], int(1)),
            (&["SREM", "nokey", "a"], int(0)),
            (&["SCARD", "nokey"], int(0)),
        ],
    );
    assert_eq!(sorted(s.execute(0, &["SMEMBERS", "s"])), ["b", "c"]);
}

#[test]
fn srem_of_last_member_deletes_the_key() {
    let s = store_with(&[&["SADD", "s", "a", "b"]]);
    check(
        &s,
        &[
            (&["SREM", "s", "a", "b"], int(2)),
            (&["EXISTS", "s"], int(0)),
            (&["SMEMBERS", "s"], set_of(&[])),
        ],
    );
}

#[test]
fn set_commands_on_another_type_are_wrongtype() {
    let s = store_with(&[&["SET", "str", "v"], &["SADD", "s", "a"]]);
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SPOP", "str"],
        &["SPOP", "str", "1"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "1"],
        &["SSCAN", "str", "0"],
        &["SINTER", "nokey", "str"],
        &["SINTER", "s", "str"],
        &["SUNION", "nokey", "str"],
        &["SDIFF", "nokey", "str"],
        &["SDIFF", "str", "nokey"],
        &["SINTERSTORE", "d", "s", "str"],
        &["SINTERCARD", "2", "s", "str"],
        &["SMOVE", "str", "s", "a"],
        &["SMOVE", "s", "str", "a"],
        &["SMOVE", "s", "str", "zz"],
    ] {
        assert_eq!(s.execute(0, args), err(Error::WrongType), "{args:?}");
    }
}

#[test]
fn set_commands_check_arity() {
    let s = Store::new();
    for (args, name) in [
        (&["SADD", "s"][..], "sadd"),
        (&["SCARD"], "scard"),
        (&["SISMEMBER", "s"], "sismember"),
        (&["SMISMEMBER", "s"], "smismember"),
        (&["SMOVE", "a", "b"], "smove"),
        (&["SPOP"], "spop"),
        (&["SINTERCARD", "1"], "sintercard"),
        (&["SINTERSTORE", "d"], "sinterstore"),
        (&["SSCAN", "s"], "sscan"),
        (&["SUNION"], "sunion"),
    ] {
        assert_eq!(
            s.execute(0, args),
            err(Error::wrong_arity(name)),
            "{args:?}"
        );
    }
}

#[test]
fn sismember_and_smismember() {
    let s = store_with(&[&["SADD", "s", "a", "b"]]);
    check(
        &s,
        &[
            (&["SISMEMBER", "s", "a"], int(1)),
            (&["SISMEMBER", "s", "x"], int(0)),
            (&["SISMEMBER", "nokey", "a"], int(0)),
            (
                &["SMISMEMBER", "s", "a", "x", "b"],
                Reply::Array(vec![int(1), int(0), int(1)]),
            ),
            (&["SMISMEMBER", "nokey", "a"], Reply::Array(vec![int(0)])),
        ],
    );
}

#[test]
fn sinter_sunion_sdiff_follow_the_redis_docs_example() {
    let s = store_with(&[
        &["SADD", "key1", "a", "b", "c", "d"],
        &["SADD", "key2", "c"],
        &["SADD", "key3", "a", "c", "e"],
    ]);
    assert_eq!(
        sorted(s.execute(0, &["SINTER", "key1", "key2", "key3"])),
        ["c"]
    );
    assert_eq!(
        sorted(s.execute(0, &["SUNION", "key1", "key2", "key3"])),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(
        sorted(s.execute(0, &["SDIFF", "key1", "key2", "key3"])),
        ["b", "d"]
    );
    // A missing key is an empty set.
    check(
        &s,
        &[
            (&["SINTER", "key1", "nokey"], set_of(&[])),
            (&["SDIFF", "nokey", "key1"], set_of(&[])),
        ],
    );
    assert_eq!(sorted(s.execute(0, &["SUNION", "nokey", "key2"])), ["c"]);
    assert_eq!(sorted(s.execute(0, &["SDIFF", "key2", "nokey"])), ["c"]);
}

#[test]
fn store_variants_replace_destination_and_delete_it_when_empty() {
    let s = store_with(&[
        &["SADD", "a", "1", "2", "3"],
        &["SADD", "b", "2", "3", "4"],
        &["SET", "d", "string"],
        &["EXPIRE", "d", "100"],
    ]);
    check(
        &s,
        &[
            (&["SINTERSTORE", "d", "a", "b"], int(2)),
            (&["TYPE", "d"], Reply::simple("set")),
            (&["TTL", "d"], int(-1)),
            (&["SUNIONSTORE", "d", "a", "b"], int(4)),
            (&["SDIFFSTORE", "d", "a", "b"], int(1)),
            (&["SMEMBERS", "d"], set_of(&["1"])),
            (&["SINTERSTORE", "d", "a", "nokey"], int(0)),
            (&["EXISTS", "d"], int(0)),
            (&["SDIFFSTORE", "d", "a", "a"], int(0)),
            (&["EXISTS", "d"], int(0)),
            // The destination may be one of the sources.
            (&["SUNIONSTORE", "a", "a", "b"], int(4)),
        ],
    );
}

#[test]
fn sintercard_counts_with_limit_and_validates_numkeys() {
    let s = store_with(&[&["SADD", "a", "1", "2", "3"], &["SADD", "b", "2", "3", "4"]]);
    check(
        &s,
        &[
            (&["SINTERCARD", "2", "a", "b"], int(2)),
            (&["SINTERCARD", "2", "a", "b", "LIMIT", "1"], int(1)),
            (&["SINTERCARD", "2", "a", "b", "limit", "0"], int(2)),
            (&["SINTERCARD", "1", "a"], int(3)),
            (&["SINTERCARD", "2", "a", "nokey"], int(0)),
            (&["SINTERCARD", "0", "a"], err(Error::NumkeysNotPositive)),
            (&["SINTERCARD", "x", "a"], err(Error::NumkeysNotPositive)),
            (
                &["SINTERCARD", "3", "a", "b"],
                err(Error::NumkeysExceedArgs),
            ),
            (
                &["SINTERCARD", "1", "a", "LIMIT", "-1"],
                err(Error::LimitNegative),
            ),
            (
                &["SINTERCARD", "1", "a", "LIMIT", "x"],
                err(Error::LimitNegative),
            ),
            (&["SINTERCARD", "1", "a", "LIMIT"], err(Error::Syntax)),
            (&["SINTERCARD", "1", "a", "foo"], err(Error::Syntax)),
        ],
    );
}

#[test]
fn smove_moves_and_handles_same_and_missing_keys() {
    let s = store_with(&[&["SADD", "src", "a", "b"], &["SADD", "dst", "c"]]);
    check(
        &s,
        &[
            (&["SMOVE", "src", "dst", "a"], int(1)),
            (&["SISMEMBER", "dst", "a"], int(1)),
            (&["SMOVE", "src", "dst", "zz"], int(0)),
            (&["SMOVE", "src", "src", "b"], int(1)),
            (&["SMOVE", "src", "src", "zz"], int(0)),
            // A missing source answers 0 before the destination's type is checked.
            (&["SET", "str", "v"], Reply::OK),
            (&["SMOVE", "nokey", "str", "a"], int(0)),
            (&["SMOVE", "src", "new", "b"], int(1)),
            (&["EXISTS", "src"], int(0)),
            (&["SMEMBERS", "new"], set_of(&["b"])),
        ],
    );
}

#[test]
fn spop_counts_and_errors() {
    let s = store_with(&[&["SADD", "s", "a", "b", "c"]]);
    check(
        &s,
        &[
            (&["SPOP", "s", "-1"], err(Error::OutOfRangePositive)),
            (&["SPOP", "s", "x"], err(Error::OutOfRangePositive)),
            (&["SPOP", "s", "1", "2"], err(Error::Syntax)),
            (&["SPOP", "s", "0"], set_of(&[])),
            (&["SPOP", "nokey"], Reply::Null),
            (&["SPOP", "nokey", "2"], set_of(&[])),
        ],
    );
    let popped = sorted(s.execute(0, &["SPOP", "s", "2"]));
    assert_eq!(popped.len(), 2);
    assert_eq!(s.execute(0, &["SCARD", "s"]), int(1));
    let last = s.execute(0, &["SPOP", "s"]);
    let mut all = popped;
    all.push(String::from_utf8(last.as_bytes().unwrap().to_vec()).unwrap());
    all.sort();
    assert_eq!(all, ["a", "b", "c"]);
    assert_eq!(s.execute(0, &["EXISTS", "s"]), int(0));
}

#[test]
fn spop_count_at_least_the_size_returns_all_and_deletes_the_key() {
    let s = store_with(&[&["SADD", "s", "a", "b", "c"]]);
    assert_eq!(sorted(s.execute(0, &["SPOP", "s", "5"])), ["a", "b", "c"]);
    assert_eq!(s.execute(0, &["EXISTS", "s"]), int(0));
}

#[test]
fn srandmember_counts_distinct_or_with_repeats() {
    let s = store_with(&[&["SADD", "s", "a", "b", "c"]]);
    // Positive: distinct, at most the set's size.
    assert_eq!(
        sorted(s.execute(0, &["SRANDMEMBER", "s", "10"])),
        ["a", "b", "c"]
    );
    let two = sorted(s.execute(0, &["SRANDMEMBER", "s", "2"]));
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
    // Negative: exactly -count, repeats allowed.
    let many = sorted(s.execute(0, &["SRANDMEMBER", "s", "-20"]));
    assert_eq!(many.len(), 20);
    assert!(many.iter().all(|m| ["a", "b", "c"].contains(&m.as_str())));
    check(
        &s,
        &[
            (&["SRANDMEMBER", "s", "0"], Reply::EMPTY_ARRAY),
            (&["SRANDMEMBER", "nokey"], Reply::Null),
            (&["SRANDMEMBER", "nokey", "3"], Reply::EMPTY_ARRAY),
            (&["SRANDMEMBER", "s", "x"], err(Error::NotInteger)),
            (&["SRANDMEMBER", "s", "1", "2"], err(Error::Syntax)),
            (
                &["SRANDMEMBER", "s", "-9223372036854775808"],
                err(Error::ValueNotBetween {
                    min: -i64::MAX,
                    max: i64::MAX,
                }),
            ),
            (&["SCARD", "s"], int(3)),
        ],
    );
    assert_eq!(
        Error::ValueNotBetween {
            min: -i64::MAX,
            max: i64::MAX
        }
        .to_string(),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
}

#[test]
fn sscan_visits_every_member_and_parses_options_like_redis() {
    let s = Store::new();
    let members: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD".to_string(), "s".into()];
    args.extend(members.iter().cloned());
    s.execute(0, &args);
    let mut seen = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let r = s.execute(0, &["SSCAN", "s", &cursor, "COUNT", "7"]);
        let Reply::Array(parts) = r else { panic!() };
        cursor = String::from_utf8(parts[0].as_bytes().unwrap().to_vec()).unwrap();
        seen.extend(sorted(parts[1].clone()));
        if cursor == "0" {
            break;
        }
    }
    seen.sort();
    let mut want = members.clone();
    want.sort();
    assert_eq!(seen, want);

    let small = store_with(&[&["SADD", "t", "a", "b", "c"], &["SET", "str", "v"]]);
    let empty_scan = Reply::Array(vec![Reply::bulk("0"), Reply::EMPTY_ARRAY]);
    check(
        &small,
        &[
            (
                &["SSCAN", "t", "0", "MATCH", "a*"],
                Reply::Array(vec![Reply::bulk("0"), Reply::bulks(["a"])]),
            ),
            (&["SSCAN", "t", "x"], err(Error::InvalidCursor)),
            (&["SSCAN", "str", "x"], err(Error::InvalidCursor)),
            (
                &["SSCAN", "t", "18446744073709551616"],
                err(Error::InvalidCursor),
            ),
            (&["SSCAN", "t", "0", "COUNT", "0"], err(Error::Syntax)),
            (&["SSCAN", "t", "0", "COUNT", "x"], err(Error::NotInteger)),
            (&["SSCAN", "t", "0", "MATCH"], err(Error::Syntax)),
            (&["SSCAN", "t", "0", "TYPE", "string"], err(Error::Syntax)),
            // A missing key answers an empty scan before options are parsed.
            (&["SSCAN", "nokey", "0", "COUNT", "0"], empty_scan),
        ],
    );
}

#[test]
fn typed_set_methods_match_the_commands() {
    let store = Store::new();
    let db = store.db(0);
    assert_eq!(db.sadd("s", ["a", "b", "c"]).unwrap(), 3);
    assert_eq!(db.sadd("t", ["b", "c", "d"]).unwrap(), 3);
    assert!(db.sismember("s", "a").unwrap());
    assert_eq!(db.smismember("s", ["a", "z"]).unwrap(), [true, false]);
    assert_eq!(db.scard("s").unwrap(), 3);
    let mut inter = db.sinter(["s", "t"]).unwrap();
    inter.sort();
    assert_eq!(inter, [Bytes::from("b"), Bytes::from("c")]);
    assert_eq!(db.sunion(["s", "t"]).unwrap().len(), 4);
    assert_eq!(db.sdiff(["s", "t"]).unwrap(), [Bytes::from("a")]);
    assert_eq!(db.sinterstore("i", ["s", "t"]).unwrap(), 2);
    assert_eq!(db.sunionstore("u", ["s", "t"]).unwrap(), 4);
    assert_eq!(db.sdiffstore("d", ["s", "s"]).unwrap(), 0);
    assert_eq!(db.sintercard(["s", "t"], 1).unwrap(), 1);
    assert!(db.smove("s", "t", "a").unwrap());
    assert_eq!(db.srem("t", ["a", "b"]).unwrap(), 2);
    assert_eq!(db.srandmember_count("u", -5).unwrap().len(), 5);
    assert!(db.srandmember("u").unwrap().is_some());
    assert_eq!(db.spop_count("u", 3).unwrap().len(), 3);
    assert!(db.spop("u").unwrap().is_some());
    assert_eq!(db.spop("u").unwrap(), None);
    let (cursor, mut all) = db.sscan("t", 0).unwrap();
    all.sort();
    assert_eq!((cursor, all), (0, vec![Bytes::from("c"), Bytes::from("d")]));
    let (_, matched) = db
        .sscan_with("t", 0, ScanOptions::new().pattern("c*").count(100))
        .unwrap();
    assert_eq!(matched, [Bytes::from("c")]);
    assert_eq!(
        db.sscan_with("t", 0, ScanOptions::new().type_name("set")),
        Err(Error::Syntax)
    );
    db.set("str", "v").unwrap();
    assert_eq!(db.sadd("str", ["a"]), Err(Error::WrongType));
    assert_eq!(db.smembers("nokey").unwrap(), Vec::<Bytes>::new());
}

#[test]
fn integer_sets_reply_in_ascending_order_like_a_redis_intset() {
    let s = store_with(&[
        &["SADD", "s", "3", "1", "2", "-5", "10"],
        &["SADD", "t", "2", "10", "7"],
    ]);
    let ints =
        |items: &[&str]| Reply::Set(items.iter().map(|i| Reply::bulk(i.to_string())).collect());
    check(
        &s,
        &[
            (&["SMEMBERS", "s"], ints(&["-5", "1", "2", "3", "10"])),
            (
                &["SUNION", "s", "t"],
                ints(&["-5", "1", "2", "3", "7", "10"]),
            ),
            (&["SINTER", "s", "t"], ints(&["2", "10"])),
            (&["SDIFF", "s", "t"], ints(&["-5", "1", "3"])),
            (
                &["SRANDMEMBER", "s", "10"],
                Reply::bulks(["-5", "1", "2", "3", "10"]),
            ),
            // An intset is scanned whole, in order, in one call.
            (
                &["SSCAN", "s", "0", "COUNT", "1"],
                Reply::Array(vec![
                    Reply::bulk("0"),
                    Reply::bulks(["-5", "1", "2", "3", "10"]),
                ]),
            ),
            (&["SPOP", "s", "10"], ints(&["-5", "1", "2", "3", "10"])),
        ],
    );
}
