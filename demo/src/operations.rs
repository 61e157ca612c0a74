//! Every SDK operation the demo offers, as data: a name, the form fields it needs and the handler
//! that reads the form, calls the SDK and shows the result. Section pages and the operation
//! pages are rendered from this table by [`crate::html`].

use std::collections::BTreeMap;

use beecloud::emulator::Emulator;
use beecloud::entity::{
    BCBatchTransferItem, BCBatchTransferParams, BCCardTransferParams, BCInternationalPayParams,
    BCPayPalCreditCard, BCPayReqParams, BCPlan, BCPreRefundAuditParams, BCQueryCriteria,
    BCQueryReqParams, BCRefundReqParams, BCSubscription, BCTransferRedPack, BCTransferReqParams,
};
use beecloud::{BCChannelType, BCError, BCResult, sales, user, utils};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value, json};

use crate::html::{self, escape};
use crate::server::{Form, Incoming};
use crate::{Demo, server};

/// What a handler produced.
pub enum Outcome {
    /// HTML to show under the operation's form.
    Shown(String),
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
}

impl Field {
    const fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            name,
            label,
            kind,
            default: "",
            help: "",
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
const PARENT_CHANNELS: &[&str] = &[
    "", "WX", "ALI", "UN", "JD", "YEE", "KUAIQIAN", "BD", "PAYPAL", "BC",
];
const TRI_STATE: &[&str] = &["", "true", "false"];

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

/// The section named `key`.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|section| section.key == key)
}

/// The operation named `name`.
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|operation| operation.name == name)
}

/// The section an operation belongs to.
pub fn section_of(name: &str) -> Option<&'static Section> {
    SECTIONS
        .iter()
        .find(|section| section.operations.contains(&name))
}

const PAY_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PAY_CHANNELS).default("WX_NATIVE"),
    Field::text("title", "title")
        .default("Demo order 演示订单")
        .help("at most 16 Chinese characters / 32 bytes"),
    Field::number("total_fee", "total_fee (fen)").default("1"),
    Field::text("bill_no", "bill_no")
        .default(NEW_ORDER_NO)
        .help("8–32 letters and digits"),
    Field::number("bill_timeout", "bill_timeout (s)"),
    Field::text("optional", "optional (JSON object)").help("echoed in webhooks"),
    Field::banks("bank", "bank (BC_GATEWAY)", BankList::Gateway),
    Field::text("openid", "openid (WX_JSAPI, BC_WX_JSAPI, WX_MINI)")
        .default("o3kKrjlUsMnv__cK5DYZMl0JoAkY")
        .help("from utils::fetch_open_id"),
    Field::text("card_no", "card_no (BC_EXPRESS)").default("6222000000000000"),
    Field::text("identity_id", "identity_id (YEE_WAP)").default("demobuyer1"),
    Field::text("cardno", "cardno (YEE_NOBANKCARD)").default("12345678901234567"),
    Field::text("cardpwd", "cardpwd (YEE_NOBANKCARD)").default("123456789012345678"),
    Field::text("frqid", "frqid (YEE_NOBANKCARD)").default("SZX"),
    Field::choice("qr_pay_mode", "qr_pay_mode (ALI_QRCODE)", &["0", "1", "3"]),
    Field::text("buyer_id", "buyer_id").help("required with coupon_id"),
    Field::text("coupon_id", "coupon_id"),
    Field::text("return_url", "return_url").help("blank: this demo's /return page"),
];

