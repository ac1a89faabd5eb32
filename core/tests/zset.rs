//! Behaviour of the sorted set commands (`command/zset.rs`) and their typed
//! methods, as Redis 7.0 replies (checked against redis-server 7.0.15).

use std::time::Duration;

use embedis::{
    Aggregate, Bytes, Dispatch, Error, LexBound, Protocol, Reply, ScanOptions, ScoreBound, Store,
    ZAddOptions, ZStoreOptions,
};

fn store_with(cmds: &[&[&str]]) -> Store {
    let s = Store::new();
    for c in cmds {
        let r = s.execute(0, c);
        assert!(!r.is_error(), "{c:?}: {r:?}");
    }
    s
}

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

fn dbl(v: f64) -> Reply {
    Reply::Double(v)
}

fn bulk(s: &str) -> Reply {
    Reply::bulk(s.to_string())
}

fn err(e: Error) -> Reply {
    Reply::Error(e)
}

fn arr(items: Vec<Reply>) -> Reply {
    Reply::Array(items)
}

/// RESP2 `WITHSCORES` shape: `[m, s, m, s, ...]`.
fn flat(items: &[(&str, f64)]) -> Reply {
    arr(items.iter().flat_map(|(m, s)| [bulk(m), dbl(*s)]).collect())
}

/// RESP3 `WITHSCORES` shape: `[[m, s], ...]`.
fn nested(items: &[(&str, f64)]) -> Reply {
    arr(items
        .iter()
        .map(|(m, s)| arr(vec![bulk(m), dbl(*s)]))
        .collect())
}

fn check(s: &Store, cases: &[(&[&str], Reply)]) {
    for (args, want) in cases {
        assert_eq!(&s.execute(0, args), want, "{args:?}");
    }
}

fn resp3(s: &Store, args: &[&str]) -> Reply {
    let argv = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    match s.dispatch(0, Protocol::Resp3, argv) {
        Dispatch::Reply(r) => r,
        Dispatch::Blocked(b) => b.cancel(),
    }
}

fn abcde() -> Store {
    store_with(&[&[
        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]])
}

// ---- ZADD / ZINCRBY / ZSCORE ---------------------------------------------------

#[test]
fn zadd_follows_the_redis_docs_example() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["ZADD", "myzset", "1", "one"], int(1)),
            (&["ZADD", "myzset", "1", "uno"], int(1)),
            (&["ZADD", "myzset", "2", "two", "3", "two"], int(1)),
            (
                &["ZRANGE", "myzset", "0", "-1", "WITHSCORES"],
                flat(&[("one", 1.0), ("uno", 1.0), ("two", 3.0)]),
            ),
        ],
    );
}

#[test]
fn zadd_options_nx_xx_gt_lt_ch() {
    let s = store_with(&[&["ZADD", "z", "1", "a", "2", "b"]]);
    check(
        &s,
        &[
            (
                &["ZADD", "z", "CH", "GT", "5", "a", "0", "b", "7", "new"],
                int(2),
            ),
            (&["ZSCORE", "z", "a"], dbl(5.0)),
            (&["ZSCORE", "z", "b"], dbl(2.0)),
            (
                &["ZADD", "z", "ch", "lt", "6", "a", "0", "b", "9", "new2"],
                int(2),
            ),
            (&["ZSCORE", "z", "b"], dbl(0.0)),
            (&["ZADD", "z", "XX", "CH", "10", "a", "20", "nope"], int(1)),
            (&["ZSCORE", "z", "nope"], Reply::Null),
            (&["ZADD", "z", "NX", "100", "a", "1", "fresh"], int(1)),
            (&["ZSCORE", "z", "a"], dbl(10.0)),
            // Same score: not counted as changed even with CH.
            (&["ZADD", "z", "CH", "10", "a"], int(0)),
            // XX never creates the key.
            (&["ZADD", "nokey", "XX", "1", "a"], int(0)),
            (&["EXISTS", "nokey"], int(0)),
        ],
    );
}

#[test]
fn zadd_rejects_incompatible_options_with_redis_errors_in_order() {
    let s = store_with(&[&["SET", "str", "v"]]);
    check(
        &s,
        &[
            (&["ZADD", "z", "1"], err(Error::wrong_arity("zadd"))),
            (&["ZADD", "z", "xx", "nx", "1"], err(Error::Syntax)),
            (
                &["ZADD", "z", "nx", "xx", "1", "a"],
                err(Error::XxNxConflict),
            ),
            (
                &["ZADD", "z", "nx", "gt", "1", "a"],
                err(Error::GtLtNxConflict),
            ),
            (
                &["ZADD", "z", "lt", "nx", "1", "a"],
                err(Error::GtLtNxConflict),
            ),
            (
                &["ZADD", "z", "gt", "lt", "1", "a"],
                err(Error::GtLtNxConflict),
            ),
            (
                &["ZADD", "z", "incr", "1", "a", "2", "b"],
                err(Error::IncrSinglePair),
            ),
            (&["ZADD", "z", "incr", "1", "a", "2"], err(Error::Syntax)),
            (&["ZADD", "z", "foo", "1", "a"], err(Error::Syntax)),
            (&["ZADD", "z", "1", "a", "x", "b"], err(Error::NotFloat)),
            (&["ZADD", "z", "nan", "a"], err(Error::NotFloat)),
            (&["ZADD", "z", "", "a"], err(Error::NotFloat)),
            (&["ZADD", "z", " 1", "a"], err(Error::NotFloat)),
            (&["ZADD", "z", "1e400", "a"], err(Error::NotFloat)),
            // The score is parsed before the type is checked.
            (&["ZADD", "str", "x", "a"], err(Error::NotFloat)),
            (&["ZADD", "str", "1", "a"], err(Error::WrongType)),
            (&["EXISTS", "z"], int(0)),
        ],
    );
    assert_eq!(
        Error::GtLtNxConflict.to_string(),
        "ERR GT, LT, and/or NX options at the same time are not compatible"
    );
}

#[test]
fn zadd_accepts_strtod_forms_and_stores_negative_zero_as_zero() {
    let s = Store::new();
    check(
        &s,
        &[
            (
                &["ZADD", "z", "0x10", "hex", "0x1p-3", "hexp", ".5", "half"],
                int(3),
            ),
            (&["ZSCORE", "z", "hex"], dbl(16.0)),
            (&["ZSCORE", "z", "hexp"], dbl(0.125)),
            (&["ZADD", "z", "+Infinity", "top", "-inf", "bottom"], int(2)),
            (&["ZSCORE", "z", "top"], dbl(f64::INFINITY)),
            (&["ZADD", "z", "-0", "zero"], int(1)),
        ],
    );
    let Reply::Double(zero) = s.execute(0, &["ZSCORE", "z", "zero"]) else {
        panic!()
    };
    assert!(zero == 0.0 && zero.is_sign_positive());
    assert_eq!(embedis::format_double(1.1), "1.1000000000000001");
}

