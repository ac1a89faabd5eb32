//! embedis-server over TCP: real clients (the `redis` crate) and raw bytes.

use std::time::{Duration, Instant};

use embedis_server::Server;
use embedis_tests::TestServer;
use redis::Commands;

fn wait_until(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "condition not reached in 5 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ping_echo_set_get_over_raw_bytes_and_inline() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.assert("PING\r\n", "+PONG\r\n");
    c.assert("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", "$2\r\nhi\r\n");
    c.assert("SET k \"a b\"\r\nGET k\r\n", "+OK\r\n$3\r\na b\r\n");
    c.assert("GET nope\r\n", "$-1\r\n");
    c.assert(
        "FOO a b\r\n",
        "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n",
    );
    c.assert(
        "GET\r\n",
        "-ERR wrong number of arguments for 'get' command\r\n",
    );
    c.assert("QUIT\r\n", "+OK\r\n");
    assert!(c.is_closed());
}

#[test]
fn pipeline_of_10k_commands_replies_in_order() {
    let s = TestServer::start();
    let mut con = s.client();
    let mut p = redis::pipe();
    for i in 0..10_000 {
        p.cmd("INCR").arg("counter");
        if i % 1000 == 0 {
            p.cmd("SET").arg(format!("k{i}")).arg(i);
        }
    }
    let replies: Vec<redis::Value> = p.query(&mut con).unwrap();
    assert_eq!(replies.len(), 10_010);
    let last: i64 = con.get("counter").unwrap();
    assert_eq!(last, 10_000);
    let v: i64 = con.get("k5000").unwrap();
    assert_eq!(v, 5000);
}

#[test]
fn multi_exec_with_queued_error_aborts_and_runtime_error_is_per_command() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.assert("MULTI\r\n", "+OK\r\n");
    c.assert("SET a 1\r\n", "+QUEUED\r\n");
    c.assert(
        "INCR a x\r\n",
        "-ERR wrong number of arguments for 'incr' command\r\n",
    );
    c.assert(
        "EXEC\r\n",
        "-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    c.assert("GET a\r\n", "$-1\r\n");
    c.assert(
        "MULTI\r\nSET a x\r\nINCR a\r\nSELECT 1\r\nSET b 2\r\nPING\r\nEXEC\r\n",
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*5\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n+OK\r\n+PONG\r\n",
    );
    // SELECT inside MULTI sticks after EXEC.
    c.assert("GET b\r\n", "$1\r\n2\r\n");
    c.assert("EXEC\r\n", "-ERR EXEC without MULTI\r\n");
    c.assert(
        "MULTI\r\nMULTI\r\n",
        "+OK\r\n-ERR MULTI calls can not be nested\r\n",
    );
    c.assert("DISCARD\r\n", "+OK\r\n");
}

#[test]
fn watch_conflict_between_two_connections_aborts_exec() {
    let s = TestServer::start();
    let mut a = s.raw();
    let mut b = s.raw();
    a.assert("SET w 1\r\nWATCH w\r\n", "+OK\r\n+OK\r\n");
    b.assert("SET w 2\r\n", "+OK\r\n");
    a.assert("MULTI\r\nSET w 3\r\nEXEC\r\n", "+OK\r\n+QUEUED\r\n*-1\r\n");
    a.assert("GET w\r\n", "$1\r\n2\r\n");
    // Without a conflict it runs, and EXEC unwatches.
    a.assert(
        "WATCH w\r\nMULTI\r\nSET w 4\r\nEXEC\r\n",
        "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n",
    );
    b.assert("SET w 5\r\n", "+OK\r\n");
    a.assert(
        "MULTI\r\nGET w\r\nEXEC\r\n",
        "+OK\r\n+QUEUED\r\n*1\r\n$1\r\n5\r\n",
    );
}

