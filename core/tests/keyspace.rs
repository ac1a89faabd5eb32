//! The generic (keyspace) command group and DBSIZE/FLUSHDB/FLUSHALL/SWAPDB,
//! as Redis 7.0 replies (checked against redis-server 7.0.15).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use embedis::{
    Bytes, CopyOptions, Error, ExpireOptions, ManualClock, Reply, ScanOptions, Store, Ttl,
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

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

/// Runs each command in database `db` and checks its reply (errors by text).
fn check_db(s: &Store, db: usize, cases: &[(&[&str], Reply)]) {
    for (args, want) in cases {
        let got = s.execute(db, args);
        match (&got, want) {
            (Reply::Error(g), Reply::Error(w)) => {
                assert_eq!(g.to_string(), w.to_string(), "{args:?}")
            }
            _ => assert_eq!(&got, want, "{args:?}"),
        }
    }
}

fn check(s: &Store, cases: &[(&[&str], Reply)]) {
    check_db(s, 0, cases)
}

/// The keys of an array-of-bulks reply, sorted (KEYS order is unspecified).
fn sorted_keys(r: Reply) -> Vec<String> {
    let Reply::Array(items) = r else {
        panic!("{r:?}")
    };
    let mut v: Vec<String> = items
        .iter()
        .map(|i| String::from_utf8(i.as_bytes().unwrap().to_vec()).unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn del_exists_unlink_touch() {
    let s = store_with(&[&["MSET", "key1", "Hello", "key2", "World"]]);
    check(
        &s,
        &[
            (&["EXISTS", "key1"], int(1)),
            (&["EXISTS", "nosuchkey"], int(0)),
            (&["EXISTS", "key1", "key2", "nosuchkey"], int(2)),
            (&["EXISTS", "key1", "key1"], int(2)),
            (&["TOUCH", "key1", "nokey", "key1"], int(2)),
            (&["DEL", "key1", "key1", "nokey"], int(1)),
            (&["UNLINK", "key2", "key3"], int(1)),
            (&["EXISTS", "key1", "key2"], int(0)),
            (
                &["DEL"],
                err("ERR wrong number of arguments for 'del' command"),
            ),
            (
                &["EXISTS"],
                err("ERR wrong number of arguments for 'exists' command"),
            ),
        ],
    );
    let db = s.db(0);
    db.mset([("a", "1"), ("b", "2")]).unwrap();
    assert_eq!(db.exists(["a", "b", "c", "a"]).unwrap(), 3);
    assert_eq!(db.del(["a", "c"]).unwrap(), 1);
}

#[test]
fn ttl_is_minus_two_for_missing_and_minus_one_for_persistent() {
    let s = store_with(&[&["SET", "k", "v"]]);
    check(
        &s,
        &[
            (&["TTL", "nokey"], int(-2)),
            (&["PTTL", "nokey"], int(-2)),
            (&["EXPIRETIME", "nokey"], int(-2)),
            (&["PEXPIRETIME", "nokey"], int(-2)),
            (&["TTL", "k"], int(-1)),
            (&["PTTL", "k"], int(-1)),
            (&["EXPIRETIME", "k"], int(-1)),
            (&["PEXPIRETIME", "k"], int(-1)),
            (&["PEXPIRE", "k", "1499"], int(1)),
            (&["TTL", "k"], int(1)),
            (&["PEXPIRE", "k", "1500"], int(1)),
            (&["TTL", "k"], int(2)),
            (&["PTTL", "k"], int(1500)),
            (&["PEXPIRETIME", "k"], int(T0 + 1500)),
            (&["EXPIRETIME", "k"], int((T0 + 1500 + 500) / 1000)),
        ],
    );
    let db = s.db(0);
    assert_eq!(db.ttl("nokey").unwrap(), Ttl::Missing);
    assert_eq!(db.ttl("k").unwrap(), Ttl::Seconds(2));
    assert_eq!(db.pttl("k").unwrap(), Ttl::Millis(1500));
    assert_eq!(Ttl::Missing.as_redis(), -2);
    assert_eq!(Ttl::Persistent.as_redis(), -1);
}

#[test]
fn keys_expire_lazily_with_the_clock() {
    let (s, clock) = store();
    check(
        &s,
        &[
            (&["SET", "mykey", "Hello"], Reply::OK),
            (&["EXPIRE", "mykey", "10"], int(1)),
            (&["TTL", "mykey"], int(10)),
            (&["SET", "mykey", "Hello World"], Reply::OK),
            (&["TTL", "mykey"], int(-1)),
            (&["EXPIRE", "mykey", "10"], int(1)),
        ],
    );
    clock.advance_ms(9_999);
    check(
        &s,
        &[
            (&["PTTL", "mykey"], int(1)),
            (&["GET", "mykey"], bulk("Hello World")),
        ],
    );
    clock.advance_ms(1);
    // Expired but not yet removed: DBSIZE still counts it, as in Redis.
    check(
        &s,
        &[
            (&["DBSIZE"], int(1)),
            (&["EXISTS", "mykey"], int(0)),
            (&["DBSIZE"], int(0)),
            (&["TTL", "mykey"], int(-2)),
        ],
    );
}

/// A clock that counts its readings.
#[derive(Clone)]
struct CountingClock(ManualClock, Arc<AtomicUsize>);

impl embedis::Clock for CountingClock {
    fn now_unix_ms(&self) -> i64 {
        self.1.fetch_add(1, SeqCst);
        self.0.now_unix_ms()
    }
}

fn counting_store() -> (Store, Arc<AtomicUsize>) {
    let clock = ManualClock::new(T0);
    let reads = Arc::new(AtomicUsize::new(0));
    let store = Store::builder()
        .clock(CountingClock(clock, reads.clone()))
        .build();
    (store, reads)
}

#[test]
fn the_clock_is_read_only_when_a_command_meets_an_expiry() {
    let (s, reads) = counting_store();
    let db = s.db(0);
    db.set("k", "v").unwrap();
    db.set("n", "1").unwrap();
    let before = reads.load(SeqCst);
    for _ in 0..10 {
        assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(db.get("missing").unwrap(), None);
        db.set("k", "v").unwrap();
        db.incr("n").unwrap();
        s.execute(0, &["GET", "k"]);
    }
    assert_eq!(reads.load(SeqCst), before);
    // A key with an expiry: each command reads the clock once.
    db.pexpire("k", 1000).unwrap();
    let before = reads.load(SeqCst);
    db.get("k").unwrap();
    s.execute(0, &["GET", "k"]);
    assert_eq!(reads.load(SeqCst), before + 2);
}

#[test]
fn a_key_reads_as_missing_from_its_expiry_instant_on() {
    let (s, clock) = store();
    let db = s.db(0);
    db.set("k", "v").unwrap();
    db.pexpire("k", 100).unwrap();
    clock.advance_ms(99);
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v"[..]));
    db.incr("n").unwrap(); // a command that reads no expiry in between
    clock.advance_ms(1);
    assert_eq!(db.get("k").unwrap(), None);
    assert_eq!(s.expired_keys(), 1);
    // A write over an expired key sees it gone too.
    db.set("w", "1").unwrap();
    db.pexpire("w", 10).unwrap();
    clock.advance_ms(10);
    assert_eq!(db.incr("w").unwrap(), 1);
    assert_eq!(db.ttl("w").unwrap(), Ttl::Persistent);
}

#[test]
fn a_transaction_sees_one_instant_from_its_first_clock_reading() {
    let (s, clock) = store();
    s.execute(0, &["SET", "k", "v", "PX", "100"]);
    clock.advance_ms(99);
    let replies = s.atomically(0, |tx| {
        let first = tx.execute(&["GET", "k"]);
        clock.advance_ms(1);
        // Still the transaction's instant: the key has 1 ms left.
        vec![first, tx.execute(&["GET", "k"]), tx.execute(&["PTTL", "k"])]
    });
    assert_eq!(replies, vec![bulk("v"), bulk("v"), int(1)]);
    // The next command has its own instant.
    check(&s, &[(&["GET", "k"], Reply::Null)]);
}

#[test]
fn expire_options_nx_xx_gt_lt() {
    let s = store_with(&[&["SET", "mykey", "Hello World"]]);
    check(
        &s,
        &[
            (&["EXPIRE", "mykey", "10", "XX"], int(0)),
            (&["TTL", "mykey"], int(-1)),
            (&["EXPIRE", "mykey", "10", "NX"], int(1)),
            (&["TTL", "mykey"], int(10)),
            (&["EXPIRE", "mykey", "20", "NX"], int(0)),
            (&["EXPIRE", "mykey", "5", "GT"], int(0)),
            (&["EXPIRE", "mykey", "20", "GT"], int(1)),
            (&["EXPIRE", "mykey", "30", "LT"], int(0)),
            (&["EXPIRE", "mykey", "15", "lt"], int(1)),
            (&["TTL", "mykey"], int(15)),
            (&["EXPIRE", "mykey", "10", "XX", "LT"], int(1)),
            (&["EXPIRE", "mykey", "20", "XX", "LT"], int(0)),
            (&["EXPIRE", "mykey", "20", "XX", "GT"], int(1)),
            (&["TTL", "mykey"], int(20)),
            (&["PERSIST", "mykey"], int(1)),
            // No expiry counts as infinite: GT always fails, LT always applies.
            (&["EXPIRE", "mykey", "100", "GT"], int(0)),
            (&["EXPIRE", "mykey", "100", "LT"], int(1)),
            (&["PERSIST", "mykey"], int(1)),
            (&["PERSIST", "mykey"], int(0)),
            (&["PERSIST", "nokey"], int(0)),
            (&["EXPIRE", "nokey", "10"], int(0)),
            (&["EXPIRE", "nokey", "10", "NX"], int(0)),
        ],
    );
    let nx_err = err("ERR NX and XX, GT or LT options at the same time are not compatible");
    let gtlt_err = err("ERR GT and LT options at the same time are not compatible");
    check(
        &s,
        &[
            (&["EXPIRE", "mykey", "10", "NX", "XX"], nx_err.clone()),
            (&["EXPIRE", "mykey", "10", "NX", "GT"], nx_err.clone()),
            (&["PEXPIRE", "mykey", "10", "LT", "NX"], nx_err.clone()),
            (&["EXPIRE", "mykey", "10", "GT", "LT"], gtlt_err.clone()),
            (
                &["EXPIRE", "mykey", "10", "FOO"],
                err("ERR Unsupported option FOO"),
            ),
            // Options are checked before the time is parsed.
            (
                &["EXPIRE", "mykey", "abc", "FOO"],
                err("ERR Unsupported option FOO"),
            ),
            (&["EXPIRE", "mykey", "abc", "NX", "XX"], nx_err),
            (
                &["EXPIRE", "mykey", "abc"],
                err("ERR value is not an integer or out of range"),
            ),
            (
                &["EXPIRE", "mykey"],
                err("ERR wrong number of arguments for 'expire' command"),
            ),
        ],
    );
    let db = s.db(0);
    assert!(
        !db.expire_with("mykey", 10, ExpireOptions::new().xx())
            .unwrap()
    );
    assert!(
        db.expire_with("mykey", 10, ExpireOptions::new().nx())
            .unwrap()
    );
    assert!(
        db.expire_with("mykey", 20, ExpireOptions::new().xx().gt())
            .unwrap()
    );
    assert_eq!(
        db.expire_with("mykey", 5, ExpireOptions::new().gt().lt()),
        Err(Error::ExpireGtLtConflict)
    );
    assert_eq!(
        db.pexpire_with("mykey", 5, ExpireOptions::new().nx().lt()),
        Err(Error::ExpireNxConflict)
    );
    assert_eq!(db.ttl("mykey").unwrap(), Ttl::Seconds(20));
}

#[test]
fn expire_time_overflow_and_past_times() {
    let s = store_with(&[&["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]]);
    check(
        &s,
        &[
            (
                &["EXPIRE", "a", "9223372036854775807"],
                err("ERR invalid expire time in 'expire' command"),
            ),
            (
                &["PEXPIRE", "a", "9223372036854775807"],
                err("ERR invalid expire time in 'pexpire' command"),
            ),
            (
                &["EXPIREAT", "a", "9223372036854775807"],
                err("ERR invalid expire time in 'expireat' command"),
            ),
            (
                &["EXPIRE", "a", "-9223372036854775808"],
                err("ERR invalid expire time in 'expire' command"),
            ),
            (&["PEXPIREAT", "a", "9223372036854775807"], int(1)),
            (&["PEXPIRETIME", "a"], int(i64::MAX)),
            (&["EXPIRETIME", "a"], int(9223372036854776)),
            (&["TTL", "a"], int((i64::MAX - T0) / 1000 + 1)),
            // A time in the past (or zero, or negative) deletes the key.
            (&["PEXPIRE", "a", "-9223372036854775808"], int(1)),
            (&["EXISTS", "a"], int(0)),
            (&["EXPIRE", "b", "0"], int(1)),
            (&["EXISTS", "b"], int(0)),
            (&["EXPIREAT", "c", "1"], int(1)),
            (&["EXISTS", "c"], int(0)),
            (&["PEXPIREAT", "d", &T0.to_string()], int(1)),
            (&["EXISTS", "d"], int(0)),
        ],
    );
    let db = s.db(0);
    db.set("e", "v").unwrap();
    assert!(db.expire("e", -5).unwrap());
    assert_eq!(db.get("e").unwrap(), None);
    db.set("f", "v").unwrap();
    assert!(db.expireat("f", T0 / 1000 + 60).unwrap());
    assert_eq!(db.ttl("f").unwrap(), Ttl::Seconds(60));
    assert!(db.pexpireat("f", T0 + 500).unwrap());
    assert_eq!(db.pttl("f").unwrap(), Ttl::Millis(500));
    assert!(db.persist("f").unwrap());
    assert_eq!(
        db.expire("f", i64::MAX),
        Err(Error::InvalidExpireTime { command: "expire" })
    );
}

#[test]
fn keys_patterns() {
    let s = store_with(&[&[
        "MSET",
        "firstname",
        "Jack",
        "lastname",
        "Stuntman",
        "age",
        "35",
    ]]);
    let k = |p: &str| sorted_keys(s.execute(0, &["KEYS", p]));
    assert_eq!(k("*name*"), ["firstname", "lastname"]);
    assert_eq!(k("a??"), ["age"]);
    assert_eq!(k("*"), ["age", "firstname", "lastname"]);
    assert_eq!(k("[fl]*"), ["firstname", "lastname"]);
    assert!(k("*[^e]").is_empty());
    assert_eq!(k("nomatch*"), Vec::<String>::new());
    s.execute(0, &["SET", "h*llo", "1"]);
    assert_eq!(k("h\\*llo"), ["h*llo"]);
    let (s2, clock) = store();
    s2.execute(0, &["SET", "gone", "1", "PX", "10"]);
    s2.execute(0, &["SET", "kept", "1"]);
    clock.advance_ms(10);
    assert_eq!(sorted_keys(s2.execute(0, &["KEYS", "*"])), ["kept"]);
    let mut typed: Vec<Bytes> = s.db(0).keys("*name").unwrap();
    typed.sort();
    assert_eq!(
        typed,
        vec![Bytes::from("firstname"), Bytes::from("lastname")]
    );
}

/// Runs a full SCAN with `COUNT count`, calling `between` after each step.
fn full_scan(s: &Store, count: usize, mut between: impl FnMut(&Store)) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    loop {
        let r = s.execute(0, &["SCAN", &cursor, "COUNT", &count.to_string()]);
        let Reply::Array(parts) = r else {
            panic!("{r:?}")
        };
        cursor = String::from_utf8(parts[0].as_bytes().unwrap().to_vec()).unwrap();
        seen.extend(sorted_keys(parts[1].clone()));
        if cursor == "0" {
            return seen;
        }
        between(s);
    }
}

#[test]
fn scan_returns_every_key_exactly_once_without_changes() {
    let s = store_with(&[]);
    for i in 0..1000 {
        s.execute(0, &["SET", &format!("key:{i}"), "v"]);
    }
    for count in [1, 7, 10, 100, 5000] {
        let mut seen = full_scan(&s, count, |_| {});
        assert_eq!(seen.len(), 1000, "count {count}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 1000, "count {count}: duplicates");
    }
}

#[test]
fn scan_never_misses_keys_present_throughout_while_others_are_deleted() {
    let s = store_with(&[]);
    for i in 0..500 {
        s.execute(0, &["SET", &format!("stay:{i}"), "v"]);
        s.execute(0, &["SET", &format!("go:{i}"), "v"]);
    }
    let mut next_del = 0;
    let seen: HashSet<String> = full_scan(&s, 10, |s| {
        // Delete a few keys and add new ones between steps.
        for _ in 0..5 {
            s.execute(0, &["DEL", &format!("go:{next_del}")]);
            s.execute(0, &["SET", &format!("new:{next_del}"), "v"]);
            next_del += 1;
        }
    })
    .into_iter()
    .collect();
    for i in 0..500 {
        assert!(seen.contains(&format!("stay:{i}")), "missed stay:{i}");
    }
}

#[test]
fn scan_options_and_cursor_parsing() {
    let s = store_with(&[&["MSET", "a1", "1", "a2", "2", "b1", "3"]]);
    let scan = |args: &[&str]| {
        let r = s.execute(0, args);
        let Reply::Array(parts) = r else {
            return (String::new(), vec![format!("{r:?}")]);
        };
        (
            String::from_utf8(parts[0].as_bytes().unwrap().to_vec()).unwrap(),
            sorted_keys(parts[1].clone()),
        )
    };
    assert_eq!(
        scan(&["SCAN", "0", "COUNT", "100"]),
        ("0".into(), vec!["a1".into(), "a2".into(), "b1".into()])
    );
    assert_eq!(
        scan(&["SCAN", "0", "MATCH", "a*", "COUNT", "100"]),
        ("0".into(), vec!["a1".into(), "a2".into()])
    );
    assert_eq!(
        scan(&["SCAN", "0", "TYPE", "STRING", "COUNT", "100"])
            .1
            .len(),
        3
    );
    assert_eq!(
        scan(&["SCAN", "0", "TYPE", "list", "COUNT", "100"]),
        ("0".into(), vec![])
    );
    assert_eq!(
        scan(&["SCAN", "0", "TYPE", "nosuchtype"]),
        ("0".into(), vec![])
    );
    // strtoul: the empty string and "+0" are cursor 0.
    assert_eq!(scan(&["SCAN", "", "COUNT", "100"]).1.len(), 3);
    assert_eq!(scan(&["SCAN", "+0", "COUNT", "100"]).1.len(), 3);
    check(
        &s,
        &[
            (&["SCAN", " 0"], err("ERR invalid cursor")),
            (&["SCAN", "0x"], err("ERR invalid cursor")),
            (&["SCAN", "abc"], err("ERR invalid cursor")),
            (&["SCAN", "18446744073709551616"], err("ERR invalid cursor")),
            (&["SCAN", "0", "COUNT", "0"], err("ERR syntax error")),
            (&["SCAN", "0", "COUNT", "-1"], err("ERR syntax error")),
            (
                &["SCAN", "0", "COUNT", "abc"],
                err("ERR value is not an integer or out of range"),
            ),
            (&["SCAN", "0", "MATCH"], err("ERR syntax error")),
            (&["SCAN", "0", "FOO", "bar"], err("ERR syntax error")),
            (
                &["SCAN"],
                err("ERR wrong number of arguments for 'scan' command"),
            ),
        ],
    );
    // Any cursor, even past the end, is accepted and terminates.
    for cursor in ["18446744073709551615", "-1", "999999"] {
        let mut c = cursor.to_string();
        for _ in 0..10 {
            c = scan(&["SCAN", &c]).0;
            if c == "0" {
                break;
            }
        }
        assert_eq!(c, "0", "from {cursor}");
    }
    let db = s.db(0);
    let mut all = Vec::new();
    let mut cursor = 0;
    loop {
        let (next, keys) = db
            .scan_with(cursor, ScanOptions::new().pattern("a*").count(1))
            .unwrap();
        all.extend(keys);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    all.sort();
    assert_eq!(all, vec![Bytes::from("a1"), Bytes::from("a2")]);
    assert_eq!(db.scan(0).unwrap().1.len(), 3);
}

#[test]
fn randomkey_and_type() {
    let s = store_with(&[]);
    check(
        &s,
        &[
            (&["RANDOMKEY"], Reply::Null),
            (&["SET", "only", "v"], Reply::OK),
            (&["RANDOMKEY"], bulk("only")),
            (&["TYPE", "only"], Reply::simple("string")),
            (&["TYPE", "nokey"], Reply::simple("none")),
            (
                &["RANDOMKEY", "x"],
                err("ERR wrong number of arguments for 'randomkey' command"),
            ),
        ],
    );
    assert_eq!(s.db(0).type_of("only").unwrap(), Some("string"));
    assert_eq!(s.db(0).type_of("nokey").unwrap(), None);
    assert_eq!(s.db(0).randomkey().unwrap(), Some(Bytes::from("only")));
}

#[test]
fn randomkey_finds_every_key_of_a_sparse_keyspace_and_skips_expired_ones() {
    let (s, clock) = store();
    // Many keys, then all but three deleted: most of the keyspace is empty.
    for i in 0..5000 {
        s.execute(0, &["SET", &format!("k{i}"), "v"]);
    }
    for i in 3..5000 {
        s.execute(0, &["DEL", &format!("k{i}")]);
    }
    let mut seen = HashSet::new();
    for _ in 0..300 {
        seen.insert(s.db(0).randomkey().unwrap().unwrap());
    }
    let want = ["k0", "k1", "k2"].map(Bytes::from);
    assert_eq!(seen, HashSet::from(want));
    // Only expired keys left: RANDOMKEY deletes them and answers nil.
    for k in ["k0", "k1", "k2"] {
        s.execute(0, &["PEXPIRE", k, "10"]);
    }
    clock.advance_ms(10);
    assert_eq!(s.execute(0, &["RANDOMKEY"]), Reply::Null);
    assert_eq!(s.execute(0, &["DBSIZE"]), Reply::Integer(0));
}

#[test]
fn scan_of_many_keys_returns_each_once_at_any_count() {
    let s = store_with(&[]);
    for i in 0..20_000 {
        s.db(0).set(format!("key:{i}"), "v").unwrap();
    }
    for count in [1000, 20_000] {
        let mut seen = full_scan(&s, count, |_| {});
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 20_000, "count {count}");
    }
}

#[test]
fn rename_keeps_the_ttl_and_overwrites() {
    let s = store_with(&[]);
    check(
        &s,
        &[
            (&["RENAME", "nokey", "x"], err("ERR no such key")),
            (&["RENAMENX", "nokey", "x"], err("ERR no such key")),
            (&["RENAME", "nokey", "nokey"], err("ERR no such key")),
            (&["SET", "k", "v"], Reply::OK),
            (&["EXPIRE", "k", "100"], int(1)),
            (&["RENAME", "k", "k2"], Reply::OK),
            (&["TTL", "k2"], int(100)),
            (&["EXISTS", "k"], int(0)),
            (&["SET", "k3", "other", "EX", "50"], Reply::OK),
            (&["RENAME", "k2", "k3"], Reply::OK),
            (&["GET", "k3"], bulk("v")),
            (&["TTL", "k3"], int(100)),
            (&["SET", "p", "persistent"], Reply::OK),
            (&["SET", "q", "volatile", "EX", "10"], Reply::OK),
            (&["RENAME", "p", "q"], Reply::OK),
            (&["TTL", "q"], int(-1)),
            (&["RENAME", "q", "q"], Reply::OK),
            (&["RENAMENX", "q", "q"], int(0)),
            (&["SET", "k4", "v"], Reply::OK),
            (&["RENAMENX", "k3", "k4"], int(0)),
            (&["RENAMENX", "k3", "k5"], int(1)),
            (&["TTL", "k5"], int(100)),
        ],
    );
    let db = s.db(0);
    db.rename("k5", "k6").unwrap();
    assert_eq!(db.ttl("k6").unwrap(), Ttl::Seconds(100));
    assert!(!db.renamenx("k6", "k4").unwrap());
    assert_eq!(db.rename("missing", "x"), Err(Error::NoSuchKey));
}

#[test]
fn copy_and_move_across_databases() {
    let s = store_with(&[&["SET", "c", "3"], &["EXPIRE", "c", "100"]]);
    check(
        &s,
        &[
            (
                &["COPY", "c", "c"],
                err("ERR source and destination objects are the same"),
            ),
            (
                &["COPY", "c", "c", "DB", "0"],
                err("ERR source and destination objects are the same"),
            ),
            (
                &["COPY", "c", "d", "DB", "1", "REPLACE", "foo"],
                err("ERR syntax error"),
            ),
            (&["COPY", "c", "d", "DB"], err("ERR syntax error")),
            (
                &["COPY", "c", "d", "DB", "99"],
                err("ERR DB index is out of range"),
            ),
            (
                &["COPY", "c", "d", "DB", "abc"],
                err("ERR value is not an integer or out of range"),
            ),
            (&["COPY", "nokey", "d"], int(0)),
            (&["COPY", "c", "d"], int(1)),
            (&["TTL", "d"], int(100)),
            (&["COPY", "c", "d"], int(0)),
            (&["COPY", "c", "d", "REPLACE"], int(1)),
            (&["COPY", "c", "d", "DB", "1"], int(1)),
            (&["COPY", "c", "d", "DB", "1"], int(0)),
            (&["COPY", "c", "d", "db", "1", "replace"], int(1)),
            (
                &["MOVE", "c", "0"],
                err("ERR source and destination objects are the same"),
            ),
            (&["MOVE", "c", "16"], err("ERR DB index is out of range")),
            (&["MOVE", "c", "-1"], err("ERR DB index is out of range")),
            (
                &["MOVE", "c", "abc"],
                err("ERR value is not an integer or out of range"),
            ),
            (
                &["MOVE", "c", "2147483648"],
                err("ERR value is out of range, value must between -2147483648 and 2147483647"),
            ),
            (&["MOVE", "nokey", "1"], int(0)),
            (&["MOVE", "c", "2"], int(1)),
            (&["EXISTS", "c"], int(0)),
        ],
    );
    check_db(
        &s,
        1,
        &[(&["GET", "d"], bulk("3")), (&["TTL", "d"], int(100))],
    );
    check_db(
        &s,
        2,
        &[
            (&["GET", "c"], bulk("3")),
            (&["TTL", "c"], int(100)),
            (&["SET", "x", "here"], Reply::OK),
        ],
    );
    // MOVE does not overwrite.
    check(
        &s,
        &[
            (&["SET", "x", "there"], Reply::OK),
            (&["MOVE", "x", "2"], int(0)),
        ],
    );
    check_db(&s, 2, &[(&["GET", "x"], bulk("here"))]);

    let db0 = s.db(0);
    db0.set("t", "v").unwrap();
    assert!(db0.copy("t", "u").unwrap());
    assert!(!db0.copy("t", "u").unwrap());
    assert!(
        db0.copy_with("t", "u", CopyOptions::new().replace().db(3))
            .unwrap()
    );
    assert_eq!(db0.copy("t", "t"), Err(Error::SameObject));
    assert_eq!(
        db0.copy_with("t", "u", CopyOptions::new().db(16)),
        Err(Error::DbIndexOutOfRange)
    );
    assert_eq!(s.db(3).get("u").unwrap(), Some("v".into()));
    assert!(db0.move_to("t", 4).unwrap());
    assert_eq!(s.db(4).get("t").unwrap(), Some("v".into()));
    assert_eq!(db0.move_to("u", 0), Err(Error::SameObject));
}

#[test]
fn dbsize_flushdb_flushall_swapdb() {
    let s = store_with(&[&["MSET", "a", "1", "b", "2"]]);
    check_db(&s, 1, &[(&["SET", "other", "1"], Reply::OK)]);
    check(
        &s,
        &[
            (&["DBSIZE"], int(2)),
            (&["SWAPDB", "a", "1"], err("ERR invalid first DB index")),
            (&["SWAPDB", "1", "a"], err("ERR invalid second DB index")),
            (
                &["SWAPDB", "0", "2147483648"],
                err("ERR invalid second DB index"),
            ),
            (&["SWAPDB", "0", "16"], err("ERR DB index is out of range")),
            (&["SWAPDB", "0", "-1"], err("ERR DB index is out of range")),
            (&["SWAPDB", "1", "1"], Reply::OK),
            (&["SWAPDB", "0", "1"], Reply::OK),
            (&["DBSIZE"], int(1)),
            (&["GET", "other"], bulk("1")),
            (&["FLUSHDB", "foo"], err("ERR syntax error")),
            (&["FLUSHDB", "ASYNC", "SYNC"], err("ERR syntax error")),
            (&["FLUSHDB", "async"], Reply::OK),
            (&["DBSIZE"], int(0)),
        ],
    );
    check_db(
        &s,
        1,
        &[
            (&["DBSIZE"], int(2)),
            (&["FLUSHALL", "SYNC"], Reply::OK),
            (&["DBSIZE"], int(0)),
        ],
    );
    let db = s.db(0);
    db.set("k", "v").unwrap();
    assert_eq!(db.dbsize().unwrap(), 1);
    db.swapdb(0, 5).unwrap();
    assert_eq!(db.dbsize().unwrap(), 0);
    assert_eq!(s.db(5).dbsize().unwrap(), 1);
    assert_eq!(db.swapdb(0, 16), Err(Error::DbIndexOutOfRange));
    s.db(5).flushdb().unwrap();
    assert_eq!(s.db(5).dbsize().unwrap(), 0);
    db.set("k", "v").unwrap();
    s.db(7).set("k", "v").unwrap();
    db.flushall().unwrap();
    assert_eq!(s.keyspace_sizes().iter().map(|(n, _)| n).sum::<usize>(), 0);
}

#[test]
fn object_subcommands_on_strings() {
    let s = store_with(&[
        &["SET", "int", "1"],
        &["SET", "neg", "-1"],
        &["SET", "big", "10000"],
        &["SET", "lead0", "01"],
        &["SET", "huge", "12345678901234567890"],
        &["SET", "min", "-9223372036854775808"],
        &["SET", "s44", &"a".repeat(44)],
        &["SET", "s45", &"a".repeat(45)],
        &["SET", "f", "1.5"],
    ]);
    check(
        &s,
        &[
            (&["OBJECT", "ENCODING", "int"], bulk("int")),
            (&["OBJECT", "encoding", "neg"], bulk("int")),
            (&["OBJECT", "ENCODING", "lead0"], bulk("embstr")),
            (&["OBJECT", "ENCODING", "huge"], bulk("embstr")),
            (&["OBJECT", "ENCODING", "min"], bulk("int")),
            (&["OBJECT", "ENCODING", "s44"], bulk("embstr")),
            (&["OBJECT", "ENCODING", "s45"], bulk("raw")),
            (&["OBJECT", "ENCODING", "f"], bulk("embstr")),
            (&["OBJECT", "ENCODING", "nokey"], Reply::Null),
            (&["OBJECT", "REFCOUNT", "int"], int(2147483647)),
            (&["OBJECT", "REFCOUNT", "neg"], int(1)),
            (&["OBJECT", "REFCOUNT", "big"], int(1)),
            (&["OBJECT", "REFCOUNT", "nokey"], Reply::Null),
            (&["OBJECT", "IDLETIME", "int"], int(0)),
            (&["OBJECT", "IDLETIME", "nokey"], Reply::Null),
            (&["OBJECT", "FREQ", "nokey"], Reply::Null),
            (
                &["OBJECT", "FREQ", "int"],
                err(
                    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
                ),
            ),
            (
                &["OBJECT"],
                err("ERR wrong number of arguments for 'object' command"),
            ),
            (
                &["OBJECT", "foo"],
                err("ERR unknown subcommand 'foo'. Try OBJECT HELP."),
            ),
            (
                &["OBJECT", "encoding"],
                err("ERR wrong number of arguments for 'object|encoding' command"),
            ),
            (
                &["OBJECT", "help", "x"],
                err("ERR wrong number of arguments for 'object|help' command"),
            ),
        ],
    );
    let Reply::Array(help) = s.execute(0, &["OBJECT", "HELP"]) else {
        panic!()
    };
    assert_eq!(help.len(), 15);
    assert_eq!(
        help[0],
        Reply::simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(help[14], Reply::simple("    Prints this help."));
}

#[test]
fn sort_argument_errors_and_missing_keys() {
    let s = store_with(&[&["SET", "str", "v"]]);
    check(
        &s,
        &[
            (&["SORT", "nokey"], Reply::EMPTY_ARRAY),
            (&["SORT", "nokey", "STORE", "dst"], int(0)),
            (&["EXISTS", "dst"], int(0)),
            (
                &["SORT", "str"],
                err("WRONGTYPE Operation against a key holding the wrong kind of value"),
            ),
            (&["SORT", "nokey", "FOO"], err("ERR syntax error")),
            (&["SORT", "nokey", "LIMIT", "0"], err("ERR syntax error")),
            (
                &["SORT", "nokey", "LIMIT", "a", "1"],
                err("ERR value is not an integer or out of range"),
            ),
            (&["SORT", "nokey", "BY"], err("ERR syntax error")),
            (&["SORT", "nokey", "GET"], err("ERR syntax error")),
            (
                &["SORT_RO", "nokey", "STORE", "dst"],
                err("ERR syntax error"),
            ),
            (
                &[
                    "SORT_RO", "nokey", "BY", "x", "GET", "#", "LIMIT", "0", "1", "DESC", "ALPHA",
                ],
                Reply::EMPTY_ARRAY,
            ),
            // Options are parsed before the key's type is checked.
            (&["SORT", "str", "FOO"], err("ERR syntax error")),
        ],
    );
}

#[test]
fn watch_sees_expire_and_rename() {
    // A write through these commands must count as a modification.
    let s = store_with(&[&["SET", "k", "v"]]);
    let before = s.changes();
    s.execute(0, &["EXPIRE", "k", "100"]);
    s.execute(0, &["RENAME", "k", "k2"]);
    s.execute(0, &["PERSIST", "k2"]);
    assert!(s.changes() >= before + 3);
}

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(|s| bulk(s)).collect())
}

const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

#[test]
fn sort_lists_numerically_and_alphabetically() {
    let s = store_with(&[
        &["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5", "1e2"],
        &["RPUSH", "bad", "1", "x", "2"],
    ]);
    check(
        &s,
        &[
            (
                &["SORT", "l"],
                bulks(&["-5", "1", "1.5", "2", "3", "10", "1e2"]),
            ),
            (
                &["SORT", "l", "DESC"],
                bulks(&["1e2", "10", "3", "2", "1.5", "1", "-5"]),
            ),
            (&["SORT", "l", "LIMIT", "1", "3"], bulks(&["1", "1.5", "2"])),
            (
                &["SORT", "l", "LIMIT", "1", "-1"],
                bulks(&["1", "1.5", "2", "3", "10", "1e2"]),
            ),
            (&["SORT", "l", "LIMIT", "-5", "2"], bulks(&["-5", "1"])),
            (&["SORT", "l", "LIMIT", "10", "5"], Reply::EMPTY_ARRAY),
            (&["SORT", "l", "LIMIT", "0", "0"], Reply::EMPTY_ARRAY),
            (
                &["SORT", "l", "DESC", "LIMIT", "2", "2"],
                bulks(&["3", "2"]),
            ),
            (
                &["SORT", "l", "ALPHA"],
                bulks(&["-5", "1", "1.5", "10", "1e2", "2", "3"]),
            ),
            (
                &["SORT", "l", "ALPHA", "DESC"],
                bulks(&["3", "2", "1e2", "10", "1.5", "1", "-5"]),
            ),
            (&["SORT", "bad"], err(NOT_DOUBLE)),
            (&["SORT", "bad", "LIMIT", "0", "1"], err(NOT_DOUBLE)),
            (&["SORT", "bad", "ALPHA"], bulks(&["1", "2", "x"])),
            (&["SORT", "bad", "BY", "nosort"], bulks(&["1", "x", "2"])),
        ],
    );
    // strtod rules: leading space, hex and infinities are numbers; the empty
    // string is 0; overflow and underflow are not.
    let s = store_with(&[
        &["RPUSH", "e", "", " 2", "0x10", "inf", "-inf"],
        &["RPUSH", "f", "1e400"],
        &["RPUSH", "g", "1e-400"],
    ]);
    check(
        &s,
        &[
            (&["SORT", "e"], bulks(&["-inf", "", " 2", "0x10", "inf"])),
            (&["SORT", "f"], err(NOT_DOUBLE)),
            (&["SORT", "g"], err(NOT_DOUBLE)),
        ],
    );
}

#[test]
fn sort_by_external_keys_with_get() {
    let s = store_with(&[
        &["RPUSH", "ids", "3", "1", "2"],
        &[
            "MSET", "w_1", "30", "w_2", "10", "w_3", "20", "name_1", "ann", "name_2", "bob",
            "name_3", "cid",
        ],
    ]);
    check(
        &s,
        &[
            (&["SORT", "ids", "BY", "w_*"], bulks(&["2", "3", "1"])),
            (
                &["SORT", "ids", "BY", "w_*", "DESC"],
                bulks(&["1", "3", "2"]),
            ),
            (
                &["SORT", "ids", "BY", "w_*", "GET", "name_*"],
                bulks(&["bob", "cid", "ann"]),
            ),
            (
                &[
                    "SORT",
                    "ids",
                    "BY",
                    "w_*",
                    "GET",
                    "#",
                    "GET",
                    "name_*",
                    "GET",
                    "missing_*",
                ],
                Reply::Array(vec![
                    bulk("2"),
                    bulk("bob"),
                    Reply::Null,
                    bulk("3"),
                    bulk("cid"),
                    Reply::Null,
                    bulk("1"),
                    bulk("ann"),
                    Reply::Null,
                ]),
            ),
            (
                &["SORT", "ids", "GET", "name_*", "GET", "nostar"],
                Reply::Array(vec![
                    bulk("ann"),
                    Reply::Null,
                    bulk("bob"),
                    Reply::Null,
                    bulk("cid"),
                    Reply::Null,
                ]),
            ),
            // BY without `*` keeps the list's own order (DESC reverses it).
            (&["SORT", "ids", "BY", "nosort"], bulks(&["3", "1", "2"])),
            (
                &["SORT", "ids", "BY", "nosort", "DESC"],
                bulks(&["2", "1", "3"]),
            ),
            (
                &["SORT", "ids", "BY", "nosort", "LIMIT", "1", "1"],
                bulks(&["1"]),
            ),
            (
                &["SORT", "ids", "BY", "nosort", "DESC", "LIMIT", "1", "5"],
                bulks(&["1", "3"]),
            ),
            (
                &["SORT", "ids", "BY", "nosort", "GET", "name_*"],
                bulks(&["cid", "ann", "bob"]),
            ),
            (
                &["SORT", "ids", "BY", "nosort", "LIMIT", "5", "1"],
                Reply::EMPTY_ARRAY,
            ),
            // Missing weights count as 0; ties fall back to the element.
            (&["SORT", "ids", "BY", "missing_*"], bulks(&["1", "2", "3"])),
            (
                &["SORT", "ids", "BY", "missing_*", "DESC"],
                bulks(&["3", "2", "1"]),
            ),
            (
                &["SORT", "ids", "BY", "name_*", "ALPHA"],
                bulks(&["1", "2", "3"]),
            ),
            (&["SORT", "ids", "BY", "name_*"], err(NOT_DOUBLE)),
            (&["SET", "w_2", "notanumber"], Reply::OK),
            (&["SORT", "ids", "BY", "w_*"], err(NOT_DOUBLE)),
            (
                &["SORT", "ids", "BY", "w_*", "ALPHA"],
                bulks(&["3", "1", "2"]),
            ),
        ],
    );
    let db = s.db(0);
    use embedis::SortOptions;
    assert_eq!(
        db.sort_with(
            "ids",
            SortOptions::new().by("name_*").alpha().desc().get("name_*")
        )
        .unwrap(),
        vec![
            Some(Bytes::from("cid")),
            Some(Bytes::from("bob")),
            Some(Bytes::from("ann"))
        ]
    );
    assert_eq!(
        db.sort("ids").unwrap(),
        vec![Bytes::from("1"), Bytes::from("2"), Bytes::from("3")]
    );
    assert_eq!(
        db.sort_store("ids", "out", SortOptions::new().desc().limit(0, 2))
            .unwrap(),
        2
    );
    check(&s, &[(&["LRANGE", "out", "0", "-1"], bulks(&["3", "2"]))]);
}

#[test]
fn sort_store_writes_a_list_or_deletes_the_destination() {
    let s = store_with(&[&["RPUSH", "ids", "3", "1", "2"], &["SET", "name_1", "ann"]]);
    check(
        &s,
        &[
            (&["SORT", "ids", "STORE", "dst"], int(3)),
            (&["LRANGE", "dst", "0", "-1"], bulks(&["1", "2", "3"])),
            (&["TYPE", "dst"], Reply::simple("list")),
            // Missing GET values are stored as empty strings.
            (&["SORT", "ids", "GET", "name_*", "STORE", "dst"], int(3)),
            (&["LRANGE", "dst", "0", "-1"], bulks(&["ann", "", ""])),
            (&["SET", "dst3", "str", "EX", "100"], Reply::OK),
            (&["SORT", "nokey", "STORE", "dst3"], int(0)),
            (&["EXISTS", "dst3"], int(0)),
            (&["SORT", "ids", "LIMIT", "5", "5", "STORE", "dst"], int(0)),
            (&["EXISTS", "dst"], int(0)),
        ],
    );
}

#[test]
fn sort_sets() {
    let s = store_with(&[
        &["SADD", "s", "5", "3", "9", "1"],
        &["SADD", "s2", "b", "a", "c"],
    ]);
    check(
        &s,
        &[
            (&["SORT", "s"], bulks(&["1", "3", "5", "9"])),
            (
                &["SORT", "s", "DESC", "LIMIT", "0", "2"],
                bulks(&["9", "5"]),
            ),
            (&["SORT", "s2", "ALPHA"], bulks(&["a", "b", "c"])),
            // An integer set is an intset in Redis: its own order is ascending,
            // and BY nosort returns it (DESC does not apply; LIMIT does).
            (&["SADD", "is", "3", "1", "2", "-5", "10"], int(5)),
            (
                &["SORT", "is", "BY", "nosort"],
                bulks(&["-5", "1", "2", "3", "10"]),
            ),
            (
                &["SORT", "is", "BY", "nosort", "DESC"],
                bulks(&["-5", "1", "2", "3", "10"]),
            ),
            (
                &["SORT", "is", "BY", "nosort", "LIMIT", "1", "2"],
                bulks(&["1", "2"]),
            ),
            (&["SORT", "s2"], err(NOT_DOUBLE)),
            // A set stored without sorting is sorted anyway (deterministic).
            (&["SORT", "s2", "BY", "nosort", "STORE", "out"], int(3)),
            (&["LRANGE", "out", "0", "-1"], bulks(&["a", "b", "c"])),
            (
                &["SORT", "s2", "BY", "nosort", "DESC", "STORE", "out"],
                int(3),
            ),
            (&["LRANGE", "out", "0", "-1"], bulks(&["c", "b", "a"])),
        ],
    );
}

#[test]
fn object_encoding_of_lists_and_sets_uses_redis_7_0_thresholds() {
    let s = store_with(&[
        &["RPUSH", "l", "a"],
        &["SADD", "s", "1", "2", "-3"],
        &["SADD", "s01", "01"],
        &["SADD", "sa", "a"],
    ]);
    let members = |n: usize| -> Vec<String> { (0..n).map(|i| i.to_string()).collect() };
    for (key, n) in [("s512", 512), ("s513", 513)] {
        let mut argv = vec!["SADD".to_string(), key.to_string()];
        argv.extend(members(n));
        assert!(!s.execute(0, &argv).is_error());
    }
    for (key, want) in [
        ("l", "quicklist"),
        ("s", "intset"),
        ("s01", "hashtable"),
        ("s512", "intset"),
        ("s513", "hashtable"),
        ("sa", "hashtable"),
    ] {
        assert_eq!(
            s.execute(0, &["OBJECT", "ENCODING", key]),
            bulk(want),
            "{key}"
        );
    }
    check(&s, &[(&["OBJECT", "REFCOUNT", "l"], int(1))]);
}

#[test]
fn type_scan_type_rename_copy_move_on_lists_and_sets() {
    let s = store_with(&[
        &["RPUSH", "l", "a"],
        &["SADD", "s", "m"],
        &["SET", "str", "5"],
    ]);
    check(
        &s,
        &[
            (&["TYPE", "l"], Reply::simple("list")),
            (&["TYPE", "s"], Reply::simple("set")),
            (
                &["SCAN", "0", "TYPE", "list", "COUNT", "100"],
                Reply::Array(vec![bulk("0"), bulks(&["l"])]),
            ),
            (
                &["SCAN", "0", "TYPE", "SET", "COUNT", "100"],
                Reply::Array(vec![bulk("0"), bulks(&["s"])]),
            ),
            (&["RENAME", "l", "l2"], Reply::OK),
            (&["TYPE", "l2"], Reply::simple("list")),
            // COPY makes an independent value.
            (&["COPY", "l2", "l3"], int(1)),
            (&["RPUSH", "l3", "b"], int(2)),
            (&["LRANGE", "l2", "0", "-1"], bulks(&["a"])),
            (&["COPY", "l2", "l9", "DB", "1"], int(1)),
            (&["MOVE", "s", "1"], int(1)),
            (&["TYPE", "s"], Reply::simple("none")),
        ],
    );
    check_db(
        &s,
        1,
        &[
            (&["TYPE", "l9"], Reply::simple("list")),
            (&["TYPE", "s"], Reply::simple("set")),
        ],
    );
    assert_eq!(s.db(0).type_of("l2").unwrap(), Some("list"));
}

#[test]
fn sort_by_hash_fields() {
    let s = store_with(&[
        &["RPUSH", "ids", "3", "1", "2"],
        &[
            "MSET", "w_1", "30", "w_2", "10", "w_3", "20", "name_1", "ann", "name_2", "bob",
            "name_3", "cid",
        ],
        &["HSET", "h_1", "f", "5", "g", "x"],
        &["HSET", "h_2", "f", "1"],
        &["HSET", "h_3", "f", "3"],
    ]);
    check(
        &s,
        &[
            (&["SORT", "ids", "BY", "h_*->f"], bulks(&["2", "3", "1"])),
            (
                &[
                    "SORT", "ids", "BY", "h_*->f", "GET", "h_*->g", "GET", "h_*->f",
                ],
                Reply::Array(vec![
                    Reply::Null,
                    bulk("1"),
                    Reply::Null,
                    bulk("3"),
                    bulk("x"),
                    bulk("5"),
                ]),
            ),
            // `->` with nothing after it is part of the key name.
            (&["SORT", "ids", "BY", "h_*->"], bulks(&["1", "2", "3"])),
            (
                &["SORT", "ids", "BY", "h_*->missing"],
                bulks(&["1", "2", "3"]),
            ),
            // A string is not a hash, so `->field` on it finds nothing.
            (&["SORT", "ids", "BY", "w_*->f"], bulks(&["1", "2", "3"])),
            (
                &["SORT_RO", "ids", "BY", "h_*->f", "GET", "#"],
                bulks(&["2", "3", "1"]),
            ),
            (
                &["SORT", "ids", "GET", "h_*->f", "GET", "#"],
                bulks(&["5", "1", "1", "2", "3", "3"]),
            ),
        ],
    );
    use embedis::SortOptions;
    assert_eq!(
        s.db(0)
            .sort_with("ids", SortOptions::new().by("h_*->f").get("name_*").desc())
            .unwrap(),
        vec![
            Some(Bytes::from("ann")),
            Some(Bytes::from("cid")),
            Some(Bytes::from("bob"))
        ]
    );
}

#[test]
fn object_encoding_of_hashes_uses_redis_7_0_thresholds() {
    let s = store_with(&[
        &["HSET", "h", "f", "v"],
        &["HSET", "h64", "f", &"v".repeat(64)],
        &["HSET", "h65", "f", &"v".repeat(65)],
        &["HSET", "hf65", &"f".repeat(65), "v"],
    ]);
    let fields =
        |n: usize| -> Vec<String> { (0..n).flat_map(|i| [format!("f{i}"), "v".into()]).collect() };
    for (key, n) in [("h512", 512), ("h513", 513)] {
        let mut argv = vec!["HSET".to_string(), key.to_string()];
        argv.extend(fields(n));
        assert!(!s.execute(0, &argv).is_error());
    }
    for (key, want) in [
        ("h", "listpack"),
        ("h64", "listpack"),
        ("h65", "hashtable"),
        ("hf65", "hashtable"),
        ("h512", "listpack"),
        ("h513", "hashtable"),
    ] {
        assert_eq!(
            s.execute(0, &["OBJECT", "ENCODING", key]),
            bulk(want),
            "{key}"
        );
    }
    check(&s, &[(&["TYPE", "h"], Reply::simple("hash"))]);
    let Reply::Array(parts) = s.execute(
        0,
        &["SCAN", "0", "TYPE", "hash", "MATCH", "h6?", "COUNT", "1000"],
    ) else {
        panic!()
    };
    assert_eq!(parts[0], bulk("0"));
    assert_eq!(sorted_keys(parts[1].clone()), ["h64", "h65"]);
}

#[test]
fn sort_sorted_sets() {
    let s = store_with(&[
        &["ZADD", "z", "1", "c", "2", "b", "3", "a"],
        &["ZADD", "zn", "3", "10", "1", "30", "2", "20"],
        &["MSET", "k_a", "2", "k_b", "1", "k_c", "0"],
    ]);
    check(
        &s,
        &[
            (&["SORT", "z", "ALPHA"], bulks(&["a", "b", "c"])),
            // BY nosort keeps the score order; DESC and LIMIT apply to it.
            (&["SORT", "z", "BY", "nosort"], bulks(&["c", "b", "a"])),
            (
                &["SORT", "z", "BY", "nosort", "DESC"],
                bulks(&["a", "b", "c"]),
            ),
            (
                &["SORT", "z", "BY", "nosort", "LIMIT", "1", "1"],
                bulks(&["b"]),
            ),
            (
                &["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"],
                bulks(&["b", "c"]),
            ),
            (
                &["SORT", "z", "BY", "nosort", "LIMIT", "5", "5"],
                Reply::EMPTY_ARRAY,
            ),
            (
                &["SORT", "z", "BY", "nosort", "LIMIT", "0", "0"],
                Reply::EMPTY_ARRAY,
            ),
            (&["SORT", "zn"], bulks(&["10", "20", "30"])),
            (&["SORT", "zn", "DESC"], bulks(&["30", "20", "10"])),
            (&["SORT", "zn", "BY", "nosort"], bulks(&["30", "20", "10"])),
            (&["SORT", "z", "BY", "k_*"], bulks(&["c", "b", "a"])),
            (&["SORT", "z", "BY", "k_*", "DESC"], bulks(&["a", "b", "c"])),
            (&["SORT", "z", "BY", "nosort", "STORE", "out"], int(3)),
            (&["LRANGE", "out", "0", "-1"], bulks(&["c", "b", "a"])),
        ],
    );
}

#[test]
fn object_encoding_of_sorted_sets_uses_redis_7_0_thresholds() {
    let s = store_with(&[
        &["ZADD", "z", "1", "a"],
        &["ZADD", "z64", "1", &"m".repeat(64)],
        &["ZADD", "z65", "1", &"m".repeat(65)],
    ]);
    let members = |n: usize| -> Vec<String> {
        (0..n)
            .flat_map(|i| [i.to_string(), format!("m{i}")])
            .collect()
    };
    for (key, n) in [("z128", 128), ("z129", 129)] {
        let mut argv = vec!["ZADD".to_string(), key.to_string()];
        argv.extend(members(n));
        assert!(!s.execute(0, &argv).is_error());
    }
    for (key, want) in [
        ("z", "listpack"),
        ("z64", "listpack"),
        ("z65", "skiplist"),
        ("z128", "listpack"),
        ("z129", "skiplist"),
    ] {
        assert_eq!(
            s.execute(0, &["OBJECT", "ENCODING", key]),
            bulk(want),
            "{key}"
        );
    }
    check(
        &s,
        &[
            (&["TYPE", "z"], Reply::simple("zset")),
            (&["COPY", "z", "z9", "DB", "1"], int(1)),
            (&["MOVE", "z64", "1"], int(1)),
        ],
    );
    check_db(
        &s,
        1,
        &[
            (&["TYPE", "z9"], Reply::simple("zset")),
            (&["TYPE", "z64"], Reply::simple("zset")),
        ],
    );
}

/// HGET and SISMEMBER through the typed API read under the shared lock; a
/// key met expired there is removed (and counted) by the exclusive path, as
/// the commands do.
#[test]
fn typed_hget_and_sismember_see_expiry_as_the_commands_do() {
    let (s, clock) = store();
    let db = s.db(0);
    db.hset("h", [("f", "v")]).unwrap();
    db.sadd("s", ["m"]).unwrap();
    db.set("str", "x").unwrap();
    assert!(db.pexpire("h", 100).unwrap());
    assert!(db.pexpire("s", 200).unwrap());
    assert_eq!(db.hget("h", "f").unwrap(), Some("v".into()));
    assert_eq!(db.hget("h", "nope").unwrap(), None);
    assert!(db.sismember("s", "m").unwrap());
    assert!(!db.sismember("s", "x").unwrap());
    assert_eq!(db.hget("str", "f").unwrap_err(), Error::WrongType);
    assert_eq!(db.sismember("str", "m").unwrap_err(), Error::WrongType);
    clock.advance_ms(100);
    assert_eq!(db.hget("h", "f").unwrap(), None);
    assert_eq!(s.expired_keys(), 1);
    assert!(db.sismember("s", "m").unwrap());
    clock.advance_ms(100);
    assert!(!db.sismember("s", "m").unwrap());
    assert_eq!(s.expired_keys(), 2);
    assert_eq!(s.execute(0, &["DBSIZE"]), Reply::Integer(1));
}
