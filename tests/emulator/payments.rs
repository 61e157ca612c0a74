//! The emulator's payment side over real HTTP: signing, bills, sandbox, offline, international, refunds,
//! transfers, queries, cashier pages, webhooks and their retries, fault injection, and hostile input.
//! Requests are built and signed by hand the way the Python SDK sends them.
#![cfg(feature = "emulator")]

use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, EmulatorConfig, Fault};

use crate::support;
use serde_json::{Value, json};
use support::{agent, form_encode, md5_hex};

/// 2017-08-25 12:00 in Beijing: the date of every refund_no below.
const T0: i64 = 1_503_633_600_000;
const TODAY: &str = "20170825";

/// Which secret signs a request.
#[derive(Clone, Copy)]
enum Key {
    App,
    Master,
    Test,
}

/// A hand-rolled BeeCloud client around one emulator.
struct Api {
    emu: Emulator,
    agent: ureq::Agent,
}

impl Api {
    fn start() -> Api {
        Self::start_with(EmulatorConfig::default())
    }

    /// An emulator whose live webhooks go to a receiver answering `replies` in turn.
    fn with_receiver(replies: &[&'static str]) -> (Receiver, Api) {
        let receiver = Receiver::start(replies);
        let api = Api::start_with(EmulatorConfig {
            webhook_url: Some(receiver.url.clone()),
            ..Default::default()
        });
        (receiver, api)
    }

    fn start_with(config: EmulatorConfig) -> Api {
        let config = EmulatorConfig {
            webhook_time_scale: 0.001,
            ..config
        };
        let emu = Emulator::start_with(config).expect("the emulator starts");
        emu.set_clock_ms(T0);
        Api {
            emu,
            agent: agent(Duration::from_secs(10)),
        }
    }

    fn secret(&self, key: Key) -> String {
        let config = self.emu.config();
        match key {
            Key::App => config.app_secret.clone(),
            Key::Master => config.master_secret.clone(),
            Key::Test => config.test_secret.clone(),
        }
    }

    /// `fields` plus `app_id`, `timestamp`, `app_sign`.
    fn signed(&self, key: Key, fields: Value) -> Value {
        let app_id = &self.emu.config().app_id;
        let timestamp = chrono::Utc::now().timestamp_millis();
        support::sign_fields(fields, app_id, timestamp, &self.secret(key))
    }

    fn url(&self, path: &str) -> String {
        format!("{}/2/{path}", self.emu.base_url())
    }

    /// POST the fields as a JSON body.
    fn post(&self, path: &str, key: Key, fields: Value) -> Value {
        self.send_json("POST", path, self.signed(key, fields))
    }

    /// PUT the fields as a JSON body.
    fn put(&self, path: &str, key: Key, fields: Value) -> Value {
        self.send_json("PUT", path, self.signed(key, fields))
    }

    fn send_json(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, text) = self.raw(method, &self.url(path), Some(body.to_string()));
        assert_eq!(status, 200, "{method} {path}: {text}");
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
    }

    /// GET with the fields as `?para=<JSON>`.
    fn get(&self, path: &str, key: Key, fields: Value) -> Value {
        let para = form_encode(&self.signed(key, fields).to_string());
        let (status, text) = self.raw("GET", &format!("{}?para={para}", self.url(path)), None);
        assert_eq!(status, 200, "GET {path}: {text}");
        serde_json::from_str(&text).expect("a JSON envelope")
    }

    /// Any request; (status, body).
    fn raw(&self, method: &str, url: &str, body: Option<String>) -> (u16, String) {
        send(&self.agent, method, url, body)
    }

    /// Pays a fresh live WX_NATIVE bill; returns its id.
    fn paid_bill(&self, bill_no: &str, channel: &str, fee: i64) -> String {
        let mut fields =
            json!({"channel": channel, "total_fee": fee, "bill_no": bill_no, "title": "paid bill"});
        if matches!(channel, "ALI_WEB" | "UN_WEB") {
            fields["return_url"] = "https://shop.example/back".into();
        }
        let reply = self.post("rest/bill", Key::App, fields);
        assert_eq!(reply["result_code"], 0, "{reply}");
        let id = reply["id"].as_str().expect("an id").to_owned();
        self.emu
            .complete_payment(&id)
            .expect("the bill can be paid");
        id
    }
}

fn send(agent: &ureq::Agent, method: &str, url: &str, body: Option<String>) -> (u16, String) {
    let request = ureq::http::Request::builder().method(method).uri(url);
    let result = match body {
        Some(body) => agent.run(
            request
                .header("Content-Type", "application/json")
                .body(body)
                .expect("a request"),
        ),
        None => agent.run(request.body(()).expect("a request")),
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(16 << 20)
        .read_to_string()
        .unwrap_or_default();
    (status, text)
}

fn code(reply: &Value) -> i64 {
    reply["result_code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no result_code in {reply}"))
}

/// A webhook receiver answering each POST with the next scripted body (the last one repeats).
struct Receiver {
    url: String,
    server: support::CaptureServer,
}

impl Receiver {
    fn start(script: &[&str]) -> Receiver {
        let last = script.last().copied().unwrap_or_default();
        let server = support::CaptureServer::always(support::Reply::text(200, last));
        for body in script {
            server.push(support::Reply::text(200, body));
        }
        Receiver {
            url: format!("{}/webhook", server.url()),
            server,
        }
    }

    fn received(&self) -> Vec<Value> {
        self.server
            .requests()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }
}

fn webhook_signature(api: &Api, body: &Value) -> String {
    let config = api.emu.config();
    md5_hex(&format!(
        "{}{}{}{}{}{}",
        config.app_id,
        body["transaction_id"].as_str().unwrap(),
        body["transaction_type"].as_str().unwrap(),
        body["channel_type"].as_str().unwrap(),
        body["transaction_fee"].as_i64().unwrap(),
        config.master_secret
    ))
}

// ---------------------------------------------------------------------------------------------------------------
// Authentication

#[test]
fn each_route_accepts_only_its_secret() {
    let api = Api::start();
    let bill =
        |no: &str| json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": no, "title": "t"});
    assert_eq!(
        code(&api.post("rest/bill", Key::App, bill("auth0000001"))),
        0
    );
    assert_eq!(
        code(&api.post("rest/bill", Key::Master, bill("auth0000002"))),
        1
    );
    assert_eq!(
        code(&api.post("rest/bill", Key::Test, bill("auth0000003"))),
        1
    );
    assert_eq!(
        code(&api.post("rest/sandbox/bill", Key::Test, bill("auth0000004"))),
        0
    );
    assert_eq!(
        code(&api.post("rest/sandbox/bill", Key::App, bill("auth0000005"))),
        1
    );
    let refund =
        json!({"refund_no": format!("{TODAY}001"), "bill_no": "nosuchbill1", "refund_fee": 1});
    assert_eq!(code(&api.post("rest/refund", Key::App, refund.clone())), 1);
    assert_eq!(code(&api.post("rest/refund", Key::Master, refund)), 8);
    assert_eq!(code(&api.get("rest/bills", Key::App, json!({}))), 0);
    assert_eq!(code(&api.get("rest/bills", Key::Master, json!({}))), 1);
    // Live non-money routes also take the test secret (the Python SDK in test mode signs them with it).
    assert_eq!(
        code(&api.post("sms", Key::Test, json!({"phone": "13800000000"}))),
        0
    );
    assert_eq!(
        code(&api.post("sms", Key::Master, json!({"phone": "13800000000"}))),
        1
    );
}

