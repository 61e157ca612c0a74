//! Wire tests of the operations only the other official SDKs send, and of the places where the SDK
//! follows the live server rather than the Python SDK,
//! against the capture server on 127.0.0.1: method, path, encoding, signing secret or body
//! signature, fields, the typed result, the local checks (nothing sent) and test mode.
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use crate::support;

use beecloud::entity::*;
use beecloud::{BCError, BCPay, BCQuery};
use serde_json::{Map, Value, json};
use support::{
    APP_ID, APP_SECRET, CaptureServer, CapturedRequest, MASTER_SECRET, Reply, TEST_SECRET, bc_app,
    expected_sign,
};

fn ok(payload: Value) -> Reply {
    let mut envelope = json!({"result_code": 0, "result_msg": "OK", "err_detail": ""});
    envelope
        .as_object_mut()
        .unwrap()
        .extend(payload.as_object().unwrap().clone());
    Reply::ok(envelope)
}

/// Runs `call` against a server answering `reply` once; returns its result and the one request.
fn capture<T>(reply: Reply, call: impl FnOnce(BCApp) -> T) -> (T, CapturedRequest) {
    let server = CaptureServer::start([reply]);
    let result = call(bc_app(&server));
    (result, server.single_request())
}

/// Runs `call` against a server that must receive nothing; returns the error.
fn refused<T: std::fmt::Debug>(
    app: impl FnOnce(&CaptureServer) -> BCApp,
    call: impl FnOnce(BCApp) -> Result<T, BCError>,
) -> BCError {
    let server = CaptureServer::start([]);
    let err = call(app(&server)).expect_err("refused locally");
    assert!(server.requests().is_empty(), "nothing may be sent: {err:?}");
    err
}

fn live(server: &CaptureServer) -> BCApp {
    bc_app(server)
}

fn test_mode(server: &CaptureServer) -> BCApp {
    let mut app = bc_app(server);
    app.is_test_mode = true;
    app
}

fn assert_invalid(err: BCError, field: &str) {
    match &err {
        BCError::InvalidParams { message } => {
            assert!(message.contains(field), "{message} should name {field}")
        }
        other => panic!("expected an input error naming {field}: {other:?}"),
    }
    assert_eq!(err.result_code(), None);
}

fn assert_test_mode_refusal(err: BCError, method: &str) {
    assert!(
        matches!(err, BCError::NotSupportedInTestMode { method: m } if m == method),
        "{err:?}"
    );
    assert_eq!(err.result_code(), Some(-2));
    assert_eq!(err.result_msg(), "NOT_SUPPORTED_CODE");
    assert_eq!(
        err.err_detail(),
        format!("[{method}] does NOT support test mode currently!")
    );
}

/// The fields of a JSON-body or `?para=` request.
fn fields_of(request: &CapturedRequest) -> Map<String, Value> {
    let fields = match request.para() {
        Some(para) => para,
        None => request.json_body(),
    };
    fields.as_object().unwrap().clone()
}

/// Checks `app_id` / `timestamp` / `app_sign` over `secret` and returns the other fields.
fn signed_with(request: &CapturedRequest, secret: &str) -> Value {
    let fields = fields_of(request);
    signed_fields(fields, secret)
}

/// As [`signed_with`] for `pay`, which carries Python's `bc_analysis`.
fn pay_signed_with(request: &CapturedRequest, secret: &str) -> Value {
    let mut fields = fields_of(request);
    assert!(fields.remove("bc_analysis").is_some());
    signed_fields(fields, secret)
}

fn signed_fields(mut fields: Map<String, Value>, secret: &str) -> Value {
    assert_eq!(fields.remove("app_id"), Some(json!(APP_ID)));
    let timestamp = fields.remove("timestamp").expect("timestamp");
    assert!(timestamp.is_i64(), "timestamp is an integer: {timestamp}");
    assert_eq!(
        fields.remove("app_sign"),
        Some(json!(expected_sign(&timestamp.to_string(), secret))),
        "signed with the expected secret"
    );
    assert!(
        !fields.contains_key("bc_analysis"),
        "only pay carries bc_analysis"
    );
    Value::Object(fields)
}

fn assert_post_json(request: &CapturedRequest, path: &str) {
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", path)
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.raw_query, "");
}

fn assert_get_para(request: &CapturedRequest, path: &str) {
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", path)
    );
    assert!(
        request.para().is_some(),
        "a ?para= query: {}",
        request.raw_query
    );
    assert!(request.body.is_empty());
}

// ---- payout queries ----

fn transfer_filters() -> BCTransferQueryParams {
    let mut params = BCTransferQueryParams::default();
    params.bill_no = Some("20170517T0001".into());
    params.transfer_status = Some(BCTransferStatus::FAIL);
    params.start_time = Some(1_500_000_000_000);
    params.end_time = Some(1_600_000_000_000);
    params
}