const QUERY_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::choice("spay_result", "spay_result (paid)", TRI_STATE),
    Field::check("need_detail", "need_detail"),
    Field::number("skip", "skip"),
    Field::number("limit", "limit").default("10"),
    Field::text("start_time", "created from (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
const QUERY_COUNT_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::choice("spay_result", "spay_result (paid)", TRI_STATE),
    Field::text("start_time", "created from (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
const REFUND_QUERY_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::text("refund_no", "refund_no"),
    Field::check("need_approval", "need_approval (pre-refunds only)"),
    Field::number("skip", "skip"),
    Field::number("limit", "limit").default("10"),
    Field::text("start_time", "created from (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
const REFUND_COUNT_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::text("refund_no", "refund_no"),
    Field::check("need_approval", "need_approval (pre-refunds only)"),
    Field::text("start_time", "created from (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (local time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
const CRITERIA_FIELDS: &[Field] = &[
    Field::check("count_only", "count_only"),
    Field::number("skip", "skip"),
    Field::number("limit", "limit").default("10"),
];

/// Every operation of the demo.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "pay", call: "BCPay::pay", summary: "Creates an online bill; the result says how the payer pays.", fields: PAY_FIELDS, run: pay },
    Operation { name: "query_bc_gateway_supported_banks", call: "BCQuery::query_bc_gateway_supported_banks", summary: "The banks of BC_GATEWAY: pick one to pay with.", fields: &[], run: gateway_banks },
    Operation { name: "international_pay", call: "BCPay::international_pay", summary: "PayPal: the payer approves at url, or a card is charged at once.", fields: &[
        Field::choice("channel", "channel", &["PAYPAL_PAYPAL", "PAYPAL_CREDITCARD", "PAYPAL_SAVED_CREDITCARD"]),
        Field::text("title", "title").default("PayPal demo"),
        Field::number("total_fee", "total_fee (cents)").default("1"),
        Field::choice("currency", "currency", &["USD", "EUR", "GBP", "JPY", "AUD", "CAD", "HKD"]),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("card_number", "card number (PAYPAL_CREDITCARD)").default("4111111111111111"),
        Field::number("expire_month", "expire_month").default("12"),
        Field::number("expire_year", "expire_year").default("2030"),
        Field::text("cvv", "cvv").default("123"),
        Field::text("first_name", "first_name").default("Bee"),
        Field::text("last_name", "last_name").default("Cloud"),
        Field::choice("card_type", "card_type", &["visa", "mastercard", "discover", "amex"]),
        Field::text("credit_card_id", "credit_card_id (PAYPAL_SAVED_CREDITCARD)"),
    ], run: international_pay },
    Operation { name: "query_bills", call: "BCQuery::query_bills", summary: "One page of bills, newest first.", fields: QUERY_FIELDS, run: query_bills },
    Operation { name: "query_bills_count", call: "BCQuery::query_bills_count", summary: "How many bills match.", fields: QUERY_COUNT_FIELDS, run: query_bills_count },
    Operation { name: "query_bill_by_id", call: "BCQuery::query_bill_by_id", summary: "A bill by BeeCloud's record id.", fields: &[Field::text("bill_id", "bill id").default("@recent:bill_id")], run: query_bill_by_id },
    Operation { name: "query_reconciliation", call: "BCQuery::query_reconciliation", summary: "Whether a bill is paid, according to BeeCloud's reconciliation (live mode).", fields: &[
        Field::text("bill_id", "bill id").default("@recent:bill_id"),
    ], run: query_reconciliation },
    Operation { name: "refund", call: "BCPay::refund", summary: "Refunds a paid bill, or with need_approval creates a pre-refund.", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:paid_bill_no"),
        Field::number("refund_fee", "refund_fee (fen)").default("1"),
        Field::text("refund_no", "refund_no").default(NEW_ORDER_NO).help("today's date + 3–24 letters or digits"),
        Field::choice("channel", "channel", PARENT_CHANNELS),
        Field::check("need_approval", "need_approval (pre-refund)"),
        Field::text("optional", "optional (JSON object)"),
    ], run: refund },
    Operation { name: "audit_pre_refunds", call: "BCPay::audit_pre_refunds", summary: "Approves or denies pre-refunds.", fields: &[
        Field::choice("channel", "channel", &["WX", "ALI", "UN", "JD", "YEE", "KUAIQIAN", "BD"]),
        Field::text("ids", "pre-refund ids").default("@recent:pre_refund_id").help("comma separated"),
        Field::choice("agree", "decision", &["true", "false"]).help("true: approve, false: deny"),
        Field::text("deny_reason", "deny_reason"),
    ], run: audit_pre_refunds },
    Operation { name: "query_refunds", call: "BCQuery::query_refunds", summary: "One page of refunds (pre-refunds can be audited from the list).", fields: REFUND_QUERY_FIELDS, run: query_refunds },
    Operation { name: "query_refunds_count", call: "BCQuery::query_refunds_count", summary: "How many refunds match.", fields: REFUND_COUNT_FIELDS, run: query_refunds_count },
    Operation { name: "query_refund_by_id", call: "BCQuery::query_refund_by_id", summary: "A refund by record id.", fields: &[Field::text("refund_id", "refund id").default("@recent:refund_id")], run: query_refund_by_id },
    Operation { name: "query_refund_status", call: "BCQuery::query_refund_status", summary: "Status of a WX / YEE / KUAIQIAN / BD refund (they send no refund webhook).", fields: &[
        Field::choice("channel", "channel", &["WX", "YEE", "KUAIQIAN", "BD"]), Field::text("refund_no", "refund_no").default("@recent:refund_no"),
    ], run: query_refund_status },
    Operation { name: "transfer_wx_redpack", call: "BCPay::transfer (WX_REDPACK)", summary: "Sends a WeChat red pack.", fields: &[
        Field::text("transfer_no", "transfer_no").default(NEW_REDPACK_NO).help("10 digits"),
        Field::number("total_fee", "total_fee (fen)").default("100").help("100–20000"),
        Field::text("desc", "desc").default("Red pack demo"),
        Field::text("channel_user_id", "receiver openid").default("o3kKrjlUsMnv__cK5DYZMl0JoAkY"),
        Field::text("send_name", "send_name").default("BeeCloud"),
        Field::text("wishing", "wishing").default("Happy new year"),
        Field::text("act_name", "act_name").default("Demo"),
    ], run: transfer_wx_redpack },
    Operation { name: "transfer_wx", call: "BCPay::transfer (WX_TRANSFER)", summary: "A WeChat transfer to an openid.", fields: &[
        Field::text("transfer_no", "transfer_no").default(NEW_ORDER_NO),
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("desc", "desc").default("WeChat transfer demo"),
        Field::text("channel_user_id", "receiver openid").default("o3kKrjlUsMnv__cK5DYZMl0JoAkY"),
    ], run: transfer_wx },
    Operation { name: "transfer_ali", call: "BCPay::transfer (ALI_TRANSFER)", summary: "An Alipay transfer; confirm it at url.", fields: &[
        Field::text("transfer_no", "transfer_no").default(NEW_ORDER_NO),
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("desc", "desc").default("Alipay transfer demo"),
        Field::text("channel_user_id", "receiver Alipay account").default("receiver@example.com"),
        Field::text("channel_user_name", "receiver name").default("Receiver"),
        Field::text("account_name", "payer account name").default("Demo merchant"),
    ], run: transfer_ali },
    Operation { name: "query_bc_transfer_supported_banks", call: "BCQuery::query_bc_transfer_supported_banks", summary: "Banks bc_transfer pays out to.", fields: &[
        Field::choice("type", "type", &["P_DE", "P_CR", "C"]),
    ], run: transfer_banks },
    Operation { name: "bc_transfer", call: "BCPay::bc_transfer", summary: "Pays out to a bank card; the outcome arrives by webhook.", fields: &[
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("title", "title").default("Card payout demo"),
        Field::banks("bank_fullname", "bank_fullname", BankList::Transfer),
        Field::choice("card_type", "card_type", &["DE", "CR"]),
        Field::choice("account_type", "account_type", &["P", "C"]),
        Field::text("account_no", "account_no").default("6222000000000000"),
        Field::text("account_name", "account_name").default("Receiver"),
        Field::text("mobile", "mobile").default("13800000000"),
    ], run: bc_transfer },
    Operation { name: "batch_transfer", call: "BCPay::batch_transfer", summary: "An Alipay batch payout; confirm it at url.", fields: &[
        Field::text("batch_no", "batch_no").default(NEW_ORDER_NO),
        Field::text("account_name", "payer account name").default("Demo merchant"),
        Field::area("transfer_data", "payouts").default("1,receiver1@example.com,Receiver One,100,Batch demo\n2,receiver2@example.com,Receiver Two,200,Batch demo")
            .help("one per line: transfer_id, receiver_account, receiver_name, transfer_fee, transfer_note"),
    ], run: batch_transfer },
    Operation { name: "query_plans", call: "BCQuery::query_plans", summary: "Subscription plans.", fields: CRITERIA_FIELDS, run: query_plans },
    Operation { name: "create_plan", call: "BCPay::create_plan", summary: "Creates a plan.", fields: &[
        Field::text("name", "name").default("Monthly demo plan"),
        Field::number("fee", "fee (fen)").default("100"),
        Field::choice("interval", "interval", &["month", "day", "week", "year"]),
        Field::number("interval_count", "interval_count").default("1"),
        Field::number("trial_days", "trial_days").default("0"),
    ], run: create_plan },
    Operation { name: "query_plan_by_id", call: "BCQuery::query_plan_by_id", summary: "A plan by id.", fields: &[Field::text("plan_id", "plan id").default("@recent:plan_id")], run: query_plan_by_id },
    Operation { name: "update_plan", call: "BCPay::update_plan", summary: "Renames a plan or replaces its optional.", fields: &[
        Field::text("plan_id", "plan id").default("@recent:plan_id"), Field::text("name", "new name"), Field::text("optional", "optional (JSON object)"),
    ], run: update_plan },
    Operation { name: "delete_plan", call: "BCPay::delete_plan", summary: "Deletes a plan.", fields: &[Field::text("plan_id", "plan id").default("@recent:plan_id")], run: delete_plan },
    Operation { name: "query_subscription_payment_supported_banks", call: "BCQuery::query_subscription_payment_supported_banks", summary: "Banks subscriptions can charge.", fields: &[], run: subscription_banks },
    Operation { name: "send_sms_passcode", call: "BCPay::send_sms_passcode (utils::send_sms_passcode)", summary: "Sends an SMS code for subscribe.", fields: &[
        Field::text("phone", "phone").default("13800000000"),
    ], run: send_sms_passcode },
    Operation { name: "subscribe", call: "BCPay::subscribe", summary: "Subscribes a buyer to a plan; valid = false means wait for the verification webhook.", fields: &[
        Field::text("plan_id", "plan id").default("@recent:plan_id"),
        Field::text("buyer_id", "buyer_id").default("demo-buyer"),
        Field::banks("bank_name", "bank_name", BankList::Subscription),
        Field::text("card_no", "card_no").default("6222000000000000"),
        Field::text("id_name", "id_name").default("张三"),
        Field::text("id_no", "id_no").default("110101199003077777"),
        Field::text("mobile", "mobile").default("13800000000"),
        Field::text("sms_id", "sms_id").default("@recent:sms_id"),
        Field::text("sms_code", "sms_code").default("@recent:sms_code"),
        Field::text("coupon_code", "coupon_code"),
    ], run: subscribe },
    Operation { name: "query_subscriptions", call: "BCQuery::query_subscriptions", summary: "Subscriptions.", fields: &[
        Field::text("buyer_id", "buyer_id"), Field::text("plan_id", "plan_id"),
        Field::check("count_only", "count_only"), Field::number("limit", "limit").default("10"),
    ], run: query_subscriptions },
    Operation { name: "query_subscription_by_id", call: "BCQuery::query_subscription_by_id", summary: "A subscription by id.", fields: &[Field::text("subscription_id", "subscription id").default("@recent:subscription_id")], run: query_subscription_by_id },
    Operation { name: "update_subscription", call: "BCPay::update_subscription", summary: "Changes a subscription.", fields: &[
        Field::text("subscription_id", "subscription id").default("@recent:subscription_id"), Field::text("amount", "amount (fee multiplier)"), Field::text("optional", "optional (JSON object)"),
    ], run: update_subscription },
    Operation { name: "cancel_subscription", call: "BCPay::cancel_subscription / cancel_subscription_at_period_end", summary: "Cancels a subscription now, or after its next charge.", fields: &[
        Field::text("subscription_id", "subscription id").default("@recent:subscription_id"), Field::check("at_period_end", "at period end"),
    ], run: cancel_subscription },
    Operation { name: "add_merchant_user", call: "user::add_merchant_user", summary: "Registers a buyer.", fields: &[
        Field::text("buyer_id", "buyer_id").default("demo-buyer"),
    ], run: add_merchant_user },
    Operation { name: "batch_add_merchant_users", call: "user::batch_add_merchant_users", summary: "Registers buyers under a merchant account.", fields: &[
        Field::text("merchant", "merchant account (email or phone)").default("merchant@example.com"),
        Field::text("buyer_ids", "buyer ids").default("buyer-a,buyer-b").help("comma separated"),
    ], run: batch_add_merchant_users },
    Operation { name: "query_merchant_users", call: "user::query_merchant_users", summary: "Registered buyers.", fields: &[
        Field::text("merchant", "merchant account").help("blank: users of this app"),
        Field::number("start_time", "start_time (ms)"), Field::number("end_time", "end_time (ms)"),
    ], run: query_merchant_users },
    Operation { name: "attach_buyer_history_bills", call: "user::attach_buyer_history_bills", summary: "Links earlier bills to a buyer.", fields: &[
        Field::text("buyer_id", "buyer_id").default("demo-buyer"),
        Field::text("bill_nos", "bill numbers").default("@recent:bill_no").help("comma separated"),
    ], run: attach_buyer_history_bills },
    Operation { name: "query_coupon_templates", call: "sales::query_coupon_templates", summary: "Coupon templates.", fields: &[
        Field::text("name", "name"), Field::check("count_only", "count_only"), Field::number("limit", "limit").default("10"),
    ], run: query_coupon_templates },
    Operation { name: "query_coupon_template", call: "sales::query_coupon_template", summary: "A template by id.", fields: &[Field::text("template_id", "template id").default("@recent:template_id")], run: query_coupon_template },
    Operation { name: "create_coupon", call: "sales::create_coupon", summary: "Hands a coupon of a template to a buyer.", fields: &[
        Field::text("template_id", "template id").default("@recent:template_id"), Field::text("user_id", "buyer id").default("demo-buyer"),
    ], run: create_coupon },
    Operation { name: "query_coupons", call: "sales::query_coupons", summary: "Coupons; pay with one from the list.", fields: &[
        Field::text("user_id", "buyer id"), Field::text("template_id", "template id").default("@recent:template_id"),
        Field::choice("status", "status", &["", "0", "1"]).help("0 unused, 1 redeemed"),
        Field::number("limit_fee", "usable on an order of (fen)"), Field::check("count_only", "count_only"),
    ], run: query_coupons },
    Operation { name: "query_coupon", call: "sales::query_coupon", summary: "A coupon by id.", fields: &[Field::text("coupon_id", "coupon id").default("@recent:coupon_id")], run: query_coupon },
    Operation { name: "offline_pay", call: "BCPay::offline_pay", summary: "An in-store bill.", fields: &[
        Field::choice("channel", "channel", OFFLINE_CHANNELS),
        Field::text("title", "title").default("Store order"),
        Field::number("total_fee", "total_fee (fen)").default("1"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("auth_code", "auth_code (scan channels)").default("134567890123456789"),
        Field::text("terminal_id", "terminal_id (ALI_SCAN)").default("T001"),
        Field::text("store_id", "store_id").default("store-1"),
    ], run: offline_pay },
    Operation { name: "query_offline_bill_status", call: "BCQuery::query_offline_bill_status", summary: "Whether an in-store bill is paid.", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:offline_bill_no"), Field::choice("channel", "channel", OFFLINE_CHANNELS),
    ], run: query_offline_bill_status },
    Operation { name: "offline_revert", call: "BCPay::offline_revert", summary: "Cancels an unpaid in-store bill (WX_SCAN, ALI_OFFLINE_QRCODE, ALI_SCAN).", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:offline_bill_no"), Field::choice("channel", "channel", &["WX_SCAN", "ALI_SCAN", "ALI_OFFLINE_QRCODE"]),
    ], run: offline_revert },
    Operation { name: "offline_refund", call: "BCPay::offline_refund", summary: "Refunds a paid in-store bill.", fields: &[
        Field::text("bill_no", "bill_no").default("@recent:offline_bill_no"), Field::choice("channel", "channel", &["WX", "ALI"]),
        Field::number("refund_fee", "refund_fee (fen)").default("1"),
        Field::text("refund_no", "refund_no").default(NEW_ORDER_NO),
    ], run: offline_refund },
    Operation { name: "verify_card_factors", call: "utils::verify_card_factors", summary: "Checks name + ID number (+ card number, + phone).", fields: &[
        Field::text("name", "name").default("张三"),
        Field::text("id_no", "id_no").default("110101199003077777"),
        Field::text("card_no", "card_no").help("optional: 3 factors"),
        Field::text("mobile", "mobile").help("optional: 4 factors"),
    ], run: verify_card_factors },
    Operation { name: "fetch_code", call: "utils::fetch_code / create_fetch_open_id_url", summary: "The WeChat OAuth URLs for WX_JSAPI's openid.", fields: &[
        Field::text("wx_app_id", "WeChat app id").default("wx0000000000000000"),
        Field::text("redirect_url", "redirect_url").default("https://merchant.example.com/wx/callback"),
        Field::text("wx_app_secret", "WeChat app secret (for the openid URL)"),
        Field::text("code", "code (from the redirect)"),
    ], run: fetch_code },
    Operation { name: "fetch_open_id", call: "utils::fetch_open_id", summary: "Exchanges a WeChat OAuth code for the openid (asks WeChat: needs internet).", fields: &[
        Field::text("wx_app_id", "WeChat app id"), Field::text("wx_app_secret", "WeChat app secret"), Field::text("code", "code"),
    ], run: fetch_open_id },
    Operation { name: "order_num_on_datetime", call: "utils::order_num_on_datetime", summary: "A bill number from the local time (17 digits).", fields: &[], run: order_num },
    Operation { name: "webhook_signature", call: "utils::webhook_signature", summary: "The signature BeeCloud puts on a webhook (check a push by hand).", fields: &[
        Field::text("transaction_id", "transaction_id").default("@recent:bill_no"), Field::choice("transaction_type", "transaction_type", &["PAY", "REFUND", "TRANSFER", "SUBSCRIPTION"]),
        Field::text("channel_type", "channel_type").default("WX"), Field::number("transaction_fee", "transaction_fee").default("1"),
    ], run: webhook_signature },
    Operation { name: "emulator_complete_payment", call: "Emulator::complete_payment", summary: "Pays a bill as the payer would (also possible on the cashier page).", fields: &[Field::text("bill", "bill id or bill_no").default("@recent:bill_no")], run: emulator_complete_payment },
    Operation { name: "emulator_complete_refund", call: "Emulator::complete_refund", summary: "Finishes a refund awaiting confirmation.", fields: &[Field::text("refund_id", "refund id").default("@recent:refund_id")], run: emulator_complete_refund },
    Operation { name: "emulator_complete_transfer", call: "Emulator::complete_transfer", summary: "Finishes a pending transfer (bc_transfer, ALI_TRANSFER, batch).", fields: &[Field::text("transfer", "transfer id or number").default("@recent:transfer")], run: emulator_complete_transfer },
    Operation { name: "emulator_finish_subscription_verification", call: "Emulator::finish_subscription_verification", summary: "Ends a subscription's card verification.", fields: &[
        Field::text("subscription_id", "subscription id").default("@recent:subscription_id"), Field::choice("success", "outcome", &["true", "false"]),
    ], run: emulator_finish_subscription },
    Operation { name: "emulator_last_sms_code", call: "Emulator::last_sms_code", summary: "The SMS code the emulator \"sent\".", fields: &[Field::text("phone", "phone").default("13800000000")], run: emulator_last_sms_code },
    Operation { name: "emulator_add_coupon_template", call: "Emulator::add_coupon_template", summary: "Adds a coupon template (the console's job).", fields: &[
        Field::text("name", "name").default("1 yuan off from 2 yuan"),
        Field::choice("type", "type", &["0", "1"]).help("0: amount off, 1: percentage"),
        Field::number("limit_fee", "limit_fee (fen)").default("200"),
        Field::text("discount", "discount").default("1").help("type 0: yuan off; type 1: the rate paid, such as 0.9"),
    ], run: emulator_add_coupon_template },
    Operation { name: "emulator_webhooks", call: "Emulator::webhooks", summary: "Every webhook the emulator pushed, with its delivery state.", fields: &[], run: emulator_webhooks },
];

// ---------------------------------------------------------------------------------------------
// Reading forms.

fn required(form: &Form, name: &str) -> Result<String, Failure> {
    form.text(name)
        .ok_or_else(|| Failure::Input(format!("`{name}` is required")))
}

fn integer(form: &Form, name: &str) -> Result<Option<i64>, Failure> {
    form.text(name)
        .map(|text| {
            text.parse::<i64>().map_err(|_| {
                Failure::Input(format!("`{name}` must be a whole number, not {text:?}"))
            })
        })
        .transpose()
}

fn required_integer(form: &Form, name: &str) -> Result<i64, Failure> {
    integer(form, name)?.ok_or_else(|| Failure::Input(format!("`{name}` is required")))
}

/// `Some(true)` / `Some(false)` for `true` / `false` (checkboxes send `true`), `None` when unset.
fn flag(form: &Form, name: &str) -> Option<bool> {
    match form.text(name).as_deref() {
        Some("true" | "on" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        _ => None,
    }
}

/// A local wall-clock time `YYYY-MM-DD HH:MM` (or a date: midnight) as ms since the epoch, the
/// way `utils::local_timestamp_since_epoch` turns Python's `datetime` into query bounds.
fn local_time(form: &Form, name: &str) -> Result<Option<i64>, Failure> {
    let Some(text) = form.text(name) else {
        return Ok(None);
    };
    let parsed = NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M").or_else(|_| {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map(|date| date.and_time(NaiveTime::MIN))
    });
    match parsed {
        Ok(local) => Ok(Some(utils::local_timestamp_since_epoch(local))),
        Err(_) => Err(Failure::Input(format!(
            "`{name}` must be a local time such as 2026-11-29 08:30 or a date, not {text:?}"
        ))),
    }
}