#[test]
fn signature_details() {
    let api = Api::start();
    let fields =
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "sign0000001", "title": "t"});
    // Upper-case hex is accepted.
    let mut body = api.signed(Key::App, fields.clone());
    body["app_sign"] = body["app_sign"].as_str().unwrap().to_uppercase().into();
    assert_eq!(code(&api.send_json("POST", "rest/bill", body)), 0);
    // A string timestamp is signed as received.
    let mut body = api.signed(
        Key::App,
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "sign0000002", "title": "t"}),
    );
    let timestamp = body["timestamp"].to_string();
    body["timestamp"] = timestamp.into();
    assert_eq!(code(&api.send_json("POST", "rest/bill", body)), 0);
    // Unknown app, missing signing fields, tampered timestamp.
    let mut body = api.signed(Key::App, fields.clone());
    body["app_id"] = "someone-else".into();
    assert_eq!(code(&api.send_json("POST", "rest/bill", body)), 1);
    let mut body = api.signed(Key::App, fields.clone());
    body.as_object_mut().unwrap().remove("app_sign");
    assert_eq!(code(&api.send_json("POST", "rest/bill", body)), 4);
    let mut body = api.signed(Key::App, fields);
    body["timestamp"] = 1.into();
    let reply = api.send_json("POST", "rest/bill", body);
    assert_eq!(code(&reply), 1);
    assert_eq!(reply["result_msg"], "APP_INVALID");
    assert_eq!(
        reply.as_object().unwrap().len(),
        3,
        "errors carry only the envelope: {reply}"
    );
    // The bank list is unsigned.
    let (status, text) = api.raw(
        "GET",
        &format!(
            "{}?para={}",
            api.url("rest/bc_transfer/banks"),
            form_encode(r#"{"type": "P_DE"}"#)
        ),
        None,
    );
    assert_eq!(status, 200);
    let reply: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&reply), 0);
    assert_eq!(
        reply["size"].as_u64().unwrap() as usize,
        reply["bank_list"].as_array().unwrap().len()
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Online pay

#[test]
fn pay_answers_the_payload_of_each_channel() {
    let api = Api::start();
    let cases: &[(&str, Value, &[&str])] = &[
        (
            "WX_APP",
            json!({}),
            &[
                "app_id",
                "partner_id",
                "package",
                "nonce_str",
                "timestamp",
                "pay_sign",
                "prepay_id",
            ],
        ),
        ("WX_NATIVE", json!({}), &["code_url"]),
        ("BC_NATIVE", json!({}), &["code_url"]),
        (
            "WX_JSAPI",
            json!({"openid": "o1"}),
            &[
                "app_id",
                "package",
                "nonce_str",
                "timestamp",
                "pay_sign",
                "sign_type",
            ],
        ),
        ("WX_WAP", json!({"analysis": {"ip": "1.2.3.4"}}), &["url"]),
        (
            "BC_WX_WAP",
            json!({"analysis": {"ip": "1.2.3.4"}, "return_url": "https://x.example/r"}),
            &["url"],
        ),
        ("ALI_APP", json!({}), &["order_string"]),
        (
            "ALI_WEB",
            json!({"return_url": "https://x.example/r"}),
            &["html", "url"],
        ),
        ("ALI_WAP", json!({}), &["html", "url"]),
        (
            "ALI_QRCODE",
            json!({"return_url": "https://x.example/r", "qr_pay_mode": "1"}),
            &["html", "url"],
        ),
        ("UN_APP", json!({}), &["tn"]),
        (
            "UN_WEB",
            json!({"return_url": "https://x.example/r"}),
            &["html"],
        ),
        (
            "JD_WAP",
            json!({"return_url": "https://x.example/r"}),
            &["html"],
        ),
        ("KUAIQIAN_WEB", json!({}), &["html"]),
        ("YEE_WAP", json!({"identity_id": "user1"}), &["url"]),
        (
            "YEE_NOBANKCARD",
            json!({"cardno": "1", "cardpwd": "2", "frqid": "SZX"}),
            &["url"],
        ),
        ("BD_APP", json!({}), &["orderInfo"]),
        ("BD_WEB", json!({}), &["url"]),
        (
            "BC_GATEWAY",
            json!({"bank": "CMB", "return_url": "https://x.example/r"}),
            &["url"],
        ),
        // Channels the other official SDKs send.
        ("BC_QQ_NATIVE", json!({}), &["code_url"]),
        ("BC_JD_QRCODE", json!({}), &["code_url"]),
        ("BC_ALI_WAP", json!({}), &["code_url"]),
        (
            "JD_B2B",
            json!({"return_url": "https://x.example/r", "bank_code": 9102}),
            &["html"],
        ),
        (
            "BC_ALI_JSAPI",
            json!({"openid": "alipay-user-1"}),
            &["trade_no"],
        ),
        (
            "BC_EXPRESS",
            json!({"buyer_id": "b1", "optional": express_factors()}),
            &["token"],
        ),
        ("PAYPAL_SANDBOX", json!({}), &["url"]),
    ];
    for (n, (channel, extra, keys)) in cases.iter().enumerate() {
        let mut fields = json!({"channel": channel, "total_fee": 100, "bill_no": format!("chan{n:08}"), "title": "支付测试"});
        fields
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let reply = api.post("rest/bill", Key::App, fields);
        assert_eq!(code(&reply), 0, "{channel}: {reply}");
        assert_eq!(reply["result_msg"], "OK");
        assert_eq!(reply["err_detail"], "");
        assert!(reply["id"].is_string(), "{channel}: {reply}");
        for key in *keys {
            assert!(reply[*key].is_string(), "{channel} lacks {key}: {reply}");
        }
    }
}

#[test]
fn return_url_is_required_by_the_channels_that_return_to_a_page() {
    let pay = |api: &Api, n: u32, channel: &str, extra: Value| {
        let mut fields = json!({"channel": channel, "total_fee": 1, "bill_no": format!("rurl{n:08}"),
                                "title": "t"});
        fields
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        api.post("rest/bill", Key::App, fields)
    };
    let api = Api::start();
    let cases = [
        ("BC_WX_WAP", json!({"analysis": {"ip": "1.2.3.4"}})),
        ("BC_ALI_WEB", json!({})),
        ("JD_B2B", json!({"bank_code": 9102})),
        // PHP's rule, the default: always.
        ("BC_GATEWAY", json!({"bank": "CMB"})),
    ];
    for (n, (channel, extra)) in cases.into_iter().enumerate() {
        let reply = pay(&api, n as u32, channel, extra.clone());
        assert_eq!(code(&reply), 4, "{channel}: {reply}");
        assert!(
            reply["err_detail"].as_str().unwrap().contains("return_url"),
            "{reply}"
        );
        let mut with = extra;
        with["return_url"] = "https://x.example/r".into();
        assert_eq!(
            code(&pay(&api, 10 + n as u32, channel, with)),
            0,
            "{channel}"
        );
    }
    // BC_ALI_WAP takes none and ignores one.
    assert_eq!(code(&pay(&api, 20, "BC_ALI_WAP", json!({}))), 0);
    assert_eq!(
        code(&pay(
            &api,
            21,
            "BC_ALI_WAP",
            json!({"return_url": "https://x.example/r"})
        )),
        0
    );

    // The doc's rule: BC_GATEWAY needs one on the JD route (a card_type) only.
    let doc = Api::start_with(EmulatorConfig {
        gateway_return_url_always: false,
        ..Default::default()
    });
    assert_eq!(
        code(&pay(&doc, 30, "BC_GATEWAY", json!({"bank": "CMB"}))),
        0
    );
    let jd_route = pay(
        &doc,
        31,
        "BC_GATEWAY",
        json!({"bank": "CMB", "card_type": "2"}),
    );
    assert_eq!(code(&jd_route), 4, "{jd_route}");
}

#[test]
fn pay_rejects_bad_requests_with_the_documented_codes() {
    let api = Api::start();
    let base =
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "badreq00001", "title": "t"});
    let with = |changes: Value| {
        let mut fields = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                fields.as_object_mut().unwrap().remove(k);
            } else {
                fields[k] = v.clone();
            }
        }
        fields
    };
    let cases = [
        (json!({"channel": null}), 4),
        (json!({"channel": "WX_SCAN"}), 3),
        (json!({"channel": "NOPE"}), 3),
        (json!({"total_fee": null}), 4),
        (json!({"total_fee": 0}), 5),
        (json!({"total_fee": "1"}), 5),
        (json!({"total_fee": 1.5}), 5),
        (json!({"bill_no": "short"}), 5),
        (json!({"bill_no": "has-dash-0001"}), 5),
        (json!({"title": null}), 4),
        (json!({"title": "一二三四五六七八九十一"}), 5),
        (json!({"notify_url": "ftp://x"}), 5),
        (json!({"bill_timeout": 0}), 5),
        (json!({"optional": "text"}), 5),
        (json!({"channel": "ALI_WEB"}), 4),
        (
            json!({"channel": "ALI_WEB", "return_url": "https://x.example/r?a=1"}),
            5,
        ),
        (
            json!({"channel": "ALI_QRCODE", "return_url": "https://x.example/r", "qr_pay_mode": "2"}),
            5,
        ),
        (json!({"channel": "WX_JSAPI"}), 4),
        (json!({"channel": "WX_WAP", "analysis": {}}), 4),
        (
            json!({"channel": "JD_WEB", "return_url": "https://x.example/r", "bill_timeout": 400}),
            5,
        ),
        (
            json!({"channel": "ALI_APP", "optional": {"hb_fq_num": "5"}}),
            5,
        ),
    ];
    for (changes, expected) in cases {
        let reply = api.post("rest/bill", Key::App, with(changes.clone()));
        assert_eq!(code(&reply), expected, "{changes}: {reply}");
    }
    assert_eq!(code(&api.post("rest/bill", Key::App, base.clone())), 0);
    assert_eq!(
        code(&api.post("rest/bill", Key::App, base.clone())),
        17,
        "duplicate bill_no"
    );
    api.emu.set_channel_enabled("WX_APP", false);
    assert_eq!(
        code(&api.post(
            "rest/bill",
            Key::App,
            with(json!({"channel": "WX_APP", "bill_no": "badreq00002"}))
        )),
        2
    );
    // The sandbox ignores channel enablement.
    assert_eq!(
        code(&api.post(
            "rest/sandbox/bill",
            Key::Test,
            with(json!({"channel": "WX_APP", "bill_no": "badreq00002"}))
        )),
        0
    );
}

