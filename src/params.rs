//! The request parameter structs of `beecloud.entity`: plain structs filled field by field.
//!
//! Every field is an `Option`: `None` is not sent, `Some(v)` is always sent, even `0`, `false`, `""`
//! or `{}` (Python dropped some falsy values; see the README). Fields the REST API documents but a
//! struct does not model go through [`set`](BCPayReqParams::set) and travel as top-level fields.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::channel::BCChannelType;
use crate::sensitive::SensitiveText;

pub(crate) use crate::fields::{Fields, WireParams, to_fields};

macro_rules! default_value {
    () => {
        None
    };
    ($value:expr) => {
        Some($value.into())
    };
}

/// Declares a params struct: every field `Option<T>` and skipped when `None`, `Default` (with the
/// given defaults), and — unless `nested` — the `extra` map with `set()`.
macro_rules! params {
    (@struct [$($derive:ident)*] [$($extra_field:tt)*] [$($extra_init:tt)*] $(#[$meta:meta])* $name:ident {
        $($(#[$field_meta:meta])* $field:ident : $ty:ty $(= $default:expr)?,)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Serialize, Deserialize $(, $derive)*)]
        #[non_exhaustive]
        pub struct $name {
            $($(#[$field_meta])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
            $($extra_field)*
        }
        impl Default for $name {
            fn default() -> Self {
                $name { $($field: default_value!($($default)?),)* $($extra_init)* }
            }
        }
    };
    ($(#[$meta:meta])* $name:ident {
        $($(#[$field_meta:meta])* $field:ident : $ty:ty $(= $default:expr)?,)*
    }) => {
        params!(@struct [] [
            /// REST fields this struct does not model, sent as top-level fields (see `set`).
            #[serde(flatten, skip_serializing)]
            pub extra: Map<String, Value>,
        ] [extra: Map::new()] $(#[$meta])* $name {
            $($(#[$field_meta])* $field : $ty $(= $default)?,)*
        });
        params!(@debug $name [extra] $($field)*);
        impl $name {
            /// Sets a REST field this struct does not model (Python's ad-hoc attribute), sent as a
            /// top-level field. Setting a modelled field or a signing field this way is an error when
            /// the request is built.
            pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Self {
                self.extra.insert(key.into(), value.into());
                self
            }
        }
        impl WireParams for $name {
            fn extra(&self) -> &Map<String, Value> {
                &self.extra
            }
            // The wire names are the field names (a `serde(rename)` here would need its own arm).
            fn is_set(&self, key: &str) -> bool {
                match key {
                    $(stringify!($field) => self.$field.is_some(),)*
                    _ => false,
                }
            }
        }
    };
    (nested $(#[$meta:meta])* $name:ident {
        $($(#[$field_meta:meta])* $field:ident : $ty:ty $(= $default:expr)?,)*
    }) => {
        params!(@struct [] [] [] $(#[$meta])* $name {
            $($(#[$field_meta])* $field : $ty $(= $default)?,)*
        });
        params!(@debug $name [] $($field)*);
    };
    // `Debug` hides sensitive values wherever they are: a field named like one, or one inside
    // `optional`, a map field or the `set()` extras.
    (@debug $name:ident [$($extra:ident)?] $($field:ident)*) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                use crate::sensitive::Shown;
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &Shown(stringify!($field), &self.$field)))*
                    $(.field(stringify!($extra), &Shown(stringify!($extra), &self.$extra)))?
                    .finish()
            }
        }
    };
    // Card data: the struct writes its own `Debug`.
    (nested_sensitive $(#[$meta:meta])* $name:ident { $($body:tt)* }) => {
        params!(@struct [] [] [] $(#[$meta])* $name { $($body)* });
    };
}
// Usable from sibling modules (`payout_params.rs`, `card_params.rs`, `subscription_params.rs`).
pub(crate) use {default_value, params};

params! {
    /// Parameters of `pay` and `offline_pay` (Python's `BCPayReqParams`, plus the channel-specific
    /// fields the Python README sets as ad-hoc attributes).
    BCPayReqParams {
        /// Pay channel, e.g. `BCChannelType::WX_NATIVE`.
        channel: BCChannelType,
        /// Amount in fen (1 = ¥0.01), > 0.
        total_fee: i64,
        /// Merchant order number, 8–32 letters and digits, unique per app.
        bill_no: String,
        /// Order title, at most 32 bytes of UTF-8 (16 Chinese characters).
        title: String,
        /// Free-form data echoed in webhooks and queries.
        optional: Map<String, Value>,
        /// The buyer's id in the merchant's user system (required with `coupon_id`).
        buyer_id: String,
        /// A coupon to redeem on this bill.
        coupon_id: String,
        /// Analysis data; WX_WAP / BC_WX_WAP need `{"ip": …}`.
        analysis: Map<String, Value>,
        /// Page the payer returns to (ALI_WEB, ALI_QRCODE, UN_WEB, JD_*…); no `#` or `?`.
        return_url: String,
        /// Seconds until the bill expires, > 0 (not for JD).
        bill_timeout: i64,
        /// Overrides the console's webhook URL for this bill (`http://` or `https://`).
        notify_url: String,
        /// The seller's id.
        seller_id: String,
        /// The store's id (offline: ≤ 32 characters).
        store_id: String,
        /// BC_EXPRESS: the card number (BC_EXPRESS also requires `buyer_id`).
        card_no: SensitiveText,
        /// Forbid credit cards.
        limit_credit: bool,
        /// BC_GATEWAY: the bank's name as `query_bc_gateway_banks` lists it for `card_type` (the
        /// codes of `query_bc_gateway_supported_banks` are Python's stale table).
        bank: String,
        /// BC_GATEWAY on the JD route: `1` credit, `2` debit.
        card_type: String,
        /// Offline scan channels: the code scanned from the payer's phone.
        auth_code: String,
        /// Offline ALI_SCAN: terminal id, ≤ 32 characters.
        terminal_id: String,
        /// WX_JSAPI, BC_WX_JSAPI, WX_MINI: the payer's openid (see `utils::fetch_open_id`).
        openid: String,
        /// ALI_WEB: product page.
        show_url: String,
        /// ALI_WAP: try to open the Alipay app.
        use_app: bool,
        /// ALI_QRCODE: `"0"`, `"1"` or `"3"`.
        qr_pay_mode: String,
        /// YEE_WAP: the user's key for one-click card binding, ≤ 50 letters and digits.
        identity_id: String,
        /// YEE_NOBANKCARD: prepaid card number.
        cardno: String,
        /// YEE_NOBANKCARD: prepaid card password.
        cardpwd: String,
        /// YEE_NOBANKCARD: card type, e.g. `SZX`.
        frqid: String,
        /// BC_GATEWAY: `B2C` or `B2B` (the Java SDK's `payType`).
        pay_type: String,
        /// BC_CARD_CHARGE: a card signed with `card_sign`, `card_sync_sign` or `card_charge_sign`.
        card_id: String,
        /// JD_B2B: the bank's number, e.g. `9102` (ICBC) — the PHP SDK's `bank_code`.
        bank_code: i64,
    }
}

params! {
    /// Parameters of `refund` and `offline_refund` (Python's `BCRefundReqParams`).
    BCRefundReqParams {
        /// Parent channel (WX, ALI, UN…); optional.
        channel: BCChannelType,
        /// Today's date `yyyyMMdd` + 3–24 letters or digits (not `000`).
        refund_no: String,
        /// The bill to refund.
        bill_no: String,
        /// Amount in fen, > 0, at most the amount paid. A bill can be refunded once (in part or
        /// whole); a second refund after a successful one is `REFUND_AMOUNT_TOO_LARGE`.
        refund_fee: i64,
        /// Free-form data.
        optional: Map<String, Value>,
        /// `true`: a pre-refund, waiting for `audit_pre_refunds` (not for offline refunds).
        need_approval: bool,
        /// Webhook URL for this refund.
        notify_url: String,
        /// `1`: refund from the available balance; `0` (default): from unsettled funds.
        refund_account: i64,
        /// Offline: reason.
        refund_reason: String,
        /// Offline: operator.
        operator_id: String,
        /// Offline: store.
        store_id: String,
    }
}

params! {
    /// Parameters of `audit_pre_refunds` (Python's `BCPreRefundAuditParams`).
    BCPreRefundAuditParams {
        /// Parent channel of the pre-refunds.
        channel: BCChannelType,
        /// Record ids of the pre-refunds (from `refund` with `need_approval`).
        ids: Vec<String>,
        /// Approve (`true`) or deny (`false`).
        agree: bool,
        /// Reason for a denial.
        deny_reason: String,
    }
}

params! {
    /// Filters of bill and refund queries (Python's `BCQueryReqParams`).
    BCQueryReqParams {
        /// Parent channel or sub-channel.
        channel: BCChannelType,
        /// Exact bill number.
        bill_no: String,
        /// Exact refund number (refund queries only).
        refund_no: String,
        /// Only paid (`true`) or unpaid (`false`) bills (bill queries only).
        spay_result: bool,
        /// Only pre-refunds (refund queries only).
        need_approval: bool,
        /// Include `message_detail` (list queries only).
        need_detail: bool,
        /// Created at or after, ms since the epoch.
        start_time: i64,
        /// Created at or before, ms since the epoch.
        end_time: i64,
        /// Records to skip (list queries only).
        skip: i64,
        /// Page size, 10 to 50 (default 10; list queries only). Other values are refused before
        /// sending (the Java SDK's rule; Python sends anything).
        limit: i64,
        /// Buyer filter (bill queries).
        buyer_id: String,
        /// Seller filter (bill queries).
        seller_id: String,
        /// Store filter (bill queries).
        store_id: String,
        /// Operator filter (bill queries).
        operator_id: String,
        /// Only refunded bills (bill queries).
        refund_result: bool,
    }
}

params! {
    /// Criteria of plan, subscription and coupon queries (Python's `BCQueryCriteria`).
    BCQueryCriteria {
        /// Created at or before, ms.
        created_before: i64,
        /// Created at or after, ms.
        created_after: i64,
        /// Only count: the result carries `total_count` instead of a list.
        count_only: bool,
        /// Records to skip.
        skip: i64,
        /// Page size (default 10).
        limit: i64,
        /// Plans: name contains.
        name_with_substring: String,
        /// Plans: `day`, `week`, `month` or `year`.
        interval: String,
        /// Plans: intervals per period.
        interval_count: i64,
        /// Plans: trial days.
        trial_days: i64,
        /// Subscriptions: buyer.
        buyer_id: String,
        /// Subscriptions: plan.
        plan_id: String,
        /// Subscriptions: card.
        card_id: String,
        /// Coupon templates: name.
        name: String,
        /// Coupons: owner.
        user_id: String,
        /// Coupons: template.
        template_id: String,
        /// Coupons: `0` unused, `1` redeemed.
        status: i64,
        /// Coupons: an order amount in fen; returns coupons usable on it.
        limit_fee: i64,
    }
}

params! {
    /// Parameters of `transfer`: WX_REDPACK, WX_TRANSFER, ALI_TRANSFER (Python's `BCTransferReqParams`).
    BCTransferReqParams {
        /// `WX_REDPACK`, `WX_TRANSFER` or `ALI_TRANSFER`.
        channel: BCChannelType,
        /// WX_REDPACK: 10 digits; WX_TRANSFER: 8–32, ALI_TRANSFER: 11–32 letters and digits.
        transfer_no: String,
        /// Amount in fen (WX_REDPACK 100–20000, WX_TRANSFER ≥ 100).
        total_fee: i64,
        /// Description.
        desc: String,
        /// Receiver: WeChat openid or Alipay account.
        channel_user_id: String,
        /// ALI_TRANSFER: receiver's name.
        channel_user_name: String,
        /// WX_REDPACK: the red pack's texts.
        redpack_info: BCTransferRedPack,
        /// ALI_TRANSFER: payer account name.
        account_name: String,
    }
}

params! {
    nested
    /// The texts of a WeChat red pack (Python's `BCTransferRedPack`).
    BCTransferRedPack {
        /// Sender's name, ≤ 32 characters.
        send_name: String,
        /// Wishing text, ≤ 128 characters.
        wishing: String,
        /// Campaign name, ≤ 32 characters.
        act_name: String,
    }
}

params! {
    /// Parameters of `bc_transfer`, a payout to a bank card (Python's `BCCardTransferParams`).
    BCCardTransferParams {
        /// Amount in fen.
        total_fee: i64,
        /// Payout number, 8–32 letters and digits.
        bill_no: String,
        /// Title, ≤ 32 bytes.
        title: String,
        /// Always `OUT_PC` (the default).
        trade_source: String = "OUT_PC",
        /// The bank's full name, as listed by `query_bc_transfer_supported_banks`.
        bank_fullname: String,
        /// `DE` debit or `CR` credit.
        card_type: String,
        /// `P` personal or `C` corporate.
        account_type: String,
        /// Receiving card / account number.
        account_no: SensitiveText,
        /// Receiver's name.
        account_name: String,
        /// Phone bound to the card, for the bank's SMS notice.
        mobile: String,
        /// Free-form data.
        optional: Map<String, Value>,
        /// Bank short code (sent by the Python README; undocumented).
        bank_code: String,
        /// Bank's associated code (sent by the Python README; undocumented).
        bank_associated_code: String,
        /// Overrides the console's webhook URL for the payout's TRANSFER push (`http://` or
        /// `https://`; the Java SDK sends it).
        notify_url: String,
    }
}

params! {
    /// Parameters of `batch_transfer`, an Alipay batch payout (Python's `BCBatchTransferParams`).
    BCBatchTransferParams {
        /// Always `ALI` (the default).
        channel: BCChannelType = BCChannelType::ALI,
        /// Batch number, 11–32 letters and digits.
        batch_no: String,
        /// Payer account name.
        account_name: String,
        /// The payouts.
        transfer_data: Vec<BCBatchTransferItem>,
    }
}

params! {
    nested
    /// One payout of a batch (Python's `BCBatchTransferItem`).
    BCBatchTransferItem {
        /// Payout id.
        transfer_id: String,
        /// Receiver's Alipay account.
        receiver_account: String,
        /// Receiver's name.
        receiver_name: String,
        /// Amount in fen.
        transfer_fee: i64,
        /// Note.
        transfer_note: String,
    }
}

params! {
    /// Parameters of `international_pay`, PayPal (Python's `BCInternationalPayParams`).
    BCInternationalPayParams {
        /// `PAYPAL_PAYPAL`, `PAYPAL_CREDITCARD` or `PAYPAL_SAVED_CREDITCARD`.
        channel: BCChannelType,
        /// Amount in the currency's minor unit.
        total_fee: i64,
        /// ISO currency code, e.g. `USD`.
        currency: String,
        /// Order number, 8–32 letters and digits.
        bill_no: String,
        /// Title.
        title: String,
        /// PAYPAL_CREDITCARD: the card.
        credit_card_info: BCPayPalCreditCard,
        /// PAYPAL_SAVED_CREDITCARD: id of a card stored by an earlier PAYPAL_CREDITCARD payment.
        credit_card_id: String,
        /// PAYPAL_PAYPAL: page the payer returns to (no `?` or `&`).
        return_url: String,
    }
}

params! {
    nested_sensitive
    /// A credit card for PayPal (Python's `BCPayPalCreditCard`). `Debug` shows at most the last 4
    /// digits of the card number, never the CVV or the expiry.
    BCPayPalCreditCard {
        /// Card number.
        card_number: String,
        /// Expiry month, 1–12.
        expire_month: i64,
        /// Expiry year, four digits.
        expire_year: i64,
        /// Card verification value (text, to keep leading zeros).
        cvv: String,
        /// Holder's first name.
        first_name: String,
        /// Holder's last name.
        last_name: String,
        /// `visa`, `mastercard`, `discover` or `amex`.
        card_type: String,
    }
}

impl std::fmt::Debug for BCPayPalCreditCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let masked = |set: bool| if set { Some("***") } else { None };
        f.debug_struct("BCPayPalCreditCard")
            .field(
                "card_number",
                &self.card_number.as_deref().map(masked_card_number),
            )
            .field("expire_month", &masked(self.expire_month.is_some()))
            .field("expire_year", &masked(self.expire_year.is_some()))
            .field("cvv", &masked(self.cvv.is_some()))
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("card_type", &self.card_type)
            .finish()
    }
}

/// `****1234`: the last 4 digits of a card number (none of a number shorter than 12 digits, whose
/// last 4 would be a third of it or more).
pub(crate) fn masked_card_number(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 12 {
        return "****".to_string();
    }
    let last4: String = digits[digits.len() - 4..].iter().collect();
    format!("****{last4}")
}

params! {
    /// Parameters of `confirm_bill`, step 2 of a BC_EXPRESS payment (the Java SDK's `BCBillConfirm`).
    BCBillConfirmParams {
        /// The `token` the BC_EXPRESS `pay` returned.
        token: String,
        /// The `id` the BC_EXPRESS `pay` returned (the record id, not `bill_no`).
        bc_bill_id: String,
        /// The code the payer received by SMS.
        verify_code: String,
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)] // Python-style field-by-field filling is the point.
mod tests {
    use super::*;
    use crate::error::BCError;
    use serde_json::json;

    /// The JSON object a params struct sends (unsigned).
    fn sent<P: WireParams>(params: &P) -> Value {
        let body = to_fields(params).unwrap().to_json(&Map::new()).unwrap();
        let sent: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            Value::Object(to_fields(params).unwrap().to_map().unwrap()),
            sent
        );
        sent
    }

    #[test]
    fn debug_never_shows_card_account_or_id_numbers() {
        let mut pay = BCPayReqParams::default();
        pay.card_no = Some("6222020200112233445".into());
        let mut payout = BCCardTransferParams::default();
        payout.account_no = Some("6222020200112233446".into());
        for shown in [format!("{pay:?}"), format!("{payout:#?}")] {
            assert!(shown.contains("<redacted>"), "{shown}");
            for number in ["62220202001122", "320101199001010011"] {
                assert!(!shown.contains(number), "{shown} shows {number}");
            }
        }
        // They still travel in full.
        let sent = to_fields(&pay).unwrap().to_map().unwrap();
        assert_eq!(sent["card_no"], "6222020200112233445");
    }

    #[test]
    fn debug_masks_card_number_cvv_and_expiry() {
        let mut card = BCPayPalCreditCard::default();
        card.card_number = Some("4111 1111 1111 1234".into());
        card.cvv = Some("097".into());
        card.expire_month = Some(7);
        card.expire_year = Some(2031);
        card.first_name = Some("Ann".into());
        let mut params = BCInternationalPayParams::default();
        params.credit_card_info = Some(card.clone());
        for shown in [
            format!("{card:?}"),
            format!("{params:?}"),
            format!("{params:#?}"),
        ] {
            assert!(
                shown.contains("****1234") && shown.contains("Ann"),
                "{shown}"
            );
            for secret in ["4111", "097", "2031", "Some(7)"] {
                assert!(!shown.contains(secret), "{shown} shows {secret}");
            }
        }
        assert_eq!(masked_card_number("12345678"), "****");
        // The card still travels in full.
        assert_eq!(
            to_fields(&params).unwrap().to_map().unwrap()["credit_card_info"]["cvv"],
            "097"
        );
    }

    #[test]
    fn unset_fields_are_omitted_and_explicit_falsy_values_are_sent() {
        let mut params = BCRefundReqParams::default();
        params.refund_fee = Some(0);
        params.need_approval = Some(false);
        params.optional = Some(Map::new());
        assert_eq!(
            sent(&params),
            json!({"refund_fee": 0, "need_approval": false, "optional": {}})
        );
    }

    #[test]
    fn defaults_of_python_entities_are_kept() {
        assert_eq!(
            BCCardTransferParams::default().trade_source.as_deref(),
            Some("OUT_PC")
        );
        assert_eq!(
            BCBatchTransferParams::default().channel,
            Some(BCChannelType::ALI)
        );
    }

    #[test]
    fn set_adds_top_level_fields_but_never_shadows_modelled_or_signing_fields() {
        let mut params = BCPayReqParams::default();
        params.channel = Some(BCChannelType::WX_JSAPI);
        params.set("sub_appid", "wx123");
        let fields = sent(&params);
        assert_eq!(fields["sub_appid"], "wx123");
        assert_eq!(fields["channel"], "WX_JSAPI");

        params.set("channel", "ALI_WEB");
        assert!(matches!(
            to_fields(&params),
            Err(BCError::InvalidParams { .. })
        ));

        let mut params = BCPayReqParams::default();
        params.set("app_sign", "forged");
        assert!(matches!(
            to_fields(&params),
            Err(BCError::InvalidParams { .. })
        ));
    }
}
