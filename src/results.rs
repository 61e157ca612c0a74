//! [`BCResult`]: what a successful operation returns: the envelope, the typed payload, the raw JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::OnceLock;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::channel::BCChannelType;
use crate::records::{
    BCBill, BCCoupon, BCCouponTemplate, BCMerchantUser, BCRefund, BCTransferRecord,
};
use crate::sensitive::masked_object;
use crate::subscription_params::{BCPlan, BCSubscription};

/// A successful answer (`result_code` 0): Python's `BCResult`.
///
/// It dereferences to the operation's payload, so fields read as in Python: `result.id`,
/// `result.bills`, `result.code_url`. [`raw`](BCResult::raw) keeps the whole response object.
/// `Debug` hides card, account and ID numbers (and similar) wherever they appear.
#[derive(Clone, PartialEq)]
pub struct BCResult<T> {
    /// Always 0 here (failures are [`BCError`](crate::BCError)s).
    pub result_code: i64,
    /// `OK`.
    pub result_msg: String,
    /// Usually empty.
    pub err_detail: String,
    /// The typed payload.
    pub data: T,
    /// The whole response object, including keys the payload does not model (decoded on first use;
    /// it dereferences to a `Map`: `result.raw["key"]`, `result.raw.get("key")`).
    pub raw: RawReply,
}

/// The whole JSON object of an answer, kept as its bytes and decoded into a [`Map`] the first time
/// it is read, so a caller who never looks at unmodelled keys does not pay for a second tree.
#[derive(Clone, Default)]
pub struct RawReply {
    /// A JSON object (checked when the answer was decoded).
    body: Vec<u8>,
    decoded: OnceLock<Map<String, Value>>,
}

impl RawReply {
    /// `body` must be a JSON object; anything else reads as an empty map.
    pub(crate) fn new(body: Vec<u8>) -> Self {
        RawReply {
            body,
            decoded: OnceLock::new(),
        }
    }

    /// The answer's bytes, as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.body
    }
}

impl From<Map<String, Value>> for RawReply {
    fn from(decoded: Map<String, Value>) -> Self {
        RawReply {
            body: Value::Object(decoded.clone()).to_string().into_bytes(),
            decoded: OnceLock::from(decoded),
        }
    }
}

impl Deref for RawReply {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Map<String, Value> {
        self.decoded
            .get_or_init(|| serde_json::from_slice(&self.body).unwrap_or_default())
    }
}

impl PartialEq for RawReply {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for RawReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match masked_object(self) {
            Some(shown) => shown.fmt(f),
            None => (**self).fmt(f),
        }
    }
}

// The payload is decoded from `raw`: when `raw` holds a sensitive value, the payload's own
// `Debug` would show it, so only the masked `raw` is shown.
impl<T: fmt::Debug> fmt::Debug for BCResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = f.debug_struct("BCResult");
        shown
            .field("result_code", &self.result_code)
            .field("result_msg", &self.result_msg)
            .field("err_detail", &self.err_detail);
        if masked_object(&self.raw).is_some() {
            shown.field("data", &format_args!("<holds sensitive values: see raw>"));
        } else {
            shown.field("data", &self.data);
        }
        shown.field("raw", &self.raw).finish()
    }
}

impl<T> Deref for BCResult<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

/// A list whose JSON `null` entries are skipped, missing list ⇒ empty. Items go straight into
/// the result (no list of `Option`s in between: a bill is large to move).
fn list_without_nulls<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ListVisitor<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
            deserializer.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Vec<T>, A::Error> {
            let mut list = Vec::with_capacity(items.size_hint().unwrap_or(0).min(64));
            while let Some(item) = items.next_element::<Option<T>>()? {
                list.extend(item);
            }
            Ok(list)
        }
    }
    deserializer.deserialize_option(ListVisitor(PhantomData))
}

/// A text field that some servers send as a number (WeChat's `timestamp`).
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(other) => Some(other.to_string()),
    })
}