#[test]
fn query_transfers_wire_and_records() {
    let record = json!({
        "id": "t-1", "bill_no": "20170517T0001", "total_fee": 100, "title": "提现",
        "spay_result": false, "trade_no": "", "optional": "{\"k\":\"v\"}", "create_time": 1,
        "message_detail": "{\"trade_status\":\"REFU\"}", "transfer_status": "FAIL",
        "account_name": "张三", "account_no": "6222000011112222", "bank_full_name": "中国银行",
        "notify_url": "", "new_key": 7
    });
    let mut params = transfer_filters();
    params.need_detail = Some(false);
    params.skip = Some(0);
    params.limit = Some(10);
    let (result, request) = capture(ok(json!({"bills": [record, null]})), |app| {
        BCQuery::new(app).query_transfers(&params)
    });
    assert_get_para(&request, "/2/rest/transfers");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"bill_no": "20170517T0001", "transfer_status": "FAIL", "start_time": 1_500_000_000_000i64,
               "end_time": 1_600_000_000_000i64, "need_detail": false, "skip": 0, "limit": 10})
    );
    let result = result.unwrap();
    assert_eq!(result.transfers.len(), 1, "null entries are skipped");
    let payout = &result.transfers[0];
    assert_eq!(payout.transfer_status, Some(BCTransferStatus::FAIL));
    assert_eq!(payout.bank_full_name.as_deref(), Some("中国银行"));
    assert_eq!(payout.spay_result, Some(false));
    assert_eq!(payout.optional, Some(json!("{\"k\":\"v\"}")));
    assert_eq!(
        result.raw["bills"][0]["new_key"], 7,
        "unmodelled keys stay in raw"
    );

    // An unknown status is kept; no filters at all sends only the signature.
    let (result, request) = capture(
        ok(json!({"bills": [{"transfer_status": "QUEUED"}]})),
        |app| BCQuery::new(app).query_transfers(None),
    );
    assert_eq!(signed_with(&request, APP_SECRET), json!({}));
    assert_eq!(
        result.unwrap().transfers[0].transfer_status,
        Some(BCTransferStatus::Other("QUEUED".into()))
    );
    // No `bills` key: an empty page.
    let (result, _) = capture(ok(json!({})), |app| BCQuery::new(app).query_transfers(None));
    assert!(result.unwrap().transfers.is_empty());
    let (result, _) = capture(ok(json!({"bills": "none"})), |app| {
        BCQuery::new(app).query_transfers(None)
    });
    // result_code 0 says the server acted; an undecodable payload is never an empty success.
    assert!(
        matches!(result, Err(BCError::UnreadableSuccess { .. })),
        "{result:?}"
    );
}

#[test]
fn query_transfers_local_checks_and_test_mode() {
    for (field, change) in [
        (
            "bill_no",
            Box::new(|p: &mut BCTransferQueryParams| p.bill_no = Some("short".into()))
                as Box<dyn Fn(&mut BCTransferQueryParams)>,
        ),
        ("limit", Box::new(|p| p.limit = Some(9))),
        ("limit", Box::new(|p| p.limit = Some(51))),
        ("skip", Box::new(|p| p.skip = Some(-1))),
    ] {
        let mut params = BCTransferQueryParams::default();
        change(&mut params);
        assert_invalid(
            refused(live, |app| BCQuery::new(app).query_transfers(&params)),
            field,
        );
    }
    for field in ["need_detail", "skip", "limit"] {
        let mut params = BCTransferQueryParams::default();
        match field {
            "need_detail" => params.need_detail = Some(true),
            "skip" => params.skip = Some(0),
            _ => params.limit = Some(10),
        }
        assert_invalid(
            refused(live, |app| BCQuery::new(app).query_transfers_count(&params)),
            field,
        );
    }
    assert_test_mode_refusal(
        refused(test_mode, |app| BCQuery::new(app).query_transfers(None)),
        "query_transfers",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| {
            BCQuery::new(app).query_transfers_count(None)
        }),
        "query_transfers_count",
    );
}

#[test]
fn query_transfers_count_wire() {
    let params = transfer_filters();
    let (result, request) = capture(ok(json!({"count": 3})), |app| {
        BCQuery::new(app).query_transfers_count(&params)
    });
    assert_get_para(&request, "/2/rest/transfers/count");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"bill_no": "20170517T0001", "transfer_status": "FAIL", "start_time": 1_500_000_000_000i64,
               "end_time": 1_600_000_000_000i64})
    );
    assert_eq!(result.unwrap().count, 3);
}

// ---- online gateway banks ----

