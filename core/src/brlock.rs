//! [`BrLock`]: a readers-writer lock whose readers do not share a cache
//! line (a "big-reader" lock, after the Linux kernel's `brlock`), for the
//! store lock, which typed reads on many threads take shared and every
//! command takes exclusively.
//!
//! An ordinary readers-writer lock keeps its reader count in one word, so
//! two threads that only read still write that word on every acquire and
//! release, and its cache line moves between their cores each time: on the
//! 2-core VM of README "Performance", typed GET on 1M keys cost ~100 ns
//! more per call at 2 threads than at 1. Here each reading thread owns a
//! counter of its own (one of [`SLOTS`], each on a cache line of its own),
//! counts itself in it, and then checks a writer flag that only writers
//! write, so readers on different threads touch no line another thread
//! writes. A writer pays for that: it raises the flag and waits for every
//! counter in use to drain (a read section is short: one lookup and a
//! copy).
//!
//! The protocol (`SeqCst` accesses, so that the reader's increment and flag
//! check and the writer's raising of the flag and counter checks fall in
//! one total order): a reader increments its counter, then reads the flag;
//! if it is up, it takes the increment back, waits for the flag to go down
//! (spinning briefly, then parked in `parking_lot_core`'s parking lot, as
//! `parking_lot`'s own locks are) and tries again. A writer raises the flag
//! with a compare-and-swap from "down" (which also excludes other writers,
//! who wait the same way), then waits until it has seen every counter at
//! zero. Either the reader's increment comes before the flag in that
//! order, and the writer sees it and waits for the matching decrement, or
//! the flag comes first and the reader sees it and steps aside: a reader
//! never reads while a writer writes. The flag's release (a `Release` swap
//! after the writes, which also tells the writer whether anyone parked) and
//! the counters' decrements give the happens-before edges between the two
//! sides. A write takes two locked instructions, as with `parking_lot`'s
//! `RwLock` (an inner `RwLock` for the writers plus the flag took three).
//!
//! Because a counter has one writer, its owner, a reader leaves with a
//! plain store (`Release`) rather than a locked decrement. On x86 every
//! locked instruction waits for all earlier loads, so with a locked leave
//! each typed GET's misses (the caller's key, then the lookup's) waited for
//! the previous GET's last miss; now the next call's loads up to its own
//! increment overlap it.
//!
//! The tests pass under Miri, whose data-race detector reports the race in
//! `readers_never_see_a_write_in_progress` as soon as a reader skips the
//! flag check (2026-11-30, owned counters and parking included;
//! `-Zmiri-permissive-provenance` quiets a warning about `parking_lot_core`'s
//! integer-to-pointer casts):
//! `MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-permissive-provenance" cargo
//! +nightly miri test -p embedis --no-default-features --lib -- brlock`.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering::{Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::time::Duration;

/// Reader counters per lock: a thread owns one from its first read of any
/// `BrLock` until it exits, so at most this many threads read on their
/// counters at once; a thread that finds them all owned counts itself in
/// one counter that such threads share, with locked instructions (correct,
/// and as fast as a plain `RwLock`, whose readers share one word). A writer
/// checks only the counters below [`IN_USE`], so unused ones cost it
/// nothing.
pub(crate) const SLOTS: usize = 64;

/// Bit `i` is set while a live thread owns reader counter `i`.
static OWNED: AtomicU64 = AtomicU64::new(0);
const _: () = assert!(SLOTS == u64::BITS as usize, "one bit of OWNED per counter");
/// One past the highest counter a thread has ever owned: writers check the
/// counters below it. Raised (`SeqCst`) before the owner's first increment,
/// so a writer that reads it after raising its flag either covers that
/// counter or is seen by the reader (module docs).
static IN_USE: AtomicUsize = AtomicUsize::new(0);

/// A thread's reader counter (`None`: all [`SLOTS`] were owned), given back
/// when the thread exits.
struct Owner(Option<usize>);

impl Owner {
    /// Takes the lowest free counter.
    fn claim() -> Self {
        let mut owned = OWNED.load(SeqCst);
        while owned != u64::MAX {
            let i = owned.trailing_ones() as usize;
            match OWNED.compare_exchange_weak(owned, owned | 1 << i, SeqCst, SeqCst) {
                Ok(_) => {
                    IN_USE.fetch_max(i + 1, SeqCst);
                    return Owner(Some(i));
                }
                Err(now) => owned = now,
            }
        }
        Owner(None)
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // The thread is exiting and holds no read guard (guards are not
        // `Send` and live within a call), so its counter is zero in every
        // lock.
        if let Some(i) = self.0 {
            OWNED.fetch_and(!(1 << i), SeqCst);
        }
    }
}

