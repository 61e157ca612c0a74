//! [`Pages`]: iterators over every record of a list query, which no BeeCloud SDK has. They page
//! with `skip`/`limit` within the server's bounds, stop at the end, yield the first error as an
//! `Err` item and then stop, and stop with an error on a server that sends a page again (one that
//! ignores `skip`) instead of looping forever.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;

use crate::checks::LIMIT_RANGE;
use crate::error::BCError;
use crate::params::{BCQueryCriteria, BCQueryReqParams};
use crate::payout_params::BCTransferQueryParams;
use crate::query::BCQuery;
use crate::records::{BCBill, BCRefund, BCTransferRecord};
use crate::subscription_params::{BCPlan, BCSubscription};

/// The documented default page size of plan, subscription and coupon lists (no maximum is
/// documented for them, so a bigger page is never assumed).
const CRITERIA_PAGE: i64 = 10;

type Fetch<'a, T> = Box<dyn FnMut(i64, i64) -> Result<Vec<T>, BCError> + 'a>;

/// Every record of a list query, fetched one page at a time as the iteration needs them.
///
/// Items are `Result`s: the first failure (a refused filter, a transport error, a server error,
/// a repeated page) is yielded as `Err` and ends the iteration. The pages are offset-based, as the
/// API is: records created while iterating can shift a page (a record seen twice or skipped), so
/// bound the query with `end_time` / `created_before` for a stable set.
///
/// ```no_run
/// use beecloud::entity::{BCApp, BCQueryReqParams};
/// use beecloud::query::BCQuery;
///
/// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
/// let mut params = BCQueryReqParams::default();
/// params.spay_result = Some(true);
/// let mut total = 0;
/// for bill in bc_query.bills_iter(&params) {
///     total += bill?.total_fee.unwrap_or(0);
/// }
/// println!("paid: {total} fen");
/// # Ok::<(), beecloud::BCError>(())
/// ```
pub struct Pages<'a, T> {
    fetch: Fetch<'a, T>,
    skip: i64,
    limit: i64,
    /// A page shorter than `limit` is the last one (only where the server's maximum is documented
    /// and `limit` is within it); otherwise the iteration ends at the first empty page.
    short_page_ends: bool,
    page: std::vec::IntoIter<T>,
    seen_pages: HashSet<u64>,
    done: bool,
}

impl<'a, T: Serialize> Pages<'a, T> {
    fn new(skip: Option<i64>, limit: i64, short_page_ends: bool, fetch: Fetch<'a, T>) -> Self {
        Pages {
            fetch,
            skip: skip.unwrap_or(0),
            limit,
            short_page_ends,
            page: Vec::new().into_iter(),
            seen_pages: HashSet::new(),
            done: false,
        }
    }

    /// How many records the pages fetched so far covered, counted from the first `skip`: where a
    /// new iteration would resume after an error.
    pub fn next_skip(&self) -> i64 {
        self.skip
    }

    fn fail(&mut self, error: BCError) -> Option<Result<T, BCError>> {
        self.done = true;
        Some(Err(error))
    }
}

impl<T: Serialize> Iterator for Pages<'_, T> {
    type Item = Result<T, BCError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.page.next() {
                return Some(Ok(record));
            }
            if self.done {
                return None;
            }
            let page = match (self.fetch)(self.skip, self.limit) {
                Ok(page) => page,
                Err(error) => return self.fail(error),
            };
            if page.is_empty() {
                self.done = true;
                return None;
            }
            if !self.seen_pages.insert(fingerprint(&page)) {
                return self.fail(BCError::InvalidResponse {
                    status: 200,
                    problem: "the server sent a page it had sent before (it ignores skip)",
                    body: String::new(),
                    source: None,
                });
            }
            if self.short_page_ends && (page.len() as i64) < self.limit {
                self.done = true;
            }
            self.skip += page.len() as i64;
            self.page = page.into_iter();
        }
    }
}

impl<T> std::iter::FusedIterator for Pages<'_, T> where T: Serialize {}

impl<T> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("next_skip", &self.skip)
            .field("limit", &self.limit)
            .field("buffered", &self.page.len())
            .field("pages_seen", &self.seen_pages.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A hash of a page's JSON: equal pages hash equal; records differ at least by their ids.
fn fingerprint<T: Serialize>(page: &[T]) -> u64 {
    let mut hasher = DefaultHasher::new();
    serde_json::to_string(page)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
}

/// A filter struct with `skip` and `limit`, the fields the iterators set on each page.
pub(crate) trait PageFields: Clone + Default {
    /// `skip` and `limit`.
    fn page_fields(&mut self) -> (&mut Option<i64>, &mut Option<i64>);
    /// Refuses filters that would not answer with records.
    fn check_listable(&self) -> Result<(), BCError> {
        Ok(())
    }
}

impl PageFields for BCQueryReqParams {
    fn page_fields(&mut self) -> (&mut Option<i64>, &mut Option<i64>) {
        (&mut self.skip, &mut self.limit)
    }
}

impl PageFields for BCTransferQueryParams {
    fn page_fields(&mut self) -> (&mut Option<i64>, &mut Option<i64>) {
        (&mut self.skip, &mut self.limit)
    }
}

impl PageFields for BCQueryCriteria {
    fn page_fields(&mut self) -> (&mut Option<i64>, &mut Option<i64>) {
        (&mut self.skip, &mut self.limit)
    }
    fn check_listable(&self) -> Result<(), BCError> {
        match self.count_only {
            Some(true) => Err(BCError::invalid("`count_only` does not apply to iterators")),
            _ => Ok(()),
        }
    }
}

/// Pages over a list query: `fetch` runs one page's query with `skip`/`limit` set. With a
/// `documented_max`, pages have the caller's `limit` or that maximum and a short page is the last;
/// without one, the caller's `limit` or the documented default and the end is an empty page.
pub(crate) fn pages_of<'a, P: PageFields + 'a, T: Serialize + 'a>(
    filters: Option<&P>,
    documented_max: bool,
    mut fetch: impl FnMut(&P) -> Result<Vec<T>, BCError> + 'a,
) -> Pages<'a, T> {
    let mut filters = filters.cloned().unwrap_or_default();
    let (skip, limit) = filters.page_fields();
    let default_limit = if documented_max {
        *LIMIT_RANGE.end()
    } else {
        CRITERIA_PAGE
    };
    let (skip, limit) = (*skip, limit.unwrap_or(default_limit));
    Pages::new(
        skip,
        limit,
        documented_max,
        Box::new(move |skip, limit| {
            filters.check_listable()?;
            let mut page = filters.clone();
            let fields = page.page_fields();
            (*fields.0, *fields.1) = (Some(skip), Some(limit));
            fetch(&page)
        }),
    )
}

