//! Every error path of the SDK over real HTTP (the capture/fault server of `tests/support`), the
//! local refusals that must send nothing, and the wire details of the port rules (escaped ids,
//! `None` params, explicit falsy values, no retries, redacted errors, concurrency).
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use crate::support;

use std::collections::BTreeMap;
use std::error::Error as _;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use beecloud::entity::*;
use beecloud::{BCError, BCPay, BCQuery, NETWORK_ERROR, NOT_SUPPORTED_CODE, sales, user, utils};
use serde_json::{Map, Value, json};
use support::{
    APP_SECRET, CaptureServer, MASTER_SECRET, MAX_RESPONSE_BYTES, Reply, TEST_SECRET, bc_app,
    pay_params,
};

fn refund_params() -> BCRefundReqParams {
    let mut params = BCRefundReqParams::default();
    params.refund_no = Some("201708251300001".into());
    params.bill_no = Some("201708251200001".into());
    params.refund_fee = Some(1);
    params
}

fn ok_pay() -> Reply {
    Reply::ok(json!({"result_code": 0, "result_msg": "OK", "err_detail": "", "id": "bill-1"}))
}

fn envelope(code: Value, msg: &str, detail: &str) -> Value {
    json!({"result_code": code, "result_msg": msg, "err_detail": detail})
}

/// Pays against a server answering `reply` once; returns the error.
fn pay_error(reply: Reply) -> BCError {
    let server = CaptureServer::start([reply]);
    let err = BCPay::new(bc_app(&server)).pay(&pay_params()).unwrap_err();
    assert_eq!(
        server.requests().len(),
        1,
        "exactly one request for {err:?}"
    );
    err
}

fn triple(err: &BCError) -> (Option<i64>, String, String) {
    (err.result_code(), err.result_msg(), err.err_detail())
}

// ---------------------------------------------------------------- business errors (envelopes)

#[test]
fn non_zero_result_code_is_an_api_error_with_the_envelope() {
    let mut body = envelope(json!(8), "NO_SUCH_BILL", "没有该订单");
    body["extra_key"] = json!("kept");
    let err = pay_error(Reply::ok(body));
    let BCError::Api {
        result_code,
        result_msg,
        err_detail,
        raw,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*result_code, result_msg.as_str(), err_detail.as_str()),
        (8, "NO_SUCH_BILL", "没有该订单")
    );
    assert_eq!(raw["extra_key"], "kept");
    assert_eq!(
        triple(&err),
        (Some(8), "NO_SUCH_BILL".into(), "没有该订单".into())
    );
    assert_eq!(err.raw().unwrap()["extra_key"], "kept");
    assert!(!err.outcome_unknown());
}

#[test]
fn unknown_result_code_round_trips() {
    let err = pay_error(Reply::ok(envelope(
        json!(99),
        "BRAND_NEW",
        "a code from the future",
    )));
    assert!(matches!(
        err,
        BCError::Api {
            result_code: 99,
            ..
        }
    ));
    assert_eq!(
        triple(&err),
        (
            Some(99),
            "BRAND_NEW".into(),
            "a code from the future".into()
        )
    );
}

#[test]
fn result_code_sent_as_a_string_is_read() {
    let err = pay_error(Reply::ok(envelope(json!("5"), "PARAM_INVALID", "bad fee")));
    assert!(matches!(err, BCError::Api { result_code: 5, .. }));
    assert_eq!(
        triple(&err),
        (Some(5), "PARAM_INVALID".into(), "bad fee".into())
    );

    // ...and a string "0" is a success.
    let server = CaptureServer::start([Reply::ok(
        json!({"result_code": "0", "result_msg": "OK", "err_detail": "", "id": "b"}),
    )]);
    let result = BCPay::new(bc_app(&server)).pay(&pay_params()).unwrap();
    assert_eq!((result.result_code, result.id.as_str()), (0, "b"));
}

#[test]
fn a_4xx_json_envelope_is_a_business_error() {
    let err = pay_error(Reply::json(
        400,
        &envelope(json!(1), "APP_INVALID", "wrong signature"),
    ));
    assert!(matches!(err, BCError::Api { result_code: 1, .. }));
    assert_eq!(
        triple(&err),
        (Some(1), "APP_INVALID".into(), "wrong signature".into())
    );
}

