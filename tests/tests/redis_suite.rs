//! Behaviour from Redis 7.0's own test suite (`tests/unit/type/*.tcl`,
//! `expire.tcl`, `multi.tcl`, `pubsub.tcl`, `keyspace.tcl`, `protocol.tcl`,
//! `scan.tcl`, `sort.tcl`), restated in our own words and run over TCP
//! against an in-process `embedis-server`.
//!
//! Replies are read with a small RESP reader of our own and shown the way
//! Redis's Tcl client shows them, so the assertions read like the
//! originals: `r("LRANGE l 0 -1") == "a b c"`, nested arrays in braces,
//! empty strings as `{}`, and nil as `(nil)` (stricter than Tcl, which can't
//! tell nil from empty). `err(..)` expects an error reply and returns its line.
//!
//! `EMBEDIS_SUITE_ORACLE=redis-server cargo test -p embedis-tests --test
//! redis_suite` runs the same tests against a real redis-server 7.0, to
//! check the tests themselves.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use embedis_tests::{RedisServer, TestServer};

// ---- harness -----------------------------------------------------------------

/// The server under test: embedis in-process, or redis-server as the oracle.
enum Target {
    Embedis(TestServer),
    Redis(RedisServer),
}

impl Target {
    fn start() -> Target {
        if std::env::var("EMBEDIS_SUITE_ORACLE").as_deref() == Ok("redis-server") {
            Target::Redis(RedisServer::start().unwrap())
        } else {
            Target::Embedis(TestServer::start())
        }
    }

    fn conn(&self) -> Conn {
        let addr = match self {
            Target::Embedis(s) => s.addr,
            Target::Redis(s) => s.addr,
        };
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        }
    }
}

/// A decoded reply (RESP2 and RESP3).
#[derive(Debug, Clone, PartialEq)]
enum V {
    Simple(String),
    Err(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    NilArray,
    Array(Vec<V>),
    Map(Vec<(V, V)>),
    Set(Vec<V>),
    Double(String),
    Bool(bool),
    Push(Vec<V>),
    Verbatim(String),
}

impl V {
    /// Tcl-like rendering: what Redis's test client would return.
    fn show(&self) -> String {
        fn word(v: &V) -> String {
            let s = v.show();
            match v {
                V::Array(_) | V::Map(_) | V::Set(_) | V::Push(_) => format!("{{{s}}}"),
                _ if s.is_empty() || s.contains(' ') => format!("{{{s}}}"),
                _ => s,
            }
        }
        match self {
            V::Simple(s) | V::Err(s) | V::Double(s) | V::Verbatim(s) => s.clone(),
            V::Int(n) => n.to_string(),
            V::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            V::Nil | V::NilArray => "(nil)".into(),
            V::Bool(b) => u8::from(*b).to_string(),
            V::Array(items) | V::Set(items) | V::Push(items) => {
                items.iter().map(word).collect::<Vec<_>>().join(" ")
            }
            V::Map(pairs) => pairs
                .iter()
                .flat_map(|(k, v)| [word(k), word(v)])
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    /// Sends one command, as separate arguments.
    fn send(&mut self, argv: &[&[u8]]) {
        let mut out = format!("*{}\r\n", argv.len()).into_bytes();
        for a in argv {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&out).unwrap();
    }

    fn send_line(&mut self, line: &str) {
        let words: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        self.send(&words);
    }

    fn read(&mut self) -> V {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        assert!(line.ends_with("\r\n"), "truncated reply line {line:?}");
        let (kind, rest) = line[..line.len() - 2].split_at(1);
        let n = || rest.parse::<i64>().unwrap();
        match kind {
            "+" => V::Simple(rest.into()),
            "-" => V::Err(rest.into()),
            ":" => V::Int(n()),
            "_" => V::Nil,
            "," => V::Double(rest.into()),
            "#" => V::Bool(rest == "t"),
            "(" => V::Simple(rest.into()),
            "$" | "=" | "!" => {
                if n() < 0 {
                    return V::Nil;
                }
                let mut buf = vec![0; n() as usize + 2];
                self.reader.read_exact(&mut buf).unwrap();
                buf.truncate(buf.len() - 2);
                match kind {
                    "$" => V::Bulk(buf),
                    "!" => V::Err(String::from_utf8(buf).unwrap()),
                    _ => V::Verbatim(String::from_utf8_lossy(&buf[4..]).into_owned()),
                }
            }
            "*" | "~" | ">" => {
                if n() < 0 {
                    return V::NilArray;
                }
                let items = (0..n()).map(|_| self.read()).collect();
                match kind {
                    "*" => V::Array(items),
                    "~" => V::Set(items),
                    _ => V::Push(items),
                }
            }
            "%" => V::Map((0..n()).map(|_| (self.read(), self.read())).collect()),
            _ => panic!("unexpected reply line {line:?}"),
        }
    }

    /// Runs a command (words split on whitespace) and returns its reply.
    fn v(&mut self, line: &str) -> V {
        self.send_line(line);
        self.read()
    }

    /// Runs a command and renders its reply; panics on an error reply.
    #[track_caller]
    fn r(&mut self, line: &str) -> String {
        match self.v(line) {
            V::Err(e) => panic!("{line}: unexpected error reply {e:?}"),
            v => v.show(),
        }
    }

    /// Like [`Conn::r`] with arguments that may hold spaces or any bytes.
    #[track_caller]
    fn q(&mut self, argv: &[&[u8]]) -> String {
        self.send(argv);
        match self.read() {
            V::Err(e) => panic!("{argv:?}: unexpected error reply {e:?}"),
            v => v.show(),
        }
    }

    /// Runs a command that must fail; returns the error line.
    #[track_caller]
    fn err(&mut self, line: &str) -> String {
        match self.v(line) {
            V::Err(e) => e,
            v => panic!("{line}: expected an error, got {v:?}"),
        }
    }

    /// Runs several commands, ignoring their replies (must not be errors).
    #[track_caller]
    fn all(&mut self, lines: &[&str]) {
        for l in lines {
            self.r(l);
        }
    }
}

fn setup() -> (Target, Conn) {
    let t = Target::start();
    let c = t.conn();
    (t, c)
}

/// Waits until `INFO clients` shows `n` blocked clients.
fn wait_blocked(c: &mut Conn, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let info = c.r("INFO clients");
        if info.contains(&format!("blocked_clients:{n}\r\n")) {
            return;
        }
        assert!(Instant::now() < deadline, "never saw {n} blocked clients");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn sorted(s: String) -> String {
    let mut w: Vec<&str> = s.split(' ').collect();
    w.sort_unstable();
    w.join(" ")
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

// ---- type/string.tcl, type/incr.tcl ---------------------------------------------

#[test]
fn string_set_get_roundtrip_and_overwrite() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("SET x foobar"), "OK");
    assert_eq!(c.r("GET x"), "foobar");
    assert_eq!(c.r("SET x newval"), "OK");
    assert_eq!(c.r("GET x"), "newval");
    assert_eq!(c.q(&[b"SET", b"x", b""]), "OK");
    assert_eq!(c.v("GET x"), V::Bulk(vec![]));
    assert_eq!(c.v("GET nokey"), V::Nil);
}

#[test]
fn string_binary_values_of_every_byte_survive() {
    let (_t, mut c) = setup();
    let blob: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    c.q(&[b"SET", b"bin", &blob]);
    c.send(&[b"GET", b"bin"]);
    assert_eq!(c.read(), V::Bulk(blob));
}

#[test]
fn setnx_only_sets_a_missing_key_and_an_expired_one_counts_as_missing() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("SETNX novar foobared"), "1");
    assert_eq!(c.r("SETNX novar blabla"), "0");
    assert_eq!(c.r("GET novar"), "foobared");
    c.all(&["SET x 10", "PEXPIREAT x 1"]);
    assert_eq!(c.r("SETNX x 20"), "1");
    assert_eq!(c.r("GET x"), "20");
}

#[test]
fn mset_msetnx_and_mget_with_missing_keys() {
    let (_t, mut c) = setup();
    c.all(&["SET foo BAR", "SET bar FOO"]);
    assert_eq!(c.r("MGET foo bar nokey"), "BAR FOO (nil)");
    c.r("RPUSH mylist a");
    assert_eq!(c.r("MGET foo mylist"), "BAR (nil)");
    assert_eq!(
        c.err("MSET x 10 y"),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(c.r("MSETNX x1 xxx y2 yyy x yyy"), "1");
    assert_eq!(c.r("MSETNX x1 zzz k2 kkk"), "0");
    assert_eq!(c.r("MGET x1 y2 k2"), "xxx yyy (nil)");
}

#[test]
fn getset_getdel_getex_and_set_get_option() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("GETSET k v1"), "(nil)");
    assert_eq!(c.r("GETSET k v2"), "v1");
    assert_eq!(c.r("SET k v3 GET"), "v2");
    assert_eq!(c.r("SET nx-key v NX GET"), "(nil)");
    assert_eq!(c.r("GETDEL k"), "v3");
    assert_eq!(c.r("EXISTS k"), "0");
    c.r("SET e v");
    assert_eq!(c.r("GETEX e EX 100"), "v");
    assert_eq!(c.r("TTL e"), "100");
    assert_eq!(c.r("GETEX e PERSIST"), "v");
    assert_eq!(c.r("TTL e"), "-1");
    assert_eq!(c.err("GETEX e EX 10 PX 1"), "ERR syntax error");
    c.r("LPUSH l a");
    assert_eq!(c.err("SET l x GET"), WRONGTYPE);
}

#[test]
fn set_options_reject_bad_combinations_and_expire_values() {
    let (_t, mut c) = setup();
    assert_eq!(c.err("SET foo bar NX XX"), "ERR syntax error");
    assert_eq!(c.err("SET foo bar EX 10 PX 100"), "ERR syntax error");
    assert_eq!(
        c.err("SET foo bar EX 0"),
        "ERR invalid expire time in 'set' command"
    );
    assert_eq!(
        c.err("SET foo bar PX -1"),
        "ERR invalid expire time in 'set' command"
    );
    assert_eq!(c.err("SET foo bar EX abc"), NOT_INTEGER);
    assert_eq!(c.err("SET foo bar KEEPTTL EX 5"), "ERR syntax error");
    assert_eq!(c.r("SET foo bar XX"), "(nil)");
}

