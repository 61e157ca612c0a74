//! A local, stateful BeeCloud server (feature `emulator`).
//!
//! [`Emulator::start`] binds an HTTP server on `127.0.0.1` ([`EmulatorConfig::host`] to serve other machines)
//! that speaks the BeeCloud REST API the Python SDK 3.6.0
//! talks to (`/2/rest/bill`, `/2/rest/refund`, `/2/plan`, …): it authenticates requests, validates fields, keeps
//! bills, refunds, transfers, plans, subscriptions, merchant users and coupons in memory, serves simulated pay
//! and confirmation pages ("cashier") and pushes signed webhooks with the documented retry schedule.
//! The test hooks on [`Emulator`] drive what a real customer or channel would do (pay a bill, confirm an Alipay
//! refund, finish a subscription verification…) and inject transport faults; the same hooks are an HTTP control
//! API under `/__emulator/…` for clients in any language (see the README's table), and
//! [`Emulator::webhook_sink`] receives pushes in-process (without a webhook URL, pushes go to that sink).
//! Only its own clients can drive it: a foreign `Host` gets 421, a web page's `Origin` 403, a control POST
//! that is not JSON 415 (the guide's emulator page has the trust model). No client can stall or lock out
//! another (a thread and deadlines per connection; at the connection cap the oldest idle connection makes
//! room) and memory stays bounded by bytes ([`EmulatorLimits`]). Parallel test workers each take their own
//! app ([`Emulator::create_app`], `POST /__emulator/apps`). [`server`] is the small HTTP core it serves on.
//! Its behaviour switches — fields of [`EmulatorConfig`] for where the official SDKs and BeeCloud's docs
//! disagree, or are silent — have names, "knobs", that every client can turn: [`EmulatorConfig::set_knob`]
//! before start, [`Emulator::set_knob`] or `POST /__emulator/knobs` while it runs, `--knob NAME=VALUE` on
//! the binary.
//!
//! ```no_run
//! use beecloud::emulator::Emulator;
//! let emu = Emulator::start().unwrap();
//! println!("BeeCloud emulator at {}", emu.base_url()); // the SDK appends "/2/rest/bill" etc.
//! ```
//!
//! Where the BeeCloud documentation is silent the emulator makes a choice (the guide's
//! [emulator page](crate::guide::emulator#how-the-emulator-models-beecloud) lists them with the evidence),
//! among them:
//! - every envelope, success or error, is HTTP 200 JSON; unknown paths answer 404 and wrong methods 405, as text;
//! - sandbox routes (`/2/rest/sandbox/...`, test secret) keep their own bills; live non-money routes (plans,
//!   subscriptions, SMS, auth, users, coupons) accept the app or the test secret;
//! - `refund_no` must start with the emulator day in UTC+8; one successful refund per bill;
//! - non-Alipay refunds finish at once, Alipay refunds and transfers wait for their confirmation page (or
//!   [`Emulator::complete_refund`] / [`Emulator::complete_transfer`]); offline scan payments wait for
//!   [`Emulator::complete_payment`] unless [`EmulatorConfig::scan_pays_immediately`];
//! - `optional` / `message_detail` are JSON text in query results and objects in webhooks;
//! - webhook delivery succeeds when the trimmed response body is `success`; retries follow the emulator clock.

// The rooms, top down (no module imports one above it, no import circle):
//   this facade → front (routes each request) → control, cashier, api (rooms) → hooks (the one implementation
//   of the test hooks; knobs: the config's switches by name) → routes → domain handlers (payments, refunds,
//   transfers, subscriptions → plans, identity; coupons, merchants, queries, payouts, cards → identity;
//   validate) → state → store (records, indexes; accounts: plan/coupon/user records; webhooks: outbox and
//   signing) → core, config, records, error.
//   Beside them: apps (every app and its webhook thread), trust (who may call), server and wire (the HTTP
//   core, knows nothing else) and delivery (the webhook thread).
mod accounts;
mod api;
mod apps;
mod cards;
mod cashier;
mod config;
mod control;
mod core;
mod coupons;
mod delivery;
mod error;
mod express;
mod front;
mod hooks;
mod identity;
mod knobs;
mod merchants;
mod payments;
mod payouts;
mod plans;
mod queries;
mod records;
mod refunds;
mod routes;
mod sandbox;
pub mod server;
mod state;
mod store;
mod subscriptions;
mod transfers;
mod trust;
mod validate;
mod webhooks;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

