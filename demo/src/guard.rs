//! What a request must show before it is served: a `Host` the demo answers to (against DNS
//! rebinding), and for anything that changes state a POST from the demo's own pages (same
//! `Origin`, and the session's CSRF token).
//!
//! The session is a random id in an `HttpOnly`, `SameSite=Strict` cookie; its token is a keyed
//! hash of the id ([`Demo::csrf_token`]), written into every form. A cross-site page can make
//! the browser send the cookie (with `SameSite=Lax` browsers, or not at all with `Strict`) but
//! can read neither the cookie nor the demo's pages, so it cannot know the token.

use crate::Demo;
use crate::http::{Incoming, Reply};

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
        // Neither: not a browser (or one told to send nothing); the token still decides.
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
    Ok(())
}

/// Compares without stopping at the first difference (the time taken says nothing about the
/// token).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
    }
}
