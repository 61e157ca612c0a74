//! Plans, subscriptions, subscription banks, SMS pass-codes and card-factor auth.
//!
//! Records are kept per `app_id` (test-secret calls from test-mode clients share them with live
//! calls: the Python SDK in test mode signs these live routes with the test secret);
//! a subscription remembers the namespace of the call that created it, which picks the URL of its
//! verification webhook (the route table runs this family in the live namespace).
//!
//! Subscription `status` values are the emulator's (the docs name none): `pending` (card awaiting verification),
//! `active`, `trialing`, `failed` (verification failed), `canceling` (`at_period_end`), `canceled`.

use serde_json::{Map, Value, json};

use super::accounts::{Card, Subscription, Subscriptions, last4};
use super::core::{ApiError, Call, Criterion, ListSpec, Reply, Row, list_query, payload, require};
use super::coupons;
use super::error::EmulatorError;
use super::identity::{CardFields, find_sms, known_card, opt_string, register_card};
use super::plans::{CREATED, plan_index};
use super::store::{Bill, Store, WebhookEvent};
use super::validate::{beijing_date, new_id};

/// Every bank a subscription card may belong to (the emulator's list; includes the common ones).
pub(crate) const BANKS: &[&str] = &[
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "招商银行",
    "交通银行",
    "中国邮政储蓄银行",
    "中信银行",
    "中国光大银行",
    "华夏银行",
    "中国民生银行",
    "广发银行",
    "平安银行",
    "兴业银行",
    "浦发银行",
];

/// The banks shown first to buyers (the emulator's list).
pub(crate) const COMMON_BANKS: &[&str] = &[
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "招商银行",
];

const SUBSCRIPTION_LIST: ListSpec<'static> = ListSpec {
    key: "subscriptions",
    criteria: &[
        CREATED[0],
        CREATED[1],
        Criterion::StrEq("buyer_id", "/buyer_id"),
        Criterion::StrEq("plan_id", "/plan_id"),
        Criterion::StrEq("card_id", "/card_id"),
    ],
    paged: true,
};

fn subscription_index(store: &Store, app_id: &str, id: &str) -> Result<usize, ApiError> {
    store
        .subscriptions
        .subscriptions
        .iter()
        .position(|s| s.id == id && s.app_id == app_id)
        .ok_or_else(|| ApiError::invalid("id", "no such subscription"))
}

fn subscription_row(subs: &Subscriptions, sub: &Subscription) -> Row {
    sub.row(subs.cards.get(&sub.card_id))
}

/// `active` or, while a trial runs, `trialing`.
fn running_status(trial_end: Option<i64>, trial_days: i64, now_ms: i64) -> &'static str {
    let trialing = match trial_end {
        Some(end) => end > now_ms,
        None => trial_days > 0,
    };
    if trialing { "trialing" } else { "active" }
}

fn check_bank(bank_name: Option<&str>) -> Result<(), ApiError> {
    match bank_name {
        Some(bank) if !BANKS.contains(&bank) => {
            Err(ApiError::invalid("bank_name", "not a supported bank"))
        }
        _ => Ok(()),
    }
}

fn check_amount(amount: Option<f64>) -> Result<(), ApiError> {
    match amount {
        Some(a) if !a.is_finite() || a < 0.0 => {
            Err(ApiError::invalid("amount", "must be a number >= 0"))
        }
        _ => Ok(()),
    }
}

fn check_trial_end(trial_end: Option<i64>) -> Result<(), ApiError> {
    match trial_end {
        Some(t) if t < 0 => Err(ApiError::invalid("trial_end", "must be a time in ms")),
        _ => Ok(()),
    }
}

