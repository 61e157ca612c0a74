//! [`BCQuery`]: bill, refund, plan and subscription queries (Python's `beecloud.query.BCQuery`).

use serde_json::{Map, Value};

use crate::app::{BCApp, registered};
pub use crate::banks::BC_GATEWAY_BANKS;
use crate::channel::BCChannelType;
use crate::error::BCError;
use crate::http;
use crate::operations as op;
use crate::params::{BCQueryCriteria, BCQueryReqParams, Fields, WireParams, to_fields};
use crate::results::{
    BCResult, BillResult, BillsResult, CountResult, OfflineBillStatusResult, PlanResult,
    PlansResult, ReconciliationResult, RefundRecordResult, RefundStatusResult, RefundsResult,
    SubscriptionResult, SubscriptionsResult,
};

/// Queries (Python's `BCQuery`). Methods taking filters accept `&params` or `None` (no filters).
///
/// ```no_run
/// use beecloud::entity::{BCApp, BCChannelType, BCQueryReqParams};
/// use beecloud::query::BCQuery;
///
/// let mut bc_query = BCQuery::default();
/// bc_query.register_app(BCApp::new("app id", "app secret", "master secret"));
/// let mut query_params = BCQueryReqParams::default();
/// query_params.channel = Some(BCChannelType::WX);
/// query_params.spay_result = Some(true);
/// let result = bc_query.query_bills(&query_params)?;
/// for bill in &result.bills {
///     println!("{:?} {:?}", bill.bill_no, bill.total_fee);
/// }
/// # Ok::<(), beecloud::BCError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct BCQuery {
    bc_app: Option<BCApp>,
}

impl BCQuery {
    /// A `BCQuery` with `bc_app` registered.
    pub fn new(bc_app: BCApp) -> Self {
        BCQuery {
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

    /// One page of bills (`GET /2/rest/bills`; test mode: the sandbox). `refund_no` and
    /// `need_approval` do not apply.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCQueryReqParams::default();
    /// params.spay_result = Some(true);
    /// params.limit = Some(50);
    /// for bill in &bc_query.query_bills(&params)?.bills {
    ///     println!("{:?} {:?}", bill.bill_no, bill.total_fee);
    /// }
    /// bc_query.query_bills(None)?; // no filters
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::InvalidParams`] for a refund filter (`refund_no`, `need_approval`), a negative
    ///   `skip` or a `limit` outside 10 to 50, before sending.
    pub fn query_bills<'a>(
        &self,
        params: impl Into<Option<&'a BCQueryReqParams>>,
    ) -> Result<BCResult<BillsResult>, BCError> {
        let params = params.into();
        http::call(self.app()?, &op::query_bills, None, || {
            filters(params, "bill queries", &["refund_no", "need_approval"])
        })
    }

    /// Number of bills matching (`GET /2/rest/bills/count`); paging and detail do not apply.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let count = bc_query.query_bills_count(None)?.count;
    /// println!("{count}");
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::InvalidParams`] for a refund filter or a page field (`need_detail`, `skip`,
    ///   `limit`), before sending.
    pub fn query_bills_count<'a>(
        &self,
        params: impl Into<Option<&'a BCQueryReqParams>>,
    ) -> Result<BCResult<CountResult>, BCError> {
        let params = params.into();
        http::call(self.app()?, &op::query_bills_count, None, || {
            filters(
                params,
                "bill counts",
                &["refund_no", "need_approval", "need_detail", "skip", "limit"],
            )
        })
    }

    /// One page of refunds (`GET /2/rest/refunds`); `spay_result` does not apply.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let mut params = beecloud::entity::BCQueryReqParams::default();
    /// params.bill_no = Some("the bill's bill_no".into());
    /// for refund in &bc_query.query_refunds(&params)?.refunds {
    ///     println!("{:?} {:?}", refund.refund_no, refund.result);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode: the sandbox has no
    ///   refunds.
    /// - [`BCError::InvalidParams`] for `spay_result`, a negative `skip` or a `limit` outside 10 to
    ///   50, before sending.
    pub fn query_refunds<'a>(
        &self,
        params: impl Into<Option<&'a BCQueryReqParams>>,
    ) -> Result<BCResult<RefundsResult>, BCError> {
        let params = params.into();
        http::call(self.app()?, &op::query_refunds, None, || {
            filters(params, "refund queries", &["spay_result"])
        })
    }

