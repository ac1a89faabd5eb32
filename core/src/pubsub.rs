//! The pub/sub hub: one per [`Store`], shared by in-process subscribers and
//! network clients, so a Rust thread can publish to `redis-cli` and the other
//! way round.
//!
//! The hub has its own lock, never the store's data lock: PUBLISH runs inside
//! a command handler (the data lock held), and a subscriber that unsubscribes
//! must not wait for a long command. Lock order is always data → hub → inbox.
//!
//! Each [`Subscription`] owns an inbox: an unbounded FIFO of [`Message`]s.
//! [`Store::publish`] appends to the inboxes while holding the hub lock, so
//! every subscriber sees messages in one global publish order. Receiving is
//! by polling ([`Subscription::try_recv`]), blocking a thread
//! ([`Subscription::recv`], [`Subscription::recv_timeout`]) or awaiting
//! ([`Subscription::next`], [`Subscription::poll_recv`]: `Waker` based, no
//! runtime needed).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
#[cfg(not(target_arch = "wasm32"))]
use std::time::Duration;

use bytes::Bytes;
use indexmap::{IndexMap, IndexSet};
use parking_lot::{Condvar, Mutex};

use crate::Store;
use crate::glob;
use crate::value::Hasher;

/// Subscribers of one channel or pattern, by subscriber id, in subscription order.
type Subscribers = IndexMap<u64, Arc<Inbox>, Hasher>;

/// Channel and pattern subscriptions of every subscriber of one store.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    registry: Arc<Mutex<Registry>>,
}

#[derive(Default)]
struct Registry {
    /// Channel → its subscribers (Redis's `server.pubsub_channels`).
    channels: hashbrown::HashMap<Bytes, Subscribers, Hasher>,
    /// Pattern → its subscribers (Redis's `server.pubsub_patterns`), in the
    /// order patterns were first subscribed.
    patterns: IndexMap<Bytes, Subscribers, Hasher>,
    next_id: u64,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("channels", &self.channels.len())
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

impl Registry {
    fn remove_channel(&mut self, channel: &[u8], id: u64) {
        if let Some(subs) = self.channels.get_mut(channel) {
            subs.shift_remove(&id);
            if subs.is_empty() {
                self.channels.remove(channel);
            }
        }
    }

    fn remove_pattern(&mut self, pattern: &[u8], id: u64) {
        if let Some(subs) = self.patterns.get_mut(pattern) {
            subs.shift_remove(&id);
            if subs.is_empty() {
                self.patterns.shift_remove(pattern);
            }
        }
    }
}

/// A message delivered to a [`Subscription`].
///
/// In Redis's terms: `message channel payload` when `pattern` is `None`,
/// `pmessage pattern channel payload` when it came through a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The channel it was published to.
    pub channel: Bytes,
    /// The pattern that matched, for a pattern subscription (`pmessage`).
    pub pattern: Option<Bytes>,
    /// The published bytes.
    pub payload: Bytes,
}

/// One subscriber's queue of undelivered messages.
#[derive(Default)]
struct Inbox {
    state: Mutex<InboxState>,
    cond: Condvar,
}

#[derive(Default)]
struct InboxState {
    messages: VecDeque<Message>,
    /// The task awaiting the next message, if any (last poller wins).
    waker: Option<Waker>,
}

impl Inbox {
    /// Queues `m`; hands back the waker to wake once the hub lock is released.
    fn push(&self, m: Message, wakers: &mut Vec<Waker>) {
        let mut st = self.state.lock();
        st.messages.push_back(m);
        if let Some(w) = st.waker.take() {
            wakers.push(w);
        }
        drop(st);
        self.cond.notify_one();
    }
}

impl Hub {
    /// Delivers `payload` on `channel`; returns the number of receivers as
    /// Redis counts them: one per channel subscriber plus one per
    /// (matching pattern, subscriber of that pattern).
    pub(crate) fn publish(&self, channel: Bytes, payload: Bytes) -> usize {
        let mut wakers = Vec::new();
        let mut receivers = 0;
        {
            let reg = self.registry.lock();
            if let Some(subs) = reg.channels.get(&channel[..]) {
                for inbox in subs.values() {
                    let m = Message {
                        channel: channel.clone(),
                        pattern: None,
                        payload: payload.clone(),
                    };
                    inbox.push(m, &mut wakers);
                    receivers += 1;
                }
            }
            for (pattern, subs) in &reg.patterns {
                if !glob::matches(pattern, &channel) {
                    continue;
                }
                for inbox in subs.values() {
                    let m = Message {
                        channel: channel.clone(),
                        pattern: Some(pattern.clone()),
                        payload: payload.clone(),
                    };
                    inbox.push(m, &mut wakers);
                    receivers += 1;
                }
            }
        }
        // Wake outside the lock: a waker may run arbitrary code.
        for w in wakers {
            w.wake();
        }
        receivers
    }

