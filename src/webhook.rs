//! Webhook verification: what the merchant's server must do with every BeeCloud push.
//!
//! BeeCloud POSTs a JSON body to the app's webhook URL when a bill is paid, a refund or a transfer
//! succeeds, a card is signed or a subscription is verified. The handler must (1) verify the push
//! with [`verify_webhook`], (2) check the amount against its own order with
//! [`BCWebhook::check_amount`], (3) ignore `(transaction_type, transaction_id)` pairs it has
//! handled already (BeeCloud retries), and (4) answer with the literal body [`WEBHOOK_SUCCESS`]
//! (`success`); any other answer makes BeeCloud send it again after 2, 4, 8… seconds, for about 36
//! hours. [`receive_webhook`](crate::utils::receive_webhook) does it all in one call, and more:
//! it confirms every push with a query to BeeCloud, since no signature covers the outcome.
//!
//! Two signature forms exist:
//! - `signature` = md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee +
//!   master_secret), the current form (since 2017-01-12). It authenticates those four fields
//!   (not `timestamp`, `trade_success`, `sub_channel_type`, `message_detail` or `optional`). Since
//!   `transaction_type` must be one of [`BCTransactionType`], `channel_type` one of
//!   [`WEBHOOK_CHANNELS`] and `transaction_fee` a plain non-negative integer, and no type is a
//!   suffix of another, nor a channel, the concatenation splits one way only: the fields cannot be
//!   re-cut (`WX` + `100` into `WX10` + `0`, id `X` + `PAY` into id `XPAY` + type ``).
//! - the legacy `sign` = md5(app_id + secret + timestamp), where the secret is the app secret
//!   (subscription pushes) or the test secret (sandbox pushes). It authenticates **no payload
//!   field**: it proves only that the sender knows a secret that ships inside mobile apps, at
//!   that timestamp. [`verify_legacy_sign_webhook`] accepts it only for subscription and sandbox
//!   pushes and within a timestamp tolerance.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::app::BCApp;
use crate::channel::BCChannelType;
use crate::error::BCError;
use crate::sensitive::Shown;
use crate::sign::{signatures_match, subscription_webhook_sign, webhook_signature};
use crate::webhook_dedup::BCWebhookKey;

/// The body a webhook handler must answer once it has processed (or already processed) a push.
pub const WEBHOOK_SUCCESS: &str = "success";
/// The `channel_type` values BeeCloud's webhook documentation lists for a push: parent channels
/// only (`WX`, never `WX_NATIVE`; the sub-channel travels in `sub_channel_type`).
pub const WEBHOOK_CHANNELS: &[&str] = &[
    "WX", "ALI", "UN", "KUAIQIAN", "JD", "BD", "YEE", "PAYPAL", "BC",
];
/// Default tolerance of [`BCLegacySign`]: a `sign` push stamped more than 300 s before or after
/// the local clock is refused.
pub const LEGACY_SIGN_TOLERANCE: Duration = Duration::from_secs(300);

/// What a push reports: the documented `transaction_type` values. Any other value is refused,
/// since de-duplication keys on `(transaction_type, transaction_id)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BCTransactionType {
    /// `PAY`: a bill was paid (also a subscription charge, `sub_channel_type` BC_SUBSCRIPTION).
    Pay,
    /// `REFUND`: a refund succeeded.
    Refund,
    /// `TRANSFER`: a transfer or payout finished (may report a failure).
    Transfer,
    /// `SUBSCRIPTION`: a subscription's verification result (may be a failure).
    Subscription,
    /// `SIGN`: a card-signing result.
    Sign,
}

impl BCTransactionType {
    /// Every value, in documentation order.
    pub const ALL: [BCTransactionType; 5] = [
        BCTransactionType::Pay,
        BCTransactionType::Refund,
        BCTransactionType::Transfer,
        BCTransactionType::Subscription,
        BCTransactionType::Sign,
    ];

