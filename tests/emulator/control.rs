//! The control API (`/__emulator/…`) over HTTP, the Rust hooks' error type, the in-process webhook sink,
//! the timestamp window, and the server behaviours the emulator takes from the other official SDKs
//! where the Python SDK says nothing or gets them wrong.
#![cfg(feature = "emulator")]

use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig, EmulatorError};

use crate::support;
use crate::support::emulated::{self, emu_day};
use serde_json::{Value, json};

struct Client {
    emu: Emulator,
    agent: ureq::Agent,
}

impl Client {
    fn start(config: EmulatorConfig) -> Client {
        Client {
            emu: Emulator::start_with(config).unwrap(),
            agent: support::agent(Duration::from_secs(20)),
        }
    }

    /// A control call: (status, JSON answer).
    fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.emu.control_url());
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let request = request
            .header("Content-Type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .unwrap();
        let mut response = self
            .agent
            .run(request)
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.control(method, path, body, None);
        assert_eq!(status, 200, "{method} {path}: {answer}");
        answer
    }

    fn signed(&self, secret: &str, fields: Value) -> Value {
        emulated::signed(&self.emu, secret, fields)
    }

    /// A BeeCloud call with a JSON body, signed with `secret`.
    fn api(&self, method: &str, path: &str, secret: &str, fields: Value) -> Value {
        let body = self.signed(secret, fields).to_string();
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}/2/{path}", self.emu.base_url()))
            .header("Content-Type", "application/json")
            .body(body)
            .unwrap();
        let mut response = self.agent.run(request).unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// A BeeCloud GET with the fields as `?para=<JSON>`.
    fn get_para(&self, path: &str, secret: &str, fields: Value) -> Value {
        let para = self.signed(secret, fields).to_string();
        let mut response = self
            .agent
            .get(format!("{}/2/{path}", self.emu.base_url()))
            .query("para", para)
            .call()
            .unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// A verified subscription of `buyer_id` to a new monthly plan, set up over the REST API
    /// (SMS code from the hook): its id.
    fn active_subscription(&self, phone: &str, buyer_id: &str, card_no: &str) -> String {
        let app = self.app();
        let plan = self.api(
            "POST",
            "plan",
            &app,
            json!({"fee": 100, "interval": "month", "name": "p", "currency": "CNY"}),
        );
        let sms = self.api("POST", "sms", &app, json!({"phone": phone}));
        let code = self.emu.last_sms_code(phone).unwrap();
        let sub = self.api(
            "POST",
            "subscription",
            &app,
            json!({"buyer_id": buyer_id, "plan_id": plan["plan"]["id"], "bank_name": "中国银行",
                   "card_no": card_no, "id_name": "Zhang San", "id_no": "110101199003070000",
                   "mobile": phone, "sms_id": sms["sms_id"], "sms_code": code}),
        );
        let sub_id = sub["subscription"]["id"].as_str().unwrap().to_owned();
        self.emu
            .finish_subscription_verification(&sub_id, true)
            .unwrap();
        sub_id
    }

    fn app(&self) -> String {
        self.emu.config().app_secret.clone()
    }
    fn master(&self) -> String {
        self.emu.config().master_secret.clone()
    }

    fn pay(&self, channel: &str, bill_no: &str) -> String {
        let reply = self.api(
            "POST",
            "rest/bill",
            &self.app(),
            json!({"channel": channel, "total_fee": 10, "bill_no": bill_no, "title": "t"}),
        );
        assert_eq!(reply["result_code"], 0, "{reply}");
        reply["id"].as_str().unwrap().to_owned()
    }
}

