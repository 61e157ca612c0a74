//! The simulated channel pages ("cashier"): every `url` / `code_url` / `html` the API hands out points at
//! `/cashier/{token}`. GET shows what is being paid or confirmed; POSTing the form does what the customer or
//! merchant would do at the channel: pay a bill (then return to `return_url` the way the channel would),
//! confirm an Alipay refund or transfer with the "password", approve or cancel a PayPal payment.

use super::core::{Answer, escape, form_encode, percent_decode, query_pairs};
use super::store::{Bill, Store, TransferKind};
use super::{payments, refunds, transfers};

/// What a token names.
enum Target {
    Bill(String),
    Refund(String),
    RefundBatch(Vec<String>),
    Transfer(String),
}

fn resolve(store: &Store, token: &str) -> Option<Target> {
    if store.bill_index(token).is_some() {
        Some(Target::Bill(token.to_owned()))
    } else if store.refund_index(token).is_some() {
        Some(Target::Refund(token.to_owned()))
    } else if let Some(ids) = store.refund_batches.get(token) {
        Some(Target::RefundBatch(ids.clone()))
    } else if store.transfer_index(token).is_some() {
        Some(Target::Transfer(token.to_owned()))
    } else {
        None
    }
}

/// True when `rest` (the path after `/cashier/`) names something of this store.
pub(crate) fn knows(store: &Store, rest: &str) -> bool {
    resolve(store, &percent_decode(rest.trim_end_matches('/'), false)).is_some()
}

/// Serves `/cashier/{rest}`.
pub(crate) fn handle(store: &mut Store, method: &str, rest: &str, body: &[u8]) -> Answer {
    let token = percent_decode(rest.trim_end_matches('/'), false);
    let Some(target) = resolve(store, &token) else {
        return page(
            404,
            "Not found",
            "<p>There is nothing to pay or confirm here.</p>",
        );
    };
    match method {
        "GET" | "HEAD" => show(store, &target, &token),
        "POST" => {
            let form = query_pairs(&String::from_utf8_lossy(body));
            let choice = match form
                .iter()
                .find(|(k, _)| k == "action")
                .map(|(_, v)| v.as_str())
            {
                Some("cancel") => Choice::Cancel,
                Some("fail") => Choice::Fail,
                _ => Choice::Pay,
            };
            act(store, target, choice)
        }
        _ => Answer::Text {
            status: 405,
            content_type: "text/plain",
            body: "method not allowed".into(),
        },
    }
}

/// The three buttons of the page: what the payer (or merchant) decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Choice {
    Pay,
    Cancel,
    Fail,
}

