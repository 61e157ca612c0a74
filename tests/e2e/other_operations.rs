//! End-to-end tests of the operations only the other official SDKs send, against the emulator over
//! real HTTP: each operation's happy path and one server error, the payout lifecycle with verified
//! TRANSFER webhooks (success and failure), the SIGN webhook, sandbox notify with its test-secret
//! `sign`, the pagination helpers over a real store, and the emulator's public URL.

use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig, SandboxNotifyRules, WebhookSink};
use beecloud::entity::*;
use beecloud::utils::{
    BCLegacySign, BCSignSecret, BCWebhook, BCWebhookForm, verify_legacy_sign_webhook,
    verify_webhook,
};
use beecloud::{BCError, BCPay, BCQuery};
use serde_json::{Value, json};

use crate::support::emulated;
use crate::support::md5_hex;
use emulated::{Env, fast_config, number, pay_params, refund_params};

const DEADLINE: Duration = Duration::from_secs(10);

fn env() -> (Env, WebhookSink) {
    env_with(fast_config())
}

fn env_with(config: EmulatorConfig) -> (Env, WebhookSink) {
    let env = Env::start(config);
    let sink = env.emu.webhook_sink();
    (env, sink)
}

/// The `n`-th push the sink received (waits for it), verified with the current `signature`.
fn push(env: &Env, sink: &WebhookSink, n: usize) -> BCWebhook {
    let received = sink.wait_for(n + 1, DEADLINE);
    assert!(received.len() > n, "only {} pushes arrived", received.len());
    let body = received[n].body.as_bytes();
    verify_webhook(&env.app, body).unwrap_or_else(|e| panic!("{e}: {}", received[n].body))
}

fn api_code<T: std::fmt::Debug>(result: Result<T, BCError>) -> i64 {
    match result {
        Err(error @ BCError::Api { .. }) => error.result_code().unwrap(),
        other => panic!("expected a server error, got {other:?}"),
    }
}

/// An app signing with a wrong app secret (the server answers 1 APP_INVALID).
fn wrong_app_secret(env: &Env) -> BCApp {
    let mut app = env.app.clone();
    app.app_secret = "not-the-app-secret".into();
    app
}

fn t0(bill_no: &str, amount: i64) -> BCT0TransferParams {
    let mut params = BCT0TransferParams::default();
    params.withdraw_amount = Some(amount);
    params.bill_no = Some(bill_no.into());
    params.transfer_type = Some("1".into());
    params.bank_name = Some("中国银行".into());
    params.bank_account_no = Some("6222000011112222".into());
    params.bank_account_name = Some("张三".into());
    params.bank_code = Some("BOC".into());
    params.note = Some("提现".into());
    params
}

fn t1(bill_no: &str, amount: i64) -> BCT1TransferParams {
    let mut params = BCT1TransferParams::default();
    params.total_fee = Some(amount);
    params.bill_no = Some(bill_no.into());
    params.is_personal = Some("1".into());
    params.bank_name = Some("中国银行".into());
    params.bank_account_no = Some("6222000011113333".into());
    params.bank_account_name = Some("李四".into());
    params
}

fn cj(bill_no: &str) -> BCCJTransferParams {
    let mut params = BCCJTransferParams::default();
    params.total_fee = Some(300);
    params.bill_no = Some(bill_no.into());
    params.title = Some("佣金".into());
    params.bank_name = Some("中国工商银行".into());
    params.bank_branch = Some("中国工商银行上海分行".into());
    params.province = Some("上海".into());
    params.city = Some("上海".into());
    params.card_type = Some("DEBIT".into());
    params.card_attribute = Some("C".into());
    params.bank_account_no = Some("6222000011114444".into());
    params.account_name = Some("王五".into());
    params
}

fn jd(bill_no: &str) -> BCCardTransferParams {
    let mut params = BCCardTransferParams::default();
    params.total_fee = Some(400);
    params.bill_no = Some(bill_no.into());
    params.title = Some("佣金".into());
    params.bank_fullname = Some("中国银行".into());
    params.card_type = Some("DE".into());
    params.account_type = Some("P".into());
    params.account_no = Some("6222000011115555".into());
    params.account_name = Some("赵六".into());
    params
}

fn by_bill_no(bill_no: &str) -> BCTransferQueryParams {
    let mut filters = BCTransferQueryParams::default();
    filters.bill_no = Some(bill_no.into());
    filters
}

fn identity() -> BCCardSignParams {
    let mut params = BCCardSignParams::default();
    params.id_name = Some("张三".into());
    params.id_no = Some("320101199001011234".into());
    params.card_no = Some("6222000011112222".into());
    params.mobile = Some("13800000000".into());
    params.bank = Some("中国银行".into());
    params
}

// ---------------------------------------------------------------- payouts

