//! Merchant users and coupons.

use std::collections::BTreeMap;

use beecloud::{sales, user};

use super::{Failure, Field, OpResult, Operation, criteria, integer, link, list, required, shown};
use crate::Demo;
use crate::http::Incoming;
use crate::view::{Inline, View, cell};

/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "add_merchant_user", call: "user::add_merchant_user", summary: "Registers a buyer.", fields: &[
        Field::text("buyer_id", "buyer_id").default("demo-buyer"),
    ], run: add_merchant_user },
    Operation { name: "batch_add_merchant_users", call: "user::batch_add_merchant_users", summary: "Registers buyers under a merchant account.", fields: &[
        Field::text("merchant", "merchant account (email or phone)").default("merchant@example.com"),
        Field::text("buyer_ids", "buyer ids").default("buyer-a,buyer-b").help("comma separated"),
    ], run: batch_add_merchant_users },
    Operation { name: "query_merchant_users", call: "user::query_merchant_users", summary: "Registered buyers.", fields: &[
        Field::text("merchant", "merchant account").help("blank: users of this app"),
        Field::number("start_time", "start_time (ms)"), Field::number("end_time", "end_time (ms)"),
    ], run: query_merchant_users },
    Operation { name: "attach_buyer_history_bills", call: "user::attach_buyer_history_bills", summary: "Links earlier bills to a buyer.", fields: &[
        Field::text("buyer_id", "buyer_id").default("demo-buyer"),
        Field::text("bill_nos", "bill numbers").default("@recent:bill_no").help("comma separated"),
    ], run: attach_buyer_history_bills },
    Operation { name: "query_coupon_templates", call: "sales::query_coupon_templates", summary: "Coupon templates.", fields: &[
        Field::text("name", "name"), Field::check("count_only", "count_only"), Field::number("limit", "limit").default("10"),
    ], run: query_coupon_templates },
    Operation { name: "query_coupon_template", call: "sales::query_coupon_template", summary: "A template by id.", fields: &[Field::text("template_id", "template id").default("@recent:template_id")], run: query_coupon_template },
    Operation { name: "create_coupon", call: "sales::create_coupon", summary: "Hands a coupon of a template to a buyer.", fields: &[
        Field::text("template_id", "template id").default("@recent:template_id"), Field::text("user_id", "buyer id").default("demo-buyer"),
    ], run: create_coupon },
    Operation { name: "query_coupons", call: "sales::query_coupons", summary: "Coupons; pay with one from the list.", fields: &[
        Field::text("user_id", "buyer id"), Field::text("template_id", "template id").default("@recent:template_id"),
        Field::choice("status", "status", &["", "0", "1"]).help("0 unused, 1 redeemed"),
        Field::number("limit_fee", "usable on an order of (fen)"), Field::check("count_only", "count_only"),
    ], run: query_coupons },
    Operation { name: "query_coupon", call: "sales::query_coupon", summary: "A coupon by id.", fields: &[Field::text("coupon_id", "coupon id").default("@recent:coupon_id")], run: query_coupon },
];

// Merchant users and coupons.

fn add_merchant_user(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = user::add_merchant_user(&demo.app, &required(&incoming.form, "buyer_id")?)?;
    shown(&result, View::new().say("Registered.").done())
}

fn batch_add_merchant_users(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let buyer_ids = list(form, "buyer_ids");
    if buyer_ids.is_empty() {
        return Err(Failure::Input("`buyer_ids` is required".into()));
    }
    let result =
        user::batch_add_merchant_users(&demo.app, &required(form, "merchant")?, buyer_ids)?;
    shown(&result, View::new().say("Registered.").done())
}

fn query_merchant_users(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let merchant = form.text("merchant");
    let result = user::query_merchant_users(
        &demo.app,
        merchant.as_deref(),
        integer(form, "start_time")?,
        integer(form, "end_time")?,
    )?;
    shown(
        &result,
        View::new()
            .say(format!("{} users.", result.users.len()))
            .done(),
    )
}

