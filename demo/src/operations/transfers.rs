//! Payouts: WeChat red packs and transfers, Alipay transfers, bank-card payouts (Python's
//! `bc_transfer`, and the T0, T1, Chanpay and JD payouts of the other SDKs), the payout query.

use beecloud::BCChannelType;
use beecloud::entity::{
    BCBatchTransferItem, BCBatchTransferParams, BCCJTransferParams, BCCardTransferParams,
    BCT0TransferParams, BCT1TransferParams, BCTransferQueryParams, BCTransferRedPack,
    BCTransferReqParams, BCTransferStatus,
};
use beecloud::{BCError, BCResult};

use super::{
    BankList, Failure, Field, NEW_ORDER_NO, NEW_REDPACK_NO, OpResult, Operation, beijing_time,
    expecting, flag, integer, required, required_integer, shown,
};
use crate::Demo;
use crate::http::{Form, Incoming, percent_encode};
use crate::view::{Inline, View, cell, payout_status};

/// This area's operations.
#[rustfmt::skip] // A table: one operation per line, its fields below it.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "transfer_wx_redpack", call: "BCPay::transfer (WX_REDPACK)", summary: "Sends a WeChat red pack.", fields: &[
        Field::text("transfer_no", "transfer_no").default(NEW_REDPACK_NO).help("10 digits"),
        Field::number("total_fee", "total_fee (fen)").default("100").help("100–20000"),
        Field::text("desc", "desc").default("Red pack demo"),
        Field::text("channel_user_id", "receiver openid").default("o3kKrjlUsMnv__cK5DYZMl0JoAkY"),
        Field::text("send_name", "send_name").default("BeeCloud"),
        Field::text("wishing", "wishing").default("Happy new year"),
        Field::text("act_name", "act_name").default("Demo"),
    ], run: transfer_wx_redpack },
    Operation { name: "transfer_wx", call: "BCPay::transfer (WX_TRANSFER)", summary: "A WeChat transfer to an openid.", fields: &[
        Field::text("transfer_no", "transfer_no").default(NEW_ORDER_NO),
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("desc", "desc").default("WeChat transfer demo"),
        Field::text("channel_user_id", "receiver openid").default("o3kKrjlUsMnv__cK5DYZMl0JoAkY"),
    ], run: transfer_wx },
    Operation { name: "transfer_ali", call: "BCPay::transfer (ALI_TRANSFER)", summary: "An Alipay transfer; confirm it at url.", fields: &[
        Field::text("transfer_no", "transfer_no").default(NEW_ORDER_NO),
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("desc", "desc").default("Alipay transfer demo"),
        Field::text("channel_user_id", "receiver Alipay account").default("receiver@example.com"),
        Field::text("channel_user_name", "receiver name").default("Receiver"),
        Field::text("account_name", "payer account name").default("Demo merchant"),
    ], run: transfer_ali },
    Operation { name: "query_bc_transfer_supported_banks", call: "BCQuery::query_bc_transfer_supported_banks", summary: "Banks bc_transfer pays out to.", fields: &[
        Field::choice("type", "type", &["P_DE", "P_CR", "C"]),
    ], run: transfer_banks },
    Operation { name: "bc_transfer", call: "BCPay::bc_transfer", summary: "Pays out to a bank card; the outcome arrives by webhook.", fields: &[
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("title", "title").default("Card payout demo"),
        Field::banks("bank_fullname", "bank_fullname", BankList::Transfer),
        Field::choice("card_type", "card_type", &["DE", "CR"]),
        Field::choice("account_type", "account_type", &["P", "C"]),
        Field::text("account_no", "account_no").default("6222000000000000"),
        Field::text("account_name", "account_name").default("Receiver"),
        Field::text("mobile", "mobile").default("13800000000"),
    ], run: bc_transfer },
    Operation { name: "batch_transfer", call: "BCPay::batch_transfer", summary: "An Alipay batch payout; confirm it at url.", fields: &[
        Field::text("batch_no", "batch_no").default(NEW_ORDER_NO),
        Field::text("account_name", "payer account name").default("Demo merchant"),
        Field::area("transfer_data", "payouts").default("1,receiver1@example.com,Receiver One,100,Batch demo\n2,receiver2@example.com,Receiver Two,200,Batch demo")
            .help("one per line: transfer_id, receiver_account, receiver_name, transfer_fee, transfer_note"),
    ], run: batch_transfer },
    Operation { name: "bc_t0_transfer", call: "BCPay::bc_t0_transfer", summary: "T0 payout to a bank card (Java/PHP), signed in its body; the outcome arrives by webhook.", fields: &[
        Field::number("withdraw_amount", "withdraw_amount (fen)").default("100"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::choice("transfer_type", "transfer_type", &["1", "2"]).help("1 personal, 2 corporate account"),
        Field::text("bank_name", "bank_name").default("中国银行"),
        Field::text("bank_account_no", "bank_account_no").default("6222000011112222"),
        Field::text("bank_account_name", "bank_account_name").default("Receiver"),
        Field::text("bank_code", "bank_code").default("BOC"),
        Field::text("note", "note").default("T0 payout demo"),
    ], run: bc_t0_transfer },
    Operation { name: "query_t1_transfer_supported_banks", call: "BCQuery::query_t1_transfer_supported_banks", summary: "Banks a T1 payout may name (PHP only; experimental).", fields: &[], run: t1_banks },
    Operation { name: "bc_t1_transfer", call: "BCPay::bc_t1_transfer", summary: "T1 payout to a bank card (Java/PHP), signed in its body; the outcome arrives by webhook.", fields: &[
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::choice("is_personal", "is_personal", &["1", "0"]).help("1 personal, 0 corporate account"),
        Field::text("bank_name", "bank_name").default("中国银行").help("from the T1 bank list"),
        Field::text("bank_account_no", "bank_account_no").default("6222000011113333"),
        Field::text("bank_account_name", "bank_account_name").default("Receiver"),
    ], run: bc_t1_transfer },
    Operation { name: "cj_transfer", call: "BCPay::cj_transfer", summary: "Chanpay payout to a bank card (PHP/.NET); the outcome arrives by webhook.", fields: &[
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("title", "title").default("CJ payout demo"),
        Field::text("bank_name", "bank_name").default("中国工商银行"),
        Field::text("bank_branch", "bank_branch").default("中国工商银行上海分行"),
        Field::text("province", "province").default("上海"),
        Field::text("city", "city").default("上海"),
        Field::choice("card_type", "card_type", &["DEBIT", "CREDIT"]),
        Field::choice("card_attribute", "card_attribute", &["C", "B"]).help("C personal, B corporate account"),
        Field::text("bank_account_no", "bank_account_no").default("6222000011114444"),
        Field::text("account_name", "account_name").default("Receiver"),
    ], run: cj_transfer },
    Operation { name: "query_jd_transfer_supported_banks", call: "BCQuery::query_jd_transfer_supported_banks", summary: "Banks a JD payout may name (Java only; experimental).", fields: &[
        Field::choice("type", "type", &["", "P_DE", "P_CR", "C"]),
    ], run: jd_banks },
    Operation { name: "jd_transfer", call: "BCPay::jd_transfer", summary: "JD payout to a bank card (PHP; experimental); the outcome arrives by webhook.", fields: &[
        Field::number("total_fee", "total_fee (fen)").default("100"),
        Field::text("bill_no", "bill_no").default(NEW_ORDER_NO),
        Field::text("title", "title").default("JD payout demo"),
        Field::banks("bank_fullname", "bank_fullname", BankList::Transfer),
        Field::choice("card_type", "card_type", &["DE", "CR"]),
        Field::choice("account_type", "account_type", &["P", "C"]),
        Field::text("account_no", "account_no").default("6222000011115555"),
        Field::text("account_name", "account_name").default("Receiver"),
    ], run: jd_transfer },
    Operation { name: "query_transfers", call: "BCQuery::query_transfers / transfers_iter", summary: "Bank-card payouts (every kind above), newest first; tick all pages to page through them all.", fields: &[
        Field::text("bill_no", "bill_no"),
        Field::choice("transfer_status", "transfer_status", &["", "PROCESSING", "SUCCESS", "FAIL"]),
        Field::text("start_time", "created from (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
        Field::text("end_time", "created until (Beijing time)").help("YYYY-MM-DD HH:MM or YYYY-MM-DD"),
        Field::check("need_detail", "need_detail"),
        Field::number("skip", "skip"),
        Field::number("limit", "limit").default("10").help("10–50"),
        Field::check("all_pages", "all pages (transfers_iter)"),
    ], run: query_transfers },
    Operation { name: "query_transfers_count", call: "BCQuery::query_transfers_count", summary: "How many bank-card payouts match.", fields: &[
        Field::text("bill_no", "bill_no"),
        Field::choice("transfer_status", "transfer_status", &["", "PROCESSING", "SUCCESS", "FAIL"]),
    ], run: query_transfers_count },
];

// Transfers.

fn transfer_params(form: &Form, channel: BCChannelType) -> Result<BCTransferReqParams, Failure> {
    let mut params = BCTransferReqParams::default();
    params.channel = Some(channel);
    params.transfer_no = Some(required(form, "transfer_no")?);
    params.total_fee = Some(required_integer(form, "total_fee")?);
    params.desc = Some(form.text("desc").unwrap_or_else(|| "Demo transfer".into()));
    params.channel_user_id = Some(required(form, "channel_user_id")?);
    Ok(params)
}

fn run_transfer(demo: &Demo, params: &BCTransferReqParams) -> OpResult {
    let channel = params
        .channel
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let number = params.transfer_no.clone().unwrap_or_default();
    let fee = params.total_fee.unwrap_or_default();
    let result = expecting(demo, ("TRANSFER", &number, fee, &channel), || {
        demo.bc_pay.transfer(params)
    })?;
    demo.record_order(
        "TRANSFER",
        &number,
        params.total_fee.unwrap_or_default(),
        &channel,
        &result.id,
    );
    let mut extra = View::new();
    if let Some(url) = &result.url {
        extra.line(vec![
            Inline::text("Confirm the transfer at "),
            Inline::link(url, "the Alipay page"),
            Inline::text("."),
        ]);
    }
    shown(&result, extra)
}

fn transfer_wx_redpack(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = transfer_params(form, BCChannelType::WX_REDPACK)?;
    let mut redpack = BCTransferRedPack::default();
    redpack.send_name = Some(required(form, "send_name")?);
    redpack.wishing = Some(required(form, "wishing")?);
    redpack.act_name = Some(required(form, "act_name")?);
    params.redpack_info = Some(redpack);
    run_transfer(demo, &params)
}

fn transfer_wx(demo: &Demo, incoming: &Incoming) -> OpResult {
    run_transfer(
        demo,
        &transfer_params(&incoming.form, BCChannelType::WX_TRANSFER)?,
    )
}

fn transfer_ali(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = transfer_params(form, BCChannelType::ALI_TRANSFER)?;
    params.channel_user_name = Some(required(form, "channel_user_name")?);
    params.account_name = Some(required(form, "account_name")?);
    run_transfer(demo, &params)
}

fn transfer_banks(demo: &Demo, incoming: &Incoming) -> OpResult {
    let kind = incoming.form.text("type").unwrap_or_else(|| "P_DE".into());
    let result = demo.bc_query.query_bc_transfer_supported_banks(&kind)?;
    shown(&result, View::new())
}

fn bc_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut params = BCCardTransferParams::default();
    let bill_no = required(form, "bill_no")?;
    let total_fee = required_integer(form, "total_fee")?;
    params.total_fee = Some(total_fee);
    params.bill_no = Some(bill_no.clone());
    params.title = Some(form.text("title").unwrap_or_else(|| "Card payout".into()));
    params.bank_fullname = Some(required(form, "bank_fullname")?);
    params.card_type = Some(form.text("card_type").unwrap_or_else(|| "DE".into()));
    params.account_type = Some(form.text("account_type").unwrap_or_else(|| "P".into()));
    params.account_no = Some(required(form, "account_no")?.into());
    params.account_name = Some(required(form, "account_name")?);
    params.mobile = form.text("mobile");
    let result = expecting(
        demo,
        ("TRANSFER", &bill_no, total_fee, "BC_TRANSFER"),
        || demo.bc_pay.bc_transfer(&params),
    )?;
    demo.record_order("TRANSFER", &bill_no, total_fee, "BC_TRANSFER", &result.id);
    shown(
        &result,
        View::new()
            .line(vec![
                Inline::text("The outcome arrives by webhook (see "),
                Inline::link("/webhooks", "webhooks"),
                Inline::text(")."),
            ])
            .done(),
    )
}

