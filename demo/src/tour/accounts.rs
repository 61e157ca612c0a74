//! The tour of subscriptions, merchant users, coupons and the utilities.

use std::collections::BTreeMap;

use beecloud::entity::{BCPlan, BCQueryCriteria, BCSubscription};
use beecloud::{BCChannelType, sales, user, utils};
use serde_json::json;

use super::{Numbers, Tour, pay_params, some};

pub(super) fn subscriptions(tour: &mut Tour) {
    let demo = tour.demo;
    let mut plan = BCPlan::default();
    plan.name = Some("Tour plan".into());
    plan.fee = Some(100);
    plan.interval = Some("month".into());
    plan.currency = Some("CNY".into());
    let created = tour.call("create_plan", demo.bc_pay.create_plan(&plan), |r| {
        format!("id {}", some(&r.plan.id))
    });
    let plan_id = created.and_then(|r| r.plan.id.clone()).unwrap_or_default();
    let mut criteria = BCQueryCriteria::default();
    criteria.count_only = Some(true);
    tour.call("query_plans", demo.bc_query.query_plans(None), |r| {
        format!("{} plan(s)", r.plans.len())
    });
    tour.call(
        "query_plans (count_only)",
        demo.bc_query.query_plans(&criteria),
        |r| format!("total_count {}", some(&r.total_count)),
    );
    tour.call(
        "query_plan_by_id",
        demo.bc_query.query_plan_by_id(&plan_id),
        |r| format!("name {}", some(&r.plan.name)),
    );
    tour.call(
        "update_plan",
        demo.bc_pay
            .update_plan(&plan_id, Some("Tour plan, renamed"), None),
        |r| format!("id {}", r.id),
    );
    let banks = tour.call(
        "query_subscription_payment_supported_banks",
        demo.bc_query.query_subscription_payment_supported_banks(),
        |r| format!("{} banks, {} common", r.banks.len(), r.common_banks.len()),
    );
    let bank = banks
        .and_then(|r| r.banks.first().cloned())
        .unwrap_or_else(|| "中国银行".into());

    let phone = "13800000000";
    tour.call(
        "utils::send_sms_passcode",
        utils::send_sms_passcode(&demo.app, phone),
        |r| format!("sms_id {}", r.sms_id),
    );
    let sms = tour.call(
        "send_sms_passcode",
        demo.bc_pay.send_sms_passcode(phone),
        |r| format!("sms_id {}", r.sms_id),
    );
    let sms_id = sms.map(|r| r.sms_id.clone()).unwrap_or_default();
    let code = tour.emulator().last_sms_code(phone).unwrap_or_default();
    let mut subscription = BCSubscription::default();
    subscription.buyer_id = Some("tour-buyer".into());
    subscription.plan_id = Some(plan_id.clone());
    subscription.bank_name = Some(bank);
    subscription.card_no = Some("6222000000000000".into());
    subscription.id_name = Some("张三".into());
    subscription.id_no = Some("110101199003077777".into());
    subscription.mobile = Some(phone.into());
    let subscribed = tour.call(
        "subscribe",
        demo.bc_pay.subscribe(&subscription, &sms_id, &code, None),
        |r| {
            format!(
                "id {} valid {}",
                some(&r.subscription.id),
                some(&r.subscription.valid)
            )
        },
    );
    let subscription_id = subscribed
        .and_then(|r| r.subscription.id.clone())
        .unwrap_or_default();
    demo.record_order("SUBSCRIPTION", &subscription_id, 0, "BC", &subscription_id);
    let finished = tour
        .emulator()
        .finish_subscription_verification(&subscription_id, true);
    tour.hook(
        "emulator: finish_subscription_verification",
        finished,
        &subscription_id,
    );
    tour.webhook_settles(
        "receive_webhook (SUBSCRIPTION)",
        "SUBSCRIPTION",
        &subscription_id,
    );
    let pushed = tour
        .emulator()
        .webhooks()
        .into_iter()
        .find(|webhook| webhook.body["transaction_type"] == "SUBSCRIPTION");
    let verified = match pushed {
        Some(webhook) => utils::verify_legacy_sign_webhook(
            &demo.app,
            webhook.body.to_string().as_bytes(),
            &utils::BCLegacySign::default(),
        )
        .map(|verified| {
            format!(
                "{:?} of {} verified",
                verified.form, verified.transaction_id
            )
        })
        .map_err(|error| error.to_string()),
        None => Err("the emulator pushed no SUBSCRIPTION webhook".into()),
    };
    tour.check("verify_legacy_sign_webhook", verified);
    tour.call(
        "query_subscriptions",
        demo.bc_query.query_subscriptions(None),
        |r| format!("{} subscription(s)", r.subscriptions.len()),
    );
    tour.call(
        "query_subscription_by_id",
        demo.bc_query.query_subscription_by_id(&subscription_id),
        |r| {
            format!(
                "plan {} valid {}",
                some(&r.subscription.plan_id),
                some(&r.subscription.valid)
            )
        },
    );
    let mut changes = BCSubscription::default();
    changes.amount = Some(2.0);
    tour.call(
        "update_subscription",
        demo.bc_pay.update_subscription(&subscription_id, &changes),
        |r| format!("id {}", r.id),
    );
    tour.call(
        "cancel_subscription_at_period_end",
        demo.bc_pay
            .cancel_subscription_at_period_end(&subscription_id),
        |r| format!("id {}", r.id),
    );
    tour.call(
        "cancel_subscription",
        demo.bc_pay.cancel_subscription(&subscription_id),
        |r| format!("id {}", r.id),
    );
    tour.call("delete_plan", demo.bc_pay.delete_plan(&plan_id), |r| {
        format!("id {}", r.id)
    });
}

