//! Webhooks: building and signing the payload, and the outbox with the documented retry
//! schedule (attempts at 0, 2, 4, 8 … 2^17 s after the first, scaled by `webhook_time_scale`). The thread that
//! sends them is delivery.rs.

use std::collections::{HashSet, VecDeque};

use serde_json::{Map, Value, json};

use super::DeliveredWebhook;
use super::config::EmulatorConfig;
use super::core::{Namespace, md5_hex};

/// Delivery workers (one per destination) running at once; bounds the threads hostile `notify_url`s can cause.
pub(crate) const MAX_DESTINATIONS_IN_FLIGHT: usize = 32;

/// 1 first attempt + 17 retries.
pub(crate) const MAX_ATTEMPTS: u32 = 18;

/// Something that happened and must be pushed to the merchant (a paid bill, a refund, a payout, a subscription
/// verification or charge, a card signing).
pub(crate) struct WebhookEvent {
    pub ns: Namespace,
    /// The originating request's `notify_url`; `None` ⇒ the app's live or test webhook URL.
    pub notify_url: Option<String>,
    /// `PAY`, `REFUND`, `TRANSFER`, `SUBSCRIPTION` or `SIGN`.
    pub transaction_type: &'static str,
    pub channel_type: String,
    pub sub_channel_type: String,
    pub transaction_id: String,
    pub transaction_fee: i64,
    pub trade_success: bool,
    pub optional: Value,
    pub message_detail: Value,
    pub channel_transaction_id: String,
    /// Also add the legacy `sign` = md5(app_id + app_secret + timestamp), which the Python SDK's demo checks on
    /// subscription-related pushes.
    pub subscription_sign: bool,
}

/// One queued webhook and its delivery state.
pub(crate) struct Delivery {
    url: String,
    /// Deliveries to one destination (URL) go one at a time, destinations in parallel.
    destination: String,
    body: Value,
    /// (app_id, secret) of a legacy `sign` push that every retry re-stamps (knob `restamp_retries`).
    restamp: Option<(String, String)>,
    attempts: u32,
    delivered: bool,
    last_response: Option<String>,
    first_attempt_ms: Option<i64>,
    /// Emulator-clock time of the next attempt; `None` when finished (delivered or gave up).
    next_due_ms: Option<i64>,
    in_flight: bool,
    /// Bytes held: URL, body and last response.
    size: usize,
}

/// The webhook queue and delivery log.
#[derive(Default)]
pub(crate) struct Outbox {
    deliveries: VecDeque<Delivery>,
    /// Sequence number of `deliveries[0]` (pruning drops from the front).
    first_seq: u64,
    /// The sum of the deliveries' sizes.
    bytes: usize,
}

/// An attempt the delivery thread is about to make.
pub(crate) struct Attempt {
    pub seq: u64,
    pub url: String,
    pub destination: String,
    pub body: String,
}

/// The queue a delivery waits in: its URL without a fragment. Pushes to one URL go one at a time, in
/// order; different URLs, even on one host, go in parallel, so a slow receiver delays only its own URL.
fn destination_of(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_owned()
}

impl Outbox {
    pub(crate) fn snapshot(&self) -> Vec<DeliveredWebhook> {
        self.deliveries
            .iter()
            .map(|d| DeliveredWebhook {
                url: d.url.clone(),
                body: d.body.clone(),
                attempts: d.attempts,
                delivered: d.delivered,
                last_response: d.last_response.clone(),
            })
            .collect()
    }

    /// Keeps pending attempts at the same distance from "now" when the clock jumps.
    pub(crate) fn shift_schedule(&mut self, shift_ms: i64) {
        for d in &mut self.deliveries {
            d.first_attempt_ms = d.first_attempt_ms.map(|t| t.saturating_add(shift_ms));
            d.next_due_ms = d.next_due_ms.map(|t| t.saturating_add(shift_ms));
        }
    }

