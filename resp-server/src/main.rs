//! `embedis-server`: serve an embedis store over the Redis protocol.
//!
//! ```text
//! embedis-server [/path/to/redis.conf] [--port 6379] [--bind 127.0.0.1 ::1]
//!                [--requirepass pw] [--dir .] [--dbfilename dump.embedis]
//!                [--save "3600 1 300 100 60 10000"] [--databases 16]
//!                [--protected-mode yes|no] [--loglevel notice] [--io-threads 1]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use embedis_server::{Config, Server};

/// Command-line options, named as redis-server's (`--port 7000`); they
/// override the config file's lines.
#[derive(Debug, Parser)]
#[command(
    name = "embedis-server",
    version,
    about = "A Redis-compatible server for the embedis store"
)]
struct Cli {
    /// A config file in redis.conf syntax.
    config_file: Option<PathBuf>,
    /// TCP port (Redis `port`).
    #[arg(long)]
    port: Option<u16>,
    /// Addresses to listen on (Redis `bind`); default 127.0.0.1 -::1.
    #[arg(long, num_args = 1..)]
    bind: Option<Vec<String>>,
    /// Clients must AUTH with this password.
    #[arg(long)]
    requirepass: Option<String>,
    /// Directory of the snapshot file.
    #[arg(long)]
    dir: Option<String>,
    /// Snapshot file name (default dump.embedis).
    #[arg(long)]
    dbfilename: Option<String>,
    /// Save points "<seconds> <changes> ...", or "" to disable automatic saves.
    #[arg(long, allow_hyphen_values = true)]
    save: Option<String>,
    /// Number of databases.
    #[arg(long)]
    databases: Option<String>,
    /// yes or no: with no password, refuse clients that are not on loopback.
    #[arg(long = "protected-mode")]
    protected_mode: Option<String>,
    /// debug, verbose, notice or warning.
    #[arg(long)]
    loglevel: Option<String>,
    /// Threads serving connections (Redis `io-threads`, default 1).
    #[arg(long = "io-threads")]
    io_threads: Option<String>,
    /// Microseconds the event loop keeps polling the sockets after the last
    /// input instead of sleeping (default 50; 0: off).
    #[arg(long = "busy-poll-us")]
    busy_poll_us: Option<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                _ => 1,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let config = match build_config(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let level = match config.loglevel.as_str() {
        "debug" => "debug",
        "verbose" => "debug",
        "warning" => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    tracing::info!("oO0OoO0OoO0Oo embedis is starting oO0OoO0OoO0Oo");
    tracing::info!(
        "embedis version={}, redis_version=7.0.15, bits=64, pid={}, just started",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    match &config.config_file {
        Some(p) => tracing::info!("Configuration loaded from {}", p.display()),
        None => tracing::info!("No config file specified, using the default config."),
    }
    // One event-loop thread by default, as Redis: on a small machine the
    // clients need the other cores, and one thread never contends.
    let rt = if config.io_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.io_threads)
            .enable_all()
            .build()
    };
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let port = config.port;
        let server = match Server::builder().config(config).build() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("{e}");
                return ExitCode::from(1);
            }
        };
        let addrs: Vec<String> = server.local_addrs().iter().map(|a| a.to_string()).collect();
        tracing::info!("Running mode=standalone, port={port}.");
        tracing::info!("Listening on {}", addrs.join(", "));
        tracing::info!("Ready to accept connections tcp");
        match server.run(shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}");
                ExitCode::from(1)
            }
        }
    })
}

fn build_config(cli: &Cli) -> Result<Config, String> {
    let mut config = Config {
        persistence: true,
        ..Config::default()
    };
    if let Some(path) = &cli.config_file {
        config.parse_file(path).map_err(|e| e.to_string())?;
    }
    let mut save_reset = false;
    let mut set = |name: &str, args: Vec<String>| {
        config
            .apply(name, &args, &mut save_reset)
            .map_err(|e| format!("Invalid --{name} argument: {e}"))
    };
    if let Some(p) = cli.port {
        set("port", vec![p.to_string()])?;
    }
    if let Some(b) = &cli.bind {
        set("bind", b.clone())?;
    }
    if let Some(v) = &cli.requirepass {
        set("requirepass", vec![v.clone()])?;
    }
    if let Some(v) = &cli.dir {
        set("dir", vec![v.clone()])?;
    }
    if let Some(v) = &cli.dbfilename {
        set("dbfilename", vec![v.clone()])?;
    }
    if let Some(v) = &cli.save {
        set("save", vec![v.clone()])?;
    }
    if let Some(v) = &cli.databases {
        set("databases", vec![v.clone()])?;
    }
    if let Some(v) = &cli.protected_mode {
        set("protected-mode", vec![v.clone()])?;
    }
    if let Some(v) = &cli.loglevel {
        set("loglevel", vec![v.clone()])?;
    }
    if let Some(v) = &cli.io_threads {
        set("io-threads", vec![v.clone()])?;
    }
    if let Some(v) = &cli.busy_poll_us {
        set("busy-poll-us", vec![v.clone()])?;
    }
    Ok(config)
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
