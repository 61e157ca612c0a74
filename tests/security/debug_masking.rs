//! No card, account or ID number (nor a phone, CVV, password or `toSign`) in any `Debug`: seeded
//! numbers are put under every sensitive key of every params struct, record and result — as a
//! field, in `optional`, in a `set()` extra, in `raw`, in nested maps and lists, and inside JSON
//! text — and no run of 5 of their digits may show (a card keeps its last 4 at most).

use crate::support;

use beecloud::entity::*;
use beecloud::utils::verify_webhook;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use support::garbage::Rng;
use support::md5_hex;

const SENSITIVE: &[&str] = &[
    "card_no",
    "bank_account_no",
    "account_no",
    "id_no",
    "id_card",
    "cvv",
    "mobile",
    "password",
    "toSign",
    "cardno",
    "cardpwd",
    "card_number",
    "phone",
];

/// Seeded 18-digit numbers, one per use, and every one handed out.
struct Secrets {
    rng: Rng,
    given: Vec<String>,
}

impl Secrets {
    fn next(&mut self) -> String {
        let number: String = (0..18)
            .map(|_| char::from(b'1' + self.rng.below(9) as u8))
            .collect();
        self.given.push(number.clone());
        number
    }

    /// An object with a secret under every sensitive key.
    fn object(&mut self) -> Map<String, Value> {
        SENSITIVE
            .iter()
            .map(|key| (key.to_string(), Value::from(self.next())))
            .collect()
    }

    /// Secrets at the top, nested in maps and lists, and inside JSON text.
    fn nested(&mut self) -> Value {
        let mut outer = self.object();
        outer.insert(
            "deep".into(),
            json!({"list": [self.object(), {"x": self.object()}]}),
        );
        outer.insert(
            "text".into(),
            Value::String(Value::Object(self.object()).to_string()),
        );
        Value::Object(outer)
    }

    fn assert_hidden(&self, shown: &str, what: &str) {
        // Every run of 5 digits the text shows, looked up once per secret window.
        let digits: Vec<&[u8]> = shown
            .as_bytes()
            .split(|b| !b.is_ascii_digit())
            .filter(|run| run.len() >= 5)
            .collect();
        let shown_windows: std::collections::HashSet<&[u8]> =
            digits.iter().flat_map(|run| run.windows(5)).collect();
        for secret in &self.given {
            for window in secret.as_bytes().windows(5) {
                assert!(
                    !shown_windows.contains(window),
                    "{what} shows {} of {secret}: {shown}",
                    String::from_utf8_lossy(window)
                );
            }
        }
    }
}

/// A params struct read from an object with secrets as fields, `optional`/`analysis` maps and
/// unknown keys (the `set()` extras).
fn params<T: DeserializeOwned + std::fmt::Debug>(secrets: &mut Secrets, name: &str) {
    let mut body = secrets.object();
    body.insert("optional".into(), secrets.nested());
    body.insert("analysis".into(), secrets.nested());
    body.insert("extra_key".into(), secrets.nested());
    let parsed: T = serde_json::from_value(Value::Object(body.clone())).unwrap_or_else(|error| {
        // A struct that types one of the keys otherwise: the secrets under the other keys.
        let key = error.to_string();
        panic!("{name}: {key}")
    });
    secrets.assert_hidden(&format!("{parsed:?}"), name);
    secrets.assert_hidden(&format!("{parsed:#?}"), name);
}

macro_rules! every_params {
    ($secrets:expr, $($name:ident),* $(,)?) => {
        $(params::<$name>($secrets, stringify!($name));)*
    };
}

/// A record with secrets as fields and in `optional` / `message_detail` (as objects, and as the
/// JSON text bill and refund queries answer).
fn record(secrets: &mut Secrets, optional_as_text: bool) -> Value {
    let mut record = secrets.object();
    record.insert("id".into(), json!("r1"));
    let optional = secrets.nested();
    let optional = if optional_as_text {
        Value::String(optional.to_string())
    } else {
        optional
    };
    record.insert("optional".into(), optional);
    record.insert("message_detail".into(), secrets.nested());
    Value::Object(record)
}

/// A result of every payload type, decoded from one answer holding secrets everywhere.
fn result<T: DeserializeOwned + std::fmt::Debug>(
    answer: &Map<String, Value>,
    secrets: &Secrets,
    name: &str,
) {
    let data: T = serde_json::from_value(Value::Object(answer.clone()))
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let result = BCResult {
        result_code: 0,
        result_msg: "OK".into(),
        err_detail: String::new(),
        data,
        raw: answer.clone().into(),
    };
    secrets.assert_hidden(&format!("{result:?}"), name);
    secrets.assert_hidden(&format!("{:?}", result.raw), name);
}

macro_rules! every_result {
    ($answer:expr, $secrets:expr, $($name:ident),* $(,)?) => {
        $(result::<$name>($answer, $secrets, stringify!($name));)*
    };
}

