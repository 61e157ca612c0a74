//! The code of the README (its quick start) and of the guide pages `porting` (the Python SDK's
//! README, section by section) and `testing`, run against the emulator.
//!
//! Each block is pasted verbatim into its own module (kept out of rustfmt's reach), and
//! `documented_blocks_are_pasted_verbatim` fails when a document and this file drift apart; each
//! module's test then runs the block's function against a fresh emulator.
#![cfg(feature = "emulator")]
#![allow(clippy::field_reassign_with_default, dead_code)]

use crate::support::emulated;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use beecloud::emulator::Emulator;
use beecloud::entity::{BCBill, BCChannelType, BCPayReqParams, BCQueryReqParams};
use beecloud::{BCPay, BCQuery};

use s01_setup::start;

/// The one bill numbered `bill_no`.
fn bill(bc_query: &BCQuery, bill_no: &str) -> BCBill {
    let mut filter = BCQueryReqParams::default();
    filter.bill_no = Some(bill_no.into());
    let mut bills = bc_query.query_bills(&filter).unwrap().bills.clone();
    assert_eq!(bills.len(), 1, "{bills:?}");
    bills.remove(0)
}

/// A paid WX_NATIVE bill of 1 fen: its bill_no.
fn paid_wx_bill(emu: &Emulator, bc_pay: &BCPay) -> String {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.title = Some("README".into());
    params.total_fee = Some(1);
    let bill_no = emulated::number("readme");
    params.bill_no = Some(bill_no.clone());
    let bill = bc_pay.pay(&params).unwrap();
    emu.complete_payment(&bill.id).unwrap();
    bill_no
}

/// A webhook receiver on 127.0.0.1 that answers `success` and hands over each body.
struct WebhookReceiver {
    port: u16,
    bodies: mpsc::Receiver<Vec<u8>>,
}

impl WebhookReceiver {
    fn start() -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (sender, bodies) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    let _ = sender.send(body);
                }
                let mut stream = stream;
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsuccess",
                );
            }
        });
        WebhookReceiver { port, bodies }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/webhook", self.port)
    }

    fn first_body(&self) -> Vec<u8> {
        self.bodies
            .recv_timeout(Duration::from_secs(10))
            .expect("a webhook within 10 s")
    }
}

/// The documents whose code blocks this file runs, and how many blocks each has.
const DOCUMENTS: [(&str, &str, usize); 3] = [
    ("README.md", include_str!("../../README.md"), 1),
    (
        "src/guide/porting.md",
        include_str!("../../src/guide/porting.md"),
        20,
    ),
    (
        "src/guide/testing.md",
        include_str!("../../src/guide/testing.md"),
        1,
    ),
];

/// The ```` ```rust ```` blocks of a document, without rustdoc's hidden (`# `) lines.
fn rust_blocks(document: &str) -> Vec<String> {
    document
        .split("```rust\n")
        .skip(1)
        .map(|rest| {
            let block = rest.split("```").next().unwrap();
            let shown = block
                .lines()
                .filter(|line| !(line.starts_with("# ") || *line == "#"));
            shown.map(|line| format!("{line}\n")).collect()
        })
        .collect()
}

#[test]
fn documented_blocks_are_pasted_verbatim() {
    let this_file = include_str!("readme_flows.rs");
    for (name, document, count) in DOCUMENTS {
        let blocks = rust_blocks(document);
        assert_eq!(
            blocks.len(),
            count,
            "a block of {name} was added or removed: paste it here"
        );
        for block in blocks {
            assert!(
                this_file.contains(&block),
                "not pasted verbatim here from {name}:\n{block}"
            );
        }
    }
}

#[rustfmt::skip]
mod quick_start {
use std::time::Duration;

use beecloud::emulator::Emulator;
use beecloud::entity::{BCChannelType, BCPayReqParams, BCRefundReqParams};
use beecloud::utils::{order_num_on_beijing_datetime, order_num_on_datetime};
use beecloud::utils::{receive_webhook, BCWebhookReceipt};
use beecloud::BCPay;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start()?; // a local BeeCloud
    let bc_app = emulator.bc_app();
    let webhooks = emulator.webhook_sink(); // stands in for your webhook URL
    let bc_pay = BCPay::new(bc_app.clone());

    let mut payment = BCPayReqParams::default();
    payment.channel = Some(BCChannelType::WX_NATIVE);
    payment.title = Some("一杯咖啡".into());
    payment.total_fee = Some(1); // fen
    payment.bill_no = Some(order_num_on_datetime());
    let bill = bc_pay.pay(&payment)?;
    println!("QR code content for the payer: {:?}", bill.code_url);
    emulator.complete_payment(&bill.id)?; // the payer scans and pays

    let pushes = webhooks.wait_for(1, Duration::from_secs(5));
    let push = pushes.first().ok_or("no webhook arrived")?;
    // A push is a hint: this checks its signature and your order's amount, then asks BeeCloud.
    let receipt = receive_webhook(&bc_app, push.body.as_bytes(), None, |_push| Some(1));
    let BCWebhookReceipt::Accepted(paid) = &receipt else {
        return Err(format!("not acted on: {receipt:?}").into());
    };
    println!("bill {} paid; answer BeeCloud {:?}", paid.transaction_id, receipt.reply());