    /// A subscription with nothing subscribed yet.
    fn subscriber(&self) -> Subscription {
        let id = {
            let mut reg = self.registry.lock();
            reg.next_id += 1;
            reg.next_id
        };
        Subscription {
            registry: self.registry.clone(),
            id,
            inbox: Arc::new(Inbox::default()),
            channels: IndexSet::default(),
            patterns: IndexSet::default(),
        }
    }

    /// Active channels (≥ 1 subscriber), optionally filtered by a glob.
    pub(crate) fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let reg = self.registry.lock();
        reg.channels
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob::matches(p, c)))
            .cloned()
            .collect()
    }

    /// Subscriber count of each channel (pattern subscriptions not counted).
    pub(crate) fn numsub(&self, channels: &[Bytes]) -> Vec<(Bytes, usize)> {
        let reg = self.registry.lock();
        channels
            .iter()
            .map(|c| (c.clone(), reg.channels.get(&c[..]).map_or(0, |s| s.len())))
            .collect()
    }

    /// Number of distinct patterns with at least one subscriber.
    pub(crate) fn numpat(&self) -> usize {
        self.registry.lock().patterns.len()
    }
}

/// One subscriber's channel and pattern subscriptions and its queue of
/// messages. Created by [`Store::subscribe`], [`Store::psubscribe`] or
/// [`Store::subscriber`]; dropping it unsubscribes everything.
///
/// Messages published after a subscription is added are queued (without
/// bound, in publish order) until received. Unsubscribing stops new
/// deliveries; messages already queued stay receivable, as bytes Redis had
/// already written to a client's socket would.
///
/// ```
/// use embedis::Store;
/// let store = Store::new();
/// let mut sub = store.subscribe(["news"]);
/// sub.psubscribe_more(["n*"]);
/// assert_eq!(store.publish("news", "hi"), 2); // the channel and the pattern
/// let m = sub.try_recv().unwrap();
/// assert_eq!((&m.channel[..], m.pattern, &m.payload[..]), (&b"news"[..], None, &b"hi"[..]));
/// assert_eq!(sub.try_recv().unwrap().pattern.as_deref(), Some(&b"n*"[..]));
/// assert!(sub.try_recv().is_none());
/// ```
pub struct Subscription {
    registry: Arc<Mutex<Registry>>,
    id: u64,
    inbox: Arc<Inbox>,
    channels: IndexSet<Bytes, Hasher>,
    patterns: IndexSet<Bytes, Hasher>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("channels", &self.channels)
            .field("patterns", &self.patterns)
            .field("pending", &self.pending())
            .finish()
    }
}

