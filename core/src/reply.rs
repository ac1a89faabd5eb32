//! [`Reply`]: every reply shape of RESP3, which is a superset of RESP2.

use std::borrow::Cow;

use bytes::Bytes;

use crate::Error;

/// A command's reply, in RESP3's shapes. Front doors downgrade to RESP2 the
/// way Redis does: map → flat array, set → array, double → bulk string,
/// boolean → integer, and [`Reply::Null`] / [`Reply::NullArray`] → `$-1` / `*-1`.
///
/// Equality compares what a client receives: a [`Reply::BulkArray`],
/// [`Reply::BulkSet`] or [`Reply::BulkMap`] equals the [`Reply::Array`],
/// [`Reply::Set`] or [`Reply::Map`] of [`Reply::Bulk`]s with the same strings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Reply {
    /// Simple string, `+OK`.
    Simple(Cow<'static, str>),
    /// Error reply, `-ERR ...`.
    Error(Error),
    /// Signed 64-bit integer, `:1`.
    Integer(i64),
    /// Bulk string, `$3\r\nfoo`.
    Bulk(Bytes),
    /// A missing value: RESP2 `$-1`, RESP3 `_`.
    Null,
    /// A missing aggregate (timed-out BLPOP, aborted EXEC): RESP2 `*-1`, RESP3 `_`.
    NullArray,
    /// Array, `*N`.
    Array(Vec<Reply>),
    /// An array of bulk strings packed in one buffer (LRANGE, HKEYS, HVALS,
    /// ZRANGE without scores): on the wire the same `*N` of `$len` strings
    /// as an [`Reply::Array`] of [`Reply::Bulk`]. Only front doors that
    /// encode replies see it: [`Store::execute`](crate::Store::execute),
    /// [`Store::dispatch`](crate::Store::dispatch), transactions and
    /// [`Cx::execute`](crate::Cx::execute) return the `Array`
    /// ([`Reply::unpack`]).
    BulkArray(BulkArray),
    /// A set of bulk strings packed in one buffer (SMEMBERS): on the wire the
    /// same as a [`Reply::Set`] of [`Reply::Bulk`]s (RESP3 `~N`, RESP2 `*N`).
    /// Handed out as that `Set`, as [`Reply::BulkArray`] is as an `Array`.
    BulkSet(BulkArray),
    /// A map whose keys and values are the packed strings in turn (HGETALL):
    /// on the wire the same as a [`Reply::Map`] of [`Reply::Bulk`] pairs
    /// (RESP3 `%N`, RESP2 a flat `*2N`). Handed out as that `Map`, as
    /// [`Reply::BulkArray`] is as an `Array`.
    BulkMap(BulkArray),
    /// Map in insertion order, `%N` (RESP2: flat array of 2N).
    Map(Vec<(Reply, Reply)>),
    /// Set, `~N` (RESP2: array).
    Set(Vec<Reply>),
    /// Double, `,1.5` (RESP2: bulk string, Redis 7.0's `%.17g`).
    Double(f64),
    /// Boolean, `#t` (RESP2: integer 1/0).
    Boolean(bool),
    /// Verbatim string, `=N\r\ntxt:...` (RESP2: bulk string of the text).
    Verbatim {
        /// Three-letter format, `txt` or `mkd`.
        format: &'static str,
        /// The text.
        text: Bytes,
    },
    /// Big number, `(123...` (RESP2: bulk string).
    BigNumber(String),
    /// Out-of-band push, `>N` (pub/sub messages in RESP3; RESP2: array).
    Push(Vec<Reply>),
}

impl Reply {
    /// `+OK`.
    pub const OK: Reply = Reply::Simple(Cow::Borrowed("OK"));
    /// `+QUEUED`.
    pub const QUEUED: Reply = Reply::Simple(Cow::Borrowed("QUEUED"));
    /// `*0`.
    pub const EMPTY_ARRAY: Reply = Reply::Array(Vec::new());

    /// A simple string reply from a static string.
    pub const fn simple(s: &'static str) -> Reply {
        Reply::Simple(Cow::Borrowed(s))
    }