    let mut refund = BCRefundReqParams::default();
    refund.bill_no = payment.bill_no.clone();
    refund.refund_no = Some(order_num_on_beijing_datetime()); // starts with Beijing's date
    refund.refund_fee = Some(1);
    println!("refund {} accepted", bc_pay.refund(&refund)?.id);
    Ok(())
}

    #[test]
    fn runs_as_written() {
        main().unwrap();
    }
}

#[rustfmt::skip]
mod s01_app {
pub fn block() {
use beecloud::entity::BCApp;

let mut bc_app = BCApp::default();
bc_app.app_id = "your app id".into();
// app secret signs payments and queries
bc_app.app_secret = "your app secret".into();
// master secret signs refunds and transfers, and verifies webhooks
bc_app.master_secret = "your app master secret".into();
}
}

#[rustfmt::skip]
mod s01_test_mode {
pub fn block() {
use beecloud::entity::BCApp;

let mut bc_app = BCApp::default();
// never in production: the live server would refuse the signatures
bc_app.is_test_mode = true;
bc_app.app_id = "your app id".into();
bc_app.test_secret = "your app test secret".into();
}
}

#[rustfmt::skip]
mod s01_setup {
use beecloud::entity::BCApp;
use beecloud::pay::BCPay;
use beecloud::query::BCQuery;

fn setup(bc_app: BCApp) -> (BCPay, BCQuery) {
    let mut bc_pay = BCPay::default();
    bc_pay.register_app(bc_app.clone());
    let mut bc_query = BCQuery::default();
    bc_query.register_app(bc_app);
    (bc_pay, bc_query)
}

    /// A fresh emulator and this set-up over it.
    pub fn start() -> (beecloud::emulator::Emulator, BCPay, BCQuery) {
        let emu = beecloud::emulator::Emulator::start_with(super::emulated::fast_config()).unwrap();
        let (bc_pay, bc_query) = setup(emu.bc_app());
        (emu, bc_pay, bc_query)
    }
}

#[rustfmt::skip]
mod s02_pay {
use beecloud::entity::{BCChannelType, BCPayReqParams};
use beecloud::{BCError, BCPay};
use beecloud::serde_json::json;

fn pay(bc_pay: &BCPay) -> Result<(), BCError> {
    let mut req_params = BCPayReqParams::default();
    req_params.channel = Some(BCChannelType::UN_WEB);
    req_params.title = Some("支付测试".into());
    // in fen
    req_params.total_fee = Some(1);
    req_params.bill_no = Some("billno123".into());
    // optional data, echoed in webhooks
    req_params.optional = json!({"lang": "rust", "中文key": "中文value"}).as_object().cloned();
    // where the payer lands after paying
    req_params.return_url = Some("https://beecloud.cn/".into());
    let result = bc_pay.pay(&req_params)?;
    // UN_WEB answers a form to render; ALI_WEB a url to redirect to; WX_NATIVE a code_url to draw
    println!("{} {:?}", result.id, result.html);
    Ok(())
}

    /// The README's pay, for the refund flow.
    pub fn run(bc_pay: &BCPay) -> Result<(), BCError> {
        pay(bc_pay)
    }

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        pay(&bc_pay).unwrap();
        let bill = super::bill(&bc_query, "billno123");
        assert_eq!(bill.sub_channel, Some(BCChannelType::UN_WEB));
        assert_eq!(bill.total_fee, Some(1));
        drop(emu);
    }
}

#[rustfmt::skip]
mod s03_refund {
use beecloud::entity::{BCChannelType, BCRefundReqParams};
use beecloud::{BCError, BCPay};

fn refund(bc_pay: &BCPay) -> Result<(), BCError> {
    let mut refund_params = BCRefundReqParams::default();
    // the channel is optional
    refund_params.channel = Some(BCChannelType::UN);
    // must start with today's date in Beijing (UTC+8), whatever the server's time zone
    refund_params.refund_no = Some(beecloud::utils::order_num_on_beijing_datetime());
    refund_params.bill_no = Some("billno123".into());
    // in fen
    refund_params.refund_fee = Some(1);
    // refund_params.need_approval = Some(true);
    let result = bc_pay.refund(&refund_params)?;
    // Alipay: redirect the merchant to result.url to confirm
    println!("{} {:?}", result.id, result.url);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        super::s02_pay::run(&bc_pay).unwrap();
        emu.complete_payment("billno123").unwrap();
        // The README's refund_no helper holds on any host zone (CI runs this under TZ=Pacific/Honolulu).
        refund(&bc_pay).unwrap();
        let mut filter = beecloud::entity::BCQueryReqParams::default();
        filter.bill_no = Some("billno123".into());
        let refunds = bc_query.query_refunds(&filter).unwrap();
        assert_eq!(refunds.refunds.len(), 1);
        assert_eq!(refunds.refunds[0].refund_fee, Some(1));
    }
}