/// [`bool_or_text`], absent or `null` being `None`.
fn optional_bool_or_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => bool_or_text(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// A boolean that the docs type as the text `"true"` / `"false"`.
fn bool_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Bool(value) => Ok(value),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "expected a boolean, got {other}"
        ))),
    }
}

/// Payload of `pay`: the bill id and what the channel needs to collect the money.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayResult {
    /// BeeCloud's record id of the bill.
    pub id: String,
    /// An auto-submitting form to render (ALI_WEB, ALI_WAP, ALI_QRCODE, UN_*, JD_*, KUAIQIAN_*).
    pub html: Option<String>,
    /// A page to redirect the payer to.
    pub url: Option<String>,
    /// The content of a QR code to draw (WX_NATIVE, BC_NATIVE, BC_ALI_QRCODE).
    pub code_url: Option<String>,
    /// WX_JSAPI, BC_WX_JSAPI, WX_APP: WeChat app id.
    pub app_id: Option<String>,
    /// WX_JSAPI, BC_WX_JSAPI, WX_APP: `prepay_id=…`.
    pub package: Option<String>,
    /// WX_JSAPI, BC_WX_JSAPI, WX_APP: nonce.
    pub nonce_str: Option<String>,
    /// WX_JSAPI, BC_WX_JSAPI, WX_APP: timestamp, as text.
    #[serde(default, deserialize_with = "text_or_number")]
    pub timestamp: Option<String>,
    /// WX_JSAPI, BC_WX_JSAPI, WX_APP: signature.
    pub pay_sign: Option<String>,
    /// WX_JSAPI, BC_WX_JSAPI: `MD5`.
    pub sign_type: Option<String>,
    /// WX_APP: merchant id.
    pub partner_id: Option<String>,
    /// WX_APP: prepay id.
    pub prepay_id: Option<String>,
    /// ALI_APP: the order string for the Alipay SDK.
    pub order_string: Option<String>,
    /// ALI_OFFLINE_QRCODE: the QR code content.
    pub qr_code: Option<String>,
    /// UN_APP: the UnionPay transaction number.
    pub tn: Option<String>,
    /// BD_APP: the Baidu order info.
    #[serde(rename = "orderInfo")]
    pub order_info: Option<String>,
    /// BC_EXPRESS: the token for the confirmation step.
    pub token: Option<String>,
    /// BC_ALI_JSAPI: the Alipay trade number for the in-app JS API.
    pub trade_no: Option<String>,
}

/// Payload of `offline_pay`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfflinePayResult {
    /// BeeCloud's record id of the bill.
    pub id: String,
    /// Scan channels: paid already (`false`: the payer is entering a password; poll the status).
    pub pay_result: Option<bool>,
    /// WX_NATIVE, ALI_OFFLINE_QRCODE: the QR code content.
    pub code_url: Option<String>,
    /// ALI_OFFLINE_QRCODE: the QR code content, as the offline docs' prose names it.
    pub qr_code: Option<String>,
    /// BC_SCAN: the channel the server chose (`ALI_SCAN` or `WX_SCAN`).
    pub channel_type: Option<BCChannelType>,
}

/// Payload of `international_pay`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InternationalPayResult {
    /// BeeCloud's record id of the bill.
    pub id: String,
    /// PAYPAL_PAYPAL: the approval page.
    pub url: Option<String>,
    /// PAYPAL_CREDITCARD: the stored card, for PAYPAL_SAVED_CREDITCARD later.
    pub credit_card_id: Option<String>,
}

/// Payload of `refund`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundResult {
    /// BeeCloud's record id of the refund.
    pub id: String,
    /// ALI (not a pre-refund): the page where the merchant confirms with the payment password.
    pub url: Option<String>,
}

