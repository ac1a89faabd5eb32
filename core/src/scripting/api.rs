//! The `redis` table scripts see (Redis `script_lua.c`'s `luaRegisterRedisAPI`)
//! minus `redis.call` / `redis.pcall`, which need the running command's
//! context and are installed by `engine` for each run; plus Redis's
//! `math.random` / `math.randomseed` and the error helpers shared by every
//! Rust function exposed to Lua.
//!
//! Functions raise errors the two ways Redis's C functions do: a
//! `{err=...}` table (`luaPushError` + `luaError`: [`table_error`]) or a
//! string prefixed with the caller's position (`luaL_error`:
//! [`lib_error`]). Both reach Lua as an mlua error value, which the prelude's
//! `pcall` and the error handler turn back into what Redis would give.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use mlua::{Lua, MultiValue, Table, Value};
use parking_lot::RwLock;

use super::bit::{parse_lua_number, type_name};
use super::convert::{self, c_cast_i64};
use super::engine::sha1_hex;
use super::{Control, ScriptLogger};

/// An error raised as a `{err=...}` table (Redis's `luaError`); the bytes
/// are the `err` field (`ERR ...`, `WRONGTYPE ...`).
#[derive(Debug)]
pub(crate) struct TableError(pub(crate) Vec<u8>);

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl std::error::Error for TableError {}

/// Raises `{err = "ERR " .. msg}` (or `msg` as is when it starts with `-CODE`).
pub(crate) fn table_error(msg: &str) -> mlua::Error {
    mlua::Error::external(TableError(convert::error_line(msg.as_bytes())))
}

/// `luaL_where(L, 1)`: `user_script:3: ` for a Lua caller, empty otherwise.
pub(crate) fn caller_position(lua: &Lua) -> String {
    lua.inspect_stack(1, |d| {
        let src = d.source();
        match (src.what, src.short_src, d.current_line()) {
            ("C", ..) => String::new(),
            (_, Some(short), Some(line)) if line > 0 => format!("{short}:{line}: "),
            _ => String::new(),
        }
    })
    .unwrap_or_default()
}

/// Raises `msg` as `luaL_error` does from a C function: a string that
/// starts with the calling script line.
pub(crate) fn lib_error(lua: &Lua, msg: impl std::fmt::Display) -> mlua::Error {
    mlua::Error::RuntimeError(format!("{}{msg}", caller_position(lua)))
}

/// The error value inside mlua's wrapping, if it is a [`TableError`].
pub(crate) fn table_error_of(e: &mlua::Error) -> Option<&TableError> {
    match e {
        mlua::Error::CallbackError { cause, .. } => table_error_of(cause),
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<TableError>(),
        _ => None,
    }
}

/// The message of an error that crossed mlua, without mlua's wrapping.
pub(crate) fn error_message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(s) | mlua::Error::MemoryError(s) => s.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::CallbackError { cause, .. } => error_message(cause),
        mlua::Error::ExternalError(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// What a running script shares with the `redis.*` functions.
pub(crate) struct RunState {
    /// `redis.setresp`: 2 or 3, reset to 2 for every script.
    pub(crate) resp: AtomicU8,
}

impl Default for RunState {
    fn default() -> Self {
        RunState {
            resp: AtomicU8::new(2),
        }
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Integer(i)) => Some(*i as f64),
        Some(Value::Number(d)) => Some(*d),
        Some(Value::String(s)) => std::str::from_utf8(&s.as_bytes())
            .ok()
            .and_then(|s| parse_lua_number(s.trim())),
        _ => None,
    }
}

/// `lua_tolstring`: strings and numbers (numbers as `%.14g`).
fn lua_text(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(d) => Some(super::cjson::format_g(*d, 14).into_bytes()),
        _ => None,
    }
}

fn wrapped(lua: &Lua, field: &str, v: Value) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 1)?;
    t.raw_set(field, v)?;
    Ok(t)
}

