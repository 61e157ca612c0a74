//! The account-side records (plans, subscriptions, SMS codes, cards; coupon templates and coupons; merchant
//! users) and how each renders as a list row. They live in the store; the handlers in subscriptions.rs,
//! coupons.rs and merchants.rs work on them.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::core::{Namespace, Row, new_id};

pub(crate) const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Validity in days of a coupon from an `expiry_type` 2 template that does not say (the emulator's choice).
pub(crate) const DEFAULT_VALID_DAYS: i64 = 30;

/// Per-app plan, subscription, SMS and card records.
#[derive(Default)]
pub(crate) struct Subscriptions {
    pub(crate) plans: Vec<Plan>,
    pub(crate) subscriptions: Vec<Subscription>,
    pub(crate) sms: Vec<Sms>,
    /// Cards seen by `subscribe` or a successful `auth`, by `card_id`.
    pub(crate) cards: HashMap<String, Card>,
}

pub(crate) struct Plan {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) fee: i64,
    pub(crate) interval: String,
    pub(crate) name: String,
    pub(crate) currency: String,
    pub(crate) interval_count: i64,
    pub(crate) trial_days: i64,
    pub(crate) optional: Map<String, Value>,
    pub(crate) anti_duplicate: bool,
    pub(crate) deleted: bool,
    pub(crate) created_ms: i64,
}

impl Plan {
    pub(crate) fn row(&self) -> Row {
        let mut json = Map::new();
        json.insert("id".into(), self.id.clone().into());
        json.insert("fee".into(), self.fee.into());
        json.insert("interval".into(), self.interval.clone().into());
        json.insert("name".into(), self.name.clone().into());
        json.insert("currency".into(), self.currency.clone().into());
        json.insert("interval_count".into(), self.interval_count.into());
        json.insert("trial_days".into(), self.trial_days.into());
        json.insert("optional".into(), Value::Object(self.optional.clone()));
        json.insert("valid".into(), (!self.deleted).into());
        Row {
            created_ms: self.created_ms,
            key: self.id.clone(),
            json,
        }
    }
}

/// A bank card as identified by `card_id`; `card_no` is kept for `last4` and never returned.
#[derive(Clone)]
pub(crate) struct Card {
    pub(crate) app_id: String,
    pub(crate) bank_name: Option<String>,
    pub(crate) card_no: String,
    pub(crate) id_name: String,
    pub(crate) id_no: String,
    pub(crate) mobile: Option<String>,
    /// A subscription on this card passed verification before ⇒ new subscriptions are valid at once.
    pub(crate) verified: bool,
}

pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) ns: Namespace,
    pub(crate) buyer_id: String,
    pub(crate) plan_id: String,
    pub(crate) card_id: String,
    pub(crate) amount: f64,
    pub(crate) trial_end: Option<i64>,
    pub(crate) optional: Map<String, Value>,
    pub(crate) coupon_id: Option<String>,
    /// `pending` (awaiting verification), `active`, `trialing`, `failed`, `canceling`
    /// (`at_period_end`), `canceled` — the emulator's values, the docs name none.
    pub(crate) status: &'static str,
    pub(crate) valid: bool,
    pub(crate) created_ms: i64,
    /// Last change (update, cancel, verification, charge).
    pub(crate) updated_ms: i64,
}

impl Subscription {
    pub(crate) fn row(&self, card: Option<&Card>) -> Row {
        let text = |v: Option<&str>| v.map_or(Value::Null, |s| s.into());
        let mut json = Map::new();
        json.insert("id".into(), self.id.clone().into());
        json.insert("buyer_id".into(), self.buyer_id.clone().into());
        json.insert("plan_id".into(), self.plan_id.clone().into());
        json.insert("card_id".into(), self.card_id.clone().into());
        json.insert(
            "bank_name".into(),
            text(card.and_then(|c| c.bank_name.as_deref())),
        );
        json.insert("id_name".into(), text(card.map(|c| c.id_name.as_str())));
        json.insert("id_no".into(), text(card.map(|c| c.id_no.as_str())));
        json.insert(
            "mobile".into(),
            text(card.and_then(|c| c.mobile.as_deref())),
        );
        json.insert("amount".into(), json!(self.amount));
        json.insert(
            "trial_end".into(),
            self.trial_end.map_or(Value::Null, Value::from),
        );
        json.insert("optional".into(), Value::Object(self.optional.clone()));
        json.insert("coupon_id".into(), text(self.coupon_id.as_deref()));
        json.insert("last4".into(), text(card.map(|c| last4(&c.card_no))));
        json.insert("status".into(), self.status.into());
        json.insert("valid".into(), self.valid.into());
        // Fields Java's SDK reads besides the documented ones.
        json.insert(
            "cancel_at_period_end".into(),
            (self.status == "canceling").into(),
        );
        json.insert("created_at".into(), self.created_ms.into());
        json.insert("updated_at".into(), self.updated_ms.into());
        json.insert("object_type".into(), "subscription".into());
        Row {
            created_ms: self.created_ms,
            key: self.id.clone(),
            json,
        }
    }

