//! Bill and refund queries: lists, counts and by-id lookups.

use serde_json::Value;

use super::core::{ApiError, CHANNEL_INVALID, Call, NO_SUCH_REFUND, Reply, bills_limit, payload};
use super::payments::no_such_bill;
use super::store::{Approval, Bill, Refund, Store};
use super::validate::{INTERNATIONAL_CHANNELS, OFFLINE_CHANNELS, PARENT_CHANNELS, PAY_CHANNELS};

/// Exact-match text filters of bill queries.
const BILL_TEXT_FILTERS: &[&str] = &[
    "bill_no",
    "buyer_id",
    "seller_id",
    "store_id",
    "operator_id",
];
/// Exact-match text filters of refund queries.
const REFUND_TEXT_FILTERS: &[&str] = &["bill_no", "refund_no"];

/// The filters of one query, read and validated before any record is looked at.
struct Criteria {
    channel: Option<String>,
    texts: Vec<(&'static str, String)>,
    flags: Vec<(&'static str, bool)>,
    start_time: Option<i64>,
    end_time: Option<i64>,
}

impl Criteria {
    fn read(
        call: &Call,
        text_filters: &[&'static str],
        flag_filters: &[&'static str],
    ) -> Result<Criteria, ApiError> {
        let channel = match call.str("channel")?.filter(|c| !c.is_empty()) {
            Some(c) if PARENT_CHANNELS.contains(&c) || is_sub_channel(c) => Some(c.to_owned()),
            Some(c) => {
                return Err(ApiError::new(
                    CHANNEL_INVALID,
                    format!("channel {c} is not valid here"),
                ));
            }
            None => None,
        };
        let mut texts = Vec::new();
        for name in text_filters {
            if let Some(value) = call.str(name)?.filter(|v| !v.is_empty()) {
                texts.push((*name, value.to_owned()));
            }
        }
        let mut flags = Vec::new();
        for name in flag_filters {
            if let Some(value) = call.bool(name)? {
                flags.push((*name, value));
            }
        }
        Ok(Criteria {
            channel,
            texts,
            flags,
            start_time: call.int("start_time")?,
            end_time: call.int("end_time")?,
        })
    }

    /// A parent channel matches the record's `channel`, a sub-channel its `sub_channel`.
    fn channel_matches(&self, channel: &str, sub_channel: &str) -> bool {
        match &self.channel {
            Some(wanted) if PARENT_CHANNELS.contains(&wanted.as_str()) => wanted == channel,
            Some(wanted) => wanted == sub_channel,
            None => true,
        }
    }

    /// Creation time within `start_time`..=`end_time`.
    fn created_in_range(&self, create_time: i64) -> bool {
        self.start_time.is_none_or(|t| create_time >= t)
            && self.end_time.is_none_or(|t| create_time <= t)
    }

    fn texts_match(&self, value_of: impl Fn(&str) -> Option<String>) -> bool {
        self.texts
            .iter()
            .all(|(name, wanted)| value_of(name).as_deref() == Some(wanted.as_str()))
    }

    fn flags_match(&self, value_of: impl Fn(&str) -> bool) -> bool {
        self.flags
            .iter()
            .all(|(name, wanted)| value_of(name) == *wanted)
    }
}

fn is_sub_channel(channel: &str) -> bool {
    [PAY_CHANNELS, OFFLINE_CHANNELS, INTERNATIONAL_CHANNELS]
        .iter()
        .any(|set| set.contains(&channel))
        || channel == "BC_SUBSCRIPTION"
}

fn bill_matches(bill: &Bill, criteria: &Criteria) -> bool {
    criteria.channel_matches(&bill.channel, &bill.sub_channel)
        && criteria.created_in_range(bill.create_time)
        && criteria.texts_match(|name| match name {
            "bill_no" => Some(bill.bill_no.clone()),
            "buyer_id" => bill.buyer_id.clone(),
            "seller_id" => bill.seller_id.clone(),
            "store_id" => bill.store_id.clone(),
            _ => bill.operator_id.clone(),
        })
        && criteria.flags_match(|name| match name {
            "spay_result" => bill.spay_result,
            _ => bill.refund_result,
        })
}

fn refund_matches(refund: &Refund, criteria: &Criteria) -> bool {
    criteria.channel_matches(&refund.channel, &refund.sub_channel)
        && criteria.created_in_range(refund.create_time)
        && criteria.texts_match(|name| match name {
            "bill_no" => Some(refund.bill_no.clone()),
            _ => Some(refund.refund_no.clone()),
        })
        // need_approval: true ⇒ pre-refunds only, false ⇒ direct refunds only.
        && criteria.flags_match(|_| refund.approval != Approval::Direct)
}

/// The bills of the caller's app and namespace matching the query, newest first, lazily: a page stops after
/// `skip + limit` matches. A `bill_no` filter is answered from the index.
fn matching_bills<'s>(
    store: &'s Store,
    call: &'s Call,
) -> Result<Box<dyn Iterator<Item = &'s Bill> + 's>, ApiError> {
    let criteria = Criteria::read(call, BILL_TEXT_FILTERS, &["spay_result", "refund_result"])?;
    let keep =
        move |b: &&Bill| b.app_id == call.app_id && b.ns == call.ns && bill_matches(b, &criteria);
    Ok(match call.str("bill_no")?.filter(|n| !n.is_empty()) {
        Some(bill_no) => Box::new(
            store
                .bill_index_by_no(call.app_id, call.ns, bill_no)
                .map(|i| &store.bills[i])
                .into_iter()
                .filter(keep),
        ),
        None => Box::new(store.bills_newest_first().filter(keep)),
    })
}

fn matching_refunds<'s>(
    store: &'s Store,
    call: &'s Call,
) -> Result<impl Iterator<Item = &'s Refund> + 's, ApiError> {
    let criteria = Criteria::read(call, REFUND_TEXT_FILTERS, &["need_approval"])?;
    Ok(store
        .refunds_newest_first()
        .filter(move |r| r.app_id == call.app_id && refund_matches(r, &criteria)))
}

/// One page of `records` rendered by `render` under `key`.
fn page<T>(
    call: &Call,
    strict: bool,
    key: &str,
    records: impl Iterator<Item = T>,
    render: impl Fn(T, bool) -> Value,
) -> Reply {
    let (skip, limit) = bills_limit(call, strict)?;
    let need_detail = call.bool("need_detail")?.unwrap_or(false);
    let list: Vec<Value> = records
        .skip(skip)
        .take(limit)
        .map(|r| render(r, need_detail))
        .collect();
    Ok(payload(key, list))
}

fn count(n: usize) -> Reply {
    Ok(payload("count", n))
}

/// GET `rest/bills` and `rest/sandbox/bills`.
pub(crate) fn query_bills(store: &mut Store, call: &Call) -> Reply {
    page(
        call,
        store.app.strict_query_limit,
        "bills",
        matching_bills(store, call)?,
        bill_json,
    )
}

/// GET `rest/bills/count` and `rest/sandbox/bills/count` (paging and detail fields are ignored).
pub(crate) fn count_bills(store: &mut Store, call: &Call) -> Reply {
    count(matching_bills(store, call)?.count())
}

/// GET `rest/refunds`.
pub(crate) fn query_refunds(store: &mut Store, call: &Call) -> Reply {
    let refunds = matching_refunds(store, call)?;
    page(
        call,
        store.app.strict_query_limit,
        "refunds",
        refunds,
        |r, detail| refund_json(store, r, detail),
    )
}

/// GET `rest/refunds/count`.
pub(crate) fn count_refunds(store: &mut Store, call: &Call) -> Reply {
    count(matching_refunds(store, call)?.count())
}

/// GET `rest/bill/{id}` and `rest/sandbox/bill/{id}`: `pay`, detail included.
pub(crate) fn bill_by_id(store: &mut Store, call: &Call) -> Reply {
    let id = call.path_id()?;
    let index = store
        .bill_index_by_id(call.app_id, call.ns, id)
        .ok_or_else(|| no_such_bill(id))?;
    Ok(payload("pay", bill_json(&store.bills[index], true)))
}

/// GET `rest/refund/{id}`: `refund`, detail included.
pub(crate) fn refund_by_id(store: &mut Store, call: &Call) -> Reply {
    let id = call.path_id()?;
    let refund = store
        .refund_index(id)
        .map(|i| &store.refunds[i])
        .filter(|r| r.app_id == call.app_id)
        .ok_or_else(|| ApiError::new(NO_SUCH_REFUND, format!("no refund {id}")))?;
    Ok(payload("refund", refund_json(store, refund, true)))
}

/// GET `rest/sandbox/refunds`, which only the iOS SDK 3.6 calls: the sandbox has no refunds (iOS refuses its
/// pre-refunds locally).
pub(crate) fn sandbox_refunds(_store: &mut Store, call: &Call) -> Reply {
    bills_limit(call, false)?;
    Ok(payload("refunds", Value::Array(Vec::new())))
}

/// GET `rest/sandbox/refunds/count`.
pub(crate) fn sandbox_refund_count(_store: &mut Store, _call: &Call) -> Reply {
    count(0)
}

/// GET `rest/sandbox/refund/{id}` and `rest/sandbox/refund/status`: no such refund.
pub(crate) fn sandbox_refund_by_id(_store: &mut Store, call: &Call) -> Reply {
    let key = call.id.or(call.str("refund_no")?).unwrap_or_default();
    Err(ApiError::new(
        NO_SUCH_REFUND,
        format!("no sandbox refund {key}"),
    ))
}

/// `optional` / `message_detail` are JSON text in query results, as the REST docs type them.
fn json_text(value: &Value) -> Value {
    Value::String(value.to_string())
}

/// The bill JSON of query results.
pub(crate) fn bill_json(bill: &Bill, need_detail: bool) -> Value {
    let mut json = serde_json::json!({
        "id": bill.id,
        "bill_no": bill.bill_no,
        "bill_fee": bill.bill_fee,
        "total_fee": bill.total_fee,
        "discount": bill.discount,
        "coupon_id": bill.coupon_id,
        "trade_no": bill.trade_no,
        "channel": bill.channel,
        "sub_channel": bill.sub_channel,
        "title": bill.title,
        "buyer_id": bill.buyer_id,
        "seller_id": bill.seller_id,
        "store_id": bill.store_id,
        "operator_id": bill.operator_id,
        "spay_result": bill.spay_result,
        "create_time": bill.create_time,
        "optional": json_text(&bill.optional),
        "revert_result": bill.revert_result,
        "refund_result": bill.refund_result,
    });
    if need_detail {
        json["message_detail"] = json_text(&bill.message_detail);
    }
    json
}

/// The refund JSON of query results (`total_fee` and `title` are the bill's).
fn refund_json(store: &Store, refund: &Refund, need_detail: bool) -> Value {
    let bill = store.bill(&refund.bill_id);
    let mut json = serde_json::json!({
        "id": refund.id,
        "bill_no": refund.bill_no,
        "refund_no": refund.refund_no,
        "total_fee": bill.map_or(0, |b| b.total_fee),
        "refund_fee": refund.refund_fee,
        "title": bill.map_or("", |b| b.title.as_str()),
        "channel": refund.channel,
        "sub_channel": refund.sub_channel,
        "finish": refund.finish,
        "result": refund.result,
        "optional": json_text(&refund.optional),
        "create_time": refund.create_time,
    });
    if need_detail {
        json["message_detail"] = json_text(&refund.message_detail);
    }
    json
}
