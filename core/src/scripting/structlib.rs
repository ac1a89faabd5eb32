//! `struct`: Roberto Ierusalimschy's struct library as bundled with Redis
//! (`struct.pack`, `struct.unpack`, `struct.size`), for a 64-bit
//! little-endian host as Redis runs on: `b/B` 1 byte, `h/H` 2, `i/I` 4
//! (`iN`: N bytes, at most 32), `l/L` and `T` 8, `f` 4, `d` 8, `cN` chars
//! (`c0`: whole string / previous number), `s` zero-terminated, `x` padding,
//! `<` `>` endianness, `!N` alignment.
//!
//! Errors are raised as `luaL_error` raises them: a string that starts with
//! the calling script line.

use mlua::{Lua, MultiValue, Table, Value};

use super::api::lib_error;
use super::bit::{parse_lua_number, type_name};
use super::cjson::format_g;
use super::convert::c_cast_i64;

const MAXINTSIZE: usize = 32;
/// Largest alignment (`struct cD { char c; double d; }` padding on x86-64).
const MAXALIGN: usize = 8;

#[derive(Clone, Copy)]
struct Header {
    little: bool,
    align: usize,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            little: true,
            align: 1,
        }
    }
}

struct Fmt<'a> {
    s: &'a [u8],
    i: usize,
}

impl Fmt<'_> {
    fn next(&mut self) -> Option<u8> {
        let c = self.s.get(self.i).copied();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    /// `getnum`: a decimal number at the cursor, or `default`.
    fn num(&mut self, default: usize) -> Result<usize, String> {
        if !self.s.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
            return Ok(default);
        }
        let mut a: usize = 0;
        while let Some(c) = self.s.get(self.i).filter(|c| c.is_ascii_digit()) {
            let d = (c - b'0') as usize;
            if a > (i32::MAX as usize) / 10 || a * 10 > i32::MAX as usize - d {
                return Err("integral size overflow".into());
            }
            a = a * 10 + d;
            self.i += 1;
        }
        Ok(a)
    }
}

/// `optsize`.
fn optsize(opt: u8, fmt: &mut Fmt<'_>) -> Result<usize, String> {
    Ok(match opt {
        b'B' | b'b' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'x' => 1,
        b'c' => fmt.num(1)?,
        b'i' | b'I' => {
            let sz = fmt.num(4)?;
            if sz > MAXINTSIZE {
                return Err(format!(
                    "integral size {sz} is larger than limit of {MAXINTSIZE}"
                ));
            }
            sz
        }
        _ => 0,
    })
}

fn gettoalign(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    (size - (len & (size - 1))) & (size - 1)
}

/// `controloptions`: endianness, alignment, spaces; anything else is an
/// invalid option.
fn control(opt: u8, fmt: &mut Fmt<'_>, h: &mut Header, func: &str) -> Result<(), String> {
    match opt {
        b' ' => {}
        b'>' => h.little = false,
        b'<' => h.little = true,
        b'!' => {
            let a = fmt.num(MAXALIGN)?;
            if a == 0 || a & (a - 1) != 0 {
                return Err(format!("alignment {a} is not a power of 2"));
            }
            h.align = a;
        }
        other => {
            return Err(format!(
                "bad argument #1 to '{func}' (invalid format option '{}')",
                other as char
            ));
        }
    }
    Ok(())
}

/// `luaL_checknumber`; `pack` pushes a nil after its arguments, so a
/// missing one reads as `nil` there.
fn number(args: &[Value], n: usize, func: &str) -> Result<f64, String> {
    match args.get(n - 1) {
        None if func == "pack" => Err(format!(
            "bad argument #{n} to '{func}' (number expected, got nil)"
        )),
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::Number(d)) => Ok(*d),
        Some(Value::String(s)) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|s| parse_lua_number(s.trim()))
            .ok_or_else(|| format!("bad argument #{n} to '{func}' (number expected, got string)")),
        other => Err(format!(
            "bad argument #{n} to '{func}' (number expected, got {})",
            type_name(other)
        )),
    }
}

