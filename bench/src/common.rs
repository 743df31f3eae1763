//! What the load and soak harnesses share: command-line options, a blocking keep-alive HTTP/1.1
//! client, the request scenarios, fresh databases, and starting and seeding the servers.
//!
//! Included by both binaries with `#[path = "../common.rs"] mod common;`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The servers' `SECRET_KEY`.
pub const SECRET: &str = "benchmark-secret-benchmark-secret-0123456789";
/// Items created on each server before measuring; their ids are `1..=ITEMS`.
pub const ITEMS: usize = 10_000;

/// The value after `name` on the command line, or `default`.
pub fn arg<T: FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether `name` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The release build of `binary`, in `CARGO_TARGET_DIR` or the workspace's `target`, unless
/// `--{binary}-bin PATH` names another build (say, an older fastrs, to compare).
pub fn release_binary(binary: &str) -> PathBuf {
    let chosen: String = arg(&format!("--{binary}-bin"), String::new());
    if !chosen.is_empty() {
        return PathBuf::from(chosen);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    Path::new(&target).join("release").join(binary)
}

/// A tiny xorshift generator: random ids without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator for worker number `worker` (never zero: xorshift would stay at zero).
    pub fn new(worker: usize) -> Self {
        Rng(0x9E37_79B9_7F4A_7C15 ^ ((worker as u64 + 1) * 0x1000_0001))
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One keep-alive HTTP/1.1 connection to a server on loopback.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    /// Connects to `127.0.0.1:port`; an answer that takes over a minute is an error.
    pub fn open(port: u16) -> std::io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Conn {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends a request, returns (status, body).
    pub fn send(&mut self, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.writer.write_all(request)?;
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

/// The bytes of one request.
pub fn request(
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    if let Some(content_type) = content_type {
        head.push_str(&format!("content-type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    head.into_bytes()
}

/// One kind of request, made from a random generator and the caller's access token.
pub struct Scenario {
    /// What the tables call it.
    pub name: &'static str,
    /// Makes the next request.
    pub make: fn(&mut Rng, &str) -> Vec<u8>,
}

/// One seeded item, at random.
pub const GET_ITEM: Scenario = Scenario {
    name: "GET /items/{id}",
    make: |rng, _| {
        let path = format!("/items/{}", 1 + rng.below(ITEMS));
        request("GET", &path, None, None, "")
    },
};

/// A page of 20 items at a random offset (and the total count).
pub const LIST_ITEMS: Scenario = Scenario {
    name: "GET /items?limit=20",
    make: |rng, _| {
        let path = format!("/items?limit=20&offset={}", rng.below(ITEMS - 20));
        request("GET", &path, None, None, "")
    },
};

/// A new item.
pub const CREATE_ITEM: Scenario = Scenario {
    name: "POST /items",
    make: |_, token| {
        let body = r#"{"name": "bench", "price": 1.5, "description": "load"}"#;
        request(
            "POST",
            "/items",
            Some(token),
            Some("application/json"),
            body,
        )
    },
};

/// The caller's user (a token check and a user lookup).
pub const ME: Scenario = Scenario {
    name: "GET /users/me",
    make: |_, token| request("GET", "/users/me", Some(token), None, ""),
};

/// The `TEST_POSTGRES_URL` database the harnesses create their schemas in.
pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs `sql` with `psql` on `url`; returns its unaligned output, or `None` if it failed.
pub fn psql(url: &str, sql: &str) -> Option<String> {
    let output = Command::new("psql")
        .args(["-XAtq", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        .env("PGOPTIONS", "--client-min-messages=warning")
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// A fresh database for one server, removed when the server is dropped.
pub enum Store {
    /// A new SQLite file.
    Sqlite(PathBuf),
    /// A new schema in the [`postgres_url`] database, also the connections' `application_name`.
    Postgres(String),
}

impl Store {
    /// `<dir>/<name>.db`, or the schema `bench_<name>_<pid>` (created empty).
    pub fn create(postgres: bool, name: &str, dir: &Path) -> Self {
        if !postgres {
            return Store::Sqlite(dir.join(format!("{name}.db")));
        }
        let schema = format!("bench_{name}_{}", std::process::id());
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};");
        assert!(
            psql(&postgres_url(), &sql).is_some(),
            "cannot create schema {schema}"
        );
        Store::Postgres(schema)
    }

    /// The server's `DATABASE_URL`.
    pub fn url(&self) -> String {
        match self {
            Store::Sqlite(path) => format!("sqlite://{}", path.display()),
            Store::Postgres(schema) => {
                let base = postgres_url();
                let separator = if base.contains('?') { '&' } else { '?' };
                format!("{base}{separator}options[search_path]={schema}&application_name={schema}")
            }
        }
    }

    /// Deletes the database.
    fn remove(&self) {
        match self {
            Store::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Store::Postgres(schema) => {
                psql(
                    &postgres_url(),
                    &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
                );
            }
        }
    }
}

/// A running server; dropping it stops the server and deletes its database.
pub struct Server {
    /// `fastrs` or `baseline`.
    pub name: &'static str,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
    /// The process.
    pub child: Child,
    /// Its database.
    pub store: Store,
    /// An access token of the seeded user (after [`seed`]).
    pub token: String,
}

/// fastrs (`items`) on `port` and the baseline on `port + 1`, each on a fresh database of its
/// own in `dir` (or a fresh PostgreSQL schema), both started and logged in.
pub fn start_both(postgres: bool, port: u16, dir: &Path) -> (Server, Server) {
    let fastrs = Server::start(
        "fastrs",
        &release_binary("items"),
        port,
        Store::create(postgres, "fastrs", dir),
    );
    let baseline = Server::start(
        "baseline",
        &release_binary("baseline"),
        port + 1,
        Store::create(postgres, "baseline", dir),
    );
    (fastrs, baseline)
}

impl Server {
    /// Starts `binary` on `127.0.0.1:port` with a fresh `store`, and waits until it listens.
    pub fn start(name: &'static str, binary: &Path, port: u16, store: Store) -> Self {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} is already in use"
        );
        assert!(
            binary.exists(),
            "{} is missing: build it first",
            binary.display()
        );
        let child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("DATABASE_URL", store.url())
            .env("SECRET_KEY", SECRET)
            .env("RUST_LOG", "warn")
            // Warnings and errors only: what went wrong, on the harness's own output.
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut server = Server {
            name,
            port,
            child,
            store,
            token: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "{name} exited at start-up ({status}); is {} built for this database?",
                    binary.display()
                );
            }
            assert!(Instant::now() < deadline, "{name} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Logs the seeded user in; returns an access token.
    pub fn login(&self) -> String {
        let mut conn = Conn::open(self.port).expect("connect");
        let form = "username=bench&password=benchmark-password";
        let content_type = Some("application/x-www-form-urlencoded");
        let (status, body) = conn
            .send(&request("POST", "/auth/token", None, content_type, form))
            .expect("token");
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 200, "{}: token: {body}", self.name);
        body.split("\"access_token\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.store.remove();
    }
}

/// Registers the user, logs in, and creates the [`ITEMS`] items through the API.
pub fn seed(server: &mut Server, concurrency: usize) {
    let mut conn = Conn::open(server.port).expect("connect");
    let register =
        r#"{"email": "bench@example.com", "username": "bench", "password": "benchmark-password"}"#;
    let json = Some("application/json");
    let (status, body) = conn
        .send(&request("POST", "/auth/register", None, json, register))
        .expect("register");
    assert_eq!(
        status,
        201,
        "{}: register: {}",
        server.name,
        String::from_utf8_lossy(&body)
    );
    server.token = server.login();
    let create = request(
        "POST",
        "/items",
        Some(&server.token),
        json,
        r#"{"name": "seed", "price": 9.5}"#,
    );
    let (errors, _) = run(server.port, ITEMS, concurrency, move |_| create.clone());
    assert_eq!(errors, 0, "{}: seeding failed", server.name);
}

/// Runs `count` requests over `concurrency` connections; returns (errors, sorted latencies).
pub fn run(
    port: u16,
    count: usize,
    concurrency: usize,
    make: impl Fn(&mut Rng) -> Vec<u8> + Send + Sync + 'static,
) -> (usize, Vec<Duration>) {
    let next = Arc::new(AtomicUsize::new(0));
    let make = Arc::new(make);
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (next, make) = (next.clone(), make.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::open(port).expect("connect");
                let mut rng = Rng::new(worker);
                let (mut errors, mut latencies) = (0, Vec::new());
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let bytes = make(&mut rng);
                    let started = Instant::now();
                    match conn.send(&bytes) {
                        Ok((status, _)) if (200..300).contains(&status) => {}
                        Ok(_) => errors += 1,
                        // A broken connection is one error, not one per request left: reconnect.
                        Err(_) => {
                            errors += 1;
                            conn = Conn::open(port).expect("reconnect");
                        }
                    }
                    latencies.push(started.elapsed());
                }
                (errors, latencies)
            })
        })
        .collect();
    let (mut errors, mut latencies) = (0, Vec::new());
    for worker in workers {
        let (e, l) = worker.join().expect("worker");
        errors += e;
        latencies.extend(l);
    }
    latencies.sort();
    (errors, latencies)
}

/// The `q` quantile of sorted values (zero if there are none).
pub fn quantile<T: Copy + Default>(sorted: &[T], q: f64) -> T {
    let index = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or_default()
}

/// A `VmXxx:` figure of `/proc/<pid>/status`, in KiB (zero if unknown).
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
