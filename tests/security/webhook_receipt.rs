//! The webhook receipt against the emulator: every push is authenticated, then confirmed by one
//! query to BeeCloud's record, de-duplicated, and answered. The attacks (forged,
//! test-secret, failed, flipped, replayed and re-targeted pushes) end in "not acted on", for each
//! push type and signature form, live and sandbox. Genuine pushes come from the emulator's sink;
//! forgeries are made here with an independent MD5, as an attacker holding the app would.
#![cfg(feature = "emulator")]

use crate::support;
use crate::support::emulated;

use std::time::Duration;

use beecloud::BCError;
use beecloud::emulator::{Emulator, WebhookSink};
use beecloud::entity::{BCApp, BCChannelType, BCPlan, BCTransferStatus};
use beecloud::utils::{
    BCConfirmedRecord, BCMemoryDedup, BCTransactionType, BCWebhookReceipt, WEBHOOK_FAIL,
    WEBHOOK_SUCCESS, receive_webhook,
};
use emulated::{Env, fast_config, number, pay_params, refund_params, subscribe};
use serde_json::{Value, json};
use support::{CaptureServer, Reply, card_payout, md5_hex, now_ms};

const WAIT: Duration = Duration::from_secs(10);

fn start() -> (Env, WebhookSink) {
    let env = Env::start(fast_config());
    let sink = env.emu.webhook_sink();
    (env, sink)
}

/// The `n`-th push the sink received (0-based), as JSON.
fn pushed(sink: &WebhookSink, n: usize) -> Value {
    let received = sink.wait_for(n + 1, WAIT);
    assert!(received.len() > n, "push {n} never arrived");
    serde_json::from_str(&received[n].body).unwrap()
}

fn bytes(push: &Value) -> Vec<u8> {
    push.to_string().into_bytes()
}

/// `push` re-signed in the legacy form only: `sign` = md5(app_id + secret + timestamp) with a
/// fresh (or given) timestamp, `signature` removed. Anyone holding the app (or test) secret can
/// make it, whatever the rest of the body says.
fn legacy(emu: &Emulator, push: &Value, secret: &str, stamp: i64) -> Value {
    let mut push = push.clone();
    let fields = push.as_object_mut().unwrap();
    fields.remove("signature");
    fields.insert("timestamp".into(), stamp.into());
    let app_id = &emu.config().app_id;
    fields.insert(
        "sign".into(),
        md5_hex(&format!("{app_id}{secret}{stamp}")).into(),
    );
    push
}

/// A current-form push signed with the master secret (what only BeeCloud can make).
fn signed(emu: &Emulator, kind: &str, id: &str, channel: &str, fee: i64, success: bool) -> Value {
    let config = emu.config();
    let (app_id, master) = (&config.app_id, &config.master_secret);
    json!({
        "signature": md5_hex(&format!("{app_id}{id}{kind}{channel}{fee}{master}")),
        "timestamp": now_ms(), "channel_type": channel, "sub_channel_type": format!("{channel}_X"),
        "transaction_type": kind, "transaction_id": id, "transaction_fee": fee,
        "trade_success": success, "message_detail": {}, "optional": {},
    })
}

fn receive(app: &BCApp, push: &Value, fee: i64) -> BCWebhookReceipt {
    receive_webhook(app, &bytes(push), None, |_| Some(fee))
}

fn assert_not_acted(receipt: &BCWebhookReceipt, what: &str) {
    assert!(receipt.accepted().is_none(), "{what}: {receipt:?}");
    assert!(
        !matches!(receipt, BCWebhookReceipt::Repeated(_)),
        "{what}: {receipt:?}"
    );
}

fn assert_rejected(receipt: &BCWebhookReceipt, what: &str) {
    assert!(
        matches!(receipt, BCWebhookReceipt::Rejected(_)),
        "{what}: {receipt:?}"
    );
    assert_eq!(receipt.reply(), WEBHOOK_FAIL, "{what}");
}

/// A paid WX_NATIVE bill of `fee` and its genuine PAY push.
fn paid_bill(env: &Env, sink: &WebhookSink, fee: i64, n: usize) -> (String, Value) {
    let params = pay_params(BCChannelType::WX_NATIVE, fee);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    (params.bill_no.unwrap(), pushed(sink, n))
}

