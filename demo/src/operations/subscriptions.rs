//! Plans and subscriptions.

use beecloud::entity::{BCPlan, BCSubscription};

use super::{
    BankList, CRITERIA_FIELDS, Failure, Field, OpResult, Operation, criteria, flag, integer,
    json_object, link, required, required_integer, shown,
};
use crate::Demo;
use crate::http::Incoming;
use crate::view::{Inline, View, cell};

/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
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
];

// Plans and subscriptions.

fn query_plans(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo.bc_query.query_plans(&criteria(&incoming.form)?)?;
    let rows = result
        .plans
        .iter()
        .map(|plan| {
            let id = plan.id.clone().unwrap_or_default();
            vec![
                cell(&id),
                cell(plan.name.clone().unwrap_or_default()),
                vec![
                    Inline::Amount(plan.fee.unwrap_or_default()),
                    Inline::text(format!(
                        " / {} {}",
                        plan.interval_count.unwrap_or(1),
                        plan.interval.clone().unwrap_or_default()
                    )),
                ],
                vec![link("/op/subscribe", &[("plan_id", &id)], "subscribe")],
            ]
        })
        .collect();
    let mut extra = View::new();
    if let Some(count) = result.total_count {
        extra.big(format!("{count} plans"));
    }
    shown(
        &result,
        extra.table(&["id", "name", "fee", ""], rows).done(),
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
        View::new()
            .line(vec![link(
                "/op/subscribe",
                &[("plan_id", &id)],
                "subscribe to it",
            )])
            .done(),
    )
}

fn query_plan_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_plan_by_id(&required(&incoming.form, "plan_id")?)?;
    shown(&result, View::new())
}

fn update_plan(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let optional = json_object(form, "optional")?;
    let result = demo.bc_pay.update_plan(
        &required(form, "plan_id")?,
        form.text("name").as_deref(),
        optional.as_ref(),
    )?;
    shown(&result, View::new())
}

fn delete_plan(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_pay
        .delete_plan(&required(&incoming.form, "plan_id")?)?;
    shown(&result, View::new())
}

fn subscription_banks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let result = demo.bc_query.query_subscription_payment_supported_banks()?;
    shown(&result, View::new())
}

fn send_sms_passcode(demo: &Demo, incoming: &Incoming) -> OpResult {
    let phone = required(&incoming.form, "phone")?;
    let result = demo.bc_pay.send_sms_passcode(&phone)?;
    let mut params = vec![("sms_id", result.sms_id.as_str())];
    let code = demo
        .emulator
        .as_ref()
        .and_then(|emulator| emulator.last_sms_code(&phone));
    let mut extra = View::new();
    demo.remember("sms_id", &result.sms_id);
    if let Some(code) = &code {
        demo.remember("sms_code", code);
        extra.line(vec![
            Inline::text("The emulator's SMS says: "),
            Inline::Strong(code.clone()),
            Inline::text("."),
        ]);
        params.push(("sms_code", code));
    }
    extra.line(vec![link(
        "/op/subscribe",
        &params,
        "subscribe with this code",
    )]);
    shown(&result, extra)
}

fn subscribe(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut subscription = BCSubscription::default();
    subscription.plan_id = Some(required(form, "plan_id")?);
    subscription.buyer_id = Some(required(form, "buyer_id")?);
    subscription.bank_name = Some(required(form, "bank_name")?);
    subscription.card_no = Some(required(form, "card_no")?.into());
    subscription.id_name = Some(required(form, "id_name")?);
    subscription.id_no = Some(required(form, "id_no")?.into());
    subscription.mobile = Some(required(form, "mobile")?);
    let result = demo.bc_pay.subscribe(
        &subscription,
        &required(form, "sms_id")?,
        &required(form, "sms_code")?,
        form.text("coupon_code").as_deref(),
    )?;
    let id = result.subscription.id.clone().unwrap_or_default();
    demo.record_order("SUBSCRIPTION", &id, 0, "BC", &id);
    let mut extra = View::new();
    if result.subscription.valid == Some(false) && demo.emulator.is_some() {
        extra.line(vec![
            Inline::text("Pending card verification: "),
            Inline::post(
                "/op/emulator_finish_subscription_verification",
                &[("subscription_id", &id), ("success", "true")],
                "let the emulator verify it",
            ),
        ]);
    }
    shown(&result, extra)
}

fn query_subscriptions(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut criteria = criteria(form)?;
    criteria.buyer_id = form.text("buyer_id");
    criteria.plan_id = form.text("plan_id");
    let result = demo.bc_query.query_subscriptions(&criteria)?;
    let rows = result
        .subscriptions
        .iter()
        .map(|subscription| {
            let id = subscription.id.clone().unwrap_or_default();
            vec![
                cell(&id),
                cell(subscription.buyer_id.clone().unwrap_or_default()),
                cell(subscription.plan_id.clone().unwrap_or_default()),
                cell(format!(
                    "status={} valid={}",
                    subscription.status.clone().unwrap_or_default(),
                    subscription.valid.unwrap_or_default()
                )),
                vec![Inline::post(
                    "/op/cancel_subscription",
                    &[("subscription_id", &id)],
                    "cancel",
                )],
            ]
        })
        .collect();
    let mut extra = View::new();
    if let Some(count) = result.total_count {
        extra.big(format!("{count} subscriptions"));
    }
    shown(
        &result,
        extra
            .table(&["id", "buyer", "plan", "state", ""], rows)
            .done(),
    )
}

fn query_subscription_by_id(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_subscription_by_id(&required(&incoming.form, "subscription_id")?)?;
    shown(&result, View::new())
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
    shown(&result, View::new())
}

fn cancel_subscription(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let id = required(form, "subscription_id")?;
    let result = if flag(form, "at_period_end") == Some(true) {
        demo.bc_pay.cancel_subscription_at_period_end(&id)?
    } else {
        demo.bc_pay.cancel_subscription(&id)?
    };
    shown(&result, View::new())
}
