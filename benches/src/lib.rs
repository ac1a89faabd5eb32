//! Shared pieces of the embedis benchmarks: the data sets, the "floor" (a
//! bare `parking_lot::Mutex<hashbrown::HashMap<..>>` doing the same work as
//! each command), the two-thread driver and the markdown report that turns
//! criterion's estimates into the README's tables.
//!
//! The benchmarks themselves are in `benches/`:
//! - `inprocess`: GET, SET, INCR, LPUSH+LPOP, HSET, HGET, SADD, SISMEMBER,
//!   ZADD, ZRANK, ZRANGE 0 99 through the typed API, through
//!   `Store::execute`, on the floor and on `kevy-embedded`; 1 and 2 threads.
//! - `snapshot`: save and load of mixed keys, and the longest pause a
//!   background save imposes on other clients.
//! - `memory`: bytes per key / member, measured with a counting allocator.
//!
//! Sizes come from the environment so development runs stay small:
//! `EMBEDIS_BENCH_N` (keys and collection members, default 1,000,000).

#![warn(missing_docs)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use hashbrown::{HashMap, HashSet};
use parking_lot::Mutex;

pub mod report;

/// `name` from the environment as a number, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Keys and collection members in the benchmarks (`EMBEDIS_BENCH_N`, default 1M).
pub fn bench_n() -> usize {
    env_usize("EMBEDIS_BENCH_N", 1_000_000)
}

/// The `i`-th key: `key:000042`, 10 bytes for `i < 1_000_000`.
pub fn key(i: usize) -> Vec<u8> {
    format!("key:{i:06}").into_bytes()
}

/// The `i`-th value: `val:000042`, 10 bytes for `i < 1_000_000`.
pub fn value(i: usize) -> Vec<u8> {
    format!("val:{i:06}").into_bytes()
}

/// The `i`-th collection member: `member:000042`.
pub fn member(i: usize) -> Vec<u8> {
    format!("member:{i:06}").into_bytes()
}

/// `n` items made by `f`, for indexing in the measured loops (so formatting
/// is not measured).
pub fn table(n: usize, f: impl Fn(usize) -> Vec<u8>) -> Vec<Vec<u8>> {
    (0..n).map(f).collect()
}

/// Spreads consecutive iterations over the whole table (a large odd stride,
/// so successive accesses miss the cache as real traffic would, and every
/// slot is visited once per `n` iterations when `n` is a power of two).
pub fn spread(i: u64, thread: usize, n: usize) -> usize {
    ((i.wrapping_mul(0x9E37_79B9) as usize) ^ (thread << 20)) % n
}

/// True when `EMBEDIS_BENCH_CLOCK=cpu`: time each benchmark thread by the
/// CPU time it used instead of the wall clock, so a machine busy with other
/// work does not inflate the figures (time spent waiting for a core or for
/// a lock held by a thread that was descheduled is left out).
pub fn cpu_clock() -> bool {
    std::env::var("EMBEDIS_BENCH_CLOCK").is_ok_and(|v| v == "cpu")
}

/// Runs `op(thread, i)` for `i in 0..iters` on each of `threads` threads at
/// once and returns the wall time from the common start to the last finish
/// (with [`cpu_clock`]: the largest CPU time any thread used). With
/// `threads == 1` the loop runs on the calling thread.
pub fn run_threads<F>(threads: usize, iters: u64, op: &F) -> Duration
where
    F: Fn(usize, u64) + Sync,
{
    let cpu = cpu_clock();
    let run = |t: usize| {
        let (wall, cpu_start) = (Instant::now(), cpu.then(cpu_time::ThreadTime::now));
        for i in 0..iters {
            op(t, i);
        }
        (wall.elapsed(), cpu_start.map(|c| c.elapsed()))
    };
    if threads == 1 {
        let (wall, cpu) = run(0);
        return cpu.unwrap_or(wall);
    }
    let barrier = Barrier::new(threads + 1);
    let (start, cpu_times) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, run) = (&barrier, &run);
                s.spawn(move || {
                    barrier.wait();
                    run(t).1
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let cpu: Vec<Option<Duration>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (start, cpu)
    });
    let wall = start.elapsed();
    cpu_times.into_iter().flatten().max().unwrap_or(wall)
}

/// Where criterion writes its results for these benchmarks (and where
/// [`report`] reads them): `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // This crate lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("criterion")
}

/// The floor: the same work as each command on the bare structure Redis's
/// data type maps to, under one `parking_lot::Mutex` around a
/// `hashbrown::HashMap` (strings: exactly `Mutex<HashMap<Vec<u8>, Vec<u8>>>`).
/// No expiry, no types, no WATCH, no replies: what any store must at least do.
pub mod floor {
    use super::*;

