//! The params structs of Python's `beecloud.subscribe`: a plan and a subscription, which are
//! also the records the plan and subscription queries return.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::params::{WireParams, default_value, params};
use crate::sensitive::SensitiveText;

params! {
    /// A subscription plan: the parameter of `create_plan` and the record queries return
    /// (Python's `BCPlan`).
    BCPlan {
        /// Record id (response only).
        id: String,
        /// Amount per period in fen (0 = free).
        fee: i64,
        /// `day`, `week`, `month` or `year`.
        interval: String,
        /// Name.
        name: String,
        /// Currency, only `CNY`.
        currency: String,
        /// Intervals per period (default 1; a period is at most a year).
        interval_count: i64,
        /// Trial days before the first charge.
        trial_days: i64,
        /// Free-form data.
        optional: Map<String, Value>,
        /// Whether the plan is active (response only).
        valid: bool,
    }
}

params! {
    /// A subscription: the parameter of `subscribe` / `update_subscription` and the record queries
    /// return (Python's `BCSubscription`).
    BCSubscription {
        /// Record id (response only).
        id: String,
        /// The subscriber's id in the merchant's system.
        buyer_id: String,
        /// The plan.
        plan_id: String,
        /// A card verified before (instead of the five card fields).
        card_id: String,
        /// Bank name, from `query_subscription_payment_supported_banks`.
        bank_name: String,
        /// Card number (never returned).
        card_no: SensitiveText,
        /// Name on the ID card.
        id_name: String,
        /// ID card number.
        id_no: SensitiveText,
        /// Phone bound to the card.
        mobile: String,
        /// Multiplier of the plan's fee per charge (default 1). A whole value is sent as a JSON
        /// integer (`2.0` ⇒ `2`), as Python sends `amount=2`.
        #[serde(serialize_with = "whole_as_integer")]
        amount: f64,
        /// Coupon applied (response only).
        coupon_id: String,
        /// End of the trial, ms (overrides the plan's trial days).
        trial_end: i64,
        /// Free-form data.
        optional: Map<String, Value>,
        /// Last four digits of the card (response only).
        last4: Value,
        /// Status (response only).
        status: String,
        /// Active now (`false`: wait for the verification webhook).
        valid: bool,
    }
}

/// Serialises a whole `f64` as a JSON integer (Python's `json.dumps(2)` is `2`, Rust's `2.0`).
fn whole_as_integer<S: serde::Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match *value {
        Some(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
            serializer.serialize_i64(number as i64)
        }
        Some(number) => serializer.serialize_f64(number),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)] // Python-style field-by-field filling is the point.
mod tests {
    use super::*;
    use crate::params::to_fields;
    use serde_json::json;

    fn sent(subscription: &BCSubscription) -> Map<String, Value> {
        to_fields(subscription).unwrap().to_map().unwrap()
    }

    #[test]
    fn debug_never_shows_card_or_id_numbers() {
        let mut subscription = BCSubscription::default();
        subscription.card_no = Some("6222020200112233447".into());
        subscription.id_no = Some("320101199001010011".into());
        let shown = format!("{subscription:?}");
        assert!(shown.contains("<redacted>"), "{shown}");
        for number in ["62220202001122", "320101199001010011"] {
            assert!(!shown.contains(number), "{shown} shows {number}");
        }
        // They still travel in full.
        assert_eq!(sent(&subscription)["id_no"], "320101199001010011");
    }

    #[test]
    fn whole_amounts_are_sent_as_integers() {
        let mut subscription = BCSubscription::default();
        subscription.amount = Some(2.0);
        assert_eq!(sent(&subscription)["amount"], json!(2));
        assert!(sent(&subscription)["amount"].is_i64());
        subscription.amount = Some(2.5);
        assert_eq!(sent(&subscription)["amount"], json!(2.5));
    }

    #[test]
    fn records_keep_unknown_keys() {
        let plan: BCPlan =
            serde_json::from_value(json!({"id": "p1", "fee": 100, "anti_duplicate": true}))
                .unwrap();
        assert_eq!(plan.fee, Some(100));
        assert_eq!(plan.extra["anti_duplicate"], true);
    }
}
