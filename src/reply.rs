//! How an answer becomes a result. A well-formed success is decoded in one pass over its bytes: the
//! envelope's three keys are picked out while the payload type reads every other key, and `raw` is
//! only decoded if someone reads it. Anything else goes to [`envelope`], which names the problem
//! as the `BCError` it is; a failure to get an answer is classified by whether anything can have
//! been sent ([`transport_error`]).
//!
//! Parsing into a `serde_json::Value` first (then deserialising the payload from it) cost more
//! than the rest of the call: a 50-bill page is ~1,000 small allocations as a tree.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::error::{BCError, BoxError, reason_phrase};
use crate::results::{BCResult, RawReply};

/// The answer as a result: a success is decoded once ([`success`]); anything else goes to
/// [`envelope`], which names the problem.
pub(crate) fn decode<T: DeserializeOwned>(
    status: u16,
    body: Vec<u8>,
) -> Result<BCResult<T>, BCError> {
    crate::reply::success(status, body).or_else(|body| envelope(status, &body))
}

/// Maps an answer to the result: BeeCloud answers 200 or a 4xx with a `result_code` envelope,
/// anything else is an HTTP failure; a non-zero or missing `result_code` is an error.
fn envelope<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<BCResult<T>, BCError> {
    let text = || String::from_utf8_lossy(body).into_owned();
    if status != 200 && !(400..500).contains(&status) {
        return Err(BCError::HttpStatus {
            status,
            reason: reason_phrase(status),
            body: text(),
        });
    }
    let invalid = |problem, source| BCError::InvalidResponse {
        status,
        problem,
        body: text(),
        source,
    };
    let raw = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(raw)) => raw,
        Ok(_) => return Err(invalid("the body is not a JSON object", None)),
        Err(source) => return Err(invalid("the body is not JSON", Some(source))),
    };
    let result_code = match raw.get("result_code") {
        Some(Value::Number(code)) => code.as_i64(),
        // The subscription docs type the code as a string.
        Some(Value::String(code)) => code.trim().parse().ok(),
        None => return Err(invalid("the body has no result_code", None)),
        Some(_) => None,
    };
    let Some(result_code) = result_code else {
        return Err(invalid("result_code is not an integer", None));
    };
    let text_of = |key: &str| match raw.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let (result_msg, err_detail) = (text_of("result_msg"), text_of("err_detail"));
    if result_code != 0 {
        return Err(BCError::Api {
            result_code,
            result_msg,
            err_detail,
            raw,
            body: text(),
        });
    }
    if status != 200 {
        return Err(invalid(
            "a success envelope came with an error status",
            None,
        ));
    }
    // The server acted: an undecodable payload must not read as a failure of the operation.
    // Straight from the parsed object: one parse, no copy of the tree.
    let data = T::deserialize(&raw).map_err(|source| BCError::UnreadableSuccess {
        raw: raw.clone(),
        body: text(),
        source,
    })?;
    Ok(BCResult {
        result_code,
        result_msg,
        err_detail,
        data,
        raw: raw.into(),
    })
}

/// `Connect` when nothing can have been sent, `Timeout`, `BodyTooLarge`, else `Transport`.
pub(crate) fn transport_error(error: ureq::Error) -> BCError {
    use std::io::ErrorKind;
    enum Kind {
        NotSent,
        TimedOut,
        MaybeSent,
    }
    let kind = match &error {
        ureq::Error::Timeout(_) => Kind::TimedOut,
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut => Kind::TimedOut,
            // A failed host lookup: no connection was ever opened.
            _ if crate::error::is_lookup_failure(io) => Kind::NotSent,
            // What a connect attempt reports; a written request never gets these.
            ErrorKind::ConnectionRefused
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::NetworkDown
            | ErrorKind::AddrNotAvailable => Kind::NotSent,
            _ => Kind::MaybeSent,
        },
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::TlsRequired => Kind::NotSent,
        ureq::Error::BodyExceedsLimit(limit) => return BCError::BodyTooLarge { limit: *limit },
        _ => Kind::MaybeSent,
    };
    // The server is filled in by `redact::about`, which knows the URL.
    let (server, source) = (String::new(), redacted(error));
    match kind {
        Kind::NotSent => BCError::Connect { server, source },
        Kind::TimedOut => BCError::Timeout { server, source },
        Kind::MaybeSent => BCError::Transport { server, source },
    }
}

