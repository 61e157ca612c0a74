//! The demo probed as an attacker would, over HTTP: cross-site form posts, DNS rebinding, a
//! signing oracle, slow clients, floods of webhooks, hostile replies with `javascript:` URLs.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use beecloud::emulator::EmulatorConfig;
use common::{
    Browser, agent, fixed_reply_server, get, start_demo, start_with_credentials, wait_until,
};
use demo::state::{MAX_REJECTED_BODY, MAX_WEBHOOK_FIELD, MAX_WEBHOOKS};
use demo::{DemoConfig, start};

/// A bill paid at the emulator: something a cross-site refund could take back.
fn paid_bill(running: &demo::Running, tab: &Browser) -> String {
    let bill_no = format!("{}42", beecloud::utils::order_num_on_datetime());
    let created = tab.post(
        "/op/pay",
        &[
            ("channel", "WX_NATIVE"),
            ("total_fee", "3"),
            ("bill_no", &bill_no),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let emulator = running.demo().emulator.as_ref().expect("the emulator");
    emulator.complete_payment(&bill_no).expect("paid");
    bill_no
}

fn refunds_of(running: &demo::Running) -> usize {
    running
        .demo()
        .ledger()
        .orders
        .keys()
        .filter(|(kind, _)| kind == "REFUND" || kind == "TRANSFER")
        .count()
}

#[test]
fn cross_site_posts_and_foreign_hosts_are_refused() {
    let running = start_demo();
    let base = running.url().to_string();
    let tab = Browser::open(&base);
    let bill_no = paid_bill(&running, &tab);
    let refund = [("bill_no", bill_no.as_str()), ("refund_fee", "3")];
    let payout = [
        ("transfer_no", "2026120199990001"),
        ("total_fee", "100"),
        ("channel_user_id", "o3kKrjlUsMnv__cK5DYZMl0JoAkY"),
    ];

    // A form on evil.example, submitted in the victim's browser: the cookie may ride along,
    // the Origin tells where the form was.
    for (path, fields) in [
        ("/op/refund", &refund[..]),
        ("/op/transfer_wx", &payout[..]),
    ] {
        let answer = tab.post_as(path, fields, Some("http://evil.example"), true);
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        assert!(answer.body.contains("cross-site"), "{}", answer.body);
        // Without the token (what a cross-site page can send at best), even with no Origin.
        let answer = tab.post_as(path, fields, None, false);
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        // Another session's token is no good either.
        let other = Browser::open(&base);
        let stolen = Browser {
            token: other.token.clone(),
            ..Browser::open(&base)
        };
        assert_eq!(stolen.post(path, fields).status, 403);
    }
    // A Referer from elsewhere (no Origin) is refused too.
    let answer = agent()
        .post(&format!("{base}/op/refund"))
        .header("Cookie", &tab.cookie)
        .header("Referer", "http://evil.example/page")
        .send_form(
            refund
                .iter()
                .copied()
                .chain([("csrf_token", tab.token.as_str())]),
        )
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 403);
    // GET never changes anything: it only shows the form.
    assert_eq!(
        tab.get(&format!("/op/refund?bill_no={bill_no}&refund_fee=3"))
            .status,
        200
    );
    assert_eq!(refunds_of(&running), 0, "nothing was refunded or paid out");
    // Channels post the payer back from their own site (UnionPay does): the return page
    // changes nothing, so it needs no token.
    let back = tab.post_as(
        &format!("/return/{bill_no}"),
        &[("respCode", "00")],
        Some("http://127.0.0.1:1"),
        false,
    );
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body.contains("Back from the channel"));

    // DNS rebinding: evil.example resolving to 127.0.0.1 sends its own name as Host.
    let port = running.address().port();
    for host in [format!("evil.example:{port}"), "evil.example".to_string()] {
        let answer = agent()
            .get(&format!("{base}/"))
            .header("Host", &host)
            .call()
            .expect("answered");
        assert_eq!(answer.status().as_u16(), 421, "{host}");
    }
    let answer = agent()
        .get(&format!("{base}/"))
        .header("Host", &format!("localhost:{port}"))
        .call()
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 200, "localhost is allowed");

    // The same refund from the demo's own page goes through: the checks refuse only the forgeries.
    let answer = tab.post("/op/refund", &refund);
    assert!(answer.body.contains("<b>OK</b>"), "{}", answer.body);
    assert_eq!(refunds_of(&running), 1);
}

