//! The webhook delivery thread: sends due attempts without holding the store lock during I/O, each
//! destination (URL) on its own worker so that a slow receiver delays only itself.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::core::lock;
use super::state::Shared;
use super::webhooks::{Attempt, OWN_SINK_PATH};

/// Runs until the emulator stops.
pub(crate) fn run_delivery_loop(shared: Arc<Shared>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    // Destinations with a worker running: their due attempts wait for that worker.
    let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
    loop {
        let mut store = lock(&shared.store);
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let now = store.now_ms();
        let due = store.outbox.take_due(now, &lock(&busy));
        if due.is_empty() {
            let wait_ms = store.outbox.time_to_next(now).unwrap_or(200).clamp(1, 200);
            let _unused = shared
                .wake
                .wait_timeout(store, Duration::from_millis(wait_ms as u64))
                .unwrap_or_else(|e| e.into_inner());
            continue;
        }
        drop(store);
        for (destination, attempts) in group_by_destination(due) {
            lock(&busy).insert(destination.clone());
            let (shared, agent, busy) = (shared.clone(), agent.clone(), busy.clone());
            let spawned = std::thread::Builder::new()
                .name("beecloud-emulator-webhook".into())
                .spawn(move || {
                    deliver(&shared, &agent, attempts);
                    lock(&busy).remove(&destination);
                    shared.wake.notify_all();
                });
            if spawned.is_err() {
                // No thread: the attempts stay in flight; give up on them rather than loop.
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn group_by_destination(due: Vec<Attempt>) -> Vec<(String, Vec<Attempt>)> {
    let mut groups: Vec<(String, Vec<Attempt>)> = Vec::new();
    for attempt in due {
        let destination = attempt.destination.clone();
        match groups.iter_mut().find(|(d, _)| *d == destination) {
            Some((_, attempts)) => attempts.push(attempt),
            None => groups.push((destination, vec![attempt])),
        }
    }
    groups
}

fn deliver(shared: &Shared, agent: &ureq::Agent, attempts: Vec<Attempt>) {
    for attempt in attempts {
        let (started, own_sink) = {
            let store = lock(&shared.store);
            (
                store.now_ms(),
                own_sink_path(shared, &store.base_url, &attempt.url),
            )
        };
        let response = match own_sink {
            // The own sink is served in-process: no socket, no control token, whatever the host is.
            Some(path) => {
                shared.sink_push(&path, attempt.body.as_bytes());
                Ok("success".to_owned())
            }
            None => post(agent, &attempt.url, attempt.body.clone()),
        };
        let mut store = lock(&shared.store);
        let time_scale = store.app.webhook_time_scale;
        let (history, history_bytes) = (
            store.app.limits.webhook_history,
            store.app.limits.webhook_history_bytes,
        );
        store
            .outbox
            .record(attempt.seq, started, response, time_scale);
        store.outbox.prune(history, history_bytes);
    }
}

/// The sink path of `url` when it is this app's own sink (under the bound or the public URL).
fn own_sink_path(shared: &Shared, public_url: &str, url: &str) -> Option<String> {
    [shared.base_url.as_str(), public_url]
        .iter()
        .find_map(|base| url.strip_prefix(base))
        .filter(|path| {
            path.strip_prefix(shared.control_path.as_str())
                .is_some_and(|rest| rest.starts_with(OWN_SINK_PATH))
        })
        .map(|path| path.split(['?', '#']).next().unwrap_or(path).to_owned())
}

/// POSTs the JSON body; the receiver's body text, or the transport error.
fn post(agent: &ureq::Agent, url: &str, body: String) -> Result<String, String> {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map_err(|e| format!("transport error: {e}"))?;
    response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| format!("unreadable response: {e}"))
}
