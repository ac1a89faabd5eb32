//! The Lua 5.1 interpreter of one store (mlua, vendored C Lua), its script
//! cache, and how EVAL runs a script (Redis `eval.c` + `script_lua.c`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use mlua::{
    ChunkMode, Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState,
};
use sha1::{Digest, Sha1};

use super::api::{self, RunState, error_message};
use super::{Control, Scripting, bit, cjson, cmsgpack, convert, structlib};
use crate::command::flags::{NOSCRIPT, WRITE};
use crate::command::{Cx, Protocol, parse_i64};
use crate::store::{Found, resolve_any};
use crate::{Error, Reply, Result};

/// The Lua side of the environment (see the file for what it sets up).
const PRELUDE: &str = include_str!("prelude.lua");
/// Chunk name of the prelude: its frames are skipped when an error is
/// located, so errors point at the script's line.
const INTERNAL_SOURCE: &str = "@embedis";
/// Chunk name of scripts, as in Redis (`user_script:1: ...`).
const SCRIPT_SOURCE: &str = "@user_script";
/// The count hook runs every this many VM instructions (Redis's value).
const HOOK_EVERY: u32 = 100_000;
const KILLED: &[u8] = b"ERR Script killed by user with SCRIPT KILL...";

/// Shebang flags Redis 7.0 knows (`#!lua flags=...`).
const SHEBANG_FLAGS: &[&str] = &[
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

/// A compiled, cached script.
#[derive(Clone)]
struct Script {
    func: Function,
    /// Has a `#!lua` line (Redis's "new mode"; not compatibility mode).
    shebang: bool,
    /// `#!lua flags=no-writes`.
    no_writes: bool,
}

/// What EVAL names: a body to hash (and compile if new) or a SHA-1.
pub(crate) enum Source<'a> {
    Body(&'a [u8]),
    Sha(&'a [u8]),
}

/// One interpreter with its script cache (Redis's `lctx`).
pub(crate) struct Engine {
    lua: Lua,
    /// The prelude's runner: `run(f, KEYS, ARGV) -> ok, value`.
    run: Function,
    /// The real `redis` table (scripts see a read-only view); `call` and
    /// `pcall` are swapped in for each run.
    redis: Table,
    /// `redis.call` outside a script run.
    idle_call: Function,
    run_state: Arc<RunState>,
    scripts: HashMap<String, Script>,
}

/// SHA-1 of `body` in lower-case hex, as EVAL and `redis.sha1hex` compute it.
pub(crate) fn sha1_hex(body: &[u8]) -> String {
    let digest = Sha1::digest(body);
    let mut s = String::with_capacity(40);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn lua_error(e: mlua::Error) -> Error {
    Error::Reply(format!("ERR {}", one_line(&error_message(&e))))
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

impl Engine {
    /// A fresh interpreter with Redis's environment.
    fn new(scripting: &Scripting) -> mlua::Result<Engine> {
        // The base library (with `coroutine`) is always opened.
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        let run_state = Arc::new(RunState::default());
        let redis = api::redis_library(
            &lua,
            scripting.control.clone(),
            run_state.clone(),
            scripting.logger.clone(),
        )?;
        let idle_call = lua.create_function(|_, _: MultiValue| -> mlua::Result<()> {
            Err(api::table_error(
                "redis.call/pcall can only be called inside a script invocation",
            ))
        })?;
        redis.raw_set("call", idle_call.clone())?;
        redis.raw_set("pcall", idle_call.clone())?;
        let math: Table = lua.globals().get("math")?;
        api::install_random(&lua, &math, scripting.rand48.clone())?;

        let rust = lua.create_table()?;
        // Read-only views -> the tables they show (weak keys).
        let real_of = lua.create_table()?;
        let weak = lua.create_table()?;
        weak.raw_set("__mode", "k")?;
        real_of.set_metatable(Some(weak))?;
        rust.raw_set("real_of", real_of.clone())?;
        rust.raw_set(
            "guard",
            lua.create_function(move |lua, f: Function| {
                let real_of = real_of.clone();
                lua.create_function(move |_, args: MultiValue| {
                    if let Some(Value::Table(t)) = args.front() {
                        if !matches!(real_of.raw_get::<Value>(t.clone())?, Value::Nil) {
                            return Err(mlua::Error::runtime("Attempt to modify a readonly table"));
                        }
                    }
                    f.call::<MultiValue>(args)
                })
            })?,
        )?;
        rust.raw_set("handler", lua.create_function(error_handler)?)?;
        rust.raw_set("error_value", lua.create_function(error_value)?)?;
        let control = scripting.control.clone();
        rust.raw_set(
            "killed",
            lua.create_function(move |_, ()| Ok(control.killed()))?,
        )?;
        rust.raw_set("redis", redis.clone())?;
        rust.raw_set("cjson", cjson::library(&lua)?)?;
        rust.raw_set("cmsgpack", cmsgpack::library(&lua)?)?;
        rust.raw_set("struct", structlib::library(&lua)?)?;
        rust.raw_set("bit", bit::library(&lua)?)?;

        let (run, protected): (Function, Table) = lua
            .load(PRELUDE)
            .set_name(INTERNAL_SOURCE)
            .set_mode(ChunkMode::Text)
            .call(rust)?;
        lua.set_globals(protected)?;

        let control = scripting.control.clone();
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_EVERY),
            move |_, _| {
                if control.must_stop() {
                    Err(mlua::Error::runtime(
                        "Script killed by user with SCRIPT KILL...",
                    ))
                } else {
                    Ok(VmState::Continue)
                }
            },
        )?;
        Ok(Engine {
            lua,
            run,
            redis,
            idle_call,
            run_state,
            scripts: HashMap::new(),
        })
    }

    /// Compiles `body` and caches it under `sha` (Redis `luaCreateFunction`).
    fn compile(&mut self, sha: String, body: &[u8]) -> Result<Script> {
        let shebang = parse_shebang(body)?;
        let code: Cow<'_, [u8]> = match &shebang {
            // Keep the line numbers: the `#!` line becomes a comment.
            Some(_) => {
                let mut c = body.to_vec();
                c[..2].copy_from_slice(b"--");
                Cow::Owned(c)
            }
            None => Cow::Borrowed(body),
        };
        let func = self
            .lua
            .load(&*code)
            .set_name(SCRIPT_SOURCE)
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|e| Error::ScriptCompile {
                detail: one_line(&error_message(&e)),
            })?;
        let script = Script {
            func,
            shebang: shebang.is_some(),
            no_writes: shebang.is_some_and(|flags| flags.contains(&"no-writes")),
        };
        self.scripts.insert(sha, script.clone());
        Ok(script)
    }

    /// SCRIPT LOAD: compiles if new, returns the SHA-1.
    fn load(&mut self, body: &[u8]) -> Result<String> {
        let sha = sha1_hex(body);
        if !self.scripts.contains_key(&sha) {
            self.compile(sha.clone(), body)?;
        }
        Ok(sha)
    }

    /// Runs `script` with `KEYS` / `ARGV` in the command's context.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        cx: &mut Cx<'_>,
        control: &Control,
        sha: &str,
        script: &Script,
        keys: &[Bytes],
        args: &[Bytes],
        read_only: bool,
    ) -> Result<Reply> {
        let lua = &self.lua;
        let to_table = |items: &[Bytes]| -> mlua::Result<Table> {
            let t = lua.create_table_with_capacity(items.len(), 0)?;
            for (i, item) in items.iter().enumerate() {
                t.raw_set(i + 1, lua.create_string(item)?)?;
            }
            Ok(t)
        };
        let keys = to_table(keys).map_err(lua_error)?;
        let args = to_table(args).map_err(lua_error)?;
        let saved = (cx.db, cx.protocol, cx.may_block);
        cx.may_block = false;
        self.run_state.resp.store(2, Ordering::Relaxed);
        control.begin();
        let run_state = &*self.run_state;
        let out = {
            let cx_cell = RefCell::new(&mut *cx);
            lua.scope(|scope| {
                let call = scope.create_function(|lua, args: MultiValue| {
                    let mut cx = cx_cell.borrow_mut();
                    redis_call(lua, &mut cx, control, run_state, read_only, args, true)
                })?;
                let pcall = scope.create_function(|lua, args: MultiValue| {
                    let mut cx = cx_cell.borrow_mut();
                    redis_call(lua, &mut cx, control, run_state, read_only, args, false)
                })?;
                self.redis.raw_set("call", call)?;
                self.redis.raw_set("pcall", pcall)?;
                let result = self
                    .run
                    .call::<(bool, Value)>((script.func.clone(), keys, args));
                self.redis.raw_set("call", self.idle_call.clone())?;
                self.redis.raw_set("pcall", self.idle_call.clone())?;
                let (ok, value) = result?;
                let resp3 = run_state.resp.load(Ordering::Relaxed) == 3;
                Ok(if ok {
                    convert::lua_to_reply(&value, resp3)
                } else {
                    failure_reply(control, sha, &value)
                })
            })
        };
        super::apply_deferred(cx.state, control.end());
        (cx.db, cx.protocol, cx.may_block) = saved;
        out.map_err(|e| {
            Error::Reply(format!(
                "ERR Error running script {sha}, {}",
                one_line(&error_message(&e))
                    .chars()
                    .take(100)
                    .collect::<String>()
            ))
        })
    }
}

