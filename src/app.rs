//! [`BCApp`]: an app of the BeeCloud console, its secrets, mode, timeouts and HTTP connection pool.

use std::fmt;
use std::time::Duration;

/// The production API host (Python's `BEECLOUD_API_HOST`).
pub const BEECLOUD_API_HOST: &str = "https://api.beecloud.cn";
/// Connect timeout used when [`BCApp::timeout`] is `None`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-call timeout (connect, send, wait, read: the overall deadline) used when
/// [`BCApp::timeout`] is `None`.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// With [`BCTimeout::ConnectRead`], a call's overall deadline is `connect` + this many times `read`.
pub const CONNECT_READ_DEADLINE_READS: u32 = 3;

/// A timeout setting, as Python's `BCApp.timeout` (`seconds` or `(connect, read)`).
///
/// Every call has an overall deadline ([`BCTimeout::deadline`]) besides the per-phase limits, so
/// a server that trickles its answer a byte at a time cannot keep a call alive: past the deadline
/// the call fails with [`BCError::Timeout`](crate::BCError::Timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BCTimeout {
    /// A limit on the whole call: connecting, sending and reading the full answer.
    Total(Duration),
    /// Separate limits for connecting and for waiting on the answer (each read), plus an overall
    /// deadline of `connect` + [`CONNECT_READ_DEADLINE_READS`] × `read`.
    ConnectRead {
        /// Limit on opening the connection.
        connect: Duration,
        /// Limit on waiting for the response head and on each wait for body bytes.
        read: Duration,
    },
}

impl BCTimeout {
    /// The overall deadline of a call, from the start of connecting to the last byte of the
    /// answer: `Total(t)` ⇒ `t`; `ConnectRead` ⇒ `connect` + [`CONNECT_READ_DEADLINE_READS`] ×
    /// `read` (saturating). Without a `BCApp::timeout` the deadline is [`DEFAULT_CALL_TIMEOUT`].
    pub fn deadline(&self) -> Duration {
        match *self {
            BCTimeout::Total(total) => total,
            BCTimeout::ConnectRead { connect, read } => {
                connect.saturating_add(read.saturating_mul(CONNECT_READ_DEADLINE_READS))
            }
        }
    }
}

impl From<Duration> for BCTimeout {
    fn from(total: Duration) -> Self {
        BCTimeout::Total(total)
    }
}

impl From<(Duration, Duration)> for BCTimeout {
    fn from((connect, read): (Duration, Duration)) -> Self {
        BCTimeout::ConnectRead { connect, read }
    }
}

/// An app of the BeeCloud console (Python's `beecloud.entity.BCApp`).
///
/// Fill it field by field, as in Python. Cloning is cheap, and clones share one HTTP connection
/// pool. `Debug` shows whether each secret is set, never its value.
///
/// ```
/// use beecloud::entity::BCApp;
///
/// let mut bc_app = BCApp::default();
/// bc_app.app_id = "your app id".into();
/// // app secret: payments and queries
/// bc_app.app_secret = "your app secret".into();
/// // master secret: refunds and transfers
/// bc_app.master_secret = "your app master secret".into();
/// ```
#[derive(Clone)]
pub struct BCApp {
    /// The app id.
    pub app_id: String,
    /// Signs payments and queries (live mode).
    pub app_secret: String,
    /// Signs refunds, pre-refund audits and transfers (live mode); verifies webhooks.
    pub master_secret: String,
    /// Signs every request in test mode.
    pub test_secret: String,
    /// Test mode: pay and bill queries go to the sandbox, 14 operations are refused locally.
    pub is_test_mode: bool,
    /// Overrides [`DEFAULT_CONNECT_TIMEOUT`] / [`DEFAULT_CALL_TIMEOUT`]; every call is bounded by
    /// [`BCTimeout::deadline`].
    pub timeout: Option<BCTimeout>,
    /// Scheme and host of the API (default [`BEECLOUD_API_HOST`]); point it at the emulator or a
    /// regional host. The SDK appends `/2/…`.
    pub api_host: String,
    agent: ureq::Agent,
}

impl BCApp {
    /// An app with these credentials, in live mode, against [`BEECLOUD_API_HOST`].
    pub fn new(
        app_id: impl Into<String>,
        app_secret: impl Into<String>,
        master_secret: impl Into<String>,
    ) -> Self {
        BCApp {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            master_secret: master_secret.into(),
            ..BCApp::default()
        }
    }

    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }
}

/// The app given to `register_app`, or the error Python would have raised.
pub(crate) fn registered(app: &Option<BCApp>) -> Result<&BCApp, crate::BCError> {
    app.as_ref().ok_or(crate::BCError::NotConfigured {
        what: "no app registered (call register_app)",
    })
}

impl Default for BCApp {
    fn default() -> Self {
        let agent = crate::transport::agent(
            ureq::Agent::config_builder()
                // 4xx answers carry JSON envelopes; other statuses are mapped by the SDK itself.
                .http_status_as_error(false)
                // BeeCloud never redirects an API call: a 3xx is an error, never followed.
                .max_redirects(0)
                .user_agent(concat!("beecloud-rust/", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        BCApp {
            app_id: String::new(),
            app_secret: String::new(),
            master_secret: String::new(),
            test_secret: String::new(),
            is_test_mode: false,
            timeout: None,
            api_host: BEECLOUD_API_HOST.to_string(),
            agent,
        }
    }
}

impl fmt::Debug for BCApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn mask(secret: &str) -> &'static str {
            if secret.is_empty() {
                "<unset>"
            } else {
                "<set>"
            }
        }
        f.debug_struct("BCApp")
            .field("app_id", &self.app_id)
            .field("app_secret", &mask(&self.app_secret))
            .field("master_secret", &mask(&self.master_secret))
            .field("test_secret", &mask(&self.test_secret))
            .field("is_test_mode", &self.is_test_mode)
            .field("timeout", &self.timeout)
            .field("api_host", &self.api_host)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_secrets() {
        let mut app = BCApp::new("AID", "ASEC-value", "MSEC-value");
        app.test_secret = "TSEC-value".into();
        let shown = format!("{app:?}");
        assert!(shown.contains("AID"));
        for secret in ["ASEC-value", "MSEC-value", "TSEC-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
