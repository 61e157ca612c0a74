//! Sandbox notify: what the Android and iOS SDKs' mock cashier calls to pay a sandbox bill, with the
//! undocumented edge cases (a paid, an expired or a live bill) behind
//! [`SandboxNotifyRules`](super::SandboxNotifyRules).

use serde_json::Map;

use super::core::{APP_INVALID, ApiError, Call, Namespace, PARAM_INVALID, Reply};
use super::payments::{no_such_bill, pay_bill, pay_event};
use super::store::Store;

/// GET `rest/sandbox/notify/{app_id}/{bill_id}`: the payer pays a sandbox bill. Unknown app ⇒ 1; not a sandbox
/// bill of the app ⇒ 8 (a live one is paid with `pay_live_bills`); expired ⇒ 5 (paid with `pay_expired`);
/// already paid ⇒ 0 without a second webhook (with `resend_paid`, the PAY webhook again).
pub(crate) fn notify(store: &mut Store, call: &Call) -> Reply {
    if call.path_app_id != Some(store.app.app_id.as_str()) {
        return Err(ApiError::new(APP_INVALID, "unknown app_id"));
    }
    let rules = store.app.sandbox_notify.clone();
    let app_id = store.app.app_id.clone();
    let bill_id = call.path_id()?;
    let index = store
        .bill_index_by_id(&app_id, Namespace::Sandbox, bill_id)
        .or_else(|| {
            rules
                .pay_live_bills
                .then(|| store.bill_index_by_id(&app_id, Namespace::Live, bill_id))
                .flatten()
        })
        .ok_or_else(|| no_such_bill(bill_id))?;
    let bill = &mut store.bills[index];
    if bill.spay_result {
        if rules.resend_paid {
            let event = pay_event(bill);
            store.emit_webhook(event);
        }
        return Ok(Map::new());
    }
    if bill.expired(call.now_ms) {
        if !rules.pay_expired {
            return Err(ApiError::invalid("bill_id", "the bill has expired"));
        }
        // Paid regardless: the bill no longer has a deadline.
        bill.bill_timeout = None;
    }
    pay_bill(store, bill_id).map_err(|e| ApiError::new(PARAM_INVALID, e.to_string()))?;
    Ok(Map::new())
}
