//! [`BCError`]: every way an operation can fail, and Python's `result_code` / `result_msg` / `err_detail`.

use std::error::Error as StdError;
use std::fmt;

use serde_json::{Map, Value};

/// The boxed cause of a transport failure.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why an operation failed. Every operation returns `Result<_, BCError>`: `Ok` only when the server
/// answered `result_code` 0.
///
/// [`result_code`](BCError::result_code), [`result_msg`](BCError::result_msg) and
/// [`err_detail`](BCError::err_detail) give the values the Python SDK would have put in its `BCResult`
/// (`-1` for network and HTTP failures, `-2` for test-mode refusals, the server's own code otherwise).
/// `Display` never contains a secret or a signed URL; `Display` and `Debug` show at most a short,
/// redacted excerpt of any server text ([`response_body`](BCError::response_body),
/// [`err_detail`](BCError::err_detail) and [`raw`](BCError::raw) have all of it).
///
/// [`outcome_unknown`](BCError::outcome_unknown) tells whether the server may have acted on the
/// request: true for every variant that reached the server without a clear refusal.
#[non_exhaustive]
pub enum BCError {
    /// The server answered with a non-zero `result_code` (a business error such as `NO_SUCH_BILL`).
    Api {
        /// The server's code; unknown codes are kept as they came.
        result_code: i64,
        /// The symbolic name (`PARAM_INVALID`…).
        result_msg: String,
        /// The server's free-text explanation.
        err_detail: String,
        /// The whole response object, including keys the SDK does not model.
        raw: Map<String, Value>,
    },
    /// The operation is refused in test mode; nothing was sent (Python's `-2 NOT_SUPPORTED_CODE`).
    NotSupportedInTestMode {
        /// The Python name of the operation, e.g. `refund`.
        method: &'static str,
    },
    /// The operation exists only in test mode (`sandbox_notify`) and the app is live; nothing was
    /// sent. Reported as `-2 NOT_SUPPORTED_CODE`, like the test-mode refusals.
    OnlyInTestMode {
        /// The name of the operation, e.g. `sandbox_notify`.
        method: &'static str,
    },
    /// A local parameter check failed; nothing was sent (Python raised `ValueError`).
    InvalidParams {
        /// What is wrong, naming the field.
        message: String,
    },
    /// The app is not set up for this call: no app registered, or `app_id` / a needed secret is empty,
    /// or `api_host` is not an http(s) URL. Nothing was sent (Python raised `ValueError`).
    NotConfigured {
        /// What is missing, e.g. `master secret`.
        what: &'static str,
    },
    /// No connection could be opened (connection refused, host not found, network unreachable, a URL
    /// the HTTP client cannot use): nothing was sent. Python's `-1 NETWORK_ERROR`.
    Connect {
        /// The underlying error.
        source: BoxError,
    },
    /// The connection failed after the request may have been written (reset, closed mid-body, TLS
    /// or protocol failure…). Python's `-1 NETWORK_ERROR`. The request may or may not have reached
    /// the server: query the bill before paying again.
    Transport {
        /// The underlying error.
        source: BoxError,
    },
    /// No complete answer arrived within the timeout or the call's overall deadline (see
    /// [`BCTimeout`](crate::entity::BCTimeout)). As with `Transport`, the server may have acted
    /// (counted so even for a connect timeout, to stay on the safe side).
    Timeout {
        /// The underlying error.
        source: BoxError,
    },
    /// The server answered with a redirect (3xx). BeeCloud never redirects an API call, so the
    /// SDK never follows one (a followed redirect would turn a `refund` into a GET to whatever host
    /// `Location` names). Python's `-1`, status, reason; the server may have acted.
    Redirect {
        /// The HTTP status code.
        status: u16,
        /// The `Location` header, its query string and fragment replaced by `<redacted>`, as a
        /// short excerpt cut before anything like `sign` or `secret`; `None` when absent.
        location: Option<String>,
    },
    /// The server answered with an HTTP status other than 200, 3xx and 4xx (Python's `-1`,
    /// status): a 5xx, a 1xx or another 2xx. The server may have acted.
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The status' canonical reason phrase.
        reason: String,
        /// The response body, as text (lossy UTF-8).
        body: String,
    },
    /// The answer was not a BeeCloud envelope: not JSON, not a JSON object, without `result_code`,
    /// or a `result_code` 0 with an error status. The server may have acted.
    InvalidResponse {
        /// The HTTP status code.
        status: u16,
        /// What was wrong with it.
        problem: &'static str,
        /// The response body, as text (lossy UTF-8).
        body: String,
        /// The JSON error, when there was one.
        source: Option<serde_json::Error>,
    },
    /// The server accepted the request; its answer could not be read — query before retrying.
    ///
    /// HTTP 200 with `result_code` 0, but the payload does not have the documented shape (e.g. no
    /// `id`): the server acted, so this is not a failure of the operation, only of reading its
    /// result. `raw` keeps the whole answer.
    UnreadableSuccess {
        /// The whole response object.
        raw: Map<String, Value>,
        /// Why the payload could not be decoded.
        source: serde_json::Error,
    },
    /// The response body was larger than the SDK accepts. The server may have acted.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A webhook failed verification: malformed body, missing field, bad signature.
    InvalidWebhook {
        /// What was wrong.
        problem: &'static str,
    },
    /// A webhook's `transaction_fee` differs from the amount of the merchant's own order.
    WebhookAmountMismatch {
        /// The merchant's amount, in fen.
        expected: i64,
        /// The webhook's `transaction_fee`, in fen.
        received: i64,
    },
    /// WeChat answered an OAuth call with an error object.
    WeChat {
        /// WeChat's `errcode`.
        errcode: i64,
        /// WeChat's `errmsg`.
        errmsg: String,
    },
}