fn show(store: &Store, target: &Target, token: &str) -> Answer {
    let action = format!("/cashier/{}", form_encode(token));
    let (heading, facts, button, _) = match target {
        Target::Bill(id) => {
            let Some(bill) = store.bill(id) else {
                return gone();
            };
            let status = if bill.spay_result {
                "paid"
            } else if bill.revert_result {
                "reverted"
            } else if bill.expired(store.now_ms()) {
                "expired"
            } else {
                "awaiting payment"
            };
            let facts = vec![
                ("Title", bill.title.clone()),
                ("Amount", yuan(bill.total_fee)),
                ("Channel", bill.sub_channel.clone()),
                ("Bill no", bill.bill_no.clone()),
                ("Status", status.to_owned()),
            ];
            let paypal = bill.sub_channel == "PAYPAL_PAYPAL";
            ("Pay", facts, if paypal { "Approve" } else { "Pay" }, paypal)
        }
        Target::Refund(id) => {
            let Some(refund) = store.refund_index(id).map(|i| &store.refunds[i]) else {
                return gone();
            };
            let facts = vec![
                ("Refund no", refund.refund_no.clone()),
                ("Bill no", refund.bill_no.clone()),
                ("Amount", yuan(refund.refund_fee)),
                (
                    "Status",
                    if refund.finish {
                        "finished"
                    } else {
                        "awaiting the payment password"
                    }
                    .to_owned(),
                ),
            ];
            ("Confirm refund", facts, "Confirm", false)
        }
        Target::RefundBatch(ids) => {
            let refunds: Vec<_> = store
                .refunds
                .iter()
                .filter(|r| ids.contains(&r.id))
                .collect();
            let facts = refunds
                .iter()
                .map(|r| {
                    (
                        "Refund",
                        format!("{} ({})", r.refund_no, yuan(r.refund_fee)),
                    )
                })
                .collect();
            ("Confirm refunds", facts, "Confirm", false)
        }
        Target::Transfer(id) => {
            let Some(transfer) = store.transfer_index(id).map(|i| &store.transfers[i]) else {
                return gone();
            };
            let kind = if transfer.kind == TransferKind::Batch {
                "Batch no"
            } else {
                "Transfer no"
            };
            let facts = vec![
                (kind, transfer.number.clone()),
                ("Amount", yuan(transfer.total_fee)),
                (
                    "Status",
                    if transfer.finished {
                        "finished"
                    } else {
                        "awaiting the payment password"
                    }
                    .to_owned(),
                ),
            ];
            ("Confirm transfer", facts, "Confirm", false)
        }
    };
    let amount = facts
        .iter()
        .find(|(k, _)| *k == "Amount")
        .map(|(_, v)| format!("<p class=\"amount\">¥{}</p>", escape(v)))
        .unwrap_or_default();
    let rows: String = facts
        .iter()
        .filter(|(k, _)| *k != "Amount")
        .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v)))
        .collect();
    page(
        200,
        heading,
        &format!(
            "{amount}<table>{rows}</table><form method=\"post\" action=\"{}\">\
             <button class=\"primary\" name=\"action\" value=\"pay\">{button}</button>\
             <button name=\"action\" value=\"cancel\">Cancel</button>\
             <button class=\"danger\" name=\"action\" value=\"fail\">Fail</button></form>",
            escape(&action)
        ),
    )
}

fn act(store: &mut Store, target: Target, choice: Choice) -> Answer {
    if choice != Choice::Pay && !matches!(target, Target::Bill(_)) {
        // Refunds and transfers: cancel leaves the record waiting; fail ends a refund unsuccessfully.
        let failed = match (&target, choice) {
            (Target::Refund(id), Choice::Fail) => refunds::finish_refund(store, id, false).is_ok(),
            _ => false,
        };
        let (heading, text) = if failed {
            (
                "Failed",
                "<p>The refund failed; the bill may be refunded again.</p>",
            )
        } else {
            (
                "Cancelled",
                "<p>Nothing was confirmed; the request is still waiting.</p>",
            )
        };
        return page(200, heading, text);
    }
    let outcome = match target {
        Target::Bill(id) => return act_on_bill(store, &id, choice),
        Target::Refund(id) => refunds::finish_refund(store, &id, true),
        Target::RefundBatch(ids) => ids
            .iter()
            .try_for_each(|id| refunds::finish_refund(store, id, true)),
        Target::Transfer(id) => transfers::complete_transfer(store, &id),
    };
    match outcome {
        Ok(()) => page(200, "Confirmed", "<p>Confirmed.</p>"),
        Err(why) => page(
            409,
            "Not possible",
            &format!("<p>{}</p>", escape(&why.to_string())),
        ),
    }
}

/// Pays (or, on PayPal, cancels) and sends the browser back to `return_url` like the channel would.
fn act_on_bill(store: &mut Store, bill_id: &str, choice: Choice) -> Answer {
    if choice == Choice::Fail {
        // A declined payment: the bill stays unpaid (BeeCloud pushes successes only) and may be paid later.
        return page(
            200,
            "Payment failed",
            "<p>The payment was declined. The bill is still unpaid; the payer may try again.</p>",
        );
    }
    let cancel = choice == Choice::Cancel;
    if !cancel {
        if let Err(why) = payments::pay_bill(store, bill_id) {
            return page(
                409,
                "Not possible",
                &format!("<p>{}</p>", escape(&why.to_string())),
            );
        }
    }
    let Some(bill) = store.bill(bill_id) else {
        return gone();
    };
    let Some(return_url) = bill.return_url.as_deref().filter(|u| !u.is_empty()) else {
        return if cancel {
            page(200, "Cancelled", "<p>Cancelled.</p>")
        } else {
            page(200, "Paid", "<p>Paid.</p>")
        };
    };
    if bill.sub_channel == "PAYPAL_PAYPAL" {
        let result = if cancel { "cancel" } else { "approved" };
        return Answer::Redirect(with_query(
            return_url,
            &[("bill_no", bill.bill_no.as_str()), ("result", result)],
        ));
    }
    if cancel {
        return page(200, "Cancelled", "<p>Cancelled.</p>");
    }
    if bill.channel == "UN" {
        return unionpay_return(bill, return_url);
    }
    Answer::Redirect(with_query(return_url, &alipay_return_params(bill)))
}

