//! Opt-in retries, counted on the emulator's request log: a query is asked again after a 5xx, a
//! write is never sent twice after a timeout or a 5xx, a write whose connection was refused is
//! sent once the server is there, and the whole call stays inside its deadline.
#![cfg(feature = "emulator")]

use crate::support;
use crate::support::emulated;

use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, Fault};
use beecloud::entity::{BCChannelType, BCRetry};
use beecloud::{BCError, BCPay, BCQuery};
use emulated::{env, pay_params};
use support::fault_proxy::{Answer, FaultProxy};

fn retrying() -> Option<BCRetry> {
    Some(BCRetry::new(
        3,
        Duration::from_millis(20),
        Duration::from_millis(100),
    ))
}

/// Requests the emulator received with this method and path.
fn count(emu: &Emulator, method: &str, path: &str) -> usize {
    let log = emu.requests();
    log.iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

#[test]
fn a_query_is_asked_again_after_a_5xx_only_when_retries_are_on() {
    let env = env();
    env.emu
        .inject_fault("/2/rest/bills", Fault::HttpStatus(503));
    assert!(env.query.query_bills(None).is_err(), "off by default");
    assert_eq!(count(&env.emu, "GET", "/2/rest/bills"), 1);

    let mut app = env.app.clone();
    app.retry = retrying();
    env.emu
        .inject_fault("/2/rest/bills", Fault::HttpStatus(503));
    BCQuery::new(app.clone()).query_bills(None).unwrap();
    assert_eq!(
        count(&env.emu, "GET", "/2/rest/bills"),
        3,
        "1 + a failed and a retried GET"
    );

    // An answer of the server is not retried.
    env.emu.inject_fault("/2/rest/bills", Fault::ApiError(14));
    assert!(matches!(
        BCQuery::new(app).query_bills(None),
        Err(BCError::Api { .. })
    ));
    assert_eq!(count(&env.emu, "GET", "/2/rest/bills"), 4);
}

#[test]
fn a_write_is_never_sent_twice_after_a_timeout_or_a_5xx() {
    let env = env();
    let mut app = env.app.clone();
    app.retry = retrying();
    app.timeout = Some(Duration::from_millis(150).into());
    let delay = Duration::from_millis(300);
    env.emu.inject_fault("/2/rest/bill", Fault::Delay(delay));
    let timed_out = BCPay::new(app.clone()).pay(&pay_params(BCChannelType::WX_NATIVE, 1));
    assert!(
        matches!(timed_out, Err(BCError::Timeout { .. })),
        "{timed_out:?}"
    );
    env.emu.inject_fault("/2/rest/bill", Fault::HttpStatus(503));
    let refused = BCPay::new(app).pay(&pay_params(BCChannelType::WX_NATIVE, 1));
    assert!(
        matches!(refused, Err(BCError::HttpStatus { status: 503, .. })),
        "{refused:?}"
    );
    std::thread::sleep(delay);
    assert_eq!(count(&env.emu, "POST", "/2/rest/bill"), 2, "one POST each");
}

#[test]
fn a_write_whose_connection_was_refused_is_sent_once_the_server_is_there() {
    let env = env();
    // A port nobody listens on yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut app = env.app.clone();
    app.api_host = format!("http://127.0.0.1:{port}");
    app.retry = Some(BCRetry::new(
        4,
        Duration::from_millis(300),
        Duration::from_secs(1),
    ));
    let started = Instant::now();
    let params = pay_params(BCChannelType::WX_NATIVE, 1);
    let paying = std::thread::spawn(move || BCPay::new(app).pay(&params));
    std::thread::sleep(Duration::from_millis(100));
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let proxy = FaultProxy::on(listener, &env.emu.base_url(), Answer::Relay);
    paying.join().unwrap().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "waited before retrying"
    );
    assert_eq!(proxy.requests(), 1);
    assert_eq!(count(&env.emu, "POST", "/2/rest/bill"), 1);

    // Nobody there at all: `Connect` after every attempt, the waits in between.
    let mut nowhere = env.app.clone();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    nowhere.api_host = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    nowhere.retry = Some(BCRetry::new(
        3,
        Duration::from_millis(100),
        Duration::from_secs(1),
    ));
    let started = Instant::now();
    let refused = BCPay::new(nowhere).pay(&pay_params(BCChannelType::WX_NATIVE, 1));
    assert!(
        matches!(refused, Err(BCError::Connect { .. })),
        "{refused:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retries_stay_inside_the_call_deadline() {
    let env = env();
    for _ in 0..20 {
        env.emu
            .inject_fault("/2/rest/bills", Fault::HttpStatus(503));
    }
    let mut app = env.app.clone();
    let deadline = Duration::from_millis(400);
    app.timeout = Some(deadline.into());
    app.retry = Some(BCRetry::new(
        20,
        Duration::from_millis(100),
        Duration::from_secs(5),
    ));
    let started = Instant::now();
    let failed = BCQuery::new(app).query_bills(None);
    let took = started.elapsed();
    assert!(
        matches!(failed, Err(BCError::HttpStatus { status: 503, .. })),
        "{failed:?}"
    );
    assert!(took < deadline + Duration::from_millis(100), "{took:?}");
    let asked = count(&env.emu, "GET", "/2/rest/bills");
    assert!((2..20).contains(&asked), "{asked} GETs");
    eprintln!("{asked} GETs in {took:?} for a {deadline:?} deadline");
}