    /// The wire value, e.g. `"PAY"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            BCTransactionType::Pay => "PAY",
            BCTransactionType::Refund => "REFUND",
            BCTransactionType::Transfer => "TRANSFER",
            BCTransactionType::Subscription => "SUBSCRIPTION",
            BCTransactionType::Sign => "SIGN",
        }
    }

    /// The type of a wire value (exact, case-sensitive), or `None`.
    pub fn from_wire(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

impl fmt::Display for BCTransactionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for BCTransactionType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for BCTransactionType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The secret a legacy `sign` was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BCSignSecret {
    /// The app secret: subscription pushes (`SUBSCRIPTION`, and `PAY` with `sub_channel_type`
    /// `BC_SUBSCRIPTION`) of the live namespace.
    App,
    /// The test secret: pushes of the sandbox namespace (test mode), any documented type. No
    /// money moves there; never treat such a push as a live payment.
    Test,
}

/// How a [`BCWebhook`] was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BCWebhookForm {
    /// The current `signature` with the master secret: authenticates `transaction_id`,
    /// `transaction_type`, `channel_type` and `transaction_fee`.
    Signature,
    /// The legacy `sign`: authenticates no payload field, only that the sender knew this secret
    /// within the tolerance of [`BCLegacySign`].
    LegacySign(BCSignSecret),
}

/// Settings of [`verify_legacy_sign_webhook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BCLegacySign {
    /// Which secret made the `sign` (default [`BCSignSecret::App`]).
    pub secret: BCSignSecret,
    /// Largest distance between the push's `timestamp` and the local clock, either way (default
    /// [`LEGACY_SIGN_TOLERANCE`]); `None` disables the check (a captured `sign` then stays valid
    /// for ever).
    pub tolerance: Option<Duration>,
}

impl Default for BCLegacySign {
    fn default() -> Self {
        BCLegacySign {
            secret: BCSignSecret::App,
            tolerance: Some(LEGACY_SIGN_TOLERANCE),
        }
    }
}

impl BCLegacySign {
    /// Checks with `secret` and the default tolerance.
    pub fn new(secret: BCSignSecret) -> Self {
        BCLegacySign {
            secret,
            ..BCLegacySign::default()
        }
    }
}

/// A verified webhook push. `Debug` hides sensitive values in `message_detail`, `optional` and
/// `raw` (card and ID numbers, and the `toSign` key some real pushes carried, which held the app
/// id and secret in clear).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct BCWebhook {
    /// The signature (or legacy `sign`) that was verified.
    pub signature: String,
    /// Which form was verified, hence which fields are authenticated.
    pub form: BCWebhookForm,
    /// Server time of the push, ms (covered by the legacy `sign` only).
    pub timestamp: Option<i64>,
    /// Parent channel, one of [`WEBHOOK_CHANNELS`].
    pub channel_type: BCChannelType,
    /// Sub-channel, e.g. `WX_NATIVE`, `BC_TRANSFER` (not covered by any signature).
    pub sub_channel_type: Option<BCChannelType>,
    /// `PAY`, `REFUND`, `TRANSFER`, `SUBSCRIPTION` or `SIGN`.
    pub transaction_type: BCTransactionType,
    /// `bill_no` (PAY), `refund_no` (REFUND), transfer number (TRANSFER), subscription id, signing id.
    pub transaction_id: String,
    /// Amount in fen, never negative.
    pub transaction_fee: i64,
    /// Whether the transaction succeeded (subscription verifications and transfers can fail).
    pub trade_success: Option<bool>,
    /// The channel's raw notification.
    pub message_detail: Value,
    /// The `optional` of the originating request.
    pub optional: Value,
    /// The channel's own transaction number.
    pub channel_transaction_id: Option<String>,
    /// The whole body, unknown keys included.
    pub raw: Map<String, Value>,
}

impl fmt::Debug for BCWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BCWebhook")
            .field("signature", &self.signature)
            .field("form", &self.form)
            .field("timestamp", &self.timestamp)
            .field("channel_type", &self.channel_type)
            .field("sub_channel_type", &self.sub_channel_type)
            .field("transaction_type", &self.transaction_type)
            .field("transaction_id", &self.transaction_id)
            .field("transaction_fee", &self.transaction_fee)
            .field("trade_success", &self.trade_success)
            .field(
                "message_detail",
                &Shown("message_detail", &self.message_detail),
            )
            .field("optional", &Shown("optional", &self.optional))
            .field("channel_transaction_id", &self.channel_transaction_id)
            .field("raw", &Shown("raw", &self.raw))
            .finish()
    }
}