#[test]
fn query_bc_gateway_banks_wire_checks_and_test_mode() {
    let (result, request) = capture(
        ok(json!({"banks": ["工商银行", "建设银行"]})),
        |app| BCQuery::new(app).query_bc_gateway_banks("2", Some("B2C")),
    );
    assert_get_para(&request, "/2/rest/bc_gateway/banks");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"card_type": "2", "pay_type": "B2C"})
    );
    assert_eq!(result.unwrap().banks, ["工商银行", "建设银行"]);

    assert_invalid(
        refused(live, |app| {
            BCQuery::new(app).query_bc_gateway_banks("3", None)
        }),
        "card_type",
    );
    assert_invalid(
        refused(live, |app| {
            BCQuery::new(app).query_bc_gateway_banks("1", Some("C2C"))
        }),
        "pay_type",
    );
    // Test mode: the live path, signed with the test secret, as Python signs every call it does not
    // refuse in test mode (Java and PHP sign this list with the app secret even in sandbox mode).
    let (result, request) = capture(ok(json!({"banks": []})), |mut app| {
        app.is_test_mode = true;
        BCQuery::new(app).query_bc_gateway_banks("1", None)
    });
    assert_get_para(&request, "/2/rest/bc_gateway/banks");
    assert_eq!(
        signed_with(&request, TEST_SECRET),
        json!({"card_type": "1"})
    );
    assert!(result.unwrap().banks.is_empty());
}

// ---- BC_EXPRESS confirm ----

fn confirm_params() -> BCBillConfirmParams {
    let mut params = BCBillConfirmParams::default();
    params.token = Some("tok-1".into());
    params.bc_bill_id = Some("bill-id-1".into());
    params.verify_code = Some("123456".into());
    params
}

#[test]
fn confirm_bill_wire_checks_and_test_mode() {
    let params = confirm_params();
    let (result, request) = capture(ok(json!({})), |app| BCPay::new(app).confirm_bill(&params));
    result.unwrap();
    assert_post_json(&request, "/2/rest/bill/confirm");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"token": "tok-1", "bc_bill_id": "bill-id-1", "verify_code": "123456"})
    );
    for field in ["token", "bc_bill_id", "verify_code"] {
        let mut params = confirm_params();
        match field {
            "token" => params.token = Some(String::new()),
            "bc_bill_id" => params.bc_bill_id = None,
            _ => params.verify_code = Some(String::new()),
        }
        assert_invalid(
            refused(live, |app| BCPay::new(app).confirm_bill(&params)),
            field,
        );
    }
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).confirm_bill(&params)),
        "confirm_bill",
    );
    // A server error stays an error.
    let (result, _) = capture(
        ok(json!({"result_code": 5, "result_msg": "PARAM_INVALID", "err_detail": "bad code"})),
        |app| BCPay::new(app).confirm_bill(&params),
    );
    assert_eq!(result.unwrap_err().result_code(), Some(5));
}

// ---- payouts ----

const ACCOUNT: &str = "6222000011112222";

fn payout_signature(bill_no: &str, amount: i64) -> String {
    format!(
        "{:x}",
        md5::compute(format!("{APP_ID}{bill_no}{amount}{ACCOUNT}{MASTER_SECRET}"))
    )
}

fn t0_params() -> BCT0TransferParams {
    let mut params = BCT0TransferParams::default();
    params.withdraw_amount = Some(100);
    params.bill_no = Some("20170517T0001".into());
    params.transfer_type = Some("1".into());
    params.bank_name = Some("中国银行".into());
    params.bank_account_no = Some(ACCOUNT.into());
    params.bank_account_name = Some("张三".into());
    params.bank_code = Some("BOC".into());
    params.note = Some("提现".into());
    params
}

fn t1_params() -> BCT1TransferParams {
    let mut params = BCT1TransferParams::default();
    params.total_fee = Some(100);
    params.bill_no = Some("20170710T1001".into());
    params.is_personal = Some("1".into());
    params.bank_name = Some("中国银行".into());
    params.bank_account_no = Some(ACCOUNT.into());
    params.bank_account_name = Some("张三".into());
    params
}

