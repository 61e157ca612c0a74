//! What an error may show of the request it answers. A server (or anything between) may echo the
//! request back, so every text an error carries is cleaned, once, of the values the SDK knows are
//! secret — the app's secrets, the signature it sent, the card, account and ID numbers of the
//! request, every query value of a URL signed with a secret — and nothing else: the server's own
//! words stay as they came. The error also learns where the request went (`host:port`, never the
//! query), so a network failure can say so.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::app::BCApp;
use crate::error::BCError;
use crate::fields::Fields;
use crate::sensitive::REDACTED;

/// Shorter values are left alone: hiding them would hide ordinary words and numbers with them.
const SHORTEST_SECRET: usize = 4;

/// One request as its error may describe it.
pub(crate) struct Sent {
    /// `host:port` of the URL.
    server: String,
    /// Longest first, so a secret containing another is replaced whole.
    secrets: Vec<String>,
}

impl Sent {
    /// A BeeCloud call: the app's three secrets, the `app_sign` / `signature` it sent, and the
    /// values under sensitive keys among its fields (card, account and ID numbers, phones,
    /// passwords…, in `optional` too).
    pub(crate) fn call(
        url: &str,
        app: &BCApp,
        signature: &Map<String, Value>,
        fields: &Fields<'_>,
    ) -> Sent {
        let fields = Value::Object(fields.to_map().unwrap_or_default());
        let mut sensitive = Vec::new();
        crate::sensitive::sensitive_texts(&fields, &mut sensitive);
        let signed = ["app_sign", "signature"]
            .iter()
            .filter_map(|key| signature.get(*key))
            .filter_map(Value::as_str);
        let texts = sensitive.into_iter().chain(signed);
        let secrets = [&app.app_secret, &app.master_secret, &app.test_secret]
            .into_iter()
            .map(String::as_str)
            .chain(texts);
        Sent::new(url, secrets)
    }

    /// A GET to another service (WeChat OAuth): its URL carries the secret and the user's code as
    /// query values, so every query value counts as secret.
    pub(crate) fn get(url: &str) -> Sent {
        let query = url.split_once('?').map_or("", |(_, query)| query);
        let query = query.split('#').next().unwrap_or_default();
        let values = query.split('&').filter_map(|pair| pair.split_once('='));
        Sent::new(url, values.map(|(_, value)| value))
    }

    fn new<'a>(url: &str, secrets: impl Iterator<Item = &'a str>) -> Sent {
        let mut secrets: Vec<String> = secrets
            .filter(|secret| secret.chars().count() >= SHORTEST_SECRET)
            .map(str::to_string)
            .collect();
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        secrets.dedup();
        Sent {
            server: server_of(url),
            secrets,
        }
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub(crate) fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
            }
        }
        text
    }

    fn scrub_in_place(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.scrub(text) {
            *text = clean;
        }
    }

    fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.scrub_in_place(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.scrub_value(item)),
            Value::Object(entries) => entries.values_mut().for_each(|item| self.scrub_value(item)),
            _ => {}
        }
    }

    fn scrub_map(&self, raw: &mut Map<String, Value>) {
        raw.values_mut().for_each(|item| self.scrub_value(item));
    }
}

/// The error of a request, cleaned of its secrets and, for a network failure, told the server.
pub(crate) fn about(mut error: BCError, sent: &Sent) -> BCError {
    match &mut error {
        BCError::Api {
            result_msg,
            err_detail,
            body,
            raw,
            ..
        } => {
            sent.scrub_in_place(result_msg);
            sent.scrub_in_place(err_detail);
            sent.scrub_in_place(body);
            sent.scrub_map(raw);
        }
        BCError::UnreadableSuccess { raw, body, .. } => {
            sent.scrub_in_place(body);
            sent.scrub_map(raw);
        }
        BCError::HttpStatus { body, .. } | BCError::InvalidResponse { body, .. } => {
            sent.scrub_in_place(body)
        }
        BCError::Redirect {
            location: Some(location),
            ..
        } => sent.scrub_in_place(location),
        BCError::Connect { server, .. }
        | BCError::Transport { server, .. }
        | BCError::Timeout { server, .. } => server.clone_from(&sent.server),
        // Nothing of the request in them: fixed texts, numbers, or errors no request produces.
        BCError::Redirect { location: None, .. }
        | BCError::NotSupportedInTestMode { .. }
        | BCError::OnlyInTestMode { .. }
        | BCError::InvalidParams { .. }
        | BCError::NotConfigured { .. }
        | BCError::BodyTooLarge { .. }
        | BCError::InvalidWebhook { .. }
        | BCError::WebhookAmountMismatch { .. }
        | BCError::WeChat { .. } => {}
    }
    error
}

/// `host:port` of a URL (the scheme's port when none is written), without user info or query.
pub(crate) fn server_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let has_port = match authority.strip_prefix('[') {
        Some(ipv6) => ipv6.contains("]:"),
        None => authority.contains(':'),
    };
    if has_port {
        authority.to_string()
    } else {
        let port = if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        };
        format!("{authority}:{port}")
    }
}

/// The host of a `host:port`.
pub(crate) fn host_of(server: &str) -> &str {
    server.rsplit_once(':').map_or(server, |(host, _)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_host_and_port_without_query_or_user() {
        for (url, server) in [
            (
                "https://api.beecloud.cn/2/rest/bill?para=x",
                "api.beecloud.cn:443",
            ),
            ("http://127.0.0.1:8080/2/rest/bill", "127.0.0.1:8080"),
            ("http://user:pw@host/x", "host:80"),
            ("https://[::1]:9/", "[::1]:9"),
            ("https://[::1]/", "[::1]:443"),
            ("http://host?secret=s", "host:80"),
        ] {
            assert_eq!(server_of(url), server, "{url}");
        }
        assert_eq!(host_of("api.beecloud.cn:443"), "api.beecloud.cn");
    }

    #[test]
    fn only_known_values_are_replaced() {
        let sent =
            Sent::get("https://api.weixin.qq.com/sns?appid=wx1234&secret=s3cr3t-value&code=ab");
        assert_eq!(
            sent.scrub("the secret s3cr3t-value of wx1234 is wrong; code ab"),
            "the secret <redacted> of <redacted> is wrong; code ab"
        );
        assert!(matches!(sent.scrub("nothing to hide"), Cow::Borrowed(_)));
    }
}
