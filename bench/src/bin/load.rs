//! The load harness: fastrs (`examples/items`) against the hand-written baseline, in one run.
//!
//! ```sh
//! cargo run --release -p fastrs-bench --bin load              # SQLite
//! cargo run --release -p fastrs-bench --bin load -- --postgres # PostgreSQL (TEST_POSTGRES_URL)
//! ```
//!
//! Both servers run at once on loopback, each on a fresh database seeded through its own API
//! with 1 user and 10 000 items. Each round runs every scenario for a fixed number of requests
//! on one server and then the other, alternating which goes first; shared machines drift by up
//! to 2x within minutes, so only back-to-back pairs are compared. It prints, per scenario, the
//! median over rounds of requests/s and latencies, the median of the per-round ratios
//! fastrs/baseline, each server's CPU time per request (from /proc, over all rounds) and peak
//! RSS, and errors (any non-2xx answer).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark tool: failing loudly is the point

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SECRET: &str = "benchmark-secret-benchmark-secret-0123456789";
const ITEMS: usize = 10_000;

struct Options {
    postgres: bool,
    rounds: usize,
    requests: usize,
    concurrency: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        postgres: args.iter().any(|a| a == "--postgres"),
        rounds: value("--rounds", 7),
        requests: value("--requests", 4000),
        concurrency: value("--concurrency", 16),
    }
}