impl Subscription {
    /// The subscriber id (unique within the store's hub).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Subscribes to more channels. Returns, for each channel in order, the
    /// channel and this subscription's count of channels plus patterns after
    /// it: the `subscribe channel count` replies of Redis `SUBSCRIBE`.
    /// Subscribing twice to one channel is harmless (delivered once).
    ///
    /// Redis: <https://redis.io/commands/subscribe/>
    pub fn subscribe_more<I, C>(&mut self, channels: I) -> Vec<(Bytes, usize)>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let mut out = Vec::new();
        let mut reg = self.registry.lock();
        for c in channels {
            let c = Bytes::copy_from_slice(c.as_ref());
            if self.channels.insert(c.clone()) {
                let subs = reg.channels.entry(c.clone()).or_default();
                subs.insert(self.id, self.inbox.clone());
            }
            out.push((c, self.channels.len() + self.patterns.len()));
        }
        out
    }

    /// Subscribes to more glob patterns ([`crate::glob`]); replies as
    /// [`Subscription::subscribe_more`] (Redis `PSUBSCRIBE`).
    ///
    /// Redis: <https://redis.io/commands/psubscribe/>
    pub fn psubscribe_more<I, P>(&mut self, patterns: I) -> Vec<(Bytes, usize)>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let mut out = Vec::new();
        let mut reg = self.registry.lock();
        for p in patterns {
            let p = Bytes::copy_from_slice(p.as_ref());
            if self.patterns.insert(p.clone()) {
                let subs = reg.patterns.entry(p.clone()).or_default();
                subs.insert(self.id, self.inbox.clone());
            }
            out.push((p, self.channels.len() + self.patterns.len()));
        }
        out
    }

    /// Unsubscribes from `channels`, or from every channel when `channels`
    /// is empty (Redis `UNSUBSCRIBE` with no argument). Returns, for each
    /// channel acted on, the channel and the count of channels plus patterns
    /// left after it: Redis's `unsubscribe channel count` replies (a channel
    /// not subscribed is listed too, as Redis does). Empty when `channels`
    /// was empty and nothing was subscribed.
    ///
    /// Redis: <https://redis.io/commands/unsubscribe/>
    pub fn unsubscribe<I, C>(&mut self, channels: I) -> Vec<(Bytes, usize)>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let mut list: Vec<Bytes> = channels
            .into_iter()
            .map(|c| Bytes::copy_from_slice(c.as_ref()))
            .collect();
        if list.is_empty() {
            list = self.channels.iter().cloned().collect();
        }
        let mut out = Vec::with_capacity(list.len());
        let mut reg = self.registry.lock();
        for c in list {
            if self.channels.shift_remove(&c) {
                reg.remove_channel(&c, self.id);
            }
            out.push((c, self.channels.len() + self.patterns.len()));
        }
        out
    }

    /// Unsubscribes from every channel; see [`Subscription::unsubscribe`].
    pub fn unsubscribe_all(&mut self) -> Vec<(Bytes, usize)> {
        self.unsubscribe(std::iter::empty::<Bytes>())
    }

    /// Unsubscribes from `patterns`, or from every pattern when empty; replies
    /// as [`Subscription::unsubscribe`] (Redis `PUNSUBSCRIBE`).
    ///
    /// Redis: <https://redis.io/commands/punsubscribe/>
    pub fn punsubscribe<I, P>(&mut self, patterns: I) -> Vec<(Bytes, usize)>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let mut list: Vec<Bytes> = patterns
            .into_iter()
            .map(|p| Bytes::copy_from_slice(p.as_ref()))
            .collect();
        if list.is_empty() {
            list = self.patterns.iter().cloned().collect();
        }
        let mut out = Vec::with_capacity(list.len());
        let mut reg = self.registry.lock();
        for p in list {
            if self.patterns.shift_remove(&p) {
                reg.remove_pattern(&p, self.id);
            }
            out.push((p, self.channels.len() + self.patterns.len()));
        }
        out
    }

    /// Unsubscribes from every pattern; see [`Subscription::punsubscribe`].
    pub fn punsubscribe_all(&mut self) -> Vec<(Bytes, usize)> {
        self.punsubscribe(std::iter::empty::<Bytes>())
    }

    /// The subscribed channels, in subscription order.
    pub fn channels(&self) -> impl ExactSizeIterator<Item = &Bytes> + '_ {
        self.channels.iter()
    }

    /// The subscribed patterns, in subscription order.
    pub fn patterns(&self) -> impl ExactSizeIterator<Item = &Bytes> + '_ {
        self.patterns.iter()
    }

    /// Channels plus patterns: the count Redis reports in (un)subscribe
    /// replies. A network client with a count of 0 leaves subscriber mode.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Messages queued and not yet received.
    pub fn pending(&self) -> usize {
        self.inbox.state.lock().messages.len()
    }

    /// The next queued message, without waiting.
    pub fn try_recv(&self) -> Option<Message> {
        self.inbox.state.lock().messages.pop_front()
    }

    /// Waits for the next message, blocking this thread. Not on wasm32.
    ///
    /// Blocks forever if nothing is ever published to what this subscribes.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn recv(&self) -> Message {
        let mut st = self.inbox.state.lock();
        loop {
            if let Some(m) = st.messages.pop_front() {
                return m;
            }
            self.inbox.cond.wait(&mut st);
        }
    }

    /// Waits up to `timeout` for the next message, blocking this thread;
    /// `None` on timeout. Not on wasm32.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Message> {
        let deadline = web_time::Instant::now() + timeout;
        let mut st = self.inbox.state.lock();
        loop {
            if let Some(m) = st.messages.pop_front() {
                return Some(m);
            }
            let now = web_time::Instant::now();
            if now >= deadline {
                return None;
            }
            self.inbox.cond.wait_for(&mut st, deadline - now);
        }
    }

    /// Polls for the next message: `Ready` with it, or `Pending` after
    /// registering `cx`'s waker, which the next publish to this subscriber
    /// wakes. Only the most recent waker is kept.
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Message> {
        let mut st = self.inbox.state.lock();
        match st.messages.pop_front() {
            Some(m) => Poll::Ready(m),
            None => {
                match &mut st.waker {
                    Some(w) => w.clone_from(cx.waker()),
                    slot @ None => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }

    /// The next message, as a future (runtime-agnostic; it has no timer,
    /// race it against your runtime's). Cancel-safe: dropping the future
    /// loses no message.
    ///
    /// ```
    /// # use embedis::Store;
    /// # let store = Store::new();
    /// let mut sub = store.subscribe(["ch"]);
    /// store.publish("ch", "x");
    /// # let waker = std::task::Waker::noop();
    /// # let mut cx = std::task::Context::from_waker(&waker);
    /// let mut next = std::pin::pin!(sub.next());
    /// # let std::task::Poll::Ready(m) = std::future::Future::poll(next.as_mut(), &mut cx) else { panic!() };
    /// // let m = next.await;
    /// assert_eq!(&m.payload[..], b"x");
    /// ```
    // Named like `StreamExt::next`, which async callers expect; it is not an iterator.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Next<'_> {
        Next { sub: self }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut reg = self.registry.lock();
        for c in &self.channels {
            reg.remove_channel(c, self.id);
        }
        for p in &self.patterns {
            reg.remove_pattern(p, self.id);
        }
    }
}

/// The future returned by [`Subscription::next`]: resolves to the next message.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Next<'a> {
    sub: &'a mut Subscription,
}

