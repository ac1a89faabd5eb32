//! Decodes RESP2/RESP3 replies (the bytes a session writes) back into
//! [`Reply`] values, so the console page can print them with
//! [`Reply::to_string_lossy`] exactly as `redis-cli` would. The core's
//! `resp` module parses *commands*; replies only need decoding here.

use std::borrow::Cow;

use embedis::{Bytes, Error, Reply};

/// One complete reply at the start of `buf` and the bytes it used; `None`
/// while incomplete (or, for bytes a session never writes, malformed).
pub(crate) fn decode(buf: &[u8]) -> Option<(Reply, usize)> {
    let mut pos = 0;
    let r = value(buf, &mut pos)?;
    Some((r, pos))
}

/// The line after the type byte at `*pos`, without CRLF; advances past it.
fn line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let start = *pos + 1;
    let len = buf.get(start..)?.windows(2).position(|w| w == b"\r\n")?;
    *pos = start + len + 2;
    Some(&buf[start..start + len])
}

fn number(l: &[u8]) -> Option<i64> {
    std::str::from_utf8(l).ok()?.parse().ok()
}

fn text(l: &[u8]) -> String {
    String::from_utf8_lossy(l).into_owned()
}

/// `len` bytes plus CRLF at `*pos`.
fn blob(buf: &[u8], pos: &mut usize, len: usize) -> Option<Bytes> {
    let data = buf.get(*pos..*pos + len)?;
    if buf.get(*pos + len..*pos + len + 2)? != b"\r\n" {
        return None;
    }
    *pos += len + 2;
    Some(Bytes::copy_from_slice(data))
}

fn items(buf: &[u8], pos: &mut usize, n: usize) -> Option<Vec<Reply>> {
    (0..n).map(|_| value(buf, pos)).collect()
}

fn value(buf: &[u8], pos: &mut usize) -> Option<Reply> {
    let kind = *buf.get(*pos)?;
    let l = line(buf, pos)?;
    Some(match kind {
        b'+' => Reply::Simple(Cow::Owned(text(l))),
        b'-' => Reply::Error(Error::Reply(text(l))),
        b':' => Reply::Integer(number(l)?),
        b'(' => Reply::BigNumber(text(l)),
        b'_' => Reply::Null,
        b'#' => Reply::Boolean(l == b"t"),
        b',' => Reply::Double(match l {
            b"inf" => f64::INFINITY,
            b"-inf" => f64::NEG_INFINITY,
            _ => std::str::from_utf8(l).ok()?.parse().ok()?,
        }),
        b'$' => match number(l)? {
            -1 => Reply::Null,
            n => Reply::Bulk(blob(buf, pos, usize::try_from(n).ok()?)?),
        },
        b'=' => {
            let b = blob(buf, pos, usize::try_from(number(l)?).ok()?)?;
            let format = if b.starts_with(b"mkd:") { "mkd" } else { "txt" };
            Reply::Verbatim {
                format,
                text: b.slice(4.min(b.len())..),
            }
        }
        b'*' => match number(l)? {
            -1 => Reply::NullArray,
            n => Reply::Array(items(buf, pos, usize::try_from(n).ok()?)?),
        },
        b'~' => Reply::Set(items(buf, pos, usize::try_from(number(l)?).ok()?)?),
        b'>' => Reply::Push(items(buf, pos, usize::try_from(number(l)?).ok()?)?),
        b'%' => {
            let n = usize::try_from(number(l)?).ok()?;
            let flat = items(buf, pos, 2 * n)?;
            let mut it = flat.into_iter();
            let mut pairs = Vec::with_capacity(n);
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            Reply::Map(pairs)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::decode;
    use embedis::{Protocol, Reply};

    fn round_trip(r: Reply, p: Protocol) -> Reply {
        let mut out = bytes::BytesMut::new();
        embedis::resp::encode(&r, p, &mut out);
        let (back, used) = decode(&out).unwrap();
        assert_eq!(used, out.len());
        back
    }

    #[test]
    fn decodes_what_the_core_encodes() {
        let nested = Reply::Array(vec![
            Reply::bulk("a"),
            Reply::Integer(-3),
            Reply::Null,
            Reply::Array(vec![Reply::simple("OK")]),
        ]);
        assert_eq!(round_trip(nested.clone(), Protocol::Resp2), nested);
        let map = Reply::Map(vec![(Reply::bulk("f"), Reply::Double(1.5))]);
        assert_eq!(round_trip(map.clone(), Protocol::Resp3), map);
        assert_eq!(
            round_trip(Reply::NullArray, Protocol::Resp2),
            Reply::NullArray
        );
        assert_eq!(
            round_trip(Reply::Boolean(true), Protocol::Resp3),
            Reply::Boolean(true)
        );
    }

    #[test]
    fn waits_for_complete_replies() {
        assert!(decode(b"$5\r\nhel").is_none());
        assert!(decode(b"*2\r\n:1\r\n").is_none());
        assert!(decode(b"+O").is_none());
        assert_eq!(decode(b":7\r\n+x").unwrap(), (Reply::Integer(7), 4));
    }
}
