//! The receiver's duty in one call ([`receive_webhook`]): authenticate a push, confirm it against
//! BeeCloud's own record with one query, de-duplicate it, and pick the literal answer.
//!
//! A push is a hint; BeeCloud's record decides. `signature` covers only the type, id, channel and
//! amount, the legacy `sign` covers nothing of the payload, and no form covers `trade_success`,
//! so the outcome a caller acts on always comes from a query made with the caller's own `BCApp`.

use crate::app::BCApp;
use crate::error::BCError;
use crate::query::BCQuery;
use crate::records::{BCBill, BCRefund, BCTransferRecord, BCTransferStatus};
use crate::subscription_params::BCSubscription;
use crate::webhook::{BCTransactionType, BCWebhook, BCWebhookForm, WEBHOOK_SUCCESS, authenticate};
use crate::webhook_dedup::{BCWebhookDedup, BCWebhookKey};

/// The body [`BCWebhookReceipt::reply`] gives for a push that must not be acted on (yet):
/// anything but `success` makes BeeCloud resend it later.
pub const WEBHOOK_FAIL: &str = "fail";

/// BeeCloud's record that decided a push.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BCConfirmedRecord {
    /// PAY: the bill (`bill_no` = the push's `transaction_id`).
    Bill(BCBill),
    /// REFUND: the refund (`refund_no` = the push's `transaction_id`).
    Refund(BCRefund),
    /// TRANSFER: the bank-card payout (its number = the push's `transaction_id`).
    Transfer(BCTransferRecord),
    /// SUBSCRIPTION: the subscription.
    Subscription(BCSubscription),
}

/// A success BeeCloud's record confirms: act on it (once).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BCConfirmed {
    /// What succeeded: a payment, a refund, a payout, a subscription's verification.
    pub transaction_type: BCTransactionType,
    /// The bill, refund or payout number, or the subscription id.
    pub transaction_id: String,
    /// The amount of the record, in fen: your order's amount (0 for subscriptions).
    pub transaction_fee: i64,
    /// The record, as BeeCloud holds it.
    pub record: BCConfirmedRecord,
    /// The push itself (its unsigned fields are hints, not facts).
    pub push: BCWebhook,
}

impl BCConfirmed {
    /// `(transaction_type, transaction_id)`.
    pub fn key(&self) -> BCWebhookKey {
        BCWebhookKey::new(self.transaction_type, self.transaction_id.clone())
    }
}

/// A failure BeeCloud's record confirms (a refund, payout or subscription verification that
/// failed): record the failure. It carries no amount, so it cannot be booked as a payment.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BCConfirmedFailure {
    /// What failed.
    pub transaction_type: BCTransactionType,
    /// The refund or payout number, or the subscription id.
    pub transaction_id: String,
    /// The record, as BeeCloud holds it.
    pub record: BCConfirmedRecord,
    /// The push itself.
    pub push: BCWebhook,
}

impl BCConfirmedFailure {
    /// `(transaction_type, transaction_id)`.
    pub fn key(&self) -> BCWebhookKey {
        BCWebhookKey::new(self.transaction_type, self.transaction_id.clone())
    }
}

