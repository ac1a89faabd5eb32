//! The server command group (Redis `server.c`, `config.c`, `debug.c`).
//!
//! TIME is an ordinary table command (DBSIZE, FLUSHDB and FLUSHALL live
//! with the keyspace group). INFO,
//! CONFIG, COMMAND, SAVE, BGSAVE, LASTSAVE, SHUTDOWN and DEBUG need what only
//! a server knows (its port, its persistence, its clients): they are
//! session-only entries, run by a [`Session`](crate::session::Session)
//! through [`run`] with the transport's [`Host`].

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, container, session_only, spec};
use crate::session::{Host, REDIS_VERSION, debug_sleep_duration, info_section, verbatim};
use crate::{Error, Reply, Result, Store};

const G: &str = "server";
const N: KeySpec = KeySpec::NONE;

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    session_only("get", -3, LOADING | STALE | NOSCRIPT, N, G),
    session_only("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("help", 2, LOADING | STALE, N, G),
];

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("time", 1, LOADING | STALE | FAST, N, G, time),
    session_only("info", -1, LOADING | STALE, N, G),
    container("config", G, CONFIG_SUBCOMMANDS),
    session_only("command", -1, LOADING | STALE, N, G),
    session_only("save", 1, ADMIN | NOSCRIPT | NO_MULTI, N, G),
    session_only("bgsave", -1, ADMIN | NOSCRIPT, N, G),
    session_only("lastsave", 1, LOADING | STALE | FAST, N, G),
    session_only(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        N,
        G,
    ),
    session_only("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
];

/// `TIME`: `[unix seconds, microseconds]` as bulk strings.
fn time(cx: &mut Cx<'_>, _args: &mut Args) -> Result<Reply> {
    let ms = cx.shared.clock.now_unix_ms();
    let micros = web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map(|d| d.subsec_micros() % 1000)
        .unwrap_or(0);
    Ok(Reply::Array(vec![
        Reply::bulk((ms / 1000).to_string()),
        Reply::bulk(((ms % 1000) * 1000 + micros as i64).to_string()),
    ]))
}

/// What a host command runs with.
pub(crate) struct HostCx<'a> {
    pub(crate) store: &'a Store,
    pub(crate) host: &'a dyn Host,
    /// Set when the connection must close (SHUTDOWN).
    pub(crate) closing: &'a mut bool,
}

/// Runs the session-only server command `name`.
pub(crate) fn run(cx: &mut HostCx<'_>, name: &str, args: &mut Args) -> Result<Reply> {
    match name {
        "info" => info(cx, args),
        "config" => config(cx, args),
        "command" => command(cx, args),
        "save" => cx.host.save().map(|_| Reply::OK),
        "bgsave" => {
            let schedule = args.eat("schedule");
            if !args.is_empty() {
                return Err(Error::Syntax);
            }
            cx.host.bgsave(schedule)
        }
        "lastsave" => Ok(Reply::Integer(cx.host.lastsave())),
        "shutdown" => shutdown(cx, args),
        "debug" => debug(cx, args),
        _ => Err(super::unknown_command(args.argv())),
    }
}

