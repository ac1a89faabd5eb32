//! Typed string commands on [`Db`].

use bytes::Bytes;

use crate::command::string::{SetArgs, get_string, set_generic};
use crate::{Db, Result};

impl Db {
    /// The string under `key`, or `None`. Same as Redis `GET`.
    ///
    /// # Errors
    /// [`Error::WrongType`](crate::Error::WrongType) if the key holds another type.
    ///
    /// Redis: <https://redis.io/commands/get/>
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>> {
        self.with(|db| get_string(db, key.as_ref()))
    }

    /// Stores `value` under `key`, replacing any value of any type and
    /// dropping any expiry. Same as Redis `SET key value`.
    ///
    /// Redis: <https://redis.io/commands/set/>
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let (key, value) = (Bytes::copy_from_slice(key.as_ref()), Bytes::copy_from_slice(value.as_ref()));
        self.with(|db| set_generic(db, key, value, SetArgs::default()).map(|_| ()))
    }
}
