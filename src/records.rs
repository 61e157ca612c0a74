//! The records queries return (Python's `BCBill`, `BCRefund`, `BCMerchantUser`, `BCCouponTemplate`,
//! `BCCoupon`). Every field is an `Option` (a server may leave any out); keys the SDK does not model
//! are ignored here and stay readable in [`BCResult::raw`](crate::BCResult::raw) (decoding them into
//! every record cost more than the rest of a page).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::channel::BCChannelType;

macro_rules! record {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $($(#[$field_meta])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
        }
        // Card and ID numbers, phones… never show, as a field or inside `optional`.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                use crate::sensitive::Shown;
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &Shown(stringify!($field), &self.$field)))*
                    .finish()
            }
        }
    };
}

record! {
    /// A bill (payment order) as bill queries return it (Python's `BCBill`).
    BCBill {
        /// BeeCloud's record id (for `query_bill_by_id`).
        id: String,
        /// Merchant order number.
        bill_no: String,
        /// Parent channel (`WX`, `ALI`…).
        channel: BCChannelType,
        /// Sub-channel (`WX_NATIVE`…).
        sub_channel: BCChannelType,
        /// The channel's trade number, once paid.
        trade_no: String,
        /// Creation time, ms.
        create_time: i64,
        /// The merchant's `optional` (the docs say a JSON string, some servers send an object).
        optional: Value,
        /// Paid.
        spay_result: bool,
        /// Title.
        title: String,
        /// Amount paid in fen (after any coupon discount).
        total_fee: i64,
        /// Order amount in fen (before discount).
        bill_fee: i64,
        /// Coupon discount in fen.
        discount: i64,
        /// Coupon redeemed, if any.
        coupon_id: String,
        /// The channel's raw details (with `need_detail` and by-id queries).
        message_detail: Value,
        /// Reverted (offline bills).
        revert_result: bool,
        /// Refunded.
        refund_result: bool,
        /// Buyer.
        buyer_id: String,
        /// Seller.
        seller_id: String,
        /// Store.
        store_id: String,
        /// Operator.
        operator_id: String,
    }
}

record! {
    /// A refund as refund queries return it (Python's `BCRefund`).
    BCRefund {
        /// BeeCloud's record id (for `query_refund_by_id` and `audit_pre_refunds`).
        id: String,
        /// The refunded bill's number.
        bill_no: String,
        /// Parent channel.
        channel: BCChannelType,
        /// Sub-channel.
        sub_channel: BCChannelType,
        /// Processing finished.
        finish: bool,
        /// Creation time, ms.
        create_time: i64,
        /// The merchant's `optional`.
        optional: Value,
        /// Refund succeeded.
        result: bool,
        /// The bill's title.
        title: String,
        /// The bill's paid amount in fen.
        total_fee: i64,
        /// Refunded amount in fen.
        refund_fee: i64,
        /// Merchant refund number.
        refund_no: String,
        /// The channel's raw details.
        message_detail: Value,
    }
}

record! {
    /// A user registered in the merchant user system (Python's `BCMerchantUser`).
    BCMerchantUser {
        /// Merchant account.
        merchant: String,
        /// App the user was registered through.
        app_id: String,
        /// The user's id in the merchant's system.
        buyer_id: String,
        /// Name.
        name: String,
        /// ID card number.
        id_no: String,
        /// Card number.
        card_no: String,
        /// Phone.
        mobile: String,
        /// Bank.
        bank_name: String,
        /// 0 normal, 1 verified by 2 factors, 2 withdrawal-enabled by 4 factors.
        buyer_type: i64,
        /// 0 debit, 1 credit.
        card_type: i64,
        /// Registration time, ms (no underscore, as on the wire).
        createdat: i64,
        /// Update time, ms.
        updatedat: i64,
    }
}

