//! # embedis-server
//!
//! An [`embedis::Store`] served over the Redis protocol on TCP, so
//! redis-cli, redis-benchmark and every Redis client library work against it
//! unchanged. The binary `embedis-server` is a thin `main` over [`Server`];
//! a Rust program can serve its own in-process store the same way while it
//! keeps using it directly.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use embedis::Store;
//! use embedis_server::Server;
//!
//! let store = Store::new();
//! store.db(0).set("greeting", "hello").unwrap();
//! let server = Server::builder()
//!     .store(store.clone())
//!     .bind(["127.0.0.1"])
//!     .port(6380)
//!     .build()?;
//! // redis-cli -p 6380 GET greeting  →  "hello"
//! server.run(async { tokio::signal::ctrl_c().await.ok(); }).await
//! # }
//! ```
//!
//! # Layout
//! - [`Server`], [`ServerBuilder`]: sockets, per-connection tasks, active
//!   expiry, the save schedule, shutdown.
//! - [`Config`]: every setting, as redis.conf names them; [`Config::parse_file`]
//!   reads redis.conf syntax.
//! - The per-client protocol and state machine live in core
//!   ([`embedis::resp`], [`embedis::session`]); this crate moves bytes and time.

#![warn(missing_docs, unreachable_pub)]

mod busy_poll;
mod config;
mod host;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use embedis::Store;
use embedis::session::Session;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub use config::{Config, ConfigError, DEFAULT_SAVE};
pub use host::ServerHost;

/// Redis's reply to a non-loopback client in protected mode (7.0 text).
pub const DENIED_MESSAGE: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Builds a [`Server`]. Defaults as Redis 7: port 6379, bind 127.0.0.1 and
/// ::1, protected mode on, no password; persistence off unless
/// [`ServerBuilder::config`] or [`ServerBuilder::persistence`] turns it on.
#[derive(Debug, Default)]
pub struct ServerBuilder {
    store: Option<Store>,
    config: Config,
}

impl ServerBuilder {
    /// The store to serve (default: a new empty one, or the snapshot file's
    /// content when persistence is on and the file exists).
    /// The server routes its scripts' `redis.log` lines to its log
    /// ([`Store::set_script_logger`]), replacing a logger set before.
    pub fn store(mut self, store: Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Every setting at once (what the binary uses).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Addresses to listen on (Redis `bind`), e.g. `["127.0.0.1", "::1"]`.
    pub fn bind<I, S>(mut self, addrs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.bind = addrs.into_iter().map(Into::into).collect();
        self
    }

    /// The TCP port (Redis `port`); 0 picks a free one (see [`Server::local_addrs`]).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }

    /// Clients must `AUTH` with this password (Redis `requirepass`).
    pub fn requirepass(mut self, password: impl Into<String>) -> Self {
        self.config.requirepass = Some(password.into());
        self
    }

    /// Refuse non-loopback clients when no password is set (default on).
    pub fn protected_mode(mut self, on: bool) -> Self {
        self.config.protected_mode = on;
        self
    }

    /// Turns persistence on: load `dir/dbfilename` at start if the builder
    /// has no store, SAVE/BGSAVE write it, the `save` schedule and shutdown
    /// write it.
    pub fn persistence(
        mut self,
        dir: impl Into<std::path::PathBuf>,
        dbfilename: impl Into<String>,
    ) -> Self {
        self.config.dir = dir.into();
        self.config.dbfilename = dbfilename.into();
        self.config.persistence = true;
        self
    }

    /// Binds the sockets and loads the snapshot (when persistence is on and
    /// no store was given).
    ///
    /// # Errors
    /// An address that cannot be bound (other than `::1` in the default bind
    /// list, which is skipped with a warning where IPv6 is off, as Redis
    /// does), or a snapshot that cannot be loaded (the file is left untouched).
    pub fn build(self) -> std::io::Result<Server> {
        let config = self.config;
        let mut listeners = Vec::new();
        for addr in &config.bind {
            let (optional, addr) = match addr.strip_prefix('-') {
                Some(a) => (true, a),
                None => (addr == "::1" && config.bind.len() > 1, addr.as_str()),
            };
            let ip: IpAddr = addr.parse().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("invalid bind address '{addr}'"),
                )
            })?;
            let sa = SocketAddr::new(ip, config.port);
            match bind_std(sa) {
                Ok(l) => listeners.push(l),
                Err(e) if optional => {
                    tracing::warn!("Could not create server TCP listening socket {sa}: {e}")
                }
                Err(e) => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("Could not create server TCP listening socket {sa}: {e}"),
                    ));
                }
            }
        }
        if listeners.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrNotAvailable,
                "Failed listening on every bind address",
            ));
        }
        let start = std::time::Instant::now();
        let (store, loaded) = match self.store {
            Some(s) => (s, false),
            None if config.persistence => match host::load(&config)? {
                Some(s) => (s, true),
                None => (new_store(&config), false),
            },
            None => (new_store(&config), false),
        };
        if loaded {
            let keys: usize = store.keyspace_sizes().iter().map(|(k, _)| k).sum();
            tracing::info!(
                "DB loaded from disk: {:.3} seconds ({} keys)",
                start.elapsed().as_secs_f64(),
                keys
            );
        }
        let local_addrs = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect();
        let (stop_tx, _) = watch::channel(false);
        let host = Arc::new(ServerHost::new(store.clone(), config, stop_tx));
        // `redis.log` lines go to the server's log. Weak: the store must not
        // keep its host alive.
        let weak = Arc::downgrade(&host);
        store.set_script_logger(Some(Arc::new(move |level, msg| {
            if let Some(host) = weak.upgrade() {
                host.script_log(level, msg);
            }
        })));
        Ok(Server {
            store,
            host,
            listeners,
            local_addrs,
        })
    }
}

