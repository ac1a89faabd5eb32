//! Snapshots through the public API: round trips, files, and refusal of
//! every kind of damaged input with an error naming the problem and offset.
//! (The random every-type round trip lives in `src/snapshot.rs`'s unit
//! tests, which can build lists, hashes, sets and sorted sets directly.)

use std::path::PathBuf;

use embedis::snapshot::{FORMAT_VERSION, MAGIC};
use embedis::{ManualClock, Reply, SnapshotError, Store};

const NOW: i64 = 1_700_000_000_000;

/// A store with 200 string keys over three databases, some with a TTL.
fn sample(clock: &ManualClock) -> Store {
    let store = Store::builder().clock(clock.clone()).build();
    for i in 0..200 {
        let db = store.db(i % 3);
        db.set(
            format!("key:{i}"),
            format!("value-{i}-{}", "x".repeat(i % 17)),
        )
        .unwrap();
        if i % 5 == 0 {
            db.pexpire(format!("key:{i}"), 1000 + i as i64).unwrap();
        }
    }
    store
}

fn all_strings(store: &Store) -> Vec<(usize, String, Option<String>)> {
    let mut out = Vec::new();
    for db in 0..3 {
        for i in 0..200 {
            let key = format!("key:{i}");
            let v = store.db(db).get(&key).unwrap();
            out.push((db, key, v.map(|b| String::from_utf8(b.to_vec()).unwrap())));
        }
    }
    out
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embedis-snapshot-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("dump.embedis")
}

#[test]
fn round_trip_keeps_values_databases_and_ttls() {
    let clock = ManualClock::new(NOW);
    let store = sample(&clock);
    let bytes = store.snapshot_to_vec();
    let loaded =
        Store::load_snapshot_with(Store::builder().clock(clock.clone()), &mut &bytes[..]).unwrap();
    assert_eq!(all_strings(&loaded), all_strings(&store));
    assert_eq!(loaded.keyspace_sizes(), store.keyspace_sizes());
    // TTLs are absolute: after 1100 ms the same keys expire in both stores.
    clock.advance_ms(1100);
    assert_eq!(all_strings(&loaded), all_strings(&store));
    assert_eq!(loaded.db(0).get("key:0").unwrap(), None);
    assert!(loaded.db(0).get("key:3").unwrap().is_some());
}

#[test]
fn keys_expired_at_load_time_are_skipped() {
    let clock = ManualClock::new(NOW);
    let store = sample(&clock);
    let bytes = store.snapshot_to_vec();
    clock.advance_ms(5000);
    let loaded =
        Store::load_snapshot_with(Store::builder().clock(clock.clone()), &mut &bytes[..]).unwrap();
    // 40 of 200 keys had a TTL; none is even counted by DBSIZE.
    let total: usize = loaded.keyspace_sizes().iter().map(|s| s.0).sum();
    assert_eq!(total, 160);
    assert_eq!(loaded.execute(0, &["GET", "key:0"]), Reply::Null);
}

#[test]
fn file_layout_is_magic_version_body_crc() {
    let bytes = sample(&ManualClock::new(NOW)).snapshot_to_vec();
    assert_eq!(&bytes[..8], b"EMBEDIS\0");
    assert_eq!(&bytes[..8], MAGIC);
    assert_eq!(
        u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
        FORMAT_VERSION
    );
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    assert_eq!(crc, crc32fast::hash(body).to_le_bytes());
}

#[test]
fn truncation_anywhere_is_refused_with_an_offset() {
    let bytes = sample(&ManualClock::new(NOW)).snapshot_to_vec();
    for tenth in 0..10 {
        let cut = bytes.len() * tenth / 10;
        let err = Store::from_snapshot_bytes(&bytes[..cut]).unwrap_err();
        match &err {
            SnapshotError::Truncated { offset } => {
                assert_eq!(*offset, cut as u64, "cut at {cut}");
                assert_eq!(
                    err.to_string(),
                    format!("snapshot truncated: unexpected end of data at byte offset {cut}")
                );
            }
            SnapshotError::Corrupt { offset, .. } => {
                assert!(*offset < cut as u64, "cut at {cut}: {err}")
            }
            other => panic!("cut at {cut}: {other}"),
        }
    }
    // Without the last byte of the checksum.
    let err = Store::from_snapshot_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "snapshot truncated: unexpected end of data at byte offset {}",
            bytes.len() - 1
        )
    );
}