/// Payload of `audit_pre_refunds`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditPreRefundsResult {
    /// Per pre-refund id: `OK` or the reason it failed.
    #[serde(default)]
    pub result_map: BTreeMap<String, String>,
    /// ALI: the page where the merchant confirms the batch.
    pub url: Option<String>,
}

/// Payload of `offline_revert`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfflineRevertResult {
    /// The bill was reverted (`false`: it was paid already; refund it instead).
    pub revert_status: bool,
}

/// Payload of `offline_refund`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfflineRefundResult {
    /// BeeCloud's record id of the refund.
    pub id: String,
    /// The refund succeeded.
    pub refund_result: bool,
}

/// Payload of `transfer`, `bc_transfer` and `batch_transfer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransferResult {
    /// BeeCloud's record id of the transfer.
    pub id: String,
    /// ALI: the page where the merchant confirms with the payment password.
    pub url: Option<String>,
}

/// Payload of `bc_t1_transfer`: the only payout whose answer is not known to carry an id (the
/// other SDKs read nothing from it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct T1TransferResult {
    /// BeeCloud's record id of the payout, when the server sends one.
    pub id: Option<String>,
}

/// Payload of `query_bills`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BillsResult {
    /// One page of bills.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub bills: Vec<BCBill>,
}

impl BillsResult {
    /// Python's `result.count`: the number of bills on this page, not a total (use
    /// `query_bills_count` for that).
    pub fn count(&self) -> usize {
        self.bills.len()
    }
}

/// Payload of `query_refunds`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundsResult {
    /// One page of refunds.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub refunds: Vec<BCRefund>,
}

impl RefundsResult {
    /// Python's `result.count`: the number of refunds on this page, not a total.
    pub fn count(&self) -> usize {
        self.refunds.len()
    }
}

/// Payload of `query_bills_count` and `query_refunds_count`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CountResult {
    /// Records matching the filters.
    pub count: u64,
}

/// Payload of `query_bill_by_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BillResult {
    /// The bill.
    pub pay: BCBill,
}

/// Payload of `query_refund_by_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundRecordResult {
    /// The refund.
    pub refund: BCRefund,
}

/// Payload of `query_refund_status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundStatusResult {
    /// E.g. `SUCCESS`.
    pub refund_status: String,
}

/// Payload of `query_offline_bill_status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfflineBillStatusResult {
    /// Paid.
    pub pay_result: bool,
}

/// Payload of `query_reconciliation`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReconciliationResult {
    /// Paid (the docs send it as the text `"true"` / `"false"`).
    #[serde(deserialize_with = "bool_or_text")]
    pub pay_status: bool,
}

/// Payload of `query_bc_transfer_supported_banks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankListResult {
    /// Number of banks.
    pub size: Option<u64>,
    /// Full bank names, as `bank_fullname` takes them.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub bank_list: Vec<String>,
}

/// Payload of `query_subscription_payment_supported_banks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionBanksResult {
    /// Every supported bank (includes the common ones).
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub banks: Vec<String>,
    /// The common banks.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub common_banks: Vec<String>,
}

/// Payload of `query_plans` (`total_count` instead of `plans` with `count_only`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlansResult {
    /// One page of plans.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub plans: Vec<BCPlan>,
    /// With `count_only`: plans matching.
    pub total_count: Option<u64>,
}

/// Payload of `create_plan` and `query_plan_by_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlanResult {
    /// The plan.
    pub plan: BCPlan,
}

/// Payload of `query_subscriptions` (`total_count` instead of a list with `count_only`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionsResult {
    /// One page of subscriptions.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub subscriptions: Vec<BCSubscription>,
    /// With `count_only`: subscriptions matching.
    pub total_count: Option<u64>,
}

/// Payload of `subscribe` and `query_subscription_by_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionResult {
    /// The subscription (`valid` false: wait for the verification webhook).
    pub subscription: BCSubscription,
}

/// Payload of the updates and deletions that answer with the record id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdResult {
    /// The record id.
    pub id: String,
}