/// Sections of plain `INFO` (and `INFO default`).
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// `INFO [section ...]`: Redis's text format, `# Section` then `field:value` lines.
fn info(cx: &mut HostCx<'_>, args: &mut Args) -> Result<Reply> {
    let mut wanted: Vec<String> = Vec::new();
    for a in args.rest() {
        let s = String::from_utf8_lossy(&a).to_ascii_lowercase();
        match s.as_str() {
            "default" => wanted.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string())),
            "all" | "everything" => {
                wanted.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string()));
                wanted.push("commandstats".into());
                wanted.push("latencystats".into());
            }
            _ => wanted.push(s),
        }
    }
    if wanted.is_empty() {
        wanted.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string()));
    }
    let mut out = String::new();
    for section in DEFAULT_SECTIONS
        .iter()
        .chain(&["commandstats", "latencystats"])
    {
        if !wanted.iter().any(|w| w == section) {
            continue;
        }
        let mut f: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| f.push((k.to_owned(), v));
        match *section {
            "server" => {
                put("redis_version", REDIS_VERSION.into());
                put("redis_git_sha1", "00000000".into());
                put("redis_git_dirty", "0".into());
                put("redis_mode", "standalone".into());
                put("embedis_version", env!("CARGO_PKG_VERSION").into());
                put("arch_bits", (usize::BITS).to_string());
                put("hz", "10".into());
                put("configured_hz", "10".into());
                let us = web_time::SystemTime::now()
                    .duration_since(web_time::UNIX_EPOCH)
                    .map(|d| d.as_micros())
                    .unwrap_or(0);
                put("server_time_usec", us.to_string());
            }
            "clients" => {
                let c = cx.host.clients();
                put("connected_clients", c.len().to_string());
                put("blocked_clients", c.blocked().to_string());
                put("pubsub_clients", c.subscribed().to_string());
                put("tracking_clients", "0".into());
            }
            "stats" => {
                put(
                    "total_connections_received",
                    cx.host.clients().total_connections().to_string(),
                );
                put(
                    "total_commands_processed",
                    cx.store.commands_processed().to_string(),
                );
                put("expired_keys", cx.store.expired_keys().to_string());
                put("evicted_keys", "0".into());
            }
            "replication" => {
                put("role", "master".into());
                put("connected_slaves", "0".into());
                put("master_failover_state", "no-failover".into());
                put("master_repl_offset", "0".into());
            }
            "cluster" => put("cluster_enabled", "0".into()),
            "keyspace" => {
                for (i, (keys, expires)) in cx.store.keyspace_sizes().into_iter().enumerate() {
                    if keys > 0 {
                        put(
                            &format!("db{i}"),
                            format!("keys={keys},expires={expires},avg_ttl=0"),
                        );
                    }
                }
            }
            _ => {}
        }
        cx.host.info(section, &mut f);
        let title = match *section {
            "cpu" => "CPU".to_owned(),
            s => {
                let mut t = s.to_owned();
                t[..1].make_ascii_uppercase();
                t
            }
        };
        info_section(&mut out, &title, &f);
    }
    Ok(verbatim(out))
}

/// Every configuration parameter: the store's and the host's.
fn config_params(cx: &HostCx<'_>) -> Vec<(String, String)> {
    let mut p = vec![("databases".to_owned(), cx.store.databases().to_string())];
    cx.host.config_get(&mut p);
    p
}

/// `CONFIG GET|SET|RESETSTAT|REWRITE|HELP`.
fn config(cx: &mut HostCx<'_>, args: &mut Args) -> Result<Reply> {
    let sub = args.argv()[1].to_ascii_lowercase();
    args.next()?;
    match &sub[..] {
        b"get" => {
            let params = config_params(cx);
            let mut pairs: Vec<(Reply, Reply)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for pat in args.rest() {
                for (k, v) in &params {
                    if crate::glob::matches_nocase(&pat, k.as_bytes()) && seen.insert(k.clone()) {
                        pairs.push((Reply::bulk(k.clone()), Reply::bulk(v.clone())));
                    }
                }
            }
            Ok(Reply::Map(pairs))
        }
        b"set" => {
            let rest = args.rest();
            if rest.len() % 2 != 0 {
                return Err(Error::Reply(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                    String::from_utf8_lossy(&rest[0])
                )));
            }
            for pair in rest.chunks(2) {
                let name = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
                let value = String::from_utf8_lossy(&pair[1]).into_owned();
                if name == "databases" {
                    return Err(Error::Reply(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"
                    )));
                }
                match cx.host.config_set(&name, &value) {
                    None => {
                        return Err(Error::Reply(format!(
                            "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                        )));
                    }
                    Some(r) => r?,
                }
            }
            Ok(Reply::OK)
        }
        b"resetstat" => {
            cx.host.config_resetstat();
            Ok(Reply::OK)
        }
        b"rewrite" => cx.host.config_rewrite().map(|_| Reply::OK),
        _ => Ok(help(&[
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Print this help.",
        ])),
    }
}

fn help(lines: &[&'static str]) -> Reply {
    Reply::Array(lines.iter().map(|s| Reply::simple(s)).collect())
}

/// Redis ACL categories derived from flags and group, for COMMAND INFO.
fn categories(s: &CommandSpec) -> Reply {
    let mut v = Vec::new();
    if s.has(WRITE) {
        v.push("@write");
    }
    if s.has(READONLY) {
        v.push("@read");
    }
    v.push(match s.group {
        "string" => "@string",
        "generic" => "@keyspace",
        "list" => "@list",
        "hash" => "@hash",
        "set" => "@set",
        "sorted_set" | "sorted-set" | "zset" => "@sortedset",
        "pubsub" => "@pubsub",
        "connection" => "@connection",
        "transactions" => "@transaction",
        "scripting" => "@scripting",
        _ => "@admin",
    });
    v.push(if s.has(FAST) { "@fast" } else { "@slow" });
    if s.has(BLOCKING) {
        v.push("@blocking");
    }
    Reply::Set(v.into_iter().map(Reply::simple).collect())
}

fn flag_set(bits: u32) -> Reply {
    Reply::Set(
        NAMES
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, n)| Reply::simple(n))
            .collect(),
    )
}