#[test]
fn a_genuine_pay_push_for_a_paid_bill_is_accepted_once_with_the_bill() {
    let (env, sink) = start();
    let (bill_no, push) = paid_bill(&env, &sink, 1234, 0);
    let receipt = receive_webhook(&env.app, &bytes(&push), None, |push| {
        (push.transaction_id == bill_no).then_some(1234)
    });
    assert_eq!(receipt.reply(), WEBHOOK_SUCCESS);
    let confirmed = receipt.accepted().expect("accepted");
    assert_eq!(confirmed.transaction_type, BCTransactionType::Pay);
    assert_eq!(confirmed.transaction_fee, 1234);
    let BCConfirmedRecord::Bill(bill) = &confirmed.record else {
        panic!("{confirmed:?}")
    };
    assert_eq!(bill.spay_result, Some(true));
    assert_eq!(bill.bill_no.as_deref(), Some(bill_no.as_str()));

    // Another amount, no such order: refused; the amount is checked before any query.
    let before = env.emu.requests().len();
    let other_amount = receive(&env.app, &push, 1);
    assert!(matches!(
        other_amount,
        BCWebhookReceipt::Rejected(BCError::WebhookAmountMismatch {
            expected: 1,
            received: 1234
        })
    ));
    assert_rejected(
        &receive_webhook(&env.app, &bytes(&push), None, |_| None),
        "no order",
    );
    assert_eq!(env.emu.requests().len(), before, "no query for a refusal");
    // One confirmation is one GET of the bills.
    receive(&env.app, &push, 1234).accepted().expect("again");
    let asked = env.emu.requests();
    assert_eq!(asked.len(), before + 1);
    assert_eq!(asked[before].method, "GET");
    assert_eq!(asked[before].path, "/2/rest/bills");
}

#[test]
fn a_pay_push_for_an_unpaid_bill_or_another_amount_is_not_acted_on() {
    let (env, _sink) = start();
    let params = pay_params(BCChannelType::WX_NATIVE, 500);
    env.pay.pay(&params).unwrap();
    let bill_no = params.bill_no.unwrap();
    // Made early (before the payment), in both forms, saying success.
    let early = signed(&env.emu, "PAY", &bill_no, "WX", 500, true);
    assert_rejected(&receive(&env.app, &early, 500), "signature, unpaid");
    let app_secret = env.emu.config().app_secret.clone();
    let legacy_early = legacy(&env.emu, &early, &app_secret, now_ms());
    assert_rejected(&receive(&env.app, &legacy_early, 500), "sign, unpaid");

    // Paid now: a legacy push claiming another amount is judged on BeeCloud's amount.
    env.emu.complete_payment(&bill_no).unwrap();
    let mut cheaper = legacy_early.clone();
    cheaper["transaction_fee"] = json!(5);
    assert!(matches!(
        receive(&env.app, &cheaper, 5),
        BCWebhookReceipt::Rejected(BCError::WebhookAmountMismatch {
            expected: 5,
            received: 500
        })
    ));
    // Another channel than the bill's, signed: contradicted by the record.
    let other_channel = signed(&env.emu, "PAY", &bill_no, "ALI", 500, true);
    assert_rejected(&receive(&env.app, &other_channel, 500), "another channel");
    // A PAY push saying trade_success false is not a payment by itself: BeeCloud's record is
    // what decides (here: paid), and a false on an unpaid bill is refused.
    let said_failed = signed(&env.emu, "PAY", &bill_no, "WX", 500, false);
    assert!(receive(&env.app, &said_failed, 500).accepted().is_some());
    let unpaid = pay_params(BCChannelType::WX_NATIVE, 7);
    env.pay.pay(&unpaid).unwrap();
    let unpaid_false = signed(
        &env.emu,
        "PAY",
        unpaid.bill_no.as_deref().unwrap(),
        "WX",
        7,
        false,
    );
    assert_rejected(&receive(&env.app, &unpaid_false, 7), "false, unpaid");
}

