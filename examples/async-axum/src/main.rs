//! The beecloud SDK in an async service (tokio + axum), against the embedded emulator:
//!
//! - the SDK is blocking, so every call runs on tokio's blocking pool (`spawn_blocking`), never on
//!   a runtime worker;
//! - the webhook handler verifies the push in the async handler itself (`verify_webhook` is pure
//!   CPU work, no I/O) and answers `success` only for a known order with the right amount.
//!
//! `cargo run -p async-example` pays a bill, completes it on the emulator, waits for the verified
//! webhook and exits 0 (non-zero on any failure).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use beecloud::BCPay;
use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams};
use beecloud::utils::{WEBHOOK_SUCCESS, verify_webhook};
use tokio::sync::mpsc;

/// What the handlers share: the app (to verify signatures) and the service's orders.
struct Shop {
    bc_app: BCApp,
    /// bill_no → amount in fen.
    orders: Mutex<HashMap<String, i64>>,
    paid: mpsc::UnboundedSender<String>,
}

/// The BeeCloud webhook: verify, check the amount against our own order, then answer `success`.
async fn webhook(State(shop): State<Arc<Shop>>, body: Bytes) -> &'static str {
    let Ok(push) = verify_webhook(&shop.bc_app, &body) else {
        return "bad signature";
    };
    let expected = shop
        .orders
        .lock()
        .unwrap()
        .get(&push.transaction_id)
        .copied();
    let Some(expected) = expected else {
        return "unknown order";
    };
    if push.check_amount(expected).is_err() {
        return "amount mismatch";
    }
    // Mark the order paid here (once: webhooks repeat).
    let _ = shop.paid.send(push.transaction_id);
    WEBHOOK_SUCCESS
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Starting the emulator only binds a local port: quick enough for the runtime thread.
    let emulator = Arc::new(Emulator::start_with(EmulatorConfig {
        webhook_time_scale: 0.001,
        ..Default::default()
    })?);
    let bc_app = emulator.bc_app();

    let (paid, mut paid_orders) = mpsc::unbounded_channel();
    let shop = Arc::new(Shop {
        bc_app: bc_app.clone(),
        orders: Mutex::new(HashMap::new()),
        paid,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook_url = format!("http://{}/webhook", listener.local_addr()?);
    let app = Router::new()
        .route("/webhook", post(webhook))
        .with_state(Arc::clone(&shop));
    tokio::spawn(async move { axum::serve(listener, app).await });
    emulator.set_webhook_url(Some(&webhook_url));

    // Pay: build the params, then hand the blocking call to the blocking pool.
    let bill_no = beecloud::utils::order_num_on_datetime();
    shop.orders.lock().unwrap().insert(bill_no.clone(), 100);
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.title = Some("async order".into());
    params.total_fee = Some(100);
    params.bill_no = Some(bill_no.clone());
    let bc_pay = BCPay::new(bc_app);
    let bill = tokio::task::spawn_blocking(move || bc_pay.pay(&params)).await??;
    println!("bill {} created; QR content {:?}", bill.id, bill.code_url);

    // The payer pays (here: the emulator's hook), and BeeCloud pushes the webhook.
    let payer = Arc::clone(&emulator);
    let bill_id = bill.id.clone();
    tokio::task::spawn_blocking(move || payer.complete_payment(&bill_id)).await??;
    let confirmed = tokio::time::timeout(Duration::from_secs(10), paid_orders.recv())
        .await?
        .ok_or("the webhook handler stopped")?;
    assert_eq!(confirmed, bill_no);
    println!("webhook verified: order {confirmed} paid");
    Ok(())
}