fn string(args: &[Value], n: usize, func: &str) -> Result<Vec<u8>, String> {
    match args.get(n - 1) {
        None if func == "pack" && n > 1 => Err(format!(
            "bad argument #{n} to '{func}' (string expected, got nil)"
        )),
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Integer(i)) => Ok(format_g(*i as f64, 14).into_bytes()),
        Some(Value::Number(d)) => Ok(format_g(*d, 14).into_bytes()),
        other => Err(format!(
            "bad argument #{n} to '{func}' (string expected, got {})",
            type_name(other)
        )),
    }
}

fn pack(args: &[Value]) -> Result<Vec<u8>, String> {
    let fmt_bytes = string(args, 1, "pack")?;
    let mut fmt = Fmt {
        s: &fmt_bytes,
        i: 0,
    };
    let mut h = Header::default();
    let mut arg = 2;
    let mut out = Vec::new();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(opt, &mut fmt)?;
        let toalign = gettoalign(out.len(), &h, opt, size);
        out.resize(out.len() + toalign, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = number(args, arg, "pack")?;
                arg += 1;
                let value: u64 = if n < 0.0 {
                    c_cast_i64(n) as u64
                } else if n >= 18_446_744_073_709_551_616.0 || n.is_nan() {
                    0
                } else {
                    n as u64
                };
                let mut buf = vec![0u8; size];
                let mut v = value;
                for k in 0..size {
                    let idx = if h.little { k } else { size - 1 - k };
                    buf[idx] = (v & 0xff) as u8;
                    v = v.checked_shr(8).unwrap_or(0);
                }
                out.extend_from_slice(&buf);
            }
            b'x' => out.push(0),
            b'f' => {
                let f = number(args, arg, "pack")? as f32;
                arg += 1;
                out.extend_from_slice(&if h.little {
                    f.to_le_bytes()
                } else {
                    f.to_be_bytes()
                });
            }
            b'd' => {
                let d = number(args, arg, "pack")?;
                arg += 1;
                out.extend_from_slice(&if h.little {
                    d.to_le_bytes()
                } else {
                    d.to_be_bytes()
                });
            }
            b'c' | b's' => {
                let s = string(args, arg, "pack")?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    return Err(format!("bad argument #{arg} to 'pack' (string too short)"));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => control(opt, &mut fmt, &mut h, "pack")?,
        }
    }
    Ok(out)
}

fn getinteger(buf: &[u8], little: bool, signed: bool) -> f64 {
    let size = buf.len();
    let mut l: u64 = 0;
    for k in 0..size {
        let b = if little { buf[size - 1 - k] } else { buf[k] };
        l = l.checked_shl(8).unwrap_or(0) | b as u64;
    }
    if !signed {
        return l as f64;
    }
    let shift = (size * 8).saturating_sub(1);
    if shift < 64 {
        let mask = u64::MAX << shift;
        if l & mask != 0 {
            l |= mask;
        }
    }
    l as i64 as f64
}