#[test]
fn with_real_credentials_nothing_signs_for_the_caller() {
    let running = start_with_credentials(
        &fixed_reply_server(r#"{"result_code":0,"result_msg":"OK","err_detail":""}"#.into()).url,
    );
    let base = running.url().to_string();
    let tab = Browser::open(&base);
    let fields = [
        ("transaction_id", "2026120100000001"),
        ("transaction_type", "PAY"),
        ("channel_type", "WX"),
        ("transaction_fee", "1"),
    ];
    let forged = beecloud::utils::webhook_signature(
        "real-app-id",
        "2026120100000001",
        "PAY",
        "WX",
        1,
        "real-master-secret",
    );
    assert_eq!(tab.get("/op/webhook_signature").status, 404);
    let answer = tab.post("/op/webhook_signature", &fields);
    assert_eq!(answer.status, 404);
    assert!(!answer.body.contains(&forged));
    let utilities = tab.get("/section/utils").body;
    assert!(!utilities.contains("webhook_signature"), "{utilities}");
    assert!(!tab.get("/").body.contains("webhook_signature"));
    // No page shows a secret.
    for path in ["/", "/section/utils", "/section/refunds", "/webhooks"] {
        let page = tab.get(path).body;
        assert!(
            !page.contains("real-master-secret") && !page.contains("real-app-secret"),
            "{path}"
        );
    }

    // Against the embedded emulator the tool works, with the emulator's own demo secret.
    let emulated = start_demo();
    let tab = Browser::open(emulated.url());
    let config = emulated
        .demo()
        .emulator
        .as_ref()
        .expect("emulator")
        .config();
    let expected = beecloud::utils::webhook_signature(
        &config.app_id,
        "2026120100000001",
        "PAY",
        "WX",
        1,
        &config.master_secret,
    );
    let answer = tab.post("/op/webhook_signature", &fields);
    assert!(answer.body.contains(&expected), "{}", answer.body);
}

#[test]
fn slow_clients_do_not_hold_up_a_normal_request_and_are_cut_off() {
    let running = start(DemoConfig {
        port: 0,
        request_timeout: Duration::from_secs(2),
        emulator: EmulatorConfig {
            webhook_time_scale: 0.001,
            ..EmulatorConfig::default()
        },
        ..DemoConfig::default()
    })
    .expect("the demo starts");
    let address = running.address();
    // Twelve clients (three times the old worker count): half trickle a request head, half
    // announce a body and trickle it, a byte every 100 ms.
    let tricklers: Vec<_> = (0..12)
        .map(|index| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(address).expect("connect");
                let start = if index % 2 == 0 {
                    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".to_string()
                } else {
                    format!(
                        "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 1000\r\n\r\n",
                        address.port()
                    )
                };
                stream.write_all(start.as_bytes()).expect("write");
                let began = Instant::now();
                // Keep trickling until the server gives up on us.
                while stream.write_all(b"a").is_ok() && began.elapsed() < Duration::from_secs(10)
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                (began.elapsed(), answer)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let index = get(&format!("{}/", running.url()));
    let took = started.elapsed();
    assert_eq!(index.status, 200);
    assert!(took < Duration::from_secs(1), "a normal GET took {took:?}");

    for trickler in tricklers {
        let (held, answer) = trickler.join().expect("the trickler");
        assert!(
            held < Duration::from_secs(6),
            "a slow client was cut off only after {held:?}"
        );
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{answer}"
        );
    }
}

#[test]
fn too_many_connections_are_turned_away_not_queued() {
    let running = start(DemoConfig {
        port: 0,
        max_connections: 3,
        request_timeout: Duration::from_secs(5),
        ..DemoConfig::default()
    })
    .expect("the demo starts");
    let address = running.address();
    // Three connections in the middle of a request fill the cap: a newcomer is refused at once.
    let busy: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = TcpStream::connect(address).expect("connect");
            stream.write_all(b"GET / HTTP/1.1\r\n").expect("write");
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut extra = TcpStream::connect(address).expect("connect");
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut answer = String::new();
    let _ = extra.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    drop(busy);
    // Three silent connections fill it too, but make room: the oldest is closed for a real GET.
    std::thread::sleep(Duration::from_millis(200));
    let silent: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(address).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(get(&format!("{}/", running.url())).status, 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    drop(silent);
}

#[test]
fn silent_sockets_that_keep_reconnecting_do_not_lock_the_operator_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let running = start_demo();
    let address = running.address();
    let stop = Arc::new(AtomicBool::new(false));
    // 64 clients that connect, say nothing, and connect again as soon as they are dropped.
    let silent: Vec<_> = (0..64)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok(mut socket) = TcpStream::connect(address) else {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
                    let mut byte = [0u8; 1];
                    // Held until the server closes it (or answers it: a 503 is a close too).
                    while !stop.load(Ordering::SeqCst) {
                        match socket.read(&mut byte) {
                            Ok(_) => break,
                            Err(error)
                                if error.kind() == std::io::ErrorKind::WouldBlock
                                    || error.kind() == std::io::ErrorKind::TimedOut => {}
                            Err(_) => break,
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // The operator keeps using the demo meanwhile: every page within a second.
    let client: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(1)))
        .build()
        .into();
    let mut served = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(6);
    while Instant::now() < deadline {
        let started = Instant::now();
        let status = client
            .get(&format!("{}/", running.url()))
            .call()
            .map(|answer| answer.status().as_u16());
        served.push((status.ok(), started.elapsed()));
        std::thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, Ordering::SeqCst);
    for thread in silent {
        let _ = thread.join();
    }
    let refused: Vec<_> = served
        .iter()
        .filter(|(status, took)| *status != Some(200) || *took >= Duration::from_secs(1))
        .collect();
    assert!(
        refused.is_empty(),
        "{} of {} GETs not served within 1 s: {refused:?}",
        refused.len(),
        served.len()
    );
}

#[test]
fn the_webhook_ledger_stays_bounded_whatever_is_posted() {
    let running = start_demo();
    let url = format!("{}/webhook", running.url());
    let pushes = MAX_WEBHOOKS + 50;
    // Unsigned pushes of 256 KiB each (64 MiB in all), with a huge transaction_id.
    let filler = "x".repeat(256 * 1024);
    let body = format!(
        r#"{{"transaction_type":"PAY","transaction_id":"{filler}","signature":"0","transaction_fee":1}}"#
    );
    let agent = agent();
    for _ in 0..pushes {
        let answer = agent
            .post(&url)
            .content_type("application/json")
            .send(body.as_str())
            .expect("answered");
        assert_eq!(answer.status().as_u16(), 400);
    }
    // A body over 1 MiB is not even read.
    let huge = "y".repeat((1 << 20) + 1);
    let answer = agent
        .post(&url)
        .content_type("application/json")
        .send(huge.as_str());
    if let Ok(answer) = answer {
        assert_eq!(answer.status().as_u16(), 413);
    }

    {
        let ledger = running.demo().ledger();
        assert_eq!(ledger.webhooks.len(), MAX_WEBHOOKS);
        assert_eq!(ledger.webhooks_rejected, pushes as u64);
        assert_eq!(ledger.webhooks_dropped, (pushes - MAX_WEBHOOKS) as u64);
        let per_push = MAX_REJECTED_BODY + 5 * MAX_WEBHOOK_FIELD + 200;
        assert!(
            ledger.webhook_bytes() <= MAX_WEBHOOKS * per_push,
            "{} bytes kept",
            ledger.webhook_bytes()
        );
    }
    let page = get(&format!("{}/webhooks", running.url()));
    assert_eq!(page.status, 200);
    assert!(page.body.len() < 2 << 20, "{} bytes", page.body.len());
    assert!(
        page.body
            .contains(&format!("{pushes} pushes received, {pushes} rejected")),
        "the page counts what it no longer lists"
    );
}

#[test]
fn javascript_urls_from_a_hostile_api_host_never_become_links() {
    let hostile = r#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"rec1",
        "url":"javascript:alert(document.cookie)","code_url":"JavaScript:alert(2)",
        "qr_code":" javascript:alert(3)","html":"<p>channel page</p>","credit_card_id":"card1",
        "sms_id":"sms1","plan":{"id":"plan1"},"subscription":{"id":"sub1"},"coupon":{"id":"c1"}}"#;
    let running = start_with_credentials(&fixed_reply_server(hostile.replace('\n', " ")).url);
    let tab = Browser::open(running.url());
    tab.become_operator(&running);
    let no = || format!("{}01", beecloud::utils::order_num_on_datetime());
    let (bill_1, bill_2, bill_3, refund_no, transfer_no, batch_no) =
        (no(), no(), no(), no(), no(), no());
    let requests: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "/op/pay",
            vec![
                ("channel", "WX_NATIVE"),
                ("total_fee", "1"),
                ("bill_no", &bill_1),
            ],
        ),
        (
            "/op/pay",
            vec![
                ("channel", "ALI_WEB"),
                ("total_fee", "1"),
                ("bill_no", &bill_2),
            ],
        ),
        (
            "/op/international_pay",
            vec![
                ("channel", "PAYPAL_PAYPAL"),
                ("total_fee", "1"),
                ("bill_no", &bill_3),
            ],
        ),
        (
            "/op/refund",
            vec![
                ("bill_no", &bill_1),
                ("refund_fee", "1"),
                ("refund_no", &refund_no),
            ],
        ),
        (
            "/op/audit_pre_refunds",
            vec![("channel", "ALI"), ("ids", "r1"), ("agree", "true")],
        ),
        (
            "/op/transfer_ali",
            vec![
                ("transfer_no", &transfer_no),
                ("total_fee", "100"),
                ("channel_user_id", "a@example.com"),
                ("channel_user_name", "A"),
                ("account_name", "M"),
            ],
        ),
        (
            "/op/batch_transfer",
            vec![
                ("batch_no", &batch_no),
                ("account_name", "M"),
                ("transfer_data", "1,a@example.com,A,100,note"),
            ],
        ),
        (
            "/op/offline_pay",
            vec![("channel", "ALI_OFFLINE_QRCODE"), ("total_fee", "1")],
        ),
    ];
    let mut unsafe_shown = 0;
    for (path, fields) in &requests {
        let answer = tab.submit(path, fields);
        if let Some(location) = &answer.location {
            assert!(
                location.starts_with('/') || location.starts_with("http"),
                "{path} redirected to {location}"
            );
        }
        let lower = answer.body.to_ascii_lowercase();
        for bad in [
            "href=\"javascript:",
            "href=\" javascript:",
            "href=\"data:",
            "href='javascript:",
        ] {
            assert!(
                !lower.contains(bad),
                "{path} made a link of a script URL: {}",
                answer.body
            );
        }
        assert!(!lower.contains("<a id=\"open-cashier\""), "{path}");
        if answer.body.contains("class=\"unsafe\"") || answer.body.contains("not an http(s) URL") {
            unsafe_shown += 1;
        }
    }
    // The URLs are shown as text: the tests looked at pages that really carried them.
    assert!(
        unsafe_shown >= 5,
        "only {unsafe_shown} pages showed the URL as text"
    );
}

