//! The demo's state: configuration, credentials, the SDK clients and the ledger (orders, the
//! webhooks received, the bill pages), all bounded.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::utils::BCMemoryDedup;
use beecloud::{BCApp, BCPay, BCQuery};

use crate::http::percent_encode;
use crate::view::View;

/// Real BeeCloud credentials (from the `BEECLOUD_*` environment variables).
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// `BEECLOUD_APP_ID`.
    pub app_id: String,
    /// `BEECLOUD_APP_SECRET`.
    pub app_secret: String,
    /// `BEECLOUD_MASTER_SECRET`.
    pub master_secret: String,
    /// `BEECLOUD_TEST_SECRET`.
    pub test_secret: String,
    /// `BEECLOUD_TEST_MODE` (`1`/`true`): sandbox mode.
    pub test_mode: bool,
    /// `BEECLOUD_API_HOST`, when not the production host.
    pub api_host: Option<String>,
}

impl Credentials {
    /// Reads the `BEECLOUD_*` variables; `None` when `BEECLOUD_APP_ID` is unset or empty.
    pub fn from_env() -> Option<Credentials> {
        let var = |name: &str| std::env::var(name).unwrap_or_default().trim().to_string();
        let app_id = var("BEECLOUD_APP_ID");
        if app_id.is_empty() {
            return None;
        }
        let test_mode = matches!(
            var("BEECLOUD_TEST_MODE").to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        );
        let api_host = Some(var("BEECLOUD_API_HOST")).filter(|host| !host.is_empty());
        Some(Credentials {
            app_id,
            app_secret: var("BEECLOUD_APP_SECRET"),
            master_secret: var("BEECLOUD_MASTER_SECRET"),
            test_secret: var("BEECLOUD_TEST_SECRET"),
            test_mode,
            api_host,
        })
    }
}

/// How to start the demo.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// The address to bind (`127.0.0.1` by default; `0.0.0.0` or a LAN address lets a phone on
    /// the same network open the pages).
    pub host: String,
    /// TCP port (`0`: any free port).
    pub port: u16,
    /// How long a client may take to send one whole request (head and body), and how long a
    /// kept-alive connection may stay idle; slower clients are cut off.
    pub request_timeout: Duration,
    /// Connections served at once; more are answered `503` and closed.
    pub max_connections: usize,
    /// Real credentials; `None` starts the embedded emulator.
    pub credentials: Option<Credentials>,
    /// The emulator's configuration when `credentials` is `None` (its webhook URL is replaced by
    /// the demo's own `/webhook`).
    pub emulator: EmulatorConfig,
    /// With real credentials: the token that unlocks every operation that changes something
    /// (env `DEMO_OPERATOR_TOKEN`, at least [`MIN_OPERATOR_TOKEN`] characters). `None`: a random
    /// one is made at start on loopback; beyond loopback the demo then refuses to start.
    pub operator_token: Option<String>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            request_timeout: Duration::from_secs(10),
            max_connections: 64,
            credentials: None,
            operator_token: None,
            emulator: EmulatorConfig {
                // Webhook retries after 0.2 s, 0.4 s… instead of 2 s, 4 s…: a demo should not keep
                // a person waiting.
                webhook_time_scale: 0.1,
                ..EmulatorConfig::default()
            },
        }
    }
}

/// What the demo knows about a transaction it started: the amount to check webhooks against.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    /// `PAY`, `REFUND`, `TRANSFER`, `SUBSCRIPTION` or `SIGN` (the webhook's `transaction_type`).
    pub kind: String,
    /// `bill_no`, `refund_no`, transfer number or subscription id (the webhook's `transaction_id`).
    pub number: String,
    /// Amount in fen the webhook must carry.
    pub fee: i64,
    /// Channel, for display.
    pub channel: String,
    /// Record id returned by BeeCloud.
    pub record_id: String,
    /// Set once a webhook arrived that BeeCloud's record confirms as a success, for this amount.
    pub settled: bool,
}

/// One push that reached `POST /webhook`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedWebhook {
    /// Beijing time it arrived, `YYYY-MM-DD HH:MM:SS`.
    pub received_at: String,
    /// `transaction_type` (empty when the body could not be read).
    pub transaction_type: String,
    /// `transaction_id`.
    pub transaction_id: String,
    /// `channel_type` / `sub_channel_type`.
    pub channel: String,
    /// `transaction_fee`.
    pub fee: Option<i64>,
    /// What the receiver did: accepted, duplicate, rejected (why)…
    pub outcome: String,
    /// The body the receiver answered (`success` or an explanation).
    pub answer: String,
    /// The raw request body.
    pub body: String,
}

