//! `cargo run -p demo` serves the demo; `cargo run -p demo -- tour` runs every SDK operation once.

use std::process::ExitCode;

use demo::{Credentials, DemoConfig, start, tour};

const USAGE: &str = "\
usage: demo [--port PORT]     serve the web demo on 127.0.0.1 (default port 8080, env DEMO_PORT; 0 = any)
       demo tour              call every SDK operation once against a fresh emulator, print a table

Without BEECLOUD_APP_ID the demo starts an embedded BeeCloud emulator with demo credentials.
With real credentials set BEECLOUD_APP_ID, BEECLOUD_APP_SECRET, BEECLOUD_MASTER_SECRET,
BEECLOUD_TEST_SECRET, and BEECLOUD_TEST_MODE=1 for the sandbox (see demo/README.md).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tour") => run_tour(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => match port(&args) {
            Ok(port) => serve(port),
            Err(problem) => {
                eprintln!("{problem}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
    }
}

/// `--port N` / `--port=N`, else `DEMO_PORT`, else 8080.
fn port(args: &[String]) -> Result<u16, String> {
    let mut chosen = std::env::var("DEMO_PORT").ok();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if let Some(value) = arg.strip_prefix("--port=") {
            chosen = Some(value.to_string());
        } else if arg == "--port" {
            chosen = Some(rest.next().cloned().ok_or("--port needs a number")?);
        } else {
            return Err(format!("unknown argument {arg:?}"));
        }
    }
    match chosen {
        None => Ok(8080),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("not a port number: {text:?}")),
    }
}

fn serve(port: u16) -> ExitCode {
    let credentials = Credentials::from_env();
    let config = DemoConfig {
        port,
        credentials,
        ..DemoConfig::default()
    };
    match start(config) {
        Ok(running) => {
            match &running.demo().emulator {
                Some(emulator) => println!(
                    "BeeCloud emulator (demo credentials) at {}",
                    emulator.base_url()
                ),
                None => println!(
                    "Using BeeCloud at {} (app {})",
                    running.demo().app.api_host,
                    running.demo().app.app_id
                ),
            }
            println!("Demo at {}/  (Ctrl-C to stop)", running.url());
            running.wait();
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("could not start the demo on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_tour() -> ExitCode {
    match tour::run() {
        Ok(rows) => {
            print!("{}", tour::format_table(&rows));
            if rows.iter().all(tour::Row::ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("could not start the tour: {error}");
            ExitCode::FAILURE
        }
    }
}
