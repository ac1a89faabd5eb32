//! The command table: one [`CommandSpec`] per Redis command, in one file per
//! Redis command group, and the pieces every handler uses ([`Args`], [`Cx`]).
//!
//! Arity, flags and key positions follow Redis 7.0.15 (`COMMAND INFO`). The
//! table drives arity and unknown-command errors, `COMMAND`, which commands
//! scripts may call, and which keys a command touches. The server, the wasm
//! package, Lua scripts and [`Store::execute`](crate::Store::execute) all go
//! through [`lookup`] and a spec's handler; a command's meaning lives nowhere else.

pub(crate) mod connection;
pub(crate) mod hash;
pub(crate) mod keyspace;
pub(crate) mod list;
pub(crate) mod pubsub;
pub(crate) mod scripting;
pub(crate) mod server;
pub(crate) mod set;
pub(crate) mod string;
pub(crate) mod transactions;
pub(crate) mod zset;

use std::sync::LazyLock;

use bytes::Bytes;

use crate::blocking::BlockRequest;
use crate::keyspace::Keyspace;
use crate::store::{Shared, State};
use crate::value::Hasher;
use crate::{Error, Reply, Result};

/// A command handler: parse `args` → look up → type-check → act → reply.
pub type Handler = fn(&mut Cx<'_>, &mut Args) -> Result<Reply>;

/// Command flags, as `COMMAND INFO` prints them (bit set).
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Never modifies the keyspace.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory (refused under OOM).
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative command.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed inside scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown in MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not logged in SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log N).
    pub const FAST: u32 = 1 << 11;
    /// Allowed before AUTH.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate even if read-only.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 14;
    /// Key positions depend on arguments.
    pub const MOVABLEKEYS: u32 = 1 << 15;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// Does not need keys even though it may take some.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 17;

    /// Names in `COMMAND INFO` order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Where a command's keys are, in Redis's legacy `COMMAND INFO` terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// Index of the first key (0 = no keys).
    pub first: i32,
    /// Index of the last key; negative counts from the end (-1 = last argument).
    pub last: i32,
    /// Step between keys.
    pub step: i32,
    /// For "numkeys" commands (LMPOP, ZUNIONSTORE, EVAL...): index of the
    /// numkeys argument; the keys follow it. `first/last/step` then describe
    /// what `COMMAND INFO` prints.
    pub numkeys_at: Option<i32>,
}

impl KeySpec {
    /// No keys.
    pub const NONE: KeySpec = KeySpec {
        first: 0,
        last: 0,
        step: 0,
        numkeys_at: None,
    };
    /// Keys at `first..=last` (negative `last` from the end) every `step`.
    pub const fn range(first: i32, last: i32, step: i32) -> KeySpec {
        KeySpec {
            first,
            last,
            step,
            numkeys_at: None,
        }
    }
    /// `numkeys key [key ...]` with numkeys at index `at` (keys follow it);
    /// `COMMAND INFO` shows `first/last/step`.
    pub const fn keynum(at: i32, first: i32, last: i32, step: i32) -> KeySpec {
        KeySpec {
            first,
            last,
            step,
            numkeys_at: Some(at),
        }
    }

    /// Indexes into `argv` of the keys this command touches.
    pub fn key_indexes(&self, argv: &[Bytes]) -> Vec<usize> {
        if let Some(at) = self.numkeys_at {
            let at = at as usize;
            let n = argv.get(at).and_then(|b| parse_i64(b)).unwrap_or(0).max(0) as usize;
            let mut out: Vec<usize> = (at + 1..(at + 1 + n).min(argv.len())).collect();
            // ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE/ZRANGESTORE-style destination before numkeys.
            if self.first >= 1 && (self.first as usize) < at {
                out.insert(0, self.first as usize);
            }
            return out;
        }
        if self.first <= 0 {
            return Vec::new();
        }
        let last = if self.last < 0 {
            argv.len() as i32 + self.last
        } else {
            self.last.min(argv.len() as i32 - 1)
        };
        (self.first..=last)
            .step_by(self.step.max(1) as usize)
            .map(|i| i as usize)
            .collect()
    }
}

