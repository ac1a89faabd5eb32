//! [`SharedVec`]: a segment's entry vector, shared copy-on-write with frozen
//! views of the keyspace (an `Arc` of an arena vector), with the vector's
//! data pointer kept beside the `Arc`.
//!
//! Why the extra pointer: through a plain `Arc<Vec<T>>`, reading entry `i`
//! loads the `Arc`'s pointer from the segment, then the vector's data
//! pointer from the `Arc`'s allocation, then the entry: the middle load is
//! one more dependent memory access on every lookup. With the data pointer
//! in the segment, the entry's address depends only on the segment and the
//! table slot. On 1M keys (one typed `GET` per random key, the `inprocess`
//! bench) that took a typed `GET` from 511–639 ns to 384–433 ns over five
//! runs alternating the two builds; keeping the length here too (so a
//! lookup reads nothing from the `Arc`'s allocation) took 100k keys from
//! ~120 ns to 105–111 ns (README "Performance").
//!
//! The invariant everything rests on: `data` and `len` are always
//! `vec.as_ptr()` and `vec.len()`. `vec` changes only through
//! [`SharedVec::update`], which resets both after the change (also when
//! its closure unwinds), and [`SharedVec::get_mut`], which changes an
//! element in place (the pointer and length stay) after any copy-on-write
//! copy, which resets both. A shared `vec` is never written:
//! `Arc::make_mut` copies it first. The pointer comes from `Vec::as_ptr`,
//! which never makes a reference to the elements, so writing an element
//! through `get_mut` does not invalidate it (Miri checks this: see the
//! tests).

use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;

use allocator_api2::vec::Vec as ArenaVec;

use super::arena::Arena;

/// An `Arc<ArenaVec<T>>` that reads its elements without loading the
/// vector's data pointer from the `Arc`'s allocation; see the module docs.
pub(super) struct SharedVec<T> {
    vec: Arc<ArenaVec<T, Arena>>,
    /// `vec.as_ptr()`, always.
    data: NonNull<T>,
    /// `vec.len()`, always, plus [`MAYBE_SHARED`]. Atomic only so that
    /// [`SharedVec::share`] (through `&self`) can set that bit; every other
    /// access is a plain `Relaxed` load or a store through `&mut self`.
    len: AtomicUsize,
}

/// The bit of `SharedVec::len` that is set while another `Arc` handle on
/// `vec` may exist: from [`SharedVec::share`] (or [`SharedVec::from_shared`])
/// until a write finds the `Arc` unique again. While it is clear, no other
/// handle has existed since the last write confirmed uniqueness (handles
/// come only from `share`), so a write skips `Arc::make_mut`'s check, a
/// locked compare-and-swap on the `Arc`'s count (a tenth of a typed `SET`
/// on a keyspace in cache). No `Weak` is ever made of `vec`, which the
/// check `Arc::make_mut` makes also covers.
const MAYBE_SHARED: usize = 1 << (usize::BITS - 1);

// SAFETY: a `SharedVec<T>` is an `Arc<ArenaVec<T>>` plus a pointer into the
// buffer that `Arc` owns and that buffer's length, read only through `&self` as the `Arc` would be.
// It may cross threads exactly when that `Arc` may (`T: Send + Sync`).
#[allow(unsafe_code)]
unsafe impl<T: Send + Sync> Send for SharedVec<T> {}
// SAFETY: as for `Send`.
#[allow(unsafe_code)]
unsafe impl<T: Send + Sync> Sync for SharedVec<T> {}

/// The data pointer of `vec`, without making a reference to its elements.
#[inline]
fn data_of<T>(vec: &ArenaVec<T, Arena>) -> NonNull<T> {
    NonNull::new(vec.as_ptr().cast_mut()).expect("a vector's pointer is never null")
}

impl<T> SharedVec<T> {
    /// An empty vector: the `Arc`'s allocation, no elements.
    pub(super) fn new() -> Self {
        let vec = Arc::new(ArenaVec::new_in(Arena));
        SharedVec {
            data: data_of(&vec),
            len: AtomicUsize::new(0),
            vec,
        }
    }

