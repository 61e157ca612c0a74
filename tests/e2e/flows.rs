//! Whole flows through the SDK against the emulator over real HTTP: pay → cashier page → signed webhook →
//! queries → refund → refund webhook; Alipay confirmations; pre-refund audits; subscriptions; coupons;
//! in-store scans and reverts; test mode (sandbox and the 14 local refusals); the webhook retry schedule.
#![cfg(feature = "emulator")]
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::*;
use beecloud::utils::{
    BCLegacySign, BCSignSecret, BCWebhook, BCWebhookForm, receive_webhook,
    verify_legacy_sign_webhook, verify_webhook,
};
use beecloud::{BCError, BCPay, BCQuery, NOT_SUPPORTED_CODE, sales};
use serde_json::{Map, Value, json};

const DEADLINE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- webhook receiver

/// A merchant's webhook endpoint: a `TcpListener` thread that records every POST body and answers with the
/// next scripted reply (then `success`).
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    fn start(replies: &[&'static str]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut replies: VecDeque<&'static str> = replies.iter().copied().collect();
        let thread = {
            let (bodies, stop) = (bodies.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let reply = replies.pop_front().unwrap_or("success");
                    if let Some(body) = serve(stream, reply) {
                        bodies.lock().unwrap().push(body);
                    }
                }
            })
        };
        Receiver {
            url: format!("http://{addr}/webhook"),
            bodies,
            stop,
            addr,
            thread: Some(thread),
        }
    }

    /// Waits until `n` bodies have arrived (panics at the deadline) and returns them all.
    fn wait_for(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let bodies = self.bodies.lock().unwrap().clone();
            if bodies.len() >= n {
                return bodies;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} webhooks arrived",
                bodies.len()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one HTTP request, answers `reply` with 200 and closes; returns the body.
fn serve(stream: TcpStream, reply: &str) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if line.is_empty() {
        return None; // the wake-up connection
    }
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut stream = reader.into_inner();
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    stream.write_all(answer.as_bytes()).ok()?;
    Some(body)
}

// ---------------------------------------------------------------- fixtures

use crate::support::card_payout;
use crate::support::emulated;
use emulated::{fast_config, number, pay_params, refund_params, subscribe};

struct Env {
    emu: Emulator,
    app: BCApp,
    pay: BCPay,
    query: BCQuery,
    hook: Receiver,
}

