//! The route table: method, path pattern, encoding, secret, namespace and handler.
//! Earlier rows win, so literal paths come before `{id}` patterns that would also match them.

use super::core::{Call, Namespace, Reply};
use super::store::Store;
use super::{
    cards, coupons, identity, merchants, payments, payouts, plans, queries, refunds, sandbox,
    subscriptions, transfers,
};

pub(crate) type Handler = fn(&mut Store, &Call) -> Reply;

/// How a route's fields arrive (the four shapes the official SDKs send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// E1: a JSON object body.
    JsonBody,
    /// E2: `?para=<form-encoded JSON object>`.
    Para,
    /// E3/E4: plain `k=v` query pairs, every value a string.
    QueryPairs,
}

/// Which secret signs a route's `app_sign`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    App,
    Master,
    Test,
    /// Live non-money routes: the Python SDK in test mode signs them with the test secret.
    AppOrTest,
    /// `rest/bc_transfer`: master, or the app secret the Java, .NET and Node SDKs sign it with.
    AppOrMaster,
    /// T0/T1 payouts carry no `timestamp` or `app_sign`: only `app_id` here; the handler checks the body `signature`.
    BodySignature,
    Unsigned,
}

pub(crate) struct Route {
    pub method: &'static str,
    /// Segments after `/2/`; `{id}` matches one path segment, `{app_id}` another (the sandbox notify route).
    pub path: &'static str,
    pub encoding: Encoding,
    pub secret: Secret,
    pub ns: Namespace,
    pub handler: Handler,
}

const fn route(
    method: &'static str,
    path: &'static str,
    encoding: Encoding,
    secret: Secret,
    ns: Namespace,
    handler: Handler,
) -> Route {
    Route {
        method,
        path,
        encoding,
        secret,
        ns,
        handler,
    }
}

use Encoding::{JsonBody, Para, QueryPairs};
use Namespace::{Live, Sandbox};
use Secret::{App, AppOrMaster, AppOrTest, BodySignature, Master, Test, Unsigned};

