//! One client's state machine, transport-agnostic: what `redis-server` keeps
//! per connection (database index, authentication, protocol version, name,
//! MULTI queue, WATCHed keys, subscriptions, blocked state) and the
//! connection-level commands that act on it.
//!
//! A transport (the TCP server, the wasm package's Node `listen`, a test)
//! feeds bytes in and writes the bytes that come out:
//!
//! ```
//! use std::sync::Arc;
//! use bytes::BytesMut;
//! use embedis::session::{LocalHost, Session};
//! use embedis::Store;
//!
//! let mut s = Session::new(Store::new(), Arc::new(LocalHost::default()));
//! let mut out = BytesMut::new();
//! s.feed(b"SET k v\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", &mut out);
//! assert_eq!(&out[..], b"+OK\r\n$1\r\nv\r\n");
//! ```
//!
//! A whole pipelined batch is processed in order. When a command blocks
//! (BLPOP with no data) the session stops processing further commands and
//! [`Session::poll_event`] resolves when it is served; the transport races it
//! against [`Session::block_deadline`] (calling [`Session::timeout_blocked`]
//! when the deadline passes) and against the socket closing. Subscribed
//! clients get their messages through the same [`Session::poll_event`].
//!
//! Server-wide commands that need the transport (INFO, CONFIG, SAVE, BGSAVE,
//! LASTSAVE, SHUTDOWN, DEBUG, CLIENT LIST/KILL) go through the [`Host`] trait.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use web_time::Instant;

use crate::blocking::Blocked;
use crate::command::{self, flags, parse_i64};
use crate::resp::{self, Parser};
use crate::scripting::{UNSET_VERSION, WatchOp};
use crate::store::{Found, resolve_any};
use crate::value::CompactBytes;
use crate::{Dispatch, Error, Protocol, Reply, Result, Store, Tx};

/// The Redis version clients see (`INFO`, `HELLO`): the one whose behaviour we match.
pub const REDIS_VERSION: &str = "7.0.15";

/// What only the transport knows or can do, for the server-wide commands.
/// Every method but [`Host::clients`] has a default suited to an in-process
/// server without persistence.
pub trait Host: Send + Sync {
    /// The registry of connected clients (CLIENT LIST/KILL, INFO clients).
    fn clients(&self) -> &Clients;

    /// The password clients must AUTH with (`requirepass`), if any. Read at
    /// connect time and on every AUTH/HELLO, so CONFIG SET takes effect.
    fn requirepass(&self) -> Option<String> {
        None
    }

    /// Appends the host's fields of INFO section `section` (lower case:
    /// `server`, `clients`, `memory`, `persistence`, `stats`, `cpu`).
    fn info(&self, section: &str, fields: &mut Vec<(String, String)>) {
        let _ = (section, fields);
    }

    /// Appends every configuration parameter the host knows as
    /// (name, value), for CONFIG GET.
    fn config_get(&self, params: &mut Vec<(String, String)>) {
        let _ = params;
    }

    /// Sets a parameter (CONFIG SET). `None` if the host does not know it.
    ///
    /// # Errors
    /// Redis's message for a bad value, e.g.
    /// `ERR CONFIG SET failed (possibly related to argument 'port') - ...`.
    fn config_set(&self, name: &str, value: &str) -> Option<Result<()>> {
        let _ = (name, value);
        None
    }

    /// CONFIG RESETSTAT.
    fn config_resetstat(&self) {}

    /// CONFIG REWRITE.
    ///
    /// # Errors
    /// `ERR The server is running without a config file` by default.
    fn config_rewrite(&self) -> Result<()> {
        Err(Error::Static(
            "ERR The server is running without a config file",
        ))
    }

    /// SAVE: a synchronous snapshot.
    ///
    /// # Errors
    /// `ERR` with the reason when it fails or persistence is not configured.
    fn save(&self) -> Result<()> {
        Err(Error::Static("ERR persistence is not configured"))
    }

    /// BGSAVE \[SCHEDULE\]: the reply (`+Background saving started`).
    ///
    /// # Errors
    /// Redis's errors (`ERR Background save already in progress`).
    fn bgsave(&self, schedule: bool) -> Result<Reply> {
        let _ = schedule;
        Err(Error::Static("ERR persistence is not configured"))
    }

    /// LASTSAVE: unix time in seconds of the last successful save.
    fn lastsave(&self) -> i64 {
        0
    }

    /// SHUTDOWN: `save` is `Some(true)` for SAVE, `Some(false)` for NOSAVE,
    /// `None` for the configured default. `Ok` means the server stops.
    ///
    /// # Errors
    /// `ERR Errors trying to SHUTDOWN. Check logs.` when the save failed.
    fn shutdown(&self, save: Option<bool>) -> Result<()> {
        let _ = save;
        Err(Error::Static("ERR SHUTDOWN is not available here"))
    }

    /// DEBUG subcommands the host implements (`SLEEP`, `SET-ACTIVE-EXPIRE`,
    /// `RELOAD`, ...): `None` for an unknown subcommand.
    fn debug(&self, argv: &[Bytes]) -> Option<Reply> {
        let _ = argv;
        None
    }
}

/// A [`Host`] for in-process use: a client registry, an optional password,
/// no persistence.
#[derive(Debug, Default)]
pub struct LocalHost {
    clients: Clients,
    requirepass: Mutex<Option<String>>,
}

impl LocalHost {
    /// A host whose clients must AUTH with `password`.
    pub fn with_requirepass(password: impl Into<String>) -> LocalHost {
        LocalHost {
            clients: Clients::default(),
            requirepass: Mutex::new(Some(password.into())),
        }
    }
}

impl Host for LocalHost {
    fn clients(&self) -> &Clients {
        &self.clients
    }
    fn requirepass(&self) -> Option<String> {
        self.requirepass.lock().clone()
    }
    fn config_get(&self, params: &mut Vec<(String, String)>) {
        params.push(("requirepass".into(), self.requirepass().unwrap_or_default()));
    }
    fn config_set(&self, name: &str, value: &str) -> Option<Result<()>> {
        (name == "requirepass").then(|| {
            *self.requirepass.lock() = (!value.is_empty()).then(|| value.to_owned());
            Ok(())
        })
    }
}

// ---- client registry ---------------------------------------------------------

/// Every connected client of one server: ids, CLIENT LIST lines, CLIENT KILL.
#[derive(Debug, Default)]
pub struct Clients {
    map: Mutex<HashMap<u64, Arc<Client>>>,
    next_id: AtomicU64,
    total: AtomicU64,
}

/// One client as the registry sees it.
#[derive(Debug)]
pub struct Client {
    id: u64,
    created: Instant,
    killed: AtomicBool,
    /// CLIENT UNBLOCK request: 0 none, 1 TIMEOUT, 2 ERROR.
    unblock: AtomicU8,
    waker: Mutex<Option<Waker>>,
    meta: Mutex<ClientMeta>,
}

#[derive(Debug)]
struct ClientMeta {
    addr: String,
    laddr: String,
    name: Bytes,
    lib_name: Bytes,
    lib_ver: Bytes,
    db: usize,
    cmd: String,
    last: Instant,
    sub: usize,
    psub: usize,
    multi: i64,
    blocked: bool,
    resp: u8,
}

