//! The demo driven over HTTP, as a browser would: pay, pay at the emulator's cashier, see the
//! webhook settle the bill, refund it; plus the receiver's refusals and the tour.

mod common;

use beecloud::BCChannelType;
use beecloud::entity::BCPayReqParams;
use common::{Browser, agent, attribute_after, get, start_demo, wait_until};
use demo::tour;
use serde_json::json;

#[test]
fn qr_payment_completed_at_the_cashier_settles_by_webhook_and_can_be_refunded() {
    let running = start_demo();
    let base = running.url().to_string();
    let tab = Browser::open(&base);
    let bill_no = format!("{}77", beecloud::utils::order_num_on_datetime());

    // Pay with WX_NATIVE: the POST creates the bill and redirects to its own page (post,
    // redirect, get), which shows the QR code, the amount and the payment link.
    let created = tab.post(
        "/op/pay",
        &[
            ("channel", "WX_NATIVE"),
            ("total_fee", "2"),
            ("bill_no", &bill_no),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some(format!("/bill/{bill_no}").as_str())
    );
    let page = tab.get(&format!("/bill/{bill_no}")).body;
    assert!(page.contains("<svg"), "the QR code is drawn: {page}");
    assert!(page.contains("¥0.02"), "the amount in yuan: {page}");
    // Reloading the bill's page shows the same bill and creates none.
    let orders = running.demo().ledger().orders.len();
    assert_eq!(tab.get(&format!("/bill/{bill_no}")).body, page);
    assert_eq!(running.demo().ledger().orders.len(), orders);
    let cashier = attribute_after(&page, "id=\"open-cashier\"", "href");
    let status_json = get(&format!("{base}/bill_status?bill_no={bill_no}")).body;
    assert!(status_json.contains("\"paid\":false"), "{status_json}");

    // The payer opens the link and submits the cashier's form.
    let cashier_page = get(&cashier);
    assert_eq!(cashier_page.status, 200, "{}", cashier_page.body);
    let action = attribute_after(&cashier_page.body, "<form", "action");
    let emulator_base = running
        .demo()
        .emulator
        .as_ref()
        .expect("emulator")
        .base_url();
    let paid = agent()
        .post(&format!("{emulator_base}{action}"))
        .send_form([("action", "pay")])
        .expect("the cashier answers");
    // The cashier sends the payer back to the demo's return page.
    let back = paid
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    if let Some(back) = back {
        let returned = get(&back);
        assert!(
            returned.body.contains("Back from the channel"),
            "{}",
            returned.body
        );
        assert!(returned.body.contains(&format!("href=\"/bill/{bill_no}\"")));
    }

    // The webhook reaches /webhook, is verified and settles the bill; the status endpoint says so.
    wait_until("the bill to be paid by webhook", || {
        get(&format!("{base}/bill_status?bill_no={bill_no}"))
            .body
            .contains("\"paid\":true,\"source\":\"webhook\"")
    });
    let webhooks = get(&format!("{base}/webhooks")).body;
    assert!(
        webhooks.contains(&bill_no) && webhooks.contains("accepted: order settled"),
        "{webhooks}"
    );

    // The Bills section lists it at once, paid, linking to the bill's page and its refund.
    let bills = tab.get("/section/bills").body;
    assert!(bills.contains("<b class=\"ok\">paid</b>"), "{bills}");
    assert!(
        bills.contains(&format!("href=\"/bill/{bill_no}#refund\"")),
        "{bills}"
    );
    assert!(bills.contains("¥0.02"), "amounts in yuan: {bills}");

    // The paid bill's page offers the refund, the whole amount pre-filled; send its form.
    let page = tab.get(&format!("/bill/{bill_no}")).body;
    let refund_form = &page[page
        .find("<form class=\"op\" method=\"post\" action=\"/op/refund\"")
        .expect("a refund form")..];
    let fields = form_fields(refund_form);
    assert!(
        fields.contains(&("refund_fee".into(), "2".into())),
        "{fields:?}"
    );
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let refunded = tab.post("/op/refund", &fields);
    assert_eq!(refunded.status, 200);
    let refunded = refunded.body;
    assert!(
        refunded.contains("<b>OK</b>") && !refunded.contains("class=\"error\""),
        "{refunded}"
    );
    let refund_no = running
        .demo()
        .recent("refund_no")
        .expect("a refund was recorded");
    // Listed at once in the Refunds section; its page shows it in Beijing time and yuan.
    let refunds = tab.get("/section/refunds").body;
    assert!(
        refunds.contains(&format!("href=\"/refund/{refund_no}\"")),
        "{refunds}"
    );
    let refund_page = tab.get(&format!("/refund/{refund_no}")).body;
    assert!(refund_page.contains("¥0.02"), "{refund_page}");
    assert!(
        refund_page.contains(&format!("href=\"/bill/{bill_no}\"")),
        "{refund_page}"
    );
    assert!(
        !refund_page.contains(">179"),
        "no raw ms times shown: {refund_page}"
    );
    // The ledger links both records, the refund with the bill's channel.
    let ledger = get(&format!("{base}/webhooks")).body;
    assert!(
        ledger.contains(&format!("href=\"/refund/{refund_no}\"")),
        "{ledger}"
    );
    assert!(
        ledger.contains(&format!("href=\"/bill/{bill_no}\"")),
        "{ledger}"
    );
    assert_eq!(
        running
            .demo()
            .order("REFUND", &refund_no)
            .map(|order| order.channel),
        Some("WX_NATIVE".to_string())
    );
    wait_until("the REFUND webhook to settle the refund", || {
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

    // A genuine push for a paid bill, delivered by the emulator, then replayed twice: settled
    // once, each replay answered success and recorded as a repeat.
    let demo = running.demo();
    let bill_no = unpaid_bill(&running, 5);
    pay_and_wait_for_settling(&running, &bill_no);
    let genuine = demo
        .emulator
        .as_ref()
        .expect("emulator")
        .webhooks()
        .into_iter()
        .find(|push| push.body["transaction_id"] == bill_no.as_str())
        .expect("the emulator pushed the payment")
        .body
        .to_string();
    for _ in 0..2 {
        let (status, answer) = post_push(&base, &genuine);
        assert_eq!((status, answer.as_str()), (200, "success"));
    }
    let page = get(&format!("{base}/webhooks")).body;
    assert!(page.contains("rejected: invalid webhook"), "{page}");
    assert!(page.contains("repeated: already handled"), "{page}");
    assert_eq!(page.matches("accepted: order settled").count(), 1, "{page}");
    let app = &demo.app;

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
    let mismatched = signed_push(app, "amount00001", 5).replace(
        &beecloud::utils::webhook_signature(
            &app.app_id,
            "amount00001",
            "PAY",
            "WX",
            5,
            &app.master_secret,
        ),
        &signature,
    );
    assert_ne!(post_push(&base, &mismatched).1, "success");
    assert!(
        !running
            .demo()
            .order("PAY", "amount00001")
            .expect("order")
            .settled
    );
}

/// A push signed correctly (with the master secret) for a bill BeeCloud holds as unpaid: a
/// forgery made early by whoever has the secret, or a push sent before the money moved. The
/// receipt's query finds the bill unpaid, so nothing is settled and BeeCloud is answered `fail`;
/// the real payment's push later settles the bill (the early one used up nothing).
#[test]
fn a_genuinely_signed_push_for_an_unpaid_bill_settles_nothing_and_is_answered_fail() {
    let running = start_demo();
    let base = running.url().to_string();
    let demo = running.demo();
    let bill_no = unpaid_bill(&running, 8);
    let early = signed_push(&demo.app, &bill_no, 8);
    beecloud::utils::verify_webhook(&demo.app, early.as_bytes()).expect("its signature is right");

    let (status, answer) = post_push(&base, &early);
    assert_eq!((status, answer.as_str()), (400, "fail"));
    assert!(!demo.order("PAY", &bill_no).expect("the order").settled);
    let status_json = get(&format!("{base}/bill_status?bill_no={bill_no}")).body;
    assert!(status_json.contains("\"paid\":false"), "{status_json}");
    let page = get(&format!("{base}/webhooks")).body;
    assert!(
        page.contains("rejected: invalid webhook")
            && page.contains("BeeCloud&#39;s record does not show this bill paid"),
        "{page}"
    );

    pay_and_wait_for_settling(&running, &bill_no);
}

/// A WX_NATIVE bill the demo created at its emulator, recorded as the demo's order, unpaid.
fn unpaid_bill(running: &demo::Running, fee: i64) -> String {
    let bill_no = demo::fresh_number();
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.bill_no = Some(bill_no.clone());
    params.total_fee = Some(fee);
    params.title = Some("receiver test".into());
    let bill = running
        .demo()
        .bc_pay
        .pay(&params)
        .expect("the bill is created");
    running
        .demo()
        .record_order("PAY", &bill_no, fee, "WX_NATIVE", &bill.id);
    bill_no
}

/// The payer pays `bill_no` at the emulator; its PAY push settles the demo's order.
fn pay_and_wait_for_settling(running: &demo::Running, bill_no: &str) {
    let demo = running.demo();
    demo.emulator
        .as_ref()
        .expect("emulator")
        .complete_payment(bill_no)
        .expect("paid");
    wait_until("the PAY webhook to settle the bill", || {
        demo.order("PAY", bill_no)
            .is_some_and(|order| order.settled)
    });
}

/// A PAY push for `bill_no` signed with the app's master secret, as BeeCloud would sign it.
fn signed_push(app: &beecloud::BCApp, bill_no: &str, fee: i64) -> String {
    let signature = beecloud::utils::webhook_signature(
        &app.app_id,
        bill_no,
        "PAY",
        "WX",
        fee,
        &app.master_secret,
    );
    json!({"signature": signature, "timestamp": 1, "channel_type": "WX",
        "sub_channel_type": "WX_NATIVE", "transaction_type": "PAY", "transaction_id": bill_no,
        "transaction_fee": fee, "trade_success": true, "message_detail": {}, "optional": {}})
    .to_string()
}

/// POSTs a push to the demo's `/webhook`: the status and the body answered.
fn post_push(base: &str, push: &str) -> (u16, String) {
    let mut response = agent()
        .post(&format!("{base}/webhook"))
        .content_type("application/json")
        .send(push)
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_string().expect("text"))
}

#[test]
fn bad_input_and_markup_are_shown_escaped_without_panicking() {
    let running = start_demo();
    let base = running.url().to_string();
    let tab = Browser::open(&base);
    let answer = tab.post("/op/pay", &[("channel", "WX_NATIVE"), ("total_fee", "abc")]);
    assert_eq!(answer.status, 200);
    let page = answer.body;
    assert!(
        page.contains("Invalid input") && page.contains("whole number"),
        "{page}"
    );

    let page = tab
        .post(
            "/op/query_bill_by_id",
            &[("bill_id", "<script>alert(1)</script>")],
        )
        .body;
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)"), "{page}");

    // An SDK error shows Python's result_code / result_msg / err_detail.
    let page = tab
        .post(
            "/op/refund",
            &[("bill_no", "nosuchbill01"), ("refund_fee", "1")],
        )
        .body;
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
        let answer = get(&format!("{base}{path}"));
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    assert_eq!(get(&format!("{base}/op/no_such_operation")).status, 404);
}

#[test]
fn the_tour_runs_every_operation_successfully() {
    let rows = tour::run().expect("the tour starts");
    let failed: Vec<_> = rows.iter().filter(|row| !row.ok()).collect();
    assert!(failed.is_empty(), "{}", tour::format_table(&rows));
    assert!(rows.len() > 60, "{}", rows.len());
}

/// The fields a form would send as shown: inputs with their values, the selected option of each
/// select, textareas' text (checkboxes left unticked).
fn form_fields(page: &str) -> Vec<(String, String)> {
    let form_start = page.find("<form class=\"op\"").expect("an operation form");
    let form =
        &page[form_start..form_start + page[form_start..].find("</form>").expect("the form ends")];
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = start + tag[start..].find('"')?;
        Some(
            tag[start..end]
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    };
    let mut fields = Vec::new();
    for (index, _) in form.match_indices('<') {
        let tag = &form[index..index + form[index..].find('>').unwrap_or(0) + 1];
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        if name == "csrf_token" || tag.contains("type=\"checkbox\"") {
            continue;
        }
        if tag.starts_with("<input") {
            fields.push((name, attribute(tag, "value").unwrap_or_default()));
        } else if tag.starts_with("<select") {
            let options = &form[index..index + form[index..].find("</select>").expect("closed")];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|option| option.contains(" selected"))
                .or_else(|| options.split("<option").nth(1))
                .and_then(|option| attribute(option, "value"))
                .unwrap_or_default();
            fields.push((name, chosen));
        } else if tag.starts_with("<textarea") {
            let text_start = index + tag.len();
            let text_end = text_start + form[text_start..].find("</textarea>").expect("closed");
            fields.push((name, form[text_start..text_end].replace("&amp;", "&")));
        }
    }
    fields
}