    /// `Mutex<HashMap<key, V>>`.
    pub type Floor<V> = Mutex<HashMap<Vec<u8>, V>>;

    /// A new empty floor.
    pub fn new<V>() -> Floor<V> {
        Mutex::new(HashMap::new())
    }

    /// GET: an owned copy of the value, so it outlives the lock as
    /// `Db::get`'s `Bytes` does.
    pub fn get(f: &Floor<Vec<u8>>, key: &[u8]) -> Option<Vec<u8>> {
        f.lock().get(key).cloned()
    }

    /// SET: owned key and value in, old value dropped.
    pub fn set(f: &Floor<Vec<u8>>, key: &[u8], value: &[u8]) {
        f.lock().insert(key.to_vec(), value.to_vec());
    }

    /// INCR: parse the decimal text, add one, store the text.
    pub fn incr(f: &Floor<Vec<u8>>, key: &[u8]) -> i64 {
        let mut m = f.lock();
        let v = m.entry_ref(key).or_insert_with(|| b"0".to_vec());
        let n = std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
            + 1;
        v.clear();
        v.extend_from_slice(n.to_string().as_bytes());
        n
    }

    /// LPUSH one value then LPOP one: a list per key.
    pub fn lpush_lpop(f: &Floor<VecDeque<Vec<u8>>>, key: &[u8], value: &[u8]) -> Option<Vec<u8>> {
        let mut m = f.lock();
        m.entry_ref(key).or_default().push_front(value.to_vec());
        drop(m);
        let mut m = f.lock();
        m.get_mut(key).and_then(|l| l.pop_front())
    }

    /// HSET one field.
    pub fn hset(
        f: &Floor<HashMap<Vec<u8>, Vec<u8>>>,
        key: &[u8],
        field: &[u8],
        value: &[u8],
    ) -> bool {
        let mut m = f.lock();
        m.entry_ref(key)
            .or_default()
            .insert(field.to_vec(), value.to_vec())
            .is_none()
    }

    /// HGET one field, copied out.
    pub fn hget(f: &Floor<HashMap<Vec<u8>, Vec<u8>>>, key: &[u8], field: &[u8]) -> Option<Vec<u8>> {
        f.lock().get(key).and_then(|h| h.get(field).cloned())
    }

    /// SADD one member.
    pub fn sadd(f: &Floor<HashSet<Vec<u8>>>, key: &[u8], member: &[u8]) -> bool {
        let mut m = f.lock();
        let set = m.entry_ref(key).or_default();
        if set.contains(member) {
            false
        } else {
            set.insert(member.to_vec())
        }
    }

    /// SISMEMBER.
    pub fn sismember(f: &Floor<HashSet<Vec<u8>>>, key: &[u8], member: &[u8]) -> bool {
        f.lock().get(key).is_some_and(|s| s.contains(member))
    }

    /// A sorted set on std structures: member → score plus an ordered set of
    /// (score, member). std has no order-statistics tree, so rank is not O(log n)
    /// here and the floor has no ZRANK.
    #[derive(Default)]
    pub struct ZSet {
        scores: HashMap<Vec<u8>, f64>,
        order: std::collections::BTreeSet<(Score, Vec<u8>)>,
    }

    /// An `f64` ordered by `total_cmp` (scores are never NaN here).
    #[derive(Clone, Copy)]
    struct Score(f64);
    impl PartialEq for Score {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other).is_eq()
        }
    }
    impl Eq for Score {}
    impl PartialOrd for Score {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Score {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.total_cmp(&other.0)
        }
    }

    /// ZADD one member (insert or move).
    pub fn zadd(f: &Floor<ZSet>, key: &[u8], score: f64, member: &[u8]) -> bool {
        let mut m = f.lock();
        let z = m.entry_ref(key).or_default();
        match z.scores.get_mut(member) {
            Some(old) => {
                if *old != score {
                    let mut k = z.order.take(&(Score(*old), member.to_vec())).unwrap();
                    k.0 = Score(score);
                    *old = score;
                    z.order.insert(k);
                }
                false
            }
            None => {
                z.scores.insert(member.to_vec(), score);
                z.order.insert((Score(score), member.to_vec()))
            }
        }
    }

    /// ZRANGE key start stop (non-negative indexes), members copied out.
    pub fn zrange(f: &Floor<ZSet>, key: &[u8], start: usize, stop: usize) -> Vec<Vec<u8>> {
        f.lock().get(key).map_or_else(Vec::new, |z| {
            z.order
                .iter()
                .skip(start)
                .take(stop + 1 - start)
                .map(|(_, m)| m.clone())
                .collect()
        })
    }
}
