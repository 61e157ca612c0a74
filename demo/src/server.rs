//! The HTTP side: starting the demo (and its emulator) and its own small HTTP/1.1 server with
//! the limits a demo on a network needs; [`crate::routes`] says what each path does.
//!
//! Limits: one thread per connection, at most [`DemoConfig::max_connections`] at once (more are
//! answered `503`); a request must arrive whole (head and body) within
//! [`DemoConfig::request_timeout`] or the connection is closed with `408`, so a client sending a
//! byte a second holds only its own thread, never another page; heads over 16 KiB and bodies
//! over 1 MiB are refused; chunked bodies are refused (`411`).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use beecloud::BCApp;
use beecloud::emulator::Emulator;

use crate::guard::{self, Session};
use crate::http::{Form, Incoming, Reply, percent_decode};
use crate::markup::CSRF_MARKER;
use crate::state::{MIN_OPERATOR_TOKEN, random_operator_token};
use crate::{Demo, DemoConfig, routes};

/// Request bodies larger than this are refused.
const MAX_BODY: usize = 1 << 20;
/// Request heads (request line and headers) larger than this are refused.
const MAX_HEAD: usize = 16 * 1024;

/// A running demo server. Dropping it stops the server (and the embedded emulator).
pub struct Running {
    demo: Arc<Demo>,
    address: SocketAddr,
    lan_url: Option<String>,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    generated_operator_token: Option<String>,
}

impl Running {
    /// `http://127.0.0.1:PORT` (or the bound address when that is a specific one).
    pub fn url(&self) -> &str {
        &self.demo.base_url
    }

