//! With real credentials: the demo is read-only until the operator token is entered (a script
//! that reads a form's cookie and CSRF token, as any local user, or beyond loopback any machine on
//! the network, could, is refused and BeeCloud hears nothing), and no page shows a secret.

mod common;

use common::{Browser, credentials, fixed_reply_server, start_demo};
use demo::{DemoConfig, start};

const SUCCESS: &str = r#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"rec1"}"#;

/// What a plain script does: GET a page (no cookie), read the session cookie and the CSRF token
/// of its forms, POST without `Origin` or `Referer`.
fn script_posts(base: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let answer = Browser::open(base).post_as(path, fields, None, true);
    (answer.status, answer.body)
}

#[test]
fn with_real_credentials_a_script_is_refused_and_beecloud_hears_nothing() {
    let beecloud = fixed_reply_server(SUCCESS.into());
    let running = start(DemoConfig {
        port: 0,
        credentials: Some(credentials(&beecloud.url)),
        ..DemoConfig::default()
    })
    .expect("the demo starts");
    let base = running.url().to_string();
    let token = running
        .generated_operator_token()
        .expect("a token to print")
        .to_string();
    assert_eq!(token.len(), 32);
    let payout = [
        ("transfer_no", "2026120199990001"),
        ("total_fee", "20000"),
        ("channel_user_id", "o3kKrjlUsMnv__cK5DYZMl0JoAkY"),
    ];
    let refund = [("bill_no", "2026120100000001"), ("refund_fee", "1")];
    for (path, fields) in [
        ("/op/transfer_wx", &payout[..]),
        ("/op/refund", &refund[..]),
    ] {
        let (status, body) = script_posts(&base, path, fields);
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("operator token"), "{body}");
    }
    assert_eq!(beecloud.requests(), 0, "BeeCloud received a request");

    // A browser without the token: read-only, and told so.
    let tab = Browser::open(&base);
    assert!(tab.get("/").body.contains("Read-only"));
    assert_eq!(tab.post("/op/transfer_wx", &payout).status, 403);
    assert_eq!(beecloud.requests(), 0);
    // Queries still work.
    let listed = tab.post("/op/query_bills", &[("limit", "10")]);
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(beecloud.requests(), 1);
    // A wrong token opens nothing.
    let wrong = tab.post(
        "/operator",
        &[("operator_token", "0123456789abcdef0123456789abcdef")],
    );
    assert!(wrong.location.unwrap_or_default().contains("wrong=1"));
    assert_eq!(tab.post("/op/transfer_wx", &payout).status, 403);
    assert_eq!(beecloud.requests(), 1);

    // The operator enters the token once; the same payout then reaches BeeCloud.
    tab.become_operator(&running);
    assert!(tab.get("/").body.contains("Operator: this browser may"));
    let paid_out = tab.post("/op/transfer_wx", &payout);
    assert_eq!(paid_out.status, 200, "{}", paid_out.body);
    assert_eq!(beecloud.requests(), 2);
    // Another browser (or the script) is still no operator.
    let (status, _) = script_posts(&base, "/op/transfer_wx", &payout);
    assert_eq!(status, 403);
    assert_eq!(beecloud.requests(), 2);
}

#[test]
fn beyond_loopback_real_credentials_need_a_configured_token_to_start() {
    let config = |host: &str, token: Option<&str>| DemoConfig {
        host: host.into(),
        port: 0,
        credentials: Some(credentials("http://127.0.0.1:9")),
        operator_token: token.map(str::to_string),
        ..DemoConfig::default()
    };
    let refused = start(config("0.0.0.0", None)).err().expect("refused");
    assert!(
        refused.to_string().contains("DEMO_OPERATOR_TOKEN"),
        "{refused}"
    );
    let short = start(config("127.0.0.1", Some("short")))
        .err()
        .expect("refused");
    assert!(short.to_string().contains("at least 16"), "{short}");
    // A configured token is used as given, and not handed out for printing.
    let running = start(config("127.0.0.1", Some("a-long-enough-operator-token"))).expect("starts");
    assert_eq!(running.generated_operator_token(), None);
    assert!(running.demo().needs_operator());
}

#[test]
fn with_the_embedded_emulator_nothing_asks_for_a_token() {
    let running = start_demo();
    assert!(!running.demo().needs_operator());
    assert_eq!(running.generated_operator_token(), None);
    let tab = Browser::open(running.url());
    let index = tab.get("/").body;
    assert!(!index.contains("Read-only") && !index.contains("operator token"));
    let created = tab.post("/op/pay", &[("channel", "WX_NATIVE"), ("total_fee", "1")]);
    assert_eq!(created.status, 303, "{}", created.body);
}

#[test]
fn no_page_shows_a_secret_a_signature_or_a_card_number_from_a_genuine_push() {
    let running = start(DemoConfig {
        port: 0,
        credentials: Some(credentials("http://127.0.0.1:9")),
        ..DemoConfig::default()
    })
    .expect("the demo starts");
    let (app_id, app_secret, master_secret) =
        ("real-app-id", "real-app-secret", "real-master-secret");
    let timestamp = "1796535503674";
    let signature = beecloud::utils::webhook_signature(
        app_id,
        "sub-0001",
        "SUBSCRIPTION",
        "BC",
        0,
        master_secret,
    );
    let sign = beecloud::utils::subscription_webhook_sign(app_id, app_secret, timestamp);
    // As BeeCloud's subscription pushes were: `toSign` is the app id and app secret in clear.
    let push = format!(
        r#"{{"transaction_type":"SUBSCRIPTION","transaction_id":"sub-0001","transaction_fee":0,
        "channel_type":"BC","sub_channel_type":"BC_SUBSCRIPTION","trade_success":true,"timestamp":{timestamp},
        "toSign":"{app_id}{app_secret}","sign":"{sign}","signature":"{signature}",
        "message_detail":{{"card_no":"6222000011112222","id_no":"320101199001011234","mobile":"13800000000"}}}}"#
    )
    .replace('\n', " ");
    // The demo's own subscription: the push authenticates and its body is kept whole; BeeCloud
    // (port 9 here) cannot be asked, so it stays unconfirmed and is answered `fail`.
    running
        .demo()
        .record_order("SUBSCRIPTION", "sub-0001", 0, "BC", "sub-0001");
    let answer = common::agent()
        .post(&format!("{}/webhook", running.url()))
        .content_type("application/json")
        .send(push.as_str())
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    assert_eq!(
        running.demo().ledger().webhooks_rejected,
        0,
        "the push is genuine"
    );
    // So is a push cut to size on the ledger (not JSON any more when shown).
    let long = push.replace(
        "\"mobile\"",
        &format!("\"padding\":\"{}\",\"mobile\"", "x".repeat(5000)),
    );
    let long = long.replacen(
        "\"toSign\"",
        "\"card_no\":\"6222000011113333\",\"toSign\"",
        1,
    );
    common::agent()
        .post(&format!("{}/webhook", running.url()))
        .content_type("application/json")
        .send(long.as_str())
        .expect("answered");

    // Any visitor (no token, no session) opens the list.
    let page = common::get(&format!("{}/webhooks", running.url())).body;
    assert!(page.contains("sub-0001"), "the push is listed: {page}");
    assert!(page.contains("unconfirmed: not confirmed now"), "{page}");
    for secret in [
        app_secret,
        master_secret,
        &sign,
        &signature,
        "6222000011112222",
        "6222000011113333",
        "320101199001011234",
    ] {
        assert!(!page.contains(secret), "{secret} shown on /webhooks");
    }
    assert!(page.contains("****2222") && page.contains("****1234"));
}