#[rustfmt::skip]
mod s04_audit {
use beecloud::entity::{BCChannelType, BCPreRefundAuditParams};
use beecloud::{BCError, BCPay};

fn audit(bc_pay: &BCPay) -> Result<(), BCError> {
    let mut req_params = BCPreRefundAuditParams::default();
    req_params.channel = Some(BCChannelType::WX);
    req_params.ids = Some(vec!["pre_refund_id1".into(), "pre_refund_id2".into()]);
    req_params.agree = Some(true);
    let result = bc_pay.audit_pre_refunds(&req_params)?;
    // one entry per pre-refund: "OK" or the reason; Alipay: redirect to result.url
    println!("{:?} {:?}", result.result_map, result.url);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (_emu, bc_pay, _bc_query) = super::start();
        // The README's ids name no pre-refund here: the audit answers, per id, why.
        audit(&bc_pay).unwrap();
    }
}

#[rustfmt::skip]
mod s05_transfers {
use beecloud::entity::{
    BCBatchTransferItem, BCBatchTransferParams, BCCardTransferParams, BCChannelType, BCTransferRedPack,
    BCTransferReqParams,
};
use beecloud::utils::order_num_on_datetime;
use beecloud::{BCError, BCPay};

fn transfers(bc_pay: &BCPay) -> Result<(), BCError> {
    // a WeChat red pack
    let mut transfer_params = BCTransferReqParams::default();
    transfer_params.channel = Some(BCChannelType::WX_REDPACK);
    transfer_params.desc = Some("打款说明".into());
    // WeChat: 10 digits
    transfer_params.transfer_no = Some("0123456789".into());
    // red packs: 1.00–200 yuan, in fen
    transfer_params.total_fee = Some(100);
    transfer_params.channel_user_id = Some("receiver_wechat_open_id".into());
    let mut redpack = BCTransferRedPack::default();
    redpack.send_name = Some("BeeCloud".into());
    redpack.wishing = Some("BeeCloud祝福开发者工作顺利".into());
    redpack.act_name = Some("BeeCloud开发者测试中".into());
    transfer_params.redpack_info = Some(redpack);
    let result = bc_pay.transfer(&transfer_params)?;
    // result_code 0: sent; Alipay: redirect to result.url
    println!("{:?}", result.url);

    // a BeeCloud payout to a bank card (trade_source defaults to OUT_PC)
    let mut card_params = BCCardTransferParams::default();
    card_params.total_fee = Some(1);
    card_params.bill_no = Some(order_num_on_datetime());
    card_params.title = Some("比可企业打款测试".into());
    card_params.bank_fullname = Some("中国银行".into());
    // DE debit, CR credit; P personal, C corporate
    card_params.card_type = Some("DE".into());
    card_params.account_type = Some("C".into());
    card_params.account_no = Some("5300000".into());
    card_params.account_name = Some("苏州比可网络科技有限公司".into());
    card_params.mobile = Some("1850000".into());
    // the final outcome arrives by webhook
    bc_pay.bc_transfer(&card_params)?;

    // an Alipay batch (channel defaults to ALI)
    let mut batch_params = BCBatchTransferParams::default();
    batch_params.batch_no = Some("abcdefg1234567".into());
    batch_params.account_name = Some("苏州比可网络科技有限公司".into());
    let mut item1 = BCBatchTransferItem::default();
    item1.transfer_id = Some(order_num_on_datetime() + "a");
    item1.receiver_account = Some("1234567".into());
    item1.receiver_name = Some("某人1".into());
    item1.transfer_fee = Some(1);
    item1.transfer_note = Some("rust支付宝批量打款item1".into());
    batch_params.transfer_data = Some(vec![item1]);
    let result = bc_pay.batch_transfer(&batch_params)?;
    // redirect to result.url to confirm
    println!("{:?}", result.url);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, _bc_query) = super::start();
        transfers(&bc_pay).unwrap();
        let paths: Vec<_> = emu.requests().into_iter().map(|request| request.path).collect();
        assert_eq!(paths, ["/2/rest/transfer", "/2/rest/bc_transfer", "/2/rest/transfers"]);
    }
}

#[rustfmt::skip]
mod s06_queries {
use beecloud::entity::{BCChannelType, BCQueryReqParams};
use beecloud::{BCError, BCQuery};

fn queries(bc_query: &BCQuery) -> Result<(), BCError> {
    let mut query_params = BCQueryReqParams::default();
    // leave channel unset for every channel
    query_params.channel = Some(BCChannelType::WX);
    // only paid bills
    query_params.spay_result = Some(true);
    let result = bc_query.query_bills(&query_params)?;
    for bill in &result.bills {
        println!("{:?} {:?} {:?}", bill.bill_no, bill.total_fee, bill.spay_result);
    }
    // the number of bills matching (not the page length, which is result.count())
    println!("{}", bc_query.query_bills_count(&query_params)?.count);

    let mut refund_query = BCQueryReqParams::default();
    refund_query.channel = Some(BCChannelType::WX);
    let result = bc_query.query_refunds(&refund_query)?;
    for refund in &result.refunds {
        println!("{:?} {:?}", refund.refund_no, refund.result);
    }
    println!("{}", bc_query.query_refunds_count(&refund_query)?.count);
    // no filters at all
    bc_query.query_bills(None)?;
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        let bill = super::paid_wx_bill(&emu, &bc_pay);
        queries(&bc_query).unwrap();
        assert_eq!(super::bill(&bc_query, &bill).spay_result, Some(true));
    }
}

