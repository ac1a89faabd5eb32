//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...).
//!
//! A blocking command that finds nothing to pop registers a waiter: the keys
//! it waits on and a `serve` closure that performs its pop. Writes to a key
//! with waiters mark it ready; when the writing command (or the whole
//! MULTI/EXEC or script) completes, still under the store lock, each ready
//! key serves its waiters first-come first-served by running their `serve`
//! closures, exactly as Redis's `handleClientsBlockedOnKeys` does. The caller
//! learns the result through a [`Blocked`] handle: a thread waits on it with
//! [`Blocked::wait`], async code awaits it (it is a `Future`, with no timer of
//! its own: race it against your runtime's timer and call
//! [`Blocked::cancel`] on timeout).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use crate::command::Protocol;
use crate::keyspace::Keyspace;
use crate::{Dispatch, Reply, Result, Store};

/// Performs a blocked client's pop on `key`: `None` when the key cannot
/// serve it (still empty, or of another type: Redis 7.0 keeps such a client
/// blocked), `Some(reply)` when it did.
pub(crate) type ServeFn = Box<dyn FnMut(&mut Keyspace, &Bytes) -> Option<Reply> + Send + Sync>;

/// What a blocking handler asks for when it cannot be served at once.
pub(crate) struct BlockRequest {
    pub(crate) keys: Vec<Bytes>,
    /// `None` = block forever (timeout 0).
    pub(crate) timeout: Option<Duration>,
    /// Reply on timeout (`*-1` for the list and zset commands).
    pub(crate) timeout_reply: Reply,
    pub(crate) serve: ServeFn,
}

/// A registered waiter, owned by its database.
pub(crate) struct PendingWaiter {
    pub(crate) keys: Vec<Bytes>,
    pub(crate) serve: ServeFn,
    pub(crate) slot: Arc<Slot>,
}

#[derive(Default)]
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    cond: Condvar,
}

#[derive(Default)]
enum SlotState {
    #[default]
    Waiting,
    WaitingWith(Waker),
    Done(Reply),
    Taken,
}

impl Slot {
    fn complete(&self, reply: Reply) {
        let mut st = self.state.lock();
        let prev = std::mem::replace(&mut *st, SlotState::Done(reply));
        drop(st);
        self.cond.notify_all();
        if let SlotState::WaitingWith(w) = prev {
            w.wake();
        }
    }

    fn take(&self) -> Option<Reply> {
        let mut st = self.state.lock();
        if matches!(*st, SlotState::Done(_)) {
            match std::mem::replace(&mut *st, SlotState::Taken) {
                SlotState::Done(r) => Some(r),
                _ => unreachable!(),
            }
        } else {
            None
        }
    }
}

impl Keyspace {
    /// Registers a waiter under `id` on each of its keys, in FIFO order.
    pub(crate) fn block(&mut self, id: u64, req: BlockRequest) -> Arc<Slot> {
        let slot = Arc::new(Slot::default());
        for k in &req.keys {
            let q = self.blocked.entry(k.clone()).or_default();
            if !q.contains(&id) {
                q.push_back(id);
            }
        }
        self.waiters.insert(
            id,
            PendingWaiter {
                keys: req.keys,
                serve: req.serve,
                slot: slot.clone(),
            },
        );
        slot
    }

    /// Forgets waiter `id` (timeout, disconnect). Harmless if already served.
    pub(crate) fn unblock(&mut self, id: u64) {
        if let Some(w) = self.waiters.remove(&id) {
            self.forget_waiter_keys(id, &w.keys);
        }
    }

    fn forget_waiter_keys(&mut self, id: u64, keys: &[Bytes]) {
        for k in keys {
            if let Some(q) = self.blocked.get_mut(&k[..]) {
                q.retain(|&x| x != id);
                if q.is_empty() {
                    self.blocked.remove(&k[..]);
                }
            }
        }
    }

    /// Serves waiters on every ready key, first-come first-served, until no
    /// ready key can serve anyone, as Redis's `handleClientsBlockedOnKeys`:
    /// keys in the order they were signalled (each once per pass); serving
    /// may write other keys (BLMOVE's destination), which are served in a
    /// following pass.
    pub(crate) fn serve_ready(&mut self) {
        while !self.ready.is_empty() {
            let batch = std::mem::take(&mut self.ready);
            let mut seen: hashbrown::HashSet<&Bytes> =
                hashbrown::HashSet::with_capacity(batch.len());
            for key in &batch {
                if seen.insert(key) {
                    self.serve_key(key);
                }
            }
        }
    }