    /// Marks every due attempt whose destination is not `busy` as in flight and returns them, for at most
    /// [`MAX_DESTINATIONS_IN_FLIGHT`] destinations at once (the others wait for a free worker).
    pub(crate) fn take_due(&mut self, now_ms: i64, busy: &HashSet<String>) -> Vec<Attempt> {
        let mut due = Vec::new();
        let mut chosen: HashSet<String> = HashSet::new();
        for (offset, d) in self.deliveries.iter_mut().enumerate() {
            let room = chosen.contains(&d.destination)
                || busy.len() + chosen.len() < MAX_DESTINATIONS_IN_FLIGHT;
            if !d.in_flight
                && d.next_due_ms.is_some_and(|t| t <= now_ms)
                && !busy.contains(&d.destination)
                && room
            {
                chosen.insert(d.destination.clone());
                d.in_flight = true;
                if let (Some((app_id, secret)), true) = (&d.restamp, d.attempts > 0) {
                    // Legacy receivers refuse a `sign` older than 5 minutes; retries run for ~36 h.
                    d.body["timestamp"] = now_ms.into();
                    d.body["sign"] = legacy_sign(app_id, secret, now_ms).into();
                }
                // A push that carries `retryCounter` counts the attempts made before this one (as the .NET SDK's
                // sample pushes do).
                if let Some(counter) = d.body.get_mut("retryCounter") {
                    *counter = d.attempts.into();
                }
                due.push(Attempt {
                    seq: self.first_seq + offset as u64,
                    url: d.url.clone(),
                    destination: d.destination.clone(),
                    body: d.body.to_string(),
                });
            }
        }
        due
    }

    /// Drops the oldest finished deliveries while more than `keep` are finished or they hold more than
    /// `keep_bytes`.
    pub(crate) fn prune(&mut self, keep: usize, keep_bytes: usize) {
        let finished = self
            .deliveries
            .iter()
            .filter(|d| d.next_due_ms.is_none())
            .count();
        let mut excess = finished.saturating_sub(keep);
        while excess > 0 || self.bytes > keep_bytes {
            let Some(front) = self.deliveries.front() else {
                return;
            };
            if front.next_due_ms.is_some() || front.in_flight {
                // Keep the order: a pending head stops the pruning (it finishes within ~36 h).
                return;
            }
            if let Some(old) = self.deliveries.pop_front() {
                self.bytes -= old.size;
            }
            self.first_seq += 1;
            excess = excess.saturating_sub(1);
        }
    }

    /// Deliveries still to be attempted (queued or retrying).
    pub(crate) fn pending(&self) -> usize {
        self.deliveries
            .iter()
            .filter(|d| d.next_due_ms.is_some())
            .count()
    }

    /// Forgets every delivery (reset).
    pub(crate) fn clear(&mut self) {
        self.first_seq += self.deliveries.len() as u64;
        self.deliveries.clear();
        self.bytes = 0;
    }

    /// How long until the next attempt falls due.
    pub(crate) fn time_to_next(&self, now_ms: i64) -> Option<i64> {
        self.deliveries
            .iter()
            .filter(|d| !d.in_flight)
            .filter_map(|d| d.next_due_ms)
            .min()
            .map(|t| t.saturating_sub(now_ms))
    }

    pub(crate) fn record(
        &mut self,
        seq: u64,
        started_ms: i64,
        response: Result<String, String>,
        time_scale: f64,
    ) {
        let Some(offset) = seq.checked_sub(self.first_seq) else {
            return;
        };
        let Some(d) = self.deliveries.get_mut(offset as usize) else {
            return;
        };
        d.in_flight = false;
        d.attempts += 1;
        let first = *d.first_attempt_ms.get_or_insert(started_ms);
        // Judged by the body only (the docs never mention the status); whitespace around it is forgiven.
        let success = matches!(&response, Ok(body) if body.trim() == "success");
        let response = response.unwrap_or_else(|err| err);
        let old_response = d.last_response.as_ref().map_or(0, String::len);
        d.size = d.size - old_response + response.len();
        self.bytes = self.bytes - old_response + response.len();
        d.last_response = Some(response);
        if success {
            d.delivered = true;
            d.next_due_ms = None;
        } else if d.attempts >= MAX_ATTEMPTS {
            d.next_due_ms = None;
        } else {
            // Retry k (k = attempts made so far) happens 2^k s after the first attempt.
            let offset_ms = (2f64.powi(d.attempts as i32) * 1000.0 * time_scale).round() as i64;
            d.next_due_ms = Some(first.saturating_add(offset_ms.max(1)));
        }
    }
}

/// Where pushes go when neither the request nor the app names a URL: the app's own sink, under its
/// control URL (`…/sink/live` or `…/sink/test`), delivered in-process.
pub(crate) const OWN_SINK_PATH: &str = "/sink/";

