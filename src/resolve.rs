//! The agent's name resolver: answers IP literals itself and remembers host names for a short
//! while, so a pooled call does not pay for ureq's resolution.
//!
//! ureq resolves the host of every request before it looks in its connection pool, and with any
//! timeout set it does so in a freshly spawned thread (so the lookup can be abandoned). That thread
//! cost more than everything else a pooled call does. Here an IP literal needs no lookup at all and
//! a host name is looked up (by ureq's own resolver, under the call's timeout) at most once per
//! [`CACHE_TTL`]; a failed lookup is never remembered.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host name's addresses are reused before they are looked up again.
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(30);
/// Host names remembered at once (an SDK talks to one or two hosts; the bound keeps memory flat).
const CACHE_ENTRIES: usize = 8;

/// IP literals answered directly, host names cached for [`CACHE_TTL`], the rest left to ureq.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    fallback: DefaultResolver,
    cache: Mutex<Vec<Entry>>,
}

#[derive(Debug)]
struct Entry {
    /// The host as the URI spells it.
    host: String,
    port: u16,
    /// The IP family filter it was resolved under.
    family: ureq::config::IpFamily,
    addrs: ResolvedSocketAddrs,
    until: Instant,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some((host, port)) = host_and_port(uri) else {
            // Unknown scheme or no host: ureq's resolver gives the right error.
            return self.fallback.resolve(uri, config, timeout);
        };
        let family = config.ip_family();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let addr = SocketAddr::new(ip, port);
            if family.keep_wanted(std::iter::once(addr)).next().is_none() {
                return Err(ureq::Error::HostNotFound);
            }
            let mut addrs = self.empty();
            addrs.push(addr);
            return Ok(addrs);
        }
        let now = Instant::now();
        let matches =
            |entry: &Entry| entry.port == port && entry.family == family && entry.host == host;
        if let Some(entry) = self
            .lock()
            .iter()
            .find(|entry| entry.until > now && matches(entry))
        {
            return Ok(entry.addrs.clone());
        }
        let addrs = self.fallback.resolve(uri, config, timeout)?;
        let mut cache = self.lock();
        cache.retain(|entry| entry.until > now && !matches(entry));
        if cache.len() >= CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push(Entry {
            host: host.to_string(),
            port,
            family,
            addrs: addrs.clone(),
            until: now + CACHE_TTL,
        });
        Ok(addrs)
    }
}

impl CachingResolver {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // The cache holds no invariant a panic could break.
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The URI's host and port (the scheme's default if absent), for `http` and `https` only.
fn host_and_port(uri: &Uri) -> Option<(&str, u16)> {
    let default_port = match uri.scheme_str()? {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = uri.authority()?;
    let host = authority.host();
    (!host.is_empty()).then(|| (host, authority.port_u16().unwrap_or(default_port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, uri: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let timeout = NextTimeout {
            after: Duration::from_secs(5).into(),
            ..NextTimeout::default()
        };
        let uri: Uri = uri.parse().unwrap();
        let addrs = resolver.resolve(&uri, &Config::default(), timeout)?;
        Ok(addrs.to_vec())
    }

    #[test]
    fn ip_literals_are_answered_without_a_lookup_or_a_cache_entry() {
        let resolver = CachingResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/2/rest/bill").unwrap(),
            ["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/x").unwrap(),
            ["[::1]:443".parse().unwrap()]
        );
        assert!(resolver.lock().is_empty());
    }

    #[test]
    fn host_names_are_cached_per_port_and_failures_are_not() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:1234/").unwrap();
        assert!(first.iter().all(|addr| addr.port() == 1234), "{first:?}");
        assert_eq!(resolver.lock().len(), 1);
        assert_eq!(
            resolve(&resolver, "http://localhost:1234/a").unwrap(),
            first
        );
        assert_eq!(resolver.lock().len(), 1);
        resolve(&resolver, "http://localhost:99/").unwrap();
        assert_eq!(resolver.lock().len(), 2);

        assert!(resolve(&resolver, "http://no-such-host.invalid/").is_err());
        assert!(resolve(&resolver, "ftp://localhost/").is_err());
        assert_eq!(resolver.lock().len(), 2);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let resolver = CachingResolver::default();
        for port in 1..=3 * CACHE_ENTRIES as u16 {
            resolve(&resolver, &format!("http://localhost:{port}/")).unwrap();
        }
        assert_eq!(resolver.lock().len(), CACHE_ENTRIES);
    }
}