/// Webhooks kept for the `/webhooks` page; older ones are dropped (and counted).
pub const MAX_WEBHOOKS: usize = 200;
/// Bytes of a verified push's body kept for display.
pub const MAX_WEBHOOK_BODY: usize = 4096;
/// Bytes of a rejected push's body kept (anyone can POST to `/webhook`).
pub const MAX_REJECTED_BODY: usize = 256;
/// Bytes kept of each other text field of a push (ids, channel, outcome).
pub const MAX_WEBHOOK_FIELD: usize = 200;
/// Orders the demo remembers; the oldest go first.
pub const MAX_ORDERS: usize = 10_000;
/// Bill pages (`/bill/{bill_no}`) the demo remembers; the oldest go first.
pub const MAX_BILL_PAGES: usize = 500;
/// Alipay refund confirmation links the demo remembers; the oldest go first.
pub const MAX_CONFIRM_LINKS: usize = 500;
/// Browser sessions the operator token was entered in; the oldest is signed out first.
pub const MAX_OPERATOR_SESSIONS: usize = 16;
/// The shortest operator token accepted from the environment.
pub const MIN_OPERATOR_TOKEN: usize = 16;
/// The channel of orders the demo made in the sandbox starts with this (`sandbox WX_NATIVE`):
/// their pushes carry only the test-secret `sign`.
pub const SANDBOX_CHANNEL_PREFIX: &str = "sandbox ";

/// The demo's own records: its orders and the webhooks it received.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Orders by (`kind`, `number`).
    pub orders: BTreeMap<(String, String), Order>,
    /// Received webhooks, oldest first, at most [`MAX_WEBHOOKS`].
    pub webhooks: VecDeque<ReceivedWebhook>,
    /// Every push that reached `/webhook`.
    pub webhooks_received: u64,
    /// Pushes rejected (bad signature, unreadable, wrong amount).
    pub webhooks_rejected: u64,
    /// Pushes dropped from [`Ledger::webhooks`] to keep it at [`MAX_WEBHOOKS`].
    pub webhooks_dropped: u64,
    /// What the page of each bill the demo created shows (`/bill/{bill_no}`).
    pub bills: BTreeMap<String, View>,
    /// The latest id or number of each kind the demo saw (`plan_id`, `refund_id`…), to pre-fill
    /// the next form.
    pub recent: BTreeMap<String, String>,
    /// Alipay's confirmation link of each refund the demo made, by `refund_no`: Alipay refunds
    /// stay "processing" until the merchant confirms there, so the link is shown with the refund.
    pub confirm_links: BTreeMap<String, String>,
}

impl Ledger {
    /// Records a push, its text fields and body cut to size, dropping the oldest beyond
    /// [`MAX_WEBHOOKS`].
    pub fn record_webhook(&mut self, mut webhook: ReceivedWebhook, rejected: bool) {
        self.webhooks_received += 1;
        if rejected {
            self.webhooks_rejected += 1;
        }
        let body_limit = if rejected {
            MAX_REJECTED_BODY
        } else {
            MAX_WEBHOOK_BODY
        };
        truncate(&mut webhook.body, body_limit);
        for field in [
            &mut webhook.transaction_type,
            &mut webhook.transaction_id,
            &mut webhook.channel,
            &mut webhook.outcome,
            &mut webhook.answer,
        ] {
            truncate(field, MAX_WEBHOOK_FIELD);
        }
        self.webhooks.push_back(webhook);
        while self.webhooks.len() > MAX_WEBHOOKS {
            self.webhooks.pop_front();
            self.webhooks_dropped += 1;
        }
    }

    /// Bytes allocated for the kept webhooks' text (what `/webhooks` renders).
    pub fn webhook_bytes(&self) -> usize {
        self.webhooks
            .iter()
            .map(|webhook| {
                webhook.received_at.capacity()
                    + webhook.transaction_type.capacity()
                    + webhook.transaction_id.capacity()
                    + webhook.channel.capacity()
                    + webhook.outcome.capacity()
                    + webhook.answer.capacity()
                    + webhook.body.capacity()
            })
            .sum()
    }
}

