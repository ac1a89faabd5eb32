//! The hash group (Redis `t_hash.c`) as JS methods. Hashes come back as
//! plain objects (`Record<string, string>`).

use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::commands::keyspace::scan_options;
use crate::commands::string::field_values;
use crate::convert::{self, Argv, Mode, Opts};
use crate::types::*;

#[wasm_bindgen]
impl Embedis {
    // skip_typescript: `hset(key, field, value)` and `hset(key, fields)`;
    // overloads in types.rs.
    /// Same as Redis `HSET key field value [field value ...]`: returns how
    /// many fields were added. Takes one field and value, or an object, a
    /// `Map` or `[field, value]` pairs.
    #[wasm_bindgen(skip_typescript)]
    pub fn hset(&self, key: &JsValue, fields: &JsValue, value: JsValue) -> Result<f64, JsValue> {
        let a = Argv::new("HSET").arg(key)?;
        let a = if value.is_undefined() {
            field_values(a, fields)?
        } else {
            a.arg(fields)?.arg(&value)?
        };
        convert::integer(self.run(a)?)
    }

    /// Same as Redis `HSETNX`: true if the field was set.
    pub fn hsetnx(&self, key: &Key, field: &Key, value: &Value) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("HSETNX").arg(key)?.arg(field)?.arg(value)?)?)
    }

    /// Same as Redis `HGET`.
    pub fn hget(&self, key: &Key, field: &Key) -> Result<NullableString, JsValue> {
        let r = self.run(Argv::new("HGET").arg(key)?.arg(field)?)?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// `hget` as bytes.
    #[wasm_bindgen(js_name = hgetBytes)]
    pub fn hget_bytes(&self, key: &Key, field: &Key) -> Result<NullableBytes, JsValue> {
        let r = self.run(Argv::new("HGET").arg(key)?.arg(field)?)?;
        Ok(convert::nullable(r, Mode::Bytes)?.unchecked_into())
    }

    /// Same as Redis `HMGET`: one value or `null` per field.
    pub fn hmget(&self, key: &Key, fields: &Keys) -> Result<NullableStrings, JsValue> {
        let r = self.run(Argv::new("HMGET").arg(key)?.args(fields)?)?;
        Ok(convert::list_or_empty(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `HGETALL`, as an object (`{}` when the key is missing).
    pub fn hgetall(&self, key: &Key) -> Result<StringRecord, JsValue> {
        let r = self.run(Argv::new("HGETALL").arg(key)?)?;
        Ok(convert::object(r, Mode::Text, false)?.unchecked_into())
    }

    /// `hgetall` with values as bytes.
    #[wasm_bindgen(js_name = hgetallBytes)]
    pub fn hgetall_bytes(&self, key: &Key) -> Result<BytesRecord, JsValue> {
        let r = self.run(Argv::new("HGETALL").arg(key)?)?;
        Ok(convert::object(r, Mode::Bytes, false)?.unchecked_into())
    }

    /// Same as Redis `HDEL`: how many fields were removed.
    pub fn hdel(&self, key: &Key, fields: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("HDEL").arg(key)?.args(fields)?)?)
    }

    /// Same as Redis `HEXISTS`.
    pub fn hexists(&self, key: &Key, field: &Key) -> Result<bool, JsValue> {
        convert::boolean(self.run(Argv::new("HEXISTS").arg(key)?.arg(field)?)?)
    }

    /// Same as Redis `HLEN`.
    pub fn hlen(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("HLEN").arg(key)?)?)
    }

    /// Same as Redis `HSTRLEN`.
    pub fn hstrlen(&self, key: &Key, field: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("HSTRLEN").arg(key)?.arg(field)?)?)
    }

    /// Same as Redis `HKEYS`.
    pub fn hkeys(&self, key: &Key) -> Result<Strings, JsValue> {
        let r = self.run(Argv::new("HKEYS").arg(key)?)?;
        Ok(convert::list_or_empty(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `HVALS`.
    pub fn hvals(&self, key: &Key) -> Result<Strings, JsValue> {
        let r = self.run(Argv::new("HVALS").arg(key)?)?;
        Ok(convert::list_or_empty(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `HINCRBY`: the new value.
    pub fn hincrby(&self, key: &Key, field: &Key, increment: &Value) -> Result<f64, JsValue> {
        let a = Argv::new("HINCRBY").arg(key)?.arg(field)?.arg(increment)?;
        convert::integer(self.run(a)?)
    }

    /// Same as Redis `HINCRBYFLOAT`: the new value as a number.
    pub fn hincrbyfloat(&self, key: &Key, field: &Key, increment: &Value) -> Result<f64, JsValue> {
        let a = Argv::new("HINCRBYFLOAT")
            .arg(key)?
            .arg(field)?
            .arg(increment)?;
        convert::score(&self.run(a)?)
    }

    // skip_typescript: the reply's shape depends on `count` and
    // `withValues`; overloads in types.rs.
    /// Same as Redis `HRANDFIELD key [count [WITHVALUES]]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn hrandfield(
        &self,
        key: &JsValue,
        count: Option<f64>,
        with_values: Option<bool>,
    ) -> Result<JsValue, JsValue> {
        let a = Argv::new("HRANDFIELD").arg(key)?;
        match (count, with_values.unwrap_or(false)) {
            (None, _) => convert::nullable(self.run(a)?, Mode::Text),
            (Some(n), false) => convert::list_or_empty(self.run(a.num(n))?, Mode::Text),
            (Some(n), true) => {
                let r = self.run(a.num(n).kw("WITHVALUES"))?;
                convert::string_pairs(convert::items(r)?.unwrap_or_default(), Mode::Text)
            }
        }
    }

    /// Same as Redis `HSCAN key cursor [MATCH] [COUNT]`: `[nextCursor, [field, value][]]`.
    pub fn hscan(
        &self,
        key: &Key,
        cursor: &Value,
        options: Option<KeyScanOptions>,
    ) -> Result<HScanPage, JsValue> {
        let a = scan_options(
            Argv::new("HSCAN").arg(key)?.arg(cursor)?,
            &Opts::of(options)?,
        )?;
        let r = self.run(a)?;
        Ok(convert::scan(r, |v| convert::string_pairs(v, Mode::Text))?.unchecked_into())
    }
}
