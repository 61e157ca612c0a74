//! Card signing for direct debit: Java's `card/sign`, `card/sync_verify` and `card/sync_sign`, the legacy
//! `sign` of PHP/Node, and the SIGN webhook (as the PHP SDK's webhook demo reads it) that ends an
//! asynchronous signing. A signing finishes at once unless [`EmulatorConfig::card_signing_waits`]
//! (then the signing hooks end it).
//!
//! [`EmulatorConfig::card_signing_waits`]: super::EmulatorConfig::card_signing_waits

use serde_json::{Map, Value, json};

use super::core::{ApiError, Call, Reply, new_id, payload, require};
use super::error::EmulatorError;
use super::identity::{card_id_of, find_sms, implausible};
use super::store::{CardSigning, SigningRoute, Store, WebhookEvent};
use super::validate::http_url;

/// The identity fields of `card/sign` and `card/sync_verify`.
const IDENTITY: &[&str] = &["id_name", "id_no", "card_no", "mobile", "bank"];

/// Validates the identity of `card/sign` / `card/sync_verify` and returns its `card_id`; a malformed factor
/// (the rule of `/2/auth`, `identity::implausible`) ⇒ 5.
fn identity_card_id(call: &Call) -> Result<String, ApiError> {
    require(call, IDENTITY)?;
    let (id_no, card_no, mobile) = (
        call.req_str("id_no")?,
        call.req_str("card_no")?,
        call.req_str("mobile")?,
    );
    call.req_str("bank")?;
    if let Some(why) = implausible(id_no, Some(card_no), Some(mobile)) {
        return Err(ApiError::invalid("identity", why));
    }
    Ok(card_id_of(
        call.app_id,
        card_no,
        call.req_str("id_name")?,
        id_no,
        Some(mobile),
    ))
}

/// Starts a signing; finished at once unless the knob makes it wait for a hook.
fn start_signing(
    store: &mut Store,
    call: &Call,
    route: SigningRoute,
    card_id: String,
) -> Result<String, ApiError> {
    let notify_url = http_url(call, "notify_url")?.map(str::to_owned);
    let id = new_id();
    store.card_signings.push(CardSigning {
        id: id.clone(),
        route,
        card_id,
        notify_url,
        finished: false,
    });
    if !store.app.card_signing_waits {
        finish_signing(store, &id, true)
            .map_err(|e| ApiError::invalid("signing", &e.to_string()))?;
    }
    Ok(id)
}

/// POST `card/sign`: verify and sign asynchronously ⇒ `card_id`; the SIGN push names the `card_id`.
pub(crate) fn card_sign(store: &mut Store, call: &Call) -> Reply {
    let card_id = identity_card_id(call)?;
    start_signing(store, call, SigningRoute::CardSign, card_id.clone())?;
    Ok(payload("card_id", card_id))
}

/// POST `card/sync_verify`: verify only, at once ⇒ `card_id` (which `card/sync_sign` may then sign).
pub(crate) fn card_sync_verify(store: &mut Store, call: &Call) -> Reply {
    let card_id = identity_card_id(call)?;
    store.verified_cards.insert(card_id.clone());
    Ok(payload("card_id", card_id))
}

/// POST `card/sync_sign`: sign a verified card at once; unknown `card_id` ⇒ 5.
pub(crate) fn card_sync_sign(store: &mut Store, call: &Call) -> Reply {
    require(call, &["card_id"])?;
    let card_id = call.req_str("card_id")?;
    if !store.verified_cards.contains(card_id) && !store.signed_cards.contains(card_id) {
        return Err(ApiError::invalid(
            "card_id",
            "is not a verified card of this app",
        ));
    }
    store.signed_cards.insert(card_id.to_owned());
    Ok(Map::new())
}

