//! # beecloud — the BeeCloud payment API for Rust
//!
//! A blocking, synchronous SDK for [BeeCloud](https://beecloud.cn): WeChat Pay, Alipay, UnionPay,
//! PayPal, JD, Baidu, Yeepay, Kuaiqian and BeeCloud's own channels — payments, refunds, pre-refund
//! approval, transfers and red packets, bill and refund queries, subscriptions, card-factor checks,
//! merchant users, coupons and webhooks. It mirrors the official Python SDK 3.6.0 name for name, so a
//! Python integration ports line by line, and adds what Python lacks: typed errors that cannot be
//! ignored, webhook verification, timeouts, connection reuse and (feature `emulator`) a local
//! BeeCloud server to test against.
//!
//! ## Quick start
//!
//! ```no_run
//! use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams};
//! use beecloud::pay::BCPay;
//! use beecloud::utils::order_num_on_datetime;
//!
//! let mut bc_app = BCApp::default();
//! bc_app.app_id = "your app id".into();
//! bc_app.app_secret = "your app secret".into();       // payments and queries
//! bc_app.master_secret = "your app master secret".into(); // refunds, transfers, webhooks
//!
//! let mut bc_pay = BCPay::default();
//! bc_pay.register_app(bc_app);
//!
//! let mut req_params = BCPayReqParams::default();
//! req_params.channel = Some(BCChannelType::WX_NATIVE);
//! req_params.title = Some("支付测试".into());
//! req_params.total_fee = Some(1); // fen
//! req_params.bill_no = Some(order_num_on_datetime());
//! match bc_pay.pay(&req_params) {
//!     // Draw result.code_url as a QR code for the payer.
//!     Ok(result) => println!("bill {} — QR content {:?}", result.id, result.code_url),
//!     // e.g. "beecloud error 1 APP_INVALID: app_sign does not match the secret of this route"
//!     Err(e) => eprintln!("{e}"),
//! }
//! ```
//!
//! The same flow against the local emulator, with the webhook and a refund, is the README's quick
//! start; [`guide::porting`] has every section of the Python SDK's README in Rust.
//!
//! ## Receiving webhooks safely
//!
//! A push is a hint; BeeCloud's record decides. [`utils::receive_webhook`] takes the raw request
//! body, checks the signature and your own order's amount, then asks BeeCloud once (one GET
//! through your [`BCApp`]) and answers from the record: a bill paid for that amount, a refund or
//! payout finished, a subscription verified. The `signature` form proves only the type, id,
//! channel and amount; the legacy `sign` proves nothing of the payload (its secrets ship inside
//! mobile apps), so it is only a reason to ask; test-secret pushes count only for a test-mode
//! app. Only [`utils::BCWebhookReceipt::Accepted`] says "act on it";
//! [`utils::BCWebhookReceipt::reply`] gives the literal answer (`success` only where BeeCloud may
//! stop resending), and a [`utils::BCWebhookDedup`] acts on each `(transaction_type,
//! transaction_id)` once. The outcome table and the de-duplication rule: [`guide::webhooks`].
//!
//! ## After an unknown outcome
//!
//! A timeout or a connection lost after a request was sent does not tell whether BeeCloud acted:
//! [`BCError::outcome_unknown`] is true then. Ask BeeCloud by your own number
//! ([`BCQuery::find_bill_by_no`], [`BCQuery::find_refund_by_no`],
//! [`BCQuery::find_transfer_by_no`]): found, carry on with the record; not found once the original
//! call's deadline has passed, send it again with the same number (BeeCloud refuses a duplicate,
//! [`BCError::is_duplicate`], so nothing is charged twice). [`entity::BCRetry`] (off by default)
//! retries queries by itself, and writes only when nothing was sent. More:
//! [`guide::unknown_outcomes`].
//!
//! ## From Python to Rust
//!
//! | Python (beecloud 3.6.0) | Rust |
//! |---|---|
//! | `from beecloud.entity import BCApp`; `bc_app = BCApp()` | `use beecloud::entity::BCApp;` `let mut bc_app = BCApp::default();` |
//! | `bc_app.app_id = 'id'` | `bc_app.app_id = "id".into();` |
//! | `bc_app.is_test_mode = True` | `bc_app.is_test_mode = true;` (and `bc_app.test_secret`) |
//! | `bc_app.timeout = 5` / `(3, 10)` | `bc_app.timeout = Some(Duration::from_secs(5).into())` / `Some((connect, read).into())`; default: [`entity::DEFAULT_CONNECT_TIMEOUT`], [`entity::DEFAULT_CALL_TIMEOUT`] |
//! | (no equivalent) | `bc_app.api_host = emulator.base_url();` (tests, emulator, regional hosts) |
//! | `bc_pay = BCPay(); bc_pay.register_app(bc_app)` | `let mut bc_pay = BCPay::default(); bc_pay.register_app(bc_app);` or `BCPay::new(bc_app)` |
//! | `BCSubscribe().create_plan(plan)` | `bc_pay.create_plan(&plan)` ([`subscribe::BCSubscribe`] names `BCPay`) |
//! | `params = BCPayReqParams(); params.total_fee = 1` | `let mut params = BCPayReqParams::default(); params.total_fee = Some(1);` |
//! | `params.channel = BCChannelType.WX_NATIVE` or `'WX_NATIVE'` | `params.channel = Some(BCChannelType::WX_NATIVE)` or `Some("WX_NATIVE".into())` |
//! | `params.openid = '…'` (ad-hoc attribute) | `params.openid = Some("…".into())` — channel fields are typed; anything else: `params.set("key", value)` |
//! | `result = bc_pay.pay(params)` | `let result = bc_pay.pay(&params)?;` — `Ok` only for `result_code` 0 |
//! | `result.id`, `result.url`, `result.bills` | the same: [`BCResult`] dereferences to the payload; `result.raw` has the whole JSON |
//! | `result.count` (bills/refunds page length) | `result.count()` |
//! | `if result.result_code != 0: print(result.result_msg, result.err_detail)` | `Err(e)`: `e.result_code()`, `e.result_msg()`, `e.err_detail()` |
//! | `result_code == -1` (network, HTTP status) | [`BCError::Connect`], [`BCError::Transport`], [`BCError::Timeout`], [`BCError::Redirect`], [`BCError::HttpStatus`], [`BCError::InvalidResponse`], [`BCError::UnreadableSuccess`], [`BCError::BodyTooLarge`] — `result_code()` is `Some(-1)` |
//! | `result_code == -2` (`NOT_SUPPORTED_CODE`, test mode) | [`BCError::NotSupportedInTestMode`] — `Some(-2)` |
//! | `ValueError('app secret is not set')` | [`BCError::NotConfigured`] — `result_code()` is `None`, nothing was sent |
//! | `ValueError` of a query (`refund_no` in a bill query…) | [`BCError::InvalidParams`] — `None`, nothing was sent |
//! | `bc_query.query_bills()` (no params) | `bc_query.query_bills(None)` |
//! | `bc_pay.update_subscription(sid, amount=3)` | `changes.amount = Some(3.0); bc_pay.update_subscription(sid, &changes)` |
//! | `verify_card_factors(app, name, id_no, card_no)` | `utils::verify_card_factors(&bc_app, name, id_no, Some(card_no), None)` |
//! | `user.add_merchant_user(bc_app, 'id')` | `user::add_merchant_user(&bc_app, "id")` |
//! | `sales.create_coupon(bc_app, tpl, user)` | `sales::create_coupon(&bc_app, tpl, user)` |
//! | `demo/webhook.py`'s signature check | [`utils::verify_webhook`] (constant-time), [`utils::receive_webhook`]; the subscription demo's `sign`: [`utils::verify_legacy_sign_webhook`] |
//! | keyword arguments, `f(a, b=None, c=None)` | positional `Option`s, in Python's order: `query_merchant_users(&bc_app, None, Some(start), None)` |
//! | `bc_query.query_plans()` (optional argument left out) | `bc_query.query_plans(None)`: an optional argument is always written, `None` or `&criteria` |
//! | a `dict` (`optional`, `bill_info`, `result.raw`) | [`Map<String, Value>`](Map) (`beecloud::serde_json::json!({...}).as_object().cloned()`), or the `BTreeMap` the signature names |
//! | `bill.total_fee` (a record attribute, maybe `None`) | `bill.total_fee` is `Option<i64>`: every record field is an `Option` (`if let Some(fee) = bill.total_fee`) |
//! | `bc_pay.offline_revert(bill_no, channel=None)` (`method='REVERT'` added inside) | `bc_pay.offline_revert(bill_no, None)`: the SDK sends `method: "REVERT"` itself |
//! | `BCPayReqParams(total_fee=1, …)` | refused: params are `#[non_exhaustive]`, so build with `default()` and set fields (new fields stay non-breaking) |
//! | `result.result_code == 17` | `e.code() == Some(BCResultCode::BillNoDuplicate)`, or [`BCError::is_duplicate`] ([`codes`]) |
//! | `order_num_on_datetime()` as `refund_no` | [`utils::order_num_on_beijing_datetime`]: a `refund_no` must start with Beijing's date, on any host zone |
//! | `requests` reading `HTTPS_PROXY` | the same by default ([`entity::BCProxy::FromEnv`], `NO_PROXY` honoured, loopback never proxied); [`BCApp::set_proxy`], [`BCApp::configure_agent`], [`BCApp::set_agent`] |
//! | (Java/PHP only) Java `startTransferQuery`, `startTransferQueryCount` | [`BCQuery::query_transfers`], [`BCQuery::query_transfers_count`] |
//! | (Java/PHP only) Java `getGateWayBanks`; PHP `get_banks($data, 'BC_GATEWAY')` | [`BCQuery::query_bc_gateway_banks`] |
//! | (Java/PHP only) Java `billConfirm`; PHP `confirm_bill_pay` | [`BCPay::confirm_bill`] |
//! | (Java/PHP only) Java `startBCT0transfer`; PHP `gateway_transfer` | [`BCPay::bc_t0_transfer`] |
//! | (Java/PHP only) Java `startBCT1transfer`; PHP `bct1_transfer` | [`BCPay::bc_t1_transfer`] |
//! | (Java/PHP only) PHP `get_banks($data, 'T1_EXPRESS_TRANSFER')` | [`BCQuery::query_t1_transfer_supported_banks`] |
//! | (Java/PHP only) PHP `cj_transfer` (.NET `BCCJBankCardTransfer`) | [`BCPay::cj_transfer`] |
//! | (Java/PHP only) PHP `bc_transfer` with `channel` `JD_TRANSFER` | [`BCPay::jd_transfer`] |
//! | (Java/PHP only) Java `getTransferBanks` | [`BCQuery::query_jd_transfer_supported_banks`] |
//! | (Java/PHP only) Java `startBCCardSign`, `startBCSyncCardVerify`, `startBCSyncCardSign` | [`BCPay::card_sign`], [`BCPay::card_sync_verify`], [`BCPay::card_sync_sign`] |
//! | (Java/PHP only) PHP `card_charge_sign` | [`BCPay::card_charge_sign`] |
//! | (Java/PHP only) Java `cancelSubscription` with `cancelAtPeriodEnd` | [`BCPay::cancel_subscription_at_period_end`] |
//! | (Android/iOS only) the mock cashier's sandbox notify | [`BCPay::sandbox_notify`] |
//! | (Java/PHP only) PHP's pass-through `bill_update_flag` | [`BCQuery::query_refund_status_with_bill_update`] |
//! | (no SDK) every page of a list | [`BCQuery::bills_iter`] and siblings, [`sales::coupons_iter`]: a [`Pages`] iterator |
//!
//! Each deliberate difference from Python, with its reason: [`guide::differences_from_python`].
//!
//! ## Errors
//!
//! Every operation returns `Result<BCResult<_>, BCError>`; `Ok` only when the server answered
//! `result_code` 0. `Display` says what went wrong in full — the server's `result_code`,
//! `result_msg` and `err_detail`, or the `host:port` and the system's reason of a network failure —
//! and no text of an error holds a value the SDK knows is secret. In short:
//!
//! - [`BCError::Api`]: the server refused (a non-zero `result_code`, named by [`BCResultCode`],
//!   matched by helpers such as [`BCError::is_duplicate`]).
//! - [`BCError::InvalidParams`], [`BCError::NotConfigured`], [`BCError::NotSupportedInTestMode`]:
//!   refused before sending. [`BCError::is_param_error`] covers the SDK's refusals of a field and
//!   the server's alike.
//! - [`BCError::Connect`]: no connection could be opened; nothing was sent.
//! - [`BCError::Transport`], [`BCError::Timeout`], [`BCError::Redirect`], [`BCError::HttpStatus`],
//!   [`BCError::InvalidResponse`], [`BCError::BodyTooLarge`], [`BCError::UnreadableSuccess`]: the
//!   server may have acted ([`BCError::outcome_unknown`]).
//!
//! Each operation's `# Errors` section lists only what is its own. Every operation can also
//! fail with: [`BCError::InvalidParams`] (a field the SDK refuses before sending) and
//! [`BCError::NotConfigured`] (no app, or an empty app id, secret or host); the server's
//! `1 APP_INVALID` (wrong secret, or a clock far off), `4 MISS_PARAM` and `5 PARAM_INVALID` (a
//! field it refuses: fix the request), `14 RUNTIME_ERROR` (BeeCloud failed inside);
//! [`BCError::Connect`] (nothing was sent); and the failures after which the server may have acted
//! (look the record up before sending a write again).
//!
//! Every variant, its exact text and what to do: [`guide::errors`].
//!
//! ## Transport
//!
//! One [`ureq`](https://docs.rs/ureq) agent per [`BCApp`] (clones share it, so connections are
//! reused), default timeouts of 10 s to connect and 60 s per call, an overall deadline on every call
//! ([`entity::BCTimeout::deadline`]), response bodies capped at 8 MiB, redirects never followed, no
//! retry unless [`BCApp::retry`] is set (queries only; writes only when nothing was sent).
//! Proxies: the environment's (`HTTPS_PROXY`… with `NO_PROXY`) by default, as Python's `requests`; [`BCApp::set_proxy`] chooses none or an explicit one, and
//! loopback hosts (the emulator) are never proxied. [`BCApp::configure_agent`] adjusts the SDK's
//! agent (pool size, TLS roots); [`BCApp::set_agent`] brings your own — the only places a `ureq`
//! type is public, so a `ureq` major upgrade is a breaking release of this crate. The SDK is
//! blocking: in an async service, call it through the runtime's blocking pool.
//!
//! ## Modules
//!
//! - [`entity`]: [`BCApp`], [`BCChannelType`], the params structs, the records, [`BCResult`] and payloads.
//! - [`pay`]: [`BCPay`] — payments, refunds, transfers, subscriptions, plans, and what the other
//!   official SDKs send (payouts T0/T1/CJ/JD, card signing, the BC_EXPRESS confirmation).
//! - [`query`]: [`BCQuery`] — bills, refunds, payouts, counts, by id, statuses, bank lists, plans,
//!   subscriptions; [`Pages`] iterators over every record of a list (`bills_iter`…).
//! - [`user`], [`sales`]: merchant users and coupons, free functions as in Python.
//! - [`utils`]: SMS, card factors, order numbers (local and Beijing time), timestamps, WeChat OAuth,
//!   signatures, webhooks.
//! - [`codes`]: [`BCResultCode`], the named `result_code`s, and `BCError`'s matching helpers.
//! - [`guide`]: the longer explanations, one topic a page.
//! - [`serde_json`], [`Map`], [`Value`]: re-exported, for `optional` and `raw`.
//! - `emulator` (feature `emulator`): a stateful local BeeCloud server.
//!
//! ## Features
//!
//! - `emulator`: `beecloud::emulator::Emulator`, a stateful BeeCloud server on 127.0.0.1 for tests
//!   and demos (adds the `uuid` dependency; the HTTP server is its own, on `std::net`), and the
//!   `beecloud-emulator` binary for other languages' SDKs ([`guide::other_languages`]).
//! - `log`: one [`log`](https://docs.rs/log) line per BeeCloud call, target `beecloud` (Info on
//!   success, Warn on failure): operation, method, path without query, status, `result_code`,
//!   duration — never a secret, `app_sign`, query or body. `ureq` already depends on `log`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod call_log;
mod channel;
mod error;
mod fields;
mod http;
mod operations;
mod params;
mod records;
mod redact;
mod reply;
mod resolve;
mod results;
mod retry;
mod sign;
mod subscription_params;
mod transport;
mod webhook;
mod webhook_dedup;
mod webhook_receipt;
// Operations the other official SDKs send, their params, bank lists, lookups by number, paging.
mod banks;
mod card_params;
mod cards;
mod checks;
mod find;
mod paging;
mod payout_params;
mod payouts;
mod sensitive;

pub mod codes;
pub mod entity;
pub mod guide;
pub mod pay;
pub mod query;
pub mod sales;
pub mod user;
pub mod utils;

pub mod subscribe;

pub use codes::BCResultCode;
pub use entity::{BCApp, BCChannelType, BCResult};
pub use error::{BCError, BoxError, NETWORK_ERROR, NOT_SUPPORTED_CODE};
#[doc(hidden)]
pub use operations::operation_routes;
pub use paging::Pages;
pub use pay::BCPay;
pub use query::BCQuery;
/// The JSON crate the API's maps and values come from (`optional`, `raw`), so an app needs no
/// dependency of its own: `use beecloud::serde_json::json;`.
pub use serde_json;
pub use serde_json::{Map, Value};

#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;

/// The README's examples, compiled and run as doctests (with `--all-features`, as the README's
/// test command does, since one example uses the emulator).
#[cfg(all(doctest, feature = "emulator"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
