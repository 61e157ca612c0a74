//! Every public SDK operation end to end against the emulator over real HTTP on 127.0.0.1: the happy path
//! with its typed result fields, and at least one server-side error with the documented `result_code` /
//! `result_msg`.
#![cfg(feature = "emulator")]
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use std::collections::BTreeMap;

use beecloud::entity::*;
use beecloud::{BCError, BCPay, BCQuery, sales, user, utils};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------- fixtures

use crate::support::emulated;
use emulated::{Env, emu_day, env, number, pay_params, refund_params, serial};

/// A paid bill of `channel` (ALI_WEB gets a return_url): (record id, bill_no).
fn paid_bill(env: &Env, channel: BCChannelType, fee: i64) -> (String, String) {
    let mut params = pay_params(channel, fee);
    params.return_url = Some("https://shop.example.com/return".into());
    let result = env.pay.pay(&params).expect("pay");
    env.emu.complete_payment(&result.id).expect("complete");
    (result.id.clone(), params.bill_no.unwrap())
}

/// Asserts a server-side business error with this code and symbolic message.
#[track_caller]
fn assert_api<T: std::fmt::Debug>(result: Result<T, BCError>, code: i64, msg: &str) -> BCError {
    let err = result.expect_err("expected a BeeCloud API error");
    match &err {
        BCError::Api {
            result_code,
            result_msg,
            err_detail,
            raw,
            ..
        } => {
            assert_eq!(
                (*result_code, result_msg.as_str()),
                (code, msg),
                "{err_detail}"
            );
            assert_eq!(raw["result_code"], json!(code));
        }
        other => panic!("expected Api {code} {msg}, got {other:?}"),
    }
    assert_eq!(err.result_code(), Some(code));
    assert_eq!(err.result_msg(), msg);
    assert!(!err.outcome_unknown());
    err
}

fn wrong_secret(app: &BCApp) -> BCApp {
    let mut app = app.clone();
    app.app_secret = "not-the-app-secret".into();
    app.master_secret = "not-the-master-secret".into();
    app
}

fn criteria() -> BCQueryCriteria {
    BCQueryCriteria::default()
}

// ---------------------------------------------------------------- pay

#[test]
fn pay_returns_each_channels_payload() {
    let env = env();
    let cashier = format!("{}/cashier/", env.emu.base_url());

    let result = env
        .pay
        .pay(&pay_params(BCChannelType::WX_NATIVE, 1))
        .unwrap();
    assert_eq!((result.result_code, result.result_msg.as_str()), (0, "OK"));
    assert!(!result.id.is_empty());
    assert_eq!(
        result.code_url.as_deref(),
        Some(env.emu.cashier_url(&result.id).as_str())
    );
    assert_eq!(result.raw["id"], json!(result.id));

    let mut ali_web = pay_params(BCChannelType::ALI_WEB, 100);
    ali_web.return_url = Some("https://shop.example.com/return".into());
    let result = env.pay.pay(&ali_web).unwrap();
    let html = result.html.as_deref().unwrap();
    assert!(html.contains("<form") && html.contains(&cashier), "{html}");
    assert!(result.url.as_deref().unwrap().starts_with(&cashier));

    let mut jsapi = pay_params(BCChannelType::WX_JSAPI, 1);
    jsapi.openid = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    let result = env.pay.pay(&jsapi).unwrap();
    assert!(result.app_id.as_deref().is_some_and(|s| !s.is_empty()));
    assert!(result.package.as_deref().unwrap().starts_with("prepay_id="));
    assert!(result.nonce_str.as_deref().is_some_and(|s| !s.is_empty()));
    assert!(
        result
            .timestamp
            .as_deref()
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_digit())
    );
    assert!(result.pay_sign.as_deref().is_some_and(|s| !s.is_empty()));
    assert_eq!(result.sign_type.as_deref(), Some("MD5"));

    let params = pay_params(BCChannelType::ALI_APP, 1);
    let result = env.pay.pay(&params).unwrap();
    assert!(
        result
            .order_string
            .as_deref()
            .unwrap()
            .contains(params.bill_no.as_deref().unwrap())
    );

    let result = env.pay.pay(&pay_params(BCChannelType::UN_APP, 1)).unwrap();
    assert!(result.tn.as_deref().is_some_and(|tn| !tn.is_empty()));

    let params = pay_params(BCChannelType::BD_APP, 1);
    let result = env.pay.pay(&params).unwrap();
    assert!(
        result
            .order_info
            .as_deref()
            .unwrap()
            .contains(params.bill_no.as_deref().unwrap())
    );

    let result = env.pay.pay(&pay_params(BCChannelType::WX_APP, 1)).unwrap();
    assert!(result.prepay_id.as_deref().is_some_and(|s| !s.is_empty()));
    assert!(result.partner_id.as_deref().is_some_and(|s| !s.is_empty()));
    assert_eq!(result.package.as_deref(), Some("Sign=WXPay"));
    assert!(result.timestamp.is_some() && result.pay_sign.is_some());

    let mut un_web = pay_params(BCChannelType::UN_WEB, 1);
    un_web.return_url = Some("https://shop.example.com/return".into());
    let result = env.pay.pay(&un_web).unwrap();
    assert!(result.html.as_deref().unwrap().contains(&cashier));
    assert_eq!(result.url, None);

    let mut yee = pay_params(BCChannelType::YEE_WAP, 1);
    yee.identity_id = Some("buyer42".into());
    let result = env.pay.pay(&yee).unwrap();
    assert!(result.url.as_deref().unwrap().starts_with(&cashier));

    let result = env
        .pay
        .pay(&pay_params(BCChannelType::BC_ALI_QRCODE, 1))
        .unwrap();
    assert!(result.code_url.as_deref().unwrap().starts_with(&cashier));

    let mut express = pay_params(BCChannelType::BC_EXPRESS, 1);
    express.buyer_id = Some("buyer42".into());
    // A first BC_EXPRESS pay carries the four factors (card, ID, name, phone) in `optional`.
    express.optional = Some(serde_json::Map::from_iter(
        [
            ("phone_no", "13800000042"),
            ("card_no", "6222000011112222"),
            ("id_no", "320101199001011234"),
            ("customer_name", "张三"),
        ]
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v))),
    ));
    let result = env.pay.pay(&express).unwrap();
    assert!(result.token.as_deref().is_some_and(|t| !t.is_empty()));

    // ALI_OFFLINE_QRCODE is an in-store channel: `offline_pay` serves it (see the offline test); the
    // online route refuses it as the docs' channel table says.
    assert_api(
        env.pay
            .pay(&pay_params(BCChannelType::ALI_OFFLINE_QRCODE, 1)),
        3,
        "CHANNEL_INVALID",
    );

    let bills = env.query.query_bills_count(None).unwrap();
    assert_eq!(bills.count, 11);
}

