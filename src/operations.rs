//! Every REST operation of the SDK as one row of data: its Python name, how its fields travel,
//! its path under `/2/` (`{id}` marks a path parameter), the secret that signs it, what test
//! mode does to it and the fields it requires. [`http::call`](crate::http::call) does all the
//! shared work once; each public method is a short wrapper naming its row.
//!
//! The emulator keeps its own route table (`src/emulator/routes.rs`), written separately;
//! `tests/emulator/operations_table.rs` checks that the two agree on method and path.

use crate::http::Op;
use crate::http::Secret::{App, Master, Payout, Unsigned};
use crate::http::TestMode::{Only, Refused, Same, Sandbox};
use crate::http::Wire::{Delete, GetPara, GetQuery, Post, Put};

// The required fields shared by several rows, or too many for one line.
const NONE: &[&str] = &[];
const BILL: &[&str] = &["channel", "total_fee", "bill_no", "title"];
const INTERNATIONAL_BILL: &[&str] = &["channel", "total_fee", "currency", "bill_no", "title"];
const REFUND_FIELDS: &[&str] = &["refund_no", "bill_no", "refund_fee"];
const TRANSFER_FIELDS: &[&str] = &[
    "channel",
    "transfer_no",
    "total_fee",
    "desc",
    "channel_user_id",
];
/// The required fields of a bank-card payout (`bc_transfer`, `jd_transfer`).
const CARD_TRANSFER: &[&str] = &[
    "total_fee",
    "bill_no",
    "title",
    "trade_source",
    "bank_fullname",
    "card_type",
    "account_type",
    "account_no",
    "account_name",
];
const T0_PAYOUT: &[&str] = &[
    "withdraw_amount",
    "bill_no",
    "transfer_type",
    "bank_name",
    "bank_account_no",
    "bank_account_name",
    "bank_code",
    "note",
];
const T1_PAYOUT: &[&str] = &[
    "total_fee",
    "bill_no",
    "is_personal",
    "bank_name",
    "bank_account_no",
    "bank_account_name",
];
const CJ_PAYOUT: &[&str] = &[
    "total_fee",
    "bill_no",
    "title",
    "bank_name",
    "bank_branch",
    "province",
    "city",
    "card_type",
    "card_attribute",
    "bank_account_no",
    "account_name",
];
const SIGNING: &[&str] = &["id_name", "id_no", "card_no", "mobile", "bank"];
const CHARGE_SIGNING: &[&str] = &[
    "mobile", "bank", "id_no", "name", "card_no", "sms_id", "sms_code",
];

/// Declares one `Op` const per row, named as the Python SDK names the operation (the name also
/// goes into test-mode refusals and the call log), and [`ALL`], every row in table order.
macro_rules! operations {
    ($($row:ident: $wire:ident, $path:literal, $secret:expr, $test_mode:expr, $required:expr;)*) => {
        $(#[allow(non_upper_case_globals)] // The Python name, as callers and logs know it.
        pub(crate) const $row: Op = Op {
            name: stringify!($row),
            wire: $wire,
            path: $path,
            secret: $secret,
            test_mode: $test_mode,
            required: $required,
        };)*
        /// Every operation, in table order.
        pub(crate) const ALL: &[Op] = &[$($row),*];
    };
}

