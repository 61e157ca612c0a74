//! Python's `beecloud.entity`: the app, channel values, request parameters, records and results.

pub use crate::app::{
    AgentConfig, BCApp, BCProxy, BCTimeout, BEECLOUD_API_HOST, DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT, WECHAT_API_HOST,
};
pub use crate::channel::BCChannelType;
pub use crate::params::{
    BCBatchTransferItem, BCBatchTransferParams, BCCardTransferParams, BCInternationalPayParams,
    BCPayPalCreditCard, BCPayReqParams, BCPlan, BCPreRefundAuditParams, BCQueryCriteria,
    BCQueryReqParams, BCRefundReqParams, BCSubscription, BCTransferRedPack, BCTransferReqParams,
};
pub use crate::records::{BCBill, BCCoupon, BCCouponTemplate, BCMerchantUser, BCRefund};
pub use crate::results::*;
