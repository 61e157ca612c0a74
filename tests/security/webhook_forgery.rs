//! Forged webhooks, one test per trick: a replayed legacy `sign` pair turned into a payment or a
//! refund, live pushes carrying only `sign`, stale and future stamps, `sign` as a fallback for a bad
//! `signature`, fields re-split across the signature's boundaries, undocumented types, channels and
//! fees. Genuine pushes are signed here with an independent MD5. The one-call receiver, which also
//! confirms every push by a query, is tested in tests/security/webhook_receipt.rs.

use crate::support;

use std::time::Duration;

use beecloud::BCError;
use beecloud::entity::{BCApp, BCChannelType};
use beecloud::utils::{
    BCLegacySign, BCSignSecret, BCTransactionType, BCWebhookForm, verify_legacy_sign_webhook,
    verify_webhook,
};
use serde_json::{Value, json};
use support::{APP_ID, APP_SECRET, MASTER_SECRET, TEST_SECRET, md5_hex, now_ms};

fn app() -> BCApp {
    let mut app = BCApp::new(APP_ID, APP_SECRET, MASTER_SECRET);
    app.test_secret = TEST_SECRET.into();
    app
}

/// The same app in test mode: the only one that deals with the sandbox and its test-secret pushes.
fn test_mode_app() -> BCApp {
    let mut app = app();
    app.is_test_mode = true;
    app
}

/// A genuine current-form push.
fn signed(kind: &str, id: &str, channel: &str, fee: i64) -> Value {
    json!({
        "signature": md5_hex(&format!("{APP_ID}{id}{kind}{channel}{fee}{MASTER_SECRET}")),
        "timestamp": now_ms(), "channel_type": channel, "sub_channel_type": format!("{channel}_NATIVE"),
        "transaction_type": kind, "transaction_id": id, "transaction_fee": fee,
        "trade_success": true, "message_detail": {}, "optional": {},
    })
}

/// A legacy push: `sign` = md5(app_id + secret + timestamp), no `signature`.
fn sign_only(kind: &str, sub_channel: &str, id: &str, fee: i64, secret: &str, stamp: i64) -> Value {
    json!({
        "sign": md5_hex(&format!("{APP_ID}{secret}{stamp}")), "timestamp": stamp,
        "channel_type": "BC", "sub_channel_type": sub_channel, "transaction_type": kind,
        "transaction_id": id, "transaction_fee": fee, "trade_success": true, "message_detail": {},
    })
}

fn bytes(push: &Value) -> Vec<u8> {
    push.to_string().into_bytes()
}

fn assert_forged(result: Result<beecloud::utils::BCWebhook, BCError>, what: &str) {
    assert!(
        matches!(result, Err(BCError::InvalidWebhook { .. })),
        "{what}: {result:?}"
    );
}

#[test]
fn a_captured_sign_pair_cannot_become_a_payment_or_a_refund() {
    let legacy = BCLegacySign::default();
    let genuine = sign_only(
        "SUBSCRIPTION",
        "BC_SUBSCRIPTION",
        "sub-1",
        0,
        APP_SECRET,
        now_ms(),
    );
    verify_legacy_sign_webhook(&app(), &bytes(&genuine), &legacy).unwrap();
    // The same (timestamp, sign) on a PAY of any bill for 99999999 fen, and on a REFUND.
    for (kind, sub_channel) in [
        ("PAY", "BC_WX_SCAN"),
        ("PAY", "WX_NATIVE"),
        ("REFUND", "BC_NATIVE"),
    ] {
        let mut forged = genuine.clone();
        forged["transaction_type"] = json!(kind);
        forged["sub_channel_type"] = json!(sub_channel);
        forged["transaction_id"] = json!("201712011200001");
        forged["transaction_fee"] = json!(99_999_999);
        assert_forged(
            verify_legacy_sign_webhook(&app(), &bytes(&forged), &legacy),
            kind,
        );
        assert_forged(verify_webhook(&app(), &bytes(&forged)), kind);
    }
}

