//! What no page shows: signatures and what they are computed over (`toSign`, `sign`,
//! `signature`: a subscription push's `toSign` carried the app id and app secret in clear), the
//! configured secrets wherever they appear, card, account and ID numbers (only their last 4
//! digits are kept), card passwords and CVVs.
//!
//! Bodies are masked by field name where they are JSON, and by a scan for `"name": value`
//! where they are not (a body cut to size, a body that is not JSON at all).

use serde_json::Value;

/// Fields holding a signature or what one is computed over: shown as `***`.
const SIGNATURE_FIELDS: &[&str] = &["tosign", "sign", "signature", "app_sign"];
/// Fields holding a secret of the payer's card: shown as `***`.
const CARD_SECRET_FIELDS: &[&str] = &["cardpwd", "cvv", "cvv2", "password"];
/// Fields holding a card, account or ID number: shown as `****` and the last 4 digits.
const NUMBER_FIELDS: &[&str] = &[
    "card_no",
    "cardno",
    "card_number",
    "bank_account_no",
    "account_no",
    "id_no",
    "id_card_no",
    "idcard",
];

/// What stands for a hidden value.
pub const HIDDEN: &str = "***";

/// How a field's value is shown.
enum Treatment {
    /// Not at all.
    Hidden,
    /// The last 4 digits.
    LastFour,
}

fn treatment(field: &str) -> Option<Treatment> {
    let field = field.to_ascii_lowercase();
    if SIGNATURE_FIELDS.contains(&field.as_str()) || CARD_SECRET_FIELDS.contains(&field.as_str()) {
        Some(Treatment::Hidden)
    } else if NUMBER_FIELDS.contains(&field.as_str()) {
        Some(Treatment::LastFour)
    } else {
        None
    }
}

/// Whether a form field holds a card, account or ID number or a card secret (never written back
/// into a page).
pub fn is_sensitive_field(name: &str) -> bool {
    treatment(name).is_some()
}

/// `****1234`: the last 4 digits of a number (none of one shorter than 12 digits, whose last 4
/// would give too much of it away).
pub fn last_four(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 12 {
        return "****".into();
    }
    let last: String = digits[digits.len() - 4..].iter().collect();
    format!("****{last}")
}

fn masked_value(treatment: &Treatment, value: &str) -> String {
    match treatment {
        Treatment::Hidden => HIDDEN.into(),
        Treatment::LastFour => last_four(value),
    }
}

/// `text` with every non-empty secret of `secrets` replaced by `***`.
pub fn without_secrets(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text.to_string(), |text, secret| {
            text.replace(secret, HIDDEN)
        })
}

/// A JSON value with the fields above masked, at any depth, and every secret of `secrets`
/// removed from every string.
pub fn masked_json(value: &Value, secrets: &[&str]) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let shown = match (treatment(key), value) {
                        (Some(treatment), Value::String(text)) => {
                            Value::from(masked_value(&treatment, text))
                        }
                        (Some(treatment), Value::Number(number)) => {
                            Value::from(masked_value(&treatment, &number.to_string()))
                        }
                        (Some(_), Value::Null) | (None, _) => masked_json(value, secrets),
                        (Some(_), _) => Value::from(HIDDEN),
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| masked_json(item, secrets))
                .collect(),
        ),
        Value::String(text) => Value::from(without_secrets(text, secrets)),
        other => other.clone(),
    }
}

/// A request body as a page may show it: JSON masked field by field; anything else (cut to
/// size, not JSON) with the secrets removed and the value after each masked field's name
/// masked.
pub fn masked_body(body: &str, secrets: &[&str]) -> String {
    if let Ok(json) = serde_json::from_str::<Value>(body) {
        return masked_json(&json, secrets).to_string();
    }
    masked_by_scan(&without_secrets(body, secrets))
}

/// Masks the value after every `"field"` named above (a string, a number or a bare word), as
/// far as the text goes.
fn masked_by_scan(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        shown.push_str(&rest[..=start]);
        rest = &rest[start + 1..];
        let Some(end) = rest.find('"') else {
            break;
        };
        let name = &rest[..end];
        shown.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
        let Some(treatment) = treatment(name) else {
            continue;
        };
        let after_colon = rest.trim_start();
        let Some(after_colon) = after_colon.strip_prefix(':') else {
            continue;
        };
        shown.push_str(&rest[..rest.len() - after_colon.len()]);
        let value_text = after_colon.trim_start();
        shown.push_str(&after_colon[..after_colon.len() - value_text.len()]);
        let (value, consumed, quoted) = match value_text.strip_prefix('"') {
            Some(inner) => {
                let end = closing_quote(inner).unwrap_or(inner.len());
                let consumed = 1 + end + usize::from(end < inner.len());
                (&inner[..end], consumed, true)
            }
            None => {
                let end = value_text
                    .find([',', '}', ']', ' ', '\n', '\r', '\t'])
                    .unwrap_or(value_text.len());
                (&value_text[..end], end, false)
            }
        };
        let masked = masked_value(&treatment, value);
        if quoted {
            shown.push_str(&format!("\"{masked}\""));
        } else {
            shown.push_str(&masked);
        }
        rest = &value_text[consumed..];
    }
    shown.push_str(rest);
    shown
}

/// The index of the quote ending a JSON string's contents (escaped quotes skipped).
fn closing_quote(inner: &str) -> Option<usize> {
    let mut escaped = false;
    for (index, character) in inner.char_indices() {
        match (escaped, character) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return Some(index),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRETS: &[&str] = &["app-secret-1", "", "master-secret-2"];

    #[test]
    fn json_bodies_lose_signatures_secrets_and_numbers() {
        let body = r#"{"toSign":"appidapp-secret-1","sign":"abc","signature":"def","note":"has master-secret-2 inside",
            "card_no":"6222000011112222","id_no":320101199001011234,"cardpwd":"9","nested":[{"bank_account_no":"1234567890123"}]}"#;
        let shown = masked_body(body, SECRETS);
        for gone in [
            "app-secret-1",
            "master-secret-2",
            "abc",
            "def",
            "6222000011112222",
            "320101199001011234",
            "1234567890123",
            "\"9\"",
        ] {
            assert!(!shown.contains(gone), "{gone} in {shown}");
        }
        assert!(
            shown.contains("****2222") && shown.contains("****1234"),
            "{shown}"
        );
    }

    #[test]
    fn bodies_that_are_not_json_are_masked_by_scanning() {
        let cut = r#"{"transaction_id":"1","toSign" : "appidapp-secret-1", "card_no": 6222000011112222, "signature":"ab\"c… (40 more bytes not kept)"#;
        let shown = masked_body(cut, SECRETS);
        assert!(
            !shown.contains("app-secret-1") && !shown.contains("appid"),
            "{shown}"
        );
        assert!(
            !shown.contains("6222000011112222") && shown.contains("****2222"),
            "{shown}"
        );
        assert!(!shown.contains("ab\\\"c"), "{shown}");
        assert!(shown.contains("\"transaction_id\":\"1\""), "{shown}");
    }

    #[test]
    fn short_numbers_keep_nothing() {
        assert_eq!(last_four("12345678"), "****");
        assert_eq!(last_four("6222 0000 1111 2222"), "****2222");
    }
}
