//! Bank-card payouts beyond `bc_transfer`, which only the Java, PHP and .NET SDKs send: T0 and T1 with their
//! body `signature`, Chanpay (CJ) and JD payouts, the T1, JD and online-gateway bank lists, and the payout
//! query. Every payout is a [`TransferKind::Card`] record: the payout hooks finish it
//! (PROCESSING ⇒ SUCCESS / FAIL) and push its TRANSFER webhook, failures included.

use serde_json::{Map, Value, json};

use super::core::{
    APP_INVALID, ApiError, CHANNEL_INVALID, Call, MISS_PARAM, Reply, payload, require,
};
use super::store::{Store, Transfer, TransferKind};
use super::transfers::{self, banks_of, card_bill_no_free, listing, new_card_payout};
use super::validate::{alnum, alnum_field, http_url, title};

/// Credit-card banks of BC_GATEWAY (`card_type` `1`; PHP `config::get_bank`).
const GATEWAY_CREDIT_BANKS: &[&str] = &[
    "工商银行",
    "建设银行",
    "中国银行",
    "农业银行",
    "交通银行",
    "邮政储蓄银行",
    "招商银行",
    "中信银行",
    "浦发银行",
    "兴业银行",
    "民生银行",
    "光大银行",
    "平安银行",
    "华夏银行",
    "广发银行",
    "上海银行",
    "宁波银行",
    "杭州银行",
    "青岛银行",
    "北京银行",
    "浙江稠州银行",
];
/// Debit-card banks of BC_GATEWAY (`card_type` `2`), also the default T1 list.
pub(crate) const GATEWAY_DEBIT_BANKS: &[&str] = &[
    "工商银行",
    "建设银行",
    "中国银行",
    "农业银行",
    "交通银行",
    "邮政储蓄银行",
    "招商银行",
    "中信银行",
    "浦发银行",
    "兴业银行",
    "民生银行",
    "光大银行",
    "平安银行",
    "华夏银行",
    "北京银行",
    "广发银行",
    "上海银行",
    "北京农商行",
    "重庆农商行",
    "上海农商行",
    "南京银行",
    "宁波银行",
    "杭州银行",
    "成都银行",
    "青岛银行",
    "恒丰银行",
    "渤海银行",
    "厦门银行",
    "陕西信合",
    "浙江稠州银行",
    "贵州农信",
];
/// Banks a CJ payout may name (the .NET SDK model's list).
const CJ_BANKS: &[&str] = &[
    "中国工商银行",
    "中国农业银行",
    "中国银行",
    "中国建设银行",
    "交通银行",
    "招商银行",
    "中国民生银行",
    "中国光大银行",
    "兴业银行",
    "中国邮政储蓄银行",
    "广发银行",
    "上海浦东发展银行",
    "浦发银行",
    "华夏银行",
];

/// The banks of the gateway list for a `card_type` (`None`: both lists).
pub(crate) fn gateway_banks(card_type: Option<&str>) -> Vec<&'static str> {
    match card_type {
        Some("1") => GATEWAY_CREDIT_BANKS.to_vec(),
        Some("2") => GATEWAY_DEBIT_BANKS.to_vec(),
        _ => {
            let mut all = GATEWAY_CREDIT_BANKS.to_vec();
            all.extend(
                GATEWAY_DEBIT_BANKS
                    .iter()
                    .filter(|b| !GATEWAY_CREDIT_BANKS.contains(b)),
            );
            all
        }
    }
}

/// A BC_GATEWAY pay names a bank of the list for its `card_type` (`1`/`2`; absent: either list) — a bank name,
/// as the server has taken since December 2016 — or, with
/// [`accept_legacy_gateway_codes`](super::EmulatorConfig::accept_legacy_gateway_codes), one of Python's 17
/// codes (`CMB`…); else 5.
pub(crate) fn check_gateway_bank(store: &Store, call: &Call) -> Result<(), ApiError> {
    let bank = call.req_str("bank")?;
    let card_type = call.str("card_type")?.filter(|c| !c.is_empty());
    if card_type.is_some_and(|c| !matches!(c, "1" | "2")) {
        return Err(ApiError::invalid(
            "card_type",
            "must be 1 (credit) or 2 (debit)",
        ));
    }
    let legacy = store.app.accept_legacy_gateway_codes
        && crate::query::BC_GATEWAY_BANKS
            .iter()
            .any(|(code, _)| *code == bank);
    let listed = match b2b_banks(store, call)? {
        Some(b2b) => b2b.iter().any(|b| b == bank),
        None => gateway_banks(card_type).contains(&bank),
    };
    if legacy || listed {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "bank",
            "must be a bank name of GET rest/bc_gateway/banks for the card_type",
        ))
    }
}

