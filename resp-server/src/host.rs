//! [`ServerHost`]: what the sessions ask of the server (INFO fields, CONFIG,
//! persistence, SHUTDOWN, DEBUG) and the server-wide state behind it.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use embedis::session::{Clients, Host};
use embedis::{Error, FrozenStore, Reply, Store};
use parking_lot::{Mutex, RwLock};
use tokio::sync::watch;

use crate::busy_poll::BusyPoll;
use crate::config::{Config, format_save, parse_busy_poll_us, parse_save};

/// The server's side of every session: configuration, client registry,
/// persistence state, the stop signal.
#[derive(Debug)]
pub struct ServerHost {
    store: Store,
    config: RwLock<Config>,
    clients: Clients,
    started: Instant,
    run_id: String,
    stop: watch::Sender<bool>,
    active_expire: AtomicBool,
    persist: Arc<PersistState>,
    busy_poll: BusyPoll,
}

#[derive(Debug)]
struct PersistState {
    /// Serializes saves (SAVE, BGSAVE, schedule, shutdown).
    saving: Mutex<()>,
    bgsave_in_progress: AtomicBool,
    last_save_unix: AtomicU64,
    last_ok: AtomicBool,
    /// `store.changes()` when the last save started.
    changes_at_save: AtomicU64,
    last_save_started: Mutex<Instant>,
    last_bgsave_secs: AtomicU64,
    /// Longest time the store lock was held by a background save, in µs.
    longest_stall_us: AtomicU64,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Loads the snapshot named by `config`; `Ok(None)` when there is none.
///
/// # Errors
/// A file that exists but cannot be loaded; the file is left untouched.
pub(crate) fn load(config: &Config) -> std::io::Result<Option<Store>> {
    let path = config.snapshot_path();
    let builder = Store::builder().databases(config.databases);
    snap::load(builder, &path).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("Failed loading the snapshot {}: {e}", path.display()),
        )
    })
}

impl ServerHost {
    pub(crate) fn new(store: Store, config: Config, stop: watch::Sender<bool>) -> ServerHost {
        let changes = store.changes();
        let run_id: String = (0..40).map(|_| fastrand_hex()).collect();
        ServerHost {
            store,
            config: RwLock::new(config),
            clients: Clients::default(),
            started: Instant::now(),
            run_id,
            stop,
            active_expire: AtomicBool::new(true),
            persist: Arc::new(PersistState {
                saving: Mutex::new(()),
                bgsave_in_progress: AtomicBool::new(false),
                last_save_unix: AtomicU64::new(unix_now()),
                last_ok: AtomicBool::new(true),
                changes_at_save: AtomicU64::new(changes),
                last_save_started: Mutex::new(Instant::now()),
                last_bgsave_secs: AtomicU64::new(0),
                longest_stall_us: AtomicU64::new(0),
            }),
            busy_poll: BusyPoll::default(),
        }
    }

    /// The event loop's busy polling (`busy-poll-us`).
    pub(crate) fn busy_poll(&self) -> &BusyPoll {
        &self.busy_poll
    }

    /// `busy-poll-us` now.
    pub(crate) fn busy_poll_window(&self) -> Duration {
        Duration::from_micros(self.config.read().busy_poll_us)
    }

    /// The store served.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A copy of the current configuration.
    pub fn config(&self) -> Config {
        self.config.read().clone()
    }

    pub(crate) fn stop_receiver(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Asks [`Server::run`](crate::Server::run) to return.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Writes a script's `redis.log` line to the log (Redis's `scriptLog`):
    /// dropped below `loglevel` (read now, so CONFIG SET applies), then at
    /// the matching `tracing` level: debug and verbose as `debug`, notice as
    /// `info`, warning as `warn`, as the binary maps `--loglevel`.
    pub(crate) fn script_log(&self, level: u8, msg: &str) {
        let verbosity = match self.config.read().loglevel.as_str() {
            "debug" => 0,
            "verbose" => 1,
            "warning" => 3,
            _ => 2,
        };
        if level < verbosity {
            return;
        }
        match level {
            0 | 1 => tracing::debug!("{msg}"),
            2 => tracing::info!("{msg}"),
            _ => tracing::warn!("{msg}"),
        }
    }

    pub(crate) fn active_expire_enabled(&self) -> bool {
        self.active_expire.load(Ordering::Relaxed)
    }

    pub(crate) fn protected_mode_denies(&self, ip: IpAddr) -> bool {
        let c = self.config.read();
        c.protected_mode && c.requirepass.is_none() && !ip.is_loopback()
    }

