//! Refunds: direct and pre-refunds, the pre-refund audit, refund status, offline refunds, and finishing a refund.

use serde_json::{Map, Value, json};

use super::core;
use super::core::{
    ALREADY_REFUNDING, ApiError, BILL_UNSUCCESS, CHANNEL_INVALID, Call, NO_SUCH_REFUND,
    PARAM_INVALID, PREREFUND_DUPLICATE, REFUND_AMOUNT_TOO_LARGE, Reply, payload, require,
};
use super::error::EmulatorError;
use super::payments::no_such_bill;
use super::store::{Approval, Refund, Store, WebhookEvent};
use super::validate::{
    OFFLINE_REFUND_PARENTS, REFUND_PARENTS, REFUND_STATUS_PARENTS, http_url, new_id, optional_map,
    optional_parent_channel, parent, positive, refund_no,
};

/// What a new refund request asks for.
struct RefundRequest<'c> {
    refund_no: &'c str,
    bill_no: &'c str,
    refund_fee: i64,
    channel: Option<&'c str>,
    notify_url: Option<&'c str>,
    optional: Value,
}

impl<'c> RefundRequest<'c> {
    /// Channel, required fields and formats shared by `rest/refund` and `rest/offline/refund`.
    fn read(call: &'c Call, parents: &[&str]) -> Result<RefundRequest<'c>, ApiError> {
        let channel = optional_parent_channel(call, parents)?;
        require(call, &["refund_no", "bill_no", "refund_fee"])?;
        let request = RefundRequest {
            refund_no: refund_no(call)?,
            bill_no: call.req_str("bill_no")?,
            refund_fee: positive(call, "refund_fee")?,
            channel,
            notify_url: http_url(call, "notify_url")?,
            optional: optional_map(call)?,
        };
        if call
            .int("refund_account")?
            .is_some_and(|account| !matches!(account, 0 | 1))
        {
            return Err(ApiError::invalid("refund_account", "must be 0 or 1"));
        }
        Ok(request)
    }

    /// State checks, in order — the bill exists (else 8), `channel`, if sent, is the bill's (3), the bill can
    /// take the refund (`check_refundable`), `refund_no` is unused (5) — and the new record.
    fn into_refund(
        self,
        store: &Store,
        call: &Call,
        approval: Approval,
    ) -> Result<Refund, ApiError> {
        let index = store
            .bill_index_by_no(call.app_id, call.ns, self.bill_no)
            .ok_or_else(|| no_such_bill(self.bill_no))?;
        let bill = &store.bills[index];
        if self.channel.is_some_and(|c| c != bill.channel) {
            return Err(ApiError::new(
                CHANNEL_INVALID,
                format!("bill {} was not paid with {:?}", bill.bill_no, self.channel),
            ));
        }
        check_refundable(
            store,
            &bill.id,
            self.refund_fee,
            None,
            approval == Approval::Pending,
        )?;
        if store
            .refund_index_by_no(call.app_id, self.refund_no)
            .is_some()
        {
            return Err(ApiError::invalid("refund_no", "is already used"));
        }
        Ok(Refund {
            id: new_id(),
            app_id: call.app_id.to_owned(),
            bill_id: bill.id.clone(),
            bill_no: bill.bill_no.clone(),
            refund_no: self.refund_no.to_owned(),
            refund_fee: self.refund_fee,
            channel: bill.channel.clone(),
            sub_channel: bill.sub_channel.clone(),
            optional: self.optional,
            message_detail: Value::Object(Map::new()),
            notify_url: self.notify_url.map(str::to_owned),
            approval,
            finish: false,
            result: false,
            create_time: call.now_ms,
        })
    }
}

/// Whether the bill can take a refund of `refund_fee` now: it is paid (else 9), no refund of it is in progress (11)
/// or waiting for approval (a second pre-refund 16, a direct refund 11), none succeeded and `refund_fee` is within
/// the paid amount (12). `this_refund` is the pre-refund being approved, which must not count against itself.
fn check_refundable(
    store: &Store,
    bill_id: &str,
    refund_fee: i64,
    this_refund: Option<&str>,
    pre_refund: bool,
) -> Result<(), ApiError> {
    let Some(bill) = store.bill(bill_id) else {
        return Err(no_such_bill(bill_id));
    };
    if !bill.spay_result {
        return Err(ApiError::new(
            BILL_UNSUCCESS,
            format!("bill {} is not paid", bill.bill_no),
        ));
    }
    let others = || {
        store
            .refunds_of(bill_id)
            .filter(|r| Some(r.id.as_str()) != this_refund)
    };
    if others().any(Refund::in_progress) {
        return Err(ApiError::new(
            ALREADY_REFUNDING,
            "a refund of this bill is in progress",
        ));
    }
    if others().any(|r| r.approval == Approval::Pending) {
        return Err(if pre_refund {
            ApiError::new(
                PREREFUND_DUPLICATE,
                "a pre-refund of this bill is waiting for approval",
            )
        } else {
            ApiError::new(
                ALREADY_REFUNDING,
                "a pre-refund of this bill is waiting for approval",
            )
        });
    }
    if others().any(|r| r.result) {
        return Err(ApiError::new(
            REFUND_AMOUNT_TOO_LARGE,
            "this bill was already refunded",
        ));
    }
    if refund_fee > bill.total_fee {
        return Err(ApiError::new(
            REFUND_AMOUNT_TOO_LARGE,
            format!(
                "refund_fee {refund_fee} exceeds the paid amount {}",
                bill.total_fee
            ),
        ));
    }
    Ok(())
}

/// Alipay refunds wait for the merchant's password on a confirmation page; the others finish at once.
fn needs_password(refund: &Refund) -> bool {
    refund.channel == "ALI"
}

/// POST `rest/refund`.
pub(crate) fn refund(store: &mut Store, call: &Call) -> Reply {
    let request = RefundRequest::read(call, REFUND_PARENTS)?;
    let approval = if call.bool("need_approval")?.unwrap_or(false) {
        Approval::Pending
    } else {
        Approval::Direct
    };
    let refund = request.into_refund(store, call, approval)?;
    let (id, pending, password) = (
        refund.id.clone(),
        refund.approval == Approval::Pending,
        needs_password(&refund),
    );
    store.insert_refund(refund);
    let mut reply = payload("id", id.clone());
    if pending {
        // A pre-refund moves no money until the audit approves it.
    } else if password {
        reply.insert("url".into(), core::page_url(&store.base_url, &id).into());
    } else {
        finish_refund(store, &id, true).map_err(|e| ApiError::new(PARAM_INVALID, e.to_string()))?;
    }
    Ok(reply)
}

/// POST `rest/offline/refund`: synchronous, answers `refund_result`.
pub(crate) fn offline_refund(store: &mut Store, call: &Call) -> Reply {
    let request = RefundRequest::read(call, OFFLINE_REFUND_PARENTS)?;
    for name in ["refund_reason", "operator_id", "store_id"] {
        call.str(name)?;
    }
    let refund = request.into_refund(store, call, Approval::Direct)?;
    let id = refund.id.clone();
    store.insert_refund(refund);
    let done = finish_refund(store, &id, true).is_ok();
    Ok(Map::from_iter([
        ("id".to_owned(), Value::from(id)),
        ("refund_result".to_owned(), done.into()),
    ]))
}

/// PUT `rest/refund`: approve or deny pending pre-refunds; an approval runs the refund checks again.
pub(crate) fn audit_pre_refunds(store: &mut Store, call: &Call) -> Reply {
    let channel = call.req_str("channel")?;
    if !REFUND_PARENTS.contains(&parent(channel)) {
        return Err(ApiError::new(
            CHANNEL_INVALID,
            format!("channel {channel} is not valid here"),
        ));
    }
    require(call, &["ids", "agree"])?;
    let ids = call.list("ids")?.ok_or_else(|| ApiError::missing("ids"))?;
    let ids: Vec<&str> = ids
        .iter()
        .map(|id| {
            id.as_str()
                .ok_or_else(|| ApiError::invalid("ids", "must be a list of strings"))
        })
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err(ApiError::missing("ids"));
    }
    let agree = call
        .bool("agree")?
        .ok_or_else(|| ApiError::missing("agree"))?;
    let deny_reason = call.str("deny_reason")?.unwrap_or("").to_owned();
    let mut result_map = Map::new();
    let mut awaiting_password = Vec::new();
    for id in ids {
        let outcome = audit_one(store, call.app_id, parent(channel), id, agree, &deny_reason);
        match outcome {
            Ok(true) => awaiting_password.push(id.to_owned()),
            Ok(false) => {}
            Err(error) => {
                result_map.insert(
                    id.to_owned(),
                    format!("{}: {}", super::core::result_msg(error.code), error.detail).into(),
                );
                continue;
            }
        }
        result_map.insert(id.to_owned(), "OK".into());
    }
    let mut reply = payload("result_map", result_map);
    if !awaiting_password.is_empty() {
        // One Alipay confirmation page covers the whole approved batch.
        let token = new_id();
        reply.insert("url".into(), core::page_url(&store.base_url, &token).into());
        store.refund_batches.insert(token, awaiting_password);
    }
    Ok(reply)
}