    /// A bulk string reply.
    pub fn bulk(b: impl Into<Bytes>) -> Reply {
        Reply::Bulk(b.into())
    }

    /// A bulk string reply copied from a byte slice.
    pub fn bulk_from(b: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(Bytes::copy_from_slice(b.as_ref()))
    }

    /// An array of bulk strings.
    pub fn bulks<I>(items: I) -> Reply
    where
        I: IntoIterator,
        I::Item: Into<Bytes>,
    {
        Reply::Array(items.into_iter().map(|b| Reply::Bulk(b.into())).collect())
    }

    /// A bulk string, or [`Reply::Null`] for `None`.
    pub fn bulk_or_null(b: Option<impl Into<Bytes>>) -> Reply {
        match b {
            Some(b) => Reply::Bulk(b.into()),
            None => Reply::Null,
        }
    }

    /// Integer reply from a count.
    pub fn count(n: usize) -> Reply {
        Reply::Integer(n as i64)
    }

    /// True for [`Reply::Error`].
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// The bytes of a bulk, simple or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(b) => Some(b),
            Reply::Simple(s) => Some(s.as_bytes()),
            Reply::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }
}

impl PartialEq for Reply {
    fn eq(&self, other: &Reply) -> bool {
        use Reply::*;
        match (self, other) {
            (Simple(a), Simple(b)) => a == b,
            (Error(a), Error(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (Bulk(a), Bulk(b)) => a == b,
            (Null, Null) | (NullArray, NullArray) => true,
            (Array(a), Array(b)) | (Set(a), Set(b)) | (Push(a), Push(b)) => a == b,
            (BulkArray(a), BulkArray(b)) | (BulkSet(a), BulkSet(b)) => a == b,
            (BulkArray(packed), Array(items))
            | (Array(items), BulkArray(packed))
            | (BulkSet(packed), Set(items))
            | (Set(items), BulkSet(packed)) => {
                packed.len() == items.len()
                    && packed
                        .iter()
                        .zip(items)
                        .all(|(s, item)| matches!(item, Bulk(b) if b[..] == *s))
            }
            (Map(a), Map(b)) => a == b,
            (BulkMap(a), BulkMap(b)) => a == b,
            (BulkMap(packed), Map(pairs)) | (Map(pairs), BulkMap(packed)) => {
                let bulk = |r: &Reply, s: &[u8]| matches!(r, Bulk(b) if b[..] == *s);
                packed.len() == 2 * pairs.len()
                    && packed
                        .iter()
                        .step_by(2)
                        .zip(packed.iter().skip(1).step_by(2))
                        .zip(pairs)
                        .all(|((f, v), (k, w))| bulk(k, f) && bulk(w, v))
            }
            (Double(a), Double(b)) => a == b,
            (Boolean(a), Boolean(b)) => a == b,
            (
                Verbatim { format, text },
                Verbatim {
                    format: format_b,
                    text: text_b,
                },
            ) => format == format_b && text == text_b,
            (BigNumber(a), BigNumber(b)) => a == b,
            _ => false,
        }
    }
}

impl Reply {
    /// The reply with every [`Reply::BulkArray`], [`Reply::BulkSet`] and
    /// [`Reply::BulkMap`] in it (at any depth, as in an EXEC reply) turned
    /// into the [`Reply::Array`], [`Reply::Set`] or [`Reply::Map`] of
    /// [`Reply::Bulk`]s it stands for: what the embedding API hands out, so
    /// that a program can match on those whatever command produced them.
    pub fn unpack(self) -> Reply {
        match self {
            Reply::BulkArray(a) => {
                Reply::Array(a.into_bytes().into_iter().map(Reply::Bulk).collect())
            }
            Reply::BulkSet(a) => Reply::Set(a.into_bytes().into_iter().map(Reply::Bulk).collect()),
            Reply::BulkMap(a) => Reply::Map(
                a.into_pairs()
                    .into_iter()
                    .map(|(k, v)| (Reply::Bulk(k), Reply::Bulk(v)))
                    .collect(),
            ),
            Reply::Array(items) => Reply::Array(items.into_iter().map(Reply::unpack).collect()),
            Reply::Set(items) => Reply::Set(items.into_iter().map(Reply::unpack).collect()),
            Reply::Push(items) => Reply::Push(items.into_iter().map(Reply::unpack).collect()),
            Reply::Map(pairs) => Reply::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.unpack(), v.unpack()))
                    .collect(),
            ),
            other => other,
        }
    }
}

