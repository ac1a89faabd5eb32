//! The string group (Redis `t_string.c`) as JS methods.

use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::convert::{self, Argv, Mode, Opts};
use crate::scratch;
use crate::types::*;

/// Appends `EX`/`PX`/`EXAT`/`PXAT` from options, in that order.
fn expiry(mut a: Argv, o: &Opts) -> Result<Argv, JsValue> {
    for (field, kw) in [
        ("ex", "EX"),
        ("px", "PX"),
        ("exat", "EXAT"),
        ("pxat", "PXAT"),
    ] {
        if let Some(v) = o.get(field) {
            a = a.kw(kw).arg(&v)?;
        }
    }
    Ok(a)
}

/// `key value key value ...` from field/value input.
fn flat_pairs(mut a: Argv, v: &JsValue) -> Result<Argv, JsValue> {
    for (k, v) in convert::pairs(v)? {
        a = a.arg(&k)?.arg(&v)?;
    }
    Ok(a)
}

#[wasm_bindgen]
impl Embedis {
    /// The string value of `key`, or `null`. Same as Redis `GET`.
    ///
    /// Throws `WRONGTYPE` when the key holds another type.
    pub fn get(&self, key: &Key) -> Result<NullableString, JsValue> {
        // The typed `Db::get`: the same function GET's handler calls, without
        // building command words, looking the command up or a `Reply`.
        let v = self
            .db()
            .get(convert::word(key)?)
            .map_err(|e| convert::error_value(&e))?;
        Ok(v.map_or(JsValue::NULL, |b| convert::text(&b))
            .unchecked_into())
    }

    // skip_typescript: internal, called by js/fast.js.
    /// `get` of the key in the scratch buffer's first `key_len` bytes: twice
    /// the value's length after writing it there as UTF-8 (lossy), plus one
    /// if it is all ASCII (see `scratch::read_text`); -1 for nil, or
    /// [`scratch::FAILED`] with the error kept for `__error`. Internal: call
    /// `get`.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __get, skip_typescript)]
    pub fn get_scratch(&self, key_len: u32) -> i32 {
        scratch::status(scratch::read_text(key_len, |key, out| {
            self.db().get_into(key, out)
        }))
    }

    // skip_typescript: internal, called by js/fast.js.
    /// `set` with no options of the key in the scratch buffer's first
    /// `key_len` bytes to the `value_len` bytes after it: 0, or
    /// [`scratch::FAILED`] with the error kept for `__error`. Internal: call
    /// `set`.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __set, skip_typescript)]
    pub fn set_scratch(&self, key_len: u32, value_len: u32) -> i32 {
        scratch::status(
            scratch::with(0, key_len + value_len, |kv| {
                let (key, value) = kv.split_at(key_len as usize);
                self.db().set(key, value)
            })
            .map(|()| 0),
        )
    }

    /// `get` as bytes.
    #[wasm_bindgen(js_name = getBytes)]
    pub fn get_bytes(&self, key: &Key) -> Result<NullableBytes, JsValue> {
        let r = self.run(Argv::new("GET").arg(key)?)?;
        Ok(convert::nullable(r, Mode::Bytes)?.unchecked_into())
    }

    /// Sets `key` to `value`. Same as Redis `SET`: returns `'OK'`, or
    /// `null` when `nx`/`xx` prevented the write; with `get: true`, the old
    /// value (or `null`). Options: `{ ex, px, exat, pxat, keepTtl, nx, xx, get }`.
    pub fn set(
        &self,
        key: &Key,
        value: &Value,
        options: Option<SetOptions>,
    ) -> Result<NullableString, JsValue> {
        if options.is_none() {
            // Plain `SET key value`: the typed `Db::set` (see `get`).
            let (k, v) = (convert::word(key)?, convert::word(value)?);
            self.db().set(k, v).map_err(|e| convert::error_value(&e))?;
            return Ok(JsValue::from_str("OK").unchecked_into());
        }
        let o = Opts::of(options)?;
        let mut a = Argv::new("SET").arg(key)?.arg(value)?;
        if o.flag("nx") {
            a = a.kw("NX");
        }
        if o.flag("xx") {
            a = a.kw("XX");
        }
        if o.flag("get") {
            a = a.kw("GET");
        }
        a = expiry(a, &o)?;
        if o.flag("keepTtl") {
            a = a.kw("KEEPTTL");
        }
        Ok(convert::nullable(self.run(a)?, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `SETNX`: true if the key was set.
    pub fn setnx(&self, key: &Key, value: &Value) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("SETNX").arg(key)?.arg(value)?)?)
    }

