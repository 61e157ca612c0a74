//! The public records the emulator hands out: pushed webhooks, logged requests, sink entries, faults.

use std::time::Duration;

use serde_json::Value;

/// One webhook the emulator pushed (or keeps trying to push).
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveredWebhook {
    /// Destination URL.
    pub url: String,
    /// The JSON payload (`signature`, `timestamp`, `transaction_type`, …).
    pub body: Value,
    /// Delivery attempts made so far (at most 18).
    pub attempts: u32,
    /// True once the receiver answered with the body `success`.
    pub delivered: bool,
    /// The receiver's last response body, or the transport error text; `None` before the first attempt.
    pub last_response: Option<String>,
}

/// One HTTP request the emulator received, as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query string, e.g. `/2/rest/bill`.
    pub path: String,
    /// The raw query string (without `?`), empty when none.
    pub query: String,
    /// The request body (lossy UTF-8), cut at [`EmulatorLimits::log_body_bytes`](super::EmulatorLimits), keys
    /// ending in `secret` redacted.
    pub body: String,
    /// The size of the body as received, in bytes.
    pub body_bytes: usize,
}

/// One push received by the in-process webhook sink ([`Emulator::webhook_sink`](super::Emulator::webhook_sink)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedWebhook {
    /// The request path (`/__emulator/sink/…`).
    pub path: String,
    /// The raw body, exactly as pushed (verify it with the SDK's webhook verifier).
    pub body: String,
}

/// A transport or server misbehaviour for [`Emulator::inject_fault`](super::Emulator::inject_fault).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and an HTML body.
    HttpStatus(u16),
    /// Answer `200 text/plain` with the body `success`.
    NonJson,
    /// Answer `200` with the JSON `{"id":"x"}` (no `result_code`).
    MissingResultCode,
    /// Sleep this long, then answer normally.
    Delay(Duration),
    /// Declare `Content-Length: 1000`, send 10 bytes, close the connection.
    CloseMidBody,
    /// Answer `200` with a valid JSON body of exactly this many bytes.
    Oversized(usize),
    /// Answer with the error envelope of this `result_code` (e.g. 7 CHANNEL_ERROR, 14 RUNTIME_ERROR) without
    /// running the request.
    ApiError(i64),
}
