//! The webhook receiver (`POST /webhook`, the Python demo's `webhook.py`), the page listing what
//! it received and the `/bill_status` JSON the pay pages poll.
//!
//! For every push: (1) verify the signature with [`verify_webhook`], (2) check the amount against
//! the demo's own order with [`BCWebhook::check_amount`], (3) ignore a `transaction_type` +
//! `transaction_id` handled before, (4) answer `success` — only after (1), so a forged push never
//! gets it and a real one is retried by BeeCloud until it is handled.
//!
//! Sandbox pushes carry only the legacy `sign` made with the test secret (errata B2), which ships
//! inside mobile apps and covers no payload: such a push is checked with
//! [`verify_legacy_sign_webhook`] and [`BCSignSecret::Test`], and accepted only for a sandbox order
//! this demo made itself ([`SANDBOX_CHANNEL_PREFIX`]), never for a live one.

use beecloud::entity::BCQueryReqParams;
use beecloud::utils::{
    BCLegacySign, BCSignSecret, BCWebhook, BCWebhookForm, WEBHOOK_SUCCESS,
    verify_legacy_sign_webhook, verify_webhook,
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
    let text = String::from_utf8_lossy(body).into_owned();
    let (entry, answer) =
        match verify_webhook(&demo.app, body).or_else(|error| sandbox(demo, body, error)) {
            Ok(webhook) => settle(demo, &webhook, text),
            Err(error) => {
                let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
                let field = |key: &str| {
                    raw.get(key)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let entry = ReceivedWebhook {
                    received_at: beijing_now(),
                    transaction_type: field("transaction_type"),
                    transaction_id: field("transaction_id"),
                    channel: field("channel_type"),
                    fee: raw.get("transaction_fee").and_then(Value::as_i64),
                    outcome: format!("rejected: {error}"),
                    answer: "fail".into(),
                    body: text,
                };
                (entry, "fail".to_string())
            }
        };
    let accepted = answer == WEBHOOK_SUCCESS;
    let status = if accepted { 200 } else { 400 };
    demo.ledger().record_webhook(entry, !accepted);
    Reply::Body {
        status,
        content_type: "text/plain; charset=utf-8",
        body: answer,
    }
}

/// A push without `signature`: verified by its test-secret `sign`, and only for the demo's own
/// sandbox orders; anything else keeps the first error.
fn sandbox(
    demo: &Demo,
    body: &[u8],
    error: beecloud::BCError,
) -> Result<BCWebhook, beecloud::BCError> {
    let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if raw.get("signature").is_some() || raw.get("sign").is_none() {
        return Err(error);
    }
    // Sandbox pushes are a test-mode app's business: a live app refuses the test secret.
    let mut sandbox_app = demo.app.clone();
    sandbox_app.is_test_mode = true;
    let webhook =
        verify_legacy_sign_webhook(&sandbox_app, body, &BCLegacySign::new(BCSignSecret::Test))?;
    let ours = demo
        .order(
            &webhook.transaction_type.to_string(),
            &webhook.transaction_id,
        )
        .is_some_and(|order| order.channel.starts_with(SANDBOX_CHANNEL_PREFIX));
    if ours { Ok(webhook) } else { Err(error) }
}

/// Steps (2) and (3) for a verified push: what to record and what to answer.
fn settle(demo: &Demo, webhook: &BCWebhook, body: String) -> (ReceivedWebhook, String) {
    let key = (
        webhook.transaction_type.to_string(),
        webhook.transaction_id.clone(),
    );
    let mut ledger = demo.ledger();
    // The order remembers that it was settled: duplicates are recognised however many pushes
    // came in between (the list of pushes is bounded, the orders are the demo's own).
    let handled_before = ledger.orders.get(&key).is_some_and(|order| order.settled);
    let (outcome, answer) = if handled_before {
        (
            "duplicate: already handled, ignored".to_string(),
            WEBHOOK_SUCCESS.to_string(),
        )
    } else {
        match ledger.orders.get_mut(&key) {
            None => (
                "verified; no order of this demo has this number (acknowledged, nothing to update)"
                    .to_string(),
                WEBHOOK_SUCCESS.to_string(),
            ),
            Some(order) => match webhook.check_amount(order.fee) {
                Err(error) => (
                    format!("rejected: {error}"),
                    "fail: amount mismatch".to_string(),
                ),
                Ok(()) if webhook.trade_success == Some(false) => (
                    "verified: the transaction failed".to_string(),
                    WEBHOOK_SUCCESS.to_string(),
                ),
                Ok(()) => {
                    order.settled = true;
                    if key.0 == "PAY" {
                        ledger.recent.insert("paid_bill_no".into(), key.1.clone());
                    }
                    (
                        "accepted: order settled".to_string(),
                        WEBHOOK_SUCCESS.to_string(),
                    )
                }
            },
        }
    };
    drop(ledger);
    // Subscription pushes also carry the legacy `sign` = md5(app_id + app_secret + timestamp), which
    // authenticates no payload field: never checked when `signature` is there.
    let outcome = if webhook.form != BCWebhookForm::Signature {
        format!("{outcome}; a sandbox push, verified by its test-secret `sign`")
    } else if webhook.raw.contains_key("sign") {
        format!("{outcome}; its legacy `sign` was ignored (it authenticates no payload)")
    } else {
        outcome
    };
    let channel = match &webhook.sub_channel_type {
        Some(sub_channel) => format!("{} / {}", webhook.channel_type, sub_channel),
        None => webhook.channel_type.to_string(),
    };
    let entry = ReceivedWebhook {
        received_at: beijing_now(),
        transaction_type: key.0,
        transaction_id: key.1,
        channel,
        fee: Some(webhook.transaction_fee),
        outcome,
        answer: answer.clone(),
        body,
    };
    (entry, answer)
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
            "<p>BeeCloud POSTs to <code>/webhook</code>; the receiver verifies the signature, checks the amount against the order below, \
             ignores duplicates and answers <code>success</code>. <a href=\"/webhooks\">Reload</a>.</p>\
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

/// `{"bill_no": …, "paid": bool, "source": …}`: paid once a verified PAY webhook settled the
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
