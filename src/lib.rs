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
//!     Err(e) => eprintln!("{} {} {}", e.result_code().unwrap_or_default(), e.result_msg(), e.err_detail()),
//! }
//! ```
//!
//! The money moves when BeeCloud's webhook says so, not when `pay` returns: verify every push with
//! [`utils::verify_webhook`], check its amount with [`utils::BCWebhook::check_amount`], ignore
//! repeats, and answer the body `success` ([`utils::WEBHOOK_SUCCESS`]).
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
//! | `result_code == -1` (network, HTTP status) | [`BCError::Transport`], [`BCError::Timeout`], [`BCError::HttpStatus`], [`BCError::InvalidResponse`], [`BCError::BodyTooLarge`] — `result_code()` is `Some(-1)` |
//! | `result_code == -2` (`NOT_SUPPORTED_CODE`, test mode) | [`BCError::NotSupportedInTestMode`] — `Some(-2)` |
//! | `ValueError('app secret is not set')` | [`BCError::NotConfigured`] — `result_code()` is `None`, nothing was sent |
//! | `ValueError` of a query (`refund_no` in a bill query…) | [`BCError::InvalidParams`] — `None`, nothing was sent |
//! | `bc_query.query_bills()` (no params) | `bc_query.query_bills(None)` |
//! | `bc_pay.update_subscription(sid, amount=3)` | `changes.amount = Some(3.0); bc_pay.update_subscription(sid, &changes)` |
//! | `verify_card_factors(app, name, id_no, card_no)` | `utils::verify_card_factors(&bc_app, name, id_no, Some(card_no), None)` |
//! | `user.add_merchant_user(bc_app, 'id')` | `user::add_merchant_user(&bc_app, "id")` |
//! | `sales.create_coupon(bc_app, tpl, user)` | `sales::create_coupon(&bc_app, tpl, user)` |
//! | `demo/webhook.py`'s signature check | [`utils::verify_webhook`] (constant-time), [`utils::verify_subscription_webhook`] |
//! | keyword arguments, `f(a, b=None, c=None)` | positional `Option`s, in Python's order: `query_merchant_users(&bc_app, None, Some(start), None)` |
//! | `bc_query.query_plans()` (optional argument left out) | `bc_query.query_plans(None)`: an optional argument is always written, `None` or `&criteria` |
//! | a `dict` (`optional`, `bill_info`, `result.raw`) | `serde_json::Map<String, Value>` (`json!({...}).as_object().cloned()`), or the `BTreeMap` the signature names |
//! | `bill.total_fee` (a record attribute, maybe `None`) | `bill.total_fee` is `Option<i64>`: every record field is an `Option` (`if let Some(fee) = bill.total_fee`) |
//! | `bc_pay.offline_revert(bill_no, channel=None)` (`method='REVERT'` added inside) | `bc_pay.offline_revert(bill_no, None)`: the SDK sends `method: "REVERT"` itself |
//! | `BCPayReqParams(total_fee=1, …)` | refused: params are `#[non_exhaustive]`, so build with `default()` and set fields (new fields stay non-breaking) |
//! | `result.result_code == 17` | `e.code() == Some(BCResultCode::BillNoDuplicate)`, or [`BCError::is_duplicate`] ([`codes`]) |
//! | `order_num_on_datetime()` as `refund_no` | [`utils::order_num_on_beijing_datetime`]: a `refund_no` must start with Beijing's date, on any host zone |
//! | `requests` reading `HTTPS_PROXY` | the same by default ([`entity::BCProxy::FromEnv`], `NO_PROXY` honoured, loopback never proxied); [`BCApp::set_proxy`], [`BCApp::configure_agent`], [`BCApp::set_agent`] |
//!
//! Deliberate differences from Python (each listed in the README): an explicit value you set (`0`,
//! `false`, `""`, `{}`) is always sent; ids are percent-encoded as one path segment; queries without
//! params work; JSON without `result_code` is an error, not success; missing documented required
//! fields are refused before sending; the caller's params are never modified.
//!
//! ## Errors
//!
//! Every operation returns `Result<BCResult<_>, BCError>`, and each documents its likely codes
//! under `# Errors`. The errors they share:
//!
//! - [`BCError::Api`]: the server answered a non-zero `result_code` (named in [`BCResultCode`];
//!   matched by helpers such as [`BCError::is_duplicate`]). The server acted on nothing.
//! - [`BCError::NotSupportedInTestMode`] (`-2`): the operation has no sandbox; nothing was sent.
//! - [`BCError::InvalidParams`], [`BCError::NotConfigured`]: refused locally (a required field,
//!   a filter that does not apply, a missing secret or `api_host`); nothing was sent.
//! - [`BCError::Transport`], [`BCError::Timeout`], [`BCError::HttpStatus`],
//!   [`BCError::InvalidResponse`], [`BCError::BodyTooLarge`] (`-1`): the request may have reached
//!   the server; check [`BCError::outcome_unknown`] and query before paying again.
//!
//! ## Modules
//!
//! - [`entity`]: [`BCApp`], [`BCChannelType`], the params structs, the records, [`BCResult`] and payloads.
//! - [`pay`]: [`BCPay`] — pay, offline_pay, international_pay, refund, offline_refund, offline_revert,
//!   audit_pre_refunds, transfer, bc_transfer, batch_transfer, send_sms_passcode, subscribe,
//!   cancel_subscription, update_subscription, create_plan, update_plan, delete_plan.
//! - [`query`]: [`BCQuery`] — bills, refunds, counts, by id, refund status, offline status,
//!   reconciliation, bank lists, plans, subscriptions.
//! - [`user`], [`sales`]: merchant users and coupons, free functions as in Python.
//! - [`utils`]: SMS, card factors, order numbers (local and Beijing time), timestamps, WeChat OAuth,
//!   signatures, webhooks.
//! - [`codes`]: [`BCResultCode`], the named `result_code`s, and `BCError`'s matching helpers.
//! - `emulator` (feature `emulator`): a stateful local BeeCloud server.
//!
//! ## Transport
//!
//! One [`ureq`](https://docs.rs/ureq) agent per [`BCApp`] (clones share it, so connections are
//! reused), default timeouts of 10 s to connect and 60 s per call, response bodies capped at 8 MiB,
//! no automatic retry of anything: after [`BCError::Transport`] or [`BCError::Timeout`] the server
//! may have acted ([`BCError::outcome_unknown`]), so query before you pay again. Secrets never appear
//! in `Debug`, `Display` or error texts.
//!
//! Proxies: the environment's (`HTTPS_PROXY`… with `NO_PROXY`) by default, as Python's `requests`;
//! [`BCApp::set_proxy`] chooses none or an explicit one, and loopback hosts (the emulator) are
//! never proxied. [`BCApp::configure_agent`] adjusts the SDK's agent (pool size, TLS roots);
//! [`BCApp::set_agent`] brings your own — the only places a `ureq` type is public, so a `ureq`
//! major upgrade is a breaking release of this crate.
//!
//! ## Features
//!
//! - `emulator`: `beecloud::emulator::Emulator`, a stateful BeeCloud server on 127.0.0.1 for tests
//!   and demos (adds the `tiny_http` dependency), and the `beecloud-emulator` binary.
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
mod http;
mod params;
mod records;
mod results;
mod sign;
mod webhook;

pub mod codes;
pub mod entity;
pub mod pay;
pub mod query;
pub mod sales;
pub mod user;
pub mod utils;

/// Python's `beecloud.subscribe`: plans and subscriptions live on [`BCPay`], as
/// the Python README places them; `BCSubscribe` names the same type.
pub mod subscribe {
    pub use crate::pay::BCPay as BCSubscribe;
}

pub use codes::BCResultCode;
pub use entity::{BCApp, BCChannelType, BCResult};
pub use error::{BCError, BoxError, NETWORK_ERROR, NOT_SUPPORTED_CODE};
pub use pay::BCPay;
pub use query::BCQuery;

#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;

/// The README's examples, compiled and run as doctests (with `--all-features`, as the README's
/// test command does, since one example uses the emulator).
#[cfg(all(doctest, feature = "emulator"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
