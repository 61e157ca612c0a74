//! Every emulator `Fault` through the SDK gives the documented `BCError`, nothing panics, writes are never
//! retried; and one `BCPay` / `BCQuery` pair shared by several threads against one emulator.
#![cfg(feature = "emulator")]
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, Fault};
use beecloud::entity::*;
use beecloud::{BCError, BCPay, BCQuery, NETWORK_ERROR};

use crate::support::emulated;

fn emulator() -> Emulator {
    Emulator::start_with(emulated::fast_config()).expect("emulator starts")
}

fn pay_params() -> BCPayReqParams {
    emulated::pay_params(BCChannelType::WX_NATIVE, 1)
}

/// POSTs to `/2/rest/bill` the emulator received.
fn bill_posts(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/2/rest/bill")
        .count()
}

/// Arms `fault` on `/2/rest/bill`, pays once, checks exactly one POST arrived, and that the emulator is
/// healthy afterwards (the next pay succeeds). Returns the error.
fn failed_pay(emu: &Emulator, bc_app: BCApp, fault: Fault) -> BCError {
    let bc_pay = BCPay::new(bc_app);
    let before = bill_posts(emu);
    emu.inject_fault("/2/rest/bill", fault.clone());
    let err = bc_pay
        .pay(&pay_params())
        .expect_err("a faulted pay must fail");
    assert_eq!(
        bill_posts(emu) - before,
        1,
        "{fault:?}: a write is never retried"
    );
    assert_eq!(err.result_code(), Some(-1), "{fault:?}: {err:?}");
    // Faults are one-shot, and the failure did not poison the app's connection pool: the next call
    // through the same `BCPay` goes through.
    bc_pay.pay(&pay_params()).unwrap();
    err
}

#[test]
fn http_status_500() {
    let emu = emulator();
    let err = failed_pay(&emu, emu.bc_app(), Fault::HttpStatus(500));
    assert!(
        matches!(&err, BCError::HttpStatus { status: 500, reason, .. } if reason == "Internal Server Error"),
        "{err:?}"
    );
    assert_eq!(err.result_msg(), "500");
    assert_eq!(err.err_detail(), "Internal Server Error");
    // A 5xx arrives after the request did: the server may have acted.
    assert!(err.outcome_unknown());
    let err = failed_pay(&emu, emu.bc_app(), Fault::HttpStatus(503));
    assert!(matches!(err, BCError::HttpStatus { status: 503, .. }));
}

#[test]
fn non_json_and_missing_result_code_are_invalid_responses() {
    let emu = emulator();
    let err = failed_pay(&emu, emu.bc_app(), Fault::NonJson);
    assert!(
        matches!(&err, BCError::InvalidResponse { status: 200, body, .. } if body == "success"),
        "{err:?}"
    );
    assert_eq!(
        (err.result_msg(), err.err_detail()),
        ("200".into(), "OK".into())
    );

    // Not a success, although the body is JSON with an id.
    let err = failed_pay(&emu, emu.bc_app(), Fault::MissingResultCode);
    assert!(
        matches!(&err, BCError::InvalidResponse { status: 200, body, .. } if body.contains("\"id\"")),
        "{err:?}"
    );
}

#[test]
fn delay_beyond_the_timeout_is_a_timeout_and_quick() {
    let emu = emulator();
    let mut bc_app = emu.bc_app();
    bc_app.timeout = Some(Duration::from_millis(300).into());
    let err = failed_pay(&emu, bc_app, Fault::Delay(Duration::from_millis(1500)));
    assert!(matches!(err, BCError::Timeout { .. }), "{err:?}");
    assert_eq!(err.result_msg(), NETWORK_ERROR);
    assert!(err.outcome_unknown());

    // Measured on its own: the SDK gives up at its timeout, not when the server answers.
    let mut bc_app = emu.bc_app();
    bc_app.timeout = Some(Duration::from_millis(200).into());
    emu.inject_fault("/2/rest/bills", Fault::Delay(Duration::from_millis(1000)));
    let started = Instant::now();
    let err = BCQuery::new(bc_app).query_bills(None).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, BCError::Timeout { .. }), "{err:?}");
    // A delay within the timeout is just slow.
    let mut bc_app = emu.bc_app();
    bc_app.timeout = Some((Duration::from_secs(1), Duration::from_secs(2)).into());
    emu.inject_fault("/2/rest/bills", Fault::Delay(Duration::from_millis(50)));
    assert!(BCQuery::new(bc_app).query_bills(None).is_ok());
}

