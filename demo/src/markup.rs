//! HTML building blocks: the one [`escape`] helper, safe links, one-button POST forms, tables,
//! replies as tables, amounts in yuan, Beijing times, QR codes and the live bill status.
//!
//! Everything that came from a request or a reply goes through [`escape`]; only `http(s)` URLs
//! (and the demo's own paths) become links ([`link`]), anything else is shown as text.

use serde_json::{Map, Value};

pub use crate::http::url;
use crate::mask::masked_json;
use crate::view::{Block, Inline, View};

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

/// Whether `target` may become a link or a redirect: an `http://` / `https://` URL or one of the
/// demo's own paths. A reply from a hostile host may carry `javascript:`, `data:` or a URL hidden
/// behind spaces or control characters (browsers strip those); none of them qualifies.
pub fn is_safe_url(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    let web = lower.starts_with("http://") || lower.starts_with("https://");
    let own_path =
        target.starts_with('/') && !target.starts_with("//") && !target.starts_with("/\\");
    (web || own_path) && !target.chars().any(|c| c.is_control() || c == ' ')
}

/// A link when `target` [is safe](is_safe_url), else the target shown as text; both escaped.
pub fn link(target: &str, label: &str) -> String {
    if is_safe_url(target) {
        format!("<a href=\"{}\">{}</a>", escape(target), escape(label))
    } else {
        format!(
            "{} <code class=\"unsafe\" title=\"not an http(s) URL, not made a link\">{}</code>",
            escape(label),
            escape(target)
        )
    }
}

/// The hidden field every POST form carries. The server replaces [`CSRF_MARKER`] with the
/// session's token when it sends the page; escaped text can never contain the marker (it holds
/// a `<`), so no reply can make the server write the token elsewhere.
pub const CSRF_FIELD: &str = "<input type=\"hidden\" name=\"csrf_token\" value=\"<csrf>\">";
/// What the server replaces with the session's CSRF token.
pub const CSRF_MARKER: &str = "<csrf>";

/// ¥ and two decimals: `1` fen is `¥0.01`, `-250` is `-¥2.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", fen / 100, fen % 100)
}

/// Milliseconds since the epoch as Beijing time (UTC+8, what BeeCloud's console shows),
/// `YYYY-MM-DD HH:MM:SS`.
pub fn beijing_time(ms: i64) -> String {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(time) => time
            .with_timezone(&beijing)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => String::new(),
    }
}

/// The current Beijing time, `YYYY-MM-DD HH:MM:SS`.
pub fn beijing_now() -> String {
    beijing_time(chrono::Utc::now().timestamp_millis())
}

/// Hidden inputs carrying `fields`.
fn hidden_inputs<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    fields
        .into_iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect()
}

