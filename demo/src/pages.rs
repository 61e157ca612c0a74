//! The pages: the layout (one small stylesheet, no external fetches), the forms rendered from
//! the operation tables, the index, section, operation, bill and return pages.

use beecloud::BCError;

use crate::Demo;
use crate::http::{Form, Incoming};
use crate::markup::{CSRF_FIELD, escape, link, post_button, render, status_poller, url};
use crate::mask::is_sensitive_field;
use crate::operations::{
    self, BankList, CHANNELS_NEEDING_INPUT, Failure, Field, Kind, NEW_ORDER_NO, NEW_REDPACK_NO,
    OpResult, Operation, Outcome, PAGE_SIZE, RECENT, SECTIONS, Section,
};
use crate::style::STYLE;
use crate::view::{Block, View};

/// The page frame: title, navigation, body.
pub fn layout(title: &str, body: &str) -> String {
    let sections: String = SECTIONS
        .iter()
        .map(|section| {
            format!(
                "<a href=\"/section/{}\">{}</a>",
                section.key,
                escape(section.title)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · BeeCloud Rust demo</title><style>{STYLE}</style></head>\
         <body><header><nav><a class=\"brand\" href=\"/\">BeeCloud demo</a>{sections}<a href=\"/webhooks\">Webhooks</a></nav></header>\
         <main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
    )
}

/// Shows an operation's outcome: the result, or the error with Python's result_code / result_msg
/// / err_detail.
pub fn outcome(result: &OpResult) -> String {
    match result {
        Ok(Outcome::Shown(view)) => format!(
            "<div class=\"result\"><p class=\"ok\"><b>OK</b></p>{}</div>",
            render(view)
        ),
        Ok(Outcome::Redirect(target)) => format!("<p>Continue at {}.</p>", link(target, target)),
        Ok(Outcome::ChannelPage(_)) => "<p>The channel's page was served.</p>".into(),
        Err(failure) => failure_html(failure),
    }
}

/// Why an operation did not run or did not succeed.
pub fn failure_html(failure: &Failure) -> String {
    match failure {
        Failure::Input(problem) => format!(
            "<div class=\"error\"><b>Invalid input</b>: {} (nothing was sent)</div>",
            escape(problem)
        ),
        Failure::Emulator(problem) => format!(
            "<div class=\"error\"><b>The emulator refused</b>: {}</div>",
            escape(problem)
        ),
        Failure::Sdk(error) => error_html(error),
    }
}

/// A [`BCError`] as Python's `BCResult` fields.
pub fn error_html(error: &BCError) -> String {
    let code = error
        .result_code()
        .map(|code| code.to_string())
        .unwrap_or_else(|| "—".into());
    format!(
        "<div class=\"error\"><b>Failed</b><table><tr><th>result_code</th><td>{}</td></tr><tr><th>result_msg</th><td>{}</td></tr>\
         <tr><th>err_detail</th><td>{}</td></tr></table></div>",
        escape(&code),
        escape(&error.result_msg()),
        escape(&error.err_detail())
    )
}

/// The form of an operation, filled from `values` (else the field defaults).
///
/// Fields that belong to some channels only are shown for those: the page starts with the
/// chosen channel's fields, and a few lines of script follow the channel picker.
pub fn form(demo: &Demo, operation: &Operation, values: &Form, fresh_numbers: bool) -> String {
    let channel = values.text("channel").unwrap_or_else(|| {
        operation
            .fields
            .iter()
            .find(|field| field.name == "channel")
            .map(|field| field.default.to_string())
            .unwrap_or_default()
    });
    let inputs: String = operation
        .fields
        .iter()
        .map(|field| input(demo, field, values, fresh_numbers, &channel))
        .collect();
    let follow_channel = if operation
        .fields
        .iter()
        .any(|field| !field.channels.is_empty())
    {
        CHANNEL_FIELDS_SCRIPT
    } else {
        ""
    };
    format!(
        "<form class=\"op\" method=\"post\" action=\"/op/{}\">{CSRF_FIELD}<p><code>{}</code> — {}</p>{inputs}<button>{}</button></form>{follow_channel}",
        escape(operation.name),
        escape(operation.call),
        escape(operation.summary),
        escape(operation.name)
    )
}

/// Shows the fields of the channel picked in the form above (each `data-channels` lists its
/// channels).
const CHANNEL_FIELDS_SCRIPT: &str = "<script>(function(){var form=document.currentScript.previousElementSibling;\
var pick=form.querySelector('select[name=channel]');if(!pick)return;function show(){form.querySelectorAll('label[data-channels]')\
.forEach(function(label){label.hidden=label.dataset.channels.split(' ').indexOf(pick.value)<0;});}\
pick.addEventListener('change',show);show();})();</script>";

fn input(demo: &Demo, field: &Field, values: &Form, fresh_numbers: bool, channel: &str) -> String {
    let generated = matches!(field.default, NEW_ORDER_NO | NEW_REDPACK_NO);
    let value = match values.0.get(field.name) {
        // A card, account or ID number sent is never written back into a page.
        Some(_) if is_sensitive_field(field.name) => field.default.to_string(),
        Some(value) if !(fresh_numbers && generated) => value.clone(),
        _ => match field.default {
            NEW_ORDER_NO => crate::state::fresh_number(),
            NEW_REDPACK_NO => {
                let number = crate::state::fresh_number();
                number[number.len() - 10..].to_string()
            }
            default => match default.strip_prefix(RECENT) {
                Some(key) => demo.recent(key).unwrap_or_default(),
                None => default.to_string(),
            },
        },
    };
    let name = escape(field.name);
    let control = match field.kind {
        Kind::Text => format!(
            "<input name=\"{name}\" value=\"{}\" size=\"40\">",
            escape(&value)
        ),
        Kind::Number => format!(
            "<input name=\"{name}\" value=\"{}\" inputmode=\"numeric\" size=\"12\">",
            escape(&value)
        ),
        Kind::Area => format!(
            "<textarea name=\"{name}\" rows=\"4\" cols=\"70\">{}</textarea>",
            escape(&value)
        ),
        Kind::Check => format!(
            "<input type=\"checkbox\" name=\"{name}\" value=\"true\"{}>",
            if matches!(value.as_str(), "true" | "on" | "1") {
                " checked"
            } else {
                ""
            }
        ),
        Kind::Choice(options) => {
            let options: Vec<(String, String)> = options
                .iter()
                .map(|option| (option.to_string(), option.to_string()))
                .collect();
            select(&name, &options, &value)
        }
        Kind::Banks(list) => match banks(demo, list) {
            Ok(options) => select(&name, &options, &value),
            Err(error) => format!(
                "<input name=\"{name}\" value=\"{}\" size=\"40\"><span class=\"hint\">(the bank list failed: {})</span>",
                escape(&value),
                escape(&error.result_msg())
            ),
        },
    };
    let mut hint = field.help.to_string();
    if !field.channels.is_empty() {
        let only = format!("for {}", field.channels.join(", "));
        hint = if hint.is_empty() {
            only
        } else {
            format!("{hint} · {only}")
        };
    }
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!("<span class=\"hint\">{}</span>", escape(&hint))
    };
    let only = if field.channels.is_empty() {
        String::new()
    } else {
        let hidden = if field.channels.contains(&channel) {
            ""
        } else {
            " hidden"
        };
        format!(
            " data-channels=\"{}\"{hidden}",
            escape(&field.channels.join(" "))
        )
    };
    format!(
        "<label{only}><span>{}</span>{control}{hint}</label>",
        escape(field.label)
    )
}

fn select(name: &str, options: &[(String, String)], selected: &str) -> String {
    let options: String = options
        .iter()
        .map(|(value, label)| {
            let mark = if value == selected { " selected" } else { "" };
            let label = if label.is_empty() { "(any)" } else { label };
            format!(
                "<option value=\"{}\"{mark}>{}</option>",
                escape(value),
                escape(label)
            )
        })
        .collect();
    format!("<select name=\"{name}\">{options}</select>")
}

/// A bank list as (value, label) pairs.
fn banks(demo: &Demo, list: BankList) -> Result<Vec<(String, String)>, BCError> {
    Ok(match list {
        BankList::Gateway => demo
            .bc_query
            .query_bc_gateway_supported_banks()
            .iter()
            .map(|(code, name)| (code.to_string(), format!("{name} ({code})")))
            .collect(),
        BankList::Transfer => demo
            .bc_query
            .query_bc_transfer_supported_banks("P_DE")?
            .bank_list
            .iter()
            .map(|bank| (bank.clone(), bank.clone()))
            .collect(),
        BankList::Subscription => demo
            .bc_query
            .query_subscription_payment_supported_banks()?
            .banks
            .iter()
            .map(|bank| (bank.clone(), bank.clone()))
            .collect(),
    })
}

/// What this browser may do, said at the top of the pages that change things: nothing with the
/// embedded emulator; with real credentials, whether the operator token was entered here.
pub fn access_note(demo: &Demo, operator: bool) -> String {
    match (demo.needs_operator(), operator) {
        (false, _) => String::new(),
        (true, true) => {
            "<p class=\"access ok\">Operator: this browser may refund, pay out and pay.</p>".into()
        }
        (true, false) => format!(
            "<p class=\"access waiting\"><b>Read-only</b> in this browser: queries work; refunds, payouts, payments \
             and other changes need the operator token. {}.</p>",
            link("/operator", "Enter it")
        ),
    }
}

/// The page where the operator enters the token (kept in this browser's session).
pub fn operator_page(demo: &Demo, next: &str, wrong: bool) -> String {
    if !demo.needs_operator() {
        return layout(
            "Operator",
            &format!(
                "<p>Nothing to enter: the demo runs against its embedded emulator (demo credentials, no real money), \
                 so every operation is open. {}.</p>",
                link("/", "Back to the index")
            ),
        );
    }
    let problem = if wrong {
        "<p class=\"error\">That is not the operator token.</p>"
    } else {
        ""
    };
    layout(
        "Operator token",
        &format!(
            "{problem}<p>This demo acts with real BeeCloud credentials. Refunds, payouts, payments and every other \
             change need the operator token, printed in the demo's terminal when it started (or set with \
             <code>DEMO_OPERATOR_TOKEN</code>). Entered once, it stays with this browser's session.</p>\
             <form class=\"op\" method=\"post\" action=\"/operator\">{CSRF_FIELD}\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\
             <label><span>operator token</span><input type=\"password\" name=\"operator_token\" autocomplete=\"off\" size=\"40\"></label>\
             <button>Enter</button></form>",
            escape(next)
        ),
    )
}

/// The index: the mode, one button per pay channel, the sections.
pub fn index_page(demo: &Demo, operator: bool) -> String {
    let mode = match &demo.emulator {
        Some(emulator) => format!(
            "<p>Running against the <b>embedded BeeCloud emulator</b> at <code>{}</code> with its demo credentials: nothing leaves this machine. \
             Pay pages link to the emulator's cashier, where you complete the payment; its webhook comes back to this demo's <code>/webhook</code>.</p>",
            escape(&emulator.base_url())
        ),
        None => format!(
            "<p>Running against <code>{}</code> with app <code>{}</code>{}.</p>",
            escape(&demo.app.api_host),
            escape(&demo.app.app_id),
            if demo.app.is_test_mode {
                " in <b>test mode</b>"
            } else {
                ""
            }
        ),
    };
    let groups: &[(&str, &[&str])] = &[
        (
            "WeChat Pay 微信支付",
            &["WX_NATIVE", "WX_JSAPI", "WX_WAP", "WX_APP", "WX_MINI"],
        ),
        (
            "Alipay 支付宝",
            &["ALI_WEB", "ALI_WAP", "ALI_QRCODE", "ALI_APP"],
        ),
        ("UnionPay 银联", &["UN_WEB", "UN_WAP", "UN_APP"]),
        ("JD 京东", &["JD_WEB", "JD_WAP"]),
        ("Yeepay 易宝", &["YEE_WEB", "YEE_WAP", "YEE_NOBANKCARD"]),
        ("Kuaiqian 快钱", &["KUAIQIAN_WEB", "KUAIQIAN_WAP"]),
        ("Baidu 百度钱包", &["BD_WEB", "BD_WAP", "BD_APP"]),
        (
            "BeeCloud 聚合",
            &[
                "BC_NATIVE",
                "BC_ALI_QRCODE",
                "BC_GATEWAY",
                "BC_EXPRESS",
                "BC_WX_WAP",
                "BC_WX_JSAPI",
                "BC_ALI_WAP",
                "BC_ALI_WEB",
                "BC_WX_APP",
                "BC_ALI_APP",
            ],
        ),
    ];
    let buttons: String = groups
        .iter()
        .map(|(title, channels)| {
            let buttons: String = channels
                .iter()
                .map(|channel| {
                    if CHANNELS_NEEDING_INPUT.contains(channel) {
                        format!(
                            "<a class=\"button\" href=\"{}\">{}…</a>",
                            escape(&url("/op/pay", &[("channel", channel)])),
                            escape(channel)
                        )
                    } else {
                        post_button(
                            "/op/pay",
                            &[("channel", channel), ("total_fee", "1")],
                            channel,
                        )
                    }
                })
                .collect();
            format!(
                "<tr><th>{}</th><td class=\"channels\">{buttons}</td></tr>",
                escape(title)
            )
        })
        .collect();
    let sections: String = SECTIONS
        .iter()
        .filter(|section| section.key != "emulator" || demo.emulator.is_some())
        .map(|section| {
            let names: Vec<&str> = section
                .operations
                .iter()
                .copied()
                .filter(|name| operations::available(demo, name))
                .collect();
            format!(
                "<li><a href=\"/section/{}\"><b>{}</b></a><span>{}</span></li>",
                section.key,
                escape(section.title),
                escape(&names.join(" · "))
            )
        })
        .collect();
    let access = access_note(demo, operator);
    layout(
        "BeeCloud Rust SDK demo",
        &format!(
            "{mode}{access}<h2>Pay ¥0.01</h2><p>One click creates a bill (channels marked … ask for more input first). \
             {} · {}</p><table class=\"groups\">{buttons}</table><h2>Everything else</h2><ul class=\"sections\">{sections}\
             <li><a href=\"/webhooks\"><b>Received webhooks</b></a><span>what the receiver verified, settled or rejected</span></li></ul>",
            link(
                "/op/query_bc_gateway_supported_banks",
                "BC_GATEWAY: choose a bank"
            ),
            link("/op/international_pay", "PayPal")
        ),
    )
}

/// The latest records of a section that lists them (`?page=N` for older ones; the other query
/// parameters filter, e.g. `bill_no`): one page of [`PAGE_SIZE`], newer and older links.
fn latest_records(demo: &Demo, section: &Section, values: &Form) -> String {
    let Some(query) = operations::listing(section.key) else {
        return String::new();
    };
    let page: usize = values
        .text("page")
        .and_then(|page| page.parse().ok())
        .filter(|page| *page >= 1)
        .unwrap_or(1);
    let mut form = values.clone();
    form.0.remove("page");
    let filters = form.clone();
    form.0.insert("limit".into(), PAGE_SIZE.to_string());
    form.0
        .insert("skip".into(), ((page - 1) * PAGE_SIZE).to_string());
    let request = Incoming {
        method: "GET".into(),
        path: format!("/section/{}", section.key),
        form,
        body: Vec::new(),
        client_ip: "127.0.0.1".into(),
        headers: Vec::new(),
    };
    let result = (query.run)(demo, &request);
    let rows = match &result {
        Ok(Outcome::Shown(view)) => view
            .0
            .iter()
            .find_map(|block| match block {
                Block::Table { rows, .. } => Some(rows.len()),
                _ => None,
            })
            .unwrap_or(0),
        _ => 0,
    };
    let page_link = |page: usize, label: &str| {
        let mut params: Vec<(&str, &str)> = filters
            .0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let page = page.to_string();
        params.push(("page", &page));
        format!(
            "<a class=\"button pager\" href=\"{}\">{}</a>",
            escape(&url(&format!("/section/{}", section.key), &params)),
            escape(label)
        )
    };
    let newer = if page > 1 {
        page_link(page - 1, "← newer")
    } else {
        String::new()
    };
    let older = if rows >= PAGE_SIZE {
        page_link(page + 1, "older →")
    } else {
        String::new()
    };
    let shown = match &result {
        Ok(Outcome::Shown(view)) => render(view),
        other => outcome(other),
    };
    format!(
        "<section class=\"latest\"><h2>Latest, page {page}</h2>{shown}<p class=\"pages\">{newer} {older}</p></section>"
    )
}

/// A section: its introduction, its latest records (bills, refunds, payouts) and the forms of
/// all its operations.
pub fn section_page(demo: &Demo, section: &Section, values: &Form, operator: bool) -> String {
    let forms: String = section
        .operations
        .iter()
        .filter(|name| operations::available(demo, name))
        .filter_map(|name| operations::find(name))
        .map(|operation| {
            format!(
                "<h2 id=\"{0}\">{0}</h2>{1}",
                escape(operation.name),
                form(demo, operation, values, false)
            )
        })
        .collect();
    let access = if section
        .operations
        .iter()
        .any(|name| operations::changes_state(name))
    {
        access_note(demo, operator)
    } else {
        String::new()
    };
    let latest = latest_records(demo, section, values);
    layout(
        section.title,
        &format!("{}{access}{latest}{forms}", section.intro),
    )
}

/// One operation: its form and, after a POST, what happened.
pub fn operation_page(
    demo: &Demo,
    operation: &Operation,
    values: &Form,
    result: Option<OpResult>,
    operator: bool,
) -> String {
    let access = if operations::changes_state(operation.name) {
        access_note(demo, operator)
    } else {
        String::new()
    };
    let back = operations::section_of(operation.name)
        .map(|section| {
            format!(
                "<p>Part of {}.</p>",
                link(&format!("/section/{}", section.key), section.title)
            )
        })
        .unwrap_or_default();
    let shown = result.as_ref().map(outcome).unwrap_or_default();
    let form = form(demo, operation, values, result.is_some());
    let again = if result.is_some() {
        "<h2>Again</h2>"
    } else {
        ""
    };
    layout(
        operation.name,
        &format!("{back}{access}{shown}{again}{form}"),
    )
}

/// A bill (`/bill/{bill_no}`): when the demo created it, what the pay call answered (QR code,
/// parameters, the live status: where creating it redirected to; reloading it creates nothing);
/// then the bill as BeeCloud has it, with the refund form once it is paid.
pub fn bill_page(
    bill_no: &str,
    kept: Option<&View>,
    record: &Result<Option<(View, bool)>, Failure>,
) -> String {
    let created = kept.map(render).unwrap_or_default();
    let record = match record {
        Ok(Some((view, _))) => render(view),
        Ok(None) => "<p class=\"muted\">BeeCloud does not list this bill (yet).</p>".into(),
        Err(failure) => failure_html(failure),
    };
    let heading = "<h2 id=\"refund\">The bill at BeeCloud</h2>";
    layout(
        &format!("Bill {bill_no}"),
        &format!(
            "{created}{heading}{record}<p>{} · {}</p>",
            link("/op/pay", "pay another bill"),
            link("/", "back to the index")
        ),
    )
}

/// A refund's or a payout's page (`/refund/{refund_no}`, `/transfer/{number}`).
pub fn record_page(title: &str, record: &Result<Option<View>, Failure>) -> String {
    let body = match record {
        Ok(Some(view)) => render(view),
        Ok(None) => "<p class=\"muted\">BeeCloud does not list it (yet).</p>".into(),
        Err(failure) => failure_html(failure),
    };
    layout(title, &body)
}

/// Where the channel sends the payer back (`return_url`).
pub fn return_page(bill_no: &str) -> String {
    layout(
        "Back from the channel",
        &format!(
            "<p>The channel sent you back. The webhook (not this redirect) tells the merchant the bill is paid:</p>{}<p>{}</p>",
            status_poller(bill_no),
            link(
                &format!("/bill/{}", crate::http::percent_encode(bill_no)),
                "the bill's page"
            )
        ),
    )
}
