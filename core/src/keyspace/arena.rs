//! [`Arena`]: the allocator of the keyspace's hash tables and entry vectors.
//!
//! A keyspace of a million keys is ~80 MB of tables and entries spread over
//! 4096 segments, and a lookup reads one slot and one entry at random in it.
//! With 4 KiB pages nearly every such read also misses the TLB, and a page
//! walk under a hypervisor costs as much as the read itself: on the 2-core
//! VM of README "Performance", a typed `GET` on 1M keys took ~660 ns with
//! the segments on glibc's heap and ~530 ns with the same data on 2 MiB
//! transparent huge pages. So on Linux the arena serves the segments from
//! 2 MiB chunks, each a fresh anonymous mapping aligned to 2 MiB and
//! advised with `madvise(MADV_HUGEPAGE)` before its first touch: the kernel
//! backs them with huge pages when
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `always` or `madvise`
//! (the common defaults), and with base pages otherwise. The global
//! allocator does not see this memory; [`crate::keyspace_arena_bytes`]
//! reports it.
//!
//! Inside the chunks it is a binary buddy allocator ([`Buddy`]): blocks of
//! 64 B to 1 MiB, powers of two, each aligned to its size; a freed block
//! merges with its free buddy, and a chunk that becomes wholly free goes
//! back to the OS (one spare is kept, so a segment growing and shrinking
//! across a boundary does not map and unmap a chunk each time). Blocks over
//! 1 MiB are mappings of their own, 2 MiB aligned and advised the same way. Allocation happens only when a segment's table or
//! entry vector grows (amortized O(1) per insert), so one mutex over the
//! arena is no bottleneck. Callers size entry vectors to fill their block
//! (`Segment` does): power-of-two bytes hold `block / 56` entries, so
//! rounding costs at most one entry's bytes per block.
//!
//! Elsewhere (wasm32, macOS, Windows) `Arena` is the global allocator.

#[cfg(target_os = "linux")]
pub(crate) use self::linux::Arena;

/// The global allocator, off Linux: no huge pages to ask for.
#[cfg(not(target_os = "linux"))]
pub(crate) use allocator_api2::alloc::Global as Arena;

/// The smallest block the arena hands out, in bytes.
pub(crate) const MIN_BLOCK: usize = 64;

/// The capacity, in `T`s, that a growing vector of `T` holding at least
/// `min_len` elements should take: the most that fits in the power-of-two
/// block the arena would round its allocation up to (and at least 4, as
/// `Vec` starts). Doubles as `min_len` passes each capacity, as `Vec`'s
/// amortized growth does.
pub(crate) fn block_capacity<T>(min_len: usize) -> usize {
    let size = size_of::<T>().max(1);
    let bytes = min_len.max(4).saturating_mul(size).next_power_of_two();
    bytes.max(MIN_BLOCK) / size
}

/// The bytes the arena takes for an allocation of `bytes` (its block; big
/// allocations are exact).
#[cfg(test)]
pub(crate) fn block_bytes(bytes: usize) -> usize {
    match order_for(bytes, 1) {
        Some(order) if bytes > 0 => MIN_BLOCK << order,
        _ => bytes,
    }
}

/// Bytes of a chunk, the unit [`Buddy`] maps from the OS:
/// one transparent huge page on x86-64 and aarch64 with 4 KiB base pages.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
const CHUNK: usize = 2 << 20;

/// Orders `0..TOP`: blocks of `MIN_BLOCK << order` bytes, 64 B to 1 MiB. A
/// block of order `TOP` is a whole chunk.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
const TOP: usize = (CHUNK / MIN_BLOCK).trailing_zeros() as usize;

/// The order of the smallest block that holds `size` bytes aligned to
/// `align`, or `None` when the request is bigger than half a chunk.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
fn order_for(size: usize, align: usize) -> Option<usize> {
    let need = size.max(align).max(MIN_BLOCK).checked_next_power_of_two()?;
    let order = (need / MIN_BLOCK).trailing_zeros() as usize;
    (order < TOP).then_some(order)
}

