//! Throughput and latency of the SDK against the local emulator, with and without connection reuse.
//!
//! `cargo run --example bench --features emulator [-- CALLS]` prints one line per scenario. The
//! figures include the emulator's own work (signature check, validation, JSON), so they bound the
//! SDK's overhead from above; compare scenarios, not absolute numbers, across machines.

use std::time::{Duration, Instant};

use beecloud::emulator::Emulator;
use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams, BCQueryReqParams};
use beecloud::{BCPay, BCQuery};

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let emu = Emulator::start().expect("start the emulator");
    let shared_app = emu.bc_app();
    let mut next_bill = 0u64;
    let mut pay_with = |bc_app: &BCApp| {
        next_bill += 1;
        let mut params = BCPayReqParams::default();
        params.channel = Some(BCChannelType::WX_NATIVE);
        params.total_fee = Some(1);
        params.bill_no = Some(format!("bench{next_bill:08}"));
        params.title = Some("bench".into());
        BCPay::new(bc_app.clone()).pay(&params).expect("pay");
    };

    println!(
        "{:<44} {:>8} {:>10} {:>9} {:>9}",
        "scenario", "calls", "calls/s", "p50 ms", "p99 ms"
    );
    report(
        "pay, one BCApp (pooled connection)",
        measure(calls, || pay_with(&shared_app)),
    );
    report(
        "pay, a new BCApp per call (new connection)",
        measure(calls, || pay_with(&emu.bc_app())),
    );
    let bc_query = BCQuery::new(shared_app.clone());
    let mut page = BCQueryReqParams::default();
    page.limit = Some(50);
    report(
        "query_bills, 50 bills per page",
        measure(calls, || {
            let bills = bc_query.query_bills(&page).expect("query_bills");
            assert_eq!(bills.count(), 50);
        }),
    );
}

fn measure(calls: usize, mut call: impl FnMut()) -> (usize, Duration, Vec<Duration>) {
    let mut latencies = Vec::with_capacity(calls);
    let started = Instant::now();
    for _ in 0..calls {
        let one = Instant::now();
        call();
        latencies.push(one.elapsed());
    }
    (calls, started.elapsed(), latencies)
}

fn report(scenario: &str, (calls, total, mut latencies): (usize, Duration, Vec<Duration>)) {
    latencies.sort();
    let percentile =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    println!(
        "{scenario:<44} {calls:>8} {:>10.0} {:>9.2} {:>9.2}",
        calls as f64 / total.as_secs_f64(),
        percentile(0.5),
        percentile(0.99),
    );
}
