//! [`BrLock`]: a readers-writer lock whose readers do not share a cache
//! line (a "big-reader" lock, after the Linux kernel's `brlock`), for the
//! store lock, which typed reads on many threads take shared and every
//! command takes exclusively.
//!
//! An ordinary readers-writer lock keeps its reader count in one word, so
//! two threads that only read still write that word on every acquire and
//! release, and its cache line moves between their cores each time: on the
//! 2-core VM of README "Performance", typed GET on 1M keys cost ~100 ns
//! more per call at 2 threads than at 1. Here a reader counts itself in
//! one of [`SLOTS`] counters, each on a cache line of its own, picked per
//! thread, and then checks a writer flag that only writers write, so
//! readers on different threads touch no line another thread writes. A
//! writer pays for that: it takes an inner lock, raises the flag, and waits
//! for every slot to drain (a read section is short: one lookup and a copy).
//!
//! The protocol (`SeqCst` accesses, so that the reader's increment and flag
//! check and the writer's raising of the flag and slot checks fall in one
//! total order): a reader increments its slot, then reads the flag; if it is up,
//! it decrements the slot again and takes the inner lock shared instead,
//! which waits for the writer. A writer holds the inner lock exclusively
//! (excluding other writers and those slow readers), raises the flag, then
//! waits until it has seen every slot at zero. Either the reader's increment
//! comes before the flag in that order, and the writer sees it and waits
//! for the matching decrement, or the flag comes first and the reader sees
//! it and steps aside: a reader never reads while a writer writes. The
//! flag's release (a store of `false` after the writes) and the slots'
//! decrements give the happens-before edges between the two sides.
//!
//! The tests pass under Miri, whose data-race detector reports the race in
//! `readers_never_see_a_write_in_progress` as soon as a reader skips the
//! flag check (2026-11-30):
//! `MIRIFLAGS="-Zmiri-disable-isolation" cargo +nightly miri test -p embedis
//! --no-default-features --lib -- brlock`.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{Release, SeqCst};
use std::time::Duration;

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Reader counters per lock. Threads past this many share counters, which
/// stays correct (a counter counts every reader that picked it). A writer
/// reads every counter, so each one costs every write: at 10k keys a typed
/// SET took 92–95 ns with the plain `RwLock`, 99–104 ns with 4 counters and
/// 103–105 ns with 8 (runs alternating the builds); 4 keep two or three
/// reading threads apart, which is what a 2-core machine runs.
pub(crate) const SLOTS: usize = 4;

/// A reader counter, or the writer flag (0 or 1), on a cache line of its
/// own (128 bytes: the adjacent-line prefetcher of x86 pulls lines in pairs).
#[repr(align(128))]
#[derive(Default)]
struct Slot(AtomicUsize);

/// The slot a thread counts itself in: threads take slots round-robin on
/// their first read of any `BrLock`.
fn my_slot() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SLOTS;
    }
    MINE.with(|s| *s)
}

/// A readers-writer lock around a `T` whose readers on different threads
/// write no shared cache line; see the module docs. Reentrant for readers
/// (a thread may hold several read guards); a thread that holds a read
/// guard and asks for the write lock waits forever, as with any RwLock.
pub(crate) struct BrLock<T> {
    /// Held exclusively by a writer for its whole hold, shared by readers
    /// that found the flag up.
    inner: RwLock<()>,
    /// Up while a writer holds `inner` exclusively.
    writer: Slot,
    readers: [Slot; SLOTS],
    data: UnsafeCell<T>,
}

// SAFETY: the protocol in the module docs gives `&T` only to readers while
// no writer has `&mut T`, and `&mut T` to one writer at a time, exactly as
// `std::sync::RwLock<T>` does, which is `Sync` for `T: Send + Sync`.
#[allow(unsafe_code)]
unsafe impl<T: Send + Sync> Sync for BrLock<T> {}

