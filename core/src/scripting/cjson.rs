//! `cjson`: Lua CJSON 2.1.0 as bundled with Redis 7.0, byte for byte:
//! numbers printed with `%.14g`, `/` escaped as `\/`, an empty table encoded
//! as `{}`, a table with only positive integer keys as an array (holes as
//! `null`, "excessively sparse" arrays refused), `null` decoded to the
//! `cjson.null` light userdata, errors worded as CJSON words them.
//!
//! Errors are raised as `luaL_error` raises them: a string that starts with
//! the calling script line.

use std::sync::Arc;

use mlua::{LightUserData, Lua, MultiValue, Table, Value};
use parking_lot::Mutex;

use super::api::lib_error;
use super::bit::type_name;

/// CJSON's per-instance settings (`cjson.encode_sparse_array(...)`, ...).
#[derive(Debug, Clone)]
struct Config {
    sparse_convert: bool,
    sparse_ratio: i64,
    sparse_safe: i64,
    encode_max_depth: i64,
    decode_max_depth: i64,
    /// 0 refuse, 1 allow (printed as `%.14g` does: `inf`, `nan`), 2 `null`.
    encode_invalid_numbers: u8,
    decode_invalid_numbers: bool,
    encode_keep_buffer: bool,
    precision: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: 0,
            decode_invalid_numbers: true,
            encode_keep_buffer: true,
            precision: 14,
        }
    }
}

type Shared = Arc<Mutex<Config>>;

fn fail(lua: &Lua, msg: impl std::fmt::Display) -> mlua::Result<MultiValue> {
    Err(lib_error(lua, msg))
}

fn ok(values: Vec<Value>) -> mlua::Result<MultiValue> {
    Ok(MultiValue::from_vec(values))
}

