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
/// `Display` never contains a secret or a signed URL.
#[derive(Debug)]
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
    /// The request could not be sent or the answer could not be read (connection refused, DNS, TLS,
    /// connection closed mid-body…). Python's `-1 NETWORK_ERROR`. The request may or may not have
    /// reached the server: query the bill before paying again.
    Transport {
        /// The underlying error.
        source: BoxError,
    },
    /// No complete answer arrived within the timeout. As with `Transport`, the server may have acted.
    Timeout {
        /// The underlying error.
        source: BoxError,
    },
    /// The server answered with an HTTP status other than 200 and 4xx (Python's `-1`, status).
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The status' canonical reason phrase.
        reason: String,
        /// The response body, as text (lossy UTF-8).
        body: String,
    },
    /// The answer was not a BeeCloud envelope: not JSON, not a JSON object, without `result_code`,
    /// or with a payload of the wrong shape.
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
    /// The response body was larger than the SDK accepts.
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
            BCError::Transport { .. }
            | BCError::Timeout { .. }
            | BCError::HttpStatus { .. }
            | BCError::InvalidResponse { .. }
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
            BCError::HttpStatus { status, .. } | BCError::InvalidResponse { status, .. } => {
                status.to_string()
            }
            BCError::Transport { .. } | BCError::Timeout { .. } | BCError::BodyTooLarge { .. } => {
                NETWORK_ERROR.to_string()
            }
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
            BCError::InvalidResponse { status, .. } => reason_phrase(*status),
            other => other.to_string(),
        }
    }

    /// The whole response object of a business error (`Api`), e.g. to read `failed_bills`.
    pub fn raw(&self) -> Option<&Map<String, Value>> {
        match self {
            BCError::Api { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// True when the request may have reached the server although no answer was read
    /// (transport failure or timeout): look the record up before sending the write again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            BCError::Transport { .. } | BCError::Timeout { .. } | BCError::BodyTooLarge { .. }
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
            BCError::Transport { .. } => write!(f, "could not talk to the beecloud server"),
            BCError::Timeout { .. } => write!(f, "the beecloud server did not answer in time"),
            BCError::HttpStatus { status, .. } => write!(f, "unexpected http status {status}"),
            BCError::InvalidResponse { problem, .. } => write!(f, "invalid response: {problem}"),
            BCError::BodyTooLarge { limit } => write!(f, "response body larger than {limit} bytes"),
            BCError::InvalidWebhook { problem } => write!(f, "invalid webhook: {problem}"),
            BCError::WebhookAmountMismatch { expected, received } => {
                write!(
                    f,
                    "webhook amount {received} differs from the order amount {expected}"
                )
            }
            BCError::WeChat { errcode, errmsg } => write!(f, "wechat error {errcode}: {errmsg}"),
        }
    }
}

impl StdError for BCError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            BCError::Transport { source } | BCError::Timeout { source } => Some(source.as_ref()),
            BCError::InvalidResponse {
                source: Some(source),
                ..
            } => Some(source),
            _ => None,
        }
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