fn json_object(form: &Form, name: &str) -> Result<Option<Map<String, Value>>, Failure> {
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

fn list(form: &Form, name: &str) -> Vec<String> {
    form.get(name)
        .split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn channel(form: &Form, name: &str) -> Option<BCChannelType> {
    form.text(name).map(BCChannelType::from)
}

fn emulator(demo: &Demo) -> Result<&Emulator, Failure> {
    demo.emulator.as_ref().ok_or_else(|| {
        Failure::Input(
            "the demo runs against real BeeCloud: there is no emulator to control".into(),
        )
    })
}

/// Shows a successful result: `extra` (links, tables) first, then every field of the reply.
fn shown<T>(result: &BCResult<T>, extra: String) -> OpResult {
    Ok(Outcome::Shown(format!(
        "{extra}{}",
        html::reply_fields(&result.raw)
    )))
}

fn link(path: &str, params: &[(&str, &str)], label: &str) -> String {
    html::link(&html::url(path, params), label)
}

// ---------------------------------------------------------------------------------------------
// Pay.

fn pay(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel_name = required(form, "channel")?;
    let mut params = BCPayReqParams::default();
    let bill_no = form.text("bill_no").unwrap_or_else(crate::fresh_number);
    let total_fee = integer(form, "total_fee")?.unwrap_or(1);
    params.channel = Some(BCChannelType::from(channel_name.as_str()));
    params.title = Some(
        form.text("title")
            .unwrap_or_else(|| "Demo order 演示订单".into()),
    );
    params.total_fee = Some(total_fee);
    params.bill_no = Some(bill_no.clone());
    params.bill_timeout = integer(form, "bill_timeout")?;
    params.optional = json_object(form, "optional")?;
    params.return_url = Some(
        form.text("return_url")
            .unwrap_or_else(|| demo.return_url(&bill_no)),
    );
    params.buyer_id = form.text("buyer_id");
    params.coupon_id = form.text("coupon_id");
    match channel_name.as_str() {
        "BC_GATEWAY" => params.bank = Some(required(form, "bank")?),
        "BC_EXPRESS" => {
            params.card_no = Some(required(form, "card_no")?);
            // Quick pay binds the card to a buyer of the merchant.
            params.buyer_id.get_or_insert_with(|| "demo-buyer".into());
        }
        "WX_JSAPI" | "BC_WX_JSAPI" | "WX_MINI" => params.openid = Some(required(form, "openid")?),
        "WX_WAP" | "BC_WX_WAP" => {
            // WeChat H5 pay needs the payer's IP address.
            params.analysis = Some(Map::from_iter([(
                "ip".to_string(),
                Value::from(incoming.client_ip.clone()),
            )]));
        }
        "ALI_QRCODE" => {
            params.qr_pay_mode = Some(form.text("qr_pay_mode").unwrap_or_else(|| "0".into()))
        }
        "YEE_WAP" => {
            params.identity_id = Some(
                form.text("identity_id")
                    .unwrap_or_else(|| "demobuyer1".into()),
            )
        }
        "YEE_NOBANKCARD" => {
            params.cardno = Some(required(form, "cardno")?);
            params.cardpwd = Some(required(form, "cardpwd")?);
            params.frqid = Some(required(form, "frqid")?);
        }
        _ => {}
    }
    let result = demo.bc_pay.pay(&params)?;
    // The webhook must carry what the payer paid: with a coupon that is less than total_fee.
    let expected_fee = if params.coupon_id.is_some() {
        demo.bc_query
            .query_bill_by_id(&result.id)
            .ok()
            .and_then(|bill| bill.pay.total_fee)
            .unwrap_or(total_fee)
    } else {
        total_fee
    };
    demo.record_order("PAY", &bill_no, expected_fee, &channel_name, &result.id);
    if let Some(code) = result.code_url.as_deref().or(result.qr_code.as_deref()) {
        return Ok(Outcome::Shown(format!(
            "{}{}",
            html::qr_payment(&bill_no, expected_fee, code),
            html::reply_fields(&result.raw)
        )));
    }
    if let Some(url) = &result.url {
        return Ok(Outcome::Redirect(url.clone()));
    }
    if let Some(channel_page) = &result.html {
        return Ok(Outcome::ChannelPage(channel_page.clone()));
    }
    let mut extra = String::new();
    if result.sign_type.is_some() && result.pay_sign.is_some() {
        extra.push_str(&html::jsapi_parameters(&result));
    } else {
        extra.push_str("<p>An app channel: hand these fields to the channel's mobile SDK (the BeeCloud app SDKs do this).</p>");
    }
    if let Some(emulator) = &demo.emulator {
        extra.push_str(&format!(
            "<p>With the emulator you can pay this bill at its {} (what the WeChat / app SDK would show).</p>",
            html::link(&emulator.cashier_url(&result.id), "cashier page")
        ));
    }
    extra.push_str(&html::status_poller(&bill_no));
    shown(&result, extra)
}

fn gateway_banks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let banks = demo.bc_query.query_bc_gateway_supported_banks();
    let rows: String = banks
        .iter()
        .map(|(code, name)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(code),
                escape(name),
                html::post_button(
                    "/op/pay",
                    &[
                        ("channel", "BC_GATEWAY"),
                        ("bank", code),
                        ("total_fee", "1")
                    ],
                    "pay ¥0.01 with this bank"
                )
            )
        })
        .collect();
    Ok(Outcome::Shown(format!(
        "<p>{} banks (a local table, no request).</p><table><tr><th>code</th><th>name</th><th></th></tr>{rows}</table>",
        banks.len()
    )))
}