#[test]
fn a_flipped_value_byte_fails_the_checksum() {
    let bytes = sample(&ManualClock::new(NOW)).snapshot_to_vec();
    let at = bytes.windows(9).position(|w| w == b"value-42-").unwrap();
    let mut bad = bytes.clone();
    bad[at] ^= 0x20; // 'v' -> 'V': still valid CBOR
    let computed = crc32fast::hash(&bad[..bad.len() - 4]);
    let stored = crc32fast::hash(&bytes[..bytes.len() - 4]);
    let err = Store::from_snapshot_bytes(&bad).unwrap_err();
    assert!(
        matches!(err, SnapshotError::ChecksumMismatch { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "snapshot checksum mismatch at byte offset {}: stored CRC-32 {stored:#010x}, computed {computed:#010x}",
            bytes.len() - 4
        )
    );
}

#[test]
fn any_flipped_byte_is_refused() {
    let bytes = sample(&ManualClock::new(NOW)).snapshot_to_vec();
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        let err = Store::from_snapshot_bytes(&bad).unwrap_err();
        assert!(err.to_string().contains("byte offset"), "byte {i}: {err}");
        assert!(err.offset().is_some(), "byte {i}: {err}");
    }
}

#[test]
fn wrong_magic_is_bad_magic() {
    let mut bytes = Store::new().snapshot_to_vec();
    bytes[..8].copy_from_slice(b"REDIS001");
    let err = Store::from_snapshot_bytes(&bytes).unwrap_err();
    assert!(matches!(err, SnapshotError::BadMagic { .. }));
    assert_eq!(
        err.to_string(),
        "not an embedis snapshot: bad magic at byte offset 0 (expected \"EMBEDIS\\0\", found \"REDIS001\")"
    );
    let err = Store::from_snapshot_bytes(b"EMB\xff").unwrap_err();
    assert_eq!(
        err.to_string(),
        "not an embedis snapshot: bad magic at byte offset 0 (expected \"EMBEDIS\\0\", found \"EMB\\xff\")"
    );
}

#[test]
fn future_version_is_unsupported() {
    let mut bytes = Store::new().snapshot_to_vec();
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    let err = Store::from_snapshot_bytes(&bytes).unwrap_err();
    assert!(matches!(
        err,
        SnapshotError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    ));
    assert_eq!(
        err.to_string(),
        "unsupported snapshot format version 2 at byte offset 8 (this build reads version 1)"
    );
}

#[test]
fn data_after_the_checksum_is_corrupt() {
    let mut bytes = Store::new().snapshot_to_vec();
    let end = bytes.len();
    bytes.push(0);
    let err = Store::from_snapshot_bytes(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("snapshot corrupt at byte offset {end}: unexpected data after the checksum")
    );
}

