//! Python's `beecloud.subscribe`: plans, subscriptions and their SMS code. The calls live on
//! [`BCPay`], where the Python README places them; [`BCSubscribe`] names the same type.

use serde_json::{Map, Value};

use crate::error::BCError;
use crate::http;
use crate::operations as op;
use crate::params::{Fields, to_fields};
use crate::results::{BCResult, IdResult, PlanResult, SmsResult, SubscriptionResult};
use crate::subscription_params::{BCPlan, BCSubscription};

pub use crate::pay::BCPay as BCSubscribe;
use crate::pay::BCPay;

impl BCPay {
    /// Sends an SMS code for `subscribe` (as the Python README places it; also
    /// [`utils::send_sms_passcode`](crate::utils::send_sms_passcode)).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let sms = bc_pay.send_sms_passcode("13800000000")?;
    /// println!("{}", sms.sms_id);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - `5 PARAM_INVALID` also for a malformed phone number.
    pub fn send_sms_passcode(&self, phone: &str) -> Result<BCResult<SmsResult>, BCError> {
        crate::utils::send_sms_passcode(self.app()?, phone)
    }

    /// Subscribes a buyer to a plan (`POST /2/subscription`). `result.subscription.valid == Some(false)`
    /// means pending: the outcome arrives by webhook.
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut subscription = beecloud::entity::BCSubscription::default();
    /// subscription.buyer_id = Some("buyer-1".into());
    /// subscription.plan_id = Some("plan id".into());
    /// let result = bc_pay.subscribe(&subscription, "sms id", "code the buyer received", None)?;
    /// println!("active: {:?}", result.subscription.valid);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Besides [those of every operation](crate#errors):
    /// - `5 PARAM_INVALID` also for a wrong or expired SMS code: send a new one.
    /// - [`BCError::InvalidParams`] when `sms_id`, `sms_code` or `coupon_code` is also set on the
    ///   params.
    pub fn subscribe(
        &self,
        subscription: &BCSubscription,
        sms_id: &str,
        sms_code: &str,
        coupon_code: Option<&str>,
    ) -> Result<BCResult<SubscriptionResult>, BCError> {
        http::call(self.app()?, &op::subscribe, None, || {
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
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// bc_pay.cancel_subscription("subscription id")?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn cancel_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(
            self.app()?,
            &op::cancel_subscription,
            Some(subscription_id),
            || Ok(Map::new()),
        )
    }

    /// Cancels a subscription after its next charge (`at_period_end`, a REST option Python cannot
    /// send).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// bc_pay.cancel_subscription_at_period_end("subscription id")?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn cancel_subscription_at_period_end(
        &self,
        subscription_id: &str,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(
            self.app()?,
            &op::cancel_subscription,
            Some(subscription_id),
            || Ok(Map::from_iter([("at_period_end".to_string(), true.into())])),
        )
    }

    /// Changes a subscription (`PUT /2/subscription/{id}`): every field set in `changes` is sent
    /// (Python's `**kwargs`).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut changes = beecloud::entity::BCSubscription::default();
    /// changes.amount = Some(2.0);
    /// bc_pay.update_subscription("subscription id", &changes)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn update_subscription(
        &self,
        subscription_id: &str,
        changes: &BCSubscription,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(
            self.app()?,
            &op::update_subscription,
            Some(subscription_id),
            || to_fields(changes),
        )
    }

    /// Creates a plan (`POST /2/plan`).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// let mut plan = beecloud::entity::BCPlan::default();
    /// plan.name = Some("monthly".into());
    /// plan.fee = Some(1000);
    /// plan.interval = Some("month".into());
    /// let result = bc_pay.create_plan(&plan)?;
    /// println!("{:?}", result.plan.id);
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn create_plan(&self, plan: &BCPlan) -> Result<BCResult<PlanResult>, BCError> {
        http::call(self.app()?, &op::create_plan, None, || to_fields(plan))
    }

    /// Renames a plan or replaces its `optional` (`PUT /2/plan/{id}`).
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// bc_pay.update_plan("plan id", Some("new name"), None)?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn update_plan(
        &self,
        plan_id: &str,
        name: Option<&str>,
        optional: Option<&Map<String, Value>>,
    ) -> Result<BCResult<IdResult>, BCError> {
        http::call(self.app()?, &op::update_plan, Some(plan_id), || {
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
    ///
    /// ```no_run
    /// # let bc_pay = beecloud::BCPay::new(beecloud::BCApp::default());
    /// bc_pay.delete_plan("plan id")?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None of its own: only [those of every operation](crate#errors).
    pub fn delete_plan(&self, plan_id: &str) -> Result<BCResult<IdResult>, BCError> {
        http::call(self.app()?, &op::delete_plan, Some(plan_id), || {
            Ok(Map::new())
        })
    }
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