impl<T> BrLock<T> {
    pub(crate) fn new(data: T) -> Self {
        BrLock {
            inner: RwLock::new(()),
            writer: Slot::default(),
            readers: Default::default(),
            data: UnsafeCell::new(data),
        }
    }

    fn writer_up(&self) -> bool {
        self.writer.0.load(SeqCst) != 0
    }

    /// Takes the lock shared. Same semantics as `RwLock::read`.
    #[inline]
    pub(crate) fn read(&self) -> BrReadGuard<'_, T> {
        let slot = &self.readers[my_slot()].0;
        slot.fetch_add(1, SeqCst);
        if !self.writer_up() {
            return BrReadGuard {
                lock: self,
                hold: ReadHold::Slot(slot),
            };
        }
        slot.fetch_sub(1, SeqCst);
        BrReadGuard {
            lock: self,
            hold: ReadHold::Inner(self.inner.read()),
        }
    }

    /// Takes the lock exclusively.
    #[inline]
    pub(crate) fn write(&self) -> BrWriteGuard<'_, T> {
        let inner = self.inner.write();
        let drained = self.raise_and_drain(None);
        debug_assert!(drained, "no deadline to miss");
        BrWriteGuard {
            lock: self,
            _inner: inner,
        }
    }

    /// Takes the lock exclusively, waiting at most `timeout` in all (for
    /// other writers, then for readers to leave). Same semantics as
    /// `parking_lot::RwLock::try_write_for`.
    pub(crate) fn try_write_for(&self, timeout: Duration) -> Option<BrWriteGuard<'_, T>> {
        let deadline = web_time::Instant::now() + timeout;
        let inner = self.inner.try_write_for(timeout)?;
        self.raise_and_drain(Some(deadline))
            .then_some(BrWriteGuard {
                lock: self,
                _inner: inner,
            })
    }

    /// With `inner` held exclusively: raises the writer flag and waits for
    /// every slot to drain, true once they have. Past `deadline`, lowers
    /// the flag again and returns false.
    fn raise_and_drain(&self, deadline: Option<web_time::Instant>) -> bool {
        self.writer.0.store(1, SeqCst);
        for slot in &self.readers {
            let mut spins = 0u32;
            while slot.0.load(SeqCst) != 0 {
                if deadline.is_some_and(|d| web_time::Instant::now() >= d) {
                    self.writer.0.store(0, Release);
                    return false;
                }
                pause(&mut spins);
            }
        }
        true
    }
}

/// One wait step of a writer for a reader: spin briefly, then yield the
/// core (the reader may be descheduled, or running on this core).
fn pause(spins: &mut u32) {
    if *spins < 64 {
        *spins += 1;
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// How a reader holds a [`BrLock`].
enum ReadHold<'a> {
    /// Counted in a slot (the flag was down).
    Slot(&'a AtomicUsize),
    /// The inner lock, shared (a writer was there).
    Inner(#[allow(dead_code)] RwLockReadGuard<'a, ()>),
}

/// A shared hold of a [`BrLock`]: derefs to the data.
pub(crate) struct BrReadGuard<'a, T> {
    lock: &'a BrLock<T>,
    hold: ReadHold<'a>,
}

impl<T> Deref for BrReadGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        #[allow(unsafe_code)]
        // SAFETY: this guard is a reader of the protocol (module docs): no
        // writer holds `&mut T` until it is dropped.
        unsafe {
            &*self.lock.data.get()
        }
    }
}

impl<T> Drop for BrReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let ReadHold::Slot(slot) = self.hold {
            slot.fetch_sub(1, SeqCst);
        }
        // An `Inner` hold releases the inner lock as its field drops.
    }
}

/// The exclusive hold of a [`BrLock`]: derefs mutably to the data.
pub(crate) struct BrWriteGuard<'a, T> {
    lock: &'a BrLock<T>,
    /// Released after `Drop::drop` has lowered the flag.
    _inner: RwLockWriteGuard<'a, ()>,
}

