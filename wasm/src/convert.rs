//! Moving values across the JS boundary: JS arguments → command words, and
//! [`Reply`] → JS values. This is the only place that decides how a Redis
//! shape looks in JavaScript; no command logic lives here.

use embedis::{Bytes, Error, Reply};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// How bulk strings come back: JS strings (UTF-8, lossy) or `Uint8Array`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `string` (invalid UTF-8 becomes U+FFFD).
    Text,
    /// `Uint8Array`, byte for byte.
    Bytes,
}

/// A JS exception: `Error` with `message` = the Redis line and `code` = its
/// first word (`WRONGTYPE`, `ERR`, ...), as the README promises.
pub(crate) fn error_value(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let _ = Reflect::set(&err, &"code".into(), &JsValue::from_str(&e.code()));
    err.into()
}

/// A `TypeError` for arguments JS code got wrong (not a Redis error).
pub(crate) fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

/// The reply, or its error thrown as a JS `Error`.
pub(crate) fn check(r: Reply) -> Result<Reply, JsValue> {
    match r {
        Reply::Error(e) => Err(error_value(&e)),
        r => Ok(r),
    }
}

// ---- arguments -----------------------------------------------------------

/// One command word from a JS value: a string (UTF-8), a `Uint8Array`
/// (as is), a number (decimal text; `±Infinity` as `+inf`/`-inf`) or a bigint.
pub(crate) fn word(v: &JsValue) -> Result<Bytes, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(Bytes::from(s));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Bytes::from(number(n)));
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(Bytes::from(a.to_vec()));
    }
    if v.is_bigint() {
        let s: String = js_sys::BigInt::unchecked_from_js_ref(v)
            .to_string(10)
            .map_err(JsValue::from)?
            .into();
        return Ok(Bytes::from(s));
    }
    Err(type_error(
        "embedis: an argument must be a string, a Uint8Array, a number or a bigint",
    ))
}

/// Decimal text of a JS number as Redis parses it: integers without a
/// fraction, infinities as `+inf` / `-inf`.
pub(crate) fn number(n: f64) -> String {
    if n.is_infinite() {
        return if n > 0.0 {
            "+inf".into()
        } else {
            "-inf".into()
        };
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return format!("{}", n as i64);
    }
    format!("{n}")
}

/// Words from a value that is one word or an array of words.
pub(crate) fn words(v: &JsValue) -> Result<Vec<Bytes>, JsValue> {
    if Array::is_array(v) {
        Array::unchecked_from_js_ref(v)
            .iter()
            .map(|x| word(&x))
            .collect()
    } else {
        Ok(vec![word(v)?])
    }
}

/// `[a, b]` pairs from a `Record`, a `Map` or an array of pairs, in order.
pub(crate) fn pairs(v: &JsValue) -> Result<Vec<(JsValue, JsValue)>, JsValue> {
    let entries: Array = if Array::is_array(v) {
        v.clone().unchecked_into()
    } else if let Some(m) = v.dyn_ref::<js_sys::Map>() {
        Array::from(&m.entries().into())
    } else if v.is_object() {
        Object::entries(v.unchecked_ref())
    } else {
        return Err(type_error(
            "embedis: expected an object, a Map or an array of pairs",
        ));
    };
    entries
        .iter()
        .map(|e| {
            if !Array::is_array(&e) {
                return Err(type_error("embedis: expected [a, b] pairs"));
            }
            let e: Array = e.unchecked_into();
            Ok((e.get(0), e.get(1)))
        })
        .collect()
}

/// Command words under construction.
pub(crate) struct Argv(pub(crate) Vec<Bytes>);

