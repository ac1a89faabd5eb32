//! Redis ↔ Lua conversions, as Redis 7.0's `script_lua.c` does them.
//!
//! Reply → Lua (`redis.call`): integer → number, bulk → string, nil → `false`
//! (RESP3: `nil`), array → table, status → `{ok=...}`, error → `{err=...}`;
//! under `redis.setresp(3)` maps, sets, doubles, booleans, big numbers and
//! verbatim strings keep their own shapes (`{map=...}`, `{set=...}`,
//! `{double=...}`, ...), and in RESP2 they are first downgraded as a RESP2
//! client would see them.
//!
//! Lua → reply (the script's return value): number → integer (truncated, as
//! C's cast does), string → bulk, table → array up to the first nil, `{ok=}`
//! → status, `{err=}` → error, `true` → 1, `false` / `nil` → nil.

use bytes::Bytes;
use mlua::{Lua, Table, Value};

use crate::{Error, Reply, format_double};

/// How deep a returned table may nest before the reply is cut off (Redis
/// stops at its Lua stack limit with the same error).
const MAX_REPLY_DEPTH: usize = 1000;

/// Redis's `luaPushErrorBuff`: `-CODE message` keeps its code, a line
/// without a space gets `ERR`; trailing / leading CR and LF are trimmed.
pub(crate) fn error_line(e: &[u8]) -> Vec<u8> {
    let (code, msg): (&[u8], &[u8]) = match e.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&c| c == b' ') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", e),
    };
    let msg = trim_crlf(msg);
    let mut out = Vec::with_capacity(code.len() + 1 + msg.len());
    out.extend_from_slice(code);
    out.push(b' ');
    out.extend_from_slice(msg);
    out
}

fn trim_crlf(mut s: &[u8]) -> &[u8] {
    while let [b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b'\r' | b'\n'] = s {
        s = rest;
    }
    s
}

/// `{err=line}`; errors that come from a command also carry
/// `ignore_error_stats_update = true`, as in Redis.
pub(crate) fn error_table(lua: &Lua, line: &[u8], from_command: bool) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 2)?;
    t.raw_set("err", lua.create_string(line)?)?;
    if from_command {
        t.raw_set("ignore_error_stats_update", true)?;
    }
    Ok(t)
}

/// A command's reply as the script sees it.
pub(crate) fn reply_to_lua(lua: &Lua, reply: Reply, resp3: bool) -> mlua::Result<Value> {
    super::deep(|| reply_to_lua_at(lua, reply, resp3))
}

fn reply_to_lua_at(lua: &Lua, reply: Reply, resp3: bool) -> mlua::Result<Value> {
    Ok(match reply {
        Reply::Simple(s) => {
            let t = lua.create_table_with_capacity(0, 1)?;
            t.raw_set("ok", lua.create_string(s.as_bytes())?)?;
            Value::Table(t)
        }
        Reply::Error(e) => {
            let line = error_line(format!("-{e}").as_bytes());
            Value::Table(error_table(lua, &line, true)?)
        }
        Reply::Integer(n) => Value::Number(n as f64),
        Reply::Bulk(b) => Value::String(lua.create_string(&b)?),
        Reply::Null | Reply::NullArray => {
            if resp3 {
                Value::Nil
            } else {
                Value::Boolean(false)
            }
        }
        Reply::Array(items) | Reply::Push(items) => array(lua, items, resp3)?,
        packed @ (Reply::BulkSet(_) | Reply::BulkMap(_)) => {
            reply_to_lua_at(lua, packed.unpack(), resp3)?
        }
        Reply::BulkArray(a) => {
            let t = lua.create_table_with_capacity(a.len(), 0)?;
            for (i, s) in a.iter().enumerate() {
                t.raw_set(i + 1, lua.create_string(s)?)?;
            }
            Value::Table(t)
        }
        Reply::Set(items) => {
            if resp3 {
                let set = lua.create_table_with_capacity(0, items.len())?;
                for item in items {
                    set.raw_set(reply_to_lua(lua, item, resp3)?, true)?;
                }
                wrapped(lua, "set", Value::Table(set))?
            } else {
                array(lua, items, resp3)?
            }
        }
        Reply::Map(pairs) => {
            if resp3 {
                let map = lua.create_table_with_capacity(0, pairs.len())?;
                for (k, v) in pairs {
                    map.raw_set(reply_to_lua(lua, k, resp3)?, reply_to_lua(lua, v, resp3)?)?;
                }
                wrapped(lua, "map", Value::Table(map))?
            } else {
                let flat = pairs.into_iter().flat_map(|(k, v)| [k, v]).collect();
                array(lua, flat, resp3)?
            }
        }
        Reply::Double(d) => {
            if resp3 {
                wrapped(lua, "double", Value::Number(d))?
            } else {
                Value::String(lua.create_string(format_double(d))?)
            }
        }
        Reply::Boolean(b) => {
            if resp3 {
                Value::Boolean(b)
            } else {
                Value::Number(if b { 1.0 } else { 0.0 })
            }
        }
        Reply::BigNumber(n) => {
            if resp3 {
                wrapped(lua, "big_number", Value::String(lua.create_string(&n)?))?
            } else {
                Value::String(lua.create_string(&n)?)
            }
        }
        Reply::Verbatim { format, text } => {
            if resp3 {
                let inner = lua.create_table_with_capacity(0, 2)?;
                inner.raw_set("string", lua.create_string(&text)?)?;
                inner.raw_set("format", format)?;
                wrapped(lua, "verbatim_string", Value::Table(inner))?
            } else {
                Value::String(lua.create_string(&text)?)
            }
        }
        // `Reply` is non-exhaustive; a shape added later reads as nil.
        #[allow(unreachable_patterns)]
        _ => Value::Boolean(false),
    })
}

