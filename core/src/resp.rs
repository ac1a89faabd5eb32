//! The Redis protocol (RESP2 and RESP3), without I/O: bytes in, commands
//! out ([`Parser`]); replies in, bytes out ([`encode`]).
//!
//! The parser reads what `redis-server` 7.0 reads: multibulk requests
//! (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands (`GET k\r\n`, as
//! typed in telnet or piped through `nc`), with Redis's limits and its exact
//! `Protocol error: ...` messages. It is incremental: feed it a buffer that
//! holds any prefix of the stream; it returns each complete command as soon
//! as its bytes are there and remembers where it stopped. Arguments are
//! [`Bytes`] split off the buffer, not copied.
//!
//! ```
//! use bytes::BytesMut;
//! use embedis::resp::{Parser, encode};
//! use embedis::{Protocol, Reply};
//!
//! let mut parser = Parser::new();
//! let mut buf = BytesMut::from(&b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n"[..]);
//! assert_eq!(parser.next_command(&mut buf).unwrap().unwrap(), vec!["ECHO", "hi"]);
//! assert_eq!(parser.next_command(&mut buf).unwrap().unwrap(), vec!["PING"]);
//! assert_eq!(parser.next_command(&mut buf).unwrap(), None); // needs more bytes
//!
//! let mut out = BytesMut::new();
//! encode(&Reply::Double(1.5), Protocol::Resp2, &mut out);
//! encode(&Reply::Double(1.5), Protocol::Resp3, &mut out);
//! assert_eq!(&out[..], b"$3\r\n1.5\r\n,1.5\r\n");
//! ```

use std::fmt::Write as _;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::reply::format_double;
use crate::{Error, Protocol, Reply};

/// Longest inline request, and longest `*<count>` / `$<len>` line (Redis's
/// `PROTO_INLINE_MAX_SIZE`): 64 KiB.
pub const INLINE_MAX_SIZE: usize = 64 * 1024;
/// Largest bulk argument (Redis's default `proto-max-bulk-len`): 512 MiB.
pub const MAX_BULK_LEN: usize = 512 * 1024 * 1024;
/// Largest multibulk count (Redis: `INT_MAX`).
pub const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;
/// Before AUTH, at most this many arguments per command (Redis 7.0).
pub const UNAUTHENTICATED_MAX_MULTIBULK_LEN: i64 = 10;
/// Before AUTH, at most this many bytes per argument (Redis 7.0).
pub const UNAUTHENTICATED_MAX_BULK_LEN: usize = 16 * 1024;
/// Redis's query buffer limit (`client-query-buffer-limit`): 1 GiB.
pub const MAX_QUERY_BUFFER: usize = 1024 * 1024 * 1024;
/// Arguments up to this size are copied out of the input buffer; bigger ones
/// are split off it without a copy. Redis draws the same line (its
/// `PROTO_MBULK_BIG_ARG`, 32 KB). Copying small arguments keeps the input
/// buffer unshared, so it is reused batch after batch, and a stored key or
/// value never pins a whole read buffer.
pub const BIG_ARG: usize = 32 * 1024;

/// A malformed request. `Display` is Redis's message after `-ERR `; the
/// server replies with it and closes the connection, as Redis does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An inline request longer than [`INLINE_MAX_SIZE`] with no newline.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// An inline request with an unterminated quote.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// A `*<count>` line longer than [`INLINE_MAX_SIZE`].
    #[error("Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    /// `*<count>` that is not a number or is too large.
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// More than [`UNAUTHENTICATED_MAX_MULTIBULK_LEN`] arguments before AUTH.
    #[error("Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    /// A `$<len>` line longer than [`INLINE_MAX_SIZE`].
    #[error("Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// An argument that does not start with `$`.
    #[error("Protocol error: expected '$', got '{0}'")]
    ExpectedDollar(char),
    /// `$<len>` that is not a number, negative, or over [`MAX_BULK_LEN`].
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// An argument over [`UNAUTHENTICATED_MAX_BULK_LEN`] before AUTH.
    #[error("Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
    /// The client sent an HTTP request (`POST`, `Host:`): Redis logs a
    /// "Possible SECURITY ATTACK" and closes the connection without a reply.
    #[error("Possible SECURITY ATTACK detected")]
    SecurityAttack,
}

