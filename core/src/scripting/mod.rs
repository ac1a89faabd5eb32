//! Lua scripting (Redis `eval.c` / `script_lua.c`): EVAL, EVALSHA, SCRIPT,
//! and the runaway-script machinery that lets other clients get `BUSY` and
//! send `SCRIPT KILL` while a script holds the store lock.
//!
//! # How a script runs
//! EVAL is an ordinary table command: its handler runs under the store lock
//! like any other command, so the whole script is one atomic step and
//! clients blocked on keys it pushed to are served when it ends (the store
//! does that after every command). `redis.call` resolves its arguments
//! through the same table (`store::resolve_any` + the spec's handler, as
//! `Cx::run` does) with blocking disabled; nothing is implemented twice.
//!
//! # Runaway scripts (`lua-time-limit`)
//! A Lua count hook runs every 100 000 instructions and compares the elapsed
//! time with `lua-time-limit` (default 5000 ms, [`Store::set_lua_time_limit`]).
//! Past it, [`Control`] flips to *busy*. The script still holds the store
//! lock, so other callers must not wait on it: [`Store::dispatch`] takes the
//! lock with [`lock_for_command`], which waits in short slices and, once the
//! store is busy, answers `BUSY ...` (or runs `SCRIPT KILL`, which only sets
//! an atomic flag) without ever taking the lock. The hook sees the flag and
//! raises the kill error; a script that already wrote is `UNKILLABLE`, as in
//! Redis. Everything else about the busy state is three atomics.

#[cfg(all(feature = "lua", target_arch = "wasm32"))]
compile_error!(
    "the `lua` feature needs a C toolchain (mlua vendors C Lua) and is not supported on wasm32"
);

#[cfg(feature = "lua")]
mod api;
#[cfg(feature = "lua")]
mod bit;
#[cfg(feature = "lua")]
mod cjson;
#[cfg(feature = "lua")]
mod cmsgpack;
#[cfg(feature = "lua")]
mod convert;
#[cfg(feature = "lua")]
pub(crate) mod engine;
#[cfg(feature = "lua")]
mod structlib;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Runs one level of a recursive walk over Lua data (cjson, cmsgpack,
/// replies) on a stack that grows when needed: Redis allows 1000 levels,
/// more than a 2 MiB thread stack holds in a debug build.
#[cfg(feature = "lua")]
fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}
use std::time::Duration;

use bytes::Bytes;

use crate::command::flags::ALLOW_BUSY;
use crate::store::{Found, State, StateGuard};
use crate::{Db, Error, Reply, Result, Store};

/// Default `lua-time-limit` (Redis `busy-reply-threshold`), in milliseconds.
pub const DEFAULT_LUA_TIME_LIMIT_MS: u64 = 5000;

/// A `redis.log` line: Redis's level (`0` debug, `1` verbose, `2` notice,
/// `3` warning) and the message (the arguments joined by spaces).
pub type ScriptLogger = Arc<dyn Fn(u8, &str) + Send + Sync>;

/// The scripting state of one store: the busy/kill control, readable without
/// the store lock, and the Lua interpreter with its script cache.
pub(crate) struct Scripting {
    pub(crate) control: Arc<Control>,
    /// Created on first use; dropped by SCRIPT FLUSH (Redis resets the
    /// interpreter too). Only locked while the store lock is held.
    #[cfg(feature = "lua")]
    pub(crate) engine: parking_lot::Mutex<Option<engine::Engine>>,
    /// `math.random`'s rand48 state: one per store, kept across SCRIPT FLUSH
    /// (Redis keeps one per process).
    #[cfg(feature = "lua")]
    pub(crate) rand48: Arc<AtomicU64>,
    pub(crate) logger: Arc<parking_lot::RwLock<Option<ScriptLogger>>>,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting {
            control: Arc::new(Control::default()),
            #[cfg(feature = "lua")]
            engine: parking_lot::Mutex::new(None),
            #[cfg(feature = "lua")]
            rand48: engine::new_rand48(),
            logger: Arc::new(parking_lot::RwLock::new(None)),
        }
    }
}

/// What a running script shares with clients that cannot take the lock.
pub(crate) struct Control {
    /// A script is executing (it holds the store lock).
    running: AtomicBool,
    /// It has run past the time limit: other clients get `BUSY`.
    busy: AtomicBool,
    /// SCRIPT KILL was accepted; the hook raises the kill error.
    kill: AtomicBool,
    /// It has called a write command (SCRIPT KILL answers `UNKILLABLE`).
    wrote: AtomicBool,
    /// `lua-time-limit` in ms; 0 disables the busy state (as in Redis).
    time_limit_ms: AtomicU64,
    /// When the running script started, in ms since `epoch`.
    started_ms: AtomicU64,
    epoch: web_time::Instant,
    /// WATCH/UNWATCH work clients sent while the script was busy, for the
    /// script to apply under its lock (see [`WatchOp`]). The mutex also
    /// orders [`Control::defer`] with [`Control::end`].
    deferred: parking_lot::Mutex<Vec<WatchOp>>,
}

