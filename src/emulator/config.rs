//! How an emulator is set up: credentials, seeded values, behaviour switches and limits.

use std::fmt;
use std::time::Duration;

/// Demo credentials of [`EmulatorConfig::default`] (the ones the recorded Python SDK requests were signed with).
pub const DEMO_APP_ID: &str = "c37d661d-7e61-49ea-96a5-68c34e83db3b";
/// Demo app secret (signs pay and query requests).
pub const DEMO_APP_SECRET: &str = "a3c8d7e1-4f2b-4c6d-9e8f-0a1b2c3d4e01";
/// Demo master secret (signs refunds and transfers; webhook signatures use it too).
pub const DEMO_MASTER_SECRET: &str = "b4d9e8f2-5a3c-4d7e-8f90-1b2c3d4e5f02";
/// Demo test secret (signs sandbox requests).
pub const DEMO_TEST_SECRET: &str = "c5ea09f3-6b4d-4e8f-9a01-2c3d4e5f6a03";
/// The merchant account of [`EmulatorConfig::default`] (what `query_merchant_users` must name).
pub const DEMO_MERCHANT_ACCOUNT: &str = "merchant@example.com";

/// How an [`Emulator`](super::Emulator) is set up. `Debug` masks every secret.
#[derive(Clone, PartialEq)]
pub struct EmulatorConfig {
    /// The first app the emulator serves (more: [`Emulator::create_app`](super::Emulator::create_app)).
    pub app_id: String,
    /// Secret for live pay/query requests (`md5(app_id + timestamp + app_secret)`).
    pub app_secret: String,
    /// Secret for refunds and transfers, and for webhook `signature`s.
    pub master_secret: String,
    /// Secret for sandbox (test mode) requests and the `sign` of sandbox webhooks.
    pub test_secret: String,
    /// The merchant account (email or phone) the app belongs to: `query_merchant_users` and coupon templates
    /// name it. Default [`DEMO_MERCHANT_ACCOUNT`].
    pub merchant_account: String,
    /// Seed three active coupon templates at start (and at every reset): `满100减10` (¥10 off from ¥100),
    /// `九折` (10 % off) and `新人立减5元` (¥5 off), unlimited, valid 30 days from delivery. Default true.
    pub seed_coupon_templates: bool,
    /// The app's live webhook URL (used when a request carries no `notify_url`); `None`: the emulator's
    /// own sink, `/__emulator/sink/live` ([`Emulator::webhook_sink`](super::Emulator::webhook_sink) reads it).
    pub webhook_url: Option<String>,
    /// The app's test webhook URL (sandbox events); `None`: the own sink, `/__emulator/sink/test`.
    pub test_webhook_url: Option<String>,
    /// The first webhook attempt goes out this long after the event (default 30 ms): a real server's push
    /// never overtakes the reply of the request that caused it, and clients record that reply first.
    pub webhook_first_delay: Duration,
    /// Multiplies the webhook retry offsets (2 s, 4 s, 8 s … 2^17 s after the first attempt); `0.001` in tests.
    pub webhook_time_scale: f64,
    /// Offline scan payments (WX_SCAN, ALI_SCAN, BC_WX_SCAN, BC_ALI_SCAN, BC_SCAN) are paid at once
    /// (`pay_result` true) instead of waiting for [`Emulator::complete_payment`](super::Emulator::complete_payment).
    pub scan_pays_immediately: bool,
    /// Refuse signed requests whose `timestamp` is further than this from the emulator clock (`1
    /// APP_INVALID`); `None` (the default) checks no window, as the REST docs give none.
    pub timestamp_window: Option<Duration>,
    /// Sandbox webhooks carry the legacy `sign` = md5(app_id + test_secret + timestamp) (what the Java and .NET SDKs'
    /// sandbox receivers check), which `verify_legacy_sign_webhook` with the test secret checks. Default false:
    /// `sign` only, the one field any source shows on a sandbox push; true also adds `signature` in the current
    /// formula with the test secret in the master's place.
    pub sandbox_push_signature: bool,
    /// Sandbox pay answers `id` + `url` (the mock cashier) for every channel, as the real sandbox did (the Java and
    /// .NET SDKs build their sandbox pages from that `url`); true answers live-shaped payloads (`code_url`, `html`,
    /// …) instead. Default false.
    pub sandbox_live_payloads: bool,
    /// A failed bank-card payout ([`Emulator::fail_transfer`](super::Emulator::fail_transfer)) is pushed with
    /// `trade_success` false (payout pushes report `REFU`/`CLOS` states, the PHP demo branches on
    /// `trade_success`, and Java's payout query has a `FAIL` status). Default true.
    pub push_transfer_failures: bool,
    /// `rest/bc_transfer/banks` also answers the list as `banks` (what Java's `BCPay` reads, unlike Java's
    /// `BCPayMultiApp` and the .NET and PHP SDKs). Default false: `size` + `bank_list`, as documented.
    pub bank_list_copy_as_banks: bool,
    /// Serve the sandbox variants of refund queries and offline routes that only iOS 3.6 calls (whether the real
    /// server served them is unknown) (empty refund lists, `13` by id; offline pay in the sandbox namespace). Default
    /// true; false ⇒ 404.
    pub ios_sandbox_routes: bool,
    /// Every retry of a push carrying the legacy `sign` gets a fresh `timestamp` and `sign` (legacy receivers refuse
    /// stamps older than 5 minutes, retries run for ~36 h, and no source says what the server did). Default true;
    /// `signature` pushes are never re-stamped.
    pub restamp_retries: bool,
    /// `rest/bc_transfer` accepts only the master secret, as its REST doc says (default false: app or master,
    /// as the Java, .NET and Node SDKs sign it with the app secret).
    pub strict_bc_transfer_secret: bool,
    /// A query `limit` outside 10..=50 — the range Java checks and Android documents — answers `5 PARAM_INVALID`
    /// (default false: clamped into range; whether the server refused or clamped is unknown).
    pub strict_query_limit: bool,
    /// A BC_GATEWAY pay may also name one of Python's 17 bank codes (`CMB`, `ICBC`…), besides a bank name of
    /// `rest/bc_gateway/banks` (the server has taken names since December 2016). Default true (the Python demo's
    /// `CMB` keeps working).
    pub accept_legacy_gateway_codes: bool,
    /// A card signing (`card/sign`, `sign`) stays pending until a signing hook
    /// ([`Emulator::complete_card_signing`](super::Emulator::complete_card_signing)) ends it. Default false:
    /// signed at once, SIGN webhook right away.
    pub card_signing_waits: bool,
    /// Subscription pushes (SUBSCRIPTION and subscription charges) also carry `retryCounter` (attempts made
    /// before this one) and `notifyUrl` / `notify_url` (the destination), as the .NET SDK's sample pushes do;
    /// never `toSign` (app id and secret in clear).
    /// Default false.
    pub subscription_push_extras: bool,
    /// A BC_GATEWAY pay needs `return_url` always (the PHP SDK's local check, default true); false needs it on
    /// the JD route only (the REST doc's rule: when the pay names a `card_type`). Which the server enforced is
    /// unknown.
    pub gateway_return_url_always: bool,
    /// The banks of the B2B gateway (`pay_type` `B2B` of `rest/bc_gateway/banks` and of a
    /// BC_GATEWAY pay), for either `card_type`. `None` (the default): the B2C lists, as no source lists B2B banks.
    pub gateway_b2b_banks: Option<Vec<String>>,
    /// What sandbox notify does with a paid, an expired or a live bill, which no source documents. Default: 0
    /// without a second webhook, 5, 8.
    pub sandbox_notify: SandboxNotifyRules,
    /// Guards the control API (`/__emulator/…`): requests must carry `Authorization: Bearer <token>`.
    /// `None` (the default) leaves it open, fine on 127.0.0.1.
    pub control_token: Option<String>,
    /// More host names the emulator answers to (e.g. a container's service name, `emulator`), besides
    /// loopback names, IP addresses, [`host`](EmulatorConfig::host) and the
    /// [`public_url`](EmulatorConfig::public_url)'s host. Requests naming any other host get `421`, so that
    /// a web page cannot reach the emulator by rebinding a DNS name to 127.0.0.1.
    pub allowed_hosts: Vec<String>,
    /// The address to bind: `127.0.0.1` by default; `0.0.0.0` serves other machines (phones, containers).
    pub host: String,
    /// The base URL the emulator hands out in cashier `url`s, `code_url`s, `html` forms and return pages
    /// (e.g. `http://192.168.1.20:8080`, so a phone can open them); `None` (the default) uses the bound
    /// address. Binding stays [`host`](EmulatorConfig::host) + [`port`](EmulatorConfig::port).
    pub public_url: Option<String>,
    /// TCP port; `0` picks any free port.
    pub port: u16,
    /// Connection, size, time and memory limits.
    pub limits: EmulatorLimits,
}

