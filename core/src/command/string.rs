//! The string command group (Redis `t_string.c`).

use bytes::Bytes;

use super::flags::*;
use super::{Args, CommandSpec, Cx, KeySpec, spec};
use crate::keyspace::Keyspace;
use crate::value::Value;
use crate::{Error, Reply, Result};

const G: &str = "string";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    spec("get", 2, READONLY | FAST, KeySpec::range(1, 1, 1), G, get),
    spec("set", -3, WRITE | DENYOOM, KeySpec::range(1, 1, 1), G, set),
];

/// Reads the string under `key`: `Ok(None)` if missing, `WRONGTYPE` otherwise.
pub(crate) fn get_string(db: &mut Keyspace, key: &[u8]) -> Result<Option<Bytes>> {
    db.read::<Bytes>(key).map(|v| v.cloned())
}

/// `GET key`.
fn get(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    Ok(Reply::bulk_or_null(get_string(cx.db(), &key)?))
}

/// When `SET` applies (`NX` / `XX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetCondition {
    /// Always.
    #[default]
    Always,
    /// Only if the key does not exist (`NX`).
    IfMissing,
    /// Only if the key exists (`XX`).
    IfExists,
}

/// The expiry `SET` gives the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetExpiry {
    /// Drop any expiry (plain `SET`).
    #[default]
    None,
    /// Keep the current expiry (`KEEPTTL`).
    KeepTtl,
    /// Expire at this unix time in ms (`EX`/`PX`/`EXAT`/`PXAT`, made absolute).
    AtUnixMs(i64),
}

/// Options of `SET`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SetArgs {
    pub(crate) condition: SetCondition,
    pub(crate) expiry: SetExpiry,
    pub(crate) get: bool,
}

/// What `SET` did: whether it wrote, and the old value when `GET` was asked.
pub(crate) struct SetOutcome {
    pub(crate) written: bool,
    pub(crate) old: Option<Bytes>,
}

/// `SET` on the keyspace, shared by the command and the typed API.
pub(crate) fn set_generic(db: &mut Keyspace, key: Bytes, value: Bytes, o: SetArgs) -> Result<SetOutcome> {
    let old = if o.get {
        get_string(db, &key)?
    } else {
        None
    };
    let exists = db.contains(&key);
    let ok = match o.condition {
        SetCondition::Always => true,
        SetCondition::IfMissing => !exists,
        SetCondition::IfExists => exists,
    };
    if ok {
        let v = Value::String(value);
        match o.expiry {
            SetExpiry::None => db.set(key, v),
            SetExpiry::KeepTtl => db.set_keep_ttl(key, v),
            SetExpiry::AtUnixMs(at) => db.set_with_expiry(key, v, Some(at)),
        }
    }
    Ok(SetOutcome { written: ok, old })
}

/// Parses a relative or absolute expiry argument of SET/GETEX into unix ms.
/// `unit_ms` is 1000 for seconds; `absolute` for EXAT/PXAT.
pub(crate) fn parse_expiry(
    now_ms: i64,
    raw: &[u8],
    unit_ms: i64,
    absolute: bool,
    command: &'static str,
) -> Result<i64> {
    let n = super::parse_i64(raw).ok_or(Error::NotInteger)?;
    if n <= 0 {
        return Err(Error::InvalidExpireTime { command });
    }
    let ms = n
        .checked_mul(unit_ms)
        .ok_or(Error::InvalidExpireTime { command })?;
    if absolute {
        Ok(ms)
    } else {
        ms.checked_add(now_ms)
            .ok_or(Error::InvalidExpireTime { command })
    }
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]`.
fn set(cx: &mut Cx<'_>, args: &mut Args) -> Result<Reply> {
    let key = args.key()?;
    let value = args.bytes()?;
    let mut o = SetArgs::default();
    let now = cx.db().now_ms;
    while let Some(word) = args.peek().cloned() {
        args.next()?;
        let w = word.to_ascii_uppercase();
        match &w[..] {
            b"NX" if o.condition != SetCondition::IfExists => o.condition = SetCondition::IfMissing,
            b"XX" if o.condition != SetCondition::IfMissing => o.condition = SetCondition::IfExists,
            b"GET" => o.get = true,
            b"KEEPTTL" if o.expiry == SetExpiry::None => o.expiry = SetExpiry::KeepTtl,
            b"EX" | b"PX" | b"EXAT" | b"PXAT" if o.expiry == SetExpiry::None => {
                let raw = args.next()?;
                let unit = if w[0] == b'E' { 1000 } else { 1 };
                o.expiry = SetExpiry::AtUnixMs(parse_expiry(now, &raw, unit, w.len() == 4, "set")?);
            }
            _ => return Err(Error::Syntax),
        }
    }
    let out = set_generic(cx.db(), key, value, o)?;
    Ok(match (o.get, out.written) {
        (true, _) => Reply::bulk_or_null(out.old),
        (false, true) => Reply::OK,
        (false, false) => Reply::Null,
    })
}