/// POST /2/subscription ⇒ `subscription` (`valid` true only when the card passed verification before).
pub(crate) fn create_subscription(store: &mut Store, call: &Call) -> Reply {
    require(call, &["buyer_id", "plan_id", "sms_id", "sms_code"])?;
    let card_id = opt_string(call, "card_id")?;
    if card_id.is_none() {
        require(call, &CardFields::NAMES)?;
    }
    let buyer_id = call.req_str("buyer_id")?;
    let plan_id = call.req_str("plan_id")?;
    let sms_id = call.req_str("sms_id")?;
    let sms_code = call.req_str("sms_code")?;
    let fields = CardFields::read(call)?;
    let amount = call.float("amount")?;
    let trial_end = call.int("trial_end")?;
    let optional = call.map("optional")?.cloned().unwrap_or_default();
    let coupon_code = opt_string(call, "coupon_code")?;
    check_amount(amount)?;
    check_trial_end(trial_end)?;
    check_bank(fields.bank_name.as_deref())?;

    let plan = &store.subscriptions.plans[plan_index(store, call, plan_id)?];
    let (trial_days, anti_duplicate) = (plan.trial_days, plan.anti_duplicate);
    let subs = &store.subscriptions;
    let mobile = match &card_id {
        Some(id) => known_card(subs, call.app_id, id)?.mobile.clone(),
        None => fields.mobile.clone(),
    };
    let sms = find_sms(subs, call, sms_id, sms_code, mobile.as_deref())?;
    if anti_duplicate
        && subs.subscriptions.iter().any(|s| {
            s.app_id == call.app_id
                && s.plan_id == plan_id
                && s.buyer_id == buyer_id
                && s.is_holding()
        })
    {
        return Err(ApiError::invalid(
            "plan_id",
            "the buyer already subscribes to this plan (anti_duplicate)",
        ));
    }
    if let Some(code) = &coupon_code {
        if coupons::unused_coupon_holder(store, call.app_id, code, "coupon_code")? != buyer_id {
            return Err(ApiError::invalid(
                "coupon_code",
                "the coupon belongs to another user",
            ));
        }
    }

    let subs = &mut store.subscriptions;
    subs.sms[sms].used = true;
    let card_id = match card_id {
        Some(id) => id,
        None => register_card(subs, call.app_id, fields),
    };
    let valid = subs.cards.get(&card_id).is_some_and(|c| c.verified);
    let sub = Subscription {
        id: new_id(),
        app_id: call.app_id.to_owned(),
        ns: call.ns,
        buyer_id: buyer_id.to_owned(),
        plan_id: plan_id.to_owned(),
        card_id,
        amount: amount.unwrap_or(1.0),
        trial_end,
        optional,
        coupon_id: coupon_code,
        status: if valid {
            running_status(trial_end, trial_days, call.now_ms)
        } else {
            "pending"
        },
        valid,
        created_ms: call.now_ms,
        updated_ms: call.now_ms,
    };
    let json = subscription_row(subs, &sub).json;
    subs.subscriptions.push(sub);
    Ok(payload("subscription", json))
}

/// GET /2/subscription (E3) ⇒ `subscriptions` or `total_count`.
pub(crate) fn query_subscriptions(store: &mut Store, call: &Call) -> Reply {
    let subs = &store.subscriptions;
    let rows = subs
        .subscriptions
        .iter()
        .filter(|s| s.app_id == call.app_id)
        .map(|s| subscription_row(subs, s));
    list_query(call, &SUBSCRIPTION_LIST, rows)
}

/// GET /2/subscription/{id} (E3) ⇒ `subscription`.
pub(crate) fn get_subscription(store: &mut Store, call: &Call) -> Reply {
    let index = subscription_index(store, call.app_id, call.path_id()?)?;
    let subs = &store.subscriptions;
    Ok(payload(
        "subscription",
        subscription_row(subs, &subs.subscriptions[index]).json,
    ))
}

/// PUT /2/subscription/{id} ⇒ `id`. Any subscription field may change; a new card re-derives `card_id` and
/// `valid` (pending again unless that card was verified before).
pub(crate) fn update_subscription(store: &mut Store, call: &Call) -> Reply {
    let id = call.path_id()?;
    let buyer_id = opt_string(call, "buyer_id")?;
    let plan_id = opt_string(call, "plan_id")?;
    let card_id = opt_string(call, "card_id")?;
    let fields = CardFields::read(call)?;
    let amount = call.float("amount")?;
    let trial_end = call.int("trial_end")?;
    let optional = call.map("optional")?.cloned();
    check_amount(amount)?;
    check_trial_end(trial_end)?;
    check_bank(fields.bank_name.as_deref())?;

    let index = subscription_index(store, call.app_id, id)?;
    if !store.subscriptions.subscriptions[index].is_live() {
        return Err(ApiError::invalid("id", "the subscription is canceled"));
    }
    let trial_days = match &plan_id {
        Some(plan_id) => {
            Some(store.subscriptions.plans[plan_index(store, call, plan_id)?].trial_days)
        }
        None => None,
    };
    let subs = &mut store.subscriptions;
    if let Some(card_id) = &card_id {
        known_card(subs, call.app_id, card_id)?;
    }
    // Card fields not sent keep the values of the subscription's current card.
    let new_card_id = match card_id {
        Some(card_id) => Some(card_id),
        None if fields.any() => {
            let current = subs.cards.get(&subs.subscriptions[index].card_id).cloned();
            let keep = |new: Option<String>, old: Option<String>| new.or(old);
            let merged = CardFields {
                bank_name: keep(
                    fields.bank_name,
                    current.as_ref().and_then(|c| c.bank_name.clone()),
                ),
                card_no: keep(fields.card_no, current.as_ref().map(|c| c.card_no.clone())),
                id_name: keep(fields.id_name, current.as_ref().map(|c| c.id_name.clone())),
                id_no: keep(fields.id_no, current.as_ref().map(|c| c.id_no.clone())),
                mobile: keep(
                    fields.mobile,
                    current.as_ref().and_then(|c| c.mobile.clone()),
                ),
            };
            Some(register_card(subs, call.app_id, merged))
        }
        None => None,
    };
    let verified = new_card_id
        .as_ref()
        .map(|c| subs.cards.get(c).is_some_and(|c| c.verified));
    let sub = &mut subs.subscriptions[index];
    sub.updated_ms = call.now_ms;
    if let Some(buyer_id) = buyer_id {
        sub.buyer_id = buyer_id;
    }
    if let Some(plan_id) = plan_id {
        sub.plan_id = plan_id;
    }
    if let Some(amount) = amount {
        sub.amount = amount;
    }
    if trial_end.is_some() {
        sub.trial_end = trial_end;
    }
    if let Some(optional) = optional {
        sub.optional = optional;
    }
    if let (Some(card_id), Some(verified)) = (new_card_id, verified) {
        sub.card_id = card_id;
        sub.valid = verified;
        if !verified {
            // A card nobody verified yet: back to waiting for the verification result.
            sub.status = "pending";
        }
    }
    if sub.valid && sub.status != "canceling" {
        let trial_days = trial_days.unwrap_or_else(|| {
            subs.plans
                .iter()
                .find(|p| p.id == sub.plan_id)
                .map_or(0, |p| p.trial_days)
        });
        sub.status = running_status(sub.trial_end, trial_days, call.now_ms);
    }
    Ok(payload("id", id))
}

