//! # embedis-wasm
//!
//! The embedis store compiled to WebAssembly, with a JavaScript API in JS
//! conventions: the npm package `embedis`. Redis semantics in a browser tab
//! or a Node process, with no server.
//!
//! ```js
//! import { Embedis } from 'embedis';
//! const db = new Embedis();
//! db.set('session:1', 'alice', { ex: 60 });
//! db.get('session:1');                         // 'alice'
//! const job = await db.blpop(['jobs'], 1.5);   // [key, value] or null
//! ```
//!
//! Every method builds the command's words, runs them through the core's one
//! entry point ([`embedis::Store::dispatch`]) and converts the [`embedis::Reply`]
//! into a JS value, except the hottest calls, `get` and `set`, which call the
//! core's typed [`embedis::Db::get`] / [`embedis::Db::set`] (the functions the
//! GET and SET commands run), with string arguments passed through a scratch
//! buffer (`scratch`, `js/fast.js`). No command logic lives in this crate.
//!
//! # Layout
//! - `convert`: JS values → command words, replies → JS values, errors.
//! - `commands/*`: one file per Redis command group, as in the core.
//! - `blocking`: BLPOP & co. as Promises (core future raced with `setTimeout`).
//! - `scratch`: the buffer the string fast paths of `js/fast.js` pass
//!   arguments and replies through.
//! - `timer`: JS timers owned by Rust values; the store's life signal.
//! - `js/`, `build.sh`: the npm package around the wasm-bindgen output.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use embedis::{Bytes, Db, Dispatch, Protocol, Reply, Store, StoreBuilder};
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

mod blocking;
mod commands;
mod convert;
mod listen;
mod reply_decode;
mod scratch;
mod timer;
mod types;

use convert::{Argv, Mode, Opts};
pub use listen::{Console, RespConnection, RespServer};
use timer::{Interval, Life};
pub use types::*;

/// How often active expiry runs (Redis's `hz 10`).
const EXPIRY_INTERVAL_MS: f64 = 100.0;
/// Time budget of one active-expiry step: small, it runs on the JS thread.
const EXPIRY_BUDGET: Duration = Duration::from_millis(2);

/// What every handle on one store shares.
struct Inner {
    store: Store,
    life: Rc<Life>,
    expiry: RefCell<Option<Interval>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Stop the expiry timer and settle pending blocking calls and
        // subscriptions, so nothing keeps the store (or Node) alive.
        self.expiry.borrow_mut().take();
        self.life.close();
    }
}

/// An in-memory Redis store: Redis's commands as methods, with JS values in
/// and out (strings by default, `Uint8Array` with the `*Bytes` variants,
/// numbers for integers and scores, `null` for nil). Redis errors are
/// thrown as `Error`s whose `message` is Redis's line and `code` its first
/// word (`"WRONGTYPE"`, `"ERR"`, ...).
///
/// Call `free()` (or use `using db = new Embedis()`) when done: it stops the
/// expiry timer and settles pending blocking calls with `null`.
#[wasm_bindgen]
pub struct Embedis {
    inner: Rc<Inner>,
    /// The selected database, as a typed-API handle: the fast paths
    /// (`get`, `set`, ...) call it directly, with no lookup per call.
    db: Db,
}