/// A one-button form POSTing hidden fields (for actions that change something).
pub fn post_button(action: &str, fields: &[(&str, &str)], label: &str) -> String {
    let hidden = hidden_inputs(fields.iter().copied());
    format!(
        "<form class=\"inline\" method=\"post\" action=\"{}\">{CSRF_FIELD}{hidden}<button>{}</button></form>",
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
    // On a phone each row becomes a card, each cell labelled with its column.
    let body: String = rows
        .iter()
        .map(|row| {
            format!(
                "<tr>{}</tr>",
                row.iter()
                    .enumerate()
                    .map(|(column, cell)| {
                        let label = headers.get(column).copied().unwrap_or("");
                        format!("<td data-label=\"{}\">{cell}</td>", escape(label))
                    })
                    .collect::<String>()
            )
        })
        .collect();
    format!("<table class=\"rows\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
}

/// Every field of a reply (escaped; signatures, card and ID numbers masked), nested objects and
/// lists of objects as tables.
pub fn reply_fields(raw: &Map<String, Value>) -> String {
    format!("<h3>Reply</h3>{}", masked_table(raw))
}

/// [`reply_fields`] folded away (under tables the handler already made).
pub fn collapsed_reply(raw: &Map<String, Value>) -> String {
    format!(
        "<details><summary>Whole reply</summary>{}</details>",
        masked_table(raw)
    )
}

fn masked_table(raw: &Map<String, Value>) -> String {
    match masked_json(&Value::Object(raw.clone()), &[]) {
        Value::Object(masked) => object_table(&masked),
        _ => String::new(),
    }
}

fn object_table(object: &Map<String, Value>) -> String {
    let rows: String = object
        .iter()
        .map(|(key, value)| {
            format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(key),
                field_html(key, value)
            )
        })
        .collect();
    scrolling(&format!("<table class=\"fields\">{rows}</table>"))
}

/// A field of a reply: times (ms since the epoch) in Beijing time and amounts (fen) in yuan, as
/// everywhere else in the demo, the raw value in the tooltip.
fn field_html(key: &str, value: &Value) -> String {
    let is_time = key.ends_with("_time") || key.ends_with("_at") || key == "timestamp";
    let is_fee = key.ends_with("_fee") || key == "fee";
    match value.as_i64() {
        // Later than 1973 in ms: a time, not a count or a flag.
        Some(ms) if is_time && ms > 100_000_000_000 => format!(
            "<span class=\"num\" title=\"{ms}\">{}</span>",
            escape(&beijing_time(ms))
        ),
        Some(fen) if is_fee => format!(
            "<span class=\"num\" title=\"{fen} fen\">{}</span>",
            yuan(fen)
        ),
        _ => value_html(value),
    }
}

/// The demo's page of a record it can show: a bill, refund or payout by its number.
pub fn record_path(kind: &str, number: &str) -> Option<String> {
    let prefix = match kind {
        "PAY" => "/bill/",
        "REFUND" => "/refund/",
        "TRANSFER" => "/transfer/",
        _ => return None,
    };
    (!number.is_empty()).then(|| format!("{prefix}{}", crate::http::percent_encode(number)))
}

/// A wide block that scrolls sideways inside its own box rather than widening the page.
pub fn scrolling(html: &str) -> String {
    format!("<div class=\"scroll\">{html}</div>")
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
                        .map(|column| {
                            item.get(*column)
                                .map(|value| field_html(column, value))
                                .unwrap_or_default()
                        })
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

/// The QR code of a `code_url` (WeChat's answer is the code's content only: the merchant draws it),
/// a link standing for "scan it with the phone", and the live status.
pub fn qr_payment(bill_no: &str, fee: i64, code: &str) -> String {
    let svg = qr_svg(code);
    let open = if is_safe_url(code) {
        format!(
            "<p>No phone at hand? <a id=\"open-cashier\" class=\"button\" href=\"{}\" target=\"_blank\">Open the payment link</a> \
             (the page the payer's wallet shows), pay there, and watch this page.</p>",
            escape(code)
        )
    } else {
        "<p>Scan it with the wallet app; this page turns to <b>paid</b> by itself.</p>".into()
    };
    format!(
        "<div class=\"card pay\"><div class=\"qr\">{svg}</div><div><p class=\"amount\">{}</p>{}{open}\
         <details><summary>What the QR code holds</summary><p><code>{}</code></p>\
         <p>WeChat answers only the code's content; the merchant draws it (here with the <code>qrcode</code> crate):</p>\
         <pre>let svg = qrcode::QrCode::new(result.code_url.as_deref().unwrap())?\n    .render::&lt;qrcode::render::svg::Color&gt;()\n    .min_dimensions(220, 220)\n    .build();</pre></details></div></div>",
        yuan(fee),
        status_poller(bill_no),
        escape(code),
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
        "<p class=\"status\">Bill <code>{0}</code>: <b id=\"bill-status\" class=\"waiting\" data-bill-no=\"{0}\">waiting for payment…</b></p>\
<script>(function(){{var el=document.getElementById('bill-status');\
function poll(){{fetch('/bill_status?bill_no='+encodeURIComponent(el.dataset.billNo)).then(function(r){{return r.json();}})\
.then(function(s){{if(s.paid){{el.textContent='paid';el.className='ok';if(document.querySelector('.reload-when-paid'))location.reload();}}else{{setTimeout(poll,1000);}}}})\
.catch(function(){{setTimeout(poll,2000);}});}}poll();}})();</script>",
        escape(bill_no)
    )
}

/// The WX_JSAPI parameters and the page script that hands them to WeChat.
pub fn jsapi_parameters(parameters: &[(String, String)]) -> String {
    let rows: Vec<Vec<String>> = parameters
        .iter()
        .map(|(name, value)| vec![escape(name), escape(value)])
        .collect();
    let object = parameters
        .iter()
        .map(|(name, value)| format!("    \"{name}\": {}", Value::from(value.clone())))
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        "<h2>JSAPI parameters</h2><p>Inside WeChat's browser, the page hands these to <code>WeixinJSBridge</code>:</p>{}\
         <pre>WeixinJSBridge.invoke('getBrandWCPayRequest', {{\n{}\n}}, function (res) {{\n    if (res.err_msg == 'get_brand_wcpay_request:ok') {{ /* paid: wait for the webhook */ }}\n}});</pre>",
        table(&["parameter", "value"], &rows),
        escape(&object)
    )
}

/// A [`View`] as HTML: every text escaped, links only to safe URLs, POST buttons with the CSRF
/// field.
pub fn render(view: &View) -> String {
    view.0.iter().map(block).collect()
}

fn block(block: &Block) -> String {
    match block {
        Block::Line(pieces) => format!("<p>{}</p>", line(pieces)),
        Block::Big(text) => format!("<p class=\"big\">{}</p>", escape(text)),
        Block::Table { headers, rows } => {
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|row| row.iter().map(|cell| line(cell)).collect())
                .collect();
            table(&headers, &rows)
        }
        Block::Reply { raw, folded: true } => collapsed_reply(raw),
        Block::Reply { raw, folded: false } => reply_fields(raw),
        Block::QrPayment { bill_no, fee, code } => qr_payment(bill_no, *fee, code),
        Block::Bill { fee, blocks } => format!(
            "<div class=\"card\"><p class=\"amount\">{}</p>{}</div>",
            yuan(*fee),
            blocks.iter().map(self::block).collect::<String>()
        ),
        Block::BillStatus(bill_no) => status_poller(bill_no),
        Block::Jsapi(parameters) => jsapi_parameters(parameters),
        Block::Form {
            action,
            hidden,
            inputs,
            button,
        } => {
            let hidden = hidden_inputs(
                hidden
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
            );
            let inputs: String = inputs
                .iter()
                .map(|(name, label, value)| {
                    format!(
                        "<label><span>{}</span><input name=\"{}\" value=\"{}\" inputmode=\"numeric\"></label>",
                        escape(label),
                        escape(name),
                        escape(value)
                    )
                })
                .collect();
            format!(
                "<form class=\"op\" method=\"post\" action=\"{}\">{CSRF_FIELD}{hidden}{inputs}<button>{}</button></form>",
                escape(action),
                escape(button)
            )
        }
        Block::ReloadWhenPaid(note) => {
            format!("<p class=\"reload-when-paid muted\">{}</p>", escape(note))
        }
        Block::Facts(facts) => {
            let rows: String = facts
                .iter()
                .map(|(label, value)| {
                    format!(
                        "<tr><th>{}</th><td>{}</td></tr>",
                        escape(label),
                        line(value)
                    )
                })
                .collect();
            format!("<table class=\"fields facts\">{rows}</table>")
        }
    }
}

/// A line of pieces as HTML.
pub fn line(pieces: &[Inline]) -> String {
    pieces.iter().map(inline).collect()
}

fn inline(piece: &Inline) -> String {
    match piece {
        Inline::Text(text) => escape(text),
        Inline::Code(text) => format!("<code>{}</code>", escape(text)),
        Inline::Strong(text) => format!("<b>{}</b>", escape(text)),
        Inline::Good(text) => format!("<b class=\"ok\">{}</b>", escape(text)),
        Inline::Link { target, label } => link(target, label),
        Inline::Post {
            action,
            fields,
            label,
        } => {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            post_button(action, &fields, label)
        }
        Inline::Amount(fen) => format!("<span class=\"num\">{}</span>", yuan(*fen)),
        Inline::Time(ms) => format!("<span class=\"num\">{}</span>", escape(&beijing_time(*ms))),
    }
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
