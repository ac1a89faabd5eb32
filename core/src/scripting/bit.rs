//! `bit`: LuaBitOp 1.0, as bundled with Redis. Numbers are normalised to
//! signed 32-bit integers the way BitOp does on doubles (round to nearest,
//! keep the low 32 bits).
//!
//! Errors are raised as `luaL_error` raises them: a string that starts with
//! the calling script line.

use mlua::{Lua, MultiValue, Table, Value};

use super::api::lib_error;

/// BitOp's `tobit` normalisation.
fn tobit(d: f64) -> i32 {
    if !d.is_finite() {
        return 0;
    }
    let r = d.round_ties_even();
    let r = if r.abs() >= 9.0e18 {
        r % 4_294_967_296.0
    } else {
        r
    };
    r as i64 as u32 as i32
}

/// `luaL_checknumber` for argument `n` (1-based) of `name`.
fn arg(args: &[Value], n: usize, name: &str) -> Result<i32, String> {
    match args.get(n - 1) {
        Some(Value::Integer(i)) => Ok(tobit(*i as f64)),
        Some(Value::Number(d)) => Ok(tobit(*d)),
        Some(Value::String(s)) => match std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|s| parse_lua_number(s.trim()))
        {
            Some(d) => Ok(tobit(d)),
            None => Err(bad_arg(n, name, "string")),
        },
        other => Err(bad_arg(n, name, type_name(other))),
    }
}

/// What `tonumber` accepts from a string: decimal or `0x` hex.
pub(crate) fn parse_lua_number(s: &str) -> Option<f64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = u64::from_str_radix(hex, 16).ok()? as f64;
        return Some(if neg { -v } else { v });
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") {
        return None;
    }
    s.parse().ok()
}

pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        Some(_) => "userdata",
    }
}

fn bad_arg(n: usize, name: &str, got: &str) -> String {
    format!("bad argument #{n} to '{name}' (number expected, got {got})")
}

type Op = fn(&[Value]) -> Result<i32, String>;

/// The `bit` table.
pub(crate) fn library(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let ops: &[(&str, Op)] = &[
        ("tobit", |a| arg(a, 1, "tobit")),
        ("bnot", |a| Ok(!arg(a, 1, "bnot")?)),
        ("band", |a| fold(a, "band", |x, y| x & y)),
        ("bor", |a| fold(a, "bor", |x, y| x | y)),
        ("bxor", |a| fold(a, "bxor", |x, y| x ^ y)),
        ("lshift", |a| {
            let (x, n) = (arg(a, 1, "lshift")?, arg(a, 2, "lshift")?);
            Ok(((x as u32) << (n as u32 & 31)) as i32)
        }),
        ("rshift", |a| {
            let (x, n) = (arg(a, 1, "rshift")?, arg(a, 2, "rshift")?);
            Ok(((x as u32) >> (n as u32 & 31)) as i32)
        }),
        ("arshift", |a| {
            let (x, n) = (arg(a, 1, "arshift")?, arg(a, 2, "arshift")?);
            Ok(x >> (n as u32 & 31))
        }),
        ("rol", |a| {
            let (x, n) = (arg(a, 1, "rol")?, arg(a, 2, "rol")?);
            Ok((x as u32).rotate_left(n as u32 & 31) as i32)
        }),
        ("ror", |a| {
            let (x, n) = (arg(a, 1, "ror")?, arg(a, 2, "ror")?);
            Ok((x as u32).rotate_right(n as u32 & 31) as i32)
        }),
        ("bswap", |a| Ok(arg(a, 1, "bswap")?.swap_bytes())),
    ];
    for (name, op) in ops {
        let op = *op;
        t.raw_set(
            *name,
            lua.create_function(move |lua, args: MultiValue| {
                let args: Vec<Value> = args.into_iter().collect();
                match op(&args) {
                    Ok(v) => Ok(v as f64),
                    Err(e) => Err(lib_error(lua, e)),
                }
            })?,
        )?;
    }
    t.raw_set(
        "tohex",
        lua.create_function(|lua, args: MultiValue| {
            let args: Vec<Value> = args.into_iter().collect();
            let x = match arg(&args, 1, "tohex") {
                Ok(x) => x as u32,
                Err(e) => return Err(lib_error(lua, e)),
            };
            let mut n: i32 = match args.get(1) {
                None | Some(Value::Nil) => 8,
                Some(_) => match arg(&args, 2, "tohex") {
                    Ok(n) => n,
                    Err(e) => return Err(lib_error(lua, e)),
                },
            };
            let upper = n < 0;
            if upper {
                n = n.wrapping_neg();
            }
            let n = n.clamp(0, 8) as usize;
            let hex = if upper {
                format!("{x:08X}")
            } else {
                format!("{x:08x}")
            };
            lua.create_string(&hex[8 - n..])
        })?,
    )?;
    Ok(t)
}

fn fold(args: &[Value], name: &str, f: fn(i32, i32) -> i32) -> Result<i32, String> {
    let mut acc = arg(args, 1, name)?;
    for i in 2..=args.len() {
        acc = f(acc, arg(args, i, name)?);
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tobit_rounds_to_nearest_even_and_wraps() {
        assert_eq!(tobit(0xffff_ffffu32 as f64), -1);
        assert_eq!(tobit(2.5), 2);
        assert_eq!(tobit(3.5), 4);
        assert_eq!(tobit(-1.0), -1);
        assert_eq!(tobit(4_294_967_296.0 + 5.0), 5);
    }
}