#[test]
fn t0_payout_lifecycle_processing_then_success_with_a_verified_transfer_webhook() {
    let (env, sink) = env();
    let bill_no = number("t0");
    let paid = env.pay.bc_t0_transfer(&t0(&bill_no, 100)).unwrap();
    let id = paid.id.clone();

    let listed = env.query.query_transfers(&by_bill_no(&bill_no)).unwrap();
    assert_eq!(listed.transfers.len(), 1);
    let record = &listed.transfers[0];
    assert_eq!(record.id.as_deref(), Some(id.as_str()));
    assert_eq!(record.transfer_status, Some(BCTransferStatus::PROCESSING));
    assert_eq!(record.spay_result, Some(false));
    assert_eq!(record.total_fee, Some(100));
    assert_eq!(record.title.as_deref(), Some("提现"));
    assert_eq!(record.bank_full_name.as_deref(), Some("中国银行"));
    assert_eq!(record.account_name.as_deref(), Some("张三"));

    env.emu.complete_transfer(&bill_no).unwrap();
    let webhook = push(&env, &sink, 0);
    assert_eq!(webhook.transaction_type, "TRANSFER");
    assert_eq!(webhook.transaction_id, bill_no);
    assert_eq!(webhook.channel_type, BCChannelType::BC);
    assert_eq!(webhook.sub_channel_type, Some(BCChannelType::BC_TRANSFER));
    assert_eq!(webhook.trade_success, Some(true));
    webhook.check_amount(100).unwrap();
    assert_eq!(webhook.message_detail["trade_status"], "FINI");

    let done = env.query.query_transfers(&by_bill_no(&bill_no)).unwrap();
    assert_eq!(
        done.transfers[0].transfer_status,
        Some(BCTransferStatus::SUCCESS)
    );
    assert_eq!(done.transfers[0].spay_result, Some(true));
    assert!(!done.transfers[0].trade_no.clone().unwrap().is_empty());
    assert!(
        env.emu.complete_transfer(&bill_no).is_err(),
        "a finished payout cannot finish again"
    );

    // Server error: the bill_no is taken by every bank-card payout (17 BILL_NO_DUPLICATE).
    assert_eq!(api_code(env.pay.bc_t0_transfer(&t0(&bill_no, 100))), 17);
}

#[test]
fn t1_payout_failure_pushes_trade_success_false_and_lists_as_fail() {
    let (env, sink) = env();
    let bill_no = number("t1");
    env.pay.bc_t1_transfer(&t1(&bill_no, 250)).unwrap();
    env.emu.fail_transfer(&bill_no).unwrap();
    let webhook = push(&env, &sink, 0);
    assert_eq!(webhook.transaction_type, "TRANSFER");
    assert_eq!(webhook.transaction_id, bill_no);
    assert_eq!(webhook.trade_success, Some(false));
    assert_eq!(webhook.message_detail["trade_status"], "REFU");
    let mut failed = BCTransferQueryParams::default();
    failed.transfer_status = Some(BCTransferStatus::FAIL);
    let listed = env.query.query_transfers(&failed).unwrap();
    assert_eq!(listed.transfers.len(), 1);
    assert_eq!(
        listed.transfers[0].bill_no.as_deref(),
        Some(bill_no.as_str())
    );
    assert_eq!(listed.transfers[0].spay_result, Some(false));
    assert_eq!(env.query.query_transfers_count(&failed).unwrap().count, 1);

    // Server error: a bank outside the T1 list (5 PARAM_INVALID).
    let mut unknown_bank = t1(&number("t1"), 250);
    unknown_bank.bank_name = Some("火星银行".into());
    assert_eq!(api_code(env.pay.bc_t1_transfer(&unknown_bank)), 5);
}

#[test]
fn t0_and_t1_are_refused_when_the_signature_is_made_with_another_master_secret() {
    let (env, _sink) = env();
    let mut wrong = env.app.clone();
    wrong.master_secret = "not-the-master-secret".into();
    let pay = BCPay::new(wrong);
    assert_eq!(api_code(pay.bc_t0_transfer(&t0(&number("t0"), 100))), 1);
    assert_eq!(api_code(pay.bc_t1_transfer(&t1(&number("t1"), 100))), 1);
    assert_eq!(env.query.query_transfers_count(None).unwrap().count, 0);
}