#[test]
fn cashier_payment_redirects_and_sends_a_verifiable_webhook() {
    let receiver = Receiver::start(&["success"]);
    let api = Api::start();
    let reply = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "ALI_WEB", "total_fee": 1999, "bill_no": "cashier00001", "title": "<b>书</b>",
               "return_url": "https://shop.example/back", "notify_url": receiver.url, "optional": {"order": "42"}}),
    );
    assert_eq!(code(&reply), 0, "{reply}");
    let id = reply["id"].as_str().unwrap();
    let page_url = reply["url"].as_str().unwrap();
    assert_eq!(page_url, api.emu.cashier_url(id));
    assert!(reply["html"].as_str().unwrap().contains(page_url));
    let (status, page) = api.raw("GET", page_url, None);
    assert_eq!(status, 200);
    assert!(
        page.contains("&lt;b&gt;书&lt;/b&gt;") && page.contains("19.99"),
        "{page}"
    );
    let response = api
        .agent
        .run(
            ureq::http::Request::post(page_url)
                .body("action=pay".to_owned())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://shop.example/back?subject="),
        "{location}"
    );
    assert!(location.contains("out_trade_no=cashier00001") && location.contains("total_fee=19.99"));
    assert!(location.contains("trade_status=TRADE_SUCCESS"));

    let delivered = api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].delivered);
    assert_eq!(delivered[0].attempts, 1);
    assert_eq!(delivered[0].url, receiver.url);
    let body = &receiver.received()[0];
    assert_eq!(body["transaction_type"], "PAY");
    assert_eq!(body["channel_type"], "ALI");
    assert_eq!(body["sub_channel_type"], "ALI_WEB");
    assert_eq!(body["transaction_id"], "cashier00001");
    assert_eq!(body["transaction_fee"], 1999);
    assert_eq!(body["trade_success"], true);
    assert_eq!(body["optional"], json!({"order": "42"}));
    assert!(body["message_detail"].is_object() && body["timestamp"].is_i64());
    assert_eq!(body["signature"], webhook_signature(&api, body));
    assert!(body.get("sign").is_none());
    // Paying twice is refused; the bill reads as paid.
    assert_eq!(send_form(&api, page_url, "action=pay").0, 409);
    let bill = &api.get(&format!("rest/bill/{id}"), Key::App, json!({}))["pay"];
    assert_eq!(bill["spay_result"], true);
    assert!(!bill["trade_no"].as_str().unwrap().is_empty());
    assert_eq!(
        bill["optional"], r#"{"order":"42"}"#,
        "optional is JSON text in queries"
    );
    assert!(bill["message_detail"].is_string());
}

/// POSTs an HTML form (no redirects followed).
fn send_form(api: &Api, url: &str, form: &str) -> (u16, String) {
    let request = ureq::http::Request::builder()
        .method("POST")
        .uri(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .unwrap();
    let mut response = api.agent.run(request).expect("a response");
    (
        response.status().as_u16(),
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

#[test]
fn cashier_redirect_location_carries_alipay_parameters() {
    let api = Api::start();
    let reply = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "ALI_WEB", "total_fee": 250, "bill_no": "redirect0001", "title": "t",
               "return_url": "https://shop.example/back"}),
    );
    let request = ureq::http::Request::builder()
        .method("POST")
        .uri(reply["url"].as_str().unwrap())
        .body("action=pay".to_owned())
        .unwrap();
    let response = api.agent.run(request).unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://shop.example/back?subject=t&out_trade_no=redirect0001&"),
        "{location}"
    );
    assert!(
        location.contains("total_fee=2.50") && location.contains("trade_status=TRADE_SUCCESS"),
        "{location}"
    );
    // UnionPay returns with an auto-submitted POST form.
    let reply = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "UN_WEB", "total_fee": 250, "bill_no": "redirect0002", "title": "t",
               "return_url": "https://shop.example/back"}),
    );
    let (status, page) = send_form(
        &api,
        &api.emu.cashier_url(reply["id"].as_str().unwrap()),
        "action=pay",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("name=\"respCode\" value=\"00\"")
            && page.contains("name=\"txnAmt\" value=\"250\""),
        "{page}"
    );
}

#[test]
fn coupons_discount_the_bill_and_are_redeemed_on_payment() {
    let (_receiver, api) = Api::with_receiver(&["success"]);
    let template =
        json!({"name": "满10减1", "type": 0, "limit_fee": 1000, "discount": 1, "status": 1});
    let template_id = api
        .emu
        .add_coupon_template(template.as_object().cloned().unwrap());
    let coupon = api.post(
        "rest/coupon",
        Key::App,
        json!({"template_id": template_id, "user_id": "buyer1"}),
    );
    let coupon_id = coupon["coupon"]["id"]
        .as_str()
        .expect("a coupon")
        .to_owned();
    let pay = |no: &str, fee: i64, buyer: &str| {
        api.post(
            "rest/bill",
            Key::App,
            json!({"channel": "WX_NATIVE", "total_fee": fee, "bill_no": no, "title": "t",
                                               "coupon_id": coupon_id, "buyer_id": buyer}),
        )
    };
    assert_eq!(
        code(&pay("coupon00001", 999, "buyer1")),
        5,
        "below the template's limit_fee"
    );
    assert_eq!(
        code(&pay("coupon00002", 1500, "buyer2")),
        5,
        "someone else's coupon"
    );
    let reply = pay("coupon00003", 1500, "buyer1");
    assert_eq!(code(&reply), 0, "{reply}");
    let coupon_status = || {
        api.get(&format!("rest/coupon/{coupon_id}"), Key::App, json!({}))["coupon"]["status"]
            .clone()
    };
    assert_eq!(coupon_status(), 0, "redeemed only when paid");
    api.emu
        .complete_payment(reply["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(coupon_status(), 1);
    let bill = &api.get(
        &format!("rest/bill/{}", reply["id"].as_str().unwrap()),
        Key::App,
        json!({}),
    )["pay"];
    assert_eq!(
        (
            bill["bill_fee"].as_i64(),
            bill["discount"].as_i64(),
            bill["total_fee"].as_i64()
        ),
        (Some(1500), Some(100), Some(1400))
    );
    assert_eq!(bill["coupon_id"], coupon_id.as_str());
    let hooks = api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    assert_eq!(hooks[0].body["transaction_fee"], 1400, "the paid amount");
    assert_eq!(
        code(&pay("coupon00004", 1500, "buyer1")),
        5,
        "a redeemed coupon cannot be used again"
    );
}

#[test]
fn the_emulator_handle_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
}

#[test]
fn bills_expire_after_bill_timeout() {
    let api = Api::start();
    let reply = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "expire00001", "title": "t", "bill_timeout": 360}),
    );
    api.emu.advance_clock(Duration::from_secs(361));
    let err = api
        .emu
        .complete_payment(reply["id"].as_str().unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    assert!(api.emu.complete_payment("nosuchbill").is_err());
}

/// The four factors (card, ID, name, phone) a first BC_EXPRESS pay carries inside `optional`.
fn express_factors() -> Value {
    json!({"phone_no": "13800138000", "card_no": "6222020200112233445", "id_no": "11010519491231002X",
           "customer_name": "张三"})
}

#[test]
fn bc_express_pay_needs_the_four_factors_or_a_token() {
    let api = Api::start();
    let pay = |n: u32, extra: Value| {
        let mut fields = json!({"channel": "BC_EXPRESS", "total_fee": 5, "bill_no": format!("expf{n:08}"),
                                "title": "t"});
        fields
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        api.post("rest/bill", Key::App, fields)
    };
    assert_eq!(code(&pay(1, json!({"optional": express_factors()}))), 4);
    for factor in ["phone_no", "card_no", "id_no", "customer_name"] {
        let mut optional = express_factors();
        optional.as_object_mut().unwrap().remove(factor);
        let reply = pay(2, json!({"buyer_id": "b1", "optional": optional}));
        assert_eq!(code(&reply), 4, "{factor}: {reply}");
        assert!(
            reply["err_detail"].as_str().unwrap().contains(factor),
            "{reply}"
        );
    }
    let first = pay(3, json!({"buyer_id": "b1", "optional": express_factors()}));
    assert_eq!(code(&first), 0, "{first}");
    let token = first["token"].as_str().unwrap();
    let first_code = api
        .emu
        .last_sms_code("13800138000")
        .expect("a code was sent");
    assert_eq!(first_code.len(), 6);
    assert!(first_code.bytes().all(|b| b.is_ascii_digit()));
    // The token form: the same token, a new code to the same phone; an unknown token is 5.
    let again = pay(4, json!({"buyer_id": "b1", "optional": {"token": token}}));
    assert_eq!(code(&again), 0, "{again}");
    assert_eq!(again["token"], token);
    assert_ne!(again["id"], first["id"]);
    let unknown = pay(
        5,
        json!({"buyer_id": "b1", "optional": {"token": "bctoken-unknown"}}),
    );
    assert_eq!(code(&unknown), 5, "{unknown}");
    // A new four-factor pay gets a new token.
    let other = pay(6, json!({"buyer_id": "b1", "optional": express_factors()}));
    assert_ne!(other["token"], token);
}