/// A `Location` fit for error texts: query and fragment (where a signed URL keeps its signature)
/// replaced by `<redacted>`. Not shortened: a cut could leave the start of a secret that
/// `redact::about` would no longer recognise (the HTTP client bounds a header's size).
pub(crate) fn redacted_location(location: &str) -> String {
    match location.find(['?', '#']) {
        Some(at) => format!("{}?<redacted>", &location[..at]),
        None => location.to_string(),
    }
}

/// GET URLs carry `app_sign` (WeChat's, the app secret); an error that quotes the URL is replaced
/// by a copy without it.
fn redacted(error: ureq::Error) -> BoxError {
    let shown = format!("{error} {error:?}");
    if shown.contains("app_sign") || shown.contains("para=") || shown.contains("secret=") {
        Box::new(RedactedError(match error {
            ureq::Error::BadUri(_) => "bad uri",
            ureq::Error::RequireHttpsOnly(_) => "configured for https only",
            _ => "transport error",
        }))
    } else {
        Box::new(error)
    }
}

#[derive(Debug)]
struct RedactedError(&'static str);

impl fmt::Display for RedactedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (details withheld: the url carries a signature)",
            self.0
        )
    }
}

impl std::error::Error for RedactedError {}

/// The result of a 200 answer whose `result_code` is 0 and whose payload has the documented
/// shape; otherwise the body, untouched, for the full diagnosis.
fn success<T: DeserializeOwned>(status: u16, body: Vec<u8>) -> Result<BCResult<T>, Vec<u8>> {
    // Only an object: serde would also accept a JSON array for a struct.
    if status != 200 || !body.trim_ascii_start().starts_with(b"{") {
        return Err(body);
    }
    // UTF-8 checked once for the whole body: `from_slice` checks every string on its own, which
    // cost a sixth of a 50-bill page.
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(body);
    };
    let Ok(Reply { envelope, data }) = serde_json::from_str::<Reply<T>>(text) else {
        return Err(body);
    };
    let [code, result_msg, err_detail] = envelope;
    if code_of(code.as_ref()) != Some(0) {
        return Err(body);
    }
    Ok(BCResult {
        result_code: 0,
        result_msg: text_of(result_msg),
        err_detail: text_of(err_detail),
        data,
        raw: RawReply::new(body),
    })
}

/// `result_code` as a number (the subscription docs type it as a string).
fn code_of(code: Option<&Value>) -> Option<i64> {
    match code? {
        Value::Number(code) => code.as_i64(),
        Value::String(code) => code.trim().parse().ok(),
        _ => None,
    }
}

/// An envelope text: absent or `null` is empty, a non-text is its JSON.
fn text_of(text: Option<Value>) -> String {
    match text {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text,
        Some(other) => other.to_string(),
    }
}

const ENVELOPE: [&str; 3] = ["result_code", "result_msg", "err_detail"];

struct Reply<T> {
    /// `result_code`, `result_msg`, `err_detail`, as sent.
    envelope: [Option<Value>; 3],
    data: T,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Reply<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ReplyVisitor(PhantomData))
    }
}

struct ReplyVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ReplyVisitor<T> {
    type Value = Reply<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Reply<T>, A::Error> {
        let mut envelope = [None, None, None];
        let payload = WithoutEnvelope {
            map,
            envelope: &mut envelope,
        };
        let data = T::deserialize(MapAccessDeserializer::new(payload))?;
        Ok(Reply { envelope, data })
    }
}

