//! The vocabulary every emulator room speaks: the decoded call, the error envelope, field readers, the
//! answer type, form decoding and the poison-tolerant lock.
//!
//! Handlers are plain functions `fn(&mut Store, &Call) -> Reply`; the API room (api.rs) does decoding (E1–E4)
//! and authentication before a handler runs, and turns the `Reply` into the JSON envelope afterwards.

use std::sync::{Mutex, MutexGuard};

use chrono::{FixedOffset, TimeZone};

use serde_json::{Map, Value};

/// Every control path starts with this; BeeCloud paths never do. An app other than the first has its
/// own control paths under `{CONTROL_PREFIX}/apps/{app_id}`.
pub(crate) const CONTROL_PREFIX: &str = "/__emulator";

/// Locks a mutex even if a thread panicked while holding it: the state stays usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a room answers; the front turns it into an HTTP response.
pub(crate) enum Answer {
    Json(Map<String, Value>),
    /// A non-JSON body with this status and content type.
    Text {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// `303 See Other` to this URL.
    Redirect(String),
    /// `405 Method Not Allowed`, with these methods in `Allow`.
    WrongMethod(String),
}

/// A plain-text answer.
pub(crate) fn text(status: u16, body: &str) -> Answer {
    Answer::Text {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.to_owned(),
    }
}

/// `k=v&…` form-decoded (`+` = space, `%XX`).
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Percent-decoding (invalid escapes stay as they are; invalid UTF-8 is replaced).
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2]))
            {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Which of an app's two isolated record spaces a call works in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Namespace {
    Live,
    Sandbox,
}

/// One authenticated, decoded request, as a handler sees it.
pub(crate) struct Call<'a> {
    /// The (authenticated) app the request was signed for.
    pub app_id: &'a str,
    pub ns: Namespace,
    /// The path parameter (`{id}`, `{bill_no}`), percent-decoded, when the route has one.
    pub id: Option<&'a str>,
    /// The `{app_id}` path segment of the sandbox notify route.
    pub path_app_id: Option<&'a str>,
    /// Every request field (E1 body, E2 `para`, or E3/E4 query pairs as JSON strings), signing fields included.
    pub fields: &'a Map<String, Value>,
    /// True for E3/E4 requests: every value arrived as a string and the readers below parse it.
    pub from_query_string: bool,
    /// Emulator clock, ms since the Unix epoch.
    pub now_ms: i64,
}

/// A REST error envelope (`result_code` ≠ 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: i64,
    pub detail: String,
}

pub(crate) type Reply = Result<Map<String, Value>, ApiError>;

pub(crate) const APP_INVALID: i64 = 1;
pub(crate) const PAY_FACTOR_NOT_SET: i64 = 2;
pub(crate) const CHANNEL_INVALID: i64 = 3;
pub(crate) const MISS_PARAM: i64 = 4;
pub(crate) const PARAM_INVALID: i64 = 5;
pub(crate) const NO_SUCH_BILL: i64 = 8;
pub(crate) const BILL_UNSUCCESS: i64 = 9;
pub(crate) const ALREADY_REFUNDING: i64 = 11;
pub(crate) const REFUND_AMOUNT_TOO_LARGE: i64 = 12;
pub(crate) const NO_SUCH_REFUND: i64 = 13;
pub(crate) const RUNTIME_ERROR: i64 = 14;
pub(crate) const PREREFUND_DUPLICATE: i64 = 16;
pub(crate) const BILL_NO_DUPLICATE: i64 = 17;

