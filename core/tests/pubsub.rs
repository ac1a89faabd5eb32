//! Pub/sub: the hub ([`Store::publish`], [`Subscription`]) and the PUBLISH /
//! PUBSUB commands, as Redis 7.0 replies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use embedis::{Bytes, Error, Message, Reply, Store};

fn msg(channel: &str, pattern: Option<&str>, payload: &str) -> Message {
    Message {
        channel: Bytes::copy_from_slice(channel.as_bytes()),
        pattern: pattern.map(|p| Bytes::copy_from_slice(p.as_bytes())),
        payload: Bytes::copy_from_slice(payload.as_bytes()),
    }
}

fn drain(sub: &embedis::Subscription) -> Vec<Message> {
    std::iter::from_fn(|| sub.try_recv()).collect()
}

fn bulks(items: &[&str]) -> Reply {
    Reply::bulks(items.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())))
}

fn sorted(mut v: Vec<Bytes>) -> Vec<Bytes> {
    v.sort();
    v
}

#[test]
fn publish_counts_channel_and_pattern_receivers() {
    let store = Store::new();
    let a = store.subscribe(["news"]);
    let b = store.subscribe(["news", "sport"]);
    let p = store.psubscribe(["n*", "*s", "s*"]);
    assert_eq!(store.publish("nobody", "x"), 1); // n* only
    assert_eq!(store.publish("news", "hello"), 4); // a, b, n*, *s
    assert_eq!(store.publish("sport", "goal"), 2); // b, s*
    assert_eq!(store.publish("other", "x"), 0);

    assert_eq!(drain(&a), vec![msg("news", None, "hello")]);
    assert_eq!(
        drain(&b),
        vec![msg("news", None, "hello"), msg("sport", None, "goal")]
    );
    assert_eq!(
        drain(&p),
        vec![
            msg("nobody", Some("n*"), "x"),
            msg("news", Some("n*"), "hello"),
            msg("news", Some("*s"), "hello"),
            msg("sport", Some("s*"), "goal"),
        ]
    );
}

#[test]
fn channel_and_pattern_of_one_subscriber_deliver_twice() {
    let store = Store::new();
    let mut sub = store.subscribe(["ch"]);
    sub.psubscribe_more(["c?"]);
    assert_eq!(store.publish("ch", "m"), 2);
    assert_eq!(
        drain(&sub),
        vec![msg("ch", None, "m"), msg("ch", Some("c?"), "m")]
    );
}

#[test]
fn subscribing_twice_to_one_channel_delivers_once() {
    let store = Store::new();
    let mut sub = store.subscribe(["ch", "ch"]);
    let replies = sub.subscribe_more(["ch"]);
    assert_eq!(replies, vec![(Bytes::from_static(b"ch"), 1)]);
    assert_eq!(store.publish("ch", "m"), 1);
    assert_eq!(drain(&sub).len(), 1);
}

#[test]
fn patterns_use_redis_glob() {
    let store = Store::new();
    let sub = store.psubscribe(["h[ae]llo", "x\\*", "[^a]b"]);
    for (channel, want) in [
        ("hello", 1),
        ("hallo", 1),
        ("hillo", 0),
        ("x*", 1),
        ("xy", 0),
        ("cb", 1),
        ("ab", 0),
    ] {
        assert_eq!(store.publish(channel, "m"), want, "{channel}");
    }
    assert_eq!(drain(&sub).len(), 4);
}

#[test]
fn delivery_order_per_subscriber_is_publish_order() {
    let store = Store::new();
    let sub = store.psubscribe(["*"]);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    store.publish(format!("t{t}"), i.to_string());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let got = drain(&sub);
    assert_eq!(got.len(), 800);
    for t in 0..4 {
        let seq: Vec<usize> = got
            .iter()
            .filter(|m| m.channel == format!("t{t}").as_bytes())
            .map(|m| std::str::from_utf8(&m.payload).unwrap().parse().unwrap())
            .collect();
        assert_eq!(seq, (0..200).collect::<Vec<_>>(), "thread {t}");
    }
}

