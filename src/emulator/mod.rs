//! A local, stateful BeeCloud server (feature `emulator`).
//!
//! [`Emulator::start`] binds an HTTP server on `127.0.0.1` that speaks the BeeCloud REST API the Python SDK 3.6.0
//! talks to (`/2/rest/bill`, `/2/rest/refund`, `/2/plan`, …): it authenticates requests, validates fields, keeps
//! bills, refunds, transfers, plans, subscriptions, merchant users and coupons in memory, serves simulated pay
//! and confirmation pages ("cashier") and pushes signed webhooks with the documented retry schedule.
//! The test hooks on [`Emulator`] drive what a real customer or channel would do (pay a bill, confirm an Alipay
//! refund, finish a subscription verification…) and inject transport faults.
//!
//! ```no_run
//! use beecloud::emulator::Emulator;
//! let emu = Emulator::start().unwrap();
//! println!("BeeCloud emulator at {}", emu.base_url()); // the SDK appends "/2/rest/bill" etc.
//! ```
//!
//! Where the BeeCloud documentation is silent the emulator makes a choice (the `[emu]` items of the server
//! semantics), among them:
//! - every envelope, success or error, is HTTP 200 JSON; unknown paths answer 404 and wrong methods 405, as text;
//! - sandbox routes (`/2/rest/sandbox/...`, test secret) keep their own bills; live non-money routes (plans,
//!   subscriptions, SMS, auth, users, coupons) accept the app or the test secret;
//! - `refund_no` must start with the emulator day in UTC+8; one successful refund per bill;
//! - non-Alipay refunds finish at once, Alipay refunds and transfers wait for their confirmation page (or
//!   [`Emulator::complete_refund`] / [`Emulator::complete_transfer`]); offline scan payments wait for
//!   [`Emulator::complete_payment`] unless [`EmulatorConfig::scan_pays_immediately`];
//! - `optional` / `message_detail` are JSON text in query results and objects in webhooks;
//! - webhook delivery succeeds when the trimmed response body is `success`; retries follow the emulator clock.

mod cashier;
mod core;
mod coupons;
mod merchants;
mod payments;
mod queries;
mod refunds;
mod routes;
mod server;
mod store;
mod subscriptions;
mod transfers;
mod validate;
mod webhooks;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use self::server::{Shared, lock};

/// Demo credentials of [`EmulatorConfig::default`] (the ones the recorded Python SDK requests were signed with).
pub const DEMO_APP_ID: &str = "c37d661d-7e61-49ea-96a5-68c34e83db3b";
/// Demo app secret (signs pay and query requests).
pub const DEMO_APP_SECRET: &str = "a3c8d7e1-4f2b-4c6d-9e8f-0a1b2c3d4e01";
/// Demo master secret (signs refunds and transfers; webhook signatures use it too).
pub const DEMO_MASTER_SECRET: &str = "b4d9e8f2-5a3c-4d7e-8f90-1b2c3d4e5f02";
/// Demo test secret (signs sandbox requests).
pub const DEMO_TEST_SECRET: &str = "c5ea09f3-6b4d-4e8f-9a01-2c3d4e5f6a03";

/// How an [`Emulator`] is set up.
#[derive(Clone, Debug, PartialEq)]
pub struct EmulatorConfig {
    /// The one app the emulator serves.
    pub app_id: String,
    /// Secret for live pay/query requests (`md5(app_id + timestamp + app_secret)`).
    pub app_secret: String,
    /// Secret for refunds and transfers, and for webhook `signature`s.
    pub master_secret: String,
    /// Secret for sandbox (test mode) requests.
    pub test_secret: String,
    /// The app's live webhook URL (used when a request carries no `notify_url`); `None` = no live webhooks.
    pub webhook_url: Option<String>,
    /// The app's test webhook URL (sandbox events); `None` = no sandbox webhooks.
    pub test_webhook_url: Option<String>,
    /// Multiplies the webhook retry offsets (2 s, 4 s, 8 s … 2^17 s after the first attempt); `0.001` in tests.
    pub webhook_time_scale: f64,
    /// Offline scan payments (WX_SCAN, ALI_SCAN, BC_WX_SCAN, BC_ALI_SCAN, BC_SCAN) are paid at once
    /// (`pay_result` true) instead of waiting for [`Emulator::complete_payment`].
    pub scan_pays_immediately: bool,
    /// TCP port on 127.0.0.1; `0` picks any free port.
    pub port: u16,
}