impl Clients {
    /// Registers a new client; ids start at 1 and are never reused.
    pub fn register(&self) -> Arc<Client> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let c = Arc::new(Client {
            id,
            created: now,
            killed: AtomicBool::new(false),
            unblock: AtomicU8::new(0),
            waker: Mutex::new(None),
            meta: Mutex::new(ClientMeta {
                addr: String::new(),
                laddr: String::new(),
                name: Bytes::new(),
                lib_name: Bytes::new(),
                lib_ver: Bytes::new(),
                db: 0,
                cmd: "NULL".into(),
                last: now,
                sub: 0,
                psub: 0,
                multi: -1,
                blocked: false,
                resp: 2,
            }),
        });
        self.map.lock().insert(id, c.clone());
        c
    }

    fn unregister(&self, id: u64) {
        self.map.lock().remove(&id);
    }

    /// Connected clients (INFO `connected_clients`).
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    /// True when no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Clients blocked in BLPOP and friends (INFO `blocked_clients`).
    pub fn blocked(&self) -> usize {
        self.map
            .lock()
            .values()
            .filter(|c| c.meta.lock().blocked)
            .count()
    }

    /// Clients subscribed to at least one channel or pattern (INFO `pubsub_clients`).
    pub fn subscribed(&self) -> usize {
        self.map
            .lock()
            .values()
            .filter(|c| {
                let m = c.meta.lock();
                m.sub + m.psub > 0
            })
            .count()
    }

    /// Connections accepted since start (INFO `total_connections_received`).
    pub fn total_connections(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    fn sorted(&self) -> Vec<Arc<Client>> {
        let mut v: Vec<_> = self.map.lock().values().cloned().collect();
        v.sort_by_key(|c| c.id);
        v
    }

    /// CLIENT UNBLOCK: asks client `id`, if it is blocked, to stop waiting
    /// as if timed out (or with an error); true if it was blocked.
    fn unblock(&self, id: u64, error: bool) -> bool {
        let Some(c) = self.map.lock().get(&id).cloned() else {
            return false;
        };
        if !c.meta.lock().blocked {
            return false;
        }
        c.unblock.store(if error { 2 } else { 1 }, Ordering::SeqCst);
        if let Some(w) = c.waker.lock().take() {
            w.wake();
        }
        true
    }

    /// Marks every client matching `keep` as killed; returns how many.
    fn kill_where(&self, mut keep: impl FnMut(&Client) -> bool) -> usize {
        let mut n = 0;
        for c in self.sorted() {
            if keep(&c) {
                c.kill();
                n += 1;
            }
        }
        n
    }
}

impl Client {
    /// The client id (CLIENT ID).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Sets the peer and local addresses shown by CLIENT LIST (`ip:port`).
    pub fn set_addr(&self, addr: impl Into<String>, laddr: impl Into<String>) {
        let mut m = self.meta.lock();
        m.addr = addr.into();
        m.laddr = laddr.into();
    }

    /// The peer address given to [`Client::set_addr`].
    pub fn addr(&self) -> String {
        self.meta.lock().addr.clone()
    }

    /// Asks the connection to close (CLIENT KILL); the transport sees it
    /// through [`Session::should_close`] and [`Session::poll_event`].
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().take() {
            w.wake();
        }
    }

    /// True once killed.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// The CLIENT LIST line (without the trailing newline).
    fn line(&self) -> String {
        let m = self.meta.lock();
        let now = Instant::now();
        let mut flags = String::new();
        if m.sub + m.psub > 0 {
            flags.push('P');
        }
        if m.multi >= 0 {
            flags.push('x');
        }
        if m.blocked {
            flags.push('b');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        format!(
            "id={} addr={} laddr={} fd=8 name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} \
             qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r \
             cmd={} user=default redir=-1 resp={}{}",
            self.id,
            m.addr,
            m.laddr,
            String::from_utf8_lossy(&m.name),
            now.duration_since(self.created).as_secs(),
            now.duration_since(m.last).as_secs(),
            flags,
            m.db,
            m.sub,
            m.psub,
            m.multi,
            m.cmd,
            m.resp,
            if m.lib_name.is_empty() && m.lib_ver.is_empty() {
                String::new()
            } else {
                format!(
                    " lib-name={} lib-ver={}",
                    String::from_utf8_lossy(&m.lib_name),
                    String::from_utf8_lossy(&m.lib_ver)
                )
            },
        )
    }
}

// ---- session -----------------------------------------------------------------

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReplyMode {
    On,
    Off,
    Skip,
}

#[derive(Debug, Default)]
struct Multi {
    queue: Vec<Vec<Bytes>>,
    /// A command failed to queue: EXEC answers EXECABORT.
    failed: bool,
}

/// What running one command produced.
enum Outcome {
    Reply(Reply),
    /// Several replies (SUBSCRIBE a b c).
    Many(Vec<Reply>),
    Blocked(Blocked),
    /// Nothing to send (CLIENT REPLY OFF).
    Nothing,
}

impl From<Reply> for Outcome {
    fn from(r: Reply) -> Self {
        Outcome::Reply(r)
    }
}

impl From<Result<Reply>> for Outcome {
    fn from(r: Result<Reply>) -> Self {
        Outcome::Reply(r.unwrap_or_else(Reply::Error))
    }
}

