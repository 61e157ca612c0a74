//! Plans, subscriptions, subscription banks, SMS pass-codes and card-factor auth (server-semantics §10).
//!
//! Records are kept per `app_id` (test-secret calls from test-mode clients share them with live calls, §3.3);
//! a subscription remembers the namespace of the call that created it, which picks the URL of its
//! verification webhook (the route table runs this family in the live namespace).
//!
//! Subscription `status` values are [emu]: `pending` (card awaiting verification), `active`, `trialing`,
//! `failed` (verification failed), `canceling` (`at_period_end`), `canceled`.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::accounts::{Card, Plan, Sms, Subscription, Subscriptions, last4};
use super::core::{
    ApiError, Call, Criterion, ListSpec, Reply, Row, list_query, md5_hex, payload, require,
};
use super::coupons;
use super::error::EmulatorError;
use super::store::{Bill, Store, WebhookEvent};
use super::validate::{beijing_date, new_id};

/// Every bank a subscription card may belong to ([emu] content; includes the common ones).
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

/// The banks shown first to buyers ([emu] content).
pub(crate) const COMMON_BANKS: &[&str] = &[
    "中国银行",
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "招商银行",
];

/// How long an SMS code stays usable ([emu]: 30 minutes of emulator clock).
pub(crate) const SMS_TTL_MS: i64 = 30 * 60 * 1000;

/// Plan intervals and the largest `interval_count` each allows (a period of at most one year).
const INTERVALS: &[(&str, i64)] = &[("day", 365), ("week", 52), ("month", 12), ("year", 1)];

/// Filters shared by the plan and subscription lists (wire §6.2 "common criteria").
const CREATED: [Criterion; 2] = [
    Criterion::CreatedTo("created_before"),
    Criterion::CreatedFrom("created_after"),
];

const PLAN_LIST: ListSpec<'static> = ListSpec {
    key: "plans",
    criteria: &[
        CREATED[0],
        CREATED[1],
        Criterion::Contains("name_with_substring", "/name"),
        Criterion::StrEq("interval", "/interval"),
        Criterion::IntEq("interval_count", "/interval_count"),
        Criterion::IntEq("trial_days", "/trial_days"),
    ],
    paged: true,
};

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

