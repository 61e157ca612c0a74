//! The one blocking HTTP helper: every request of the SDK goes through [`call`] (BeeCloud) or
//! [`get`] (WeChat OAuth). An operation is a [`Op`] — name, wire shape, path, secret, test-mode
//! rule — plus its fields; this module refuses test-mode calls, signs, encodes, sends and maps the reply.

use std::fmt;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::app::{BCApp, BCTimeout, DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_TIMEOUT};
use crate::error::{BCError, BoxError, excerpt, reason_phrase};
use crate::params::Fields;
use crate::results::BCResult;
use crate::sign::app_sign;

/// Largest response body the SDK reads (a page of 50 bills is a few tens of KiB).
pub(crate) const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// How the fields travel (wire-contract §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wire {
    /// E1: POST, JSON body.
    Post,
    /// E1: PUT, JSON body.
    Put,
    /// E2: GET `?para=<JSON>`.
    GetPara,
    /// E3: GET `?k=v&…`.
    GetQuery,
    /// E4: DELETE `?k=v&…`.
    Delete,
}

impl Wire {
    /// The HTTP method.
    pub(crate) fn method(self) -> &'static str {
        match self {
            Wire::Post => "POST",
            Wire::Put => "PUT",
            Wire::GetPara | Wire::GetQuery => "GET",
            Wire::Delete => "DELETE",
        }
    }
}

/// Which secret signs the request in live mode (test mode always uses the test secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    App,
    Master,
    /// Sent without `app_id` / `timestamp` / `app_sign`.
    Unsigned,
    /// T0/T1 payouts: `app_id` and a body `signature` over `bill_no`, this amount field and
    /// `bank_account_no` with the master secret, no `timestamp` / `app_sign` (beyond-python A4.0).
    Payout(&'static str),
}

/// What test mode does to the operation (wire-contract §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TestMode {
    /// Same path, test-signed.
    Same,
    /// This sandbox path instead.
    Sandbox(&'static str),
    /// Refused locally with `-2`.
    Refused,
    /// Only in test mode (e.g. sandbox notify); refused locally with `-2` in live mode.
    Only,
}

/// One REST operation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op {
    /// Python's method name (for the test-mode refusal text).
    pub name: &'static str,
    pub wire: Wire,
    /// Path under `/2/`.
    pub path: &'static str,
    pub secret: Secret,
    pub test_mode: TestMode,
    /// Fields the REST docs require: refused locally when absent.
    pub required: &'static [&'static str],
}

impl Op {
    pub(crate) const fn new(
        name: &'static str,
        wire: Wire,
        path: &'static str,
        secret: Secret,
        test_mode: TestMode,
    ) -> Op {
        Op {
            name,
            wire,
            path,
            secret,
            test_mode,
            required: &[],
        }
    }

    pub(crate) const fn requiring(self, required: &'static [&'static str]) -> Op {
        Op { required, ..self }
    }
}

/// Performs `op` for `app`: `id` is the path parameter, `fields` builds the request fields (and runs
/// the operation's own checks) only once test mode has been ruled out.
pub(crate) fn call<'p, T: DeserializeOwned, F: Into<Fields<'p>>>(
    app: &BCApp,
    op: &Op,
    id: Option<&str>,
    fields: impl FnOnce() -> Result<F, BCError>,
) -> Result<BCResult<T>, BCError> {
    call_at(app, op, id.as_slice(), fields)
}