/// The reader counter this thread owns, claimed on its first call (`None`
/// if all are owned, or while the thread's locals are being destroyed).
#[inline]
fn my_slot() -> Option<usize> {
    thread_local! {
        static MINE: Owner = Owner::claim();
    }
    MINE.try_with(|o| o.0).ok().flatten()
}

/// A reader counter, or the lock's state, on a cache line of its own (128
/// bytes: the adjacent-line prefetcher of x86 pulls lines in pairs).
#[repr(align(128))]
#[derive(Default)]
struct Slot(AtomicUsize);

/// `state` bit: a writer holds the lock (the flag readers check).
const WRITING: usize = 1;
/// `state` bit: threads may be parked waiting for the writer to leave.
const PARKED: usize = 2;

/// A readers-writer lock around a `T` whose readers on different threads
/// write no shared cache line; see the module docs. Reentrant for readers
/// with a counter of their own (a thread may take a read guard while
/// holding one, even with a writer waiting); a thread that holds a read
/// guard and asks for the write lock waits forever, as with any RwLock.
pub(crate) struct BrLock<T> {
    /// [`WRITING`] and [`PARKED`].
    state: Slot,
    /// The owned counters, then one that threads without a counter of
    /// their own share, with locked increments and decrements.
    readers: [Slot; SLOTS + 1],
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
            state: Slot::default(),
            readers: std::array::from_fn(|_| Slot::default()),
            data: UnsafeCell::new(data),
        }
    }

    #[cfg(test)]
    fn writer_up(&self) -> bool {
        self.state.0.load(SeqCst) & WRITING != 0
    }

    /// Takes the lock shared. Same semantics as `RwLock::read`.
    #[inline]
    pub(crate) fn read(&self) -> BrReadGuard<'_, T> {
        let hold = match my_slot() {
            Some(i) => Counter::Owned(&self.readers[i].0),
            None => Counter::Shared(&self.readers[SLOTS].0),
        };
        loop {
            let held = hold.enter();
            // A thread already holding a read guard on its own counter goes
            // on even if a writer is there: that writer is waiting for it.
            let reentered = held > 0 && matches!(hold, Counter::Owned(_));
            if reentered || self.state.0.load(SeqCst) & WRITING == 0 {
                return BrReadGuard {
                    lock: self,
                    hold,
                    not_send: PhantomData,
                };
            }
            hold.leave();
            self.wait_while_writing(None);
        }
    }

    /// Takes the lock exclusively.
    #[inline]
    pub(crate) fn write(&self) -> BrWriteGuard<'_, T> {
        if self
            .state
            .0
            .compare_exchange(0, WRITING, SeqCst, Relaxed)
            .is_err()
        {
            self.lock_slow(None);
        }
        let drained = self.drain(None);
        debug_assert!(drained, "no deadline to miss");
        BrWriteGuard { lock: self }
    }

    /// Takes the lock exclusively, waiting at most `timeout` in all (for
    /// other writers, then for readers to leave). Same semantics as
    /// `parking_lot::RwLock::try_write_for`.
    pub(crate) fn try_write_for(&self, timeout: Duration) -> Option<BrWriteGuard<'_, T>> {
        let deadline = web_time::Instant::now() + timeout;
        // `then`, not `then_some`: a guard made and dropped on failure
        // would release the holder's lock.
        (self.lock_slow(Some(deadline)) && self.drain(Some(deadline)))
            .then(|| BrWriteGuard { lock: self })
    }

    /// Raises [`WRITING`] once no other writer has it, waiting (parked)
    /// while one does: true once raised, false past `deadline`.
    fn lock_slow(&self, deadline: Option<web_time::Instant>) -> bool {
        loop {
            let state = self.state.0.load(Relaxed);
            if state & WRITING == 0 {
                // Keeps PARKED: threads may still be waiting, for this writer now.
                let raised =
                    self.state
                        .0
                        .compare_exchange_weak(state, state | WRITING, SeqCst, Relaxed);
                if raised.is_ok() {
                    return true;
                }
            } else if !self.wait_while_writing(deadline) {
                return false;
            }
        }
    }

    /// Waits until no writer holds the lock: spins briefly, then parks.
    /// False past `deadline`.
    fn wait_while_writing(&self, deadline: Option<web_time::Instant>) -> bool {
        let mut spins = 0u32;
        loop {
            let state = self.state.0.load(Relaxed);
            if state & WRITING == 0 {
                return true;
            }
            if spins < 64 {
                spins += 1;
                std::hint::spin_loop();
                continue;
            }
            if state & PARKED == 0
                && (self.state.0)
                    .compare_exchange_weak(state, state | PARKED, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            let timeout = deadline.map(|d| {
                std::time::Instant::now() + d.saturating_duration_since(web_time::Instant::now())
            });
            #[allow(unsafe_code)]
            // SAFETY: `park`'s contract is that the callbacks neither panic
            // nor call into the parking lot: they are a load and two no-ops.
            // The key is this lock's address, which `unlock` unparks.
            let parked = unsafe {
                parking_lot_core::park(
                    self.key(),
                    || self.state.0.load(Relaxed) == WRITING | PARKED,
                    || {},
                    |_, _| {},
                    parking_lot_core::DEFAULT_PARK_TOKEN,
                    timeout,
                )
            };
            if parked == parking_lot_core::ParkResult::TimedOut {
                return false;
            }
        }
    }

    /// With [`WRITING`] raised: waits for every counter to drain, true
    /// once they have. Past `deadline`, releases the lock and returns false.
    fn drain(&self, deadline: Option<web_time::Instant>) -> bool {
        let in_use = &self.readers[..IN_USE.load(SeqCst)];
        for slot in in_use.iter().chain([&self.readers[SLOTS]]) {
            let mut spins = 0u32;
            while slot.0.load(SeqCst) != 0 {
                if deadline.is_some_and(|d| web_time::Instant::now() >= d) {
                    self.unlock();
                    return false;
                }
                pause(&mut spins);
            }
        }
        true
    }

    /// Lowers [`WRITING`] and wakes the threads parked on it. `Release`:
    /// readers that then see it down see every write made under it.
    fn unlock(&self) {
        if self.state.0.swap(0, Release) & PARKED != 0 {
            #[allow(unsafe_code)]
            // SAFETY: no callbacks; the key is this lock's, as parked on.
            unsafe {
                parking_lot_core::unpark_all(self.key(), parking_lot_core::DEFAULT_UNPARK_TOKEN);
            }
        }
    }

    /// The parking-lot key of this lock: its address.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
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

/// The counter a reader counts itself in.
#[derive(Clone, Copy)]
enum Counter<'a> {
    /// This thread's own: written by this thread only.
    Owned(&'a AtomicUsize),
    /// The one threads without their own share.
    Shared(&'a AtomicUsize),
}

impl Counter<'_> {
    /// Counts a reader in (`SeqCst`: see the module docs), returning the
    /// count before.
    #[inline(always)]
    fn enter(self) -> usize {
        match self {
            Counter::Owned(c) | Counter::Shared(c) => c.fetch_add(1, SeqCst),
        }
    }

    /// Counts a reader out. An owned counter takes a plain decrement, not a
    /// locked one, since only its owner writes it (the `Release` store
    /// orders the reads made before it for a writer that then sees the
    /// counter drop). Without a locked instruction here, the next call's
    /// first loads (the caller's key, say) need not wait for this read's
    /// last miss.
    #[inline(always)]
    fn leave(self) {
        match self {
            Counter::Owned(c) => c.store(c.load(Relaxed) - 1, Release),
            Counter::Shared(c) => {
                c.fetch_sub(1, Release);
            }
        }
    }
}

/// A shared hold of a [`BrLock`]: derefs to the data. Not `Send`: an owned
/// counter is written by its owning thread only, so the guard must be
/// dropped where it was taken.
pub(crate) struct BrReadGuard<'a, T> {
    lock: &'a BrLock<T>,
    hold: Counter<'a>,
    not_send: PhantomData<*const ()>,
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
        self.hold.leave();
    }
}

