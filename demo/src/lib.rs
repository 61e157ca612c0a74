//! The web demo of the `beecloud` SDK: the Python SDK's Flask demo (`demo/demo.py`,
//! `demo/webhook.py`), ported and extended to every SDK operation.
//!
//! [`start`] serves the pages on 127.0.0.1; with no real credentials it first starts the SDK's
//! in-process BeeCloud emulator and points the emulator's webhook URL at the demo's own
//! `/webhook`, so a payment completed at the emulator's cashier page shows up as paid in the
//! demo. [`tour::run`] calls every SDK operation once and prints a table.

pub mod html;
pub mod operations;
pub mod server;
pub mod tour;
pub mod webhook;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::{BCApp, BCPay, BCQuery};

pub use server::{Running, start};

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
    /// TCP port on 127.0.0.1 (`0`: any free port).
    pub port: u16,
    /// Real credentials; `None` starts the embedded emulator.
    pub credentials: Option<Credentials>,
    /// The emulator's configuration when `credentials` is `None` (its webhook URL is replaced by
    /// the demo's own `/webhook`).
    pub emulator: EmulatorConfig,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            port: 8080,
            credentials: None,
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
    /// `PAY`, `REFUND`, `TRANSFER` or `SUBSCRIPTION` (the webhook's `transaction_type`).
    pub kind: String,
    /// `bill_no`, `refund_no`, transfer number or subscription id (the webhook's `transaction_id`).
    pub number: String,
    /// Amount in fen the webhook must carry.
    pub fee: i64,
    /// Channel, for display.
    pub channel: String,
    /// Record id returned by BeeCloud.
    pub record_id: String,
    /// Set once a verified webhook with the right amount arrived.
    pub settled: bool,
}

/// One push that reached `POST /webhook`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedWebhook {
    /// Local time it arrived, `HH:MM:SS`.
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

/// The demo's own records: its orders and the webhooks it received.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Orders by (`kind`, `number`).
    pub orders: BTreeMap<(String, String), Order>,
    /// Received webhooks, oldest first.
    pub webhooks: Vec<ReceivedWebhook>,
    /// The latest id or number of each kind the demo saw (`plan_id`, `refund_id`…), to pre-fill
    /// the next form.
    pub recent: BTreeMap<String, String>,
}

/// A new order number: the local time (`utils::order_num_on_datetime`, 17 digits) and a
/// 3-digit counter, so numbers made in the same millisecond differ. Valid as `bill_no`,
/// `refund_no` (it starts with today's date) and transfer number.
pub fn fresh_number() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed) % 1000;
    format!("{}{count:03}", beecloud::utils::order_num_on_datetime())
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
    ledger: Mutex<Ledger>,
}

impl Demo {
    /// A demo using `app`, reachable at `base_url`.
    pub fn new(app: BCApp, emulator: Option<Emulator>, base_url: String) -> Demo {
        Demo {
            bc_pay: BCPay::new(app.clone()),
            bc_query: BCQuery::new(app.clone()),
            app,
            emulator,
            base_url,
            ledger: Mutex::new(Ledger::default()),
        }
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
        ledger
            .orders
            .insert((kind.to_string(), number.to_string()), order);
        let (number_key, id_key) = match kind {
            "PAY" => ("bill_no", "bill_id"),
            "REFUND" => ("refund_no", "refund_id"),
            "TRANSFER" => ("transfer", "transfer_id"),
            _ => ("subscription_id", "subscription_id"),
        };
        ledger.recent.insert(number_key.into(), number.into());
        if !record_id.is_empty() {
            ledger.recent.insert(id_key.into(), record_id.into());
        }
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
        format!(
            "{}/return/{}",
            self.base_url,
            server::percent_encode(bill_no)
        )
    }
}

/// Shares a [`Demo`] between handler threads.
pub type SharedDemo = Arc<Demo>;