fn env_with(replies: &[&'static str]) -> Env {
    env_configured(replies, fast_config())
}

/// An emulator set up by `config`, pushing to a receiver answering `replies` in turn.
fn env_configured(replies: &[&'static str], config: EmulatorConfig) -> Env {
    let hook = Receiver::start(replies);
    let emulated::Env {
        emu,
        app,
        pay,
        query,
    } = emulated::Env::start(EmulatorConfig {
        webhook_url: Some(hook.url.clone()),
        ..config
    });
    Env {
        emu,
        app,
        pay,
        query,
        hook,
    }
}

fn env() -> Env {
    env_with(&[])
}

/// A browser: no redirects followed, every status returned.
fn browser() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// Opens a cashier page, checks it shows `heading`, and submits its form as the customer / merchant would.
/// Returns the status and the `Location` header of the answer.
fn submit_cashier(emu: &Emulator, page_url: &str, heading: &str) -> (u16, Option<String>) {
    let agent = browser();
    let mut page = agent.get(page_url).call().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.body_mut().read_to_string().unwrap();
    assert!(html.contains(&format!("<h1>{heading}</h1>")), "{html}");
    let marker = "<form method=\"post\" action=\"";
    let start = html.find(marker).expect("a form") + marker.len();
    let action = &html[start..start + html[start..].find('"').unwrap()];
    let answer = agent
        .post(format!("{}{action}", emu.base_url()))
        .send_form([("action", "pay")])
        .unwrap();
    let location = answer
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (answer.status().as_u16(), location)
}

/// The push as a receiver of the legacy form alone sees it.
fn without_signature(body: &[u8]) -> Vec<u8> {
    let mut push: Value = serde_json::from_slice(body).unwrap();
    push.as_object_mut().unwrap().remove("signature");
    push.to_string().into_bytes()
}

fn verified(app: &BCApp, body: &[u8]) -> BCWebhook {
    verify_webhook(app, body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

// ---------------------------------------------------------------- flows

#[test]
fn pay_at_the_cashier_then_webhook_query_refund_and_refund_webhook() {
    let env = env();
    let mut params = pay_params(BCChannelType::WX_NATIVE, 1234);
    params.optional = Some(Map::from_iter([("order".to_string(), json!("A-1"))]));
    let bill_no = params.bill_no.clone().unwrap();
    let bill = env.pay.pay(&params).unwrap();
    let code_url = bill.code_url.clone().unwrap();

    let mut unpaid = BCQueryReqParams::default();
    unpaid.bill_no = Some(bill_no.clone());
    let before = env.query.query_bills(&unpaid).unwrap();
    assert_eq!(before.bills[0].spay_result, Some(false));

    let (status, location) = submit_cashier(&env.emu, &code_url, "Pay");
    assert_eq!((status, location), (200, None));

    let bodies = env.hook.wait_for(1);
    let webhook = verified(&env.app, &bodies[0]);
    assert_eq!(webhook.transaction_type, "PAY");
    assert_eq!(webhook.transaction_id, bill_no);
    assert_eq!(webhook.channel_type, BCChannelType::WX);
    assert_eq!(webhook.sub_channel_type, Some(BCChannelType::WX_NATIVE));
    assert_eq!(webhook.trade_success, Some(true));
    assert_eq!(webhook.optional, json!({"order": "A-1"}));
    assert!(webhook.timestamp.is_some());
    webhook.check_amount(1234).unwrap();
    assert!(matches!(
        webhook.check_amount(1),
        Err(BCError::WebhookAmountMismatch {
            expected: 1,
            received: 1234
        })
    ));
    // A tampered amount does not verify.
    let mut forged: Value = serde_json::from_slice(&bodies[0]).unwrap();
    forged["transaction_fee"] = json!(1);
    assert!(matches!(
        verify_webhook(&env.app, forged.to_string().as_bytes()),
        Err(BCError::InvalidWebhook { .. })
    ));

    let paid = env.query.query_bills(&unpaid).unwrap();
    assert_eq!(paid.count(), 1);
    assert_eq!(paid.bills[0].spay_result, Some(true));
    assert_eq!(
        paid.bills[0].trade_no.as_deref(),
        webhook.channel_transaction_id.as_deref()
    );
    assert!(env.query.query_reconciliation(&bill.id).unwrap().pay_status);

    let refund = refund_params(&env.emu, &bill_no, 1234);
    let refund_no = refund.refund_no.clone().unwrap();
    let created = env.pay.refund(&refund).unwrap();
    let mut by_no = BCQueryReqParams::default();
    by_no.refund_no = Some(refund_no.clone());
    let refunds = env.query.query_refunds(&by_no).unwrap();
    assert_eq!(refunds.count(), 1);
    assert_eq!(refunds.refunds[0].id.as_deref(), Some(created.id.as_str()));
    assert_eq!(refunds.refunds[0].result, Some(true));
    let record = env.query.query_refund_by_id(&created.id).unwrap();
    assert_eq!(record.refund.refund_no.as_deref(), Some(refund_no.as_str()));
    assert_eq!(
        (record.refund.finish, record.refund.result),
        (Some(true), Some(true))
    );

    let bodies = env.hook.wait_for(2);
    let webhook = verified(&env.app, &bodies[1]);
    assert_eq!(webhook.transaction_type, "REFUND");
    assert_eq!(webhook.transaction_id, refund_no);
    assert_eq!(webhook.channel_type, BCChannelType::WX);
    webhook.check_amount(1234).unwrap();

    let log = env.emu.wait_for_webhooks(2, DEADLINE);
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|w| w.delivered && w.attempts == 1));
    assert!(log.iter().all(|w| w.url == env.hook.url));
}

#[test]
fn alipay_pay_returns_to_the_shop_and_refund_is_confirmed_at_its_url() {
    let env = env();
    let mut params = pay_params(BCChannelType::ALI_WEB, 500);
    params.return_url = Some("https://shop.example.com/return".into());
    let bill_no = params.bill_no.clone().unwrap();
    let bill = env.pay.pay(&params).unwrap();
    let (status, location) = submit_cashier(&env.emu, bill.url.as_deref().unwrap(), "Pay");
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(
        location.starts_with("https://shop.example.com/return?")
            && location.contains(&format!("out_trade_no={bill_no}"))
            && location.contains("trade_status=TRADE_SUCCESS"),
        "{location}"
    );
    verified(&env.app, &env.hook.wait_for(1)[0])
        .check_amount(500)
        .unwrap();

    let refund = refund_params(&env.emu, &bill_no, 200);
    let created = env.pay.refund(&refund).unwrap();
    let url = created.url.clone().expect("Alipay confirmation page");
    let pending = env.query.query_refund_by_id(&created.id).unwrap();
    assert_eq!(pending.refund.finish, Some(false));
    assert_eq!(env.hook.bodies.lock().unwrap().len(), 1, "no webhook yet");

    let (status, _) = submit_cashier(&env.emu, &url, "Confirm refund");
    assert_eq!(status, 200);
    let done = env.query.query_refund_by_id(&created.id).unwrap();
    assert_eq!(
        (done.refund.finish, done.refund.result),
        (Some(true), Some(true))
    );
    let webhook = verified(&env.app, &env.hook.wait_for(2)[1]);
    assert_eq!(webhook.transaction_type, "REFUND");
    assert_eq!(webhook.channel_type, BCChannelType::ALI);
    assert_eq!(webhook.transaction_id, refund.refund_no.unwrap());
    webhook.check_amount(200).unwrap();
    // Confirming twice is refused by the page.
    let (status, _) = submit_cashier(&env.emu, &url, "Confirm refund");
    assert_eq!(status, 409);
}

#[test]
fn pre_refunds_approved_and_denied() {
    let env = env();
    let mut bills = Vec::new();
    for channel in [
        BCChannelType::WX_NATIVE,
        BCChannelType::WX_NATIVE,
        BCChannelType::ALI_APP,
    ] {
        let params = pay_params(channel, 300);
        let bill = env.pay.pay(&params).unwrap();
        env.emu.complete_payment(&bill.id).unwrap();
        bills.push(params.bill_no.unwrap());
    }
    env.hook.wait_for(3);
    let pre_refund = |bill_no: &str| {
        let mut params = refund_params(&env.emu, bill_no, 300);
        params.need_approval = Some(true);
        env.pay.refund(&params).unwrap().id.clone()
    };
    let (agreed, denied, ali) = (
        pre_refund(&bills[0]),
        pre_refund(&bills[1]),
        pre_refund(&bills[2]),
    );
    let mut pending = BCQueryReqParams::default();
    pending.need_approval = Some(true);
    assert_eq!(env.query.query_refunds_count(&pending).unwrap().count, 3);

    let mut audit = BCPreRefundAuditParams::default();
    audit.channel = Some(BCChannelType::WX);
    audit.ids = Some(vec![agreed.clone()]);
    audit.agree = Some(true);
    let result = env.pay.audit_pre_refunds(&audit).unwrap();
    assert_eq!(result.result_map.len(), 1);
    assert_eq!(result.result_map[&agreed], "OK");
    let refund = env.query.query_refund_by_id(&agreed).unwrap();
    assert_eq!(refund.refund.result, Some(true));
    let webhook = verified(&env.app, &env.hook.wait_for(4)[3]);
    assert_eq!(webhook.transaction_type, "REFUND");

    audit.ids = Some(vec![denied.clone()]);
    audit.agree = Some(false);
    audit.deny_reason = Some("not eligible".into());
    let result = env.pay.audit_pre_refunds(&audit).unwrap();
    assert_eq!(result.result_map[&denied], "OK");
    let refund = env.query.query_refund_by_id(&denied).unwrap();
    assert_eq!(
        (refund.refund.finish, refund.refund.result),
        (Some(true), Some(false))
    );
    // Denied: the bill can be refunded again, directly.
    env.pay
        .refund(&refund_params(&env.emu, &bills[1], 300))
        .unwrap();
    // Auditing the denied one again is reported per id.
    let again = env.pay.audit_pre_refunds(&audit).unwrap();
    assert_ne!(again.result_map[&denied], "OK");

    // An approved Alipay pre-refund waits for the batch confirmation page.
    audit.channel = Some(BCChannelType::ALI);
    audit.ids = Some(vec![ali.clone()]);
    audit.agree = Some(true);
    audit.deny_reason = None;
    let result = env.pay.audit_pre_refunds(&audit).unwrap();
    assert_eq!(result.result_map[&ali], "OK");
    let url = result.url.clone().expect("batch confirmation page");
    assert_eq!(
        env.query.query_refund_by_id(&ali).unwrap().refund.finish,
        Some(false)
    );
    assert_eq!(submit_cashier(&env.emu, &url, "Confirm refunds").0, 200);
    assert_eq!(
        env.query.query_refund_by_id(&ali).unwrap().refund.result,
        Some(true)
    );
    let bodies = env.hook.wait_for(6);
    let webhooks: Vec<_> = bodies.iter().map(|b| verified(&env.app, b)).collect();
    assert_eq!(
        webhooks
            .iter()
            .filter(|w| w.transaction_type == "REFUND")
            .count(),
        3
    );
}

/// A plan of `fee` fen per `interval`; returns its id.
fn new_plan(env: &Env, fee: i64, interval: &str) -> String {
    let mut plan = BCPlan::default();
    plan.fee = Some(fee);
    plan.interval = Some(interval.into());
    plan.name = Some(format!("every {interval}"));
    env.pay.create_plan(&plan).unwrap().plan.id.clone().unwrap()
}

#[test]
fn subscription_sms_subscribe_verify_webhook_cancel() {
    let env = env();
    let plan_id = new_plan(&env, 990, "month");
    let phone = "13700137000";
    let sub = subscribe(
        &env.pay,
        &env.emu,
        &plan_id,
        "buyer-ok",
        phone,
        "6225880000000001",
    );
    let sub_id = sub.id.clone().unwrap();
    assert_eq!(sub.valid, Some(false));
    let mut criteria = BCQueryCriteria::default();
    criteria.plan_id = Some(plan_id.clone());
    let listed = env.query.query_subscriptions(&criteria).unwrap();
    assert_eq!(listed.subscriptions.len(), 1);
    assert_eq!(listed.subscriptions[0].valid, Some(false));

    env.emu
        .finish_subscription_verification(&sub_id, true)
        .unwrap();
    let body = env.hook.wait_for(1)[0].clone();
    // The push carries both forms. Through the legacy entry point `signature` is what gets checked
    // (never a fallback to `sign`); a copy without `signature` is checked by its `sign`.
    let legacy = BCLegacySign::default();
    let both = verify_legacy_sign_webhook(&env.app, &body, &legacy).unwrap();
    assert_eq!(both.form, BCWebhookForm::Signature);
    let sign_only = without_signature(&body);
    let by_sign = verify_legacy_sign_webhook(&env.app, &sign_only, &legacy).unwrap();
    assert!(matches!(by_sign.form, BCWebhookForm::LegacySign(_)));
    let by_signature = verified(&env.app, &body);
    for webhook in [&by_sign, &by_signature] {
        assert_eq!(webhook.transaction_type, "SUBSCRIPTION");
        assert_eq!(webhook.transaction_id, sub_id);
        assert_eq!(webhook.channel_type, BCChannelType::BC);
        assert_eq!(
            webhook.sub_channel_type,
            Some(BCChannelType::BC_SUBSCRIPTION)
        );
        assert_eq!(webhook.trade_success, Some(true));
    }
    assert_eq!(
        by_sign.message_detail["card_id"].as_str(),
        sub.card_id.as_deref()
    );
    let mut wrong = env.app.clone();
    wrong.app_secret = "other".into();
    assert!(matches!(
        verify_legacy_sign_webhook(&wrong, &sign_only, &legacy),
        Err(BCError::InvalidWebhook { .. })
    ));
    let active = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(active.subscription.valid, Some(true));

    // A failed verification arrives as trade_success false with the reason.
    let failing = subscribe(
        &env.pay,
        &env.emu,
        &plan_id,
        "buyer-ko",
        phone,
        "6225880000000002",
    );
    let failing_id = failing.id.clone().unwrap();
    env.emu
        .finish_subscription_verification(&failing_id, false)
        .unwrap();
    let webhook = verify_legacy_sign_webhook(
        &env.app,
        &without_signature(&env.hook.wait_for(2)[1]),
        &legacy,
    )
    .unwrap();
    assert_eq!(webhook.transaction_id, failing_id);
    assert_eq!(webhook.trade_success, Some(false));
    assert!(webhook.message_detail["err_msg"].is_string());
    assert_eq!(
        env.query
            .query_subscription_by_id(&failing_id)
            .unwrap()
            .subscription
            .valid,
        Some(false)
    );

    // A recurring charge: a paid BC_SUBSCRIPTION bill of fee × amount and its PAY webhook, which
    // verifies by its `signature`; by its `sign` alone (which covers no field, not even the
    // BC_SUBSCRIPTION label) it is accepted only once the receipt's query finds the bill paid.
    // Cancelled at period end, the subscription ends with it.
    let mut changes = BCSubscription::default();
    changes.amount = Some(1.5);
    env.pay.update_subscription(&sub_id, &changes).unwrap();
    assert!(
        env.emu.charge_subscription(&failing_id).is_err(),
        "a failed subscription is not charged"
    );
    env.pay.cancel_subscription_at_period_end(&sub_id).unwrap();
    let bill_no = env.emu.charge_subscription(&sub_id).unwrap();
    let body = env.hook.wait_for(3)[2].clone();
    let charge = verified(&env.app, &body);
    assert!(verify_legacy_sign_webhook(&env.app, &without_signature(&body), &legacy).is_err());
    let receipt = receive_webhook(&env.app, &without_signature(&body), None, |_| Some(1485));
    assert_eq!(
        receipt.accepted().map(|paid| paid.transaction_fee),
        Some(1485),
        "{receipt:?}"
    );
    assert_eq!(
        (
            charge.transaction_type.as_str(),
            charge.transaction_id.as_str()
        ),
        ("PAY", bill_no.as_str())
    );
    charge.check_amount(1485).unwrap();
    assert_eq!(charge.message_detail["subscription_id"], json!(sub_id));
    let mut paid = BCQueryReqParams::default();
    paid.bill_no = Some(bill_no.clone());
    let bills = env.query.query_bills(&paid).unwrap();
    assert_eq!(
        bills.bills[0].sub_channel,
        Some(BCChannelType::BC_SUBSCRIPTION)
    );
    assert_eq!(
        (bills.bills[0].spay_result, bills.bills[0].total_fee),
        (Some(true), Some(1485))
    );
    let ended = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(ended.subscription.status.as_deref(), Some("canceled"));
    assert!(
        env.emu.charge_subscription(&sub_id).is_err(),
        "no charge after the last period"
    );
}

#[test]
fn subscription_cancelled_now() {
    let env = env();
    let plan_id = new_plan(&env, 100, "week");
    let sub = subscribe(
        &env.pay,
        &env.emu,
        &plan_id,
        "buyer-now",
        "13700137001",
        "6225880000000003",
    );
    let sub_id = sub.id.clone().unwrap();
    assert_eq!(env.pay.cancel_subscription(&sub_id).unwrap().id, sub_id);
    let canceled = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(canceled.subscription.status.as_deref(), Some("canceled"));
    assert!(env.emu.charge_subscription(&sub_id).is_err());
}

/// A coupon of the seeded template `name`, handed to `buyer`; returns its id.
fn coupon_of(env: &Env, name: &str, buyer: &str) -> String {
    let mut by_name = BCQueryCriteria::default();
    by_name.name = Some(name.into());
    let templates = sales::query_coupon_templates(&env.app, &by_name).unwrap();
    let template_id = templates.coupon_templates[0].id.clone().unwrap();
    let coupon = sales::create_coupon(&env.app, &template_id, buyer).unwrap();
    coupon.coupon.id.clone().unwrap()
}

/// The recorded (bill_fee, discount, total_fee) of a bill of `fee` fen paid with `coupon_id`.
fn discounted(
    env: &Env,
    coupon_id: &str,
    buyer: &str,
    channel: BCChannelType,
    fee: i64,
) -> (Option<i64>, Option<i64>, Option<i64>) {
    let mut params = pay_params(channel, fee);
    params.coupon_id = Some(coupon_id.into());
    params.buyer_id = Some(buyer.into());
    let bill = env.pay.pay(&params).unwrap();
    let record = env.query.query_bill_by_id(&bill.id).unwrap();
    (
        record.pay.bill_fee,
        record.pay.discount,
        record.pay.total_fee,
    )
}

#[test]
fn coupon_redeemed_through_pay() {
    let env = env();
    let coupon_id = coupon_of(&env, "满100减10", "buyer-coupon");
    let mut mine = BCQueryCriteria::default();
    mine.user_id = Some("buyer-coupon".into());
    mine.status = Some(0);
    let unused = sales::query_coupons(&env.app, &mine).unwrap();
    assert_eq!(unused.coupons.len(), 1);
    assert_eq!(unused.coupons[0].id.as_deref(), Some(coupon_id.as_str()));

    // Below the ¥100 threshold the coupon is refused.
    let mut small = pay_params(BCChannelType::WX_NATIVE, 9_999);
    small.coupon_id = Some(coupon_id.clone());
    small.buyer_id = Some("buyer-coupon".into());
    let err = env.pay.pay(&small).unwrap_err();
    assert_eq!(err.result_code(), Some(5), "{err}");

    let mut params = pay_params(BCChannelType::WX_NATIVE, 20_000);
    params.coupon_id = Some(coupon_id.clone());
    params.buyer_id = Some("buyer-coupon".into());
    let bill = env.pay.pay(&params).unwrap();
    // Redeemed at payment, not at order.
    assert_eq!(
        sales::query_coupon(&env.app, &coupon_id)
            .unwrap()
            .coupon
            .status,
        Some(0)
    );
    env.emu.complete_payment(&bill.id).unwrap();
    let record = env.query.query_bill_by_id(&bill.id).unwrap().pay.clone();
    assert_eq!(record.bill_fee, Some(20_000));
    assert_eq!(record.discount, Some(1_000));
    assert_eq!(record.total_fee, Some(19_000));
    assert_eq!(record.coupon_id.as_deref(), Some(coupon_id.as_str()));
    assert_eq!(record.spay_result, Some(true));
    let used = sales::query_coupon(&env.app, &coupon_id).unwrap();
    assert_eq!(used.coupon.status, Some(1));
    assert!(used.coupon.use_time.is_some());
    mine.status = Some(1);
    assert_eq!(
        sales::query_coupons(&env.app, &mine).unwrap().coupons.len(),
        1
    );
    let template_id = used
        .coupon
        .template
        .as_ref()
        .and_then(|t| t.id.clone())
        .unwrap();
    let tpl = sales::query_coupon_template(&env.app, &template_id).unwrap();
    assert_eq!(tpl.coupon_template.use_count, Some(1));
    // The webhook carries the amount actually paid.
    verified(&env.app, &env.hook.wait_for(1)[0])
        .check_amount(19_000)
        .unwrap();
    // Only the amount actually paid can be refunded.
    let bill_no = params.bill_no.clone().unwrap();
    let too_much = env
        .pay
        .refund(&refund_params(&env.emu, &bill_no, 20_000))
        .unwrap_err();
    assert_eq!(too_much.result_code(), Some(12), "{too_much}");
    env.pay
        .refund(&refund_params(&env.emu, &bill_no, 19_000))
        .unwrap();
    let refund_push = verified(&env.app, &env.hook.wait_for(2)[1]);
    assert_eq!(refund_push.transaction_type, "REFUND");
    refund_push.check_amount(19_000).unwrap();
    // A redeemed coupon cannot be used again.
    params.bill_no = Some(number("flow"));
    assert_eq!(env.pay.pay(&params).unwrap_err().result_code(), Some(5));

    // 九折: 10 % off.
    let ratio = coupon_of(&env, "九折", "buyer-coupon");
    assert_eq!(
        discounted(&env, &ratio, "buyer-coupon", BCChannelType::ALI_APP, 1_000),
        (Some(1_000), Some(100), Some(900))
    );

    // 新人立减5元 on a ¥3 order: the discount is capped so that 1 fen is still paid.
    let newcomer = coupon_of(&env, "新人立减5元", "buyer-new");
    assert_eq!(
        discounted(&env, &newcomer, "buyer-new", BCChannelType::WX_NATIVE, 300),
        (Some(300), Some(299), Some(1))
    );
}

#[test]
fn offline_scan_pays_later_and_unpaid_bill_is_reverted() {
    let env = env();
    let mut scan = pay_params(BCChannelType::WX_SCAN, 880);
    scan.auth_code = Some("130000000000000001".into());
    let bill_no = scan.bill_no.clone().unwrap();
    let pending = env.pay.offline_pay(&scan).unwrap();
    assert_eq!(pending.pay_result, Some(false));
    assert!(
        !env.query
            .query_offline_bill_status(&bill_no, Some(BCChannelType::WX_SCAN))
            .unwrap()
            .pay_result
    );
    env.emu.complete_payment(&bill_no).unwrap();
    assert!(
        env.query
            .query_offline_bill_status(&bill_no, Some(BCChannelType::WX_SCAN))
            .unwrap()
            .pay_result
    );
    let webhook = verified(&env.app, &env.hook.wait_for(1)[0]);
    assert_eq!(webhook.transaction_id, bill_no);
    assert_eq!(webhook.sub_channel_type, Some(BCChannelType::WX_SCAN));
    webhook.check_amount(880).unwrap();
    // Offline bills show up in the ordinary bill queries.
    let mut by_no = BCQueryReqParams::default();
    by_no.bill_no = Some(bill_no.clone());
    assert_eq!(
        env.query.query_bills(&by_no).unwrap().bills[0].spay_result,
        Some(true)
    );

    let mut other = pay_params(BCChannelType::ALI_SCAN, 100);
    other.auth_code = Some("280000000000000001".into());
    let other_no = other.bill_no.clone().unwrap();
    let created = env.pay.offline_pay(&other).unwrap();
    let reverted = env
        .pay
        .offline_revert(&other_no, Some(BCChannelType::ALI_SCAN))
        .unwrap();
    assert!(reverted.revert_status);
    let record = env.query.query_bill_by_id(&created.id).unwrap();
    assert_eq!(record.pay.revert_result, Some(true));
    assert_eq!(record.pay.spay_result, Some(false));
    assert!(env.emu.complete_payment(&other_no).is_err());
    assert!(
        !env.query
            .query_offline_bill_status(&other_no, None)
            .unwrap()
            .pay_result
    );
    // Reverting again is harmless.
    assert!(
        env.pay
            .offline_revert(&other_no, None)
            .unwrap()
            .revert_status
    );
}

#[test]
fn transfers_confirmed_and_pushed() {
    let env = env();
    let card = card_payout(&number("payout"), 5000);
    let created = env.pay.bc_transfer(&card).unwrap();
    env.emu.complete_transfer(&created.id).unwrap();
    let webhook = verified(&env.app, &env.hook.wait_for(1)[0]);
    assert_eq!(webhook.transaction_type, "TRANSFER");
    assert_eq!(webhook.sub_channel_type, Some(BCChannelType::BC_TRANSFER));
    assert_eq!(Some(webhook.transaction_id.clone()), card.bill_no);
    webhook.check_amount(5000).unwrap();

    let mut ali = BCTransferReqParams::default();
    ali.channel = Some(BCChannelType::ALI_TRANSFER);
    ali.transfer_no = Some(number("alipayout"));
    ali.total_fee = Some(300);
    ali.desc = Some("payout".into());
    ali.channel_user_id = Some("payee@example.com".into());
    ali.channel_user_name = Some("王五".into());
    ali.account_name = Some("某某公司".into());
    let created = env.pay.transfer(&ali).unwrap();
    assert_eq!(
        submit_cashier(
            &env.emu,
            created.url.as_deref().unwrap(),
            "Confirm transfer"
        )
        .0,
        200
    );
    let webhook = verified(&env.app, &env.hook.wait_for(2)[1]);
    assert_eq!(webhook.channel_type, BCChannelType::ALI);
    assert_eq!(Some(webhook.transaction_id.clone()), ali.transfer_no);
    webhook.check_amount(300).unwrap();

    let mut batch = BCBatchTransferParams::default();
    batch.batch_no = Some(number("batchpay"));
    batch.account_name = Some("某某公司".into());
    let items = ["item1", "item2"].map(|id| {
        let mut item = BCBatchTransferItem::default();
        item.transfer_id = Some(id.into());
        item.receiver_account = Some("payee@example.com".into());
        item.receiver_name = Some("王五".into());
        item.transfer_fee = Some(100);
        item
    });
    batch.transfer_data = Some(items.to_vec());
    let created = env.pay.batch_transfer(&batch).unwrap();
    assert_eq!(
        submit_cashier(
            &env.emu,
            created.url.as_deref().unwrap(),
            "Confirm transfer"
        )
        .0,
        200
    );
    let bodies = env.hook.wait_for(4);
    let mut ids: Vec<_> = bodies[2..]
        .iter()
        .map(|b| verified(&env.app, b).transaction_id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["item1", "item2"]);
}

#[test]
fn test_mode_uses_the_sandbox_and_refuses_14_operations_locally() {
    let env = env();
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    let sandbox_pay = BCPay::new(test_app.clone());
    let sandbox_query = BCQuery::new(test_app.clone());

    let params = pay_params(BCChannelType::WX_NATIVE, 1);
    let bill_no = params.bill_no.clone().unwrap();
    let bill = sandbox_pay.pay(&params).unwrap();
    // The sandbox answers its mock cashier `url` for every channel.
    assert!(bill.url.as_deref().is_some_and(|u| u.contains('?')));
    assert_eq!(
        env.emu.requests().last().unwrap().path,
        "/2/rest/sandbox/bill"
    );

    assert_eq!(env.query.query_bills(None).unwrap().count(), 0);
    assert_eq!(env.query.query_bills_count(None).unwrap().count, 0);
    let sandbox_bills = sandbox_query.query_bills(None).unwrap();
    assert_eq!(sandbox_bills.count(), 1);
    assert_eq!(
        sandbox_bills.bills[0].bill_no.as_deref(),
        Some(bill_no.as_str())
    );
    assert_eq!(sandbox_query.query_bills_count(None).unwrap().count, 1);
    let by_id = sandbox_query.query_bill_by_id(&bill.id).unwrap();
    assert_eq!(by_id.pay.bill_no.as_deref(), Some(bill_no.as_str()));
    let live = env.query.query_bill_by_id(&bill.id).unwrap_err();
    assert_eq!(live.result_code(), Some(8));
    // The same bill_no is free in the live namespace.
    env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    assert_eq!(
        sandbox_query
            .query_bill_by_id(&bill.id)
            .unwrap()
            .pay
            .spay_result,
        Some(true)
    );
    // Non-money operations keep their live path, test-signed.
    assert!(sandbox_query.query_plans(None).unwrap().plans.is_empty());

    let sent = env.emu.requests().len();
    let refund = refund_params(&env.emu, &bill_no, 1);
    let mut audit = BCPreRefundAuditParams::default();
    audit.channel = Some(BCChannelType::WX);
    audit.ids = Some(vec!["x".into()]);
    audit.agree = Some(true);
    let mut transfer = BCTransferReqParams::default();
    transfer.channel = Some(BCChannelType::WX_TRANSFER);
    transfer.transfer_no = Some(number("tr"));
    transfer.total_fee = Some(100);
    transfer.desc = Some("d".into());
    transfer.channel_user_id = Some("openid".into());
    let mut card = BCCardTransferParams::default();
    card.total_fee = Some(1);
    card.bill_no = Some(number("card"));
    card.title = Some("t".into());
    card.bank_fullname = Some("中国银行".into());
    card.card_type = Some("DE".into());
    card.account_type = Some("P".into());
    card.account_no = Some("6222020000000000000".into());
    card.account_name = Some("张三".into());
    let mut batch = BCBatchTransferParams::default();
    batch.batch_no = Some(number("batch"));
    batch.account_name = Some("n".into());
    batch.transfer_data = Some(vec![BCBatchTransferItem::default()]);
    let mut intl = BCInternationalPayParams::default();
    intl.channel = Some(BCChannelType::PAYPAL_PAYPAL);
    intl.total_fee = Some(1);
    intl.currency = Some("USD".into());
    intl.bill_no = Some(number("intl"));
    intl.title = Some("t".into());

    let refusals: Vec<(&str, BCError)> = vec![
        ("offline_pay", sandbox_pay.offline_pay(&params).unwrap_err()),
        ("refund", sandbox_pay.refund(&refund).unwrap_err()),
        (
            "audit_pre_refunds",
            sandbox_pay.audit_pre_refunds(&audit).unwrap_err(),
        ),
        (
            "offline_revert",
            sandbox_pay.offline_revert(&bill_no, None).unwrap_err(),
        ),
        (
            "offline_refund",
            sandbox_pay.offline_refund(&refund).unwrap_err(),
        ),
        ("bc_transfer", sandbox_pay.bc_transfer(&card).unwrap_err()),
        ("transfer", sandbox_pay.transfer(&transfer).unwrap_err()),
        (
            "batch_transfer",
            sandbox_pay.batch_transfer(&batch).unwrap_err(),
        ),
        (
            "international_pay",
            sandbox_pay.international_pay(&intl).unwrap_err(),
        ),
        (
            "query_refunds",
            sandbox_query.query_refunds(None).unwrap_err(),
        ),
        (
            "query_refunds_count",
            sandbox_query.query_refunds_count(None).unwrap_err(),
        ),
        (
            "query_refund_by_id",
            sandbox_query.query_refund_by_id("id").unwrap_err(),
        ),
        (
            "query_refund_status",
            sandbox_query
                .query_refund_status(BCChannelType::WX, "20260101R001")
                .unwrap_err(),
        ),
        (
            "query_offline_bill_status",
            sandbox_query
                .query_offline_bill_status(&bill_no, None)
                .unwrap_err(),
        ),
    ];
    assert_eq!(refusals.len(), 14);
    for (name, err) in &refusals {
        assert!(
            matches!(err, BCError::NotSupportedInTestMode { method } if method == name),
            "{name}: {err:?}"
        );
        assert_eq!(err.result_code(), Some(-2));
        assert_eq!(err.result_msg(), NOT_SUPPORTED_CODE);
        assert_eq!(
            err.err_detail(),
            format!("[{name}] does NOT support test mode currently!")
        );
        assert!(!err.outcome_unknown());
    }
    assert_eq!(env.emu.requests().len(), sent, "nothing reached the server");
}

#[test]
fn webhook_is_retried_until_the_receiver_says_success() {
    let env = env_with(&["fail", "fail"]);
    let params = pay_params(BCChannelType::WX_NATIVE, 66);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let log = env.emu.wait_for_webhooks(1, DEADLINE);
    assert_eq!(log.len(), 1);
    let delivery = &log[0];
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.last_response.as_deref(), Some("success"));
    let bodies = env.hook.wait_for(3);
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.iter().all(|b| b == &bodies[0]),
        "the same push each time"
    );
    let webhook = verified(&env.app, &bodies[2]);
    assert_eq!(Some(webhook.transaction_id.clone()), params.bill_no);
    webhook.check_amount(66).unwrap();
    // Delivered: no further attempts.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(env.hook.bodies.lock().unwrap().len(), 3);
    assert_eq!(env.emu.webhooks()[0].attempts, 3);
}

