//! Lua scripting over TCP: a real Redis client (redis-rs) against an
//! in-process embedis-server, as applications use scripts. Replies and error
//! lines are Redis 7.0's (checked against redis-server 7.0.15).

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use embedis::{ManualClock, Store};
use embedis_server::Server;
use redis::{Commands, Connection, ErrorKind, RedisResult, Script, Value};

const T0: i64 = 1_700_000_000_000;

/// A server on a free loopback port, on a 2-worker runtime (CI's core
/// count: a busy script must not starve the other connections).
struct TestServer {
    port: u16,
    store: Store,
    clock: ManualClock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Gets a message once the server has returned and its runtime is gone.
    done: mpsc::Receiver<()>,
}

impl TestServer {
    fn start() -> TestServer {
        let clock = ManualClock::new(T0);
        let store = Store::builder().clock(clock.clone()).build();
        let server = Server::builder()
            .store(store.clone())
            .bind(["127.0.0.1"])
            .port(0)
            .build()
            .unwrap();
        let port = server.local_addrs()[0].port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (done_tx, done) = mpsc::channel();
        let thread = embedis_tests::run_on_thread(server, stopped, move || {
            let _ = done_tx.send(());
        });
        TestServer {
            port,
            store,
            clock,
            stop: Some(stop),
            thread: Some(thread),
            done,
        }
    }

    fn client(&self) -> Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        let con = client.get_connection().unwrap();
        con.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        con
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // A failed test may leave a script running: stop it, or the
        // runtime's worker never returns and the join below hangs.
        self.store.script_abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            if !std::thread::panicking() {
                let _ = t.join();
            }
        }
    }
}

/// `EVAL script numkeys keys... args...` as a raw command.
fn eval<T: redis::FromRedisValue>(
    con: &mut Connection,
    script: &str,
    keys: &[&str],
    args: &[&str],
) -> RedisResult<T> {
    redis::cmd("EVAL")
        .arg(script)
        .arg(keys.len())
        .arg(keys)
        .arg(args)
        .query(con)
}

fn error_text(e: &redis::RedisError) -> String {
    format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or(""))
        .trim()
        .to_owned()
}

#[test]
fn read_modify_write_with_a_default() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let script = Script::new(
        "local v = tonumber(redis.call('GET', KEYS[1]) or '0')
         v = v + tonumber(ARGV[1])
         redis.call('SET', KEYS[1], v)
         return v",
    );
    let a: i64 = script.key("acc").arg(5).invoke(&mut con).unwrap();
    let b: i64 = script.key("acc").arg(7).invoke(&mut con).unwrap();
    assert_eq!((a, b), (5, 12));
    let v: String = con.get("acc").unwrap();
    assert_eq!(v, "12");
}

#[test]
fn compare_and_swap_returns_1_or_0() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let cas = Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then
           redis.call('SET', KEYS[1], ARGV[2]) return 1
         end
         return 0",
    );
    let _: () = con.set("k", "old").unwrap();
    let miss: i64 = cas
        .key("k")
        .arg("nope")
        .arg("new")
        .invoke(&mut con)
        .unwrap();
    let hit: i64 = cas.key("k").arg("old").arg("new").invoke(&mut con).unwrap();
    assert_eq!((miss, hit), (0, 1));
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "new");
}

#[test]
fn increment_with_limit() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let script = Script::new(
        "local v = tonumber(redis.call('GET', KEYS[1]) or '0')
         if v + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
         return redis.call('INCRBY', KEYS[1], ARGV[1])",
    );
    let got: Vec<i64> = (0..4)
        .map(|_| script.key("q").arg(3).arg(7).invoke(&mut con).unwrap())
        .collect();
    assert_eq!(got, [3, 6, -1, -1]);
}

