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
/// `Display` says what went wrong in full: the server's `result_code`, `result_msg` and
/// `err_detail`, or the `host:port` and the operating system's reason of a network failure. No
/// text of an error ever holds a value the SDK knows is secret — the app's secrets, the `app_sign`
/// it sent, the card, account and ID numbers of the request, the query of a signed URL: where a
/// server echoes one, it reads `<redacted>`. Nothing else is cut or hidden.
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
        /// The response body, as text (lossy UTF-8).
        body: String,
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
        /// The `host:port` the SDK tried to reach.
        server: String,
        /// The underlying error.
        source: BoxError,
    },
    /// The connection failed after the request may have been written (reset, closed mid-body, TLS
    /// or protocol failure…). Python's `-1 NETWORK_ERROR`. The request may or may not have reached
    /// the server: query the bill before paying again.
    Transport {
        /// The `host:port` of the server.
        server: String,
        /// The underlying error.
        source: BoxError,
    },
    /// No complete answer arrived within the timeout or the call's overall deadline (see
    /// [`BCTimeout`](crate::entity::BCTimeout)). As with `Transport`, the server may have acted
    /// (counted so even for a connect timeout, to stay on the safe side).
    Timeout {
        /// The `host:port` of the server.
        server: String,
        /// The underlying error.
        source: BoxError,
    },
    /// The server answered with a redirect (3xx). BeeCloud never redirects an API call, so the
    /// SDK never follows one (a followed redirect would turn a `refund` into a GET to whatever host
    /// `Location` names). Python's `-1`, status, reason; the server may have acted.
    Redirect {
        /// The HTTP status code.
        status: u16,
        /// The `Location` header, its query string and fragment replaced by `<redacted>`; `None`
        /// when absent.
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
        /// The response body, as text.
        body: String,
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
            BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => None,
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
            BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => self.to_string(),
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
            BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::Connect { .. }
            | BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::BodyTooLarge { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => self.to_string(),
        }
    }

    /// The whole response object of a business error (`Api`), e.g. to read `failed_bills`, or of
    /// an [`UnreadableSuccess`](BCError::UnreadableSuccess).
    pub fn raw(&self) -> Option<&Map<String, Value>> {
        match self {
            BCError::Api { raw, .. } | BCError::UnreadableSuccess { raw, .. } => Some(raw),
            // An error status's body is kept as text only: it need not be a JSON object.
            BCError::HttpStatus { .. } | BCError::InvalidResponse { .. } => None,
            BCError::NotSupportedInTestMode { .. }
            | BCError::OnlyInTestMode { .. }
            | BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::Connect { .. }
            | BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::Redirect { .. }
            | BCError::BodyTooLarge { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => None,
        }
    }

    /// The whole response body, for every error that had one: [`Api`](BCError::Api),
    /// [`HttpStatus`](BCError::HttpStatus), [`InvalidResponse`](BCError::InvalidResponse) and
    /// [`UnreadableSuccess`](BCError::UnreadableSuccess) (lossy UTF-8; values the SDK knows are
    /// secret read `<redacted>`). `Debug` shows only its first characters.
    pub fn response_body(&self) -> Option<&str> {
        match self {
            BCError::Api { body, .. }
            | BCError::UnreadableSuccess { body, .. }
            | BCError::HttpStatus { body, .. }
            | BCError::InvalidResponse { body, .. } => Some(body),
            BCError::NotSupportedInTestMode { .. }
            | BCError::OnlyInTestMode { .. }
            | BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::Connect { .. }
            | BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::Redirect { .. }
            | BCError::BodyTooLarge { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => None,
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
        // Every variant is named, so a new one cannot fall silently on the "nothing was sent" side.
        match self {
            BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::Redirect { .. }
            | BCError::HttpStatus { .. }
            | BCError::InvalidResponse { .. }
            | BCError::UnreadableSuccess { .. }
            | BCError::BodyTooLarge { .. } => true,
            BCError::Api { .. }
            | BCError::NotSupportedInTestMode { .. }
            | BCError::OnlyInTestMode { .. }
            | BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::Connect { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => false,
        }
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
                write!(f, "beecloud error {result_code} {result_msg}")?;
                if !err_detail.is_empty() {
                    write!(f, ": {err_detail}")?;
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
            BCError::Connect { server, source } => write!(
                f,
                "could not connect to {}: {} (nothing was sent)",
                shown(server),
                cause(source, server)
            ),
            BCError::Transport { server, source } => write!(
                f,
                "the connection to {} failed: {} ({MAY_HAVE_ACTED})",
                shown(server),
                cause(source, server)
            ),
            BCError::Timeout { server, source } => write!(
                f,
                "no answer from {} in time: {} ({MAY_HAVE_ACTED})",
                shown(server),
                cause(source, server)
            ),
            BCError::Redirect { status, location } => {
                write!(f, "redirect {status} refused (never followed)")?;
                if let Some(location) = location {
                    write!(f, " to {location}")?;
                }
                Ok(())
            }
            BCError::HttpStatus { status, reason, .. } => {
                write!(
                    f,
                    "unexpected http status {status} {reason} ({MAY_HAVE_ACTED})"
                )
            }
            BCError::InvalidResponse {
                status, problem, ..
            } => write!(
                f,
                "invalid response (http status {status}): {problem} ({MAY_HAVE_ACTED})"
            ),
            BCError::UnreadableSuccess { .. } => write!(
                f,
                "the server accepted the request; its answer could not be read — query before retrying"
            ),
            BCError::BodyTooLarge { limit } => write!(
                f,
                "response body larger than {limit} bytes ({MAY_HAVE_ACTED})"
            ),
            BCError::InvalidWebhook { problem } => write!(f, "invalid webhook: {problem}"),
            BCError::WebhookAmountMismatch { expected, received } => {
                write!(
                    f,
                    "webhook amount {received} differs from the order amount {expected}"
                )
            }
            BCError::WeChat { errcode, errmsg } => {
                write!(f, "wechat error {errcode}: {errmsg}")
            }
        }
    }
}

impl StdError for BCError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            BCError::Connect { source, .. }
            | BCError::Transport { source, .. }
            | BCError::Timeout { source, .. } => Some(source.as_ref()),
            BCError::UnreadableSuccess { source, .. } => Some(source),
            BCError::InvalidResponse {
                source: Some(source),
                ..
            } => Some(source),
            BCError::InvalidResponse { source: None, .. }
            | BCError::Api { .. }
            | BCError::NotSupportedInTestMode { .. }
            | BCError::OnlyInTestMode { .. }
            | BCError::InvalidParams { .. }
            | BCError::NotConfigured { .. }
            | BCError::Redirect { .. }
            | BCError::HttpStatus { .. }
            | BCError::BodyTooLarge { .. }
            | BCError::InvalidWebhook { .. }
            | BCError::WebhookAmountMismatch { .. }
            | BCError::WeChat { .. } => None,
        }
    }
}