#[test]
fn append_strlen_setrange_getrange() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("APPEND foo bar"), "3");
    assert_eq!(c.r("APPEND foo 100"), "6");
    assert_eq!(c.r("GET foo"), "bar100");
    assert_eq!(c.r("STRLEN foo"), "6");
    assert_eq!(c.r("STRLEN nokey"), "0");
    c.r("SET mykey hello");
    assert_eq!(c.r("SETRANGE mykey 1 a"), "5");
    assert_eq!(c.r("GET mykey"), "hallo");
    assert_eq!(c.r("SETRANGE fresh 5 x"), "6");
    assert_eq!(c.v("GET fresh"), V::Bulk(b"\0\0\0\0\0x".to_vec()));
    assert_eq!(c.q(&[b"SETRANGE", b"nokey", b"0", b""]), "0");
    assert_eq!(c.r("EXISTS nokey"), "0");
    assert_eq!(
        c.err("SETRANGE mykey 536870912 x"),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
    assert_eq!(c.err("SETRANGE mykey -1 x"), "ERR offset is out of range");
    c.r("SET n 1234");
    assert_eq!(c.r("SETRANGE n 0 2"), "4");
    assert_eq!(c.r("GET n"), "2234");
    c.r("SET s Hello");
    assert_eq!(c.r("GETRANGE s 0 -1"), "Hello");
    assert_eq!(c.r("GETRANGE s -3 -1"), "llo");
    assert_eq!(c.v("GETRANGE s 5 3"), V::Bulk(vec![]));
    assert_eq!(c.r("GETRANGE s 0 9223372036854775807"), "Hello");
    assert_eq!(c.r("GETRANGE s -9223372036854775808 -1"), "Hello");
    assert_eq!(c.v("GETRANGE nokey 0 -1"), V::Bulk(vec![]));
}

#[test]
fn incr_family_parses_strictly_and_detects_overflow() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("INCR novar"), "1");
    assert_eq!(c.r("INCRBY novar 2"), "3");
    assert_eq!(c.r("INCRBY novar -4"), "-1");
    assert_eq!(c.r("DECRBY novar 10"), "-11");
    c.r("SET novar 17179869184");
    assert_eq!(c.r("INCR novar"), "17179869185");
    for bad in [" 11", "11 ", "1e3", "0x10", ""] {
        c.q(&[b"SET", b"bad", bad.as_bytes()]);
        assert_eq!(c.err("INCR bad"), NOT_INTEGER, "{bad:?}");
    }
    c.r("SET big 9223372036854775807");
    assert_eq!(
        c.err("INCR big"),
        "ERR increment or decrement would overflow"
    );
    c.r("SET small -9223372036854775808");
    assert_eq!(
        c.err("DECR small"),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(
        c.err("DECRBY x -9223372036854775808"),
        "ERR decrement would overflow"
    );
    c.r("RPUSH mylist 1");
    assert_eq!(c.err("INCR mylist"), WRONGTYPE);
}

#[test]
fn incrbyfloat_prints_like_redis_and_refuses_nan_and_infinity() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("INCRBYFLOAT novar 1"), "1");
    assert_eq!(c.r("INCRBYFLOAT novar 0.25"), "1.25");
    c.r("SET f 10.5");
    assert_eq!(c.r("INCRBYFLOAT f 0.1"), "10.6");
    assert_eq!(c.r("INCRBYFLOAT f -1.1"), "9.5");
    c.r("SET e 5.0e3");
    assert_eq!(c.r("INCRBYFLOAT e 2.0e2"), "5200");
    c.r("SET z 1");
    assert_eq!(c.r("INCRBYFLOAT z -1"), "0");
    assert_eq!(c.r("INCRBYFLOAT neg -1.5"), "-1.5");
    assert_eq!(
        c.err("INCRBYFLOAT z +inf"),
        "ERR increment would produce NaN or Infinity"
    );
    c.r("SET s abc");
    assert_eq!(c.err("INCRBYFLOAT s 1"), "ERR value is not a valid float");
    c.q(&[b"SET", b"sp", b" 11"]);
    assert_eq!(c.err("INCRBYFLOAT sp 1"), "ERR value is not a valid float");
}

#[test]
fn lcs_finds_the_longest_common_subsequence() {
    let (_t, mut c) = setup();
    c.all(&["SET virus1 ohmytext", "SET virus2 mynewtext"]);
    assert_eq!(c.r("LCS virus1 virus2"), "mytext");
    assert_eq!(c.r("LCS virus1 virus2 LEN"), "6");
    assert_eq!(
        c.r("LCS virus1 virus2 IDX"),
        "matches {{{4 7} {5 8}} {{2 3} {0 1}}} len 6"
    );
    assert_eq!(
        c.r("LCS virus1 virus2 IDX MINMATCHLEN 3 WITHMATCHLEN"),
        "matches {{{4 7} {5 8} 4}} len 6"
    );
}

// ---- type/list.tcl ------------------------------------------------------------

#[test]
fn list_push_pop_index_and_length() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("LPUSH mylist a"), "1");
    assert_eq!(c.r("RPUSH mylist b"), "2");
    assert_eq!(c.r("RPUSH mylist c"), "3");
    assert_eq!(c.r("LLEN mylist"), "3");
    assert_eq!(c.r("LINDEX mylist 0"), "a");
    assert_eq!(c.r("LINDEX mylist -1"), "c");
    assert_eq!(c.r("LINDEX mylist 100"), "(nil)");
    assert_eq!(c.r("RPOP mylist"), "c");
    assert_eq!(c.r("LPOP mylist"), "a");
    assert_eq!(c.r("RPUSH v a b c d"), "4");
    assert_eq!(c.r("LPUSH v x y"), "6");
    assert_eq!(c.r("LRANGE v 0 -1"), "y x a b c d");
}

#[test]
fn lpop_rpop_count_argument() {
    let (_t, mut c) = setup();
    c.r("RPUSH l a b c d");
    assert_eq!(c.r("LPOP l 2"), "a b");
    assert_eq!(c.r("RPOP l 1"), "d");
    assert_eq!(c.v("LPOP l 0"), V::Array(vec![]));
    assert_eq!(c.r("LPOP l 10"), "c");
    assert_eq!(c.r("EXISTS l"), "0");
    assert_eq!(c.v("LPOP l"), V::Nil);
    // A missing key with a count is a nil *array* in RESP2.
    assert_eq!(c.v("LPOP l 3"), V::NilArray);
    assert_eq!(
        c.err("LPOP l -1"),
        "ERR value is out of range, must be positive"
    );
    assert_eq!(
        c.err("LPOP l 1 2"),
        "ERR wrong number of arguments for 'lpop' command"
    );
}

#[test]
fn lpos_rank_count_and_maxlen() {
    let (_t, mut c) = setup();
    c.r("RPUSH l a b c 1 2 3 c c");
    assert_eq!(c.r("LPOS l a"), "0");
    assert_eq!(c.r("LPOS l c"), "2");
    assert_eq!(c.r("LPOS l c RANK 1"), "2");
    assert_eq!(c.r("LPOS l c RANK 2"), "6");
    assert_eq!(c.r("LPOS l c RANK 4"), "(nil)");
    assert_eq!(c.r("LPOS l c RANK -1"), "7");
    assert_eq!(c.r("LPOS l c RANK -2"), "6");
    assert_eq!(
        c.err("LPOS l c RANK 0"),
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
    );
    assert_eq!(c.r("LPOS l c COUNT 0"), "2 6 7");
    assert_eq!(c.r("LPOS l c COUNT 2"), "2 6");
    assert_eq!(c.r("LPOS l c COUNT 2 RANK -1"), "7 6");
    assert_eq!(c.r("LPOS l c COUNT 0 MAXLEN 7"), "2 6");
    assert_eq!(c.r("LPOS l x"), "(nil)");
    assert_eq!(c.v("LPOS l x COUNT 5"), V::Array(vec![]));
    assert_eq!(c.r("LPOS nokey x"), "(nil)");
}

#[test]
fn lrange_ltrim_lset_lrem_linsert() {
    let (_t, mut c) = setup();
    c.r("RPUSH l 1 2 3 4 5 6 7 8 9");
    assert_eq!(c.r("LRANGE l 1 -2"), "2 3 4 5 6 7 8");
    assert_eq!(c.r("LRANGE l -3 -1"), "7 8 9");
    assert_eq!(c.r("LRANGE l 4 4"), "5");
    assert_eq!(c.r("LRANGE l 6 2"), "");
    assert_eq!(c.r("LRANGE l -1000 1000"), "1 2 3 4 5 6 7 8 9");
    assert_eq!(c.r("LRANGE l 0 -10"), "");
    assert_eq!(c.r("LTRIM l 0 -3"), "OK");
    assert_eq!(c.r("LRANGE l 0 -1"), "1 2 3 4 5 6 7");
    assert_eq!(c.r("LSET l 1 foo"), "OK");
    assert_eq!(c.r("LSET l -1 bar"), "OK");
    assert_eq!(c.r("LRANGE l 0 -1"), "1 foo 3 4 5 6 bar");
    assert_eq!(c.err("LSET l 10 foo"), "ERR index out of range");
    assert_eq!(c.err("LSET nosuchkey 10 foo"), "ERR no such key");
    c.all(&["DEL l", "RPUSH l foo bar foobar foobared zap bar test foo"]);
    assert_eq!(c.r("LREM l 0 bar"), "2");
    assert_eq!(c.r("LREM l 1 foo"), "1");
    assert_eq!(c.r("LREM l -1 foo"), "1");
    assert_eq!(c.r("LRANGE l 0 -1"), "foobar foobared zap test");
    assert_eq!(c.r("LINSERT l BEFORE zap a"), "5");
    assert_eq!(c.r("LINSERT l AFTER test z"), "6");
    assert_eq!(c.r("LINSERT l AFTER nothere z"), "-1");
    assert_eq!(c.r("LINSERT nokey AFTER a b"), "0");
    assert_eq!(c.err("LINSERT l XAFTER a b"), "ERR syntax error");
    assert_eq!(c.r("LRANGE l 0 -1"), "foobar foobared a zap test z");
    c.r("SET s x");
    assert_eq!(c.err("LLEN s"), WRONGTYPE);
    assert_eq!(c.err("LINDEX s 0"), WRONGTYPE);
    assert_eq!(c.err("LPUSH s 0"), WRONGTYPE);
}

#[test]
fn pushx_only_pushes_onto_existing_lists() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("RPUSHX xlist a"), "0");
    assert_eq!(c.r("LLEN xlist"), "0");
    c.r("RPUSH xlist b");
    assert_eq!(c.r("RPUSHX xlist c d"), "3");
    assert_eq!(c.r("LPUSHX xlist a"), "4");
    assert_eq!(c.r("LRANGE xlist 0 -1"), "a b c d");
}

#[test]
fn lmove_and_rpoplpush_including_same_list_rotation() {
    let (_t, mut c) = setup();
    c.r("RPUSH src a b c d");
    assert_eq!(c.r("RPOPLPUSH src dst"), "d");
    assert_eq!(c.r("LMOVE src dst LEFT RIGHT"), "a");
    assert_eq!(c.r("LRANGE dst 0 -1"), "d a");
    assert_eq!(c.r("LMOVE src src RIGHT LEFT"), "c");
    assert_eq!(c.r("LRANGE src 0 -1"), "c b");
    assert_eq!(c.r("RPOPLPUSH nokey dst"), "(nil)");
    c.r("SET str x");
    assert_eq!(c.err("RPOPLPUSH src str"), WRONGTYPE);
    assert_eq!(c.r("LRANGE src 0 -1"), "c b");
    assert_eq!(c.err("LMOVE src dst UP DOWN"), "ERR syntax error");
}