#[test]
fn pubsub_between_tcp_subscriber_and_in_process_publisher_both_ways() {
    let s = TestServer::start();
    let mut sub = s.raw();
    sub.assert(
        "SUBSCRIBE news\r\n",
        "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n",
    );
    sub.assert(
        "GET x\r\n",
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    // A subcommand is named as its full name (redis-server 7.0.15's text).
    sub.assert(
        "client LIST\r\n",
        "-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    sub.assert("PING\r\n", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(s.store.publish("news", "hello"), 1);
    let want = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n";
    assert_eq!(String::from_utf8_lossy(&sub.read_n(want.len())), want);
    // And the other way: an in-process subscriber, a TCP publisher.
    let mut inproc = s.store.subscribe(["events"]);
    let mut con = s.client();
    let n: i64 = redis::cmd("PUBLISH")
        .arg("events")
        .arg("e1")
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        &inproc.recv_timeout(Duration::from_secs(5)).unwrap().payload[..],
        b"e1"
    );
    let _ = &mut inproc;
    // A redis-crate subscriber sees a message published in-process.
    let mut con2 = s.client();
    let mut ps = con2.as_pubsub();
    ps.psubscribe("ev*").unwrap();
    wait_until(|| s.store.pubsub_numpat() == 1);
    s.store.publish("evx", "p1");
    let msg = ps.get_message().unwrap();
    assert_eq!(msg.get_payload::<String>().unwrap(), "p1");
    assert_eq!(msg.get_pattern::<String>().unwrap(), "ev*");
}

#[test]
fn resp3_subscriber_gets_push_frames_and_can_run_commands() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send_hello3();
    c.assert(
        "SUBSCRIBE ch\r\n",
        ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    c.assert("GET x\r\n", "_\r\n");
    s.store.publish("ch", "m");
    let want = ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n";
    assert_eq!(String::from_utf8_lossy(&c.read_n(want.len())), want);
    c.assert(
        "UNSUBSCRIBE\r\n",
        ">3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n",
    );
}

trait Hello3 {
    fn send_hello3(&mut self);
}

impl Hello3 for embedis_tests::Raw {
    fn send_hello3(&mut self) {
        let id = {
            // The id is the only variable part; ask for it first.
            let r = self.exchange(b"CLIENT ID\r\n", 3);
            let mut line = r;
            while !line.ends_with(b"\r\n") {
                line.extend(self.read_n(1));
            }
            String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned()
        };
        let want = format!(
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
        );
        self.assert("HELLO 3\r\n", &want);
    }
}

#[test]
fn hello_3_gives_map_replies_and_resp3_nulls() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.send_hello3();
    c.assert("GET nope\r\n", "_\r\n");
    c.assert(
        "CONFIG GET databases\r\n",
        "%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n",
    );
    c.assert("HELLO 4\r\n", "-NOPROTO unsupported protocol version\r\n");
    c.assert(
        "HELLO x\r\n",
        "-ERR Protocol version is not an integer or out of range\r\n",
    );
    c.assert(
        "HELLO 3 FOO\r\n",
        "-ERR Syntax error in HELLO option 'FOO'\r\n",
    );
}

#[test]
fn blpop_on_one_connection_is_woken_by_rpush_on_another() {
    let s = TestServer::start();
    if embedis::command::lookup(b"blpop").is_none() {
        eprintln!("BLPOP is not in the table yet; skipping");
        return;
    }
    let mut a = s.raw();
    let mut b = s.raw();
    a.stream.write_all_ext(b"BLPOP q 0\r\nPING\r\n");
    wait_until(|| s.host.clients_blocked() == 1);
    b.assert("RPUSH q v\r\n", ":1\r\n");
    let want = "*2\r\n$1\r\nq\r\n$1\r\nv\r\n+PONG\r\n";
    assert_eq!(String::from_utf8_lossy(&a.read_n(want.len())), want);
    // A timeout gives a null array.
    a.assert("BLPOP q 0.05\r\n", "*-1\r\n");
}

trait WriteAll {
    fn write_all_ext(&mut self, b: &[u8]);
}

impl WriteAll for std::net::TcpStream {
    fn write_all_ext(&mut self, b: &[u8]) {
        std::io::Write::write_all(self, b).unwrap();
    }
}

#[test]
fn client_disconnecting_while_blocked_or_mid_multi_leaks_nothing() {
    let s = TestServer::start();
    let mut a = s.raw();
    a.assert("MULTI\r\nSET x 1\r\n", "+OK\r\n+QUEUED\r\n");
    a.assert(
        "WATCH\r\n",
        "-ERR wrong number of arguments for 'watch' command\r\n",
    );
    drop(a);
    if embedis::command::lookup(b"blpop").is_some() {
        let mut b = s.raw();
        b.stream.write_all_ext(b"BLPOP q1 q2 0\r\n");
        wait_until(|| s.host.clients_blocked() == 1);
        drop(b);
    }
    let mut w = s.raw();
    w.assert("WATCH k\r\n", "+OK\r\n");
    drop(w);
    // Half a command, then gone.
    let mut h = s.raw();
    h.stream.write_all_ext(b"*3\r\n$3\r\nSET\r\n$1\r\nk");
    drop(h);
    wait_until(|| s.host.clients_connected() == 0);
    assert_eq!(s.host.clients_blocked(), 0);
    assert_eq!(s.store.blocked_waiters(), 0);
    // The queued SET never ran; a later push is not swallowed by a ghost waiter.
    let mut c = s.raw();
    c.assert("GET x\r\n", "$-1\r\n");
    if embedis::command::lookup(b"rpush").is_some() {
        c.assert("RPUSH q1 v\r\nLLEN q1\r\n", ":1\r\n:1\r\n");
    }
}

