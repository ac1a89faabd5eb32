//! Time source. The store never reads the system clock directly: it asks a
//! [`Clock`], so tests drive TTLs with a [`ManualClock`] and wasm32 works
//! (`std::time::SystemTime` panics there; we use `web-time`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of wall-clock time in unix milliseconds.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the unix epoch.
    fn now_unix_ms(&self) -> i64;
}

/// The real clock (`web-time`'s `SystemTime`, which works on wasm32 too).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_ms(&self) -> i64 {
        web_time::SystemTime::now()
            .duration_since(web_time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to; cheap to clone (shared).
///
/// ```
/// use embedis::{ManualClock, Store};
/// let clock = ManualClock::new(1_000_000);
/// let store = Store::builder().clock(clock.clone()).build();
/// store.db(0).set("k", "v").unwrap();
/// store.db(0).pexpire("k", 100).unwrap();
/// clock.advance_ms(100);
/// assert_eq!(store.db(0).get("k").unwrap(), None);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock reading `unix_ms`.
    pub fn new(unix_ms: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(unix_ms)))
    }
    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    /// Sets the clock to `unix_ms`.
    pub fn set_ms(&self, unix_ms: i64) {
        self.0.store(unix_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
