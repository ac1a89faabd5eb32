//! Behaviour of the list commands (`command/list.rs`), as Redis 7.0 replies.
//! Blocking behaviour with several threads lives in `blocking.rs`.

use embedis::command::{self, flags};
use embedis::{Direction, Error, InsertPosition, LposOptions, ManualClock, Reply, Store};

fn store_with(cmds: &[&[&str]]) -> Store {
    let s = Store::new();
    for c in cmds {
        let r = s.execute(0, c);
        assert!(!r.is_error(), "{c:?}: {r:?}");
    }
    s
}

fn bulks(items: &[&str]) -> Reply {
    Reply::bulks(items.iter().map(|s| s.as_bytes().to_vec()))
}

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

fn bulk(s: &str) -> Reply {
    Reply::bulk(s.as_bytes().to_vec())
}

fn err(e: Error) -> Reply {
    Reply::Error(e)
}

fn check(s: &Store, cases: &[(&[&str], Reply)]) {
    for (args, want) in cases {
        assert_eq!(&s.execute(0, args), want, "{args:?}");
    }
}

// ---- documented examples (redis.io/commands/*) -----------------------------

#[test]
fn lpush_and_lrange_doc_example() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["LPUSH", "mylist", "world"], int(1)),
            (&["LPUSH", "mylist", "hello"], int(2)),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["hello", "world"])),
            (&["LPUSH", "l2", "a", "b", "c"], int(3)),
            (&["LRANGE", "l2", "0", "-1"], bulks(&["c", "b", "a"])),
        ],
    );
}

#[test]
fn lpushx_rpushx_only_push_onto_existing_lists() {
    let s = Store::new();
    check(
        &s,
        &[
            (&["LPUSH", "mylist", "World"], int(1)),
            (&["LPUSHX", "mylist", "Hello"], int(2)),
            (&["LPUSHX", "myotherlist", "Hello"], int(0)),
            (&["RPUSHX", "mylist", "!", "?"], int(4)),
            (&["RPUSHX", "myotherlist", "x"], int(0)),
            (
                &["LRANGE", "mylist", "0", "-1"],
                bulks(&["Hello", "World", "!", "?"]),
            ),
            (&["LRANGE", "myotherlist", "0", "-1"], Reply::EMPTY_ARRAY),
            (&["GET", "myotherlist"], Reply::Null),
        ],
    );
}

#[test]
fn lindex_doc_example_and_ranges() {
    let s = store_with(&[&["LPUSH", "mylist", "World", "Hello"]]);
    check(
        &s,
        &[
            (&["LINDEX", "mylist", "0"], bulk("Hello")),
            (&["LINDEX", "mylist", "-1"], bulk("World")),
            (&["LINDEX", "mylist", "-2"], bulk("Hello")),
            (&["LINDEX", "mylist", "-3"], Reply::Null),
            (&["LINDEX", "mylist", "3"], Reply::Null),
            (&["LINDEX", "nosuch", "0"], Reply::Null),
        ],
    );
}

#[test]
fn linsert_before_after_and_missing_pivot() {
    let s = store_with(&[&["RPUSH", "mylist", "Hello", "World"]]);
    check(
        &s,
        &[
            (&["LINSERT", "mylist", "BEFORE", "World", "There"], int(3)),
            (
                &["LRANGE", "mylist", "0", "-1"],
                bulks(&["Hello", "There", "World"]),
            ),
            (&["LINSERT", "mylist", "after", "World", "!"], int(4)),
            (
                &["LRANGE", "mylist", "0", "-1"],
                bulks(&["Hello", "There", "World", "!"]),
            ),
            (&["LINSERT", "mylist", "BEFORE", "nope", "x"], int(-1)),
            (&["LINSERT", "nosuch", "BEFORE", "a", "x"], int(0)),
            (&["GET", "nosuch"], Reply::Null),
            (
                &["LINSERT", "mylist", "middle", "World", "x"],
                err(Error::Syntax),
            ),
            // The BEFORE/AFTER word is checked before the key.
            (
                &["LINSERT", "nosuch", "middle", "a", "x"],
                err(Error::Syntax),
            ),
        ],
    );
}

#[test]
fn linsert_uses_the_first_pivot_from_the_head() {
    let s = store_with(&[&["RPUSH", "l", "a", "p", "b", "p"]]);
    check(
        &s,
        &[
            (&["LINSERT", "l", "AFTER", "p", "x"], int(5)),
            (
                &["LRANGE", "l", "0", "-1"],
                bulks(&["a", "p", "x", "b", "p"]),
            ),
        ],
    );
}

#[test]
fn llen_counts_and_is_zero_for_missing() {
    let s = store_with(&[&["LPUSH", "mylist", "World", "Hello"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["LLEN", "mylist"], int(2)),
            (&["LLEN", "nosuch"], int(0)),
            (&["LLEN", "s"], err(Error::WrongType)),
        ],
    );
}

