//! Every SDK operation the demo offers, as data: a name, the form fields it needs and the handler
//! that reads the form, calls the SDK and produces the result ([`Outcome`]). The areas (pay,
//! refunds, transfers, subscriptions, accounts, tools) each hold their table and handlers; the
//! pages ([`crate::pages`]) render forms from these tables, the server routes to them.

mod accounts;
mod cards;
mod pay;
pub mod records;
mod refunds;
mod subscriptions;
mod tools;
mod transfers;

use beecloud::emulator::Emulator;
use beecloud::entity::BCQueryCriteria;
use beecloud::{BCChannelType, BCError, BCResult};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value};

use crate::Demo;
use crate::http::{Form, Incoming};
use crate::view::{Block, Inline, View};

/// What a handler produced.
pub enum Outcome {
    /// What to show under the operation's form.
    Shown(View),
    /// Send the browser there (a channel's pay page).
    Redirect(String),
    /// A whole page as the channel made it (the `html` of a pay result: an auto-submitting form).
    ChannelPage(String),
}

/// Why an operation did not run or did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The form was filled wrongly; nothing was sent.
    Input(String),
    /// The SDK or BeeCloud refused.
    Sdk(BCError),
    /// An emulator hook refused.
    Emulator(String),
}

impl From<BCError> for Failure {
    fn from(error: BCError) -> Self {
        Failure::Sdk(error)
    }
}

/// What a handler returns.
pub type OpResult = Result<Outcome, Failure>;

/// The kind of input a form field is.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Several lines.
    Area,
    /// An integer.
    Number,
    /// A checkbox (`true` when ticked).
    Check,
    /// A fixed list; `""` means "not set".
    Choice(&'static [&'static str]),
    /// A bank list fetched when the form is shown.
    Banks(BankList),
}

/// Bank lists the SDK can fetch.
#[derive(Clone, Copy, Debug)]
pub enum BankList {
    /// `query_bc_gateway_supported_banks` (code and name; a local table).
    Gateway,
    /// `query_bc_transfer_supported_banks` (personal debit).
    Transfer,
    /// `query_subscription_payment_supported_banks`.
    Subscription,
}

/// Default value placeholders replaced when the form is shown.
pub const NEW_ORDER_NO: &str = "@order_no";
/// Prefix of defaults naming a value the demo remembered: `@recent:plan_id` is the latest plan
/// id (see [`Demo::remember`](crate::Demo::remember)).
pub const RECENT: &str = "@recent:";
/// A new 10-digit number (WX_REDPACK `transfer_no`).
pub const NEW_REDPACK_NO: &str = "@redpack_no";

/// One input of an operation's form.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The form name (usually the SDK field name).
    pub name: &'static str,
    /// What the person sees.
    pub label: &'static str,
    /// The input kind.
    pub kind: Kind,
    /// Pre-filled value ([`NEW_ORDER_NO`] and [`NEW_REDPACK_NO`] are generated).
    pub default: &'static str,
    /// A hint shown beside the input.
    pub help: &'static str,
    /// The channels this field applies to (empty: all); the form shows it only for those.
    pub channels: &'static [&'static str],
}

impl Field {
    const fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            name,
            label,
            kind,
            default: "",
            help: "",
            channels: &[],
        }
    }
    const fn text(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Text)
    }
    const fn number(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Number)
    }
    const fn check(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Check)
    }
    const fn choice(
        name: &'static str,
        label: &'static str,
        options: &'static [&'static str],
    ) -> Field {
        Field::new(name, label, Kind::Choice(options))
    }
    const fn area(name: &'static str, label: &'static str) -> Field {
        Field::new(name, label, Kind::Area)
    }
    const fn banks(name: &'static str, label: &'static str, list: BankList) -> Field {
        Field::new(name, label, Kind::Banks(list))
    }
    const fn default(mut self, value: &'static str) -> Field {
        self.default = value;
        self
    }
    const fn help(mut self, text: &'static str) -> Field {
        self.help = text;
        self
    }
    const fn only(mut self, channels: &'static [&'static str]) -> Field {
        self.channels = channels;
        self
    }
}

