//! Coupon templates, coupons and redemption through pay.
//!
//! Templates are made in the BeeCloud console, so the API can only read them: the emulator seeds a few per app
//! ([`Coupons::seed`]) and tests add more through [`add_template`]. Coupons are delivered to a user by
//! `POST rest/coupon` and redeemed by a pay request carrying `coupon_id` ([`check_for_bill`], [`redeem`]).

use serde_json::{Map, Value};

use super::accounts::{Coupon, DAY_MS, DEFAULT_VALID_DAYS, Template};
use super::core::{ApiError, Call, Criterion, ListSpec, Reply, list_query, payload, require};
use super::store::Store;
use super::validate::new_id;

const TEMPLATE_LIST: ListSpec<'static> = ListSpec {
    key: "coupon_templates",
    criteria: &[
        Criterion::CreatedTo("created_before"),
        Criterion::CreatedFrom("created_after"),
        Criterion::StrEq("name", "/name"),
        Criterion::IntEq("status", "/status"),
    ],
    paged: true,
};

const COUPON_LIST: ListSpec<'static> = ListSpec {
    key: "coupons",
    criteria: &[
        Criterion::CreatedTo("created_before"),
        Criterion::CreatedFrom("created_after"),
        Criterion::StrEq("user_id", "/user_id"),
        Criterion::StrEq("template_id", "/template/id"),
        Criterion::IntEq("status", "/status"),
        // `limit_fee` is an order amount: coupons whose threshold it reaches.
        Criterion::IntAtMost("limit_fee", "/template/limit_fee"),
    ],
    paged: true,
};

pub(crate) fn get_template(store: &mut Store, call: &Call) -> Reply {
    let template = store
        .coupons
        .template(call.app_id, call.path_id()?)
        .ok_or_else(|| ApiError::invalid("id", "no such coupon template"))?;
    Ok(payload("coupon_template", template.json()))
}

/// GET /2/rest/coupon/template (E2) `{name?, status?, created_before?, created_after?, skip, limit, count_only}`
/// ⇒ `coupon_templates` or `total_count`.
pub(crate) fn query_templates(store: &mut Store, call: &Call) -> Reply {
    let rows = store
        .coupons
        .templates
        .iter()
        .filter(|t| t.app_id == call.app_id)
        .map(Template::row);
    list_query(call, &TEMPLATE_LIST, rows)
}

/// POST /2/rest/coupon `{template_id, user_id}` ⇒ `coupon` (template embedded). The template must be active,
/// not past its window, and below its total and per-user limits.
pub(crate) fn create_coupon(store: &mut Store, call: &Call) -> Reply {
    require(call, &["template_id", "user_id"])?;
    let template_id = call.req_str("template_id")?;
    let user_id = call.req_str("user_id")?;
    let coupons = &mut store.coupons;
    let index = coupons
        .templates
        .iter()
        .position(|t| t.id == template_id && t.app_id == call.app_id)
        .ok_or_else(|| ApiError::invalid("template_id", "no such coupon template"))?;
    let template = &coupons.templates[index];
    if template.status != 1 {
        return Err(ApiError::invalid(
            "template_id",
            "the coupon template is not active",
        ));
    }
    if template.expiry_type == 1 && template.end_time.is_some_and(|end| call.now_ms > end) {
        return Err(ApiError::invalid(
            "template_id",
            "the coupon template has expired",
        ));
    }
    if template.total_count > 0 && template.deliver_count >= template.total_count {
        return Err(ApiError::invalid(
            "template_id",
            "all coupons of this template are delivered",
        ));
    }
    let held = coupons
        .coupons
        .iter()
        .filter(|c| c.template_id == template_id && c.user_id == user_id)
        .count();
    if template.max_count_per_user > 0 && held as i64 >= template.max_count_per_user {
        return Err(ApiError::invalid(
            "user_id",
            "the user holds the maximum number of these coupons",
        ));
    }
    let (start_time, end_time) = if template.expiry_type == 1 {
        (template.start_time, template.end_time)
    } else {
        let days = template.delivery_valid_days.unwrap_or(DEFAULT_VALID_DAYS);
        (
            Some(call.now_ms),
            Some(call.now_ms.saturating_add(days.saturating_mul(DAY_MS))),
        )
    };
    let coupon = Coupon {
        id: new_id(),
        app_id: call.app_id.to_owned(),
        template_id: template_id.to_owned(),
        user_id: user_id.to_owned(),
        status: 0,
        created_at: call.now_ms,
        updated_at: call.now_ms,
        start_time,
        end_time,
        use_time: None,
    };
    let template = &mut coupons.templates[index];
    template.deliver_count = template.deliver_count.saturating_add(1);
    template.updated_at = call.now_ms;
    let json = coupon.row(Some(template)).json;
    coupons.coupons.push(coupon);
    Ok(payload("coupon", json))
}