#[wasm_bindgen]
impl Embedis {
    /// A new, empty store with 16 databases (`SELECT 0..15`). Keys with a
    /// TTL are expired lazily on access and by a 100 ms timer (unref'd in
    /// Node, so it never keeps a process alive); `{ activeExpiry: false }`
    /// turns the timer off.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<EmbedisOptions>) -> Result<Embedis, JsValue> {
        let opts = Opts::of(options)?;
        let mut builder = Store::builder();
        if let Some(n) = opts.get("databases").and_then(|v| v.as_f64()) {
            if !(1.0..=1_000_000.0).contains(&n) || n.fract() != 0.0 {
                return Err(convert::type_error(
                    "embedis: databases must be a positive integer",
                ));
            }
            builder = builder.databases(n as usize);
        }
        let active = opts.get("activeExpiry").is_none_or(|v| v.is_truthy());
        Ok(Embedis::wrap(builder.build(), active))
    }

    /// The database this handle runs commands in (0 unless `select`ed).
    #[wasm_bindgen(getter)]
    pub fn index(&self) -> u32 {
        self.db.index() as u32
    }

    /// Switches this handle to database `index`, as Redis `SELECT`.
    ///
    /// Throws `ERR DB index is out of range`.
    pub fn select(&mut self, index: u32) -> Result<(), JsValue> {
        let index = index as usize;
        if index >= self.inner.store.databases() {
            return Err(convert::error_value(&embedis::Error::DbIndexOutOfRange));
        }
        self.db = self.inner.store.db(index);
        Ok(())
    }

    /// Another handle on the same store, on database `index`. Both handles
    /// must be freed before the store is.
    ///
    /// Throws `ERR DB index is out of range`.
    pub fn database(&self, index: u32) -> Result<Embedis, JsValue> {
        let mut other = Embedis {
            inner: self.inner.clone(),
            db: self.db.clone(),
        };
        other.select(index)?;
        Ok(other)
    }

    /// Runs any command by name, as `redis-cli` would send it:
    /// `db.command(['SET', 'k', 'v'])`. The reply comes back in RESP2 shapes:
    /// strings, numbers, `null`, arrays (maps as flat arrays, doubles as
    /// strings), with errors inside arrays as `Error` objects; an error
    /// reply is thrown. A blocking command that would wait returns its
    /// timeout reply at once (use `commandAsync` to wait).
    pub fn command(&self, argv: Args) -> Result<AnyReply, JsValue> {
        let r = convert::check(self.run_nonblocking(convert::words(&argv)?)?)?;
        Ok(convert::generic(r, Mode::Text).unchecked_into())
    }

    /// `command` with bulk strings as `Uint8Array`s.
    #[wasm_bindgen(js_name = commandBytes)]
    pub fn command_bytes(&self, argv: Args) -> Result<ReplyBytes, JsValue> {
        let r = convert::check(self.run_nonblocking(convert::words(&argv)?)?)?;
        Ok(convert::generic(r, Mode::Bytes).unchecked_into())
    }

    /// `command` as a Promise that waits for blocking commands
    /// (`BLPOP q 5` resolves when something is pushed, or after 5 s).
    #[wasm_bindgen(js_name = commandAsync)]
    pub fn command_async(&self, argv: Args) -> Result<PromiseReply, JsValue> {
        let d = self.dispatch(convert::words(&argv)?);
        Ok(self
            .promise(
                d,
                Box::new(|r| convert::check(r).map(|r| convert::generic(r, Mode::Text))),
            )
            .unchecked_into())
    }

    /// Runs a command line typed as in `redis-cli` (`SET "a b" 1`) and
    /// returns the reply formatted as `redis-cli` prints it (`OK`,
    /// `(integer) 1`, `1) "a"`, `(error) ERR ...`). Blocking commands wait.
    /// What the console page uses.
    #[wasm_bindgen(js_name = commandLine)]
    pub fn command_line(&self, line: &str) -> Result<PromiseString, JsValue> {
        let argv = match split_args(line) {
            Some(a) => a,
            None => {
                return Ok(
                    Promise::resolve(&JsValue::from_str("Invalid argument(s)")).unchecked_into()
                );
            }
        };
        if argv.is_empty() {
            return Ok(Promise::resolve(&JsValue::from_str("")).unchecked_into());
        }
        let d = self.dispatch(argv);
        Ok(self
            .promise(d, Box::new(|r| Ok(JsValue::from_str(&r.to_string_lossy()))))
            .unchecked_into())
    }

    /// The whole store (every database, with TTLs as absolute times) as
    /// bytes in the snapshot format of `embedis-server`'s dump file: save it
    /// anywhere, load it with `Embedis.restore` or in `embedis-server`.
    pub fn snapshot(&self) -> Vec<u8> {
        self.inner.store.snapshot_to_vec()
    }

    /// A new store loaded from bytes made by `snapshot()` or by
    /// `embedis-server` (its dump file). Keys already expired are skipped.
    ///
    /// Throws an `Error` with `code` `"SNAPSHOT"` naming what is wrong and
    /// the byte offset (bad magic, unsupported version, truncated, corrupt,
    /// checksum mismatch); nothing is half-loaded.
    pub fn restore(bytes: &[u8], options: Option<EmbedisOptions>) -> Result<Embedis, JsValue> {
        let (builder, active) = builder(Opts::of(options)?)?;
        let store = Store::load_snapshot_with(builder, &mut &bytes[..]).map_err(|e| {
            let err = js_sys::Error::new(&e.to_string());
            let _ = js_sys::Reflect::set(&err, &"code".into(), &"SNAPSHOT".into());
            JsValue::from(err)
        })?;
        Ok(Embedis::wrap(store, active))
    }

    /// Runs several commands as one atomic step (Redis `MULTI` … `EXEC`):
    /// no other command runs in between. Returns one result per command, an
    /// `Error` object in place of a failed one (the others still apply, as
    /// in Redis). Blocking commands inside do not block.
    pub fn multi(&self, commands: Commands) -> Result<Replies, JsValue> {
        let list: Vec<Vec<Bytes>> = Array::from(&commands)
            .iter()
            .map(|c| convert::words(&c))
            .collect::<Result<_, _>>()?;
        let replies = self
            .inner
            .store
            .atomically_with(self.db.index(), Protocol::Resp2, |tx| {
                list.into_iter()
                    .map(|argv| tx.execute_argv(argv))
                    .collect::<Vec<_>>()
            });
        Ok(replies
            .into_iter()
            .map(|r| convert::generic(r, Mode::Text))
            .collect::<Array>()
            .unchecked_into())
    }
}