/// The `cjson` table; `cjson.new()` makes another with its own settings.
pub(crate) fn library(lua: &Lua) -> mlua::Result<Table> {
    let cfg: Shared = Arc::new(Mutex::new(Config::default()));
    let t = lua.create_table()?;

    let c = cfg.clone();
    t.raw_set(
        "encode",
        lua.create_function(move |lua, args: MultiValue| {
            if args.len() != 1 {
                return fail(lua, "bad argument #1 to 'encode' (expected 1 argument)");
            }
            let cfg = c.lock().clone();
            let mut out = Vec::new();
            match encode_value(&cfg, &args[0], 0, &mut out) {
                Ok(()) => ok(vec![Value::String(lua.create_string(&out)?)]),
                Err(msg) => fail(lua, msg),
            }
        })?,
    )?;

    let c = cfg.clone();
    t.raw_set(
        "decode",
        lua.create_function(move |lua, args: MultiValue| {
            if args.len() != 1 {
                return fail(lua, "bad argument #1 to 'decode' (expected 1 argument)");
            }
            let text: Vec<u8> = match &args[0] {
                Value::String(s) => s.as_bytes().to_vec(),
                Value::Integer(i) => i.to_string().into_bytes(),
                Value::Number(n) => format_g(*n, 14).into_bytes(),
                other => {
                    return fail(
                        lua,
                        format!(
                            "bad argument #1 to 'decode' (string expected, got {})",
                            type_name(Some(other))
                        ),
                    );
                }
            };
            if text.len() >= 2 && (text[0] == 0 || text[1] == 0) {
                return fail(lua, "JSON parser does not support UTF-16 or UTF-32");
            }
            let cfg = c.lock().clone();
            let mut p = Parser {
                lua,
                cfg: &cfg,
                data: &text,
                pos: 0,
                depth: 0,
            };
            match p.decode() {
                Ok(v) => ok(vec![v]),
                Err(msg) => fail(lua, msg),
            }
        })?,
    )?;

    // ---- configuration functions (CJSON 2.1.0's json_cfg_*) ----
    let c = cfg.clone();
    t.raw_set(
        "encode_sparse_array",
        lua.create_function(move |lua, args: MultiValue| {
            let a: Vec<Value> = args.into_iter().collect();
            if a.len() > 3 {
                return fail(
                    lua,
                    "bad argument #4 to 'encode_sparse_array' (found too many arguments)",
                );
            }
            let mut cfg = c.lock();
            if let Err(e) = bool_option(&a, 1, "encode_sparse_array", &mut cfg.sparse_convert)
                .and_then(|()| {
                    int_option(
                        &a,
                        2,
                        "encode_sparse_array",
                        0,
                        i32::MAX as i64,
                        &mut cfg.sparse_ratio,
                    )
                })
                .and_then(|()| {
                    int_option(
                        &a,
                        3,
                        "encode_sparse_array",
                        0,
                        i32::MAX as i64,
                        &mut cfg.sparse_safe,
                    )
                })
            {
                return fail(lua, e);
            }
            ok(vec![
                Value::Boolean(cfg.sparse_convert),
                Value::Integer(cfg.sparse_ratio),
                Value::Integer(cfg.sparse_safe),
            ])
        })?,
    )?;
    for (name, min, max) in [
        ("encode_max_depth", 1, i32::MAX as i64),
        ("decode_max_depth", 1, i32::MAX as i64),
        ("encode_number_precision", 1, 14),
    ] {
        let c = cfg.clone();
        t.raw_set(
            name,
            lua.create_function(move |lua, args: MultiValue| {
                let a: Vec<Value> = args.into_iter().collect();
                if a.len() > 1 {
                    return fail(
                        lua,
                        format!("bad argument #2 to '{name}' (found too many arguments)"),
                    );
                }
                let mut cfg = c.lock();
                let mut current = match name {
                    "encode_max_depth" => cfg.encode_max_depth,
                    "decode_max_depth" => cfg.decode_max_depth,
                    _ => cfg.precision as i64,
                };
                if let Err(e) = int_option(&a, 1, name, min, max, &mut current) {
                    return fail(lua, e);
                }
                match name {
                    "encode_max_depth" => cfg.encode_max_depth = current,
                    "decode_max_depth" => cfg.decode_max_depth = current,
                    _ => cfg.precision = current as usize,
                }
                ok(vec![Value::Integer(current)])
            })?,
        )?;
    }
    let c = cfg.clone();
    t.raw_set(
        "encode_keep_buffer",
        lua.create_function(move |lua, args: MultiValue| {
            let a: Vec<Value> = args.into_iter().collect();
            let mut cfg = c.lock();
            if let Err(e) = bool_option(&a, 1, "encode_keep_buffer", &mut cfg.encode_keep_buffer) {
                return fail(lua, e);
            }
            ok(vec![Value::Boolean(cfg.encode_keep_buffer)])
        })?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "encode_invalid_numbers",
        lua.create_function(move |lua, args: MultiValue| {
            let a: Vec<Value> = args.into_iter().collect();
            let mut cfg = c.lock();
            match a.first() {
                None | Some(Value::Nil) => {}
                Some(Value::Boolean(b)) => cfg.encode_invalid_numbers = *b as u8,
                Some(Value::String(s)) => match &s.as_bytes()[..] {
                    b"off" => cfg.encode_invalid_numbers = 0,
                    b"on" => cfg.encode_invalid_numbers = 1,
                    b"null" => cfg.encode_invalid_numbers = 2,
                    other => {
                        return fail(
                            lua,
                            format!(
                                "bad argument #1 to 'encode_invalid_numbers' (invalid option '{}')",
                                String::from_utf8_lossy(other)
                            ),
                        );
                    }
                },
                Some(other) => {
                    return fail(
                        lua,
                        format!(
                            "bad argument #1 to 'encode_invalid_numbers' (string expected, got {})",
                            type_name(Some(other))
                        ),
                    );
                }
            }
            ok(vec![match cfg.encode_invalid_numbers {
                0 => Value::Boolean(false),
                1 => Value::Boolean(true),
                _ => Value::String(lua.create_string("null")?),
            }])
        })?,
    )?;
    let c = cfg;
    t.raw_set(
        "decode_invalid_numbers",
        lua.create_function(move |lua, args: MultiValue| {
            let a: Vec<Value> = args.into_iter().collect();
            let mut cfg = c.lock();
            if let Err(e) = bool_option(
                &a,
                1,
                "decode_invalid_numbers",
                &mut cfg.decode_invalid_numbers,
            ) {
                return fail(lua, e);
            }
            ok(vec![Value::Boolean(cfg.decode_invalid_numbers)])
        })?,
    )?;
    t.raw_set(
        "new",
        lua.create_function(|lua, _: MultiValue| library(lua))?,
    )?;
    t.raw_set(
        "null",
        Value::LightUserData(LightUserData(std::ptr::null_mut())),
    )?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

/// `json_enum_option` for on/off settings: a boolean or `"on"` / `"off"`.
fn bool_option(a: &[Value], n: usize, name: &str, setting: &mut bool) -> Result<(), String> {
    match a.get(n - 1) {
        None | Some(Value::Nil) => Ok(()),
        Some(Value::Boolean(b)) => {
            *setting = *b;
            Ok(())
        }
        Some(Value::String(s)) => match &s.as_bytes()[..] {
            b"on" => {
                *setting = true;
                Ok(())
            }
            b"off" => {
                *setting = false;
                Ok(())
            }
            other => Err(format!(
                "bad argument #{n} to '{name}' (invalid option '{}')",
                String::from_utf8_lossy(other)
            )),
        },
        Some(other) => Err(format!(
            "bad argument #{n} to '{name}' (string expected, got {})",
            type_name(Some(other))
        )),
    }
}

/// `json_integer_option`.
fn int_option(
    a: &[Value],
    n: usize,
    name: &str,
    min: i64,
    max: i64,
    setting: &mut i64,
) -> Result<(), String> {
    let v = match a.get(n - 1) {
        None | Some(Value::Nil) => return Ok(()),
        Some(Value::Integer(i)) => *i,
        Some(Value::Number(d)) => *d as i64,
        Some(other) => {
            return Err(format!(
                "bad argument #{n} to '{name}' (number expected, got {})",
                type_name(Some(other))
            ));
        }
    };
    if v < min || v > max {
        return Err(format!(
            "bad argument #1 to '{name}' (expected integer between {min} and {max})"
        ));
    }
    *setting = v;
    Ok(())
}

// ---- encoding ---------------------------------------------------------------

/// C's `%.{prec}g`.
pub(crate) fn format_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let prec = prec.max(1);
    let sci = format!("{:.*e}", prec - 1, v);
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if exp < -4 || exp >= prec as i32 {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{v:.decimals$}")).to_owned()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn exception(v: &Value, reason: &str) -> String {
    format!("Cannot serialise {}: {reason}", type_name(Some(v)))
}

fn encode_number(cfg: &Config, v: &Value, d: f64, out: &mut Vec<u8>) -> Result<(), String> {
    if !d.is_finite() {
        match cfg.encode_invalid_numbers {
            0 => return Err(exception(v, "must not be NaN or Inf")),
            // Redis's CJSON prints them with `%.14g`: `inf`, `-inf`, `nan`.
            1 => {}
            _ => {
                out.extend_from_slice(b"null");
                return Ok(());
            }
        }
    }
    out.extend_from_slice(format_g(d, cfg.precision).as_bytes());
    Ok(())
}

fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(d) => Some(*d),
        _ => None,
    }
}