    /// Not canceled: may still be updated, canceled or verified.
    pub(crate) fn is_live(&self) -> bool {
        self.status != "canceled"
    }

    /// Counts against a plan's `anti_duplicate` (a failed verification does not).
    pub(crate) fn is_holding(&self) -> bool {
        !matches!(self.status, "canceled" | "failed")
    }
}

pub(crate) struct Sms {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) phone: String,
    pub(crate) code: String,
    pub(crate) sent_ms: i64,
    pub(crate) used: bool,
}

pub(crate) fn last4(card_no: &str) -> &str {
    let start = card_no.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    &card_no[start..]
}

/// Per-app coupon templates and delivered coupons.
#[derive(Default)]
pub(crate) struct Coupons {
    pub(crate) templates: Vec<Template>,
    pub(crate) coupons: Vec<Coupon>,
}

impl Coupons {
    /// Seeds three active demo templates for `app_id`, all unlimited and valid for 30 days from delivery:
    /// `满100减10` (¥10 off from ¥100), `九折` (10 % off) and `新人立减5元` (¥5 off, no threshold).
    pub(crate) fn seed(&mut self, app_id: &str, merchant_account: &str, now_ms: i64) {
        let demo = [
            ("满100减10", 0, 10_000, 10.0),
            ("九折", 1, 0, 0.9),
            ("新人立减5元", 0, 0, 5.0),
        ];
        for (age, (name, kind, limit_fee, discount)) in demo.into_iter().enumerate() {
            // Distinct creation times keep the newest-first listing order stable: the first is the newest.
            let created_at = now_ms - age as i64;
            self.templates.push(Template {
                id: new_id(),
                app_id: app_id.to_owned(),
                name: name.to_owned(),
                kind,
                limit_fee,
                discount,
                total_count: 0,
                max_count_per_user: 0,
                deliver_count: 0,
                use_count: 0,
                expiry_type: 2,
                start_time: None,
                end_time: None,
                delivery_valid_days: Some(DEFAULT_VALID_DAYS),
                status: 1,
                mch_account: merchant_account.to_owned(),
                created_at,
                updated_at: created_at,
            });
        }
    }

    pub(crate) fn template(&self, app_id: &str, id: &str) -> Option<&Template> {
        self.templates
            .iter()
            .find(|t| t.id == id && t.app_id == app_id)
    }

    pub(crate) fn coupon(&self, app_id: &str, id: &str) -> Option<&Coupon> {
        self.coupons
            .iter()
            .find(|c| c.id == id && c.app_id == app_id)
    }

    pub(crate) fn coupon_row(&self, coupon: &Coupon) -> Row {
        let template = self.templates.iter().find(|t| t.id == coupon.template_id);
        coupon.row(template)
    }
}

/// A coupon template (BCCouponTemplate).
pub(crate) struct Template {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) name: String,
    /// `type`: 0 fixed amount off, 1 percentage.
    pub(crate) kind: i64,
    pub(crate) limit_fee: i64,
    /// Type 0: yuan off; type 1: price multiplier.
    pub(crate) discount: f64,
    pub(crate) total_count: i64,
    pub(crate) max_count_per_user: i64,
    pub(crate) deliver_count: i64,
    pub(crate) use_count: i64,
    /// 1: the template's `start_time`–`end_time`; 2: `delivery_valid_days` from delivery.
    pub(crate) expiry_type: i64,
    pub(crate) start_time: Option<i64>,
    pub(crate) end_time: Option<i64>,
    pub(crate) delivery_valid_days: Option<i64>,
    /// 0 not started, 1 active, −1 stopped.
    pub(crate) status: i64,
    pub(crate) mch_account: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

