//! TypeScript types of the JS API. Each Rust type here is a JS value with a
//! declared TypeScript type (wasm-bindgen's `typescript_type`), so the
//! generated `.d.ts` says `get(key: RedisKey): string | null` rather than
//! `any`. The named types themselves, and the methods whose signatures need
//! overloads, are declared in the custom section below.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A key, member or field: a string (sent as UTF-8) or raw bytes. */
export type RedisKey = string | Uint8Array;
/** A value: a string, raw bytes, or a number (sent as its decimal text; `Infinity` as `+inf`). */
export type RedisValue = string | Uint8Array | number | bigint;
/** A reply of `command()`, in RESP2 shapes: bulk and status strings, integers, `null` for nil, arrays (maps flattened), and `Error` objects for errors nested in arrays. */
export type RedisReply = string | number | null | Error | RedisReply[];
/** A reply of `commandBytes()`: like {@link RedisReply} with bulk strings as `Uint8Array`. */
export type RedisReplyBytes = string | number | null | Uint8Array | Error | RedisReplyBytes[];
/** A score or a score-range bound: a number, or Redis syntax such as `'(1.5'`, `'-inf'`, `'+inf'`. */
export type Score = number | string;
/** A rank, score or lex bound for `zrange` (which one depends on `by`). */
export type RangeBound = number | string;
/** A list end. */
export type ListEnd = 'left' | 'right' | 'LEFT' | 'RIGHT';
/** Which end of a sorted set to pop from. */
export type MinMax = 'min' | 'max' | 'MIN' | 'MAX';
/** Field/value pairs: an object, a `Map` or an array of pairs. */
export type FieldValues = Record<string, RedisValue> | Map<RedisKey, RedisValue> | Array<[RedisKey, RedisValue]>;
/** Members with scores, in Redis's order: `[[score, member], ...]`, or an object / `Map` from member to score. */
export type ScoredMembers = Array<[number | string, RedisKey]> | Record<string, number> | Map<RedisKey, number>;
/** Calls the unsubscribe function returned by `subscribe` / `psubscribe`. */
export type Unsubscribe = () => void;
/** Receives a message published on a subscribed channel. */
export type MessageHandler = (message: string, channel: string) => void;
/** Receives a message published on a channel matching a subscribed pattern. */
export type PatternHandler = (message: string, channel: string, pattern: string) => void;

/** Options of `new Embedis()`. */
export interface EmbedisOptions {
  /** Number of databases (`SELECT 0..n-1`); default 16. */
  databases?: number;
  /** Expire keys with a TTL from a 100 ms timer (unref'd in Node); default `true`. Keys are always expired lazily on access. */
  activeExpiry?: boolean;
}
/** Options of `set` (Redis `SET`). Times in seconds (`ex`, `exat`) or milliseconds (`px`, `pxat`). */
export interface SetOptions {
  ex?: number; px?: number; exat?: number; pxat?: number;
  /** Keep the key's current TTL (`KEEPTTL`). */
  keepTtl?: boolean;
  /** Only set if the key does not exist. */
  nx?: boolean;
  /** Only set if the key exists. */
  xx?: boolean;
  /** Return the old value instead of `'OK'` (`GET`). */
  get?: boolean;
}
/** Options of `getex` (Redis `GETEX`). */
export interface GetExOptions { ex?: number; px?: number; exat?: number; pxat?: number; persist?: boolean; }
/** Conditions of `expire` and friends (Redis 7 `NX | XX | GT | LT`). */
export interface ExpireOptions { nx?: boolean; xx?: boolean; gt?: boolean; lt?: boolean; }
/** Options of `scan` (Redis `SCAN`). */
export interface ScanOptions { match?: string; count?: number; type?: string; }
/** Options of `hscan` / `sscan` / `zscan`. */
export interface KeyScanOptions { match?: string; count?: number; }
/** Options of `copy`. */
export interface CopyOptions { db?: number; replace?: boolean; }
/** `LIMIT offset count`. */
export interface Limit { offset: number; count: number; }
/** Options of `sort` (Redis `SORT`). */
export interface SortOptions { by?: string; limit?: Limit; get?: string | string[]; desc?: boolean; alpha?: boolean; store?: RedisKey; }
/** Options of `lpos` (Redis `LPOS`). */
export interface LposOptions { rank?: number; count?: number; maxlen?: number; }
/** Options of `zadd` (Redis `ZADD`). */
export interface ZAddOptions { nx?: boolean; xx?: boolean; gt?: boolean; lt?: boolean; ch?: boolean; }
/** Options of `zrange` (Redis 6.2+ `ZRANGE`). */
export interface ZRangeOptions { by?: 'rank' | 'score' | 'lex'; rev?: boolean; limit?: Limit; withScores?: boolean; }
/** Options of `zrangebyscore` and friends. */
export interface ZRangeByOptions { limit?: Limit; withScores?: boolean; }
/** Options of `zunion`, `zinter`, `zunionstore`, `zinterstore`. */
export interface ZCombineOptions { weights?: number[]; aggregate?: 'sum' | 'min' | 'max' | 'SUM' | 'MIN' | 'MAX'; withScores?: boolean; }
/** Options of `sintercard` / `zintercard`. */
export interface CardOptions { limit?: number; }
/** Options of `listen` (Node only). */
export interface ListenOptions {
  /** TCP port; 0 (the default) picks a free one, see `Listener.port`. */
  port?: number;
  /** Address to bind; default `'127.0.0.1'`. */
  host?: string;
  /** Clients must `AUTH` with this password first (Redis `requirepass`). */
  requirepass?: string;
}
/** A RESP server started by `listen`, serving this store to Redis clients. */
export interface Listener {
  /** The port actually bound. */
  readonly port: number;
  /** The address bound. */
  readonly host: string;
  /** Stops accepting clients, closes open connections. */
  close(): Promise<void>;
}
"#;

