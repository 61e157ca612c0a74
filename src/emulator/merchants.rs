//! Merchant users and history-bill attachment (no REST doc describes them: the Python SDK is the only source).
//!
//! Every app belongs to one merchant account (an email or phone). Users registered through an app belong to
//! the app and its merchant; `GET rest/users` without `email` lists the app's users, with `email` the users of
//! the whole merchant (which must be the app's own).

use serde_json::{Map, Value};

use super::accounts::User;
use super::core::{
    ApiError, Call, Criterion, ListSpec, Namespace, Reply, list_query, payload, require,
};
use super::store::Store;

/// Longest accepted `buyer_id` (the emulator's choice; no source names one).
const MAX_BUYER_ID_CHARS: usize = 64;

const USER_LIST: ListSpec<'static> = ListSpec {
    key: "users",
    criteria: &[
        Criterion::CreatedFrom("start_time"),
        Criterion::CreatedTo("end_time"),
    ],
    paged: false,
};

fn check_buyer_id(field: &str, buyer_id: &str) -> Result<(), ApiError> {
    if buyer_id.is_empty() || buyer_id.chars().count() > MAX_BUYER_ID_CHARS {
        return Err(ApiError::invalid(
            field,
            &format!("must be 1..={MAX_BUYER_ID_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The merchant account named by `email`, which must be the calling app's own.
fn check_merchant(store: &Store, call: &Call, email: &str) -> Result<(), ApiError> {
    if store.merchants.account_of(call.app_id) != email {
        return Err(ApiError::invalid(
            "email",
            "not the merchant account of this app",
        ));
    }
    Ok(())
}

/// POST /2/rest/user `{buyer_id}` ⇒ envelope only.
pub(crate) fn add_user(store: &mut Store, call: &Call) -> Reply {
    require(call, &["buyer_id"])?;
    let buyer_id = call.req_str("buyer_id")?;
    check_buyer_id("buyer_id", buyer_id)?;
    store.merchants.register(call.app_id, buyer_id, call.now_ms);
    Ok(Map::new())
}

/// POST /2/rest/users `{email, buyer_ids}` ⇒ envelope only; all ids are checked before any is registered.
pub(crate) fn batch_add_users(store: &mut Store, call: &Call) -> Reply {
    require(call, &["email", "buyer_ids"])?;
    let email = call.req_str("email")?;
    let list = call
        .list("buyer_ids")?
        .ok_or_else(|| ApiError::missing("buyer_ids"))?;
    if list.is_empty() {
        return Err(ApiError::invalid("buyer_ids", "must not be empty"));
    }
    let buyer_ids = list
        .iter()
        .map(|v| match v {
            Value::String(s) => check_buyer_id("buyer_ids", s).map(|()| s.as_str()),
            _ => Err(ApiError::invalid("buyer_ids", "must be a list of strings")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_merchant(store, call, email)?;
    for buyer_id in buyer_ids {
        store.merchants.register(call.app_id, buyer_id, call.now_ms);
    }
    Ok(Map::new())
}

/// GET /2/rest/users (E2) `{email?, start_time?, end_time?}` ⇒ `users`, newest first, bounds inclusive.
pub(crate) fn query_users(store: &mut Store, call: &Call) -> Reply {
    let email = call.str("email")?.filter(|s| !s.is_empty());
    let users = &store.merchants.users;
    match email {
        Some(email) => {
            check_merchant(store, call, email)?;
            list_query(
                call,
                &USER_LIST,
                users.iter().filter(|u| u.merchant == email).map(User::row),
            )
        }
        None => list_query(
            call,
            &USER_LIST,
            users
                .iter()
                .filter(|u| u.app_id == call.app_id)
                .map(User::row),
        ),
    }
}

/// PUT /2/rest/history_bills `{bill_info: {buyer_id: [bill_no…]}}` ⇒ `failed_bills` (same shape; `{}` when all
/// were linked). A bill fails when it does not exist in the call's namespace or its buyer is not a registered
/// user of the app (the emulator's choice; no source says).
pub(crate) fn attach_history_bills(store: &mut Store, call: &Call) -> Reply {
    require(call, &["bill_info"])?;
    let bill_info = call
        .map("bill_info")?
        .ok_or_else(|| ApiError::missing("bill_info"))?;
    let mut wanted = Vec::with_capacity(bill_info.len());
    for (buyer_id, bills) in bill_info {
        let bills = bills
            .as_array()
            .and_then(|bills| bills.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .ok_or_else(|| {
                ApiError::invalid("bill_info", "must map buyer ids to lists of bill numbers")
            })?;
        wanted.push((buyer_id.as_str(), bills));
    }
    let mut failed = Map::new();
    for (buyer_id, bills) in wanted {
        let known = store.merchants.is_user(call.app_id, buyer_id);
        // Routes of this family run in the live namespace even for test-secret (test-mode) callers, whose
        // bills are sandbox bills: look there when the live namespace has no such bill.
        let other = match call.ns {
            Namespace::Live => Namespace::Sandbox,
            Namespace::Sandbox => Namespace::Live,
        };
        let mut link = |bill_no: &str| {
            store.set_bill_buyer_id(call.app_id, call.ns, bill_no, buyer_id)
                || store.set_bill_buyer_id(call.app_id, other, bill_no, buyer_id)
        };
        let lost: Vec<Value> = bills
            .into_iter()
            .filter(|bill_no| !(known && link(bill_no)))
            .map(Value::from)
            .collect();
        if !lost.is_empty() {
            failed.insert(buyer_id.to_owned(), Value::Array(lost));
        }
    }
    Ok(payload("failed_bills", failed))
}