/// Cuts `text` to at most `limit` bytes (on a character boundary), marking the cut.
pub fn truncate(text: &mut String, limit: usize) {
    if text.len() <= limit {
        return;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let dropped = text.len() - end;
    text.truncate(end);
    text.push_str(&format!("… ({dropped} more bytes not kept)"));
    // Truncating keeps the allocation: give the rest back, or the cut saves nothing.
    text.shrink_to_fit();
}

/// Removes the first (oldest-numbered) entries of `map` beyond `limit`.
fn keep_at_most<K: Ord + Clone, V>(map: &mut BTreeMap<K, V>, limit: usize) {
    while map.len() > limit {
        let Some(first) = map.keys().next().cloned() else {
            break;
        };
        map.remove(&first);
    }
}

/// A new order number: Beijing time (`utils::order_num_on_beijing_datetime`, 17 digits) and a
/// 3-digit counter, so numbers made in the same millisecond differ. Valid as `bill_no`,
/// `refund_no` (it starts with BeeCloud's date, on any host zone) and transfer number.
pub fn fresh_number() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed) % 1000;
    format!(
        "{}{count:03}",
        beecloud::utils::order_num_on_beijing_datetime()
    )
}

/// The running demo's state, shared by the request handlers.
pub struct Demo {
    /// The app every call uses (credentials, mode, API host).
    pub app: BCApp,
    /// Payments, refunds, transfers, plans and subscriptions.
    pub bc_pay: BCPay,
    /// Queries.
    pub bc_query: BCQuery,
    /// The embedded emulator, when no real credentials were given.
    pub emulator: Option<Emulator>,
    /// `http://127.0.0.1:PORT` of the demo itself.
    pub base_url: String,
    /// `host:port` values a request's `Host` header may name (the bound address, `localhost`,
    /// `127.0.0.1`, the LAN address): anything else is a DNS-rebinding attempt.
    pub allowed_hosts: Vec<String>,
    /// The key of the per-session CSRF tokens (random per start).
    csrf_key: RandomState,
    /// With real credentials, what unlocks the operations that change something.
    operator_token: Option<String>,
    /// Sessions the operator token was entered in, oldest first.
    operator_sessions: Mutex<VecDeque<String>>,
    /// The pushes the receiver acted on, by `(transaction_type, transaction_id)`, as many as the
    /// orders it remembers. The receipt claims a key for a confirmed failure too, so `settled`
    /// (a confirmed success) cannot be the de-duplication record.
    pub webhook_dedup: BCMemoryDedup,
    ledger: Mutex<Ledger>,
}

impl Demo {
    /// A demo using `app`, reachable at `base_url`.
    pub fn new(app: BCApp, emulator: Option<Emulator>, base_url: String) -> Demo {
        let allowed_hosts = base_url
            .strip_prefix("http://")
            .map(|host| vec![host.to_string()])
            .unwrap_or_default();
        Demo {
            bc_pay: BCPay::new(app.clone()),
            bc_query: BCQuery::new(app.clone()),
            app,
            emulator,
            base_url,
            allowed_hosts,
            csrf_key: RandomState::new(),
            operator_token: None,
            operator_sessions: Mutex::new(VecDeque::new()),
            webhook_dedup: BCMemoryDedup::new(MAX_ORDERS),
            ledger: Mutex::new(Ledger::default()),
        }
    }

    /// Requires `token` for every operation that changes something (real credentials).
    pub fn with_operator_token(mut self, token: String) -> Demo {
        self.operator_token = Some(token);
        self
    }

    /// Whether operations that change something need the operator token (real credentials);
    /// with the embedded emulator nothing real can be moved, so they do not.
    pub fn needs_operator(&self) -> bool {
        self.operator_token.is_some()
    }

    /// Whether the browser session `session` may change things: always with the emulator, else
    /// once the operator token was entered in it.
    pub fn is_operator(&self, session: &str) -> bool {
        !self.needs_operator()
            || self
                .operator_sessions
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .iter()
                .any(|known| same_bytes(known.as_bytes(), session.as_bytes()))
    }

    /// Lets `session` act when `token` is the operator token (compared in constant time);
    /// `false` when it is not.
    pub fn admit_operator(&self, session: &str, token: &str) -> bool {
        let Some(expected) = &self.operator_token else {
            return true;
        };
        if !same_bytes(token.trim().as_bytes(), expected.as_bytes()) {
            return false;
        }
        let mut sessions = self
            .operator_sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !sessions.iter().any(|known| known == session) {
            sessions.push_back(session.to_string());
        }
        while sessions.len() > MAX_OPERATOR_SESSIONS {
            sessions.pop_front();
        }
        true
    }

    /// The CSRF token of a session: a keyed hash of the session id, so it need not be stored
    /// and cannot be computed without the demo's random key.
    pub fn csrf_token(&self, session: &str) -> String {
        let first = self.csrf_key.hash_one((session, 1u8));
        let second = self.csrf_key.hash_one((session, 2u8));
        format!("{first:016x}{second:016x}")
    }