#[test]
fn webhook_destinations_notify_url_and_sandbox_test_url() {
    let env = env();
    let own = Receiver::start(&[]);
    let sandbox_hook = Receiver::start(&[]);
    env.emu.set_test_webhook_url(Some(&sandbox_hook.url));

    // A bill's notify_url overrides the app's webhook URL; its refund's notify_url does the same.
    let mut params = pay_params(BCChannelType::WX_NATIVE, 10);
    params.notify_url = Some(own.url.clone());
    params.optional = Some(Map::from_iter([("a".to_string(), json!(1))]));
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let pay_push = verified(&env.app, &own.wait_for(1)[0]);
    assert_eq!(pay_push.optional, json!({"a": 1}));
    let mut refund = refund_params(&env.emu, params.bill_no.as_deref().unwrap(), 10);
    refund.notify_url = Some(own.url.clone());
    refund.optional = Some(Map::from_iter([("r".to_string(), json!(2))]));
    env.pay.refund(&refund).unwrap();
    let refund_push = verified(&env.app, &own.wait_for(2)[1]);
    assert_eq!(refund_push.transaction_type, "REFUND");
    assert_eq!(refund_push.optional, json!({"r": 2}));

    // Sandbox events go to the test URL, never to the live one.
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    let sandbox_params = pay_params(BCChannelType::ALI_APP, 20);
    let sandbox_bill = BCPay::new(test_app.clone()).pay(&sandbox_params).unwrap();
    env.emu.complete_payment(&sandbox_bill.id).unwrap();
    // Sandbox pushes carry only `sign` made with the test secret.
    let sandbox_body = sandbox_hook.wait_for(1)[0].clone();
    assert!(verify_webhook(&env.app, &sandbox_body).is_err());
    let push = verify_legacy_sign_webhook(
        &test_app,
        &sandbox_body,
        &BCLegacySign::new(BCSignSecret::Test),
    )
    .unwrap();
    assert_eq!(push.form, BCWebhookForm::LegacySign(BCSignSecret::Test));
    assert_eq!(Some(push.transaction_id.clone()), sandbox_params.bill_no);
    push.check_amount(20).unwrap();
    let log = env.emu.wait_for_webhooks(3, DEADLINE);
    assert_eq!(log.iter().filter(|w| w.delivered).count(), 3);
    assert!(env.hook.bodies.lock().unwrap().is_empty());
}

