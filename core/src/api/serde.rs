//! Typed values (feature `serde`): any `Serialize` type stored as a CBOR
//! string, so a Rust program keeps structs in the store without hand-written
//! encoding. Other clients see the CBOR bytes as an ordinary string value.

use ::serde::Serialize;
use ::serde::de::DeserializeOwned;

use crate::{Db, Error, Result, SetOptions, SetOutcome};

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    ciborium::ser::into_writer(value, &mut buf).map_err(|e| Error::ValueEncode {
        reason: match e {
            ciborium::ser::Error::Io(e) => e.to_string(),
            ciborium::ser::Error::Value(reason) => reason,
        },
    })?;
    Ok(buf)
}

fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T> {
    let fail = |reason: String| Error::ValueDecode {
        key: String::from_utf8_lossy(key).chars().take(128).collect(),
        type_name: std::any::type_name::<T>(),
        reason,
    };
    let mut rest = bytes;
    let value = ciborium::de::from_reader(&mut rest).map_err(|e| {
        fail(match e {
            ciborium::de::Error::Io(_) => "unexpected end of data".into(),
            ciborium::de::Error::Syntax(offset) => format!("invalid CBOR at byte {offset}"),
            ciborium::de::Error::Semantic(_, reason) => reason,
            ciborium::de::Error::RecursionLimitExceeded => "nested too deeply".into(),
        })
    })?;
    if !rest.is_empty() {
        return Err(fail(format!(
            "{} bytes left over after the value",
            rest.len()
        )));
    }
    Ok(value)
}

impl Db {
    /// Stores `value`, CBOR-encoded, as the string under `key`, replacing any
    /// value of any type and dropping any expiry: `SET key <cbor>`.
    ///
    /// # Errors
    /// [`Error::ValueEncode`] if `value`'s `Serialize` fails.
    ///
    /// ```
    /// # use embedis::Store;
    /// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// struct User { name: String, age: u32 }
    ///
    /// let db = Store::new().db(0);
    /// db.set_value("user:1", &User { name: "ann".into(), age: 7 }).unwrap();
    /// let user: Option<User> = db.get_value("user:1").unwrap();
    /// assert_eq!(user, Some(User { name: "ann".into(), age: 7 }));
    /// ```
    ///
    /// Redis: <https://redis.io/commands/set/>
    pub fn set_value<T: Serialize + ?Sized>(&self, key: impl AsRef<[u8]>, value: &T) -> Result<()> {
        self.set(key, encode(value)?)
    }

    /// [`Db::set_value`] with `SET`'s options (`NX`/`XX`, an expiry,
    /// `KEEPTTL`, `GET`): `SET key <cbor> [options]`. A previous value asked
    /// for with `GET` comes back as raw bytes; decode it with
    /// [`Db::get_value`]'s rules if needed.
    ///
    /// # Errors
    /// [`Error::ValueEncode`], and `SET`'s errors (e.g. an invalid expire time).
    ///
    /// Redis: <https://redis.io/commands/set/>
    pub fn set_value_with<T: Serialize + ?Sized>(
        &self,
        key: impl AsRef<[u8]>,
        value: &T,
        options: SetOptions,
    ) -> Result<SetOutcome> {
        self.set_with(key, encode(value)?, options)
    }

    /// The value under `key`, decoded from CBOR as `T`; `None` if the key
    /// does not exist: `GET key`, then decode.
    ///
    /// # Errors
    /// [`Error::WrongType`] if the key holds a list, hash, set or sorted set;
    /// [`Error::ValueDecode`] (naming the key, the type and the problem) if
    /// the string is not exactly one CBOR encoding of a `T`.
    ///
    /// Redis: <https://redis.io/commands/get/>
    pub fn get_value<T: DeserializeOwned>(&self, key: impl AsRef<[u8]>) -> Result<Option<T>> {
        let key = key.as_ref();
        match self.get(key)? {
            None => Ok(None),
            Some(bytes) => decode(key, &bytes).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use crate::{Error, List, Store, Value};

    #[test]
    fn get_value_of_another_type_is_wrongtype_and_set_value_replaces_it() {
        let store = Store::new();
        store.with_db(0, |ks| {
            ks.set(
                Bytes::from_static(b"l"),
                Value::from(List::from([b"a".into()])),
            )
        });
        let db = store.db(0);
        assert_eq!(db.get_value::<u8>("l").unwrap_err(), Error::WrongType);
        db.set_value("l", &1u8).unwrap();
        assert_eq!(db.get_value::<u8>("l").unwrap(), Some(1));
    }
}
