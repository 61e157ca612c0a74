//! Seeded garbage against every route of the emulator, over real HTTP on 127.0.0.1: correctly signed
//! requests whose fields have every wrong type, size and shape (empty, huge, negative, non-finite,
//! nested, NUL, emoji, right-to-left marks), half of them a valid request with a few fields spoiled.
//! Every answer must be an envelope with an integer `result_code` (or a plain 4xx), never a caught
//! panic (`14`, "the emulator failed on this request"), a 5xx or a dropped connection; afterwards the
//! emulator still serves a normal pay. Two more apps share the emulator: half the cases are signed as
//! one of them, so the app is picked from every shape of request.
#![cfg(feature = "emulator")]

use std::time::Duration;

use crate::support;

use beecloud::emulator::Emulator;
use serde_json::{Map, Value, json};
use support::emulated;
use support::form_encode;
use support::garbage::{Rng, garbage};

/// Every route: method, path (`{id}` and `{app_id}` filled per case) and how its fields travel.
/// Written out here rather than read from the emulator, so that a route dropped from the emulator's
/// table is noticed; `the_route_list_is_the_emulators_route_table` keeps the two in step.
const ROUTES: &[(&str, &str, Travel)] = &[
    ("POST", "rest/bill", Body),
    ("POST", "rest/bill/confirm", Body),
    ("GET", "rest/bill/{id}", Para),
    ("GET", "rest/bills", Para),
    ("GET", "rest/bills/count", Para),
    ("POST", "rest/sandbox/bill", Body),
    ("GET", "rest/sandbox/notify/{app_id}/{id}", Pairs),
    ("GET", "rest/sandbox/bill/{id}", Para),
    ("GET", "rest/sandbox/bills", Para),
    ("GET", "rest/sandbox/bills/count", Para),
    ("GET", "rest/sandbox/refunds", Para),
    ("GET", "rest/sandbox/refunds/count", Para),
    ("GET", "rest/sandbox/refund/status", Para),
    ("GET", "rest/sandbox/refund/{id}", Para),
    ("POST", "rest/sandbox/offline/bill", Body),
    ("POST", "rest/sandbox/offline/bill/status", Body),
    ("POST", "rest/sandbox/offline/bill/{id}", Body),
    ("POST", "rest/reconciliation", Body),
    ("POST", "rest/offline/bill", Body),
    ("POST", "rest/offline/bill/status", Body),
    ("POST", "rest/offline/bill/{id}", Body),
    ("POST", "rest/international/bill", Body),
    ("POST", "rest/refund", Body),
    ("PUT", "rest/refund", Body),
    ("GET", "rest/refund/status", Para),
    ("GET", "rest/refund/{id}", Para),
    ("GET", "rest/refunds", Para),
    ("GET", "rest/refunds/count", Para),
    ("POST", "rest/offline/refund", Body),
    ("GET", "rest/bc_transfer/banks", Para),
    ("POST", "rest/bc_transfer", Body),
    ("POST", "rest/transfer", Body),
    ("POST", "rest/transfers", Body),
    ("GET", "rest/transfers", Para),
    ("GET", "rest/transfers/count", Para),
    ("GET", "rest/bc_gateway/banks", Para),
    ("POST", "rest/gateway/bc_transfer", Body),
    ("GET", "rest/t1express/transfer/banks", Para),
    ("POST", "rest/t1express/transfer", Body),
    ("POST", "rest/cj_transfer", Body),
    ("GET", "rest/bc_user_transfer/banks", Para),
    ("POST", "rest/bc_user_transfer", Body),
    ("POST", "card/sign", Body),
    ("POST", "card/sync_verify", Body),
    ("POST", "card/sync_sign", Body),
    ("POST", "sign", Body),
    ("POST", "plan", Body),
    ("GET", "plan", Pairs),
    ("GET", "plan/{id}", Pairs),
    ("PUT", "plan/{id}", Body),
    ("DELETE", "plan/{id}", Pairs),
    ("POST", "subscription", Body),
    ("GET", "subscription", Pairs),
    ("GET", "subscription/{id}", Pairs),
    ("PUT", "subscription/{id}", Body),
    ("DELETE", "subscription/{id}", Pairs),
    ("GET", "subscription_banks", Pairs),
    ("POST", "sms", Body),
    ("POST", "auth", Body),
    ("POST", "rest/user", Body),
    ("POST", "rest/users", Body),
    ("GET", "rest/users", Para),
    ("PUT", "rest/history_bills", Body),
    ("POST", "rest/history_bills", Body),
    ("GET", "rest/coupon/template", Para),
    ("GET", "rest/coupon/template/{id}", Para),
    ("POST", "rest/coupon", Body),
    ("GET", "rest/coupon", Para),
    ("GET", "rest/coupon/{id}", Para),
];

/// Cases per route.
const CASES: usize = 40;