impl BCWebhook {
    /// `(transaction_type, transaction_id)`: what the push is about, acted on once.
    pub fn key(&self) -> BCWebhookKey {
        BCWebhookKey::new(self.transaction_type, self.transaction_id.clone())
    }

    /// Checks `transaction_fee` against the amount of the merchant's own order, in fen.
    pub fn check_amount(&self, expected_fee: i64) -> Result<(), BCError> {
        if self.transaction_fee == expected_fee {
            Ok(())
        } else {
            Err(BCError::WebhookAmountMismatch {
                expected: expected_fee,
                received: self.transaction_fee,
            })
        }
    }
}

/// Verifies a push in the current form: `signature` must equal
/// `md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee + master_secret)`
/// (compared in constant time), `transaction_type` must be a [`BCTransactionType`], `channel_type`
/// one of [`WEBHOOK_CHANNELS`], `transaction_fee` a non-negative JSON integer.
///
/// A body without `signature` is refused, also when it carries the legacy `sign` (which
/// authenticates no payload; see [`verify_legacy_sign_webhook`] for the pushes that only have it).
/// The timestamp is not covered: de-duplicate on `(transaction_type, transaction_id)`.
///
/// ```
/// use beecloud::entity::BCApp;
/// use beecloud::utils::{verify_webhook, webhook_signature};
///
/// let app = BCApp::new("AID", "ASEC", "MSEC");
/// let signature = webhook_signature("AID", "201506101035040000001", "PAY", "WX", 1, "MSEC");
/// let body = format!(r#"{{"signature":"{signature}","timestamp":1,"channel_type":"WX",
///     "sub_channel_type":"WX_NATIVE","transaction_type":"PAY","transaction_id":"201506101035040000001",
///     "transaction_fee":1,"trade_success":true,"message_detail":{{}},"optional":{{}}}}"#);
/// let webhook = verify_webhook(&app, body.as_bytes())?;
/// webhook.check_amount(1)?;
/// # Ok::<(), beecloud::BCError>(())
/// ```
pub fn verify_webhook(bc_app: &BCApp, body: &[u8]) -> Result<BCWebhook, BCError> {
    let raw = object(body)?;
    verify_signature(bc_app, raw)
}

/// Verifies a push that may carry only the legacy `sign` — **which proves only that the sender
/// knows the app (or test) secret and stamped the push within the tolerance; it authenticates no
/// payload field** (not the id, type, amount, outcome or `sub_channel_type`), and the app and test
/// secrets ship inside every mobile app built on BeeCloud.
///
/// - A body with `signature` is verified as [`verify_webhook`] does, and nothing else: `sign` is
///   never a fallback.
/// - Otherwise `sign` must equal md5(app_id + secret + timestamp), `secret` as
///   [`BCLegacySign::secret`] says, and `|now − timestamp|` must be within
///   [`BCLegacySign::tolerance`].
/// - With [`BCSignSecret::App`] only `SUBSCRIPTION` pushes are accepted. A PAY, REFUND, TRANSFER
///   or SIGN push carrying only `sign` is refused — also a PAY whose `sub_channel_type` says
///   `BC_SUBSCRIPTION` (a subscription's recurring charge): that label is covered by no signature,
///   so anyone holding the app secret could put it on any PAY. Such charges are decided by
///   [`receive_webhook`](crate::utils::receive_webhook), which confirms the bill with a query.
/// - With [`BCSignSecret::Test`] every documented type is accepted, but only by a test-mode app
///   ([`BCApp::is_test_mode`]): the test secret signs sandbox pushes only, where no money moves,
///   and only a test-mode app deals with the sandbox. A live app refuses such a push.
///
/// The result's [`form`](BCWebhook::form) says which check passed. **Never act on a `sign`-only
/// push as it is**: [`receive_webhook`](crate::utils::receive_webhook) confirms every push with a
/// query to BeeCloud and is the call to decide with; this function is the bare check.
pub fn verify_legacy_sign_webhook(
    bc_app: &BCApp,
    body: &[u8],
    legacy: &BCLegacySign,
) -> Result<BCWebhook, BCError> {
    let raw = object(body)?;
    if raw.contains_key("signature") {
        return verify_signature(bc_app, raw);
    }
    if legacy.secret == BCSignSecret::Test && !bc_app.is_test_mode {
        return Err(invalid(
            "a push signed with the test secret is a sandbox push; only a test-mode app takes it",
        ));
    }
    let webhook = verify_sign(bc_app, raw, legacy)?;
    if legacy.secret == BCSignSecret::App
        && webhook.transaction_type != BCTransactionType::Subscription
    {
        return Err(invalid(
            "only SUBSCRIPTION pushes may carry just the app-secret `sign`; confirm any other with receive_webhook",
        ));
    }
    Ok(webhook)
}

