//! The transactions command group (Redis `multi.c`): table entries only. A
//! client [`Session`](crate::session::Session) runs them; EXEC runs the
//! queue through [`Store::atomically_with`](crate::Store::atomically_with).

use super::flags::*;
use super::{CommandSpec, KeySpec, session_only};

const G: &str = "transactions";
const N: KeySpec = KeySpec::NONE;

pub(crate) static COMMANDS: &[CommandSpec] = &[
    session_only(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        N,
        G,
    ),
    session_only("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, N, G),
    session_only(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        N,
        G,
    ),
    session_only(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        KeySpec::range(1, -1, 1),
        G,
    ),
    session_only(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        N,
        G,
    ),
];
