//! The demo driven over HTTP, as a browser would: pay, pay at the emulator's cashier, see the
//! webhook settle the bill, refund it; plus the receiver's refusals and the tour.

use std::time::{Duration, Instant};

use beecloud::emulator::EmulatorConfig;
use demo::{DemoConfig, Running, start, tour};

fn start_demo() -> Running {
    start(DemoConfig {
        port: 0,
        credentials: None,
        emulator: EmulatorConfig {
            webhook_time_scale: 0.001,
            ..EmulatorConfig::default()
        },
    })
    .expect("the demo starts")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

fn get(url: &str) -> (u16, String) {
    let mut response = agent().get(url).call().expect("GET answered");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().expect("a text body"),
    )
}

fn post_form(url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut response = agent()
        .post(url)
        .send_form(fields.iter().copied())
        .expect("POST answered");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().expect("a text body"),
    )
}

/// The value of `attribute="…"` right after `marker` in `html` (HTML entities of URLs undone).
fn attribute_after(html: &str, marker: &str, attribute: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {html}"));
    let rest = &html[start..];
    let key = format!("{attribute}=\"");
    let value_start = rest.find(&key).expect("the attribute") + key.len();
    let value_end = value_start + rest[value_start..].find('"').expect("a closing quote");
    rest[value_start..value_end].replace("&amp;", "&")
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn qr_payment_completed_at_the_cashier_settles_by_webhook_and_can_be_refunded() {
    let running = start_demo();
    let base = running.url().to_string();
    let bill_no = format!("{}77", beecloud::utils::order_num_on_datetime());

    // Pay with WX_NATIVE: the page shows the QR code and the payment link.
    let (status, page) = post_form(
        &format!("{base}/op/pay"),
        &[
            ("channel", "WX_NATIVE"),
            ("total_fee", "2"),
            ("bill_no", &bill_no),
        ],
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<svg"), "the QR code is drawn: {page}");
    let cashier = attribute_after(&page, "id=\"open-cashier\"", "href");
    let (_, status_json) = get(&format!("{base}/bill_status?bill_no={bill_no}"));
    assert!(status_json.contains("\"paid\":false"), "{status_json}");

    // The payer opens the link and submits the cashier's form.
    let (status, cashier_page) = get(&cashier);
    assert_eq!(status, 200, "{cashier_page}");
    let action = attribute_after(&cashier_page, "<form", "action");
    let emulator_base = running
        .demo()
        .emulator
        .as_ref()
        .expect("emulator")
        .base_url();
    let (status, returned) = post_form(&format!("{emulator_base}{action}"), &[("action", "pay")]);
    assert_eq!(status, 200, "back on the demo's return page: {returned}");
    assert!(returned.contains("Back from the channel"), "{returned}");

    // The webhook reaches /webhook, is verified and settles the bill; the status endpoint says so.
    wait_until("the bill to be paid by webhook", || {
        get(&format!("{base}/bill_status?bill_no={bill_no}"))
            .1
            .contains("\"paid\":true,\"source\":\"webhook\"")
    });
    let (_, webhooks) = get(&format!("{base}/webhooks"));
    assert!(
        webhooks.contains(&bill_no) && webhooks.contains("accepted: order settled"),
        "{webhooks}"
    );

    // The bill list shows it paid, with a refund link.
    let (_, bills) = post_form(&format!("{base}/op/query_bills"), &[("bill_no", &bill_no)]);
    assert!(bills.contains("<b class=\"ok\">paid</b>"), "{bills}");
    assert!(bills.contains("/op/refund?bill_no="), "{bills}");

    // Refund it.
    let (status, refunded) = post_form(
        &format!("{base}/op/refund"),
        &[("bill_no", &bill_no), ("refund_fee", "2")],
    );
    assert_eq!(status, 200);
    assert!(
        refunded.contains("<b>OK</b>") && !refunded.contains("class=\"error\""),
        "{refunded}"
    );
    let (_, refunds) = post_form(
        &format!("{base}/op/query_refunds"),
        &[("bill_no", &bill_no)],
    );
    assert!(refunds.contains("1 refunds on this page"), "{refunds}");
    wait_until("the REFUND webhook to settle the refund", || {
        let refund_no = running
            .demo()
            .recent("refund_no")
            .expect("a refund was recorded");
        running
            .demo()
            .order("REFUND", &refund_no)
            .is_some_and(|order| order.settled)
    });
}

#[test]
fn the_receiver_refuses_forged_pushes_and_ignores_duplicates() {
    let running = start_demo();
    let base = running.url().to_string();
    let forged = r#"{"signature":"00000000000000000000000000000000","timestamp":1,"channel_type":"WX",
        "sub_channel_type":"WX_NATIVE","transaction_type":"PAY","transaction_id":"forged00001",
        "transaction_fee":1,"trade_success":true,"message_detail":{},"optional":{}}"#;
    let mut response = agent()
        .post(&format!("{base}/webhook"))
        .content_type("application/json")
        .send(forged)
        .expect("answered");
    let body = response.body_mut().read_to_string().expect("text");
    assert_ne!(body.trim(), "success");

    // A genuine push, twice: both answered success, the second recorded as a duplicate.
    let app = &running.demo().app;
    let signature = beecloud::utils::webhook_signature(
        &app.app_id,
        "dup0000001",
        "PAY",
        "WX",
        5,
        &app.master_secret,
    );
    running
        .demo()
        .record_order("PAY", "dup0000001", 5, "WX_NATIVE", "id");
    let genuine = format!(
        r#"{{"signature":"{signature}","timestamp":1,"channel_type":"WX","sub_channel_type":"WX_NATIVE",
        "transaction_type":"PAY","transaction_id":"dup0000001","transaction_fee":5,"trade_success":true,
        "message_detail":{{}},"optional":{{}}}}"#
    );
    for _ in 0..2 {
        let mut response = agent()
            .post(&format!("{base}/webhook"))
            .content_type("application/json")
            .send(genuine.as_str())
            .expect("answered");
        assert_eq!(
            response.body_mut().read_to_string().expect("text"),
            "success"
        );
    }
    let (_, page) = get(&format!("{base}/webhooks"));
    assert!(page.contains("rejected: invalid webhook"), "{page}");
    assert!(page.contains("duplicate: already handled"), "{page}");

    // Right signature, wrong amount: verified but not accepted.
    running
        .demo()
        .record_order("PAY", "amount00001", 999, "WX_NATIVE", "id");
    let signature = beecloud::utils::webhook_signature(
        &app.app_id,
        "amount00001",
        "PAY",
        "WX",
        5,
        &app.master_secret,
    );
    let mismatched = genuine.replace("dup0000001", "amount00001").replace(
        &beecloud::utils::webhook_signature(
            &app.app_id,
            "dup0000001",
            "PAY",
            "WX",
            5,
            &app.master_secret,
        ),
        &signature,
    );
    let mut response = agent()
        .post(&format!("{base}/webhook"))
        .content_type("application/json")
        .send(mismatched.as_str())
        .expect("answered");
    assert_ne!(
        response.body_mut().read_to_string().expect("text"),
        "success"
    );
    assert!(
        !running
            .demo()
            .order("PAY", "amount00001")
            .expect("order")
            .settled
    );
}