impl BCQuery {
    /// Every bill matching `params`, page by page over [`query_bills`](BCQuery::query_bills)
    /// (pages of `params.limit`, else 50, starting at `params.skip`).
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// let bills: Vec<_> = bc_query.bills_iter(None).collect::<Result<_, _>>()?;
    /// println!("{} bills", bills.len());
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Each item is `Err` for what [`query_bills`](BCQuery::query_bills) refuses (the first page
    /// then), for the first failing page, and when the server sends a page again
    /// ([`BCError::InvalidResponse`]); the iteration ends after it.
    pub fn bills_iter<'a>(
        &'a self,
        params: impl Into<Option<&'a BCQueryReqParams>>,
    ) -> Pages<'a, BCBill> {
        pages_of(params.into(), true, move |page| {
            Ok(self.query_bills(page)?.data.bills)
        })
    }

    /// Every refund matching `params`, page by page over
    /// [`query_refunds`](BCQuery::query_refunds), as [`bills_iter`](BCQuery::bills_iter).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCQueryReqParams};
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut params = BCQueryReqParams::default();
    /// params.need_approval = Some(true);
    /// for refund in bc_query.refunds_iter(&params) {
    ///     println!("pre-refund {:?}", refund?.id);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`bills_iter`](BCQuery::bills_iter), for what
    /// [`query_refunds`](BCQuery::query_refunds) refuses.
    pub fn refunds_iter<'a>(
        &'a self,
        params: impl Into<Option<&'a BCQueryReqParams>>,
    ) -> Pages<'a, BCRefund> {
        pages_of(params.into(), true, move |page| {
            Ok(self.query_refunds(page)?.data.refunds)
        })
    }

    /// Every bank-card payout matching `params`, page by page over
    /// [`query_transfers`](BCQuery::query_transfers), as [`bills_iter`](BCQuery::bills_iter).
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// for payout in bc_query.transfers_iter(None) {
    ///     let payout = payout?;
    ///     println!("{:?} {:?}", payout.bill_no, payout.transfer_status);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`bills_iter`](BCQuery::bills_iter), for what
    /// [`query_transfers`](BCQuery::query_transfers) refuses (always in test mode).
    pub fn transfers_iter<'a>(
        &'a self,
        params: impl Into<Option<&'a BCTransferQueryParams>>,
    ) -> Pages<'a, BCTransferRecord> {
        pages_of(params.into(), true, move |page| {
            Ok(self.query_transfers(page)?.data.transfers)
        })
    }

    /// Every plan matching `criteria`, page by page over [`query_plans`](BCQuery::query_plans)
    /// (pages of `criteria.limit`, else 10; no maximum is documented, so the iteration ends at the
    /// first empty page, one request more than the pages).
    ///
    /// ```no_run
    /// use beecloud::entity::BCApp;
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// for plan in bc_query.plans_iter(None) {
    ///     println!("{:?}", plan?.name);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`bills_iter`](BCQuery::bills_iter); `count_only` is refused (first item).
    pub fn plans_iter<'a>(
        &'a self,
        criteria: impl Into<Option<&'a BCQueryCriteria>>,
    ) -> Pages<'a, BCPlan> {
        pages_of(criteria.into(), false, move |page| {
            Ok(self.query_plans(page)?.data.plans)
        })
    }

    /// Every subscription matching `criteria`, page by page over
    /// [`query_subscriptions`](BCQuery::query_subscriptions), as
    /// [`plans_iter`](BCQuery::plans_iter).
    ///
    /// ```no_run
    /// use beecloud::entity::{BCApp, BCQueryCriteria};
    /// use beecloud::query::BCQuery;
    ///
    /// let bc_query = BCQuery::new(BCApp::new("app id", "app secret", "master secret"));
    /// let mut criteria = BCQueryCriteria::default();
    /// criteria.buyer_id = Some("buyer-1".into());
    /// for subscription in bc_query.subscriptions_iter(&criteria) {
    ///     println!("{:?}", subscription?.status);
    /// }
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`plans_iter`](BCQuery::plans_iter).
    pub fn subscriptions_iter<'a>(
        &'a self,
        criteria: impl Into<Option<&'a BCQueryCriteria>>,
    ) -> Pages<'a, BCSubscription> {
        pages_of(criteria.into(), false, move |page| {
            Ok(self.query_subscriptions(page)?.data.subscriptions)
        })
    }
}