/// Keyspace work of a client's WATCH, UNWATCH, DISCARD or EXEC sent while a
/// script is busy. Redis serves such a client between two steps of the
/// script, so a watch it takes there is dirtied by the script's later
/// writes. Here the script holds the store lock, so it applies the work
/// itself, before its next `redis.call` or when it ends: the same point in
/// its run, and the client gets its reply at once instead of waiting.
pub(crate) enum WatchOp {
    /// Watch `key`; the script stores the key's watch version in `version`
    /// (it holds [`UNSET_VERSION`] until then).
    Watch {
        db: usize,
        key: Bytes,
        version: Arc<AtomicU64>,
    },
    /// Drop one watcher of `key`.
    Unwatch { db: usize, key: Bytes },
}

/// What a deferred watch's version holds until the script has applied it.
/// Watch versions count writes from zero, so no watch reaches it.
pub(crate) const UNSET_VERSION: u64 = u64::MAX;

impl Default for Control {
    fn default() -> Self {
        Control {
            running: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            kill: AtomicBool::new(false),
            wrote: AtomicBool::new(false),
            time_limit_ms: AtomicU64::new(DEFAULT_LUA_TIME_LIMIT_MS),
            started_ms: AtomicU64::new(0),
            epoch: web_time::Instant::now(),
            deferred: parking_lot::Mutex::new(Vec::new()),
        }
    }
}

impl Control {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Marks a script as started (called under the store lock).
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    pub(crate) fn begin(&self) {
        self.busy.store(false, Ordering::SeqCst);
        self.kill.store(false, Ordering::SeqCst);
        self.wrote.store(false, Ordering::SeqCst);
        self.started_ms.store(self.now_ms(), Ordering::SeqCst);
        self.running.store(true, Ordering::SeqCst);
    }

    /// Marks the script as finished, before the store lock is released, and
    /// returns the deferred watch work left for it to apply (under the same
    /// mutex as [`Control::defer`], so none is handed over after this).
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    #[must_use]
    pub(crate) fn end(&self) -> Vec<WatchOp> {
        let mut deferred = self.deferred.lock();
        self.running.store(false, Ordering::SeqCst);
        self.busy.store(false, Ordering::SeqCst);
        self.kill.store(false, Ordering::SeqCst);
        std::mem::take(&mut *deferred)
    }

    /// The deferred watch work clients handed over so far (the script
    /// applies it before its next command).
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    pub(crate) fn take_deferred(&self) -> Vec<WatchOp> {
        std::mem::take(&mut *self.deferred.lock())
    }

    /// Hands `ops` to the running script if it is busy (true; `ops` is left
    /// empty); false when it is not, and the caller takes the lock itself.
    fn defer(&self, ops: &mut Vec<WatchOp>) -> bool {
        let mut deferred = self.deferred.lock();
        if !self.is_busy() {
            return false;
        }
        deferred.append(ops);
        true
    }

    /// Records that the script ran a write command.
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    pub(crate) fn wrote(&self) {
        self.wrote.store(true, Ordering::Relaxed);
    }

    /// True once SCRIPT KILL has been accepted for the running script.
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    pub(crate) fn killed(&self) -> bool {
        self.kill.load(Ordering::SeqCst)
    }

    /// The hook's check (Redis `scriptInterrupt`): enters the busy state past
    /// the time limit, and says whether the script must stop.
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    pub(crate) fn must_stop(&self) -> bool {
        if !self.busy.load(Ordering::SeqCst) {
            let limit = self.time_limit_ms.load(Ordering::Relaxed);
            let elapsed = self
                .now_ms()
                .saturating_sub(self.started_ms.load(Ordering::SeqCst));
            if limit == 0 || elapsed < limit {
                return false;
            }
            self.busy.store(true, Ordering::SeqCst);
        }
        self.kill.load(Ordering::SeqCst)
    }

    /// True while a script runs.
    #[cfg_attr(not(feature = "lua"), allow(dead_code))]
    pub(crate) fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    /// Stops the running script even if it has written: for SHUTDOWN NOSAVE,
    /// after which nothing the script did is kept. True if one was running.
    fn abort(&self) -> bool {
        if !self.running.load(Ordering::SeqCst) {
            return false;
        }
        self.kill.store(true, Ordering::SeqCst);
        true
    }