/// Strings packed end to end in one buffer, with where each ends: the
/// payload of [`Reply::BulkArray`], [`Reply::BulkSet`] and [`Reply::BulkMap`]. Building one costs two growing `Vec`s
/// however many strings it holds, and dropping it two frees, where an array
/// of [`Bytes`] slices takes a reference-count update per string each way.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BulkArray {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl BulkArray {
    /// Packs `items` in order, sized in one pass over a clone of the iterator.
    pub fn from_strings<I>(items: I) -> BulkArray
    where
        I: IntoIterator,
        I::IntoIter: Clone,
        I::Item: AsRef<[u8]>,
    {
        let items = items.into_iter();
        let (mut count, mut bytes) = (0, 0);
        for s in items.clone() {
            count += 1;
            bytes += s.as_ref().len();
        }
        let mut out = BulkArray {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(count),
        };
        for s in items {
            out.push(s.as_ref());
        }
        out
    }

    /// Appends a string.
    pub fn push(&mut self, s: &[u8]) {
        self.data.extend_from_slice(s);
        self.ends.push(self.data.len());
    }

    /// How many strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when it holds no string.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The strings, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + Clone + '_ {
        self.ends.iter().enumerate().map(|(i, &end)| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.data[start..end]
        })
    }

    /// The strings taken two at a time (a [`Reply::BulkMap`]'s keys and
    /// values), as [`BulkArray::into_bytes`] gives them; an odd last string
    /// is left out.
    pub fn into_pairs(self) -> Vec<(Bytes, Bytes)> {
        let mut all = self.into_bytes().into_iter();
        let mut pairs = Vec::with_capacity(all.len() / 2);
        while let (Some(k), Some(v)) = (all.next(), all.next()) {
            pairs.push((k, v));
        }
        pairs
    }

    /// The strings as [`Bytes`] slices of one shared buffer (what the typed
    /// API returns).
    pub fn into_bytes(self) -> Vec<Bytes> {
        let data = Bytes::from(self.data);
        let mut start = 0;
        self.ends
            .into_iter()
            .map(|end| {
                let s = data.slice(start..end);
                start = end;
                s
            })
            .collect()
    }
}

impl std::fmt::Debug for BulkArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|s| s.escape_ascii().to_string()))
            .finish()
    }
}

impl From<Error> for Reply {
    fn from(e: Error) -> Self {
        Reply::Error(e)
    }
}

impl From<crate::Result<Reply>> for Reply {
    fn from(r: crate::Result<Reply>) -> Self {
        r.unwrap_or_else(Reply::Error)
    }
}

/// Formats a double the way Redis 7.0 replies with one (`ZSCORE`, RESP3
/// doubles): C's `%.17g`, so `1.1` prints as `1.1000000000000001`, and
/// infinities as `inf` / `-inf`.
pub fn format_double(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // 17 significant digits: one before the point, 16 after, in e-notation.
    let sci = format!("{v:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    if !(-4..17).contains(&exp) {
        let mantissa = strip_fraction_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (16 - exp) as usize;
        strip_fraction_zeros(&format!("{v:.decimals$}")).to_owned()
    }
}

