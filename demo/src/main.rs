//! `cargo run -p demo` serves the demo; `cargo run -p demo -- tour` runs every SDK operation once.

use std::process::ExitCode;

use demo::{Credentials, DemoConfig, start, tour};

const USAGE: &str = "\
usage: demo [--host ADDRESS] [--port PORT]
                              serve the web demo (default 127.0.0.1:8080; env DEMO_HOST, DEMO_PORT;
                              port 0 = any; --host 0.0.0.0 lets a phone on the same network in)
       demo tour              call every SDK operation once against a fresh emulator, print a table

Without BEECLOUD_APP_ID the demo starts an embedded BeeCloud emulator with demo credentials.
With real credentials set BEECLOUD_APP_ID, BEECLOUD_APP_SECRET, BEECLOUD_MASTER_SECRET,
BEECLOUD_TEST_SECRET, and BEECLOUD_TEST_MODE=1 for the sandbox (see demo/README.md). With real
credentials refunds, payouts and payments need the operator token: DEMO_OPERATOR_TOKEN (at least 16
characters; required with --host beyond loopback), else a random one printed at start.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tour") => run_tour(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => match address(&args) {
            Ok((host, port)) => serve(host, port),
            Err(problem) => {
                eprintln!("{problem}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
    }
}

/// `--host H` / `--host=H` (else `DEMO_HOST`, else 127.0.0.1) and `--port N` / `--port=N` (else
/// `DEMO_PORT`, else 8080).
fn address(args: &[String]) -> Result<(String, u16), String> {
    let mut host = std::env::var("DEMO_HOST").ok();
    let mut port = std::env::var("DEMO_PORT").ok();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let slot = match name {
            "--host" => &mut host,
            "--port" => &mut port,
            _ => return Err(format!("unknown argument {arg:?}")),
        };
        let value = match inline {
            Some(value) => value,
            None => rest
                .next()
                .cloned()
                .ok_or(format!("{name} needs a value"))?,
        };
        *slot = Some(value);
    }
    let host = host
        .map(|host| host.trim().to_string())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = match port {
        None => 8080,
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("not a port number: {text:?}"))?,
    };
    Ok((host, port))
}

fn serve(host: String, port: u16) -> ExitCode {
    let credentials = Credentials::from_env();
    let config = DemoConfig {
        host: host.clone(),
        port,
        credentials,
        operator_token: std::env::var("DEMO_OPERATOR_TOKEN")
            .ok()
            .filter(|token| !token.trim().is_empty()),
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
            if running.demo().needs_operator() {
                match running.generated_operator_token() {
                    Some(token) => println!(
                        "Operator token (enter it once in the browser to refund, pay out or pay; \
                         shown only now): {token}"
                    ),
                    None => println!("Operator token: the one in DEMO_OPERATOR_TOKEN"),
                }
            }
            println!("Demo at {}/  (Ctrl-C to stop)", running.url());
            if !running.address().ip().is_loopback() {
                eprintln!(
                    "warning: the demo listens on {} — anyone on this network can open it{}",
                    running.address(),
                    if running.demo().emulator.is_none() {
                        " and act with the BeeCloud credentials it was started with"
                    } else {
                        ""
                    }
                );
                match running.lan_url() {
                    Some(lan) => println!("On the same network (e.g. a phone): {lan}/"),
                    None => println!("(no LAN address found: open it with this machine's address)"),
                }
                if let Some(emulator) = &running.demo().emulator {
                    println!(
                        "The embedded emulator (its cashier, the payment links) listens on {}:{} too; \
                         its pages are handed out as {}",
                        emulator.config().host,
                        emulator.port(),
                        emulator.public_url()
                    );
                }
            }
            running.wait();
            ExitCode::SUCCESS
        }
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "could not start the demo: port {port} on {host} is busy (another demo?). \
                 Pick another port with --port N or DEMO_PORT=N (--port 0: any free port)."
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("could not start the demo on {host}:{port}: {error}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn host_and_port_come_from_either_spelling() {
        // (DEMO_HOST / DEMO_PORT are not set in the test environment.)
        assert_eq!(
            address(&args("--host 0.0.0.0 --port=9000")),
            Ok(("0.0.0.0".to_string(), 9000))
        );
        assert_eq!(
            address(&args("--host=192.168.1.5")).map(|(host, _)| host),
            Ok("192.168.1.5".to_string())
        );
        assert!(address(&args("--port")).is_err());
        assert!(address(&args("--port eighty")).is_err());
        assert!(address(&args("--bind 1")).is_err());
    }
}
