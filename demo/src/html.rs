//! Server-rendered HTML: the one [`escape`] helper, the layout, the form helper, the
//! result/error helper and the pages built from [`crate::operations`].
//!
//! Everything that came from a request or a reply goes through [`escape`]. The one exception is
//! the `html` of a pay result, served as the whole page on purpose (it is the channel's
//! auto-submitting form, made to be rendered, as the Python demo does).

use beecloud::entity::PayResult;
use beecloud::{BCError, BCResult};
use serde_json::{Map, Value};

use crate::Demo;
use crate::operations::{
    self, BankList, CHANNELS_NEEDING_INPUT, Failure, Field, Kind, NEW_ORDER_NO, NEW_REDPACK_NO,
    OpResult, Operation, Outcome, RECENT, SECTIONS, Section,
};
use crate::server::Form;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70em;margin:1em auto;padding:0 1em;color:#222}\
nav a{margin-right:.8em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
form.op{background:#f6f6f6;padding:.6em 1em;border-radius:6px;margin:.5em 0}form.op label{display:block;margin:.25em 0}\
form.op label span{display:inline-block;min-width:21em}form.inline{display:inline;margin:0 .2em}\
.ok{color:#070}.error{background:#fee;border:1px solid #c66;padding:.5em 1em;border-radius:6px}.big{font-size:1.5em}\
.channels button{margin:.2em}.help{color:#777;font-size:.9em;margin-left:.5em}pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.5em}\
.qr svg{width:220px;height:220px}";

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
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title} · BeeCloud Rust demo</title><style>{STYLE}</style></head>\
         <body><nav><a href=\"/\"><b>BeeCloud demo</b></a>{sections}<a href=\"/webhooks\">Webhooks</a></nav><h1>{title}</h1>{body}</body></html>",
        title = escape(title),
    )
}

/// `path?name=value&…`, encoded.
pub fn url(path: &str, params: &[(&str, &str)]) -> String {
    operations::url_with(path, params)
}

/// A link; both the target and the label are escaped.
pub fn link(target: &str, label: &str) -> String {
    format!("<a href=\"{}\">{}</a>", escape(target), escape(label))
}

/// A one-button form POSTing hidden fields (for actions that change something).
pub fn post_button(action: &str, fields: &[(&str, &str)], label: &str) -> String {
    let hidden: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect();
    format!(
        "<form class=\"inline\" method=\"post\" action=\"{}\">{hidden}<button>{}</button></form>",
        escape(action),
        escape(label)
    )
}

/// A table; `rows` hold HTML the caller has already escaped.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return "<p><i>none</i></p>".into();
    }
    let head: String = headers
        .iter()
        .map(|header| format!("<th>{}</th>", escape(header)))
        .collect();
    let body: String = rows
        .iter()
        .map(|row| {
            format!(
                "<tr>{}</tr>",
                row.iter()
                    .map(|cell| format!("<td>{cell}</td>"))
                    .collect::<String>()
            )
        })
        .collect();
    format!("<table><tr>{head}</tr>{body}</table>")
}

/// Every field of a reply (escaped), nested objects and lists of objects as tables.
pub fn reply_fields(raw: &Map<String, Value>) -> String {
    format!("<h3>Reply</h3>{}", object_table(raw))
}

/// [`reply_fields`] folded away (under tables the handler already made).
pub fn collapsed_reply(raw: &Map<String, Value>) -> String {
    format!(
        "<details><summary>Whole reply</summary>{}</details>",
        object_table(raw)
    )
}

fn object_table(object: &Map<String, Value>) -> String {
    let rows: String = object
        .iter()
        .map(|(key, value)| {
            format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(key),
                value_html(value)
            )
        })
        .collect();
    format!("<table>{rows}</table>")
}

fn value_html(value: &Value) -> String {
    match value {
        Value::Null => "<i>null</i>".into(),
        Value::String(text) if text.len() > 200 || text.contains('<') => {
            format!("<pre>{}</pre>", escape(text))
        }
        Value::String(text) => escape(text),
        Value::Object(object) if object.is_empty() => "{}".into(),
        Value::Object(object) => object_table(object),
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let mut columns: Vec<&String> = Vec::new();
            for item in items.iter().filter_map(Value::as_object) {
                for key in item.keys() {
                    if !columns.contains(&key) {
                        columns.push(key);
                    }
                }
            }
            let headers: Vec<&str> = columns.iter().map(|column| column.as_str()).collect();
            let rows: Vec<Vec<String>> = items
                .iter()
                .filter_map(Value::as_object)
                .map(|item| {
                    columns
                        .iter()
                        .map(|column| item.get(*column).map(value_html).unwrap_or_default())
                        .collect()
                })
                .collect();
            table(&headers, &rows)
        }
        Value::Array(items) => escape(
            &items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => escape(&other.to_string()),
    }
}

