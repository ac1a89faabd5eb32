//! [`Store`], its builder, database handles ([`Db`]) and the command entry
//! points ([`Store::execute`], [`Store::dispatch`], [`Store::atomically`]).

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;

use crate::blocking::Blocked;
use crate::brlock::{BrLock, BrReadGuard, BrWriteGuard};
use crate::clock::{Clock, SystemClock};
use crate::command::{self, Args, CommandSpec, Cx, KeySpec, Protocol};
use crate::keyspace::{Keyspace, Step};
use crate::pubsub::Hub;
use crate::{Error, Reply, Result};

/// Everything behind the store lock.
pub(crate) struct State {
    pub(crate) dbs: Vec<Keyspace>,
    /// The running step's time and ready flag, shared by `dbs`.
    step: Arc<Step>,
    next_waiter_id: u64,
    /// Commands executed (INFO `total_commands_processed`).
    pub(crate) commands_processed: u64,
}

impl State {
    /// Starts a step (a command, a transaction, a script): its time is read
    /// from the clock when first needed (see [`Step`]).
    #[inline]
    pub(crate) fn begin(&mut self) {
        self.step.begin();
    }

    /// Serves blocked clients on keys written by the step that just ended.
    /// O(1) when no key was signalled (the step's ready flag).
    #[inline]
    fn finish(&mut self) {
        if self.step.take_ready() {
            for db in &mut self.dbs {
                if !db.ready.is_empty() {
                    db.serve_ready();
                }
            }
        }
    }
}

/// The store lock. Every command, transaction and script holds it
/// exclusively ([`StateLock::lock`]); the typed read-only fast paths
/// ([`Db::read_or`]) hold it shared, so reads on several threads run at
/// once, without writing a cache line that another reading thread writes
/// ([`BrLock`]).
pub(crate) struct StateLock(BrLock<State>);

/// The exclusive hold of the store lock.
pub(crate) type StateGuard<'a> = BrWriteGuard<'a, State>;

impl StateLock {
    /// Takes the lock exclusively.
    #[inline]
    pub(crate) fn lock(&self) -> StateGuard<'_> {
        self.0.write()
    }

    /// Takes the lock exclusively, waiting at most `timeout`.
    pub(crate) fn try_lock_for(&self, timeout: Duration) -> Option<StateGuard<'_>> {
        self.0.try_write_for(timeout)
    }

    /// Takes the lock shared: for reads that change nothing, not even an
    /// expired key (see [`Db::read_or`]).
    #[inline]
    fn read(&self) -> BrReadGuard<'_, State> {
        self.0.read()
    }
}

/// What every clone of a [`Store`] shares.
pub(crate) struct Shared {
    pub(crate) state: StateLock,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) hub: Hub,
    custom: HashMap<String, CustomCommand>,
    pub(crate) scripting: crate::scripting::Scripting,
}

/// A command an embedding program adds to the table with
/// [`StoreBuilder::command`]: served to every front door like a built-in.
pub type CustomHandler = Arc<dyn Fn(&mut Cx<'_>, &mut Args) -> Result<Reply> + Send + Sync>;

/// Name, arity, flags and keys of a custom command, in Redis's conventions.
#[derive(Debug, Clone)]
pub struct CustomSpec {
    /// Lower-cased on registration.
    pub name: String,
    /// Redis arity (`n` exact, `-n` at least; the name counts).
    pub arity: i32,
    /// Bit set of [`crate::command::flags`].
    pub flags: u32,
    /// Key positions.
    pub keys: KeySpec,
}

impl CustomSpec {
    /// A custom command named `name` with Redis arity `arity`, no flags, no keys.
    pub fn new(name: impl Into<String>, arity: i32) -> Self {
        CustomSpec {
            name: name.into().to_ascii_lowercase(),
            arity,
            flags: 0,
            keys: KeySpec::NONE,
        }
    }
    /// Sets the flags.
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }
    /// Sets the key positions.
    pub fn keys(mut self, keys: KeySpec) -> Self {
        self.keys = keys;
        self
    }
}

pub(crate) struct CustomCommand {
    pub(crate) spec: CustomSpec,
    handler: CustomHandler,
}

