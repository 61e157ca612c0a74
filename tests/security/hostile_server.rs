//! A hostile BeeCloud: a raw-TCP server on 127.0.0.1 answers every operation of the SDK with seeded
//! random and adversarial replies — bad framing, truncation, huge and endless bodies, wrong types in
//! every field, 1xx/3xx/5xx, slow and stalled bodies, echoes of the signed request — and every
//! answer is checked: no panic; `Ok` only for HTTP 200 + a JSON object + `result_code` 0 from the
//! configured host (a redirect's target is never contacted); the error's `outcome_unknown()` is
//! false only for a clear refusal (`Api`); one request per call; no `app_sign` in any error text;
//! every call ends within its deadline. The seed is fixed and the timing margins wide, so the run is
//! deterministic; it takes a few seconds. (Long because it lists every operation with valid
//! parameters, so that each one reaches the wire.)
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use crate::support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use beecloud::entity::*;
use beecloud::{BCError, BCPay, BCQuery, sales, user, utils};
use serde_json::{Map, Value, json};
use support::garbage::Rng;
use support::{APP_ID, APP_SECRET, MASTER_SECRET};

const SEED: u64 = 0x7E57_BEEC_10AD_0007;
const CASES: usize = 260;
const WORKERS: usize = 8;
/// How much later than its deadline a call may end on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

/// How a body is framed on the wire.
#[derive(Clone, Copy, Debug)]
enum Framing {
    Length,
    Chunked,
    /// No length: the body ends when the connection closes.
    UntilClose,
}

/// One adversarial answer.
#[derive(Clone, Debug)]
enum Hostile {
    /// A well-formed HTTP answer.
    Answer {
        status: u16,
        body: Vec<u8>,
        framing: Framing,
    },
    /// A 5xx or 200 whose body is the signed request itself.
    Echo { status: u16 },
    /// A business error whose `result_msg` and `err_detail` are the signed request.
    EchoEnvelope,
    /// A 3xx to the decoy host (a query string that must not show in errors).
    Redirect { status: u16, with_location: bool },
    /// A 1xx head and then nothing.
    Informational { status: u16 },
    /// Bytes that are no HTTP status line.
    Garbage(Vec<u8>),
    /// The head stops in the middle.
    TruncatedHead,
    /// The connection closes without a byte.
    Silence,
    /// `Content-Length` promises more than is sent.
    TruncatedBody,
    /// 9 MiB of valid JSON, fast.
    Huge,
    /// A chunked body that never ends.
    Endless,
    /// Head, then a byte of body every 100 ms for ever.
    Trickle,
    /// Head, then nothing.
    Stall,
}

/// What the SDK must make of a reply.
#[derive(Debug, PartialEq)]
enum Expect {
    /// `Ok`, or `UnreadableSuccess` when the payload does not decode.
    Success,
    /// `Api` with this code.
    Refusal(i64),
    /// `InvalidResponse`.
    Invalid,
    /// `HttpStatus`.
    Status,
    /// `Redirect`.
    Redirect,
    /// `BodyTooLarge`, `Timeout` or `Transport`.
    Unreadable,
    /// `Timeout` (or `Transport` if the server gives up first).
    Slow,
}

/// A text shows a secret, the signature the SDK sent or the query of a redirect: the words
/// `app_sign` or `para=` may appear (an echo of the request), their values never.
fn leaks_request_data(shown: &str) -> bool {
    let signature_shown = ["app_sign%22%3A%22", "\"app_sign\":\""]
        .iter()
        .flat_map(|key| {
            shown
                .match_indices(key)
                .map(move |(at, _)| &shown[at + key.len()..])
        })
        // An excerpt may cut the value short: what is shown must be (the start of) `<redacted>`.
        .map(|value| value.split('…').next().unwrap_or_default())
        .any(|value| !value.starts_with("<redacted>") && !"<redacted>".starts_with(value));
    signature_shown
        || [APP_SECRET, MASTER_SECRET, "leak"]
            .iter()
            .any(|secret| shown.contains(secret))
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 1 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 1),
        2 => json!(rng.next() as i64),
        3 => json!(-(rng.below(1000) as i64)),
        4 => json!(1.5),
        5 => json!(rng.pick(&["", "x", "0", "中文", "\u{0}", "9999999999999999999999"])),
        6 => Value::Array(
            (0..rng.below(3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for key in ["id", "total_fee", "spay_result", "bill_no"] {
                if rng.below(2) == 1 {
                    map.insert(key.into(), random_value(rng, depth + 1));
                }
            }
            Value::Object(map)
        }
    }
}