fn batch_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut items = Vec::new();
    for (index, line) in form
        .get("transfer_data")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        let [transfer_id, account, name, fee, note] = parts[..] else {
            return Err(Failure::Input(format!(
                "payout line {} needs 5 comma-separated values",
                index + 1
            )));
        };
        let fee: i64 = fee.parse().map_err(|_| {
            Failure::Input(format!(
                "payout line {}: the fee must be a whole number",
                index + 1
            ))
        })?;
        let mut item = BCBatchTransferItem::default();
        item.transfer_id = Some(transfer_id.into());
        item.receiver_account = Some(account.into());
        item.receiver_name = Some(name.into());
        item.transfer_fee = Some(fee);
        item.transfer_note = Some(note.into());
        items.push(item);
    }
    let mut params = BCBatchTransferParams::default();
    params.batch_no = Some(required(form, "batch_no")?);
    params.account_name = Some(required(form, "account_name")?);
    for item in &items {
        let id = item.transfer_id.clone().unwrap_or_default();
        demo.record_order(
            "TRANSFER",
            &id,
            item.transfer_fee.unwrap_or_default(),
            "ALI_TRANSFER",
            "",
        );
    }
    params.transfer_data = Some(items);
    let result = demo.bc_pay.batch_transfer(&params)?;
    demo.remember("transfer", params.batch_no.as_deref().unwrap_or_default());
    let mut extra = View::new();
    if let Some(url) = &result.url {
        extra.line(vec![
            Inline::text("Confirm the batch at "),
            Inline::link(url, "the Alipay page"),
            Inline::text("."),
        ]);
    }
    shown(&result, extra)
}