#[test]
fn the_control_api_drives_a_whole_flow_over_http() {
    let client = Client::start(EmulatorConfig::default());
    let endpoints = client.ok("GET", "/", None);
    assert!(endpoints["endpoints"].as_array().unwrap().len() >= 20);

    client.ok(
        "POST",
        "/webhook_url",
        Some(json!({"url": format!("{}/sink/flow", client.emu.control_url())})),
    );
    let bill_id = client.pay("WX_NATIVE", "control00001");
    client.ok("POST", "/payments/complete", Some(json!({"id": bill_id})));
    let webhooks = client.ok("GET", "/webhooks?wait_for=1&timeout_ms=10000", None);
    let push = &webhooks["webhooks"][0];
    assert_eq!(push["delivered"], true, "{webhooks}");
    assert_eq!(push["body"]["transaction_type"], "PAY");
    assert_eq!(push["body"]["transaction_id"], "control00001");
    let received = client.ok("GET", "/sink?wait_for=1&timeout_ms=10000", None);
    assert_eq!(received["received"][0]["path"], "/__emulator/sink/flow");

    // Paying twice is a conflict; an unknown bill is not found; a missing id is bad input.
    let (status, answer) = client.control(
        "POST",
        "/payments/complete",
        Some(json!({"id": bill_id})),
        None,
    );
    assert_eq!(
        (
            status,
            answer["error"].as_str().unwrap().contains("already paid")
        ),
        (409, true)
    );
    assert_eq!(
        client
            .control(
                "POST",
                "/payments/complete",
                Some(json!({"id": "nope"})),
                None
            )
            .0,
        404
    );
    assert_eq!(
        client
            .control("POST", "/payments/complete", Some(json!({})), None)
            .0,
        400
    );
    assert_eq!(client.control("POST", "/nothing/here", None, None).0, 404);

    // An Alipay refund waits for the password; the control API finishes it.
    let ali = client.pay("ALI_APP", "control00002");
    client.ok("POST", "/payments/complete", Some(json!({"id": ali})));
    let refund = client.api(
        "POST",
        "rest/refund",
        &client.master(),
        json!({"bill_no": "control00002", "refund_no": format!("{}001", emu_day(&client.emu)), "refund_fee": 10}),
    );
    assert_eq!(refund["result_code"], 0, "{refund}");
    client.ok(
        "POST",
        "/refunds/complete",
        Some(json!({"id": refund["id"]})),
    );
    assert_eq!(
        client
            .control(
                "POST",
                "/refunds/fail",
                Some(json!({"id": refund["id"]})),
                None
            )
            .0,
        409
    );

    // SMS codes, the clock, channels, faults, the request log.
    let sms = client.api(
        "POST",
        "sms",
        &client.app(),
        json!({"phone": "13800138000"}),
    );
    assert_eq!(sms["result_code"], 0, "{sms}");
    let code = client.ok("GET", "/sms?phone=13800138000", None);
    assert_eq!(code["code"].as_str().unwrap().len(), 6);
    assert_eq!(
        client
            .control("GET", "/sms?phone=13900000000", None, None)
            .0,
        404
    );
    let before = client.ok("GET", "/clock", None)["now_ms"].as_i64().unwrap();
    let after = client.ok("POST", "/clock", Some(json!({"advance_ms": 86_400_000})))["now_ms"]
        .as_i64()
        .unwrap();
    assert!(after - before >= 86_400_000);
    client.ok("POST", "/clock", Some(json!({"now_ms": before})));
    client.ok(
        "POST",
        "/channels",
        Some(json!({"channel": "WX_APP", "enabled": false})),
    );
    let disabled = client.api(
        "POST",
        "rest/bill",
        &client.app(),
        json!({"channel": "WX_APP", "total_fee": 1, "bill_no": "control00003", "title": "t"}),
    );
    assert_eq!(disabled["result_code"], 2, "{disabled}");
    client.ok(
        "POST",
        "/faults",
        Some(json!({"path_prefix": "/2/rest/bills", "kind": "http_status", "status": 503})),
    );
    let status = client
        .agent
        .get(format!("{}/2/rest/bills", client.emu.base_url()))
        .call()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 503);
    client.ok(
        "POST",
        "/faults",
        Some(json!({"path_prefix": "/2/rest/bills", "kind": "api_error", "code": 7})),
    );
    client.ok("DELETE", "/faults", None);
    assert_eq!(
        client
            .control(
                "POST",
                "/faults",
                Some(json!({"path_prefix": "/", "kind": "boom"})),
                None
            )
            .0,
        400
    );
    let log = client.ok("GET", "/requests?limit=2", None);
    assert_eq!(log["requests"].as_array().unwrap().len(), 2);
    assert_eq!(log["requests"][1]["path"], "/2/rest/bills");

    // Reset: records, webhooks and the log are gone.
    client.ok("POST", "/reset", None);
    assert!(client.emu.webhooks().is_empty() && client.emu.requests().is_empty());
    assert_eq!(
        client
            .control(
                "POST",
                "/payments/complete",
                Some(json!({"id": bill_id})),
                None
            )
            .0,
        404
    );
}