/// Payload of `send_sms_passcode`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SmsResult {
    /// Id of the code sent, for `subscribe`.
    pub sms_id: String,
}

/// Payload of `verify_card_factors`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardFactorsResult {
    /// The verified card's id (with `card_no`).
    pub card_id: Option<String>,
    /// `Some(true)`: the factors match; `Some(false)`: they do not (`auth_msg` says why); `None`:
    /// the server did not say (treat as not verified). Read from a JSON boolean or the text
    /// `"true"` / `"false"`.
    #[serde(default, deserialize_with = "optional_bool_or_text")]
    pub auth_result: Option<bool>,
    /// The verifier's message (any JSON value: its type is undocumented).
    pub auth_msg: Option<Value>,
}

/// Payload of operations whose answer is the bare envelope.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmptyResult {}

/// Payload of `query_merchant_users`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsersResult {
    /// The users.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub users: Vec<BCMerchantUser>,
}

/// Payload of `attach_buyer_history_bills`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryBillsResult {
    /// Per buyer, the bill numbers that could not be linked.
    pub failed_bills: Option<BTreeMap<String, Vec<String>>>,
}

/// Payload of `query_coupon_template`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponTemplateResult {
    /// The template.
    pub coupon_template: BCCouponTemplate,
}

/// Payload of `query_coupon_templates`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponTemplatesResult {
    /// One page of templates.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub coupon_templates: Vec<BCCouponTemplate>,
    /// With `count_only`: templates matching.
    pub total_count: Option<u64>,
}

/// Payload of `create_coupon` and `query_coupon`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponResult {
    /// The coupon, with its template.
    pub coupon: BCCoupon,
}

/// Payload of `query_coupons`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CouponsResult {
    /// One page of coupons.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub coupons: Vec<BCCoupon>,
    /// With `count_only`: coupons matching.
    pub total_count: Option<u64>,
}

// ---- Payloads of the operations only the other official SDKs (Java, PHP) send. ----

/// Payload of `query_transfers`: one page of bank-card payouts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransfersResult {
    /// One page of payouts (the server's key is `bills`).
    #[serde(rename = "bills", default, deserialize_with = "list_without_nulls")]
    pub transfers: Vec<BCTransferRecord>,
}

/// Payload of `query_bc_gateway_banks`, `query_t1_transfer_supported_banks` and
/// `query_jd_transfer_supported_banks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankNamesResult {
    /// Bank names, to be used verbatim as the `bank` / `bank_name` of the matching operation.
    #[serde(default, deserialize_with = "list_without_nulls")]
    pub banks: Vec<String>,
}

/// Payload of `card_sign` and `card_sync_verify`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardSignResult {
    /// The card's id, for BC_CARD_CHARGE payments and `card_sync_sign`.
    pub card_id: Option<String>,
}

/// Payload of `card_charge_sign`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardChargeSignResult {
    /// The signing's id (the SIGN webhook's `transaction_id`).
    pub id: String,
    /// The card's id, when the server already knows it (else it arrives in the SIGN webhook).
    pub card_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_results_are_booleans_and_create_ids_are_required() {
        let read =
            |body: &str| serde_json::from_str::<CardFactorsResult>(body).map(|r| r.auth_result);
        assert_eq!(read(r#"{"auth_result":true}"#).unwrap(), Some(true));
        assert_eq!(read(r#"{"auth_result":"false"}"#).unwrap(), Some(false));
        assert_eq!(read(r#"{"auth_result":null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
        assert!(read(r#"{"auth_result":"maybe"}"#).is_err());
        // A success without the id is an answer the SDK cannot read, never an empty id.
        assert!(serde_json::from_str::<TransferResult>(r#"{"url":"u"}"#).is_err());
        assert!(serde_json::from_str::<OfflineRefundResult>(r#"{"refund_result":true}"#).is_err());
    }
}