/// GET /2/rest/coupon/{id} (E2) ⇒ `coupon`.
pub(crate) fn get_coupon(store: &mut Store, call: &Call) -> Reply {
    let coupons = &store.coupons;
    let coupon = coupons
        .coupon(call.app_id, call.path_id()?)
        .ok_or_else(|| ApiError::invalid("id", "no such coupon"))?;
    Ok(payload("coupon", coupons.coupon_row(coupon).json))
}

/// GET /2/rest/coupon (E2) `{user_id?, template_id?, status?, limit_fee?, created_before?, created_after?, skip,
/// limit, count_only}` ⇒ `coupons` or `total_count`.
pub(crate) fn query_coupons(store: &mut Store, call: &Call) -> Reply {
    let coupons = &store.coupons;
    let rows = coupons
        .coupons
        .iter()
        .filter(|c| c.app_id == call.app_id)
        .map(|c| coupons.coupon_row(c));
    list_query(call, &COUPON_LIST, rows)
}

/// The `user_id` holding the unused coupon `coupon_id` of `app_id`; errors name `field` (subscriptions call
/// it `coupon_code`, pay `coupon_id`).
pub(crate) fn unused_coupon_holder<'a>(
    store: &'a Store,
    app_id: &str,
    coupon_id: &str,
    field: &str,
) -> Result<&'a str, ApiError> {
    match store.coupons.coupon(app_id, coupon_id) {
        Some(coupon) if coupon.status == 0 => Ok(&coupon.user_id),
        Some(_) => Err(ApiError::invalid(field, "the coupon is already used")),
        None => Err(ApiError::invalid(field, "no such coupon")),
    }
}

/// Checks a pay request's `coupon_id` (owned, unused, within its validity, template active, held by the
/// bill's buyer, threshold reached) and returns the discount in fen, capped so at least 1 fen remains. Changes
/// nothing; call [`redeem`] once the bill is paid.
pub(crate) fn check_for_bill(
    store: &Store,
    app_id: &str,
    coupon_id: &str,
    buyer_id: Option<&str>,
    total_fee: i64,
    now_ms: i64,
) -> Result<i64, ApiError> {
    unused_coupon_holder(store, app_id, coupon_id, "coupon_id")?;
    let coupons = &store.coupons;
    let coupon = coupons
        .coupon(app_id, coupon_id)
        .ok_or_else(|| ApiError::invalid("coupon_id", "no such coupon"))?;
    if coupon.start_time.is_some_and(|start| now_ms < start) {
        return Err(ApiError::invalid(
            "coupon_id",
            "the coupon is not valid yet",
        ));
    }
    if coupon.end_time.is_some_and(|end| now_ms > end) {
        return Err(ApiError::invalid("coupon_id", "the coupon has expired"));
    }
    let template = coupons
        .template(app_id, &coupon.template_id)
        .ok_or_else(|| ApiError::invalid("coupon_id", "the coupon's template is gone"))?;
    if template.status != 1 {
        return Err(ApiError::invalid(
            "coupon_id",
            "the coupon template is not active",
        ));
    }
    if buyer_id != Some(coupon.user_id.as_str()) {
        return Err(ApiError::invalid(
            "buyer_id",
            "must be the user holding the coupon",
        ));
    }
    if total_fee < template.limit_fee {
        return Err(ApiError::invalid(
            "total_fee",
            "below the coupon's limit_fee",
        ));
    }
    Ok(template.discount_on(total_fee))
}