/// [`call`] with any number of path parameters, each percent-encoded as one segment.
pub(crate) fn call_at<'p, T: DeserializeOwned, F: Into<Fields<'p>>>(
    app: &BCApp,
    op: &Op,
    ids: &[&str],
    fields: impl FnOnce() -> Result<F, BCError>,
) -> Result<BCResult<T>, BCError> {
    if app.is_test_mode && op.test_mode == TestMode::Refused {
        return Err(BCError::NotSupportedInTestMode { method: op.name });
    }
    if !app.is_test_mode && op.test_mode == TestMode::Only {
        return Err(BCError::OnlyInTestMode { method: op.name });
    }
    let fields = fields()?.into();
    if let Some(missing) = op.required.iter().find(|key| !fields.is_present(key)) {
        return Err(BCError::invalid(format!("`{missing}` is required")));
    }
    let path = match op.test_mode {
        TestMode::Sandbox(sandbox) if app.is_test_mode => sandbox,
        _ => op.path,
    };
    let mut url = format!("{}/2/{path}", api_root(app)?);
    for id in ids {
        if id.is_empty() {
            return Err(BCError::invalid("the id must not be empty"));
        }
        url.push('/');
        url.push_str(&percent_encode(id, false));
    }
    // Encoded before signing, so a field that cannot travel is reported before a signing problem.
    let caller_query = match op.wire {
        Wire::GetQuery | Wire::Delete => query_pairs(&fields.to_map()?)?,
        _ => String::new(),
    };
    let signature = match op.secret {
        Secret::Payout(amount) => payout_signature(app, &fields.to_map()?, amount)?,
        secret => signature(app, secret)?,
    };
    let agent = app.agent();
    let started = Instant::now();
    let sent = match op.wire {
        Wire::Post | Wire::Put => {
            let body = fields.to_json(&signature)?;
            let request = if op.wire == Wire::Post {
                agent.post(&url)
            } else {
                agent.put(&url)
            };
            with_timeouts(
                request.header("Content-Type", "application/json"),
                app.timeout,
            )
            .send(&body[..])
        }
        Wire::GetPara => {
            let para = String::from_utf8(fields.to_json(&signature)?)
                .map_err(|_| BCError::invalid("parameters must be UTF-8"))?;
            url.push_str("?para=");
            url.push_str(&percent_encode(&para, true));
            with_timeouts(agent.get(&url), app.timeout).call()
        }
        Wire::GetQuery | Wire::Delete => {
            if !caller_query.is_empty() || !signature.is_empty() {
                url.push('?');
            }
            url.push_str(&caller_query);
            if !caller_query.is_empty() && !signature.is_empty() {
                url.push('&');
            }
            url.push_str(&query_pairs(&signature)?);
            let request = if op.wire == Wire::Delete {
                agent.delete(&url)
            } else {
                agent.get(&url)
            };
            with_timeouts(request, app.timeout).call()
        }
    };
    let reply = read_reply(sent);
    let status = reply.as_ref().ok().map(|(status, _)| *status);
    let result = reply.and_then(|(status, body)| decode(status, body));
    crate::call_log::record(op.name, op.wire.method(), &url, status, &result, started);
    result
}

/// GETs a document from a non-BeeCloud service (WeChat OAuth), with the default timeouts and body
/// cap: `(status, body)`.
pub(crate) fn get(agent: &ureq::Agent, url: &str) -> Result<(u16, Vec<u8>), BCError> {
    read_reply(with_timeouts(agent.get(url), None).call())
}

fn api_root(app: &BCApp) -> Result<&str, BCError> {
    let host = app.api_host.trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        Ok(host)
    } else {
        Err(BCError::NotConfigured {
            what: "api_host (an http:// or https:// URL)",
        })
    }
}

/// `app_id`, `timestamp` and `app_sign` (wire-contract §2); none for unsigned operations.
fn signature(app: &BCApp, secret: Secret) -> Result<Map<String, Value>, BCError> {
    if secret == Secret::Unsigned {
        return Ok(Map::new());
    }
    if app.app_id.is_empty() {
        return Err(BCError::NotConfigured { what: "app id" });
    }
    let (secret, what) = match secret {
        _ if app.is_test_mode => (&app.test_secret, "test secret"),
        Secret::Master => (&app.master_secret, "master secret"),
        _ => (&app.app_secret, "app secret"),
    };
    if secret.is_empty() {
        return Err(BCError::NotConfigured { what });
    }
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64);
    Ok(Map::from_iter([
        ("app_id".to_string(), Value::from(app.app_id.as_str())),
        ("timestamp".to_string(), timestamp.into()),
        (
            "app_sign".to_string(),
            app_sign(&app.app_id, timestamp, secret).into(),
        ),
    ]))
}