/// One COMMAND INFO entry (Redis 7.0's 10-element shape).
fn command_info(s: &CommandSpec, parent: Option<&str>) -> Reply {
    let name = match parent {
        Some(p) => format!("{p}|{}", s.name),
        None => s.name.to_owned(),
    };
    Reply::Array(vec![
        Reply::bulk(name),
        Reply::Integer(s.arity as i64),
        flag_set(s.flags),
        Reply::Integer(s.keys.first as i64),
        Reply::Integer(s.keys.last as i64),
        Reply::Integer(s.keys.step as i64),
        categories(s),
        Reply::EMPTY_ARRAY,
        Reply::EMPTY_ARRAY,
        Reply::Array(
            s.subcommands
                .iter()
                .map(|c| command_info(c, Some(s.name)))
                .collect(),
        ),
    ])
}

fn custom_info(c: &crate::CustomSpec) -> Reply {
    Reply::Array(vec![
        Reply::bulk(c.name.clone()),
        Reply::Integer(c.arity as i64),
        flag_set(c.flags),
        Reply::Integer(c.keys.first as i64),
        Reply::Integer(c.keys.last as i64),
        Reply::Integer(c.keys.step as i64),
        Reply::EMPTY_ARRAY,
        Reply::EMPTY_ARRAY,
        Reply::EMPTY_ARRAY,
        Reply::EMPTY_ARRAY,
    ])
}

/// `COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS|HELP]`, generated from the table.
fn command(cx: &mut HostCx<'_>, args: &mut Args) -> Result<Reply> {
    let all = || super::commands();
    if args.is_empty() {
        let mut v: Vec<Reply> = all().map(|s| command_info(s, None)).collect();
        v.extend(cx.store.custom_commands().map(custom_info));
        return Ok(Reply::Array(v));
    }
    let sub = args.next()?.to_ascii_lowercase();
    let arity_err = || Error::wrong_arity(format!("command|{}", String::from_utf8_lossy(&sub)));
    match &sub[..] {
        b"count" => {
            if !args.is_empty() {
                return Err(arity_err());
            }
            Ok(Reply::count(
                all().count() + cx.store.custom_commands().count(),
            ))
        }
        b"info" => {
            if args.is_empty() {
                let mut v: Vec<Reply> = all().map(|s| command_info(s, None)).collect();
                v.extend(cx.store.custom_commands().map(custom_info));
                return Ok(Reply::Array(v));
            }
            Ok(Reply::Array(
                args.rest()
                    .iter()
                    .map(|n| lookup_info(cx.store, n))
                    .collect(),
            ))
        }
        b"docs" => {
            let names: Vec<Bytes> = if args.is_empty() {
                all()
                    .map(|s| Bytes::from_static(s.name.as_bytes()))
                    .collect()
            } else {
                args.rest()
            };
            let mut pairs = Vec::new();
            for n in names {
                if let Some(s) = super::lookup(&n) {
                    pairs.push((
                        Reply::bulk(s.name),
                        Reply::Map(vec![
                            (Reply::bulk("summary"), Reply::bulk("")),
                            (Reply::bulk("since"), Reply::bulk("1.0.0")),
                            (Reply::bulk("group"), Reply::bulk(s.group)),
                        ]),
                    ));
                }
            }
            Ok(Reply::Map(pairs))
        }
        b"list" => {
            let mut names: Vec<String> = all().map(|s| s.name.to_owned()).collect();
            names.extend(cx.store.custom_commands().map(|c| c.name.clone()));
            if !args.is_empty() {
                if !args.eat("filterby") || args.remaining() != 2 {
                    return Err(Error::Syntax);
                }
                let kind = args.next()?.to_ascii_lowercase();
                let val = args.next()?;
                match &kind[..] {
                    b"pattern" => names.retain(|n| crate::glob::matches_nocase(&val, n.as_bytes())),
                    b"aclcat" => {
                        let cat =
                            format!("@{}", String::from_utf8_lossy(&val).to_ascii_lowercase());
                        names.retain(|n| {
                            super::lookup(n.as_bytes()).is_some_and(|s| {
                                matches!(categories(s), Reply::Set(v) if v.contains(&Reply::Simple(cat.clone().into())))
                            })
                        });
                    }
                    b"module" => names.clear(),
                    _ => return Err(Error::Syntax),
                }
            }
            Ok(Reply::Array(names.into_iter().map(Reply::bulk).collect()))
        }
        b"getkeys" | b"getkeysandflags" => {
            let argv = args.rest();
            if argv.is_empty() {
                return Err(arity_err());
            }
            let Some(spec) = super::lookup(&argv[0]) else {
                return Err(Error::Static("ERR Invalid command specified"));
            };
            if !spec.arity_ok(argv.len()) {
                return Err(Error::Static(
                    "ERR Invalid number of arguments specified for command",
                ));
            }
            let mut keys = spec.keys.key_indexes(&argv);
            if spec.name == "sort" {
                keys.extend(sort_store_index(&argv));
            }
            if keys.is_empty() {
                return Err(Error::Static("ERR The command has no key arguments"));
            }
            Ok(Reply::Array(
                keys.into_iter()
                    .map(|i| Reply::Bulk(argv[i].clone()))
                    .collect(),
            ))
        }
        b"help" => Ok(help(&[
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "HELP",
            "    Print this help.",
        ])),
        _ => Err(Error::UnknownSubcommand {
            subcommand: String::from_utf8_lossy(&sub).into_owned(),
            command: "COMMAND".into(),
        }),
    }
}