#[rustfmt::skip]
mod s10_by_id {
use beecloud::{BCError, BCQuery};

fn by_id(bc_query: &BCQuery, bill_id: &str, refund_id: &str, refund_no: &str) -> Result<(), BCError> {
    let bill = bc_query.query_bill_by_id(bill_id)?;
    println!("{:?}", bill.pay.spay_result);
    let refund = bc_query.query_refund_by_id(refund_id)?;
    println!("{:?}", refund.refund.finish);
    let status = bc_query.query_refund_status("WX", refund_no)?;
    println!("{}", status.refund_status);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, _bc_query) = super::start();
        let bill_no = super::paid_wx_bill(&emu, &bc_pay);
        let bc_query = beecloud::BCQuery::new(emu.bc_app());
        let bill_id = super::bill(&bc_query, &bill_no).id.unwrap();
        let mut refund = beecloud::entity::BCRefundReqParams::default();
        let refund_no = beecloud::utils::order_num_on_beijing_datetime();
        refund.refund_no = Some(refund_no.clone());
        refund.bill_no = Some(bill_no);
        refund.refund_fee = Some(1);
        let refund_id = bc_pay.refund(&refund).unwrap().id.clone();
        by_id(&bc_query, &bill_id, &refund_id, &refund_no).unwrap();
    }
}

#[rustfmt::skip]
mod s13_subscriptions {
use beecloud::entity::{BCQueryCriteria, BCSubscription};
use beecloud::{BCError, BCPay, BCQuery};

fn subscriptions(bc_pay: &BCPay, bc_query: &BCQuery, ask_user_for_sms_code: impl Fn() -> String) -> Result<(), BCError> {
    let plans = bc_query.query_plans(None)?;
    let banks = bc_query.query_subscription_payment_supported_banks()?;
    println!("{:?} {:?}", banks.common_banks, banks.banks);

    let sms = bc_pay.send_sms_passcode("13800000000")?;
    let mut param = BCSubscription::default();
    param.buyer_id = Some("your_system_buyer_id".into());
    param.plan_id = plans.plans.first().and_then(|plan| plan.id.clone());
    param.bank_name = Some("中国银行".into());
    param.card_no = Some("bank_card_number".into());
    param.id_name = Some("name_on_id_card".into());
    param.id_no = Some("id_card_number".into());
    // the phone bound to the card
    param.mobile = Some("13800000000".into());
    let result = bc_pay.subscribe(&param, &sms.sms_id, &ask_user_for_sms_code(), None)?;
    // valid == Some(true): active now; otherwise wait for the webhook
    let subscription_id = result.subscription.id.clone().unwrap_or_default();

    let mut criteria = BCQueryCriteria::default();
    criteria.limit = Some(8);
    criteria.buyer_id = Some("your_system_buyer_id".into());
    for subscription in &bc_query.query_subscriptions(&criteria)?.subscriptions {
        println!("{:?} {:?}", subscription.id, subscription.valid);
    }
    let cancelled = bc_pay.cancel_subscription(&subscription_id)?;
    println!("{}", cancelled.id);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        let mut plan = beecloud::entity::BCPlan::default();
        plan.name = Some("monthly".into());
        plan.fee = Some(100);
        plan.interval = Some("month".into());
        bc_pay.create_plan(&plan).unwrap();
        subscriptions(&bc_pay, &bc_query, || emu.last_sms_code("13800000000").unwrap()).unwrap();
    }
}

#[rustfmt::skip]
mod s14_verify {
use beecloud::entity::BCApp;
use beecloud::utils::verify_card_factors;

fn verify(bc_app: &BCApp) {
    match verify_card_factors(bc_app, "name", "id card number", Some("bank card number"), Some("phone number")) {
        Ok(result) => println!("verified: {:?} {:?}", result.auth_result, result.card_id),
        Err(e) => println!("{:?} {}", e.result_code(), e.err_detail()),
    }
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, _bc_pay, _bc_query) = super::start();
        verify(&emu.bc_app());
        let requests = emu.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].path, "/2/auth");
    }
}

