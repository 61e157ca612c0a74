//! The front room: every request passes here once. It logs the request, applies an armed fault, sends
//! `/__emulator/…` to the control room, `/cashier/…` to the cashier room and the rest to the API room,
//! and turns their [`Answer`] into an HTTP response.

use std::sync::Arc;

use serde_json::Value;

use super::core::{Answer, ApiError, lock, text};
use super::records::Fault;
use super::server::{Request, Response};
use super::state::Shared;
use super::{api, cashier, control, trust};

/// The handler the HTTP core calls for every request.
pub(crate) fn handler(shared: Arc<Shared>) -> super::server::Handler {
    Arc::new(move |request| handle(&shared, request))
}

fn handle(shared: &Shared, request: Request) -> Response {
    if let Some(refusal) = trust::check_host(shared, &request) {
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
            let is_sink_push = method == "POST" && rest.starts_with("/sink/");
            let refusal = trust::check_origin(shared, &request)
                .or_else(|| trust::check_token(shared, &request))
                .or_else(|| {
                    (!is_sink_push)
                        .then(|| trust::check_json(&request))
                        .flatten()
                });
            if let Some(refusal) = refusal {
                return refused(refusal);
            }
            return to_response(control::answer(shared, method, rest, query, body));
        }
    }
    let changes_state = !matches!(method.as_str(), "GET" | "HEAD");
    if changes_state && !path.starts_with("/cashier/") {
        if let Some(refusal) = trust::check_origin(shared, &request) {
            return refused(refusal);
        }
    }
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