/// Python's `result_msg` for refusals in test mode (the constant really has this value).
pub const NOT_SUPPORTED_CODE: &str = "NOT_SUPPORTED_CODE";
/// Python's `result_msg` for transport failures.
pub const NETWORK_ERROR: &str = "NETWORK_ERROR";

impl BCError {
    /// Python's `result_code`: the server's code, `-1` for network / HTTP / protocol failures, `-2` for
    /// test-mode refusals. `None` where Python raised an exception instead (local checks, webhooks).
    pub fn result_code(&self) -> Option<i64> {
        match self {
            BCError::Api { result_code, .. } => Some(*result_code),
            BCError::NotSupportedInTestMode { .. } | BCError::OnlyInTestMode { .. } => Some(-2),
            BCError::Connect { .. }
            | BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::Redirect { .. }
            | BCError::HttpStatus { .. }
            | BCError::InvalidResponse { .. }
            | BCError::UnreadableSuccess { .. }
            | BCError::BodyTooLarge { .. } => Some(-1),
            _ => None,
        }
    }

    /// Python's `result_msg` (for HTTP failures the status code as text, e.g. `"500"`).
    pub fn result_msg(&self) -> String {
        match self {
            BCError::Api { result_msg, .. } => result_msg.clone(),
            BCError::NotSupportedInTestMode { .. } | BCError::OnlyInTestMode { .. } => {
                NOT_SUPPORTED_CODE.to_string()
            }
            BCError::HttpStatus { status, .. }
            | BCError::Redirect { status, .. }
            | BCError::InvalidResponse { status, .. } => status.to_string(),
            BCError::UnreadableSuccess { .. } => "200".to_string(),
            BCError::Connect { .. }
            | BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::BodyTooLarge { .. } => NETWORK_ERROR.to_string(),
            other => other.to_string(),
        }
    }

