//! The scratch buffer of the string fast paths (`js/fast.js`).
//!
//! A call like `db.get('k')` costs more in crossing the JS/wasm boundary
//! than in the store: wasm-bindgen's glue allocates wasm memory for each
//! string argument and frees it after, and returns a string through another
//! allocation. For the hottest calls with string arguments, `js/fast.js`
//! instead writes the arguments as UTF-8 into this one buffer, which lives as
//! long as the module, calls an export that reads them from here, and reads
//! a string reply back from here. The export runs the core's typed API, so
//! the command's meaning stays in the core.
//!
//! The buffer's length is its capacity (`resize`, never `reserve`), so
//! growing it keeps every byte JS wrote, and JS knows its address from
//! `Embedis.__scratch`. After a call that needed more than [`KEEP`] bytes,
//! JS releases it (`Embedis.__scratchRelease`), so one big value does not
//! pin its size in memory.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::convert;

/// The most bytes the buffers keep between calls (js/fast.js has the same
/// constant).
const KEEP: usize = 1 << 20;

/// The module's buffers, in one thread-local (one access per call).
struct Buffers {
    /// What JS writes arguments into and reads replies from.
    scratch: Vec<u8>,
    /// Where a read puts the value before it goes into `scratch` (which
    /// holds the key while the store is read).
    out: Vec<u8>,
    /// The error of the last call that returned [`FAILED`], until `__error`.
    error: Option<embedis::Error>,
}

thread_local! {
    // wasm32 without threads: one set for the module instance.
    static BUFFERS: RefCell<Buffers> = const {
        RefCell::new(Buffers { scratch: Vec::new(), out: Vec::new(), error: None })
    };
}

/// What a fast-path export returns when the command failed; JS then throws
/// `Embedis.__error()`. The exports return plain numbers rather than
/// `Result`s: wasm-bindgen returns a `Result` as two values, which JS
/// receives as an array allocated per call.
pub(crate) const FAILED: i32 = -2;

/// `Ok(n)` as `n`; an error kept for `__error`, as [`FAILED`].
#[inline(always)]
pub(crate) fn status(r: Result<i32, embedis::Error>) -> i32 {
    r.unwrap_or_else(|e| {
        BUFFERS.with_borrow_mut(|b| b.error = Some(e));
        FAILED
    })
}

#[wasm_bindgen]
impl Embedis {
    // skip_typescript: internal, called by js/fast.js.
    /// Grows the scratch buffer to at least `len` bytes, keeping its
    /// contents, and returns its address in wasm memory (which a later
    /// growth may change). Internal.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __scratch, skip_typescript)]
    pub fn scratch(len: u32) -> u32 {
        BUFFERS.with_borrow_mut(|b| {
            if b.scratch.len() < len as usize {
                b.scratch.resize(len as usize, 0);
            }
            b.scratch.as_ptr() as usize as u32
        })
    }

    // skip_typescript: internal, called by js/fast.js.
    /// Frees the scratch buffer (JS calls it after a call that grew it past
    /// 1 MiB); the next `__scratch` allocates again. Internal.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __scratchRelease, skip_typescript)]
    pub fn scratch_release() {
        BUFFERS.with_borrow_mut(|b| b.scratch = Vec::new());
    }

    // skip_typescript: internal, called by js/fast.js.
    /// The error of the last fast-path call that returned `FAILED`, as the
    /// `Error` the other methods throw. Internal.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __error, skip_typescript)]
    pub fn take_error() -> JsValue {
        match BUFFERS.with_borrow_mut(|b| b.error.take()) {
            Some(e) => convert::error_value(&e),
            None => convert::type_error("embedis: no error to report"),
        }
    }

    // skip_typescript: internal, called by js/fast.js.
    /// The module's `WebAssembly.Memory`, which holds the scratch buffer. Internal.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __memory, skip_typescript)]
    pub fn memory() -> JsValue {
        wasm_bindgen::memory()
    }
}

/// Runs `f` on the `len` bytes JS wrote at offset `at`.
///
/// # Panics
/// If they are not inside the buffer (js/fast.js reserves before writing).
pub(crate) fn with<R>(at: u32, len: u32, f: impl FnOnce(&[u8]) -> R) -> R {
    BUFFERS.with_borrow(|b| f(&b.scratch[at as usize..][..len as usize]))
}

/// Runs `read` on the `len` bytes at the start of the buffer (a key) with a
/// buffer for the value it finds, and writes that value at the start of the
/// buffer as UTF-8 (invalid sequences as U+FFFD, as the other methods'
/// string replies). Returns twice its length in bytes, plus one when every
/// byte is ASCII (JS then builds a short string from the bytes without
/// looking at them again), or -1 when `read` found nothing. The buffer grows
/// if needed (JS then asks for its new address).
#[inline(always)]
pub(crate) fn read_text<E>(
    len: u32,
    read: impl FnOnce(&[u8], &mut Vec<u8>) -> Result<bool, E>,
) -> Result<i32, E> {
    BUFFERS.with_borrow_mut(|b| {
        let Buffers { scratch, out, .. } = b;
        if !read(&scratch[..len as usize], out)? {
            return Ok(-1);
        }
        // ASCII is UTF-8: most values skip the validation.
        let ascii = out.is_ascii();
        let lossy;
        let text = if ascii {
            &out[..]
        } else {
            lossy = String::from_utf8_lossy(out);
            lossy.as_bytes()
        };
        if scratch.len() < text.len() {
            scratch.resize(text.len(), 0);
        }
        scratch[..text.len()].copy_from_slice(text);
        // Wasm memory is 4 GiB at most: a 1 GiB reply is beyond any real value.
        assert!(
            text.len() < 1 << 30,
            "a 1 GiB value has no string form here"
        );
        let n = text.len() as i32 * 2 + i32::from(ascii);
        if out.capacity() > KEEP {
            *out = Vec::new();
        }
        Ok(n)
    })
}

/// Writes `bytes` at offset `at` as js/fast.js does.
#[cfg(all(test, target_arch = "wasm32"))]
pub(crate) fn write(at: u32, bytes: &[u8]) {
    Embedis::scratch(at + bytes.len() as u32);
    BUFFERS.with_borrow_mut(|b| b.scratch[at as usize..][..bytes.len()].copy_from_slice(bytes));
}