// The other SDKs' bank-card payouts.

/// Runs a bank-card payout with its order recorded first (its TRANSFER webhook may come at once).
fn card_payout<T>(
    demo: &Demo,
    bill_no: &str,
    fee: i64,
    call: impl FnOnce() -> Result<BCResult<T>, BCError>,
    id: impl Fn(&T) -> Option<String>,
) -> OpResult {
    let result = expecting(demo, ("TRANSFER", bill_no, fee, "BC_TRANSFER"), call)?;
    demo.record_order(
        "TRANSFER",
        bill_no,
        fee,
        "BC_TRANSFER",
        id(&result).as_deref().unwrap_or(""),
    );
    demo.remember("payout_bill_no", bill_no);
    shown(
        &result,
        View::new()
            .line(vec![
                Inline::text("Processing; the outcome arrives by webhook (see "),
                Inline::link("/webhooks", "webhooks"),
                Inline::text("), and in "),
                Inline::link("/op/query_transfers", "query_transfers"),
                Inline::text("."),
            ])
            .done(),
    )
}

fn bc_t0_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let bill_no = required(form, "bill_no")?;
    let fee = required_integer(form, "withdraw_amount")?;
    let mut params = BCT0TransferParams::default();
    params.withdraw_amount = Some(fee);
    params.bill_no = Some(bill_no.clone());
    params.transfer_type = Some(form.text("transfer_type").unwrap_or_else(|| "1".into()));
    params.bank_name = Some(required(form, "bank_name")?);
    params.bank_account_no = Some(required(form, "bank_account_no")?.into());
    params.bank_account_name = Some(required(form, "bank_account_name")?);
    params.bank_code = Some(required(form, "bank_code")?);
    params.note = Some(required(form, "note")?);
    card_payout(
        demo,
        &bill_no,
        fee,
        || demo.bc_pay.bc_t0_transfer(&params),
        |r| Some(r.id.clone()),
    )
}

