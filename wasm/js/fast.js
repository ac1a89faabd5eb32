// Fast paths for the hottest calls, installed on the class by both entry
// points (pkg/node/fast.cjs is generated from this file by build.sh).
//
// `get` and `set` take any key and value (strings, bytes, numbers). The
// generated glue hands each argument to wasm as a JS value that the wasm
// side reads with a call back into JS, or as a string copied into a fresh
// allocation, and returns a string reply through another allocation. When
// the arguments are strings, the methods below write them as UTF-8 into one
// long-lived scratch buffer in wasm memory (src/scratch.rs), call an export
// that runs the core's typed `Db::get` / `Db::set` (the same functions the
// GET and SET commands run) on them, and read a string reply back from the
// same buffer. Anything else (bytes, numbers, options) goes to the general
// method unchanged.
export function install(Embedis) {
  const memory = Embedis.__memory();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  // Node's Buffer decodes short strings in about half the time TextDecoder takes.
  const node = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string' &&
    typeof Buffer === 'function' && typeof Buffer.prototype.utf8Slice === 'function';
  const EMPTY = new Uint8Array(0);
  const KEEP = 1 << 20; // the most bytes the buffer keeps between calls (src/scratch.rs)
  // What the exports return besides lengths (src/scratch.rs); on FAILED,
  // `Embedis.__error()` is the Error to throw.
  const NIL = -1;
  const FAILED = -2;
  let base = 0; // the scratch buffer's address in wasm memory
  let cap = 0; // its length
  let u8 = EMPTY; // a view of wasm memory; empty again when memory grows
  let buf = null; // the same as a Node Buffer

  /** Makes the buffer at least `n` bytes and the views current. */
  function reserve(n) {
    if (n > cap) {
      base = Embedis.__scratch(n);
      cap = n;
    }
    if (u8.byteLength === 0) {
      u8 = new Uint8Array(memory.buffer);
      if (node) buf = Buffer.from(memory.buffer);
    }
  }

  /** Writes `s` as UTF-8 at offset `at` of the buffer; returns its length in bytes. */
  function put(s, at) {
    const n = s.length;
    reserve(at + n);
    const p = base + at;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      u8[p + i] = c;
    }
    if (i === n) return n;
    // Not ASCII: at most 3 bytes per UTF-16 unit from here on.
    reserve(at + i + (n - i) * 3);
    const start = base + at + i;
    return i + encoder.encodeInto(i === 0 ? s : s.slice(i), u8.subarray(start, base + cap)).written;
  }

  /** The `n` bytes of UTF-8 at the start of the buffer, as a string. */
  function text(n) {
    reserve(n); // the reply may have grown the buffer or wasm memory
    if (n <= 8) {
      const s = shortAscii(u8, base, n);
      if (s !== null) return s;
    }
    return node ? buf.utf8Slice(base, base + n) : decoder.decode(u8.subarray(base, base + n));
  }

  /**
   * `a[p..p+n]` as a string if those bytes are ASCII and `n <= 8`, else null.
   * One `String.fromCharCode` with the bytes as arguments makes a short string
   * in a third of the time a decoder call takes (17 vs 44 ns for 5 bytes in
   * Node 20), and most values a get returns (ids, counters, flags) are short.
   */
  function shortAscii(a, p, n) {
    let high = 0;
    for (let i = 0; i < n; i++) high |= a[p + i];
    if (high > 0x7f) return null;
    const c = String.fromCharCode;
    switch (n) {
      case 0: return '';
      case 1: return c(a[p]);
      case 2: return c(a[p], a[p + 1]);
      case 3: return c(a[p], a[p + 1], a[p + 2]);
      case 4: return c(a[p], a[p + 1], a[p + 2], a[p + 3]);
      case 5: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4]);
      case 6: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5]);
      case 7: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6]);
      case 8: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7]);
      default: return null;
    }
  }

  /** Frees the buffer after a call that made it big. */
  function release() {
    Embedis.__scratchRelease();
    cap = 0;
  }

  const p = Embedis.prototype;
  const getAny = p.get;
  const setAny = p.set;
  p.get = function get(key) {
    if (typeof key !== 'string') return getAny.call(this, key);
    try {
      const n = this.__get(put(key, 0));
      if (n >= 0) return text(n);
      if (n === NIL) return null;
      throw Embedis.__error();
    } finally {
      if (cap > KEEP) release();
    }
  };
  p.set = function set(key, value, options) {
    if (options != null || typeof key !== 'string' || typeof value !== 'string') {
      return setAny.call(this, key, value, options);
    }
    const k = put(key, 0);
    try {
      if (this.__set(k, put(value, k)) === FAILED) throw Embedis.__error();
    } finally {
      if (cap > KEEP) release();
    }
    return 'OK'; // what SET without options always replies
  };
}
