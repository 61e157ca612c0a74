//! The one blocking HTTP helper: every request of the SDK goes through [`call`] (BeeCloud) or
//! [`get`] (WeChat OAuth). An operation is a [`Op`] — name, wire shape, path, secret, test-mode
//! rule — plus its fields; this module refuses test-mode calls, signs, encodes, sends and maps the reply.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::app::{BCApp, BCTimeout, DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_TIMEOUT};
use crate::error::BCError;
use crate::fields::{percent_encode, query_pairs};
use crate::params::Fields;
use crate::redact::{self, Sent};
use crate::reply::{decode, redacted_location, transport_error};
use crate::results::BCResult;
use crate::sign::app_sign;

/// Largest response body the SDK reads (a page of 50 bills is a few tens of KiB).
pub(crate) const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// How the fields travel: BeeCloud uses four encodings, one per family of endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wire {
    /// POST, JSON body.
    Post,
    /// PUT, JSON body.
    Put,
    /// GET, the whole JSON object URL-encoded in one `?para=` parameter.
    GetPara,
    /// GET, one `?k=v&…` parameter per field.
    GetQuery,
    /// DELETE, one `?k=v&…` parameter per field.
    Delete,
}

impl Wire {
    /// The HTTP method.
    pub(crate) fn method(self) -> &'static str {
        match self {
            Wire::Post => "POST",
            Wire::Put => "PUT",
            Wire::GetPara | Wire::GetQuery => "GET",
            Wire::Delete => "DELETE",
        }
    }
}

/// Which secret signs the request in live mode (test mode always uses the test secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    App,
    Master,
    /// Sent without `app_id` / `timestamp` / `app_sign`.
    Unsigned,
    /// T0/T1 payouts: `app_id` and a body `signature` over `bill_no`, this amount field and
    /// `bank_account_no` with the master secret, no `timestamp` / `app_sign`, as the Java and PHP SDKs
    /// sign these payouts.
    Payout(&'static str),
}

/// What test mode does to the operation: most paths accept test-signed requests, payments and
/// their queries move to `/sandbox/` paths, and money-moving calls the sandbox lacks are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TestMode {
    /// Same path, test-signed.
    Same,
    /// This sandbox path instead.
    Sandbox(&'static str),
    /// Refused locally with `-2`.
    Refused,
    /// Only in test mode (e.g. sandbox notify); refused locally with `-2` in live mode.
    Only,
}

/// One REST operation: a row of the table in `operations.rs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op {
    /// Python's method name (for the test-mode refusal text and the call log).
    pub name: &'static str,
    pub wire: Wire,
    /// Path under `/2/`; each `{…}` segment is filled with the next path parameter.
    pub path: &'static str,
    pub secret: Secret,
    pub test_mode: TestMode,
    /// Fields the REST docs require: refused locally when absent.
    pub required: &'static [&'static str],
}

/// Performs `op` for `app`: `id` is the path parameter, `fields` builds the request fields (and runs
/// the operation's own checks) only once test mode has been ruled out.
pub(crate) fn call<'p, T: DeserializeOwned, F: Into<Fields<'p>>>(
    app: &BCApp,
    op: &Op,
    id: Option<&str>,
    fields: impl FnOnce() -> Result<F, BCError>,
) -> Result<BCResult<T>, BCError> {
    call_at(app, op, id.as_slice(), fields)
}