#[test]
fn pay_server_errors() {
    let env = env();
    let params = pay_params(BCChannelType::WX_NATIVE, 1);
    env.pay.pay(&params).unwrap();
    let err = assert_api(env.pay.pay(&params), 17, "BILL_NO_DUPLICATE");
    assert!(
        err.err_detail()
            .contains(params.bill_no.as_deref().unwrap())
    );

    assert_api(
        env.pay.pay(&pay_params(BCChannelType::WX_SCAN, 1)),
        3,
        "CHANNEL_INVALID",
    );
    let mut short = pay_params(BCChannelType::WX_NATIVE, 1);
    short.bill_no = Some("abc".into());
    assert_api(env.pay.pay(&short), 5, "PARAM_INVALID");
    assert_api(
        env.pay.pay(&pay_params(BCChannelType::ALI_WEB, 1)),
        4,
        "MISS_PARAM",
    );
    let mut bad_url = pay_params(BCChannelType::ALI_WEB, 1);
    bad_url.return_url = Some("https://shop.example.com/r?x=1".into());
    assert_api(env.pay.pay(&bad_url), 5, "PARAM_INVALID");

    env.emu.set_channel_enabled("WX_APP", false);
    assert_api(
        env.pay.pay(&pay_params(BCChannelType::WX_APP, 1)),
        2,
        "PAY_FACTOR_NOT_SET",
    );

    let forged = BCPay::new(wrong_secret(&env.app));
    assert_api(
        forged.pay(&pay_params(BCChannelType::WX_NATIVE, 1)),
        1,
        "APP_INVALID",
    );
    let mut other_app = env.app.clone();
    other_app.app_id = "00000000-0000-0000-0000-000000000000".into();
    assert_api(
        BCPay::new(other_app).pay(&pay_params(BCChannelType::WX_NATIVE, 1)),
        1,
        "APP_INVALID",
    );
    // Sandbox routes take only the test secret.
    let mut test_mode = env.app.clone();
    test_mode.is_test_mode = true;
    test_mode.test_secret = "not-the-test-secret".into();
    assert_api(
        BCPay::new(test_mode.clone()).pay(&pay_params(BCChannelType::WX_NATIVE, 1)),
        1,
        "APP_INVALID",
    );
    test_mode.test_secret = env.app.app_secret.clone();
    assert_api(BCQuery::new(test_mode).query_bills(None), 1, "APP_INVALID");
    assert_eq!(env.query.query_bills_count(None).unwrap().count, 1);
}

// ---------------------------------------------------------------- offline

#[test]
fn offline_pay_status_refund_and_revert() {
    let env = env();
    let mut scan = pay_params(BCChannelType::WX_SCAN, 300);
    scan.auth_code = Some("134567890123456789".into());
    let result = env.pay.offline_pay(&scan).unwrap();
    let bill_no = scan.bill_no.clone().unwrap();
    assert_eq!(result.pay_result, Some(false)); // the payer is still entering the password
    assert!(!result.id.is_empty());
    let status = env
        .query
        .query_offline_bill_status(&bill_no, Some(BCChannelType::WX_SCAN))
        .unwrap();
    assert!(!status.pay_result);

    let mut qr = pay_params(BCChannelType::ALI_OFFLINE_QRCODE, 1);
    qr.store_id = Some("store-1".into());
    let result = env.pay.offline_pay(&qr).unwrap();
    let page = env.emu.cashier_url(&result.id);
    assert_eq!(result.code_url.as_deref(), Some(page.as_str()));
    assert_eq!(result.qr_code.as_deref(), Some(page.as_str()));

    let mut bc_scan = pay_params(BCChannelType::BC_SCAN, 1);
    bc_scan.auth_code = Some("284567890123456789".into());
    let result = env.pay.offline_pay(&bc_scan).unwrap();
    assert_eq!(result.channel_type, Some(BCChannelType::ALI_SCAN));

    // Revert the unpaid QR bill; a paid bill is not reverted.
    let reverted = env
        .pay
        .offline_revert(
            qr.bill_no.as_deref().unwrap(),
            Some(BCChannelType::ALI_OFFLINE_QRCODE),
        )
        .unwrap();
    assert!(reverted.revert_status);
    env.emu.complete_payment(&bill_no).unwrap();
    assert!(
        env.query
            .query_offline_bill_status(&bill_no, None)
            .unwrap()
            .pay_result
    );
    let not_reverted = env.pay.offline_revert(&bill_no, None).unwrap();
    assert!(!not_reverted.revert_status);

    let mut refund = refund_params(&env.emu, &bill_no, 300);
    refund.channel = Some(BCChannelType::WX);
    refund.refund_reason = Some("customer changed mind".into());
    let refunded = env.pay.offline_refund(&refund).unwrap();
    assert!(refunded.refund_result);
    assert!(!refunded.id.is_empty());

    // Errors.
    assert_api(
        env.pay.offline_pay(&pay_params(BCChannelType::ALI_WEB, 1)),
        3,
        "CHANNEL_INVALID",
    );
    assert_api(
        env.pay.offline_pay(&pay_params(BCChannelType::ALI_SCAN, 1)),
        4,
        "MISS_PARAM",
    );
    assert_api(
        env.query.query_offline_bill_status("nosuchbill1", None),
        8,
        "NO_SUCH_BILL",
    );
    assert_api(
        env.pay.offline_revert("nosuchbill1", None),
        8,
        "NO_SUCH_BILL",
    );
    assert_api(
        env.pay
            .offline_refund(&refund_params(&env.emu, "nosuchbill1", 1)),
        8,
        "NO_SUCH_BILL",
    );
    let mut unpaid = pay_params(BCChannelType::WX_SCAN, 1);
    unpaid.auth_code = Some("134567890123456789".into());
    env.pay.offline_pay(&unpaid).unwrap();
    assert_api(
        env.pay.offline_refund(&refund_params(
            &env.emu,
            unpaid.bill_no.as_deref().unwrap(),
            1,
        )),
        9,
        "BILL_UNSUCCESS",
    );
    // The refund_no of the first refund, on another paid bill.
    let mut other = pay_params(BCChannelType::ALI_SCAN, 5);
    other.auth_code = Some("284567890123456789".into());
    env.pay.offline_pay(&other).unwrap();
    env.emu
        .complete_payment(other.bill_no.as_deref().unwrap())
        .unwrap();
    let mut reused = refund.clone();
    reused.bill_no = other.bill_no.clone();
    reused.refund_fee = Some(5);
    reused.channel = Some(BCChannelType::ALI);
    assert_api(env.pay.offline_refund(&reused), 5, "PARAM_INVALID");
    let mut again = refund_params(&env.emu, &bill_no, 1);
    again.channel = Some(BCChannelType::WX);
    assert_api(
        env.pay.offline_refund(&again),
        12,
        "REFUND_AMOUNT_TOO_LARGE",
    );
    assert_api(env.pay.offline_pay(&scan), 17, "BILL_NO_DUPLICATE");
}

