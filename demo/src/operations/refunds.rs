//! Refunds and pre-refunds, and their queries.

use beecloud::BCChannelType;
use beecloud::entity::{BCPreRefundAuditParams, BCQueryReqParams, BCRefundReqParams};

use super::{
    Failure, Field, NEW_ORDER_NO, OpResult, Operation, Outcome, PARENT_CHANNELS, beijing_time,
    channel, expecting, flag, integer, json_object, list, required, required_integer, shown,
};
use crate::Demo;
use crate::http::{Form, Incoming, percent_encode};
use crate::view::{Inline, View, cell, refund_state};

const REFUND_QUERY_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::text("refund_no", "refund_no"),
    Field::check("need_approval", "need_approval (pre-refunds only)"),
    Field::number("skip", "skip"),
    Field::number("limit", "limit").default("10"),
    Field::text("start_time", "created from (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
const REFUND_COUNT_FIELDS: &[Field] = &[
    Field::choice("channel", "channel", PARENT_CHANNELS),
    Field::text("bill_no", "bill_no"),
    Field::text("refund_no", "refund_no"),
    Field::check("need_approval", "need_approval (pre-refunds only)"),
    Field::text("start_time", "created from (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
    Field::text("end_time", "created until (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
];
/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
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
    Operation { name: "query_refund_status_with_bill_update", call: "BCQuery::query_refund_status_with_bill_update", summary: "Refund status that also updates the bill's refund totals (bill_update_flag, REST docs only).", fields: &[
        Field::choice("channel", "channel", &["WX", "YEE", "KUAIQIAN", "BD"]), Field::text("refund_no", "refund_no").default("@recent:refund_no"),
    ], run: query_refund_status_with_bill_update },
];

// Refunds.

fn refund(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = BCRefundReqParams::default();
    let refund_no = form
        .text("refund_no")
        .unwrap_or_else(crate::state::fresh_number);
    let refund_fee = required_integer(form, "refund_fee")?;
    params.bill_no = Some(required(form, "bill_no")?);
    params.refund_no = Some(refund_no.clone());
    params.refund_fee = Some(refund_fee);
    params.channel = channel(form, "channel");
    params.need_approval = flag(form, "need_approval");
    params.optional = json_object(form, "optional")?;
    // The ledger shows the refund's channel: the form's, else the one the bill was paid with.
    let bill_no = params.bill_no.clone().unwrap_or_default();
    let channel_name = form
        .text("channel")
        .or_else(|| demo.order("PAY", &bill_no).map(|order| order.channel))
        .unwrap_or_default();
    let result = expecting(
        demo,
        ("REFUND", &refund_no, refund_fee, &channel_name),
        || demo.bc_pay.refund(&params),
    )?;
    demo.record_order("REFUND", &refund_no, refund_fee, &channel_name, &result.id);
    let mut extra = View::new();
    if params.need_approval == Some(true) {
        demo.remember("pre_refund_id", &result.id);
        extra.line(vec![
            Inline::text("Pre-refund created: "),
            Inline::post(
                "/op/audit_pre_refunds",
                &[("ids", &result.id), ("agree", "true")],
                "approve it",
            ),
        ]);
    }
    if let Some(url) = &result.url {
        // Also on the refund's page and in the list: the refund waits for this confirmation.
        demo.keep_confirm_link(&refund_no, url);
        extra.line(vec![
            Inline::text("Alipay: the merchant confirms this refund at "),
            Inline::link(url, "the confirmation page"),
            Inline::text("."),
        ]);
    }
    extra.line(vec![
        Inline::link(
            format!("/refund/{}", percent_encode(&refund_no)),
            "the refund's page",
        ),
        Inline::text(" · "),
        Inline::link(
            format!("/bill/{}", percent_encode(&bill_no)),
            "the bill's page",
        ),
    ]);
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
    let mut extra = View::new();
    if let Some(url) = &result.url {
        extra.line(vec![
            Inline::text("Alipay: confirm the approved refunds at "),
            Inline::link(url, "the confirmation page"),
            Inline::text("."),
        ]);
    }
    shown(&result, extra)
}

fn refund_filters(form: &Form) -> Result<BCQueryReqParams, Failure> {
    let mut params = BCQueryReqParams::default();
    params.channel = channel(form, "channel");
    params.bill_no = form.text("bill_no");
    params.refund_no = form.text("refund_no");
    params.need_approval = flag(form, "need_approval");
    params.start_time = beijing_time(form, "start_time")?;
    params.end_time = beijing_time(form, "end_time")?;
    Ok(params)
}

fn query_refunds(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = refund_filters(form)?;
    params.skip = integer(form, "skip")?;
    params.limit = integer(form, "limit")?;
    let result = demo.bc_query.query_refunds(&params)?;
    let rows = result
        .refunds
        .iter()
        .map(|refund| {
            let id = refund.id.clone().unwrap_or_default();
            let channel_name = refund
                .channel
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default();
            let refund_no = refund.refund_no.clone().unwrap_or_default();
            let bill_no = refund.bill_no.clone().unwrap_or_default();
            let page = format!("/refund/{}", percent_encode(&refund_no));
            let mut actions = vec![Inline::link(&page, "details")];
            if let Some(confirm) = demo
                .confirm_link(&refund_no)
                .filter(|_| refund.finish != Some(true))
            {
                actions.push(Inline::text(" · "));
                actions.push(Inline::link(confirm, "confirm at Alipay"));
            }
            if refund.finish != Some(true) && params.need_approval == Some(true) {
                actions.push(Inline::post(
                    "/op/audit_pre_refunds",
                    &[("ids", &id), ("channel", &channel_name), ("agree", "true")],
                    "approve",
                ));
                actions.push(Inline::post(
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
            let state = match (refund.finish, refund.result) {
                (Some(true), _) => refund_state(refund.finish, refund.result),
                _ if params.need_approval == Some(true) => Inline::text("awaiting approval"),
                _ => refund_state(refund.finish, refund.result),
            };
            vec![
                refund.create_time.map(Inline::Time).into_iter().collect(),
                vec![Inline::link(&page, &refund_no)],
                vec![Inline::link(
                    format!("/bill/{}", percent_encode(&bill_no)),
                    &bill_no,
                )],
                cell(channel_name),
                vec![Inline::Amount(refund.refund_fee.unwrap_or_default())],
                vec![state],
                actions,
            ]
        })
        .collect();
    Ok(Outcome::Shown(
        View::new()
            .say(format!("{} refunds on this page.", result.refunds.len()))
            .table(
                &[
                    "created (Beijing)",
                    "refund_no",
                    "bill_no",
                    "channel",
                    "amount",
                    "state",
                    "",
                ],
                rows,
            )
            .reply(&result.raw, true)
            .done(),
    ))
}

fn query_refunds_count(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_refunds_count(&refund_filters(&incoming.form)?)?;
    shown(
        &result,
        View::new().big(format!("{} refunds", result.count)).done(),
    )
}

fn query_refund_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_refund_by_id(&required(&incoming.form, "refund_id")?)?;
    shown(&result, View::new())
}

fn query_refund_status(demo: &Demo, incoming: &Incoming) -> OpResult {
    refund_status(demo, incoming, false)
}

fn query_refund_status_with_bill_update(demo: &Demo, incoming: &Incoming) -> OpResult {
    refund_status(demo, incoming, true)
}

fn refund_status(demo: &Demo, incoming: &Incoming, bill_update: bool) -> OpResult {
    let form = &incoming.form;
    let channel = channel(form, "channel").unwrap_or(BCChannelType::WX);
    let refund_no = required(form, "refund_no")?;
    let result = if bill_update {
        demo.bc_query
            .query_refund_status_with_bill_update(channel, &refund_no)?
    } else {
        demo.bc_query.query_refund_status(channel, &refund_no)?
    };
    shown(&result, View::new().big(&result.refund_status).done())
}