#[test]
fn zadd_incr_and_zincrby() {
    let s = store_with(&[&["ZADD", "z", "1", "a"]]);
    check(
        &s,
        &[
            (&["ZINCRBY", "z", "2", "a"], dbl(3.0)),
            (&["ZINCRBY", "z", "5", "new"], dbl(5.0)),
            (&["ZADD", "z", "INCR", "1", "a"], dbl(4.0)),
            (&["ZADD", "z", "XX", "INCR", "1", "missing"], Reply::Null),
            (&["ZADD", "z", "NX", "INCR", "1", "a"], Reply::Null),
            (&["ZADD", "z", "GT", "INCR", "-1", "a"], Reply::Null),
            (&["ZADD", "z", "GT", "INCR", "1", "a"], dbl(5.0)),
            (&["ZINCRBY", "z", "x", "a"], err(Error::NotFloat)),
            (&["ZINCRBY", "z", "nan", "a"], err(Error::NotFloat)),
            (&["ZADD", "z", "inf", "i"], int(1)),
            (&["ZINCRBY", "z", "-inf", "i"], err(Error::ScoreNan)),
            (&["ZADD", "z", "INCR", "-inf", "i"], err(Error::ScoreNan)),
            (&["ZSCORE", "z", "i"], dbl(f64::INFINITY)),
            (&["SET", "str", "v"], Reply::OK),
            (&["ZINCRBY", "str", "1", "a"], err(Error::WrongType)),
        ],
    );
    assert_eq!(
        Error::ScoreNan.to_string(),
        "ERR resulting score is not a number (NaN)"
    );
    // ZINCRBY of -0 on a new member replies -0, as Redis does.
    let Reply::Double(z) = s.execute(0, &["ZINCRBY", "z", "-0", "nz"]) else {
        panic!()
    };
    assert!(z == 0.0 && z.is_sign_negative());
}

#[test]
fn zscore_zmscore_zcard_zrank() {
    let s = abcde();
    check(
        &s,
        &[
            (&["ZSCORE", "z", "c"], dbl(3.0)),
            (&["ZSCORE", "z", "x"], Reply::Null),
            (&["ZSCORE", "nokey", "x"], Reply::Null),
            (
                &["ZMSCORE", "z", "a", "x", "c"],
                arr(vec![dbl(1.0), Reply::Null, dbl(3.0)]),
            ),
            (&["ZMSCORE", "nokey", "a"], arr(vec![Reply::Null])),
            (&["ZCARD", "z"], int(5)),
            (&["ZCARD", "nokey"], int(0)),
            (&["ZRANK", "z", "a"], int(0)),
            (&["ZRANK", "z", "e"], int(4)),
            (&["ZREVRANK", "z", "a"], int(4)),
            (&["ZRANK", "z", "nope"], Reply::Null),
            (&["ZRANK", "nokey", "a"], Reply::Null),
            (
                &["ZRANK", "z", "c", "withscore"],
                err(Error::wrong_arity("zrank")),
            ),
        ],
    );
    assert_eq!(resp3(&s, &["ZSCORE", "z", "a"]), dbl(1.0));
}

#[test]
fn zset_commands_on_another_type_are_wrongtype() {
    let s = store_with(&[&["SET", "str", "v"], &["ZADD", "z", "1", "a"]]);
    for args in [
        &["ZCARD", "str"][..],
        &["ZSCORE", "str", "a"],
        &["ZMSCORE", "str", "a"],
        &["ZRANK", "str", "a"],
        &["ZREVRANK", "str", "a"],
        &["ZCOUNT", "str", "1", "3"],
        &["ZLEXCOUNT", "str", "[a", "[c"],
        &["ZRANGE", "str", "0", "1"],
        &["ZRANGEBYSCORE", "str", "0", "1"],
        &["ZRANGESTORE", "dst", "str", "0", "-1"],
        &["ZREM", "str", "a"],
        &["ZREMRANGEBYRANK", "str", "0", "1"],
        &["ZPOPMIN", "str"],
        &["ZPOPMIN", "str", "1"],
        &["ZMPOP", "1", "str", "MIN"],
        &["ZMPOP", "2", "nokey", "str", "MIN"],
        &["ZRANDMEMBER", "str"],
        &["ZRANDMEMBER", "str", "1"],
        &["ZSCAN", "str", "0"],
        &["ZUNION", "2", "z", "str"],
        &["ZINTERCARD", "2", "z", "str"],
        &["BZPOPMIN", "str", "z", "1"],
        // WRONGTYPE comes before the options are parsed.
        &["ZUNIONSTORE", "d", "1", "str", "WEIGHTS", "x"],
    ] {
        assert_eq!(s.execute(0, args), err(Error::WrongType), "{args:?}");
    }
}

// ---- ranges -------------------------------------------------------------------------