/// Payload keys of the operations' results, each filled with a random type.
const PAYLOAD_KEYS: &[&str] = &[
    "id",
    "url",
    "html",
    "code_url",
    "bills",
    "refunds",
    "count",
    "total_count",
    "refund_status",
    "pay_result",
    "plans",
    "plan",
    "subscriptions",
    "subscription",
    "banks",
    "bank_list",
    "sms_id",
    "card_id",
    "users",
    "coupon",
    "coupons",
    "template",
    "templates",
    "result_msg",
    "err_detail",
];

fn envelope_body(rng: &mut Rng, code: Value) -> Value {
    let mut body = Map::new();
    body.insert("result_code".into(), code);
    for key in PAYLOAD_KEYS {
        if rng.below(3) == 0 {
            body.insert((*key).into(), random_value(rng, 0));
        }
    }
    if rng.below(2) == 0 {
        body.insert("id".into(), json!("bill-id"));
    }
    Value::Object(body)
}

fn random_hostile(rng: &mut Rng) -> Hostile {
    let framing = *rng.pick(&[Framing::Length, Framing::Chunked, Framing::UntilClose]);
    let answer = |status, body: Value| Hostile::Answer {
        status,
        body: body.to_string().into_bytes(),
        framing,
    };
    match rng.below(20) {
        0..=3 => {
            let code = rng.pick(&[json!(0), json!("0"), json!(" 0 ")]).clone();
            answer(200, envelope_body(rng, code))
        }
        4 | 5 => {
            let status = *rng.pick(&[200, 200, 400, 401, 404, 409, 429]);
            let code = *rng.pick(&[1i64, 2, 5, 7, 14, 99, -3]);
            answer(status, envelope_body(rng, json!(code)))
        }
        6 => {
            let status = *rng.pick(&[200, 400, 404]);
            let bodies: [&[u8]; 8] = [
                b"success",
                b"",
                b"[1,2]",
                b"\"result_code\"",
                br#"{"result_code":null}"#,
                br#"{"result_code":true}"#,
                br#"{"result_code":1.5}"#,
                br#"{"result_msg":"OK","id":"x"}"#,
            ];
            Hostile::Answer {
                status,
                body: rng.pick(&bodies).to_vec(),
                framing,
            }
        }
        7 => answer(
            *rng.pick(&[400, 403, 404]),
            json!({"result_code": 0, "id": "x"}),
        ),
        8 => {
            let status = *rng.pick(&[201, 202, 204, 206, 500, 502, 503, 504, 599]);
            answer(status, envelope_body(rng, json!(0)))
        }
        9 if rng.below(3) == 0 => Hostile::EchoEnvelope,
        9 => Hostile::Echo {
            status: *rng.pick(&[200, 500, 502]),
        },
        10 | 11 => Hostile::Redirect {
            status: *rng.pick(&[301, 302, 303, 307, 308]),
            with_location: rng.below(5) != 0,
        },
        12 => Hostile::Informational {
            status: *rng.pick(&[100, 102, 103]),
        },
        13 => Hostile::Garbage(
            rng.pick(&[
                &b"HTTP/1.1 abc Nope\r\n\r\n"[..],
                b"SSH-2.0-OpenSSH\r\n",
                b"\x00\x01\x02\xff\xfe",
                b"HTTP/9.9 200 OK\r\n\r\n{}",
                b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}",
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
            ])
            .to_vec(),
        ),
        14 => rng
            .pick(&[Hostile::TruncatedHead, Hostile::Silence])
            .clone(),
        15 => Hostile::TruncatedBody,
        16 => rng.pick(&[Hostile::Huge, Hostile::Endless]).clone(),
        17 => Hostile::Trickle,
        18 => Hostile::Stall,
        _ => {
            // Wrong types in the envelope fields themselves.
            let mut body = envelope_body(rng, json!(0));
            body["result_msg"] = random_value(rng, 0);
            body["err_detail"] = random_value(rng, 0);
            answer(200, body)
        }
    }
}