#[test]
fn subscriptions_and_coupons_over_the_control_api() {
    let client = Client::start(EmulatorConfig::default());
    let app = client.app();
    let plan = client.api(
        "POST",
        "plan",
        &app,
        json!({"fee": 100, "interval": "month", "name": "p", "currency": "CNY"}),
    );
    let plan_id = plan["plan"]["id"].as_str().unwrap().to_owned();
    let sms = client.api("POST", "sms", &app, json!({"phone": "13800138001"}));
    let code = client.ok("GET", "/sms?phone=13800138001", None)["code"].clone();
    let sub = client.api(
        "POST",
        "subscription",
        &app,
        json!({"buyer_id": "b1", "plan_id": plan_id, "bank_name": "中国银行", "card_no": "6222000000000000",
               "id_name": "Zhang San", "id_no": "110101199003070000", "mobile": "13800138001",
               "sms_id": sms["sms_id"], "sms_code": code}),
    );
    assert_eq!(sub["result_code"], 0, "{sub}");
    let sub_id = sub["subscription"]["id"].as_str().unwrap();
    client.ok(
        "POST",
        "/subscriptions/verify",
        Some(json!({"id": sub_id, "success": true})),
    );
    let charged = client.ok("POST", "/subscriptions/charge", Some(json!({"id": sub_id})));
    assert!(!charged["bill_no"].as_str().unwrap().is_empty());
    let template = client.ok(
        "POST",
        "/coupon_templates",
        Some(json!({"name": "control", "discount": 3.0})),
    );
    let template_id = template["id"].as_str().unwrap();
    let fetched = client.get_para(
        &format!("rest/coupon/template/{template_id}"),
        &app,
        json!({}),
    );
    assert_eq!(fetched["coupon_template"]["name"], "control", "{fetched}");
}

#[test]
fn the_control_token_guards_the_control_api_only() {
    let client = Client::start(EmulatorConfig {
        control_token: Some("s3cret-token".into()),
        ..EmulatorConfig::default()
    });
    assert_eq!(client.control("GET", "/clock", None, None).0, 401);
    assert_eq!(client.control("GET", "/clock", None, Some("wrong")).0, 401);
    assert_eq!(
        client
            .control("GET", "/clock", None, Some("s3cret-token"))
            .0,
        200
    );
    // BeeCloud routes need no token.
    client.pay("WX_NATIVE", "tokenpay0001");
    assert!(!format!("{:?}", client.emu.config()).contains("s3cret-token"));
}

#[test]
fn hooks_return_a_real_error_type() {
    fn run(emu: &Emulator) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        emu.complete_payment("no-such-bill")?;
        Ok(())
    }
    let emu = Emulator::start().unwrap();
    let error = run(&emu).unwrap_err();
    assert_eq!(error.to_string(), "no bill no-such-bill");
    assert!(matches!(
        emu.complete_transfer("nope"),
        Err(EmulatorError::NotFound(_))
    ));
}

#[test]
fn the_in_process_sink_receives_verifiable_pushes() {
    let client = Client::start(EmulatorConfig::default());
    let sink = client.emu.webhook_sink();
    let bill_id = client.pay("WX_NATIVE", "sinkpay00001");
    client.emu.complete_payment(&bill_id).unwrap();
    let received = sink.wait_for(1, Duration::from_secs(10));
    assert_eq!(received.len(), 1);
    let push =
        beecloud::utils::verify_webhook(&client.emu.bc_app(), received[0].body.as_bytes()).unwrap();
    assert_eq!(push.transaction_id, "sinkpay00001");
    assert!(client.emu.wait_for_webhooks(1, Duration::from_secs(5))[0].delivered);
}

