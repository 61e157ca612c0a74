//! The HTTP side: starting the demo (and its emulator), decoding requests, routing, answering.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use beecloud::BCApp;
use beecloud::emulator::Emulator;

use crate::operations::{self, Outcome};
use crate::{Demo, DemoConfig, html, webhook};

/// Handler threads: a page may wait on BeeCloud while a webhook or a status poll arrives.
const WORKERS: usize = 4;
/// Request bodies larger than this are refused.
const MAX_BODY: u64 = 1 << 20;

/// A running demo server. Dropping it stops the server (and the embedded emulator).
pub struct Running {
    demo: Arc<Demo>,
    server: Arc<tiny_http::Server>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.demo.base_url
    }

    /// The demo's state (SDK clients, ledger, emulator).
    pub fn demo(&self) -> &Demo {
        &self.demo
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in 0..self.workers.len() {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Starts the demo on 127.0.0.1: with `config.credentials` against BeeCloud (or the host they
/// name), else against a fresh embedded emulator whose webhooks go to the demo's `/webhook`.
pub fn start(config: DemoConfig) -> std::io::Result<Running> {
    let server =
        tiny_http::Server::http(("127.0.0.1", config.port)).map_err(std::io::Error::other)?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|addr| addr.port())
        .ok_or_else(|| std::io::Error::other("the server has no IP address"))?;
    let base_url = format!("http://127.0.0.1:{port}");
    let (app, emulator) = match &config.credentials {
        Some(credentials) => {
            let mut app = BCApp::new(
                &credentials.app_id,
                &credentials.app_secret,
                &credentials.master_secret,
            );
            app.test_secret = credentials.test_secret.clone();
            app.is_test_mode = credentials.test_mode;
            if let Some(host) = &credentials.api_host {
                app.api_host = host.clone();
            }
            (app, None)
        }
        None => {
            let emulator_config = config.emulator.clone();
            let emulator = Emulator::start_with(emulator_config)?;
            let webhook_url = format!("{base_url}/webhook");
            emulator.set_webhook_url(Some(&webhook_url));
            emulator.set_test_webhook_url(Some(&webhook_url));
            let mut app = emulator.bc_app();
            app.timeout = Some(Duration::from_secs(10).into());
            (app, Some(emulator))
        }
    };
    let demo = Arc::new(Demo::new(app, emulator, base_url));
    let server = Arc::new(server);
    let stopping = Arc::new(AtomicBool::new(false));
    let workers = (0..WORKERS)
        .map(|_| {
            let (demo, server, stopping) = (demo.clone(), server.clone(), stopping.clone());
            std::thread::spawn(move || serve(&demo, &server, &stopping))
        })
        .collect();
    Ok(Running {
        demo,
        server,
        stopping,
        workers,
    })
}

fn serve(demo: &Demo, server: &tiny_http::Server, stopping: &AtomicBool) {
    while !stopping.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(request) => answer(demo, request),
            // `unblock()` (shutdown) or a failed accept: check the flag, then carry on.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Form fields and query parameters, decoded. Repeated names are joined with `,`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Form(pub BTreeMap<String, String>);

impl Form {
    /// Decodes `a=1&b=x+y` (query strings and `application/x-www-form-urlencoded` bodies).
    pub fn parse(encoded: &str) -> Form {
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        for pair in encoded.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (percent_decode(name), percent_decode(value));
            fields
                .entry(name)
                .and_modify(|joined| {
                    joined.push(',');
                    joined.push_str(&value);
                })
                .or_insert(value);
        }
        Form(fields)
    }

    /// The trimmed value, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    }

    /// The raw value, empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Decodes `%XX` escapes and `+` (invalid escapes are kept as they are; invalid UTF-8 is replaced).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex_pair = bytes
            .get(index + 1..index + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[index], hex_pair) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
                continue;
            }
            (b'+', _) => decoded.push(b' '),
            (byte, _) => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Encodes everything but unreserved characters (for URLs the demo builds).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A decoded request, as the handlers see it.
pub struct Incoming {
    /// `GET`, `POST`…
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// Query parameters and (for POST forms) body fields; the body wins on a clash.
    pub form: Form,
    /// The raw body.
    pub body: Vec<u8>,
    /// The client's IP address, e.g. for WX_WAP's `analysis.ip`.
    pub client_ip: String,
}

/// What a handler answers.
pub enum Reply {
    /// A full HTML page.
    Page(String),
    /// Any other body.
    Body {
        /// HTTP status.
        status: u16,
        /// `Content-Type`.
        content_type: &'static str,
        /// The body.
        body: String,
    },
    /// `303 See Other` to this URL.
    Redirect(String),
}

fn answer(demo: &Demo, mut request: tiny_http::Request) {
    let incoming = match read(&mut request) {
        Ok(incoming) => incoming,
        Err(problem) => {
            respond(
                request,
                400,
                "text/plain; charset=utf-8",
                None,
                problem.as_bytes(),
            );
            return;
        }
    };
    // A bug in one handler must not take a worker thread down with it.
    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| route(demo, &incoming)))
        .unwrap_or_else(|_| Reply::Body {
            status: 500,
            content_type: "text/plain; charset=utf-8",
            body: "internal error (see the demo's terminal)".into(),
        });
    let (status, content_type, body, location) = match reply {
        Reply::Page(page) => (200, "text/html; charset=utf-8", page, None),
        Reply::Body {
            status,
            content_type,
            body,
        } => (status, content_type, body, None),
        Reply::Redirect(location) => (
            303,
            "text/plain; charset=utf-8",
            String::new(),
            Some(location),
        ),
    };
    respond(
        request,
        status,
        content_type,
        location.as_deref(),
        body.as_bytes(),
    );
}

