#!/usr/bin/env python3
"""redis-py (Debian's python3-redis) against a real embedis-server process.

Starts the `embedis-server` binary (EMBEDIS_SERVER, else target/release or
target/debug) on a free port, runs every `test_*` function below with a fresh
client, and prints `N passed, N failed` as its last line. Exit status 1 when
any test failed. Plain asserts, no pytest: this has to run with nothing but
Debian's python3 and python3-redis.

redis-py 4.3 speaks RESP2 only (RESP3 arrived in redis-py 5), so RESP3 is
covered by the Node suites.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import redis

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def server_binary():
    explicit = os.environ.get("EMBEDIS_SERVER")
    if explicit:
        return explicit
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "embedis-server")
        if os.path.exists(path):
            return path
    sys.exit("embedis-server not built: run `cargo build -p embedis-server` first")


class Server:
    """One embedis-server child process on 127.0.0.1 and an ephemeral port."""

    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="embedis-py-")
        if os.environ.get("CLIENT_SUITE_ORACLE") == "redis-server":
            # Check the suite itself against real Redis 7.0.
            self.start_redis(extra)
            return
        self.proc = subprocess.Popen(
            [server_binary(), "--port", "0", "--bind", "127.0.0.1", "--save", "",
             "--dir", self.dir, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        deadline = time.monotonic() + 20
        self.port = None
        self.log = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"Listening on 127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.stop()
            sys.exit("embedis-server did not start:\n" + "".join(self.log))
        # Keep draining its log so the pipe never fills up.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def start_redis(self, extra):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--dir", self.dir, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self.connectable(), "redis-server to start")

    def connectable(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def raises(exc_type, fn, *args, match=None):
    try:
        fn(*args)
    except exc_type as e:
        if match is not None:
            assert match in str(e), f"{str(e)!r} does not contain {match!r}"
        return e
    raise AssertionError(f"{fn.__name__}{args} did not raise {exc_type.__name__}")


def wait_for(predicate, what, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def blocked_clients(r):
    return int(r.info("clients")["blocked_clients"])


# ---- strings ---------------------------------------------------------------

def test_strings_set_get_and_options(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True) is True
    assert r.set("k", "x", get=True) == b"w"
    assert r.get("missing") is None
    assert r.getdel("k") == b"x"
    assert r.exists("k") == 0


def test_strings_binary_safe_and_large(r):
    blob = bytes(range(256)) * 4096  # 1 MiB with every byte value
    r.set(b"bin\x00key", blob)
    assert r.get(b"bin\x00key") == blob
    assert r.strlen(b"bin\x00key") == len(blob)
    r.set("uni", "h\u00e9llo \u2603")
    assert r.get("uni").decode() == "h\u00e9llo \u2603"


def test_strings_counters(r):
    assert r.incr("n") == 1
    assert r.incrby("n", 41) == 42
    assert r.decr("n") == 41
    assert r.decrby("n", 1) == 40
    assert r.incrbyfloat("f", 10.5) == 10.5
    assert r.incrbyfloat("f", 0.1) == 10.6
    r.set("s", "abc")
    raises(redis.ResponseError, r.incr, "s", match="not an integer")
    r.set("big", "9223372036854775807")
    raises(redis.ResponseError, r.incr, "big", match="overflow")


def test_strings_append_ranges_and_multi_key(r):
    assert r.append("a", "Hello") == 5
    assert r.append("a", " World") == 11
    assert r.getrange("a", 0, 4) == b"Hello"
    assert r.setrange("a", 6, "Redis") == 11
    assert r.get("a") == b"Hello Redis"
    assert r.mset({"x": "1", "y": "2"}) is True
    assert r.mget("x", "y", "nope") == [b"1", b"2", None]
    assert r.msetnx({"y": "3", "z": "4"}) is False
    assert r.get("z") is None


def test_wrongtype_error(r):
    r.rpush("l", "a")
    raises(redis.ResponseError, r.get, "l", match="WRONGTYPE")


# ---- lists -----------------------------------------------------------------

def test_lists_push_pop_range(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == [b"z", b"a", b"b", b"c"]
    assert r.llen("l") == 4
    assert r.lindex("l", -1) == b"c"
    assert r.lpop("l") == b"z"
    assert r.rpop("l", 2) == [b"c", b"b"]
    assert r.linsert("l", "before", "a", "first") == 2
    assert r.lrange("l", 0, -1) == [b"first", b"a"]
    r.lset("l", 0, "one")
    assert r.lrem("l", 0, "a") == 1
    assert r.lrange("l", 0, -1) == [b"one"]
    r.rpush("m", *"abcdef")
    assert r.ltrim("m", 1, -2) is True
    assert r.lrange("m", 0, -1) == [b"b", b"c", b"d", b"e"]
    assert r.lmove("m", "n", "LEFT", "RIGHT") == b"b"
    assert r.lpos("m", "d") == 1
    assert r.lpop("m", 10) == [b"c", b"d", b"e"]
    assert r.exists("m") == 0


def test_blpop_times_out_with_none(r):
    assert r.blpop(["empty"], timeout=0.05) is None


def test_blpop_woken_by_push_from_another_connection(r, server):
    result = {}

    def waiter():
        c = server.client()
        result["v"] = c.blpop(["q1", "q2"], timeout=5)

    t = threading.Thread(target=waiter)
    t.start()
    wait_for(lambda: blocked_clients(r) == 1, "the BLPOP client to block")
    r.rpush("q2", "job")
    t.join(5)
    assert result["v"] == (b"q2", b"job"), result
    assert r.exists("q2") == 0


# ---- hashes ----------------------------------------------------------------

def test_hashes(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", "a", "10") == 0
    assert r.hget("h", "a") == b"10"
    assert r.hgetall("h") == {b"a": b"10", b"b": b"2"}
    assert r.hmget("h", "a", "x") == [b"10", None]
    assert r.hincrby("h", "b", 5) == 7
    assert r.hincrbyfloat("h", "f", 1.5) == 1.5
    assert sorted(r.hkeys("h")) == [b"a", b"b", b"f"]
    assert r.hlen("h") == 3
    assert r.hexists("h", "a") is True
    assert r.hdel("h", "a", "zz") == 1
    assert r.hsetnx("h", "b", "x") == 0
    assert sorted(r.hvals("h")) == [b"1.5", b"7"]
    assert dict(r.hscan_iter("h")) == {b"b": b"7", b"f": b"1.5"}


# ---- sets ------------------------------------------------------------------

def test_sets(r):
    assert r.sadd("s1", "a", "b", "c") == 3
    assert r.sadd("s1", "a") == 0
    assert r.sadd("s2", "b", "c", "d") == 3
    assert r.smembers("s1") == {b"a", b"b", b"c"}
    assert r.sismember("s1", "a") is True
    assert r.smismember("s1", ["a", "z"]) == [True, False]
    assert r.sinter("s1", "s2") == {b"b", b"c"}
    assert r.sunion("s1", "s2") == {b"a", b"b", b"c", b"d"}
    assert r.sdiff("s1", "s2") == {b"a"}
    assert r.sinterstore("dst", ["s1", "s2"]) == 2
    assert r.scard("dst") == 2
    assert r.smove("s1", "s2", "a") is True
    assert r.srem("s2", "a", "zz") == 1
    assert r.spop("dst") in {b"b", b"c"}
    assert set(r.sscan_iter("s2")) == {b"b", b"c", b"d"}


# ---- sorted sets -----------------------------------------------------------

def test_zsets(r):
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zadd("z", {"a": 5}, xx=True, ch=True) == 1
    assert r.zrange("z", 0, -1) == [b"b", b"c", b"a"]
    assert r.zrange("z", 0, -1, withscores=True) == [(b"b", 2.0), (b"c", 3.0), (b"a", 5.0)]
    assert r.zscore("z", "c") == 3.0
    assert r.zrank("z", "a") == 2
    assert r.zrevrank("z", "a") == 0
    assert r.zincrby("z", 0.5, "b") == 2.5
    assert r.zcount("z", "(2.5", "+inf") == 2
    assert r.zrangebyscore("z", 3, 5) == [b"c", b"a"]
    assert r.zpopmin("z") == [(b"b", 2.5)]
    assert r.zcard("z") == 2
    r.zadd("lex", {m: 0 for m in "abcde"})
    assert r.zrangebylex("lex", "[b", "(d") == [b"b", b"c"]
    assert r.zunionstore("u", {"z": 1, "lex": 2}) == 5
    assert r.zscore("u", "a") == 5.0
    assert r.zrem("u", "a", "nope") == 1


def test_zset_infinite_scores(r):
    r.zadd("z", {"lo": float("-inf"), "hi": float("inf")})
    assert r.zrange("z", 0, -1, withscores=True) == [(b"lo", float("-inf")), (b"hi", float("inf"))]


# ---- expiry ----------------------------------------------------------------

def test_expiry_ttl_persist(r):
    r.set("k", "v", ex=100)
    assert 99 <= r.ttl("k") <= 100
    assert 99000 <= r.pttl("k") <= 100000
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.ttl("missing") == -2
    assert r.expire("k", 50) is True
    assert r.expire("k", 10, gt=True) is False
    assert r.pexpire("k", 5000) is True
    assert 4000 <= r.pttl("k") <= 5000
    r.setex("e", 30, "v")
    assert 29 <= r.ttl("e") <= 30
    assert r.getex("e", persist=True) == b"v"
    assert r.ttl("e") == -1


def test_expire_in_the_past_deletes(r):
    r.set("k", "v")
    assert r.expireat("k", int(time.time()) - 10) is True
    assert r.get("k") is None
    assert r.exists("k") == 0
    r.set("p", "v", px=60000)
    assert r.pexpireat("p", 1) is True
    assert r.exists("p") == 0


# ---- keyspace --------------------------------------------------------------

def test_keyspace_scan_rename_type(r):
    for i in range(100):
        r.set(f"key:{i}", i)
    assert set(r.scan_iter(match="key:1*", count=7)) == {f"key:{i}".encode() for i in range(100) if str(i).startswith("1")}
    assert r.dbsize() == 100
    assert r.type("key:1") == b"string"
    r.rename("key:1", "renamed")
    assert r.get("renamed") == b"1"
    assert r.renamenx("renamed", "key:2") is False
    assert sorted(r.keys("key:9?")) == [f"key:9{i}".encode() for i in range(10)]
    assert r.delete("key:2", "key:3", "nope") == 2
    assert r.randomkey() is not None
    assert r.unlink("key:4") == 1


def test_select_isolates_databases(r, server):
    r.set("k", "db0")
    other = server.client(db=3)
    assert other.get("k") is None
    other.set("k", "db3")
    assert r.get("k") == b"db0"
    assert other.get("k") == b"db3"
    assert r.move("k", 5) is True
    assert server.client(db=5).get("k") == b"db0"
    raises(redis.ResponseError, server.client(db=16).ping, match="DB index is out of range")


# ---- pipelines and transactions ---------------------------------------------

def test_pipeline_without_transaction(r):
    p = r.pipeline(transaction=False)
    for i in range(200):
        p.incr("counter")
    p.get("counter")
    p.lpush("not-a-string", "x")
    p.incr("not-a-string")
    out = p.execute(raise_on_error=False)
    assert out[:200] == list(range(1, 201))
    assert out[200] == b"200"
    assert isinstance(out[202], redis.ResponseError)


def test_multi_exec(r):
    p = r.pipeline(transaction=True)
    p.set("a", 1).incr("a").get("a")
    assert p.execute() == [True, 2, b"2"]


def test_multi_exec_runtime_error_does_not_abort(r):
    r.set("s", "text")
    p = r.pipeline(transaction=True)
    p.incr("s").set("after", "yes")
    out = p.execute(raise_on_error=False)
    assert isinstance(out[0], redis.ResponseError)
    assert out[1] is True
    assert r.get("after") == b"yes"


def test_multi_queue_error_aborts_with_execabort(r):
    raw = r.connection_pool.get_connection("MULTI")
    try:
        raw.send_command("MULTI")
        assert raw.read_response() == b"OK"
        raw.send_command("SET", "x")
        raises(redis.ResponseError, raw.read_response, match="wrong number of arguments")
        raw.send_command("EXEC")
        raises(redis.exceptions.ExecAbortError, raw.read_response, match="previous errors")
    finally:
        r.connection_pool.release(raw)
    assert r.exists("x") == 0


def test_watch_conflict_aborts_exec(r, server):
    r.set("balance", 100)
    with r.pipeline() as p:
        p.watch("balance")
        current = int(p.get("balance"))
        server.client().set("balance", 0)  # another client writes in between
        p.multi()
        p.set("balance", current - 10)
        raises(redis.WatchError, p.execute)
    assert r.get("balance") == b"0"


def test_watch_without_conflict_and_transaction_helper(r):
    r.set("n", 1)

    def double(pipe):
        v = int(pipe.get("n"))
        pipe.multi()
        pipe.set("n", v * 2)

    assert r.transaction(double, "n") == [True]
    assert r.get("n") == b"2"


# ---- pub/sub ---------------------------------------------------------------

def next_message(ps, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = ps.get_message(timeout=0.1)
        if m is not None:
            return m
    raise AssertionError("no pub/sub message")


def test_pubsub_channels_and_patterns(r, server):
    ps = server.client().pubsub()
    ps.subscribe("news")
    assert next_message(ps) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
    ps.psubscribe("ev.*")
    assert next_message(ps)["type"] == "psubscribe"
    assert r.pubsub_channels() == [b"news"]
    assert r.pubsub_numsub("news") == [(b"news", 1)]
    assert r.pubsub_numpat() == 1
    assert r.publish("news", "hello") == 1
    assert next_message(ps) == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
    assert r.publish("ev.x", "pat") == 1
    assert next_message(ps) == {"type": "pmessage", "pattern": b"ev.*", "channel": b"ev.x", "data": b"pat"}
    ps.unsubscribe("news")
    assert next_message(ps)["type"] == "unsubscribe"
    assert r.publish("news", "nobody") == 0
    ps.close()


def test_pubsub_ping_in_subscribed_mode(r, server):
    ps = server.client().pubsub()
    ps.subscribe("c")
    next_message(ps)
    ps.ping("hi")
    assert next_message(ps) == {"type": "pong", "pattern": None, "channel": None, "data": b"hi"}
    ps.close()


# ---- connection ------------------------------------------------------------

def test_connection_commands(r):
    assert r.ping() is True
    assert r.echo("hey") == b"hey"
    r.client_setname("py-suite")
    assert r.client_getname() == "py-suite"
    assert isinstance(r.client_id(), int)
    assert any(c["name"] == "py-suite" for c in r.client_list())
    info = r.info()
    assert info["redis_version"].startswith("7.")
    assert "db0" in r.info("keyspace") or r.dbsize() == 0
    cmd_count = r.command_count()
    assert cmd_count > 100


def test_unknown_command_error(r):
    raises(redis.ResponseError, r.execute_command, "NOSUCHCOMMAND", "a",
           match="unknown command 'NOSUCHCOMMAND'")


def test_auth_with_requirepass():
    server = Server("--requirepass", "s3cret")
    try:
        anon = server.client()
        raises(redis.AuthenticationError, anon.get, "k")  # NOAUTH
        raises(redis.ResponseError, server.client(password="wrong").ping, match="WRONGPASS")
        good = server.client(password="s3cret")
        assert good.set("k", "v") is True
        assert good.get("k") == b"v"
        good_user = server.client(username="default", password="s3cret")
        assert good_user.get("k") == b"v"
    finally:
        server.stop()


# ---- runner ----------------------------------------------------------------

def main():
    only = sys.argv[1:]
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    if only:
        tests = [(n, f) for n, f in tests if any(o in n for o in only)]
    server = Server()
    passed = failed = 0
    try:
        for name, fn in tests:
            params = fn.__code__.co_varnames[:fn.__code__.co_argcount]
            r = server.client()
            try:
                r.flushall()
                kwargs = {}
                if "r" in params:
                    kwargs["r"] = r
                if "server" in params:
                    kwargs["server"] = server
                fn(**kwargs)
                passed += 1
                print(f"ok   {name}")
            except Exception:
                failed += 1
                print(f"FAIL {name}")
                print("     " + traceback.format_exc().strip().replace("\n", "\n     "))
            finally:
                r.close()
    finally:
        server.stop()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
