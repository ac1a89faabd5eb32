//! The generic (keyspace) group (Redis `db.c`, `expire.c`, `sort.c`) as JS methods.

use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::convert::{self, Argv, Mode, Opts};
use crate::types::*;

/// Appends `NX`/`XX`/`GT`/`LT` from [`ExpireOptions`].
fn conditions(mut a: Argv, o: &Opts) -> Argv {
    for (field, kw) in [("nx", "NX"), ("xx", "XX"), ("gt", "GT"), ("lt", "LT")] {
        if o.flag(field) {
            a = a.kw(kw);
        }
    }
    a
}

/// Appends `LIMIT offset count` from a `{ limit: { offset, count } }` option.
pub(crate) fn limit(a: Argv, o: &Opts) -> Result<Argv, JsValue> {
    let Some(l) = o.get("limit") else {
        return Ok(a);
    };
    let l = Opts::new(&l)?;
    let (Some(off), Some(count)) = (l.get("offset"), l.get("count")) else {
        return Err(convert::type_error(
            "embedis: limit needs { offset, count }",
        ));
    };
    a.kw("LIMIT").arg(&off)?.arg(&count)
}

/// Appends `MATCH` / `COUNT` / `TYPE` of the SCAN family.
pub(crate) fn scan_options(mut a: Argv, o: &Opts) -> Result<Argv, JsValue> {
    for (field, kw) in [("match", "MATCH"), ("count", "COUNT"), ("type", "TYPE")] {
        if let Some(v) = o.get(field) {
            a = a.kw(kw).arg(&v)?;
        }
    }
    Ok(a)
}

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `DEL`: returns how many of the keys existed.
    pub fn del(&self, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("DEL").args(keys)?)?)
    }

    /// Same as Redis `UNLINK` (here the same as `DEL`).
    pub fn unlink(&self, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("UNLINK").args(keys)?)?)
    }

    /// Same as Redis `EXISTS`: how many of the keys exist (repeats count).
    pub fn exists(&self, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("EXISTS").args(keys)?)?)
    }

    /// Same as Redis `TOUCH`.
    pub fn touch(&self, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("TOUCH").args(keys)?)?)
    }

    /// Same as Redis `TYPE`: `'string'`, `'list'`, `'hash'`, `'set'`, `'zset'` or `'none'`.
    #[wasm_bindgen(js_name = "type")]
    pub fn type_(&self, key: &Key) -> Result<String, JsValue> {
        convert::status(self.run(Argv::new("TYPE").arg(key)?)?)
    }

    /// Same as Redis `KEYS pattern` (glob-style).
    pub fn keys(&self, pattern: &str) -> Result<Strings, JsValue> {
        let r = self.run(Argv::new("KEYS").arg(&pattern.into())?)?;
        Ok(convert::list_or_empty(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `SCAN cursor [MATCH] [COUNT] [TYPE]`: `[nextCursor, keys]`;
    /// start with cursor `'0'` and stop when it comes back as `'0'`.
    pub fn scan(&self, cursor: &Value, options: Option<ScanOptions>) -> Result<ScanPage, JsValue> {
        let a = scan_options(Argv::new("SCAN").arg(cursor)?, &Opts::of(options)?)?;
        let r = self.run(a)?;
        Ok(convert::scan(r, |v| {
            convert::list_or_empty(embedis::Reply::Array(v), Mode::Text)
        })?
        .unchecked_into())
    }

    /// Same as Redis `RANDOMKEY`: a random key, or `null` when empty.
    pub fn randomkey(&self) -> Result<NullableString, JsValue> {
        let r = self.run(Argv::new("RANDOMKEY"))?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `RENAME`.
    ///
    /// Throws `ERR no such key`.
    pub fn rename(&self, key: &Key, newkey: &Key) -> Result<(), JsValue> {
        self.run(Argv::new("RENAME").arg(key)?.arg(newkey)?)
            .map(drop)
    }

    /// Same as Redis `RENAMENX`: true if renamed.
    pub fn renamenx(&self, key: &Key, newkey: &Key) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("RENAMENX").arg(key)?.arg(newkey)?)?)
    }

    /// Same as Redis `COPY source destination [DB n] [REPLACE]`: true if copied.
    pub fn copy(
        &self,
        source: &Key,
        destination: &Key,
        options: Option<CopyOptions>,
    ) -> Result<bool, JsValue> {
        let o = Opts::of(options)?;
        let mut a = Argv::new("COPY").arg(source)?.arg(destination)?;
        if let Some(db) = o.get("db") {
            a = a.kw("DB").arg(&db)?;
        }
        if o.flag("replace") {
            a = a.kw("REPLACE");
        }
        convert::boolean(self.run(a)?)
    }

    /// Same as Redis `MOVE key db`: true if moved.
    #[wasm_bindgen(js_name = "move")]
    pub fn move_(&self, key: &Key, db: f64) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("MOVE").arg(key)?.num(db))?)
    }

    /// Same as Redis `EXPIRE key seconds [NX|XX|GT|LT]`: true if the TTL was set.
    pub fn expire(
        &self,
        key: &Key,
        seconds: f64,
        options: Option<ExpireOptions>,
    ) -> Result<bool, JsValue> {
        let a = Argv::new("EXPIRE").arg(key)?.num(seconds);
        convert::boolean(self.run(conditions(a, &Opts::of(options)?))?)
    }

    /// Same as Redis `PEXPIRE` (milliseconds).
    pub fn pexpire(
        &self,
        key: &Key,
        milliseconds: f64,
        options: Option<ExpireOptions>,
    ) -> Result<bool, JsValue> {
        let a = Argv::new("PEXPIRE").arg(key)?.num(milliseconds);
        convert::boolean(self.run(conditions(a, &Opts::of(options)?))?)
    }

    /// Same as Redis `EXPIREAT` (unix time in seconds).
    pub fn expireat(
        &self,
        key: &Key,
        timestamp: f64,
        options: Option<ExpireOptions>,
    ) -> Result<bool, JsValue> {
        let a = Argv::new("EXPIREAT").arg(key)?.num(timestamp);
        convert::boolean(self.run(conditions(a, &Opts::of(options)?))?)
    }

    /// Same as Redis `PEXPIREAT` (unix time in milliseconds).
    pub fn pexpireat(
        &self,
        key: &Key,
        timestamp: f64,
        options: Option<ExpireOptions>,
    ) -> Result<bool, JsValue> {
        let a = Argv::new("PEXPIREAT").arg(key)?.num(timestamp);
        convert::boolean(self.run(conditions(a, &Opts::of(options)?))?)
    }

    /// Same as Redis `TTL`: seconds left, `-1` without expiry, `-2` if missing.
    pub fn ttl(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("TTL").arg(key)?)?)
    }

    /// Same as Redis `PTTL` (milliseconds; `-1`, `-2` as `ttl`).
    pub fn pttl(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("PTTL").arg(key)?)?)
    }

    /// Same as Redis `EXPIRETIME`: unix seconds of expiry; `-1`, `-2` as `ttl`.
    pub fn expiretime(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("EXPIRETIME").arg(key)?)?)
    }

    /// Same as Redis `PEXPIRETIME` (unix milliseconds).
    pub fn pexpiretime(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("PEXPIRETIME").arg(key)?)?)
    }

    /// Same as Redis `PERSIST`: true if a TTL was removed.
    pub fn persist(&self, key: &Key) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("PERSIST").arg(key)?)?)
    }

    // skip_typescript: the reply is a list, or a count with `store`; both
    // overloads are declared in the custom section (types.rs).
    /// Same as Redis `SORT key [BY] [LIMIT] [GET ...] [ASC|DESC] [ALPHA] [STORE]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn sort(&self, key: &Key, options: JsValue) -> Result<JsValue, JsValue> {
        let o = Opts::new(&options)?;
        let mut a = Argv::new("SORT").arg(key)?;
        if let Some(by) = o.get("by") {
            a = a.kw("BY").arg(&by)?;
        }
        a = limit(a, &o)?;
        if let Some(get) = o.get("get") {
            for g in convert::words(&get)? {
                a.0.push(embedis::Bytes::from_static(b"GET"));
                a.0.push(g);
            }
        }
        if o.flag("desc") {
            a = a.kw("DESC");
        }
        if o.flag("alpha") {
            a = a.kw("ALPHA");
        }
        let store = o.get("store");
        if let Some(dst) = &store {
            a = a.kw("STORE").arg(dst)?;
        }
        let r = self.run(a)?;
        if store.is_some() {
            Ok(convert::integer(r)?.into())
        } else {
            convert::list_or_empty(r, Mode::Text)
        }
    }
}
