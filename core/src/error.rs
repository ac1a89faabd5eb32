//! The one error type. `Display` prints the exact line Redis 7.0 sends after `-`.

use std::borrow::Cow;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A command-level error. Its `Display` is the exact error line Redis 7.0
/// replies with (without the leading `-`), e.g.
/// `WRONGTYPE Operation against a key holding the wrong kind of value`.
///
/// Handlers never `format!` an error line: they pick a variant. Variants are
/// grouped by where Redis raises them; add new ones in the matching section.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- dispatch -------------------------------------------------------
    /// Arity check failed. `command` is the table name (`get`, `object|encoding`).
    #[error("ERR wrong number of arguments for '{command}' command")]
    WrongArity {
        /// Lower-case command name as Redis prints it (`client|kill` for subcommands).
        command: Cow<'static, str>,
    },
    /// No such command. `args` is Redis's preview: `'a' 'b' ` (each quoted, space after).
    #[error("ERR unknown command '{command}', with args beginning with: {args}")]
    UnknownCommand {
        /// The name as the client sent it.
        command: String,
        /// Preview of the first arguments, formatted as Redis does.
        args: String,
    },
    /// No such subcommand of a container command (`OBJECT FOO`).
    #[error("ERR unknown subcommand '{subcommand}'. Try {command} HELP.")]
    UnknownSubcommand {
        /// The subcommand as sent.
        subcommand: String,
        /// The container command in upper case (`OBJECT`).
        command: String,
    },
    /// Generic syntax error.
    #[error("ERR syntax error")]
    Syntax,

    // ---- types and numbers ---------------------------------------------
    /// The key holds another type.
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    /// An argument that must be a 64-bit integer is not.
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    /// An argument that must be a float is not.
    #[error("ERR value is not a valid float")]
    NotFloat,
    /// INCR/DECR family overflow.
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    /// INCRBYFLOAT / HINCRBYFLOAT result is NaN or infinite.
    #[error("ERR increment would produce NaN or Infinity")]
    NanOrInfinity,
    /// A count/index that must be positive.
    #[error("ERR value is out of range, must be positive")]
    OutOfRangePositive,
    /// Generic out-of-range value.
    #[error("ERR value is out of range")]
    OutOfRange,
    /// A string would exceed the 512 MB limit.
    #[error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    StringTooLong,
    /// SETRANGE / GETRANGE-style offset is out of range.
    #[error("ERR offset is out of range")]
    OffsetOutOfRange,
    /// Timeout argument of a blocking command is not a float.
    #[error("ERR timeout is not a float or out of range")]
    TimeoutNotFloat,
    /// Timeout argument of a blocking command is negative.
    #[error("ERR timeout is negative")]
    TimeoutNegative,
    /// Timeout argument of a blocking command is too large.
    #[error("ERR timeout is out of range")]
    TimeoutOutOfRange,
    /// `numkeys` of LMPOP/ZMPOP/SINTERCARD/... is zero or negative.
    #[error("ERR numkeys should be greater than 0")]
    NumkeysNotPositive,
    /// `COUNT` of LMPOP/ZMPOP/... is zero or negative.
    #[error("ERR count should be greater than 0")]
    CountNotPositive,

    // ---- keyspace ------------------------------------------------------
    /// The key does not exist (RENAME, LSET, ...).
    #[error("ERR no such key")]
    NoSuchKey,
    /// SELECT / MOVE / COPY DB / SWAPDB index is out of range.
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    /// EXPIRE family time overflows.
    #[error("ERR invalid expire time in '{command}' command")]
    InvalidExpireTime {
        /// Lower-case command name.
        command: &'static str,
    },
    /// MOVE / SMOVE-style source equals destination.
    #[error("ERR source and destination objects are the same")]
    SameObject,
    /// SCAN cursor is not an unsigned integer.
    #[error("ERR invalid cursor")]
    InvalidCursor,
    /// EXPIRE NX with XX/GT/LT.
    #[error("ERR NX and XX, GT or LT options at the same time are not compatible")]
    ExpireNxConflict,
    /// EXPIRE GT with LT.
    #[error("ERR GT and LT options at the same time are not compatible")]
    ExpireGtLtConflict,
    /// SORT: a weight/score is not a number.
    #[error("ERR One or more scores can't be converted into double")]
    SortScoreNotDouble,
    /// EXPIRE family: an option other than NX, XX, GT, LT (as sent).
    #[error("ERR Unsupported option {option}")]
    UnsupportedOption {
        /// The option as the client sent it.
        option: String,
    },
    /// An argument Redis reads as a C `int` (MOVE / COPY DB index) is an
    /// integer outside -2147483648..=2147483647.
    #[error("ERR value is out of range, value must between -2147483648 and 2147483647")]
    IntOutOfRange,
    /// SWAPDB: the first index is not an integer.
    #[error("ERR invalid first DB index")]
    InvalidFirstDbIndex,
    /// SWAPDB: the second index is not an integer.
    #[error("ERR invalid second DB index")]
    InvalidSecondDbIndex,
    /// OBJECT FREQ without an LFU `maxmemory-policy` (always, here).
    #[error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )]
    LfuNotSelected,

    // ---- string --------------------------------------------------------
    /// DECRBY with -9223372036854775808 (its negation overflows).
    #[error("ERR decrement would overflow")]
    DecrementOverflow,
    /// LCS on a key holding another type.
    #[error("ERR The specified keys must contain string values")]
    LcsNotString,
    /// LCS with both LEN and IDX.
    #[error("ERR If you want both the length and indexes, please just use IDX.")]
    LcsLenAndIdx,
    /// LCS whose table would exceed 512 MB.
    #[error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")]
    LcsTooLarge,

    // ---- list ----------------------------------------------------------
    /// LSET / LINDEX-like index outside the list.
    #[error("ERR index out of range")]
    IndexOutOfRange,
    /// LPOS `RANK 0`.
    #[error(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
    )]
    LposRankZero,
    /// LPOS `COUNT` negative or not an integer.
    #[error("ERR COUNT can't be negative")]
    LposCountNegative,
    /// LPOS `MAXLEN` negative or not an integer.
    #[error("ERR MAXLEN can't be negative")]
    LposMaxlenNegative,

    // ---- hash ----------------------------------------------------------
    /// HINCRBY on a field that is not an integer.
    #[error("ERR hash value is not an integer")]
    HashValueNotInteger,
    /// HINCRBYFLOAT on a field that is not a float.
    #[error("ERR hash value is not a float")]
    HashValueNotFloat,
    /// HINCRBYFLOAT increment is NaN or infinite.
    #[error("ERR value is NaN or Infinity")]
    NanOrInfinityValue,
    /// An integer outside `min..=max` (Redis's `getRangeLongFromObjectOrReply`
    /// without a custom message; HRANDFIELD's count).
    #[error("ERR value is out of range, value must between {min} and {max}")]
    OutOfRangeBetween {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },

    // ---- set ------------------------------------------------------------
    /// SINTERCARD / ZINTERCARD `LIMIT` is negative (or not an integer).
    #[error("ERR LIMIT can't be negative")]
    LimitNegative,
    /// SINTERCARD `numkeys` exceeds the words that follow it.
    #[error("ERR Number of keys can't be greater than number of args")]
    NumkeysExceedArgs,
    /// SRANDMEMBER / ZRANDMEMBER count outside `-i64::MAX..=i64::MAX`
    /// (Redis's `getRangeLongFromObjectOrReply` without a custom message).
    #[error("ERR value is out of range, value must between {min} and {max}")]
    ValueNotBetween {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },

    // ---- sorted set ----------------------------------------------------
    /// ZUNION/ZINTER/ZDIFF(STORE)/ZINTERCARD `numkeys` is below 1.
    #[error("ERR at least 1 input key is needed for '{command}' command")]
    NoInputKeys {
        /// Lower-case command name.
        command: &'static str,
    },
    /// ZRANGE `LIMIT` without `BYSCORE` or `BYLEX`.
    #[error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    )]
    LimitNeedsByScoreOrLex,
    /// ZRANGE `WITHSCORES` with `BYLEX`.
    #[error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")]
    WithscoresWithBylex,
    /// Score range bound is not a float.
    #[error("ERR min or max is not a float")]
    MinMaxNotFloat,
    /// Lex range bound does not start with `[`, `(`, `-` or `+`.
    #[error("ERR min or max not valid string range item")]
    MinMaxNotLex,
    /// ZUNIONSTORE WEIGHTS value is not a float.
    #[error("ERR weight value is not a float")]
    WeightNotFloat,
    /// ZADD XX with NX.
    #[error("ERR XX and NX options at the same time are not compatible")]
    XxNxConflict,
    /// ZADD GT/LT/NX combination.
    #[error("ERR GT, LT, and/or NX options at the same time are not compatible")]
    GtLtNxConflict,
    /// ZADD INCR with more than one pair.
    #[error("ERR INCR option supports a single increment-element pair")]
    IncrSinglePair,
    /// ZINCRBY / ZADD INCR produced NaN.
    #[error("ERR resulting score is not a number (NaN)")]
    ScoreNan,

    // ---- transactions, scripting, connection -----------------------------
    /// EXEC after a queuing error.
    #[error("EXECABORT Transaction discarded because of previous errors.")]
    ExecAbort,
    /// EVALSHA of an unknown script.
    #[error("NOSCRIPT No matching script. Please use EVAL.")]
    NoScript,
    /// A command needs AUTH first.
    #[error("NOAUTH Authentication required.")]
    NoAuth,
    /// AUTH failed.
    #[error("WRONGPASS invalid username-password pair or user is disabled.")]
    WrongPass,
    /// A script is running past `lua-time-limit`.
    #[error(
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    )]
    Busy,
    /// SCRIPT KILL with no script running.
    #[error("NOTBUSY No scripts in execution right now.")]
    NotBusy,
    /// SCRIPT KILL on a script that already wrote to the dataset.
    #[error(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    )]
    Unkillable,
    /// EVAL numkeys larger than the number of arguments that follow it.
    #[error("ERR Number of keys can't be greater than number of args")]
    NumkeysTooLarge,
    /// EVAL numkeys below zero.
    #[error("ERR Number of keys can't be negative")]
    NumkeysNegative,
    /// SCRIPT FLUSH with an argument other than ASYNC / SYNC.
    #[error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")]
    ScriptFlushOption,
    /// A script does not compile; `detail` is Lua's message (`user_script:1: ...`).
    #[error("ERR Error compiling script (new function): {detail}")]
    ScriptCompile {
        /// Lua's error message.
        detail: String,
    },
    /// A `#!` first line that is not `#!lua ...` followed by a newline.
    #[error("ERR Invalid script shebang")]
    ShebangInvalid,
    /// `#!<engine>` other than `#!lua`.
    #[error("ERR Unexpected engine in script shebang: {0}")]
    ShebangEngine(String),
    /// `#!lua flags=<flag>` with an unknown flag.
    #[error("ERR Unexpected flag in script shebang: {0}")]
    ShebangFlag(String),
    /// `#!lua <option>` other than `flags=...`.
    #[error("ERR Unknown lua shebang option: {0}")]
    ShebangOption(String),
    /// EVAL_RO / EVALSHA_RO of a `#!lua` script without `flags=no-writes`.
    #[error("ERR Can not execute a script with write flag using *_ro command.")]
    ScriptWriteFlagOnReadOnly,
    /// EVAL / SCRIPT in a build without the `lua` feature (e.g. wasm32).
    #[error("ERR scripting is not available: embedis was built without the 'lua' feature")]
    ScriptingUnavailable,

    // ---- pub/sub, snapshots, serde ----------------------------------------
    /// A container's subcommand got the wrong number of arguments where
    /// Redis checks it by hand (`PUBSUB CHANNELS a b`).
    #[error(
        "ERR unknown subcommand or wrong number of arguments for '{subcommand}'. Try {command} HELP."
    )]
    UnknownSubcommandOrArity {
        /// The subcommand as sent (at most 128 characters).
        subcommand: String,
        /// The container command in upper case (`PUBSUB`).
        command: &'static str,
    },

    /// `Db::set_value` (feature `serde`): the value cannot be encoded as CBOR.
    #[error("ERR value cannot be encoded as CBOR: {reason}")]
    ValueEncode {
        /// The encoder's message.
        reason: String,
    },
    /// `Db::get_value` (feature `serde`): the string under the key is not a
    /// CBOR encoding of the requested type.
    #[error("ERR value of key '{key}' is not a valid CBOR encoding of {type_name}: {reason}")]
    ValueDecode {
        /// The key (lossy UTF-8, at most 128 characters).
        key: String,
        /// The requested Rust type.
        type_name: &'static str,
        /// What did not decode.
        reason: String,
    },

    // ---- catch-alls ------------------------------------------------------
    /// A fixed Redis error line with no dedicated variant yet
    /// (e.g. `"ERR LIMIT can't be negative"`); always a `'static` literal.
    #[error("{0}")]
    Static(&'static str),
    /// An error line that comes from outside the command table: a Lua
    /// `redis.error_reply`, a custom command, a RESP error read from a peer.
    #[error("{0}")]
    Reply(String),
}

