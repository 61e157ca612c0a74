//! Webhook verification: what the merchant's server must do with every BeeCloud push.
//!
//! BeeCloud POSTs a JSON body to the app's webhook URL when a bill is paid, a refund or a transfer
//! succeeds, or a subscription is verified. The handler must (1) verify the signature with
//! [`verify_webhook`], (2) check the amount against its own order with
//! [`BCWebhook::check_amount`], (3) ignore `transaction_id`s it has handled already (BeeCloud
//! retries), and (4) answer with the literal body [`WEBHOOK_SUCCESS`] (`success`); any other answer
//! makes BeeCloud send it again after 2, 4, 8… seconds, for about 36 hours.

use serde_json::{Map, Value};

use crate::app::BCApp;
use crate::channel::BCChannelType;
use crate::error::BCError;
use crate::sign::{signatures_match, subscription_webhook_sign, webhook_signature};

/// The body a webhook handler must answer once it has processed (or already processed) a push.
pub const WEBHOOK_SUCCESS: &str = "success";

/// A verified webhook push.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BCWebhook {
    /// The signature that was verified.
    pub signature: String,
    /// Server time of the push, ms (not covered by the signature).
    pub timestamp: Option<i64>,
    /// Parent channel: WX, ALI, UN, KUAIQIAN, JD, BD, YEE, PAYPAL, BC.
    pub channel_type: BCChannelType,
    /// Sub-channel, e.g. `WX_NATIVE`, `BC_TRANSFER`.
    pub sub_channel_type: Option<BCChannelType>,
    /// `PAY`, `REFUND`, `TRANSFER` or `SUBSCRIPTION`.
    pub transaction_type: String,
    /// `bill_no` (PAY), `refund_no` (REFUND), transfer number (TRANSFER), subscription id.
    pub transaction_id: String,
    /// Amount in fen.
    pub transaction_fee: i64,
    /// Whether the transaction succeeded (subscription verifications can fail).
    pub trade_success: Option<bool>,
    /// The channel's raw notification.
    pub message_detail: Value,
    /// The `optional` of the originating request.
    pub optional: Value,
    /// The channel's own transaction number.
    pub channel_transaction_id: Option<String>,
    /// The whole body.
    pub raw: Map<String, Value>,
}

impl BCWebhook {
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

/// Verifies a webhook body: `signature` must equal
/// `md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee + master_secret)`
/// (compared in constant time).
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
    if bc_app.master_secret.is_empty() {
        return Err(BCError::NotConfigured {
            what: "master secret",
        });
    }
    let webhook = parse(body, "signature")?;
    let expected = webhook_signature(
        &bc_app.app_id,
        &webhook.transaction_id,
        &webhook.transaction_type,
        webhook.channel_type.as_str(),
        webhook.transaction_fee,
        &bc_app.master_secret,
    );
    if !signatures_match(&webhook.signature, &expected) {
        return Err(BCError::InvalidWebhook {
            problem: "the signature does not match",
        });
    }
    Ok(webhook)
}

/// Verifies a subscription webhook in the form of the Python demo: `sign` must equal
/// `md5(app_id + app_secret + timestamp)` (constant-time comparison).
pub fn verify_subscription_webhook(bc_app: &BCApp, body: &[u8]) -> Result<BCWebhook, BCError> {
    if bc_app.app_secret.is_empty() {
        return Err(BCError::NotConfigured { what: "app secret" });
    }
    let webhook = parse(body, "sign")?;
    let timestamp = match webhook.raw.get("timestamp") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => {
            return Err(BCError::InvalidWebhook {
                problem: "`timestamp` is missing",
            });
        }
    };
    let expected = subscription_webhook_sign(&bc_app.app_id, &bc_app.app_secret, &timestamp);
    if !signatures_match(&webhook.signature, &expected) {
        return Err(BCError::InvalidWebhook {
            problem: "the sign does not match",
        });
    }
    Ok(webhook)
}

/// Reads the fields of a push; `signature_key` names the field carrying the signature.
fn parse(body: &[u8], signature_key: &str) -> Result<BCWebhook, BCError> {
    let Ok(Value::Object(raw)) = serde_json::from_slice::<Value>(body) else {
        return Err(BCError::InvalidWebhook {
            problem: "the body is not a JSON object",
        });
    };
    let text = |key: &str| match raw.get(key) {
        Some(Value::String(text)) => Some(text.clone()),
        _ => None,
    };
    let required = |key: &'static str, problem: &'static str| {
        text(key).ok_or(BCError::InvalidWebhook { problem })
    };
    let transaction_fee = match raw.get("transaction_fee") {
        Some(Value::Number(fee)) => fee.as_i64(),
        Some(Value::String(fee)) => fee.parse().ok(),
        _ => None,
    }
    .ok_or(BCError::InvalidWebhook {
        problem: "`transaction_fee` is missing or not an integer",
    })?;
    Ok(BCWebhook {
        signature: text(signature_key).ok_or(BCError::InvalidWebhook {
            problem: "the signature is missing",
        })?,
        timestamp: raw
            .get("timestamp")
            .and_then(|t| t.as_i64().or_else(|| t.as_str()?.parse().ok())),
        channel_type: required("channel_type", "`channel_type` is missing")?.into(),
        sub_channel_type: text("sub_channel_type").map(BCChannelType::from),
        transaction_type: required("transaction_type", "`transaction_type` is missing")?,
        transaction_id: required("transaction_id", "`transaction_id` is missing")?,
        transaction_fee,
        trade_success: raw.get("trade_success").and_then(Value::as_bool),
        message_detail: raw.get("message_detail").cloned().unwrap_or(Value::Null),
        optional: raw.get("optional").cloned().unwrap_or(Value::Null),
        channel_transaction_id: text("channel_transaction_id"),
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
    fn subscription_form_uses_sign_over_app_secret_and_timestamp() {
        let body = json!({"sign": "a0a4476dea7d78de11166e2cee2b41b6", "timestamp": 1426817510111i64,
                          "channel_type": "BC", "transaction_type": "SUBSCRIPTION", "transaction_id": "sub-1",
                          "transaction_fee": 0, "trade_success": false, "message_detail": {"err_msg": "no"}});
        let webhook = verify_subscription_webhook(&app(), body.to_string().as_bytes()).unwrap();
        assert_eq!(webhook.trade_success, Some(false));
        let mut wrong = app();
        wrong.app_secret = "OTHER".into();
        assert!(verify_subscription_webhook(&wrong, body.to_string().as_bytes()).is_err());
    }
}