/// Commands allowed in RESP2 subscriber mode.
fn subscriber_allowed(name: &str) -> bool {
    // A `match` on strings: a length switch, then a few compares (hot path).
    matches!(
        name,
        "subscribe"
            | "psubscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// Commands the session runs itself; everything else goes to the store.
fn is_session_command(name: &str) -> bool {
    // A `match` on strings: a length switch, then a few compares (hot path).
    matches!(
        name,
        "ping"
            | "echo"
            | "quit"
            | "reset"
            | "hello"
            | "auth"
            | "select"
            | "client"
            | "multi"
            | "exec"
            | "discard"
            | "watch"
            | "unwatch"
            | "subscribe"
            | "psubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "info"
            | "config"
            | "save"
            | "bgsave"
            | "lastsave"
            | "shutdown"
            | "debug"
            | "command"
    )
}

/// Session commands that take the store lock themselves, so EXEC runs them
/// between atomic segments rather than inside one.
fn is_outside_lock(name: &str) -> bool {
    // A `match` on strings: a length switch, then a few compares (hot path).
    matches!(name, "info" | "bgsave" | "debug" | "save" | "shutdown")
}

/// One client connection's state machine (see the [module docs](self)).
pub struct Session {
    store: Store,
    host: Arc<dyn Host>,
    client: Arc<Client>,
    parser: Parser,
    input: BytesMut,
    db: usize,
    protocol: Protocol,
    authenticated: bool,
    multi: Option<Multi>,
    watched: Vec<(usize, Bytes, u64)>,
    /// Watches taken while a script was busy: the script registers them and
    /// stores their version (see `scripting::WatchOp`); read under the lock.
    pending_watches: Vec<(usize, Bytes, Arc<AtomicU64>)>,
    blocked: Option<Blocked>,
    block_deadline: Option<Instant>,
    closing: bool,
    reply_mode: ReplyMode,
    subs: Subs,
    /// True inside [`Session::process`], which sets CLIENT LIST's `idle`
    /// clock once per batch (no finer time is needed, and one clock read per
    /// batch is cheaper than one per command).
    in_batch: bool,
    /// The plain command whose name the client's `cmd` (CLIENT LIST) holds,
    /// so a pipeline of the same command skips the registry lock.
    meta_cmd: Option<&'static command::CommandSpec>,
    /// The last plain built-in command resolved, under the exact name bytes
    /// the client sent: a pipeline of one command skips the table's case
    /// folding and hashing (built-ins take precedence over custom commands,
    /// so the same bytes always resolve to the same spec).
    last_lookup: Option<(CompactBytes, &'static command::CommandSpec)>,
    /// A script command [`Session::process_until_script`] stopped at, run
    /// first by the next [`Session::process`].
    held_script: Option<Vec<Bytes>>,
    /// Set by [`Session::process_until_script`] for the batch it runs.
    stop_at_script: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.client.id)
            .field("db", &self.db)
            .field("protocol", &self.protocol)
            .finish()
    }
}

impl Session {
    /// A new client of `store`, registered with `host`'s client registry.
    /// It must AUTH first if the host has a `requirepass`.
    pub fn new(store: Store, host: Arc<dyn Host>) -> Session {
        let client = host.clients().register();
        let authenticated = host.requirepass().is_none();
        let mut parser = Parser::new();
        parser.set_unauthenticated(!authenticated);
        Session {
            store,
            host,
            client,
            parser,
            input: BytesMut::with_capacity(16 * 1024),
            db: 0,
            protocol: Protocol::Resp2,
            authenticated,
            multi: None,
            watched: Vec::new(),
            pending_watches: Vec::new(),
            blocked: None,
            block_deadline: None,
            closing: false,
            reply_mode: ReplyMode::On,
            subs: Default::default(),
            in_batch: false,
            meta_cmd: None,
            last_lookup: None,
            held_script: None,
            stop_at_script: false,
        }
    }

    /// The client's registry entry (id, address, kill).
    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The buffer a transport reads socket bytes into before calling
    /// [`Session::process`] (saves a copy compared to [`Session::feed`]).
    pub fn input(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    /// Appends `data` to the input and processes it: replies are appended to `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut BytesMut) {
        self.input.extend_from_slice(data);
        self.process(out);
    }

    /// Parses and runs every complete command in the input, in order,
    /// appending replies to `out`. Stops early when a command blocks, when
    /// the client must be closed (QUIT, malformed input, CLIENT KILL), or
    /// when the input holds only part of a command.
    pub fn process(&mut self, out: &mut BytesMut) {
        self.client.meta.lock().last = Instant::now();
        self.in_batch = true;
        if let Some(argv) = self.held_script.take() {
            self.handle(argv, out);
        }
        self.process_batch(out);
        self.in_batch = false;
    }

    /// [`Session::process`], except that it stops before a command that runs
    /// a Lua script (EVAL, EVALSHA, FCALL and their `_RO` forms) and returns
    /// true: the caller then finishes the batch with [`Session::process`] on
    /// a thread that may block for as long as the script runs, while its
    /// event loop goes on serving other clients (which get `BUSY`, and may
    /// send `SCRIPT KILL`). Returns false when the batch is done.
    pub fn process_until_script(&mut self, out: &mut BytesMut) -> bool {
        self.stop_at_script = true;
        self.process(out);
        self.stop_at_script = false;
        self.held_script.is_some()
    }

    fn process_batch(&mut self, out: &mut BytesMut) {
        while !self.closing && self.blocked.is_none() {
            if self.client.is_killed() {
                self.closing = true;
                break;
            }
            match self.parser.next_command(&mut self.input) {
                Ok(None) => break,
                Ok(Some(argv)) if self.stop_at_script && runs_script(&argv) => {
                    self.held_script = Some(argv);
                    break;
                }
                Ok(Some(argv)) => self.handle(argv, out),
                Err(e) => {
                    if !e.is_silent() {
                        self.emit(Reply::Error(Error::Reply(format!("ERR {e}"))), out);
                    }
                    self.closing = true;
                }
            }
        }
        if self.input.len() > resp::MAX_QUERY_BUFFER {
            self.closing = true;
        }
    }

    /// Runs one command (`argv[0]` is its name), appending its reply to `out`.
    pub fn handle(&mut self, argv: Vec<Bytes>, out: &mut BytesMut) {
        match self.call(argv) {
            Outcome::Reply(r) => self.emit(r, out),
            Outcome::Many(rs) => {
                // Pub/sub confirmations are pushes: like Redis's CLIENT_PUSHING
                // they get through CLIENT REPLY OFF/SKIP (a SKIP is used up).
                if self.reply_mode == ReplyMode::Skip {
                    self.reply_mode = ReplyMode::On;
                }
                for r in rs {
                    resp::encode(&r, self.protocol, out);
                }
            }
            Outcome::Blocked(b) => {
                self.block_deadline = b.timeout().map(|t| Instant::now() + t);
                self.blocked = Some(b);
                self.client.meta.lock().blocked = true;
                // A CLIENT UNBLOCK aimed at an earlier block must not end this one.
                self.client.unblock.store(0, Ordering::SeqCst);
            }
            Outcome::Nothing => {}
        }
    }

    fn emit(&mut self, r: Reply, out: &mut BytesMut) {
        match self.reply_mode {
            ReplyMode::On => resp::encode(&r, self.protocol, out),
            ReplyMode::Off => {}
            ReplyMode::Skip => self.reply_mode = ReplyMode::On,
        }
    }

    /// True when the transport should flush its output and close the
    /// connection (QUIT, malformed input, CLIENT KILL, SHUTDOWN).
    pub fn should_close(&self) -> bool {
        self.closing || self.client.is_killed()
    }

    /// True while a blocking command waits.
    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }

    /// When the blocked command times out (`None`: not blocked, or blocked
    /// with timeout 0 = forever).
    pub fn block_deadline(&self) -> Option<Instant> {
        self.blocked.as_ref().and(self.block_deadline)
    }

    /// The blocked command's deadline passed: replies with its timeout reply
    /// (or the value if it was served meanwhile) and goes on processing the
    /// input that arrived while blocked.
    pub fn timeout_blocked(&mut self, out: &mut BytesMut) {
        if let Some(b) = self.blocked.take() {
            let r = b.cancel();
            self.unblocked(r, out);
        }
    }

    fn unblocked(&mut self, r: Reply, out: &mut BytesMut) {
        self.block_deadline = None;
        self.client.meta.lock().blocked = false;
        self.emit(r, out);
        self.process(out);
    }

    /// Waits for something to send that does not come from the input: the
    /// blocked command was served, a subscribed channel got a message, or
    /// the client was killed. `Ready` after appending to `out` (or when
    /// [`Session::should_close`] turned true); the transport then writes
    /// `out` and polls again. Never resolves for an idle, unsubscribed,
    /// unblocked client except by CLIENT KILL.
    pub fn poll_event(&mut self, cx: &mut Context<'_>, out: &mut BytesMut) -> Poll<()> {
        {
            let mut waker = self.client.waker.lock();
            if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *waker = Some(cx.waker().clone());
            }
        }
        if self.client.is_killed() {
            self.closing = true;
            return Poll::Ready(());
        }
        let mut ready = false;
        let unblock = self.client.unblock.swap(0, Ordering::SeqCst);
        if unblock != 0 {
            if let Some(b) = self.blocked.take() {
                let r = if unblock == 2 {
                    b.cancel_unless_served()
                        .unwrap_or(Reply::Error(Error::Static(
                            "UNBLOCKED client unblocked via CLIENT UNBLOCK",
                        )))
                } else {
                    b.cancel()
                };
                self.unblocked(r, out);
                ready = true;
            }
        }
        if let Some(b) = self.blocked.as_mut() {
            if let Poll::Ready(r) = std::pin::Pin::new(b).poll(cx) {
                self.blocked = None;
                self.unblocked(r, out);
                ready = true;
            }
        }
        if self.poll_messages(cx, out) {
            ready = true;
        }
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The same as [`Session::poll_event`], as a future.
    pub async fn event(&mut self, out: &mut BytesMut) {
        std::future::poll_fn(|cx| self.poll_event(cx, out)).await
    }

    /// The database index (SELECT).
    pub fn db(&self) -> usize {
        self.db
    }

    /// The protocol version (HELLO).
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// True while a MULTI is open.
    pub fn in_multi(&self) -> bool {
        self.multi.is_some()
    }

    // ---- command routing ---------------------------------------------------

    fn call(&mut self, argv: Vec<Bytes>) -> Outcome {
        let cached = match (&self.last_lookup, argv.first()) {
            (Some((name, spec)), Some(word)) if name[..] == word[..] => Some(*spec),
            _ => None,
        };
        let resolved = match cached {
            Some(spec) => command::check_spec(spec, &argv).map(|f| Found::Builtin(f, 1)),
            None => resolve_any(&self.store.shared, &argv),
        };
        if cached.is_none()
            && let Ok(Found::Builtin(spec, 1)) = resolved
            && spec.subcommands.is_empty()
        {
            self.last_lookup = Some((CompactBytes::copy_from_slice(&argv[0]), spec));
        }
        let found = match resolved {
            Err(e) => {
                self.meta_cmd = None;
                self.client.meta.lock().cmd = failed_cmd_name(&argv);
                if let Some(m) = self.multi.as_mut() {
                    m.failed = true;
                }
                return Reply::Error(e).into();
            }
            Ok(f) => f,
        };
        let (name, flags_) = (top_name(&found, &argv), found.flags());
        let plain = match found {
            Found::Builtin(spec, 1) => Some(spec),
            _ => None,
        };
        let same_as_meta = self.in_batch
            && plain.is_some_and(|p| self.meta_cmd.is_some_and(|m| std::ptr::eq(p, m)));
        if !same_as_meta {
            let mut m = self.client.meta.lock();
            if !self.in_batch {
                m.last = Instant::now();
            }
            m.cmd.clear();
            write_full_name(&found, name, &mut m.cmd);
            self.meta_cmd = plain;
        }
        if !self.authenticated && flags_ & flags::NO_AUTH == 0 {
            if let Some(m) = self.multi.as_mut() {
                m.failed = true;
            }
            return Reply::Error(Error::NoAuth).into();
        }
        if let Some(m) = self.multi.as_mut() {
            if flags_ & flags::NO_MULTI != 0 {
                m.failed = true;
                return Reply::Error(Error::Static(
                    "ERR Command not allowed inside a transaction",
                ))
                .into();
            }
        }
        if self.protocol == Protocol::Resp2 && self.subs.count() > 0 && !subscriber_allowed(name) {
            let mut full = String::new();
            write_full_name(&found, name, &mut full);
            return Reply::Error(Error::Reply(format!(
                "ERR Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            )))
            .into();
        }
        // As Redis's processCommand: while a script is busy, a command without
        // allow-busy is refused with BUSY (before it is queued, which dooms
        // the transaction; EXEC discards it). Commands that reach the store
        // are checked again there, while they wait for its lock.
        if flags_ & flags::ALLOW_BUSY == 0 && self.script_busy_for(name) {
            return self.reject_busy(name).into();
        }
        if let Some(m) = self.multi.as_mut() {
            if !matches!(
                name,
                "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
            ) {
                m.queue.push(argv);
                return Reply::QUEUED.into();
            }
        }
        if is_session_command(name) {
            return self.run_session(name, argv, None);
        }
        match self
            .store
            .dispatch_found(self.db, self.protocol, found, argv)
        {
            Dispatch::Reply(r) => r.into(),
            Dispatch::Blocked(b) => Outcome::Blocked(b),
        }
    }

    /// True if a script is busy. EXEC and the host commands that take the
    /// store lock themselves (INFO, SAVE, ...) first wait while a script runs
    /// without being busy yet, as they would on the lock: Redis serves them
    /// at the script's first step past the time limit, with BUSY, where the
    /// lock would keep them waiting until it ends.
    fn script_busy_for(&self, name: &str) -> bool {
        if name == "exec" || (self.multi.is_none() && is_outside_lock(name)) {
            return crate::scripting::lock_unless_busy(&self.store).is_none();
        }
        self.store.script_busy()
    }

    /// The BUSY reply to a command sent while a script is busy (Redis's
    /// `rejectCommand`): it dooms an open transaction, and EXEC discards it
    /// with `EXECABORT Transaction discarded because of: BUSY ...`, MULTI or
    /// not.
    fn reject_busy(&mut self, name: &str) -> Reply {
        if name == "exec" {
            self.multi = None;
            self.client.meta.lock().multi = -1;
            self.unwatch_all();
            return Reply::Error(Error::Reply(format!(
                "EXECABORT Transaction discarded because of: {}",
                Error::Busy
            )));
        }
        if let Some(m) = self.multi.as_mut() {
            m.failed = true;
        }
        Reply::Error(Error::Busy)
    }

    /// Runs a session command; inside EXEC, `tx` is the transaction.
    fn run_session(&mut self, name: &str, argv: Vec<Bytes>, tx: Option<&mut Tx<'_>>) -> Outcome {
        let mut args = command::Args::new(argv, 1);
        match name {
            "ping" => self.ping(&mut args).into(),
            "echo" => args.next().map(Reply::Bulk).into(),
            "quit" => {
                self.closing = true;
                Reply::OK.into()
            }
            "reset" => self.reset().into(),
            "hello" => self.hello(&mut args).into(),
            "auth" => self.auth(&mut args).into(),
            "select" => self.select(&mut args, tx).into(),
            "client" => self.client_cmd(&mut args),
            "multi" => self.multi_cmd().into(),
            "exec" => self.exec().into(),
            "discard" => self.discard().into(),
            "watch" => self.watch(&mut args).into(),
            "unwatch" => {
                self.unwatch_all();
                Reply::OK.into()
            }
            "subscribe" | "psubscribe" | "unsubscribe" | "punsubscribe" => {
                self.pubsub_cmd(name, &mut args)
            }
            _ => {
                let mut hcx = crate::command::server::HostCx {
                    store: &self.store,
                    host: &*self.host,
                    closing: &mut self.closing,
                };
                let r = crate::command::server::run(&mut hcx, name, &mut args);
                if name == "shutdown" && self.closing {
                    return Outcome::Nothing;
                }
                r.into()
            }
        }
    }

    fn ping(&mut self, args: &mut command::Args) -> Result<Reply> {
        if args.remaining() > 1 {
            return Err(Error::wrong_arity("ping"));
        }
        let msg = args.peek().cloned();
        if self.protocol == Protocol::Resp2 && self.subs.count() > 0 {
            return Ok(Reply::Array(vec![
                Reply::bulk("pong"),
                Reply::Bulk(msg.unwrap_or_default()),
            ]));
        }
        Ok(match msg {
            Some(m) => Reply::Bulk(m),
            None => Reply::simple("PONG"),
        })
    }

    fn reset(&mut self) -> Reply {
        self.multi = None;
        self.unwatch_all();
        self.unsubscribe_all();
        self.db = 0;
        self.protocol = Protocol::Resp2;
        self.reply_mode = ReplyMode::On;
        self.authenticated = self.host.requirepass().is_none();
        self.parser.set_unauthenticated(!self.authenticated);
        let mut m = self.client.meta.lock();
        m.name = Bytes::new();
        m.db = 0;
        m.resp = 2;
        m.multi = -1;
        Reply::simple("RESET")
    }

    /// Checks a username/password pair against `requirepass`.
    fn check_password(&self, user: Option<&[u8]>, pass: &[u8]) -> Result<()> {
        if let Some(u) = user {
            if u != b"default" {
                return Err(Error::WrongPass);
            }
        }
        match self.host.requirepass() {
            None => Ok(()),
            Some(p) if p.as_bytes() == pass => Ok(()),
            Some(_) => Err(Error::WrongPass),
        }
    }

    fn set_authenticated(&mut self) {
        self.authenticated = true;
        self.parser.set_unauthenticated(false);
    }

    fn auth(&mut self, args: &mut command::Args) -> Result<Reply> {
        if args.remaining() > 2 {
            return Err(Error::Syntax);
        }
        let (user, pass) = if args.remaining() == 2 {
            (Some(args.next()?), args.next()?)
        } else {
            (None, args.next()?)
        };
        if user.is_none() && self.host.requirepass().is_none() {
            return Err(Error::Static(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ));
        }
        self.check_password(user.as_deref(), &pass)?;
        self.set_authenticated();
        Ok(Reply::OK)
    }

    fn hello(&mut self, args: &mut command::Args) -> Result<Reply> {
        let mut ver = None;
        if !args.is_empty() {
            let v = parse_i64(&args.next()?).ok_or(Error::Static(
                "ERR Protocol version is not an integer or out of range",
            ))?;
            if !(2..=3).contains(&v) {
                return Err(Error::Static("NOPROTO unsupported protocol version"));
            }
            ver = Some(v);
        }
        let mut auth = None;
        let mut name = None;
        while let Some(opt) = args.peek().cloned() {
            args.next()?;
            if opt.eq_ignore_ascii_case(b"auth") && args.remaining() >= 2 {
                auth = Some((args.next()?, args.next()?));
            } else if opt.eq_ignore_ascii_case(b"setname") && args.remaining() >= 1 {
                name = Some(args.next()?);
            } else {
                return Err(Error::Reply(format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&opt)
                )));
            }
        }
        if let Some((u, p)) = auth {
            self.check_password(Some(&u), &p)?;
            self.set_authenticated();
        }
        if !self.authenticated {
            return Err(Error::Static(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            ));
        }
        if let Some(n) = name {
            check_client_name(&n)?;
            self.client.meta.lock().name = n;
        }
        if let Some(v) = ver {
            self.protocol = if v == 3 {
                Protocol::Resp3
            } else {
                Protocol::Resp2
            };
            self.client.meta.lock().resp = v as u8;
        }
        Ok(Reply::Map(vec![
            (Reply::bulk("server"), Reply::bulk("redis")),
            (Reply::bulk("version"), Reply::bulk(REDIS_VERSION)),
            (
                Reply::bulk("proto"),
                Reply::Integer(if self.protocol == Protocol::Resp3 {
                    3
                } else {
                    2
                }),
            ),
            (Reply::bulk("id"), Reply::Integer(self.client.id as i64)),
            (Reply::bulk("mode"), Reply::bulk("standalone")),
            (Reply::bulk("role"), Reply::bulk("master")),
            (Reply::bulk("modules"), Reply::EMPTY_ARRAY),
        ]))
    }

    fn select(&mut self, args: &mut command::Args, tx: Option<&mut Tx<'_>>) -> Result<Reply> {
        let n = args.i64()?;
        // Inside EXEC the store is locked: `tx.select` checks the range.
        if n < 0 || (tx.is_none() && n as usize >= self.store.databases()) {
            return Err(Error::DbIndexOutOfRange);
        }
        if let Some(tx) = tx {
            tx.select(n as usize)?;
        }
        self.db = n as usize;
        self.client.meta.lock().db = self.db;
        Ok(Reply::OK)
    }

    fn client_cmd(&mut self, args: &mut command::Args) -> Outcome {
        let sub = args.argv()[1].to_ascii_lowercase();
        args.next().ok();
        let r = match &sub[..] {
            b"id" => Ok(Reply::Integer(self.client.id as i64)),
            b"setname" => {
                let n = args.argv()[2].clone();
                check_client_name(&n).map(|_| {
                    self.client.meta.lock().name = n;
                    Reply::OK
                })
            }
            b"getname" => {
                let n = self.client.meta.lock().name.clone();
                Ok(if n.is_empty() {
                    Reply::Null
                } else {
                    Reply::Bulk(n)
                })
            }
            b"info" => Ok(verbatim(format!("{}\n", self.client.line()))),
            b"list" => self.client_list(args),
            b"kill" => self.client_kill(args),
            b"unblock" => {
                let id = match args.i64() {
                    Ok(id) => id,
                    Err(e) => return Reply::Error(e).into(),
                };
                let error = match args.peek().cloned() {
                    None => false,
                    Some(r) if r.eq_ignore_ascii_case(b"timeout") => false,
                    Some(r) if r.eq_ignore_ascii_case(b"error") => true,
                    Some(_) => {
                        return Reply::Error(Error::Static(
                            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
                        ))
                        .into();
                    }
                };
                let clients = self.host.clients();
                Ok(Reply::Integer(i64::from(
                    u64::try_from(id).is_ok_and(|id| clients.unblock(id, error)),
                )))
            }
            b"setinfo" => self.client_setinfo(args),
            b"no-evict" | b"no-touch" => match args.next() {
                Ok(v) if v.eq_ignore_ascii_case(b"on") || v.eq_ignore_ascii_case(b"off") => {
                    Ok(Reply::OK)
                }
                _ => Err(Error::Syntax),
            },
            b"reply" => {
                let v = args.argv()[2].to_ascii_lowercase();
                match &v[..] {
                    b"on" => {
                        self.reply_mode = ReplyMode::On;
                        Ok(Reply::OK)
                    }
                    b"off" => {
                        self.reply_mode = ReplyMode::Off;
                        return Outcome::Nothing;
                    }
                    b"skip" => {
                        if self.reply_mode == ReplyMode::On {
                            self.reply_mode = ReplyMode::Skip;
                        }
                        // The SKIP itself gets no reply, and skips the next.
                        self.reply_mode = ReplyMode::Skip;
                        return Outcome::Nothing;
                    }
                    _ => Err(Error::Syntax),
                }
            }
            b"help" => Ok(Reply::Array(
                [
                    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "ID",
                    "    Return the ID of the current connection.",
                    "INFO",
                    "    Return information about the current client connection.",
                    "KILL <ip:port>",
                    "    Kill connection made from <ip:port>.",
                    "KILL <option> <value> [<option> <value> [...]]",
                    "    Kill connections. Options are: ID, ADDR, LADDR, SKIPME.",
                    "LIST [TYPE (NORMAL|PUBSUB)] [ID <id> ...]",
                    "    Return information about client connections.",
                    "GETNAME",
                    "    Return the name of the current connection.",
                    "SETNAME <name>",
                    "    Assign the name <name> to the current connection.",
                    "REPLY (ON|OFF|SKIP)",
                    "    Control the replies sent to the current connection.",
                    "NO-EVICT (ON|OFF)",
                    "    Accepted for compatibility.",
                    "HELP",
                    "    Print this help.",
                ]
                .into_iter()
                .map(|s| Reply::Simple(s.into()))
                .collect(),
            )),
            _ => Err(Error::UnknownSubcommand {
                subcommand: String::from_utf8_lossy(&args.argv()[1]).into_owned(),
                command: "CLIENT".into(),
            }),
        };
        r.into()
    }

    fn client_list(&mut self, args: &mut command::Args) -> Result<Reply> {
        let mut ids: Option<Vec<u64>> = None;
        let mut ty: Option<Bytes> = None;
        while let Some(opt) = args.peek().cloned() {
            args.next()?;
            if opt.eq_ignore_ascii_case(b"type") {
                let t = args.next()?.to_ascii_lowercase();
                if !matches!(
                    &t[..],
                    b"normal" | b"pubsub" | b"master" | b"replica" | b"slave"
                ) {
                    return Err(Error::Reply(format!(
                        "ERR Unknown client type '{}'",
                        String::from_utf8_lossy(&t)
                    )));
                }
                ty = Some(Bytes::from(t));
            } else if opt.eq_ignore_ascii_case(b"id") && !args.is_empty() {
                let mut v = Vec::new();
                for a in args.rest() {
                    match parse_i64(&a) {
                        Some(n) if n > 0 => v.push(n as u64),
                        _ => return Err(Error::Static("ERR Invalid client ID")),
                    }
                }
                ids = Some(v);
            } else {
                return Err(Error::Syntax);
            }
        }
        let mut text = String::new();
        for c in self.host.clients().sorted() {
            if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
                continue;
            }
            if let Some(t) = &ty {
                let m = c.meta.lock();
                let pubsub = m.sub + m.psub > 0;
                drop(m);
                let matches = match &t[..] {
                    b"normal" => !pubsub,
                    b"pubsub" => pubsub,
                    _ => false,
                };
                if !matches {
                    continue;
                }
            }
            text.push_str(&c.line());
            text.push('\n');
        }
        Ok(verbatim(text))
    }

    fn client_kill(&mut self, args: &mut command::Args) -> Result<Reply> {
        let clients = self.host.clients();
        if args.remaining() == 1 {
            let addr = args.next()?;
            let n = clients.kill_where(|c| c.meta.lock().addr.as_bytes() == &addr[..]);
            return if n == 0 {
                Err(Error::Static("ERR No such client"))
            } else {
                Ok(Reply::OK)
            };
        }
        let mut id = None;
        let mut addr = None;
        let mut laddr = None;
        let mut skipme = true;
        while !args.is_empty() {
            let opt = args.next()?.to_ascii_lowercase();
            let Ok(val) = args.next() else {
                return Err(Error::Syntax);
            };
            match &opt[..] {
                b"id" => match parse_i64(&val) {
                    Some(n) if n > 0 => id = Some(n as u64),
                    _ => return Err(Error::Static("ERR client-id should be greater than 0")),
                },
                b"addr" => addr = Some(val),
                b"laddr" => laddr = Some(val),
                b"skipme" => {
                    skipme = match &val.to_ascii_lowercase()[..] {
                        b"yes" => true,
                        b"no" => false,
                        _ => return Err(Error::Syntax),
                    }
                }
                b"type" | b"user" | b"maxage" => {}
                _ => return Err(Error::Syntax),
            }
        }
        let me = self.client.id;
        let n = clients.kill_where(|c| {
            if skipme && c.id == me {
                return false;
            }
            let m = c.meta.lock();
            id.is_none_or(|i| i == c.id)
                && addr.as_ref().is_none_or(|a| m.addr.as_bytes() == &a[..])
                && laddr.as_ref().is_none_or(|a| m.laddr.as_bytes() == &a[..])
        });
        Ok(Reply::count(n))
    }

    fn client_setinfo(&mut self, args: &mut command::Args) -> Result<Reply> {
        let attr = args.next()?.to_ascii_lowercase();
        let val = args.next()?;
        if val.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
            return Err(Error::Reply(format!(
                "ERR {} cannot contain spaces, newlines or special characters.",
                String::from_utf8_lossy(&attr)
            )));
        }
        let mut m = self.client.meta.lock();
        match &attr[..] {
            b"lib-name" => m.lib_name = val,
            b"lib-ver" => m.lib_ver = val,
            _ => {
                return Err(Error::Reply(format!(
                    "ERR Unrecognized option '{}'",
                    String::from_utf8_lossy(&attr)
                )));
            }
        }
        Ok(Reply::OK)
    }

    // ---- transactions ------------------------------------------------------

    fn multi_cmd(&mut self) -> Result<Reply> {
        if self.multi.is_some() {
            return Err(Error::Static("ERR MULTI calls can not be nested"));
        }
        self.multi = Some(Multi::default());
        self.client.meta.lock().multi = 0;
        Ok(Reply::OK)
    }

    fn discard(&mut self) -> Result<Reply> {
        if self.multi.take().is_none() {
            return Err(Error::Static("ERR DISCARD without MULTI"));
        }
        self.client.meta.lock().multi = -1;
        self.unwatch_all();
        Ok(Reply::OK)
    }

    fn watch(&mut self, args: &mut command::Args) -> Result<Reply> {
        if self.multi.is_some() {
            return Err(Error::Static("ERR WATCH inside MULTI is not allowed"));
        }
        let db = self.db;
        let mut keys: Vec<Bytes> = Vec::new();
        for key in args.rest() {
            let watched = self.watched.iter().any(|(d, k, _)| *d == db && *k == key)
                || self
                    .pending_watches
                    .iter()
                    .any(|(d, k, _)| *d == db && *k == key);
            if !watched && !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Ok(Reply::OK);
        }
        let slots: Vec<_> = keys
            .iter()
            .map(|k| (db, k.clone(), Arc::new(AtomicU64::new(UNSET_VERSION))))
            .collect();
        let mut ops = slots
            .iter()
            .map(|(db, key, version)| WatchOp::Watch {
                db: *db,
                key: key.clone(),
                version: version.clone(),
            })
            .collect();
        // While a script is busy, Redis still answers WATCH: the script
        // registers the watches before its next command.
        let Some(mut st) = crate::scripting::lock_or_defer(&self.store, &mut ops) else {
            self.pending_watches.extend(slots);
            return Ok(Reply::OK);
        };
        let ks = &mut st.dbs[db];
        for key in keys {
            ks.expire_if_needed(&key);
            let v = ks.watch(&key);
            self.watched.push((db, key, v));
        }
        Ok(Reply::OK)
    }

    /// Drops every watch; while a script is busy the script unregisters them
    /// (UNWATCH, DISCARD and RESET answer at once, as in Redis).
    fn unwatch_all(&mut self) {
        if self.watched.is_empty() && self.pending_watches.is_empty() {
            return;
        }
        let mut ops: Vec<WatchOp> = self
            .watched
            .drain(..)
            .map(|(db, key, _)| (db, key))
            .chain(self.pending_watches.drain(..).map(|(db, key, _)| (db, key)))
            .map(|(db, key)| WatchOp::Unwatch { db, key })
            .collect();
        if let Some(mut st) = crate::scripting::lock_or_defer(&self.store, &mut ops) {
            for op in ops {
                if let WatchOp::Unwatch { db, key } = op {
                    st.dbs[db].unwatch(&key);
                }
            }
        }
    }

    fn exec(&mut self) -> Result<Reply> {
        let Some(multi) = self.multi.take() else {
            return Err(Error::Static("ERR EXEC without MULTI"));
        };
        self.client.meta.lock().multi = -1;
        if multi.failed {
            self.unwatch_all();
            return Err(Error::ExecAbort);
        }
        let mut queue = multi.queue.into_iter().peekable();
        let mut replies = Vec::new();
        let mut first = true;
        let store = self.store.clone();
        loop {
            // One atomic segment: every queued command up to the next one
            // that must run outside the store lock.
            let aborted = store.atomically_with(self.db, self.protocol, |tx| {
                if first {
                    first = false;
                    // Watches taken while a script was busy: that script
                    // registered them before it released the lock.
                    for (db, key, version) in self.pending_watches.drain(..) {
                        self.watched.push((db, key, version.load(Ordering::SeqCst)));
                    }
                    for (db, key, version) in &self.watched {
                        if *version == UNSET_VERSION {
                            return true;
                        }
                        let ks = &mut tx.cx.state.dbs[*db];
                        ks.expire_if_needed(key);
                        if ks.watch_version(key) != *version {
                            return true;
                        }
                    }
                }
                while let Some(argv) = queue.next_if(|a| !outside_lock(a)) {
                    let name = command::lookup(&argv[0]).map(|s| s.name).unwrap_or("");
                    let r = if is_session_command(name) {
                        match self.run_session(name, argv, Some(tx)) {
                            Outcome::Reply(r) => r,
                            Outcome::Many(mut rs) if rs.len() == 1 => rs.pop().unwrap(),
                            Outcome::Many(rs) => Reply::Array(rs),
                            Outcome::Blocked(b) => b.cancel(),
                            Outcome::Nothing => continue,
                        }
                    } else {
                        tx.execute_argv(argv)
                    };
                    replies.push(r);
                }
                false
            });
            if aborted {
                self.unwatch_all();
                return Ok(Reply::NullArray);
            }
            let Some(argv) = queue.next() else { break };
            let name = command::lookup(&argv[0]).map(|s| s.name).unwrap_or("");
            match self.run_session(name, argv, None) {
                Outcome::Reply(r) => replies.push(r),
                Outcome::Many(rs) => replies.extend(rs),
                Outcome::Blocked(b) => replies.push(b.cancel()),
                Outcome::Nothing => {}
            }
        }
        self.unwatch_all();
        Ok(Reply::Array(replies))
    }

    // ---- pub/sub -----------------------------------------------------------

    fn pubsub_cmd(&mut self, name: &str, args: &mut command::Args) -> Outcome {
        let targets = args.rest();
        let replies = pubsub_command(self, name, targets);
        let (sub, psub) = self.subs.counts();
        {
            let mut m = self.client.meta.lock();
            m.sub = sub;
            m.psub = psub;
        }
        Outcome::Many(replies)
    }

    fn unsubscribe_all(&mut self) {
        self.subs.sub = None;
        let mut m = self.client.meta.lock();
        m.sub = 0;
        m.psub = 0;
    }

    fn poll_messages(&mut self, cx: &mut Context<'_>, out: &mut BytesMut) -> bool {
        let mut any = false;
        while let Poll::Ready(Some(msg)) = self.subs.poll_message(cx) {
            any = true;
            // Delivered even under CLIENT REPLY OFF, as in Redis.
            resp::encode(&Reply::Push(msg), self.protocol, out);
            if out.len() > 1 << 20 {
                cx.waker().wake_by_ref();
                break;
            }
        }
        any
    }

    /// The protocol, for pub/sub replies.
    pub(crate) fn is_resp3(&self) -> bool {
        self.protocol == Protocol::Resp3
    }

    /// The store this session serves.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A blocked command's waiter is unregistered by dropping its handle.
        self.blocked = None;
        self.unwatch_all();
        self.unsubscribe_all();
        self.host.clients().unregister(self.client.id);
    }
}