    /// Longest time a background save held the store lock so far (what
    /// other clients could have waited), for measurements.
    pub fn longest_save_stall(&self) -> Duration {
        Duration::from_micros(self.persist.longest_stall_us.load(Ordering::Relaxed))
    }

    /// Connected clients.
    pub fn clients_connected(&self) -> usize {
        self.clients.len()
    }

    /// Clients blocked in BLPOP and friends.
    pub fn clients_blocked(&self) -> usize {
        self.clients.blocked()
    }

    /// True while a BGSAVE runs.
    pub fn bgsave_in_progress(&self) -> bool {
        self.persist.bgsave_in_progress.load(Ordering::SeqCst)
    }

    /// Saves now, on this thread (SAVE; shutdown).
    fn save_now(&self) -> Result<(), String> {
        let (enabled, path) = {
            let c = self.config.read();
            (c.persistence, c.snapshot_path())
        };
        if !enabled {
            return Err("persistence is not configured".into());
        }
        let _guard = self.persist.saving.lock();
        save_store(&self.store, &path, &self.persist)
    }

    /// Starts a background save; false if one is running.
    fn start_bgsave(&self) -> Result<bool, String> {
        let (enabled, path) = {
            let c = self.config.read();
            (c.persistence, c.snapshot_path())
        };
        if !enabled {
            return Err("persistence is not configured".into());
        }
        if self.persist.bgsave_in_progress.swap(true, Ordering::SeqCst) {
            return Ok(false);
        }
        let persist = self.persist.clone();
        // A point-in-time copy-on-write view under the store lock (the only
        // stall other clients see, O(segments)), then the encoding and the
        // file I/O off the lock. Changes are read first: any made between the
        // two readings are in the file but still count as unsaved.
        let changes = self.store.changes();
        let t = Instant::now();
        let copy = self.store.freeze();
        let stall = t.elapsed();
        persist
            .longest_stall_us
            .fetch_max(stall.as_micros() as u64, Ordering::Relaxed);
        std::thread::Builder::new()
            .name("embedis-bgsave".into())
            .spawn(move || {
                let started = Instant::now();
                let r = {
                    let _guard = persist.saving.lock();
                    save_store_as(&copy, &path, &persist, changes)
                };
                persist
                    .last_bgsave_secs
                    .store(started.elapsed().as_secs(), Ordering::Relaxed);
                match r {
                    Ok(()) => tracing::info!("Background saving terminated with success"),
                    Err(e) => tracing::warn!("Background saving error: {e}"),
                }
                persist.bgsave_in_progress.store(false, Ordering::SeqCst);
            })
            .map_err(|e| e.to_string())?;
        Ok(true)
    }

    /// Called once a second: BGSAVE when a `save` point is reached.
    pub(crate) fn save_schedule_tick(&self) {
        let (enabled, points) = {
            let c = self.config.read();
            (c.persistence, c.save.clone())
        };
        if !enabled || points.is_empty() || self.bgsave_in_progress() {
            return;
        }
        // Skipped while a script is busy: it holds the store lock.
        let Some(changes) = self.store.changes_unless_busy() else {
            return;
        };
        let dirty = changes.saturating_sub(self.persist.changes_at_save.load(Ordering::Relaxed));
        let elapsed = self.persist.last_save_started.lock().elapsed().as_secs();
        if let Some((secs, changes)) = points.iter().find(|(s, c)| dirty >= *c && elapsed >= *s) {
            tracing::info!("{changes} changes in {secs} seconds. Saving...");
            if let Err(e) = self.start_bgsave() {
                tracing::warn!("Background save failed to start: {e}");
            }
        }
    }

    /// The save done on shutdown: `save` as SHUTDOWN's SAVE/NOSAVE, `None`
    /// for "if a save schedule is configured" (Redis's rule).
    pub(crate) fn shutdown_save(&self, save: Option<bool>) -> Result<(), String> {
        let (enabled, scheduled) = {
            let c = self.config.read();
            (c.persistence, !c.save.is_empty())
        };
        let want = save.unwrap_or(scheduled) && enabled;
        if want {
            tracing::info!("Saving the final snapshot before exiting.");
            self.save_now()?;
            tracing::info!("DB saved on disk");
        }
        Ok(())
    }
}

fn fastrand_hex() -> char {
    let n = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0) as usize
        ^ (std::process::id() as usize).rotate_left(7))
    .wrapping_mul(0x9E37_79B9)
    .wrapping_add(NEXT.fetch_add(0x6D2B_79F5, Ordering::Relaxed) as usize);
    b"0123456789abcdef"[(n >> 7) % 16] as char
}