#[derive(Clone, Copy)]
enum Travel {
    /// A JSON body.
    Body,
    /// `?para=<JSON>`.
    Para,
    /// `?k=v&…`.
    Pairs,
}
use Travel::{Body, Pairs, Para};

#[test]
fn the_route_list_is_the_emulators_route_table() {
    let mut ours: Vec<(&str, &str)> = ROUTES
        .iter()
        .map(|(method, path, _)| (*method, *path))
        .collect();
    let mut emulator: Vec<(&str, &str)> = beecloud::emulator::route_table().collect();
    ours.sort_unstable();
    emulator.sort_unstable();
    let only_ours: Vec<_> = ours.iter().filter(|r| !emulator.contains(r)).collect();
    let only_emulator: Vec<_> = emulator.iter().filter(|r| !ours.contains(r)).collect();
    assert!(
        only_ours.is_empty() && only_emulator.is_empty(),
        "the fuzz list and the emulator's route table disagree:\n only in the fuzz list: {only_ours:?}\n only in the emulator: {only_emulator:?}"
    );
    assert_eq!(ours.len(), emulator.len(), "a route is listed twice");
}

/// Field names the API knows, so spoiled values reach the handlers' own checks.
const FIELDS: &[&str] = &[
    "channel",
    "total_fee",
    "bill_no",
    "title",
    "optional",
    "return_url",
    "notify_url",
    "bill_timeout",
    "refund_no",
    "refund_fee",
    "need_approval",
    "limit",
    "skip",
    "start_time",
    "end_time",
    "spay_result",
    "refund_result",
    "need_detail",
    "id",
    "ids",
    "agree",
    "transfer_no",
    "transfer_data",
    "batch_no",
    "account_name",
    "channel_user_id",
    "channel_user_name",
    "desc",
    "redpack_info",
    "card_no",
    "id_no",
    "id_name",
    "name",
    "mobile",
    "phone",
    "bank_name",
    "plan_id",
    "buyer_id",
    "buyer_ids",
    "sms_id",
    "sms_code",
    "amount",
    "fee",
    "interval",
    "interval_count",
    "trial_days",
    "trial_end",
    "currency",
    "email",
    "card_type",
    "pay_type",
    "template_id",
    "user_id",
    "coupon_id",
    "coupon_code",
    "status",
    "auth_code",
    "store_id",
    "bank_account_no",
    "bank_fullname",
    "bank_associated_code",
    "account_type",
    "trade_source",
    "bill_nos",
    "card_id",
    "token",
    "verify_code",
    "analysis",
    "method",
    "count_only",
    "at_period_end",
    "sub_channel",
    "credit_card_info",
    "product_type",
    "bill_type",
    "reconciliation_date",
    "merchant_account",
];

/// A well-formed request for `path` the handler accepts (or nearly), to spoil a field or two of.
fn plausible(path: &str, serial: usize) -> Map<String, Value> {
    let bill_no = format!("fuzz{serial:08}");
    let fields = match path {
        p if p.contains("bill") && !p.contains("bills") => json!({"channel": "WX_NATIVE",
            "total_fee": 1, "bill_no": bill_no, "title": "fuzz", "optional": {"k": "v"}}),
        p if p.contains("refund") => json!({"bill_no": bill_no, "refund_fee": 1,
            "refund_no": format!("20261201{serial:08}"), "channel": "WX", "limit": 10}),
        p if p.contains("transfer") => json!({"channel": "WX_REDPACK", "transfer_no": bill_no,
            "total_fee": 100, "desc": "d", "channel_user_id": "u", "bill_no": bill_no,
            "bank_account_no": "6222020200112233445", "bank_fullname": "中国银行", "card_type": "DE"}),
        p if p.starts_with("plan") => json!({"fee": 1, "interval": "month", "name": "p"}),
        p if p.starts_with("subscription") => json!({"buyer_id": "b", "plan_id": "p",
            "sms_id": "s", "sms_code": "123456", "card_no": "6222020200112233445",
            "id_name": "张三", "id_no": "110101199001010011", "mobile": "13800000000",
            "bank_name": "中国银行"}),
        "sms" => json!({"phone": "13800000000"}),
        "auth" => json!({"name": "张三", "id_no": "110101199001010011"}),
        p if p.contains("user") || p.contains("history") => {
            json!({"buyer_id": "b", "buyer_ids": ["b"], "email": "m@example.com", "bill_nos": [bill_no]})
        }
        p if p.contains("coupon") => json!({"template_id": "t", "user_id": "u", "limit": 10}),
        _ => json!({"bill_no": bill_no, "limit": 10, "skip": 0}),
    };
    fields.as_object().cloned().unwrap_or_default()
}

