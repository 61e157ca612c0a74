//! The control API room: every test hook over HTTP, JSON in and out, under [`PREFIX`]. It calls the same
//! methods as the [`Emulator`](super::Emulator) handle (hooks.rs), so both behave alike.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::core::{Answer, query_pairs};
use super::error::EmulatorError;
use super::records::{DeliveredWebhook, Fault, LoggedRequest, ReceivedWebhook};
use super::state::Shared;

/// Every control path starts with this; BeeCloud paths never do.
pub(crate) const PREFIX: &str = super::core::CONTROL_PREFIX;

/// One row of the endpoint list `GET /__emulator/` answers (and the README tables).
const ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/payments/complete",
        "pay a bill: {\"id\": bill id or bill_no}",
    ),
    (
        "POST",
        "/refunds/complete",
        "finish a refund in progress: {\"id\"}",
    ),
    (
        "POST",
        "/refunds/fail",
        "fail a refund in progress: {\"id\"}",
    ),
    (
        "POST",
        "/transfers/complete",
        "finish a transfer: {\"id\": id or number}",
    ),
    (
        "POST",
        "/transfers/fail",
        "fail a pending transfer (bank-card payouts push the failure)",
    ),
    (
        "POST",
        "/card_signings/complete",
        "sign a pending card signing: {\"id\": signing id or card_id}",
    ),
    (
        "POST",
        "/card_signings/fail",
        "fail a pending card signing (SIGN webhook, trade_success false)",
    ),
    (
        "GET",
        "/sms?phone=P",
        "the last SMS code sent to P: {\"phone\", \"code\"}",
    ),
    (
        "POST",
        "/subscriptions/verify",
        "end a card verification: {\"id\", \"success\": bool}",
    ),
    (
        "POST",
        "/subscriptions/charge",
        "one recurring charge: {\"id\"} ⇒ {\"bill_no\"}",
    ),
    (
        "POST",
        "/coupon_templates",
        "add a coupon template (template JSON) ⇒ {\"id\"}",
    ),
    (
        "POST",
        "/channels",
        "enable or disable a channel: {\"channel\", \"enabled\": bool}",
    ),
    (
        "POST",
        "/webhook_url",
        "set the app's webhook URL: {\"url\": str|null, \"test\": bool}",
    ),
    (
        "POST",
        "/public_url",
        "base of handed-out URLs: {\"url\": str|null} (null = the bound address)",
    ),
    (
        "POST",
        "/faults",
        "arm a one-shot fault: {\"path_prefix\", \"kind\", …}",
    ),
    ("DELETE", "/faults", "disarm every fault"),
    ("GET", "/clock", "the emulator clock: {\"now_ms\"}"),
    (
        "POST",
        "/clock",
        "move the clock: {\"advance_ms\"} or {\"now_ms\"} ⇒ {\"now_ms\"}",
    ),
    (
        "GET",
        "/requests",
        "the request log, oldest first: {\"requests\": […]}",
    ),
    (
        "GET",
        "/webhooks?wait_for=N&timeout_ms=T",
        "pushed webhooks, waiting for N delivered",
    ),
    (
        "GET",
        "/cashier_url?id=ID",
        "the pay page of a bill, refund or transfer: {\"url\"}",
    ),
    (
        "GET",
        "/knobs",
        "every behaviour switch (where SDKs and docs disagree, or are silent) and its value",
    ),
    (
        "POST",
        "/knobs",
        "set knobs: {\"strict_query_limit\": true, …}, all or none ⇒ every knob's value",
    ),
    ("POST", "/reset", "back to the state at start"),
    (
        "POST",
        "/sink/{any}",
        "the in-process webhook receiver (answers `success`)",
    ),
    (
        "GET",
        "/sink?wait_for=N&timeout_ms=T",
        "what the sink received: {\"received\": […]}",
    ),
    (
        "POST",
        "/apps",
        "a fresh app ⇒ {app_id, app_secret, master_secret, test_secret, base_url, control_url}",
    ),
    ("GET", "/apps", "every app: {\"apps\": [app_id…]}"),
    (
        "GET",
        "/apps/{app_id}",
        "an app's credentials and URLs; its control API is /apps/{app_id}/… (every path above)",
    ),
];