/// An operation: one form, one handler.
pub struct Operation {
    /// URL name (`/op/{name}`); the SDK function's name where it maps to one.
    pub name: &'static str,
    /// The SDK call, as code (e.g. `BCQuery::query_bills`).
    pub call: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// The form.
    pub fields: &'static [Field],
    /// Reads the form, calls the SDK, shows the result.
    pub run: fn(&Demo, &Incoming) -> OpResult,
}

/// A group of operations with its own page.
pub struct Section {
    /// URL name (`/section/{key}`).
    pub key: &'static str,
    /// Heading.
    pub title: &'static str,
    /// A paragraph of explanation (HTML, written here).
    pub intro: &'static str,
    /// Operation names, in page order.
    pub operations: &'static [&'static str],
}

/// Online pay channels (`BCPay::pay`).
pub const PAY_CHANNELS: &[&str] = &[
    "WX_NATIVE",
    "WX_JSAPI",
    "WX_WAP",
    "WX_APP",
    "WX_MINI",
    "ALI_WEB",
    "ALI_WAP",
    "ALI_QRCODE",
    "ALI_APP",
    "UN_WEB",
    "UN_WAP",
    "UN_APP",
    "JD_WEB",
    "JD_WAP",
    "YEE_WEB",
    "YEE_WAP",
    "YEE_NOBANKCARD",
    "KUAIQIAN_WEB",
    "KUAIQIAN_WAP",
    "BD_WEB",
    "BD_WAP",
    "BD_APP",
    "BC_GATEWAY",
    "BC_EXPRESS",
    "BC_NATIVE",
    "BC_WX_WAP",
    "BC_WX_JSAPI",
    "BC_ALI_QRCODE",
    "BC_ALI_WAP",
    "BC_ALI_WEB",
    "BC_WX_APP",
    "BC_ALI_APP",
];
/// Offline channels (`BCPay::offline_pay`).
pub const OFFLINE_CHANNELS: &[&str] = &[
    "WX_SCAN",
    "ALI_SCAN",
    "WX_NATIVE",
    "ALI_OFFLINE_QRCODE",
    "BC_WX_SCAN",
    "BC_ALI_SCAN",
    "BC_ALI_QRCODE",
    "BC_SCAN",
];
pub(crate) const PARENT_CHANNELS: &[&str] = &[
    "", "WX", "ALI", "UN", "JD", "YEE", "KUAIQIAN", "BD", "PAYPAL", "BC",
];
pub(crate) const TRI_STATE: &[&str] = &["", "true", "false"];

/// Channels whose pay request needs input the index buttons cannot guess.
pub const CHANNELS_NEEDING_INPUT: &[&str] = &[
    "BC_GATEWAY",
    "BC_EXPRESS",
    "WX_JSAPI",
    "BC_WX_JSAPI",
    "WX_MINI",
    "YEE_NOBANKCARD",
];

