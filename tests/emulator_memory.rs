//! Memory bounded by bytes, over real HTTP on 127.0.0.1: the record store refuses new records at its
//! limit with a BeeCloud-style error (never dropping a kept one), and the webhook sink drops its oldest
//! pushes; request bodies are read and logged cut, never kept whole. One test, its parts in turn, so
//! that no other test's allocations blur the RSS figures.
#![cfg(all(feature = "emulator", target_os = "linux"))]

use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig, EmulatorLimits};
use serde_json::{Value, json};

mod support;
use support::emulated;
use support::rss_bytes;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// A signed pay request whose `optional` carries `padding` bytes.
fn signed_pay(emu: &Emulator, bill_no: &str, padding: usize) -> String {
    let mut body = emulated::pay_body(emu, bill_no);
    body["optional"] = json!({ "pad": "x".repeat(padding) });
    body.to_string()
}

#[test]
fn memory_stays_within_its_limits() {
    the_store_and_the_sink_stay_within_their_byte_limits();
    requests_of_one_mib_are_not_kept_whole();
}

fn the_store_and_the_sink_stay_within_their_byte_limits() {
    const LIMIT: usize = 8 << 20;
    let limits = EmulatorLimits {
        store_bytes: LIMIT,
        sink_bytes: LIMIT,
        ..EmulatorLimits::default()
    };
    let log_bytes = limits.log_bytes;
    let emu = Emulator::start_with(EmulatorConfig {
        limits,
        ..EmulatorConfig::default()
    })
    .unwrap();
    let agent = support::agent(Duration::from_secs(20));

    // The store: 60 bills of ~1 MiB each (7.5 times the limit).
    let before = rss_bytes();
    let (mut kept, mut refused) = (0, 0);
    for n in 0..60 {
        let body = signed_pay(&emu, &format!("memory{n:06}"), 1000 * 1024);
        let mut answer = agent
            .post(format!("{}/2/rest/bill", emu.base_url()))
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let reply: Value =
            serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
        match reply["result_code"].as_i64() {
            Some(0) => kept += 1,
            Some(14) => {
                refused += 1;
                let detail = reply["err_detail"].as_str().unwrap();
                assert!(detail.contains("store_bytes"), "{reply}");
            }
            _ => panic!("bill {n}: {reply}"),
        }
    }
    let grown = rss_bytes().saturating_sub(before);
    eprintln!(
        "store: {kept} bills kept, {refused} refused; RSS growth {:.1} MiB (store limit {:.0} MiB)",
        mib(grown),
        mib(LIMIT)
    );
    assert!(kept >= 6 && refused >= 45, "{kept} kept, {refused} refused");
    assert!(
        grown < LIMIT + log_bytes + (32 << 20),
        "grew {:.1} MiB",
        mib(grown)
    );
    // The kept bills are all still there; a reset frees the room.
    assert!(
        emu.complete_payment("memory000000").is_ok(),
        "the first bill is still kept"
    );
    emu.reset();
    let body = signed_pay(&emu, "afterreset01", 10);
    let mut answer = agent
        .post(format!("{}/2/rest/bill", emu.base_url()))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let reply: Value = serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(reply["result_code"], 0, "{reply}");

    // The sink: 80 pushes of 1 MiB to the sink (10 times the limit).
    let before = rss_bytes();
    let push = format!(r#"{{"pad":"{}"}}"#, "y".repeat(1000 * 1024));
    for _ in 0..80 {
        let answer = agent
            .post(format!("{}/sink/x", emu.control_url()))
            .header("Content-Type", "application/json")
            .send(push.as_str())
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
    }
    let received = emu.webhook_sink().received();
    let held: usize = received.iter().map(|r| r.path.len() + r.body.len()).sum();
    let grown = rss_bytes().saturating_sub(before);
    eprintln!(
        "the sink holds {} pushes, {:.1} MiB; RSS growth {:.1} MiB (sink limit {:.0} MiB)",
        received.len(),
        mib(held),
        mib(grown),
        mib(LIMIT)
    );
    assert!(
        held <= LIMIT && received.len() >= 6,
        "{} pushes",
        received.len()
    );
    assert!(
        grown < LIMIT + log_bytes + (32 << 20),
        "grew {:.1} MiB",
        mib(grown)
    );
}

/// 300 pay requests padded to just under the 1 MiB body cap: the first is stored, the rest are
/// duplicates, and every body is read and logged cut.
fn requests_of_one_mib_are_not_kept_whole() {
    let emu = Emulator::start().unwrap();
    let agent = support::agent(Duration::from_secs(10));
    let url = format!("{}/2/rest/bill", emu.base_url());
    let mut body = emulated::pay_body(&emu, "memory000001");
    body["optional"] = json!({ "pad": "x".repeat(1024 * 1024 - 400) });
    let text = body.to_string();
    assert!(text.len() <= 1024 * 1024 && text.len() > 1024 * 1000);
    let before = rss_bytes();
    for n in 0..300 {
        let mut response = agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(text.clone())
            .unwrap();
        let reply: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        // The first is accepted, the rest are duplicates of its bill_no: every body is read and logged.
        assert!(
            reply["result_code"] == 0 || reply["result_code"] == 17,
            "request {n}: {reply}"
        );
    }
    let grown = rss_bytes().saturating_sub(before);
    eprintln!(
        "RSS growth after 300 x 1 MiB: {:.1} MiB",
        grown as f64 / (1 << 20) as f64
    );
    assert!(grown < 64 << 20, "the process grew by {} MiB", grown >> 20);
    let logged = emu.requests();
    let last = logged.last().unwrap();
    assert!(last.body.len() <= 64 * 1024, "logged bodies are cut");
    assert_eq!(last.body_bytes, text.len(), "the full size is kept");
}
