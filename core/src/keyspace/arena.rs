//! [`Arena`]: the allocator of the keyspace's hash tables and entry vectors.
//!
//! A keyspace of a million keys is ~80 MB of tables and entries spread over
//! 4096 segments, and a lookup reads one slot and one entry at random in it.
//! With 4 KiB pages nearly every such read also misses the TLB, and a page
//! walk under a hypervisor costs as much as the read itself: on the 2-core
//! VM of README "Performance", a typed `GET` on 1M keys took ~500 ns with
//! the segments on glibc's heap and ~420 ns with the same data on 2 MiB
//! transparent huge pages (medians of alternating runs, each store in a
//! process of its own). So on Linux the arena serves the segments from
//! 2 MiB chunks, each a fresh anonymous mapping aligned to 2 MiB and
//! advised with `madvise(MADV_HUGEPAGE)` before its first touch: the kernel
//! backs them with huge pages when
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `always` or `madvise`
//! (the common defaults), and with base pages otherwise. The global
//! allocator does not see this memory; [`crate::keyspace_arena_bytes`]
//! reports it.
//!
//! Inside the chunks it is a binary buddy allocator (`buddy::Buddy`, whose
//! bookkeeping lives in the chunks: 8 KiB of each, 0.4%): blocks of 64 B to
//! 1 MiB, powers of two, each aligned to its size; a freed block merges
//! with its free buddy, and a chunk that becomes wholly free goes back to
//! the OS (one is kept, so a segment growing and shrinking across a
//! boundary does not map and unmap a chunk each time). Blocks over 1 MiB
//! are mappings of their own, 2 MiB aligned and advised the same way.
//! Allocation happens only when a segment's table or entry vector grows
//! (amortized O(1) per insert) and never allocates or waits on anything
//! under the arena's lock, so one mutex over the arena is no bottleneck.
//! Callers size entry vectors to fill their block (`Segment` does):
//! power-of-two bytes hold `block / 56` entries, so rounding costs at most
//! one entry's bytes per block.
//!
//! Elsewhere (wasm32, macOS, Windows) `Arena` is the global allocator.
//!
//! The buddy's tests also pass under Miri (2026-11-30), which checks every
//! pointer access of its bookkeeping:
//! `PROPTEST_CASES=4 MIRIFLAGS="-Zmiri-permissive-provenance -Zmiri-disable-isolation"
//! cargo +nightly miri test -p embedis --lib keyspace::arena::tests`
//! (`rustup component add --toolchain nightly miri rust-src` first). The
//! mmap half (`linux`) needs a real kernel and is tested natively; under
//! Miri, `Arena` is the global allocator, so the segments' tests
//! (`keyspace::segment`, `keyspace::shared_vec`) run there too.

#[cfg(all(target_os = "linux", not(miri)))]
pub(crate) use self::linux::Arena;

/// The global allocator, off Linux (no huge pages to ask for) and under
/// Miri, which cannot unmap part of a mapping as `linux::map` does to align
/// a chunk (the keyspace's tests run there on the global allocator).
#[cfg(any(not(target_os = "linux"), miri))]
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

/// Bytes of a chunk, the unit the arena maps from the OS and [`Buddy`]
/// splits: one transparent huge page on x86-64 and aarch64 with 4 KiB base pages.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
const CHUNK: usize = 2 << 20;

/// Orders `0..TOP`: blocks of `MIN_BLOCK << order` bytes, 64 B to 1 MiB
/// (half a chunk; a chunk is never one block: its bitmap takes the start).
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

/// Bytes at the start of every chunk that hold its bitmap of free blocks
/// (see [`buddy`]): one block of order [`META_ORDER`], never handed out.
const META: usize = 8 << 10;

/// The order of the block a chunk's bitmap takes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // The buddy serves Linux only.
const META_ORDER: usize = (META / MIN_BLOCK).trailing_zeros() as usize;

#[allow(unsafe_code)]
#[cfg(any(target_os = "linux", test))] // The buddy serves Linux only.
mod buddy {
    //! [`Buddy`]: a binary buddy allocator over chunks of memory it is
    //! given, with its bookkeeping inside them, so no operation allocates,
    //! hashes or takes longer than a few dozen pointer writes: the arena's
    //! lock is never held for long. (An earlier version kept the free
    //! blocks in hash sets; growing one under the lock, after a background
    //! save dropped its copies of the segments, blocked writers for up to
    //! 145 ms.)
    //!
    //! - Each chunk's first [`META`] bytes are a bitmap with one bit per
    //!   block position of each order, set when a free block of that order
    //!   starts there. It is what tells whether a buddy is free; the memory
    //!   of a block that is not free is its owner's and is never read.
    //! - Free blocks of each order form a doubly linked list threaded
    //!   through their first 16 bytes (`[next, prev]` addresses, 0 for none),
    //!   so taking the first one and unlinking a buddy are O(1).
    //! - The bitmap's block is never free, so the lower half of a chunk never
    //!   merges into one block: blocks go up to `TOP - 1` (1 MiB, the upper
    //!   half), and a chunk is wholly free when the `TOP - META_ORDER` blocks
    //!   beside the bitmap's (one of each order from `META_ORDER`) are.

