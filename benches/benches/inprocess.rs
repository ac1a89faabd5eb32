//! In-process throughput: embedis's typed API and `Store::execute` against the
//! floor (a bare locked hash map doing the same work) and `kevy-embedded`,
//! on 1 and 2 threads. Prints a markdown table at the end.
//!
//! With `--bench`, each contender (embedis, the floor, kevy-embedded) loads
//! its data and runs in a process of its own (this binary, started again
//! with `EMBEDIS_BENCH_CONTENDER` set): contenders sharing one process share
//! its heap, and which of them got transparent huge pages, or a heap that
//! the others had fragmented, swung a 1M-key GET by up to 2x from run to
//! run. The first process waits for the others and prints the tables.
//!
//! ```sh
//! cargo bench -p embedis-benches --bench inprocess
//! EMBEDIS_BENCH_N=10000 cargo bench -p embedis-benches --bench inprocess -- --warm-up-time 1 --measurement-time 2 get
//! ```

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput};
use embedis::{Db, Store};
use embedis_benches::floor::{self, Floor};
use embedis_benches::report::{self, cell, markdown, mops, ratio};
use embedis_benches::{bench_n, criterion_dir, key, member, run_threads, spread, table, value};
use hashbrown::{HashMap, HashSet};

const WHO: [&str; 4] = ["embedis-typed", "embedis-execute", "floor", "kevy-embedded"];

/// The contenders, each run in a process of its own: (name, its rows in `WHO`).
const CONTENDERS: [(&str, &[&str]); 3] = [
    ("embedis", &[WHO[0], WHO[1]]),
    ("floor", &[WHO[2]]),
    ("kevy-embedded", &[WHO[3]]),
];

/// The environment variable naming the contender a child process runs.
const CONTENDER_VAR: &str = "EMBEDIS_BENCH_CONTENDER";

/// True if this process loads and runs `who` (one of `WHO`): every
/// contender unless `EMBEDIS_BENCH_CONTENDER` names one.
fn runs(who: &str) -> bool {
    match std::env::var(CONTENDER_VAR) {
        Ok(name) => CONTENDERS
            .iter()
            .any(|(n, rows)| *n == name && rows.contains(&who)),
        Err(_) => true,
    }
}

/// The operations, in table order: (criterion group, README label).
const OPS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("set", "SET"),
    ("incr", "INCR"),
    ("lpush_lpop", "LPUSH + LPOP"),
    ("hset", "HSET"),
    ("hget", "HGET"),
    ("sadd", "SADD"),
    ("sismember", "SISMEMBER"),
    ("zadd", "ZADD"),
    ("zrank", "ZRANK"),
    ("zrange_0_99", "ZRANGE 0 99"),
];

/// Everything the benchmarks read, loaded once.
struct World {
    n: usize,
    keys: Vec<Vec<u8>>,
    values: Vec<Vec<u8>>,
    members: Vec<Vec<u8>>,
    counters: Vec<Vec<u8>>,
    store: Store,
    db: Db,
    f_str: Floor<Vec<u8>>,
    f_list: Floor<VecDeque<Vec<u8>>>,
    f_hash: Floor<HashMap<Vec<u8>, Vec<u8>>>,
    f_set: Floor<HashSet<Vec<u8>>>,
    f_zset: Floor<floor::ZSet>,
    kevy: kevy_embedded::Store,
}

const HASH: &[u8] = b"bench:hash";
const SET: &[u8] = b"bench:set";
const ZSET: &[u8] = b"bench:zset";
/// One list per thread, kept at 100 elements by LPUSH + LPOP pairs.
const LISTS: [&[u8]; 2] = [b"bench:list:0", b"bench:list:1"];