/// What [`receive_webhook`] decided. Only [`Accepted`](BCWebhookReceipt::Accepted) says "act on
/// it as a success"; the reply for each outcome:
///
/// | outcome | meaning | do | [`reply`](BCWebhookReceipt::reply) |
/// |---|---|---|---|
/// | `Accepted` | BeeCloud's record confirms the success, for your order's amount | act once | `success` |
/// | `Failed` | BeeCloud's record confirms a failure (refund, payout, subscription) | record the failure | `success` |
/// | `Repeated` | a push already acted on (the de-duplication hook said so) | nothing | `success` |
/// | `Unconfirmable` | authentic, but BeeCloud offers no query that confirms it (SIGN pushes, WeChat/Alipay transfers, sandbox refunds and payouts) | check by other means | `fail` |
/// | `Unconfirmed` | the confirmation could not be made now (BeeCloud unreachable, record not final yet) | nothing | `fail` (BeeCloud retries) |
/// | `Rejected` | forged, not for you, not your order's amount, or contradicted by BeeCloud's record | nothing | `fail` |
#[derive(Debug)]
#[non_exhaustive]
pub enum BCWebhookReceipt {
    /// Confirmed success. Act on it (mark the order paid), then answer
    /// [`reply`](BCWebhookReceipt::reply). If acting fails, release the key from your
    /// de-duplication hook and answer [`WEBHOOK_FAIL`] so that BeeCloud sends it again.
    Accepted(BCConfirmed),
    /// Confirmed failure: record it; never mark anything paid.
    Failed(BCConfirmedFailure),
    /// Already acted on: do nothing, answer `success`.
    Repeated(BCWebhookKey),
    /// Authentic but not confirmable by any query: do not act on it as it is.
    Unconfirmable(BCWebhook),
    /// Not confirmed now (the query failed or the record is not final): BeeCloud will retry.
    Unconfirmed(BCError),
    /// Not to be acted on: forged, malformed, of no order of yours, of another amount, or
    /// contradicted by BeeCloud's record.
    Rejected(BCError),
}

impl BCWebhookReceipt {
    /// The literal body to answer: [`WEBHOOK_SUCCESS`] only where BeeCloud may stop retrying
    /// (`Accepted` once acted on, `Failed` once recorded, `Repeated`), [`WEBHOOK_FAIL`] otherwise.
    pub fn reply(&self) -> &'static str {
        match self {
            BCWebhookReceipt::Accepted(_)
            | BCWebhookReceipt::Failed(_)
            | BCWebhookReceipt::Repeated(_) => WEBHOOK_SUCCESS,
            BCWebhookReceipt::Unconfirmable(_)
            | BCWebhookReceipt::Unconfirmed(_)
            | BCWebhookReceipt::Rejected(_) => WEBHOOK_FAIL,
        }
    }

    /// The confirmed success, or `None` for every other outcome.
    pub fn accepted(&self) -> Option<&BCConfirmed> {
        match self {
            BCWebhookReceipt::Accepted(confirmed) => Some(confirmed),
            _ => None,
        }
    }
}