impl<T> Deref for BrWriteGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        #[allow(unsafe_code)]
        // SAFETY: the writer of the protocol (module docs): no reader and no
        // other writer until this guard is dropped.
        unsafe {
            &*self.lock.data.get()
        }
    }
}

impl<T> DerefMut for BrWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        #[allow(unsafe_code)]
        // SAFETY: as for `deref`; `&mut self` makes this the only borrow.
        unsafe {
            &mut *self.lock.data.get()
        }
    }
}

impl<T> Drop for BrWriteGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release is enough to lower it (the total order matters only
        // between raising the flag and the readers' increments): readers
        // that read `false` here see every write made under this guard.
        self.lock.writer.0.store(0, Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// Writers keep two fields equal, changing one at a time with a pause
    /// between; readers on other threads (on their slots and, while a
    /// writer is there, on the inner lock) must never see them differ.
    #[test]
    fn readers_never_see_a_write_in_progress() {
        let (readers, writers, rounds) = if cfg!(miri) {
            (2, 1, 20)
        } else {
            (3, 2, 20_000)
        };
        let lock = Arc::new(BrLock::new((0u64, 0u64)));
        let done = Arc::new(AtomicBool::new(false));
        let read_threads: Vec<_> = (0..readers)
            .map(|_| {
                let (lock, done) = (Arc::clone(&lock), Arc::clone(&done));
                std::thread::spawn(move || {
                    let mut seen = 0;
                    while !done.load(SeqCst) {
                        let g = lock.read();
                        assert_eq!(g.0, g.1, "a reader saw a write in progress");
                        seen += 1;
                    }
                    seen
                })
            })
            .collect();
        let write_threads: Vec<_> = (0..writers)
            .map(|_| {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..rounds {
                        let mut g = lock.write();
                        g.0 += 1;
                        std::hint::black_box(&mut *g);
                        std::thread::yield_now();
                        g.1 += 1;
                    }
                })
            })
            .collect();
        for t in write_threads {
            t.join().unwrap();
        }
        done.store(true, SeqCst);
        for t in read_threads {
            assert!(t.join().unwrap() > 0);
        }
        let total = (writers * rounds) as u64;
        assert_eq!(*lock.read(), (total, total));
    }

    /// A writer waits for a reader that holds its slot, and a reader that
    /// comes while a writer holds the lock waits for it.
    #[test]
    fn each_side_waits_for_the_other() {
        let lock = Arc::new(BrLock::new(0u32));
        let reading = lock.read();
        let writer = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || *lock.write() = 1)
        };
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(*reading, 0, "the writer wrote under a reader");
        drop(reading);
        writer.join().unwrap();
        assert_eq!(*lock.read(), 1);

        let mut held = lock.write();
        let reader = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || *lock.read())
        };
        std::thread::sleep(Duration::from_millis(50));
        *held = 2;
        drop(held);
        assert_eq!(reader.join().unwrap(), 2, "the reader read under a writer");
    }

    /// `try_write_for` gives up when a reader stays, lowering the flag so
    /// that readers keep their fast path, and succeeds once it leaves.
    #[test]
    fn try_write_for_times_out_on_a_reader_and_leaves_the_lock_usable() {
        let lock = BrLock::new(5u8);
        let reading = lock.read();
        assert!(lock.try_write_for(Duration::from_millis(20)).is_none());
        assert!(!lock.writer_up());
        assert!(matches!(lock.read().hold, ReadHold::Slot(_)));
        drop(reading);
        *lock.try_write_for(Duration::from_millis(20)).unwrap() = 6;
        assert_eq!(*lock.read(), 6);
        // A second writer times out on the first.
        let held = lock.write();
        assert!(lock.try_write_for(Duration::from_millis(20)).is_none());
        drop(held);
        assert!(lock.try_write_for(Duration::ZERO).is_some());
    }
}