pub(crate) fn opt_int(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

impl Template {
    pub(crate) fn json(&self) -> Map<String, Value> {
        // Whole amounts render as integers (`10`, as the real server shows), ratios as floats (`0.9`).
        let discount = if self.discount.fract() == 0.0 && self.discount.abs() < 1e15 {
            Value::from(self.discount as i64)
        } else {
            Value::from(self.discount)
        };
        let mut json = Map::new();
        json.insert("id".into(), self.id.clone().into());
        json.insert("name".into(), self.name.clone().into());
        json.insert("type".into(), self.kind.into());
        json.insert("limit_fee".into(), self.limit_fee.into());
        json.insert("discount".into(), discount);
        json.insert("total_count".into(), self.total_count.into());
        json.insert("max_count_per_user".into(), self.max_count_per_user.into());
        json.insert("deliver_count".into(), self.deliver_count.into());
        json.insert("use_count".into(), self.use_count.into());
        json.insert("expiry_type".into(), self.expiry_type.into());
        json.insert("start_time".into(), opt_int(self.start_time));
        json.insert("end_time".into(), opt_int(self.end_time));
        json.insert(
            "delivery_valid_days".into(),
            opt_int(self.delivery_valid_days),
        );
        json.insert("status".into(), self.status.into());
        json.insert("mch_account".into(), self.mch_account.clone().into());
        json.insert("app_id".into(), self.app_id.clone().into());
        json.insert("created_at".into(), self.created_at.into());
        json.insert("updated_at".into(), self.updated_at.into());
        json
    }

    pub(crate) fn row(&self) -> Row {
        Row {
            created_ms: self.created_at,
            key: self.id.clone(),
            json: self.json(),
        }
    }

    /// The discount in fen on an order of `total_fee`, capped so at least 1 fen is paid (the emulator's rounding).
    pub(crate) fn discount_on(&self, total_fee: i64) -> i64 {
        // Float-to-int casts saturate and the subtractions saturate: odd hook-made templates cannot panic.
        let off = match self.kind {
            0 => (self.discount * 100.0).round() as i64,
            _ => total_fee.saturating_sub((total_fee as f64 * self.discount).round() as i64),
        };
        off.clamp(0, total_fee.saturating_sub(1).max(0))
    }
}

/// A delivered coupon (BCCoupon).
pub(crate) struct Coupon {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) template_id: String,
    pub(crate) user_id: String,
    /// 0 unused, 1 redeemed.
    pub(crate) status: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) start_time: Option<i64>,
    pub(crate) end_time: Option<i64>,
    pub(crate) use_time: Option<i64>,
}

impl Coupon {
    pub(crate) fn row(&self, template: Option<&Template>) -> Row {
        let mut json = Map::new();
        json.insert("id".into(), self.id.clone().into());
        json.insert(
            "template".into(),
            template.map_or(Value::Null, |t| Value::Object(t.json())),
        );
        json.insert("user_id".into(), self.user_id.clone().into());
        json.insert("app_id".into(), self.app_id.clone().into());
        json.insert("status".into(), self.status.into());
        json.insert("created_at".into(), self.created_at.into());
        json.insert("updated_at".into(), self.updated_at.into());
        json.insert("start_time".into(), opt_int(self.start_time));
        json.insert("end_time".into(), opt_int(self.end_time));
        json.insert("use_time".into(), opt_int(self.use_time));
        Row {
            created_ms: self.created_at,
            key: self.id.clone(),
            json,
        }
    }
}

/// GET /2/rest/coupon/template/{id} (E2) ⇒ `coupon_template`.
/// Per-app merchant-user records.
#[derive(Default)]
pub(crate) struct Merchants {
    /// The merchant account of the app ([`EmulatorConfig::merchant_account`](super::EmulatorConfig)).
    pub(crate) account: String,
    pub(crate) users: Vec<User>,
}

impl Merchants {
    /// The merchant account (email or phone) `app_id` belongs to.
    pub(crate) fn account_of(&self, _app_id: &str) -> &str {
        &self.account
    }

    /// True when `buyer_id` is a registered user of `app_id`.
    pub(crate) fn is_user(&self, app_id: &str, buyer_id: &str) -> bool {
        self.users
            .iter()
            .any(|u| u.app_id == app_id && u.buyer_id == buyer_id)
    }

    /// Registers `buyer_id` under `app_id` (idempotent: a known user keeps its record).
    pub(crate) fn register(&mut self, app_id: &str, buyer_id: &str, now_ms: i64) {
        if !self.is_user(app_id, buyer_id) {
            let merchant = self.account_of(app_id).to_owned();
            self.users.push(User {
                merchant,
                app_id: app_id.to_owned(),
                buyer_id: buyer_id.to_owned(),
                created_ms: now_ms,
                updated_ms: now_ms,
            });
        }
    }
}

/// A registered buyer. Identity fields (`name`, `id_no`, `card_no`…) are never collected through this API,
/// so they render as null and `buyer_type` as 0 (normal).
pub(crate) struct User {
    pub(crate) merchant: String,
    pub(crate) app_id: String,
    pub(crate) buyer_id: String,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
}

impl User {
    pub(crate) fn row(&self) -> Row {
        let mut json = Map::new();
        json.insert("merchant".into(), self.merchant.clone().into());
        json.insert("app_id".into(), self.app_id.clone().into());
        json.insert("buyer_id".into(), self.buyer_id.clone().into());
        for absent in [
            "name",
            "id_no",
            "card_no",
            "mobile",
            "bank_name",
            "card_type",
        ] {
            json.insert(absent.into(), Value::Null);
        }
        json.insert("buyer_type".into(), 0.into());
        json.insert("createdat".into(), self.created_ms.into());
        json.insert("updatedat".into(), self.updated_ms.into());
        Row {
            created_ms: self.created_ms,
            key: self.buyer_id.clone(),
            json,
        }
    }
}