/// One command: its name, arity, flags, key positions, group and handler.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name (`get`; `encoding` for `OBJECT ENCODING`).
    pub name: &'static str,
    /// Redis arity: `n > 0` exactly n words (name included); `n < 0` at least `-n`.
    pub arity: i32,
    /// Bit set of [`flags`].
    pub flags: u32,
    /// Key positions.
    pub keys: KeySpec,
    /// Redis command group (`string`, `generic`, `list`, ...).
    pub group: &'static str,
    /// The handler; `None` for container commands and for commands only a
    /// client session can run (MULTI, SUBSCRIBE, ...).
    pub handler: Option<Handler>,
    /// Subcommands of a container command (`OBJECT`, `CLIENT`, ...).
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// True if `flag` (from [`flags`]) is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
    /// True if `argc` words (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }
    /// The subcommand named `name` (case-insensitive).
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// Builds a table entry. `group` is the Redis group name.
pub const fn spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpec,
    group: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group,
        handler: Some(handler),
        subcommands: &[],
    }
}

/// Builds a container command entry (`OBJECT`, `CLIENT`, `CONFIG`, ...).
pub const fn container(
    name: &'static str,
    group: &'static str,
    subcommands: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -2,
        flags: 0,
        keys: KeySpec::NONE,
        group,
        handler: None,
        subcommands,
    }
}

/// Builds an entry for a command only a client session can run (MULTI,
/// SUBSCRIBE, ...): it is in the table for COMMAND and arity checks.
pub const fn session_only(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpec,
    group: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group,
        handler: None,
        subcommands: &[],
    }
}

/// The parts of the table: one slice per command group file. Other crates'
/// features (scripting, connection) add their slice here.
static GROUPS: &[&[CommandSpec]] = &[
    string::COMMANDS,
    keyspace::COMMANDS,
    list::COMMANDS,
    hash::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
    pubsub::COMMANDS,
    scripting::COMMANDS,
    server::COMMANDS,
    connection::COMMANDS,
    transactions::COMMANDS,
];

/// Lower-case name → spec; looked up once per command on every front door's
/// hot path, hence the fast hasher and byte keys (no UTF-8 check).
static TABLE: LazyLock<hashbrown::HashMap<&'static [u8], &'static CommandSpec, Hasher>> =
    LazyLock::new(|| {
        let mut t = hashbrown::HashMap::default();
        for spec in GROUPS.iter().flat_map(|g| g.iter()) {
            let prev = t.insert(spec.name.as_bytes(), spec);
            assert!(prev.is_none(), "command {} defined twice", spec.name);
        }
        t
    });

/// Every built-in command.
pub fn commands() -> impl Iterator<Item = &'static CommandSpec> {
    GROUPS.iter().flat_map(|g| g.iter())
}

/// The built-in command named `name`, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    TABLE.get(&*lower).copied()
}

/// Finds the spec (or subcommand spec) for `argv` and checks its arity:
/// Redis's unknown-command, unknown-subcommand and wrong-arity errors.
pub fn resolve(argv: &[Bytes]) -> Result<&'static CommandSpec> {
    let name = argv.first().map(|b| &b[..]).unwrap_or(b"");
    let Some(spec) = lookup(name) else {
        return Err(unknown_command(argv));
    };
    check_spec(spec, argv)
}

