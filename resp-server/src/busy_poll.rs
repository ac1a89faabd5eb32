//! Busy polling of the event loop (`busy-poll-us`, an embedis setting).
//!
//! When a request arrives while the server's thread sleeps in `epoll_wait`,
//! the kernel wakes the thread from inside the *client's* `send`: on a VM
//! that is an inter-processor interrupt and a VM exit, paid by the client.
//! With the client and the server sharing a small machine (redis-benchmark
//! with 50 connections at `-P 1` on 2 cores), those wake-ups were the biggest
//! difference between the client's kernel time against embedis and against
//! redis-server (perf: `sock_def_readable` under `tcp_sendmsg`, 14% of the
//! client's samples against 8.5%), and the client is what limits the
//! throughput there.
//!
//! So for `busy-poll-us` (default 50) after the last input, one task keeps
//! yielding: tokio then polls the sockets without blocking (a zero-timeout
//! `epoll_wait`) between passes over the ready connections, instead of
//! sleeping. An idle server does not spin: the task sleeps until the next
//! input, and a connection's input costs one relaxed swap of a flag. This is
//! what Go's scheduler does before parking a thread, and what
//! `net.core.busy_poll` does in the kernel, with a window short enough to
//! stay off a core that is idle. Only the default event loop (`io-threads 1`)
//! runs it; 0 turns it off.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The state shared by the connections (which note input) and the polling
/// task ([`BusyPoll::run`]).
#[derive(Debug, Default)]
pub(crate) struct BusyPoll {
    /// Set by each input, cleared by the polling task as it sees it.
    input: AtomicBool,
    /// Wakes the polling task when input arrives while it sleeps.
    wake: Notify,
    /// True while the task is polling (for tests).
    polling: AtomicBool,
    /// Polling windows started (for tests).
    windows: AtomicU64,
}

impl BusyPoll {
    /// Called by a connection that read input.
    #[inline]
    pub(crate) fn note_input(&self) {
        if !self.input.swap(true, Relaxed) {
            self.wake.notify_one();
        }
    }

    /// True while the task is polling.
    #[cfg(test)]
    pub(crate) fn is_polling(&self) -> bool {
        self.polling.load(Relaxed)
    }

    /// Polling windows started so far.
    #[cfg(test)]
    pub(crate) fn windows(&self) -> u64 {
        self.windows.load(Relaxed)
    }

    /// The polling task: after each input, yields to the event loop until
    /// `window()` has passed with no input; then sleeps until the next one.
    /// `window` is read at each wake-up, so CONFIG SET applies to the next.
    pub(crate) async fn run(&self, window: impl Fn() -> Duration) {
        loop {
            self.wake.notified().await;
            // Cleared even when off, so the next input wakes this task again
            // (and a later CONFIG SET finds it listening). A wake-up with no
            // input is the permit an input left while this task was polling:
            // polling again for it would double the window.
            if !self.input.swap(false, Relaxed) {
                continue;
            }
            let window = window();
            if window.is_zero() {
                continue;
            }
            self.polling.store(true, Relaxed);
            self.windows.fetch_add(1, Relaxed);
            let mut until = Instant::now() + window;
            loop {
                tokio::task::yield_now().await;
                let now = Instant::now();
                if self.input.swap(false, Relaxed) {
                    until = now + window;
                } else if now >= until {
                    break;
                }
            }
            self.polling.store(false, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// Polls while input keeps coming, stops `window` after the last, and
    /// starts again on the next input; with a zero window it never polls.
    #[tokio::test(flavor = "current_thread")]
    async fn polls_after_input_and_stops_when_it_stops() {
        let poll = Arc::new(BusyPoll::default());
        // A window far longer than a test thread is ever descheduled on a
        // loaded CI machine, so "still polling" never depends on timing.
        let window_us = Arc::new(std::sync::atomic::AtomicU64::new(300_000));
        let task = tokio::spawn({
            let (poll, window_us) = (poll.clone(), window_us.clone());
            async move {
                poll.run(|| Duration::from_micros(window_us.load(Relaxed)))
                    .await
            }
        });
        tokio::task::yield_now().await;
        assert!(!poll.is_polling(), "no input yet");

        poll.note_input();
        tokio::task::yield_now().await;
        assert!(poll.is_polling());
        // Input every 10 ms for 100 ms keeps it polling (window 300 ms).
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(100) {
            poll.note_input();
            tokio::time::sleep(Duration::from_millis(10)).await;
            assert!(poll.is_polling());
        }
        // No input: it stops once the window has passed, not before.
        let quiet = Instant::now();
        while poll.is_polling() {
            assert!(quiet.elapsed() < Duration::from_secs(5), "still polling");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(quiet.elapsed() >= Duration::from_millis(250));
        // One window for the whole burst: the wake-ups the inputs left while
        // it polled did not start another.
        assert_eq!(poll.windows(), 1);

        // Turned off: input wakes the task, which does not poll.
        window_us.store(0, Relaxed);
        poll.note_input();
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert!(!poll.is_polling());
        // Turned on again: the next input polls.
        window_us.store(300_000, Relaxed);
        poll.note_input();
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert!(poll.is_polling());
        task.abort();
    }
}