#[test]
fn every_operation_answers_its_own_form() {
    let running = start_demo();
    let tab = Browser::open(running.url());
    let mut ran = 0;
    let mut succeeded = Vec::new();
    for operation in demo::operations::all() {
        let path = format!("/op/{}", operation.name);
        let form = tab.get(&path);
        assert_eq!(form.status, 200, "{path}: {}", form.body);
        let fields = form_fields(&form.body);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let answer = tab.post(&path, &fields);
        assert!(
            matches!(answer.status, 200 | 303),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
        assert!(!answer.body.contains("internal error"), "{path}");
        if answer.status == 303 || answer.body.contains("<b>OK</b>") {
            succeeded.push(operation.name);
        }
        if answer.status == 200 {
            assert!(
                answer.body.contains("<b>OK</b>") || answer.body.contains("class=\"error\""),
                "{path} shows neither a result nor an error: {}",
                answer.body
            );
        }
        ran += 1;
    }
    assert!(ran > 50, "{ran}");
    // With the forms' defaults most operations succeed against a fresh emulator.
    assert!(
        succeeded.len() * 3 > ran * 2,
        "{} of {ran}: {succeeded:?}",
        succeeded.len()
    );
}

#[test]
fn beyond_loopback_the_embedded_emulator_binds_the_same_host_and_hands_out_lan_urls() {
    let running = demo::start(demo::DemoConfig {
        host: "0.0.0.0".into(),
        port: 0,
        ..demo::DemoConfig::default()
    })
    .expect("the demo starts");
    let emulator = running.demo().emulator.as_ref().expect("embedded");
    assert_eq!(emulator.config().host, "0.0.0.0");
    match running.lan_url() {
        Some(lan) => {
            // http://LAN-IP:DEMO-PORT ⇒ the emulator's URLs name the same LAN address.
            let lan_host = lan.rsplit_once(':').expect("a port").0;
            let expected = format!("{lan_host}:{}", emulator.port());
            assert_eq!(emulator.public_url(), expected);
            assert!(emulator.cashier_url("bill").starts_with(&expected));
        }
        None => assert_eq!(emulator.public_url(), emulator.base_url()),
    }
    // The SDK still reaches the emulator through loopback.
    assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    // A loopback demo keeps its emulator on loopback.
    let local = start_demo();
    let emulator = local.demo().emulator.as_ref().expect("embedded");
    assert_eq!(emulator.config().host, "127.0.0.1");
    assert_eq!(emulator.public_url(), emulator.base_url());
}

#[test]
fn bc_express_pays_with_the_four_factors_in_optional_and_confirms_with_the_emulators_sms() {
    let running = start_demo();
    let tab = Browser::open(running.url());
    let bill_no = format!("{}88", beecloud::utils::order_num_on_datetime());
    let created = tab.post(
        "/op/pay",
        &[
            ("channel", "BC_EXPRESS"),
            ("total_fee", "3"),
            ("bill_no", &bill_no),
            ("phone_no", "13800000001"),
            ("card_no", "6222000011112222"),
            ("id_no", "320101199001011234"),
            ("customer_name", "张三"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let emulator = running.demo().emulator.as_ref().expect("emulator");
    let sent = emulator
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path == "/2/rest/bill")
        .expect("the pay reached the emulator");
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body["optional"]["phone_no"], "13800000001", "{body}");
    assert_eq!(body["optional"]["customer_name"], "张三", "{body}");
    assert!(body.get("card_no").is_none(), "{body}");
    assert!(emulator.last_sms_code("13800000001").is_some());

    // Left empty, confirm_bill starts a bill and types in the code the emulator "sent".
    let confirmed = tab.post(
        "/op/confirm_bill",
        &[("token", ""), ("bc_bill_id", ""), ("verify_code", "")],
    );
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(confirmed.body.contains("<b>OK</b>"), "{}", confirmed.body);
}

#[test]
fn an_alipay_refund_keeps_its_confirmation_link_in_the_list_and_on_its_page() {
    let running = start_demo();
    let tab = Browser::open(running.url());
    let bill_no = format!("{}31", beecloud::utils::order_num_on_datetime());
    let created = tab.post(
        "/op/pay",
        &[
            ("channel", "ALI_QRCODE"),
            ("total_fee", "5"),
            ("bill_no", &bill_no),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let emulator = running.demo().emulator.as_ref().expect("the emulator");
    emulator.complete_payment(&bill_no).expect("paid");
    let refund_no = format!("{}32", beecloud::utils::order_num_on_beijing_datetime());
    let refunded = tab.post(
        "/op/refund",
        &[
            ("bill_no", &bill_no),
            ("refund_fee", "5"),
            ("refund_no", &refund_no),
        ],
    );
    let confirm = attribute_after(
        &refunded.body,
        "the merchant confirms this refund at",
        "href",
    );
    assert!(confirm.starts_with("http"), "{confirm}");
    // Still processing: the link is where the merchant looks later, not only on this page.
    let listed = tab.get("/section/refunds").body;
    assert!(listed.contains("confirm at Alipay"), "{listed}");
    let page = tab.get(&format!("/refund/{refund_no}")).body;
    assert!(page.contains("processing"), "{page}");
    assert!(page.contains(&confirm.replace('&', "&amp;")), "{page}");
}

#[test]
fn a_busy_port_names_the_way_to_pick_another() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demo"))
        .args(["--port", &port])
        .env_remove("BEECLOUD_APP_ID")
        .env_remove("DEMO_HOST")
        .output()
        .expect("the demo runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(&format!("port {port}"))
            && said.contains("--port")
            && said.contains("DEMO_PORT"),
        "{said}"
    );
}