/// The edge cases of sandbox notify (`GET rest/sandbox/notify/{app_id}/{bill_id}`), none documented.
/// Every switch is off by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SandboxNotifyRules {
    /// An already paid bill answers 0 and is pushed again (default: 0 without a second webhook).
    pub resend_paid: bool,
    /// An expired bill is paid anyway (default: `5`).
    pub pay_expired: bool,
    /// A live bill id of the app is paid too, with its live webhook (default: `8`).
    pub pay_live_bills: bool,
}

/// What the emulator holds on to, and for how long; every value is a cap, documented in the README.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmulatorLimits {
    /// Connections open at once. At the cap the oldest connection waiting for a request (kept alive, or
    /// not yet started) is closed to make room; only when all are busy is a newcomer answered `503`.
    /// Default 512.
    pub max_connections: usize,
    /// Request bodies above this are refused with `413` without being read. Default 1 MiB.
    pub max_body_bytes: usize,
    /// A new connection must send its first byte within this time, or it is closed. Default 5 s.
    pub first_byte_timeout: Duration,
    /// The request head must arrive within this time of its first byte. Default 10 s.
    pub head_timeout: Duration,
    /// The request body must arrive within this time after the head. Default 30 s.
    pub body_timeout: Duration,
    /// An idle kept-alive connection is closed after this. Default 60 s.
    pub idle_timeout: Duration,
    /// Apps one emulator serves, the first included (`POST /__emulator/apps` makes more). Default 64.
    pub max_apps: usize,
    /// Request log: entries kept. Default 10,000.
    pub log_entries: usize,
    /// Request log: bytes kept in total. Default 16 MiB.
    pub log_bytes: usize,
    /// Request log: bytes kept of each body (the rest is cut off; `body_bytes` tells the full size). Default 64 KiB.
    pub log_body_bytes: usize,
    /// Webhook history: finished deliveries kept (pending ones are always kept). Default 10,000.
    pub webhook_history: usize,
    /// Webhook history: bytes of finished deliveries kept (bodies and responses; the oldest go first).
    /// Default 64 MiB.
    pub webhook_history_bytes: usize,
    /// Pushes kept by the in-process webhook sink. Default 10,000.
    pub sink_entries: usize,
    /// Bytes of pushes kept by the sink; past it the oldest go first. Default 64 MiB.
    pub sink_bytes: usize,
    /// Bytes of records (bills, refunds, transfers, plans, subscriptions, users, coupons…, each counted as
    /// the request that made it plus a fixed overhead). At the limit a request that would add a record is
    /// refused with `result_code` 14 and a message naming this limit; nothing already kept is dropped.
    /// `POST /__emulator/reset` frees it all. Default 256 MiB.
    pub store_bytes: usize,
}