/// The exclusive hold of a [`BrLock`]: derefs mutably to the data.
pub(crate) struct BrWriteGuard<'a, T> {
    lock: &'a BrLock<T>,
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
        self.lock.unlock();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// Writers keep two fields equal, changing one at a time with a pause
    /// between; readers on other threads (which meet writers at every
    /// step: spinning, parked, stepping aside) must never see them differ.
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

    /// A thread that takes `lock` for writing and stores `value`.
    fn write_on_another_thread(lock: &Arc<BrLock<u32>>, value: u32) -> std::thread::JoinHandle<()> {
        let lock = Arc::clone(lock);
        std::thread::spawn(move || *lock.write() = value)
    }

    /// A writer waits for a reader that holds its slot, and a reader that
    /// comes while a writer holds the lock waits for it.
    #[test]
    fn each_side_waits_for_the_other() {
        let lock = Arc::new(BrLock::new(0u32));
        let reading = lock.read();
        let writer = write_on_another_thread(&lock, 1);
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

    /// A thread holding a read guard takes another while a writer waits
    /// for it: it goes on (the writer has not begun), where stepping aside
    /// for the writer would wait for itself.
    #[test]
    fn a_reader_reads_again_while_a_writer_waits_for_it() {
        let lock = Arc::new(BrLock::new(0u32));
        let first = lock.read();
        let writer = write_on_another_thread(&lock, 1);
        while !lock.writer_up() {
            std::thread::yield_now();
        }
        let second = lock.read();
        assert_eq!((*first, *second), (0, 0));
        drop(first);
        drop(second);
        writer.join().unwrap();
        assert_eq!(*lock.read(), 1);
    }

    /// More threads than counters read at once: the ones without a counter
    /// of their own share one, and a writer waits for all of them.
    /// Counters come back when their threads exit: waves of threads, three
    /// times as many in all as there are counters, each find one free.
    #[test]
    fn threads_past_the_counters_share_one() {
        let threads = if cfg!(miri) { SLOTS + 2 } else { SLOTS + 6 };
        let lock = Arc::new(BrLock::new(0u32));
        let all_in = Arc::new(std::sync::Barrier::new(threads + 1));
        let go_out = Arc::new(std::sync::Barrier::new(threads + 1));
        let readers: Vec<_> = (0..threads)
            .map(|_| {
                let (lock, all_in, go_out) =
                    (Arc::clone(&lock), Arc::clone(&all_in), Arc::clone(&go_out));
                std::thread::spawn(move || {
                    let g = lock.read();
                    let on_counter = matches!(g.hold, Counter::Owned(_));
                    all_in.wait();
                    go_out.wait();
                    let seen = *g;
                    drop(g);
                    (on_counter, seen)
                })
            })
            .collect();
        all_in.wait();
        // Every reader holds the lock, some without a counter.
        assert!(lock.try_write_for(Duration::from_millis(20)).is_none());
        let writer = write_on_another_thread(&lock, 1);
        std::thread::sleep(Duration::from_millis(20));
        go_out.wait();
        let held: Vec<_> = readers.into_iter().map(|t| t.join().unwrap()).collect();
        writer.join().unwrap();
        assert!(
            held.iter().all(|&(_, seen)| seen == 0),
            "a reader saw the write"
        );
        assert!(held.iter().any(|&(on_counter, _)| !on_counter));
        assert_eq!(*lock.read(), 1);

        // Other tests' threads may own a few counters meanwhile; a wave of
        // half the counters still finds them free only if exited threads
        // gave theirs back.
        let waves = if cfg!(miri) { 3 } else { 6 };
        for _ in 0..waves {
            let wave: Vec<_> = (0..SLOTS / 2)
                .map(|_| std::thread::spawn(|| my_slot().is_some()))
                .collect();
            for t in wave {
                assert!(t.join().unwrap(), "a counter was not given back");
            }
        }
    }

    /// `try_write_for` gives up when a reader stays, lowering the flag so
    /// that readers keep their fast path, and succeeds once it leaves.
    #[test]
    fn try_write_for_times_out_on_a_reader_and_leaves_the_lock_usable() {
        let lock = BrLock::new(5u8);
        let reading = lock.read();
        assert!(lock.try_write_for(Duration::from_millis(20)).is_none());
        assert!(!lock.writer_up());
        assert!(matches!(lock.read().hold, Counter::Owned(_)));
        drop(reading);
        *lock.try_write_for(Duration::from_millis(20)).unwrap() = 6;
        assert_eq!(*lock.read(), 6);
        // A second writer times out on the first, which keeps the lock.
        let held = lock.write();
        assert!(lock.try_write_for(Duration::from_millis(20)).is_none());
        assert!(lock.writer_up(), "a failed try released the holder's lock");
        assert!(lock.try_write_for(Duration::from_millis(1)).is_none());
        drop(held);
        assert!(lock.try_write_for(Duration::ZERO).is_some());
    }
}