#[test]
fn lmpop_pops_from_the_first_non_empty_list() {
    let (_t, mut c) = setup();
    c.all(&["RPUSH b 1 2 3", "RPUSH c x"]);
    assert_eq!(c.r("LMPOP 3 a b c LEFT"), "b {1}");
    assert_eq!(c.r("LMPOP 3 a b c RIGHT COUNT 10"), "b {3 2}");
    assert_eq!(c.r("LMPOP 2 a b LEFT"), "(nil)");
    assert_eq!(
        c.err("LMPOP 0 a LEFT"),
        "ERR numkeys should be greater than 0"
    );
    assert_eq!(c.err("LMPOP 1 a MIDDLE"), "ERR syntax error");
    assert_eq!(
        c.err("LMPOP 1 c LEFT COUNT 0"),
        "ERR count should be greater than 0"
    );
}

#[test]
fn blpop_returns_at_once_when_data_exists_and_times_out_with_nil_array() {
    let (_t, mut c) = setup();
    c.all(&["RPUSH blist1 a b c", "RPUSH blist2 d e f"]);
    assert_eq!(c.r("BLPOP blist1 blist2 1"), "blist1 a");
    assert_eq!(c.r("BRPOP blist1 blist2 1"), "blist1 c");
    assert_eq!(c.r("BLPOP nolist blist2 1"), "blist2 d");
    assert_eq!(c.v("BLPOP nolist 0.01"), V::NilArray);
    assert_eq!(c.err("BLPOP blist1 -1"), "ERR timeout is negative");
    assert_eq!(
        c.err("BLPOP blist1 abc"),
        "ERR timeout is not a float or out of range"
    );
    c.r("SET s x");
    assert_eq!(c.err("BLPOP s 1"), WRONGTYPE);
}

#[test]
fn blpop_is_served_by_a_push_from_another_client() {
    let (t, mut c) = setup();
    let mut waiter = t.conn();
    waiter.send_line("BLPOP blist 5");
    wait_blocked(&mut c, 1);
    assert_eq!(c.r("RPUSH blist foo bar"), "2");
    assert_eq!(waiter.read().show(), "blist foo");
    assert_eq!(c.r("LRANGE blist 0 -1"), "bar");
}

#[test]
fn blocked_clients_are_served_in_arrival_order() {
    let (t, mut c) = setup();
    let mut first = t.conn();
    let mut second = t.conn();
    first.send_line("BRPOP q 5");
    wait_blocked(&mut c, 1);
    second.send_line("BRPOP q 5");
    wait_blocked(&mut c, 2);
    c.r("LPUSH q 1 2");
    assert_eq!(first.read().show(), "q 1");
    assert_eq!(second.read().show(), "q 2");
}

#[test]
fn lpush_then_del_in_a_transaction_does_not_wake_a_blocked_client() {
    let (t, mut c) = setup();
    let mut waiter = t.conn();
    waiter.send_line("BLPOP blist 5");
    wait_blocked(&mut c, 1);
    c.all(&["MULTI", "LPUSH blist foo", "DEL blist"]);
    assert_eq!(c.r("EXEC"), "1 1");
    c.r("LPUSH blist later");
    assert_eq!(waiter.read().show(), "blist later");
}

#[test]
fn blmove_unblocks_and_feeds_a_client_blocked_on_the_target() {
    let (t, mut c) = setup();
    let mut on_target = t.conn();
    on_target.send_line("BLPOP target 5");
    wait_blocked(&mut c, 1);
    let mut mover = t.conn();
    mover.send_line("BLMOVE source target RIGHT LEFT 5");
    wait_blocked(&mut c, 2);
    c.r("RPUSH source x");
    assert_eq!(mover.read().show(), "x");
    assert_eq!(on_target.read().show(), "target x");
    assert_eq!(c.r("EXISTS source target"), "0");
}

#[test]
fn blpop_inside_multi_does_not_block() {
    let (_t, mut c) = setup();
    c.all(&["MULTI", "BLPOP empty 0", "RPUSH full a", "BLPOP full 0"]);
    assert_eq!(c.r("EXEC"), "(nil) 1 {full a}");
}

// ---- type/hash.tcl ------------------------------------------------------------

#[test]
fn hash_set_get_and_counts() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("HSET h f1 v1 f2 v2"), "2");
    assert_eq!(c.r("HSET h f1 x f3 v3"), "1");
    assert_eq!(c.r("HGET h f1"), "x");
    assert_eq!(c.r("HGET h nofield"), "(nil)");
    assert_eq!(c.r("HGET nokey f"), "(nil)");
    assert_eq!(c.r("HLEN h"), "3");
    assert_eq!(c.r("HMGET h f1 nofield f3"), "x (nil) v3");
    assert_eq!(c.r("HMGET nokey a b"), "(nil) (nil)");
    assert_eq!(c.r("HSETNX h f1 y"), "0");
    assert_eq!(c.r("HSETNX h f4 y"), "1");
    assert_eq!(c.r("HMSET h a 1 b 2"), "OK");
    assert_eq!(
        c.err("HSET h a"),
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(
        c.err("HMSET h a 1 b"),
        "ERR wrong number of arguments for 'hmset' command"
    );
    assert_eq!(c.r("HSTRLEN h f3"), "2");
    assert_eq!(c.r("HSTRLEN h nofield"), "0");
    assert_eq!(c.r("HEXISTS h f1"), "1");
    assert_eq!(c.r("HEXISTS h zz"), "0");
}

#[test]
fn hdel_removes_fields_and_the_key_when_empty() {
    let (_t, mut c) = setup();
    c.r("HSET h a 1 b 2 c 3");
    assert_eq!(c.r("HDEL h a nofield"), "1");
    assert_eq!(c.r("HDEL h b c"), "2");
    assert_eq!(c.r("EXISTS h"), "0");
    c.r("SET s x");
    assert_eq!(c.err("HGET s a"), WRONGTYPE);
}

#[test]
fn hgetall_hkeys_hvals_agree() {
    let (_t, mut c) = setup();
    c.r("HSET h z 1 a 2 m 3");
    assert_eq!(sorted(c.r("HKEYS h")), "a m z");
    assert_eq!(sorted(c.r("HVALS h")), "1 2 3");
    let all = c.r("HGETALL h");
    let w: Vec<&str> = all.split(' ').collect();
    let mut pairs: Vec<(&str, &str)> = w.chunks(2).map(|p| (p[0], p[1])).collect();
    pairs.sort_unstable();
    assert_eq!(pairs, [("a", "2"), ("m", "3"), ("z", "1")]);
    assert_eq!(c.r("HGETALL nokey"), "");
}

#[test]
fn hincrby_and_hincrbyfloat_check_values_and_overflow() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("HINCRBY h n 2"), "2");
    assert_eq!(c.r("HINCRBY h n -5"), "-3");
    c.r("HSET h big 9223372036854775807 s abc");
    assert_eq!(
        c.err("HINCRBY h big 1"),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(c.err("HINCRBY h s 1"), "ERR hash value is not an integer");
    assert_eq!(c.err("HINCRBY h n x"), NOT_INTEGER);
    assert_eq!(c.r("HINCRBYFLOAT h f 1.5"), "1.5");
    assert_eq!(c.r("HINCRBYFLOAT h f 3.0e3"), "3001.5");
    assert_eq!(c.err("HINCRBYFLOAT h s 1"), "ERR hash value is not a float");
    assert_eq!(
        c.err("HINCRBYFLOAT h f +inf"),
        "ERR value is NaN or Infinity"
    );
}

#[test]
fn hrandfield_counts_and_withvalues() {
    let (_t, mut c) = setup();
    c.r("HSET h a 1 b 2 c 3");
    assert_eq!(sorted(c.r("HRANDFIELD h 5")), "a b c");
    assert_eq!(c.r("HRANDFIELD h -6").split(' ').count(), 6);
    assert_eq!(c.r("HRANDFIELD h 2 WITHVALUES").split(' ').count(), 4);
    assert_eq!(c.v("HRANDFIELD h 0"), V::Array(vec![]));
    assert_eq!(c.r("HRANDFIELD nokey"), "(nil)");
    assert_eq!(c.v("HRANDFIELD nokey 3"), V::Array(vec![]));
}

// ---- type/set.tcl ------------------------------------------------------------

#[test]
fn set_add_remove_members_and_cardinality() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("SADD s foo"), "1");
    assert_eq!(c.r("SADD s bar foo baz"), "2");
    assert_eq!(sorted(c.r("SMEMBERS s")), "bar baz foo");
    assert_eq!(c.r("SISMEMBER s foo"), "1");
    assert_eq!(c.r("SISMEMBER s nope"), "0");
    assert_eq!(c.r("SMISMEMBER s foo nope bar"), "1 0 1");
    assert_eq!(c.r("SMISMEMBER nokey a"), "0");
    assert_eq!(
        c.err("SMISMEMBER s"),
        "ERR wrong number of arguments for 'smismember' command"
    );
    assert_eq!(c.r("SCARD s"), "3");
    assert_eq!(c.r("SREM s foo nope"), "1");
    assert_eq!(c.r("SREM s bar baz"), "2");
    assert_eq!(c.r("EXISTS s"), "0");
    c.r("SET str x");
    assert_eq!(c.err("SADD str a"), WRONGTYPE);
}

#[test]
fn set_algebra_and_store_variants() {
    let (_t, mut c) = setup();
    c.all(&["SADD s1 1 2 3 4", "SADD s2 3 4 5 6", "SADD s3 4 6 7"]);
    // Integer sets come back in ascending order, as Redis's intsets do.
    assert_eq!(c.r("SINTER s1 s2"), "3 4");
    assert_eq!(c.r("SINTER s1 s2 s3"), "4");
    assert_eq!(c.r("SINTER s1 nokey"), "");
    assert_eq!(sorted(c.r("SUNION s1 s2")), "1 2 3 4 5 6");
    assert_eq!(c.r("SDIFF s1 s2"), "1 2");
    assert_eq!(c.r("SDIFF s1 s2 s3"), "1 2");
    assert_eq!(c.r("SINTERSTORE dst s1 s2"), "2");
    assert_eq!(c.r("SMEMBERS dst"), "3 4");
    assert_eq!(c.r("SINTERSTORE dst s1 nokey"), "0");
    assert_eq!(c.r("EXISTS dst"), "0");
    assert_eq!(c.r("SUNIONSTORE dst s1 s3"), "6");
    assert_eq!(c.r("SDIFFSTORE dst s1 s1"), "0");
    assert_eq!(c.r("EXISTS dst"), "0");
    assert_eq!(c.r("SINTERCARD 2 s1 s2"), "2");
    assert_eq!(c.r("SINTERCARD 2 s1 s2 LIMIT 1"), "1");
    assert_eq!(
        c.err("SINTERCARD 0 s1"),
        "ERR numkeys should be greater than 0"
    );
    c.r("SET str x");
    assert_eq!(c.err("SINTER s1 str"), WRONGTYPE);
}

