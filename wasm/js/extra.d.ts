
// ---- added by the package's JS entry points (see js/ in the repository) ----

export interface Embedis {
  /**
   * Node only: serves this store over the Redis protocol (RESP2/RESP3) on a
   * TCP port through `node:net`, with the same session logic as
   * `embedis-server`, so ioredis, node-redis and libraries built on them work
   * against it. Resolves once listening.
   */
  listen(options?: ListenOptions): Promise<Listener>;
  /** Node only: writes `snapshot()` to `file` atomically (temporary file, fsync, rename). */
  saveFile(file: string): Promise<void>;
  /** Browsers: stores `snapshot()` in IndexedDB (database `embedis`) under `name` (default `'default'`). */
  saveIndexedDB(name?: string): Promise<void>;
}

export declare namespace Embedis {
  /** Node only: a store restored from a file written by `saveFile` or `embedis-server`; a new empty store if the file does not exist. */
  function loadFile(file: string, options?: EmbedisOptions): Promise<Embedis>;
  /** Browsers: the store saved under `name` by `saveIndexedDB`; a new empty store if there is none. */
  function loadIndexedDB(name?: string, options?: EmbedisOptions): Promise<Embedis>;
}

// `[Symbol.dispose]()` above needs `SymbolConstructor.dispose`, which only
// TypeScript's `esnext.disposable` lib (or @types/node) declares; the same
// declaration here lets projects on older `lib` settings type-check too.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}