impl Future for Next<'_> {
    type Output = Message;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Message> {
        self.sub.poll_recv(cx)
    }
}

impl Store {
    /// Publishes `message` on `channel`; returns how many receivers got it:
    /// one per subscriber of the channel plus one per (matching pattern,
    /// subscriber of that pattern), so a subscriber of both the channel and a
    /// matching pattern counts (and receives) twice. Same as Redis `PUBLISH`.
    ///
    /// Never takes the data lock; fine to call from a custom command.
    ///
    /// Redis: <https://redis.io/commands/publish/>
    pub fn publish(&self, channel: impl AsRef<[u8]>, message: impl AsRef<[u8]>) -> usize {
        self.shared.hub.publish(
            Bytes::copy_from_slice(channel.as_ref()),
            Bytes::copy_from_slice(message.as_ref()),
        )
    }

    /// A subscription to `channels`. Same as Redis `SUBSCRIBE`.
    ///
    /// Redis: <https://redis.io/commands/subscribe/>
    pub fn subscribe<I, C>(&self, channels: I) -> Subscription
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let mut s = self.subscriber();
        s.subscribe_more(channels);
        s
    }

    /// A subscription to the glob `patterns` (see [`crate::glob`]). Same as
    /// Redis `PSUBSCRIBE`.
    ///
    /// Redis: <https://redis.io/commands/psubscribe/>
    pub fn psubscribe<I, P>(&self, patterns: I) -> Subscription
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let mut s = self.subscriber();
        s.psubscribe_more(patterns);
        s
    }

    /// A subscription with nothing subscribed yet (what a network client
    /// session holds before its first SUBSCRIBE).
    pub fn subscriber(&self) -> Subscription {
        self.shared.hub.subscriber()
    }

    /// Channels with at least one subscriber, optionally only those matching
    /// the glob `pattern`, in no particular order. Pattern subscriptions are
    /// not counted. Same as Redis `PUBSUB CHANNELS [pattern]`.
    ///
    /// Redis: <https://redis.io/commands/pubsub-channels/>
    pub fn pubsub_channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.shared.hub.channels(pattern)
    }

    /// Each channel with its number of subscribers (pattern subscriptions
    /// not counted), in the order given. Same as Redis `PUBSUB NUMSUB`.
    ///
    /// Redis: <https://redis.io/commands/pubsub-numsub/>
    pub fn pubsub_numsub<I, C>(&self, channels: I) -> Vec<(Bytes, usize)>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let channels: Vec<Bytes> = channels
            .into_iter()
            .map(|c| Bytes::copy_from_slice(c.as_ref()))
            .collect();
        self.shared.hub.numsub(&channels)
    }

    /// Number of distinct patterns subscribed by anyone. Same as Redis
    /// `PUBSUB NUMPAT`.
    ///
    /// Redis: <https://redis.io/commands/pubsub-numpat/>
    pub fn pubsub_numpat(&self) -> usize {
        self.shared.hub.numpat()
    }
}