fn bc_t1_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let bill_no = required(form, "bill_no")?;
    let fee = required_integer(form, "total_fee")?;
    let mut params = BCT1TransferParams::default();
    params.total_fee = Some(fee);
    params.bill_no = Some(bill_no.clone());
    params.is_personal = Some(form.text("is_personal").unwrap_or_else(|| "1".into()));
    params.bank_name = Some(required(form, "bank_name")?);
    params.bank_account_no = Some(required(form, "bank_account_no")?.into());
    params.bank_account_name = Some(required(form, "bank_account_name")?);
    card_payout(
        demo,
        &bill_no,
        fee,
        || demo.bc_pay.bc_t1_transfer(&params),
        |r| r.id.clone(),
    )
}

fn cj_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let bill_no = required(form, "bill_no")?;
    let fee = required_integer(form, "total_fee")?;
    let mut params = BCCJTransferParams::default();
    params.total_fee = Some(fee);
    params.bill_no = Some(bill_no.clone());
    params.title = Some(required(form, "title")?);
    params.bank_name = Some(required(form, "bank_name")?);
    params.bank_branch = Some(required(form, "bank_branch")?);
    params.province = Some(required(form, "province")?);
    params.city = Some(required(form, "city")?);
    params.card_type = Some(form.text("card_type").unwrap_or_else(|| "DEBIT".into()));
    params.card_attribute = Some(form.text("card_attribute").unwrap_or_else(|| "C".into()));
    params.bank_account_no = Some(required(form, "bank_account_no")?.into());
    params.account_name = Some(required(form, "account_name")?);
    card_payout(
        demo,
        &bill_no,
        fee,
        || demo.bc_pay.cj_transfer(&params),
        |r| Some(r.id.clone()),
    )
}

