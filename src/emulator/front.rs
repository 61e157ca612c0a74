//! The front room: every request passes here once. It checks who is calling (trust.rs), picks the app
//! (by the control path, the cashier token or the request's `app_id`), logs the request, applies an
//! armed fault, sends `/__emulator/…` to the control room, `/cashier/…` to the cashier room and the rest
//! to the API room, and turns their [`Answer`] into an HTTP response.

use std::sync::Arc;

use serde_json::Value;

use super::apps::Apps;
use super::core::{Answer, ApiError, lock, text};
use super::records::Fault;
use super::server::{Request, Response};
use super::state::Shared;
use super::{api, cashier, control, trust};

/// The handler the HTTP core calls for every request.
pub(crate) fn handler(apps: Arc<Apps>) -> super::server::Handler {
    Arc::new(move |request| handle(&apps, request))
}

fn handle(apps: &Apps, request: Request) -> Response {
    // Who may call is the emulator's setting: the first app's configuration holds it.
    let first = &apps.first;
    if let Some(refusal) = trust::check_host(first, &request) {
        return refused(refusal);
    }
    let Request {
        ref method,
        ref path,
        ref query,
        ref body,
        ..
    } = request;
    if let Some(rest) = path.strip_prefix(control::PREFIX) {
        if rest.is_empty() || rest.starts_with('/') {
            // The sink takes pushes as any webhook receiver does, whatever their type.
            let is_sink_push = method == "POST"
                && (rest.starts_with("/sink/")
                    || (rest.starts_with("/apps/") && rest.contains("/sink/")));
            let refusal = trust::check_origin(first, &request)
                .or_else(|| trust::check_token(first, &request))
                .or_else(|| {
                    (!is_sink_push)
                        .then(|| trust::check_json(&request))
                        .flatten()
                });
            if let Some(refusal) = refusal {
                return refused(refusal);
            }
            return to_response(control_answer(apps, method, rest, query, body));
        }
    }
    let changes_state = !matches!(method.as_str(), "GET" | "HEAD");
    if changes_state && !path.starts_with("/cashier/") {
        if let Some(refusal) = trust::check_origin(first, &request) {
            return refused(refusal);
        }
    }
    let shared = &*pick_app(apps, method, path, query, body);
    shared.log_request(method, path, query, body);
    if let Some(fault) = take_fault(shared, path) {
        match fault {
            Fault::Delay(pause) => std::thread::sleep(pause),
            Fault::CloseMidBody => {
                return Response::RawThenClose(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"result_c".to_vec(),
                );
            }
            other => return to_response(fault_answer(other)),
        }
    }
    let answer = if let Some(rest) = path.strip_prefix("/cashier/") {
        let mut store = lock(&shared.store);
        cashier::handle(&mut store, method, rest, body)
    } else {
        api::answer(&shared.store, method, path, query, body)
    };
    // The webhook thread is woken once the response is out (see `server::AfterResponse`).
    to_response(answer)
}

/// The app a BeeCloud or cashier request is for: the only one, the one whose store knows the cashier
/// token, or the one the request's `app_id` names (the first when none does: it then refuses the request
/// as BeeCloud refuses an unknown app).
fn pick_app(apps: &Apps, method: &str, path: &str, query: &str, body: &[u8]) -> Arc<Shared> {
    if apps.single() {
        return apps.first.clone();
    }
    let picked = match path.strip_prefix("/cashier/") {
        Some(token) => apps
            .all()
            .into_iter()
            .find(|app| cashier::knows(&lock(&app.store), token)),
        None => api::app_id_of(method, path, query, body).and_then(|id| apps.get(&id)),
    };
    picked.unwrap_or_else(|| apps.first.clone())
}