/// The receiver's duty in one call, from the raw request body.
///
/// 1. Authenticates the push: a live app takes the `signature` form (master secret) or the
///    app-secret `sign` (within [`LEGACY_SIGN_TOLERANCE`](crate::utils::LEGACY_SIGN_TOLERANCE));
///    a test-mode app takes only the test-secret `sign` of sandbox pushes.
/// 2. Asks `order_fee` for the amount of your own record of this push (`None`: no such record;
///    `Some(0)` for subscriptions); with `signature` the signed amount must equal it.
/// 3. Confirms the push with **one GET** to BeeCloud through `bc_app` (its timeouts, proxy and
///    connection pool): PAY — the bill with this `bill_no` is paid, for this amount and channel;
///    REFUND — the refund with this `refund_no` finished (succeeded or failed), for this amount;
///    TRANSFER — the bank-card payout with this number succeeded or failed, for this amount;
///    SUBSCRIPTION — the subscription is valid or failed. Only BeeCloud's record decides: the
///    push's `trade_success` is a hint (no signature covers it). SIGN pushes, WeChat/Alipay
///    transfers and, in test mode, refunds and payouts have no query: `Unconfirmable`.
/// 4. With `dedup`, claims `(transaction_type, transaction_id)` for a confirmed push: a second
///    claim gives `Repeated`. Pass `None` to de-duplicate in your own store (see
///    [`BCWebhookDedup`]).
///
/// ```no_run
/// use beecloud::entity::BCApp;
/// use beecloud::utils::{BCMemoryDedup, BCWebhookReceipt, receive_webhook};
///
/// fn on_push(bc_app: &BCApp, seen: &BCMemoryDedup, body: &[u8]) -> &'static str {
///     let receipt = receive_webhook(bc_app, body, Some(seen), |push| {
///         // Look your order up by push.transaction_type and push.transaction_id.
///         Some(1)
///     });
///     match &receipt {
///         BCWebhookReceipt::Accepted(paid) => println!("mark {} done", paid.transaction_id),
///         BCWebhookReceipt::Failed(failed) => println!("record that {} failed", failed.transaction_id),
///         _ => {}
///     }
///     receipt.reply()
/// }
/// ```
pub fn receive_webhook(
    bc_app: &BCApp,
    body: &[u8],
    dedup: Option<&dyn BCWebhookDedup>,
    order_fee: impl FnOnce(&BCWebhook) -> Option<i64>,
) -> BCWebhookReceipt {
    let push = match authenticate(bc_app, body) {
        Ok(push) => push,
        Err(error) => return BCWebhookReceipt::Rejected(error),
    };
    let Some(expected) = order_fee(&push) else {
        return BCWebhookReceipt::Rejected(BCError::InvalidWebhook {
            problem: "no order of yours has this transaction",
        });
    };
    if push.form == BCWebhookForm::Signature {
        if let Err(error) = push.check_amount(expected) {
            return BCWebhookReceipt::Rejected(error);
        }
    }
    let receipt = match confirm(bc_app, &push, expected) {
        Verdict::Succeeded(record, transaction_fee) => BCWebhookReceipt::Accepted(BCConfirmed {
            transaction_type: push.transaction_type,
            transaction_id: push.transaction_id.clone(),
            transaction_fee,
            record,
            push,
        }),
        Verdict::Failed(record) => BCWebhookReceipt::Failed(BCConfirmedFailure {
            transaction_type: push.transaction_type,
            transaction_id: push.transaction_id.clone(),
            record,
            push,
        }),
        Verdict::NoQuery => BCWebhookReceipt::Unconfirmable(push),
        Verdict::Later(error) => BCWebhookReceipt::Unconfirmed(error),
        Verdict::Contradicted(error) => BCWebhookReceipt::Rejected(error),
    };
    let key = match &receipt {
        BCWebhookReceipt::Accepted(confirmed) => confirmed.key(),
        BCWebhookReceipt::Failed(failed) => failed.key(),
        _ => return receipt,
    };
    match dedup {
        Some(dedup) if !dedup.claim(&key) => BCWebhookReceipt::Repeated(key),
        _ => receipt,
    }
}

/// What BeeCloud's record says about a push.
enum Verdict {
    /// Succeeded, for this amount.
    Succeeded(BCConfirmedRecord, i64),
    Failed(BCConfirmedRecord),
    /// No query exists for this push.
    NoQuery,
    /// Ask again later: unreachable, or not final yet.
    Later(BCError),
    /// The record contradicts the push (or does not exist).
    Contradicted(BCError),
}

fn contradicted(problem: &'static str) -> Verdict {
    Verdict::Contradicted(BCError::InvalidWebhook { problem })
}

fn not_final(problem: &'static str) -> Verdict {
    Verdict::Later(BCError::InvalidWebhook { problem })
}

/// The record's amount must be the order's.
fn amount(record_fee: Option<i64>, expected: i64) -> Result<i64, BCError> {
    match record_fee {
        Some(fee) if fee == expected => Ok(fee),
        received => Err(BCError::WebhookAmountMismatch {
            expected,
            received: received.unwrap_or(-1),
        }),
    }
}

