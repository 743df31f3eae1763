//! The soak harness: fastrs (`examples/items`) and the hand-written baseline under the same
//! sustained mixed load, side by side, for minutes: does either slow down, leak, or let its
//! database files grow?
//!
//! It builds nothing: build the release binaries first (the baseline for the database under
//! test), then run it.
//!
//! ```sh
//! cargo build --release -p items --bin items
//! cargo build --release -p fastrs-bench --bin baseline                      # SQLite
//! cargo run --release -p fastrs-bench --bin soak
//!
//! cargo build --release -p fastrs-bench --bin baseline --features postgres  # PostgreSQL
//! cargo run --release -p fastrs-bench --bin soak -- --postgres
//! ```
//!
//! Both servers run at once on loopback, each on a fresh database (a SQLite file in a temporary
//! directory, or a schema of `TEST_POSTGRES_URL`, which must be on this machine; deleted at the
//! end) seeded through its own API with 1 user and 10 000 items. Then both get the same load at
//! the same time, each from client threads of its own: `--concurrency` keep-alive connections
//! per server for each of `POST /items`, `GET /items/{id}` (random seeded ids),
//! `GET /items?limit=20` (random offset) and `GET /users/me`, each sending its next request as
//! soon as the previous one is answered. The access tokens are renewed every 5 minutes.
//!
//! Every interval it prints one table: per server, requests/s (in all and per kind), the p99
//! latency, errors (any non-2xx answer), its resident memory, and the database's growth: the
//! sizes of the SQLite file and of its `-wal` file, or on PostgreSQL the size of the `items`
//! table with its indexes, its dead tuples, and the server's connections. At the end: a summary
//! and an SVG chart of requests/s and WAL size (or `items` size) over time.
//!
//! Options: `--minutes N` (default 10), `--interval-secs N` (60), `--concurrency N` connections
//! per kind and server (4), `--postgres`, `--svg PATH` (`bench/soak-sqlite.svg` or
//! `bench/soak-postgres.svg`). A smoke run: `--minutes 1 --interval-secs 10`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark tool: failing loudly is the point

#[path = "../chart.rs"]
mod chart;
#[path = "../common.rs"]
mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{
    CREATE_ITEM, Conn, GET_ITEM, ITEMS, LIST_ITEMS, ME, Rng, Scenario, Server, Store, arg, flag,
    memory_kib, postgres_url, psql, quantile, seed, start_both,
};

/// The kinds of request, each with its own connections, in the order of the tables.
const KINDS: [Scenario; 4] = [CREATE_ITEM, GET_ITEM, LIST_ITEMS, ME];
/// How often the access tokens are renewed (they last 15 minutes).
const TOKEN_RENEWAL: Duration = Duration::from_secs(5 * 60);
const MIB: f64 = 1024.0 * 1024.0;

struct Options {
    postgres: bool,
    duration: Duration,
    interval: Duration,
    concurrency: usize,
    svg: PathBuf,
}

fn options() -> Options {
    let postgres = flag("--postgres");
    let default_svg = if postgres {
        concat!(env!("CARGO_MANIFEST_DIR"), "/soak-postgres.svg")
    } else {
        concat!(env!("CARGO_MANIFEST_DIR"), "/soak-sqlite.svg")
    };
    let minutes: f64 = arg("--minutes", 10.0);
    let interval: u64 = arg("--interval-secs", 60);
    assert!(
        minutes > 0.0 && interval > 0,
        "--minutes and --interval-secs must be positive"
    );
    Options {
        postgres,
        duration: Duration::from_secs_f64(minutes * 60.0),
        interval: Duration::from_secs(interval),
        concurrency: arg("--concurrency", 4).max(1),
        svg: arg("--svg", PathBuf::from(default_svg)),
    }
}

/// Whether a PostgreSQL URL names this machine (loopback, or a Unix socket).
fn is_local(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = authority.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let local_host = matches!(host, "" | "127.0.0.1" | "localhost" | "[::1]");
    let local_query = query.split('&').all(|pair| match pair.split_once('=') {
        Some(("host", value)) => value.starts_with('/') || value == "127.0.0.1",
        Some(("hostaddr", value)) => value == "127.0.0.1",
        _ => true,
    });
    local_host && local_query
}

/// What the workers of one kind have seen since the last interval.
#[derive(Default)]
struct Bucket {
    requests: u64,
    errors: u64,
    latencies_us: Vec<u32>,
}

