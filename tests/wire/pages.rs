//! The pagination iterators (`bills_iter`, `refunds_iter`, `transfers_iter`, `plans_iter`,
//! `subscriptions_iter`, `sales::coupons_iter`) against scripted pages served on 127.0.0.1: exact
//! multiples of the page size, a short last page, an empty result, an error on page 3, a server
//! that ignores `skip`, and refused filters.
#![allow(clippy::field_reassign_with_default)] // Python-style field filling is the point.

use crate::support;

use beecloud::entity::*;
use beecloud::{BCError, BCQuery, sales};
use serde_json::{Value, json};
use support::{CaptureServer, CapturedRequest, Reply, bc_app};

/// A success envelope carrying `records` under `key`, each `{"id": "<prefix>-<n>"}`.
fn page(key: &str, prefix: &str, range: std::ops::Range<usize>) -> Reply {
    let records: Vec<Value> = range
        .map(|n| json!({"id": format!("{prefix}-{n}")}))
        .collect();
    Reply::ok(json!({"result_code": 0, "result_msg": "OK", "err_detail": "", key: records}))
}

fn failure(code: i64) -> Reply {
    Reply::ok(json!({"result_code": code, "result_msg": "CHANNEL_ERROR", "err_detail": "down"}))
}

/// `(skip, limit)` of each `?para=` request.
fn para_pages(requests: &[CapturedRequest]) -> Vec<(i64, i64)> {
    requests
        .iter()
        .map(|request| {
            let para = request.para().expect("a ?para= query");
            (
                para["skip"].as_i64().unwrap(),
                para["limit"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// `(skip, limit)` of each `k=v` request.
fn query_pages(requests: &[CapturedRequest]) -> Vec<(i64, i64)> {
    requests
        .iter()
        .map(|request| {
            let pairs = request.query_pairs();
            let value = |key: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == key)
                    .unwrap()
                    .1
                    .parse::<i64>()
                    .unwrap()
            };
            (value("skip"), value("limit"))
        })
        .collect()
}

fn ids<T>(items: Vec<Result<T, BCError>>, id: impl Fn(&T) -> Option<String>) -> Vec<String> {
    items
        .into_iter()
        .map(|item| id(&item.expect("an Ok item")).unwrap())
        .collect()
}

#[test]
fn bills_in_exact_multiples_of_the_page_size_end_at_the_empty_page() {
    let server = CaptureServer::start([
        page("bills", "b", 0..50),
        page("bills", "b", 50..100),
        page("bills", "b", 100..100),
    ]);
    let bc_query = BCQuery::new(bc_app(&server));
    let bills: Vec<_> = bc_query.bills_iter(None).collect();
    let ids = ids(bills, |bill| bill.id.clone());
    assert_eq!(ids.len(), 100);
    assert_eq!(ids[0], "b-0");
    assert_eq!(ids[99], "b-99");
    assert_eq!(
        para_pages(&server.requests()),
        [(0, 50), (50, 50), (100, 50)],
        "pages of the largest size the server takes"
    );
}

#[test]
fn a_short_page_is_the_last_and_filters_travel_on_every_page() {
    let server = CaptureServer::start([page("bills", "b", 0..20), page("bills", "b", 20..27)]);
    let bc_query = BCQuery::new(bc_app(&server));
    let mut params = BCQueryReqParams::default();
    params.channel = Some(BCChannelType::WX);
    params.skip = Some(3);
    params.limit = Some(20);
    let mut bills = bc_query.bills_iter(&params);
    assert_eq!(bills.by_ref().count(), 27);
    assert_eq!(bills.next_skip(), 30);
    let shown = format!("{bills:?}");
    assert!(
        shown.contains("next_skip: 30") && shown.contains("done: true"),
        "{shown}"
    );
    assert!(bills.next().is_none(), "fused");
    let requests = server.requests();
    assert_eq!(
        para_pages(&requests),
        [(3, 20), (23, 20)],
        "no request after a short page"
    );
    assert!(
        requests
            .iter()
            .all(|request| request.para().unwrap()["channel"] == "WX")
    );
}

#[test]
fn an_empty_result_is_one_request_and_no_item() {
    let server = CaptureServer::start([page("refunds", "r", 0..0)]);
    let bc_query = BCQuery::new(bc_app(&server));
    assert_eq!(bc_query.refunds_iter(None).count(), 0);
    assert_eq!(server.requests().len(), 1);

    // A reply without the list key at all is empty too.
    let server = CaptureServer::start([Reply::ok(json!({"result_code": 0}))]);
    let bc_query = BCQuery::new(bc_app(&server));
    assert_eq!(bc_query.bills_iter(None).count(), 0);
}

#[test]
fn an_error_on_page_3_is_yielded_once_after_the_records_and_ends_the_iteration() {
    let server = CaptureServer::start([
        page("refunds", "r", 0..50),
        page("refunds", "r", 50..100),
        failure(7),
        page("refunds", "r", 100..110), // never asked for
    ]);
    let bc_query = BCQuery::new(bc_app(&server));
    let mut refunds = bc_query.refunds_iter(None);
    let ok: Vec<_> = refunds.by_ref().take(100).collect();
    assert!(ok.iter().all(Result::is_ok));
    let err = refunds.next().expect("the error item").unwrap_err();
    assert_eq!(
        (err.result_code(), err.err_detail()),
        (Some(7), "down".to_string())
    );
    assert!(refunds.next().is_none());
    assert!(refunds.next().is_none());
    assert_eq!(server.requests().len(), 3, "nothing after the error");
    assert_eq!(
        refunds.next_skip(),
        100,
        "where a new iteration would resume"
    );

    // A transport failure on page 3 (the server answers then closes mid-body) likewise.
    let server = CaptureServer::start([
        page("bills", "b", 0..50),
        page("bills", "b", 50..100),
        Reply::mid_body_close(),
    ]);
    let bc_query = BCQuery::new(bc_app(&server));
    let items: Vec<_> = bc_query.bills_iter(None).collect();
    assert_eq!(items.len(), 101);
    assert!(items[100].as_ref().unwrap_err().outcome_unknown());
}

#[test]
fn a_server_that_ignores_skip_ends_with_an_error_instead_of_looping() {
    let server = CaptureServer::always(page("bills", "b", 0..50));
    let bc_query = BCQuery::new(bc_app(&server));
    let items: Vec<_> = bc_query.bills_iter(None).collect();
    assert_eq!(items.len(), 51);
    assert!(items[..50].iter().all(Result::is_ok));
    let err = items[50].as_ref().unwrap_err();
    assert!(matches!(err, BCError::InvalidResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("ignores skip"), "{err}");
    assert_eq!(server.requests().len(), 2);

    // Also when it alternates between two pages (not only the same page twice in a row).
    let server = CaptureServer::start([
        page("plans", "p", 0..10),
        page("plans", "p", 10..20),
        page("plans", "p", 0..10),
        page("plans", "p", 10..20),
    ]);
    let bc_query = BCQuery::new(bc_app(&server));
    let items: Vec<_> = bc_query.plans_iter(None).collect();
    assert_eq!(items.len(), 21);
    assert!(items[20].is_err());
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn refused_filters_are_the_first_item_and_nothing_is_sent() {
    let server = CaptureServer::start([]);
    let bc_query = BCQuery::new(bc_app(&server));
    let mut params = BCQueryReqParams::default();
    params.limit = Some(5);
    let items: Vec<_> = bc_query.bills_iter(&params).collect();
    assert!(
        matches!(items.as_slice(), [Err(BCError::InvalidParams { .. })]),
        "{items:?}"
    );
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = Some(true);
    let items: Vec<_> = bc_query.subscriptions_iter(&criteria).collect();
    assert!(
        matches!(items.as_slice(), [Err(BCError::InvalidParams { .. })]),
        "{items:?}"
    );

    let mut app = bc_app(&server);
    app.is_test_mode = true;
    let items: Vec<_> = BCQuery::new(app).transfers_iter(None).collect();
    assert!(
        matches!(
            items.as_slice(),
            [Err(BCError::NotSupportedInTestMode {
                method: "query_transfers"
            })]
        ),
        "{items:?}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn transfers_page_over_the_bills_key() {
    let server = CaptureServer::start([page("bills", "t", 0..50), page("bills", "t", 50..60)]);
    let bc_query = BCQuery::new(bc_app(&server));
    let mut params = BCTransferQueryParams::default();
    params.transfer_status = Some(BCTransferStatus::SUCCESS);
    let ids = ids(bc_query.transfers_iter(&params).collect(), |t| t.id.clone());
    assert_eq!(ids.len(), 60);
    let requests = server.requests();
    assert_eq!(requests[0].path, "/2/rest/transfers");
    assert_eq!(para_pages(&requests), [(0, 50), (50, 50)]);
    assert_eq!(requests[1].para().unwrap()["transfer_status"], "SUCCESS");
}

#[test]
fn plans_subscriptions_and_coupons_page_until_an_empty_page() {
    // No maximum is documented for these lists: a page shorter than asked is not trusted as
    // the last one (a server may cap it), so the iteration ends at the first empty page.
    let server = CaptureServer::start([
        page("plans", "p", 0..10),
        page("plans", "p", 10..13),
        page("plans", "p", 13..13),
    ]);
    let bc_query = BCQuery::new(bc_app(&server));
    assert_eq!(
        ids(bc_query.plans_iter(None).collect(), |p| p.id.clone()).len(),
        13
    );
    let requests = server.requests();
    assert_eq!(requests[0].path, "/2/plan");
    assert_eq!(query_pages(&requests), [(0, 10), (10, 10), (13, 10)]);

    let server = CaptureServer::start([
        page("subscriptions", "s", 0..25),
        page("subscriptions", "s", 25..25),
    ]);
    let bc_query = BCQuery::new(bc_app(&server));
    let mut criteria = BCQueryCriteria::default();
    criteria.buyer_id = Some("buyer-1".into());
    criteria.limit = Some(25);
    assert_eq!(bc_query.subscriptions_iter(&criteria).count(), 25);
    let requests = server.requests();
    assert_eq!(query_pages(&requests), [(0, 25), (25, 25)]);
    assert!(
        requests[1]
            .query_pairs()
            .contains(&("buyer_id".into(), "buyer-1".into()))
    );

    let server = CaptureServer::start([
        page("coupons", "c", 0..10),
        page("coupons", "c", 10..20),
        page("coupons", "c", 20..20),
    ]);
    let app = bc_app(&server);
    let ids = ids(sales::coupons_iter(&app, None).collect(), |c| c.id.clone());
    assert_eq!(ids.len(), 20);
    let requests = server.requests();
    assert_eq!(requests[0].path, "/2/rest/coupon");
    assert_eq!(para_pages(&requests), [(0, 10), (10, 10), (20, 10)]);
}
