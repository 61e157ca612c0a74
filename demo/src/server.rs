//! The HTTP side: starting the demo (and its emulator), served by the SDK's own small HTTP/1.1
//! core ([`beecloud::emulator::server`], the emulator's); [`crate::routes`] says what each path does.
//!
//! Limits (the core's): one thread per connection, at most [`DemoConfig::max_connections`] at
//! once; at the cap the oldest connection waiting for a request (kept alive, or silent since it
//! opened) is closed to make room, and only when all are busy is a newcomer answered `503`; a
//! connection silent for 5 s (or [`DemoConfig::request_timeout`] when shorter) is closed; a head
//! and a body must each arrive within [`DemoConfig::request_timeout`] or the connection is closed
//! (`408` for a slow head), so a client sending a byte a second holds only its own thread, never
//! another page; heads over 16 KiB and bodies over 1 MiB are refused.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use beecloud::BCApp;
use beecloud::emulator::Emulator;
use beecloud::emulator::server::{Limits, Listener, Request, Response};

use crate::guard::{self, Session};
use crate::http::{Form, Incoming, Reply, percent_decode};
use crate::markup::CSRF_MARKER;
use crate::state::{MIN_OPERATOR_TOKEN, random_operator_token};
use crate::{Demo, DemoConfig, routes};

/// A running demo server. Dropping it stops the server (and the embedded emulator).
pub struct Running {
    demo: Arc<Demo>,
    address: SocketAddr,
    lan_url: Option<String>,
    /// Dropping it stops the server.
    server: Listener,
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
        self.server.wait();
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
    let limits = Limits {
        max_connections: config.max_connections.max(1),
        first_byte_timeout: config.request_timeout.min(Duration::from_secs(5)),
        head_timeout: config.request_timeout,
        body_timeout: config.request_timeout,
        idle_timeout: config.request_timeout,
        write_timeout: config.request_timeout,
        ..Limits::default()
    };
    let handler = {
        let demo = demo.clone();
        Arc::new(move |request: Request| respond(&demo, request))
    };
    let server = Listener::serve(listener, limits, handler, Arc::new(|| {}))?;
    Ok(Running {
        demo,
        address,
        lan_url,
        server,
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

/// Answers one request: the guard (host, origin, CSRF token, session) around the router, then the
/// session's token in the page's forms and the security headers.
fn respond(demo: &Demo, request: Request) -> Response {
    let incoming = decode(request);
    let session = Session::of(&incoming);
    // A bug in one handler answers an error page; the core carries on with the next request.
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
    response(status, &with_token(reply, &token), cookie)
}

/// The request as the handlers see it: query and form fields decoded.
fn decode(request: Request) -> Incoming {
    let mut form = Form::parse(&request.query);
    let is_form = request.headers.iter().any(|(name, value)| {
        name == "content-type" && value.starts_with("application/x-www-form-urlencoded")
    });
    if is_form {
        form.0
            .extend(Form::parse(&String::from_utf8_lossy(&request.body)).0);
    }
    Incoming {
        method: request.method,
        path: percent_decode(&request.path),
        form,
        body: request.body,
        client_ip: request.peer.ip().to_string(),
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

/// The response with the demo's headers (the core adds `Content-Length` and writes it in one go).
fn response(status: u16, reply: &Reply, cookie: Option<String>) -> Response {
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
    let mut headers = vec![
        ("Content-Type", content_type.to_string()),
        ("Content-Security-Policy", policy.to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
        ("Referrer-Policy", "same-origin".to_string()),
        ("Cache-Control", "no-store".to_string()),
    ];
    // The core leaves out a value that could split the header (CR, LF…).
    if let Some(location) = location {
        headers.push(("Location", location.to_string()));
    }
    if let Some(cookie) = cookie {
        headers.push(("Set-Cookie", cookie));
    }
    Response::Full {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    }
}