    /// The secrets the demo was configured with: no page shows them.
    pub fn secrets(&self) -> [&str; 3] {
        [
            self.app.app_secret.as_str(),
            self.app.master_secret.as_str(),
            self.app.test_secret.as_str(),
        ]
    }

    /// The demo's app in test mode (same credentials, test secret included): what creates and
    /// confirms sandbox records and receives their pushes.
    pub fn sandbox_app(&self) -> BCApp {
        let mut app = self.app.clone();
        app.is_test_mode = true;
        app
    }

    /// Whether the signature tool may run: only against the embedded emulator, whose secrets
    /// are its own demo values. With real credentials nothing derived from a secret is shown.
    pub fn may_sign(&self) -> bool {
        self.emulator.is_some()
    }

    /// Keeps the page of a bill the demo created (for `/bill/{bill_no}`).
    pub fn keep_bill_page(&self, bill_no: &str, page: View) {
        let mut ledger = self.ledger();
        ledger.bills.insert(bill_no.to_string(), page);
        keep_at_most(&mut ledger.bills, MAX_BILL_PAGES);
    }

    /// The page of a bill the demo created.
    pub fn bill_page(&self, bill_no: &str) -> Option<View> {
        self.ledger().bills.get(bill_no).cloned()
    }

    /// The ledger, locked (a poisoned lock is taken over: the data stays usable).
    pub fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers a transaction the demo started, to check its webhook's amount.
    pub fn record_order(&self, kind: &str, number: &str, fee: i64, channel: &str, record_id: &str) {
        let order = Order {
            kind: kind.to_string(),
            number: number.to_string(),
            fee,
            channel: channel.to_string(),
            record_id: record_id.to_string(),
            settled: false,
        };
        let mut ledger = self.ledger();
        // Recorded again once the call returned (with its record id): a webhook that came
        // first and settled the order stays counted.
        let settled = ledger
            .orders
            .get(&(kind.to_string(), number.to_string()))
            .is_some_and(|known| known.settled);
        ledger.orders.insert(
            (kind.to_string(), number.to_string()),
            Order { settled, ..order },
        );
        keep_at_most(&mut ledger.orders, MAX_ORDERS);
        let (number_key, id_key) = match kind {
            "PAY" => ("bill_no", "bill_id"),
            "REFUND" => ("refund_no", "refund_id"),
            "TRANSFER" => ("transfer", "transfer_id"),
            "SUBSCRIPTION" => ("subscription_id", "subscription_id"),
            // A card signing pre-fills nothing.
            _ => return,
        };
        ledger.recent.insert(number_key.into(), number.into());
        if !record_id.is_empty() {
            ledger.recent.insert(id_key.into(), record_id.into());
        }
    }

    /// Remembers Alipay's confirmation link of the refund `refund_no`.
    pub fn keep_confirm_link(&self, refund_no: &str, link: &str) {
        let mut ledger = self.ledger();
        ledger
            .confirm_links
            .insert(refund_no.to_string(), link.to_string());
        keep_at_most(&mut ledger.confirm_links, MAX_CONFIRM_LINKS);
    }

    /// Alipay's confirmation link of the refund `refund_no`, when the demo made it.
    pub fn confirm_link(&self, refund_no: &str) -> Option<String> {
        self.ledger().confirm_links.get(refund_no).cloned()
    }

    /// Forgets an order whose call definitely failed.
    pub fn forget_order(&self, kind: &str, number: &str) {
        self.ledger()
            .orders
            .remove(&(kind.to_string(), number.to_string()));
    }

    /// Remembers the latest value of `key` (pre-fills form fields whose default is
    /// `@recent:key`).
    pub fn remember(&self, key: &str, value: &str) {
        if !value.is_empty() {
            self.ledger().recent.insert(key.into(), value.into());
        }
    }

    /// The latest value remembered for `key`.
    pub fn recent(&self, key: &str) -> Option<String> {
        self.ledger().recent.get(key).cloned()
    }

    /// The demo's order of this kind and number.
    pub fn order(&self, kind: &str, number: &str) -> Option<Order> {
        self.ledger()
            .orders
            .get(&(kind.to_string(), number.to_string()))
            .cloned()
    }

    /// Where BeeCloud should send the payer back to after paying `bill_no` (no `?`, as the API
    /// requires).
    pub fn return_url(&self, bill_no: &str) -> String {
        format!("{}/return/{}", self.base_url, percent_encode(bill_no))
    }
}

/// A random operator token: 32 hex digits (128 bits).
pub fn random_operator_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Compares without stopping at the first difference (the time taken says nothing about the
/// secret compared against).
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Shares a [`Demo`] between handler threads.
pub type SharedDemo = Arc<Demo>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_needs_every_byte() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
    }
}