/// True for the commands that run a Lua script: EVAL, EVALSHA, FCALL and
/// their read-only forms (in any case).
fn runs_script(argv: &[Bytes]) -> bool {
    let name = &argv[0];
    matches!(name.first(), Some(b'e' | b'E' | b'f' | b'F'))
        && [
            "eval",
            "evalsha",
            "eval_ro",
            "evalsha_ro",
            "fcall",
            "fcall_ro",
        ]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

fn outside_lock(argv: &[Bytes]) -> bool {
    command::lookup(&argv[0]).is_some_and(|s| is_outside_lock(s.name))
}

/// The table name of the top-level command (`client` for CLIENT LIST).
fn top_name(found: &Found<'_>, argv: &[Bytes]) -> &'static str {
    match found {
        Found::Builtin(spec, 1) => spec.name,
        // A subcommand's spec names the subcommand: look the parent up.
        Found::Builtin(_, _) => command::lookup(&argv[0]).map(|s| s.name).unwrap_or(""),
        Found::Custom(_) => "",
    }
}

/// Appends Redis's `fullname` (`get`, `client|list`) to `out`, without
/// allocating for a plain command (this runs for every command).
/// `top` is the command's name from [`top_name`].
fn write_full_name(found: &Found<'_>, top: &str, out: &mut String) {
    match found {
        Found::Builtin(spec, 1) => out.push_str(spec.name),
        Found::Builtin(spec, _) => {
            out.push_str(top);
            out.push('|');
            out.push_str(spec.name);
        }
        Found::Custom(c) => out.push_str(&c.spec.name),
    }
}

/// CLIENT LIST's `cmd=` after a command that failed lookup, as Redis 7.0
/// sets `lastcmd`: `NULL` for an unknown command or subcommand, else the
/// name (`get`, `client`, `config|get`) of the command whose arity was wrong.
fn failed_cmd_name(argv: &[Bytes]) -> String {
    let Some(spec) = command::lookup(&argv[0]) else {
        return "NULL".into();
    };
    match argv.get(1) {
        Some(sub) if !spec.subcommands.is_empty() => match spec.subcommand(sub) {
            Some(s) => format!("{}|{}", spec.name, s.name),
            None => "NULL".into(),
        },
        _ => spec.name.into(),
    }
}

fn check_client_name(n: &[u8]) -> Result<()> {
    if n.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Error::Static(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

/// A text reply: verbatim in RESP3, bulk in RESP2 (as INFO and CLIENT LIST).
pub(crate) fn verbatim(text: String) -> Reply {
    Reply::Verbatim {
        format: "txt",
        text: Bytes::from(text),
    }
}

/// Formats `fields` as `name:value\r\n` lines under `# Title`.
pub(crate) fn info_section(out: &mut String, title: &str, fields: &[(String, String)]) {
    if !out.is_empty() {
        out.push_str("\r\n");
    }
    let _ = write!(out, "# {title}\r\n");
    for (k, v) in fields {
        let _ = write!(out, "{k}:{v}\r\n");
    }
}

/// How long a DEBUG SLEEP asks to sleep.
pub(crate) fn debug_sleep_duration(arg: &[u8]) -> Option<Duration> {
    let s = std::str::from_utf8(arg).ok()?;
    let secs: f64 = s.parse().ok()?;
    (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs))
}

// ---- pub/sub state -------------------------------------------------------------

/// A session's subscriptions: a hub [`Subscription`](crate::Subscription),
/// created on the first SUBSCRIBE and dropped when the last one goes.
#[derive(Default)]
struct Subs {
    sub: Option<crate::Subscription>,
}

impl Subs {
    fn count(&self) -> usize {
        self.sub.as_ref().map_or(0, |s| s.count())
    }
    fn counts(&self) -> (usize, usize) {
        self.sub
            .as_ref()
            .map_or((0, 0), |s| (s.channels().len(), s.patterns().len()))
    }
    /// The next message as Redis's `message`/`pmessage` items.
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Vec<Reply>>> {
        let Some(sub) = self.sub.as_ref() else {
            return Poll::Pending;
        };
        sub.poll_recv(cx).map(|m| {
            Some(match m.pattern {
                None => vec![
                    Reply::bulk("message"),
                    Reply::Bulk(m.channel),
                    Reply::Bulk(m.payload),
                ],
                Some(p) => vec![
                    Reply::bulk("pmessage"),
                    Reply::Bulk(p),
                    Reply::Bulk(m.channel),
                    Reply::Bulk(m.payload),
                ],
            })
        })
    }
}

/// SUBSCRIBE / PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE: one confirmation per
/// target, as a push in RESP3 and an array in RESP2.
fn pubsub_command(s: &mut Session, name: &str, targets: Vec<Bytes>) -> Vec<Reply> {
    let resp3 = s.is_resp3();
    let kind: &'static str = match name {
        "subscribe" => "subscribe",
        "psubscribe" => "psubscribe",
        "unsubscribe" => "unsubscribe",
        _ => "punsubscribe",
    };
    let store = s.store.clone();
    let confirmations = match kind {
        "subscribe" => s
            .subs
            .sub
            .get_or_insert_with(|| store.subscriber())
            .subscribe_more(targets),
        "psubscribe" => s
            .subs
            .sub
            .get_or_insert_with(|| store.subscriber())
            .psubscribe_more(targets),
        _ => match s.subs.sub.as_mut() {
            // Not subscribed at all: Redis still confirms each named target
            // (with count 0); only a bare UNSUBSCRIBE gets the nil one below.
            None => targets.into_iter().map(|t| (t, 0)).collect(),
            Some(sub) if kind == "unsubscribe" => sub.unsubscribe(targets.iter()),
            Some(sub) => sub.punsubscribe(targets.iter()),
        },
    };
    if s.subs.count() == 0 {
        s.subs.sub = None;
    }
    let push = |items: Vec<Reply>| {
        if resp3 {
            Reply::Push(items)
        } else {
            Reply::Array(items)
        }
    };
    if confirmations.is_empty() {
        // Unsubscribing from everything while subscribed to nothing.
        return vec![push(vec![
            Reply::bulk(kind),
            Reply::Null,
            Reply::Integer(0),
        ])];
    }
    confirmations
        .into_iter()
        .map(|(t, n)| push(vec![Reply::bulk(kind), Reply::Bulk(t), Reply::count(n)]))
        .collect()
}

// ---- store helpers for hosts -------------------------------------------------

impl Store {
    /// A point-in-time copy of every database (keys, values, expiries) in a
    /// new, independent store with the system clock. The store lock is held
    /// only for [`Store::freeze`] (O(databases × segments), not O(keys)); the
    /// copy then shares the data copy-on-write, and building its expiry
    /// index runs off the lock in O(keys). To save in the background, encode
    /// [`Store::freeze`]'s result directly instead.
    pub fn fork(&self) -> Store {
        let frozen = self.freeze();
        let copy = Store::builder().databases(frozen.dbs.len()).build();
        {
            let mut dst = copy.shared.state.lock();
            for (src, dst) in frozen.dbs.into_iter().zip(dst.dbs.iter_mut()) {
                dst.load_frozen(src);
            }
        }
        copy
    }

    /// Blocked-command waiters registered in every database (BLPOP and
    /// friends); 0 when no client is blocked. For leak checks and INFO.
    pub fn blocked_waiters(&self) -> usize {
        self.shared
            .state
            .lock()
            .dbs
            .iter()
            .map(|d| d.waiters.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(Store::new(), Arc::new(LocalHost::default()))
    }

    #[test]
    fn a_batch_stops_before_a_script_and_process_runs_the_rest_in_order() {
        let mut s = session();
        s.input()
            .extend_from_slice(b"SET a 1\r\neval \"return 2\" 0\r\nGET a\r\n");
        let mut out = BytesMut::new();
        assert!(s.process_until_script(&mut out));
        assert_eq!(&out[..], b"+OK\r\n");
        s.process(&mut out);
        let eval_reply: &[u8] = if cfg!(feature = "lua") {
            b":2\r\n"
        } else {
            b"-ERR"
        };
        assert!(out[5..].starts_with(eval_reply), "{out:?}");
        assert!(out.ends_with(b"$1\r\n1\r\n"), "{out:?}");
    }

    #[test]
    fn a_batch_without_scripts_runs_whole() {
        let mut s = session();
        s.input()
            .extend_from_slice(b"SET evalsha 1\r\nGET evalsha\r\nPING\r\n");
        let mut out = BytesMut::new();
        assert!(!s.process_until_script(&mut out));
        assert_eq!(&out[..], b"+OK\r\n$1\r\n1\r\n+PONG\r\n");
    }

    #[test]
    fn script_commands_are_spotted_in_any_case() {
        for name in [
            "EVAL",
            "evalsha",
            "Eval_Ro",
            "EVALSHA_RO",
            "fcall",
            "FCALL_RO",
        ] {
            assert!(runs_script(&[Bytes::from(name)]), "{name}");
        }
        for name in ["GET", "e", "evalx", "fcal", "script", "function"] {
            assert!(!runs_script(&[Bytes::from(name)]), "{name}");
        }
    }
}