/// A PAY push for an ordinary order, legacy `sign` made with the app secret (which ships in
/// every mobile app), unsigned `sub_channel_type: BC_SUBSCRIPTION`.
#[test]
fn an_app_secret_sign_never_pays_an_order_by_itself() {
    let (env, _sink) = start();
    let mut order = pay_params(BCChannelType::WX_NATIVE, 88_800);
    order.bill_no = Some("ORDER42".to_string() + &number(""));
    env.pay.pay(&order).unwrap();
    let bill_no = order.bill_no.unwrap();
    let app_secret = env.emu.config().app_secret.clone();
    for id in [bill_no.as_str(), "ORDER4200000000"] {
        let forged = json!({
            "sign": md5_hex(&format!("{}{app_secret}{}", env.app.app_id, now_ms())),
            "timestamp": now_ms(), "channel_type": "BC", "sub_channel_type": "BC_SUBSCRIPTION",
            "transaction_type": "PAY", "transaction_id": id, "transaction_fee": 88_800,
            "trade_success": true, "message_detail": {}, "optional": {},
        });
        let forged = legacy(&env.emu, &forged, &app_secret, now_ms());
        let receipt = receive(&env.app, &forged, 88_800);
        assert_not_acted(&receipt, id);
        assert_eq!(receipt.reply(), WEBHOOK_FAIL, "{id}");
    }
}

/// A push signed with the test secret reaches a live app: refused before any query, for every
/// type; in test mode the same kind of push is a sandbox push, confirmed against the sandbox.
#[test]
fn test_secret_pushes_count_only_in_test_mode_and_are_confirmed_in_the_sandbox() {
    let (env, sink) = start();
    let test_secret = env.emu.config().test_secret.clone();
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    let sandbox_pay = beecloud::BCPay::new(test_app.clone());
    let params = pay_params(BCChannelType::WX_NATIVE, 20);
    let bill = sandbox_pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let genuine = pushed(&sink, 0);
    assert!(genuine.get("signature").is_none(), "{genuine}");

    let before = env.emu.requests().len();
    assert_rejected(&receive(&env.app, &genuine, 20), "sandbox push, live app");
    for kind in ["PAY", "REFUND", "TRANSFER", "SUBSCRIPTION", "SIGN"] {
        let mut forged = genuine.clone();
        forged["transaction_type"] = json!(kind);
        let forged = legacy(&env.emu, &forged, &test_secret, now_ms());
        assert_rejected(&receive(&env.app, &forged, 20), kind);
    }
    assert_eq!(env.emu.requests().len(), before, "refused before any query");

    let receipt = receive(&test_app, &genuine, 20);
    let confirmed = receipt.accepted().expect("the sandbox bill is paid");
    assert_eq!(Some(confirmed.transaction_id.clone()), params.bill_no);
    assert_eq!(
        env.emu.requests().last().unwrap().path,
        "/2/rest/sandbox/bills"
    );
    // Sandbox refunds, payouts and signings have no query: never "accepted".
    for kind in ["REFUND", "TRANSFER", "SIGN"] {
        let mut other = genuine.clone();
        other["transaction_type"] = json!(kind);
        other["channel_type"] = json!("BC");
        let other = legacy(&env.emu, &other, &test_secret, now_ms());
        let receipt = receive(&test_app, &other, 20);
        assert!(
            matches!(receipt, BCWebhookReceipt::Unconfirmable(_)),
            "{kind}: {receipt:?}"
        );
        assert_eq!(receipt.reply(), WEBHOOK_FAIL);
    }
    // A live push (master-secret signature) does not reach a test-mode app.
    let live = signed(
        &env.emu,
        "PAY",
        params.bill_no.as_deref().unwrap(),
        "WX",
        20,
        true,
    );
    assert_rejected(&receive(&test_app, &live, 20), "live push, test mode");
}

