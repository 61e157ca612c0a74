//! The receiver's duty in one call: verify a push, check its amount against your own order, and
//! pick the literal answer BeeCloud expects ([`receive_webhook`]).

use crate::app::BCApp;
use crate::error::BCError;
use crate::webhook::{
    BCLegacySign, BCWebhook, WEBHOOK_SUCCESS, verify_legacy_sign_webhook, verify_webhook,
};

/// The body [`BCWebhookReceipt::reply`] gives for a push that must not be acted on: anything but
/// `success` makes BeeCloud resend it later.
pub const WEBHOOK_FAIL: &str = "fail";

/// What [`receive_webhook`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum BCWebhookReceipt {
    /// Verified, and its amount is the order's. Process it once (skip a `(transaction_type,
    /// transaction_id)` you have processed), then answer [`reply`](BCWebhookReceipt::reply).
    Accepted(BCWebhook),
    /// Not to be acted on: not verified, malformed, of no order of yours, or of another amount.
    Rejected(BCError),
}

impl BCWebhookReceipt {
    /// The literal body to answer: [`WEBHOOK_SUCCESS`] for an accepted push (once processed),
    /// [`WEBHOOK_FAIL`] otherwise (BeeCloud resends, so a push whose order you have not recorded
    /// yet comes back).
    pub fn reply(&self) -> &'static str {
        match self {
            BCWebhookReceipt::Accepted(_) => WEBHOOK_SUCCESS,
            BCWebhookReceipt::Rejected(_) => WEBHOOK_FAIL,
        }
    }

    /// The verified push, or why it was rejected.
    pub fn into_result(self) -> Result<BCWebhook, BCError> {
        match self {
            BCWebhookReceipt::Accepted(webhook) => Ok(webhook),
            BCWebhookReceipt::Rejected(error) => Err(error),
        }
    }
}

/// The receiver's duty in one call, from the raw request body: verifies the push
/// ([`verify_webhook`], or [`verify_legacy_sign_webhook`] when `legacy` is given), asks
/// `order_fee` for the amount of your own order (`None`: no such order) and checks it
/// ([`BCWebhook::check_amount`]). De-duplication stays yours.
///
/// ```
/// use beecloud::entity::BCApp;
/// use beecloud::utils::{BCWebhookReceipt, receive_webhook};
///
/// fn on_push(bc_app: &BCApp, body: &[u8]) -> &'static str {
///     let receipt = receive_webhook(bc_app, body, None, |push| {
///         // Look the order up by push.transaction_type and push.transaction_id.
///         Some(1)
///     });
///     if let BCWebhookReceipt::Accepted(push) = &receipt {
///         // Mark the order paid, once.
///     }
///     receipt.reply()
/// }
/// # assert_eq!(on_push(&BCApp::new("AID", "ASEC", "MSEC"), b"{}"), "fail");
/// ```
pub fn receive_webhook(
    bc_app: &BCApp,
    body: &[u8],
    legacy: Option<&BCLegacySign>,
    order_fee: impl FnOnce(&BCWebhook) -> Option<i64>,
) -> BCWebhookReceipt {
    let verified = match legacy {
        None => verify_webhook(bc_app, body),
        Some(legacy) => verify_legacy_sign_webhook(bc_app, body, legacy),
    };
    let checked = verified.and_then(|webhook| {
        let fee = order_fee(&webhook).ok_or(BCError::InvalidWebhook {
            problem: "no order of yours has this transaction",
        })?;
        webhook.check_amount(fee).map(|()| webhook)
    });
    match checked {
        Ok(webhook) => BCWebhookReceipt::Accepted(webhook),
        Err(error) => BCWebhookReceipt::Rejected(error),
    }
}
