//! Payouts: bank-card transfers (`rest/bc_transfer`) and their bank lists, WeChat red packs / transfers and
//! Alipay transfers (`rest/transfer`), Alipay batches (`rest/transfers`), and finishing them.

use serde_json::{Map, Value, json};

use super::core;
use super::core::{ApiError, BILL_NO_DUPLICATE, CHANNEL_INVALID, Call, Reply, payload, require};
use super::error::EmulatorError;
use super::store::{Store, Transfer, TransferKind, WebhookEvent};
use super::validate::{
    alnum, alnum_field, http_url, max_chars, nested_str, new_id, optional_map, positive,
    required_channel, title,
};

/// Full bank names accepted for personal debit cards (`P_DE`).
const PERSONAL_DEBIT_BANKS: &[&str] = &[
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "交通银行",
    "招商银行",
    "中国邮政储蓄银行",
    "中信银行",
    "中国光大银行",
    "华夏银行",
    "中国民生银行",
    "广发银行",
    "平安银行",
    "兴业银行",
    "上海浦东发展银行",
    "北京银行",
    "上海银行",
];
/// Full bank names accepted for personal credit cards (`P_CR`).
const PERSONAL_CREDIT_BANKS: &[&str] = &[
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "交通银行",
    "招商银行",
    "中信银行",
    "中国光大银行",
    "中国民生银行",
    "广发银行",
    "平安银行",
    "兴业银行",
    "上海浦东发展银行",
];
/// Full bank names accepted for corporate accounts (`C`).
const CORPORATE_BANKS: &[&str] = &[
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "交通银行",
    "招商银行",
    "中国邮政储蓄银行",
    "中信银行",
    "中国光大银行",
    "华夏银行",
    "中国民生银行",
    "广发银行",
    "平安银行",
    "兴业银行",
    "上海浦东发展银行",
];

pub(crate) fn banks_of(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "P_DE" => Some(PERSONAL_DEBIT_BANKS),
        "P_CR" => Some(PERSONAL_CREDIT_BANKS),
        "C" => Some(CORPORATE_BANKS),
        _ => None,
    }
}

/// GET `rest/bc_transfer/banks` (unsigned): `size` and `bank_list` of a `type`.
pub(crate) fn bc_transfer_banks(store: &mut Store, call: &Call) -> Reply {
    let kind = call.req_str("type")?;
    let banks =
        banks_of(kind).ok_or_else(|| ApiError::invalid("type", "must be P_DE, P_CR or C"))?;
    let mut reply = Map::from_iter([
        ("size".to_owned(), banks.len().into()),
        ("bank_list".to_owned(), json!(banks)),
    ]);
    // Java's BCPay reads `banks` (its bug; the other SDKs read `bank_list`); a knob adds that copy.
    if store.app.bank_list_copy_as_banks {
        reply.insert("banks".into(), json!(banks));
    }
    Ok(reply)
}

/// POST `rest/bc_transfer`: a payout to a bank card, finished later by the `complete_transfer` hook.
pub(crate) fn bc_transfer(store: &mut Store, call: &Call) -> Reply {
    require(
        call,
        &[
            "total_fee",
            "bill_no",
            "title",
            "trade_source",
            "bank_fullname",
            "card_type",
            "account_type",
            "account_no",
            "account_name",
        ],
    )?;
    let total_fee = positive(call, "total_fee")?;
    let bill_no = alnum_field(call, "bill_no", 8, 32)?;
    let title = title(call)?;
    if call.req_str("trade_source")? != "OUT_PC" {
        return Err(ApiError::invalid("trade_source", "must be OUT_PC"));
    }
    let card_type = call.req_str("card_type")?;
    if !matches!(card_type, "DE" | "CR") {
        return Err(ApiError::invalid("card_type", "must be DE or CR"));
    }
    let bank_kind = match call.req_str("account_type")? {
        "C" => "C",
        "P" if card_type == "DE" => "P_DE",
        "P" => "P_CR",
        _ => return Err(ApiError::invalid("account_type", "must be P or C")),
    };
    let bank = call.req_str("bank_fullname")?;
    if !banks_of(bank_kind).is_some_and(|banks| banks.contains(&bank)) {
        return Err(ApiError::invalid(
            "bank_fullname",
            &format!("must be a full bank name of the {bank_kind} list"),
        ));
    }
    call.req_str("account_no")?;
    call.req_str("account_name")?;
    call.str("mobile")?;
    let optional = optional_map(call)?;
    let notify_url = http_url(call, "notify_url")?.map(str::to_owned);
    card_bill_no_free(store, call, bill_no)?;
    let detail = json!({ "card_type": card_type, "bank_code": bank, "trade_subject": title });
    let mut transfer = new_transfer(
        call,
        TransferKind::Card,
        bill_no,
        total_fee,
        Vec::new(),
        optional,
        detail,
    );
    transfer.listing = listing(
        title,
        call.req_str("account_name")?,
        call.req_str("account_no")?,
        bank,
        notify_url.as_deref(),
    );
    transfer.notify_url = notify_url;
    Ok(push(store, transfer, false))
}

