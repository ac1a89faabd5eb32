//! Snapshots: the whole store as one file, loadable by the server, the
//! embedded crate and the browser alike.
//!
//! # Format (version 1)
//!
//! ```text
//! offset 0   8 bytes  magic "EMBEDIS\0"
//! offset 8   u32 LE   format version (1)
//! offset 12  CBOR     body: a sequence of CBOR items (RFC 8742)
//!   header    map  {"databases": u32, "saved_at_unix_ms": i64, "producer": text}
//!   then, for each database holding live keys, in increasing index order:
//!     db      array [index: u32, keys: u64]
//!     keys ×  array [type: u8, key: bytes, expire_at_unix_ms: i64 | null, value]
//!               type 0 string  value: bytes
//!               type 1 list    value: array of bytes, head first
//!               type 2 hash    value: map bytes → bytes
//!               type 3 set     value: array of bytes
//!               type 4 zset    value: array of [member: bytes, score: float]
//!   end       null
//! last 4     u32 LE   CRC-32 (IEEE, as crc32fast) of every byte before it
//! ```
//!
//! Keys are written one record at a time, so saving needs no copy of the
//! store and loading reads with a fixed-size buffer. Records are encoded
//! and decoded by hand (the framing is ours; the bytes are what ciborium
//! would write), and a large database is loaded by two threads, one
//! decoding and one inserting (not on wasm32). Expiries are absolute
//! unix milliseconds; keys already expired when saving or loading are left
//! out. Loading decodes into fresh databases and checks the checksum before
//! anything becomes visible: a bad file is refused with a [`SnapshotError`]
//! naming what is wrong and its byte offset, never half-loaded.

use std::io::{self, Read, Write};
#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::keyspace::{Entry, Frozen, Key, Keyspace};
use crate::value::{Hash, List, Set, Value, ZSet};
use crate::{Store, StoreBuilder};

/// The first 8 bytes of every snapshot.
pub const MAGIC: &[u8; 8] = b"EMBEDIS\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Byte offset of the body (after the magic and the version).
const BODY_OFFSET: u64 = 12;
/// Size of the read and write buffers.
const BUFFER: usize = 64 * 1024;

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_HASH: u8 = 2;
const TYPE_SET: u8 = 3;
const TYPE_ZSET: u8 = 4;

/// Why a snapshot could not be saved or loaded. Every message says what is
/// wrong and at which byte offset of the snapshot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The data does not start with `EMBEDIS\0`: not a snapshot.
    #[error(
        "not an embedis snapshot: bad magic at byte offset 0 (expected \"EMBEDIS\\0\", found {})",
        show_bytes(found)
    )]
    BadMagic {
        /// The first bytes found (up to 8).
        found: Vec<u8>,
    },
    /// Written by a newer (or unknown) format version.
    #[error(
        "unsupported snapshot format version {found} at byte offset 8 (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The version this build reads ([`FORMAT_VERSION`]).
        supported: u32,
    },
    /// The data ends early.
    #[error("snapshot truncated: unexpected end of data at byte offset {offset}")]
    Truncated {
        /// Where more data was expected (the length of what was read).
        offset: u64,
    },
    /// The body does not decode, or decodes to something the store cannot hold.
    #[error("snapshot corrupt at byte offset {offset}: {reason}")]
    Corrupt {
        /// Start of the item that failed to decode.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The body decoded but its CRC-32 does not match the stored one.
    #[error(
        "snapshot checksum mismatch at byte offset {offset}: stored CRC-32 {expected:#010x}, computed {found:#010x}"
    )]
    ChecksumMismatch {
        /// Offset of the stored checksum (the body's length plus 12).
        offset: u64,
        /// The CRC-32 stored in the snapshot.
        expected: u32,
        /// The CRC-32 of the bytes actually read.
        found: u32,
    },
    /// The snapshot holds a database the store does not have.
    #[error(
        "snapshot has database {index} at byte offset {offset}, but the store has only {databases} databases"
    )]
    DatabaseOutOfRange {
        /// The database index in the snapshot.
        index: u64,
        /// The store's database count.
        databases: usize,
        /// Offset of the database's header.
        offset: u64,
    },
    /// Reading or writing failed.
    #[error("snapshot I/O error at byte offset {offset}: {source}")]
    Io {
        /// Bytes read or written before the failure.
        offset: u64,
        /// The underlying error.
        source: io::Error,
    },
    /// A snapshot file could not be saved or loaded; names the file.
    #[cfg(not(target_arch = "wasm32"))]
    #[error("{}: {source}", path.display())]
    File {
        /// The snapshot file (or its temporary file, when saving).
        path: PathBuf,
        /// What went wrong.
        source: Box<SnapshotError>,
    },
}

