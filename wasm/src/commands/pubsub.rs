//! The pub/sub group (Redis `pubsub.c`) as JS methods. `subscribe` and
//! `psubscribe` take a callback and return the unsubscribe function; the
//! callback runs from a task woken by the core's hub, so messages arrive
//! asynchronously, in publish order, just after the publishing code yields.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use embedis::Subscription;
use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::convert::{self, Argv, Mode};
use crate::timer::Life;
use crate::types::*;

/// Delivers a subscription's messages to a JS callback until unsubscribed
/// (the shared slot emptied) or the store freed.
struct Deliver {
    sub: Rc<RefCell<Option<Subscription>>>,
    handler: Function,
    life: Rc<Life>,
    id: u64,
}

impl Future for Deliver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if this.life.is_closed() {
                this.sub.borrow_mut().take();
                return Poll::Ready(());
            }
            // Not borrowed across the callback: it may call the unsubscribe function.
            let polled = match this.sub.borrow().as_ref() {
                None => return Poll::Ready(()),
                Some(s) => s.poll_recv(cx),
            };
            match polled {
                Poll::Ready(m) => {
                    let message = convert::text(&m.payload);
                    let channel = convert::text(&m.channel);
                    let result = match &m.pattern {
                        None => this.handler.call2(&JsValue::NULL, &message, &channel),
                        Some(p) => this.handler.call3(
                            &JsValue::NULL,
                            &message,
                            &channel,
                            &convert::text(p),
                        ),
                    };
                    if let Err(e) = result {
                        report(&e);
                    }
                }
                Poll::Pending => {
                    this.life.park(this.id, cx.waker());
                    return Poll::Pending;
                }
            }
        }
    }
}

impl Drop for Deliver {
    fn drop(&mut self) {
        self.life.forget(self.id);
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(e: &JsValue);
}

/// An exception thrown by a message handler: logged, the subscription goes on
/// (one bad message must not silently end delivery).
fn report(e: &JsValue) {
    console_error(e);
}

impl Embedis {
    /// Starts delivering `sub`'s messages to `handler`; returns the unsubscribe function.
    fn deliver(&self, sub: Subscription, handler: Function) -> Unsubscribe {
        let slot = Rc::new(RefCell::new(Some(sub)));
        let life = self.inner.life.clone();
        let task = Deliver {
            sub: slot.clone(),
            handler,
            id: life.id(),
            life: life.clone(),
        };
        let id = task.id;
        wasm_bindgen_futures::spawn_local(task);
        // FnMut, not once: calling the function twice is harmless.
        let off = move || {
            // Unsubscribes now (the hub forgets it at once), then lets the
            // task finish.
            slot.borrow_mut().take();
            life.wake(id);
        };
        Closure::<dyn FnMut()>::new(off)
            .into_js_value()
            .unchecked_into()
    }
}

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `PUBLISH`: how many subscribers received the message
    /// (in-process subscribers and clients of `listen` alike).
    pub fn publish(&self, channel: &Key, message: &Value) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("PUBLISH").arg(channel)?.arg(message)?)?)
    }

    /// Subscribes to channels (Redis `SUBSCRIBE`): `handler(message, channel)`
    /// runs for each message published afterwards, asynchronously and in
    /// order. Returns the function that unsubscribes (at once; messages
    /// already queued are dropped).
    pub fn subscribe(
        &self,
        channels: &Keys,
        handler: &MessageHandler,
    ) -> Result<Unsubscribe, JsValue> {
        let handler = handler
            .dyn_ref::<Function>()
            .ok_or_else(|| convert::type_error("embedis: handler must be a function"))?;
        let channels = convert::words(channels)?;
        Ok(self.deliver(self.store().subscribe(channels), handler.clone()))
    }

    /// Subscribes to glob patterns (Redis `PSUBSCRIBE`, `news.*`):
    /// `handler(message, channel, pattern)`. Returns the unsubscribe function.
    pub fn psubscribe(
        &self,
        patterns: &Keys,
        handler: &PatternHandler,
    ) -> Result<Unsubscribe, JsValue> {
        let handler = handler
            .dyn_ref::<Function>()
            .ok_or_else(|| convert::type_error("embedis: handler must be a function"))?;
        let patterns = convert::words(patterns)?;
        Ok(self.deliver(self.store().psubscribe(patterns), handler.clone()))
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
