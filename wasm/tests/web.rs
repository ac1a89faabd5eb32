//! The JS API as JS sees it, run by `wasm-bindgen-test` in Node and in
//! headless Chromium (tests/run.sh runs both): value conversions, errors,
//! Promises of blocking commands, subscriptions, timers and `free()`.
#![cfg(target_arch = "wasm32")]

use embedis_wasm::*;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify)]
    fn json(v: &JsValue) -> String;
}

/// Any JS-typed parameter from a Rust value.
fn js<T: JsCast>(v: impl Into<JsValue>) -> T {
    v.into().unchecked_into()
}

fn strs(items: &[&str]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

fn obj(json_text: &str) -> JsValue {
    js_sys::JSON::parse(json_text).unwrap()
}

async fn sleep(ms: f64) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    JsFuture::from(p).await.unwrap();
}

async fn settle(p: impl Into<JsValue>) -> JsValue {
    JsFuture::from(p.into().unchecked_into::<Promise>())
        .await
        .unwrap()
}

fn db() -> Embedis {
    Embedis::new(None).unwrap()
}

#[wasm_bindgen_test]
fn strings_come_back_as_js_strings_and_nil_as_null() {
    let db = db();
    let set = db.set(&js("k"), &js("héllo"), None).unwrap();
    assert_eq!(JsValue::from(set).as_string().as_deref(), Some("OK"));
    assert_eq!(
        JsValue::from(db.get(&js("k")).unwrap())
            .as_string()
            .as_deref(),
        Some("héllo")
    );
    assert!(JsValue::from(db.get(&js("missing")).unwrap()).is_null());
    let bytes: Uint8Array = JsValue::from(db.get_bytes(&js("k")).unwrap()).unchecked_into();
    assert_eq!(bytes.to_vec(), "héllo".as_bytes());
}

#[wasm_bindgen_test]
fn bytes_and_numbers_are_accepted_as_arguments() {
    let db = db();
    db.set(&js("n"), &js(42.0), None).unwrap();
    assert_eq!(json(&db.get(&js("n")).unwrap().into()), "\"42\"");
    let raw = Uint8Array::from(&[0u8, 255, 10][..]);
    db.set(&js(raw), &js(1.5), None).unwrap();
    let key = Uint8Array::from(&[0u8, 255, 10][..]);
    assert_eq!(
        JsValue::from(db.get(&js(key)).unwrap())
            .as_string()
            .as_deref(),
        Some("1.5")
    );
}

