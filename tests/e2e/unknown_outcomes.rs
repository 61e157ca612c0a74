//! After `outcome_unknown()`: the caller's own number answers what BeeCloud holds. A reply lost
//! after the emulator stored the record (a proxy that drops it, or a slow answer past the
//! client's deadline) is found; a failure before the store is not found, and sending again with
//! the same number succeeds exactly once.
#![cfg(feature = "emulator")]

use crate::support;
use crate::support::emulated;

use std::time::Duration;

use beecloud::emulator::Fault;
use beecloud::entity::{BCChannelType, BCQueryReqParams, BCTransferStatus};
use beecloud::{BCPay, BCQuery};
use emulated::{env, number, pay_params, refund_params};
use support::fault_proxy::{Answer, FaultProxy};

/// Bills numbered `bill_no` BeeCloud holds.
fn bills(query: &BCQuery, bill_no: &str) -> u64 {
    let mut filter = BCQueryReqParams::default();
    filter.bill_no = Some(bill_no.into());
    query.query_bills_count(&filter).unwrap().count
}

#[test]
fn a_lost_reply_after_the_store_is_found_and_not_paid_twice() {
    let env = env();
    let proxy = FaultProxy::start(&env.emu.base_url(), Answer::Drop);
    let mut through_proxy = env.app.clone();
    through_proxy.api_host = proxy.url();
    let params = pay_params(BCChannelType::WX_NATIVE, 300);
    let bill_no = params.bill_no.clone().unwrap();
    let lost = BCPay::new(through_proxy).pay(&params).unwrap_err();
    assert!(lost.outcome_unknown(), "{lost:?}");
    assert_eq!(proxy.requests(), 1);

    let found = env
        .query
        .find_bill_by_no(&bill_no)
        .unwrap()
        .expect("stored");
    assert_eq!(found.total_fee, Some(300));
    assert_eq!(found.spay_result, Some(false), "created, not paid yet");
    // Proceed with the bill that exists; sending again is refused, never a second bill.
    let again = env.pay.pay(&params).unwrap_err();
    assert!(again.is_duplicate(), "{again:?}");
    assert_eq!(bills(&env.query, &bill_no), 1);
}

#[test]
fn a_failure_before_the_store_is_not_found_and_the_same_number_pays_once() {
    let env = env();
    env.emu.inject_fault("/2/rest/bill", Fault::HttpStatus(503));
    let params = pay_params(BCChannelType::WX_NATIVE, 300);
    let bill_no = params.bill_no.clone().unwrap();
    let failed = env.pay.pay(&params).unwrap_err();
    assert!(failed.outcome_unknown(), "{failed:?}");
    assert_eq!(env.query.find_bill_by_no(&bill_no).unwrap(), None);
    env.pay.pay(&params).unwrap();
    assert_eq!(bills(&env.query, &bill_no), 1);
    assert!(env.pay.pay(&params).unwrap_err().is_duplicate());
    assert_eq!(bills(&env.query, &bill_no), 1, "exactly one bill");
}

#[test]
fn a_slow_answer_lands_after_the_deadline_so_not_found_waits_for_it() {
    let env = env();
    let delay = Duration::from_millis(400);
    env.emu.inject_fault("/2/rest/bill", Fault::Delay(delay));
    let mut impatient = env.app.clone();
    impatient.timeout = Some(Duration::from_millis(100).into());
    let params = pay_params(BCChannelType::WX_NATIVE, 5);
    let bill_no = params.bill_no.clone().unwrap();
    let late = BCPay::new(impatient).pay(&params).unwrap_err();
    assert!(late.outcome_unknown(), "{late:?}");
    // The request is still on its way: "not found" is trusted only once it can no longer land.
    std::thread::sleep(delay + Duration::from_millis(200));
    let found = env.query.find_bill_by_no(&bill_no).unwrap();
    assert_eq!(found.and_then(|bill| bill.total_fee), Some(5));
    assert_eq!(bills(&env.query, &bill_no), 1);
}

#[test]
fn refunds_and_payouts_resolve_by_their_own_numbers() {
    let env = env();
    let params = pay_params(BCChannelType::WX_NATIVE, 900);
    let bill = env.pay.pay(&params).unwrap();
    env.emu.complete_payment(&bill.id).unwrap();
    let bill_no = params.bill_no.unwrap();

    // A refund whose reply is lost: found, finished and successful.
    let proxy = FaultProxy::start(&env.emu.base_url(), Answer::Drop);
    let mut through_proxy = env.app.clone();
    through_proxy.api_host = proxy.url();
    let refund = refund_params(&env.emu, &bill_no, 300);
    let refund_no = refund.refund_no.clone().unwrap();
    assert!(
        BCPay::new(through_proxy)
            .refund(&refund)
            .unwrap_err()
            .outcome_unknown()
    );
    let found = env
        .query
        .find_refund_by_no(&refund_no)
        .unwrap()
        .expect("stored");
    assert_eq!((found.finish, found.result), (Some(true), Some(true)));
    assert_eq!(found.refund_fee, Some(300));
    assert!(env.pay.refund(&refund).is_err(), "not refunded twice");
    let unknown_refund = format!("{}R424242", emulated::emu_day(&env.emu));
    assert_eq!(env.query.find_refund_by_no(&unknown_refund).unwrap(), None);

    // A payout that failed before the store: not found, then sent once with the same number.
    let card = support::card_payout(&number("payout"), 5000);
    let transfer_no = card.bill_no.clone().unwrap();
    env.emu
        .inject_fault("/2/rest/bc_transfer", Fault::HttpStatus(502));
    assert!(env.pay.bc_transfer(&card).unwrap_err().outcome_unknown());
    assert_eq!(env.query.find_transfer_by_no(&transfer_no).unwrap(), None);
    env.pay.bc_transfer(&card).unwrap();
    let payout = env
        .query
        .find_transfer_by_no(&transfer_no)
        .unwrap()
        .expect("sent");
    assert_eq!(payout.transfer_status, Some(BCTransferStatus::PROCESSING));
    assert!(env.pay.bc_transfer(&card).unwrap_err().is_duplicate());
}

#[test]
fn an_error_while_resolving_is_never_not_found() {
    let env = env();
    env.emu
        .inject_fault("/2/rest/bills", Fault::HttpStatus(503));
    let asked = env.query.find_bill_by_no("bill00000001");
    assert!(asked.is_err(), "{asked:?}");
    assert!(
        env.query.find_bill_by_no("").is_err(),
        "an empty number matches nothing"
    );
}