/// The `redis` table without `call` / `pcall`.
pub(crate) fn redis_library(
    lua: &Lua,
    control: Arc<Control>,
    run: Arc<RunState>,
    logger: Arc<RwLock<Option<ScriptLogger>>>,
) -> mlua::Result<Table> {
    let t = lua.create_table()?;

    let (c, r) = (control.clone(), run.clone());
    t.raw_set(
        "setresp",
        lua.create_function(move |_, args: MultiValue| {
            if !c.is_running() {
                return Err(table_error(
                    "redis.setresp can only be called inside a script invocation",
                ));
            }
            if args.len() != 1 {
                return Err(table_error("redis.setresp() requires one argument."));
            }
            let n = c_cast_i64(number(args.front()).unwrap_or(0.0)) as i32;
            if n != 2 && n != 3 {
                return Err(table_error("RESP version must be 2 or 3."));
            }
            r.resp.store(n as u8, Ordering::Relaxed);
            Ok(())
        })?,
    )?;

    t.raw_set(
        "sha1hex",
        lua.create_function(|_, args: MultiValue| {
            if args.len() != 1 {
                return Err(table_error("wrong number of arguments"));
            }
            Ok(sha1_hex(&lua_text(&args[0]).unwrap_or_default()))
        })?,
    )?;

    t.raw_set(
        "error_reply",
        lua.create_function(|lua, args: MultiValue| {
            let e = match (args.len(), args.front()) {
                (1, Some(Value::String(s))) => s.as_bytes().to_vec(),
                _ => {
                    let line = convert::error_line(b"wrong number or type of arguments");
                    return convert::error_table(lua, &line, false);
                }
            };
            let e = if e.first() == Some(&b'-') {
                e
            } else {
                [&b"-"[..], &e].concat()
            };
            convert::error_table(lua, &convert::error_line(&e), false)
        })?,
    )?;

    t.raw_set(
        "status_reply",
        lua.create_function(|lua, args: MultiValue| match (args.len(), args.front()) {
            (1, Some(Value::String(s))) => wrapped(lua, "ok", Value::String(s.clone())),
            _ => {
                let line = convert::error_line(b"wrong number or type of arguments");
                convert::error_table(lua, &line, false)
            }
        })?,
    )?;

    for (name, level) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
    ] {
        t.raw_set(name, level)?;
    }
    t.raw_set(
        "log",
        lua.create_function(move |_, args: MultiValue| {
            if args.len() < 2 {
                return Err(table_error("redis.log() requires two arguments or more."));
            }
            let Some(level) = number(args.front()) else {
                return Err(table_error("First argument must be a number (log level)."));
            };
            let level = c_cast_i64(level);
            if !(0..=3).contains(&level) {
                return Err(table_error("Invalid debug level."));
            }
            let mut msg = Vec::new();
            for (j, v) in args.iter().enumerate().skip(1) {
                if let Some(s) = lua_text(v) {
                    if j != 1 {
                        msg.push(b' ');
                    }
                    msg.extend_from_slice(&s);
                }
            }
            if let Some(log) = logger.read().as_ref() {
                log(level as u8, &String::from_utf8_lossy(&msg));
            }
            Ok(())
        })?,
    )?;

    for (name, flags) in [
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        t.raw_set(name, flags)?;
    }
    let c = control.clone();
    t.raw_set(
        "set_repl",
        lua.create_function(move |_, args: MultiValue| {
            if !c.is_running() {
                return Err(table_error(
                    "redis.set_repl can only be called inside a script invocation",
                ));
            }
            if args.len() != 1 {
                return Err(table_error("redis.set_repl() requires two arguments."));
            }
            let flags = c_cast_i64(number(args.front()).unwrap_or(0.0));
            if flags & !3 != 0 {
                return Err(table_error(
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                ));
            }
            Ok(())
        })?,
    )?;
    t.raw_set(
        "replicate_commands",
        lua.create_function(|_, _: MultiValue| Ok(true))?,
    )?;
    t.raw_set(
        "breakpoint",
        lua.create_function(|_, _: MultiValue| Ok(false))?,
    )?;
    t.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;

    let c = control;
    t.raw_set(
        "acl_check_cmd",
        lua.create_function(move |_, args: MultiValue| {
            if !c.is_running() {
                return Err(table_error(
                    "redis.acl_check_cmd can only be called inside a script invocation",
                ));
            }
            if args.is_empty() {
                return Err(table_error(
                    "Please specify at least one argument for this redis lib call",
                ));
            }
            let argv = super::engine::lua_args_to_argv(args).map_err(table_error)?;
            if crate::command::resolve(&argv).is_err() {
                return Err(table_error(
                    "Invalid command passed to redis.acl_check_cmd()",
                ));
            }
            Ok(true)
        })?,
    )?;

    t.raw_set("REDIS_VERSION", "7.0.15")?;
    t.raw_set("REDIS_VERSION_NUM", 0x07000f)?;
    Ok(t)
}