#[test]
fn unsubscribe_stops_delivery_and_replies_with_counts() {
    let store = Store::new();
    let mut sub = store.subscribe(["a", "b"]);
    sub.psubscribe_more(["p*"]);
    assert_eq!(sub.count(), 3);

    let replies = sub.unsubscribe(["a", "zz"]);
    assert_eq!(
        replies,
        vec![
            (Bytes::from_static(b"a"), 2),
            (Bytes::from_static(b"zz"), 2)
        ]
    );
    assert_eq!(store.publish("a", "m"), 0);
    assert_eq!(store.publish("b", "m"), 1);
    assert_eq!(store.publish("px", "m"), 1);

    assert_eq!(sub.punsubscribe_all(), vec![(Bytes::from_static(b"p*"), 1)]);
    assert_eq!(store.publish("px", "m"), 0);
    assert_eq!(sub.unsubscribe_all(), vec![(Bytes::from_static(b"b"), 0)]);
    assert_eq!(store.publish("b", "m"), 0);
    assert_eq!(sub.unsubscribe_all(), vec![]);
    assert_eq!(sub.count(), 0);
    // Messages queued before unsubscribing stay receivable.
    assert_eq!(
        drain(&sub),
        vec![msg("b", None, "m"), msg("px", Some("p*"), "m")]
    );
}

#[test]
fn dropping_a_subscription_unsubscribes_everything() {
    let store = Store::new();
    let mut sub = store.subscribe(["a"]);
    sub.psubscribe_more(["*"]);
    let keep = store.subscribe(["a"]);
    assert_eq!(store.publish("a", "m"), 3);
    drop(sub);
    assert_eq!(store.publish("a", "m"), 1);
    assert_eq!(store.pubsub_numpat(), 0);
    assert_eq!(
        store.pubsub_numsub(["a"]),
        vec![(Bytes::from_static(b"a"), 1)]
    );
    drop(keep);
    assert_eq!(store.pubsub_channels(None), Vec::<Bytes>::new());
}

#[test]
fn subscription_lists_its_channels_and_patterns_in_order() {
    let store = Store::new();
    let mut sub = store.subscriber();
    assert_eq!(
        sub.subscribe_more(["b", "a"]),
        vec![(Bytes::from_static(b"b"), 1), (Bytes::from_static(b"a"), 2)]
    );
    assert_eq!(
        sub.psubscribe_more(["x*"]),
        vec![(Bytes::from_static(b"x*"), 3)]
    );
    assert_eq!(sub.channels().cloned().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(sub.patterns().cloned().collect::<Vec<_>>(), ["x*"]);
}

#[test]
fn recv_timeout_times_out_then_receives() {
    let store = Store::new();
    let sub = store.subscribe(["ch"]);
    let start = std::time::Instant::now();
    assert_eq!(sub.recv_timeout(Duration::from_millis(30)), None);
    assert!(start.elapsed() >= Duration::from_millis(30));

    let publisher = {
        let store = store.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            store.publish("ch", "late")
        })
    };
    assert_eq!(
        sub.recv_timeout(Duration::from_secs(10)),
        Some(msg("ch", None, "late"))
    );
    assert_eq!(publisher.join().unwrap(), 1);
    store.publish("ch", "now");
    assert_eq!(sub.recv(), msg("ch", None, "now"));
}

struct CountingWaker(AtomicUsize);
impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn next_is_woken_by_publish() {
    let store = Store::new();
    let mut sub = store.subscribe(["ch"]);
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    {
        let mut next = std::pin::pin!(sub.next());
        assert_eq!(
            std::future::Future::poll(next.as_mut(), &mut cx),
            Poll::Pending
        );
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        store.publish("other", "x");
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        store.publish("ch", "x");
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            std::future::Future::poll(next.as_mut(), &mut cx),
            Poll::Ready(msg("ch", None, "x"))
        );
    }
    assert_eq!(sub.poll_recv(&mut cx), Poll::Pending);
    assert_eq!(sub.pending(), 0);
}

#[test]
fn publish_command_counts_receivers() {
    let store = Store::new();
    let _a = store.subscribe(["ch"]);
    let _p = store.psubscribe(["c*"]);
    assert_eq!(store.execute(0, &["PUBLISH", "ch", "m"]), Reply::Integer(2));
    assert_eq!(store.execute(0, &["PUBLISH", "zz", "m"]), Reply::Integer(0));
    assert_eq!(
        store.execute(0, &["PUBLISH", "ch"]),
        Reply::Error(Error::wrong_arity("publish"))
    );
}

#[test]
fn publish_inside_a_transaction_delivers() {
    let store = Store::new();
    let sub = store.subscribe(["ch"]);
    let n = store.atomically(0, |tx| tx.execute(&["PUBLISH", "ch", "in-tx"]));
    assert_eq!(n, Reply::Integer(1));
    assert_eq!(drain(&sub), vec![msg("ch", None, "in-tx")]);
}

