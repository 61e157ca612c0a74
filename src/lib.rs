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
//! repeats, and answer the body `success` ([`utils::WEBHOOK_SUCCESS`]) — or let
//! [`utils::receive_webhook`] do the checks and pick the answer.
//!
//! ## Webhooks: what each form proves
//!
//! - `signature` (current form, master secret, [`utils::verify_webhook`]) authenticates
//!   `transaction_id`, `transaction_type`, `channel_type` and `transaction_fee` — not the
//!   timestamp, `trade_success`, `sub_channel_type`, `message_detail` or `optional`. The type must
//!   be a [`utils::BCTransactionType`], the channel one of [`utils::WEBHOOK_CHANNELS`], the fee a
//!   non-negative integer, so the signed concatenation cannot be re-cut.
//! - `sign` (legacy form, app or test secret + timestamp, [`utils::verify_legacy_sign_webhook`])
//!   authenticates **no payload field**; those secrets ship inside mobile apps. It is accepted only
//!   for subscription pushes (app secret) and sandbox pushes (test secret), only within a timestamp
//!   tolerance (300 s either way by default), and never when the body has `signature`.
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
//! | a `dict` (`optional`, `bill_info`, `result.raw`) | `serde_json::Map<String, Value>` (`json!({...}).as_object().cloned()`), or the `BTreeMap` the signature names |
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
//! Deliberate differences from Python (each listed in the README): an explicit value you set (`0`,
//! `false`, `""`, `{}`) is always sent; ids are percent-encoded as one path segment; queries without
//! params work; JSON without `result_code` is an error, not success; missing documented required
//! fields are refused before sending; the caller's params are never modified; redirects are never
//! followed; every call has an overall deadline.
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
//! - [`BCError::Connect`] (`-1`): no connection could be opened; nothing was sent.
//! - [`BCError::Transport`], [`BCError::Timeout`], [`BCError::Redirect`], [`BCError::HttpStatus`],
//!   [`BCError::InvalidResponse`], [`BCError::BodyTooLarge`] (`-1`) and
//!   [`BCError::UnreadableSuccess`]: the request may have reached the server
//!   ([`BCError::outcome_unknown`] is true); query before paying again.
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
//! - Beyond Python (what the Java/PHP/app SDKs send): on [`BCPay`] `confirm_bill`, `bc_t0_transfer`,
//!   `bc_t1_transfer`, `cj_transfer`, `jd_transfer`, `card_sign`, `card_sync_verify`,
//!   `card_sync_sign`, `card_charge_sign`, `sandbox_notify`; on [`BCQuery`] `query_transfers`,
//!   `query_transfers_count`, `query_bc_gateway_banks`, the T1/JD bank lists and
//!   `query_refund_status_with_bill_update`; [`Pages`] iterators over every list (`bills_iter`…).
//! - [`utils`]: SMS, card factors, order numbers (local and Beijing time), timestamps, WeChat OAuth,
//!   signatures, webhooks.
//! - [`codes`]: [`BCResultCode`], the named `result_code`s, and `BCError`'s matching helpers.
//! - `emulator` (feature `emulator`): a stateful local BeeCloud server.
//!
//! ## Transport
//!
//! One [`ureq`](https://docs.rs/ureq) agent per [`BCApp`] (clones share it, so connections are
//! reused), default timeouts of 10 s to connect and 60 s per call, an overall deadline on every call
//! ([`entity::BCTimeout::deadline`]: the `Total` value, or connect + 3 × read), response bodies
//! capped at 8 MiB, **redirects never followed** (BeeCloud never redirects an API call; a 3xx is
//! [`BCError::Redirect`]), no automatic retry of anything.
//!
//! Before retrying a write, ask [`BCError::outcome_unknown`] whether the server may have acted; if
//! so, query the bill, refund or transfer before you pay again. It is **true** for
//! [`BCError::Transport`] (the connection failed after the request may have been written),
//! [`BCError::Timeout`], [`BCError::Redirect`], [`BCError::HttpStatus`] (5xx, other 2xx, 1xx),
//! [`BCError::InvalidResponse`] and [`BCError::BodyTooLarge`] (unreadable bodies), and
//! [`BCError::UnreadableSuccess`] (`result_code` 0 whose payload cannot be decoded: the server
//! accepted the request; its answer could not be read — query before retrying). It is **false**
//! only where nothing was sent ([`BCError::Connect`]: connection refused, host not found…; local
//! checks; test-mode refusals) or the server clearly refused ([`BCError::Api`]: a non-zero
//! `result_code`, from a 200 or a 4xx envelope).
//!
//! Secrets never appear in `Debug`, `Display` or error texts; error `Debug` shows at most a short,
//! redacted excerpt of a server body ([`BCError::response_body`] has all of it), and card numbers,
//! CVVs and expiry dates are masked.
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
//!   and demos (adds the `uuid` dependency; the HTTP server is its own, on `std::net`), and the
//!   `beecloud-emulator` binary.
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
mod params;
mod records;
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
// Operations beyond Python (other official SDKs) and pagination.
mod beyond;
mod beyond_params;
mod cards;
mod checks;
mod find;
mod pages;
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
pub use pages::Pages;
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
