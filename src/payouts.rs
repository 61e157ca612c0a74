//! Bank-card payouts beyond Python's `bc_transfer`, as the Java and PHP SDKs send them: the payout
//! query, T0 and T1 payouts with their body `signature`, Chanpay (CJ) and JD payouts (their bank
//! lists are in `banks.rs`).
//! Every payout is live only: refused in test mode, like `bc_transfer`.

use serde_json::{Map, Value};

use crate::checks;
use crate::error::BCError;
use crate::http::{self, Op};
use crate::operations as op;
use crate::params::{BCCardTransferParams, to_fields};
use crate::pay::BCPay;
use crate::payout_params::{
    BCCJTransferParams, BCT0TransferParams, BCT1TransferParams, BCTransferQueryParams,
};
use crate::query::{BCQuery, filters};
use crate::results::{BCResult, CountResult, T1TransferResult, TransferResult, TransfersResult};

/// The checks every payout shares (the Java and PHP SDKs' own): the required fields are set and not
/// empty, `bill_no` is 8–32 letters and digits, the amount is a positive integer, `notify_url` is
/// http(s).
fn payout_fields(
    fields: Map<String, Value>,
    op: &Op,
    amount: &str,
) -> Result<Map<String, Value>, BCError> {
    checks::not_set_by_hand(&fields, "signature")?;
    checks::non_empty(&fields, op.required)?;
    checks::bill_no(&fields)?;
    checks::positive(&fields, amount)?;
    checks::url(&fields, "notify_url")?;
    Ok(fields)
}

impl BCQuery {
    /// One page of bank-card payouts (`GET /2/rest/transfers`; the Java SDK's `startTransferQuery`):
    /// `result.transfers`, newest first. Lists `bc_transfer`, `jd_transfer`, `cj_transfer`,
    /// `bc_t0_transfer` and `bc_t1_transfer` payouts, not WeChat/Alipay transfers. Page through all
    /// of them with [`transfers_iter`](BCQuery::transfers_iter).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCTransferQueryParams, BCTransferStatus};
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut filters = BCTransferQueryParams::default();
    /// filters.transfer_status = Some(BCTransferStatus::FAIL);
    /// for payout in &bc_query.query_transfers(&filters)?.transfers {
    ///     println!("{:?} {:?} {:?}", payout.bill_no, payout.total_fee, payout.message_detail);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] for a `bill_no` that is not 8–32 letters and digits, a negative
    ///   `skip` or a `limit` outside 10 to 50, before sending.
    pub fn query_transfers<'a>(
        &self,
        params: impl Into<Option<&'a BCTransferQueryParams>>,
    ) -> Result<BCResult<TransfersResult>, BCError> {
        let params = params.into();
        http::call(self.app()?, &op::query_transfers, None, || {
            let fields = filters(params, "payout queries", &[])?;
            checks::bill_no(&fields.to_map()?)?;
            Ok(fields)
        })
    }

    /// Number of bank-card payouts matching (`GET /2/rest/transfers/count`; the Java SDK's
    /// `startTransferQueryCount`): `result.count`. `need_detail`, `skip` and `limit` do not apply.
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// println!("{} payouts", bc_query.query_transfers_count(None)?.count);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`query_transfers`](BCQuery::query_transfers), and [`BCError::InvalidParams`] when
    /// `need_detail`, `skip` or `limit` is set.
    pub fn query_transfers_count<'a>(
        &self,
        params: impl Into<Option<&'a BCTransferQueryParams>>,
    ) -> Result<BCResult<CountResult>, BCError> {
        let params = params.into();
        http::call(self.app()?, &op::query_transfers_count, None, || {
            let fields = filters(params, "payout counts", &["need_detail", "skip", "limit"])?;
            checks::bill_no(&fields.to_map()?)?;
            Ok(fields)
        })
    }
}