/// The sections, in index order.
#[rustfmt::skip] // A table, laid out by hand.
pub const SECTIONS: &[Section] = &[
    Section {
        key: "pay",
        title: "Pay",
        intro: "<p>Online payments. The index page has one button per channel; this form sets every field. \
                QR channels answer a <code>code_url</code> the merchant must draw as a QR code itself (shown here as SVG); \
                web channels answer a <code>url</code> (the demo redirects to it) or an <code>html</code> form (the demo serves it as the page).</p>",
        operations: &[
            "pay",
            "query_bc_gateway_supported_banks",
            "query_bc_gateway_banks",
            "confirm_bill",
            "sandbox_notify",
            "international_pay",
        ],
    },
    Section {
        key: "bills",
        title: "Bills",
        intro: "<p>Bill queries. Bills paid at the emulator's cashier show <code>spay_result = true</code>.</p>",
        operations: &[
            "query_bills",
            "query_bills_count",
            "query_bill_by_id",
            "query_reconciliation",
        ],
    },
    Section {
        key: "refunds",
        title: "Refunds",
        intro: "<p>Refunds need the master secret. Tick <em>need_approval</em> for a pre-refund, then approve or deny it with <code>audit_pre_refunds</code>.</p>",
        operations: &[
            "refund",
            "audit_pre_refunds",
            "query_refunds",
            "query_refunds_count",
            "query_refund_by_id",
            "query_refund_status",
            "query_refund_status_with_bill_update",
        ],
    },
    Section {
        key: "transfers",
        title: "Transfers",
        intro: "<p>Payouts: WeChat red packs and transfers, Alipay single and batch transfers, and bank-card payouts through BeeCloud.</p>",
        operations: &[
            "transfer_wx_redpack",
            "transfer_wx",
            "transfer_ali",
            "query_bc_transfer_supported_banks",
            "bc_transfer",
            "batch_transfer",
            "bc_t0_transfer",
            "query_t1_transfer_supported_banks",
            "bc_t1_transfer",
            "cj_transfer",
            "query_jd_transfer_supported_banks",
            "jd_transfer",
            "query_transfers",
            "query_transfers_count",
        ],
    },
    Section {
        key: "cards",
        title: "Card signing (direct debit)",
        intro: "<p>Sign a payer's bank card for direct debit (<code>BC_CARD_CHARGE</code>), as the Java SDK (<code>card/*</code>) or the PHP SDK (<code>sign</code>) does. Experimental: one SDK each. The outcome of <code>card_sign</code> and <code>card_charge_sign</code> arrives as a SIGN webhook.</p>",
        operations: &[
            "card_sign",
            "card_sync_verify",
            "card_sync_sign",
            "card_charge_sign",
        ],
    },
    Section {
        key: "subscriptions",
        title: "Subscriptions",
        intro: "<p>Plans, then subscriptions: send an SMS code, subscribe with it, wait for the verification webhook.</p>",
        operations: &[
            "query_plans",
            "create_plan",
            "query_plan_by_id",
            "update_plan",
            "delete_plan",
            "query_subscription_payment_supported_banks",
            "send_sms_passcode",
            "subscribe",
            "query_subscriptions",
            "query_subscription_by_id",
            "update_subscription",
            "cancel_subscription",
        ],
    },
    Section {
        key: "users",
        title: "Merchant users",
        intro: "<p>The merchant user system: register buyers, then link earlier bills to them.</p>",
        operations: &[
            "add_merchant_user",
            "batch_add_merchant_users",
            "query_merchant_users",
            "attach_buyer_history_bills",
        ],
    },
    Section {
        key: "coupons",
        title: "Coupons",
        intro: "<p>Coupon templates are made in the BeeCloud console (with the emulator: <a href=\"/op/emulator_add_coupon_template\">add one here</a>). Hand a coupon to a buyer, then pay with its <code>coupon_id</code> and the same <code>buyer_id</code>.</p>",
        operations: &[
            "query_coupon_templates",
            "query_coupon_template",
            "create_coupon",
            "query_coupons",
            "query_coupon",
        ],
    },
    Section {
        key: "offline",
        title: "In-store (offline) pay",
        intro: "<p>Scan channels charge the code scanned from the payer's phone (<code>auth_code</code>); QR channels show a code for the payer to scan. Poll the status, revert an unpaid bill, refund a paid one.</p>",
        operations: &[
            "offline_pay",
            "query_offline_bill_status",
            "offline_revert",
            "offline_refund",
        ],
    },
    Section {
        key: "utils",
        title: "Utilities",
        intro: "<p>Card factor verification, the WeChat OAuth helpers needed for WX_JSAPI's <code>openid</code>, order numbers and signatures.</p>",
        operations: &[
            "verify_card_factors",
            "fetch_code",
            "fetch_open_id",
            "order_num_on_datetime",
            "webhook_signature",
        ],
    },
    Section {
        key: "emulator",
        title: "Emulator controls",
        intro: "<p>Only with the embedded emulator: do what a payer, a bank or the BeeCloud console would do.</p>",
        operations: &[
            "emulator_complete_payment",
            "emulator_complete_refund",
            "emulator_complete_transfer",
            "emulator_finish_subscription_verification",
            "emulator_last_sms_code",
            "emulator_add_coupon_template",
            "emulator_webhooks",
        ],
    },
];