impl Argv {
    /// Starts a command named `name`.
    pub(crate) fn new(name: &'static str) -> Argv {
        let mut v = Vec::with_capacity(4);
        v.push(Bytes::from_static(name.as_bytes()));
        Argv(v)
    }
    /// Appends a fixed word (keyword).
    pub(crate) fn kw(mut self, w: &'static str) -> Argv {
        self.0.push(Bytes::from_static(w.as_bytes()));
        self
    }
    /// Appends a JS value as one word.
    pub(crate) fn arg(mut self, v: &JsValue) -> Result<Argv, JsValue> {
        self.0.push(word(v)?);
        Ok(self)
    }
    /// Appends one word or each word of an array.
    pub(crate) fn args(mut self, v: &JsValue) -> Result<Argv, JsValue> {
        self.0.extend(words(v)?);
        Ok(self)
    }
    /// Appends a number as Redis text.
    pub(crate) fn num(mut self, n: f64) -> Argv {
        self.0.push(Bytes::from(number(n)));
        self
    }
    /// Appends the count of words `v` holds, then the words (`numkeys k1 k2`).
    pub(crate) fn counted(mut self, v: &JsValue) -> Result<Argv, JsValue> {
        let w = words(v)?;
        self.0.push(Bytes::from(w.len().to_string()));
        self.0.extend(w);
        Ok(self)
    }
    /// Appends a list end (`left`/`right`, any case) as `LEFT`/`RIGHT`.
    pub(crate) fn end(self, v: &JsValue) -> Result<Argv, JsValue> {
        self.upper(v)
    }
    /// Appends a JS string in upper case (enums such as `min`/`max`).
    pub(crate) fn upper(mut self, v: &JsValue) -> Result<Argv, JsValue> {
        let s = v
            .as_string()
            .ok_or_else(|| type_error("embedis: expected a string"))?;
        self.0.push(Bytes::from(s.to_ascii_uppercase()));
        Ok(self)
    }
}

/// Reads an options object (`{ ex: 10, nx: true }`); `undefined` and `null`
/// read as no options.
pub(crate) struct Opts(Option<JsValue>);

impl Opts {
    pub(crate) fn new(v: &JsValue) -> Result<Opts, JsValue> {
        if v.is_undefined() || v.is_null() {
            Ok(Opts(None))
        } else if v.is_object() {
            Ok(Opts(Some(v.clone())))
        } else {
            Err(type_error("embedis: options must be an object"))
        }
    }
    /// Reads optional options given as an extern-typed value.
    pub(crate) fn of<T: Into<JsValue>>(v: Option<T>) -> Result<Opts, JsValue> {
        match v {
            None => Ok(Opts(None)),
            Some(v) => Opts::new(&v.into()),
        }
    }
    /// The field, unless missing, `undefined` or `null`.
    pub(crate) fn get(&self, name: &str) -> Option<JsValue> {
        let o = self.0.as_ref()?;
        let v = Reflect::get(o, &JsValue::from_str(name)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    }
    /// True when the field is truthy.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.is_truthy())
    }
}

// ---- replies -------------------------------------------------------------

/// A JS string from bytes (lossy UTF-8).
pub(crate) fn text(b: &[u8]) -> JsValue {
    match std::str::from_utf8(b) {
        Ok(s) => JsValue::from_str(s),
        Err(_) => JsValue::from_str(&String::from_utf8_lossy(b)),
    }
}

/// A bulk string in `mode`.
pub(crate) fn bulk(b: &[u8], mode: Mode) -> JsValue {
    match mode {
        Mode::Text => text(b),
        Mode::Bytes => Uint8Array::from(b).into(),
    }
}

/// Any reply as a RESP2 client sees it (what `command()` returns): integers
/// as numbers, bulk strings per `mode`, nils as `null`, maps as flat arrays,
/// doubles as their Redis text, booleans as 1/0, nested errors as `Error`
/// objects (e.g. inside `multi()` results).
pub(crate) fn generic(r: Reply, mode: Mode) -> JsValue {
    match r {
        Reply::Simple(s) => JsValue::from_str(&s),
        Reply::Error(e) => error_value(&e),
        Reply::Integer(n) => JsValue::from_f64(n as f64),
        Reply::Bulk(b) => bulk(&b, mode),
        Reply::Null | Reply::NullArray => JsValue::NULL,
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v
            .into_iter()
            .map(|x| generic(x, mode))
            .collect::<Array>()
            .into(),
        Reply::Map(kv) => {
            let out = Array::new();
            for (k, v) in kv {
                out.push(&generic(k, mode));
                out.push(&generic(v, mode));
            }
            out.into()
        }
        Reply::Double(d) => JsValue::from_str(&embedis::format_double(d)),
        Reply::Boolean(b) => JsValue::from_f64(if b { 1.0 } else { 0.0 }),
        Reply::Verbatim { text, .. } => bulk(&text, mode),
        Reply::BigNumber(n) => JsValue::from_str(&n),
        _ => JsValue::NULL,
    }
}