impl World {
    fn load(n: usize) -> World {
        let keys = table(n, key);
        let values = table(n, value);
        let members = table(n, member);
        let counters = table(1000, |i| format!("counter:{i:03}").into_bytes());
        let store = Store::new();
        let db = store.db(0);
        let kevy =
            kevy_embedded::Store::open(kevy_embedded::Config::default().with_ttl_reaper_manual())
                .unwrap();
        let w = World {
            n,
            keys,
            values,
            members,
            counters,
            store,
            db,
            f_str: floor::new(),
            f_list: floor::new(),
            f_hash: floor::new(),
            f_set: floor::new(),
            f_zset: floor::new(),
            kevy,
        };
        let (embedis, floor, kevy) = (runs(WHO[0]), runs(WHO[2]), runs(WHO[3]));
        for i in 0..n {
            let (k, v, m) = (&w.keys[i], &w.values[i], &w.members[i]);
            if embedis {
                w.db.set(k, v).unwrap();
                w.db.sadd(SET, [m]).unwrap();
                w.db.hset(HASH, [(m, v)]).unwrap();
                w.db.zadd(ZSET, [(i as f64, m)]).unwrap();
            }
            if floor {
                floor::set(&w.f_str, k, v);
                floor::hset(&w.f_hash, HASH, m, v);
                floor::sadd(&w.f_set, SET, m);
                floor::zadd(&w.f_zset, ZSET, i as f64, m);
            }
            if kevy {
                w.kevy.set(k, v).unwrap();
                w.kevy.hset(HASH, &[(m, v)]).unwrap();
                w.kevy.sadd(SET, &[m]).unwrap();
                w.kevy.zadd(ZSET, &[(i as f64, m)]).unwrap();
            }
        }
        for list in LISTS {
            for v in &w.values[..100.min(n)] {
                if floor {
                    w.f_list
                        .lock()
                        .entry_ref(list)
                        .or_default()
                        .push_front(v.clone());
                }
                if kevy {
                    w.kevy.lpush(list, &[v]).unwrap();
                }
                if embedis {
                    w.db.lpush(list, [v]).unwrap();
                }
            }
        }
        // Every contender holds the same data (so no row measures misses).
        for i in [0, n / 2, n - 1] {
            let (k, v, m) = (&w.keys[i], &w.values[i], &w.members[i]);
            if embedis {
                assert_eq!(w.db.get(k).unwrap().as_deref(), Some(&v[..]));
                assert!(w.db.sismember(SET, m).unwrap());
                assert_eq!(w.db.zscore(ZSET, m).unwrap(), Some(i as f64));
            }
            if floor {
                assert_eq!(floor::get(&w.f_str, k).as_deref(), Some(&v[..]));
                assert!(floor::sismember(&w.f_set, SET, m));
            }
            if kevy {
                assert_eq!(w.kevy.get(k).unwrap().as_deref(), Some(&v[..]));
                assert!(w.kevy.with(|s| s.sismember(SET, m)).unwrap());
            }
        }
        w
    }
}

/// Benchmarks `op` as `group/who/{threads}t` for each thread count.
fn bench<F>(c: &mut Criterion, group: &str, who: &str, op: F)
where
    F: Fn(usize, u64) + Sync,
{
    if !runs(who) {
        return;
    }
    let mut g = c.benchmark_group(group);
    for threads in thread_counts() {
        g.throughput(Throughput::Elements(threads as u64));
        g.bench_function(BenchmarkId::new(who, format!("{threads}t")), |b| {
            b.iter_custom(|iters| run_threads(threads, iters, &op))
        });
    }
    g.finish();
}