record! {
    /// A coupon template (Python's `BCCouponTemplate`).
    BCCouponTemplate {
        /// Record id.
        id: String,
        /// Name.
        name: String,
        /// 0 amount off, 1 percentage.
        r#type: i64,
        /// Minimum order amount in fen (0 = none).
        limit_fee: i64,
        /// Type 0: **yuan** off (not fen: 10 = ¥10); type 1: multiplier (0.9 = 10 % off).
        discount: f64,
        /// Coupons to hand out (0 = unlimited).
        total_count: i64,
        /// Coupons per user (0 = unlimited).
        max_count_per_user: i64,
        /// Coupons handed out.
        deliver_count: i64,
        /// Coupons redeemed.
        use_count: i64,
        /// 1: valid between `start_time` and `end_time`; 2: `delivery_valid_days` after delivery.
        expiry_type: i64,
        /// Start of validity, ms.
        start_time: i64,
        /// End of validity, ms.
        end_time: i64,
        /// Days a coupon stays valid after delivery.
        delivery_valid_days: i64,
        /// 0 not started, 1 active, -1 stopped.
        status: i64,
        /// Merchant account.
        mch_account: String,
        /// App.
        app_id: String,
        /// Creation time, ms.
        created_at: i64,
        /// Update time, ms.
        updated_at: i64,
    }
}

record! {
    /// A coupon handed to a user (Python's `BCCoupon`).
    BCCoupon {
        /// Record id (the `coupon_id` of a payment).
        id: String,
        /// The template.
        template: BCCouponTemplate,
        /// Owner (the `buyer_id` of a payment).
        user_id: String,
        /// App.
        app_id: String,
        /// 0 unused, 1 redeemed.
        status: i64,
        /// Creation time, ms.
        created_at: i64,
        /// Update time, ms.
        updated_at: i64,
        /// Start of validity, ms.
        start_time: i64,
        /// End of validity, ms.
        end_time: i64,
        /// Redemption time, ms.
        use_time: i64,
    }
}

// ---- Payout records of `query_transfers` (the Java SDK's payout query). ----

/// The state of a bank-card payout (`transfer_status`): `SUCCESS`, `FAIL`, `PROCESSING`, or a value
/// this SDK version does not know, kept as [`Other`](BCTransferStatus::Other).
#[allow(non_camel_case_types)]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BCTransferStatus {
    /// `SUCCESS`: paid out.
    SUCCESS,
    /// `FAIL`: the bank refused or the payout was closed.
    FAIL,
    /// `PROCESSING`: not finished yet.
    PROCESSING,
    /// Any other value (the server may also send an empty text), sent and received as is.
    Other(String),
}

impl BCTransferStatus {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            BCTransferStatus::SUCCESS => "SUCCESS",
            BCTransferStatus::FAIL => "FAIL",
            BCTransferStatus::PROCESSING => "PROCESSING",
            BCTransferStatus::Other(value) => value,
        }
    }
}

impl From<&str> for BCTransferStatus {
    fn from(value: &str) -> Self {
        match value {
            "SUCCESS" => BCTransferStatus::SUCCESS,
            "FAIL" => BCTransferStatus::FAIL,
            "PROCESSING" => BCTransferStatus::PROCESSING,
            other => BCTransferStatus::Other(other.to_string()),
        }
    }
}

impl Serialize for BCTransferStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BCTransferStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|value| BCTransferStatus::from(value.as_str()))
    }
}

record! {
    /// A bank-card payout as `query_transfers` returns it (the Java SDK's `BCTransferOrder`).
    BCTransferRecord {
        /// BeeCloud's record id.
        id: String,
        /// Merchant payout number.
        bill_no: String,
        /// Amount in fen.
        total_fee: i64,
        /// Title.
        title: String,
        /// Paid out.
        spay_result: bool,
        /// The bank's or channel's trade number.
        trade_no: String,
        /// The merchant's `optional` (a JSON text or an object).
        optional: Value,
        /// Creation time, ms.
        create_time: i64,
        /// The channel's details (with `need_detail`).
        message_detail: Value,
        /// `SUCCESS`, `FAIL` or `PROCESSING` (may be empty).
        transfer_status: BCTransferStatus,
        /// Payee name.
        account_name: String,
        /// Payee account number.
        account_no: String,
        /// Bank name (spelled `bank_full_name` here, `bank_fullname` in `bc_transfer`).
        bank_full_name: String,
        /// Webhook URL used for the payout.
        notify_url: String,
    }
}