/// CJSON's `lua_array_length`: `Some(max index)` for an array, `None` for
/// an object (or a sparse array converted to one).
fn array_length(cfg: &Config, t: &Table, v: &Value) -> Result<Option<i64>, String> {
    let mut max = 0f64;
    let mut items = 0i64;
    for pair in t.pairs::<Value, Value>() {
        let Ok((k, _)) = pair else { return Ok(None) };
        match number_of(&k) {
            Some(k) if k != 0.0 && k.floor() == k && k >= 1.0 => {
                if k > max {
                    max = k;
                }
                items += 1;
            }
            _ => return Ok(None),
        }
    }
    let max = max as i64;
    if cfg.sparse_ratio > 0 && max > items * cfg.sparse_ratio && max > cfg.sparse_safe {
        if !cfg.sparse_convert {
            return Err(exception(v, "excessively sparse array"));
        }
        return Ok(None);
    }
    Ok(Some(max))
}

fn encode_value(cfg: &Config, v: &Value, depth: i64, out: &mut Vec<u8>) -> Result<(), String> {
    super::deep(|| encode_value_at(cfg, v, depth, out))
}

fn encode_value_at(cfg: &Config, v: &Value, depth: i64, out: &mut Vec<u8>) -> Result<(), String> {
    match v {
        Value::String(s) => encode_string(&s.as_bytes(), out),
        Value::Integer(i) => encode_number(cfg, v, *i as f64, out)?,
        Value::Number(d) => encode_number(cfg, v, *d, out)?,
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(LightUserData(p)) if p.is_null() => out.extend_from_slice(b"null"),
        Value::Table(t) => {
            let depth = depth + 1;
            if depth > cfg.encode_max_depth {
                return Err(format!("Cannot serialise, excessive nesting ({depth})"));
            }
            match array_length(cfg, t, v)? {
                Some(len) if len > 0 => {
                    out.push(b'[');
                    for i in 1..=len {
                        if i > 1 {
                            out.push(b',');
                        }
                        let item: Value = t.raw_get(i).map_err(|e| e.to_string())?;
                        encode_value(cfg, &item, depth, out)?;
                    }
                    out.push(b']');
                }
                _ => {
                    out.push(b'{');
                    let mut first = true;
                    for pair in t.pairs::<Value, Value>() {
                        let (k, val) = pair.map_err(|e| e.to_string())?;
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        match &k {
                            Value::String(s) => {
                                encode_string(&s.as_bytes(), out);
                                out.push(b':');
                            }
                            Value::Integer(_) | Value::Number(_) => {
                                out.push(b'"');
                                encode_number(cfg, &k, number_of(&k).unwrap_or(0.0), out)?;
                                out.extend_from_slice(b"\":");
                            }
                            other => {
                                return Err(exception(
                                    other,
                                    "table key must be a number or string",
                                ));
                            }
                        }
                        encode_value(cfg, &val, depth, out)?;
                    }
                    out.push(b'}');
                }
            }
        }
        other => return Err(exception(other, "type not supported")),
    }
    Ok(())
}

