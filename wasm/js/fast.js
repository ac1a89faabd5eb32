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
  const SHORT = 16; // the longest value `shortAscii` builds
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
    if (at + n > cap || u8.byteLength === 0) reserve(at + n);
    const a = u8;
    const p = base + at;
    let i = 0;
    // ASCII four UTF-16 units at a time, then one at a time: 18 ns for a
    // 10-character key in Node 20, against 37 one unit at a time and 55
    // through TextEncoder.
    for (; i + 4 <= n; i += 4) {
      const c0 = s.charCodeAt(i), c1 = s.charCodeAt(i + 1), c2 = s.charCodeAt(i + 2), c3 = s.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) > 0x7f) break;
      a[p + i] = c0;
      a[p + i + 1] = c1;
      a[p + i + 2] = c2;
      a[p + i + 3] = c3;
    }
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      a[p + i] = c;
    }
    if (i === n) return n;
    // Not ASCII: at most 3 bytes per UTF-16 unit from here on.
    reserve(at + i + (n - i) * 3);
    const start = base + at + i;
    return i + encoder.encodeInto(i === 0 ? s : s.slice(i), u8.subarray(start, base + cap)).written;
  }

  /**
   * The `n` bytes of UTF-8 at the start of the buffer, as a string; `ascii`
   * when the export said every byte is ASCII.
   */
  function text(n, ascii) {
    // The reply may have grown the buffer or wasm memory.
    if (n > cap || u8.byteLength === 0) reserve(n);
    if (ascii && n <= SHORT) return shortAscii(u8, base, n);
    return node ? buf.utf8Slice(base, base + n) : decoder.decode(u8.subarray(base, base + n));
  }

  /**
   * `a[p..p+n]`, ASCII bytes, `n <= SHORT`, as a string. One
   * `String.fromCharCode` with the bytes as arguments makes a short string in
   * a third of the time a decoder call takes (17 vs 48 ns for 10 or 16 bytes
   * in Node 20; two calls joined with `+` took 53 ns for 16 bytes), and most
   * values a get returns (ids, counters, flags, short names) are short.
   */
  function shortAscii(a, p, n) {
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
      case 9: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8]);
      case 10: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9]);
      case 11: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10]);
      case 12: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11]);
      case 13: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12]);
      case 14: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12], a[p + 13]);
      case 15: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12], a[p + 13], a[p + 14]);
      case 16: return c(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11], a[p + 12], a[p + 13], a[p + 14], a[p + 15]);
      default: throw new RangeError(`shortAscii: ${n} bytes`);
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
      // Twice the value's length, plus one when it is all ASCII (src/scratch.rs).
      const r = this.__get(put(key, 0));
      if (r >= 0) return text(r >>> 1, (r & 1) === 1);
      if (r === NIL) return null;
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