/// Builds and signs the webhook of `event` for `app` at `timestamp`: the destination URL (the request's
/// `notify_url`, else the app's webhook URL, else the own sink under `control_url`) and the body.
pub(crate) fn build(
    app: &EmulatorConfig,
    event: WebhookEvent,
    timestamp: i64,
    control_url: &str,
) -> Option<Built> {
    let configured = match event.ns {
        Namespace::Live => app.webhook_url.clone(),
        Namespace::Sandbox => app.test_webhook_url.clone(),
    };
    let own_sink = match event.ns {
        Namespace::Live => "live",
        Namespace::Sandbox => "test",
    };
    let url = event
        .notify_url
        .clone()
        .or(configured)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("{control_url}{OWN_SINK_PATH}{own_sink}"));
    let live_signature = signature(
        &app.app_id,
        &event.transaction_id,
        event.transaction_type,
        &event.channel_type,
        event.transaction_fee,
        &app.master_secret,
    );
    let mut body = json!({
        "signature": live_signature,
        "timestamp": timestamp,
        "channel_type": event.channel_type,
        "sub_channel_type": event.sub_channel_type,
        "transaction_type": event.transaction_type,
        "transaction_id": event.transaction_id,
        "transaction_fee": event.transaction_fee,
        "trade_success": event.trade_success,
        "message_detail": as_object(event.message_detail),
        "optional": as_object(event.optional),
        "channel_transaction_id": event.channel_transaction_id,
    });
    let mut restamp = None;
    if event.ns == Namespace::Sandbox {
        // Sandbox pushes carry the legacy `sign` with the test secret (as the Java and .NET SDKs check them), never
        // a master-secret `signature`; the knob adds one with the test secret in the master's place.
        if let Some(map) = body.as_object_mut() {
            map.remove("signature");
        }
        if app.sandbox_push_signature {
            body["signature"] = signature(
                &app.app_id,
                &event.transaction_id,
                event.transaction_type,
                &event.channel_type,
                event.transaction_fee,
                &app.test_secret,
            )
            .into();
        }
        body["sign"] = legacy_sign(&app.app_id, &app.test_secret, timestamp).into();
        restamp = Some((app.app_id.clone(), app.test_secret.clone()));
    } else if event.subscription_sign {
        body["sign"] = legacy_sign(&app.app_id, &app.app_secret, timestamp).into();
        restamp = Some((app.app_id.clone(), app.app_secret.clone()));
        // Real subscription pushes also carried these (and `toSign`, app_id + secret in clear,
        // which the emulator never sends).
        if app.subscription_push_extras {
            body["retryCounter"] = 0.into();
            body["notifyUrl"] = url.clone().into();
            body["notify_url"] = url.clone().into();
        }
    }
    Some(Built {
        url,
        body,
        restamp: restamp.filter(|_| app.restamp_retries),
    })
}

/// A built webhook: where it goes, what it says, and how retries re-stamp it.
pub(crate) struct Built {
    pub url: String,
    pub body: Value,
    pub restamp: Option<(String, String)>,
}

impl Outbox {
    /// Queues a delivery whose first attempt falls due at `due_ms`, then prunes the history to `history`
    /// entries and `history_bytes`.
    pub(crate) fn push(&mut self, built: Built, due_ms: i64, history: usize, history_bytes: usize) {
        let Built { url, body, restamp } = built;
        let size = url.len() + body.to_string().len();
        self.bytes += size;
        self.deliveries.push_back(Delivery {
            size,
            destination: destination_of(&url),
            url,
            body,
            restamp,
            attempts: 0,
            delivered: false,
            last_response: None,
            first_attempt_ms: None,
            next_due_ms: Some(due_ms),
            in_flight: false,
        });
        self.prune(history, history_bytes);
    }
}

/// `signature` = md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee + master_secret)
/// (BeeCloud's webhook formula since 2017-01-12; the timestamp is not covered).
fn signature(
    app_id: &str,
    transaction_id: &str,
    kind: &str,
    channel: &str,
    fee: i64,
    master_secret: &str,
) -> String {
    md5_hex(&format!(
        "{app_id}{transaction_id}{kind}{channel}{fee}{master_secret}"
    ))
}