    /// Python's `err_detail`.
    pub fn err_detail(&self) -> String {
        match self {
            BCError::Api { err_detail, .. } => err_detail.clone(),
            BCError::NotSupportedInTestMode { method } => {
                format!("[{method}] does NOT support test mode currently!")
            }
            BCError::OnlyInTestMode { method } => {
                format!("[{method}] is only available in test mode")
            }
            BCError::HttpStatus { reason, .. } => reason.clone(),
            // Python's `-1, <status>, <reason phrase>` (observed: 200 + `success` ⇒ `-1, 200, 'OK'`);
            // what was wrong with the body is in `Display`.
            BCError::InvalidResponse { status, .. } | BCError::Redirect { status, .. } => {
                reason_phrase(*status)
            }
            BCError::UnreadableSuccess { .. } => reason_phrase(200),
            other => other.to_string(),
        }
    }

    /// The whole response object of a business error (`Api`), e.g. to read `failed_bills`, or of
    /// an [`UnreadableSuccess`](BCError::UnreadableSuccess).
    pub fn raw(&self) -> Option<&Map<String, Value>> {
        match self {
            BCError::Api { raw, .. } | BCError::UnreadableSuccess { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// The whole server body of an [`HttpStatus`](BCError::HttpStatus) or
    /// [`InvalidResponse`](BCError::InvalidResponse) (lossy UTF-8). `Debug` shows only a short,
    /// redacted excerpt of it: a hostile or echoing server may put request data (`app_sign`) there.
    pub fn response_body(&self) -> Option<&str> {
        match self {
            BCError::HttpStatus { body, .. } | BCError::InvalidResponse { body, .. } => Some(body),
            _ => None,
        }
    }

    /// True when the server may have acted on the request: look the record up (query the bill,
    /// refund or transfer) before sending the write again.
    ///
    /// True for [`Transport`](BCError::Transport), [`Timeout`](BCError::Timeout),
    /// [`Redirect`](BCError::Redirect), [`HttpStatus`](BCError::HttpStatus) (5xx and others),
    /// [`InvalidResponse`](BCError::InvalidResponse), [`UnreadableSuccess`](BCError::UnreadableSuccess)
    /// and [`BodyTooLarge`](BCError::BodyTooLarge). False only where nothing was sent (local checks,
    /// test-mode refusals, [`Connect`](BCError::Connect)) or the server clearly refused
    /// ([`Api`](BCError::Api): a non-zero `result_code`, from a 200 or a 4xx envelope), and for the
    /// webhook and WeChat errors, which concern no request of yours.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            BCError::Transport { .. }
                | BCError::Timeout { .. }
                | BCError::Redirect { .. }
                | BCError::HttpStatus { .. }
                | BCError::InvalidResponse { .. }
                | BCError::UnreadableSuccess { .. }
                | BCError::BodyTooLarge { .. }
        )
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        BCError::InvalidParams {
            message: message.into(),
        }
    }
}

/// The canonical reason phrase of an HTTP status (`500` ⇒ `Internal Server Error`), or `""`.
pub(crate) fn reason_phrase(status: u16) -> String {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("")
        .to_string()
}

impl fmt::Display for BCError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BCError::Api {
                result_code,
                result_msg,
                err_detail,
                ..
            } => {
                // Server texts: an excerpt, as in `Debug` (`err_detail()` has all of it).
                write!(f, "beecloud error {result_code} {}", excerpt(result_msg))?;
                if !err_detail.is_empty() {
                    write!(f, ": {}", excerpt(err_detail))?;
                }
                Ok(())
            }
            BCError::NotSupportedInTestMode { method } => {
                write!(f, "{method} is not supported in test mode")
            }
            BCError::OnlyInTestMode { method } => {
                write!(f, "{method} is only available in test mode")
            }
            BCError::InvalidParams { message } => write!(f, "invalid parameters: {message}"),
            BCError::NotConfigured { what } => write!(f, "not configured: {what}"),
            BCError::Connect { .. } => {
                write!(
                    f,
                    "could not connect to the beecloud server (nothing was sent)"
                )
            }
            BCError::Transport { .. } => write!(f, "could not talk to the beecloud server"),
            BCError::Timeout { .. } => write!(f, "the beecloud server did not answer in time"),
            BCError::Redirect { status, location } => {
                write!(f, "redirect {status} refused (never followed)")?;
                if let Some(location) = location {
                    write!(f, " to {location}")?;
                }
                Ok(())
            }
            BCError::HttpStatus { status, .. } => write!(f, "unexpected http status {status}"),
            BCError::InvalidResponse { problem, .. } => write!(f, "invalid response: {problem}"),
            BCError::UnreadableSuccess { .. } => write!(
                f,
                "the server accepted the request; its answer could not be read — query before retrying"
            ),
            BCError::BodyTooLarge { limit } => write!(f, "response body larger than {limit} bytes"),
            BCError::InvalidWebhook { problem } => write!(f, "invalid webhook: {problem}"),
            BCError::WebhookAmountMismatch { expected, received } => {
                write!(
                    f,
                    "webhook amount {received} differs from the order amount {expected}"
                )
            }
            BCError::WeChat { errcode, errmsg } => {
                write!(f, "wechat error {errcode}: {}", excerpt(errmsg))
            }
        }
    }
}

