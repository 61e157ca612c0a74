//! The BeeCloud API room: routing by the route table, decoding (E1–E4), authentication (with the optional
//! timestamp window), running the domain handler, and the JSON envelope around its reply.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::core::{
    APP_INVALID, Answer, ApiError, Call, MISS_PARAM, PARAM_INVALID, RUNTIME_ERROR, lock, md5_hex,
    percent_decode, query_pairs, text,
};
use super::routes::{Encoding, IOS_SANDBOX_PATHS, Lookup, Route, Secret, lookup};
use super::store::Store;

/// What a record costs beyond the request that made it (ids, indexes, timestamps), for the store's limit.
const RECORD_OVERHEAD_BYTES: usize = 512;

/// Routing, decoding, authentication and the handler, for every BeeCloud path.
pub(crate) fn answer(
    store: &Mutex<Store>,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
) -> Answer {
    let Some(segments) = api_segments(path) else {
        return text(404, "not found");
    };
    let (route, id, path_app_id) = match lookup(method, &segments) {
        Lookup::Found { route, id, app_id } => (route, id, app_id),
        Lookup::WrongMethod(allowed) => return Answer::WrongMethod(allowed.join(", ")),
        Lookup::NotFound => return text(404, "not found"),
    };
    if IOS_SANDBOX_PATHS.contains(&route.path) && !lock(store).app.ios_sandbox_routes {
        return text(404, "not found");
    }
    // Writes may add records: each counts as its request plus a fixed overhead, up to the store's limit.
    let adds_records = route.method != "GET";
    let reply = decode(route.encoding, query, body).and_then(|fields| {
        let mut store = lock(store);
        let app_id = authenticate(&store, route, &fields)?;
        let limit = store.app.limits.store_bytes;
        if adds_records && store.record_bytes.saturating_add(body.len()) > limit {
            return Err(ApiError::new(
                RUNTIME_ERROR,
                format!(
                    "the emulator's record store is full ({limit} bytes, EmulatorLimits::store_bytes): \
                     POST /__emulator/reset, or start it with a larger limit"
                ),
            ));
        }
        let call = Call {
            app_id: &app_id,
            ns: route.ns,
            id: id.as_deref(),
            path_app_id: path_app_id.as_deref(),
            fields: &fields,
            from_query_string: route.encoding == Encoding::QueryPairs,
            now_ms: store.now_ms(),
        };
        let reply = catch_unwind(AssertUnwindSafe(|| (route.handler)(&mut store, &call)))
            .unwrap_or_else(|_| {
                Err(ApiError::new(
                    RUNTIME_ERROR,
                    "the emulator failed on this request",
                ))
            });
        if adds_records && reply.is_ok() {
            store.record_bytes += body.len() + query.len() + RECORD_OVERHEAD_BYTES;
        }
        reply
    });
    Answer::Json(match reply {
        Ok(payload) => {
            let mut envelope = Map::new();
            envelope.insert("result_code".into(), 0.into());
            envelope.insert("result_msg".into(), "OK".into());
            envelope.insert("err_detail".into(), "".into());
            envelope.extend(payload);
            envelope
        }
        Err(error) => error.to_envelope(),
    })
}

/// The `app_id` a BeeCloud request names (in its fields, or in the path of sandbox notify), when the
/// route exists and the fields decode.
pub(crate) fn app_id_of(method: &str, path: &str, query: &str, body: &[u8]) -> Option<String> {
    let segments = api_segments(path)?;
    let Lookup::Found { route, app_id, .. } = lookup(method, &segments) else {
        return None;
    };
    if app_id.is_some() {
        return app_id;
    }
    let fields = decode(route.encoding, query, body).ok()?;
    fields.get("app_id")?.as_str().map(str::to_owned)
}

/// The path after `/2/` split into percent-decoded segments, without a trailing slash; `/1/` only for the
/// documented international path.
fn api_segments(path: &str) -> Option<Vec<String>> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let rest = match path.strip_prefix("/2/") {
        Some(rest) => rest,
        None if path == "/1/rest/international/bill" => "rest/international/bill",
        None => return None,
    };
    Some(rest.split('/').map(|s| percent_decode(s, false)).collect())
}