pub use self::config::{
    DEMO_APP_ID, DEMO_APP_SECRET, DEMO_MASTER_SECRET, DEMO_MERCHANT_ACCOUNT, DEMO_TEST_SECRET,
    EmulatorConfig, EmulatorLimits, SandboxNotifyRules,
};
pub use self::error::EmulatorError;
pub use self::records::{DeliveredWebhook, Fault, LoggedRequest, ReceivedWebhook};
use self::server::Listener;
use self::state::Shared;

/// `(method, path)` of every route, for `tests/emulator/operations_table.rs` and the fuzz test's
/// route list.
#[doc(hidden)]
pub fn route_table() -> impl Iterator<Item = (&'static str, &'static str)> {
    routes::ROUTES
        .iter()
        .map(|route| (route.method, route.path))
}

/// A running emulator, seen as one of its apps ([`Emulator::create_app`] makes more). The server and its
/// threads stop when the last handle of any of its apps is dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    server: Arc<Server>,
}

/// The listener and every app; dropping it stops them.
struct Server {
    apps: Arc<apps::Apps>,
    listener: std::sync::Mutex<Listener>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.apps.stop();
        core::lock(&self.listener).stop();
    }
}

impl Emulator {
    /// Starts an emulator with [`EmulatorConfig::default`].
    pub fn start() -> std::io::Result<Emulator> {
        Self::start_with(EmulatorConfig::default())
    }

    /// Starts an emulator with this configuration.
    pub fn start_with(config: EmulatorConfig) -> std::io::Result<Emulator> {
        // Bind first (port 0 picks one), then build the state with the real URL, then serve.
        let listener = std::net::TcpListener::bind((config.host.as_str(), config.port))?;
        let base_url = base_url_of(&config.host, listener.local_addr()?);
        let server_limits = config.limits.server_limits();
        let shared = Arc::new(Shared::new(config, base_url, control::PREFIX.to_owned()));
        let apps = Arc::new(apps::Apps::new(shared.clone())?);
        let woken = apps.clone();
        // Wakes the webhook threads once a response is out, so that a push never overtakes its reply.
        let after: server::AfterResponse = Arc::new(move || {
            if woken.single() {
                woken.first.wake.notify_all();
            } else {
                woken.all().iter().for_each(|app| app.wake.notify_all());
            }
        });
        let handler = front::handler(apps.clone());
        let listener = match Listener::serve(listener, server_limits, handler, after) {
            Ok(listener) => listener,
            Err(error) => {
                apps.stop();
                return Err(error);
            }
        };
        Ok(Emulator {
            shared,
            server: Arc::new(Server {
                apps,
                listener: std::sync::Mutex::new(listener),
            }),
        })
    }

    /// A fresh app on this emulator — new `app_id` and secrets, no records, its own clock, knobs, faults,
    /// webhook URLs (none: its pushes go to its own sink), logs and `reset` — as `POST /__emulator/apps`
    /// makes one. Parallel test workers each take one and never see each other's bills. The API routes
    /// pick the app by the request's `app_id`; its control API is under
    /// [`control_url`](Emulator::control_url) (`/__emulator/apps/{app_id}`).
    pub fn create_app(&self) -> Result<Emulator, EmulatorError> {
        Ok(Emulator {
            shared: self.server.apps.create()?,
            server: self.server.clone(),
        })
    }

    /// `http://HOST:PORT` (no trailing slash; the SDK appends `/2/rest/bill` etc.). For a wildcard host
    /// (`0.0.0.0`, `::`) the URL names 127.0.0.1, which reaches it from this machine.
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

    /// This app's control API root: `{base_url}/__emulator` for the first app, `{base_url}/__emulator/apps/{app_id}`
    /// for one made by [`create_app`](Emulator::create_app) (`GET` it for the list of endpoints).
    pub fn control_url(&self) -> String {
        format!("{}{}", self.shared.base_url, self.shared.control_path)
    }

    /// Changes the app's live webhook URL (`None`: pushes without a `notify_url` go to the own sink, `/__emulator/sink/live`).
    /// (The control API also refuses URLs that are not http(s); here the test author is trusted.)
    pub fn set_webhook_url(&self, url: Option<&str>) {
        self.shared.store_webhook_url(false, url)
    }

    /// Changes the app's test (sandbox) webhook URL.
    pub fn set_test_webhook_url(&self, url: Option<&str>) {
        self.shared.store_webhook_url(true, url)
    }

    /// Pays a live or sandbox bill (by record id or `bill_no`) as the customer would, and sends the PAY webhook.
    /// Fails for unknown, already paid, reverted or expired bills.
    pub fn complete_payment(&self, bill_id_or_bill_no: &str) -> Result<(), EmulatorError> {
        self.shared.complete_payment(bill_id_or_bill_no)
    }