#[test]
fn zrange_by_rank_with_negative_and_out_of_range_indexes() {
    let s = abcde();
    check(
        &s,
        &[
            (
                &["ZRANGE", "z", "0", "-1"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (&["ZRANGE", "z", "-2", "-1"], Reply::bulks(["d", "e"])),
            (
                &["ZRANGE", "z", "-100", "100"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (&["ZRANGE", "z", "2", "1"], Reply::EMPTY_ARRAY),
            (&["ZRANGE", "z", "5", "10"], Reply::EMPTY_ARRAY),
            (
                &["ZRANGE", "z", "0", "-1", "REV"],
                Reply::bulks(["e", "d", "c", "b", "a"]),
            ),
            (&["ZREVRANGE", "z", "0", "1"], Reply::bulks(["e", "d"])),
            (
                &["ZREVRANGE", "z", "-2", "-1", "WITHSCORES"],
                flat(&[("b", 2.0), ("a", 1.0)]),
            ),
            (&["ZRANGE", "nokey", "0", "-1"], Reply::EMPTY_ARRAY),
            (&["ZRANGE", "z", "x", "1"], err(Error::NotInteger)),
            // The range is parsed before the type is checked.
            (&["SET", "str", "v"], Reply::OK),
            (&["ZRANGE", "str", "x", "1"], err(Error::NotInteger)),
        ],
    );
}

#[test]
fn zrange_option_errors_match_redis() {
    let s = abcde();
    check(
        &s,
        &[
            (
                &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"],
                err(Error::LimitNeedsByScoreOrLex),
            ),
            // Redis only notices a LIMIT whose count is not -1.
            (
                &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (
                &["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
                err(Error::WithscoresWithBylex),
            ),
            (
                &["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"],
                err(Error::Syntax),
            ),
            (
                &["ZRANGE", "z", "0", "-1", "REV", "REV"],
                err(Error::Syntax),
            ),
            (
                &["ZRANGE", "z", "0", "-1", "LIMIT", "0"],
                err(Error::Syntax),
            ),
            (
                &["ZRANGE", "z", "x", "1", "BYSCORE"],
                err(Error::MinMaxNotFloat),
            ),
            (
                &["ZRANGE", "z", "1", "2", "BYLEX"],
                err(Error::MinMaxNotLex),
            ),
            (&["ZRANGEBYSCORE", "z", "1", "2", "REV"], err(Error::Syntax)),
            (
                &["ZRANGEBYSCORE", "z", "1", "2", "BYSCORE"],
                err(Error::Syntax),
            ),
            (&["ZREVRANGE", "z", "0", "1", "REV"], err(Error::Syntax)),
            (
                &["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"],
                err(Error::LimitNeedsByScoreOrLex),
            ),
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1"],
                err(Error::Syntax),
            ),
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "x", "1"],
                err(Error::NotInteger),
            ),
            (
                &["ZRANGEBYLEX", "z", "[b", "(d", "WITHSCORES"],
                err(Error::WithscoresWithBylex),
            ),
            // Duplicated WITHSCORES is accepted.
            (
                &["ZRANGE", "z", "0", "0", "WITHSCORES", "WITHSCORES"],
                flat(&[("a", 1.0)]),
            ),
        ],
    );
    assert_eq!(
        Error::LimitNeedsByScoreOrLex.to_string(),
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    );
}

#[test]
fn zrangebyscore_bounds_inf_exclusive_and_limit() {
    let s = abcde();
    check(
        &s,
        &[
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (
                &["ZRANGEBYSCORE", "z", "-infinity", "INF"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (&["ZRANGEBYSCORE", "z", "(1", "3"], Reply::bulks(["b", "c"])),
            (&["ZRANGEBYSCORE", "z", "(1", "(3"], Reply::bulks(["b"])),
            (&["ZRANGEBYSCORE", "z", "(3", "(3"], Reply::EMPTY_ARRAY),
            (&["ZRANGEBYSCORE", "z", "3", "1"], Reply::EMPTY_ARRAY),
            (&["ZRANGEBYSCORE", "z", "1e400", "5"], Reply::EMPTY_ARRAY),
            (
                &["ZRANGEBYSCORE", "z", "0x1", "(0x3"],
                Reply::bulks(["a", "b"]),
            ),
            // strtod rules: empty is 0, "(" alone is exclusive 0, leading space is fine.
            (&["ZRANGEBYSCORE", "z", "", "1"], Reply::bulks(["a"])),
            (&["ZCOUNT", "z", "(", "+inf"], int(5)),
            (&["ZRANGEBYSCORE", "z", " 1", "1"], Reply::bulks(["a"])),
            (
                &["ZRANGEBYSCORE", "z", "1 ", "5"],
                err(Error::MinMaxNotFloat),
            ),
            (
                &["ZRANGEBYSCORE", "z", "nan", "5"],
                err(Error::MinMaxNotFloat),
            ),
            (
                &["ZRANGEBYSCORE", "z", "x", "5"],
                err(Error::MinMaxNotFloat),
            ),
            (
                &[
                    "ZRANGEBYSCORE",
                    "z",
                    "-inf",
                    "+inf",
                    "WITHSCORES",
                    "LIMIT",
                    "1",
                    "2",
                ],
                flat(&[("b", 2.0), ("c", 3.0)]),
            ),
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "4", "-1"],
                Reply::bulks(["e"]),
            ),
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "5", "-1"],
                Reply::EMPTY_ARRAY,
            ),
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"],
                Reply::EMPTY_ARRAY,
            ),
            (
                &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0"],
                Reply::EMPTY_ARRAY,
            ),
            (
                &["ZRANGEBYSCORE", "nokey", "x", "1"],
                err(Error::MinMaxNotFloat),
            ),
        ],
    );
    assert_eq!(
        Error::MinMaxNotFloat.to_string(),
        "ERR min or max is not a float"
    );
}

#[test]
fn reverse_score_ranges_take_max_then_min() {
    let s = abcde();
    check(
        &s,
        &[
            (
                &["ZREVRANGEBYSCORE", "z", "4", "(2"],
                Reply::bulks(["d", "c"]),
            ),
            (&["ZREVRANGEBYSCORE", "z", "(2", "4"], Reply::EMPTY_ARRAY),
            (
                &[
                    "ZREVRANGEBYSCORE",
                    "z",
                    "+inf",
                    "-inf",
                    "LIMIT",
                    "1",
                    "2",
                    "WITHSCORES",
                ],
                flat(&[("d", 4.0), ("c", 3.0)]),
            ),
            (
                &["ZRANGE", "z", "4", "(1", "BYSCORE", "REV"],
                Reply::bulks(["d", "c", "b"]),
            ),
            (
                &["ZRANGE", "z", "(1", "4", "BYSCORE"],
                Reply::bulks(["b", "c", "d"]),
            ),
            (
                &[
                    "ZRANGE",
                    "z",
                    "4",
                    "(1",
                    "BYSCORE",
                    "REV",
                    "LIMIT",
                    "1",
                    "5",
                    "WITHSCORES",
                ],
                flat(&[("c", 3.0), ("b", 2.0)]),
            ),
        ],
    );
}

