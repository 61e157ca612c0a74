//! SMS pass-codes, card records and identity checks: `/2/sms`, `/2/auth`,
//! the card ids a subscription and the card-signing routes share, and the SMS-code test hook.

use serde_json::Map;
use uuid::Uuid;

use super::accounts::{Card, Sms, Subscriptions};
use super::core::{ApiError, Call, Reply, md5_hex, payload, require};
use super::store::Store;
use super::validate::new_id;

/// How long an SMS code stays usable: 30 minutes of emulator clock (the emulator's choice; no source says).
pub(crate) const SMS_TTL_MS: i64 = 30 * 60 * 1000;

/// A stable, UUID-shaped id derived from `parts` (so the same card always gets the same `card_id`).
fn stable_id(parts: &[&str]) -> String {
    let hex = md5_hex(&parts.join("\u{1f}"));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `card_id` of a card. The bank name is left out (the emulator's choice): it follows from the card number, and
/// leaving it out lets the `card_id` from a 4-factor `/2/auth` match the one a subscription on the same card gets.
pub(crate) fn card_id_of(
    app_id: &str,
    card_no: &str,
    id_name: &str,
    id_no: &str,
    mobile: Option<&str>,
) -> String {
    stable_id(&[
        "card",
        app_id,
        card_no,
        id_name,
        id_no,
        mobile.unwrap_or(""),
    ])
}

/// A non-empty optional string field, owned.
pub(crate) fn opt_string(call: &Call, name: &str) -> Result<Option<String>, ApiError> {
    Ok(call.str(name)?.filter(|s| !s.is_empty()).map(str::to_owned))
}

/// The card fields of a subscribe/update request.
pub(crate) struct CardFields {
    pub(crate) bank_name: Option<String>,
    pub(crate) card_no: Option<String>,
    pub(crate) id_name: Option<String>,
    pub(crate) id_no: Option<String>,
    pub(crate) mobile: Option<String>,
}

impl CardFields {
    pub(crate) const NAMES: [&'static str; 5] =
        ["bank_name", "card_no", "id_name", "id_no", "mobile"];

    pub(crate) fn read(call: &Call) -> Result<Self, ApiError> {
        Ok(CardFields {
            bank_name: opt_string(call, "bank_name")?,
            card_no: opt_string(call, "card_no")?,
            id_name: opt_string(call, "id_name")?,
            id_no: opt_string(call, "id_no")?,
            mobile: opt_string(call, "mobile")?,
        })
    }

    pub(crate) fn any(&self) -> bool {
        [
            &self.bank_name,
            &self.card_no,
            &self.id_name,
            &self.id_no,
            &self.mobile,
        ]
        .iter()
        .any(|f| f.is_some())
    }
}

/// Registers (or refreshes) the card described by complete `fields`, returning its `card_id`.
pub(crate) fn register_card(subs: &mut Subscriptions, app_id: &str, fields: CardFields) -> String {
    let (card_no, id_name, id_no) = (
        fields.card_no.unwrap_or_default(),
        fields.id_name.unwrap_or_default(),
        fields.id_no.unwrap_or_default(),
    );
    let card_id = card_id_of(app_id, &card_no, &id_name, &id_no, fields.mobile.as_deref());
    let verified = subs.cards.get(&card_id).is_some_and(|c| c.verified);
    let card = Card {
        app_id: app_id.to_owned(),
        bank_name: fields.bank_name,
        card_no,
        id_name,
        id_no,
        mobile: fields.mobile,
        verified,
    };
    subs.cards.insert(card_id.clone(), card);
    card_id
}

pub(crate) fn known_card<'a>(
    subs: &'a Subscriptions,
    app_id: &str,
    card_id: &str,
) -> Result<&'a Card, ApiError> {
    subs.cards
        .get(card_id)
        .filter(|c| c.app_id == app_id)
        .ok_or_else(|| ApiError::invalid("card_id", "no such card"))
}

/// The index of the unused, unexpired SMS `sms_id` of this app whose code is `sms_code` (sent to `mobile` when
/// the subscription names one).
pub(crate) fn find_sms(
    subs: &Subscriptions,
    call: &Call,
    sms_id: &str,
    sms_code: &str,
    mobile: Option<&str>,
) -> Result<usize, ApiError> {
    let index = subs
        .sms
        .iter()
        .position(|s| s.id == sms_id && s.app_id == call.app_id)
        .ok_or_else(|| ApiError::invalid("sms_id", "no such sms"))?;
    let sms = &subs.sms[index];
    if sms.used {
        return Err(ApiError::invalid("sms_code", "already used"));
    }
    if call.now_ms.saturating_sub(sms.sent_ms) > SMS_TTL_MS {
        return Err(ApiError::invalid("sms_code", "expired"));
    }
    if sms.code != sms_code {
        return Err(ApiError::invalid("sms_code", "does not match"));
    }
    if mobile.is_some_and(|m| m != sms.phone) {
        return Err(ApiError::invalid(
            "sms_id",
            "was sent to another phone than mobile",
        ));
    }
    Ok(index)
}

pub(crate) fn is_mobile(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// POST /2/sms `phone` ⇒ `sms_id`; the 6-digit code is readable through [`last_sms_code`].
pub(crate) fn send_sms(store: &mut Store, call: &Call) -> Reply {
    require(call, &["phone"])?;
    let phone = call.req_str("phone")?;
    if !is_mobile(phone) {
        return Err(ApiError::invalid(
            "phone",
            "must be an 11-digit mainland mobile number",
        ));
    }
    let id = new_id();
    send_code(store, call, &id, phone);
    Ok(payload("sms_id", id))
}

/// "Sends" a fresh 6-digit code to `phone` under the message id `id` (readable through [`last_sms_code`]).
pub(crate) fn send_code(store: &mut Store, call: &Call, id: &str, phone: &str) {
    let code = format!("{:06}", Uuid::new_v4().as_u128() % 1_000_000);
    store.subscriptions.sms.push(Sms {
        id: id.to_owned(),
        app_id: call.app_id.to_owned(),
        phone: phone.to_owned(),
        code,
        sent_ms: call.now_ms,
        used: false,
    });
}

/// Why an identity tuple fails verification, if it does. The emulator's rule (no source gives one): it fails
/// exactly when a factor is malformed (an ID number that is not 15 digits or 17 digits plus a digit or X, a card
/// number that is not 12–19 digits, a mobile that is not 11 digits starting with 1), so tests can produce both
/// outcomes.
pub(crate) fn implausible(
    id_no: &str,
    card_no: Option<&str>,
    mobile: Option<&str>,
) -> Option<&'static str> {
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    // Bytes, not string slices: the input may be any UTF-8.
    let id_ok = match id_no.as_bytes() {
        id if id.len() == 15 => digits(id),
        [head @ .., last] if head.len() == 17 => {
            digits(head) && matches!(last, b'0'..=b'9' | b'X' | b'x')
        }
        _ => false,
    };
    if !id_ok {
        return Some("身份证号与姓名不匹配");
    }
    if card_no.is_some_and(|c| !(12..=19).contains(&c.len()) || !digits(c.as_bytes())) {
        return Some("银行卡号与身份信息不匹配");
    }
    if mobile.is_some_and(|m| !is_mobile(m)) {
        return Some("手机号与银行卡预留手机号不匹配");
    }
    None
}

/// POST /2/auth `{name, id_no, card_no?, mobile?}` ⇒ `card_id` (when `card_no` is given), `auth_result`,
/// `auth_msg`. A failed check is still result_code 0, with `auth_result` false and the reason [emu default].
pub(crate) fn verify_card_factors(store: &mut Store, call: &Call) -> Reply {
    require(call, &["name", "id_no"])?;
    let name = call.req_str("name")?;
    let id_no = call.req_str("id_no")?;
    let card_no = call.str("card_no")?.filter(|s| !s.is_empty());
    let mobile = call.str("mobile")?.filter(|s| !s.is_empty());
    let subs = &mut store.subscriptions;
    let failure = implausible(id_no, card_no, mobile);
    let mut out = Map::new();
    if let (None, Some(card_no)) = (failure, card_no) {
        let fields = CardFields {
            bank_name: None,
            card_no: Some(card_no.to_owned()),
            id_name: Some(name.to_owned()),
            id_no: Some(id_no.to_owned()),
            mobile: mobile.map(str::to_owned),
        };
        // Keep a bank name learnt from an earlier subscription on the same card.
        let card_id = card_id_of(call.app_id, card_no, name, id_no, mobile);
        let bank_name = subs.cards.get(&card_id).and_then(|c| c.bank_name.clone());
        let card_id = register_card(
            subs,
            call.app_id,
            CardFields {
                bank_name,
                ..fields
            },
        );
        out.insert("card_id".into(), card_id.into());
    }
    out.insert("auth_result".into(), failure.is_none().into());
    out.insert("auth_msg".into(), failure.unwrap_or("OK").into());
    Ok(out)
}

/// Test hook: the newest SMS code sent to `phone` (by any app), used or not.
pub(crate) fn last_sms_code(store: &Store, phone: &str) -> Option<String> {
    store
        .subscriptions
        .sms
        .iter()
        .rev()
        .find(|s| s.phone == phone)
        .map(|s| s.code.clone())
}
