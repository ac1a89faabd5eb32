//! Blocking list pops across threads and futures: wake-ups, first-come
//! first-served order, timeouts, BLMOVE chains, transactions, and the
//! Redis 7.0 rule that a key of another type keeps its waiters blocked.
//!
//! These tests use real threads; they wait for "a client is blocked" with
//! [`Store::blocked_clients`], never with a fixed sleep.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use embedis::{Bytes, Direction, Dispatch, Error, ManualClock, Protocol, Reply, Store};

const LONG: Duration = Duration::from_secs(10);

fn argv(words: &[&str]) -> Vec<Bytes> {
    words.iter().map(|w| Bytes::from(w.to_string())).collect()
}

fn bulks(items: &[&str]) -> Reply {
    Reply::bulks(items.iter().map(|s| s.as_bytes().to_vec()))
}

fn b(s: &str) -> Bytes {
    Bytes::from(s.to_string())
}

/// Waits (up to 10 s) until `n` commands are blocked.
fn wait_blocked(s: &Store, n: usize) {
    let deadline = Instant::now() + LONG;
    while s.blocked_clients() != n {
        assert!(
            Instant::now() < deadline,
            "never reached {n} blocked clients"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// Dispatches a command that must block and returns its handle.
fn block(s: &Store, words: &[&str]) -> embedis::Blocked {
    match s.dispatch(0, Protocol::Resp2, argv(words)) {
        Dispatch::Blocked(b) => b,
        Dispatch::Reply(r) => panic!("{words:?} did not block: {r:?}"),
    }
}

struct ThreadWaker(thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// A minimal executor: polls `f` on this thread, parking between wake-ups.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// Polls once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn brpop_thread_is_woken_by_a_push_from_another_thread() {
    let s = Store::new();
    let consumer = {
        let db = s.db(0);
        thread::spawn(move || db.brpop(["q"], LONG))
    };
    wait_blocked(&s, 1);
    let producer = {
        let db = s.db(0);
        thread::spawn(move || db.rpush("q", ["job1", "job2"]).unwrap())
    };
    assert_eq!(producer.join().unwrap(), 2);
    assert_eq!(consumer.join().unwrap().unwrap(), Some((b("q"), b("job2"))));
    assert_eq!(s.db(0).lrange("q", 0, -1).unwrap(), ["job1"]);
    assert_eq!(s.blocked_clients(), 0);
}

#[test]
fn waiters_on_one_key_are_served_in_the_order_they_blocked() {
    let s = Store::new();
    let mut threads = Vec::new();
    for i in 0..3 {
        let db = s.db(0);
        threads.push(thread::spawn(move || db.blpop(["q"], LONG)));
        wait_blocked(&s, i + 1);
    }
    s.db(0).rpush("q", ["first", "second", "third"]).unwrap();
    let got: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap().unwrap().1)
        .collect();
    assert_eq!(got, ["first", "second", "third"]);
    assert_eq!(s.db(0).llen("q").unwrap(), 0);
}

#[test]
fn one_push_serves_as_many_waiters_as_it_has_elements() {
    let s = Store::new();
    let first = block(&s, &["BLPOP", "q", "0"]);
    let second = block(&s, &["BLPOP", "q", "0"]);
    s.execute(0, &["RPUSH", "q", "only"]);
    assert_eq!(first.cancel(), bulks(&["q", "only"]));
    assert_eq!(s.blocked_clients(), 1);
    s.execute(0, &["LPUSH", "q", "next"]);
    assert_eq!(second.wait(), bulks(&["q", "next"]));
}

#[test]
fn timeout_returns_none_after_about_the_timeout() {
    let s = Store::new();
    let timeout = Duration::from_millis(200);
    let start = Instant::now();
    assert_eq!(s.db(0).blpop(["nothing"], timeout).unwrap(), None);
    let took = start.elapsed();
    assert!(took >= timeout, "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Through the command table: `*-1`, and the waiter is gone.
    let start = Instant::now();
    assert_eq!(s.execute(0, &["BRPOP", "a", "b", "0.15"]), Reply::NullArray);
    assert!(start.elapsed() >= Duration::from_millis(150));
    // BLMOVE times out with a null array too, once it has blocked (Redis 7.0).
    assert_eq!(
        s.execute(0, &["BLMOVE", "a", "b", "LEFT", "LEFT", "0.01"]),
        Reply::NullArray
    );
    assert_eq!(s.blocked_clients(), 0);
    // A push after the timeout stays in the list.
    s.db(0).rpush("nothing", ["late"]).unwrap();
    assert_eq!(s.db(0).llen("nothing").unwrap(), 1);
}

#[test]
fn blmove_chains_into_a_waiting_blpop() {
    let s = Store::new();
    let mover = {
        let db = s.db(0);
        thread::spawn(move || db.blmove("a", "b", Direction::Left, Direction::Right, LONG))
    };
    wait_blocked(&s, 1);
    let popper = {
        let db = s.db(0);
        thread::spawn(move || db.blpop(["b"], LONG))
    };
    wait_blocked(&s, 2);
    s.db(0).rpush("a", ["1", "2", "3"]).unwrap();
    assert_eq!(mover.join().unwrap().unwrap(), Some(b("1")));
    assert_eq!(popper.join().unwrap().unwrap(), Some((b("b"), b("1"))));
    assert_eq!(s.db(0).lrange("a", 0, -1).unwrap(), ["2", "3"]);
    assert_eq!(s.db(0).llen("b").unwrap(), 0);
}

#[test]
fn brpoplpush_chain_of_three_lists() {
    let s = Store::new();
    let ab = block(&s, &["BRPOPLPUSH", "a", "b", "0"]);
    let bc = block(&s, &["BRPOPLPUSH", "b", "c", "0"]);
    s.execute(0, &["RPUSH", "a", "x"]);
    assert_eq!(ab.wait(), Reply::bulk("x"));
    assert_eq!(bc.wait(), Reply::bulk("x"));
    assert_eq!(s.execute(0, &["LRANGE", "c", "0", "-1"]), bulks(&["x"]));
    assert_eq!(s.execute(0, &["LLEN", "a"]), Reply::Integer(0));
    assert_eq!(s.execute(0, &["LLEN", "b"]), Reply::Integer(0));
}

#[test]
fn push_inside_atomically_wakes_waiters_only_after_it_ends() {
    let s = Store::new();
    let waiter = {
        let db = s.db(0);
        thread::spawn(move || db.blpop(["q"], LONG))
    };
    wait_blocked(&s, 1);
    let inside = s.atomically(0, |tx| {
        vec![
            tx.execute(&["RPUSH", "q", "1", "2"]),
            // Still here: the waiter has not been served mid-transaction.
            tx.execute(&["LRANGE", "q", "0", "-1"]),
            tx.execute(&["LPOP", "q"]),
        ]
    });
    assert_eq!(
        inside,
        vec![Reply::Integer(2), bulks(&["1", "2"]), Reply::bulk("1")]
    );
    // The waiter saw the final state.
    assert_eq!(waiter.join().unwrap().unwrap(), Some((b("q"), b("2"))));
    assert_eq!(s.db(0).llen("q").unwrap(), 0);
}

#[test]
fn keys_written_in_one_step_serve_in_the_order_they_were_written() {
    // As Redis: BLPOP a b 0, then MULTI; RPUSH b 1; RPUSH a 2; EXEC serves from b.
    let s = Store::new();
    let w = block(&s, &["BLPOP", "a", "b", "0"]);
    s.atomically(0, |tx| {
        tx.execute(&["RPUSH", "b", "1"]);
        tx.execute(&["RPUSH", "a", "2"]);
    });
    assert_eq!(w.wait(), bulks(&["b", "1"]));
    assert_eq!(s.execute(0, &["LRANGE", "a", "0", "-1"]), bulks(&["2"]));
}

#[test]
fn a_waiter_on_several_keys_is_served_once() {
    let s = Store::new();
    let w = block(&s, &["BRPOP", "a", "b", "0"]);
    s.execute(0, &["RPUSH", "b", "1"]);
    s.execute(0, &["RPUSH", "a", "2"]);
    assert_eq!(w.wait(), bulks(&["b", "1"]));
    assert_eq!(s.execute(0, &["LRANGE", "a", "0", "-1"]), bulks(&["2"]));
    assert_eq!(s.blocked_clients(), 0);
}

#[test]
fn blmpop_waiter_gets_up_to_count_elements() {
    let s = Store::new();
    let w = block(&s, &["BLMPOP", "0", "2", "x", "y", "RIGHT", "COUNT", "2"]);
    s.execute(0, &["RPUSH", "y", "1", "2", "3"]);
    assert_eq!(
        w.wait(),
        Reply::Array(vec![Reply::bulk("y"), bulks(&["3", "2"])])
    );
    assert_eq!(s.execute(0, &["LRANGE", "y", "0", "-1"]), bulks(&["1"]));
}

#[test]
fn dispatch_blocked_is_a_future_resolved_by_a_push() {
    let s = Store::new();
    let blocked = block(&s, &["BLPOP", "q", "0"]);
    assert_eq!(blocked.timeout(), None);
    let producer = {
        let db = s.db(0);
        thread::spawn(move || {
            wait_blocked(db.store(), 1);
            db.lpush("q", ["hello"]).unwrap();
        })
    };
    assert_eq!(block_on(blocked), bulks(&["q", "hello"]));
    producer.join().unwrap();
}

#[test]
fn blpop_async_resolves_when_served_and_cancel_keeps_a_served_element() {
    let s = Store::new();
    let db = s.db(0);
    let mut pending = db.blpop_async(["q"]);
    assert!(!pending.is_ready());
    assert!(poll_once(&mut pending).is_pending());
    db.rpush("q", ["v"]).unwrap();
    assert_eq!(block_on(pending).unwrap(), Some((b("q"), b("v"))));

    // Served between the last poll and the caller's timer: cancel returns it.
    let mut raced = db.brpop_async(["q"]);
    assert!(poll_once(&mut raced).is_pending());
    db.rpush("q", ["w"]).unwrap();
    assert_eq!(raced.cancel().unwrap(), Some((b("q"), b("w"))));

    // Cancelled before anything arrived: None, and the waiter is gone.
    let idle = db.blmove_async("q", "d", Direction::Left, Direction::Left);
    assert_eq!(s.blocked_clients(), 1);
    assert_eq!(idle.cancel().unwrap(), None);
    assert_eq!(s.blocked_clients(), 0);

    // Data already there: ready at once.
    db.rpush("q", ["now"]).unwrap();
    let ready = db.blmove_async("q", "d", Direction::Left, Direction::Left);
    assert!(ready.is_ready());
    assert_eq!(block_on(ready).unwrap(), Some(b("now")));

    // Errors resolve at once too.
    db.set("str", "x").unwrap();
    assert_eq!(block_on(db.blpop_async(["str"])), Err(Error::WrongType));
    assert_eq!(
        block_on(db.blpop_async(Vec::<&str>::new())),
        Err(Error::wrong_arity("blpop"))
    );
}

#[test]
fn dropping_a_blocked_handle_unregisters_the_waiter() {
    let s = Store::new();
    let w = block(&s, &["BLPOP", "q", "0"]);
    assert_eq!(s.blocked_clients(), 1);
    drop(w);
    assert_eq!(s.blocked_clients(), 0);
    s.execute(0, &["RPUSH", "q", "kept"]);
    assert_eq!(s.execute(0, &["LRANGE", "q", "0", "-1"]), bulks(&["kept"]));
}

#[test]
fn a_key_of_another_type_keeps_waiters_blocked_as_redis_7_0() {
    // Checked against redis-server 7.0.15: `BLPOP k 0`, then `SET k str`
    // leaves the client blocked; once `k` is gone, `RPUSH k x` serves it.
    let clock = ManualClock::new(1_000_000);
    let s = Store::builder().clock(clock.clone()).build();
    let db = s.db(0);
    let mut w = db.blpop_async(["k"]);
    db.set("k", "str").unwrap();
    assert!(poll_once(&mut w).is_pending());
    assert_eq!(s.blocked_clients(), 1);
    assert!(db.pexpire("k", 1000).unwrap());
    clock.advance_ms(1000);
    db.rpush("k", ["x"]).unwrap();
    assert_eq!(block_on(w).unwrap(), Some((b("k"), b("x"))));
}

#[test]
fn blmove_to_a_destination_of_another_type_fails_the_waiter() {
    // Redis 7.0: the waiter gets WRONGTYPE and the element stays in the source.
    let s = Store::new();
    let w = block(&s, &["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]);
    s.execute(0, &["SET", "dst", "str"]);
    s.execute(0, &["RPUSH", "src", "x"]);
    assert_eq!(w.wait(), Reply::Error(Error::WrongType));
    assert_eq!(s.execute(0, &["LRANGE", "src", "0", "-1"]), bulks(&["x"]));
    assert_eq!(s.blocked_clients(), 0);
}

#[test]
fn a_declining_waiter_does_not_hold_up_the_ones_behind_it() {
    let s = Store::new();
    let mover = block(&s, &["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]);
    let popper = block(&s, &["BLPOP", "src", "0"]);
    s.execute(0, &["SET", "dst", "str"]);
    s.execute(0, &["RPUSH", "src", "a", "b"]);
    assert_eq!(mover.wait(), Reply::Error(Error::WrongType));
    assert_eq!(popper.wait(), bulks(&["src", "a"]));
}

#[test]
fn typed_blocking_calls_serve_at_once_and_report_errors() {
    let s = Store::new();
    let db = s.db(0);
    db.rpush("l", ["a", "b", "c"]).unwrap();
    assert_eq!(db.blpop(["x", "l"], LONG).unwrap(), Some((b("l"), b("a"))));
    assert_eq!(db.brpop(["l"], LONG).unwrap(), Some((b("l"), b("c"))));
    assert_eq!(
        db.blmove("l", "m", Direction::Right, Direction::Left, LONG)
            .unwrap(),
        Some(b("b"))
    );
    assert_eq!(
        db.blmpop(["m"], Direction::Left, 3, LONG).unwrap(),
        Some((b("m"), vec![b("b")]))
    );
    assert_eq!(
        db.blmpop(["m"], Direction::Left, 3, Duration::from_millis(1))
            .unwrap(),
        None
    );
    // Sub-millisecond timeouts are not "forever".
    assert_eq!(db.blpop(["m"], Duration::from_micros(10)).unwrap(), None);
    db.set("s", "x").unwrap();
    assert_eq!(db.blpop(["s"], LONG), Err(Error::WrongType));
    assert_eq!(
        db.blmpop(["m"], Direction::Left, 0, LONG),
        Err(Error::CountNotPositive)
    );
}