#[wasm_bindgen_test]
fn set_options_map_to_redis_flags() {
    let db = db();
    let nx: SetOptions = js(obj(r#"{"nx": true}"#));
    assert_eq!(
        JsValue::from(db.set(&js("k"), &js("a"), Some(nx)).unwrap())
            .as_string()
            .as_deref(),
        Some("OK")
    );
    let nx: SetOptions = js(obj(r#"{"nx": true}"#));
    assert!(JsValue::from(db.set(&js("k"), &js("b"), Some(nx)).unwrap()).is_null());
    let get: SetOptions = js(obj(r#"{"get": true}"#));
    assert_eq!(
        JsValue::from(db.set(&js("k"), &js("c"), Some(get)).unwrap())
            .as_string()
            .as_deref(),
        Some("a")
    );
    let both: SetOptions = js(obj(r#"{"ex": 10, "px": 100}"#));
    let err = db.set(&js("k"), &js("d"), Some(both)).unwrap_err();
    assert_eq!(
        Reflect::get(&err, &"message".into()).unwrap(),
        "ERR syntax error"
    );
}

#[wasm_bindgen_test]
fn redis_errors_are_thrown_with_message_and_code() {
    let db = db();
    let err = db.command(js(strs(&["GET"]))).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        Reflect::get(&err, &"message".into()).unwrap(),
        "ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(Reflect::get(&err, &"code".into()).unwrap(), "ERR");
    let err = db.command(js(strs(&["NOSUCH", "a"]))).unwrap_err();
    assert_eq!(
        Reflect::get(&err, &"message".into()).unwrap(),
        "ERR unknown command 'NOSUCH', with args beginning with: 'a' "
    );
}

#[wasm_bindgen_test]
fn wrongtype_carries_its_code() {
    let db = db();
    db.command(js(strs(&["RPUSH", "l", "a"]))).unwrap();
    let err = db.get(&js("l")).unwrap_err();
    assert_eq!(Reflect::get(&err, &"code".into()).unwrap(), "WRONGTYPE");
    assert_eq!(
        Reflect::get(&err, &"message".into()).unwrap(),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
}

#[wasm_bindgen_test]
fn command_returns_resp2_shapes() {
    let db = db();
    assert_eq!(
        json(&db.command(js(strs(&["SET", "a", "1"]))).unwrap().into()),
        "\"OK\""
    );
    assert_eq!(
        json(&db.command(js(strs(&["DEL", "a", "b"]))).unwrap().into()),
        "1"
    );
    assert_eq!(
        json(&db.command(js(strs(&["GET", "a"]))).unwrap().into()),
        "null"
    );
    db.command(js(strs(&["SET", "b", "xy"]))).unwrap();
    let bytes: Uint8Array =
        JsValue::from(db.command_bytes(js(strs(&["GET", "b"]))).unwrap()).unchecked_into();
    assert_eq!(bytes.to_vec(), b"xy");
}

#[wasm_bindgen_test]
fn multi_runs_atomically_and_keeps_errors_in_place() {
    let db = db();
    let cmds: Array = [
        strs(&["SET", "n", "1"]),
        strs(&["GET", "n"]),
        strs(&["GET"]),
    ]
    .into_iter()
    .collect();
    let out: Array = JsValue::from(db.multi(js(cmds)).unwrap()).unchecked_into();
    assert_eq!(out.get(0), "OK");
    assert_eq!(out.get(1), "1");
    assert!(out.get(2).is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
fn hashes_come_back_as_objects() {
    let db = db();
    let added = db
        .hset(
            &js("h"),
            &obj(r#"{"name": "alice", "age": "30", "__proto__": "x"}"#),
            JsValue::UNDEFINED,
        )
        .unwrap();
    assert_eq!(added, 3.0);
    let all: Object = JsValue::from(db.hgetall(&js("h")).unwrap()).unchecked_into();
    assert_eq!(Reflect::get(&all, &"name".into()).unwrap(), "alice");
    assert_eq!(Reflect::get(&all, &"age".into()).unwrap(), "30");
    // An own property, not the prototype.
    assert_eq!(Object::keys(&all).length(), 3);
    assert_eq!(db.hset(&js("h"), &js("age"), js("31")).unwrap(), 0.0);
    assert_eq!(JsValue::from(db.hget(&js("h"), &js("age")).unwrap()), "31");
}

#[wasm_bindgen_test]
fn sorted_sets_take_and_give_numbers() {
    let db = db();
    let members = obj(r#"[[10, "bob"], [20, "eve"]]"#);
    assert_eq!(db.zadd(&js("board"), &js(members), None).unwrap(), 2.0);
    let ws = obj(r#"{"withScores": true}"#);
    let r = db.zrange(&js("board"), &js(0.0), &js(-1.0), ws).unwrap();
    assert_eq!(json(&r), r#"[["bob",10],["eve",20]]"#);
    assert_eq!(
        JsValue::from(db.zscore(&js("board"), &js("eve")).unwrap()).as_f64(),
        Some(20.0)
    );
    assert!(JsValue::from(db.zscore(&js("board"), &js("nobody")).unwrap()).is_null());
    db.zadd(&js("board"), &js(obj(r#"{"inf": 1}"#)), None)
        .unwrap();
    db.zincrby(&js("board"), f64::INFINITY, &js("inf")).unwrap();
    assert_eq!(
        JsValue::from(db.zscore(&js("board"), &js("inf")).unwrap()).as_f64(),
        Some(f64::INFINITY)
    );
}

#[wasm_bindgen_test]
async fn blpop_resolves_when_a_later_push_arrives() {
    let db = db();
    let p = db.blpop(&js("jobs"), 5.0).unwrap();
    db.rpush(&js("jobs"), &js("job-1")).unwrap();
    let got = settle(p).await;
    assert_eq!(json(&got), r#"["jobs","job-1"]"#);
    assert_eq!(db.llen(&js("jobs")).unwrap(), 0.0);
}

#[wasm_bindgen_test]
async fn blpop_resolves_null_after_its_timeout() {
    let db = db();
    let start = js_sys::Date::now();
    let got = settle(db.blpop(&js(strs(&["a", "b"])), 0.05).unwrap()).await;
    assert!(got.is_null());
    assert!(js_sys::Date::now() - start >= 40.0);
    // The waiter is gone: a push now stays in the list.
    db.rpush(&js("a"), &js("x")).unwrap();
    assert_eq!(db.llen(&js("a")).unwrap(), 1.0);
}

#[wasm_bindgen_test]
async fn blocked_clients_are_served_first_come_first_served() {
    let db = db();
    let first = db.blpop(&js("q"), 5.0).unwrap();
    let second = db.blpop(&js("q"), 5.0).unwrap();
    db.rpush(&js("q"), &js(strs(&["1", "2"]))).unwrap();
    assert_eq!(json(&settle(first).await), r#"["q","1"]"#);
    assert_eq!(json(&settle(second).await), r#"["q","2"]"#);
}

#[wasm_bindgen_test]
async fn bzpopmin_resolves_with_key_member_and_score() {
    let db = db();
    let p = db.bzpopmin(&js("z"), 5.0).unwrap();
    db.zadd(&js("z"), &js(obj(r#"[[1.5, "a"]]"#)), None)
        .unwrap();
    assert_eq!(json(&settle(p).await), r#"["z","a",1.5]"#);
}

#[wasm_bindgen_test]
async fn blocking_command_with_data_resolves_at_once() {
    let db = db();
    db.rpush(&js("q"), &js("x")).unwrap();
    let from: ListEnd = js("left");
    let to: ListEnd = js("right");
    let got = settle(db.blmove(&js("q"), &js("dst"), &from, &to, 0.0).unwrap()).await;
    assert_eq!(got, "x");
}

#[wasm_bindgen_test]
async fn free_settles_pending_blocking_calls() {
    let db = db();
    let p = db.blpop(&js("never"), 0.0).unwrap();
    drop(db); // what JS `db.free()` does
    assert!(settle(p).await.is_null());
}

#[wasm_bindgen_test]
async fn subscribers_receive_messages_until_unsubscribed() {
    let db = db();
    let seen = Array::new();
    let sink = seen.clone();
    let handler = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |m: JsValue, c: JsValue| {
        sink.push(&Array::of2(&m, &c));
    });
    let off: Function = db
        .subscribe(&js("news"), &js(handler.as_ref().clone()))
        .unwrap()
        .unchecked_into();
    assert_eq!(db.publish(&js("news"), &js("one")).unwrap(), 1.0);
    assert_eq!(db.publish(&js("news"), &js("two")).unwrap(), 1.0);
    // Delivered asynchronously, in order.
    assert_eq!(seen.length(), 0);
    sleep(0.0).await;
    assert_eq!(json(&seen), r#"[["one","news"],["two","news"]]"#);
    off.call0(&JsValue::NULL).unwrap();
    off.call0(&JsValue::NULL).unwrap();
    assert_eq!(db.publish(&js("news"), &js("three")).unwrap(), 0.0);
    sleep(0.0).await;
    assert_eq!(seen.length(), 2);
}

#[wasm_bindgen_test]
async fn pattern_subscribers_get_the_pattern() {
    let db = db();
    let seen = Array::new();
    let sink = seen.clone();
    let handler = Closure::<dyn FnMut(JsValue, JsValue, JsValue)>::new(
        move |m: JsValue, c: JsValue, p: JsValue| {
            sink.push(&Array::of3(&m, &c, &p));
        },
    );
    let _off = db
        .psubscribe(&js("news.*"), &js(handler.as_ref().clone()))
        .unwrap();
    db.publish(&js("news.eu"), &js("hi")).unwrap();
    db.publish(&js("sports"), &js("no")).unwrap();
    sleep(0.0).await;
    assert_eq!(json(&seen), r#"[["hi","news.eu","news.*"]]"#);
}

#[wasm_bindgen_test]
async fn expiry_timer_deletes_keys_without_access() {
    let db = db();
    let px: SetOptions = js(obj(r#"{"px": 20}"#));
    db.set(&js("t"), &js("v"), Some(px)).unwrap();
    assert_eq!(db.dbsize().unwrap(), 1.0);
    sleep(250.0).await;
    // DBSIZE counts keys without touching them: only active expiry removes it.
    assert_eq!(db.dbsize().unwrap(), 0.0);
}

#[wasm_bindgen_test]
fn select_and_database_address_other_databases() {
    let mut db = db();
    let other = db.database(1).unwrap();
    other.set(&js("k"), &js("in-1"), None).unwrap();
    assert!(JsValue::from(db.get(&js("k")).unwrap()).is_null());
    db.select(1).unwrap();
    assert_eq!(JsValue::from(db.get(&js("k")).unwrap()), "in-1");
    let err = db.select(16).unwrap_err();
    assert_eq!(
        Reflect::get(&err, &"message".into()).unwrap(),
        "ERR DB index is out of range"
    );
}

#[wasm_bindgen_test]
async fn command_line_prints_like_redis_cli() {
    let db = db();
    let out = |p: PromiseString| settle(p);
    assert_eq!(out(db.command_line("SET k \"a b\"").unwrap()).await, "OK");
    assert_eq!(out(db.command_line("get k").unwrap()).await, "\"a b\"");
    assert_eq!(
        out(db.command_line("RPUSH l x y").unwrap()).await,
        "(integer) 2"
    );
    assert_eq!(
        out(db.command_line("LRANGE l 0 -1").unwrap()).await,
        "1) \"x\"\n2) \"y\""
    );
    assert_eq!(out(db.command_line("get missing").unwrap()).await, "(nil)");
    assert_eq!(
        out(db.command_line("get").unwrap()).await,
        "(error) ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(
        out(db.command_line("get \"open").unwrap()).await,
        "Invalid argument(s)"
    );
}

#[wasm_bindgen_test]
async fn console_sessions_print_like_redis_cli_including_later_replies() {
    let db = db();
    let lines = Array::new();
    let sink = lines.clone();
    let output =
        Closure::<dyn FnMut(JsValue, JsValue)>::new(move |text: JsValue, _err: JsValue| {
            sink.push(&text);
        });
    let cli = db.console(&js(output.as_ref().clone())).unwrap();
    assert!(cli.run("PING"));
    assert!(cli.run("SELECT 3"));
    assert_eq!(cli.index(), 3);
    assert!(cli.run("SET k \"a b\""));
    assert!(!cli.run("GET \"open"));
    assert!(cli.run("BLPOP q 5"));
    assert_eq!(json(&lines), r#"["PONG","OK","OK"]"#);
    db.database(3).unwrap().rpush(&js("q"), &js("x")).unwrap();
    sleep(0.0).await;
    assert!(cli.run("SUBSCRIBE ch"));
    db.publish(&js("ch"), &js("hi")).unwrap();
    sleep(0.0).await;
    assert_eq!(
        json(&lines),
        r#"["PONG","OK","OK","1) \"q\"\n2) \"x\"","1) \"subscribe\"\n2) \"ch\"\n3) (integer) 1","1) \"message\"\n2) \"ch\"\n3) \"hi\""]"#
    );
}
