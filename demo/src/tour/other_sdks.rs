//! The tour of the operations only the other official SDKs send: bank-card payouts and their
//! query, bank lists, the BC_EXPRESS confirmation, sandbox notify, card signing, and the pagination
//! helpers.

use std::time::{Duration, Instant};

use beecloud::entity::{
    BCBillConfirmParams, BCCJTransferParams, BCCardChargeSignParams, BCCardSignParams,
    BCCardTransferParams, BCQueryReqParams, BCT0TransferParams, BCT1TransferParams,
    BCTransferQueryParams, BCTransferStatus,
};
use beecloud::{BCChannelType, BCPay};
use serde_json::{Map, Value};

use super::{Numbers, Tour, pay_params, some};
use crate::state::SANDBOX_CHANNEL_PREFIX;

pub(super) fn tour(tour: &mut Tour, numbers: &mut Numbers) {
    bank_lists(tour);
    payouts(tour, numbers);
    pay_steps(tour, numbers);
    card_signing(tour);
    pagination(tour);
}

fn bank_lists(tour: &mut Tour) {
    let demo = tour.demo;
    let banks = |r: &beecloud::BCResult<beecloud::entity::BankNamesResult>| {
        format!(
            "{} banks, first {}",
            r.banks.len(),
            r.banks.first().map_or("-", String::as_str)
        )
    };
    tour.call(
        "query_bc_gateway_banks",
        demo.bc_query.query_bc_gateway_banks("2", Some("B2C")),
        banks,
    );
    tour.call(
        "query_t1_transfer_supported_banks",
        demo.bc_query.query_t1_transfer_supported_banks(),
        banks,
    );
    tour.call(
        "query_jd_transfer_supported_banks",
        demo.bc_query
            .query_jd_transfer_supported_banks(Some("P_DE")),
        banks,
    );
}

