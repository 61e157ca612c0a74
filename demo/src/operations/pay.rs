//! Pay and bills: online and in-store payments, the gateway's banks, PayPal, bill queries.

use beecloud::BCChannelType;
use beecloud::entity::{
    BCInternationalPayParams, BCPayPalCreditCard, BCPayReqParams, BCQueryReqParams,
    BCRefundReqParams,
};
use serde_json::{Map, Value};

use super::{
    BankList, Failure, Field, NEW_ORDER_NO, OFFLINE_CHANNELS, OpResult, Operation, Outcome,
    PARENT_CHANNELS, PAY_CHANNELS, TRI_STATE, beijing_time, channel, expecting, flag, integer,
    json_object, link, required, required_integer, shown,
};
use crate::Demo;
use crate::http::{Form, Incoming, percent_encode};
use crate::view::{Block, Inline, View, cell};

const PAY_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PAY_CHANNELS).default("WX_NATIVE"),
    Field::text("title", "title")
        .default("Demo order 演示订单")
        .help("at most 16 Chinese characters / 32 bytes"),
    Field::number("total_fee", "amount (fen)")
        .default("1")
        .help("1 fen = ¥0.01"),
    Field::text("bill_no", "bill_no")
        .default(NEW_ORDER_NO)
        .help("8–32 letters and digits"),
    Field::number("bill_timeout", "bill_timeout (s)"),
    Field::text("optional", "optional (JSON)").help("echoed in webhooks"),
    Field::banks("bank", "bank", BankList::Gateway).only(&["BC_GATEWAY"]),
    Field::text("openid", "openid")
        .default("o3kKrjlUsMnv__cK5DYZMl0JoAkY")
        .help("from utils::fetch_open_id")
        .only(&["WX_JSAPI", "BC_WX_JSAPI", "WX_MINI"]),
    // BC_EXPRESS's first pay names the card by four factors, sent in `optional`.
    Field::text("phone_no", "phone_no")
        .default("13800000000")
        .help("receives the SMS code for confirm_bill")
        .only(&["BC_EXPRESS"]),
    Field::text("card_no", "card_no")
        .default("6222000011112222")
        .only(&["BC_EXPRESS"]),
    Field::text("id_no", "id_no")
        .default("320101199001011234")
        .only(&["BC_EXPRESS"]),
    Field::text("customer_name", "customer_name")
        .default("张三")
        .only(&["BC_EXPRESS"]),
    Field::text("identity_id", "identity_id")
        .default("demobuyer1")
        .only(&["YEE_WAP"]),
    Field::text("cardno", "cardno")
        .default("12345678901234567")
        .only(&["YEE_NOBANKCARD"]),
    Field::text("cardpwd", "cardpwd")
        .default("123456789012345678")
        .only(&["YEE_NOBANKCARD"]),
    Field::text("frqid", "frqid")
        .default("SZX")
        .only(&["YEE_NOBANKCARD"]),
    Field::choice("qr_pay_mode", "qr_pay_mode", &["0", "1", "3"]).only(&["ALI_QRCODE"]),
    Field::text("buyer_id", "buyer_id").help("required with coupon_id"),
    Field::text("coupon_id", "coupon_id"),
    Field::text("return_url", "return_url").help("blank: this demo's /return page"),
];

