//! Feature `log`: one line per BeeCloud call through the [`log`](https://docs.rs/log) facade, target
//! `beecloud` — operation, method, path (no query), status, `result_code`, duration. Never a
//! secret, `app_sign`, query or body: only the values named here are formatted.

use std::time::Instant;

use crate::error::BCError;
use crate::results::BCResult;

/// Logs the call that started at `started` (Info when it succeeded, Warn otherwise); `url` is cut
/// to its path. Without the feature this does nothing and compiles away.
#[cfg_attr(not(feature = "log"), allow(unused_variables))]
#[inline]
pub(crate) fn record<T>(
    operation: &str,
    method: &str,
    url: &str,
    status: Option<u16>,
    result: &Result<BCResult<T>, BCError>,
    started: Instant,
) {
    #[cfg(feature = "log")]
    {
        let level = if result.is_ok() {
            log::Level::Info
        } else {
            log::Level::Warn
        };
        if !log::log_enabled!(target: "beecloud", level) {
            return;
        }
        let result_code = match result {
            Ok(result) => Some(result.result_code),
            Err(error) => error.result_code(),
        };
        log::log!(
            target: "beecloud",
            level,
            "{operation} {method} {path} status={status} result_code={result_code} {ms:.1}ms",
            path = path_of(url),
            status = status.map_or("-".to_string(), |status| status.to_string()),
            result_code = result_code.map_or("-".to_string(), |code| code.to_string()),
            ms = started.elapsed().as_secs_f64() * 1000.0,
        );
    }
}

/// `/2/rest/bill` of `https://host/2/rest/bill?para=…`.
#[cfg(feature = "log")]
fn path_of(url: &str) -> &str {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    let after_scheme = without_query
        .split_once("://")
        .map_or(without_query, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or("/", |slash| &after_scheme[slash..])
}

#[cfg(all(test, feature = "log"))]
mod tests {
    use super::path_of;

    #[test]
    fn paths_lose_host_and_query() {
        assert_eq!(
            path_of("https://api.beecloud.cn/2/rest/bills?para=%7B%22app_sign%22%7D"),
            "/2/rest/bills"
        );
        assert_eq!(
            path_of("http://127.0.0.1:9/2/rest/bill/ID%201"),
            "/2/rest/bill/ID%201"
        );
        assert_eq!(path_of("http://127.0.0.1:9"), "/");
    }
}
