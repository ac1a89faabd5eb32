//! Blocking commands as Promises: the core's [`Blocked`] future (which has no
//! timer of its own) raced against a `setTimeout` for the command's timeout,
//! and against the store being freed.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use embedis::{Blocked, Dispatch, Reply};
use js_sys::Promise;
use wasm_bindgen::JsValue;

use crate::timer::{Life, MAX_DELAY_MS, Timeout};

/// Converts the final reply of a command into its JS value.
pub(crate) type Convert = Box<dyn FnOnce(Reply) -> Result<JsValue, JsValue>>;

/// A Promise of `dispatch`'s reply: settled at once when the command did
/// not block, else when it is served, times out (its reply then is the
/// timeout reply, `null` for BLPOP) or the store is freed.
pub(crate) fn promise(dispatch: Dispatch, life: &Rc<Life>, convert: Convert) -> Promise {
    match dispatch {
        Dispatch::Reply(r) => match convert(r) {
            Ok(v) => Promise::resolve(&v),
            Err(e) => Promise::reject(&e),
        },
        Dispatch::Blocked(b) => {
            let race = Race::new(b, life.clone());
            wasm_bindgen_futures::future_to_promise(async move { convert(race.await) })
        }
    }
}

/// Set by the timeout; wakes the task so it notices.
#[derive(Default)]
struct Alarm {
    rang: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

/// Resolves to the blocked command's reply: served, timed out or freed.
struct Race {
    blocked: Option<Blocked>,
    alarm: Rc<Alarm>,
    _timer: Option<Timeout>,
    life: Rc<Life>,
    id: u64,
}

impl Race {
    fn new(blocked: Blocked, life: Rc<Life>) -> Race {
        let alarm = Rc::new(Alarm::default());
        let timer = blocked.timeout().and_then(|t| {
            let ms = t.as_secs_f64() * 1000.0;
            (ms <= MAX_DELAY_MS).then(|| {
                let alarm = alarm.clone();
                Timeout::new(ms, move || {
                    alarm.rang.set(true);
                    if let Some(w) = alarm.waker.take() {
                        w.wake();
                    }
                })
            })
        });
        let id = life.id();
        Race {
            blocked: Some(blocked),
            alarm,
            _timer: timer,
            life,
            id,
        }
    }
}

impl Future for Race {
    type Output = Reply;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reply> {
        let this = self.get_mut();
        let Some(blocked) = this.blocked.as_mut() else {
            return Poll::Ready(Reply::NullArray);
        };
        if this.alarm.rang.get() || this.life.is_closed() {
            // `cancel` still returns a value served in the meantime.
            this.life.forget(this.id);
            return Poll::Ready(this.blocked.take().unwrap().cancel());
        }
        match Pin::new(blocked).poll(cx) {
            Poll::Ready(r) => {
                this.blocked = None;
                this.life.forget(this.id);
                Poll::Ready(r)
            }
            Poll::Pending => {
                this.alarm.waker.set(Some(cx.waker().clone()));
                this.life.park(this.id, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for Race {
    fn drop(&mut self) {
        self.life.forget(self.id);
    }
}