#[test]
fn a_4xx_success_envelope_is_not_a_success() {
    let err = pay_error(Reply::json(404, &envelope(json!(0), "OK", "")));
    assert!(
        matches!(err, BCError::InvalidResponse { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(err.result_code(), Some(-1));
    assert_eq!(err.result_msg(), "404");
    assert!(err.outcome_unknown());
}

// ---------------------------------------------------------------- protocol errors (-1)

#[test]
fn a_non_json_body_is_minus_one_with_the_status() {
    for status in [200, 404] {
        let err = pay_error(Reply::text(status, "success"));
        let BCError::InvalidResponse {
            status: got,
            body,
            source,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*got, body.as_str()), (status, "success"));
        assert!(source.is_some(), "the JSON error is kept");
        assert_eq!(err.result_code(), Some(-1));
        assert_eq!(err.result_msg(), status.to_string());
        // Python: `-1, <status>, <reason phrase>` (observed: 200 + `success` ⇒ -1, 200, 'OK').
        let reason = if status == 200 { "OK" } else { "Not Found" };
        assert_eq!(err.err_detail(), reason);
        assert_eq!(
            err.to_string(),
            format!(
                "invalid response (http status {status}): the body is not JSON \
                 (the server may have acted: query before retrying)"
            )
        );
        assert!(err.source().is_some());
    }
}

#[test]
fn a_500_is_an_http_status_error_and_its_json_body_is_ignored() {
    let err = pay_error(Reply::json(500, &envelope(json!(0), "OK", "")));
    let BCError::HttpStatus {
        status,
        reason,
        body,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*status, reason.as_str()), (500, "Internal Server Error"));
    assert!(body.contains("result_code"));
    assert_eq!(
        triple(&err),
        (Some(-1), "500".into(), "Internal Server Error".into())
    );
    assert!(err.outcome_unknown());
}

#[test]
fn other_statuses_are_http_status_errors() {
    for (status, reason) in [
        (201, "Created"),
        (204, "No Content"),
        (503, "Service Unavailable"),
    ] {
        let err = pay_error(Reply::json(status, &envelope(json!(0), "OK", "")));
        assert!(
            matches!(&err, BCError::HttpStatus { status: s, .. } if *s == status),
            "{err:?}"
        );
        assert_eq!(
            triple(&err),
            (Some(-1), status.to_string(), reason.to_string())
        );
        assert!(err.outcome_unknown());
    }
}

#[test]
fn a_200_without_result_code_is_an_error_not_a_success() {
    let err = pay_error(Reply::ok(json!({"result_msg": "OK", "id": "bill-1"})));
    assert!(
        matches!(
            err,
            BCError::InvalidResponse {
                status: 200,
                problem: "the body has no result_code",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(triple(&err), (Some(-1), "200".into(), "OK".into()));
}

#[test]
fn a_200_json_array_is_an_error() {
    let err = pay_error(Reply::ok(json!([{"result_code": 0}])));
    assert!(
        matches!(
            err,
            BCError::InvalidResponse {
                problem: "the body is not a JSON object",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.result_code(), Some(-1));
}

#[test]
fn a_payload_of_the_wrong_type_is_an_error() {
    let err = pay_error(Reply::ok(
        json!({"result_code": 0, "result_msg": "OK", "err_detail": "", "id": 5}),
    ));
    // The server said 0: it acted, only its answer cannot be read.
    assert!(
        matches!(&err, BCError::UnreadableSuccess { raw, .. } if raw["id"] == 5),
        "{err:?}"
    );
    assert_eq!(err.result_code(), Some(-1));
    assert!(err.outcome_unknown());
    assert_eq!(err.raw().unwrap()["id"], 5);
    assert!(err.source().is_some());
    assert_eq!(
        err.to_string(),
        "the server accepted the request; its answer could not be read — query before retrying"
    );

    let server = CaptureServer::start([Reply::ok(
        json!({"result_code": 0, "bills": [{"total_fee": "one"}]}),
    )]);
    let err = BCQuery::new(bc_app(&server)).query_bills(None).unwrap_err();
    assert!(matches!(err, BCError::UnreadableSuccess { .. }), "{err:?}");
}

// ---------------------------------------------------------------- transport errors (-1)

#[test]
fn connection_refused_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut app = BCApp::new(support::APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = format!("http://127.0.0.1:{port}");
    app.timeout = Some(Duration::from_secs(2).into());
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    assert!(matches!(err, BCError::Connect { .. }), "{err:?}");
    assert_eq!(err.result_code(), Some(-1));
    assert_eq!(err.result_msg(), NETWORK_ERROR);
    assert!(!err.outcome_unknown(), "nothing was sent");
    assert!(err.source().is_some());
}

#[test]
fn a_slow_server_times_out_quickly() {
    let server = CaptureServer::start([Reply::slow(Duration::from_millis(1500))]);
    let mut app = bc_app(&server);
    app.timeout = Some(Duration::from_millis(300).into());
    let started = Instant::now();
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(250), "took {elapsed:?}");
    assert!(matches!(err, BCError::Timeout { .. }), "{err:?}");
    assert_eq!(
        (err.result_code(), err.result_msg()),
        (Some(-1), NETWORK_ERROR.into())
    );
    assert!(err.outcome_unknown());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_connect_read_timeout_pair_limits_the_wait_for_the_answer() {
    let server = CaptureServer::start([Reply::slow(Duration::from_millis(1500))]);
    let mut app = bc_app(&server);
    app.timeout = Some((Duration::from_secs(1), Duration::from_millis(300)).into());
    let started = Instant::now();
    let err = BCQuery::new(app).query_bills(None).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, BCError::Timeout { .. }), "{err:?}");
}

#[test]
fn a_connection_closed_mid_body_is_a_transport_error_and_the_write_is_not_retried() {
    let server = CaptureServer::start([Reply::mid_body_close(), ok_pay(), ok_pay()]);
    let err = BCPay::new(bc_app(&server)).pay(&pay_params()).unwrap_err();
    assert!(matches!(err, BCError::Transport { .. }), "{err:?}");
    assert_eq!(
        (err.result_code(), err.result_msg()),
        (Some(-1), NETWORK_ERROR.into())
    );
    assert!(err.outcome_unknown());
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "a POST must never be retried");
    assert_eq!(requests[0].method, "POST");
}

#[test]
fn an_oversized_body_is_refused() {
    let err = pay_error(Reply::oversized());
    assert!(
        matches!(err, BCError::BodyTooLarge { limit } if limit == MAX_RESPONSE_BYTES as u64),
        "{err:?}"
    );
    assert_eq!(
        (err.result_code(), err.result_msg()),
        (Some(-1), NETWORK_ERROR.into())
    );
}

// ---------------------------------------------------------------- test mode

#[test]
fn the_14_test_mode_refusals_send_nothing_and_carry_python_names() {
    type Call = fn(&BCPay, &BCQuery) -> BCError;
    let calls: [(&str, Call); 14] = [
        ("offline_pay", |p, _| {
            p.offline_pay(&pay_params()).unwrap_err()
        }),
        ("refund", |p, _| p.refund(&refund_params()).unwrap_err()),
        ("audit_pre_refunds", |p, _| {
            p.audit_pre_refunds(&BCPreRefundAuditParams::default())
                .unwrap_err()
        }),
        ("offline_revert", |p, _| {
            p.offline_revert("201708251700001", None).unwrap_err()
        }),
        ("offline_refund", |p, _| {
            p.offline_refund(&refund_params()).unwrap_err()
        }),
        ("bc_transfer", |p, _| {
            p.bc_transfer(&BCCardTransferParams::default()).unwrap_err()
        }),
        ("transfer", |p, _| {
            p.transfer(&BCTransferReqParams::default()).unwrap_err()
        }),
        ("batch_transfer", |p, _| {
            p.batch_transfer(&BCBatchTransferParams::default())
                .unwrap_err()
        }),
        ("international_pay", |p, _| {
            p.international_pay(&BCInternationalPayParams::default())
                .unwrap_err()
        }),
        ("query_refunds", |_, q| q.query_refunds(None).unwrap_err()),
        ("query_refunds_count", |_, q| {
            q.query_refunds_count(None).unwrap_err()
        }),
        ("query_refund_by_id", |_, q| {
            q.query_refund_by_id("r1").unwrap_err()
        }),
        ("query_refund_status", |_, q| {
            q.query_refund_status(BCChannelType::WX, "201708251300001")
                .unwrap_err()
        }),
        ("query_offline_bill_status", |_, q| {
            q.query_offline_bill_status("201708251700001", None)
                .unwrap_err()
        }),
    ];
    let server = CaptureServer::start([]);
    // The refusal comes before any other check: no secret at all is needed.
    let mut app = BCApp::default();
    app.is_test_mode = true;
    app.api_host = server.url();
    let (bc_pay, bc_query) = (BCPay::new(app.clone()), BCQuery::new(app));
    for (name, call) in calls {
        let err = call(&bc_pay, &bc_query);
        assert!(
            matches!(err, BCError::NotSupportedInTestMode { method } if method == name),
            "{name}: {err:?}"
        );
        assert_eq!(
            triple(&err),
            (
                Some(-2),
                NOT_SUPPORTED_CODE.to_string(),
                format!("[{name}] does NOT support test mode currently!")
            ),
            "{name}"
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn test_mode_signs_everything_else_with_the_test_secret() {
    let server = CaptureServer::always(Reply::ok(json!({
        "result_code": 0, "result_msg": "OK", "err_detail": "", "id": "x", "sms_id": "s"
    })));
    let mut app = bc_app(&server);
    app.is_test_mode = true;
    BCPay::new(app.clone()).delete_plan("plan-1").unwrap();
    utils::send_sms_passcode(&app, "13800000000").unwrap();
    BCQuery::new(app.clone())
        .query_bc_transfer_supported_banks("C")
        .unwrap();
    let requests = server.requests();
    // query_bc_transfer_supported_banks stays unsigned, on its live path, as in Python's test mode.
    assert_eq!(requests[2].path, "/2/rest/bc_transfer/banks");
    assert_eq!(requests[2].para(), Some(json!({"type": "C"})));
    assert_eq!(requests[0].path, "/2/plan/plan-1");
    let pairs: BTreeMap<_, _> = requests[0].query_pairs().into_iter().collect();
    assert_eq!(
        pairs["app_sign"],
        support::expected_sign(&pairs["timestamp"], TEST_SECRET)
    );
    let body = requests[1].json_body();
    assert_eq!(requests[1].path, "/2/sms");
    assert_eq!(
        body["app_sign"],
        support::expected_sign(&body["timestamp"].to_string(), TEST_SECRET)
    );
}

// ---------------------------------------------------------------- configuration

#[test]
fn a_missing_app_id_or_secret_sends_nothing() {
    type Case = (&'static str, fn(&mut BCApp), fn(BCApp) -> BCError);
    let server = CaptureServer::start([]);
    let cases: [Case; 4] = [
        (
            "app id",
            |app| app.app_id.clear(),
            |app| BCPay::new(app).pay(&pay_params()).unwrap_err(),
        ),
        (
            "app secret",
            |app| app.app_secret.clear(),
            |app| BCPay::new(app).pay(&pay_params()).unwrap_err(),
        ),
        (
            "master secret",
            |app| app.master_secret.clear(),
            |app| BCPay::new(app).refund(&refund_params()).unwrap_err(),
        ),
        (
            "test secret",
            |app| {
                app.test_secret.clear();
                app.is_test_mode = true;
            },
            |app| BCPay::new(app).pay(&pay_params()).unwrap_err(),
        ),
    ];
    for (what, configure, call) in cases {
        let mut app = bc_app(&server);
        configure(&mut app);
        let err = call(app);
        assert!(
            matches!(err, BCError::NotConfigured { what: got } if got == what),
            "{what}: {err:?}"
        );
        assert_eq!(err.result_code(), None, "Python raised for {what}");
        assert_eq!(err.to_string(), format!("not configured: {what}"));
    }
    // The app secret is not needed for a refund, nor the master secret for a query.
    let mut app = bc_app(&server);
    app.app_secret.clear();
    let err = BCPay::new(app).refund(&refund_params()).unwrap_err();
    assert!(!matches!(err, BCError::NotConfigured { .. }), "{err:?}");
    let mut app = bc_app(&server);
    app.master_secret.clear();
    let err = BCQuery::new(app).query_bills(None).unwrap_err();
    assert!(!matches!(err, BCError::NotConfigured { .. }), "{err:?}");
    // Only those two reached the server (answered "no reply scripted").
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_unregistered_client_sends_nothing() {
    let server = CaptureServer::start([]);
    let err = BCPay::default().pay(&pay_params()).unwrap_err();
    assert!(matches!(err, BCError::NotConfigured { .. }), "{err:?}");
    assert!(err.to_string().contains("register_app"), "{err}");
    let err = BCQuery::default().query_bills(None).unwrap_err();
    assert!(matches!(err, BCError::NotConfigured { .. }), "{err:?}");
    assert!(server.requests().is_empty());
}

#[test]
fn an_api_host_that_is_not_a_url_is_refused() {
    let mut app = BCApp::new(support::APP_ID, APP_SECRET, MASTER_SECRET);
    app.api_host = "api.beecloud.cn".into();
    let err = BCPay::new(app).pay(&pay_params()).unwrap_err();
    assert!(matches!(err, BCError::NotConfigured { .. }), "{err:?}");
}

// ---------------------------------------------------------------- local parameter checks

fn assert_invalid(err: BCError, mentions: &str) {
    assert!(
        matches!(err, BCError::InvalidParams { .. }),
        "expected InvalidParams mentioning {mentions}: {err:?}"
    );
    assert!(err.to_string().contains(mentions), "{err}");
    assert_eq!(err.result_code(), None);
}

#[test]
fn query_filters_that_do_not_apply_are_refused_locally() {
    let server = CaptureServer::start([]);
    let bc_query = BCQuery::new(bc_app(&server));
    // Python raised only for truthy values; the port refuses any set value.
    let with = |fill: fn(&mut BCQueryReqParams)| {
        let mut params = BCQueryReqParams::default();
        fill(&mut params);
        params
    };
    assert_invalid(
        bc_query
            .query_bills(&with(|p| p.refund_no = Some("r".into())))
            .unwrap_err(),
        "refund_no",
    );
    for need_approval in [true, false] {
        let params = {
            let mut params = BCQueryReqParams::default();
            params.need_approval = Some(need_approval);
            params
        };
        assert_invalid(bc_query.query_bills(&params).unwrap_err(), "need_approval");
        assert_invalid(
            bc_query.query_bills_count(&params).unwrap_err(),
            "need_approval",
        );
    }
    assert_invalid(
        bc_query
            .query_bills_count(&with(|p| p.skip = Some(0)))
            .unwrap_err(),
        "skip",
    );
    assert_invalid(
        bc_query
            .query_bills_count(&with(|p| p.limit = Some(10)))
            .unwrap_err(),
        "limit",
    );
    assert_invalid(
        bc_query
            .query_bills_count(&with(|p| p.need_detail = Some(true)))
            .unwrap_err(),
        "need_detail",
    );
    assert_invalid(
        bc_query
            .query_refunds(&with(|p| p.spay_result = Some(true)))
            .unwrap_err(),
        "spay_result",
    );
    assert_invalid(
        bc_query
            .query_refunds_count(&with(|p| p.spay_result = Some(false)))
            .unwrap_err(),
        "spay_result",
    );
    assert_invalid(
        bc_query
            .query_refunds_count(&with(|p| p.skip = Some(5)))
            .unwrap_err(),
        "skip",
    );
    assert!(server.requests().is_empty());
}

#[test]
fn missing_required_fields_and_bad_extras_are_refused_locally() {
    let server = CaptureServer::start([]);
    let app = bc_app(&server);
    let bc_pay = BCPay::new(app.clone());

    for field in ["channel", "total_fee", "bill_no", "title"] {
        let mut params = pay_params();
        match field {
            "channel" => params.channel = None,
            "total_fee" => params.total_fee = None,
            "bill_no" => params.bill_no = None,
            _ => params.title = None,
        }
        assert_invalid(bc_pay.pay(&params).unwrap_err(), field);
    }
    let mut params = refund_params();
    params.refund_fee = None;
    assert_invalid(bc_pay.refund(&params).unwrap_err(), "refund_fee");
    assert_invalid(
        bc_pay
            .transfer(&BCTransferReqParams::default())
            .unwrap_err(),
        "channel",
    );
    assert_invalid(bc_pay.create_plan(&BCPlan::default()).unwrap_err(), "fee");
    assert_invalid(
        bc_pay
            .batch_transfer(&BCBatchTransferParams::default())
            .unwrap_err(),
        "batch_no",
    );

    // set() may not shadow a modelled field nor a field the SDK writes.
    for key in ["channel", "app_sign", "app_id", "timestamp", "bc_analysis"] {
        let mut params = pay_params();
        params.set(key, "forged");
        assert_invalid(bc_pay.pay(&params).unwrap_err(), key);
    }
    let mut subscription = BCSubscription::default();
    subscription.buyer_id = Some("b".into());
    subscription.plan_id = Some("p".into());
    subscription.set("sms_id", "forged");
    assert_invalid(
        bc_pay
            .subscribe(&subscription, "sms-1", "123456", None)
            .unwrap_err(),
        "sms_id",
    );
    let mut params = refund_params();
    params.need_approval = Some(false);
    assert_invalid(bc_pay.offline_refund(&params).unwrap_err(), "need_approval");

    // Empty path ids.
    let bc_query = BCQuery::new(app.clone());
    assert_invalid(bc_query.query_bill_by_id("").unwrap_err(), "id");
    assert_invalid(bc_query.query_plan_by_id("").unwrap_err(), "id");
    assert_invalid(bc_pay.cancel_subscription("").unwrap_err(), "id");
    assert_invalid(sales::query_coupon(&app, "").unwrap_err(), "id");

    // A nested object cannot travel in a `k=v` query.
    let mut criteria = BCQueryCriteria::default();
    criteria.set("meta", json!({"a": 1}));
    assert_invalid(bc_query.query_plans(&criteria).unwrap_err(), "meta");
    assert_invalid(bc_query.query_subscriptions(&criteria).unwrap_err(), "meta");

    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

// ---------------------------------------------------------------- wire details of the port rules

#[test]
fn ids_are_percent_encoded_as_one_path_segment() {
    let server = CaptureServer::always(Reply::ok(
        json!({"result_code": 0, "pay": {"id": "ID 1/2"}, "id": "x", "plan": {}}),
    ));
    let app = bc_app(&server);
    let result = BCQuery::new(app.clone())
        .query_bill_by_id("ID 1/2")
        .unwrap();
    assert_eq!(result.pay.id.as_deref(), Some("ID 1/2"));
    BCPay::new(app.clone()).delete_plan("计划?#1").unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].path, "/2/rest/bill/ID%201%2F2");
    assert_eq!(requests[1].path, "/2/plan/%E8%AE%A1%E5%88%92%3F%231");
    assert_eq!(requests[1].method, "DELETE");
}

#[test]
fn queries_without_params_send_only_the_signature() {
    let server = CaptureServer::always(Reply::ok(json!({"result_code": 0, "count": 0})));
    let app = bc_app(&server);
    let bc_query = BCQuery::new(app.clone());
    assert_eq!(bc_query.query_bills(None).unwrap().count(), 0);
    assert_eq!(bc_query.query_bills_count(None).unwrap().count, 0);
    assert_eq!(bc_query.query_refunds(None).unwrap().count(), 0);
    assert_eq!(bc_query.query_refunds_count(None).unwrap().count, 0);
    assert!(bc_query.query_plans(None).unwrap().plans.is_empty());
    assert!(
        bc_query
            .query_subscriptions(None)
            .unwrap()
            .subscriptions
            .is_empty()
    );
    assert!(sales::query_coupons(&app, None).unwrap().coupons.is_empty());
    assert!(
        sales::query_coupon_templates(&app, None)
            .unwrap()
            .coupon_templates
            .is_empty()
    );
    assert!(
        user::query_merchant_users(&app, None, None, None)
            .unwrap()
            .users
            .is_empty()
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 9);
    let signing = ["app_id", "app_sign", "timestamp"];
    for request in &requests {
        let keys: Vec<String> = match request.para() {
            Some(para) => para.as_object().unwrap().keys().cloned().collect(),
            None => request.query_pairs().into_iter().map(|(k, _)| k).collect(),
        };
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, signing, "{} {}", request.path, request.raw_query);
    }
}

#[test]
fn explicit_falsy_values_are_sent() {
    let server = CaptureServer::always(Reply::ok(
        json!({"result_code": 0, "id": "x", "users": [], "revert_status": true}),
    ));
    let app = bc_app(&server);
    let bc_pay = BCPay::new(app.clone());

    // Python dropped falsy top-level transfer fields; the port sends them.
    let mut transfer = BCTransferReqParams::default();
    transfer.channel = Some(BCChannelType::WX_TRANSFER);
    transfer.transfer_no = Some("".into());
    transfer.total_fee = Some(0);
    transfer.desc = Some("d".into());
    transfer.channel_user_id = Some("o".into());
    transfer.set("optional", Map::new());
    bc_pay.transfer(&transfer).unwrap();
    // Python's update_plan dropped "" and {}.
    bc_pay
        .update_plan("p1", Some(""), Some(&Map::new()))
        .unwrap();
    // Python dropped start_time=0.
    user::query_merchant_users(&app, Some(""), Some(0), Some(0)).unwrap();
    // Booleans in a `k=v` query are spelled as Python spells them.
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = Some(false);
    criteria.skip = Some(0);
    criteria.name_with_substring = Some("".into());
    BCQuery::new(app.clone()).query_plans(&criteria).unwrap();
    let mut refund = refund_params();
    refund.need_approval = Some(false);
    refund.optional = Some(Map::new());
    bc_pay.refund(&refund).unwrap();
    bc_pay
        .offline_revert("b1", Some(BCChannelType::from("")))
        .unwrap();

    let requests = server.requests();
    let body = requests[0].json_body();
    assert_eq!(
        (&body["total_fee"], &body["transfer_no"], &body["optional"]),
        (&json!(0), &json!(""), &json!({}))
    );
    let body = requests[1].json_body();
    assert_eq!((&body["name"], &body["optional"]), (&json!(""), &json!({})));
    let para = requests[2].para().unwrap();
    assert_eq!(
        (&para["email"], &para["start_time"], &para["end_time"]),
        (&json!(""), &json!(0), &json!(0))
    );
    let pairs: BTreeMap<_, _> = requests[3].query_pairs().into_iter().collect();
    assert_eq!(pairs["count_only"], "False");
    assert_eq!(pairs["skip"], "0");
    assert_eq!(pairs["name_with_substring"], "");
    let body = requests[4].json_body();
    assert_eq!(
        (&body["need_approval"], &body["optional"]),
        (&json!(false), &json!({}))
    );
    let body = requests[5].json_body();
    assert_eq!(requests[5].path, "/2/rest/offline/bill/b1");
    assert_eq!(body["channel"], "");
}

#[test]
fn the_raw_response_is_reachable() {
    let server = CaptureServer::start([
        Reply::ok(json!({
            "result_code": 0, "result_msg": "OK", "err_detail": "", "id": "b1",
            "order_string": "alipay_sdk=1", "novel": {"k": [1]}
        })),
        Reply::ok(json!({
            "result_code": 7, "result_msg": "CHANNEL_ERROR", "err_detail": "upstream",
            "failed_bills": {"buyer-1": ["b9"]}
        })),
    ]);
    let app = bc_app(&server);
    let result = BCPay::new(app.clone()).pay(&pay_params()).unwrap();
    assert_eq!(result.raw["novel"], json!({"k": [1]}));
    assert_eq!(result.order_string.as_deref(), Some("alipay_sdk=1"));
    let bill_info = BTreeMap::from([("buyer-1".to_string(), vec!["b9".to_string()])]);
    let err = user::attach_buyer_history_bills(&app, &bill_info).unwrap_err();
    assert_eq!(
        err.raw().unwrap()["failed_bills"],
        json!({"buyer-1": ["b9"]})
    );
    assert_eq!(err.result_code(), Some(7));
}

// ---------------------------------------------------------------- Display / Debug hygiene

fn assert_clean(err: &BCError, secrets: &[&str]) {
    let mut shown = vec![err.to_string(), format!("{err:?}")];
    let mut source = err.source();
    while let Some(cause) = source {
        shown.push(cause.to_string());
        source = cause.source();
    }
    let display = &shown[0];
    assert!(
        display.chars().next().is_some_and(|c| !c.is_uppercase()),
        "Display starts lowercase: {display}"
    );
    for text in &shown {
        for secret in secrets {
            assert!(!text.contains(secret), "{text} leaks {secret}");
        }
        assert!(!text.contains("app_sign"), "{text} leaks app_sign");
        assert!(!text.contains("para="), "{text} leaks the signed url");
    }
}

#[test]
fn display_is_lowercase_first_and_never_leaks_secrets_or_signed_urls() {
    let secrets = [APP_SECRET, MASTER_SECRET, TEST_SECRET];
    let server = CaptureServer::start([
        Reply::slow(Duration::from_millis(1500)),
        Reply::slow(Duration::from_millis(1500)),
        Reply::ok(envelope(json!(1), "APP_INVALID", "bad sign")),
        Reply::json(502, &json!({})),
        Reply::text(200, "<html>"),
        Reply::oversized(),
        Reply::mid_body_close(),
    ]);
    let mut app = bc_app(&server);
    app.timeout = Some(Duration::from_millis(300).into());
    let bc_query = BCQuery::new(app.clone());
    let mut errors = vec![
        // GETs whose URL carries para= / app_sign, failing by timeout.
        bc_query.query_bills(None).unwrap_err(),
        bc_query.query_plans(None).unwrap_err(),
    ];
    assert!(errors.iter().all(|e| matches!(e, BCError::Timeout { .. })));
    app.timeout = None;
    let bc_query = BCQuery::new(app.clone());
    for _ in 0..5 {
        errors.push(bc_query.query_bills(None).unwrap_err());
    }
    let mut test_app = app.clone();
    test_app.is_test_mode = true;
    errors.push(BCPay::new(test_app).refund(&refund_params()).unwrap_err());
    errors.push(BCQuery::new(app.clone()).query_bill_by_id("").unwrap_err());
    let mut no_secret = app.clone();
    no_secret.master_secret.clear();
    errors.push(BCPay::new(no_secret).refund(&refund_params()).unwrap_err());
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut refused = app.clone();
    refused.api_host = format!("http://127.0.0.1:{port}");
    errors.push(BCQuery::new(refused).query_bills(None).unwrap_err());
    errors.push(utils::verify_webhook(&app, b"not json").unwrap_err());
    let signature = utils::webhook_signature(support::APP_ID, "t1", "PAY", "WX", 1, MASTER_SECRET);
    let body = json!({
        "signature": signature, "timestamp": 1, "channel_type": "WX", "sub_channel_type": "WX_NATIVE",
        "transaction_type": "PAY", "transaction_id": "t1", "transaction_fee": 1,
        "trade_success": true, "message_detail": {}, "optional": {}
    });
    let webhook = utils::verify_webhook(&app, body.to_string().as_bytes()).unwrap();
    errors.push(webhook.check_amount(2).unwrap_err());

    let variants: Vec<&str> = errors
        .iter()
        .map(|err| match err {
            BCError::Api { .. } => "Api",
            BCError::NotSupportedInTestMode { .. } => "NotSupportedInTestMode",
            BCError::InvalidParams { .. } => "InvalidParams",
            BCError::NotConfigured { .. } => "NotConfigured",
            BCError::Connect { .. } => "Connect",
            BCError::Transport { .. } => "Transport",
            BCError::Timeout { .. } => "Timeout",
            BCError::HttpStatus { .. } => "HttpStatus",
            BCError::InvalidResponse { .. } => "InvalidResponse",
            BCError::BodyTooLarge { .. } => "BodyTooLarge",
            BCError::InvalidWebhook { .. } => "InvalidWebhook",
            BCError::WebhookAmountMismatch { .. } => "WebhookAmountMismatch",
            _ => "other",
        })
        .collect();
    // Every variant reachable without the network (WeChat needs api.weixin.qq.com).
    for variant in [
        "Api",
        "NotSupportedInTestMode",
        "InvalidParams",
        "NotConfigured",
        "Connect",
        "Transport",
        "Timeout",
        "HttpStatus",
        "InvalidResponse",
        "BodyTooLarge",
        "InvalidWebhook",
        "WebhookAmountMismatch",
    ] {
        assert!(
            variants.contains(&variant),
            "{variant} missing: {variants:?}"
        );
    }
    for err in &errors {
        assert_clean(err, &secrets);
    }
}

#[test]
fn debug_of_bc_app_hides_the_secrets() {
    let server = CaptureServer::start([]);
    let app = bc_app(&server);
    let shown = format!(
        "{app:?} {:?} {:?}",
        BCPay::new(app.clone()),
        BCQuery::new(app.clone())
    );
    assert!(shown.contains(support::APP_ID));
    for secret in [APP_SECRET, MASTER_SECRET, TEST_SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

// ---------------------------------------------------------------- concurrency

#[test]
fn one_client_is_shared_by_four_threads() {
    let server = CaptureServer::always(ok_pay());
    let bc_pay = BCPay::new(bc_app(&server));
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let bc_pay = &bc_pay;
            scope.spawn(move || {
                for call in 0..10 {
                    let mut params = pay_params();
                    params.bill_no = Some(format!("20170825{thread}{call:04}"));
                    let result = bc_pay.pay(&params).unwrap();
                    assert_eq!(result.id, "bill-1");
                }
            });
        }
    });
    let requests = server.requests();
    assert_eq!(requests.len(), 40);
    let mut bill_nos: Vec<String> = requests
        .iter()
        .map(|request| request.json_body()["bill_no"].as_str().unwrap().to_string())
        .collect();
    bill_nos.sort();
    bill_nos.dedup();
    assert_eq!(bill_nos.len(), 40);
}

#[test]
fn query_pair_booleans_are_spelled_like_python_and_count_only_reads_total_count() {
    let server = CaptureServer::start([Reply::ok(
        json!({"result_code": 0, "result_msg": "OK", "err_detail": "", "total_count": 3}),
    )]);
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = Some(true);
    criteria.interval = Some("month".into());
    let result = BCQuery::new(bc_app(&server))
        .query_plans(&criteria)
        .unwrap();
    assert_eq!(result.total_count, Some(3));
    assert!(result.plans.is_empty());
    let request = server.single_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/2/plan")
    );
    let pairs: BTreeMap<_, _> = request.query_pairs().into_iter().collect();
    assert_eq!(pairs["count_only"], "True");
    assert_eq!(pairs["interval"], "month");
    assert_eq!(
        pairs["app_sign"],
        support::expected_sign(&pairs["timestamp"], APP_SECRET)
    );
    assert!(request.body.is_empty());
}