macro_rules! ts_types {
    ($($(#[$m:meta])* $name:ident = $ts:literal;)*) => {
        #[wasm_bindgen]
        extern "C" {
            $(
                $(#[$m])*
                #[derive(Debug, Clone)]
                #[wasm_bindgen(typescript_type = $ts)]
                pub type $name;
            )*
        }
    };
}

ts_types! {
    /// `EmbedisOptions`.
    EmbedisOptions = "EmbedisOptions";
    /// A command as words.
    Args = "RedisValue[]";
    /// Several commands.
    Commands = "RedisValue[][]";
    /// A `command()` reply.
    AnyReply = "RedisReply";
    /// A `commandBytes()` reply.
    ReplyBytes = "RedisReplyBytes";
    /// Replies of `multi()`.
    Replies = "RedisReply[]";
    /// A pending `command()` reply.
    PromiseReply = "Promise<RedisReply>";
    /// A pending formatted reply.
    PromiseString = "Promise<string>";
    /// One key.
    Key = "RedisKey";
    /// One key or several.
    Keys = "RedisKey | RedisKey[]";
    /// One value.
    Value = "RedisValue";
    /// One value or several.
    Values = "RedisValue | RedisValue[]";
    /// A score or score bound.
    Score = "Score";
    /// A `zrange` bound.
    RangeBound = "RangeBound";
    /// `left` / `right`.
    ListEnd = "ListEnd";
    /// `min` / `max`.
    MinMax = "MinMax";
    /// `before` / `after`.
    Where = "'before' | 'after' | 'BEFORE' | 'AFTER'";
    /// Field/value input.
    FieldValues = "FieldValues";
    /// Scored members input.
    ScoredMembers = "ScoredMembers";
    /// A string or nil.
    NullableString = "string | null";
    /// Bytes or nil.
    NullableBytes = "Uint8Array | null";
    /// Strings.
    Strings = "string[]";
    /// Strings with nils.
    NullableStrings = "(string | null)[]";
    /// Byte strings.
    ByteArrays = "Uint8Array[]";
    /// Booleans.
    Booleans = "boolean[]";
    /// A number or nil.
    NullableNumber = "number | null";
    /// Numbers or nils.
    NullableNumbers = "(number | null)[]";
    /// Field → value.
    StringRecord = "Record<string, string>";
    /// Field → bytes.
    BytesRecord = "Record<string, Uint8Array>";
    /// Name → count.
    NumberRecord = "Record<string, number>";
    /// Member/score pairs.
    Scored = "Array<[string, number]>";
    /// A SCAN page.
    ScanPage = "[cursor: string, keys: string[]]";
    /// An HSCAN page.
    HScanPage = "[cursor: string, entries: Array<[string, string]>]";
    /// A ZSCAN page.
    ZScanPage = "[cursor: string, entries: Array<[string, number]>]";
    /// An LMPOP reply.
    MPopped = "[key: string, elements: string[]] | null";
    /// A ZMPOP reply.
    ZMPopped = "[key: string, entries: Array<[string, number]>] | null";
    /// A TIME reply.
    Time = "[seconds: number, microseconds: number]";
    /// BLPOP's promise.
    PromiseKeyValue = "Promise<[key: string, element: string] | null>";
    /// BLMOVE's promise.
    PromiseNullableString = "Promise<string | null>";
    /// BLMPOP's promise.
    PromiseMPopped = "Promise<[key: string, elements: string[]] | null>";
    /// BZPOPMIN's promise.
    PromiseKeyMemberScore = "Promise<[key: string, member: string, score: number] | null>";
    /// BZMPOP's promise.
    PromiseZMPopped = "Promise<[key: string, entries: Array<[string, number]>] | null>";
    /// `SetOptions`.
    SetOptions = "SetOptions";
    /// `GetExOptions`.
    GetExOptions = "GetExOptions";
    /// `ExpireOptions`.
    ExpireOptions = "ExpireOptions";
    /// `ScanOptions`.
    ScanOptions = "ScanOptions";
    /// `KeyScanOptions`.
    KeyScanOptions = "KeyScanOptions";
    /// `CopyOptions`.
    CopyOptions = "CopyOptions";
    /// `ZAddOptions`.
    ZAddOptions = "ZAddOptions";
    /// `ZCombineOptions` without scores.
    ZStoreOptions = "Omit<ZCombineOptions, 'withScores'>";
    /// `ZRangeOptions` without scores.
    ZRangeStoreOptions = "Omit<ZRangeOptions, 'withScores'>";
    /// `LIMIT` only.
    LimitOptions = "{ limit?: Limit }";
    /// `CardOptions`.
    CardOptions = "CardOptions";
    /// A message callback.
    MessageHandler = "MessageHandler";
    /// A pattern message callback.
    PatternHandler = "PatternHandler";
    /// The unsubscribe function.
    Unsubscribe = "Unsubscribe";
    /// The console's output callback.
    ConsoleOutput = "(text: string, isError: boolean) => void";
}

// The methods whose reply type depends on their arguments (`count`,
// `withScores`, `store`), and the helpers the package's JS entry points add
// (`listen`, persistence): declared here, merged into the class.
#[wasm_bindgen(typescript_custom_section)]
const TS_OVERLOADS: &'static str = r#"
export interface Embedis {
  /** Same as Redis `LPOP key`: the head element, or `null`. */
  lpop(key: RedisKey): string | null;
  /** Same as Redis `LPOP key count`: up to `count` elements, or `null` if the key is missing. */
  lpop(key: RedisKey, count: number): string[] | null;
  /** Same as Redis `RPOP key`. */
  rpop(key: RedisKey): string | null;
  /** Same as Redis `RPOP key count`. */
  rpop(key: RedisKey, count: number): string[] | null;
  /** Same as Redis `LPOS`: the first matching index, or `null`. */
  lpos(key: RedisKey, element: RedisValue, options?: Omit<LposOptions, 'count'>): number | null;
  /** Same as Redis `LPOS ... COUNT n`: the matching indexes. */
  lpos(key: RedisKey, element: RedisValue, options: LposOptions & { count: number }): number[];
  /** Same as Redis `HSET key field value`: 1 if the field is new. */
  hset(key: RedisKey, field: RedisKey, value: RedisValue): number;
  /** Same as Redis `HSET key field value ...` from an object, a `Map` or pairs: how many fields are new. */
  hset(key: RedisKey, fields: FieldValues): number;
  /** Same as Redis `HRANDFIELD key`: a random field, or `null`. */
  hrandfield(key: RedisKey): string | null;
  /** Same as Redis `HRANDFIELD key count` (negative: repeats allowed). */
  hrandfield(key: RedisKey, count: number, withValues?: false): string[];
  /** Same as Redis `HRANDFIELD key count WITHVALUES`: `[field, value]` pairs. */
  hrandfield(key: RedisKey, count: number, withValues: true): Array<[string, string]>;
  /** Same as Redis `SPOP key`: a random member, removed, or `null`. */
  spop(key: RedisKey): string | null;
  /** Same as Redis `SPOP key count`. */
  spop(key: RedisKey, count: number): string[];
  /** Same as Redis `SRANDMEMBER key`. */
  srandmember(key: RedisKey): string | null;
  /** Same as Redis `SRANDMEMBER key count` (negative: repeats allowed). */
  srandmember(key: RedisKey, count: number): string[];
  /** Same as Redis `ZRANDMEMBER key`. */
  zrandmember(key: RedisKey): string | null;
  /** Same as Redis `ZRANDMEMBER key count`. */
  zrandmember(key: RedisKey, count: number, withScores?: false): string[];
  /** Same as Redis `ZRANDMEMBER key count WITHSCORES`. */
  zrandmember(key: RedisKey, count: number, withScores: true): Array<[string, number]>;
  /** Same as Redis `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT]`: members. */
  zrange(key: RedisKey, start: RangeBound, stop: RangeBound, options?: ZRangeOptions & { withScores?: false }): string[];
  /** Same as Redis `ZRANGE ... WITHSCORES`: `[member, score]` pairs. */
  zrange(key: RedisKey, start: RangeBound, stop: RangeBound, options: ZRangeOptions & { withScores: true }): Array<[string, number]>;
  /** Same as Redis `ZREVRANGE key start stop`. */
  zrevrange(key: RedisKey, start: number, stop: number, options?: { withScores?: false }): string[];
  /** Same as Redis `ZREVRANGE key start stop WITHSCORES`. */
  zrevrange(key: RedisKey, start: number, stop: number, options: { withScores: true }): Array<[string, number]>;
  /** Same as Redis `ZRANGEBYSCORE key min max [LIMIT]`. */
  zrangebyscore(key: RedisKey, min: Score, max: Score, options?: ZRangeByOptions & { withScores?: false }): string[];
  /** Same as Redis `ZRANGEBYSCORE ... WITHSCORES`. */
  zrangebyscore(key: RedisKey, min: Score, max: Score, options: ZRangeByOptions & { withScores: true }): Array<[string, number]>;
  /** Same as Redis `ZREVRANGEBYSCORE key max min [LIMIT]`. */
  zrevrangebyscore(key: RedisKey, max: Score, min: Score, options?: ZRangeByOptions & { withScores?: false }): string[];
  /** Same as Redis `ZREVRANGEBYSCORE ... WITHSCORES`. */
  zrevrangebyscore(key: RedisKey, max: Score, min: Score, options: ZRangeByOptions & { withScores: true }): Array<[string, number]>;
  /** Same as Redis `ZUNION numkeys key... [WEIGHTS] [AGGREGATE]`. */
  zunion(keys: RedisKey | RedisKey[], options?: ZCombineOptions & { withScores?: false }): string[];
  /** Same as Redis `ZUNION ... WITHSCORES`. */
  zunion(keys: RedisKey | RedisKey[], options: ZCombineOptions & { withScores: true }): Array<[string, number]>;
  /** Same as Redis `ZINTER numkeys key... [WEIGHTS] [AGGREGATE]`. */
  zinter(keys: RedisKey | RedisKey[], options?: ZCombineOptions & { withScores?: false }): string[];
  /** Same as Redis `ZINTER ... WITHSCORES`. */
  zinter(keys: RedisKey | RedisKey[], options: ZCombineOptions & { withScores: true }): Array<[string, number]>;
  /** Same as Redis `ZDIFF numkeys key...`. */
  zdiff(keys: RedisKey | RedisKey[], options?: { withScores?: false }): string[];
  /** Same as Redis `ZDIFF ... WITHSCORES`. */
  zdiff(keys: RedisKey | RedisKey[], options: { withScores: true }): Array<[string, number]>;
  /** Same as Redis `SORT key ...`: the sorted elements (`null` for a missing `GET` pattern). */
  sort(key: RedisKey, options?: SortOptions & { store?: undefined }): (string | null)[];
  /** Same as Redis `SORT key ... STORE destination`: the stored list's length. */
  sort(key: RedisKey, options: SortOptions & { store: RedisKey }): number;
}
"#;
