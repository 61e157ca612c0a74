//! Only the emulator's own clients can drive it, over real HTTP on 127.0.0.1: a web page's
//! cross-site requests (text/plain POSTs, a foreign `Origin`), DNS rebinding (a foreign `Host`) and
//! wrong methods are refused, while the official SDKs' requests (no `Origin`, loopback `Host`, JSON
//! with a charset, `Expect: 100-continue`, chunked bodies) keep working.
#![cfg(feature = "emulator")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig};
use serde_json::Value;

use crate::support::emulated::pay_body;

/// One raw request on a fresh connection: (status, head, body).
fn raw(emu: &Emulator, request: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(emu.base_url().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// A request with these extra header lines and body, `Connection: close`.
fn request(method: &str, path: &str, host: &str, headers: &str, body: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn host(emu: &Emulator) -> String {
    emu.base_url().trim_start_matches("http://").to_owned()
}

/// A bill paid through the emulator's hook; its id.
fn pending_bill(emu: &Emulator, bill_no: &str) -> String {
    let (status, _, body) = raw(
        emu,
        &request(
            "POST",
            "/2/rest/bill",
            &host(emu),
            "Content-Type: application/json\r\n",
            &pay_body(emu, bill_no).to_string(),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["result_code"], 0, "{reply}");
    reply["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_web_page_cannot_drive_the_control_api() {
    let emu = Emulator::start().unwrap();
    let bill = pending_bill(&emu, "crosssite0001");
    let evil = "Origin: https://evil.example\r\nContent-Type: text/plain\r\n";
    for (path, body) in [
        (
            "/__emulator/webhook_url",
            r#"{"url":"http://10.0.0.1/internal-admin?x=1"}"#.to_owned(),
        ),
        (
            "/__emulator/payments/complete",
            format!(r#"{{"id":"{bill}"}}"#),
        ),
        ("/__emulator/reset", String::new()),
    ] {
        let (status, _, text) = raw(&emu, &request("POST", path, &host(&emu), evil, &body));
        assert_eq!(status, 403, "{path}: {text}");
        // The same simple request without Origin (a form or text/plain fetch) still needs JSON.
        let plain = "Content-Type: text/plain\r\n";
        let (status, head, _) = raw(&emu, &request("POST", path, &host(&emu), plain, &body));
        assert_eq!(status, 415, "{path}");
        assert!(
            !head.to_ascii_lowercase().contains("access-control-"),
            "{head}"
        );
    }
    // Nothing happened: the bill is unpaid, no webhook URL was set, so nothing goes to 10.0.0.1.
    assert!(
        emu.complete_payment(&bill).is_ok(),
        "the bill was still unpaid"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        emu.webhooks().iter().all(|w| !w.url.contains("10.0.0.1")),
        "{:?}",
        emu.webhooks()
    );
    // A foreign page's POST to the API itself is refused as well; its own cashier pages are not.
    let (status, _, _) = raw(
        &emu,
        &request(
            "POST",
            "/2/rest/bill",
            &host(&emu),
            "Origin: https://evil.example\r\nContent-Type: application/json\r\n",
            &pay_body(&emu, "crosssite0002").to_string(),
        ),
    );
    assert_eq!(status, 403);
    let own = format!(
        "Origin: {}\r\nContent-Type: application/json\r\n",
        emu.base_url()
    );
    let (status, _, body) = raw(
        &emu,
        &request(
            "POST",
            "/__emulator/clock",
            &host(&emu),
            &own,
            r#"{"advance_ms":1}"#,
        ),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn dns_rebinding_is_answered_421() {
    let emu = Emulator::start().unwrap();
    for path in [
        "/__emulator/knobs",
        "/__emulator/requests",
        "/__emulator/sms?phone=13800000000",
        "/2/rest/bills?para=%7B%7D",
    ] {
        let (status, _, body) = raw(
            &emu,
            &request("GET", path, "rebind.evil.example:8900", "", ""),
        );
        assert_eq!(status, 421, "{path}: {body}");
        assert!(!body.contains("app_sign"), "{body}");
    }
    // Its own names: loopback, the bound address, names given in the configuration.
    let port = emu.port();
    for name in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "localhost".to_owned(),
    ] {
        let (status, _, _) = raw(&emu, &request("GET", "/__emulator/knobs", &name, "", ""));
        assert_eq!(status, 200, "{name}");
    }
    let named = Emulator::start_with(EmulatorConfig {
        allowed_hosts: vec!["emulator".into()],
        ..EmulatorConfig::default()
    })
    .unwrap();
    let (status, _, _) = raw(
        &named,
        &request("GET", "/__emulator/knobs", "Emulator:8900", "", ""),
    );
    assert_eq!(status, 200);
}

#[test]
fn a_control_token_is_required_and_checked_whole() {
    let emu = Emulator::start_with(EmulatorConfig {
        control_token: Some("s3cret-token".into()),
        ..EmulatorConfig::default()
    })
    .unwrap();
    for presented in [
        "",
        "Bearer s3cret-toke",
        "Bearer s3cret-tokeN",
        "Bearer s3cret-token2",
    ] {
        let header = if presented.is_empty() {
            String::new()
        } else {
            format!("Authorization: {presented}\r\n")
        };
        let (status, _, _) = raw(
            &emu,
            &request("GET", "/__emulator/knobs", &host(&emu), &header, ""),
        );
        assert_eq!(status, 401, "{presented:?}");
    }
    let (status, _, _) = raw(
        &emu,
        &request(
            "GET",
            "/__emulator/knobs",
            &host(&emu),
            "Authorization: Bearer s3cret-token\r\n",
            "",
        ),
    );
    assert_eq!(status, 200);
}

#[test]
fn a_wrong_method_is_answered_405_with_allow() {
    let emu = Emulator::start().unwrap();
    for (method, path, allow) in [
        ("GET", "/__emulator/payments/complete", "POST"),
        ("PUT", "/__emulator/clock", "GET, POST"),
        ("POST", "/__emulator/faults", "POST, DELETE"),
        ("DELETE", "/2/rest/bill", "POST"),
    ] {
        let (status, head, _) = raw(
            &emu,
            &request(
                method,
                path,
                &host(&emu),
                "Content-Type: text/plain\r\n",
                "",
            ),
        );
        if method == "POST" {
            // A POST is allowed there; a text/plain one is refused for its type instead.
            assert_eq!(status, 415, "{method} {path}");
            continue;
        }
        assert_eq!(status, 405, "{method} {path}");
        assert!(head.contains(&format!("Allow: {allow}\r\n")), "{head}");
    }
    let (status, _, _) = raw(
        &emu,
        &request("GET", "/__emulator/no_such", &host(&emu), "", ""),
    );
    assert_eq!(status, 404);
}

#[test]
fn official_clients_keep_working() {
    let emu = Emulator::start().unwrap();
    // PHP's SDK: JSON with a charset, no Origin, a loopback Host, curl's Expect: 100-continue.
    let body = pay_body(&emu, "phpstyle00001").to_string();
    let mut stream = TcpStream::connect(host(&emu)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(
            format!(
                "POST /2/rest/bill HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json; charset=utf-8\r\n\
                 Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                host(&emu),
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let mut answer = vec![0u8; 4096];
    let read = stream.read(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"result_code\":0"), "{answer}");

    // A chunked body, as curl sends one without a known length (split across chunks, with a trailer).
    let body = pay_body(&emu, "chunked000001").to_string();
    let (first, second) = body.split_at(body.len() / 2);
    let chunked = format!(
        "POST /2/rest/bill HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x};ext=1\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\nX-Trailer: y\r\n\r\n",
        host(&emu),
        first.len(),
        second.len()
    );
    let (status, _, text) = raw(&emu, &chunked);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("\"result_code\":0"), "{text}");

    // A control call from code: JSON with a charset, no Origin.
    let (status, _, text) = raw(
        &emu,
        &request(
            "POST",
            "/__emulator/clock",
            &host(&emu),
            "Content-Type: application/json; charset=UTF-8\r\n",
            r#"{"advance_ms":5}"#,
        ),
    );
    assert_eq!(status, 200, "{text}");
}

#[test]
fn pushes_go_to_the_own_sink_and_a_wait_with_nothing_pending_answers_at_once() {
    let emu = Emulator::start().unwrap();
    let bill = pending_bill(&emu, "outofthebox01");
    let json = "Content-Type: application/json\r\n";
    let (status, _, _) = raw(
        &emu,
        &request(
            "POST",
            "/__emulator/payments/complete",
            &host(&emu),
            json,
            &format!(r#"{{"id":"{bill}"}}"#),
        ),
    );
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    let (_, _, body) = raw(
        &emu,
        &request(
            "GET",
            "/__emulator/webhooks?wait_for=1&timeout_ms=2000",
            &host(&emu),
            "",
            "",
        ),
    );
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["webhooks"][0]["delivered"], true, "{reply}");
    assert!(started.elapsed() < Duration::from_secs(1));
    let (_, _, body) = raw(
        &emu,
        &request("GET", "/__emulator/sink", &host(&emu), "", ""),
    );
    let sink: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        sink["received"][0]["path"], "/__emulator/sink/live",
        "{sink}"
    );
    assert!(
        sink["received"][0]["body"]
            .as_str()
            .unwrap()
            .contains("outofthebox01")
    );
    // Waiting for a second push that nothing will cause: answered at once, with a hint.
    let started = std::time::Instant::now();
    let (_, _, body) = raw(
        &emu,
        &request(
            "GET",
            "/__emulator/webhooks?wait_for=2&timeout_ms=2000",
            &host(&emu),
            "",
            "",
        ),
    );
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        reply["hint"].as_str().unwrap().contains("1 of 2"),
        "{reply}"
    );
}