#[rustfmt::skip]
mod s15_users {
use std::collections::BTreeMap;

use beecloud::entity::{BCApp, BCPayReqParams};
use beecloud::user::{add_merchant_user, attach_buyer_history_bills, batch_add_merchant_users, query_merchant_users};
use beecloud::BCError;

/// `merchant_account`: the e-mail (or phone) of your BeeCloud account
fn users(bc_app: &BCApp, merchant_account: &str) -> Result<(), BCError> {
    add_merchant_user(bc_app, "merchant_rust_user1")?;
    batch_add_merchant_users(bc_app, merchant_account, ["merchant_rust_user2", "merchant_rust_user3"])?;
    let res = query_merchant_users(bc_app, None, Some(1499788800000), None)?;
    for user in &res.users {
        println!("{:?}", user.buyer_id);
    }
    // link earlier bills to their buyers
    let bill_info = BTreeMap::from([
        ("merchant_rust_user1".to_string(), vec!["test1499839192".to_string()]),
        ("merchant_rust_user2".to_string(), vec!["test1499839169".to_string(), "test1499839127".to_string()]),
    ]);
    let res = attach_buyer_history_bills(bc_app, &bill_info)?;
    println!("not linked: {:?}", res.failed_bills);
    // new bills: always pass the buyer
    let mut req_params = BCPayReqParams::default();
    req_params.buyer_id = Some("merchant_rust_user1".into());
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, _bc_pay, _bc_query) = super::start();
        users(&emu.bc_app(), "merchant@example.com").unwrap();
        let users = beecloud::user::query_merchant_users(&emu.bc_app(), None, None, None).unwrap();
        assert_eq!(users.users.len(), 3);
    }
}

#[rustfmt::skip]
mod s16_coupons {
use beecloud::entity::{BCApp, BCPayReqParams, BCQueryCriteria};
use beecloud::sales::{create_coupon, query_coupon, query_coupon_template, query_coupon_templates, query_coupons};
use beecloud::BCError;

fn coupons(bc_app: &BCApp, template_id: &str, user_id: &str) -> Result<(), BCError> {
    let result = query_coupon_template(bc_app, template_id)?;
    println!("{:?}", result.coupon_template.name);

    let mut query_criteria = BCQueryCriteria::default();
    query_criteria.name = Some("template-name".into());
    if let Some(template) = query_coupon_templates(bc_app, &query_criteria)?.coupon_templates.first() {
        println!("{:?}", template.name);
    }

    let coupon = create_coupon(bc_app, template_id, user_id)?.coupon.clone();
    println!("{:?} {:?}", coupon.id, coupon.template.as_ref().and_then(|t| t.name.clone()));
    let coupon_id = coupon.id.clone().unwrap_or_default();
    let coupon = query_coupon(bc_app, &coupon_id)?.coupon.clone();
    println!("{:?}", coupon.user_id);

    let mut query_criteria = BCQueryCriteria::default();
    query_criteria.template_id = Some(template_id.into());
    for coupon in &query_coupons(bc_app, &query_criteria)?.coupons {
        println!("{:?}", coupon.user_id);
    }
    // pay with a coupon: the undiscounted total_fee and the coupon's id (buyer_id = its user_id)
    let mut req_params = BCPayReqParams::default();
    req_params.coupon_id = Some(coupon_id);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, _bc_pay, _bc_query) = super::start();
        let template = serde_json::json!({"name": "template-name", "limit_fee": 0, "discount": 10, "deliver_count": 0, "max_count_per_user": 5});
        let template_id = emu.add_coupon_template(template.as_object().unwrap().clone());
        coupons(&emu.bc_app(), &template_id, "user-id").unwrap();
        let mine = beecloud::sales::query_coupons(&emu.bc_app(), None).unwrap();
        assert_eq!(mine.coupons.len(), 1);
    }
}

#[rustfmt::skip]
mod webhooks {
use beecloud::entity::BCApp;
use beecloud::utils::{receive_webhook, BCWebhookReceipt};

/// Returns the body to answer.
fn on_webhook(bc_app: &BCApp, body: &[u8], amount_of_my_order: impl Fn(&str) -> Option<i64>) -> &'static str {
    let receipt = receive_webhook(bc_app, body, None, |push| amount_of_my_order(&push.transaction_id));
    if let BCWebhookReceipt::Accepted(push) = &receipt {
        // mark the order paid, once: webhooks repeat, so skip a (type, id) already processed
        println!("{} {} accepted", push.transaction_type, push.transaction_id);
    }
    receipt.reply() // "success" once accepted, "fail" otherwise
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, _bc_query) = super::start();
        let receiver = super::WebhookReceiver::start();
        emu.set_webhook_url(Some(&receiver.url()));
        let bill_no = super::paid_wx_bill(&emu, &bc_pay);
        let body = receiver.first_body();
        let app = emu.bc_app();
        assert_eq!(on_webhook(&app, &body, |id| (id == bill_no).then_some(1)), "success");
        // Another amount, no such order, a forged id: BeeCloud is told to resend.
        assert_eq!(on_webhook(&app, &body, |_| Some(2)), "fail");
        assert_eq!(on_webhook(&app, &body, |_| None), "fail");
        let forged = String::from_utf8(body.clone()).unwrap().replace(&bill_no, "forged00000001");
        assert_eq!(on_webhook(&app, forged.as_bytes(), |_| Some(1)), "fail");
    }
}

