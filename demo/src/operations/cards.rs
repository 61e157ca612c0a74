//! The pay steps only the other official SDKs send (the BC_GATEWAY bank names, the BC_EXPRESS
//! confirmation, the app SDKs' sandbox notify) and card signing for direct debit (Java's
//! `card/*` trio, PHP's `sign`; experimental).

use beecloud::entity::{
    BCBillConfirmParams, BCCardChargeSignParams, BCCardSignParams, BCPayReqParams,
};
use beecloud::{BCChannelType, BCPay};
use serde_json::{Map, Value};

use super::{Failure, Field, OpResult, Operation, emulator, expecting, required, shown};
use crate::Demo;
use crate::http::{Form, Incoming};
use crate::state::SANDBOX_CHANNEL_PREFIX;
use crate::view::{Inline, View};

/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "query_bc_gateway_banks", call: "BCQuery::query_bc_gateway_banks", summary: "Bank names BC_GATEWAY takes today (Java/PHP; replaces the static list).", fields: &[
        Field::choice("card_type", "card_type", &["2", "1"]).help("1 credit, 2 debit card"),
        Field::choice("pay_type", "pay_type", &["", "B2C", "B2B"]),
    ], run: gateway_banks },
    Operation { name: "confirm_bill", call: "BCPay::confirm_bill", summary: "BC_EXPRESS step 2: the token and the SMS code pay the bill. Left empty, a BC_EXPRESS bill is started first.", fields: &[
        Field::text("token", "token").default("@recent:bc_express_token"),
        Field::text("bc_bill_id", "bc_bill_id (the pay result's id)").default("@recent:bc_express_bill_id"),
        Field::text("verify_code", "verify_code (SMS)").default("@recent:bc_express_code").help("empty: the emulator's SMS to 13800000000"),
    ], run: confirm_bill },
    Operation { name: "sandbox_notify", call: "BCPay::sandbox_notify", summary: "Test mode: pays a sandbox bill as the app SDKs' mock cashier does; its webhook carries the test-secret sign. Left empty, a sandbox bill is made first.", fields: &[
        Field::text("bill_id", "sandbox bill id").default("@recent:sandbox_bill_id"),
    ], run: sandbox_notify },
    Operation { name: "card_sign", call: "BCPay::card_sign", summary: "Verifies and signs a card for direct debit (Java; experimental); the SIGN webhook tells the outcome.", fields: IDENTITY, run: card_sign },
    Operation { name: "card_sync_verify", call: "BCPay::card_sync_verify", summary: "Verifies a card at once (Java; experimental) ⇒ card_id for card_sync_sign.", fields: IDENTITY, run: card_sync_verify },
    Operation { name: "card_sync_sign", call: "BCPay::card_sync_sign", summary: "Signs a verified card at once (Java; experimental).", fields: &[
        Field::text("card_id", "card_id").default("@recent:verified_card_id"),
    ], run: card_sync_sign },
    Operation { name: "card_charge_sign", call: "BCPay::card_charge_sign", summary: "The 2016 signing route with an SMS code (PHP; experimental). With the emulator an empty code is fetched for you.", fields: &[
        Field::text("name", "name").default("张三"),
        Field::text("id_no", "id_no").default("320101199001011234"),
        Field::text("card_no", "card_no").default("6222000011112222"),
        Field::text("mobile", "mobile").default("13800000000"),
        Field::text("bank", "bank").default("中国银行"),
        Field::text("sms_id", "sms_id").help("from send_sms_passcode"),
        Field::text("sms_code", "sms_code"),
    ], run: card_charge_sign },
];

const IDENTITY: &[Field] = &[
    Field::text("id_name", "id_name").default("张三"),
    Field::text("id_no", "id_no").default("320101199001011234"),
    Field::text("card_no", "card_no").default("6222000011112222"),
    Field::text("mobile", "mobile").default("13800000000"),
    Field::text("bank", "bank").default("中国银行"),
];

fn gateway_banks(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let card_type = form.text("card_type").unwrap_or_else(|| "2".into());
    let pay_type = form.text("pay_type");
    let result = demo
        .bc_query
        .query_bc_gateway_banks(&card_type, pay_type.as_deref())?;
    shown(&result, View::new())
}

/// The payer's phone of the demo's BC_EXPRESS bills (it receives the SMS code).
const EXPRESS_PHONE: &str = "13800000000";

/// Starts a BC_EXPRESS bill (four-factor form) and remembers its token and id.
fn start_bc_express(demo: &Demo) -> Result<(String, String), Failure> {
    let bill_no = crate::state::fresh_number();
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::BC_EXPRESS);
    params.bill_no = Some(bill_no.clone());
    params.total_fee = Some(1);
    params.title = Some("Quick pay demo".into());
    params.buyer_id = Some("demo-buyer".into());
    params.optional = Some(Map::from_iter(
        [
            ("phone_no", EXPRESS_PHONE),
            ("card_no", "6222000011112222"),
            ("id_no", "320101199001011234"),
            ("customer_name", "张三"),
        ]
        .map(|(key, value)| (key.to_string(), Value::from(value))),
    ));
    let bill = expecting(demo, ("PAY", &bill_no, 1, "BC_EXPRESS"), || {
        demo.bc_pay.pay(&params)
    })?;
    demo.record_order("PAY", &bill_no, 1, "BC_EXPRESS", &bill.id);
    let token = bill.token.clone().unwrap_or_default();
    demo.remember("bc_express_token", &token);
    demo.remember("bc_express_bill_id", &bill.id);
    if let Some(code) = demo
        .emulator
        .as_ref()
        .and_then(|emulator| emulator.last_sms_code(EXPRESS_PHONE))
    {
        demo.remember("bc_express_code", &code);
    }
    Ok((token, bill.id.clone()))
}

