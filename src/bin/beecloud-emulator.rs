//! Runs a BeeCloud emulator until killed.
//!
//! ```text
//! beecloud-emulator [--port N] [--app-id ID] [--app-secret S] [--master-secret S] [--test-secret S]
//!                   [--webhook-url URL] [--test-webhook-url URL] [--scan-pays-immediately]
//! ```
#![forbid(unsafe_code)]

use std::process::ExitCode;

use beecloud::emulator::{Emulator, EmulatorConfig};

const USAGE: &str = "usage: beecloud-emulator [--port N (default 8900)] [--app-id ID] [--app-secret S] \
[--master-secret S] [--test-secret S] [--webhook-url URL] [--test-webhook-url URL] [--scan-pays-immediately]";

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = match Emulator::start_with(config) {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot start the emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = emulator.config();
    println!("BeeCloud emulator listening on {}", emulator.base_url());
    println!("  API root       {}/2/", emulator.base_url());
    println!("  app_id         {}", config.app_id);
    println!("  app_secret     {}", config.app_secret);
    println!("  master_secret  {}", config.master_secret);
    println!("  test_secret    {}", config.test_secret);
    println!(
        "  webhook_url    {}",
        config.webhook_url.as_deref().unwrap_or("(none)")
    );
    println!("Press Ctrl-C to stop.");
    loop {
        std::thread::park();
    }
}

/// Options that take a value.
const VALUE_OPTIONS: &[&str] = &[
    "--port",
    "--app-id",
    "--app-secret",
    "--master-secret",
    "--test-secret",
    "--webhook-url",
    "--test-webhook-url",
];

/// `Ok(None)` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<EmulatorConfig>, String> {
    let mut config = EmulatorConfig {
        port: 8900,
        ..EmulatorConfig::default()
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--scan-pays-immediately" => {
                config.scan_pays_immediately = true;
                continue;
            }
            known if VALUE_OPTIONS.contains(&known) => {}
            other => return Err(format!("unknown option {other}")),
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => {
                config.port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {value}"))?
            }
            "--app-id" => config.app_id = value,
            "--app-secret" => config.app_secret = value,
            "--master-secret" => config.master_secret = value,
            "--test-secret" => config.test_secret = value,
            "--webhook-url" => config.webhook_url = Some(value),
            _ => config.test_webhook_url = Some(value),
        }
    }
    Ok(Some(config))
}