/// A stable, UUID-shaped id derived from `parts` (card ids are a function of the card tuple, §10.2).
fn stable_id(parts: &[&str]) -> String {
    let hex = md5_hex(&parts.join("\u{1f}"));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `card_id` of a card. [emu] the bank name is left out: it follows from the card number, and leaving it out
/// lets the `card_id` from a 4-factor `/2/auth` match the one a subscription on the same card gets.
pub(crate) fn card_id_of(
    app_id: &str,
    card_no: &str,
    id_name: &str,
    id_no: &str,
    mobile: Option<&str>,
) -> String {
    stable_id(&[
        "card",
        app_id,
        card_no,
        id_name,
        id_no,
        mobile.unwrap_or(""),
    ])
}

/// A non-empty optional string field, owned.
fn opt_string(call: &Call, name: &str) -> Result<Option<String>, ApiError> {
    Ok(call.str(name)?.filter(|s| !s.is_empty()).map(str::to_owned))
}

fn plan_index(store: &Store, call: &Call, id: &str) -> Result<usize, ApiError> {
    store
        .subscriptions
        .plans
        .iter()
        .position(|p| p.id == id && p.app_id == call.app_id && !p.deleted)
        .ok_or_else(|| ApiError::invalid("plan_id", "no such plan"))
}

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

fn check_optional(call: &Call) -> Result<Option<Map<String, Value>>, ApiError> {
    Ok(call.map("optional")?.cloned())
}

/// POST /2/plan ⇒ `plan`.
pub(crate) fn create_plan(store: &mut Store, call: &Call) -> Reply {
    require(call, &["fee", "interval", "name"])?;
    let fee = call.req_int("fee")?;
    let interval = call.req_str("interval")?;
    let name = call.req_str("name")?;
    let currency = call.str("currency")?.unwrap_or("CNY");
    let interval_count = call.int("interval_count")?.unwrap_or(1);
    let trial_days = call.int("trial_days")?.unwrap_or(0);
    let optional = check_optional(call)?.unwrap_or_default();
    let anti_duplicate = call.bool("anti_duplicate")?.unwrap_or(false);
    if fee < 0 {
        return Err(ApiError::invalid("fee", "must be >= 0"));
    }
    let max_count = INTERVALS
        .iter()
        .find(|(name, _)| *name == interval)
        .map(|(_, max)| *max)
        .ok_or_else(|| ApiError::invalid("interval", "must be day, week, month or year"))?;
    if !(1..=max_count).contains(&interval_count) {
        return Err(ApiError::invalid(
            "interval_count",
            &format!("must be 1..={max_count} for {interval}"),
        ));
    }
    if currency != "CNY" {
        return Err(ApiError::invalid("currency", "only CNY is supported"));
    }
    if trial_days < 0 {
        return Err(ApiError::invalid("trial_days", "must be >= 0"));
    }
    let plan = Plan {
        id: new_id(),
        app_id: call.app_id.to_owned(),
        fee,
        interval: interval.to_owned(),
        name: name.to_owned(),
        currency: currency.to_owned(),
        interval_count,
        trial_days,
        optional,
        anti_duplicate,
        deleted: false,
        created_ms: call.now_ms,
    };
    let json = plan.row().json;
    store.subscriptions.plans.push(plan);
    Ok(payload("plan", json))
}

/// GET /2/plan (E3) ⇒ `plans` or `total_count`.
pub(crate) fn query_plans(store: &mut Store, call: &Call) -> Reply {
    let rows = store
        .subscriptions
        .plans
        .iter()
        .filter(|p| p.app_id == call.app_id && !p.deleted)
        .map(Plan::row);
    list_query(call, &PLAN_LIST, rows)
}

/// GET /2/plan/{id} (E3) ⇒ `plan`.
pub(crate) fn get_plan(store: &mut Store, call: &Call) -> Reply {
    let index = plan_index(store, call, call.path_id()?)?;
    Ok(payload("plan", store.subscriptions.plans[index].row().json))
}

/// PUT /2/plan/{id} `{name?, optional?}` ⇒ `id`.
pub(crate) fn update_plan(store: &mut Store, call: &Call) -> Reply {
    let id = call.path_id()?;
    let name = call.str("name")?;
    let optional = check_optional(call)?;
    if name == Some("") {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    let index = plan_index(store, call, id)?;
    let plan = &mut store.subscriptions.plans[index];
    if let Some(name) = name {
        plan.name = name.to_owned();
    }
    if let Some(optional) = optional {
        plan.optional = optional;
    }
    Ok(payload("id", id))
}

/// DELETE /2/plan/{id} (E4) ⇒ `id`; the plan vanishes from reads, its subscriptions stay.
pub(crate) fn delete_plan(store: &mut Store, call: &Call) -> Reply {
    let id = call.path_id()?;
    let index = plan_index(store, call, id)?;
    store.subscriptions.plans[index].deleted = true;
    Ok(payload("id", id))
}

/// The card fields of a subscribe/update request.
struct CardFields {
    bank_name: Option<String>,
    card_no: Option<String>,
    id_name: Option<String>,
    id_no: Option<String>,
    mobile: Option<String>,
}

impl CardFields {
    const NAMES: [&'static str; 5] = ["bank_name", "card_no", "id_name", "id_no", "mobile"];

    fn read(call: &Call) -> Result<Self, ApiError> {
        Ok(CardFields {
            bank_name: opt_string(call, "bank_name")?,
            card_no: opt_string(call, "card_no")?,
            id_name: opt_string(call, "id_name")?,
            id_no: opt_string(call, "id_no")?,
            mobile: opt_string(call, "mobile")?,
        })
    }

    fn any(&self) -> bool {
        [
            &self.bank_name,
            &self.card_no,
            &self.id_name,
            &self.id_no,
            &self.mobile,
        ]
        .iter()
        .any(|f| f.is_some())
    }
}

/// Registers (or refreshes) the card described by complete `fields`, returning its `card_id`.
fn register_card(subs: &mut Subscriptions, app_id: &str, fields: CardFields) -> String {
    let (card_no, id_name, id_no) = (
        fields.card_no.unwrap_or_default(),
        fields.id_name.unwrap_or_default(),
        fields.id_no.unwrap_or_default(),
    );
    let card_id = card_id_of(app_id, &card_no, &id_name, &id_no, fields.mobile.as_deref());
    let verified = subs.cards.get(&card_id).is_some_and(|c| c.verified);
    let card = Card {
        app_id: app_id.to_owned(),
        bank_name: fields.bank_name,
        card_no,
        id_name,
        id_no,
        mobile: fields.mobile,
        verified,
    };
    subs.cards.insert(card_id.clone(), card);
    card_id
}

fn known_card<'a>(
    subs: &'a Subscriptions,
    app_id: &str,
    card_id: &str,
) -> Result<&'a Card, ApiError> {
    subs.cards
        .get(card_id)
        .filter(|c| c.app_id == app_id)
        .ok_or_else(|| ApiError::invalid("card_id", "no such card"))
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
    let optional = check_optional(call)?.unwrap_or_default();
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

/// The index of the unused, unexpired SMS `sms_id` of this app whose code is `sms_code` (sent to `mobile` when
/// the subscription names one).
pub(crate) fn find_sms(
    subs: &Subscriptions,
    call: &Call,
    sms_id: &str,
    sms_code: &str,
    mobile: Option<&str>,
) -> Result<usize, ApiError> {
    let index = subs
        .sms
        .iter()
        .position(|s| s.id == sms_id && s.app_id == call.app_id)
        .ok_or_else(|| ApiError::invalid("sms_id", "no such sms"))?;
    let sms = &subs.sms[index];
    if sms.used {
        return Err(ApiError::invalid("sms_code", "already used"));
    }
    if call.now_ms.saturating_sub(sms.sent_ms) > SMS_TTL_MS {
        return Err(ApiError::invalid("sms_code", "expired"));
    }
    if sms.code != sms_code {
        return Err(ApiError::invalid("sms_code", "does not match"));
    }
    if mobile.is_some_and(|m| m != sms.phone) {
        return Err(ApiError::invalid(
            "sms_id",
            "was sent to another phone than mobile",
        ));
    }
    Ok(index)
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
    let optional = check_optional(call)?;
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
    // [emu] `canceling` ends after the next charge (the charge hook); until then it stays there.
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

pub(crate) fn is_mobile(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// POST /2/sms `phone` ⇒ `sms_id`; the 6-digit code is readable through [`last_sms_code`].
pub(crate) fn send_sms(store: &mut Store, call: &Call) -> Reply {
    require(call, &["phone"])?;
    let phone = call.req_str("phone")?;
    if !is_mobile(phone) {
        return Err(ApiError::invalid(
            "phone",
            "must be an 11-digit mainland mobile number",
        ));
    }
    let id = new_id();
    send_code(store, call, &id, phone);
    Ok(payload("sms_id", id))
}

/// "Sends" a fresh 6-digit code to `phone` under the message id `id` (readable through [`last_sms_code`]).
pub(crate) fn send_code(store: &mut Store, call: &Call, id: &str, phone: &str) {
    let code = format!("{:06}", Uuid::new_v4().as_u128() % 1_000_000);
    store.subscriptions.sms.push(Sms {
        id: id.to_owned(),
        app_id: call.app_id.to_owned(),
        phone: phone.to_owned(),
        code,
        sent_ms: call.now_ms,
        used: false,
    });
}

/// Why an identity tuple fails verification, if it does. [emu] rule: the check fails exactly when a factor is
/// malformed (an ID number that is not 15 digits or 17 digits plus a digit or X, a card number that is not 12–19
/// digits, a mobile that is not 11 digits starting with 1), so tests can produce both outcomes.
pub(crate) fn implausible(
    id_no: &str,
    card_no: Option<&str>,
    mobile: Option<&str>,
) -> Option<&'static str> {
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    // Bytes, not string slices: the input may be any UTF-8.
    let id_ok = match id_no.as_bytes() {
        id if id.len() == 15 => digits(id),
        [head @ .., last] if head.len() == 17 => {
            digits(head) && matches!(last, b'0'..=b'9' | b'X' | b'x')
        }
        _ => false,
    };
    if !id_ok {
        return Some("身份证号与姓名不匹配");
    }
    if card_no.is_some_and(|c| !(12..=19).contains(&c.len()) || !digits(c.as_bytes())) {
        return Some("银行卡号与身份信息不匹配");
    }
    if mobile.is_some_and(|m| !is_mobile(m)) {
        return Some("手机号与银行卡预留手机号不匹配");
    }
    None
}

/// POST /2/auth `{name, id_no, card_no?, mobile?}` ⇒ `card_id` (when `card_no` is given), `auth_result`,
/// `auth_msg`. A failed check is still result_code 0, with `auth_result` false and the reason [emu default].
pub(crate) fn verify_card_factors(store: &mut Store, call: &Call) -> Reply {
    require(call, &["name", "id_no"])?;
    let name = call.req_str("name")?;
    let id_no = call.req_str("id_no")?;
    let card_no = call.str("card_no")?.filter(|s| !s.is_empty());
    let mobile = call.str("mobile")?.filter(|s| !s.is_empty());
    let subs = &mut store.subscriptions;
    let failure = implausible(id_no, card_no, mobile);
    let mut out = Map::new();
    if let (None, Some(card_no)) = (failure, card_no) {
        let fields = CardFields {
            bank_name: None,
            card_no: Some(card_no.to_owned()),
            id_name: Some(name.to_owned()),
            id_no: Some(id_no.to_owned()),
            mobile: mobile.map(str::to_owned),
        };
        // Keep a bank name learnt from an earlier subscription on the same card.
        let card_id = card_id_of(call.app_id, card_no, name, id_no, mobile);
        let bank_name = subs.cards.get(&card_id).and_then(|c| c.bank_name.clone());
        let card_id = register_card(
            subs,
            call.app_id,
            CardFields {
                bank_name,
                ..fields
            },
        );
        out.insert("card_id".into(), card_id.into());
    }
    out.insert("auth_result".into(), failure.is_none().into());
    out.insert("auth_msg".into(), failure.unwrap_or("OK").into());
    Ok(out)
}

/// Test hook: the newest SMS code sent to `phone` (by any app), used or not.
pub(crate) fn last_sms_code(store: &Store, phone: &str) -> Option<String> {
    store
        .subscriptions
        .sms
        .iter()
        .rev()
        .find(|s| s.phone == phone)
        .map(|s| s.code.clone())
}

/// `message_detail` of SUBSCRIPTION and charge pushes (errata B6): the subscription, its card with the card
/// number masked to its last 4 digits, and `err_msg` (`""` on success).
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
/// subscriptions) valid; failure marks it `failed`. Either way a SUBSCRIPTION webhook is emitted (§9.1) with
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

/// The control hook for one recurring charge (server-semantics §10.2): a paid `BC_SUBSCRIPTION` bill
/// of plan fee × `amount` (rounded to fen) and its PAY webhook, signed both ways (§9.6). A
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
    // Errata B6: server-made charge bills carry a UUID-like number, not the merchant bill_no format.
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