#[test]
fn lmove_doc_example() {
    let s = store_with(&[&["RPUSH", "mylist", "one", "two", "three"]]);
    check(
        &s,
        &[
            (
                &["LMOVE", "mylist", "myotherlist", "RIGHT", "LEFT"],
                bulk("three"),
            ),
            (
                &["LMOVE", "mylist", "myotherlist", "LEFT", "RIGHT"],
                bulk("one"),
            ),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["two"])),
            (
                &["LRANGE", "myotherlist", "0", "-1"],
                bulks(&["three", "one"]),
            ),
        ],
    );
}

#[test]
fn lmove_same_list_rotates_and_keeps_ttl() {
    let clock = ManualClock::new(1_000_000);
    let s = Store::builder().clock(clock.clone()).build();
    s.execute(0, &["RPUSH", "l", "a", "b", "c"]);
    s.execute(0, &["RPUSH", "one", "x"]);
    assert!(s.db(0).pexpire("l", 100_000).unwrap());
    assert!(s.db(0).pexpire("one", 100_000).unwrap());
    check(
        &s,
        &[
            (&["LMOVE", "l", "l", "LEFT", "RIGHT"], bulk("a")),
            (&["LRANGE", "l", "0", "-1"], bulks(&["b", "c", "a"])),
            (&["RPOPLPUSH", "l", "l"], bulk("a")),
            (&["LRANGE", "l", "0", "-1"], bulks(&["a", "b", "c"])),
            // A single-element list rotated onto itself survives.
            (&["LMOVE", "one", "one", "RIGHT", "LEFT"], bulk("x")),
            (&["LRANGE", "one", "0", "-1"], bulks(&["x"])),
        ],
    );
    // Both keys kept their expiry through the rotation.
    clock.advance_ms(100_000);
    check(&s, &[(&["LLEN", "l"], int(0)), (&["LLEN", "one"], int(0))]);
}

#[test]
fn lmove_errors_and_missing_source() {
    let s = store_with(&[&["RPUSH", "l", "a"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["LMOVE", "nosuch", "d", "LEFT", "LEFT"], Reply::Null),
            // A missing source wins over a wrong-type destination.
            (&["LMOVE", "nosuch", "s", "LEFT", "LEFT"], Reply::Null),
            (&["LMOVE", "l", "s", "LEFT", "LEFT"], err(Error::WrongType)),
            (&["LMOVE", "s", "l", "LEFT", "LEFT"], err(Error::WrongType)),
            (&["LRANGE", "l", "0", "-1"], bulks(&["a"])),
            (&["LMOVE", "l", "d", "UP", "LEFT"], err(Error::Syntax)),
            (&["LMOVE", "l", "d", "LEFT", "DOWN"], err(Error::Syntax)),
            (&["LMOVE", "l", "d", "left", "right"], bulk("a")),
            (&["GET", "l"], Reply::Null),
            (&["RPOPLPUSH", "nosuch", "d"], Reply::Null),
        ],
    );
}

#[test]
fn rpoplpush_doc_example() {
    let s = store_with(&[&["RPUSH", "mylist", "one", "two", "three"]]);
    check(
        &s,
        &[
            (&["RPOPLPUSH", "mylist", "myotherlist"], bulk("three")),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["one", "two"])),
            (&["LRANGE", "myotherlist", "0", "-1"], bulks(&["three"])),
        ],
    );
}

#[test]
fn lmpop_doc_example() {
    let s = Store::new();
    let popped = |key: &str, items: &[&str]| Reply::Array(vec![bulk(key), bulks(items)]);
    check(
        &s,
        &[
            (
                &["LMPOP", "2", "non1", "non2", "LEFT", "COUNT", "10"],
                Reply::NullArray,
            ),
            (
                &["LPUSH", "mylist", "one", "two", "three", "four", "five"],
                int(5),
            ),
            (
                &["LMPOP", "1", "mylist", "LEFT"],
                popped("mylist", &["five"]),
            ),
            (
                &["LRANGE", "mylist", "0", "-1"],
                bulks(&["four", "three", "two", "one"]),
            ),
            (
                &["LMPOP", "1", "mylist", "RIGHT", "COUNT", "10"],
                popped("mylist", &["one", "two", "three", "four"]),
            ),
            (
                &["LPUSH", "mylist", "one", "two", "three", "four", "five"],
                int(5),
            ),
            (&["LPUSH", "mylist2", "a", "b", "c", "d", "e"], int(5)),
            (
                &["LMPOP", "2", "mylist", "mylist2", "right", "count", "3"],
                popped("mylist", &["one", "two", "three"]),
            ),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["five", "four"])),
            (
                &["LMPOP", "2", "mylist", "mylist2", "right", "count", "5"],
                popped("mylist", &["four", "five"]),
            ),
            (
                &["LMPOP", "2", "mylist", "mylist2", "right", "count", "10"],
                popped("mylist2", &["a", "b", "c", "d", "e"]),
            ),
            (&["GET", "mylist"], Reply::Null),
            (&["GET", "mylist2"], Reply::Null),
        ],
    );
}