#[test]
fn smove_moves_between_sets_and_checks_types() {
    let (_t, mut c) = setup();
    c.all(&["SADD src a b", "SADD dst c"]);
    assert_eq!(c.r("SMOVE src dst a"), "1");
    assert_eq!(c.r("SMOVE src dst nope"), "0");
    assert_eq!(c.r("SMOVE src dst b"), "1");
    assert_eq!(c.r("EXISTS src"), "0");
    assert_eq!(sorted(c.r("SMEMBERS dst")), "a b c");
    assert_eq!(c.r("SMOVE dst dst a"), "1");
    c.r("SET str x");
    assert_eq!(c.err("SMOVE dst str a"), WRONGTYPE);
    assert_eq!(c.r("SCARD dst"), "3");
}

#[test]
fn spop_and_srandmember_with_counts() {
    let (_t, mut c) = setup();
    c.r("SADD s a b c d e");
    assert_eq!(c.r("SRANDMEMBER s 10").split(' ').count(), 5);
    assert_eq!(c.r("SRANDMEMBER s -10").split(' ').count(), 10);
    assert_eq!(c.v("SRANDMEMBER s 0"), V::Array(vec![]));
    assert_eq!(c.r("SPOP s 2").split(' ').count(), 2);
    assert_eq!(c.r("SCARD s"), "3");
    assert_eq!(c.r("SPOP s 10").split(' ').count(), 3);
    assert_eq!(c.r("EXISTS s"), "0");
    assert_eq!(c.r("SPOP s"), "(nil)");
    assert_eq!(c.v("SPOP s 3"), V::Array(vec![]));
    assert_eq!(
        c.err("SPOP s -1"),
        "ERR value is out of range, must be positive"
    );
}

// ---- type/zset.tcl ------------------------------------------------------------

#[test]
fn zadd_flags_and_their_conflicts() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("ZADD z 10 x 20 y 30 z"), "3");
    assert_eq!(c.r("ZADD z XX 5 x 1 new"), "0");
    assert_eq!(c.r("ZSCORE z x"), "5");
    assert_eq!(c.r("ZSCORE z new"), "(nil)");
    assert_eq!(c.r("ZADD z NX 1 x 1 new"), "1");
    assert_eq!(c.r("ZSCORE z x"), "5");
    assert_eq!(c.r("ZADD z CH 6 x 20 y 7 w"), "2");
    assert_eq!(c.r("ZADD z GT CH 1 x 100 y"), "1");
    assert_eq!(c.r("ZADD z LT CH 1 x 200 y"), "1");
    assert_eq!(c.r("ZADD z INCR 2 x"), "3");
    assert_eq!(c.r("ZADD z NX INCR 2 x"), "(nil)");
    assert_eq!(
        c.err("ZADD z NX XX 1 a"),
        "ERR XX and NX options at the same time are not compatible"
    );
    assert_eq!(
        c.err("ZADD z GT LT 1 a"),
        "ERR GT, LT, and/or NX options at the same time are not compatible"
    );
    assert_eq!(
        c.err("ZADD z INCR 1 a 2 b"),
        "ERR INCR option supports a single increment-element pair"
    );
    assert_eq!(c.err("ZADD z 1 a 2"), "ERR syntax error");
    assert_eq!(c.err("ZADD z nan a"), "ERR value is not a valid float");
    c.r("SET s x");
    assert_eq!(c.err("ZADD s 1 a"), WRONGTYPE);
}

#[test]
fn zset_scores_format_like_redis_including_infinities() {
    let (_t, mut c) = setup();
    c.r("ZADD z -inf lo +inf hi 1.5 a 0.1 b 1e20 c");
    assert_eq!(
        c.r("ZRANGE z 0 -1 WITHSCORES"),
        "lo -inf b 0.10000000000000001 a 1.5 c 1e+20 hi inf"
    );
    assert_eq!(c.r("ZINCRBY z 1 b"), "1.1000000000000001");
    assert_eq!(
        c.err("ZINCRBY z -inf hi"),
        "ERR resulting score is not a number (NaN)"
    );
}

#[test]
fn zrange_by_rank_score_and_lex_with_limits() {
    let (_t, mut c) = setup();
    c.r("ZADD z 1 a 2 b 3 c 4 d 5 e");
    assert_eq!(c.r("ZRANGE z 0 -1"), "a b c d e");
    assert_eq!(c.r("ZRANGE z -2 -1 WITHSCORES"), "d 4 e 5");
    assert_eq!(c.r("ZREVRANGE z 0 1"), "e d");
    assert_eq!(c.r("ZRANGEBYSCORE z (2 4"), "c d");
    assert_eq!(c.r("ZRANGEBYSCORE z -inf +inf LIMIT 1 2"), "b c");
    assert_eq!(c.r("ZREVRANGEBYSCORE z 4 (2"), "d c");
    assert_eq!(c.r("ZRANGE z (1 3 BYSCORE"), "b c");
    assert_eq!(c.r("ZRANGE z 5 1 BYSCORE REV LIMIT 0 2"), "e d");
    assert_eq!(
        c.err("ZRANGEBYSCORE z a b"),
        "ERR min or max is not a float"
    );
    c.r("ZADD l 0 a 0 b 0 c 0 d 0 e");
    assert_eq!(c.r("ZRANGEBYLEX l [b (d"), "b c");
    assert_eq!(c.r("ZRANGEBYLEX l - +"), "a b c d e");
    assert_eq!(c.r("ZREVRANGEBYLEX l + [c"), "e d c");
    assert_eq!(c.r("ZLEXCOUNT l (a [c"), "2");
    assert_eq!(
        c.err("ZRANGEBYLEX l b d"),
        "ERR min or max not valid string range item"
    );
    assert_eq!(
        c.err("ZRANGE z 0 1 LIMIT 0 1"),
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    );
}

#[test]
fn zrank_zcount_zrem_and_range_removal() {
    let (_t, mut c) = setup();
    c.r("ZADD z 1 a 2 b 3 c 4 d 5 e");
    assert_eq!(c.r("ZRANK z c"), "2");
    assert_eq!(c.r("ZREVRANK z c"), "2");
    assert_eq!(c.r("ZRANK z nope"), "(nil)");
    assert_eq!(c.r("ZCOUNT z 2 4"), "3");
    assert_eq!(c.r("ZCOUNT z (2 (4"), "1");
    assert_eq!(c.r("ZMSCORE z a nope e"), "1 (nil) 5");
    assert_eq!(c.r("ZREM z a nope"), "1");
    assert_eq!(c.r("ZREMRANGEBYSCORE z -inf 2"), "1");
    assert_eq!(c.r("ZREMRANGEBYRANK z 0 0"), "1");
    assert_eq!(c.r("ZRANGE z 0 -1"), "d e");
    assert_eq!(c.r("ZREMRANGEBYLEX z - +"), "2");
    assert_eq!(c.r("EXISTS z"), "0");
}

#[test]
fn zunionstore_zinterstore_weights_and_aggregates() {
    let (_t, mut c) = setup();
    c.all(&["ZADD za 1 a 2 b 3 c", "ZADD zb 1 b 2 c 3 d", "SADD s c d e"]);
    assert_eq!(c.r("ZUNIONSTORE out 2 za zb"), "4");
    assert_eq!(c.r("ZRANGE out 0 -1 WITHSCORES"), "a 1 b 3 d 3 c 5");
    assert_eq!(c.r("ZINTERSTORE out 2 za zb WEIGHTS 2 3"), "2");
    assert_eq!(c.r("ZRANGE out 0 -1 WITHSCORES"), "b 7 c 12");
    assert_eq!(c.r("ZUNIONSTORE out 2 za zb AGGREGATE MAX"), "4");
    assert_eq!(c.r("ZRANGE out 0 -1 WITHSCORES"), "a 1 b 2 c 3 d 3");
    // A plain set takes part with every score 1.
    assert_eq!(c.r("ZINTER 2 za s WITHSCORES"), "c 4");
    assert_eq!(c.r("ZDIFF 2 za zb"), "a");
    assert_eq!(c.r("ZUNIONSTORE out 1 nokey"), "0");
    assert_eq!(c.r("EXISTS out"), "0");
    assert_eq!(
        c.err("ZUNIONSTORE out 0 za"),
        "ERR at least 1 input key is needed for 'zunionstore' command"
    );
    assert_eq!(c.err("ZINTERSTORE out 3 za zb"), "ERR syntax error");
}

#[test]
fn zpop_and_bzpop() {
    let (t, mut c) = setup();
    c.r("ZADD z 1 a 2 b 3 c");
    assert_eq!(c.r("ZPOPMIN z"), "a 1");
    assert_eq!(c.r("ZPOPMAX z 5"), "c 3 b 2");
    assert_eq!(c.v("ZPOPMIN z"), V::Array(vec![]));
    assert_eq!(c.v("BZPOPMIN z 0.01"), V::NilArray);
    let mut waiter = t.conn();
    waiter.send_line("BZPOPMAX z 5");
    wait_blocked(&mut c, 1);
    c.r("ZADD z 7 x 9 y");
    assert_eq!(waiter.read().show(), "z y 9");
    assert_eq!(c.r("ZMPOP 1 z MIN"), "z {{x 7}}");
}

// ---- expire.tcl -----------------------------------------------------------------

#[test]
fn expire_sets_a_ttl_and_overwriting_the_key_clears_it() {
    let (_t, mut c) = setup();
    c.r("SET x foobar");
    assert_eq!(c.r("EXPIRE x 5"), "1");
    assert_eq!(c.r("TTL x"), "5");
    assert_eq!(c.r("EXPIRE x 10"), "1");
    assert_eq!(c.r("TTL x"), "10");
    c.r("SET x other");
    assert_eq!(c.r("TTL x"), "-1");
    assert_eq!(c.r("EXPIRE nokey 10"), "0");
    assert_eq!(c.r("TTL nokey"), "-2");
    assert_eq!(c.r("PTTL nokey"), "-2");
}

#[test]
fn setex_psetex_and_their_argument_errors() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("SETEX k 12 v"), "OK");
    assert_eq!(c.r("TTL k"), "12");
    assert_eq!(c.r("PSETEX k 100000 v"), "OK");
    assert_eq!(c.r("TTL k"), "100");
    assert_eq!(
        c.err("SETEX k -10 v"),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        c.err("PSETEX k 0 v"),
        "ERR invalid expire time in 'psetex' command"
    );
    assert_eq!(c.err("SETEX k abc v"), NOT_INTEGER);
}

