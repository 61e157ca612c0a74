//! [`BCApp`]: an app of the BeeCloud console, its secrets, mode, timeouts, proxy and HTTP
//! connection pool.

use std::fmt;
use std::time::Duration;

use crate::retry::BCRetry;

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

/// Which proxy the SDK's calls go through ([`BCApp::set_proxy`]).
///
/// Whatever the setting, calls to a loopback host (`127.0.0.1`, `localhost`, `::1`: the emulator,
/// a local stand-in) are never proxied: a proxy cannot reach this machine's loopback anyway.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BCProxy {
    /// The environment's proxy, as Python's `requests` does (the default): the first valid one of
    /// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (or their lowercase forms), skipping the hosts
    /// listed in `NO_PROXY` / `no_proxy` (`host`, `.domain`, `*.domain`, `*`). Read when
    /// [`BCApp`] is created or `set_proxy` is called, not per request.
    #[default]
    FromEnv,
    /// No proxy: connect directly, whatever the environment says.
    Direct,
    /// This proxy, e.g. `http://proxy.internal:3128` or `http://user:pass@host:port`; the hosts
    /// in `NO_PROXY` are still reached directly.
    Url(String),
}

// A proxy URL may carry a password: `Debug` shows the URL without its user info.
impl fmt::Debug for BCProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BCProxy::FromEnv => f.write_str("FromEnv"),
            BCProxy::Direct => f.write_str("Direct"),
            BCProxy::Url(url) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
                let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                let shown = if scheme.is_empty() {
                    host.to_string()
                } else {
                    format!("{scheme}://{host}")
                };
                f.debug_tuple("Url").field(&shown).finish()
            }
        }
    }
}

/// An app of the BeeCloud console (Python's `beecloud.entity.BCApp`).
///
/// Fill it field by field, as in Python. Cloning is cheap, and clones share one HTTP connection
/// pool. `Debug` shows whether each secret is set, never its value.
///
/// The transport is set with methods, since each rebuilds the connection pool (clones made before
/// keep the old one): [`set_proxy`](BCApp::set_proxy), [`configure_agent`](BCApp::configure_agent)
/// (pool size, TLS roots… on the SDK's settings), [`set_agent`](BCApp::set_agent) (an agent of
/// your own).
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
    /// Scheme and host of WeChat's OAuth API for [`fetch_open_id_with`](crate::utils::fetch_open_id_with)
    /// (default [`WECHAT_API_HOST`]); point it at a stand-in in tests.
    pub wechat_api_host: String,
    /// Retries (default `None`: every call is sent once). Queries are retried on network
    /// failures, timeouts and 5xx; writes only when nothing was sent — see [`BCRetry`].
    pub retry: Option<BCRetry>,
    /// `None` once the caller supplied an agent.
    proxy: Option<BCProxy>,
    agent: ureq::Agent,
}

/// WeChat's OAuth API host, where `fetch_open_id` exchanges a code for an openid.
pub const WECHAT_API_HOST: &str = "https://api.weixin.qq.com";

/// Hosts that are never proxied: this machine's loopback.
const LOOPBACK_HOSTS: [&str; 4] = ["127.0.0.1", "localhost", "::1", "[::1]"];

/// Every agent the SDK builds comes from here: the SDK's settings (one place for all of them),
/// then the proxy, then the caller's adjustments.
fn build_agent(
    proxy: Option<ureq::Proxy>,
    adjust: impl FnOnce(AgentConfig) -> AgentConfig,
) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        // 4xx answers carry JSON envelopes; other statuses are mapped by the SDK itself.
        .http_status_as_error(false)
        // BeeCloud never redirects an API call: a 3xx is an error, never followed.
        .max_redirects(0)
        .user_agent(concat!("beecloud-rust/", env!("CARGO_PKG_VERSION")))
        .proxy(proxy);
    crate::transport::agent(adjust(config).build())
}

/// The builder [`BCApp::configure_agent`] hands to its closure.
pub type AgentConfig = ureq::config::ConfigBuilder<ureq::typestate::AgentScope>;