/// One query, chosen by the push's type; every answer is judged on the record alone.
fn confirm(bc_app: &BCApp, push: &BCWebhook, expected: i64) -> Verdict {
    let query = BCQuery::new(bc_app.clone());
    let id = push.transaction_id.as_str();
    let found = match push.transaction_type {
        BCTransactionType::Pay => query.find_bill_by_no(id).map(|bill| bill.map(pay)),
        BCTransactionType::Refund => query
            .find_refund_by_no(id)
            .map(|refund| refund.map(refund_state)),
        BCTransactionType::Transfer if push.channel_type.as_str() != "BC" => {
            return Verdict::NoQuery;
        }
        BCTransactionType::Transfer => query
            .find_transfer_by_no(id)
            .map(|payout| payout.map(payout_state)),
        BCTransactionType::Subscription => match query.query_subscription_by_id(id) {
            Ok(found) => Ok(Some(subscription_state(found.data.subscription))),
            // An id BeeCloud does not hold is refused as not found or as an invalid parameter.
            Err(error) if error.is_not_found() || error.is_param_error() => Ok(None),
            Err(error) => Err(error),
        },
        _ => return Verdict::NoQuery,
    };
    let state = match found {
        Ok(Some(state)) => state,
        Ok(None) => return contradicted("BeeCloud holds no record with this transaction_id"),
        Err(BCError::NotSupportedInTestMode { .. }) => return Verdict::NoQuery,
        Err(error) => return Verdict::Later(error),
    };
    match state {
        State::Succeeded {
            record,
            fee,
            channel,
        } => {
            if let Some(channel) = channel.filter(|_| push.form == BCWebhookForm::Signature) {
                if channel != push.channel_type.parent() {
                    return contradicted("BeeCloud's record is of another channel");
                }
            }
            match amount(fee, expected) {
                Ok(fee) => Verdict::Succeeded(record, fee),
                Err(mismatch) => Verdict::Contradicted(mismatch),
            }
        }
        State::Failed(record) => Verdict::Failed(record),
        State::Pending(problem) => match push.transaction_type {
            // BeeCloud pushes a payment only once it is paid: an unpaid bill means a forgery.
            BCTransactionType::Pay => contradicted(problem),
            _ => not_final(problem),
        },
    }
}

/// Where a record stands.
enum State {
    Succeeded {
        record: BCConfirmedRecord,
        fee: Option<i64>,
        /// The record's parent channel, when it has one.
        channel: Option<String>,
    },
    Failed(BCConfirmedRecord),
    Pending(&'static str),
}

fn parent(channel: Option<&crate::channel::BCChannelType>) -> Option<String> {
    channel.map(|channel| channel.parent().to_string())
}

fn pay(bill: BCBill) -> State {
    if bill.spay_result != Some(true) {
        return State::Pending("BeeCloud's record does not show this bill paid");
    }
    State::Succeeded {
        fee: bill.total_fee,
        channel: parent(bill.channel.as_ref().or(bill.sub_channel.as_ref())),
        record: BCConfirmedRecord::Bill(bill),
    }
}

fn refund_state(refund: BCRefund) -> State {
    match (refund.finish, refund.result) {
        (Some(true), Some(true)) => State::Succeeded {
            fee: refund.refund_fee,
            channel: parent(refund.channel.as_ref().or(refund.sub_channel.as_ref())),
            record: BCConfirmedRecord::Refund(refund),
        },
        (Some(true), _) => State::Failed(BCConfirmedRecord::Refund(refund)),
        _ => State::Pending("BeeCloud's record shows this refund unfinished"),
    }
}

fn payout_state(payout: BCTransferRecord) -> State {
    match payout.transfer_status {
        Some(BCTransferStatus::SUCCESS) => State::Succeeded {
            fee: payout.total_fee,
            channel: None,
            record: BCConfirmedRecord::Transfer(payout),
        },
        Some(BCTransferStatus::FAIL) => State::Failed(BCConfirmedRecord::Transfer(payout)),
        _ => State::Pending("BeeCloud's record shows this payout in progress"),
    }
}

fn subscription_state(subscription: BCSubscription) -> State {
    if subscription.valid == Some(true) {
        return State::Succeeded {
            fee: Some(0),
            channel: None,
            record: BCConfirmedRecord::Subscription(subscription),
        };
    }
    if subscription.status.as_deref() == Some("failed") {
        return State::Failed(BCConfirmedRecord::Subscription(subscription));
    }
    State::Pending("BeeCloud's record shows this subscription not verified yet")
}