fn confirm_bill(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let (token, bill_id) = match (form.text("token"), form.text("bc_bill_id")) {
        (Some(token), Some(bill_id)) => (token, bill_id),
        _ => start_bc_express(demo)?,
    };
    let verify_code = match form.text("verify_code") {
        Some(code) => code,
        // With the emulator, do what the payer would: read the SMS and type the code in.
        None => emulator(demo)?
            .last_sms_code(EXPRESS_PHONE)
            .ok_or_else(|| Failure::Emulator("no SMS code was sent".into()))?,
    };
    let mut params = BCBillConfirmParams::default();
    params.token = Some(token);
    params.bc_bill_id = Some(bill_id);
    params.verify_code = Some(verify_code);
    let result = demo.bc_pay.confirm_bill(&params)?;
    shown(&result, paid_by_webhook())
}

fn paid_by_webhook() -> View {
    View::new()
        .line(vec![
            Inline::text("Paid; the PAY webhook follows (see "),
            Inline::link("/webhooks", "webhooks"),
            Inline::text(")."),
        ])
        .done()
}

/// The demo's app in test mode (the embedded emulator has a test secret).
fn sandbox_pay(demo: &Demo) -> BCPay {
    let mut app = demo.app.clone();
    app.is_test_mode = true;
    BCPay::new(app)
}

fn sandbox_notify(demo: &Demo, incoming: &Incoming) -> OpResult {
    let pay = sandbox_pay(demo);
    let bill_id = match incoming.form.text("bill_id") {
        Some(bill_id) => bill_id,
        None => {
            let bill_no = crate::state::fresh_number();
            let mut params = BCPayReqParams::default();
            params.channel = Some(BCChannelType::WX_NATIVE);
            params.bill_no = Some(bill_no.clone());
            params.total_fee = Some(1);
            params.title = Some("Sandbox demo".into());
            let channel = format!("{SANDBOX_CHANNEL_PREFIX}WX_NATIVE");
            let bill = expecting(demo, ("PAY", &bill_no, 1, &channel), || pay.pay(&params))?;
            demo.record_order("PAY", &bill_no, 1, &channel, &bill.id);
            demo.remember("sandbox_bill_id", &bill.id);
            bill.id.clone()
        }
    };
    let result = pay.sandbox_notify(&bill_id)?;
    shown(&result, paid_by_webhook())
}

fn identity(form: &Form) -> Result<BCCardSignParams, Failure> {
    let mut params = BCCardSignParams::default();
    params.id_name = Some(required(form, "id_name")?);
    params.id_no = Some(required(form, "id_no")?.into());
    params.card_no = Some(required(form, "card_no")?.into());
    params.mobile = Some(required(form, "mobile")?);
    params.bank = Some(required(form, "bank")?);
    Ok(params)
}

fn card_sign(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo.bc_pay.card_sign(&identity(&incoming.form)?)?;
    demo.remember("card_id", result.card_id.as_deref().unwrap_or(""));
    let extra = View::new()
        .line(vec![
            Inline::text("The SIGN webhook tells whether the card was signed (see "),
            Inline::link("/webhooks", "webhooks"),
            Inline::text(")."),
        ])
        .done();
    shown(&result, extra)
}

fn card_sync_verify(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo.bc_pay.card_sync_verify(&identity(&incoming.form)?)?;
    demo.remember("verified_card_id", result.card_id.as_deref().unwrap_or(""));
    shown(&result, View::new())
}

fn card_sync_sign(demo: &Demo, incoming: &Incoming) -> OpResult {
    let card_id = match incoming.form.text("card_id") {
        Some(card_id) => card_id,
        // Nothing verified yet: verify the demo identity first.
        None => {
            let verified = demo.bc_pay.card_sync_verify(&default_identity())?;
            verified.card_id.clone().unwrap_or_default()
        }
    };
    let result = demo.bc_pay.card_sync_sign(&card_id)?;
    shown(&result, View::new())
}

/// The identity the forms start with (a plausible one: the emulator verifies it).
fn default_identity() -> BCCardSignParams {
    let default = |name: &str| {
        IDENTITY
            .iter()
            .find(|field| field.name == name)
            .map_or(String::new(), |field| field.default.to_string())
    };
    let mut params = BCCardSignParams::default();
    params.id_name = Some(default("id_name"));
    params.id_no = Some(default("id_no").into());
    params.card_no = Some(default("card_no").into());
    params.mobile = Some(default("mobile"));
    params.bank = Some(default("bank"));
    params
}

fn card_charge_sign(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mobile = required(form, "mobile")?;
    let (sms_id, sms_code) = match (form.text("sms_id"), form.text("sms_code")) {
        (Some(id), Some(code)) => (id, code),
        _ => {
            // With the emulator, do what the payer would: receive the code and type it in.
            let emulator = emulator(demo)?;
            let sms = demo.bc_pay.send_sms_passcode(&mobile)?;
            let code = emulator
                .last_sms_code(&mobile)
                .ok_or_else(|| Failure::Emulator("no SMS code was sent".into()))?;
            (sms.sms_id.clone(), code)
        }
    };
    let mut params = BCCardChargeSignParams::default();
    params.mobile = Some(mobile);
    params.bank = Some(required(form, "bank")?);
    params.id_no = Some(required(form, "id_no")?.into());
    params.name = Some(required(form, "name")?);
    params.card_no = Some(required(form, "card_no")?.into());
    params.sms_id = Some(sms_id);
    params.sms_code = Some(sms_code);
    let result = demo.bc_pay.card_charge_sign(&params)?;
    shown(&result, View::new())
}
