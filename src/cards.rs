//! Card signing for direct debit (代扣): the Java SDK's `card/*` trio (2017) and
//! the PHP SDK's older `sign` route (2016). A signed card's `card_id` pays with `BC_CARD_CHARGE`.
//! All live only (refused in test mode), app secret, and **experimental**: no REST document
//! describes them and each generation is sent by one SDK only.

use serde_json::{Map, Value};

use crate::card_params::{BCCardChargeSignParams, BCCardSignParams};
use crate::checks;
use crate::error::BCError;
use crate::http::{self, Op};
use crate::operations as op;
use crate::params::to_fields;
use crate::pay::BCPay;
use crate::results::{BCResult, CardChargeSignResult, CardSignResult, EmptyResult};

/// The fields of a signing request, with every required one set and not empty.
fn signing_fields(fields: Map<String, Value>, op: &Op) -> Result<Map<String, Value>, BCError> {
    checks::non_empty(&fields, op.required)?;
    checks::url(&fields, "notify_url")?;
    Ok(fields)
}

impl BCPay {
    /// Verifies a payer's identity and signs their card for direct debit (`POST /2/card/sign`; the
    /// Java SDK's `startBCCardSign`): `result.card_id`. The signing completes asynchronously: a
    /// SIGN webhook (to `notify_url`, else the console URL) says whether it succeeded.
    ///
    /// **Experimental** (Java SDK only, no REST document).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCCardSignParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCCardSignParams::default();
    /// params.id_name = Some("张三".into());
    /// params.id_no = Some("320101199001011234".into());
    /// params.card_no = Some("6222000011112222".into());
    /// params.mobile = Some("13800000000".into());
    /// params.bank = Some("中国银行".into());
    /// println!("card {:?}", bc_pay.card_sign(&params)?.card_id);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] when one of the five identity fields is missing or empty, or
    ///   `notify_url` is not http(s), before sending.
    pub fn card_sign(
        &self,
        params: &BCCardSignParams,
    ) -> Result<BCResult<CardSignResult>, BCError> {
        http::call(self.app()?, &op::card_sign, None, || {
            signing_fields(to_fields(params)?.to_map()?, &op::card_sign)
        })
    }

    /// Verifies a payer's identity and card at once, without signing (`POST /2/card/sync_verify`;
    /// the Java SDK's `startBCSyncCardVerify`): `result.card_id`, for
    /// [`card_sync_sign`](BCPay::card_sync_sign).
    ///
    /// **Experimental** (Java SDK only, no REST document).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCCardSignParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCCardSignParams::default();
    /// params.id_name = Some("张三".into());
    /// params.id_no = Some("320101199001011234".into());
    /// params.card_no = Some("6222000011112222".into());
    /// params.mobile = Some("13800000000".into());
    /// params.bank = Some("中国银行".into());
    /// let verified = bc_pay.card_sync_verify(&params)?;
    /// if let Some(card_id) = &verified.card_id {
    ///     bc_pay.card_sync_sign(card_id)?;
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`card_sign`](BCPay::card_sign).
    pub fn card_sync_verify(
        &self,
        params: &BCCardSignParams,
    ) -> Result<BCResult<CardSignResult>, BCError> {
        http::call(self.app()?, &op::card_sync_verify, None, || {
            signing_fields(to_fields(params)?.to_map()?, &op::card_sync_verify)
        })
    }

    /// Signs a card verified by [`card_sync_verify`](BCPay::card_sync_verify) (`POST
    /// /2/card/sync_sign`; the Java SDK's `startBCSyncCardSign`): the envelope; `Ok` means signed.
    ///
    /// **Experimental** (Java SDK only, no REST document).
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// bc_pay.card_sync_sign("card id from card_sync_verify")?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] for an empty `card_id`.
    /// - [`BCError::Api`] for a card the server does not know (the REST docs name no code): sign
    ///   the card first.
    pub fn card_sync_sign(&self, card_id: &str) -> Result<BCResult<EmptyResult>, BCError> {
        http::call(self.app()?, &op::card_sync_sign, None, || {
            let fields = Map::from_iter([("card_id".to_string(), Value::from(card_id))]);
            signing_fields(fields, &op::card_sync_sign)
        })
    }

    /// Signs a debit card with an SMS code, the 2016 route (`POST /2/sign`; the PHP SDK's
    /// `card_charge_sign`): `result.id`, the SIGN webhook's `transaction_id`; the `card_id`
    /// arrives in that webhook's `message_detail` (or here, if the server sends it). Get
    /// `sms_id` from [`send_sms_passcode`](BCPay::send_sms_passcode).
    ///
    /// **Experimental** (PHP SDK only; Node's copy never reached the wire).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCCardChargeSignParams};
    /// use beecloud::pay::BCPay;
    ///
    /// let bc_pay = BCPay::new(BCApp::new("app id", "app secret", "master secret"));
    /// let sms = bc_pay.send_sms_passcode("13800000000")?;
    /// let mut params = BCCardChargeSignParams::default();
    /// params.mobile = Some("13800000000".into());
    /// params.bank = Some("中国银行".into());
    /// params.id_no = Some("320101199001011234".into());
    /// params.name = Some("张三".into());
    /// params.card_no = Some("6222000011112222".into());
    /// params.sms_id = Some(sms.sms_id.clone());
    /// params.sms_code = Some("123456".into());
    /// println!("signing {:?}", bc_pay.card_charge_sign(&params)?.id);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] when one of the seven fields is missing or empty.
    /// - [`BCError::Api`] for a wrong or expired SMS code (the REST docs name no code): send a new
    ///   code and ask the payer again.
    pub fn card_charge_sign(
        &self,
        params: &BCCardChargeSignParams,
    ) -> Result<BCResult<CardChargeSignResult>, BCError> {
        http::call(self.app()?, &op::card_charge_sign, None, || {
            signing_fields(to_fields(params)?.to_map()?, &op::card_charge_sign)
        })
    }
}
