//! Smaller operations the other official SDKs send and Python does not: the online BC_GATEWAY bank
//! list, the BC_EXPRESS confirmation, sandbox notify and refund status with `bill_update_flag`.

use serde_json::{Map, Value};

use crate::beyond_params::BCBillConfirmParams;
use crate::channel::BCChannelType;
use crate::checks;
use crate::error::BCError;
use crate::http::{self, Op, Secret, TestMode, Wire};
use crate::params::to_fields;
use crate::pay::BCPay;
use crate::query::BCQuery;
use crate::results::{BCResult, BankNamesResult, EmptyResult, RefundStatusResult};

use Secret::{App, Unsigned};
use TestMode::{Only, Refused, Same};
use Wire::{GetPara, GetQuery, Post};

const QUERY_GATEWAY_BANKS: Op = Op::new(
    "query_bc_gateway_banks",
    GetPara,
    "rest/bc_gateway/banks",
    App,
    Same,
);
const QUERY_REFUND_STATUS_WITH_BILL_UPDATE: Op = Op::new(
    "query_refund_status_with_bill_update",
    GetPara,
    "rest/refund/status",
    App,
    Refused,
);
const CONFIRM_BILL: Op = Op::new("confirm_bill", Post, "rest/bill/confirm", App, Refused)
    .requiring(&["token", "bc_bill_id", "verify_code"]);
// The app id and bill id are path segments; nothing else travels, nothing is signed.
const SANDBOX_NOTIFY: Op = Op::new(
    "sandbox_notify",
    GetQuery,
    "rest/sandbox/notify",
    Unsigned,
    Only,
);

impl BCQuery {
    /// Bank names BC_GATEWAY accepts for a card type (`GET /2/rest/bc_gateway/banks`; the Java
    /// SDK's `getGateWayBanks`, PHP's `get_banks(…, 'BC_GATEWAY')`): `result.banks`. Pass one
    /// verbatim as `BCPayReqParams::bank`, with the same `card_type` (and `pay_type`). This
    /// replaces Python's static [`query_bc_gateway_supported_banks`](BCQuery::query_bc_gateway_supported_banks),
    /// whose bank codes the server stopped taking in 2016-12.
    ///
    /// `card_type`: `"1"` credit card, `"2"` debit card; `pay_type`: `"B2C"` or `"B2B"`. Test mode:
    /// the same path, test-signed (the Java and PHP SDKs sign it with the app secret even in
    /// sandbox mode, so the real server may want live mode for this call).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams};
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// let banks = bc_query.query_bc_gateway_banks("2", Some("B2C"))?;
    /// let mut params = BCPayReqParams::default();
    /// params.channel = Some(BCChannelType::BC_GATEWAY);
    /// params.card_type = Some("2".into());
    /// params.pay_type = Some("B2C".into());
    /// params.bank = banks.banks.first().cloned();
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`BCError::InvalidParams`] for a `card_type` other than `1`/`2` or a `pay_type` other than
    /// `B2C`/`B2B` (nothing is sent); [`BCError::NotConfigured`] without the app secret (test
    /// secret in test mode); [`BCError::Api`] for the server's refusals; the transport errors of
    /// every call.
    pub fn query_bc_gateway_banks(
        &self,
        card_type: &str,
        pay_type: Option<&str>,
    ) -> Result<BCResult<BankNamesResult>, BCError> {
        http::call(self.app()?, &QUERY_GATEWAY_BANKS, None, || {
            let mut fields = Map::from_iter([("card_type".to_string(), Value::from(card_type))]);
            if let Some(pay_type) = pay_type {
                fields.insert("pay_type".into(), pay_type.into());
            }
            checks::one_of(&fields, "card_type", &["1", "2"])?;
            checks::one_of(&fields, "pay_type", &["B2C", "B2B"])?;
            Ok(fields)
        })
    }

    /// [`query_refund_status`](BCQuery::query_refund_status) that also asks the server to bring
    /// the bill's refund totals up to date (`bill_update_flag` `"1"`, documented in the REST API;
    /// no SDK but PHP's pass-through sends it). Refused in test mode.
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCChannelType};
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// let status = bc_query.query_refund_status_with_bill_update(BCChannelType::WX, "20261201001")?;
    /// println!("{}", status.refund_status);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`BCError::NotSupportedInTestMode`] in test mode; [`BCError::NotConfigured`] without the
    /// app secret; [`BCError::Api`] for the server's refusals (`NO_SUCH_REFUND`…); the transport
    /// errors of every call.
    pub fn query_refund_status_with_bill_update(
        &self,
        channel: impl Into<BCChannelType>,
        refund_no: &str,
    ) -> Result<BCResult<RefundStatusResult>, BCError> {
        let channel = channel.into();
        http::call(
            self.app()?,
            &QUERY_REFUND_STATUS_WITH_BILL_UPDATE,
            None,
            || {
                Ok(Map::from_iter([
                    ("channel".to_string(), Value::from(channel.as_str())),
                    ("refund_no".to_string(), refund_no.into()),
                    ("bill_update_flag".to_string(), "1".into()),
                ]))
            },
        )
    }
}

impl BCPay {
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
    /// [`BCError::NotSupportedInTestMode`] in test mode; [`BCError::InvalidParams`] when
    /// `token`, `bc_bill_id` or `verify_code` is missing or empty; [`BCError::NotConfigured`]
    /// without the app secret; [`BCError::Api`] for the server's refusals (wrong code…); the
    /// transport errors of every call — after [`BCError::outcome_unknown`] query the bill before
    /// confirming again.
    pub fn confirm_bill(
        &self,
        params: &BCBillConfirmParams,
    ) -> Result<BCResult<EmptyResult>, BCError> {
        http::call(self.app()?, &CONFIRM_BILL, None, || {
            let fields = to_fields(params)?.to_map()?;
            checks::non_empty(&fields, CONFIRM_BILL.required)?;
            Ok(fields)
        })
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
    /// [`BCError::OnlyInTestMode`] in live mode (`-2`, nothing is sent);
    /// [`BCError::NotConfigured`] without an app id; [`BCError::InvalidParams`] for an empty
    /// `bill_id`; [`BCError::Api`] for the sandbox's refusals (unknown bill…); the transport errors
    /// of every call.
    pub fn sandbox_notify(&self, bill_id: &str) -> Result<BCResult<EmptyResult>, BCError> {
        let app = self.app()?;
        http::call_at(app, &SANDBOX_NOTIFY, &[&app.app_id, bill_id], || {
            if app.app_id.is_empty() {
                return Err(BCError::NotConfigured { what: "app id" });
            }
            Ok(Map::new())
        })
    }
}
