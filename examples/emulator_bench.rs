//! The emulator at scale: store size against query latency, seeding speed, and pay throughput over many
//! kept-alive connections. A benchmark, not a test: it prints figures.
//!
//! `cargo run --release --example emulator_bench --features emulator [-- BILLS CONNECTIONS SECONDS]`
//! (defaults 100000, 16, 3). The client is a minimal keep-alive HTTP/1.1 writer on `std::net`, so the
//! figures are the emulator's, not an HTTP client's. The targets: query_bills p50 at 100k bills
//! ≤ 3× its p50 at 100 bills; seeding 100k bills < 5 s; ≥ 20k pay requests/s at 16 connections.
//!
//! To compare against another build in the same run (e.g. an older `beecloud-emulator` binary started
//! with its demo credentials), set `EMULATOR_BENCH_BASELINE=http://127.0.0.1:PORT`: pay throughput at 1,
//! 16 and 64 connections is then measured on both, alternately, and the ratio printed. Set
//! `EMULATOR_BENCH_CANDIDATE=http://127.0.0.1:PORT` too to measure a running binary of this build in
//! place of the in-process emulator (both sides then run as separate processes alike).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, EmulatorConfig, EmulatorLimits};

/// One kept-alive connection that sends prepared requests and reads whole responses.
struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(base_url: &str) -> Conn {
        let stream = TcpStream::connect(base_url.trim_start_matches("http://")).expect("connect");
        stream.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends one request and returns the response body.
    fn call(&mut self, raw: &[u8]) -> String {
        self.writer.write_all(raw).expect("send");
        let mut length = 0;
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("a response head");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("a body");
        String::from_utf8(body).unwrap()
    }
}

fn sign(emu: &Emulator, secret: &str) -> String {
    let config = emu.config();
    let timestamp = emu.now_ms();
    let sign = format!(
        "{:x}",
        md5::compute(format!("{}{timestamp}{secret}", config.app_id))
    );
    format!(
        r#""app_id":"{}","timestamp":{timestamp},"app_sign":"{sign}""#,
        config.app_id
    )
}

fn pay_request(emu: &Emulator, auth: &str, bill_no: &str) -> Vec<u8> {
    let _ = emu;
    // Host must name the emulator (loopback) or it answers 421.
    let body = format!(
        r#"{{{auth},"channel":"WX_NATIVE","total_fee":1,"bill_no":"{bill_no}","title":"bench"}}"#
    );
    format!(
        "POST /2/rest/bill HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn query_request(auth: &str) -> Vec<u8> {
    let para = format!(r#"{{{auth},"limit":10}}"#);
    let encoded: String = para
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("GET /2/rest/bills?para={encoded} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}

/// Pays `count` bills over `connections` connections; returns the elapsed time.
fn seed(emu: &Emulator, prefix: &str, count: u64, connections: u64) -> Duration {
    let auth = Arc::new(sign(emu, &emu.config().app_secret));
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..connections {
            let (auth, next) = (auth.clone(), next.clone());
            scope.spawn(move || {
                let mut conn = Conn::open(&emu.base_url());
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return;
                    }
                    let reply = conn.call(&pay_request(emu, &auth, &format!("{prefix}{n:010}")));
                    assert!(reply.contains("\"result_code\":0"), "{reply}");
                }
            });
        }
    });
    started.elapsed()
}

/// p50 and p99 of `rounds` bill queries (`limit` 10, newest first) on one connection.
fn query_latency(emu: &Emulator, rounds: usize) -> (Duration, Duration) {
    let request = query_request(&sign(emu, &emu.config().app_secret));
    let mut conn = Conn::open(&emu.base_url());
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            let reply = conn.call(&request);
            let took = started.elapsed();
            assert!(reply.contains("\"result_code\":0"), "{reply}");
            took
        })
        .collect();
    times.sort();
    (times[rounds / 2], times[rounds * 99 / 100])
}