/// A resolved command: built-in (maybe a subcommand) or custom.
pub(crate) enum Found<'s> {
    Builtin(&'static CommandSpec, usize),
    Custom(&'s CustomCommand),
}

impl Found<'_> {
    pub(crate) fn flags(&self) -> u32 {
        match self {
            Found::Builtin(s, _) => s.flags,
            Found::Custom(c) => c.spec.flags,
        }
    }

    pub(crate) fn call(&self, cx: &mut Cx<'_>, argv: Vec<Bytes>) -> Reply {
        match self {
            Found::Builtin(spec, skip) => match spec.handler {
                Some(h) => h(cx, &mut Args::new(argv, *skip)).into(),
                None => Reply::Error(Error::Reply(format!(
                    "ERR '{}' can only be used by a client session",
                    spec.name
                ))),
            },
            Found::Custom(c) => (c.handler)(cx, &mut Args::new(argv, 1)).into(),
        }
    }
}

/// Looks `argv` up among built-ins then custom commands, with arity checks.
pub(crate) fn resolve_any<'s>(shared: &'s Shared, argv: &[Bytes]) -> Result<Found<'s>> {
    let name = argv.first().map(|b| &b[..]).unwrap_or(b"");
    if let Some(spec) = command::lookup(name) {
        let found = command::check_spec(spec, argv)?;
        let skip = if std::ptr::eq(found, spec) { 1 } else { 2 };
        return Ok(Found::Builtin(found, skip));
    }
    if !shared.custom.is_empty() {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        if let Some(c) = shared.custom.get(&lower) {
            let a = c.spec.arity;
            let argc = argv.len();
            if !((a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)) {
                return Err(Error::wrong_arity(c.spec.name.clone()));
            }
            return Ok(Found::Custom(c));
        }
    }
    Err(command::unknown_command(argv))
}

/// The outcome of [`Store::dispatch`]: a reply now, or a blocked command.
#[derive(Debug)]
pub enum Dispatch {
    /// The command completed.
    Reply(Reply),
    /// The command is waiting for data (BLPOP and friends).
    Blocked(Blocked),
}

/// An in-memory, thread-safe Redis store. Cheap to clone: clones share data.
///
/// ```
/// let store = embedis::Store::new();
/// store.db(0).set("greeting", "hello").unwrap();
/// assert_eq!(store.execute(0, &["GET", "greeting"]), embedis::Reply::bulk("hello"));
/// ```
#[derive(Clone)]
pub struct Store {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("databases", &self.databases())
            .finish()
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// A store with 16 databases, the system clock and no background thread.
    pub fn new() -> Store {
        Store::builder().build()
    }

    /// A builder for databases count, clock, active expiry and custom commands.
    pub fn builder() -> StoreBuilder {
        StoreBuilder {
            databases: 16,
            clock: Arc::new(SystemClock),
            custom: HashMap::new(),
            active_expiry: None,
        }
    }

    /// Number of databases (`SELECT 0..n-1`).
    pub fn databases(&self) -> usize {
        self.shared.state.lock().dbs.len()
    }

    /// A handle on database `index` for the typed API.
    ///
    /// # Panics
    /// If `index` is not below [`Store::databases`].
    pub fn db(&self, index: usize) -> Db {
        assert!(index < self.databases(), "DB index is out of range");
        Db {
            store: self.clone(),
            index,
        }
    }

    /// The store's clock reading, unix ms.
    pub fn now_unix_ms(&self) -> i64 {
        self.shared.clock.now_unix_ms()
    }