fn code_of(body: &[u8]) -> Option<Option<i64>> {
    let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    Some(match raw.get("result_code")? {
        Value::Number(code) => code.as_i64(),
        Value::String(code) => code.trim().parse().ok(),
        _ => None,
    })
}

fn expectation(hostile: &Hostile) -> Expect {
    match hostile {
        Hostile::Answer { status, body, .. } => match (*status, code_of(body)) {
            (200, Some(Some(0))) => Expect::Success,
            (200 | 400..=499, Some(Some(code))) if code != 0 => Expect::Refusal(code),
            (200 | 400..=499, _) => Expect::Invalid,
            _ => Expect::Status,
        },
        Hostile::Echo { status: 200 } => Expect::Invalid,
        Hostile::EchoEnvelope => Expect::Refusal(5),
        Hostile::Echo { .. } => Expect::Status,
        Hostile::Redirect { .. } => Expect::Redirect,
        Hostile::Informational { .. }
        | Hostile::Garbage(_)
        | Hostile::TruncatedHead
        | Hostile::Silence
        | Hostile::TruncatedBody
        | Hostile::Huge
        | Hostile::Endless => Expect::Unreadable,
        Hostile::Trickle | Hostile::Stall => Expect::Slow,
    }
}

// ---------------------------------------------------------------- the server

/// Reads one request (head + `Content-Length` body), at most 1 MiB.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().unwrap_or(0));
            if request.len() >= end + 4 + length {
                return Some(request);
            }
        }
        let read = stream.read(&mut buf).ok()?;
        if read == 0 || request.len() > 1 << 20 {
            return None;
        }
        request.extend_from_slice(&buf[..read]);
    }
}

fn write_answer(stream: &mut TcpStream, status: u16, body: &[u8], framing: Framing) {
    let mut head = format!("HTTP/1.1 {status} Hostile\r\nContent-Type: application/json\r\n");
    match framing {
        Framing::Length => head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len())),
        Framing::Chunked => head.push_str("Transfer-Encoding: chunked\r\n\r\n"),
        Framing::UntilClose => head.push_str("Connection: close\r\n\r\n"),
    }
    let _ = stream.write_all(head.as_bytes());
    match framing {
        Framing::Chunked => {
            for chunk in body.chunks(7) {
                let _ = write!(stream, "{:x}\r\n", chunk.len());
                let _ = stream.write_all(chunk);
                let _ = stream.write_all(b"\r\n");
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        }
        _ => {
            let _ = stream.write_all(body);
        }
    }
}

/// Keeps writing `piece` (with `pause` between) until the client goes away or `limit` passes.
fn keep_writing(stream: &mut TcpStream, piece: &[u8], pause: Duration, limit: Duration) {
    let started = Instant::now();
    while started.elapsed() < limit {
        if stream.write_all(piece).is_err() {
            return;
        }
        if !pause.is_zero() {
            thread::sleep(pause);
        }
    }
}