/// Writes the whole response in one write: tiny_http sends the head and a body over 1 KiB as two
/// writes, and Nagle's algorithm then holds the body back for the browser's delayed ACK (~40 ms a
/// page on a kept-alive connection).
fn respond(
    request: tiny_http::Request,
    status: u16,
    content_type: &str,
    location: Option<&str>,
    body: &[u8],
) {
    let reason = tiny_http::StatusCode(status).default_reason_phrase();
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    // A location that could split the header (CR, LF…) is left out rather than sent.
    if let Some(location) = location.filter(|l| !l.chars().any(char::is_control)) {
        head.push_str(&format!("Location: {location}\r\n"));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    let mut writer = request.into_writer();
    let _ = writer.write_all(&raw);
    let _ = writer.flush();
}

fn read(request: &mut tiny_http::Request) -> Result<Incoming, String> {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(|error| format!("could not read the request: {error}"))?;
    if body.len() as u64 > MAX_BODY {
        return Err("request body too large".into());
    }
    let mut form = Form::parse(query);
    let is_form = request.headers().iter().any(|header| {
        header.field.equiv("Content-Type")
            && header
                .value
                .as_str()
                .starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        form.0
            .extend(Form::parse(&String::from_utf8_lossy(&body)).0);
    }
    Ok(Incoming {
        method: request.method().as_str().to_string(),
        path: percent_decode(path),
        form,
        body,
        client_ip: request
            .remote_addr()
            .map(|addr| addr.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".into()),
    })
}

fn route(demo: &Demo, incoming: &Incoming) -> Reply {
    let method = incoming.method.as_str();
    let path = incoming.path.as_str();
    match (method, path) {
        ("GET", "/") => Reply::Page(html::index_page(demo)),
        ("POST", "/webhook") => webhook::receive(demo, &incoming.body),
        ("GET", "/webhooks") => Reply::Page(webhook::received_page(demo)),
        ("GET", "/bill_status") => webhook::bill_status(demo, incoming.form.get("bill_no")),
        ("GET", "/favicon.ico") => not_found(),
        _ => {
            if let Some(section) = path.strip_prefix("/section/") {
                return match operations::section(section) {
                    Some(section) => Reply::Page(html::section_page(demo, section, &incoming.form)),
                    None => not_found(),
                };
            }
            if let Some(bill_no) = path.strip_prefix("/return/") {
                return Reply::Page(html::return_page(bill_no));
            }
            if let Some(name) = path.strip_prefix("/op/") {
                let Some(operation) = operations::find(name) else {
                    return not_found();
                };
                return match method {
                    "GET" => {
                        Reply::Page(html::operation_page(demo, operation, &incoming.form, None))
                    }
                    "POST" => match (operation.run)(demo, incoming) {
                        Ok(Outcome::Redirect(url)) => Reply::Redirect(url),
                        outcome => Reply::Page(html::operation_page(
                            demo,
                            operation,
                            &incoming.form,
                            Some(outcome),
                        )),
                    },
                    _ => method_not_allowed(),
                };
            }
            not_found()
        }
    }
}

fn not_found() -> Reply {
    Reply::Body {
        status: 404,
        content_type: "text/html; charset=utf-8",
        body: html::layout(
            "Not found",
            "<p>No such page. <a href=\"/\">Back to the index</a>.</p>",
        ),
    }
}

fn method_not_allowed() -> Reply {
    Reply::Body {
        status: 405,
        content_type: "text/plain; charset=utf-8",
        body: "method not allowed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_escapes_plus_and_repeated_names() {
        let form = Form::parse("title=%E6%BC%94%E7%A4%BA+order&ids=a&ids=b&bad=%zz%4&empty=");
        assert_eq!(form.get("title"), "演示 order");
        assert_eq!(form.get("ids"), "a,b");
        assert_eq!(form.get("bad"), "%zz%4");
        assert_eq!(form.text("empty"), None);
        assert_eq!(form.text("missing"), None);
    }

    #[test]
    fn percent_encoding_round_trips() {
        let text = "a b&c=d/é?";
        assert_eq!(percent_decode(&percent_encode(text)), text);
    }
}