/// DELETE /2/subscription/{id} (E4) `at_period_end?` ⇒ `id`.
pub(crate) fn cancel_subscription(store: &mut Store, call: &Call) -> Reply {
    let id = call.path_id()?;
    let at_period_end = call.bool("at_period_end")?.unwrap_or(false);
    let index = subscription_index(store, call.app_id, id)?;
    let sub = &mut store.subscriptions.subscriptions[index];
    if !sub.is_live() {
        return Err(ApiError::invalid(
            "id",
            "the subscription is already canceled",
        ));
    }
    sub.updated_ms = call.now_ms;
    // `canceling` (the emulator's name) ends after the next charge (the charge hook); until then it stays there.
    sub.status = if at_period_end {
        "canceling"
    } else {
        "canceled"
    };
    Ok(payload("id", id))
}

/// GET /2/subscription_banks (E3) ⇒ `banks`, `common_banks`.
pub(crate) fn subscription_banks(_store: &mut Store, _call: &Call) -> Reply {
    let mut out = payload(
        "banks",
        BANKS.iter().map(|b| Value::from(*b)).collect::<Vec<_>>(),
    );
    out.insert(
        "common_banks".into(),
        COMMON_BANKS
            .iter()
            .map(|b| Value::from(*b))
            .collect::<Vec<_>>()
            .into(),
    );
    Ok(out)
}

