//! The test hooks, one implementation behind both the [`Emulator`](super::Emulator) methods and the HTTP
//! control API (control.rs): each is a method on the shared state returning [`EmulatorError`].

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::core::{lock, page_url};
use super::error::EmulatorError;
use super::records::{DeliveredWebhook, Fault, LoggedRequest, ReceivedWebhook};
use super::state::Shared;
use super::store::Store;
use super::{cards, coupons, identity, knobs, payments, refunds, subscriptions, transfers};

/// Long polls wait at most this long, whatever the caller asks.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(60);

impl Shared {
    pub(crate) fn complete_payment(&self, bill_id_or_bill_no: &str) -> Result<(), EmulatorError> {
        self.with_store(|store| payments::complete_payment(store, bill_id_or_bill_no))
    }

    pub(crate) fn finish_refund(
        &self,
        refund_id: &str,
        success: bool,
    ) -> Result<(), EmulatorError> {
        self.with_store(|store| refunds::finish_refund(store, refund_id, success))
    }

    pub(crate) fn finish_transfer(
        &self,
        id_or_no: &str,
        success: bool,
    ) -> Result<(), EmulatorError> {
        self.with_store(|store| transfers::finish_transfer(store, id_or_no, success))
    }

    pub(crate) fn finish_card_signing(
        &self,
        id_or_card_id: &str,
        success: bool,
    ) -> Result<(), EmulatorError> {
        self.with_store(|store| cards::finish_signing(store, id_or_card_id, success))
    }

    pub(crate) fn cashier_url(&self, token: &str) -> String {
        page_url(&lock(&self.store).base_url, token)
    }

    pub(crate) fn public_url(&self) -> String {
        lock(&self.store).base_url.clone()
    }

    /// Every knob's live value.
    pub(crate) fn knobs(&self) -> Map<String, Value> {
        self.with_store(|store| knobs::values(&store.app))
    }

    /// Sets every knob `changes` names, or none of them (all are checked on a copy first); the
    /// knobs' values afterwards.
    pub(crate) fn set_knobs(
        &self,
        changes: &Map<String, Value>,
    ) -> Result<Map<String, Value>, EmulatorError> {
        self.with_store(|store| {
            let mut app = store.app.clone();
            for (name, value) in changes {
                knobs::set(&mut app, name, value)?;
            }
            store.app = app;
            Ok(knobs::values(&store.app))
        })
    }

    /// The base of handed-out URLs from now on: `url` (trailing `/` dropped), or the bound address.
    pub(crate) fn set_public_url(&self, url: Option<&str>) -> Result<(), EmulatorError> {
        let url = url
            .map(|u| u.trim_end_matches('/'))
            .filter(|u| !u.is_empty());
        if let Some(url) = url {
            check_http_url(url)?;
        }
        let base = url.map_or_else(|| self.base_url.clone(), str::to_owned);
        self.with_store(|store| store.base_url = base);
        Ok(())
    }

    pub(crate) fn set_webhook_url(
        &self,
        test: bool,
        url: Option<&str>,
    ) -> Result<(), EmulatorError> {
        if let Some(url) = url {
            check_http_url(url)?;
        }
        self.store_webhook_url(test, url);
        Ok(())
    }

    pub(crate) fn store_webhook_url(&self, test: bool, url: Option<&str>) {
        self.with_store(|store| {
            let slot = if test {
                &mut store.app.test_webhook_url
            } else {
                &mut store.app.webhook_url
            };
            *slot = url.map(str::to_owned);
        });
    }

    pub(crate) fn set_channel_enabled(&self, channel: &str, enabled: bool) {
        self.with_store(|store| {
            if enabled {
                store.disabled_channels.remove(channel);
            } else {
                store.disabled_channels.insert(channel.to_owned());
            }
        });
    }

    pub(crate) fn webhooks(&self) -> Vec<DeliveredWebhook> {
        lock(&self.store).outbox.snapshot()
    }

