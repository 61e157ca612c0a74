//! Named `result_code`s: every code of BeeCloud's published error-code table (0–17) and the
//! SDK's own −1 (transport or reply failure) and −2 (refused locally, nothing sent), as
//! [`BCResultCode`]; and the [`BCError`] helpers that match them.
//!
//! ```
//! use beecloud::BCResultCode;
//!
//! assert_eq!(BCResultCode::from(17), BCResultCode::BillNoDuplicate);
//! assert_eq!(BCResultCode::BillNoDuplicate.name(), "BILL_NO_DUPLICATE");
//! assert_eq!(i64::from(BCResultCode::from(99)), 99); // unknown codes round-trip
//! ```
//!
//! Logic should key on the code, never on `result_msg`: BeeCloud's spellings of the names vary.

use std::fmt;

use crate::error::BCError;

macro_rules! result_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $name:literal;)*) => {
        /// A `result_code`, named as BeeCloud's error-code table names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum BCResultCode {
            $($(#[$doc])* #[doc = concat!("`", $code, "` `", $name, "`")] $variant,)*
            /// A code this SDK version does not name, kept as is.
            Other(i64),
        }

        impl BCResultCode {
            /// The number on the wire.
            pub fn code(self) -> i64 {
                match self {
                    $(BCResultCode::$variant => $code,)*
                    BCResultCode::Other(code) => code,
                }
            }

            /// BeeCloud's symbolic name (`result_msg` of the error-code table), `""` for an
            /// unknown code.
            pub fn name(self) -> &'static str {
                match self {
                    $(BCResultCode::$variant => $name,)*
                    BCResultCode::Other(_) => "",
                }
            }
        }

        impl From<i64> for BCResultCode {
            fn from(code: i64) -> Self {
                match code {
                    $($code => BCResultCode::$variant,)*
                    other => BCResultCode::Other(other),
                }
            }
        }
    };
}

result_codes! {
    /// SDK-local: a network, HTTP-status or protocol failure (Python's `NETWORK_ERROR`).
    LocalNetworkError = -1, "NETWORK_ERROR";
    /// SDK-local: the operation is refused in test mode (Python's `NOT_SUPPORTED_CODE`).
    NotSupportedInTestMode = -2, "NOT_SUPPORTED_CODE";
    /// Success.
    Ok = 0, "OK";
    /// Unknown app id, wrong signature, or expired timestamp.
    AppInvalid = 1, "APP_INVALID";
    /// The channel's merchant credentials are not configured for the app.
    PayFactorNotSet = 2, "PAY_FACTOR_NOT_SET";
    /// The `channel` value is not valid for this endpoint.
    ChannelInvalid = 3, "CHANNEL_INVALID";
    /// A required field is missing.
    MissParam = 4, "MISS_PARAM";
    /// A field is malformed or out of range.
    ParamInvalid = 5, "PARAM_INVALID";
    /// A channel certificate problem.
    CertFileError = 6, "CERT_FILE_ERROR";
    /// Passed BeeCloud's checks, failed at the upstream channel.
    ChannelError = 7, "CHANNEL_ERROR";
    /// Refund, offline status or revert: no such bill.
    NoSuchBill = 8, "NO_SUCH_BILL";
    /// Refund: the bill is not paid.
    BillUnsuccess = 9, "BILL_UNSUCCESS";
    /// Refund: the refund window is over.
    RefundExceedTime = 10, "REFUND_EXCEED_TIME";
    /// Refund: a refund of this bill is in progress.
    AlreadyRefunding = 11, "ALREADY_REFUNDING";
    /// Refund: more than the refundable amount.
    RefundAmountTooLarge = 12, "REFUND_AMOUNT_TOO_LARGE";
    /// No such refund (e.g. a refund status query).
    NoSuchRefund = 13, "NO_SUCH_REFUND";
    /// A server runtime error.
    RuntimeError = 14, "RUNTIME_ERROR";
    /// A server-side network failure (documented for `bc_transfer`); not the SDK's −1.
    ServerNetworkError = 15, "NETWORK_ERROR";
    /// A duplicate pre-refund.
    PrerefundDuplicate = 16, "PREREFUND_DUPLICATE";
    /// A duplicate bill number in this app.
    BillNoDuplicate = 17, "BILL_NO_DUPLICATE";
}

impl From<BCResultCode> for i64 {
    fn from(code: BCResultCode) -> i64 {
        code.code()
    }
}

impl fmt::Display for BCResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            "" => write!(f, "{}", self.code()),
            name => write!(f, "{} {name}", self.code()),
        }
    }
}