impl StdError for BCError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            BCError::Connect { source }
            | BCError::Transport { source }
            | BCError::Timeout { source } => Some(source.as_ref()),
            BCError::UnreadableSuccess { source, .. } => Some(source),
            BCError::InvalidResponse {
                source: Some(source),
                ..
            } => Some(source),
            _ => None,
        }
    }
}

/// `Debug` as derived, except that server bodies and raw answers show as short, redacted excerpts.
impl fmt::Debug for BCError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw_excerpt =
            |raw: &Map<String, Value>| excerpt(&Value::Object(raw.clone()).to_string());
        match self {
            BCError::Api {
                result_code,
                result_msg,
                err_detail,
                raw,
            } => f
                .debug_struct("Api")
                .field("result_code", result_code)
                .field("result_msg", &excerpt(result_msg))
                .field("err_detail", &excerpt(err_detail))
                .field("raw", &raw_excerpt(raw))
                .finish(),
            BCError::NotSupportedInTestMode { method } => f
                .debug_struct("NotSupportedInTestMode")
                .field("method", method)
                .finish(),
            BCError::OnlyInTestMode { method } => f
                .debug_struct("OnlyInTestMode")
                .field("method", method)
                .finish(),
            BCError::InvalidParams { message } => f
                .debug_struct("InvalidParams")
                .field("message", message)
                .finish(),
            BCError::NotConfigured { what } => {
                f.debug_struct("NotConfigured").field("what", what).finish()
            }
            BCError::Connect { source } => {
                f.debug_struct("Connect").field("source", source).finish()
            }
            BCError::Transport { source } => {
                f.debug_struct("Transport").field("source", source).finish()
            }
            BCError::Timeout { source } => {
                f.debug_struct("Timeout").field("source", source).finish()
            }
            BCError::Redirect { status, location } => f
                .debug_struct("Redirect")
                .field("status", status)
                .field("location", location)
                .finish(),
            BCError::HttpStatus {
                status,
                reason,
                body,
            } => f
                .debug_struct("HttpStatus")
                .field("status", status)
                .field("reason", reason)
                .field("body", &excerpt(body))
                .finish(),
            BCError::InvalidResponse {
                status,
                problem,
                body,
                source,
            } => f
                .debug_struct("InvalidResponse")
                .field("status", status)
                .field("problem", problem)
                .field("body", &excerpt(body))
                .field("source", source)
                .finish(),
            BCError::UnreadableSuccess { raw, source } => f
                .debug_struct("UnreadableSuccess")
                .field("raw", &raw_excerpt(raw))
                .field("source", source)
                .finish(),
            BCError::BodyTooLarge { limit } => f
                .debug_struct("BodyTooLarge")
                .field("limit", limit)
                .finish(),
            BCError::InvalidWebhook { problem } => f
                .debug_struct("InvalidWebhook")
                .field("problem", problem)
                .finish(),
            BCError::WebhookAmountMismatch { expected, received } => f
                .debug_struct("WebhookAmountMismatch")
                .field("expected", expected)
                .field("received", received)
                .finish(),
            BCError::WeChat { errcode, errmsg } => f
                .debug_struct("WeChat")
                .field("errcode", errcode)
                .field("errmsg", &excerpt(errmsg))
                .finish(),
        }
    }
}