#[rustfmt::skip]
mod emulator_testing {
fn main() -> Result<(), Box<dyn std::error::Error>> {
use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::{BCChannelType, BCPayReqParams, BCQueryReqParams};
use beecloud::{BCPay, BCQuery};

// webhook retries 1000× faster than BeeCloud's 2, 4, 8… s
let emu = Emulator::start_with(EmulatorConfig { webhook_time_scale: 0.001, ..Default::default() })?;
let bc_pay = BCPay::new(emu.bc_app());
let bc_query = BCQuery::new(emu.bc_app());

let mut params = BCPayReqParams::default();
params.channel = Some(BCChannelType::WX_NATIVE);
params.total_fee = Some(100);
params.bill_no = Some("emulator0001".into());
params.title = Some("test".into());
let bill = bc_pay.pay(&params)?;
// code_url points at the emulator's cashier page; a test can also pay directly:
emu.complete_payment(&bill.id)?;

let mut paid = BCQueryReqParams::default();
paid.spay_result = Some(true);
assert_eq!(bc_query.query_bills_count(&paid)?.count, 1);
let bills = bc_query.query_bills(&paid)?;
assert_eq!(bills.bills[0].bill_no.as_deref(), Some("emulator0001"));
// emu.webhook_sink() collects the signed PAY webhook; its wait_for(1, timeout) returns it
Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        main().unwrap();
    }
}

#[rustfmt::skip]
mod s17_payouts {
use beecloud::entity::{BCCJTransferParams, BCCardTransferParams, BCT0TransferParams, BCT1TransferParams};
use beecloud::utils::order_num_on_datetime;
use beecloud::{BCError, BCPay, BCQuery};

fn payouts(bc_pay: &BCPay, bc_query: &BCQuery) -> Result<(), BCError> {
    // one number per payout (two calls can fall in the same millisecond)
    let stem = order_num_on_datetime();
    // T0: from the BeePay balance, the same day
    let mut t0 = BCT0TransferParams::default();
    t0.withdraw_amount = Some(100); // fen
    t0.bill_no = Some(format!("{stem}T0"));
    t0.transfer_type = Some("1".into()); // 1 personal, 2 corporate account
    t0.bank_name = Some("中国银行".into());
    t0.bank_account_no = Some("6222000011112222".into());
    t0.bank_account_name = Some("张三".into());
    t0.bank_code = Some("BOC".into());
    t0.note = Some("提现".into());
    println!("T0 payout {:?}", bc_pay.bc_t0_transfer(&t0)?.id);

    // T1: the next working day, to a bank of the T1 list
    let banks = bc_query.query_t1_transfer_supported_banks()?;
    let mut t1 = BCT1TransferParams::default();
    t1.total_fee = Some(100);
    t1.bill_no = Some(format!("{stem}T1"));
    t1.is_personal = Some("1".into()); // 1 personal, 0 corporate account
    t1.bank_name = banks.banks.first().cloned();
    t1.bank_account_no = Some("6222000011112222".into());
    t1.bank_account_name = Some("张三".into());
    bc_pay.bc_t1_transfer(&t1)?;

    // CJ (Chanpay)
    let mut cj = BCCJTransferParams::default();
    cj.total_fee = Some(100);
    cj.bill_no = Some(format!("{stem}CJ"));
    cj.title = Some("佣金".into());
    cj.bank_name = Some("中国工商银行".into());
    cj.bank_branch = Some("中国工商银行上海分行".into());
    cj.province = Some("上海".into());
    cj.city = Some("上海".into());
    cj.card_type = Some("DEBIT".into()); // or CREDIT
    cj.card_attribute = Some("C".into()); // C personal, B corporate
    cj.bank_account_no = Some("6222000011112222".into());
    cj.account_name = Some("张三".into());
    bc_pay.cj_transfer(&cj)?;

    // JD: the fields of bc_transfer; the SDK adds channel = JD_TRANSFER
    let banks = bc_query.query_jd_transfer_supported_banks(Some("P_DE"))?;
    let mut jd = BCCardTransferParams::default();
    jd.total_fee = Some(100);
    jd.bill_no = Some(format!("{stem}JD"));
    jd.title = Some("佣金".into());
    jd.bank_fullname = banks.banks.first().cloned();
    jd.card_type = Some("DE".into());
    jd.account_type = Some("P".into());
    jd.account_no = Some("6222000011112222".into());
    jd.account_name = Some("张三".into());
    // where the TRANSFER webhook goes (bc_transfer takes it too)
    jd.notify_url = Some("https://merchant.example/payouts".into());
    bc_pay.jd_transfer(&jd)?;
    Ok(())
}

