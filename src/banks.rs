//! Bank lists: which banks a payment channel, a payout or a subscription accepts. All but
//! Python's static BC_GATEWAY table ask the server.

use serde_json::{Map, Value};

use crate::checks;
use crate::error::BCError;
use crate::http;
use crate::operations as op;
use crate::query::BCQuery;
use crate::results::{BCResult, BankListResult, BankNamesResult, SubscriptionBanksResult};

/// The banks of BC_GATEWAY (code, name): Python's `query_bc_gateway_supported_banks`, a local table.
pub const BC_GATEWAY_BANKS: &[(&str, &str)] = &[
    ("CMB", "招商银行"),
    ("ICBC", "工商银行"),
    ("BOC", "中国银行"),
    ("ABC", "农业银行"),
    ("BOCM", "交通银行"),
    ("SPDB", "浦发银行"),
    ("GDB", "广发银行"),
    ("CITIC", "中信银行"),
    ("CEB", "光大银行"),
    ("CIB", "兴业银行"),
    ("SDB", "平安银行"),
    ("CMBC", "民生银行"),
    ("BEA", "东亚银行"),
    ("BOB", "北京银行"),
    ("SRCB", "上海农商行"),
    ("NJCB", "南京银行"),
    ("NBCB", "宁波银行"),
];

impl BCQuery {
    /// The banks of BC_GATEWAY, code → name; no request.
    pub fn query_bc_gateway_supported_banks(&self) -> &'static [(&'static str, &'static str)] {
        BC_GATEWAY_BANKS
    }

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
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::InvalidParams`] for a `card_type` other than `1`/`2` or a `pay_type` other than
    ///   `B2C`/`B2B`, before sending.
    pub fn query_bc_gateway_banks(
        &self,
        card_type: &str,
        pay_type: Option<&str>,
    ) -> Result<BCResult<BankNamesResult>, BCError> {
        http::call(self.app()?, &op::query_bc_gateway_banks, None, || {
            let mut fields = Map::from_iter([("card_type".to_string(), Value::from(card_type))]);
            if let Some(pay_type) = pay_type {
                fields.insert("pay_type".into(), pay_type.into());
            }
            checks::one_of(&fields, "card_type", &["1", "2"])?;
            checks::one_of(&fields, "pay_type", &["B2C", "B2B"])?;
            Ok(fields)
        })
    }

    /// Banks `bc_transfer` pays out to: `P_DE` personal debit, `P_CR` personal credit, `C` corporate
    /// (`GET /2/rest/bc_transfer/banks`, unsigned).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let banks = bc_query.query_bc_transfer_supported_banks("P_DE")?;
    /// println!("{:?}", banks.bank_list);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn query_bc_transfer_supported_banks(
        &self,
        transfer_type: &str,
    ) -> Result<BCResult<BankListResult>, BCError> {
        http::call(
            self.app()?,
            &op::query_bc_transfer_supported_banks,
            None,
            || {
                Ok(Map::from_iter([(
                    "type".to_string(),
                    Value::from(transfer_type),
                )]))
            },
        )
    }

    /// Bank names `bc_t1_transfer` pays out to (`GET /2/rest/t1express/transfer/banks`; the PHP
    /// SDK's `get_banks(…, 'T1_EXPRESS_TRANSFER')`): `result.banks`. Test mode: the same path,
    /// test-signed.
    ///
    /// **Experimental**: only the PHP SDK calls it, and none of its demos reads the answer.
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// println!("{:?}", bc_query.query_t1_transfer_supported_banks()?.banks);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn query_t1_transfer_supported_banks(&self) -> Result<BCResult<BankNamesResult>, BCError> {
        http::call(
            self.app()?,
            &op::query_t1_transfer_supported_banks,
            None,
            || Ok(Map::new()),
        )
    }

    /// Bank names `jd_transfer` pays out to (`GET /2/rest/bc_user_transfer/banks`; the Java SDK's
    /// `getTransferBanks`): `result.banks`. `transfer_type`: `P_DE` personal debit, `P_CR`
    /// personal credit, `C` corporate; `None` sends no type. Test mode: the same path, test-signed.
    ///
    /// **Experimental**: the Java SDK has the call, but no caller of its JD payout reaches the wire.
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// println!("{:?}", bc_query.query_jd_transfer_supported_banks(Some("P_DE"))?.banks);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn query_jd_transfer_supported_banks(
        &self,
        transfer_type: Option<&str>,
    ) -> Result<BCResult<BankNamesResult>, BCError> {
        http::call(
            self.app()?,
            &op::query_jd_transfer_supported_banks,
            None,
            || {
                Ok(transfer_type
                    .map(|transfer_type| ("type".to_string(), Value::from(transfer_type)))
                    .into_iter()
                    .collect::<Map<String, Value>>())
            },
        )
    }

    /// Banks subscriptions can charge (`GET /2/subscription_banks`).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let banks = bc_query.query_subscription_payment_supported_banks()?;
    /// println!("{:?}", banks.banks);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn query_subscription_payment_supported_banks(
        &self,
    ) -> Result<BCResult<SubscriptionBanksResult>, BCError> {
        http::call(
            self.app()?,
            &op::query_subscription_payment_supported_banks,
            None,
            || Ok(Map::new()),
        )
    }
}