fn new_store(config: &Config) -> Store {
    Store::builder().databases(config.databases).build()
}

fn bind_std(sa: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(sa)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

/// A bound, ready-to-run server. See the [crate docs](crate).
#[derive(Debug)]
pub struct Server {
    store: Store,
    host: Arc<ServerHost>,
    listeners: Vec<std::net::TcpListener>,
    local_addrs: Vec<SocketAddr>,
}

impl Server {
    /// A builder with Redis's defaults.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The addresses actually bound (with the real port when port 0 was asked).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// The store being served (clone it to use it in-process meanwhile).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The host: client registry, configuration, persistence state.
    pub fn host(&self) -> &Arc<ServerHost> {
        &self.host
    }

    /// Serves clients until `shutdown` completes or a client sends SHUTDOWN.
    /// On `shutdown` (e.g. SIGTERM/SIGINT in the binary) the snapshot is
    /// saved first when persistence and a save schedule are on, as Redis
    /// does. Connections are closed when this returns.
    ///
    /// # Errors
    /// Only from registering the sockets with the runtime.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let host = self.host.clone();
        let mut stop = host.stop_receiver();
        let mut tasks = tokio::task::JoinSet::new();
        for l in self.listeners {
            let listener = TcpListener::from_std(l)?;
            let host = host.clone();
            tasks.spawn(accept_loop(listener, host));
        }
        tasks.spawn(cron(host.clone()));
        // Only the default event loop (io-threads 1) busy-polls, where it
        // was measured: on the multi-thread runtime a yielding task would
        // hold one worker while the others park in the driver as before.
        let flavor = tokio::runtime::Handle::current().runtime_flavor();
        if flavor == tokio::runtime::RuntimeFlavor::CurrentThread {
            let host = host.clone();
            tasks.spawn(async move { host.busy_poll().run(|| host.busy_poll_window()).await });
        }
        tokio::select! {
            _ = shutdown => {
                tracing::info!("Received shutdown request, scheduling shutdown...");
                if let Err(e) = host.shutdown_save(None) {
                    tracing::warn!("Error saving on shutdown: {e}");
                }
                host.stop();
            }
            _ = stop.wait_for(|s| *s) => {}
        }
        tasks.shutdown().await;
        tracing::info!("embedis is now ready to exit, bye bye...");
        Ok(())
    }
}

async fn accept_loop(listener: TcpListener, host: Arc<ServerHost>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("Accepting client connection: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let host = host.clone();
        tokio::spawn(async move {
            let _ = serve_connection(stream, peer, host).await;
        });
    }
}

/// Active expiry 10 times a second, the save schedule once a second.
async fn cron(host: Arc<ServerHost>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        n += 1;
        if host.active_expire_enabled() {
            host.store().purge_expired(Duration::from_millis(25));
        }
        if n % 10 == 0 {
            host.save_schedule_tick();
        }
    }
}

