//! The emulator's server core against hostile and busy clients, over real HTTP on 127.0.0.1: slow senders,
//! many kept-alive connections, large bodies, slow webhook receivers, unsafe URLs.
#![cfg(feature = "emulator")]

use crate::support;
use crate::support::agent;
use crate::support::emulated::pay_body;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use beecloud::emulator::{Emulator, EmulatorConfig, EmulatorLimits};
use serde_json::Value;

/// An emulator with these limits and the default configuration otherwise.
fn with_limits(limits: EmulatorLimits) -> Emulator {
    Emulator::start_with(EmulatorConfig {
        limits,
        ..EmulatorConfig::default()
    })
    .unwrap()
}

fn post_json(agent: &ureq::Agent, url: &str, body: &Value) -> Value {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    serde_json::from_str(&response.body_mut().read_to_string().expect("a body")).expect("JSON")
}

#[test]
fn six_slow_clients_do_not_delay_a_normal_request() {
    let emu = Emulator::start().unwrap();
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    // Six clients that send a request head one byte every 100 ms (for ~4 s) and never finish it.
    let slow: Vec<_> = (0..6)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                for byte in b"POST /2/rest/bill HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
                    .iter()
                    .take(40)
                {
                    if stream.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let reply = post_json(
        &agent(Duration::from_secs(10)),
        &format!("{}/2/rest/bill", emu.base_url()),
        &pay_body(&emu, "slowclients01"),
    );
    let took = started.elapsed();
    assert_eq!(reply["result_code"], 0, "{reply}");
    assert!(
        took < Duration::from_secs(1),
        "a normal request took {took:?} next to 6 slow clients"
    );
    for thread in slow {
        thread.join().unwrap();
    }
}

#[test]
fn a_slow_body_times_out_without_holding_the_server() {
    let emu = with_limits(EmulatorLimits {
        body_timeout: Duration::from_millis(300),
        ..EmulatorLimits::default()
    });
    let mut stream = TcpStream::connect(emu.base_url().trim_start_matches("http://")).unwrap();
    stream
        .write_all(b"POST /2/rest/bill HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // The server gives up on the body at its deadline and closes the connection.
    let _ = stream.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "closed after {:?}",
        started.elapsed()
    );
}

#[test]
fn sixty_four_kept_alive_connections_are_all_answered() {
    let emu = Arc::new(Emulator::start().unwrap());
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|n| {
            let (emu, barrier) = (emu.clone(), barrier.clone());
            std::thread::spawn(move || {
                // One agent per thread: its own kept-alive connection.
                let agent = agent(Duration::from_secs(5));
                let url = format!("{}/2/rest/bill", emu.base_url());
                barrier.wait();
                for round in 0..5 {
                    let reply = post_json(
                        &agent,
                        &url,
                        &pay_body(&emu, &format!("ka{n:03}x{round:02}")),
                    );
                    assert_eq!(
                        reply["result_code"], 0,
                        "connection {n} round {round}: {reply}"
                    );
                }
            })
        })
        .collect();
    let answered = threads
        .into_iter()
        .map(|t| t.join())
        .filter(Result::is_ok)
        .count();
    assert_eq!(answered, 64, "every connection got all its answers");
}

#[test]
fn a_slow_webhook_receiver_does_not_delay_another_destination() {
    let slow = support::CaptureServer::always(support::Reply {
        delay: Some(Duration::from_secs(3)),
        ..support::Reply::text(200, "success")
    });
    let fast = support::CaptureServer::always(support::Reply::text(200, "success"));
    let emu = Emulator::start().unwrap();
    let agent = agent(Duration::from_secs(10));
    let url = format!("{}/2/rest/bill", emu.base_url());
    let mut ids = Vec::new();
    for (n, receiver) in [&slow, &fast].into_iter().enumerate() {
        let mut body = pay_body(&emu, &format!("slowhook{n:04}"));
        body["notify_url"] = format!("{}/hook", receiver.url()).into();
        let reply = post_json(&agent, &url, &body);
        ids.push(reply["id"].as_str().unwrap().to_owned());
    }
    emu.complete_payment(&ids[0]).unwrap();
    std::thread::sleep(Duration::from_millis(100)); // the slow push is under way
    let started = Instant::now();
    emu.complete_payment(&ids[1]).unwrap();
    while fast.requests().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the fast receiver waited behind the slow one"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        slow.requests().len(),
        1,
        "the slow receiver got its push too"
    );
}

