//! The one blocking HTTP helper: every request of the SDK goes through [`call`] (BeeCloud) or
//! [`get`] (WeChat OAuth). An operation is a [`Op`] — name, wire shape, path, secret, test-mode
//! rule — plus its fields; this module refuses test-mode calls, signs, encodes, sends and maps the reply.

use std::fmt;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::app::{BCApp, BCTimeout, DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_TIMEOUT};
use crate::error::{BCError, BoxError, reason_phrase};
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
pub(crate) fn call<T: DeserializeOwned>(
    app: &BCApp,
    op: &Op,
    id: Option<&str>,
    fields: impl FnOnce() -> Result<Map<String, Value>, BCError>,
) -> Result<BCResult<T>, BCError> {
    if app.is_test_mode && op.test_mode == TestMode::Refused {
        return Err(BCError::NotSupportedInTestMode { method: op.name });
    }
    let mut fields = fields()?;
    if let Some(missing) = op
        .required
        .iter()
        .find(|key| fields.get(**key).is_none_or(Value::is_null))
    {
        return Err(BCError::invalid(format!("`{missing}` is required")));
    }
    let path = match op.test_mode {
        TestMode::Sandbox(sandbox) if app.is_test_mode => sandbox,
        _ => op.path,
    };
    let mut url = format!("{}/2/{path}", api_root(app)?);
    if let Some(id) = id {
        if id.is_empty() {
            return Err(BCError::invalid("the id must not be empty"));
        }
        url.push('/');
        url.push_str(&percent_encode(id, false));
    }
    // Encoded before signing, so a field that cannot travel is reported before a signing problem.
    let caller_query = match op.wire {
        Wire::GetQuery | Wire::Delete => query_pairs(&fields)?,
        _ => String::new(),
    };
    let signature = signature(app, op.secret)?;
    let agent = app.agent();
    let started = Instant::now();
    let sent = match op.wire {
        Wire::Post | Wire::Put => {
            fields.extend(signature);
            let body = Value::Object(fields).to_string();
            let request = if op.wire == Wire::Post {
                agent.post(&url)
            } else {
                agent.put(&url)
            };
            with_timeouts(
                request.header("Content-Type", "application/json"),
                app.timeout,
            )
            .send(body.as_bytes())
        }
        Wire::GetPara => {
            fields.extend(signature);
            url.push_str("?para=");
            url.push_str(&percent_encode(&Value::Object(fields).to_string(), true));
            with_timeouts(agent.get(&url), app.timeout).call()
        }
        Wire::GetQuery | Wire::Delete => {
            url.push('?');
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
    let result = reply.and_then(|(status, body)| envelope(status, &body));
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

fn with_timeouts<B>(
    request: ureq::RequestBuilder<B>,
    timeout: Option<BCTimeout>,
) -> ureq::RequestBuilder<B> {
    // Set per request too, so an agent of the caller's (`BCApp::set_agent`) reads envelopes alike.
    let config = request.config().http_status_as_error(false);
    match timeout {
        None => config
            .timeout_connect(Some(DEFAULT_CONNECT_TIMEOUT))
            .timeout_global(Some(DEFAULT_CALL_TIMEOUT)),
        Some(BCTimeout::Total(total)) => config.timeout_global(Some(total)),
        Some(BCTimeout::ConnectRead { connect, read }) => config
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(read))
            .timeout_per_read(Some(read)),
    }
    .build()
}

/// Status and body of an answer, or the transport failure.
fn read_reply(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, Vec<u8>), BCError> {
    let mut response = sent.map_err(transport_error)?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(transport_error)?;
    Ok((status, body))
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
    let data = serde_json::from_value(Value::Object(raw.clone())).map_err(|source| {
        invalid(
            "the payload does not have the documented shape",
            Some(source),
        )
    })?;
    Ok(BCResult {
        result_code,
        result_msg,
        err_detail,
        data,
        raw,
    })
}

fn transport_error(error: ureq::Error) -> BCError {
    let timed_out = match &error {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
        ureq::Error::BodyExceedsLimit(limit) => return BCError::BodyTooLarge { limit: *limit },
        _ => false,
    };
    let source = redacted(error);
    if timed_out {
        BCError::Timeout { source }
    } else {
        BCError::Transport { source }
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
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                encoded.push(byte as char)
            }
            b' ' if form => encoded.push('+'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
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
            (200, br#"{"result_code":0,"id":5}"#),
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

        let err = envelope::<EmptyResult>(500, br#"{"result_code":0}"#).unwrap_err();
        assert_eq!(
            (err.result_code(), err.result_msg(), err.err_detail()),
            (Some(-1), "500".into(), "Internal Server Error".into())
        );
    }
}