/// Decodes the request fields per the route's encoding; handlers read only the fields they know.
fn decode(encoding: Encoding, query: &str, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match encoding {
        Encoding::JsonBody => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::new(MISS_PARAM, "request body is empty"));
            }
            json_object(body, "request body")
        }
        Encoding::Para => {
            let para = query_pairs(query)
                .into_iter()
                .find(|(k, _)| k == "para")
                .map(|(_, v)| v)
                .ok_or_else(|| ApiError::missing("para"))?;
            json_object(para.as_bytes(), "para")
        }
        Encoding::QueryPairs => {
            let mut fields = Map::new();
            for (key, value) in query_pairs(query) {
                // A Python list arrives as a repeated key.
                match fields.get_mut(&key) {
                    Some(Value::Array(values)) => values.push(value.into()),
                    Some(first) => *first = Value::Array(vec![first.take(), value.into()]),
                    None => {
                        fields.insert(key, value.into());
                    }
                }
            }
            Ok(fields)
        }
    }
}

fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(
            PARAM_INVALID,
            format!("{what} must be a JSON object"),
        )),
        Err(e) => Err(ApiError::new(
            PARAM_INVALID,
            format!("{what} is not valid JSON: {e}"),
        )),
    }
}

/// Checks `app_id`/`timestamp`/`app_sign` against the route's secret, and the timestamp against the
/// configured window; returns the app id.
fn authenticate(
    store: &Store,
    route: &Route,
    fields: &Map<String, Value>,
) -> Result<String, ApiError> {
    let app = &store.app;
    if route.secret == Secret::Unsigned {
        return Ok(app.app_id.clone());
    }
    let text_field = |name: &str| match fields.get(name) {
        None | Some(Value::Null) => Err(ApiError::missing(name)),
        Some(Value::String(s)) if s.is_empty() => Err(ApiError::missing(name)),
        Some(Value::String(s)) => Ok(s.clone()),
        // The signature covers the timestamp "as received": a JSON number's decimal text.
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(ApiError::invalid(name, "must be a string or number")),
    };
    let app_id = text_field("app_id")?;
    if route.secret == Secret::BodySignature {
        // No timestamp, no app_sign (neither Java nor PHP sends them here): the handler checks the body `signature`.
        return if app_id == app.app_id {
            Ok(app_id)
        } else {
            Err(ApiError::new(APP_INVALID, "unknown app_id"))
        };
    }
    let timestamp = text_field("timestamp")?;
    let app_sign = text_field("app_sign")?;
    if app_id != app.app_id {
        return Err(ApiError::new(APP_INVALID, "unknown app_id"));
    }
    let secrets: &[&str] = match route.secret {
        Secret::App => &[&app.app_secret],
        Secret::Master => &[&app.master_secret],
        Secret::Test => &[&app.test_secret],
        Secret::AppOrTest => &[&app.app_secret, &app.test_secret],
        Secret::AppOrMaster if app.strict_bc_transfer_secret => &[&app.master_secret],
        Secret::AppOrMaster => &[&app.master_secret, &app.app_secret],
        Secret::Unsigned | Secret::BodySignature => &[],
    };
    let secrets: Vec<&str> = match (route.secret, route_allows_app_secret(route, fields)) {
        (Secret::Master, true) => vec![&app.master_secret, &app.app_secret],
        _ => secrets.to_vec(),
    };
    let signed = secrets.iter().any(|secret| {
        md5_hex(&format!("{app_id}{timestamp}{secret}")).eq_ignore_ascii_case(&app_sign)
    });
    if !signed {
        return Err(ApiError::new(
            APP_INVALID,
            "app_sign does not match the secret of this route",
        ));
    }
    if let Some(window) = app.timestamp_window {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let fresh = timestamp
            .parse::<i64>()
            .is_ok_and(|ms| store.now_ms().saturating_sub(ms).abs() <= window_ms);
        if !fresh {
            return Err(ApiError::new(
                APP_INVALID,
                format!(
                    "timestamp {timestamp} is not within {} ms of the server clock",
                    window_ms
                ),
            ));
        }
    }
    Ok(app_id)
}

/// A pre-refund (`need_approval` true on POST `rest/refund`) may be signed with the app secret,
/// as both app SDKs (Android, iOS) do; direct refunds and audits stay master-only.
fn route_allows_app_secret(route: &Route, fields: &Map<String, Value>) -> bool {
    route.method == "POST"
        && route.path == "rest/refund"
        && matches!(fields.get("need_approval"), Some(Value::Bool(true)))
}