fn lookup_info(store: &Store, name: &[u8]) -> Reply {
    if let Some(s) = super::lookup(name) {
        return command_info(s, None);
    }
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    store
        .custom_commands()
        .find(|c| c.name == lower)
        .map(custom_info)
        .unwrap_or(Reply::NullArray)
}

/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`.
///
/// While a script is busy only `SHUTDOWN NOSAVE` goes ahead (others get
/// `BUSY`), and it stops the script, as Redis exits under it.
fn shutdown(cx: &mut HostCx<'_>, args: &mut Args) -> Result<Reply> {
    let (mut nosave, mut save, mut abort, mut other) = (false, false, false, false);
    for a in args.rest() {
        match &a.to_ascii_lowercase()[..] {
            b"nosave" => nosave = true,
            b"save" => save = true,
            b"now" | b"force" => other = true,
            b"abort" => abort = true,
            _ => return Err(Error::Syntax),
        }
    }
    // Redis's illegal combinations: ABORT with anything, SAVE with NOSAVE.
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(Error::Syntax);
    }
    if abort {
        return Err(Error::Static("ERR No shutdown in progress."));
    }
    if !nosave && cx.store.script_busy() {
        return Err(Error::Busy);
    }
    let save = match (nosave, save) {
        (true, _) => Some(false),
        (_, true) => Some(true),
        _ => None,
    };
    cx.host.shutdown(save)?;
    // What a NOSAVE shutdown leaves running would hold the store lock
    // forever (a `while true do end` past lua-time-limit).
    cx.store.script_abort();
    // Redis closes the connection without a reply when the shutdown
    // succeeds: the session drops this reply once `closing` is set.
    *cx.closing = true;
    Ok(Reply::OK)
}

/// `DEBUG <subcommand>`: the subcommands client test suites use.
fn debug(cx: &mut HostCx<'_>, args: &mut Args) -> Result<Reply> {
    let argv = args.argv().to_vec();
    let sub = argv[1].to_ascii_lowercase();
    if &sub[..] == b"help" {
        return Ok(help(&[
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not accessed.",
            "RELOAD",
            "    Save the dataset to disk and reload it.",
            "HELP",
            "    Print this help.",
        ]));
    }
    if &sub[..] == b"sleep" && argv.len() == 3 && debug_sleep_duration(&argv[2]).is_none() {
        return Err(Error::NotFloat);
    }
    cx.host
        .debug(&argv[1..])
        .ok_or_else(|| Error::UnknownSubcommand {
            subcommand: String::from_utf8_lossy(&argv[1]).into_owned(),
            command: "DEBUG".into(),
        })
}

/// Where SORT's `STORE destination` key is, as Redis's `sortGetKeys` finds it:
/// `LIMIT offset count`, `BY pattern` and `GET pattern` are skipped with their
/// arguments, a `STORE` followed by anything marks the next word, and the
/// last one wins.
fn sort_store_index(argv: &[Bytes]) -> Option<usize> {
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        match argv[i].to_ascii_lowercase().as_slice() {
            b"limit" => i += 2,
            b"get" | b"by" => i += 1,
            b"store" if i + 1 < argv.len() => store = Some(i + 1),
            _ => {}
        }
        i += 1;
    }
    store
}