/// `app_id` and the body `signature` of a T0/T1 payout (beyond-python A4.0); the fields were
/// checked to be present by the caller's required list.
fn payout_signature(
    app: &BCApp,
    fields: &Map<String, Value>,
    amount: &str,
) -> Result<Map<String, Value>, BCError> {
    if app.app_id.is_empty() {
        return Err(BCError::NotConfigured { what: "app id" });
    }
    if app.master_secret.is_empty() {
        return Err(BCError::NotConfigured {
            what: "master secret",
        });
    }
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(number)) if number.is_i64() => Ok(number.to_string()),
        _ => Err(BCError::invalid(format!("`{key}` is required"))),
    };
    let signature = crate::sign::payout_signature(
        &app.app_id,
        &text("bill_no")?,
        &text(amount)?,
        &text("bank_account_no")?,
        &app.master_secret,
    );
    Ok(Map::from_iter([
        ("app_id".to_string(), Value::from(app.app_id.as_str())),
        ("signature".to_string(), signature.into()),
    ]))
}

/// The call's timeouts, its overall deadline ([`BCTimeout::deadline`]), no redirects and every
/// status as an answer for [`read_reply`] to judge (also when the agent came from elsewhere).
fn with_timeouts<B>(
    request: ureq::RequestBuilder<B>,
    timeout: Option<BCTimeout>,
) -> ureq::RequestBuilder<B> {
    // Set per request too, so an agent of the caller's (`BCApp::set_agent`) never follows a
    // redirect and reads envelopes alike.
    let config = request
        .config()
        .max_redirects(0)
        .http_status_as_error(false);
    match timeout {
        None => config
            .timeout_connect(Some(DEFAULT_CONNECT_TIMEOUT))
            .timeout_global(Some(DEFAULT_CALL_TIMEOUT)),
        Some(total @ BCTimeout::Total(_)) => config.timeout_global(Some(total.deadline())),
        Some(both @ BCTimeout::ConnectRead { connect, read }) => config
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(read))
            .timeout_per_read(Some(read))
            .timeout_global(Some(both.deadline())),
    }
    .build()
}

/// Status and body of an answer, or the transport failure; a 3xx is refused unread.
fn read_reply(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, Vec<u8>), BCError> {
    let mut response = sent.map_err(transport_error)?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        let location = response.headers().get("location");
        return Err(BCError::Redirect {
            status,
            location: location
                .map(|value| redacted_location(&String::from_utf8_lossy(value.as_bytes()))),
        });
    }
    // Sized from Content-Length up front (at most 64 KiB before any byte arrives), so a reply is
    // read without regrowing the buffer.
    let announced = response.body().content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(announced.min(64 * 1024) as usize);
    std::io::Read::read_to_end(
        &mut response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .reader(),
        &mut body,
    )
    .map_err(|error| transport_error(error.into()))?;
    Ok((status, body))
}

/// The answer as a result: a success is decoded once ([`crate::reply`]); anything else goes to
/// [`envelope`], which names the problem.
fn decode<T: DeserializeOwned>(status: u16, body: Vec<u8>) -> Result<BCResult<T>, BCError> {
    crate::reply::success(status, body).or_else(|body| envelope(status, &body))
}