/// Formats a double the way Redis prints the result of `INCRBYFLOAT` /
/// `HINCRBYFLOAT`: `%.17Lf` of the `long double` value, trailing zeros
/// removed, never in exponent notation (`1e20` prints as
/// `100000000000000000000`, `1.5e-5` as `0.000015`).
///
/// Redis computes those sums in 80-bit `long double`, so an `f64` sum can
/// differ in the last digits (`0.1 + 0.2` is `0.3` in Redis); this formats
/// `v` as Redis would format the number a client sends as `v`'s shortest
/// text. Commands use the exact `long double` arithmetic instead.
pub fn format_incr_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    crate::ld::LongDouble::parse(v.to_string().as_bytes())
        .map(crate::ld::LongDouble::to_human)
        .unwrap_or_else(|| if v > 0.0 { "inf".into() } else { "-inf".into() })
}

fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

impl Reply {
    /// Renders the reply the way `redis-cli` prints it (`(integer) 1`,
    /// `"foo"`, `(nil)`, `1) "a"` ...): for logs, examples and the console page.
    pub fn to_string_lossy(&self) -> String {
        let mut out = String::new();
        render_cli(self, 0, &mut out);
        out
    }
}

fn quote(b: &[u8]) -> String {
    let mut s = String::from("\"");
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            c if c.is_ascii_graphic() || c == b' ' => s.push(c as char),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push('"');
    s
}

fn render_cli(r: &Reply, indent: usize, out: &mut String) {
    match r {
        Reply::Simple(s) => out.push_str(s),
        Reply::Error(e) => {
            out.push_str("(error) ");
            out.push_str(&e.to_string());
        }
        Reply::Integer(n) => out.push_str(&format!("(integer) {n}")),
        Reply::Bulk(b) => out.push_str(&quote(b)),
        Reply::Verbatim { text, .. } => out.push_str(&String::from_utf8_lossy(text)),
        Reply::Null | Reply::NullArray => out.push_str("(nil)"),
        Reply::Double(d) => out.push_str(&format!("(double) {}", format_double(*d))),
        Reply::Boolean(b) => out.push_str(if *b { "(true)" } else { "(false)" }),
        Reply::BigNumber(n) => out.push_str(&format!("(big number) {n}")),
        Reply::Array(items) | Reply::Set(items) | Reply::Push(items) => {
            render_items(items.iter().map(|i| (i, None)), items.len(), indent, out)
        }
        Reply::BulkArray(_) | Reply::BulkSet(_) | Reply::BulkMap(_) => {
            render_cli(&r.clone().unpack(), indent, out)
        }
        Reply::Map(pairs) => render_items(
            pairs.iter().map(|(k, v)| (v, Some(k))),
            pairs.len(),
            indent,
            out,
        ),
    }
}