#[test]
fn lmpop_argument_errors_in_redis_order() {
    let s = store_with(&[&["RPUSH", "l", "a"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["LMPOP", "0", "l", "LEFT"], err(Error::NumkeysNotPositive)),
            (
                &["LMPOP", "-1", "l", "LEFT"],
                err(Error::NumkeysNotPositive),
            ),
            (
                &["LMPOP", "abc", "l", "LEFT"],
                err(Error::NumkeysNotPositive),
            ),
            (&["LMPOP", "2", "l", "LEFT"], err(Error::Syntax)),
            (&["LMPOP", "1", "l"], err(Error::wrong_arity("lmpop"))),
            (&["LMPOP", "1", "l", "MIDDLE"], err(Error::Syntax)),
            (
                &["LMPOP", "1", "l", "LEFT", "COUNT", "0"],
                err(Error::CountNotPositive),
            ),
            (
                &["LMPOP", "1", "l", "LEFT", "COUNT", "abc"],
                err(Error::CountNotPositive),
            ),
            (
                &["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"],
                err(Error::Syntax),
            ),
            (&["LMPOP", "1", "l", "LEFT", "COUNT"], err(Error::Syntax)),
            (&["LMPOP", "1", "l", "LEFT", "foo"], err(Error::Syntax)),
            // The first non-empty list wins; a wrong type before it is an error.
            (&["LMPOP", "2", "s", "l", "LEFT"], err(Error::WrongType)),
            (
                &["LMPOP", "2", "nosuch", "s", "LEFT"],
                err(Error::WrongType),
            ),
            (
                &["LMPOP", "2", "l", "s", "LEFT"],
                Reply::Array(vec![bulk("l"), bulks(&["a"])]),
            ),
        ],
    );
}

#[test]
fn lpop_rpop_doc_examples() {
    let s = store_with(&[&["RPUSH", "mylist", "one", "two", "three", "four", "five"]]);
    check(
        &s,
        &[
            (&["LPOP", "mylist"], bulk("one")),
            (&["LPOP", "mylist", "2"], bulks(&["two", "three"])),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["four", "five"])),
            (
                &["RPUSH", "r", "one", "two", "three", "four", "five"],
                int(5),
            ),
            (&["RPOP", "r"], bulk("five")),
            (&["RPOP", "r", "2"], bulks(&["four", "three"])),
            (&["LRANGE", "r", "0", "-1"], bulks(&["one", "two"])),
        ],
    );
}

