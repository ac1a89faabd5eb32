//! Lua scripting (EVAL, EVALSHA, SCRIPT) in-process, as Redis 7.0 replies
//! (checked against redis-server 7.0.15), and the script patterns
//! applications run: read-modify-write, compare-and-swap, locks, inventory,
//! transfers, runaway scripts.
#![cfg(feature = "lua")]

use std::time::{Duration, Instant};

use embedis::{Error, ManualClock, Reply, Store};

const T0: i64 = 1_700_000_000_000;
const NONE: &[&str] = &[];

fn store() -> (Store, ManualClock) {
    let clock = ManualClock::new(T0);
    (Store::builder().clock(clock.clone()).build(), clock)
}

fn bulk(s: &str) -> Reply {
    Reply::bulk(s.to_owned())
}

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

/// The error line of a reply (panics on anything else).
fn error_line(r: &Reply) -> String {
    match r {
        Reply::Error(e) => e.to_string(),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// `eval(body)` with no keys or arguments.
fn eval0(s: &Store, body: &str) -> Reply {
    s.eval(body, NONE, NONE)
}

// ---- conversions ------------------------------------------------------------

#[test]
fn lua_values_convert_to_replies_as_redis_documents() {
    let (s, _) = store();
    for (body, want) in [
        ("return 1", int(1)),
        ("return 3.99", int(3)),
        ("return -3.99", int(-3)),
        ("return 1e300", int(i64::MIN)),
        ("return 'x'", bulk("x")),
        ("return true", int(1)),
        ("return false", Reply::Null),
        ("return nil", Reply::Null),
        // An array stops at the first nil.
        (
            "return {1,2,3.7,'x',nil,5}",
            Reply::Array(vec![int(1), int(2), int(3), bulk("x")]),
        ),
        (
            "return {1,{2,{3}},true,false}",
            Reply::Array(vec![
                int(1),
                Reply::Array(vec![int(2), Reply::Array(vec![int(3)])]),
                int(1),
                Reply::Null,
            ]),
        ),
        ("return {ok='fine'}", Reply::simple("fine")),
        ("return {a=1}", Reply::EMPTY_ARRAY),
        ("return {err=3}", Reply::EMPTY_ARRAY),
        ("return {double=1.5}", Reply::Double(1.5)),
        ("return redis.status_reply('FINE')", Reply::simple("FINE")),
    ] {
        assert_eq!(eval0(&s, body), want, "{body}");
    }
    for (body, want) in [
        ("return {err='MY custom'}", "MY custom"),
        ("return {err='custom no code'}", "custom no code"),
        ("return {err='x', ok='y'}", "x"),
        ("return redis.error_reply('x y')", "x y"),
        ("return redis.error_reply('abc')", "ERR abc"),
        (
            "return redis.error_reply(1)",
            "ERR wrong number or type of arguments",
        ),
        ("return {err='a\\r\\nb'}", "a  b"),
    ] {
        assert_eq!(error_line(&eval0(&s, body)), want, "{body}");
    }
}

#[test]
fn keys_and_argv_are_the_script_globals() {
    let (s, _) = store();
    let r = s.eval(
        "return {KEYS[1], ARGV[1], ARGV[2], #KEYS, #ARGV}",
        &["k"],
        &["a", "b"],
    );
    assert_eq!(
        r,
        Reply::Array(vec![bulk("k"), bulk("a"), bulk("b"), int(1), int(2)])
    );
    // Through the command table, with numkeys.
    assert_eq!(
        s.execute(
            0,
            &["EVAL", "return KEYS[2] .. ARGV[1]", "2", "x", "y", "z"]
        ),
        bulk("yz")
    );
}

#[test]
fn redis_call_replies_convert_to_lua_values() {
    let (s, _) = store();
    s.execute(0, &["SET", "str", "abc"]);
    for (body, want) in [
        ("return redis.call('get', 'str')", bulk("abc")),
        ("return redis.call('get', 'nokey') == false", int(1)),
        ("return type(redis.call('set', 'k', 'v'))", bulk("table")),
        ("return redis.call('set', 'k', 'v')", Reply::OK),
        ("return redis.call('incrby', 'n', 5) + 1", int(6)),
        // Numbers become arguments as %.17g.
        (
            "redis.call('set', 'f', 0.1) return redis.call('get', 'f')",
            bulk("0.10000000000000001"),
        ),
        (
            "redis.call('set', 'f', 123456789012345678) return redis.call('get', 'f')",
            bulk("1.2345678901234568e+17"),
        ),
        (
            "redis.call('set', 'f', 3.0) return redis.call('get', 'f')",
            bulk("3"),
        ),
        // RESP3 nil is Lua nil.
        // RESP3 scripts return booleans as booleans (a RESP2 client reads :1).
        (
            "redis.setresp(3) return redis.call('get', 'nokey') == nil",
            Reply::Boolean(true),
        ),
    ] {
        assert_eq!(eval0(&s, body), want, "{body}");
    }
}

#[test]
fn redis_pcall_returns_errors_as_tables() {
    let (s, _) = store();
    s.execute(0, &["SET", "str", "abc"]);
    assert_eq!(
        error_line(&eval0(&s, "return redis.pcall('incr', 'str')")),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        eval0(
            &s,
            "local ok, e = pcall(redis.call, 'incr', 'str') return e"
        ),
        bulk("ERR value is not an integer or out of range")
    );
    assert_eq!(
        eval0(
            &s,
            "return {1, redis.pcall('incr', 'str'), redis.error_reply('X y')}"
        ),
        Reply::Array(vec![
            int(1),
            Reply::Error(Error::Reply(
                "ERR value is not an integer or out of range".into()
            )),
            Reply::Error(Error::Reply("X y".into())),
        ])
    );
}

// ---- errors -----------------------------------------------------------------

#[test]
fn script_errors_carry_redis_7_position_and_sha() {
    let (s, _) = store();
    s.execute(0, &["SET", "str", "abc"]);
    for (body, want) in [
        (
            "return redis.call('incr','str')",
            "ERR value is not an integer or out of range script: 851ab5c4815573433b8c8eed0a889f947a2e885a, on @user_script:1.",
        ),
        (
            "return redis.call('nosuch','str')",
            "ERR Unknown Redis command called from script script: 7d0d7cc243b3fe489d3cf8cbaec2ef5cbc9cc570, on @user_script:1.",
        ),
        (
            "return redis.call('get')",
            "ERR Wrong number of args calling Redis command from script script: f187dee77f607f7cff00bbabc9df38507582c78d, on @user_script:1.",
        ),
        (
            "return redis.call()",
            "ERR Please specify at least one argument for this redis lib call script: 0a907e1429221a4d85516cab7fd219a82a9439d8, on @user_script:1.",
        ),
        (
            "return redis.call({})",
            "ERR Lua redis lib command arguments must be strings or integers script: 80747816df1f4411f7c442b928fce6a814214839, on @user_script:1.",
        ),
        (
            "error('boom')",
            "ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.",
        ),
        (
            "error({err='MY custom'})",
            "MY custom script: 784d3ae9e6566ecb57138d89d618d989007a9bc6, on @user_script:1.",
        ),
        (
            "local x = nil; return x.y",
            "ERR user_script:1: attempt to index local 'x' (a nil value) script: cf0efd7895bbde8aab6ffbb44ec6bca4bd5ef4c3, on @user_script:1.",
        ),
        (
            "local function f()\n  error('deep')\nend\n\nf()",
            "ERR user_script:2: deep script: 9621c4cb0a72e12e9f3ab5cbedc455c9ab86bf3f, on @user_script:2.",
        ),
        (
            "return cjson.decode('x')",
            "ERR user_script:1: Expected value but found invalid token at character 1 script: 5f58dd5cefb3eb0313af3534f36be4b83e79ae80, on @user_script:1.",
        ),
        (
            "return redis.sha1hex()",
            "ERR wrong number of arguments script: 3c7ce947ae74a835cc575b6ee87fb27503cb7ba4, on @user_script:1.",
        ),
        (
            "return redis.setresp(4)",
            "ERR RESP version must be 2 or 3. script: 921c0a48021d97dfd5884aeea41875972c7804d9, on @user_script:1.",
        ),
        (
            "local",
            "ERR Error compiling script (new function): user_script:1: '<name>' expected near '<eof>'",
        ),
    ] {
        assert_eq!(error_line(&eval0(&s, body)), want, "{body}");
    }
}

#[test]
fn noscript_commands_are_refused_inside_scripts() {
    let (s, _) = store();
    for cmd in ["subscribe", "eval", "script"] {
        let body = format!("return redis.call('{cmd}', 'load', 'y')");
        let line = error_line(&eval0(&s, &body));
        assert!(
            line.starts_with("ERR This Redis command is not allowed from script script: "),
            "{cmd}: {line}"
        );
    }
}

#[test]
fn globals_and_libraries_are_read_only() {
    let (s, _) = store();
    for (body, want) in [
        (
            "x = 1",
            "ERR user_script:1: Attempt to modify a readonly table script: 34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.",
        ),
        (
            "return y",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: e278681ed961e2fb52881313e5c90fdd93749940, on @user_script:1.",
        ),
        (
            "string.foo = 1",
            "ERR user_script:1: Attempt to modify a readonly table script: 46f9bf166bc7e1ab2ed3b9de7b99c4e1e7dc1f7d, on @user_script:1.",
        ),
        (
            "rawset(_G, 'x', 1)",
            "ERR Attempt to modify a readonly table script: e2c706419da183d6229a1230c3be09cc32cdeee0, on @user_script:1.",
        ),
        (
            "return tostring(print)",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'print' script: 50e61e85eba593e1799109dab972c83f9ff690fc, on @user_script:1.",
        ),
        // scripting.tcl "Try trick global protection 2": _G's metatable is
        // there, and read-only.
        (
            "local g = getmetatable(_G) g.__index = {}",
            "ERR user_script:1: Attempt to modify a readonly table script: b1a7e4ca615906790500da2b26a313f2ce643b80, on @user_script:1.",
        ),
        (
            "setmetatable(getmetatable(_G), {})",
            "ERR Attempt to modify a readonly table script: 2b4f18b63290dd19d8cd853fb1037f1d9699b31c, on @user_script:1.",
        ),
    ] {
        assert_eq!(error_line(&eval0(&s, body)), want, "{body}");
    }
    assert_eq!(
        eval0(
            &s,
            "local g = getmetatable(_G) return {type(g), type(g.__index), type(g.__newindex)}"
        ),
        Reply::Array(vec![bulk("table"), bulk("function"), bulk("nil")])
    );
    for lib in ["os", "io", "debug", "require", "loadfile", "dofile"] {
        let line = error_line(&eval0(&s, &format!("return type({lib})")));
        assert!(
            line.contains("nonexistent global variable"),
            "{lib}: {line}"
        );
    }
    for lib in [
        "string", "table", "math", "cjson", "cmsgpack", "struct", "bit", "redis",
    ] {
        assert_eq!(
            eval0(&s, &format!("return type({lib})")),
            bulk("table"),
            "{lib}"
        );
    }
    // Local variables and KEYS/ARGV tables stay writable.
    assert_eq!(
        s.eval(
            "KEYS[1] = 'x' local t = {} t.a = 1 return KEYS[1] .. t.a",
            &["k"],
            NONE
        ),
        bulk("x1")
    );
}

// ---- libraries (outputs recorded from redis-server 7.0.15) ---------------------

#[test]
fn cjson_output_matches_redis_byte_for_byte() {
    let (s, _) = store();
    for (body, want) in [
        ("return cjson.encode({})", "{}"),
        (
            "return cjson.encode({1,2,3,'a/b',{x=1}})",
            "[1,2,3,\"a\\/b\",{\"x\":1}]",
        ),
        ("return cjson.encode({[1]=1,[3]=3})", "[1,null,3]"),
        (
            "return cjson.encode({0.1, 1/3, 1e20, -0.0, 123456789012345})",
            "[0.1,0.33333333333333,1e+20,-0,1.2345678901234e+14]",
        ),
        (
            "return cjson.encode({1, 2, x=3})",
            "{\"1\":1,\"2\":2,\"x\":3}",
        ),
        (
            "return cjson.encode({true, false, 'x'})",
            "[true,false,\"x\"]",
        ),
        ("return cjson.encode({cjson.null, nil, 3})", "[null,null,3]"),
        (
            "return cjson.encode('\\0\\1\\127\"\\\\/\\t')",
            "\"\\u0000\\u0001\\u007f\\\"\\\\\\/\\t\"",
        ),
        (
            "return cjson.encode(cjson.decode('{\"b\":[true,false,null]}'))",
            "{\"b\":[true,false,null]}",
        ),
        ("return cjson.decode('\"\\\\u00e9\"')", "\u{e9}"),
    ] {
        assert_eq!(eval0(&s, body), bulk(want), "{body}");
    }
    assert_eq!(
        eval0(&s, "return cjson.decode('  [1.5e3, -0, 0x10]  ')"),
        Reply::Array(vec![int(1500), int(0), int(16)])
    );
    for (body, want) in [
        (
            "return cjson.encode({[1]=1,[20]=3})",
            "ERR user_script:1: Cannot serialise table: excessively sparse array",
        ),
        (
            "return cjson.encode(1/0)",
            "ERR user_script:1: Cannot serialise number: must not be NaN or Inf",
        ),
        (
            "return cjson.decode('[1,2')",
            "ERR user_script:1: Expected comma or array end but found T_END at character 5",
        ),
        (
            "return cjson.decode(string.rep('[', 2000))",
            "ERR user_script:1: Found too many nested data structures (1001) at character 1001",
        ),
    ] {
        let line = error_line(&eval0(&s, body));
        assert!(line.starts_with(want), "{body}: {line}");
    }
}

#[test]
fn cmsgpack_output_matches_redis_byte_for_byte() {
    let (s, _) = store();
    for (body, want) in [
        ("return cmsgpack.pack({1,2,3})", &b"\x93\x01\x02\x03"[..]),
        (
            "return cmsgpack.pack(0, 127, 128, 255, 256, 65536, -1, -33, -129, -32769)",
            b"\x00\x7f\xcc\x80\xcc\xff\xcd\x01\x00\xce\x00\x01\x00\x00\xff\xd0\xdf\xd1\xff\x7f\xd2\xff\xff\x7f\xff",
        ),
        (
            "return cmsgpack.pack(1.5, 0.1)",
            b"\xca\x3f\xc0\x00\x00\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a",
        ),
        (
            "return cmsgpack.pack(true, false, nil, {}, {a=1})",
            b"\xc3\xc2\xc0\x90\x81\xa1a\x01",
        ),
        ("return cmsgpack.pack(string.rep('y', 32))", &[&b"\xd9\x20"[..], &[b'y'; 32]].concat()),
    ] {
        assert_eq!(eval0(&s, body), Reply::bulk(want.to_vec()), "{body}");
    }
    assert_eq!(
        eval0(
            &s,
            "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}))}"
        ),
        Reply::Array(vec![
            int(1),
            bulk("two"),
            Reply::Array(vec![int(3), int(4)])
        ])
    );
    assert_eq!(
        eval0(
            &s,
            "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"
        ),
        Reply::Array(vec![int(2), int(1), int(2)])
    );
    assert!(
        error_line(&eval0(&s, "return cmsgpack.unpack('\\145')"))
            .starts_with("ERR user_script:1: Missing bytes in input.")
    );
}

#[test]
fn cmsgpack_packs_and_unpacks_a_100000_key_map() {
    // Redis's scripting.tcl "cmsgpack pack/unpack smoke test" size; this
    // failed with `ERR C stack overflow` when every pair was held at once.
    let (s, _) = store();
    let body = "local t = {}
                for i = 1, 100000 do t[tostring(i)] = i end
                local e = cmsgpack.pack(t)
                local d = cmsgpack.unpack(e)
                local n = 0
                for k, v in pairs(d) do
                    assert(tostring(v) == k)
                    n = n + 1
                end
                return {#e, n}";
    assert_eq!(
        eval0(&s, body),
        Reply::Array(vec![int(957448), int(100000)])
    );
}

#[test]
fn struct_and_bit_match_redis() {
    let (s, _) = store();
    assert_eq!(
        eval0(&s, "return struct.pack('>I2', 258)"),
        bulk("\x01\x02")
    );
    assert_eq!(
        eval0(
            &s,
            "return {struct.unpack('<i4 s', struct.pack('<i4 s', -7, 'hi'))}"
        ),
        Reply::Array(vec![int(-7), bulk("hi"), int(8)])
    );
    assert_eq!(eval0(&s, "return struct.size('!8 b d')"), int(16));
    assert_eq!(
        eval0(
            &s,
            "return {bit.tobit(0xffffffff), bit.tohex(255), bit.band(0xff, 0x0f), bit.lshift(1, 31), bit.bswap(0x12345678)}"
        ),
        Reply::Array(vec![
            int(-1),
            bulk("000000ff"),
            int(15),
            int(i32::MIN as i64),
            int(0x78563412)
        ])
    );
}

#[test]
fn math_random_is_redis_rand48() {
    let (s, _) = store();
    // A fresh redis-server gives these, and this after math.randomseed(7).
    assert_eq!(eval0(&s, "return math.random(1000000)"), int(396465));
    assert_eq!(
        eval0(
            &s,
            "math.randomseed(7) return {math.random(1000000), math.random(1000000)}"
        ),
        Reply::Array(vec![int(266445), int(682036)])
    );
}

#[test]
fn select_inside_a_script_does_not_change_the_callers_database() {
    let (s, _) = store();
    assert_eq!(
        eval0(
            &s,
            "redis.call('select', 1) redis.call('set', 'x', 'one') return redis.call('ping')"
        ),
        Reply::simple("PONG")
    );
    assert_eq!(s.execute(0, &["GET", "x"]), Reply::Null);
    assert_eq!(s.execute(1, &["GET", "x"]), bulk("one"));
    assert!(
        error_line(&eval0(&s, "return redis.call('select', 99)"))
            .starts_with("ERR DB index is out of range script: ")
    );
}

// ---- EVAL_RO, shebang, SCRIPT ----------------------------------------------------

#[test]
fn read_only_scripts_refuse_writes() {
    let (s, _) = store();
    assert_eq!(
        error_line(&s.execute(0, &["EVAL_RO", "return redis.call('set','a','b')", "0"])),
        "ERR Write commands are not allowed from read-only scripts. script: ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1."
    );
    assert_eq!(
        s.db(0)
            .eval_ro("return redis.call('get', KEYS[1])", &["a"], NONE),
        Reply::Null
    );
    assert_eq!(
        error_line(&eval0(
            &s,
            "#!lua flags=no-writes\nreturn redis.call('set','a','b')"
        )),
        "ERR Write commands are not allowed from read-only scripts. script: 6acb400a50fe96e33eca4e0af6e9dcfb21193726, on @user_script:2."
    );
    assert_eq!(
        error_line(&s.execute(0, &["EVAL_RO", "#!lua\nreturn 1", "0"])),
        "ERR Can not execute a script with write flag using *_ro command."
    );
    for (body, want) in [
        (
            "#!lua flags=foo\nreturn 1",
            "ERR Unexpected flag in script shebang: foo",
        ),
        (
            "#!luax\nreturn 1",
            "ERR Unexpected engine in script shebang: #!luax",
        ),
        (
            "#!lua name=x\nreturn 1",
            "ERR Unknown lua shebang option: name=x",
        ),
        ("#!lua", "ERR Invalid script shebang"),
    ] {
        assert_eq!(error_line(&eval0(&s, body)), want, "{body}");
    }
}

#[test]
fn eval_argument_errors_follow_redis_order() {
    let (s, _) = store();
    for (args, want) in [
        (
            &["EVAL", "return 1", "-1"][..],
            "ERR Number of keys can't be negative",
        ),
        (
            &["EVAL", "return 1", "2", "a"],
            "ERR Number of keys can't be greater than number of args",
        ),
        (
            &["EVAL", "return 1", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["EVALSHA", "abc", "x"],
            "NOSCRIPT No matching script. Please use EVAL.",
        ),
        (
            &["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
            "NOSCRIPT No matching script. Please use EVAL.",
        ),
        (
            &["EVAL", "return 1"],
            "ERR wrong number of arguments for 'eval' command",
        ),
        (
            &["SCRIPT"],
            "ERR wrong number of arguments for 'script' command",
        ),
        (
            &["SCRIPT", "foo"],
            "ERR unknown subcommand 'foo'. Try SCRIPT HELP.",
        ),
        (
            &["SCRIPT", "LOAD", "a", "b"],
            "ERR wrong number of arguments for 'script|load' command",
        ),
        (
            &["SCRIPT", "FLUSH", "foo"],
            "ERR SCRIPT FLUSH only support SYNC|ASYNC option",
        ),
        (
            &["SCRIPT", "KILL"],
            "NOTBUSY No scripts in execution right now.",
        ),
    ] {
        assert_eq!(error_line(&s.execute(0, args)), want, "{args:?}");
    }
}

#[test]
fn evalsha_falls_back_to_eval_as_client_libraries_do() {
    let (s, _) = store();
    let body = "return redis.call('incrby', KEYS[1], ARGV[1])";
    let sha = s.script_load(body).unwrap();
    assert_eq!(sha.len(), 40);
    assert_eq!(
        s.script_exists(&[&sha[..], "ffff"]).unwrap(),
        vec![true, false]
    );
    // Upper case works too, as in Redis.
    assert_eq!(s.db(0).evalsha(sha.to_uppercase(), &["n"], &["2"]), int(2));
    s.script_flush().unwrap();
    // What a client library does: EVALSHA, then EVAL on NOSCRIPT.
    let run = |s: &Store| match s.db(0).evalsha(&sha, &["n"], &["3"]) {
        Reply::Error(Error::NoScript) => s.eval(body, &["n"], &["3"]),
        other => other,
    };
    assert_eq!(
        s.db(0).evalsha(&sha, &["n"], &["3"]),
        Reply::Error(Error::NoScript)
    );
    assert_eq!(run(&s), int(5));
    // EVAL cached it again: EVALSHA works now.
    assert_eq!(s.db(0).evalsha(&sha, &["n"], &["3"]), int(8));
    assert_eq!(
        s.execute(0, &["SCRIPT", "EXISTS", &sha, &sha.to_uppercase(), "abc"]),
        Reply::Array(vec![int(1), int(1), int(0)])
    );
}

#[test]
fn script_flush_then_evalsha_fails() {
    let (s, _) = store();
    let sha = s.script_load("return 1").unwrap();
    assert_eq!(sha, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    assert_eq!(s.db(0).evalsha(&sha, NONE, NONE), int(1));
    assert_eq!(s.execute(0, &["SCRIPT", "FLUSH", "ASYNC"]), Reply::OK);
    assert_eq!(
        s.db(0).evalsha(&sha, NONE, NONE),
        Reply::Error(Error::NoScript)
    );
    assert_eq!(
        s.execute(0, &["SCRIPT", "EXISTS", &sha]),
        Reply::Array(vec![int(0)])
    );
}

// ---- the patterns applications run ------------------------------------------

#[test]
fn read_modify_write_with_a_default() {
    let (s, _) = store();
    let script = "local v = tonumber(redis.call('GET', KEYS[1]) or '0')
                  v = v * 2 + tonumber(ARGV[1])
                  redis.call('SET', KEYS[1], v)
                  return v";
    assert_eq!(s.eval(script, &["acc"], &["1"]), int(1));
    assert_eq!(s.eval(script, &["acc"], &["1"]), int(3));
    assert_eq!(s.eval(script, &["acc"], &["10"]), int(16));
    assert_eq!(s.db(0).get("acc").unwrap().as_deref(), Some(&b"16"[..]));
}

#[test]
fn compare_and_swap_returns_1_or_0() {
    let (s, _) = store();
    let cas = "if redis.call('GET', KEYS[1]) == ARGV[1] then
                 redis.call('SET', KEYS[1], ARGV[2]) return 1
               end
               return 0";
    s.db(0).set("k", "old").unwrap();
    assert_eq!(s.eval(cas, &["k"], &["nope", "new"]), int(0));
    assert_eq!(s.db(0).get("k").unwrap().as_deref(), Some(&b"old"[..]));
    assert_eq!(s.eval(cas, &["k"], &["old", "new"]), int(1));
    assert_eq!(s.db(0).get("k").unwrap().as_deref(), Some(&b"new"[..]));
    // A missing key compares as false, never equal to a string.
    assert_eq!(s.eval(cas, &["missing"], &["", "x"]), int(0));
}

#[test]
fn increment_with_limit_stops_at_the_limit() {
    let (s, _) = store();
    let script = "local v = tonumber(redis.call('GET', KEYS[1]) or '0')
                  if v + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
                  return redis.call('INCRBY', KEYS[1], ARGV[1])";
    let results: Vec<Reply> = (0..5)
        .map(|_| s.eval(script, &["quota"], &["2", "7"]))
        .collect();
    assert_eq!(results, vec![int(2), int(4), int(6), int(-1), int(-1)]);
}

#[test]
fn distributed_lock_acquire_release_extend() {
    let (s, clock) = store();
    let acquire = "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])";
    let release = "if redis.call('GET', KEYS[1]) == ARGV[1] then
                     return redis.call('DEL', KEYS[1])
                   end
                   return 0";
    let extend = "if redis.call('GET', KEYS[1]) == ARGV[1] then
                    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
                  end
                  return 0";
    assert_eq!(s.eval(acquire, &["lock"], &["t1", "1000"]), Reply::OK);
    // Held: another owner gets nil, and cannot release or extend it.
    assert_eq!(s.eval(acquire, &["lock"], &["t2", "1000"]), Reply::Null);
    assert_eq!(s.eval(release, &["lock"], &["t2"]), int(0));
    assert_eq!(s.eval(extend, &["lock"], &["t2", "5000"]), int(0));
    // The owner extends it past the first deadline.
    clock.advance_ms(900);
    assert_eq!(s.eval(extend, &["lock"], &["t1", "1000"]), int(1));
    clock.advance_ms(900);
    assert_eq!(s.eval(acquire, &["lock"], &["t2", "1000"]), Reply::Null);
    assert_eq!(s.eval(release, &["lock"], &["t1"]), int(1));
    assert_eq!(s.eval(acquire, &["lock"], &["t2", "1000"]), Reply::OK);
    // An expired lock is free again.
    clock.advance_ms(1000);
    assert_eq!(s.eval(acquire, &["lock"], &["t3", "1000"]), Reply::OK);
    assert_eq!(s.eval(release, &["lock"], &["t2"]), int(0));
}

/// Sliding-window rate limiter on a sorted set: ARGV = now_ms, window_ms,
/// limit, request id.
const RATE_LIMIT: &str = "redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1] - ARGV[2])
    if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
      redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      return 1
    end
    return 0";

#[test]
fn sliding_window_rate_limiter_allows_exactly_n_per_window() {
    let (s, clock) = store();
    let call = |now: i64, id: &str| -> Reply {
        s.eval(
            RATE_LIMIT,
            &["rl:user"],
            &[now.to_string(), "1000".into(), "3".into(), id.into()],
        )
    };
    // 10 calls inside one window: exactly 3 pass.
    let allowed: Vec<Reply> = (0..10).map(|i| call(i * 50, &format!("a{i}"))).collect();
    assert_eq!(allowed, [1, 1, 1, 0, 0, 0, 0, 0, 0, 0].map(int).to_vec());
    // The window slides: the call at 0 leaves it after 1000 ms, then the one at 50.
    assert_eq!(call(1000, "b1"), int(1));
    assert_eq!(call(1010, "b2"), int(0));
    assert_eq!(call(1050, "b3"), int(1));
    assert_eq!(call(1060, "b4"), int(0));
    assert_eq!(s.execute(0, &["ZCARD", "rl:user"]), int(3));
    // Idle for a whole window: the key expires by itself.
    clock.advance_ms(1000);
    assert_eq!(s.execute(0, &["EXISTS", "rl:user"]), int(0));
}

#[test]
fn inventory_deduct_returns_minus_one_when_short() {
    let (s, _) = store();
    let deduct = "local stock = tonumber(redis.call('GET', KEYS[1]) or '0')
                  local want = tonumber(ARGV[1])
                  if stock < want then return -1 end
                  return redis.call('DECRBY', KEYS[1], want)";
    s.db(0).set("sku:1", "5").unwrap();
    assert_eq!(s.eval(deduct, &["sku:1"], &["3"]), int(2));
    assert_eq!(s.eval(deduct, &["sku:1"], &["3"]), int(-1));
    assert_eq!(s.eval(deduct, &["sku:1"], &["2"]), int(0));
    assert_eq!(s.eval(deduct, &["sku:2"], &["1"]), int(-1));
}

const TRANSFER: &str = "local from = tonumber(redis.call('GET', KEYS[1]) or '0')
    local amount = tonumber(ARGV[1])
    if from < amount then return {err='insufficient_balance'} end
    local a = redis.call('DECRBY', KEYS[1], amount)
    local b = redis.call('INCRBY', KEYS[2], amount)
    return {a, b}";

#[test]
fn transfer_between_two_keys() {
    let (s, _) = store();
    s.db(0).set("acct:a", "100").unwrap();
    assert_eq!(
        s.eval(TRANSFER, &["acct:a", "acct:b"], &["30"]),
        Reply::Array(vec![int(70), int(30)])
    );
    assert_eq!(
        s.eval(TRANSFER, &["acct:a", "acct:b"], &["71"]),
        Reply::Error(Error::Reply("insufficient_balance".into()))
    );
    assert_eq!(
        s.eval(TRANSFER, &["acct:b", "acct:a"], &["30"]),
        Reply::Array(vec![int(0), int(100)])
    );
}

#[test]
fn concurrent_transfers_conserve_the_total() {
    let s = Store::new();
    let accounts: u64 = 10;
    for i in 0..accounts {
        s.db(0).set(format!("acct:{i}"), "1000").unwrap();
    }
    let threads: Vec<_> = (0..100)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                // A small LCG: deterministic per thread, no extra dependency.
                let mut x: u64 = t * 2_654_435_761 + 1;
                let mut next = move |n: u64| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (x >> 33) % n
                };
                for _ in 0..50 {
                    let (a, b) = (next(accounts), next(accounts));
                    if a == b {
                        continue;
                    }
                    let r = s.eval(
                        TRANSFER,
                        &[format!("acct:{a}"), format!("acct:{b}")],
                        &[(1 + next(400)).to_string()],
                    );
                    assert!(
                        matches!(&r, Reply::Array(_))
                            || r == Reply::Error(Error::Reply("insufficient_balance".into())),
                        "{r:?}"
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total: i64 = (0..accounts)
        .map(|i| {
            let v = s.db(0).get(format!("acct:{i}")).unwrap().unwrap();
            let n: i64 = std::str::from_utf8(&v).unwrap().parse().unwrap();
            assert!(n >= 0);
            n
        })
        .sum();
    assert_eq!(total, 1000 * accounts as i64);
}

// ---- runaway scripts --------------------------------------------------------------

/// Runs `body` on a thread; returns its reply's receiver.
fn spawn_eval(s: &Store, body: &'static str) -> std::sync::mpsc::Receiver<Reply> {
    let (tx, rx) = std::sync::mpsc::channel();
    let s = s.clone();
    std::thread::spawn(move || {
        tx.send(s.execute(0, &["EVAL", body, "0"])).unwrap();
    });
    rx
}

/// Waits until the store reports a busy script (at most 10 s).
fn wait_busy(s: &Store) {
    let start = Instant::now();
    while !s.script_busy() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never became busy"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn runaway_script_gets_busy_and_script_kill_recovers() {
    let (s, _) = store();
    s.set_lua_time_limit(100);
    assert_eq!(s.lua_time_limit(), 100);
    s.db(0).set("k", "v").unwrap();
    let rx = spawn_eval(&s, "while true do end");
    wait_busy(&s);
    // Other callers are answered without waiting for the lock.
    assert_eq!(s.execute(0, &["GET", "k"]), Reply::Error(Error::Busy));
    assert_eq!(
        error_line(&s.execute(0, &["GET", "k"])),
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    assert_eq!(s.execute(0, &["SCRIPT", "KILL"]), Reply::OK);
    let reply = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        error_line(&reply),
        "ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1."
    );
    assert!(!s.script_busy());
    assert_eq!(s.execute(0, &["GET", "k"]), bulk("v"));
    assert_eq!(
        s.execute(0, &["SCRIPT", "KILL"]),
        Reply::Error(Error::NotBusy)
    );
}

#[test]
fn a_killed_script_cannot_catch_the_kill_with_pcall() {
    let (s, _) = store();
    s.set_lua_time_limit(50);
    let rx = spawn_eval(
        &s,
        "while true do pcall(function() while true do end end) end",
    );
    wait_busy(&s);
    assert_eq!(s.script_kill(), Ok(()));
    let reply = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        error_line(&reply).starts_with("ERR Script killed by user with SCRIPT KILL..."),
        "{reply:?}"
    );
}

#[test]
fn a_script_that_wrote_is_unkillable_and_finishes() {
    let (s, _) = store();
    s.set_lua_time_limit(50);
    let rx = spawn_eval(
        &s,
        "redis.call('set', 'w', '1') local t = redis.call('time') local i = 0 while i < 30000000 do i = i + 1 end return i",
    );
    wait_busy(&s);
    assert_eq!(
        error_line(&s.execute(0, &["SCRIPT", "KILL"])),
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    );
    assert_eq!(s.script_kill(), Err(Error::Unkillable));
    let reply = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(reply, int(30_000_000));
    assert_eq!(s.execute(0, &["GET", "w"]), bulk("1"));
}

#[test]
fn scripts_are_atomic_other_callers_never_see_intermediate_state() {
    let (s, _) = store();
    s.db(0).set("a", "0").unwrap();
    s.db(0).set("b", "0").unwrap();
    let writer = {
        let s = s.clone();
        std::thread::spawn(move || {
            for _ in 0..300 {
                s.eval(
                    "redis.call('INCR', KEYS[1]) redis.call('INCR', KEYS[2])",
                    &["a", "b"],
                    NONE,
                );
            }
        })
    };
    for _ in 0..300 {
        let r = s.execute(
            0,
            &[
                "EVAL",
                "return {redis.call('GET','a'), redis.call('GET','b')}",
                "0",
            ],
        );
        let Reply::Array(v) = r else { panic!() };
        assert_eq!(v[0], v[1]);
        // A plain MGET-like pair of reads outside a script may interleave, but
        // each script is one step: a and b are equal whenever a script ends.
    }
    writer.join().unwrap();
    assert_eq!(s.db(0).get("a").unwrap(), s.db(0).get("b").unwrap());
}

#[test]
fn sort_by_a_constant_is_ordered_for_scripts() {
    // scripting.tcl "SORT BY <constant> output gets ordered for scripting":
    // a set has no order, so a script gets it sorted (ALPHA); a list keeps
    // its own order; outside scripts BY nosort does not sort.
    let (s, _) = store();
    s.execute(0, &["SADD", "myset", "b", "aa", "c", "a", "azz", "aaa"]);
    s.execute(0, &["RPUSH", "l", "c", "b", "a"]);
    let sorted = |key: &str, extra: &str| {
        s.execute(
            0,
            &[
                "EVAL",
                &format!("return redis.call('sort', KEYS[1], 'by', '_'{extra})"),
                "1",
                key,
            ],
        )
    };
    let bulks = |items: &[&str]| Reply::Array(items.iter().map(|i| bulk(i)).collect());
    assert_eq!(
        sorted("myset", ""),
        bulks(&["a", "aa", "aaa", "azz", "b", "c"])
    );
    assert_eq!(
        sorted("myset", ", 'desc'"),
        bulks(&["c", "b", "azz", "aaa", "aa", "a"])
    );
    assert_eq!(sorted("l", ""), bulks(&["c", "b", "a"]));
}