impl Embedis {
    /// A handle on `store`, database 0, with the expiry timer if `active`.
    pub(crate) fn wrap(store: Store, active: bool) -> Embedis {
        let inner = Rc::new(Inner {
            store,
            life: Rc::new(Life::default()),
            expiry: RefCell::new(None),
        });
        if active {
            let store = inner.store.clone();
            *inner.expiry.borrow_mut() = Some(Interval::new(EXPIRY_INTERVAL_MS, move || {
                store.purge_expired(EXPIRY_BUDGET);
            }));
        }
        let db = inner.store.db(0);
        Embedis { inner, db }
    }

    /// The life signal of this handle family (settles pending work on free).
    pub(crate) fn life(&self) -> &Rc<Life> {
        &self.inner.life
    }

    /// The store behind this handle.
    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Dispatches `argv` on this handle's database.
    pub(crate) fn dispatch(&self, argv: Vec<Bytes>) -> Dispatch {
        self.inner
            .store
            .dispatch(self.db.index(), Protocol::Resp2, argv)
    }

    /// The selected database's typed-API handle (the fast paths).
    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    /// Runs `argv`; a blocked command gives its timeout reply at once.
    pub(crate) fn run_nonblocking(&self, argv: Vec<Bytes>) -> Result<Reply, JsValue> {
        Ok(match self.dispatch(argv) {
            Dispatch::Reply(r) => r,
            Dispatch::Blocked(b) => b.cancel(),
        })
    }

    /// Runs a built command; error replies are thrown.
    pub(crate) fn run(&self, argv: Argv) -> Result<Reply, JsValue> {
        convert::check(self.run_nonblocking(argv.0)?)
    }

    /// A Promise of a possibly blocking command's converted reply.
    pub(crate) fn promise(&self, d: Dispatch, convert: blocking::Convert) -> Promise {
        blocking::promise(d, &self.inner.life, convert)
    }
}

/// A store builder from [`EmbedisOptions`], and whether to run the expiry timer.
fn builder(opts: Opts) -> Result<(StoreBuilder, bool), JsValue> {
    let mut builder = Store::builder();
    if let Some(n) = opts.get("databases").and_then(|v| v.as_f64()) {
        if !(1.0..=1_000_000.0).contains(&n) || n.fract() != 0.0 {
            return Err(convert::type_error(
                "embedis: databases must be a positive integer",
            ));
        }
        builder = builder.databases(n as usize);
    }
    let active = opts.get("activeExpiry").is_none_or(|v| v.is_truthy());
    Ok((builder, active))
}

/// Splits a command line as `redis-cli` does (`sdssplitargs`): words
/// separated by spaces; `"..."` with `\n \r \t \b \a \\ \" \xHH` escapes;
/// `'...'` with only `\'`. `None` for unbalanced quotes.
pub(crate) fn split_args(line: &str) -> Option<Vec<Bytes>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            if inq {
                let c = *b.get(i)?;
                if c == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).ok();
                    if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        cur.push(v);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && i + 1 < b.len() {
                    i += 1;
                    cur.push(match b[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        o => o,
                    });
                } else if c == b'"' {
                    // A closing quote must be followed by a space or the end.
                    if i + 1 < b.len() && !b[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    inq = false;
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
            } else if insq {
                let c = *b.get(i)?;
                if c == b'\\' && b.get(i + 1) == Some(&b'\'') {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < b.len() && !b[i + 1].is_ascii_whitespace() {
                        return None;
                    }
                    insq = false;
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
            } else {
                match b.get(i) {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => inq = true,
                    Some(b'\'') => insq = true,
                    Some(&c) => cur.push(c),
                }
            }
            i += 1;
        }
        if inq || insq {
            return None;
        }
        out.push(Bytes::from(cur));
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;

    fn words(line: &str) -> Option<Vec<String>> {
        split_args(line).map(|v| {
            v.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect()
        })
    }

    #[test]
    fn split_args_follows_redis_cli_quoting() {
        assert_eq!(
            words("  set a  b "),
            Some(vec!["set".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            words(r#"set "a b" 'c d'"#),
            Some(vec!["set".into(), "a b".into(), "c d".into()])
        );
        assert_eq!(
            words(r#"echo "x\ny\x41""#),
            Some(vec!["echo".into(), "x\nyA".into()])
        );
        assert_eq!(
            words(r"echo 'it\'s'"),
            Some(vec!["echo".into(), "it's".into()])
        );
        assert_eq!(words(r#"echo "unterminated"#), None);
        assert_eq!(words(r#"echo "a"b"#), None);
        assert_eq!(words(""), Some(vec![]));
    }
}