impl Error {
    /// The error code: the first word of the line (`ERR`, `WRONGTYPE`, `NOSCRIPT`, ...).
    pub fn code(&self) -> Cow<'_, str> {
        match self {
            Error::WrongType => "WRONGTYPE".into(),
            Error::ExecAbort => "EXECABORT".into(),
            Error::NoScript => "NOSCRIPT".into(),
            Error::NoAuth => "NOAUTH".into(),
            Error::WrongPass => "WRONGPASS".into(),
            Error::Busy => "BUSY".into(),
            Error::NotBusy => "NOTBUSY".into(),
            Error::Unkillable => "UNKILLABLE".into(),
            Error::Static(s) => first_word(s).into(),
            Error::Reply(s) => first_word(s).to_owned().into(),
            _ => "ERR".into(),
        }
    }

    /// Wrong arity for the table command `name` (lower case).
    pub fn wrong_arity(name: impl Into<Cow<'static, str>>) -> Self {
        Error::WrongArity {
            command: name.into(),
        }
    }
}

fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_redis_line_and_code_its_first_word() {
        assert_eq!(
            Error::WrongType.to_string(),
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(Error::WrongType.code(), "WRONGTYPE");
        assert_eq!(
            Error::wrong_arity("get").to_string(),
            "ERR wrong number of arguments for 'get' command"
        );
        assert_eq!(Error::Static("NOPERM nope").code(), "NOPERM");
        assert_eq!(Error::NotInteger.code(), "ERR");
    }
}