static NEXT: AtomicU64 = AtomicU64::new(0);

fn save_store(store: &Store, path: &Path, persist: &PersistState) -> Result<(), String> {
    let changes = store.changes();
    save_store_as(&store.freeze(), path, persist, changes)
}

fn save_store_as(
    store: &FrozenStore,
    path: &Path,
    persist: &PersistState,
    changes: u64,
) -> Result<(), String> {
    *persist.last_save_started.lock() = Instant::now();
    match snap::save(store, path) {
        Ok(()) => {
            persist.changes_at_save.store(changes, Ordering::Relaxed);
            persist.last_save_unix.store(unix_now(), Ordering::Relaxed);
            persist.last_ok.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => {
            persist.last_ok.store(false, Ordering::Relaxed);
            Err(e.to_string())
        }
    }
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

fn cpu_secs() -> (f64, f64) {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    let after = s.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    // Fields after the command name: state is index 0; utime 11, stime 12.
    (tick(12), tick(11))
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}G", b / 1024.0 / 1024.0 / 1024.0)
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.2}M", b / 1024.0 / 1024.0)
    } else if b >= 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else {
        format!("{bytes}B")
    }
}

impl Host for ServerHost {
    fn clients(&self) -> &Clients {
        &self.clients
    }

    fn requirepass(&self) -> Option<String> {
        self.config.read().requirepass.clone()
    }

    fn info(&self, section: &str, f: &mut Vec<(String, String)>) {
        let mut put = |k: &str, v: String| f.push((k.to_owned(), v));
        let c = self.config.read();
        match section {
            "server" => {
                put(
                    "os",
                    format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
                );
                put("multiplexing_api", "tokio".into());
                put("process_id", std::process::id().to_string());
                put("process_supervised", "no".into());
                put("run_id", self.run_id.clone());
                put("tcp_port", c.port.to_string());
                let up = self.started.elapsed().as_secs();
                put("uptime_in_seconds", up.to_string());
                put("uptime_in_days", (up / 86400).to_string());
                put(
                    "executable",
                    std::env::current_exe()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                );
                put(
                    "config_file",
                    c.config_file
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                );
                put("io_threads_active", "0".into());
            }
            "clients" => {
                put("maxclients", "10000".into());
            }
            "memory" => {
                let rss = rss_bytes();
                put("used_memory", rss.to_string());
                put("used_memory_human", human(rss));
                put("used_memory_rss", rss.to_string());
                put("used_memory_rss_human", human(rss));
                put("maxmemory", "0".into());
                put("maxmemory_human", "0B".into());
                put("maxmemory_policy", "noeviction".into());
                put("mem_allocator", "libc".into());
            }
            "persistence" => {
                let p = &self.persist;
                put("loading", "0".into());
                put("async_loading", "0".into());
                put(
                    "rdb_changes_since_last_save",
                    self.store
                        .changes()
                        .saturating_sub(p.changes_at_save.load(Ordering::Relaxed))
                        .to_string(),
                );
                put(
                    "rdb_bgsave_in_progress",
                    (self.bgsave_in_progress() as u8).to_string(),
                );
                put(
                    "rdb_last_save_time",
                    p.last_save_unix.load(Ordering::Relaxed).to_string(),
                );
                put(
                    "rdb_last_bgsave_status",
                    if p.last_ok.load(Ordering::Relaxed) {
                        "ok"
                    } else {
                        "err"
                    }
                    .into(),
                );
                put(
                    "rdb_last_bgsave_time_sec",
                    p.last_bgsave_secs.load(Ordering::Relaxed).to_string(),
                );
                put("aof_enabled", "0".into());
                put("aof_rewrite_in_progress", "0".into());
            }
            "stats" => {
                put("instantaneous_ops_per_sec", "0".into());
                put("rejected_connections", "0".into());
                put("keyspace_hits", "0".into());
                put("keyspace_misses", "0".into());
                put(
                    "pubsub_channels",
                    self.store.pubsub_channels(None).len().to_string(),
                );
                put("pubsub_patterns", self.store.pubsub_numpat().to_string());
            }
            "cpu" => {
                let (sys, user) = cpu_secs();
                put("used_cpu_sys", format!("{sys:.6}"));
                put("used_cpu_user", format!("{user:.6}"));
            }
            _ => {}
        }
    }

