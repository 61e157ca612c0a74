//! The request fields of one operation: a params struct serialised straight into the request body
//! (no `Value` tree in between), the `set()` extras and the fields the operation adds by hand.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::BCError;

/// Keys the SDK writes itself; a params struct's `set()` may not use them.
pub(crate) const RESERVED_KEYS: &[&str] = &[
    "app_id",
    "timestamp",
    "app_sign",
    "bc_analysis",
    "signature",
];

/// A params struct the HTTP helper can turn into request fields.
pub(crate) trait WireParams: Serialize {
    fn extra(&self) -> &Map<String, Value>;
    /// The modelled field `key` is `Some`.
    fn is_set(&self, key: &str) -> bool;
}

/// The object-safe face of a [`WireParams`], so [`Fields`] needs no type parameter.
trait Encode {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
    fn to_value(&self) -> serde_json::Result<Value>;
    fn extra(&self) -> &Map<String, Value>;
    fn is_set(&self, key: &str) -> bool;
}

impl<P: WireParams> Encode for P {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        serde_json::to_writer(out, self)
    }
    fn to_value(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }
    fn extra(&self) -> &Map<String, Value> {
        WireParams::extra(self)
    }
    fn is_set(&self, key: &str) -> bool {
        WireParams::is_set(self, key)
    }
}

/// The request fields of one operation: a params struct, serialised straight into the request
/// body (no `Value` tree in between), plus the fields the operation adds by hand.
#[derive(Default)]
pub(crate) struct Fields<'a> {
    params: Option<&'a dyn Encode>,
    added: Map<String, Value>,
}

impl From<Map<String, Value>> for Fields<'_> {
    fn from(added: Map<String, Value>) -> Self {
        Fields {
            params: None,
            added,
        }
    }
}

impl Fields<'_> {
    /// `key` is sent (a set field, a non-null `set()` extra or an added field).
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.added.contains_key(key) || self.in_params(key)
    }

    /// `key` is sent with a value other than `null` (what a required field must be).
    pub(crate) fn is_present(&self, key: &str) -> bool {
        self.added.get(key).is_some_and(|value| !value.is_null()) || self.in_params(key)
    }

    fn in_params(&self, key: &str) -> bool {
        self.params.is_some_and(|params| {
            params.is_set(key)
                || params
                    .extra()
                    .get(key)
                    .is_some_and(|value| !value.is_null())
        })
    }

    /// Adds a field (the operation's own; callers check [`contains_key`](Self::contains_key) first).
    pub(crate) fn insert(&mut self, key: String, value: Value) {
        self.added.insert(key, value);
    }

    /// The JSON object, `trailing` (the signature) last, written into one buffer.
    pub(crate) fn to_json(&self, trailing: &Map<String, Value>) -> Result<Vec<u8>, BCError> {
        let not_an_object = || BCError::invalid("parameters must serialise to a JSON object");
        let mut out = Vec::with_capacity(512);
        match self.params {
            Some(params) => {
                params.write_json(&mut out).map_err(|_| not_an_object())?;
                if out.first() != Some(&b'{') || out.pop() != Some(b'}') {
                    return Err(not_an_object());
                }
            }
            None => out.push(b'{'),
        }
        if let Some(key) = self.added.keys().find(|key| self.in_params(key)) {
            return Err(BCError::invalid(format!("`{key}` is set twice")));
        }
        let extras = self.params.into_iter().flat_map(|params| params.extra());
        let extras = extras.filter(|(_, value)| !value.is_null());
        for (key, value) in extras.chain(&self.added).chain(trailing) {
            if out.len() > 1 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, key).map_err(|_| not_an_object())?;
            out.push(b':');
            serde_json::to_writer(&mut out, value).map_err(|_| not_an_object())?;
        }
        out.push(b'}');
        Ok(out)
    }

    /// All fields as one map (for the query-string wires).
    pub(crate) fn to_map(&self) -> Result<Map<String, Value>, BCError> {
        let mut fields = match self.params.map(|params| params.to_value()) {
            None => Map::new(),
            Some(Ok(Value::Object(fields))) => fields,
            Some(_) => {
                return Err(BCError::invalid(
                    "parameters must serialise to a JSON object",
                ));
            }
        };
        if let Some(params) = self.params {
            let extras = params.extra().iter().filter(|(_, value)| !value.is_null());
            fields.extend(extras.map(|(key, value)| (key.clone(), value.clone())));
        }
        fields.extend(self.added.clone());
        Ok(fields)
    }
}

/// The request fields of a params struct: its set fields plus the `set()` extras, which may neither
/// repeat a set field nor a signing field.
pub(crate) fn to_fields<P: WireParams>(params: &P) -> Result<Fields<'_>, BCError> {
    for key in params.extra().keys() {
        if RESERVED_KEYS.contains(&key.as_str()) {
            return Err(BCError::invalid(format!(
                "`{key}` is set by the SDK and cannot be set by hand"
            )));
        }
        if params.is_set(key) {
            return Err(BCError::invalid(format!(
                "`{key}` is set both as a field and through set()"
            )));
        }
    }
    Ok(Fields {
        params: Some(params),
        added: Map::new(),
    })
}

/// `k=v&…` for E3/E4: Python's `str()` of each value, so booleans are `True` / `False` and a list
/// repeats its key; `null` is skipped; an object cannot be expressed and is refused.
pub(crate) fn query_pairs(fields: &Map<String, Value>) -> Result<String, BCError> {
    let mut pairs = Vec::new();
    for (key, value) in fields {
        let values = match value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        for value in values {
            let text = match value {
                Value::Null => continue,
                Value::Bool(true) => "True".to_string(),
                Value::Bool(false) => "False".to_string(),
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Array(_) | Value::Object(_) => {
                    return Err(BCError::invalid(format!(
                        "`{key}` is nested and cannot be sent as a query parameter"
                    )));
                }
            };
            pairs.push(format!(
                "{}={}",
                percent_encode(key, true),
                percent_encode(&text, true)
            ));
        }
    }
    Ok(pairs.join("&"))
}

/// Percent-encodes all but `A-Z a-z 0-9 _ . - ~`; with `form`, a space becomes `+` (Python's
/// `quote_plus`), else `%20` (a path segment, where `/` is escaped too).
pub(crate) fn percent_encode(text: &str, form: bool) -> String {
    let mut encoded = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                encoded.push(byte as char)
            }
            b' ' if form => encoded.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                encoded.push('%');
                encoded.push(HEX[usize::from(byte >> 4)] as char);
                encoded.push(HEX[usize::from(byte & 0xf)] as char);
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn percent_encoding_matches_quote_plus_and_escapes_path_segments() {
        assert_eq!(
            percent_encode("{\"a\": \"b c\"}", true),
            "%7B%22a%22%3A+%22b+c%22%7D"
        );
        assert_eq!(percent_encode("ID 1/2", false), "ID%201%2F2");
        assert_eq!(percent_encode("会员", true), "%E4%BC%9A%E5%91%98");
    }

    #[test]
    fn query_pairs_spell_booleans_as_python_does() {
        let fields =
            json!({"count_only": true, "skip": 0, "ids": ["a", "b"], "none": null, "name": "会员"});
        let query = query_pairs(fields.as_object().unwrap()).unwrap();
        assert_eq!(
            query,
            "count_only=True&ids=a&ids=b&name=%E4%BC%9A%E5%91%98&skip=0"
        );
        let nested = json!({"optional": {"a": 1}});
        assert!(matches!(
            query_pairs(nested.as_object().unwrap()),
            Err(BCError::InvalidParams { .. })
        ));
    }
}
