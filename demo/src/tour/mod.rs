//! `cargo run -p demo -- tour`: every SDK operation once, against a fresh emulator, as a table.
//!
//! Operations that need state get it the way a merchant would: pay, let the emulator's "payer"
//! pay, wait for the confirmed webhook, then refund… The demo server runs too, so the webhooks go
//! through the real receiver (`receive_webhook`, which confirms each push with a query).

use std::fmt::Display;
use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, EmulatorConfig};
use beecloud::entity::BCPayReqParams;
use beecloud::{BCChannelType, BCError, BCResult, utils};

use crate::{Demo, DemoConfig, start};

mod accounts;
mod other_sdks;
mod payments;
mod transfers;

/// One line of the tour's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The SDK call.
    pub operation: String,
    /// `None` when it succeeded, else `ERR <result_code>` and why.
    pub error: Option<String>,
    /// Key fields of the result (or the error).
    pub detail: String,
}

impl Row {
    /// Whether the operation succeeded.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Collects rows as the tour goes.
struct Tour<'a> {
    demo: &'a Demo,
    rows: Vec<Row>,
}

impl<'a> Tour<'a> {
    /// Records an SDK call; returns its result when it succeeded.
    fn call<T>(
        &mut self,
        operation: &str,
        result: Result<BCResult<T>, BCError>,
        detail: impl FnOnce(&BCResult<T>) -> String,
    ) -> Option<BCResult<T>> {
        match result {
            Ok(result) => {
                self.rows.push(Row {
                    operation: operation.into(),
                    error: None,
                    detail: detail(&result),
                });
                Some(result)
            }
            Err(error) => {
                let code = error
                    .result_code()
                    .map(|code| code.to_string())
                    .unwrap_or_else(|| "-".into());
                self.rows.push(Row {
                    operation: operation.into(),
                    error: Some(format!("ERR {code}")),
                    detail: format!("{} {}", error.result_msg(), error.err_detail()),
                });
                None
            }
        }
    }

    /// Records a step that is not a `BCResult` (local helpers, emulator hooks, webhooks).
    fn check(&mut self, operation: &str, outcome: Result<String, String>) -> bool {
        let ok = outcome.is_ok();
        let (error, detail) = match outcome {
            Ok(detail) => (None, detail),
            Err(problem) => (Some("ERR".to_string()), problem),
        };
        self.rows.push(Row {
            operation: operation.into(),
            error,
            detail,
        });
        ok
    }

    /// Waits until the demo's receiver has settled the order (a webhook arrived that BeeCloud's
    /// record confirms, for the order's amount).
    fn webhook_settles(&mut self, operation: &str, kind: &str, number: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let outcome = loop {
            match self.demo.order(kind, number) {
                Some(order) if order.settled => {
                    break Ok(format!(
                        "{kind} {number} confirmed, amount {} checked",
                        order.fee
                    ));
                }
                None => break Err(format!("the demo has no {kind} order {number}")),
                Some(_) if Instant::now() >= deadline => {
                    break Err(format!(
                        "no confirmed {kind} webhook for {number} within 10 s"
                    ));
                }
                Some(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        self.check(operation, outcome);
    }

    fn emulator(&self) -> &Emulator {
        self.demo
            .emulator
            .as_ref()
            .expect("the tour always starts the demo with its emulator")
    }

    fn hook(&mut self, operation: &str, outcome: Result<(), impl Display>, detail: impl Display) {
        self.check(
            operation,
            outcome
                .map(|()| detail.to_string())
                .map_err(|e| e.to_string()),
        );
    }
}

fn some<T: Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "-".into())
}

/// Unique order numbers for one tour run: `prefix` + the date-time digits + a counter.
struct Numbers {
    stem: String,
    next: u32,
}

impl Numbers {
    fn next(&mut self) -> String {
        self.next += 1;
        format!("{}{:03}", self.stem, self.next)
    }
}

/// Runs the tour against a fresh emulator and returns its rows.
pub fn run() -> std::io::Result<Vec<Row>> {
    let running = start(DemoConfig {
        port: 0,
        credentials: None,
        emulator: EmulatorConfig {
            webhook_time_scale: 0.001,
            ..EmulatorConfig::default()
        },
        ..DemoConfig::default()
    })?;
    let demo = running.demo();
    let mut tour = Tour {
        demo,
        rows: Vec::new(),
    };
    let mut numbers = Numbers {
        // Beijing's date: the numbers serve as refund_no too, on any host zone.
        stem: utils::order_num_on_beijing_datetime(),
        next: 0,
    };
    payments::payments(&mut tour, &mut numbers);
    transfers::transfers(&mut tour, &mut numbers);
    accounts::subscriptions(&mut tour);
    accounts::users_and_coupons(&mut tour, &mut numbers);
    accounts::utilities(&mut tour);
    other_sdks::tour(&mut tour, &mut numbers);
    Ok(tour.rows)
}

fn pay_params(channel: BCChannelType, bill_no: &str, fee: i64) -> BCPayReqParams {
    let mut params = BCPayReqParams::default();
    params.channel = Some(channel);
    params.bill_no = Some(bill_no.into());
    params.total_fee = Some(fee);
    params.title = Some("Tour 演示".into());
    params
}

/// The rows as an aligned text table.
pub fn format_table(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|row| row.operation.chars().count())
        .max()
        .unwrap_or(9)
        .max(9);
    let mut out = format!(
        "{:<width$}  {:<8}  {}\n",
        "operation", "result", "key fields"
    );
    out.push_str(&format!(
        "{}  {}  {}\n",
        "-".repeat(width),
        "-".repeat(8),
        "-".repeat(40)
    ));
    for row in rows {
        let status = row.error.clone().unwrap_or_else(|| "OK".into());
        let pad = width - row.operation.chars().count();
        out.push_str(&format!(
            "{}{}  {:<8}  {}\n",
            row.operation,
            " ".repeat(pad),
            status,
            row.detail
        ));
    }
    let failed = rows.iter().filter(|row| !row.ok()).count();
    out.push_str(&format!(
        "\n{} operations: {} OK, {} failed\n",
        rows.len(),
        rows.len() - failed,
        failed
    ));
    out
}
