//! One record at a glance, by its number: a bill, a refund or a payout, with Beijing times, ¥
//! amounts and the actions that apply (refund a paid bill, confirm an Alipay refund, ask a
//! channel for a refund's status). The list rows and the ledger link here (`/bill/…`,
//! `/refund/…`, `/transfer/…`).

use beecloud::entity::{BCQueryReqParams, BCTransferQueryParams};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Failure, link};
use crate::Demo;
use crate::mask::last_four;
use crate::view::{Block, Cell, Inline, View, cell, payout_status, refund_state};

/// Channels that send no refund webhook: their refunds' status is asked for.
const REFUND_STATUS_CHANNELS: &[&str] = &["WX", "YEE", "KUAIQIAN", "BD"];

/// The bill `bill_no` (`None`: BeeCloud knows no such bill), and whether it is paid.
pub fn bill(demo: &Demo, bill_no: &str) -> Result<Option<(View, bool)>, Failure> {
    let mut params = BCQueryReqParams::default();
    params.bill_no = Some(bill_no.to_string());
    let result = demo.bc_query.query_bills(&params)?;
    let Some(bill) = result
        .bills
        .iter()
        .find(|bill| bill.bill_no.as_deref() == Some(bill_no))
    else {
        return Ok(None);
    };
    // Paid once a verified webhook said so, or BeeCloud does (the same rule as `/bill_status`).
    let settled = demo
        .order("PAY", bill_no)
        .is_some_and(|order| order.settled);
    let paid = settled || bill.spay_result == Some(true);
    let total = bill.total_fee.unwrap_or_default();
    let channel = text_of(bill.sub_channel.as_ref().or(bill.channel.as_ref()));
    let mut view = View::new();
    view.push(Block::Facts(vec![
        ("bill_no".into(), cell(bill_no)),
        ("amount".into(), vec![Inline::Amount(total)]),
        (
            "status".into(),
            paid_cell(paid, bill.refund_result == Some(true)),
        ),
        ("channel".into(), cell(channel)),
        ("title".into(), cell(bill.title.clone().unwrap_or_default())),
        ("created (Beijing)".into(), time_cell(bill.create_time)),
    ]));
    if paid {
        view.push(Block::Form {
            action: "/op/refund".into(),
            hidden: vec![
                ("bill_no".into(), bill_no.into()),
                ("refund_no".into(), crate::state::fresh_number()),
            ],
            inputs: vec![(
                "refund_fee".into(),
                "refund (fen; the whole bill or part of it)".into(),
                total.to_string(),
            )],
            button: "Refund".into(),
        });
    } else {
        view.push(Block::ReloadWhenPaid(
            "Once paid, this page offers the refund.".into(),
        ));
    }
    view.line(vec![
        link(
            "/section/refunds",
            &[("bill_no", bill_no)],
            "refunds of this bill",
        ),
        Inline::text(" · "),
        link("/section/bills", &[], "all bills"),
    ]);
    view.push(whole_record(&bill));
    Ok(Some((view, paid)))
}

/// The refund `refund_no` (`None`: BeeCloud knows no such refund).
pub fn refund(demo: &Demo, refund_no: &str) -> Result<Option<View>, Failure> {
    let mut params = BCQueryReqParams::default();
    params.refund_no = Some(refund_no.to_string());
    let result = demo.bc_query.query_refunds(&params)?;
    let Some(refund) = result
        .refunds
        .iter()
        .find(|refund| refund.refund_no.as_deref() == Some(refund_no))
    else {
        return Ok(None);
    };
    let bill_no = refund.bill_no.clone().unwrap_or_default();
    let channel = text_of(refund.channel.as_ref());
    let finished = refund.finish == Some(true);
    let mut view = View::new();
    view.push(Block::Facts(vec![
        ("refund_no".into(), cell(refund_no)),
        (
            "amount".into(),
            vec![Inline::Amount(refund.refund_fee.unwrap_or_default())],
        ),
        (
            "state".into(),
            vec![refund_state(refund.finish, refund.result)],
        ),
        (
            "bill".into(),
            vec![link(
                &format!("/bill/{}", crate::http::percent_encode(&bill_no)),
                &[],
                &bill_no,
            )],
        ),
        (
            "channel".into(),
            cell(text_of(
                refund.sub_channel.as_ref().or(refund.channel.as_ref()),
            )),
        ),
        ("created (Beijing)".into(), time_cell(refund.create_time)),
    ]));
    if let Some(confirm) = demo.confirm_link(refund_no).filter(|_| !finished) {
        view.line(vec![
            Inline::text("Alipay refunds wait for the merchant: "),
            Inline::link(confirm, "confirm this refund at Alipay"),
            Inline::text("."),
        ]);
    }
    let parent = channel.split('_').next().unwrap_or_default();
    if REFUND_STATUS_CHANNELS.contains(&parent) {
        view.line(vec![
            Inline::text(format!("{parent} sends no refund webhook: ")),
            Inline::post(
                "/op/query_refund_status",
                &[("channel", parent), ("refund_no", refund_no)],
                "query its status",
            ),
        ]);
    }
    view.push(whole_record(&refund));
    Ok(Some(view))
}

/// The bank-card payout `number` (`None`: BeeCloud lists no such payout).
pub fn transfer(demo: &Demo, number: &str) -> Result<Option<View>, Failure> {
    let mut params = BCTransferQueryParams::default();
    params.bill_no = Some(number.to_string());
    let result = demo.bc_query.query_transfers(&params)?;
    let Some(payout) = result
        .transfers
        .iter()
        .find(|payout| payout.bill_no.as_deref() == Some(number))
    else {
        return Ok(None);
    };
    let mut view = View::new();
    view.push(Block::Facts(vec![
        ("number".into(), cell(number)),
        (
            "amount".into(),
            vec![Inline::Amount(payout.total_fee.unwrap_or_default())],
        ),
        (
            "status".into(),
            payout_status(payout.transfer_status.as_ref()),
        ),
        (
            "to".into(),
            cell(format!(
                "{} {}",
                payout.account_name.clone().unwrap_or_default(),
                payout
                    .account_no
                    .as_deref()
                    .map(last_four)
                    .unwrap_or_default()
            )),
        ),
        (
            "bank".into(),
            cell(payout.bank_full_name.clone().unwrap_or_default()),
        ),
        ("created (Beijing)".into(), time_cell(payout.create_time)),
    ]));
    view.line(vec![link("/section/transfers", &[], "all payouts")]);
    view.push(whole_record(&payout));
    Ok(Some(view))
}

fn paid_cell(paid: bool, refunded: bool) -> Cell {
    match (paid, refunded) {
        (true, true) => vec![Inline::Good("paid".into()), Inline::text(" · refunded")],
        (true, false) => vec![Inline::Good("paid".into())],
        (false, _) => cell("not paid yet"),
    }
}

fn time_cell(ms: Option<i64>) -> Cell {
    ms.map(Inline::Time).into_iter().collect()
}

fn text_of(value: Option<&impl ToString>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

/// The record as BeeCloud sent it, folded away (masked and formatted when shown).
fn whole_record(record: &impl Serialize) -> Block {
    let raw = match serde_json::to_value(record) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    Block::Reply { raw, folded: true }
}
