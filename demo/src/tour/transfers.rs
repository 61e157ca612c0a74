//! The tour of payouts: WeChat, Alipay and bank-card transfers.

use beecloud::BCChannelType;
use beecloud::entity::{
    BCBatchTransferItem, BCBatchTransferParams, BCCardTransferParams, BCTransferRedPack,
    BCTransferReqParams,
};

use super::{Numbers, Tour, some};

pub(super) fn transfers(tour: &mut Tour, numbers: &mut Numbers) {
    let demo = tour.demo;
    let mut redpack = BCTransferReqParams::default();
    redpack.channel = Some(BCChannelType::WX_REDPACK);
    let digits = numbers.next();
    redpack.transfer_no = Some(digits[digits.len() - 10..].to_string());
    redpack.total_fee = Some(100);
    redpack.desc = Some("Tour red pack".into());
    redpack.channel_user_id = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    let mut info = BCTransferRedPack::default();
    info.send_name = Some("BeeCloud".into());
    info.wishing = Some("Enjoy".into());
    info.act_name = Some("Tour".into());
    redpack.redpack_info = Some(info);
    tour.call(
        "transfer (WX_REDPACK)",
        demo.bc_pay.transfer(&redpack),
        |r| format!("id {}", r.id),
    );

    let mut wx = BCTransferReqParams::default();
    wx.channel = Some(BCChannelType::WX_TRANSFER);
    wx.transfer_no = Some(numbers.next());
    wx.total_fee = Some(100);
    wx.desc = Some("Tour WeChat transfer".into());
    wx.channel_user_id = Some("o3kKrjlUsMnv__cK5DYZMl0JoAkY".into());
    tour.call("transfer (WX_TRANSFER)", demo.bc_pay.transfer(&wx), |r| {
        format!("id {}", r.id)
    });

    let mut ali = BCTransferReqParams::default();
    ali.channel = Some(BCChannelType::ALI_TRANSFER);
    ali.transfer_no = Some(numbers.next());
    ali.total_fee = Some(100);
    ali.desc = Some("Tour Alipay transfer".into());
    ali.channel_user_id = Some("receiver@example.com".into());
    ali.channel_user_name = Some("Receiver".into());
    ali.account_name = Some("Demo merchant".into());
    tour.call("transfer (ALI_TRANSFER)", demo.bc_pay.transfer(&ali), |r| {
        format!("url {}", some(&r.url))
    });

    let banks = tour.call(
        "query_bc_transfer_supported_banks",
        demo.bc_query.query_bc_transfer_supported_banks("P_DE"),
        |r| format!("{} banks", r.bank_list.len()),
    );
    let bank = banks
        .and_then(|r| r.bank_list.first().cloned())
        .unwrap_or_else(|| "中国银行".into());
    let mut card = BCCardTransferParams::default();
    let payout_no = numbers.next();
    card.total_fee = Some(100);
    card.bill_no = Some(payout_no.clone());
    card.title = Some("Tour payout".into());
    card.bank_fullname = Some(bank);
    card.card_type = Some("DE".into());
    card.account_type = Some("P".into());
    card.account_no = Some("6222000000000000".into());
    card.account_name = Some("Receiver".into());
    card.mobile = Some("13800000000".into());
    if tour
        .call("bc_transfer", demo.bc_pay.bc_transfer(&card), |r| {
            format!("id {}", r.id)
        })
        .is_some()
    {
        demo.record_order("TRANSFER", &payout_no, 100, "BC_TRANSFER", "");
        let completed = tour.emulator().complete_transfer(&payout_no);
        tour.hook("emulator: complete_transfer", completed, &payout_no);
        tour.webhook_settles("receive_webhook (TRANSFER)", "TRANSFER", &payout_no);
    }

    let mut batch = BCBatchTransferParams::default();
    batch.batch_no = Some(numbers.next());
    batch.account_name = Some("Demo merchant".into());
    let items = [("1", 100), ("2", 200)]
        .iter()
        .map(|(id, fee)| {
            let mut item = BCBatchTransferItem::default();
            item.transfer_id = Some(format!("{}{id}", numbers.next()));
            item.receiver_account = Some(format!("receiver{id}@example.com"));
            item.receiver_name = Some(format!("Receiver {id}"));
            item.transfer_fee = Some(*fee);
            item.transfer_note = Some("Tour batch".into());
            item
        })
        .collect();
    batch.transfer_data = Some(items);
    tour.call("batch_transfer", demo.bc_pay.batch_transfer(&batch), |r| {
        format!("url {}", some(&r.url))
    });
}