    /// The README's payouts, for the payout queries.
    pub fn run(bc_pay: &BCPay, bc_query: &BCQuery) {
        payouts(bc_pay, bc_query).unwrap();
    }

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        payouts(&bc_pay, &bc_query).unwrap();
        // Four payouts, each in progress until the bank answers.
        let payouts = bc_query.transfers_iter(None).collect::<Result<Vec<_>, _>>().unwrap();
        assert_eq!(payouts.len(), 4, "{payouts:?}");
        assert!(payouts.iter().all(|p| p.transfer_status == Some(beecloud::entity::BCTransferStatus::PROCESSING)));
        drop(emu);
    }
}

#[rustfmt::skip]
mod s18_payout_queries {
use beecloud::entity::{BCTransferQueryParams, BCTransferStatus};
use beecloud::{BCError, BCQuery};

fn payout_queries(bc_query: &BCQuery) -> Result<(), BCError> {
    let mut filters = BCTransferQueryParams::default();
    filters.transfer_status = Some(BCTransferStatus::PROCESSING);
    filters.limit = Some(50); // 10 to 50
    for payout in &bc_query.query_transfers(&filters)?.transfers {
        println!("{:?} {:?} {:?}", payout.bill_no, payout.total_fee, payout.bank_full_name);
    }
    // need_detail, skip and limit do not apply to counts
    filters.limit = None;
    println!("{} in progress", bc_query.query_transfers_count(&filters)?.count);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        super::s17_payouts::run(&bc_pay, &bc_query);
        payout_queries(&bc_query).unwrap();
        let mut filters = BCTransferQueryParams::default();
        filters.transfer_status = Some(BCTransferStatus::PROCESSING);
        assert_eq!(bc_query.query_transfers_count(&filters).unwrap().count, 4);
        drop(emu);
    }
}

#[rustfmt::skip]
mod s19_gateway_and_express {
use beecloud::entity::{BCBillConfirmParams, BCChannelType, BCPayReqParams};
use beecloud::utils::order_num_on_datetime;
use beecloud::{BCError, BCPay, BCQuery};
use beecloud::serde_json::json;

/// `sms_code_from_payer` asks the payer for the code of the SMS the BC_EXPRESS `pay` sent.
fn gateway_and_express(
    bc_pay: &BCPay,
    bc_query: &BCQuery,
    sms_code_from_payer: impl Fn() -> String,
) -> Result<(), BCError> {
    let stem = order_num_on_datetime();
    // "1" credit, "2" debit cards; "B2C" or "B2B"
    let banks = bc_query.query_bc_gateway_banks("2", Some("B2C"))?;
    let mut gateway = BCPayReqParams::default();
    gateway.channel = Some(BCChannelType::BC_GATEWAY);
    gateway.total_fee = Some(1);
    gateway.bill_no = Some(format!("{stem}GW"));
    gateway.title = Some("网关支付".into());
    gateway.card_type = Some("2".into());
    gateway.pay_type = Some("B2C".into());
    gateway.bank = banks.banks.first().cloned();
    gateway.return_url = Some("https://merchant.example/return".into());
    println!("render {:?}", bc_pay.pay(&gateway)?.html);

    let mut express = BCPayReqParams::default();
    express.channel = Some(BCChannelType::BC_EXPRESS);
    express.total_fee = Some(1);
    express.bill_no = Some(format!("{stem}EX"));
    express.title = Some("快捷支付".into());
    express.buyer_id = Some("buyer-1".into());
    // a first payment names the card by four factors; later ones send {"token": bill.token}
    express.optional = json!({"phone_no": "13800000000", "card_no": "6222000011112222",
        "id_no": "320101199001011234", "customer_name": "张三"}).as_object().cloned();
    let bill = bc_pay.pay(&express)?;
    let mut confirm = BCBillConfirmParams::default();
    confirm.token = bill.token.clone();
    confirm.bc_bill_id = Some(bill.id.clone());
    confirm.verify_code = Some(sms_code_from_payer());
    // Ok: accepted; the PAY webhook says when the money moved
    bc_pay.confirm_bill(&confirm)?;
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        gateway_and_express(&bc_pay, &bc_query, || emu.last_sms_code("13800000000").unwrap()).unwrap();
        let bills = bc_query.bills_iter(None).collect::<Result<Vec<_>, _>>().unwrap();
        let channels: Vec<_> = bills.iter().filter_map(|bill| bill.sub_channel.clone()).collect();
        assert!(channels.contains(&BCChannelType::BC_GATEWAY) && channels.contains(&BCChannelType::BC_EXPRESS), "{channels:?}");
        // The real code confirmed the BC_EXPRESS bill: it is paid.
        let express = bills.iter().find(|bill| bill.sub_channel == Some(BCChannelType::BC_EXPRESS)).unwrap();
        assert!(express.spay_result == Some(true), "{express:?}");
        drop(emu);
    }
}