impl Default for EmulatorConfig {
    /// The demo credentials ([`DEMO_APP_ID`] and the `DEMO_*_SECRET`s), no webhook URLs, time scale 1, port 0.
    fn default() -> Self {
        EmulatorConfig {
            app_id: DEMO_APP_ID.into(),
            app_secret: DEMO_APP_SECRET.into(),
            master_secret: DEMO_MASTER_SECRET.into(),
            test_secret: DEMO_TEST_SECRET.into(),
            webhook_url: None,
            test_webhook_url: None,
            webhook_time_scale: 1.0,
            scan_pays_immediately: false,
            port: 0,
        }
    }
}

/// One webhook the emulator pushed (or keeps trying to push).
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveredWebhook {
    /// Destination URL.
    pub url: String,
    /// The JSON payload (`signature`, `timestamp`, `transaction_type`, …).
    pub body: Value,
    /// Delivery attempts made so far (at most 18).
    pub attempts: u32,
    /// True once the receiver answered with the body `success`.
    pub delivered: bool,
    /// The receiver's last response body, or the transport error text; `None` before the first attempt.
    pub last_response: Option<String>,
}

/// One HTTP request the emulator received, as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query string, e.g. `/2/rest/bill`.
    pub path: String,
    /// The raw query string (without `?`), empty when none.
    pub query: String,
    /// The request body (lossy UTF-8).
    pub body: String,
}

/// A transport or server misbehaviour for [`Emulator::inject_fault`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and an HTML body.
    HttpStatus(u16),
    /// Answer `200 text/plain` with the body `success`.
    NonJson,
    /// Answer `200` with the JSON `{"id":"x"}` (no `result_code`).
    MissingResultCode,
    /// Sleep this long, then answer normally.
    Delay(Duration),
    /// Declare `Content-Length: 1000`, send 10 bytes, stop. The TCP connection is closed only if the request
    /// asked for it (`Connection: close`); on a keep-alive connection the client waits for the missing bytes
    /// until its read timeout (the HTTP library cannot close a kept-alive socket).
    CloseMidBody,
    /// Answer `200` with a valid JSON body of exactly this many bytes.
    Oversized(usize),
    /// Answer with the error envelope of this `result_code` (e.g. 7 CHANNEL_ERROR, 14 RUNTIME_ERROR) without
    /// running the request.
    ApiError(i64),
}

/// A running emulator. Dropping it stops the server and its threads.
pub struct Emulator {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator with [`EmulatorConfig::default`].
    pub fn start() -> std::io::Result<Emulator> {
        Self::start_with(EmulatorConfig::default())
    }