#[test]
fn lpop_count_null_shapes_and_errors() {
    let s = store_with(&[&["RPUSH", "l", "a", "b"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            // Missing key: `$-1` without count, `*-1` with any count, even 0.
            (&["LPOP", "nosuch"], Reply::Null),
            (&["LPOP", "nosuch", "2"], Reply::NullArray),
            (&["LPOP", "nosuch", "0"], Reply::NullArray),
            (&["LPOP", "l", "0"], Reply::EMPTY_ARRAY),
            (&["LPOP", "l", "-1"], err(Error::OutOfRangePositive)),
            (&["LPOP", "l", "abc"], err(Error::OutOfRangePositive)),
            (&["LPOP", "nosuch", "-1"], err(Error::OutOfRangePositive)),
            (&["LPOP", "l", "1", "2"], err(Error::wrong_arity("lpop"))),
            (&["RPOP", "l", "1", "2"], err(Error::wrong_arity("rpop"))),
            (&["LPOP"], err(Error::wrong_arity("lpop"))),
            (&["LPOP", "s"], err(Error::WrongType)),
            (&["LPOP", "s", "0"], err(Error::WrongType)),
            (&["RPOP", "l", "10"], bulks(&["b", "a"])),
            (&["GET", "l"], Reply::Null),
        ],
    );
}

#[test]
fn lpos_doc_example_and_options() {
    let s = store_with(&[&[
        "RPUSH", "mylist", "a", "b", "c", "d", "1", "2", "3", "4", "3", "3", "3",
    ]]);
    let ints = |v: &[i64]| Reply::Array(v.iter().map(|&i| int(i)).collect());
    check(
        &s,
        &[
            (&["LPOS", "mylist", "3"], int(6)),
            (
                &["LPOS", "mylist", "3", "COUNT", "0", "RANK", "2"],
                ints(&[8, 9, 10]),
            ),
            (&["LPOS", "mylist", "3", "RANK", "-1"], int(10)),
            (
                &["LPOS", "mylist", "3", "RANK", "-1", "COUNT", "2"],
                ints(&[10, 9]),
            ),
            (&["LPOS", "mylist", "3", "COUNT", "2"], ints(&[6, 8])),
            (&["LPOS", "mylist", "3", "RANK", "5"], Reply::Null),
            (&["LPOS", "mylist", "3", "MAXLEN", "6"], Reply::Null),
            (&["LPOS", "mylist", "3", "MAXLEN", "7"], int(6)),
            (
                &["LPOS", "mylist", "3", "COUNT", "0", "MAXLEN", "9"],
                ints(&[6, 8]),
            ),
            (
                &["LPOS", "mylist", "a", "RANK", "-1", "MAXLEN", "3"],
                Reply::Null,
            ),
            (&["LPOS", "mylist", "zz"], Reply::Null),
            (&["LPOS", "mylist", "zz", "COUNT", "0"], Reply::EMPTY_ARRAY),
            (&["LPOS", "nosuch", "zz"], Reply::Null),
            (&["LPOS", "nosuch", "zz", "COUNT", "1"], Reply::EMPTY_ARRAY),
            // LONG_MIN stays negative when Redis negates it: first match from the tail.
            (
                &["LPOS", "mylist", "3", "RANK", "-9223372036854775808"],
                int(10),
            ),
        ],
    );
}

#[test]
fn lpos_option_errors_have_redis_text() {
    let s = store_with(&[&["RPUSH", "l", "a"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["LPOS", "l", "a", "RANK", "0"], err(Error::LposRankZero)),
            (&["LPOS", "l", "a", "RANK", "abc"], err(Error::NotInteger)),
            (
                &["LPOS", "l", "a", "COUNT", "-1"],
                err(Error::LposCountNegative),
            ),
            (
                &["LPOS", "l", "a", "COUNT", "abc"],
                err(Error::LposCountNegative),
            ),
            (
                &["LPOS", "l", "a", "MAXLEN", "-1"],
                err(Error::LposMaxlenNegative),
            ),
            (&["LPOS", "l", "a", "RANK"], err(Error::Syntax)),
            (&["LPOS", "l", "a", "FOO", "1"], err(Error::Syntax)),
            // Options are checked before the key.
            (&["LPOS", "s", "a", "RANK", "0"], err(Error::LposRankZero)),
            (&["LPOS", "s", "a"], err(Error::WrongType)),
        ],
    );
    assert_eq!(
        Error::LposRankZero.to_string(),
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
    );
}

#[test]
fn lrange_negative_indexes_and_out_of_range() {
    let s = store_with(&[&["RPUSH", "l", "a", "b", "c"], &["SET", "s", "x"]]);
    check(
        &s,
        &[
            (&["LRANGE", "l", "0", "0"], bulks(&["a"])),
            (&["LRANGE", "l", "-2", "-1"], bulks(&["b", "c"])),
            (&["LRANGE", "l", "-100", "100"], bulks(&["a", "b", "c"])),
            (&["LRANGE", "l", "5", "10"], Reply::EMPTY_ARRAY),
            (&["LRANGE", "l", "2", "1"], Reply::EMPTY_ARRAY),
            (&["LRANGE", "l", "-1", "-2"], Reply::EMPTY_ARRAY),
            (&["LRANGE", "l", "0", "-4"], Reply::EMPTY_ARRAY),
            (
                &["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
                bulks(&["a", "b", "c"]),
            ),
            (&["LRANGE", "nosuch", "0", "-1"], Reply::EMPTY_ARRAY),
            // Indexes are parsed before the key is looked up (LINDEX does the opposite).
            (&["LRANGE", "s", "x", "1"], err(Error::NotInteger)),
            (&["LRANGE", "nosuch", "x", "1"], err(Error::NotInteger)),
            (&["LRANGE", "s", "0", "1"], err(Error::WrongType)),
            (&["LINDEX", "s", "x"], err(Error::WrongType)),
            (&["LINDEX", "nosuch", "x"], Reply::Null),
            (&["LINDEX", "l", "x"], err(Error::NotInteger)),
        ],
    );
}

#[test]
fn lrem_doc_example_and_directions() {
    let s = store_with(&[&["RPUSH", "mylist", "hello", "hello", "foo", "hello"]]);
    check(
        &s,
        &[
            (&["LREM", "mylist", "-2", "hello"], int(2)),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["hello", "foo"])),
            (&["RPUSH", "l", "a", "x", "a", "x", "a"], int(5)),
            (&["LREM", "l", "1", "a"], int(1)),
            (&["LRANGE", "l", "0", "-1"], bulks(&["x", "a", "x", "a"])),
            (&["LREM", "l", "0", "x"], int(2)),
            (&["LRANGE", "l", "0", "-1"], bulks(&["a", "a"])),
            (&["LREM", "l", "5", "zz"], int(0)),
            (&["LREM", "l", "-9223372036854775808", "a"], int(2)),
            (&["GET", "l"], Reply::Null),
            (&["LREM", "nosuch", "0", "a"], int(0)),
            (&["LREM", "mylist", "x", "a"], err(Error::NotInteger)),
        ],
    );
}