fn international_pay(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel_name = form
        .text("channel")
        .unwrap_or_else(|| "PAYPAL_PAYPAL".into());
    let bill_no = form.text("bill_no").unwrap_or_else(crate::fresh_number);
    let total_fee = integer(form, "total_fee")?.unwrap_or(1);
    let mut params = BCInternationalPayParams::default();
    params.channel = Some(BCChannelType::from(channel_name.as_str()));
    params.total_fee = Some(total_fee);
    params.currency = Some(form.text("currency").unwrap_or_else(|| "USD".into()));
    params.bill_no = Some(bill_no.clone());
    params.title = Some(form.text("title").unwrap_or_else(|| "PayPal demo".into()));
    match channel_name.as_str() {
        "PAYPAL_PAYPAL" => params.return_url = Some(demo.return_url(&bill_no)),
        "PAYPAL_CREDITCARD" => {
            let mut card = BCPayPalCreditCard::default();
            card.card_number = Some(required(form, "card_number")?);
            card.expire_month = Some(required_integer(form, "expire_month")?);
            card.expire_year = Some(required_integer(form, "expire_year")?);
            card.cvv = Some(required(form, "cvv")?);
            card.first_name = Some(required(form, "first_name")?);
            card.last_name = Some(required(form, "last_name")?);
            card.card_type = Some(form.text("card_type").unwrap_or_else(|| "visa".into()));
            params.credit_card_info = Some(card);
        }
        _ => params.credit_card_id = Some(required(form, "credit_card_id")?),
    }
    let result = demo.bc_pay.international_pay(&params)?;
    demo.record_order("PAY", &bill_no, total_fee, &channel_name, &result.id);
    let mut extra = String::new();
    if let Some(url) = &result.url {
        extra.push_str(&format!(
            "<p>Approve the payment at {}.</p>",
            html::link(url, "PayPal")
        ));
    }
    if let Some(card_id) = &result.credit_card_id {
        extra.push_str(&format!(
            "<p>Saved card: {} (pay with it again through PAYPAL_SAVED_CREDITCARD).</p>",
            link(
                "/op/international_pay",
                &[
                    ("channel", "PAYPAL_SAVED_CREDITCARD"),
                    ("credit_card_id", card_id)
                ],
                card_id
            )
        ));
    }
    extra.push_str(&html::status_poller(&bill_no));
    shown(&result, extra)
}

