//! The pub/sub group (Redis `pubsub.c`) as JS methods.

use wasm_bindgen::prelude::*;

use crate::convert::{self, Argv, Mode};
use crate::types::*;
use crate::Embedis;

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `PUBLISH`: how many subscribers received the message
    /// (in-process subscribers and clients of `listen` alike).
    pub fn publish(&self, channel: &Key, message: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("PUBLISH").arg(channel)?.arg(message)?)?)
    }

    /// Same as Redis `PUBSUB CHANNELS [pattern]`: channels with subscribers.
    #[wasm_bindgen(js_name = pubsubChannels)]
    pub fn pubsub_channels(&self, pattern: Option<String>) -> Result<Strings, JsValue> {
        let mut a = Argv::new("PUBSUB").kw("CHANNELS");
        if let Some(p) = pattern {
            a = a.arg(&p.into())?;
        }
        Ok(convert::list_or_empty(self.run(a)?, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `PUBSUB NUMSUB channel...`: subscribers per channel.
    #[wasm_bindgen(js_name = pubsubNumsub)]
    pub fn pubsub_numsub(&self, channels: &Keys) -> Result<NumberRecord, JsValue> {
        let r = self.run(Argv::new("PUBSUB").kw("NUMSUB").args(channels)?)?;
        Ok(convert::object(r, Mode::Text, true)?.unchecked_into())
    }

    /// Same as Redis `PUBSUB NUMPAT`: patterns subscribed to.
    #[wasm_bindgen(js_name = pubsubNumpat)]
    pub fn pubsub_numpat(&self) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("PUBSUB").kw("NUMPAT"))?)
    }
}
