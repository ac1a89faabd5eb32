//! The connection command group (Redis `networking.c`): table entries only.
//! A client [`Session`](crate::session::Session) runs these commands; they
//! are in the table for COMMAND, arity checks and NOAUTH rules.

use super::flags::*;
use super::{CommandSpec, KeySpec, container, session_only};

const G: &str = "connection";
const N: KeySpec = KeySpec::NONE;

static CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    session_only("id", 2, NOSCRIPT | LOADING | STALE, N, G),
    session_only("info", 2, NOSCRIPT | LOADING | STALE, N, G),
    session_only("list", -2, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("setname", 3, NOSCRIPT | LOADING | STALE, N, G),
    session_only("getname", 2, NOSCRIPT | LOADING | STALE, N, G),
    session_only("setinfo", 4, NOSCRIPT | LOADING | STALE, N, G),
    session_only("reply", 3, NOSCRIPT | LOADING | STALE, N, G),
    session_only("no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, N, G),
    session_only("no-touch", 3, NOSCRIPT | LOADING | STALE, N, G),
    session_only("help", 2, LOADING | STALE, N, G),
];

pub(crate) static COMMANDS: &[CommandSpec] = &[
    session_only("ping", -1, FAST, N, G),
    session_only("echo", 2, LOADING | STALE | FAST, N, G),
    session_only(
        "quit",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        N,
        G,
    ),
    session_only(
        "reset",
        1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        N,
        G,
    ),
    session_only(
        "hello",
        -1,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        N,
        G,
    ),
    session_only(
        "auth",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
        N,
        G,
    ),
    session_only("select", 2, LOADING | STALE | FAST, N, G),
    container("client", G, CLIENT_SUBCOMMANDS),
];