/// Marks a coupon redeemed when its bill is paid: `status` 1, `use_time` now, template `use_count` + 1.
/// An unknown or already redeemed coupon is left alone.
pub(crate) fn redeem(store: &mut Store, coupon_id: &str, now_ms: i64) {
    let coupons = &mut store.coupons;
    let Some(coupon) = coupons
        .coupons
        .iter_mut()
        .find(|c| c.id == coupon_id && c.status == 0)
    else {
        return;
    };
    coupon.status = 1;
    coupon.use_time = Some(now_ms);
    coupon.updated_at = now_ms;
    let template_id = coupon.template_id.clone();
    if let Some(template) = coupons.templates.iter_mut().find(|t| t.id == template_id) {
        template.use_count = template.use_count.saturating_add(1);
    }
}

/// Test hook: adds a coupon template built from the coupon-template JSON keys in `template`, returning its id.
///
/// Missing or mistyped keys get defaults: a fresh UUID `id` (a given id is kept unless taken), the emulator
/// app's `app_id`, name `优惠券`, `type` 0, `limit_fee` 0, `discount` 0 (type 0) or 1.0 (type 1), unlimited
/// counts, `expiry_type` 1 when a `start_time` or `end_time` is given else 2 with 30 `delivery_valid_days`,
/// `status` 1, the app's merchant account, and now for `created_at`/`updated_at`.
pub(crate) fn add_template(store: &mut Store, template: Map<String, Value>) -> String {
    let now_ms = store.now_ms();
    let int = |key: &str| template.get(key).and_then(Value::as_i64);
    let text = |key: &str| {
        template
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let taken = |id: &str| store.coupons.templates.iter().any(|t| t.id == id);
    let id = text("id")
        .filter(|id| !taken(id))
        .map_or_else(new_id, str::to_owned);
    let app_id = text("app_id")
        .unwrap_or(store.app.app_id.as_str())
        .to_owned();
    let kind = int("type").filter(|k| matches!(k, 0 | 1)).unwrap_or(0);
    let (start_time, end_time) = (int("start_time"), int("end_time"));
    let expiry_type = int("expiry_type").filter(|e| matches!(e, 1 | 2)).unwrap_or(
        if start_time.is_some() || end_time.is_some() {
            1
        } else {
            2
        },
    );
    let delivery_valid_days =
        int("delivery_valid_days").or((expiry_type == 2).then_some(DEFAULT_VALID_DAYS));
    let created_at = int("created_at").unwrap_or(now_ms);
    let record = Template {
        id: id.clone(),
        mch_account: text("mch_account").map_or_else(
            || store.merchants.account_of(&app_id).to_owned(),
            str::to_owned,
        ),
        app_id,
        name: text("name").unwrap_or("优惠券").to_owned(),
        kind,
        limit_fee: int("limit_fee").unwrap_or(0),
        discount: template
            .get("discount")
            .and_then(Value::as_f64)
            .unwrap_or(if kind == 1 { 1.0 } else { 0.0 }),
        total_count: int("total_count").unwrap_or(0),
        max_count_per_user: int("max_count_per_user").unwrap_or(0),
        deliver_count: int("deliver_count").unwrap_or(0),
        use_count: int("use_count").unwrap_or(0),
        expiry_type,
        start_time,
        end_time,
        delivery_valid_days,
        status: int("status").unwrap_or(1),
        created_at,
        updated_at: int("updated_at").unwrap_or(created_at),
    };
    store.coupons.templates.push(record);
    id
}