#[test]
fn lex_ranges() {
    let s = store_with(&[&[
        "ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
    ]]);
    check(
        &s,
        &[
            (
                &["ZRANGEBYLEX", "z", "-", "+"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (&["ZRANGEBYLEX", "z", "+", "-"], Reply::EMPTY_ARRAY),
            (&["ZRANGEBYLEX", "z", "[b", "(d"], Reply::bulks(["b", "c"])),
            (&["ZRANGEBYLEX", "z", "(b", "[d"], Reply::bulks(["c", "d"])),
            (
                &["ZRANGEBYLEX", "z", "[b", "(d", "LIMIT", "1", "1"],
                Reply::bulks(["c"]),
            ),
            (
                &["ZRANGEBYLEX", "z", "[b", "(d", "LIMIT", "1", "-1"],
                Reply::bulks(["c"]),
            ),
            (
                &["ZRANGEBYLEX", "z", "[b", "(d", "LIMIT", "-1", "1"],
                Reply::EMPTY_ARRAY,
            ),
            (
                &["ZREVRANGEBYLEX", "z", "(d", "[b"],
                Reply::bulks(["c", "b"]),
            ),
            (
                &["ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2"],
                Reply::bulks(["d", "c"]),
            ),
            (
                &["ZRANGE", "z", "[d", "[b", "BYLEX", "REV"],
                Reply::bulks(["d", "c", "b"]),
            ),
            (&["ZRANGEBYLEX", "z", "b", "(d"], err(Error::MinMaxNotLex)),
            (&["ZRANGEBYLEX", "z", "++", "(d"], err(Error::MinMaxNotLex)),
            (&["ZLEXCOUNT", "z", "-", "+"], int(5)),
            (&["ZLEXCOUNT", "z", "[b", "[c"], int(2)),
            (&["ZLEXCOUNT", "z", "x", "[c"], err(Error::MinMaxNotLex)),
            (&["ZLEXCOUNT", "nokey", "-", "+"], int(0)),
            (&["ZREMRANGEBYLEX", "z", "[b", "[c"], int(2)),
            (&["ZRANGE", "z", "0", "-1"], Reply::bulks(["a", "d", "e"])),
            (&["ZREMRANGEBYLEX", "z", "-", "+"], int(3)),
            (&["EXISTS", "z"], int(0)),
        ],
    );
    assert_eq!(
        Error::MinMaxNotLex.to_string(),
        "ERR min or max not valid string range item"
    );
}

#[test]
fn zcount_counts_with_bounds() {
    let s = abcde();
    check(
        &s,
        &[
            (&["ZCOUNT", "z", "-inf", "+inf"], int(5)),
            (&["ZCOUNT", "z", "(1", "3"], int(2)),
            (&["ZCOUNT", "z", "(1", "(1"], int(0)),
            (&["ZCOUNT", "nokey", "1", "3"], int(0)),
            (&["ZCOUNT", "z", "x", "3"], err(Error::MinMaxNotFloat)),
        ],
    );
}

#[test]
fn zrangestore_stores_or_deletes_the_destination() {
    let s = abcde();
    check(
        &s,
        &[
            (
                &["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"],
                err(Error::Syntax),
            ),
            (&["ZRANGESTORE", "dst", "z", "1", "2"], int(2)),
            (
                &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
                flat(&[("b", 2.0), ("c", 3.0)]),
            ),
            (
                &[
                    "ZRANGESTORE",
                    "dst",
                    "z",
                    "5",
                    "1",
                    "BYSCORE",
                    "REV",
                    "LIMIT",
                    "1",
                    "2",
                ],
                int(2),
            ),
            (&["ZRANGE", "dst", "0", "-1"], Reply::bulks(["c", "d"])),
            (&["ZRANGESTORE", "dst", "z", "[a", "[b", "BYLEX"], int(2)),
            (&["SET", "dst", "x"], Reply::OK),
            (&["ZRANGESTORE", "dst", "z", "10", "20"], int(0)),
            (&["EXISTS", "dst"], int(0)),
            (&["SET", "dst", "x"], Reply::OK),
            (&["ZRANGESTORE", "dst", "nokey", "0", "-1"], int(0)),
            (&["EXISTS", "dst"], int(0)),
            (&["ZRANGESTORE", "z", "z", "0", "0"], int(1)),
            (&["ZRANGE", "z", "0", "-1"], Reply::bulks(["a"])),
        ],
    );
}

#[test]
fn withscores_replies_are_nested_pairs_in_resp3() {
    let s = abcde();
    let want = nested(&[("a", 1.0), ("b", 2.0)]);
    assert_eq!(resp3(&s, &["ZRANGE", "z", "0", "1", "WITHSCORES"]), want);
    assert_eq!(
        resp3(&s, &["ZRANGEBYSCORE", "z", "1", "2", "WITHSCORES"]),
        want
    );
    assert_eq!(
        resp3(&s, &["ZUNION", "1", "z", "WITHSCORES"])
            .to_string_lossy()
            .lines()
            .count(),
        10
    );
    assert_eq!(
        resp3(&s, &["ZRANGE", "z", "0", "1"]),
        Reply::bulks(["a", "b"])
    );
}

// ---- removal -------------------------------------------------------------------------

#[test]
fn zrem_and_zremrange() {
    let s = abcde();
    check(
        &s,
        &[
            (&["ZREM", "z", "a", "a", "nope"], int(1)),
            (&["ZREM", "nokey", "a"], int(0)),
            (&["ZREMRANGEBYRANK", "z", "x", "1"], err(Error::NotInteger)),
            (&["ZREMRANGEBYRANK", "z", "10", "20"], int(0)),
            (&["ZREMRANGEBYRANK", "z", "-100", "0"], int(1)),
            (&["ZRANGE", "z", "0", "-1"], Reply::bulks(["c", "d", "e"])),
            (
                &["ZREMRANGEBYSCORE", "z", "x", "(5"],
                err(Error::MinMaxNotFloat),
            ),
            (&["ZREMRANGEBYSCORE", "z", "(3", "(5"], int(1)),
            (&["ZRANGE", "z", "0", "-1"], Reply::bulks(["c", "e"])),
            (&["ZREM", "z", "c", "e"], int(2)),
            (&["EXISTS", "z"], int(0)),
        ],
    );
    let s = abcde();
    check(
        &s,
        &[
            (&["ZREMRANGEBYRANK", "z", "1", "-2"], int(3)),
            (&["ZRANGE", "z", "0", "-1"], Reply::bulks(["a", "e"])),
            (&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"], int(2)),
            (&["EXISTS", "z"], int(0)),
        ],
    );
}

// ---- pops -------------------------------------------------------------------------------

#[test]
fn zpopmin_zpopmax_counts_and_shapes() {
    let s = abcde();
    check(
        &s,
        &[
            (&["ZPOPMIN", "z"], flat(&[("a", 1.0)])),
            (&["ZPOPMIN", "z", "1"], flat(&[("b", 2.0)])),
            (&["ZPOPMAX", "z", "2"], flat(&[("e", 5.0), ("d", 4.0)])),
            (&["ZPOPMIN", "z", "0"], Reply::EMPTY_ARRAY),
            (&["ZPOPMIN", "z", "-1"], err(Error::OutOfRangePositive)),
            (&["ZPOPMIN", "z", "x"], err(Error::OutOfRangePositive)),
            (&["ZPOPMIN", "z", "1", "2"], err(Error::Syntax)),
            (&["ZPOPMIN", "nokey"], Reply::EMPTY_ARRAY),
            (&["ZPOPMIN", "nokey", "2"], Reply::EMPTY_ARRAY),
            (&["ZPOPMAX", "z", "10"], flat(&[("c", 3.0)])),
            (&["EXISTS", "z"], int(0)),
        ],
    );
    let s = abcde();
    // RESP3: flat without a count, nested with one.
    assert_eq!(resp3(&s, &["ZPOPMIN", "z"]), flat(&[("a", 1.0)]));
    assert_eq!(resp3(&s, &["ZPOPMIN", "z", "1"]), nested(&[("b", 2.0)]));
    assert_eq!(
        resp3(&s, &["ZPOPMAX", "z", "2"]),
        nested(&[("e", 5.0), ("d", 4.0)])
    );
}

#[test]
fn zmpop_parses_like_redis_and_pops_from_the_first_existing_key() {
    let s = store_with(&[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["SET", "str", "v"],
    ]);
    let popped = |key: &str, items: &[(&str, f64)]| arr(vec![bulk(key), nested(items)]);
    check(
        &s,
        &[
            (
                &["ZMPOP", "abc", "z", "MIN"],
                err(Error::NumkeysNotPositive),
            ),
            (&["ZMPOP", "0", "z", "MIN"], err(Error::NumkeysNotPositive)),
            (&["ZMPOP", "2", "z", "MIN"], err(Error::Syntax)),
            (&["ZMPOP", "1", "z", "foo"], err(Error::Syntax)),
            (
                &["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
                err(Error::CountNotPositive),
            ),
            (
                &["ZMPOP", "1", "z", "MIN", "COUNT", "x"],
                err(Error::CountNotPositive),
            ),
            (
                &["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"],
                err(Error::Syntax),
            ),
            (&["ZMPOP", "1", "nokey", "MIN"], Reply::NullArray),
            (
                &["ZMPOP", "2", "z", "str", "min"],
                popped("z", &[("a", 1.0)]),
            ),
            (
                &["ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "5"],
                popped("z", &[("c", 3.0), ("b", 2.0)]),
            ),
            (&["EXISTS", "z"], int(0)),
        ],
    );
}

#[test]
fn bzpopmin_pops_at_once_when_data_is_there() {
    let s = abcde();
    check(
        &s,
        &[
            (
                &["BZPOPMIN", "nokey", "z", "0"],
                arr(vec![bulk("z"), bulk("a"), dbl(1.0)]),
            ),
            (
                &["BZPOPMAX", "z", "0"],
                arr(vec![bulk("z"), bulk("e"), dbl(5.0)]),
            ),
            (
                &["BZPOPMIN", "z", "str", "1"],
                arr(vec![bulk("z"), bulk("b"), dbl(2.0)]),
            ),
            (
                &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "1"],
                arr(vec![bulk("z"), nested(&[("d", 4.0)])]),
            ),
            (&["BZPOPMIN", "z", "-1"], err(Error::TimeoutNegative)),
            (&["BZPOPMIN", "z", "x"], err(Error::TimeoutNotFloat)),
            (&["BZPOPMIN", "z", "inf"], err(Error::TimeoutNegative)),
            (
                &["BZMPOP", "x", "1", "z", "MIN"],
                err(Error::TimeoutNotFloat),
            ),
            (
                &["BZMPOP", "-1", "1", "z", "MIN"],
                err(Error::TimeoutNegative),
            ),
        ],
    );
}

#[test]
fn blocking_pops_in_a_transaction_return_null_at_once() {
    let s = Store::new();
    let replies = s.atomically(0, |tx| {
        vec![
            tx.execute(&["BZPOPMIN", "z", "0"]),
            tx.execute(&["BZMPOP", "0", "1", "z", "MIN"]),
        ]
    });
    assert_eq!(replies, vec![Reply::NullArray, Reply::NullArray]);
}

fn dispatch(s: &Store, args: &[&str]) -> Dispatch {
    let argv = args
        .iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect();
    s.dispatch(0, Protocol::Resp2, argv)
}

#[test]
fn blocked_bzpopmin_is_served_by_a_later_zadd_first_come_first_served() {
    let s = Store::new();
    let Dispatch::Blocked(first) = dispatch(&s, &["BZPOPMIN", "z1", "z2", "0"]) else {
        panic!()
    };
    let Dispatch::Blocked(second) = dispatch(&s, &["BZPOPMAX", "z2", "0"]) else {
        panic!()
    };
    assert_eq!(s.blocked_clients(), 2);
    assert_eq!(s.execute(0, &["ZADD", "z2", "1", "a", "2", "b"]), int(2));
    assert_eq!(first.cancel(), arr(vec![bulk("z2"), bulk("a"), dbl(1.0)]));
    assert_eq!(second.cancel(), arr(vec![bulk("z2"), bulk("b"), dbl(2.0)]));
    assert_eq!(s.execute(0, &["EXISTS", "z2"]), int(0));
    assert_eq!(s.blocked_clients(), 0);
}

#[test]
fn blocked_bzpopmin_times_out_with_null_array_and_ignores_other_types() {
    let s = Store::new();
    let Dispatch::Blocked(b) = dispatch(&s, &["BZPOPMIN", "z", "0.01"]) else {
        panic!()
    };
    assert_eq!(b.timeout(), Some(Duration::from_millis(10)));
    // A value of another type keeps the client blocked (Redis 7.0).
    s.execute(0, &["SET", "z", "v"]);
    assert_eq!(s.blocked_clients(), 1);
    assert_eq!(b.cancel(), Reply::NullArray);
    assert_eq!(s.blocked_clients(), 0);
}

#[test]
fn blocked_bzmpop_is_served_with_its_count() {
    let s = Store::new();
    let Dispatch::Blocked(b) = dispatch(&s, &["BZMPOP", "0", "2", "x", "z", "MIN", "COUNT", "2"])
    else {
        panic!()
    };
    s.execute(0, &["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    assert_eq!(
        b.cancel(),
        arr(vec![bulk("z"), nested(&[("a", 1.0), ("b", 2.0)])])
    );
    assert_eq!(s.execute(0, &["ZCARD", "z"]), int(1));
}

#[test]
fn typed_bzpopmin_blocks_a_thread_until_served() {
    let store = Store::new();
    let db = store.db(0);
    let waiter = {
        let db = db.clone();
        std::thread::spawn(move || db.bzpopmin(["q"], Duration::from_secs(30)))
    };
    // Wait until the thread is blocked (synchronisation, not timing).
    while store.blocked_clients() == 0 {
        std::thread::yield_now();
    }
    db.zadd("q", [(4.0, "job")]).unwrap();
    assert_eq!(
        waiter.join().unwrap().unwrap(),
        Some((Bytes::from("q"), Bytes::from("job"), 4.0))
    );
    assert_eq!(db.bzpopmax(["q"], Duration::from_millis(1)).unwrap(), None);
    assert_eq!(
        db.bzpopmin(Vec::<&str>::new(), Duration::ZERO),
        Err(Error::wrong_arity("bzpopmin"))
    );
}

#[test]
fn typed_bzpopmax_async_is_served_by_zadd() {
    let store = Store::new();
    let db = store.db(0);
    let pending = db.bzpopmax_async(["q"]);
    assert!(!pending.is_ready());
    db.zadd("q", [(1.0, "a"), (2.0, "b")]).unwrap();
    assert_eq!(
        pending.cancel().unwrap(),
        Some((Bytes::from("q"), Bytes::from("b"), 2.0))
    );
}

// ---- random and scan --------------------------------------------------------------------

#[test]
fn zrandmember_counts_and_errors() {
    let s = store_with(&[
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["SET", "str", "v"],
    ]);
    check(
        &s,
        &[
            (
                &["ZRANDMEMBER", "z", "10", "WITHSCORES"],
                flat(&[("a", 1.0), ("b", 2.0), ("c", 3.0)]),
            ),
            (&["ZRANDMEMBER", "z", "0"], Reply::EMPTY_ARRAY),
            (&["ZRANDMEMBER", "nokey"], Reply::Null),
            (
                &["ZRANDMEMBER", "nokey", "5", "WITHSCORES"],
                Reply::EMPTY_ARRAY,
            ),
            (&["ZRANDMEMBER", "nokey", "-5"], Reply::EMPTY_ARRAY),
            (&["ZRANDMEMBER", "z", "1", "2"], err(Error::Syntax)),
            (
                &["ZRANDMEMBER", "z", "2", "WITHSCORES", "x"],
                err(Error::Syntax),
            ),
            (
                &["ZRANDMEMBER", "z", "x", "WITHSCORES"],
                err(Error::NotInteger),
            ),
            (
                &["ZRANDMEMBER", "str", "x", "WITHSCORES"],
                err(Error::NotInteger),
            ),
            (
                &["ZRANDMEMBER", "z", "-9223372036854775808"],
                err(Error::ValueNotBetween {
                    min: -i64::MAX,
                    max: i64::MAX,
                }),
            ),
            (
                &["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"],
                err(Error::OutOfRange),
            ),
            (
                &["ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"],
                err(Error::OutOfRange),
            ),
        ],
    );
    let Reply::Array(picks) = s.execute(0, &["ZRANDMEMBER", "z", "-7", "WITHSCORES"]) else {
        panic!()
    };
    assert_eq!(picks.len(), 14);
    for pair in picks.chunks(2) {
        let want = match pair[0].as_bytes().unwrap() {
            b"a" => 1.0,
            b"b" => 2.0,
            b"c" => 3.0,
            other => panic!("{other:?}"),
        };
        assert_eq!(pair[1], dbl(want));
    }
    let Reply::Array(two) = s.execute(0, &["ZRANDMEMBER", "z", "2"]) else {
        panic!()
    };
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
    assert!(matches!(
        s.execute(0, &["ZRANDMEMBER", "z"]),
        Reply::Bulk(_)
    ));
}

#[test]
fn zscan_returns_small_sets_whole_and_scans_big_ones() {
    let s = store_with(&[&["ZADD", "z", "1", "a", "2", "b", "3", "c", "1.5", "x"]]);
    let scan = |cursor: &str, items: &[(&str, &str)]| {
        arr(vec![
            bulk(cursor),
            arr(items
                .iter()
                .flat_map(|(m, sc)| [bulk(m), bulk(sc)])
                .collect()),
        ])
    };
    check(
        &s,
        &[
            (
                &["ZSCAN", "z", "0", "COUNT", "1"],
                scan("0", &[("a", "1"), ("x", "1.5"), ("b", "2"), ("c", "3")]),
            ),
            (
                &["ZSCAN", "z", "0", "MATCH", "[a-b]"],
                scan("0", &[("a", "1"), ("b", "2")]),
            ),
            (&["ZSCAN", "z", "x"], err(Error::InvalidCursor)),
            (&["ZSCAN", "z", "0", "COUNT", "0"], err(Error::Syntax)),
            (&["ZSCAN", "z", "0", "NOVALUES"], err(Error::Syntax)),
            (&["ZSCAN", "nokey", "0", "COUNT", "0"], scan("0", &[])),
        ],
    );
    // Over 128 members: a real cursor walk that sees every member.
    let db = s.db(0);
    let big: Vec<(f64, String)> = (0..300).map(|i| (i as f64, format!("m{i}"))).collect();
    db.zadd("big", big.iter().map(|(sc, m)| (*sc, m.as_str())))
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let (next, items) = db
            .zscan_with("big", cursor, ScanOptions::new().count(17))
            .unwrap();
        assert!(items.len() <= 17);
        seen.extend(items);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    seen.sort_by(|a, b| a.1.total_cmp(&b.1));
    let want: Vec<(Bytes, f64)> = big
        .iter()
        .map(|(sc, m)| (Bytes::from(m.clone()), *sc))
        .collect();
    assert_eq!(seen, want);
}

// ---- union / inter / diff -------------------------------------------------------------------

#[test]
fn zunionstore_and_zinterstore_follow_the_redis_docs_example() {
    let s = store_with(&[
        &["ZADD", "zset1", "1", "one", "2", "two"],
        &["ZADD", "zset2", "1", "one", "2", "two", "3", "three"],
    ]);
    check(
        &s,
        &[
            (
                &[
                    "ZUNIONSTORE",
                    "out",
                    "2",
                    "zset1",
                    "zset2",
                    "WEIGHTS",
                    "2",
                    "3",
                ],
                int(3),
            ),
            (
                &["ZRANGE", "out", "0", "-1", "WITHSCORES"],
                flat(&[("one", 5.0), ("three", 9.0), ("two", 10.0)]),
            ),
            (
                &[
                    "ZINTERSTORE",
                    "out",
                    "2",
                    "zset1",
                    "zset2",
                    "WEIGHTS",
                    "2",
                    "3",
                ],
                int(2),
            ),
            (
                &["ZRANGE", "out", "0", "-1", "WITHSCORES"],
                flat(&[("one", 5.0), ("two", 10.0)]),
            ),
            (
                &["ZDIFF", "2", "zset2", "zset1", "WITHSCORES"],
                flat(&[("three", 3.0)]),
            ),
            (&["ZDIFFSTORE", "out", "2", "zset2", "zset1"], int(1)),
            (&["ZINTERCARD", "2", "zset1", "zset2"], int(2)),
            (&["ZINTERCARD", "2", "zset1", "zset2", "LIMIT", "1"], int(1)),
        ],
    );
}

#[test]
fn zunion_takes_sets_weights_and_aggregates() {
    let s = store_with(&[
        &[
            "ZADD", "y", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["SADD", "s", "a", "b"],
        &["ZADD", "p", "inf", "a"],
        &["ZADD", "q", "-inf", "a"],
    ]);
    check(
        &s,
        &[
            (
                &["ZUNION", "2", "y", "s", "WITHSCORES"],
                flat(&[("a", 2.0), ("b", 3.0), ("c", 3.0), ("d", 4.0), ("e", 5.0)]),
            ),
            (
                &["ZINTER", "2", "y", "s", "WITHSCORES"],
                flat(&[("a", 2.0), ("b", 3.0)]),
            ),
            (
                &[
                    "ZINTER",
                    "2",
                    "y",
                    "s",
                    "WEIGHTS",
                    "2",
                    "3",
                    "WITHSCORES",
                    "AGGREGATE",
                    "MAX",
                ],
                flat(&[("a", 3.0), ("b", 4.0)]),
            ),
            (
                &[
                    "ZINTER",
                    "2",
                    "y",
                    "s",
                    "WEIGHTS",
                    "2",
                    "3",
                    "AGGREGATE",
                    "min",
                    "WITHSCORES",
                ],
                flat(&[("a", 2.0), ("b", 3.0)]),
            ),
            // The last AGGREGATE wins.
            (
                &[
                    "ZUNION",
                    "2",
                    "y",
                    "s",
                    "WEIGHTS",
                    "2",
                    "3",
                    "AGGREGATE",
                    "MIN",
                    "WITHSCORES",
                    "AGGREGATE",
                    "SUM",
                ],
                flat(&[("a", 5.0), ("c", 6.0), ("b", 7.0), ("d", 8.0), ("e", 10.0)]),
            ),
            (&["ZDIFF", "2", "s", "y", "WITHSCORES"], Reply::EMPTY_ARRAY),
            (
                &["ZDIFF", "1", "s", "WITHSCORES"],
                flat(&[("a", 1.0), ("b", 1.0)]),
            ),
            // inf + -inf and 0 * inf are 0, as in Redis.
            (
                &["ZUNION", "2", "p", "q", "WITHSCORES"],
                flat(&[("a", 0.0)]),
            ),
            (
                &["ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES"],
                flat(&[("a", 0.0)]),
            ),
            (
                &["ZUNION", "1", "y", "WEIGHTS", "0x10"],
                Reply::bulks(["a", "b", "c", "d", "e"]),
            ),
            (&["ZINTER", "1", "nokey"], Reply::EMPTY_ARRAY),
            (&["ZUNION", "1", "nokey", "WITHSCORES"], Reply::EMPTY_ARRAY),
            (&["ZINTERCARD", "1", "s"], int(2)),
            (&["ZINTERCARD", "2", "y", "s", "LIMIT", "0"], int(2)),
            (
                &["ZINTERCARD", "1", "y", "LIMIT", "1", "LIMIT", "2"],
                int(2),
            ),
        ],
    );
}

#[test]
fn zunion_family_argument_errors() {
    let s = store_with(&[&["ZADD", "z", "1", "a"]]);
    check(
        &s,
        &[
            (
                &["ZUNIONSTORE", "d", "0", "z"],
                err(Error::NoInputKeys {
                    command: "zunionstore",
                }),
            ),
            (
                &["ZUNION", "0", "z"],
                err(Error::NoInputKeys { command: "zunion" }),
            ),
            (
                &["ZDIFF", "0", "z"],
                err(Error::NoInputKeys { command: "zdiff" }),
            ),
            (
                &["ZINTERCARD", "0", "z"],
                err(Error::NoInputKeys {
                    command: "zintercard",
                }),
            ),
            (&["ZUNIONSTORE", "d", "x", "z"], err(Error::NotInteger)),
            (&["ZUNIONSTORE", "d", "2", "z"], err(Error::Syntax)),
            (
                &["ZUNIONSTORE", "d", "1", "z", "WEIGHTS"],
                err(Error::Syntax),
            ),
            (
                &["ZUNIONSTORE", "d", "1", "z", "WEIGHTS", "x"],
                err(Error::WeightNotFloat),
            ),
            (
                &["ZUNION", "1", "z", "WEIGHTS", "1e400"],
                err(Error::WeightNotFloat),
            ),
            (
                &["ZUNIONSTORE", "d", "1", "z", "AGGREGATE", "foo"],
                err(Error::Syntax),
            ),
            (
                &["ZUNIONSTORE", "d", "1", "z", "WITHSCORES"],
                err(Error::Syntax),
            ),
            (
                &["ZUNION", "1", "z", "WITHSCORES", "foo"],
                err(Error::Syntax),
            ),
            (&["ZDIFF", "1", "z", "WEIGHTS", "1"], err(Error::Syntax)),
            (&["ZINTERCARD", "2", "z"], err(Error::Syntax)),
            (
                &["ZINTERCARD", "1", "z", "LIMIT", "-1"],
                err(Error::LimitNegative),
            ),
            (&["ZINTERCARD", "1", "z", "WITHSCORES"], err(Error::Syntax)),
            (
                &["ZINTERCARD", "1", "z", "WEIGHTS", "2"],
                err(Error::Syntax),
            ),
            (
                &["ZINTERSTORE", "d", "1", "z", "LIMIT", "1"],
                err(Error::Syntax),
            ),
        ],
    );
    assert_eq!(
        Error::NoInputKeys {
            command: "zunionstore"
        }
        .to_string(),
        "ERR at least 1 input key is needed for 'zunionstore' command"
    );
}

#[test]
fn store_variants_delete_the_destination_when_empty() {
    let s = store_with(&[
        &["ZADD", "y", "1", "a"],
        &["SET", "d", "x"],
        &["ZADD", "p", "1", "a"],
    ]);
    check(
        &s,
        &[
            (&["ZINTERSTORE", "d", "2", "y", "nokey"], int(0)),
            (&["EXISTS", "d"], int(0)),
            (&["SET", "d", "x"], Reply::OK),
            (&["ZDIFFSTORE", "d", "1", "nokey"], int(0)),
            (&["EXISTS", "d"], int(0)),
            // The destination may be an input.
            (&["ZUNIONSTORE", "p", "2", "p", "y"], int(1)),
            (&["ZSCORE", "p", "a"], dbl(2.0)),
        ],
    );
}

#[test]
fn zset_commands_check_arity() {
    let s = Store::new();
    for (args, name) in [
        (&["ZADD", "z", "1"][..], "zadd"),
        (&["ZCARD"], "zcard"),
        (&["ZCOUNT", "z", "1"], "zcount"),
        (&["ZRANGE", "z", "0"], "zrange"),
        (&["ZRANGESTORE", "d", "z", "0"], "zrangestore"),
        (&["ZSCORE", "z"], "zscore"),
        (&["ZUNIONSTORE", "d", "1"], "zunionstore"),
        (&["BZPOPMIN", "z"], "bzpopmin"),
        (&["BZMPOP", "0", "1", "z"], "bzmpop"),
        (&["ZMPOP", "1", "z"], "zmpop"),
        (&["ZREMRANGEBYSCORE", "z", "1"], "zremrangebyscore"),
    ] {
        assert_eq!(
            s.execute(0, args),
            err(Error::wrong_arity(name)),
            "{args:?}"
        );
    }
}

// ---- typed API ------------------------------------------------------------------------------

#[test]
fn typed_zset_methods_match_the_commands() {
    let store = Store::new();
    let db = store.db(0);
    assert_eq!(
        db.zadd("z", [(1.0, "a"), (2.0, "b"), (3.0, "c")]).unwrap(),
        3
    );
    assert_eq!(
        db.zadd_with("z", [(0.5, "a"), (9.0, "n")], ZAddOptions::new().xx().ch())
            .unwrap(),
        1
    );
    assert_eq!(
        db.zadd_with("z", [(1.0, "a")], ZAddOptions::new().nx().xx()),
        Err(Error::XxNxConflict)
    );
    assert_eq!(db.zincrby("z", 0.5, "a").unwrap(), 1.0);
    assert_eq!(db.zscore("z", "a").unwrap(), Some(1.0));
    assert_eq!(db.zmscore("z", ["a", "x"]).unwrap(), [Some(1.0), None]);
    assert_eq!(db.zrank("z", "c").unwrap(), Some(2));
    assert_eq!(db.zrevrank("z", "c").unwrap(), Some(0));
    assert_eq!(db.zcard("z").unwrap(), 3);
    assert_eq!(
        db.zcount("z", ScoreBound::Exclusive(1.0), f64::INFINITY)
            .unwrap(),
        2
    );
    assert_eq!(db.zrange("z", 0, -1).unwrap(), ["a", "b", "c"]);
    assert_eq!(db.zrevrange("z", 0, 0).unwrap(), ["c"]);
    assert_eq!(
        db.zrange_withscores("z", -1, -1).unwrap(),
        [(Bytes::from("c"), 3.0)]
    );
    assert_eq!(
        db.zrangebyscore("z", 2.0, ScoreBound::MAX).unwrap(),
        ["b", "c"]
    );
    assert_eq!(
        db.zrangebyscore_limit("z", ScoreBound::MIN, ScoreBound::MAX, 1, 1)
            .unwrap(),
        ["b"]
    );
    assert_eq!(
        db.zrevrangebyscore("z", ScoreBound::MAX, 2.0).unwrap(),
        ["c", "b"]
    );
    assert_eq!(
        db.zrangebyscore_withscores("z", 3.0, 3.0).unwrap(),
        [(Bytes::from("c"), 3.0)]
    );
    assert_eq!(db.zrem("z", ["c", "nope"]).unwrap(), 1);
    assert_eq!(db.zpopmax("z", 1).unwrap(), [(Bytes::from("b"), 2.0)]);
    assert_eq!(db.zpopmin("z", 5).unwrap(), [(Bytes::from("a"), 1.0)]);
    assert_eq!(db.zcard("z").unwrap(), 0);

    db.zadd("l", [(0.0, "a"), (0.0, "b"), (0.0, "c")]).unwrap();
    assert_eq!(
        db.zrangebylex("l", LexBound::Min, LexBound::Exclusive("c".into()))
            .unwrap(),
        ["a", "b"]
    );
    assert_eq!(
        db.zlexcount("l", LexBound::Inclusive("b".into()), LexBound::Max)
            .unwrap(),
        2
    );
    assert_eq!(
        db.zremrangebylex("l", LexBound::Min, LexBound::Inclusive("a".into()))
            .unwrap(),
        1
    );
    assert_eq!(db.zremrangebyrank("l", 0, 0).unwrap(), 1);
    assert_eq!(
        db.zremrangebyscore("l", ScoreBound::MIN, ScoreBound::MAX)
            .unwrap(),
        1
    );

    db.zadd("a", [(1.0, "x"), (2.0, "y")]).unwrap();
    db.zadd("b", [(10.0, "x")]).unwrap();
    assert_eq!(db.zunionstore("u", ["a", "b"]).unwrap(), 2);
    assert_eq!(db.zscore("u", "x").unwrap(), Some(11.0));
    assert_eq!(db.zinterstore("i", ["a", "b"]).unwrap(), 1);
    let opts = ZStoreOptions::new()
        .weights([1.0, 0.5])
        .aggregate(Aggregate::Max);
    assert_eq!(db.zinterstore_with("i", ["a", "b"], opts).unwrap(), 1);
    assert_eq!(db.zscore("i", "x").unwrap(), Some(5.0));
    assert_eq!(
        db.zunionstore_with("u", ["a", "b"], ZStoreOptions::new().weights([1.0])),
        Err(Error::Syntax)
    );
    assert_eq!(
        db.zunionstore("u", Vec::<&str>::new()),
        Err(Error::NoInputKeys {
            command: "zunionstore"
        })
    );
    assert!(db.zrandmember("a").unwrap().is_some());
    assert_eq!(db.zrandmember_withscores("a", -3).unwrap().len(), 3);
    assert_eq!(
        db.zscan("a", 0).unwrap(),
        (0, vec![(Bytes::from("x"), 1.0), (Bytes::from("y"), 2.0)])
    );
    assert_eq!(
        db.zscan_with("a", 0, ScanOptions::new().pattern("y"))
            .unwrap(),
        (0, vec![(Bytes::from("y"), 2.0)])
    );
    db.set("str", "v").unwrap();
    assert_eq!(db.zadd("str", [(1.0, "a")]), Err(Error::WrongType));
    assert_eq!(db.zrange("nokey", 0, -1).unwrap(), Vec::<Bytes>::new());
}

#[test]
fn a_write_that_changes_nothing_does_not_touch_watched_keys() {
    let s = store_with(&[&["ZADD", "z", "1", "a"]]);
    let before = s.changes();
    check(
        &s,
        &[
            (&["ZADD", "z", "1", "a"], int(0)),
            (&["ZADD", "z", "NX", "5", "a"], int(0)),
            (&["ZREM", "z", "nope"], int(0)),
            (&["ZREMRANGEBYSCORE", "z", "5", "10"], int(0)),
        ],
    );
    assert_eq!(s.changes(), before);
}