/// Redis's `__redis__err__handler`: any error becomes `{err=..., source=...,
/// line=...}`, a non-table one as `{err='ERR ' .. tostring(e)}`, located at
/// the script line that raised it (C functions and the prelude skipped).
fn error_handler(lua: &Lua, err: Value) -> mlua::Result<Table> {
    let frame = script_frame(lua);
    let t = match err {
        Value::Table(t) => t,
        Value::Error(e) if api::table_error_of(&e).is_some() => {
            let line = &api::table_error_of(&e).expect("checked").0;
            convert::error_table(lua, line, true)?
        }
        other => {
            let mut line = b"ERR ".to_vec();
            line.extend_from_slice(&describe(lua, other)?);
            convert::error_table(lua, &line, false)?
        }
    };
    if let Some((source, line)) = frame {
        t.raw_set("source", source)?;
        t.raw_set("line", line)?;
    }
    Ok(t)
}

/// For the prelude's `pcall` / `xpcall`: an error raised by a Rust function
/// as the value Redis's C function would have raised (`{err=...}` or a
/// string); any other value unchanged.
fn error_value(lua: &Lua, v: Value) -> mlua::Result<Value> {
    Ok(match v {
        Value::Error(e) => match api::table_error_of(&e) {
            Some(t) => Value::Table(convert::error_table(lua, &t.0, true)?),
            None => Value::String(lua.create_string(error_message(&e))?),
        },
        other => other,
    })
}