#[test]
fn paypal_approval_and_cancel_and_unionpay_return() {
    let env = env();
    let paypal = |fee: i64| {
        let mut params = BCInternationalPayParams::default();
        params.channel = Some(BCChannelType::PAYPAL_PAYPAL);
        params.total_fee = Some(fee);
        params.currency = Some("USD".into());
        params.bill_no = Some(number("paypal"));
        params.title = Some("paypal".into());
        params.return_url = Some("https://shop.example.com/paypal".into());
        let bill = env.pay.international_pay(&params).unwrap();
        (
            bill.id.clone(),
            bill.url.clone().unwrap(),
            params.bill_no.unwrap(),
        )
    };
    let (id, url, bill_no) = paypal(999);
    let (status, location) = submit_cashier(&env.emu, &url, "Pay");
    assert_eq!(status, 303);
    assert_eq!(
        location.unwrap(),
        format!("https://shop.example.com/paypal?bill_no={bill_no}&result=approved")
    );
    let push = verified(&env.app, &env.hook.wait_for(1)[0]);
    assert_eq!(push.channel_type, BCChannelType::PAYPAL);
    push.check_amount(999).unwrap();
    assert_eq!(
        env.query.query_bill_by_id(&id).unwrap().pay.spay_result,
        Some(true)
    );

    let (id, url, bill_no) = paypal(5);
    let answer = browser()
        .post(&url)
        .send_form([("action", "cancel")])
        .unwrap();
    assert_eq!(answer.status().as_u16(), 303);
    assert_eq!(
        answer.headers().get("location").unwrap().to_str().unwrap(),
        format!("https://shop.example.com/paypal?bill_no={bill_no}&result=cancel")
    );
    assert_eq!(
        env.query.query_bill_by_id(&id).unwrap().pay.spay_result,
        Some(false)
    );

    // UnionPay returns by POSTing a form to return_url.
    let mut params = pay_params(BCChannelType::UN_WEB, 321);
    params.return_url = Some("https://shop.example.com/unionpay".into());
    let bill = env.pay.pay(&params).unwrap();
    let html = bill.html.clone().unwrap();
    let marker = "action=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let page_url = &html[start..start + html[start..].find('"').unwrap()];
    assert_eq!(page_url, env.emu.cashier_url(&bill.id));
    let mut answer = browser()
        .post(page_url)
        .send_form([("action", "pay")])
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let form = answer.body_mut().read_to_string().unwrap();
    assert!(
        form.contains("action=\"https://shop.example.com/unionpay\"")
            && form.contains("name=\"txnAmt\" value=\"321\"")
            && form.contains("name=\"respCode\" value=\"00\""),
        "{form}"
    );
    verified(&env.app, &env.hook.wait_for(2)[1])
        .check_amount(321)
        .unwrap();
}