// ---------------------------------------------------------------- international

#[test]
fn international_pay_paypal_card_and_saved_card() {
    let env = env();
    let mut params = BCInternationalPayParams::default();
    params.channel = Some(BCChannelType::PAYPAL_PAYPAL);
    params.total_fee = Some(100);
    params.currency = Some("USD".into());
    params.bill_no = Some(number("intl"));
    params.title = Some("paypal".into());
    params.return_url = Some("https://shop.example.com/paypal".into());
    let result = env.pay.international_pay(&params).unwrap();
    assert!(!result.id.is_empty());
    assert_eq!(
        result.url.as_deref(),
        Some(env.emu.cashier_url(&result.id).as_str())
    );

    let mut card = BCPayPalCreditCard::default();
    card.card_number = Some("4111111111111111".into());
    card.expire_month = Some(12);
    card.expire_year = Some(2030);
    card.cvv = Some("012".into());
    card.first_name = Some("Jane".into());
    card.last_name = Some("Doe".into());
    card.card_type = Some("visa".into());
    let mut by_card = BCInternationalPayParams::default();
    by_card.channel = Some(BCChannelType::PAYPAL_CREDITCARD);
    by_card.total_fee = Some(250);
    by_card.currency = Some("EUR".into());
    by_card.bill_no = Some(number("intl"));
    by_card.title = Some("card".into());
    by_card.credit_card_info = Some(card);
    let result = env.pay.international_pay(&by_card).unwrap();
    let card_id = result.credit_card_id.clone().expect("stored card");
    // Credit-card payments are paid at once.
    let bill = env.query.query_bill_by_id(&result.id).unwrap();
    assert_eq!(bill.pay.spay_result, Some(true));
    assert_eq!(bill.pay.channel, Some(BCChannelType::PAYPAL));

    let mut saved = by_card.clone();
    saved.channel = Some(BCChannelType::PAYPAL_SAVED_CREDITCARD);
    saved.credit_card_info = None;
    saved.credit_card_id = Some(card_id);
    saved.bill_no = Some(number("intl"));
    let result = env.pay.international_pay(&saved).unwrap();
    assert!(!result.id.is_empty());

    saved.bill_no = Some(number("intl"));
    saved.credit_card_id = Some("CARD-unknown".into());
    assert_api(env.pay.international_pay(&saved), 5, "PARAM_INVALID");
    let mut bad_currency = params.clone();
    bad_currency.bill_no = Some(number("intl"));
    bad_currency.currency = Some("XXX".into());
    assert_api(env.pay.international_pay(&bad_currency), 5, "PARAM_INVALID");
    assert_api(env.pay.international_pay(&params), 17, "BILL_NO_DUPLICATE");
    let mut wrong_channel = params.clone();
    wrong_channel.channel = Some(BCChannelType::WX_NATIVE);
    wrong_channel.bill_no = Some(number("intl"));
    assert_api(
        env.pay.international_pay(&wrong_channel),
        3,
        "CHANNEL_INVALID",
    );
}

// ---------------------------------------------------------------- refunds

#[test]
fn refund_direct_and_alipay_and_their_errors() {
    let env = env();
    let (bill_id, bill_no) = paid_bill(&env, BCChannelType::WX_NATIVE, 500);
    let mut params = refund_params(&env.emu, &bill_no, 200);
    params.channel = Some(BCChannelType::WX);
    params.optional = Some(Map::from_iter([("reason".to_string(), json!("e2e"))]));
    let result = env.pay.refund(&params).unwrap();
    assert!(!result.id.is_empty());
    assert_eq!(result.url, None);
    let refund = env.query.query_refund_by_id(&result.id).unwrap();
    assert_eq!(refund.refund.refund_no, params.refund_no);
    assert_eq!(refund.refund.bill_no.as_deref(), Some(bill_no.as_str()));
    assert_eq!(refund.refund.refund_fee, Some(200));
    assert_eq!(refund.refund.total_fee, Some(500));
    assert_eq!(
        (refund.refund.finish, refund.refund.result),
        (Some(true), Some(true))
    );
    let bill = env.query.query_bill_by_id(&bill_id).unwrap();
    assert_eq!(bill.pay.refund_result, Some(true));

    // One successful refund per bill.
    assert_api(
        env.pay.refund(&refund_params(&env.emu, &bill_no, 1)),
        12,
        "REFUND_AMOUNT_TOO_LARGE",
    );

    let (_, ali_bill) = paid_bill(&env, BCChannelType::ALI_WEB, 100);
    assert_api(
        env.pay.refund(&refund_params(&env.emu, &ali_bill, 101)),
        12,
        "REFUND_AMOUNT_TOO_LARGE",
    );
    let mut wrong_parent = refund_params(&env.emu, &ali_bill, 1);
    wrong_parent.channel = Some(BCChannelType::WX);
    assert_api(env.pay.refund(&wrong_parent), 3, "CHANNEL_INVALID");
    let ali = env
        .pay
        .refund(&refund_params(&env.emu, &ali_bill, 100))
        .unwrap();
    assert_eq!(
        ali.url.as_deref(),
        Some(env.emu.cashier_url(&ali.id).as_str())
    );
    assert_api(
        env.pay.refund(&refund_params(&env.emu, &ali_bill, 1)),
        11,
        "ALREADY_REFUNDING",
    );
    let pending = env.query.query_refund_by_id(&ali.id).unwrap();
    assert_eq!(pending.refund.finish, Some(false));

    assert_api(
        env.pay.refund(&refund_params(&env.emu, "nosuchbill1", 1)),
        8,
        "NO_SUCH_BILL",
    );
    let unpaid = pay_params(BCChannelType::WX_NATIVE, 1);
    env.pay.pay(&unpaid).unwrap();
    assert_api(
        env.pay.refund(&refund_params(
            &env.emu,
            unpaid.bill_no.as_deref().unwrap(),
            1,
        )),
        9,
        "BILL_UNSUCCESS",
    );
    let (_, other) = paid_bill(&env, BCChannelType::WX_NATIVE, 10);
    let mut stale = refund_params(&env.emu, &other, 1);
    stale.refund_no = Some("20000101R000001".into());
    assert_api(env.pay.refund(&stale), 5, "PARAM_INVALID");
    let mut forged = BCPay::new(wrong_secret(&env.app));
    assert_api(
        forged.refund(&refund_params(&env.emu, &other, 1)),
        1,
        "APP_INVALID",
    );
    // Refunds take the master secret: the app secret alone is refused.
    let mut app_signed = env.app.clone();
    app_signed.master_secret = env.app.app_secret.clone();
    forged.register_app(app_signed);
    assert_api(
        forged.refund(&refund_params(&env.emu, &other, 1)),
        1,
        "APP_INVALID",
    );
}