/// Audits one pre-refund; `Ok(true)` when it now waits for the Alipay password.
fn audit_one(
    store: &mut Store,
    app_id: &str,
    channel: &str,
    id: &str,
    agree: bool,
    reason: &str,
) -> Result<bool, ApiError> {
    let index = store
        .refund_index(id)
        .filter(|&i| {
            store.refunds[i].app_id == app_id && store.refunds[i].approval == Approval::Pending
        })
        .ok_or_else(|| ApiError::new(NO_SUCH_REFUND, format!("no pending pre-refund {id}")))?;
    if store.refunds[index].channel != channel {
        return Err(ApiError::new(
            CHANNEL_INVALID,
            format!("pre-refund {id} is not a {channel} refund"),
        ));
    }
    if !agree {
        let refund = &mut store.refunds[index];
        refund.approval = Approval::Denied(reason.to_owned());
        refund.finish = true;
        return Ok(false);
    }
    let (bill_id, fee) = (
        store.refunds[index].bill_id.clone(),
        store.refunds[index].refund_fee,
    );
    check_refundable(store, &bill_id, fee, Some(id), false)?;
    store.refunds[index].approval = Approval::Approved;
    if needs_password(&store.refunds[index]) {
        return Ok(true);
    }
    finish_refund(store, id, true).map_err(|e| ApiError::new(PARAM_INVALID, e.to_string()))?;
    Ok(false)
}