// ---- math.random: Redis's rand48 (`rand.c`) ---------------------------------

const RAND48_A: u64 = 0x5_DEEC_E66D;
const RAND48_C: u64 = 0xB;
const RAND48_MASK: u64 = (1 << 48) - 1;
/// The drand48 default state, which Redis starts from.
pub(crate) const RAND48_INIT: u64 = 0x1234_ABCD_330E;

pub(crate) fn rand48_next(state: &AtomicU64) -> f64 {
    let x = state.load(Ordering::Relaxed);
    let next = (RAND48_A.wrapping_mul(x).wrapping_add(RAND48_C)) & RAND48_MASK;
    state.store(next, Ordering::Relaxed);
    let r = (next >> 17) as i64; // redisLrand48(): 31 bits
    let max = i32::MAX as i64;
    (r % max) as f64 / max as f64
}

pub(crate) fn rand48_seed(state: &AtomicU64, seed: i32) {
    state.store(((seed as u32 as u64) << 16) | 0x330E, Ordering::Relaxed);
}

/// `luaL_checkint` for `math.random` / `math.randomseed`.
fn checkint(lua: &Lua, args: &MultiValue, n: usize, func: &str) -> mlua::Result<i64> {
    match number(args.get(n - 1)) {
        Some(d) => Ok(c_cast_i64(d) as i32 as i64),
        None => Err(lib_error(
            lua,
            format!(
                "bad argument #{n} to '{func}' (number expected, got {})",
                type_name(args.get(n - 1))
            ),
        )),
    }
}

/// Installs Redis's `math.random` and `math.randomseed` in `math`.
pub(crate) fn install_random(lua: &Lua, math: &Table, state: Arc<AtomicU64>) -> mlua::Result<()> {
    let s = state.clone();
    math.raw_set(
        "random",
        lua.create_function(move |lua, args: MultiValue| {
            let r = rand48_next(&s);
            match args.len() {
                0 => Ok(r),
                1 => {
                    let u = checkint(lua, &args, 1, "random")?;
                    if u < 1 {
                        return Err(lib_error(
                            lua,
                            "bad argument #1 to 'random' (interval is empty)",
                        ));
                    }
                    Ok((r * u as f64).floor() + 1.0)
                }
                2 => {
                    let l = checkint(lua, &args, 1, "random")?;
                    let u = checkint(lua, &args, 2, "random")?;
                    if l > u {
                        return Err(lib_error(
                            lua,
                            "bad argument #2 to 'random' (interval is empty)",
                        ));
                    }
                    Ok((r * (u - l + 1) as f64).floor() + l as f64)
                }
                _ => Err(lib_error(lua, "wrong number of arguments")),
            }
        })?,
    )?;
    math.raw_set(
        "randomseed",
        lua.create_function(move |lua, args: MultiValue| {
            let seed = checkint(lua, &args, 1, "randomseed")?;
            rand48_seed(&state, seed as i32);
            Ok(())
        })?,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rand48_matches_redis_sequences() {
        // A fresh redis-server: EVAL "return math.random(1000000)" 0, three times.
        let state = AtomicU64::new(RAND48_INIT);
        let draws: Vec<i64> = (0..3)
            .map(|_| (rand48_next(&state) * 1_000_000.0).floor() as i64 + 1)
            .collect();
        assert_eq!(draws, [396465, 840486, 353337]);
        // math.randomseed(7)
        rand48_seed(&state, 7);
        let draws: Vec<i64> = (0..2)
            .map(|_| (rand48_next(&state) * 1_000_000.0).floor() as i64 + 1)
            .collect();
        assert_eq!(draws, [266445, 682036]);
    }
}
