//! Utilities (card factors, WeChat OAuth, order numbers, signatures) and the emulator's controls.

use beecloud::utils;
use serde_json::{Value, json};

use super::{
    Failure, Field, OpResult, Operation, Outcome, emulator, flag, integer, link, required,
    required_integer, shown,
};
use crate::Demo;
use crate::http::Incoming;
use crate::view::{Inline, View, cell};

/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "verify_card_factors", call: "utils::verify_card_factors", summary: "Checks name + ID number (+ card number, + phone).", fields: &[
        Field::text("name", "name").default("张三"),
        Field::text("id_no", "id_no").default("110101199003077777"),
        Field::text("card_no", "card_no").help("optional: 3 factors"),
        Field::text("mobile", "mobile").help("optional: 4 factors"),
    ], run: verify_card_factors },
    Operation { name: "fetch_code", call: "utils::fetch_code / create_fetch_open_id_url", summary: "The WeChat OAuth URLs for WX_JSAPI's openid.", fields: &[
        Field::text("wx_app_id", "WeChat app id").default("wx0000000000000000"),
        Field::text("redirect_url", "redirect_url").default("https://merchant.example.com/wx/callback"),
        Field::text("wx_app_secret", "WeChat app secret (for the openid URL)"),
        Field::text("code", "code (from the redirect)"),
    ], run: fetch_code },
    Operation { name: "fetch_open_id", call: "utils::fetch_open_id", summary: "Exchanges a WeChat OAuth code for the openid (asks WeChat: needs internet).", fields: &[
        Field::text("wx_app_id", "WeChat app id"), Field::text("wx_app_secret", "WeChat app secret"), Field::text("code", "code"),
    ], run: fetch_open_id },
    Operation { name: "order_num_on_datetime", call: "utils::order_num_on_datetime", summary: "A bill number from the local time (17 digits).", fields: &[], run: order_num },
    Operation { name: "webhook_signature", call: "utils::webhook_signature", summary: "The signature BeeCloud puts on a webhook, with the emulator's demo master secret (emulator only: with real credentials this tool does not exist).", fields: &[
        Field::text("transaction_id", "transaction_id").default("@recent:bill_no"), Field::choice("transaction_type", "transaction_type", &["PAY", "REFUND", "TRANSFER", "SUBSCRIPTION"]),
        Field::text("channel_type", "channel_type").default("WX"), Field::number("transaction_fee", "transaction_fee").default("1"),
    ], run: webhook_signature },
    Operation { name: "emulator_complete_payment", call: "Emulator::complete_payment", summary: "Pays a bill as the payer would (also possible on the cashier page).", fields: &[Field::text("bill", "bill id or bill_no").default("@recent:bill_no")], run: emulator_complete_payment },
    Operation { name: "emulator_complete_refund", call: "Emulator::complete_refund", summary: "Finishes a refund awaiting confirmation.", fields: &[Field::text("refund_id", "refund id").default("@recent:refund_id")], run: emulator_complete_refund },
    Operation { name: "emulator_complete_transfer", call: "Emulator::complete_transfer", summary: "Finishes a pending transfer (bc_transfer, ALI_TRANSFER, batch).", fields: &[Field::text("transfer", "transfer id or number").default("@recent:transfer")], run: emulator_complete_transfer },
    Operation { name: "emulator_finish_subscription_verification", call: "Emulator::finish_subscription_verification", summary: "Ends a subscription's card verification.", fields: &[
        Field::text("subscription_id", "subscription id").default("@recent:subscription_id"), Field::choice("success", "outcome", &["true", "false"]),
    ], run: emulator_finish_subscription },
    Operation { name: "emulator_last_sms_code", call: "Emulator::last_sms_code", summary: "The SMS code the emulator \"sent\".", fields: &[Field::text("phone", "phone").default("13800000000")], run: emulator_last_sms_code },
    Operation { name: "emulator_add_coupon_template", call: "Emulator::add_coupon_template", summary: "Adds a coupon template (the console's job).", fields: &[
        Field::text("name", "name").default("1 yuan off from 2 yuan"),
        Field::choice("type", "type", &["0", "1"]).help("0: amount off, 1: percentage"),
        Field::number("limit_fee", "limit_fee (fen)").default("200"),
        Field::text("discount", "discount").default("1").help("type 0: yuan off; type 1: the rate paid, such as 0.9"),
    ], run: emulator_add_coupon_template },
    Operation { name: "emulator_webhooks", call: "Emulator::webhooks", summary: "Every webhook the emulator pushed, with its delivery state.", fields: &[], run: emulator_webhooks },
];

// Utilities.

fn verify_card_factors(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let card_no = form.text("card_no");
    let mobile = form.text("mobile");
    let result = utils::verify_card_factors(
        &demo.app,
        &required(form, "name")?,
        &required(form, "id_no")?,
        card_no.as_deref(),
        mobile.as_deref(),
    )?;
    shown(&result, View::new())
}

fn fetch_code(_demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let wx_app_id = required(form, "wx_app_id")?;
    let authorize = utils::fetch_code(&wx_app_id, &required(form, "redirect_url")?);
    let mut view = View::new();
    view.line(vec![
        Inline::text("1. Send the payer's WeChat browser to the OAuth URL; WeChat comes back to redirect_url with a "),
        Inline::code("code"),
        Inline::text(":"),
    ])
    .line(vec![Inline::code(authorize)]);
    if let (Some(secret), Some(code)) = (form.text("wx_app_secret"), form.text("code")) {
        view.line(vec![
            Inline::text("2. The server exchanges the code for the openid at ("),
            Inline::code("utils::fetch_open_id"),
            Inline::text(" does it):"),
        ])
        .line(vec![Inline::code(utils::create_fetch_open_id_url(
            &wx_app_id, &secret, &code,
        ))]);
    }
    Ok(Outcome::Shown(view))
}