/// What one server's workers share.
struct Shared {
    /// The access token they send (renewed by the main thread).
    token: RwLock<Arc<str>>,
    /// One per kind.
    buckets: [Mutex<Bucket>; 4],
    /// Failures shown so far (the first ten are printed, to say what failed).
    reported: AtomicU64,
}

/// One server under load, and its figures so far.
struct Soaked {
    server: Server,
    shared: Arc<Shared>,
    logged_in: Instant,
    /// When the current interval started.
    since: Instant,
    intervals: Vec<Interval>,
}

/// The database's growth at the end of an interval.
#[derive(Clone, Copy)]
enum Storage {
    Sqlite {
        db_mib: f64,
        wal_mib: f64,
    },
    Postgres {
        items_mib: f64,
        dead_tuples: u64,
        connections: u64,
    },
}

impl Storage {
    fn measure(store: &Store) -> Self {
        match store {
            Store::Sqlite(path) => {
                let size = |suffix: &str| {
                    std::fs::metadata(format!("{}{suffix}", path.display()))
                        .map_or(0.0, |m| m.len() as f64 / MIB)
                };
                Storage::Sqlite {
                    db_mib: size(""),
                    wal_mib: size("-wal"),
                }
            }
            Store::Postgres(schema) => {
                let sql = format!(
                    "SELECT coalesce(pg_total_relation_size(to_regclass('{schema}.items')), 0), \
                     coalesce((SELECT n_dead_tup FROM pg_stat_user_tables \
                               WHERE schemaname = '{schema}' AND relname = 'items'), 0), \
                     (SELECT count(*) FROM pg_stat_activity WHERE application_name = '{schema}')"
                );
                let row = psql(&postgres_url(), &sql).unwrap_or_default();
                let mut fields = row.split('|').map(|f| f.parse::<u64>().unwrap_or(0));
                let mut next = || fields.next().unwrap_or(0);
                Storage::Postgres {
                    items_mib: next() as f64 / MIB,
                    dead_tuples: next(),
                    connections: next(),
                }
            }
        }
    }

    /// The figure charted: the WAL file, or the `items` table with its indexes.
    fn charted(self) -> f64 {
        match self {
            Storage::Sqlite { wal_mib, .. } => wal_mib,
            Storage::Postgres { items_mib, .. } => items_mib,
        }
    }
}

/// One server's figures over one interval.
struct Interval {
    /// Since the load started, at the end of the interval.
    end: Duration,
    rps: f64,
    kind_rps: [f64; 4],
    p99_ms: f64,
    errors: u64,
    rss_mib: f64,
    storage: Storage,
}

/// Sends requests of one kind on one connection until `stop`; reconnects after a failure.
fn worker(
    port: u16,
    kind: usize,
    seed: usize,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let make = KINDS[kind].make;
    std::thread::spawn(move || {
        let mut rng = Rng::new(seed);
        let mut conn = Conn::open(port).ok();
        while !stop.load(Ordering::Relaxed) {
            let Some(open) = conn.as_mut() else {
                shared.buckets[kind].lock().unwrap().errors += 1;
                std::thread::sleep(Duration::from_millis(100));
                conn = Conn::open(port).ok();
                continue;
            };
            let token = shared.token.read().unwrap().clone();
            let bytes = make(&mut rng, &token);
            let started = Instant::now();
            let answer = open.send(&bytes);
            let latency = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
            let ok = matches!(answer, Ok((status, _)) if (200..300).contains(&status));
            if !ok && shared.reported.fetch_add(1, Ordering::Relaxed) < 10 {
                match &answer {
                    Ok((status, body)) => eprintln!(
                        "port {port}: {} answered {status}: {}",
                        KINDS[kind].name,
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    ),
                    Err(error) => eprintln!("port {port}: {} failed: {error}", KINDS[kind].name),
                }
            }
            if answer.is_err() {
                conn = None;
            }
            let mut bucket = shared.buckets[kind].lock().unwrap();
            bucket.requests += 1;
            bucket.errors += u64::from(!ok);
            bucket.latencies_us.push(latency);
        }
    })
}