fn attach_buyer_history_bills(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let bills = list(form, "bill_nos");
    if bills.is_empty() {
        return Err(Failure::Input("`bill_nos` is required".into()));
    }
    let bill_info = BTreeMap::from([(required(form, "buyer_id")?, bills)]);
    let result = user::attach_buyer_history_bills(&demo.app, &bill_info)?;
    shown(&result, View::new())
}

fn query_coupon_templates(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut criteria = criteria(form)?;
    criteria.name = form.text("name");
    let result = sales::query_coupon_templates(&demo.app, &criteria)?;
    let rows = result
        .coupon_templates
        .iter()
        .map(|template| {
            let id = template.id.clone().unwrap_or_default();
            vec![
                cell(&id),
                cell(template.name.clone().unwrap_or_default()),
                cell(format!(
                    "type={} limit_fee={} discount={}",
                    template.r#type.unwrap_or_default(),
                    template.limit_fee.unwrap_or_default(),
                    template.discount.unwrap_or_default()
                )),
                vec![link(
                    "/op/create_coupon",
                    &[("template_id", &id)],
                    "hand out",
                )],
            ]
        })
        .collect();
    shown(
        &result,
        View::new().table(&["id", "name", "terms", ""], rows).done(),
    )
}

fn query_coupon_template(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result =
        sales::query_coupon_template(&demo.app, &required(&incoming.form, "template_id")?)?;
    shown(&result, View::new())
}

fn create_coupon(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let user_id = required(form, "user_id")?;
    let result = sales::create_coupon(&demo.app, &required(form, "template_id")?, &user_id)?;
    let coupon_id = result.coupon.id.clone().unwrap_or_default();
    demo.remember("coupon_id", &coupon_id);
    shown(
        &result,
        View::new()
            .line(vec![pay_with_coupon_link(
                &coupon_id,
                &user_id,
                &result.coupon,
            )])
            .done(),
    )
}

fn pay_with_coupon_link(
    coupon_id: &str,
    user_id: &str,
    coupon: &beecloud::entity::BCCoupon,
) -> Inline {
    let fee = coupon
        .template
        .as_ref()
        .and_then(|template| template.limit_fee)
        .unwrap_or(1)
        .max(1)
        .to_string();
    link(
        "/op/pay",
        &[
            ("channel", "WX_NATIVE"),
            ("coupon_id", coupon_id),
            ("buyer_id", user_id),
            ("total_fee", &fee),
        ],
        "pay with this coupon",
    )
}

fn query_coupons(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut criteria = criteria(form)?;
    criteria.user_id = form.text("user_id");
    criteria.template_id = form.text("template_id");
    criteria.status = integer(form, "status")?;
    criteria.limit_fee = integer(form, "limit_fee")?;
    let result = sales::query_coupons(&demo.app, &criteria)?;
    let rows = result
        .coupons
        .iter()
        .map(|coupon| {
            let id = coupon.id.clone().unwrap_or_default();
            let user_id = coupon.user_id.clone().unwrap_or_default();
            let unused = coupon.status == Some(0);
            vec![
                cell(&id),
                cell(&user_id),
                cell(
                    coupon
                        .status
                        .map(|status| if status == 0 { "unused" } else { "redeemed" })
                        .unwrap_or_default(),
                ),
                if unused {
                    vec![pay_with_coupon_link(&id, &user_id, coupon)]
                } else {
                    Vec::new()
                },
            ]
        })
        .collect();
    let mut extra = View::new();
    if let Some(count) = result.total_count {
        extra.big(format!("{count} coupons"));
    }
    shown(
        &result,
        extra.table(&["id", "buyer", "status", ""], rows).done(),
    )
}

fn query_coupon(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = sales::query_coupon(&demo.app, &required(&incoming.form, "coupon_id")?)?;
    shown(&result, View::new())
}