/// What [`receive_webhook`](crate::utils::receive_webhook) authenticates before it asks BeeCloud:
/// live apps take the `signature` form (master secret) or, without one, the app-secret `sign`
/// within [`LEGACY_SIGN_TOLERANCE`]; test-mode apps take only the test-secret `sign` (sandbox
/// pushes), so a push made with the test secret never reaches a live app's orders. Whatever the
/// form, the receipt then confirms the push by a query; a `sign` alone is never enough.
pub(crate) fn authenticate(bc_app: &BCApp, body: &[u8]) -> Result<BCWebhook, BCError> {
    let raw = object(body)?;
    if bc_app.is_test_mode {
        if !raw.contains_key("sign") {
            return Err(invalid(
                "a test-mode app takes only sandbox pushes, which carry the test-secret `sign`",
            ));
        }
        return verify_sign(bc_app, raw, &BCLegacySign::new(BCSignSecret::Test));
    }
    if raw.contains_key("signature") {
        return verify_signature(bc_app, raw);
    }
    verify_sign(bc_app, raw, &BCLegacySign::default())
}

/// The legacy `sign` of a parsed body (secret, timestamp, tolerance) and its fields, whatever the
/// type: what the push's sender knew, not what the push says.
fn verify_sign(
    bc_app: &BCApp,
    raw: Map<String, Value>,
    legacy: &BCLegacySign,
) -> Result<BCWebhook, BCError> {
    let (secret, what) = match legacy.secret {
        BCSignSecret::App => (&bc_app.app_secret, "app secret"),
        BCSignSecret::Test => (&bc_app.test_secret, "test secret"),
    };
    if secret.is_empty() {
        return Err(BCError::NotConfigured { what });
    }
    let sign = match raw.get("sign") {
        Some(Value::String(sign)) => sign.clone(),
        _ => return Err(invalid("neither `signature` nor `sign` is present")),
    };
    // The signed text is the timestamp as it came: a JSON integer's digits or a string of digits.
    let (stamp_text, stamp) = match raw.get("timestamp") {
        Some(Value::Number(number)) => (number.to_string(), number.as_i64()),
        Some(Value::String(text)) => (text.clone(), digits(text)),
        _ => (String::new(), None),
    };
    let Some(stamp) = stamp else {
        return Err(invalid("`timestamp` is missing or not an integer"));
    };
    let expected = subscription_webhook_sign(&bc_app.app_id, secret, &stamp_text);
    if !signatures_match(&sign, &expected) {
        return Err(invalid("the sign does not match"));
    }
    if let Some(tolerance) = legacy.tolerance {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis() as i64);
        if (now.saturating_sub(stamp)).unsigned_abs() > tolerance.as_millis() as u64 {
            return Err(invalid(
                "the timestamp of the `sign` push is outside the tolerance (stale or replayed)",
            ));
        }
    }
    fields(raw, sign, BCWebhookForm::LegacySign(legacy.secret))
}

fn invalid(problem: &'static str) -> BCError {
    BCError::InvalidWebhook { problem }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, BCError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(raw)) => Ok(raw),
        _ => Err(invalid("the body is not a JSON object")),
    }
}