    /// SCRIPT KILL: `OK` when the running script will stop, `NOTBUSY`,
    /// or `UNKILLABLE` once it has written.
    fn kill(&self) -> Result<()> {
        if !self.running.load(Ordering::SeqCst) {
            return Err(Error::NotBusy);
        }
        if self.wrote.load(Ordering::SeqCst) {
            return Err(Error::Unkillable);
        }
        self.kill.store(true, Ordering::SeqCst);
        Ok(())
    }
}

/// How long a caller waits on the store lock before looking at the busy flag
/// again. Short enough that clients queued behind a runaway script see `BUSY`
/// promptly; long enough to cost nothing in the common case (an uncontended
/// lock is taken at once).
const BUSY_POLL: Duration = Duration::from_millis(5);

/// Takes the store lock for one command from [`Store::dispatch`], or answers
/// without it while a script is busy: `SCRIPT KILL` is served from the
/// atomics, commands flagged `allow-busy` keep waiting, and any other gets
/// `BUSY` (Redis's `processCommand` rule).
pub(crate) fn lock_for_command<'s>(
    store: &'s Store,
    found: &Found<'_>,
) -> std::result::Result<StateGuard<'s>, Reply> {
    let control = &store.shared.scripting.control;
    loop {
        if control.is_busy() {
            if is_script_kill(found) {
                return Err(control.kill().map(|()| Reply::OK).into());
            }
            if found.flags() & ALLOW_BUSY == 0 {
                return Err(Reply::Error(Error::Busy));
            }
        }
        if let Some(st) = store.shared.state.try_lock_for(BUSY_POLL) {
            return Ok(st);
        }
    }
}

/// Takes the store lock unless a script is busy (then `None`), without
/// ever waiting for a busy script: for work that can be skipped, such as
/// the server's active expiry timer.
pub(crate) fn lock_unless_busy(store: &Store) -> Option<StateGuard<'_>> {
    let control = &store.shared.scripting.control;
    loop {
        if control.is_busy() {
            return None;
        }
        if let Some(st) = store.shared.state.try_lock_for(BUSY_POLL) {
            return Some(st);
        }
    }
}

/// Takes the store lock (beginning a step, as [`Store::lock`] does), or,
/// while a script is busy, hands `ops` to it and returns `None` without
/// waiting: for a session's WATCH and UNWATCH work, which Redis accepts
/// while a script is busy (see [`WatchOp`]).
pub(crate) fn lock_or_defer<'s>(
    store: &'s Store,
    ops: &mut Vec<WatchOp>,
) -> Option<StateGuard<'s>> {
    let control = &store.shared.scripting.control;
    loop {
        if control.defer(ops) {
            return None;
        }
        if let Some(mut st) = store.shared.state.try_lock_for(BUSY_POLL) {
            st.begin();
            return Some(st);
        }
    }
}

/// Applies deferred watch work under the store lock (the running script's).
#[cfg_attr(not(feature = "lua"), allow(dead_code))]
pub(crate) fn apply_deferred(state: &mut State, ops: Vec<WatchOp>) {
    for op in ops {
        match op {
            WatchOp::Watch { db, key, version } => {
                let ks = &mut state.dbs[db];
                ks.expire_if_needed(&key);
                version.store(ks.watch(&key), Ordering::SeqCst);
            }
            WatchOp::Unwatch { db, key } => state.dbs[db].unwatch(&key),
        }
    }
}

/// True when the command being run is a script's `redis.call`: a script
/// holds the store lock while it runs, so any command that runs under the
/// lock meanwhile is one of its own.
pub(crate) fn in_script(cx: &crate::command::Cx<'_>) -> bool {
    cx.shared.scripting.control.is_running()
}

fn is_script_kill(found: &Found<'_>) -> bool {
    matches!(found, Found::Builtin(spec, 2) if spec.name == "kill" && spec.group == "scripting")
}

impl Store {
    /// True while a script has run past `lua-time-limit`: other clients get
    /// `BUSY` until it ends or is killed. What a client session checks before
    /// work that takes the store lock without going through
    /// [`Store::dispatch`] (EXEC, for instance).
    pub fn script_busy(&self) -> bool {
        self.shared.scripting.control.is_busy()
    }