    /// The URL a phone on the same network opens, when the demo is bound beyond loopback.
    pub fn lan_url(&self) -> Option<&str> {
        self.lan_url.as_deref()
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The operator token made at start (real credentials without `DEMO_OPERATOR_TOKEN`), to be
    /// printed once for the person who started the demo.
    pub fn generated_operator_token(&self) -> Option<&str> {
        self.generated_operator_token.as_deref()
    }

    /// The demo's state (SDK clients, ledger, emulator).
    pub fn demo(&self) -> &Demo {
        &self.demo
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor with a connection of our own.
        let wake = match self.address.ip() {
            ip if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.address.port())
            }
            _ => self.address,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Starts the demo on `config.host`: with `config.credentials` against BeeCloud (or the host
/// they name), else against a fresh embedded emulator whose webhooks go to the demo's `/webhook`.
///
/// With real credentials every operation that changes something needs the operator token
/// (`config.operator_token`, else a random one: [`Running::generated_operator_token`]); bound
/// beyond loopback the demo refuses to start without a configured one.
pub fn start(config: DemoConfig) -> std::io::Result<Running> {
    // Decided before binding: a demo refused beyond loopback never listens there.
    let on_loopback = (config.host.as_str(), config.port)
        .to_socket_addrs()?
        .all(|address| address.ip().is_loopback());
    let (operator_token, generated_operator_token) = operator_token(&config, on_loopback)?;
    let listener = TcpListener::bind((config.host.as_str(), config.port))?;
    let address = listener.local_addr()?;
    let port = address.port();
    // The emulator and the return URLs reach the demo over loopback unless it is bound to one
    // specific other address.
    let local_host = match address.ip() {
        IpAddr::V4(ip) if ip.is_loopback() || ip.is_unspecified() => "127.0.0.1".to_string(),
        // `::` also takes IPv4 on the usual dual-stack systems.
        IpAddr::V6(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        ip => host_text(ip),
    };
    let base_url = format!("http://{local_host}:{port}");
    let lan_ip = match address.ip() {
        ip if ip.is_loopback() => None,
        ip if ip.is_unspecified() => lan_address(),
        ip => Some(ip),
    };
    let lan_url = lan_ip.map(|ip| format!("http://{}:{port}", host_text(ip)));
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
            // Beyond loopback the emulator binds the same host, and hands out LAN URLs, so a phone
            // can open its cashier pages and payment links.
            let mut emulator_config = config.emulator.clone();
            if lan_ip.is_some() {
                emulator_config.host = config.host.clone();
            }
            let emulator = Emulator::start_with(emulator_config)?;
            if let Some(ip) = lan_ip {
                let public = format!("http://{}:{}", host_text(ip), emulator.port());
                emulator
                    .set_public_url(Some(&public))
                    .map_err(std::io::Error::other)?;
            }
            let webhook_url = format!("{base_url}/webhook");
            emulator.set_webhook_url(Some(&webhook_url));
            emulator.set_test_webhook_url(Some(&webhook_url));
            let mut app = emulator.bc_app();
            app.timeout = Some(Duration::from_secs(10).into());
            (app, Some(emulator))
        }
    };
    let mut demo = Demo::new(app, emulator, base_url);
    if let Some(token) = operator_token {
        demo = demo.with_operator_token(token);
    }
    demo.allowed_hosts = [
        Some(format!("127.0.0.1:{port}")),
        Some(format!("localhost:{port}")),
        Some(format!("{local_host}:{port}")),
        lan_ip.map(|ip| format!("{}:{port}", host_text(ip))),
    ]
    .into_iter()
    .flatten()
    .fold(Vec::new(), |mut hosts, host| {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
        hosts
    });
    let demo = Arc::new(demo);
    let stopping = Arc::new(AtomicBool::new(false));
    let acceptor = {
        let (demo, stopping) = (demo.clone(), stopping.clone());
        let limits = Limits {
            timeout: config.request_timeout,
            max_connections: config.max_connections.max(1),
        };
        std::thread::spawn(move || accept(&listener, &demo, &stopping, limits))
    };
    Ok(Running {
        demo,
        address,
        lan_url,
        stopping,
        acceptor: Some(acceptor),
        generated_operator_token,
    })
}

/// The operator token to require (none with the embedded emulator: it moves no real money) and,
/// when the demo made it, the same token to print.
fn operator_token(
    config: &DemoConfig,
    on_loopback: bool,
) -> std::io::Result<(Option<String>, Option<String>)> {
    let refuse = |why: String| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    match (&config.credentials, &config.operator_token) {
        (None, _) => Ok((None, None)),
        (Some(_), Some(token)) if token.trim().chars().count() < MIN_OPERATOR_TOKEN => refuse(
            format!("DEMO_OPERATOR_TOKEN must be at least {MIN_OPERATOR_TOKEN} characters"),
        ),
        (Some(_), Some(token)) => Ok((Some(token.trim().to_string()), None)),
        (Some(_), None) if !on_loopback => refuse(
            "with real credentials the demo listens beyond loopback only with an operator token: \
             set DEMO_OPERATOR_TOKEN (at least 16 characters), or drop --host / DEMO_HOST"
                .into(),
        ),
        (Some(_), None) => {
            let token = random_operator_token();
            Ok((Some(token.clone()), Some(token)))
        }
    }
}

/// An IP address as the host part of a URL.
fn host_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    }
}

/// The address other machines on the network reach this one at: the source address the
/// system would use towards a private network. (A UDP "connect" only picks a route; no packet
/// is sent.)
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(10, 255, 255, 255), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

#[derive(Clone, Copy)]
struct Limits {
    timeout: Duration,
    max_connections: usize,
}

fn accept(listener: &TcpListener, demo: &Arc<Demo>, stopping: &Arc<AtomicBool>, limits: Limits) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else {
            // A failed accept (e.g. out of file descriptors): breathe, then carry on.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if open.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
            open.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = stream.write_all(&response_bytes(
                503,
                &Reply::text(503, "too many connections; try again"),
                None,
                false,
            ));
            continue;
        }
        let slot = Slot(open.clone());
        let (demo, stopping) = (demo.clone(), stopping.clone());
        // If no thread can be started, the closure (stream and slot) is dropped: the
        // connection closes and its slot is given back.
        let _ = std::thread::Builder::new()
            .name("demo-connection".into())
            .spawn(move || {
                let _slot = slot;
                serve_connection(&demo, stream, limits.timeout, &stopping);
            });
    }
}