fn unexpected(r: &Reply) -> JsValue {
    type_error(&format!("embedis: unexpected reply {r:?}"))
}

/// A bulk or simple string, or `null`.
pub(crate) fn nullable(r: Reply, mode: Mode) -> Result<JsValue, JsValue> {
    match check(r)? {
        Reply::Null | Reply::NullArray => Ok(JsValue::NULL),
        Reply::Bulk(b) => Ok(bulk(&b, mode)),
        Reply::Simple(s) => Ok(JsValue::from_str(&s)),
        Reply::Verbatim { text, .. } => Ok(bulk(&text, mode)),
        Reply::Double(d) => Ok(JsValue::from_str(&embedis::format_double(d))),
        r => Err(unexpected(&r)),
    }
}

/// An integer reply as a JS number (exact up to 2^53).
pub(crate) fn integer(r: Reply) -> Result<f64, JsValue> {
    match check(r)? {
        Reply::Integer(n) => Ok(n as f64),
        Reply::Boolean(b) => Ok(if b { 1.0 } else { 0.0 }),
        r => Err(unexpected(&r)),
    }
}

/// An integer or `null` (ZRANK of a missing member).
pub(crate) fn nullable_integer(r: Reply) -> Result<JsValue, JsValue> {
    match check(r)? {
        Reply::Null | Reply::NullArray => Ok(JsValue::NULL),
        r => Ok(JsValue::from_f64(integer(r)?)),
    }
}

/// A 1/0 integer reply as a boolean.
pub(crate) fn boolean(r: Reply) -> Result<bool, JsValue> {
    Ok(integer(r)? != 0.0)
}

/// A status reply (`OK`) as a string.
pub(crate) fn status(r: Reply) -> Result<String, JsValue> {
    match check(r)? {
        Reply::Simple(s) => Ok(s.into_owned()),
        Reply::Bulk(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        r => Err(unexpected(&r)),
    }
}

/// A score (bulk `"1.5"`, `"inf"`, or a RESP3 double) as a JS number, or `null`.
pub(crate) fn float(r: Reply) -> Result<JsValue, JsValue> {
    match check(r)? {
        Reply::Null | Reply::NullArray => Ok(JsValue::NULL),
        r => Ok(JsValue::from_f64(score(&r)?)),
    }
}

/// The number inside a score-like reply.
pub(crate) fn score(r: &Reply) -> Result<f64, JsValue> {
    match r {
        Reply::Double(d) => Ok(*d),
        Reply::Integer(n) => Ok(*n as f64),
        Reply::Bulk(b) => embedis::command::parse_f64(b)
            .or_else(|| (&b[..] == b"nan").then_some(f64::NAN))
            .ok_or_else(|| unexpected(r)),
        Reply::Error(e) => Err(error_value(e)),
        r => Err(unexpected(r)),
    }
}

/// The items of an array-like reply (`Array`, `Set`, `Push`), or `None` for a nil.
pub(crate) fn items(r: Reply) -> Result<Option<Vec<Reply>>, JsValue> {
    match check(r)? {
        Reply::Null | Reply::NullArray => Ok(None),
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => Ok(Some(v)),
        Reply::Map(kv) => Ok(Some(kv.into_iter().flat_map(|(k, v)| [k, v]).collect())),
        r => Err(unexpected(&r)),
    }
}

/// An array of strings (nil members as `null`); a nil array as `null`.
pub(crate) fn list(r: Reply, mode: Mode) -> Result<JsValue, JsValue> {
    match items(r)? {
        None => Ok(JsValue::NULL),
        Some(v) => Ok(v
            .into_iter()
            .map(|x| nullable(x, mode))
            .collect::<Result<Array, _>>()?
            .into()),
    }
}

/// Like [`list`] for replies that are never nil (`[]` for empty).
pub(crate) fn list_or_empty(r: Reply, mode: Mode) -> Result<JsValue, JsValue> {
    let v = list(r, mode)?;
    Ok(if v.is_null() { Array::new().into() } else { v })
}

/// An array of integers, 1/0 read as booleans when `bools`.
pub(crate) fn numbers(r: Reply, bools: bool) -> Result<JsValue, JsValue> {
    let v = items(r)?.unwrap_or_default();
    v.into_iter()
        .map(|x| {
            let n = integer(x)?;
            Ok(if bools {
                JsValue::from_bool(n != 0.0)
            } else {
                JsValue::from_f64(n)
            })
        })
        .collect::<Result<Array, JsValue>>()
        .map(Into::into)
}

/// A list of scores (ZMSCORE), nil members as `null`.
pub(crate) fn floats(r: Reply) -> Result<JsValue, JsValue> {
    let v = items(r)?.unwrap_or_default();
    v.into_iter()
        .map(float)
        .collect::<Result<Array, JsValue>>()
        .map(Into::into)
}

/// Alternating `[k, v, k, v]` (or a RESP3 map, or `[[k, v], ...]` pairs)
/// flattened into `(k, v)` replies.
fn alternating(v: Vec<Reply>) -> Result<Vec<(Reply, Reply)>, JsValue> {
    if v.iter()
        .all(|x| matches!(x, Reply::Array(p) if p.len() == 2))
        && !v.is_empty()
    {
        return Ok(v
            .into_iter()
            .map(|x| match x {
                Reply::Array(mut p) => {
                    let b = p.pop().unwrap_or(Reply::Null);
                    let a = p.pop().unwrap_or(Reply::Null);
                    (a, b)
                }
                _ => unreachable!(),
            })
            .collect());
    }
    if v.len() % 2 != 0 {
        return Err(type_error("embedis: odd-length field/value reply"));
    }
    let mut out = Vec::with_capacity(v.len() / 2);
    let mut it = v.into_iter();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        out.push((a, b));
    }
    Ok(out)
}