fn banks_payload(banks: &[&str]) -> Map<String, Value> {
    payload("banks", json!(banks))
}

/// GET `rest/bc_gateway/banks`: `card_type` `1`/`2` R, `pay_type` `B2C`/`B2B` O (B2B: the B2C lists unless
/// [`gateway_b2b_banks`](super::EmulatorConfig::gateway_b2b_banks) names its own: no source lists B2B banks).
pub(crate) fn gateway_bank_list(store: &mut Store, call: &Call) -> Reply {
    let card_type = call.req_str("card_type")?;
    if !matches!(card_type, "1" | "2") {
        return Err(ApiError::invalid(
            "card_type",
            "must be 1 (credit) or 2 (debit)",
        ));
    }
    if call
        .str("pay_type")?
        .is_some_and(|p| !matches!(p, "B2C" | "B2B"))
    {
        return Err(ApiError::invalid("pay_type", "must be B2C or B2B"));
    }
    match b2b_banks(store, call)? {
        Some(b2b) => Ok(payload("banks", json!(b2b))),
        None => Ok(banks_payload(&gateway_banks(Some(card_type)))),
    }
}

/// The configured B2B list when the call names `pay_type` `B2B`; `None` ⇒ the B2C lists.
fn b2b_banks<'s>(store: &'s Store, call: &Call) -> Result<Option<&'s [String]>, ApiError> {
    Ok(match call.str("pay_type")? {
        Some("B2B") => store.app.gateway_b2b_banks.as_deref(),
        _ => None,
    })
}

/// GET `rest/t1express/transfer/banks`: the banks a T1 payout may name.
pub(crate) fn t1_bank_list(_store: &mut Store, _call: &Call) -> Reply {
    Ok(banks_payload(GATEWAY_DEBIT_BANKS))
}

/// GET `rest/bc_user_transfer/banks`: bc_transfer's lists under `banks`; `type` absent ⇒ `P_DE`.
pub(crate) fn jd_bank_list(_store: &mut Store, call: &Call) -> Reply {
    let kind = call
        .str("type")?
        .filter(|t| !t.is_empty())
        .unwrap_or("P_DE");
    let banks =
        banks_of(kind).ok_or_else(|| ApiError::invalid("type", "must be P_DE, P_CR or C"))?;
    Ok(banks_payload(banks))
}

/// The amount's text as received (an integer's digits, a string verbatim: PHP passes a caller's `"100"` through),
/// then the amount as a positive integer (else 5).
fn amount(call: &Call, name: &str) -> Result<(String, i64), ApiError> {
    let (text, value) = match call.fields.get(name) {
        None | Some(Value::Null) => return Err(ApiError::missing(name)),
        Some(Value::String(s)) if s.is_empty() => return Err(ApiError::missing(name)),
        Some(Value::String(s)) => (s.clone(), s.parse::<i64>().ok()),
        Some(Value::Number(n)) => (n.to_string(), n.as_i64()),
        Some(_) => (String::new(), None),
    };
    match value {
        Some(v) if v > 0 => Ok((text, v)),
        _ => Err(ApiError::invalid(name, "must be an integer > 0 (fen)")),
    }
}

/// The payout `signature` of T0/T1: present (4), then after the required fields, equal in constant time
/// to md5(app_id + bill_no + amount + bank_account_no + master_secret) (else 1).
fn check_payout_signature(store: &Store, call: &Call, amount_text: &str) -> Result<(), ApiError> {
    let received = call.req_str("signature")?;
    let expected = crate::sign::payout_signature(
        call.app_id,
        call.req_str("bill_no")?,
        amount_text,
        call.req_str("bank_account_no")?,
        &store.app.master_secret,
    );
    if crate::sign::signatures_match(received, &expected) {
        Ok(())
    } else {
        Err(ApiError::new(
            APP_INVALID,
            "signature does not match the master secret",
        ))
    }
}

/// A string field holding one of `allowed`, or the equal JSON integer (PHP compares loosely).
fn code_field(call: &Call, name: &str, allowed: &[&str]) -> Result<String, ApiError> {
    let text = match call.fields.get(name) {
        Some(Value::Number(n)) => n.to_string(),
        _ => call.req_str(name)?.to_owned(),
    };
    if allowed.contains(&text.as_str()) {
        Ok(text)
    } else {
        Err(ApiError::invalid(
            name,
            &format!("must be one of {allowed:?}"),
        ))
    }
}