/// `EMBEDIS_BENCH_THREADS`, default `1,2`.
fn thread_counts() -> Vec<usize> {
    std::env::var("EMBEDIS_BENCH_THREADS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

fn strings(c: &mut Criterion, w: &World) {
    let n = w.n;
    let (keys, values) = (&w.keys, &w.values);

    bench(c, "get", WHO[0], |t, i| {
        black_box(w.db.get(&keys[spread(i, t, n)]).unwrap());
    });
    bench(c, "get", WHO[1], |t, i| {
        black_box(w.store.execute(0, &[&b"GET"[..], &keys[spread(i, t, n)]]));
    });
    bench(c, "get", WHO[2], |t, i| {
        black_box(floor::get(&w.f_str, &keys[spread(i, t, n)]));
    });
    bench(c, "get", WHO[3], |t, i| {
        black_box(w.kevy.get(&keys[spread(i, t, n)]).unwrap());
    });

    bench(c, "set", WHO[0], |t, i| {
        let k = spread(i, t, n);
        w.db.set(&keys[k], &values[k]).unwrap();
    });
    bench(c, "set", WHO[1], |t, i| {
        let k = spread(i, t, n);
        black_box(w.store.execute(0, &[&b"SET"[..], &keys[k], &values[k]]));
    });
    bench(c, "set", WHO[2], |t, i| {
        let k = spread(i, t, n);
        floor::set(&w.f_str, &keys[k], &values[k]);
    });
    bench(c, "set", WHO[3], |t, i| {
        let k = spread(i, t, n);
        black_box(w.kevy.set(&keys[k], &values[k]).unwrap());
    });

    let counters = &w.counters;
    let m = counters.len();
    bench(c, "incr", WHO[0], |t, i| {
        black_box(w.db.incr(&counters[spread(i, t, m)]).unwrap());
    });
    bench(c, "incr", WHO[1], |t, i| {
        black_box(
            w.store
                .execute(0, &[&b"INCR"[..], &counters[spread(i, t, m)]]),
        );
    });
    bench(c, "incr", WHO[2], |t, i| {
        black_box(floor::incr(&w.f_str, &counters[spread(i, t, m)]));
    });
    bench(c, "incr", WHO[3], |t, i| {
        black_box(w.kevy.incr(&counters[spread(i, t, m)]).unwrap());
    });
}

fn lists(c: &mut Criterion, w: &World) {
    let values = &w.values;
    bench(c, "lpush_lpop", WHO[0], |t, i| {
        let v = &values[spread(i, t, 100.min(w.n))];
        w.db.lpush(LISTS[t % 2], [v]).unwrap();
        black_box(w.db.lpop(LISTS[t % 2]).unwrap());
    });
    bench(c, "lpush_lpop", WHO[1], |t, i| {
        let v = &values[spread(i, t, 100.min(w.n))];
        black_box(w.store.execute(0, &[&b"LPUSH"[..], LISTS[t % 2], v]));
        black_box(w.store.execute(0, &[&b"LPOP"[..], LISTS[t % 2]]));
    });
    bench(c, "lpush_lpop", WHO[2], |t, i| {
        let v = &values[spread(i, t, 100.min(w.n))];
        black_box(floor::lpush_lpop(&w.f_list, LISTS[t % 2], v));
    });
    bench(c, "lpush_lpop", WHO[3], |t, i| {
        let v = &values[spread(i, t, 100.min(w.n))];
        w.kevy.lpush(LISTS[t % 2], &[v]).unwrap();
        black_box(w.kevy.lpop(LISTS[t % 2], 1).unwrap());
    });
}

fn hashes(c: &mut Criterion, w: &World) {
    let (n, members, values) = (w.n, &w.members, &w.values);
    bench(c, "hset", WHO[0], |t, i| {
        let k = spread(i, t, n);
        black_box(w.db.hset(HASH, [(&members[k], &values[k])]).unwrap());
    });
    bench(c, "hset", WHO[1], |t, i| {
        let k = spread(i, t, n);
        black_box(
            w.store
                .execute(0, &[&b"HSET"[..], HASH, &members[k], &values[k]]),
        );
    });
    bench(c, "hget", WHO[0], |t, i| {
        black_box(w.db.hget(HASH, &members[spread(i, t, n)]).unwrap());
    });
    bench(c, "hget", WHO[1], |t, i| {
        black_box(
            w.store
                .execute(0, &[&b"HGET"[..], HASH, &members[spread(i, t, n)]]),
        );
    });
    bench(c, "hset", WHO[2], |t, i| {
        let k = spread(i, t, n);
        black_box(floor::hset(&w.f_hash, HASH, &members[k], &values[k]));
    });
    bench(c, "hset", WHO[3], |t, i| {
        let k = spread(i, t, n);
        black_box(w.kevy.hset(HASH, &[(&members[k], &values[k])]).unwrap());
    });
    bench(c, "hget", WHO[2], |t, i| {
        black_box(floor::hget(&w.f_hash, HASH, &members[spread(i, t, n)]));
    });
    bench(c, "hget", WHO[3], |t, i| {
        black_box(w.kevy.hget(HASH, &members[spread(i, t, n)]).unwrap());
    });
}

fn sets(c: &mut Criterion, w: &World) {
    let (n, members) = (w.n, &w.members);
    bench(c, "sadd", WHO[0], |t, i| {
        black_box(w.db.sadd(SET, [&members[spread(i, t, n)]]).unwrap());
    });
    bench(c, "sadd", WHO[1], |t, i| {
        black_box(
            w.store
                .execute(0, &[&b"SADD"[..], SET, &members[spread(i, t, n)]]),
        );
    });
    bench(c, "sismember", WHO[0], |t, i| {
        black_box(w.db.sismember(SET, &members[spread(i, t, n)]).unwrap());
    });
    bench(c, "sismember", WHO[1], |t, i| {
        black_box(
            w.store
                .execute(0, &[&b"SISMEMBER"[..], SET, &members[spread(i, t, n)]]),
        );
    });
    bench(c, "sadd", WHO[2], |t, i| {
        black_box(floor::sadd(&w.f_set, SET, &members[spread(i, t, n)]));
    });
    bench(c, "sadd", WHO[3], |t, i| {
        black_box(w.kevy.sadd(SET, &[&members[spread(i, t, n)]]).unwrap());
    });
    bench(c, "sismember", WHO[2], |t, i| {
        black_box(floor::sismember(&w.f_set, SET, &members[spread(i, t, n)]));
    });
    bench(c, "sismember", WHO[3], |t, i| {
        let m = &members[spread(i, t, n)];
        black_box(w.kevy.with(|s| s.sismember(SET, m)).unwrap());
    });
}

/// The index of the new score of ZADD's `i`-th update (the score is
/// `index + 0.5`): members move across the whole set.
fn zscore(i: u64, t: usize, n: usize) -> usize {
    spread(i.wrapping_add(7), t, n)
}

fn zsets(c: &mut Criterion, w: &World) {
    let (n, members) = (w.n, &w.members);
    // Scores as a client sends them, formatted before the clock starts.
    let scores = table(n, |j| format!("{j}.5").into_bytes());
    let score = |j: usize| j as f64 + 0.5;
    bench(c, "zadd", WHO[0], |t, i| {
        let (k, s) = (spread(i, t, n), score(zscore(i, t, n)));
        black_box(w.db.zadd(ZSET, [(s, &members[k])]).unwrap());
    });
    bench(c, "zadd", WHO[1], |t, i| {
        let (k, s) = (spread(i, t, n), &scores[zscore(i, t, n)]);
        black_box(w.store.execute(0, &[&b"ZADD"[..], ZSET, s, &members[k]]));
    });
    bench(c, "zadd", WHO[2], |t, i| {
        let (k, s) = (spread(i, t, n), score(zscore(i, t, n)));
        black_box(floor::zadd(&w.f_zset, ZSET, s, &members[k]));
    });
    bench(c, "zadd", WHO[3], |t, i| {
        let (k, s) = (spread(i, t, n), score(zscore(i, t, n)));
        black_box(w.kevy.zadd(ZSET, &[(s, &members[k])]).unwrap());
    });
    bench(c, "zrank", WHO[0], |t, i| {
        black_box(w.db.zrank(ZSET, &members[spread(i, t, n)]).unwrap());
    });
    bench(c, "zrank", WHO[1], |t, i| {
        let m = &members[spread(i, t, n)];
        black_box(w.store.execute(0, &[&b"ZRANK"[..], ZSET, m]));
    });
    // The floor has no O(log n) rank (std has no order-statistics tree).
    bench(c, "zrank", WHO[3], |t, i| {
        let m = &members[spread(i, t, n)];
        black_box(w.kevy.with(|s| s.zrank(ZSET, m)).unwrap());
    });
    bench(c, "zrange_0_99", WHO[0], |_, _| {
        black_box(w.db.zrange(ZSET, 0, 99).unwrap());
    });
    bench(c, "zrange_0_99", WHO[1], |_, _| {
        black_box(w.store.execute(0, &[&b"ZRANGE"[..], ZSET, b"0", b"99"]));
    });
    bench(c, "zrange_0_99", WHO[2], |_, _| {
        black_box(floor::zrange(&w.f_zset, ZSET, 0, 99));
    });
    bench(c, "zrange_0_99", WHO[3], |_, _| {
        black_box(w.kevy.with(|s| s.zrange(ZSET, 0, 99)).unwrap());
    });
}

/// The README table for `threads`: Mops/s per contender and two ratios.
fn table_for(threads: usize, since: SystemTime) -> String {
    let root = criterion_dir();
    let param = format!("{threads}t");
    let mut rows = Vec::new();
    for (group, label) in OPS {
        let t: Vec<Option<f64>> = WHO
            .iter()
            .map(|who| {
                report::median_ns(&root, since, group, who, &param)
                    .map(|ns| mops(ns, threads as f64))
            })
            .collect();
        if t.iter().all(Option::is_none) {
            continue;
        }
        rows.push(vec![
            label.to_string(),
            cell(t[0], 2),
            cell(t[1], 2),
            cell(t[2], 2),
            cell(t[3], 2),
            // Time ratio typed / floor = throughput floor / typed.
            ratio(t[2], t[0]),
            ratio(t[0], t[3]),
        ]);
    }
    markdown(
        &[
            &format!(
                "{threads} thread{} (Mops/s)",
                if threads == 1 { "" } else { "s" }
            ),
            "embedis typed",
            "embedis `execute`",
            "floor",
            "kevy-embedded",
            "typed time ÷ floor",
            "typed ÷ kevy",
        ],
        &rows,
    )
}

fn main() {
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let since = SystemTime::now();
    if bench_mode && std::env::var_os(CONTENDER_VAR).is_none() {
        // One process per contender (see the module docs), then the tables.
        let me = std::env::current_exe().expect("the benchmark binary's path");
        for (name, _) in CONTENDERS {
            let status = std::process::Command::new(&me)
                .args(std::env::args_os().skip(1))
                .env(CONTENDER_VAR, name)
                .status()
                .expect("starting a contender's benchmark process");
            assert!(status.success(), "{name}'s benchmarks failed: {status}");
        }
        print_tables(since, bench_n());
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .output_directory(&criterion_dir())
        .configure_from_args();
    // `cargo test --benches` runs each benchmark once: keep that quick.
    let n = if bench_mode { bench_n() } else { 1000 };
    let who = std::env::var(CONTENDER_VAR).unwrap_or_else(|_| "every contender".into());
    eprintln!("{who}: loading {n} keys and {n}-member hash, set and sorted set ...");
    let w = World::load(n);
    strings(&mut c, &w);
    lists(&mut c, &w);
    hashes(&mut c, &w);
    sets(&mut c, &w);
    zsets(&mut c, &w);
    c.final_summary();
    if !bench_mode {
        print_tables(since, n);
    }
}

/// The README tables of the results written since `since`, for `n` keys.
fn print_tables(since: SystemTime, n: usize) {
    let clock = if embedis_benches::cpu_clock() {
        "per-thread CPU time"
    } else {
        "wall clock"
    };
    println!(
        "\n### In-process throughput ({n} keys / members; timed by {clock}; each contender in a process of its own)\n"
    );
    println!("{}\n", report::machine_line());
    for threads in thread_counts() {
        println!("{}", table_for(threads, since));
    }
}
