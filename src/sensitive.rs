//! [`SensitiveText`]: a card, account or ID number in a params struct, sent as is and never shown
//! by `Debug` (the params structs derive it, and logs print it).

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// Text that travels as a plain JSON string but shows as `<redacted>` in `Debug`: the card,
/// account and ID numbers of every params struct (`card_no`, `account_no`, `id_no`,
/// `bank_account_no`). Fill it with `.into()`:
///
/// ```
/// use beecloud::entity::{BCCardSignParams, SensitiveText};
///
/// let mut params = BCCardSignParams::default();
/// params.card_no = Some("6222000011112222".into());
/// assert!(!format!("{params:?}").contains("6222000011112222"));
/// assert_eq!(params.card_no.as_deref(), Some("6222000011112222"));
/// assert_eq!(format!("{:?}", SensitiveText::from("6222")), "<redacted>");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SensitiveText(String);

impl SensitiveText {
    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SensitiveText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SensitiveText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for SensitiveText {
    fn from(text: &str) -> Self {
        SensitiveText(text.to_string())
    }
}

impl From<String> for SensitiveText {
    fn from(text: String) -> Self {
        SensitiveText(text)
    }
}