/// [`call`] with any number of path parameters, each percent-encoded as one segment.
pub(crate) fn call_at<'p, T: DeserializeOwned, F: Into<Fields<'p>>>(
    app: &BCApp,
    op: &Op,
    ids: &[&str],
    fields: impl FnOnce() -> Result<F, BCError>,
) -> Result<BCResult<T>, BCError> {
    if app.is_test_mode && op.test_mode == TestMode::Refused {
        return Err(BCError::NotSupportedInTestMode { method: op.name });
    }
    if !app.is_test_mode && op.test_mode == TestMode::Only {
        return Err(BCError::OnlyInTestMode { method: op.name });
    }
    let fields = fields()?.into();
    if let Some(missing) = op.required.iter().find(|key| !fields.is_present(key)) {
        return Err(BCError::invalid(format!("`{missing}` is required")));
    }
    let path = match op.test_mode {
        TestMode::Sandbox(sandbox) if app.is_test_mode => sandbox,
        TestMode::Sandbox(_) | TestMode::Same | TestMode::Refused | TestMode::Only => op.path,
    };
    let mut url = format!("{}/2", api_root(app)?);
    let mut ids = ids.iter();
    for segment in path.split('/') {
        url.push('/');
        if !segment.starts_with('{') {
            url.push_str(segment);
            continue;
        }
        match ids.next() {
            Some(&"") => return Err(BCError::invalid("the id must not be empty")),
            Some(id) => url.push_str(&percent_encode(id, false)),
            None => return Err(BCError::invalid(format!("`{}` needs an id", op.name))),
        }
    }
    debug_assert!(
        ids.next().is_none(),
        "{}: more ids than path parameters",
        op.name
    );
    // Encoded before signing, so a field that cannot travel is reported before a signing problem.
    let caller_query = match op.wire {
        Wire::GetQuery | Wire::Delete => query_pairs(&fields.to_map()?)?,
        _ => String::new(),
    };
    let signature = match op.secret {
        Secret::Payout(amount) => payout_signature(app, &fields.to_map()?, amount)?,
        secret => signature(app, secret)?,
    };
    let agent = app.agent();
    let started = Instant::now();
    // The request is built once; each attempt sends it again (the URL carries a GET's fields).
    let body = match op.wire {
        Wire::Post | Wire::Put => fields.to_json(&signature)?,
        Wire::GetPara => {
            let para = String::from_utf8(fields.to_json(&signature)?)
                .map_err(|_| BCError::invalid("parameters must be UTF-8"))?;
            url.push_str("?para=");
            url.push_str(&percent_encode(&para, true));
            Vec::new()
        }
        Wire::GetQuery | Wire::Delete => {
            if !caller_query.is_empty() || !signature.is_empty() {
                url.push('?');
            }
            url.push_str(&caller_query);
            if !caller_query.is_empty() && !signature.is_empty() {
                url.push('&');
            }
            url.push_str(&query_pairs(&signature)?);
            Vec::new()
        }
    };
    let send = |left| match op.wire {
        Wire::Post => with_timeouts(agent.post(&url), app.timeout, left)
            .header("Content-Type", "application/json")
            .send(&body[..]),
        Wire::Put => with_timeouts(agent.put(&url), app.timeout, left)
            .header("Content-Type", "application/json")
            .send(&body[..]),
        Wire::GetPara | Wire::GetQuery => with_timeouts(agent.get(&url), app.timeout, left).call(),
        Wire::Delete => with_timeouts(agent.delete(&url), app.timeout, left).call(),
    };
    let deadline = app
        .timeout
        .map_or(DEFAULT_CALL_TIMEOUT, |timeout| timeout.deadline());
    let is_get = matches!(op.wire, Wire::GetPara | Wire::GetQuery);
    let (status, result) = crate::retry::attempts(app.retry, is_get, started, deadline, |left| {
        let reply = read_reply(send(left));
        let status = reply.as_ref().ok().map(|(status, _)| *status);
        (
            status,
            reply.and_then(|(status, body)| decode(status, body)),
        )
    });
    let result =
        result.map_err(|error| redact::about(error, &Sent::call(&url, app, &signature, &fields)));
    crate::call_log::record(op.name, op.wire.method(), &url, status, &result, started);
    result
}

/// GETs a document from a non-BeeCloud service (WeChat OAuth), with the default timeouts and body
/// cap: `(status, body)`.
pub(crate) fn get(agent: &ureq::Agent, url: &str) -> Result<(u16, Vec<u8>), BCError> {
    read_reply(with_timeouts(agent.get(url), None, DEFAULT_CALL_TIMEOUT).call())
        .map_err(|error| redact::about(error, &Sent::get(url)))
}

fn api_root(app: &BCApp) -> Result<&str, BCError> {
    let host = app.api_host.trim_end_matches('/');
    if host.starts_with("http://") || host.starts_with("https://") {
        Ok(host)
    } else {
        Err(BCError::NotConfigured {
            what: "api_host (an http:// or https:// URL)",
        })
    }
}

/// `app_id`, `timestamp` (milliseconds) and `app_sign` = md5(app_id + timestamp + secret); none
/// for unsigned operations.
fn signature(app: &BCApp, secret: Secret) -> Result<Map<String, Value>, BCError> {
    if secret == Secret::Unsigned {
        return Ok(Map::new());
    }
    if app.app_id.is_empty() {
        return Err(BCError::NotConfigured { what: "app id" });
    }
    let (secret, what) = match secret {
        _ if app.is_test_mode => (&app.test_secret, "test secret"),
        Secret::Master => (&app.master_secret, "master secret"),
        _ => (&app.app_secret, "app secret"),
    };
    if secret.is_empty() {
        return Err(BCError::NotConfigured { what });
    }
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64);
    Ok(Map::from_iter([
        ("app_id".to_string(), Value::from(app.app_id.as_str())),
        ("timestamp".to_string(), timestamp.into()),
        (
            "app_sign".to_string(),
            app_sign(&app.app_id, timestamp, secret).into(),
        ),
    ]))
}

