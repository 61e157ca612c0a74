//! The emulator's behaviour switches by name ("knobs"): where the official SDKs and BeeCloud's docs disagree,
//! and the choices where both are silent, of
//! [`EmulatorConfig`] that a client in another language must be able to turn too. One table reaches
//! them for the binary's `--knob NAME=VALUE`, `GET`/`POST /__emulator/knobs`,
//! [`EmulatorConfig::set_knob`] and [`Emulator::set_knob`](super::Emulator::set_knob).
//!
//! Credentials, the bind address, the control token and the limits are not knobs: they are fixed
//! when the server starts.

use std::time::Duration;

use serde_json::{Map, Value};

use super::config::EmulatorConfig;
use super::error::EmulatorError;

/// A knob's place in the config, and how its value reads and writes as JSON.
enum Slot {
    Switch(fn(&mut EmulatorConfig) -> &mut bool),
    /// `Option<Duration>` as whole milliseconds or `null`.
    OptionalMillis(fn(&mut EmulatorConfig) -> &mut Option<Duration>),
    /// `Duration` as whole milliseconds.
    Millis(fn(&mut EmulatorConfig) -> &mut Duration),
    /// A positive, finite factor.
    Factor(fn(&mut EmulatorConfig) -> &mut f64),
    /// `Option<Vec<String>>` as a list of strings or `null`.
    OptionalNames(fn(&mut EmulatorConfig) -> &mut Option<Vec<String>>),
}

use Slot::{Factor, Millis, OptionalMillis, OptionalNames, Switch};

/// Every knob: its name (the config field's; `sandbox_notify.*` for the nested rules) and slot.
#[rustfmt::skip]
const KNOBS: &[(&str, Slot)] = &[
    ("scan_pays_immediately", Switch(|c| &mut c.scan_pays_immediately)),
    ("timestamp_window_ms", OptionalMillis(|c| &mut c.timestamp_window)),
    ("webhook_first_delay_ms", Millis(|c| &mut c.webhook_first_delay)),
    ("webhook_time_scale", Factor(|c| &mut c.webhook_time_scale)),
    ("sandbox_push_signature", Switch(|c| &mut c.sandbox_push_signature)),
    ("sandbox_live_payloads", Switch(|c| &mut c.sandbox_live_payloads)),
    ("push_transfer_failures", Switch(|c| &mut c.push_transfer_failures)),
    ("bank_list_copy_as_banks", Switch(|c| &mut c.bank_list_copy_as_banks)),
    ("ios_sandbox_routes", Switch(|c| &mut c.ios_sandbox_routes)),
    ("restamp_retries", Switch(|c| &mut c.restamp_retries)),
    ("strict_bc_transfer_secret", Switch(|c| &mut c.strict_bc_transfer_secret)),
    ("strict_query_limit", Switch(|c| &mut c.strict_query_limit)),
    ("accept_legacy_gateway_codes", Switch(|c| &mut c.accept_legacy_gateway_codes)),
    ("card_signing_waits", Switch(|c| &mut c.card_signing_waits)),
    ("subscription_push_extras", Switch(|c| &mut c.subscription_push_extras)),
    ("gateway_return_url_always", Switch(|c| &mut c.gateway_return_url_always)),
    ("gateway_b2b_banks", OptionalNames(|c| &mut c.gateway_b2b_banks)),
    ("sandbox_notify.resend_paid", Switch(|c| &mut c.sandbox_notify.resend_paid)),
    ("sandbox_notify.pay_expired", Switch(|c| &mut c.sandbox_notify.pay_expired)),
    ("sandbox_notify.pay_live_bills", Switch(|c| &mut c.sandbox_notify.pay_live_bills)),
];

impl EmulatorConfig {
    /// Sets the knob `name` (a behaviour switch: `strict_query_limit`, `sandbox_notify.pay_expired`,
    /// `timestamp_window_ms`… — [`knobs`](EmulatorConfig::knobs) lists them) to a JSON value.
    ///
    /// ```
    /// # use beecloud::emulator::EmulatorConfig;
    /// let mut config = EmulatorConfig::default();
    /// config.set_knob("strict_query_limit", true.into())?;
    /// assert!(config.strict_query_limit);
    /// assert!(config.set_knob("strict_query_limit", "yes".into()).is_err());
    /// # Ok::<(), beecloud::emulator::EmulatorError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`EmulatorError`] (nothing changed) for an unknown name or a value of the wrong kind.
    pub fn set_knob(&mut self, name: &str, value: Value) -> Result<(), EmulatorError> {
        set(self, name, &value)
    }

