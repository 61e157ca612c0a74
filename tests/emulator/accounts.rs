//! The emulator's account-side routes over real HTTP: plans, subscriptions, SMS, card-factor auth, merchant
//! users and coupons. Requests are built and signed by hand, in the encodings the
//! Python SDK uses (a JSON body, `?para=<JSON>`, `?k=v` for GET and for DELETE).
#![cfg(feature = "emulator")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig};
use serde_json::{Map, Value, json};

use crate::support::{self, md5_hex};

const MISS_PARAM: i64 = 4;
const PARAM_INVALID: i64 = 5;

/// A fixed emulator time (2017-08-25) so created-time filters are predictable.
const T0: i64 = 1_503_633_600_000;

/// A hand-rolled BeeCloud client for one emulator.
struct Client {
    emu: Emulator,
    agent: ureq::Agent,
    /// Sign with the test secret instead of the app secret (what a test-mode SDK does on these routes).
    test_mode: bool,
}

impl Client {
    fn start() -> Client {
        let config = EmulatorConfig {
            webhook_time_scale: 0.001,
            ..Default::default()
        };
        let emu = Emulator::start_with(config).expect("emulator starts");
        let agent = support::agent(Duration::from_secs(10));
        Client {
            emu,
            agent,
            test_mode: false,
        }
    }

    /// `app_id`, `timestamp`, `app_sign` for the app (or test) secret.
    fn signing(&self) -> Vec<(&'static str, Value)> {
        let config = self.emu.config();
        let secret = if self.test_mode {
            &config.test_secret
        } else {
            &config.app_secret
        };
        let timestamp = chrono::Utc::now().timestamp_millis();
        let sign = md5_hex(&format!("{}{timestamp}{secret}", config.app_id));
        vec![
            ("app_id", config.app_id.clone().into()),
            ("timestamp", timestamp.into()),
            ("app_sign", sign.into()),
        ]
    }

    fn url(&self, path: &str) -> String {
        format!("{}/2/{}", self.emu.base_url(), path)
    }

    fn read(mut response: ureq::http::Response<ureq::Body>) -> Value {
        assert_eq!(response.status(), 200);
        let body = response.body_mut().read_to_string().expect("a body");
        serde_json::from_str(&body).expect("a JSON envelope")
    }

    /// POST or PUT with the fields as a JSON body.
    fn send(&self, method: &str, path: &str, fields: Value) -> Value {
        let mut body = fields.as_object().cloned().unwrap_or_default();
        body.extend(self.signing().into_iter().map(|(k, v)| (k.to_owned(), v)));
        let body = Value::Object(body).to_string();
        let request = match method {
            "POST" => self.agent.post(&self.url(path)),
            _ => self.agent.put(&self.url(path)),
        };
        let response = request
            .header("Content-Type", "application/json")
            .send(body);
        Self::read(response.expect("HTTP works"))
    }

    fn post(&self, path: &str, fields: Value) -> Value {
        self.send("POST", path, fields)
    }

    fn put(&self, path: &str, fields: Value) -> Value {
        self.send("PUT", path, fields)
    }

    /// GET with the fields as `?para=<JSON>`.
    fn get_para(&self, path: &str, fields: Value) -> Value {
        let mut para = fields.as_object().cloned().unwrap_or_default();
        para.extend(self.signing().into_iter().map(|(k, v)| (k.to_owned(), v)));
        let response = self
            .agent
            .get(&self.url(path))
            .query("para", Value::Object(para).to_string())
            .call();
        Self::read(response.expect("HTTP works"))
    }

    /// GET or DELETE with plain `k=v` pairs, in Python's spellings (`True`).
    fn pairs(&self, method: &str, path: &str, pairs: &[(&str, &str)]) -> Value {
        let signing: Vec<(&str, String)> = self
            .signing()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        let all = pairs
            .iter()
            .map(|(k, v)| (*k, v.to_string()))
            .chain(signing);
        let response = match method {
            "GET" => self.agent.get(&self.url(path)).query_pairs(all).call(),
            _ => self.agent.delete(&self.url(path)).query_pairs(all).call(),
        };
        Self::read(response.expect("HTTP works"))
    }

    fn get(&self, path: &str, pairs: &[(&str, &str)]) -> Value {
        self.pairs("GET", path, pairs)
    }

    fn delete(&self, path: &str, pairs: &[(&str, &str)]) -> Value {
        self.pairs("DELETE", path, pairs)
    }

    /// Sends an SMS to `phone` and returns `(sms_id, code)`.
    fn sms(&self, phone: &str) -> (String, String) {
        let reply = ok(self.post("sms", json!({ "phone": phone })));
        let code = self
            .emu
            .last_sms_code(phone)
            .expect("the emulator kept the code");
        (text(&reply["sms_id"]), code)
    }
}

/// Asserts a success envelope and returns it.
#[track_caller]
fn ok(reply: Value) -> Value {
    assert_eq!(reply["result_code"], 0, "expected success, got {reply}");
    assert_eq!(reply["result_msg"], "OK");
    reply
}

/// Asserts an error envelope with `code` and nothing but the three envelope keys.
#[track_caller]
fn fails(reply: Value, code: i64) {
    assert_eq!(
        reply["result_code"], code,
        "expected code {code}, got {reply}"
    );
    assert_eq!(
        reply.as_object().map(Map::len),
        Some(3),
        "error envelopes carry no payload: {reply}"
    );
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| text(&item["id"]))
        .collect()
}

/// A webhook receiver on 127.0.0.1 that answers every POST with `success`; returns its URL.
fn webhook_receiver() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/webhook", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                line.clear();
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = reader.get_mut().write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsuccess",
            );
        }
    });
    url
}

fn create_plan(client: &Client, fields: Value) -> Value {
    ok(client.post("plan", fields))["plan"].clone()
}