#[test]
fn no_sensitive_value_shows_in_any_params_debug() {
    for seed in 0..2 {
        let secrets = &mut Secrets {
            rng: Rng(0xdeb0_0000 + seed),
            given: Vec::new(),
        };
        every_params!(
            secrets,
            BCPayReqParams,
            BCRefundReqParams,
            BCPreRefundAuditParams,
            BCQueryReqParams,
            BCQueryCriteria,
            BCTransferReqParams,
            BCTransferRedPack,
            BCBatchTransferParams,
            BCBatchTransferItem,
            BCCardTransferParams,
            BCInternationalPayParams,
            BCPayPalCreditCard,
            BCPlan,
            BCSubscription,
            BCTransferQueryParams,
            BCBillConfirmParams,
            BCCJTransferParams,
            BCCardChargeSignParams,
            BCCardSignParams,
            BCT0TransferParams,
            BCT1TransferParams,
        );
        // The records queries return, read alike.
        every_params!(
            secrets,
            BCBill,
            BCRefund,
            BCMerchantUser,
            BCCouponTemplate,
            BCCoupon,
            BCTransferRecord,
        );
        // Filled field by field and through set(), as the README's BC_EXPRESS recipe does.
        let mut pay = BCPayReqParams::default();
        pay.card_no = Some(secrets.next().into());
        pay.optional = secrets.nested().as_object().cloned();
        let (card, id) = (secrets.next(), secrets.next());
        pay.set("card_no", card.clone()).set("id_no", id.clone());
        pay.set("bank", json!({"bankAccountNo": secrets.next()}));
        let shown = format!("{pay:?}");
        secrets.assert_hidden(&shown, "BCPayReqParams filled");
        assert!(shown.contains(&format!("****{}", &card[14..])), "{shown}");
    }
}

#[test]
fn no_sensitive_value_shows_in_any_result_debug() {
    for seed in 0..2 {
        let secrets = &mut Secrets {
            rng: Rng(0x0e5u64 << 20 | seed),
            given: Vec::new(),
        };
        let mut answer = secrets.object();
        let fields = json!({
            "result_code": 0, "result_msg": "OK", "err_detail": "", "id": "x", "count": 1,
            "revert_status": true, "refund_result": true, "pay_status": true, "pay_result": true,
            "refund_status": "SUCCESS", "sms_id": "s",
        });
        answer.extend(fields.as_object().unwrap().clone());
        // Plans and subscriptions type `optional` as a map; bills and refunds as JSON text.
        let lists = [
            "bills",
            "refunds",
            "users",
            "subscriptions",
            "plans",
            "coupons",
            "coupon_templates",
        ];
        for key in lists {
            let text = !matches!(key, "subscriptions" | "plans");
            answer.insert(
                key.into(),
                json!([record(secrets, text), record(secrets, text)]),
            );
        }
        for key in [
            "pay",
            "refund",
            "subscription",
            "plan",
            "coupon",
            "coupon_template",
        ] {
            let text = !matches!(key, "subscription" | "plan");
            answer.insert(key.into(), record(secrets, text));
        }
        answer.insert("optional".into(), secrets.nested());
        every_result!(
            &answer,
            secrets,
            PayResult,
            OfflinePayResult,
            InternationalPayResult,
            RefundResult,
            AuditPreRefundsResult,
            OfflineRevertResult,
            OfflineRefundResult,
            TransferResult,
            BillsResult,
            RefundsResult,
            CountResult,
            BillResult,
            RefundRecordResult,
            RefundStatusResult,
            OfflineBillStatusResult,
            ReconciliationResult,
            BankListResult,
            SubscriptionBanksResult,
            PlansResult,
            PlanResult,
            SubscriptionsResult,
            SubscriptionResult,
            IdResult,
            SmsResult,
            CardFactorsResult,
            EmptyResult,
            UsersResult,
            HistoryBillsResult,
            CouponTemplateResult,
            CouponTemplatesResult,
            CouponResult,
            CouponsResult,
            TransfersResult,
            BankNamesResult,
            CardSignResult,
            CardChargeSignResult,
        );
    }
}

#[test]
fn no_sensitive_value_shows_in_a_push_debug() {
    let secrets = &mut Secrets {
        rng: Rng(0x9b5),
        given: Vec::new(),
    };
    let app = BCApp::new(support::APP_ID, support::APP_SECRET, support::MASTER_SECRET);
    let (id, kind, channel, fee) = ("201506101035040000001", "PAY", "BC", 1);
    let signature = md5_hex(&format!(
        "{}{id}{kind}{channel}{fee}{}",
        support::APP_ID,
        support::MASTER_SECRET
    ));
    let mut body = secrets.object();
    body.extend(
        json!({"signature": signature, "timestamp": 1, "channel_type": channel,
               "transaction_type": kind, "transaction_id": id, "transaction_fee": fee,
               "message_detail": secrets.nested(), "optional": secrets.nested()})
        .as_object()
        .unwrap()
        .clone(),
    );
    let push = verify_webhook(&app, Value::Object(body).to_string().as_bytes()).unwrap();
    secrets.assert_hidden(&format!("{push:?}"), "BCWebhook");
    assert!(format!("{push:?}").contains(id));
}

/// `signature` is the SDK's (T0/T1 payouts sign their body with it): `set()` may not add a second.
#[test]
fn signature_cannot_be_set_by_hand() {
    let server = support::CaptureServer::always(support::Reply::ok(json!({"result_code": 0})));
    let bc_pay = beecloud::BCPay::new(support::bc_app(&server));
    let mut pay = BCPayReqParams::default();
    pay.channel = Some(BCChannelType::WX_NATIVE);
    pay.title = Some("t".into());
    pay.total_fee = Some(1);
    pay.bill_no = Some("bill00000001".into());
    pay.set("signature", "forged");
    let refused = bc_pay.pay(&pay).unwrap_err();
    assert!(
        matches!(refused, beecloud::BCError::InvalidParams { .. }),
        "{refused:?}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}