/// `/__emulator/apps` makes and lists apps; `/__emulator/apps/{app_id}/…` is that app's control API;
/// every other control path is the first app's.
fn control_answer(apps: &Apps, method: &str, rest: &str, query: &str, body: &[u8]) -> Answer {
    let Some(after) = rest.strip_prefix("/apps") else {
        return control::answer(&apps.first, method, rest, query, body);
    };
    match (method, after.trim_end_matches('/')) {
        ("POST", "") => match apps.create() {
            Ok(app) => Answer::Json(app_json(&app)),
            Err(error) => control::error_answer(error.status(), &error.to_string()),
        },
        ("GET", "") => {
            let list: Vec<Value> = apps
                .all()
                .iter()
                .map(|app| app.config.app_id.clone().into())
                .collect();
            let mut reply = serde_json::Map::new();
            reply.insert("apps".into(), list.into());
            Answer::Json(reply)
        }
        (_, "") => Answer::WrongMethod("GET, POST".into()),
        (_, path) => {
            let path = path.strip_prefix('/').unwrap_or(path);
            let (app_id, tail) = path.split_once('/').unwrap_or((path, ""));
            match apps.get(app_id) {
                Some(app) if !tail.is_empty() => {
                    control::answer(&app, method, &format!("/{tail}"), query, body)
                }
                Some(app) if method == "GET" => Answer::Json(app_json(&app)),
                Some(_) => Answer::WrongMethod("GET".into()),
                None => control::error_answer(
                    404,
                    &format!("no app {app_id}; POST {}/apps makes one", control::PREFIX),
                ),
            }
        }
    }
}

/// What a client needs to use an app: its credentials and URLs.
fn app_json(app: &Shared) -> serde_json::Map<String, Value> {
    let config = &app.config;
    let mut map = serde_json::Map::new();
    for (key, value) in [
        ("app_id", &config.app_id),
        ("app_secret", &config.app_secret),
        ("master_secret", &config.master_secret),
        ("test_secret", &config.test_secret),
    ] {
        map.insert(key.into(), value.clone().into());
    }
    map.insert("base_url".into(), app.base_url.clone().into());
    map.insert(
        "control_url".into(),
        format!("{}{}", app.base_url, app.control_path).into(),
    );
    map
}

/// Removes and returns the first armed fault whose prefix matches `path`.
fn take_fault(shared: &Shared, path: &str) -> Option<Fault> {
    let mut faults = lock(&shared.faults);
    let index = faults
        .iter()
        .position(|(prefix, _)| path.starts_with(prefix.as_str()))?;
    Some(faults.remove(index).1)
}

fn fault_answer(fault: Fault) -> Answer {
    match fault {
        Fault::HttpStatus(status) => Answer::Text {
            status,
            content_type: "text/html; charset=utf-8",
            body: format!("<html><body><h1>{status}</h1><p>injected fault</p></body></html>"),
        },
        Fault::NonJson => Answer::Text {
            status: 200,
            content_type: "text/plain",
            body: "success".into(),
        },
        Fault::MissingResultCode => Answer::Text {
            status: 200,
            content_type: "application/json",
            body: r#"{"id":"x"}"#.into(),
        },
        Fault::Oversized(size) => Answer::Text {
            status: 200,
            content_type: "application/json",
            body: padded_json(size),
        },
        Fault::ApiError(code) => Answer::Json(ApiError::new(code, "injected fault").to_envelope()),
        // Handled before a response is built.
        Fault::Delay(_) | Fault::CloseMidBody => text(500, "unexpected fault"),
    }
}

/// A success envelope padded to exactly `size` bytes (or the bare envelope when `size` is smaller).
fn padded_json(size: usize) -> String {
    let head = r#"{"result_code":0,"result_msg":"OK","err_detail":"","padding":""#;
    let tail = "\"}";
    let fill = size.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(fill))
}

fn refused((status, why): trust::Refusal) -> Response {
    Response::text(status, why)
}

fn to_response(answer: Answer) -> Response {
    let (status, headers, body) = match answer {
        Answer::Json(map) => (
            200,
            vec![("Content-Type", "application/json; charset=utf-8".to_owned())],
            Value::Object(map).to_string(),
        ),
        Answer::Text {
            status,
            content_type,
            body,
        } => (
            status,
            vec![("Content-Type", content_type.to_owned())],
            body,
        ),
        Answer::Redirect(location) => (
            303,
            vec![("Location", location.clone())],
            format!("see {location}"),
        ),
        Answer::WrongMethod(allowed) => (
            405,
            vec![("Allow", allowed.clone())],
            format!("method not allowed; this path takes {allowed}"),
        ),
    };
    Response::Full {
        status,
        headers,
        body: body.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_json_has_the_exact_size() {
        for size in [100, 4096, 1 << 20] {
            let body = padded_json(size);
            assert!(serde_json::from_str::<Value>(&body).is_ok());
            assert_eq!(body.len(), size);
        }
        assert!(serde_json::from_str::<Value>(&padded_json(0)).is_ok());
    }
}
