//! Looking a record up by the caller's own number (`bill_no`, `refund_no`, the payout number): what
//! turns an unknown outcome ([`BCError::outcome_unknown`]) into an answer, and what confirms a
//! webhook push ([`receive_webhook`](crate::utils::receive_webhook)).
//!
//! BeeCloud refuses a second record with a number it already holds, so the caller's number is an
//! idempotency key: if the record is found, the first call landed; if it is not found once the
//! first call can no longer land, sending again with the **same** number is safe (and even while
//! it still could, the server refuses the duplicate rather than acting twice).

use crate::error::BCError;
use crate::params::BCQueryReqParams;
use crate::query::BCQuery;
use crate::records::{BCBill, BCRefund, BCTransferRecord};

impl BCQuery {
    /// The bill whose `bill_no` is `bill_no` (`GET /2/rest/bills` with that filter; test mode: the
    /// sandbox), or `None` when BeeCloud holds none. When several carry the number (one per
    /// channel attempt), the paid one comes first, else the first listed.
    ///
    /// **When `None` can be trusted**: only once the call that may have created the bill can no
    /// longer land, i.e. after its deadline ([`BCTimeout::deadline`](crate::entity::BCTimeout::deadline))
    /// has passed plus a margin for a request still in flight; a slow request may be stored after
    /// the reply was lost. Retrying `pay` with the same `bill_no` is safe either way: BeeCloud
    /// refuses a duplicate `bill_no` ([`BCError::is_duplicate`]), then look again.
    ///
    /// ```no_run
    /// # let bc_query = beecloud::BCQuery::new(beecloud::BCApp::default());
    /// match bc_query.find_bill_by_no("202401010001")? {
    ///     Some(bill) if bill.spay_result == Some(true) => println!("paid"),
    ///     Some(_) => println!("created, not paid yet: show the same payment again"),
    ///     None => println!("nothing stored: pay again with the same bill_no"),
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`query_bills`](BCQuery::query_bills): an error means the question is still open (ask
    /// again), never "not found".
    pub fn find_bill_by_no(&self, bill_no: &str) -> Result<Option<BCBill>, BCError> {
        let bills = self.query_bills(&by_number("bill_no", bill_no)?)?;
        let mut matching = bills
            .data
            .bills
            .into_iter()
            .filter(|bill| bill.bill_no.as_deref() == Some(bill_no));
        let first = matching.next();
        if first
            .as_ref()
            .is_some_and(|bill| bill.spay_result == Some(true))
        {
            return Ok(first);
        }
        Ok(matching
            .find(|bill| bill.spay_result == Some(true))
            .or(first))
    }

    /// The refund whose `refund_no` is `refund_no` (`GET /2/rest/refunds` with that filter), or
    /// `None`. `finish` and `result` say where it stands: finished and succeeded, finished and
    /// failed, or still waiting (e.g. for the merchant's confirmation of an Alipay refund).
    ///
    /// `None` can be trusted as [`find_bill_by_no`](BCQuery::find_bill_by_no)'s can: after the
    /// original call's deadline. Retrying with the same `refund_no` is safe either way.
    ///
    /// # Errors
    ///
    /// As [`query_refunds`](BCQuery::query_refunds) ([`BCError::NotSupportedInTestMode`] in test
    /// mode: the sandbox has no refund query).
    pub fn find_refund_by_no(&self, refund_no: &str) -> Result<Option<BCRefund>, BCError> {
        let refunds = self.query_refunds(&by_number("refund_no", refund_no)?)?;
        Ok(refunds
            .data
            .refunds
            .into_iter()
            .find(|refund| refund.refund_no.as_deref() == Some(refund_no)))
    }

    /// The bank-card payout whose number (`bill_no` of `bc_transfer`, `bc_t0_transfer`,
    /// `bc_t1_transfer`, `cj_transfer`, `jd_transfer`) is `transfer_no`, or `None`;
    /// `transfer_status` says `SUCCESS`, `FAIL` or `PROCESSING`. WeChat and Alipay transfers
    /// (`transfer`, `batch_transfer`) are not listed by BeeCloud: they cannot be found this way.
    ///
    /// `None` can be trusted as [`find_bill_by_no`](BCQuery::find_bill_by_no)'s can. Retrying
    /// with the same number is safe either way.
    ///
    /// # Errors
    ///
    /// As [`query_transfers`](BCQuery::query_transfers) ([`BCError::InvalidParams`] for a number
    /// that is not 8–32 letters and digits; [`BCError::NotSupportedInTestMode`] in test mode).
    pub fn find_transfer_by_no(
        &self,
        transfer_no: &str,
    ) -> Result<Option<BCTransferRecord>, BCError> {
        let filters = crate::payout_params::BCTransferQueryParams {
            bill_no: Some(transfer_no.to_string()),
            ..Default::default()
        };
        let transfers = self.query_transfers(&filters)?;
        Ok(transfers
            .data
            .transfers
            .into_iter()
            .find(|payout| payout.bill_no.as_deref() == Some(transfer_no)))
    }
}

/// Bill or refund filters on exactly one number (refused when empty: it would match everything).
fn by_number(key: &str, number: &str) -> Result<BCQueryReqParams, BCError> {
    if number.is_empty() {
        return Err(BCError::invalid(format!("`{key}` must not be empty")));
    }
    let mut filters = BCQueryReqParams::default();
    match key {
        "bill_no" => filters.bill_no = Some(number.to_string()),
        _ => filters.refund_no = Some(number.to_string()),
    }
    Ok(filters)
}