#[test]
fn bc_t0_transfer_carries_the_payout_signature_and_no_app_sign() {
    let mut params = t0_params();
    params.notify_url = Some("https://merchant.example/payouts".into());
    params.optional = Some(Map::from_iter([("k".to_string(), json!("v"))]));
    let (result, request) = capture(ok(json!({"id": "payout-1"})), |app| {
        BCPay::new(app).bc_t0_transfer(&params)
    });
    assert_eq!(result.unwrap().id, "payout-1");
    assert_post_json(&request, "/2/rest/gateway/bc_transfer");
    let signature = payout_signature("20170517T0001", 100);
    assert_eq!(
        request.json_body(),
        json!({
            "app_id": APP_ID, "signature": signature, "withdraw_amount": 100,
            "bill_no": "20170517T0001", "transfer_type": "1", "bank_name": "中国银行",
            "bank_account_no": ACCOUNT, "bank_account_name": "张三", "bank_code": "BOC",
            "note": "提现", "notify_url": "https://merchant.example/payouts", "optional": {"k": "v"}
        }),
        "no timestamp, no app_sign, no bc_analysis"
    );
    // The signature lives only on the wire; the account number is not shown either.
    let shown = format!("{params:?}");
    assert!(
        !shown.contains(&signature) && !shown.contains(ACCOUNT),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[test]
fn bc_t0_transfer_local_checks_and_test_mode() {
    type Change = Box<dyn Fn(&mut BCT0TransferParams)>;
    let cases: Vec<(&str, Change)> = vec![
        ("withdraw_amount", Box::new(|p| p.withdraw_amount = Some(0))),
        ("withdraw_amount", Box::new(|p| p.withdraw_amount = None)),
        (
            "bill_no",
            Box::new(|p| p.bill_no = Some("T0-0001-xyz".into())),
        ),
        (
            "transfer_type",
            Box::new(|p| p.transfer_type = Some("3".into())),
        ),
        ("note", Box::new(|p| p.note = Some(String::new()))),
        ("bank_code", Box::new(|p| p.bank_code = None)),
        (
            "notify_url",
            Box::new(|p| p.notify_url = Some("merchant.example".into())),
        ),
        (
            "signature",
            Box::new(|p| {
                p.set("signature", "forged");
            }),
        ),
    ];
    for (field, change) in cases {
        let mut params = t0_params();
        change(&mut params);
        assert_invalid(
            refused(live, |app| BCPay::new(app).bc_t0_transfer(&params)),
            field,
        );
    }
    let err = refused(
        |server| {
            let mut app = live(server);
            app.master_secret.clear();
            app
        },
        |app| BCPay::new(app).bc_t0_transfer(&t0_params()),
    );
    assert!(
        matches!(
            err,
            BCError::NotConfigured {
                what: "master secret"
            }
        ),
        "{err:?}"
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| {
            BCPay::new(app).bc_t0_transfer(&t0_params())
        }),
        "bc_t0_transfer",
    );
}

#[test]
fn bc_t1_transfer_wire_checks_and_test_mode() {
    let params = t1_params();
    // The PHP demo reads nothing: an envelope without `id` is a success.
    let (result, request) = capture(ok(json!({})), |app| BCPay::new(app).bc_t1_transfer(&params));
    assert_eq!(result.unwrap().id, None);
    assert_post_json(&request, "/2/rest/t1express/transfer");
    assert_eq!(
        request.json_body(),
        json!({
            "app_id": APP_ID, "signature": payout_signature("20170710T1001", 100),
            "total_fee": 100, "bill_no": "20170710T1001", "is_personal": "1",
            "bank_name": "中国银行", "bank_account_no": ACCOUNT, "bank_account_name": "张三"
        })
    );
    let mut bad = t1_params();
    bad.is_personal = Some("2".into());
    assert_invalid(
        refused(live, |app| BCPay::new(app).bc_t1_transfer(&bad)),
        "is_personal",
    );
    let mut bad = t1_params();
    bad.bank_account_no = None;
    assert_invalid(
        refused(live, |app| BCPay::new(app).bc_t1_transfer(&bad)),
        "bank_account_no",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).bc_t1_transfer(&params)),
        "bc_t1_transfer",
    );
}

#[test]
fn query_t1_transfer_supported_banks_wire_and_test_mode() {
    let (result, request) = capture(ok(json!({"banks": ["中国银行"]})), |app| {
        BCQuery::new(app).query_t1_transfer_supported_banks()
    });
    assert_get_para(&request, "/2/rest/t1express/transfer/banks");
    assert_eq!(signed_with(&request, APP_SECRET), json!({}));
    assert_eq!(result.unwrap().banks, ["中国银行"]);
    let (_, request) = capture(ok(json!({"banks": []})), |mut app| {
        app.is_test_mode = true;
        BCQuery::new(app).query_t1_transfer_supported_banks()
    });
    assert_get_para(&request, "/2/rest/t1express/transfer/banks");
    assert_eq!(signed_with(&request, TEST_SECRET), json!({}));
}

fn cj_params() -> BCCJTransferParams {
    let mut params = BCCJTransferParams::default();
    params.total_fee = Some(100);
    params.bill_no = Some("cj20161001001".into());
    params.title = Some("佣金".into());
    params.bank_name = Some("中国工商银行".into());
    params.bank_branch = Some("上海分行".into());
    params.province = Some("上海".into());
    params.city = Some("上海".into());
    params.card_type = Some("DEBIT".into());
    params.card_attribute = Some("C".into());
    params.bank_account_no = Some(ACCOUNT.into());
    params.account_name = Some("张三".into());
    params
}

#[test]
fn cj_transfer_wire_checks_and_test_mode() {
    let params = cj_params();
    let (result, request) = capture(ok(json!({"id": "cj-1"})), |app| {
        BCPay::new(app).cj_transfer(&params)
    });
    assert_eq!(result.unwrap().id, "cj-1");
    assert_post_json(&request, "/2/rest/cj_transfer");
    assert_eq!(
        signed_with(&request, MASTER_SECRET),
        json!({
            "total_fee": 100, "bill_no": "cj20161001001", "title": "佣金",
            "bank_name": "中国工商银行", "bank_branch": "上海分行", "province": "上海",
            "city": "上海", "card_type": "DEBIT", "card_attribute": "C",
            "bank_account_no": ACCOUNT, "account_name": "张三"
        })
    );
    let mut bad = cj_params();
    bad.card_type = Some("DE".into());
    assert_invalid(
        refused(live, |app| BCPay::new(app).cj_transfer(&bad)),
        "card_type",
    );
    let mut bad = cj_params();
    bad.card_attribute = Some("P".into());
    assert_invalid(
        refused(live, |app| BCPay::new(app).cj_transfer(&bad)),
        "card_attribute",
    );
    let mut bad = cj_params();
    bad.total_fee = Some(-5);
    assert_invalid(
        refused(live, |app| BCPay::new(app).cj_transfer(&bad)),
        "total_fee",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).cj_transfer(&params)),
        "cj_transfer",
    );
}