#[test]
fn distributed_lock_acquire_release_extend() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let acquire = "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])";
    let release = "if redis.call('GET', KEYS[1]) == ARGV[1] then
                     return redis.call('DEL', KEYS[1])
                   end
                   return 0";
    let extend = "if redis.call('GET', KEYS[1]) == ARGV[1] then
                    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
                  end
                  return 0";
    let v: Value = eval(&mut con, acquire, &["lock"], &["t1", "1000"]).unwrap();
    assert_eq!(v, Value::Okay);
    let v: Value = eval(&mut con, acquire, &["lock"], &["t2", "1000"]).unwrap();
    assert_eq!(v, Value::Nil);
    assert_eq!(
        eval::<i64>(&mut con, release, &["lock"], &["t2"]).unwrap(),
        0
    );
    assert_eq!(
        eval::<i64>(&mut con, extend, &["lock"], &["t2", "9000"]).unwrap(),
        0
    );
    srv.clock.advance_ms(900);
    assert_eq!(
        eval::<i64>(&mut con, extend, &["lock"], &["t1", "1000"]).unwrap(),
        1
    );
    let pttl: i64 = con.pttl("lock").unwrap();
    assert_eq!(pttl, 1000);
    srv.clock.advance_ms(900);
    assert_eq!(
        eval::<i64>(&mut con, release, &["lock"], &["t1"]).unwrap(),
        1
    );
    let v: Value = eval(&mut con, acquire, &["lock"], &["t2", "1000"]).unwrap();
    assert_eq!(v, Value::Okay);
}

#[test]
fn sliding_window_rate_limiter_allows_exactly_n_of_m_calls() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let limiter = Script::new(
        "redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1] - ARGV[2])
         if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
           redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
           redis.call('PEXPIRE', KEYS[1], ARGV[2])
           return 1
         end
         return 0",
    );
    let mut call = |now: i64, id: String| -> i64 {
        limiter
            .key("rl")
            .arg(now)
            .arg(1000)
            .arg(5)
            .arg(id)
            .invoke(&mut con)
            .unwrap()
    };
    let allowed: i64 = (0..20).map(|i| call(i * 10, format!("a{i}"))).sum();
    assert_eq!(allowed, 5);
    assert_eq!(call(1000, "b".into()), 1);
    assert_eq!(call(1001, "c".into()), 0);
    srv.clock.advance_ms(1000);
    let exists: i64 = redis::cmd("EXISTS")
        .arg("rl")
        .query(&mut srv.client())
        .unwrap();
    assert_eq!(exists, 0);
}

#[test]
fn inventory_deduct_returns_minus_one_when_short() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let deduct = Script::new(
        "local stock = tonumber(redis.call('GET', KEYS[1]) or '0')
         if stock < tonumber(ARGV[1]) then return -1 end
         return redis.call('DECRBY', KEYS[1], ARGV[1])",
    );
    let _: () = con.set("sku", 5).unwrap();
    let got: Vec<i64> = [3, 3, 2]
        .iter()
        .map(|n| deduct.key("sku").arg(*n).invoke(&mut con).unwrap())
        .collect();
    assert_eq!(got, [2, -1, 0]);
}

const TRANSFER: &str = "local from = tonumber(redis.call('GET', KEYS[1]) or '0')
    local amount = tonumber(ARGV[1])
    if from < amount then return {err='insufficient_balance'} end
    local a = redis.call('DECRBY', KEYS[1], amount)
    local b = redis.call('INCRBY', KEYS[2], amount)
    return {a, b}";

#[test]
fn transfer_returns_balances_or_an_error_reply() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let transfer = Script::new(TRANSFER);
    let _: () = con.set("a", 100).unwrap();
    let ok: (i64, i64) = transfer.key("a").key("b").arg(30).invoke(&mut con).unwrap();
    assert_eq!(ok, (70, 30));
    let err = transfer
        .key("a")
        .key("b")
        .arg(71)
        .invoke::<Value>(&mut con)
        .unwrap_err();
    assert_eq!(error_text(&err), "insufficient_balance");
}

