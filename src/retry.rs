//! [`BCRetry`]: opt-in retries that cannot double-charge. Queries (GET) are retried on transport
//! failures, timeouts and 5xx answers; writes only when nothing was sent; every attempt stays
//! inside the call's overall deadline.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::BCError;

/// Retries of a [`BCApp`](crate::BCApp) (`bc_app.retry = Some(BCRetry::default())`; off by
/// default). What each operation does under it:
///
/// - **Queries sent as GET** (`query_bills`, `query_bill_by_id`, `query_refunds`,
///   `query_refund_status`, `query_transfers`, `query_plans`, `query_subscription_by_id`, the bank
///   lists, `find_bill_by_no`… and the confirmation query of `receive_webhook`): retried after a
///   connection failure ([`BCError::Connect`]), a transport failure ([`BCError::Transport`]), a
///   timeout ([`BCError::Timeout`]) or a 5xx answer ([`BCError::HttpStatus`]). A GET changes
///   nothing, so asking again is harmless.
/// - **Writes** (every POST, PUT and DELETE: `pay`, `refund`, the transfers and payouts,
///   `subscribe`, plan changes, `send_sms_passcode`…, and the POST queries
///   `query_offline_bill_status` and `query_reconciliation`): retried **only** after
///   [`BCError::Connect`], when no connection was opened and nothing was sent. After any other
///   failure the server may have acted: the error reaches the caller
///   ([`BCError::outcome_unknown`]), who resolves it with `find_bill_by_no` and its siblings.
/// - Never retried: a server's answer ([`BCError::Api`], including a duplicate number), a
///   redirect, an unreadable body, local refusals.
///
/// Waits between attempts grow exponentially from `first_backoff` up to `max_backoff`, each
/// shortened by a random part of up to half (so many clients do not retry in step), and no attempt
/// starts or runs past the call's overall deadline
/// ([`BCTimeout::deadline`](crate::entity::BCTimeout::deadline)): the whole call, retries
/// included, takes at most that long.
///
/// ```
/// use std::time::Duration;
/// use beecloud::entity::{BCApp, BCRetry};
///
/// let mut bc_app = BCApp::default();
/// bc_app.retry = Some(BCRetry::default()); // 3 attempts, 100 ms then 200 ms apart (at most)
/// bc_app.retry = Some(BCRetry::new(5, Duration::from_millis(50), Duration::from_secs(1)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BCRetry {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Wait before the second attempt (before jitter).
    pub first_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for BCRetry {
    /// 3 attempts, waits of 100 ms then 200 ms (at most; 2 s cap).
    fn default() -> Self {
        BCRetry::new(3, Duration::from_millis(100), Duration::from_secs(2))
    }
}

impl BCRetry {
    /// `max_attempts` attempts in all, waits from `first_backoff` doubling up to `max_backoff`.
    pub fn new(max_attempts: u32, first_backoff: Duration, max_backoff: Duration) -> Self {
        BCRetry {
            max_attempts: max_attempts.max(1),
            first_backoff,
            max_backoff,
        }
    }

    /// The wait after attempt `attempt` (1-based): the exponential step, shortened by up to half.
    fn backoff(&self, attempt: u32) -> Duration {
        let step = self
            .first_backoff
            .saturating_mul(1u32 << (attempt - 1).min(20))
            .min(self.max_backoff);
        // Jitter from the clock's nanoseconds: enough to spread clients apart, no dependency.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let kept = 0.5 + f64::from(nanos % 1000) / 2000.0;
        step.mul_f64(kept)
    }
}

/// Whether a failed attempt may be repeated: anything for a GET whose failure is the network's or
/// a 5xx; only a connection never opened for a write.
fn may_repeat(is_get: bool, error: &BCError) -> bool {
    match error {
        BCError::Connect { .. } => true,
        BCError::Transport { .. } | BCError::Timeout { .. } => is_get,
        BCError::HttpStatus { status, .. } => is_get && *status >= 500,
        // A clear answer, a local refusal, or an answer the server may have acted on and that a
        // second attempt would not read differently.
        BCError::Api { .. }
        | BCError::NotSupportedInTestMode { .. }
        | BCError::OnlyInTestMode { .. }
        | BCError::InvalidParams { .. }
        | BCError::NotConfigured { .. }
        | BCError::Redirect { .. }
        | BCError::InvalidResponse { .. }
        | BCError::UnreadableSuccess { .. }
        | BCError::BodyTooLarge { .. }
        | BCError::InvalidWebhook { .. }
        | BCError::WebhookAmountMismatch { .. }
        | BCError::WeChat { .. } => false,
    }
}

/// Runs `attempt` (given the time left before `deadline`) once, or as `retry` allows.
pub(crate) fn attempts<R>(
    retry: Option<BCRetry>,
    is_get: bool,
    started: Instant,
    deadline: Duration,
    mut attempt: impl FnMut(Duration) -> (Option<u16>, Result<R, BCError>),
) -> (Option<u16>, Result<R, BCError>) {
    let mut made = 1;
    loop {
        let left = deadline.saturating_sub(started.elapsed());
        let outcome = attempt(left);
        let Some(retry) = retry else {
            return outcome;
        };
        let repeat = match &outcome.1 {
            Err(error) => made < retry.max_attempts && may_repeat(is_get, error),
            Ok(_) => false,
        };
        if !repeat {
            return outcome;
        }
        let wait = retry.backoff(made);
        // The next attempt must start, and have some time to run, before the deadline.
        if started.elapsed() + wait + wait.min(Duration::from_millis(10)) >= deadline {
            return outcome;
        }
        std::thread::sleep(wait);
        made += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_keeps_at_least_half() {
        let retry = BCRetry::new(10, Duration::from_millis(100), Duration::from_millis(300));
        for (attempt, full) in [(1, 100), (2, 200), (3, 300), (9, 300)] {
            let wait = retry.backoff(attempt);
            assert!(
                wait >= Duration::from_millis(full / 2) && wait <= Duration::from_millis(full),
                "{attempt}: {wait:?}"
            );
        }
        assert_eq!(
            BCRetry::new(0, Duration::ZERO, Duration::ZERO).max_attempts,
            1
        );
    }

    #[test]
    fn writes_repeat_only_what_was_never_sent() {
        let connect = BCError::Connect {
            server: "127.0.0.1:9".into(),
            source: "refused".into(),
        };
        let timeout = BCError::Timeout {
            server: "127.0.0.1:9".into(),
            source: "late".into(),
        };
        assert!(may_repeat(false, &connect) && may_repeat(true, &connect));
        assert!(!may_repeat(false, &timeout) && may_repeat(true, &timeout));
    }
}