/// `bill_no` is unique per app across bills and every bank-card payout (duplicate ⇒ 17).
pub(crate) fn card_bill_no_free(store: &Store, call: &Call, bill_no: &str) -> Result<(), ApiError> {
    let taken = store
        .bill_index_by_no(call.app_id, call.ns, bill_no)
        .is_some()
        || store
            .transfers_numbered(TransferKind::Card, bill_no)
            .any(|(_, t)| t.app_id == call.app_id);
    if taken {
        return Err(ApiError::new(
            BILL_NO_DUPLICATE,
            format!("bill_no {bill_no} is already used"),
        ));
    }
    Ok(())
}

/// The fields GET `rest/transfers` lists for a bank-card payout, under the names Java's payout query reads.
pub(crate) fn listing(
    title: &str,
    account_name: &str,
    account_no: &str,
    bank_full_name: &str,
    notify_url: Option<&str>,
) -> Map<String, Value> {
    Map::from_iter([
        ("title".to_owned(), title.into()),
        ("account_name".to_owned(), account_name.into()),
        ("account_no".to_owned(), account_no.into()),
        ("bank_full_name".to_owned(), bank_full_name.into()),
        ("notify_url".to_owned(), notify_url.unwrap_or("").into()),
    ])
}

/// A new bank-card payout (any route), waiting for the payout hook.
pub(crate) fn new_card_payout(
    call: &Call,
    bill_no: &str,
    total_fee: i64,
    listing: Map<String, Value>,
    detail: Value,
) -> Result<Transfer, ApiError> {
    let mut transfer = new_transfer(
        call,
        TransferKind::Card,
        bill_no,
        total_fee,
        Vec::new(),
        optional_map(call)?,
        detail,
    );
    transfer.notify_url = listing
        .get("notify_url")
        .and_then(Value::as_str)
        .filter(|url| !url.is_empty())
        .map(str::to_owned);
    transfer.listing = listing;
    Ok(transfer)
}

/// Stores a pending payout; its payload is `{id}`.
pub(crate) fn store_payout(store: &mut Store, transfer: Transfer) -> Map<String, Value> {
    push(store, transfer, false)
}

