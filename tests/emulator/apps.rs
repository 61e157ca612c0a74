//! Many test workers, one emulator: each worker takes its own app (`Emulator::create_app`,
//! `POST /__emulator/apps`) and sees only its own bills, refunds, pushes, clock and resets, over
//! real HTTP on 127.0.0.1.
#![cfg(feature = "emulator")]

use crate::support::emulated;

use std::time::Duration;

use beecloud::emulator::Emulator;
use beecloud::entity::{BCChannelType, BCQueryReqParams};
use beecloud::utils::verify_webhook;
use beecloud::{BCPay, BCQuery};
use emulated::{fast_config, pay_params, refund_params};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

/// The whole loop on one app: pay → complete → PAY push → refund → REFUND push → queries.
fn full_loop(app: &Emulator, fee: i64) -> String {
    let bc_app = app.bc_app();
    let (pay, query) = (BCPay::new(bc_app.clone()), BCQuery::new(bc_app.clone()));
    let sink = app.webhook_sink();
    let params = pay_params(BCChannelType::WX_NATIVE, fee);
    let bill_no = params.bill_no.clone().unwrap();
    pay.pay(&params).unwrap();
    app.complete_payment(&bill_no).unwrap();
    let pushes = sink.wait_for(1, WAIT);
    assert_eq!(pushes.len(), 1, "only its own PAY push: {pushes:?}");
    let push = verify_webhook(&bc_app, pushes[0].body.as_bytes()).expect("signed with its secret");
    assert_eq!(
        (push.transaction_id.as_str(), push.transaction_type.as_str()),
        (bill_no.as_str(), "PAY")
    );
    pay.refund(&refund_params(app, &bill_no, fee)).unwrap();
    let pushes = sink.wait_for(2, WAIT);
    assert_eq!(pushes.len(), 2, "{pushes:?}");
    let refund_push = verify_webhook(&bc_app, pushes[1].body.as_bytes()).unwrap();
    assert_eq!(refund_push.transaction_type, "REFUND");
    let bills = query.query_bills(&BCQueryReqParams::default()).unwrap();
    assert_eq!(bills.count(), 1, "only its own bill");
    assert_eq!(bills.bills[0].bill_no.as_deref(), Some(bill_no.as_str()));
    let refunds = query.query_refunds(&BCQueryReqParams::default()).unwrap();
    assert_eq!(refunds.count(), 1, "only its own refund");
    assert_eq!(app.webhooks().len(), 2);
    bill_no
}

#[test]
fn eight_workers_each_with_its_own_app_run_the_full_loop_at_once() {
    let emu = Emulator::start_with(fast_config()).unwrap();
    let apps: Vec<Emulator> = (0..8).map(|_| emu.create_app().unwrap()).collect();
    let bill_nos: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = apps
            .iter()
            .enumerate()
            .map(|(n, app)| scope.spawn(move || full_loop(app, 100 + n as i64)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    // The first app saw none of it.
    let first = BCQuery::new(emu.bc_app());
    assert_eq!(
        first
            .query_bills(&BCQueryReqParams::default())
            .unwrap()
            .count(),
        0
    );
    assert!(emu.webhooks().is_empty());
    // One app's credentials do not open another's records.
    let mut foreign = apps[0].bc_app();
    foreign.app_id = apps[1].config().app_id.clone();
    assert!(
        BCQuery::new(foreign)
            .query_bills(&BCQueryReqParams::default())
            .is_err()
    );
    // A reset and a clock move are the app's own.
    apps[0].advance_clock(Duration::from_secs(3600));
    assert!(apps[0].now_ms() - apps[1].now_ms() >= 3_599_000);
    apps[0].reset();
    assert_eq!(
        BCQuery::new(apps[0].bc_app())
            .query_bills(&BCQueryReqParams::default())
            .unwrap()
            .count(),
        0
    );
    let mut by_no = BCQueryReqParams::default();
    by_no.bill_no = Some(bill_nos[1].clone());
    assert_eq!(
        BCQuery::new(apps[1].bc_app())
            .query_bills(&by_no)
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn apps_are_made_and_driven_over_the_control_api() {
    let emu = Emulator::start().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let call = |method: &str, url: &str, body: Value| -> (u16, Value) {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .unwrap();
        let mut answer = agent.run(request).unwrap();
        let text = answer.body_mut().read_to_string().unwrap();
        (
            answer.status().as_u16(),
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    };
    let (status, made) = call("POST", &format!("{}/apps", emu.control_url()), json!({}));
    assert_eq!(status, 200, "{made}");
    let app_id = made["app_id"].as_str().unwrap();
    assert_ne!(app_id, emu.config().app_id);
    let control = made["control_url"].as_str().unwrap();
    assert!(
        control.ends_with(&format!("/__emulator/apps/{app_id}")),
        "{control}"
    );

    // A bill of the new app, signed with its secret, then paid through its own control path.
    let timestamp = emu.now_ms();
    let secret = made["app_secret"].as_str().unwrap();
    let sign = format!("{:x}", md5::compute(format!("{app_id}{timestamp}{secret}")));
    let (_, bill) = call(
        "POST",
        &format!("{}/2/rest/bill", emu.base_url()),
        json!({"app_id": app_id, "timestamp": timestamp, "app_sign": sign,
               "channel": "WX_NATIVE", "total_fee": 1, "bill_no": "appsbill0001", "title": "t"}),
    );
    assert_eq!(bill["result_code"], 0, "{bill}");
    let (status, _) = call(
        "POST",
        &format!("{}/payments/complete", emu.control_url()),
        json!({"id": "appsbill0001"}),
    );
    assert_eq!(status, 404, "the first app has no such bill");
    let (status, answer) = call(
        "POST",
        &format!("{control}/payments/complete"),
        json!({"id": "appsbill0001"}),
    );
    assert_eq!(status, 200, "{answer}");
    let (_, hooks) = call(
        "GET",
        &format!("{control}/webhooks?wait_for=1&timeout_ms=5000"),
        Value::Null,
    );
    assert_eq!(hooks["webhooks"][0]["delivered"], true, "{hooks}");
    assert!(
        hooks["webhooks"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/apps/{app_id}/sink/live"))
    );
    let (_, first_hooks) = call(
        "GET",
        &format!("{}/webhooks", emu.control_url()),
        Value::Null,
    );
    assert_eq!(first_hooks["webhooks"], json!([]));
    let (_, listed) = call("GET", &format!("{}/apps", emu.control_url()), Value::Null);
    assert_eq!(listed["apps"].as_array().unwrap().len(), 2);
    let (status, _) = call(
        "GET",
        &format!("{}/apps/nope/knobs", emu.control_url()),
        Value::Null,
    );
    assert_eq!(status, 404);
}