#[test]
fn pre_refunds_audit_and_duplicates() {
    let env = env();
    let (_, bill_no) = paid_bill(&env, BCChannelType::WX_NATIVE, 100);
    let mut pre = refund_params(&env.emu, &bill_no, 100);
    pre.need_approval = Some(true);
    let pre_refund = env.pay.refund(&pre).unwrap();
    assert_eq!(pre_refund.url, None);
    let mut second = refund_params(&env.emu, &bill_no, 50);
    second.need_approval = Some(true);
    assert_api(env.pay.refund(&second), 16, "PREREFUND_DUPLICATE");
    assert_api(
        env.pay.refund(&refund_params(&env.emu, &bill_no, 50)),
        11,
        "ALREADY_REFUNDING",
    );

    let mut pending = BCQueryReqParams::default();
    pending.need_approval = Some(true);
    let listed = env.query.query_refunds(&pending).unwrap();
    assert_eq!(listed.count(), 1);
    assert_eq!(
        listed.refunds[0].id.as_deref(),
        Some(pre_refund.id.as_str())
    );

    let mut audit = BCPreRefundAuditParams::default();
    audit.channel = Some(BCChannelType::WX);
    audit.ids = Some(vec![pre_refund.id.clone(), "no-such-refund".into()]);
    audit.agree = Some(true);
    let audited = env.pay.audit_pre_refunds(&audit).unwrap();
    assert_eq!(audited.result_map[&pre_refund.id], "OK");
    assert!(
        audited.result_map["no-such-refund"].contains("NO_SUCH_REFUND"),
        "{:?}",
        audited.result_map
    );
    assert_eq!(audited.url, None);
    let refund = env.query.query_refund_by_id(&pre_refund.id).unwrap();
    assert_eq!(refund.refund.result, Some(true));

    audit.channel = Some(BCChannelType::PAYPAL);
    assert_api(env.pay.audit_pre_refunds(&audit), 3, "CHANNEL_INVALID");
    audit.channel = Some(BCChannelType::WX);
    audit.ids = Some(vec![]);
    assert_api(env.pay.audit_pre_refunds(&audit), 4, "MISS_PARAM");
}

#[test]
fn refund_queries_and_status() {
    let env = env();
    let (_, wx_bill) = paid_bill(&env, BCChannelType::WX_NATIVE, 100);
    let (_, ali_bill) = paid_bill(&env, BCChannelType::ALI_WEB, 100);
    let wx = refund_params(&env.emu, &wx_bill, 40);
    let wx_refund = env.pay.refund(&wx).unwrap();
    let ali = refund_params(&env.emu, &ali_bill, 100);
    env.pay.refund(&ali).unwrap();

    let all = env.query.query_refunds(None).unwrap();
    assert_eq!(all.count(), 2);
    let mut by_channel = BCQueryReqParams::default();
    by_channel.channel = Some(BCChannelType::WX);
    by_channel.need_detail = Some(true);
    let wx_only = env.query.query_refunds(&by_channel).unwrap();
    assert_eq!(wx_only.count(), 1);
    let record = &wx_only.refunds[0];
    assert_eq!(record.refund_no, wx.refund_no);
    assert_eq!(record.sub_channel, Some(BCChannelType::WX_NATIVE));
    assert_eq!(record.refund_fee, Some(40));
    assert!(record.message_detail.is_some());
    let mut by_no = BCQueryReqParams::default();
    by_no.refund_no = ali.refund_no.clone();
    assert_eq!(env.query.query_refunds_count(&by_no).unwrap().count, 1);
    assert_eq!(env.query.query_refunds_count(None).unwrap().count, 2);

    let status = env
        .query
        .query_refund_status(BCChannelType::WX, wx.refund_no.as_deref().unwrap())
        .unwrap();
    assert_eq!(status.refund_status, "SUCCESS");
    assert_eq!(
        env.query
            .query_refund_by_id(&wx_refund.id)
            .unwrap()
            .refund
            .id,
        Some(wx_refund.id.clone())
    );

    assert_api(
        env.query
            .query_refund_status(BCChannelType::WX, &format!("{}R999999", emu_day(&env.emu))),
        13,
        "NO_SUCH_REFUND",
    );
    assert_api(
        env.query
            .query_refund_status(BCChannelType::ALI, ali.refund_no.as_deref().unwrap()),
        3,
        "CHANNEL_INVALID",
    );
    assert_api(
        env.query.query_refund_by_id("no-such-refund"),
        13,
        "NO_SUCH_REFUND",
    );
    let mut bad = BCQueryReqParams::default();
    bad.channel = Some("NOPE".into());
    assert_api(env.query.query_refunds(&bad), 3, "CHANNEL_INVALID");
    assert_api(env.query.query_refunds_count(&bad), 3, "CHANNEL_INVALID");
}

// ---------------------------------------------------------------- bill queries