/// The current form's check on a parsed body.
fn verify_signature(bc_app: &BCApp, raw: Map<String, Value>) -> Result<BCWebhook, BCError> {
    if bc_app.master_secret.is_empty() {
        return Err(BCError::NotConfigured {
            what: "master secret",
        });
    }
    let signature = match raw.get("signature") {
        Some(Value::String(signature)) => signature.clone(),
        Some(_) => return Err(invalid("`signature` is not a string")),
        None if raw.contains_key("sign") => {
            return Err(invalid(
                "only the legacy `sign` is present, which authenticates no payload (see verify_legacy_sign_webhook)",
            ));
        }
        None => return Err(invalid("the signature is missing")),
    };
    let webhook = fields(raw, signature, BCWebhookForm::Signature)?;
    let expected = webhook_signature(
        &bc_app.app_id,
        &webhook.transaction_id,
        webhook.transaction_type.as_str(),
        webhook.channel_type.as_str(),
        webhook.transaction_fee,
        &bc_app.master_secret,
    );
    if !signatures_match(&webhook.signature, &expected) {
        return Err(invalid("the signature does not match"));
    }
    Ok(webhook)
}

/// A string of ASCII digits as an integer (no sign, no spaces).
fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Reads and validates the fields of a push.
fn fields(
    raw: Map<String, Value>,
    signature: String,
    form: BCWebhookForm,
) -> Result<BCWebhook, BCError> {
    let text = |key: &str, problem: &'static str| match raw.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(problem)),
    };
    let transaction_type = match raw.get("transaction_type") {
        Some(Value::String(kind)) => BCTransactionType::from_wire(kind).ok_or(invalid(
            "`transaction_type` is not PAY, REFUND, TRANSFER, SUBSCRIPTION or SIGN",
        ))?,
        _ => return Err(invalid("`transaction_type` is missing")),
    };
    let channel_type = match raw.get("channel_type") {
        Some(Value::String(channel)) if WEBHOOK_CHANNELS.contains(&channel.as_str()) => {
            BCChannelType::from_wire(channel)
        }
        Some(Value::String(_)) => {
            return Err(invalid("`channel_type` is not a documented parent channel"));
        }
        _ => return Err(invalid("`channel_type` is missing")),
    };
    let transaction_id = match raw.get("transaction_id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => return Err(invalid("`transaction_id` is missing or empty")),
    };
    // A JSON integer, rendered in the signature as plain decimal digits.
    let transaction_fee = match raw.get("transaction_fee") {
        Some(Value::Number(fee)) => fee.as_u64().and_then(|fee| i64::try_from(fee).ok()),
        _ => None,
    }
    .ok_or(invalid(
        "`transaction_fee` is missing or not a non-negative integer",
    ))?;
    let trade_success = match raw.get("trade_success") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(success)) => Some(*success),
        Some(_) => return Err(invalid("`trade_success` is not a boolean")),
    };
    Ok(BCWebhook {
        signature,
        form,
        timestamp: raw
            .get("timestamp")
            .and_then(|t| t.as_i64().or_else(|| digits(t.as_str()?))),
        channel_type,
        sub_channel_type: text("sub_channel_type", "`sub_channel_type` is not a string")?
            .map(BCChannelType::from),
        transaction_type,
        transaction_id,
        transaction_fee,
        trade_success,
        message_detail: raw.get("message_detail").cloned().unwrap_or(Value::Null),
        optional: raw.get("optional").cloned().unwrap_or(Value::Null),
        channel_transaction_id: text(
            "channel_transaction_id",
            "`channel_transaction_id` is not a string",
        )?,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app() -> BCApp {
        BCApp::new("AID", "ASEC", "MSEC")
    }

    fn push(signature: &str, fee: Value) -> Vec<u8> {
        json!({"signature": signature, "timestamp": 1426817510111i64, "channel_type": "WX",
               "sub_channel_type": "WX_NATIVE", "transaction_type": "PAY",
               "transaction_id": "201506101035040000001", "transaction_fee": fee,
               "trade_success": true, "message_detail": {"tradeSuccess": true}, "optional": {"k": "v"}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn accepts_the_documented_signature_and_checks_amounts() {
        let webhook =
            verify_webhook(&app(), &push("c20a3d8c427677954cdd6c8dbbc5470f", json!(1))).unwrap();
        assert_eq!(webhook.transaction_fee, 1);
        assert_eq!(webhook.transaction_type, BCTransactionType::Pay);
        assert_eq!(webhook.form, BCWebhookForm::Signature);
        assert_eq!(webhook.channel_type, BCChannelType::WX);
        assert_eq!(webhook.optional, json!({"k": "v"}));
        webhook.check_amount(1).unwrap();
        assert!(matches!(
            webhook.check_amount(100),
            Err(BCError::WebhookAmountMismatch {
                expected: 100,
                received: 1
            })
        ));
    }

    #[test]
    fn rejects_forgeries_and_garbage() {
        let forged = verify_webhook(&app(), &push("c20a3d8c427677954cdd6c8dbbc5470e", json!(1)));
        assert!(matches!(forged, Err(BCError::InvalidWebhook { .. })));
        // Same signature, other amount: the fee is covered by the signature.
        let tampered = verify_webhook(
            &app(),
            &push("c20a3d8c427677954cdd6c8dbbc5470f", json!(100)),
        );
        assert!(matches!(tampered, Err(BCError::InvalidWebhook { .. })));
        for body in [
            &b""[..],
            b"success",
            b"[]",
            b"{}",
            br#"{"signature":"x","transaction_fee":1.5}"#,
        ] {
            assert!(matches!(
                verify_webhook(&app(), body),
                Err(BCError::InvalidWebhook { .. })
            ));
        }
        let mut no_master = app();
        no_master.master_secret.clear();
        assert!(matches!(
            verify_webhook(&no_master, &push("x", json!(1))),
            Err(BCError::NotConfigured { .. })
        ));
    }

    #[test]
    fn transaction_types_round_trip_and_no_type_or_channel_is_a_suffix_of_another() {
        for kind in BCTransactionType::ALL {
            assert_eq!(BCTransactionType::from_wire(kind.as_str()), Some(kind));
        }
        assert_eq!(BCTransactionType::from_wire("pay"), None);
        assert_eq!(BCTransactionType::from_wire(""), None);
        // What makes the signed concatenation split one way only (module docs).
        let types: Vec<&str> = BCTransactionType::ALL.iter().map(|k| k.as_str()).collect();
        for set in [&types[..], WEBHOOK_CHANNELS] {
            for a in set {
                for b in set {
                    assert!(a == b || !a.ends_with(b), "{b} is a suffix of {a}");
                }
            }
        }
        assert!(
            WEBHOOK_CHANNELS
                .iter()
                .chain(&types)
                .all(|value| !value.bytes().any(|b| b.is_ascii_digit()))
        );
    }

    #[test]
    fn legacy_sign_form_for_a_subscription_push_within_the_tolerance() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let body = |stamp: i64| {
            json!({"sign": subscription_webhook_sign("AID", "ASEC", &stamp.to_string()),
                   "timestamp": stamp, "channel_type": "BC", "sub_channel_type": "BC_SUBSCRIPTION",
                   "transaction_type": "SUBSCRIPTION", "transaction_id": "sub-1",
                   "transaction_fee": 0, "trade_success": false, "message_detail": {"err_msg": "no"}})
            .to_string()
        };
        let legacy = BCLegacySign::default();
        let webhook = verify_legacy_sign_webhook(&app(), body(now).as_bytes(), &legacy).unwrap();
        assert_eq!(webhook.trade_success, Some(false));
        assert_eq!(webhook.form, BCWebhookForm::LegacySign(BCSignSecret::App));
        // md5("AID" + "ASEC" + "1426817510111"), computed outside this crate: a genuine sign from 2015,
        // far outside any tolerance.
        let old = body(1426817510111);
        assert!(old.contains("a0a4476dea7d78de11166e2cee2b41b6"));
        assert!(verify_legacy_sign_webhook(&app(), old.as_bytes(), &legacy).is_err());
        let untimed = BCLegacySign {
            tolerance: None,
            ..legacy
        };
        assert_eq!(BCLegacySign::new(BCSignSecret::App), legacy);
        verify_legacy_sign_webhook(&app(), old.as_bytes(), &untimed).unwrap();
        let mut wrong = app();
        wrong.app_secret = "OTHER".into();
        assert!(verify_legacy_sign_webhook(&wrong, body(now).as_bytes(), &legacy).is_err());
        // Never through the current entry point.
        assert!(matches!(
            verify_webhook(&app(), body(now).as_bytes()),
            Err(BCError::InvalidWebhook { problem }) if problem.contains("legacy")
        ));
    }
}