    /// Finishes a refund that is in progress (e.g. an Alipay refund awaiting the payment password) successfully
    /// and sends the REFUND webhook.
    pub fn complete_refund(&self, refund_id: &str) -> Result<(), EmulatorError> {
        self.shared.finish_refund(refund_id, true)
    }

    /// Makes a refund that is in progress fail (`finish` true, `result` false); the bill may be refunded again.
    pub fn fail_refund(&self, refund_id: &str) -> Result<(), EmulatorError> {
        self.shared.finish_refund(refund_id, false)
    }

    /// Finishes a pending transfer (a bank-card payout — bc_transfer, T0, T1, CJ, JD — by id or `bill_no`, ALI_TRANSFER by id or `transfer_no`, a batch
    /// by id or `batch_no`) and sends its TRANSFER webhook(s).
    pub fn complete_transfer(&self, id_or_no: &str) -> Result<(), EmulatorError> {
        self.shared.finish_transfer(id_or_no, true)
    }

    /// Makes a pending transfer fail; a bank-card payout pushes a TRANSFER webhook with `trade_success` false
    /// (unless [`EmulatorConfig::push_transfer_failures`] is off).
    pub fn fail_transfer(&self, id_or_no: &str) -> Result<(), EmulatorError> {
        self.shared.finish_transfer(id_or_no, false)
    }

    /// Ends a pending card signing (`card/sign` or legacy `sign`, by signing id or `card_id`) as signed and
    /// sends its SIGN webhook; only needed with [`EmulatorConfig::card_signing_waits`] (else signings end
    /// at once).
    pub fn complete_card_signing(&self, id_or_card_id: &str) -> Result<(), EmulatorError> {
        self.shared.finish_card_signing(id_or_card_id, true)
    }

    /// Makes a pending card signing fail: SIGN webhook with `trade_success` false, the card stays unsigned.
    pub fn fail_card_signing(&self, id_or_card_id: &str) -> Result<(), EmulatorError> {
        self.shared.finish_card_signing(id_or_card_id, false)
    }

    /// Changes the base of every URL the emulator hands out from now on (cashier `url`s, `code_url`s,
    /// `html` forms, [`cashier_url`](Emulator::cashier_url)); `None` = the bound address. What
    /// [`EmulatorConfig::public_url`] sets at start, for when the port is only known after binding
    /// (e.g. `http://192.168.1.20:{port}` for a phone).
    pub fn set_public_url(&self, url: Option<&str>) -> Result<(), EmulatorError> {
        self.shared.set_public_url(url)
    }

    /// Sets a behaviour switch of the running emulator by name, as [`EmulatorConfig::set_knob`]
    /// does before start (and `POST /__emulator/knobs` over HTTP); later requests and webhook
    /// deliveries follow it, and [`reset`](Emulator::reset) restores the value it started with.
    /// [`config`](Emulator::config) keeps the values at start; [`knobs`](Emulator::knobs) shows the
    /// live ones.
    ///
    /// # Errors
    ///
    /// [`EmulatorError`] (nothing changed) for an unknown name or a value of the wrong kind.
    pub fn set_knob(&self, name: &str, value: serde_json::Value) -> Result<(), EmulatorError> {
        let changes = serde_json::Map::from_iter([(name.to_owned(), value)]);
        self.shared.set_knobs(&changes).map(|_| ())
    }

    /// Every knob and its live value (names as [`EmulatorConfig::knobs`] gives them).
    pub fn knobs(&self) -> serde_json::Map<String, serde_json::Value> {
        self.shared.knobs()
    }

    /// The base of the URLs the emulator hands out now ([`EmulatorConfig::public_url`], the last
    /// [`set_public_url`](Emulator::set_public_url), else [`base_url`](Emulator::base_url)).
    pub fn public_url(&self) -> String {
        self.shared.public_url()
    }

    /// The TCP port the emulator listens on.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// The simulated pay page of a bill (what `url`/`code_url`/`html` of the pay response point at).
    pub fn cashier_url(&self, bill_id: &str) -> String {
        self.shared.cashier_url(bill_id)
    }

    /// Enables or disables a channel (e.g. `WX_APP`) for live requests; a disabled channel answers
    /// `2 PAY_FACTOR_NOT_SET`. Every channel is enabled at start; the sandbox ignores this.
    pub fn set_channel_enabled(&self, channel: &str, enabled: bool) {
        self.shared.set_channel_enabled(channel, enabled)
    }

    /// The webhooks queued so far, in order, with their delivery state (the oldest finished ones are pruned
    /// past [`EmulatorLimits::webhook_history`]).
    pub fn webhooks(&self) -> Vec<DeliveredWebhook> {
        self.shared.webhooks()
    }

