//! [`CompactBytes`]: the byte string behind every key and every string value.
//!
//! A store of many small strings pays per key for the string headers, not for
//! the bytes: a `Bytes` is 32 bytes plus a heap block even for a 10-byte key.
//! `CompactBytes` is 24 bytes and keeps up to [`CompactBytes::INLINE_CAPACITY`]
//! (23) bytes inline, with no heap block at all; longer strings live in a
//! shared [`Bytes`] behind one box, so reading a big value out (GET) is a
//! reference-count increment, as before, and APPEND/SETRANGE grow it in place
//! with spare capacity (amortized O(1), as Redis's sds).
//!
//! Layout, without `unsafe`: the inline form stores its length in a one-byte
//! enum of 24 values (`0..=23`), which leaves the byte's other 232 values free
//! for the compiler to tell the forms apart (and, one level up, the
//! [`Value`](super::Value) variants apart), so `CompactBytes` and `Value` are
//! both 24 bytes. A unit test pins those sizes.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, RangeBounds};

use bytes::{Bytes, BytesMut};

/// A byte string of at most 24 bytes on the stack: inline up to
/// [`CompactBytes::INLINE_CAPACITY`] bytes, else a boxed, shared [`Bytes`].
///
/// It hashes, compares and orders exactly as the `[u8]` it holds (and
/// implements `Borrow<[u8]>`), so maps keyed by it are looked up by `&[u8]`.
/// Whether a string is inline is not observable except through
/// [`CompactBytes::is_inline`].
#[derive(Clone)]
pub struct CompactBytes(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: InlineLen, buf: [u8; INLINE] },
    Heap(Box<Bytes>),
}

const INLINE: usize = 23;

/// The length of an inline string. An enum, not a `u8`, so that the values
/// 24..=255 are free for the compiler's enum tags (niche).
#[derive(Clone, Copy)]
#[repr(u8)]
#[rustfmt::skip]
enum InlineLen {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16,
    L17, L18, L19, L20, L21, L22, L23,
}

impl InlineLen {
    #[rustfmt::skip]
    const ALL: [InlineLen; INLINE + 1] = {
        use InlineLen::*;
        [L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16,
         L17, L18, L19, L20, L21, L22, L23]
    };
}

impl CompactBytes {
    /// The longest string kept inline (without a heap allocation): 23 bytes.
    pub const INLINE_CAPACITY: usize = INLINE;

    /// The empty string.
    pub const fn new() -> Self {
        CompactBytes(Repr::Inline {
            len: InlineLen::L0,
            buf: [0; INLINE],
        })
    }

    /// A copy of `s`: inline when it fits, else in a new heap block.
    pub fn copy_from_slice(s: &[u8]) -> Self {
        Self::try_inline(s).unwrap_or_else(|| Self::heap(Bytes::copy_from_slice(s)))
    }

    fn try_inline(s: &[u8]) -> Option<Self> {
        let len = *InlineLen::ALL.get(s.len())?;
        let mut buf = [0; INLINE];
        buf[..s.len()].copy_from_slice(s);
        Some(CompactBytes(Repr::Inline { len, buf }))
    }

    fn heap(b: Bytes) -> Self {
        CompactBytes(Repr::Heap(Box::new(b)))
    }

