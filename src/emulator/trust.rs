//! Who may drive the emulator: requests must name it by one of its own host names (so that a web page
//! cannot reach it through DNS rebinding), control calls and state-changing API calls must not come from
//! another site's page (`Origin`), control POSTs must be JSON (which a page cannot send without a
//! preflight, and no CORS header is ever sent), and the control token is compared in constant time.

use super::server::Request;
use super::state::Shared;

/// Why a request is turned away: status and text.
pub(crate) type Refusal = (u16, String);

/// Checks the `Host` of every request; `None` when it names this emulator.
pub(crate) fn check_host(shared: &Shared, request: &Request) -> Option<Refusal> {
    let host = request.header("host")?;
    let (name, _) = split_host(host);
    if is_own_name(shared, &name) {
        return None;
    }
    Some((
        421,
        format!(
            "Host {host} is not one of this emulator's names (loopback, its IP addresses, --host, \
             --public-url, --allow-host): refused against DNS rebinding"
        ),
    ))
}

/// Checks the `Origin` of a control call or a state-changing API call; `None` when absent or the
/// emulator's own (its cashier pages).
pub(crate) fn check_origin(shared: &Shared, request: &Request) -> Option<Refusal> {
    let origin = request.header("origin")?;
    let own = origin
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
        .is_some_and(|(scheme, authority)| {
            let (name, port) = split_host(authority);
            let port = port.unwrap_or(if scheme == "https" { 443 } else { 80 });
            is_own_name(shared, &name)
                && (port == shared.port || shared.public_url().starts_with(origin))
        });
    (!own).then(|| {
        (
            403,
            format!("requests from the web page at {origin} are refused; call the emulator from your code"),
        )
    })
}

/// Control POSTs must say `Content-Type: application/json`.
pub(crate) fn check_json(request: &Request) -> Option<Refusal> {
    let is_json = request.header("content-type").is_some_and(|value| {
        let media = value.split(';').next().unwrap_or_default().trim();
        media.eq_ignore_ascii_case("application/json")
    });
    (request.method == "POST" && !is_json).then(|| {
        (
            415,
            "control POSTs need Content-Type: application/json".to_owned(),
        )
    })
}

/// Checks the control token (when one is set) in constant time.
pub(crate) fn check_token(shared: &Shared, request: &Request) -> Option<Refusal> {
    let token = shared.config.control_token.as_deref()?;
    let presented = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    (!crate::sign::secrets_match(presented.as_bytes(), token.as_bytes())).then(|| {
        (
            401,
            "the control API needs Authorization: Bearer <token>".to_owned(),
        )
    })
}

/// `name:port`, `[v6]:port` or a bare name ⇒ the lower-case name (brackets kept off) and the port.
fn split_host(host: &str) -> (String, Option<u16>) {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']').unwrap_or((rest, ""));
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return (name.to_ascii_lowercase(), port);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
            (name.to_ascii_lowercase(), port.parse().ok())
        }
        _ => (host.to_ascii_lowercase(), None),
    }
}

/// Loopback names, any IP address (a name only DNS can rebind), the bound host, the public URL's host and
/// the configured extra names.
fn is_own_name(shared: &Shared, name: &str) -> bool {
    let name = name.trim_end_matches('.');
    if name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::IpAddr>().is_ok()
    {
        return true;
    }
    let config = &shared.config;
    if config.host.eq_ignore_ascii_case(name)
        || config
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
    {
        return true;
    }
    let public_url = shared.public_url();
    let authority = public_url
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or_default());
    split_host(authority).0 == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_split_into_name_and_port() {
        assert_eq!(
            split_host("Example.com:80"),
            ("example.com".into(), Some(80))
        );
        assert_eq!(split_host("[::1]:8900"), ("::1".into(), Some(8900)));
        assert_eq!(split_host("localhost"), ("localhost".into(), None));
    }
}