/// Matching errors by named code.
///
/// ```no_run
/// use beecloud::{BCPay, BCResultCode};
/// # fn retry(bc_pay: &BCPay, req_params: &beecloud::entity::BCPayReqParams) -> Result<(), beecloud::BCError> {
/// match bc_pay.pay(req_params) {
///     Ok(result) => println!("{}", result.id),
///     // a retried pay whose first attempt got through: query the bill instead
///     Err(e) if e.is_duplicate() => println!("already created"),
///     Err(e) if e.code() == Some(BCResultCode::PayFactorNotSet) => println!("enable the channel"),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
impl BCError {
    /// The named `result_code` (`None` where Python raised `ValueError`: nothing was sent).
    pub fn code(&self) -> Option<BCResultCode> {
        self.result_code().map(BCResultCode::from)
    }

    /// The server already has this record: `17 BILL_NO_DUPLICATE` or `16 PREREFUND_DUPLICATE`.
    /// After a retry, query the bill or refund instead of paying again.
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self.code(),
            Some(BCResultCode::BillNoDuplicate | BCResultCode::PrerefundDuplicate)
        )
    }

    /// No such record: `8 NO_SUCH_BILL` or `13 NO_SUCH_REFUND`.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.code(),
            Some(BCResultCode::NoSuchBill | BCResultCode::NoSuchRefund)
        )
    }

    /// The app id, signature or timestamp was refused: `1 APP_INVALID` (wrong secret, clock skew).
    pub fn is_app_invalid(&self) -> bool {
        self.code() == Some(BCResultCode::AppInvalid)
    }

    /// The request's fields were refused, by the SDK before sending ([`BCError::InvalidParams`],
    /// nothing was sent) or by the server: `3 CHANNEL_INVALID`, `4 MISS_PARAM`, `5 PARAM_INVALID`.
    /// One branch handles both; [`code`](BCError::code) is `None` for the SDK's own refusals.
    pub fn is_param_error(&self) -> bool {
        matches!(self, BCError::InvalidParams { .. })
            || matches!(
                self.code(),
                Some(
                    BCResultCode::ChannelInvalid
                        | BCResultCode::MissParam
                        | BCResultCode::ParamInvalid
                )
            )
    }

    /// The channel itself failed or is not set up: `2 PAY_FACTOR_NOT_SET`, `6 CERT_FILE_ERROR`,
    /// `7 CHANNEL_ERROR`.
    pub fn is_channel_error(&self) -> bool {
        matches!(
            self.code(),
            Some(
                BCResultCode::PayFactorNotSet
                    | BCResultCode::CertFileError
                    | BCResultCode::ChannelError
            )
        )
    }

    /// A refund the bill's state does not allow: `9 BILL_UNSUCCESS`, `10 REFUND_EXCEED_TIME`,
    /// `11 ALREADY_REFUNDING`, `12 REFUND_AMOUNT_TOO_LARGE`.
    pub fn is_refund_refused(&self) -> bool {
        matches!(
            self.code(),
            Some(
                BCResultCode::BillUnsuccess
                    | BCResultCode::RefundExceedTime
                    | BCResultCode::AlreadyRefunding
                    | BCResultCode::RefundAmountTooLarge
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_a_name_and_round_trips() {
        for code in -2..=17 {
            let named = BCResultCode::from(code);
            assert!(!matches!(named, BCResultCode::Other(_)), "{code}");
            assert!(!named.name().is_empty(), "{code}");
            assert_eq!(i64::from(named), code);
        }
        assert_eq!(BCResultCode::from(18), BCResultCode::Other(18));
        assert_eq!(BCResultCode::from(-3).to_string(), "-3");
        assert_eq!(BCResultCode::from(17).to_string(), "17 BILL_NO_DUPLICATE");
    }

    fn api(code: i64) -> BCError {
        BCError::Api {
            result_code: code,
            result_msg: String::new(),
            err_detail: String::new(),
            raw: Default::default(),
            body: String::new(),
        }
    }

    #[test]
    fn helpers_match_their_codes_only() {
        type Helper = fn(&BCError) -> bool;
        let helpers: [(Helper, &[i64]); 6] = [
            (BCError::is_duplicate, &[16, 17]),
            (BCError::is_not_found, &[8, 13]),
            (BCError::is_app_invalid, &[1]),
            (BCError::is_param_error, &[3, 4, 5]),
            (BCError::is_channel_error, &[2, 6, 7]),
            (BCError::is_refund_refused, &[9, 10, 11, 12]),
        ];
        for (helper, codes) in helpers {
            for code in 1..=20 {
                assert_eq!(helper(&api(code)), codes.contains(&code), "{code}");
            }
        }
        let local = BCError::invalid("x");
        assert_eq!(local.code(), None);
        assert!(!local.is_duplicate());
        assert!(
            local.is_param_error(),
            "the SDK's own refusals are parameter errors too"
        );
    }
}
