//! Fixtures shared by the tests that run the emulator: an emulator with an SDK pointed at it,
//! fresh merchant numbers, the params most tests start from, and requests signed by hand.
#![allow(dead_code)] // Each test binary uses its own subset.

use std::sync::atomic::{AtomicU32, Ordering};

use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams, BCRefundReqParams, BCSubscription};
use beecloud::{BCPay, BCQuery};

/// One emulator with an SDK pointed at it.
pub struct Env {
    pub emu: Emulator,
    pub app: BCApp,
    pub pay: BCPay,
    pub query: BCQuery,
}

impl Env {
    /// Starts an emulator with `config` (webhook retries 1000× faster unless the config says otherwise).
    pub fn start(config: EmulatorConfig) -> Env {
        let emu = Emulator::start_with(config).expect("emulator starts");
        let app = emu.bc_app();
        Env {
            pay: BCPay::new(app.clone()),
            query: BCQuery::new(app.clone()),
            app,
            emu,
        }
    }
}

/// The config of most tests: default credentials, webhook retries 1000× faster.
pub fn fast_config() -> EmulatorConfig {
    EmulatorConfig {
        webhook_time_scale: 0.001,
        ..EmulatorConfig::default()
    }
}

/// The emulator and SDK of most tests: [`fast_config`].
pub fn env() -> Env {
    Env::start(fast_config())
}

static SERIAL: AtomicU32 = AtomicU32::new(1);

/// A process-unique number.
pub fn serial() -> u32 {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

/// A fresh, valid merchant number (8–32 letters and digits).
pub fn number(prefix: &str) -> String {
    format!("{prefix}{:08}", serial())
}

/// The emulator's day in UTC+8 (`yyyyMMdd`), which a `refund_no` must start with.
pub fn emu_day(emu: &Emulator) -> String {
    chrono::DateTime::from_timestamp_millis(emu.now_ms() + 8 * 3600 * 1000)
        .expect("valid clock")
        .format("%Y%m%d")
        .to_string()
}

/// `fields` signed by hand for `emu`'s first app with `secret`, stamped with the emulator's clock.
pub fn signed(emu: &Emulator, secret: &str, fields: serde_json::Value) -> serde_json::Value {
    super::sign_fields(fields, &emu.config().app_id, emu.now_ms(), secret)
}

/// A signed 1-fen WX_NATIVE pay request for `bill_no`, as a JSON body.
pub fn pay_body(emu: &Emulator, bill_no: &str) -> serde_json::Value {
    signed(
        emu,
        &emu.config().app_secret,
        serde_json::json!({"channel": "WX_NATIVE", "total_fee": 1, "bill_no": bill_no, "title": "t"}),
    )
}

/// A fresh, valid `refund_no` for the emulator's day.
pub fn refund_no(emu: &Emulator) -> String {
    format!("{}R{:06}", emu_day(emu), serial())
}

/// A pay request of `channel` and `fee` fen with a fresh `bill_no`.
pub fn pay_params(channel: BCChannelType, fee: i64) -> BCPayReqParams {
    let mut params = BCPayReqParams::default();
    params.channel = Some(channel);
    params.total_fee = Some(fee);
    params.bill_no = Some(number("bill"));
    params.title = Some("e2e 测试".into());
    params
}

/// A refund request of `fee` fen of `bill_no` with a fresh `refund_no`.
pub fn refund_params(emu: &Emulator, bill_no: &str, fee: i64) -> BCRefundReqParams {
    let mut params = BCRefundReqParams::default();
    params.refund_no = Some(refund_no(emu));
    params.bill_no = Some(bill_no.into());
    params.refund_fee = Some(fee);
    params
}

/// Subscribes `buyer` to `plan_id` with a card and an SMS code sent to `phone` (the code read
/// from the emulator, as a customer would from the phone); `optional` names the buyer.
pub fn subscribe(
    pay: &BCPay,
    emu: &Emulator,
    plan_id: &str,
    buyer: &str,
    phone: &str,
    card_no: &str,
) -> BCSubscription {
    let sms_id = pay.send_sms_passcode(phone).unwrap().sms_id.clone();
    let code = emu.last_sms_code(phone).expect("a code was sent");
    let mut sub = BCSubscription::default();
    sub.buyer_id = Some(buyer.into());
    sub.plan_id = Some(plan_id.into());
    sub.bank_name = Some("招商银行".into());
    sub.card_no = Some(card_no.into());
    sub.id_name = Some("李四".into());
    sub.id_no = Some("11010119900101123X".into());
    sub.mobile = Some(phone.into());
    sub.optional = Some(serde_json::Map::from_iter([(
        "ref".to_string(),
        serde_json::json!(buyer),
    )]));
    pay.subscribe(&sub, &sms_id, &code, None)
        .unwrap()
        .subscription
        .clone()
}