impl ProtocolError {
    /// True when the connection is closed without an error reply.
    pub fn is_silent(&self) -> bool {
        matches!(self, ProtocolError::SecurityAttack)
    }
}

/// An incremental request parser (one per connection): Redis's
/// `processInlineBuffer` / `processMultibulkBuffer`.
#[derive(Debug, Default)]
pub struct Parser {
    /// Arguments still expected by the current multibulk request; 0 = none.
    multibulk_left: usize,
    /// Length of the bulk argument being read, once its `$<len>` was seen.
    bulk_len: Option<usize>,
    argv: Vec<Bytes>,
    /// Before AUTH: Redis's tighter limits.
    unauthenticated: bool,
}

impl Parser {
    /// A parser in its initial state.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Applies Redis's limits for clients that still have to AUTH
    /// (10 arguments of 16 KiB at most) while `on`.
    pub fn set_unauthenticated(&mut self, on: bool) {
        self.unauthenticated = on;
    }

    /// True while a request is partly read.
    pub fn is_mid_request(&self) -> bool {
        self.multibulk_left > 0
    }

    /// The next complete request in `buf`, consuming its bytes; `Ok(None)`
    /// when more bytes are needed. Empty requests (`*0`, `*-1`, blank lines)
    /// are skipped, as Redis does.
    ///
    /// # Errors
    /// A [`ProtocolError`] for malformed input: the connection should reply
    /// `-ERR <error>` (unless [`ProtocolError::is_silent`]) and close.
    pub fn next_command(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        if self.multibulk_left == 0 && !self.unauthenticated && buf.first() == Some(&b'*') {
            if let Some((argv, used)) = whole_request(buf) {
                buf.advance(used);
                return Ok(Some(argv));
            }
        }
        loop {
            if self.multibulk_left == 0 {
                if buf.is_empty() {
                    return Ok(None);
                }
                if buf[0] != b'*' {
                    match self.inline(buf)? {
                        None => return Ok(None),
                        Some(argv) if argv.is_empty() => continue,
                        Some(argv) => return check_security(argv).map(Some),
                    }
                }
                // `*<count>\r\n`
                let Some(cr) = memchr(b'\r', buf) else {
                    if buf.len() > INLINE_MAX_SIZE {
                        return Err(ProtocolError::TooBigMultibulkCount);
                    }
                    return Ok(None);
                };
                if cr + 1 >= buf.len() {
                    return Ok(None);
                }
                let n = crate::command::parse_i64(&buf[1..cr]);
                let n = match n {
                    Some(n) if n <= MAX_MULTIBULK_LEN => n,
                    _ => return Err(ProtocolError::InvalidMultibulkLength),
                };
                if self.unauthenticated && n > UNAUTHENTICATED_MAX_MULTIBULK_LEN {
                    return Err(ProtocolError::UnauthenticatedMultibulkLength);
                }
                buf.advance(cr + 2);
                if n <= 0 {
                    continue;
                }
                self.multibulk_left = n as usize;
                self.argv = Vec::with_capacity((n as usize).min(1024));
            }
            while self.multibulk_left > 0 {
                let len = match self.bulk_len {
                    Some(len) => len,
                    None => {
                        let Some(cr) = memchr(b'\r', buf) else {
                            if buf.len() > INLINE_MAX_SIZE {
                                return Err(ProtocolError::TooBigBulkCount);
                            }
                            return Ok(None);
                        };
                        if cr + 1 >= buf.len() {
                            return Ok(None);
                        }
                        if buf[0] != b'$' {
                            return Err(ProtocolError::ExpectedDollar(buf[0] as char));
                        }
                        let len = match crate::command::parse_i64(&buf[1..cr]) {
                            Some(n) if n >= 0 && n as usize <= MAX_BULK_LEN => n as usize,
                            _ => return Err(ProtocolError::InvalidBulkLength),
                        };
                        if self.unauthenticated && len > UNAUTHENTICATED_MAX_BULK_LEN {
                            return Err(ProtocolError::UnauthenticatedBulkLength);
                        }
                        buf.advance(cr + 2);
                        self.bulk_len = Some(len);
                        // Room for the whole argument at once (Redis does the
                        // same for big arguments) so reads don't reallocate.
                        buf.reserve((len + 2).saturating_sub(buf.len()));
                        len
                    }
                };
                if buf.len() < len + 2 {
                    return Ok(None);
                }
                // Redis skips the two bytes after the payload without checking them.
                let arg = if len < BIG_ARG {
                    let arg = Bytes::copy_from_slice(&buf[..len]);
                    buf.advance(len + 2);
                    arg
                } else {
                    let arg = buf.split_to(len).freeze();
                    buf.advance(2);
                    arg
                };
                self.argv.push(arg);
                self.bulk_len = None;
                self.multibulk_left -= 1;
            }
            let argv = std::mem::take(&mut self.argv);
            return Ok(Some(argv));
        }
    }