    /// Offers `key` to its waiters in the order they blocked. A waiter whose
    /// `serve` declines (the value is of another type than it pops, say a
    /// BZPOPMIN waiter on a list) stays blocked and the next one is tried, as
    /// Redis skips clients of another blocking type; once the key is gone
    /// nobody else can be served.
    fn serve_key(&mut self, key: &Bytes) {
        // Walk the queue in place: a served waiter leaves it (the next one
        // moves into its position), a declining one stays and is stepped over.
        let mut pos = 0;
        while self.contains(key) {
            let Some(&id) = self.blocked.get(&key[..]).and_then(|q| q.get(pos)) else {
                break;
            };
            let Some(mut w) = self.waiters.remove(&id) else {
                // Stale id (should not happen): drop it and go on.
                if let Some(q) = self.blocked.get_mut(&key[..]) {
                    q.remove(pos);
                }
                continue;
            };
            match (w.serve)(self, key) {
                None => {
                    self.waiters.insert(id, w);
                    pos += 1;
                }
                Some(reply) => {
                    self.forget_waiter_keys(id, &w.keys);
                    w.slot.complete(reply);
                }
            }
        }
    }
}

/// A command that is waiting for data (BLPOP and friends), returned by
/// [`Store::dispatch`](crate::Store::dispatch).
///
/// Resolve it one of three ways: [`Blocked::wait`] (blocks this thread up to
/// the command's timeout), `.await` (a `Future` without a timer; race it with
/// [`Blocked::timeout`]), or [`Blocked::cancel`] (gives the reply as of now:
/// the served value if one arrived, else the timeout reply). Dropping an
/// unresolved handle unregisters the waiter.
pub struct Blocked {
    pub(crate) store: Store,
    pub(crate) db: usize,
    pub(crate) id: u64,
    pub(crate) slot: Arc<Slot>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) timeout_reply: Option<Reply>,
}