#[test]
fn cj_and_jd_payouts_finish_through_the_control_api_and_push_their_outcome() {
    let (env, sink) = env();
    let (cj_no, jd_no) = (number("cj"), number("jd"));
    assert!(!env.pay.cj_transfer(&cj(&cj_no)).unwrap().id.is_empty());
    let mut jd_params = jd(&jd_no);
    jd_params.notify_url = Some(sink.url().to_owned());
    assert!(!env.pay.jd_transfer(&jd_params).unwrap().id.is_empty());

    let control = |path: &str, id: &str| {
        let status = ureq::post(format!("{}{path}", env.emu.control_url()))
            .content_type("application/json")
            .send(json!({ "id": id }).to_string())
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 200, "{path}");
    };
    control("/transfers/complete", &cj_no);
    let first = push(&env, &sink, 0);
    control("/transfers/fail", &jd_no);
    let second = push(&env, &sink, 1);
    assert_eq!(
        (first.transaction_id.as_str(), first.trade_success),
        (cj_no.as_str(), Some(true))
    );
    first.check_amount(300).unwrap();
    assert_eq!(
        (second.transaction_id.as_str(), second.trade_success),
        (jd_no.as_str(), Some(false))
    );

    let mut all = BCTransferQueryParams::default();
    all.need_detail = Some(true);
    let listed = env.query.query_transfers(&all).unwrap();
    let status_of = |no: &str| {
        listed
            .transfers
            .iter()
            .find(|t| t.bill_no.as_deref() == Some(no))
            .and_then(|t| t.transfer_status.clone())
    };
    assert_eq!(status_of(&cj_no), Some(BCTransferStatus::SUCCESS));
    assert_eq!(status_of(&jd_no), Some(BCTransferStatus::FAIL));
    assert!(listed.transfers.iter().all(|t| t.message_detail.is_some()));

    // Server errors: a bank outside the Chanpay list; a JD bank outside the P_DE list (5).
    let mut cj_bad = cj(&number("cj"));
    cj_bad.bank_name = Some("火星银行".into());
    assert_eq!(api_code(env.pay.cj_transfer(&cj_bad)), 5);
    let mut jd_bad = jd(&number("jd"));
    jd_bad.bank_fullname = Some("火星银行".into());
    assert_eq!(api_code(env.pay.jd_transfer(&jd_bad)), 5);
}