#[test]
fn a_database_the_store_lacks_is_refused() {
    let store = Store::new();
    store.db(9).set("k", "v").unwrap();
    let bytes = store.snapshot_to_vec();
    let err =
        Store::load_snapshot_with(Store::builder().databases(4), &mut &bytes[..]).unwrap_err();
    let SnapshotError::DatabaseOutOfRange {
        index: 9,
        databases: 4,
        offset,
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(
        err.to_string(),
        format!(
            "snapshot has database 9 at byte offset {offset}, but the store has only 4 databases"
        )
    );
    // With enough databases it loads.
    let loaded =
        Store::load_snapshot_with(Store::builder().databases(10), &mut &bytes[..]).unwrap();
    assert_eq!(loaded.db(9).get("k").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn a_failed_replace_leaves_the_store_unchanged() {
    let clock = ManualClock::new(NOW);
    let store = sample(&clock);
    let before = all_strings(&store);
    let other = Store::new();
    other.db(0).set("key:1", "replaced").unwrap();
    let mut bad = other.snapshot_to_vec();
    let n = bad.len();
    bad[n - 1] ^= 0xff;
    assert!(matches!(
        store.replace_from_snapshot(&mut &bad[..]),
        Err(SnapshotError::ChecksumMismatch { .. })
    ));
    assert_eq!(all_strings(&store), before);

    // A good one replaces every database.
    store
        .replace_from_snapshot(&mut &other.snapshot_to_vec()[..])
        .unwrap();
    assert_eq!(
        store.db(0).get("key:1").unwrap().as_deref(),
        Some(&b"replaced"[..])
    );
    assert_eq!(store.db(0).get("key:3").unwrap(), None);
    assert_eq!(store.keyspace_sizes().iter().map(|s| s.0).sum::<usize>(), 1);
}

#[test]
fn save_to_path_and_load_from_path_round_trip() {
    let path = temp_path("roundtrip");
    let clock = ManualClock::new(NOW);
    let store = sample(&clock);
    store.save_to_path(&path).unwrap();
    // Saving again replaces the file atomically and leaves no temporary file.
    store.db(0).set("extra", "1").unwrap();
    store.save_to_path(&path).unwrap();
    let dir: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(dir, ["dump.embedis"]);
    let loaded = Store::load_from_path_with(Store::builder().clock(clock.clone()), &path).unwrap();
    assert_eq!(all_strings(&loaded), all_strings(&store));
    assert_eq!(
        loaded.db(0).get("extra").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn load_from_path_errors_name_the_file() {
    let path = temp_path("errors");
    let err = Store::load_from_path(&path).unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "{}: snapshot I/O error at byte offset 0: ",
            path.display()
        )),
        "{err}"
    );

    let mut bytes = Store::new().snapshot_to_vec();
    bytes[9] = 7;
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::load_from_path(&path).unwrap_err();
    assert!(!err.is_not_found());
    assert!(matches!(
        err.root(),
        SnapshotError::UnsupportedVersion { .. }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: unsupported snapshot format version 1793 at byte offset 8 (this build reads version 1)",
            path.display()
        )
    );
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn save_to_path_errors_name_the_temporary_file() {
    let path = temp_path("missing-dir")
        .parent()
        .unwrap()
        .join("no/such/dir/dump.embedis");
    let err = Store::new().save_to_path(&path).unwrap_err();
    let tmp = format!("{}.tmp-{}", path.display(), std::process::id());
    assert!(
        err.to_string()
            .starts_with(&format!("{tmp}: snapshot I/O error")),
        "{err}"
    );
    std::fs::remove_dir_all(temp_path("missing-dir").parent().unwrap()).unwrap();
}

/// The store saved in `tests/fixtures/snapshot-v1.embedis` (by the
/// ciborium/serde writer of commit 18e8cde, before the hand-written
/// encoder): every type, TTLs, binary and empty keys, four databases, every
/// CBOR length width (1, 2 and 4 byte heads, a value larger than the 64 KiB
/// I/O buffer) and every float width a score can take (f16, f32, f64).
fn fixture_store(clock: &ManualClock) -> Store {
    let store = Store::builder().clock(clock.clone()).build();
    let run = |db: usize, argv: &[&[u8]]| {
        let reply = store.execute(db, argv);
        assert!(!matches!(reply, Reply::Error(_)), "{argv:?}: {reply:?}");
    };
    run(0, &[b"SET", b"s", b"value"]);
    run(0, &[b"SET", b"", b"empty key"]);
    run(0, &[b"SET", b"bin\x00\xff", b"\x00\x01\xfe\xff"]);
    run(0, &[b"SET", b"ttl", b"expires", b"PX", b"86400000"]);
    run(0, &[b"SET", b"int", b"12345"]);
    let big = vec![b'x'; 70_000];
    run(0, &[b"SET", b"big", &big]);
    run(0, &[b"SET", b"empty value", b""]);
    run(0, &[b"RPUSH", b"list", b"a", b"b", b"a", b""]);
    let many: Vec<Vec<u8>> = (0..300).map(|i| format!("{i}").into_bytes()).collect();
    let mut argv: Vec<&[u8]> = vec![b"RPUSH", b"long list"];
    argv.extend(many.iter().map(Vec::as_slice));
    run(0, &argv);
    run(1, &[b"HSET", b"hash", b"f1", b"v1", b"f2", b"", b"", b"v3"]);
    run(1, &[b"PEXPIRE", b"hash", b"5000"]);
    run(1, &[b"SADD", b"set", b"m1", b"m2", b"m3"]);
    let mut argv: Vec<&[u8]> = vec![b"SADD", b"big set"];
    argv.extend(many.iter().map(Vec::as_slice));
    run(1, &argv);
    let scores: [&[u8]; 14] = [
        b"0",
        b"-0",
        b"1.5",
        b"-2",
        b"65504",
        b"65505",
        b"0.333251953125",
        b"5.960464477539063e-8",
        b"1.401298464324817e-45",
        b"3.4028234663852886e38",
        b"0.1",
        b"1e300",
        b"inf",
        b"-inf",
    ];
    for (i, score) in scores.iter().enumerate() {
        let member = format!("m{i}");
        run(5, &[b"ZADD", b"zset", score, member.as_bytes()]);
    }
    run(5, &[b"PEXPIREAT", b"zset", b"1800000000000"]);
    run(15, &[b"SET", b"last db", b"x"]);
    store
}

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshot-v1.embedis")
}

/// Length of the definite-length CBOR item at the start of `b`, and its
/// head's argument.
fn cbor_item(b: &[u8]) -> (usize, u64) {
    let (major, info) = (b[0] >> 5, b[0] & 0x1f);
    let (arg, mut len) = match info {
        0..=23 => (u64::from(info), 1),
        24 => (u64::from(b[1]), 2),
        25 => (u64::from(u16::from_be_bytes([b[1], b[2]])), 3),
        26 => (
            u64::from(u32::from_be_bytes(b[1..5].try_into().unwrap())),
            5,
        ),
        27 => (u64::from_be_bytes(b[1..9].try_into().unwrap()), 9),
        _ => panic!("unexpected CBOR head {:#04x}", b[0]),
    };
    match major {
        0 | 1 | 7 => {}
        2 | 3 => len += arg as usize,
        4 | 5 => {
            for _ in 0..arg * if major == 5 { 2 } else { 1 } {
                len += cbor_item(&b[len..]).0;
            }
        }
        _ => panic!("unexpected CBOR major type {major}"),
    }
    (len, arg)
}

/// A snapshot's parts, in a form that does not depend on key order: the
/// header without its `producer` (the crate version), then for each
/// database its `[index, keys]` item and its records' bytes, sorted.
/// Checks the checksum and that nothing is left over.
fn canonical(file: &[u8]) -> Vec<Vec<u8>> {
    let (body, crc) = file.split_at(file.len() - 4);
    assert_eq!(crc, crc32fast::hash(body).to_le_bytes());
    assert_eq!(
        &body[..12],
        &[MAGIC.as_slice(), &1u32.to_le_bytes()].concat()
    );
    let (n, _) = cbor_item(&body[12..]);
    let header: ciborium::Value = ciborium::de::from_reader(&body[12..12 + n]).unwrap();
    let ciborium::Value::Map(fields) = header else {
        panic!("{header:?}")
    };
    let fields: Vec<_> = fields
        .into_iter()
        .filter(|(k, _)| k.as_text() != Some("producer"))
        .collect();
    let mut parts = vec![format!("{fields:?}").into_bytes()];
    let mut at = 12 + n;
    while body[at] != 0xf6 {
        let (n, _) = cbor_item(&body[at..]);
        let db = &body[at..at + n];
        let keys = cbor_item(&db[1 + cbor_item(&db[1..]).0..]).1;
        parts.push(db.to_vec());
        at += n;
        let mut records = Vec::new();
        for _ in 0..keys {
            let (n, _) = cbor_item(&body[at..]);
            records.push(body[at..at + n].to_vec());
            at += n;
        }
        records.sort();
        parts.extend(records);
    }
    assert_eq!(at + 1, body.len(), "data after the end marker");
    parts
}

/// Files saved by the first (serde) writer still load, and saving the
/// loaded store writes every record, header and database item byte for
/// byte as that writer did. Only the order of records within a database may
/// differ: it follows the keyspace's hash order, which is seeded per process
/// since the keyspace is segmented.
#[test]
fn a_v1_fixture_loads_and_saves_byte_identically() {
    let fixture = std::fs::read(fixture_path()).unwrap();
    let want = canonical(&fixture);
    let clock = ManualClock::new(NOW);
    // Building the same data today writes the same bytes ...
    assert!(canonical(&fixture_store(&clock).snapshot_to_vec()) == want);
    // ... and loading the file then saving it again does too.
    let loaded =
        Store::load_snapshot_with(Store::builder().clock(clock.clone()), &mut &fixture[..])
            .unwrap();
    assert_eq!(
        loaded.keyspace_sizes(),
        fixture_store(&clock).keyspace_sizes()
    );
    assert!(canonical(&loaded.snapshot_to_vec()) == want);
    assert_eq!(
        loaded.execute(5, &["ZRANGE", "zset", "0", "-1", "WITHSCORES"]),
        fixture_store(&clock).execute(5, &["ZRANGE", "zset", "0", "-1", "WITHSCORES"])
    );
    assert_eq!(loaded.execute(1, &["PTTL", "hash"]), Reply::Integer(5000));
    // The header, 4 databases and 14 keys.
    assert_eq!(want.len(), 1 + 4 + 14);
}

/// Writes the fixture of [`a_v1_fixture_loads_and_saves_byte_identically`].
/// Only for a new format version: version 1's fixture must never change.
#[test]
#[ignore]
fn write_v1_fixture() {
    if std::env::var_os("EMBEDIS_WRITE_FIXTURE").is_none() {
        return;
    }
    let bytes = fixture_store(&ManualClock::new(NOW)).snapshot_to_vec();
    std::fs::create_dir_all(fixture_path().parent().unwrap()).unwrap();
    std::fs::write(fixture_path(), bytes).unwrap();
}

/// CPU time of this thread in ns (Linux), which other processes' load on
/// a shared machine does not inflate as much as wall time.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// CPU time of the whole process in ns (Linux; 10 ms steps), which counts
/// the loader's helper thread too.
fn process_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000_000)
}

