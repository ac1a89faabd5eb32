//! Server settings, named as in redis.conf, and a reader for that syntax.

use std::path::{Path, PathBuf};

/// Every setting of the server. Field names follow redis.conf.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `bind`: addresses to listen on (default `127.0.0.1 -::1`; a leading
    /// `-` means "skip if unavailable", as in Redis 7).
    pub bind: Vec<String>,
    /// `port` (default 6379).
    pub port: u16,
    /// `requirepass`: clients must AUTH with it.
    pub requirepass: Option<String>,
    /// `protected-mode` (default yes): with no password, refuse non-loopback clients.
    pub protected_mode: bool,
    /// `dir`: where the snapshot lives (default `.`).
    pub dir: PathBuf,
    /// `dbfilename` (default `dump.embedis`).
    pub dbfilename: String,
    /// `save`: (seconds, changes) points; empty disables automatic saves.
    pub save: Vec<(u64, u64)>,
    /// `databases` (default 16).
    pub databases: usize,
    /// `loglevel`: debug, verbose, notice or warning (default notice).
    pub loglevel: String,
    /// `io-threads` (default 1): threads serving client connections. With 1
    /// (Redis's default too) every connection runs on one event-loop thread,
    /// which is the fastest on small machines; more threads help only when
    /// the cores are not also needed by the clients themselves.
    pub io_threads: usize,
    /// `busy-poll-us` (default 50; an embedis setting, not Redis's): for this
    /// many microseconds after the last input the event loop polls the
    /// sockets instead of sleeping, so a client sending the next request
    /// does not pay for waking the server's thread. 0 turns it off; only
    /// `io-threads 1` uses it. An idle server does not poll.
    pub busy_poll_us: u64,
    /// True when the snapshot file is used at all (the binary: always; the
    /// library: after [`ServerBuilder::persistence`](crate::ServerBuilder::persistence)).
    pub persistence: bool,
    /// The config file read, if any (INFO `config_file`).
    pub config_file: Option<PathBuf>,
}

/// Redis 7.0's default `save` schedule: after 3600 s if 1 change, 300 s if
/// 100 changes, 60 s if 10000 changes.
pub const DEFAULT_SAVE: &[(u64, u64)] = &[(3600, 1), (300, 100), (60, 10000)];

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            port: 6379,
            requirepass: None,
            protected_mode: true,
            dir: PathBuf::from("."),
            dbfilename: "dump.embedis".into(),
            save: DEFAULT_SAVE.to_vec(),
            databases: 16,
            loglevel: "notice".into(),
            io_threads: 1,
            busy_poll_us: DEFAULT_BUSY_POLL_US,
            persistence: false,
            config_file: None,
        }
    }
}

/// The default `busy-poll-us`: at `-P 1` with 50 connections on 2 cores,
/// 50 µs served 5–15% more requests per second than none, and 200 µs less
/// than 50 (it took CPU time the client needed).
pub(crate) const DEFAULT_BUSY_POLL_US: u64 = 50;

/// The largest `busy-poll-us`: one second.
const MAX_BUSY_POLL_US: u64 = 1_000_000;

/// Parses a `busy-poll-us` value, with Redis's wording for numeric settings.
pub(crate) fn parse_busy_poll_us(v: &str) -> Result<u64, ConfigError> {
    let n: i64 = v
        .parse()
        .map_err(|_| err("argument couldn't be parsed into an integer"))?;
    if !(0..=MAX_BUSY_POLL_US as i64).contains(&n) {
        return Err(err(format!(
            "argument must be between 0 and {MAX_BUSY_POLL_US} inclusive"
        )));
    }
    Ok(n as u64)
}

/// A setting that cannot be applied, with Redis's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// What is wrong (e.g. `Bad directive or wrong number of arguments`).
    pub message: String,
}

fn err(message: impl Into<String>) -> ConfigError {
    ConfigError {
        message: message.into(),
    }
}