const QUERY_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::choice("spay_result", "spay_result (paid)", TRI_STATE),
    Field::check("need_detail", "need_detail"),
    Field::number("skip", "skip"),
    Field::number("limit", "limit").default("10"),
    Field::text("start_time", "created from (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
const QUERY_COUNT_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::choice("spay_result", "spay_result (paid)", TRI_STATE),
    Field::text("start_time", "created from (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "pay", call: "BCPay::pay", summary: "Creates an online bill; the result says how the payer pays.", fields: PAY_FIELDS, run: pay },
    Operation { name: "query_bc_gateway_supported_banks", call: "BCQuery::query_bc_gateway_supported_banks", summary: "The banks of BC_GATEWAY: pick one to pay with.", fields: &[], run: gateway_banks },
    Operation { name: "international_pay", call: "BCPay::international_pay", summary: "PayPal: the payer approves at url, or a card is charged at once.", fields: &[
        Field::choice("channel", "channel", &["PAYPAL_PAYPAL", "PAYPAL_CREDITCARD", "PAYPAL_SAVED_CREDITCARD"]),
        Field::text("title", "title").default("PayPal demo"),
        Field::number("total_fee", "total_fee (cents)").default("1"),
        Field::choice("currency", "currency", &["USD", "EUR", "GBP", "JPY", "AUD", "CAD", "HKD"]),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("card_number", "card number (PAYPAL_CREDITCARD)").default("4111111111111111"),
        Field::number("expire_month", "expire_month").default("12"),
        Field::number("expire_year", "expire_year").default("2030"),
        Field::text("cvv", "cvv").default("123"),
        Field::text("first_name", "first_name").default("Bee"),
        Field::text("last_name", "last_name").default("Cloud"),
        Field::choice("card_type", "card_type", &["visa", "mastercard", "discover", "amex"]),
        Field::text("credit_card_id", "credit_card_id (PAYPAL_SAVED_CREDITCARD)"),
    ], run: international_pay },
    Operation { name: "query_bills", call: "BCQuery::query_bills", summary: "One page of bills, newest first.", fields: QUERY_FIELDS, run: query_bills },
    Operation { name: "query_bills_count", call: "BCQuery::query_bills_count", summary: "How many bills match.", fields: QUERY_COUNT_FIELDS, run: query_bills_count },
    Operation { name: "query_bill_by_id", call: "BCQuery::query_bill_by_id", summary: "A bill by BeeCloud's record id.", fields: &[Field::text("bill_id", "bill id").default("@recent:bill_id")], run: query_bill_by_id },
    Operation { name: "query_reconciliation", call: "BCQuery::query_reconciliation", summary: "Whether a bill is paid, according to BeeCloud's reconciliation (live mode).", fields: &[
        Field::text("bill_id", "bill id").default("@recent:bill_id"),
    ], run: query_reconciliation },
    Operation { name: "offline_pay", call: "BCPay::offline_pay", summary: "An in-store bill.", fields: &[
        Field::choice("channel", "channel", OFFLINE_CHANNELS),
        Field::text("title", "title").default("Store order"),
        Field::number("total_fee", "total_fee (fen)").default("1"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("auth_code", "auth_code (scan channels)").default("134567890123456789"),
        Field::text("terminal_id", "terminal_id (ALI_SCAN)").default("T001"),
        Field::text("store_id", "store_id").default("store-1"),
    ], run: offline_pay },
    Operation { name: "query_offline_bill_status", call: "BCQuery::query_offline_bill_status", summary: "Whether an in-store bill is paid.", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:offline_bill_no"), Field::choice("channel", "channel", OFFLINE_CHANNELS),
    ], run: query_offline_bill_status },
    Operation { name: "offline_revert", call: "BCPay::offline_revert", summary: "Cancels an unpaid in-store bill (WX_SCAN, ALI_OFFLINE_QRCODE, ALI_SCAN).", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:offline_bill_no"), Field::choice("channel", "channel", &["WX_SCAN", "ALI_SCAN", "ALI_OFFLINE_QRCODE"]),
    ], run: offline_revert },
    Operation { name: "offline_refund", call: "BCPay::offline_refund", summary: "Refunds a paid in-store bill.", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:offline_bill_no"), Field::choice("channel", "channel", &["WX", "ALI"]),
        Field::number("refund_fee", "refund_fee (fen)").default("1"),
        Field::text("refund_no", "refund_no").default(NEW_ORDER_NO),
    ], run: offline_refund },
];

// Pay.

