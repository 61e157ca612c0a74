//! HTTP plumbing: the tiny_http listener and worker threads, request logging, fault injection, routing,
//! decoding (E1–E4), authentication, and turning a handler's `Reply` into the JSON envelope.

use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Map, Value};
use tiny_http::{Request, Server};

use super::core::{APP_INVALID, ApiError, Call, MISS_PARAM, PARAM_INVALID, RUNTIME_ERROR, md5_hex};
use super::routes::{Encoding, Lookup, Route, Secret, lookup};
use super::store::Store;
use super::{EmulatorConfig, Fault, LoggedRequest, cashier, webhooks};

/// Request bodies above this are refused (413) instead of being read.
const MAX_BODY_BYTES: u64 = 1024 * 1024;
/// The request log keeps the most recent entries only, so a long-running emulator does not grow forever.
const MAX_LOGGED_REQUESTS: usize = 10_000;
const WORKER_THREADS: usize = 4;

/// State shared by the server threads and the [`super::Emulator`] handle.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    /// Wakes the webhook thread (new webhooks, clock moves, shutdown).
    pub wake: Condvar,
    pub faults: Mutex<Vec<(String, Fault)>>,
    pub requests: Mutex<Vec<LoggedRequest>>,
    pub stopping: AtomicBool,
    pub base_url: String,
    pub config: EmulatorConfig,
}

/// Locks a mutex even if a thread panicked while holding it: the state stays usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Binds the listener and starts the worker and webhook threads.
pub(crate) fn start(config: EmulatorConfig) -> std::io::Result<(Arc<Shared>, Vec<JoinHandle<()>>)> {
    let server = Server::http(("127.0.0.1", config.port)).map_err(std::io::Error::other)?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|addr| addr.port())
        .ok_or_else(|| std::io::Error::other("listener has no IP address"))?;
    let base_url = format!("http://127.0.0.1:{port}");
    let shared = Arc::new(Shared {
        store: Mutex::new(Store::new(config.clone(), base_url.clone())),
        wake: Condvar::new(),
        faults: Mutex::new(Vec::new()),
        requests: Mutex::new(Vec::new()),
        stopping: AtomicBool::new(false),
        base_url,
        config,
    });
    let server = Arc::new(server);
    let mut threads = Vec::with_capacity(WORKER_THREADS + 1);
    for n in 0..WORKER_THREADS {
        let (shared, server) = (shared.clone(), server.clone());
        threads.push(
            std::thread::Builder::new()
                .name(format!("beecloud-emulator-{n}"))
                .spawn(move || serve(&shared, &server))?,
        );
    }
    let webhook_shared = shared.clone();
    threads.push(
        std::thread::Builder::new()
            .name("beecloud-emulator-webhooks".into())
            .spawn(move || webhooks::run_delivery_loop(webhook_shared))?,
    );
    Ok((shared, threads))
}