#[test]
fn bill_queries_filters_and_by_id() {
    let env = env();
    let (paid_id, paid_no) = paid_bill(&env, BCChannelType::WX_NATIVE, 100);
    let mut unpaid = pay_params(BCChannelType::ALI_APP, 250);
    unpaid.buyer_id = Some("buyer-q".into());
    unpaid.optional = Some(Map::from_iter([("k".to_string(), json!("v"))]));
    let unpaid_id = env.pay.pay(&unpaid).unwrap().id.clone();

    let all = env.query.query_bills(None).unwrap();
    assert_eq!(all.count(), 2);
    let mut wx = BCQueryReqParams::default();
    wx.channel = Some(BCChannelType::WX);
    wx.spay_result = Some(true);
    let paid = env.query.query_bills(&wx).unwrap();
    assert_eq!(paid.count(), 1);
    let bill = &paid.bills[0];
    assert_eq!(bill.id.as_deref(), Some(paid_id.as_str()));
    assert_eq!(bill.bill_no.as_deref(), Some(paid_no.as_str()));
    assert_eq!(bill.channel, Some(BCChannelType::WX));
    assert_eq!(bill.sub_channel, Some(BCChannelType::WX_NATIVE));
    assert_eq!(bill.spay_result, Some(true));
    assert_eq!(bill.total_fee, Some(100));
    assert!(bill.trade_no.as_deref().is_some_and(|t| !t.is_empty()));

    let mut buyer = BCQueryReqParams::default();
    buyer.buyer_id = Some("buyer-q".into());
    buyer.spay_result = Some(false);
    let bills = env.query.query_bills(&buyer).unwrap();
    assert_eq!(bills.count(), 1);
    assert_eq!(bills.bills[0].title.as_deref(), Some("e2e 测试"));
    assert_eq!(env.query.query_bills_count(&buyer).unwrap().count, 1);
    assert_eq!(env.query.query_bills_count(None).unwrap().count, 2);
    let mut page = BCQueryReqParams::default();
    page.skip = Some(1);
    page.limit = Some(10); // the smallest page the live server takes
    assert_eq!(env.query.query_bills(&page).unwrap().count(), 1);
    let mut later = BCQueryReqParams::default();
    later.start_time = Some(env.emu.now_ms() + 60_000);
    assert_eq!(env.query.query_bills_count(&later).unwrap().count, 0);

    let by_id = env.query.query_bill_by_id(&unpaid_id).unwrap();
    assert_eq!(by_id.pay.bill_no, unpaid.bill_no);
    assert_eq!(by_id.pay.spay_result, Some(false));
    assert_eq!(by_id.pay.buyer_id.as_deref(), Some("buyer-q"));
    assert_eq!(by_id.pay.bill_fee, Some(250));
    assert!(by_id.pay.message_detail.is_some());
    // The docs type `optional` as JSON text in query results (the emulator's default).
    let optional = by_id.pay.optional.clone().unwrap();
    let optional: Value = match optional {
        Value::String(text) => serde_json::from_str(&text).unwrap(),
        other => other,
    };
    assert_eq!(optional, json!({"k": "v"}));

    let reconciled = env.query.query_reconciliation(&paid_id).unwrap();
    assert!(reconciled.pay_status);
    assert!(
        !env.query
            .query_reconciliation(&unpaid_id)
            .unwrap()
            .pay_status
    );

    assert_api(
        env.query.query_bill_by_id("no-such-bill"),
        8,
        "NO_SUCH_BILL",
    );
    assert_api(
        env.query.query_reconciliation("no-such-bill"),
        8,
        "NO_SUCH_BILL",
    );
    let mut bad = BCQueryReqParams::default();
    bad.channel = Some("NOPE".into());
    assert_api(env.query.query_bills(&bad), 3, "CHANNEL_INVALID");
    assert_api(env.query.query_bills_count(&bad), 3, "CHANNEL_INVALID");
    let forged = BCQuery::new(wrong_secret(&env.app));
    assert_api(forged.query_bills(None), 1, "APP_INVALID");
}

// ---------------------------------------------------------------- transfers

#[test]
fn transfers_redpack_wx_ali_card_and_batch() {
    let env = env();
    let mut redpack = BCTransferReqParams::default();
    redpack.channel = Some(BCChannelType::WX_REDPACK);
    redpack.transfer_no = Some(format!("{:010}", 1_000_000_000 + serial()));
    redpack.total_fee = Some(100);
    redpack.desc = Some("红包".into());
    redpack.channel_user_id = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    let mut info = BCTransferRedPack::default();
    info.send_name = Some("BeeCloud".into());
    info.wishing = Some("恭喜发财".into());
    info.act_name = Some("e2e".into());
    redpack.redpack_info = Some(info);
    let result = env.pay.transfer(&redpack).unwrap();
    assert!(!result.id.is_empty());
    assert_eq!(result.url, None);

    let mut wx = BCTransferReqParams::default();
    wx.channel = Some(BCChannelType::WX_TRANSFER);
    wx.transfer_no = Some(number("wxtr"));
    wx.total_fee = Some(100);
    wx.desc = Some("payout".into());
    wx.channel_user_id = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    assert!(!env.pay.transfer(&wx).unwrap().id.is_empty());

    let mut ali = BCTransferReqParams::default();
    ali.channel = Some(BCChannelType::ALI_TRANSFER);
    ali.transfer_no = Some(number("alitransfer"));
    ali.total_fee = Some(1);
    ali.desc = Some("payout".into());
    ali.channel_user_id = Some("someone@example.com".into());
    ali.channel_user_name = Some("张三".into());
    ali.account_name = Some("某某公司".into());
    let result = env.pay.transfer(&ali).unwrap();
    let id = result.id.clone();
    assert_eq!(
        result.url.as_deref(),
        Some(env.emu.cashier_url(&id).as_str())
    );
    env.emu.complete_transfer(&id).unwrap();

    let mut card = BCCardTransferParams::default();
    assert_eq!(card.trade_source.as_deref(), Some("OUT_PC"));
    card.total_fee = Some(1000);
    card.bill_no = Some(number("card"));
    card.title = Some("提现".into());
    card.bank_fullname = Some("中国银行".into());
    card.card_type = Some("DE".into());
    card.account_type = Some("P".into());
    card.account_no = Some("6222020000000000000".into());
    card.account_name = Some("张三".into());
    card.mobile = Some("13800138000".into());
    let result = env.pay.bc_transfer(&card).unwrap();
    let card_id = result.id.clone();
    env.emu.complete_transfer(&card_id).unwrap();
    assert_api(env.pay.bc_transfer(&card), 17, "BILL_NO_DUPLICATE");

    let mut batch = BCBatchTransferParams::default();
    assert_eq!(batch.channel, Some(BCChannelType::ALI));
    batch.batch_no = Some(number("batchno"));
    batch.account_name = Some("某某公司".into());
    let item = |id: &str, fee: i64| {
        let mut item = BCBatchTransferItem::default();
        item.transfer_id = Some(id.into());
        item.receiver_account = Some("someone@example.com".into());
        item.receiver_name = Some("张三".into());
        item.transfer_fee = Some(fee);
        item.transfer_note = Some("note".into());
        item
    };
    batch.transfer_data = Some(vec![item("t1", 1), item("t2", 2)]);
    let result = env.pay.batch_transfer(&batch).unwrap();
    let batch_id = result.id.clone();
    assert_eq!(
        result.url.as_deref(),
        Some(env.emu.cashier_url(&batch_id).as_str())
    );

    // Errors.
    let mut small = redpack.clone();
    small.transfer_no = Some(format!("{:010}", 1_000_000_000 + serial()));
    small.total_fee = Some(50);
    assert_api(env.pay.transfer(&small), 5, "PARAM_INVALID");
    assert_api(env.pay.transfer(&ali), 5, "PARAM_INVALID"); // transfer_no already used
    let mut wrong = wx.clone();
    wrong.channel = Some(BCChannelType::ALI);
    wrong.transfer_no = Some(number("wxtr"));
    assert_api(env.pay.transfer(&wrong), 3, "CHANNEL_INVALID");
    let mut no_redpack = redpack.clone();
    no_redpack.transfer_no = Some(format!("{:010}", 1_000_000_000 + serial()));
    no_redpack.redpack_info = None;
    assert_api(env.pay.transfer(&no_redpack), 4, "MISS_PARAM");
    card.bill_no = Some(number("card"));
    card.bank_fullname = Some("中行".into());
    assert_api(env.pay.bc_transfer(&card), 5, "PARAM_INVALID");
    batch.batch_no = Some("short".into());
    assert_api(env.pay.batch_transfer(&batch), 5, "PARAM_INVALID");
    batch.batch_no = Some(number("batchno"));
    batch.channel = Some(BCChannelType::WX);
    assert_api(env.pay.batch_transfer(&batch), 3, "CHANNEL_INVALID");
    let forged = BCPay::new(wrong_secret(&env.app));
    wx.transfer_no = Some(number("wxtr"));
    assert_api(forged.transfer(&wx), 1, "APP_INVALID");

    let banks = env.query.query_bc_transfer_supported_banks("P_DE").unwrap();
    assert!(banks.bank_list.iter().any(|b| b == "中国银行"));
    assert_eq!(banks.size, Some(banks.bank_list.len() as u64));
    for kind in ["P_CR", "C"] {
        assert!(
            !env.query
                .query_bc_transfer_supported_banks(kind)
                .unwrap()
                .bank_list
                .is_empty()
        );
    }
    assert_api(
        env.query.query_bc_transfer_supported_banks("X"),
        5,
        "PARAM_INVALID",
    );
    let gateway = env.query.query_bc_gateway_supported_banks();
    assert!(gateway.contains(&("CMB", "招商银行")));
    assert_eq!(gateway.len(), 17);
}