#[test]
fn persist_removes_the_ttl_only_when_there_is_one() {
    let (_t, mut c) = setup();
    c.r("SET x foo");
    assert_eq!(c.r("PERSIST x"), "0");
    c.r("EXPIRE x 100");
    assert_eq!(c.r("PERSIST x"), "1");
    assert_eq!(c.r("TTL x"), "-1");
    assert_eq!(c.r("PERSIST nokey"), "0");
}

#[test]
fn expire_in_the_past_or_zero_deletes_the_key() {
    let (_t, mut c) = setup();
    c.all(&["SET a 1", "SET b 1", "SET c 1", "SET d 1"]);
    assert_eq!(c.r("EXPIRE a -10"), "1");
    assert_eq!(c.r("PEXPIRE b 0"), "1");
    assert_eq!(c.r("EXPIREAT c 1"), "1");
    assert_eq!(c.r("PEXPIREAT d 1"), "1");
    assert_eq!(c.r("EXISTS a b c d"), "0");
    assert_eq!(c.r("DBSIZE"), "0");
}

#[test]
fn expire_nx_xx_gt_lt_conditions() {
    let (_t, mut c) = setup();
    c.r("SET foo bar");
    assert_eq!(c.r("EXPIRE foo 100 XX"), "0");
    assert_eq!(c.r("EXPIRE foo 100 NX"), "1");
    assert_eq!(c.r("EXPIRE foo 200 NX"), "0");
    assert_eq!(c.r("EXPIRE foo 200 XX"), "1");
    assert_eq!(c.r("EXPIRE foo 100 GT"), "0");
    assert_eq!(c.r("EXPIRE foo 300 GT"), "1");
    assert_eq!(c.r("EXPIRE foo 400 LT"), "0");
    assert_eq!(c.r("EXPIRE foo 50 LT"), "1");
    assert_eq!(c.r("TTL foo"), "50");
    c.r("PERSIST foo");
    // A key without a TTL counts as an infinite one for GT/LT.
    assert_eq!(c.r("EXPIRE foo 100 GT"), "0");
    assert_eq!(c.r("EXPIRE foo 100 LT"), "1");
    assert_eq!(
        c.err("EXPIRE foo 100 NX XX"),
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    );
    assert_eq!(
        c.err("EXPIRE foo 100 GT LT"),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(c.err("EXPIRE foo 100 YY"), "ERR Unsupported option YY");
}

#[test]
fn expire_overflow_is_an_error_not_a_wraparound() {
    let (_t, mut c) = setup();
    c.r("SET foo bar");
    assert_eq!(
        c.err("EXPIRE foo 9223370399119966"),
        "ERR invalid expire time in 'expire' command"
    );
    assert_eq!(
        c.err("PEXPIRE foo 9223372036854770000"),
        "ERR invalid expire time in 'pexpire' command"
    );
    assert_eq!(
        c.err("SET foo bar EX 10000000000000000"),
        "ERR invalid expire time in 'set' command"
    );
    assert_eq!(c.r("TTL foo"), "-1");
}

#[test]
fn expiretime_and_pexpiretime_report_absolute_unix_times() {
    let (_t, mut c) = setup();
    c.r("SET k v");
    assert_eq!(c.r("EXPIRETIME k"), "-1");
    assert_eq!(c.r("EXPIRETIME nokey"), "-2");
    c.r("EXPIREAT k 4102444800");
    assert_eq!(c.r("EXPIRETIME k"), "4102444800");
    assert_eq!(c.r("PEXPIRETIME k"), "4102444800000");
    c.r("PEXPIREAT k 4102444800123");
    assert_eq!(c.r("EXPIRETIME k"), "4102444800");
    assert_eq!(c.r("PEXPIRETIME k"), "4102444800123");
}

#[test]
fn rename_carries_the_ttl_and_set_keepttl_keeps_it() {
    let (_t, mut c) = setup();
    c.all(&["SET a v", "EXPIRE a 100", "RENAME a b"]);
    assert_eq!(c.r("TTL b"), "100");
    c.r("SET b w KEEPTTL");
    assert_eq!(c.r("TTL b"), "100");
    c.r("SET b w");
    assert_eq!(c.r("TTL b"), "-1");
}

// ---- multi.tcl ------------------------------------------------------------------

#[test]
fn multi_exec_runs_queued_commands_in_order() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("MULTI"), "OK");
    assert_eq!(c.r("RPUSH mylist a"), "QUEUED");
    assert_eq!(c.r("RPUSH mylist b"), "QUEUED");
    assert_eq!(c.r("LRANGE mylist 0 -1"), "QUEUED");
    assert_eq!(c.r("EXEC"), "1 2 {a b}");
    assert_eq!(c.r("MULTI"), "OK");
    assert_eq!(c.v("EXEC"), V::Array(vec![]));
}

#[test]
fn discard_drops_the_queue_and_the_watches() {
    let (_t, mut c) = setup();
    c.all(&["SET x 1", "WATCH x", "MULTI", "SET x 2"]);
    assert_eq!(c.r("DISCARD"), "OK");
    assert_eq!(c.r("GET x"), "1");
    assert_eq!(c.err("DISCARD"), "ERR DISCARD without MULTI");
    assert_eq!(c.err("EXEC"), "ERR EXEC without MULTI");
    c.all(&["SET x 3", "MULTI", "SET y 1"]);
    assert_eq!(c.r("EXEC"), "OK");
}

#[test]
fn nested_multi_and_watch_inside_multi_are_errors_but_keep_the_transaction() {
    let (_t, mut c) = setup();
    c.r("MULTI");
    assert_eq!(c.err("MULTI"), "ERR MULTI calls can not be nested");
    assert_eq!(c.err("WATCH x"), "ERR WATCH inside MULTI is not allowed");
    c.r("SET x 1");
    assert_eq!(c.r("EXEC"), "OK");
}

#[test]
fn a_queueing_error_aborts_exec_but_a_runtime_error_does_not() {
    let (_t, mut c) = setup();
    c.r("MULTI");
    c.r("SET foo1 bar1");
    assert_eq!(
        c.err("SET foo2"),
        "ERR wrong number of arguments for 'set' command"
    );
    assert_eq!(
        c.err("NOSUCHCMD x"),
        "ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' "
    );
    assert_eq!(
        c.err("EXEC"),
        "EXECABORT Transaction discarded because of previous errors."
    );
    assert_eq!(c.r("EXISTS foo1"), "0");
    c.all(&["SET s text", "MULTI", "INCR s", "SET after yes"]);
    c.send_line("EXEC");
    let V::Array(items) = c.read() else { panic!() };
    assert_eq!(items[0], V::Err(NOT_INTEGER.into()));
    assert_eq!(items[1], V::Simple("OK".into()));
}

#[test]
fn watch_fails_exec_when_another_client_modifies_the_key() {
    let (t, mut c) = setup();
    let mut other = t.conn();
    c.all(&["SET x 30", "WATCH x"]);
    other.r("SET x 40");
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.v("EXEC"), V::NilArray);
    // The failed EXEC unwatched everything.
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.r("EXEC"), "PONG");
}

#[test]
fn watch_sees_expiry_deletion_flushes_and_swapdb() {
    let (t, mut c) = setup();
    let mut other = t.conn();
    // Deleting a watched key is a modification.
    c.all(&["SET x 1", "WATCH x"]);
    other.r("DEL x");
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.v("EXEC"), V::NilArray);
    // So is FLUSHALL of a watched key that exists...
    c.all(&["SET x 30", "WATCH x"]);
    other.r("FLUSHALL");
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.v("EXEC"), V::NilArray);
    // ...but not FLUSHALL or FLUSHDB while the watched key is missing.
    c.r("WATCH nokey");
    other.all(&["SET a b", "FLUSHALL", "SET a b", "FLUSHDB"]);
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.r("EXEC"), "PONG");
    // Expiring a watched key with PEXPIRE in the past deletes it: a change.
    c.all(&["SET y 1", "WATCH y"]);
    other.r("PEXPIRE y 0");
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.v("EXEC"), V::NilArray);
    // SWAPDB changes what the watched key holds.
    c.all(&["SET z 1", "WATCH z"]);
    other.all(&["SELECT 1", "SET z 2", "SWAPDB 0 1"]);
    c.all(&["MULTI", "PING"]);
    assert_eq!(c.v("EXEC"), V::NilArray);
}

#[test]
fn watch_of_an_unmodified_key_and_unwatch_let_exec_run() {
    let (t, mut c) = setup();
    let mut other = t.conn();
    c.all(&["SET x 30", "WATCH x", "MULTI", "PING"]);
    assert_eq!(c.r("EXEC"), "PONG");
    c.all(&["WATCH x"]);
    other.r("SET x 40");
    c.all(&["UNWATCH", "MULTI", "PING"]);
    assert_eq!(c.r("EXEC"), "PONG");
    // A write by the watching client itself before MULTI still counts.
    c.all(&["WATCH x", "SET x 50", "MULTI", "PING"]);
    assert_eq!(c.v("EXEC"), V::NilArray);
}

#[test]
fn exec_with_only_read_commands_and_select_inside_multi() {
    let (_t, mut c) = setup();
    c.all(&[
        "SET k v0", "MULTI", "SELECT 1", "SET k v1", "SELECT 0", "GET k",
    ]);
    assert_eq!(c.r("EXEC"), "OK OK OK v0");
    c.r("SELECT 1");
    assert_eq!(c.r("GET k"), "v1");
}

// ---- pubsub.tcl ----------------------------------------------------------------

#[test]
fn subscribe_publish_and_unsubscribe_counts() {
    let (t, mut c) = setup();
    let mut sub = t.conn();
    sub.send_line("SUBSCRIBE chan1 chan2");
    assert_eq!(sub.read().show(), "subscribe chan1 1");
    assert_eq!(sub.read().show(), "subscribe chan2 2");
    assert_eq!(c.r("PUBLISH chan1 hello"), "1");
    assert_eq!(c.r("PUBLISH chan2 world"), "1");
    assert_eq!(sub.read().show(), "message chan1 hello");
    assert_eq!(sub.read().show(), "message chan2 world");
    sub.send_line("UNSUBSCRIBE chan1");
    assert_eq!(sub.read().show(), "unsubscribe chan1 1");
    assert_eq!(c.r("PUBLISH chan1 hello"), "0");
    assert_eq!(c.r("PUBLISH chan2 again"), "1");
    assert_eq!(sub.read().show(), "message chan2 again");
    sub.send_line("UNSUBSCRIBE");
    assert_eq!(sub.read().show(), "unsubscribe chan2 0");
    // Back to normal mode: any command works again.
    assert_eq!(sub.r("SET x 1"), "OK");
}

