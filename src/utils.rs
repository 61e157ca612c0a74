//! Helpers of Python's `beecloud.utils`: SMS codes, card-factor checks, order numbers, local and
//! Beijing timestamps, WeChat OAuth, signatures and webhook verification.
//!
//! ## Which clock
//!
//! BeeCloud checks one number against *its* calendar: a `refund_no` must begin with today's date in
//! Beijing (UTC+8). Build it with [`order_num_on_beijing_datetime`]; [`order_num_on_datetime`] uses
//! the host's zone (as Python does) and fails on a UTC host from 16:00 to 24:00. Bill, transfer and
//! batch numbers only need to be unique, so either works for them.

use chrono::{
    DateTime, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use serde_json::{Map, Value};

use crate::app::BCApp;
use crate::error::{BCError, reason_phrase};
use crate::fields::percent_encode;
use crate::http;
use crate::operations as op;
use crate::results::{BCResult, CardFactorsResult, SmsResult};

pub use crate::sign::{app_sign, subscription_webhook_sign, webhook_signature};
pub use crate::webhook::{
    BCLegacySign, BCSignSecret, BCTransactionType, BCWebhook, BCWebhookForm, LEGACY_SIGN_TOLERANCE,
    WEBHOOK_CHANNELS, WEBHOOK_SUCCESS, verify_legacy_sign_webhook, verify_webhook,
};
pub use crate::webhook_dedup::{BCMemoryDedup, BCWebhookDedup, BCWebhookKey};
pub use crate::webhook_receipt::{
    BCConfirmed, BCConfirmedFailure, BCConfirmedRecord, BCWebhookReceipt, WEBHOOK_FAIL,
    receive_webhook,
};

/// The REST root of the production API, `https://api.beecloud.cn/2/` (Python's `get_rest_root_url`).
pub fn get_rest_root_url() -> String {
    format!("{}/2/", crate::app::BEECLOUD_API_HOST)
}

/// Sends an SMS code to `phone` (`POST /2/sms`): `result.sms_id`, for `subscribe`.
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let sms = beecloud::utils::send_sms_passcode(&bc_app, "13800000000")?;
/// println!("{}", sms.sms_id);
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// Besides [those of every operation](crate#errors):
/// - `5 PARAM_INVALID` also for a malformed phone number.
pub fn send_sms_passcode(bc_app: &BCApp, phone: &str) -> Result<BCResult<SmsResult>, BCError> {
    http::call(bc_app, &op::send_sms_passcode, None, || {
        Ok(Map::from_iter([("phone".to_string(), Value::from(phone))]))
    })
}

/// Verifies a person's identity factors (`POST /2/auth`): name and ID number (2 factors), plus the
/// card number (3), plus the phone bound to it (4).
///
/// ```no_run
/// # let bc_app = beecloud::BCApp::default();
/// let result = beecloud::utils::verify_card_factors(&bc_app, "name", "id number", Some("card number"), None)?;
/// println!("{:?}", result.auth_result);
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// None of its own: only [those of every operation](crate#errors).
pub fn verify_card_factors(
    bc_app: &BCApp,
    name: &str,
    id_no: &str,
    card_no: Option<&str>,
    mobile: Option<&str>,
) -> Result<BCResult<CardFactorsResult>, BCError> {
    http::call(bc_app, &op::verify_card_factors, None, || {
        let mut fields = Map::from_iter([
            ("name".to_string(), Value::from(name)),
            ("id_no".to_string(), id_no.into()),
        ]);
        if let Some(card_no) = card_no {
            fields.insert("card_no".into(), card_no.into());
        }
        if let Some(mobile) = mobile {
            fields.insert("mobile".into(), mobile.into());
        }
        Ok(fields)
    })
}

/// The local time as `yyyyMMddHHmmss` + milliseconds, 17 digits (e.g. `20261129163612536`): a valid
/// `bill_no`, `batch_no` or transfer number. Not unique within one millisecond.
///
/// This is Python's helper, in the host's time zone. For a `refund_no` use
/// [`order_num_on_beijing_datetime`]: BeeCloud requires it to start with Beijing's date.
///
/// ```
/// let bill_no = beecloud::utils::order_num_on_datetime();
/// assert_eq!(bill_no.len(), 17);
/// ```
pub fn order_num_on_datetime() -> String {
    order_num(&Local::now())
}

/// Beijing time's offset from UTC: Asia/Shanghai has kept UTC+8 without daylight saving since
/// 1991, so a fixed offset is exact and needs no time-zone database.
pub const BEIJING_UTC_OFFSET: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The current time in Beijing (UTC+8), whatever the host's time zone.
pub fn beijing_now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&BEIJING_UTC_OFFSET)
}

