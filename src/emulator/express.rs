//! BC_EXPRESS (快捷支付), the two-step bank-card payment: the pay issues a token and "sends"
//! an SMS code to the payer's phone; `rest/bill/confirm` presents both and pays the bill.

use serde_json::Value;

use super::core::{ApiError, Call, Namespace};
use super::identity::{SMS_TTL_MS, is_mobile, send_code};
use super::store::{Bill, Store};

/// The four factors of a first BC_EXPRESS pay, all inside `optional` (as the REST doc says).
const FACTORS: [&str; 4] = ["phone_no", "card_no", "id_no", "customer_name"];

/// Step 1 of a BC_EXPRESS pay: gives `bill` its token and sends the code (its message id is the bill's id).
/// Live: `optional` holds either a `token` issued before (the same token again; unknown ⇒ 5) or all four factors
/// (a new token; one missing ⇒ 4). The sandbox answers every channel with a mock cashier
/// only, so it checks nothing.
pub(crate) fn start(store: &mut Store, call: &Call, bill: &mut Bill) -> Result<(), ApiError> {
    if call.ns == Namespace::Sandbox {
        bill.token = Some(new_token(store));
        return Ok(());
    }
    let text = |key: &str| -> Result<Option<String>, ApiError> {
        match bill.optional.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(
                &format!("optional.{key}"),
                "must be a string",
            )),
        }
    };
    let (token, phone) = if let Some(token) = text("token")? {
        let phone = phone_of_token(store, call, &token)
            .ok_or_else(|| ApiError::invalid("optional.token", "was not issued to this app"))?;
        (token, phone)
    } else {
        let mut factors = Vec::with_capacity(FACTORS.len());
        for key in FACTORS {
            factors.push(text(key)?.ok_or_else(|| ApiError::missing(&format!("optional.{key}")))?);
        }
        let phone = factors.swap_remove(0);
        if !is_mobile(&phone) {
            return Err(ApiError::invalid(
                "optional.phone_no",
                "must be an 11-digit mainland mobile number",
            ));
        }
        (new_token(store), phone)
    };
    bill.token = Some(token);
    send_code(store, call, &bill.id, &phone);
    Ok(())
}

fn new_token(store: &mut Store) -> String {
    format!("bctoken{:08}", store.next_serial())
}

/// The phone the code of an earlier live BC_EXPRESS bill of this app with `token` went to.
fn phone_of_token(store: &Store, call: &Call, token: &str) -> Option<String> {
    let bill = store.bills.iter().find(|b| {
        b.app_id == call.app_id && b.ns == Namespace::Live && b.token.as_deref() == Some(token)
    })?;
    store
        .subscriptions
        .sms
        .iter()
        .find(|s| s.id == bill.id && s.app_id == call.app_id)
        .map(|s| s.phone.clone())
}

/// What a confirmation of a known bill may do.
pub(crate) enum Confirm {
    /// The bill was paid before: answer 0, send nothing.
    AlreadyPaid,
    /// Token and code match: pay the bill, then [`spend_code`].
    Pay,
}

/// Checks a `rest/bill/confirm` of the bill at `index`: not BC_EXPRESS or another token ⇒ 5; paid ⇒
/// [`Confirm::AlreadyPaid`]; wrong, used or expired code ⇒ 5.
pub(crate) fn check(store: &Store, call: &Call, index: usize) -> Result<Confirm, ApiError> {
    let bill = &store.bills[index];
    if bill.sub_channel != "BC_EXPRESS" {
        return Err(ApiError::invalid("bc_bill_id", "is not a BC_EXPRESS bill"));
    }
    if bill.token.as_deref() != Some(call.req_str("token")?) {
        return Err(ApiError::invalid("token", "does not belong to this bill"));
    }
    if bill.spay_result {
        return Ok(Confirm::AlreadyPaid);
    }
    let sms = store
        .subscriptions
        .sms
        .iter()
        .find(|s| s.id == bill.id && s.app_id == call.app_id)
        .ok_or_else(|| ApiError::invalid("verify_code", "no code was sent for this bill"))?;
    if sms.used {
        return Err(ApiError::invalid("verify_code", "already used"));
    }
    if call.now_ms.saturating_sub(sms.sent_ms) > SMS_TTL_MS {
        return Err(ApiError::invalid("verify_code", "expired"));
    }
    if sms.code != call.req_str("verify_code")? {
        return Err(ApiError::invalid("verify_code", "does not match"));
    }
    Ok(Confirm::Pay)
}

/// Marks the code of bill `bill_id` used (after the bill was paid).
pub(crate) fn spend_code(store: &mut Store, bill_id: &str) {
    if let Some(sms) = store.subscriptions.sms.iter_mut().find(|s| s.id == bill_id) {
        sms.used = true;
    }
}