    /// One inline request: `Ok(Some(vec![]))` for a blank line.
    fn inline(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let Some(nl) = memchr(b'\n', buf) else {
            if buf.len() > INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(None);
        };
        let line = buf.split_to(nl + 1);
        let mut end = nl;
        if end > 0 && line[end - 1] == b'\r' {
            end -= 1;
        }
        split_args(&line[..end])
            .map(Some)
            .ok_or(ProtocolError::UnbalancedQuotes)
    }
}

/// The common case in one pass: a whole, well-formed multibulk request with
/// arguments under [`BIG_ARG`] already in `buf` (what pipelining clients
/// send). Returns the arguments and the bytes used. `None` means "take the
/// incremental path", which also reports every error.
fn whole_request(buf: &[u8]) -> Option<(Vec<Bytes>, usize)> {
    let (n, mut at) = small_number(buf, 1)?;
    if n == 0 || n > 1024 {
        return None;
    }
    let mut argv = Vec::with_capacity(n);
    for _ in 0..n {
        if *buf.get(at)? != b'$' {
            return None;
        }
        let (len, start) = small_number(buf, at + 1)?;
        let end = start + len;
        // Redis skips the two bytes after the payload without checking them.
        if len >= BIG_ARG || buf.len() < end + 2 {
            return None;
        }
        argv.push(Bytes::copy_from_slice(&buf[start..end]));
        at = end + 2;
    }
    Some((argv, at))
}

/// The decimal number at `buf[at..]` ended by `\r\n`, as `string2ll` would
/// accept it (no sign, no leading zero), up to 9 digits; with the index after
/// the `\n`.
fn small_number(buf: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut v = 0usize;
    let mut i = at;
    loop {
        match *buf.get(i)? {
            b'\r' if i > at && buf.get(i + 1) == Some(&b'\n') => return Some((v, i + 2)),
            b'0' if i == at && buf.get(i + 1) != Some(&b'\r') => return None,
            c @ b'0'..=b'9' if i - at < 9 => v = v * 10 + usize::from(c - b'0'),
            _ => return None,
        }
        i += 1;
    }
}

fn check_security(argv: Vec<Bytes>) -> Result<Vec<Bytes>, ProtocolError> {
    let first = &argv[0];
    if first.eq_ignore_ascii_case(b"post") || first.eq_ignore_ascii_case(b"host:") {
        return Err(ProtocolError::SecurityAttack);
    }
    Ok(argv)
}

fn memchr(c: u8, b: &[u8]) -> Option<usize> {
    b.iter().position(|&x| x == c)
}

/// Splits an inline request line into arguments as Redis's `sdssplitargs`
/// does: spaces separate words; `"..."` allows `\n \r \t \b \a \\ \" \xHH`
/// escapes; `'...'` allows only `\'`; a closing quote must be followed by a
/// space or the end. `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Bytes>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut inq = false; // "..."
        let mut insq = false; // '...'
        loop {
            if inq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    let hex = |c: u8| (c as char).to_digit(16).unwrap() as u8;
                    cur.push(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                    i += 3;
                } else if line[i] == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        c => c,
                    });
                } else if line[i] == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else if insq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if line[i] == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        out.push(Bytes::from(cur));
    }
}

