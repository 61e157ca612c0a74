//! [`SensitiveText`]: a card, account or ID number in a params struct, sent as is and never shown
//! by `Debug`; and the masking every params struct's, result's and push's `Debug` applies to the
//! well-known sensitive keys wherever they appear (logs print `{:?}`).

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Text that travels as a plain JSON string but shows as `<redacted>` in `Debug`: the card,
/// account and ID numbers of every params struct (`card_no`, `account_no`, `id_no`,
/// `bank_account_no`). Fill it with `.into()`:
///
/// ```
/// use beecloud::entity::{BCCardSignParams, SensitiveText};
///
/// let mut params = BCCardSignParams::default();
/// params.card_no = Some("6222000011112222".into());
/// assert!(!format!("{params:?}").contains("6222000011112222"));
/// assert_eq!(params.card_no.as_deref(), Some("6222000011112222"));
/// assert_eq!(format!("{:?}", SensitiveText::from("6222")), "<redacted>");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SensitiveText(String);

impl SensitiveText {
    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SensitiveText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SensitiveText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<&str> for SensitiveText {
    fn from(text: &str) -> Self {
        SensitiveText(text.to_string())
    }
}

impl From<String> for SensitiveText {
    fn from(text: String) -> Self {
        SensitiveText(text)
    }
}

/// What replaces a hidden value, in `Debug` and in an error's texts.
pub(crate) const REDACTED: &str = "<redacted>";

/// Keys whose values `Debug` never shows, wherever they appear (a params field, `optional`, a
/// `set()` extra, a record's `raw`, a nested map or a JSON text inside one): compared in lowercase
/// without `_` and `-`, so `card_no`, `cardNo` and `card-no` are one key.
const SENSITIVE_KEYS: &[&str] = &[
    "cardno",
    "cardnumber",
    "bankaccountno",
    "accountno",
    "idno",
    "idcard",
    "idcardno",
    "cvv",
    "cvv2",
    "cvn2",
    "mobile",
    "phone",
    "password",
    "passwd",
    "pwd",
    "cardpwd",
    "tosign",
    "expiremonth",
    "expireyear",
    "validdate",
];

/// Of those, the keys of card and account numbers: shown as `****1234` at most.
const NUMBER_KEYS: &[&str] = &["cardno", "cardnumber", "bankaccountno", "accountno"];

fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `Debug` hides the value of `key`.
pub(crate) fn is_sensitive(key: &str) -> bool {
    SENSITIVE_KEYS.contains(&normalized(key).as_str())
}

/// Pushes onto `found` the text under every sensitive key in `value`, at any depth (a request's
/// `optional` may carry a card number): the values an error's texts must not echo.
pub(crate) fn sensitive_texts<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match inner {
                    Value::String(text) if is_sensitive(key) => found.push(text),
                    inner => sensitive_texts(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| sensitive_texts(item, found)),
        _ => {}
    }
}

/// What `Debug` shows of a value under a sensitive key: the last 4 digits of a card or account
/// number at most, `<redacted>` for anything else.
fn hidden(key: &str, value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(number) if NUMBER_KEYS.contains(&normalized(key).as_str()) => {
            crate::params::masked_card_number(number).into()
        }
        _ => REDACTED.into(),
    }
}

/// `value` with every sensitive key's value hidden, at any depth, including JSON texts (queries
/// answer `optional` and `message_detail` as JSON text); `None` when nothing needed hiding.
pub(crate) fn masked(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) => masked_object(map).map(Value::Object),
        Value::Array(items) => {
            let shown: Vec<Option<Value>> = items.iter().map(masked).collect();
            shown.iter().any(Option::is_some).then(|| {
                shown
                    .into_iter()
                    .zip(items)
                    .map(|(shown, item)| shown.unwrap_or_else(|| item.clone()))
                    .collect()
            })
        }
        Value::String(text) if text.trim_start().starts_with(['{', '[']) => {
            let inner: Value = serde_json::from_str(text).ok()?;
            masked(&inner).map(|shown| Value::String(shown.to_string()))
        }
        _ => None,
    }
}

/// [`masked`] of a JSON object.
pub(crate) fn masked_object(map: &Map<String, Value>) -> Option<Map<String, Value>> {
    let mut changed = false;
    let shown: Map<String, Value> = map
        .iter()
        .map(|(key, inner)| {
            let shown = if is_sensitive(key) {
                Some(hidden(key, inner)).filter(|shown| shown != inner)
            } else {
                masked(inner)
            };
            changed |= shown.is_some();
            (key.clone(), shown.unwrap_or_else(|| inner.clone()))
        })
        .collect();
    changed.then_some(shown)
}

/// A field as `Debug` shows it: its own `Debug` unless it is, or holds, a sensitive value, which
/// shows as JSON with those values hidden.
pub(crate) struct Shown<'a, T>(pub &'a str, pub &'a T);

impl<T: fmt::Debug + Serialize> fmt::Debug for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shown(key, value) = *self;
        let Ok(json) = serde_json::to_value(value) else {
            return f.write_str("<unprintable>");
        };
        if is_sensitive(key) {
            // A typed field shows as `SensitiveText` does.
            return f.write_str(if json.is_null() {
                "None"
            } else {
                "Some(<redacted>)"
            });
        }
        match masked(&json) {
            Some(shown) => write!(f, "{shown}"),
            None => value.fmt(f),
        }
    }
}