impl Default for EmulatorLimits {
    fn default() -> Self {
        EmulatorLimits {
            max_connections: 512,
            max_body_bytes: 1024 * 1024,
            first_byte_timeout: Duration::from_secs(5),
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_apps: 64,
            log_entries: 10_000,
            log_bytes: 16 * 1024 * 1024,
            log_body_bytes: 64 * 1024,
            webhook_history: 10_000,
            webhook_history_bytes: 64 << 20,
            sink_entries: 10_000,
            sink_bytes: 64 << 20,
            store_bytes: 256 << 20,
        }
    }
}

impl EmulatorLimits {
    /// The HTTP core's share of the limits.
    pub(crate) fn server_limits(&self) -> super::server::Limits {
        super::server::Limits {
            max_connections: self.max_connections,
            max_body_bytes: self.max_body_bytes,
            first_byte_timeout: self.first_byte_timeout,
            head_timeout: self.head_timeout,
            body_timeout: self.body_timeout,
            idle_timeout: self.idle_timeout,
            ..super::server::Limits::default()
        }
    }
}

impl Default for EmulatorConfig {
    /// The demo credentials ([`DEMO_APP_ID`] and the `DEMO_*_SECRET`s), [`DEMO_MERCHANT_ACCOUNT`], seeded coupon
    /// templates, no webhook URLs, time scale 1, no timestamp window, lenient knobs, open control API,
    /// 127.0.0.1, port 0, default limits.
    fn default() -> Self {
        EmulatorConfig {
            app_id: DEMO_APP_ID.into(),
            app_secret: DEMO_APP_SECRET.into(),
            master_secret: DEMO_MASTER_SECRET.into(),
            test_secret: DEMO_TEST_SECRET.into(),
            merchant_account: DEMO_MERCHANT_ACCOUNT.into(),
            seed_coupon_templates: true,
            webhook_url: None,
            test_webhook_url: None,
            webhook_first_delay: Duration::from_millis(30),
            webhook_time_scale: 1.0,
            scan_pays_immediately: false,
            timestamp_window: None,
            sandbox_push_signature: false,
            sandbox_live_payloads: false,
            push_transfer_failures: true,
            bank_list_copy_as_banks: false,
            ios_sandbox_routes: true,
            restamp_retries: true,
            strict_bc_transfer_secret: false,
            strict_query_limit: false,
            accept_legacy_gateway_codes: true,
            card_signing_waits: false,
            subscription_push_extras: false,
            gateway_return_url_always: true,
            gateway_b2b_banks: None,
            sandbox_notify: SandboxNotifyRules::default(),
            control_token: None,
            allowed_hosts: Vec::new(),
            host: "127.0.0.1".into(),
            public_url: None,
            port: 0,
            limits: EmulatorLimits::default(),
        }
    }
}