#[rustfmt::skip]
mod s20_card_signing {
use beecloud::entity::{BCCardChargeSignParams, BCCardSignParams, BCChannelType, BCPayReqParams};
use beecloud::utils::order_num_on_datetime;
use beecloud::{BCError, BCPay};

/// `sms_code_from_payer` asks the payer for the code of the SMS `send_sms_passcode` sent.
fn card_signing(bc_pay: &BCPay, sms_code_from_payer: impl Fn() -> String) -> Result<(), BCError> {
    let mut identity = BCCardSignParams::default();
    identity.id_name = Some("张三".into());
    identity.id_no = Some("320101199001011234".into());
    identity.card_no = Some("6222000011112222".into());
    identity.mobile = Some("13800000000".into());
    identity.bank = Some("中国银行".into());
    // asynchronous: the SIGN webhook says whether the card is signed
    let signed = bc_pay.card_sign(&identity)?;
    // or synchronous: verify, then sign
    if let Some(card_id) = &bc_pay.card_sync_verify(&identity)?.card_id {
        bc_pay.card_sync_sign(card_id)?;
    }
    // the 2016 route, with an SMS code
    let sms = bc_pay.send_sms_passcode("13800000000")?;
    let mut legacy = BCCardChargeSignParams::default();
    legacy.mobile = Some("13800000000".into());
    legacy.bank = Some("中国银行".into());
    legacy.id_no = Some("320101199001011234".into());
    legacy.name = Some("张三".into());
    legacy.card_no = Some("6222000011112222".into());
    legacy.sms_id = Some(sms.sms_id.clone());
    legacy.sms_code = Some(sms_code_from_payer());
    bc_pay.card_charge_sign(&legacy)?;

    let mut charge = BCPayReqParams::default();
    charge.channel = Some(BCChannelType::BC_CARD_CHARGE);
    charge.total_fee = Some(1);
    charge.bill_no = Some(order_num_on_datetime());
    charge.title = Some("代扣".into());
    charge.card_id = signed.card_id.clone();
    bc_pay.pay(&charge)?;
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, _bc_query) = super::start();
        card_signing(&bc_pay, || emu.last_sms_code("13800000000").unwrap()).unwrap();
        // The asynchronous signing and the two synchronous steps were recorded.
        let paths: Vec<String> = emu.requests().iter().map(|request| request.path.clone()).collect();
        for path in ["/2/card/sign", "/2/card/sync_verify", "/2/card/sync_sign", "/2/sign", "/2/rest/bill"] {
            assert!(paths.iter().any(|p| p == path), "{path} not in {paths:?}");
        }
        drop(emu);
    }
}

#[rustfmt::skip]
mod s21_sandbox_and_refund_status {
use beecloud::entity::{BCChannelType, BCPayReqParams};
use beecloud::utils::order_num_on_datetime;
use beecloud::{BCError, BCPay, BCQuery};

fn sandbox_and_refund_status(sandbox_pay: &BCPay, bc_query: &BCQuery) -> Result<(), BCError> {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.total_fee = Some(1);
    params.bill_no = Some(order_num_on_datetime());
    params.title = Some("沙箱测试".into());
    let bill = sandbox_pay.pay(&params)?;
    // the record id, not the bill_no
    sandbox_pay.sandbox_notify(&bill.id)?;

    let status = bc_query.query_refund_status_with_bill_update(BCChannelType::WX, "20261201001")?;
    println!("{}", status.refund_status);
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, _bc_pay, bc_query) = super::start();
        let mut sandbox_app = emu.bc_app();
        sandbox_app.is_test_mode = true;
        let sandbox_pay = BCPay::new(sandbox_app);
        // The README's refund_no is an example: unknown here, so the server says so.
        let err = sandbox_and_refund_status(&sandbox_pay, &bc_query).unwrap_err();
        assert!(err.result_code().is_some_and(|code| code > 0), "{err:?}");
        drop(emu);
    }
}

#[rustfmt::skip]
mod s22_pages {
use beecloud::entity::{BCApp, BCQueryCriteria, BCQueryReqParams};
use beecloud::{sales, BCError, BCQuery};

fn every_record(bc_app: &BCApp, bc_query: &BCQuery, until_ms: i64) -> Result<(), BCError> {
    let mut params = BCQueryReqParams::default();
    params.spay_result = Some(true);
    params.end_time = Some(until_ms);
    let mut paid = 0;
    for bill in bc_query.bills_iter(&params) {
        paid += bill?.total_fee.unwrap_or(0);
    }
    println!("paid {paid} fen");

    let failed_payouts = bc_query.transfers_iter(None).filter(|payout| {
        payout.as_ref().map_or(true, |p| p.spay_result == Some(false))
    });
    println!("{} payouts not paid (or errors)", failed_payouts.count());

    let mut criteria = BCQueryCriteria::default();
    criteria.user_id = Some("buyer-1".into());
    let coupons: Vec<_> = sales::coupons_iter(bc_app, &criteria).collect::<Result<_, _>>()?;
    println!("{} coupons", coupons.len());
    Ok(())
}

    #[test]
    fn runs_against_the_emulator() {
        let (emu, bc_pay, bc_query) = super::start();
        for _ in 0..3 {
            super::paid_wx_bill(&emu, &bc_pay);
        }
        let until_ms = emu.now_ms() + 1;
        every_record(&emu.bc_app(), &bc_query, until_ms).unwrap();
    }
}
