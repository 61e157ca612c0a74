//! [`BCPay`]: payments, refunds, pre-refund audits, transfers and subscriptions
//! (Python's `beecloud.pay.BCPay`, plus `beecloud.subscribe.BCSubscribe`).

use serde_json::{Map, Value};

use crate::app::{BCApp, registered};
use crate::channel::BCChannelType;
use crate::error::BCError;
use crate::http::{self, Op, Secret, TestMode, Wire};
use crate::params::Fields;
use crate::params::{
    BCBatchTransferParams, BCCardTransferParams, BCInternationalPayParams, BCPayReqParams, BCPlan,
    BCPreRefundAuditParams, BCRefundReqParams, BCSubscription, BCTransferReqParams, to_fields,
};
use crate::results::{
    AuditPreRefundsResult, BCResult, IdResult, InternationalPayResult, OfflinePayResult,
    OfflineRefundResult, OfflineRevertResult, PayResult, PlanResult, RefundResult, SmsResult,
    SubscriptionResult, TransferResult,
};

/// What `pay` and `offline_pay` send as `bc_analysis.sdk_version`.
pub const SDK_VERSION: &str = concat!("RUST_", env!("CARGO_PKG_VERSION"));

use Secret::{App, Master};
use TestMode::{Refused, Same, Sandbox};
use Wire::{Delete, Post, Put};

const BILL: &[&str] = &["channel", "total_fee", "bill_no", "title"];
const REFUND: &[&str] = &["refund_no", "bill_no", "refund_fee"];

const PAY: Op =
    Op::new("pay", Post, "rest/bill", App, Sandbox("rest/sandbox/bill")).requiring(BILL);
const OFFLINE_PAY: Op =
    Op::new("offline_pay", Post, "rest/offline/bill", App, Refused).requiring(BILL);
const INTERNATIONAL_PAY: Op = Op::new(
    "international_pay",
    Post,
    "rest/international/bill",
    App,
    Refused,
)
.requiring(&["channel", "total_fee", "currency", "bill_no", "title"]);
const REFUND_OP: Op = Op::new("refund", Post, "rest/refund", Master, Refused).requiring(REFUND);
const OFFLINE_REFUND: Op = Op::new(
    "offline_refund",
    Post,
    "rest/offline/refund",
    Master,
    Refused,
)
.requiring(REFUND);
const OFFLINE_REVERT: Op = Op::new("offline_revert", Post, "rest/offline/bill", App, Refused);
const AUDIT_PRE_REFUNDS: Op =
    Op::new("audit_pre_refunds", Put, "rest/refund", Master, Refused).requiring(&["ids", "agree"]);
const TRANSFER: Op = Op::new("transfer", Post, "rest/transfer", Master, Refused).requiring(&[
    "channel",
    "transfer_no",
    "total_fee",
    "desc",
    "channel_user_id",
]);
/// The required fields of a bank-card payout (`bc_transfer`, `jd_transfer`).
pub(crate) const CARD_TRANSFER: &[&str] = &[
    "total_fee",
    "bill_no",
    "title",
    "trade_source",
    "bank_fullname",
    "card_type",
    "account_type",
    "account_no",
    "account_name",
];
const BC_TRANSFER: Op =
    Op::new("bc_transfer", Post, "rest/bc_transfer", Master, Refused).requiring(CARD_TRANSFER);
const BATCH_TRANSFER: Op = Op::new("batch_transfer", Post, "rest/transfers", Master, Refused)
    .requiring(&["channel", "batch_no", "account_name", "transfer_data"]);
const CREATE_PLAN: Op =
    Op::new("create_plan", Post, "plan", App, Same).requiring(&["fee", "interval", "name"]);
const UPDATE_PLAN: Op = Op::new("update_plan", Put, "plan", App, Same);
const DELETE_PLAN: Op = Op::new("delete_plan", Delete, "plan", App, Same);
const SUBSCRIBE: Op =
    Op::new("subscribe", Post, "subscription", App, Same).requiring(&["buyer_id", "plan_id"]);
const UPDATE_SUBSCRIPTION: Op = Op::new("update_subscription", Put, "subscription", App, Same);
const CANCEL_SUBSCRIPTION: Op = Op::new("cancel_subscription", Delete, "subscription", App, Same);