#[rustfmt::skip] // One row per route reads as the table it is.
pub(crate) const ROUTES: &[Route] = &[
    // Payments and bills.
    route("POST", "rest/bill/confirm", JsonBody, App, Live, payments::confirm_bill),
    route("POST", "rest/bill", JsonBody, App, Live, payments::pay),
    route("GET", "rest/bill/{id}", Para, App, Live, queries::bill_by_id),
    route("GET", "rest/bills/count", Para, App, Live, queries::count_bills),
    route("GET", "rest/bills", Para, App, Live, queries::query_bills),
    route("POST", "rest/sandbox/bill", JsonBody, Test, Sandbox, payments::pay),
    // What the Android and iOS SDKs' mock cashier calls to pay a sandbox bill; no authentication, the app in the path.
    route("GET", "rest/sandbox/notify/{app_id}/{id}", QueryPairs, Unsigned, Sandbox, sandbox::notify),
    route("GET", "rest/sandbox/bill/{id}", Para, Test, Sandbox, queries::bill_by_id),
    route("GET", "rest/sandbox/bills/count", Para, Test, Sandbox, queries::count_bills),
    route("GET", "rest/sandbox/bills", Para, Test, Sandbox, queries::query_bills),
    // The sandbox variants only iOS 3.6 calls (knob `ios_sandbox_routes`; see IOS_SANDBOX_PATHS).
    route("GET", "rest/sandbox/refunds/count", Para, Test, Sandbox, queries::sandbox_refund_count),
    route("GET", "rest/sandbox/refunds", Para, Test, Sandbox, queries::sandbox_refunds),
    route("GET", "rest/sandbox/refund/status", Para, Test, Sandbox, queries::sandbox_refund_by_id),
    route("GET", "rest/sandbox/refund/{id}", Para, Test, Sandbox, queries::sandbox_refund_by_id),
    route("POST", "rest/sandbox/offline/bill/status", JsonBody, Test, Sandbox, payments::offline_status),
    route("POST", "rest/sandbox/offline/bill/{id}", JsonBody, Test, Sandbox, payments::offline_revert),
    route("POST", "rest/sandbox/offline/bill", JsonBody, Test, Sandbox, payments::offline_pay),
    route("POST", "rest/reconciliation", JsonBody, App, Live, payments::reconcile),
    route("POST", "rest/offline/bill/status", JsonBody, App, Live, payments::offline_status),
    route("POST", "rest/offline/bill/{id}", JsonBody, App, Live, payments::offline_revert),
    route("POST", "rest/offline/bill", JsonBody, App, Live, payments::offline_pay),
    route("POST", "rest/international/bill", JsonBody, App, Live, payments::international_pay),
    // Refunds.
    route("POST", "rest/refund", JsonBody, Master, Live, refunds::refund),
    route("PUT", "rest/refund", JsonBody, Master, Live, refunds::audit_pre_refunds),
    route("GET", "rest/refund/status", Para, App, Live, refunds::refund_status),
    route("GET", "rest/refund/{id}", Para, App, Live, queries::refund_by_id),
    route("GET", "rest/refunds/count", Para, App, Live, queries::count_refunds),
    route("GET", "rest/refunds", Para, App, Live, queries::query_refunds),
    route("POST", "rest/offline/refund", JsonBody, Master, Live, refunds::offline_refund),
    // Transfers.
    route("GET", "rest/bc_transfer/banks", Para, Unsigned, Live, transfers::bc_transfer_banks),
    route("POST", "rest/bc_transfer", JsonBody, AppOrMaster, Live, transfers::bc_transfer),
    route("POST", "rest/transfer", JsonBody, Master, Live, transfers::transfer),
    route("POST", "rest/transfers", JsonBody, Master, Live, transfers::batch_transfer),
    // Sent only by the Java and PHP SDKs: payout queries (GET; POST stays the batch), bank lists, payouts.
    route("GET", "rest/transfers/count", Para, App, Live, payouts::count_payouts),
    route("GET", "rest/transfers", Para, App, Live, payouts::query_payouts),
    route("GET", "rest/bc_gateway/banks", Para, AppOrTest, Live, payouts::gateway_bank_list),
    route("POST", "rest/gateway/bc_transfer", JsonBody, BodySignature, Live, payouts::t0_transfer),
    route("GET", "rest/t1express/transfer/banks", Para, AppOrTest, Live, payouts::t1_bank_list),
    route("POST", "rest/t1express/transfer", JsonBody, BodySignature, Live, payouts::t1_transfer),
    route("POST", "rest/cj_transfer", JsonBody, Master, Live, payouts::cj_transfer),
    route("GET", "rest/bc_user_transfer/banks", Para, AppOrTest, Live, payouts::jd_bank_list),
    route("POST", "rest/bc_user_transfer", JsonBody, AppOrMaster, Live, payouts::jd_transfer),
    // Card signing for direct debit (Java's `card/*`, PHP's legacy `sign`).
    route("POST", "card/sign", JsonBody, App, Live, cards::card_sign),
    route("POST", "card/sync_verify", JsonBody, App, Live, cards::card_sync_verify),
    route("POST", "card/sync_sign", JsonBody, App, Live, cards::card_sync_sign),
    route("POST", "sign", JsonBody, App, Live, cards::legacy_sign),
    // Plans, subscriptions, SMS, card-factor auth.
    route("POST", "plan", JsonBody, AppOrTest, Live, plans::create_plan),
    route("GET", "plan", QueryPairs, AppOrTest, Live, plans::query_plans),
    route("GET", "plan/{id}", QueryPairs, AppOrTest, Live, plans::get_plan),
    route("PUT", "plan/{id}", JsonBody, AppOrTest, Live, plans::update_plan),
    route("DELETE", "plan/{id}", QueryPairs, AppOrTest, Live, plans::delete_plan),
    route("POST", "subscription", JsonBody, AppOrTest, Live, subscriptions::create_subscription),
    route("GET", "subscription", QueryPairs, AppOrTest, Live, subscriptions::query_subscriptions),
    route("GET", "subscription/{id}", QueryPairs, AppOrTest, Live, subscriptions::get_subscription),
    route("PUT", "subscription/{id}", JsonBody, AppOrTest, Live, subscriptions::update_subscription),
    route("DELETE", "subscription/{id}", QueryPairs, AppOrTest, Live, subscriptions::cancel_subscription),
    route("GET", "subscription_banks", QueryPairs, AppOrTest, Live, subscriptions::subscription_banks),
    route("POST", "sms", JsonBody, AppOrTest, Live, identity::send_sms),
    route("POST", "auth", JsonBody, AppOrTest, Live, identity::verify_card_factors),
    // Merchant users.
    route("POST", "rest/user", JsonBody, AppOrTest, Live, merchants::add_user),
    route("POST", "rest/users", JsonBody, AppOrTest, Live, merchants::batch_add_users),
    route("GET", "rest/users", Para, AppOrTest, Live, merchants::query_users),
    route("PUT", "rest/history_bills", JsonBody, AppOrTest, Live, merchants::attach_history_bills),
    // The PHP SDK posts it; Python and Java put it.
    route("POST", "rest/history_bills", JsonBody, AppOrTest, Live, merchants::attach_history_bills),
    // Coupons.
    route("GET", "rest/coupon/template/{id}", Para, AppOrTest, Live, coupons::get_template),
    route("GET", "rest/coupon/template", Para, AppOrTest, Live, coupons::query_templates),
    route("POST", "rest/coupon", JsonBody, AppOrTest, Live, coupons::create_coupon),
    route("GET", "rest/coupon/{id}", Para, AppOrTest, Live, coupons::get_coupon),
    route("GET", "rest/coupon", Para, AppOrTest, Live, coupons::query_coupons),
];

