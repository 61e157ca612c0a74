//! Test support, shared by every test binary (each includes this directory as its `support`
//! module): the golden credentials, requests signed by hand independently of the SDK's signer,
//! a raw HTTP agent, the process's RSS, the emulator fixtures (`emulated`, feature `emulator`), a
//! fault proxy, seeded garbage, and a tiny capture/fault HTTP server on `127.0.0.1:0`, built on
//! `std::net`.
//!
//! Every request is recorded as a [`CapturedRequest`]; answers come from a queue of scripted
//! [`Reply`]s (or a fallback reply once the queue is empty). Each connection is served on its own
//! thread and answered with `Connection: close`, so the client never reuses a connection. The
//! server stops when dropped.
#![allow(dead_code)] // each test binary uses a different part of it

#[cfg(feature = "emulator")]
pub mod emulated;
pub mod fault_proxy;
pub mod garbage;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use beecloud::entity::BCApp;
use serde_json::Value;

/// Golden credentials (those of the recorded Python requests in `tests/fixtures`).
pub const APP_ID: &str = "c37d661d-7e61-49ea-96a5-68c34e83db3b";
pub const APP_SECRET: &str = "a3c8d7e1-4f2b-4c6d-9e8f-0a1b2c3d4e01";
pub const MASTER_SECRET: &str = "b4d9e8f2-5a3c-4d7e-8f90-1b2c3d4e5f02";
pub const TEST_SECRET: &str = "c5ea09f3-6b4d-4e8f-9a01-2c3d4e5f6a03";

/// The SDK's response body cap (`MAX_RESPONSE_BYTES`, 8 MiB).
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The name libtest gives test `name` of the module at `module_path` (`module_path!()`), as
/// `--exact` wants it when a test re-runs its own binary: the module path without the crate.
pub fn test_path(module_path: &str, name: &str) -> String {
    match module_path.split_once("::") {
        Some((_crate, module)) => format!("{module}::{name}"),
        None => name.to_string(),
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct CapturedRequest {
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// Everything after `?` (empty when there is none).
    pub raw_query: String,
    /// The request target exactly as sent (path, and `?` + query if any).
    pub target: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl CapturedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The query as form-decoded `(key, value)` pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        if self.raw_query.is_empty() {
            return Vec::new();
        }
        self.raw_query
            .split('&')
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (form_decode(key), form_decode(value))
            })
            .collect()
    }

    /// The JSON object carried by `?para=`, if the query is exactly that.
    pub fn para(&self) -> Option<Value> {
        match self.query_pairs().as_slice() {
            [(key, value)] if key == "para" => {
                Some(serde_json::from_str(value).expect("para is JSON"))
            }
            _ => None,
        }
    }

    /// The body parsed as JSON.
    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// Encodes text for `application/x-www-form-urlencoded` (a space is `+`), as Python's `quote_plus`.
pub fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
                out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).expect("utf-8 after decoding")
}

/// How the server misbehaves when sending a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Sends the reply as is.
    Normal,
    /// Announces `Content-Length: 1000`, sends 10 bytes of body, then closes.
    CloseMidBody,
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Sleep this long before answering (a slow server).
    pub delay: Option<Duration>,
    pub behaviour: Behaviour,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            content_type: Some("application/json".into()),
            body: body.to_string().into_bytes(),
            delay: None,
            behaviour: Behaviour::Normal,
        }
    }

    /// 200 with a JSON body.
    pub fn ok(body: Value) -> Reply {
        Reply::json(200, &body)
    }

    /// `status` with a plain-text body.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: Some("text/plain".into()),
            body: body.as_bytes().to_vec(),
            delay: None,
            behaviour: Behaviour::Normal,
        }
    }

    /// Closes the connection in the middle of the body.
    pub fn mid_body_close() -> Reply {
        Reply {
            behaviour: Behaviour::CloseMidBody,
            ..Reply::text(200, "{\"result_co")
        }
    }

    /// A valid success envelope sent only after `delay`.
    pub fn slow(delay: Duration) -> Reply {
        Reply {
            delay: Some(delay),
            ..Reply::ok(serde_json::json!({"result_code": 0, "result_msg": "OK", "err_detail": ""}))
        }
    }

    /// A 200 JSON body one byte larger than the SDK's cap.
    pub fn oversized() -> Reply {
        let mut body = b"{\"result_code\":0,\"pad\":\"".to_vec();
        body.resize(MAX_RESPONSE_BYTES - 1, b'x');
        body.extend_from_slice(b"\"}");
        assert_eq!(body.len(), MAX_RESPONSE_BYTES + 1);
        Reply {
            status: 200,
            content_type: Some("application/json".into()),
            body,
            delay: None,
            behaviour: Behaviour::Normal,
        }
    }
}

struct Shared {
    requests: Mutex<Vec<CapturedRequest>>,
    replies: Mutex<VecDeque<Reply>>,
    fallback: Mutex<Option<Reply>>,
    stop: AtomicBool,
}