/// Maps an answer to the result: 200 and 4xx carry envelopes (wire-contract §7.2), anything else
/// is an HTTP failure; a non-zero or missing `result_code` is an error.
fn envelope<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<BCResult<T>, BCError> {
    let text = || String::from_utf8_lossy(body).into_owned();
    if status != 200 && !(400..500).contains(&status) {
        return Err(BCError::HttpStatus {
            status,
            reason: reason_phrase(status),
            body: text(),
        });
    }
    let invalid = |problem, source| BCError::InvalidResponse {
        status,
        problem,
        body: text(),
        source,
    };
    let raw = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(raw)) => raw,
        Ok(_) => return Err(invalid("the body is not a JSON object", None)),
        Err(source) => return Err(invalid("the body is not JSON", Some(source))),
    };
    let result_code = match raw.get("result_code") {
        Some(Value::Number(code)) => code.as_i64(),
        // The subscription docs type the code as a string.
        Some(Value::String(code)) => code.trim().parse().ok(),
        None => return Err(invalid("the body has no result_code", None)),
        Some(_) => None,
    };
    let Some(result_code) = result_code else {
        return Err(invalid("result_code is not an integer", None));
    };
    let text_of = |key: &str| match raw.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let (result_msg, err_detail) = (text_of("result_msg"), text_of("err_detail"));
    if result_code != 0 {
        return Err(BCError::Api {
            result_code,
            result_msg,
            err_detail,
            raw,
        });
    }
    if status != 200 {
        return Err(invalid(
            "a success envelope came with an error status",
            None,
        ));
    }
    // The server acted: an undecodable payload must not read as a failure of the operation.
    // Straight from the parsed object: one parse, no copy of the tree.
    let data = T::deserialize(&raw).map_err(|source| BCError::UnreadableSuccess {
        raw: raw.clone(),
        source,
    })?;
    Ok(BCResult {
        result_code,
        result_msg,
        err_detail,
        data,
        raw: raw.into(),
    })
}

/// `Connect` when nothing can have been sent, `Timeout`, `BodyTooLarge`, else `Transport`.
fn transport_error(error: ureq::Error) -> BCError {
    use std::io::ErrorKind;
    enum Kind {
        NotSent,
        TimedOut,
        MaybeSent,
    }
    let kind = match &error {
        ureq::Error::Timeout(_) => Kind::TimedOut,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut => Kind::TimedOut,
            // What a connect attempt reports; a written request never gets these.
            ErrorKind::ConnectionRefused
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::NetworkDown
            | ErrorKind::AddrNotAvailable => Kind::NotSent,
            _ => Kind::MaybeSent,
        },
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::TlsRequired => Kind::NotSent,
        ureq::Error::BodyExceedsLimit(limit) => return BCError::BodyTooLarge { limit: *limit },
        _ => Kind::MaybeSent,
    };
    let source = redacted(error);
    match kind {
        Kind::NotSent => BCError::Connect { source },
        Kind::TimedOut => BCError::Timeout { source },
        Kind::MaybeSent => BCError::Transport { source },
    }
}

/// A `Location` fit for error texts: query and fragment (where a signed URL keeps its signature)
/// replaced by `<redacted>`, then a short [`excerpt`] of that (cut before `sign`, `secret`…).
fn redacted_location(location: &str) -> String {
    match location.find(['?', '#']) {
        Some(at) => excerpt(&format!("{}?<redacted>", &location[..at])),
        None => excerpt(location),
    }
}

/// GET URLs carry `app_sign` (WeChat's, the app secret); an error that quotes the URL is replaced
/// by a copy without it.
fn redacted(error: ureq::Error) -> BoxError {
    let shown = format!("{error} {error:?}");
    if shown.contains("app_sign") || shown.contains("para=") || shown.contains("secret=") {
        Box::new(RedactedError(match error {
            ureq::Error::BadUri(_) => "bad uri",
            ureq::Error::RequireHttpsOnly(_) => "configured for https only",
            _ => "transport error",
        }))
    } else {
        Box::new(error)
    }
}

#[derive(Debug)]
struct RedactedError(&'static str);

impl fmt::Display for RedactedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (details withheld: the url carries a signature)",
            self.0
        )
    }
}

impl std::error::Error for RedactedError {}

/// `k=v&…` for E3/E4: Python's `str()` of each value, so booleans are `True` / `False` and a list
/// repeats its key; `null` is skipped; an object cannot be expressed and is refused.
fn query_pairs(fields: &Map<String, Value>) -> Result<String, BCError> {
    let mut pairs = Vec::new();
    for (key, value) in fields {
        let values = match value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        for value in values {
            let text = match value {
                Value::Null => continue,
                Value::Bool(true) => "True".to_string(),
                Value::Bool(false) => "False".to_string(),
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(BCError::invalid(format!(
                        "`{key}` is nested and cannot be sent as a query parameter"
                    )));
                }
            };
            pairs.push(format!(
                "{}={}",
                percent_encode(key, true),
                percent_encode(&text, true)
            ));
        }
    }
    Ok(pairs.join("&"))
}

