//! `cargo run -p demo -- tour`: every SDK operation once, against a fresh emulator, as a table.
//!
//! Operations that need state get it the way a merchant would: pay, let the emulator's "payer"
//! pay, wait for the verified webhook, then refund… The demo server runs too, so the webhooks go
//! through the real receiver (`verify_webhook` + `check_amount`).

use std::collections::BTreeMap;
use std::fmt::Display;
use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::{
    BCBatchTransferItem, BCBatchTransferParams, BCCardTransferParams, BCInternationalPayParams,
    BCPayPalCreditCard, BCPayReqParams, BCPlan, BCPreRefundAuditParams, BCQueryCriteria,
    BCQueryReqParams, BCRefundReqParams, BCSubscription, BCTransferRedPack, BCTransferReqParams,
};
use beecloud::{BCChannelType, BCError, BCResult, sales, user, utils};
use serde_json::json;

use crate::{Demo, DemoConfig, start};

/// One line of the tour's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The SDK call.
    pub operation: String,
    /// `None` when it succeeded, else `ERR <result_code>` and why.
    pub error: Option<String>,
    /// Key fields of the result (or the error).
    pub detail: String,
}

impl Row {
    /// Whether the operation succeeded.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Collects rows as the tour goes.
struct Tour<'a> {
    demo: &'a Demo,
    rows: Vec<Row>,
}

impl<'a> Tour<'a> {
    /// Records an SDK call; returns its result when it succeeded.
    fn call<T>(
        &mut self,
        operation: &str,
        result: Result<BCResult<T>, BCError>,
        detail: impl FnOnce(&BCResult<T>) -> String,
    ) -> Option<BCResult<T>> {
        match result {
            Ok(result) => {
                self.rows.push(Row {
                    operation: operation.into(),
                    error: None,
                    detail: detail(&result),
                });
                Some(result)
            }
            Err(error) => {
                let code = error
                    .result_code()
                    .map(|code| code.to_string())
                    .unwrap_or_else(|| "-".into());
                self.rows.push(Row {
                    operation: operation.into(),
                    error: Some(format!("ERR {code}")),
                    detail: format!("{} {}", error.result_msg(), error.err_detail()),
                });
                None
            }
        }
    }

    /// Records a step that is not a `BCResult` (local helpers, emulator hooks, webhooks).
    fn check(&mut self, operation: &str, outcome: Result<String, String>) -> bool {
        let ok = outcome.is_ok();
        let (error, detail) = match outcome {
            Ok(detail) => (None, detail),
            Err(problem) => (Some("ERR".to_string()), problem),
        };
        self.rows.push(Row {
            operation: operation.into(),
            error,
            detail,
        });
        ok
    }