/// One of the [`DemoConfig::max_connections`] taken; given back when dropped, however the
/// connection's thread ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a request could not be read.
enum ReadError {
    /// The connection ended or stayed idle before a request began: close quietly.
    Closed,
    /// Answer this status and close.
    Refuse(u16, &'static str),
}

/// One request as read off the wire.
struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    keep_alive: bool,
}

/// Serves requests on one connection until it closes, idles past `timeout`, or a request is
/// refused.
fn serve_connection(demo: &Demo, mut stream: TcpStream, timeout: Duration, stopping: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(timeout));
    let client_ip = stream
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|_| "127.0.0.1".into());
    let mut pending = Vec::new();
    while !stopping.load(Ordering::SeqCst) {
        let request = match read_request(&mut stream, &mut pending, timeout) {
            Ok(request) => request,
            Err(ReadError::Closed) => return,
            Err(ReadError::Refuse(status, why)) => {
                let _ = stream.write_all(&response_bytes(
                    status,
                    &Reply::text(status, why),
                    None,
                    false,
                ));
                return;
            }
        };
        let keep_alive = request.keep_alive;
        let incoming = decode(request, &client_ip);
        let session = Session::of(&incoming);
        // A bug in one handler must not take the connection's thread down with it.
        let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            match guard::check(demo, &incoming, &session) {
                Ok(()) => routes::route(demo, &incoming),
                Err(refusal) => refusal,
            }
        }))
        .unwrap_or_else(|_| Reply::text(500, "internal error (see the demo's terminal)"));
        let token = demo.csrf_token(&session.id);
        let cookie = session.is_new.then(|| session.cookie());
        let status = status_of(&reply);
        let bytes = response_bytes(
            status,
            &with_token(reply, &token),
            cookie.as_deref(),
            keep_alive,
        );
        if stream.write_all(&bytes).is_err() || !keep_alive {
            return;
        }
    }
}

/// Reads one request, all of it within `timeout`. Bytes past its end stay in `pending` (a
/// pipelined next request).
fn read_request(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    timeout: Duration,
) -> Result<RawRequest, ReadError> {
    let deadline = Instant::now() + timeout;
    let head_end = loop {
        if let Some(end) = find(pending, b"\r\n\r\n") {
            break end;
        }
        if pending.len() > MAX_HEAD {
            return Err(ReadError::Refuse(431, "request head too large"));
        }
        let started = !pending.is_empty();
        match read_more(stream, pending, deadline) {
            Ok(0) | Err(_) if !started => return Err(ReadError::Closed),
            Ok(0) => return Err(ReadError::Closed),
            Ok(_) => {}
            Err(_) => return Err(ReadError::Refuse(408, "request too slow")),
        }
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version), None) = (
        request_line.next(),
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) else {
        return Err(ReadError::Refuse(400, "malformed request line"));
    };
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Refuse(400, "malformed header"));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    };
    if header("transfer-encoding").is_some() {
        return Err(ReadError::Refuse(411, "send a Content-Length body"));
    }
    let length = match header("content-length") {
        None => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| ReadError::Refuse(400, "bad Content-Length"))?,
    };
    if length > MAX_BODY {
        return Err(ReadError::Refuse(413, "request body too large"));
    }
    let connection = header("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = match version {
        "HTTP/1.1" => !connection.contains("close"),
        "HTTP/1.0" => connection.contains("keep-alive"),
        _ => return Err(ReadError::Refuse(505, "HTTP/1.1 only")),
    };
    let (method, target) = (method.to_string(), target.to_string());
    let body_start = head_end + 4;
    // curl and others wait for a go-ahead before a larger body.
    let expects_continue =
        header("expect").is_some_and(|value| value.eq_ignore_ascii_case("100-continue"));
    if expects_continue && pending.len() < body_start + length {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| ReadError::Closed)?;
    }
    while pending.len() < body_start + length {
        match read_more(stream, pending, deadline) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(_) => {}
            Err(_) => return Err(ReadError::Refuse(408, "request too slow")),
        }
    }
    let body = pending[body_start..body_start + length].to_vec();
    pending.drain(..body_start + length);
    Ok(RawRequest {
        method,
        target,
        headers,
        body,
        keep_alive,
    })
}