/// POST `rest/gateway/bc_transfer`: a T0 payout, authenticated by its body `signature`.
pub(crate) fn t0_transfer(store: &mut Store, call: &Call) -> Reply {
    require(call, &["signature"])?;
    require(
        call,
        &[
            "withdraw_amount",
            "bill_no",
            "transfer_type",
            "bank_name",
            "bank_account_no",
            "bank_account_name",
            "bank_code",
            "note",
        ],
    )?;
    let (amount_text, withdraw_amount) = amount(call, "withdraw_amount")?;
    check_payout_signature(store, call, &amount_text)?;
    let bill_no = alnum_field(call, "bill_no", 8, 32)?;
    let transfer_type = code_field(call, "transfer_type", &["1", "2"])?;
    let notify_url = http_url(call, "notify_url")?;
    card_bill_no_free(store, call, bill_no)?;
    let bank_name = call.req_str("bank_name")?;
    let record = listing(
        call.req_str("note")?,
        call.req_str("bank_account_name")?,
        call.req_str("bank_account_no")?,
        bank_name,
        notify_url,
    );
    let detail = json!({ "transfer_type": transfer_type, "bank_code": call.req_str("bank_code")? });
    let transfer = new_card_payout(call, bill_no, withdraw_amount, record, detail)?;
    Ok(transfers::store_payout(store, transfer))
}

/// POST `rest/t1express/transfer`: a T1 payout, authenticated by its body `signature`; no `notify_url` (no SDK
/// sends one), so its push goes to the live URL.
pub(crate) fn t1_transfer(store: &mut Store, call: &Call) -> Reply {
    require(call, &["signature"])?;
    require(
        call,
        &[
            "total_fee",
            "bill_no",
            "is_personal",
            "bank_name",
            "bank_account_no",
            "bank_account_name",
        ],
    )?;
    let (amount_text, total_fee) = amount(call, "total_fee")?;
    check_payout_signature(store, call, &amount_text)?;
    let bill_no = alnum_field(call, "bill_no", 8, 32)?;
    let is_personal = code_field(call, "is_personal", &["0", "1"])?;
    let bank_name = call.req_str("bank_name")?;
    if !GATEWAY_DEBIT_BANKS.contains(&bank_name) {
        return Err(ApiError::invalid(
            "bank_name",
            "must be a bank of the T1 bank list",
        ));
    }
    card_bill_no_free(store, call, bill_no)?;
    let record = listing(
        "",
        call.req_str("bank_account_name")?,
        call.req_str("bank_account_no")?,
        bank_name,
        None,
    );
    let transfer = new_card_payout(
        call,
        bill_no,
        total_fee,
        record,
        json!({ "is_personal": is_personal }),
    )?;
    Ok(transfers::store_payout(store, transfer))
}

/// POST `rest/cj_transfer`: a Chanpay payout, master-signed.
pub(crate) fn cj_transfer(store: &mut Store, call: &Call) -> Reply {
    require(
        call,
        &[
            "total_fee",
            "bill_no",
            "title",
            "bank_name",
            "bank_branch",
            "province",
            "city",
            "card_type",
            "card_attribute",
            "bank_account_no",
            "account_name",
        ],
    )?;
    let (_, total_fee) = amount(call, "total_fee")?;
    let bill_no = alnum_field(call, "bill_no", 8, 32)?;
    let title = title(call)?;
    let card_type = code_field(call, "card_type", &["DEBIT", "CREDIT"])?;
    let card_attribute = code_field(call, "card_attribute", &["B", "C"])?;
    let bank_name = call.req_str("bank_name")?;
    if !CJ_BANKS.contains(&bank_name) {
        return Err(ApiError::invalid(
            "bank_name",
            "must be a bank of the Chanpay list",
        ));
    }
    card_bill_no_free(store, call, bill_no)?;
    let record = listing(
        title,
        call.req_str("account_name")?,
        call.req_str("bank_account_no")?,
        bank_name,
        None,
    );
    let detail = json!({
        "card_type": card_type, "card_attribute": card_attribute,
        "bank_branch": call.req_str("bank_branch")?, "province": call.req_str("province")?,
        "city": call.req_str("city")?,
    });
    let transfer = new_card_payout(call, bill_no, total_fee, record, detail)?;
    Ok(transfers::store_payout(store, transfer))
}

