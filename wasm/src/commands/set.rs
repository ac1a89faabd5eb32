//! The set group (Redis `t_set.c`) as JS methods. Sets come back as arrays.

use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::commands::keyspace::scan_options;
use crate::convert::{self, Argv, Mode, Opts};
use crate::types::*;

impl Embedis {
    /// SPOP / SRANDMEMBER with an optional count.
    fn set_pick(
        &self,
        name: &'static str,
        key: &JsValue,
        count: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let a = Argv::new(name).arg(key)?;
        match count {
            None => convert::nullable(self.run(a)?, Mode::Text),
            Some(n) => convert::list_or_empty(self.run(a.num(n))?, Mode::Text),
        }
    }

    /// A command over several keys replying with members.
    fn set_members(&self, a: Argv) -> Result<Strings, JsValue> {
        Ok(convert::list_or_empty(self.run(a)?, Mode::Text)?.unchecked_into())
    }
}

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `SADD`: how many members were added.
    pub fn sadd(&self, key: &Key, members: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SADD").arg(key)?.args(members)?)?)
    }

    /// Same as Redis `SREM`: how many members were removed.
    pub fn srem(&self, key: &Key, members: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SREM").arg(key)?.args(members)?)?)
    }

    /// Same as Redis `SMEMBERS` (in no particular order).
    pub fn smembers(&self, key: &Key) -> Result<Strings, JsValue> {
        self.set_members(Argv::new("SMEMBERS").arg(key)?)
    }

    /// `smembers` as bytes.
    #[wasm_bindgen(js_name = smembersBytes)]
    pub fn smembers_bytes(&self, key: &Key) -> Result<ByteArrays, JsValue> {
        let r = self.run(Argv::new("SMEMBERS").arg(key)?)?;
        Ok(convert::list_or_empty(r, Mode::Bytes)?.unchecked_into())
    }

    /// Same as Redis `SISMEMBER`.
    pub fn sismember(&self, key: &Key, member: &Value) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("SISMEMBER").arg(key)?.arg(member)?)?)
    }

    /// Same as Redis `SMISMEMBER`: one boolean per member.
    pub fn smismember(&self, key: &Key, members: &Values) -> Result<Booleans, JsValue> {
        let r = self.run(Argv::new("SMISMEMBER").arg(key)?.args(members)?)?;
        Ok(convert::numbers(r, true)?.unchecked_into())
    }

    /// Same as Redis `SCARD`.
    pub fn scard(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SCARD").arg(key)?)?)
    }

    /// Same as Redis `SMOVE`: true if moved.
    pub fn smove(&self, source: &Key, destination: &Key, member: &Value) -> Result<bool, JsValue> {
        let a = Argv::new("SMOVE")
            .arg(source)?
            .arg(destination)?
            .arg(member)?;
        convert::boolean(self.run(a)?)
    }

    // skip_typescript: one member vs. `count` members; overloads in types.rs.
    /// Same as Redis `SPOP key [count]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn spop(&self, key: &JsValue, count: Option<f64>) -> Result<JsValue, JsValue> {
        self.set_pick("SPOP", key, count)
    }

    // skip_typescript: as `spop`.
    /// Same as Redis `SRANDMEMBER key [count]` (negative count: repeats allowed).
    #[wasm_bindgen(skip_typescript)]
    pub fn srandmember(&self, key: &JsValue, count: Option<f64>) -> Result<JsValue, JsValue> {
        self.set_pick("SRANDMEMBER", key, count)
    }

    /// Same as Redis `SINTER`.
    pub fn sinter(&self, keys: &Keys) -> Result<Strings, JsValue> {
        self.set_members(Argv::new("SINTER").args(keys)?)
    }

    /// Same as Redis `SUNION`.
    pub fn sunion(&self, keys: &Keys) -> Result<Strings, JsValue> {
        self.set_members(Argv::new("SUNION").args(keys)?)
    }

    /// Same as Redis `SDIFF`: members of the first set not in the others.
    pub fn sdiff(&self, keys: &Keys) -> Result<Strings, JsValue> {
        self.set_members(Argv::new("SDIFF").args(keys)?)
    }

    /// Same as Redis `SINTERSTORE`: the size of the stored set.
    pub fn sinterstore(&self, destination: &Key, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SINTERSTORE").arg(destination)?.args(keys)?)?)
    }

    /// Same as Redis `SUNIONSTORE`.
    pub fn sunionstore(&self, destination: &Key, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SUNIONSTORE").arg(destination)?.args(keys)?)?)
    }

    /// Same as Redis `SDIFFSTORE`.
    pub fn sdiffstore(&self, destination: &Key, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("SDIFFSTORE").arg(destination)?.args(keys)?)?)
    }

    /// Same as Redis `SINTERCARD numkeys key... [LIMIT n]`.
    pub fn sintercard(&self, keys: &Keys, options: Option<CardOptions>) -> Result<f64, JsValue> {
        let o = Opts::of(options)?;
        let mut a = Argv::new("SINTERCARD").counted(keys)?;
        if let Some(l) = o.get("limit") {
            a = a.kw("LIMIT").arg(&l)?;
        }
        convert::integer(self.run(a)?)
    }

    /// Same as Redis `SSCAN key cursor [MATCH] [COUNT]`: `[nextCursor, members]`.
    pub fn sscan(
        &self,
        key: &Key,
        cursor: &Value,
        options: Option<KeyScanOptions>,
    ) -> Result<ScanPage, JsValue> {
        let a = scan_options(
            Argv::new("SSCAN").arg(key)?.arg(cursor)?,
            &Opts::of(options)?,
        )?;
        let r = self.run(a)?;
        Ok(convert::scan(r, |v| {
            convert::list_or_empty(embedis::Reply::Array(v), Mode::Text)
        })?
        .unchecked_into())
    }
}