/// Routes only iOS calls in sandbox mode; answered only while `EmulatorConfig::ios_sandbox_routes` is on.
pub(crate) const IOS_SANDBOX_PATHS: &[&str] = &[
    "rest/sandbox/refunds/count",
    "rest/sandbox/refunds",
    "rest/sandbox/refund/status",
    "rest/sandbox/refund/{id}",
    "rest/sandbox/offline/bill/status",
    "rest/sandbox/offline/bill/{id}",
    "rest/sandbox/offline/bill",
];

/// What routing found for a path.
pub(crate) enum Lookup<'r> {
    Found {
        route: &'r Route,
        id: Option<String>,
        app_id: Option<String>,
    },
    /// The path exists for these other methods.
    WrongMethod(Vec<&'static str>),
    NotFound,
}

/// Finds the route of `method` + `segments` (the path after `/2/`, split and percent-decoded).
pub(crate) fn lookup<'s>(method: &str, segments: &[String]) -> Lookup<'s> {
    let mut allowed = Vec::new();
    for route in ROUTES {
        let Some((id, app_id)) = match_path(route.path, segments) else {
            continue;
        };
        if route.method == method {
            return Lookup::Found { route, id, app_id };
        }
        if !allowed.contains(&route.method) {
            allowed.push(route.method);
        }
    }
    if !allowed.is_empty() {
        Lookup::WrongMethod(allowed)
    } else {
        Lookup::NotFound
    }
}

/// `Some((id, app_id))` path parameters when the pattern matches.
fn match_path(pattern: &str, segments: &[String]) -> Option<(Option<String>, Option<String>)> {
    let parts: Vec<&str> = pattern.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let (mut id, mut app_id) = (None, None);
    for (part, segment) in parts.iter().zip(segments) {
        match *part {
            "{id}" => id = Some(segment.clone()),
            "{app_id}" => app_id = Some(segment.clone()),
            literal if literal != segment => return None,
            _ => {}
        }
    }
    Some((id, app_id))
}
