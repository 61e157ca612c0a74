//! Subscription plans: `/2/plan` create, list, read, update and delete.

use super::accounts::Plan;
use super::core::{ApiError, Call, Criterion, ListSpec, Reply, list_query, payload, require};
use super::store::Store;
use super::validate::new_id;

/// Plan intervals and the largest `interval_count` each allows (a period of at most one year).
const INTERVALS: &[(&str, i64)] = &[("day", 365), ("week", 52), ("month", 12), ("year", 1)];

/// Filters shared by the plan and subscription lists (the Python SDK's `query_plans` criteria).
pub(crate) const CREATED: [Criterion; 2] = [
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

pub(crate) fn plan_index(store: &Store, call: &Call, id: &str) -> Result<usize, ApiError> {
    store
        .subscriptions
        .plans
        .iter()
        .position(|p| p.id == id && p.app_id == call.app_id && !p.deleted)
        .ok_or_else(|| ApiError::invalid("plan_id", "no such plan"))
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
    let optional = call.map("optional")?.cloned().unwrap_or_default();
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
    let optional = call.map("optional")?.cloned();
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
