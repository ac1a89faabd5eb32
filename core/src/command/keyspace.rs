//! The generic (keyspace) command group (Redis `db.c`, `expire.c`).

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, spec};
use crate::{Reply, Result};

const G: &str = "generic";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("del", -2, WRITE, KeySpec::range(1, -1, 1), G, del),
];

/// `DEL key [key ...]`: number of keys removed.
fn del(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let db = cx.db();
    let mut n = 0;
    for key in args.rest() {
        db.expire_if_needed(&key);
        if db.remove(&key).is_some() {
            n += 1;
        }
    }
    Ok(Reply::count(n))
}
