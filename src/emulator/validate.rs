//! Field rules shared by the payment-side handlers and the channel sets per endpoint.

use serde_json::{Map, Value};

use super::core::{ApiError, CHANNEL_INVALID, Call, PAY_FACTOR_NOT_SET};
pub(crate) use super::core::{beijing_date, new_id};
use super::store::Store;

pub(crate) const PAY_CHANNELS: &[&str] = &[
    "WX_APP",
    "WX_WAP",
    "WX_NATIVE",
    "WX_JSAPI",
    "WX_MINI",
    "ALI_APP",
    "ALI_WEB",
    "ALI_QRCODE",
    "ALI_WAP",
    "UN_APP",
    "UN_WEB",
    "UN_WAP",
    "APPLE",
    "APPLE_TEST",
    "PAYPAL_SANDBOX",
    "PAYPAL_LIVE",
    "JD_WAP",
    "JD_WEB",
    "YEE_WAP",
    "YEE_WEB",
    "YEE_NOBANKCARD",
    "KUAIQIAN_WAP",
    "KUAIQIAN_WEB",
    "BD_APP",
    "BD_WEB",
    "BD_WAP",
    "BC_GATEWAY",
    "BC_EXPRESS",
    "BC_APP",
    "BC_NATIVE",
    "BC_WX_WAP",
    "BC_WX_JSAPI",
    "BC_ALI_QRCODE",
    "BC_ALI_APP",
    "BC_ALI_WAP",
    "BC_ALI_WEB",
    "BC_WX_APP",
    "BC_ALI_JSAPI",
    "BC_WX_MINI",
    // Channels only the other official SDKs (PHP, Java) send.
    "BC_QQ_NATIVE",
    "BC_JD_QRCODE",
    "JD_B2B",
    "BC_CARD_CHARGE",
    "CP",
    "CP_WEB",
];
pub(crate) const OFFLINE_CHANNELS: &[&str] = &[
    "WX_NATIVE",
    "WX_SCAN",
    "ALI_OFFLINE_QRCODE",
    "ALI_SCAN",
    "BC_ALI_SCAN",
    "BC_WX_SCAN",
    "BC_ALI_QRCODE",
    "BC_SCAN",
];
/// Offline channels where the cashier scans the payer's code (`auth_code` required, `pay_result` answered).
pub(crate) const SCAN_CHANNELS: &[&str] = &[
    "WX_SCAN",
    "ALI_SCAN",
    "BC_WX_SCAN",
    "BC_ALI_SCAN",
    "BC_SCAN",
];
pub(crate) const REVERT_CHANNELS: &[&str] = &["WX_SCAN", "ALI_OFFLINE_QRCODE", "ALI_SCAN"];
pub(crate) const INTERNATIONAL_CHANNELS: &[&str] = &[
    "PAYPAL_PAYPAL",
    "PAYPAL_CREDITCARD",
    "PAYPAL_SAVED_CREDITCARD",
];
pub(crate) const PARENT_CHANNELS: &[&str] = &[
    "WX", "ALI", "UN", "JD", "YEE", "KUAIQIAN", "BD", "PAYPAL", "BC",
];
/// With `BC`, which the REST doc leaves out: PHP accepts it and iOS sends it, the parent of a BC_* bill.
pub(crate) const REFUND_PARENTS: &[&str] =
    &["WX", "ALI", "UN", "KUAIQIAN", "BD", "JD", "YEE", "BC"];
pub(crate) const REFUND_STATUS_PARENTS: &[&str] = &["WX", "YEE", "KUAIQIAN", "BD"];
pub(crate) const OFFLINE_REFUND_PARENTS: &[&str] = &["ALI", "WX", "BC"];
pub(crate) const CURRENCIES: &[&str] = &[
    "AUD", "BRL", "CAD", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN", "TWD",
    "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "TRY", "USD",
];
pub(crate) const YEE_CARD_KINDS: &[&str] = &[
    "JUNNET",
    "SNDACARD",
    "SZX",
    "ZHENGTU",
    "QQCARD",
    "UNICOM",
    "JIUYOU",
    "YICHONGCARD",
    "NETEASE",
    "WANMEI",
    "SOHU",
    "TELECOM",
    "ZONGYOU",
    "TIANXIA",
    "TIANHONG",
    "THIRTYTWOCARD",
];

/// The parent of a channel: the text before the first `_` (`BC_WX_SCAN` ⇒ `BC`, `WX` ⇒ `WX`).
pub(crate) fn parent(channel: &str) -> &str {
    channel.split('_').next().unwrap_or(channel)
}

/// The required `channel`: absent ⇒ 4, outside `allowed` ⇒ 3.
pub(crate) fn required_channel<'c>(call: &'c Call, allowed: &[&str]) -> Result<&'c str, ApiError> {
    let channel = call.req_str("channel")?;
    check_channel(channel, allowed)?;
    Ok(channel)
}

/// An optional `channel`, which must be in `allowed` when present.
pub(crate) fn optional_channel<'c>(
    call: &'c Call,
    allowed: &[&str],
) -> Result<Option<&'c str>, ApiError> {
    match call.str("channel")?.filter(|c| !c.is_empty()) {
        Some(channel) => check_channel(channel, allowed).map(|()| Some(channel)),
        None => Ok(None),
    }
}