    fn config_get(&self, p: &mut Vec<(String, String)>) {
        let c = self.config.read();
        let mut put = |k: &str, v: String| p.push((k.to_owned(), v));
        put("bind", c.bind.join(" "));
        put("port", c.port.to_string());
        put("requirepass", c.requirepass.clone().unwrap_or_default());
        put(
            "protected-mode",
            if c.protected_mode { "yes" } else { "no" }.into(),
        );
        put(
            "dir",
            std::fs::canonicalize(&c.dir)
                .unwrap_or_else(|_| c.dir.clone())
                .display()
                .to_string(),
        );
        put("dbfilename", c.dbfilename.clone());
        put("save", format_save(&c.save));
        put("loglevel", c.loglevel.clone());
        put("io-threads", c.io_threads.to_string());
        put("busy-poll-us", c.busy_poll_us.to_string());
        put("appendonly", "no".into());
        put("maxmemory", "0".into());
        put("maxmemory-policy", "noeviction".into());
        put("timeout", "0".into());
        put("hz", "10".into());
        put("tcp-keepalive", "300".into());
        put("maxclients", "10000".into());
        put("notify-keyspace-events", String::new());
        put("daemonize", "no".into());
        put("cluster-enabled", "no".into());
        let busy = self.store.lua_time_limit().to_string();
        put("lua-time-limit", busy.clone());
        put("busy-reply-threshold", busy);
    }

    fn config_set(&self, name: &str, value: &str) -> Option<embedis::Result<()>> {
        let fail = |why: &str| {
            Err(Error::Reply(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
            )))
        };
        let mut c = self.config.write();
        Some(match name {
            "requirepass" => {
                c.requirepass = (!value.is_empty()).then(|| value.to_owned());
                Ok(())
            }
            "protected-mode" => match value.to_ascii_lowercase().as_str() {
                "yes" => {
                    c.protected_mode = true;
                    Ok(())
                }
                "no" => {
                    c.protected_mode = false;
                    Ok(())
                }
                _ => fail("argument must be 'yes' or 'no'"),
            },
            "save" => match parse_save(value) {
                Ok(s) => {
                    c.save = s;
                    Ok(())
                }
                Err(e) => fail(&e.message),
            },
            "dir" => {
                if !Path::new(value).is_dir() {
                    return Some(fail("No such file or directory"));
                }
                c.dir = value.into();
                Ok(())
            }
            "dbfilename" => {
                if value.contains('/') {
                    return Some(fail("dbfilename can't be a path, just a filename"));
                }
                c.dbfilename = value.into();
                Ok(())
            }
            "busy-poll-us" => match parse_busy_poll_us(value) {
                Ok(us) => {
                    c.busy_poll_us = us;
                    Ok(())
                }
                Err(e) => fail(&e.message),
            },
            "loglevel" => {
                if !matches!(value, "debug" | "verbose" | "notice" | "warning") {
                    return Some(fail(
                        "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
                    ));
                }
                c.loglevel = value.into();
                Ok(())
            }
            "appendonly" => match value {
                "no" => Ok(()),
                _ => fail("appendonly is not supported by embedis"),
            },
            // Accepted for compatibility and not acted on, but checked as
            // Redis checks them, so a bad value still fails (e.g. inside MULTI).
            "maxmemory" => match parse_memory(value) {
                Some(_) => Ok(()),
                None => fail("argument must be a memory value"),
            },
            "maxmemory-policy" => match value.to_ascii_lowercase().as_str() {
                "volatile-lru" | "volatile-lfu" | "volatile-random" | "volatile-ttl"
                | "allkeys-lru" | "allkeys-lfu" | "allkeys-random" | "noeviction" => Ok(()),
                _ => fail(
                    "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
                ),
            },
            "timeout" | "hz" | "tcp-keepalive" => match value.parse::<i64>() {
                Ok(n) if (0..=i64::from(i32::MAX)).contains(&n) => Ok(()),
                Ok(_) => fail("argument must be between 0 and 2147483647 inclusive"),
                Err(_) => fail("argument couldn't be parsed into an integer"),
            },
            "lua-time-limit" | "busy-reply-threshold" => match value.parse::<i64>() {
                Ok(ms) if (0..=i64::MAX).contains(&ms) => {
                    self.store.set_lua_time_limit(ms as u64);
                    Ok(())
                }
                Ok(_) => fail("argument must be between 0 and 9223372036854775807 inclusive"),
                Err(_) => fail("argument couldn't be parsed into an integer"),
            },
            "maxclients" => match value.parse::<i64>() {
                Ok(n) if (1..=i64::from(u32::MAX)).contains(&n) => Ok(()),
                Ok(_) => fail("argument must be between 1 and 4294967295 inclusive"),
                Err(_) => fail("argument couldn't be parsed into an integer"),
            },
            "notify-keyspace-events" => {
                if value.chars().all(|c| "Ag$lshzxeKEtmdn".contains(c)) {
                    Ok(())
                } else {
                    fail("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
                }
            }
            "port" | "bind" | "daemonize" | "cluster-enabled" => fail("can't set immutable config"),
            _ => return None,
        })
    }