/// POST `rest/transfer`: WX_REDPACK / WX_TRANSFER are paid at once (no webhook); ALI_TRANSFER waits for the
/// password on its confirmation page.
pub(crate) fn transfer(store: &mut Store, call: &Call) -> Reply {
    let channel = required_channel(call, &["WX_REDPACK", "WX_TRANSFER", "ALI_TRANSFER"])?;
    require(
        call,
        &["transfer_no", "total_fee", "desc", "channel_user_id"],
    )?;
    require(
        call,
        match channel {
            "ALI_TRANSFER" => &["channel_user_name", "account_name"],
            "WX_REDPACK" => &["redpack_info"],
            _ => &[],
        },
    )?;
    let transfer_no = call.req_str("transfer_no")?;
    let (number_ok, fee_range, rule) = match channel {
        "WX_REDPACK" => (
            transfer_no.len() == 10 && transfer_no.bytes().all(|b| b.is_ascii_digit()),
            100..=20_000,
            "10 digits",
        ),
        "WX_TRANSFER" => (
            alnum(transfer_no, 8, 32),
            100..=i64::MAX,
            "8 to 32 letters or digits",
        ),
        _ => (
            alnum(transfer_no, 11, 32),
            1..=i64::MAX,
            "11 to 32 letters or digits",
        ),
    };
    if !number_ok {
        return Err(ApiError::invalid(
            "transfer_no",
            &format!("must be {rule} for {channel}"),
        ));
    }
    let total_fee = call.req_int("total_fee")?;
    if !fee_range.contains(&total_fee) {
        return Err(ApiError::invalid(
            "total_fee",
            &format!("must be within {fee_range:?} for {channel}"),
        ));
    }
    call.req_str("desc")?;
    call.req_str("channel_user_id")?;
    if channel == "WX_REDPACK" {
        let info = call
            .map("redpack_info")?
            .ok_or_else(|| ApiError::missing("redpack_info"))?;
        for (key, max) in [("send_name", 32), ("wishing", 128), ("act_name", 32)] {
            if nested_str(info, "redpack_info", key)?.chars().count() > max {
                return Err(ApiError::invalid(
                    &format!("redpack_info.{key}"),
                    &format!("must be at most {max} characters"),
                ));
            }
        }
    }
    if store
        .transfers_numbered(TransferKind::Single, transfer_no)
        .any(|(_, t)| t.app_id == call.app_id)
    {
        return Err(ApiError::invalid("transfer_no", "is already used"));
    }
    let detail = json!({ "desc": call.req_str("desc")?, "channel_user_id": call.req_str("channel_user_id")? });
    let transfer = new_transfer(
        call,
        TransferKind::Single,
        transfer_no,
        total_fee,
        Vec::new(),
        Value::Null,
        detail,
    );
    let needs_password = channel == "ALI_TRANSFER";
    let payload = push(store, transfer, needs_password);
    if !needs_password {
        if let Some(record) = store.transfers.last_mut() {
            record.finished = true;
            record.succeeded = true;
        }
    }
    Ok(payload)
}

/// POST `rest/transfers`: an Alipay batch confirmed on one page; one TRANSFER webhook per item afterwards.
pub(crate) fn batch_transfer(store: &mut Store, call: &Call) -> Reply {
    let channel = call.req_str("channel")?;
    if channel != "ALI" {
        return Err(ApiError::new(
            CHANNEL_INVALID,
            "batch transfers support channel ALI only",
        ));
    }
    require(call, &["batch_no", "account_name", "transfer_data"])?;
    let batch_no = alnum_field(call, "batch_no", 11, 32)?;
    max_chars(call, "account_name", 100)?;
    let data = call
        .list("transfer_data")?
        .ok_or_else(|| ApiError::missing("transfer_data"))?;
    if data.is_empty() {
        return Err(ApiError::missing("transfer_data"));
    }
    let mut items: Vec<(String, i64)> = Vec::with_capacity(data.len());
    for item in data {
        let item = item
            .as_object()
            .ok_or_else(|| ApiError::invalid("transfer_data", "items must be objects"))?;
        let transfer_id = nested_str(item, "transfer_data", "transfer_id")?;
        nested_str(item, "transfer_data", "receiver_account")?;
        nested_str(item, "transfer_data", "receiver_name")?;
        let fee = match item.get("transfer_fee") {
            None | Some(Value::Null) => {
                return Err(ApiError::missing("transfer_data.transfer_fee"));
            }
            Some(fee) => fee.as_i64().filter(|f| *f > 0),
        }
        .ok_or_else(|| ApiError::invalid("transfer_data.transfer_fee", "must be an integer > 0"))?;
        if items.iter().any(|(id, _)| id == transfer_id) {
            return Err(ApiError::invalid(
                "transfer_data.transfer_id",
                "must be unique within the batch",
            ));
        }
        items.push((transfer_id.to_owned(), fee));
    }
    if store
        .transfers_numbered(TransferKind::Batch, batch_no)
        .any(|(_, t)| t.app_id == call.app_id)
    {
        return Err(ApiError::invalid("batch_no", "is already used"));
    }
    let total = items.iter().map(|(_, fee)| fee).sum();
    let transfer = new_transfer(
        call,
        TransferKind::Batch,
        batch_no,
        total,
        items,
        Value::Null,
        Value::Null,
    );
    Ok(push(store, transfer, true))
}