/// An optional parent `channel` from `parents`; a sub-channel of one of them is accepted too (the Python demo
/// sends `ALI_SCAN` to offline refunds).
pub(crate) fn optional_parent_channel<'c>(
    call: &'c Call,
    parents: &[&str],
) -> Result<Option<&'c str>, ApiError> {
    match call.str("channel")?.filter(|c| !c.is_empty()) {
        Some(channel) => check_channel(parent(channel), parents).map(|()| Some(parent(channel))),
        None => Ok(None),
    }
}

fn check_channel(channel: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&channel) {
        Ok(())
    } else {
        Err(ApiError::new(
            CHANNEL_INVALID,
            format!("channel {channel} is not valid here"),
        ))
    }
}

/// Code 2 when a live channel is switched off (the sandbox exists to try channels before they are approved).
pub(crate) fn channel_enabled(store: &Store, call: &Call, channel: &str) -> Result<(), ApiError> {
    if call.ns == super::core::Namespace::Live && store.disabled_channels.contains(channel) {
        return Err(ApiError::new(
            PAY_FACTOR_NOT_SET,
            format!("channel {channel} is not configured for this app"),
        ));
    }
    Ok(())
}

/// `^[0-9A-Za-z]{min,max}$`
pub(crate) fn alnum(value: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A required alphanumeric field of `min..=max` characters.
pub(crate) fn alnum_field<'c>(
    call: &'c Call,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'c str, ApiError> {
    let value = call.req_str(name)?;
    if alnum(value, min, max) {
        Ok(value)
    } else {
        Err(ApiError::invalid(
            name,
            &format!("must be {min} to {max} letters or digits"),
        ))
    }
}

/// A required integer > 0.
pub(crate) fn positive(call: &Call, name: &str) -> Result<i64, ApiError> {
    let value = call.req_int(name)?;
    if value > 0 {
        Ok(value)
    } else {
        Err(ApiError::invalid(name, "must be > 0"))
    }
}

/// `title`: non-empty, at most 32 bytes of UTF-8.
pub(crate) fn title<'c>(call: &'c Call) -> Result<&'c str, ApiError> {
    let title = call.req_str("title")?;
    if title.len() > 32 {
        return Err(ApiError::invalid(
            "title",
            "must be at most 32 bytes (UTF-8)",
        ));
    }
    Ok(title)
}

/// A string field of at most `max` characters.
pub(crate) fn max_chars<'c>(
    call: &'c Call,
    name: &str,
    max: usize,
) -> Result<Option<&'c str>, ApiError> {
    let value = call.str(name)?;
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(ApiError::invalid(
            name,
            &format!("must be at most {max} characters"),
        ));
    }
    Ok(value)
}

/// An optional `http://` / `https://` URL.
/// `http://host…` or `https://host…` (any case), with no control characters or spaces.
pub(crate) fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with(['/', '?', '#'])
            && !url.chars().any(|c| c.is_control() || c.is_whitespace())
    })
}

pub(crate) fn http_url<'c>(call: &'c Call, name: &str) -> Result<Option<&'c str>, ApiError> {
    match call.str(name)? {
        Some(url) if is_http_url(url) => Ok(Some(url)),
        Some(_) => Err(ApiError::invalid(
            name,
            "must be an http:// or https:// URL with a host (no javascript:, data:, file: or relative URLs)",
        )),
        None => Ok(None),
    }
}

/// The `optional` map (absent ⇒ `{}`).
pub(crate) fn optional_map(call: &Call) -> Result<Value, ApiError> {
    Ok(Value::Object(
        call.map("optional")?.cloned().unwrap_or_default(),
    ))
}

/// A required string key inside a nested object.
pub(crate) fn nested_str<'m>(
    map: &'m Map<String, Value>,
    outer: &str,
    key: &str,
) -> Result<&'m str, ApiError> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            Err(ApiError::missing(&format!("{outer}.{key}")))
        }
        Some(_) => Err(ApiError::invalid(
            &format!("{outer}.{key}"),
            "must be a string",
        )),
    }
}

/// `refund_no`: the request day (yyyyMMdd, UTC+8 on the emulator clock) + 3–24 letters/digits, serial not `000`.
pub(crate) fn refund_no<'c>(call: &'c Call) -> Result<&'c str, ApiError> {
    let refund_no = call.req_str("refund_no")?;
    let bad = |why: &str| Err(ApiError::invalid("refund_no", why));
    if !refund_no.is_ascii()
        || !alnum(refund_no, 11, 32)
        || !refund_no[..8].bytes().all(|b| b.is_ascii_digit())
    {
        return bad("must be yyyyMMdd followed by 3 to 24 letters or digits");
    }
    if &refund_no[8..] == "000" {
        return bad("the serial after the date must not be 000");
    }
    if refund_no[..8] != beijing_date(call.now_ms) {
        return bad(&format!(
            "must start with today's date {} (UTC+8)",
            beijing_date(call.now_ms)
        ));
    }
    Ok(refund_no)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_and_dates() {
        assert_eq!(parent("BC_WX_SCAN"), "BC");
        assert_eq!(parent("WX"), "WX");
        assert_eq!(parent("ALI_OFFLINE_QRCODE"), "ALI");
        // 2017-08-25 12:00 in Beijing; 2017-08-24 16:00 UTC is already the 25th there.
        assert_eq!(beijing_date(1_503_633_600_000), "20170825");
        assert_eq!(beijing_date(1_503_590_400_000), "20170825");
        assert!(alnum("abc123XYZ", 8, 32));
        assert!(!alnum("abc-1234", 8, 32));
    }
}