    /// Waits until at least `n` webhooks were delivered or `timeout` (at most [`MAX_WAIT`]) passed; with
    /// `unless_idle`, also stops as soon as no delivery is pending (then nothing more can arrive by itself).
    pub(crate) fn wait_for_webhooks(
        &self,
        n: usize,
        timeout: Duration,
        unless_idle: bool,
    ) -> Vec<DeliveredWebhook> {
        let deadline = Instant::now() + timeout.min(MAX_WAIT);
        let mut store = lock(&self.store);
        loop {
            let all = store.outbox.snapshot();
            let now = Instant::now();
            let idle = unless_idle && store.outbox.pending() == 0;
            if all.iter().filter(|w| w.delivered).count() >= n || now >= deadline || idle {
                return all;
            }
            let wait = (deadline - now).min(Duration::from_millis(20));
            store = self
                .wake
                .wait_timeout(store, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    pub(crate) fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub(crate) fn inject_fault(&self, path_prefix: &str, fault: Fault) {
        lock(&self.faults).push((path_prefix.to_owned(), fault));
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn last_sms_code(&self, phone: &str) -> Option<String> {
        self.with_store(|store| identity::last_sms_code(store, phone))
    }

    pub(crate) fn finish_subscription_verification(
        &self,
        subscription_id: &str,
        success: bool,
    ) -> Result<(), EmulatorError> {
        self.with_store(|store| subscriptions::finish_verification(store, subscription_id, success))
    }

    pub(crate) fn charge_subscription(
        &self,
        subscription_id: &str,
    ) -> Result<String, EmulatorError> {
        self.with_store(|store| subscriptions::charge(store, subscription_id))
    }

    pub(crate) fn add_coupon_template(&self, template: Map<String, Value>) -> String {
        self.with_store(|store| coupons::add_template(store, template))
    }

    pub(crate) fn advance_clock(&self, by: Duration) {
        let by_ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.with_store(|store| store.advance_clock_ms(by_ms));
    }

    pub(crate) fn set_clock_ms(&self, now_ms: i64) {
        self.with_store(|store| store.set_clock_ms(now_ms));
    }

    pub(crate) fn now_ms(&self) -> i64 {
        lock(&self.store).now_ms()
    }

    /// Back to the state at start: records, webhooks, clock, channels, webhook URLs, faults, logs, sink.
    pub(crate) fn reset(&self) {
        self.with_store(|store| {
            // The public URL survives a reset (it names where the server is, not state).
            let mut fresh = Store::new(self.config.clone(), store.base_url.clone());
            fresh.control_path = self.control_path.clone();
            // Deliveries in flight report to sequence numbers that must not match a new delivery.
            fresh.outbox = std::mem::take(&mut store.outbox);
            fresh.outbox.clear();
            *store = fresh;
        });
        self.clear_faults();
        lock(&self.requests).clear();
        lock(&self.sink).clear();
    }

    /// Records a push to the in-process sink (bounded by entries and bytes: the oldest go first).
    pub(crate) fn sink_push(&self, path: &str, body: &[u8]) {
        let limits = &self.config.limits;
        let size = |pushed: &ReceivedWebhook| pushed.path.len() + pushed.body.len();
        let pushed = ReceivedWebhook {
            path: path.to_owned(),
            body: String::from_utf8_lossy(body).into_owned(),
        };
        let mut sink = lock(&self.sink);
        // A sum over at most `sink_entries` pushes: cheap next to the HTTP request that brought this one.
        let mut bytes = sink.iter().map(size).sum::<usize>() + size(&pushed);
        while sink.len() >= limits.sink_entries.max(1) || bytes > limits.sink_bytes {
            match sink.pop_front() {
                Some(old) => bytes -= size(&old),
                None => break,
            }
        }
        sink.push_back(pushed);
        drop(sink);
        self.sink_wake.notify_all();
    }

    pub(crate) fn sink_received(&self) -> Vec<ReceivedWebhook> {
        lock(&self.sink).iter().cloned().collect()
    }

    /// Waits until the sink holds at least `n` pushes or `timeout` (at most [`MAX_WAIT`]) passed.
    pub(crate) fn sink_wait(&self, n: usize, timeout: Duration) -> Vec<ReceivedWebhook> {
        let deadline = Instant::now() + timeout.min(MAX_WAIT);
        let mut sink = lock(&self.sink);
        loop {
            let now = Instant::now();
            if sink.len() >= n || now >= deadline {
                return sink.iter().cloned().collect();
            }
            sink = self
                .sink_wake
                .wait_timeout(sink, (deadline - now).min(Duration::from_millis(20)))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Webhook and public URLs must be http(s).
fn check_http_url(url: &str) -> Result<(), EmulatorError> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(())
    } else {
        Err(EmulatorError::bad_input(format!(
            "the URL must start with http:// or https://: {url}"
        )))
    }
}
