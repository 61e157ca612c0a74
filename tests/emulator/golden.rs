//! Replays every request the Python SDK 3.6.0 sent in `tests/fixtures/python-3.6.0-examples.jsonl` against a
//! fresh emulator, byte for byte as Python encoded it (`raw_body` / `raw_query`: Python's JSON separators and
//! `\uXXXX` escapes, `quote_plus` for `para`, `True`/`False` in k=v queries), with a fresh timestamp and the
//! `app_sign` of the secret the recording says it was signed with.
//!
//! Many recorded requests name records that a fresh emulator does not have (`plan-0001`, a bill id, a refund
//! id…). Each case first creates what it needs through the API or the test hooks and substitutes the real ids,
//! so every recorded request is expected to succeed (`result_code` 0) against the emulator.
#![cfg(feature = "emulator")]

use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

use crate::support::{self, md5_hex};

/// 2017-08-25 12:00 in Beijing: the day of the recorded `refund_no`s (`20170825…`) and inside the recorded query
/// windows (August 2017).
const T0: i64 = 1_503_633_600_000;

const FIXTURE: &str = include_str!("../fixtures/python-3.6.0-examples.jsonl");

/// A fresh emulator with the recording's credentials (the defaults), its clock on the recording day.
struct Replay {
    emu: Emulator,
    agent: ureq::Agent,
    /// Recorded value ⇒ the emulator's value (ids, SMS codes).
    substitutions: Vec<(String, String)>,
}

impl Replay {
    fn start() -> Replay {
        let emu = Emulator::start_with(EmulatorConfig::default()).expect("the emulator starts");
        emu.set_clock_ms(T0);
        let agent = support::agent(Duration::from_secs(10));
        Replay {
            emu,
            agent,
            substitutions: Vec::new(),
        }
    }

    fn secret(&self, signed_with: &str) -> Option<String> {
        let config = self.emu.config();
        match signed_with {
            "app" => Some(config.app_secret.clone()),
            "master" => Some(config.master_secret.clone()),
            "test" => Some(config.test_secret.clone()),
            _ => None,
        }
    }

    fn substitute(&mut self, recorded: &str, actual: &str) {
        self.substitutions
            .push((recorded.to_owned(), actual.to_owned()));
    }

    /// Sends (method, path incl. query, body) and returns the parsed envelope.
    fn send(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: Option<String>,
    ) -> Value {
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let result = match body {
            Some(body) => self.agent.run(request.body(body).expect("a request")),
            None => self.agent.run(request.body(()).expect("a request")),
        };
        let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let text = response.body_mut().read_to_string().expect("a body");
        assert_eq!(response.status(), 200, "{method} {url}: {text}");
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"))
    }

    /// A setup request of our own: a JSON body signed with `secret_kind`.
    fn post(&self, path: &str, secret_kind: &str, fields: Value) -> Value {
        let body = self.signed(secret_kind, fields).to_string();
        let reply = self.send(
            "POST",
            &self.url(path),
            Some("application/json"),
            Some(body),
        );
        assert_eq!(reply["result_code"], 0, "setup POST {path}: {reply}");
        reply
    }

    fn signed(&self, secret_kind: &str, fields: Value) -> Value {
        let timestamp = chrono::Utc::now().timestamp_millis();
        let secret = self.secret(secret_kind).expect("a secret");
        support::sign_fields(fields, &self.emu.config().app_id, timestamp, &secret)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/2/{path}", self.emu.base_url())
    }

    // Setup steps -------------------------------------------------------------------------------------------

    /// A bill through `route` (`rest/bill` or `rest/offline/bill`), optionally paid; returns its id.
    fn bill(&self, route: &str, channel: &str, bill_no: &str, paid: bool) -> String {
        let mut fields =
            json!({"channel": channel, "total_fee": 100, "bill_no": bill_no, "title": "setup"});
        match channel {
            "ALI_WEB" => fields["return_url"] = "https://beecloud.cn/".into(),
            "WX_SCAN" | "ALI_SCAN" => fields["auth_code"] = "134587896132465487".into(),
            _ => {}
        }
        let id = self.post(route, "app", fields)["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        if paid {
            self.emu.complete_payment(&id).expect("payable");
        }
        id
    }