fn script_frame(lua: &Lua) -> Option<(String, i64)> {
    for level in 0..64 {
        let (what, source, line) = lua.inspect_stack(level, |d| {
            let s = d.source();
            (
                s.what,
                s.source.map(|c| c.into_owned()),
                d.current_line().map(|l| l as i64).unwrap_or(-1),
            )
        })?;
        if what == "C" || what == "tail" || source.as_deref() == Some(INTERNAL_SOURCE) {
            continue;
        }
        return Some((source?, line));
    }
    None
}

/// `tostring(v)` for the error handler; an mlua error gives its message.
fn describe(lua: &Lua, v: Value) -> mlua::Result<Vec<u8>> {
    Ok(match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Error(e) => error_message(&e).into_bytes(),
        other => {
            let tostring: Function = lua.globals().get("tostring")?;
            let s: mlua::String = tostring.call(other)?;
            s.as_bytes().to_vec()
        }
    })
}

/// The error reply of a failed script: `<err> script: <sha>, on <source>:<line>.`
fn failure_reply(control: &Control, sha: &str, value: &Value) -> Reply {
    let Value::Table(t) = value else {
        return Reply::Error(Error::Reply(format!(
            "ERR Error running script {sha}, execution failure"
        )));
    };
    let text = |v: Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.to_string_lossy()),
            Value::Integer(i) => Some(i.to_string()),
            Value::Number(n) => Some(super::cjson::format_g(n, 14)),
            _ => None,
        }
    };
    let msg = if control.killed() {
        String::from_utf8_lossy(KILLED).into_owned()
    } else {
        text(t.raw_get("err").unwrap_or(Value::Nil)).unwrap_or_else(|| "ERR unknown error".into())
    };
    let source = text(t.raw_get("source").unwrap_or(Value::Nil));
    let line = text(t.raw_get("line").unwrap_or(Value::Nil));
    let line = match (source, line) {
        (Some(source), Some(line)) => format!("{msg} script: {sha}, on {source}:{line}."),
        _ => msg,
    };
    Reply::Error(Error::Reply(one_line(&line)))
}

