//! The tour of payments: online, international, offline pay, bills, refunds.

use beecloud::BCChannelType;
use beecloud::entity::{
    BCInternationalPayParams, BCPayPalCreditCard, BCPreRefundAuditParams, BCQueryReqParams,
    BCRefundReqParams,
};

use super::{Numbers, Tour, pay_params, some};

pub(super) fn payments(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    let banks = demo.bc_query.query_bc_gateway_supported_banks();
    tour.check(
        "query_bc_gateway_supported_banks",
        Ok(format!(
            "{} banks, first {}",
            banks.len(),
            banks.first().map(|b| b.0).unwrap_or("-")
        )),
    );

    // A WX_NATIVE bill, paid by the emulator's payer; its webhook reaches the demo's receiver.
    let bill_no = numbers.next();
    let paid = tour.call(
        "pay (WX_NATIVE)",
        demo.bc_pay
            .pay(&pay_params(BCChannelType::WX_NATIVE, &bill_no, 3)),
        |r| format!("id {} code_url {}", r.id, some(&r.code_url)),
    );
    let bill_id = paid.map(|paid| paid.id.clone()).unwrap_or_default();
    demo.record_order("PAY", &bill_no, 3, "WX_NATIVE", &bill_id);
    let completed = tour.emulator().complete_payment(&bill_no);
    tour.hook("emulator: complete_payment", completed, &bill_no);
    tour.webhook_settles("receive_webhook (PAY)", "PAY", &bill_no);

    let mut by_no = BCQueryReqParams::default();
    by_no.bill_no = Some(bill_no.clone());
    tour.call("query_bills", demo.bc_query.query_bills(&by_no), |r| {
        format!(
            "{} bill(s), spay_result {}",
            r.bills.len(),
            some(&r.bills.first().and_then(|b| b.spay_result))
        )
    });
    tour.call(
        "query_bills_count",
        demo.bc_query.query_bills_count(None),
        |r| format!("count {}", r.count),
    );
    tour.call(
        "query_bill_by_id",
        demo.bc_query.query_bill_by_id(&bill_id),
        |r| {
            format!(
                "bill_no {} total_fee {}",
                some(&r.pay.bill_no),
                some(&r.pay.total_fee)
            )
        },
    );
    tour.call(
        "query_reconciliation",
        demo.bc_query.query_reconciliation(&bill_id),
        |r| format!("pay_status {}", r.pay_status),
    );

    // Refund 1 fen, then a pre-refund of 1 fen approved by audit.
    let mut refund = BCRefundReqParams::default();
    let refund_no = numbers.next();
    refund.bill_no = Some(bill_no.clone());
    refund.refund_no = Some(refund_no.clone());
    refund.refund_fee = Some(1);
    let refunded = tour.call("refund", demo.bc_pay.refund(&refund), |r| {
        format!("id {}", r.id)
    });
    let refund_id = refunded.map(|r| r.id.clone()).unwrap_or_default();
    // One refund per bill: the pre-refund is for a second paid bill.
    let second_no = numbers.next();
    tour.call(
        "pay (WX_NATIVE, for a pre-refund)",
        demo.bc_pay
            .pay(&pay_params(BCChannelType::WX_NATIVE, &second_no, 2)),
        |r| format!("id {}", r.id),
    );
    let completed = tour.emulator().complete_payment(&second_no);
    tour.hook("emulator: complete_payment", completed, &second_no);
    let mut pre_refund = refund.clone();
    pre_refund.bill_no = Some(second_no);
    pre_refund.refund_no = Some(numbers.next());
    pre_refund.need_approval = Some(true);
    if let Some(pre) = tour.call(
        "refund (need_approval: pre-refund)",
        demo.bc_pay.refund(&pre_refund),
        |r| format!("id {}", r.id),
    ) {
        let mut audit = BCPreRefundAuditParams::default();
        audit.channel = Some(BCChannelType::WX);
        audit.ids = Some(vec![pre.id.clone()]);
        audit.agree = Some(true);
        tour.call(
            "audit_pre_refunds",
            demo.bc_pay.audit_pre_refunds(&audit),
            |r| format!("result_map {:?}", r.result_map),
        );
    }
    tour.call("query_refunds", demo.bc_query.query_refunds(None), |r| {
        format!("{} refund(s)", r.refunds.len())
    });
    tour.call(
        "query_refunds_count",
        demo.bc_query.query_refunds_count(None),
        |r| format!("count {}", r.count),
    );
    tour.call(
        "query_refund_by_id",
        demo.bc_query.query_refund_by_id(&refund_id),
        |r| {
            format!(
                "refund_no {} finish {}",
                some(&r.refund.refund_no),
                some(&r.refund.finish)
            )
        },
    );
    tour.call(
        "query_refund_status",
        demo.bc_query
            .query_refund_status(BCChannelType::WX, &refund_no),
        |r| format!("refund_status {}", r.refund_status),
    );
    tour.call(
        "query_refund_status_with_bill_update",
        demo.bc_query
            .query_refund_status_with_bill_update(BCChannelType::WX, &refund_no),
        |r| format!("refund_status {}", r.refund_status),
    );

    // A web channel: html/url to the cashier.
    let mut web = pay_params(BCChannelType::ALI_WEB, &numbers.next(), 1);
    web.return_url = Some(demo.return_url("tour"));
    tour.call("pay (ALI_WEB)", demo.bc_pay.pay(&web), |r| {
        format!(
            "url {} html {} bytes",
            some(&r.url),
            r.html.as_ref().map_or(0, String::len)
        )
    });

    // PayPal: a card payment, then the saved card.
    let mut paypal = BCInternationalPayParams::default();
    paypal.channel = Some(BCChannelType::PAYPAL_CREDITCARD);
    paypal.total_fee = Some(1);
    paypal.currency = Some("USD".into());
    paypal.bill_no = Some(numbers.next());
    paypal.title = Some("Tour PayPal".into());
    let mut card = BCPayPalCreditCard::default();
    card.card_number = Some("4111111111111111".into());
    card.expire_month = Some(12);
    card.expire_year = Some(2030);
    card.cvv = Some("123".into());
    card.first_name = Some("Bee".into());
    card.last_name = Some("Cloud".into());
    card.card_type = Some("visa".into());
    paypal.credit_card_info = Some(card);
    let card_payment = tour.call(
        "international_pay (PAYPAL_CREDITCARD)",
        demo.bc_pay.international_pay(&paypal),
        |r| format!("id {} credit_card_id {}", r.id, some(&r.credit_card_id)),
    );
    if let Some(card_id) = card_payment.and_then(|r| r.credit_card_id.clone()) {
        let mut saved = BCInternationalPayParams::default();
        saved.channel = Some(BCChannelType::PAYPAL_SAVED_CREDITCARD);
        saved.total_fee = Some(1);
        saved.currency = Some("USD".into());
        saved.bill_no = Some(numbers.next());
        saved.title = Some("Tour PayPal again".into());
        saved.credit_card_id = Some(card_id);
        tour.call(
            "international_pay (PAYPAL_SAVED_CREDITCARD)",
            demo.bc_pay.international_pay(&saved),
            |r| format!("id {}", r.id),
        );
    }

    // In store: a scanned code paid and refunded, a QR bill reverted.
    let scan_no = numbers.next();
    let mut scan = pay_params(BCChannelType::WX_SCAN, &scan_no, 2);
    scan.auth_code = Some("134567890123456789".into());
    tour.call(
        "offline_pay (WX_SCAN)",
        demo.bc_pay.offline_pay(&scan),
        |r| format!("pay_result {}", some(&r.pay_result)),
    );
    let completed = tour.emulator().complete_payment(&scan_no);
    tour.hook("emulator: complete_payment (in store)", completed, &scan_no);
    tour.call(
        "query_offline_bill_status",
        demo.bc_query
            .query_offline_bill_status(&scan_no, Some(BCChannelType::WX_SCAN)),
        |r| format!("pay_result {}", r.pay_result),
    );
    let mut offline_refund = BCRefundReqParams::default();
    offline_refund.bill_no = Some(scan_no);
    offline_refund.channel = Some(BCChannelType::WX);
    offline_refund.refund_fee = Some(2);
    offline_refund.refund_no = Some(numbers.next());
    tour.call(
        "offline_refund",
        demo.bc_pay.offline_refund(&offline_refund),
        |r| format!("refund_result {}", r.refund_result),
    );
    let qr_no = numbers.next();
    tour.call(
        "offline_pay (ALI_OFFLINE_QRCODE)",
        demo.bc_pay
            .offline_pay(&pay_params(BCChannelType::ALI_OFFLINE_QRCODE, &qr_no, 1)),
        |r| {
            format!(
                "qr_code {}",
                some(&r.qr_code.clone().or(r.code_url.clone()))
            )
        },
    );
    tour.call(
        "offline_revert",
        demo.bc_pay
            .offline_revert(&qr_no, Some(BCChannelType::ALI_OFFLINE_QRCODE)),
        |r| format!("revert_status {}", r.revert_status),
    );
}