#[test]
fn live_pushes_that_carry_only_sign_are_refused() {
    let legacy = BCLegacySign::default();
    for kind in ["PAY", "REFUND", "TRANSFER", "SIGN"] {
        let push = sign_only(
            kind,
            "BC_NATIVE",
            "201712011200001",
            100,
            APP_SECRET,
            now_ms(),
        );
        assert_forged(
            verify_legacy_sign_webhook(&app(), &bytes(&push), &legacy),
            kind,
        );
    }
    // A subscription's verification is the legacy form's, and the result says what it proves.
    let push = sign_only(
        "SUBSCRIPTION",
        "BC_SUBSCRIPTION",
        "sub-1",
        0,
        APP_SECRET,
        now_ms(),
    );
    let webhook = verify_legacy_sign_webhook(&app(), &bytes(&push), &legacy).unwrap();
    assert_eq!(webhook.form, BCWebhookForm::LegacySign(BCSignSecret::App));
    assert_eq!(webhook.transaction_type, BCTransactionType::Subscription);
    // Sandbox pushes: the test secret, any documented type, for a test-mode app; the app secret
    // does not make them.
    let sandbox = BCLegacySign::new(BCSignSecret::Test);
    let push = sign_only(
        "PAY",
        "BC_WX_SCAN",
        "201712011200001",
        1,
        TEST_SECRET,
        now_ms(),
    );
    let webhook = verify_legacy_sign_webhook(&test_mode_app(), &bytes(&push), &sandbox).unwrap();
    assert_eq!(webhook.form, BCWebhookForm::LegacySign(BCSignSecret::Test));
    assert_forged(
        verify_legacy_sign_webhook(&app(), &bytes(&push), &legacy),
        "test-signed push checked as live",
    );
    let mut no_test_secret = test_mode_app();
    no_test_secret.test_secret.clear();
    assert!(matches!(
        verify_legacy_sign_webhook(&no_test_secret, &bytes(&push), &sandbox),
        Err(BCError::NotConfigured { .. })
    ));
}

/// The test secret ships inside mobile apps and signs only sandbox pushes, which
/// only a test-mode app deals with; a live app refuses such a push whatever it claims.
#[test]
fn a_test_secret_sign_is_refused_by_a_live_app() {
    let sandbox = BCLegacySign::new(BCSignSecret::Test);
    for kind in ["PAY", "REFUND", "TRANSFER", "SUBSCRIPTION", "SIGN"] {
        let push = bytes(&sign_only(
            kind,
            "BC_NATIVE",
            "ORDER-42",
            88_800,
            TEST_SECRET,
            now_ms(),
        ));
        assert_forged(
            verify_legacy_sign_webhook(&app(), &push, &sandbox),
            &format!("live app, test-secret {kind}"),
        );
        let webhook = verify_legacy_sign_webhook(&test_mode_app(), &push, &sandbox).unwrap();
        assert_eq!(webhook.form, BCWebhookForm::LegacySign(BCSignSecret::Test));
    }
}

/// `sub_channel_type` is covered by no signature: a PAY labelled `BC_SUBSCRIPTION` and signed
/// with the app secret (which anyone with the mobile app has) proves nothing about a payment.
#[test]
fn an_app_secret_pay_labelled_as_a_subscription_charge_is_refused() {
    let legacy = BCLegacySign::default();
    for id in ["ORDER-42", "sub-1"] {
        let push = sign_only("PAY", "BC_SUBSCRIPTION", id, 88_800, APP_SECRET, now_ms());
        assert_forged(
            verify_legacy_sign_webhook(&app(), &bytes(&push), &legacy),
            &format!("PAY {id} labelled BC_SUBSCRIPTION"),
        );
    }
}