#[test]
fn a_test_secret_sign_settles_only_the_demos_own_sandbox_orders() {
    // The test secret ships inside mobile apps and `sign` covers no payload: anyone holding an
    // app could forge `sign`-only pushes. The receiver takes them only for sandbox orders, and
    // settles one only once the sandbox's record shows it paid.
    let running = start_demo();
    let demo = running.demo();
    let url = format!("{}/webhook", running.url());
    let app = &demo.app;
    let push = |number: &str| {
        let timestamp = chrono::Utc::now().timestamp_millis();
        // The same md5(app_id + secret + timestamp) form, with the test secret.
        let sign = beecloud::utils::subscription_webhook_sign(
            &app.app_id,
            &app.test_secret,
            &timestamp.to_string(),
        );
        format!(
            r#"{{"transaction_type":"PAY","transaction_id":"{number}","transaction_fee":1,"channel_type":"WX","sub_channel_type":"WX_NATIVE","trade_success":true,"timestamp":{timestamp},"sign":"{sign}"}}"#
        )
    };
    demo.record_order("PAY", "livebill0001", 1, "WX_NATIVE", "");
    let sandbox = beecloud::BCPay::new(demo.sandbox_app());
    let mut params = beecloud::entity::BCPayReqParams::default();
    params.channel = Some(beecloud::BCChannelType::WX_NATIVE);
    params.bill_no = Some("sandbill0001".into());
    params.total_fee = Some(1);
    params.title = Some("sandbox".into());
    let bill = sandbox.pay(&params).expect("a sandbox bill");
    demo.record_order("PAY", "sandbill0001", 1, "sandbox WX_NATIVE", &bill.id);
    let send = |body: String| {
        agent()
            .post(&url)
            .content_type("application/json")
            .send(body.as_str())
            .expect("answered")
            .status()
            .as_u16()
    };
    assert_eq!(send(push("livebill0001")), 400, "a forged live payment");
    assert!(!demo.order("PAY", "livebill0001").unwrap().settled);
    assert_eq!(
        send(push("sandbill0001")),
        400,
        "a sandbox bill not paid yet"
    );
    assert!(!demo.order("PAY", "sandbill0001").unwrap().settled);
    sandbox
        .sandbox_notify(&bill.id)
        .expect("paid in the sandbox");
    wait_until("the sandbox push to settle the sandbox order", || {
        demo.order("PAY", "sandbill0001")
            .is_some_and(|order| order.settled)
    });
    assert!(!demo.order("PAY", "livebill0001").unwrap().settled);
}