    /// Same as Redis `SETEX` (`seconds` until expiry).
    pub fn setex(&self, key: &Key, seconds: f64, value: &Value) -> Result<(), JsValue> {
        self.run(Argv::new("SETEX").arg(key)?.num(seconds).arg(value)?)
            .map(drop)
    }

    /// Same as Redis `PSETEX` (`milliseconds` until expiry).
    pub fn psetex(&self, key: &Key, milliseconds: f64, value: &Value) -> Result<(), JsValue> {
        self.run(Argv::new("PSETEX").arg(key)?.num(milliseconds).arg(value)?)
            .map(drop)
    }

    /// Same as Redis `GETSET`: sets and returns the old value.
    pub fn getset(&self, key: &Key, value: &Value) -> Result<NullableString, JsValue> {
        let r = self.run(Argv::new("GETSET").arg(key)?.arg(value)?)?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `GETDEL`: returns the value and deletes the key.
    pub fn getdel(&self, key: &Key) -> Result<NullableString, JsValue> {
        let r = self.run(Argv::new("GETDEL").arg(key)?)?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `GETEX`: returns the value and sets or clears its TTL
    /// (`{ ex, px, exat, pxat, persist }`).
    pub fn getex(
        &self,
        key: &Key,
        options: Option<GetExOptions>,
    ) -> Result<NullableString, JsValue> {
        let o = Opts::of(options)?;
        let mut a = expiry(Argv::new("GETEX").arg(key)?, &o)?;
        if o.flag("persist") {
            a = a.kw("PERSIST");
        }
        Ok(convert::nullable(self.run(a)?, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `GETRANGE` (inclusive byte offsets; negative count from the end).
    pub fn getrange(&self, key: &Key, start: f64, end: f64) -> Result<String, JsValue> {
        let r = self.run(Argv::new("GETRANGE").arg(key)?.num(start).num(end))?;
        Ok(convert::nullable(r, Mode::Text)?
            .as_string()
            .unwrap_or_default())
    }

    /// Same as Redis `SETRANGE`: returns the new length.
    pub fn setrange(&self, key: &Key, offset: f64, value: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SETRANGE").arg(key)?.num(offset).arg(value)?)?)
    }

    /// Same as Redis `APPEND`: returns the new length.
    pub fn append(&self, key: &Key, value: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("APPEND").arg(key)?.arg(value)?)?)
    }

    /// Same as Redis `STRLEN`.
    pub fn strlen(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("STRLEN").arg(key)?)?)
    }

    /// Same as Redis `INCR`: returns the new value.
    ///
    /// Throws `ERR value is not an integer or out of range`.
    pub fn incr(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("INCR").arg(key)?)?)
    }

    /// Same as Redis `DECR`.
    pub fn decr(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("DECR").arg(key)?)?)
    }

    /// Same as Redis `INCRBY`.
    pub fn incrby(&self, key: &Key, increment: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("INCRBY").arg(key)?.arg(increment)?)?)
    }

    /// Same as Redis `DECRBY`.
    pub fn decrby(&self, key: &Key, decrement: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("DECRBY").arg(key)?.arg(decrement)?)?)
    }

    /// Same as Redis `INCRBYFLOAT`: returns the new value as a number.
    pub fn incrbyfloat(&self, key: &Key, increment: &Value) -> Result<f64, JsValue> {
        let r = self.run(Argv::new("INCRBYFLOAT").arg(key)?.arg(increment)?)?;
        convert::score(&r)
    }

    /// Same as Redis `MGET`: one value or `null` per key.
    pub fn mget(&self, keys: &Keys) -> Result<NullableStrings, JsValue> {
        let r = self.run(Argv::new("MGET").args(keys)?)?;
        Ok(convert::list_or_empty(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `MSET`, from an object, a `Map` or `[key, value]` pairs.
    pub fn mset(&self, entries: &FieldValues) -> Result<(), JsValue> {
        self.run(flat_pairs(Argv::new("MSET"), entries)?).map(drop)
    }

    /// Same as Redis `MSETNX`: true if all keys were set (none existed).
    pub fn msetnx(&self, entries: &FieldValues) -> Result<bool, JsValue> {
        convert::boolean(self.run(flat_pairs(Argv::new("MSETNX"), entries)?)?)
    }

    /// Same as Redis `LCS key1 key2`: the longest common subsequence.
    pub fn lcs(&self, key1: &Key, key2: &Key) -> Result<String, JsValue> {
        let r = self.run(Argv::new("LCS").arg(key1)?.arg(key2)?)?;
        Ok(convert::nullable(r, Mode::Text)?
            .as_string()
            .unwrap_or_default())
    }
}

/// Used by the hash group too.
pub(crate) fn field_values(a: Argv, v: &JsValue) -> Result<Argv, JsValue> {
    flat_pairs(a, v)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use embedis::{ManualClock, Store};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_test::wasm_bindgen_test;

    use crate::{Embedis, scratch};

    /// `__get` of `key` through the scratch buffer, as js/fast.js calls it.
    fn get(db: &Embedis, key: &str) -> Option<Vec<u8>> {
        scratch::write(0, key.as_bytes());
        let r = db.get_scratch(key.len() as u32);
        assert!(r >= -1, "{r}");
        let value = (r >= 0).then(|| scratch::with(0, r as u32 / 2, <[u8]>::to_vec))?;
        assert_eq!(r & 1 == 1, value.is_ascii(), "{value:?}");
        Some(value)
    }

    /// `__set` of `key` to `value` through the scratch buffer.
    fn set(db: &Embedis, key: &str, value: &str) {
        scratch::write(0, key.as_bytes());
        scratch::write(key.len() as u32, value.as_bytes());
        assert_eq!(db.set_scratch(key.len() as u32, value.len() as u32), 0);
    }

    fn command(db: &Embedis, words: &[&str]) -> JsValue {
        let argv: js_sys::Array = words.iter().map(|w| JsValue::from_str(w)).collect();
        db.command(argv.unchecked_into()).unwrap().into()
    }

    #[wasm_bindgen_test]
    fn scratch_get_expires_keys_by_the_store_clock() {
        let clock = ManualClock::new(1_000_000);
        let db = Embedis::wrap(Store::builder().clock(clock.clone()).build(), false);
        set(&db, "k", "v");
        command(&db, &["PEXPIRE", "k", "100"]);
        clock.advance_ms(99);
        assert_eq!(get(&db, "k").as_deref(), Some(&b"v"[..]));
        clock.advance_ms(1);
        assert_eq!(get(&db, "k"), None);
        assert_eq!(command(&db, &["DBSIZE"]), JsValue::from_f64(0.0));
    }

    #[wasm_bindgen_test]
    fn scratch_set_drops_the_ttl_as_set_does() {
        let clock = ManualClock::new(1_000_000);
        let db = Embedis::wrap(Store::builder().clock(clock.clone()).build(), false);
        command(&db, &["SET", "k", "old", "PX", "100"]);
        set(&db, "k", "new");
        clock.advance_ms(1000);
        assert_eq!(get(&db, "k").as_deref(), Some(&b"new"[..]));
        assert_eq!(command(&db, &["PTTL", "k"]), JsValue::from_f64(-1.0));
    }

    #[wasm_bindgen_test]
    fn scratch_get_of_another_type_fails_with_wrongtype() {
        let db = Embedis::wrap(Store::new(), false);
        command(&db, &["RPUSH", "l", "a"]);
        scratch::write(0, b"l");
        assert_eq!(db.get_scratch(1), scratch::FAILED);
        let e: js_sys::Error = Embedis::take_error().unchecked_into();
        assert_eq!(
            String::from(e.message()),
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(get(&db, "missing"), None);
    }

    #[wasm_bindgen_test]
    fn scratch_get_writes_invalid_utf8_as_replacement_characters() {
        let db = Embedis::wrap(Store::new(), false);
        db.db().set("raw", [0xff, b'A', 0xe2, 0x82]).unwrap();
        assert_eq!(
            get(&db, "raw"),
            Some("\u{fffd}A\u{fffd}".as_bytes().to_vec())
        );
        let long = "é".repeat(100_000);
        set(&db, "long", &long);
        assert_eq!(get(&db, "long"), Some(long.into_bytes()));
    }
}
