//! All emulator state behind the server's one mutex: the app's settings, payment records, the account-side state
//! (plans, subscriptions, merchant users, coupons), the webhook outbox and the clock.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::accounts::{Coupons, Merchants, Subscriptions};
use super::core::Namespace;
use super::webhooks::{self, Outbox};

pub(crate) use super::webhooks::WebhookEvent;

/// A bill.
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

/// How a refund relates to the pre-refund audit (PUT `rest/refund`).
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// The request's `notify_url` for its TRANSFER push (`bc_transfer` takes one too: Java sends it).
    pub notify_url: Option<String>,
    /// Bank-card payouts: `title`, `account_name`, `account_no`, `bank_full_name` and `notify_url` as the
    /// payout query lists them, mapped from each payout's own field names; empty for other kinds.
    pub listing: Map<String, Value>,
    pub finished: bool,
    /// Set when finished: whether the payout succeeded, and its synthetic `trade_no`.
    pub succeeded: bool,
    pub trade_no: String,
    pub create_time: i64,
}

/// How a card signing started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SigningRoute {
    /// `card/sign`: the SIGN push names the `card_id`.
    CardSign,
    /// Legacy `sign`: the SIGN push names the signing `id`.
    Legacy,
}

/// A card signing for direct debit (BC_CARD_CHARGE), finished by a hook (at once by default).
pub(crate) struct CardSigning {
    pub id: String,
    pub route: SigningRoute,
    pub card_id: String,
    pub notify_url: Option<String>,
    pub finished: bool,
}

/// The whole emulator state.
pub(crate) struct Store {
    /// The app's credentials and behaviour switches, as the emulator was started with them.
    pub app: super::config::EmulatorConfig,
    /// The base of the URLs of cashier pages: `EmulatorConfig::public_url`, else `http://127.0.0.1:PORT`.
    pub base_url: String,
    clock_offset_ms: i64,
    serial: u64,
    /// Bytes the records are counted at (see `EmulatorLimits::store_bytes`).
    pub record_bytes: usize,
    /// The app's control paths (`/__emulator`, or `/__emulator/apps/{app_id}`): its own sink is there.
    pub control_path: String,
    /// Append-only; records are found through the indexes below (insert with [`Store::insert_bill`] etc.).
    pub bills: Vec<Bill>,
    pub refunds: Vec<Refund>,
    pub transfers: Vec<Transfer>,
    bill_ids: HashMap<String, usize>,
    bill_nos: HashMap<(Namespace, String), usize>,
    /// Newest first (then by id), so list queries stop after `skip + limit` matches.
    bill_order: BTreeMap<(Reverse<i64>, String), usize>,
    refund_ids: HashMap<String, usize>,
    refund_nos: HashMap<String, usize>,
    refunds_of_bill: HashMap<String, Vec<usize>>,
    refund_order: BTreeMap<(Reverse<i64>, String), usize>,
    transfer_ids: HashMap<String, usize>,
    /// (kind, number) ⇒ every transfer with it, oldest first (a finished number may not be reused, but
    /// different kinds share number spaces).
    transfer_nos: HashMap<(TransferKind, String), Vec<usize>>,
    /// Alipay confirmation pages covering several approved pre-refunds: token ⇒ refund ids.
    pub refund_batches: HashMap<String, Vec<String>>,
    /// PayPal cards stored by PAYPAL_CREDITCARD payments (`credit_card_id`s).
    pub credit_cards: HashSet<String>,
    /// Live channels answering `2 PAY_FACTOR_NOT_SET`.
    pub disabled_channels: HashSet<String>,
    pub subscriptions: Subscriptions,
    pub merchants: Merchants,
    pub coupons: Coupons,
    /// Card signings, oldest first.
    pub card_signings: Vec<CardSigning>,
    /// `card_id`s verified by `card/sync_verify` (they may be signed by `card/sync_sign`).
    pub verified_cards: HashSet<String>,
    /// `card_id`s signed for direct debit.
    pub signed_cards: HashSet<String>,
    pub outbox: Outbox,
}

