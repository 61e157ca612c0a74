//! Python's `beecloud.entity`: the app, channel values, request parameters, records and results.

pub use crate::app::{
    AgentConfig, BCApp, BCProxy, BCTimeout, BEECLOUD_API_HOST, CONNECT_READ_DEADLINE_READS,
    DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, WECHAT_API_HOST,
};
pub use crate::channel::BCChannelType;
pub use crate::params::{
    BCBatchTransferItem, BCBatchTransferParams, BCBillConfirmParams, BCCardTransferParams,
    BCInternationalPayParams, BCPayPalCreditCard, BCPayReqParams, BCPreRefundAuditParams,
    BCQueryCriteria, BCQueryReqParams, BCRefundReqParams, BCTransferRedPack, BCTransferReqParams,
};
pub use crate::records::{BCBill, BCCoupon, BCCouponTemplate, BCMerchantUser, BCRefund};
pub use crate::subscription_params::{BCPlan, BCSubscription};
// What the other official SDKs send: payouts and their query, card signing.
pub use crate::card_params::{BCCardChargeSignParams, BCCardSignParams};
pub use crate::payout_params::{
    BCCJTransferParams, BCT0TransferParams, BCT1TransferParams, BCTransferQueryParams,
};
pub use crate::records::{BCTransferRecord, BCTransferStatus};
pub use crate::results::*;
pub use crate::retry::BCRetry;
pub use crate::sensitive::SensitiveText;