/// `Debug` as derived, except that bodies and raw answers show as their first characters.
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
                body: _,
            } => f
                .debug_struct("Api")
                .field("result_code", result_code)
                .field("result_msg", result_msg)
                .field("err_detail", err_detail)
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
            BCError::Connect { server, source } => f
                .debug_struct("Connect")
                .field("server", server)
                .field("source", source)
                .finish(),
            BCError::Transport { server, source } => f
                .debug_struct("Transport")
                .field("server", server)
                .field("source", source)
                .finish(),
            BCError::Timeout { server, source } => f
                .debug_struct("Timeout")
                .field("server", server)
                .field("source", source)
                .finish(),
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
            BCError::UnreadableSuccess { raw, source, .. } => f
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

/// Longest body an error's `Debug` shows, in characters.
pub(crate) const EXCERPT_CHARS: usize = 120;

/// At most [`EXCERPT_CHARS`] characters of `text`, with a note of how much was left out: a body
/// may be megabytes of HTML.
pub(crate) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!("{}… ({} more bytes)", &text[..end], text.len() - end),
    }
}

/// What a write must do after a failure whose outcome is unknown.
const MAY_HAVE_ACTED: &str = "the server may have acted: query before retrying";

/// A network error's server, or a stand-in for an error built outside a call.
fn shown(server: &str) -> &str {
    if server.is_empty() {
        "the server"
    } else {
        server
    }
}