/// Appends `reply` to `out` in the wire format of `protocol`.
///
/// RESP2 downgrades RESP3 shapes as Redis does: map → flat array, set and
/// push → array, double → bulk string (`%.17g`), boolean → `:1`/`:0`,
/// verbatim and big number → bulk string, [`Reply::Null`] → `$-1`,
/// [`Reply::NullArray`] → `*-1`. RESP3 writes `_` for both nulls. Error
/// and simple-string text has `\r` and `\n` replaced by spaces so it cannot
/// break the framing. Only appends to `out`; no other allocation (except to
/// format a double).
pub fn encode(reply: &Reply, protocol: Protocol, out: &mut BytesMut) {
    let resp3 = protocol == Protocol::Resp3;
    match reply {
        Reply::Simple(s) => {
            out.put_u8(b'+');
            put_line_text(out, s);
            out.put_slice(b"\r\n");
        }
        Reply::Error(e) => {
            out.put_u8(b'-');
            let _ = write!(LineWriter(out), "{e}");
            out.put_slice(b"\r\n");
        }
        Reply::Integer(n) => put_header(out, b':', *n),
        Reply::Bulk(b) => put_bulk(out, b),
        Reply::Null if resp3 => out.put_slice(b"_\r\n"),
        Reply::NullArray if resp3 => out.put_slice(b"_\r\n"),
        Reply::Null => out.put_slice(b"$-1\r\n"),
        Reply::NullArray => out.put_slice(b"*-1\r\n"),
        Reply::Array(items) => {
            put_header(out, b'*', items.len() as i64);
            for i in items {
                encode(i, protocol, out);
            }
        }
        Reply::BulkArray(a) | Reply::BulkSet(a) | Reply::BulkMap(a) => {
            // RESP2 sends each as a flat array; RESP3 types a set (`~`) and
            // a map (`%`, counting pairs).
            let len = a.len() as i64;
            let (kind, n) = match reply {
                Reply::BulkSet(_) if resp3 => (b'~', len),
                Reply::BulkMap(_) if resp3 => (b'%', len / 2),
                _ => (b'*', len),
            };
            put_header(out, kind, n);
            for s in a.iter() {
                put_bulk(out, s);
            }
        }
        Reply::Set(items) => {
            put_header(out, if resp3 { b'~' } else { b'*' }, items.len() as i64);
            for i in items {
                encode(i, protocol, out);
            }
        }
        Reply::Push(items) => {
            put_header(out, if resp3 { b'>' } else { b'*' }, items.len() as i64);
            for i in items {
                encode(i, protocol, out);
            }
        }
        Reply::Map(pairs) => {
            if resp3 {
                put_header(out, b'%', pairs.len() as i64);
            } else {
                put_header(out, b'*', 2 * pairs.len() as i64);
            }
            for (k, v) in pairs {
                encode(k, protocol, out);
                encode(v, protocol, out);
            }
        }
        Reply::Double(d) => {
            let s = format_double(*d);
            if resp3 {
                out.put_u8(b',');
                out.put_slice(s.as_bytes());
                out.put_slice(b"\r\n");
            } else {
                put_bulk(out, s.as_bytes());
            }
        }
        Reply::Boolean(b) => {
            if resp3 {
                out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            } else {
                out.put_slice(if *b { b":1\r\n" } else { b":0\r\n" });
            }
        }
        Reply::Verbatim { format, text } => {
            if resp3 {
                put_header(out, b'=', (text.len() + 4) as i64);
                out.put_slice(format.as_bytes());
                out.put_u8(b':');
                out.put_slice(text);
                out.put_slice(b"\r\n");
            } else {
                put_bulk(out, text);
            }
        }
        Reply::BigNumber(n) => {
            if resp3 {
                out.put_u8(b'(');
                out.put_slice(n.as_bytes());
                out.put_slice(b"\r\n");
            } else {
                put_bulk(out, n.as_bytes());
            }
        }
    }
}

