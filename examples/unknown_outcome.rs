//! After an unknown outcome: pay, get `outcome_unknown()`, ask BeeCloud by the bill's own number,
//! then proceed with the bill it holds or pay again with the **same** `bill_no`. Against the
//! embedded emulator, twice: once the request lands after the reply was lost (a slow answer past
//! the client's deadline), once it never reached the store (a 503 in front of it).
//!
//! `cargo run --example unknown_outcome --features emulator`

use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig, Fault};
use beecloud::entity::{BCApp, BCChannelType, BCPayReqParams, BCQueryReqParams};
use beecloud::{BCError, BCPay, BCQuery};

/// Pays, resolving an unknown outcome by `bill_no`: the id of the one bill BeeCloud holds.
fn pay_once(bc_app: &BCApp, params: &BCPayReqParams) -> Result<String, BCError> {
    let bc_pay = BCPay::new(bc_app.clone());
    let error = match bc_pay.pay(params) {
        Ok(result) => return Ok(result.id.clone()),
        Err(error) if error.outcome_unknown() => error,
        Err(error) => return Err(error),
    };
    println!("  pay: {error} (outcome unknown)");
    // A slow request may still land: "not found" counts once the call's deadline has passed.
    let deadline = bc_app
        .timeout
        .map_or(Duration::from_secs(60), |t| t.deadline());
    std::thread::sleep(deadline + Duration::from_millis(500));
    let bill_no = params.bill_no.as_deref().unwrap_or_default();
    match BCQuery::new(bc_app.clone()).find_bill_by_no(bill_no)? {
        Some(bill) => {
            println!("  found: the first call landed; proceeding with it");
            Ok(bill.id.unwrap_or_default())
        }
        None => {
            println!("  not found: nothing happened; paying again with the same bill_no");
            // Safe even if the first call were still on its way: BeeCloud refuses a duplicate.
            match bc_pay.pay(params) {
                Ok(result) => Ok(result.id.clone()),
                Err(error) if error.is_duplicate() => Ok(BCQuery::new(bc_app.clone())
                    .find_bill_by_no(bill_no)?
                    .and_then(|bill| bill.id)
                    .unwrap_or_default()),
                Err(error) => Err(error),
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = Emulator::start_with(EmulatorConfig::default())?;
    let mut bc_app = emu.bc_app();
    bc_app.timeout = Some(Duration::from_millis(200).into());
    for (case, fault) in [
        (
            "the reply is lost after the store",
            Fault::Delay(Duration::from_millis(500)),
        ),
        ("the request fails before the store", Fault::HttpStatus(503)),
    ] {
        println!("{case}:");
        emu.inject_fault("/2/rest/bill", fault);
        let mut params = BCPayReqParams::default();
        params.channel = Some(BCChannelType::WX_NATIVE);
        params.title = Some("unknown outcome".into());
        params.total_fee = Some(100);
        params.bill_no = Some(format!("unknown{}", emu.now_ms()));
        let id = pay_once(&bc_app, &params)?;
        let mut filter = BCQueryReqParams::default();
        filter.bill_no = params.bill_no.clone();
        let held = BCQuery::new(bc_app.clone())
            .query_bills_count(&filter)?
            .count;
        println!("  bill {id}; BeeCloud holds {held} bill with this number");
        if held != 1 || id.is_empty() {
            return Err(format!("{case}: {held} bills").into());
        }
    }
    Ok(())
}