/// The reason of a network failure in plain words: the operating system's ("connection
/// refused"), the failed host lookup, or which timeout ran out.
fn cause(source: &BoxError, server: &str) -> String {
    let lookup_failed = || format!("failed to look up {}", crate::redact::host_of(server));
    match source.downcast_ref::<ureq::Error>() {
        Some(ureq::Error::HostNotFound) => lookup_failed(),
        Some(ureq::Error::Io(io)) if is_lookup_failure(io) => lookup_failed(),
        Some(ureq::Error::Io(io)) => io_reason(io),
        Some(ureq::Error::Timeout(which)) => format!("{which} timeout"),
        Some(other) => other.to_string(),
        None => match source.downcast_ref::<std::io::Error>() {
            Some(io) => io_reason(io),
            None => source.to_string(),
        },
    }
}

/// The standard library reports a failed `getaddrinfo` as an uncategorised error with this text.
pub(crate) fn is_lookup_failure(io: &std::io::Error) -> bool {
    io.to_string().starts_with("failed to lookup address")
}

/// The error kind's portable words ("connection refused") where it has some, else the error text.
fn io_reason(io: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match io.kind() {
        ConnectionRefused | ConnectionReset | ConnectionAborted | NotConnected
        | HostUnreachable | NetworkUnreachable | NetworkDown | AddrNotAvailable | TimedOut
        | UnexpectedEof | BrokenPipe => io.kind().to_string(),
        _ => io.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `Result<_, BCError>` is at least this big, so the enum must not grow unnoticed. 104
    /// bytes on a 64-bit target is its biggest variant, `Api`: the code, three `String`s and the
    /// raw map. A new variant holding more inline should box it instead of growing every result.
    #[test]
    fn the_error_stays_small() {
        assert!(std::mem::size_of::<BCError>() <= 104);
    }

    #[test]
    fn the_error_type_crosses_threads_and_boxes() {
        fn assert_bounds<T: StdError + Send + Sync + 'static>() {}
        assert_bounds::<BCError>();
        let boxed: Box<dyn StdError + Send + Sync> =
            Box::new(BCError::NotConfigured { what: "app id" });
        assert_eq!(boxed.to_string(), "not configured: app id");
    }

    #[test]
    fn excerpts_are_short_and_keep_every_word() {
        let echoed = r#"{"result_msg":"APP_INVALID","err_detail":"app_sign does not match"}"#;
        assert_eq!(excerpt(echoed), echoed);
        let long = "界".repeat(1000);
        assert_eq!(
            excerpt(&long),
            format!(
                "{}… ({} more bytes)",
                "界".repeat(EXCERPT_CHARS),
                3 * (1000 - EXCERPT_CHARS)
            )
        );
        let err = BCError::HttpStatus {
            status: 500,
            reason: "Internal Server Error".into(),
            body: format!("{long}{echoed}"),
        };
        assert!(format!("{err:?}").len() < 600);
        assert_eq!(
            err.response_body().unwrap().len(),
            long.len() + echoed.len()
        );
    }

    #[test]
    fn network_causes_in_plain_words() {
        let server = "api.beecloud.cn:443";
        let cause_of = |error: ureq::Error| cause(&BoxError::from(error), server);
        assert_eq!(
            cause_of(ureq::Error::Io(
                std::io::ErrorKind::ConnectionRefused.into()
            )),
            "connection refused"
        );
        assert_eq!(
            cause_of(ureq::Error::HostNotFound),
            "failed to look up api.beecloud.cn"
        );
        assert_eq!(
            cause_of(ureq::Error::Timeout(ureq::Timeout::Global)),
            "global timeout"
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