/// Appends `reply` to a fresh buffer; convenient in tests.
pub fn to_bytes(reply: &Reply, protocol: Protocol) -> BytesMut {
    let mut out = BytesMut::new();
    encode(reply, protocol, &mut out);
    out
}

/// The decimal text of `n` as Redis's `ll2string` writes it, into the end
/// of `buf` (20 bytes hold any `i64`); returns the written part. Integer
/// replies, length headers and INCR's stored text use it instead of
/// `core::fmt`.
pub(crate) fn i64_text(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// `<tag><n>\r\n`: every integer reply and every length header.
fn put_header(out: &mut BytesMut, tag: u8, n: i64) {
    let mut buf = [0u8; 20];
    let digits = i64_text(n, &mut buf);
    out.reserve(digits.len() + 3);
    out.put_u8(tag);
    out.put_slice(digits);
    out.put_slice(b"\r\n");
}

fn put_bulk(out: &mut BytesMut, b: &[u8]) {
    out.reserve(b.len() + 16);
    put_header(out, b'$', b.len() as i64);
    out.put_slice(b);
    out.put_slice(b"\r\n");
}

fn put_line_text(out: &mut BytesMut, s: &str) {
    for &c in s.as_bytes() {
        out.put_u8(if c == b'\r' || c == b'\n' { b' ' } else { c });
    }
}

/// `fmt::Write` into a `BytesMut` (no intermediate `String`), replacing CR
/// and LF by spaces (error lines).
struct LineWriter<'a>(&'a mut BytesMut);

impl std::fmt::Write for LineWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        put_line_text(self.0, s);
        Ok(())
    }
}

/// Reads one reply (RESP2 or RESP3) from the front of `buf`, consuming it;
/// `Ok(None)` when more bytes are needed. The inverse of [`encode`] in RESP3;
/// in RESP2, `$-1` reads as [`Reply::Null`] and `*-1` as [`Reply::NullArray`].
/// For clients, proxies and tests.
///
/// # Errors
/// A description of the first malformed byte.
pub fn decode(buf: &mut BytesMut) -> Result<Option<Reply>, String> {
    let mut pos = 0;
    match decode_at(buf, &mut pos)? {
        None => Ok(None),
        Some(r) => {
            buf.advance(pos);
            Ok(Some(r))
        }
    }
}

fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let start = *pos;
    let rel = buf[start..].windows(2).position(|w| w == b"\r\n")?;
    *pos = start + rel + 2;
    Some(&buf[start..start + rel])
}

