//! What a request must show before it is served: a `Host` the demo answers to (against DNS
//! rebinding), and for anything that changes state a POST from the demo's own pages (same
//! `Origin`, and the session's CSRF token).
//!
//! With real credentials the operations that change something also need the operator: the
//! session must be one the operator token was entered in ([`Demo::is_operator`]). A script that
//! reads a form's cookie and CSRF token is still no operator.
//!
//! The session is a random id in an `HttpOnly`, `SameSite=Strict` cookie; its token is a keyed
//! hash of the id ([`Demo::csrf_token`]), written into every form. A cross-site page can make
//! the browser send the cookie (with `SameSite=Lax` browsers, or not at all with `Strict`) but
//! can read neither the cookie nor the demo's pages, so it cannot know the token.

use crate::Demo;
use crate::http::{Incoming, Reply, url};
use crate::markup::link;
use crate::operations;
use crate::pages::layout;
use crate::state::same_bytes;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "demo_session";

/// The browser's session: the id from its cookie, or a new one (then sent with `Set-Cookie`).
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// 32 hex digits.
    pub id: String,
    /// Whether the request came without a (valid) session cookie.
    pub is_new: bool,
}

impl Session {
    /// The session named by the request's cookie, else a fresh one.
    pub fn of(incoming: &Incoming) -> Session {
        let from_cookie = incoming
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, value)| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| value.to_string())
            .filter(|id| id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit()));
        match from_cookie {
            Some(id) => Session { id, is_new: false },
            None => Session {
                id: uuid::Uuid::new_v4().simple().to_string(),
                is_new: true,
            },
        }
    }

    /// The `Set-Cookie` value that starts this session.
    pub fn cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
            self.id
        )
    }
}

/// Paths served whatever the `Host` and without a token: the webhook receiver, which BeeCloud
/// calls through whatever public name the merchant gave it, and which trusts only signatures.
fn is_open_to_any_caller(incoming: &Incoming) -> bool {
    incoming.method == "POST" && incoming.path == "/webhook"
}

/// `Ok` when the request may be served; else the refusal to send.
pub fn check(demo: &Demo, incoming: &Incoming, session: &Session) -> Result<(), Reply> {
    if is_open_to_any_caller(incoming) {
        return Ok(());
    }
    let host = incoming.header("host").unwrap_or("").to_ascii_lowercase();
    if !demo.allowed_hosts.contains(&host) {
        return Err(Reply::text(
            421,
            format!(
                "this demo answers only to {} (the Host header named another server)",
                demo.allowed_hosts.join(", ")
            ),
        ));
    }
    match incoming.method.as_str() {
        "GET" => return Ok(()),
        // Channels send the payer back with a form POST from their own site (UnionPay does):
        // the return page only shows the bill's status, it changes nothing.
        "POST" if incoming.path.starts_with("/return/") => return Ok(()),
        "POST" => {}
        _ => return Err(Reply::text(405, "method not allowed")),
    }
    // The browser says where the form was: it must be one of the demo's own pages.
    let own_origin = format!("http://{host}");
    let origin_ok = match (incoming.header("origin"), incoming.header("referer")) {
        (Some(origin), _) => origin.eq_ignore_ascii_case(&own_origin),
        (None, Some(referer)) => referer
            .to_ascii_lowercase()
            .starts_with(&format!("{own_origin}/")),
        // Neither: not a browser (or one told to send nothing); the CSRF token still decides,
        // and with real credentials the operator token too.
        (None, None) => true,
    };
    if !origin_ok {
        return Err(Reply::text(
            403,
            "refused: this form was sent from another site (cross-site request)",
        ));
    }
    let expected = demo.csrf_token(&session.id);
    let sent = incoming.form.get("csrf_token");
    if session.is_new || !same_bytes(sent.as_bytes(), expected.as_bytes()) {
        return Err(Reply::text(
            403,
            "refused: the form's CSRF token is missing or stale; reload the page and send it again",
        ));
    }
    if changes_state(demo, incoming) && !demo.is_operator(&session.id) {
        return Err(read_only_refusal(incoming));
    }
    Ok(())
}

/// Whether the request runs an operation of this demo that changes something (pays, refunds,
/// pays out…); a path naming none is left to the router's `404`.
fn changes_state(demo: &Demo, incoming: &Incoming) -> bool {
    incoming.path.strip_prefix("/op/").is_some_and(|name| {
        operations::find(name).is_some()
            && operations::available(demo, name)
            && operations::changes_state(name)
    })
}

/// Whether this request comes from a session that may change things (see [`Demo::is_operator`]).
pub fn is_operator(demo: &Demo, incoming: &Incoming) -> bool {
    let session = Session::of(incoming);
    !demo.needs_operator() || (!session.is_new && demo.is_operator(&session.id))
}

/// The page a read-only session gets for an operation that changes something.
fn read_only_refusal(incoming: &Incoming) -> Reply {
    let back = url(&incoming.path, &[]);
    Reply::Body {
        status: 403,
        content_type: "text/html; charset=utf-8",
        body: layout(
            "Read-only: operator token needed",
            &format!(
                "<p class=\"error\">Nothing was sent. This demo acts with real BeeCloud credentials, so refunds, payouts, \
                 payments and every other operation that changes something need the <b>operator token</b> (printed in the \
                 demo's terminal when it started, or set with <code>DEMO_OPERATOR_TOKEN</code>).</p><p>{} — once per browser; \
                 queries work without it.</p>",
                link(
                    &url("/operator", &[("next", &back)]),
                    "Enter the operator token"
                )
            ),
        ),
    }
}
