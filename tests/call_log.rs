//! Feature `log`: one line per call, with operation, method, path, status, result_code and
//! duration, and never a secret, `app_sign`, query or body. Its own test binary: the logger is
//! process-wide.
#![cfg(feature = "log")]

mod support;

use std::sync::Mutex;

use beecloud::BCQuery;
use beecloud::user;
use serde_json::json;
use support::{CaptureServer, Reply};

static LINES: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        LINES.lock().unwrap().push((
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

#[test]
fn one_line_per_call_without_secrets() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let server = CaptureServer::start([
        Reply::ok(json!({"result_code": 0, "result_msg": "OK", "err_detail": ""})),
        Reply::json(
            400,
            &json!({"result_code": 17, "result_msg": "BILL_NO_DUPLICATE", "err_detail": "secret-looking body"}),
        ),
        Reply::ok(json!({"result_code": 0, "result_msg": "OK", "err_detail": "", "count": 3})),
    ]);
    let app = support::bc_app(&server);
    user::add_merchant_user(&app, "buyer-in-body").unwrap();
    user::add_merchant_user(&app, "buyer-in-body").unwrap_err();
    BCQuery::new(app.clone()).query_bills_count(None).unwrap();

    let lines: Vec<_> = LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, target, _)| target == "beecloud")
        .cloned()
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let pattern = |line: &str, start: &str| {
        assert!(line.starts_with(start), "{line}");
        assert!(line.ends_with("ms"), "{line}");
    };
    pattern(
        &lines[0].2,
        "add_merchant_user POST /2/rest/user status=200 result_code=0 ",
    );
    pattern(
        &lines[1].2,
        "add_merchant_user POST /2/rest/user status=400 result_code=17 ",
    );
    pattern(
        &lines[2].2,
        "query_bills_count GET /2/rest/bills/count status=200 result_code=0 ",
    );
    assert_eq!(lines[0].0, log::Level::Info);
    assert_eq!(lines[1].0, log::Level::Warn);
    let sent = server.requests();
    let app_sign = sent[2].para().unwrap()["app_sign"]
        .as_str()
        .unwrap()
        .to_string();
    for (_, _, line) in &lines {
        for secret in [
            support::APP_SECRET,
            support::MASTER_SECRET,
            app_sign.as_str(),
            "buyer-in-body",
            "secret-looking body",
            "para",
            "?",
        ] {
            assert!(!line.contains(secret), "{line} contains {secret}");
        }
    }
}