impl Store {
    pub(crate) fn new(app: super::config::EmulatorConfig, base_url: String) -> Store {
        let mut store = Store {
            app,
            base_url,
            clock_offset_ms: 0,
            serial: 0,
            record_bytes: 0,
            control_path: super::core::CONTROL_PREFIX.to_owned(),
            bills: Vec::new(),
            refunds: Vec::new(),
            transfers: Vec::new(),
            bill_ids: HashMap::new(),
            bill_nos: HashMap::new(),
            bill_order: BTreeMap::new(),
            refund_ids: HashMap::new(),
            refund_nos: HashMap::new(),
            refunds_of_bill: HashMap::new(),
            refund_order: BTreeMap::new(),
            transfer_ids: HashMap::new(),
            transfer_nos: HashMap::new(),
            refund_batches: HashMap::new(),
            credit_cards: HashSet::new(),
            disabled_channels: HashSet::new(),
            subscriptions: Default::default(),
            merchants: Default::default(),
            coupons: Default::default(),
            card_signings: Vec::new(),
            verified_cards: HashSet::new(),
            signed_cards: HashSet::new(),
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

    /// Builds, signs and queues the webhook of `event` (to the own sink when no URL is set). The first
    /// attempt waits [`EmulatorConfig::webhook_first_delay`], so it never overtakes the reply.
    pub(crate) fn emit_webhook(&mut self, event: WebhookEvent) {
        let timestamp = self.now_ms();
        if let Some(built) = webhooks::build(
            &self.app,
            event,
            timestamp,
            &format!("{}{}", self.base_url, self.control_path),
        ) {
            let first_delay_ms =
                i64::try_from(self.app.webhook_first_delay.as_millis()).unwrap_or(0);
            let due = timestamp.saturating_add(first_delay_ms);
            self.outbox.push(
                built,
                due,
                self.app.limits.webhook_history,
                self.app.limits.webhook_history_bytes,
            );
        }
    }

    /// A process-unique number for synthetic channel values (trade numbers, tokens).
    pub(crate) fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// Stores a bill and indexes it by id, by (namespace, `bill_no`) and by creation time.
    pub(crate) fn insert_bill(&mut self, bill: Bill) {
        let index = self.bills.len();
        self.bill_ids.insert(bill.id.clone(), index);
        self.bill_nos.insert((bill.ns, bill.bill_no.clone()), index);
        self.bill_order
            .insert((Reverse(bill.create_time), bill.id.clone()), index);
        self.bills.push(bill);
    }

    /// Stores a refund and indexes it by id, `refund_no`, bill and creation time.
    pub(crate) fn insert_refund(&mut self, refund: Refund) {
        let index = self.refunds.len();
        self.refund_ids.insert(refund.id.clone(), index);
        self.refund_nos.insert(refund.refund_no.clone(), index);
        self.refunds_of_bill
            .entry(refund.bill_id.clone())
            .or_default()
            .push(index);
        self.refund_order
            .insert((Reverse(refund.create_time), refund.id.clone()), index);
        self.refunds.push(refund);
    }

    /// Stores a transfer and indexes it by id and by (kind, number).
    pub(crate) fn insert_transfer(&mut self, transfer: Transfer) {
        let index = self.transfers.len();
        self.transfer_ids.insert(transfer.id.clone(), index);
        self.transfer_nos
            .entry((transfer.kind, transfer.number.clone()))
            .or_default()
            .push(index);
        self.transfers.push(transfer);
    }

    /// Index of the bill with this `bill_no` in an app's namespace.
    pub(crate) fn bill_index_by_no(
        &self,
        app_id: &str,
        ns: Namespace,
        bill_no: &str,
    ) -> Option<usize> {
        self.bill_nos
            .get(&(ns, bill_no.to_owned()))
            .copied()
            .filter(|&i| self.bills[i].app_id == app_id)
    }

    /// Index of the bill with this record id in an app's namespace.
    pub(crate) fn bill_index_by_id(&self, app_id: &str, ns: Namespace, id: &str) -> Option<usize> {
        self.bill_index(id)
            .filter(|&i| self.bills[i].app_id == app_id && self.bills[i].ns == ns)
    }

    /// Index of the bill with this record id, any namespace.
    pub(crate) fn bill_index(&self, id: &str) -> Option<usize> {
        self.bill_ids.get(id).copied()
    }

    /// The bill with this record id, any namespace.
    pub(crate) fn bill(&self, id: &str) -> Option<&Bill> {
        self.bill_index(id).map(|i| &self.bills[i])
    }

    /// Bills, newest first (ties by id).
    pub(crate) fn bills_newest_first(&self) -> impl Iterator<Item = &Bill> {
        self.bill_order.values().map(|&i| &self.bills[i])
    }

    /// Index of the refund with this record id.
    pub(crate) fn refund_index(&self, id: &str) -> Option<usize> {
        self.refund_ids.get(id).copied()
    }

    /// Index of the refund with this `refund_no` (of the app).
    pub(crate) fn refund_index_by_no(&self, app_id: &str, refund_no: &str) -> Option<usize> {
        self.refund_nos
            .get(refund_no)
            .copied()
            .filter(|&i| self.refunds[i].app_id == app_id)
    }

    /// The refunds of a bill, oldest first.
    pub(crate) fn refunds_of(&self, bill_id: &str) -> impl Iterator<Item = &Refund> {
        self.refunds_of_bill
            .get(bill_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.refunds[i])
    }

    /// Refunds, newest first (ties by id).
    pub(crate) fn refunds_newest_first(&self) -> impl Iterator<Item = &Refund> {
        self.refund_order.values().map(|&i| &self.refunds[i])
    }

    /// Index of the transfer with this record id.
    pub(crate) fn transfer_index(&self, id: &str) -> Option<usize> {
        self.transfer_ids.get(id).copied()
    }

    /// The transfers of this kind and number, oldest first.
    pub(crate) fn transfers_numbered(
        &self,
        kind: TransferKind,
        number: &str,
    ) -> impl Iterator<Item = (usize, &Transfer)> {
        self.transfer_nos
            .get(&(kind, number.to_owned()))
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.transfers[i]))
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