    /// Waits until at least `n` webhooks have been delivered (receiver said `success`) or `timeout` passed,
    /// then returns [`Emulator::webhooks`].
    pub fn wait_for_webhooks(&self, n: usize, timeout: Duration) -> Vec<DeliveredWebhook> {
        self.shared.wait_for_webhooks(n, timeout, false)
    }

    /// The HTTP requests received (including unknown paths and faulted ones, not the control API), oldest first,
    /// within the log's caps ([`EmulatorLimits`]).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.requests()
    }

    /// Arms a one-shot fault: the next request whose path starts with `path_prefix` (e.g. `/2/rest/bill`) gets
    /// `fault` instead of (or, for [`Fault::Delay`], before) its normal answer.
    pub fn inject_fault(&self, path_prefix: &str, fault: Fault) {
        self.shared.inject_fault(path_prefix, fault)
    }

    /// Disarms every fault not yet used.
    pub fn clear_faults(&self) {
        self.shared.clear_faults()
    }

    /// The last SMS passcode "sent" to `phone` by `POST /2/sms`.
    pub fn last_sms_code(&self, phone: &str) -> Option<String> {
        self.shared.last_sms_code(phone)
    }

    /// Ends the card verification of a pending subscription (SUBSCRIPTION webhook, success or failure).
    pub fn finish_subscription_verification(
        &self,
        subscription_id: &str,
        success: bool,
    ) -> Result<(), EmulatorError> {
        self.shared
            .finish_subscription_verification(subscription_id, success)
    }

    /// Runs one recurring charge of a verified subscription: a paid bill (channel `BC`, sub-channel
    /// `BC_SUBSCRIPTION`) of the plan's fee × the subscription's `amount`, and its PAY webhook
    /// carrying both `signature` and the demo-form `sign`. A subscription cancelled at period end
    /// ends with it. Returns the bill's `bill_no`.
    pub fn charge_subscription(&self, subscription_id: &str) -> Result<String, EmulatorError> {
        self.shared.charge_subscription(subscription_id)
    }

    /// Adds a coupon template (keys as in the coupon template JSON; missing ones get defaults); returns its id.
    pub fn add_coupon_template(&self, template: Map<String, Value>) -> String {
        self.shared.add_coupon_template(template)
    }

    /// Moves the emulator clock forward (bill timeouts, refund_no dates, schedules, webhook retries).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.advance_clock(by)
    }

    /// Sets the emulator clock to `now_ms` (ms since the Unix epoch); it keeps running from there.
    /// Pending webhook retries keep their distance from the new "now".
    pub fn set_clock_ms(&self, now_ms: i64) {
        self.shared.set_clock_ms(now_ms)
    }

    /// The emulator clock, ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.shared.now_ms()
    }

    /// Back to the state at start: every record, webhook, SMS code, channel switch, webhook URL, fault, the
    /// clock, the request log and the sink.
    pub fn reset(&self) {
        self.shared.reset()
    }

    /// An in-process webhook receiver: points the app's live and test webhook URLs at the emulator's own
    /// `/__emulator/sink/…` (which answers `success`) and returns a handle to read what arrived.
    pub fn webhook_sink(&self) -> WebhookSink {
        let url = format!("{}/sink/app", self.control_url());
        self.shared.store_webhook_url(false, Some(&url));
        self.shared.store_webhook_url(true, Some(&url));
        WebhookSink {
            shared: self.shared.clone(),
            url,
        }
    }
}

/// The in-process webhook receiver of [`Emulator::webhook_sink`].
pub struct WebhookSink {
    shared: Arc<Shared>,
    url: String,
}

impl WebhookSink {
    /// Where pushes go (use it as a `notify_url` too).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every push received so far, oldest first (bounded by [`EmulatorLimits::sink_entries`]).
    pub fn received(&self) -> Vec<ReceivedWebhook> {
        self.shared.sink_received()
    }

    /// Waits until at least `n` pushes arrived or `timeout` passed, then returns them.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedWebhook> {
        self.shared.sink_wait(n, timeout)
    }
}

/// The URL clients use: a wildcard bind is reached through loopback.
fn base_url_of(host: &str, addr: std::net::SocketAddr) -> String {
    let port = addr.port();
    match host {
        "0.0.0.0" | "::" | "[::]" => format!("http://127.0.0.1:{port}"),
        _ if addr.is_ipv6() => format!("http://[{}]:{port}", addr.ip()),
        _ => format!("http://{}:{port}", addr.ip()),
    }
}
