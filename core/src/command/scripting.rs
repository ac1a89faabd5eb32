//! The scripting command group (Redis `eval.c`): EVAL, EVALSHA, EVAL_RO,
//! EVALSHA_RO and SCRIPT. The interpreter lives in `crate::scripting`
//! (feature `lua`); without the feature the commands are in the table (so
//! COMMAND and arity checks match Redis) and answer
//! [`Error::ScriptingUnavailable`].

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, container, spec};
use crate::{Error, Reply, Result};

const G: &str = "scripting";

/// EVAL-family key positions: `numkeys` at index 2, keys after it.
const EVAL_KEYS: KeySpec = KeySpec::keynum(2, 0, 0, 0);
const EVAL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS;

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("eval", -3, EVAL_FLAGS, EVAL_KEYS, G, eval),
    spec("evalsha", -3, EVAL_FLAGS, EVAL_KEYS, G, evalsha),
    spec("eval_ro", -3, READONLY | EVAL_FLAGS, EVAL_KEYS, G, eval_ro),
    spec(
        "evalsha_ro",
        -3,
        READONLY | EVAL_FLAGS,
        EVAL_KEYS,
        G,
        evalsha_ro,
    ),
    container("script", G, SCRIPT),
];

static SCRIPT: &[CommandSpec] = &[
    spec("debug", 3, NOSCRIPT, KeySpec::NONE, G, script_debug),
    spec("exists", -3, NOSCRIPT, KeySpec::NONE, G, script_exists),
    spec("flush", -2, NOSCRIPT, KeySpec::NONE, G, script_flush),
    spec("help", 2, LOADING | STALE, KeySpec::NONE, G, script_help),
    spec(
        "kill",
        2,
        NOSCRIPT | ALLOW_BUSY,
        KeySpec::NONE,
        G,
        script_kill,
    ),
    spec("load", 3, NOSCRIPT | STALE, KeySpec::NONE, G, script_load),
];

/// Which script EVAL runs and whether writes are refused.
#[derive(Clone, Copy)]
enum Mode {
    Body,
    Sha,
}

/// `EVAL script numkeys [key ...] [arg ...]`.
fn eval(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    eval_generic(cx, args, Mode::Body, false)
}

/// `EVALSHA sha1 numkeys [key ...] [arg ...]`.
fn evalsha(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    eval_generic(cx, args, Mode::Sha, false)
}

/// `EVAL_RO script numkeys [key ...] [arg ...]`: write commands refused.
fn eval_ro(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    eval_generic(cx, args, Mode::Body, true)
}

/// `EVALSHA_RO sha1 numkeys [key ...] [arg ...]`: write commands refused.
fn evalsha_ro(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    eval_generic(cx, args, Mode::Sha, true)
}

/// Redis's `evalGenericCommand` order: a SHA-1 that is not 40 characters is
/// `NOSCRIPT` at once, then numkeys is checked, then the script is found
/// (or compiled) and run.
fn eval_generic(cx: &mut Cx<'_>, args: &mut Args, mode: Mode, read_only: bool) -> Result<Reply> {
    let script = args.next()?;
    if matches!(mode, Mode::Sha) && script.len() != 40 {
        return Err(Error::NoScript);
    }
    let numkeys = args.i64()?;
    let rest = args.rest();
    if numkeys > rest.len() as i64 {
        return Err(Error::NumkeysTooLarge);
    }
    if numkeys < 0 {
        return Err(Error::NumkeysNegative);
    }
    let (keys, argv) = rest.split_at(numkeys as usize);
    run(cx, &script, mode, keys, argv, read_only)
}

#[cfg(feature = "lua")]
fn run(
    cx: &mut Cx<'_>,
    script: &Bytes,
    mode: Mode,
    keys: &[Bytes],
    argv: &[Bytes],
    read_only: bool,
) -> Result<Reply> {
    use crate::scripting::engine::{self, Source};
    let source = match mode {
        Mode::Body => Source::Body(script),
        Mode::Sha => Source::Sha(script),
    };
    engine::eval(cx, source, keys, argv, read_only)
}

#[cfg(not(feature = "lua"))]
fn run(
    _cx: &mut Cx<'_>,
    _script: &Bytes,
    _mode: Mode,
    _keys: &[Bytes],
    _argv: &[Bytes],
    _read_only: bool,
) -> Result<Reply> {
    Err(Error::ScriptingUnavailable)
}

/// `SCRIPT LOAD script`: the SHA-1, after compiling.
fn script_load(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let body = args.next()?;
    #[cfg(feature = "lua")]
    {
        let sha = crate::scripting::engine::script_load(cx, &body)?;
        Ok(Reply::bulk(sha))
    }
    #[cfg(not(feature = "lua"))]
    {
        let _ = (cx, body);
        Err(Error::ScriptingUnavailable)
    }
}

/// `SCRIPT EXISTS sha1 [sha1 ...]`: 1 or 0 for each.
fn script_exists(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let shas = args.rest();
    Ok(Reply::Array(
        shas.iter()
            .map(|sha| {
                #[cfg(feature = "lua")]
                let found = crate::scripting::engine::script_exists(cx, sha);
                #[cfg(not(feature = "lua"))]
                let found = {
                    let _ = (&cx, sha);
                    false
                };
                Reply::Integer(found as i64)
            })
            .collect(),
    ))
}

/// `SCRIPT FLUSH [ASYNC|SYNC]`: empties the cache (both modes are
/// synchronous here: dropping the interpreter is quick).
fn script_flush(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    match args.rest_ref() {
        [] => {}
        [mode] if mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async") => {}
        _ => return Err(Error::ScriptFlushOption),
    }
    #[cfg(feature = "lua")]
    crate::scripting::engine::script_flush(cx);
    #[cfg(not(feature = "lua"))]
    let _ = cx;
    Ok(Reply::OK)
}

/// `SCRIPT KILL` reaching the handler means the caller got the store lock,
/// so no script is running. While one is busy, the store answers SCRIPT
/// KILL without the lock (see `crate::scripting::lock_for_command`).
fn script_kill(_cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    Err(Error::NotBusy)
}

/// `SCRIPT DEBUG YES|SYNC|NO`: the Lua debugger is not implemented; `NO`
/// is accepted.
fn script_debug(_cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let mode = args.next()?;
    if mode.eq_ignore_ascii_case(b"no") {
        Ok(Reply::OK)
    } else if mode.eq_ignore_ascii_case(b"yes") || mode.eq_ignore_ascii_case(b"sync") {
        Err(Error::Static("ERR SCRIPT DEBUG is not supported"))
    } else {
        Err(Error::Static("ERR Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

/// `SCRIPT HELP`: Redis 7.0's text.
fn script_help(_cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    const LINES: &[&str] = &[
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(
        LINES.iter().map(|l| Reply::simple(l)).collect(),
    ))
}