fn yes_no(v: &str) -> Result<bool, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(err("argument must be 'yes' or 'no'")),
    }
}

/// Parses a `save` value: `"<secs> <changes> ..."`, or `""` for none.
pub(crate) fn parse_save(v: &str) -> Result<Vec<(u64, u64)>, ConfigError> {
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.len() % 2 != 0 {
        return Err(err("Invalid save parameters"));
    }
    words
        .chunks(2)
        .map(|p| match (p[0].parse(), p[1].parse()) {
            (Ok(s), Ok(c)) => Ok((s, c)),
            _ => Err(err("Invalid save parameters")),
        })
        .collect()
}

/// Formats a `save` schedule as CONFIG GET prints it.
pub(crate) fn format_save(save: &[(u64, u64)]) -> String {
    save.iter()
        .map(|(s, c)| format!("{s} {c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Config {
    /// Applies one directive (`name` and its arguments), as a line of
    /// redis.conf or a `--name value` flag. `save` lines accumulate within
    /// one source after the first resets the default (Redis's rule).
    ///
    /// # Errors
    /// Unknown directive, wrong argument count, or a bad value.
    pub fn apply(
        &mut self,
        name: &str,
        args: &[String],
        save_reset: &mut bool,
    ) -> Result<(), ConfigError> {
        let one = || -> Result<&str, ConfigError> {
            match args {
                [v] => Ok(v.as_str()),
                _ => Err(err("wrong number of arguments")),
            }
        };
        match name.to_ascii_lowercase().as_str() {
            "bind" => {
                if args.is_empty() {
                    return Err(err("wrong number of arguments"));
                }
                self.bind = args
                    .iter()
                    .flat_map(|a| a.split_whitespace().map(str::to_owned))
                    .collect();
            }
            "port" => self.port = one()?.parse().map_err(|_| err("Invalid port"))?,
            "requirepass" => {
                let v = one()?;
                self.requirepass = (!v.is_empty()).then(|| v.to_owned());
            }
            "protected-mode" => self.protected_mode = yes_no(one()?)?,
            "dir" => self.dir = PathBuf::from(one()?),
            "dbfilename" => {
                let v = one()?;
                if v.contains('/') {
                    return Err(err("dbfilename can't be a path, just a filename"));
                }
                self.dbfilename = v.to_owned();
            }
            "save" => {
                let joined = args.join(" ");
                let points = parse_save(&joined)?;
                if !*save_reset {
                    self.save.clear();
                    *save_reset = true;
                }
                if points.is_empty() {
                    self.save.clear();
                } else {
                    self.save.extend(points);
                }
            }
            "databases" => {
                let n: usize = one()?
                    .parse()
                    .map_err(|_| err("Invalid number of databases"))?;
                if n < 1 {
                    return Err(err("Invalid number of databases"));
                }
                self.databases = n;
            }
            "io-threads" => {
                let n: usize = one()?
                    .parse()
                    .map_err(|_| err("argument couldn't be parsed into an integer"))?;
                if !(1..=128).contains(&n) {
                    return Err(err("argument must be between 1 and 128 inclusive"));
                }
                self.io_threads = n;
            }
            "busy-poll-us" => self.busy_poll_us = parse_busy_poll_us(one()?)?,
            "loglevel" => {
                let v = one()?.to_ascii_lowercase();
                if !matches!(v.as_str(), "debug" | "verbose" | "notice" | "warning") {
                    return Err(err(
                        "Invalid log level. Must be one of debug, verbose, notice, warning",
                    ));
                }
                self.loglevel = v;
            }
            // Accepted for redis.conf compatibility; these have no effect here.
            "daemonize" | "appendonly" => {
                if yes_no(one()?)? {
                    return Err(err(format!("'{name} yes' is not supported by embedis")));
                }
            }
            "hz" | "timeout" | "tcp-keepalive" | "maxclients" | "logfile" | "pidfile"
            | "supervised" => {
                one()?;
            }
            _ => return Err(err("Bad directive or wrong number of arguments")),
        }
        Ok(())
    }

    /// Applies a redis.conf-syntax text: one directive per line, `#`
    /// comments, quoted arguments as Redis splits them.
    ///
    /// # Errors
    /// The first bad line, in Redis's FATAL CONFIG FILE ERROR format.
    pub fn apply_text(&mut self, text: &str) -> Result<(), ConfigError> {
        let mut save_reset = false;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fatal = |msg: &str| {
                err(format!(
                    "\n*** FATAL CONFIG FILE ERROR (embedis {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
                    env!("CARGO_PKG_VERSION"),
                    i + 1,
                    trimmed,
                    msg
                ))
            };
            let Some(words) = embedis::resp::split_args(trimmed.as_bytes()) else {
                return Err(fatal("Unbalanced quotes in configuration line"));
            };
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            self.apply(&words[0], &words[1..], &mut save_reset)
                .map_err(|e| fatal(&e.message))?;
        }
        Ok(())
    }

    /// Reads and applies a config file.
    ///
    /// # Errors
    /// The file cannot be read, or a line is bad.
    pub fn parse_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            err(format!(
                "Fatal error, can't open config file '{}': {e}",
                path.display()
            ))
        })?;
        self.config_file = Some(path.to_owned());
        self.apply_text(&text)
    }

    /// Path of the snapshot file: `dir/dbfilename`.
    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.join(&self.dbfilename)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_conf_lines_apply_and_unknown_ones_fail() {
        let mut c = Config::default();
        c.apply_text("# comment\nport 7000\nbind 127.0.0.1 ::1\nsave 900 1\nsave 60 100\nrequirepass \"p w\"\n")
            .unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.bind, vec!["127.0.0.1", "::1"]);
        assert_eq!(c.save, vec![(900, 1), (60, 100)]);
        assert_eq!(c.requirepass.as_deref(), Some("p w"));
        let e = c.apply_text("port 1\nfoo bar\n").unwrap_err();
        assert!(e.message.contains("at line 2"), "{e}");
        assert!(
            e.message
                .contains("Bad directive or wrong number of arguments"),
            "{e}"
        );
        let mut c = Config::default();
        c.apply_text("save \"\"\n").unwrap();
        assert!(c.save.is_empty());
    }

    /// `line` is refused with a message containing `why`.
    fn assert_refused(c: &mut Config, line: &str, why: &str) {
        let e = c.apply_text(line).unwrap_err();
        assert!(e.message.contains(why), "{line}: {e}");
    }

    #[test]
    fn io_threads_takes_redis_bounds_and_messages() {
        let mut c = Config::default();
        assert_eq!(c.io_threads, 1);
        c.apply_text("io-threads 4\n").unwrap();
        assert_eq!(c.io_threads, 4);
        // redis-server 7.0.15's words for the same lines.
        assert_refused(
            &mut c,
            "io-threads 0\n",
            "argument must be between 1 and 128 inclusive",
        );
        assert_refused(
            &mut c,
            "io-threads abc\n",
            "argument couldn't be parsed into an integer",
        );
        assert_eq!(c.io_threads, 4);
    }

    #[test]
    fn busy_poll_us_defaults_to_50_and_takes_0_to_a_second() {
        let mut c = Config::default();
        assert_eq!(c.busy_poll_us, 50);
        c.apply_text("busy-poll-us 0\n").unwrap();
        assert_eq!(c.busy_poll_us, 0);
        c.apply_text("busy-poll-us 1000000\n").unwrap();
        assert_eq!(c.busy_poll_us, 1_000_000);
        for line in ["busy-poll-us 1000001\n", "busy-poll-us -1\n"] {
            assert_refused(
                &mut c,
                line,
                "argument must be between 0 and 1000000 inclusive",
            );
        }
        assert_refused(
            &mut c,
            "busy-poll-us soon\n",
            "argument couldn't be parsed into an integer",
        );
        assert_eq!(c.busy_poll_us, 1_000_000);
    }
}