#[test]
fn bc_express_confirm_and_reconciliation() {
    let hooks = Receiver::start(&["success"]);
    let api = Api::start_with(EmulatorConfig {
        webhook_url: Some(hooks.url.clone()),
        ..Default::default()
    });
    let reply = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "BC_EXPRESS", "total_fee": 5, "bill_no": "express0001", "title": "t", "buyer_id": "b1",
               "optional": express_factors()}),
    );
    let (id, token) = (
        reply["id"].as_str().unwrap(),
        reply["token"].as_str().unwrap(),
    );
    let sms_code = api.emu.last_sms_code("13800138000").unwrap();
    let wrong_code = if sms_code == "000000" {
        "000001"
    } else {
        "000000"
    };
    let confirm = |token: &str, bill_id: &str, verify_code: &str| {
        api.post(
            "rest/bill/confirm",
            Key::App,
            json!({"token": token, "bc_bill_id": bill_id, "verify_code": verify_code}),
        )
    };
    let reconcile = |api: &Api| api.post("rest/reconciliation", Key::App, json!({"bill_id": id}));
    assert_eq!(reconcile(&api)["pay_status"], "false");
    assert_eq!(code(&confirm("x", id, &sms_code)), 5);
    assert_eq!(code(&confirm(token, id, wrong_code)), 5);
    assert_eq!(code(&confirm(token, "nosuchbill", &sms_code)), 8);
    let missing = api.post(
        "rest/bill/confirm",
        Key::App,
        json!({"token": token, "bc_bill_id": id}),
    );
    assert_eq!(code(&missing), 4);
    // A bill of another channel is 5 whatever the token.
    let native = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "BC_NATIVE", "total_fee": 5, "bill_no": "express0002", "title": "t"}),
    );
    assert_eq!(
        code(&confirm(token, native["id"].as_str().unwrap(), &sms_code)),
        5
    );
    assert_eq!(reconcile(&api)["pay_status"], "false");
    let ok = confirm(token, id, &sms_code);
    assert_eq!(code(&ok), 0, "{ok}");
    assert_eq!(reconcile(&api)["pay_status"], "true");
    let delivered = api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    let push = &delivered[0].body;
    assert_eq!(push["transaction_type"], "PAY");
    assert_eq!(push["channel_type"], "BC");
    assert_eq!(push["sub_channel_type"], "BC_EXPRESS");
    assert_eq!(push["transaction_id"], "express0001");
    // Confirmed again: 0, and no second push.
    assert_eq!(code(&confirm(token, id, &sms_code)), 0);
    assert_eq!(api.emu.webhooks().len(), 1, "a second PAY push");
    assert_eq!(
        code(&api.post("rest/reconciliation", Key::App, json!({"bill_id": "nope"}))),
        8
    );
}