impl SnapshotError {
    /// The error without the file path wrapper of [`SnapshotError::File`].
    pub fn root(&self) -> &SnapshotError {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            SnapshotError::File { source, .. } => source.root(),
            e => e,
        }
    }

    /// The byte offset the error refers to, if any.
    pub fn offset(&self) -> Option<u64> {
        match self.root() {
            SnapshotError::BadMagic { .. } => Some(0),
            SnapshotError::UnsupportedVersion { .. } => Some(8),
            SnapshotError::Truncated { offset }
            | SnapshotError::Corrupt { offset, .. }
            | SnapshotError::ChecksumMismatch { offset, .. }
            | SnapshotError::DatabaseOutOfRange { offset, .. }
            | SnapshotError::Io { offset, .. } => Some(*offset),
            #[cfg(not(target_arch = "wasm32"))]
            SnapshotError::File { .. } => None,
        }
    }

    /// True when the snapshot file does not exist (a server then starts empty).
    pub fn is_not_found(&self) -> bool {
        matches!(self.root(), SnapshotError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

fn show_bytes(b: &[u8]) -> String {
    format!("\"{}\"", b.escape_ascii())
}

// ---- writing ----------------------------------------------------------------

/// A buffered writer that counts bytes and checksums them in large chunks.
struct Sink<W: Write> {
    inner: W,
    buf: Vec<u8>,
    crc: crc32fast::Hasher,
    /// Bytes handed to `inner` so far.
    flushed: u64,
}

impl<W: Write> Sink<W> {
    fn new(inner: W) -> Self {
        Sink {
            inner,
            buf: Vec::with_capacity(BUFFER),
            crc: crc32fast::Hasher::new(),
            flushed: 0,
        }
    }

    fn offset(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    fn drain(&mut self) -> io::Result<()> {
        self.crc.update(&self.buf);
        self.inner.write_all(&self.buf)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    fn io_error(&self, source: io::Error) -> SnapshotError {
        SnapshotError::Io {
            offset: self.offset(),
            source,
        }
    }

    fn item<T: Serialize + ?Sized>(&mut self, item: &T) -> Result<(), SnapshotError> {
        ciborium::ser::into_writer(item, &mut *self).map_err(|e| match e {
            ciborium::ser::Error::Io(e) => self.io_error(e),
            ciborium::ser::Error::Value(reason) => self.io_error(io::Error::other(reason)),
        })
    }

    /// Writes the checksum trailer and flushes.
    fn finish(mut self) -> Result<(), SnapshotError> {
        self.drain().map_err(|e| self.io_error(e))?;
        let crc = self.crc.clone().finalize();
        self.inner
            .write_all(&crc.to_le_bytes())
            .and_then(|()| self.inner.flush())
            .map_err(|e| self.io_error(e))
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= BUFFER {
            self.drain()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    databases: u32,
    saved_at_unix_ms: i64,
    producer: String,
}

/// Key records are encoded by hand rather than through serde: the bytes are
/// exactly what ciborium writes for them (minimal-length heads, definite
/// lengths, the shortest float that keeps a score exact; pinned by the v1
/// fixture test in `tests/snapshot.rs`), without a serializer call per
/// element. At 1M mixed keys this made saving about 3x cheaper.
trait Encode {
    /// The buffer encoded bytes are appended to.
    fn buf(&mut self) -> &mut Vec<u8>;

    /// A byte string's contents, after its head.
    fn contents(&mut self, b: &[u8]) -> io::Result<()>;

    /// A CBOR head: major type and argument, in the fewest bytes.
    fn head(&mut self, major: u8, arg: u64) {
        let m = major << 5;
        match arg {
            0..=23 => self.buf().push(m | arg as u8),
            24..=0xff => self.buf().extend_from_slice(&[m | 24, arg as u8]),
            0x100..=0xffff => {
                self.buf().push(m | 25);
                self.buf().extend_from_slice(&(arg as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                self.buf().push(m | 26);
                self.buf().extend_from_slice(&(arg as u32).to_be_bytes());
            }
            _ => {
                self.buf().push(m | 27);
                self.buf().extend_from_slice(&arg.to_be_bytes());
            }
        }
    }

    /// A byte string.
    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.head(2, b.len() as u64);
        self.contents(b)
    }

    /// A score as the shortest CBOR float that holds it exactly (f16, f32
    /// or f64), as ciborium writes an `f64`.
    fn score(&mut self, f: f64) {
        if let Some(h) = f64_to_f16_exact(f) {
            self.buf().push(0xf9);
            self.buf().extend_from_slice(&h.to_be_bytes());
        } else if f64::from(f as f32).to_bits() == f.to_bits() {
            self.buf().push(0xfa);
            self.buf().extend_from_slice(&(f as f32).to_be_bytes());
        } else {
            self.buf().push(0xfb);
            self.buf().extend_from_slice(&f.to_be_bytes());
        }
    }

    /// One key record: `[type, key, expiry | null, value]`.
    fn record(&mut self, key: &[u8], entry: &Entry) -> io::Result<()> {
        let ty = match &entry.value {
            Value::String(_) => TYPE_STRING,
            Value::List(_) => TYPE_LIST,
            Value::Hash(_) => TYPE_HASH,
            Value::Set(_) => TYPE_SET,
            Value::ZSet(_) => TYPE_ZSET,
        };
        self.buf().extend_from_slice(&[0x84, ty]);
        self.bytes(key)?;
        match entry.expire_at_ms() {
            None => self.buf().push(0xf6),
            Some(t) if t >= 0 => self.head(0, t as u64),
            Some(t) => self.head(1, !(t as u64)),
        }
        match &entry.value {
            Value::String(b) => self.bytes(b)?,
            Value::List(l) => {
                self.head(4, l.len() as u64);
                for b in l.iter() {
                    self.bytes(b)?;
                }
            }
            Value::Set(m) => {
                self.head(4, m.len() as u64);
                for b in m.iter() {
                    self.bytes(b)?;
                }
            }
            Value::Hash(h) => {
                self.head(5, h.len() as u64);
                for (k, v) in h.iter() {
                    self.bytes(k)?;
                    self.bytes(v)?;
                }
            }
            Value::ZSet(z) => {
                self.head(4, z.len() as u64);
                for (m, score) in z.iter() {
                    self.buf().push(0x82);
                    self.bytes(m)?;
                    self.score(score);
                }
            }
        }
        Ok(())
    }
}

impl<W: Write> Encode for Sink<W> {
    fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Into the buffer, flushed when full; one larger than the buffer goes
    /// straight to `inner`.
    fn contents(&mut self, b: &[u8]) -> io::Result<()> {
        if b.len() < BUFFER {
            self.buf.extend_from_slice(b);
            if self.buf.len() >= BUFFER {
                self.drain()?;
            }
        } else {
            self.drain()?;
            self.crc.update(b);
            self.inner.write_all(b)?;
            self.flushed += b.len() as u64;
        }
        Ok(())
    }
}

/// A chunk of records encoded on a helper thread.
impl Encode for Vec<u8> {
    fn buf(&mut self) -> &mut Vec<u8> {
        self
    }

    fn contents(&mut self, b: &[u8]) -> io::Result<()> {
        self.extend_from_slice(b);
        Ok(())
    }
}

/// The IEEE half-precision bits of `f` when an `f16` holds it exactly
/// (what ciborium checks with `half::f16::from_f64` before writing an f16).
fn f64_to_f16_exact(f: f64) -> Option<u16> {
    let x = f as f32;
    if f64::from(x).to_bits() != f.to_bits() {
        return None;
    }
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let mant = bits & 0x7f_ffff;
    match exp {
        // Zero (f32 subnormals are all below f16's smallest subnormal).
        0 => (mant == 0).then_some(sign),
        // Infinity (NaN is never a score).
        0xff => (mant == 0).then_some(sign | 0x7c00),
        _ => {
            let e = exp - 127;
            if (-14..=15).contains(&e) {
                // Normal: the 10 high mantissa bits must be all there is.
                (mant & 0x1fff == 0).then(|| sign | (((e + 15) as u16) << 10) | (mant >> 13) as u16)
            } else if (-24..-14).contains(&e) {
                // Subnormal: m × 2^-24 with m = 1.mant × 2^(e + 24).
                let full = mant | 0x80_0000;
                let shift = (-1 - e) as u32;
                (full & ((1 << shift) - 1) == 0).then(|| sign | (full >> shift) as u16)
            } else {
                None
            }
        }
    }
}

/// Records whose memory [`touch`] reads before they are encoded.
const TOUCH_AHEAD: usize = 64;
/// Elements per collection that [`touch`] reads.
const TOUCH_ELEMENTS: usize = 8;

/// Reads one level of the memory a record's encoding will read: `level` 0
/// the value's box (and a long key's), 1 the collection's storage, 2 the
/// first bytes of its first [`TOUCH_ELEMENTS`] strings.
///
/// Why: the keyspace is walked in hash order, so a record's memory lies all
/// over the heap and every level is a cache miss that depends on the one
/// before (entry → box → storage → string). Encoding record by record waits
/// for each miss in turn (80% of the time of saving 1M mixed keys). Reading
/// one level of the next [`TOUCH_AHEAD`] records at a time issues their
/// misses together, which the CPU serves in parallel; encoding then finds
/// everything in cache.
fn touch(key: &[u8], entry: &Entry, level: u8) -> usize {
    let first = |b: &[u8]| usize::from(b.first().copied().unwrap_or(0));
    match (level, &entry.value) {
        (0, Value::String(b)) => key.len() ^ b.len(),
        (0, Value::List(l)) => l.len(),
        (0, Value::Hash(h)) => h.len(),
        (0, Value::Set(m)) => m.len(),
        (0, Value::ZSet(z)) => z.len(),
        (1, Value::String(b)) => first(key) ^ first(b),
        (1, Value::List(l)) => l.front().map_or(0, |b| b.len()),
        (1, Value::Hash(h)) => h.first().map_or(0, |(k, v)| k.len() ^ v.len()),
        (1, Value::Set(m)) => m.first().map_or(0, |b| b.len()),
        (1, Value::ZSet(z)) => z.iter().next().map_or(0, |(m, _)| m.len()),
        (_, Value::String(_)) => 0,
        (_, Value::List(l)) => l.iter().take(TOUCH_ELEMENTS).map(|b| first(b)).sum(),
        (_, Value::Set(m)) => m.iter().take(TOUCH_ELEMENTS).map(|b| first(b)).sum(),
        (_, Value::Hash(h)) => h
            .iter()
            .take(TOUCH_ELEMENTS)
            .map(|(k, v)| first(k) ^ first(v))
            .sum(),
        (_, Value::ZSet(z)) => z.iter().take(TOUCH_ELEMENTS).map(|(m, _)| first(m)).sum(),
    }
}

/// Encodes `chunk`, reading ahead level by level first (see [`touch`]).
fn encode_chunk<E: Encode>(out: &mut E, chunk: &[(&Key, &Entry)]) -> io::Result<()> {
    for level in 0..3 {
        std::hint::black_box(chunk.iter().fold(0, |x, (k, e)| x ^ touch(k, e, level)));
    }
    for (key, entry) in chunk {
        out.record(key, entry)?;
    }
    Ok(())
}

/// Databases with at least this many keys are encoded by two threads.
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_SAVE_MIN_KEYS: usize = 20_000;

/// Encodes every record of `entries` into `sink` on two threads: chunks
/// alternate between a scoped helper and this thread, and this thread
/// writes them in order, so the bytes are those of a one-thread save.
/// Encoding is bound by memory latency (see [`touch`]), so a second core
/// nearly halves it. Leaves `entries` untouched if the helper cannot start.
#[cfg(not(target_arch = "wasm32"))]
fn encode_on_two_threads<'a, W: Write>(
    sink: &mut Sink<W>,
    entries: &mut impl Iterator<Item = (&'a Key, &'a Entry)>,
) -> io::Result<()> {
    use std::sync::mpsc;
    /// Records per hand-over (about 18 KB encoded for small keys).
    const CHUNK: usize = 256;
    type Work<'a> = (Vec<(&'a Key, &'a Entry)>, Vec<u8>);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work<'a>>(1);
    let (done_tx, done_rx) = mpsc::sync_channel::<io::Result<Work<'a>>>(1);
    std::thread::scope(|s| {
        let Ok(helper) = std::thread::Builder::new()
            .name("embedis-snapshot-save".into())
            .spawn_scoped(s, move || {
                for (chunk, mut out) in work_rx {
                    out.clear();
                    let done = encode_chunk(&mut out, &chunk).map(|()| (chunk, out));
                    if done_tx.send(done).is_err() {
                        break;
                    }
                }
            })
        else {
            return Ok(());
        };
        let written = (|| {
            let mut spare: Work<'a> = (Vec::with_capacity(CHUNK), Vec::new());
            let mut mine = Vec::with_capacity(CHUNK);
            let mut mine_out = Vec::new();
            loop {
                let (mut theirs, theirs_out) = spare;
                theirs.clear();
                theirs.extend(entries.by_ref().take(CHUNK));
                if theirs.is_empty() {
                    return Ok(());
                }
                // The helper's chunk comes first in the file.
                if work_tx.send((theirs, theirs_out)).is_err() {
                    return Err(io::Error::other("snapshot encoder thread stopped"));
                }
                mine.clear();
                mine.extend(entries.by_ref().take(CHUNK));
                mine_out.clear();
                encode_chunk(&mut mine_out, &mine)?;
                let Ok(theirs) = done_rx.recv() else {
                    return Err(io::Error::other("snapshot encoder thread stopped"));
                };
                let (chunk, out) = theirs?;
                sink.contents(&out)?;
                sink.contents(&mine_out)?;
                spare = (chunk, out);
            }
        })();
        drop(work_tx);
        drop(done_rx);
        helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written
    })
}

/// Writes a whole snapshot of `dbs` (live keys as of each view's time).
fn write_snapshot<W: Write>(
    dbs: &[Frozen],
    saved_at_unix_ms: i64,
    out: W,
) -> Result<(), SnapshotError> {
    let mut sink = Sink::new(out);
    sink.write_all(MAGIC).map_err(|e| sink.io_error(e))?;
    sink.write_all(&FORMAT_VERSION.to_le_bytes())
        .map_err(|e| sink.io_error(e))?;
    sink.item(&Header {
        databases: dbs.len() as u32,
        saved_at_unix_ms,
        producer: concat!("embedis ", env!("CARGO_PKG_VERSION")).to_owned(),
    })?;
    for (index, db) in dbs.iter().enumerate() {
        let live = db.entries().count();
        if live == 0 {
            continue;
        }
        // [index, keys]
        sink.buf.push(0x82);
        sink.head(0, index as u64);
        sink.head(0, live as u64);
        let mut entries = db.entries();
        #[cfg(not(target_arch = "wasm32"))]
        if live >= PARALLEL_SAVE_MIN_KEYS
            && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
        {
            encode_on_two_threads(&mut sink, &mut entries).map_err(|e| sink.io_error(e))?;
        }
        let mut chunk = Vec::with_capacity(TOUCH_AHEAD);
        loop {
            chunk.clear();
            chunk.extend(entries.by_ref().take(TOUCH_AHEAD));
            if chunk.is_empty() {
                break;
            }
            encode_chunk(&mut sink, &chunk).map_err(|e| sink.io_error(e))?;
        }
    }
    // The end marker: null.
    sink.buf.push(0xf6);
    sink.finish()
}

// ---- reading ----------------------------------------------------------------

/// A buffered reader that counts the bytes consumed and checksums exactly
/// those (not the read-ahead), so the checksum can stop before the trailer.
struct Source<R: Read> {
    inner: R,
    buf: Box<[u8]>,
    /// Next unread byte in `buf`.
    pos: usize,
    /// End of valid data in `buf`.
    end: usize,
    /// Bytes of `buf` before this index are already in `crc`.
    hashed: usize,
    crc: crc32fast::Hasher,
    /// Bytes consumed from the start of the snapshot.
    offset: u64,
}

impl<R: Read> Source<R> {
    fn new(inner: R) -> Self {
        Source {
            inner,
            buf: vec![0; BUFFER].into_boxed_slice(),
            pos: 0,
            end: 0,
            hashed: 0,
            crc: crc32fast::Hasher::new(),
            offset: 0,
        }
    }

    /// CRC-32 of every byte consumed so far.
    fn crc(&mut self) -> u32 {
        self.crc.update(&self.buf[self.hashed..self.pos]);
        self.hashed = self.pos;
        self.crc.clone().finalize()
    }

    /// Reads exactly `out.len()` bytes, or fewer at the end of the data;
    /// returns how many.
    fn read_up_to(&mut self, out: &mut [u8]) -> Result<usize, SnapshotError> {
        let mut n = 0;
        while n < out.len() {
            match self.read(&mut out[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(SnapshotError::Io {
                        offset: self.offset,
                        source,
                    });
                }
            }
        }
        Ok(n)
    }

    /// Decodes one CBOR item starting at the current offset.
    fn item<T: serde::de::DeserializeOwned>(
        &mut self,
        scratch: &mut [u8],
    ) -> Result<T, SnapshotError> {
        let start = self.offset;
        ciborium::de::from_reader_with_buffer(&mut *self, scratch).map_err(|e| match e {
            ciborium::de::Error::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                SnapshotError::Truncated {
                    offset: self.offset,
                }
            }
            ciborium::de::Error::Io(source) => SnapshotError::Io {
                offset: self.offset,
                source,
            },
            ciborium::de::Error::Syntax(_) => SnapshotError::Corrupt {
                offset: start,
                reason: format!("invalid CBOR near byte offset {}", self.offset),
            },
            ciborium::de::Error::Semantic(_, reason) => SnapshotError::Corrupt {
                offset: start,
                reason,
            },
            ciborium::de::Error::RecursionLimitExceeded => SnapshotError::Corrupt {
                offset: start,
                reason: "CBOR nested too deeply".into(),
            },
        })
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.end {
            self.crc.update(&self.buf[self.hashed..self.end]);
            self.pos = 0;
            self.hashed = 0;
            self.end = 0;
            self.end = loop {
                match self.inner.read(&mut self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
            if self.end == 0 {
                return Ok(0);
            }
        }
        let n = out.len().min(self.end - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Why a record failed to decode; the caller adds the offsets.
enum DecodeError {
    /// The input ended.
    Truncated,
    /// The bytes are not a valid record.
    Corrupt(String),
    /// Reading failed.
    Io(io::Error),
}

impl From<io::Error> for DecodeError {
    fn from(e: io::Error) -> Self {
        DecodeError::Io(e)
    }
}

fn corrupt<T>(reason: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError::Corrupt(reason.into()))
}

/// Converts an IEEE half-precision float (CBOR `f16`) to `f64`.
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    sign * match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + mant / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Key records are decoded by hand rather than through serde: the subset of
/// CBOR our writer (ciborium) produces for them is small, and decoding it
/// straight from the read buffer is several times faster than ciborium's
/// generic path (see the load measurement in `tests/snapshot.rs`). The
/// decoder is strict: definite lengths only, exact types, no extra fields.
impl<R: Read> Source<R> {
    /// Offset just past the data read so far (where a truncated input ends).
    fn data_end(&self) -> u64 {
        self.offset + (self.end - self.pos) as u64
    }

    /// Makes `n <= BUFFER` bytes available in the buffer; false if the input
    /// ends first.
    fn ensure(&mut self, n: usize) -> io::Result<bool> {
        if self.end - self.pos >= n {
            return Ok(true);
        }
        self.crc.update(&self.buf[self.hashed..self.pos]);
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        self.hashed = 0;
        while self.end < n {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    fn advance(&mut self, n: usize) {
        self.pos += n;
        self.offset += n as u64;
    }

    fn take_byte(&mut self) -> Result<u8, DecodeError> {
        if !self.ensure(1)? {
            return Err(DecodeError::Truncated);
        }
        let b = self.buf[self.pos];
        self.advance(1);
        Ok(b)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        if !self.ensure(N)? {
            return Err(DecodeError::Truncated);
        }
        let a = self.buf[self.pos..self.pos + N].try_into().unwrap();
        self.advance(N);
        Ok(a)
    }

    /// A CBOR item head: (major type, additional information, argument).
    fn head(&mut self) -> Result<(u8, u8, u64), DecodeError> {
        let b = self.take_byte()?;
        let (major, info) = (b >> 5, b & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take_byte()?),
            25 => u64::from(u16::from_be_bytes(self.take_array()?)),
            26 => u64::from(u32::from_be_bytes(self.take_array()?)),
            27 => u64::from_be_bytes(self.take_array()?),
            31 => return corrupt("indefinite-length CBOR item (snapshots use definite lengths)"),
            _ => return corrupt(format!("invalid CBOR head byte {b:#04x}")),
        };
        Ok((major, info, arg))
    }

    /// The length of an item of major type `major` (2 bytes, 4 array, 5 map).
    fn length(&mut self, major: u8, what: &str) -> Result<u64, DecodeError> {
        match self.head()? {
            (m, _, n) if m == major => Ok(n),
            _ => corrupt(format!("expected {what}")),
        }
    }

    fn byte_string(&mut self, what: &str) -> Result<Bytes, DecodeError> {
        self.string_with(what, Bytes::copy_from_slice, Bytes::from)
    }

    /// A key or string value: inline when short, so most need no allocation.
    fn compact_string(&mut self, what: &str) -> Result<Key, DecodeError> {
        self.string_with(what, Key::copy_from_slice, Key::from)
    }

    /// A byte string, made by `small` from the buffer when it fits there,
    /// else by `large` from a vector filled chunk by chunk.
    fn string_with<T>(
        &mut self,
        what: &str,
        small: impl FnOnce(&[u8]) -> T,
        large: impl FnOnce(Vec<u8>) -> T,
    ) -> Result<T, DecodeError> {
        let n = self.length(2, what)?;
        let Ok(n) = usize::try_from(n) else {
            return Err(DecodeError::Truncated);
        };
        if n <= BUFFER {
            if !self.ensure(n)? {
                return Err(DecodeError::Truncated);
            }
            let b = small(&self.buf[self.pos..self.pos + n]);
            self.advance(n);
            return Ok(b);
        }
        // Never trust the length for allocation.
        let mut v = Vec::with_capacity(n.min(1 << 20));
        while v.len() < n {
            if !self.ensure(1)? {
                return Err(DecodeError::Truncated);
            }
            let k = (n - v.len()).min(self.end - self.pos);
            v.extend_from_slice(&self.buf[self.pos..self.pos + k]);
            self.advance(k);
        }
        Ok(large(v))
    }

    fn score(&mut self) -> Result<f64, DecodeError> {
        let f = match self.head()? {
            (7, 25, bits) => f16_to_f64(bits as u16),
            (7, 26, bits) => f64::from(f32::from_bits(bits as u32)),
            (7, 27, bits) => f64::from_bits(bits),
            _ => return corrupt("expected a float score"),
        };
        if f.is_nan() {
            return corrupt("sorted set has a NaN score");
        }
        Ok(f)
    }

    /// One key record: `[type, key, expiry | null, value]`.
    fn record(&mut self) -> Result<(Key, Value, Option<i64>), DecodeError> {
        match self.length(4, "a key record (an array)")? {
            4 => {}
            n => return corrupt(format!("key record has {n} fields, expected 4")),
        }
        let ty = match self.head()? {
            (0, _, t) if t <= u64::from(TYPE_ZSET) => t as u8,
            (0, _, t) => return corrupt(format!("unknown value type {t}")),
            _ => return corrupt("expected a value type (an integer)"),
        };
        let key = self.compact_string("a key (a byte string)")?;
        let expire_at_ms = if self.ensure(1)? && self.buf[self.pos] == 0xf6 {
            self.advance(1);
            None
        } else {
            match self.head()? {
                (0, _, n) if n <= i64::MAX as u64 => Some(n as i64),
                (1, _, n) if n <= i64::MAX as u64 => Some(-1 - n as i64),
                _ => return corrupt("expected an expiry (an integer or null)"),
            }
        };
        let cap = |n: u64| n.min(4096) as usize;
        let value = match ty {
            TYPE_STRING => Value::String(self.compact_string("a string value (a byte string)")?),
            TYPE_LIST => {
                let n = self.length(4, "a list (an array)")?;
                let mut l = List::with_capacity(cap(n));
                for _ in 0..n {
                    l.push_back(self.compact_string("a list element (a byte string)")?);
                }
                Value::from(l)
            }
            TYPE_SET => {
                let n = self.length(4, "a set (an array)")?;
                let mut s = Set::with_capacity_and_hasher(cap(n), Default::default());
                for _ in 0..n {
                    if !s.insert(self.compact_string("a set member (a byte string)")?) {
                        return corrupt("set has a duplicate member");
                    }
                }
                Value::from(s)
            }
            TYPE_HASH => {
                let n = self.length(5, "a hash (a map)")?;
                let mut h = Hash::with_capacity_and_hasher(cap(n), Default::default());
                for _ in 0..n {
                    let field = self.compact_string("a hash field (a byte string)")?;
                    let value = self.compact_string("a hash value (a byte string)")?;
                    if h.insert(field, value).is_some() {
                        return corrupt("hash has a duplicate field");
                    }
                }
                Value::from(h)
            }
            _ => {
                let n = self.length(4, "a sorted set (an array)")?;
                let mut z = ZSet::default();
                for _ in 0..n {
                    if self.length(4, "a [member, score] pair")? != 2 {
                        return corrupt("expected a [member, score] pair");
                    }
                    let member = self.byte_string("a sorted set member (a byte string)")?;
                    if !z.insert(member, self.score()?) {
                        return corrupt("sorted set has a duplicate member");
                    }
                }
                Value::from(z)
            }
        };
        if value.is_empty_collection() {
            return corrupt(format!(
                "key \"{}\" holds an empty {}",
                key.escape_ascii(),
                value.type_name()
            ));
        }
        Ok((key, value, expire_at_ms))
    }
}

/// One decoded key record and the offset it started at.
type Record = (u64, Key, Value, Option<i64>);

impl<R: Read> Source<R> {
    /// The next key record, with the error offsets filled in.
    fn next_record(&mut self) -> Result<Record, SnapshotError> {
        let at = self.offset;
        match self.record() {
            Ok((key, value, expire_at_ms)) => Ok((at, key, value, expire_at_ms)),
            Err(DecodeError::Truncated) => Err(SnapshotError::Truncated {
                offset: self.data_end(),
            }),
            Err(DecodeError::Corrupt(reason)) => Err(SnapshotError::Corrupt { offset: at, reason }),
            Err(DecodeError::Io(source)) => Err(SnapshotError::Io {
                offset: self.offset,
                source,
            }),
        }
    }
}

fn duplicate_key(offset: u64, index: usize) -> SnapshotError {
    SnapshotError::Corrupt {
        offset,
        reason: format!("duplicate key in database {index}"),
    }
}

/// Databases with at least this many keys are loaded by two threads.
#[cfg(not(target_arch = "wasm32"))]
const PIPELINE_MIN_KEYS: u64 = 20_000;

/// Loads the `keys` records of database `index` into the empty `db`,
/// skipping keys expired at `now_ms`.
///
/// A large database is loaded by two threads where there are two cores:
/// this one decodes records (reading, checking, allocating values) and a
/// scoped helper inserts them into the keyspace. The two halves cost about
/// the same, both bound by memory latency, so this nearly halves the time.
/// The reader stays on the calling thread (it need not be `Send`), and the
/// database is still invisible to everyone until the whole file checked out.
fn load_records<R: Read>(
    src: &mut Source<R>,
    db: &mut Keyspace,
    index: usize,
    keys: u64,
    now_ms: i64,
) -> Result<(), SnapshotError> {
    #[cfg(not(target_arch = "wasm32"))]
    if keys >= PIPELINE_MIN_KEYS
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
        && let Some(result) = load_records_pipelined(src, db, index, keys, now_ms)
    {
        return result;
    }
    let mut hash = Vec::with_capacity(1);
    for _ in 0..keys {
        let (at, key, value, expire_at_ms) = src.next_record()?;
        if expire_at_ms.is_some_and(|t| t <= now_ms) {
            continue;
        }
        db.hash_loaded(std::iter::once(key.as_slice()), &mut hash);
        if !db.insert_loaded(hash[0], key, value, expire_at_ms) {
            return Err(duplicate_key(at, index));
        }
    }
    Ok(())
}

/// [`load_records`] on two threads; `None` (having read nothing) when the
/// helper thread cannot be started.
#[cfg(not(target_arch = "wasm32"))]
fn load_records_pipelined<R: Read>(
    src: &mut Source<R>,
    db: &mut Keyspace,
    index: usize,
    keys: u64,
    now_ms: i64,
) -> Option<Result<(), SnapshotError>> {
    use std::sync::mpsc;
    /// Records per hand-over: small enough to stay in the allocator's
    /// reusable memory, large enough that the channel is not the cost.
    const BATCH: usize = 256;
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<Record>>(8);
    // Emptied batches go back to the decoder, so no batch is allocated twice.
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<Record>>();
    std::thread::scope(|s| {
        let inserter = std::thread::Builder::new()
            .name("embedis-snapshot-load".into())
            .spawn_scoped(s, move || {
                let mut hashes = Vec::with_capacity(BATCH);
                for mut batch in full_rx {
                    db.hash_loaded(batch.iter().map(|r| r.1.as_slice()), &mut hashes);
                    for ((at, key, value, expire_at_ms), &hash) in batch.drain(..).zip(&hashes) {
                        if !db.insert_loaded(hash, key, value, expire_at_ms) {
                            return Err(duplicate_key(at, index));
                        }
                    }
                    let _ = empty_tx.send(batch);
                }
                Ok(())
            })
            .ok()?;
        let decoded = (|| {
            let mut batch = Vec::with_capacity(BATCH);
            for _ in 0..keys {
                let record = src.next_record()?;
                if record.3.is_some_and(|t| t <= now_ms) {
                    continue;
                }
                batch.push(record);
                if batch.len() == BATCH {
                    let next = empty_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BATCH));
                    if full_tx.send(std::mem::replace(&mut batch, next)).is_err() {
                        // The inserter stopped on a duplicate key: its error,
                        // earlier in the file, is the one to report.
                        break;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = full_tx.send(batch);
            }
            Ok(())
        })();
        drop(full_tx);
        let inserted = inserter
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A duplicate the inserter found precedes any decoding error.
        Some(inserted.and(decoded))
    })
}

/// Reads a whole snapshot into `dbs` (which must be empty), skipping keys
/// expired at `now_ms`. On error, `dbs` holds a partial load: callers discard it.
fn read_snapshot<R: Read>(
    input: R,
    dbs: &mut [Keyspace],
    now_ms: i64,
) -> Result<(), SnapshotError> {
    debug_assert!(
        dbs.iter().all(|db| db.len() == 0),
        "loading into a used database"
    );
    let mut src = Source::new(input);
    let mut head = [0u8; 12];
    let n = src.read_up_to(&mut head)?;
    let magic_len = n.min(8);
    if head[..magic_len] != MAGIC[..magic_len] {
        return Err(SnapshotError::BadMagic {
            found: head[..magic_len].to_vec(),
        });
    }
    if n < head.len() {
        return Err(SnapshotError::Truncated { offset: n as u64 });
    }
    let version = u32::from_le_bytes(head[8..12].try_into().unwrap());
    if version != FORMAT_VERSION {
        return Err(SnapshotError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    debug_assert_eq!(src.offset, BODY_OFFSET);

    let mut scratch = vec![0u8; 4096];
    let _header: Header = src.item(&mut scratch)?;
    let mut next_db = 0usize;
    loop {
        let at = src.offset;
        let Some((index, keys)) = src.item::<Option<(u64, u64)>>(&mut scratch)? else {
            break;
        };
        if index >= dbs.len() as u64 {
            return Err(SnapshotError::DatabaseOutOfRange {
                index,
                databases: dbs.len(),
                offset: at,
            });
        }
        let index = index as usize;
        if index < next_db {
            return Err(SnapshotError::Corrupt {
                offset: at,
                reason: format!("database {index} is out of order or appears twice"),
            });
        }
        next_db = index + 1;
        let db = &mut dbs[index];
        // Bounded: a corrupt count must not allocate the moon.
        db.reserve(keys.min(1 << 20) as usize);
        load_records(&mut src, db, index, keys, now_ms)?;
    }
    let computed = src.crc();
    let trailer_at = src.offset;
    let mut trailer = [0u8; 4];
    if src.read_up_to(&mut trailer)? < 4 {
        return Err(SnapshotError::Truncated { offset: src.offset });
    }
    let stored = u32::from_le_bytes(trailer);
    if stored != computed {
        return Err(SnapshotError::ChecksumMismatch {
            offset: trailer_at,
            expected: stored,
            found: computed,
        });
    }
    if src.read_up_to(&mut [0u8; 1])? != 0 {
        return Err(SnapshotError::Corrupt {
            offset: trailer_at + 4,
            reason: "unexpected data after the checksum".into(),
        });
    }
    for db in dbs {
        // A freshly loaded store has no unsaved changes (Redis resets `dirty`).
        db.dirty = 0;
    }
    Ok(())
}

/// A point-in-time, read-only copy of every database of a [`Store`] (keys,
/// values, expiries), taken by [`Store::freeze`] in O(databases × 4096)
/// whatever the number of keys: the databases are split into 4096
/// copy-on-write segments, which the copy shares with the store until the
/// store writes to one. What a background save encodes while clients go on
/// using the store (as Redis's BGSAVE encodes a `fork()`ed child's memory).
///
/// The copy costs memory only as the store changes: the first write to a
/// segment after freezing copies that segment (about 1/4096 of the keys,
/// with their values; a big list, hash, set or sorted set in it is copied
/// whole, once per freeze). Drop the copy when done to stop that.
///
/// ```
/// use embedis::Store;
/// let store = Store::new();
/// store.db(0).set("k", "before").unwrap();
/// let frozen = store.freeze();
/// store.db(0).set("k", "after").unwrap();
/// let copy = Store::from_snapshot_bytes(&frozen.snapshot_to_vec()).unwrap();
/// assert_eq!(copy.db(0).get("k").unwrap().as_deref(), Some(&b"before"[..]));
/// ```
#[derive(Clone)]
pub struct FrozenStore {
    pub(crate) dbs: Vec<Frozen>,
}

impl std::fmt::Debug for FrozenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrozenStore")
            .field("databases", &self.dbs.len())
            .field("saved_at_unix_ms", &self.saved_at_unix_ms())
            .finish()
    }
}

impl FrozenStore {
    /// The store's clock when frozen, unix ms (the snapshot's `saved_at_unix_ms`).
    pub fn saved_at_unix_ms(&self) -> i64 {
        self.dbs.first().map_or(0, |d| d.now_ms())
    }

    /// Writes the copy as a snapshot to `out`, exactly as
    /// [`Store::save_snapshot`] would have at the time of freezing (see the
    /// format in [`crate::snapshot`]). Holds no lock; `out` is written
    /// through a 64 KiB buffer.
    ///
    /// # Errors
    /// [`SnapshotError::Io`] when `out` fails.
    pub fn save_snapshot(&self, out: &mut impl Write) -> Result<(), SnapshotError> {
        write_snapshot(&self.dbs, self.saved_at_unix_ms(), out)
    }

    /// The snapshot as bytes.
    pub fn snapshot_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.save_snapshot(&mut out)
            .expect("writing a snapshot to a Vec cannot fail");
        out
    }
}

impl Store {
    /// A point-in-time copy of every database, for saving off the lock: see
    /// [`FrozenStore`]. Holds the store lock for O(databases × 4096) `Arc`
    /// clones (well under a millisecond), however many keys there are.
    pub fn freeze(&self) -> FrozenStore {
        let st = self.lock();
        FrozenStore {
            dbs: st.dbs.iter().map(Keyspace::freeze).collect(),
        }
    }

    /// Writes a snapshot of every database to `out` (see the format in
    /// [`crate::snapshot`]): the data at the instant of the call. Holds the
    /// store lock only to [`Store::freeze`] it, and encodes off the lock, so
    /// other clients go on meanwhile; `out` is written through a 64 KiB buffer.
    ///
    /// # Errors
    /// [`SnapshotError::Io`] when `out` fails.
    pub fn save_snapshot(&self, out: &mut impl Write) -> Result<(), SnapshotError> {
        self.freeze().save_snapshot(out)
    }

    /// The snapshot as bytes (what `embedis-wasm`'s `snapshot()` returns).
    pub fn snapshot_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.save_snapshot(&mut out)
            .expect("writing a snapshot to a Vec cannot fail");
        out
    }

    /// A store with 16 databases and the system clock, loaded from a
    /// snapshot. Keys already expired are skipped.
    ///
    /// # Errors
    /// Any [`SnapshotError`]; the data is then discarded, never half-loaded.
    ///
    /// ```
    /// use embedis::Store;
    /// let store = Store::new();
    /// store.db(3).set("k", "v").unwrap();
    /// let bytes = store.snapshot_to_vec();
    /// let copy = Store::from_snapshot_bytes(&bytes).unwrap();
    /// assert_eq!(copy.db(3).get("k").unwrap().as_deref(), Some(&b"v"[..]));
    /// ```
    pub fn load_snapshot(input: &mut impl Read) -> Result<Store, SnapshotError> {
        Store::load_snapshot_with(Store::builder(), input)
    }

    /// Like [`Store::load_snapshot`], into a store configured by `builder`
    /// (its clock decides which keys have expired; it needs at least as many
    /// databases as the snapshot uses).
    ///
    /// # Errors
    /// Any [`SnapshotError`], e.g. [`SnapshotError::DatabaseOutOfRange`].
    pub fn load_snapshot_with(
        builder: StoreBuilder,
        input: &mut impl Read,
    ) -> Result<Store, SnapshotError> {
        // Nobody else can see the new store until it is returned, so loading
        // straight into its databases is never visible half-done.
        let store = builder.build();
        {
            let mut st = store.lock();
            let now = store.now_unix_ms();
            read_snapshot(input, &mut st.dbs, now)?;
        }
        Ok(store)
    }

    /// [`Store::load_snapshot`] from bytes in memory.
    ///
    /// # Errors
    /// Any [`SnapshotError`].
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<Store, SnapshotError> {
        Store::load_snapshot(&mut &bytes[..])
    }

    /// Replaces the data of every database of this store with a snapshot's,
    /// atomically: the snapshot is decoded and verified first, then swapped
    /// in under the store lock, so clients see the old data or the new, never
    /// a mix. WATCHed keys are touched and blocked clients are served from
    /// the new data, as after Redis `DEBUG RELOAD`.
    ///
    /// # Errors
    /// Any [`SnapshotError`]; the store is then unchanged.
    pub fn replace_from_snapshot(&self, input: &mut impl Read) -> Result<(), SnapshotError> {
        let databases = self.databases();
        let mut fresh: Vec<Keyspace> = (0..databases as u64).map(Keyspace::new).collect();
        read_snapshot(input, &mut fresh, self.now_unix_ms())?;
        let mut st = self.lock();
        for (db, new) in st.dbs.iter_mut().zip(fresh.iter_mut()) {
            db.swap_data(new);
            // Clients blocked on keys that now exist are served.
            if !db.ready.is_empty() {
                db.serve_ready();
            }
        }
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl FrozenStore {
    /// Saves the copy to `path` crash-safely: writes `<path>.tmp-<pid>`,
    /// fsyncs it, renames it over `path`, then fsyncs the directory, so
    /// `path` always holds either the old snapshot or the complete new one.
    /// Holds no lock. Not on wasm32.
    ///
    /// # Errors
    /// [`SnapshotError::File`] naming the file, around the I/O error.
    pub fn save_to_path(&self, path: impl AsRef<Path>) -> Result<(), SnapshotError> {
        let path = path.as_ref();
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let in_file = |p: &Path, e: SnapshotError| SnapshotError::File {
            path: p.to_owned(),
            source: Box::new(e),
        };
        let io = |e: io::Error| SnapshotError::Io {
            offset: 0,
            source: e,
        };
        let written = (|| {
            let mut file = std::fs::File::create(&tmp).map_err(io)?;
            self.save_snapshot(&mut file)?;
            file.sync_all().map_err(io)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(in_file(&tmp, e));
        }
        if let Err(e) = std::fs::rename(&tmp, path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(in_file(path, io(e)));
        }
        sync_dir(path).map_err(|e| in_file(path, io(e)))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Store {
    /// Saves a snapshot to `path` crash-safely, as
    /// [`FrozenStore::save_to_path`] does: the store lock is held only to
    /// [`Store::freeze`] the data, not while encoding or syncing. Not on wasm32.
    ///
    /// # Errors
    /// [`SnapshotError::File`] naming the file, around the I/O error.
    pub fn save_to_path(&self, path: impl AsRef<Path>) -> Result<(), SnapshotError> {
        self.freeze().save_to_path(path)
    }

    /// [`Store::load_snapshot`] from a file. Not on wasm32.
    ///
    /// # Errors
    /// [`SnapshotError::File`] naming the file, around the cause
    /// ([`SnapshotError::is_not_found`] when it does not exist).
    pub fn load_from_path(path: impl AsRef<Path>) -> Result<Store, SnapshotError> {
        Store::load_from_path_with(Store::builder(), path)
    }

    /// [`Store::load_snapshot_with`] from a file. Not on wasm32.
    ///
    /// # Errors
    /// As [`Store::load_from_path`].
    pub fn load_from_path_with(
        builder: StoreBuilder,
        path: impl AsRef<Path>,
    ) -> Result<Store, SnapshotError> {
        let path = path.as_ref();
        std::fs::File::open(path)
            .map_err(|source| SnapshotError::Io { offset: 0, source })
            .and_then(|mut f| Store::load_snapshot_with(builder, &mut f))
            .map_err(|e| SnapshotError::File {
                path: path.to_owned(),
                source: Box::new(e),
            })
    }
}

/// Makes a rename in `path`'s directory durable.
#[cfg(unix)]
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(all(not(unix), not(target_arch = "wasm32")))]
fn sync_dir(_path: &Path) -> io::Result<()> {
    // Directories cannot be opened for syncing on Windows; the rename itself
    // is durable there once the file was synced.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_store_is_magic_version_header_end_and_crc() {
        let bytes = Store::new().snapshot_to_vec();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(&bytes[8..12], &1u32.to_le_bytes());
        // The end marker (CBOR null) comes right before the checksum.
        assert_eq!(bytes[bytes.len() - 5], 0xf6);
        let crc = crc32fast::hash(&bytes[..bytes.len() - 4]);
        assert_eq!(&bytes[bytes.len() - 4..], &crc.to_le_bytes());
    }

    #[test]
    fn string_record_is_a_flat_array_with_byte_strings() {
        let entry = Entry::new(Value::from(Bytes::from_static(b"v")), None);
        // [0, h'6b', null, h'76']
        assert_eq!(
            encode_record(b"k", &entry),
            [0x84, 0x00, 0x41, b'k', 0xf6, 0x41, b'v']
        );
    }

    /// A record as the snapshot writer encodes it.
    fn encode_record(key: &[u8], entry: &Entry) -> Vec<u8> {
        let mut sink = Sink::new(Vec::new());
        sink.record(key, entry).unwrap();
        sink.drain().unwrap();
        sink.inner
    }

    /// A record as ciborium encodes the same data as a generic CBOR value:
    /// the reference the hand-written encoder must match byte for byte.
    fn ciborium_record(key: &[u8], entry: &Entry) -> Vec<u8> {
        use ciborium::Value as C;
        let b = |b: &[u8]| C::Bytes(b.to_vec());
        let (ty, value) = match &entry.value {
            Value::String(s) => (TYPE_STRING, C::Bytes(s.to_vec())),
            Value::List(l) => (TYPE_LIST, C::Array(l.iter().map(|e| b(e)).collect())),
            Value::Hash(h) => (
                TYPE_HASH,
                C::Map(h.iter().map(|(k, v)| (b(k), b(v))).collect()),
            ),
            Value::Set(m) => (TYPE_SET, C::Array(m.iter().map(|e| b(e)).collect())),
            Value::ZSet(z) => (
                TYPE_ZSET,
                C::Array(
                    z.iter()
                        .map(|(m, s)| C::Array(vec![b(m), C::Float(s)]))
                        .collect(),
                ),
            ),
        };
        let record = C::Array(vec![
            C::Integer(ty.into()),
            C::Bytes(key.to_vec()),
            entry
                .expire_at_ms()
                .map_or(C::Null, |t| C::Integer(t.into())),
            value,
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&record, &mut out).unwrap();
        out
    }

    #[test]
    fn long_items_get_wider_heads_and_skip_the_buffer() {
        for len in [0usize, 23, 24, 255, 256, 65_535, 65_536, BUFFER + 1] {
            let entry = Entry::new(
                Value::from(Bytes::from(vec![7u8; len])),
                Some(-1 - len as i64),
            );
            let key = vec![1u8; len];
            assert!(
                encode_record(&key, &entry) == ciborium_record(&key, &entry),
                "{len}"
            );
        }
    }

    #[test]
    fn f16_exact_matches_the_half_precision_values() {
        for f in [
            0.0,
            -0.0,
            1.0,
            -2.0,
            65504.0,
            2f64.powi(-14),
            2f64.powi(-24),
            3.0 * 2f64.powi(-24),
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let h = f64_to_f16_exact(f).unwrap();
            assert_eq!(f16_to_f64(h).to_bits(), f.to_bits(), "{f}");
        }
        for f in [
            65505.0,
            65520.0,
            2f64.powi(-25),
            0.1,
            1.0 + 2f64.powi(-11),
            1e300,
        ] {
            assert_eq!(f64_to_f16_exact(f), None, "{f}");
        }
    }

    use crate::ManualClock;
    use crate::value::CompactBytes;
    use proptest::prelude::*;

    const NOW: i64 = 1_700_000_000_000;

    /// Every live entry of every database, sorted by key.
    fn contents(store: &Store) -> Vec<Vec<(CompactBytes, Entry)>> {
        (0..store.databases())
            .map(|i| {
                store.with_db(i, |ks| {
                    let mut v: Vec<_> = ks.entries().map(|(k, e)| (k.clone(), e.clone())).collect();
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    v
                })
            })
            .collect()
    }

    fn bytes() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(any::<u8>(), 0..12).prop_map(Bytes::from)
    }

    fn score() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>().prop_filter("no NaN", |f| !f.is_nan()),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            (-1000i32..1000).prop_map(|i| i as f64 / 4.0),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            bytes().prop_map(Value::from),
            prop::collection::vec(bytes(), 1..6)
                .prop_map(|v| Value::from(v.into_iter().map(Into::into).collect::<List>())),
            prop::collection::vec((bytes(), bytes()), 1..6).prop_map(|v| {
                Value::from(
                    v.into_iter()
                        .map(|(f, x)| (f.into(), x.into()))
                        .collect::<Hash>(),
                )
            }),
            prop::collection::vec(bytes(), 1..6)
                .prop_map(|v| Value::from(v.into_iter().map(Into::into).collect::<Set>())),
            prop::collection::vec((bytes(), score()), 1..6).prop_map(|v| {
                let mut z = ZSet::default();
                for (m, s) in v {
                    z.insert(m, s);
                }
                Value::from(z)
            }),
        ]
    }

    /// Keys in up to 4 databases, each with an optional expiry relative to
    /// NOW (some in the past: they must not survive).
    fn store_contents() -> impl Strategy<Value = Vec<(usize, Bytes, Value, Option<i64>)>> {
        prop::collection::vec(
            (
                0usize..4,
                bytes(),
                value(),
                prop::option::of(-5_000i64..5_000_000),
            ),
            0..40,
        )
    }

    fn build(clock: &ManualClock, items: &[(usize, Bytes, Value, Option<i64>)]) -> Store {
        let store = Store::builder().databases(4).clock(clock.clone()).build();
        for (db, key, value, ttl) in items {
            store.with_db(*db, |ks| {
                ks.set_with_expiry(key.clone(), value.clone(), ttl.map(|t| NOW + t))
            });
        }
        store
    }

    proptest! {
        #[test]
        fn snapshot_round_trip_is_identity_for_live_keys(items in store_contents()) {
            let clock = ManualClock::new(NOW);
            let store = build(&clock, &items);
            let bytes = store.snapshot_to_vec();
            let loaded = Store::load_snapshot_with(
                Store::builder().databases(4).clock(clock.clone()),
                &mut &bytes[..],
            )
            .unwrap();
            let want = contents(&store);
            prop_assert_eq!(contents(&loaded), want.clone());
            // No expired key was written.
            for db in &want {
                for (_, e) in db {
                    prop_assert!(e.expire_at_ms().is_none_or(|t| t > NOW));
                }
            }
            // Saving the loaded store gives the same live data again.
            let again = Store::load_snapshot_with(
                Store::builder().databases(4).clock(clock.clone()),
                &mut &loaded.snapshot_to_vec()[..],
            )
            .unwrap();
            prop_assert_eq!(contents(&again), want);
        }

        #[test]
        fn record_encoding_matches_ciborium(
            key in bytes(),
            value in value(),
            expire_at_ms in prop::option::of(any::<i64>()),
            scores in prop::collection::vec(score(), 1..8),
        ) {
            let entry = Entry::new(value, expire_at_ms);
            prop_assert_eq!(encode_record(&key, &entry), ciborium_record(&key, &entry));
            // Scores of every width, and every f32 and f16 neighbourhood.
            let mut z = ZSet::default();
            for (i, s) in scores.iter().enumerate() {
                z.insert(Bytes::from(vec![i as u8]), *s);
                z.insert(Bytes::from(vec![i as u8, 1]), f64::from(*s as f32));
            }
            let entry = Entry::new(Value::from(z), None);
            prop_assert_eq!(encode_record(&key, &entry), ciborium_record(&key, &entry));
        }

        #[test]
        fn f16_candidates_encode_as_ciborium_does(bits in any::<u16>()) {
            // Every f16 value and its nearest f32/f64 neighbours.
            let f = f16_to_f64(bits);
            prop_assume!(!f.is_nan());
            for g in [f, f64::from_bits(f.to_bits() + 1), f64::from(f32::from_bits((f as f32).to_bits() + 1))] {
                if g.is_nan() {
                    continue;
                }
                let mut z = ZSet::default();
                z.insert(Bytes::new(), g);
                let entry = Entry::new(Value::from(z), None);
                prop_assert_eq!(encode_record(b"", &entry), ciborium_record(b"", &entry));
            }
        }

        #[test]
        fn snapshot_load_skips_keys_expired_since_saving(items in store_contents(), later in 0i64..6_000_000) {
            let clock = ManualClock::new(NOW);
            let store = build(&clock, &items);
            let bytes = store.snapshot_to_vec();
            clock.set_ms(NOW + later);
            let loaded = Store::load_snapshot_with(
                Store::builder().databases(4).clock(clock.clone()),
                &mut &bytes[..],
            )
            .unwrap();
            // What the original store holds at the later time, expired keys filtered.
            prop_assert_eq!(contents(&loaded), contents(&store));
        }
    }

    #[test]
    fn f16_scores_decode_exactly() {
        for (bits, want) in [
            (0x0000u16, 0.0f64),
            (0x8000, -0.0),
            (0x0001, 2f64.powi(-24)),
            (0x3c00, 1.0),
            (0xc000, -2.0),
            (0x3555, 0.333251953125),
            (0x7bff, 65504.0),
            (0x7c00, f64::INFINITY),
            (0xfc00, f64::NEG_INFINITY),
        ] {
            let got = f16_to_f64(bits);
            assert_eq!(got.to_bits(), want.to_bits(), "{bits:#06x}");
        }
        assert!(f16_to_f64(0x7e00).is_nan());
    }

    #[test]
    fn every_type_and_ttl_survives_a_round_trip() {
        let clock = ManualClock::new(NOW);
        let mut z = ZSet::default();
        z.insert(Bytes::from_static(b"a"), 1.5);
        z.insert(Bytes::from_static(b"b"), f64::NEG_INFINITY);
        z.insert(Bytes::from_static(b"c"), 2f64.powi(-24)); // an f16 subnormal
        z.insert(Bytes::from_static(b"d"), -0.1); // needs f64
        let items = vec![
            (
                0,
                Bytes::from_static(b"s"),
                Value::from(Bytes::from(vec![0u8, 255, 10])),
                Some(10),
            ),
            (
                0,
                Bytes::from_static(b"l"),
                Value::from(List::from(["x", "y", "x"].map(CompactBytes::from))),
                None,
            ),
            (
                1,
                Bytes::from_static(b"h"),
                Value::from(
                    [("f", "v")]
                        .map(|(k, v)| (CompactBytes::from(k), CompactBytes::from(v)))
                        .into_iter()
                        .collect::<Hash>(),
                ),
                Some(99_999),
            ),
            (
                2,
                Bytes::from_static(b"set"),
                Value::from(
                    ["m", "n"]
                        .map(CompactBytes::from)
                        .into_iter()
                        .collect::<Set>(),
                ),
                None,
            ),
            (3, Bytes::from_static(b""), Value::from(z), None),
            (
                3,
                Bytes::from_static(b"gone"),
                Value::from(Bytes::from_static(b"old")),
                Some(-1),
            ),
        ];
        let store = build(&clock, &items);
        let loaded = Store::load_snapshot_with(
            Store::builder().databases(4).clock(clock.clone()),
            &mut &store.snapshot_to_vec()[..],
        )
        .unwrap();
        let got = contents(&loaded);
        assert_eq!(got, contents(&store));
        assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 1, 1]);
        assert_eq!(got[1][0].1.expire_at_ms(), Some(NOW + 99_999));
        assert_eq!(loaded.changes(), 0);
    }

    /// A version 1 file holding `records` in database 0, and the offset of
    /// each record.
    fn file_with(records: &[(Key, Entry)]) -> (Vec<u8>, Vec<u64>) {
        let mut sink = Sink::new(Vec::new());
        sink.write_all(MAGIC).unwrap();
        sink.write_all(&FORMAT_VERSION.to_le_bytes()).unwrap();
        sink.item(&Header {
            databases: 1,
            saved_at_unix_ms: 0,
            producer: "test".into(),
        })
        .unwrap();
        sink.buf.push(0x82);
        sink.head(0, 0);
        sink.head(0, records.len() as u64);
        let mut offsets = Vec::new();
        for (key, entry) in records {
            offsets.push(sink.offset());
            sink.record(key, entry).unwrap();
        }
        sink.buf.push(0xf6);
        sink.drain().unwrap();
        let mut file = sink.inner;
        let crc = crc32fast::hash(&file);
        file.extend_from_slice(&crc.to_le_bytes());
        (file, offsets)
    }

    /// `n` keys of every type, every third with a TTL (some already past at NOW).
    fn many_records(n: usize) -> Vec<(Key, Entry)> {
        (0..n)
            .map(|i| {
                let e = |j: usize| Bytes::from(format!("e{j}:{i}"));
                let value = match i % 5 {
                    0 => Value::from(e(0)),
                    1 => Value::from((0..3).map(|j| e(j).into()).collect::<List>()),
                    2 => Value::from(
                        (0..3)
                            .map(|j| (e(j).into(), e(j + 10).into()))
                            .collect::<Hash>(),
                    ),
                    3 => Value::from((0..3).map(|j| e(j).into()).collect::<Set>()),
                    _ => {
                        let mut z = ZSet::default();
                        for j in 0..3 {
                            z.insert(e(j), j as f64 / 3.0);
                        }
                        Value::from(z)
                    }
                };
                let expire_at_ms = (i % 3 == 0).then(|| NOW + (i as i64 % 7) - 2);
                (
                    Key::from(format!("key:{i}")),
                    Entry::new(value, expire_at_ms),
                )
            })
            .collect()
    }

    fn load_at_now(file: &[u8]) -> Result<Store, SnapshotError> {
        Store::load_snapshot_with(
            Store::builder().databases(1).clock(ManualClock::new(NOW)),
            &mut &file[..],
        )
    }

    #[test]
    fn a_large_database_loads_the_same_on_two_threads() {
        let n = PIPELINE_MIN_KEYS as usize * 2 + 7;
        let records = many_records(n);
        let (file, _) = file_with(&records);
        let loaded = load_at_now(&file).unwrap();
        let mut want: Vec<_> = records
            .into_iter()
            .filter(|(_, e)| e.expire_at_ms().is_none_or(|t| t > NOW))
            .collect();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(want.len() < n);
        assert_eq!(contents(&loaded), [want]);
        assert_eq!(loaded.changes(), 0);
    }

    #[test]
    fn two_thread_encoding_writes_the_one_thread_bytes() {
        let records = many_records(PARALLEL_SAVE_MIN_KEYS + 300);
        let refs: Vec<(&Key, &Entry)> = records.iter().map(|(k, e)| (k, e)).collect();
        let mut want = Vec::new();
        for (key, entry) in &refs {
            want.record(key, entry).unwrap();
        }
        let mut sink = Sink::new(Vec::new());
        let mut entries = refs.iter().copied();
        encode_on_two_threads(&mut sink, &mut entries).unwrap();
        assert!(entries.next().is_none());
        sink.drain().unwrap();
        assert!(sink.inner == want);
        assert_eq!(sink.crc.finalize(), crc32fast::hash(&want));
        // And a whole store of that size survives a save and a load.
        let (file, _) = file_with(&records);
        let loaded = load_at_now(&file).unwrap();
        let again = load_at_now(&loaded.snapshot_to_vec()).unwrap();
        assert_eq!(contents(&again), contents(&loaded));
    }

    #[test]
    fn a_duplicate_key_in_a_large_database_is_corrupt_at_its_offset() {
        let n = PIPELINE_MIN_KEYS as usize + 5000;
        let mut records = many_records(n);
        for (dup, of) in [(n - 10, 1), (PIPELINE_MIN_KEYS as usize, 4)] {
            records[dup].0 = records[of].0.clone();
            records[dup].1 = Entry::new(records[dup].1.value.clone(), None);
            records[of].1 = Entry::new(records[of].1.value.clone(), None);
        }
        let (file, offsets) = file_with(&records);
        let err = load_at_now(&file).unwrap_err();
        let at = offsets[PIPELINE_MIN_KEYS as usize];
        assert_eq!(
            err.to_string(),
            format!("snapshot corrupt at byte offset {at}: duplicate key in database 0")
        );
        // The duplicate is reported even when the file is also cut short.
        let err = load_at_now(&file[..file.len() - 100]).unwrap_err();
        assert_eq!(err.offset(), Some(at), "{err}");
    }

    #[test]
    fn a_large_database_cut_short_is_truncated() {
        let (file, offsets) = file_with(&many_records(PIPELINE_MIN_KEYS as usize + 10));
        for cut in [
            offsets[10] as usize + 3,
            offsets[PIPELINE_MIN_KEYS as usize] as usize,
            file.len() - 6,
        ] {
            let err = load_at_now(&file[..cut]).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("snapshot truncated: unexpected end of data at byte offset {cut}")
            );
        }
        let mut bad = file.clone();
        bad[offsets[12345] as usize] = 0x85;
        let err = load_at_now(&bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "snapshot corrupt at byte offset {}: key record has 5 fields, expected 4",
                offsets[12345]
            )
        );
    }

    #[test]
    fn an_empty_collection_in_a_file_is_corrupt() {
        // Hand-build a file holding an empty list.
        let mut body = Vec::new();
        ciborium::ser::into_writer(
            &Header {
                databases: 1,
                saved_at_unix_ms: 0,
                producer: "test".into(),
            },
            &mut body,
        )
        .unwrap();
        ciborium::ser::into_writer(&(0u32, 1u64), &mut body).unwrap();
        let record_at = 12 + body.len() as u64;
        let entry = Entry::new(Value::List(Box::default()), None);
        body.extend_from_slice(&encode_record(b"k", &entry));
        ciborium::ser::into_writer(&(), &mut body).unwrap();
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&body);
        let crc = crc32fast::hash(&file);
        file.extend_from_slice(&crc.to_le_bytes());
        let err = Store::from_snapshot_bytes(&file).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("snapshot corrupt at byte offset {record_at}: key \"k\" holds an empty list")
        );
    }
}