fn array(lua: &Lua, items: Vec<Reply>, resp3: bool) -> mlua::Result<Value> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, item) in items.into_iter().enumerate() {
        t.raw_set(i + 1, reply_to_lua(lua, item, resp3)?)?;
    }
    Ok(Value::Table(t))
}

fn wrapped(lua: &Lua, field: &str, v: Value) -> mlua::Result<Value> {
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set(field, v)?;
    Ok(Value::Table(t))
}

/// C's `(long long)` cast of a double on x86-64: out of range and NaN give
/// `i64::MIN`, which is what Redis replies for `return 1e300`.
pub(crate) fn c_cast_i64(d: f64) -> i64 {
    if d.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&d) {
        i64::MIN
    } else {
        d as i64
    }
}

/// A Lua number as a command argument: C's `%.17g`, as Redis formats it.
pub(crate) fn number_arg(d: f64) -> String {
    if d.is_nan() {
        return if d.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    format_double(d)
}

/// Replaces CR and LF with spaces (Redis's `sdsmapchars(s, "\r\n", "  ")`).
fn one_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace(['\r', '\n'], " ")
}

/// The script's return value as a reply. `resp3` is the script's protocol
/// (`redis.setresp`), which decides what a boolean becomes.
pub(crate) fn lua_to_reply(v: &Value, resp3: bool) -> Reply {
    lua_to_reply_at(v, resp3, 0)
}

fn lua_to_reply_at(v: &Value, resp3: bool, depth: usize) -> Reply {
    super::deep(|| lua_to_reply_inner(v, resp3, depth))
}

fn lua_to_reply_inner(v: &Value, resp3: bool, depth: usize) -> Reply {
    if depth > MAX_REPLY_DEPTH {
        return Reply::Error(Error::Static("ERR reached lua stack limit"));
    }
    match v {
        Value::String(s) => Reply::Bulk(Bytes::copy_from_slice(&s.as_bytes())),
        Value::Boolean(b) => match (resp3, b) {
            (false, true) => Reply::Integer(1),
            (false, false) => Reply::Null,
            (true, b) => Reply::Boolean(*b),
        },
        Value::Integer(i) => Reply::Integer(*i),
        Value::Number(d) => Reply::Integer(c_cast_i64(*d)),
        Value::Table(t) => table_to_reply(t, resp3, depth),
        _ => Reply::Null,
    }
}

fn table_to_reply(t: &Table, resp3: bool, depth: usize) -> Reply {
    let field = |name: &str| t.raw_get::<Value>(name).unwrap_or(Value::Nil);
    if let Value::String(e) = field("err") {
        return Reply::Error(Error::Reply(one_line(&e.as_bytes())));
    }
    if let Value::String(s) = field("ok") {
        return Reply::Simple(one_line(&s.as_bytes()).into());
    }
    match field("double") {
        Value::Number(d) => return Reply::Double(d),
        Value::Integer(i) => return Reply::Double(i as f64),
        _ => {}
    }
    if let Value::String(s) = field("big_number") {
        return Reply::BigNumber(one_line(&s.as_bytes()));
    }
    if let Value::Table(v) = field("verbatim_string") {
        if let (Ok(Value::String(format)), Ok(Value::String(text))) =
            (v.raw_get::<Value>("format"), v.raw_get::<Value>("string"))
        {
            let format = if &format.as_bytes()[..] == b"mkd" {
                "mkd"
            } else {
                "txt"
            };
            return Reply::Verbatim {
                format,
                text: Bytes::copy_from_slice(&text.as_bytes()),
            };
        }
    }
    if let Value::Table(m) = field("map") {
        let pairs = m
            .pairs::<Value, Value>()
            .filter_map(|kv| kv.ok())
            .map(|(k, v)| {
                (
                    lua_to_reply_at(&k, resp3, depth + 1),
                    lua_to_reply_at(&v, resp3, depth + 1),
                )
            })
            .collect();
        return Reply::Map(pairs);
    }
    if let Value::Table(s) = field("set") {
        let members = s
            .pairs::<Value, Value>()
            .filter_map(|kv| kv.ok())
            .map(|(k, _)| lua_to_reply_at(&k, resp3, depth + 1))
            .collect();
        return Reply::Set(members);
    }
    let mut items = Vec::new();
    for i in 1.. {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(lua_to_reply_at(&v, resp3, depth + 1)),
        }
    }
    Reply::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_line_follows_lua_push_error_buff() {
        for (input, want) in [
            (&b"-WRONGTYPE Operation"[..], &b"WRONGTYPE Operation"[..]),
            (b"-abc", b"ERR abc"),
            (b"abc def", b"ERR abc def"),
            (b"-X y\r\n", b"X y"),
        ] {
            assert_eq!(error_line(input), want);
        }
    }

    #[test]
    fn c_cast_saturates_like_x86() {
        assert_eq!(c_cast_i64(3.99), 3);
        assert_eq!(c_cast_i64(-3.99), -3);
        assert_eq!(c_cast_i64(1e300), i64::MIN);
        assert_eq!(c_cast_i64(f64::NAN), i64::MIN);
    }
}