#[test]
fn lset_doc_example_and_errors() {
    let s = store_with(&[
        &["RPUSH", "mylist", "one", "two", "three"],
        &["SET", "s", "x"],
    ]);
    check(
        &s,
        &[
            (&["LSET", "mylist", "0", "four"], Reply::OK),
            (&["LSET", "mylist", "-2", "five"], Reply::OK),
            (
                &["LRANGE", "mylist", "0", "-1"],
                bulks(&["four", "five", "three"]),
            ),
            (&["LSET", "mylist", "3", "x"], err(Error::IndexOutOfRange)),
            (&["LSET", "mylist", "-4", "x"], err(Error::IndexOutOfRange)),
            (&["LSET", "nosuch", "0", "x"], err(Error::NoSuchKey)),
            // The missing key is reported before the bad index.
            (&["LSET", "nosuch", "abc", "x"], err(Error::NoSuchKey)),
            (&["LSET", "mylist", "abc", "x"], err(Error::NotInteger)),
            (&["LSET", "s", "0", "x"], err(Error::WrongType)),
        ],
    );
    assert_eq!(Error::NoSuchKey.to_string(), "ERR no such key");
    assert_eq!(Error::IndexOutOfRange.to_string(), "ERR index out of range");
}

#[test]
fn ltrim_doc_example_and_deletes_empty() {
    let s = store_with(&[&["RPUSH", "mylist", "one", "two", "three"]]);
    check(
        &s,
        &[
            (&["LTRIM", "mylist", "1", "-1"], Reply::OK),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["two", "three"])),
            (&["LTRIM", "mylist", "-1", "100"], Reply::OK),
            (&["LRANGE", "mylist", "0", "-1"], bulks(&["three"])),
            (&["LTRIM", "mylist", "1", "0"], Reply::OK),
            (&["GET", "mylist"], Reply::Null),
            (&["LTRIM", "nosuch", "0", "1"], Reply::OK),
            (&["LTRIM", "nosuch", "a", "1"], err(Error::NotInteger)),
        ],
    );
}

#[test]
fn every_list_command_refuses_other_types() {
    let s = store_with(&[&["SET", "s", "x"]]);
    for args in [
        &["LPUSH", "s", "a"][..],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LRANGE", "s", "0", "1"],
        &["LLEN", "s"],
        &["LINDEX", "s", "0"],
        &["LSET", "s", "0", "a"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "LEFT"],
        &["RPOPLPUSH", "s", "d"],
        &["LMPOP", "1", "s", "LEFT"],
        &["BLPOP", "s", "0"],
        &["BRPOP", "s", "0"],
        &["BLMOVE", "s", "d", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "s", "d", "0"],
        &["BLMPOP", "0", "1", "s", "LEFT"],
    ] {
        assert_eq!(s.execute(0, args), err(Error::WrongType), "{args:?}");
    }
    assert_eq!(s.execute(0, &["GET", "s"]), bulk("x"));
}

#[test]
fn wrong_arity_errors_name_the_command() {
    let s = Store::new();
    for (args, name) in [
        (&["LPUSH", "k"][..], "lpush"),
        (&["RPUSHX", "k"], "rpushx"),
        (&["LRANGE", "k", "0"], "lrange"),
        (&["LINDEX", "k"], "lindex"),
        (&["LINSERT", "k", "BEFORE", "a"], "linsert"),
        (&["LLEN"], "llen"),
        (&["LMOVE", "a", "b", "LEFT"], "lmove"),
        (&["LPOS", "k"], "lpos"),
        (&["LREM", "k", "0"], "lrem"),
        (&["LSET", "k", "0"], "lset"),
        (&["LTRIM", "k", "0"], "ltrim"),
        (&["RPOPLPUSH", "a"], "rpoplpush"),
        (&["BLPOP", "k"], "blpop"),
        (&["BRPOP", "k"], "brpop"),
        (&["BLMOVE", "a", "b", "LEFT", "LEFT"], "blmove"),
        (&["BLMPOP", "0", "1", "k"], "blmpop"),
        (&["BRPOPLPUSH", "a", "b"], "brpoplpush"),
    ] {
        assert_eq!(
            s.execute(0, args),
            err(Error::wrong_arity(name)),
            "{args:?}"
        );
    }
}