    /// Number of refunds matching (`GET /2/rest/refunds/count`).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// println!("{}", bc_query.query_refunds_count(None)?.count);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - [`BCError::InvalidParams`] for `spay_result` or a page field (`need_detail`, `skip`,
    ///   `limit`), before sending.
    pub fn query_refunds_count<'a>(
        &self,
        params: impl Into<Option<&'a BCQueryReqParams>>,
    ) -> Result<BCResult<CountResult>, BCError> {
        let params = params.into();
        http::call(self.app()?, &op::query_refunds_count, None, || {
            filters(
                params,
                "refund counts",
                &["spay_result", "need_detail", "skip", "limit"],
            )
        })
    }

    /// A bill by BeeCloud's record id (`GET /2/rest/bill/{id}`): `result.pay`.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let bill = bc_query.query_bill_by_id("bill id from pay")?;
    /// println!("paid: {:?}", bill.pay.spay_result);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - `8 NO_SUCH_BILL` ([`is_not_found`](BCError::is_not_found)): no bill has this id (the `id`
    ///   that `pay` returned, not the `bill_no`).
    pub fn query_bill_by_id(&self, bill_id: &str) -> Result<BCResult<BillResult>, BCError> {
        http::call(self.app()?, &op::query_bill_by_id, Some(bill_id), || {
            Ok(Map::new())
        })
    }

    /// A refund by BeeCloud's record id (`GET /2/rest/refund/{id}`): `result.refund`.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let refund = bc_query.query_refund_by_id("refund id from refund")?;
    /// println!("done: {:?}", refund.refund.finish);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `13 NO_SUCH_REFUND` ([`is_not_found`](BCError::is_not_found)): no refund has this id.
    pub fn query_refund_by_id(
        &self,
        refund_id: &str,
    ) -> Result<BCResult<RefundRecordResult>, BCError> {
        http::call(
            self.app()?,
            &op::query_refund_by_id,
            Some(refund_id),
            || Ok(Map::new()),
        )
    }

    /// The status of a refund of a channel that sends no refund webhook — WX, YEE, KUAIQIAN, BD
    /// (`GET /2/rest/refund/status`).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let status = bc_query.query_refund_status("WX", "the refund_no")?;
    /// println!("{}", status.refund_status);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `13 NO_SUCH_REFUND`: no refund has this `refund_no`.
    /// - `3 CHANNEL_INVALID`: a channel other than `WX`, `YEE`, `KUAIQIAN` or `BD`, whose refunds
    ///   finish at once.
    pub fn query_refund_status(
        &self,
        channel: impl Into<BCChannelType>,
        refund_no: &str,
    ) -> Result<BCResult<RefundStatusResult>, BCError> {
        let channel = channel.into();
        http::call(self.app()?, &op::query_refund_status, None, || {
            Ok(Map::from_iter([
                ("channel".to_string(), Value::from(channel.as_str())),
                ("refund_no".to_string(), refund_no.into()),
            ]))
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
    /// As [`query_refund_status`](BCQuery::query_refund_status).
    pub fn query_refund_status_with_bill_update(
        &self,
        channel: impl Into<BCChannelType>,
        refund_no: &str,
    ) -> Result<BCResult<RefundStatusResult>, BCError> {
        let channel = channel.into();
        http::call(
            self.app()?,
            &op::query_refund_status_with_bill_update,
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

    /// Whether an in-store bill is paid (`POST /2/rest/offline/bill/status`).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let status = bc_query.query_offline_bill_status("the bill_no", None)?;
    /// println!("paid: {:?}", status.pay_result);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    /// - `8 NO_SUCH_BILL`: no in-store bill has this `bill_no`.
    pub fn query_offline_bill_status(
        &self,
        bill_no: &str,
        channel: Option<BCChannelType>,
    ) -> Result<BCResult<OfflineBillStatusResult>, BCError> {
        http::call(self.app()?, &op::query_offline_bill_status, None, || {
            let mut fields = Map::from_iter([("bill_no".to_string(), Value::from(bill_no))]);
            if let Some(channel) = channel {
                fields.insert("channel".into(), channel.as_str().into());
            }
            Ok(fields)
        })
    }

    /// Whether a bill is paid, asked of BeeCloud's reconciliation service (`POST /2/rest/reconciliation`;
    /// documented by BeeCloud, in no Python SDK). Refused in test mode.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let result = bc_query.query_reconciliation("bill id")?;
    /// println!("{:?}", result.raw);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - [`BCError::NotSupportedInTestMode`] (`-2`, nothing sent) in test mode.
    pub fn query_reconciliation(
        &self,
        bill_id: &str,
    ) -> Result<BCResult<ReconciliationResult>, BCError> {
        http::call(self.app()?, &op::query_reconciliation, None, || {
            Ok(Map::from_iter([(
                "bill_id".to_string(),
                Value::from(bill_id),
            )]))
        })
    }

    /// Plans (`GET /2/plan`): `result.plans`, or `result.total_count` with `count_only`.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// for plan in &bc_query.query_plans(None)?.plans {
    ///     println!("{:?} {:?}", plan.id, plan.name);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn query_plans<'a>(
        &self,
        criteria: impl Into<Option<&'a BCQueryCriteria>>,
    ) -> Result<BCResult<PlansResult>, BCError> {
        let criteria = criteria.into();
        http::call(self.app()?, &op::query_plans, None, || {
            criteria.map_or(Ok(Default::default()), to_fields)
        })
    }

    /// A plan by id (`GET /2/plan/{id}`).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let plan = bc_query.query_plan_by_id("plan id")?;
    /// println!("{:?}", plan.plan.name);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own beyond [those of every operation](crate#errors); the REST docs name no code
    /// for an unknown id.
    pub fn query_plan_by_id(&self, plan_id: &str) -> Result<BCResult<PlanResult>, BCError> {
        http::call(self.app()?, &op::query_plan_by_id, Some(plan_id), || {
            Ok(Map::new())
        })
    }

    /// Subscriptions (`GET /2/subscription`): `result.subscriptions`, or `result.total_count`.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let mut criteria = beecloud::entity::BCQueryCriteria::default();
    /// criteria.buyer_id = Some("buyer-1".into());
    /// for subscription in &bc_query.query_subscriptions(&criteria)?.subscriptions {
    ///     println!("{:?} {:?}", subscription.id, subscription.valid);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn query_subscriptions<'a>(
        &self,
        criteria: impl Into<Option<&'a BCQueryCriteria>>,
    ) -> Result<BCResult<SubscriptionsResult>, BCError> {
        let criteria = criteria.into();
        http::call(self.app()?, &op::query_subscriptions, None, || {
            criteria.map_or(Ok(Default::default()), to_fields)
        })
    }

    /// A subscription by id (`GET /2/subscription/{id}`).
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// let result = bc_query.query_subscription_by_id("subscription id")?;
    /// println!("{:?}", result.subscription.valid);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own beyond [those of every operation](crate#errors); the REST docs name no code
    /// for an unknown id.
    pub fn query_subscription_by_id(
        &self,
        subscription_id: &str,
    ) -> Result<BCResult<SubscriptionResult>, BCError> {
        http::call(
            self.app()?,
            &op::query_subscription_by_id,
            Some(subscription_id),
            || Ok(Map::new()),
        )
    }
}

/// The filters of a bill/refund query, refusing the ones that do not apply to it (Python's
/// `ValueError`s, raised here for any set value).
pub(crate) fn filters<'a, P: WireParams>(
    params: Option<&'a P>,
    what: &str,
    not_applicable: &[&str],
) -> Result<Fields<'a>, BCError> {
    let Some(params) = params else {
        return Ok(Fields::default());
    };
    let fields = to_fields(params)?;
    if let Some(key) = not_applicable.iter().find(|key| fields.contains_key(key)) {
        return Err(BCError::invalid(format!(
            "`{key}` does not apply to {what}"
        )));
    }
    // Page sizes outside 10..=50 are refused: the Java and Android SDKs check that range, and the
    // server answers a smaller `limit` with 5 PARAM_INVALID.
    if fields.is_present("skip") || fields.is_present("limit") {
        crate::checks::paging(&fields.to_map()?)?;
    }
    Ok(fields)
}