fn pay(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel_name = required(form, "channel")?;
    let mut params = BCPayReqParams::default();
    let bill_no = form
        .text("bill_no")
        .unwrap_or_else(crate::state::fresh_number);
    let total_fee = integer(form, "total_fee")?.unwrap_or(1);
    params.channel = Some(BCChannelType::from(channel_name.as_str()));
    params.title = Some(
        form.text("title")
            .unwrap_or_else(|| "Demo order 演示订单".into()),
    );
    params.total_fee = Some(total_fee);
    params.bill_no = Some(bill_no.clone());
    params.bill_timeout = integer(form, "bill_timeout")?;
    params.optional = json_object(form, "optional")?;
    params.return_url = Some(
        form.text("return_url")
            .unwrap_or_else(|| demo.return_url(&bill_no)),
    );
    params.buyer_id = form.text("buyer_id");
    params.coupon_id = form.text("coupon_id");
    match channel_name.as_str() {
        "BC_GATEWAY" => params.bank = Some(required(form, "bank")?),
        "BC_EXPRESS" => {
            let optional = params.optional.get_or_insert_with(Map::new);
            for factor in ["phone_no", "card_no", "id_no", "customer_name"] {
                optional.insert(factor.to_string(), Value::from(required(form, factor)?));
            }
            // Quick pay binds the card to a buyer of the merchant.
            params.buyer_id.get_or_insert_with(|| "demo-buyer".into());
        }
        "WX_JSAPI" | "BC_WX_JSAPI" | "WX_MINI" => params.openid = Some(required(form, "openid")?),
        "WX_WAP" | "BC_WX_WAP" => {
            // WeChat H5 pay needs the payer's IP address.
            params.analysis = Some(Map::from_iter([(
                "ip".to_string(),
                Value::from(incoming.client_ip.clone()),
            )]));
        }
        "ALI_QRCODE" => {
            params.qr_pay_mode = Some(form.text("qr_pay_mode").unwrap_or_else(|| "0".into()))
        }
        "YEE_WAP" => {
            params.identity_id = Some(
                form.text("identity_id")
                    .unwrap_or_else(|| "demobuyer1".into()),
            )
        }
        "YEE_NOBANKCARD" => {
            params.cardno = Some(required(form, "cardno")?);
            params.cardpwd = Some(required(form, "cardpwd")?);
            params.frqid = Some(required(form, "frqid")?);
        }
        _ => {}
    }
    let result = expecting(demo, ("PAY", &bill_no, total_fee, &channel_name), || {
        demo.bc_pay.pay(&params)
    })?;
    // The webhook must carry what the payer paid: with a coupon that is less than total_fee.
    let expected_fee = if params.coupon_id.is_some() {
        demo.bc_query
            .query_bill_by_id(&result.id)
            .ok()
            .and_then(|bill| bill.pay.total_fee)
            .unwrap_or(total_fee)
    } else {
        total_fee
    };
    demo.record_order("PAY", &bill_no, expected_fee, &channel_name, &result.id);
    let mut view = View::new();
    view.line(vec![
        Inline::code(&channel_name),
        Inline::text(format!(
            " · {}",
            params.title.as_deref().unwrap_or_default()
        )),
    ]);
    if let Some(code) = result.code_url.as_deref().or(result.qr_code.as_deref()) {
        view.push(Block::QrPayment {
            bill_no: bill_no.clone(),
            fee: expected_fee,
            code: code.to_string(),
        });
        return bill_created(demo, &bill_no, view, &result.raw, true);
    }
    if let Some(url) = &result.url {
        return Ok(Outcome::Redirect(url.clone()));
    }
    if let Some(channel_page) = &result.html {
        return Ok(Outcome::ChannelPage(channel_page.clone()));
    }
    let mut blocks = Vec::new();
    if result.sign_type.is_some() && result.pay_sign.is_some() {
        let parameters = [
            ("appId", &result.app_id),
            ("timeStamp", &result.timestamp),
            ("nonceStr", &result.nonce_str),
            ("package", &result.package),
            ("signType", &result.sign_type),
            ("paySign", &result.pay_sign),
        ];
        blocks.push(Block::Jsapi(
            parameters
                .iter()
                .map(|(name, value)| {
                    (
                        name.to_string(),
                        value.as_deref().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
        ));
    } else {
        blocks.push(Block::Line(vec![Inline::text(
            "An app channel: hand these fields to the channel's mobile SDK (the BeeCloud app SDKs do this).",
        )]));
    }
    if let Some(emulator) = &demo.emulator {
        blocks.push(Block::Line(vec![
            Inline::text("With the emulator you can pay this bill at its "),
            Inline::link(emulator.cashier_url(&result.id), "cashier page"),
            Inline::text(" (what the WeChat / app SDK would show)."),
        ]));
    }
    blocks.push(Block::BillStatus(bill_no.clone()));
    view.push(Block::Bill {
        fee: expected_fee,
        blocks,
    });
    // The reply's fields are what the app SDK needs: shown, not folded away.
    bill_created(demo, &bill_no, view, &result.raw, false)
}

/// Keeps the page of a new bill and sends the browser to it (`/bill/{bill_no}`): post, redirect,
/// get, so reloading the page shows the same bill instead of creating another. A reply too big
/// to keep is left out of the page.
fn bill_created(
    demo: &Demo,
    bill_no: &str,
    mut view: View,
    raw: &Map<String, Value>,
    folded: bool,
) -> OpResult {
    let size = Value::Object(raw.clone()).to_string().len();
    if size <= MAX_KEPT_REPLY {
        view.reply(raw, folded);
    } else {
        view.say(format!("(the reply, {size} bytes, is too big to keep)"));
    }
    demo.keep_bill_page(bill_no, view);
    Ok(Outcome::Redirect(format!(
        "/bill/{}",
        percent_encode(bill_no)
    )))
}

/// Bytes of a pay reply (as JSON) kept on a bill's page.
const MAX_KEPT_REPLY: usize = 64 * 1024;

fn gateway_banks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let banks = demo.bc_query.query_bc_gateway_supported_banks();
    let rows = banks
        .iter()
        .map(|(code, name)| {
            vec![
                cell(*code),
                cell(*name),
                vec![Inline::post(
                    "/op/pay",
                    &[
                        ("channel", "BC_GATEWAY"),
                        ("bank", code),
                        ("total_fee", "1"),
                    ],
                    "pay ¥0.01 with this bank",
                )],
            ]
        })
        .collect();
    Ok(Outcome::Shown(
        View::new()
            .say(format!(
                "{} banks (a local table, no request).",
                banks.len()
            ))
            .table(&["code", "name", ""], rows)
            .done(),
    ))
}

fn international_pay(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel_name = form
        .text("channel")
        .unwrap_or_else(|| "PAYPAL_PAYPAL".into());
    let bill_no = form
        .text("bill_no")
        .unwrap_or_else(crate::state::fresh_number);
    let total_fee = integer(form, "total_fee")?.unwrap_or(1);
    let mut params = BCInternationalPayParams::default();
    params.channel = Some(BCChannelType::from(channel_name.as_str()));
    params.total_fee = Some(total_fee);
    params.currency = Some(form.text("currency").unwrap_or_else(|| "USD".into()));
    params.bill_no = Some(bill_no.clone());
    params.title = Some(form.text("title").unwrap_or_else(|| "PayPal demo".into()));
    match channel_name.as_str() {
        "PAYPAL_PAYPAL" => params.return_url = Some(demo.return_url(&bill_no)),
        "PAYPAL_CREDITCARD" => {
            let mut card = BCPayPalCreditCard::default();
            card.card_number = Some(required(form, "card_number")?);
            card.expire_month = Some(required_integer(form, "expire_month")?);
            card.expire_year = Some(required_integer(form, "expire_year")?);
            card.cvv = Some(required(form, "cvv")?);
            card.first_name = Some(required(form, "first_name")?);
            card.last_name = Some(required(form, "last_name")?);
            card.card_type = Some(form.text("card_type").unwrap_or_else(|| "visa".into()));
            params.credit_card_info = Some(card);
        }
        _ => params.credit_card_id = Some(required(form, "credit_card_id")?),
    }
    let result = expecting(demo, ("PAY", &bill_no, total_fee, &channel_name), || {
        demo.bc_pay.international_pay(&params)
    })?;
    demo.record_order("PAY", &bill_no, total_fee, &channel_name, &result.id);
    let mut extra = View::new();
    if let Some(url) = &result.url {
        extra.line(vec![
            Inline::text("Approve the payment at "),
            Inline::link(url, "PayPal"),
            Inline::text("."),
        ]);
    }
    if let Some(card_id) = &result.credit_card_id {
        extra.line(vec![
            Inline::text("Saved card: "),
            link(
                "/op/international_pay",
                &[
                    ("channel", "PAYPAL_SAVED_CREDITCARD"),
                    ("credit_card_id", card_id),
                ],
                card_id,
            ),
            Inline::text(" (pay with it again through PAYPAL_SAVED_CREDITCARD)."),
        ]);
    }
    extra.push(Block::BillStatus(bill_no.clone()));
    shown(&result, extra)
}

// Bills.

fn bill_filters(form: &Form) -> Result<BCQueryReqParams, Failure> {
    let mut params = BCQueryReqParams::default();
    params.channel = channel(form, "channel");
    params.bill_no = form.text("bill_no");
    params.spay_result = flag(form, "spay_result");
    params.start_time = beijing_time(form, "start_time")?;
    params.end_time = beijing_time(form, "end_time")?;
    Ok(params)
}

fn query_bills(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = bill_filters(form)?;
    params.need_detail = flag(form, "need_detail");
    params.skip = integer(form, "skip")?;
    params.limit = integer(form, "limit")?;
    let result = demo.bc_query.query_bills(&params)?;
    let rows = result
        .bills
        .iter()
        .map(|bill| {
            let bill_no = bill.bill_no.clone().unwrap_or_default();
            let paid = bill.spay_result == Some(true);
            let page = format!("/bill/{}", percent_encode(&bill_no));
            let mut actions = vec![Inline::link(&page, "details")];
            if paid {
                actions.push(Inline::text(" · "));
                actions.push(Inline::link(format!("{page}#refund"), "refund"));
            }
            vec![
                bill.create_time.map(Inline::Time).into_iter().collect(),
                vec![Inline::link(&page, &bill_no)],
                cell(
                    bill.sub_channel
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                ),
                cell(bill.title.clone().unwrap_or_default()),
                vec![Inline::Amount(bill.total_fee.unwrap_or_default())],
                if paid {
                    vec![Inline::Good("paid".into())]
                } else {
                    cell("unpaid")
                },
                cell(if bill.refund_result == Some(true) {
                    "refunded"
                } else {
                    ""
                }),
                actions,
            ]
        })
        .collect();
    Ok(Outcome::Shown(
        View::new()
            .say(format!("{} bills on this page.", result.bills.len()))
            .table(
                &[
                    "created (Beijing)",
                    "bill_no",
                    "channel",
                    "title",
                    "amount",
                    "status",
                    "refund",
                    "",
                ],
                rows,
            )
            .reply(&result.raw, true)
            .done(),
    ))
}

fn query_bills_count(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_bills_count(&bill_filters(&incoming.form)?)?;
    shown(
        &result,
        View::new().big(format!("{} bills", result.count)).done(),
    )
}

fn query_bill_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_bill_by_id(&required(&incoming.form, "bill_id")?)?;
    shown(&result, View::new())
}

fn query_reconciliation(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_reconciliation(&required(&incoming.form, "bill_id")?)?;
    shown(&result, View::new())
}

// Offline.

fn offline_pay(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel_name = required(form, "channel")?;
    let bill_no = form
        .text("bill_no")
        .unwrap_or_else(crate::state::fresh_number);
    let total_fee = integer(form, "total_fee")?.unwrap_or(1);
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::from(channel_name.as_str()));
    params.title = Some(form.text("title").unwrap_or_else(|| "Store order".into()));
    params.total_fee = Some(total_fee);
    params.bill_no = Some(bill_no.clone());
    params.store_id = form.text("store_id");
    if channel_name.contains("SCAN") {
        params.auth_code = Some(required(form, "auth_code")?);
    }
    if channel_name == "ALI_SCAN" {
        params.terminal_id = form.text("terminal_id");
    }
    let result = expecting(demo, ("PAY", &bill_no, total_fee, &channel_name), || {
        demo.bc_pay.offline_pay(&params)
    })?;
    demo.remember("offline_bill_no", &bill_no);
    demo.record_order("PAY", &bill_no, total_fee, &channel_name, &result.id);
    let mut extra = View::new();
    extra.push(
        match result.code_url.as_deref().or(result.qr_code.as_deref()) {
            Some(code) => Block::QrPayment {
                bill_no: bill_no.clone(),
                fee: total_fee,
                code: code.to_string(),
            },
            None => Block::BillStatus(bill_no.clone()),
        },
    );
    let status = [
        ("bill_no", bill_no.as_str()),
        ("channel", channel_name.as_str()),
    ];
    extra.line(vec![
        link("/op/query_offline_bill_status", &status, "poll the status"),
        Inline::text(" · "),
        link("/op/offline_revert", &status, "revert it"),
    ]);
    shown(&result, extra)
}

fn query_offline_bill_status(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let result = demo
        .bc_query
        .query_offline_bill_status(&required(form, "bill_no")?, channel(form, "channel"))?;
    let state = if result.pay_result {
        "paid"
    } else {
        "not paid"
    };
    shown(&result, View::new().big(state).done())
}

fn offline_revert(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let result = demo
        .bc_pay
        .offline_revert(&required(form, "bill_no")?, channel(form, "channel"))?;
    shown(&result, View::new())
}

fn offline_refund(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = BCRefundReqParams::default();
    let refund_no = form
        .text("refund_no")
        .unwrap_or_else(crate::state::fresh_number);
    let refund_fee = required_integer(form, "refund_fee")?;
    params.bill_no = Some(required(form, "bill_no")?);
    params.channel = channel(form, "channel");
    params.refund_fee = Some(refund_fee);
    params.refund_no = Some(refund_no.clone());
    let result = expecting(
        demo,
        ("REFUND", &refund_no, refund_fee, form.get("channel")),
        || demo.bc_pay.offline_refund(&params),
    )?;
    demo.record_order(
        "REFUND",
        &refund_no,
        refund_fee,
        form.get("channel"),
        &result.id,
    );
    shown(&result, View::new())
}