/// Payments, refunds and transfers (Python's `BCPay`); also the plan and subscription calls of
/// Python's `BCSubscribe`, where the Python README places them.
///
/// ```no_run
/// use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams};
/// use beecloud::pay::BCPay;
///
/// let mut bc_app = BCApp::default();
/// bc_app.app_id = "your app id".into();
/// bc_app.app_secret = "your app secret".into();
/// let mut bc_pay = BCPay::default();
/// bc_pay.register_app(bc_app);
///
/// let mut req_params = BCPayReqParams::default();
/// req_params.channel = Some(BCChannelType::UN_WEB);
/// req_params.title = Some("支付测试".into());
/// req_params.total_fee = Some(1); // fen
/// req_params.bill_no = Some("billno123".into());
/// req_params.return_url = Some("https://beecloud.cn/".into());
/// match bc_pay.pay(&req_params) {
///     Ok(result) => println!("render {:?}", result.html),
///     Err(e) => eprintln!("{} {} {}", e.result_code().unwrap_or_default(), e.result_msg(), e.err_detail()),
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct BCPay {
    bc_app: Option<BCApp>,
}

impl BCPay {
    /// A `BCPay` with `bc_app` registered.
    pub fn new(bc_app: BCApp) -> Self {
        BCPay {
            bc_app: Some(bc_app),
        }
    }

    /// Sets the app every later call uses.
    pub fn register_app(&mut self, bc_app: BCApp) {
        self.bc_app = Some(bc_app);
    }

    pub(crate) fn app(&self) -> Result<&BCApp, BCError> {
        registered(&self.bc_app)
    }

    /// Creates an online bill (`POST /2/rest/bill`; test mode: the sandbox). The result carries what
    /// the channel needs: `url`, `html`, `code_url`, JSAPI fields…
    pub fn pay(&self, params: &BCPayReqParams) -> Result<BCResult<PayResult>, BCError> {
        http::call(self.app()?, &PAY, None, || {
            with_sdk_version(to_fields(params)?)
        })
    }

    /// Creates an in-store bill (`POST /2/rest/offline/bill`); poll
    /// [`query_offline_bill_status`](crate::query::BCQuery::query_offline_bill_status) for the outcome.
    pub fn offline_pay(
        &self,
        params: &BCPayReqParams,
    ) -> Result<BCResult<OfflinePayResult>, BCError> {
        http::call(self.app()?, &OFFLINE_PAY, None, || {
            with_sdk_version(to_fields(params)?)
        })
    }

    /// Creates a PayPal bill (`POST /2/rest/international/bill`).
    pub fn international_pay(
        &self,
        params: &BCInternationalPayParams,
    ) -> Result<BCResult<InternationalPayResult>, BCError> {
        http::call(self.app()?, &INTERNATIONAL_PAY, None, || to_fields(params))
    }

    /// Refunds a paid bill, or with `need_approval` creates a pre-refund (`POST /2/rest/refund`,
    /// master secret). For ALI the merchant must confirm at `result.url`.
    pub fn refund(&self, params: &BCRefundReqParams) -> Result<BCResult<RefundResult>, BCError> {
        http::call(self.app()?, &REFUND_OP, None, || to_fields(params))
    }

    /// Refunds an in-store bill (`POST /2/rest/offline/refund`, master secret).
    pub fn offline_refund(
        &self,
        params: &BCRefundReqParams,
    ) -> Result<BCResult<OfflineRefundResult>, BCError> {
        http::call(self.app()?, &OFFLINE_REFUND, None, || {
            if params.need_approval.is_some() {
                return Err(BCError::invalid(
                    "`need_approval` is not available for offline refunds",
                ));
            }
            to_fields(params)
        })
    }

    /// Reverts (cancels) an unpaid in-store bill (`POST /2/rest/offline/bill/{bill_no}`).
    pub fn offline_revert(
        &self,
        bill_no: &str,
        channel: Option<BCChannelType>,
    ) -> Result<BCResult<OfflineRevertResult>, BCError> {
        http::call(self.app()?, &OFFLINE_REVERT, Some(bill_no), || {
            let mut fields = Map::new();
            if let Some(channel) = channel {
                fields.insert("channel".into(), channel.as_str().into());
            }
            fields.insert("method".into(), "REVERT".into());
            Ok(fields)
        })
    }

    /// Approves or denies pre-refunds (`PUT /2/rest/refund`, master secret).
    pub fn audit_pre_refunds(
        &self,
        params: &BCPreRefundAuditParams,
    ) -> Result<BCResult<AuditPreRefundsResult>, BCError> {
        http::call(self.app()?, &AUDIT_PRE_REFUNDS, None, || to_fields(params))
    }

