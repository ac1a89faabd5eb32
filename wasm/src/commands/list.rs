//! The list group (Redis `t_list.c`) as JS methods; the blocking commands
//! return Promises.

use embedis::Reply;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::convert::{self, Argv, Mode, Opts};
use crate::types::*;

/// `[key, [elements]]` of LMPOP/BLMPOP, or `null`.
pub(crate) fn mpopped(r: Reply) -> Result<JsValue, JsValue> {
    let Some(mut v) = convert::items(r)? else {
        return Ok(JsValue::NULL);
    };
    if v.len() != 2 {
        return Err(convert::type_error("embedis: malformed LMPOP reply"));
    }
    let elements = convert::list_or_empty(v.pop().unwrap(), Mode::Text)?;
    let key = convert::nullable(v.pop().unwrap(), Mode::Text)?;
    Ok(Array::of2(&key, &elements).into())
}

/// The words of `LMPOP`/`BLMPOP` after the timeout: `numkeys keys.. end [COUNT n]`.
fn mpop_args(a: Argv, keys: &JsValue, end: &JsValue, count: Option<f64>) -> Result<Argv, JsValue> {
    let mut a = a.counted(keys)?.end(end)?;
    if let Some(n) = count {
        a = a.kw("COUNT").num(n);
    }
    Ok(a)
}