#[test]
fn a_stale_or_future_sign_is_refused_and_the_tolerance_is_configurable() {
    let push = |offset_ms: i64| {
        bytes(&sign_only(
            "SUBSCRIPTION",
            "BC_SUBSCRIPTION",
            "sub-1",
            0,
            APP_SECRET,
            now_ms() + offset_ms,
        ))
    };
    let legacy = BCLegacySign::default();
    for fine in [-200_000, -1_000, 0, 1_000, 200_000] {
        verify_legacy_sign_webhook(&app(), &push(fine), &legacy).unwrap();
    }
    for stale in [-400_000, 400_000, -86_400_000] {
        assert_forged(
            verify_legacy_sign_webhook(&app(), &push(stale), &legacy),
            &format!("{stale} ms"),
        );
    }
    let mut strict = BCLegacySign::default();
    strict.tolerance = Some(Duration::from_secs(10));
    assert_forged(
        verify_legacy_sign_webhook(&app(), &push(-60_000), &strict),
        "60 s with a 10 s tolerance",
    );
    let mut unbounded = BCLegacySign::default();
    unbounded.tolerance = None;
    verify_legacy_sign_webhook(&app(), &push(-86_400_000), &unbounded).unwrap();
    // The timestamp is the signed text: another one does not verify.
    let mut moved: Value = serde_json::from_slice(&push(0)).unwrap();
    moved["timestamp"] = json!(now_ms() + 5);
    assert_forged(
        verify_legacy_sign_webhook(&app(), &bytes(&moved), &legacy),
        "re-stamped",
    );
}

#[test]
fn sign_is_never_a_fallback_for_a_bad_signature() {
    let legacy = BCLegacySign::default();
    let mut push = sign_only(
        "SUBSCRIPTION",
        "BC_SUBSCRIPTION",
        "sub-1",
        0,
        APP_SECRET,
        now_ms(),
    );
    push["signature"] = json!("00000000000000000000000000000000");
    assert_forged(
        verify_legacy_sign_webhook(&app(), &bytes(&push), &legacy),
        "bad signature + good sign",
    );
    push["signature"] = json!(null);
    assert_forged(
        verify_legacy_sign_webhook(&app(), &bytes(&push), &legacy),
        "null signature",
    );
    // And the current entry point never looks at `sign`.
    push.as_object_mut().unwrap().remove("signature");
    assert_forged(verify_webhook(&app(), &bytes(&push)), "sign only");
}

#[test]
fn fields_cannot_be_re_split_across_the_signature() {
    // A genuine WX push of 100 fen, re-cut into channel WX10 and fee 0: same MD5 input.
    let genuine = signed("PAY", "201712011200001", "WX", 100);
    verify_webhook(&app(), &bytes(&genuine)).unwrap();
    let mut recut = genuine.clone();
    recut["channel_type"] = json!("WX10");
    recut["transaction_fee"] = json!(0);
    assert_forged(verify_webhook(&app(), &bytes(&recut)), "WX10 / 0");
    // A PAY for id X re-cut into id XPAY with an empty type.
    let mut recut = genuine.clone();
    recut["transaction_id"] = json!("201712011200001PAY");
    recut["transaction_type"] = json!("");
    assert_forged(verify_webhook(&app(), &bytes(&recut)), "XPAY / ''");
    // Or moving the channel into the type.
    let mut recut = genuine.clone();
    recut["transaction_type"] = json!("PAYWX");
    recut["channel_type"] = json!("");
    assert_forged(verify_webhook(&app(), &bytes(&recut)), "PAYWX / ''");
}