/// One read, waiting no later than `deadline`.
fn read_more(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    deadline: Instant,
) -> std::io::Result<usize> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(std::io::ErrorKind::TimedOut.into());
    }
    stream.set_read_timeout(Some(left))?;
    let mut chunk = [0u8; 8192];
    let read = stream.read(&mut chunk)?;
    pending.extend_from_slice(&chunk[..read]);
    Ok(read)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The request as the handlers see it: query and form fields decoded.
fn decode(request: RawRequest, client_ip: &str) -> Incoming {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let mut form = Form::parse(query);
    let is_form = request.headers.iter().any(|(name, value)| {
        name == "content-type" && value.starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        form.0
            .extend(Form::parse(&String::from_utf8_lossy(&request.body)).0);
    }
    Incoming {
        method: request.method,
        path: percent_decode(path),
        form,
        body: request.body,
        client_ip: client_ip.to_string(),
        headers: request.headers,
    }
}

fn status_of(reply: &Reply) -> u16 {
    match reply {
        Reply::Page(_) | Reply::ChannelPage(_) => 200,
        Reply::Body { status, .. } => *status,
        Reply::Redirect(_) => 303,
    }
}

/// Pages get the session's CSRF token in their forms.
fn with_token(reply: Reply, token: &str) -> Reply {
    match reply {
        Reply::Page(page) => Reply::Page(page.replace(CSRF_MARKER, token)),
        other => other,
    }
}

/// The demo's own pages: scripts and styles inline only, nothing fetched from elsewhere, never
/// framed (clickjacking).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
img-src data:; connect-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";
/// A channel's own page: its scripts run sandboxed in an opaque origin.
const CHANNEL_POLICY: &str =
    "sandbox allow-forms allow-scripts allow-top-navigation allow-popups; frame-ancestors 'none'";

/// The whole response, to be sent in one write: a head and body written separately would let
/// Nagle's algorithm hold the body back for the browser's delayed ACK (~40 ms a page).
fn response_bytes(status: u16, reply: &Reply, cookie: Option<&str>, keep_alive: bool) -> Vec<u8> {
    let (content_type, body, location, policy): (&str, &str, Option<&str>, &str) = match reply {
        Reply::Page(page) => ("text/html; charset=utf-8", page, None, PAGE_POLICY),
        Reply::ChannelPage(page) => ("text/html; charset=utf-8", page, None, CHANNEL_POLICY),
        Reply::Body {
            content_type, body, ..
        } => (content_type, body, None, PAGE_POLICY),
        Reply::Redirect(target) => (
            "text/plain; charset=utf-8",
            "",
            Some(target.as_str()),
            PAGE_POLICY,
        ),
    };
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {policy}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n\
         Cache-Control: no-store\r\nConnection: {}\r\n",
        reason(status),
        body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    );
    // A location that could split the header (CR, LF…) is left out rather than sent.
    if let Some(location) = location.filter(|l| !l.chars().any(char::is_control)) {
        head.push_str(&format!("Location: {location}\r\n"));
    }
    if let Some(cookie) = cookie {
        head.push_str(&format!("Set-Cookie: {cookie}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    }
}