/// Shows an operation's outcome: the result, or the error with Python's result_code / result_msg
/// / err_detail.
pub fn outcome(result: &OpResult) -> String {
    match result {
        Ok(Outcome::Shown(shown)) => {
            format!("<div class=\"result\"><p class=\"ok\"><b>OK</b></p>{shown}</div>")
        }
        Ok(Outcome::Redirect(target)) => format!("<p>Continue at {}.</p>", link(target, target)),
        Ok(Outcome::ChannelPage(_)) => "<p>The channel's page was served.</p>".into(),
        Err(Failure::Input(problem)) => format!(
            "<div class=\"error\"><b>Invalid input</b>: {} (nothing was sent)</div>",
            escape(problem)
        ),
        Err(Failure::Emulator(problem)) => format!(
            "<div class=\"error\"><b>The emulator refused</b>: {}</div>",
            escape(problem)
        ),
        Err(Failure::Sdk(error)) => error_html(error),
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
pub fn form(demo: &Demo, operation: &Operation, values: &Form, fresh_numbers: bool) -> String {
    let inputs: String = operation
        .fields
        .iter()
        .map(|field| input(demo, field, values, fresh_numbers))
        .collect();
    format!(
        "<form class=\"op\" method=\"post\" action=\"/op/{}\"><p><code>{}</code> — {}</p>{inputs}<button>{}</button></form>",
        escape(operation.name),
        escape(operation.call),
        escape(operation.summary),
        escape(operation.name)
    )
}

fn input(demo: &Demo, field: &Field, values: &Form, fresh_numbers: bool) -> String {
    let generated = matches!(field.default, NEW_ORDER_NO | NEW_REDPACK_NO);
    let value = match values.0.get(field.name) {
        Some(value) if !(fresh_numbers && generated) => value.clone(),
        _ => match field.default {
            NEW_ORDER_NO => crate::fresh_number(),
            NEW_REDPACK_NO => {
                let number = crate::fresh_number();
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
                "<input name=\"{name}\" value=\"{}\" size=\"40\"><span class=\"help\">(the bank list failed: {})</span>",
                escape(&value),
                escape(&error.result_msg())
            ),
        },
    };
    let help = if field.help.is_empty() {
        String::new()
    } else {
        format!("<span class=\"help\">{}</span>", escape(field.help))
    };
    format!(
        "<label><span>{}</span>{control}{help}</label>",
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

/// The index: the mode, one button per pay channel, the sections.
pub fn index_page(demo: &Demo) -> String {
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
                            "<a href=\"{}\"><button>{}…</button></a>",
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
            let operations: Vec<String> = section
                .operations
                .iter()
                .map(|name| link(&format!("/op/{name}"), name))
                .collect();
            format!(
                "<li><a href=\"/section/{}\"><b>{}</b></a>: {}</li>",
                section.key,
                escape(section.title),
                operations.join(", ")
            )
        })
        .collect();
    layout(
        "BeeCloud Rust SDK demo",
        &format!(
            "{mode}<h2>Pay ¥0.01</h2><p>One click creates a bill (channels marked … ask for more input first). \
             {} · {}</p><table>{buttons}</table><h2>Everything else</h2><ul>{sections}<li><a href=\"/webhooks\"><b>Received webhooks</b></a></li></ul>",
            link(
                "/op/query_bc_gateway_supported_banks",
                "BC_GATEWAY: choose a bank"
            ),
            link("/op/international_pay", "PayPal")
        ),
    )
}

/// A section: its introduction and the forms of all its operations.
pub fn section_page(demo: &Demo, section: &Section, values: &Form) -> String {
    let forms: String = section
        .operations
        .iter()
        .filter_map(|name| operations::find(name))
        .map(|operation| {
            format!(
                "<h2 id=\"{0}\">{0}</h2>{1}",
                escape(operation.name),
                form(demo, operation, values, false)
            )
        })
        .collect();
    layout(section.title, &format!("{}{forms}", section.intro))
}

/// One operation: its form and, after a POST, what happened.
pub fn operation_page(
    demo: &Demo,
    operation: &Operation,
    values: &Form,
    result: Option<OpResult>,
) -> String {
    if let Some(Ok(Outcome::ChannelPage(channel_page))) = result {
        return channel_page;
    }
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
    layout(operation.name, &format!("{back}{shown}{again}{form}"))
}

/// The QR code of a `code_url` (WeChat's answer is the code's content only: the merchant draws it),
/// a link standing for "scan it with the phone", and the live status.
pub fn qr_payment(bill_no: &str, fee: i64, code: &str) -> String {
    let svg = qr_svg(code);
    format!(
        "<h2>Scan to pay ¥{}.{:02}</h2><div class=\"qr\">{svg}</div>\
         <p>The QR code holds <code>{}</code>. Drawn here with the <code>qrcode</code> crate:</p>\
         <pre>let svg = qrcode::QrCode::new(result.code_url.as_deref().unwrap())?\n    .render::&lt;qrcode::render::svg::Color&gt;()\n    .min_dimensions(220, 220)\n    .build();</pre>\
         <p>No phone at hand? {} (the page a payer's wallet would show), pay there, and watch this page.</p>{}",
        fee / 100,
        fee % 100,
        escape(code),
        format_args!(
            "<a id=\"open-cashier\" href=\"{}\" target=\"_blank\">Open the payment link</a>",
            escape(code)
        ),
        status_poller(bill_no)
    )
}

/// The code as an inline SVG image (empty when the text does not fit a QR code).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build();
            // Drop the XML declaration: the SVG is inlined into HTML.
            match svg.find("<svg") {
                Some(start) => svg[start..].to_string(),
                None => svg,
            }
        }
        Err(_) => "<p><i>(too long for a QR code)</i></p>".into(),
    }
}