/// Shows that a secret is set without showing it.
fn mask(secret: &str) -> &'static str {
    if secret.is_empty() { "" } else { "***" }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("app_id", &self.app_id)
            .field("app_secret", &mask(&self.app_secret))
            .field("master_secret", &mask(&self.master_secret))
            .field("test_secret", &mask(&self.test_secret))
            .field("merchant_account", &self.merchant_account)
            .field("seed_coupon_templates", &self.seed_coupon_templates)
            .field("webhook_url", &self.webhook_url)
            .field("test_webhook_url", &self.test_webhook_url)
            .field("webhook_first_delay", &self.webhook_first_delay)
            .field("webhook_time_scale", &self.webhook_time_scale)
            .field("scan_pays_immediately", &self.scan_pays_immediately)
            .field("timestamp_window", &self.timestamp_window)
            .field("sandbox_push_signature", &self.sandbox_push_signature)
            .field("sandbox_live_payloads", &self.sandbox_live_payloads)
            .field("push_transfer_failures", &self.push_transfer_failures)
            .field("bank_list_copy_as_banks", &self.bank_list_copy_as_banks)
            .field("ios_sandbox_routes", &self.ios_sandbox_routes)
            .field("restamp_retries", &self.restamp_retries)
            .field("strict_bc_transfer_secret", &self.strict_bc_transfer_secret)
            .field("strict_query_limit", &self.strict_query_limit)
            .field(
                "accept_legacy_gateway_codes",
                &self.accept_legacy_gateway_codes,
            )
            .field("card_signing_waits", &self.card_signing_waits)
            .field("subscription_push_extras", &self.subscription_push_extras)
            .field("gateway_return_url_always", &self.gateway_return_url_always)
            .field("gateway_b2b_banks", &self.gateway_b2b_banks)
            .field("sandbox_notify", &self.sandbox_notify)
            .field("control_token", &self.control_token.as_deref().map(mask))
            .field("allowed_hosts", &self.allowed_hosts)
            .field("host", &self.host)
            .field("public_url", &self.public_url)
            .field("port", &self.port)
            .field("limits", &self.limits)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_every_secret() {
        let config = EmulatorConfig {
            control_token: Some("tok-123456".into()),
            ..EmulatorConfig::default()
        };
        let text = format!("{config:?}");
        for secret in [
            DEMO_APP_SECRET,
            DEMO_MASTER_SECRET,
            DEMO_TEST_SECRET,
            "tok-123456",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains(DEMO_APP_ID) && text.contains("***"));
    }
}
