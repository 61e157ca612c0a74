//! All emulator state behind the server's one mutex: the app's settings, payment records, the account-side state
//! (plans, subscriptions, merchant users, coupons), the webhook outbox and the clock.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::core::Namespace;
use super::webhooks::Outbox;
use super::{coupons, merchants, subscriptions};

pub(crate) use super::webhooks::WebhookEvent;

/// A bill (server-semantics §6.1).
pub(crate) struct Bill {
    pub id: String,
    pub app_id: String,
    pub ns: Namespace,
    pub bill_no: String,
    /// Parent channel (`WX`, `ALI`, …, `PAYPAL`, `BC`).
    pub channel: String,
    pub sub_channel: String,
    pub title: String,
    /// The requested amount.
    pub bill_fee: i64,
    pub discount: i64,
    /// The amount actually paid (`bill_fee - discount`).
    pub total_fee: i64,
    pub coupon_id: Option<String>,
    pub optional: Value,
    pub buyer_id: Option<String>,
    pub seller_id: Option<String>,
    pub store_id: Option<String>,
    pub operator_id: Option<String>,
    pub notify_url: Option<String>,
    pub return_url: Option<String>,
    pub bill_timeout: Option<i64>,
    pub currency: Option<String>,
    /// BC_EXPRESS: the token `rest/bill/confirm` must present.
    pub token: Option<String>,
    pub create_time: i64,
    pub spay_result: bool,
    pub trade_no: String,
    pub message_detail: Value,
    pub revert_result: bool,
    pub refund_result: bool,
}

impl Bill {
    /// True when `bill_timeout` has elapsed at `now_ms` (such a bill can no longer be paid).
    pub(crate) fn expired(&self, now_ms: i64) -> bool {
        self.bill_timeout
            .is_some_and(|secs| now_ms > self.create_time.saturating_add(secs.saturating_mul(1000)))
    }
}

/// How a refund relates to the pre-refund audit (server-semantics §7.1/§7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Approval {
    /// An ordinary refund (no audit).
    Direct,
    /// A pre-refund waiting for the audit.
    Pending,
    /// A pre-refund the audit approved.
    Approved,
    /// A pre-refund the audit denied, with the reason.
    Denied(String),
}

/// A refund record (live namespace only).
pub(crate) struct Refund {
    pub id: String,
    pub app_id: String,
    pub bill_id: String,
    pub bill_no: String,
    pub refund_no: String,
    pub refund_fee: i64,
    pub channel: String,
    pub sub_channel: String,
    pub optional: Value,
    pub message_detail: Value,
    pub notify_url: Option<String>,
    pub approval: Approval,
    pub finish: bool,
    pub result: bool,
    pub create_time: i64,
}

impl Refund {
    /// Accepted (direct or approved) but not finished: e.g. an Alipay refund awaiting the password.
    pub(crate) fn in_progress(&self) -> bool {
        !self.finish && matches!(self.approval, Approval::Direct | Approval::Approved)
    }
}

/// What kind of payout a [`Transfer`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TransferKind {
    /// `rest/bc_transfer`: payout to a bank card.
    Card,
    /// `rest/transfer`: WX_REDPACK, WX_TRANSFER or ALI_TRANSFER.
    Single,
    /// `rest/transfers`: an Alipay batch.
    Batch,
}

/// A payout record.
pub(crate) struct Transfer {
    pub id: String,
    pub app_id: String,
    pub kind: TransferKind,
    /// `bill_no`, `transfer_no` or `batch_no`.
    pub number: String,
    pub total_fee: i64,
    /// Batch items: (`transfer_id`, `transfer_fee`).
    pub items: Vec<(String, i64)>,
    pub optional: Value,
    /// What the TRANSFER webhook's `message_detail` reports besides the outcome.
    pub detail: Value,
    pub finished: bool,
    pub create_time: i64,
}