/// POST `rest/bc_user_transfer`: a JD payout, `channel` `JD_TRANSFER` (missing ⇒ 4, other ⇒ 3), then
/// every rule of `bc_transfer`.
pub(crate) fn jd_transfer(store: &mut Store, call: &Call) -> Reply {
    match call.str("channel")? {
        None | Some("") => return Err(ApiError::new(MISS_PARAM, "channel is required")),
        Some("JD_TRANSFER") => {}
        Some(other) => {
            return Err(ApiError::new(
                CHANNEL_INVALID,
                format!("channel {other} is not JD_TRANSFER"),
            ));
        }
    }
    transfers::bc_transfer(store, call)
}

/// `transfer_status` of a payout record.
fn status_of(transfer: &Transfer) -> &'static str {
    match (transfer.finished, transfer.succeeded) {
        (false, _) => "PROCESSING",
        (true, true) => "SUCCESS",
        (true, false) => "FAIL",
    }
}

/// The bank-card payouts of the caller's app matching the query's filters (all must hold), newest first (then by
/// id).
fn matching_payouts<'s>(store: &'s Store, call: &Call) -> Result<Vec<&'s Transfer>, ApiError> {
    let bill_no = call.str("bill_no")?.filter(|b| !b.is_empty());
    if bill_no.is_some_and(|b| !alnum(b, 8, 32)) {
        return Err(ApiError::invalid(
            "bill_no",
            "must be 8 to 32 letters or digits",
        ));
    }
    let status = call.str("transfer_status")?.filter(|s| !s.is_empty());
    if status.is_some_and(|s| !matches!(s, "SUCCESS" | "FAIL" | "PROCESSING")) {
        return Err(ApiError::invalid(
            "transfer_status",
            "must be SUCCESS, FAIL or PROCESSING",
        ));
    }
    let (start, end) = (call.int("start_time")?, call.int("end_time")?);
    let mut hits: Vec<&Transfer> = store
        .transfers
        .iter()
        .filter(|t| t.kind == TransferKind::Card && t.app_id == call.app_id)
        .filter(|t| bill_no.is_none_or(|b| t.number == b))
        .filter(|t| status.is_none_or(|s| status_of(t) == s))
        .filter(|t| {
            start.is_none_or(|s| t.create_time >= s) && end.is_none_or(|e| t.create_time <= e)
        })
        .collect();
    hits.sort_by(|a, b| {
        b.create_time
            .cmp(&a.create_time)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(hits)
}

/// One payout record as GET `rest/transfers` lists it (the keys Java's payout query reads).
fn payout_json(transfer: &Transfer, need_detail: bool) -> Value {
    let mut record = Map::from_iter([
        ("id".to_owned(), transfer.id.clone().into()),
        ("bill_no".to_owned(), transfer.number.clone().into()),
        ("total_fee".to_owned(), transfer.total_fee.into()),
        (
            "spay_result".to_owned(),
            (transfer.finished && transfer.succeeded).into(),
        ),
        ("trade_no".to_owned(), transfer.trade_no.clone().into()),
        ("optional".to_owned(), transfer.optional.to_string().into()),
        ("create_time".to_owned(), transfer.create_time.into()),
        ("transfer_status".to_owned(), status_of(transfer).into()),
    ]);
    record.extend(transfer.listing.clone());
    if need_detail {
        let detail = json!({ "status": status_of(transfer), "detail": transfer.detail });
        record.insert("message_detail".into(), detail.to_string().into());
    }
    Value::Object(record)
}

/// GET `rest/transfers`: one page under `bills`; `skip` ≥ 0, `limit` in 10..=50 as bill queries.
pub(crate) fn query_payouts(store: &mut Store, call: &Call) -> Reply {
    let hits = matching_payouts(store, call)?;
    let (skip, limit) = super::core::bills_limit(call, store.app.strict_query_limit)?;
    let need_detail = call.bool("need_detail")?.unwrap_or(false);
    let page: Vec<Value> = hits
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|t| payout_json(t, need_detail))
        .collect();
    Ok(payload("bills", page))
}

/// GET `rest/transfers/count`: `count` of the matches (paging and detail fields ignored).
pub(crate) fn count_payouts(store: &mut Store, call: &Call) -> Reply {
    Ok(payload("count", matching_payouts(store, call)?.len()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_payout_signature_matches_the_own_vectors_of_a4_0() {
        let sign = |bill_no: &str| {
            crate::sign::payout_signature("AID", bill_no, "100", "6222000011112222", "MSEC")
        };
        assert_eq!(sign("20170517T0001"), "9f7d97d4629bbc13851f4c804adddfbe");
        assert_eq!(sign("20170710T1001"), "fb61596ab12e111ebf093f816e01e50f");
    }
}
