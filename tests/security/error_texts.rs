//! What a user reads when something goes wrong: the exact `Display` of every error kind, over
//! real HTTP on 127.0.0.1, and that no secret value the SDK knows ever appears in any text of an
//! error (`Display`, `Debug`, its sources, `err_detail`, `response_body`, `raw`), while the
//! server's ordinary words stay whole.
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use crate::support;

use std::error::Error as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use beecloud::entity::*;
use beecloud::{BCError, BCPay, BCQuery, utils};
use serde_json::{Value, json};
use support::{APP_SECRET, CaptureServer, MASTER_SECRET, Reply, TEST_SECRET, bc_app, pay_params};

const SECRETS: [&str; 3] = [APP_SECRET, MASTER_SECRET, TEST_SECRET];
const MAY_HAVE_ACTED: &str = "(the server may have acted: query before retrying)";

/// Every text the error offers a user.
fn every_text(err: &BCError) -> Vec<String> {
    let mut shown = vec![
        err.to_string(),
        format!("{err:?}"),
        err.err_detail(),
        err.result_msg(),
        err.response_body().unwrap_or_default().to_string(),
        err.raw()
            .map(|raw| Value::Object(raw.clone()).to_string())
            .unwrap_or_default(),
    ];
    let mut source = err.source();
    while let Some(cause) = source {
        shown.push(cause.to_string());
        shown.push(format!("{cause:?}"));
        source = cause.source();
    }
    shown
}

/// `err` displays exactly `expected`, and none of its texts holds one of `secrets`.
#[track_caller]
fn assert_shown(err: &BCError, expected: &str, secrets: &[&str]) {
    assert_eq!(err.to_string(), expected, "{err:?}");
    for text in every_text(err) {
        for secret in SECRETS.iter().chain(secrets) {
            assert!(!text.contains(secret), "{text} leaks {secret}");
        }
    }
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server on 127.0.0.1 answering one request with `respond(request body)`, a whole HTTP
/// response; its base URL.
fn answer_once(respond: impl FnOnce(&[u8]) -> String + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            // No let chain: the crate's tests also run on Rust 1.85.
            match line.split_once(':') {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse().unwrap();
                }
                _ => {}
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let answer = respond(&body);
        reader.get_mut().write_all(answer.as_bytes()).unwrap();
    });
    url
}

fn json_response(body: &Value) -> String {
    let body = body.to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

// ---------------------------------------------------------------- the server's answers

#[cfg(feature = "emulator")]
#[test]
fn a_wrong_secret_shows_the_servers_explanation_in_full() {
    let emu = beecloud::emulator::Emulator::start().unwrap();
    let mut app = emu.bc_app();
    app.app_secret = "not-the-secret-of-this-app".into();
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        "beecloud error 1 APP_INVALID: app_sign does not match the secret of this route",
        &["not-the-secret-of-this-app"],
    );
    assert!(err.is_app_invalid());
    let body = err.response_body().expect("an API error keeps its body");
    assert!(body.contains("\"result_msg\":\"APP_INVALID\""), "{body}");
}

#[test]
fn echoed_secrets_read_redacted_and_nothing_else_does() {
    let card = "6222000011112222";
    let id = "110101199003071234";
    let url = answer_once(move |request| {
        let request: Value = serde_json::from_slice(request).unwrap();
        let echo = format!(
            "app_sign {} for card {} id {} with secret {APP_SECRET} does not match",
            request["app_sign"].as_str().unwrap(),
            request["card_no"].as_str().unwrap(),
            request["id_no"].as_str().unwrap(),
        );
        json_response(&json!({
            "result_code": 5, "result_msg": "PARAM_INVALID", "err_detail": echo,
            "request": request,
        }))
    });
    let mut app = BCApp::new(support::APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = url;
    let err = utils::verify_card_factors(&app, "name", id, Some(card), None).unwrap_err();
    assert_shown(
        &err,
        "beecloud error 5 PARAM_INVALID: app_sign <redacted> for card <redacted> id <redacted> \
         with secret <redacted> does not match",
        &[card, id],
    );
    assert!(err.is_param_error());
    let raw = err.raw().unwrap();
    assert_eq!(raw["request"]["card_no"], "<redacted>");
    assert_eq!(raw["request"]["name"], "name", "ordinary values stay");
    assert!(err.response_body().unwrap().contains("\"name\":\"name\""));
}

#[test]
fn an_http_status_names_itself_and_keeps_the_body() {
    let server = CaptureServer::start([Reply::text(502, "<html>bad gateway</html>")]);
    let err = BCPay::new(bc_app(&server)).pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        &format!("unexpected http status 502 Bad Gateway {MAY_HAVE_ACTED}"),
        &[],
    );
    assert_eq!(err.response_body(), Some("<html>bad gateway</html>"));
}