fn card_transfer_params() -> BCCardTransferParams {
    let mut params = BCCardTransferParams::default();
    params.total_fee = Some(100);
    params.bill_no = Some("jd20170112001".into());
    params.title = Some("佣金".into());
    params.bank_fullname = Some("中国银行".into());
    params.card_type = Some("DE".into());
    params.account_type = Some("P".into());
    params.account_no = Some(ACCOUNT.into());
    params.account_name = Some("张三".into());
    params
}

#[test]
fn jd_transfer_wire_checks_and_test_mode() {
    let mut params = card_transfer_params();
    params.notify_url = Some("https://merchant.example/jd".into());
    let (result, request) = capture(ok(json!({"id": "jd-1"})), |app| {
        BCPay::new(app).jd_transfer(&params)
    });
    assert_eq!(result.unwrap().id, "jd-1");
    assert_post_json(&request, "/2/rest/bc_user_transfer");
    assert_eq!(
        signed_with(&request, MASTER_SECRET),
        json!({
            "channel": "JD_TRANSFER", "total_fee": 100, "bill_no": "jd20170112001",
            "title": "佣金", "trade_source": "OUT_PC", "bank_fullname": "中国银行",
            "card_type": "DE", "account_type": "P", "account_no": ACCOUNT,
            "account_name": "张三", "notify_url": "https://merchant.example/jd"
        })
    );
    let mut bad = card_transfer_params();
    bad.set("channel", "BC_TRANSFER");
    assert_invalid(
        refused(live, |app| BCPay::new(app).jd_transfer(&bad)),
        "channel",
    );
    let mut bad = card_transfer_params();
    bad.account_type = Some("X".into());
    assert_invalid(
        refused(live, |app| BCPay::new(app).jd_transfer(&bad)),
        "account_type",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).jd_transfer(&params)),
        "jd_transfer",
    );
}

#[test]
fn query_jd_transfer_supported_banks_wire_and_test_mode() {
    let (result, request) = capture(ok(json!({"banks": ["中国银行"]})), |app| {
        BCQuery::new(app).query_jd_transfer_supported_banks(Some("P_DE"))
    });
    assert_get_para(&request, "/2/rest/bc_user_transfer/banks");
    assert_eq!(signed_with(&request, APP_SECRET), json!({"type": "P_DE"}));
    assert_eq!(result.unwrap().banks, ["中国银行"]);
    let (_, request) = capture(ok(json!({"banks": []})), |mut app| {
        app.is_test_mode = true;
        BCQuery::new(app).query_jd_transfer_supported_banks(None)
    });
    assert_get_para(&request, "/2/rest/bc_user_transfer/banks");
    assert_eq!(signed_with(&request, TEST_SECRET), json!({}));
}

// ---- card signing ----

fn card_sign_params() -> BCCardSignParams {
    let mut params = BCCardSignParams::default();
    params.id_name = Some("张三".into());
    params.id_no = Some("320101199001011234".into());
    params.card_no = Some(ACCOUNT.into());
    params.mobile = Some("13800000000".into());
    params.bank = Some("中国银行".into());
    params
}

#[test]
fn card_sign_and_sync_verify_wire_checks_and_test_mode() {
    let identity = json!({
        "id_name": "张三", "id_no": "320101199001011234", "card_no": ACCOUNT,
        "mobile": "13800000000", "bank": "中国银行"
    });
    let mut params = card_sign_params();
    params.notify_url = Some("https://merchant.example/sign".into());
    let (result, request) = capture(ok(json!({"card_id": "card-1"})), |app| {
        BCPay::new(app).card_sign(&params)
    });
    assert_eq!(result.unwrap().card_id.as_deref(), Some("card-1"));
    assert_post_json(&request, "/2/card/sign");
    let mut expected = identity.clone();
    expected["notify_url"] = json!("https://merchant.example/sign");
    assert_eq!(signed_with(&request, APP_SECRET), expected);

    let params = card_sign_params();
    let (result, request) = capture(ok(json!({"card_id": "card-2"})), |app| {
        BCPay::new(app).card_sync_verify(&params)
    });
    assert_eq!(result.unwrap().card_id.as_deref(), Some("card-2"));
    assert_post_json(&request, "/2/card/sync_verify");
    assert_eq!(signed_with(&request, APP_SECRET), identity);
    let shown = format!("{params:?}");
    assert!(
        !shown.contains(ACCOUNT) && !shown.contains("320101199001011234"),
        "{shown}"
    );

    let mut bad = card_sign_params();
    bad.mobile = Some(String::new());
    assert_invalid(
        refused(live, |app| BCPay::new(app).card_sign(&bad)),
        "mobile",
    );
    let mut bad = card_sign_params();
    bad.id_no = None;
    assert_invalid(
        refused(live, |app| BCPay::new(app).card_sync_verify(&bad)),
        "id_no",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).card_sign(&params)),
        "card_sign",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).card_sync_verify(&params)),
        "card_sync_verify",
    );
}

