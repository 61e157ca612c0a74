//! A webhook receiver on `std::net` that decides with `receive_webhook`: every push is
//! authenticated, confirmed by one query to BeeCloud's record, de-duplicated, and answered.
//! Against the embedded emulator: a paid bill, a failed payout, a replay and a forgery; then the
//! cost of a confirmation, timed.
//!
//! `cargo run --example webhook_receiver --features emulator` (add `--release` for the figures).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use beecloud::BCPay;
use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::{BCApp, BCCardTransferParams, BCChannelType, BCPayReqParams};
use beecloud::utils::{BCMemoryDedup, BCWebhookReceipt, receive_webhook, verify_webhook};

/// The merchant's orders, by number: amount and state.
type Orders = Arc<Mutex<HashMap<String, (i64, &'static str)>>>;

/// The handler: what to do with one push, and the body to answer.
fn on_push(bc_app: &BCApp, seen: &BCMemoryDedup, orders: &Orders, body: &[u8]) -> &'static str {
    let receipt = receive_webhook(bc_app, body, Some(seen), |push| {
        orders
            .lock()
            .unwrap()
            .get(&push.transaction_id)
            .map(|(fee, _)| *fee)
    });
    let mut orders = orders.lock().unwrap();
    match &receipt {
        BCWebhookReceipt::Accepted(done) => {
            orders.insert(done.transaction_id.clone(), (done.transaction_fee, "done"));
        }
        BCWebhookReceipt::Failed(failed) => {
            if let Some(order) = orders.get_mut(&failed.transaction_id) {
                order.1 = "failed";
            }
        }
        _ => {}
    }
    println!("  push -> {} ({})", receipt.reply(), outcome(&receipt));
    receipt.reply()
}

fn outcome(receipt: &BCWebhookReceipt) -> String {
    match receipt {
        BCWebhookReceipt::Accepted(done) => format!("accepted {}", done.key()),
        BCWebhookReceipt::Failed(failed) => format!("failed {}", failed.key()),
        BCWebhookReceipt::Repeated(key) => format!("repeated {key}"),
        BCWebhookReceipt::Unconfirmable(push) => format!("unconfirmable {}", push.key()),
        BCWebhookReceipt::Unconfirmed(error) => format!("unconfirmed: {error}"),
        BCWebhookReceipt::Rejected(error) => format!("rejected: {error}"),
        _ => "other".into(),
    }
}

/// One request: its body (headers up to an empty line, then `Content-Length` bytes).
fn read_body(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())?;
            if length > 1 << 20 {
                return None;
            }
            while data.len() < end + 4 + length {
                let read = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
                data.extend_from_slice(&chunk[..read]);
            }
            return Some(data[end + 4..end + 4 + length].to_vec());
        }
        let read = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&chunk[..read]);
    }
}

/// Serves pushes on 127.0.0.1 until the process ends; returns the receiver's URL.
fn serve(bc_app: BCApp, orders: Orders) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let seen = Arc::new(BCMemoryDedup::new(10_000));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let reply = match read_body(&mut stream) {
                Some(body) => on_push(&bc_app, &seen, &orders, &body),
                None => "fail",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    url
}

/// Waits (bounded) until `bill` reaches `state`.
fn wait_for(orders: &Orders, number: &str, state: &str) -> Result<(), Box<dyn std::error::Error>> {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if orders.lock().unwrap().get(number).map(|o| o.1) == Some(state) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err(format!("{number} never became {state}").into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = Emulator::start_with(EmulatorConfig {
        webhook_time_scale: 0.001,
        ..EmulatorConfig::default()
    })?;
    let bc_app = emu.bc_app();
    let bc_pay = BCPay::new(bc_app.clone());
    let orders: Orders = Arc::default();
    emu.set_webhook_url(Some(&serve(bc_app.clone(), orders.clone())));

    println!("a paid bill:");
    let bill_no = format!("receiver{}", emu.now_ms());
    orders
        .lock()
        .unwrap()
        .insert(bill_no.clone(), (880, "open"));
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.title = Some("webhook example".into());
    params.total_fee = Some(880);
    params.bill_no = Some(bill_no.clone());
    let bill = bc_pay.pay(&params)?;
    emu.complete_payment(&bill.id)?;
    wait_for(&orders, &bill_no, "done")?;

    println!("a failed payout (pushed with trade_success false):");
    let payout_no = format!("payout{}", emu.now_ms());
    orders
        .lock()
        .unwrap()
        .insert(payout_no.clone(), (5000, "open"));
    let mut card = BCCardTransferParams::default();
    card.total_fee = Some(5000);
    card.bill_no = Some(payout_no.clone());
    card.title = Some("提现".into());
    card.bank_fullname = Some("招商银行".into());
    card.card_type = Some("DE".into());
    card.account_type = Some("P".into());
    card.account_no = Some("6225880000000003".into());
    card.account_name = Some("王五".into());
    bc_pay.bc_transfer(&card)?;
    emu.fail_transfer(&payout_no)?;
    wait_for(&orders, &payout_no, "failed")?;

    // The bill's push, as the emulator delivered it: replayed and forged.
    let delivered = emu
        .webhooks()
        .into_iter()
        .find(|w| w.body["transaction_id"] == bill_no.as_str())
        .ok_or("no PAY push")?;
    let body = delivered.body.to_string().into_bytes();
    let seen = BCMemoryDedup::new(10);
    println!("the paid bill's push, replayed, then forged for another amount:");
    on_push(&bc_app, &seen, &orders, &body);
    let replay = on_push(&bc_app, &seen, &orders, &body);
    let forged = body_with(&delivered.body, "transaction_fee", 1);
    let refused = on_push(&bc_app, &seen, &orders, &forged);
    if replay != "success" || refused != "fail" {
        return Err("the replay or the forgery was judged wrongly".into());
    }

    // The cost of a confirmation: one GET of the bill per push.
    let before = emu.requests().len();
    let rounds = 300;
    let mut took: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            let receipt = receive_webhook(&bc_app, &body, None, |_| Some(880));
            assert!(receipt.accepted().is_some());
            started.elapsed()
        })
        .collect();
    took.sort();
    let gets = emu.requests().len() - before;
    // What the signature check alone costs (all a receiver did before confirming by query).
    let mut checked: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            verify_webhook(&bc_app, &body).expect("genuine");
            started.elapsed()
        })
        .collect();
    checked.sort();
    println!(
        "signature check alone: p50 {:?}, p99 {:?}",
        checked[rounds / 2],
        checked[rounds * 99 / 100]
    );
    println!(
        "confirmation cost: {:.2} GET per push, p50 {:?}, p99 {:?} ({rounds} pushes against the emulator on 127.0.0.1)",
        gets as f64 / rounds as f64,
        took[rounds / 2],
        took[rounds * 99 / 100],
    );
    Ok(())
}

/// `push` with `key` set to `value` (the signature no longer matches).
fn body_with(push: &serde_json::Value, key: &str, value: i64) -> Vec<u8> {
    let mut push = push.clone();
    push[key] = value.into();
    push.to_string().into_bytes()
}