/// Bytes the arena holds from the OS (0 off Linux, where it is the global
/// allocator).
pub(crate) fn mapped_bytes() -> usize {
    #[cfg(target_os = "linux")]
    return linux::mapped_bytes();
    #[cfg(not(target_os = "linux"))]
    0
}

/// A binary buddy allocator over chunk addresses: bookkeeping only, never
/// touching memory, so it is tested without any. Every byte of every chunk
/// it holds is in exactly one free block (in `free`) or one block handed
/// out by [`Buddy::take`] and not yet given back.
/// The free blocks of one order, by address.
type FreeSet = indexmap::IndexSet<usize, std::hash::BuildHasherDefault<std::hash::DefaultHasher>>;

#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
struct Buddy {
    /// The free blocks of each order below `TOP`, by address. Each set has
    /// room for one more block before [`Buddy::take`] or [`Buddy::give`]
    /// (see [`Buddy::full_sets`]): neither allocates, so the arena's lock is
    /// never held across a call into the global allocator, which can take
    /// 100 ms (glibc consolidates its free lists on the first bigger
    /// request after a mass free, such as the end of a BGSAVE, which frees
    /// every segment copied during it).
    free: [FreeSet; TOP],
    /// A wholly free chunk kept back from the OS.
    spare: Option<usize>,
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
impl Buddy {
    const fn new() -> Self {
        Buddy {
            free: [const { indexmap::IndexSet::with_hasher(std::hash::BuildHasherDefault::new()) };
                TOP],
            spare: None,
        }
    }

    /// For each order, the capacity its free set should grow to, or 0 if
    /// it has room for the one block a `take` or `give` may add to it. All
    /// 0: ready. (An array, not a list: this runs under the arena's lock.)
    fn full_sets(&self) -> [usize; TOP] {
        std::array::from_fn(|o| {
            let set = &self.free[o];
            if set.len() < set.capacity() {
                0
            } else {
                (set.capacity() * 2).max(64)
            }
        })
    }

    /// Replaces the set of each order that `bigger` has one for by it
    /// (empty, with more room), moving the blocks over without allocating.
    /// Returns the old sets, for the caller to drop outside its lock.
    fn grow_sets(&mut self, mut bigger: [Option<FreeSet>; TOP]) -> [Option<FreeSet>; TOP] {
        for (o, slot) in bigger.iter_mut().enumerate() {
            if let Some(set) = slot
                && set.capacity() > self.free[o].len()
            {
                set.extend(self.free[o].drain(..));
                std::mem::swap(set, &mut self.free[o]);
            }
        }
        bigger
    }

    /// The address of a free block of `order` (`< TOP`), split from the
    /// smallest free block that holds it, else from the spare chunk or a
    /// chunk `new_chunk` returns (a `CHUNK`-aligned address); `None` if
    /// `new_chunk` does.
    fn take(&mut self, order: usize, new_chunk: impl FnOnce() -> Option<usize>) -> Option<usize> {
        debug_assert!(order < TOP);
        let (mut from, block) = match (order..TOP).find(|&o| !self.free[o].is_empty()) {
            Some(o) => (o, self.free[o].pop()?),
            None => (TOP, self.spare.take().or_else(new_chunk)?),
        };
        debug_assert_eq!(block % (MIN_BLOCK << from.min(TOP)), 0);
        // Keep the lower half, free the upper, down to the order wanted.
        while from > order {
            from -= 1;
            self.free[from].insert(block + (MIN_BLOCK << from));
        }
        Some(block)
    }

