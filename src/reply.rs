//! A success reply decoded in one pass over its bytes: the envelope's three keys are picked out
//! while the payload type reads every other key, and `raw` is only decoded if someone reads it.
//!
//! Parsing into a `serde_json::Value` first (then deserialising the payload from it) cost more
//! than the rest of the call: a 50-bill page is ~1,000 small allocations as a tree. Anything but a
//! well-formed success is left to the HTTP helper's `envelope`, which names the problem.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::results::{BCResult, RawReply};

/// The result of a 200 answer whose `result_code` is 0 and whose payload has the documented
/// shape; otherwise the body, untouched, for the full diagnosis.
pub(crate) fn success<T: DeserializeOwned>(
    status: u16,
    body: Vec<u8>,
) -> Result<BCResult<T>, Vec<u8>> {
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