fn serve(mut stream: TcpStream, hostile: &Hostile, decoy: &str, requests: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    requests.fetch_add(1, Ordering::SeqCst);
    match hostile {
        Hostile::Answer {
            status,
            body,
            framing,
        } => write_answer(&mut stream, *status, body, *framing),
        Hostile::Echo { status } => write_answer(&mut stream, *status, &request, Framing::Length),
        Hostile::EchoEnvelope => {
            let text = String::from_utf8_lossy(&request);
            let body = json!({"result_code": 5, "result_msg": text, "err_detail": text});
            write_answer(
                &mut stream,
                200,
                body.to_string().as_bytes(),
                Framing::Length,
            );
        }
        Hostile::Redirect {
            status,
            with_location,
        } => {
            let location = if *with_location {
                format!("Location: {decoy}/2/rest/bill?para=%7B%22app_sign%22%3A%22leak%22%7D\r\n")
            } else {
                String::new()
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Moved\r\n{location}Content-Length: 0\r\n\r\n"
            );
        }
        Hostile::Informational { status } => {
            let _ = write!(stream, "HTTP/1.1 {status} Wait\r\n\r\n");
        }
        Hostile::Garbage(bytes) => {
            let _ = stream.write_all(bytes);
        }
        Hostile::TruncatedHead => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Len");
        }
        Hostile::Silence => {}
        Hostile::TruncatedBody => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"result_code\":0,");
        }
        Hostile::Huge => {
            let mut body = b"{\"result_code\":0,\"pad\":\"".to_vec();
            body.resize(9 << 20, b'x');
            body.extend_from_slice(b"\"}");
            write_answer(&mut stream, 200, &body, Framing::Length);
        }
        Hostile::Endless => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend_from_slice(&[b' '; 0x4000]);
            chunk.extend_from_slice(b"\r\n");
            keep_writing(&mut stream, &chunk, Duration::ZERO, Duration::from_secs(5));
        }
        Hostile::Trickle => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{");
            keep_writing(
                &mut stream,
                b" ",
                Duration::from_millis(100),
                Duration::from_secs(5),
            );
        }
        Hostile::Stall => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
            thread::sleep(Duration::from_secs(3));
        }
    }
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// A server answering every connection with `hostile`; counts the requests it read.
struct HostileServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl HostileServer {
    fn start(hostile: Hostile, decoy: String) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        thread::spawn(move || {
            // One connection per call (each case has its own agent); a stray second one is served
            // too, and counted.
            listener.set_nonblocking(false).unwrap();
            for stream in listener.incoming().take(3) {
                let Ok(stream) = stream else { return };
                let (hostile, decoy, counted) =
                    (hostile.clone(), decoy.clone(), Arc::clone(&counted));
                thread::spawn(move || serve(stream, &hostile, &decoy, &counted));
            }
        });
        HostileServer { url, requests }
    }
}

/// The host a redirect points to: it would answer a perfect success, and must never be asked.
fn decoy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let contacted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&contacted);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            if read_request(&mut stream).is_some() {
                let body =
                    br#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"NOT-A-REFUND"}"#;
                write_answer(&mut stream, 200, body, Framing::Length);
            }
        }
    });
    (url, contacted)
}

// ---------------------------------------------------------------- every operation