    /// Frees the block at `block` of `order`, merging it with its buddy
    /// while that is free. Returns a chunk that became wholly free, for the
    /// caller to release, unless it became the spare.
    fn give(&mut self, mut block: usize, mut order: usize) -> Option<usize> {
        debug_assert!(order < TOP && block % (MIN_BLOCK << order) == 0);
        while order < TOP {
            let buddy = block ^ (MIN_BLOCK << order);
            if !self.free[order].swap_remove(&buddy) {
                self.free[order].insert(block);
                return None;
            }
            block &= !(MIN_BLOCK << order);
            order += 1;
        }
        match self.spare {
            None => {
                self.spare = Some(block);
                None
            }
            Some(_) => Some(block),
        }
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod linux {
    //! The unsafe part: chunks mapped from the OS, blocks handed out
    //! through `allocator_api2::alloc::Allocator`, and the `madvise` call.

    use std::alloc::Layout;
    use std::ptr::NonNull;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use allocator_api2::alloc::{AllocError, Allocator};
    use parking_lot::Mutex;

    use super::{Buddy, CHUNK, FreeSet, MIN_BLOCK, order_for};

    /// The process's one arena: every keyspace of every store shares it.
    static BUDDY: Mutex<Buddy> = Mutex::new(Buddy::new());

    /// Runs `op` on the arena under its lock once every free set has room
    /// for it (see [`Buddy::free`]): sets that are full are grown with
    /// memory allocated while the lock is released.
    fn with_room<R>(op: impl FnOnce(&mut Buddy) -> R) -> R {
        loop {
            let mut buddy = BUDDY.lock();
            let full = buddy.full_sets();
            if full.iter().all(|&cap| cap == 0) {
                return op(&mut buddy);
            }
            drop(buddy);
            let bigger = full.map(|cap| {
                (cap > 0).then(|| FreeSet::with_capacity_and_hasher(cap, Default::default()))
            });
            let old = BUDDY.lock().grow_sets(bigger);
            drop(old);
        }
    }

    /// Bytes mapped by the arena: its chunks and its big blocks.
    static MAPPED: AtomicUsize = AtomicUsize::new(0);

    /// Bytes the arena holds from the OS, for [`crate::keyspace_arena_bytes`].
    pub(crate) fn mapped_bytes() -> usize {
        MAPPED.load(Ordering::Relaxed)
    }

    /// The allocator handle the keyspace's vectors and tables carry: a
    /// zero-sized name for the process-wide arena (see the module docs).
    #[derive(Clone, Copy, Default, Debug)]
    pub(crate) struct Arena;

    const PAGE: usize = 4096;

    /// Bytes mapped for a big block of `size` bytes: whole pages.
    fn mapped_len(size: usize) -> usize {
        size.next_multiple_of(PAGE)
    }

    /// A fresh anonymous mapping of `len` bytes (a multiple of the page
    /// size) at a 2 MiB-aligned address, advised onto transparent huge pages
    /// before anything touches it (so the first touch of each 2 MiB faults
    /// in a huge page). Fresh, not from the global allocator: glibc serves
    /// a 2 MiB-aligned `malloc` from its heap once its mmap threshold has
    /// grown, and heap pages touched before the advice stay small.
    fn map(len: usize) -> Option<NonNull<u8>> {
        let span = len.checked_add(CHUNK)?;
        // SAFETY: a new private anonymous mapping at an address the kernel
        // picks: no existing memory is touched or aliased.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                span,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return None;
        }
        let raw = raw.cast::<u8>();
        let head = raw.addr().next_multiple_of(CHUNK) - raw.addr();
        let tail = span - head - len;
        // SAFETY: `[raw, raw + span)` is the mapping made above, which no
        // one else knows of; the head before the aligned start and the tail
        // after its `len` bytes are unmapped, page-aligned pieces of it
        // (`raw`, CHUNK and `len` are page multiples).
        unsafe {
            if head > 0 {
                libc::munmap(raw.cast(), head);
            }
            if tail > 0 {
                libc::munmap(raw.add(head + len).cast(), tail);
            }
        }
        let ptr = raw.wrapping_add(head);
        // SAFETY: MADV_HUGEPAGE changes only how the kernel backs the range
        // with physical memory, never its contents or mapping, and at worst
        // fails (EINVAL where THP is compiled out) with nothing changed,
        // which we ignore: it is a hint. The range is the mapping above.
        unsafe {
            libc::madvise(ptr.cast(), len, libc::MADV_HUGEPAGE);
        }
        MAPPED.fetch_add(len, Ordering::Relaxed);
        NonNull::new(ptr)
    }

    /// Unmaps `len` bytes at `ptr`, a mapping [`map`] made with that length.
    ///
    /// # Safety
    /// Nothing may use the memory any more.
    unsafe fn unmap(ptr: *mut u8, len: usize) {
        // SAFETY: the caller's contract; `ptr` and `len` describe one whole
        // mapping made by `map`.
        unsafe { libc::munmap(ptr.cast(), len) };
        MAPPED.fetch_sub(len, Ordering::Relaxed);
    }

    /// A new chunk's address, for [`Buddy::take`]. Blocks are carved out by
    /// address and turned back into pointers with
    /// `with_exposed_provenance_mut`, which takes the chunk's provenance,
    /// exposed here.
    fn new_chunk() -> Option<usize> {
        map(CHUNK).map(|ptr| ptr.as_ptr().expose_provenance())
    }

    // SAFETY (the trait's contract):
    // - a block returned by `allocate` is valid for reads and writes of
    //   `layout.size()` bytes and aligned to `layout.align()`: a buddy block
    //   of `MIN_BLOCK << order >= max(size, align)` bytes lies inside a
    //   mapped chunk, at a multiple of its own size (chunks are
    //   `CHUNK`-aligned and blocks split in halves), and `Buddy` hands out
    //   each byte of a chunk in at most one block at a time; a big block is
    //   a mapping of its own, `CHUNK`-aligned (the arena never serves an
    //   alignment over `CHUNK`: `order_for` is `None` and `map` aligns to
    //   `CHUNK` only, so such a request fails); zero-sized requests go to
    //   the global allocator, which meets the same contract;
    // - a block stays valid until deallocated: a chunk is unmapped only once
    //   every block in it is back, and `Arena` is a zero-sized handle to a
    //   static arena, so copies and moves of it change nothing;
    // - `deallocate` routes by `layout` exactly as `allocate` did: the caller
    //   passes the layout it allocated with, or one that "fits" the block (a
    //   size between the requested one and the block's length), which
    //   `order_for` maps to the same order, and `mapped_len` to the same
    //   length, as the request.
    unsafe impl Allocator for Arena {
        fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
            if layout.size() == 0 {
                return allocator_api2::alloc::Global.allocate(layout);
            }
            let Some(order) = order_for(layout.size(), layout.align()) else {
                if layout.align() > CHUNK {
                    return Err(AllocError);
                }
                let ptr = map(mapped_len(layout.size())).ok_or(AllocError)?;
                return Ok(NonNull::slice_from_raw_parts(ptr, layout.size()));
            };
            let addr = with_room(|b| b.take(order, new_chunk)).ok_or(AllocError)?;
            let ptr =
                NonNull::new(std::ptr::with_exposed_provenance_mut(addr)).ok_or(AllocError)?;
            Ok(NonNull::slice_from_raw_parts(ptr, MIN_BLOCK << order))
        }

        unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
            if layout.size() == 0 {
                // SAFETY: allocated by `Global` with this layout (above).
                return unsafe { allocator_api2::alloc::Global.deallocate(ptr, layout) };
            }
            let Some(order) = order_for(layout.size(), layout.align()) else {
                // SAFETY: a big block, mapped on its own with this length
                // (above); the caller is done with it.
                return unsafe { unmap(ptr.as_ptr(), mapped_len(layout.size())) };
            };
            let freed = with_room(|b| b.give(ptr.as_ptr().addr(), order));
            if let Some(chunk) = freed {
                // SAFETY: a chunk from `new_chunk` (the only source of chunk
                // addresses in `BUDDY`), wholly free: every block carved from
                // it has been given back, so nothing points into it.
                unsafe { unmap(std::ptr::with_exposed_provenance_mut(chunk), CHUNK) };
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use allocator_api2::vec::Vec;

        use super::*;

        /// The VmFlags line of the mapping of `/proc/self/smaps` that holds
        /// `addr`.
        fn vm_flags_at(addr: usize) -> String {
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
            let mut inside = false;
            for line in smaps.lines() {
                let range = line.split_whitespace().next().unwrap_or("");
                if let Some((lo, hi)) = range.split_once('-')
                    && let (Ok(lo), Ok(hi)) =
                        (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
                {
                    inside = (lo..hi).contains(&addr);
                }
                if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                    return flags.to_owned();
                }
            }
            panic!("no mapping holds {addr:#x}");
        }

        #[test]
        fn vectors_live_in_huge_page_advised_memory() {
            let mut small: Vec<u64, Arena> = Vec::new_in(Arena);
            small.extend(0..100);
            let mut big: Vec<u64, Arena> = Vec::new_in(Arena);
            big.extend(0..(3 << 20) / 8);
            for v in [&small, &big] {
                let addr = v.as_ptr().addr();
                // `hg`: advised with MADV_HUGEPAGE.
                let flags = vm_flags_at(addr);
                assert!(flags.split_whitespace().any(|f| f == "hg"), "{flags}");
            }
            assert_eq!(
                small.as_ptr().addr() % 1024,
                0,
                "a 800-byte vector sits in a 1 KiB block"
            );
            assert_eq!(big.as_ptr().addr() % CHUNK, 0);
            assert!(small.iter().copied().eq(0..100));
            assert!(big.iter().copied().eq(0..(3 << 20) / 8));
        }

        /// Blocks of every size class, held at once, written in full and
        /// read back: no two overlap, each is aligned as asked.
        #[test]
        fn blocks_are_disjoint_and_aligned() {
            let mut held = std::vec::Vec::new();
            for round in 0..3u8 {
                for size in [1, 8, 63, 64, 65, 500, 4096, 40_000, 1 << 20, (1 << 20) + 1] {
                    for align in [1, 8, 64, 4096] {
                        let layout = Layout::from_size_align(size, align).unwrap();
                        let block = Arena.allocate(layout).unwrap();
                        assert!(block.len() >= size);
                        let ptr = block.cast::<u8>();
                        assert_eq!(ptr.as_ptr().addr() % align, 0);
                        let tag = round.wrapping_mul(31).wrapping_add(held.len() as u8);
                        // SAFETY: the block is `size` bytes we own.
                        unsafe { ptr.as_ptr().write_bytes(tag, size) };
                        held.push((ptr, layout, tag));
                    }
                }
                // Free every other block, so later rounds reuse and merge.
                let mut i = 0;
                held.retain(|&(ptr, layout, _)| {
                    i += 1;
                    if i % 2 == 0 {
                        // SAFETY: allocated above with `layout`, freed once.
                        unsafe { Arena.deallocate(ptr, layout) };
                    }
                    i % 2 != 0
                });
            }
            for (ptr, layout, tag) in held {
                // SAFETY: still allocated; `size` bytes written above.
                let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), layout.size()) };
                assert!(bytes.iter().all(|&b| b == tag), "a block was overwritten");
                // SAFETY: allocated above with `layout`, freed once.
                unsafe { Arena.deallocate(ptr, layout) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn orders_and_capacities() {
        assert_eq!(order_for(1, 1), Some(0));
        assert_eq!(order_for(64, 8), Some(0));
        assert_eq!(order_for(65, 8), Some(1));
        assert_eq!(order_for(8, 256), Some(2));
        assert_eq!(order_for(1 << 20, 8), Some(TOP - 1));
        assert_eq!(order_for((1 << 20) + 1, 8), None);
        assert_eq!(order_for(usize::MAX, 8), None);
        // 56-byte entries: 4, then as many as each doubled block holds.
        let caps: Vec<usize> = [0, 5, 10, 19, 37, 74, 147, 293]
            .iter()
            .map(|&n| block_capacity::<[u8; 56]>(n))
            .collect();
        assert_eq!(caps, [4, 9, 18, 36, 73, 146, 292, 585]);
        assert_eq!(block_capacity::<[u8; 56]>(292), 292);
        assert_eq!(block_capacity::<u32>(1), 16);
        assert_eq!(block_capacity::<()>(3), 64);
    }

    /// The arena grows a full free set outside its lock: `full_sets` names
    /// it, `grow_sets` moves its blocks into the bigger set it is given.
    #[test]
    fn full_free_sets_grow_without_losing_blocks() {
        let mut buddy = Buddy::new();
        // An empty set has no room: every order asks for 64.
        assert_eq!(buddy.full_sets(), [64; TOP]);
        let mut chunks = 0;
        let blocks: Vec<usize> = (0..200)
            .map(|_| {
                buddy
                    .take(0, || {
                        chunks += 1;
                        Some(chunks * CHUNK)
                    })
                    .unwrap()
            })
            .collect();
        // Free every other block: 100 free blocks of order 0, none merge.
        for &b in blocks.iter().step_by(2) {
            assert_eq!(buddy.give(b, 0), None);
        }
        let before: std::collections::BTreeSet<usize> = buddy.free[0].iter().copied().collect();
        assert_eq!(before.len(), 100);
        let want = buddy.full_sets();
        let mut bigger: [Option<FreeSet>; TOP] = std::array::from_fn(|_| None);
        for (o, &cap) in want.iter().enumerate() {
            if cap > 0 {
                bigger[o] = Some(FreeSet::with_capacity_and_hasher(
                    cap.max(1000),
                    Default::default(),
                ));
            }
        }
        drop(buddy.grow_sets(bigger));
        assert_eq!(buddy.full_sets(), [0; TOP]);
        let after: std::collections::BTreeSet<usize> = buddy.free[0].iter().copied().collect();
        assert_eq!(before, after);
    }

    proptest! {
        /// Random takes and gives over fake chunk addresses: live blocks
        /// never overlap, sit inside a chunk the buddy was given, at a
        /// multiple of their size; and once all are back, every chunk is
        /// released but the spare.
        #[test]
        fn buddy_hands_out_disjoint_blocks_and_returns_chunks(
            ops in proptest::collection::vec((any::<bool>(), 0usize..TOP, any::<usize>()), 1..400),
        ) {
            let mut buddy = Buddy::new();
            let mut chunks = 0usize;
            let mut released = std::collections::BTreeSet::new();
            let mut live: Vec<(usize, usize)> = Vec::new();
            for (take, order, pick) in ops {
                if take || live.is_empty() {
                    let block = buddy
                        .take(order, || {
                            chunks += 1;
                            Some(chunks * CHUNK)
                        })
                        .unwrap();
                    let size = MIN_BLOCK << order;
                    prop_assert_eq!(block % size, 0);
                    prop_assert!(block / CHUNK >= 1 && block / CHUNK <= chunks);
                    prop_assert!(!released.contains(&(block / CHUNK * CHUNK)));
                    for &(b, o) in &live {
                        let s = MIN_BLOCK << o;
                        prop_assert!(block + size <= b || b + s <= block, "overlap");
                    }
                    live.push((block, order));
                } else {
                    let (block, order) = live.swap_remove(pick % live.len());
                    if let Some(chunk) = buddy.give(block, order) {
                        prop_assert_eq!(chunk % CHUNK, 0);
                        prop_assert!(released.insert(chunk));
                    }
                }
            }
            for (block, order) in live.drain(..) {
                if let Some(chunk) = buddy.give(block, order) {
                    prop_assert!(released.insert(chunk));
                }
            }
            prop_assert!(buddy.free.iter().all(|f| f.is_empty()));
            prop_assert_eq!(released.len() + usize::from(buddy.spare.is_some()), chunks);
        }
    }
}