pub(super) fn users_and_coupons(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    let app = &demo.app;
    let buyer = "tour-buyer";
    tour.call(
        "add_merchant_user",
        user::add_merchant_user(app, buyer),
        |_| format!("buyer_id {buyer}"),
    );
    tour.call(
        "batch_add_merchant_users",
        user::batch_add_merchant_users(app, "merchant@example.com", ["tour-a", "tour-b"]),
        |_| "2 buyers".into(),
    );
    tour.call(
        "query_merchant_users",
        user::query_merchant_users(app, None, None, None),
        |r| format!("{} user(s)", r.users.len()),
    );
    let history_no = numbers.next();
    let made = demo
        .bc_pay
        .pay(&pay_params(BCChannelType::WX_NATIVE, &history_no, 1));
    tour.call("pay (a bill to attach)", made, |r| format!("id {}", r.id));
    let bill_info = BTreeMap::from([(buyer.to_string(), vec![history_no])]);
    tour.call(
        "attach_buyer_history_bills",
        user::attach_buyer_history_bills(app, &bill_info),
        |r| {
            format!(
                "failed_bills {}",
                r.failed_bills.as_ref().map_or(0, BTreeMap::len)
            )
        },
    );

    let Some(template) = json!({"name": "Tour coupon", "type": 0, "limit_fee": 200, "discount": 1})
        .as_object()
        .cloned()
    else {
        return;
    };
    let template_id = tour.emulator().add_coupon_template(template);
    tour.check(
        "emulator: add_coupon_template",
        Ok(format!("id {template_id}")),
    );
    tour.call(
        "query_coupon_templates",
        sales::query_coupon_templates(app, None),
        |r| format!("{} template(s)", r.coupon_templates.len()),
    );
    tour.call(
        "query_coupon_template",
        sales::query_coupon_template(app, &template_id),
        |r| format!("name {}", some(&r.coupon_template.name)),
    );
    let coupon = tour.call(
        "create_coupon",
        sales::create_coupon(app, &template_id, buyer),
        |r| format!("id {}", some(&r.coupon.id)),
    );
    let coupon_id = coupon.and_then(|r| r.coupon.id.clone()).unwrap_or_default();
    let mut by_user = BCQueryCriteria::default();
    by_user.user_id = Some(buyer.into());
    tour.call("query_coupons", sales::query_coupons(app, &by_user), |r| {
        format!("{} coupon(s)", r.coupons.len())
    });
    tour.call("query_coupon", sales::query_coupon(app, &coupon_id), |r| {
        format!("status {}", some(&r.coupon.status))
    });

    // Pay 3 yuan with a 1-yuan coupon: the payer pays 2, and the webhook carries 2.
    let coupon_bill = numbers.next();
    let mut with_coupon = pay_params(BCChannelType::WX_NATIVE, &coupon_bill, 300);
    with_coupon.coupon_id = Some(coupon_id);
    with_coupon.buyer_id = Some(buyer.into());
    if let Some(paid) = tour.call("pay (coupon_id)", demo.bc_pay.pay(&with_coupon), |r| {
        format!("id {}", r.id)
    }) {
        let fee = demo
            .bc_query
            .query_bill_by_id(&paid.id)
            .ok()
            .and_then(|bill| bill.pay.total_fee)
            .unwrap_or(300);
        demo.record_order("PAY", &coupon_bill, fee, "WX_NATIVE", &paid.id);
        let completed = tour.emulator().complete_payment(&coupon_bill);
        tour.hook(
            "emulator: complete_payment (coupon)",
            completed,
            format!("{coupon_bill}, pays {fee} of 300"),
        );
        tour.webhook_settles("receive_webhook (PAY, coupon)", "PAY", &coupon_bill);
    }
}

pub(super) fn utilities(tour: &mut Tour) {
    let demo = tour.demo;
    tour.call(
        "verify_card_factors",
        utils::verify_card_factors(
            &demo.app,
            "张三",
            "110101199003077777",
            Some("6222000000000000"),
            None,
        ),
        |r| {
            format!(
                "card_id {} auth_result {}",
                some(&r.card_id),
                some(&r.auth_result)
            )
        },
    );
    let root = utils::get_rest_root_url();
    tour.check(
        "get_rest_root_url",
        if root.ends_with("/2/") {
            Ok(root)
        } else {
            Err(root)
        },
    );
    let midnight =
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|date| date.and_hms_opt(0, 0, 0));
    let since_epoch = midnight.map(utils::local_timestamp_since_epoch);
    tour.check(
        "local_timestamp_since_epoch",
        since_epoch
            .map(|ms| format!("2026-01-01 00:00 local = {ms} ms"))
            .ok_or_else(|| "no such date".into()),
    );
    let number = utils::order_num_on_datetime();
    tour.check(
        "order_num_on_datetime",
        if number.len() == 17 {
            Ok(number)
        } else {
            Err(format!("{number} is not 17 digits"))
        },
    );
    let url = utils::fetch_code("wx0000000000000000", "https://merchant.example.com/wx");
    tour.check(
        "fetch_code",
        Ok(format!("{} bytes, open.weixin.qq.com", url.len())),
    );
    let signed = utils::app_sign(&demo.app.app_id, 1, &demo.app.app_secret);
    tour.check(
        "app_sign",
        if signed.len() == 32 {
            Ok(signed)
        } else {
            Err(format!("{signed} is not an md5"))
        },
    );
}
