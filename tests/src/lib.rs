//! Helpers for the cross-crate tests: an in-process `embedis-server` on an
//! ephemeral port, raw RESP exchanges over `TcpStream`, and a real
//! `redis-server` for differential tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use embedis::Store;
use embedis_server::{Server, ServerBuilder, ServerHost};

/// Runs `server` on a new thread with one current-thread event loop, as the
/// binary runs by default (`io-threads 1`), until `stop` fires or a client
/// sends SHUTDOWN; then drops the runtime and calls `after`.
pub fn run_on_thread(
    server: Server,
    stop: tokio::sync::oneshot::Receiver<()>,
    after: impl FnOnce() + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(server.run(async {
            let _ = stop.await;
        }))
        .unwrap();
        drop(rt);
        after();
    })
}

/// An `embedis-server` running on its own runtime thread; stopped on drop.
pub struct TestServer {
    /// Where it listens (127.0.0.1, ephemeral port).
    pub addr: SocketAddr,
    /// The store it serves (usable in-process meanwhile).
    pub store: Store,
    /// Its host (client registry, persistence state).
    pub host: Arc<ServerHost>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with default settings.
    pub fn start() -> TestServer {
        TestServer::start_with(Server::builder())
    }

    /// Starts `builder` on 127.0.0.1 and an ephemeral port.
    pub fn start_with(builder: ServerBuilder) -> TestServer {
        let server = builder.bind(["127.0.0.1"]).port(0).build().unwrap();
        let addr = server.local_addrs()[0];
        let store = server.store().clone();
        let host = server.host().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = run_on_thread(server, rx, || {});
        TestServer {
            addr,
            store,
            host,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// A `redis` crate client connection.
    pub fn client(&self) -> redis::Connection {
        redis::Client::open(format!("redis://{}/", self.addr))
            .unwrap()
            .get_connection()
            .unwrap()
    }

    /// A raw TCP connection.
    pub fn raw(&self) -> Raw {
        Raw::connect(self.addr)
    }

    /// Stops the server and waits for it (also done on drop).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A raw RESP connection: write bytes, read exact bytes back.
pub struct Raw {
    /// The socket.
    pub stream: TcpStream,
}

impl Raw {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        Raw { stream }
    }

    /// Sends `input` and returns exactly `expected.len()` bytes (or fewer
    /// if the connection closes or 5 s pass).
    pub fn exchange(&mut self, input: &[u8], expected_len: usize) -> Vec<u8> {
        self.stream.write_all(input).unwrap();
        self.read_n(expected_len)
    }

    /// Reads up to `n` bytes, waiting at most 5 s.
    pub fn read_n(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        while out.len() < n && Instant::now() < deadline {
            self.stream
                .set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => out.extend_from_slice(&buf[..k]),
                Err(_) => continue,
            }
        }
        out
    }

    /// Sends `input`, asserts the reply is exactly `expected`.
    #[track_caller]
    pub fn assert(&mut self, input: &str, expected: &str) {
        let got = self.exchange(input.as_bytes(), expected.len());
        assert_eq!(String::from_utf8_lossy(&got), expected, "input: {input:?}");
    }

    /// True if the server closed the connection (reads EOF within 5 s).
    pub fn is_closed(&mut self) -> bool {
        self.stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut b = [0u8; 1];
        matches!(self.stream.read(&mut b), Ok(0) | Err(_))
    }

    /// Reads one whole reply frame and returns its bytes.
    pub fn read_frame(&mut self, pending: &mut BytesMut) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 65536];
        loop {
            let mut probe = pending.clone();
            let before = probe.len();
            if let Some(_r) = embedis::resp::decode(&mut probe).unwrap() {
                let used = before - probe.len();
                return pending.split_to(used).to_vec();
            }
            assert!(Instant::now() < deadline, "no complete reply");
            self.stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("connection closed while reading a reply"),
                Ok(k) => pending.extend_from_slice(&buf[..k]),
                Err(_) => {}
            }
        }
    }
}

/// Encodes a command as a RESP multibulk request.
pub fn request<A: AsRef<[u8]>>(argv: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A real `redis-server` on a free port, killed on drop. `None` when
/// `redis-server` is not installed.
pub struct RedisServer {
    /// Its address.
    pub addr: SocketAddr,
    child: std::process::Child,
}

impl RedisServer {
    /// Starts `redis-server --port <free> --save '' --appendonly no`.
    pub fn start() -> Option<RedisServer> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                "",
                "--loglevel",
                "warning",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(RedisServer { addr, child })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