#[test]
fn pubsub_channels_lists_active_channels() {
    let store = Store::new();
    let _a = store.subscribe(["news.tech", "news.art", "weather"]);
    let _b = store.subscribe(["weather"]);
    let _p = store.psubscribe(["patterns.are.not.channels"]);
    let Reply::Array(all) = store.execute(0, &["PUBSUB", "CHANNELS"]) else {
        panic!()
    };
    let mut all: Vec<Bytes> = all
        .into_iter()
        .map(|r| Bytes::copy_from_slice(r.as_bytes().unwrap()))
        .collect();
    all.sort();
    assert_eq!(all, ["news.art", "news.tech", "weather"]);
    assert_eq!(
        sorted(store.pubsub_channels(Some(b"news.*"))),
        ["news.art", "news.tech"]
    );
    assert_eq!(
        store.execute(0, &["PUBSUB", "CHANNELS", "w*"]),
        bulks(&["weather"])
    );
    assert_eq!(
        store.execute(0, &["PUBSUB", "CHANNELS", "none*"]),
        Reply::EMPTY_ARRAY
    );
}

#[test]
fn pubsub_numsub_and_numpat_reply_as_redis() {
    let store = Store::new();
    let _a = store.subscribe(["ab"]);
    let _b = store.subscribe(["ab"]);
    let _p = store.psubscribe(["a*"]);
    let _q = store.psubscribe(["a*", "b*"]);
    assert_eq!(
        store.execute(0, &["PUBSUB", "NUMSUB", "ab", "zz"]),
        Reply::Array(vec![
            Reply::bulk("ab"),
            Reply::Integer(2),
            Reply::bulk("zz"),
            Reply::Integer(0)
        ])
    );
    assert_eq!(store.execute(0, &["PUBSUB", "NUMSUB"]), Reply::EMPTY_ARRAY);
    // Distinct patterns, as Redis 7.0 counts them.
    assert_eq!(store.execute(0, &["pubsub", "numpat"]), Reply::Integer(2));
    assert_eq!(store.publish("ab", "m"), 4);
}

#[test]
fn pubsub_argument_errors_match_redis() {
    let store = Store::new();
    for (args, want) in [
        (
            &["PUBSUB", "CHANNELS", "a", "b"][..],
            "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.",
        ),
        (
            &["PUBSUB", "NUMPAT", "x"][..],
            "ERR wrong number of arguments for 'pubsub|numpat' command",
        ),
        (
            &["PUBSUB", "HELP", "x"][..],
            "ERR wrong number of arguments for 'pubsub|help' command",
        ),
        (
            &["PUBSUB"][..],
            "ERR wrong number of arguments for 'pubsub' command",
        ),
        (
            &["PUBSUB", "foo"][..],
            "ERR unknown subcommand 'foo'. Try PUBSUB HELP.",
        ),
    ] {
        let Reply::Error(e) = store.execute(0, args) else {
            panic!("{args:?}")
        };
        assert_eq!(e.to_string(), want, "{args:?}");
    }
}

#[test]
fn pubsub_help_and_shard_subcommands() {
    let store = Store::new();
    let Reply::Array(help) = store.execute(0, &["PUBSUB", "HELP"]) else {
        panic!()
    };
    assert_eq!(help.len(), 14);
    assert_eq!(
        help[0],
        Reply::simple("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(help[13], Reply::simple("    Prints this help."));
    assert_eq!(
        store.execute(0, &["PUBSUB", "SHARDCHANNELS"]),
        Reply::EMPTY_ARRAY
    );
    assert_eq!(
        store.execute(0, &["PUBSUB", "SHARDNUMSUB", "a"]),
        Reply::Array(vec![Reply::bulk("a"), Reply::Integer(0)])
    );
}

#[test]
fn subscribe_commands_are_in_the_table_for_sessions_only() {
    for (name, arity) in [
        ("subscribe", -2),
        ("psubscribe", -2),
        ("unsubscribe", -1),
        ("punsubscribe", -1),
    ] {
        let spec = embedis::command::lookup(name.as_bytes()).unwrap();
        assert_eq!(spec.arity, arity, "{name}");
        assert!(spec.handler.is_none(), "{name}");
        assert!(spec.has(embedis::command::flags::NOSCRIPT), "{name}");
    }
    let store = Store::new();
    assert_eq!(
        store.execute(0, &["SUBSCRIBE", "ch"]).to_string_lossy(),
        "(error) ERR 'subscribe' can only be used by a client session"
    );
}