/// The capture/fault server. Dropping it stops the accept loop.
pub struct CaptureServer {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl CaptureServer {
    /// Starts a server answering from `replies`, in order.
    pub fn start(replies: impl IntoIterator<Item = Reply>) -> CaptureServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            replies: Mutex::new(replies.into_iter().collect()),
            fallback: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accept_shared);
                thread::spawn(move || serve(stream, &shared));
            }
        });
        CaptureServer {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// Starts a server that answers every request with `reply`.
    pub fn always(reply: Reply) -> CaptureServer {
        let server = CaptureServer::start([]);
        *server.shared.fallback.lock().unwrap() = Some(reply);
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Queues one more reply.
    pub fn push(&self, reply: Reply) {
        self.shared.replies.lock().unwrap().push_back(reply);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<CapturedRequest> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The only request received; panics if there were none or several.
    pub fn single_request(&self) -> CapturedRequest {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request: {requests:#?}"
        );
        requests.into_iter().next().unwrap()
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    shared.requests.lock().unwrap().push(request);
    let reply = shared
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| shared.fallback.lock().unwrap().clone())
        .unwrap_or_else(|| Reply::text(599, "capture server: no reply scripted"));
    if let Some(delay) = reply.delay {
        thread::sleep(delay);
    }
    let _ = write_reply(&stream, &reply);
    let _ = stream.shutdown(Shutdown::Both);
}

fn read_request(stream: &TcpStream) -> Option<CapturedRequest> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| {
            value.parse::<usize>().expect("content-length")
        });
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, raw_query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target.clone(), String::new()),
    };
    Some(CapturedRequest {
        method,
        path,
        raw_query,
        target,
        headers,
        body,
    })
}

fn write_reply(mut stream: &TcpStream, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\nConnection: close\r\n",
        reply.status
    );
    if let Some(content_type) = &reply.content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    match reply.behaviour {
        Behaviour::Normal => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
            stream.write_all(head.as_bytes())?;
            stream.write_all(&reply.body)?;
        }
        Behaviour::CloseMidBody => {
            head.push_str("Content-Length: 1000\r\n\r\n");
            stream.write_all(head.as_bytes())?;
            let cut = reply.body.len().min(10);
            stream.write_all(&reply.body[..cut])?;
        }
    }
    stream.flush()
}

/// A [`BCApp`] with the golden credentials (app, master and test secrets), live mode, pointed at
/// `server`.
pub fn bc_app(server: &CaptureServer) -> BCApp {
    let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
    app.test_secret = TEST_SECRET.into();
    app.api_host = server.url();
    app
}

/// `md5(app_id + timestamp + secret)`, computed independently of the SDK.
pub fn expected_sign(timestamp: &str, secret: &str) -> String {
    format!("{:x}", md5::compute(format!("{APP_ID}{timestamp}{secret}")))
}

/// A 1-fen WX_NATIVE payment of the golden bill number.
pub fn pay_params() -> beecloud::entity::BCPayReqParams {
    let mut params = beecloud::entity::BCPayReqParams::default();
    params.channel = Some(beecloud::BCChannelType::WX_NATIVE);
    params.total_fee = Some(1);
    params.bill_no = Some("201708251200001".into());
    params.title = Some("test".into());
    params
}

/// Lowercase hex MD5 of `text`, computed independently of the SDK (forged and genuine pushes).
pub fn md5_hex(text: &str) -> String {
    format!("{:x}", md5::compute(text))
}

/// `fields` plus `app_id`, `timestamp` and `app_sign` = md5(app_id + timestamp + secret): a
/// request signed by hand, the way the Python SDK signs it, independently of this crate's signer.
pub fn sign_fields(fields: Value, app_id: &str, timestamp: i64, secret: &str) -> Value {
    let mut map = fields.as_object().cloned().unwrap_or_default();
    let sign = md5_hex(&format!("{app_id}{timestamp}{secret}"));
    map.insert("app_id".into(), app_id.into());
    map.insert("timestamp".into(), timestamp.into());
    map.insert("app_sign".into(), sign.into());
    Value::Object(map)
}

/// A raw HTTP client for hand-built requests: every status is returned as an answer (not an
/// error), redirects are not followed, and the whole call must end within `timeout`.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// Resident set size of this process (an in-process emulator included), from /proc.
#[cfg(target_os = "linux")]
pub fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// This machine's clock, ms since the epoch (the timestamps pushes carry).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// A `bc_transfer` of `fee` fen numbered `bill_no` to a test debit card.
pub fn card_payout(bill_no: &str, fee: i64) -> beecloud::entity::BCCardTransferParams {
    let mut card = beecloud::entity::BCCardTransferParams::default();
    card.total_fee = Some(fee);
    card.bill_no = Some(bill_no.into());
    card.title = Some("提现".into());
    card.bank_fullname = Some("招商银行".into());
    card.card_type = Some("DE".into());
    card.account_type = Some("P".into());
    card.account_no = Some("6225880000000003".into());
    card.account_name = Some("王五".into());
    card
}