#[test]
fn the_timestamp_window_is_off_by_default_and_refuses_stale_requests_when_set() {
    let stale = |client: &Client, timestamp: Value| {
        let app_id = client.emu.config().app_id.clone();
        let ts_text = match &timestamp {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let sign = format!(
            "{:x}",
            md5::compute(format!("{app_id}{ts_text}{}", client.app()))
        );
        let body = json!({"app_id": app_id, "timestamp": timestamp, "app_sign": sign, "channel": "WX_NATIVE",
                          "total_fee": 1, "bill_no": format!("ts{}", client.emu.now_ms()), "title": "t"});
        let mut response = client
            .agent
            .post(format!("{}/2/rest/bill", client.emu.base_url()))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let reply: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        reply["result_code"].as_i64().unwrap()
    };
    let open = Client::start(EmulatorConfig::default());
    assert_eq!(
        stale(&open, json!(978_307_200_000i64)),
        0,
        "year 2001 passes without a window"
    );
    let strict = Client::start(EmulatorConfig {
        timestamp_window: Some(Duration::from_secs(300)),
        ..EmulatorConfig::default()
    });
    for timestamp in [
        json!(978_307_200_000i64),
        json!(4_102_444_800_000i64),
        json!(-1),
        json!("abc"),
    ] {
        assert_eq!(
            stale(&strict, timestamp.clone()),
            1,
            "timestamp {timestamp}"
        );
    }
    assert_eq!(stale(&strict, json!(strict.emu.now_ms())), 0);
}

#[test]
fn pre_refunds_and_bc_transfers_accept_the_app_secret() {
    let client = Client::start(EmulatorConfig::default());
    let bill = client.pay("WX_NATIVE", "errata000013");
    client.emu.complete_payment(&bill).unwrap();
    let fields = |no: &str, approval: bool| {
        json!({"bill_no": "errata000013", "refund_no": format!("{}{no}", emu_day(&client.emu)), "refund_fee": 5,
               "need_approval": approval})
    };
    let direct = client.api("POST", "rest/refund", &client.app(), fields("131", false));
    assert_eq!(
        direct["result_code"], 1,
        "a direct refund needs the master secret: {direct}"
    );
    let pre = client.api("POST", "rest/refund", &client.app(), fields("132", true));
    assert_eq!(
        pre["result_code"], 0,
        "a pre-refund may be signed with the app secret: {pre}"
    );

    let banks = client.get_para(
        "rest/bc_transfer/banks",
        &client.app(),
        json!({"type": "P_DE"}),
    );
    let transfer = |client: &Client, secret: &str, no: &str| {
        client.api(
            "POST",
            "rest/bc_transfer",
            secret,
            json!({"total_fee": 100, "bill_no": no, "title": "payout", "trade_source": "OUT_PC",
                   "bank_fullname": banks["bank_list"][0], "card_type": "DE", "account_type": "P",
                   "account_no": "6222000000000000", "account_name": "Zhang San"}),
        )["result_code"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(transfer(&client, &client.app(), "errata014a"), 0);
    assert_eq!(transfer(&client, &client.master(), "errata014b"), 0);
    let strict = Client::start(EmulatorConfig {
        strict_bc_transfer_secret: true,
        ..EmulatorConfig::default()
    });
    assert_eq!(transfer(&strict, &strict.app(), "errata014c"), 1);
}

#[test]
fn secrets_in_requests_are_redacted_in_the_log() {
    let client = Client::start(EmulatorConfig::default());
    let reply = client.api(
        "POST",
        "rest/bill",
        &client.app(),
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "errata000016", "title": "t",
               "master_secret": "LEAKED-MASTER", "nested": {"app_secret": "LEAKED-APP"}}),
    );
    assert_eq!(
        reply["result_code"], 0,
        "unknown fields are ignored: {reply}"
    );
    assert!(!reply.to_string().contains("LEAKED"));
    let logged = client.emu.requests();
    let body = &logged.last().unwrap().body;
    assert!(!body.contains("LEAKED"), "{body}");
    assert!(body.contains("errata000016"));
}

#[test]
fn bc_bills_refund_and_history_bills_may_be_posted() {
    let client = Client::start(EmulatorConfig::default());
    let bill = client.pay("BC_NATIVE", "errata000017");
    client.emu.complete_payment(&bill).unwrap();
    let refund = client.api(
        "POST",
        "rest/refund",
        &client.master(),
        json!({"bill_no": "errata000017", "refund_no": format!("{}171", emu_day(&client.emu)), "refund_fee": 10,
               "channel": "BC"}),
    );
    assert_eq!(refund["result_code"], 0, "{refund}");
    let user = client.api(
        "POST",
        "rest/user",
        &client.app(),
        json!({"buyer_id": "errata-buyer"}),
    );
    assert_eq!(user["result_code"], 0, "{user}");
    let attached = client.api(
        "POST",
        "rest/history_bills",
        &client.app(),
        json!({"bill_info": {"errata-buyer": ["errata000017"]}}),
    );
    assert_eq!(
        attached["result_code"], 0,
        "POST works like PUT: {attached}"
    );
}

#[test]
fn query_limit_is_clamped_into_10_to_50_or_refused_when_strict() {
    let client = Client::start(EmulatorConfig::default());
    for n in 0..12 {
        client.pay("WX_NATIVE", &format!("errata21{n:04}"));
    }
    let listed = |client: &Client, limit: i64| {
        client.get_para("rest/bills", &client.app(), json!({"limit": limit}))
    };
    assert_eq!(
        listed(&client, 5)["bills"].as_array().unwrap().len(),
        10,
        "5 is raised to 10"
    );
    assert_eq!(listed(&client, 11)["bills"].as_array().unwrap().len(), 11);
    let strict = Client::start(EmulatorConfig {
        strict_query_limit: true,
        ..EmulatorConfig::default()
    });
    assert_eq!(listed(&strict, 5)["result_code"], 5);
    assert_eq!(listed(&strict, 51)["result_code"], 5);
    assert_eq!(listed(&strict, 10)["result_code"], 0);
}

/// Knobs turn on a running emulator, over HTTP (for clients in any language) and in Rust; a bad
/// batch changes nothing and `reset` restores the values at start.
#[test]
fn knobs_turn_at_run_time_over_the_control_api() {
    let client = Client::start(EmulatorConfig::default());
    let listed = |limit: i64| client.get_para("rest/bills", &client.app(), json!({"limit": limit}));
    let knobs = client.ok("GET", "/knobs", None);
    assert_eq!(knobs["strict_query_limit"], false);
    assert_eq!(knobs["sandbox_notify.pay_expired"], false);
    assert_eq!(knobs["timestamp_window_ms"], Value::Null);
    assert_eq!(listed(5)["result_code"], 0, "clamped while the knob is off");

    let after = client.ok("POST", "/knobs", Some(json!({"strict_query_limit": true})));
    assert_eq!(after["strict_query_limit"], true);
    assert_eq!(listed(5)["result_code"], 5, "refused once the knob is on");

    // All or none: the unknown name makes the whole batch fail.
    let (status, answer) = client.control(
        "POST",
        "/knobs",
        Some(json!({"strict_query_limit": false, "no_such_knob": true})),
        None,
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.to_string().contains("no knob `no_such_knob`"),
        "{answer}"
    );
    let (status, answer) = client.control(
        "POST",
        "/knobs",
        Some(json!({"webhook_time_scale": -1})),
        None,
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(client.ok("GET", "/knobs", None)["strict_query_limit"], true);

    client
        .emu
        .set_knob("strict_query_limit", false.into())
        .unwrap();
    assert_eq!(client.emu.knobs()["strict_query_limit"], false);
    assert_eq!(listed(5)["result_code"], 0);
    assert!(
        client
            .emu
            .set_knob("strict_query_limit", json!("no"))
            .is_err()
    );

    client
        .emu
        .set_knob("timestamp_window_ms", json!(300_000))
        .unwrap();
    assert_eq!(client.emu.knobs()["timestamp_window_ms"], 300_000);
    assert_eq!(
        listed(10)["result_code"],
        0,
        "a fresh stamp is inside the window"
    );
    client.ok("POST", "/reset", None);
    assert_eq!(client.emu.knobs(), EmulatorConfig::default().knobs());
    assert!(
        !client.emu.config().strict_query_limit,
        "config() keeps the values at start"
    );
}

#[test]
fn one_and_zero_are_booleans_in_query_strings() {
    let client = Client::start(EmulatorConfig::default());
    let app = client.app();
    client.api(
        "POST",
        "plan",
        &app,
        json!({"fee": 100, "interval": "month", "name": "p1", "currency": "CNY"}),
    );
    let signed = client.signed(&app, json!({"count_only": "1"}));
    let query: Vec<(String, String)> = signed
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_owned)))
        .collect();
    let mut response = client
        .agent
        .get(format!("{}/2/plan", client.emu.base_url()))
        .query_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .call()
        .unwrap();
    let reply: Value =
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(reply["result_code"], 0, "{reply}");
    assert_eq!(reply["total_count"], 1, "count_only=1 counts: {reply}");
}