fn render_items<'a>(
    items: impl Iterator<Item = (&'a Reply, Option<&'a Reply>)>,
    len: usize,
    indent: usize,
    out: &mut String,
) {
    if len == 0 {
        out.push_str("(empty array)");
        return;
    }
    let width = len.to_string().len();
    for (i, (item, key)) in items.enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        let label = format!("{:>width$}) ", i + 1);
        out.push_str(&label);
        if let Some(k) = key {
            render_cli(k, indent + label.len(), out);
            out.push_str(" => ");
        }
        render_cli(item, indent + label.len(), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_array_holds_its_strings_and_equals_the_array_of_bulks() {
        let strings: [&[u8]; 4] = [b"a", b"", b"\r\n\x00", &[b'x'; 100]];
        let packed = BulkArray::from_strings(strings);
        assert_eq!(packed.len(), 4);
        assert!(packed.iter().eq(strings));
        assert_eq!(
            packed.clone().into_bytes(),
            strings.map(Bytes::copy_from_slice)
        );
        let array = Reply::bulks(strings.map(Bytes::copy_from_slice));
        assert_eq!(Reply::BulkArray(packed.clone()), array);
        assert_eq!(array, Reply::BulkArray(packed.clone()));
        // A different string, a shorter array, or a non-bulk element differ.
        let mut other = BulkArray::from_strings(&strings[..3]);
        assert_ne!(Reply::BulkArray(other.clone()), array);
        other.push(b"y");
        assert_ne!(Reply::BulkArray(other), array);
        assert_ne!(
            Reply::BulkArray(BulkArray::from_strings(["1"])),
            Reply::Array(vec![Reply::Integer(1)])
        );
        assert_ne!(Reply::BulkArray(packed.clone()), Reply::Set(vec![]));
        // As a set.
        let set = Reply::Set(
            strings
                .map(|s| Reply::bulk(Bytes::copy_from_slice(s)))
                .to_vec(),
        );
        assert_eq!(Reply::BulkSet(packed.clone()), set);
        assert_eq!(set, Reply::BulkSet(packed.clone()));
        assert_ne!(Reply::BulkSet(packed.clone()), array);
        assert_ne!(
            Reply::BulkSet(packed.clone()),
            Reply::BulkArray(packed.clone())
        );
        assert!(matches!(Reply::BulkSet(packed).unpack(), Reply::Set(v) if v.len() == 4));
        assert!(BulkArray::default().is_empty());
        // As a map: keys and values in turn.
        let kv = BulkArray::from_strings(["f", "1", "g", "2"]);
        let map = Reply::Map(vec![
            (Reply::bulk("f"), Reply::bulk("1")),
            (Reply::bulk("g"), Reply::bulk("2")),
        ]);
        assert_eq!(Reply::BulkMap(kv.clone()), map);
        assert_eq!(map, Reply::BulkMap(kv.clone()));
        assert_ne!(Reply::BulkMap(kv.clone()), Reply::BulkArray(kv.clone()));
        assert_ne!(
            Reply::BulkMap(BulkArray::from_strings(["f", "1", "g", "3"])),
            map
        );
        assert_ne!(Reply::BulkMap(BulkArray::from_strings(["f", "1"])), map);
        assert_eq!(Reply::BulkMap(kv.clone()).unpack(), map);
        assert!(matches!(Reply::BulkMap(kv).unpack(), Reply::Map(_)));
        assert_eq!(Reply::BulkArray(BulkArray::default()), Reply::EMPTY_ARRAY);
    }

    #[test]
    fn unpack_turns_bulk_arrays_into_arrays_at_any_depth() {
        let packed = || Reply::BulkArray(BulkArray::from_strings(["a", "b"]));
        let unpacked = Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b")]);
        let nested = Reply::Array(vec![
            Reply::Integer(1),
            packed(),
            Reply::Map(vec![(Reply::bulk("k"), packed())]),
            Reply::Set(vec![packed()]),
        ]);
        let Reply::Array(items) = nested.unpack() else {
            panic!("not an array");
        };
        assert_eq!(items[0], Reply::Integer(1));
        assert!(
            matches!(&items[1], Reply::Array(v) if v.len() == 2),
            "{:?}",
            items[1]
        );
        assert_eq!(items[1], unpacked);
        let Reply::Map(pairs) = &items[2] else {
            panic!("not a map");
        };
        assert!(matches!(&pairs[0].1, Reply::Array(_)));
        assert!(matches!(&items[3], Reply::Set(v) if matches!(v[0], Reply::Array(_))));
        assert_eq!(packed().to_string_lossy(), unpacked.to_string_lossy());
        assert_eq!(
            format!("{:?}", BulkArray::from_strings(["a\n"])),
            r#"["a\\n"]"#
        );
    }

    #[test]
    fn format_double_matches_c_percent_17g() {
        for (v, want) in [
            (1.1, "1.1000000000000001"),
            (10.0, "10"),
            (0.1, "0.10000000000000001"),
            (1.5, "1.5"),
            (-2.0, "-2"),
            (1e17, "1e+17"),
            (1e16, "10000000000000000"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (0.0, "0"),
            (123456789.123, "123456789.123"),
        ] {
            assert_eq!(format_double(v), want, "{v}");
        }
    }

    #[test]
    fn format_incr_float_is_shortest_round_trip() {
        for (v, want) in [
            (10.1, "10.1"),
            (3.0, "3"),
            (-0.5, "-0.5"),
            (5.0e3, "5000"),
            (1e20, "100000000000000000000"),
            (1.5e-5, "0.000015"),
            (1e-20, "0"),
            (-0.0, "0"),
        ] {
            assert_eq!(format_incr_float(v), want, "{v}");
        }
    }
}
