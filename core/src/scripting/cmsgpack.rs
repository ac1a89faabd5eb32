//! `cmsgpack`: lua-cmsgpack 0.4.0 as bundled with Redis, byte for byte:
//! integral numbers in the smallest integer encoding, others as float32
//! when that is exact and float64 otherwise, strings as fixstr / str8 /
//! str16 / str32, a table whose keys are exactly `1..n` as an array and any
//! other as a map (in `next` order), tables nested 16 deep as nil.
//!
//! Errors are raised as `luaL_error` raises them: a string that starts with
//! the calling script line.

use mlua::{Lua, MultiValue, Table, Value};

use super::api::lib_error;
use super::bit::type_name;
use super::cjson::format_g;
use super::convert::c_cast_i64;

/// Tables deeper than this are packed as nil (cycles survive).
const MAX_NESTING: usize = 16;
/// Unpacking stops at this nesting (Redis runs out of Lua stack near it).
const MAX_DECODE_DEPTH: usize = 4000;

fn fail(lua: &Lua, msg: impl std::fmt::Display) -> mlua::Result<MultiValue> {
    Err(lib_error(lua, msg))
}

/// The `cmsgpack` table.
pub(crate) fn library(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set(
        "pack",
        lua.create_function(|lua, args: MultiValue| {
            if args.is_empty() {
                return fail(
                    lua,
                    "bad argument #0 to 'pack' (MessagePack pack needs input.)",
                );
            }
            let mut out = Vec::new();
            for v in args.iter() {
                encode(v, 0, &mut out);
            }
            Ok(MultiValue::from_vec(vec![Value::String(
                lua.create_string(&out)?,
            )]))
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(|lua, args: MultiValue| unpack_full(lua, &args, "unpack", 0, 0))?,
    )?;
    t.raw_set(
        "unpack_one",
        lua.create_function(|lua, args: MultiValue| {
            let offset = match int_arg(&args, 2, "unpack_one", Some(0)) {
                Ok(o) => o,
                Err(e) => return fail(lua, e),
            };
            unpack_full(lua, &args, "unpack_one", 1, offset)
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        lua.create_function(|lua, args: MultiValue| {
            let limit = match int_arg(&args, 2, "unpack_limit", None) {
                Ok(l) => l,
                Err(e) => return fail(lua, e),
            };
            let offset = match int_arg(&args, 3, "unpack_limit", Some(0)) {
                Ok(o) => o,
                Err(e) => return fail(lua, e),
            };
            unpack_full(lua, &args, "unpack_limit", limit, offset)
        })?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}

/// `luaL_checkinteger` / `luaL_optinteger`.
fn int_arg(args: &MultiValue, n: usize, name: &str, default: Option<i64>) -> Result<i64, String> {
    match (args.get(n - 1), default) {
        (None | Some(Value::Nil), Some(d)) => Ok(d),
        (Some(Value::Integer(i)), _) => Ok(*i),
        (Some(Value::Number(d)), _) => Ok(c_cast_i64(*d)),
        (Some(Value::String(s)), _) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|s| super::bit::parse_lua_number(s.trim()))
            .map(c_cast_i64)
            .ok_or_else(|| format!("bad argument #{n} to '{name}' (number expected, got string)")),
        (other, _) => Err(format!(
            "bad argument #{n} to '{name}' (number expected, got {})",
            type_name(other)
        )),
    }
}

// ---- encoding ---------------------------------------------------------------

fn encode(v: &Value, level: usize, out: &mut Vec<u8>) {
    super::deep(|| encode_at(v, level, out))
}

fn encode_at(v: &Value, level: usize, out: &mut Vec<u8>) {
    match v {
        Value::String(s) => encode_bytes(&s.as_bytes(), out),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => encode_number(*i as f64, out),
        Value::Number(d) => encode_number(*d, out),
        Value::Table(t) if level < MAX_NESTING => encode_table(t, level, out),
        _ => out.push(0xc0),
    }
}

fn encode_bytes(s: &[u8], out: &mut Vec<u8>) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

fn encode_number(d: f64, out: &mut Vec<u8>) {
    // IS_INT64_EQUIVALENT: not infinite and (int64_t)d == d.
    let i = c_cast_i64(d);
    if !d.is_infinite() && i as f64 == d {
        encode_int(i, out);
    } else {
        let f = d as f32;
        if f as f64 == d {
            out.push(0xca);
            out.extend_from_slice(&f.to_be_bytes());
        } else {
            out.push(0xcb);
            out.extend_from_slice(&d.to_be_bytes());
        }
    }
}

fn encode_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// `table_is_an_array`: every key a number `n > 0` that fits an `int`, and
/// as many keys as the largest one.
fn is_array(t: &Table) -> bool {
    let (mut count, mut max) = (0i64, 0i64);
    for pair in t.pairs::<Value, Value>() {
        let Ok((k, _)) = pair else { return false };
        let n = match k {
            Value::Integer(i) => i as f64,
            Value::Number(d) => d,
            _ => return false,
        };
        if n <= 0.0 || n.is_infinite() || n > i32::MAX as f64 || n.trunc() != n {
            return false;
        }
        max = max.max(n as i64);
        count += 1;
    }
    max == count
}

fn encode_table(t: &Table, level: usize, out: &mut Vec<u8>) {
    if is_array(t) {
        let len = t.raw_len();
        header(out, len as u64, 0x90, 0xdc, 0xdd);
        for j in 1..=len {
            let v: Value = t.get(j).unwrap_or(Value::Nil);
            encode(&v, level + 1, out);
        }
    } else {
        // Two passes, as `mp_encode_lua_table_as_map` counts first: holding
        // every pair at once would pin a Lua reference per key and value, and
        // mlua's reference stack overflows past a few thousand
        // (`ERR C stack overflow` on a 100 000-key map).
        let n = t.pairs::<Value, Value>().filter(|p| p.is_ok()).count();
        header(out, n as u64, 0x80, 0xde, 0xdf);
        for (k, v) in t.pairs::<Value, Value>().filter_map(|p| p.ok()) {
            encode(&k, level + 1, out);
            encode(&v, level + 1, out);
        }
    }
}

fn header(out: &mut Vec<u8>, n: u64, fix: u8, b16: u8, b32: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

// ---- decoding ---------------------------------------------------------------

enum DecodeError {
    Eof,
    BadFormat,
    /// Nesting past what Redis's Lua stack allows.
    TooDeep,
    Lua(mlua::Error),
}

impl From<mlua::Error> for DecodeError {
    fn from(e: mlua::Error) -> Self {
        DecodeError::Lua(e)
    }
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.data.len() - self.pos
    }

    fn need(&self, n: usize) -> Result<(), DecodeError> {
        if self.left() < n {
            Err(DecodeError::Eof)
        } else {
            Ok(())
        }
    }

    fn be(&self, from: usize, n: usize) -> u64 {
        self.data[self.pos + from..self.pos + from + n]
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | b as u64)
    }

    fn string(&mut self, lua: &Lua, hdr: usize, len: usize) -> Result<Value, DecodeError> {
        self.need(hdr + len)?;
        let s = lua.create_string(&self.data[self.pos + hdr..self.pos + hdr + len])?;
        self.pos += hdr + len;
        Ok(Value::String(s))
    }

    fn decode(&mut self, lua: &Lua) -> Result<Value, DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DECODE_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        let v = super::deep(|| self.decode_at(lua));
        self.depth -= 1;
        v
    }

    fn decode_at(&mut self, lua: &Lua) -> Result<Value, DecodeError> {
        self.need(1)?;
        let c = self.data[self.pos];
        let num = |v: f64| Value::Number(v);
        Ok(match c {
            0xcc => {
                self.need(2)?;
                let v = self.be(1, 1) as f64;
                self.pos += 2;
                num(v)
            }
            0xd0 => {
                self.need(2)?;
                let v = self.be(1, 1) as u8 as i8 as f64;
                self.pos += 2;
                num(v)
            }
            0xcd => {
                self.need(3)?;
                let v = self.be(1, 2) as f64;
                self.pos += 3;
                num(v)
            }
            0xd1 => {
                self.need(3)?;
                let v = self.be(1, 2) as u16 as i16 as f64;
                self.pos += 3;
                num(v)
            }
            0xce => {
                self.need(5)?;
                let v = self.be(1, 4) as f64;
                self.pos += 5;
                num(v)
            }
            0xd2 => {
                self.need(5)?;
                let v = self.be(1, 4) as u32 as i32 as f64;
                self.pos += 5;
                num(v)
            }
            0xcf => {
                self.need(9)?;
                // lua_pushunsigned is lua_pushinteger (signed) on 64-bit builds.
                let v = self.be(1, 8) as i64 as f64;
                self.pos += 9;
                num(v)
            }
            0xd3 => {
                self.need(9)?;
                let v = self.be(1, 8) as i64 as f64;
                self.pos += 9;
                num(v)
            }
            0xc0 => {
                self.pos += 1;
                Value::Nil
            }
            0xc3 => {
                self.pos += 1;
                Value::Boolean(true)
            }
            0xc2 => {
                self.pos += 1;
                Value::Boolean(false)
            }
            0xca => {
                self.need(5)?;
                let v = f32::from_bits(self.be(1, 4) as u32) as f64;
                self.pos += 5;
                num(v)
            }
            0xcb => {
                self.need(9)?;
                let v = f64::from_bits(self.be(1, 8));
                self.pos += 9;
                num(v)
            }
            0xd9 => {
                self.need(2)?;
                let len = self.be(1, 1) as usize;
                self.string(lua, 2, len)?
            }
            0xda => {
                self.need(3)?;
                let len = self.be(1, 2) as usize;
                self.string(lua, 3, len)?
            }
            0xdb => {
                self.need(5)?;
                let len = self.be(1, 4) as usize;
                self.string(lua, 5, len)?
            }
            0xdc => {
                self.need(3)?;
                let len = self.be(1, 2) as usize;
                self.pos += 3;
                self.array(lua, len)?
            }
            0xdd => {
                self.need(5)?;
                let len = self.be(1, 4) as usize;
                self.pos += 5;
                self.array(lua, len)?
            }
            0xde => {
                self.need(3)?;
                let len = self.be(1, 2) as usize;
                self.pos += 3;
                self.map(lua, len)?
            }
            0xdf => {
                self.need(5)?;
                let len = self.be(1, 4) as usize;
                self.pos += 5;
                self.map(lua, len)?
            }
            c if c & 0x80 == 0 => {
                self.pos += 1;
                num(c as f64)
            }
            c if c & 0xe0 == 0xe0 => {
                self.pos += 1;
                num(c as i8 as f64)
            }
            c if c & 0xe0 == 0xa0 => self.string(lua, 1, (c & 0x1f) as usize)?,
            c if c & 0xf0 == 0x90 => {
                self.pos += 1;
                self.array(lua, (c & 0xf) as usize)?
            }
            c if c & 0xf0 == 0x80 => {
                self.pos += 1;
                self.map(lua, (c & 0xf) as usize)?
            }
            _ => return Err(DecodeError::BadFormat),
        })
    }

    fn array(&mut self, lua: &Lua, len: usize) -> Result<Value, DecodeError> {
        let t = lua.create_table_with_capacity(len.min(4096), 0)?;
        for i in 1..=len {
            let v = self.decode(lua)?;
            t.raw_set(i, v)?;
        }
        Ok(Value::Table(t))
    }

    fn map(&mut self, lua: &Lua, len: usize) -> Result<Value, DecodeError> {
        let t = lua.create_table()?;
        for _ in 0..len {
            let k = self.decode(lua)?;
            let v = self.decode(lua)?;
            // lua_settable with a nil key raises in Lua; skip it instead.
            if !matches!(k, Value::Nil) {
                t.raw_set(k, v)?;
            }
        }
        Ok(Value::Table(t))
    }
}

/// `mp_unpack_full`: decodes up to `limit` objects from `offset` (both 0:
/// everything); with a limit or offset the next offset (-1 at the end)
/// comes first.
fn unpack_full(
    lua: &Lua,
    args: &MultiValue,
    name: &str,
    limit: i64,
    offset: i64,
) -> mlua::Result<MultiValue> {
    let data: Vec<u8> = match args.front() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(Value::Integer(i)) => i.to_string().into_bytes(),
        Some(Value::Number(n)) => format_g(*n, 14).into_bytes(),
        other => {
            return fail(
                lua,
                format!(
                    "bad argument #1 to '{name}' (string expected, got {})",
                    type_name(other)
                ),
            );
        }
    };
    let len = data.len() as i64;
    if offset < 0 || limit < 0 {
        return fail(
            lua,
            format!(
                "Invalid request to unpack with offset of {} and limit of {}.",
                offset as i32, len as i32
            ),
        );
    }
    if offset > len {
        return fail(
            lua,
            format!(
                "Start offset {} greater than input length {}.",
                offset as i32, len as i32
            ),
        );
    }
    let decode_all = limit == 0 && offset == 0;
    let limit = if decode_all { i32::MAX as i64 } else { limit };
    let mut cur = Cursor {
        data: &data,
        pos: offset as usize,
        depth: 0,
    };
    let mut values = Vec::new();
    let mut count = 0;
    while cur.left() > 0 && count < limit {
        match cur.decode(lua) {
            Ok(v) => values.push(v),
            Err(DecodeError::Eof) => return fail(lua, "Missing bytes in input."),
            Err(DecodeError::BadFormat) => return fail(lua, "Bad data format in input."),
            Err(DecodeError::TooDeep) => {
                return fail(
                    lua,
                    "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
                );
            }
            Err(DecodeError::Lua(e)) => return Err(e),
        }
        count += 1;
    }
    if !decode_all {
        let next = if cur.left() == 0 { -1 } else { cur.pos as i64 };
        values.insert(0, Value::Integer(next));
    }
    Ok(MultiValue::from_vec(values))
}