impl Soaked {
    /// Empties the buckets into the figures of the interval that ends now (`end` after the
    /// load started).
    fn close_interval(&mut self, end: Duration) {
        let buckets = self
            .shared
            .buckets
            .each_ref()
            .map(|bucket| std::mem::take(&mut *bucket.lock().unwrap()));
        let now = Instant::now();
        let seconds = (now - self.since).as_secs_f64().max(1e-9);
        self.since = now;
        let mut kind_rps = [0.0; 4];
        let (mut requests, mut errors, mut latencies) = (0, 0, Vec::new());
        for (kind, bucket) in buckets.into_iter().enumerate() {
            kind_rps[kind] = bucket.requests as f64 / seconds;
            requests += bucket.requests;
            errors += bucket.errors;
            latencies.extend(bucket.latencies_us);
        }
        latencies.sort_unstable();
        self.intervals.push(Interval {
            end,
            rps: requests as f64 / seconds,
            kind_rps,
            p99_ms: f64::from(quantile(&latencies, 0.99)) / 1000.0,
            errors,
            rss_mib: memory_kib(self.server.child.id(), "VmRSS") as f64 / 1024.0,
            storage: Storage::measure(&self.server.store),
        });
    }
}

fn clock(at: Duration) -> String {
    let seconds = at.as_secs_f64().round() as u64;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn print_interval(index: usize, servers: &[Soaked; 2], postgres: bool) {
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    let storage = if postgres {
        "items MiB | dead tuples | connections"
    } else {
        "db MiB | WAL MiB"
    };
    println!(
        "\n| time | server | req/s | {} | p99 ms | errors | RSS MiB | {storage} |",
        kinds.join(" | ")
    );
    println!("|{}", "---|".repeat(if postgres { 13 } else { 12 }));
    for soaked in servers {
        let i = &soaked.intervals[index];
        let kind_rps: Vec<String> = i.kind_rps.iter().map(|r| format!("{r:.0}")).collect();
        let storage = match i.storage {
            Storage::Sqlite { db_mib, wal_mib } => format!("{db_mib:.1} | {wal_mib:.1}"),
            Storage::Postgres {
                items_mib,
                dead_tuples,
                connections,
            } => format!("{items_mib:.1} | {dead_tuples} | {connections}"),
        };
        println!(
            "| {} | {} | {:.0} | {} | {:.2} | {} | {:.0} | {storage} |",
            clock(i.end),
            soaked.server.name,
            i.rps,
            kind_rps.join(" | "),
            i.p99_ms,
            i.errors,
            i.rss_mib,
        );
    }
    let (f, b) = (&servers[0].intervals[index], &servers[1].intervals[index]);
    println!("fastrs/baseline req/s: {:.3}", f.rps / b.rps.max(1e-9));
}

fn print_summary(servers: &[Soaked; 2], options: &Options, backend: &str) {
    println!(
        "\n## Summary: {backend}, {} of load, {} connections per kind and server\n",
        clock(options.duration),
        options.concurrency
    );
    let storage = if options.postgres {
        "max items MiB | final items MiB | max dead tuples | max connections"
    } else {
        "max WAL MiB | final db MiB"
    };
    println!(
        "| server | first req/s | last req/s | last/first | max p99 ms | errors | peak RSS MiB | {storage} |"
    );
    println!("|{}", "---|".repeat(if options.postgres { 11 } else { 9 }));
    for soaked in servers {
        let intervals = &soaked.intervals;
        let (Some(first), Some(last)) = (intervals.first(), intervals.last()) else {
            continue;
        };
        let max = |pick: fn(&Interval) -> f64| intervals.iter().map(pick).fold(0.0, f64::max);
        let storage = match last.storage {
            Storage::Sqlite { db_mib, .. } => {
                format!("{:.1} | {db_mib:.1}", max(|i| i.storage.charted()))
            }
            Storage::Postgres { items_mib, .. } => {
                let max_of = |pick: fn(Storage) -> u64| {
                    intervals.iter().map(|i| pick(i.storage)).max().unwrap_or(0)
                };
                let dead = max_of(|s| match s {
                    Storage::Postgres { dead_tuples, .. } => dead_tuples,
                    Storage::Sqlite { .. } => 0,
                });
                let connections = max_of(|s| match s {
                    Storage::Postgres { connections, .. } => connections,
                    Storage::Sqlite { .. } => 0,
                });
                format!(
                    "{:.1} | {items_mib:.1} | {dead} | {connections}",
                    max(|i| i.storage.charted())
                )
            }
        };
        println!(
            "| {} | {:.0} | {:.0} | {:.3} | {:.2} | {} | {:.0} | {storage} |",
            soaked.server.name,
            first.rps,
            last.rps,
            last.rps / first.rps.max(1e-9),
            max(|i| i.p99_ms),
            intervals.iter().map(|i| i.errors).sum::<u64>(),
            memory_kib(soaked.server.child.id(), "VmHWM") as f64 / 1024.0,
        );
    }
    let ratios: Vec<String> = servers[0]
        .intervals
        .iter()
        .zip(&servers[1].intervals)
        .map(|(f, b)| format!("{:.3}", f.rps / b.rps.max(1e-9)))
        .collect();
    println!("\nfastrs/baseline req/s per interval: {}", ratios.join(" "));
}

/// The chart: requests/s over time above, the charted storage figure below.
fn chart(title: &str, storage_label: &str, servers: &[Soaked; 2]) -> String {
    let minutes: Vec<f64> = servers[0]
        .intervals
        .iter()
        .map(|i| i.end.as_secs_f64() / 60.0)
        .collect();
    let pick = |which: usize, f: fn(&Interval) -> f64| -> Vec<f64> {
        servers[which].intervals.iter().map(f).collect()
    };
    let rps = [pick(0, |i| i.rps), pick(1, |i| i.rps)];
    let storage = [
        pick(0, |i| i.storage.charted()),
        pick(1, |i| i.storage.charted()),
    ];
    chart::draw(
        title,
        [servers[0].server.name, servers[1].server.name],
        &minutes,
        [&rps[0], &rps[1]],
        storage_label,
        [&storage[0], &storage[1]],
    )
}

fn main() {
    let options = options();
    let backend = if options.postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    if options.postgres {
        assert!(
            is_local(&postgres_url()),
            "TEST_POSTGRES_URL must name this machine (127.0.0.1)"
        );
    }
    let dir = std::env::temp_dir().join(format!("fastrs-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (mut fastrs, mut baseline) = start_both(options.postgres, 18311, &dir);
    eprintln!("seeding {ITEMS} items on each server ({backend})...");
    let concurrency = options.concurrency;
    std::thread::scope(|scope| {
        for server in [&mut fastrs, &mut baseline] {
            scope.spawn(move || seed(server, concurrency));
        }
    });

    // The load starts now: the first interval counts from here.
    let started = Instant::now();
    let soaked = |server: Server| Soaked {
        shared: Arc::new(Shared {
            token: RwLock::new(server.token.as_str().into()),
            buckets: Default::default(),
            reported: AtomicU64::new(0),
        }),
        server,
        logged_in: Instant::now(),
        since: started,
        intervals: Vec::new(),
    };
    let mut servers = [soaked(fastrs), soaked(baseline)];
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for soaked in &servers {
        for kind in 0..KINDS.len() {
            for _ in 0..options.concurrency {
                let seed = workers.len();
                let (shared, stop) = (soaked.shared.clone(), stop.clone());
                workers.push(worker(soaked.server.port, kind, seed, shared, stop));
            }
        }
    }
    eprintln!(
        "soaking for {} with {} client threads, a table every {} s...",
        clock(options.duration),
        workers.len(),
        options.interval.as_secs()
    );
    for index in 0.. {
        let end = (options.interval * (index + 1)).min(options.duration);
        std::thread::sleep((started + end).saturating_duration_since(Instant::now()));
        for soaked in &mut servers {
            soaked.close_interval(end);
        }
        print_interval(index as usize, &servers, options.postgres);
        if end >= options.duration {
            break;
        }
        for soaked in &mut servers {
            if soaked.logged_in.elapsed() >= TOKEN_RENEWAL {
                *soaked.shared.token.write().unwrap() = soaked.server.login().into();
                soaked.logged_in = Instant::now();
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("worker");
    }

    print_summary(&servers, &options, backend);
    let storage_label = if options.postgres {
        "items table + indexes (MiB)"
    } else {
        "WAL file (MiB)"
    };
    let title = format!(
        "fastrs vs hand-written axum + sqlx: soak, {backend}, {} connections per kind and server",
        options.concurrency
    );
    match std::fs::write(&options.svg, chart(&title, storage_label, &servers)) {
        Ok(()) => println!("chart: {}", options.svg.display()),
        Err(e) => eprintln!("cannot write {}: {e}", options.svg.display()),
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}