/// The reply's entries minus the envelope's, which it stores as it passes them.
struct WithoutEnvelope<'e, A> {
    map: A,
    envelope: &'e mut [Option<Value>; 3],
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutEnvelope<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(Key(key)) = self.map.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            match ENVELOPE.iter().position(|name| *name == key) {
                Some(at) => self.envelope[at] = Some(self.map.next_value()?),
                None => {
                    return match key {
                        Cow::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::new(key)),
                        Cow::Owned(key) => seed.deserialize(StringDeserializer::new(key)),
                    }
                    .map(Some);
                }
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key, borrowed from the body unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{EmptyResult, IdResult};

    #[test]
    fn redirect_locations_lose_their_query() {
        assert_eq!(
            redacted_location("http://evil.example/2/rest/bill?para=%7B%22app_sign%22"),
            "http://evil.example/2/rest/bill?<redacted>"
        );
        assert_eq!(redacted_location("/x#frag"), "/x?<redacted>");
        assert_eq!(redacted_location("/plain"), "/plain");
        // Whole, so that a secret in the path is still replaced whole.
        assert_eq!(redacted_location(&"é".repeat(300)), "é".repeat(300));
    }

    #[test]
    fn envelopes_map_to_results_and_errors() {
        let ok: BCResult<IdResult> = envelope(
            200,
            br#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"x","more":1}"#,
        )
        .unwrap();
        assert_eq!(ok.id, "x");
        assert_eq!(ok.raw["more"], 1);

        let api = envelope::<EmptyResult>(
            200,
            br#"{"result_code":"5","result_msg":"PARAM_INVALID","err_detail":"bad"}"#,
        );
        let err = api.unwrap_err();
        assert_eq!(
            (err.result_code(), err.result_msg(), err.err_detail()),
            (Some(5), "PARAM_INVALID".into(), "bad".into())
        );

        let unknown =
            envelope::<EmptyResult>(400, br#"{"result_code":99,"result_msg":"NEW"}"#).unwrap_err();
        assert_eq!(unknown.result_code(), Some(99));

        for (status, body) in [
            (200, &b"success"[..]),
            (200, b"[1]"),
            (200, br#"{"id":"x"}"#),
            (200, br#"{"result_code":true}"#),
            (404, b"<html>"),
            (400, br#"{"result_code":0,"id":"x"}"#),
        ] {
            let err = envelope::<IdResult>(status, body).unwrap_err();
            assert!(
                matches!(err, BCError::InvalidResponse { .. }),
                "{status} {err:?}"
            );
            assert_eq!(err.result_code(), Some(-1));
        }

        // The server acted; only its answer is unreadable.
        let err = envelope::<IdResult>(200, br#"{"result_code":0,"id":5}"#).unwrap_err();
        assert!(
            matches!(&err, BCError::UnreadableSuccess { raw, .. } if raw["id"] == 5),
            "{err:?}"
        );
        assert!(err.outcome_unknown());
        assert_eq!(err.result_code(), Some(-1));

        let err = envelope::<EmptyResult>(500, br#"{"result_code":0}"#).unwrap_err();
        assert_eq!(
            (err.result_code(), err.result_msg(), err.err_detail()),
            (Some(-1), "500".into(), "Internal Server Error".into())
        );
    }

    #[test]
    fn decoding_once_agrees_with_the_envelope_mapping() {
        use crate::results::{BillsResult, PayResult};
        fn both<T: DeserializeOwned + PartialEq + fmt::Debug>(status: u16, body: &[u8]) {
            let (fast, slow) = (
                decode::<T>(status, body.to_vec()),
                envelope::<T>(status, body),
            );
            match (fast, slow) {
                (Ok(fast), Ok(slow)) => {
                    assert_eq!(fast, slow);
                    assert_eq!(*fast.raw, *slow.raw);
                }
                (Err(fast), Err(slow)) => assert_eq!(format!("{fast:?}"), format!("{slow:?}")),
                (fast, slow) => panic!("{fast:?} vs {slow:?}"),
            }
        }
        for body in [
            &br#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"x","url":"u","new":[1]}"#
                [..],
            br#" {"result_code":"0","id":"x","result_msg":null,"err_detail":5}"#,
            br#"{"result_code":0,"id":"x","id":"y"}"#,
            br#"{"result_code":0,"id":5}"#,
            br#"{"result_code":0}"#,
            br#"{"result_code":1,"id":"x","result_msg":"NO"}"#,
            br#"[0,"OK",""]"#,
            br#"{"result_code":0,"id":"x"} trailing"#,
        ] {
            both::<PayResult>(200, body);
            both::<PayResult>(400, body);
        }
        both::<BillsResult>(
            200,
            br#"{"result_code":0,"bills":[{"id":"b","channel":"WX","unknown":{"k":1}},null]}"#,
        );
        let page: BCResult<BillsResult> = decode(
            200,
            br#"{"result_code":0,"bills":[{"id":"b","unknown":{"k":1}}]}"#.to_vec(),
        )
        .unwrap();
        assert_eq!(page.bills[0].id.as_deref(), Some("b"));
        assert_eq!(page.raw["bills"][0]["unknown"]["k"], 1);
    }
}