    /// Waits until the demo's receiver has settled the order (a verified webhook with the right
    /// amount arrived).
    fn webhook_settles(&mut self, operation: &str, kind: &str, number: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let outcome = loop {
            match self.demo.order(kind, number) {
                Some(order) if order.settled => {
                    break Ok(format!(
                        "{kind} {number} verified, amount {} checked",
                        order.fee
                    ));
                }
                None => break Err(format!("the demo has no {kind} order {number}")),
                Some(_) if Instant::now() >= deadline => {
                    break Err(format!(
                        "no verified {kind} webhook for {number} within 10 s"
                    ));
                }
                Some(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        self.check(operation, outcome);
    }

    fn emulator(&self) -> &Emulator {
        self.demo
            .emulator
            .as_ref()
            .expect("the tour always starts the demo with its emulator")
    }

    fn hook(&mut self, operation: &str, outcome: Result<(), impl Display>, detail: impl Display) {
        self.check(
            operation,
            outcome
                .map(|()| detail.to_string())
                .map_err(|e| e.to_string()),
        );
    }
}

fn some<T: Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "-".into())
}

/// Unique order numbers for one tour run: `prefix` + the date-time digits + a counter.
struct Numbers {
    stem: String,
    next: u32,
}

impl Numbers {
    fn next(&mut self) -> String {
        self.next += 1;
        format!("{}{:03}", self.stem, self.next)
    }
}

/// Runs the tour against a fresh emulator and returns its rows.
pub fn run() -> std::io::Result<Vec<Row>> {
    let running = start(DemoConfig {
        port: 0,
        credentials: None,
        emulator: EmulatorConfig {
            webhook_time_scale: 0.001,
            ..EmulatorConfig::default()
        },
        ..DemoConfig::default()
    })?;
    let demo = running.demo();
    let mut tour = Tour {
        demo,
        rows: Vec::new(),
    };
    let mut numbers = Numbers {
        // Beijing's date: the numbers serve as refund_no too, on any host zone.
        stem: utils::order_num_on_beijing_datetime(),
        next: 0,
    };
    payments(&mut tour, &mut numbers);
    transfers(&mut tour, &mut numbers);
    subscriptions(&mut tour);
    users_and_coupons(&mut tour, &mut numbers);
    utilities(&mut tour);
    Ok(tour.rows)
}

fn pay_params(channel: BCChannelType, bill_no: &str, fee: i64) -> BCPayReqParams {
    let mut params = BCPayReqParams::default();
    params.channel = Some(channel);
    params.bill_no = Some(bill_no.into());
    params.total_fee = Some(fee);
    params.title = Some("Tour 演示".into());
    params
}

fn payments(tour: &mut Tour, numbers: &mut Numbers) {
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
    tour.webhook_settles("verify_webhook + check_amount (PAY)", "PAY", &bill_no);

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

fn transfers(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    let mut redpack = BCTransferReqParams::default();
    redpack.channel = Some(BCChannelType::WX_REDPACK);
    let digits = numbers.next();
    redpack.transfer_no = Some(digits[digits.len() - 10..].to_string());
    redpack.total_fee = Some(100);
    redpack.desc = Some("Tour red pack".into());
    redpack.channel_user_id = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    let mut info = BCTransferRedPack::default();
    info.send_name = Some("BeeCloud".into());
    info.wishing = Some("Enjoy".into());
    info.act_name = Some("Tour".into());
    redpack.redpack_info = Some(info);
    tour.call(
        "transfer (WX_REDPACK)",
        demo.bc_pay.transfer(&redpack),
        |r| format!("id {}", some(&r.id)),
    );

    let mut wx = BCTransferReqParams::default();
    wx.channel = Some(BCChannelType::WX_TRANSFER);
    wx.transfer_no = Some(numbers.next());
    wx.total_fee = Some(100);
    wx.desc = Some("Tour WeChat transfer".into());
    wx.channel_user_id = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    tour.call("transfer (WX_TRANSFER)", demo.bc_pay.transfer(&wx), |r| {
        format!("id {}", some(&r.id))
    });

    let mut ali = BCTransferReqParams::default();
    ali.channel = Some(BCChannelType::ALI_TRANSFER);
    ali.transfer_no = Some(numbers.next());
    ali.total_fee = Some(100);
    ali.desc = Some("Tour Alipay transfer".into());
    ali.channel_user_id = Some("receiver@example.com".into());
    ali.channel_user_name = Some("Receiver".into());
    ali.account_name = Some("Demo merchant".into());
    tour.call("transfer (ALI_TRANSFER)", demo.bc_pay.transfer(&ali), |r| {
        format!("url {}", some(&r.url))
    });

    let banks = tour.call(
        "query_bc_transfer_supported_banks",
        demo.bc_query.query_bc_transfer_supported_banks("P_DE"),
        |r| format!("{} banks", r.bank_list.len()),
    );
    let bank = banks
        .and_then(|r| r.bank_list.first().cloned())
        .unwrap_or_else(|| "中国银行".into());
    let mut card = BCCardTransferParams::default();
    let payout_no = numbers.next();
    card.total_fee = Some(100);
    card.bill_no = Some(payout_no.clone());
    card.title = Some("Tour payout".into());
    card.bank_fullname = Some(bank);
    card.card_type = Some("DE".into());
    card.account_type = Some("P".into());
    card.account_no = Some("6222000000000000".into());
    card.account_name = Some("Receiver".into());
    card.mobile = Some("13800000000".into());
    if tour
        .call("bc_transfer", demo.bc_pay.bc_transfer(&card), |r| {
            format!("id {}", some(&r.id))
        })
        .is_some()
    {
        demo.record_order("TRANSFER", &payout_no, 100, "BC_TRANSFER", "");
        let completed = tour.emulator().complete_transfer(&payout_no);
        tour.hook("emulator: complete_transfer", completed, &payout_no);
        tour.webhook_settles(
            "verify_webhook + check_amount (TRANSFER)",
            "TRANSFER",
            &payout_no,
        );
    }

    let mut batch = BCBatchTransferParams::default();
    batch.batch_no = Some(numbers.next());
    batch.account_name = Some("Demo merchant".into());
    let items = [("1", 100), ("2", 200)]
        .iter()
        .map(|(id, fee)| {
            let mut item = BCBatchTransferItem::default();
            item.transfer_id = Some(format!("{}{id}", numbers.next()));
            item.receiver_account = Some(format!("receiver{id}@example.com"));
            item.receiver_name = Some(format!("Receiver {id}"));
            item.transfer_fee = Some(*fee);
            item.transfer_note = Some("Tour batch".into());
            item
        })
        .collect();
    batch.transfer_data = Some(items);
    tour.call("batch_transfer", demo.bc_pay.batch_transfer(&batch), |r| {
        format!("url {}", some(&r.url))
    });
}

fn subscriptions(tour: &mut Tour) {
    let demo = tour.demo;
    let mut plan = BCPlan::default();
    plan.name = Some("Tour plan".into());
    plan.fee = Some(100);
    plan.interval = Some("month".into());
    plan.currency = Some("CNY".into());
    let created = tour.call("create_plan", demo.bc_pay.create_plan(&plan), |r| {
        format!("id {}", some(&r.plan.id))
    });
    let plan_id = created.and_then(|r| r.plan.id.clone()).unwrap_or_default();
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = Some(true);
    tour.call("query_plans", demo.bc_query.query_plans(None), |r| {
        format!("{} plan(s)", r.plans.len())
    });
    tour.call(
        "query_plans (count_only)",
        demo.bc_query.query_plans(&criteria),
        |r| format!("total_count {}", some(&r.total_count)),
    );
    tour.call(
        "query_plan_by_id",
        demo.bc_query.query_plan_by_id(&plan_id),
        |r| format!("name {}", some(&r.plan.name)),
    );
    tour.call(
        "update_plan",
        demo.bc_pay
            .update_plan(&plan_id, Some("Tour plan, renamed"), None),
        |r| format!("id {}", r.id),
    );
    let banks = tour.call(
        "query_subscription_payment_supported_banks",
        demo.bc_query.query_subscription_payment_supported_banks(),
        |r| format!("{} banks, {} common", r.banks.len(), r.common_banks.len()),
    );
    let bank = banks
        .and_then(|r| r.banks.first().cloned())
        .unwrap_or_else(|| "中国银行".into());

    let phone = "13800000000";
    tour.call(
        "utils::send_sms_passcode",
        utils::send_sms_passcode(&demo.app, phone),
        |r| format!("sms_id {}", r.sms_id),
    );
    let sms = tour.call(
        "send_sms_passcode",
        demo.bc_pay.send_sms_passcode(phone),
        |r| format!("sms_id {}", r.sms_id),
    );
    let sms_id = sms.map(|r| r.sms_id.clone()).unwrap_or_default();
    let code = tour.emulator().last_sms_code(phone).unwrap_or_default();
    let mut subscription = BCSubscription::default();
    subscription.buyer_id = Some("tour-buyer".into());
    subscription.plan_id = Some(plan_id.clone());
    subscription.bank_name = Some(bank);
    subscription.card_no = Some("6222000000000000".into());
    subscription.id_name = Some("张三".into());
    subscription.id_no = Some("110101199003077777".into());
    subscription.mobile = Some(phone.into());
    let subscribed = tour.call(
        "subscribe",
        demo.bc_pay.subscribe(&subscription, &sms_id, &code, None),
        |r| {
            format!(
                "id {} valid {}",
                some(&r.subscription.id),
                some(&r.subscription.valid)
            )
        },
    );
    let subscription_id = subscribed
        .and_then(|r| r.subscription.id.clone())
        .unwrap_or_default();
    demo.record_order("SUBSCRIPTION", &subscription_id, 0, "BC", &subscription_id);
    let finished = tour
        .emulator()
        .finish_subscription_verification(&subscription_id, true);
    tour.hook(
        "emulator: finish_subscription_verification",
        finished,
        &subscription_id,
    );
    tour.webhook_settles(
        "verify_webhook (SUBSCRIPTION)",
        "SUBSCRIPTION",
        &subscription_id,
    );
    let pushed = tour
        .emulator()
        .webhooks()
        .into_iter()
        .find(|webhook| webhook.body["transaction_type"] == "SUBSCRIPTION");
    let verified = match pushed {
        Some(webhook) => utils::verify_legacy_sign_webhook(
            &demo.app,
            webhook.body.to_string().as_bytes(),
            &utils::BCLegacySign::default(),
        )
        .map(|verified| {
            format!(
                "{:?} of {} verified",
                verified.form, verified.transaction_id
            )
        })
        .map_err(|error| error.to_string()),
        None => Err("the emulator pushed no SUBSCRIPTION webhook".into()),
    };
    tour.check("verify_legacy_sign_webhook", verified);
    tour.call(
        "query_subscriptions",
        demo.bc_query.query_subscriptions(None),
        |r| format!("{} subscription(s)", r.subscriptions.len()),
    );
    tour.call(
        "query_subscription_by_id",
        demo.bc_query.query_subscription_by_id(&subscription_id),
        |r| {
            format!(
                "plan {} valid {}",
                some(&r.subscription.plan_id),
                some(&r.subscription.valid)
            )
        },
    );
    let mut changes = BCSubscription::default();
    changes.amount = Some(2.0);
    tour.call(
        "update_subscription",
        demo.bc_pay.update_subscription(&subscription_id, &changes),
        |r| format!("id {}", r.id),
    );
    tour.call(
        "cancel_subscription_at_period_end",
        demo.bc_pay
            .cancel_subscription_at_period_end(&subscription_id),
        |r| format!("id {}", r.id),
    );
    tour.call(
        "cancel_subscription",
        demo.bc_pay.cancel_subscription(&subscription_id),
        |r| format!("id {}", r.id),
    );
    tour.call("delete_plan", demo.bc_pay.delete_plan(&plan_id), |r| {
        format!("id {}", r.id)
    });
}

fn users_and_coupons(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    let app = &demo.app;
    let buyer = "tour-buyer";
    tour.call(
        "add_merchant_user",
        user::add_merchant_user(app, buyer),
        |_| format!("buyer_id {buyer}"),
    );
    tour.call(
        "batch_add_merchant_users",
        user::batch_add_merchant_users(app, "merchant@example.com", ["tour-a", "tour-b"]),
        |_| "2 buyers".into(),
    );
    tour.call(
        "query_merchant_users",
        user::query_merchant_users(app, None, None, None),
        |r| format!("{} user(s)", r.users.len()),
    );
    let history_no = numbers.next();
    let made = demo
        .bc_pay
        .pay(&pay_params(BCChannelType::WX_NATIVE, &history_no, 1));
    tour.call("pay (a bill to attach)", made, |r| format!("id {}", r.id));
    let bill_info = BTreeMap::from([(buyer.to_string(), vec![history_no])]);
    tour.call(
        "attach_buyer_history_bills",
        user::attach_buyer_history_bills(app, &bill_info),
        |r| {
            format!(
                "failed_bills {}",
                r.failed_bills.as_ref().map_or(0, BTreeMap::len)
            )
        },
    );

    let Some(template) = json!({"name": "Tour coupon", "type": 0, "limit_fee": 200, "discount": 1})
        .as_object()
        .cloned()
    else {
        return;
    };
    let template_id = tour.emulator().add_coupon_template(template);
    tour.check(
        "emulator: add_coupon_template",
        Ok(format!("id {template_id}")),
    );
    tour.call(
        "query_coupon_templates",
        sales::query_coupon_templates(app, None),
        |r| format!("{} template(s)", r.coupon_templates.len()),
    );
    tour.call(
        "query_coupon_template",
        sales::query_coupon_template(app, &template_id),
        |r| format!("name {}", some(&r.coupon_template.name)),
    );
    let coupon = tour.call(
        "create_coupon",
        sales::create_coupon(app, &template_id, buyer),
        |r| format!("id {}", some(&r.coupon.id)),
    );
    let coupon_id = coupon.and_then(|r| r.coupon.id.clone()).unwrap_or_default();
    let mut by_user = BCQueryCriteria::default();
    by_user.user_id = Some(buyer.into());
    tour.call("query_coupons", sales::query_coupons(app, &by_user), |r| {
        format!("{} coupon(s)", r.coupons.len())
    });
    tour.call("query_coupon", sales::query_coupon(app, &coupon_id), |r| {
        format!("status {}", some(&r.coupon.status))
    });

    // Pay 3 yuan with a 1-yuan coupon: the payer pays 2, and the webhook carries 2.
    let coupon_bill = numbers.next();
    let mut with_coupon = pay_params(BCChannelType::WX_NATIVE, &coupon_bill, 300);
    with_coupon.coupon_id = Some(coupon_id);
    with_coupon.buyer_id = Some(buyer.into());
    if let Some(paid) = tour.call("pay (coupon_id)", demo.bc_pay.pay(&with_coupon), |r| {
        format!("id {}", r.id)
    }) {
        let fee = demo
            .bc_query
            .query_bill_by_id(&paid.id)
            .ok()
            .and_then(|bill| bill.pay.total_fee)
            .unwrap_or(300);
        demo.record_order("PAY", &coupon_bill, fee, "WX_NATIVE", &paid.id);
        let completed = tour.emulator().complete_payment(&coupon_bill);
        tour.hook(
            "emulator: complete_payment (coupon)",
            completed,
            format!("{coupon_bill}, pays {fee} of 300"),
        );
        tour.webhook_settles(
            "verify_webhook + check_amount (coupon)",
            "PAY",
            &coupon_bill,
        );
    }
}

fn utilities(tour: &mut Tour) {
    let demo = tour.demo;
    tour.call(
        "verify_card_factors",
        utils::verify_card_factors(
            &demo.app,
            "张三",
            "110101199003077777",
            Some("6222000000000000"),
            None,
        ),
        |r| {
            format!(
                "card_id {} auth_result {}",
                some(&r.card_id),
                some(&r.auth_result)
            )
        },
    );
    let root = utils::get_rest_root_url();
    tour.check(
        "get_rest_root_url",
        if root.ends_with("/2/") {
            Ok(root)
        } else {
            Err(root)
        },
    );
    let midnight =
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|date| date.and_hms_opt(0, 0, 0));
    let since_epoch = midnight.map(utils::local_timestamp_since_epoch);
    tour.check(
        "local_timestamp_since_epoch",
        since_epoch
            .map(|ms| format!("2026-01-01 00:00 local = {ms} ms"))
            .ok_or_else(|| "no such date".into()),
    );
    let number = utils::order_num_on_datetime();
    tour.check(
        "order_num_on_datetime",
        if number.len() == 17 {
            Ok(number)
        } else {
            Err(format!("{number} is not 17 digits"))
        },
    );
    let url = utils::fetch_code("wx0000000000000000", "https://merchant.example.com/wx");
    tour.check(
        "fetch_code",
        Ok(format!("{} bytes, open.weixin.qq.com", url.len())),
    );
    let signed = utils::app_sign(&demo.app.app_id, 1, &demo.app.app_secret);
    tour.check(
        "app_sign",
        if signed.len() == 32 {
            Ok(signed)
        } else {
            Err(format!("{signed} is not an md5"))
        },
    );
}

/// The rows as an aligned text table.
pub fn format_table(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|row| row.operation.chars().count())
        .max()
        .unwrap_or(9)
        .max(9);
    let mut out = format!(
        "{:<width$}  {:<8}  {}\n",
        "operation", "result", "key fields"
    );
    out.push_str(&format!(
        "{}  {}  {}\n",
        "-".repeat(width),
        "-".repeat(8),
        "-".repeat(40)
    ));
    for row in rows {
        let status = row.error.clone().unwrap_or_else(|| "OK".into());
        let pad = width - row.operation.chars().count();
        out.push_str(&format!(
            "{}{}  {:<8}  {}\n",
            row.operation,
            " ".repeat(pad),
            status,
            row.detail
        ));
    }
    let failed = rows.iter().filter(|row| !row.ok()).count();
    out.push_str(&format!(
        "\n{} operations: {} OK, {} failed\n",
        rows.len(),
        rows.len() - failed,
        failed
    ));
    out
}
