//! What the server threads and the [`Emulator`](super::Emulator) handle share: the store behind one mutex,
//! the bounded request log, armed faults, the webhook sink, and the stop flag.

use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::{Condvar, Mutex};

use serde_json::{Map, Value};

use super::config::EmulatorConfig;
use super::core::lock;
use super::records::{Fault, LoggedRequest, ReceivedWebhook};
use super::store::Store;

/// State shared by every thread of one emulator.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    /// Wakes the webhook thread and long-polls (new webhooks, clock moves, shutdown).
    pub wake: Condvar,
    pub faults: Mutex<Vec<(String, Fault)>>,
    pub requests: Mutex<RequestLog>,
    /// Pushes received by the in-process webhook sink (`/__emulator/sink`).
    pub sink: Mutex<VecDeque<ReceivedWebhook>>,
    /// Wakes sink long-polls (a condvar goes with one mutex only).
    pub sink_wake: Condvar,
    pub stopping: AtomicBool,
    /// Where clients reach the server (`http://127.0.0.1:PORT` for a local bind).
    pub base_url: String,
    /// The bound port.
    pub port: u16,
    /// This app's control paths: `/__emulator` for the first app, `/__emulator/apps/{app_id}` for others.
    pub control_path: String,
    pub config: EmulatorConfig,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, base_url: String, control_path: String) -> Shared {
        let public_url = config
            .public_url
            .as_deref()
            .map(|url| url.trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| base_url.clone());
        let mut store = Store::new(config.clone(), public_url);
        store.control_path = control_path.clone();
        Shared {
            // The base of every handed-out URL lives in the store (a hook may change it).
            store: Mutex::new(store),
            wake: Condvar::new(),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(RequestLog::default()),
            sink: Mutex::new(VecDeque::new()),
            sink_wake: Condvar::new(),
            stopping: AtomicBool::new(false),
            port: base_url
                .rsplit(':')
                .next()
                .and_then(|port| port.parse().ok())
                .unwrap_or_default(),
            base_url,
            control_path,
            config,
        }
    }

    /// Runs `f` on the store, then wakes the webhook thread (`f` may have queued webhooks or moved the clock).
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let result = f(&mut lock(&self.store));
        self.wake.notify_all();
        result
    }

    /// Logs a request: its body cut at the configured size, every key ending in `secret` redacted (the Node SDK
    /// puts all three secrets into every request),
    /// the oldest entries dropped past the entry and byte caps.
    pub(crate) fn log_request(&self, method: &str, path: &str, query: &str, body: &[u8]) {
        let limits = &self.config.limits;
        // Redact the whole body first (a cut could hide a secret's key from the JSON parser), then cut.
        let mut kept = if contains_secret(body) {
            redact_body(&String::from_utf8_lossy(body))
        } else {
            String::from_utf8_lossy(&body[..body.len().min(limits.log_body_bytes)]).into_owned()
        };
        if kept.len() > limits.log_body_bytes {
            let mut end = limits.log_body_bytes;
            while !kept.is_char_boundary(end) {
                end -= 1;
            }
            kept.truncate(end);
            kept.shrink_to_fit();
        }
        let entry = LoggedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query: redact_query(query),
            body: kept,
            body_bytes: body.len(),
        };
        lock(&self.requests).push(entry, limits.log_entries, limits.log_bytes);
    }
}

/// The request log: a ring capped by entries and by retained bytes.
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    bytes: usize,
}

fn entry_size(entry: &LoggedRequest) -> usize {
    entry.method.len() + entry.path.len() + entry.query.len() + entry.body.len()
}

impl RequestLog {
    fn push(&mut self, entry: LoggedRequest, max_entries: usize, max_bytes: usize) {
        self.bytes += entry_size(&entry);
        self.entries.push_back(entry);
        while self.entries.len() > max_entries.max(1)
            || (self.bytes > max_bytes && self.entries.len() > 1)
        {
            match self.entries.pop_front() {
                Some(old) => self.bytes -= entry_size(&old),
                None => break,
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &LoggedRequest> {
        self.entries.iter()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

const REDACTED: &str = "[redacted]";

/// Replaces the value of every object key ending in `secret` (any case), at any depth.
fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => redact_map(map),
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

fn redact_map(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if key.to_ascii_lowercase().ends_with("secret") {
            *value = REDACTED.into();
        } else {
            redact_value(value);
        }
    }
}

fn redact_body(body: &str) -> String {
    // Parsing every body would cost more than the request itself; only a body naming a secret is parsed.
    if !contains_secret(body.as_bytes()) {
        return body.to_owned();
    }
    match serde_json::from_str::<Value>(body) {
        Ok(mut value @ Value::Object(_)) => {
            redact_value(&mut value);
            value.to_string()
        }
        _ => body.to_owned(),
    }
}

/// True when `text` contains `secret` in any case.
fn contains_secret(text: &[u8]) -> bool {
    text.windows(6).any(|w| w.eq_ignore_ascii_case(b"secret"))
}

/// Query strings: a `*secret` pair, or a `para` JSON with such keys, is rewritten; anything else stays as sent.
fn redact_query(query: &str) -> String {
    if !contains_secret(query.as_bytes()) {
        return query.to_owned();
    }
    let pairs = super::core::query_pairs(query);
    let rendered: Vec<String> = pairs
        .into_iter()
        .map(|(key, value)| {
            let value = if key.to_ascii_lowercase().ends_with("secret") {
                REDACTED.to_owned()
            } else if key == "para" {
                redact_body(&value)
            } else {
                value
            };
            format!(
                "{}={}",
                super::core::form_encode(&key),
                super::core::form_encode(&value)
            )
        })
        .collect();
    rendered.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str) -> LoggedRequest {
        LoggedRequest {
            method: "POST".into(),
            path: "/p".into(),
            query: String::new(),
            body: body.into(),
            body_bytes: body.len(),
        }
    }

    #[test]
    fn the_log_is_capped_by_entries_and_bytes() {
        let mut log = RequestLog::default();
        for _ in 0..10 {
            log.push(entry("x"), 3, 1000);
        }
        assert_eq!(log.iter().count(), 3);
        let mut log = RequestLog::default();
        for _ in 0..10 {
            log.push(entry(&"y".repeat(100)), 100, 350);
        }
        assert_eq!(log.iter().count(), 3, "3 × 106 bytes fit in 350");
        assert!(log.bytes <= 350);
    }

    #[test]
    fn secrets_are_redacted() {
        let body =
            redact_body(r#"{"app_id":"a","master_secret":"M","nested":{"TEST_SECRET":"T"}}"#);
        assert!(!body.contains("\"M\"") && !body.contains("\"T\""), "{body}");
        assert!(body.contains("\"app_id\":\"a\""));
        let query = redact_query("para=%7B%22app_secret%22%3A%22S%22%7D&x=1");
        assert!(!query.contains("%22S%22"), "{query}");
        assert_eq!(redact_query("a=1&b=2"), "a=1&b=2");
    }
}