#[test]
fn undocumented_types_channels_and_fees_are_refused_even_when_signed() {
    // Signed with the real master secret, so only the validation can refuse them.
    let cases = [
        ("pay", "WX", json!(1)),
        ("CHARGEBACK", "WX", json!(1)),
        ("PAY", "WX_NATIVE", json!(1)),
        ("PAY", "wx", json!(1)),
        ("PAY", "", json!(1)),
        ("PAY", "WX", json!(-1)),
        ("PAY", "WX", json!(1.0)),
        ("PAY", "WX", json!("1")),
        ("PAY", "WX", json!(u64::MAX)),
    ];
    for (kind, channel, fee) in cases {
        let rendered = match &fee {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let mut push = signed("PAY", "201712011200001", "WX", 1);
        push["signature"] = json!(md5_hex(&format!(
            "{APP_ID}201712011200001{kind}{channel}{rendered}{MASTER_SECRET}"
        )));
        push["transaction_type"] = json!(kind);
        push["channel_type"] = json!(channel);
        push["transaction_fee"] = fee.clone();
        assert_forged(
            verify_webhook(&app(), &bytes(&push)),
            &format!("{kind} {channel} {fee}"),
        );
    }
    for kind in ["PAY", "REFUND", "TRANSFER", "SUBSCRIPTION", "SIGN"] {
        for channel in [
            "WX", "ALI", "UN", "KUAIQIAN", "JD", "BD", "YEE", "PAYPAL", "BC",
        ] {
            let webhook = verify_webhook(&app(), &bytes(&signed(kind, "t-1", channel, 0))).unwrap();
            assert_eq!(webhook.transaction_type.as_str(), kind);
            assert_eq!(webhook.channel_type, BCChannelType::from(channel));
        }
    }
}

#[test]
fn debug_of_a_push_redacts_to_sign() {
    let mut push = sign_only(
        "SUBSCRIPTION",
        "BC_SUBSCRIPTION",
        "sub-1",
        0,
        APP_SECRET,
        now_ms(),
    );
    push["toSign"] = json!(format!("{APP_ID}{APP_SECRET}"));
    let webhook =
        verify_legacy_sign_webhook(&app(), &bytes(&push), &BCLegacySign::default()).unwrap();
    let shown = format!("{webhook:?}");
    assert!(!shown.contains(APP_SECRET), "{shown}");
    assert_eq!(
        webhook.raw["toSign"],
        json!(format!("{APP_ID}{APP_SECRET}"))
    );
}

/// Seeded mutations of a genuine push: any change to a signed field (`transaction_id`,
/// `transaction_type`, `channel_type`, `transaction_fee`) or to `signature` — another value,
/// another type, or gone — is refused; a change to an unsigned field may verify, but the signed
/// fields it reports stay the genuine ones. Garbage bodies are refused, and nothing panics.
#[test]
fn seeded_mutations_of_a_genuine_push_never_verify_other_signed_values() {
    use support::garbage::{Rng, garbage};
    const SIGNED: &[&str] = &[
        "transaction_id",
        "transaction_type",
        "channel_type",
        "transaction_fee",
        "signature",
    ];
    const UNSIGNED: &[&str] = &[
        "timestamp",
        "sub_channel_type",
        "trade_success",
        "message_detail",
        "optional",
        "sign",
        "retryCounter",
    ];
    let keys: Vec<&str> = SIGNED.iter().chain(UNSIGNED).copied().collect();
    let app = app();
    let genuine = signed("PAY", "201506101035040000001", "WX", 100);
    assert!(verify_webhook(&app, &bytes(&genuine)).is_ok());
    let mut rng = Rng(0x5eed_0000_00fe_b00c);
    let (mut refused, mut verified) = (0, 0);
    for case in 0..4000 {
        let mut push = genuine.clone();
        let fields = push.as_object_mut().unwrap();
        let key = *rng.pick(if case % 2 == 0 { SIGNED } else { UNSIGNED });
        let before = fields.get(key).cloned();
        let after = if rng.below(6) == 0 {
            None
        } else {
            Some(garbage(&mut rng, 2, &keys))
        };
        match &after {
            None => fields.remove(key),
            Some(value) => fields.insert(key.to_owned(), value.clone()),
        };
        let result = verify_webhook(&app, &bytes(&push));
        let changed = before != after;
        match result {
            Ok(webhook) => {
                assert!(
                    !(SIGNED.contains(&key) && changed),
                    "case {case}: {key} {before:?} -> {after:?} still verified"
                );
                assert_eq!(webhook.transaction_id, "201506101035040000001");
                assert_eq!(webhook.transaction_type, BCTransactionType::Pay);
                assert_eq!(webhook.channel_type, BCChannelType::WX);
                assert_eq!(webhook.transaction_fee, 100);
                verified += 1;
            }
            Err(error) => {
                assert!(
                    matches!(error, BCError::InvalidWebhook { .. }),
                    "case {case}: {error:?}"
                );
                refused += 1;
            }
        }
    }
    assert!(
        refused > 2000 && verified > 100,
        "{refused} refused, {verified} verified"
    );

    // Whole bodies of garbage, and garbage bytes: refused by both checks, no panic.
    for case in 0..2000 {
        let body = if case % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            bytes(&garbage(&mut rng, 3, &keys))
        };
        assert!(verify_webhook(&app, &body).is_err(), "case {case}");
        assert!(
            verify_legacy_sign_webhook(
                &test_mode_app(),
                &body,
                &BCLegacySign::new(BCSignSecret::Test)
            )
            .is_err(),
            "case {case}"
        );
    }
}