// ---------------------------------------------------------------------------------------------
// Bills.

fn bill_filters(form: &Form) -> Result<BCQueryReqParams, Failure> {
    let mut params = BCQueryReqParams::default();
    params.channel = channel(form, "channel");
    params.bill_no = form.text("bill_no");
    params.spay_result = flag(form, "spay_result");
    params.start_time = local_time(form, "start_time")?;
    params.end_time = local_time(form, "end_time")?;
    Ok(params)
}

fn query_bills(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = bill_filters(form)?;
    params.need_detail = flag(form, "need_detail");
    params.skip = integer(form, "skip")?;
    params.limit = integer(form, "limit")?;
    let result = demo.bc_query.query_bills(&params)?;
    let rows: Vec<Vec<String>> = result
        .bills
        .iter()
        .map(|bill| {
            let bill_no = bill.bill_no.clone().unwrap_or_default();
            let id = bill.id.clone().unwrap_or_default();
            let fee = bill.total_fee.unwrap_or_default().to_string();
            let paid = bill.spay_result == Some(true);
            let mut actions = link("/op/query_bill_by_id", &[("bill_id", &id)], "details");
            if paid {
                actions.push_str(" · ");
                actions.push_str(&link(
                    "/op/refund",
                    &[("bill_no", &bill_no), ("refund_fee", &fee)],
                    "refund",
                ));
            }
            vec![
                escape(&bill_no),
                escape(
                    &bill
                        .sub_channel
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                ),
                escape(&bill.title.clone().unwrap_or_default()),
                escape(&fee),
                if paid {
                    "<b class=\"ok\">paid</b>".into()
                } else {
                    "unpaid".into()
                },
                escape(
                    &bill
                        .refund_result
                        .map(|r| r.to_string())
                        .unwrap_or_default(),
                ),
                actions,
            ]
        })
        .collect();
    let table = html::table(
        &[
            "bill_no",
            "channel",
            "title",
            "total_fee",
            "status",
            "refunded",
            "",
        ],
        &rows,
    );
    Ok(Outcome::Shown(format!(
        "<p>{} bills on this page.</p>{table}{}",
        result.bills.len(),
        html::collapsed_reply(&result.raw)
    )))
}

fn query_bills_count(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_bills_count(&bill_filters(&incoming.form)?)?;
    shown(
        &result,
        format!("<p class=\"big\">{} bills</p>", result.count),
    )
}

fn query_bill_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_bill_by_id(&required(&incoming.form, "bill_id")?)?;
    shown(&result, String::new())
}

fn query_reconciliation(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_reconciliation(&required(&incoming.form, "bill_id")?)?;
    shown(&result, String::new())
}

// ---------------------------------------------------------------------------------------------
// Refunds.

fn refund(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = BCRefundReqParams::default();
    let refund_no = form.text("refund_no").unwrap_or_else(crate::fresh_number);
    let refund_fee = required_integer(form, "refund_fee")?;
    params.bill_no = Some(required(form, "bill_no")?);
    params.refund_no = Some(refund_no.clone());
    params.refund_fee = Some(refund_fee);
    params.channel = channel(form, "channel");
    params.need_approval = flag(form, "need_approval");
    params.optional = json_object(form, "optional")?;
    let result = demo.bc_pay.refund(&params)?;
    demo.record_order(
        "REFUND",
        &refund_no,
        refund_fee,
        form.get("channel"),
        &result.id,
    );
    let mut extra = String::new();
    if params.need_approval == Some(true) {
        demo.remember("pre_refund_id", &result.id);
        extra.push_str(&format!(
            "<p>Pre-refund created: {}.</p>",
            html::post_button(
                "/op/audit_pre_refunds",
                &[("ids", &result.id), ("agree", "true")],
                "approve it"
            )
        ));
    }
    if let Some(url) = &result.url {
        extra.push_str(&format!(
            "<p>Alipay: the merchant confirms this refund at {}.</p>",
            html::link(url, "the confirmation page")
        ));
    }
    extra.push_str(&format!(
        "<p>{}</p>",
        link(
            "/op/query_refund_by_id",
            &[("refund_id", &result.id)],
            "refund details"
        )
    ));
    shown(&result, extra)
}

fn audit_pre_refunds(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let ids = list(form, "ids");
    if ids.is_empty() {
        return Err(Failure::Input("`ids` is required".into()));
    }
    let mut params = BCPreRefundAuditParams::default();
    params.channel = Some(channel(form, "channel").unwrap_or(BCChannelType::WX));
    params.ids = Some(ids);
    params.agree = Some(flag(form, "agree").unwrap_or(true));
    params.deny_reason = form.text("deny_reason");
    let result = demo.bc_pay.audit_pre_refunds(&params)?;
    let mut extra = String::new();
    if let Some(url) = &result.url {
        extra.push_str(&format!(
            "<p>Alipay: confirm the approved refunds at {}.</p>",
            html::link(url, "the confirmation page")
        ));
    }
    shown(&result, extra)
}

fn refund_filters(form: &Form) -> Result<BCQueryReqParams, Failure> {
    let mut params = BCQueryReqParams::default();
    params.channel = channel(form, "channel");
    params.bill_no = form.text("bill_no");
    params.refund_no = form.text("refund_no");
    params.need_approval = flag(form, "need_approval");
    params.start_time = local_time(form, "start_time")?;
    params.end_time = local_time(form, "end_time")?;
    Ok(params)
}

fn query_refunds(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = refund_filters(form)?;
    params.skip = integer(form, "skip")?;
    params.limit = integer(form, "limit")?;
    let result = demo.bc_query.query_refunds(&params)?;
    let rows: Vec<Vec<String>> = result
        .refunds
        .iter()
        .map(|refund| {
            let id = refund.id.clone().unwrap_or_default();
            let channel_name = refund
                .channel
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default();
            let mut actions = link("/op/query_refund_by_id", &[("refund_id", &id)], "details");
            if refund.finish != Some(true) && params.need_approval == Some(true) {
                actions.push_str(&html::post_button(
                    "/op/audit_pre_refunds",
                    &[("ids", &id), ("channel", &channel_name), ("agree", "true")],
                    "approve",
                ));
                actions.push_str(&html::post_button(
                    "/op/audit_pre_refunds",
                    &[
                        ("ids", &id),
                        ("channel", &channel_name),
                        ("agree", "false"),
                        ("deny_reason", "denied in the demo"),
                    ],
                    "deny",
                ));
            }
            vec![
                escape(&refund.refund_no.clone().unwrap_or_default()),
                escape(&refund.bill_no.clone().unwrap_or_default()),
                escape(&channel_name),
                escape(&refund.refund_fee.unwrap_or_default().to_string()),
                escape(&format!(
                    "finish={} result={}",
                    refund.finish.unwrap_or_default(),
                    refund.result.unwrap_or_default()
                )),
                actions,
            ]
        })
        .collect();
    let table = html::table(
        &["refund_no", "bill_no", "channel", "refund_fee", "state", ""],
        &rows,
    );
    Ok(Outcome::Shown(format!(
        "<p>{} refunds on this page.</p>{table}{}",
        result.refunds.len(),
        html::collapsed_reply(&result.raw)
    )))
}

fn query_refunds_count(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_refunds_count(&refund_filters(&incoming.form)?)?;
    shown(
        &result,
        format!("<p class=\"big\">{} refunds</p>", result.count),
    )
}

fn query_refund_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_refund_by_id(&required(&incoming.form, "refund_id")?)?;
    shown(&result, String::new())
}

fn query_refund_status(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel = channel(form, "channel").unwrap_or(BCChannelType::WX);
    let result = demo
        .bc_query
        .query_refund_status(channel, &required(form, "refund_no")?)?;
    shown(
        &result,
        format!("<p class=\"big\">{}</p>", escape(&result.refund_status)),
    )
}

// ---------------------------------------------------------------------------------------------
// Transfers.