#[test]
fn expired_bill_cannot_be_paid_and_refund_no_follows_the_beijing_day() {
    let env = env();
    let mut params = pay_params(BCChannelType::WX_NATIVE, 1);
    params.bill_timeout = Some(600);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.advance_clock(Duration::from_secs(601));
    assert!(env.emu.complete_payment(&bill.id).is_err());
    let (status, _) = submit_cashier(&env.emu, bill.code_url.as_deref().unwrap(), "Pay");
    assert_eq!(status, 409);
    assert_eq!(
        env.query
            .query_bill_by_id(&bill.id)
            .unwrap()
            .pay
            .spay_result,
        Some(false)
    );

    // 2026-01-01 00:00 in UTC+8 is still 2025-12-31 in UTC: the refund_no must carry 20260101.
    let new_year_beijing = 1_767_196_800_000_i64;
    env.emu.set_clock_ms(new_year_beijing + 60_000);
    let paid = pay_params(BCChannelType::WX_NATIVE, 1);
    let bill = env.pay.pay(&paid).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let mut refund = refund_params(&env.emu, paid.bill_no.as_deref().unwrap(), 1);
    refund.refund_no = Some("20251231R0001".into());
    let err = env.pay.refund(&refund).unwrap_err();
    assert_eq!(err.result_code(), Some(5), "{err}");
    refund.refund_no = Some("20260101R0001".into());
    env.pay.refund(&refund).unwrap();
}