/// Answers one control request (`rest` is the path after [`PREFIX`]).
pub(crate) fn answer(
    shared: &Shared,
    method: &str,
    rest: &str,
    query: &str,
    body: &[u8],
) -> Answer {
    if method == "POST" && rest.starts_with("/sink/") {
        shared.sink_push(&format!("{PREFIX}{rest}"), body);
        return Answer::Text {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: "success".into(),
        };
    }
    let query = Query(query_pairs(query));
    match run(shared, method, rest.trim_end_matches('/'), &query, body) {
        Ok(reply) => Answer::Json(reply),
        Err(Refusal::Hook(error)) => error_answer(error.status(), &error.to_string()),
        Err(Refusal::NoRoute) => match allowed_methods(rest.trim_end_matches('/')) {
            Some(allowed) => Answer::WrongMethod(allowed),
            None => error_answer(404, "no such control endpoint; GET /__emulator/ lists them"),
        },
    }
}

/// The methods the endpoint list has for `path` (`None`: no such endpoint), as an `Allow` value.
fn allowed_methods(path: &str) -> Option<String> {
    let mut allowed: Vec<&str> = Vec::new();
    for (method, pattern, _) in ENDPOINTS {
        let pattern = pattern.split('?').next().unwrap_or_default();
        let matches = match pattern.strip_suffix("{any}") {
            Some(prefix) => path.starts_with(prefix) && path.len() > prefix.len(),
            None => pattern == path,
        };
        if matches && !allowed.contains(method) {
            allowed.push(method);
        }
    }
    if path.is_empty() {
        allowed.push("GET");
    }
    (!allowed.is_empty()).then(|| allowed.join(", "))
}

enum Refusal {
    Hook(EmulatorError),
    NoRoute,
}

impl From<EmulatorError> for Refusal {
    fn from(error: EmulatorError) -> Self {
        Refusal::Hook(error)
    }
}

pub(crate) fn error_answer(status: u16, message: &str) -> Answer {
    Answer::Text {
        status,
        content_type: "application/json",
        body: json!({ "error": message }).to_string(),
    }
}

struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn number(&self, name: &str) -> Result<Option<u64>, EmulatorError> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| EmulatorError::bad_input(format!("{name} must be a whole number")))
            })
            .transpose()
    }
}