    use super::{CHUNK, META, META_ORDER, MIN_BLOCK, TOP};

    /// The bit of a block of `order` at `offset` in its chunk's bitmap:
    /// orders in turn, `CHUNK / (MIN_BLOCK << order)` bits each.
    fn bit(order: usize, offset: usize) -> usize {
        let positions = CHUNK / MIN_BLOCK;
        // Bits of the orders below: positions * (1 + 1/2 + ... ) = 2p - 2p/2^order.
        2 * positions - ((2 * positions) >> order) + (offset / (MIN_BLOCK << order))
    }

    const _: () = assert!(
        2 * (CHUNK / MIN_BLOCK) / 8 <= META,
        "the bitmap fits its block"
    );
    const _: () = assert!(META == MIN_BLOCK << META_ORDER);

    pub(super) struct Buddy {
        /// The first free block of each order (0: none).
        heads: [usize; TOP],
        /// A wholly free chunk kept mapped, so a segment growing and
        /// shrinking across a chunk boundary does not map and unmap one each
        /// time. It may have been allocated from since: checked when used.
        kept: Option<usize>,
    }

    impl Buddy {
        pub(super) const fn new() -> Self {
            Buddy {
                heads: [0; TOP],
                kept: None,
            }
        }

        /// Clears the bitmap of a new chunk, before it is added: this is
        /// the first touch of the chunk's memory (a page fault), left to
        /// the caller to do outside its lock.
        ///
        /// # Safety
        /// `chunk` is the address of `CHUNK` writable bytes, aligned to
        /// `CHUNK`, that nothing else uses, with exposed provenance.
        pub(super) unsafe fn clear_bitmap(chunk: usize) {
            let ptr = std::ptr::with_exposed_provenance_mut::<u8>(chunk);
            // SAFETY: the first META bytes of a chunk the caller owns.
            unsafe { ptr.write_bytes(0, META) };
        }

        /// Adds a chunk whose bitmap [`Buddy::clear_bitmap`] cleared: all of
        /// it but the bitmap becomes free blocks.
        ///
        /// # Safety
        /// As for [`Buddy::clear_bitmap`]; from now on the chunk is the
        /// buddy's, until [`Buddy::give`] returns it.
        pub(super) unsafe fn add_chunk(&mut self, chunk: usize) {
            debug_assert_eq!(chunk % CHUNK, 0);
            for order in META_ORDER..TOP {
                // SAFETY: inside the chunk, beside the bitmap, not linked.
                unsafe { self.link(chunk + (MIN_BLOCK << order), order) };
            }
        }

        /// The bitmap word of the block of `order` at `block`, in its
        /// chunk's first META bytes (`bit` indexes within them: the const
        /// assert above), and the block's bit in it.
        fn bitmap_bit(block: usize, order: usize) -> (*mut u64, u64) {
            let chunk = block & !(CHUNK - 1);
            let b = bit(order, block - chunk);
            let word = std::ptr::with_exposed_provenance_mut::<u64>(chunk).wrapping_add(b / 64);
            (word, 1 << (b % 64))
        }

        /// The `[next, prev]` links a free block at `block` holds.
        fn links(block: usize) -> *mut [usize; 2] {
            std::ptr::with_exposed_provenance_mut(block)
        }

        /// Whether the block of `order` at `block` is free.
        fn is_free(&self, block: usize, order: usize) -> bool {
            let (word, bit) = Self::bitmap_bit(block, order);
            // SAFETY: `block` lies in a chunk the buddy holds (its callers
            // pass blocks it handed out or their buddies, and chunks it
            // holds), whose first META bytes are its bitmap.
            unsafe { word.read() & bit != 0 }
        }

        /// Sets or clears the bit of the block of `order` at `block`.
        ///
        /// # Safety
        /// `block` lies in a chunk the buddy holds.
        unsafe fn mark(&mut self, block: usize, order: usize, free: bool) {
            let (word, bit) = Self::bitmap_bit(block, order);
            // SAFETY: as in `is_free`; the buddy holds `&mut self`, the only
            // way to the bitmap.
            unsafe {
                if free {
                    *word |= bit;
                } else {
                    *word &= !bit;
                }
            }
        }

