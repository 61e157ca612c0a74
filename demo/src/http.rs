//! The request and reply types every layer shares: decoded forms, the incoming request, what a
//! handler answers, and percent-encoding. Nothing here knows about pages or operations.

use std::collections::BTreeMap;

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

/// `path?name=value&…`, encoded.
pub fn url(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
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
    /// Header names (lowercase) and values, in the order received.
    pub headers: Vec<(String, String)>,
}

impl Incoming {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
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
    /// A page made by a payment channel (the `html` of a pay result), served in a sandbox: its
    /// scripts run in an opaque origin, so they can read neither the demo's pages nor its cookie.
    ChannelPage(String),
}

impl Reply {
    /// A plain-text answer with this status.
    pub fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply::Body {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
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
