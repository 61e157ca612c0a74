//! De-duplication of webhook pushes: one `(transaction_type, transaction_id)` is acted on once,
//! however often BeeCloud (or anyone replaying a captured push) sends it.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;

use crate::webhook::BCTransactionType;

/// What one push is about, and the unit of de-duplication: `(transaction_type, transaction_id)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BCWebhookKey {
    /// `PAY`, `REFUND`, `TRANSFER`, `SUBSCRIPTION` or `SIGN`.
    pub transaction_type: BCTransactionType,
    /// The bill, refund or payout number, the subscription or signing id.
    pub transaction_id: String,
}

impl BCWebhookKey {
    /// The key of a push of `transaction_type` about `transaction_id`.
    pub fn new(transaction_type: BCTransactionType, transaction_id: impl Into<String>) -> Self {
        BCWebhookKey {
            transaction_type,
            transaction_id: transaction_id.into(),
        }
    }
}

impl fmt::Display for BCWebhookKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.transaction_type, self.transaction_id)
    }
}

/// Remembers which pushes were acted on, for
/// [`receive_webhook`](crate::utils::receive_webhook).
///
/// The receipt claims a key only once BeeCloud's record has confirmed the push, so a forged push
/// never uses up a key. Implementations must make [`claim`](BCWebhookDedup::claim) atomic: two
/// deliveries of one push may arrive at once, and only one may act.
///
/// A database-backed service usually keeps the claim in the same transaction as the order update
/// (a table with a unique `(transaction_type, transaction_id)`: insert, and treat a unique
/// violation as "already handled"); [`BCMemoryDedup`] suits tests and single-process services.
pub trait BCWebhookDedup {
    /// Records `key` as handled now; `false` when it was recorded before (a repeat: do not act,
    /// answer `success`).
    fn claim(&self, key: &BCWebhookKey) -> bool;

    /// Forgets a claim whose handling failed (the order could not be updated), so that
    /// BeeCloud's next delivery is acted on; answer `fail` to get that delivery.
    fn release(&self, key: &BCWebhookKey);
}

/// An in-memory [`BCWebhookDedup`] remembering the last `capacity` keys (oldest forgotten first),
/// so memory stays bounded whatever arrives.
///
/// A key forgotten after `capacity` newer ones would be acted on again if replayed; BeeCloud's
/// retries span about 36 hours, so size it above the pushes of that period, or keep the "already
/// paid" state in your orders too.
///
/// ```
/// use beecloud::utils::{BCMemoryDedup, BCTransactionType, BCWebhookDedup, BCWebhookKey};
///
/// let seen = BCMemoryDedup::new(10_000);
/// let key = BCWebhookKey::new(BCTransactionType::Pay, "202401010001");
/// assert!(seen.claim(&key));
/// assert!(!seen.claim(&key), "a repeat");
/// seen.release(&key);
/// assert!(seen.claim(&key), "released: acted on again");
/// ```
pub struct BCMemoryDedup {
    capacity: usize,
    keys: Mutex<(HashSet<BCWebhookKey>, VecDeque<BCWebhookKey>)>,
}

impl BCMemoryDedup {
    /// Remembers up to `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        BCMemoryDedup {
            capacity: capacity.max(1),
            keys: Mutex::default(),
        }
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.locked().0.len()
    }

    /// Nothing remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, (HashSet<BCWebhookKey>, VecDeque<BCWebhookKey>)> {
        // A panic elsewhere while holding the lock leaves the sets consistent (each change is one
        // insert or remove), so a poisoned lock is still usable.
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for BCMemoryDedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BCMemoryDedup")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl BCWebhookDedup for BCMemoryDedup {
    fn claim(&self, key: &BCWebhookKey) -> bool {
        let mut guard = self.locked();
        let (set, order) = &mut *guard;
        if !set.insert(key.clone()) {
            return false;
        }
        order.push_back(key.clone());
        while order.len() > self.capacity {
            if let Some(oldest) = order.pop_front() {
                set.remove(&oldest);
            }
        }
        true
    }

    fn release(&self, key: &BCWebhookKey) {
        let mut guard = self.locked();
        let (set, order) = &mut *guard;
        if set.remove(key) {
            order.retain(|kept| kept != key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_oldest_forgotten_first() {
        let seen = BCMemoryDedup::new(3);
        let key = |n: u32| BCWebhookKey::new(BCTransactionType::Pay, format!("bill{n}"));
        for n in 0..10 {
            assert!(seen.claim(&key(n)));
            assert!(seen.len() <= 3);
        }
        assert!(!seen.claim(&key(9)));
        assert!(seen.claim(&key(0)), "forgotten after 3 newer keys");
        // Same id, another type: another key.
        assert!(seen.claim(&BCWebhookKey::new(BCTransactionType::Refund, "bill9")));
    }
}
