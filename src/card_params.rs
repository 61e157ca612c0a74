//! The params structs of card signing for direct debit (the Java and PHP SDKs' own), with the same
//! `params!` macro as Python's, so they fill, send and `set()` alike.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::params::{WireParams, default_value, params};
use crate::sensitive::SensitiveText;

params! {
    /// Parameters of `card_sign` and `card_sync_verify`: identity and card of a payer signing up for
    /// direct debit (the Java SDK's `BCCardSign`).
    BCCardSignParams {
        /// The card holder's name on the ID card.
        id_name: String,
        /// ID card number.
        id_no: SensitiveText,
        /// Bank card number.
        card_no: SensitiveText,
        /// Phone registered with the bank.
        mobile: String,
        /// Bank name.
        bank: String,
        /// Where the SIGN webhook goes (`card_sign`).
        notify_url: String,
    }
}

params! {
    /// Parameters of `card_charge_sign`, the 2016 signing route (the PHP SDK's `card_charge_sign`).
    BCCardChargeSignParams {
        /// Phone registered with the bank.
        mobile: String,
        /// Bank name.
        bank: String,
        /// ID card number.
        id_no: SensitiveText,
        /// Card holder's name (`name`, not `id_name`).
        name: String,
        /// Debit card number (credit cards are not supported).
        card_no: SensitiveText,
        /// The `sms_id` of `send_sms_passcode`.
        sms_id: String,
        /// The code the payer received.
        sms_code: String,
    }
}