// ---------------------------------------------------------------- sms, card factors

#[test]
fn sms_and_card_factors() {
    let env = env();
    let phone = "13800138000";
    let sms = env.pay.send_sms_passcode(phone).unwrap();
    assert!(!sms.sms_id.is_empty());
    let code = env.emu.last_sms_code(phone).unwrap();
    assert_eq!(code.len(), 6);
    let again = utils::send_sms_passcode(&env.app, phone).unwrap();
    assert_ne!(again.sms_id, sms.sms_id);
    assert_api(env.pay.send_sms_passcode("12345"), 5, "PARAM_INVALID");
    assert_api(
        utils::send_sms_passcode(&wrong_secret(&env.app), phone),
        1,
        "APP_INVALID",
    );

    let two =
        utils::verify_card_factors(&env.app, "张三", "110101199001011234", None, None).unwrap();
    assert_eq!(two.auth_result, Some(true));
    assert_eq!(two.auth_msg, Some(json!("OK")));
    assert_eq!(two.card_id, None);
    let four = utils::verify_card_factors(
        &env.app,
        "张三",
        "110101199001011234",
        Some("6222020000000000000"),
        Some(phone),
    )
    .unwrap();
    assert_eq!(four.auth_result, Some(true));
    assert!(four.card_id.as_deref().is_some_and(|id| !id.is_empty()));
    let failed =
        utils::verify_card_factors(&env.app, "张三", "not-an-id", Some("622202"), None).unwrap();
    assert_eq!(failed.auth_result, Some(false));
    assert_ne!(failed.auth_msg, Some(json!("OK")));
    assert_api(
        utils::verify_card_factors(
            &wrong_secret(&env.app),
            "张三",
            "110101199001011234",
            None,
            None,
        ),
        1,
        "APP_INVALID",
    );
}

// ---------------------------------------------------------------- plans and subscriptions

fn new_plan(env: &Env, name: &str) -> BCPlan {
    let mut plan = BCPlan::default();
    plan.fee = Some(1500);
    plan.interval = Some("month".into());
    plan.name = Some(name.into());
    plan.trial_days = Some(7);
    plan.optional = Some(Map::from_iter([("tier".to_string(), json!("gold"))]));
    env.pay.create_plan(&plan).unwrap().plan.clone()
}

#[test]
fn plans_create_query_update_delete() {
    let env = env();
    let plan = new_plan(&env, "e2e gold plan");
    let plan_id = plan.id.clone().unwrap();
    assert_eq!(plan.fee, Some(1500));
    assert_eq!(plan.interval.as_deref(), Some("month"));
    assert_eq!(plan.trial_days, Some(7));
    assert_eq!(plan.valid, Some(true));
    new_plan(&env, "e2e silver plan");

    let renamed = env
        .pay
        .update_plan(
            &plan_id,
            Some("e2e platinum plan"),
            Some(&Map::from_iter([("tier".to_string(), json!("platinum"))])),
        )
        .unwrap();
    assert_eq!(renamed.id, plan_id);
    let fetched = env.query.query_plan_by_id(&plan_id).unwrap();
    assert_eq!(fetched.plan.name.as_deref(), Some("e2e platinum plan"));
    assert_eq!(fetched.plan.optional.as_ref().unwrap()["tier"], "platinum");

    let mut by_name = criteria();
    by_name.name_with_substring = Some("platinum".into());
    let plans = env.query.query_plans(&by_name).unwrap();
    assert_eq!(plans.plans.len(), 1);
    assert_eq!(plans.plans[0].id.as_deref(), Some(plan_id.as_str()));
    assert_eq!(env.query.query_plans(None).unwrap().plans.len(), 2);
    let mut count = criteria();
    count.count_only = Some(true);
    count.interval = Some("month".into());
    assert_eq!(env.query.query_plans(&count).unwrap().total_count, Some(2));

    assert_eq!(env.pay.delete_plan(&plan_id).unwrap().id, plan_id);
    assert_api(env.query.query_plan_by_id(&plan_id), 5, "PARAM_INVALID");
    assert_api(env.pay.delete_plan(&plan_id), 5, "PARAM_INVALID");
    assert_api(
        env.pay.update_plan("no-such-plan", Some("x"), None),
        5,
        "PARAM_INVALID",
    );
    let mut bad = BCPlan::default();
    bad.fee = Some(100);
    bad.interval = Some("fortnight".into());
    bad.name = Some("bad".into());
    assert_api(env.pay.create_plan(&bad), 5, "PARAM_INVALID");
    assert_api(
        BCPay::new(wrong_secret(&env.app)).create_plan(&bad),
        1,
        "APP_INVALID",
    );
    assert_api(
        BCQuery::new(wrong_secret(&env.app)).query_plans(None),
        1,
        "APP_INVALID",
    );
}