    /// Locks the state and begins a step.
    #[inline]
    pub(crate) fn lock(&self) -> StateGuard<'_> {
        let mut st = self.shared.state.lock();
        st.begin();
        st
    }

    /// Runs `f` on database `db` as one atomic step, then serves blocked clients.
    #[inline]
    pub(crate) fn with_db<R>(&self, db: usize, f: impl FnOnce(&mut Keyspace) -> R) -> R {
        let mut st = self.lock();
        let r = f(&mut st.dbs[db]);
        st.finish();
        r
    }

    /// Runs `f` on every database as one atomic step (typed methods that
    /// span databases: COPY DB, MOVE, SWAPDB, FLUSHALL), then serves blocked clients.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut st = self.lock();
        let r = f(&mut st);
        st.finish();
        r
    }

    /// Runs any command by name, as a client would, in RESP2 shapes, and
    /// blocks the calling thread if the command blocks (BLPOP ...).
    ///
    /// Errors come back as [`Reply::Error`] with Redis's exact text.
    ///
    /// ```
    /// use embedis::{Reply, Store};
    /// let store = Store::new();
    /// assert_eq!(store.execute(0, &["RPUSH", "l", "a", "b"]), Reply::Integer(2));
    /// assert_eq!(store.execute(0, &["LRANGE", "l", "0", "-1"]), Reply::bulks(["a", "b"]));
    /// ```
    pub fn execute<A: AsRef<[u8]>>(&self, db: usize, argv: &[A]) -> Reply {
        let argv = argv
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_ref()))
            .collect();
        match self.dispatch(db, Protocol::Resp2, argv) {
            Dispatch::Reply(r) => r,
            Dispatch::Blocked(b) => b.wait(),
        }
    }

    /// Runs one command without blocking the thread: a blocking command that
    /// must wait comes back as [`Dispatch::Blocked`]. What the wasm package
    /// and blocking calls use; replies come [`Reply::unpack`]ed (a session,
    /// which encodes them, keeps [`Reply::BulkArray`] as it is).
    pub fn dispatch(&self, db: usize, protocol: Protocol, argv: Vec<Bytes>) -> Dispatch {
        match resolve_any(&self.shared, &argv) {
            Ok(found) => match self.dispatch_found(db, protocol, found, argv) {
                Dispatch::Reply(r) => Dispatch::Reply(r.unpack()),
                blocked => blocked,
            },
            Err(e) => Dispatch::Reply(Reply::Error(e)),
        }
    }

    /// [`Store::dispatch`] for a command already looked up (and arity-checked)
    /// with [`resolve_any`]: a session resolves once for its own checks.
    pub(crate) fn dispatch_found(
        &self,
        db: usize,
        protocol: Protocol,
        found: Found<'_>,
        argv: Vec<Bytes>,
    ) -> Dispatch {
        // Not `self.lock()`: while a script is busy, answer BUSY / SCRIPT KILL
        // without waiting for the lock the script holds (see `scripting`).
        let mut st = match crate::scripting::lock_for_command(self, &found) {
            Ok(st) => st,
            Err(reply) => return Dispatch::Reply(reply),
        };
        st.begin();
        st.commands_processed += 1;
        let mut cx = Cx {
            state: &mut st,
            shared: &self.shared,
            db,
            protocol,
            may_block: true,
            block: None,
        };
        let reply = found.call(&mut cx, argv);
        let block = cx.block.take();
        let out = match block {
            None => Dispatch::Reply(reply),
            Some(req) => {
                st.next_waiter_id += 1;
                let id = st.next_waiter_id;
                let timeout = req.timeout;
                let timeout_reply = req.timeout_reply.clone();
                let slot = st.dbs[db].block(id, req);
                Dispatch::Blocked(Blocked {
                    store: self.clone(),
                    db,
                    id,
                    slot,
                    timeout,
                    timeout_reply: Some(timeout_reply),
                })
            }
        };
        st.finish();
        out
    }

    /// Unregisters waiter `id` of database `db`.
    pub(crate) fn unblock(&self, db: usize, id: u64) {
        self.shared.state.lock().dbs[db].unblock(id);
    }

    /// Runs `f` with no other command interleaving (MULTI/EXEC, scripts).
    /// Blocking commands inside return their timeout reply at once, and
    /// clients blocked on keys written inside are served after `f` returns.
    ///
    /// ```
    /// use embedis::{Reply, Store};
    /// let store = Store::new();
    /// let replies = store.atomically(0, |tx| {
    ///     vec![tx.execute(&["INCR", "n"]), tx.execute(&["INCR", "n"])]
    /// });
    /// assert_eq!(replies, vec![Reply::Integer(1), Reply::Integer(2)]);
    /// ```
    pub fn atomically<R>(&self, db: usize, f: impl FnOnce(&mut Tx<'_>) -> R) -> R {
        self.atomically_with(db, Protocol::Resp2, f)
    }

    /// [`Store::atomically`] for a client speaking `protocol`.
    pub fn atomically_with<R>(
        &self,
        db: usize,
        protocol: Protocol,
        f: impl FnOnce(&mut Tx<'_>) -> R,
    ) -> R {
        let mut st = self.lock();
        let r = {
            let mut tx = Tx {
                cx: Cx {
                    state: &mut st,
                    shared: &self.shared,
                    db,
                    protocol,
                    may_block: false,
                    block: None,
                },
            };
            f(&mut tx)
        };
        st.finish();
        r
    }

    /// One step of active expiry (Redis's `activeExpireCycle`): in every
    /// database, sample keys with a TTL and delete the expired ones, repeating
    /// while many were expired, within roughly `budget`. Returns keys deleted.
    /// The server calls it 10 times a second. Does nothing while a script
    /// is busy ([`Store::script_busy`]).
    pub fn purge_expired(&self, budget: Duration) -> usize {
        let start = web_time::Instant::now();
        // Skipped while a script is busy: it holds the lock, and a server's
        // timer must not wait for it (Redis does not expire keys then either).
        let Some(mut st) = crate::scripting::lock_unless_busy(self) else {
            return 0;
        };
        st.begin();
        let mut deleted = 0;
        for db in &mut st.dbs {
            deleted += db.purge_expired(16);
            if start.elapsed() >= budget {
                break;
            }
        }
        st.finish();
        deleted
    }

    /// Number of keys in each database (`INFO keyspace`): (keys, keys with a TTL).
    pub fn keyspace_sizes(&self) -> Vec<(usize, usize)> {
        let st = self.shared.state.lock();
        st.dbs.iter().map(|d| (d.len(), d.volatile_len())).collect()
    }

    /// Changes since the store was created (writes, expirations): what the
    /// server's `save` schedule counts. Compare two readings.
    pub fn changes(&self) -> u64 {
        self.shared.state.lock().dbs.iter().map(|d| d.dirty).sum()
    }

    /// Commands executed through [`Store::dispatch`] (INFO `total_commands_processed`).
    pub fn commands_processed(&self) -> u64 {
        self.shared.state.lock().commands_processed
    }

    /// Keys deleted because they expired (INFO `expired_keys`).
    pub fn expired_keys(&self) -> u64 {
        self.shared
            .state
            .lock()
            .dbs
            .iter()
            .map(|d| d.expired_keys)
            .sum()
    }

    /// The custom commands registered with [`StoreBuilder::command`].
    pub fn custom_commands(&self) -> impl Iterator<Item = &CustomSpec> {
        self.shared.custom.values().map(|c| &c.spec)
    }
}

/// Configures a [`Store`].
pub struct StoreBuilder {
    databases: usize,
    clock: Arc<dyn Clock>,
    custom: HashMap<String, CustomCommand>,
    active_expiry: Option<Duration>,
}

impl StoreBuilder {
    /// Number of databases (Redis `databases`, default 16).
    pub fn databases(mut self, n: usize) -> Self {
        assert!(n >= 1, "at least one database");
        self.databases = n;
        self
    }

    /// The time source (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Runs active expiry on a background thread every `interval` (Redis
    /// runs it 10 times a second: `Duration::from_millis(100)`). The thread
    /// ends when the last clone of the store is dropped. Not on wasm32.
    pub fn active_expiry(mut self, interval: Duration) -> Self {
        self.active_expiry = Some(interval);
        self
    }

    /// Adds a command to the table, served by every front door like a
    /// built-in (RPC over RESP).
    ///
    /// # Panics
    /// If `spec.name` is already a built-in or a custom command.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use embedis::{CustomSpec, Reply, Store};
    /// let store = Store::builder()
    ///     .command(CustomSpec::new("greet", 2), Arc::new(|_cx, args| {
    ///         let name = args.next()?;
    ///         Ok(Reply::bulk([&b"hello "[..], &name].concat()))
    ///     }))
    ///     .build();
    /// assert_eq!(store.execute(0, &["GREET", "bob"]), Reply::bulk("hello bob"));
    /// ```
    pub fn command(mut self, spec: CustomSpec, handler: CustomHandler) -> Self {
        let name = spec.name.to_ascii_lowercase();
        assert!(
            command::lookup(name.as_bytes()).is_none(),
            "{name} is a built-in command"
        );
        let prev = self.custom.insert(name, CustomCommand { spec, handler });
        assert!(prev.is_none(), "custom command registered twice");
        self
    }

    /// Builds the store.
    pub fn build(self) -> Store {
        let seed = self.clock.now_unix_ms() as u64 ^ 0x9E37_79B9_7F4A_7C15;
        let step = Arc::new(Step::new(self.clock.clone()));
        let dbs = (0..self.databases)
            .map(|i| Keyspace::with_step(seed.wrapping_add(i as u64), step.clone()))
            .collect();
        let store = Store {
            shared: Arc::new(Shared {
                state: StateLock(BrLock::new(State {
                    dbs,
                    step,
                    next_waiter_id: 0,
                    commands_processed: 0,
                })),
                clock: self.clock,
                hub: Hub::default(),
                custom: self.custom,
                scripting: Default::default(),
            }),
        };
        if let Some(interval) = self.active_expiry {
            spawn_expiry_thread(Arc::downgrade(&store.shared), interval);
        }
        store
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn spawn_expiry_thread(weak: Weak<Shared>, interval: Duration) {
    std::thread::Builder::new()
        .name("embedis-expiry".into())
        .spawn(move || {
            loop {
                std::thread::sleep(interval);
                let Some(shared) = weak.upgrade() else { break };
                Store { shared }.purge_expired(Duration::from_millis(25));
            }
        })
        .unwrap();
}

#[cfg(target_arch = "wasm32")]
fn spawn_expiry_thread(_weak: Weak<Shared>, _interval: Duration) {
    panic!("no background threads on wasm32: call Store::purge_expired from a timer");
}

/// One atomic step over the store (see [`Store::atomically`]).
pub struct Tx<'a> {
    pub(crate) cx: Cx<'a>,
}

impl Tx<'_> {
    /// Runs a command inside the transaction.
    pub fn execute<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Reply {
        self.cx.execute(argv)
    }

    /// Runs a command given as owned words.
    pub fn execute_argv(&mut self, argv: Vec<Bytes>) -> Reply {
        self.cx.run(argv).unpack()
    }

    /// Switches the database later commands run in (SELECT inside MULTI).
    pub fn select(&mut self, db: usize) -> Result<()> {
        if db >= self.cx.databases() {
            return Err(Error::DbIndexOutOfRange);
        }
        self.cx.db = db;
        Ok(())
    }

    /// The current database index.
    pub fn db_index(&self) -> usize {
        self.cx.db
    }
}

/// A handle on one database of a [`Store`], for the typed API
/// (`db.set("k", "v")`, `db.lpush("q", ["a"])`, ...). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) store: Store,
    pub(crate) index: usize,
}

