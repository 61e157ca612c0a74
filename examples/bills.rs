//! Page through every bill against the embedded emulator: `bills_iter` fetches one page at a time
//! as the loop needs it and stops at the end.
//!
//! ```text
//! cargo run --example bills --features emulator
//! ```

use beecloud::emulator::Emulator;
use beecloud::entity::{BCChannelType, BCPayReqParams, BCQueryReqParams};
use beecloud::{BCPay, BCQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start()?;
    let bc_pay = BCPay::new(emulator.bc_app());
    let bc_query = BCQuery::new(emulator.bc_app());

    // Twenty-five bills, every third one paid.
    for n in 1..=25_i64 {
        let mut params = BCPayReqParams::default();
        params.channel = Some(BCChannelType::ALI_WEB);
        params.return_url = Some("https://example.com/paid".into());
        params.title = Some(format!("order {n}"));
        params.total_fee = Some(n * 100);
        params.bill_no = Some(format!("example{n:04}"));
        let bill = bc_pay.pay(&params)?;
        if n % 3 == 0 {
            emulator.complete_payment(&bill.id)?;
        }
    }

    // Ten bills a page (the smallest page BeeCloud serves): the iterator asks for the next page when the loop reaches it.
    let mut filter = BCQueryReqParams::default();
    filter.limit = Some(10);
    let (mut count, mut paid) = (0, 0);
    for bill in bc_query.bills_iter(&filter) {
        let bill = bill?;
        count += 1;
        if bill.spay_result == Some(true) {
            paid += bill.total_fee.unwrap_or_default();
        }
        println!(
            "{:>12} {:>5} fen paid {:?}",
            bill.bill_no.unwrap_or_default(),
            bill.bill_fee.unwrap_or_default(),
            bill.spay_result
        );
    }
    println!("{count} bills, {paid} fen paid");
    Ok(())
}