fn new_transfer(
    call: &Call,
    kind: TransferKind,
    number: &str,
    total_fee: i64,
    items: Vec<(String, i64)>,
    optional: Value,
    detail: Value,
) -> Transfer {
    Transfer {
        id: new_id(),
        app_id: call.app_id.to_owned(),
        kind,
        number: number.to_owned(),
        total_fee,
        items,
        optional,
        detail,
        notify_url: None,
        listing: Map::new(),
        finished: false,
        succeeded: false,
        trade_no: String::new(),
        create_time: call.now_ms,
    }
}

/// Stores the transfer; the payload carries its `id` and, when it needs confirming, the page `url`.
fn push(store: &mut Store, transfer: Transfer, with_url: bool) -> Map<String, Value> {
    let mut reply = payload("id", transfer.id.clone());
    if with_url {
        reply.insert(
            "url".into(),
            core::page_url(&store.base_url, &transfer.id).into(),
        );
    }
    store.insert_transfer(transfer);
    reply
}

/// Finishes a pending transfer found by id or number and sends its TRANSFER webhook(s).
pub(crate) fn complete_transfer(store: &mut Store, id_or_no: &str) -> Result<(), EmulatorError> {
    finish_transfer(store, id_or_no, true)
}

/// Ends a pending transfer as a success or a failure: a failed bank-card payout is pushed with
/// `trade_success` false and `trade_status` `REFU` (the PHP demo branches on `trade_success` for payouts) unless
/// `push_transfer_failures` is off; other failed
/// payouts are not pushed (BeeCloud pushes successes only there).
pub(crate) fn finish_transfer(
    store: &mut Store,
    id_or_no: &str,
    success: bool,
) -> Result<(), EmulatorError> {
    let index = store
        .transfer_index(id_or_no)
        .or_else(|| {
            [
                TransferKind::Card,
                TransferKind::Single,
                TransferKind::Batch,
            ]
            .into_iter()
            .find_map(|kind| {
                store
                    .transfers_numbered(kind, id_or_no)
                    .find(|(_, t)| !t.finished)
                    .map(|(i, _)| i)
            })
        })
        .ok_or_else(|| EmulatorError::not_found(format!("no transfer {id_or_no}")))?;
    if store.transfers[index].finished {
        return Err(EmulatorError::conflict(format!(
            "transfer {id_or_no} is already finished"
        )));
    }
    let serial = store.next_serial();
    let transfer = &mut store.transfers[index];
    transfer.finished = true;
    transfer.succeeded = success;
    let trade_no = format!("T{}{serial:08}", transfer.create_time);
    if success {
        transfer.trade_no = trade_no.clone();
    }
    let pushed =
        success || (transfer.kind == TransferKind::Card && store.app.push_transfer_failures);
    let notify_url = transfer.notify_url.clone();
    let (channel_type, sub_channel_type) = match transfer.kind {
        TransferKind::Card => ("BC", "BC_TRANSFER"),
        _ => ("ALI", "ALI_TRANSFER"),
    };
    let payouts: Vec<(String, i64)> = match transfer.kind {
        TransferKind::Batch => transfer.items.clone(),
        _ => vec![(transfer.number.clone(), transfer.total_fee)],
    };
    let events: Vec<WebhookEvent> = payouts
        .into_iter()
        .map(|(transaction_id, fee)| {
            let mut message_detail = json!({
                "trade_status": if success { "FINI" } else { "REFU" },
                "out_trade_no": transaction_id,
                "trade_amount": fee,
                "trade_no": trade_no,
            });
            if let (Some(detail), Some(extra)) =
                (message_detail.as_object_mut(), transfer.detail.as_object())
            {
                detail.extend(extra.clone());
            }
            WebhookEvent {
                ns: super::core::Namespace::Live,
                notify_url: notify_url.clone(),
                transaction_type: "TRANSFER",
                channel_type: channel_type.into(),
                sub_channel_type: sub_channel_type.into(),
                transaction_id,
                transaction_fee: fee,
                trade_success: success,
                optional: transfer.optional.clone(),
                message_detail,
                channel_transaction_id: trade_no.clone(),
                subscription_sign: false,
            }
        })
        .collect();
    for event in events.into_iter().filter(|_| pushed) {
        store.emit_webhook(event);
    }
    Ok(())
}
