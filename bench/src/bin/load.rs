//! The load harness: fastrs (`examples/items`) against the hand-written baseline, in one run.
//!
//! ```sh
//! cargo run --release -p fastrs-bench --bin load              # SQLite
//! cargo run --release -p fastrs-bench --bin load -- --postgres # PostgreSQL (TEST_POSTGRES_URL)
//! ```
//!
//! It first builds the release binaries of both servers (`items`, and `baseline` with or without
//! `--features postgres`). Both servers run at once on loopback, each on a fresh database (a
//! SQLite file in a temporary directory, or a schema of `TEST_POSTGRES_URL`, deleted at the end)
//! seeded through its own API with 1 user and 10 000 items. Each round runs every scenario for a
//! fixed number of requests on one server and then the other, alternating which goes first;
//! shared machines drift by up to 2x within minutes, so only back-to-back pairs are compared. It
//! prints, per scenario, the median over rounds of requests/s and latencies, the median of the
//! per-round ratios fastrs/baseline, each server's CPU time per request (from /proc, over all
//! rounds) and peak RSS, and errors (any non-2xx answer).
//!
//! Options: `--rounds N` (default 7), `--requests N` per scenario and server (4000),
//! `--concurrency N` connections (16). The client, the scenarios and the servers' set-up are
//! shared with the soak harness (`src/common.rs`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a benchmark tool: failing loudly is the point

#[path = "../common.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    CREATE_ITEM, GET_ITEM, ITEMS, LIST_ITEMS, ME, Scenario, Server, arg, flag, memory_kib,
    quantile, request, run, seed, start_both,
};

/// A new price for one seeded item, at random.
const UPDATE_ITEM: Scenario = Scenario {
    name: "PATCH /items/{id}",
    make: |rng, token| {
        let path = format!("/items/{}", 1 + rng.below(ITEMS));
        let body = r#"{"price": 2.5}"#;
        request("PATCH", &path, Some(token), Some("application/json"), body)
    },
};

struct Options {
    postgres: bool,
    rounds: usize,
    requests: usize,
    concurrency: usize,
}

fn options() -> Options {
    Options {
        postgres: flag("--postgres"),
        rounds: arg("--rounds", 7),
        requests: arg("--requests", 4000),
        concurrency: arg("--concurrency", 16),
    }
}

/// utime + stime, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
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

struct Sample {
    rps: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

/// Runs one scenario on one server; returns the sample and the server's CPU ticks.
fn measure(server: &Server, scenario: &Scenario, options: &Options) -> (Sample, u64) {
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
    let sample = Sample {
        rps: options.requests as f64 / elapsed.as_secs_f64(),
        p50: quantile(&latencies, 0.50),
        p99: quantile(&latencies, 0.99),
        errors,
    };
    (sample, cpu_ticks(pid) - before)
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
    let dir = std::env::temp_dir().join(format!("fastrs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    let (mut fastrs, mut baseline) = start_both(options.postgres, 18301, &dir);
    eprintln!("seeding {ITEMS} items on each server ({backend})...");
    seed(&mut fastrs, options.concurrency);
    seed(&mut baseline, options.concurrency);

    let scenarios = [GET_ITEM, LIST_ITEMS, CREATE_ITEM, UPDATE_ITEM, ME];
    // results[scenario] = (fastrs samples, baseline samples)
    let mut results: Vec<(Vec<Sample>, Vec<Sample>)> =
        scenarios.iter().map(|_| (Vec::new(), Vec::new())).collect();
    // cpu[scenario][server] = (CPU ticks, requests)
    let mut cpu: Vec<[(u64, usize); 2]> = vec![[(0, 0); 2]; scenarios.len()];
    for round in 0..options.rounds {
        eprintln!("round {}/{}", round + 1, options.rounds);
        for (index, scenario) in scenarios.iter().enumerate() {
            let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                let server = if which == 0 { &fastrs } else { &baseline };
                let (sample, ticks) = measure(server, scenario, &options);
                cpu[index][which].0 += ticks;
                cpu[index][which].1 += options.requests;
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
    let peak_rss = |server: &Server| memory_kib(server.child.id(), "VmHWM");
    let (rss_f, rss_b) = (peak_rss(&fastrs), peak_rss(&baseline));
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
