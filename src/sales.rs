//! Coupons (Python's `beecloud.sales`).

use serde_json::{Map, Value};

use crate::app::BCApp;
use crate::error::BCError;
use crate::http;
use crate::operations as op;
use crate::params::{BCQueryCriteria, to_fields};
use crate::records::BCCoupon;
use crate::results::{
    BCResult, CouponResult, CouponTemplateResult, CouponTemplatesResult, CouponsResult,
};

/// A coupon template by id (`GET /2/rest/coupon/template/{id}`): `result.coupon_template`.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let result = beecloud::sales::query_coupon_template(&bc_app, "template id")?;
/// println!("{:?}", result.coupon_template.name);
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own beyond [those of every operation](crate#errors); the REST docs name no code for
/// an unknown id.
pub fn query_coupon_template(
    bc_app: &BCApp,
    template_id: &str,
) -> Result<BCResult<CouponTemplateResult>, BCError> {
    http::call(
        bc_app,
        &op::query_coupon_template,
        Some(template_id),
        || Ok(Map::new()),
    )
}

/// Coupon templates (`GET /2/rest/coupon/template`): `name`, `created_before`, `created_after`,
/// `skip`, `limit`, `count_only` of the criteria apply.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// for template in &beecloud::sales::query_coupon_templates(&bc_app, None)?.coupon_templates {
///     println!("{:?}", template.name);
/// }
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own: only [those of every operation](crate#errors).
pub fn query_coupon_templates<'a>(
    bc_app: &BCApp,
    query_criteria: impl Into<Option<&'a BCQueryCriteria>>,
) -> Result<BCResult<CouponTemplatesResult>, BCError> {
    let criteria = query_criteria.into();
    http::call(bc_app, &op::query_coupon_templates, None, || {
        criteria.map_or(Ok(Default::default()), to_fields)
    })
}

/// A coupon by id (`GET /2/rest/coupon/{id}`): `result.coupon`, with its template.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let result = beecloud::sales::query_coupon(&bc_app, "coupon id")?;
/// println!("{:?}", result.coupon.user_id);
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own beyond [those of every operation](crate#errors); the REST docs name no code for
/// an unknown id.
pub fn query_coupon(bc_app: &BCApp, coupon_id: &str) -> Result<BCResult<CouponResult>, BCError> {
    http::call(
        bc_app,
        &op::query_coupon,
        Some(coupon_id),
        || Ok(Map::new()),
    )
}

/// Coupons (`GET /2/rest/coupon`): `user_id`, `template_id`, `status`, `limit_fee`,
/// `created_before`, `created_after`, `skip`, `limit`, `count_only` of the criteria apply.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let mut criteria = beecloud::entity::BCQueryCriteria::default();
/// criteria.user_id = Some("buyer-1".into());
/// for coupon in &beecloud::sales::query_coupons(&bc_app, &criteria)?.coupons {
///     println!("{:?}", coupon.id);
/// }
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own: only [those of every operation](crate#errors).
pub fn query_coupons<'a>(
    bc_app: &BCApp,
    query_criteria: impl Into<Option<&'a BCQueryCriteria>>,
) -> Result<BCResult<CouponsResult>, BCError> {
    let criteria = query_criteria.into();
    http::call(bc_app, &op::query_coupons, None, || {
        criteria.map_or(Ok(Default::default()), to_fields)
    })
}

/// Hands a coupon of a template to a user (`POST /2/rest/coupon`): `result.coupon`.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let result = beecloud::sales::create_coupon(&bc_app, "template id", "buyer-1")?;
/// println!("{:?}", result.coupon.id);
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// Besides [those of every operation](crate#errors):
/// - `5 PARAM_INVALID` also when the template is unknown, expired or used up: no coupon was issued.
pub fn create_coupon(
    bc_app: &BCApp,
    template_id: &str,
    user_id: &str,
) -> Result<BCResult<CouponResult>, BCError> {
    http::call(bc_app, &op::create_coupon, None, || {
        Ok(Map::from_iter([
            ("template_id".to_string(), Value::from(template_id)),
            ("user_id".to_string(), Value::from(user_id)),
        ]))
    })
}

// ---- Pagination (no BeeCloud SDK has it). ----

/// Every coupon matching `query_criteria`, page by page over
/// [`query_coupons`], as
/// [`BCQuery::plans_iter`](crate::BCQuery::plans_iter).
///
/// ```no_run
/// use beecloud::entity::{BCApp, BCQueryCriteria};
/// use beecloud::sales;
///
/// let bc_app = BCApp::new("app id", "app secret", "master secret");
/// let mut criteria = BCQueryCriteria::default();
/// criteria.user_id = Some("buyer-1".into());
/// for coupon in sales::coupons_iter(&bc_app, &criteria) {
///     println!("{:?}", coupon?.id);
/// }
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// As [`BCQuery::plans_iter`](crate::BCQuery::plans_iter).
pub fn coupons_iter<'a>(
    bc_app: &'a BCApp,
    query_criteria: impl Into<Option<&'a BCQueryCriteria>>,
) -> crate::Pages<'a, BCCoupon> {
    crate::paging::pages_of(query_criteria.into(), false, move |page| {
        Ok(query_coupons(bc_app, page)?.data.coupons)
    })
}