        /// Puts the free block of `order` at `block` first in its list.
        ///
        /// # Safety
        /// `block` lies in a chunk the buddy holds and is not in use: no one
        /// else reads or writes it.
        unsafe fn link(&mut self, block: usize, order: usize) {
            let next = self.heads[order];
            // SAFETY: a free block of at least MIN_BLOCK bytes, aligned to
            // its size, so to `[usize; 2]`; the buddy's own (see above), as
            // is the head it points back from.
            unsafe {
                Self::links(block).write([next, 0]);
                if next != 0 {
                    (*Self::links(next))[1] = block;
                }
                self.mark(block, order, true);
            }
            self.heads[order] = block;
        }

        /// Takes the free block of `order` at `block` out of its list.
        ///
        /// # Safety
        /// `block` is a free block of `order` (its bit is set).
        unsafe fn unlink(&mut self, block: usize, order: usize) {
            debug_assert!(self.is_free(block, order));
            // SAFETY: free blocks and their neighbours in the list hold the
            // `[next, prev]` links `link` wrote; they are the buddy's.
            unsafe {
                let [next, prev] = Self::links(block).read();
                if prev != 0 {
                    (*Self::links(prev))[0] = next;
                } else {
                    self.heads[order] = next;
                }
                if next != 0 {
                    (*Self::links(next))[1] = prev;
                }
                self.mark(block, order, false);
            }
        }

        /// The address of a free block of `order` (`< TOP`), split from the
        /// smallest free block that holds it; `None` when there is none:
        /// the caller adds a chunk and asks again.
        pub(super) fn take(&mut self, order: usize) -> Option<usize> {
            debug_assert!(order < TOP);
            let mut from = (order..TOP).find(|&o| self.heads[o] != 0)?;
            let block = self.heads[from];
            // SAFETY: the head of a free list is a free block of its order;
            // the halves split off lie in it, so in the same chunk, and are
            // no one's.
            unsafe {
                self.unlink(block, from);
                // Keep the lower half, free the upper, down to the order wanted.
                while from > order {
                    from -= 1;
                    self.link(block + (MIN_BLOCK << from), from);
                }
            }
            Some(block)
        }

        /// Frees the block of `order` at `block`, merging it with its buddy
        /// while that is free. Returns a chunk that became wholly free, for
        /// the caller to unmap, unless it is kept (see [`Buddy::kept`]).
        ///
        /// # Safety
        /// `block` was returned by [`Buddy::take`] for `order` and not given
        /// back since; nothing uses it any more.
        pub(super) unsafe fn give(&mut self, mut block: usize, mut order: usize) -> Option<usize> {
            debug_assert!(order < TOP && block % (MIN_BLOCK << order) == 0);
            // The buddy of the upper half of a chunk is the lower half,
            // which holds the bitmap and so is never one free block.
            while order < TOP - 1 {
                let buddy = block ^ (MIN_BLOCK << order);
                if !self.is_free(buddy, order) {
                    break;
                }
                // SAFETY: a free block of `order` (its bit is set).
                unsafe { self.unlink(buddy, order) };
                block &= !(MIN_BLOCK << order);
                order += 1;
            }
            // SAFETY: the caller's block, merged with free buddies only.
            unsafe { self.link(block, order) };
            let chunk = block & !(CHUNK - 1);
            if !self.is_wholly_free(chunk) {
                return None;
            }
            match self.kept {
                Some(kept) if kept != chunk && self.is_wholly_free(kept) => {
                    for order in META_ORDER..TOP {
                        // SAFETY: the chunk is wholly free: these are its
                        // free blocks.
                        unsafe { self.unlink(chunk + (MIN_BLOCK << order), order) };
                    }
                    Some(chunk)
                }
                _ => {
                    self.kept = Some(chunk);
                    None
                }
            }
        }

        /// True when every block of `chunk` but its bitmap's is free.
        fn is_wholly_free(&self, chunk: usize) -> bool {
            (META_ORDER..TOP).all(|order| self.is_free(chunk + (MIN_BLOCK << order), order))
        }

        /// The free blocks of each order, by walking the lists (for tests).
        #[cfg(test)]
        pub(super) fn free_blocks(&self) -> Vec<(usize, usize)> {
            let mut out = Vec::new();
            for (order, &head) in self.heads.iter().enumerate() {
                let mut block = head;
                while block != 0 {
                    assert!(self.is_free(block, order), "a listed block is marked free");
                    out.push((block, order));
                    // SAFETY: a free block's links, as `link` wrote them.
                    block = unsafe { Self::links(block).read()[0] };
                }
            }
            out
        }
    }
}