    /// Sends a WeChat red pack, a WeChat or an Alipay transfer (`POST /2/rest/transfer`, master secret).
    pub fn transfer(
        &self,
        params: &BCTransferReqParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &TRANSFER, None, || to_fields(params))
    }

    /// Pays out to a bank card through BeeCloud (`POST /2/rest/bc_transfer`, master secret); the
    /// outcome arrives by webhook.
    pub fn bc_transfer(
        &self,
        params: &BCCardTransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &BC_TRANSFER, None, || to_fields(params))
    }

    /// Alipay batch payout (`POST /2/rest/transfers`, master secret); confirm at `result.url`.
    pub fn batch_transfer(
        &self,
        params: &BCBatchTransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &BATCH_TRANSFER, None, || to_fields(params))
    }

    /// Sends an SMS code for `subscribe` (as the Python README places it; also
    /// [`utils::send_sms_passcode`](crate::utils::send_sms_passcode)).
    pub fn send_sms_passcode(&self, phone: &str) -> Result<BCResult<SmsResult>, BCError> {
        crate::utils::send_sms_passcode(self.app()?, phone)
    }

    /// Subscribes a buyer to a plan (`POST /2/subscription`). `result.subscription.valid == Some(false)`
    /// means pending: the outcome arrives by webhook.
    pub fn subscribe(
        &self,
        subscription: &BCSubscription,
        sms_id: &str,
        sms_code: &str,
        coupon_code: Option<&str>,
    ) -> Result<BCResult<SubscriptionResult>, BCError> {
        http::call(self.app()?, &SUBSCRIBE, None, || {
            let mut fields = to_fields(subscription)?;
            insert_new(&mut fields, "sms_id", sms_id.into())?;
            insert_new(&mut fields, "sms_code", sms_code.into())?;
            if let Some(coupon_code) = coupon_code {
                insert_new(&mut fields, "coupon_code", coupon_code.into())?;
            }
            Ok(fields)
        })
    }

    /// Cancels a subscription now (`DELETE /2/subscription/{id}`).
    pub fn cancel_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(
            self.app()?,
            &CANCEL_SUBSCRIPTION,
            Some(subscription_id),
            || Ok(Map::new()),
        )
    }

    /// Cancels a subscription after its next charge (`at_period_end`, a REST option Python cannot
    /// send).
    pub fn cancel_subscription_at_period_end(
        &self,
        subscription_id: &str,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(
            self.app()?,
            &CANCEL_SUBSCRIPTION,
            Some(subscription_id),
            || Ok(Map::from_iter([("at_period_end".to_string(), true.into())])),
        )
    }

    /// Changes a subscription (`PUT /2/subscription/{id}`): every field set in `changes` is sent
    /// (Python's `**kwargs`).
    pub fn update_subscription(
        &self,
        subscription_id: &str,
        changes: &BCSubscription,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(
            self.app()?,
            &UPDATE_SUBSCRIPTION,
            Some(subscription_id),
            || to_fields(changes),
        )
    }

    /// Creates a plan (`POST /2/plan`).
    pub fn create_plan(&self, plan: &BCPlan) -> Result<BCResult<PlanResult>, BCError> {
        http::call(self.app()?, &CREATE_PLAN, None, || to_fields(plan))
    }

    /// Renames a plan or replaces its `optional` (`PUT /2/plan/{id}`).
    pub fn update_plan(
        &self,
        plan_id: &str,
        name: Option<&str>,
        optional: Option<&Map<String, Value>>,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(self.app()?, &UPDATE_PLAN, Some(plan_id), || {
            let mut fields = Map::new();
            if let Some(name) = name {
                fields.insert("name".into(), name.into());
            }
            if let Some(optional) = optional {
                fields.insert("optional".into(), Value::Object(optional.clone()));
            }
            Ok(fields)
        })
    }

    /// Deletes a plan (`DELETE /2/plan/{id}`).
    pub fn delete_plan(&self, plan_id: &str) -> Result<BCResult<IdResult>, BCError> {
        http::call(self.app()?, &DELETE_PLAN, Some(plan_id), || Ok(Map::new()))
    }
}

/// Adds `bc_analysis` (wire-contract §5).
fn with_sdk_version(mut fields: Fields) -> Result<Fields, BCError> {
    fields.insert(
        "bc_analysis".into(),
        serde_json::json!({ "sdk_version": SDK_VERSION }),
    );
    Ok(fields)
}

/// Adds a field the SDK sets from an argument, refusing to overwrite one set through `set()`.
fn insert_new(fields: &mut Fields, key: &str, value: Value) -> Result<(), BCError> {
    if fields.contains_key(key) {
        return Err(BCError::invalid(format!(
            "`{key}` is an argument and cannot also be set on the params"
        )));
    }
    fields.insert(key.into(), value);
    Ok(())
}