    /// Sets a knob from `NAME=VALUE` text, as the binary's `--knob` takes it: VALUE is JSON
    /// (`true`, `250`, `null`, `["中国银行"]`), or else a comma-separated list of names.
    ///
    /// # Errors
    ///
    /// [`EmulatorError`] (nothing changed) for text without `=`, an unknown name or a bad value.
    pub fn set_knob_from_text(&mut self, assignment: &str) -> Result<(), EmulatorError> {
        let (name, value) = parse_assignment(assignment)?;
        set(self, &name, &value)
    }

    /// Every knob and its value, as `GET /__emulator/knobs` answers them.
    pub fn knobs(&self) -> Map<String, Value> {
        values(self)
    }
}

/// Every knob's name, in the table's order.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    KNOBS.iter().map(|(name, _)| *name)
}

/// Every knob and its current value.
pub(crate) fn values(config: &EmulatorConfig) -> Map<String, Value> {
    // The slots hand out `&mut`; read them on a copy.
    let mut config = config.clone();
    KNOBS
        .iter()
        .map(|(name, slot)| {
            let value = match slot {
                Switch(field) => Value::from(*field(&mut config)),
                OptionalMillis(field) => field(&mut config).map_or(Value::Null, millis),
                Millis(field) => millis(*field(&mut config)),
                Factor(field) => Value::from(*field(&mut config)),
                OptionalNames(field) => field(&mut config).clone().map_or(Value::Null, Value::from),
            };
            (name.to_string(), value)
        })
        .collect()
}