    fn config_rewrite(&self) -> embedis::Result<()> {
        Err(Error::Static(
            "ERR The server is running without a config file",
        ))
    }

    fn save(&self) -> embedis::Result<()> {
        if self.bgsave_in_progress() {
            return Err(Error::Static("ERR Background save already in progress"));
        }
        self.save_now().map_err(|e| {
            tracing::warn!("SAVE failed: {e}");
            Error::Reply(format!("ERR {e}"))
        })
    }

    fn bgsave(&self, schedule: bool) -> embedis::Result<Reply> {
        match self.start_bgsave() {
            Ok(true) => Ok(Reply::simple("Background saving started")),
            Ok(false) if schedule => Ok(Reply::simple("Background saving scheduled")),
            Ok(false) => Err(Error::Static("ERR Background save already in progress")),
            Err(e) => Err(Error::Reply(format!("ERR {e}"))),
        }
    }

    fn lastsave(&self) -> i64 {
        self.persist.last_save_unix.load(Ordering::Relaxed) as i64
    }

    fn shutdown(&self, save: Option<bool>) -> embedis::Result<()> {
        tracing::info!("User requested shutdown...");
        if let Err(e) = self.shutdown_save(save) {
            tracing::warn!("Error trying to save the DB, can't exit: {e}");
            return Err(Error::Static("ERR Errors trying to SHUTDOWN. Check logs."));
        }
        self.stop();
        Ok(())
    }

    fn debug(&self, argv: &[Bytes]) -> Option<Reply> {
        let sub = argv[0].to_ascii_lowercase();
        Some(match (&sub[..], argv.len()) {
            (b"sleep", 2) => {
                let d = embedis_sleep(&argv[1]);
                std::thread::sleep(d);
                Reply::OK
            }
            (b"set-active-expire", 2) => {
                self.active_expire
                    .store(&argv[1][..] != b"0", Ordering::Relaxed);
                Reply::OK
            }
            (b"reload", _) => {
                let path = self.config.read().snapshot_path();
                if let Err(e) = self.save_now() {
                    return Some(Reply::Error(Error::Reply(format!(
                        "ERR Error trying to save: {e}"
                    ))));
                }
                let loaded = std::fs::File::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|f| snap::replace(&self.store, f));
                match loaded {
                    Ok(()) => Reply::OK,
                    Err(e) => Reply::Error(Error::Reply(format!("ERR Error trying to load: {e}"))),
                }
            }
            (
                b"jmap"
                | b"change-repl-id"
                | b"quicklist-packed-threshold"
                | b"set-disable-deny-scripts",
                _,
            ) => Reply::OK,
            _ => return None,
        })
    }
}

fn embedis_sleep(arg: &[u8]) -> Duration {
    std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(Duration::ZERO, Duration::from_secs_f64)
}

/// The snapshot calls, in one place.
mod snap {
    use std::path::Path;

    use embedis::{FrozenStore, Store, StoreBuilder};

    pub(super) fn load(builder: StoreBuilder, path: &Path) -> Result<Option<Store>, String> {
        match Store::load_from_path_with(builder, path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(super) fn save(store: &FrozenStore, path: &Path) -> Result<(), String> {
        store.save_to_path(path).map_err(|e| e.to_string())
    }

    pub(super) fn replace(store: &Store, file: std::fs::File) -> Result<(), String> {
        store
            .replace_from_snapshot(&mut std::io::BufReader::new(file))
            .map_err(|e| e.to_string())
    }
}

/// A Redis memory value (`100`, `1gb`, `5mb`, `10K`): bytes, or `None` when
/// it is not one (Redis's `memtoull`).
fn parse_memory(value: &str) -> Option<u64> {
    let lower = value.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() && unit.is_empty() {
        return Some(0); // Redis takes "" as 0 too
    }
    digits.parse::<u64>().ok()?.checked_mul(mul)
}