/// `app_id` and the body `signature` of a T0/T1 payout (the Java and PHP SDKs' form); the fields
/// were checked to be present by the caller's required list.
fn payout_signature(
    app: &BCApp,
    fields: &Map<String, Value>,
    amount: &str,
) -> Result<Map<String, Value>, BCError> {
    if app.app_id.is_empty() {
        return Err(BCError::NotConfigured { what: "app id" });
    }
    if app.master_secret.is_empty() {
        return Err(BCError::NotConfigured {
            what: "master secret",
        });
    }
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(number)) if number.is_i64() => Ok(number.to_string()),
        _ => Err(BCError::invalid(format!("`{key}` is required"))),
    };
    let signature = crate::sign::payout_signature(
        &app.app_id,
        &text("bill_no")?,
        &text(amount)?,
        &text("bank_account_no")?,
        &app.master_secret,
    );
    Ok(Map::from_iter([
        ("app_id".to_string(), Value::from(app.app_id.as_str())),
        ("signature".to_string(), signature.into()),
    ]))
}

/// The call's timeouts, its overall deadline ([`BCTimeout::deadline`]) — or the time `left` of
/// it when this is a retry —, no redirects and every status as an answer for [`read_reply`] to
/// judge (also when the agent came from elsewhere).
fn with_timeouts<B>(
    request: ureq::RequestBuilder<B>,
    timeout: Option<BCTimeout>,
    left: Duration,
) -> ureq::RequestBuilder<B> {
    // Set per request too, so an agent of the caller's (`BCApp::set_agent`) never follows a
    // redirect and reads envelopes alike.
    let config = request
        .config()
        .max_redirects(0)
        .http_status_as_error(false);
    match timeout {
        None => config
            .timeout_connect(Some(DEFAULT_CONNECT_TIMEOUT.min(left)))
            .timeout_global(Some(DEFAULT_CALL_TIMEOUT.min(left))),
        Some(total @ BCTimeout::Total(_)) => {
            config.timeout_global(Some(total.deadline().min(left)))
        }
        Some(both @ BCTimeout::ConnectRead { connect, read }) => config
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(read))
            .timeout_per_read(Some(read))
            .timeout_global(Some(both.deadline().min(left))),
    }
    .build()
}

/// Status and body of an answer, or the transport failure; a 3xx is refused unread.
fn read_reply(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, Vec<u8>), BCError> {
    let mut response = sent.map_err(transport_error)?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        let location = response.headers().get("location");
        return Err(BCError::Redirect {
            status,
            location: location
                .map(|value| redacted_location(&String::from_utf8_lossy(value.as_bytes()))),
        });
    }
    // Sized from Content-Length up front (at most 64 KiB before any byte arrives), so a reply is
    // read without regrowing the buffer.
    let announced = response.body().content_length().unwrap_or(0);
    let mut body = Vec::with_capacity(announced.min(64 * 1024) as usize);
    std::io::Read::read_to_end(
        &mut response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .reader(),
        &mut body,
    )
    .map_err(|error| transport_error(error.into()))?;
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fetch_open_id`'s path (`get` with a default agent) refuses a redirect too.
    #[test]
    fn the_wechat_get_never_follows_a_redirect() {
        use std::io::{Read, Write};
        let decoy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let decoy_url = format!("http://{}", decoy.local_addr().unwrap());
        decoy.set_nonblocking(true).unwrap();
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/sns/oauth2/access_token",
            server.local_addr().unwrap()
        );
        let answer = format!(
            "HTTP/1.1 302 Found\r\nLocation: {decoy_url}/x?secret=s\r\nContent-Length: 0\r\n\r\n"
        );
        let serving = std::thread::spawn(move || {
            let (mut stream, _) = server.accept().unwrap();
            let _ = stream.read(&mut [0; 4096]);
            stream.write_all(answer.as_bytes()).unwrap();
        });
        let err = get(BCApp::default().agent(), &url).unwrap_err();
        serving.join().unwrap();
        assert!(
            matches!(&err, BCError::Redirect { status: 302, location: Some(l) } if *l == format!("{decoy_url}/x?<redacted>")),
            "{err:?}"
        );
        assert!(decoy.accept().is_err(), "the redirect was followed");
    }
}