/// `redis.call` (`raise`) / `redis.pcall`: runs one command; a failure is
/// raised as `{err=...}` by `redis.call` and returned by `redis.pcall`.
fn redis_call(
    lua: &Lua,
    cx: &mut Cx<'_>,
    control: &Control,
    run_state: &RunState,
    read_only: bool,
    args: MultiValue,
    raise: bool,
) -> mlua::Result<Value> {
    let resp3 = run_state.resp.load(Ordering::Relaxed) == 3;
    let failure = |lua: &Lua, line: Vec<u8>, from_command: bool| -> mlua::Result<Value> {
        if raise {
            Err(mlua::Error::external(api::TableError(line)))
        } else {
            Ok(Value::Table(convert::error_table(
                lua,
                &line,
                from_command,
            )?))
        }
    };
    if args.is_empty() {
        let line =
            convert::error_line(b"Please specify at least one argument for this redis lib call");
        return failure(lua, line, false);
    }
    let argv = match lua_args_to_argv(args) {
        Ok(argv) => argv,
        Err(msg) => return failure(lua, convert::error_line(msg.as_bytes()), false),
    };
    match script_command(cx, control, read_only, resp3, argv) {
        Err(msg) => failure(lua, convert::error_line(msg.as_bytes()), true),
        Ok(Reply::Error(e)) => failure(lua, convert::error_line(format!("-{e}").as_bytes()), true),
        Ok(reply) => convert::reply_to_lua(lua, reply, resp3),
    }
}

/// Lua arguments to command words: strings as they are, numbers as `%.17g`
/// (Redis does not use Lua's 14-digit `tostring` here).
pub(crate) fn lua_args_to_argv(args: MultiValue) -> std::result::Result<Vec<Bytes>, &'static str> {
    args.into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(Bytes::copy_from_slice(&s.as_bytes())),
            Value::Integer(i) => Ok(Bytes::from(convert::number_arg(i as f64))),
            Value::Number(d) => Ok(Bytes::from(convert::number_arg(d))),
            _ => Err("Lua redis lib command arguments must be strings or integers"),
        })
        .collect()
}

/// Redis's `scriptCall`: table lookup and the checks scripts add, then the
/// command's own handler, through the same table every front door uses.
fn script_command(
    cx: &mut Cx<'_>,
    control: &Control,
    read_only: bool,
    resp3: bool,
    argv: Vec<Bytes>,
) -> std::result::Result<Reply, &'static str> {
    // WATCH/UNWATCH sent by clients while this script was busy take effect
    // here, between two of its commands, as in Redis.
    super::apply_deferred(cx.state, control.take_deferred());
    let found = match resolve_any(cx.shared, &argv) {
        Ok(found) => found,
        Err(Error::WrongArity { .. }) => {
            return Err("Wrong number of args calling Redis command from script");
        }
        Err(_) => return Err("Unknown Redis command called from script"),
    };
    let flags = found.flags();
    if flags & NOSCRIPT != 0 {
        return Err("This Redis command is not allowed from script");
    }
    if flags & WRITE != 0 {
        if read_only {
            return Err("Write commands are not allowed from read-only scripts.");
        }
        control.wrote();
    }
    cx.protocol = if resp3 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    };
    if let Found::Builtin(spec, _) = &found {
        if spec.handler.is_none() {
            if let Some(reply) = script_client_command(cx, spec.name, &argv) {
                return Ok(reply);
            }
        }
    }
    Ok(found.call(cx, argv))
}

/// The connection commands a script runs as its own client (Redis gives
/// scripts a client of their own): SELECT changes the script's database only
/// (Redis 7.0), PING and ECHO answer as usual. Other session-only commands
/// are flagged `noscript` and refused before this.
fn script_client_command(cx: &mut Cx<'_>, name: &str, argv: &[Bytes]) -> Option<Reply> {
    Some(match name {
        "select" => match parse_i64(&argv[1]) {
            None => Reply::Error(Error::NotInteger),
            Some(db) if db < 0 || db as usize >= cx.databases() => {
                Reply::Error(Error::DbIndexOutOfRange)
            }
            Some(db) => {
                cx.db = db as usize;
                Reply::OK
            }
        },
        "ping" => match argv.len() {
            1 => Reply::simple("PONG"),
            2 => Reply::Bulk(argv[1].clone()),
            _ => Reply::Error(Error::wrong_arity("ping")),
        },
        "echo" => Reply::Bulk(argv[1].clone()),
        _ => return None,
    })
}

// ---- the shebang ---------------------------------------------------------------