fn transfer_params(form: &Form, channel: BCChannelType) -> Result<BCTransferReqParams, Failure> {
    let mut params = BCTransferReqParams::default();
    params.channel = Some(channel);
    params.transfer_no = Some(required(form, "transfer_no")?);
    params.total_fee = Some(required_integer(form, "total_fee")?);
    params.desc = Some(form.text("desc").unwrap_or_else(|| "Demo transfer".into()));
    params.channel_user_id = Some(required(form, "channel_user_id")?);
    Ok(params)
}

fn run_transfer(demo: &Demo, params: &BCTransferReqParams) -> OpResult {
    let result = demo.bc_pay.transfer(params)?;
    let channel = params
        .channel
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let number = params.transfer_no.clone().unwrap_or_default();
    demo.record_order(
        "TRANSFER",
        &number,
        params.total_fee.unwrap_or_default(),
        &channel,
        result.id.as_deref().unwrap_or(""),
    );
    let mut extra = String::new();
    if let Some(url) = &result.url {
        extra.push_str(&format!(
            "<p>Confirm the transfer at {}.</p>",
            html::link(url, "the Alipay page")
        ));
    }
    shown(&result, extra)
}

fn transfer_wx_redpack(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = transfer_params(form, BCChannelType::WX_REDPACK)?;
    let mut redpack = BCTransferRedPack::default();
    redpack.send_name = Some(required(form, "send_name")?);
    redpack.wishing = Some(required(form, "wishing")?);
    redpack.act_name = Some(required(form, "act_name")?);
    params.redpack_info = Some(redpack);
    run_transfer(demo, &params)
}

fn transfer_wx(demo: &Demo, incoming: &Incoming) -> OpResult {
    run_transfer(
        demo,
        &transfer_params(&incoming.form, BCChannelType::WX_TRANSFER)?,
    )
}

fn transfer_ali(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = transfer_params(form, BCChannelType::ALI_TRANSFER)?;
    params.channel_user_name = Some(required(form, "channel_user_name")?);
    params.account_name = Some(required(form, "account_name")?);
    run_transfer(demo, &params)
}

fn transfer_banks(demo: &Demo, incoming: &Incoming) -> OpResult {
    let kind = incoming.form.text("type").unwrap_or_else(|| "P_DE".into());
    let result = demo.bc_query.query_bc_transfer_supported_banks(&kind)?;
    shown(&result, String::new())
}

fn bc_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = BCCardTransferParams::default();
    let bill_no = required(form, "bill_no")?;
    let total_fee = required_integer(form, "total_fee")?;
    params.total_fee = Some(total_fee);
    params.bill_no = Some(bill_no.clone());
    params.title = Some(form.text("title").unwrap_or_else(|| "Card payout".into()));
    params.bank_fullname = Some(required(form, "bank_fullname")?);
    params.card_type = Some(form.text("card_type").unwrap_or_else(|| "DE".into()));
    params.account_type = Some(form.text("account_type").unwrap_or_else(|| "P".into()));
    params.account_no = Some(required(form, "account_no")?);
    params.account_name = Some(required(form, "account_name")?);
    params.mobile = form.text("mobile");
    let result = demo.bc_pay.bc_transfer(&params)?;
    demo.record_order(
        "TRANSFER",
        &bill_no,
        total_fee,
        "BC_TRANSFER",
        result.id.as_deref().unwrap_or(""),
    );
    shown(
        &result,
        "<p>The outcome arrives by webhook (see <a href=\"/webhooks\">webhooks</a>).</p>".into(),
    )
}

fn batch_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut items = Vec::new();
    for (index, line) in form
        .get("transfer_data")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        let [transfer_id, account, name, fee, note] = parts[..] else {
            return Err(Failure::Input(format!(
                "payout line {} needs 5 comma-separated values",
                index + 1
            )));
        };
        let fee: i64 = fee.parse().map_err(|_| {
            Failure::Input(format!(
                "payout line {}: the fee must be a whole number",
                index + 1
            ))
        })?;
        let mut item = BCBatchTransferItem::default();
        item.transfer_id = Some(transfer_id.into());
        item.receiver_account = Some(account.into());
        item.receiver_name = Some(name.into());
        item.transfer_fee = Some(fee);
        item.transfer_note = Some(note.into());
        items.push(item);
    }
    let mut params = BCBatchTransferParams::default();
    params.batch_no = Some(required(form, "batch_no")?);
    params.account_name = Some(required(form, "account_name")?);
    for item in &items {
        let id = item.transfer_id.clone().unwrap_or_default();
        demo.record_order(
            "TRANSFER",
            &id,
            item.transfer_fee.unwrap_or_default(),
            "ALI_TRANSFER",
            "",
        );
    }
    params.transfer_data = Some(items);
    let result = demo.bc_pay.batch_transfer(&params)?;
    demo.remember("transfer", params.batch_no.as_deref().unwrap_or_default());
    let mut extra = String::new();
    if let Some(url) = &result.url {
        extra.push_str(&format!(
            "<p>Confirm the batch at {}.</p>",
            html::link(url, "the Alipay page")
        ));
    }
    shown(&result, extra)
}

// ---------------------------------------------------------------------------------------------
// Plans and subscriptions.

fn criteria(form: &Form) -> Result<BCQueryCriteria, Failure> {
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = flag(form, "count_only");
    criteria.skip = integer(form, "skip")?;
    criteria.limit = integer(form, "limit")?;
    Ok(criteria)
}

fn query_plans(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo.bc_query.query_plans(&criteria(&incoming.form)?)?;
    let rows: Vec<Vec<String>> = result
        .plans
        .iter()
        .map(|plan| {
            let id = plan.id.clone().unwrap_or_default();
            vec![
                escape(&id),
                escape(&plan.name.clone().unwrap_or_default()),
                escape(&format!(
                    "{} fen / {} {}",
                    plan.fee.unwrap_or_default(),
                    plan.interval_count.unwrap_or(1),
                    plan.interval.clone().unwrap_or_default()
                )),
                link("/op/subscribe", &[("plan_id", &id)], "subscribe"),
            ]
        })
        .collect();
    let count = result
        .total_count
        .map(|count| format!("<p class=\"big\">{count} plans</p>"))
        .unwrap_or_default();
    shown(
        &result,
        format!("{count}{}", html::table(&["id", "name", "fee", ""], &rows)),
    )
}

fn create_plan(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut plan = BCPlan::default();
    plan.name = Some(required(form, "name")?);
    plan.fee = Some(required_integer(form, "fee")?);
    plan.interval = Some(form.text("interval").unwrap_or_else(|| "month".into()));
    plan.interval_count = integer(form, "interval_count")?;
    plan.trial_days = integer(form, "trial_days")?;
    plan.currency = Some("CNY".into());
    let result = demo.bc_pay.create_plan(&plan)?;
    let id = result.plan.id.clone().unwrap_or_default();
    demo.remember("plan_id", &id);
    shown(
        &result,
        format!(
            "<p>{}</p>",
            link("/op/subscribe", &[("plan_id", &id)], "subscribe to it")
        ),
    )
}

fn query_plan_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_plan_by_id(&required(&incoming.form, "plan_id")?)?;
    shown(&result, String::new())
}

fn update_plan(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let optional = json_object(form, "optional")?;
    let result = demo.bc_pay.update_plan(
        &required(form, "plan_id")?,
        form.text("name").as_deref(),
        optional.as_ref(),
    )?;
    shown(&result, String::new())
}

fn delete_plan(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_pay
        .delete_plan(&required(&incoming.form, "plan_id")?)?;
    shown(&result, String::new())
}

fn subscription_banks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let result = demo.bc_query.query_subscription_payment_supported_banks()?;
    shown(&result, String::new())
}

fn send_sms_passcode(demo: &Demo, incoming: &Incoming) -> OpResult {
    let phone = required(&incoming.form, "phone")?;
    let result = demo.bc_pay.send_sms_passcode(&phone)?;
    let mut params = vec![("sms_id", result.sms_id.as_str())];
    let code = demo
        .emulator
        .as_ref()
        .and_then(|emulator| emulator.last_sms_code(&phone));
    let mut extra = String::new();
    demo.remember("sms_id", &result.sms_id);
    if let Some(code) = &code {
        demo.remember("sms_code", code);
        extra.push_str(&format!(
            "<p>The emulator's SMS says: <b>{}</b>.</p>",
            escape(code)
        ));
        params.push(("sms_code", code));
    }
    extra.push_str(&format!(
        "<p>{}</p>",
        link("/op/subscribe", &params, "subscribe with this code")
    ));
    shown(&result, extra)
}