/// The symbolic `result_msg` of a REST code (the names of BeeCloud's error-code table).
pub(crate) fn result_msg(code: i64) -> &'static str {
    match code {
        0 => "OK",
        1 => "APP_INVALID",
        2 => "PAY_FACTOR_NOT_SET",
        3 => "CHANNEL_INVALID",
        4 => "MISS_PARAM",
        5 => "PARAM_INVALID",
        6 => "CERT_FILE_ERROR",
        7 => "CHANNEL_ERROR",
        8 => "NO_SUCH_BILL",
        9 => "BILL_UNSUCCESS",
        10 => "REFUND_EXCEED_TIME",
        11 => "ALREADY_REFUNDING",
        12 => "REFUND_AMOUNT_TOO_LARGE",
        13 => "NO_SUCH_REFUND",
        14 => "RUNTIME_ERROR",
        15 => "NETWORK_ERROR",
        16 => "PREREFUND_DUPLICATE",
        17 => "BILL_NO_DUPLICATE",
        _ => "UNKNOWN_ERROR",
    }
}

impl ApiError {
    pub(crate) fn new(code: i64, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
        }
    }
    pub(crate) fn missing(field: &str) -> Self {
        Self::new(MISS_PARAM, format!("{field} is required"))
    }
    pub(crate) fn invalid(field: &str, why: &str) -> Self {
        Self::new(PARAM_INVALID, format!("{field} is invalid: {why}"))
    }
    /// The full error envelope.
    pub(crate) fn to_envelope(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("result_code".into(), self.code.into());
        m.insert("result_msg".into(), result_msg(self.code).into());
        m.insert("err_detail".into(), self.detail.clone().into());
        m
    }
}

impl Call<'_> {
    /// A string field; absent or JSON null ⇒ `None`; another JSON type ⇒ PARAM_INVALID.
    pub(crate) fn str(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::invalid(name, "must be a string")),
        }
    }
    pub(crate) fn req_str(&self, name: &str) -> Result<&str, ApiError> {
        match self.str(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiError::missing(name)),
        }
    }
    /// An integer field: a JSON integer (E1/E2) or a decimal string (E3/E4).
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid(name, "must be an integer")),
            Some(Value::String(s)) if self.from_query_string => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, "must be an integer")),
            Some(_) => Err(ApiError::invalid(name, "must be an integer")),
        }
    }
    pub(crate) fn req_int(&self, name: &str) -> Result<i64, ApiError> {
        self.int(name)?.ok_or_else(|| ApiError::missing(name))
    }
    /// A number field (integer or float), e.g. a subscription's `amount`.
    pub(crate) fn float(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) if self.from_query_string => s
                .parse::<f64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, "must be a number")),
            Some(_) => Err(ApiError::invalid(name, "must be a number")),
        }
    }
    /// A boolean: JSON `true`/`false`, or in E3/E4 `true`/`false` in any case, `1`/`0`.
    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if self.from_query_string => {
                match s.to_ascii_lowercase().as_str() {
                    // PHP's http_build_query renders booleans as 1 and 0.
                    "true" | "1" => Ok(Some(true)),
                    "false" | "0" => Ok(Some(false)),
                    _ => Err(ApiError::invalid(name, "must be true or false")),
                }
            }
            Some(_) => Err(ApiError::invalid(name, "must be a boolean")),
        }
    }
    /// A JSON object field (`optional`, `analysis`, `redpack_info`…).
    pub(crate) fn map(&self, name: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(ApiError::invalid(name, "must be an object")),
        }
    }
    /// A JSON array field.
    pub(crate) fn list(&self, name: &str) -> Result<Option<&Vec<Value>>, ApiError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(ApiError::invalid(name, "must be a list")),
        }
    }
    /// The path parameter, required by the route.
    pub(crate) fn path_id(&self) -> Result<&str, ApiError> {
        self.id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::missing("id"))
    }
}

/// The common paging criteria of list queries: `skip` (default 0, ≥ 0) and `limit` (default 10, > 0).
pub(crate) fn skip_limit(call: &Call, max_limit: Option<i64>) -> Result<(usize, usize), ApiError> {
    let skip = call.int("skip")?.unwrap_or(0);
    let limit = call.int("limit")?.unwrap_or(10);
    if skip < 0 {
        return Err(ApiError::invalid("skip", "must be >= 0"));
    }
    if limit <= 0 {
        return Err(ApiError::invalid("limit", "must be > 0"));
    }
    let limit = max_limit.map_or(limit, |max| limit.min(max));
    Ok((skip as usize, limit as usize))
}