/// Field/value pairs (HGETALL, CONFIG GET, PUBSUB NUMSUB) as a plain object
/// (`Object.fromEntries`, so a field named `__proto__` is an ordinary key).
pub(crate) fn object(r: Reply, mode: Mode, numeric: bool) -> Result<JsValue, JsValue> {
    let kv = match check(r)? {
        Reply::Map(kv) => kv,
        r => alternating(items(r)?.unwrap_or_default())?,
    };
    let entries = Array::new();
    for (k, v) in kv {
        let key = nullable(k, Mode::Text)?;
        let val = if numeric {
            JsValue::from_f64(integer(v)?)
        } else {
            nullable(v, mode)?
        };
        entries.push(&Array::of2(&key, &val));
    }
    Ok(Object::from_entries(&entries)?.into())
}

/// Member/score pairs (`WITHSCORES`, ZPOPMIN, ...) as `[member, score][]`.
pub(crate) fn scored(r: Reply) -> Result<JsValue, JsValue> {
    let v = items(r)?.unwrap_or_default();
    let out = Array::new();
    for (m, s) in alternating(v)? {
        out.push(&Array::of2(&nullable(m, Mode::Text)?, &score(&s)?.into()));
    }
    Ok(out.into())
}

/// Field/value pairs as `[field, value][]` (HRANDFIELD WITHVALUES, HSCAN).
pub(crate) fn string_pairs(v: Vec<Reply>, mode: Mode) -> Result<JsValue, JsValue> {
    let out = Array::new();
    for (a, b) in alternating(v)? {
        out.push(&Array::of2(&nullable(a, Mode::Text)?, &nullable(b, mode)?));
    }
    Ok(out.into())
}

/// A `[cursor, items]` SCAN reply; `each` converts the items.
pub(crate) fn scan(
    r: Reply,
    each: impl FnOnce(Vec<Reply>) -> Result<JsValue, JsValue>,
) -> Result<JsValue, JsValue> {
    let mut v = items(r)?.unwrap_or_default();
    if v.len() != 2 {
        return Err(type_error("embedis: malformed SCAN reply"));
    }
    let page = items(v.pop().unwrap())?.unwrap_or_default();
    let cursor = nullable(v.pop().unwrap(), Mode::Text)?;
    Ok(Array::of2(&cursor, &each(page)?).into())
}