/// `message_detail` of SUBSCRIPTION and charge pushes, as the .NET SDK's sample pushes show it: the subscription, its
/// card with the card number masked to its last 4 digits, and `err_msg` (`""` on success).
fn push_detail(sub: &Subscription, card: Option<&Card>, err_msg: &str) -> Map<String, Value> {
    let text = |value: Option<&str>| value.map_or(Value::Null, Value::from);
    let masked = card.map(|c| {
        format!(
            "{}{}",
            "*".repeat(c.card_no.len().saturating_sub(4)),
            last4(&c.card_no)
        )
    });
    let detail = json!({
        "subscription_id": sub.id,
        "plan_id": sub.plan_id,
        "buyer_id": sub.buyer_id,
        "card_id": sub.card_id,
        "id_name": text(card.map(|c| c.id_name.as_str())),
        "id_no": text(card.map(|c| c.id_no.as_str())),
        "mobile": text(card.and_then(|c| c.mobile.as_deref())),
        "bank_name": text(card.and_then(|c| c.bank_name.as_deref())),
        "card_no": text(masked.as_deref()),
        "err_msg": err_msg,
    });
    match detail {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Test hook: completes the card verification of a subscription. Success makes it (and its card, for later
/// subscriptions) valid; failure marks it `failed`. Either way a SUBSCRIPTION webhook is emitted with
/// `message_detail.card_id` on success or `message_detail.err_msg` on failure.
pub(crate) fn finish_verification(
    store: &mut Store,
    subscription_id: &str,
    success: bool,
) -> Result<(), EmulatorError> {
    let now_ms = store.now_ms();
    let subs = &mut store.subscriptions;
    let index = subs
        .subscriptions
        .iter()
        .position(|s| s.id == subscription_id)
        .ok_or_else(|| EmulatorError::not_found(format!("no subscription {subscription_id}")))?;
    let (card_id, plan_id) = {
        let sub = &subs.subscriptions[index];
        if !sub.is_live() {
            return Err(EmulatorError::conflict(format!(
                "subscription {subscription_id} is canceled"
            )));
        }
        (sub.card_id.clone(), sub.plan_id.clone())
    };
    let trial_days = subs
        .plans
        .iter()
        .find(|p| p.id == plan_id)
        .map_or(0, |p| p.trial_days);
    if let Some(card) = subs.cards.get_mut(&card_id).filter(|_| success) {
        card.verified = true;
    }
    let sub = &mut subs.subscriptions[index];
    sub.valid = success;
    sub.updated_ms = now_ms;
    sub.status = match (success, sub.status) {
        (true, "canceling") => "canceling",
        (true, _) => running_status(sub.trial_end, trial_days, now_ms),
        (false, _) => "failed",
    };
    let detail = push_detail(
        sub,
        subs.cards.get(&card_id),
        if success { "" } else { "银行卡验证失败" },
    );
    let event = WebhookEvent {
        ns: sub.ns,
        notify_url: None,
        transaction_type: "SUBSCRIPTION",
        channel_type: "BC".into(),
        sub_channel_type: "BC_SUBSCRIPTION".into(),
        transaction_id: sub.id.clone(),
        transaction_fee: 0,
        trade_success: success,
        optional: Value::Object(sub.optional.clone()),
        message_detail: Value::Object(detail),
        channel_transaction_id: sub.id.clone(),
        subscription_sign: true,
    };
    store.emit_webhook(event);
    Ok(())
}

/// The control hook for one recurring charge: a paid `BC_SUBSCRIPTION` bill of plan fee × `amount` (rounded to
/// fen) and its PAY webhook, signed both ways (`signature` and the legacy app-secret `sign`). A
/// subscription cancelled `at_period_end` ends with this charge. Returns the bill's `bill_no`.
pub(crate) fn charge(store: &mut Store, subscription_id: &str) -> Result<String, EmulatorError> {
    let now_ms = store.now_ms();
    let serial = store.next_serial();
    let subs = &mut store.subscriptions;
    let sub = subs
        .subscriptions
        .iter_mut()
        .find(|s| s.id == subscription_id)
        .ok_or_else(|| EmulatorError::not_found(format!("no subscription {subscription_id}")))?;
    if !sub.valid || !matches!(sub.status, "active" | "trialing" | "canceling") {
        return Err(EmulatorError::conflict(format!(
            "subscription {subscription_id} is {}, not chargeable",
            sub.status
        )));
    }
    let plan = subs
        .plans
        .iter()
        .find(|p| p.id == sub.plan_id)
        .ok_or_else(|| {
            EmulatorError::not_found(format!(
                "the plan of subscription {subscription_id} is gone"
            ))
        })?;
    let fee = (plan.fee as f64 * sub.amount).round() as i64;
    let detail = Value::Object(push_detail(sub, subs.cards.get(&sub.card_id), ""));
    sub.updated_ms = now_ms;
    sub.status = if sub.status == "canceling" {
        "canceled"
    } else {
        "active"
    };
    // Server-made charge bills carry a UUID-like number, not the merchant bill_no format (the .NET SDK's sample
    // charge push has a hyphenated UUID-like transaction_id).
    let bill_no = new_id();
    let trade_no = format!("BC{}{serial:08}", beijing_date(now_ms));
    let bill = Bill {
        id: new_id(),
        app_id: sub.app_id.clone(),
        ns: sub.ns,
        bill_no: bill_no.clone(),
        channel: "BC".into(),
        sub_channel: "BC_SUBSCRIPTION".into(),
        title: plan.name.chars().take(16).collect(),
        bill_fee: fee,
        discount: 0,
        total_fee: fee,
        coupon_id: None,
        optional: Value::Object(sub.optional.clone()),
        buyer_id: Some(sub.buyer_id.clone()),
        seller_id: None,
        store_id: None,
        operator_id: None,
        notify_url: None,
        return_url: None,
        bill_timeout: None,
        currency: None,
        token: None,
        create_time: now_ms,
        spay_result: true,
        trade_no: trade_no.clone(),
        message_detail: detail.clone(),
        revert_result: false,
        refund_result: false,
    };
    let event = WebhookEvent {
        ns: sub.ns,
        notify_url: None,
        transaction_type: "PAY",
        channel_type: "BC".into(),
        sub_channel_type: "BC_SUBSCRIPTION".into(),
        transaction_id: bill_no.clone(),
        transaction_fee: fee,
        trade_success: true,
        optional: bill.optional.clone(),
        message_detail: detail,
        channel_transaction_id: trade_no,
        subscription_sign: true,
    };
    store.insert_bill(bill);
    store.emit_webhook(event);
    Ok(bill_no)
}