#[test]
fn webhook_gives_up_after_18_attempts_and_forgives_whitespace() {
    let env = env_with(&["fail"; 18]);
    let bill = env
        .pay
        .pay(&pay_params(BCChannelType::WX_NATIVE, 1))
        .unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    env.hook.wait_for(1);
    // The last retry is due 2^17 s (scaled: 131 s) after the first attempt; move past it.
    env.emu.advance_clock(Duration::from_secs(200));
    let bodies = env.hook.wait_for(18);
    let deadline = Instant::now() + DEADLINE;
    while env.emu.webhooks()[0].attempts < 18 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let delivery = &env.emu.webhooks()[0];
    assert_eq!(delivery.attempts, 18);
    assert!(!delivery.delivered);
    assert_eq!(delivery.last_response.as_deref(), Some("fail"));
    env.emu.advance_clock(Duration::from_secs(3600));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(env.hook.bodies.lock().unwrap().len(), 18, "no 19th attempt");
    assert!(bodies.iter().all(|b| verify_webhook(&env.app, b).is_ok()));

    // `success` with whitespace around it counts (the emulator trims, see its docs).
    let relaxed = env_with(&[" success\n"]);
    let bill = relaxed
        .pay
        .pay(&pay_params(BCChannelType::WX_NATIVE, 1))
        .unwrap();
    relaxed.emu.complete_payment(&bill.id).unwrap();
    let log = relaxed.emu.wait_for_webhooks(1, DEADLINE);
    assert!(log[0].delivered);
    assert_eq!(log[0].attempts, 1);
}