type Operation = (&'static str, fn(&BCApp) -> Result<(), BCError>);

fn done<T>(result: Result<T, BCError>) -> Result<(), BCError> {
    result.map(|_| ())
}

fn pay_params() -> BCPayReqParams {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.total_fee = Some(1);
    params.bill_no = Some("201712011200001".into());
    params.title = Some("hostile".into());
    params
}

fn refund_params() -> BCRefundReqParams {
    let mut params = BCRefundReqParams::default();
    params.refund_no = Some("201712011300001".into());
    params.bill_no = Some("201712011200001".into());
    params.refund_fee = Some(1);
    params
}

const OPERATIONS: &[Operation] = &[
    ("pay", |app| {
        done(BCPay::new(app.clone()).pay(&pay_params()))
    }),
    ("offline_pay", |app| {
        done(BCPay::new(app.clone()).offline_pay(&pay_params()))
    }),
    ("international_pay", |app| {
        let mut params = BCInternationalPayParams::default();
        params.channel = Some(BCChannelType::PAYPAL_PAYPAL);
        params.total_fee = Some(1);
        params.currency = Some("USD".into());
        params.bill_no = Some("201712011200002".into());
        params.title = Some("hostile".into());
        done(BCPay::new(app.clone()).international_pay(&params))
    }),
    ("refund", |app| {
        done(BCPay::new(app.clone()).refund(&refund_params()))
    }),
    ("offline_refund", |app| {
        done(BCPay::new(app.clone()).offline_refund(&refund_params()))
    }),
    ("offline_revert", |app| {
        done(BCPay::new(app.clone()).offline_revert("201712011200001", None))
    }),
    ("audit_pre_refunds", |app| {
        let mut params = BCPreRefundAuditParams::default();
        params.ids = Some(vec!["r1".into()]);
        params.agree = Some(true);
        done(BCPay::new(app.clone()).audit_pre_refunds(&params))
    }),
    ("transfer", |app| {
        let mut params = BCTransferReqParams::default();
        params.channel = Some(BCChannelType::WX_TRANSFER);
        params.transfer_no = Some("201712011400001".into());
        params.total_fee = Some(100);
        params.desc = Some("hostile".into());
        params.channel_user_id = Some("openid".into());
        done(BCPay::new(app.clone()).transfer(&params))
    }),
    ("bc_transfer", |app| {
        let mut params = BCCardTransferParams::default();
        params.total_fee = Some(1);
        params.bill_no = Some("201712011500001".into());
        params.title = Some("hostile".into());
        params.bank_fullname = Some("中国银行".into());
        params.card_type = Some("DE".into());
        params.account_type = Some("P".into());
        params.account_no = Some("6222000000000000".into());
        params.account_name = Some("张三".into());
        done(BCPay::new(app.clone()).bc_transfer(&params))
    }),
    ("batch_transfer", |app| {
        let mut item = BCBatchTransferItem::default();
        item.transfer_id = Some("t1".into());
        item.receiver_account = Some("a@example.com".into());
        item.receiver_name = Some("张三".into());
        item.transfer_fee = Some(1);
        let mut params = BCBatchTransferParams::default();
        params.channel = Some(BCChannelType::ALI);
        params.batch_no = Some("201712011600001".into());
        params.account_name = Some("merchant".into());
        params.transfer_data = Some(vec![item]);
        done(BCPay::new(app.clone()).batch_transfer(&params))
    }),
    ("send_sms_passcode", |app| {
        done(BCPay::new(app.clone()).send_sms_passcode("13800000000"))
    }),
    ("subscribe", |app| {
        let mut subscription = BCSubscription::default();
        subscription.buyer_id = Some("buyer".into());
        subscription.plan_id = Some("plan".into());
        done(BCPay::new(app.clone()).subscribe(&subscription, "sms", "1234", None))
    }),
    ("cancel_subscription", |app| {
        done(BCPay::new(app.clone()).cancel_subscription("sub-1"))
    }),
    ("cancel_subscription_at_period_end", |app| {
        done(BCPay::new(app.clone()).cancel_subscription_at_period_end("sub-1"))
    }),
    ("update_subscription", |app| {
        let mut changes = BCSubscription::default();
        changes.amount = Some(2.0);
        done(BCPay::new(app.clone()).update_subscription("sub-1", &changes))
    }),
    ("create_plan", |app| {
        let mut plan = BCPlan::default();
        plan.fee = Some(100);
        plan.interval = Some("month".into());
        plan.name = Some("plan".into());
        done(BCPay::new(app.clone()).create_plan(&plan))
    }),
    ("update_plan", |app| {
        done(BCPay::new(app.clone()).update_plan("plan-1", Some("new"), None))
    }),
    ("delete_plan", |app| {
        done(BCPay::new(app.clone()).delete_plan("plan-1"))
    }),
    ("query_bills", |app| {
        done(BCQuery::new(app.clone()).query_bills(None))
    }),
    ("query_bills_count", |app| {
        done(BCQuery::new(app.clone()).query_bills_count(None))
    }),
    ("query_refunds", |app| {
        done(BCQuery::new(app.clone()).query_refunds(None))
    }),
    ("query_refunds_count", |app| {
        done(BCQuery::new(app.clone()).query_refunds_count(None))
    }),
    ("query_bill_by_id", |app| {
        done(BCQuery::new(app.clone()).query_bill_by_id("bill-1"))
    }),
    ("query_refund_by_id", |app| {
        done(BCQuery::new(app.clone()).query_refund_by_id("refund-1"))
    }),
    ("query_refund_status", |app| {
        done(BCQuery::new(app.clone()).query_refund_status(BCChannelType::WX, "201712011300001"))
    }),
    ("query_offline_bill_status", |app| {
        done(BCQuery::new(app.clone()).query_offline_bill_status("201712011200001", None))
    }),
    ("query_reconciliation", |app| {
        done(BCQuery::new(app.clone()).query_reconciliation("bill-1"))
    }),
    ("query_bc_transfer_supported_banks", |app| {
        done(BCQuery::new(app.clone()).query_bc_transfer_supported_banks("C"))
    }),
    ("query_plans", |app| {
        done(BCQuery::new(app.clone()).query_plans(None))
    }),
    ("query_plan_by_id", |app| {
        done(BCQuery::new(app.clone()).query_plan_by_id("plan-1"))
    }),
    ("query_subscription_payment_supported_banks", |app| {
        done(BCQuery::new(app.clone()).query_subscription_payment_supported_banks())
    }),
    ("query_subscriptions", |app| {
        done(BCQuery::new(app.clone()).query_subscriptions(None))
    }),
    ("query_subscription_by_id", |app| {
        done(BCQuery::new(app.clone()).query_subscription_by_id("sub-1"))
    }),
    ("add_merchant_user", |app| {
        done(user::add_merchant_user(app, "buyer"))
    }),
    ("batch_add_merchant_users", |app| {
        done(user::batch_add_merchant_users(
            app,
            "m@example.com",
            ["b1", "b2"],
        ))
    }),
    ("query_merchant_users", |app| {
        done(user::query_merchant_users(app, None, None, None))
    }),
    ("attach_buyer_history_bills", |app| {
        let bills = BTreeMap::from([("buyer".to_string(), vec!["201712011200001".to_string()])]);
        done(user::attach_buyer_history_bills(app, &bills))
    }),
    ("query_coupon_template", |app| {
        done(sales::query_coupon_template(app, "tpl"))
    }),
    ("query_coupon_templates", |app| {
        done(sales::query_coupon_templates(app, None))
    }),
    ("query_coupon", |app| {
        done(sales::query_coupon(app, "coupon"))
    }),
    ("query_coupons", |app| done(sales::query_coupons(app, None))),
    ("create_coupon", |app| {
        done(sales::create_coupon(app, "tpl", "buyer"))
    }),
    ("utils::send_sms_passcode", |app| {
        done(utils::send_sms_passcode(app, "13800000000"))
    }),
    ("verify_card_factors", |app| {
        done(utils::verify_card_factors(
            app,
            "张三",
            "110101199001011234",
            None,
            None,
        ))
    }),
];

fn app_for(url: &str, timeout: BCTimeout) -> BCApp {
    let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = url.to_string();
    app.timeout = Some(timeout);
    app
}

/// Why a case went wrong, or `None`.
fn check(
    operation: &str,
    hostile: &Hostile,
    timeout: BCTimeout,
    outcome: &Result<(), BCError>,
    elapsed: Duration,
    requests: usize,
) -> Option<String> {
    let expected = expectation(hostile);
    let deadline = timeout.deadline();
    if elapsed > deadline + SLACK {
        return Some(format!("took {elapsed:?}, deadline {deadline:?}"));
    }
    if requests != 1 {
        return Some(format!("{requests} requests, expected exactly 1"));
    }
    let err = match outcome {
        Ok(()) if expected == Expect::Success => return None,
        Ok(()) => return Some(format!("Ok although {expected:?} was due")),
        Err(err) => err,
    };
    let fits = match (&expected, err) {
        (Expect::Success, BCError::UnreadableSuccess { .. }) => true,
        (Expect::Refusal(code), BCError::Api { result_code, .. }) => code == result_code,
        (Expect::Invalid, BCError::InvalidResponse { .. }) => true,
        (Expect::Status, BCError::HttpStatus { .. }) => true,
        (Expect::Redirect, BCError::Redirect { .. }) => true,
        (
            Expect::Unreadable,
            BCError::BodyTooLarge { .. } | BCError::Timeout { .. } | BCError::Transport { .. },
        ) => true,
        (Expect::Slow, BCError::Timeout { .. } | BCError::Transport { .. }) => true,
        _ => false,
    };
    if !fits {
        return Some(format!("{err:?} although {expected:?} was due"));
    }
    let refused = matches!(err, BCError::Api { .. });
    if err.outcome_unknown() == refused {
        return Some(format!(
            "outcome_unknown {} for {err:?}",
            err.outcome_unknown()
        ));
    }
    if err.result_code().is_none() {
        return Some(format!("no result_code for {err:?}"));
    }
    for shown in [err.to_string(), format!("{err:?}")] {
        if leaks_request_data(&shown) {
            return Some(format!("signed request data in {shown}"));
        }
    }
    if let Hostile::Echo { .. } = hostile {
        if !err
            .response_body()
            .is_some_and(|body| body.contains(" HTTP/1.1\r\n"))
        {
            return Some(format!(
                "{operation}: the echoed body is not reachable in full"
            ));
        }
    }
    None
}

#[test]
fn every_operation_survives_a_hostile_server() {
    let mut rng = Rng(SEED);
    let timeouts = [
        BCTimeout::ConnectRead {
            connect: Duration::from_millis(500),
            read: Duration::from_millis(300),
        },
        BCTimeout::Total(Duration::from_millis(1200)),
    ];
    let cases: Vec<(usize, Hostile, BCTimeout)> = (0..CASES)
        .map(|i| {
            (
                i % OPERATIONS.len(),
                random_hostile(&mut rng),
                timeouts[i % 3 / 2],
            )
        })
        .collect();
    let kinds: std::collections::HashSet<_> = cases
        .iter()
        .map(|(_, hostile, _)| std::mem::discriminant(hostile))
        .collect();
    assert_eq!(
        kinds.len(),
        13,
        "the seed reaches every kind of hostile answer"
    );
    let (decoy_url, decoy_contacts) = decoy();
    let queue = Mutex::new(cases.into_iter());
    let failures = Mutex::new(Vec::new());
    let tally = Mutex::new(BTreeMap::<String, usize>::new());
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let Some((op, hostile, timeout)) = queue.lock().unwrap().next() else {
                        return;
                    };
                    let (name, call) = OPERATIONS[op];
                    let server = HostileServer::start(hostile.clone(), decoy_url.clone());
                    let app = app_for(&server.url, timeout);
                    let called = Instant::now();
                    let outcome = call(&app);
                    let elapsed = called.elapsed();
                    // The server counts a request once it has read it; give it a moment.
                    let deadline = Instant::now() + Duration::from_millis(500);
                    while server.requests.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(5));
                    }
                    let requests = server.requests.load(Ordering::SeqCst);
                    let kind = match &outcome {
                        Ok(()) => "Ok".to_string(),
                        Err(err) => format!("{err:?}")
                            .split([' ', '{'])
                            .next()
                            .unwrap()
                            .to_string(),
                    };
                    *tally.lock().unwrap().entry(kind).or_default() += 1;
                    if let Some(why) = check(name, &hostile, timeout, &outcome, elapsed, requests) {
                        let shown: String = format!("{hostile:?}").chars().take(200).collect();
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{name} vs {shown}: {why}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let tally = tally.into_inner().unwrap();
    eprintln!("outcomes: {tally:?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The mix reaches every class of answer.
    for kind in [
        "Ok",
        "Api",
        "InvalidResponse",
        "UnreadableSuccess",
        "HttpStatus",
        "Redirect",
        "Timeout",
        "Transport",
        "BodyTooLarge",
    ] {
        assert!(tally.contains_key(kind), "no {kind} among {tally:?}");
    }
    assert_eq!(
        decoy_contacts.load(Ordering::SeqCst),
        0,
        "a redirect was followed"
    );
    eprintln!("{CASES} hostile cases in {:?}", started.elapsed());
}

// ---------------------------------------------------------------- known ways a server broke the SDK, one by one

/// A server for one scripted exchange: `answer` gets the request and the stream.
fn one_shot(answer: impl FnOnce(Vec<u8>, &mut TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            if let Some(request) = read_request(&mut stream) {
                answer(request, &mut stream);
            }
            let _ = stream.shutdown(Shutdown::Both);
        }
    });
    url
}