/// Waits until the demo's receiver has recorded a push for `number` whose outcome starts with
/// `outcome` (failures and SIGN pushes settle no order).
fn webhook_arrives(tour: &mut Tour, operation: &str, kind: &str, number: &str, outcome: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let found = loop {
        let seen = tour.demo.ledger().webhooks.iter().any(|w| {
            w.transaction_type == kind
                && w.transaction_id == number
                && w.outcome.starts_with(outcome)
        });
        if seen || Instant::now() >= deadline {
            break seen;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    tour.check(
        operation,
        if found {
            Ok(format!("{kind} {number}: {outcome}"))
        } else {
            Err(format!(
                "no {kind} webhook for {number} ({outcome}) within 10 s"
            ))
        },
    );
}

/// Records a payout order, and when `call` succeeded finishes it with `success` through the
/// emulator and checks its TRANSFER webhook.
fn payout(tour: &mut Tour, operation: &str, bill_no: &str, started: bool, success: bool) {
    if !started {
        return;
    }
    let finished = if success {
        tour.emulator().complete_transfer(bill_no)
    } else {
        tour.emulator().fail_transfer(bill_no)
    };
    let hook = if success {
        "complete_transfer"
    } else {
        "fail_transfer"
    };
    tour.hook(
        &format!("emulator: {hook} ({operation})"),
        finished,
        bill_no,
    );
    if success {
        tour.webhook_settles(
            &format!("receive_webhook (TRANSFER, {operation})"),
            "TRANSFER",
            bill_no,
        );
    } else {
        webhook_arrives(
            tour,
            &format!("receive_webhook (TRANSFER failure, {operation})"),
            "TRANSFER",
            bill_no,
            "failed",
        );
    }
}

fn payouts(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    let id = |r: &beecloud::BCResult<beecloud::entity::TransferResult>| format!("id {}", r.id);

    let t0_no = numbers.next();
    let mut t0 = BCT0TransferParams::default();
    t0.withdraw_amount = Some(100);
    t0.bill_no = Some(t0_no.clone());
    t0.transfer_type = Some("1".into());
    t0.bank_name = Some("中国银行".into());
    t0.bank_account_no = Some("6222000011112222".into());
    t0.bank_account_name = Some("Receiver".into());
    t0.bank_code = Some("BOC".into());
    t0.note = Some("Tour T0".into());
    demo.record_order("TRANSFER", &t0_no, 100, "BC_TRANSFER", "");
    let started = tour
        .call("bc_t0_transfer", demo.bc_pay.bc_t0_transfer(&t0), id)
        .is_some();
    payout(tour, "bc_t0_transfer", &t0_no, started, true);

    let t1_no = numbers.next();
    let mut t1 = BCT1TransferParams::default();
    t1.total_fee = Some(200);
    t1.bill_no = Some(t1_no.clone());
    t1.is_personal = Some("1".into());
    t1.bank_name = Some("中国银行".into());
    t1.bank_account_no = Some("6222000011113333".into());
    t1.bank_account_name = Some("Receiver".into());
    demo.record_order("TRANSFER", &t1_no, 200, "BC_TRANSFER", "");
    let started = tour
        .call("bc_t1_transfer", demo.bc_pay.bc_t1_transfer(&t1), |r| {
            format!("id {}", some(&r.id))
        })
        .is_some();
    payout(tour, "bc_t1_transfer", &t1_no, started, false);

    let cj_no = numbers.next();
    let mut cj = BCCJTransferParams::default();
    cj.total_fee = Some(300);
    cj.bill_no = Some(cj_no.clone());
    cj.title = Some("Tour CJ".into());
    cj.bank_name = Some("中国工商银行".into());
    cj.bank_branch = Some("中国工商银行上海分行".into());
    cj.province = Some("上海".into());
    cj.city = Some("上海".into());
    cj.card_type = Some("DEBIT".into());
    cj.card_attribute = Some("C".into());
    cj.bank_account_no = Some("6222000011114444".into());
    cj.account_name = Some("Receiver".into());
    demo.record_order("TRANSFER", &cj_no, 300, "BC_TRANSFER", "");
    let started = tour
        .call("cj_transfer", demo.bc_pay.cj_transfer(&cj), id)
        .is_some();
    payout(tour, "cj_transfer", &cj_no, started, true);

    let jd_no = numbers.next();
    let mut jd = BCCardTransferParams::default();
    jd.total_fee = Some(400);
    jd.bill_no = Some(jd_no.clone());
    jd.title = Some("Tour JD".into());
    jd.bank_fullname = Some("中国银行".into());
    jd.card_type = Some("DE".into());
    jd.account_type = Some("P".into());
    jd.account_no = Some("6222000011115555".into());
    jd.account_name = Some("Receiver".into());
    demo.record_order("TRANSFER", &jd_no, 400, "BC_TRANSFER", "");
    let started = tour
        .call("jd_transfer", demo.bc_pay.jd_transfer(&jd), id)
        .is_some();
    payout(tour, "jd_transfer", &jd_no, started, true);

    let mut succeeded = BCTransferQueryParams::default();
    succeeded.transfer_status = Some(BCTransferStatus::SUCCESS);
    tour.call(
        "query_transfers",
        demo.bc_query.query_transfers(&succeeded),
        |r| format!("{} successful payouts", r.transfers.len()),
    );
    let mut failed = BCTransferQueryParams::default();
    failed.transfer_status = Some(BCTransferStatus::FAIL);
    tour.call(
        "query_transfers_count",
        demo.bc_query.query_transfers_count(&failed),
        |r| format!("{} failed payouts", r.count),
    );
}

fn pay_steps(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    // BC_EXPRESS: pay (four factors) ⇒ token, then confirm with the SMS code.
    let express_no = numbers.next();
    let mut express = pay_params(BCChannelType::BC_EXPRESS, &express_no, 5);
    express.buyer_id = Some("tour-buyer".into());
    express.optional = Some(Map::from_iter(
        [
            ("phone_no", "13800000000"),
            ("card_no", "6222000011112222"),
            ("id_no", "320101199001011234"),
            ("customer_name", "张三"),
        ]
        .map(|(key, value)| (key.to_string(), Value::from(value))),
    ));
    demo.record_order("PAY", &express_no, 5, "BC_EXPRESS", "");
    if let Some(bill) = tour.call("pay (BC_EXPRESS)", demo.bc_pay.pay(&express), |r| {
        format!("token {}", some(&r.token))
    }) {
        let mut confirm = BCBillConfirmParams::default();
        confirm.token = bill.token.clone();
        confirm.bc_bill_id = Some(bill.id.clone());
        // The payer reads the SMS (the emulator's) and types the code in.
        confirm.verify_code = tour.emulator().last_sms_code("13800000000");
        if tour
            .call("confirm_bill", demo.bc_pay.confirm_bill(&confirm), |_| {
                "paid".into()
            })
            .is_some()
        {
            tour.webhook_settles("receive_webhook (PAY, BC_EXPRESS)", "PAY", &express_no);
        }
    }

    // Sandbox: a test-mode bill paid through sandbox notify; its push carries the test-secret sign,
    // which the receiver takes with the test-mode app and confirms against the sandbox.
    let sandbox = BCPay::new(demo.sandbox_app());
    let sandbox_no = numbers.next();
    let channel = format!("{SANDBOX_CHANNEL_PREFIX}WX_NATIVE");
    demo.record_order("PAY", &sandbox_no, 7, &channel, "");
    let params = pay_params(BCChannelType::WX_NATIVE, &sandbox_no, 7);
    if let Some(bill) = tour.call("pay (test mode)", sandbox.pay(&params), |r| {
        format!("url {}", some(&r.url))
    }) && tour
        .call("sandbox_notify", sandbox.sandbox_notify(&bill.id), |_| {
            "paid".into()
        })
        .is_some()
    {
        tour.webhook_settles(
            "receive_webhook (sandbox PAY, test-mode app)",
            "PAY",
            &sandbox_no,
        );
    }
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

fn card_signing(tour: &mut Tour) {
    let demo = tour.demo;
    if let Some(signed) = tour.call("card_sign", demo.bc_pay.card_sign(&identity()), |r| {
        format!("card_id {}", some(&r.card_id))
    }) {
        let card_id = signed.card_id.clone().unwrap_or_default();
        // No query confirms a signing: the receiver keeps it as authentic but unconfirmable.
        demo.record_order("SIGN", &card_id, 0, "BC", &card_id);
        webhook_arrives(
            tour,
            "receive_webhook (SIGN)",
            "SIGN",
            &card_id,
            "unconfirmable",
        );
    }
    let mut other = identity();
    other.card_no = Some("6222000011116666".into());
    if let Some(verified) = tour.call(
        "card_sync_verify",
        demo.bc_pay.card_sync_verify(&other),
        |r| format!("card_id {}", some(&r.card_id)),
    ) {
        let card_id = verified.card_id.clone().unwrap_or_default();
        tour.call(
            "card_sync_sign",
            demo.bc_pay.card_sync_sign(&card_id),
            |_| "signed".into(),
        );
    }
    let phone = "13800000001";
    let Some(sms) = tour.call(
        "send_sms_passcode (card_charge_sign)",
        demo.bc_pay.send_sms_passcode(phone),
        |r| format!("sms_id {}", r.sms_id),
    ) else {
        return;
    };
    let mut params = BCCardChargeSignParams::default();
    params.mobile = Some(phone.into());
    params.bank = Some("中国银行".into());
    params.id_no = Some("320101199001011234".into());
    params.name = Some("张三".into());
    params.card_no = Some("6222000011117777".into());
    params.sms_id = Some(sms.sms_id.clone());
    params.sms_code = tour.emulator().last_sms_code(phone);
    if let Some(signed) = tour.call(
        "card_charge_sign",
        demo.bc_pay.card_charge_sign(&params),
        |r| format!("id {} card_id {}", r.id, some(&r.card_id)),
    ) {
        let id = signed.id.clone();
        demo.record_order("SIGN", &id, 0, "BC", &id);
        webhook_arrives(
            tour,
            "receive_webhook (SIGN, legacy sign)",
            "SIGN",
            &id,
            "unconfirmable",
        );
    }
}

fn pagination(tour: &mut Tour) {
    let demo = tour.demo;
    let mut bills = BCQueryReqParams::default();
    bills.limit = Some(10);
    let outcome: Result<Vec<_>, _> = demo.bc_query.bills_iter(&bills).collect();
    let count = demo.bc_query.query_bills_count(None).map(|r| r.count);
    tour.check(
        "bills_iter",
        match (outcome, count) {
            (Ok(all), Ok(count)) if all.len() as u64 == count => Ok(format!(
                "{} bills over every page = query_bills_count",
                all.len()
            )),
            (Ok(all), Ok(count)) => Err(format!(
                "{} bills, but query_bills_count {count}",
                all.len()
            )),
            (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
        },
    );
    let outcome: Result<Vec<_>, _> = demo.bc_query.transfers_iter(None).collect();
    tour.check(
        "transfers_iter",
        outcome
            .map(|all| format!("{} payouts over every page", all.len()))
            .map_err(|e| e.to_string()),
    );
    let outcome: Result<Vec<_>, _> = demo.bc_query.refunds_iter(None).collect();
    tour.check(
        "refunds_iter",
        outcome
            .map(|all| format!("{} refunds over every page", all.len()))
            .map_err(|e| e.to_string()),
    );
}