/// The answer is an envelope or a plain client error, and not a caught panic.
fn check_answer(case: &str, status: u16, body: &str) {
    assert!(status < 500, "{case}: status {status}: {body}");
    if status != 200 {
        assert!((400..500).contains(&status), "{case}: status {status}");
        return;
    }
    let envelope: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {body}"));
    let code = envelope["result_code"].as_i64();
    assert!(code.is_some(), "{case}: no integer result_code: {body}");
    assert!(envelope["result_msg"].is_string(), "{case}: {body}");
    assert!(
        !(code == Some(14) && body.contains("the emulator failed on this request")),
        "{case}: a handler panicked: {body}"
    );
}

#[test]
fn seeded_garbage_on_every_route_is_answered_and_nothing_panics() {
    let emu = Emulator::start().unwrap();
    let agent = support::agent(Duration::from_secs(10));
    let base = emu.base_url();
    let apps = [emu.create_app().unwrap(), emu.create_app().unwrap()];
    // A real bill and plan, so `{id}` paths sometimes name a record that exists.
    let bc_app = emu.bc_app();
    let mut pay = beecloud::entity::BCPayReqParams::default();
    pay.channel = Some(beecloud::BCChannelType::WX_NATIVE);
    pay.total_fee = Some(1);
    pay.bill_no = Some("fuzzseed0001".into());
    pay.title = Some("seed".into());
    let bill_id = beecloud::BCPay::new(bc_app).pay(&pay).unwrap().id.clone();
    let ids = [
        bill_id.as_str(),
        "",
        "..",
        "%2e%2e%2f",
        "%00",
        "%E4%B8%AD",
        "x%",
        "a+b",
        "0",
    ];

    let mut rng = Rng(0x5eed_beec_10ad_2026);
    let mut answered = 0;
    for (route_index, (method, path, travel)) in ROUTES.iter().enumerate() {
        for case in 0..CASES {
            let serial = route_index * 100 + case;
            // Even cases spoil one or two fields of a plausible request; odd ones are all garbage.
            let mut fields = Map::new();
            if case % 2 == 0 {
                fields = plausible(path, serial);
                let keys: Vec<String> = fields.keys().cloned().collect();
                for _ in 0..1 + rng.below(2) {
                    fields.insert(rng.pick(&keys).clone(), garbage(&mut rng, 2, FIELDS));
                }
            } else {
                for _ in 0..1 + rng.below(4) {
                    fields.insert(rng.pick(FIELDS).to_string(), garbage(&mut rng, 2, FIELDS));
                }
            }
            let signer = match case % 4 {
                1 => &apps[0],
                3 => &apps[1],
                _ => &emu,
            };
            let config = signer.config();
            let secret = if path.contains("sandbox") {
                &config.test_secret
            } else if case % 3 == 0 {
                &config.master_secret
            } else {
                &config.app_secret
            };
            let fields = emulated::signed(signer, secret, Value::Object(fields));
            let id = rng.pick(&ids).to_string();
            let filled = path
                .replace("{app_id}", &config.app_id)
                .replace("{id}", if id.is_empty() { "-" } else { &id });
            let mut url = format!("{base}/2/{filled}");
            let body = match travel {
                Body => fields.to_string(),
                Para => {
                    url += &format!("?para={}", form_encode(&fields.to_string()));
                    String::new()
                }
                Pairs => {
                    let pairs: Vec<String> = fields
                        .as_object()
                        .expect("signed fields are an object")
                        .iter()
                        .map(|(k, v)| {
                            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            format!("{}={}", form_encode(k), form_encode(&text))
                        })
                        .collect();
                    url += &format!("?{}", pairs.join("&"));
                    String::new()
                }
            };
            let request = ureq::http::Request::builder()
                .method(*method)
                .uri(&url)
                .header("Content-Type", "application/json")
                .body(body.clone())
                .unwrap();
            let label = format!(
                "{method} {filled} case {case}: {}",
                &body.chars().take(300).collect::<String>()
            );
            let mut response = agent
                .run(request)
                .unwrap_or_else(|e| panic!("{label}: no answer: {e}"));
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            check_answer(&label, status, &text);
            answered += 1;
        }
    }
    assert_eq!(answered, ROUTES.len() * CASES);
    // The cases signed as the other apps reached them (each logs its own requests).
    for app in &apps {
        assert!(
            app.requests().len() > ROUTES.len(),
            "{}",
            app.requests().len()
        );
    }

    // Still serving, with its state intact.
    let mut pay = beecloud::entity::BCPayReqParams::default();
    pay.channel = Some(beecloud::BCChannelType::ALI_WEB);
    pay.total_fee = Some(1);
    pay.bill_no = Some("fuzzafter0001".into());
    pay.title = Some("after".into());
    pay.return_url = Some("https://example.com/".into());
    beecloud::BCPay::new(emu.bc_app()).pay(&pay).unwrap();
    let bill = beecloud::BCQuery::new(emu.bc_app())
        .query_bill_by_id(&bill_id)
        .unwrap();
    assert_eq!(bill.pay.bill_no.as_deref(), Some("fuzzseed0001"));
}