#[test]
fn evalsha_noscript_eval_fallback_and_script_flush() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let script = Script::new("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    // Never loaded: redis-rs sends EVALSHA, gets NOSCRIPT, sends EVAL.
    let n: i64 = script.key("n").arg(2).invoke(&mut con).unwrap();
    assert_eq!(n, 2);
    let v: Value = redis::cmd("EVALSHA")
        .arg(script.get_hash())
        .arg(1)
        .arg("n")
        .arg(3)
        .query(&mut con)
        .unwrap();
    assert_eq!(v, Value::Int(5));
    let exists: Vec<i64> = redis::cmd("SCRIPT")
        .arg("EXISTS")
        .arg(script.get_hash())
        .arg("ffffffffffffffffffffffffffffffffffffffff")
        .query(&mut con)
        .unwrap();
    assert_eq!(exists, [1, 0]);
    let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut con).unwrap();
    let err = redis::cmd("EVALSHA")
        .arg(script.get_hash())
        .arg(1)
        .arg("n")
        .arg(3)
        .query::<Value>(&mut con)
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Server(redis::ServerErrorKind::NoScript)
    );
    assert_eq!(
        error_text(&err),
        "NOSCRIPT No matching script. Please use EVAL."
    );
    // The client helper recovers again.
    let n: i64 = script.key("n").arg(1).invoke(&mut con).unwrap();
    assert_eq!(n, 6);
}

#[test]
fn errors_carry_redis_7_format_and_noscript_commands_are_refused() {
    let srv = TestServer::start();
    let mut con = srv.client();
    let _: () = con.set("str", "abc").unwrap();
    let err = eval::<Value>(&mut con, "return redis.call('incr','str')", &[], &[]).unwrap_err();
    assert_eq!(
        error_text(&err),
        "ERR value is not an integer or out of range script: 851ab5c4815573433b8c8eed0a889f947a2e885a, on @user_script:1."
    );
    let err = eval::<Value>(&mut con, "return redis.call('blpop','x',0)", &[], &[]).unwrap_err();
    assert_eq!(
        error_text(&err),
        "ERR This Redis command is not allowed from script script: dc8544b16dbbf6be3c0abd9cf77dabeba2686fd6, on @user_script:1."
    );
}