    /// Stops the running script, without taking the store lock. Same as
    /// Redis `SCRIPT KILL`: the script ends with
    /// `ERR Script killed by user with SCRIPT KILL...`.
    ///
    /// Unlike `SCRIPT KILL` sent through [`Store::dispatch`] (which, as in
    /// Redis, waits until the script is busy), this stops a script that has
    /// not reached `lua-time-limit` yet too.
    ///
    /// # Errors
    /// [`Error::NotBusy`] when no script runs; [`Error::Unkillable`] when it
    /// has already run a write command.
    ///
    /// Redis: <https://redis.io/commands/script-kill/>
    pub fn script_kill(&self) -> Result<()> {
        self.shared.scripting.control.kill()
    }

    /// The same as [`Store::changes`], but `None` instead of waiting while a
    /// script is busy (it holds the store lock): for a server's timers, such
    /// as the `save` schedule, which must not stall behind a runaway script.
    pub fn changes_unless_busy(&self) -> Option<u64> {
        lock_unless_busy(self).map(|st| st.dbs.iter().map(|d| d.dirty).sum())
    }

    /// Stops the running script, busy or not, even one that has written (which
    /// SCRIPT KILL refuses with `UNKILLABLE`): what SHUTDOWN NOSAVE does, as
    /// Redis exits there and then. Its writes so far stay in the store.
    /// Returns true if a script was running. Without the store lock.
    pub fn script_abort(&self) -> bool {
        self.shared.scripting.control.abort()
    }

    /// Sets `lua-time-limit` (Redis's `busy-reply-threshold`), in
    /// milliseconds: how long a script runs before other clients get `BUSY`
    /// and SCRIPT KILL may stop it. `0` disables it. Default 5000. What
    /// `CONFIG SET lua-time-limit` calls.
    pub fn set_lua_time_limit(&self, ms: u64) {
        self.shared
            .scripting
            .control
            .time_limit_ms
            .store(ms, Ordering::Relaxed);
    }

    /// The current `lua-time-limit`, in milliseconds (`CONFIG GET`).
    pub fn lua_time_limit(&self) -> u64 {
        self.shared
            .scripting
            .control
            .time_limit_ms
            .load(Ordering::Relaxed)
    }

    /// Where `redis.log` lines go (Redis writes them to its log). By default
    /// they are dropped; the server routes them to its own log.
    pub fn set_script_logger(&self, logger: Option<ScriptLogger>) {
        *self.shared.scripting.logger.write() = logger;
    }

    /// Runs a Lua script in database 0. Same as Redis
    /// `EVAL script numkeys key [key ...] arg [arg ...]`; see [`Db::eval`].
    ///
    /// ```
    /// # #[cfg(feature = "lua")] {
    /// use embedis::{Reply, Store};
    /// let store = Store::new();
    /// let r = store.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", &["n"], &["5"]);
    /// assert_eq!(r, Reply::Integer(5));
    /// # }
    /// ```
    pub fn eval<K: AsRef<[u8]>, A: AsRef<[u8]>>(
        &self,
        script: impl AsRef<[u8]>,
        keys: &[K],
        args: &[A],
    ) -> Reply {
        self.db(0).eval(script, keys, args)
    }

    /// Caches a script without running it and returns its SHA-1 (hex, lower
    /// case), for [`Db::evalsha`]. Same as Redis `SCRIPT LOAD`.
    ///
    /// # Errors
    /// The compile error (`ERR Error compiling script ...`) or a shebang
    /// error, as Redis words them.
    ///
    /// Redis: <https://redis.io/commands/script-load/>
    pub fn script_load(&self, script: impl AsRef<[u8]>) -> Result<String> {
        match self.execute(0, &[&b"SCRIPT"[..], b"LOAD", script.as_ref()]) {
            Reply::Bulk(sha) => Ok(String::from_utf8_lossy(&sha).into_owned()),
            Reply::Error(e) => Err(e),
            other => Err(Error::Reply(format!("ERR unexpected reply {other:?}"))),
        }
    }

    /// For each SHA-1, whether that script is cached. Same as Redis
    /// `SCRIPT EXISTS`.
    ///
    /// Redis: <https://redis.io/commands/script-exists/>
    pub fn script_exists<S: AsRef<[u8]>>(&self, shas: &[S]) -> Result<Vec<bool>> {
        let mut argv: Vec<&[u8]> = vec![b"SCRIPT", b"EXISTS"];
        argv.extend(shas.iter().map(|s| s.as_ref()));
        match self.execute(0, &argv) {
            Reply::Array(items) => Ok(items.into_iter().map(|r| r == Reply::Integer(1)).collect()),
            Reply::Error(e) => Err(e),
            other => Err(Error::Reply(format!("ERR unexpected reply {other:?}"))),
        }
    }