/// The sections that open with their latest records, and the query listing them.
const LISTED: &[(&str, &str)] = &[
    ("bills", "query_bills"),
    ("refunds", "query_refunds"),
    ("transfers", "query_transfers"),
];

/// Records a section lists at once.
pub const PAGE_SIZE: usize = 10;

/// The query whose latest records the section `key` opens with.
pub fn listing(key: &str) -> Option<&'static Operation> {
    LISTED
        .iter()
        .find(|(section, _)| *section == key)
        .and_then(|(_, operation)| find(operation))
}

/// The section named `key`.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.key == key)
}

/// Every operation, area by area.
pub fn all() -> impl Iterator<Item = &'static Operation> {
    [
        pay::OPERATIONS,
        cards::OPERATIONS,
        refunds::OPERATIONS,
        transfers::OPERATIONS,
        subscriptions::OPERATIONS,
        accounts::OPERATIONS,
        tools::OPERATIONS,
    ]
    .into_iter()
    .flatten()
}

/// Whether the operation named `name` exists in this demo: the emulator's controls and the
/// signature tool only with the embedded emulator (whose secrets are demo values). With real
/// credentials `webhook_signature` would sign caller-chosen fields with the master secret: a
/// signing oracle for forged webhooks.
pub fn available(demo: &Demo, name: &str) -> bool {
    let needs_emulator = name.starts_with("emulator_") || name == "webhook_signature";
    !needs_emulator || demo.may_sign()
}

/// Operations that only read, besides every `query_…`: they run without the operator token.
const READ_ONLY: &[&str] = &["order_num_on_datetime", "fetch_code", "fetch_open_id"];

/// Whether the operation named `name` may change something (a payment, refund, payout, plan,
/// user, SMS…): with real credentials only the operator runs those. Unknown names count as
/// changing (refused rather than run).
pub fn changes_state(name: &str) -> bool {
    !(name.starts_with("query_") || READ_ONLY.contains(&name))
}

/// The operation named `name`.
pub fn find(name: &str) -> Option<&'static Operation> {
    all().find(|operation| operation.name == name)
}

/// The section an operation belongs to.
pub fn section_of(name: &str) -> Option<&'static Section> {
    SECTIONS
        .iter()
        .find(|section| section.operations.contains(&name))
}

pub(crate) const CRITERIA_FIELDS: &[Field] = &[
    Field::check("count_only", "count_only"),
    Field::number("skip", "skip"),
    Field::number("limit", "limit").default("10"),
];

// Reading forms.

pub(crate) fn required(form: &Form, name: &str) -> Result<String, Failure> {
    form.text(name)
        .ok_or_else(|| Failure::Input(format!("`{name}` is required")))
}

pub(crate) fn integer(form: &Form, name: &str) -> Result<Option<i64>, Failure> {
    form.text(name)
        .map(|text| {
            text.parse::<i64>().map_err(|_| {
                Failure::Input(format!("`{name}` must be a whole number, not {text:?}"))
            })
        })
        .transpose()
}

pub(crate) fn required_integer(form: &Form, name: &str) -> Result<i64, Failure> {
    integer(form, name)?.ok_or_else(|| Failure::Input(format!("`{name}` is required")))
}