#[test]
fn a_slow_path_does_not_delay_another_path_of_the_same_host() {
    use beecloud::emulator::server::{Limits, Listener, Request, Response};
    use std::sync::Mutex;
    // One receiver, two paths: /slow answers after 4 s, /fast at once; it notes when each push arrives.
    let arrived: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let noted = arrived.clone();
    let receiver = Listener::start(
        "127.0.0.1",
        0,
        Limits::default(),
        Arc::new(move |request: Request| {
            noted
                .lock()
                .unwrap()
                .push((request.path.clone(), Instant::now()));
            if request.path == "/slow" {
                std::thread::sleep(Duration::from_secs(4));
            }
            Response::text(200, "success")
        }),
        Arc::new(|| {}),
    )
    .unwrap();
    let emu = Emulator::start().unwrap();
    let agent = agent(Duration::from_secs(10));
    let url = format!("{}/2/rest/bill", emu.base_url());
    let mut ids = Vec::new();
    for path in ["slow", "fast"] {
        let mut body = pay_body(&emu, &format!("samehost{path}"));
        body["notify_url"] = format!("http://{}/{path}", receiver.addr).into();
        let reply = post_json(&agent, &url, &body);
        ids.push(reply["id"].as_str().unwrap().to_owned());
    }
    emu.complete_payment(&ids[0]).unwrap();
    std::thread::sleep(Duration::from_millis(200)); // the slow push is under way
    let started = Instant::now();
    emu.complete_payment(&ids[1]).unwrap();
    loop {
        if let Some((_, at)) = arrived.lock().unwrap().iter().find(|(p, _)| p == "/fast") {
            assert!(at.duration_since(started) < Duration::from_secs(1));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the push to /fast waited behind /slow"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn javascript_and_other_non_http_urls_are_refused() {
    let emu = Emulator::start().unwrap();
    let agent = agent(Duration::from_secs(10));
    let url = format!("{}/2/rest/bill", emu.base_url());
    for (n, bad) in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "//evil.example/r",
        "http://",
        "ftp://x/r",
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = pay_body(&emu, &format!("badurl{n:04}"));
        body["channel"] = "ALI_WEB".into();
        body["return_url"] = bad.into();
        let reply = post_json(&agent, &url, &body);
        assert_eq!(reply["result_code"], 5, "return_url {bad}: {reply}");
        assert!(
            reply["err_detail"].as_str().unwrap().contains("return_url"),
            "{reply}"
        );
        let mut body = pay_body(&emu, &format!("badnotify{n:04}"));
        body["notify_url"] = bad.into();
        let reply = post_json(&agent, &url, &body);
        assert_eq!(reply["result_code"], 5, "notify_url {bad}: {reply}");
    }
    let mut body = pay_body(&emu, "goodurl0001");
    body["channel"] = "ALI_WEB".into();
    body["return_url"] = "https://shop.example/return".into();
    assert_eq!(post_json(&agent, &url, &body)["result_code"], 0);
    // Nothing with a javascript: URL was stored, so no cashier page can submit a form to one.
    assert!(emu.requests().len() >= 13);
}

#[test]
fn at_the_cap_waiting_connections_make_room_and_busy_ones_get_503() {
    let emu = with_limits(EmulatorLimits {
        max_connections: 4,
        ..EmulatorLimits::default()
    });
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    // Four silent connections fill the cap; a newcomer is served, the oldest silent one is closed.
    let mut held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(100));
    let reply = post_json(
        &agent(Duration::from_secs(5)),
        &format!("{}/2/rest/bill", emu.base_url()),
        &pay_body(&emu, "madeRoom0001"),
    );
    assert_eq!(reply["result_code"], 0);
    held[0]
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    assert_eq!(
        held[0].read(&mut [0u8; 16]).unwrap_or(0),
        0,
        "the oldest was closed"
    );
    // Four connections in the middle of a request are busy: a fifth is turned away at once.
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let busy: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream.write_all(b"POST /2/rest/bill HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut extra = TcpStream::connect(&addr).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = String::new();
    let _ = extra.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    drop(busy);
    std::thread::sleep(Duration::from_millis(200));
    let reply = post_json(
        &agent(Duration::from_secs(5)),
        &format!("{}/2/rest/bill", emu.base_url()),
        &pay_body(&emu, "recovered001"),
    );
    assert_eq!(reply["result_code"], 0);
}

#[test]
fn a_request_is_answered_at_once_during_512_silent_sockets() {
    let emu = Emulator::start().unwrap();
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    let silent: Vec<TcpStream> = (0..512)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    assert_eq!(silent.len(), 512);
    std::thread::sleep(Duration::from_millis(300));
    let agent = agent(Duration::from_secs(5));
    for n in 0..3 {
        let started = Instant::now();
        let reply = post_json(
            &agent,
            &format!("{}/2/rest/bill", emu.base_url()),
            &pay_body(&emu, &format!("silent51200{n}")),
        );
        let took = started.elapsed();
        assert_eq!(reply["result_code"], 0, "{reply}");
        assert!(took < Duration::from_secs(1), "request {n} took {took:?}");
    }
}

#[test]
fn requests_are_answered_while_silent_sockets_keep_reconnecting_at_the_cap() {
    let emu = with_limits(EmulatorLimits {
        max_connections: 64,
        ..EmulatorLimits::default()
    });
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 64 clients that open a socket, send nothing, and open another as soon as it is closed (≤ 5 s).
    let attackers: Vec<_> = (0..64)
        .map(|_| {
            let (addr, stop) = (addr.clone(), stop.clone());
            std::thread::spawn(move || {
                let began = Instant::now();
                while !stop.load(std::sync::atomic::Ordering::SeqCst)
                    && began.elapsed() < Duration::from_secs(5)
                {
                    let Ok(mut socket) = TcpStream::connect(&addr) else {
                        continue;
                    };
                    let _ = socket.set_read_timeout(Some(Duration::from_millis(500)));
                    let _ = socket.read(&mut [0u8; 64]);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut slowest = Duration::ZERO;
    for n in 0..10 {
        let started = Instant::now();
        // A fresh connection each time: a kept-alive one waiting between requests may be closed to
        // make room, as the cap intends.
        let reply = post_json(
            &agent(Duration::from_secs(5)),
            &format!("{}/2/rest/bill", emu.base_url()),
            &pay_body(&emu, &format!("reconnect{n:03}")),
        );
        assert_eq!(reply["result_code"], 0, "{reply}");
        slowest = slowest.max(started.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for attacker in attackers {
        attacker.join().unwrap();
    }
    assert!(
        slowest < Duration::from_secs(1),
        "the slowest request took {slowest:?}"
    );
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_first_byte_timeout() {
    let emu = with_limits(EmulatorLimits {
        first_byte_timeout: Duration::from_millis(300),
        ..EmulatorLimits::default()
    });
    let mut silent = TcpStream::connect(emu.base_url().trim_start_matches("http://")).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    assert_eq!(silent.read(&mut [0u8; 16]).unwrap_or(0), 0);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
