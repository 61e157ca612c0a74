//! Local input checks of the operations beyond Python: each refuses a request before any I/O with
//! [`BCError::InvalidParams`] naming the field (the checks the Java and PHP SDKs make).

use serde_json::{Map, Value};

use crate::error::BCError;

/// Page sizes the bill, refund and payout lists accept: the server's documented range, which the
/// Java SDK also enforces.
pub(crate) const LIMIT_RANGE: std::ops::RangeInclusive<i64> = 10..=50;

/// Each of `keys` is present, not null and, if text, not empty.
pub(crate) fn non_empty(fields: &Map<String, Value>, keys: &[&str]) -> Result<(), BCError> {
    for key in keys {
        match fields.get(*key) {
            None | Some(Value::Null) => {
                return Err(BCError::invalid(format!("`{key}` is required")));
            }
            Some(Value::String(text)) if text.is_empty() => {
                return Err(BCError::invalid(format!("`{key}` must not be empty")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `bill_no`, if present, is 8–32 ASCII letters and digits.
pub(crate) fn bill_no(fields: &Map<String, Value>) -> Result<(), BCError> {
    match fields.get("bill_no") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text))
            if (8..=32).contains(&text.len())
                && text.bytes().all(|byte| byte.is_ascii_alphanumeric()) =>
        {
            Ok(())
        }
        Some(_) => Err(BCError::invalid(
            "`bill_no` must be 8 to 32 letters and digits",
        )),
    }
}

/// `key`, if present, is an integer > 0 (an amount in fen).
pub(crate) fn positive(fields: &Map<String, Value>, key: &str) -> Result<(), BCError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(value) if value.as_i64().is_some_and(|amount| amount > 0) => Ok(()),
        Some(_) => Err(BCError::invalid(format!(
            "`{key}` must be a positive amount in fen"
        ))),
    }
}

/// `key`, if present, is one of `allowed`.
pub(crate) fn one_of(
    fields: &Map<String, Value>,
    key: &str,
    allowed: &[&str],
) -> Result<(), BCError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text)) if allowed.contains(&text.as_str()) => Ok(()),
        Some(_) => Err(BCError::invalid(format!(
            "`{key}` must be one of {}",
            allowed.join(", ")
        ))),
    }
}

/// `key`, if present, is an `http://` or `https://` URL.
pub(crate) fn url(fields: &Map<String, Value>, key: &str) -> Result<(), BCError> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text))
            if text.starts_with("http://") || text.starts_with("https://") =>
        {
            Ok(())
        }
        Some(_) => Err(BCError::invalid(format!(
            "`{key}` must be an http:// or https:// URL"
        ))),
    }
}

/// `skip`, if present, is ≥ 0 and `limit`, if present, within [`LIMIT_RANGE`].
pub(crate) fn paging(fields: &Map<String, Value>) -> Result<(), BCError> {
    if let Some(skip) = fields.get("skip").filter(|value| !value.is_null()) {
        if skip.as_i64().is_none_or(|skip| skip < 0) {
            return Err(BCError::invalid("`skip` must be 0 or more"));
        }
    }
    if let Some(limit) = fields.get("limit").filter(|value| !value.is_null()) {
        if !limit
            .as_i64()
            .is_some_and(|limit| LIMIT_RANGE.contains(&limit))
        {
            return Err(BCError::invalid("`limit` must be between 10 and 50"));
        }
    }
    Ok(())
}

/// Refuses `key` when the caller put it in through `set()`: the SDK writes it itself.
pub(crate) fn not_set_by_hand(fields: &Map<String, Value>, key: &str) -> Result<(), BCError> {
    if fields.contains_key(key) {
        return Err(BCError::invalid(format!(
            "`{key}` is set by the SDK and cannot be set by hand"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn each_check_accepts_the_documented_values_only() {
        assert!(non_empty(&fields(json!({"a": "x", "b": 0})), &["a", "b"]).is_ok());
        assert!(non_empty(&fields(json!({"a": ""})), &["a"]).is_err());
        assert!(non_empty(&fields(json!({"a": null})), &["a"]).is_err());
        assert!(non_empty(&fields(json!({})), &["a"]).is_err());

        assert!(bill_no(&fields(json!({"bill_no": "abcd1234"}))).is_ok());
        assert!(bill_no(&fields(json!({}))).is_ok());
        for bad in ["abc1234", "abcd-1234", &"a".repeat(33), "账单账单账单账单"] {
            assert!(
                bill_no(&fields(json!({ "bill_no": bad }))).is_err(),
                "{bad}"
            );
        }

        assert!(positive(&fields(json!({"fee": 1})), "fee").is_ok());
        for bad in [json!(0), json!(-1), json!(1.5), json!("1")] {
            assert!(positive(&fields(json!({ "fee": bad })), "fee").is_err());
        }

        assert!(one_of(&fields(json!({"t": "1"})), "t", &["1", "2"]).is_ok());
        assert!(one_of(&fields(json!({"t": "3"})), "t", &["1", "2"]).is_err());
        assert!(one_of(&fields(json!({"t": 1})), "t", &["1", "2"]).is_err());

        assert!(url(&fields(json!({"u": "https://x"})), "u").is_ok());
        assert!(url(&fields(json!({"u": "ftp://x"})), "u").is_err());

        assert!(paging(&fields(json!({"skip": 0, "limit": 10}))).is_ok());
        assert!(paging(&fields(json!({"limit": 50}))).is_ok());
        for bad in [
            json!({"skip": -1}),
            json!({"limit": 9}),
            json!({"limit": 51}),
        ] {
            assert!(paging(&fields(bad.clone())).is_err(), "{bad}");
        }
    }
}