#[test]
fn unsubscribe_from_channels_never_subscribed_confirms_each_with_zero() {
    let (t, _c) = setup();
    let mut sub = t.conn();
    sub.send_line("UNSUBSCRIBE foo bar quux");
    assert_eq!(sub.read().show(), "unsubscribe foo 0");
    assert_eq!(sub.read().show(), "unsubscribe bar 0");
    assert_eq!(sub.read().show(), "unsubscribe quux 0");
    sub.send_line("PUNSUBSCRIBE foo.* bar.*");
    assert_eq!(sub.read().show(), "punsubscribe foo.* 0");
    assert_eq!(sub.read().show(), "punsubscribe bar.* 0");
    // With nothing named and nothing subscribed: one reply with a nil target.
    sub.send_line("UNSUBSCRIBE");
    assert_eq!(
        sub.read(),
        V::Array(vec![V::Bulk(b"unsubscribe".to_vec()), V::Nil, V::Int(0)])
    );
    assert_eq!(sub.r("PING"), "PONG");
}

#[test]
fn psubscribe_matches_patterns_and_a_message_goes_once_per_matching_subscription() {
    let (t, mut c) = setup();
    let mut sub = t.conn();
    sub.send_line("PSUBSCRIBE foo.* bar.*");
    assert_eq!(sub.read().show(), "psubscribe foo.* 1");
    assert_eq!(sub.read().show(), "psubscribe bar.* 2");
    sub.send_line("SUBSCRIBE foo.bar");
    assert_eq!(sub.read().show(), "subscribe foo.bar 3");
    assert_eq!(c.r("PUBLISH foo.bar hi"), "2");
    let mut got = vec![sub.read().show(), sub.read().show()];
    got.sort();
    assert_eq!(got, ["message foo.bar hi", "pmessage foo.* foo.bar hi"]);
    assert_eq!(c.r("PUBLISH barfoo x"), "0");
    assert_eq!(c.r("PUBSUB NUMPAT"), "2");
    sub.send_line("PUNSUBSCRIBE foo.*");
    assert_eq!(sub.read().show(), "punsubscribe foo.* 2");
    assert_eq!(c.r("PUBLISH foo.x gone"), "0");
}

#[test]
fn pubsub_introspection_numsub_channels_numpat() {
    let (t, mut c) = setup();
    assert_eq!(c.r("PUBSUB NUMSUB abc def"), "abc 0 def 0");
    let mut s1 = t.conn();
    let mut s2 = t.conn();
    s1.send_line("SUBSCRIBE abc");
    s1.read();
    s2.send_line("SUBSCRIBE abc def");
    s2.read();
    s2.read();
    assert_eq!(c.r("PUBSUB NUMSUB abc def nope"), "abc 2 def 1 nope 0");
    assert_eq!(sorted(c.r("PUBSUB CHANNELS")), "abc def");
    assert_eq!(c.r("PUBSUB CHANNELS d*"), "def");
    s1.send_line("PSUBSCRIBE a* a*");
    s1.read();
    s1.read();
    s2.send_line("PSUBSCRIBE a*");
    s2.read();
    // Unique patterns across all clients.
    assert_eq!(c.r("PUBSUB NUMPAT"), "1");
}

#[test]
fn only_pubsub_commands_are_allowed_in_resp2_subscriber_mode() {
    let (t, _c) = setup();
    let mut sub = t.conn();
    sub.send_line("SUBSCRIBE ch");
    sub.read();
    assert_eq!(
        sub.err("GET x"),
        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    );
    assert_eq!(sub.r("PING"), "pong {}");
    assert_eq!(sub.r("PING hi"), "pong hi");
}

#[test]
fn resp3_subscriber_gets_push_frames_and_may_run_any_command() {
    let (t, mut c) = setup();
    let mut sub = t.conn();
    assert!(sub.r("HELLO 3").contains("proto 3"));
    sub.send_line("SUBSCRIBE ch");
    assert!(matches!(sub.read(), V::Push(_)));
    assert_eq!(sub.r("SET k v"), "OK");
    c.r("PUBLISH ch m");
    assert_eq!(
        sub.read(),
        V::Push(vec![
            V::Bulk(b"message".to_vec()),
            V::Bulk(b"ch".to_vec()),
            V::Bulk(b"m".to_vec())
        ])
    );
}

// ---- keyspace.tcl ----------------------------------------------------------------

#[test]
fn del_exists_and_keys_patterns() {
    let (_t, mut c) = setup();
    c.all(&[
        "SET foo_a 1",
        "SET foo_b 2",
        "SET foo_c 3",
        "SET key_x 4",
        "SET key_y 5",
    ]);
    assert_eq!(sorted(c.r("KEYS foo*")), "foo_a foo_b foo_c");
    assert_eq!(sorted(c.r("KEYS *")), "foo_a foo_b foo_c key_x key_y");
    assert_eq!(c.r("KEYS key_[xz]"), "key_x");
    assert_eq!(c.r("DBSIZE"), "5");
    assert_eq!(c.r("EXISTS foo_a foo_a nokey"), "2");
    assert_eq!(c.r("DEL foo_a foo_b nokey"), "2");
    assert_eq!(c.r("DBSIZE"), "3");
    assert_eq!(c.r("UNLINK foo_c"), "1");
}

#[test]
fn keys_with_many_stars_does_not_backtrack_forever() {
    let (_t, mut c) = setup();
    c.r("SET aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1");
    let started = Instant::now();
    assert_eq!(c.r("KEYS a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"), "");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        c.r("KEYS a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*"),
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
}

#[test]
fn keys_with_an_unterminated_class_or_trailing_escape() {
    let (_t, mut c) = setup();
    c.all(&["SET a\\ 1", "SET ab 2", "SET b 3"]);
    assert_eq!(c.r("KEYS a[b"), "ab");
    assert_eq!(c.r("KEYS [a-"), "");
}

#[test]
fn rename_renamenx_and_their_errors() {
    let (_t, mut c) = setup();
    c.r("SET mykey a");
    assert_eq!(c.r("RENAME mykey mykey1"), "OK");
    assert_eq!(c.r("GET mykey1"), "a");
    assert_eq!(c.err("RENAME nokey x"), "ERR no such key");
    assert_eq!(c.r("RENAME mykey1 mykey1"), "OK");
    c.r("SET other b");
    assert_eq!(c.r("RENAMENX mykey1 other"), "0");
    assert_eq!(c.r("RENAMENX mykey1 fresh"), "1");
    assert_eq!(c.r("RENAMENX fresh fresh"), "0");
    c.all(&["RPUSH l 1 2", "RENAME l other"]);
    assert_eq!(c.r("TYPE other"), "list");
}

#[test]
fn type_reports_every_kind() {
    let (_t, mut c) = setup();
    c.all(&[
        "SET s 1",
        "RPUSH l 1",
        "SADD st 1",
        "ZADD z 1 a",
        "HSET h f v",
    ]);
    for (k, want) in [
        ("s", "string"),
        ("l", "list"),
        ("st", "set"),
        ("z", "zset"),
        ("h", "hash"),
        ("none", "none"),
    ] {
        assert_eq!(c.r(&format!("TYPE {k}")), want);
    }
}

#[test]
fn copy_copies_values_and_ttls_and_honours_replace_and_db() {
    let (_t, mut c) = setup();
    c.all(&["RPUSH l a b", "EXPIRE l 100"]);
    assert_eq!(c.r("COPY l l2"), "1");
    assert_eq!(c.r("LRANGE l2 0 -1"), "a b");
    assert_eq!(c.r("TTL l2"), "100");
    c.r("RPUSH l c");
    assert_eq!(c.r("LRANGE l2 0 -1"), "a b");
    assert_eq!(c.r("COPY l l2"), "0");
    assert_eq!(c.r("COPY l l2 REPLACE"), "1");
    assert_eq!(c.r("LLEN l2"), "3");
    assert_eq!(
        c.err("COPY l l DB 0"),
        "ERR source and destination objects are the same"
    );
    assert_eq!(c.r("COPY l l DB 3"), "1");
    c.r("SELECT 3");
    assert_eq!(c.r("LRANGE l 0 -1"), "a b c");
    assert_eq!(c.r("COPY nokey x"), "0");
    c.r("SELECT 0");
    c.all(&["HSET h f v", "SADD s m", "ZADD z 1 m", "SET str v"]);
    for (src, dst) in [("h", "h2"), ("s", "s2"), ("z", "z2"), ("str", "str2")] {
        assert_eq!(c.r(&format!("COPY {src} {dst}")), "1");
    }
    assert_eq!(c.r("HGETALL h2"), "f v");
    assert_eq!(c.r("SMEMBERS s2"), "m");
    assert_eq!(c.r("ZRANGE z2 0 -1 WITHSCORES"), "m 1");
    assert_eq!(c.r("GET str2"), "v");
}

#[test]
fn move_and_swapdb_between_databases() {
    let (_t, mut c) = setup();
    c.r("SET mykey foobar");
    assert_eq!(c.r("MOVE mykey 10"), "1");
    assert_eq!(c.r("EXISTS mykey"), "0");
    assert_eq!(c.r("DBSIZE"), "0");
    c.r("SELECT 10");
    assert_eq!(c.r("GET mykey"), "foobar");
    assert_eq!(
        c.err("MOVE mykey 10"),
        "ERR source and destination objects are the same"
    );
    c.r("SELECT 0");
    c.r("SET mykey hello");
    assert_eq!(c.r("MOVE mykey 10"), "0");
    assert_eq!(c.r("MOVE nokey 10"), "0");
    assert_eq!(
        c.err("MOVE mykey 0"),
        "ERR source and destination objects are the same"
    );
    assert_eq!(c.err("MOVE mykey 100"), "ERR DB index is out of range");
    assert_eq!(c.r("SWAPDB 0 10"), "OK");
    assert_eq!(c.r("GET mykey"), "foobar");
    assert_eq!(c.err("SELECT 16"), "ERR DB index is out of range");
    assert_eq!(c.err("SELECT x"), NOT_INTEGER);
}

#[test]
fn randomkey_on_empty_and_non_empty_databases() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("RANDOMKEY"), "(nil)");
    c.all(&["SET a 1", "SET b 2"]);
    let k = c.r("RANDOMKEY");
    assert!(k == "a" || k == "b", "{k}");
}

#[test]
fn object_and_touch_basics() {
    let (_t, mut c) = setup();
    c.r("SET k 12345");
    assert_eq!(c.r("OBJECT ENCODING k"), "int");
    assert_eq!(c.r("OBJECT ENCODING nokey"), "(nil)");
    assert_eq!(c.r("TOUCH k nokey"), "1");
}

// ---- protocol.tcl -----------------------------------------------------------------