#[test]
fn bc_express_code_expires() {
    let api = Api::start();
    let reply = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "BC_EXPRESS", "total_fee": 5, "bill_no": "express0003", "title": "t", "buyer_id": "b1",
               "optional": express_factors()}),
    );
    let sms_code = api.emu.last_sms_code("13800138000").unwrap();
    api.emu
        .advance_clock(std::time::Duration::from_secs(31 * 60));
    let late = api.post(
        "rest/bill/confirm",
        Key::App,
        json!({"token": reply["token"], "bc_bill_id": reply["id"], "verify_code": sms_code}),
    );
    assert_eq!(code(&late), 5, "{late}");
    assert!(
        late["err_detail"].as_str().unwrap().contains("expired"),
        "{late}"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Sandbox

#[test]
fn sandbox_bills_are_kept_apart_and_notify_the_test_url() {
    let live_hooks = Receiver::start(&["success"]);
    let test_hooks = Receiver::start(&["success"]);
    let api = Api::start_with(EmulatorConfig {
        webhook_url: Some(live_hooks.url.clone()),
        test_webhook_url: Some(test_hooks.url.clone()),
        ..Default::default()
    });
    let fields = json!({"channel": "UN_WEB", "total_fee": 1, "bill_no": "201708251200001", "title": "t",
                        "return_url": "https://x.example/r"});
    let sandbox = api.post("rest/sandbox/bill", Key::Test, fields.clone());
    assert_eq!(code(&sandbox), 0);
    // The same bill_no is free in the live namespace.
    let live = api.post("rest/bill", Key::App, fields);
    assert_eq!(code(&live), 0);
    let sandbox_id = sandbox["id"].as_str().unwrap();
    assert_eq!(
        code(&api.get(&format!("rest/bill/{sandbox_id}"), Key::App, json!({}))),
        8
    );
    assert_eq!(
        code(&api.get(
            &format!("rest/sandbox/bill/{sandbox_id}"),
            Key::Test,
            json!({})
        )),
        0
    );
    api.emu.complete_payment(sandbox_id).unwrap();
    let sandbox_bills = api.get(
        "rest/sandbox/bills",
        Key::Test,
        json!({"channel": "UN", "limit": 5}),
    );
    assert_eq!(sandbox_bills["bills"].as_array().unwrap().len(), 1);
    assert_eq!(sandbox_bills["bills"][0]["spay_result"], true);
    assert_eq!(
        api.get(
            "rest/sandbox/bills/count",
            Key::Test,
            json!({"spay_result": true})
        )["count"],
        1
    );
    assert_eq!(
        api.get("rest/bills/count", Key::App, json!({"spay_result": true}))["count"],
        0
    );
    api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    assert_eq!(test_hooks.received().len(), 1);
    assert!(live_hooks.received().is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// Queries

#[test]
fn bill_queries_filter_page_and_count() {
    let api = Api::start();
    for n in 0..12 {
        let channel = if n % 3 == 0 { "ALI_APP" } else { "WX_NATIVE" };
        let reply = api.post(
            "rest/bill",
            Key::App,
            json!({"channel": channel, "total_fee": 10 + n, "bill_no": format!("query{n:06}"), "title": "t",
                   "buyer_id": format!("buyer{}", n % 2)}),
        );
        assert_eq!(code(&reply), 0);
        if n < 5 {
            api.emu
                .complete_payment(reply["id"].as_str().unwrap())
                .unwrap();
        }
        api.emu.advance_clock(Duration::from_secs(1));
    }
    let bills = |filter: Value| api.get("rest/bills", Key::App, filter);
    let count = |filter: Value| {
        api.get("rest/bills/count", Key::App, filter)["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        bills(json!({}))["bills"].as_array().unwrap().len(),
        10,
        "default limit 10"
    );
    assert_eq!(count(json!({})), 12);
    assert_eq!(count(json!({"channel": "ALI"})), 4);
    assert_eq!(count(json!({"channel": "WX_NATIVE"})), 8);
    assert_eq!(count(json!({"channel": "WX_APP"})), 0);
    assert_eq!(count(json!({"spay_result": true})), 5);
    assert_eq!(count(json!({"spay_result": true, "channel": "ALI"})), 2);
    assert_eq!(count(json!({"buyer_id": "buyer1"})), 6);
    // Bill n was created at T0 + n s (+ less than a second of real time).
    assert_eq!(
        count(json!({"start_time": T0 + 4_500, "end_time": T0 + 7_500})),
        3
    );
    // Ignored on count routes.
    assert_eq!(
        count(json!({"skip": 0, "limit": 0, "need_detail": false})),
        12
    );
    let page = bills(json!({"skip": 10, "limit": 5}));
    assert_eq!(page["bills"].as_array().unwrap().len(), 2);
    let newest = &bills(json!({"limit": 1}))["bills"][0];
    assert_eq!(newest["bill_no"], "query000011", "newest first");
    assert!(newest.get("message_detail").is_none());
    let detailed = &bills(json!({"limit": 1, "need_detail": true}))["bills"][0];
    assert!(detailed["message_detail"].is_string());
    for key in [
        "id",
        "bill_no",
        "bill_fee",
        "total_fee",
        "discount",
        "coupon_id",
        "trade_no",
        "channel",
        "sub_channel",
        "title",
        "spay_result",
        "create_time",
        "optional",
        "revert_result",
        "refund_result",
    ] {
        assert!(newest.get(key).is_some(), "bill JSON lacks {key}: {newest}");
    }
    assert_eq!(
        bills(json!({"limit": 500}))["bills"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(code(&bills(json!({"channel": "XX"}))), 3);
    assert_eq!(code(&bills(json!({"limit": 0}))), 5);
    assert_eq!(code(&bills(json!({"skip": -1}))), 5);
    assert_eq!(code(&bills(json!({"spay_result": "yes"}))), 5);
    assert_eq!(
        code(&api.get("rest/bill/unknown-id", Key::App, json!({}))),
        8
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Refunds

#[test]
fn direct_refunds_complete_and_notify() {
    let (_receiver, api) = Api::with_receiver(&["success"]);
    api.paid_bill("refund00001", "WX_NATIVE", 100);
    let refund = |no: &str, fee: i64| {
        api.post("rest/refund", Key::Master, json!({"refund_no": format!("{TODAY}{no}"), "bill_no": "refund00001",
                                                    "refund_fee": fee, "optional": {"why": "退货"}}))
    };
    assert_eq!(code(&refund("001", 101)), 12, "more than paid");
    let ok = refund("002", 60);
    assert_eq!(code(&ok), 0, "{ok}");
    assert!(ok.get("url").is_none());
    assert_eq!(
        code(&refund("003", 10)),
        12,
        "one successful refund per bill"
    );
    let status = api.get(
        "rest/refund/status",
        Key::App,
        json!({"channel": "WX", "refund_no": format!("{TODAY}002")}),
    );
    assert_eq!(status["refund_status"], "SUCCESS");
    let hooks = api.emu.wait_for_webhooks(2, Duration::from_secs(5));
    let refund_hook = &hooks
        .iter()
        .find(|w| w.body["transaction_type"] == "REFUND")
        .unwrap()
        .body;
    assert_eq!(refund_hook["transaction_id"], format!("{TODAY}002"));
    assert_eq!(refund_hook["transaction_fee"], 60);
    assert_eq!(refund_hook["channel_type"], "WX");
    assert_eq!(refund_hook["sub_channel_type"], "WX_NATIVE");
    assert_eq!(
        refund_hook["signature"],
        webhook_signature(&api, refund_hook)
    );
    let id = ok["id"].as_str().unwrap();
    let record = &api.get(&format!("rest/refund/{id}"), Key::App, json!({}))["refund"];
    assert_eq!(
        (
            record["finish"].clone(),
            record["result"].clone(),
            record["refund_fee"].clone()
        ),
        (json!(true), json!(true), json!(60))
    );
    assert_eq!(record["total_fee"], 100);
    let bill = &api.get("rest/bills", Key::App, json!({"bill_no": "refund00001"}))["bills"][0];
    assert_eq!(bill["refund_result"], true);
    assert_eq!(
        api.get("rest/refunds/count", Key::App, json!({"channel": "WX"}))["count"],
        1
    );
    assert_eq!(
        api.get(
            "rest/refunds",
            Key::App,
            json!({"refund_no": format!("{TODAY}002")})
        )["refunds"][0]["id"],
        id
    );
}

#[test]
fn refund_errors() {
    let api = Api::start();
    api.paid_bill("refundErr01", "ALI_APP", 100);
    let unpaid = api.post(
        "rest/bill",
        Key::App,
        json!({"channel": "WX_APP", "total_fee": 5, "bill_no": "refundErr02", "title": "t"}),
    );
    assert_eq!(code(&unpaid), 0);
    let refund = |fields: Value| api.post("rest/refund", Key::Master, fields);
    let base = |no: &str, bill: &str| json!({"refund_no": format!("{TODAY}{no}"), "bill_no": bill, "refund_fee": 1});
    assert_eq!(code(&refund(base("100", "nosuchbill"))), 8);
    assert_eq!(code(&refund(base("101", "refundErr02"))), 9);
    assert_eq!(
        code(&refund(json!({"bill_no": "refundErr01", "refund_fee": 1}))),
        4
    );
    assert_eq!(
        code(&refund(
            json!({"refund_no": "20170824001", "bill_no": "refundErr01", "refund_fee": 1})
        )),
        5,
        "yesterday"
    );
    assert_eq!(
        code(&refund(
            json!({"refund_no": format!("{TODAY}000"), "bill_no": "refundErr01", "refund_fee": 1})
        )),
        5
    );
    assert_eq!(
        code(&refund(
            json!({"refund_no": format!("{TODAY}102"), "bill_no": "refundErr01", "refund_fee": 0})
        )),
        5
    );
    let mut wrong_channel = base("103", "refundErr01");
    wrong_channel["channel"] = "WX".into();
    assert_eq!(code(&refund(wrong_channel)), 3);
    let mut bad_channel = base("104", "refundErr01");
    bad_channel["channel"] = "PAYPAL".into();
    assert_eq!(code(&refund(bad_channel)), 3);
    let mut bad_account = base("105", "refundErr01");
    bad_account["refund_account"] = 2.into();
    assert_eq!(code(&refund(bad_account)), 5);
    // An Alipay refund waits for the password: a second one is "already refunding".
    let ali = refund(base("106", "refundErr01"));
    assert_eq!(code(&ali), 0);
    assert!(ali["url"].is_string());
    assert_eq!(code(&refund(base("107", "refundErr01"))), 11);
    assert_eq!(code(&refund(base("106", "refundErr01"))), 11);
    // A failed refund frees the bill again; refund_no stays taken.
    let id = ali["id"].as_str().unwrap();
    api.emu.fail_refund(id).unwrap();
    assert_eq!(
        code(&refund(base("106", "refundErr01"))),
        5,
        "duplicate refund_no"
    );
    assert_eq!(code(&refund(base("108", "refundErr01"))), 0);
    assert!(api.emu.complete_refund(id).is_err(), "already finished");
    let status = |no: &str, channel: &str| {
        api.get(
            "rest/refund/status",
            Key::App,
            json!({"channel": channel, "refund_no": no}),
        )
    };
    assert_eq!(
        code(&status(&format!("{TODAY}106"), "ALI")),
        3,
        "status is for WX, YEE, KUAIQIAN, BD"
    );
    assert_eq!(code(&status("nosuchrefund", "WX")), 13);
    assert_eq!(
        code(&api.get("rest/refund/status", Key::App, json!({"refund_no": "x"}))),
        4
    );
    assert_eq!(
        code(&api.get("rest/refund/nosuchid", Key::App, json!({}))),
        13
    );
}

#[test]
fn alipay_refund_confirmation_page_completes_it() {
    let receiver = Receiver::start(&["success"]);
    let api = Api::start();
    api.paid_bill("aliRefund01", "ALI_WEB", 100);
    let reply = api.post(
        "rest/refund",
        Key::Master,
        json!({"channel": "ALI", "refund_no": format!("{TODAY}001"), "bill_no": "aliRefund01", "refund_fee": 100,
               "notify_url": receiver.url}),
    );
    assert_eq!(code(&reply), 0, "{reply}");
    let url = reply["url"].as_str().unwrap();
    let id = reply["id"].as_str().unwrap();
    assert_eq!(
        api.get(&format!("rest/refund/{id}"), Key::App, json!({}))["refund"]["finish"],
        false
    );
    let (status, page) = api.raw("GET", url, None);
    assert_eq!(status, 200);
    assert!(page.contains(&format!("{TODAY}001")));
    assert_eq!(send_form(&api, url, "action=pay").0, 200);
    assert_eq!(
        api.get(&format!("rest/refund/{id}"), Key::App, json!({}))["refund"]["result"],
        true
    );
    // The PAY push (to the own sink) and the REFUND push.
    api.emu.wait_for_webhooks(2, Duration::from_secs(5));
    let hook = receiver
        .received()
        .into_iter()
        .find(|b| b["transaction_type"] == "REFUND")
        .expect("a REFUND webhook");
    assert_eq!(hook["transaction_fee"], 100);
    assert_eq!(send_form(&api, url, "action=pay").0, 409, "confirmed once");
}

#[test]
fn pre_refunds_are_audited() {
    let api = Api::start();
    api.paid_bill("preRefund01", "WX_NATIVE", 100);
    api.paid_bill("preRefund02", "WX_NATIVE", 100);
    api.paid_bill("preRefund03", "ALI_APP", 100);
    let pre = |no: &str, bill: &str| {
        api.post(
            "rest/refund",
            Key::Master,
            json!({"refund_no": format!("{TODAY}{no}"), "bill_no": bill,
                                                    "refund_fee": 50, "need_approval": true}),
        )
    };
    let first = pre("001", "preRefund01");
    assert_eq!(code(&first), 0);
    assert!(first.get("url").is_none());
    assert_eq!(
        code(&pre("002", "preRefund01")),
        16,
        "one pending pre-refund per bill"
    );
    let direct = api.post(
        "rest/refund",
        Key::Master,
        json!({"refund_no": format!("{TODAY}003"), "bill_no": "preRefund01", "refund_fee": 1}),
    );
    assert_eq!(code(&direct), 11);
    let second = pre("004", "preRefund02");
    let ali = pre("005", "preRefund03");
    let (first, second, ali) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
        ali["id"].as_str().unwrap(),
    );
    assert_eq!(
        api.get(
            "rest/refunds/count",
            Key::App,
            json!({"need_approval": true})
        )["count"],
        3
    );
    assert_eq!(
        api.get(
            "rest/refunds/count",
            Key::App,
            json!({"need_approval": false})
        )["count"],
        0
    );
    assert_eq!(
        api.get(
            "rest/refund/status",
            Key::App,
            json!({"channel": "WX", "refund_no": format!("{TODAY}001")})
        )["refund_status"],
        "PROCESSING"
    );

    let audit = api.put(
        "rest/refund",
        Key::Master,
        json!({"channel": "WX", "ids": [first, "nosuchid", ali], "agree": true}),
    );
    assert_eq!(code(&audit), 0, "{audit}");
    assert_eq!(audit["result_map"][first], "OK");
    assert_ne!(audit["result_map"]["nosuchid"], "OK");
    assert_ne!(audit["result_map"][ali], "OK", "not a WX pre-refund");
    assert!(audit.get("url").is_none());
    assert_eq!(
        api.get(
            "rest/refund/status",
            Key::App,
            json!({"channel": "WX", "refund_no": format!("{TODAY}001")})
        )["refund_status"],
        "SUCCESS"
    );

    let deny = api.put(
        "rest/refund",
        Key::Master,
        json!({"channel": "WX", "ids": [second], "agree": false, "deny_reason": "no"}),
    );
    assert_eq!(audit["result_map"].as_object().unwrap().len(), 3);
    assert_eq!(deny["result_map"][second], "OK");
    assert_eq!(
        api.get(
            "rest/refund/status",
            Key::App,
            json!({"channel": "WX", "refund_no": format!("{TODAY}004")})
        )["refund_status"],
        "FAIL"
    );
    // The denied bill can be refunded again.
    let again = api.post(
        "rest/refund",
        Key::Master,
        json!({"refund_no": format!("{TODAY}006"), "bill_no": "preRefund02", "refund_fee": 1}),
    );
    assert_eq!(code(&again), 0);

    let ali_audit = api.put(
        "rest/refund",
        Key::Master,
        json!({"channel": "ALI", "ids": [ali], "agree": true}),
    );
    assert_eq!(ali_audit["result_map"][ali], "OK");
    let url = ali_audit["url"]
        .as_str()
        .expect("one confirmation page for approved Alipay refunds");
    assert_eq!(send_form(&api, url, "action=pay").0, 200);
    assert_eq!(
        api.get(&format!("rest/refund/{ali}"), Key::App, json!({}))["refund"]["result"],
        true
    );

    assert_eq!(
        code(&api.put(
            "rest/refund",
            Key::Master,
            json!({"ids": [first], "agree": true})
        )),
        4
    );
    assert_eq!(
        code(&api.put(
            "rest/refund",
            Key::Master,
            json!({"channel": "WX", "ids": [first]})
        )),
        4
    );
    assert_eq!(
        code(&api.put(
            "rest/refund",
            Key::Master,
            json!({"channel": "WX", "ids": "x", "agree": true})
        )),
        5
    );
    assert_eq!(
        code(&api.put(
            "rest/refund",
            Key::Master,
            json!({"channel": "PAYPAL", "ids": [first], "agree": true})
        )),
        3
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Offline

#[test]
fn offline_scan_pay_status_revert_and_refund() {
    let api = Api::start();
    let pay = |channel: &str, no: &str, extra: Value| {
        let mut fields = json!({"channel": channel, "total_fee": 10, "bill_no": no, "title": "t"});
        fields
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        api.post("rest/offline/bill", Key::App, fields)
    };
    let scan = pay(
        "ALI_SCAN",
        "offline0001",
        json!({"auth_code": "284587896132465487", "terminal_id": "POS-01"}),
    );
    assert_eq!(code(&scan), 0, "{scan}");
    assert_eq!(scan["pay_result"], false, "waits for the payer's password");
    let status = |no: &str| api.post("rest/offline/bill/status", Key::App, json!({"bill_no": no}));
    assert_eq!(status("offline0001")["pay_result"], false);
    api.emu.complete_payment("offline0001").unwrap();
    assert_eq!(status("offline0001")["pay_result"], true);
    assert_eq!(code(&status("nosuchbill1")), 8);
    let revert = |no: &str| {
        api.post(
            &format!("rest/offline/bill/{no}"),
            Key::App,
            json!({"method": "REVERT", "channel": "ALI_SCAN"}),
        )
    };
    assert_eq!(
        revert("offline0001")["revert_status"],
        false,
        "paid bills are refunded, not reverted"
    );
    let refund = api.post("rest/offline/refund", Key::Master,
        json!({"channel": "ALI_SCAN", "refund_no": format!("{TODAY}001"), "bill_no": "offline0001", "refund_fee": 10}));
    assert_eq!(code(&refund), 0, "{refund}");
    assert_eq!(refund["refund_result"], true);

    let pending = pay(
        "WX_SCAN",
        "offline0002",
        json!({"auth_code": "134587896132465487"}),
    );
    assert_eq!(code(&pending), 0);
    assert_eq!(revert("offline0002")["revert_status"], true);
    assert!(
        api.emu.complete_payment("offline0002").is_err(),
        "reverted bills cannot be paid"
    );
    assert_eq!(code(&revert("nosuchbill1")), 8);
    assert_eq!(
        code(&api.post(
            "rest/offline/bill/offline0002",
            Key::App,
            json!({"method": "CANCEL"})
        )),
        5
    );
    assert_eq!(
        code(&api.post("rest/offline/bill/offline0002", Key::App, json!({}))),
        4
    );

    let qr = pay("ALI_OFFLINE_QRCODE", "offline0003", json!({}));
    assert!(qr["code_url"].is_string() && qr["code_url"] == qr["qr_code"]);
    let bc_scan = pay(
        "BC_SCAN",
        "offline0004",
        json!({"auth_code": "134587896132465487"}),
    );
    assert_eq!(bc_scan["channel_type"], "WX_SCAN");
    assert_eq!(
        code(&pay("WX_SCAN", "offline0005", json!({}))),
        4,
        "auth_code"
    );
    assert_eq!(code(&pay("WX_APP", "offline0006", json!({}))), 3);
    assert_eq!(
        code(&pay(
            "ALI_SCAN",
            "offline0007",
            json!({"auth_code": "2", "terminal_id": "x".repeat(33)})
        )),
        5
    );
    let bills = api.get("rest/bills", Key::App, json!({"channel": "ALI"}));
    assert_eq!(
        bills["bills"].as_array().unwrap().len(),
        2,
        "offline bills are ordinary bills"
    );
}

#[test]
fn scan_payments_can_be_immediate() {
    let api = Api::start_with(EmulatorConfig {
        scan_pays_immediately: true,
        ..Default::default()
    });
    let reply = api.post(
        "rest/offline/bill",
        Key::App,
        json!({"channel": "WX_SCAN", "total_fee": 1, "bill_no": "instant0001", "title": "t", "auth_code": "1345"}),
    );
    assert_eq!(reply["pay_result"], true);
}

// ---------------------------------------------------------------------------------------------------------------
// International

#[test]
fn paypal_payments() {
    let api = Api::start();
    let card = json!({"card_number": "4111111111111111", "expire_month": 12, "expire_year": 2027, "cvv": "123",
                      "first_name": "Jane", "last_name": "Doe", "card_type": "visa"});
    let pay = |fields: Value| api.post("rest/international/bill", Key::App, fields);
    let by_card = pay(
        json!({"channel": "PAYPAL_CREDITCARD", "total_fee": 1, "currency": "USD", "bill_no": "paypal00001",
                            "title": "t", "credit_card_info": card}),
    );
    assert_eq!(code(&by_card), 0, "{by_card}");
    let card_id = by_card["credit_card_id"].as_str().unwrap();
    let saved = pay(
        json!({"channel": "PAYPAL_SAVED_CREDITCARD", "total_fee": 2, "currency": "USD",
                          "bill_no": "paypal00002", "title": "t", "credit_card_id": card_id}),
    );
    assert_eq!(code(&saved), 0);
    assert_eq!(
        api.get(
            "rest/bills/count",
            Key::App,
            json!({"channel": "PAYPAL", "spay_result": true})
        )["count"],
        2
    );
    let unknown = pay(
        json!({"channel": "PAYPAL_SAVED_CREDITCARD", "total_fee": 2, "currency": "USD",
                            "bill_no": "paypal00003", "title": "t", "credit_card_id": "CARD-NOPE"}),
    );
    assert_eq!(code(&unknown), 5);
    let mut bad_card = card.clone();
    bad_card["card_type"] = "diners".into();
    assert_eq!(
        code(&pay(
            json!({"channel": "PAYPAL_CREDITCARD", "total_fee": 1, "currency": "USD",
                                "bill_no": "paypal00004", "title": "t", "credit_card_info": bad_card})
        )),
        5
    );
    assert_eq!(
        code(&pay(
            json!({"channel": "PAYPAL_PAYPAL", "total_fee": 1, "currency": "XXX", "bill_no": "paypal00005",
                                "title": "t", "return_url": "https://x.example/r"})
        )),
        5
    );
    assert_eq!(
        code(&pay(
            json!({"channel": "PAYPAL_PAYPAL", "total_fee": 1, "currency": "USD", "bill_no": "paypal00006",
                                "title": "t"})
        )),
        4
    );
    assert_eq!(
        code(&pay(
            json!({"channel": "WX_APP", "total_fee": 1, "currency": "USD", "bill_no": "paypal00007", "title": "t"})
        )),
        3
    );

    // The approval page sends the buyer back with result=approved (or cancel). The documented /1/ path works too.
    let fields = json!({"channel": "PAYPAL_PAYPAL", "total_fee": 1, "currency": "EUR", "bill_no": "paypal00008",
                        "title": "t", "return_url": "https://shop.example/paypal"});
    let (_, text) = api.raw(
        "POST",
        &format!("{}/1/rest/international/bill", api.emu.base_url()),
        Some(api.signed(Key::App, fields).to_string()),
    );
    let reply: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&reply), 0, "{reply}");
    let url = reply["url"].as_str().unwrap();
    let cancel = api
        .agent
        .run(
            ureq::http::Request::post(url)
                .body("action=cancel".to_owned())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(
        cancel.headers()["location"],
        "https://shop.example/paypal?bill_no=paypal00008&result=cancel"
    );
    let approve = api
        .agent
        .run(
            ureq::http::Request::post(url)
                .body("action=pay".to_owned())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(
        approve.headers()["location"],
        "https://shop.example/paypal?bill_no=paypal00008&result=approved"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Transfers

#[test]
fn bank_card_transfers() {
    let (receiver, api) = Api::with_receiver(&["success"]);
    let transfer = |changes: Value| {
        let mut fields = json!({"total_fee": 100, "bill_no": "card0000001", "title": "打款", "trade_source": "OUT_PC",
                                "bank_fullname": "中国银行", "card_type": "DE", "account_type": "C",
                                "account_no": "6222020200112233445", "account_name": "某公司", "optional": {"k": "v"}});
        fields
            .as_object_mut()
            .unwrap()
            .extend(changes.as_object().unwrap().clone());
        api.post("rest/bc_transfer", Key::Master, fields)
    };
    assert_eq!(
        code(&transfer(json!({"bank_fullname": "中行"}))),
        5,
        "abbreviations are rejected"
    );
    assert_eq!(code(&transfer(json!({"trade_source": "IN_PC"}))), 5);
    assert_eq!(code(&transfer(json!({"card_type": "XX"}))), 5);
    assert_eq!(code(&transfer(json!({"account_type": "X"}))), 5);
    assert_eq!(code(&transfer(json!({"account_name": ""}))), 4);
    let ok = transfer(json!({}));
    assert_eq!(code(&ok), 0, "{ok}");
    assert!(ok["id"].is_string());
    assert_eq!(code(&transfer(json!({}))), 17);
    api.emu.complete_transfer("card0000001").unwrap();
    assert!(api.emu.complete_transfer("card0000001").is_err());
    api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    let hook = &receiver.received()[0];
    assert_eq!(
        (
            hook["transaction_type"].as_str(),
            hook["channel_type"].as_str(),
            hook["sub_channel_type"].as_str()
        ),
        (Some("TRANSFER"), Some("BC"), Some("BC_TRANSFER"))
    );
    assert_eq!(hook["transaction_id"], "card0000001");
    assert_eq!(hook["message_detail"]["trade_status"], "FINI");
    assert_eq!(hook["optional"], json!({"k": "v"}));
    assert_eq!(hook["signature"], webhook_signature(&api, hook));

    let banks = |kind: &str| {
        let url = format!(
            "{}?para={}",
            api.url("rest/bc_transfer/banks"),
            form_encode(&json!({"type": kind}).to_string())
        );
        serde_json::from_str::<Value>(&api.raw("GET", &url, None).1).unwrap()
    };
    assert!(
        banks("C")["bank_list"]
            .as_array()
            .unwrap()
            .contains(&json!("中国银行"))
    );
    assert_eq!(code(&banks("X")), 5);
    let (_, text) = api.raw(
        "GET",
        &format!("{}?para=%7B%7D", api.url("rest/bc_transfer/banks")),
        None,
    );
    assert_eq!(code(&serde_json::from_str(&text).unwrap()), 4);
}

#[test]
fn wechat_and_alipay_transfers() {
    let (_receiver, api) = Api::with_receiver(&["success"]);
    let transfer = |fields: Value| api.post("rest/transfer", Key::Master, fields);
    let redpack = |no: &str, fee: i64| {
        json!({"channel": "WX_REDPACK", "transfer_no": no, "total_fee": fee, "desc": "d",
        "channel_user_id": "openid", "redpack_info": {"send_name": "BeeCloud", "wishing": "祝福", "act_name": "活动"}})
    };
    let sent = transfer(redpack("2017082512", 100));
    assert_eq!(code(&sent), 0, "{sent}");
    assert!(sent.get("url").is_none());
    assert_eq!(
        code(&transfer(redpack("2017082512", 100))),
        5,
        "duplicate transfer_no"
    );
    assert_eq!(code(&transfer(redpack("201708251", 100))), 5, "10 digits");
    assert_eq!(code(&transfer(redpack("2017082513", 99))), 5, "at least ¥1");
    assert_eq!(
        code(&transfer(redpack("2017082514", 20001))),
        5,
        "at most ¥200"
    );
    let mut no_info = redpack("2017082515", 100);
    no_info.as_object_mut().unwrap().remove("redpack_info");
    assert_eq!(code(&transfer(no_info)), 4);
    assert_eq!(
        code(&transfer(
            json!({"channel": "WX_TRANSFER", "transfer_no": "wxtr0001", "total_fee": 100, "desc": "d", "channel_user_id": "o"})
        )),
        0
    );
    assert_eq!(
        code(&transfer(
            json!({"channel": "ALI_APP", "transfer_no": "x", "total_fee": 1})
        )),
        3
    );
    let ali = transfer(
        json!({"channel": "ALI_TRANSFER", "transfer_no": "201708251800001", "total_fee": 1, "desc": "d",
                              "channel_user_id": "py@beecloud.cn", "channel_user_name": "py", "account_name": "公司"}),
    );
    assert_eq!(code(&ali), 0, "{ali}");
    let url = ali["url"].as_str().unwrap();
    assert_eq!(send_form(&api, url, "action=pay").0, 200);
    let batch = api.post("rest/transfers", Key::Master, json!({"channel": "ALI", "batch_no": "201708251500001",
        "account_name": "公司", "transfer_data": [
            {"transfer_id": "t1", "receiver_account": "a1", "receiver_name": "n1", "transfer_fee": 1, "transfer_note": "x"},
            {"transfer_id": "t2", "receiver_account": "a2", "receiver_name": "n2", "transfer_fee": 2}]}));
    assert_eq!(code(&batch), 0, "{batch}");
    api.emu
        .complete_transfer(batch["id"].as_str().unwrap())
        .unwrap();
    let hooks = api.emu.wait_for_webhooks(3, Duration::from_secs(5));
    let ids: Vec<&str> = hooks
        .iter()
        .map(|w| w.body["transaction_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["201708251800001", "t1", "t2"]);
    assert!(
        hooks
            .iter()
            .all(|w| w.body["sub_channel_type"] == "ALI_TRANSFER")
    );
    let bad = |fields: Value| code(&api.post("rest/transfers", Key::Master, fields));
    assert_eq!(
        bad(
            json!({"channel": "WX", "batch_no": "201708251500002", "account_name": "a", "transfer_data": []})
        ),
        3
    );
    assert_eq!(
        bad(
            json!({"channel": "ALI", "batch_no": "201708251500002", "account_name": "a", "transfer_data": []})
        ),
        4
    );
    assert_eq!(
        bad(
            json!({"channel": "ALI", "batch_no": "short", "account_name": "a", "transfer_data": [{}]})
        ),
        5
    );
    assert_eq!(
        bad(
            json!({"channel": "ALI", "batch_no": "201708251500002", "account_name": "a",
        "transfer_data": [{"transfer_id": "t", "receiver_account": "a", "receiver_name": "n", "transfer_fee": "1"}]})
        ),
        5
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook delivery

#[test]
fn webhooks_are_retried_until_the_receiver_says_success() {
    let (receiver, api) = Api::with_receiver(&["fail", "", "  success\n"]);
    api.paid_bill("retry000001", "WX_NATIVE", 1);
    let hooks = api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    assert!(hooks[0].delivered, "{hooks:?}");
    assert_eq!(hooks[0].attempts, 3);
    assert_eq!(hooks[0].last_response.as_deref(), Some("  success\n"));
    assert_eq!(receiver.received().len(), 3);
    assert!(
        receiver
            .received()
            .iter()
            .all(|b| b == &receiver.received()[0]),
        "the same payload each time"
    );
}

#[test]
fn webhooks_give_up_after_eighteen_attempts() {
    let (receiver, api) = Api::with_receiver(&["no"]);
    api.paid_bill("giveup00001", "WX_NATIVE", 1);
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while receiver.received().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for(1);
    // Retries follow the emulator clock: jumping past 2^17 s (× the scale) makes every remaining one due.
    api.emu.advance_clock(Duration::from_secs(1 << 18));
    wait_for(18);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(receiver.received().len(), 18);
    let hook = &api.emu.webhooks()[0];
    assert_eq!((hook.attempts, hook.delivered), (18, false));
}

#[test]
fn without_a_destination_pushes_go_to_the_own_sink_and_unreachable_receivers_are_logged() {
    let api = Api::start();
    api.paid_bill("nohook00001", "WX_NATIVE", 1);
    let delivered = api.emu.wait_for_webhooks(1, Duration::from_secs(5));
    assert!(
        delivered[0].delivered && delivered[0].url.ends_with("/__emulator/sink/live"),
        "{delivered:?}"
    );
    api.emu.set_webhook_url(Some("http://127.0.0.1:9/closed"));
    api.paid_bill("nohook00002", "WX_NATIVE", 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while api.emu.webhooks().get(1).is_none_or(|w| w.attempts == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let hook = &api.emu.webhooks()[1];
    assert!(!hook.delivered);
    assert!(
        hook.last_response
            .as_deref()
            .unwrap()
            .contains("transport error"),
        "{hook:?}"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Faults and hostile input

#[test]
fn every_fault_is_served_once() {
    let api = Api::start();
    let bill = |no: &str| {
        api.signed(
            Key::App,
            json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": no, "title": "t"}),
        )
        .to_string()
    };
    let url = api.url("rest/bill");

    api.emu.inject_fault("/2/rest/bill", Fault::HttpStatus(500));
    let (status, text) = api.raw("POST", &url, Some(bill("fault000001")));
    assert_eq!(status, 500);
    assert!(text.contains("<html>"));
    let (status, text) = api.raw("POST", &url, Some(bill("fault000001")));
    assert_eq!(
        (status, code(&serde_json::from_str(&text).unwrap())),
        (200, 0),
        "one-shot"
    );

    api.emu.inject_fault("/2/rest/bill", Fault::NonJson);
    assert_eq!(
        api.raw("POST", &url, Some(bill("fault000002"))),
        (200, "success".to_owned())
    );
    api.emu
        .inject_fault("/2/rest/bill", Fault::MissingResultCode);
    assert_eq!(
        api.raw("POST", &url, Some(bill("fault000003"))),
        (200, r#"{"id":"x"}"#.to_owned())
    );
    api.emu
        .inject_fault("/2/rest/bill", Fault::Oversized(3 << 20));
    let (status, text) = api.raw("POST", &url, Some(bill("fault000004")));
    assert_eq!((status, text.len()), (200, 3 << 20));
    assert_eq!(code(&serde_json::from_str(&text).unwrap()), 0);
    api.emu.inject_fault("/2/rest/bill", Fault::ApiError(7));
    let reply: Value =
        serde_json::from_str(&api.raw("POST", &url, Some(bill("fault000005"))).1).unwrap();
    assert_eq!(
        (code(&reply), reply["result_msg"].as_str()),
        (7, Some("CHANNEL_ERROR"))
    );
    assert_eq!(
        api.get(
            "rest/bills/count",
            Key::App,
            json!({"bill_no": "fault000005"})
        )["count"],
        0,
        "not executed"
    );
    api.emu
        .inject_fault("/2/rest/bill", Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let (status, _) = api.raw("POST", &url, Some(bill("fault000006")));
    assert!(status == 200 && started.elapsed() >= Duration::from_millis(300));
    let quick = agent(Duration::from_millis(100));
    api.emu
        .inject_fault("/2/rest/bills", Fault::Delay(Duration::from_millis(400)));
    let timed_out = quick
        .get(format!("{}?para=%7B%7D", api.url("rest/bills")))
        .call();
    assert!(timed_out.is_err(), "a delay beyond the client timeout");

    // The prefix decides which request gets the fault.
    api.emu.inject_fault("/2/rest/refund", Fault::ApiError(14));
    assert_eq!(
        code(&api.post(
            "rest/bill",
            Key::App,
            json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "fault000007", "title": "t"})
        )),
        0
    );
    assert_eq!(code(&api.post("rest/refund", Key::Master, json!({}))), 14);
}

#[test]
fn close_mid_body_truncates_the_response() {
    let api = Api::start();
    api.emu.inject_fault("/2/rest/bills", Fault::CloseMidBody);
    let quick = agent(Duration::from_secs(2));
    let request = ureq::http::Request::get(format!("{}?para=%7B%7D", api.url("rest/bills")))
        .header("Connection", "close")
        .body(())
        .unwrap();
    let started = Instant::now();
    let outcome = quick
        .run(request)
        .and_then(|mut r| r.body_mut().read_to_string());
    assert!(outcome.is_err(), "{outcome:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the connection was closed, not timed out"
    );
}

#[test]
fn garbage_never_kills_the_server() {
    let api = Api::start();
    let url = api.url("rest/bill");
    let reply = |body: &str| -> Value {
        serde_json::from_str(&api.raw("POST", &url, Some(body.to_owned())).1).unwrap()
    };
    assert_eq!(code(&reply("{not json")), 5);
    assert_eq!(code(&reply("[1, 2]")), 5);
    assert_eq!(code(&reply("")), 4);
    assert_eq!(code(&reply("\"text\"")), 5);
    assert_eq!(
        code(&reply(r#"{"app_id": 1, "timestamp": [], "app_sign": {}}"#)),
        5
    );
    assert_eq!(code(&reply(r#"{"app_id": null}"#)), 4);
    let signed = |fields: Value| api.signed(Key::App, fields).to_string();
    assert_eq!(code(&reply(&signed(json!({"channel": 5})))), 5);
    assert_eq!(
        code(&reply(&signed(
            json!({"channel": "WX_NATIVE", "total_fee": 1e300, "bill_no": "garbage0001", "title": "t"})
        ))),
        5
    );
    assert_eq!(
        code(&reply(&signed(
            json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": ["x"], "title": "t"})
        ))),
        5
    );
    // A `?para=` route without or with a broken `para`.
    let (_, text) = api.raw("GET", &api.url("rest/bills"), None);
    assert_eq!(code(&serde_json::from_str(&text).unwrap()), 4);
    let (_, text) = api.raw(
        "GET",
        &format!("{}?para=%7Bbroken", api.url("rest/bills")),
        None,
    );
    assert_eq!(code(&serde_json::from_str(&text).unwrap()), 5);
    let (_, text) = api.raw(
        "GET",
        &format!("{}?para=%ZZ&x", api.url("rest/bills")),
        None,
    );
    assert_eq!(code(&serde_json::from_str(&text).unwrap()), 5);
    // Unknown paths and methods are not JSON.
    let (status, text) = api.raw("GET", &api.url("rest/nothing"), None);
    assert_eq!(status, 404);
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert_eq!(
        api.raw("GET", &format!("{}/3/rest/bill", api.emu.base_url()), None)
            .0,
        404
    );
    assert_eq!(
        api.raw("GET", &format!("{}/", api.emu.base_url()), None).0,
        404
    );
    assert_eq!(api.raw("DELETE", &url, None).0, 405);
    assert_eq!(api.raw("GET", &api.emu.cashier_url("nothing"), None).0, 404);
    // Oversized request bodies are refused unread.
    assert_eq!(api.raw("POST", &url, Some("x".repeat(2 << 20))).0, 413);
    // Trailing slashes are fine, and the server still works.
    let reply = api.post(
        "rest/bill/",
        Key::App,
        json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "garbage0002", "title": "t"}),
    );
    assert_eq!(code(&reply), 0);
    let logged = api.emu.requests();
    assert!(
        logged
            .iter()
            .any(|r| r.method == "DELETE" && r.path == "/2/rest/bill")
    );
    assert!(
        logged
            .iter()
            .any(|r| r.path == "/2/rest/bills" && r.query == "para=%7Bbroken")
    );
}

#[test]
fn dropping_the_emulator_stops_it() {
    let api = Api::start();
    let base = api.emu.base_url();
    let Api { emu, agent } = api;
    drop(emu);
    let result = agent.get(format!("{base}/2/rest/bills")).call();
    assert!(result.is_err(), "the listener is closed");
}
