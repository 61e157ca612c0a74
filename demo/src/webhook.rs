//! The webhook receiver (`POST /webhook`, the Python demo's `webhook.py`), the page listing what
//! it received and the `/bill_status` JSON the pay pages poll.
//!
//! Every push is decided by [`receive_webhook`]: it authenticates the push, takes the amount from
//! the demo's own order, confirms the push with one query to BeeCloud's record (no signature covers
//! the outcome) and de-duplicates it. Only [`BCWebhookReceipt::Accepted`] settles an order; the
//! answer is the receipt's [`reply`](BCWebhookReceipt::reply), so BeeCloud resends whatever could
//! not be confirmed yet.
//!
//! Sandbox pushes carry only the legacy `sign` made with the test secret, which only a test-mode
//! app takes: a push about one of the demo's sandbox orders ([`SANDBOX_CHANNEL_PREFIX`]) is
//! received with [`Demo::sandbox_app`], so it is also confirmed against the sandbox, and can never
//! settle a live order.

use beecloud::entity::BCQueryReqParams;
use beecloud::utils::{
    BCTransactionType, BCWebhookDedup, BCWebhookReceipt, WEBHOOK_FAIL, WEBHOOK_SUCCESS,
    receive_webhook,
};
use serde_json::{Value, json};

use crate::http::Reply;
use crate::markup::{beijing_now, escape, link, record_path, table, yuan};
use crate::mask::masked_body;
use crate::pages::layout;
use crate::state::SANDBOX_CHANNEL_PREFIX;
use crate::{Demo, ReceivedWebhook};

/// Handles one push and answers it.
///
/// Every push is recorded, rejected ones too (they are counted, their bodies cut to
/// [`MAX_REJECTED_BODY`](crate::state::MAX_REJECTED_BODY) bytes): the ledger stays bounded
/// whatever is POSTed.
pub fn receive(demo: &Demo, body: &[u8]) -> Reply {
    let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |key: &str| raw.get(key).and_then(Value::as_str).unwrap_or("");
    // The order the push names picks the app to receive it with; the receipt then checks the
    // authenticated push against that very order.
    let order = demo.order(field("transaction_type"), field("transaction_id"));
    let sandbox = order
        .as_ref()
        .is_some_and(|order| order.channel.starts_with(SANDBOX_CHANNEL_PREFIX));
    let sandbox_app;
    let app = if sandbox {
        sandbox_app = demo.sandbox_app();
        &sandbox_app
    } else {
        &demo.app
    };
    let receipt = receive_webhook(app, body, Some(&demo.webhook_dedup), |push| {
        order
            .filter(|order| {
                order.kind == push.transaction_type.as_str() && order.number == push.transaction_id
            })
            .map(|order| order.fee)
    });
    let (outcome, answer) = decide(demo, &receipt);
    let channel = match (field("channel_type"), field("sub_channel_type")) {
        (channel, "") => channel.to_string(),
        (channel, sub_channel) => format!("{channel} / {sub_channel}"),
    };
    let entry = ReceivedWebhook {
        received_at: beijing_now(),
        transaction_type: field("transaction_type").to_string(),
        transaction_id: field("transaction_id").to_string(),
        channel,
        fee: raw.get("transaction_fee").and_then(Value::as_i64),
        outcome: if sandbox {
            format!("{outcome} (a sandbox order: received by the test-mode app)")
        } else {
            outcome
        },
        answer: answer.to_string(),
        body: String::from_utf8_lossy(body).into_owned(),
    };
    let rejected = matches!(receipt, BCWebhookReceipt::Rejected(_));
    demo.ledger().record_webhook(entry, rejected);
    Reply::Body {
        status: if answer == WEBHOOK_SUCCESS { 200 } else { 400 },
        content_type: "text/plain; charset=utf-8",
        body: answer.to_string(),
    }
}

/// What the receipt means for the demo, in words, and the answer to send. Only `Accepted`
/// settles an order.
fn decide(demo: &Demo, receipt: &BCWebhookReceipt) -> (String, &'static str) {
    let outcome = match receipt {
        BCWebhookReceipt::Accepted(confirmed) => {
            let key = (
                confirmed.transaction_type.to_string(),
                confirmed.transaction_id.clone(),
            );
            let mut ledger = demo.ledger();
            let Some(order) = ledger.orders.get_mut(&key) else {
                drop(ledger);
                // Forgotten since (the ledger is bounded): let BeeCloud's next delivery find it.
                demo.webhook_dedup.release(&confirmed.key());
                return (
                    "unconfirmed: the order was forgotten meanwhile; BeeCloud will resend".into(),
                    WEBHOOK_FAIL,
                );
            };
            order.settled = true;
            if confirmed.transaction_type == BCTransactionType::Pay {
                ledger.recent.insert("paid_bill_no".into(), key.1);
            }
            "accepted: order settled (BeeCloud's record confirms it)".to_string()
        }
        BCWebhookReceipt::Failed(_) => {
            "failed: BeeCloud's record shows it failed; recorded, nothing settled".into()
        }
        BCWebhookReceipt::Repeated(_) => "repeated: already handled, nothing done".into(),
        BCWebhookReceipt::Unconfirmable(_) => {
            "unconfirmable: authentic, but no BeeCloud query confirms this kind of push; not acted on"
                .into()
        }
        BCWebhookReceipt::Unconfirmed(error) => {
            format!("unconfirmed: not confirmed now ({error}); BeeCloud will resend")
        }
        BCWebhookReceipt::Rejected(error) => format!("rejected: {error}"),
        // An outcome added by a later SDK: not a confirmed success, so nothing is settled.
        _ => "not acted on: an outcome this demo does not know".into(),
    };
    (outcome, receipt.reply())
}