#[test]
fn a_body_that_is_not_an_envelope_says_why() {
    let server = CaptureServer::start([
        Reply::text(200, "<html>"),
        Reply::ok(json!({"result_code": 0, "id": 5})),
        Reply::oversized(),
    ]);
    let bc_pay = BCPay::new(bc_app(&server));
    let err = bc_pay.pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        &format!("invalid response (http status 200): the body is not JSON {MAY_HAVE_ACTED}"),
        &[],
    );
    assert_eq!(err.response_body(), Some("<html>"));
    let err = bc_pay.pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        "the server accepted the request; its answer could not be read — query before retrying",
        &[],
    );
    assert_eq!(err.response_body(), Some(r#"{"id":5,"result_code":0}"#));
    let err = bc_pay.pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        &format!("response body larger than 8388608 bytes {MAY_HAVE_ACTED}"),
        &[],
    );
}

#[test]
fn a_redirect_is_refused_and_its_query_withheld() {
    let url = answer_once(|_| {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/{APP_SECRET}/pay?para=%7B\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
    });
    let mut app = BCApp::new(support::APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = url;
    let err = BCQuery::new(app).query_bills(None).unwrap_err();
    assert_shown(
        &err,
        "redirect 302 refused (never followed) to http://elsewhere.example/<redacted>/pay?<redacted>",
        &["para="],
    );
}

// ---------------------------------------------------------------- the network

#[test]
fn connection_refused_names_the_server_and_the_reason() {
    let port = closed_port();
    let mut app = BCApp::new(support::APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = format!("http://127.0.0.1:{port}");
    // A GET: its URL carries the signature, which no text may show.
    let err = BCQuery::new(app).query_bills(None).unwrap_err();
    assert_shown(
        &err,
        &format!("could not connect to 127.0.0.1:{port}: connection refused (nothing was sent)"),
        &["para=", "/2/rest"],
    );
    assert!(!err.outcome_unknown());
}

#[test]
fn a_failed_host_lookup_names_the_host() {
    let mut app = BCApp::new(support::APP_ID, APP_SECRET, MASTER_SECRET);
    // `.invalid` never resolves (RFC 6761).
    app.api_host = "https://beecloud-sdk-test.invalid".into();
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        "could not connect to beecloud-sdk-test.invalid:443: failed to look up \
         beecloud-sdk-test.invalid (nothing was sent)",
        &[],
    );
    assert!(matches!(err, BCError::Connect { .. }), "{err:?}");
    assert!(!err.outcome_unknown(), "no connection was ever opened");
}

#[test]
fn a_connection_lost_mid_answer_says_the_server_may_have_acted() {
    let server = CaptureServer::start([Reply::mid_body_close()]);
    let server_address = server.url().trim_start_matches("http://").to_string();
    let err = BCPay::new(bc_app(&server)).pay(&pay_params()).unwrap_err();
    assert_shown(
        &err,
        &format!(
            "the connection to {server_address} failed: unexpected end of file {MAY_HAVE_ACTED}"
        ),
        &[],
    );
    assert!(err.outcome_unknown());
}

#[test]
fn a_timeout_names_the_server_and_which_limit_ran_out() {
    let server = CaptureServer::start([Reply::slow(Duration::from_millis(1500))]);
    let server_address = server.url().trim_start_matches("http://").to_string();
    let mut app = bc_app(&server);
    app.timeout = Some(Duration::from_millis(300).into());
    let err = BCQuery::new(app).query_bills(None).unwrap_err();
    assert_shown(
        &err,
        &format!("no answer from {server_address} in time: global timeout {MAY_HAVE_ACTED}"),
        &["para="],
    );
}

// ---------------------------------------------------------------- refused before sending

#[test]
fn the_sdks_own_refusals_are_parameter_errors() {
    let server = CaptureServer::start([]);
    let mut params = pay_params();
    params.title = None;
    let err = BCPay::new(bc_app(&server)).pay(&params).unwrap_err();
    assert_shown(&err, "invalid parameters: `title` is required", &[]);
    // The choice this crate makes: one branch for the SDK's refusals and the server's.
    assert!(err.is_param_error());
    assert_eq!(err.code(), None, "no server code: nothing was sent");

    let mut app = bc_app(&server);
    app.master_secret.clear();
    let mut refund = BCRefundReqParams::default();
    refund.refund_no = Some("201708251300001".into());
    refund.bill_no = Some("201708251200001".into());
    refund.refund_fee = Some(1);
    let err = BCPay::new(app.clone()).refund(&refund).unwrap_err();
    assert_shown(&err, "not configured: master secret", &[]);
    assert!(!err.is_param_error());

    app.is_test_mode = true;
    let err = BCPay::new(app).refund(&refund).unwrap_err();
    assert_shown(&err, "refund is not supported in test mode", &[]);
    assert!(server.requests().is_empty(), "nothing was sent");
}