fn fetch_open_id(_demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let openid = utils::fetch_open_id(
        &required(form, "wx_app_id")?,
        &required(form, "wx_app_secret")?,
        &required(form, "code")?,
    )?;
    Ok(Outcome::Shown(
        View::new()
            .line(vec![
                Inline::text("openid: "),
                Inline::Strong(openid.clone()),
                Inline::text(" — "),
                link(
                    "/op/pay",
                    &[("channel", "WX_JSAPI"), ("openid", &openid)],
                    "pay with WX_JSAPI",
                ),
            ])
            .done(),
    ))
}

fn order_num(_demo: &Demo, _incoming: &Incoming) -> OpResult {
    Ok(Outcome::Shown(
        View::new().big(utils::order_num_on_datetime()).done(),
    ))
}

/// Signs with the embedded emulator's own (demo) master secret, never with real credentials:
/// without the emulator this refuses (and the server does not even route to it).
fn webhook_signature(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let emulator = emulator(demo)?;
    let signature = utils::webhook_signature(
        &emulator.config().app_id,
        &required(form, "transaction_id")?,
        &required(form, "transaction_type")?,
        &required(form, "channel_type")?,
        required_integer(form, "transaction_fee")?,
        &emulator.config().master_secret,
    );
    Ok(Outcome::Shown(
        View::new()
            .line(vec![
                Inline::text("md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee + master_secret) = "),
                Inline::code(signature),
            ])
            .done(),
    ))
}

// Emulator controls.

fn emulator_done(result: Result<(), impl std::fmt::Display>, what: &str) -> OpResult {
    result.map_err(|e| Failure::Emulator(e.to_string()))?;
    Ok(Outcome::Shown(
        View::new()
            .line(vec![
                Inline::Good(format!("{what}.")),
                Inline::text(" The webhook is on its way: see "),
                Inline::link("/webhooks", "received webhooks"),
                Inline::text("."),
            ])
            .done(),
    ))
}

fn emulator_complete_payment(demo: &Demo, incoming: &Incoming) -> OpResult {
    let bill = required(&incoming.form, "bill")?;
    emulator_done(emulator(demo)?.complete_payment(&bill), "Paid")
}

fn emulator_complete_refund(demo: &Demo, incoming: &Incoming) -> OpResult {
    let refund_id = required(&incoming.form, "refund_id")?;
    emulator_done(
        emulator(demo)?.complete_refund(&refund_id),
        "Refund finished",
    )
}

fn emulator_complete_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let transfer = required(&incoming.form, "transfer")?;
    emulator_done(
        emulator(demo)?.complete_transfer(&transfer),
        "Transfer finished",
    )
}

fn emulator_finish_subscription(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let id = required(form, "subscription_id")?;
    let success = flag(form, "success").unwrap_or(true);
    emulator_done(
        emulator(demo)?.finish_subscription_verification(&id, success),
        "Verification finished",
    )
}

fn emulator_last_sms_code(demo: &Demo, incoming: &Incoming) -> OpResult {
    let phone = required(&incoming.form, "phone")?;
    match emulator(demo)?.last_sms_code(&phone) {
        Some(code) => Ok(Outcome::Shown(View::new().big(code).done())),
        None => Err(Failure::Emulator(format!("no SMS was sent to {phone}"))),
    }
}

fn emulator_add_coupon_template(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let discount: f64 = required(form, "discount")?
        .parse()
        .map_err(|_| Failure::Input("`discount` must be a number".into()))?;
    let template = json!({
        "name": required(form, "name")?,
        "type": integer(form, "type")?.unwrap_or(0),
        "limit_fee": integer(form, "limit_fee")?.unwrap_or(0),
        "discount": discount,
    });
    let Value::Object(template) = template else {
        return Err(Failure::Input("the template is not an object".into()));
    };
    let id = emulator(demo)?.add_coupon_template(template);
    demo.remember("template_id", &id);
    Ok(Outcome::Shown(
        View::new()
            .line(vec![
                Inline::text("Template "),
                Inline::code(&id),
                Inline::text(" added: "),
                link(
                    "/op/create_coupon",
                    &[("template_id", &id)],
                    "hand out a coupon",
                ),
            ])
            .done(),
    ))
}

fn emulator_webhooks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let rows = emulator(demo)?
        .webhooks()
        .iter()
        .map(|webhook| {
            let field = |key: &str| {
                cell(
                    webhook
                        .body
                        .get(key)
                        .map(|value| value.to_string())
                        .unwrap_or_default(),
                )
            };
            vec![
                field("transaction_type"),
                field("transaction_id"),
                field("transaction_fee"),
                cell(&webhook.url),
                cell(webhook.attempts.to_string()),
                if webhook.delivered {
                    vec![Inline::Good("yes".into())]
                } else {
                    cell("no")
                },
                cell(webhook.last_response.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    Ok(Outcome::Shown(
        View::new()
            .table(
                &[
                    "type",
                    "id",
                    "fee",
                    "url",
                    "attempts",
                    "delivered",
                    "last answer",
                ],
                rows,
            )
            .done(),
    ))
}