/// A worker: answers requests until the emulator stops (polling so that a stop is noticed quickly).
fn serve(shared: &Shared, server: &Server) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match server.recv_timeout(Duration::from_millis(50)) {
            Ok(Some(request)) => {
                // Last line of defence: a panic must not kill the worker (tiny_http answers 500 for a dropped
                // request). Handler panics are already turned into RUNTIME_ERROR envelopes in `api_answer`.
                let _ = catch_unwind(AssertUnwindSafe(|| handle(shared, request)));
                shared.wake.notify_all();
            }
            Ok(None) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// What the server sends back.
pub(crate) enum Answer {
    Json(Map<String, Value>),
    /// A non-JSON body with this status and content type.
    Text {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// `303 See Other` to this URL.
    Redirect(String),
}

fn handle(shared: &Shared, mut request: Request) {
    let method = request.method().as_str().to_ascii_uppercase();
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut body);
    log_request(shared, &method, path, query, &body);
    if read.is_err() {
        return respond(request, text(400, "could not read the request body"));
    }
    if body.len() as u64 > MAX_BODY_BYTES {
        return respond(request, text(413, "request body too large"));
    }
    if let Some(fault) = take_fault(shared, path) {
        match fault {
            Fault::Delay(pause) => std::thread::sleep(pause),
            Fault::CloseMidBody => return close_mid_body(request),
            other => return respond(request, fault_answer(other)),
        }
    }
    let answer = if let Some(rest) = path.strip_prefix("/cashier/") {
        let mut store = lock(&shared.store);
        cashier::handle(&mut store, &method, rest, &body)
    } else {
        api_answer(shared, &method, path, query, &body)
    };
    respond(request, answer);
}

fn log_request(shared: &Shared, method: &str, path: &str, query: &str, body: &[u8]) {
    let mut log = lock(&shared.requests);
    if log.len() >= MAX_LOGGED_REQUESTS {
        log.remove(0);
    }
    log.push(LoggedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

/// Removes and returns the first armed fault whose prefix matches `path`.
fn take_fault(shared: &Shared, path: &str) -> Option<Fault> {
    let mut faults = lock(&shared.faults);
    let index = faults
        .iter()
        .position(|(prefix, _)| path.starts_with(prefix.as_str()))?;
    Some(faults.remove(index).1)
}

fn fault_answer(fault: Fault) -> Answer {
    match fault {
        Fault::HttpStatus(status) => Answer::Text {
            status,
            content_type: "text/html; charset=utf-8",
            body: format!("<html><body><h1>{status}</h1><p>injected fault</p></body></html>"),
        },
        Fault::NonJson => Answer::Text {
            status: 200,
            content_type: "text/plain",
            body: "success".into(),
        },
        Fault::MissingResultCode => Answer::Text {
            status: 200,
            content_type: "application/json",
            body: r#"{"id":"x"}"#.into(),
        },
        Fault::Oversized(size) => Answer::Text {
            status: 200,
            content_type: "application/json",
            body: padded_json(size),
        },
        Fault::ApiError(code) => Answer::Json(ApiError::new(code, "injected fault").to_envelope()),
        // Handled before a response is built.
        Fault::Delay(_) | Fault::CloseMidBody => text(500, "unexpected fault"),
    }
}

/// A success envelope padded to exactly `size` bytes (or the bare envelope when `size` is smaller).
fn padded_json(size: usize) -> String {
    let head = r#"{"result_code":0,"result_msg":"OK","err_detail":"","padding":""#;
    let tail = "\"}";
    let fill = size.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(fill))
}

/// Writes a response that promises 1000 bytes and delivers 10.
fn close_mid_body(request: Request) {
    let mut writer = request.into_writer();
    let _ = writer.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"result_c",
    );
    let _ = writer.flush();
}

fn text(status: u16, body: &str) -> Answer {
    Answer::Text {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.to_owned(),
    }
}

fn respond(request: Request, answer: Answer) {
    let (status, headers, body) = match answer {
        Answer::Json(map) => (
            200,
            vec![("Content-Type", "application/json; charset=utf-8".to_owned())],
            Value::Object(map).to_string(),
        ),
        Answer::Text {
            status,
            content_type,
            body,
        } => (
            status,
            vec![("Content-Type", content_type.to_owned())],
            body,
        ),
        Answer::Redirect(location) => (
            303,
            vec![("Location", location.clone())],
            format!("see {location}"),
        ),
    };
    // The whole response in one write: tiny_http sends the head and a large body as two writes,
    // and Nagle's algorithm then holds the body back for the client's delayed ACK (~40 ms per reply
    // over 1 KiB on a kept-alive connection).
    let reason = tiny_http::StatusCode(status).default_reason_phrase();
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        // A value that could split the header (CR, LF…) is dropped rather than sent.
        if !value.chars().any(char::is_control) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body.as_bytes());
    let mut writer = request.into_writer();
    let _ = writer.write_all(&raw);
    let _ = writer.flush();
}

/// Routing, decoding, authentication and the handler, for every path outside `/cashier/`.
fn api_answer(shared: &Shared, method: &str, path: &str, query: &str, body: &[u8]) -> Answer {
    let Some(segments) = api_segments(path) else {
        return text(404, "not found");
    };
    let (route, id) = match lookup(method, &segments) {
        Lookup::Found { route, id } => (route, id),
        Lookup::WrongMethod => return text(405, "method not allowed"),
        Lookup::NotFound => return text(404, "not found"),
    };
    let reply = decode(route.encoding, query, body).and_then(|fields| {
        let mut store = lock(&shared.store);
        let app_id = authenticate(&store, route, &fields)?;
        let call = Call {
            app_id: &app_id,
            ns: route.ns,
            id: id.as_deref(),
            fields: &fields,
            from_query_string: route.encoding == Encoding::QueryPairs,
            now_ms: store.now_ms(),
        };
        catch_unwind(AssertUnwindSafe(|| (route.handler)(&mut store, &call))).unwrap_or_else(|_| {
            Err(ApiError::new(
                RUNTIME_ERROR,
                "the emulator failed on this request",
            ))
        })
    });
    Answer::Json(match reply {
        Ok(payload) => {
            let mut envelope = Map::new();
            envelope.insert("result_code".into(), 0.into());
            envelope.insert("result_msg".into(), "OK".into());
            envelope.insert("err_detail".into(), "".into());
            envelope.extend(payload);
            envelope
        }
        Err(error) => error.to_envelope(),
    })
}