/// Bill, refund and payout lists return at most this many records per page…
const MAX_LIMIT: i64 = 50;
/// … and at least this many (Java refuses a smaller `limit` locally; Android documents `[10, 50]`).
const MIN_LIMIT: i64 = 10;

/// `skip` and `limit` of bill, refund and payout lists. `limit` is valid in 10..=50; lenient
/// mode clamps into that range, strict mode refuses.
pub(crate) fn bills_limit(call: &Call, strict: bool) -> Result<(usize, usize), ApiError> {
    let (skip, _) = skip_limit(call, None)?;
    let limit = call.int("limit")?.unwrap_or(MIN_LIMIT);
    if strict && !(MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be within 10..=50"));
    }
    Ok((skip, limit.clamp(MIN_LIMIT, MAX_LIMIT) as usize))
}

/// `md5(text)` as 32 lowercase hex digits.
pub(crate) fn md5_hex(text: &str) -> String {
    format!("{:x}", md5::compute(text.as_bytes()))
}

/// Fails with MISS_PARAM naming the first of `names` that is absent, JSON null or an empty string, so every
/// "required" check of a handler runs before any format check (4 before 5, the emulator's validation order).
pub(crate) fn require(call: &Call, names: &[&str]) -> Result<(), ApiError> {
    for name in names {
        match call.fields.get(*name) {
            None | Some(Value::Null) => return Err(ApiError::missing(name)),
            Some(Value::String(s)) if s.is_empty() => return Err(ApiError::missing(name)),
            Some(_) => {}
        }
    }
    Ok(())
}

/// A success payload with one key (`{"plan": {...}}`, `{"id": "..."}`).
pub(crate) fn payload(key: &str, value: impl Into<Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(key.into(), value.into());
    out
}

/// One filter of a list query: which request field it reads and how it matches a row.
///
/// Field paths are JSON pointers into the row's rendered JSON (`/interval`, `/template/limit_fee`).
/// An absent request field, or an empty string, means "no filter".
#[derive(Clone, Copy, Debug)]
pub(crate) enum Criterion {
    /// The string request field equals the string at the path.
    StrEq(&'static str, &'static str),
    /// The string request field is a substring of the string at the path.
    Contains(&'static str, &'static str),
    /// The integer request field equals the integer at the path.
    IntEq(&'static str, &'static str),
    /// The integer at the path is ≤ the integer request field (a coupon's threshold against an order amount).
    IntAtMost(&'static str, &'static str),
    /// The row was created at or after the integer request field (ms, inclusive).
    CreatedFrom(&'static str),
    /// The row was created at or before the integer request field (ms, inclusive).
    CreatedTo(&'static str),
}

/// How a list route answers: the payload key of the list and its filters.
pub(crate) struct ListSpec<'a> {
    /// Payload key of the list (`plans`, `coupons`, `users`…).
    pub key: &'a str,
    pub criteria: &'a [Criterion],
    /// Whether `count_only`, `skip` and `limit` apply (merchant users return everything).
    pub paged: bool,
}

/// One candidate record of a list query.
pub(crate) struct Row {
    pub created_ms: i64,
    /// Tie-breaker for rows created in the same millisecond (the record id).
    pub key: String,
    pub json: Map<String, Value>,
}

/// A parsed criterion value.
enum Wanted<'a> {
    Str(&'a str),
    Int(i64),
}

/// The one list-query engine behind plans, subscriptions, coupon templates, coupons and merchant users:
/// validates every criterion first (so a bad filter fails even on an empty store), filters, orders newest
/// first (then by key), and answers `{total_count}` for `count_only` or `{key: [..]}` after `skip`/`limit`.
pub(crate) fn list_query(
    call: &Call,
    spec: &ListSpec,
    rows: impl IntoIterator<Item = Row>,
) -> Reply {
    let mut wanted = Vec::with_capacity(spec.criteria.len());
    for criterion in spec.criteria {
        let value = match *criterion {
            Criterion::StrEq(field, _) | Criterion::Contains(field, _) => {
                call.str(field)?.filter(|s| !s.is_empty()).map(Wanted::Str)
            }
            Criterion::IntEq(field, _)
            | Criterion::IntAtMost(field, _)
            | Criterion::CreatedFrom(field)
            | Criterion::CreatedTo(field) => call.int(field)?.map(Wanted::Int),
        };
        if let Some(value) = value {
            wanted.push((*criterion, value));
        }
    }
    let (count_only, skip, limit) = if spec.paged {
        let (skip, limit) = skip_limit(call, None)?;
        (call.bool("count_only")?.unwrap_or(false), skip, limit)
    } else {
        (false, 0, usize::MAX)
    };
    let mut hits: Vec<Row> = rows
        .into_iter()
        .filter(|row| {
            wanted
                .iter()
                .all(|(criterion, value)| matches(row, *criterion, value))
        })
        .collect();
    let mut out = Map::new();
    if count_only {
        out.insert("total_count".into(), hits.len().into());
        return Ok(out);
    }
    hits.sort_by(|a, b| {
        b.created_ms
            .cmp(&a.created_ms)
            .then_with(|| a.key.cmp(&b.key))
    });
    let page: Vec<Value> = hits
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|row| Value::Object(row.json))
        .collect();
    out.insert(spec.key.into(), Value::Array(page));
    Ok(out)
}