#[test]
fn close_mid_body_is_an_error() {
    let emu = emulator();
    let mut bc_app = emu.bc_app();
    // On a kept-alive connection the client sees the missing bytes only at its read timeout.
    bc_app.timeout = Some((Duration::from_secs(1), Duration::from_millis(300)).into());
    let started = Instant::now();
    let err = failed_pay(&emu, bc_app, Fault::CloseMidBody);
    assert!(
        matches!(err, BCError::Timeout { .. } | BCError::Transport { .. }),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn oversized_body_is_refused() {
    let emu = emulator();
    let err = failed_pay(&emu, emu.bc_app(), Fault::Oversized(9 * 1024 * 1024));
    assert!(
        matches!(err, BCError::BodyTooLarge { limit } if limit == 8 * 1024 * 1024),
        "{err:?}"
    );
    assert_eq!(err.result_msg(), NETWORK_ERROR);
    // A padded success envelope under the cap is read normally.
    emu.inject_fault("/2/rest/bills", Fault::Oversized(7 * 1024 * 1024));
    let padded = BCQuery::new(emu.bc_app()).query_bills(None).unwrap();
    assert_eq!(padded.count(), 0);
}

#[test]
fn api_error_fault_is_a_business_error() {
    let emu = emulator();
    let bc_pay = BCPay::new(emu.bc_app());
    for (code, msg) in [
        (7, "CHANNEL_ERROR"),
        (14, "RUNTIME_ERROR"),
        (6, "CERT_FILE_ERROR"),
        (15, "NETWORK_ERROR"),
    ] {
        let before = bill_posts(&emu);
        emu.inject_fault("/2/rest/bill", Fault::ApiError(code));
        let err = bc_pay.pay(&pay_params()).unwrap_err();
        assert_eq!(bill_posts(&emu) - before, 1);
        let BCError::Api {
            result_code,
            result_msg,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*result_code, result_msg.as_str()), (code, msg));
        assert_eq!(err.result_code(), Some(code));
        assert!(!err.outcome_unknown());
    }
    // The faulted requests created no bills.
    let count = BCQuery::new(emu.bc_app()).query_bills_count(None).unwrap();
    assert_eq!(count.count, 0);
}

#[test]
fn faults_on_other_routes_and_refunds_are_not_retried() {
    let emu = emulator();
    let bc_app = emu.bc_app();
    let bc_pay = BCPay::new(bc_app.clone());
    let bill = bc_pay.pay(&pay_params()).unwrap();
    emu.complete_payment(&bill.id).unwrap();
    let bill_no = BCQuery::new(bc_app.clone())
        .query_bill_by_id(&bill.id)
        .unwrap()
        .pay
        .bill_no
        .clone()
        .unwrap();
    let day = chrono::DateTime::from_timestamp_millis(emu.now_ms() + 8 * 3600 * 1000)
        .unwrap()
        .format("%Y%m%d");
    let mut refund = BCRefundReqParams::default();
    refund.refund_no = Some(format!("{day}F001"));
    refund.bill_no = Some(bill_no);
    refund.refund_fee = Some(1);
    emu.inject_fault("/2/rest/refund", Fault::HttpStatus(502));
    let err = bc_pay.refund(&refund).unwrap_err();
    assert!(matches!(err, BCError::HttpStatus { status: 502, .. }));
    let refund_posts = |emu: &Emulator| {
        emu.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/2/rest/refund")
            .count()
    };
    assert_eq!(refund_posts(&emu), 1);
    // The faulted request did not run: the refund can be made now.
    bc_pay.refund(&refund).unwrap();
    assert_eq!(refund_posts(&emu), 2);

    // A fault on a prefix hits only matching routes.
    emu.inject_fault("/2/plan", Fault::NonJson);
    let query = BCQuery::new(bc_app);
    assert!(query.query_bills(None).is_ok());
    assert!(matches!(
        query.query_plans(None),
        Err(BCError::InvalidResponse { .. })
    ));
    assert!(query.query_plans(None).is_ok());
}

#[test]
fn one_pay_and_one_query_shared_by_threads() {
    const THREADS: usize = 6;
    const BILLS_PER_THREAD: usize = 5;
    let emu = emulator();
    let bc_pay = BCPay::new(emu.bc_app());
    let bc_query = BCQuery::new(emu.bc_app());
    let paid: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (bc_pay, bc_query, emu) = (&bc_pay, &bc_query, &emu);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    for n in 0..BILLS_PER_THREAD {
                        let mut params = pay_params();
                        params.bill_no = Some(format!("thread{thread}bill{n:04}"));
                        params.total_fee = Some((thread * 100 + n + 1) as i64);
                        let bill = bc_pay.pay(&params).expect("pay");
                        if n % 2 == 0 {
                            emu.complete_payment(&bill.id).unwrap();
                        }
                        let mut by_no = BCQueryReqParams::default();
                        by_no.bill_no = params.bill_no.clone();
                        let found = bc_query.query_bills(&by_no).expect("query");
                        assert_eq!(found.count(), 1);
                        assert_eq!(found.bills[0].id.as_deref(), Some(bill.id.as_str()));
                        assert_eq!(found.bills[0].total_fee, params.total_fee);
                        assert_eq!(found.bills[0].spay_result, Some(n % 2 == 0));
                        let by_id = bc_query.query_bill_by_id(&bill.id).expect("by id");
                        assert_eq!(by_id.pay.bill_no, params.bill_no);
                        mine.push(params.bill_no.unwrap());
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let total = THREADS * BILLS_PER_THREAD;
    let mut all: Vec<String> = paid.into_iter().flatten().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total);
    assert_eq!(
        bc_query.query_bills_count(None).unwrap().count,
        total as u64
    );
    let mut paid_only = BCQueryReqParams::default();
    paid_only.spay_result = Some(true);
    assert_eq!(
        bc_query.query_bills_count(&paid_only).unwrap().count,
        (THREADS * BILLS_PER_THREAD.div_ceil(2)) as u64
    );
    assert_eq!(bill_posts(&emu), total, "one POST per bill, no retries");
}

#[test]
fn other_http_statuses() {
    let emu = emulator();
    let bc_query = BCQuery::new(emu.bc_app());
    let failure = |status: u16| {
        emu.inject_fault("/2/rest/bills", Fault::HttpStatus(status));
        let err = bc_query.query_bills(None).unwrap_err();
        assert_eq!(err.result_code(), Some(-1), "{status}: {err:?}");
        err
    };
    // 4xx answers carry envelopes: a non-JSON 4xx body is an invalid response with its status.
    for status in [400, 404] {
        let err = failure(status);
        assert!(
            matches!(err, BCError::InvalidResponse { status: s, .. } if s == status),
            "{err:?}"
        );
        assert_eq!(err.result_msg(), status.to_string());
    }
    assert_eq!(failure(404).err_detail(), "Not Found");
    // Other statuses are HTTP failures.
    for status in [204, 502, 504] {
        let err = failure(status);
        assert!(
            matches!(err, BCError::HttpStatus { status: s, .. } if s == status),
            "{err:?}"
        );
        assert!(err.outcome_unknown());
    }
    // A redirect is never followed: Python's `-1, 302, 'Found'`.
    let err = failure(302);
    assert!(
        matches!(
            err,
            BCError::Redirect {
                status: 302,
                location: None
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        (err.result_msg(), err.err_detail()),
        ("302".into(), "Found".into())
    );
    assert!(err.outcome_unknown());
}

#[test]
fn racing_writes_on_one_record_have_one_winner() {
    const THREADS: usize = 6;
    let emu = emulator();
    let bc_pay = BCPay::new(emu.bc_app());
    let params = pay_params();

    // The same bill_no from every thread at once: one bill, the rest BILL_NO_DUPLICATE.
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..THREADS)
            .map(|_| scope.spawn(|| bc_pay.pay(&params).map(|r| r.id.clone())))
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let ids: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(ids.len(), 1, "{outcomes:?}");
    for err in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(
            (err.result_code(), err.result_msg()),
            (Some(17), "BILL_NO_DUPLICATE".to_string())
        );
    }
    emu.complete_payment(ids[0]).unwrap();

    // Full refunds of that bill from every thread at once: exactly one succeeds.
    let day = chrono::DateTime::from_timestamp_millis(emu.now_ms() + 8 * 3600 * 1000)
        .unwrap()
        .format("%Y%m%d")
        .to_string();
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..THREADS)
            .map(|n| {
                let (bc_pay, day, bill_no) = (&bc_pay, &day, params.bill_no.clone());
                scope.spawn(move || {
                    let mut refund = BCRefundReqParams::default();
                    refund.refund_no = Some(format!("{day}race{n:03}"));
                    refund.bill_no = bill_no;
                    refund.refund_fee = Some(1);
                    bc_pay.refund(&refund).map(|r| r.id.clone())
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    for err in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert!(
            matches!(err.result_code(), Some(11 | 12)),
            "ALREADY_REFUNDING or REFUND_AMOUNT_TOO_LARGE: {err:?}"
        );
    }
    let refunds = BCQuery::new(emu.bc_app())
        .query_refunds_count(None)
        .unwrap();
    assert_eq!(refunds.count, 1);
}

#[test]
fn misconfigured_api_host() {
    let emu = emulator();
    // A path prefix the emulator does not serve: its 404 text page.
    let mut bc_app = emu.bc_app();
    bc_app.api_host = format!("{}/nope", emu.base_url());
    let err = BCPay::new(bc_app).pay(&pay_params()).unwrap_err();
    assert!(
        matches!(&err, BCError::InvalidResponse { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(
        (err.result_code(), err.result_msg(), err.err_detail()),
        (Some(-1), "404".to_string(), "Not Found".to_string())
    );
    assert_eq!(emu.requests().last().unwrap().path, "/nope/2/rest/bill");

    // Nobody listening: a transport failure, at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut bc_app = emu.bc_app();
    bc_app.api_host = format!("http://127.0.0.1:{port}");
    bc_app.timeout = Some((Duration::from_secs(2), Duration::from_secs(2)).into());
    let started = Instant::now();
    let err = BCQuery::new(bc_app).query_bills(None).unwrap_err();
    assert!(matches!(err, BCError::Connect { .. }), "{err:?}");
    assert_eq!(err.result_msg(), NETWORK_ERROR);
    assert!(!err.outcome_unknown(), "nothing was sent");
    assert!(started.elapsed() < Duration::from_secs(2));
}