impl Db {
    /// The database index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The store this database belongs to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `f` on this database as one atomic step.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Keyspace) -> R) -> R {
        self.store.with_db(self.index, f)
    }

    /// [`Db::with`] for a write on one `key`, whose bytes are read before
    /// the lock is taken; `f` gets the key back. Used by the typed
    /// single-key string writes (SET and its variants, GETSET, GETDEL,
    /// GETEX, INCRBY, DECRBY): when the caller's keys are many, the key's
    /// bytes are a cache miss, and taken here it is not taken under the
    /// exclusive lock (where the hash reads them), so the lock is held for
    /// one miss less and a writer on another thread waits that much less.
    /// (Unlike the value's bytes, see `v` in `api/string.rs`: the hash needs
    /// the key's before the lookup can start, so loading them first delays
    /// nothing.) Typed SET on 1M keys, runs alternating the builds,
    /// kevy-embedded's time ÷ ours: 0.94× → 1.52× at 2 threads (medians of 4
    /// runs; 3.9–5.0 → 2.5–3.6 µs of CPU time per call); no clear change at
    /// 1 thread (README "Performance"). Measured on SET; the others share
    /// its shape (one key looked up under the exclusive lock, SETEX and
    /// SETNX its very path).
    #[inline(always)]
    pub(crate) fn with_key<'k, R>(
        &self,
        key: &'k [u8],
        f: impl FnOnce(&mut Keyspace, &'k [u8]) -> R,
    ) -> R {
        std::hint::black_box((key.first().copied(), key.last().copied()));
        self.with(|db| f(db, key))
    }

    /// Runs the read-only `read` on this database under the shared store
    /// lock, so reads on several threads run at once; `read` gets the clock
    /// (for an entry with an expiry) and returns `None` when it met an
    /// expired key, which only a write may remove: then `write` (the same
    /// read as a command) runs as one step under the exclusive lock.
    #[inline]
    pub(crate) fn read_or<R>(
        &self,
        read: impl FnOnce(&Keyspace, &dyn Fn() -> i64) -> Option<R>,
        write: impl FnOnce(&mut Keyspace) -> R,
    ) -> R {
        match self.read_shared(read) {
            Some(r) => r,
            None => self.with(write),
        }
    }

    /// The first half of [`Db::read_or`]: `read` under the shared lock.
    #[inline(always)]
    pub(crate) fn read_shared<R>(
        &self,
        read: impl FnOnce(&Keyspace, &dyn Fn() -> i64) -> Option<R>,
    ) -> Option<R> {
        let shared = &self.store.shared;
        let st = shared.state.read();
        read(&st.dbs[self.index], &|| shared.clock.now_unix_ms())
    }
}