#[test]
fn card_sync_sign_wire_checks_and_test_mode() {
    let (result, request) = capture(ok(json!({})), |app| {
        BCPay::new(app).card_sync_sign("card-1")
    });
    result.unwrap();
    assert_post_json(&request, "/2/card/sync_sign");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"card_id": "card-1"})
    );
    assert_invalid(
        refused(live, |app| BCPay::new(app).card_sync_sign("")),
        "card_id",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).card_sync_sign("card-1")),
        "card_sync_sign",
    );
}

#[test]
fn card_charge_sign_wire_checks_and_test_mode() {
    let mut params = BCCardChargeSignParams::default();
    params.mobile = Some("13800000000".into());
    params.bank = Some("中国银行".into());
    params.id_no = Some("320101199001011234".into());
    params.name = Some("张三".into());
    params.card_no = Some(ACCOUNT.into());
    params.sms_id = Some("sms-1".into());
    params.sms_code = Some("123456".into());
    let (result, request) = capture(ok(json!({"id": "sign0001"})), |app| {
        BCPay::new(app).card_charge_sign(&params)
    });
    let result = result.unwrap();
    assert_eq!(
        (result.id.as_str(), result.card_id.as_deref()),
        ("sign0001", None)
    );
    assert_post_json(&request, "/2/sign");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({
            "mobile": "13800000000", "bank": "中国银行", "id_no": "320101199001011234",
            "name": "张三", "card_no": ACCOUNT, "sms_id": "sms-1", "sms_code": "123456"
        })
    );
    let mut bad = params.clone();
    bad.sms_code = None;
    assert_invalid(
        refused(live, |app| BCPay::new(app).card_charge_sign(&bad)),
        "sms_code",
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| BCPay::new(app).card_charge_sign(&params)),
        "card_charge_sign",
    );
}

// ---- sandbox notify ----

#[test]
fn sandbox_notify_is_an_unsigned_get_with_both_ids_in_the_path() {
    let (result, request) = capture(ok(json!({})), |mut app| {
        app.is_test_mode = true;
        app.test_secret.clear(); // needs no secret at all
        app.app_secret.clear();
        BCPay::new(app).sandbox_notify("bill id/1")
    });
    result.unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.target,
        format!("/2/rest/sandbox/notify/{APP_ID}/bill%20id%2F1"),
        "no query string at all"
    );
    assert!(request.body.is_empty());
    assert_eq!(request.header("content-type"), None);

    // Live mode: refused locally with -2.
    let err = refused(live, |app| BCPay::new(app).sandbox_notify("bill-1"));
    assert!(
        matches!(
            err,
            BCError::OnlyInTestMode {
                method: "sandbox_notify"
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.result_code(), Some(-2));
    assert_eq!(err.result_msg(), "NOT_SUPPORTED_CODE");
    assert_eq!(
        err.err_detail(),
        "[sandbox_notify] is only available in test mode"
    );

    assert_invalid(
        refused(test_mode, |app| BCPay::new(app).sandbox_notify("")),
        "id",
    );
    let err = refused(
        |server| {
            let mut app = test_mode(server);
            app.app_id.clear();
            app
        },
        |app| BCPay::new(app).sandbox_notify("bill-1"),
    );
    assert!(
        matches!(err, BCError::NotConfigured { what: "app id" }),
        "{err:?}"
    );

    let (result, _) = capture(
        ok(json!({"result_code": 8, "result_msg": "NO_SUCH_BILL", "err_detail": ""})),
        |mut app| {
            app.is_test_mode = true;
            BCPay::new(app).sandbox_notify("bill-1")
        },
    );
    assert_eq!(result.unwrap_err().result_code(), Some(8));
}

// ---- refund status with bill update, period-end cancel, reconciliation ----

#[test]
fn query_refund_status_with_bill_update_wire_and_test_mode() {
    let (result, request) = capture(ok(json!({"refund_status": "SUCCESS"})), |app| {
        BCQuery::new(app).query_refund_status_with_bill_update(BCChannelType::WX, "20261201001")
    });
    assert_eq!(result.unwrap().refund_status, "SUCCESS");
    assert_get_para(&request, "/2/rest/refund/status");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"channel": "WX", "refund_no": "20261201001", "bill_update_flag": "1"})
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| {
            BCQuery::new(app).query_refund_status_with_bill_update("WX", "20261201001")
        }),
        "query_refund_status_with_bill_update",
    );
}