#[rustfmt::skip] // One row per operation reads as the table it is.
operations! {
    // name: wire, path under /2/, secret, test mode, required fields
    // Payments and bills.
    pay:                                        Post,     "rest/bill",                         App,                       Sandbox("rest/sandbox/bill"),        BILL;
    offline_pay:                                Post,     "rest/offline/bill",                 App,                       Refused,                             BILL;
    international_pay:                          Post,     "rest/international/bill",           App,                       Refused,                             INTERNATIONAL_BILL;
    confirm_bill:                               Post,     "rest/bill/confirm",                 App,                       Refused,                             &["token", "bc_bill_id", "verify_code"];
    offline_revert:                             Post,     "rest/offline/bill/{id}",            App,                       Refused,                             NONE;
    // The app's id and the bill's travel in the path; nothing is signed.
    sandbox_notify:                             GetQuery, "rest/sandbox/notify/{app_id}/{id}", Unsigned,                  Only,                                NONE;
    // Refunds.
    refund:                                     Post,     "rest/refund",                       Master,                    Refused,                             REFUND_FIELDS;
    offline_refund:                             Post,     "rest/offline/refund",               Master,                    Refused,                             REFUND_FIELDS;
    audit_pre_refunds:                          Put,      "rest/refund",                       Master,                    Refused,                             &["ids", "agree"];
    // Transfers and bank-card payouts (T0 and T1 carry a body signature over the amount field named).
    transfer:                                   Post,     "rest/transfer",                     Master,                    Refused,                             TRANSFER_FIELDS;
    bc_transfer:                                Post,     "rest/bc_transfer",                  Master,                    Refused,                             CARD_TRANSFER;
    batch_transfer:                             Post,     "rest/transfers",                    Master,                    Refused,                             &["channel", "batch_no", "account_name", "transfer_data"];
    bc_t0_transfer:                             Post,     "rest/gateway/bc_transfer",          Payout("withdraw_amount"), Refused,                             T0_PAYOUT;
    bc_t1_transfer:                             Post,     "rest/t1express/transfer",           Payout("total_fee"),       Refused,                             T1_PAYOUT;
    cj_transfer:                                Post,     "rest/cj_transfer",                  Master,                    Refused,                             CJ_PAYOUT;
    // `channel` (JD_TRANSFER) is added by the operation itself.
    jd_transfer:                                Post,     "rest/bc_user_transfer",             Master,                    Refused,                             CARD_TRANSFER;
    // Card signing for direct debit.
    card_sign:                                  Post,     "card/sign",                         App,                       Refused,                             SIGNING;
    card_sync_verify:                           Post,     "card/sync_verify",                  App,                       Refused,                             SIGNING;
    card_sync_sign:                             Post,     "card/sync_sign",                    App,                       Refused,                             &["card_id"];
    card_charge_sign:                           Post,     "sign",                              App,                       Refused,                             CHARGE_SIGNING;
    // Queries and counts.
    query_bills:                                GetPara,  "rest/bills",                        App,                       Sandbox("rest/sandbox/bills"),       NONE;
    query_bills_count:                          GetPara,  "rest/bills/count",                  App,                       Sandbox("rest/sandbox/bills/count"), NONE;
    query_bill_by_id:                           GetPara,  "rest/bill/{id}",                    App,                       Sandbox("rest/sandbox/bill/{id}"),   NONE;
    query_refunds:                              GetPara,  "rest/refunds",                      App,                       Refused,                             NONE;
    query_refunds_count:                        GetPara,  "rest/refunds/count",                App,                       Refused,                             NONE;
    query_refund_by_id:                         GetPara,  "rest/refund/{id}",                  App,                       Refused,                             NONE;
    query_refund_status:                        GetPara,  "rest/refund/status",                App,                       Refused,                             NONE;
    query_refund_status_with_bill_update:       GetPara,  "rest/refund/status",                App,                       Refused,                             NONE;
    query_offline_bill_status:                  Post,     "rest/offline/bill/status",          App,                       Refused,                             NONE;
    query_reconciliation:                       Post,     "rest/reconciliation",               App,                       Refused,                             NONE;
    query_transfers:                            GetPara,  "rest/transfers",                    App,                       Refused,                             NONE;
    query_transfers_count:                      GetPara,  "rest/transfers/count",              App,                       Refused,                             NONE;
    // Bank lists.
    query_bc_transfer_supported_banks:          GetPara,  "rest/bc_transfer/banks",            Unsigned,                  Same,                                NONE;
    query_bc_gateway_banks:                     GetPara,  "rest/bc_gateway/banks",             App,                       Same,                                NONE;
    query_t1_transfer_supported_banks:          GetPara,  "rest/t1express/transfer/banks",     App,                       Same,                                NONE;
    query_jd_transfer_supported_banks:          GetPara,  "rest/bc_user_transfer/banks",       App,                       Same,                                NONE;
    query_subscription_payment_supported_banks: GetQuery, "subscription_banks",                App,                       Same,                                NONE;
    // Plans and subscriptions.
    create_plan:                                Post,     "plan",                              App,                       Same,                                &["fee", "interval", "name"];
    query_plans:                                GetQuery, "plan",                              App,                       Same,                                NONE;
    query_plan_by_id:                           GetQuery, "plan/{id}",                         App,                       Same,                                NONE;
    update_plan:                                Put,      "plan/{id}",                         App,                       Same,                                NONE;
    delete_plan:                                Delete,   "plan/{id}",                         App,                       Same,                                NONE;
    subscribe:                                  Post,     "subscription",                      App,                       Same,                                &["buyer_id", "plan_id"];
    query_subscriptions:                        GetQuery, "subscription",                      App,                       Same,                                NONE;
    query_subscription_by_id:                   GetQuery, "subscription/{id}",                 App,                       Same,                                NONE;
    update_subscription:                        Put,      "subscription/{id}",                 App,                       Same,                                NONE;
    cancel_subscription:                        Delete,   "subscription/{id}",                 App,                       Same,                                NONE;
    // SMS codes and card-factor checks.
    send_sms_passcode:                          Post,     "sms",                               App,                       Same,                                &["phone"];
    verify_card_factors:                        Post,     "auth",                              App,                       Same,                                &["name", "id_no"];
    // Merchant users.
    add_merchant_user:                          Post,     "rest/user",                         App,                       Same,                                NONE;
    batch_add_merchant_users:                   Post,     "rest/users",                        App,                       Same,                                NONE;
    query_merchant_users:                       GetPara,  "rest/users",                        App,                       Same,                                NONE;
    attach_buyer_history_bills:                 Put,      "rest/history_bills",                App,                       Same,                                NONE;
    // Coupons.
    query_coupon_template:                      GetPara,  "rest/coupon/template/{id}",         App,                       Same,                                NONE;
    query_coupon_templates:                     GetPara,  "rest/coupon/template",              App,                       Same,                                NONE;
    query_coupon:                               GetPara,  "rest/coupon/{id}",                  App,                       Same,                                NONE;
    query_coupons:                              GetPara,  "rest/coupon",                       App,                       Same,                                NONE;
    create_coupon:                              Post,     "rest/coupon",                       App,                       Same,                                NONE;
}

/// `(Python name, HTTP method, path)` of every operation, and a second row with the sandbox path
/// of those that move there in test mode: what `tests/emulator/operations_table.rs` compares
/// with the emulator's routes.
#[doc(hidden)]
pub fn operation_routes() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    ALL.iter().flat_map(|op| {
        let sandbox = match op.test_mode {
            Sandbox(path) => Some((op.name, op.wire.method(), path)),
            Same | Refused | Only => None,
        };
        std::iter::once((op.name, op.wire.method(), op.path)).chain(sandbox)
    })
}