#[test]
fn plans_crud_filters_and_errors() {
    let client = Client::start();
    client.emu.set_clock_ms(T0);
    let gold = create_plan(
        &client,
        json!({"fee": 1500, "interval": "month", "name": "月度会员", "currency": "CNY", "interval_count": 3,
               "trial_days": 14, "optional": {"tier": "gold"}}),
    );
    assert_eq!(gold["fee"], 1500);
    assert_eq!(gold["interval"], "month");
    assert_eq!(gold["interval_count"], 3);
    assert_eq!(gold["trial_days"], 14);
    assert_eq!(gold["optional"], json!({"tier": "gold"}));
    assert_eq!(gold["valid"], true);
    assert_eq!(text(&gold["id"]).len(), 36, "UUID ids");
    client.emu.set_clock_ms(T0 + 60_000);
    let annual = create_plan(
        &client,
        json!({"fee": 15000, "interval": "year", "name": "annual"}),
    );
    assert_eq!(annual["currency"], "CNY");
    assert_eq!(annual["interval_count"], 1);
    assert_eq!(annual["trial_days"], 0);
    assert_eq!(annual["optional"], json!({}));
    client.emu.set_clock_ms(T0 + 120_000);
    let weekly = create_plan(
        &client,
        json!({"fee": 0, "interval": "week", "name": "周会员", "interval_count": 52}),
    );
    let (gold_id, annual_id, weekly_id) =
        (text(&gold["id"]), text(&annual["id"]), text(&weekly["id"]));

    // Newest first; `k=v` filters arrive as strings.
    let all = ok(client.get("plan", &[]));
    assert_eq!(
        ids(&all["plans"]),
        [weekly_id.as_str(), annual_id.as_str(), gold_id.as_str()]
    );
    let members = ok(client.get("plan", &[("name_with_substring", "会员")]));
    assert_eq!(
        ids(&members["plans"]),
        [weekly_id.as_str(), gold_id.as_str()]
    );
    assert_eq!(
        ids(&ok(client.get("plan", &[("interval", "month")]))["plans"]),
        [gold_id.as_str()]
    );
    assert_eq!(
        ids(&ok(client.get("plan", &[("interval_count", "52")]))["plans"]),
        [weekly_id.as_str()]
    );
    assert_eq!(
        ids(&ok(client.get("plan", &[("trial_days", "14")]))["plans"]),
        [gold_id.as_str()]
    );
    let paged = ok(client.get("plan", &[("skip", "1"), ("limit", "1")]));
    assert_eq!(ids(&paged["plans"]), [annual_id.as_str()]);
    let window = [
        ("created_after", "1503633660000"),
        ("created_before", "1503633780000"),
    ];
    assert_eq!(
        ids(&ok(client.get("plan", &window))["plans"]),
        [weekly_id.as_str(), annual_id.as_str()]
    );
    let counted = ok(client.get(
        "plan",
        &[("count_only", "True"), ("name_with_substring", "会员")],
    ));
    assert_eq!(counted["total_count"], 2);
    assert!(counted.get("plans").is_none());
    fails(
        client.get("plan", &[("interval_count", "three")]),
        PARAM_INVALID,
    );
    fails(
        client.get("plan", &[("count_only", "maybe")]),
        PARAM_INVALID,
    );
    fails(client.get("plan", &[("limit", "0")]), PARAM_INVALID);

    // By id, update, delete.
    assert_eq!(
        ok(client.get(&format!("plan/{gold_id}"), &[]))["plan"],
        gold
    );
    let update = json!({"name": "月度会员Plus", "optional": {"tier": "platinum", "备注": "升级"}});
    assert_eq!(
        ok(client.put(&format!("plan/{gold_id}"), update))["id"],
        gold_id.as_str()
    );
    let updated = ok(client.get(&format!("plan/{gold_id}"), &[]))["plan"].clone();
    assert_eq!(updated["name"], "月度会员Plus");
    assert_eq!(updated["optional"]["备注"], "升级");
    assert_eq!(updated["fee"], 1500);
    fails(
        client.put(&format!("plan/{gold_id}"), json!({"name": ""})),
        PARAM_INVALID,
    );
    fails(
        client.put("plan/no-such-plan", json!({"name": "x"})),
        PARAM_INVALID,
    );
    assert_eq!(
        ok(client.delete(&format!("plan/{annual_id}"), &[]))["id"],
        annual_id.as_str()
    );
    fails(client.get(&format!("plan/{annual_id}"), &[]), PARAM_INVALID);
    fails(
        client.delete(&format!("plan/{annual_id}"), &[]),
        PARAM_INVALID,
    );
    assert_eq!(
        ok(client.get("plan", &[("count_only", "true")]))["total_count"],
        2
    );

    // Test-mode clients sign these live routes with the test secret and see the same plans.
    let test_client = Client {
        test_mode: true,
        ..client
    };
    assert_eq!(
        ok(test_client.get("plan", &[("count_only", "False")]))["plans"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Required fields first (4), then formats (5).
    let cases: &[(Value, i64)] = &[
        (json!({"interval": "month", "name": "x"}), MISS_PARAM),
        (json!({"fee": 1, "name": "x"}), MISS_PARAM),
        (
            json!({"fee": 1, "interval": "month", "name": ""}),
            MISS_PARAM,
        ),
        (
            json!({"fee": "100", "interval": "hour", "name": "x"}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": -1, "interval": "month", "name": "x"}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "hour", "name": "x"}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "month", "name": "x", "interval_count": 13}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "day", "name": "x", "interval_count": 366}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "year", "name": "x", "interval_count": 2}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "week", "name": "x", "interval_count": 0}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "month", "name": "x", "currency": "USD"}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "month", "name": "x", "trial_days": -1}),
            PARAM_INVALID,
        ),
        (
            json!({"fee": 1, "interval": "month", "name": "x", "optional": "tier=gold"}),
            PARAM_INVALID,
        ),
    ];
    for (fields, code) in cases {
        fails(test_client.post("plan", fields.clone()), *code);
    }
}

const CARD: [(&str, &str); 5] = [
    ("bank_name", "中国银行"),
    ("card_no", "6222020200112233445"),
    ("id_name", "张三"),
    ("id_no", "320101199001010011"),
    ("mobile", "13800000000"),
];

fn card_fields(overrides: &[(&str, Value)]) -> Map<String, Value> {
    let mut fields: Map<String, Value> = CARD
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    for (k, v) in overrides {
        fields.insert((*k).to_owned(), v.clone());
    }
    fields
}

fn subscribe(
    client: &Client,
    plan_id: &str,
    buyer_id: &str,
    mut fields: Map<String, Value>,
) -> Value {
    let phone = fields
        .get("mobile")
        .and_then(Value::as_str)
        .unwrap_or("13800000000")
        .to_owned();
    let (sms_id, code) = client.sms(&phone);
    fields.insert("buyer_id".into(), buyer_id.into());
    fields.insert("plan_id".into(), plan_id.into());
    fields.insert("sms_id".into(), sms_id.into());
    fields.insert("sms_code".into(), code.into());
    ok(client.post("subscription", Value::Object(fields)))["subscription"].clone()
}

#[test]
fn sms_subscribe_verify_update_cancel() {
    let client = Client::start();
    client.emu.set_webhook_url(Some(&webhook_receiver()));
    let plan_id = text(
        &create_plan(
            &client,
            json!({"fee": 1500, "interval": "month", "name": "月度会员"}),
        )["id"],
    );

    // Banks.
    let banks = ok(client.get("subscription_banks", &[]));
    let all = banks["banks"].as_array().expect("banks");
    assert!(all.contains(&json!("中国银行")));
    assert!(
        banks["common_banks"]
            .as_array()
            .expect("common")
            .iter()
            .all(|b| all.contains(b))
    );

    // SMS.
    fails(client.post("sms", json!({})), MISS_PARAM);
    fails(client.post("sms", json!({"phone": "12345"})), PARAM_INVALID);
    let (sms_id, code) = client.sms("13800000000");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));

    // Subscribe: required fields (4) before formats and state (5).
    let mut request = card_fields(&[]);
    request.insert("buyer_id".into(), "buyer-0001".into());
    request.insert("plan_id".into(), plan_id.clone().into());
    request.insert("sms_id".into(), sms_id.clone().into());
    request.insert("sms_code".into(), code.clone().into());
    request.insert("amount".into(), 2.into());
    request.insert("trial_end".into(), (T0 * 2).into());
    request.insert("optional".into(), json!({"src": "web"}));
    let with = |changes: &[(&str, Value)]| {
        let mut fields = request.clone();
        for (k, v) in changes {
            match v {
                Value::Null => fields.remove(*k),
                v => fields.insert((*k).to_owned(), v.clone()),
            };
        }
        Value::Object(fields)
    };
    let cases: &[(&[(&str, Value)], i64)] = &[
        (&[("sms_code", Value::Null)], MISS_PARAM),
        (&[("buyer_id", Value::Null)], MISS_PARAM),
        (&[("mobile", Value::Null)], MISS_PARAM),
        (&[("plan_id", json!(""))], MISS_PARAM),
        (&[("sms_code", json!("000000x"))], PARAM_INVALID),
        (&[("sms_id", json!("no-such-sms"))], PARAM_INVALID),
        (&[("plan_id", json!("no-such-plan"))], PARAM_INVALID),
        (&[("bank_name", json!("中国银"))], PARAM_INVALID),
        (&[("mobile", json!("13900000000"))], PARAM_INVALID),
        (&[("amount", json!(-1))], PARAM_INVALID),
        (&[("amount", json!("2"))], PARAM_INVALID),
        (&[("card_id", json!("no-such-card"))], PARAM_INVALID),
        (&[("coupon_code", json!("no-such-coupon"))], PARAM_INVALID),
    ];
    for (changes, code) in cases {
        fails(client.post("subscription", with(changes)), *code);
    }
    let sub = ok(client.post("subscription", with(&[])))["subscription"].clone();
    let sub_id = text(&sub["id"]);
    assert_eq!(sub["buyer_id"], "buyer-0001");
    assert_eq!(sub["plan_id"], plan_id.as_str());
    assert_eq!(sub["amount"], 2.0);
    assert_eq!(sub["trial_end"], T0 * 2);
    assert_eq!(sub["optional"], json!({"src": "web"}));
    assert_eq!(sub["last4"], "3445");
    assert_eq!(sub["bank_name"], "中国银行");
    assert_eq!(sub["valid"], false, "a new card waits for verification");
    assert_eq!(sub["status"], "pending");
    assert!(sub.get("card_no").is_none(), "card_no is never returned");
    let card_id = text(&sub["card_id"]);
    // The code is single use.
    fails(client.post("subscription", with(&[])), PARAM_INVALID);

    // Reads.
    assert_eq!(
        ok(client.get(&format!("subscription/{sub_id}"), &[]))["subscription"],
        sub
    );
    fails(
        client.get("subscription/no-such-subscription", &[]),
        PARAM_INVALID,
    );
    for filter in [
        ("buyer_id", "buyer-0001"),
        ("plan_id", plan_id.as_str()),
        ("card_id", card_id.as_str()),
    ] {
        assert_eq!(
            ids(&ok(client.get("subscription", &[filter]))["subscriptions"]),
            [sub_id.as_str()]
        );
    }
    assert_eq!(
        ok(client.get("subscription", &[("buyer_id", "someone-else")]))["subscriptions"],
        json!([])
    );
    assert_eq!(
        ok(client.get("subscription", &[("count_only", "True")]))["total_count"],
        1
    );

    // Verification succeeds: SUBSCRIPTION webhook carrying both signature forms, then `valid`.
    client
        .emu
        .finish_subscription_verification(&sub_id, true)
        .expect("pending subscription");
    let hooks = client.emu.wait_for_webhooks(1, Duration::from_secs(5));
    let hook = &hooks.last().expect("a webhook").body;
    assert!(hooks.last().expect("a webhook").delivered);
    assert_eq!(hook["transaction_type"], "SUBSCRIPTION");
    assert_eq!(hook["channel_type"], "BC");
    assert_eq!(hook["sub_channel_type"], "BC_SUBSCRIPTION");
    assert_eq!(hook["transaction_id"], sub_id.as_str());
    assert_eq!(hook["transaction_fee"], 0);
    assert_eq!(hook["trade_success"], true);
    assert_eq!(hook["message_detail"]["card_id"], card_id.as_str());
    assert_eq!(hook["optional"], json!({"src": "web"}));
    assert!(hook["signature"].is_string() && hook["sign"].is_string());
    let verified = ok(client.get(&format!("subscription/{sub_id}"), &[]))["subscription"].clone();
    assert_eq!(
        (verified["valid"].clone(), verified["status"].clone()),
        (json!(true), json!("trialing"))
    );
    assert!(
        client
            .emu
            .finish_subscription_verification("no-such-subscription", true)
            .is_err()
    );

    // The same card again (by its fields or by card_id) is valid at once.
    let again = subscribe(&client, &plan_id, "buyer-0002", card_fields(&[]));
    assert_eq!(
        (again["card_id"].clone(), again["valid"].clone()),
        (json!(card_id), json!(true))
    );
    assert_eq!(again["status"], "active");
    assert_eq!(again["amount"], 1.0, "amount defaults to 1");
    let mut by_card = Map::new();
    by_card.insert("card_id".into(), card_id.clone().into());
    let by_card = subscribe(&client, &plan_id, "buyer-0003", by_card);
    assert_eq!(
        (by_card["valid"].clone(), by_card["last4"].clone()),
        (json!(true), json!("3445"))
    );

    // Update.
    let update = json!({"amount": 3, "optional": {"src": "升级"}, "trial_end": T0});
    assert_eq!(
        ok(client.put(&format!("subscription/{sub_id}"), update))["id"],
        sub_id.as_str()
    );
    let updated = ok(client.get(&format!("subscription/{sub_id}"), &[]))["subscription"].clone();
    assert_eq!(updated["amount"], 3.0);
    assert_eq!(updated["optional"], json!({"src": "升级"}));
    assert_eq!(updated["status"], "active", "the trial ended");
    fails(
        client.put(&format!("subscription/{sub_id}"), json!({"amount": -3})),
        PARAM_INVALID,
    );
    fails(
        client.put(
            &format!("subscription/{sub_id}"),
            json!({"plan_id": "nope"}),
        ),
        PARAM_INVALID,
    );
    fails(
        client.put(
            &format!("subscription/{sub_id}"),
            json!({"bank_name": "Bank"}),
        ),
        PARAM_INVALID,
    );
    fails(
        client.put("subscription/nope", json!({"amount": 1})),
        PARAM_INVALID,
    );
    // A new card number makes it pending again.
    let new_card = json!({"card_no": "6222020200112230000"});
    ok(client.put(&format!("subscription/{sub_id}"), new_card));
    let moved = ok(client.get(&format!("subscription/{sub_id}"), &[]))["subscription"].clone();
    assert_ne!(moved["card_id"], json!(card_id));
    assert_eq!(
        (moved["valid"].clone(), moved["last4"].clone()),
        (json!(false), json!("0000"))
    );
    assert_eq!(moved["status"], "pending");

    // Verification failure: webhook with trade_success false and err_msg.
    client
        .emu
        .finish_subscription_verification(&sub_id, false)
        .expect("pending subscription");
    let hooks = client.emu.wait_for_webhooks(2, Duration::from_secs(5));
    let hook = &hooks.last().expect("a webhook").body;
    assert_eq!(
        (
            hook["transaction_id"].clone(),
            hook["trade_success"].clone()
        ),
        (json!(sub_id), json!(false))
    );
    assert!(hook["message_detail"]["err_msg"].is_string());
    assert_eq!(
        ok(client.get(&format!("subscription/{sub_id}"), &[]))["subscription"]["status"],
        "failed"
    );

    // Cancel: at the period end (`True` in the DELETE query), then at once, then no more.
    let by_card_id = text(&by_card["id"]);
    let path = format!("subscription/{by_card_id}");
    assert_eq!(
        ok(client.delete(&path, &[("at_period_end", "True")]))["id"],
        by_card_id.as_str()
    );
    assert_eq!(
        ok(client.get(&path, &[]))["subscription"]["status"],
        "canceling"
    );
    ok(client.delete(&path, &[]));
    assert_eq!(
        ok(client.get(&path, &[]))["subscription"]["status"],
        "canceled"
    );
    fails(client.delete(&path, &[]), PARAM_INVALID);
    fails(client.put(&path, json!({"amount": 2})), PARAM_INVALID);
    fails(client.delete("subscription/nope", &[]), PARAM_INVALID);
    assert!(
        client
            .emu
            .finish_subscription_verification(&by_card_id, true)
            .is_err()
    );
    assert_eq!(
        ok(client.get("subscription", &[("count_only", "True")]))["total_count"],
        3
    );
}

#[test]
fn sms_codes_are_bound_to_app_phone_and_time() {
    let client = Client::start();
    let plan_id = text(
        &create_plan(
            &client,
            json!({"fee": 100, "interval": "day", "name": "daily"}),
        )["id"],
    );
    let (sms_id, code) = client.sms("13800000000");
    let mut fields = card_fields(&[]);
    for (k, v) in [
        ("buyer_id", "b"),
        ("plan_id", plan_id.as_str()),
        ("sms_id", sms_id.as_str()),
    ] {
        fields.insert(k.into(), v.into());
    }
    fields.insert("sms_code".into(), code.into());
    client.emu.advance_clock(Duration::from_secs(31 * 60));
    fails(
        client.post("subscription", Value::Object(fields)),
        PARAM_INVALID,
    );
}

#[test]
fn anti_duplicate_plans_refuse_a_second_live_subscription() {
    let client = Client::start();
    let plan = json!({"fee": 100, "interval": "month", "name": "once", "anti_duplicate": true});
    let plan_id = text(&create_plan(&client, plan)["id"]);
    let first = subscribe(&client, &plan_id, "buyer-1", card_fields(&[]));
    let (sms_id, code) = client.sms("13800000000");
    let mut fields = card_fields(&[]);
    for (k, v) in [
        ("buyer_id", "buyer-1"),
        ("plan_id", plan_id.as_str()),
        ("sms_id", sms_id.as_str()),
        ("sms_code", code.as_str()),
    ] {
        fields.insert(k.into(), v.into());
    }
    fails(
        client.post("subscription", Value::Object(fields.clone())),
        PARAM_INVALID,
    );
    // Another buyer may; after a cancel the first buyer may again (the SMS was not used up by the failure).
    ok(client.delete(&format!("subscription/{}", text(&first["id"])), &[]));
    ok(client.post("subscription", Value::Object(fields)));
}

#[test]
fn card_factor_auth() {
    let client = Client::start();
    let four = json!({"name": "张三", "id_no": "320101199001010011", "card_no": "6222020200112233445",
                      "mobile": "13800000000"});
    let verified = ok(client.post("auth", four));
    assert_eq!(
        (
            verified["auth_result"].clone(),
            verified["auth_msg"].clone()
        ),
        (json!(true), json!("OK"))
    );
    let card_id = text(&verified["card_id"]);
    // The same card subscribed by its fields gets the same card_id.
    let plan_id =
        text(&create_plan(&client, json!({"fee": 1, "interval": "week", "name": "w"}))["id"]);
    let sub = subscribe(&client, &plan_id, "buyer", card_fields(&[]));
    assert_eq!(sub["card_id"], card_id.as_str());
    // 2 factors: no card, still verified; a malformed factor fails verification with result_code 0.
    let two = ok(client.post(
        "auth",
        json!({"name": "张三", "id_no": "32010119900101001X"}),
    ));
    assert_eq!(two["auth_result"], true);
    assert!(two.get("card_id").is_none());
    let bad = ok(client.post(
        "auth",
        json!({"name": "张三", "id_no": "12345", "card_no": "6222020200112233445"}),
    ));
    assert_eq!(bad["auth_result"], false);
    assert!(
        bad["auth_msg"]
            .as_str()
            .is_some_and(|m| !m.is_empty() && m != "OK")
    );
    assert!(bad.get("card_id").is_none());
    let bad_mobile = json!({"name": "张三", "id_no": "320101199001010011", "mobile": "911"});
    assert_eq!(ok(client.post("auth", bad_mobile))["auth_result"], false);
    fails(
        client.post("auth", json!({"id_no": "320101199001010011"})),
        MISS_PARAM,
    );
    fails(client.post("auth", json!({"name": "张三"})), MISS_PARAM);
    fails(
        client.post(
            "auth",
            json!({"name": "张三", "id_no": 320101199001010011_i64}),
        ),
        PARAM_INVALID,
    );
}

#[test]
fn merchant_users_and_history_bills() {
    let client = Client::start();
    let merchant = "merchant@example.com";
    client.emu.set_clock_ms(T0);
    assert_eq!(
        ok(client.post("rest/user", json!({"buyer_id": "buyer-0001"})))
            .as_object()
            .map(Map::len),
        Some(3)
    );
    ok(client.post("rest/user", json!({"buyer_id": "buyer-0001"})));
    client.emu.set_clock_ms(T0 + 100_000);
    let batch = json!({"email": merchant, "buyer_ids": ["buyer-0002", "用户3", "buyer-0001"]});
    ok(client.post("rest/users", batch));
    fails(client.post("rest/user", json!({})), MISS_PARAM);
    fails(
        client.post("rest/user", json!({"buyer_id": 7})),
        PARAM_INVALID,
    );
    fails(
        client.post("rest/user", json!({"buyer_id": "x".repeat(65)})),
        PARAM_INVALID,
    );
    fails(
        client.post("rest/users", json!({"buyer_ids": ["a"]})),
        MISS_PARAM,
    );
    fails(
        client.post("rest/users", json!({"email": merchant})),
        MISS_PARAM,
    );
    fails(
        client.post(
            "rest/users",
            json!({"email": "other@example.com", "buyer_ids": ["a"]}),
        ),
        PARAM_INVALID,
    );
    fails(
        client.post("rest/users", json!({"email": merchant, "buyer_ids": "a"})),
        PARAM_INVALID,
    );
    fails(
        client.post("rest/users", json!({"email": merchant, "buyer_ids": []})),
        PARAM_INVALID,
    );
    fails(
        client.post(
            "rest/users",
            json!({"email": merchant, "buyer_ids": ["a", 1]}),
        ),
        PARAM_INVALID,
    );

    let buyers = |reply: &Value| -> Vec<String> {
        reply["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| text(&u["buyer_id"]))
            .collect()
    };
    let all = ok(client.get_para("rest/users", json!({})));
    assert_eq!(
        buyers(&all),
        ["buyer-0002", "用户3", "buyer-0001"],
        "newest first, then by buyer_id"
    );
    let first = &all["users"][2];
    assert_eq!(first["merchant"], merchant);
    assert_eq!(first["app_id"], client.emu.config().app_id.as_str());
    assert_eq!(first["buyer_type"], 0);
    let created = first["createdat"].as_i64().expect("createdat");
    assert!(created >= T0 && first["updatedat"] == first["createdat"]);
    let batch_time = all["users"][0]["createdat"].as_i64().expect("createdat");
    // Inclusive bounds.
    let from = ok(client.get_para(
        "rest/users",
        json!({"email": merchant, "start_time": batch_time}),
    ));
    assert_eq!(buyers(&from), ["buyer-0002", "用户3"]);
    let until = ok(client.get_para("rest/users", json!({"end_time": created})));
    assert_eq!(buyers(&until), ["buyer-0001"]);
    fails(
        client.get_para("rest/users", json!({"email": "other@example.com"})),
        PARAM_INVALID,
    );
    fails(
        client.get_para("rest/users", json!({"start_time": "yesterday"})),
        PARAM_INVALID,
    );

    // History bills: make a real bill, attach it; unknown bills and unregistered buyers come back.
    let bill = json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": "201708251200001", "title": "history"});
    ok(client.post("rest/bill", bill));
    let info = json!({"bill_info": {"buyer-0001": ["201708251200001", "201708251200404"],
                                    "stranger": ["201708251200001"]}});
    let reply = ok(client.put("rest/history_bills", info));
    assert_eq!(
        reply["failed_bills"],
        json!({"buyer-0001": ["201708251200404"], "stranger": ["201708251200001"]})
    );
    let bills = ok(client.get_para("rest/bills", json!({"buyer_id": "buyer-0001"})));
    assert_eq!(bills["bills"][0]["bill_no"], "201708251200001");
    let all_linked = ok(client.put(
        "rest/history_bills",
        json!({"bill_info": {"buyer-0002": ["201708251200001"]}}),
    ));
    assert_eq!(all_linked["failed_bills"], json!({}));
    fails(client.put("rest/history_bills", json!({})), MISS_PARAM);
    fails(
        client.put(
            "rest/history_bills",
            json!({"bill_info": {"buyer-0001": "201708251200001"}}),
        ),
        PARAM_INVALID,
    );
    fails(
        client.put(
            "rest/history_bills",
            json!({"bill_info": ["201708251200001"]}),
        ),
        PARAM_INVALID,
    );
}

/// The id of the template named `name` (seeded templates have random ids).
fn template_id(client: &Client, name: &str) -> String {
    let found = ok(client.get_para("rest/coupon/template", json!({ "name": name })));
    text(&found["coupon_templates"][0]["id"])
}

#[test]
fn coupon_templates_seeded_and_queried() {
    let client = Client::start();
    let all = ok(client.get_para("rest/coupon/template", json!({})));
    let names: Vec<String> = all["coupon_templates"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| text(&t["name"]))
        .collect();
    assert_eq!(names, ["满100减10", "九折", "新人立减5元"]);
    let full_off = &all["coupon_templates"][0];
    assert_eq!(
        (full_off["type"].clone(), full_off["limit_fee"].clone()),
        (json!(0), json!(10000))
    );
    assert_eq!(full_off["discount"], json!(10));
    assert_eq!(
        (full_off["status"].clone(), full_off["expiry_type"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(full_off["delivery_valid_days"], 30);
    assert_eq!(full_off["mch_account"], "merchant@example.com");
    assert_eq!(all["coupon_templates"][1]["discount"], json!(0.9));
    let count = ok(client.get_para("rest/coupon/template", json!({"count_only": true})));
    assert_eq!(count["total_count"], 3);
    let page = ok(client.get_para("rest/coupon/template", json!({"skip": 1, "limit": 1})));
    assert_eq!(page["coupon_templates"][0]["name"], "九折");
    assert_eq!(ok(client.get_para("rest/coupon/template", json!({"status": 1, "limit": 10})))["coupon_templates"]
        .as_array()
        .map(Vec::len), Some(3));
    assert_eq!(
        ok(client.get_para("rest/coupon/template", json!({"name": "nope"})))["coupon_templates"],
        json!([])
    );
    let created_at = full_off["created_at"].as_i64().expect("created_at");
    let window = json!({"created_after": created_at, "created_before": created_at});
    assert_eq!(
        ids(&ok(client.get_para("rest/coupon/template", window))["coupon_templates"]),
        [text(&full_off["id"])]
    );
    fails(
        client.get_para("rest/coupon/template", json!({"skip": -1})),
        PARAM_INVALID,
    );
    fails(
        client.get_para("rest/coupon/template", json!({"status": "1"})),
        PARAM_INVALID,
    );

    let id = template_id(&client, "九折");
    assert_eq!(
        ok(client.get_para(&format!("rest/coupon/template/{id}"), json!({})))["coupon_template"]["id"],
        id.as_str()
    );
    fails(
        client.get_para("rest/coupon/template/no-such-template", json!({})),
        PARAM_INVALID,
    );

    // A template added through the hook gets the defaults.
    let mut template = Map::new();
    template.insert("name".into(), "限量".into());
    let added = client.emu.add_coupon_template(template);
    let read =
        ok(client.get_para(&format!("rest/coupon/template/{added}"), json!({})))["coupon_template"]
            .clone();
    assert_eq!(
        (
            read["type"].clone(),
            read["status"].clone(),
            read["total_count"].clone()
        ),
        (json!(0), json!(1), json!(0))
    );
    assert_eq!(read["app_id"], client.emu.config().app_id.as_str());
}

#[test]
fn coupons_delivered_limited_and_queried() {
    let client = Client::start();
    client.emu.set_clock_ms(T0);
    let full_off = template_id(&client, "满100减10");
    let coupon = ok(client.post(
        "rest/coupon",
        json!({"template_id": full_off, "user_id": "buyer-0001"}),
    ))["coupon"]
        .clone();
    assert_eq!(coupon["user_id"], "buyer-0001");
    assert_eq!(
        (coupon["status"].clone(), coupon["use_time"].clone()),
        (json!(0), Value::Null)
    );
    assert_eq!(coupon["template"]["id"], full_off.as_str());
    assert_eq!(coupon["template"]["deliver_count"], 1);
    let start = coupon["start_time"].as_i64().expect("start_time");
    assert_eq!(coupon["end_time"].as_i64(), Some(start + 30 * 86_400_000));
    assert_eq!(coupon["created_at"].as_i64(), Some(start));
    let coupon_id = text(&coupon["id"]);
    assert_eq!(
        ok(client.get_para(&format!("rest/coupon/{coupon_id}"), json!({})))["coupon"]["id"],
        coupon_id.as_str()
    );
    fails(
        client.get_para("rest/coupon/no-such-coupon", json!({})),
        PARAM_INVALID,
    );

    fails(
        client.post("rest/coupon", json!({"template_id": full_off})),
        MISS_PARAM,
    );
    fails(
        client.post("rest/coupon", json!({"user_id": "buyer-0001"})),
        MISS_PARAM,
    );
    fails(
        client.post(
            "rest/coupon",
            json!({"template_id": "nope", "user_id": "buyer-0001"}),
        ),
        PARAM_INVALID,
    );

    // Limits: one per user, two in total; stopped and expired templates deliver nothing.
    let limited: Map<String, Value> = serde_json::from_value(json!({
        "name": "限量", "type": 1, "discount": 0.8, "total_count": 2, "max_count_per_user": 1}))
    .expect("map");
    let limited = client.emu.add_coupon_template(limited);
    client.emu.set_clock_ms(T0 + 500);
    ok(client.post(
        "rest/coupon",
        json!({"template_id": limited, "user_id": "buyer-0001"}),
    ));
    fails(
        client.post(
            "rest/coupon",
            json!({"template_id": limited, "user_id": "buyer-0001"}),
        ),
        PARAM_INVALID,
    );
    client.emu.set_clock_ms(T0 + 1000);
    ok(client.post(
        "rest/coupon",
        json!({"template_id": limited, "user_id": "buyer-0002"}),
    ));
    fails(
        client.post(
            "rest/coupon",
            json!({"template_id": limited, "user_id": "buyer-0003"}),
        ),
        PARAM_INVALID,
    );
    let stopped: Map<String, Value> =
        serde_json::from_value(json!({"name": "停用", "status": -1})).expect("map");
    let stopped = client.emu.add_coupon_template(stopped);
    fails(
        client.post(
            "rest/coupon",
            json!({"template_id": stopped, "user_id": "buyer-0001"}),
        ),
        PARAM_INVALID,
    );
    let expired: Map<String, Value> =
        serde_json::from_value(json!({"name": "过期", "start_time": 0, "end_time": T0 - 1}))
            .expect("map");
    let expired = client.emu.add_coupon_template(expired);
    fails(
        client.post(
            "rest/coupon",
            json!({"template_id": expired, "user_id": "buyer-0001"}),
        ),
        PARAM_INVALID,
    );
    let windowed: Map<String, Value> =
        serde_json::from_value(json!({"name": "窗口", "start_time": 0, "end_time": T0 * 2}))
            .expect("map");
    let windowed = client.emu.add_coupon_template(windowed);
    client.emu.set_clock_ms(T0 + 1500);
    let in_window = ok(client.post(
        "rest/coupon",
        json!({"template_id": windowed, "user_id": "buyer-0004"}),
    ));
    assert_eq!(
        (
            in_window["coupon"]["start_time"].clone(),
            in_window["coupon"]["end_time"].clone()
        ),
        (json!(0), json!(T0 * 2))
    );

    // Queries.
    let query = |criteria: Value| ok(client.get_para("rest/coupon", criteria));
    assert_eq!(query(json!({"count_only": true}))["total_count"], 4);
    assert_eq!(
        ids(&query(json!({"user_id": "buyer-0001"}))["coupons"]).len(),
        2
    );
    assert_eq!(
        ids(&query(json!({"template_id": full_off}))["coupons"]),
        [coupon_id.as_str()]
    );
    assert_eq!(
        ids(&query(json!({"user_id": "buyer-0001", "limit_fee": 11000}))["coupons"]).len(),
        2
    );
    let cheap = query(json!({"user_id": "buyer-0001", "limit_fee": 5000}));
    assert!(
        !ids(&cheap["coupons"]).contains(&coupon_id),
        "满100减10 needs an order of ¥100"
    );
    assert_eq!(query(json!({"status": 1}))["coupons"], json!([]));
    assert_eq!(
        query(json!({"status": 0, "count_only": true}))["total_count"],
        4
    );
    let exact = query(json!({"created_after": start, "created_before": start}));
    assert_eq!(
        ids(&exact["coupons"]),
        [coupon_id.as_str()],
        "inclusive bounds"
    );
    assert_eq!(
        ids(&query(json!({"created_after": start + 1}))["coupons"]).len(),
        3
    );
    assert_eq!(
        ids(&query(json!({"created_before": T0 + 999}))["coupons"]).len(),
        2
    );
    assert_eq!(
        ids(&query(json!({"skip": 3, "limit": 20}))["coupons"]).len(),
        1
    );
    fails(
        query_raw(&client, json!({"limit_fee": "11000"})),
        PARAM_INVALID,
    );
    fails(query_raw(&client, json!({"user_id": 1})), PARAM_INVALID);
}

fn query_raw(client: &Client, criteria: Value) -> Value {
    client.get_para("rest/coupon", criteria)
}

#[test]
fn coupon_redeemed_by_a_paid_bill() {
    let client = Client::start();
    let full_off = template_id(&client, "满100减10");
    let coupon = ok(client.post(
        "rest/coupon",
        json!({"template_id": full_off, "user_id": "buyer-0001"}),
    ))["coupon"]
        .clone();
    let coupon_id = text(&coupon["id"]);
    let pay = |bill_no: &str, buyer: &str, fee: i64| {
        client.post(
            "rest/bill",
            json!({"channel": "WX_NATIVE", "total_fee": fee, "bill_no": bill_no, "title": "coupon",
                   "buyer_id": buyer, "coupon_id": coupon_id}),
        )
    };
    fails(pay("201708251200011", "buyer-0002", 20000), PARAM_INVALID);
    fails(pay("201708251200012", "buyer-0001", 9999), PARAM_INVALID);
    let paid = ok(pay("201708251200013", "buyer-0001", 20000));
    client
        .emu
        .complete_payment(&text(&paid["id"]))
        .expect("payable");
    let used =
        ok(client.get_para(&format!("rest/coupon/{coupon_id}"), json!({})))["coupon"].clone();
    assert_eq!(used["status"], 1);
    assert!(used["use_time"].is_i64());
    assert_eq!(used["template"]["use_count"], 1);
    let bill = ok(client.get_para("rest/bills", json!({"bill_no": "201708251200013"})))["bills"][0]
        .clone();
    assert_eq!(
        (
            bill["bill_fee"].clone(),
            bill["discount"].clone(),
            bill["total_fee"].clone()
        ),
        (json!(20000), json!(1000), json!(19000))
    );
    fails(pay("201708251200014", "buyer-0001", 20000), PARAM_INVALID);
    assert_eq!(
        ok(client.get_para("rest/coupon", json!({"status": 1})))["coupons"][0]["id"],
        coupon_id.as_str()
    );
}

/// A success or a validation error: not RUNTIME_ERROR (what the server makes of a handler panic).
fn handled(reply: &Value) -> bool {
    matches!(
        reply["result_code"].as_i64(),
        Some(0 | MISS_PARAM | PARAM_INVALID)
    )
}

/// Every field of every route, replaced by each odd value, is answered with success or a validation error
/// (never a handler panic), and the server still answers normally afterwards.
#[test]
fn odd_inputs_never_break_the_server() {
    let client = Client::start();
    let plan_id =
        text(&create_plan(&client, json!({"fee": 1, "interval": "day", "name": "p"}))["id"]);
    let sub = subscribe(&client, &plan_id, "buyer", card_fields(&[]));
    let sub_path = format!("subscription/{}", text(&sub["id"]));
    let odd_json = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(1.5e300),
        json!(""),
        json!("一二三四五六"),
        json!("x".repeat(5000)),
        json!([]),
        json!({"a": [1, {"b": null}]}),
        json!(["a", 1]),
    ];
    let odd_text = [
        "",
        "True",
        "-9223372036854775808",
        "99999999999999999999",
        "一二三四五六",
        "%",
        "1e309",
    ];
    let posts: &[(&str, &str, &[&str])] = &[
        (
            "POST",
            "plan",
            &[
                "fee",
                "interval",
                "name",
                "currency",
                "interval_count",
                "trial_days",
                "optional",
            ],
        ),
        ("PUT", "plan/x", &["name", "optional"]),
        ("POST", "sms", &["phone"]),
        ("POST", "auth", &["name", "id_no", "card_no", "mobile"]),
        (
            "POST",
            "subscription",
            &[
                "buyer_id",
                "plan_id",
                "card_id",
                "bank_name",
                "card_no",
                "id_name",
                "id_no",
                "mobile",
                "amount",
                "trial_end",
                "optional",
                "sms_id",
                "sms_code",
                "coupon_code",
            ],
        ),
        (
            "PUT",
            &sub_path,
            &[
                "plan_id",
                "card_id",
                "card_no",
                "amount",
                "trial_end",
                "optional",
                "buyer_id",
            ],
        ),
        ("POST", "rest/user", &["buyer_id"]),
        ("POST", "rest/users", &["email", "buyer_ids"]),
        ("PUT", "rest/history_bills", &["bill_info"]),
        ("POST", "rest/coupon", &["template_id", "user_id"]),
    ];
    let base = json!({"fee": 1, "interval": "day", "name": "n", "phone": "13800000000", "buyer_id": "b",
                      "id_no": "320101199001010011", "plan_id": plan_id, "email": "merchant@example.com",
                      "buyer_ids": ["b"], "bill_info": {"b": ["x"]}, "template_id": "t", "user_id": "u"});
    for (method, path, fields) in posts {
        for field in *fields {
            for value in &odd_json {
                let mut body = base.as_object().cloned().unwrap_or_default();
                body.insert((*field).to_owned(), value.clone());
                let reply = client.send(method, path, Value::Object(body));
                assert!(handled(&reply), "{method} {path} {field}={value}: {reply}");
            }
        }
    }
    let gets: &[(&str, &[&str])] = &[
        (
            "plan",
            &[
                "created_before",
                "created_after",
                "count_only",
                "skip",
                "limit",
                "name_with_substring",
                "interval",
                "interval_count",
                "trial_days",
            ],
        ),
        (
            "subscription",
            &[
                "buyer_id",
                "plan_id",
                "card_id",
                "count_only",
                "skip",
                "limit",
            ],
        ),
        ("subscription_banks", &["x"]),
    ];
    for (path, fields) in gets {
        for field in *fields {
            for value in odd_text {
                let reply = client.get(path, &[(field, value)]);
                assert!(handled(&reply), "GET {path} {field}={value}: {reply}");
            }
        }
    }
    for value in odd_text {
        let reply = client.delete(&sub_path, &[("at_period_end", value)]);
        assert!(handled(&reply), "DELETE at_period_end={value}: {reply}");
    }
    let paras: &[(&str, &[&str])] = &[
        ("rest/users", &["email", "start_time", "end_time"]),
        (
            "rest/coupon/template",
            &[
                "name",
                "status",
                "created_before",
                "created_after",
                "skip",
                "limit",
                "count_only",
            ],
        ),
        (
            "rest/coupon",
            &[
                "user_id",
                "template_id",
                "status",
                "limit_fee",
                "skip",
                "limit",
                "count_only",
            ],
        ),
    ];
    for (path, fields) in paras {
        for field in *fields {
            for value in &odd_json {
                let reply = client.get_para(path, json!({ *field: value }));
                assert!(handled(&reply), "GET {path} {field}={value}: {reply}");
            }
        }
    }
    ok(client.get("plan", &[]));
}

#[test]
fn subscription_coupon_codes_and_failed_duplicates() {
    let client = Client::start();
    let plan = json!({"fee": 100, "interval": "month", "name": "once", "anti_duplicate": true});
    let plan_id = text(&create_plan(&client, plan)["id"]);
    let template = template_id(&client, "九折");
    let deliver = |user: &str| {
        let reply = ok(client.post(
            "rest/coupon",
            json!({"template_id": template, "user_id": user}),
        ));
        text(&reply["coupon"]["id"])
    };
    let (mine, theirs) = (deliver("buyer-1"), deliver("buyer-2"));
    let with_coupon = |coupon: &str| {
        let (sms_id, code) = client.sms("13800000000");
        let mut fields = card_fields(&[]);
        for (k, v) in [
            ("buyer_id", "buyer-1"),
            ("plan_id", plan_id.as_str()),
            ("coupon_code", coupon),
        ] {
            fields.insert(k.into(), v.into());
        }
        fields.insert("sms_id".into(), sms_id.into());
        fields.insert("sms_code".into(), code.into());
        client.post("subscription", Value::Object(fields))
    };
    fails(with_coupon(&theirs), PARAM_INVALID);
    let first = ok(with_coupon(&mine))["subscription"].clone();
    assert_eq!(first["coupon_id"], mine.as_str());
    // A failed verification does not hold the plan: the buyer may subscribe again.
    client
        .emu
        .finish_subscription_verification(&text(&first["id"]), false)
        .expect("pending");
    subscribe(&client, &plan_id, "buyer-1", card_fields(&[]));
}
