//! Many apps on one emulator, so that parallel test workers do not see each other: each app has its
//! own credentials, records, clock, knobs, faults, webhook URLs, logs, sink and webhook thread, and a
//! `reset` of one touches no other. The first app is the one the emulator started with; the others
//! are made with `POST /__emulator/apps` or `Emulator::create_app`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::core::{CONTROL_PREFIX, lock};
use super::delivery;
use super::error::EmulatorError;
use super::state::Shared;

/// One app and its webhook thread.
struct App {
    shared: Arc<Shared>,
    delivery: Option<JoinHandle<()>>,
}

/// Every app of one emulator.
pub(crate) struct Apps {
    /// The app the emulator started with (its control paths are `/__emulator/…`).
    pub first: Arc<Shared>,
    /// Every app, the first included, by `app_id`.
    by_id: Mutex<HashMap<String, App>>,
    /// How many apps there are (read on every request: with one, nothing needs looking up).
    count: AtomicUsize,
}

impl Apps {
    /// Starts the first app's webhook thread.
    pub(crate) fn new(first: Arc<Shared>) -> std::io::Result<Apps> {
        let delivery = spawn_delivery(&first)?;
        let app = App {
            shared: first.clone(),
            delivery: Some(delivery),
        };
        Ok(Apps {
            by_id: Mutex::new(HashMap::from([(first.config.app_id.clone(), app)])),
            first,
            count: AtomicUsize::new(1),
        })
    }

    /// True while only the first app exists.
    pub(crate) fn single(&self) -> bool {
        self.count.load(Ordering::SeqCst) == 1
    }

    /// The app with this `app_id`.
    pub(crate) fn get(&self, app_id: &str) -> Option<Arc<Shared>> {
        lock(&self.by_id).get(app_id).map(|app| app.shared.clone())
    }

    /// Every app, the first one first.
    pub(crate) fn all(&self) -> Vec<Arc<Shared>> {
        let mut all = vec![self.first.clone()];
        all.extend(
            lock(&self.by_id)
                .values()
                .filter(|app| !Arc::ptr_eq(&app.shared, &self.first))
                .map(|app| app.shared.clone()),
        );
        all
    }

    /// A fresh app: the first app's start-up configuration with new credentials and no webhook URLs.
    pub(crate) fn create(&self) -> Result<Arc<Shared>, EmulatorError> {
        let first = &self.first;
        let mut apps = lock(&self.by_id);
        let max = first.config.limits.max_apps.max(1);
        if apps.len() >= max {
            return Err(EmulatorError::conflict(format!(
                "this emulator already serves {max} apps (EmulatorLimits::max_apps)"
            )));
        }
        let fresh = || uuid::Uuid::new_v4().to_string();
        let mut config = first.config.clone();
        config.app_id = fresh();
        config.app_secret = fresh();
        config.master_secret = fresh();
        config.test_secret = fresh();
        config.webhook_url = None;
        config.test_webhook_url = None;
        let control_path = format!("{CONTROL_PREFIX}/apps/{}", config.app_id);
        let shared = Arc::new(Shared::new(config, first.base_url.clone(), control_path));
        // Handed-out URLs follow the first app's current public URL.
        lock(&shared.store).base_url = first.public_url();
        let delivery = spawn_delivery(&shared).map_err(|e| {
            EmulatorError::conflict(format!("cannot start the app's webhook thread: {e}"))
        })?;
        apps.insert(
            shared.config.app_id.clone(),
            App {
                shared: shared.clone(),
                delivery: Some(delivery),
            },
        );
        self.count.store(apps.len(), Ordering::SeqCst);
        Ok(shared)
    }

    /// Stops every app's webhook thread.
    pub(crate) fn stop(&self) {
        let mut apps = lock(&self.by_id);
        for app in apps.values() {
            app.shared.stopping.store(true, Ordering::SeqCst);
            app.shared.wake.notify_all();
        }
        for app in apps.values_mut() {
            if let Some(thread) = app.delivery.take() {
                let _ = thread.join();
            }
        }
    }
}

fn spawn_delivery(shared: &Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    let shared = shared.clone();
    std::thread::Builder::new()
        .name("beecloud-emulator-webhooks".into())
        .spawn(move || delivery::run_delivery_loop(shared))
}