/// Longest server text an error's `Debug` shows, in characters.
pub(crate) const EXCERPT_CHARS: usize = 120;

/// Words after which a server text may carry request data (an echoed `app_sign`, a signed
/// `?para=` URL, a secret): the excerpt stops before the first of them (ASCII case ignored).
const SENSITIVE_MARKERS: &[&str] = &["sign", "para=", "secret"];

/// At most [`EXCERPT_CHARS`] characters of `text`, cut before anything that may be request data,
/// with a note of how much was left out.
pub(crate) fn excerpt(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let sensitive = SENSITIVE_MARKERS
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .unwrap_or(text.len());
    let mut end = sensitive.min(
        text.char_indices()
            .nth(EXCERPT_CHARS)
            .map_or(text.len(), |(at, _)| at),
    );
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end == text.len() {
        text.to_string()
    } else {
        format!(
            "{}… ({} more bytes withheld)",
            &text[..end],
            text.len() - end
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_type_crosses_threads_and_boxes() {
        fn assert_bounds<T: StdError + Send + Sync + 'static>() {}
        assert_bounds::<BCError>();
        let boxed: Box<dyn StdError + Send + Sync> =
            Box::new(BCError::NotConfigured { what: "app id" });
        assert_eq!(boxed.to_string(), "not configured: app id");
    }

    #[test]
    fn excerpts_are_short_and_stop_before_request_data() {
        assert_eq!(
            excerpt("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
        let echoed = r#"{"app_id":"AID","app_sign":"0123456789abcdef","timestamp":1}"#;
        let shown = excerpt(echoed);
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(shown.starts_with(r#"{"app_id":"AID","app_"#), "{shown}");
        let shown = excerpt("GET /2/rest/bills?PARA=%7B");
        assert_eq!(shown, "GET /2/rest/bills?… (8 more bytes withheld)");
        let long = "界".repeat(1000);
        assert_eq!(
            excerpt(&long).chars().take_while(|c| *c == '界').count(),
            EXCERPT_CHARS
        );
        let err = BCError::HttpStatus {
            status: 500,
            reason: "Internal Server Error".into(),
            body: format!("{long}{echoed}"),
        };
        let shown = format!("{err:?}");
        assert!(shown.len() < 600 && !shown.contains("app_sign"), "{shown}");
        assert_eq!(
            err.response_body().unwrap().len(),
            long.len() + echoed.len()
        );
    }

    #[test]
    fn python_codes_of_local_failures() {
        let refused = BCError::NotSupportedInTestMode { method: "refund" };
        assert_eq!(refused.result_code(), Some(-2));
        assert_eq!(refused.result_msg(), NOT_SUPPORTED_CODE);
        assert_eq!(
            refused.err_detail(),
            "[refund] does NOT support test mode currently!"
        );
        let invalid = BCError::invalid("`refund_no` does not apply to bill queries");
        assert_eq!(invalid.result_code(), None);
        assert!(!invalid.outcome_unknown());
        let mismatch = BCError::WebhookAmountMismatch {
            expected: 100,
            received: 1,
        };
        assert_eq!(
            mismatch.to_string(),
            "webhook amount 1 differs from the order amount 100"
        );
    }
}