    /// Takes over `vec` (shared with a frozen view: copied on the first write).
    pub(super) fn from_shared(vec: Arc<ArenaVec<T, Arena>>) -> Self {
        let data = data_of(&vec);
        let len = AtomicUsize::new(vec.len() | MAYBE_SHARED);
        SharedVec { vec, data, len }
    }

    /// The vector, shared: writes here from now on copy it first.
    pub(super) fn share(&self) -> Arc<ArenaVec<T, Arena>> {
        self.len.fetch_or(MAYBE_SHARED, Relaxed);
        Arc::clone(&self.vec)
    }

    /// The number of elements.
    #[inline(always)]
    fn len(&self) -> usize {
        self.len.load(Relaxed) & !MAYBE_SHARED
    }

    /// Resets `data` and `len` from `vec` (the module's invariant), keeping
    /// [`MAYBE_SHARED`].
    fn resync(&mut self) {
        self.data = data_of(&self.vec);
        let len = self.len.get_mut();
        *len = self.vec.len() | (*len & MAYBE_SHARED);
    }

    /// The elements.
    #[inline(always)]
    pub(super) fn as_slice(&self) -> &[T] {
        #[allow(unsafe_code)]
        // SAFETY: `data` is `vec.as_ptr()` (the module's invariant), whose
        // first `vec.len()` elements are initialized, and the borrow of
        // `self` keeps `vec` alive and unchanged (changes need `&mut self`)
        // for the slice's lifetime.
        unsafe {
            std::slice::from_raw_parts(self.data.as_ptr(), self.len())
        }
    }

    /// The vector's capacity.
    pub(super) fn capacity(&self) -> usize {
        self.vec.capacity()
    }
}

impl<T: Clone> SharedVec<T> {
    /// Element `i`, for writing in place (copies the vector first if a
    /// frozen view shares it).
    #[inline]
    pub(super) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.vec_mut().get_mut(i)
    }

    /// Makes `vec` unique, copying it if another handle still shares it,
    /// and clears [`MAYBE_SHARED`].
    #[cold]
    fn unshare(&mut self) {
        Arc::make_mut(&mut self.vec);
        *self.len.get_mut() &= !MAYBE_SHARED;
        // A copy moved the elements; writing one later moves nothing.
        self.resync();
    }

    /// The vector, for writing: made unique first if [`MAYBE_SHARED`] is
    /// set (the only way to it, so no write skips that step).
    #[inline(always)]
    fn vec_mut(&mut self) -> &mut ArenaVec<T, Arena> {
        if *self.len.get_mut() & MAYBE_SHARED != 0 {
            self.unshare();
        }
        debug_assert_eq!(Arc::strong_count(&self.vec), 1);
        #[allow(unsafe_code)]
        // SAFETY: with MAYBE_SHARED clear, this is the only handle on the
        // `Arc` (see that constant): the last `unshare` made it unique,
        // synchronizing with the drop of any other handle (`make_mut`'s
        // `Acquire`), and only `share`, which sets the bit, makes new ones.
        // `&mut self` excludes every other borrow of this handle, and so of
        // the vector: the exclusive access `Arc::get_mut` would give. The
        // pointer comes from `Arc::as_ptr`, which derives it from the
        // `Arc`'s own pointer without making a reference.
        unsafe {
            &mut *Arc::as_ptr(&self.vec).cast_mut()
        }
    }

    /// Runs `f` on the vector, copied first if a frozen view shares it, and
    /// keeps the data pointer in step with whatever `f` did (also when `f`
    /// unwinds).
    pub(super) fn update<R>(&mut self, f: impl FnOnce(&mut ArenaVec<T, Arena>) -> R) -> R {
        /// Resets the data pointer when dropped, on return or unwind.
        struct Resync<'a, T>(&'a mut SharedVec<T>);
        impl<T> Drop for Resync<'_, T> {
            fn drop(&mut self) {
                self.0.resync();
            }
        }
        let resync = Resync(self);
        f(resync.0.vec_mut())
    }
}