/// Checks arity and resolves subcommands of an already-found spec.
pub(crate) fn check_spec(
    spec: &'static CommandSpec,
    argv: &[Bytes],
) -> Result<&'static CommandSpec> {
    if !spec.subcommands.is_empty() {
        let Some(sub_name) = argv.get(1) else {
            return Err(Error::wrong_arity(spec.name));
        };
        let Some(sub) = spec.subcommand(sub_name) else {
            return Err(Error::UnknownSubcommand {
                subcommand: String::from_utf8_lossy(sub_name)
                    .chars()
                    .take(128)
                    .collect(),
                command: spec.name.to_ascii_uppercase(),
            });
        };
        if !sub.arity_ok(argv.len()) {
            return Err(Error::wrong_arity(format!("{}|{}", spec.name, sub.name)));
        }
        return Ok(sub);
    }
    if !spec.arity_ok(argv.len()) {
        return Err(Error::wrong_arity(spec.name));
    }
    Ok(spec)
}

/// Redis's `ERR unknown command 'x', with args beginning with: 'a' 'b' `.
pub fn unknown_command(argv: &[Bytes]) -> Error {
    let name = argv.first().map(|b| &b[..]).unwrap_or(b"");
    let mut args = String::new();
    for a in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let s = String::from_utf8_lossy(a);
        let s: String = s.chars().take(room).collect();
        args.push('\'');
        args.push_str(&s);
        args.push_str("' ");
    }
    Error::UnknownCommand {
        command: String::from_utf8_lossy(name).chars().take(128).collect(),
        args,
    }
}

/// The protocol a client speaks; a few replies have different shapes in
/// RESP3 (e.g. `ZRANGE ... WITHSCORES` gives `[member, score]` pairs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2 (the default, as in Redis).
    #[default]
    Resp2,
    /// RESP3 (after `HELLO 3`).
    Resp3,
}

/// A command's execution context: the locked store state and the caller's
/// database and protocol. Handlers get one; custom commands can run other
/// commands through it, atomically.
pub struct Cx<'a> {
    pub(crate) state: &'a mut State,
    pub(crate) shared: &'a Shared,
    pub(crate) db: usize,
    pub(crate) protocol: Protocol,
    /// False inside MULTI/EXEC and scripts: blocking commands return their
    /// timeout reply at once instead of blocking.
    pub(crate) may_block: bool,
    pub(crate) block: Option<BlockRequest>,
}

impl<'a> Cx<'a> {
    /// The current database.
    pub(crate) fn db(&mut self) -> &mut Keyspace {
        &mut self.state.dbs[self.db]
    }

    /// The database index the command runs in.
    pub fn db_index(&self) -> usize {
        self.db
    }

    /// The client's protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Number of databases.
    pub fn databases(&self) -> usize {
        self.state.dbs.len()
    }

    /// Runs another command in the same atomic step (custom commands use
    /// this to compose built-ins). Blocking commands do not block here.
    /// The reply comes [`Reply::unpack`]ed.
    pub fn execute<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Reply {
        let argv: Vec<Bytes> = argv
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_ref()))
            .collect();
        let may_block = std::mem::replace(&mut self.may_block, false);
        let r = self.run(argv);
        self.may_block = may_block;
        r.unpack()
    }

    /// Resolves and runs `argv` in this context.
    pub(crate) fn run(&mut self, argv: Vec<Bytes>) -> Reply {
        match crate::store::resolve_any(self.shared, &argv) {
            Err(e) => Reply::Error(e),
            Ok(found) => found.call(self, argv),
        }
    }

    /// Called by a blocking command that found nothing: registers the
    /// request and returns the placeholder reply, or, when blocking is not
    /// allowed (MULTI, scripts), the timeout reply at once.
    pub(crate) fn block_on(&mut self, req: BlockRequest) -> Result<Reply> {
        if !self.may_block {
            return Ok(req.timeout_reply);
        }
        self.block = Some(req);
        Ok(Reply::NullArray)
    }
}

/// A command's arguments with a read position. `argv[0]` is the name.
#[derive(Debug, Clone)]
pub struct Args {
    argv: Vec<Bytes>,
    pos: usize,
}

impl Args {
    /// Wraps `argv`, positioned after the command name (and after the
    /// subcommand name when `skip` is 2).
    pub fn new(argv: Vec<Bytes>, skip: usize) -> Self {
        Args { argv, pos: skip }
    }