/// Today's date in Beijing (UTC+8): the date BeeCloud checks a `refund_no` against.
pub fn beijing_today() -> NaiveDate {
    beijing_now().date_naive()
}

/// [`order_num_on_datetime`] in Beijing time: `yyyyMMddHHmmss` + milliseconds, 17 digits, starting
/// with Beijing's date on any host. Use it for `refund_no` (date + a 9-digit serial, as BeeCloud
/// requires); it is as good as the local one for `bill_no`. Not unique within one millisecond.
///
/// ```
/// use beecloud::utils::{beijing_today, order_num_on_beijing_datetime};
///
/// let refund_no = order_num_on_beijing_datetime();
/// // (a test run across Beijing's midnight could see two different days)
/// # let refund_no = beijing_today().format("%Y%m%d").to_string() + &refund_no[8..];
/// assert!(refund_no.starts_with(&beijing_today().format("%Y%m%d").to_string()));
/// ```
pub fn order_num_on_beijing_datetime() -> String {
    order_num(&beijing_now())
}

fn order_num<Tz: TimeZone>(now: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    now.format("%Y%m%d%H%M%S%3f").to_string()
}

/// Milliseconds since the epoch of a local wall-clock time. Unlike Python, the offset in force *at
/// `dt`* is used, so dates across a DST change are right; a time skipped by a DST change uses the
/// offset before it, a repeated one its first occurrence.
pub fn local_timestamp_since_epoch(dt: NaiveDateTime) -> i64 {
    match Local.from_local_datetime(&dt) {
        LocalResult::Single(local) | LocalResult::Ambiguous(local, _) => local.timestamp_millis(),
        LocalResult::None => {
            let offset = Local.offset_from_utc_datetime(&dt).fix().local_minus_utc();
            (dt - chrono::Duration::seconds(offset.into()))
                .and_utc()
                .timestamp_millis()
        }
    }
}

/// The WeChat OAuth URL that sends the payer back to `redirect_url` with a `code` (for WX_JSAPI's
/// `openid`).
pub fn fetch_code(wx_app_id: &str, redirect_url: &str) -> String {
    format!(
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope=snsapi_base&state={}",
        percent_encode(wx_app_id, true),
        percent_encode(redirect_url, true),
        percent_encode("STATE#wechat_redirect", true),
    )
}

/// The WeChat URL that exchanges an OAuth `code` for the payer's openid.
pub fn create_fetch_open_id_url(wx_app_id: &str, wx_app_secret: &str, code: &str) -> String {
    open_id_url(crate::app::WECHAT_API_HOST, wx_app_id, wx_app_secret, code)
}

fn open_id_url(host: &str, wx_app_id: &str, wx_app_secret: &str, code: &str) -> String {
    format!(
        "{}/sns/oauth2/access_token?appid={}&secret={}&grant_type=authorization_code&code={}",
        host.trim_end_matches('/'),
        percent_encode(wx_app_id, true),
        percent_encode(wx_app_secret, true),
        percent_encode(code, true),
    )
}

/// Exchanges an OAuth `code` for the payer's openid (GET, with the SDK's default timeouts) at
/// [`WECHAT_API_HOST`](crate::entity::WECHAT_API_HOST), with the default transport (the
/// environment's proxy). [`fetch_open_id_with`] takes an app's transport and host instead.
///
/// ```no_run
/// let openid = beecloud::utils::fetch_open_id("wx app id", "wx app secret", "code from the redirect")?;
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// As [`fetch_open_id_with`].
pub fn fetch_open_id(wx_app_id: &str, wx_app_secret: &str, code: &str) -> Result<String, BCError> {
    fetch_open_id_with(&BCApp::default(), wx_app_id, wx_app_secret, code)
}