/// The legacy `sign` = md5(app_id + secret + timestamp): subscription pushes with the app secret
/// (the Python demo's check), sandbox pushes with the test secret (the Java and .NET sandbox receivers' check).
fn legacy_sign(app_id: &str, secret: &str, timestamp: i64) -> String {
    md5_hex(&format!("{app_id}{secret}{timestamp}"))
}

/// `optional` / `message_detail` are objects in webhooks; anything else (e.g. absent ⇒ null) becomes `{}`.
fn as_object(value: Value) -> Value {
    match value {
        Value::Object(_) => value,
        _ => Value::Object(Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_test_vectors() {
        // Own vectors: the current `signature` and the legacy `sign` with the app secret.
        let signature = signature("AID", "201506101035040000001", "PAY", "WX", 1, "MSEC");
        assert_eq!(signature, "c20a3d8c427677954cdd6c8dbbc5470f");
        assert_eq!(
            legacy_sign("AID", "ASEC", 1_426_817_510_111),
            "a0a4476dea7d78de11166e2cee2b41b6"
        );
        // The sandbox form with the test secret.
        assert_eq!(
            legacy_sign("AID", "TSEC", 1_426_817_510_111),
            "8e320971c054a65a5444c801f6c2898c"
        );
        assert_eq!(destination_of("http://Host:8/a?b#c"), "http://Host:8/a?b");
        assert_ne!(destination_of("http://h/a"), destination_of("http://h/b"));
    }

    #[test]
    fn finished_deliveries_are_pruned_by_bytes() {
        let mut outbox = Outbox::default();
        for n in 0..20 {
            let built = Built {
                url: format!("http://host/{n}"),
                body: Value::String("x".repeat(1000)),
                restamp: None,
            };
            outbox.push(built, 0, 100, 5_000);
            let seq = outbox.first_seq + outbox.deliveries.len() as u64 - 1;
            outbox.take_due(1, &HashSet::new());
            outbox.record(seq, 1, Ok("success".into()), 1.0);
            outbox.prune(100, 5_000);
        }
        assert!(outbox.bytes <= 5_000, "{} bytes", outbox.bytes);
        assert_eq!(outbox.deliveries.len(), 4);
        let held: usize = outbox.deliveries.iter().map(|d| d.size).sum();
        assert_eq!(held, outbox.bytes);
    }

    #[test]
    fn at_most_32_destinations_are_in_flight() {
        let mut outbox = Outbox::default();
        for n in 0..40 {
            let built = Built {
                url: format!("http://host{n}/hook"),
                body: Value::Null,
                restamp: None,
            };
            outbox.push(built, 0, 100, usize::MAX);
        }
        let due = outbox.take_due(1, &HashSet::new());
        assert_eq!(due.len(), MAX_DESTINATIONS_IN_FLIGHT);
        let busy: HashSet<String> = due.iter().map(|a| a.destination.clone()).collect();
        assert!(
            outbox.take_due(1, &busy).is_empty(),
            "no room while 32 are busy"
        );
        assert_eq!(
            outbox.take_due(1, &HashSet::new()).len(),
            8,
            "the rest once workers are free"
        );
    }

    #[test]
    fn retries_are_offsets_from_the_first_attempt() {
        let mut outbox = Outbox::default();
        outbox.deliveries.push_back(Delivery {
            url: "http://x".into(),
            destination: "http://x".into(),
            restamp: None,
            body: Value::Null,
            attempts: 0,
            delivered: false,
            last_response: None,
            first_attempt_ms: None,
            next_due_ms: Some(0),
            in_flight: false,
            size: 0,
        });
        let mut expected = vec![];
        for k in 1..MAX_ATTEMPTS {
            assert_eq!(outbox.take_due(i64::MAX, &HashSet::new()).len(), 1);
            outbox.record(0, 1_000, Err("down".into()), 1.0);
            expected.push(1_000 + (1_000i64 << k));
            assert_eq!(outbox.deliveries[0].next_due_ms, expected.last().copied());
        }
        assert_eq!(outbox.take_due(i64::MAX, &HashSet::new()).len(), 1);
        outbox.record(0, 1_000, Ok("success".into()), 1.0);
        assert!(outbox.deliveries[0].delivered);
        assert_eq!(outbox.deliveries[0].attempts, MAX_ATTEMPTS);
        assert_eq!(outbox.deliveries[0].next_due_ms, None);
        assert_eq!(
            expected.last(),
            Some(&(1_000 + 131_072_000)),
            "the last retry is 2^17 s after the first"
        );
    }
}