/// One client connection: read into the session's buffer, run the whole
/// batch, write the replies with one write; race a blocked command against
/// its timeout and the socket closing.
async fn serve_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    host: Arc<ServerHost>,
) -> std::io::Result<()> {
    stream.set_nodelay(true).ok();
    if host.protected_mode_denies(peer.ip()) {
        tracing::warn!("Denied connection from {peer}: protected mode");
        stream.write_all(DENIED_MESSAGE.as_bytes()).await?;
        return Ok(());
    }
    let store = host.store().clone();
    let mut session = Session::new(store, host.clone());
    let laddr = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    session.client().set_addr(peer.to_string(), laddr);
    let mut stop = host.stop_receiver();
    // One future for the whole connection: made anew per batch, it would
    // register with (and leave) the watch channel's waiter list every time.
    let stopped = stop.wait_for(|s| *s);
    tokio::pin!(stopped);
    let mut out = BytesMut::with_capacity(16 * 1024);
    loop {
        if !out.is_empty() {
            // A small reply waits until every connection that is ready has
            // been served (tokio runs a yielded task after it next polls the
            // sockets), as Redis writes its replies in `beforeSleep`: a
            // client with many connections is then woken once for all of
            // them, not once per connection, which halves the kernel time of
            // a pipelined MSET. A large reply goes out at once, so that the
            // client reads it while the next connection is served.
            if out.len() < 8 * 1024 {
                tokio::task::yield_now().await;
            }
            stream.write_all(&out).await?;
            out.clear();
            if out.capacity() > 4 << 20 {
                out = BytesMut::with_capacity(16 * 1024);
            }
        }
        if session.should_close() {
            break;
        }
        let deadline = session.block_deadline();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        let ev =
            std::future::poll_fn(|cx| poll_input_or_event(&stream, &mut session, &mut out, cx));
        let wake = tokio::select! {
            biased;
            r = ev => r,
            _ = sleep => {
                session.timeout_blocked(&mut out);
                Wake::Event
            }
            _ = &mut stopped => break,
        };
        match wake {
            Wake::Input => {
                host.busy_poll().note_input();
                if session.process_until_script(&mut out) {
                    (session, out) = process_on_blocking_thread(session, out).await?;
                }
            }
            Wake::Event => {}
            Wake::Closed => break,
        }
    }
    let _ = stream.shutdown().await;
    Ok(())
}

/// Finishes, on tokio's blocking pool, a batch that stopped at a Lua script. A
/// script can hold the store for `lua-time-limit` and beyond; on the event
/// loop it would starve every other connection, which must meanwhile get
/// `BUSY` and be able to send `SCRIPT KILL` (Redis serves them from inside
/// the script's hook; here the loop simply keeps running).
async fn process_on_blocking_thread(
    mut session: Session,
    mut out: BytesMut,
) -> std::io::Result<(Session, BytesMut)> {
    tokio::task::spawn_blocking(move || {
        session.process(&mut out);
        (session, out)
    })
    .await
    .map_err(std::io::Error::other)
}

enum Wake {
    Input,
    Event,
    Closed,
}

fn poll_input_or_event(
    stream: &TcpStream,
    session: &mut Session,
    out: &mut BytesMut,
    cx: &mut std::task::Context<'_>,
) -> std::task::Poll<Wake> {
    use std::task::Poll;
    loop {
        match stream.poll_read_ready(cx) {
            Poll::Ready(Ok(())) => {
                let input = session.input();
                if input.capacity() - input.len() < 4096 {
                    input.reserve(16 * 1024);
                }
                let spare = input.capacity() - input.len();
                // A read that did not fill the buffer drained the socket:
                // report WouldBlock to `try_io` so tokio forgets the
                // readiness now, instead of us paying one more `recv` that
                // fails with EAGAIN after every batch (Redis reads once per
                // readable event, too). Tokio only forgets the readiness
                // event this read consumed, so data arriving meanwhile still
                // wakes us.
                let mut got = None;
                let read = stream.try_io(tokio::io::Interest::READABLE, || {
                    let n = stream.try_read_buf(input)?;
                    got = Some(n);
                    if n > 0 && n < spare {
                        Err(std::io::ErrorKind::WouldBlock.into())
                    } else {
                        Ok(())
                    }
                });
                match (got, read) {
                    (Some(0), _) => return Poll::Ready(Wake::Closed),
                    (Some(_), _) => return Poll::Ready(Wake::Input),
                    (None, Err(e)) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    (None, _) => return Poll::Ready(Wake::Closed),
                }
            }
            Poll::Ready(Err(_)) => return Poll::Ready(Wake::Closed),
            Poll::Pending => break,
        }
    }
    match session.poll_event(cx, out) {
        Poll::Ready(()) => Poll::Ready(Wake::Event),
        Poll::Pending => Poll::Pending,
    }
}