impl Embedis {
    /// LPOP / RPOP with an optional count.
    fn pop(
        &self,
        name: &'static str,
        key: &JsValue,
        count: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let a = Argv::new(name).arg(key)?;
        match count {
            None => convert::nullable(self.run(a)?, Mode::Text),
            Some(n) => convert::list(self.run(a.num(n))?, Mode::Text),
        }
    }
}

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `LPUSH`: pushes each element at the head, returns the length.
    pub fn lpush(&self, key: &Key, elements: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("LPUSH").arg(key)?.args(elements)?)?)
    }

    /// Same as Redis `RPUSH`: pushes each element at the tail, returns the length.
    pub fn rpush(&self, key: &Key, elements: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("RPUSH").arg(key)?.args(elements)?)?)
    }

    /// Same as Redis `LPUSHX`: only if the list exists.
    pub fn lpushx(&self, key: &Key, elements: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("LPUSHX").arg(key)?.args(elements)?)?)
    }

    /// Same as Redis `RPUSHX`: only if the list exists.
    pub fn rpushx(&self, key: &Key, elements: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("RPUSHX").arg(key)?.args(elements)?)?)
    }

    // skip_typescript: one element vs. `count` elements; overloads in types.rs.
    /// Same as Redis `LPOP key [count]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn lpop(&self, key: &JsValue, count: Option<f64>) -> Result<JsValue, JsValue> {
        self.pop("LPOP", key, count)
    }

    // skip_typescript: as `lpop`.
    /// Same as Redis `RPOP key [count]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn rpop(&self, key: &JsValue, count: Option<f64>) -> Result<JsValue, JsValue> {
        self.pop("RPOP", key, count)
    }

    /// Same as Redis `LLEN`.
    pub fn llen(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("LLEN").arg(key)?)?)
    }

    /// Same as Redis `LRANGE key start stop` (inclusive; negative from the tail).
    pub fn lrange(&self, key: &Key, start: f64, stop: f64) -> Result<Strings, JsValue> {
        let r = self.run(Argv::new("LRANGE").arg(key)?.num(start).num(stop))?;
        Ok(convert::list_or_empty(r, Mode::Text)?.unchecked_into())
    }

    /// `lrange` as bytes.
    #[wasm_bindgen(js_name = lrangeBytes)]
    pub fn lrange_bytes(&self, key: &Key, start: f64, stop: f64) -> Result<ByteArrays, JsValue> {
        let r = self.run(Argv::new("LRANGE").arg(key)?.num(start).num(stop))?;
        Ok(convert::list_or_empty(r, Mode::Bytes)?.unchecked_into())
    }

    /// Same as Redis `LINDEX`.
    pub fn lindex(&self, key: &Key, index: f64) -> Result<NullableString, JsValue> {
        let r = self.run(Argv::new("LINDEX").arg(key)?.num(index))?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `LSET`.
    ///
    /// Throws `ERR no such key` / `ERR index out of range`.
    pub fn lset(&self, key: &Key, index: f64, element: &Value) -> Result<(), JsValue> {
        self.run(Argv::new("LSET").arg(key)?.num(index).arg(element)?)
            .map(drop)
    }

    /// Same as Redis `LINSERT key BEFORE|AFTER pivot element`: the new
    /// length, `-1` if the pivot is missing, `0` if the key is.
    pub fn linsert(
        &self,
        key: &Key,
        position: &Where,
        pivot: &Value,
        element: &Value,
    ) -> Result<f64, JsValue> {
        let a = Argv::new("LINSERT").arg(key)?.upper(position)?;
        convert::integer(self.run(a.arg(pivot)?.arg(element)?)?)
    }

    /// Same as Redis `LREM key count element`: how many were removed.
    pub fn lrem(&self, key: &Key, count: f64, element: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("LREM").arg(key)?.num(count).arg(element)?)?)
    }

    /// Same as Redis `LTRIM key start stop`.
    pub fn ltrim(&self, key: &Key, start: f64, stop: f64) -> Result<(), JsValue> {
        self.run(Argv::new("LTRIM").arg(key)?.num(start).num(stop))
            .map(drop)
    }

    // skip_typescript: a position vs. positions with `count`; overloads in types.rs.
    /// Same as Redis `LPOS key element [RANK r] [COUNT n] [MAXLEN m]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn lpos(
        &self,
        key: &JsValue,
        element: &JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = Opts::new(&options)?;
        let mut a = Argv::new("LPOS").arg(key)?.arg(element)?;
        for (field, kw) in [("rank", "RANK"), ("count", "COUNT"), ("maxlen", "MAXLEN")] {
            if let Some(v) = o.get(field) {
                a = a.kw(kw).arg(&v)?;
            }
        }
        let r = self.run(a)?;
        if o.get("count").is_some() {
            convert::numbers(r, false)
        } else {
            convert::nullable_integer(r)
        }
    }

    /// Same as Redis `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`.
    pub fn lmove(
        &self,
        source: &Key,
        destination: &Key,
        from: &ListEnd,
        to: &ListEnd,
    ) -> Result<NullableString, JsValue> {
        let a = Argv::new("LMOVE").arg(source)?.arg(destination)?;
        let r = self.run(a.end(from)?.end(to)?)?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `RPOPLPUSH source destination`.
    pub fn rpoplpush(&self, source: &Key, destination: &Key) -> Result<NullableString, JsValue> {
        let r = self.run(Argv::new("RPOPLPUSH").arg(source)?.arg(destination)?)?;
        Ok(convert::nullable(r, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `LMPOP numkeys key... LEFT|RIGHT [COUNT n]`:
    /// `[key, elements]` from the first non-empty list, or `null`.
    pub fn lmpop(
        &self,
        keys: &Keys,
        end: &ListEnd,
        count: Option<f64>,
    ) -> Result<MPopped, JsValue> {
        let r = self.run(mpop_args(Argv::new("LMPOP"), keys, end, count)?)?;
        Ok(mpopped(r)?.unchecked_into())
    }

    /// Same as Redis `BLPOP key... timeout`: resolves to `[key, element]`
    /// as soon as one of the lists has an element (now, or when a later
    /// push arrives), or to `null` after `timeout` seconds (0: wait forever).
    pub fn blpop(&self, keys: &Keys, timeout: f64) -> Result<PromiseKeyValue, JsValue> {
        let d = self.dispatch(Argv::new("BLPOP").args(keys)?.num(timeout).0);
        Ok(self
            .promise(d, Box::new(|r| convert::list(r, Mode::Text)))
            .unchecked_into())
    }

    /// Same as Redis `BRPOP`: `blpop` from the tail.
    pub fn brpop(&self, keys: &Keys, timeout: f64) -> Result<PromiseKeyValue, JsValue> {
        let d = self.dispatch(Argv::new("BRPOP").args(keys)?.num(timeout).0);
        Ok(self
            .promise(d, Box::new(|r| convert::list(r, Mode::Text)))
            .unchecked_into())
    }

    /// Same as Redis `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`:
    /// resolves to the moved element, or `null` on timeout.
    pub fn blmove(
        &self,
        source: &Key,
        destination: &Key,
        from: &ListEnd,
        to: &ListEnd,
        timeout: f64,
    ) -> Result<PromiseNullableString, JsValue> {
        let a = Argv::new("BLMOVE").arg(source)?.arg(destination)?;
        let d = self.dispatch(a.end(from)?.end(to)?.num(timeout).0);
        Ok(self
            .promise(d, Box::new(|r| convert::nullable(r, Mode::Text)))
            .unchecked_into())
    }

    /// Same as Redis `BRPOPLPUSH source destination timeout`.
    pub fn brpoplpush(
        &self,
        source: &Key,
        destination: &Key,
        timeout: f64,
    ) -> Result<PromiseNullableString, JsValue> {
        let a = Argv::new("BRPOPLPUSH").arg(source)?.arg(destination)?;
        let d = self.dispatch(a.num(timeout).0);
        Ok(self
            .promise(d, Box::new(|r| convert::nullable(r, Mode::Text)))
            .unchecked_into())
    }

    /// Same as Redis `BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]`.
    pub fn blmpop(
        &self,
        keys: &Keys,
        end: &ListEnd,
        timeout: f64,
        count: Option<f64>,
    ) -> Result<PromiseMPopped, JsValue> {
        let a = Argv::new("BLMPOP").num(timeout);
        let d = self.dispatch(mpop_args(a, keys, end, count)?.0);
        Ok(self.promise(d, Box::new(mpopped)).unchecked_into())
    }
}