fn subscription(plan_id: &str, phone: &str) -> BCSubscription {
    let mut sub = BCSubscription::default();
    sub.buyer_id = Some("buyer-sub".into());
    sub.plan_id = Some(plan_id.into());
    sub.bank_name = Some("中国银行".into());
    sub.card_no = Some("6222020000000001234".into());
    sub.id_name = Some("张三".into());
    sub.id_no = Some("110101199001011234".into());
    sub.mobile = Some(phone.into());
    sub.amount = Some(2.0);
    sub
}

#[test]
fn subscriptions_subscribe_query_update_cancel() {
    let env = env();
    let plan_id = new_plan(&env, "e2e sub plan").id.unwrap();
    let phone = "13900139000";
    let sms_id = env.pay.send_sms_passcode(phone).unwrap().sms_id.clone();
    let code = env.emu.last_sms_code(phone).unwrap();
    let sub = subscription(&plan_id, phone);
    let created = env.pay.subscribe(&sub, &sms_id, &code, None).unwrap();
    let record = &created.subscription;
    let sub_id = record.id.clone().unwrap();
    assert_eq!(record.valid, Some(false)); // pending card verification
    assert_eq!(record.buyer_id.as_deref(), Some("buyer-sub"));
    assert_eq!(record.plan_id.as_deref(), Some(plan_id.as_str()));
    assert_eq!(record.amount, Some(2.0));
    assert_eq!(record.card_no, None); // never returned
    assert_eq!(record.last4, Some(json!("1234")));
    assert!(record.card_id.as_deref().is_some_and(|c| !c.is_empty()));

    // The code is single use.
    assert_api(
        env.pay.subscribe(&sub, &sms_id, &code, None),
        5,
        "PARAM_INVALID",
    );
    let sms_id2 = env.pay.send_sms_passcode(phone).unwrap().sms_id.clone();
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    assert_api(
        env.pay.subscribe(&sub, &sms_id2, wrong_code, None),
        5,
        "PARAM_INVALID",
    );
    let mut unknown_plan = sub.clone();
    unknown_plan.plan_id = Some("no-such-plan".into());
    let code2 = env.emu.last_sms_code(phone).unwrap();
    assert_api(
        env.pay.subscribe(&unknown_plan, &sms_id2, &code2, None),
        5,
        "PARAM_INVALID",
    );
    let mut no_card = sub.clone();
    no_card.card_no = None;
    assert_api(
        env.pay.subscribe(&no_card, &sms_id2, &code2, None),
        4,
        "MISS_PARAM",
    );

    let fetched = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(fetched.subscription.id.as_deref(), Some(sub_id.as_str()));
    let mut by_buyer = criteria();
    by_buyer.buyer_id = Some("buyer-sub".into());
    let listed = env.query.query_subscriptions(&by_buyer).unwrap();
    assert_eq!(listed.subscriptions.len(), 1);
    by_buyer.count_only = Some(true);
    assert_eq!(
        env.query
            .query_subscriptions(&by_buyer)
            .unwrap()
            .total_count,
        Some(1)
    );
    assert_eq!(
        env.query
            .query_subscriptions(None)
            .unwrap()
            .subscriptions
            .len(),
        1
    );

    let mut changes = BCSubscription::default();
    changes.amount = Some(3.5);
    changes.optional = Some(Map::from_iter([("note".to_string(), json!("upgraded"))]));
    assert_eq!(
        env.pay.update_subscription(&sub_id, &changes).unwrap().id,
        sub_id
    );
    let fetched = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(fetched.subscription.amount, Some(3.5));
    assert_eq!(
        fetched.subscription.optional.as_ref().unwrap()["note"],
        "upgraded"
    );

    assert_eq!(
        env.pay
            .cancel_subscription_at_period_end(&sub_id)
            .unwrap()
            .id,
        sub_id
    );
    let canceling = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(canceling.subscription.status.as_deref(), Some("canceling"));
    assert_eq!(env.pay.cancel_subscription(&sub_id).unwrap().id, sub_id);
    let canceled = env.query.query_subscription_by_id(&sub_id).unwrap();
    assert_eq!(canceled.subscription.status.as_deref(), Some("canceled"));
    assert_api(env.pay.cancel_subscription(&sub_id), 5, "PARAM_INVALID");
    assert_api(
        env.pay.update_subscription(&sub_id, &changes),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        env.query.query_subscription_by_id("no-such-subscription"),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        env.pay
            .cancel_subscription_at_period_end("no-such-subscription"),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        BCQuery::new(wrong_secret(&env.app)).query_subscriptions(None),
        1,
        "APP_INVALID",
    );

    let banks = env
        .query
        .query_subscription_payment_supported_banks()
        .unwrap();
    assert!(banks.banks.iter().any(|b| b == "中国银行"));
    assert!(!banks.common_banks.is_empty());
    assert!(banks.common_banks.iter().all(|b| banks.banks.contains(b)));
    assert_api(
        BCQuery::new(wrong_secret(&env.app)).query_subscription_payment_supported_banks(),
        1,
        "APP_INVALID",
    );
}

// ---------------------------------------------------------------- users