fn run(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &Query,
    body: &[u8],
) -> Result<Map<String, Value>, Refusal> {
    let ok = || Ok(object(json!({ "ok": true })));
    match (method, path) {
        ("GET", "") => Ok(object(json!({
            "endpoints": ENDPOINTS
                .iter()
                .map(|(m, p, what)| json!({ "method": m, "path": format!("{PREFIX}{p}"), "does": what }))
                .collect::<Vec<_>>()
        }))),
        ("POST", "/payments/complete") => {
            shared.complete_payment(&id(body)?)?;
            ok()
        }
        ("POST", "/refunds/complete") => {
            shared.finish_refund(&id(body)?, true)?;
            ok()
        }
        ("POST", "/refunds/fail") => {
            shared.finish_refund(&id(body)?, false)?;
            ok()
        }
        ("POST", "/transfers/complete") => {
            shared.finish_transfer(&id(body)?, true)?;
            ok()
        }
        ("POST", "/transfers/fail") => {
            shared.finish_transfer(&id(body)?, false)?;
            ok()
        }
        ("POST", "/card_signings/complete") => {
            shared.finish_card_signing(&id(body)?, true)?;
            ok()
        }
        ("POST", "/card_signings/fail") => {
            shared.finish_card_signing(&id(body)?, false)?;
            ok()
        }
        ("GET", "/sms") => {
            let phone = query
                .get("phone")
                .ok_or_else(|| EmulatorError::bad_input("phone is required"))?;
            let code = shared
                .last_sms_code(phone)
                .ok_or_else(|| EmulatorError::not_found(format!("no SMS sent to {phone}")))?;
            Ok(object(json!({ "phone": phone, "code": code })))
        }
        ("POST", "/subscriptions/verify") => {
            let fields = json_body(body)?;
            let success = fields
                .get("success")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            shared.finish_subscription_verification(&text(&fields, "id")?, success)?;
            ok()
        }
        ("POST", "/subscriptions/charge") => {
            let bill_no = shared.charge_subscription(&id(body)?)?;
            Ok(object(json!({ "bill_no": bill_no })))
        }
        ("POST", "/coupon_templates") => {
            let id = shared.add_coupon_template(json_body(body)?);
            Ok(object(json!({ "id": id })))
        }
        ("POST", "/channels") => {
            let fields = json_body(body)?;
            let enabled = fields
                .get("enabled")
                .and_then(Value::as_bool)
                .ok_or_else(|| EmulatorError::bad_input("enabled (true or false) is required"))?;
            shared.set_channel_enabled(&text(&fields, "channel")?, enabled);
            ok()
        }
        ("POST", "/webhook_url") => {
            let fields = json_body(body)?;
            let test = fields.get("test").and_then(Value::as_bool).unwrap_or(false);
            let url = optional_url(&fields)?;
            shared.set_webhook_url(test, url)?;
            ok()
        }
        ("POST", "/public_url") => {
            let fields = json_body(body)?;
            let url = optional_url(&fields)?;
            shared.set_public_url(url)?;
            ok()
        }
        ("POST", "/faults") => {
            let fields = json_body(body)?;
            let prefix = text(&fields, "path_prefix")?;
            shared.inject_fault(&prefix, fault(&fields)?);
            ok()
        }
        ("DELETE", "/faults") => {
            shared.clear_faults();
            ok()
        }
        ("GET", "/clock") => Ok(object(json!({ "now_ms": shared.now_ms() }))),
        ("POST", "/clock") => {
            let fields = json_body(body)?;
            match (fields.get("advance_ms"), fields.get("now_ms")) {
                (Some(by), None) => {
                    let by = by.as_u64().ok_or_else(|| {
                        EmulatorError::bad_input("advance_ms must be a whole number ≥ 0")
                    })?;
                    shared.advance_clock(Duration::from_millis(by));
                }
                (None, Some(at)) => {
                    let at = at
                        .as_i64()
                        .ok_or_else(|| EmulatorError::bad_input("now_ms must be a whole number"))?;
                    shared.set_clock_ms(at);
                }
                _ => return Err(EmulatorError::bad_input("give advance_ms or now_ms").into()),
            }
            Ok(object(json!({ "now_ms": shared.now_ms() })))
        }
        ("GET", "/requests") => {
            let all = shared.requests();
            let limit = query.number("limit")?.map_or(all.len(), |n| n as usize);
            let skip = all.len().saturating_sub(limit);
            let list: Vec<Value> = all[skip..].iter().map(request_json).collect();
            Ok(object(json!({ "requests": list })))
        }
        ("GET", "/webhooks") => {
            let wanted = query.number("wait_for")?.unwrap_or(0) as usize;
            let timeout = Duration::from_millis(query.number("timeout_ms")?.unwrap_or(10_000));
            let found = shared.wait_for_webhooks(wanted, timeout, true);
            let delivered = found.iter().filter(|w| w.delivered).count();
            let list: Vec<Value> = found.iter().map(webhook_json).collect();
            let mut reply = object(json!({ "webhooks": list }));
            if delivered < wanted {
                // Answered early or late, a newcomer should learn why nothing came.
                reply.insert(
                    "hint".into(),
                    format!(
                        "only {delivered} of {wanted} delivered (the wait ends early when none is pending): \
                         a push is queued when a \
                         bill is paid (POST {PREFIX}/payments/complete), a refund or transfer finishes…; \
                         pushes go to the request's notify_url, else the app's webhook URL, else \
                         {PREFIX}/sink/live (GET {PREFIX}/sink)"
                    )
                    .into(),
                );
            }
            Ok(reply)
        }
        ("GET", "/cashier_url") => {
            let id = query
                .get("id")
                .ok_or_else(|| EmulatorError::bad_input("id is required"))?;
            Ok(object(json!({ "url": shared.cashier_url(id) })))
        }
        ("GET", "/knobs") => Ok(shared.knobs()),
        ("POST", "/knobs") => Ok(shared.set_knobs(&json_body(body)?)?),
        ("POST", "/reset") => {
            shared.reset();
            ok()
        }
        ("GET", "/sink") => {
            let wanted = query.number("wait_for")?.unwrap_or(0) as usize;
            let timeout = Duration::from_millis(query.number("timeout_ms")?.unwrap_or(10_000));
            let list: Vec<Value> = shared
                .sink_wait(wanted, timeout)
                .iter()
                .map(received_json)
                .collect();
            Ok(object(json!({ "received": list })))
        }
        _ => Err(Refusal::NoRoute),
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn json_body(body: &[u8]) -> Result<Map<String, Value>, EmulatorError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(EmulatorError::bad_input("the body must be a JSON object")),
        Err(e) => Err(EmulatorError::bad_input(format!(
            "the body is not JSON: {e}"
        ))),
    }
}