    /// Starts an emulator with this configuration.
    pub fn start_with(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let (shared, threads) = server::start(config)?;
        Ok(Emulator { shared, threads })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash; the SDK appends `/2/rest/bill` etc.).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The configuration the emulator was started with (webhook URLs as at start; see
    /// [`Emulator::set_webhook_url`]).
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// A [`BCApp`](crate::BCApp) with this emulator's credentials (live mode) and `api_host` set to
    /// [`base_url`](Emulator::base_url): ready for `BCPay::new`, `BCQuery::new` and the free functions.
    pub fn bc_app(&self) -> crate::BCApp {
        let config = &self.shared.config;
        let mut bc_app =
            crate::BCApp::new(&config.app_id, &config.app_secret, &config.master_secret);
        bc_app.test_secret = config.test_secret.clone();
        bc_app.api_host = self.base_url();
        bc_app
    }

    /// Changes the app's live webhook URL (`None` = no live webhooks unless a request has a `notify_url`).
    pub fn set_webhook_url(&self, url: Option<&str>) {
        self.with_store(|store| store.app.webhook_url = url.map(str::to_owned));
    }

    /// Changes the app's test (sandbox) webhook URL.
    pub fn set_test_webhook_url(&self, url: Option<&str>) {
        self.with_store(|store| store.app.test_webhook_url = url.map(str::to_owned));
    }

    /// Pays a live or sandbox bill (by record id or `bill_no`) as the customer would, and sends the PAY webhook.
    /// Fails for unknown, already paid, reverted or expired bills.
    pub fn complete_payment(&self, bill_id_or_bill_no: &str) -> Result<(), String> {
        self.with_store(|store| payments::complete_payment(store, bill_id_or_bill_no))
    }

    /// Finishes a refund that is in progress (e.g. an Alipay refund awaiting the payment password) successfully
    /// and sends the REFUND webhook.
    pub fn complete_refund(&self, refund_id: &str) -> Result<(), String> {
        self.with_store(|store| refunds::finish_refund(store, refund_id, true))
    }

    /// Makes a refund that is in progress fail (`finish` true, `result` false); the bill may be refunded again.
    pub fn fail_refund(&self, refund_id: &str) -> Result<(), String> {
        self.with_store(|store| refunds::finish_refund(store, refund_id, false))
    }

    /// Finishes a pending transfer (bc_transfer by id or `bill_no`, ALI_TRANSFER by id or `transfer_no`, a batch
    /// by id or `batch_no`) and sends its TRANSFER webhook(s).
    pub fn complete_transfer(&self, id_or_no: &str) -> Result<(), String> {
        self.with_store(|store| transfers::complete_transfer(store, id_or_no))
    }

    /// The simulated pay page of a bill (what `url`/`code_url`/`html` of the pay response point at).
    pub fn cashier_url(&self, bill_id: &str) -> String {
        cashier::page_url(&self.shared.base_url, bill_id)
    }

    /// Enables or disables a channel (e.g. `WX_APP`) for live requests; a disabled channel answers
    /// `2 PAY_FACTOR_NOT_SET`. Every channel is enabled at start; the sandbox ignores this.
    pub fn set_channel_enabled(&self, channel: &str, enabled: bool) {
        self.with_store(|store| {
            if enabled {
                store.disabled_channels.remove(channel);
            } else {
                store.disabled_channels.insert(channel.to_owned());
            }
        });
    }

    /// Every webhook queued so far, in order, with its delivery state.
    pub fn webhooks(&self) -> Vec<DeliveredWebhook> {
        self.with_store(|store| store.outbox.snapshot())
    }

    /// Waits until at least `n` webhooks have been delivered (receiver said `success`) or `timeout` passed,
    /// then returns [`Emulator::webhooks`].
    pub fn wait_for_webhooks(&self, n: usize, timeout: Duration) -> Vec<DeliveredWebhook> {
        let deadline = Instant::now() + timeout;
        loop {
            let all = self.webhooks();
            if all.iter().filter(|w| w.delivered).count() >= n || Instant::now() >= deadline {
                return all;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Every HTTP request received so far (including unknown paths and faulted ones), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.requests).iter().cloned().collect()
    }

    /// Arms a one-shot fault: the next request whose path starts with `path_prefix` (e.g. `/2/rest/bill`) gets
    /// `fault` instead of (or, for [`Fault::Delay`], before) its normal answer.
    pub fn inject_fault(&self, path_prefix: &str, fault: Fault) {
        lock(&self.shared.faults).push((path_prefix.to_owned(), fault));
    }

    /// The last SMS passcode "sent" to `phone` by `POST /2/sms`.
    pub fn last_sms_code(&self, phone: &str) -> Option<String> {
        self.with_store(|store| subscriptions::last_sms_code(store, phone))
    }

    /// Ends the card verification of a pending subscription (SUBSCRIPTION webhook, success or failure).
    pub fn finish_subscription_verification(
        &self,
        subscription_id: &str,
        success: bool,
    ) -> Result<(), String> {
        self.with_store(|store| subscriptions::finish_verification(store, subscription_id, success))
    }

    /// Runs one recurring charge of a verified subscription: a paid bill (channel `BC`, sub-channel
    /// `BC_SUBSCRIPTION`) of the plan's fee × the subscription's `amount`, and its PAY webhook
    /// carrying both `signature` and the demo-form `sign`. A subscription cancelled at period end
    /// ends with it. Returns the bill's `bill_no`.
    pub fn charge_subscription(&self, subscription_id: &str) -> Result<String, String> {
        self.with_store(|store| subscriptions::charge(store, subscription_id))
    }

    /// Adds a coupon template (keys as in the coupon template JSON; missing ones get defaults); returns its id.
    pub fn add_coupon_template(&self, template: Map<String, Value>) -> String {
        self.with_store(|store| coupons::add_template(store, template))
    }

    /// Moves the emulator clock forward (bill timeouts, refund_no dates, schedules, webhook retries).
    pub fn advance_clock(&self, by: Duration) {
        let by_ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.with_store(|store| store.advance_clock_ms(by_ms));
    }

    /// Sets the emulator clock to `now_ms` (ms since the Unix epoch); it keeps running from there.
    /// Pending webhook retries keep their distance from the new "now".
    pub fn set_clock_ms(&self, now_ms: i64) {
        self.with_store(|store| store.set_clock_ms(now_ms));
    }

    /// The emulator clock, ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.with_store(|store| store.now_ms())
    }

    /// Runs `f` on the store, then wakes the webhook thread (`f` may have queued webhooks or moved the clock).
    fn with_store<T>(&self, f: impl FnOnce(&mut store::Store) -> T) -> T {
        let result = f(&mut lock(&self.shared.store));
        self.shared.wake.notify_all();
        result
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}