#[test]
fn auth_noauth_wrongpass() {
    let s = TestServer::start_with(Server::builder().requirepass("secret"));
    let mut c = s.raw();
    c.assert("GET x\r\n", "-NOAUTH Authentication required.\r\n");
    c.assert(
        "FOO\r\n",
        "-ERR unknown command 'FOO', with args beginning with: \r\n",
    );
    c.assert(
        "AUTH nope\r\n",
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    c.assert(
        "AUTH other secret\r\n",
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    c.assert(
        "HELLO 3\r\n",
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
    );
    c.assert("AUTH secret\r\nSET x 1\r\n", "+OK\r\n+OK\r\n");
    let mut d = s.raw();
    d.assert("AUTH default secret\r\nGET x\r\n", "+OK\r\n$1\r\n1\r\n");
    // Unauthenticated clients get Redis's tight protocol limits.
    let mut e = s.raw();
    e.assert(
        "*11\r\n",
        "-ERR Protocol error: unauthenticated multibulk length\r\n",
    );
    assert!(e.is_closed());
    // The redis crate with a password in the URL.
    let mut con = redis::Client::open(format!("redis://:secret@{}/", s.addr))
        .unwrap()
        .get_connection()
        .unwrap();
    let v: String = con.get("x").unwrap();
    assert_eq!(v, "1");
}

#[test]
fn auth_without_password_configured_is_an_error() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.assert(
        "AUTH x\r\n",
        "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
    c.assert("AUTH default anything\r\n", "+OK\r\n");
}

#[test]
fn select_isolates_databases() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.assert(
        "SET k zero\r\nSELECT 1\r\nGET k\r\nSET k one\r\n",
        "+OK\r\n+OK\r\n$-1\r\n+OK\r\n",
    );
    c.assert("SELECT 0\r\nGET k\r\n", "+OK\r\n$4\r\nzero\r\n");
    c.assert("SELECT 16\r\n", "-ERR DB index is out of range\r\n");
    c.assert(
        "SELECT x\r\n",
        "-ERR value is not an integer or out of range\r\n",
    );
    let mut d = s.raw();
    d.assert("SELECT 1\r\nGET k\r\n", "+OK\r\n$3\r\none\r\n");
    assert_eq!(
        s.store.db(1).get("k").unwrap().as_deref(),
        Some(&b"one"[..])
    );
}

#[test]
fn malformed_frames_close_only_that_connection() {
    let s = TestServer::start();
    let mut other = s.raw();
    other.assert("SET keep 1\r\n", "+OK\r\n");
    for (input, want) in [
        (
            "*1\r\n$abc\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            "*1\r\n$4\nPING\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            "*x\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            "*1\r\n$600000000\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            "*2\r\n$3\r\nGET\r\n:1\r\n",
            "-ERR Protocol error: expected '$', got ':'\r\n",
        ),
        (
            "SET \"a\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        // Commands before the bad frame still run.
        (
            "PING\r\n*-x\r\n",
            "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        ),
    ] {
        let mut c = s.raw();
        c.assert(input, want);
        assert!(c.is_closed(), "{input:?} should close the connection");
    }
    let mut big = s.raw();
    let long = vec![b'a'; 70 * 1024];
    let got = big.exchange(&long, 40);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR Protocol error: too big inline request\r\n"
    );
    other.assert("GET keep\r\n", "$1\r\n1\r\n");
}

#[test]
fn client_list_cmd_is_each_clients_last_command() {
    // As redis-server 7.0.15: `cmd=` is the full name of the last command
    // (subcommands as `client|list`), also after pipelines of one command.
    let s = TestServer::start();
    let mut a = s.raw();
    a.assert("CLIENT SETNAME a\r\n", "+OK\r\n");
    a.assert(
        "SET k 1\r\nSET k 2\r\nGET k\r\nGET k\r\n",
        "+OK\r\n+OK\r\n$1\r\n2\r\n$1\r\n2\r\n",
    );
    let mut b = s.raw();
    b.assert("CLIENT SETNAME b\r\n", "+OK\r\n");
    let mut con = s.client();
    let cmd_of = |con: &mut redis::Connection, name: &str| -> String {
        let list: String = redis::cmd("CLIENT").arg("LIST").query(con).unwrap();
        let line = list
            .lines()
            .find(|l| l.contains(&format!(" name={name} ")))
            .unwrap()
            .to_owned();
        line.split(' ')
            .find_map(|f| f.strip_prefix("cmd="))
            .unwrap()
            .to_owned()
    };
    assert_eq!(cmd_of(&mut con, "a"), "get");
    assert_eq!(cmd_of(&mut con, "b"), "client|setname");
    a.assert("GET k\r\nSET k 3\r\n", "$1\r\n2\r\n+OK\r\n");
    assert_eq!(cmd_of(&mut con, "a"), "set");
    for (sent, error, cmd) in [
        (
            "NOSUCH",
            "unknown command 'NOSUCH', with args beginning with: ",
            "NULL",
        ),
        (
            "CLIENT FOO",
            "unknown subcommand 'FOO'. Try CLIENT HELP.",
            "NULL",
        ),
        (
            "CLIENT",
            "wrong number of arguments for 'client' command",
            "client",
        ),
        (
            "CONFIG GET",
            "wrong number of arguments for 'config|get' command",
            "config|get",
        ),
        ("GET", "wrong number of arguments for 'get' command", "get"),
    ] {
        a.assert(&format!("{sent}\r\n"), &format!("-ERR {error}\r\n"));
        assert_eq!(cmd_of(&mut con, "a"), cmd, "{sent}");
    }
    a.assert("GET k\r\n", "$1\r\n3\r\n");
    assert_eq!(cmd_of(&mut con, "a"), "get");
    let own: String = redis::cmd("CLIENT").arg("INFO").query(&mut con).unwrap();
    assert!(own.contains(" cmd=client|info "), "{own}");
}

#[test]
fn client_list_kill_setname() {
    let s = TestServer::start();
    let mut a = s.raw();
    let mut b = s.raw();
    a.assert(
        "CLIENT SETNAME alice\r\nCLIENT GETNAME\r\n",
        "+OK\r\n$5\r\nalice\r\n",
    );
    a.assert(
        "CLIENT SETNAME \"a b\"\r\n",
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    let mut con = s.client();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut con).unwrap();
    assert_eq!(list.lines().count(), 3, "{list}");
    assert!(list.contains("name=alice"), "{list}");
    b.assert("PING\r\n", "+PONG\r\n");
    let id: i64 = {
        let line = list.lines().find(|l| l.contains("name=alice")).unwrap();
        line.split(' ').next().unwrap()[3..].parse().unwrap()
    };
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query(&mut con)
        .unwrap();
    assert_eq!(killed, 1);
    assert!(a.is_closed());
    b.assert("PING\r\n", "+PONG\r\n");
}

#[test]
fn info_reports_redis_version_and_parses() {
    let s = TestServer::start();
    let mut con = s.client();
    let _: () = con.set("a", 1).unwrap();
    let info: String = redis::cmd("INFO").query(&mut con).unwrap();
    assert!(info.contains("redis_version:7.0.15\r\n"), "{info}");
    for line in info.lines() {
        assert!(
            line.is_empty() || line.starts_with("# ") || line.contains(':'),
            "unparseable INFO line {line:?}"
        );
    }
    assert!(
        info.contains("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0"),
        "{info}"
    );
    let ks: String = redis::cmd("INFO").arg("keyspace").query(&mut con).unwrap();
    assert!(ks.starts_with("# Keyspace\r\n"), "{ks}");
    assert!(!ks.contains("# Server"));
    let count: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut con).unwrap();
    assert_eq!(count as usize, embedis::command::commands().count());
    let t: Vec<String> = redis::cmd("TIME").query(&mut con).unwrap();
    assert_eq!(t.len(), 2);
}

#[test]
fn pipelined_batch_after_a_blocked_command_runs_once_unblocked() {
    let s = TestServer::start();
    if embedis::command::lookup(b"blpop").is_none() {
        return;
    }
    let mut a = s.raw();
    a.stream
        .write_all_ext(b"BLPOP q 0.2\r\nSET after 1\r\nGET after\r\n");
    let want = "*-1\r\n+OK\r\n$1\r\n1\r\n";
    assert_eq!(String::from_utf8_lossy(&a.read_n(want.len())), want);
}

#[test]
fn restart_with_a_snapshot_preserves_every_type_and_ttl() {
    let dir = tempfile::tempdir().unwrap();
    let builder = || Server::builder().persistence(dir.path(), "dump.embedis");
    let s = TestServer::start_with(builder());
    let mut c = s.raw();
    c.assert(
        "SET s v\r\nSET t x\r\nPEXPIRE t 600000\r\nSELECT 3\r\nSET other 1\r\n",
        "+OK\r\n+OK\r\n:1\r\n+OK\r\n+OK\r\n",
    );
    let mut typed = vec!["string"];
    for (cmd, t) in [
        ("RPUSH l a b\r\n", "list"),
        ("HSET h f v\r\n", "hash"),
        ("SADD st m\r\n", "set"),
        ("ZADD z 1.5 m\r\n", "zset"),
    ] {
        let name = cmd.split(' ').next().unwrap().to_ascii_lowercase();
        if embedis::command::lookup(name.as_bytes()).is_some() {
            c.assert(
                &format!("SELECT 0\r\n{cmd}"),
                &format!("+OK\r\n{}", if t == "list" { ":2\r\n" } else { ":1\r\n" }),
            );
            typed.push(t);
        }
    }
    c.assert("SAVE\r\n", "+OK\r\n");
    drop(c);
    let before = s.store.snapshot_to_vec();
    s.stop();
    let s2 = TestServer::start_with(builder());
    assert_eq!(s2.store.db(0).get("s").unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(
        s2.store.db(3).get("other").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    let mut c = s2.raw();
    let ttl = c.exchange(b"PTTL t\r\n", 9);
    let ms: i64 = String::from_utf8_lossy(&ttl[1..ttl.len() - 2])
        .parse()
        .unwrap();
    assert!((590_000..=600_000).contains(&ms), "{ms}");
    for t in typed {
        let key = match t {
            "string" => "s",
            "list" => "l",
            "hash" => "h",
            "set" => "st",
            _ => "z",
        };
        if embedis::command::lookup(b"type").is_some() {
            c.assert(&format!("TYPE {key}\r\n"), &format!("+{t}\r\n"));
        }
    }
    assert_eq!(s2.store.snapshot_to_vec().len(), before.len());
}

#[test]
fn bgsave_writes_the_snapshot_and_lastsave_moves() {
    let dir = tempfile::tempdir().unwrap();
    let s = TestServer::start_with(Server::builder().persistence(dir.path(), "d.embedis"));
    let mut c = s.raw();
    c.assert(
        "SET a 1\r\nBGSAVE\r\n",
        "+OK\r\n+Background saving started\r\n",
    );
    wait_until(|| !s.host.bgsave_in_progress());
    let loaded = embedis::Store::load_from_path(dir.path().join("d.embedis")).unwrap();
    assert_eq!(loaded.db(0).get("a").unwrap().as_deref(), Some(&b"1"[..]));
}

#[test]
fn corrupt_snapshot_refuses_to_start_and_leaves_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.embedis");
    std::fs::write(&path, b"EMBEDIS\0garbage").unwrap();
    let err = Server::builder()
        .persistence(dir.path(), "dump.embedis")
        .bind(["127.0.0.1"])
        .port(0)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("dump.embedis"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"EMBEDIS\0garbage");
}

/// `busy-poll-us` (an embedis setting): 50 by default, set and read back
/// through CONFIG with the words Redis uses for numeric settings, and the
/// server answers the same with busy polling on, off and very long.
#[test]
fn busy_poll_us_is_a_config_setting_and_changes_no_reply() {
    let s = TestServer::start();
    let mut c = s.raw();
    c.assert(
        "CONFIG GET busy-poll-us\r\n",
        "*2\r\n$12\r\nbusy-poll-us\r\n$2\r\n50\r\n",
    );
    let failed = "-ERR CONFIG SET failed (possibly related to argument 'busy-poll-us') - ";
    c.assert(
        "CONFIG SET busy-poll-us -1\r\n",
        &format!("{failed}argument must be between 0 and 1000000 inclusive\r\n"),
    );
    c.assert(
        "CONFIG SET busy-poll-us 1e3\r\n",
        &format!("{failed}argument couldn't be parsed into an integer\r\n"),
    );
    let mut con = s.client();
    for us in [0, 1_000_000, 50] {
        c.assert(&format!("CONFIG SET busy-poll-us {us}\r\n"), "+OK\r\n");
        let got: Vec<(String, u64)> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("busy-poll-us")
            .query(&mut con)
            .unwrap();
        assert_eq!(got, vec![("busy-poll-us".to_string(), us)]);
        for i in 0..200 {
            let n: i64 = con.incr(format!("counter:{us}"), 1).unwrap();
            assert_eq!(n, i + 1);
        }
        c.assert(&format!("GET counter:{us}\r\n"), "$3\r\n200\r\n");
    }
}