fn text(fields: &Map<String, Value>, name: &str) -> Result<String, EmulatorError> {
    match fields.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(EmulatorError::bad_input(format!(
            "{name} (a non-empty string) is required"
        ))),
    }
}

/// The `url` field: a string, or null / absent for "none".
fn optional_url(fields: &Map<String, Value>) -> Result<Option<&str>, EmulatorError> {
    match fields.get("url") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(url)) => Ok(Some(url.as_str())),
        Some(_) => Err(EmulatorError::bad_input("url must be a string or null")),
    }
}

fn id(body: &[u8]) -> Result<String, EmulatorError> {
    text(&json_body(body)?, "id")
}

/// `{"kind": "http_status", "status": 503}`, `{"kind": "delay", "ms": 200}`, … (README table).
fn fault(fields: &Map<String, Value>) -> Result<Fault, EmulatorError> {
    let number = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| EmulatorError::bad_input(format!("{name} (a whole number) is required")))
    };
    Ok(match text(fields, "kind")?.as_str() {
        "http_status" => Fault::HttpStatus(
            u16::try_from(number("status")?)
                .ok()
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| EmulatorError::bad_input("status must be 100..=599"))?,
        ),
        "non_json" => Fault::NonJson,
        "missing_result_code" => Fault::MissingResultCode,
        "delay" => Fault::Delay(Duration::from_millis(number("ms")?.min(60_000))),
        "close_mid_body" => Fault::CloseMidBody,
        "oversized" => Fault::Oversized(number("bytes")?.min(64 << 20) as usize),
        "api_error" => Fault::ApiError(
            fields
                .get("code")
                .and_then(Value::as_i64)
                .ok_or_else(|| EmulatorError::bad_input("code (a result_code) is required"))?,
        ),
        other => {
            return Err(EmulatorError::bad_input(format!(
                "unknown fault kind {other}: http_status, non_json, missing_result_code, delay, \
                 close_mid_body, oversized, api_error"
            )));
        }
    })
}

fn request_json(request: &LoggedRequest) -> Value {
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "body": request.body,
        "body_bytes": request.body_bytes,
    })
}

fn webhook_json(webhook: &DeliveredWebhook) -> Value {
    json!({
        "url": webhook.url,
        "body": webhook.body,
        "attempts": webhook.attempts,
        "delivered": webhook.delivered,
        "last_response": webhook.last_response,
    })
}

fn received_json(received: &ReceivedWebhook) -> Value {
    json!({ "path": received.path, "body": received.body })
}
