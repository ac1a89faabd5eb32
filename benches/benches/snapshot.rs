//! Snapshot speed and the pause a save imposes on other clients.
//!
//! - `snapshot/save` and `snapshot/load`: `Store::save_snapshot` into memory
//!   and `Store::from_snapshot_bytes` of `N` mixed keys (a fifth each of
//!   strings, 5-element lists, 5-field hashes, 5-member sets and 5-member
//!   sorted sets), reported as MB/s and keys/s.
//! - `snapshot/freeze` and `snapshot/fork`: `Store::freeze` (what BGSAVE
//!   does under the store lock: clone the keyspace segments' `Arc`s) and
//!   `Store::fork` (a whole independent store sharing those segments).
//! - The pause: another thread runs GETs (then SETs) back to back while the
//!   store is saved; the longest one is the longest a client waited because
//!   of the save (a save that holds the store lock shows up here; a SET
//!   after a freeze also pays for copying its segment: 1/4096 of the keys).
//!
//! ```sh
//! cargo bench -p embedis-benches --bench snapshot
//! EMBEDIS_BENCH_N=100000 cargo bench -p embedis-benches --bench snapshot -- --warm-up-time 1 --measurement-time 2
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, Throughput};
use embedis::{Reply, Store};
use embedis_benches::report::{self, cell, machine_line, markdown};
use embedis_benches::{bench_n, criterion_dir, key, spread, table};

/// Loads `n` mixed keys; returns how many of each type could be written (a
/// type whose commands the store lacks falls back to strings).
fn populate(store: &Store, n: usize) -> [usize; 5] {
    let mut counts = [0; 5];
    let keys = table(n, key);
    for (i, k) in keys.iter().enumerate() {
        let kind = i % 5;
        let e = |j: usize| format!("e{j}:{i:06}");
        let reply = match kind {
            1 => store.execute(
                0,
                &[
                    &b"RPUSH"[..],
                    k,
                    e(0).as_bytes(),
                    e(1).as_bytes(),
                    e(2).as_bytes(),
                    e(3).as_bytes(),
                    e(4).as_bytes(),
                ],
            ),
            2 => {
                let argv: Vec<Vec<u8>> = [b"HSET".to_vec(), k.clone()]
                    .into_iter()
                    .chain((0..5).flat_map(|j| [format!("f{j}").into_bytes(), e(j).into_bytes()]))
                    .collect();
                store.execute(0, &argv)
            }
            3 => store.execute(
                0,
                &[
                    &b"SADD"[..],
                    k,
                    e(0).as_bytes(),
                    e(1).as_bytes(),
                    e(2).as_bytes(),
                    e(3).as_bytes(),
                    e(4).as_bytes(),
                ],
            ),
            4 => {
                let argv: Vec<Vec<u8>> = [b"ZADD".to_vec(), k.clone()]
                    .into_iter()
                    .chain((0..5).flat_map(|j| [j.to_string().into_bytes(), e(j).into_bytes()]))
                    .collect();
                store.execute(0, &argv)
            }
            _ => Reply::Error(embedis::Error::Syntax),
        };
        if matches!(reply, Reply::Error(_)) {
            store.db(0).set(k, format!("val:{i:06}")).unwrap();
            counts[0] += 1;
        } else {
            counts[kind] += 1;
        }
    }
    counts
}