#[test]
fn payout_queries_filter_count_and_refuse_bad_filters() {
    let (env, _sink) = env();
    let numbers: Vec<String> = (0..3).map(|_| number("pq")).collect();
    for bill_no in &numbers {
        env.pay.bc_t0_transfer(&t0(bill_no, 10)).unwrap();
    }
    env.emu.complete_transfer(&numbers[0]).unwrap();
    let mut processing = BCTransferQueryParams::default();
    processing.transfer_status = Some(BCTransferStatus::PROCESSING);
    assert_eq!(
        env.query.query_transfers_count(&processing).unwrap().count,
        2
    );
    assert_eq!(env.query.query_transfers_count(None).unwrap().count, 3);
    let listed = env.query.query_transfers(None).unwrap();
    let created: Vec<i64> = listed
        .transfers
        .iter()
        .map(|t| t.create_time.unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");

    // Server error: a status the server does not know (5 PARAM_INVALID).
    let mut unknown = BCTransferQueryParams::default();
    unknown.transfer_status = Some(BCTransferStatus::Other("DONE".into()));
    assert_eq!(api_code(env.query.query_transfers(&unknown)), 5);
    assert_eq!(api_code(env.query.query_transfers_count(&unknown)), 5);
}

#[test]
fn bank_lists_answer_names_and_refuse_a_wrong_secret() {
    let (env, _sink) = env();
    let credit = env.query.query_bc_gateway_banks("1", Some("B2C")).unwrap();
    let debit = env.query.query_bc_gateway_banks("2", None).unwrap();
    assert_eq!((credit.banks.len(), debit.banks.len()), (21, 31));
    assert!(debit.banks.contains(&"工商银行".to_string()));
    let t1_banks = env.query.query_t1_transfer_supported_banks().unwrap();
    assert!(t1_banks.banks.contains(&"中国银行".to_string()));
    let jd_default = env.query.query_jd_transfer_supported_banks(None).unwrap();
    let jd_corporate = env
        .query
        .query_jd_transfer_supported_banks(Some("C"))
        .unwrap();
    assert!(jd_default.banks.contains(&"中国邮政储蓄银行".to_string()));
    assert!(!jd_corporate.banks.is_empty());

    // Test mode: the same live paths, test-signed, are accepted.
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    let test_query = BCQuery::new(test_app);
    assert_eq!(
        test_query.query_bc_gateway_banks("2", None).unwrap().banks,
        debit.banks
    );

    // Server error: signed with a wrong secret (1 APP_INVALID).
    let wrong = BCQuery::new(wrong_app_secret(&env));
    assert_eq!(api_code(wrong.query_bc_gateway_banks("1", None)), 1);
    assert_eq!(api_code(wrong.query_t1_transfer_supported_banks()), 1);
    assert_eq!(api_code(wrong.query_jd_transfer_supported_banks(None)), 1);
}

// ---------------------------------------------------------------- card signing

#[test]
fn card_sign_signs_at_once_and_pushes_a_verified_sign_webhook() {
    let (env, sink) = env();
    let signed = env.pay.card_sign(&identity()).unwrap();
    let card_id = signed.card_id.clone().unwrap();
    let webhook = push(&env, &sink, 0);
    assert_eq!(webhook.transaction_type, "SIGN");
    assert_eq!(webhook.transaction_id, card_id);
    assert_eq!(webhook.channel_type, BCChannelType::BC);
    assert_eq!(
        webhook.sub_channel_type,
        Some(BCChannelType::BC_CARD_CHARGE)
    );
    assert_eq!(webhook.trade_success, Some(true));
    assert_eq!(webhook.transaction_fee, 0);
    assert_eq!(webhook.message_detail["card_id"], card_id.as_str());
    assert!(
        !webhook.raw.contains_key("sign"),
        "SIGN pushes carry `signature` only"
    );

    // Server error: an implausible ID number (5 PARAM_INVALID).
    let mut bad = identity();
    bad.id_no = Some("12345".into());
    assert_eq!(api_code(env.pay.card_sign(&bad)), 5);
}

#[test]
fn a_waiting_card_signing_ends_through_the_control_api_or_the_hook() {
    let (env, sink) = env_with(EmulatorConfig {
        card_signing_waits: true,
        ..fast_config()
    });
    let card_id = env
        .pay
        .card_sign(&identity())
        .unwrap()
        .card_id
        .clone()
        .unwrap();
    assert!(sink.wait_for(1, Duration::from_millis(200)).is_empty());
    let answer = ureq::post(format!("{}/card_signings/fail", env.emu.control_url()))
        .content_type("application/json")
        .send(json!({ "id": card_id }).to_string())
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let failed = push(&env, &sink, 0);
    assert_eq!(
        (failed.transaction_type.to_string(), failed.trade_success),
        ("SIGN".to_string(), Some(false))
    );
    assert!(
        env.emu.complete_card_signing(&card_id).is_err(),
        "nothing pending any more"
    );
    let mut other = identity();
    other.card_no = Some("6222000011119999".into());
    let second = env.pay.card_sign(&other).unwrap().card_id.clone().unwrap();
    env.emu.complete_card_signing(&second).unwrap();
    let signed = push(&env, &sink, 1);
    assert_eq!(
        (signed.transaction_id.as_str(), signed.trade_success),
        (second.as_str(), Some(true))
    );
}

#[test]
fn card_sync_verify_then_sync_sign_and_an_unknown_card_is_refused() {
    let (env, _sink) = env();
    let verified = env.pay.card_sync_verify(&identity()).unwrap();
    let card_id = verified.card_id.clone().unwrap();
    env.pay.card_sync_sign(&card_id).unwrap();

    // Server errors: an implausible card number (5); signing a card never verified (5).
    let mut bad = identity();
    bad.card_no = Some("12".into());
    assert_eq!(api_code(env.pay.card_sync_verify(&bad)), 5);
    assert_eq!(api_code(env.pay.card_sync_sign("no-such-card")), 5);
}

#[test]
fn card_charge_sign_uses_the_sms_code_and_its_sign_webhook_names_the_signing_id() {
    let (env, sink) = env();
    let phone = "13900000001";
    let sms = env.pay.send_sms_passcode(phone).unwrap();
    let mut params = BCCardChargeSignParams::default();
    params.mobile = Some(phone.into());
    params.bank = Some("中国银行".into());
    params.id_no = Some("320101199001011234".into());
    params.name = Some("张三".into());
    params.card_no = Some("6222000011112222".into());
    params.sms_id = Some(sms.sms_id.clone());
    params.sms_code = Some("000000".into());
    if env.emu.last_sms_code(phone).as_deref() == Some("000000") {
        params.sms_code = Some("111111".into());
    }
    // Server error first: a wrong code (5 PARAM_INVALID).
    assert_eq!(api_code(env.pay.card_charge_sign(&params)), 5);

    params.sms_code = env.emu.last_sms_code(phone);
    let signed = env.pay.card_charge_sign(&params).unwrap();
    let signing_id = signed.id.clone();
    assert!(signed.card_id.is_some());
    let webhook = push(&env, &sink, 0);
    assert_eq!(webhook.transaction_type, "SIGN");
    assert_eq!(webhook.transaction_id, signing_id);
    assert_eq!(
        webhook.message_detail["card_id"].as_str(),
        signed.card_id.as_deref()
    );
}

// ---------------------------------------------------------------- sandbox, confirm, refunds

#[test]
fn sandbox_notify_pays_the_bill_and_its_push_verifies_only_with_the_test_secret() {
    let (env, sink) = env();
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    let test_pay = BCPay::new(test_app.clone());
    let params = pay_params(BCChannelType::WX_NATIVE, 42);
    let bill = test_pay.pay(&params).unwrap();
    test_pay.sandbox_notify(&bill.id).unwrap();

    let received = sink.wait_for(1, DEADLINE);
    let body = received[0].body.as_bytes();
    let raw: Value = serde_json::from_slice(body).unwrap();
    assert!(raw.get("signature").is_none(), "{raw}");
    assert!(verify_webhook(&env.app, body).is_err());
    let legacy = BCLegacySign::new(BCSignSecret::Test);
    let webhook = verify_legacy_sign_webhook(&test_app, body, &legacy).unwrap();
    assert_eq!(webhook.form, BCWebhookForm::LegacySign(BCSignSecret::Test));
    assert_eq!(Some(webhook.transaction_id.clone()), params.bill_no);
    webhook.check_amount(42).unwrap();
    let mut wrong = test_app.clone();
    wrong.test_secret = "not-the-test-secret".into();
    assert!(verify_legacy_sign_webhook(&wrong, body, &legacy).is_err());
    let paid = BCQuery::new(test_app).query_bill_by_id(&bill.id).unwrap();
    assert_eq!(paid.pay.spay_result, Some(true));

    // Notifying again answers 0 without a second push; an unknown bill is 8 NO_SUCH_BILL.
    test_pay.sandbox_notify(&bill.id).unwrap();
    assert_eq!(api_code(test_pay.sandbox_notify("no-such-bill")), 8);
    assert_eq!(sink.wait_for(2, Duration::from_millis(200)).len(), 1);
}

#[test]
fn the_knob_adds_a_test_secret_signature_to_sandbox_pushes() {
    let (env, sink) = env_with(EmulatorConfig {
        sandbox_push_signature: true,
        ..fast_config()
    });
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    let test_pay = BCPay::new(test_app);
    let bill = test_pay
        .pay(&pay_params(BCChannelType::ALI_APP, 5))
        .unwrap();
    test_pay.sandbox_notify(&bill.id).unwrap();
    let body = sink.wait_for(1, DEADLINE)[0].body.clone();
    // The current verifier accepts it when the test secret stands in for the master secret.
    let mut stand_in = env.app.clone();
    stand_in.master_secret = env.app.test_secret.clone();
    verify_webhook(&stand_in, body.as_bytes()).unwrap();
    assert!(verify_webhook(&env.app, body.as_bytes()).is_err());
}

#[test]
fn bc_express_confirm_pays_the_bill_and_a_foreign_token_is_refused() {
    let (env, sink) = env();
    let mut params = pay_params(BCChannelType::BC_EXPRESS, 88);
    params.buyer_id = Some("buyer-1".into());
    params.optional = Some(serde_json::Map::from_iter(
        [
            ("phone_no", "13800000000"),
            ("card_no", "6222000011112222"),
            ("id_no", "320101199001011234"),
            ("customer_name", "张三"),
        ]
        .map(|(k, v)| (k.to_string(), json!(v))),
    ));
    let bill = env.pay.pay(&params).unwrap();
    let token = bill.token.clone().unwrap();
    let mut confirm = BCBillConfirmParams::default();
    confirm.token = Some("not-the-token".into());
    confirm.bc_bill_id = Some(bill.id.clone());
    confirm.verify_code = env.emu.last_sms_code("13800000000");
    // Server error: a token not issued for this bill (5).
    assert_eq!(api_code(env.pay.confirm_bill(&confirm)), 5);
    confirm.token = Some(token);
    env.pay.confirm_bill(&confirm).unwrap();
    let webhook = push(&env, &sink, 0);
    assert_eq!(webhook.transaction_type, "PAY");
    assert_eq!(Some(webhook.transaction_id.clone()), params.bill_no);
    assert!(env.query.query_reconciliation(&bill.id).unwrap().pay_status);
}

#[test]
fn refund_status_with_bill_update_reads_the_refund_and_refuses_an_unknown_one() {
    let (env, _sink) = env();
    let params = pay_params(BCChannelType::WX_NATIVE, 60);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let refund = refund_params(&env.emu, params.bill_no.as_deref().unwrap(), 60);
    env.pay.refund(&refund).unwrap();
    let status = env
        .query
        .query_refund_status_with_bill_update(
            BCChannelType::WX,
            refund.refund_no.as_deref().unwrap(),
        )
        .unwrap();
    assert_eq!(status.refund_status, "SUCCESS");
    let no_such = env
        .query
        .query_refund_status_with_bill_update(BCChannelType::WX, "20170101nosuch");
    assert_eq!(api_code(no_such), 13);
}

// ---------------------------------------------------------------- pagination over a real store

#[test]
fn bills_iter_and_transfers_iter_page_through_a_real_store() {
    let (env, _sink) = env();
    for _ in 0..23 {
        env.pay
            .pay(&pay_params(BCChannelType::WX_NATIVE, 1))
            .unwrap();
    }
    let mut params = BCQueryReqParams::default();
    params.limit = Some(10);
    let bills: Vec<BCBill> = env
        .query
        .bills_iter(&params)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(bills.len(), 23);
    let mut ids: Vec<_> = bills.iter().map(|b| b.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 23, "no bill twice");

    for _ in 0..20 {
        env.pay.bc_t0_transfer(&t0(&number("it"), 1)).unwrap();
    }
    let mut filters = BCTransferQueryParams::default();
    filters.limit = Some(10);
    let payouts: Vec<BCTransferRecord> = env
        .query
        .transfers_iter(&filters)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(payouts.len(), 20, "an exact multiple of the page size");
    let requests = env.emu.requests();
    let pages = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/2/rest/transfers")
        .count();
    assert!((2..=3).contains(&pages), "{pages} pages");
}

// ---------------------------------------------------------------- the public URL

#[test]
fn a_public_url_is_used_in_every_handed_out_url_while_binding_stays_local() {
    let public = "http://192.0.2.7:8080";
    let emu = Emulator::start_with(EmulatorConfig {
        public_url: Some(format!("{public}/")),
        ..fast_config()
    })
    .unwrap();
    assert!(emu.base_url().starts_with("http://127.0.0.1:"));
    let pay = BCPay::new(emu.bc_app());
    let native = pay.pay(&pay_params(BCChannelType::WX_NATIVE, 1)).unwrap();
    assert!(
        native
            .code_url
            .as_deref()
            .unwrap()
            .starts_with(&format!("{public}/cashier/")),
        "{:?}",
        native.code_url
    );
    let mut web = pay_params(BCChannelType::ALI_WEB, 1);
    web.return_url = Some("https://shop.example.com/back".into());
    let html = pay.pay(&web).unwrap().html.clone().unwrap();
    assert!(html.contains(&format!("{public}/cashier/")), "{html}");
    assert!(!html.contains("127.0.0.1"), "{html}");
    assert!(emu.cashier_url("x").starts_with(public));
    let control: Value = serde_json::from_str(
        &ureq::get(format!("{}/cashier_url?id=abc", emu.control_url()))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(control["url"], format!("{public}/cashier/abc"));
    let mut test_app = emu.bc_app();
    test_app.is_test_mode = true;
    let sandbox = BCPay::new(test_app)
        .pay(&pay_params(BCChannelType::WX_NATIVE, 1))
        .unwrap();
    assert!(sandbox.url.as_deref().unwrap().starts_with(public));
    // The pages themselves are still served on the bound address.
    let page = native
        .code_url
        .clone()
        .unwrap()
        .replace(public, &emu.base_url());
    assert_eq!(ureq::get(page).call().unwrap().status().as_u16(), 200);
}

// ---------------------------------------------------------------- raw requests (other SDKs' shapes)

/// POSTs `body` to `/2/{path}` and returns the envelope.
fn post_raw(emu: &Emulator, path: &str, body: Value) -> Value {
    let text = ureq::post(format!("{}/2/{path}", emu.base_url()))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn raw_payout_requests_get_the_documented_codes() {
    let emu = Emulator::start_with(fast_config()).unwrap();
    let config = emu.config().clone();
    let (app_id, master) = (config.app_id.clone(), config.master_secret.clone());
    let t0_body = |bill_no: &str, amount: Value, signature: Option<String>| {
        let mut body = json!({
            "app_id": app_id, "withdraw_amount": amount, "bill_no": bill_no,
            "transfer_type": 1, "bank_name": "中国银行", "bank_account_no": "6222000011112222",
            "bank_account_name": "张三", "bank_code": "BOC", "note": "提现",
        });
        if let Some(signature) = signature {
            body["signature"] = signature.into();
        }
        body
    };
    let sign = |bill_no: &str, amount: &str| {
        md5_hex(&format!(
            "{app_id}{bill_no}{amount}6222000011112222{master}"
        ))
    };
    // No signature ⇒ 4; unknown app ⇒ 1; PHP's string amount and integer transfer_type are accepted
    // (PHP passes user values through), the signature covering the amount's text as sent, in any hex case.
    let missing = post_raw(
        &emu,
        "rest/gateway/bc_transfer",
        t0_body("raw0000001", json!(100), None),
    );
    assert_eq!(missing["result_code"], 4, "{missing}");
    let mut foreign = t0_body("raw0000001", json!(100), Some(sign("raw0000001", "100")));
    foreign["app_id"] = "other-app".into();
    assert_eq!(
        post_raw(&emu, "rest/gateway/bc_transfer", foreign)["result_code"],
        1
    );
    let signature = sign("raw0000001", "100").to_ascii_uppercase();
    let accepted = post_raw(
        &emu,
        "rest/gateway/bc_transfer",
        t0_body("raw0000001", json!("100"), Some(signature)),
    );
    assert_eq!(accepted["result_code"], 0, "{accepted}");
    assert!(accepted["id"].is_string());
    let negative = post_raw(
        &emu,
        "rest/gateway/bc_transfer",
        t0_body("raw0000002", json!(-5), Some(sign("raw0000002", "-5"))),
    );
    assert_eq!(negative["result_code"], 5, "{negative}");

    // JD: the ordinary signing trio; `channel` missing ⇒ 4, another channel ⇒ 3.
    let timestamp = emu.now_ms();
    let jd_body = |channel: Option<&str>| {
        let mut body = json!({
            "app_id": app_id, "timestamp": timestamp,
            "app_sign": md5_hex(&format!("{app_id}{timestamp}{master}")),
            "total_fee": 1, "bill_no": "rawjd00001", "title": "t", "trade_source": "OUT_PC",
            "bank_fullname": "中国银行", "card_type": "DE", "account_type": "P",
            "account_no": "6222000011112222", "account_name": "张三",
        });
        if let Some(channel) = channel {
            body["channel"] = channel.into();
        }
        body
    };
    assert_eq!(
        post_raw(&emu, "rest/bc_user_transfer", jd_body(None))["result_code"],
        4
    );
    assert_eq!(
        post_raw(&emu, "rest/bc_user_transfer", jd_body(Some("BC_TRANSFER")))["result_code"],
        3
    );
    assert_eq!(
        post_raw(&emu, "rest/bc_user_transfer", jd_body(Some("JD_TRANSFER")))["result_code"],
        0
    );
}

#[test]
fn the_public_url_can_be_set_after_start_through_the_control_api_and_survives_a_reset() {
    let emu = Emulator::start_with(fast_config()).unwrap();
    let public = format!("http://198.51.100.4:{}", emu.port());
    let answer = ureq::post(format!("{}/public_url", emu.control_url()))
        .content_type("application/json")
        .send(json!({ "url": public }).to_string())
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(emu.public_url(), public);
    emu.reset();
    let pay = BCPay::new(emu.bc_app());
    let bill = pay.pay(&pay_params(BCChannelType::WX_NATIVE, 1)).unwrap();
    assert!(bill.code_url.as_deref().unwrap().starts_with(&public));
    // Not a URL ⇒ refused; null ⇒ back to the bound address.
    assert!(emu.set_public_url(Some("javascript:alert(1)")).is_err());
    emu.set_public_url(None).unwrap();
    assert_eq!(emu.public_url(), emu.base_url());
}

#[test]
fn bc_card_charge_pays_with_a_signed_card_only_and_a_second_confirm_pushes_nothing() {
    let (env, sink) = env();
    let card_id = env
        .pay
        .card_sign(&identity())
        .unwrap()
        .card_id
        .clone()
        .unwrap();
    push(&env, &sink, 0); // the SIGN push
    let mut params = pay_params(BCChannelType::BC_CARD_CHARGE, 33);
    params.card_id = Some(card_id);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let paid = push(&env, &sink, 1);
    assert_eq!(paid.sub_channel_type, Some(BCChannelType::BC_CARD_CHARGE));
    // Server error: a card never signed (5).
    let mut unsigned = pay_params(BCChannelType::BC_CARD_CHARGE, 33);
    unsigned.card_id = Some("not-a-signed-card".into());
    assert_eq!(api_code(env.pay.pay(&unsigned)), 5);

    // BC_EXPRESS confirmed twice: 0 again, and no second PAY push.
    let mut express = pay_params(BCChannelType::BC_EXPRESS, 8);
    express.buyer_id = Some("buyer-2".into());
    express.optional = Some(serde_json::Map::from_iter(
        [
            ("phone_no", "13800000000"),
            ("card_no", "6222000011112222"),
            ("id_no", "320101199001011234"),
            ("customer_name", "张三"),
        ]
        .map(|(k, v)| (k.to_string(), json!(v))),
    ));
    let bill = env.pay.pay(&express).unwrap();
    let mut confirm = BCBillConfirmParams::default();
    confirm.token = bill.token.clone();
    confirm.bc_bill_id = Some(bill.id.clone());
    confirm.verify_code = env.emu.last_sms_code("13800000000");
    env.pay.confirm_bill(&confirm).unwrap();
    env.pay.confirm_bill(&confirm).unwrap();
    push(&env, &sink, 2);
    assert_eq!(sink.wait_for(4, Duration::from_millis(200)).len(), 3);
}

#[test]
fn bc_gateway_pays_with_a_bank_name_of_the_online_list_or_a_legacy_code() {
    let (env, _sink) = env();
    let gateway = |bank: &str, card_type: Option<&str>| {
        let mut params = pay_params(BCChannelType::BC_GATEWAY, 1);
        params.return_url = Some("https://shop.example.com/back".into());
        params.bank = Some(bank.into());
        params.card_type = card_type.map(Into::into);
        params
    };
    let debit = env.query.query_bc_gateway_banks("2", None).unwrap();
    let name = debit
        .banks
        .iter()
        .find(|b| b.as_str() == "成都银行")
        .unwrap();
    env.pay.pay(&gateway(name, Some("2"))).unwrap();
    env.pay.pay(&gateway("CMB", None)).unwrap();
    // Server errors: a debit-only bank with card_type 1; an unknown bank (5).
    assert_eq!(api_code(env.pay.pay(&gateway(name, Some("1")))), 5);
    assert_eq!(api_code(env.pay.pay(&gateway("火星银行", None))), 5);
    let strict = Env::start(EmulatorConfig {
        accept_legacy_gateway_codes: false,
        ..fast_config()
    });
    assert_eq!(api_code(strict.pay.pay(&gateway("CMB", None))), 5);
}

#[test]
fn b2b_gateway_banks_are_the_b2c_lists_unless_configured() {
    let gateway = |bank: &str, pay_type: &str| {
        let mut params = pay_params(BCChannelType::BC_GATEWAY, 1);
        params.return_url = Some("https://shop.example.com/back".into());
        params.bank = Some(bank.into());
        params.card_type = Some("2".into());
        params.pay_type = Some(pay_type.into());
        params
    };
    // No source lists B2B banks: by default B2B answers and accepts the B2C lists.
    let (env, _sink) = env();
    for card_type in ["1", "2"] {
        assert_eq!(
            env.query
                .query_bc_gateway_banks(card_type, Some("B2B"))
                .unwrap()
                .banks,
            env.query
                .query_bc_gateway_banks(card_type, Some("B2C"))
                .unwrap()
                .banks
        );
    }
    env.pay.pay(&gateway("成都银行", "B2B")).unwrap();

    // Configured: B2B has its own list, for either card type; B2C keeps its lists.
    let configured = Env::start(EmulatorConfig {
        gateway_b2b_banks: Some(vec!["企业网银测试银行".into()]),
        accept_legacy_gateway_codes: false,
        ..fast_config()
    });
    for card_type in ["1", "2"] {
        let b2b = configured
            .query
            .query_bc_gateway_banks(card_type, Some("B2B"))
            .unwrap();
        assert_eq!(b2b.banks, vec!["企业网银测试银行".to_string()]);
    }
    configured
        .pay
        .pay(&gateway("企业网银测试银行", "B2B"))
        .unwrap();
    assert_eq!(api_code(configured.pay.pay(&gateway("成都银行", "B2B"))), 5);
    configured.pay.pay(&gateway("成都银行", "B2C")).unwrap();
    assert_eq!(
        api_code(configured.pay.pay(&gateway("企业网银测试银行", "B2C"))),
        5
    );
}

/// A test-mode `BCPay` and `BCQuery` of `env`'s app.
fn sandbox_clients(env: &Env) -> (BCPay, BCQuery) {
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    (BCPay::new(test_app.clone()), BCQuery::new(test_app))
}

#[test]
fn sandbox_notify_refuses_an_expired_or_a_live_bill_by_default() {
    let (env, sink) = env();
    let (test_pay, test_query) = sandbox_clients(&env);
    let mut expiring = pay_params(BCChannelType::WX_NATIVE, 6);
    expiring.bill_timeout = Some(60);
    let expired = test_pay.pay(&expiring).unwrap();
    env.emu.advance_clock(Duration::from_secs(61));
    assert_eq!(api_code(test_pay.sandbox_notify(&expired.id)), 5);
    let unpaid = test_query.query_bill_by_id(&expired.id).unwrap();
    assert_eq!(unpaid.pay.spay_result, Some(false));
    let live = env
        .pay
        .pay(&pay_params(BCChannelType::WX_NATIVE, 7))
        .unwrap();
    assert_eq!(api_code(test_pay.sandbox_notify(&live.id)), 8);
    assert!(sink.wait_for(1, Duration::from_millis(200)).is_empty());
}

#[test]
fn sandbox_notify_knobs_resend_a_paid_bill_and_pay_an_expired_or_a_live_one() {
    let (env, sink) = env_with(EmulatorConfig {
        sandbox_notify: SandboxNotifyRules {
            resend_paid: true,
            pay_expired: true,
            pay_live_bills: true,
        },
        ..fast_config()
    });
    let (test_pay, test_query) = sandbox_clients(&env);
    let params = pay_params(BCChannelType::WX_NATIVE, 5);
    let bill = test_pay.pay(&params).unwrap();
    test_pay.sandbox_notify(&bill.id).unwrap();
    test_pay.sandbox_notify(&bill.id).unwrap();
    let pushes = sink.wait_for(2, DEADLINE);
    assert_eq!(pushes.len(), 2);
    let legacy = BCLegacySign::new(BCSignSecret::Test);
    let mut test_app = env.app.clone();
    test_app.is_test_mode = true;
    for push in &pushes {
        let webhook = verify_legacy_sign_webhook(&test_app, push.body.as_bytes(), &legacy).unwrap();
        assert_eq!(Some(webhook.transaction_id.clone()), params.bill_no);
    }

    let mut expiring = pay_params(BCChannelType::WX_NATIVE, 6);
    expiring.bill_timeout = Some(60);
    let expired = test_pay.pay(&expiring).unwrap();
    env.emu.advance_clock(Duration::from_secs(61));
    test_pay.sandbox_notify(&expired.id).unwrap();
    let paid = test_query.query_bill_by_id(&expired.id).unwrap();
    assert_eq!(paid.pay.spay_result, Some(true));

    let live_params = pay_params(BCChannelType::WX_NATIVE, 7);
    let live = env.pay.pay(&live_params).unwrap();
    test_pay.sandbox_notify(&live.id).unwrap();
    assert_eq!(
        env.query
            .query_bill_by_id(&live.id)
            .unwrap()
            .pay
            .spay_result,
        Some(true)
    );
    // The live bill's push is a live one: the current signature with the master secret.
    let webhook = push(&env, &sink, 3);
    assert_eq!(Some(webhook.transaction_id), live_params.bill_no);
}
