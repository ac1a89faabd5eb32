//! The Rust half of Node's `db.listen()`: the core's client [`Session`] (the
//! same protocol and connection logic as `embedis-server`) driven by bytes
//! from a `node:net` socket. The JS half (`js/listen.cjs`) owns the sockets;
//! this side turns input bytes into output bytes, and wakes up on its own
//! when a blocked command is served, a subscribed channel gets a message or
//! a blocking timeout passes.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::BytesMut;
use embedis::Store;
use embedis::session::{Host, LocalHost, Session};
use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use web_time::Instant;

use crate::Embedis;
use crate::timer::{Life, MAX_DELAY_MS, Timeout};
use crate::types::ConsoleOutput;

/// Where a connection's output bytes go.
enum Sink {
    /// `write(bytes: Uint8Array)`: a socket.
    Socket(Function),
    /// The console page: complete replies decoded, formatted as `redis-cli`
    /// prints them and passed to `output(text, isError)`.
    Console { pending: BytesMut, output: Function },
}

impl Sink {
    fn send(&mut self, bytes: &[u8]) -> Vec<(Function, JsValue, JsValue)> {
        match self {
            Sink::Socket(write) => vec![(
                write.clone(),
                Uint8Array::from(bytes).into(),
                JsValue::UNDEFINED,
            )],
            Sink::Console { pending, output } => {
                pending.extend_from_slice(bytes);
                let mut calls = Vec::new();
                while let Some((reply, used)) = crate::reply_decode::decode(pending) {
                    let _ = pending.split_to(used);
                    let text = reply.to_string_lossy();
                    calls.push((
                        output.clone(),
                        JsValue::from_str(&text),
                        JsValue::from_bool(reply.is_error()),
                    ));
                }
                calls
            }
        }
    }
}

/// One `listen()`: the store and its client registry (CLIENT LIST / KILL,
/// `requirepass`). Internal to the package's `listen`.
#[wasm_bindgen(skip_typescript)]
pub struct RespServer {
    store: Store,
    host: Arc<LocalHost>,
    life: Rc<Life>,
}

/// One client connection of a [`RespServer`]. Internal to the package's `listen`.
#[wasm_bindgen(skip_typescript)]
pub struct RespConnection {
    conn: Rc<RefCell<Conn>>,
}

struct Conn {
    session: Session,
    out: BytesMut,
    /// Where the session's output goes.
    sink: Sink,
    /// `end()`: flushes and closes the socket.
    end: Option<Function>,
    /// The event task's waker: woken after input so it polls the session's
    /// new state (a command that just blocked, a new subscription).
    waker: Option<Waker>,
    /// The blocked command's deadline and the timer armed for it.
    timer: Option<(Instant, Timeout)>,
    /// The socket closed (or `end()` was called): the task stops.
    closed: bool,
}

#[wasm_bindgen]
impl Embedis {
    // skip_typescript: internal to the package's `listen` (js/listen.cjs).
    /// A RESP server state for `listen()`, with an optional `requirepass`.
    #[wasm_bindgen(js_name = respServer, skip_typescript)]
    pub fn resp_server(&self, requirepass: Option<String>) -> RespServer {
        let host = match requirepass {
            Some(p) if !p.is_empty() => LocalHost::with_requirepass(p),
            _ => LocalHost::default(),
        };
        RespServer {
            store: self.store().clone(),
            host: Arc::new(host),
            life: self.life().clone(),
        }
    }
}

#[wasm_bindgen]
impl RespServer {
    /// A new client: `write(bytes)` sends bytes on its socket, `end()` closes it.
    pub fn connect(
        &self,
        addr: String,
        laddr: String,
        write: Function,
        end: Function,
    ) -> RespConnection {
        let session = Session::new(self.store.clone(), self.host.clone() as Arc<dyn Host>);
        session.client().set_addr(addr, laddr);
        start(session, Sink::Socket(write), Some(end), &self.life)
    }

    /// Connected clients.
    #[wasm_bindgen(getter)]
    pub fn clients(&self) -> usize {
        self.host.clients().len()
    }
}

#[wasm_bindgen]
impl RespConnection {
    /// Bytes read from the socket: runs every complete command, writes the replies.
    pub fn feed(&self, data: &[u8]) {
        {
            let mut c = self.conn.borrow_mut();
            let Conn { session, out, .. } = &mut *c;
            session.feed(data, out);
        }
        settle(&self.conn);
    }

    /// The socket closed: forgets the client (its subscriptions, its
    /// blocked command) at once.
    pub fn close(&self) {
        close(&self.conn);
    }
}

impl Drop for RespConnection {
    fn drop(&mut self) {
        close(&self.conn);
    }
}

/// Wraps `session` and starts its event task.
fn start(session: Session, sink: Sink, end: Option<Function>, life: &Rc<Life>) -> RespConnection {
    let conn = Rc::new(RefCell::new(Conn {
        session,
        out: BytesMut::new(),
        sink,
        end,
        waker: None,
        timer: None,
        closed: false,
    }));
    let id = life.id();
    wasm_bindgen_futures::spawn_local(Events {
        conn: conn.clone(),
        life: life.clone(),
        id,
    });
    RespConnection { conn }
}

