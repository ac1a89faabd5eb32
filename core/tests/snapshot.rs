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

/// Speed of save and load for 1M small string keys. Run with
/// `cargo test --release -p embedis --test snapshot -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_one_million_keys() {
    const N: u32 = 1_000_000;
    let store = Store::new();
    let db = store.db(0);
    for i in 0..N {
        db.set(format!("key:{i:07}"), format!("value:{i}")).unwrap();
    }
    let report = |what: &str, wall: std::time::Duration, cpu: Option<u64>| {
        let cpu = cpu.map_or(String::new(), |ns| {
            format!(
                ", cpu {} ms ({:.2} M keys/s)",
                ns / 1_000_000,
                f64::from(N) / ns as f64 * 1e3
            )
        });
        println!(
            "{what}: wall {} ms ({:.2} M keys/s){cpu}",
            wall.as_millis(),
            f64::from(N) / wall.as_secs_f64() / 1e6
        );
    };
    let (t, c) = (std::time::Instant::now(), thread_cpu_ns());
    let bytes = store.snapshot_to_vec();
    report(
        "save",
        t.elapsed(),
        thread_cpu_ns().zip(c).map(|(b, a)| b - a),
    );
    let (t, c) = (std::time::Instant::now(), thread_cpu_ns());
    let loaded = Store::from_snapshot_bytes(&bytes).unwrap();
    report(
        "load",
        t.elapsed(),
        thread_cpu_ns().zip(c).map(|(b, a)| b - a),
    );
    println!("{} bytes for {N} keys", bytes.len());
    assert_eq!(loaded.keyspace_sizes()[0].0, N as usize);
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