#[cfg(any(target_os = "linux", test))]
use buddy::Buddy;

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

    use super::{Buddy, CHUNK, MIN_BLOCK, order_for};

    /// The process's one arena: every keyspace of every store shares it.
    static BUDDY: Mutex<Buddy> = Mutex::new(Buddy::new());

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
            let addr = loop {
                if let Some(addr) = BUDDY.lock().take(order) {
                    break addr;
                }
                // Map and first touch a chunk outside the lock (a page
                // fault zeroes 2 MiB), then add it and ask again.
                let chunk = new_chunk().ok_or(AllocError)?;
                // SAFETY: a fresh mapping of CHUNK bytes, CHUNK-aligned,
                // provenance exposed (`new_chunk`), which only the buddy
                // will use: cleared here, added under the lock.
                unsafe {
                    Buddy::clear_bitmap(chunk);
                    BUDDY.lock().add_chunk(chunk);
                }
            };
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
            // SAFETY: the caller gives back a block `allocate` returned for
            // this layout, so one `take` returned for `order`; it is done
            // with it.
            let freed = unsafe { BUDDY.lock().give(ptr.as_ptr().addr(), order) };
            if let Some(chunk) = freed {
                // SAFETY: a chunk from `new_chunk` (the only source of chunk
                // addresses in `BUDDY`), wholly free and out of the buddy's
                // lists: every block carved from it has been given back, so
                // nothing points into it.
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

        /// Four threads grow, shrink and drop arena vectors of many sizes at
        /// once, as segments do while a background save drops its copies:
        /// every vector keeps exactly what its thread wrote.
        #[test]
        fn threads_share_the_arena_without_losing_writes() {
            std::thread::scope(|s| {
                for t in 0..4u64 {
                    s.spawn(move || {
                        let mut rng = fastrand::Rng::with_seed(t);
                        let mut live: std::vec::Vec<Vec<u64, Arena>> = std::vec::Vec::new();
                        for step in 0..3000u64 {
                            if live.len() < 64 && rng.bool() {
                                let mut v = Vec::new_in(Arena);
                                let max = rng.choice([16, 512, 20_000]).unwrap();
                                let len = rng.usize(0..max);
                                v.extend((0..len as u64).map(|i| t << 48 | step << 24 | i));
                                live.push(v);
                            } else if !live.is_empty() {
                                let v = live.swap_remove(rng.usize(0..live.len()));
                                let base = v.first().map_or(0, |&x| x & !0xff_ffff);
                                assert!(
                                    v.iter().enumerate().all(|(i, &x)| x == base | i as u64),
                                    "thread {t}: a vector was overwritten"
                                );
                            }
                        }
                    });
                }
            });
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

    /// Chunks for a [`Buddy`] under test: ordinary heap memory, aligned as
    /// the arena's mappings are, freed when the test ends.
    struct Chunks(Vec<*mut u8>);

    const CHUNK_LAYOUT: std::alloc::Layout = match std::alloc::Layout::from_size_align(CHUNK, CHUNK)
    {
        Ok(l) => l,
        Err(_) => panic!("a chunk's layout"),
    };

    impl Chunks {
        /// Adds a new chunk to `buddy`; returns its address.
        fn add(&mut self, buddy: &mut Buddy) -> usize {
            #[allow(unsafe_code)]
            // SAFETY: a non-zero size; the chunk is handed to the buddy
            // (cleared, added) and to no one else, and freed in `drop` after
            // the buddy's last use (a `Buddy` reads nothing when dropped).
            unsafe {
                let ptr = std::alloc::alloc(CHUNK_LAYOUT);
                assert!(!ptr.is_null());
                self.0.push(ptr);
                let chunk = ptr.expose_provenance();
                Buddy::clear_bitmap(chunk);
                buddy.add_chunk(chunk);
                chunk
            }
        }
    }

    impl Drop for Chunks {
        fn drop(&mut self) {
            for &ptr in &self.0 {
                #[allow(unsafe_code)]
                // SAFETY: allocated in `add` with this layout, freed once.
                unsafe {
                    std::alloc::dealloc(ptr, CHUNK_LAYOUT)
                };
            }
        }
    }

    /// Takes a block of `order`, adding a chunk when the buddy has none.
    fn take(buddy: &mut Buddy, chunks: &mut Chunks, order: usize) -> usize {
        if let Some(block) = buddy.take(order) {
            return block;
        }
        chunks.add(buddy);
        buddy.take(order).expect("a new chunk serves any order")
    }

    /// Gives back a block `take` returned.
    fn give(buddy: &mut Buddy, block: usize, order: usize) -> Option<usize> {
        #[allow(unsafe_code)]
        // SAFETY: the tests give back each block they took, once, and never
        // use it.
        unsafe {
            buddy.give(block, order)
        }
    }

    /// A chunk serves every order down from its biggest block, and comes
    /// back whole: freed in any order, its blocks merge again.
    #[test]
    fn a_chunk_splits_and_merges_back() {
        let (mut buddy, mut chunks) = (Buddy::new(), Chunks(Vec::new()));
        let chunk = chunks.add(&mut buddy);
        // Beside the 8 KiB bitmap: one free block of each order from 8 KiB.
        let mut free = buddy.free_blocks();
        free.sort();
        let want: Vec<(usize, usize)> = (META_ORDER..TOP)
            .map(|o| (chunk + (MIN_BLOCK << o), o))
            .collect();
        assert_eq!(free, want);
        // 64-byte blocks come from the 8 KiB block first, in address order.
        let small: Vec<usize> = (0..200).map(|_| take(&mut buddy, &mut chunks, 0)).collect();
        assert_eq!(small[0], chunk + META);
        assert_eq!(small[1], chunk + META + 64);
        let big = take(&mut buddy, &mut chunks, TOP - 1);
        assert_eq!(big, chunk + CHUNK / 2);
        assert_eq!(chunks.0.len(), 1);
        // A second 1 MiB block needs a second chunk.
        let big2 = take(&mut buddy, &mut chunks, TOP - 1);
        assert_eq!(chunks.0.len(), 2);
        assert_eq!(big2 % CHUNK, CHUNK / 2);
        // Everything back: the first chunk to be wholly free is kept...
        assert_eq!(give(&mut buddy, big2, TOP - 1), None);
        for &b in small.iter().rev() {
            assert_eq!(give(&mut buddy, b, 0), None);
        }
        // ... and the second is returned, out of the lists.
        assert_eq!(give(&mut buddy, big, TOP - 1), Some(chunk));
        let mut free = buddy.free_blocks();
        free.sort();
        let kept = big2 - CHUNK / 2;
        let want: Vec<(usize, usize)> = (META_ORDER..TOP)
            .map(|o| (kept + (MIN_BLOCK << o), o))
            .collect();
        assert_eq!(free, want);
    }

    proptest! {
        /// Random takes and gives: live blocks never overlap, sit inside a
        /// chunk the buddy was given, beside its bitmap, at a multiple of
        /// their size; every free block is listed once; and once all are
        /// back, every chunk is returned but the one kept.
        #[test]
        fn buddy_hands_out_disjoint_blocks_and_returns_chunks(
            ops in proptest::collection::vec((any::<bool>(), 0usize..TOP, any::<usize>()), 1..300),
        ) {
            let (mut buddy, mut chunks) = (Buddy::new(), Chunks(Vec::new()));
            let mut released = std::collections::BTreeSet::new();
            let mut live: Vec<(usize, usize)> = Vec::new();
            for (take_one, order, pick) in ops {
                if take_one || live.is_empty() {
                    let block = take(&mut buddy, &mut chunks, order);
                    let size = MIN_BLOCK << order;
                    prop_assert_eq!(block % size, 0);
                    let chunk = block & !(CHUNK - 1);
                    prop_assert!(chunks.0.iter().any(|&c| c.addr() == chunk));
                    prop_assert!(!released.contains(&chunk));
                    prop_assert!(block - chunk >= META);
                    for &(b, o) in &live {
                        let s = MIN_BLOCK << o;
                        prop_assert!(block + size <= b || b + s <= block, "overlap");
                    }
                    live.push((block, order));
                } else {
                    let (block, order) = live.swap_remove(pick % live.len());
                    if let Some(chunk) = give(&mut buddy, block, order) {
                        prop_assert_eq!(chunk % CHUNK, 0);
                        prop_assert!(released.insert(chunk));
                    }
                }
                let free = buddy.free_blocks();
                let distinct: std::collections::BTreeSet<_> = free.iter().collect();
                prop_assert_eq!(distinct.len(), free.len(), "a block listed twice");
            }
            for (block, order) in live.drain(..) {
                if let Some(chunk) = give(&mut buddy, block, order) {
                    prop_assert!(released.insert(chunk));
                }
            }
            // One chunk is kept, wholly free: its blocks are all that is listed.
            prop_assert_eq!(released.len() + 1, chunks.0.len());
            prop_assert_eq!(buddy.free_blocks().len(), TOP - META_ORDER);
        }
    }
}