    /// The bytes.
    #[inline(always)]
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Heap(b) => b,
        }
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => *len as usize,
            Repr::Heap(b) => b.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the bytes are stored inline (no heap block).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }

    /// The bytes as a [`Bytes`]: a reference-count increment for a heap
    /// string, a copy (of at most 23 bytes) for an inline one.
    pub fn to_bytes(&self) -> Bytes {
        match &self.0 {
            Repr::Inline { .. } => Bytes::copy_from_slice(self.as_slice()),
            Repr::Heap(b) => Bytes::clone(b),
        }
    }

    /// A sub-range as [`Bytes`]: shares a heap string's buffer (no copy),
    /// copies from an inline one.
    ///
    /// # Panics
    /// If the range is out of bounds, as slicing does.
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Bytes {
        match &self.0 {
            Repr::Inline { .. } => Bytes::copy_from_slice(
                &self.as_slice()[(range.start_bound().cloned(), range.end_bound().cloned())],
            ),
            Repr::Heap(b) => b.slice(range),
        }
    }

    /// Appends `suffix` (Redis `APPEND`). Stays inline while the result fits;
    /// a heap string grows in place with spare capacity when nothing else
    /// shares its buffer, so repeated appends are amortized O(1).
    pub fn extend_from_slice(&mut self, suffix: &[u8]) {
        if let Repr::Inline { len, buf } = &mut self.0 {
            let (old, new) = (*len as usize, *len as usize + suffix.len());
            if let Some(&l) = InlineLen::ALL.get(new) {
                buf[old..new].copy_from_slice(suffix);
                *len = l;
                return;
            }
        }
        // Growing out of the inline form: leave room for more, as the next
        // append is likely.
        self.edit(2 * (self.len() + suffix.len()), |m| {
            m.extend_from_slice(suffix)
        });
    }

    /// Overwrites the bytes from `offset` with `value`, first padding with
    /// zero bytes up to `offset + value.len()` (Redis `SETRANGE`).
    pub fn set_range(&mut self, offset: usize, value: &[u8]) {
        let end = offset + value.len();
        if let Repr::Inline { len, buf } = &mut self.0
            && let Some(&l) = InlineLen::ALL.get(end.max(*len as usize))
        {
            // The unused tail of `buf` is always zero (inline strings never
            // shrink), so growing the length pads with zeros.
            buf[offset..end].copy_from_slice(value);
            *len = l;
            return;
        }
        self.edit(end.max(self.len()), |m| {
            if m.len() < end {
                m.resize(end, 0);
            }
            m[offset..end].copy_from_slice(value);
        });
    }

    /// Runs `f` on the bytes as a `BytesMut`, reusing a heap buffer nothing
    /// else shares (it grows by doubling); a new buffer gets `capacity`.
    fn edit(&mut self, capacity: usize, f: impl FnOnce(&mut BytesMut)) {
        let copy = |s: &[u8]| {
            let mut m = BytesMut::with_capacity(capacity);
            m.extend_from_slice(s);
            m
        };
        match &mut self.0 {
            Repr::Heap(b) => {
                // Keep the box; take its `Bytes` out to edit it.
                let mut m = std::mem::take(&mut **b)
                    .try_into_mut()
                    .unwrap_or_else(|shared| copy(&shared));
                f(&mut m);
                **b = m.freeze();
            }
            Repr::Inline { len, buf } => {
                let mut m = copy(&buf[..*len as usize]);
                f(&mut m);
                *self = CompactBytes::heap(m.freeze());
            }
        }
    }
}

impl Default for CompactBytes {
    fn default() -> Self {
        CompactBytes::new()
    }
}