#[test]
fn concurrent_clients_running_transfers_conserve_the_total() {
    let srv = TestServer::start();
    let accounts = 10u64;
    {
        let mut con = srv.client();
        for i in 0..accounts {
            let _: () = con.set(format!("acct:{i}"), 1000).unwrap();
        }
    }
    let workers: Vec<_> = (0..100u64)
        .map(|t| {
            let mut con = srv.client();
            std::thread::spawn(move || {
                let transfer = Script::new(TRANSFER);
                let mut x = t.wrapping_mul(2_654_435_761).wrapping_add(1);
                let mut next = move |n: u64| {
                    x = x
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (x >> 33) % n
                };
                for _ in 0..20 {
                    let (a, b) = (next(accounts), next(accounts));
                    if a == b {
                        continue;
                    }
                    let r = transfer
                        .key(format!("acct:{a}"))
                        .key(format!("acct:{b}"))
                        .arg(1 + next(300))
                        .invoke::<Vec<i64>>(&mut con);
                    if let Err(e) = r {
                        assert_eq!(error_text(&e), "insufficient_balance");
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut con = srv.client();
    let mut total = 0;
    for i in 0..accounts {
        let v: i64 = con.get(format!("acct:{i}")).unwrap();
        assert!(v >= 0);
        total += v;
    }
    assert_eq!(total, 1000 * accounts as i64);
}

#[test]
fn runaway_script_busy_then_script_kill_and_the_server_keeps_serving() {
    let srv = TestServer::start();
    srv.store.set_lua_time_limit(100);
    let mut other = srv.client();
    let _: () = other.set("k", "v").unwrap();
    let (tx, rx) = mpsc::channel();
    let mut runner = srv.client();
    std::thread::spawn(move || {
        tx.send(eval::<Value>(&mut runner, "while true do end", &[], &[]))
            .unwrap();
    });
    // Another client gets BUSY (not a hang) once the limit has passed.
    let start = Instant::now();
    let busy = loop {
        match other.get::<_, String>("k") {
            Err(e) => break e,
            Ok(_) => {
                assert!(start.elapsed() < Duration::from_secs(10), "never busy");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    };
    assert_eq!(
        error_text(&busy),
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    );
    let killed: String = redis::cmd("SCRIPT").arg("KILL").query(&mut other).unwrap();
    assert_eq!(killed, "OK");
    let reply = rx
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error_text(&reply),
        "ERR Script killed by user with SCRIPT KILL... script: 694a5fe1ddb97a4c6a1bf299d9537c7d3d0f84e7, on @user_script:1."
    );
    // Serving again, on old and new connections.
    let v: String = other.get("k").unwrap();
    assert_eq!(v, "v");
    let mut fresh = srv.client();
    let n: i64 = eval(&mut fresh, "return 7", &[], &[]).unwrap();
    assert_eq!(n, 7);
    let err = redis::cmd("SCRIPT")
        .arg("KILL")
        .query::<Value>(&mut fresh)
        .unwrap_err();
    assert_eq!(
        error_text(&err),
        "NOTBUSY No scripts in execution right now."
    );
}

const BUSY: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

/// Waits until `con` gets BUSY: a GET waits for a running script until it is
/// busy, and is answered at once before the script starts.
fn wait_busy(con: &mut Connection) {
    let start = Instant::now();
    loop {
        match con.get::<_, Option<String>>("probe") {
            Err(e) => return assert_eq!(error_text(&e), BUSY),
            Ok(_) => {
                assert!(start.elapsed() < Duration::from_secs(10), "never busy");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

#[test]
fn watch_while_a_script_is_busy_is_dirtied_by_the_scripts_later_writes() {
    // As in Redis, which serves the WATCH between two steps of the script:
    // what the script writes afterwards makes EXEC fail.
    let srv = TestServer::start();
    srv.store.set_lua_time_limit(10);
    let mut other = srv.client();
    let _: () = other.set("k", "0").unwrap();
    let (tx, rx) = mpsc::channel();
    let mut runner = srv.client();
    let until = (T0 / 1000 + 1).to_string();
    std::thread::spawn(move || {
        // Runs until the store's (manual) clock passes `until`, then writes.
        let script = "while tonumber(redis.call('TIME')[1]) < tonumber(ARGV[1]) do end
                      redis.call('SET', KEYS[1], 'script')
                      return 1";
        tx.send(eval::<i64>(&mut runner, script, &["k"], &[&until]))
            .unwrap();
    });
    wait_busy(&mut other);
    let mut watcher = srv.client();
    // Answered while the script still runs (it used to wait for it).
    let ok: String = redis::cmd("WATCH").arg("k").query(&mut watcher).unwrap();
    assert_eq!(ok, "OK");
    srv.clock.advance_ms(2000);
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), Ok(1));
    let _: () = redis::cmd("MULTI").query(&mut watcher).unwrap();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("tx")
        .query(&mut watcher)
        .unwrap();
    let exec: Value = redis::cmd("EXEC").query(&mut watcher).unwrap();
    assert_eq!(exec, Value::Nil);
    let v: String = other.get("k").unwrap();
    assert_eq!(v, "script");
}

#[test]
fn shutdown_nosave_ends_the_server_during_an_unkillable_runaway_script() {
    let srv = TestServer::start();
    srv.store.set_lua_time_limit(10);
    let (tx, rx) = mpsc::channel();
    let mut runner = srv.client();
    std::thread::spawn(move || {
        let script = "redis.call('SET', 'k', 'v') while true do end";
        tx.send(eval::<Value>(&mut runner, script, &[], &[]))
            .unwrap();
    });
    let mut other = srv.client();
    wait_busy(&mut other);
    let kill = redis::cmd("SCRIPT")
        .arg("KILL")
        .query::<Value>(&mut other)
        .unwrap_err();
    assert_eq!(
        error_text(&kill),
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    );
    let save = redis::cmd("SHUTDOWN")
        .query::<Value>(&mut other)
        .unwrap_err();
    assert_eq!(error_text(&save), BUSY);
    // Redis exits without a reply; the connection just closes.
    assert!(
        redis::cmd("SHUTDOWN")
            .arg("NOSAVE")
            .query::<Value>(&mut other)
            .is_err()
    );
    srv.done.recv_timeout(Duration::from_secs(10)).unwrap();
    // The script's client is not left waiting either.
    assert!(rx.recv_timeout(Duration::from_secs(10)).unwrap().is_err());
}

/// Everything logged through `tracing` in this test binary once
/// [`capture_log`] has run (the server's log, as `fmt` writes it).
static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt()
            .with_writer(|| LogSink)
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .with_max_level(tracing::Level::TRACE)
            .init();
    });
}

/// The captured log lines that mention `marker`, as "LEVEL message".
fn logged(marker: &str) -> Vec<String> {
    String::from_utf8_lossy(&LOG.lock().unwrap())
        .lines()
        .filter(|l| l.contains(marker))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn redis_log_lines_reach_the_server_log_at_their_level_above_loglevel() {
    capture_log();
    let srv = TestServer::start();
    let mut con = srv.client();
    let script = "redis.log(redis.LOG_WARNING, 'warning', ARGV[1])
                  redis.log(redis.LOG_NOTICE, 'notice', ARGV[1])
                  redis.log(redis.LOG_VERBOSE, 'verbose', ARGV[1])
                  redis.log(redis.LOG_DEBUG, 'debug', ARGV[1])";
    for (loglevel, want) in [
        ("notice", &["WARN warning", "INFO notice"][..]),
        ("warning", &["WARN warning"][..]),
        (
            "debug",
            &[
                "WARN warning",
                "INFO notice",
                "DEBUG verbose",
                "DEBUG debug",
            ][..],
        ),
    ] {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg("loglevel")
            .arg(loglevel)
            .query(&mut con)
            .unwrap();
        let marker = format!("log-test-{}-{loglevel}", srv.port);
        let _: Value = eval(&mut con, script, &[], &[&marker]).unwrap();
        let want: Vec<String> = want.iter().map(|w| format!("{w} {marker}")).collect();
        assert_eq!(logged(&marker), want, "loglevel {loglevel}");
    }
}

#[test]
fn exec_and_info_sent_before_a_script_gets_busy_get_busy_rather_than_wait_for_it() {
    // Redis serves them at the script's first step past lua-time-limit; the
    // store lock they need would keep them waiting until the script ends.
    let srv = TestServer::start();
    srv.store.set_lua_time_limit(200);
    let mut sub = srv.client();
    let mut ps = sub.as_pubsub();
    ps.subscribe("started").unwrap();
    let mut tx = srv.client();
    let _: () = redis::cmd("MULTI").query(&mut tx).unwrap();
    let _: () = redis::cmd("INCR").arg("n").query(&mut tx).unwrap();
    let mut runner = srv.client();
    let (done, ended) = mpsc::channel();
    std::thread::spawn(move || {
        let script = "redis.call('PUBLISH', 'started', 'yes') while true do end";
        done.send(eval::<Value>(&mut runner, script, &[], &[]))
            .unwrap();
    });
    // The script holds the store now, and is not busy for 200 ms.
    let msg = ps.get_message().unwrap();
    assert_eq!(msg.get_payload::<String>().unwrap(), "yes");
    let mut other = srv.client();
    let info = redis::cmd("INFO").query::<Value>(&mut other).unwrap_err();
    assert_eq!(error_text(&info), BUSY);
    let exec = redis::cmd("EXEC").query::<Value>(&mut tx).unwrap_err();
    assert_eq!(
        error_text(&exec),
        format!("EXECABORT Transaction discarded because of: {BUSY}")
    );
    let killed: String = redis::cmd("SCRIPT").arg("KILL").query(&mut other).unwrap();
    assert_eq!(killed, "OK");
    let ended = ended.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(error_text(&ended.unwrap_err()).starts_with("ERR Script killed by user"));
    let n: Option<i64> = other.get("n").unwrap();
    assert_eq!(n, None);
}
