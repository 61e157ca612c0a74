//! Runs a BeeCloud emulator until killed.
//!
//! ```text
//! beecloud-emulator [--host H] [--public-url URL] [--port N] [--app-id ID] [--app-secret S] [--master-secret S]
//!                   [--test-secret S] [--merchant-account A] [--webhook-url URL] [--test-webhook-url URL]
//!                   [--control-token T] [--allow-host NAME]... [--timestamp-window-secs N] [--scan-pays-immediately]
//!                   [--knob NAME=VALUE]... [--list-knobs]
//! ```
//!
//! Every option can also come from the environment (`BEECLOUD_EMULATOR_HOST`, `…_PUBLIC_URL`, `…_PORT`, `…_APP_ID`,
//! `…_APP_SECRET`, `…_MASTER_SECRET`, `…_TEST_SECRET`, `…_MERCHANT_ACCOUNT`, `…_WEBHOOK_URL`, `…_TEST_WEBHOOK_URL`,
//! `…_CONTROL_TOKEN`, `…_TIMESTAMP_WINDOW_SECS`, and `…_KNOBS` as whitespace-separated `NAME=VALUE` pairs); a flag
//! wins over the environment. Secrets in the environment stay out of `ps` listings. `--knob` sets a behaviour switch
//! (where the official SDKs and the docs disagree, or are silent; `--list-knobs` shows them with their defaults), as
//! `POST /__emulator/knobs` does later. With `--host` beyond loopback and no `--control-token`, a random token is
//! generated and printed: the control API then needs `Authorization: Bearer <token>`.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use beecloud::emulator::{Emulator, EmulatorConfig};

const USAGE: &str = "usage: beecloud-emulator [--host H (default 127.0.0.1)] \
[--public-url URL (base of handed-out URLs, e.g. http://192.168.1.20:8900)] [--port N (default 8900)] \
[--app-id ID] [--app-secret S] [--master-secret S] [--test-secret S] [--merchant-account A] \
[--webhook-url URL] [--test-webhook-url URL] [--control-token T (generated when --host is not loopback)] \
[--allow-host NAME (another host name to answer to, e.g. a container's; repeatable)] [--timestamp-window-secs N] \
[--scan-pays-immediately] [--knob NAME=VALUE (repeatable; e.g. strict_query_limit=true)] [--list-knobs]
Each option may also be set as BEECLOUD_EMULATOR_<OPTION> (e.g. BEECLOUD_EMULATOR_MASTER_SECRET); flags win;
BEECLOUD_EMULATOR_KNOBS holds NAME=VALUE pairs separated by spaces (no space inside a value);
BEECLOUD_EMULATOR_ALLOW_HOST holds host names separated by commas.";

/// Options that take a value; the environment variable is `BEECLOUD_EMULATOR_` + the name in upper snake case.
const VALUE_OPTIONS: &[&str] = &[
    "--host",
    "--public-url",
    "--port",
    "--app-id",
    "--app-secret",
    "--master-secret",
    "--test-secret",
    "--merchant-account",
    "--webhook-url",
    "--test-webhook-url",
    "--control-token",
    "--allow-host",
    "--timestamp-window-secs",
    "--knob",
];

/// What the command line asks for.
enum Command {
    Run(Box<EmulatorConfig>),
    Help,
    ListKnobs,
}