#[test]
fn refund_states_failed_refund_retried_and_refund_status() {
    let env = env();
    let paid = |channel: BCChannelType| {
        let params = pay_params(channel, 700);
        let bill = env.pay.pay(&params).unwrap();
        env.emu.complete_payment(&bill.id).unwrap();
        params.bill_no.unwrap()
    };
    // A pre-refund is PROCESSING until audited; a denied one is FAIL; a direct one SUCCESS.
    let wx_bill = paid(BCChannelType::WX_APP);
    let mut pre = refund_params(&env.emu, &wx_bill, 700);
    pre.need_approval = Some(true);
    let pre_no = pre.refund_no.clone().unwrap();
    let pre_id = env.pay.refund(&pre).unwrap().id.clone();
    let status = |refund_no: &str| {
        env.query
            .query_refund_status(BCChannelType::WX, refund_no)
            .unwrap()
            .refund_status
            .clone()
    };
    assert_eq!(status(&pre_no), "PROCESSING");
    let mut deny = BCPreRefundAuditParams::default();
    deny.channel = Some(BCChannelType::WX);
    deny.ids = Some(vec![pre_id.clone()]);
    deny.agree = Some(false);
    env.pay.audit_pre_refunds(&deny).unwrap();
    assert_eq!(status(&pre_no), "FAIL");
    let direct = refund_params(&env.emu, &wx_bill, 700);
    env.pay.refund(&direct).unwrap();
    assert_eq!(status(direct.refund_no.as_deref().unwrap()), "SUCCESS");

    // Filters: bills with a successful refund; pre-refunds vs direct refunds.
    let mut refunded = BCQueryReqParams::default();
    refunded.refund_result = Some(true);
    let bills = env.query.query_bills(&refunded).unwrap();
    assert_eq!(bills.count(), 1);
    assert_eq!(bills.bills[0].bill_no.as_deref(), Some(wx_bill.as_str()));
    let mut pre_only = BCQueryReqParams::default();
    pre_only.need_approval = Some(true);
    assert_eq!(env.query.query_refunds_count(&pre_only).unwrap().count, 1);
    pre_only.need_approval = Some(false);
    assert_eq!(env.query.query_refunds_count(&pre_only).unwrap().count, 1);

    // An Alipay refund that fails at the channel: finished, not successful; the bill can be refunded again.
    let ali_bill = paid(BCChannelType::ALI_APP);
    let first = env
        .pay
        .refund(&refund_params(&env.emu, &ali_bill, 700))
        .unwrap();
    env.emu.fail_refund(&first.id).unwrap();
    let failed = env.query.query_refund_by_id(&first.id).unwrap();
    assert_eq!(
        (failed.refund.finish, failed.refund.result),
        (Some(true), Some(false))
    );
    let second = env
        .pay
        .refund(&refund_params(&env.emu, &ali_bill, 700))
        .unwrap();
    env.emu.complete_refund(&second.id).unwrap();
    let done = env.query.query_refund_by_id(&second.id).unwrap();
    assert_eq!(done.refund.result, Some(true));
    // Webhooks: 2 PAY, 1 WX REFUND, 1 ALI REFUND (none for the denied or the failed refund).
    let bodies = env.hook.wait_for(4);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(env.hook.bodies.lock().unwrap().len(), 4);
    let kinds: Vec<_> = bodies
        .iter()
        .map(|b| verified(&env.app, b).transaction_type)
        .collect();
    assert_eq!(kinds, ["PAY", "REFUND", "PAY", "REFUND"]);
}

