//! Memory per key and per collection member, measured with a counting global
//! allocator (bytes the program asked for, still live) and as growth of the
//! resident set (what the allocator really took from the OS). Each case runs
//! in a fresh child process so one case's freed memory does not hide
//! another's growth.
//!
//! ```sh
//! cargo bench -p embedis-benches --bench memory
//! EMBEDIS_BENCH_N=100000 cargo bench -p embedis-benches --bench memory
//! ```
//!
//! Data: `N` string keys of 10 bytes with 10-byte values (`key:000042` →
//! `val:000042`); one hash with `N` fields (`member:000042` → `val:000042`);
//! one set and one sorted set with `N` members.

use std::alloc::System;
use std::hint::black_box;
use std::process::Command;

use embedis::{Reply, Store};
use embedis_benches::floor;
use embedis_benches::report::{cell, machine_line, markdown};
use embedis_benches::{bench_n, key, member, value};
use hashbrown::{HashMap, HashSet};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const DATA: [(&str, &str); 4] = [
    ("strings", "string keys (10 B key, 10 B value)"),
    ("hash", "hash fields (one hash)"),
    ("set", "set members (one set)"),
    ("zset", "sorted set members (one zset)"),
];
const WHO: [&str; 3] = ["embedis", "floor", "kevy-embedded"];

/// Live heap bytes and live allocations, by the counting allocator, plus
/// the bytes of embedis's keyspace arena (mapped from the OS directly on
/// Linux, so the counting allocator does not see them; 0 in the processes
/// that measure the other contenders).
fn live() -> (i64, i64) {
    let s = GLOBAL.stats();
    (
        s.bytes_allocated as i64 - s.bytes_deallocated as i64
            + embedis::keyspace_arena_bytes() as i64,
        s.allocations as i64 - s.deallocations as i64,
    )
}

/// Resident set size in bytes.
fn rss() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Loads `n` items of `data` into `who`, keeping the store alive until the
/// measurement is taken. Returns false when the store lacks the command.
fn load(
    who: &str,
    data: &str,
    n: usize,
    keys: &[Vec<u8>],
    vals: &[Vec<u8>],
) -> Option<Box<dyn std::any::Any>> {
    match (who, data) {
        ("embedis", _) => {
            let store = Store::new();
            let db = store.db(0);
            for i in 0..n {
                let r = match data {
                    "strings" => {
                        db.set(&keys[i], &vals[i]).unwrap();
                        Reply::OK
                    }
                    "hash" => store.execute(0, &[&b"HSET"[..], b"h", &keys[i], &vals[i]]),
                    "set" => store.execute(0, &[&b"SADD"[..], b"s", &keys[i]]),
                    _ => {
                        store.execute(0, &[&b"ZADD"[..], b"z", i.to_string().as_bytes(), &keys[i]])
                    }
                };
                if let Reply::Error(_) = r {
                    return None;
                }
            }
            Some(Box::new(store))
        }
        ("floor", "strings") => {
            let f = floor::new::<Vec<u8>>();
            for i in 0..n {
                floor::set(&f, &keys[i], &vals[i]);
            }
            Some(Box::new(f))
        }
        ("floor", "hash") => {
            let f = floor::new::<HashMap<Vec<u8>, Vec<u8>>>();
            for i in 0..n {
                floor::hset(&f, b"h", &keys[i], &vals[i]);
            }
            Some(Box::new(f))
        }
        ("floor", "set") => {
            let f = floor::new::<HashSet<Vec<u8>>>();
            for k in &keys[..n] {
                floor::sadd(&f, b"s", k);
            }
            Some(Box::new(f))
        }
        ("floor", _) => {
            let f = floor::new::<floor::ZSet>();
            for (i, k) in keys[..n].iter().enumerate() {
                floor::zadd(&f, b"z", i as f64, k);
            }
            Some(Box::new(f))
        }
        (_, _) => {
            let k = kevy_embedded::Store::open(
                kevy_embedded::Config::default().with_ttl_reaper_manual(),
            )
            .unwrap();
            for i in 0..n {
                match data {
                    "strings" => drop(k.set(&keys[i], &vals[i]).unwrap()),
                    "hash" => drop(k.hset(b"h", &[(&keys[i], &vals[i])]).unwrap()),
                    "set" => drop(k.sadd(b"s", &[&keys[i]]).unwrap()),
                    _ => drop(k.zadd(b"z", &[(i as f64, &keys[i])]).unwrap()),
                }
            }
            Some(Box::new(k))
        }
    }
}

/// One case, in this process: prints `bytes allocs rss` per item.
fn child(who: &str, data: &str, n: usize) {
    let keys: Vec<Vec<u8>> = (0..n)
        .map(if data == "strings" { key } else { member })
        .collect();
    let vals: Vec<Vec<u8>> = (0..n).map(value).collect();
    let (b0, a0, r0) = {
        let (b, a) = live();
        (b, a, rss())
    };
    let Some(store) = load(who, data, n, &keys, &vals) else {
        println!("n/a");
        return;
    };
    let (b1, a1, r1) = {
        let (b, a) = live();
        (b, a, rss())
    };
    black_box(&store);
    let n = n as f64;
    println!(
        "{} {} {}",
        (b1 - b0) as f64 / n,
        (a1 - a0) as f64 / n,
        (r1 - r0) as f64 / n
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        child(&args[i + 1], &args[i + 2], args[i + 3].parse().unwrap());
        return;
    }
    // `cargo test --benches` runs this once without `--bench`: keep it small.
    let n = if args.iter().any(|a| a == "--bench") {
        bench_n()
    } else {
        1000
    };
    let exe = std::env::current_exe().unwrap();
    let mut rows = Vec::new();
    for (data, label) in DATA {
        let mut row = vec![label.to_string()];
        for who in WHO {
            let out = Command::new(&exe)
                .args(["--case", who, data, &n.to_string()])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let nums: Vec<f64> = text
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            eprintln!("{who:>14} {data:>8}: {}", text.trim());
            if nums.len() == 3 {
                row.push(format!(
                    "{} / {} ({:.2} allocs)",
                    cell(Some(nums[0]), 0),
                    cell(Some(nums[2]), 0),
                    nums[1]
                ));
            } else {
                row.push("—".into());
            }
        }
        rows.push(row);
    }
    println!("\n### Memory per item ({n} items): heap bytes requested / RSS growth\n");
    println!("{}\n", machine_line());
    println!(
        "{}",
        markdown(
            &["bytes per item", "embedis", "floor", "kevy-embedded"],
            &rows
        )
    );
}
