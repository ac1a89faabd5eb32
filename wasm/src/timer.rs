//! JS timers (`setTimeout` / `setInterval`, global in browsers and Node) owned
//! by Rust values: dropping one clears the timer and frees its closure, so a
//! dropped store leaves nothing scheduled.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::task::Waker;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_name = setInterval)]
    fn set_interval(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearInterval)]
    fn clear_interval(id: &JsValue);
}

/// The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days);
/// longer ones fire at once, so callers treat them as "never".
pub(crate) const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// Calls `unref()` on a Node timer so it does not keep the process alive;
/// browsers return a number, which has no such method.
fn unref(id: &JsValue) {
    // No let-chains: the MSRV is 1.85.
    if let Ok(f) = Reflect::get(id, &"unref".into()) {
        if let Some(f) = f.dyn_ref::<Function>() {
            let _ = f.call0(id);
        }
    }
}

/// A `setTimeout` that runs `f` once; dropping it first cancels it.
pub(crate) struct Timeout {
    id: JsValue,
    _closure: Closure<dyn FnMut()>,
}

impl Timeout {
    pub(crate) fn new(ms: f64, f: impl FnOnce() + 'static) -> Timeout {
        let mut f = Some(f);
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f()
            }
        });
        let id = set_timeout(closure.as_ref().unchecked_ref(), ms);
        Timeout {
            id,
            _closure: closure,
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// A `setInterval` running `f` every `ms`, unref'd in Node (it must not keep
/// a process alive just to expire keys); dropping it clears it.
pub(crate) struct Interval {
    id: JsValue,
    _closure: Closure<dyn FnMut()>,
}

impl Interval {
    pub(crate) fn new(ms: f64, f: impl FnMut() + 'static) -> Interval {
        let closure = Closure::<dyn FnMut()>::new(f);
        let id = set_interval(closure.as_ref().unchecked_ref(), ms);
        unref(&id);
        Interval {
            id,
            _closure: closure,
        }
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        clear_interval(&self.id);
    }
}

/// The life of one store handle family: pending promises and subscriptions
/// register their wakers here, and [`Life::close`] (run when the last handle
/// is freed) wakes them all so they settle and release the store.
#[derive(Default)]
pub(crate) struct Life {
    closed: Cell<bool>,
    next: Cell<u64>,
    wakers: RefCell<HashMap<u64, Waker>>,
}

impl Life {
    /// True once the store was freed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// A fresh id for [`Life::park`].
    pub(crate) fn id(&self) -> u64 {
        let id = self.next.get() + 1;
        self.next.set(id);
        id
    }

    /// Remembers the waker of task `id` until [`Life::forget`].
    pub(crate) fn park(&self, id: u64, w: &Waker) {
        self.wakers.borrow_mut().insert(id, w.clone());
    }

    /// Task `id` finished.
    pub(crate) fn forget(&self, id: u64) {
        self.wakers.borrow_mut().remove(&id);
    }

    /// Wakes task `id`, if parked.
    pub(crate) fn wake(&self, id: u64) {
        let w = self.wakers.borrow_mut().remove(&id);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Marks the store freed and wakes every parked task.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        let wakers: Vec<Waker> = self.wakers.borrow_mut().drain().map(|(_, w)| w).collect();
        for w in wakers {
            w.wake();
        }
    }
}