#[test]
fn blocking_commands_serve_at_once_when_data_is_there() {
    let s = store_with(&[
        &["RPUSH", "list1", "a", "b", "c"],
        &["RPUSH", "src", "x", "y"],
    ]);
    check(
        &s,
        &[
            (&["BLPOP", "list1", "list2", "0"], bulks(&["list1", "a"])),
            (&["BRPOP", "list2", "list1", "0"], bulks(&["list1", "c"])),
            (
                &["BLMPOP", "0", "2", "list2", "list1", "LEFT", "COUNT", "5"],
                Reply::Array(vec![bulk("list1"), bulks(&["b"])]),
            ),
            (&["GET", "list1"], Reply::Null),
            (&["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"], bulk("y")),
            (&["BRPOPLPUSH", "src", "dst", "0"], bulk("x")),
            (&["LRANGE", "dst", "0", "-1"], bulks(&["x", "y"])),
        ],
    );
}

#[test]
fn blocking_timeout_parsing_matches_redis() {
    let s = store_with(&[&["RPUSH", "l", "a", "b", "c", "d", "e"]]);
    check(
        &s,
        &[
            (&["BLPOP", "l", "abc"], err(Error::TimeoutNotFloat)),
            (&["BLPOP", "l", "nan"], err(Error::TimeoutNotFloat)),
            (&["BLPOP", "l", " 1"], err(Error::TimeoutNotFloat)),
            (&["BLPOP", "l", ""], err(Error::TimeoutNotFloat)),
            (&["BLPOP", "l", "-1"], err(Error::TimeoutNegative)),
            // Infinite or huge values overflow C's cast to long long: "negative".
            (&["BLPOP", "l", "inf"], err(Error::TimeoutNegative)),
            (&["BLPOP", "l", "-inf"], err(Error::TimeoutNegative)),
            (&["BLPOP", "l", "1e300"], err(Error::TimeoutNegative)),
            (
                &["BLPOP", "l", "9223372036854775808"],
                err(Error::TimeoutNegative),
            ),
            (&["BLPOP", "l", "1.5e2"], bulks(&["l", "a"])),
            (&["BLPOP", "l", "0.001"], bulks(&["l", "b"])),
            (
                &["BLMOVE", "l", "d", "LEFT", "LEFT", "abc"],
                err(Error::TimeoutNotFloat),
            ),
            (
                &["BLMOVE", "l", "d", "MIDDLE", "LEFT", "abc"],
                err(Error::Syntax),
            ),
            (
                &["BRPOPLPUSH", "l", "d", "-0.5"],
                err(Error::TimeoutNegative),
            ),
            // BLMPOP checks numkeys, direction and count before the timeout.
            (
                &["BLMPOP", "abc", "0", "l", "LEFT"],
                err(Error::NumkeysNotPositive),
            ),
            (&["BLMPOP", "abc", "1", "l", "MIDDLE"], err(Error::Syntax)),
            (
                &["BLMPOP", "abc", "1", "l", "LEFT"],
                err(Error::TimeoutNotFloat),
            ),
            (
                &["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0"],
                err(Error::CountNotPositive),
            ),
        ],
    );
    assert_eq!(
        Error::TimeoutNotFloat.to_string(),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        Error::TimeoutNegative.to_string(),
        "ERR timeout is negative"
    );
}

#[test]
fn blocking_commands_inside_atomically_return_the_timeout_reply_at_once() {
    let s = Store::new();
    let replies = s.atomically(0, |tx| {
        vec![
            tx.execute(&["BLPOP", "nosuch", "0"]),
            tx.execute(&["BRPOP", "nosuch", "0"]),
            tx.execute(&["BLMPOP", "0", "1", "nosuch", "LEFT"]),
            // Redis 7.0: a null *bulk* here, a null *array* after a real timeout.
            tx.execute(&["BLMOVE", "nosuch", "d", "LEFT", "LEFT", "0"]),
            tx.execute(&["BRPOPLPUSH", "nosuch", "d", "0"]),
            tx.execute(&["RPUSH", "q", "v"]),
            tx.execute(&["BLPOP", "q", "0"]),
        ]
    });
    assert_eq!(
        replies,
        vec![
            Reply::NullArray,
            Reply::NullArray,
            Reply::NullArray,
            Reply::Null,
            Reply::Null,
            int(1),
            bulks(&["q", "v"]),
        ]
    );
}