/// Percent-encodes all but `A-Z a-z 0-9 _ . - ~`; with `form`, a space becomes `+` (Python's
/// `quote_plus`), else `%20` (a path segment, where `/` is escaped too).
pub(crate) fn percent_encode(text: &str, form: bool) -> String {
    let mut encoded = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                encoded.push(byte as char)
            }
            b' ' if form => encoded.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                encoded.push('%');
                encoded.push(HEX[usize::from(byte >> 4)] as char);
                encoded.push(HEX[usize::from(byte & 0xf)] as char);
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{EmptyResult, IdResult};
    use serde_json::json;

    #[test]
    fn percent_encoding_matches_quote_plus_and_escapes_path_segments() {
        assert_eq!(
            percent_encode("{\"a\": \"b c\"}", true),
            "%7B%22a%22%3A+%22b+c%22%7D"
        );
        assert_eq!(percent_encode("ID 1/2", false), "ID%201%2F2");
        assert_eq!(percent_encode("会员", true), "%E4%BC%9A%E5%91%98");
    }

    /// `fetch_open_id`'s path (`get` with a default agent) refuses a redirect too.
    #[test]
    fn the_wechat_get_never_follows_a_redirect() {
        use std::io::{Read, Write};
        let decoy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let decoy_url = format!("http://{}", decoy.local_addr().unwrap());
        decoy.set_nonblocking(true).unwrap();
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/sns/oauth2/access_token",
            server.local_addr().unwrap()
        );
        let answer = format!(
            "HTTP/1.1 302 Found\r\nLocation: {decoy_url}/x?secret=s\r\nContent-Length: 0\r\n\r\n"
        );
        let serving = std::thread::spawn(move || {
            let (mut stream, _) = server.accept().unwrap();
            let _ = stream.read(&mut [0; 4096]);
            stream.write_all(answer.as_bytes()).unwrap();
        });
        let err = get(BCApp::default().agent(), &url).unwrap_err();
        serving.join().unwrap();
        assert!(
            matches!(&err, BCError::Redirect { status: 302, location: Some(l) } if *l == format!("{decoy_url}/x?<redacted>")),
            "{err:?}"
        );
        assert!(decoy.accept().is_err(), "the redirect was followed");
    }

    #[test]
    fn redirect_locations_lose_their_query() {
        assert_eq!(
            redacted_location("http://evil.example/2/rest/bill?para=%7B%22app_sign%22"),
            "http://evil.example/2/rest/bill?<redacted>"
        );
        assert_eq!(redacted_location("/x#frag"), "/x?<redacted>");
        assert_eq!(redacted_location("/plain"), "/plain");
        assert!(redacted_location(&"é".repeat(300)).starts_with(&"é".repeat(120)));
        assert!(redacted_location(&"é".repeat(300)).ends_with("withheld)"));
        assert_eq!(
            redacted_location("http://evil.example/app_sign/0123abcd"),
            "http://evil.example/app_… (13 more bytes withheld)"
        );
    }

    #[test]
    fn query_pairs_spell_booleans_as_python_does() {
        let fields =
            json!({"count_only": true, "skip": 0, "ids": ["a", "b"], "none": null, "name": "会员"});
        let query = query_pairs(fields.as_object().unwrap()).unwrap();
        assert_eq!(
            query,
            "count_only=True&ids=a&ids=b&name=%E4%BC%9A%E5%91%98&skip=0"
        );
        let nested = json!({"optional": {"a": 1}});
        assert!(matches!(
            query_pairs(nested.as_object().unwrap()),
            Err(BCError::InvalidParams { .. })
        ));
    }

    #[test]
    fn envelopes_map_to_results_and_errors() {
        let ok: BCResult<IdResult> = envelope(
            200,
            br#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"x","more":1}"#,
        )
        .unwrap();
        assert_eq!(ok.id, "x");
        assert_eq!(ok.raw["more"], 1);

        let api = envelope::<EmptyResult>(
            200,
            br#"{"result_code":"5","result_msg":"PARAM_INVALID","err_detail":"bad"}"#,
        );
        let err = api.unwrap_err();
        assert_eq!(
            (err.result_code(), err.result_msg(), err.err_detail()),
            (Some(5), "PARAM_INVALID".into(), "bad".into())
        );

        let unknown =
            envelope::<EmptyResult>(400, br#"{"result_code":99,"result_msg":"NEW"}"#).unwrap_err();
        assert_eq!(unknown.result_code(), Some(99));

        for (status, body) in [
            (200, &b"success"[..]),
            (200, b"[1]"),
            (200, br#"{"id":"x"}"#),
            (200, br#"{"result_code":true}"#),
            (404, b"<html>"),
            (400, br#"{"result_code":0,"id":"x"}"#),
        ] {
            let err = envelope::<IdResult>(status, body).unwrap_err();
            assert!(
                matches!(err, BCError::InvalidResponse { .. }),
                "{status} {err:?}"
            );
            assert_eq!(err.result_code(), Some(-1));
        }

        // The server acted; only its answer is unreadable.
        let err = envelope::<IdResult>(200, br#"{"result_code":0,"id":5}"#).unwrap_err();
        assert!(
            matches!(&err, BCError::UnreadableSuccess { raw, .. } if raw["id"] == 5),
            "{err:?}"
        );
        assert!(err.outcome_unknown());
        assert_eq!(err.result_code(), Some(-1));

        let err = envelope::<EmptyResult>(500, br#"{"result_code":0}"#).unwrap_err();
        assert_eq!(
            (err.result_code(), err.result_msg(), err.err_detail()),
            (Some(-1), "500".into(), "Internal Server Error".into())
        );
    }

    #[test]
    fn decoding_once_agrees_with_the_envelope_mapping() {
        use crate::results::{BillsResult, PayResult};
        fn both<T: DeserializeOwned + PartialEq + fmt::Debug>(status: u16, body: &[u8]) {
            let (fast, slow) = (
                decode::<T>(status, body.to_vec()),
                envelope::<T>(status, body),
            );
            match (fast, slow) {
                (Ok(fast), Ok(slow)) => {
                    assert_eq!(fast, slow);
                    assert_eq!(*fast.raw, *slow.raw);
                }
                (Err(fast), Err(slow)) => assert_eq!(format!("{fast:?}"), format!("{slow:?}")),
                (fast, slow) => panic!("{fast:?} vs {slow:?}"),
            }
        }
        for body in [
            &br#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"x","url":"u","new":[1]}"#
                [..],
            br#" {"result_code":"0","id":"x","result_msg":null,"err_detail":5}"#,
            br#"{"result_code":0,"id":"x","id":"y"}"#,
            br#"{"result_code":0,"id":5}"#,
            br#"{"result_code":0}"#,
            br#"{"result_code":1,"id":"x","result_msg":"NO"}"#,
            br#"[0,"OK",""]"#,
            br#"{"result_code":0,"id":"x"} trailing"#,
        ] {
            both::<PayResult>(200, body);
            both::<PayResult>(400, body);
        }
        both::<BillsResult>(
            200,
            br#"{"result_code":0,"bills":[{"id":"b","channel":"WX","unknown":{"k":1}},null]}"#,
        );
        let page: BCResult<BillsResult> = decode(
            200,
            br#"{"result_code":0,"bills":[{"id":"b","unknown":{"k":1}}]}"#.to_vec(),
        )
        .unwrap();
        assert_eq!(page.bills[0].id.as_deref(), Some("b"));
        assert_eq!(page.raw["bills"][0]["unknown"]["k"], 1);
    }
}