#[test]
fn subscription_pushes_carry_retry_counter_and_notify_url_with_the_knob_and_never_to_sign() {
    let json = |body: &[u8]| serde_json::from_slice::<Value>(body).unwrap();
    // Default: the documented keys only.
    let plain = env();
    let plan_id = new_plan(&plain, 990, "month");
    let sub = subscribe(
        &plain.pay,
        &plain.emu,
        &plan_id,
        "buyer-plain",
        "13700137002",
        "6225880000000001",
    );
    plain
        .emu
        .finish_subscription_verification(sub.id.as_deref().unwrap(), true)
        .unwrap();
    let push = json(&plain.hook.wait_for(1)[0]);
    for key in ["retryCounter", "notifyUrl", "notify_url", "toSign"] {
        assert!(push.get(key).is_none(), "{key} in {push}");
    }

    // With the knob on, pushes carry the extra keys live subscription pushes carried (never `toSign`,
    // which held the secret in clear): the first attempt fails, the retry counts it.
    let env = env_configured(
        &["fail", "success"],
        EmulatorConfig {
            subscription_push_extras: true,
            ..fast_config()
        },
    );
    let plan_id = new_plan(&env, 990, "month");
    let sub = subscribe(
        &env.pay,
        &env.emu,
        &plan_id,
        "buyer-extra",
        "13700137003",
        "6225880000000001",
    );
    let sub_id = sub.id.clone().unwrap();
    env.emu
        .finish_subscription_verification(&sub_id, true)
        .unwrap();
    let bodies = env.hook.wait_for(2);
    for (attempt, body) in bodies.iter().enumerate() {
        let push = json(body);
        assert_eq!(push["transaction_type"], "SUBSCRIPTION");
        assert_eq!(push["retryCounter"], json!(attempt), "{push}");
        assert_eq!(push["notifyUrl"], json!(env.hook.url), "{push}");
        assert_eq!(push["notify_url"], json!(env.hook.url), "{push}");
        assert!(push.get("toSign").is_none(), "{push}");
        // The extra keys do not disturb the signature.
        verified(&env.app, body);
    }
    // A subscription charge is a subscription push too; an ordinary PAY is not.
    env.emu.charge_subscription(&sub_id).unwrap();
    let charge = json(&env.hook.wait_for(3)[2]);
    assert_eq!(charge["transaction_type"], "PAY");
    assert_eq!(charge["retryCounter"], 0, "{charge}");
    let params = pay_params(BCChannelType::WX_NATIVE, 3);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let pay = json(&env.hook.wait_for(4)[3]);
    assert!(pay.get("retryCounter").is_none(), "{pay}");
}