#[test]
fn cancel_subscription_at_period_end_wire_and_test_mode() {
    for (test, secret) in [(false, APP_SECRET), (true, TEST_SECRET)] {
        let (result, request) = capture(ok(json!({"id": "sub-1"})), |mut app| {
            app.is_test_mode = test;
            BCPay::new(app).cancel_subscription_at_period_end("sub-1")
        });
        assert_eq!(result.unwrap().id, "sub-1");
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("DELETE", "/2/subscription/sub-1")
        );
        let pairs = request.query_pairs();
        assert_eq!(pairs[0], ("at_period_end".to_string(), "True".to_string()));
        let timestamp = &pairs.iter().find(|(k, _)| k == "timestamp").unwrap().1;
        assert!(pairs.contains(&("app_sign".to_string(), expected_sign(timestamp, secret))));
    }
}

#[test]
fn query_reconciliation_wire_and_test_mode() {
    let (result, request) = capture(ok(json!({"pay_status": "false"})), |app| {
        BCQuery::new(app).query_reconciliation("bill-id-1")
    });
    assert!(!result.unwrap().pay_status);
    assert_post_json(&request, "/2/rest/reconciliation");
    assert_eq!(
        signed_with(&request, APP_SECRET),
        json!({"bill_id": "bill-id-1"})
    );
    assert_test_mode_refusal(
        refused(test_mode, |app| {
            BCQuery::new(app).query_reconciliation("bill-id-1")
        }),
        "query_reconciliation",
    );
}

// ---- where the live server and the other SDKs correct the Python SDK (SDK side) ----

fn refund_params(channel: BCChannelType) -> BCRefundReqParams {
    let mut params = BCRefundReqParams::default();
    params.channel = Some(channel);
    params.refund_no = Some("20261201001".into());
    params.bill_no = Some("bill20261201".into());
    params.refund_fee = Some(1);
    params
}

#[test]
fn bc_is_a_refund_channel() {
    let params = refund_params(BCChannelType::BC);
    let (result, request) = capture(ok(json!({"id": "r-1"})), |app| {
        BCPay::new(app).refund(&params)
    });
    result.unwrap();
    assert_eq!(signed_with(&request, MASTER_SECRET)["channel"], "BC");
    let (result, request) = capture(ok(json!({"id": "r-2", "refund_result": true})), |app| {
        BCPay::new(app).offline_refund(&params)
    });
    result.unwrap();
    assert_eq!(request.path, "/2/rest/offline/refund");
    assert_eq!(signed_with(&request, MASTER_SECRET)["channel"], "BC");
    let mut audit = BCPreRefundAuditParams::default();
    audit.channel = Some(BCChannelType::BC);
    audit.ids = Some(vec!["pre-1".into()]);
    audit.agree = Some(true);
    let (result, request) = capture(ok(json!({"result_map": {"pre-1": "OK"}})), |app| {
        BCPay::new(app).audit_pre_refunds(&audit)
    });
    result.unwrap();
    assert_eq!(signed_with(&request, MASTER_SECRET)["channel"], "BC");
    // Java's sub-channel form travels too (no local restriction).
    let params = refund_params(BCChannelType::BC_GATEWAY);
    let (result, request) = capture(ok(json!({"id": "r-3"})), |app| {
        BCPay::new(app).refund(&params)
    });
    result.unwrap();
    assert_eq!(
        signed_with(&request, MASTER_SECRET)["channel"],
        "BC_GATEWAY"
    );
}

#[test]
fn return_url_is_not_checked_locally() {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::BC_WX_WAP);
    params.total_fee = Some(1);
    params.bill_no = Some("bill20261201".into());
    params.title = Some("t".into());
    let (result, request) = capture(
        ok(json!({"result_code": 4, "result_msg": "MISS_PARAM", "err_detail": "return_url"})),
        |app| BCPay::new(app).pay(&params),
    );
    assert_eq!(
        result.unwrap_err().result_code(),
        Some(4),
        "the server decides"
    );
    assert!(
        !pay_signed_with(&request, APP_SECRET)
            .as_object()
            .unwrap()
            .contains_key("return_url")
    );
}

#[test]
fn bill_and_refund_pages_are_10_to_50() {
    for limit in [0, 9, 51] {
        let mut params = BCQueryReqParams::default();
        params.limit = Some(limit);
        assert_invalid(
            refused(live, |app| BCQuery::new(app).query_bills(&params)),
            "limit",
        );
        assert_invalid(
            refused(live, |app| BCQuery::new(app).query_refunds(&params)),
            "limit",
        );
    }
    let mut params = BCQueryReqParams::default();
    params.skip = Some(-1);
    assert_invalid(
        refused(live, |app| BCQuery::new(app).query_bills(&params)),
        "skip",
    );
    for limit in [10, 50] {
        let mut params = BCQueryReqParams::default();
        params.limit = Some(limit);
        let (result, request) = capture(ok(json!({"bills": []})), |app| {
            BCQuery::new(app).query_bills(&params)
        });
        result.unwrap();
        assert_eq!(signed_with(&request, APP_SECRET), json!({ "limit": limit }));
    }
    // A count still reports a page field as not applicable, before the range check.
    let mut params = BCQueryReqParams::default();
    params.limit = Some(5);
    let err = refused(live, |app| BCQuery::new(app).query_bills_count(&params));
    assert!(err.to_string().contains("does not apply"), "{err}");
}