/// A line that turns to "paid" when the demo learns the bill was paid (polls `/bill_status`).
pub fn status_poller(bill_no: &str) -> String {
    format!(
        "<p>Status of bill <code>{0}</code>: <b id=\"bill-status\" data-bill-no=\"{0}\">waiting for payment…</b></p>\
<script>(function(){{var el=document.getElementById('bill-status');\
function poll(){{fetch('/bill_status?bill_no='+encodeURIComponent(el.dataset.billNo)).then(function(r){{return r.json();}})\
.then(function(s){{if(s.paid){{el.textContent='paid';el.className='ok';}}else{{setTimeout(poll,1000);}}}})\
.catch(function(){{setTimeout(poll,2000);}});}}poll();}})();</script>",
        escape(bill_no)
    )
}

/// The WX_JSAPI parameters and the page script that hands them to WeChat.
pub fn jsapi_parameters(result: &BCResult<PayResult>) -> String {
    let parameters = [
        ("appId", result.app_id.clone()),
        ("timeStamp", result.timestamp.clone()),
        ("nonceStr", result.nonce_str.clone()),
        ("package", result.package.clone()),
        ("signType", result.sign_type.clone()),
        ("paySign", result.pay_sign.clone()),
    ];
    let rows: Vec<Vec<String>> = parameters
        .iter()
        .map(|(name, value)| vec![escape(name), escape(value.as_deref().unwrap_or(""))])
        .collect();
    let object = parameters
        .iter()
        .map(|(name, value)| {
            format!(
                "    \"{name}\": {}",
                Value::from(value.clone().unwrap_or_default())
            )
        })
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        "<h2>JSAPI parameters</h2><p>Inside WeChat's browser, the page hands these to <code>WeixinJSBridge</code>:</p>{}\
         <pre>WeixinJSBridge.invoke('getBrandWCPayRequest', {{\n{}\n}}, function (res) {{\n    if (res.err_msg == 'get_brand_wcpay_request:ok') {{ /* paid: wait for the webhook */ }}\n}});</pre>",
        table(&["parameter", "value"], &rows),
        escape(&object)
    )
}

/// Where the channel sends the payer back (`return_url`).
pub fn return_page(bill_no: &str) -> String {
    layout(
        "Back from the channel",
        &format!(
            "<p>The channel sent you back. The webhook (not this redirect) tells the merchant the bill is paid:</p>{}<p>{}</p>",
            status_poller(bill_no),
            link(
                &url("/op/query_bills", &[("bill_no", bill_no)]),
                "query this bill"
            )
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn reply_fields_escape_every_value_and_key() {
        let raw: Map<String, Value> =
            serde_json::from_str(r#"{"<k>": "<script>", "list": [{"a": "<b>"}], "n": 1}"#).unwrap();
        let shown = reply_fields(&raw);
        assert!(!shown.contains("<script>") && !shown.contains("<b>") && !shown.contains("<k>"));
        assert!(shown.contains("&lt;script&gt;") && shown.contains("&lt;b&gt;"));
    }

    #[test]
    fn qr_codes_are_inline_svg() {
        let svg = qr_svg("weixin://wxpay/bizpayurl?pr=abc");
        assert!(svg.starts_with("<svg") && svg.contains("<path"));
    }
}