/// [`fetch_open_id`] through `bc_app`'s connection pool and proxy, at `bc_app.wechat_api_host`
/// (a stand-in in tests; only the scheme and host are taken from it).
///
/// ```no_run
/// use beecloud::entity::BCApp;
///
/// let mut bc_app = BCApp::default();
/// bc_app.wechat_api_host = "http://127.0.0.1:8901".into();
/// let openid = beecloud::utils::fetch_open_id_with(&bc_app, "wx app id", "wx app secret", "code")?;
/// # Ok::<(), beecloud::BCError>(())
/// ```
///
/// # Errors
///
/// WeChat's error object (`errcode`, `errmsg`) is [`BCError::WeChat`]; a non-200 status is
/// [`BCError::HttpStatus`], a body that is not JSON [`BCError::InvalidResponse`], a network
/// failure or timeout [`BCError::Transport`] / [`BCError::Timeout`]; a `wechat_api_host` that is
/// not an `http(s)://` URL is [`BCError::NotConfigured`] (nothing is sent).
pub fn fetch_open_id_with(
    bc_app: &BCApp,
    wx_app_id: &str,
    wx_app_secret: &str,
    code: &str,
) -> Result<String, BCError> {
    let host = bc_app.wechat_api_host.as_str();
    if !(host.starts_with("http://") || host.starts_with("https://")) {
        return Err(BCError::NotConfigured {
            what: "wechat_api_host (an http:// or https:// URL)",
        });
    }
    let url = open_id_url(host, wx_app_id, wx_app_secret, code);
    let (status, body) = http::get(bc_app.agent(), &url)?;
    open_id_from_reply(status, &body)
}

fn open_id_from_reply(status: u16, body: &[u8]) -> Result<String, BCError> {
    let text = || String::from_utf8_lossy(body).into_owned();
    if status != 200 {
        return Err(BCError::HttpStatus {
            status,
            reason: reason_phrase(status),
            body: text(),
        });
    }
    let reply: Map<String, Value> =
        serde_json::from_slice(body).map_err(|source| BCError::InvalidResponse {
            status,
            problem: "the body is not a JSON object",
            body: text(),
            source: Some(source),
        })?;
    if let Some(Value::String(openid)) = reply.get("openid") {
        return Ok(openid.clone());
    }
    Err(BCError::WeChat {
        errcode: reply.get("errcode").and_then(Value::as_i64).unwrap_or(-1),
        errmsg: reply
            .get("errmsg")
            .and_then(Value::as_str)
            .unwrap_or("no openid in the reply")
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wechat_urls_match_python() {
        assert_eq!(
            fetch_code(
                "wx119a2bda81854ae0",
                "http://pythondemo.beecloud.cn/bill?channel=WX_JSAPI"
            ),
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx119a2bda81854ae0&redirect_uri=http%3A%2F%2Fpythondemo.beecloud.cn%2Fbill%3Fchannel%3DWX_JSAPI&response_type=code&scope=snsapi_base&state=STATE%23wechat_redirect"
        );
        assert_eq!(
            create_fetch_open_id_url("wxid", "sec ret", "CODE+/=中"),
            "https://api.weixin.qq.com/sns/oauth2/access_token?appid=wxid&secret=sec+ret&grant_type=authorization_code&code=CODE%2B%2F%3D%E4%B8%AD"
        );
    }

    #[test]
    fn open_id_replies() {
        assert_eq!(
            open_id_from_reply(200, br#"{"openid":"o3kK","access_token":"t"}"#).unwrap(),
            "o3kK"
        );
        let err =
            open_id_from_reply(200, br#"{"errcode":40029,"errmsg":"invalid code"}"#).unwrap_err();
        assert!(matches!(err, BCError::WeChat { errcode: 40029, .. }));
        assert!(matches!(
            open_id_from_reply(502, b"bad gateway"),
            Err(BCError::HttpStatus { status: 502, .. })
        ));
        assert!(matches!(
            open_id_from_reply(200, b"<html>"),
            Err(BCError::InvalidResponse { .. })
        ));
    }

    #[test]
    fn order_numbers_are_17_digits() {
        for number in [order_num_on_datetime(), order_num_on_beijing_datetime()] {
            assert_eq!(number.len(), 17, "{number}");
            assert!(number.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn beijing_numbers_use_utc_plus_8_in_any_host_zone() {
        // 16:30 UTC is already the next day in Beijing: the hour the local helper failed refunds.
        let late_utc = Utc.with_ymd_and_hms(2026, 12, 1, 16, 30, 5).unwrap();
        let beijing = late_utc.with_timezone(&BEIJING_UTC_OFFSET);
        assert_eq!(order_num(&beijing), "20261202003005000");
        assert_eq!(order_num(&late_utc), "20261201163005000");
        let offset_now = beijing_now().offset().local_minus_utc();
        assert_eq!(offset_now, 8 * 3600);
        let expected_day = (Utc::now() + chrono::Duration::hours(8)).date_naive();
        // Equal unless Beijing's midnight passed between the two readings.
        let today = beijing_today();
        assert!(today == expected_day || today.succ_opt() == Some(expected_day));
    }
}