impl std::fmt::Debug for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocked")
            .field("db", &self.db)
            .field("id", &self.id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Blocked {
    /// The command's timeout; `None` means it blocks until served.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The id the waiter is registered under (unique within the store).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Blocks the current thread until served or until the command's timeout.
    /// Not available on wasm32 (no threads to block).
    pub fn wait(self) -> Reply {
        // A deadline too far to represent is the same as none.
        let deadline = self
            .timeout
            .and_then(|t| web_time::Instant::now().checked_add(t));
        {
            let mut st = self.slot.state.lock();
            loop {
                if matches!(*st, SlotState::Done(_)) {
                    break;
                }
                match deadline {
                    None => self.slot.cond.wait(&mut st),
                    Some(d) => {
                        let now = web_time::Instant::now();
                        if now >= d {
                            break;
                        }
                        self.slot.cond.wait_for(&mut st, d - now);
                    }
                }
            }
        }
        self.cancel()
    }

    /// Stops waiting: returns the served reply if the waiter was served in
    /// the meantime, else the command's timeout reply (`*-1` for BLPOP).
    pub fn cancel(mut self) -> Reply {
        self.finish()
    }

    /// Stops waiting: the served reply if the waiter was served in the
    /// meantime, else `None` (CLIENT UNBLOCK ... ERROR replies with an error
    /// then, instead of the timeout reply).
    pub(crate) fn cancel_unless_served(mut self) -> Option<Reply> {
        if let Some(r) = self.slot.take() {
            self.timeout_reply = None;
            return Some(r);
        }
        self.store.unblock(self.db, self.id);
        // Disarms Drop (already unblocked); a serve that raced us still wins.
        self.timeout_reply = None;
        self.slot.take()
    }

    fn finish(&mut self) -> Reply {
        if let Some(r) = self.slot.take() {
            self.timeout_reply = None;
            return r;
        }
        self.store.unblock(self.db, self.id);
        // Served between the check and the unblock?
        if let Some(r) = self.slot.take() {
            self.timeout_reply = None;
            return r;
        }
        self.timeout_reply.take().unwrap_or(Reply::NullArray)
    }
}

impl Future for Blocked {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reply> {
        let this = self.get_mut();
        let mut st = this.slot.state.lock();
        match std::mem::take(&mut *st) {
            SlotState::Done(r) => {
                *st = SlotState::Taken;
                drop(st);
                this.timeout_reply = None;
                Poll::Ready(r)
            }
            SlotState::Taken => {
                *st = SlotState::Taken;
                Poll::Pending
            }
            SlotState::Waiting | SlotState::WaitingWith(_) => {
                *st = SlotState::WaitingWith(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        if self.timeout_reply.is_some() {
            self.store.unblock(self.db, self.id);
        }
    }
}

enum PopState {
    Ready(Reply),
    Waiting(Blocked),
}

/// A blocking pop started by one of the typed `*_async` methods
/// ([`Db::blpop_async`](crate::Db::blpop_async), ...): a `Future` that resolves when the pop is
/// served, runtime-agnostic and without a timer of its own.
///
/// To give up after a while, race it against your runtime's timer and call
/// [`BlockedPop::cancel`] when the timer wins: `cancel` returns the element
/// if the pop was served in the meantime, so nothing is lost. Merely
/// dropping an unfinished `BlockedPop` unregisters the waiter too, but an
/// element served between the last poll and the drop is then lost.
#[must_use = "a BlockedPop does nothing unless awaited or cancelled"]
pub struct BlockedPop<T> {
    state: Option<PopState>,
    convert: fn(Reply) -> Result<Option<T>>,
}

impl<T> std::fmt::Debug for BlockedPop<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            None => "done",
            Some(PopState::Ready(_)) => "ready",
            Some(PopState::Waiting(_)) => "waiting",
        };
        f.debug_struct("BlockedPop").field("state", &state).finish()
    }
}

impl<T> BlockedPop<T> {
    /// Dispatches blocking command `argv` on database `db`; `convert` turns
    /// its reply (served, timeout or error) into the typed result.
    pub(crate) fn start(
        store: &Store,
        db: usize,
        argv: Vec<Bytes>,
        convert: fn(Reply) -> Result<Option<T>>,
    ) -> Self {
        let state = match store.dispatch(db, Protocol::Resp2, argv) {
            Dispatch::Reply(r) => PopState::Ready(r),
            Dispatch::Blocked(b) => PopState::Waiting(b),
        };
        BlockedPop {
            state: Some(state),
            convert,
        }
    }

    /// A pop that completed without waiting, with `reply`.
    pub(crate) fn ready(reply: Reply, convert: fn(Reply) -> Result<Option<T>>) -> Self {
        BlockedPop {
            state: Some(PopState::Ready(reply)),
            convert,
        }
    }

    /// True when the pop completed without waiting (the data was there, or
    /// the arguments were refused).
    pub fn is_ready(&self) -> bool {
        matches!(self.state, Some(PopState::Ready(_)))
    }

    /// Stops waiting: the served element if the pop was served in the
    /// meantime, else `Ok(None)`. Call it when your timer fires.
    pub fn cancel(mut self) -> Result<Option<T>> {
        match self.state.take() {
            None => Ok(None),
            Some(PopState::Ready(r)) => (self.convert)(r),
            Some(PopState::Waiting(b)) => (self.convert)(b.cancel()),
        }
    }
}

impl<T> Future for BlockedPop<T> {
    type Output = Result<Option<T>>;

    /// # Panics
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this.state.take() {
            None => panic!("BlockedPop polled after completion"),
            Some(PopState::Ready(r)) => Poll::Ready((this.convert)(r)),
            Some(PopState::Waiting(mut b)) => match Pin::new(&mut b).poll(cx) {
                Poll::Ready(r) => Poll::Ready((this.convert)(r)),
                Poll::Pending => {
                    this.state = Some(PopState::Waiting(b));
                    Poll::Pending
                }
            },
        }
    }
}

impl Store {
    /// Number of commands currently blocked on keys (BLPOP and friends, in
    /// every database): what Redis's `INFO clients` reports as
    /// `blocked_clients`.
    pub fn blocked_clients(&self) -> usize {
        self.shared
            .state
            .lock()
            .dbs
            .iter()
            .map(|d| d.waiters.len())
            .sum()
    }
}