fn unpack(lua: &Lua, args: &[Value]) -> Result<Vec<Value>, String> {
    let fmt_bytes = string(args, 1, "unpack")?;
    let data = string(args, 2, "unpack")?;
    let start = match args.get(2) {
        None | Some(Value::Nil) => 1,
        Some(_) => c_cast_i64(number(args, 3, "unpack")?),
    };
    if start <= 0 {
        return Err("bad argument #3 to 'unpack' (offset must be 1 or greater)".into());
    }
    let mut pos = (start - 1) as usize;
    let ld = data.len();
    let mut fmt = Fmt {
        s: &fmt_bytes,
        i: 0,
    };
    let mut h = Header::default();
    let mut out: Vec<Value> = Vec::new();
    let lua_err = |e: mlua::Error| e.to_string();
    let too_short = || "bad argument #2 to 'unpack' (data string too short)".to_string();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(opt, &mut fmt)?;
        pos += gettoalign(pos, &h, opt, size);
        if size > ld || pos > ld - size {
            return Err(too_short());
        }
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let signed = opt.is_ascii_lowercase();
                out.push(Value::Number(getinteger(
                    &data[pos..pos + size],
                    h.little,
                    signed,
                )));
            }
            b'x' => {}
            b'f' => {
                let b: [u8; 4] = data[pos..pos + 4].try_into().expect("4 bytes");
                let f = if h.little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                out.push(Value::Number(f as f64));
            }
            b'd' => {
                let b: [u8; 8] = data[pos..pos + 8].try_into().expect("8 bytes");
                let d = if h.little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                out.push(Value::Number(d));
            }
            b'c' => {
                if size == 0 {
                    let prev = match out.last() {
                        Some(Value::Number(n)) => Some(*n),
                        Some(Value::Integer(i)) => Some(*i as f64),
                        Some(Value::String(s)) => std::str::from_utf8(&s.as_bytes())
                            .ok()
                            .and_then(|s| parse_lua_number(s.trim())),
                        _ => None,
                    };
                    let Some(prev) = prev else {
                        return Err("format 'c0' needs a previous size".into());
                    };
                    out.pop();
                    size = prev as usize;
                    if size > ld || pos > ld - size {
                        return Err(too_short());
                    }
                }
                out.push(Value::String(
                    lua.create_string(&data[pos..pos + size]).map_err(lua_err)?,
                ));
            }
            b's' => {
                let Some(end) = data[pos..].iter().position(|&c| c == 0) else {
                    return Err("unfinished string in data".into());
                };
                size = end + 1;
                out.push(Value::String(
                    lua.create_string(&data[pos..pos + end]).map_err(lua_err)?,
                ));
            }
            _ => control(opt, &mut fmt, &mut h, "unpack")?,
        }
        pos += size;
    }
    out.push(Value::Integer(pos as i64 + 1));
    Ok(out)
}

fn size(args: &[Value]) -> Result<usize, String> {
    let fmt_bytes = string(args, 1, "size")?;
    let mut fmt = Fmt {
        s: &fmt_bytes,
        i: 0,
    };
    let mut h = Header::default();
    let mut pos = 0;
    while let Some(opt) = fmt.next() {
        let size = optsize(opt, &mut fmt)?;
        pos += gettoalign(pos, &h, opt, size);
        if opt == b's' {
            return Err("bad argument #1 to 'size' (option 's' has no fixed size)".into());
        } else if opt == b'c' && size == 0 {
            return Err("bad argument #1 to 'size' (option 'c0' has no fixed size)".into());
        }
        if !opt.is_ascii_alphanumeric() {
            control(opt, &mut fmt, &mut h, "size")?;
        }
        pos += size;
    }
    Ok(pos)
}

/// The `struct` table.
pub(crate) fn library(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let reply = |lua: &Lua, r: Result<Vec<Value>, String>| -> mlua::Result<MultiValue> {
        match r {
            Ok(values) => Ok(MultiValue::from_vec(values)),
            Err(msg) => Err(lib_error(lua, msg)),
        }
    };
    t.raw_set(
        "pack",
        lua.create_function(move |lua, args: MultiValue| {
            let args: Vec<Value> = args.into_iter().collect();
            let r = match pack(&args) {
                Ok(bytes) => lua
                    .create_string(&bytes)
                    .map(|s| vec![Value::String(s)])
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            reply(lua, r)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lua.create_function(move |lua, args: MultiValue| {
            let args: Vec<Value> = args.into_iter().collect();
            reply(lua, unpack(lua, &args))
        })?,
    )?;
    t.raw_set(
        "size",
        lua.create_function(move |lua, args: MultiValue| {
            let args: Vec<Value> = args.into_iter().collect();
            reply(lua, size(&args).map(|n| vec![Value::Integer(n as i64)]))
        })?,
    )?;
    Ok(t)
}