impl BCPay {
    /// T0 payout to a bank card from the BeePay balance (`POST /2/rest/gateway/bc_transfer`; the
    /// Java SDK's `startBCT0transfer`, PHP's `gateway_transfer`): `result.id`. The SDK adds
    /// `app_id` and the body `signature` = md5(app_id + bill_no + withdraw_amount +
    /// bank_account_no + master secret); the request carries no `timestamp` and no `app_sign`, so
    /// the unique `bill_no` is its only replay barrier. The outcome arrives as a TRANSFER webhook
    /// (also for failures); [`BCQuery::query_transfers`] shows the state.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCT0TransferParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCT0TransferParams::default();
    /// params.withdraw_amount = Some(100); // fen
    /// params.bill_no = Some("20170517T0001".into());
    /// params.transfer_type = Some("1".into()); // personal account
    /// params.bank_name = Some("中国银行".into());
    /// params.bank_account_no = Some("6222000011112222".into());
    /// params.bank_account_name = Some("张三".into());
    /// params.bank_code = Some("BOC".into());
    /// params.note = Some("提现".into());
    /// println!("payout {:?}", bc_pay.bc_t0_transfer(&params)?.id);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] for a missing or empty required field, a `bill_no` that is not
    ///   8–32 letters and digits, an amount ≤ 0, a `transfer_type` other than `1`/`2`, a
    ///   non-http(s) `notify_url` or a hand-set `signature`, before sending.
    /// - [`BCError::NotConfigured`] without the master secret, which signs the payout.
    /// - `17 BILL_NO_DUPLICATE`: this `bill_no` was used before. Nothing expires these requests, so
    ///   a unique `bill_no` is what stops a replay: after [`BCError::outcome_unknown`], look the
    ///   payout up before sending again.
    pub fn bc_t0_transfer(
        &self,
        params: &BCT0TransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &op::bc_t0_transfer, None, || {
            let fields = payout_fields(
                to_fields(params)?.to_map()?,
                &op::bc_t0_transfer,
                "withdraw_amount",
            )?;
            checks::one_of(&fields, "transfer_type", &["1", "2"])?;
            Ok(fields)
        })
    }

    /// T1 payout to a bank card (`POST /2/rest/t1express/transfer`; the Java SDK's
    /// `startBCT1transfer`, PHP's `bct1_transfer`): `result.id` if the server sends one. Signed
    /// like [`bc_t0_transfer`](BCPay::bc_t0_transfer), with `total_fee` as the amount.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCT1TransferParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCT1TransferParams::default();
    /// params.total_fee = Some(100); // fen
    /// params.bill_no = Some("20170710T1001".into());
    /// params.is_personal = Some("1".into());
    /// params.bank_name = Some("中国银行".into());
    /// params.bank_account_no = Some("6222000011112222".into());
    /// params.bank_account_name = Some("张三".into());
    /// bc_pay.bc_t1_transfer(&params)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`bc_t0_transfer`](BCPay::bc_t0_transfer), with `is_personal` other than `1`/`0`
    /// refused instead of `transfer_type`.
    pub fn bc_t1_transfer(
        &self,
        params: &BCT1TransferParams,
    ) -> Result<BCResult<T1TransferResult>, BCError> {
        http::call(self.app()?, &op::bc_t1_transfer, None, || {
            let fields = payout_fields(
                to_fields(params)?.to_map()?,
                &op::bc_t1_transfer,
                "total_fee",
            )?;
            checks::one_of(&fields, "is_personal", &["1", "0"])?;
            Ok(fields)
        })
    }

    /// Chanpay (CJ) payout to a bank card (`POST /2/rest/cj_transfer`, master secret; the PHP
    /// SDK's `cj_transfer`, .NET's `BCCJBankCardTransfer`): `result.id`. The outcome arrives as a
    /// TRANSFER webhook.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCCJTransferParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCCJTransferParams::default();
    /// params.total_fee = Some(100);
    /// params.bill_no = Some("cj20161001001".into());
    /// params.title = Some("佣金".into());
    /// params.bank_name = Some("中国工商银行".into());
    /// params.bank_branch = Some("中国工商银行上海分行".into());
    /// params.province = Some("上海".into());
    /// params.city = Some("上海".into());
    /// params.card_type = Some("DEBIT".into());
    /// params.card_attribute = Some("C".into()); // personal account
    /// params.bank_account_no = Some("6222000011112222".into());
    /// params.account_name = Some("张三".into());
    /// println!("payout {:?}", bc_pay.cj_transfer(&params)?.id);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] for a missing or empty required field, a bad `bill_no` or
    ///   amount, a `card_type` other than `DEBIT`/`CREDIT` or a `card_attribute` other than
    ///   `B`/`C`, before sending.
    /// - After [`BCError::outcome_unknown`], look the payout up before sending again.
    pub fn cj_transfer(
        &self,
        params: &BCCJTransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &op::cj_transfer, None, || {
            let fields =
                payout_fields(to_fields(params)?.to_map()?, &op::cj_transfer, "total_fee")?;
            checks::one_of(&fields, "card_type", &["DEBIT", "CREDIT"])?;
            checks::one_of(&fields, "card_attribute", &["B", "C"])?;
            Ok(fields)
        })
    }

    /// JD payout to a bank card (`POST /2/rest/bc_user_transfer`, master secret; the PHP SDK's
    /// `bc_transfer` with `channel` `JD_TRANSFER`): the fields of
    /// [`bc_transfer`](BCPay::bc_transfer); the SDK adds `channel` = `JD_TRANSFER`. Bank names
    /// come from [`BCQuery::query_jd_transfer_supported_banks`].
    ///
    /// **Experimental**: only the PHP SDK sends it, and only its demo documents it.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCCardTransferParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCCardTransferParams::default();
    /// params.total_fee = Some(100);
    /// params.bill_no = Some("jd20170112001".into());
    /// params.title = Some("佣金".into());
    /// params.bank_fullname = Some("中国银行".into());
    /// params.card_type = Some("DE".into());
    /// params.account_type = Some("P".into());
    /// params.account_no = Some("6222000011112222".into());
    /// params.account_name = Some("张三".into());
    /// bc_pay.jd_transfer(&params)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] for a missing or empty required field, a bad `bill_no` or
    ///   amount, a `card_type` other than `DE`/`CR`, an `account_type` other than `P`/`C`, a
    ///   non-http(s) `notify_url` or a hand-set `channel`, before sending.
    /// - After [`BCError::outcome_unknown`], look the payout up before sending again.
    pub fn jd_transfer(
        &self,
        params: &BCCardTransferParams,
    ) -> Result<BCResult<TransferResult>, BCError> {
        http::call(self.app()?, &op::jd_transfer, None, || {
            let mut fields = to_fields(params)?.to_map()?;
            checks::not_set_by_hand(&fields, "channel")?;
            fields.insert("channel".into(), "JD_TRANSFER".into());
            let fields = payout_fields(fields, &op::jd_transfer, "total_fee")?;
            checks::one_of(&fields, "card_type", &["DE", "CR"])?;
            checks::one_of(&fields, "account_type", &["P", "C"])?;
            Ok(fields)
        })
    }
}