/// Redis's `evalExtractShebangFlags`: `None` without a `#!` line, else its
/// flags.
fn parse_shebang(body: &[u8]) -> Result<Option<Vec<&'static str>>> {
    if !body.starts_with(b"#!") {
        return Ok(None);
    }
    let Some(end) = body.iter().position(|&c| c == b'\n') else {
        return Err(Error::ShebangInvalid);
    };
    let line = String::from_utf8_lossy(&body[..end]);
    let mut parts = line.split_ascii_whitespace();
    let engine = parts.next().unwrap_or("");
    if engine != "#!lua" {
        return Err(Error::ShebangEngine(engine.to_owned()));
    }
    let mut flags = Vec::new();
    for part in parts {
        let Some(list) = part.strip_prefix("flags=") else {
            return Err(Error::ShebangOption(part.to_owned()));
        };
        for flag in list.split(',').filter(|f| !f.is_empty()) {
            match SHEBANG_FLAGS.iter().find(|known| **known == flag) {
                Some(known) => flags.push(*known),
                None => return Err(Error::ShebangFlag(flag.to_owned())),
            }
        }
    }
    Ok(Some(flags))
}

// ---- the commands' entry points ----------------------------------------------------

/// Runs `f` with this store's engine, creating it on first use.
fn with_engine<R>(cx: &Cx<'_>, f: impl FnOnce(&mut Engine) -> Result<R>) -> Result<R> {
    let scripting = &cx.shared.scripting;
    let mut guard = scripting.engine.lock();
    if guard.is_none() {
        *guard = Some(Engine::new(scripting).map_err(lua_error)?);
    }
    f(guard.as_mut().expect("engine created above"))
}

/// EVAL / EVALSHA / EVAL_RO / EVALSHA_RO after argument parsing.
pub(crate) fn eval(
    cx: &mut Cx<'_>,
    source: Source<'_>,
    keys: &[Bytes],
    args: &[Bytes],
    read_only_command: bool,
) -> Result<Reply> {
    let shared = cx.shared;
    let mut guard = shared.scripting.engine.lock();
    if guard.is_none() {
        *guard = Some(Engine::new(&shared.scripting).map_err(lua_error)?);
    }
    let engine = guard.as_mut().expect("engine created above");
    let (sha, script) = match source {
        Source::Sha(sha) => {
            let sha = String::from_utf8_lossy(sha).to_ascii_lowercase();
            let script = engine.scripts.get(&sha).cloned().ok_or(Error::NoScript)?;
            (sha, script)
        }
        Source::Body(body) => {
            let sha = sha1_hex(body);
            let script = match engine.scripts.get(&sha) {
                Some(s) => s.clone(),
                None => engine.compile(sha.clone(), body)?,
            };
            (sha, script)
        }
    };
    if script.shebang && !script.no_writes && read_only_command {
        return Err(Error::ScriptWriteFlagOnReadOnly);
    }
    let read_only = read_only_command || script.no_writes;
    engine.run(
        cx,
        &shared.scripting.control,
        &sha,
        &script,
        keys,
        args,
        read_only,
    )
}

/// SCRIPT LOAD.
pub(crate) fn script_load(cx: &Cx<'_>, body: &[u8]) -> Result<String> {
    with_engine(cx, |e| e.load(body))
}

/// SCRIPT EXISTS, for one SHA-1.
pub(crate) fn script_exists(cx: &Cx<'_>, sha: &[u8]) -> bool {
    let sha = String::from_utf8_lossy(sha).to_ascii_lowercase();
    cx.shared
        .scripting
        .engine
        .lock()
        .as_ref()
        .is_some_and(|e| e.scripts.contains_key(&sha))
}

/// SCRIPT FLUSH: drops the cache and the interpreter (Redis resets it too).
pub(crate) fn script_flush(cx: &Cx<'_>) {
    *cx.shared.scripting.engine.lock() = None;
}

/// A fresh rand48 state for a new store.
pub(crate) fn new_rand48() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(api::RAND48_INIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_parsing_follows_redis() {
        assert_eq!(parse_shebang(b"return 1").unwrap(), None);
        assert_eq!(parse_shebang(b"#!lua\nreturn 1").unwrap(), Some(vec![]));
        assert_eq!(
            parse_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap(),
            Some(vec!["no-writes", "allow-oom"])
        );
        assert_eq!(parse_shebang(b"#!lua"), Err(Error::ShebangInvalid));
        assert_eq!(
            parse_shebang(b"#!luax\n"),
            Err(Error::ShebangEngine("#!luax".into()))
        );
        assert_eq!(
            parse_shebang(b"#!lua flags=foo\n"),
            Err(Error::ShebangFlag("foo".into()))
        );
        assert_eq!(
            parse_shebang(b"#!lua name=x\n"),
            Err(Error::ShebangOption("name=x".into()))
        );
    }
}