/// A store with `n` mixed keys in database 0, as the snapshot benchmark
/// builds it: a fifth each of strings, 5-element lists, 5-field hashes,
/// 5-member sets and 5-member sorted sets; every tenth key has a TTL.
fn mixed(n: u32) -> Store {
    let store = Store::new();
    for i in 0..n {
        let k = format!("key:{i:07}");
        let e: Vec<String> = (0..5).map(|j| format!("e{j}:{i:07}")).collect();
        let mut argv: Vec<String> = match i % 5 {
            0 => vec!["SET".into(), k.clone(), format!("val:{i:07}")],
            1 => ["RPUSH".into(), k.clone()].into_iter().chain(e).collect(),
            2 => ["HSET".into(), k.clone()]
                .into_iter()
                .chain(
                    e.into_iter()
                        .enumerate()
                        .flat_map(|(j, v)| [format!("f{j}"), v]),
                )
                .collect(),
            3 => ["SADD".into(), k.clone()].into_iter().chain(e).collect(),
            _ => ["ZADD".into(), k.clone()]
                .into_iter()
                .chain(
                    e.into_iter()
                        .enumerate()
                        .flat_map(|(j, m)| [format!("{j}.5"), m]),
                )
                .collect(),
        };
        assert!(!matches!(store.execute(0, &argv), Reply::Error(_)));
        if i % 10 == 0 {
            argv = vec!["EXPIRE".into(), k, "100000".into()];
            assert_eq!(store.execute(0, &argv), Reply::Integer(1));
        }
    }
    store
}