/// The whole emulator state.
pub(crate) struct Store {
    /// The app's credentials and behaviour switches, as the emulator was started with them.
    pub app: super::config::EmulatorConfig,
    /// `http://127.0.0.1:PORT`, for the URLs of cashier pages.
    pub base_url: String,
    clock_offset_ms: i64,
    serial: u64,
    pub bills: Vec<Bill>,
    pub refunds: Vec<Refund>,
    pub transfers: Vec<Transfer>,
    /// Alipay confirmation pages covering several approved pre-refunds: token ⇒ refund ids.
    pub refund_batches: HashMap<String, Vec<String>>,
    /// PayPal cards stored by PAYPAL_CREDITCARD payments (`credit_card_id`s).
    pub credit_cards: HashSet<String>,
    /// Live channels answering `2 PAY_FACTOR_NOT_SET`.
    pub disabled_channels: HashSet<String>,
    pub subscriptions: subscriptions::Subscriptions,
    pub merchants: merchants::Merchants,
    pub coupons: coupons::Coupons,
    pub outbox: Outbox,
}

impl Store {
    pub(crate) fn new(app: super::config::EmulatorConfig, base_url: String) -> Store {
        let mut store = Store {
            app,
            base_url,
            clock_offset_ms: 0,
            serial: 0,
            bills: Vec::new(),
            refunds: Vec::new(),
            transfers: Vec::new(),
            refund_batches: HashMap::new(),
            credit_cards: HashSet::new(),
            disabled_channels: HashSet::new(),
            subscriptions: Default::default(),
            merchants: Default::default(),
            coupons: Default::default(),
            outbox: Outbox::default(),
        };
        let (app_id, now) = (store.app.app_id.clone(), store.now_ms());
        store.merchants.account = store.app.merchant_account.clone();
        if store.app.seed_coupon_templates {
            let merchant = store.app.merchant_account.clone();
            store.coupons.seed(&app_id, &merchant, now);
        }
        store
    }

    /// The emulator clock: wall clock plus the offset set by the clock hooks, ms since the Unix epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        chrono::Utc::now()
            .timestamp_millis()
            .saturating_add(self.clock_offset_ms)
    }

    /// Moves the clock forward; pending webhook retries may fall due.
    pub(crate) fn advance_clock_ms(&mut self, by_ms: i64) {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(by_ms.max(0));
    }

    /// Jumps the clock to `now_ms`; pending webhook retries move along so they stay as far away as before.
    pub(crate) fn set_clock_ms(&mut self, now_ms: i64) {
        let shift = now_ms.saturating_sub(self.now_ms());
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(shift);
        self.outbox.shift_schedule(shift);
    }

    /// A process-unique number for synthetic channel values (trade numbers, tokens).
    pub(crate) fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// Index of the bill with this `bill_no` in an app's namespace.
    pub(crate) fn bill_index_by_no(
        &self,
        app_id: &str,
        ns: Namespace,
        bill_no: &str,
    ) -> Option<usize> {
        self.bills
            .iter()
            .position(|b| b.app_id == app_id && b.ns == ns && b.bill_no == bill_no)
    }

    /// Index of the bill with this record id in an app's namespace.
    pub(crate) fn bill_index_by_id(&self, app_id: &str, ns: Namespace, id: &str) -> Option<usize> {
        self.bills
            .iter()
            .position(|b| b.app_id == app_id && b.ns == ns && b.id == id)
    }

    /// Links a bill to a buyer (`PUT rest/history_bills`); false when there is no such bill.
    pub(crate) fn set_bill_buyer_id(
        &mut self,
        app_id: &str,
        ns: Namespace,
        bill_no: &str,
        buyer_id: &str,
    ) -> bool {
        match self.bill_index_by_no(app_id, ns, bill_no) {
            Some(index) => {
                self.bills[index].buyer_id = Some(buyer_id.to_owned());
                true
            }
            None => false,
        }
    }
}