fn main() -> ExitCode {
    let env = |name: &str| std::env::var(env_name(name)).ok();
    let config = match parse_args(std::env::args().skip(1), env) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::ListKnobs) => {
            for (name, default) in EmulatorConfig::default().knobs() {
                println!("{name:32} default {default}");
            }
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut config = config;
    let generated_token = guard_beyond_loopback(&mut config);
    if !is_loopback(&config.host) {
        eprintln!(
            "warning: binding {} serves every machine that can reach it; the emulator accepts its demo \
             credentials and has no TLS. Use it on trusted networks only.",
            config.host,
        );
    }
    let emulator = match Emulator::start_with(*config) {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot start the emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = emulator.config();
    println!(
        "BeeCloud emulator listening on {}:{} ({})",
        config.host,
        emulator.base_url().rsplit(':').next().unwrap_or_default(),
        emulator.base_url()
    );
    println!("  API root       {}/2/", emulator.base_url());
    if emulator.public_url() != emulator.base_url() {
        println!("  handed-out URLs {}/…", emulator.public_url());
    }
    println!("  control API    {}/", emulator.control_url());
    println!("  app_id         {}", config.app_id);
    // Secrets are the user's own (or the public demo ones): show the demo ones, hide real ones.
    println!("  app_secret     {}", shown(&config.app_secret));
    println!("  master_secret  {}", shown(&config.master_secret));
    println!("  test_secret    {}", shown(&config.test_secret));
    let own_sink = format!(
        "{}/sink/live (the emulator's own sink; read it with GET {}/sink)",
        emulator.control_url(),
        emulator.control_url()
    );
    println!(
        "  webhooks to    {}",
        config.webhook_url.as_deref().unwrap_or(&own_sink)
    );
    if let Some(token) = generated_token {
        println!(
            "  control token  {token}  (generated: send Authorization: Bearer <token> to /__emulator/…)"
        );
    }
    println!("Press Ctrl-C to stop.");
    loop {
        std::thread::park();
    }
}

/// Demo secrets are public (printed so a user can configure another SDK); any other secret is masked.
fn shown(secret: &str) -> &str {
    let demo = [
        beecloud::emulator::DEMO_APP_SECRET,
        beecloud::emulator::DEMO_MASTER_SECRET,
        beecloud::emulator::DEMO_TEST_SECRET,
    ];
    if demo.contains(&secret) {
        secret
    } else {
        "*** (as given)"
    }
}

/// Beyond loopback the control API needs a token: one is generated (and returned, to be printed) when
/// none was given.
fn guard_beyond_loopback(config: &mut EmulatorConfig) -> Option<String> {
    if is_loopback(&config.host) || config.control_token.is_some() {
        return None;
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    config.control_token = Some(token.clone());
    Some(token)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `--master-secret` ⇒ `BEECLOUD_EMULATOR_MASTER_SECRET`.
fn env_name(option: &str) -> String {
    format!(
        "BEECLOUD_EMULATOR_{}",
        option
            .trim_start_matches("--")
            .replace('-', "_")
            .to_ascii_uppercase()
    )
}

/// The command; values come from the environment first, then the flags.
fn parse_args(
    mut args: impl Iterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, String> {
    let mut config = EmulatorConfig {
        port: 8900,
        ..EmulatorConfig::default()
    };
    for option in VALUE_OPTIONS {
        // Knobs come from the environment as one list, `…_KNOBS`.
        if *option == "--knob" {
            continue;
        }
        if let Some(value) = env(option) {
            apply(&mut config, option, value).map_err(|e| format!("{}: {e}", env_name(option)))?;
        }
    }
    if let Some(knobs) = env("--knobs") {
        for knob in knobs.split_whitespace() {
            apply(&mut config, "--knob", knob.to_owned())
                .map_err(|e| format!("{}: {e}", env_name("--knobs")))?;
        }
    }
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--list-knobs" => return Ok(Command::ListKnobs),
            "--scan-pays-immediately" => {
                config.scan_pays_immediately = true;
                continue;
            }
            known if VALUE_OPTIONS.contains(&known) => {}
            other => return Err(format!("unknown option {other}")),
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        apply(&mut config, &flag, value).map_err(|e| format!("{flag}: {e}"))?;
    }
    Ok(Command::Run(Box::new(config)))
}

fn apply(config: &mut EmulatorConfig, option: &str, value: String) -> Result<(), String> {
    match option {
        "--host" => config.host = value,
        "--public-url" => {
            let lower = value.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(format!("not an http(s) URL: {value}"));
            }
            config.public_url = Some(value)
        }
        "--port" => {
            config.port = value
                .parse()
                .map_err(|_| format!("not a port number: {value}"))?
        }
        "--app-id" => config.app_id = value,
        "--app-secret" => config.app_secret = value,
        "--master-secret" => config.master_secret = value,
        "--test-secret" => config.test_secret = value,
        "--merchant-account" => config.merchant_account = value,
        "--webhook-url" => config.webhook_url = Some(value),
        "--test-webhook-url" => config.test_webhook_url = Some(value),
        "--control-token" => config.control_token = Some(value),
        "--allow-host" => config.allowed_hosts.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned),
        ),
        "--timestamp-window-secs" => {
            let secs: u64 = value
                .parse()
                .map_err(|_| format!("not a number of seconds: {value}"))?;
            config.timestamp_window = Some(Duration::from_secs(secs));
        }
        "--knob" => config
            .set_knob_from_text(&value)
            .map_err(|e| e.to_string())?,
        other => return Err(format!("unknown option {other}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn flags_win_over_the_environment() {
        let env = |name: &str| match name {
            "--master-secret" => Some("from-env".to_owned()),
            "--host" => Some("0.0.0.0".to_owned()),
            _ => None,
        };
        let Command::Run(config) = parse_args(args(&["--host", "127.0.0.1"]), env).unwrap() else {
            panic!("not a run")
        };
        assert_eq!(config.master_secret, "from-env");
        assert_eq!(config.host, "127.0.0.1");
        assert_eq!(
            env_name("--master-secret"),
            "BEECLOUD_EMULATOR_MASTER_SECRET"
        );
        assert!(parse_args(args(&["--port", "x"]), |_| None).is_err());
        assert!(
            parse_args(args(&[]), |_| Some("x".into())).is_err(),
            "a bad env port fails"
        );
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && !is_loopback("0.0.0.0"));
        let Ok(Command::Run(public)) =
            parse_args(args(&["--public-url", "http://192.168.1.20:8900"]), |_| {
                None
            })
        else {
            panic!("not a run")
        };
        assert_eq!(
            public.public_url.as_deref(),
            Some("http://192.168.1.20:8900")
        );
        assert!(parse_args(args(&["--public-url", "javascript:x"]), |_| None).is_err());
    }

    #[test]
    fn beyond_loopback_a_token_is_generated_unless_given() {
        let Command::Run(mut open) = parse_args(args(&["--host", "0.0.0.0"]), |_| None).unwrap()
        else {
            panic!("not a run")
        };
        let token = guard_beyond_loopback(&mut open).expect("a generated token");
        assert!(token.len() >= 32);
        assert_eq!(open.control_token.as_deref(), Some(token.as_str()));
        let Command::Run(mut given) = parse_args(
            args(&["--host", "0.0.0.0", "--control-token", "mine"]),
            |_| None,
        )
        .unwrap() else {
            panic!("not a run")
        };
        assert_eq!(guard_beyond_loopback(&mut given), None);
        assert_eq!(given.control_token.as_deref(), Some("mine"));
        let Command::Run(mut local) = parse_args(
            args(&["--allow-host", "emulator,db", "--allow-host", "x"]),
            |_| None,
        )
        .unwrap() else {
            panic!("not a run")
        };
        assert_eq!(guard_beyond_loopback(&mut local), None);
        assert_eq!(local.allowed_hosts, ["emulator", "db", "x"]);
    }

    #[test]
    fn knobs_come_from_flags_and_the_environment() {
        let env = |name: &str| match name {
            "--knobs" => {
                Some("strict_query_limit=true  gateway_b2b_banks=中国银行,招商银行".into())
            }
            _ => None,
        };
        let Command::Run(config) = parse_args(
            args(&[
                "--knob",
                "sandbox_notify.pay_expired=true",
                "--knob",
                "strict_query_limit=false",
            ]),
            env,
        )
        .unwrap() else {
            panic!("not a run")
        };
        assert!(!config.strict_query_limit, "the flag wins");
        assert!(config.sandbox_notify.pay_expired);
        assert_eq!(config.gateway_b2b_banks.unwrap(), ["中国银行", "招商银行"]);
        for bad in [
            "no_such_knob=true",
            "strict_query_limit=yes",
            "strict_query_limit",
        ] {
            let error = parse_args(args(&["--knob", bad]), |_| None).err().unwrap();
            assert!(error.starts_with("--knob: "), "{error}");
        }
        let error = parse_args(args(&[]), |name| (name == "--knobs").then(|| "x=1".into()));
        assert!(
            error
                .err()
                .unwrap()
                .starts_with("BEECLOUD_EMULATOR_KNOBS: ")
        );
        assert!(matches!(
            parse_args(args(&["--list-knobs"]), |_| None),
            Ok(Command::ListKnobs)
        ));
    }
}
