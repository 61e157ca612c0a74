//! The merchant user system (Python's `beecloud.user`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::app::BCApp;
use crate::error::BCError;
use crate::http;
use crate::operations as op;
use crate::results::{BCResult, EmptyResult, HistoryBillsResult, UsersResult};

/// Registers one user of the merchant (`POST /2/rest/user`).
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// beecloud::user::add_merchant_user(&bc_app, "buyer-1")?;
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own: only [those of every operation](crate#errors).
pub fn add_merchant_user(bc_app: &BCApp, buyer_id: &str) -> Result<BCResult<EmptyResult>, BCError> {
    http::call(bc_app, &op::add_merchant_user, None, || {
        Ok(Map::from_iter([(
            "buyer_id".to_string(),
            Value::from(buyer_id),
        )]))
    })
}

/// Registers users under a merchant account, an email or phone (`POST /2/rest/users`).
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// beecloud::user::batch_add_merchant_users(&bc_app, "merchant@example.com", ["buyer-1", "buyer-2"])?;
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own: only [those of every operation](crate#errors).
pub fn batch_add_merchant_users<I, S>(
    bc_app: &BCApp,
    merchant: &str,
    buyer_ids: I,
) -> Result<BCResult<EmptyResult>, BCError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let buyer_ids: Vec<Value> = buyer_ids
        .into_iter()
        .map(|id| Value::String(id.into()))
        .collect();
    http::call(bc_app, &op::batch_add_merchant_users, None, || {
        Ok(Map::from_iter([
            ("email".to_string(), Value::from(merchant)),
            ("buyer_ids".to_string(), Value::Array(buyer_ids)),
        ]))
    })
}

/// Users (`GET /2/rest/users`): with `merchant`, every user of that merchant account, else those
/// registered through this app; `start_time` / `end_time` (ms) bound the registration time.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let users = beecloud::user::query_merchant_users(&bc_app, None, None, None)?;
/// for user in &users.users {
///     println!("{:?}", user.buyer_id);
/// }
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own: only [those of every operation](crate#errors).
pub fn query_merchant_users(
    bc_app: &BCApp,
    merchant: Option<&str>,
    start_time: Option<i64>,
    end_time: Option<i64>,
) -> Result<BCResult<UsersResult>, BCError> {
    http::call(bc_app, &op::query_merchant_users, None, || {
        let mut fields = Map::new();
        if let Some(merchant) = merchant {
            fields.insert("email".into(), merchant.into());
        }
        if let Some(start_time) = start_time {
            fields.insert("start_time".into(), start_time.into());
        }
        if let Some(end_time) = end_time {
            fields.insert("end_time".into(), end_time.into());
        }
        Ok(fields)
    })
}

/// Links earlier bills to buyers: `bill_info` maps a buyer id to bill numbers
/// (`PUT /2/rest/history_bills`). `result.failed_bills` lists those that could not be linked.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let bills = std::collections::BTreeMap::from([("buyer-1".to_string(), vec!["bill_no 1".to_string()])]);
/// let result = beecloud::user::attach_buyer_history_bills(&bc_app, &bills)?;
/// println!("not linked: {:?}", result.failed_bills);
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// Besides [those of every operation](crate#errors):
/// - [`BCError::InvalidParams`] when `bill_info` cannot be serialised.
pub fn attach_buyer_history_bills(
    bc_app: &BCApp,
    bill_info: &BTreeMap<String, Vec<String>>,
) -> Result<BCResult<HistoryBillsResult>, BCError> {
    http::call(bc_app, &op::attach_buyer_history_bills, None, || {
        let bill_info = serde_json::to_value(bill_info)
            .map_err(|_| BCError::invalid("`bill_info` is not serialisable"))?;
        Ok(Map::from_iter([("bill_info".to_string(), bill_info)]))
    })
}