/// Alipay-style return parameters (`return_url/README.md`); used for every non-UnionPay channel.
fn alipay_return_params(bill: &Bill) -> Vec<(&'static str, String)> {
    vec![
        ("subject", bill.title.clone()),
        ("out_trade_no", bill.bill_no.clone()),
        ("buyer_email", "buyer@example.com".into()),
        ("seller_email", "seller@example.com".into()),
        ("trade_no", bill.trade_no.clone()),
        ("total_fee", yuan(bill.total_fee)),
        ("trade_status", "TRADE_SUCCESS".into()),
    ]
}

/// UnionPay returns by POSTing a form to `return_url`.
fn unionpay_return(bill: &Bill, return_url: &str) -> Answer {
    let fields = [
        ("subject", bill.title.clone()),
        ("orderId", bill.bill_no.clone()),
        ("txnAmt", bill.total_fee.to_string()),
        ("respCode", "00".to_owned()),
    ];
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    Answer::Text {
        status: 200,
        content_type: "text/html; charset=utf-8",
        body: format!(
            "<!DOCTYPE html><html><body><form id=\"unionpayreturn\" method=\"post\" action=\"{}\">{inputs}</form>\
             <script>document.forms['unionpayreturn'].submit();</script></body></html>",
            escape(return_url)
        ),
    }
}

fn with_query<V: AsRef<str>>(url: &str, params: &[(&str, V)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v.as_ref())))
        .collect();
    format!("{url}?{}", query.join("&"))
}

fn gone() -> Answer {
    page(404, "Not found", "<p>This record no longer exists.</p>")
}

fn page(status: u16, heading: &str, content: &str) -> Answer {
    Answer::Text {
        status,
        content_type: "text/html; charset=utf-8",
        body: format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>BeeCloud emulator - {0}</title><style>{STYLE}</style></head>\
             <body><main><h1>{0}</h1>{content}<p class=\"note\">BeeCloud emulator: no real money moves.</p></main></body></html>",
            escape(heading)
        ),
    }
}

/// The whole look of the pages, inline (no external fetches): a wallet-like card, large amount, full-width
/// buttons that are easy to hit on a phone.
const STYLE: &str = "body{margin:0;background:#f2f3f5;font-family:system-ui,-apple-system,sans-serif;color:#1f2329}\
main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem;background:#fff;min-height:100vh;box-sizing:border-box}\
h1{font-size:1.1rem;font-weight:600;text-align:center;margin:.5rem 0 1rem}\
.amount{font-size:2.6rem;font-weight:700;text-align:center;margin:.5rem 0 1.5rem}\
table{width:100%;border-collapse:collapse;margin-bottom:1.5rem}\
th,td{padding:.6rem 0;border-bottom:1px solid #eee;font-size:.95rem}th{text-align:left;color:#646a73;font-weight:400}\
td{text-align:right;word-break:break-all}\
button{display:block;width:100%;padding:.85rem;margin:.5rem 0;font-size:1rem;border-radius:.5rem;border:1px solid #d0d3d6;background:#fff;color:#1f2329}\
button.primary{background:#07c160;border-color:#07c160;color:#fff;font-weight:600}\
button.danger{color:#d83931;border-color:#f0c2bf}\
.note{text-align:center;color:#8f959e;font-size:.8rem;margin-top:2rem}";

/// Fen as yuan with two decimals (`1999` ⇒ `19.99`).
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        fen.unsigned_abs() / 100,
        fen.unsigned_abs() % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(yuan(1999), "19.99");
        assert_eq!(yuan(1), "0.01");
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(form_encode("a b/中"), "a%20b%2F%E4%B8%AD");
        assert_eq!(
            with_query("http://x/r", &[("a", "1 2"), ("b", "&")]),
            "http://x/r?a=1%202&b=%26"
        );
    }
}