    /// Empties the script cache (and resets the interpreter). Same as Redis
    /// `SCRIPT FLUSH`.
    ///
    /// Redis: <https://redis.io/commands/script-flush/>
    pub fn script_flush(&self) -> Result<()> {
        match self.execute(0, &["SCRIPT", "FLUSH"]) {
            Reply::Error(e) => Err(e),
            _ => Ok(()),
        }
    }
}

impl Db {
    /// Runs a Lua script in this database, atomically. Same as Redis
    /// `EVAL script numkeys key [key ...] arg [arg ...]`: `KEYS` and `ARGV`
    /// are the script's globals, `redis.call` runs commands, and the return
    /// value becomes a reply by Redis's conversion rules (a number is
    /// truncated to an integer, a table to an array up to its first nil,
    /// `{ok=...}` to a status, `{err=...}` to an error).
    ///
    /// Errors come back as [`Reply::Error`] with Redis 7.0's text, e.g.
    /// `ERR user_script:1: boom script: <sha>, on @user_script:1.`. Pass
    /// `&[] as &[&str]` for no keys or no arguments.
    ///
    /// Needs the `lua` feature; without it every script fails with
    /// [`Error::ScriptingUnavailable`].
    ///
    /// ```
    /// # #[cfg(feature = "lua")] {
    /// use embedis::{Reply, Store};
    /// let db = Store::new().db(0);
    /// let r = db.eval("return {KEYS[1], ARGV[1], 3.9}", &["k"], &["a"]);
    /// assert_eq!(r, Reply::Array(vec![Reply::bulk("k"), Reply::bulk("a"), Reply::Integer(3)]));
    /// # }
    /// ```
    ///
    /// Redis: <https://redis.io/commands/eval/>
    pub fn eval<K: AsRef<[u8]>, A: AsRef<[u8]>>(
        &self,
        script: impl AsRef<[u8]>,
        keys: &[K],
        args: &[A],
    ) -> Reply {
        self.eval_generic(b"EVAL", script.as_ref(), keys, args)
    }

    /// [`Db::eval`] of a script refused write commands. Same as Redis `EVAL_RO`.
    ///
    /// Redis: <https://redis.io/commands/eval_ro/>
    pub fn eval_ro<K: AsRef<[u8]>, A: AsRef<[u8]>>(
        &self,
        script: impl AsRef<[u8]>,
        keys: &[K],
        args: &[A],
    ) -> Reply {
        self.eval_generic(b"EVAL_RO", script.as_ref(), keys, args)
    }

    /// Runs a cached script by its SHA-1 ([`Store::script_load`]). Same as
    /// Redis `EVALSHA`; `NOSCRIPT No matching script. Please use EVAL.` when
    /// it is not cached.
    ///
    /// Redis: <https://redis.io/commands/evalsha/>
    pub fn evalsha<K: AsRef<[u8]>, A: AsRef<[u8]>>(
        &self,
        sha1: impl AsRef<[u8]>,
        keys: &[K],
        args: &[A],
    ) -> Reply {
        self.eval_generic(b"EVALSHA", sha1.as_ref(), keys, args)
    }

    /// [`Db::evalsha`] refusing write commands. Same as Redis `EVALSHA_RO`.
    ///
    /// Redis: <https://redis.io/commands/evalsha_ro/>
    pub fn evalsha_ro<K: AsRef<[u8]>, A: AsRef<[u8]>>(
        &self,
        sha1: impl AsRef<[u8]>,
        keys: &[K],
        args: &[A],
    ) -> Reply {
        self.eval_generic(b"EVALSHA_RO", sha1.as_ref(), keys, args)
    }

    fn eval_generic<K: AsRef<[u8]>, A: AsRef<[u8]>>(
        &self,
        command: &'static [u8],
        script: &[u8],
        keys: &[K],
        args: &[A],
    ) -> Reply {
        let mut argv = Vec::with_capacity(3 + keys.len() + args.len());
        argv.push(Bytes::from_static(command));
        argv.push(Bytes::copy_from_slice(script));
        argv.push(Bytes::from(keys.len().to_string()));
        argv.extend(keys.iter().map(|k| Bytes::copy_from_slice(k.as_ref())));
        argv.extend(args.iter().map(|a| Bytes::copy_from_slice(a.as_ref())));
        match self
            .store
            .dispatch(self.index, crate::Protocol::Resp2, argv)
        {
            crate::Dispatch::Reply(r) => r,
            crate::Dispatch::Blocked(b) => b.wait(),
        }
    }
}