/// The path after `/2/` split into percent-decoded segments, without a trailing slash; `/1/` only for the
/// documented international path.
fn api_segments(path: &str) -> Option<Vec<String>> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let rest = match path.strip_prefix("/2/") {
        Some(rest) => rest,
        None if path == "/1/rest/international/bill" => "rest/international/bill",
        None => return None,
    };
    Some(rest.split('/').map(|s| percent_decode(s, false)).collect())
}

/// Decodes the request fields per the route's encoding (server-semantics §3.2).
fn decode(encoding: Encoding, query: &str, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match encoding {
        Encoding::JsonBody => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::new(MISS_PARAM, "request body is empty"));
            }
            json_object(body, "request body")
        }
        Encoding::Para => {
            let para = query_pairs(query)
                .into_iter()
                .find(|(k, _)| k == "para")
                .map(|(_, v)| v)
                .ok_or_else(|| ApiError::missing("para"))?;
            json_object(para.as_bytes(), "para")
        }
        Encoding::QueryPairs => {
            let mut fields = Map::new();
            for (key, value) in query_pairs(query) {
                // A Python list arrives as a repeated key.
                match fields.get_mut(&key) {
                    Some(Value::Array(values)) => values.push(value.into()),
                    Some(first) => *first = Value::Array(vec![first.take(), value.into()]),
                    None => {
                        fields.insert(key, value.into());
                    }
                }
            }
            Ok(fields)
        }
    }
}

fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(
            PARAM_INVALID,
            format!("{what} must be a JSON object"),
        )),
        Err(e) => Err(ApiError::new(
            PARAM_INVALID,
            format!("{what} is not valid JSON: {e}"),
        )),
    }
}

/// Checks `app_id`/`timestamp`/`app_sign` against the route's secret; returns the app id.
fn authenticate(
    store: &Store,
    route: &Route,
    fields: &Map<String, Value>,
) -> Result<String, ApiError> {
    let app = &store.app;
    if route.secret == Secret::Unsigned {
        return Ok(app.app_id.clone());
    }
    let text_field = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Err(ApiError::missing(name)),
        Some(Value::String(s)) if s.is_empty() => Err(ApiError::missing(name)),
        Some(Value::String(s)) => Ok(s.clone()),
        // The signature covers the timestamp "as received": a JSON number's decimal text.
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(ApiError::invalid(name, "must be a string or number")),
    };
    let app_id = text_field("app_id")?;
    let timestamp = text_field("timestamp")?;
    let app_sign = text_field("app_sign")?;
    if app_id != app.app_id {
        return Err(ApiError::new(APP_INVALID, "unknown app_id"));
    }
    let secrets: &[&str] = match route.secret {
        Secret::App => &[&app.app_secret],
        Secret::Master => &[&app.master_secret],
        Secret::Test => &[&app.test_secret],
        Secret::AppOrTest => &[&app.app_secret, &app.test_secret],
        Secret::Unsigned => &[],
    };
    let signed = secrets.iter().any(|secret| {
        md5_hex(&format!("{app_id}{timestamp}{secret}")).eq_ignore_ascii_case(&app_sign)
    });
    if signed {
        Ok(app_id)
    } else {
        Err(ApiError::new(
            APP_INVALID,
            "app_sign does not match the secret of this route",
        ))
    }
}

/// `k=v&…` form-decoded (`+` = space, `%XX`).
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Percent-decoding (invalid escapes stay as they are; invalid UTF-8 is replaced).
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2]))
            {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("%E4%B8%AD", true), "中");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%", true), "%");
    }

    #[test]
    fn padded_json_has_the_exact_size() {
        for size in [100, 4096, 1 << 20] {
            let body = padded_json(size);
            assert!(serde_json::from_str::<Value>(&body).is_ok());
            assert_eq!(body.len(), size);
        }
        assert!(serde_json::from_str::<Value>(&padded_json(0)).is_ok());
    }
}