impl Deref for CompactBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for CompactBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Hashes as `[u8]` does (length, then bytes), as `Borrow<[u8]>` requires.
impl Hash for CompactBytes {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl PartialEq for CompactBytes {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactBytes {}

/// `CompactBytes == other` and `other == CompactBytes` by the bytes, for
/// each `other` that `Bytes` compares with, so a value read from the store
/// compares as one would write it: `assert_eq!(db.get("k")?.unwrap(), "v")`.
macro_rules! eq_by_bytes {
    ($($other:ty),* $(,)?) => {$(
        impl PartialEq<$other> for CompactBytes {
            fn eq(&self, other: &$other) -> bool {
                self.as_slice() == AsRef::<[u8]>::as_ref(other)
            }
        }

        impl PartialEq<CompactBytes> for $other {
            fn eq(&self, other: &CompactBytes) -> bool {
                AsRef::<[u8]>::as_ref(self) == other.as_slice()
            }
        }
    )*};
}

eq_by_bytes!([u8], &[u8], str, &str, Vec<u8>, String, Bytes);

impl<const N: usize> PartialEq<[u8; N]> for CompactBytes {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for CompactBytes {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialOrd for CompactBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl fmt::Debug for CompactBytes {
    /// As [`Bytes`] prints: `b"text\x00"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&BytesView(self.as_slice()), f)
    }
}

/// Prints a byte slice the way [`Bytes`]'s `Debug` does.
struct BytesView<'a>(&'a [u8]);

impl fmt::Debug for BytesView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"")?;
        for &b in self.0 {
            match b {
                b'\n' => write!(f, "\\n")?,
                b'\r' => write!(f, "\\r")?,
                b'\t' => write!(f, "\\t")?,
                b'\\' | b'"' => write!(f, "\\{}", b as char)?,
                b'\0' => write!(f, "\\0")?,
                0x20..=0x7e => write!(f, "{}", b as char)?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        write!(f, "\"")
    }
}

/// Takes the `Bytes` without copying when it is too long to inline (a short
/// one is copied inline and the `Bytes` dropped).
impl From<Bytes> for CompactBytes {
    fn from(b: Bytes) -> Self {
        Self::try_inline(&b).unwrap_or_else(|| Self::heap(b))
    }
}

impl From<&Bytes> for CompactBytes {
    fn from(b: &Bytes) -> Self {
        Self::try_inline(b).unwrap_or_else(|| Self::heap(b.clone()))
    }
}

impl From<&[u8]> for CompactBytes {
    fn from(s: &[u8]) -> Self {
        CompactBytes::copy_from_slice(s)
    }
}

impl<const N: usize> From<&[u8; N]> for CompactBytes {
    fn from(s: &[u8; N]) -> Self {
        CompactBytes::copy_from_slice(s)
    }
}

impl From<&str> for CompactBytes {
    fn from(s: &str) -> Self {
        CompactBytes::copy_from_slice(s.as_bytes())
    }
}

impl From<Vec<u8>> for CompactBytes {
    fn from(v: Vec<u8>) -> Self {
        Self::try_inline(&v).unwrap_or_else(|| Self::heap(Bytes::from(v)))
    }
}

impl From<String> for CompactBytes {
    fn from(s: String) -> Self {
        CompactBytes::from(s.into_bytes())
    }
}

impl From<CompactBytes> for Bytes {
    /// Moves a heap string's `Bytes` out; copies an inline one.
    fn from(c: CompactBytes) -> Bytes {
        match c.0 {
            Repr::Heap(b) => *b,
            Repr::Inline { .. } => Bytes::copy_from_slice(c.as_slice()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use proptest::prelude::*;

    use super::*;
    use crate::value::Value;

    #[test]
    fn sizes_are_pinned() {
        use std::mem::size_of;
        assert_eq!(size_of::<CompactBytes>(), 24);
        assert_eq!(size_of::<Option<CompactBytes>>(), 24);
        assert_eq!(size_of::<Value>(), 24);
        assert_eq!(size_of::<Option<Value>>(), 24);
    }

    #[test]
    fn inline_up_to_23_bytes_then_heap() {
        for (n, inline) in [
            (0, true),
            (1, true),
            (22, true),
            (23, true),
            (24, false),
            (100, false),
        ] {
            let s = vec![b'x'; n];
            for c in [
                CompactBytes::copy_from_slice(&s),
                CompactBytes::from(Bytes::from(s.clone())),
                CompactBytes::from(s.clone()),
            ] {
                assert_eq!(c.is_inline(), inline, "{n}");
                assert_eq!(c.len(), n);
                assert_eq!(c.as_slice(), &s[..]);
                assert_eq!(c.to_bytes(), s);
                assert_eq!(Bytes::from(c), s);
            }
        }
        assert!(CompactBytes::new().is_empty());
        assert_eq!(CompactBytes::default(), CompactBytes::from(""));
    }

    #[test]
    fn hashes_and_compares_as_the_slice() {
        let h = foldhash::fast::FixedState::with_seed(7);
        for s in [
            &b""[..],
            b"a",
            b"key:000042",
            &[7u8; 23],
            &[9u8; 24],
            &[1u8; 300],
        ] {
            let c = CompactBytes::from(s);
            assert_eq!(h.hash_one(&c), h.hash_one(s));
            assert_eq!(c, *s);
            assert_eq!(c, CompactBytes::from(Bytes::copy_from_slice(s)));
        }
        let [a, b, long_a] = [&b"a"[..], b"b", &[b'a'; 30]].map(CompactBytes::from);
        assert!(a < b);
        assert!(long_a > a);
        let mut m = hashbrown::HashMap::<CompactBytes, i32>::new();
        m.insert(CompactBytes::from("k"), 1);
        assert_eq!(m.get(&b"k"[..]), Some(&1));
    }

    #[test]
    fn append_grows_across_the_inline_boundary() {
        let mut c = CompactBytes::from("0123456789");
        c.extend_from_slice(b"0123456789012");
        assert_eq!(c.len(), 23);
        assert!(c.is_inline());
        c.extend_from_slice(b"x");
        assert!(!c.is_inline());
        assert_eq!(&c[..], b"01234567890123456789012x");
        // A shared heap string is copied, not changed under its other owner.
        let before = c.to_bytes();
        c.extend_from_slice(b"yz");
        assert_eq!(&before[..], b"01234567890123456789012x");
        assert_eq!(&c[..], b"01234567890123456789012xyz");
    }

    #[test]
    fn set_range_pads_with_zeros() {
        let mut c = CompactBytes::from("ab");
        c.set_range(5, b"cd");
        assert_eq!(&c[..], b"ab\0\0\0cd");
        c.set_range(0, b"AB");
        assert_eq!(&c[..], b"AB\0\0\0cd");
        c.set_range(30, b"!");
        assert_eq!(c.len(), 31);
        assert!(!c.is_inline());
        assert_eq!(&c[..9], b"AB\0\0\0cd\0\0");
        assert_eq!(c[30], b'!');
    }

    #[test]
    fn debug_prints_like_bytes() {
        let s = b"a\"b\\\n\x00\xff";
        assert_eq!(
            format!("{:?}", CompactBytes::from(s)),
            format!("{:?}", Bytes::from_static(s))
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Append(Vec<u8>),
        SetRange(usize, Vec<u8>),
        Share,
    }

    fn op() -> impl Strategy<Value = Op> {
        let bytes = || proptest::collection::vec(any::<u8>(), 0..30);
        prop_oneof![
            bytes().prop_map(Op::Append),
            (0usize..40, bytes()).prop_map(|(o, v)| Op::SetRange(o, v)),
            Just(Op::Share),
        ]
    }

    proptest! {
        #[test]
        fn compact_bytes_matches_vec_model(
            init in proptest::collection::vec(any::<u8>(), 0..40),
            ops in proptest::collection::vec(op(), 0..20),
        ) {
            let mut c = CompactBytes::from(&init[..]);
            let mut model = init.clone();
            let mut shared = Vec::new();
            for op in ops {
                match op {
                    Op::Append(s) => {
                        c.extend_from_slice(&s);
                        model.extend_from_slice(&s);
                    }
                    Op::SetRange(o, v) => {
                        c.set_range(o, &v);
                        if model.len() < o + v.len() {
                            model.resize(o + v.len(), 0);
                        }
                        model[o..o + v.len()].copy_from_slice(&v);
                    }
                    Op::Share => shared.push((c.to_bytes(), model.clone())),
                }
                prop_assert_eq!(c.as_slice(), &model[..]);
                // Strings only ever grow: once on the heap, they stay there.
                if c.is_inline() {
                    prop_assert!(model.len() <= CompactBytes::INLINE_CAPACITY);
                }
            }
            for (b, m) in shared {
                prop_assert_eq!(&b[..], &m[..]);
            }
        }
    }
}