fn subscribe(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut subscription = BCSubscription::default();
    subscription.plan_id = Some(required(form, "plan_id")?);
    subscription.buyer_id = Some(required(form, "buyer_id")?);
    subscription.bank_name = Some(required(form, "bank_name")?);
    subscription.card_no = Some(required(form, "card_no")?);
    subscription.id_name = Some(required(form, "id_name")?);
    subscription.id_no = Some(required(form, "id_no")?);
    subscription.mobile = Some(required(form, "mobile")?);
    let result = demo.bc_pay.subscribe(
        &subscription,
        &required(form, "sms_id")?,
        &required(form, "sms_code")?,
        form.text("coupon_code").as_deref(),
    )?;
    let id = result.subscription.id.clone().unwrap_or_default();
    demo.record_order("SUBSCRIPTION", &id, 0, "BC", &id);
    let mut extra = String::new();
    if result.subscription.valid == Some(false) && demo.emulator.is_some() {
        extra.push_str(&format!(
            "<p>Pending card verification: {}</p>",
            html::post_button(
                "/op/emulator_finish_subscription_verification",
                &[("subscription_id", &id), ("success", "true")],
                "let the emulator verify it"
            )
        ));
    }
    shown(&result, extra)
}

fn query_subscriptions(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut criteria = criteria(form)?;
    criteria.buyer_id = form.text("buyer_id");
    criteria.plan_id = form.text("plan_id");
    let result = demo.bc_query.query_subscriptions(&criteria)?;
    let rows: Vec<Vec<String>> = result
        .subscriptions
        .iter()
        .map(|subscription| {
            let id = subscription.id.clone().unwrap_or_default();
            vec![
                escape(&id),
                escape(&subscription.buyer_id.clone().unwrap_or_default()),
                escape(&subscription.plan_id.clone().unwrap_or_default()),
                escape(&format!(
                    "status={} valid={}",
                    subscription.status.clone().unwrap_or_default(),
                    subscription.valid.unwrap_or_default()
                )),
                html::post_button(
                    "/op/cancel_subscription",
                    &[("subscription_id", &id)],
                    "cancel",
                ),
            ]
        })
        .collect();
    let count = result
        .total_count
        .map(|count| format!("<p class=\"big\">{count} subscriptions</p>"))
        .unwrap_or_default();
    shown(
        &result,
        format!(
            "{count}{}",
            html::table(&["id", "buyer", "plan", "state", ""], &rows)
        ),
    )
}

fn query_subscription_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_subscription_by_id(&required(&incoming.form, "subscription_id")?)?;
    shown(&result, String::new())
}

fn update_subscription(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut changes = BCSubscription::default();
    changes.amount = form
        .text("amount")
        .map(|text| {
            text.parse::<f64>()
                .map_err(|_| Failure::Input("`amount` must be a number".into()))
        })
        .transpose()?;
    changes.optional = json_object(form, "optional")?;
    let result = demo
        .bc_pay
        .update_subscription(&required(form, "subscription_id")?, &changes)?;
    shown(&result, String::new())
}

fn cancel_subscription(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let id = required(form, "subscription_id")?;
    let result = if flag(form, "at_period_end") == Some(true) {
        demo.bc_pay.cancel_subscription_at_period_end(&id)?
    } else {
        demo.bc_pay.cancel_subscription(&id)?
    };
    shown(&result, String::new())
}

// ---------------------------------------------------------------------------------------------
// Merchant users and coupons.

fn add_merchant_user(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = user::add_merchant_user(&demo.app, &required(&incoming.form, "buyer_id")?)?;
    shown(&result, "<p>Registered.</p>".into())
}

fn batch_add_merchant_users(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let buyer_ids = list(form, "buyer_ids");
    if buyer_ids.is_empty() {
        return Err(Failure::Input("`buyer_ids` is required".into()));
    }
    let result =
        user::batch_add_merchant_users(&demo.app, &required(form, "merchant")?, buyer_ids)?;
    shown(&result, "<p>Registered.</p>".into())
}

fn query_merchant_users(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let merchant = form.text("merchant");
    let result = user::query_merchant_users(
        &demo.app,
        merchant.as_deref(),
        integer(form, "start_time")?,
        integer(form, "end_time")?,
    )?;
    shown(&result, format!("<p>{} users.</p>", result.users.len()))
}

fn attach_buyer_history_bills(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let bills = list(form, "bill_nos");
    if bills.is_empty() {
        return Err(Failure::Input("`bill_nos` is required".into()));
    }
    let bill_info = BTreeMap::from([(required(form, "buyer_id")?, bills)]);
    let result = user::attach_buyer_history_bills(&demo.app, &bill_info)?;
    shown(&result, String::new())
}

fn query_coupon_templates(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut criteria = criteria(form)?;
    criteria.name = form.text("name");
    let result = sales::query_coupon_templates(&demo.app, &criteria)?;
    let rows: Vec<Vec<String>> = result
        .coupon_templates
        .iter()
        .map(|template| {
            let id = template.id.clone().unwrap_or_default();
            vec![
                escape(&id),
                escape(&template.name.clone().unwrap_or_default()),
                escape(&format!(
                    "type={} limit_fee={} discount={}",
                    template.r#type.unwrap_or_default(),
                    template.limit_fee.unwrap_or_default(),
                    template.discount.unwrap_or_default()
                )),
                link("/op/create_coupon", &[("template_id", &id)], "hand out"),
            ]
        })
        .collect();
    shown(&result, html::table(&["id", "name", "terms", ""], &rows))
}

fn query_coupon_template(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result =
        sales::query_coupon_template(&demo.app, &required(&incoming.form, "template_id")?)?;
    shown(&result, String::new())
}

fn create_coupon(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let user_id = required(form, "user_id")?;
    let result = sales::create_coupon(&demo.app, &required(form, "template_id")?, &user_id)?;
    let coupon_id = result.coupon.id.clone().unwrap_or_default();
    demo.remember("coupon_id", &coupon_id);
    shown(
        &result,
        format!(
            "<p>{}</p>",
            pay_with_coupon_link(&coupon_id, &user_id, &result.coupon)
        ),
    )
}

fn pay_with_coupon_link(
    coupon_id: &str,
    user_id: &str,
    coupon: &beecloud::entity::BCCoupon,
) -> String {
    let fee = coupon
        .template
        .as_ref()
        .and_then(|template| template.limit_fee)
        .unwrap_or(1)
        .max(1)
        .to_string();
    link(
        "/op/pay",
        &[
            ("channel", "WX_NATIVE"),
            ("coupon_id", coupon_id),
            ("buyer_id", user_id),
            ("total_fee", &fee),
        ],
        "pay with this coupon",
    )
}