#[test]
fn sandbox_pushes_carry_sign_with_the_test_secret() {
    // By default a sandbox push carries `sign` only, made with the test secret.
    let client = Client::start(EmulatorConfig::default());
    let sink = client.emu.webhook_sink();
    let test_secret = client.emu.config().test_secret.clone();
    let reply = client.api(
        "POST",
        "rest/sandbox/bill",
        &test_secret,
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "errata00002", "title": "t"}),
    );
    assert_eq!(reply["result_code"], 0, "{reply}");
    client
        .emu
        .complete_payment(reply["id"].as_str().unwrap())
        .unwrap();
    let received = sink.wait_for(1, Duration::from_secs(10));
    let push: Value = serde_json::from_str(&received[0].body).unwrap();
    let expected = format!(
        "{:x}",
        md5::compute(format!(
            "{}{test_secret}{}",
            client.emu.config().app_id,
            push["timestamp"]
        ))
    );
    assert_eq!(push["sign"], expected.as_str(), "{push}");
    assert!(
        push.get("signature").is_none(),
        "no master-secret signature on sandbox pushes: {push}"
    );
}

#[test]
fn the_merchant_account_is_configurable() {
    let client = Client::start(EmulatorConfig {
        merchant_account: "shop@example.org".into(),
        ..EmulatorConfig::default()
    });
    let wrong = client.get_para(
        "rest/users",
        &client.app(),
        json!({"email": "merchant@example.com"}),
    );
    assert_ne!(wrong["result_code"], 0, "{wrong}");
    let right = client.get_para(
        "rest/users",
        &client.app(),
        json!({"email": "shop@example.org"}),
    );
    assert_eq!(right["result_code"], 0, "{right}");
}