/// Writes raw bytes and returns what comes back within a short while.
fn raw_exchange(t: &Target, bytes: &[u8]) -> String {
    let mut c = t.conn();
    c.writer.write_all(bytes).unwrap();
    c.writer.shutdown(std::net::Shutdown::Write).ok();
    let mut out = Vec::new();
    c.reader.read_to_end(&mut out).ok();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn protocol_errors_close_the_connection_with_redis_messages() {
    let t = Target::start();
    for (input, want) in [
        (
            &b"*1\r\n$1000000000\r\n"[..],
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n",
            "-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"*3000000000\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$-10\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$abc\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*abc\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"\"x\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ] {
        assert_eq!(
            raw_exchange(&t, input),
            want,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn protocol_empty_and_negative_multibulk_are_ignored() {
    let t = Target::start();
    assert_eq!(raw_exchange(&t, b"*0\r\n*-10\r\nPING\r\n"), "+PONG\r\n");
    assert_eq!(raw_exchange(&t, b"\r\n\r\nPING\r\n"), "+PONG\r\n");
}

#[test]
fn protocol_inline_commands_with_quotes_and_pipelining() {
    let t = Target::start();
    assert_eq!(
        raw_exchange(
            &t,
            b"SET k \"a b\"\r\nGET k\r\nSET k 'x\\ny'\r\nSTRLEN k\r\nECHO \"\\x41\"\n"
        ),
        "+OK\r\n$3\r\na b\r\n+OK\r\n:4\r\n$1\r\nA\r\n"
    );
}

#[test]
fn protocol_resp3_reply_types_after_hello_3() {
    let (t, _c) = setup();
    let mut c = t.conn();
    c.r("HELLO 3");
    c.r("HSET h f v");
    assert_eq!(
        c.v("HGETALL h"),
        V::Map(vec![(V::Bulk(b"f".to_vec()), V::Bulk(b"v".to_vec()))])
    );
    c.r("ZADD z 1.5 m");
    assert_eq!(c.v("ZSCORE z m"), V::Double("1.5".into()));
    assert_eq!(c.v("GET nokey"), V::Nil);
    assert_eq!(c.v("BLPOP nolist 0.01"), V::Nil);
    c.r("SADD s a");
    assert_eq!(c.v("SMEMBERS s"), V::Set(vec![V::Bulk(b"a".to_vec())]));
    assert_eq!(
        c.v("SMISMEMBER s a b"),
        V::Array(vec![V::Int(1), V::Int(0)])
    );
    c.r("HELLO 2");
    assert_eq!(c.v("ZSCORE z m"), V::Bulk(b"1.5".to_vec()));
    assert_eq!(c.v("BLPOP nolist 0.01"), V::NilArray);
}

#[test]
fn hello_rejects_unknown_protocols_and_reports_the_server() {
    let (_t, mut c) = setup();
    assert_eq!(c.err("HELLO 4"), "NOPROTO unsupported protocol version");
    let hello = c.r("HELLO 2");
    assert!(
        hello.starts_with("server redis version 7.0.15 proto 2 id "),
        "{hello}"
    );
    assert!(
        hello.ends_with("mode standalone role master modules {}"),
        "{hello}"
    );
}

// ---- scan.tcl -----------------------------------------------------------------------

#[test]
fn scan_visits_every_key_with_match_count_and_type() {
    let (_t, mut c) = setup();
    for i in 0..500 {
        c.r(&format!("SET key:{i} {i}"));
    }
    c.r("RPUSH alist x");
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    loop {
        let V::Array(parts) = c.v(&format!("SCAN {cursor} MATCH key:* COUNT 17")) else {
            panic!()
        };
        cursor = parts[0].show();
        for k in parts[1].show().split(' ').filter(|s| !s.is_empty()) {
            seen.insert(k.to_string());
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 500);
    assert!(!seen.contains("alist"));
    let mut lists = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let V::Array(parts) = c.v(&format!("SCAN {cursor} TYPE list COUNT 100")) else {
            panic!()
        };
        cursor = parts[0].show();
        lists.extend(
            parts[1]
                .show()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(lists, ["alist"]);
    assert_eq!(c.err("SCAN 0 COUNT 0"), "ERR syntax error");
    assert_eq!(c.err("SCAN abc"), "ERR invalid cursor");
}

#[test]
fn sscan_hscan_zscan_return_whole_small_collections() {
    let (_t, mut c) = setup();
    c.all(&["SADD s a b c", "HSET h f1 v1 f2 v2", "ZADD z 1 a 2 b"]);
    let V::Array(p) = c.v("SSCAN s 0") else {
        panic!()
    };
    assert_eq!(p[0].show(), "0");
    assert_eq!(sorted(p[1].show()), "a b c");
    let V::Array(p) = c.v("HSCAN h 0 MATCH f1") else {
        panic!()
    };
    assert_eq!(p[1].show(), "f1 v1");
    assert_eq!(c.r("ZSCAN z 0"), "0 {a 1 b 2}");
    assert_eq!(c.r("SSCAN nokey 0"), "0 {}");
}

// ---- sort.tcl -----------------------------------------------------------------------

#[test]
fn sort_numeric_alpha_limit_by_get_and_store() {
    let (_t, mut c) = setup();
    c.r("RPUSH l 3 1 2 10");
    assert_eq!(c.r("SORT l"), "1 2 3 10");
    assert_eq!(c.r("SORT l DESC LIMIT 0 2"), "10 3");
    assert_eq!(c.r("SORT l ALPHA"), "1 10 2 3");
    c.all(&["SET w_3 1", "SET w_1 3", "SET w_2 2", "SET w_10 0"]);
    assert_eq!(c.r("SORT l BY w_*"), "10 3 2 1");
    c.all(&["HSET o_1 n one", "HSET o_2 n two"]);
    assert_eq!(c.r("SORT l LIMIT 0 2 GET # GET o_*->n"), "1 one 2 two");
    assert_eq!(
        c.r("SORT l BY nosort GET nokey_*"),
        "(nil) (nil) (nil) (nil)"
    );
    assert_eq!(c.r("SORT l STORE dst"), "4");
    assert_eq!(c.r("LRANGE dst 0 -1"), "1 2 3 10");
    c.r("RPUSH words b a");
    assert_eq!(
        c.err("SORT words"),
        "ERR One or more scores can't be converted into double"
    );
    assert_eq!(c.r("SORT_RO l LIMIT 1 1"), "2");
}

#[test]
fn command_getkeys_finds_sort_store_destination() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("COMMAND GETKEYS SORT abc STORE def"), "abc def");
    assert_eq!(
        c.r("COMMAND GETKEYS SORT abc STORE def STORE ghi"),
        "abc ghi"
    );
    assert_eq!(c.r("COMMAND GETKEYS SORT abc LIMIT 0 STORE def"), "abc");
    assert_eq!(c.r("COMMAND GETKEYS SORT_RO abc"), "abc");
    assert_eq!(
        c.r("COMMAND GETKEYS ZUNIONSTORE dst 2 a b WEIGHTS 1 2"),
        "dst a b"
    );
    assert_eq!(c.r("COMMAND GETKEYS LMPOP 2 a b LEFT"), "a b");
    assert_eq!(c.r("COMMAND GETKEYS MSET a 1 b 2"), "a b");
}

// ---- connection (auth.tcl, other.tcl) -----------------------------------------------------

#[test]
fn auth_without_a_password_configured_says_so() {
    let (_t, mut c) = setup();
    assert_eq!(
        c.err("AUTH foo"),
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    );
}

#[test]
fn echo_ping_and_unknown_commands() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("PING"), "PONG");
    assert_eq!(c.r("PING hello"), "hello");
    assert_eq!(c.r("ECHO hello"), "hello");
    assert_eq!(
        c.err("FOO bar baz"),
        "ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' "
    );
    assert_eq!(
        c.err("CONFIG NOSUCH"),
        "ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP."
    );
    assert_eq!(
        c.err("GET"),
        "ERR wrong number of arguments for 'get' command"
    );
}

// ---- multi.tcl "MULTI with config error", introspection.tcl ---------------------------

#[test]
fn config_set_checks_values_of_settings_it_accepts() {
    let (_t, mut c) = setup();
    let failed = |name: &str, why: &str| {
        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
    };
    assert_eq!(
        c.err("CONFIG SET maxmemory bla"),
        failed("maxmemory", "argument must be a memory value")
    );
    assert_eq!(
        c.err("CONFIG SET timeout abc"),
        failed("timeout", "argument couldn't be parsed into an integer")
    );
    assert_eq!(
        c.err("CONFIG SET hz -1"),
        failed("hz", "argument must be between 0 and 2147483647 inclusive")
    );
    assert_eq!(
        c.err("CONFIG SET maxclients 0"),
        failed(
            "maxclients",
            "argument must be between 1 and 4294967295 inclusive"
        )
    );
    assert!(
        c.err("CONFIG SET maxmemory-policy foo")
            .starts_with(&failed(
                "maxmemory-policy",
                "argument(s) must be one of the following: volatile-lru,"
            ))
    );
    assert_eq!(
        c.err("CONFIG SET notify-keyspace-events Q"),
        failed(
            "notify-keyspace-events",
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        )
    );
    for ok in [
        "maxmemory 100mb",
        "maxmemory 0",
        "timeout 0",
        "hz 10",
        "maxclients 10000",
    ] {
        assert_eq!(c.r(&format!("CONFIG SET {ok}")), "OK", "{ok}");
    }
    // Inside MULTI the failure is a runtime error: the rest still runs.
    c.all(&["MULTI", "SET foo bar", "CONFIG SET maxmemory bla"]);
    c.send_line("EXEC");
    let V::Array(items) = c.read() else { panic!() };
    assert_eq!(items[0], V::Simple("OK".into()));
    assert_eq!(
        items[1],
        V::Err(failed("maxmemory", "argument must be a memory value"))
    );
}

// ---- list.tcl "client unblock tests" ------------------------------------------------------

#[test]
fn client_unblock_ends_a_blocking_pop_as_a_timeout_or_an_error() {
    let (t, mut c) = setup();
    let mut waiter = t.conn();
    let id = waiter.r("CLIENT ID");
    waiter.send_line("BRPOP l 0");
    wait_blocked(&mut c, 1);
    assert_eq!(c.r(&format!("CLIENT UNBLOCK {id}")), "1");
    assert_eq!(waiter.read(), V::NilArray);
    waiter.send_line("BLPOP l 0");
    wait_blocked(&mut c, 1);
    assert_eq!(c.r(&format!("CLIENT UNBLOCK {id} ERROR")), "1");
    assert_eq!(
        waiter.read(),
        V::Err("UNBLOCKED client unblocked via CLIENT UNBLOCK".into())
    );
    // Not blocked (any more): nothing to do.
    assert_eq!(c.r(&format!("CLIENT UNBLOCK {id}")), "0");
    assert_eq!(c.r("CLIENT UNBLOCK 999999"), "0");
    assert_eq!(c.r("LPUSH l x"), "1");
    assert_eq!(waiter.r("LPOP l"), "x");
    assert_eq!(
        c.err(&format!("CLIENT UNBLOCK {id} NOW")),
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    );
    assert_eq!(c.err("CLIENT UNBLOCK abc"), NOT_INTEGER);
}

#[test]
fn config_lua_time_limit_is_settable_under_both_names() {
    let (_t, mut c) = setup();
    assert_eq!(c.r("CONFIG GET lua-time-limit"), "lua-time-limit 5000");
    assert_eq!(c.r("CONFIG SET lua-time-limit 100"), "OK");
    assert_eq!(
        c.r("CONFIG GET busy-reply-threshold"),
        "busy-reply-threshold 100"
    );
    assert_eq!(c.r("CONFIG SET busy-reply-threshold 200"), "OK");
    assert_eq!(c.r("CONFIG GET lua-time-limit"), "lua-time-limit 200");
    assert_eq!(
        c.err("CONFIG SET lua-time-limit -1"),
        "ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - argument must be between 0 and 9223372036854775807 inclusive"
    );
}

// ---- multi.tcl "MULTI and script timeout", scripting.tcl "Timedout script" ------------

#[test]
fn a_runaway_script_leaves_new_connections_able_to_script_kill() {
    let t = Target::start();
    for _ in 0..3 {
        t.conn().r("CONFIG SET lua-time-limit 10");
        let mut runner = t.conn();
        runner.send(&[b"EVAL", b"while true do end", b"0"]);
        std::thread::sleep(Duration::from_millis(300));
        // A connection made while the script runs must be accepted and served.
        let mut killer = t.conn();
        killer
            .writer
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        killer.send_line("SCRIPT KILL");
        let mut line = String::new();
        let answered = killer.reader.read_line(&mut line).is_ok();
        if !answered {
            // Unstick the server so the test can end, then fail.
            if let Target::Embedis(s) = &t {
                let _ = s.store.script_kill();
            }
            panic!("SCRIPT KILL from a new connection got no reply");
        }
        assert_eq!(line, "+OK\r\n");
        assert!(
            matches!(runner.read(), V::Err(e) if e.starts_with("ERR Script killed by user with SCRIPT KILL"))
        );
    }
}

// ---- pubsub.tcl "PubSub messages with CLIENT REPLY OFF" -----------------------------------

#[test]
fn pubsub_pushes_get_through_client_reply_off() {
    for proto in ["2", "3"] {
        let (t, mut c) = setup();
        let mut sub = t.conn();
        sub.r(&format!("HELLO {proto}"));
        sub.send_line("CLIENT REPLY OFF");
        sub.send_line("SUBSCRIBE channel");
        assert_eq!(sub.read().show(), "subscribe channel 1", "RESP{proto}");
        sub.send_line("PSUBSCRIBE ch*");
        assert_eq!(sub.read().show(), "psubscribe ch* 2");
        assert_eq!(c.r("PUBLISH channel hello"), "2");
        let mut got = [sub.read().show(), sub.read().show()];
        got.sort();
        assert_eq!(got, ["message channel hello", "pmessage ch* channel hello"]);
        sub.send_line("UNSUBSCRIBE channel");
        assert_eq!(sub.read().show(), "unsubscribe channel 1");
        sub.send_line("PUNSUBSCRIBE ch*");
        assert_eq!(sub.read().show(), "punsubscribe ch* 0");
        // Ordinary replies stay off.
        sub.send_line("SET k v");
        sub.send_line("CLIENT REPLY ON");
        assert_eq!(sub.read().show(), "OK");
        assert_eq!(sub.r("GET k"), "v");
    }
}

#[test]
fn a_command_sent_inside_multi_while_a_script_is_busy_dooms_the_transaction() {
    let (t, mut c) = setup();
    c.r("CONFIG SET lua-time-limit 10");
    c.r("SET xx 1");
    let mut tx = t.conn();
    let mut runner = t.conn();
    runner.send(&[b"EVAL", b"while true do end", b"0"]);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(tx.r("MULTI"), "OK");
    assert_eq!(
        tx.err("INCR xx"),
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    assert_eq!(c.r("SCRIPT KILL"), "OK");
    assert!(matches!(runner.read(), V::Err(_)));
    assert_eq!(tx.r("INCR xx"), "QUEUED");
    assert_eq!(
        tx.err("EXEC"),
        "EXECABORT Transaction discarded because of previous errors."
    );
    assert_eq!(c.r("GET xx"), "1");
    assert_eq!(tx.r("PING asdf"), "asdf");
}

#[test]
fn exec_while_a_script_is_busy_discards_the_transaction_without_waiting() {
    let (t, mut c) = setup();
    c.r("CONFIG SET lua-time-limit 10");
    c.r("SET xx 1");
    let mut tx = t.conn();
    tx.all(&["WATCH xx", "MULTI", "INCR xx"]);
    let mut runner = t.conn();
    runner.send(&[b"EVAL", b"while true do end", b"0"]);
    std::thread::sleep(Duration::from_millis(200));
    tx.writer
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    tx.send_line("EXEC");
    let mut line = String::new();
    if tx.reader.read_line(&mut line).is_err() {
        if let Target::Embedis(s) = &t {
            let _ = s.store.script_kill();
        }
        panic!("EXEC waited for the busy script");
    }
    assert_eq!(
        line,
        "-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    );
    assert_eq!(c.r("SCRIPT KILL"), "OK");
    assert!(matches!(runner.read(), V::Err(_)));
    assert_eq!(c.r("GET xx"), "1");
    // Out of MULTI, and the old WATCH is gone.
    assert_eq!(tx.r("PING asdf"), "asdf");
    c.r("SET xx 2");
    tx.all(&["MULTI", "INCR xx"]);
    assert_eq!(tx.r("EXEC"), "3");
}

// ---- server.c processCommand: what a busy script lets through ---------------------------

const BUSY: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

/// Starts `while true do end` on a new connection (returned) with a 10 ms
/// `lua-time-limit`, and waits until `c` gets BUSY: DBSIZE waits for the
/// script until it is busy, and is answered at once before it starts.
fn start_busy_script(t: &Target, c: &mut Conn) -> Conn {
    c.r("CONFIG SET lua-time-limit 10");
    let mut runner = t.conn();
    runner.send(&[b"EVAL", b"while true do end", b"0"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.v("DBSIZE") != V::Err(BUSY.into()) {
        assert!(Instant::now() < deadline, "the script never got busy");
        std::thread::sleep(Duration::from_millis(1));
    }
    runner
}

/// Ends the script started by [`start_busy_script`].
fn kill_busy_script(c: &mut Conn, mut runner: Conn) {
    assert_eq!(c.r("SCRIPT KILL"), "OK");
    assert!(
        matches!(runner.read(), V::Err(e) if e.starts_with("ERR Script killed by user with SCRIPT KILL"))
    );
}

#[test]
fn while_a_script_is_busy_only_allow_busy_commands_run() {
    let (t, mut c) = setup();
    let runner = start_busy_script(&t, &mut c);
    for (cmd, want) in [
        // No allow-busy flag: refused, session commands included.
        ("PING", BUSY),
        ("PING hi", BUSY),
        ("ECHO x", BUSY),
        ("SELECT 1", BUSY),
        ("SELECT 99", BUSY),
        ("CLIENT ID", BUSY),
        ("CLIENT SETNAME a", BUSY),
        ("CLIENT LIST", BUSY),
        ("CLIENT REPLY ON", BUSY),
        ("SUBSCRIBE ch", BUSY),
        ("PUBLISH ch m", BUSY),
        ("INFO server", BUSY),
        ("CONFIG GET maxmemory", BUSY),
        ("TIME", BUSY),
        ("SCRIPT FLUSH", BUSY),
        ("EVAL x 0", BUSY),
        ("SHUTDOWN", BUSY),
        ("SHUTDOWN SAVE", BUSY),
        // EXEC is refused by discarding the transaction, MULTI or not.
        (
            "EXEC",
            "EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        ),
        // Unknown commands and arity errors are found first.
        ("GET", "ERR wrong number of arguments for 'get' command"),
        (
            "FOO bar",
            "ERR unknown command 'FOO', with args beginning with: 'bar' ",
        ),
        // allow-busy commands run, with their own errors.
        ("HELLO 4", "NOPROTO unsupported protocol version"),
        (
            "AUTH x",
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ),
        ("DISCARD", "ERR DISCARD without MULTI"),
        ("SHUTDOWN ABORT", "ERR No shutdown in progress."),
        ("SHUTDOWN NOSAVE SAVE", "ERR syntax error"),
        ("SHUTDOWN NOSAVE ABORT", "ERR syntax error"),
    ] {
        assert_eq!(c.v(cmd), V::Err(want.into()), "{cmd}");
    }
    for (cmd, want) in [
        ("WATCH k", "OK"),
        ("UNWATCH", "OK"),
        ("MULTI", "OK"),
        ("PING", BUSY),
        ("WATCH k", "ERR WATCH inside MULTI is not allowed"),
        ("DISCARD", "OK"),
        ("MULTI", "OK"),
        ("MULTI", "ERR MULTI calls can not be nested"),
        ("RESET", "RESET"),
    ] {
        assert_eq!(c.v(cmd).show(), want, "{cmd}");
    }
    assert!(c.r("HELLO 3").contains("proto 3"));
    assert_eq!(c.r("RESET"), "RESET");
    assert_eq!(t.conn().r("QUIT"), "OK");
    kill_busy_script(&mut c, runner);
    assert_eq!(c.r("PING"), "PONG");
}

#[test]
fn watch_while_a_script_is_busy_holds_when_the_script_is_killed() {
    let (t, mut c) = setup();
    c.r("SET k 1");
    let mut tx = t.conn();
    let runner = start_busy_script(&t, &mut c);
    assert_eq!(tx.r("WATCH k"), "OK");
    assert_eq!(tx.r("WATCH k other"), "OK");
    kill_busy_script(&mut c, runner);
    tx.all(&["MULTI", "INCR k"]);
    assert_eq!(tx.r("EXEC"), "2");
    // Unwatched once EXEC ran: a later write does not abort the next one.
    c.r("SET k 5");
    tx.all(&["MULTI", "INCR k"]);
    assert_eq!(tx.r("EXEC"), "6");
    // The watch still works after a busy-time WATCH: a write dirties it.
    let runner = start_busy_script(&t, &mut c);
    assert_eq!(tx.r("WATCH k"), "OK");
    kill_busy_script(&mut c, runner);
    c.r("SET k 9");
    tx.all(&["MULTI", "INCR k"]);
    assert_eq!(tx.v("EXEC"), V::NilArray);
    assert_eq!(c.r("GET k"), "9");
}