fn query_coupons(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut criteria = criteria(form)?;
    criteria.user_id = form.text("user_id");
    criteria.template_id = form.text("template_id");
    criteria.status = integer(form, "status")?;
    criteria.limit_fee = integer(form, "limit_fee")?;
    let result = sales::query_coupons(&demo.app, &criteria)?;
    let rows: Vec<Vec<String>> = result
        .coupons
        .iter()
        .map(|coupon| {
            let id = coupon.id.clone().unwrap_or_default();
            let user_id = coupon.user_id.clone().unwrap_or_default();
            let unused = coupon.status == Some(0);
            vec![
                escape(&id),
                escape(&user_id),
                escape(
                    coupon
                        .status
                        .map(|status| if status == 0 { "unused" } else { "redeemed" })
                        .unwrap_or_default(),
                ),
                if unused {
                    pay_with_coupon_link(&id, &user_id, coupon)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let count = result
        .total_count
        .map(|count| format!("<p class=\"big\">{count} coupons</p>"))
        .unwrap_or_default();
    shown(
        &result,
        format!(
            "{count}{}",
            html::table(&["id", "buyer", "status", ""], &rows)
        ),
    )
}

fn query_coupon(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = sales::query_coupon(&demo.app, &required(&incoming.form, "coupon_id")?)?;
    shown(&result, String::new())
}

// ---------------------------------------------------------------------------------------------
// Offline.

fn offline_pay(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let channel_name = required(form, "channel")?;
    let bill_no = form.text("bill_no").unwrap_or_else(crate::fresh_number);
    let total_fee = integer(form, "total_fee")?.unwrap_or(1);
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::from(channel_name.as_str()));
    params.title = Some(form.text("title").unwrap_or_else(|| "Store order".into()));
    params.total_fee = Some(total_fee);
    params.bill_no = Some(bill_no.clone());
    params.store_id = form.text("store_id");
    if channel_name.contains("SCAN") {
        params.auth_code = Some(required(form, "auth_code")?);
    }
    if channel_name == "ALI_SCAN" {
        params.terminal_id = form.text("terminal_id");
    }
    let result = demo.bc_pay.offline_pay(&params)?;
    demo.remember("offline_bill_no", &bill_no);
    demo.record_order(
        "PAY",
        &bill_no,
        total_fee,
        &channel_name,
        result.id.as_deref().unwrap_or(""),
    );
    let mut extra = String::new();
    if let Some(code) = result.code_url.as_deref().or(result.qr_code.as_deref()) {
        extra.push_str(&html::qr_payment(&bill_no, total_fee, code));
    } else {
        extra.push_str(&html::status_poller(&bill_no));
    }
    let status = [
        ("bill_no", bill_no.as_str()),
        ("channel", channel_name.as_str()),
    ];
    extra.push_str(&format!(
        "<p>{} · {}</p>",
        link("/op/query_offline_bill_status", &status, "poll the status"),
        link("/op/offline_revert", &status, "revert it")
    ));
    shown(&result, extra)
}

fn query_offline_bill_status(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let result = demo
        .bc_query
        .query_offline_bill_status(&required(form, "bill_no")?, channel(form, "channel"))?;
    shown(
        &result,
        format!(
            "<p class=\"big\">{}</p>",
            if result.pay_result {
                "paid"
            } else {
                "not paid"
            }
        ),
    )
}

fn offline_revert(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let result = demo
        .bc_pay
        .offline_revert(&required(form, "bill_no")?, channel(form, "channel"))?;
    shown(&result, String::new())
}

fn offline_refund(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = BCRefundReqParams::default();
    let refund_no = form.text("refund_no").unwrap_or_else(crate::fresh_number);
    let refund_fee = required_integer(form, "refund_fee")?;
    params.bill_no = Some(required(form, "bill_no")?);
    params.channel = channel(form, "channel");
    params.refund_fee = Some(refund_fee);
    params.refund_no = Some(refund_no.clone());
    let result = demo.bc_pay.offline_refund(&params)?;
    demo.record_order(
        "REFUND",
        &refund_no,
        refund_fee,
        form.get("channel"),
        result.id.as_deref().unwrap_or(""),
    );
    shown(&result, String::new())
}

// ---------------------------------------------------------------------------------------------
// Utilities.

fn verify_card_factors(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let card_no = form.text("card_no");
    let mobile = form.text("mobile");
    let result = utils::verify_card_factors(
        &demo.app,
        &required(form, "name")?,
        &required(form, "id_no")?,
        card_no.as_deref(),
        mobile.as_deref(),
    )?;
    shown(&result, String::new())
}

fn fetch_code(_demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let wx_app_id = required(form, "wx_app_id")?;
    let authorize = utils::fetch_code(&wx_app_id, &required(form, "redirect_url")?);
    let mut shown_html = format!(
        "<p>1. Send the payer's WeChat browser to the OAuth URL; WeChat comes back to redirect_url with a <code>code</code>:</p><pre>{}</pre>",
        escape(&authorize)
    );
    if let (Some(secret), Some(code)) = (form.text("wx_app_secret"), form.text("code")) {
        shown_html.push_str(&format!(
            "<p>2. The server exchanges the code for the openid at (<code>utils::fetch_open_id</code> does it):</p><pre>{}</pre>",
            escape(&utils::create_fetch_open_id_url(&wx_app_id, &secret, &code))
        ));
    }
    Ok(Outcome::Shown(shown_html))
}

fn fetch_open_id(_demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let openid = utils::fetch_open_id(
        &required(form, "wx_app_id")?,
        &required(form, "wx_app_secret")?,
        &required(form, "code")?,
    )?;
    Ok(Outcome::Shown(format!(
        "<p>openid: <b>{}</b> — {}</p>",
        escape(&openid),
        link(
            "/op/pay",
            &[("channel", "WX_JSAPI"), ("openid", &openid)],
            "pay with WX_JSAPI"
        )
    )))
}

fn order_num(_demo: &Demo, _incoming: &Incoming) -> OpResult {
    Ok(Outcome::Shown(format!(
        "<p class=\"big\">{}</p>",
        escape(&utils::order_num_on_datetime())
    )))
}

fn webhook_signature(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let signature = utils::webhook_signature(
        &demo.app.app_id,
        &required(form, "transaction_id")?,
        &required(form, "transaction_type")?,
        &required(form, "channel_type")?,
        required_integer(form, "transaction_fee")?,
        &demo.app.master_secret,
    );
    Ok(Outcome::Shown(format!(
        "<p>md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee + master_secret) = <code>{}</code></p>",
        escape(&signature)
    )))
}

// ---------------------------------------------------------------------------------------------
// Emulator controls.

fn emulator_done(result: Result<(), impl std::fmt::Display>, what: &str) -> OpResult {
    result.map_err(|e| Failure::Emulator(e.to_string()))?;
    Ok(Outcome::Shown(format!(
        "<p class=\"ok\">{}. The webhook is on its way: see <a href=\"/webhooks\">received webhooks</a>.</p>",
        escape(what)
    )))
}

fn emulator_complete_payment(demo: &Demo, incoming: &Incoming) -> OpResult {
    let bill = required(&incoming.form, "bill")?;
    emulator_done(emulator(demo)?.complete_payment(&bill), "Paid")
}

fn emulator_complete_refund(demo: &Demo, incoming: &Incoming) -> OpResult {
    let refund_id = required(&incoming.form, "refund_id")?;
    emulator_done(
        emulator(demo)?.complete_refund(&refund_id),
        "Refund finished",
    )
}

fn emulator_complete_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let transfer = required(&incoming.form, "transfer")?;
    emulator_done(
        emulator(demo)?.complete_transfer(&transfer),
        "Transfer finished",
    )
}

fn emulator_finish_subscription(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let id = required(form, "subscription_id")?;
    let success = flag(form, "success").unwrap_or(true);
    emulator_done(
        emulator(demo)?.finish_subscription_verification(&id, success),
        "Verification finished",
    )
}

fn emulator_last_sms_code(demo: &Demo, incoming: &Incoming) -> OpResult {
    let phone = required(&incoming.form, "phone")?;
    match emulator(demo)?.last_sms_code(&phone) {
        Some(code) => Ok(Outcome::Shown(format!(
            "<p class=\"big\">{}</p>",
            escape(&code)
        ))),
        None => Err(Failure::Emulator(format!("no SMS was sent to {phone}"))),
    }
}

fn emulator_add_coupon_template(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let discount: f64 = required(form, "discount")?
        .parse()
        .map_err(|_| Failure::Input("`discount` must be a number".into()))?;
    let template = json!({
        "name": required(form, "name")?,
        "type": integer(form, "type")?.unwrap_or(0),
        "limit_fee": integer(form, "limit_fee")?.unwrap_or(0),
        "discount": discount,
    });
    let Value::Object(template) = template else {
        return Err(Failure::Input("the template is not an object".into()));
    };
    let id = emulator(demo)?.add_coupon_template(template);
    demo.remember("template_id", &id);
    Ok(Outcome::Shown(format!(
        "<p>Template <code>{}</code> added: {}</p>",
        escape(&id),
        link(
            "/op/create_coupon",
            &[("template_id", &id)],
            "hand out a coupon"
        )
    )))
}

fn emulator_webhooks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let rows: Vec<Vec<String>> = emulator(demo)?
        .webhooks()
        .iter()
        .map(|webhook| {
            let field = |key: &str| {
                escape(
                    &webhook
                        .body
                        .get(key)
                        .map(|value| value.to_string())
                        .unwrap_or_default(),
                )
            };
            vec![
                field("transaction_type"),
                field("transaction_id"),
                field("transaction_fee"),
                escape(&webhook.url),
                escape(&webhook.attempts.to_string()),
                if webhook.delivered {
                    "<b class=\"ok\">yes</b>".into()
                } else {
                    "no".into()
                },
                escape(webhook.last_response.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    Ok(Outcome::Shown(html::table(
        &[
            "type",
            "id",
            "fee",
            "url",
            "attempts",
            "delivered",
            "last answer",
        ],
        &rows,
    )))
}

/// Builds a URL with query parameters (for links the handlers and pages make).
pub fn url_with(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                server::percent_encode(name),
                server::percent_encode(value)
            )
        })
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}
