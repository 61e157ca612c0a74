//! Pay with a WeChat QR code against the embedded emulator: the QR content, the payer scanning
//! it (the emulator's stand-in), and BeeCloud's record saying the bill is paid.
//!
//! ```text
//! cargo run --example pay --features emulator
//! ```

use beecloud::emulator::Emulator;
use beecloud::entity::{BCChannelType, BCPayReqParams};
use beecloud::utils::order_num_on_datetime;
use beecloud::{BCPay, BCQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Stands in for api.beecloud.cn; `bc_app()` points a BCApp at it with its credentials.
    let emulator = Emulator::start()?;
    let bc_pay = BCPay::new(emulator.bc_app());

    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.title = Some("一杯咖啡".into());
    params.total_fee = Some(1); // fen
    params.bill_no = Some(order_num_on_datetime());
    let bill = bc_pay.pay(&params)?;
    let qr_content = bill.code_url.as_deref().unwrap_or_default();
    println!(
        "bill {} created; draw this as a QR code for the payer:\n  {qr_content}",
        bill.id
    );

    // In production the payer scans the code; here the emulator pays the bill.
    emulator.complete_payment(&bill.id)?;

    // BeeCloud's record decides whether the bill is paid (the webhook is only a hint).
    let record = BCQuery::new(emulator.bc_app()).query_bill_by_id(&bill.id)?;
    println!("paid: {:?}", record.pay.spay_result);
    Ok(())
}