#[test]
fn merchant_users() {
    let env = env();
    user::add_merchant_user(&env.app, "buyer-1").unwrap();
    user::add_merchant_user(&env.app, "buyer-1").unwrap(); // idempotent
    user::batch_add_merchant_users(&env.app, "merchant@example.com", ["buyer-2", "buyer-3"])
        .unwrap();
    let mine = user::query_merchant_users(&env.app, None, None, None).unwrap();
    let ids: Vec<_> = mine
        .users
        .iter()
        .filter_map(|u| u.buyer_id.as_deref())
        .collect();
    assert!(ids.contains(&"buyer-1"), "{ids:?}");
    let all =
        user::query_merchant_users(&env.app, Some("merchant@example.com"), None, None).unwrap();
    assert_eq!(all.users.len(), 3);
    let first = all
        .users
        .iter()
        .find(|u| u.buyer_id.as_deref() == Some("buyer-1"))
        .unwrap();
    assert_eq!(first.merchant.as_deref(), Some("merchant@example.com"));
    assert_eq!(first.app_id.as_deref(), Some(env.app.app_id.as_str()));
    assert!(first.createdat.is_some());
    let future = env.emu.now_ms() + 60_000;
    assert!(
        user::query_merchant_users(&env.app, None, Some(future), None)
            .unwrap()
            .users
            .is_empty()
    );

    let (_, bill_no) = paid_bill(&env, BCChannelType::WX_NATIVE, 1);
    let bill_info = BTreeMap::from([(
        "buyer-1".to_string(),
        vec![bill_no.clone(), "nosuchbill1".to_string()],
    )]);
    let attached = user::attach_buyer_history_bills(&env.app, &bill_info).unwrap();
    assert_eq!(
        attached.failed_bills,
        Some(BTreeMap::from([(
            "buyer-1".to_string(),
            vec!["nosuchbill1".to_string()]
        )]))
    );
    let mut by_buyer = BCQueryReqParams::default();
    by_buyer.buyer_id = Some("buyer-1".into());
    let bills = env.query.query_bills(&by_buyer).unwrap();
    assert_eq!(bills.bills[0].bill_no.as_deref(), Some(bill_no.as_str()));

    assert_api(
        user::batch_add_merchant_users(&env.app, "other@example.com", ["x"]),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        user::query_merchant_users(&env.app, Some("other@example.com"), None, None),
        5,
        "PARAM_INVALID",
    );
    assert_api(user::add_merchant_user(&env.app, ""), 4, "MISS_PARAM");
    assert_api(
        user::add_merchant_user(&env.app, &"x".repeat(1000)),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        user::add_merchant_user(&wrong_secret(&env.app), "buyer-9"),
        1,
        "APP_INVALID",
    );
    assert_api(
        user::attach_buyer_history_bills(&wrong_secret(&env.app), &bill_info),
        1,
        "APP_INVALID",
    );
}

// ---------------------------------------------------------------- coupons

fn template_id(app: &BCApp, name: &str) -> String {
    let mut by_name = criteria();
    by_name.name = Some(name.into());
    let templates = sales::query_coupon_templates(app, &by_name).unwrap();
    assert_eq!(templates.coupon_templates.len(), 1, "{name}");
    templates.coupon_templates[0].id.clone().unwrap()
}

#[test]
fn coupon_templates_and_coupons() {
    let env = env();
    let all = sales::query_coupon_templates(&env.app, None).unwrap();
    assert_eq!(all.coupon_templates.len(), 3);
    let mut count = criteria();
    count.count_only = Some(true);
    assert_eq!(
        sales::query_coupon_templates(&env.app, &count)
            .unwrap()
            .total_count,
        Some(3)
    );
    let tpl_id = template_id(&env.app, "满100减10");
    let tpl = sales::query_coupon_template(&env.app, &tpl_id).unwrap();
    let tpl = &tpl.coupon_template;
    assert_eq!(tpl.name.as_deref(), Some("满100减10"));
    assert_eq!(tpl.r#type, Some(0));
    assert_eq!(tpl.limit_fee, Some(10_000));
    assert_eq!(tpl.discount, Some(10.0));
    assert_eq!(tpl.status, Some(1));
    let ratio = sales::query_coupon_template(&env.app, &template_id(&env.app, "九折")).unwrap();
    assert_eq!(ratio.coupon_template.r#type, Some(1));
    assert_eq!(ratio.coupon_template.discount, Some(0.9));

    let created = sales::create_coupon(&env.app, &tpl_id, "buyer-c").unwrap();
    let coupon = &created.coupon;
    let coupon_id = coupon.id.clone().unwrap();
    assert_eq!(coupon.user_id.as_deref(), Some("buyer-c"));
    assert_eq!(coupon.status, Some(0));
    assert_eq!(
        coupon.template.as_ref().unwrap().id.as_deref(),
        Some(tpl_id.as_str())
    );
    let fetched = sales::query_coupon(&env.app, &coupon_id).unwrap();
    assert_eq!(fetched.coupon.id.as_deref(), Some(coupon_id.as_str()));
    sales::create_coupon(&env.app, &template_id(&env.app, "九折"), "buyer-c").unwrap();

    let mut mine = criteria();
    mine.user_id = Some("buyer-c".into());
    assert_eq!(
        sales::query_coupons(&env.app, &mine).unwrap().coupons.len(),
        2
    );
    mine.limit_fee = Some(5_000); // ¥50: the ¥100 threshold coupon does not apply
    let usable = sales::query_coupons(&env.app, &mine).unwrap();
    assert_eq!(usable.coupons.len(), 1);
    assert_ne!(usable.coupons[0].id.as_deref(), Some(coupon_id.as_str()));
    let mut by_template = criteria();
    by_template.template_id = Some(tpl_id.clone());
    by_template.count_only = Some(true);
    assert_eq!(
        sales::query_coupons(&env.app, &by_template)
            .unwrap()
            .total_count,
        Some(1)
    );
    assert_eq!(
        sales::query_coupon_template(&env.app, &tpl_id)
            .unwrap()
            .coupon_template
            .deliver_count,
        Some(1)
    );

    assert_api(
        sales::query_coupon_template(&env.app, "no-such-template"),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        sales::query_coupon(&env.app, "no-such-coupon"),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        sales::create_coupon(&env.app, "no-such-template", "buyer-c"),
        5,
        "PARAM_INVALID",
    );
    assert_api(
        sales::query_coupons(&wrong_secret(&env.app), None),
        1,
        "APP_INVALID",
    );
    assert_api(
        sales::query_coupon_templates(&wrong_secret(&env.app), None),
        1,
        "APP_INVALID",
    );
    // A coupon of someone else cannot be redeemed.
    let mut pay = pay_params(BCChannelType::WX_NATIVE, 20_000);
    pay.coupon_id = Some(coupon_id);
    pay.buyer_id = Some("someone-else".into());
    assert_api(env.pay.pay(&pay), 5, "PARAM_INVALID");
}