/// The longest GET another thread saw while `save` ran `rounds` times, and
/// the longest it saw over the same time with nothing else running.
fn longest_pause(
    store: &Store,
    n: usize,
    rounds: usize,
    write: bool,
    save: impl Fn() + Sync,
) -> (Duration, Duration) {
    let db = store.db(0);
    let keys = table(n.min(100_000), key);
    let probe = |stop: &AtomicBool| {
        let mut worst = Duration::ZERO;
        let mut i = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let j = spread(i, 0, keys.len());
            let t = Instant::now();
            if write {
                // Strings only (every fifth key), so the types stay as loaded.
                black_box(db.set(&keys[j / 5 * 5], "v").ok());
            } else {
                black_box(db.get(&keys[j]).ok());
            }
            worst = worst.max(t.elapsed());
            i += 1;
        }
        worst
    };
    let stop = AtomicBool::new(false);
    let (during, took) = std::thread::scope(|s| {
        let h = s.spawn(|| probe(&stop));
        let t = Instant::now();
        for _ in 0..rounds {
            save();
        }
        let took = t.elapsed();
        stop.store(true, Ordering::Relaxed);
        (h.join().unwrap(), took)
    });
    let stop = AtomicBool::new(false);
    let baseline = std::thread::scope(|s| {
        let h = s.spawn(|| probe(&stop));
        std::thread::sleep(took);
        stop.store(true, Ordering::Relaxed);
        h.join().unwrap()
    });
    (during, baseline)
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .sample_size(10)
        .output_directory(&criterion_dir())
        .configure_from_args();
    let since = SystemTime::now();
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let n = if benchmarking { bench_n() } else { 1000 };

    eprintln!("loading {n} mixed keys ...");
    let store = Store::new();
    let counts = populate(&store, n);
    let bytes = store.snapshot_to_vec();
    let len = bytes.len();

    let mut g = c.benchmark_group("snapshot");
    g.throughput(Throughput::Bytes(len as u64));
    let mut buf = Vec::with_capacity(len);
    g.bench_function("save", |b| {
        b.iter(|| {
            buf.clear();
            store.save_snapshot(&mut buf).unwrap();
        })
    });
    g.bench_function("load", |b| {
        b.iter_with_large_drop(|| Store::from_snapshot_bytes(&bytes).unwrap())
    });
    g.finish();
    // BGSAVE freezes the store under its lock (`Store::freeze`), then
    // encodes the frozen copy: the freeze is the pause every other client sees.
    let mut g = c.benchmark_group("snapshot");
    g.bench_function("freeze", |b| b.iter_with_large_drop(|| store.freeze()));
    g.bench_function("fork", |b| b.iter_with_large_drop(|| store.fork()));
    g.finish();
    c.final_summary();

    let rounds = if benchmarking { 3 } else { 1 };
    let (during_save, baseline) = longest_pause(&store, n, rounds, false, || {
        let mut out = Vec::with_capacity(len);
        store.save_snapshot(&mut out).unwrap();
        black_box(out);
    });
    let bgsave = || {
        let copy = store.freeze();
        let mut out = Vec::with_capacity(len);
        copy.save_snapshot(&mut out).unwrap();
        black_box(out);
    };
    let (during_bgsave, _) = longest_pause(&store, n, rounds, false, bgsave);
    let (set_during_bgsave, set_baseline) = longest_pause(&store, n, rounds, true, bgsave);

    let root = criterion_dir();
    let row = |what: &str| {
        let ns = report::median_ns(&root, since, "snapshot", what, "");
        vec![
            what.to_string(),
            cell(ns.map(|ns| ns / 1e6), 0),
            cell(ns.map(|ns| len as f64 / ns * 1e3), 0),
            cell(ns.map(|ns| n as f64 / ns * 1e3), 2),
        ]
    };
    println!(
        "\n### Snapshot ({n} keys: {} strings, {} lists, {} hashes, {} sets, {} sorted sets; {:.1} MB)\n",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        len as f64 / 1e6
    );
    println!("{}\n", machine_line());
    println!(
        "{}",
        markdown(
            &["", "time (ms)", "MB/s", "M keys/s"],
            &[row("save"), row("load"), row("freeze"), row("fork")]
        )
    );
    println!(
        "Longest GET on another thread: {:.1} ms during BGSAVE (freeze, then encode the frozen copy), \
         {:.1} ms during SAVE (`save_snapshot`: also a freeze, then encode), {:.2} ms with nothing else running.\n\
         Longest SET on another thread: {:.1} ms during BGSAVE (the first write to a segment copies it), \
         {:.2} ms with nothing else running.",
        during_bgsave.as_secs_f64() * 1e3,
        during_save.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        set_during_bgsave.as_secs_f64() * 1e3,
        set_baseline.as_secs_f64() * 1e3
    );
}