/// POST `sign`: the legacy signing with an SMS code ⇒ `id` (the SIGN push names it) and `card_id`.
pub(crate) fn legacy_sign(store: &mut Store, call: &Call) -> Reply {
    require(
        call,
        &[
            "mobile", "bank", "id_no", "name", "card_no", "sms_id", "sms_code",
        ],
    )?;
    let (mobile, id_no, card_no) = (
        call.req_str("mobile")?,
        call.req_str("id_no")?,
        call.req_str("card_no")?,
    );
    call.req_str("bank")?;
    let sms = find_sms(
        &store.subscriptions,
        call,
        call.req_str("sms_id")?,
        call.req_str("sms_code")?,
        Some(mobile),
    )?;
    if let Some(why) = implausible(id_no, Some(card_no), Some(mobile)) {
        return Err(ApiError::invalid("identity", why));
    }
    store.subscriptions.sms[sms].used = true;
    let card_id = card_id_of(
        call.app_id,
        card_no,
        call.req_str("name")?,
        id_no,
        Some(mobile),
    );
    let id = start_signing(store, call, SigningRoute::Legacy, card_id.clone())?;
    let mut out = payload("id", id);
    out.insert("card_id".into(), card_id.into());
    Ok(out)
}

/// Ends a pending signing (by signing id or `card_id`): success signs the card; either way the SIGN webhook
/// (`transaction_type` SIGN, `channel_type` BC, `sub_channel_type` BC_CARD_CHARGE, fee 0, `signature`
/// only) goes to the request's `notify_url` or the live URL.
pub(crate) fn finish_signing(
    store: &mut Store,
    id_or_card_id: &str,
    success: bool,
) -> Result<(), EmulatorError> {
    let index = store
        .card_signings
        .iter()
        .position(|s| s.id == id_or_card_id && !s.finished)
        .or_else(|| {
            store
                .card_signings
                .iter()
                .position(|s| s.card_id == id_or_card_id && !s.finished)
        })
        .ok_or_else(|| {
            EmulatorError::not_found(format!("no pending card signing {id_or_card_id}"))
        })?;
    let signing = &mut store.card_signings[index];
    signing.finished = true;
    let transaction_id = match signing.route {
        SigningRoute::CardSign => signing.card_id.clone(),
        SigningRoute::Legacy => signing.id.clone(),
    };
    let event = WebhookEvent {
        ns: super::core::Namespace::Live,
        notify_url: signing.notify_url.clone(),
        transaction_type: "SIGN",
        channel_type: "BC".into(),
        sub_channel_type: "BC_CARD_CHARGE".into(),
        transaction_id,
        transaction_fee: 0,
        trade_success: success,
        optional: Value::Object(Map::new()),
        message_detail: json!({ "card_id": signing.card_id, "signing_id": signing.id }),
        channel_transaction_id: String::new(),
        subscription_sign: false,
    };
    if success {
        let card_id = signing.card_id.clone();
        store.signed_cards.insert(card_id);
    }
    store.emit_webhook(event);
    Ok(())
}

/// A BC_CARD_CHARGE pay names a `card_id` signed through `card/*` or `sign` (else 5).
pub(crate) fn check_signed_card(store: &Store, call: &Call) -> Result<(), ApiError> {
    let card_id = call.req_str("card_id")?;
    if store.signed_cards.contains(card_id) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "card_id",
            "is not a card signed for direct debit",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::EmulatorConfig;
    use super::*;

    #[test]
    fn the_sign_push_matches_the_own_vector_of_a5_6() {
        let app = EmulatorConfig {
            app_id: "AID".into(),
            master_secret: "MSEC".into(),
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..EmulatorConfig::default()
        };
        let mut store = Store::new(app.clone(), "http://127.0.0.1:1".into());
        store.card_signings.push(CardSigning {
            id: "sign0001".into(),
            route: SigningRoute::Legacy,
            card_id: "card-1".into(),
            notify_url: None,
            finished: false,
        });
        finish_signing(&mut store, "sign0001", true).unwrap();
        let pushed = store.outbox.snapshot();
        let body = &pushed[0].body;
        assert_eq!(
            body["signature"], "c9abbe85c8b8f2689ada1477dabb3967",
            "{body}"
        );
        assert_eq!(body["transaction_type"], "SIGN");
        assert!(body.get("sign").is_none());
        assert!(store.signed_cards.contains("card-1"));
        assert!(
            finish_signing(&mut store, "sign0001", true).is_err(),
            "finished once"
        );
    }
}
