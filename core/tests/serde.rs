//! Typed values through serde (feature `serde`): `Db::set_value` /
//! `Db::get_value` store CBOR strings. (WRONGTYPE is tested in
//! `src/api/serde.rs`, which can build a list without the list commands.)
#![cfg(feature = "serde")]

use std::collections::BTreeMap;

use embedis::{Error, ManualClock, Reply, SetOptions, Store};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Role {
    Admin,
    Member { since: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    name: String,
    age: u8,
    tags: Vec<String>,
    scores: BTreeMap<String, f64>,
    role: Role,
    avatar: Option<Vec<u8>>,
}

fn ann() -> User {
    User {
        name: "ann".into(),
        age: 42,
        tags: vec!["a".into(), "b".into()],
        scores: [("x".to_string(), 1.5), ("y".to_string(), -0.25)]
            .into_iter()
            .collect(),
        role: Role::Member { since: 2020 },
        avatar: Some(vec![0, 255, 7]),
    }
}

#[test]
fn set_value_then_get_value_round_trips() {
    let db = Store::new().db(0);
    db.set_value("user:1", &ann()).unwrap();
    assert_eq!(db.get_value::<User>("user:1").unwrap(), Some(ann()));
    db.set_value("role", &Role::Admin).unwrap();
    assert_eq!(db.get_value::<Role>("role").unwrap(), Some(Role::Admin));
    db.set_value("n", &-7i64).unwrap();
    assert_eq!(db.get_value::<i64>("n").unwrap(), Some(-7));
    db.set_value("s", "unsized str").unwrap();
    assert_eq!(
        db.get_value::<String>("s").unwrap().as_deref(),
        Some("unsized str")
    );
}

#[test]
fn get_value_of_a_missing_key_is_none() {
    let db = Store::new().db(0);
    assert_eq!(db.get_value::<User>("nope").unwrap(), None);
}

#[test]
fn the_stored_string_is_plain_cbor() {
    let store = Store::new();
    let db = store.db(0);
    db.set_value("k", &[1u8, 2]).unwrap();
    // CBOR: array(2) [1, 2]
    assert_eq!(
        store.execute(0, &["GET", "k"]),
        Reply::bulk(vec![0x82, 1, 2])
    );
    assert_eq!(store.execute(0, &["TYPE", "k"]), Reply::simple("string"));
}

#[test]
fn a_string_that_is_not_cbor_of_the_type_is_a_clear_error() {
    let db = Store::new().db(0);
    db.set_value("n", &5u32).unwrap();
    assert_eq!(
        db.get_value::<String>("n").unwrap_err().to_string(),
        "ERR value of key 'n' is not a valid CBOR encoding of alloc::string::String: \
         invalid type: integer `5`, expected string"
    );
    db.set("raw", "hello").unwrap(); // 'h' = 0x68: a 8-byte text string header
    assert_eq!(
        db.get_value::<String>("raw").unwrap_err().to_string(),
        "ERR value of key 'raw' is not a valid CBOR encoding of alloc::string::String: \
         unexpected end of data"
    );
    db.set("two", [0x01, 0x02]).unwrap(); // the integer 1, then a stray byte
    let err = db.get_value::<u8>("two").unwrap_err();
    assert!(matches!(err, Error::ValueDecode { .. }));
    assert_eq!(
        err.to_string(),
        "ERR value of key 'two' is not a valid CBOR encoding of u8: 1 bytes left over after the value"
    );
}

#[test]
fn set_value_replaces_like_set_and_set_value_with_takes_options() {
    let clock = ManualClock::new(1_000_000);
    let store = Store::builder().clock(clock.clone()).build();
    let db = store.db(0);
    db.set("k", "plain").unwrap();
    db.set_value("k", &1u8).unwrap();
    assert_eq!(db.get_value::<u8>("k").unwrap(), Some(1));

    let out = db
        .set_value_with("k", &2u8, SetOptions::new().nx())
        .unwrap();
    assert!(!out.written);
    assert_eq!(db.get_value::<u8>("k").unwrap(), Some(1));

    db.set_value_with("t", &ann(), SetOptions::new().px(1500))
        .unwrap();
    assert_eq!(store.execute(0, &["PTTL", "t"]), Reply::Integer(1500));
    clock.advance_ms(1500);
    assert_eq!(db.get_value::<User>("t").unwrap(), None);
}