/// The `ureq` proxy of a setting, with `NO_PROXY` and the loopback hosts excluded.
fn resolve_proxy(setting: &BCProxy) -> Result<Option<ureq::Proxy>, crate::BCError> {
    let proxy = match setting {
        BCProxy::Direct => return Ok(None),
        BCProxy::FromEnv => match ureq::Proxy::try_from_env() {
            Some(proxy) => proxy,
            None => return Ok(None),
        },
        BCProxy::Url(url) => ureq::Proxy::new(url).map_err(|_| crate::BCError::NotConfigured {
            what: "proxy (a URL such as http://host:3128)",
        })?,
    };
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .unwrap_or_default();
    let mut builder = ureq::Proxy::builder(proxy.protocol())
        .host(proxy.host())
        .port(proxy.port());
    if let Some(username) = proxy.username() {
        builder = builder.username(username);
    }
    if let Some(password) = proxy.password() {
        builder = builder.password(password);
    }
    for host in no_proxy
        .split(',')
        .map(str::trim)
        .filter(|host| !host.is_empty())
    {
        builder = builder.no_proxy(host);
    }
    for host in LOOPBACK_HOSTS {
        builder = builder.no_proxy(host);
    }
    builder
        .build()
        .map(Some)
        .map_err(|_| crate::BCError::NotConfigured {
            what: "proxy (a URL such as http://host:3128)",
        })
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

    /// The proxy setting in force (default [`BCProxy::FromEnv`]); `None` after
    /// [`set_agent`](BCApp::set_agent), when the agent's own setting applies.
    pub fn proxy(&self) -> Option<&BCProxy> {
        self.proxy.as_ref()
    }

    /// Routes this app's calls through `proxy` (a new connection pool; loopback hosts are never
    /// proxied).
    ///
    /// ```
    /// use beecloud::entity::{BCApp, BCProxy};
    ///
    /// let mut bc_app = BCApp::default();
    /// // ignore HTTPS_PROXY & co.
    /// bc_app.set_proxy(BCProxy::Direct)?;
    /// bc_app.set_proxy(BCProxy::Url("http://proxy.internal:3128".into()))?;
    /// # Ok::<(), beecloud::BCError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`BCError::NotConfigured`](crate::BCError::NotConfigured) if a [`BCProxy::Url`] is not a
    /// proxy URL; the setting is then unchanged.
    pub fn set_proxy(&mut self, proxy: BCProxy) -> Result<(), crate::BCError> {
        self.agent = build_agent(resolve_proxy(&proxy)?, |config| config);
        self.proxy = Some(proxy);
        Ok(())
    }

    /// Rebuilds the connection pool with the SDK's settings (and the proxy setting) adjusted by
    /// `adjust`: pool size, TLS roots, local address…
    ///
    /// ```
    /// use beecloud::entity::BCApp;
    ///
    /// let mut bc_app = BCApp::default();
    /// bc_app.configure_agent(|config| config.max_idle_connections_per_host(8));
    /// ```
    ///
    /// **Semver**: the closure's type is `ureq` 3's `ConfigBuilder` ([`AgentConfig`]). `ureq` is a
    /// public dependency only here and in [`set_agent`](BCApp::set_agent); moving to another
    /// `ureq` major version is a breaking release of this crate (a minor one while it is 0.x).
    ///
    /// The SDK still sets per request what a call must not lose (its timeouts, and that 4xx
    /// answers are read as envelopes); leave redirects off, as the SDK's agent has them. After
    /// [`set_agent`](BCApp::set_agent) this starts again from the SDK's settings and
    /// [`BCProxy::FromEnv`].
    pub fn configure_agent(&mut self, adjust: impl FnOnce(AgentConfig) -> AgentConfig) {
        let setting = self.proxy.take().unwrap_or_default();
        // The setting was accepted when set, so it resolves again.
        self.agent = build_agent(resolve_proxy(&setting).unwrap_or(None), adjust);
        self.proxy = Some(setting);
    }

    /// Uses `agent` (your own `ureq` 3 agent: TLS, proxy, pool) for this app's calls; the proxy
    /// setting no longer applies ([`proxy`](BCApp::proxy) is `None`).
    ///
    /// ```
    /// use beecloud::entity::BCApp;
    ///
    /// let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(0).build().into();
    /// let mut bc_app = BCApp::default();
    /// bc_app.set_agent(agent);
    /// ```
    ///
    /// Your agent bypasses the SDK's agent settings. The SDK still applies per request its
    /// timeouts (so calls stay bounded) and reads 4xx answers as envelopes, but it cannot undo
    /// what the agent does below that: **keep `max_redirects(0)`** (a redirected payment call
    /// must not be re-sent elsewhere) and keep TLS verification on.
    ///
    /// **Semver**: as for [`configure_agent`](BCApp::configure_agent), this is the one place
    /// (with it) where a `ureq` type is public; a `ureq` major upgrade is a breaking release.
    pub fn set_agent(&mut self, agent: ureq::Agent) {
        self.agent = agent;
        self.proxy = None;
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
        // An environment proxy ureq cannot parse is ignored, as ureq itself ignores it.
        let agent = build_agent(resolve_proxy(&BCProxy::FromEnv).unwrap_or(None), |config| {
            config
        });
        BCApp {
            app_id: String::new(),
            app_secret: String::new(),
            master_secret: String::new(),
            test_secret: String::new(),
            is_test_mode: false,
            timeout: None,
            api_host: BEECLOUD_API_HOST.to_string(),
            wechat_api_host: WECHAT_API_HOST.to_string(),
            retry: None,
            proxy: Some(BCProxy::FromEnv),
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
            .field("wechat_api_host", &self.wechat_api_host)
            .field("retry", &self.retry)
            .field("proxy", &self.proxy)
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

    #[test]
    fn proxy_settings() {
        let mut app = BCApp::default();
        assert_eq!(app.proxy(), Some(&BCProxy::FromEnv));
        let with_password = BCProxy::Url("http://user:pa55word@proxy.internal:3128".into());
        app.set_proxy(with_password.clone()).unwrap();
        assert_eq!(app.proxy(), Some(&with_password));
        let shown = format!("{app:?} {with_password:?}");
        assert!(
            !shown.contains("pa55word") && !shown.contains("user"),
            "{shown}"
        );
        assert!(shown.contains("http://proxy.internal:3128"), "{shown}");

        let refused = app
            .set_proxy(BCProxy::Url("http://[::1".into()))
            .unwrap_err();
        assert!(matches!(refused, crate::BCError::NotConfigured { .. }));
        assert_eq!(
            app.proxy(),
            Some(&with_password),
            "unchanged after a refusal"
        );

        app.set_agent(ureq::Agent::new_with_defaults());
        assert_eq!(app.proxy(), None);
        app.configure_agent(|config| config.max_idle_connections(2));
        assert_eq!(app.proxy(), Some(&BCProxy::FromEnv));
    }
}