#[test]
fn bad_input_and_markup_are_shown_escaped_without_panicking() {
    let running = start_demo();
    let base = running.url().to_string();
    let (status, page) = post_form(
        &format!("{base}/op/pay"),
        &[("channel", "WX_NATIVE"), ("total_fee", "abc")],
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("Invalid input") && page.contains("whole number"),
        "{page}"
    );

    let (_, page) = post_form(
        &format!("{base}/op/query_bill_by_id"),
        &[("bill_id", "<script>alert(1)</script>")],
    );
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)"), "{page}");

    // An SDK error shows Python's result_code / result_msg / err_detail.
    let (_, page) = post_form(
        &format!("{base}/op/refund"),
        &[("bill_no", "nosuchbill01"), ("refund_fee", "1")],
    );
    assert!(
        page.contains("result_code") && page.contains("class=\"error\""),
        "{page}"
    );

    for path in [
        "/",
        "/webhooks",
        "/section/pay",
        "/section/transfers",
        "/section/subscriptions",
        "/op/bc_transfer",
        "/op/subscribe",
    ] {
        let (status, page) = get(&format!("{base}{path}"));
        assert_eq!(status, 200, "{path}: {page}");
    }
    assert_eq!(get(&format!("{base}/op/no_such_operation")).0, 404);
}

#[test]
fn the_tour_runs_every_operation_successfully() {
    let rows = tour::run().expect("the tour starts");
    let failed: Vec<_> = rows.iter().filter(|row| !row.ok()).collect();
    assert!(failed.is_empty(), "{}", tour::format_table(&rows));
    assert!(rows.len() > 60, "{}", rows.len());
}
