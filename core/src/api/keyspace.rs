//! Typed generic (keyspace) commands on [`Db`].

use crate::{Db, Result};

impl Db {
    /// Sets a relative expiry of `ms` milliseconds on `key`; `false` if the
    /// key does not exist. A non-positive `ms` deletes the key. Same as Redis
    /// `PEXPIRE key ms`.
    ///
    /// Redis: <https://redis.io/commands/pexpire/>
    pub fn pexpire(&self, key: impl AsRef<[u8]>, ms: i64) -> Result<bool> {
        let key = key.as_ref();
        self.with(|db| {
            let at = db.now_ms.saturating_add(ms);
            if !db.contains(key) {
                return Ok(false);
            }
            if at <= db.now_ms {
                db.remove(key);
            } else {
                db.set_expire(key, Some(at));
            }
            Ok(true)
        })
    }
}