    fn refund(&self, bill_no: &str, refund_no: &str, need_approval: bool) -> String {
        let fields = json!({"refund_no": refund_no, "bill_no": bill_no, "refund_fee": 1, "need_approval": need_approval});
        self.post("rest/refund", "master", fields)["id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    fn plan(&self, name: &str) -> String {
        let fields = json!({"fee": 1500, "interval": "month", "name": name});
        self.post("plan", "app", fields)["plan"]["id"]
            .as_str()
            .expect("a plan id")
            .to_owned()
    }

    /// An SMS to `phone`: (sms_id, code).
    fn sms(&self, phone: &str) -> (String, String) {
        let sms_id = self.post("sms", "app", json!({"phone": phone}))["sms_id"]
            .as_str()
            .expect("an sms_id")
            .to_owned();
        (sms_id, self.emu.last_sms_code(phone).expect("a code"))
    }

    /// A subscription to `plan_id` with its own card; (subscription id, card id).
    fn subscription(&self, plan_id: &str, card_no: &str) -> (String, String) {
        let (sms_id, sms_code) = self.sms("13800000000");
        let fields = json!({"buyer_id": "buyer-0001", "plan_id": plan_id, "bank_name": "中国银行", "card_no": card_no,
                            "id_name": "张三", "id_no": "320101199001010011", "mobile": "13800000000",
                            "sms_id": sms_id, "sms_code": sms_code});
        let reply = self.post("subscription", "app", fields);
        let subscription = &reply["subscription"];
        (
            subscription["id"].as_str().expect("an id").to_owned(),
            subscription["card_id"].as_str().unwrap_or("").to_owned(),
        )
    }

    /// The recording's coupon template `tpl-0001` (spend ¥100, get ¥10 off) and a delivered coupon.
    fn coupon(&self, user_id: &str, limit_fee: i64) -> String {
        let template = json!({"id": "tpl-0001", "name": "满100减10", "type": 0, "limit_fee": limit_fee, "discount": 10,
                              "status": 1, "expiry_type": 2, "delivery_valid_days": 30});
        let template_id = self
            .emu
            .add_coupon_template(template.as_object().cloned().unwrap());
        let fields = json!({"template_id": template_id, "user_id": user_id});
        self.post("rest/coupon", "app", fields)["coupon"]["id"]
            .as_str()
            .expect("a coupon id")
            .to_owned()
    }
}

/// Creates what a recorded case refers to and registers the id substitutions.
fn prepare(case: &str, replay: &mut Replay) {
    match case {
        "pay_ali_web" => {
            let coupon = replay.coupon("buyer-0001", 0);
            replay.substitute("coupon-0001", &coupon);
        }
        "offline_revert" => {
            replay.bill("rest/offline/bill", "ALI_SCAN", "201708251700001", false);
        }
        "offline_refund" => {
            replay.bill("rest/offline/bill", "ALI_SCAN", "201708251700001", true);
        }
        "query_offline_bill_status" => {
            replay.bill("rest/offline/bill", "WX_SCAN", "201708251700001", true);
        }
        "refund" => {
            replay.bill("rest/bill", "ALI_WEB", "201708251200001", true);
        }
        "refund_need_approval" => {
            replay.bill("rest/bill", "WX_NATIVE", "201708251200001", true);
        }
        "audit_pre_refunds_agree" => {
            replay.bill("rest/bill", "ALI_WEB", "201708251200001", true);
            replay.bill("rest/bill", "ALI_WEB", "201708251200002", true);
            let first = replay.refund("201708251200001", "201708251300001", true);
            let second = replay.refund("201708251200002", "201708251300002", true);
            replay.substitute("f3e2d1c0-b9a8-4776-8554-43322110ff06", &first);
            replay.substitute("0a1b2c3d-4e5f-4061-8273-94a5b6c7d807", &second);
        }
        "query_bills" | "query_bills_count" => {
            replay.bill("rest/bill", "ALI_WEB", "201708251200001", true);
        }
        "query_refunds" | "query_refunds_count" | "query_refund_status" => {
            replay.bill("rest/bill", "WX_NATIVE", "201708251200001", true);
            replay.refund(
                "201708251200001",
                "201708251300002",
                case != "query_refund_status",
            );
        }
        "query_bill_by_id" => {
            let id = replay.bill("rest/bill", "WX_NATIVE", "201708251200001", true);
            replay.substitute("0d5c8a4b-1c6e-4f0e-9a35-6f0b2e1d7c01", &id);
        }
        "query_refund_by_id" => {
            replay.bill("rest/bill", "WX_NATIVE", "201708251200001", true);
            let id = replay.refund("201708251200001", "201708251300002", true);
            replay.substitute("f3e2d1c0-b9a8-4776-8554-43322110ff06", &id);
        }
        "query_plan_by_id" | "update_plan" | "delete_plan" => {
            let plan = replay.plan("月度会员");
            replay.substitute("plan-0001", &plan);
        }
        "subscribe" => {
            let plan = replay.plan("月度会员");
            let (sms_id, code) = replay.sms("13800000000");
            replay.substitute("plan-0001", &plan);
            replay.substitute("sms-6f1e2d3c-0001", &sms_id);
            replay.substitute("\"123456\"", &format!("\"{code}\""));
        }
        "query_subscription_by_id" | "cancel_subscription" | "update_subscription" => {
            let plan = replay.plan("月度会员");
            let (subscription, _) = replay.subscription(&plan, "6222020200112233445");
            replay.substitute("sub-0001", &subscription);
            if case == "update_subscription" {
                let other_plan = replay.plan("年度会员");
                let (_, other_card) = replay.subscription(&other_plan, "6222020200112233999");
                replay.substitute("plan-0002", &other_plan);
                replay.substitute("card-0002", &other_card);
            }
        }
        "attach_buyer_history_bills" => {
            replay.bill("rest/bill", "WX_NATIVE", "201708251200001", true);
            replay.bill("rest/bill", "WX_NATIVE", "201708251200002", true);
        }
        "query_coupon_template" | "create_coupon" => {
            replay.coupon("buyer-0001", 10_000);
        }
        "query_coupon" => {
            let coupon = replay.coupon("buyer-0001", 10_000);
            replay.substitute("coupon-0001", &coupon);
        }
        _ => {}
    }
}

/// Replaces the recording placeholders and substitutes ids.
fn fill(text: &str, timestamp: i64, app_sign: &str, substitutions: &[(String, String)]) -> String {
    let mut text = text
        .replace("<timestamp>", &timestamp.to_string())
        .replace("<app_sign>", app_sign);
    for (recorded, actual) in substitutions {
        text = text.replace(recorded, actual);
    }
    text
}

#[test]
fn every_recorded_python_request_is_accepted() {
    let mut replayed = 0;
    let mut failures = Vec::new();
    for line in FIXTURE.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).expect("a JSON line");
        let case = record["case"].as_str().expect("a case name");
        for request in record["requests"].as_array().expect("requests") {
            let mut replay = Replay::start();
            prepare(case, &mut replay);
            let method = request["method"].as_str().unwrap();
            let timestamp = chrono::Utc::now().timestamp_millis();
            let config = replay.emu.config().clone();
            let app_sign = replay
                .secret(request["signed_with"].as_str().unwrap())
                .map(|secret| md5_hex(&format!("{}{timestamp}{secret}", config.app_id)))
                .unwrap_or_default();
            let path = fill(
                request["path"].as_str().unwrap(),
                timestamp,
                &app_sign,
                &replay.substitutions,
            );
            let query = fill(
                request["raw_query"].as_str().unwrap_or(""),
                timestamp,
                &app_sign,
                &replay.substitutions,
            );
            let raw_body = request["raw_body"].as_str().unwrap_or("");
            let body = (!raw_body.is_empty())
                .then(|| fill(raw_body, timestamp, &app_sign, &replay.substitutions));
            let url = if query.is_empty() {
                format!("{}{path}", replay.emu.base_url())
            } else {
                format!("{}{path}?{query}", replay.emu.base_url())
            };
            let reply = replay.send(method, &url, request["content_type"].as_str(), body);
            replayed += 1;
            if reply["result_code"] != 0 {
                failures.push(format!("{case}: {method} {path} => {reply}"));
            }
        }
    }
    assert_eq!(
        replayed, 48,
        "every recorded request (52 cases, 4 of them local-only) is replayed"
    );
    assert!(
        failures.is_empty(),
        "{} recorded requests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Without the setup, requests naming unknown records fail with a clean business error, never with an
/// authentication (1) or decoding failure.
#[test]
fn recorded_requests_about_unknown_records_get_business_errors() {
    for line in FIXTURE.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).expect("a JSON line");
        let case = record["case"].as_str().unwrap();
        for request in record["requests"].as_array().unwrap() {
            let replay = Replay::start();
            let timestamp = chrono::Utc::now().timestamp_millis();
            let config = replay.emu.config().clone();
            let app_sign = replay
                .secret(request["signed_with"].as_str().unwrap())
                .map(|secret| md5_hex(&format!("{}{timestamp}{secret}", config.app_id)))
                .unwrap_or_default();
            let path = fill(request["path"].as_str().unwrap(), timestamp, &app_sign, &[]);
            let query = fill(
                request["raw_query"].as_str().unwrap_or(""),
                timestamp,
                &app_sign,
                &[],
            );
            let raw_body = request["raw_body"].as_str().unwrap_or("");
            let body = (!raw_body.is_empty()).then(|| fill(raw_body, timestamp, &app_sign, &[]));
            let url = format!("{}{path}?{query}", replay.emu.base_url());
            let reply = replay.send(
                request["method"].as_str().unwrap(),
                &url,
                request["content_type"].as_str(),
                body,
            );
            let code = reply["result_code"].as_i64().unwrap();
            assert!(
                !matches!(code, 1 | 4),
                "{case}: authentication or decoding failed: {reply}"
            );
            assert!(matches!(code, 0 | 5 | 8 | 13), "{case}: unexpected {reply}");
        }
    }
}