/// GET `rest/refund/status`: `SUCCESS`, `PROCESSING` or `FAIL`.
pub(crate) fn refund_status(store: &mut Store, call: &Call) -> Reply {
    let channel = call.req_str("channel")?;
    if !REFUND_STATUS_PARENTS.contains(&parent(channel)) {
        return Err(ApiError::new(
            CHANNEL_INVALID,
            format!("channel {channel} is not valid here"),
        ));
    }
    let refund_no = call.req_str("refund_no")?;
    call.str("bill_update_flag")?;
    let refund = store
        .refund_index_by_no(call.app_id, refund_no)
        .map(|i| &store.refunds[i])
        .ok_or_else(|| ApiError::new(NO_SUCH_REFUND, format!("no refund {refund_no}")))?;
    let status = match (refund.finish, refund.result) {
        (true, true) => "SUCCESS",
        (false, _) => "PROCESSING",
        (true, false) => "FAIL",
    };
    Ok(payload("refund_status", status))
}

/// Ends a refund that is in progress; on success marks the bill refunded and sends the REFUND webhook.
pub(crate) fn finish_refund(
    store: &mut Store,
    refund_id: &str,
    success: bool,
) -> Result<(), EmulatorError> {
    let index = store
        .refund_index(refund_id)
        .ok_or_else(|| EmulatorError::not_found(format!("no refund {refund_id}")))?;
    if !store.refunds[index].in_progress() {
        return Err(EmulatorError::conflict(format!(
            "refund {refund_id} is not in progress"
        )));
    }
    let now = store.now_ms();
    let refund = &mut store.refunds[index];
    refund.finish = true;
    refund.result = success;
    refund.message_detail = json!({
        "refund_no": refund.refund_no,
        "refund_fee": refund.refund_fee,
        "result": if success { "SUCCESS" } else { "FAIL" },
        "finish_time": now,
        "emulator": true,
    });
    if !success {
        return Ok(());
    }
    let mut event = WebhookEvent {
        ns: super::core::Namespace::Live,
        notify_url: refund.notify_url.clone(),
        transaction_type: "REFUND",
        channel_type: refund.channel.clone(),
        sub_channel_type: refund.sub_channel.clone(),
        transaction_id: refund.refund_no.clone(),
        transaction_fee: refund.refund_fee,
        trade_success: true,
        optional: refund.optional.clone(),
        message_detail: refund.message_detail.clone(),
        channel_transaction_id: String::new(),
        subscription_sign: false,
    };
    let bill_id = refund.bill_id.clone();
    if let Some(bill) = store.bill_index(&bill_id).map(|i| &mut store.bills[i]) {
        bill.refund_result = true;
        event.channel_transaction_id = bill.trade_no.clone();
    }
    store.emit_webhook(event);
    Ok(())
}