fn decode_at(buf: &[u8], pos: &mut usize) -> Result<Option<Reply>, String> {
    if *pos >= buf.len() {
        return Ok(None);
    }
    let tag = buf[*pos];
    *pos += 1;
    let Some(line) = read_line(buf, pos) else {
        return Ok(None);
    };
    let text = || String::from_utf8_lossy(line).into_owned();
    let int = || -> Result<i64, String> {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad number {:?}", String::from_utf8_lossy(line)))
    };
    let blob = |pos: &mut usize, n: i64| -> Option<Bytes> {
        let n = n as usize;
        if buf.len() < *pos + n + 2 {
            return None;
        }
        let b = Bytes::copy_from_slice(&buf[*pos..*pos + n]);
        *pos += n + 2;
        Some(b)
    };
    let items = |pos: &mut usize, n: i64| -> Result<Option<Vec<Reply>>, String> {
        let mut v = Vec::with_capacity(n.clamp(0, 1024) as usize);
        for _ in 0..n {
            match decode_at(buf, pos)? {
                None => return Ok(None),
                Some(r) => v.push(r),
            }
        }
        Ok(Some(v))
    };
    Ok(Some(match tag {
        b'+' => Reply::Simple(text().into()),
        b'-' => Reply::Error(Error::Reply(text())),
        b':' => Reply::Integer(int()?),
        b'_' => Reply::Null,
        b'#' => Reply::Boolean(line == b"t"),
        b',' => Reply::Double(match line {
            b"inf" => f64::INFINITY,
            b"-inf" => f64::NEG_INFINITY,
            _ => text()
                .parse()
                .map_err(|_| format!("bad double {}", text()))?,
        }),
        b'(' => Reply::BigNumber(text()),
        b'$' | b'=' | b'!' => {
            let n = int()?;
            if n < 0 {
                return Ok(Some(Reply::Null));
            }
            let Some(b) = blob(pos, n) else {
                return Ok(None);
            };
            match tag {
                b'$' => Reply::Bulk(b),
                b'!' => Reply::Error(Error::Reply(String::from_utf8_lossy(&b).into_owned())),
                _ => Reply::Verbatim {
                    format: if b.starts_with(b"mkd") { "mkd" } else { "txt" },
                    text: b.slice(4.min(b.len())..),
                },
            }
        }
        b'*' | b'~' | b'>' => {
            let n = int()?;
            if n < 0 {
                return Ok(Some(Reply::NullArray));
            }
            let Some(v) = items(pos, n)? else {
                return Ok(None);
            };
            match tag {
                b'*' => Reply::Array(v),
                b'~' => Reply::Set(v),
                _ => Reply::Push(v),
            }
        }
        b'%' => {
            let n = int()?;
            let Some(v) = items(pos, 2 * n)? else {
                return Ok(None);
            };
            let mut pairs = Vec::with_capacity(v.len() / 2);
            let mut it = v.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            Reply::Map(pairs)
        }
        c => return Err(format!("unexpected type byte {:?}", c as char)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> (Vec<Vec<Bytes>>, Option<ProtocolError>) {
        let mut p = Parser::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            match p.next_command(&mut buf) {
                Ok(Some(c)) => out.push(c),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    /// Parses `input` fed one byte at a time: never the whole-request fast path.
    fn parse_bytewise(input: &[u8]) -> (Vec<Vec<Bytes>>, Option<ProtocolError>) {
        let mut p = Parser::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &b in input {
            buf.extend_from_slice(&[b]);
            loop {
                match p.next_command(&mut buf) {
                    Ok(Some(c)) => out.push(c),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        (out, None)
    }

    #[test]
    fn integers_and_headers_are_written_in_decimal() {
        for (n, text) in [
            (0, ":0\r\n"),
            (7, ":7\r\n"),
            (-1, ":-1\r\n"),
            (1234567890, ":1234567890\r\n"),
            (i64::MAX, ":9223372036854775807\r\n"),
            (i64::MIN, ":-9223372036854775808\r\n"),
        ] {
            let mut out = BytesMut::new();
            encode(&Reply::Integer(n), Protocol::Resp2, &mut out);
            assert_eq!(&out[..], text.as_bytes());
        }
        let mut out = BytesMut::new();
        encode(&Reply::bulk(vec![b'x'; 100]), Protocol::Resp2, &mut out);
        assert!(out.starts_with(b"$100\r\nxxx"));
    }

    #[test]
    fn whole_requests_parse_as_the_incremental_path_does() {
        let cases: [&[u8]; 12] = [
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n",
            b"*2\r\n$3\r\nGET\r\n$0\r\n\r\n",
            b"*2\r\n$3\r\nGET\r\n$01\r\nk\r\n",
            b"*02\r\n$3\r\nGET\r\n$1\r\nk\r\n",
            b"*2\r\n$3\r\nGET\r\n$-1\r\n",
            b"*2\r\n$3\r\nGET\r\n:1\r\n",
            b"*2\r\n$3\r\nGETxx$1\r\nk\r\n",
            b"*-1\r\n*0\r\n*1\r\n$4\r\nPING\r\n",
            b"*1\r\n$4\r\nPING",
            b"*1\r\n$x\r\n",
            b"*1\r\n$1234567890\r\n",
            b"*1\r\n$4\rxPING\r\n",
        ];
        for input in cases {
            let text = String::from_utf8_lossy(input);
            assert_eq!(parse_all(input), parse_bytewise(input), "{text:?}");
        }
        // The fast path itself took the first case whole.
        let first = whole_request(cases[0]).unwrap();
        assert_eq!(
            first.0,
            vec![Bytes::from("SET"), Bytes::from("k"), Bytes::from("hello")]
        );
        assert_eq!(first.1, 31);
    }

    #[test]
    fn multibulk_and_inline_requests_parse_in_order() {
        let (cmds, err) = parse_all(
            b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nSET a 'b c' \"x\\x41\\n\"\r\n\r\n*0\r\n*-1\r\nPING\n",
        );
        assert_eq!(err, None);
        assert_eq!(
            cmds,
            vec![
                vec![Bytes::from("GET"), Bytes::from("k")],
                vec![
                    Bytes::from("SET"),
                    Bytes::from("a"),
                    Bytes::from("b c"),
                    Bytes::from("xA\n")
                ],
                vec![Bytes::from("PING")],
            ]
        );
    }

    #[test]
    fn every_split_point_gives_the_same_commands() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nECHO hi\r\n*1\r\n$4\r\nPING\r\n";
        for cut in 0..input.len() {
            let mut p = Parser::new();
            let mut buf = BytesMut::from(&input[..cut]);
            let mut got = Vec::new();
            while let Some(c) = p.next_command(&mut buf).unwrap() {
                got.push(c);
            }
            buf.extend_from_slice(&input[cut..]);
            while let Some(c) = p.next_command(&mut buf).unwrap() {
                got.push(c);
            }
            assert_eq!(got.len(), 3, "cut at {cut}");
            assert_eq!(got[0][2], Bytes::from("hello"));
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn malformed_requests_give_redis_protocol_errors() {
        for (input, want) in [
            (
                &b"*3000000000\r\n"[..],
                "Protocol error: invalid multibulk length",
            ),
            (b"*abc\r\n", "Protocol error: invalid multibulk length"),
            (
                b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
                "Protocol error: expected '$', got 'f'",
            ),
            (b"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"),
            (b"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"),
            (
                b"*1\r\n$600000000\r\n",
                "Protocol error: invalid bulk length",
            ),
            (b"*1\r\n$4\nPING\r\n", "Protocol error: invalid bulk length"),
            (
                b"SET \"a b\r\n",
                "Protocol error: unbalanced quotes in request",
            ),
            (
                b"SET \"a\"b\r\n",
                "Protocol error: unbalanced quotes in request",
            ),
        ] {
            let (_, err) = parse_all(input);
            assert_eq!(
                err.map(|e| e.to_string()).as_deref(),
                Some(want),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        let big = vec![b'a'; INLINE_MAX_SIZE + 1];
        assert_eq!(parse_all(&big).1, Some(ProtocolError::TooBigInline));
        let mut big = b"*".to_vec();
        big.extend(vec![b'1'; INLINE_MAX_SIZE + 1]);
        assert_eq!(parse_all(&big).1, Some(ProtocolError::TooBigMultibulkCount));
        assert_eq!(
            parse_all(b"POST / HTTP/1.1\r\n").1,
            Some(ProtocolError::SecurityAttack)
        );
    }

    #[test]
    fn unauthenticated_limits_are_tighter() {
        let mut p = Parser::new();
        p.set_unauthenticated(true);
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        assert_eq!(
            p.next_command(&mut buf),
            Err(ProtocolError::UnauthenticatedMultibulkLength)
        );
        let mut p = Parser::new();
        p.set_unauthenticated(true);
        let mut buf = BytesMut::from(&b"*2\r\n$4\r\nECHO\r\n$20000\r\n"[..]);
        assert_eq!(
            p.next_command(&mut buf),
            Err(ProtocolError::UnauthenticatedBulkLength)
        );
    }

    #[test]
    fn a_bulk_array_is_encoded_as_the_array_of_bulks_in_both_protocols() {
        let strings = ["", "a", "xyz", "0123456789"];
        let packed = Reply::BulkArray(crate::BulkArray::from_strings(strings));
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            assert_eq!(
                to_bytes(&packed, protocol),
                to_bytes(&Reply::bulks(strings), protocol)
            );
        }
        assert_eq!(
            &to_bytes(&packed, Protocol::Resp2)[..],
            b"*4\r\n$0\r\n\r\n$1\r\na\r\n$3\r\nxyz\r\n$10\r\n0123456789\r\n"
        );
        assert_eq!(
            &to_bytes(&Reply::BulkArray(Default::default()), Protocol::Resp3)[..],
            b"*0\r\n"
        );
        let map = Reply::Map(vec![
            (Reply::bulk("f"), Reply::bulk("")),
            (Reply::bulk("g"), Reply::bulk("vw")),
        ]);
        let packed = Reply::BulkMap(crate::BulkArray::from_strings(["f", "", "g", "vw"]));
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            assert_eq!(to_bytes(&packed, protocol), to_bytes(&map, protocol));
        }
        assert_eq!(
            &to_bytes(&packed, Protocol::Resp3)[..],
            b"%2\r\n$1\r\nf\r\n$0\r\n\r\n$1\r\ng\r\n$2\r\nvw\r\n"
        );
        assert_eq!(&to_bytes(&packed, Protocol::Resp2)[..4], b"*4\r\n");
        let set = Reply::Set(vec![Reply::bulk("a"), Reply::bulk("bc")]);
        let packed = Reply::BulkSet(crate::BulkArray::from_strings(["a", "bc"]));
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            assert_eq!(to_bytes(&packed, protocol), to_bytes(&set, protocol));
        }
        assert_eq!(
            &to_bytes(&packed, Protocol::Resp3)[..],
            b"~2\r\n$1\r\na\r\n$2\r\nbc\r\n"
        );
    }

    #[test]
    fn encode_downgrades_resp3_shapes_for_resp2() {
        let r = Reply::Map(vec![
            (Reply::bulk("a"), Reply::Double(1.5)),
            (Reply::bulk("b"), Reply::Boolean(true)),
        ]);
        assert_eq!(
            &to_bytes(&r, Protocol::Resp2)[..],
            b"*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n:1\r\n"
        );
        assert_eq!(
            &to_bytes(&r, Protocol::Resp3)[..],
            b"%2\r\n$1\r\na\r\n,1.5\r\n$1\r\nb\r\n#t\r\n"
        );
        for (r, two, three) in [
            (Reply::Null, &b"$-1\r\n"[..], &b"_\r\n"[..]),
            (Reply::NullArray, b"*-1\r\n", b"_\r\n"),
            (
                Reply::Set(vec![Reply::Integer(1)]),
                b"*1\r\n:1\r\n",
                b"~1\r\n:1\r\n",
            ),
            (
                Reply::Push(vec![Reply::Integer(-2)]),
                b"*1\r\n:-2\r\n",
                b">1\r\n:-2\r\n",
            ),
            (Reply::Double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n"),
            (Reply::BigNumber("12".into()), b"$2\r\n12\r\n", b"(12\r\n"),
            (
                Reply::Verbatim {
                    format: "txt",
                    text: Bytes::from("hi"),
                },
                b"$2\r\nhi\r\n",
                b"=6\r\ntxt:hi\r\n",
            ),
            (
                Reply::Error(Error::Reply("ERR a\r\nb".into())),
                b"-ERR a  b\r\n",
                b"-ERR a  b\r\n",
            ),
        ] {
            assert_eq!(&to_bytes(&r, Protocol::Resp2)[..], two, "{r:?}");
            assert_eq!(&to_bytes(&r, Protocol::Resp3)[..], three, "{r:?}");
        }
    }

    #[test]
    fn decode_reads_back_what_encode_writes() {
        let r = Reply::Array(vec![
            Reply::Map(vec![(
                Reply::bulk("k"),
                Reply::Set(vec![Reply::Integer(3)]),
            )]),
            Reply::Null,
            Reply::Double(2.5),
            Reply::Boolean(false),
            Reply::Push(vec![Reply::simple("OK")]),
        ]);
        let mut buf = to_bytes(&r, Protocol::Resp3);
        let full = buf.clone();
        assert_eq!(decode(&mut buf).unwrap(), Some(r));
        assert!(buf.is_empty());
        let mut partial = BytesMut::from(&full[..full.len() - 1]);
        assert_eq!(decode(&mut partial).unwrap(), None);
    }
}