#[test]
fn the_cashier_page_looks_like_a_wallet_and_its_three_buttons_work() {
    let client = Client::start(EmulatorConfig::default());
    let reply = client.api(
        "POST",
        "rest/bill",
        &client.app(),
        json!({"channel": "WX_NATIVE", "total_fee": 1999, "bill_no": "cashier00001", "title": "咖啡"}),
    );
    let page_url = reply["code_url"].as_str().unwrap().to_owned();
    let mut response = client.agent.get(&page_url).call().unwrap();
    let page = response.body_mut().read_to_string().unwrap();
    assert!(
        page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(
        page.contains("¥19.99"),
        "the amount as yuan with two decimals: {page}"
    );
    assert!(
        page.contains("<style>") && !page.contains("<link") && !page.contains("src="),
        "inline style only"
    );
    for (value, label) in [("pay", "Pay"), ("cancel", "Cancel"), ("fail", "Fail")] {
        assert!(
            page.contains(&format!("value=\"{value}\">{label}</button>")),
            "a {label} button: {page}"
        );
    }
    let bill_id = reply["id"].as_str().unwrap();
    let press = |action: &str| {
        let mut response = client
            .agent
            .post(&page_url)
            .send_form([("action", action)])
            .unwrap();
        response.body_mut().read_to_string().unwrap()
    };
    let paid = |client: &Client| {
        client.get_para(&format!("rest/bill/{bill_id}"), &client.app(), json!({}))["pay"]["spay_result"]
            == true
    };
    assert!(press("fail").contains("Payment failed"));
    assert!(!paid(&client), "a failed payment leaves the bill unpaid");
    assert!(press("cancel").contains("Cancelled"));
    assert!(!paid(&client));
    assert!(press("pay").contains("Paid"));
    assert!(paid(&client));
}

#[test]
fn sandbox_pay_answers_a_mock_url_and_sandbox_notify_pays_it() {
    let client = Client::start(EmulatorConfig::default());
    let sink = client.emu.webhook_sink();
    let test_secret = client.emu.config().test_secret.clone();
    let reply = client.api(
        "POST",
        "rest/sandbox/bill",
        &test_secret,
        json!({"channel": "ALI_WEB", "total_fee": 1, "bill_no": "errata00010", "title": "t",
               "return_url": "https://shop.example/r"}),
    );
    assert_eq!(reply["result_code"], 0, "{reply}");
    let url = reply["url"].as_str().expect("a mock cashier url");
    let (_, query) = url.split_once('?').expect("a query string");
    assert!(query.split('&').all(|pair| {
        pair.split_once('=')
            .is_some_and(|(k, v)| !k.is_empty() && !v.is_empty())
    }));
    assert!(
        reply.get("html").is_none(),
        "no live-shaped payload: {reply}"
    );
    let bill_id = reply["id"].as_str().unwrap();
    let notify = |app: &str, bill: &str| {
        let mut response = client
            .agent
            .get(format!(
                "{}/2/rest/sandbox/notify/{app}/{bill}?ignored=1",
                client.emu.base_url()
            ))
            .call()
            .unwrap();
        let reply: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        reply["result_code"].as_i64().unwrap()
    };
    let app_id = client.emu.config().app_id.clone();
    assert_eq!(notify("someone-else", bill_id), 1);
    assert_eq!(notify(&app_id, "no-such-bill"), 8);
    assert_eq!(
        notify(&app_id, bill_id),
        0,
        "unsigned, and it pays the bill"
    );
    assert_eq!(sink.wait_for(1, Duration::from_secs(10)).len(), 1);
    assert_eq!(notify(&app_id, bill_id), 0, "already paid: still 0");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(sink.received().len(), 1, "and no second webhook");
    let push: Value = serde_json::from_str(&sink.received()[0].body).unwrap();
    assert_eq!(push["transaction_id"], "errata00010");
    assert!(push["sign"].is_string(), "{push}");
    let live = client.pay("WX_NATIVE", "errata00010b");
    assert_eq!(
        notify(&app_id, &live),
        8,
        "a live bill is not a sandbox bill"
    );
}

#[test]
fn subscription_pushes_carry_the_details_with_a_masked_card_number() {
    let client = Client::start(EmulatorConfig::default());
    let sink = client.emu.webhook_sink();
    let sub_id = client.active_subscription("13800138002", "b6", "6222000000001234");
    let charged = client.emu.charge_subscription(&sub_id).unwrap();
    assert_eq!(charged.len(), 36, "a UUID-like charge number: {charged}");
    let pushes = sink.wait_for(2, Duration::from_secs(10));
    assert_eq!(pushes.len(), 2);
    for received in &pushes {
        assert!(
            !received.body.contains("6222000000001234"),
            "no clear card number: {}",
            received.body
        );
        let push: Value = serde_json::from_str(&received.body).unwrap();
        let detail = &push["message_detail"];
        assert_eq!(detail["card_no"], "************1234", "{push}");
        assert_eq!(detail["subscription_id"], sub_id.as_str());
        assert_eq!(detail["buyer_id"], "b6");
        assert_eq!(detail["err_msg"], "");
        assert_eq!(push["channel_type"], "BC");
    }
}

#[test]
fn failed_card_payouts_are_pushed_to_the_payouts_notify_url() {
    let client = Client::start(EmulatorConfig::default());
    let hook = format!("{}/sink/payouts", client.emu.control_url());
    let banks = client.get_para(
        "rest/bc_transfer/banks",
        &client.app(),
        json!({"type": "P_DE"}),
    );
    let reply = client.api(
        "POST",
        "rest/bc_transfer",
        &client.master(),
        json!({"total_fee": 100, "bill_no": "errata00007", "title": "payout", "trade_source": "OUT_PC",
               "bank_fullname": banks["bank_list"][0], "card_type": "DE", "account_type": "P",
               "account_no": "6222000000000000", "account_name": "Zhang San", "notify_url": hook}),
    );
    assert_eq!(reply["result_code"], 0, "{reply}");
    client.ok("POST", "/transfers/fail", Some(json!({"id": reply["id"]})));
    let received = client.ok("GET", "/sink?wait_for=1&timeout_ms=10000", None);
    let first = &received["received"][0];
    assert_eq!(
        first["path"], "/__emulator/sink/payouts",
        "the request's notify_url: {received}"
    );
    let push: Value = serde_json::from_str(first["body"].as_str().unwrap()).unwrap();
    assert_eq!(push["transaction_type"], "TRANSFER");
    assert_eq!(push["trade_success"], false);
    assert_eq!(push["message_detail"]["trade_status"], "REFU");
    assert!(
        client.emu.complete_transfer("errata00007").is_err(),
        "a failed payout is finished"
    );
}

#[test]
fn scan_is_an_alias_of_bc_scan_and_a_knob_copies_bank_lists_to_banks() {
    let client = Client::start(EmulatorConfig {
        bank_list_copy_as_banks: true,
        ..EmulatorConfig::default()
    });
    let reply = client.api(
        "POST",
        "rest/offline/bill",
        &client.app(),
        json!({"channel": "SCAN", "total_fee": 1, "bill_no": "errata00022", "title": "t",
               "auth_code": "134567890123456789"}),
    );
    assert_eq!(reply["result_code"], 0, "{reply}");
    assert_eq!(
        reply["channel_type"], "WX_SCAN",
        "resolved like BC_SCAN: {reply}"
    );
    let banks = client.get_para(
        "rest/bc_transfer/banks",
        &client.app(),
        json!({"type": "P_DE"}),
    );
    assert_eq!(banks["banks"], banks["bank_list"], "{banks}");
    let plain = Client::start(EmulatorConfig::default());
    let banks = plain.get_para(
        "rest/bc_transfer/banks",
        &plain.app(),
        json!({"type": "P_DE"}),
    );
    assert!(banks.get("banks").is_none() && banks["size"].as_u64().unwrap() > 0);
}

#[test]
fn ios_sandbox_routes_answer_only_behind_a_knob() {
    let client = Client::start(EmulatorConfig::default());
    let test_secret = client.emu.config().test_secret.clone();
    let refunds = client.get_para("rest/sandbox/refunds", &test_secret, json!({}));
    assert_eq!(
        (
            refunds["result_code"].as_i64(),
            refunds["refunds"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let count = client.get_para("rest/sandbox/refunds/count", &test_secret, json!({}));
    assert_eq!(count["count"], 0, "{count}");
    assert_eq!(
        client.get_para("rest/sandbox/refund/abc", &test_secret, json!({}))["result_code"],
        13
    );
    let offline = client.api(
        "POST",
        "rest/sandbox/offline/bill",
        &test_secret,
        json!({"channel": "ALI_SCAN", "total_fee": 1, "bill_no": "errata00012", "title": "t",
               "auth_code": "280000000000000000"}),
    );
    assert_eq!(offline["result_code"], 0, "{offline}");
    let status = client.api(
        "POST",
        "rest/sandbox/offline/bill/status",
        &test_secret,
        json!({"bill_no": "errata00012"}),
    );
    assert_eq!(status["result_code"], 0, "{status}");
    let live = client.api(
        "POST",
        "rest/offline/bill/status",
        &client.app(),
        json!({"bill_no": "errata00012"}),
    );
    assert_eq!(
        live["result_code"], 8,
        "the sandbox bill is not a live bill: {live}"
    );

    let off = Client::start(EmulatorConfig {
        ios_sandbox_routes: false,
        ..EmulatorConfig::default()
    });
    let status = off
        .agent
        .get(format!("{}/2/rest/sandbox/refunds", off.emu.base_url()))
        .call()
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 404);
}

#[test]
fn retries_of_sign_pushes_are_re_stamped() {
    let receiver = support::CaptureServer::always(support::Reply::text(200, "success"));
    receiver.push(support::Reply::text(200, "fail"));
    let client = Client::start(EmulatorConfig::default());
    client
        .emu
        .set_webhook_url(Some(&format!("{}/hook", receiver.url())));
    let app = client.app();
    client.active_subscription("13800138003", "q3", "6222000000005678");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while receiver.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the first attempt");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The receiver said "fail"; ten minutes later the retry goes out with a fresh stamp.
    client.emu.advance_clock(Duration::from_secs(600));
    let delivered = client.emu.wait_for_webhooks(1, Duration::from_secs(10));
    assert!(delivered[0].delivered, "{delivered:?}");
    let bodies: Vec<Value> = receiver
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 2);
    let (first, retry) = (&bodies[0], &bodies[1]);
    assert!(retry["timestamp"].as_i64().unwrap() >= first["timestamp"].as_i64().unwrap() + 600_000);
    let expected = format!(
        "{:x}",
        md5::compute(format!(
            "{}{app}{}",
            client.emu.config().app_id,
            retry["timestamp"]
        ))
    );
    assert_eq!(retry["sign"], expected.as_str());
    assert_eq!(
        retry["signature"], first["signature"],
        "signature covers no timestamp"
    );
}

#[test]
fn the_bc_express_sms_code_is_readable_through_the_control_api() {
    let client = Client::start(EmulatorConfig::default());
    let app = client.app();
    let bill = client.api(
        "POST",
        "rest/bill",
        &app,
        json!({"channel": "BC_EXPRESS", "total_fee": 9, "bill_no": "ctlexpress01", "title": "t",
               "buyer_id": "b1", "optional": {"phone_no": "13800138009", "card_no": "6222000011112222",
               "id_no": "320101199001011234", "customer_name": "张三"}}),
    );
    assert_eq!(bill["result_code"], 0, "{bill}");
    let code = client.ok("GET", "/sms?phone=13800138009", None)["code"].clone();
    let confirmed = client.api(
        "POST",
        "rest/bill/confirm",
        &app,
        json!({"token": bill["token"], "bc_bill_id": bill["id"], "verify_code": code}),
    );
    assert_eq!(confirmed["result_code"], 0, "{confirmed}");
}
