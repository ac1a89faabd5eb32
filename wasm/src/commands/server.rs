//! The server group (Redis `server.c`, `db.c`) as JS methods: database-wide
//! commands that need no client session.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::convert::{self, Argv, Mode};
use crate::types::*;

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `DBSIZE`: keys in this handle's database.
    pub fn dbsize(&self) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("DBSIZE"))?)
    }

    /// Same as Redis `FLUSHDB`: deletes every key of this handle's database.
    pub fn flushdb(&self) -> Result<(), JsValue> {
        self.run(Argv::new("FLUSHDB")).map(drop)
    }

    /// Same as Redis `FLUSHALL`: deletes every key of every database.
    pub fn flushall(&self) -> Result<(), JsValue> {
        self.run(Argv::new("FLUSHALL")).map(drop)
    }

    /// Same as Redis `SWAPDB index1 index2`.
    pub fn swapdb(&self, index1: f64, index2: f64) -> Result<(), JsValue> {
        self.run(Argv::new("SWAPDB").num(index1).num(index2))
            .map(drop)
    }

    /// Same as Redis `TIME`: `[unixSeconds, microseconds]` of the store's clock.
    pub fn time(&self) -> Result<Time, JsValue> {
        let v = convert::list_or_empty(self.run(Argv::new("TIME"))?, Mode::Text)?;
        let v: Array = v.unchecked_into();
        let num = |x: JsValue| {
            JsValue::from_f64(
                x.as_string()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(f64::NAN),
            )
        };
        Ok(Array::of2(&num(v.get(0)), &num(v.get(1))).unchecked_into())
    }
}
