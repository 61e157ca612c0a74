//! [`BCPay`]: payments, refunds, pre-refund audits and transfers (Python's `beecloud.pay.BCPay`),
//! with the BC_EXPRESS confirmation and the sandbox's notify that the other official SDKs send.
//! Its plan and subscription calls (Python's `beecloud.subscribe.BCSubscribe`) are in
//! [`crate::subscribe`].

use serde_json::Map;

use crate::app::{BCApp, registered};
use crate::channel::BCChannelType;
use crate::checks;
use crate::error::BCError;
use crate::http;
use crate::operations as op;
use crate::params::Fields;
use crate::params::{
    BCBatchTransferParams, BCBillConfirmParams, BCCardTransferParams, BCInternationalPayParams,
    BCPayReqParams, BCPreRefundAuditParams, BCRefundReqParams, BCTransferReqParams, to_fields,
};
use crate::results::{
    AuditPreRefundsResult, BCResult, EmptyResult, InternationalPayResult, OfflinePayResult,
    OfflineRefundResult, OfflineRevertResult, PayResult, RefundResult, TransferResult,
};

/// What `pay` and `offline_pay` send as `bc_analysis.sdk_version`.
pub const SDK_VERSION: &str = concat!("RUST_", env!("CARGO_PKG_VERSION"));

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
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCPayReqParams::default();
    /// params.channel = Some(beecloud::BCChannelType::ALI_WEB);
    /// params.title = Some("order 1".into());
    /// params.total_fee = Some(100); // fen
    /// params.bill_no = Some(beecloud::utils::order_num_on_datetime());
    /// params.return_url = Some("https://example.com/paid".into());
    /// let result = bc_pay.pay(&params)?;
    /// println!("redirect the payer to {:?}", result.url);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - `17 BILL_NO_DUPLICATE` ([`is_duplicate`](BCError::is_duplicate)): this `bill_no` was used
    ///   before. After a retry, query the bill: it may be your first attempt, already accepted.
    /// - `2 PAY_FACTOR_NOT_SET`: the channel is not enabled for this app; set it up in BeeCloud's
    ///   console.
    /// - `3 CHANNEL_INVALID`: the channel does not pay online (an in-store or payout channel).
    /// - `7 CHANNEL_ERROR`: the channel itself refused to start the payment (`err_detail` says
    ///   why).
    pub fn pay(&self, params: &BCPayReqParams) -> Result<BCResult<PayResult>, BCError> {
        http::call(self.app()?, &op::pay, None, || {
            with_sdk_version(to_fields(params)?)
        })
    }

    /// Creates an in-store bill (`POST /2/rest/offline/bill`); poll
    /// [`query_offline_bill_status`](crate::query::BCQuery::query_offline_bill_status) for the outcome.
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCPayReqParams::default();
    /// params.channel = Some(beecloud::BCChannelType::WX_SCAN);
    /// params.title = Some("in store".into());
    /// params.total_fee = Some(100);
    /// params.bill_no = Some(beecloud::utils::order_num_on_datetime());
    /// params.auth_code = Some("code scanned from the payer's phone".into());
    /// let result = bc_pay.offline_pay(&params)?;
    /// println!("{:?} paid now: {:?}", result.id, result.pay_result);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `17 BILL_NO_DUPLICATE`: this `bill_no` was used before; query the bill after a retry.
    /// - `2 PAY_FACTOR_NOT_SET` / `3 CHANNEL_INVALID`: the channel is not enabled, or is not an
    ///   in-store one.
    /// - `7 CHANNEL_ERROR`: the channel refused or failed (`err_detail` says why); ask
    ///   [`query_offline_bill_status`](crate::BCQuery::query_offline_bill_status) before charging
    ///   the payer again.
    pub fn offline_pay(
        &self,
        params: &BCPayReqParams,
    ) -> Result<BCResult<OfflinePayResult>, BCError> {
        http::call(self.app()?, &op::offline_pay, None, || {
            with_sdk_version(to_fields(params)?)
        })
    }

    /// Creates a PayPal bill (`POST /2/rest/international/bill`).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCInternationalPayParams::default();
    /// params.channel = Some(beecloud::BCChannelType::PAYPAL_PAYPAL);
    /// params.title = Some("order 1".into());
    /// params.total_fee = Some(100);
    /// params.currency = Some("USD".into());
    /// params.bill_no = Some(beecloud::utils::order_num_on_datetime());
    /// params.return_url = Some("https://example.com/paid".into());
    /// let result = bc_pay.international_pay(&params)?;
    /// println!("{:?}", result.url);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `17 BILL_NO_DUPLICATE`: this `bill_no` was used before; query the bill after a retry.
    /// - `2 PAY_FACTOR_NOT_SET` / `3 CHANNEL_INVALID`: PayPal is not enabled, or the channel is not
    ///   a PayPal one.
    /// - `7 CHANNEL_ERROR`: PayPal refused the payment (`err_detail` says why).
    pub fn international_pay(
        &self,
        params: &BCInternationalPayParams,
    ) -> Result<BCResult<InternationalPayResult>, BCError> {
        http::call(self.app()?, &op::international_pay, None, || {
            to_fields(params)
        })
    }

    /// Step 2 of a BC_EXPRESS payment (`POST /2/rest/bill/confirm`; the Java SDK's `billConfirm`,
    /// PHP's `confirm_bill_pay`): sends the SMS code the payer received, with the `token` and `id`
    /// that the BC_EXPRESS [`pay`](BCPay::pay) returned. `Ok` means accepted; the PAY webhook
    /// says when the money moved. Refused in test mode.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCBillConfirmParams, BCChannelType, BCPayReqParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCPayReqParams::default();
    /// params.channel = Some(BCChannelType::BC_EXPRESS);
    /// params.total_fee = Some(1);
    /// params.bill_no = Some("express20170510".into());
    /// params.title = Some("快捷支付".into());
    /// params.buyer_id = Some("buyer-1".into());
    /// let bill = bc_pay.pay(&params)?;
    ///
    /// let mut confirm = BCBillConfirmParams::default();
    /// confirm.token = bill.token.clone();
    /// confirm.bc_bill_id = Some(bill.id.clone());
    /// confirm.verify_code = Some("123456".into()); // what the payer typed
    /// bc_pay.confirm_bill(&confirm)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] when `token`, `bc_bill_id` or `verify_code` is missing or
    ///   empty.
    /// - [`BCError::Api`] for a wrong or expired SMS code (the REST docs name no code): ask the
    ///   payer again.
    /// - After [`BCError::outcome_unknown`], query the bill before confirming again.
    pub fn confirm_bill(
        &self,
        params: &BCBillConfirmParams,
    ) -> Result<BCResult<EmptyResult>, BCError> {
        http::call(self.app()?, &op::confirm_bill, None, || {
            let fields = to_fields(params)?.to_map()?;
            checks::non_empty(&fields, op::confirm_bill.required)?;
            Ok(fields)
        })
    }

    /// Refunds a paid bill, or with `need_approval` creates a pre-refund (`POST /2/rest/refund`,
    /// master secret). For ALI the merchant must confirm at `result.url`.
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCRefundReqParams::default();
    /// params.bill_no = Some("the bill's bill_no".into());
    /// // must start with today's date in Beijing
    /// params.refund_no = Some(beecloud::utils::order_num_on_beijing_datetime());
    /// params.refund_fee = Some(100);
    /// let result = bc_pay.refund(&params)?;
    /// println!("{} {:?}", result.id, result.url);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `8 NO_SUCH_BILL`: no bill has this `bill_no`.
    /// - `9`–`12` ([`is_refund_refused`](BCError::is_refund_refused)): the bill is unpaid (`9`),
    ///   past its refund window (`10`), has a refund in progress (`11`), or the amount is more
    ///   than is left to refund (`12`).
    /// - `5 PARAM_INVALID` also for a `refund_no` that does not start with today's date in Beijing
    ///   ([`order_num_on_beijing_datetime`](crate::utils::order_num_on_beijing_datetime) builds
    ///   one).
    /// - `16 PREREFUND_DUPLICATE`: a pre-refund of this bill is already waiting for audit.
    pub fn refund(&self, params: &BCRefundReqParams) -> Result<BCResult<RefundResult>, BCError> {
        http::call(self.app()?, &op::refund, None, || to_fields(params))
    }

    /// Refunds an in-store bill (`POST /2/rest/offline/refund`, master secret).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCRefundReqParams::default();
    /// params.bill_no = Some("the bill's bill_no".into());
    /// params.refund_no = Some(beecloud::utils::order_num_on_beijing_datetime());
    /// params.refund_fee = Some(100);
    /// let result = bc_pay.offline_refund(&params)?;
    /// println!("refunded: {:?}", result.refund_result);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] when `need_approval` is set: in-store refunds have no audit.
    /// - `8` and `9`–`12` as for [`refund`](BCPay::refund): no such bill, or its state forbids the
    ///   refund.
    pub fn offline_refund(
        &self,
        params: &BCRefundReqParams,
    ) -> Result<BCResult<OfflineRefundResult>, BCError> {
        http::call(self.app()?, &op::offline_refund, None, || {
            if params.need_approval.is_some() {
                return Err(BCError::invalid(
                    "`need_approval` is not available for offline refunds",
                ));
            }
            to_fields(params)
        })
    }

    /// Reverts (cancels) an unpaid in-store bill (`POST /2/rest/offline/bill/{bill_no}`).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let result = bc_pay.offline_revert("the bill's bill_no", Some(beecloud::BCChannelType::WX_SCAN))?;
    /// println!("reverted: {:?}", result.revert_status);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `8 NO_SUCH_BILL`: no in-store bill has this `bill_no`.
    pub fn offline_revert(
        &self,
        bill_no: &str,
        channel: Option<BCChannelType>,
    ) -> Result<BCResult<OfflineRevertResult>, BCError> {
        http::call(self.app()?, &op::offline_revert, Some(bill_no), || {
            let mut fields = Map::new();
            if let Some(channel) = channel {
                fields.insert("channel".into(), channel.as_str().into());
            }
            fields.insert("method".into(), "REVERT".into());
            Ok(fields)
        })
    }

    /// Approves or denies pre-refunds (`PUT /2/rest/refund`, master secret).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCPreRefundAuditParams::default();
    /// params.channel = Some(beecloud::BCChannelType::WX);
    /// params.ids = Some(vec!["pre-refund id".into()]);
    /// params.agree = Some(true);
    /// let result = bc_pay.audit_pre_refunds(&params)?;
    /// println!("{:?}", result.result_map);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - A pre-refund that fails on its own is not an `Err`: it is in `result.result_map` of the
    ///   `Ok`.
    pub fn audit_pre_refunds(
        &self,
        params: &BCPreRefundAuditParams,
    ) -> Result<BCResult<AuditPreRefundsResult>, BCError> {
        http::call(self.app()?, &op::audit_pre_refunds, None, || {
            to_fields(params)
        })
    }

    /// Sends a WeChat red pack, a WeChat or an Alipay transfer (`POST /2/rest/transfer`, master secret).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCTransferReqParams::default();
    /// params.channel = Some(beecloud::BCChannelType::WX_TRANSFER);
    /// params.transfer_no = Some("0123456789".into());
    /// params.total_fee = Some(100);
    /// params.desc = Some("refund of order 1".into());
    /// params.channel_user_id = Some("receiver's openid".into());
    /// bc_pay.transfer(&params)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `3 CHANNEL_INVALID`: a channel other than `WX_REDPACK`, `WX_TRANSFER` or `ALI_TRANSFER`.
    /// - `2 PAY_FACTOR_NOT_SET`: the channel is not enabled for this app.
    /// - `7 CHANNEL_ERROR`: WeChat or Alipay refused the payout (balance, payee…; `err_detail`
    ///   says why).
    pub fn transfer(
        &self,
        params: &BCTransferReqParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &op::transfer, None, || to_fields(params))
    }

    /// Pays out to a bank card through BeeCloud (`POST /2/rest/bc_transfer`, master secret); the
    /// outcome arrives by webhook.
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCCardTransferParams::default();
    /// params.total_fee = Some(100);
    /// params.bill_no = Some(beecloud::utils::order_num_on_datetime());
    /// params.title = Some("payout".into());
    /// params.bank_fullname = Some("中国银行".into());
    /// # params.card_type = Some("DE".into());
    /// # params.account_type = Some("P".into());
    /// params.account_no = Some("card number".into());
    /// params.account_name = Some("card holder".into());
    /// bc_pay.bc_transfer(&params)?; // the outcome arrives by webhook
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `17 BILL_NO_DUPLICATE`: this `bill_no` was used before; after a retry, look the payout up
    ///   ([`find_transfer_by_no`](crate::BCQuery::find_transfer_by_no)).
    /// - `5 PARAM_INVALID` also for a `bank_fullname` not in
    ///   [`query_bc_transfer_supported_banks`](crate::BCQuery::query_bc_transfer_supported_banks).
    /// - `15 NETWORK_ERROR`: BeeCloud's own link to the bank failed (not the SDK's `-1`); look the
    ///   payout up before sending it again.
    pub fn bc_transfer(
        &self,
        params: &BCCardTransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &op::bc_transfer, None, || to_fields(params))
    }

    /// Alipay batch payout (`POST /2/rest/transfers`, master secret); confirm at `result.url`.
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut item = beecloud::entity::BCBatchTransferItem::default();
    /// item.transfer_id = Some(beecloud::utils::order_num_on_datetime());
    /// item.receiver_account = Some("alipay account".into());
    /// # item.receiver_name = Some("name".into());
    /// item.transfer_fee = Some(100);
    /// # item.transfer_note = Some("note".into());
    /// let mut params = beecloud::entity::BCBatchTransferParams::default();
    /// params.batch_no = Some(beecloud::utils::order_num_on_datetime());
    /// params.account_name = Some("payer account name".into());
    /// params.transfer_data = Some(vec![item]);
    /// let result = bc_pay.batch_transfer(&params)?;
    /// println!("confirm at {:?}", result.url);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `3 CHANNEL_INVALID`: a channel other than `ALI`.
    /// - `2 PAY_FACTOR_NOT_SET` / `7 CHANNEL_ERROR`: Alipay is not enabled, or refused the batch
    ///   (`err_detail` says why).
    pub fn batch_transfer(
        &self,
        params: &BCBatchTransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &op::batch_transfer, None, || to_fields(params))
    }

    /// Test mode only: pays a sandbox bill as the payer would, so the sandbox sends its PAY webhook
    /// (`GET /2/rest/sandbox/notify/{app_id}/{bill_id}`, unsigned; what the Android and iOS SDKs'
    /// mock cashier does). `bill_id` is the `id` a sandbox [`pay`](BCPay::pay) returned, not the
    /// `bill_no`. The sandbox push is signed with the legacy `sign` and the test secret.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let mut bc_app = BCApp::new("app id", "app secret", "master secret");
    /// bc_app.test_secret = "test secret".into();
    /// bc_app.is_test_mode = true;
    /// let bc_pay = BCPay::new(bc_app);
    /// let mut params = BCPayReqParams::default();
    /// params.channel = Some(BCChannelType::WX_NATIVE);
    /// params.total_fee = Some(1);
    /// params.bill_no = Some("sandbox20261201".into());
    /// params.title = Some("沙箱测试".into());
    /// let bill = bc_pay.pay(&params)?;
    /// bc_pay.sandbox_notify(&bill.id)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::OnlyInTestMode`] (`-2`, nothing sent) in live mode.
    /// - [`BCError::InvalidParams`] for an empty `bill_id`.
    /// - [`BCError::Api`] when the sandbox has no such bill: pass the `id` that `pay` returned, not
    ///   the `bill_no`.
    pub fn sandbox_notify(&self, bill_id: &str) -> Result<BCResult<EmptyResult>, BCError> {
        let app = self.app()?;
        http::call_at(app, &op::sandbox_notify, &[&app.app_id, bill_id], || {
            if app.app_id.is_empty() {
                return Err(BCError::NotConfigured { what: "app id" });
            }
            Ok(Map::new())
        })
    }
}

/// Adds `bc_analysis`, the SDK name and version that every payment carries so BeeCloud can tell
/// the SDKs apart.
fn with_sdk_version(mut fields: Fields) -> Result<Fields, BCError> {
    fields.insert(
        "bc_analysis".into(),
        serde_json::json!({ "sdk_version": SDK_VERSION }),
    );
    Ok(fields)
}