fn millis(duration: Duration) -> Value {
    Value::from(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// Sets knob `name` to `value` (JSON: `true`, `250`, `null`, `["中国银行"]`…). An unknown name or
/// a value of the wrong kind changes nothing and says what the knob takes.
pub(crate) fn set(
    config: &mut EmulatorConfig,
    name: &str,
    value: &Value,
) -> Result<(), EmulatorError> {
    let Some((_, slot)) = KNOBS.iter().find(|(known, _)| *known == name) else {
        return Err(EmulatorError::bad_input(format!(
            "no knob `{name}`; the knobs are: {}",
            names().collect::<Vec<_>>().join(", ")
        )));
    };
    let wrong = |takes: &str| EmulatorError::bad_input(format!("knob `{name}` takes {takes}"));
    match slot {
        Switch(field) => *field(config) = value.as_bool().ok_or_else(|| wrong("true or false"))?,
        OptionalMillis(field) => {
            *field(config) = match value {
                Value::Null => None,
                _ => Some(Duration::from_millis(
                    value
                        .as_u64()
                        .ok_or_else(|| wrong("whole milliseconds or null"))?,
                )),
            }
        }
        Millis(field) => {
            *field(config) =
                Duration::from_millis(value.as_u64().ok_or_else(|| wrong("whole milliseconds"))?)
        }
        Factor(field) => {
            *field(config) = value
                .as_f64()
                .filter(|factor| factor.is_finite() && *factor > 0.0)
                .ok_or_else(|| wrong("a number above 0"))?
        }
        OptionalNames(field) => {
            *field(config) = match value {
                Value::Null => None,
                Value::Array(items) => Some(
                    items
                        .iter()
                        .map(|item| item.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| wrong("a list of non-empty strings or null"))?,
                ),
                _ => return Err(wrong("a list of non-empty strings or null")),
            }
        }
    }
    Ok(())
}

/// `NAME=VALUE` as the binary takes it: VALUE is JSON (`true`, `250`, `null`, `["a","b"]`); for
/// convenience a bare text that is not JSON is a list of comma-separated names.
pub(crate) fn parse_assignment(text: &str) -> Result<(String, Value), EmulatorError> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(EmulatorError::bad_input(format!(
            "`{text}` is not NAME=VALUE"
        )));
    };
    let value = serde_json::from_str(value.trim()).unwrap_or_else(|_| {
        Value::from(
            value
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .collect::<Vec<_>>(),
        )
    });
    Ok((name.trim().to_owned(), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::config::SandboxNotifyRules;
    use serde_json::json;

    #[test]
    fn every_knob_reads_and_writes_back_what_it_was_given() {
        let mut config = EmulatorConfig::default();
        let before = values(&config);
        assert_eq!(before.len(), KNOBS.len());
        assert_eq!(before["strict_query_limit"], false);
        assert_eq!(before["timestamp_window_ms"], Value::Null);
        for (name, value) in [
            ("strict_query_limit", json!(true)),
            ("sandbox_notify.pay_expired", json!(true)),
            ("timestamp_window_ms", json!(30_000)),
            ("webhook_first_delay_ms", json!(5)),
            ("webhook_time_scale", json!(0.5)),
            ("gateway_b2b_banks", json!(["中国银行"])),
        ] {
            set(&mut config, name, &value).unwrap();
            assert_eq!(values(&config)[name], value, "{name}");
        }
        assert!(config.strict_query_limit && config.sandbox_notify.pay_expired);
        assert_eq!(config.timestamp_window, Some(Duration::from_secs(30)));
        assert_eq!(config.gateway_b2b_banks, Some(vec!["中国银行".to_string()]));
        set(&mut config, "timestamp_window_ms", &Value::Null).unwrap();
        assert_eq!(config.timestamp_window, None);
    }

    /// A new config field breaks this pattern until someone decides whether it is a knob.
    #[test]
    fn every_behaviour_switch_of_the_config_is_a_knob() {
        let EmulatorConfig {
            // Fixed at start: credentials, seeding, addresses, the token, the limits.
            app_id: _,
            app_secret: _,
            master_secret: _,
            test_secret: _,
            merchant_account: _,
            seed_coupon_templates: _,
            webhook_url: _,
            test_webhook_url: _,
            control_token: _,
            allowed_hosts: _,
            host: _,
            public_url: _,
            port: _,
            limits: _,
            // Knobs.
            webhook_first_delay: _,
            webhook_time_scale: _,
            scan_pays_immediately: _,
            timestamp_window: _,
            sandbox_push_signature: _,
            sandbox_live_payloads: _,
            push_transfer_failures: _,
            bank_list_copy_as_banks: _,
            ios_sandbox_routes: _,
            restamp_retries: _,
            strict_bc_transfer_secret: _,
            strict_query_limit: _,
            accept_legacy_gateway_codes: _,
            card_signing_waits: _,
            subscription_push_extras: _,
            gateway_return_url_always: _,
            gateway_b2b_banks: _,
            sandbox_notify:
                SandboxNotifyRules {
                    resend_paid: _,
                    pay_expired: _,
                    pay_live_bills: _,
                },
        } = EmulatorConfig::default();
        assert_eq!(
            KNOBS.len(),
            17 + 3,
            "17 fields, and the three rules of sandbox_notify"
        );
    }

    #[test]
    fn unknown_names_and_wrong_kinds_change_nothing() {
        let mut config = EmulatorConfig::default();
        for (name, value, says) in [
            (
                "no_such_knob",
                json!(true),
                "the knobs are: scan_pays_immediately",
            ),
            ("strict_query_limit", json!("yes"), "true or false"),
            ("webhook_time_scale", json!(0), "above 0"),
            ("timestamp_window_ms", json!(-1), "milliseconds"),
            ("gateway_b2b_banks", json!(["", "x"]), "non-empty strings"),
            ("app_secret", json!("s"), "no knob"),
        ] {
            let error = set(&mut config, name, &value).unwrap_err();
            assert!(error.to_string().contains(says), "{name}: {error}");
        }
        assert_eq!(values(&config), values(&EmulatorConfig::default()));
    }

    #[test]
    fn assignments_take_json_or_a_comma_list() {
        assert_eq!(
            parse_assignment("strict_query_limit=true").unwrap(),
            ("strict_query_limit".into(), json!(true))
        );
        assert_eq!(
            parse_assignment("gateway_b2b_banks=中国银行, 招商银行")
                .unwrap()
                .1,
            json!(["中国银行", "招商银行"])
        );
        assert_eq!(
            parse_assignment("timestamp_window_ms=null").unwrap().1,
            Value::Null
        );
        assert!(parse_assignment("strict_query_limit").is_err());
    }
}