/// A failed payout is pushed with `trade_success: false`; flipping or removing that flag
/// (no signature covers it) changes nothing: BeeCloud's record says failed.
#[test]
fn a_failed_payout_is_a_failure_whatever_the_push_says() {
    let (env, sink) = start();
    let bill_no = number("payout");
    env.pay.bc_transfer(&card_payout(&bill_no, 5000)).unwrap();
    env.emu.fail_transfer(&bill_no).unwrap();
    let genuine = pushed(&sink, 0);
    assert_eq!(genuine["trade_success"], json!(false));
    let app_secret = env.emu.config().app_secret.clone();
    let mut flipped = genuine.clone();
    flipped["trade_success"] = json!(true);
    let mut removed = genuine.clone();
    removed.as_object_mut().unwrap().remove("trade_success");
    let legacy_flipped = legacy(&env.emu, &flipped, &app_secret, now_ms());
    for (what, push) in [
        ("genuine", &genuine),
        ("flipped", &flipped),
        ("removed", &removed),
        ("legacy, flipped", &legacy_flipped),
    ] {
        let receipt = receive(&env.app, push, 5000);
        let BCWebhookReceipt::Failed(failed) = &receipt else {
            panic!("{what}: {receipt:?}")
        };
        assert_eq!(failed.transaction_id, bill_no);
        let BCConfirmedRecord::Transfer(payout) = &failed.record else {
            panic!("{failed:?}")
        };
        assert_eq!(payout.transfer_status, Some(BCTransferStatus::FAIL));
        // Recorded as failed: BeeCloud may stop retrying.
        assert_eq!(receipt.reply(), WEBHOOK_SUCCESS);
    }

    // A payout that succeeded is accepted; one still processing is not final yet.
    let ok_no = number("payout");
    env.pay.bc_transfer(&card_payout(&ok_no, 300)).unwrap();
    let processing = signed(&env.emu, "TRANSFER", &ok_no, "BC", 300, true);
    let receipt = receive(&env.app, &processing, 300);
    assert!(
        matches!(receipt, BCWebhookReceipt::Unconfirmed(_)),
        "{receipt:?}"
    );
    assert_eq!(receipt.reply(), WEBHOOK_FAIL);
    env.emu.complete_transfer(&ok_no).unwrap();
    let done = pushed(&sink, 1);
    let receipt = receive(&env.app, &done, 300);
    assert_eq!(receipt.accepted().expect("paid out").transaction_fee, 300);
    // WeChat/Alipay transfers have no query: authentic, but never "accepted".
    let alipay = signed(&env.emu, "TRANSFER", &number("ali"), "ALI", 300, true);
    let receipt = receive(&env.app, &alipay, 300);
    assert!(
        matches!(receipt, BCWebhookReceipt::Unconfirmable(_)),
        "{receipt:?}"
    );
    assert_eq!(receipt.reply(), WEBHOOK_FAIL);
}