/// Speed of save and load for 1M mixed keys (see [`mixed`]). Run with
/// `cargo test --release -p embedis --test snapshot -- --ignored --nocapture`
/// (`EMBEDIS_SNAPSHOT_N` changes the key count).
#[test]
#[ignore]
fn measure_one_million_keys() {
    let n: u32 = std::env::var("EMBEDIS_SNAPSHOT_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let store = mixed(n);
    let mut len = 0;
    let report = |what: &str, len: usize, wall: std::time::Duration, cpu: [Option<u64>; 2]| {
        let rate = |ns: u64| f64::from(n) / ns as f64 * 1e3;
        let cpu = match cpu {
            [Some(thread), Some(process)] => format!(
                ", cpu {} ms ({:.2} M keys/s) on this thread, {} ms ({:.2} M keys/s) in all",
                thread / 1_000_000,
                rate(thread),
                process / 1_000_000,
                rate(process),
            ),
            _ => String::new(),
        };
        println!(
            "{what}: wall {} ms ({:.2} M keys/s, {:.0} MB/s){cpu}",
            wall.as_millis(),
            f64::from(n) / wall.as_secs_f64() / 1e6,
            len as f64 / wall.as_secs_f64() / 1e6
        );
    };
    let start = || {
        (
            std::time::Instant::now(),
            [thread_cpu_ns(), process_cpu_ns()],
        )
    };
    let since = |(t, c): (std::time::Instant, [Option<u64>; 2])| {
        let now = [thread_cpu_ns(), process_cpu_ns()];
        (
            t.elapsed(),
            [0, 1].map(|i| now[i].zip(c[i]).map(|(b, a)| b - a)),
        )
    };
    for _ in 0..3 {
        let t = start();
        let bytes = store.snapshot_to_vec();
        len = bytes.len();
        let (wall, cpu) = since(t);
        report("save", len, wall, cpu);
        let t = start();
        let loaded = Store::from_snapshot_bytes(&bytes).unwrap();
        let (wall, cpu) = since(t);
        report("load", len, wall, cpu);
        assert_eq!(loaded.keyspace_sizes()[0].0, n as usize);
        drop(loaded);
    }
    println!("{len} bytes for {n} mixed keys");
}

/// Every command's bytes as `&str` words, run on `db`.
fn run(store: &Store, db: usize, cmds: &[&[&str]]) {
    for c in cmds {
        let r = store.execute(db, c);
        assert!(!matches!(r, Reply::Error(_)), "{c:?}: {r:?}");
    }
}

/// A store holding every type, with and without TTLs, in two databases,
/// with enough keys to fill every segment of the keyspace.
fn every_type(clock: &ManualClock) -> Store {
    let store = Store::builder().clock(clock.clone()).build();
    run(
        &store,
        0,
        &[
            &["SET", "s", "string"],
            &["SET", "ttl", "soon", "PX", "500"],
            &["SET", "later", "v", "PX", "100000"],
            &["RPUSH", "l", "a", "b", "c"],
            &["HSET", "h", "f1", "v1", "f2", "v2"],
            &["SADD", "set", "m1", "m2", "m3"],
            &["ZADD", "z", "1", "one", "2.5", "two", "-inf", "low"],
            &["PEXPIRE", "l", "200000"],
        ],
    );
    run(&store, 3, &[&["SET", "other", "db3"]]);
    for i in 0..10_000 {
        store.db(0).set(format!("fill:{i}"), i.to_string()).unwrap();
    }
    store
}

#[test]
fn a_frozen_store_keeps_the_data_of_its_instant() {
    let clock = ManualClock::new(NOW);
    let store = every_type(&clock);
    let before = store.snapshot_to_vec();
    let frozen = store.freeze();
    assert_eq!(frozen.saved_at_unix_ms(), NOW);
    // Every kind of change after freezing: overwrite, delete, in-place
    // writes to each collection, TTL changes, expiry, FLUSHDB, SWAPDB.
    run(
        &store,
        0,
        &[
            &["SET", "s", "changed"],
            &["DEL", "h"],
            &["RPUSH", "l", "d"],
            &["LPOP", "l"],
            &["SADD", "set", "m4"],
            &["ZINCRBY", "z", "10", "one"],
            &["PERSIST", "later"],
            &["EXPIRE", "s", "5"],
            &["SET", "new", "key"],
        ],
    );
    for i in 0..10_000 {
        if i % 2 == 0 {
            store.db(0).del([format!("fill:{i}")]).unwrap();
        } else {
            store.db(0).append(format!("fill:{i}"), "!").unwrap();
        }
    }
    clock.advance_ms(1000);
    store.purge_expired(std::time::Duration::from_millis(50));
    assert_eq!(store.db(0).get("ttl").unwrap(), None);
    run(&store, 3, &[&["FLUSHDB"]]);
    run(&store, 0, &[&["SWAPDB", "0", "5"]]);

    // The same bytes SAVE wrote at the time of freezing.
    assert_eq!(frozen.snapshot_to_vec(), before);
    let copy = Store::load_snapshot_with(
        Store::builder().clock(ManualClock::new(NOW)),
        &mut &before[..],
    )
    .unwrap();
    let get = |db: usize, args: &[&str]| copy.execute(db, args);
    assert_eq!(get(0, &["GET", "s"]), Reply::bulk("string"));
    assert_eq!(get(0, &["PTTL", "ttl"]), Reply::Integer(500));
    assert_eq!(get(0, &["PTTL", "later"]), Reply::Integer(100_000));
    assert_eq!(get(0, &["PTTL", "l"]), Reply::Integer(200_000));
    assert_eq!(
        get(0, &["LRANGE", "l", "0", "-1"]),
        Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b"), Reply::bulk("c")])
    );
    assert_eq!(get(0, &["HGET", "h", "f2"]), Reply::bulk("v2"));
    assert_eq!(get(0, &["SCARD", "set"]), Reply::Integer(3));
    assert_eq!(get(0, &["ZSCORE", "z", "one"]), Reply::Double(1.0));
    assert_eq!(get(0, &["EXISTS", "new"]), Reply::Integer(0));
    assert_eq!(get(0, &["GET", "fill:7"]), Reply::bulk("7"));
    assert_eq!(get(3, &["GET", "other"]), Reply::bulk("db3"));
    assert_eq!(copy.keyspace_sizes()[0], (10_007, 3));
    // The live store went on: its own snapshot has the new data.
    let now = Store::load_snapshot_with(
        Store::builder().clock(clock.clone()),
        &mut &store.snapshot_to_vec()[..],
    )
    .unwrap();
    assert_eq!(
        now.db(5).get("s").unwrap().as_deref(),
        Some(&b"changed"[..])
    );
    assert_eq!(now.keyspace_sizes()[0], (0, 0));
}

#[test]
fn a_frozen_store_leaves_out_keys_expired_at_its_instant() {
    let clock = ManualClock::new(NOW);
    let store = every_type(&clock);
    clock.advance_ms(500);
    // "ttl" has expired but is still in memory (no access, no purge).
    assert_eq!(store.keyspace_sizes()[0].0, 10_007);
    let frozen = store.freeze();
    clock.advance_ms(1_000_000);
    let copy = Store::load_snapshot_with(
        Store::builder().clock(ManualClock::new(NOW)),
        &mut &frozen.snapshot_to_vec()[..],
    )
    .unwrap();
    assert_eq!(copy.keyspace_sizes()[0], (10_006, 2));
    assert_eq!(copy.db(0).get("later").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn a_fork_and_its_store_change_independently() {
    // A fork has the system clock: start this store's clock at the real time.
    let clock = ManualClock::new(Store::new().now_unix_ms());
    let store = every_type(&clock);
    clock.advance_ms(500); // "ttl" expires: not copied.
    let fork = store.fork();
    assert_eq!(fork.keyspace_sizes()[0], (10_006, 2));
    run(&store, 0, &[&["SET", "s", "live"], &["RPUSH", "l", "live"]]);
    run(&fork, 0, &[&["SET", "s", "fork"], &["DEL", "set"]]);
    assert_eq!(store.execute(0, &["GET", "s"]), Reply::bulk("live"));
    assert_eq!(fork.execute(0, &["GET", "s"]), Reply::bulk("fork"));
    assert_eq!(store.execute(0, &["LLEN", "l"]), Reply::Integer(4));
    assert_eq!(fork.execute(0, &["LLEN", "l"]), Reply::Integer(3));
    assert_eq!(store.execute(0, &["EXISTS", "set"]), Reply::Integer(1));
    assert_eq!(fork.execute(0, &["EXISTS", "set"]), Reply::Integer(0));
    // The fork's expiry index was rebuilt: its TTL keys are counted and
    // actively expired.
    assert_eq!(fork.keyspace_sizes()[3], (1, 0));
    assert_eq!(fork.execute(0, &["PERSIST", "later"]), Reply::Integer(1));
    assert_eq!(fork.keyspace_sizes()[0], (10_005, 1));
}