fn close(conn: &Rc<RefCell<Conn>>) {
    let waker = {
        let mut c = conn.borrow_mut();
        c.closed = true;
        c.timer = None;
        c.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
}

/// After the session ran: sends what it wrote, closes the socket if it asked
/// to, arms the blocking timeout, and lets the event task look again.
fn settle(conn: &Rc<RefCell<Conn>>) {
    let (calls, end, waker) = {
        let mut c = conn.borrow_mut();
        if c.closed {
            return;
        }
        let calls = if c.out.is_empty() {
            Vec::new()
        } else {
            let bytes = c.out.split().freeze();
            c.sink.send(&bytes)
        };
        match c.session.block_deadline() {
            None => c.timer = None,
            Some(d) if c.timer.as_ref().is_some_and(|(t, _)| *t == d) => {}
            Some(d) => {
                let ms = d.saturating_duration_since(Instant::now()).as_secs_f64() * 1000.0;
                c.timer =
                    (ms <= MAX_DELAY_MS).then(|| (d, deadline_timer(Rc::downgrade(conn), ms)));
            }
        }
        let end = if c.session.should_close() {
            c.closed = true;
            c.end.clone()
        } else {
            None
        };
        (calls, end, c.waker.take())
    };
    // JS calls outside the borrow.
    for (f, a, b) in calls {
        let _ = f.call2(&JsValue::NULL, &a, &b);
    }
    if let Some(end) = end {
        let _ = end.call0(&JsValue::NULL);
    }
    if let Some(w) = waker {
        w.wake();
    }
}

/// Times out the blocked command (BLPOP's `*-1`) when its deadline passes.
fn deadline_timer(conn: Weak<RefCell<Conn>>, ms: f64) -> Timeout {
    Timeout::new(ms, move || {
        let Some(conn) = conn.upgrade() else { return };
        {
            let mut c = conn.borrow_mut();
            c.timer = None;
            let Conn { session, out, .. } = &mut *c;
            session.timeout_blocked(out);
        }
        settle(&conn);
    })
}

/// Waits for the session's out-of-band events (served blocked command,
/// pub/sub message, CLIENT KILL) until the connection or the store closes.
struct Events {
    conn: Rc<RefCell<Conn>>,
    life: Rc<Life>,
    id: u64,
}

impl Future for Events {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            let ready = {
                let mut c = this.conn.borrow_mut();
                if c.closed || this.life.is_closed() {
                    c.timer = None;
                    return Poll::Ready(());
                }
                c.waker = Some(cx.waker().clone());
                let Conn { session, out, .. } = &mut *c;
                session.poll_event(cx, out).is_ready()
            };
            if !ready {
                this.life.park(this.id, cx.waker());
                return Poll::Pending;
            }
            settle(&this.conn);
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.life.forget(self.id);
    }
}

/// A `redis-cli` in the page: a client session of the store fed command
/// lines; every reply (and every pub/sub message) is passed to the output
/// callback formatted as `redis-cli` prints it. What the console page uses.
#[wasm_bindgen]
pub struct Console {
    conn: RespConnection,
}

#[wasm_bindgen]
impl Embedis {
    /// A console session on this store: `output(text, isError)` receives each
    /// reply as `redis-cli` prints it (`OK`, `(integer) 1`, `1) "a"`,
    /// `(error) ...`), including the ones that come later (a blocked BLPOP
    /// served, messages after SUBSCRIBE). Supports everything a client
    /// session does: SELECT, MULTI/EXEC, SUBSCRIBE, HELLO 3, ...
    pub fn console(&self, output: &ConsoleOutput) -> Result<Console, JsValue> {
        let output = output
            .dyn_ref::<Function>()
            .ok_or_else(|| crate::convert::type_error("embedis: output must be a function"))?
            .clone();
        let host: Arc<dyn Host> = Arc::new(LocalHost::default());
        let session = Session::new(self.store().clone(), host);
        session.client().set_addr("console:0", "console:0");
        let sink = Sink::Console {
            pending: BytesMut::new(),
            output,
        };
        Ok(Console {
            conn: start(session, sink, None, self.life()),
        })
    }
}

#[wasm_bindgen]
impl Console {
    /// Runs a command line typed as in `redis-cli` (`SET "a b" 1`); returns
    /// false (running nothing) when its quotes are unbalanced.
    pub fn run(&self, line: &str) -> bool {
        let Some(argv) = crate::split_args(line) else {
            return false;
        };
        if argv.is_empty() {
            return true;
        }
        let mut frame = BytesMut::new();
        frame.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
        for a in &argv {
            frame.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            frame.extend_from_slice(a);
            frame.extend_from_slice(b"\r\n");
        }
        self.conn.feed(&frame);
        true
    }

    /// The session's database (`SELECT`), for the prompt.
    #[wasm_bindgen(getter)]
    pub fn index(&self) -> u32 {
        self.conn.conn.borrow().session.db() as u32
    }

    /// True after `QUIT` (or `RESET`-less close): the session is gone.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.conn.conn.borrow().closed
    }
}