#[test]
fn other_sdks_pay_channels_fields_and_payloads() {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::BC_CARD_CHARGE);
    params.total_fee = Some(1);
    params.bill_no = Some("bill20261201".into());
    params.title = Some("t".into());
    params.card_id = Some("card-1".into());
    params.pay_type = Some("B2C".into());
    params.bank_code = Some(9102);
    let (result, request) = capture(
        ok(json!({"id": "b-1", "trade_no": "2017ALI", "token": "tok", "code_url": "weixin://x"})),
        |app| BCPay::new(app).pay(&params),
    );
    let result = result.unwrap();
    assert_eq!(result.trade_no.as_deref(), Some("2017ALI"));
    assert_eq!(result.token.as_deref(), Some("tok"));
    assert_eq!(result.code_url.as_deref(), Some("weixin://x"));
    let fields = pay_signed_with(&request, APP_SECRET);
    assert_eq!(fields["channel"], "BC_CARD_CHARGE");
    assert_eq!(fields["card_id"], "card-1");
    assert_eq!(fields["pay_type"], "B2C");
    assert_eq!(fields["bank_code"], 9102);

    for channel in ["BC_QQ_NATIVE", "BC_JD_QRCODE", "JD_B2B", "CP_WEB"] {
        let mut params = params.clone();
        params.channel = Some(channel.into());
        let (result, request) =
            capture(ok(json!({"id": "b-2"})), |app| BCPay::new(app).pay(&params));
        result.unwrap();
        assert_eq!(pay_signed_with(&request, APP_SECRET)["channel"], channel);
    }
    // Offline pay takes SCAN as BC_SCAN's alias; the server's channel_type is read back.
    let mut offline = params.clone();
    offline.channel = Some(BCChannelType::SCAN);
    offline.auth_code = Some("134567890123456789".into());
    let (result, request) = capture(
        ok(json!({"id": "o-1", "pay_result": true, "channel_type": "WX_SCAN"})),
        |app| BCPay::new(app).offline_pay(&offline),
    );
    assert_eq!(result.unwrap().channel_type, Some(BCChannelType::WX_SCAN));
    assert_eq!(request.json_body()["channel"], "SCAN");
}

#[test]
fn sandbox_pay_answers_with_a_mock_url() {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.total_fee = Some(1);
    params.bill_no = Some("bill20261201".into());
    params.title = Some("t".into());
    let (result, request) = capture(
        ok(json!({"id": "s-1", "url": "https://sandbox.example/pay?id=s-1&fee=1"})),
        |mut app| {
            app.is_test_mode = true;
            BCPay::new(app).pay(&params)
        },
    );
    let result = result.unwrap();
    assert_eq!(
        result.url.as_deref(),
        Some("https://sandbox.example/pay?id=s-1&fee=1")
    );
    assert_eq!(result.code_url, None, "nothing is derived from the url");
    assert_eq!(request.path, "/2/rest/sandbox/bill");
}

#[test]
fn bc_transfer_takes_notify_url() {
    let mut params = card_transfer_params();
    params.notify_url = Some("https://merchant.example/payout".into());
    let (result, request) = capture(ok(json!({"id": "bt-1"})), |app| {
        BCPay::new(app).bc_transfer(&params)
    });
    result.unwrap();
    assert_eq!(request.path, "/2/rest/bc_transfer");
    let fields = signed_with(&request, MASTER_SECRET);
    assert_eq!(fields["notify_url"], "https://merchant.example/payout");
    assert!(
        fields.get("channel").is_none(),
        "bc_transfer sends no channel"
    );
}

#[test]
fn logic_keys_on_result_code_not_on_result_msg() {
    // Java's spelling of 14, and a success code with an error-looking name.
    let (result, _) = capture(
        ok(json!({"result_code": 14, "result_msg": "RUNTIME_ERORR", "err_detail": "x"})),
        |app| BCQuery::new(app).query_bills(None),
    );
    let err = result.unwrap_err();
    assert_eq!(
        (err.result_code(), err.result_msg()),
        (Some(14), "RUNTIME_ERORR".to_string())
    );
    assert!(!err.outcome_unknown());
    let (result, _) = capture(
        Reply::ok(
            json!({"result_code": 0, "result_msg": "RUN_TIME_ERROR", "err_detail": "", "bills": []}),
        ),
        |app| BCQuery::new(app).query_bills(None),
    );
    assert_eq!(result.unwrap().result_msg, "RUN_TIME_ERROR");
}

#[test]
fn subscription_payload_extras_are_kept() {
    let (result, _) = capture(
        ok(json!({"subscription": {
            "id": "sub-1", "valid": true, "cancel_at_period_end": true, "created_at": 1,
            "updated_at": 2, "object_type": "subscription", "account_type": "P"
        }})),
        |app| BCQuery::new(app).query_subscription_by_id("sub-1"),
    );
    let subscription = result.unwrap().data.subscription;
    assert_eq!(subscription.extra["cancel_at_period_end"], true);
    assert_eq!(subscription.extra["object_type"], "subscription");
    assert_eq!(subscription.extra["updated_at"], 2);
}