fn jd_transfer(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let bill_no = required(form, "bill_no")?;
    let fee = required_integer(form, "total_fee")?;
    let mut params = BCCardTransferParams::default();
    params.total_fee = Some(fee);
    params.bill_no = Some(bill_no.clone());
    params.title = Some(required(form, "title")?);
    params.bank_fullname = Some(required(form, "bank_fullname")?);
    params.card_type = Some(form.text("card_type").unwrap_or_else(|| "DE".into()));
    params.account_type = Some(form.text("account_type").unwrap_or_else(|| "P".into()));
    params.account_no = Some(required(form, "account_no")?.into());
    params.account_name = Some(required(form, "account_name")?);
    card_payout(
        demo,
        &bill_no,
        fee,
        || demo.bc_pay.jd_transfer(&params),
        |r| Some(r.id.clone()),
    )
}

fn t1_banks(demo: &Demo, _incoming: &Incoming) -> OpResult {
    let result = demo.bc_query.query_t1_transfer_supported_banks()?;
    shown(&result, View::new())
}

fn jd_banks(demo: &Demo, incoming: &Incoming) -> OpResult {
    let kind = incoming.form.text("type");
    let result = demo
        .bc_query
        .query_jd_transfer_supported_banks(kind.as_deref())?;
    shown(&result, View::new())
}

// The payout query.

fn transfer_filters(form: &Form) -> Result<BCTransferQueryParams, Failure> {
    let mut filters = BCTransferQueryParams::default();
    filters.bill_no = form.text("bill_no");
    filters.transfer_status = form
        .text("transfer_status")
        .map(|status| BCTransferStatus::from(status.as_str()));
    filters.start_time = beijing_time(form, "start_time")?;
    filters.end_time = beijing_time(form, "end_time")?;
    Ok(filters)
}

fn query_transfers(demo: &Demo, incoming: &Incoming) -> OpResult {
    let form = &incoming.form;
    let mut filters = transfer_filters(form)?;
    filters.need_detail = flag(form, "need_detail");
    filters.limit = integer(form, "limit")?;
    if flag(form, "all_pages") == Some(true) {
        let mut payouts = Vec::new();
        for payout in demo.bc_query.transfers_iter(&filters) {
            payouts.push(payout?);
        }
        let mut view = View::new();
        view.line(vec![Inline::text(format!(
            "{} payouts over every page (transfers_iter):",
            payouts.len()
        ))]);
        for payout in &payouts {
            view.line(vec![Inline::text(format!(
                "{} {} fen {}",
                payout.bill_no.as_deref().unwrap_or("-"),
                payout.total_fee.unwrap_or_default(),
                payout
                    .transfer_status
                    .as_ref()
                    .map(BCTransferStatus::as_str)
                    .unwrap_or("-")
            ))]);
        }
        return Ok(super::Outcome::Shown(view));
    }
    filters.skip = integer(form, "skip")?;
    let result = demo.bc_query.query_transfers(&filters)?;
    let rows = result
        .transfers
        .iter()
        .map(|payout| {
            let number = payout.bill_no.clone().unwrap_or_default();
            let page = format!("/transfer/{}", percent_encode(&number));
            vec![
                payout.create_time.map(Inline::Time).into_iter().collect(),
                vec![Inline::link(&page, &number)],
                vec![Inline::Amount(payout.total_fee.unwrap_or_default())],
                payout_status(payout.transfer_status.as_ref()),
                cell(payout.account_name.clone().unwrap_or_default()),
                vec![Inline::link(&page, "details")],
            ]
        })
        .collect();
    shown(
        &result,
        View::new()
            .say(format!("{} payouts on this page.", result.transfers.len()))
            .table(
                &["created (Beijing)", "number", "amount", "status", "to", ""],
                rows,
            )
            .done(),
    )
}

fn query_transfers_count(demo: &Demo, incoming: &Incoming) -> OpResult {
    let result = demo
        .bc_query
        .query_transfers_count(&transfer_filters(&incoming.form)?)?;
    shown(&result, View::new().big(result.count.to_string()).done())
}
