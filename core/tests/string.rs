//! The string command group, as Redis 7.0 replies (checked against
//! redis-server 7.0.15).

use embedis::{
    Bytes, Error, GetExOptions, LcsMatch, LcsOptions, ManualClock, Reply, SetOptions, Store, Ttl,
};

const T0: i64 = 1_700_000_000_000;

fn store() -> (Store, ManualClock) {
    let clock = ManualClock::new(T0);
    (Store::builder().clock(clock.clone()).build(), clock)
}

fn store_with(cmds: &[&[&str]]) -> Store {
    let (s, _) = store();
    for c in cmds {
        let r = s.execute(0, c);
        assert!(!r.is_error(), "{c:?}: {r:?}");
    }
    s
}

fn bulk(s: &str) -> Reply {
    Reply::bulk(s.to_owned())
}

fn err(line: &'static str) -> Reply {
    Reply::Error(Error::Static(line))
}

/// Runs each command in order and checks its reply (errors compared by text).
fn check(s: &Store, cases: &[(&[&str], Reply)]) {
    for (args, want) in cases {
        let got = s.execute(0, args);
        match (&got, want) {
            (Reply::Error(g), Reply::Error(w)) => {
                assert_eq!(g.to_string(), w.to_string(), "{args:?}")
            }
            _ => assert_eq!(&got, want, "{args:?}"),
        }
    }
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";

#[test]
fn get_and_set_basics() {
    let s = store_with(&[]);
    check(
        &s,
        &[
            (&["GET", "nonexisting"], Reply::Null),
            (&["SET", "mykey", "Hello"], Reply::OK),
            (&["GET", "mykey"], bulk("Hello")),
            (&["SET", "mykey", "World"], Reply::OK),
            (&["GET", "mykey"], bulk("World")),
            (
                &["GET"],
                err("ERR wrong number of arguments for 'get' command"),
            ),
            (
                &["SET", "k"],
                err("ERR wrong number of arguments for 'set' command"),
            ),
            (
                &["GET", "a", "b"],
                err("ERR wrong number of arguments for 'get' command"),
            ),
        ],
    );
}

/// The typed reads of a string hand out a `CompactBytes`: a short value
/// inline (nothing allocated), a long one sharing the stored buffer, and
/// GETDEL moves the stored value out rather than copying it.
#[test]
fn typed_string_reads_allocate_nothing_for_short_values_and_share_long_ones() {
    let (s, _) = store();
    let db = s.db(0);
    db.set("short", "v").unwrap();
    db.set("long", "x".repeat(100)).unwrap();

    let short = db.get("short").unwrap().unwrap();
    assert!(short.is_inline());
    assert_eq!(short, "v");
    assert_eq!("v", short);
    assert_eq!(short, b"v");
    assert_eq!(short, Bytes::from("v"));
    assert_eq!(b"v".to_vec(), short);
    assert_eq!(Bytes::from(short), "v");

    let (a, b) = (
        db.get("long").unwrap().unwrap(),
        db.get("long").unwrap().unwrap(),
    );
    assert!(!a.is_inline());
    assert_eq!(a, "x".repeat(100));
    assert_eq!(a.as_ptr(), b.as_ptr(), "both share the stored buffer");
    let taken = db.getdel("long").unwrap().unwrap();
    assert_eq!(
        taken.as_ptr(),
        a.as_ptr(),
        "moved out of the store, not copied"
    );
    assert_eq!(db.get("long").unwrap(), None);

    db.hset("h", [("f", "v")]).unwrap();
    assert!(db.hget("h", "f").unwrap().unwrap().is_inline());
    assert_eq!(db.hmget("h", ["f", "g"]).unwrap(), [Some("v".into()), None]);
}

#[test]
fn set_option_combinations_give_redis_errors() {
    let s = store_with(&[&["SET", "k", "v"]]);
    let syntax = err("ERR syntax error");
    check(
        &s,
        &[
            (&["SET", "k", "v", "XX", "NX"], syntax.clone()),
            (&["SET", "k", "v", "NX", "XX"], syntax.clone()),
            (&["SET", "k", "v", "EX", "10", "PX", "100"], syntax.clone()),
            (&["SET", "k", "v", "KEEPTTL", "EX", "10"], syntax.clone()),
            (&["SET", "k", "v", "EX", "10", "KEEPTTL"], syntax.clone()),
            (
                &["SET", "k", "v", "PXAT", "10", "EXAT", "10"],
                syntax.clone(),
            ),
            (&["SET", "k", "v", "EX"], syntax.clone()),
            (&["SET", "k", "v", "PERSIST"], syntax.clone()),
            (&["SET", "k", "v", "FOO"], syntax.clone()),
            // Syntax is checked before the number.
            (&["SET", "k", "v", "EX", "abc", "FOO"], syntax.clone()),
            (&["SET", "k", "v", "EX", "abc"], err(NOT_INT)),
            (
                &["SET", "k", "v", "EX", "0"],
                err("ERR invalid expire time in 'set' command"),
            ),
            (
                &["SET", "k", "v", "EX", "-1"],
                err("ERR invalid expire time in 'set' command"),
            ),
            (
                &["SET", "k", "v", "PX", "9223372036854775807"],
                err("ERR invalid expire time in 'set' command"),
            ),
            (
                &["SET", "k", "v", "EX", "9223372036854775"],
                err("ERR invalid expire time in 'set' command"),
            ),
            (
                &["SET", "k", "v", "EXAT", "9223372036854776"],
                err("ERR invalid expire time in 'set' command"),
            ),
            (&["SET", "k", "v", "EXAT", "9223372036854775"], Reply::OK),
            (&["SET", "k", "v", "PXAT", "9223372036854775807"], Reply::OK),
            // Repeating the same option is fine; the last expiry wins.
            (&["SET", "k", "v", "EX", "10", "EX", "20"], Reply::OK),
            (&["TTL", "k"], Reply::Integer(20)),
            (&["SET", "k", "v", "nx", "NX"], Reply::Null),
            (&["SET", "k", "v2", "get", "GET"], bulk("v")),
            (&["SET", "k", "v", "KeepTTL", "xx"], Reply::OK),
            (&["TTL", "k"], Reply::Integer(-1)),
        ],
    );
}

#[test]
fn set_nx_xx_get_and_expiry() {
    let (s, clock) = store();
    check(
        &s,
        &[
            (&["SET", "k", "v", "XX"], Reply::Null),
            (&["SET", "k", "v", "NX"], Reply::OK),
            (&["SET", "k", "v2", "NX"], Reply::Null),
            (&["SET", "k", "v3", "XX"], Reply::OK),
            (&["SET", "k", "v4", "NX", "GET"], bulk("v3")),
            (&["GET", "k"], bulk("v3")),
            (&["SET", "new", "a", "XX", "GET"], Reply::Null),
            (&["EXISTS", "new"], Reply::Integer(0)),
            (&["SET", "new", "a", "GET"], Reply::Null),
            (&["SET", "k", "v", "PX", "1500"], Reply::OK),
            (&["PTTL", "k"], Reply::Integer(1500)),
            (&["SET", "k", "w", "KEEPTTL"], Reply::OK),
            (&["PTTL", "k"], Reply::Integer(1500)),
            (&["SET", "k", "w"], Reply::OK),
            (&["PTTL", "k"], Reply::Integer(-1)),
            (
                &["SET", "k", "v", "EXAT", &((T0 / 1000) + 100).to_string()],
                Reply::OK,
            ),
            (&["TTL", "k"], Reply::Integer(100)),
            (
                &["SET", "k", "v", "PXAT", &(T0 + 2500).to_string()],
                Reply::OK,
            ),
            (&["PTTL", "k"], Reply::Integer(2500)),
        ],
    );
    clock.advance_ms(2500);
    check(&s, &[(&["GET", "k"], Reply::Null)]);
    // An absolute time in the past stores a key that is already gone.
    check(
        &s,
        &[
            (&["SET", "past", "v", "EXAT", "1"], Reply::OK),
            (&["GET", "past"], Reply::Null),
        ],
    );
}

#[test]
fn setex_psetex_setnx() {
    let (s, clock) = store();
    check(
        &s,
        &[
            (&["SETEX", "k", "10", "v"], Reply::OK),
            (&["TTL", "k"], Reply::Integer(10)),
            (&["PSETEX", "p", "1500", "v"], Reply::OK),
            (&["PTTL", "p"], Reply::Integer(1500)),
            (
                &["SETEX", "k", "0", "v"],
                err("ERR invalid expire time in 'setex' command"),
            ),
            (
                &["PSETEX", "k", "-1", "v"],
                err("ERR invalid expire time in 'psetex' command"),
            ),
            (&["SETEX", "k", "abc", "v"], err(NOT_INT)),
            (
                &["SETEX", "k", "10"],
                err("ERR wrong number of arguments for 'setex' command"),
            ),
            (&["SETNX", "n", "1"], Reply::Integer(1)),
            (&["SETNX", "n", "2"], Reply::Integer(0)),
            (&["GET", "n"], bulk("1")),
        ],
    );
    clock.advance_ms(1500);
    check(
        &s,
        &[(&["GET", "p"], Reply::Null), (&["GET", "k"], bulk("v"))],
    );
}

#[test]
fn getex_changes_the_expiry() {
    let (s, clock) = store();
    check(
        &s,
        &[
            (&["GETEX", "nokey", "EX", "abc"], Reply::Null),
            (&["SET", "k", "v"], Reply::OK),
            (&["GETEX", "k", "NX"], err("ERR syntax error")),
            (&["GETEX", "k", "KEEPTTL"], err("ERR syntax error")),
            (&["GETEX", "k", "GET"], err("ERR syntax error")),
            (
                &["GETEX", "k", "PERSIST", "EX", "10"],
                err("ERR syntax error"),
            ),
            (
                &["GETEX", "k", "EX", "10", "PERSIST"],
                err("ERR syntax error"),
            ),
            (&["GETEX", "k", "PX"], err("ERR syntax error")),
            (&["GETEX", "k", "EX", "abc"], err(NOT_INT)),
            (
                &["GETEX", "k", "EX", "0"],
                err("ERR invalid expire time in 'getex' command"),
            ),
            (&["GETEX", "k"], bulk("v")),
            (&["TTL", "k"], Reply::Integer(-1)),
            (&["GETEX", "k", "EX", "100"], bulk("v")),
            (&["TTL", "k"], Reply::Integer(100)),
            (&["GETEX", "k", "PX", "1000", "PX", "2000"], bulk("v")),
            (&["PTTL", "k"], Reply::Integer(2000)),
            (&["GETEX", "k", "PERSIST"], bulk("v")),
            (&["TTL", "k"], Reply::Integer(-1)),
            (&["GETEX", "k", "PXAT", &(T0 + 10).to_string()], bulk("v")),
            (&["PTTL", "k"], Reply::Integer(10)),
            // An absolute time in the past deletes the key, after replying.
            (&["GETEX", "k", "EXAT", "1"], bulk("v")),
            (&["EXISTS", "k"], Reply::Integer(0)),
        ],
    );
    let db = s.db(0);
    db.set("t", "x").unwrap();
    assert_eq!(
        db.getex_with("t", GetExOptions::new().px(50))
            .unwrap()
            .as_deref(),
        Some(&b"x"[..])
    );
    assert_eq!(db.pttl("t").unwrap(), Ttl::Millis(50));
    assert_eq!(
        db.getex_with("t", GetExOptions::new().persist())
            .unwrap()
            .as_deref(),
        Some(&b"x"[..])
    );
    assert_eq!(db.ttl("t").unwrap(), Ttl::Persistent);
    db.getex_with("t", GetExOptions::new().ex(1)).unwrap();
    clock.advance_ms(1000);
    assert_eq!(db.getex("t").unwrap(), None);
}

#[test]
fn getdel_getset() {
    let (s, _) = store();
    check(
        &s,
        &[
            (&["GETDEL", "nothere"], Reply::Null),
            (&["SET", "k", "v", "EX", "100"], Reply::OK),
            (&["GETSET", "k", "new"], bulk("v")),
            // GETSET drops the expiry.
            (&["TTL", "k"], Reply::Integer(-1)),
            (&["GETSET", "nothere", "x"], Reply::Null),
            (&["GET", "nothere"], bulk("x")),
            (&["GETDEL", "k"], bulk("new")),
            (&["EXISTS", "k"], Reply::Integer(0)),
        ],
    );
    // The expiry index follows: no key with a TTL is left behind.
    assert_eq!(s.keyspace_sizes()[0], (1, 0));
    check(
        &s,
        &[
            (&["SET", "t", "v", "PX", "100"], Reply::OK),
            (&["GETDEL", "t"], bulk("v")),
        ],
    );
    assert_eq!(s.keyspace_sizes()[0], (1, 0));
}

/// A read-modify-write that fails (WRONGTYPE, not an integer, overflow)
/// writes nothing: no change is counted (what WATCH and the save schedule see).
#[test]
fn failed_string_writes_count_no_change() {
    let s = store_with(&[
        &["RPUSH", "l", "a"],
        &["SET", "n", "abc"],
        &["SET", "max", "9223372036854775807"],
    ]);
    let before = s.changes();
    for args in [
        &["APPEND", "l", "x"][..],
        &["SETRANGE", "l", "0", "x"],
        &["GETSET", "l", "x"],
        &["GETDEL", "l"],
        &["INCR", "n"],
        &["INCR", "l"],
        &["INCR", "max"],
        &["INCRBYFLOAT", "n", "1"],
    ] {
        assert!(s.execute(0, args).is_error(), "{args:?}");
    }
    assert_eq!(s.changes(), before);
    assert_eq!(s.execute(0, &["APPEND", "n", "d"]), Reply::Integer(4));
    assert_eq!(s.changes(), before + 1);
}

#[test]
fn incr_decr_and_overflow() {
    let s = store_with(&[]);
    let overflow = err("ERR increment or decrement would overflow");
    check(
        &s,
        &[
            (&["SET", "mykey", "10"], Reply::OK),
            (&["INCR", "mykey"], Reply::Integer(11)),
            (&["GET", "mykey"], bulk("11")),
            (&["DECR", "mykey"], Reply::Integer(10)),
            (&["INCRBY", "mykey", "5"], Reply::Integer(15)),
            (&["DECRBY", "mykey", "3"], Reply::Integer(12)),
            (&["INCRBY", "mykey", "-15"], Reply::Integer(-3)),
            (&["INCR", "fresh"], Reply::Integer(1)),
            (&["DECR", "fresh2"], Reply::Integer(-1)),
            (&["DECRBY", "fresh3", "-5"], Reply::Integer(5)),
            (&["SET", "x", "9223372036854775807"], Reply::OK),
            (&["INCR", "x"], overflow.clone()),
            (&["INCRBY", "x", "0"], Reply::Integer(i64::MAX)),
            (&["GET", "x"], bulk("9223372036854775807")),
            (&["SET", "y", "-9223372036854775808"], Reply::OK),
            (&["DECR", "y"], overflow.clone()),
            (&["DECRBY", "y", "1"], overflow.clone()),
            (&["SET", "m", "-2"], Reply::OK),
            (&["DECRBY", "m", "9223372036854775807"], overflow.clone()),
            (&["SET", "one", "1"], Reply::OK),
            (&["INCRBY", "one", "9223372036854775807"], overflow),
            (
                &["DECRBY", "one", "-9223372036854775808"],
                err("ERR decrement would overflow"),
            ),
            (&["INCRBY", "one", "abc"], err(NOT_INT)),
            (&["INCRBY", "one", "1.5"], err(NOT_INT)),
            (&["INCRBY", "one", "9223372036854775808"], err(NOT_INT)),
        ],
    );
    // Values that are not canonical integers are refused, as string2ll does.
    for v in ["01", "+1", " 1", "1 ", "12345678901234567890", "1.0", ""] {
        check(
            &s,
            &[
                (&["SET", "v", v], Reply::OK),
                (&["INCR", "v"], err(NOT_INT)),
            ],
        );
    }
}

#[test]
fn incr_keeps_the_expiry() {
    let (s, clock) = store();
    check(
        &s,
        &[
            (&["SET", "k", "5", "EX", "100"], Reply::OK),
            (&["INCR", "k"], Reply::Integer(6)),
            (&["INCRBYFLOAT", "k", "1.5"], bulk("7.5")),
            (&["APPEND", "k", "0"], Reply::Integer(4)),
            (&["SETRANGE", "k", "0", "9"], Reply::Integer(4)),
            (&["GET", "k"], bulk("9.50")),
            (&["TTL", "k"], Reply::Integer(100)),
        ],
    );
    clock.advance_ms(100_000);
    check(
        &s,
        &[
            (&["GET", "k"], Reply::Null),
            (&["INCR", "k"], Reply::Integer(1)),
        ],
    );
}

#[test]
fn incrbyfloat_prints_like_redis_long_double() {
    let s = store_with(&[]);
    check(
        &s,
        &[
            (&["SET", "mykey", "10.50"], Reply::OK),
            (&["INCRBYFLOAT", "mykey", "0.1"], bulk("10.6")),
            (&["INCRBYFLOAT", "mykey", "-5"], bulk("5.6")),
            (&["SET", "mykey", "5.0e3"], Reply::OK),
            (&["INCRBYFLOAT", "mykey", "2.0e2"], bulk("5200")),
            (&["SET", "a", "0.1"], Reply::OK),
            (&["INCRBYFLOAT", "a", "0.2"], bulk("0.3")),
            (
                &["INCRBYFLOAT", "b", "12345678.1"],
                bulk("12345678.1000000000003638"),
            ),
            (&["INCRBYFLOAT", "c", "1e20"], bulk("100000000000000000000")),
            (&["INCRBYFLOAT", "d", "1e-20"], bulk("0")),
            (&["INCRBYFLOAT", "e", "0x10"], bulk("16")),
            (&["SET", "f", "3"], Reply::OK),
            (&["INCRBYFLOAT", "f", "-3"], bulk("0")),
            (
                &["INCRBYFLOAT", "f", "abc"],
                err("ERR value is not a valid float"),
            ),
            (
                &["INCRBYFLOAT", "f", "nan"],
                err("ERR value is not a valid float"),
            ),
            (
                &["INCRBYFLOAT", "f", " 1"],
                err("ERR value is not a valid float"),
            ),
            (
                &["INCRBYFLOAT", "f", "1e5000"],
                err("ERR value is not a valid float"),
            ),
            (
                &["INCRBYFLOAT", "f", "inf"],
                err("ERR increment would produce NaN or Infinity"),
            ),
            (&["SET", "g", "abc"], Reply::OK),
            (
                &["INCRBYFLOAT", "g", "1"],
                err("ERR value is not a valid float"),
            ),
        ],
    );
    let db = s.db(0);
    assert_eq!(db.incrbyfloat("h", 0.1).unwrap(), 0.1);
    assert_eq!(db.incrbyfloat("h", 0.2).unwrap(), 0.3);
    assert_eq!(db.get("h").unwrap().as_deref(), Some(&b"0.3"[..]));
    assert_eq!(
        db.incrbyfloat("h", f64::INFINITY),
        Err(Error::NanOrInfinity)
    );
    assert_eq!(db.incrbyfloat("h", f64::NAN), Err(Error::NotFloat));
}

#[test]
fn append_and_strlen() {
    let s = store_with(&[]);
    check(
        &s,
        &[
            (&["EXISTS", "mykey"], Reply::Integer(0)),
            (&["APPEND", "mykey", "Hello"], Reply::Integer(5)),
            (&["APPEND", "mykey", " World"], Reply::Integer(11)),
            (&["GET", "mykey"], bulk("Hello World")),
            (&["STRLEN", "mykey"], Reply::Integer(11)),
            (&["STRLEN", "nonexisting"], Reply::Integer(0)),
            (&["SET", "n", "12"], Reply::OK),
            (&["APPEND", "n", "0"], Reply::Integer(3)),
            (&["INCR", "n"], Reply::Integer(121)),
        ],
    );
    let db = s.db(0);
    db.set("bin", [0u8, 255, 1]).unwrap();
    assert_eq!(db.append("bin", [0u8]).unwrap(), 4);
    assert_eq!(
        db.get("bin").unwrap().as_deref(),
        Some(&[0u8, 255, 1, 0][..])
    );
    // Many appends stay cheap and exact.
    for i in 0..1000 {
        db.append("log", i.to_string()).unwrap();
    }
    let want: String = (0..1000).map(|i| i.to_string()).collect();
    assert_eq!(db.get("log").unwrap().unwrap(), Bytes::from(want));
}

#[test]
fn getrange_indexes_clamp_like_redis() {
    let s = store_with(&[&["SET", "mykey", "This is a string"], &["SET", "e", ""]]);
    check(
        &s,
        &[
            (&["GETRANGE", "mykey", "0", "3"], bulk("This")),
            (&["GETRANGE", "mykey", "-3", "-1"], bulk("ing")),
            (&["GETRANGE", "mykey", "0", "-1"], bulk("This is a string")),
            (&["GETRANGE", "mykey", "10", "100"], bulk("string")),
            (&["GETRANGE", "mykey", "-100", "-50"], bulk("T")),
            (&["GETRANGE", "mykey", "-1", "-5"], bulk("")),
            (&["GETRANGE", "mykey", "5", "3"], bulk("")),
            (&["GETRANGE", "mykey", "-100", "3"], bulk("This")),
            (&["GETRANGE", "mykey", "3", "-100"], bulk("")),
            (&["GETRANGE", "mykey", "0", "-100"], bulk("T")),
            (&["GETRANGE", "mykey", "16", "16"], bulk("")),
            (&["GETRANGE", "mykey", "15", "15"], bulk("g")),
            (
                &[
                    "GETRANGE",
                    "mykey",
                    "-9223372036854775808",
                    "9223372036854775807",
                ],
                bulk("This is a string"),
            ),
            (&["SUBSTR", "mykey", "0", "3"], bulk("This")),
            (&["GETRANGE", "missing", "0", "-1"], bulk("")),
            (&["GETRANGE", "e", "0", "-1"], bulk("")),
            (&["GETRANGE", "e", "0", "0"], bulk("")),
            (&["GETRANGE", "mykey", "a", "b"], err(NOT_INT)),
            (&["GETRANGE", "missing", "0", "x"], err(NOT_INT)),
        ],
    );
}

#[test]
fn setrange_pads_with_zero_bytes() {
    let s = store_with(&[&["SET", "key1", "Hello World"]]);
    check(
        &s,
        &[
            (&["SETRANGE", "key1", "6", "Redis"], Reply::Integer(11)),
            (&["GET", "key1"], bulk("Hello Redis")),
            (&["SETRANGE", "key2", "6", "Redis"], Reply::Integer(11)),
            (&["GET", "key2"], Reply::bulk(&b"\0\0\0\0\0\0Redis"[..])),
            (&["SETRANGE", "key1", "13", "x"], Reply::Integer(14)),
            (&["GET", "key1"], Reply::bulk(&b"Hello Redis\0\0x"[..])),
            (&["SETRANGE", "key1", "0", ""], Reply::Integer(14)),
            (&["SETRANGE", "key3", "5", ""], Reply::Integer(0)),
            (&["EXISTS", "key3"], Reply::Integer(0)),
            (
                &["SETRANGE", "key1", "-1", "x"],
                err("ERR offset is out of range"),
            ),
            (&["SETRANGE", "key1", "abc", "x"], err(NOT_INT)),
            (
                &["SETRANGE", "key4", "536870912", "x"],
                err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
            ),
            (
                &["SETRANGE", "key1", "536870911", "xy"],
                err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
            ),
            // Nothing to write: the size is not checked.
            (&["SETRANGE", "key4", "536870911", ""], Reply::Integer(0)),
            (&["SET", "n", "12"], Reply::OK),
            (&["SETRANGE", "n", "1", "5"], Reply::Integer(2)),
            (&["INCR", "n"], Reply::Integer(16)),
        ],
    );
}

#[test]
fn mget_mset_msetnx() {
    let s = store_with(&[]);
    check(
        &s,
        &[
            (
                &["MSET", "a", "1", "b"],
                err("ERR wrong number of arguments for 'mset' command"),
            ),
            (
                &["MSETNX", "a", "1", "b"],
                err("ERR wrong number of arguments for 'msetnx' command"),
            ),
            (&["MSET", "a", "1", "b", "2"], Reply::OK),
            (
                &["MGET", "a", "b", "nokey"],
                Reply::Array(vec![bulk("1"), bulk("2"), Reply::Null]),
            ),
            (&["MSETNX", "a", "1", "c", "2"], Reply::Integer(0)),
            (&["EXISTS", "c"], Reply::Integer(0)),
            (&["MSETNX", "c", "1", "d", "2"], Reply::Integer(1)),
            // The same key twice: the last value wins.
            (&["MSETNX", "e", "1", "e", "2"], Reply::Integer(1)),
            (
                &["MGET", "c", "d", "e"],
                Reply::Array(vec![bulk("1"), bulk("2"), bulk("2")]),
            ),
            (&["SET", "t", "v", "EX", "100"], Reply::OK),
            (&["MSET", "t", "w"], Reply::OK),
            (&["TTL", "t"], Reply::Integer(-1)),
        ],
    );
    let db = s.db(0);
    db.mset([("x", "1"), ("y", "2")]).unwrap();
    assert_eq!(
        db.mget(["x", "y", "z"]).unwrap(),
        vec![Some("1".into()), Some("2".into()), None]
    );
    assert!(!db.msetnx([("x", "9"), ("w", "9")]).unwrap());
    assert!(db.msetnx([("v", "9"), ("w", "9")]).unwrap());
}

#[test]
fn lcs_examples_from_the_redis_docs() {
    let s = store_with(&[&["MSET", "key1", "ohmytext", "key2", "mynewtext"]]);
    let pair = |a: i64, b: i64| Reply::Array(vec![Reply::Integer(a), Reply::Integer(b)]);
    let m = |a: Reply, b: Reply| Reply::Array(vec![a, b]);
    let m3 = |a: Reply, b: Reply, n: i64| Reply::Array(vec![a, b, Reply::Integer(n)]);
    let idx = |matches: Vec<Reply>, len: i64| {
        Reply::Map(vec![
            (bulk("matches"), Reply::Array(matches)),
            (bulk("len"), Reply::Integer(len)),
        ])
    };
    check(
        &s,
        &[
            (&["LCS", "key1", "key2"], bulk("mytext")),
            (&["LCS", "key1", "key2", "LEN"], Reply::Integer(6)),
            (
                &["LCS", "key1", "key2", "IDX"],
                idx(
                    vec![m(pair(4, 7), pair(5, 8)), m(pair(2, 3), pair(0, 1))],
                    6,
                ),
            ),
            (
                &["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"],
                idx(vec![m(pair(4, 7), pair(5, 8))], 6),
            ),
            (
                &[
                    "LCS",
                    "key1",
                    "key2",
                    "IDX",
                    "MINMATCHLEN",
                    "4",
                    "WITHMATCHLEN",
                ],
                idx(vec![m3(pair(4, 7), pair(5, 8), 4)], 6),
            ),
            (
                &[
                    "LCS",
                    "key1",
                    "key2",
                    "IDX",
                    "MINMATCHLEN",
                    "-5",
                    "WITHMATCHLEN",
                ],
                idx(
                    vec![m3(pair(4, 7), pair(5, 8), 4), m3(pair(2, 3), pair(0, 1), 2)],
                    6,
                ),
            ),
            (
                &["LCS", "key1", "key2", "LEN", "WITHMATCHLEN"],
                Reply::Integer(6),
            ),
            (&["LCS", "key1", "nokey"], bulk("")),
            (&["LCS", "key1", "nokey", "IDX"], idx(vec![], 0)),
            (
                &["LCS", "key1", "key2", "LEN", "IDX"],
                err("ERR If you want both the length and indexes, please just use IDX."),
            ),
            (&["LCS", "key1", "key2", "FOO"], err("ERR syntax error")),
            (
                &["LCS", "key1", "key2", "MINMATCHLEN"],
                err("ERR syntax error"),
            ),
            (&["LCS", "key1", "key2", "MINMATCHLEN", "x"], err(NOT_INT)),
        ],
    );
}

#[test]
fn lcs_ranges_match_redis_on_tricky_inputs() {
    let s = store_with(&[
        &[
            "MSET",
            "a1",
            "abcdefgh",
            "a2",
            "xbcxefxgh",
            "b1",
            "aaaa",
            "b2",
            "aa",
        ],
        &[
            "MSET",
            "c1",
            "GTTTGACACAGATCCTTCCATTTCAAGCACCGATAGTCCT",
            "c2",
            "TGCGTTAACATATCCCCGCCGGTTGAGCAGTGTCCATAA",
        ],
    ]);
    // Replies recorded from redis-server 7.0.15.
    let db = s.db(0);
    let r = db
        .lcs_idx("a1", "a2", LcsOptions::new().with_match_len())
        .unwrap();
    assert_eq!(r.len, 6);
    assert_eq!(
        r.matches,
        vec![
            LcsMatch {
                a: (6, 7),
                b: (7, 8),
                len: 2
            },
            LcsMatch {
                a: (4, 5),
                b: (4, 5),
                len: 2
            },
            LcsMatch {
                a: (1, 2),
                b: (1, 2),
                len: 2
            },
        ]
    );
    let r = db
        .lcs_idx("b1", "b2", LcsOptions::new().with_match_len())
        .unwrap();
    assert_eq!(
        r.matches,
        vec![LcsMatch {
            a: (2, 3),
            b: (0, 1),
            len: 2
        }]
    );
    assert_eq!(
        db.lcs("c1", "c2").unwrap(),
        Bytes::from("TTTAACAATCCCCTTAGCAGTGTCCT")
    );
    assert_eq!(db.lcs_len("c1", "c2").unwrap(), 26);
}

#[test]
fn typed_set_with_options() {
    let (s, clock) = store();
    let db = s.db(0);
    let out = db
        .set_with("k", "v", SetOptions::new().nx().px(1500))
        .unwrap();
    assert!(out.written);
    assert_eq!(out.old, None);
    assert!(
        !db.set_with("k", "w", SetOptions::new().nx())
            .unwrap()
            .written
    );
    let out = db
        .set_with("k", "w", SetOptions::new().xx().keepttl().get())
        .unwrap();
    assert_eq!((out.written, out.old.as_deref()), (true, Some(&b"v"[..])));
    assert_eq!(db.pttl("k").unwrap(), Ttl::Millis(1500));
    assert_eq!(
        db.set_with("k", "v", SetOptions::new().ex(0)),
        Err(Error::InvalidExpireTime { command: "set" })
    );
    db.set_with("k", "v", SetOptions::new().exat(T0 / 1000 + 10))
        .unwrap();
    assert_eq!(db.ttl("k").unwrap(), Ttl::Seconds(10));
    db.setex("e", 2, "v").unwrap();
    db.psetex("p", 100, "v").unwrap();
    assert!(db.setnx("n", "1").unwrap());
    assert!(!db.setnx("n", "2").unwrap());
    clock.advance_ms(2000);
    assert_eq!(db.get("e").unwrap(), None);
    assert_eq!(db.get("p").unwrap(), None);
    assert_eq!(db.get("n").unwrap().as_deref(), Some(&b"1"[..]));
}

#[test]
fn typed_string_methods() {
    let (s, _) = store();
    let db = s.db(0);
    assert_eq!(db.incr("c").unwrap(), 1);
    assert_eq!(db.incrby("c", 10).unwrap(), 11);
    assert_eq!(db.decr("c").unwrap(), 10);
    assert_eq!(db.decrby("c", 20).unwrap(), -10);
    assert_eq!(db.decrby("c", i64::MIN), Err(Error::DecrementOverflow));
    db.set("max", i64::MAX.to_string()).unwrap();
    assert_eq!(db.incr("max"), Err(Error::Overflow));
    db.set("s", "abc").unwrap();
    assert_eq!(db.incr("s"), Err(Error::NotInteger));
    assert_eq!(db.strlen("s").unwrap(), 3);
    assert_eq!(db.getrange("s", -2, -1).unwrap(), Bytes::from("bc"));
    assert_eq!(db.setrange("s", 5, "z").unwrap(), 6);
    assert_eq!(db.get("s").unwrap().unwrap(), Bytes::from(&b"abc\0\0z"[..]));
    assert_eq!(db.setrange("s", -1, "z"), Err(Error::OffsetOutOfRange));
    assert_eq!(
        db.getset("s", "new").unwrap().unwrap(),
        Bytes::from(&b"abc\0\0z"[..])
    );
    assert_eq!(db.getdel("s").unwrap().unwrap(), Bytes::from("new"));
    assert_eq!(db.getdel("s").unwrap(), None);
}

#[test]
fn typed_get_into_reads_as_get_through_one_buffer() {
    let (s, clock) = store();
    let db = s.db(0);
    db.set("k", "value").unwrap();
    db.set("long", "x".repeat(100)).unwrap();
    db.psetex("t", 100, "soon gone").unwrap();
    db.rpush("l", ["a"]).unwrap();
    let mut buf = b"left over".to_vec();
    for key in ["k", "long", "t", "missing"] {
        let found = db.get_into(key, &mut buf).unwrap();
        let want = db.get(key).unwrap();
        assert_eq!(found, want.is_some(), "{key}");
        assert_eq!(buf, want.unwrap_or_default(), "{key}");
    }
    clock.advance_ms(100);
    assert!(!db.get_into("t", &mut buf).unwrap());
    assert!(buf.is_empty());
    db.get_into("k", &mut buf).unwrap();
    assert_eq!(db.get_into("l", &mut buf), Err(Error::WrongType));
    assert!(buf.is_empty());
}

#[test]
fn string_commands_refuse_other_types() {
    let s = store_with(&[&["RPUSH", "l", "a"], &["SET", "k", "1"]]);
    let wrong = err(WRONGTYPE);
    check(
        &s,
        &[
            (&["GET", "l"], wrong.clone()),
            (&["SET", "l", "v", "GET"], wrong.clone()),
            (&["SET", "l", "v", "NX", "GET"], wrong.clone()),
            (&["GETEX", "l", "EX", "abc"], wrong.clone()),
            (&["GETEX", "l"], wrong.clone()),
            (&["GETDEL", "l"], wrong.clone()),
            (&["GETSET", "l", "x"], wrong.clone()),
            (&["APPEND", "l", "x"], wrong.clone()),
            (&["STRLEN", "l"], wrong.clone()),
            (&["GETRANGE", "l", "0", "1"], wrong.clone()),
            (&["SETRANGE", "l", "0", "x"], wrong.clone()),
            // The type is checked before the size.
            (&["SETRANGE", "l", "536870912", "x"], wrong.clone()),
            (&["INCR", "l"], wrong.clone()),
            (&["DECRBY", "l", "1"], wrong.clone()),
            (&["INCRBYFLOAT", "l", "x"], wrong.clone()),
            (&["SETNX", "l", "1"], Reply::Integer(0)),
            (
                &["LCS", "l", "k"],
                err("ERR The specified keys must contain string values"),
            ),
            // LCS checks types before options.
            (
                &["LCS", "k", "l", "FOO"],
                err("ERR The specified keys must contain string values"),
            ),
            (
                &["MGET", "k", "l"],
                Reply::Array(vec![bulk("1"), Reply::Null]),
            ),
            // SET and MSET replace a value of any type.
            (&["SET", "l", "v"], Reply::OK),
            (&["GET", "l"], bulk("v")),
        ],
    );
    assert_eq!(s.db(0).incr("k").unwrap(), 2);
    s.execute(0, &["RPUSH", "l2", "a"]);
    assert_eq!(s.db(0).get("l2"), Err(Error::WrongType));
    assert_eq!(s.db(0).lcs("l2", "k"), Err(Error::LcsNotString));
}

/// GET runs under the shared lock and falls back to the exclusive one for
/// an expired key: readers on several threads see each key's writes in
/// order, and every key that expires under them is removed and counted once.
#[test]
fn gets_on_many_threads_see_writes_in_order_and_expire_keys_once() {
    let (s, clock) = store();
    let db = s.db(0);
    let keys: Vec<String> = (0..64).map(|i| format!("k{i}")).collect();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            let (db, keys) = (db.clone(), &keys);
            scope.spawn(move || {
                let mut last = vec![0u64; keys.len()];
                for round in 0..2000 {
                    let i = round % keys.len();
                    let mut buf = Vec::new();
                    let seen = if round % 2 == 0 {
                        db.get(&keys[i]).unwrap().map(|v| v.to_vec())
                    } else {
                        db.get_into(&keys[i], &mut buf).unwrap().then_some(buf)
                    };
                    if let Some(v) = seen {
                        let n: u64 = std::str::from_utf8(&v).unwrap().parse().unwrap();
                        assert!(
                            n >= last[i],
                            "{} went back from {} to {n}",
                            keys[i],
                            last[i]
                        );
                        last[i] = n;
                    }
                }
            });
        }
        for n in 1..=50u64 {
            for k in &keys {
                db.set_with(k, n.to_string(), SetOptions::new().px(5))
                    .unwrap();
            }
            clock.advance_ms(1);
        }
        clock.advance_ms(10);
    });
    for k in &keys {
        assert_eq!(db.get(k).unwrap(), None);
    }
    assert_eq!(s.expired_keys(), keys.len() as u64);
    assert_eq!(s.keyspace_sizes()[0], (0, 0));
}
