//! [`BCChannelType`]: the channel values of the REST API, as Python's `BCChannelType` names them.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! channels {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// A BeeCloud channel: a parent (`WX`, `ALI`…) or a sub-channel (`WX_NATIVE`, `ALI_WEB`…).
        ///
        /// Every value of the REST docs has a variant named as in Python (`BCChannelType::WX_NATIVE`),
        /// including those Python's class lacks (`WX_WAP`, `BC_WX_JSAPI`…). Values the SDK does not know
        /// travel as [`Other`](BCChannelType::Other); `From<&str>` maps known names to their variant, so
        /// `"WX".into()` and `BCChannelType::WX` are equal.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum BCChannelType {
            $($(#[$doc])* #[doc = concat!("`", stringify!($name), "`")] $name,)*
            /// A value this SDK version does not know, sent and received as is.
            Other(String),
        }

        impl BCChannelType {
            /// Every known channel value.
            pub const KNOWN: &'static [BCChannelType] = &[$(BCChannelType::$name,)*];

            /// The wire value, e.g. `"WX_NATIVE"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(BCChannelType::$name => stringify!($name),)*
                    BCChannelType::Other(value) => value,
                }
            }

            /// The channel of a wire value; unknown values become [`Other`](BCChannelType::Other).
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $(stringify!($name) => BCChannelType::$name,)*
                    other => BCChannelType::Other(other.to_string()),
                }
            }
        }
    };
}

channels! {
    WX, ALI, UN, JD, YEE, KUAIQIAN, BD, PAYPAL, BC,
    WX_APP, WX_NATIVE, WX_JSAPI, WX_SCAN, WX_WAP, WX_MINI, WX_REDPACK, WX_TRANSFER,
    ALI_APP, ALI_WEB, ALI_WAP, ALI_QRCODE, ALI_OFFLINE_QRCODE, ALI_SCAN, ALI_TRANSFER,
    UN_APP, UN_WEB, UN_WAP,
    JD_WAP, JD_WEB,
    YEE_WAP, YEE_WEB, YEE_NOBANKCARD,
    KUAIQIAN_WEB, KUAIQIAN_WAP,
    BD_APP, BD_WAP, BD_WEB,
    PAYPAL_LIVE, PAYPAL_SANDBOX, PAYPAL_PAYPAL, PAYPAL_CREDITCARD, PAYPAL_SAVED_CREDITCARD,
    APPLE, APPLE_TEST,
    BC_GATEWAY, BC_EXPRESS, BC_APP, BC_NATIVE, BC_WX_WAP, BC_ALI_QRCODE, BC_WX_JSAPI, BC_ALI_APP,
    BC_ALI_WAP, BC_ALI_WEB, BC_WX_APP, BC_ALI_JSAPI, BC_WX_MINI, BC_ALI_SCAN, BC_WX_SCAN, BC_SCAN,
    BC_TRANSFER, BC_SUBSCRIPTION,
    // Values only the other official SDKs (Java, PHP) send.
    BC_QQ_NATIVE, BC_JD_QRCODE, JD_B2B, BC_CARD_CHARGE, CP, CP_WEB, JD_TRANSFER, SCAN,
}

impl BCChannelType {
    /// The parent channel: the text before the first `_` (`BC_WX_SCAN` → `BC`, `WX` → `WX`).
    pub fn parent(&self) -> &str {
        let value = self.as_str();
        value.split('_').next().unwrap_or(value)
    }
}

// Equality and hashing go by the wire value, so `Other("WX")` equals `WX`.
impl PartialEq for BCChannelType {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for BCChannelType {}
impl Hash for BCChannelType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Display for BCChannelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a channel name strictly, for input such as a form or a config file: an unknown name is
/// refused (where `From<&str>` keeps it as [`Other`](BCChannelType::Other), as the wire needs).
///
/// ```
/// use beecloud::BCChannelType;
///
/// assert_eq!("WX_NATIVE".parse::<BCChannelType>()?, BCChannelType::WX_NATIVE);
/// assert!("wx_native".parse::<BCChannelType>().is_err());
/// # Ok::<(), beecloud::BCError>(())
/// ```
impl std::str::FromStr for BCChannelType {
    type Err = crate::BCError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match BCChannelType::from_wire(value) {
            BCChannelType::Other(_) => Err(crate::BCError::invalid(format!(
                "`{value}` is not a channel this SDK knows (use BCChannelType::from to send it anyway)"
            ))),
            known => Ok(known),
        }
    }
}

impl From<&str> for BCChannelType {
    fn from(value: &str) -> Self {
        BCChannelType::from_wire(value)
    }
}

impl From<String> for BCChannelType {
    fn from(value: String) -> Self {
        BCChannelType::from_wire(&value)
    }
}

impl From<&BCChannelType> for BCChannelType {
    fn from(value: &BCChannelType) -> Self {
        value.clone()
    }
}

impl Serialize for BCChannelType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BCChannelType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // From the borrowed text: a known channel needs no allocation (two per bill of a page).
        struct ChannelVisitor;
        impl serde::de::Visitor<'_> for ChannelVisitor {
            type Value = BCChannelType;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a channel name")
            }
            fn visit_str<E>(self, value: &str) -> Result<BCChannelType, E> {
                Ok(BCChannelType::from_wire(value))
            }
        }
        deserializer.deserialize_str(ChannelVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_round_trip_and_unknown_ones_are_kept() {
        for channel in BCChannelType::KNOWN {
            assert_eq!(&BCChannelType::from(channel.as_str()), channel);
            assert!(!matches!(
                BCChannelType::from(channel.as_str()),
                BCChannelType::Other(_)
            ));
        }
        let novel = BCChannelType::from("XYZ_PAY");
        assert_eq!(novel, BCChannelType::Other("XYZ_PAY".into()));
        assert_eq!(serde_json::to_string(&novel).unwrap(), "\"XYZ_PAY\"");
        assert_eq!(BCChannelType::Other("WX".into()), BCChannelType::WX);
    }

    #[test]
    fn values_of_the_other_sdks_are_known() {
        for value in [
            "BC_QQ_NATIVE",
            "BC_JD_QRCODE",
            "JD_B2B",
            "BC_CARD_CHARGE",
            "CP",
            "CP_WEB",
            "JD_TRANSFER",
            "SCAN",
        ] {
            let channel = BCChannelType::from(value);
            assert!(!matches!(channel, BCChannelType::Other(_)), "{value}");
            assert_eq!(channel.as_str(), value);
        }
        assert_eq!(BCChannelType::JD_B2B.parent(), "JD");
        assert_eq!(BCChannelType::CP_WEB.parent(), "CP");
        assert_eq!(BCChannelType::BC_CARD_CHARGE.parent(), "BC");
    }

    #[test]
    fn from_str_accepts_known_names_only() {
        for channel in BCChannelType::KNOWN {
            assert_eq!(&channel.as_str().parse::<BCChannelType>().unwrap(), channel);
        }
        for unknown in ["XYZ_PAY", "wx", "", " WX"] {
            let err = unknown.parse::<BCChannelType>().unwrap_err();
            assert!(
                matches!(err, crate::BCError::InvalidParams { .. }),
                "{unknown}"
            );
        }
    }

    #[test]
    fn parent_is_the_prefix() {
        assert_eq!(BCChannelType::BC_WX_SCAN.parent(), "BC");
        assert_eq!(BCChannelType::ALI_OFFLINE_QRCODE.parent(), "ALI");
        assert_eq!(BCChannelType::WX.parent(), "WX");
    }
}
