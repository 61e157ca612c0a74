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
            let cancel = form.iter().any(|(k, v)| k == "action" && v == "cancel");
            act(store, target, cancel)
        }
        _ => Answer::Text {
            status: 405,
            content_type: "text/plain",
            body: "method not allowed".into(),
        },
    }
}

fn show(store: &Store, target: &Target, token: &str) -> Answer {
    let action = format!("/cashier/{}", form_encode(token));
    let (heading, facts, button, cancellable) = match target {
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
    let rows: String = facts
        .iter()
        .map(|(k, v)| format!("<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v)))
        .collect();
    let cancel = if cancellable {
        "<button name=\"action\" value=\"cancel\">Cancel</button>"
    } else {
        ""
    };
    page(
        200,
        heading,
        &format!(
            "<table>{rows}</table><form method=\"post\" action=\"{}\"><button name=\"action\" value=\"pay\">{button}</button>{cancel}</form>",
            escape(&action)
        ),
    )
}

fn act(store: &mut Store, target: Target, cancel: bool) -> Answer {
    let outcome = match target {
        Target::Bill(id) => return act_on_bill(store, &id, cancel),
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
fn act_on_bill(store: &mut Store, bill_id: &str, cancel: bool) -> Answer {
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
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>BeeCloud emulator - {0}</title></head>\
             <body><h1>{0}</h1>{content}<p><small>BeeCloud emulator: no real money moves.</small></p></body></html>",
            escape(heading)
        ),
    }
}

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