/// Pay requests per second over `connections` kept-alive connections for `seconds`, to the emulator at
/// `base_url` (signed with `emu`'s credentials and clock); also the connections that completed no request.
fn throughput(
    emu: &Emulator,
    base_url: &str,
    tag: &str,
    connections: usize,
    seconds: u64,
) -> (f64, usize) {
    let auth = Arc::new(sign(emu, &emu.config().app_secret));
    let done = Arc::new(AtomicU64::new(0));
    let starved = Arc::new(AtomicU64::new(0));
    let barrier = Arc::new(Barrier::new(connections));
    let window = Duration::from_secs(seconds);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for c in 0..connections {
            let (auth, done, starved, barrier) =
                (auth.clone(), done.clone(), starved.clone(), barrier.clone());
            scope.spawn(move || {
                let mut conn = Conn::open(base_url);
                barrier.wait();
                let begin = Instant::now();
                let mut n = 0u64;
                while begin.elapsed() < window {
                    let bill_no = format!("{tag}{c:03}x{n:09}");
                    let reply = conn.call(&pay_request(emu, &auth, &bill_no));
                    assert!(reply.contains("\"result_code\":0"), "{reply}");
                    n += 1;
                }
                done.fetch_add(n, Ordering::Relaxed);
                if n == 0 {
                    starved.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    (
        done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(),
        starved.load(Ordering::Relaxed) as usize,
    )
}

/// Pay throughput at 1, 16 and 64 connections, here and at `baseline`, alternately (so a noisy neighbour
/// hits both alike), best of three rounds each.
fn compare(emu: &Emulator, candidate: &str, baseline: &str, seconds: u64) {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() % 100_000);
    for connections in [1, 16, 64] {
        let mut best = [(0.0f64, 0usize); 2];
        for round in 0..3 {
            for (side, url) in [candidate, baseline].into_iter().enumerate() {
                // Each run starts from an empty store (a binary keeps its default store limit).
                let reply = Conn::open(url).call(
                    b"POST /__emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n",
                );
                assert!(reply.contains("\"ok\":true"), "{reply}");
                let tag = format!("c{stamp}r{round}s{side}n{connections}");
                let (rate, starved) = throughput(emu, url, &tag, connections, seconds);
                if rate > best[side].0 {
                    best[side] = (rate, starved);
                }
            }
        }
        println!(
            "pay at {connections:>2} connections: this build {:>7.0} req/s ({} starved), baseline {:>7.0} req/s ({} starved), ratio {:.2}",
            best[0].0,
            best[0].1,
            best[1].0,
            best[1].1,
            best[0].0 / best[1].0
        );
    }
}

fn main() {
    let arg = |n: usize, default: u64| {
        std::env::args()
            .nth(n)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (bills, connections, seconds) = (arg(1, 100_000), arg(2, 16), arg(3, 3));
    let config = || EmulatorConfig {
        // The log's caps are what is measured here; the record store may hold every bill the benchmark
        // makes (the baseline build may have no byte limit at all).
        limits: EmulatorLimits {
            store_bytes: usize::MAX,
            ..EmulatorLimits::default()
        },
        ..EmulatorConfig::default()
    };
    println!(
        "emulator_bench: {bills} bills, {connections} connections, {seconds} s; {} logical CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let small = Emulator::start_with(config()).expect("start");
    seed(&small, "small", 100, 4);
    let (small_p50, small_p99) = query_latency(&small, 2_000);

    let large = Emulator::start_with(config()).expect("start");
    let seeding = seed(&large, "large", bills, connections);
    let (large_p50, large_p99) = query_latency(&large, 2_000);
    // Interleave a second round of each, so a noisy neighbour hits both alike.
    let (small_p50b, _) = query_latency(&small, 2_000);
    let (large_p50b, _) = query_latency(&large, 2_000);
    let small_p50 = small_p50.min(small_p50b);
    let large_p50 = large_p50.min(large_p50b);

    println!(
        "query_bills (limit 10)  at 100 bills: p50 {:>7.1} µs  p99 {:>7.1} µs",
        small_p50.as_secs_f64() * 1e6,
        small_p99.as_secs_f64() * 1e6
    );
    println!(
        "query_bills (limit 10)  at {bills} bills: p50 {:>7.1} µs  p99 {:>7.1} µs  ratio {:.2} (target ≤ 3)",
        large_p50.as_secs_f64() * 1e6,
        large_p99.as_secs_f64() * 1e6,
        large_p50.as_secs_f64() / small_p50.as_secs_f64()
    );
    println!(
        "seeding {bills} bills over {connections} connections: {:.2} s ({:.0} bills/s; target < 5 s)",
        seeding.as_secs_f64(),
        bills as f64 / seeding.as_secs_f64()
    );
    drop(large);
    let fresh = Emulator::start_with(config()).expect("start");
    let (rate, starved) = throughput(
        &fresh,
        &fresh.base_url(),
        "tp",
        connections as usize,
        seconds,
    );
    println!(
        "pay throughput at {connections} kept-alive connections: {rate:.0} requests/s, {starved} starved (target ≥ 20000)"
    );
    if let Ok(baseline) = std::env::var("EMULATOR_BENCH_BASELINE") {
        let candidate =
            std::env::var("EMULATOR_BENCH_CANDIDATE").unwrap_or_else(|_| fresh.base_url());
        compare(
            &fresh,
            candidate.trim_end_matches('/'),
            baseline.trim_end_matches('/'),
            seconds,
        );
    }
}
