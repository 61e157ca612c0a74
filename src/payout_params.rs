//! The params structs of the bank-card payouts and their query (the Java and PHP SDKs' own), with
//! the same `params!` macro as Python's, so they fill, send and `set()` alike.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::params::{WireParams, default_value, params};
use crate::records::BCTransferStatus;
use crate::sensitive::SensitiveText;

params! {
    /// Filters of `query_transfers` and `query_transfers_count`: bank-card payouts (the Java SDK's
    /// `BCTransferQueryParameter`).
    BCTransferQueryParams {
        /// Exact payout number, 8–32 letters and digits.
        bill_no: String,
        /// Only payouts in this state.
        transfer_status: BCTransferStatus,
        /// Created at or after, ms since the epoch.
        start_time: i64,
        /// Created at or before, ms since the epoch.
        end_time: i64,
        /// Include `message_detail` (list only).
        need_detail: bool,
        /// Records to skip, ≥ 0 (list only).
        skip: i64,
        /// Page size, 10 to 50 (default 10; list only).
        limit: i64,
    }
}

params! {
    /// Parameters of `bc_t0_transfer`, a T0 payout to a bank card (the Java SDK's
    /// `BCT0TransferParameter`). The SDK adds `app_id` and the payout `signature`.
    BCT0TransferParams {
        /// Amount in fen, > 0.
        withdraw_amount: i64,
        /// Payout number, 8–32 letters and digits, unique per app.
        bill_no: String,
        /// `"1"` personal account, `"2"` corporate account.
        transfer_type: String,
        /// The bank's full name, no abbreviation (e.g. 中国银行).
        bank_name: String,
        /// Payee account number.
        bank_account_no: SensitiveText,
        /// Payee (person or company) name.
        bank_account_name: String,
        /// Standard bank code, e.g. `BOC`.
        bank_code: String,
        /// Payout reason.
        note: String,
        /// Overrides the console's webhook URL for the TRANSFER push (`http://` or `https://`).
        notify_url: String,
        /// Free-form data, echoed in the webhook.
        optional: Map<String, Value>,
    }
}

params! {
    /// Parameters of `bc_t1_transfer`, a T1 payout to a bank card (the Java SDK's
    /// `BCT1TransferParameter`). The SDK adds `app_id` and the payout `signature`.
    BCT1TransferParams {
        /// Amount in fen, > 0.
        total_fee: i64,
        /// Payout number, 8–32 letters and digits, unique per app.
        bill_no: String,
        /// `"1"` personal account, `"0"` corporate account.
        is_personal: String,
        /// The bank's full name, from `query_t1_transfer_supported_banks`.
        bank_name: String,
        /// Payee account number.
        bank_account_no: SensitiveText,
        /// Payee name.
        bank_account_name: String,
        /// Free-form data.
        optional: Map<String, Value>,
    }
}

params! {
    /// Parameters of `cj_transfer`, a Chanpay payout to a bank card (the PHP SDK's `cj_transfer`,
    /// the .NET SDK's `BCCJTransferWithBackCard`).
    BCCJTransferParams {
        /// Amount in fen, > 0.
        total_fee: i64,
        /// Payout number, 8–32 letters and digits, unique per app.
        bill_no: String,
        /// Title, ≤ 32 bytes.
        title: String,
        /// The bank's full name (e.g. 中国工商银行).
        bank_name: String,
        /// The branch's name.
        bank_branch: String,
        /// Province of the account.
        province: String,
        /// City of the account.
        city: String,
        /// `DEBIT` or `CREDIT`.
        card_type: String,
        /// `B` corporate account, `C` personal account.
        card_attribute: String,
        /// Payee account number.
        bank_account_no: SensitiveText,
        /// Payee name.
        account_name: String,
        /// Free-form data.
        optional: Map<String, Value>,
    }
}