impl<T> Clone for SharedVec<T> {
    /// Another handle on the same elements (a write to either copies them).
    fn clone(&self) -> Self {
        Self::from_shared(self.share())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads after every kind of change see exactly what a plain `Vec`
    /// model holds, through growth (reallocation), writes in place, removal,
    /// copy-on-write with a shared view, and a closure that panics midway.
    /// Run under Miri too: it would flag a stale pointer or one whose
    /// permission a write had revoked.
    #[test]
    fn reads_follow_every_change() {
        let mut v: SharedVec<String> = SharedVec::new();
        let mut model: Vec<String> = Vec::new();
        assert!(v.as_slice().is_empty());
        for i in 0..40 {
            v.update(|vec| vec.push(i.to_string()));
            model.push(i.to_string());
            assert_eq!(v.as_slice(), &model[..]);
        }
        // In place.
        *v.get_mut(3).unwrap() = "three".into();
        model[3] = "three".into();
        assert_eq!(v.as_slice(), &model[..]);
        assert!(v.get_mut(40).is_none());

        // Shared: the view keeps the old elements, the vector copies.
        let view = v.share();
        let before = model.clone();
        *v.get_mut(0).unwrap() = "zero".into();
        model[0] = "zero".into();
        v.update(|vec| vec.swap_remove(5));
        model.swap_remove(5);
        assert_eq!(v.as_slice(), &model[..]);
        assert_eq!(&view[..], &before[..]);

        // A clone reads the same elements; writing it leaves this one.
        let mut other = v.clone();
        other.update(|vec| vec.clear());
        assert!(other.as_slice().is_empty());
        assert_eq!(v.as_slice(), &model[..]);

        // A panic midway through `update`, after a reallocation: the
        // pointer still follows the vector.
        let grew = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            v.update(|vec| {
                vec.reserve_exact(1000);
                vec.push("last".into());
                panic!("midway");
            })
        }));
        assert!(grew.is_err());
        model.push("last".into());
        assert_eq!(v.as_slice(), &model[..]);

        // A frozen view taken over as a new vector.
        let thawed = SharedVec::from_shared(view);
        assert_eq!(thawed.as_slice(), &before[..]);
        assert!(thawed.capacity() >= before.len());
    }

    /// A write copies the elements only while another handle is alive: a
    /// handle made and dropped since the last write costs no copy, and
    /// one made after that write is copied for again.
    #[test]
    fn a_write_copies_only_while_another_handle_lives() {
        let mut v: SharedVec<u32> = SharedVec::new();
        v.update(|vec| vec.extend(0..10));
        let first = v.as_slice().as_ptr();
        *v.get_mut(0).unwrap() = 100;
        assert_eq!(v.as_slice().as_ptr(), first, "never shared: in place");

        let view = v.share();
        *v.get_mut(1).unwrap() = 101;
        let second = v.as_slice().as_ptr();
        assert_ne!(second, first, "shared: copied");
        assert_eq!((view[0], view[1]), (100, 1));
        drop(view);

        drop(v.share());
        *v.get_mut(2).unwrap() = 102;
        assert_eq!(
            v.as_slice().as_ptr(),
            second,
            "the handle is gone: in place"
        );
        *v.get_mut(3).unwrap() = 103;
        assert_eq!(v.as_slice()[..4], [100, 101, 102, 103]);

        let view = v.share();
        v.update(|vec| vec[4] = 104);
        assert_ne!(v.as_slice().as_ptr(), second, "shared again: copied");
        assert_eq!(view[4], 4);
        assert_eq!(v.as_slice()[4], 104);
    }

    /// Readers on other threads see the elements of the handle they hold
    /// while the original is rewritten (each write copies, since the others
    /// share it).
    #[test]
    fn handles_on_other_threads_keep_their_elements() {
        let mut v: SharedVec<u64> = SharedVec::new();
        v.update(|vec| vec.extend(0..100));
        std::thread::scope(|s| {
            for _ in 0..2 {
                let mine = v.clone();
                s.spawn(move || {
                    for _ in 0..100 {
                        assert_eq!(mine.as_slice().iter().sum::<u64>(), 4950);
                    }
                });
            }
            for i in 0..100 {
                *v.get_mut(i).unwrap() = 0;
            }
        });
        assert_eq!(v.as_slice().iter().sum::<u64>(), 0);
    }
}