// ---- decoding ---------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Number(f64),
    Boolean(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    fn name(&self) -> &str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str(..) => "T_STRING",
            Tok::Number(_) => "T_NUMBER",
            Tok::Boolean(_) => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(e) => e,
        }
    }
}

struct Parser<'l, 'd> {
    lua: &'l Lua,
    cfg: &'d Config,
    data: &'d [u8],
    pos: usize,
    depth: i64,
}

impl<'l, 'd> Parser<'l, 'd> {
    /// The byte at `i`, with the C string's NUL past the end.
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    fn decode(&mut self) -> Result<Value, String> {
        let (tok, idx) = self.next_token();
        let v = self.value(tok, idx)?;
        let (tok, idx) = self.next_token();
        if tok != Tok::End {
            return Err(parse_error("the end", tok, idx));
        }
        Ok(v)
    }

    /// The next token and its 0-based position.
    fn next_token(&mut self) -> (Tok, usize) {
        while matches!(self.at(self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let start = self.pos;
        let c = self.at(self.pos);
        let single = match c {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            _ => None,
        };
        if let Some(t) = single {
            self.pos += 1;
            return (t, start);
        }
        if c == 0 {
            return (Tok::End, start);
        }
        let rest = &self.data[self.pos..];
        match c {
            b'"' => return self.string_token(),
            b'-' | b'0'..=b'9' => {
                if !self.cfg.decode_invalid_numbers && self.is_invalid_number() {
                    return (Tok::Error("invalid number"), start);
                }
                return self.number_token();
            }
            _ => {}
        }
        if rest.starts_with(b"true") {
            self.pos += 4;
            return (Tok::Boolean(true), start);
        }
        if rest.starts_with(b"false") {
            self.pos += 5;
            return (Tok::Boolean(false), start);
        }
        if rest.starts_with(b"null") {
            self.pos += 4;
            return (Tok::Null, start);
        }
        if matches!(c, b'i' | b'I' | b'n' | b'N' | b'+')
            && self.cfg.decode_invalid_numbers
            && self.is_invalid_number()
        {
            return self.number_token();
        }
        (Tok::Error("invalid token"), start)
    }

    /// CJSON's `json_is_invalid_number`: what strtod takes but JSON does not.
    fn is_invalid_number(&self) -> bool {
        let mut i = self.pos;
        if self.at(i) == b'+' {
            return true;
        }
        if self.at(i) == b'-' {
            i += 1;
        }
        let c = self.at(i);
        if c == b'0' {
            let c2 = self.at(i + 1);
            return (c2 | 0x20) == b'x' || c2.is_ascii_digit();
        } else if c <= b'9' {
            return false;
        }
        let word = &self.data[i.min(self.data.len())..];
        let head: Vec<u8> = word
            .iter()
            .take(3)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        head == b"inf" || head == b"nan"
    }

    fn number_token(&mut self) -> (Tok, usize) {
        let start = self.pos;
        match strtod(&self.data[self.pos..]) {
            Some((v, used)) => {
                self.pos += used;
                (Tok::Number(v), start)
            }
            None => (Tok::Error("invalid number"), start),
        }
    }

    fn string_token(&mut self) -> (Tok, usize) {
        let start = self.pos;
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.at(self.pos);
            if c == b'"' {
                break;
            }
            if c == 0 {
                return (Tok::Error("unexpected end of string"), self.pos);
            }
            if c == b'\\' {
                let e = self.at(self.pos + 1);
                let ch = match e {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => b'\x08',
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'f' => b'\x0c',
                    b'r' => b'\r',
                    b'u' => match self.unicode_escape() {
                        Some((bytes, len)) => {
                            out.extend_from_slice(&bytes);
                            self.pos += len;
                            continue;
                        }
                        None => return (Tok::Error("invalid unicode escape code"), self.pos),
                    },
                    _ => return (Tok::Error("invalid escape code"), self.pos),
                };
                out.push(ch);
                self.pos += 2;
                continue;
            }
            out.push(c);
            self.pos += 1;
        }
        self.pos += 1;
        (Tok::Str(out), start)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let mut v = 0u32;
        for i in 0..4 {
            let d = (self.at(at + i) as char).to_digit(16)?;
            v = (v << 4) | d;
        }
        Some(v)
    }

    /// `\uXXXX` (and surrogate pairs) at `self.pos`: UTF-8 bytes and the
    /// escape's length.
    fn unicode_escape(&self) -> Option<(Vec<u8>, usize)> {
        let mut cp = self.hex4(self.pos + 2)?;
        let mut len = 6;
        if cp & 0xF800 == 0xD800 {
            if cp & 0x400 != 0 {
                return None;
            }
            if self.at(self.pos + 6) != b'\\' || self.at(self.pos + 7) != b'u' {
                return None;
            }
            let low = self.hex4(self.pos + 8)?;
            if low & 0xFC00 != 0xDC00 {
                return None;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            len = 12;
        }
        let mut buf = Vec::with_capacity(4);
        if cp <= 0x7F {
            buf.push(cp as u8);
        } else if cp <= 0x7FF {
            buf.push(((cp >> 6) | 0xC0) as u8);
            buf.push(((cp & 0x3F) | 0x80) as u8);
        } else if cp <= 0xFFFF {
            buf.push(((cp >> 12) | 0xE0) as u8);
            buf.push((((cp >> 6) & 0x3F) | 0x80) as u8);
            buf.push(((cp & 0x3F) | 0x80) as u8);
        } else {
            buf.push(((cp >> 18) | 0xF0) as u8);
            buf.push((((cp >> 12) & 0x3F) | 0x80) as u8);
            buf.push((((cp >> 6) & 0x3F) | 0x80) as u8);
            buf.push(((cp & 0x3F) | 0x80) as u8);
        }
        Some((buf, len))
    }

    fn descend(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > self.cfg.decode_max_depth {
            return Err(format!(
                "Found too many nested data structures ({}) at character {}",
                self.depth, self.pos
            ));
        }
        Ok(())
    }

    fn value(&mut self, tok: Tok, idx: usize) -> Result<Value, String> {
        super::deep(|| self.value_at(tok, idx))
    }

    fn value_at(&mut self, tok: Tok, idx: usize) -> Result<Value, String> {
        let lua = self.lua;
        let e = |err: mlua::Error| err.to_string();
        Ok(match tok {
            Tok::Str(s) => Value::String(lua.create_string(&s).map_err(e)?),
            Tok::Number(n) => Value::Number(n),
            Tok::Boolean(b) => Value::Boolean(b),
            Tok::Null => Value::LightUserData(LightUserData(std::ptr::null_mut())),
            Tok::ObjBegin => {
                self.descend()?;
                let t = lua.create_table().map_err(e)?;
                let (mut tok, mut idx) = self.next_token();
                if tok != Tok::ObjEnd {
                    loop {
                        let Tok::Str(key) = tok else {
                            return Err(parse_error("object key string", tok, idx));
                        };
                        let key = lua.create_string(&key).map_err(e)?;
                        let (t2, i2) = self.next_token();
                        if t2 != Tok::Colon {
                            return Err(parse_error("colon", t2, i2));
                        }
                        let (vt, vi) = self.next_token();
                        let v = self.value(vt, vi)?;
                        t.raw_set(key, v).map_err(e)?;
                        let (t3, i3) = self.next_token();
                        if t3 == Tok::ObjEnd {
                            break;
                        }
                        if t3 != Tok::Comma {
                            return Err(parse_error("comma or object end", t3, i3));
                        }
                        (tok, idx) = self.next_token();
                    }
                }
                self.depth -= 1;
                Value::Table(t)
            }
            Tok::ArrBegin => {
                self.descend()?;
                let t = lua.create_table().map_err(e)?;
                let (mut tok, mut idx) = self.next_token();
                if tok != Tok::ArrEnd {
                    let mut i = 1;
                    loop {
                        let v = self.value(tok, idx)?;
                        t.raw_set(i, v).map_err(e)?;
                        i += 1;
                        let (t2, i2) = self.next_token();
                        if t2 == Tok::ArrEnd {
                            break;
                        }
                        if t2 != Tok::Comma {
                            return Err(parse_error("comma or array end", t2, i2));
                        }
                        (tok, idx) = self.next_token();
                    }
                }
                self.depth -= 1;
                Value::Table(t)
            }
            other => return Err(parse_error("value", other, idx)),
        })
    }
}

fn parse_error(expected: &str, tok: Tok, idx: usize) -> String {
    format!(
        "Expected {expected} but found {} at character {}",
        tok.name(),
        idx + 1
    )
}

/// C's `strtod` on a prefix: the value and the bytes used, `None` when no
/// number starts here. Decimal, `0x` hex, `inf` / `infinity`, `nan`.
pub(crate) fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let sign = if neg { -1.0 } else { 1.0 };
    let rest = &s[i..];
    let lower: Vec<u8> = rest
        .iter()
        .take(8)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if lower.starts_with(b"infinity") {
        return Some((sign * f64::INFINITY, i + 8));
    }
    if lower.starts_with(b"inf") {
        return Some((sign * f64::INFINITY, i + 3));
    }
    if lower.starts_with(b"nan") {
        let mut n = i + 3;
        if s.get(n) == Some(&b'(') {
            if let Some(close) = s[n..].iter().position(|&c| c == b')') {
                n += close + 1;
            }
        }
        return Some((if neg { -f64::NAN } else { f64::NAN }, n));
    }
    if (lower.starts_with(b"0x"))
        && rest
            .get(2)
            .is_some_and(|c| c.is_ascii_hexdigit() || *c == b'.')
    {
        let mut j = i + 2;
        let mut v = 0f64;
        while let Some(d) = s.get(j).and_then(|c| (*c as char).to_digit(16)) {
            v = v * 16.0 + d as f64;
            j += 1;
        }
        if s.get(j) == Some(&b'.') {
            j += 1;
            let mut scale = 1.0 / 16.0;
            while let Some(d) = s.get(j).and_then(|c| (*c as char).to_digit(16)) {
                v += d as f64 * scale;
                scale /= 16.0;
                j += 1;
            }
        }
        if matches!(s.get(j), Some(b'p' | b'P')) {
            let mut k = j + 1;
            let eneg = match s.get(k) {
                Some(b'-') => {
                    k += 1;
                    true
                }
                Some(b'+') => {
                    k += 1;
                    false
                }
                _ => false,
            };
            let digits_from = k;
            let mut e = 0i32;
            while let Some(d) = s.get(k).filter(|c| c.is_ascii_digit()) {
                e = e.saturating_mul(10).saturating_add((d - b'0') as i32);
                k += 1;
            }
            if k > digits_from {
                v *= 2f64.powi(if eneg { -e } else { e });
                j = k;
            }
        }
        return Some((sign * v, j));
    }
    let mut j = i;
    let digits_start = j;
    while s.get(j).is_some_and(|c| c.is_ascii_digit()) {
        j += 1;
    }
    let mut mantissa_digits = j - digits_start;
    if s.get(j) == Some(&b'.') {
        let mut k = j + 1;
        while s.get(k).is_some_and(|c| c.is_ascii_digit()) {
            k += 1;
        }
        mantissa_digits += k - j - 1;
        if mantissa_digits > 0 {
            j = k;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if matches!(s.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(s.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if s.get(k).is_some_and(|c| c.is_ascii_digit()) {
            while s.get(k).is_some_and(|c| c.is_ascii_digit()) {
                k += 1;
            }
            j = k;
        }
    }
    let text = std::str::from_utf8(&s[i..j]).ok()?;
    let v: f64 = text.parse().ok()?;
    Some((sign * v, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_matches_c() {
        for (v, p, want) in [
            (0.1, 14, "0.1"),
            (1.0 / 3.0, 14, "0.33333333333333"),
            (1e20, 14, "1e+20"),
            (123456789012345.0, 14, "1.2345678901234e+14"),
            (-0.0, 14, "-0"),
            (100.0, 14, "100"),
            (0.0001, 14, "0.0001"),
            (0.00001, 14, "1e-05"),
        ] {
            assert_eq!(format_g(v, p), want, "{v}");
        }
    }

    #[test]
    fn strtod_takes_the_longest_prefix() {
        assert_eq!(strtod(b"1.5e3,"), Some((1500.0, 5)));
        assert_eq!(strtod(b"0x10]"), Some((16.0, 4)));
        assert_eq!(strtod(b"-0"), Some((-0.0, 2)));
        assert_eq!(strtod(b"1e"), Some((1.0, 1)));
        assert_eq!(strtod(b"-"), None);
        assert!(strtod(b"NaN").unwrap().0.is_nan());
    }
}