/// The received webhooks, newest first.
pub fn received_page(demo: &Demo) -> String {
    let ledger = demo.ledger();
    let rows: Vec<Vec<String>> = ledger
        .webhooks
        .iter()
        .rev()
        .map(|webhook| {
            vec![
                format!(
                    "<span class=\"num\">{}</span>",
                    escape(&webhook.received_at)
                ),
                escape(&webhook.transaction_type),
                record_link(&webhook.transaction_type, &webhook.transaction_id),
                escape(&webhook.channel),
                webhook
                    .fee
                    .map(|fee| format!("<span class=\"num\">{}</span>", yuan(fee)))
                    .unwrap_or_default(),
                escape(&webhook.outcome),
                escape(&webhook.answer),
                format!(
                    "<details><summary>body</summary><pre>{}</pre></details>",
                    escape(&masked_body(&webhook.body, &demo.secrets()))
                ),
            ]
        })
        .collect();
    let orders: Vec<Vec<String>> = ledger
        .orders
        .values()
        .map(|order| {
            vec![
                escape(&order.kind),
                record_link(&order.kind, &order.number),
                escape(&order.channel),
                yuan(order.fee),
                if order.settled {
                    "<b class=\"ok\">settled</b>".into()
                } else {
                    "open".into()
                },
            ]
        })
        .collect();
    layout(
        "Received webhooks",
        &format!(
            "<p>BeeCloud POSTs to <code>/webhook</code>; the receiver (<code>receive_webhook</code>) checks the signature and the amount \
             against the order below, confirms the push with one query to BeeCloud's record, ignores repeats, and settles an order \
             only when the record confirms it. It answers <code>success</code> only where BeeCloud may stop resending. \
             <a href=\"/webhooks\">Reload</a>.</p>\
             <p class=\"muted\">{} pushes received, {} rejected; listing the latest {} (at most {}){}.</p>{}\
             <h2>The demo's orders</h2>{}",
            ledger.webhooks_received,
            ledger.webhooks_rejected,
            ledger.webhooks.len(),
            crate::state::MAX_WEBHOOKS,
            if ledger.webhooks_dropped > 0 {
                format!(", {} older ones were dropped", ledger.webhooks_dropped)
            } else {
                String::new()
            },
            table(
                &[
                    "received (Beijing)",
                    "type",
                    "transaction_id",
                    "channel",
                    "amount",
                    "outcome",
                    "answer",
                    ""
                ],
                &rows
            ),
            table(&["type", "number", "channel", "amount", "state"], &orders)
        ),
    )
}

/// A record's number, a link to its page where the demo has one.
fn record_link(kind: &str, number: &str) -> String {
    match record_path(kind, number) {
        Some(path) => link(&path, number),
        None => escape(number),
    }
}

/// `{"bill_no": …, "paid": bool, "source": …}`: paid once a confirmed PAY webhook settled the
/// demo's order, or (without webhooks, e.g. real credentials on a machine BeeCloud cannot reach)
/// when `query_bills` says so.
pub fn bill_status(demo: &Demo, bill_no: &str) -> Reply {
    let settled = demo
        .order("PAY", bill_no)
        .is_some_and(|order| order.settled);
    let status = if settled {
        json!({"bill_no": bill_no, "paid": true, "source": "webhook"})
    } else if bill_no.is_empty() {
        json!({"bill_no": bill_no, "paid": false, "source": "none", "error": "bill_no is required"})
    } else {
        let mut params = BCQueryReqParams::default();
        params.bill_no = Some(bill_no.to_string());
        match demo.bc_query.query_bills(&params) {
            Ok(result) => {
                let paid = result
                    .bills
                    .iter()
                    .any(|bill| bill.spay_result == Some(true));
                json!({"bill_no": bill_no, "paid": paid, "source": "query_bills"})
            }
            Err(error) => json!({"bill_no": bill_no, "paid": false, "source": "query_bills",
                "error": format!("{} {}", error.result_msg(), error.err_detail())}),
        }
    };
    Reply::Body {
        status: 200,
        content_type: "application/json",
        body: status.to_string(),
    }
}