fn matches(row: &Row, criterion: Criterion, value: &Wanted) -> bool {
    let lookup = |path: &str| lookup(&row.json, path);
    match (criterion, value) {
        (Criterion::StrEq(_, path), Wanted::Str(s)) => {
            lookup(path).and_then(Value::as_str) == Some(*s)
        }
        (Criterion::Contains(_, path), Wanted::Str(s)) => lookup(path)
            .and_then(Value::as_str)
            .is_some_and(|have| have.contains(*s)),
        (Criterion::IntEq(_, path), Wanted::Int(n)) => {
            lookup(path).and_then(Value::as_i64) == Some(*n)
        }
        (Criterion::IntAtMost(_, path), Wanted::Int(n)) => lookup(path)
            .and_then(Value::as_i64)
            .is_some_and(|have| have <= *n),
        (Criterion::CreatedFrom(_), Wanted::Int(n)) => row.created_ms >= *n,
        (Criterion::CreatedTo(_), Wanted::Int(n)) => row.created_ms <= *n,
        _ => false,
    }
}

/// The value at a `/a/b` path inside a JSON object.
fn lookup<'a>(json: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut segments = path.trim_start_matches('/').split('/');
    let mut current = json.get(segments.next()?)?;
    for segment in segments {
        current = current.get(segment)?;
    }
    Some(current)
}

/// The page of a bill, refund, transfer or refund batch.
pub(crate) fn page_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/cashier/{}", form_encode(token))
}

/// The auto-submitting form of `html` pay results (what Alipay / UnionPay return), aimed at the cashier page.
pub(crate) fn auto_submit_form(page_url: &str) -> String {
    format!(
        "<form id=\"bcpaysubmit\" action=\"{}\" method=\"get\"></form><script>document.forms['bcpaysubmit'].submit();</script>",
        escape(page_url)
    )
}

/// HTML-escapes text for element content and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters (valid in a path segment and a query value).
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `yyyyMMdd` of an instant in UTC+8 (BeeCloud's server time zone).
pub(crate) fn beijing_date(ms: i64) -> String {
    let zone = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    zone.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y%m%d").to_string())
        .unwrap_or_default()
}

/// A fresh record id (UUID v4).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("%E4%B8%AD", true), "中");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%", true), "%");
    }
}