#[test]
fn a_redirected_refund_is_an_error_and_the_other_host_is_never_asked() {
    let (decoy_url, decoy_contacts) = decoy();
    for status in [301, 302, 303, 307, 308] {
        let target = format!("{decoy_url}/2/rest/refund?para=%7B%22app_sign%22%3A%22leak%22%7D");
        let url = one_shot(move |_, stream| {
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Moved\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n"
            );
        });
        let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
        app.api_host = url;
        let err = BCPay::new(app).refund(&refund_params()).unwrap_err();
        assert_eq!(err.result_code(), Some(-1), "{status}: {err:?}");
        assert_eq!(err.result_msg(), status.to_string());
        assert!(err.outcome_unknown(), "{status}: the server may have acted");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains(&decoy_url), "the Location is named: {shown}");
        assert!(
            !shown.contains("leak") && !shown.contains("para="),
            "{shown}"
        );
    }
    assert_eq!(
        decoy_contacts.load(Ordering::SeqCst),
        0,
        "a redirect was followed"
    );
}

#[test]
fn outcome_unknown_whenever_the_server_may_have_acted() {
    let answers: [&[u8]; 4] = [
        // A 5xx after the request arrived.
        b"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}",
        // result_code 0 without the id: the bill exists, the answer is unreadable.
        b"HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n{\"result_code\":0,\"result_msg\":1}",
        // Not JSON at all.
        b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccess",
        // A redirect.
        b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
    ];
    for answer in answers {
        let url = one_shot(move |_, stream| {
            let _ = stream.write_all(answer);
        });
        let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
        app.api_host = url;
        let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
        assert!(
            err.outcome_unknown(),
            "{}: {err:?}",
            String::from_utf8_lossy(answer)
        );
    }
    // The accepted-but-unreadable answer keeps the whole reply.
    let url = one_shot(|_, stream| {
        write_answer(stream, 200, br#"{"result_code":0}"#, Framing::Length);
    });
    let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = url;
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    assert_eq!(
        err.raw().map(|raw| raw["result_code"].clone()),
        Some(json!(0)),
        "{err:?}"
    );
    // A clear refusal is definite.
    let url = one_shot(|_, stream| {
        let body = br#"{"result_code":7,"result_msg":"BILL_NO_DUPLICATE","err_detail":""}"#;
        write_answer(stream, 200, body, Framing::Length);
    });
    let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = url;
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    assert!(!err.outcome_unknown(), "{err:?}");
}

#[test]
fn error_texts_carry_only_a_short_redacted_excerpt_of_an_echoed_request() {
    for status in [200, 500] {
        let url = one_shot(move |request, stream| {
            let mut echoed = vec![b'x'; 4096];
            echoed.extend_from_slice(&request);
            write_answer(stream, status, &echoed, Framing::Length);
        });
        let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
        app.api_host = url;
        let err = BCQuery::new(app).query_bills(None).unwrap_err();
        let (BCError::HttpStatus { body, .. } | BCError::InvalidResponse { body, .. }) = &err
        else {
            panic!("{err:?}")
        };
        assert!(
            body.contains("app_sign") && body.len() > 4096,
            "the whole body is kept"
        );
        let shown = format!("{err:?} {err}");
        assert!(
            !shown.contains("app_sign") && !shown.contains("para="),
            "{shown}"
        );
        assert!(shown.len() < 1000, "{} characters: {shown}", shown.len());
    }
}

#[test]
fn a_server_trickling_a_byte_per_second_cannot_outlast_the_deadline() {
    let url = one_shot(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{");
        keep_writing(
            stream,
            b" ",
            Duration::from_secs(1),
            Duration::from_secs(15),
        );
    });
    let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = url;
    // Each wait for a byte (1 s) stays under `read`: only an overall deadline ends the call.
    let timeout = BCTimeout::ConnectRead {
        connect: Duration::from_millis(500),
        read: Duration::from_millis(1500),
    };
    app.timeout = Some(timeout);
    let started = Instant::now();
    let err = BCQuery::new(app).query_bills(None).unwrap_err();
    let elapsed = started.elapsed();
    // connect + 3 × read = 5 s.
    assert!(
        elapsed < Duration::from_millis(5000) + SLACK,
        "took {elapsed:?}"
    );
    assert!(elapsed >= Duration::from_millis(4500), "took {elapsed:?}");
    assert!(matches!(err, BCError::Timeout { .. }), "{err:?}");
    assert!(err.outcome_unknown());
}