/// `Some(true)` / `Some(false)` for `true` / `false` (checkboxes send `true`), `None` when unset.
pub(crate) fn flag(form: &Form, name: &str) -> Option<bool> {
    match form.text(name).as_deref() {
        Some("true" | "on" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        _ => None,
    }
}

/// A Beijing wall-clock time `YYYY-MM-DD HH:MM` (or a date: midnight) as ms since the epoch:
/// the demo shows every time in Beijing time (as BeeCloud's console does), so it reads them so
/// too, whatever this machine's time zone.
pub(crate) fn beijing_time(form: &Form, name: &str) -> Result<Option<i64>, Failure> {
    let Some(text) = form.text(name) else {
        return Ok(None);
    };
    let parsed = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").or_else(|_| {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map(|date| date.and_time(NaiveTime::MIN))
    });
    let beijing = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    match parsed
        .ok()
        .and_then(|time| time.and_local_timezone(beijing).single())
    {
        Some(time) => Ok(Some(time.timestamp_millis())),
        None => Err(Failure::Input(format!(
            "`{name}` must be a Beijing time such as 2026-11-29 08:30 or a date, not {text:?}"
        ))),
    }
}

pub(crate) fn json_object(form: &Form, name: &str) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(text) = form.text(name) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        _ => Err(Failure::Input(format!(
            "`{name}` must be a JSON object such as {{\"key\": \"value\"}}"
        ))),
    }
}

pub(crate) fn list(form: &Form, name: &str) -> Vec<String> {
    form.get(name)
        .split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

pub(crate) fn channel(form: &Form, name: &str) -> Option<BCChannelType> {
    form.text(name).map(BCChannelType::from)
}

pub(crate) fn emulator(demo: &Demo) -> Result<&Emulator, Failure> {
    demo.emulator.as_ref().ok_or_else(|| {
        Failure::Input(
            "the demo runs against real BeeCloud: there is no emulator to control".into(),
        )
    })
}

/// Makes an SDK call that starts a transaction, with the order recorded first: BeeCloud (and
/// the emulator) may push its webhook before the call returns, and the receiver must know the
/// amount by then. A definite failure forgets the order; an unknown outcome keeps it.
pub(crate) fn expecting<T>(
    demo: &Demo,
    (kind, number, fee, channel): (&str, &str, i64, &str),
    call: impl FnOnce() -> Result<T, BCError>,
) -> Result<T, Failure> {
    demo.record_order(kind, number, fee, channel, "");
    call().map_err(|error| {
        if !error.outcome_unknown() {
            demo.forget_order(kind, number);
        }
        Failure::Sdk(error)
    })
}

/// Shows a successful result: `extra` (links, tables) first, then every field of the reply
/// (folded away when a table above already shows the records).
pub(crate) fn shown<T>(result: &BCResult<T>, mut extra: View) -> OpResult {
    let has_table = extra
        .0
        .iter()
        .any(|block| matches!(block, Block::Table { .. }));
    extra.reply(&result.raw, has_table);
    Ok(Outcome::Shown(extra))
}

/// A link to one of the demo's pages.
pub(crate) fn link(path: &str, params: &[(&str, &str)], label: &str) -> Inline {
    Inline::page(path, params, label)
}

pub(crate) fn criteria(form: &Form) -> Result<BCQueryCriteria, Failure> {
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = flag(form, "count_only");
    criteria.skip = integer(form, "skip")?;
    criteria.limit = integer(form, "limit")?;
    Ok(criteria)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_bounds_are_read_as_beijing_time() {
        let form = Form::parse("from=2026-12-01+08:00&day=2026-12-01&bad=yesterday");
        // 08:00 in Beijing is midnight UTC.
        assert_eq!(
            beijing_time(&form, "from").unwrap(),
            Some(1_796_083_200_000)
        );
        assert_eq!(
            beijing_time(&form, "day").unwrap(),
            Some(1_796_083_200_000 - 8 * 3_600_000)
        );
        assert!(beijing_time(&form, "bad").is_err());
        assert_eq!(beijing_time(&form, "missing").unwrap(), None);
    }
}