    /// Every word, the name included; words already taken with [`Args::next`],
    /// [`Args::key`], [`Args::bytes`] or [`Args::rest`] are empty.
    pub fn argv(&self) -> &[Bytes] {
        &self.argv
    }

    /// Words not yet consumed.
    pub fn remaining(&self) -> usize {
        self.argv.len() - self.pos
    }

    /// True when every word has been consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next word without consuming it.
    pub fn peek(&self) -> Option<&Bytes> {
        self.argv.get(self.pos)
    }

    /// The next word, moved out like [`Args::key`]; `ERR syntax error` when
    /// there is none.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Bytes> {
        self.take()
    }

    /// The next word as a key. Moves it out of the argument vector (cloning
    /// would share it with an atomic count, on every command's hot path), so
    /// [`Args::argv`] shows it empty afterwards.
    pub fn key(&mut self) -> Result<Bytes> {
        self.take()
    }

    /// The next word as bytes, moved out like [`Args::key`].
    pub fn bytes(&mut self) -> Result<Bytes> {
        self.take()
    }

    fn take(&mut self) -> Result<Bytes> {
        let b = self.argv.get_mut(self.pos).ok_or(Error::Syntax)?;
        self.pos += 1;
        Ok(std::mem::take(b))
    }

    /// The next word as a signed 64-bit integer (Redis's `string2ll`:
    /// no `+`, no spaces, no leading zeros); `ERR value is not an integer or out of range`.
    pub fn i64(&mut self) -> Result<i64> {
        let n = parse_i64(self.peek().ok_or(Error::Syntax)?).ok_or(Error::NotInteger);
        self.pos += 1;
        n
    }

    /// The next word as a float (Redis's `strtod` rules, `inf`/`-inf`
    /// accepted, NaN refused); `ERR value is not a valid float`.
    pub fn f64(&mut self) -> Result<f64> {
        let n = parse_f64(self.peek().ok_or(Error::Syntax)?).ok_or(Error::NotFloat);
        self.pos += 1;
        n
    }

    /// Consumes the next word if it equals `keyword` (ASCII case-insensitive).
    pub fn eat(&mut self, keyword: &str) -> bool {
        match self.peek() {
            Some(b) if b.eq_ignore_ascii_case(keyword.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// True if the next word equals `keyword` (ASCII case-insensitive).
    pub fn peek_is(&self, keyword: &str) -> bool {
        self.peek()
            .is_some_and(|b| b.eq_ignore_ascii_case(keyword.as_bytes()))
    }

    /// All remaining words, moved out like [`Args::key`].
    pub fn rest(&mut self) -> Vec<Bytes> {
        let out = self.argv[self.pos..]
            .iter_mut()
            .map(std::mem::take)
            .collect();
        self.pos = self.argv.len();
        out
    }

    /// The remaining words, borrowed.
    pub fn rest_ref(&self) -> &[Bytes] {
        &self.argv[self.pos..]
    }
}

/// Parses a signed 64-bit integer as Redis's `string2ll` does: optional `-`,
/// no `+`, no spaces, no leading zeros (`0` itself is fine), at most 20 bytes.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Parses a float as Redis's `strtod`-based parsers do: leading/trailing
/// space refused, `inf`, `+inf`, `-inf`, `infinity` accepted, NaN refused.
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_whitespace()) || s.len() > 5000 {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_follows_string2ll() {
        for (s, want) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("01", None),
            ("+1", None),
            (" 1", None),
            ("-0", None),
            ("", None),
            ("1a", None),
        ] {
            assert_eq!(parse_i64(s.as_bytes()), want, "{s}");
        }
    }

    #[test]
    fn parse_f64_accepts_infinities_and_refuses_nan() {
        assert_eq!(parse_f64(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"1.5e3"), Some(1500.0));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"abc"), None);
    }

    #[test]
    fn table_names_are_lowercase_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in commands() {
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(seen.insert(c.name), "{}", c.name);
        }
    }
}