/// A tiny xorshift generator: random ids without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(port: u16) -> std::io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends a request, returns (status, body).
    fn send(&mut self, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.writer.write_all(request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
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

fn request(
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

struct Server {
    name: &'static str,
    port: u16,
    child: Child,
    token: String,
    cpu_ticks: u64,
    requests: usize,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn proc_field(pid: u32, file: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap_or_default()
}

/// utime + stime, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = proc_field(pid, "stat");
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Peak resident set, in KiB.
fn peak_rss(pid: u32) -> u64 {
    proc_field(pid, "status")
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn start(name: &'static str, binary: &str, port: u16, database_url: &str) -> Server {
    let child = Command::new(binary)
        .env("PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .env("SECRET_KEY", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{name} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server {
        name,
        port,
        child,
        token: String::new(),
        cpu_ticks: 0,
        requests: 0,
    }
}

/// Registers the user, logs in, and creates the items through the API.
fn seed(server: &mut Server, concurrency: usize) {
    let mut conn = Conn::open(server.port).expect("connect");
    let register =
        r#"{"email": "bench@example.com", "username": "bench", "password": "benchmark-password"}"#;
    let (status, body) = conn
        .send(&request(
            "POST",
            "/auth/register",
            None,
            Some("application/json"),
            register,
        ))
        .expect("register");
    assert_eq!(
        status,
        201,
        "{}: register: {}",
        server.name,
        String::from_utf8_lossy(&body)
    );
    let form = "username=bench&password=benchmark-password";
    let (status, body) = conn
        .send(&request(
            "POST",
            "/auth/token",
            None,
            Some("application/x-www-form-urlencoded"),
            form,
        ))
        .expect("token");
    assert_eq!(status, 200, "{}: token", server.name);
    let body = String::from_utf8_lossy(&body);
    let token = body
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default();
    server.token = token.to_owned();
    let create = request(
        "POST",
        "/items",
        Some(token),
        Some("application/json"),
        r#"{"name": "seed", "price": 9.5}"#,
    );
    let (errors, _) = run(server.port, ITEMS, concurrency, move |_| create.clone());
    assert_eq!(errors, 0, "{}: seeding failed", server.name);
}

/// Runs `count` requests over `concurrency` connections; returns (errors, sorted latencies).
fn run(
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
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((worker as u64 + 1) * 0x1000_0001));
                let (mut errors, mut latencies) = (0, Vec::new());
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let bytes = make(&mut rng);
                    let started = Instant::now();
                    match conn.send(&bytes) {
                        Ok((status, _)) if (200..300).contains(&status) => {}
                        _ => errors += 1,
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

struct Sample {
    rps: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

fn measure(server: &mut Server, scenario: &Scenario, options: &Options) -> Sample {
    let token = server.token.clone();
    let make = scenario.make;
    let pid = server.child.id();
    let before = cpu_ticks(pid);
    let started = Instant::now();
    let (errors, latencies) = run(
        server.port,
        options.requests,
        options.concurrency,
        move |rng| make(rng, &token),
    );
    let elapsed = started.elapsed();
    server.cpu_ticks += cpu_ticks(pid) - before;
    server.requests += options.requests;
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Sample {
        rps: options.requests as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        errors,
    }
}

struct Scenario {
    name: &'static str,
    make: fn(&mut Rng, &str) -> Vec<u8>,
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "GET /items/{id}",
            make: |rng, _| {
                request(
                    "GET",
                    &format!("/items/{}", 1 + rng.below(ITEMS)),
                    None,
                    None,
                    "",
                )
            },
        },
        Scenario {
            name: "GET /items?limit=20",
            make: |rng, _| {
                request(
                    "GET",
                    &format!("/items?limit=20&offset={}", rng.below(ITEMS - 20)),
                    None,
                    None,
                    "",
                )
            },
        },
        Scenario {
            name: "POST /items",
            make: |_, token| {
                request(
                    "POST",
                    "/items",
                    Some(token),
                    Some("application/json"),
                    r#"{"name": "bench", "price": 1.5, "description": "load"}"#,
                )
            },
        },
        Scenario {
            name: "PATCH /items/{id}",
            make: |rng, token| {
                request(
                    "PATCH",
                    &format!("/items/{}", 1 + rng.below(ITEMS)),
                    Some(token),
                    Some("application/json"),
                    r#"{"price": 2.5}"#,
                )
            },
        },
        Scenario {
            name: "GET /users/me",
            make: |_, token| request("GET", "/users/me", Some(token), None, ""),
        },
    ]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn cargo_build(args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-q"])
        .args(args)
        .status()
        .expect("cargo");
    assert!(status.success(), "cargo build {args:?} failed");
}

fn database(options: &Options, name: &str, dir: &std::path::Path) -> String {
    if !options.postgres {
        return format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    }
    let base = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("bench_{name}_{}", std::process::id());
    let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};");
    let status = Command::new("psql")
        .args([base.as_str(), "-qc", sql.as_str()])
        .status()
        .expect("psql");
    assert!(status.success(), "cannot create schema {schema}");
    format!("{base}?options[search_path]={schema}")
}

fn main() {
    let options = options();
    let backend = if options.postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!("building release binaries...");
    cargo_build(&["-p", "items", "--bin", "items"]);
    let mut baseline_args = vec!["-p", "fastrs-bench", "--bin", "baseline"];
    if options.postgres {
        baseline_args.extend(["--features", "postgres"]);
    }
    cargo_build(&baseline_args);
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../target", env!("CARGO_MANIFEST_DIR")));
    let dir = std::env::temp_dir().join(format!("fastrs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let mut fastrs = start(
        "fastrs",
        &format!("{target}/release/items"),
        18301,
        &database(&options, "fastrs", &dir),
    );
    let mut baseline = start(
        "baseline",
        &format!("{target}/release/baseline"),
        18302,
        &database(&options, "baseline", &dir),
    );
    eprintln!("seeding {ITEMS} items on each server ({backend})...");
    seed(&mut fastrs, options.concurrency);
    seed(&mut baseline, options.concurrency);

    let scenarios = scenarios();
    // results[scenario] = (fastrs samples, baseline samples)
    let mut results: Vec<(Vec<Sample>, Vec<Sample>)> =
        scenarios.iter().map(|_| (Vec::new(), Vec::new())).collect();
    let mut cpu: Vec<[(u64, usize); 2]> = vec![[(0, 0); 2]; scenarios.len()];
    for round in 0..options.rounds {
        eprintln!("round {}/{}", round + 1, options.rounds);
        for (index, scenario) in scenarios.iter().enumerate() {
            let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                let server = if which == 0 {
                    &mut fastrs
                } else {
                    &mut baseline
                };
                let (ticks, requests) = (server.cpu_ticks, server.requests);
                let sample = measure(server, scenario, &options);
                cpu[index][which].0 += server.cpu_ticks - ticks;
                cpu[index][which].1 += server.requests - requests;
                if which == 0 {
                    results[index].0.push(sample)
                } else {
                    results[index].1.push(sample)
                }
            }
        }
    }

    let tick_us = 1_000_000.0 / 100.0;
    println!(
        "\nfastrs vs hand-written axum + sqlx, {backend}, {} rounds x {} requests, {} connections\n",
        options.rounds, options.requests, options.concurrency
    );
    println!(
        "| scenario | fastrs req/s | baseline req/s | ratio req/s | p50 f/b (ms) | p99 f/b (ms) | ratio p99 | CPU us/req f/b | errors f/b |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut worst = f64::MAX;
    let mut worst_p99: f64 = 0.0;
    let mut total_errors = 0;
    for (index, scenario) in scenarios.iter().enumerate() {
        let (f, b) = &results[index];
        let rps_ratio = median(f.iter().zip(b).map(|(f, b)| f.rps / b.rps).collect());
        let p99_ratio = median(
            f.iter()
                .zip(b)
                .map(|(f, b)| f.p99.as_secs_f64() / b.p99.as_secs_f64().max(1e-9))
                .collect(),
        );
        worst = worst.min(rps_ratio);
        worst_p99 = worst_p99.max(p99_ratio);
        let ms = |samples: &Vec<Sample>, pick: fn(&Sample) -> Duration| {
            median(
                samples
                    .iter()
                    .map(|s| pick(s).as_secs_f64() * 1000.0)
                    .collect(),
            )
        };
        let errors = (
            f.iter().map(|s| s.errors).sum::<usize>(),
            b.iter().map(|s| s.errors).sum::<usize>(),
        );
        total_errors += errors.0 + errors.1;
        let per_request =
            |(ticks, requests): (u64, usize)| ticks as f64 * tick_us / requests.max(1) as f64;
        println!(
            "| {} | {:.0} | {:.0} | {:.3} | {:.2} / {:.2} | {:.2} / {:.2} | {:.3} | {:.0} / {:.0} | {} / {} |",
            scenario.name,
            median(f.iter().map(|s| s.rps).collect()),
            median(b.iter().map(|s| s.rps).collect()),
            rps_ratio,
            ms(f, |s| s.p50),
            ms(b, |s| s.p50),
            ms(f, |s| s.p99),
            ms(b, |s| s.p99),
            p99_ratio,
            per_request(cpu[index][0]),
            per_request(cpu[index][1]),
            errors.0,
            errors.1,
        );
    }
    let (rss_f, rss_b) = (peak_rss(fastrs.child.id()), peak_rss(baseline.child.id()));
    let rss_ratio = rss_f as f64 / rss_b.max(1) as f64;
    let fds = |pid: u32| std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    println!(
        "\npeak RSS: fastrs {} MiB, baseline {} MiB, ratio {:.2} (open files: fastrs {}, baseline {})",
        rss_f / 1024,
        rss_b / 1024,
        rss_ratio,
        fds(fastrs.child.id()),
        fds(baseline.child.id())
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "targets: req/s >= 0.95x: {} (worst {:.3}); p99 <= 1.1x: {} (worst {:.3}); RSS <= 1.2x: {} ({:.2}); zero errors: {} ({})",
        verdict(worst >= 0.95),
        worst,
        verdict(worst_p99 <= 1.1),
        worst_p99,
        verdict(rss_ratio <= 1.2),
        rss_ratio,
        verdict(total_errors == 0),
        total_errors
    );
    drop(fastrs);
    drop(baseline);
    let _ = std::fs::remove_dir_all(&dir);
}