#[test]
fn command_table_entries_match_redis_7_0() {
    // (name, arity, flags) as `COMMAND INFO` prints them in Redis 7.0.15.
    use flags::*;
    for (name, arity, fl, keys) in [
        (
            "blmove",
            6,
            WRITE | DENYOOM | NOSCRIPT | BLOCKING,
            (1, 2, 1),
        ),
        ("blmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, (0, 0, 0)),
        ("blpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1)),
        ("brpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1)),
        (
            "brpoplpush",
            4,
            WRITE | DENYOOM | NOSCRIPT | BLOCKING,
            (1, 2, 1),
        ),
        ("lindex", 3, READONLY, (1, 1, 1)),
        ("linsert", 5, WRITE | DENYOOM, (1, 1, 1)),
        ("llen", 2, READONLY | FAST, (1, 1, 1)),
        ("lmove", 5, WRITE | DENYOOM, (1, 2, 1)),
        ("lmpop", -4, WRITE | MOVABLEKEYS, (0, 0, 0)),
        ("lpop", -2, WRITE | FAST, (1, 1, 1)),
        ("lpos", -3, READONLY, (1, 1, 1)),
        ("lpush", -3, WRITE | DENYOOM | FAST, (1, 1, 1)),
        ("lpushx", -3, WRITE | DENYOOM | FAST, (1, 1, 1)),
        ("lrange", 4, READONLY, (1, 1, 1)),
        ("lrem", 4, WRITE, (1, 1, 1)),
        ("lset", 4, WRITE | DENYOOM, (1, 1, 1)),
        ("ltrim", 4, WRITE, (1, 1, 1)),
        ("rpop", -2, WRITE | FAST, (1, 1, 1)),
        ("rpoplpush", 3, WRITE | DENYOOM, (1, 2, 1)),
        ("rpush", -3, WRITE | DENYOOM | FAST, (1, 1, 1)),
        ("rpushx", -3, WRITE | DENYOOM | FAST, (1, 1, 1)),
    ] {
        let spec = command::lookup(name.to_uppercase().as_bytes()).unwrap();
        assert_eq!(
            (spec.arity, spec.flags, spec.group),
            (arity, fl, "list"),
            "{name}"
        );
        assert_eq!(
            (spec.keys.first, spec.keys.last, spec.keys.step),
            keys,
            "{name}"
        );
    }
    let argv = |words: &[&str]| -> Vec<embedis::Bytes> {
        words
            .iter()
            .map(|w| embedis::Bytes::from(w.to_string()))
            .collect()
    };
    let lmpop = command::lookup(b"lmpop").unwrap();
    assert_eq!(
        lmpop
            .keys
            .key_indexes(&argv(&["LMPOP", "2", "a", "b", "LEFT"])),
        vec![2, 3]
    );
    let blmpop = command::lookup(b"blmpop").unwrap();
    assert_eq!(
        blmpop
            .keys
            .key_indexes(&argv(&["BLMPOP", "0", "2", "a", "b", "LEFT"])),
        vec![3, 4]
    );
    let blpop = command::lookup(b"blpop").unwrap();
    assert_eq!(
        blpop.keys.key_indexes(&argv(&["BLPOP", "a", "b", "0"])),
        vec![1, 2]
    );
}

// ---- the typed API ----------------------------------------------------------

#[test]
fn typed_api_matches_the_commands() {
    let s = Store::new();
    let db = s.db(0);
    assert_eq!(db.rpush("l", ["a", "b", "c"]).unwrap(), 3);
    assert_eq!(db.lpush("l", ["z"]).unwrap(), 4);
    assert_eq!(db.lpushx("nosuch", ["z"]).unwrap(), 0);
    assert_eq!(db.rpushx("l", ["d"]).unwrap(), 5);
    assert_eq!(db.lrange("l", 0, -1).unwrap(), ["z", "a", "b", "c", "d"]);
    assert_eq!(db.llen("l").unwrap(), 5);
    assert_eq!(db.lindex("l", -1).unwrap().unwrap(), "d");
    assert_eq!(db.lindex("l", 9).unwrap(), None);
    db.lset("l", 0, "y").unwrap();
    assert_eq!(db.lset("nosuch", 0, "y"), Err(Error::NoSuchKey));
    assert_eq!(db.lset("l", 10, "y"), Err(Error::IndexOutOfRange));
    assert_eq!(
        db.linsert("l", InsertPosition::After, "a", "a2").unwrap(),
        6
    );
    assert_eq!(
        db.linsert("l", InsertPosition::Before, "zz", "x").unwrap(),
        -1
    );
    assert_eq!(db.lpos("l", "b").unwrap(), Some(3));
    assert_eq!(
        db.lpos_with("l", "a", LposOptions::new().rank(0)),
        Err(Error::LposRankZero)
    );
    assert_eq!(
        db.lpos_with("l", "a", LposOptions::new().count(0)).unwrap(),
        vec![1]
    );
    assert_eq!(db.lrem("l", 0, "a2").unwrap(), 1);
    assert_eq!(db.lpop("l").unwrap().unwrap(), "y");
    assert_eq!(db.rpop("l").unwrap().unwrap(), "d");
    assert_eq!(db.lpop_count("l", 0).unwrap(), Some(vec![]));
    assert_eq!(db.lpop_count("nosuch", 2).unwrap(), None);
    assert_eq!(db.rpop_count("l", 2).unwrap().unwrap(), ["c", "b"]);
    assert_eq!(db.rpoplpush("l", "m").unwrap().unwrap(), "a");
    assert_eq!(db.llen("l").unwrap(), 0);
    assert_eq!(
        db.lmove("m", "m", Direction::Left, Direction::Right)
            .unwrap()
            .unwrap(),
        "a"
    );
    db.rpush("t", ["1", "2", "3"]).unwrap();
    db.ltrim("t", 1, 1).unwrap();
    assert_eq!(db.lrange("t", 0, -1).unwrap(), ["2"]);
    let (k, v) = db
        .lmpop(["nosuch", "t"], Direction::Left, 5)
        .unwrap()
        .unwrap();
    assert_eq!((k, v), ("t".into(), vec!["2".into()]));
    assert_eq!(
        db.lpush("l", Vec::<&str>::new()),
        Err(Error::wrong_arity("lpush"))
    );
    db.set("s", "x").unwrap();
    assert_eq!(db.lpush("s", ["a"]), Err(Error::WrongType));
    assert_eq!(db.lrange("s", 0, 1), Err(Error::WrongType));
    // Typed calls and commands see the same data.
    assert_eq!(s.execute(0, &["LRANGE", "m", "0", "-1"]), bulks(&["a"]));
}

/// LRANGE, HKEYS, HVALS and ZRANGE reply with a packed `Reply::BulkArray`,
/// SMEMBERS with a `Reply::BulkSet` and HGETALL with a `Reply::BulkMap`, which
/// the server encodes as they are; the embedding API (execute, dispatch,
/// transactions) and scripts see the plain `Array`, `Set` or `Map` of `Bulk`s,
/// so a program can match on those whatever the command.
#[test]
fn the_embedding_api_and_scripts_see_packed_replies_as_arrays() {
    let s = store_with(&[
        &["RPUSH", "l", "a", "b"],
        &["HSET", "h", "f", "v"],
        &["ZADD", "z", "1", "one", "2", "two", "3", "three"],
        &["SADD", "ints", "30", "-1", "2"],
    ]);
    let plain = |r: Reply| match r {
        Reply::Array(items) => items,
        other => panic!("not a plain array: {other:?}"),
    };
    assert_eq!(
        plain(s.execute(0, &["LRANGE", "l", "0", "-1"])),
        [bulk("a"), bulk("b")]
    );
    assert_eq!(plain(s.execute(0, &["HKEYS", "h"])), [bulk("f")]);
    assert_eq!(plain(s.execute(0, &["HVALS", "h"])), [bulk("v")]);
    assert!(plain(s.execute(0, &["LRANGE", "missing", "0", "-1"])).is_empty());
    assert_eq!(
        plain(s.execute(0, &["ZRANGE", "z", "0", "-1"])),
        [bulk("one"), bulk("two"), bulk("three")]
    );
    assert_eq!(
        plain(s.execute(
            0,
            &[
                "ZRANGE", "z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", "0", "1"
            ]
        )),
        [bulk("three")]
    );
    assert!(plain(s.execute(0, &["ZRANGE", "missing", "0", "-1"])).is_empty());
    // An intset's members in numeric order, as Redis.
    assert_eq!(
        s.execute(0, &["SMEMBERS", "ints"]),
        Reply::Set(vec![bulk("-1"), bulk("2"), bulk("30")])
    );
    assert!(matches!(s.execute(0, &["SMEMBERS", "ints"]), Reply::Set(_)));
    assert_eq!(s.execute(0, &["SMEMBERS", "missing"]), Reply::Set(vec![]));
    match s.execute(0, &["HGETALL", "h"]) {
        Reply::Map(pairs) => assert_eq!(pairs, [(bulk("f"), bulk("v"))]),
        other => panic!("HGETALL: not a plain map: {other:?}"),
    }
    let argv: Vec<bytes::Bytes> = ["LRANGE", "l", "1", "1"].map(bytes::Bytes::from).to_vec();
    match s.dispatch(0, embedis::Protocol::Resp3, argv.clone()) {
        embedis::Dispatch::Reply(r) => assert_eq!(plain(r), [bulk("b")]),
        _ => panic!("LRANGE blocked"),
    }
    s.atomically(0, |tx| {
        assert_eq!(plain(tx.execute(&["LRANGE", "l", "0", "0"])), [bulk("a")]);
        assert_eq!(plain(tx.execute_argv(argv)), [bulk("b")]);
    });
    assert_eq!(
        s.execute(
            0,
            &[
                "EVAL",
                "return redis.call('LRANGE', KEYS[1], 0, -1)",
                "1",
                "l"
            ]
        ),
        bulks(&["a", "b"])
    );
    assert_eq!(
        s.execute(
            0,
            &["EVAL", "return #redis.call('HVALS', KEYS[1])", "1", "h"]
        ),
        int(1)
    );
    // RESP2 scripts get HGETALL as a flat table of fields and values.
    assert_eq!(
        s.execute(
            0,
            &["EVAL", "return redis.call('HGETALL', KEYS[1])", "1", "h"]
        ),
        bulks(&["f", "v"])
    );
}