/// One genuine push replayed 100 times, its timestamp set to 1 (1970): acted on once.
#[test]
fn a_replayed_push_is_acted_on_once() {
    let (env, sink) = start();
    let (bill_no, mut push) = paid_bill(&env, &sink, 10, 0);
    push["timestamp"] = json!(1);
    let seen = BCMemoryDedup::new(100);
    let mut outcomes = (0, 0);
    for _ in 0..100 {
        let receipt = receive_webhook(&env.app, &bytes(&push), Some(&seen), |_| Some(10));
        match &receipt {
            BCWebhookReceipt::Accepted(confirmed) => {
                assert_eq!(confirmed.transaction_id, bill_no);
                outcomes.0 += 1;
            }
            BCWebhookReceipt::Repeated(key) => {
                assert_eq!(key.transaction_id, bill_no);
                outcomes.1 += 1;
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(receipt.reply(), WEBHOOK_SUCCESS);
    }
    assert_eq!(outcomes, (1, 99));
    // A forged push never uses up a key.
    let seen = BCMemoryDedup::new(100);
    let mut forged = push.clone();
    forged["signature"] = json!("0".repeat(32));
    assert_rejected(
        &receive_webhook(&env.app, &bytes(&forged), Some(&seen), |_| Some(10)),
        "forged",
    );
    assert!(seen.is_empty());
}

/// A captured subscription `sign` (299 s old) re-targeted at another subscription and
/// outcome: the other subscription's own record decides.
#[test]
fn a_captured_subscription_sign_cannot_vouch_for_another_id_or_outcome() {
    let (env, sink) = start();
    let mut plan = BCPlan::default();
    plan.fee = Some(990);
    plan.interval = Some("month".into());
    plan.name = Some("monthly".into());
    let plan_id = env.pay.create_plan(&plan).unwrap().plan.id.clone().unwrap();
    let buyers = [number("buyer"), number("buyer")];
    let good = subscribe(
        &env.pay,
        &env.emu,
        &plan_id,
        &buyers[0],
        "13700137001",
        "6225880000000001",
    );
    let bad = subscribe(
        &env.pay,
        &env.emu,
        &plan_id,
        &buyers[1],
        "13700137002",
        "6225880000000002",
    );
    let (good, bad) = (good.id.unwrap(), bad.id.unwrap());
    env.emu
        .finish_subscription_verification(&good, true)
        .unwrap();
    env.emu
        .finish_subscription_verification(&bad, false)
        .unwrap();
    let good_push = pushed(&sink, 0);
    let bad_push = pushed(&sink, 1);
    assert_eq!(bad_push["trade_success"], json!(false));

    // Genuine pushes, in both forms: success accepted, failure recorded as one.
    let app_secret = env.emu.config().app_secret.clone();
    let receipt = receive(&env.app, &good_push, 0);
    assert!(matches!(
        receipt.accepted().map(|c| &c.record),
        Some(BCConfirmedRecord::Subscription(_))
    ));
    let good_legacy = legacy(&env.emu, &good_push, &app_secret, now_ms());
    assert!(receive(&env.app, &good_legacy, 0).accepted().is_some());
    assert!(matches!(
        receive(&env.app, &bad_push, 0),
        BCWebhookReceipt::Failed(_)
    ));

    // The captured sign, 299 s old, now saying the failed subscription succeeded.
    let captured = legacy(&env.emu, &good_push, &app_secret, now_ms() - 299_000);
    let mut retargeted = captured.clone();
    retargeted["transaction_id"] = json!(bad);
    retargeted["trade_success"] = json!(true);
    let receipt = receive(&env.app, &retargeted, 0);
    assert!(
        matches!(receipt, BCWebhookReceipt::Failed(_)),
        "{receipt:?}"
    );
    let mut unknown = captured;
    unknown["transaction_id"] = json!("no-such-subscription");
    assert_rejected(&receive(&env.app, &unknown, 0), "unknown subscription");
    // The master-secret form cannot be re-targeted at all.
    let mut moved = good_push.clone();
    moved["transaction_id"] = json!(bad);
    assert_rejected(&receive(&env.app, &moved, 0), "signature re-targeted");
}

#[test]
fn refund_pushes_are_confirmed_by_the_refund_record() {
    let (env, sink) = start();
    let (bill_no, _) = paid_bill(&env, &sink, 900, 0);
    let refund = refund_params(&env.emu, &bill_no, 300);
    env.pay.refund(&refund).unwrap();
    let push = pushed(&sink, 1);
    assert_eq!(push["transaction_type"], json!("REFUND"));
    let receipt = receive(&env.app, &push, 300);
    let confirmed = receipt.accepted().expect("refunded");
    assert!(matches!(&confirmed.record, BCConfirmedRecord::Refund(r) if r.result == Some(true)));
    // Legacy form, flipped flag, another amount, another refund number.
    let app_secret = env.emu.config().app_secret.clone();
    let mut said_failed = legacy(&env.emu, &push, &app_secret, now_ms());
    said_failed["trade_success"] = json!(false);
    assert!(receive(&env.app, &said_failed, 300).accepted().is_some());
    assert!(matches!(
        receive(&env.app, &push, 900),
        BCWebhookReceipt::Rejected(_)
    ));
    let mut other = said_failed.clone();
    other["transaction_id"] = json!(format!("{}R999999", emulated::emu_day(&env.emu)));
    assert_rejected(&receive(&env.app, &other, 300), "no such refund");
}

#[test]
fn sign_pushes_have_no_query_and_are_never_accepted() {
    let (env, _sink) = start();
    let push = signed(&env.emu, "SIGN", "card-1", "BC", 0, true);
    let receipt = receive(&env.app, &push, 0);
    assert!(
        matches!(receipt, BCWebhookReceipt::Unconfirmable(_)),
        "{receipt:?}"
    );
    assert_eq!(receipt.reply(), WEBHOOK_FAIL);
    let app_secret = env.emu.config().app_secret.clone();
    let receipt = receive(&env.app, &legacy(&env.emu, &push, &app_secret, now_ms()), 0);
    assert!(matches!(receipt, BCWebhookReceipt::Unconfirmable(_)));
}

#[test]
fn beecloud_unreachable_or_hostile_during_confirmation_is_never_accepted() {
    let (env, sink) = start();
    let (_, push) = paid_bill(&env, &sink, 10, 0);
    // Nothing listens: "could not confirm", BeeCloud must retry.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut unreachable = env.app.clone();
    unreachable.api_host = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let receipt = receive(&unreachable, &push, 10);
    assert!(
        matches!(receipt, BCWebhookReceipt::Unconfirmed(_)),
        "{receipt:?}"
    );
    assert_eq!(receipt.reply(), WEBHOOK_FAIL);
    // The emulator answering 503 while confirming.
    env.emu
        .inject_fault("/2/rest/bills", beecloud::emulator::Fault::HttpStatus(503));
    assert!(matches!(
        receive(&env.app, &push, 10),
        BCWebhookReceipt::Unconfirmed(_)
    ));

    // A hostile server in BeeCloud's place: whatever it answers, never "act on it".
    let bill_no = push["transaction_id"].as_str().unwrap().to_string();
    let bill = |fields: Value| {
        let mut bill =
            json!({"bill_no": bill_no, "spay_result": true, "total_fee": 10, "channel": "WX"});
        for (key, value) in fields.as_object().unwrap() {
            bill[key] = value.clone();
        }
        Reply::ok(json!({"result_code": 0, "result_msg": "OK", "err_detail": "", "bills": [bill]}))
    };
    let replies = vec![
        Reply::text(500, "<html>oops</html>"),
        Reply::text(200, "success"),
        Reply::json(200, &json!({"bills": []})),
        Reply::json(200, &json!({"result_code": 0, "bills": "paid"})),
        Reply::ok(json!({"result_code": 0, "result_msg": "OK", "bills": []})),
        bill(json!({"bill_no": "another00000001"})),
        bill(json!({"spay_result": false})),
        bill(json!({"spay_result": "true"})),
        bill(json!({"total_fee": 10_000})),
        bill(json!({"channel": "ALI"})),
        Reply::mid_body_close(),
        Reply::oversized(),
        Reply::ok(json!({"result_code": 7, "result_msg": "CHANNEL_ERROR"})),
    ];
    let count = replies.len();
    let hostile = CaptureServer::start(replies);
    let mut app = env.app.clone();
    app.api_host = hostile.url();
    for case in 0..count {
        let receipt = receive(&app, &push, 10);
        assert_not_acted(&receipt, &format!("hostile reply {case}"));
        assert_eq!(receipt.reply(), WEBHOOK_FAIL, "hostile reply {case}");
    }
    assert_eq!(hostile.requests().len(), count);
}

#[test]
fn undocumented_or_garbage_bodies_are_refused_without_a_query() {
    let (env, _sink) = start();
    let before = env.emu.requests().len();
    for body in [
        &b""[..],
        b"success",
        b"[]",
        b"{}",
        b"\xff\xfe",
        br#"{"sign":"x"}"#,
    ] {
        let receipt = receive_webhook(&env.app, body, None, |_| Some(1));
        assert!(matches!(receipt, BCWebhookReceipt::Rejected(_)));
        assert_eq!(receipt.reply(), WEBHOOK_FAIL);
    }
    // A stale legacy sign (more than 300 s) is refused.
    let app_secret = env.emu.config().app_secret.clone();
    let push = signed(&env.emu, "PAY", "bill00000001", "WX", 1, true);
    let stale = legacy(&env.emu, &push, &app_secret, now_ms() - 301_000);
    assert_rejected(&receive(&env.app, &stale, 1), "stale sign");
    assert_eq!(env.emu.requests().len(), before);
}
