//! Refund a paid bill against the embedded emulator: pay, refund part of it, and read the
//! refund's outcome from BeeCloud's record.
//!
//! ```text
//! cargo run --example refund --features emulator
//! ```

use beecloud::emulator::Emulator;
use beecloud::entity::{BCChannelType, BCPayReqParams, BCRefundReqParams};
use beecloud::utils::{order_num_on_beijing_datetime, order_num_on_datetime};
use beecloud::{BCPay, BCQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start()?;
    let bc_pay = BCPay::new(emulator.bc_app());
    let bc_query = BCQuery::new(emulator.bc_app());

    let bill_no = order_num_on_datetime();
    let mut payment = BCPayReqParams::default();
    payment.channel = Some(BCChannelType::WX_NATIVE);
    payment.title = Some("两本书".into());
    payment.total_fee = Some(200); // fen
    payment.bill_no = Some(bill_no.clone());
    let bill = bc_pay.pay(&payment)?;
    emulator.complete_payment(&bill.id)?;
    println!("bill {bill_no} paid: 200 fen");

    let mut refund = BCRefundReqParams::default();
    // BeeCloud wants a refund number starting with Beijing's date.
    refund.refund_no = Some(order_num_on_beijing_datetime());
    refund.bill_no = Some(bill_no);
    refund.refund_fee = Some(100);
    let refunded = bc_pay.refund(&refund)?;
    println!("refund {} accepted: 100 fen", refunded.id);

    // Whether the money went back is BeeCloud's record to say (WeChat settles at once; other
    // channels later, with a REFUND webhook).
    let record = bc_query.query_refund_by_id(&refunded.id)?;
    println!(
        "refund finished: {:?}, succeeded: {:?}",
        record.refund.finish, record.refund.result
    );
    Ok(())
}
