//! The SDK's own cost per call, side by side with the wire's limit and the Python SDK, in one run.
//!
//! `cargo run --release --example bench --features emulator [-- --rounds N --scale F --no-pin
//! --no-python --quick --only NAME]`
//!
//! A minimal canned HTTP/1.1 server runs in this process (one thread per connection, fixed answers);
//! the process pins itself to one CPU, so client and server share it as in production on a busy box.
//! Each scenario runs in every round, the rounds interleave all scenarios (and the Python SDK 3.6.0,
//! run as a child process when `python3 -c "import beecloud"` works), so noise hits all alike.
//! Client CPU is the calling thread's own (`getrusage(RUSAGE_THREAD)`; for Python the child's
//! `time.process_time()`), so the server's work is not counted. The emulator part compares a raw
//! signed request loop with the SDK against the real emulator; the memory part reads `VmRSS` after
//! 1k and 100k calls.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use beecloud::emulator::Emulator;
use beecloud::entity::{
    BCApp, BCBatchTransferItem, BCBatchTransferParams, BCChannelType, BCPayReqParams,
    BCQueryReqParams,
};
use beecloud::{BCPay, BCQuery};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().any(|arg| arg == name);
    let value = |name: &str, default: f64| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1)?.parse().ok())
            .unwrap_or(default)
    };
    let rounds = value("--rounds", 5.0) as usize;
    let scale = value("--scale", 1.0);
    let calls = |base: usize| ((base as f64 * scale) as usize).max(1);
    if !flag("--no-pin") {
        pin_to_current_cpu();
    }
    if cfg!(debug_assertions) {
        println!("WARNING: a debug build; run with --release for meaningful figures");
    }

    let server = canned_server();
    let app = |prefix: &str| {
        let mut bc_app = BCApp::new("bench-app", "bench-app-secret", "bench-master-secret");
        bc_app.api_host = format!("http://{server}/{prefix}");
        bc_app
    };
    let bc_pay = BCPay::new(app("p"));
    let page_of = |bills: usize| {
        let query = BCQuery::new(app(&format!("b{bills}")));
        let mut page = BCQueryReqParams::default();
        // The canned server answers `bills` bills whatever the limit (which must be 10..=50).
        page.limit = Some(50);
        move || {
            assert_eq!(
                query.query_bills(&page).expect("query_bills").count(),
                bills
            )
        }
    };
    let batch = batch_of(1000);
    let mut raw = RawClient::connect(&server);
    let python = python_available(flag("--no-python"));

    let mut bill = 0u64;
    let mut raw_pay = || raw.pay();
    let mut raw_as_ureq = RawClient::connect(&server);
    let mut raw_ureq_pay = || raw_as_ureq.pay_with_the_sdks_system_calls();
    let mut sdk_pay = || {
        bill += 1;
        bc_pay.pay(&pay_params(bill)).expect("pay");
    };
    let (mut two_bills, mut fifty_bills) = (page_of(2), page_of(50));
    let mut sdk_batch = || {
        bc_pay.batch_transfer(&batch).expect("batch_transfer");
    };
    let mut raw_new = || RawClient::connect(&server).pay();
    let mut sdk_new = || {
        BCPay::new(app("p")).pay(&pay_params(0)).expect("pay");
    };
    let mut scenarios: Vec<Scenario> = vec![
        Scenario::new(
            "raw keep-alive loop (pay request)",
            calls(4000),
            None,
            &mut raw_pay,
        ),
        Scenario::new(
            "raw loop + the SDK's system calls",
            calls(4000),
            Some(0),
            &mut raw_ureq_pay,
        ),
        Scenario::new("SDK pay", calls(4000), Some(0), &mut sdk_pay),
        Scenario::new(
            "SDK query_bills, 2 bills",
            calls(3000),
            Some(0),
            &mut two_bills,
        ),
        Scenario::new(
            "SDK query_bills, 50 bills",
            calls(600),
            Some(0),
            &mut fifty_bills,
        ),
        Scenario::new(
            "SDK batch_transfer, 1000 items",
            calls(60),
            Some(0),
            &mut sdk_batch,
        ),
        Scenario::new("raw new-connection loop", calls(600), None, &mut raw_new),
        Scenario::new("SDK new-connection pay", calls(600), Some(6), &mut sdk_new),
    ];
    let mut python_rows: Vec<Figures> = ["Python pay", "Python query_bills, 2 bills"]
        .into_iter()
        .chain(["Python query_bills, 50 bills"])
        .map(Figures::named)
        .collect();
    // `--only TEXT`: run just the scenarios whose name contains TEXT (for profilers).
    let only = args
        .iter()
        .position(|arg| arg == "--only")
        .and_then(|at| args.get(at + 1));
    if let Some(only) = only {
        scenarios.retain(|scenario| scenario.figures.name.contains(only.as_str()));
        for scenario in &mut scenarios {
            scenario.baseline = None;
        }
        for _ in 0..rounds {
            scenarios.iter_mut().for_each(Scenario::run);
        }
        print_header();
        scenarios
            .iter()
            .for_each(|scenario| scenario.figures.print(None));
        return;
    }
    for _ in 0..rounds {
        for scenario in &mut scenarios {
            scenario.run();
        }
        if let Some(python) = &python {
            for (row, (prefix, kind, base)) in python_rows.iter_mut().zip([
                ("p", "pay", 300),
                ("b2", "bills", 300),
                ("b50", "bills", 150),
            ]) {
                row.add(python_round(
                    python,
                    &format!("http://{server}/{prefix}"),
                    kind,
                    calls(base),
                ));
            }
        }
    }

    println!(
        "\nCanned server, {rounds} interleaved rounds (ratios are against the raw row named):"
    );
    print_header();
    for scenario in &scenarios {
        let base = scenario.baseline.map(|at| &scenarios[at].figures);
        scenario.figures.print(base);
    }
    match &python {
        Some(_) => {
            for row in &python_rows {
                row.print(Some(&scenarios[0].figures));
            }
            println!("\nSDK / Python, calls/s (CPU per call, Python / SDK):");
            for (sdk, py) in [(2, 0), (3, 1), (4, 2)] {
                let (sdk, py) = (&scenarios[sdk].figures, &python_rows[py]);
                println!(
                    "  {:<40} {:>7.1}x  ({:.1}x less CPU)",
                    sdk.name,
                    sdk.calls_per_s() / py.calls_per_s(),
                    py.cpu_us() / sdk.cpu_us()
                );
            }
        }
        None if flag("--no-python") => println!("\nPython SDK: skipped (--no-python)"),
        None => {
            println!("\nPython SDK: skipped (python3 with `pip install beecloud==3.6.0` not found)")
        }
    }
    let (pay, floor) = (&scenarios[2].figures, &scenarios[1].figures);
    println!(
        "SDK pay against the raw loop + the SDK's system calls: {:.2}x its calls/s, {:.2}x its CPU ({:+.1} µs above it: ureq's and the SDK's code)",
        pay.calls_per_s() / floor.calls_per_s(),
        pay.cpu_us() / floor.cpu_us(),
        pay.cpu_us() - floor.cpu_us()
    );
    let per_extra_bill = (scenarios[4].figures.cpu_us() - scenarios[3].figures.cpu_us()) / 48.0;
    println!("query_bills: {per_extra_bill:.2} µs client CPU per extra bill");

    emulator_part(rounds, calls(1000));
    memory_part(&bc_pay, flag("--quick"));
}

/// One row of the table: a closure run `calls` times per round.
struct Scenario<'a> {
    figures: Figures,
    calls: usize,
    /// Index of the raw row its ratios are against.
    baseline: Option<usize>,
    call: &'a mut dyn FnMut(),
}

impl<'a> Scenario<'a> {
    fn new(
        name: &'static str,
        calls: usize,
        baseline: Option<usize>,
        call: &'a mut dyn FnMut(),
    ) -> Self {
        Scenario {
            figures: Figures::named(name),
            calls,
            baseline,
            call,
        }
    }

    fn run(&mut self) {
        let mut latencies = Vec::with_capacity(self.calls);
        let (cpu, wall) = (thread_cpu(), Instant::now());
        for _ in 0..self.calls {
            let one = Instant::now();
            (self.call)();
            latencies.push(one.elapsed());
        }
        self.figures.add(Round {
            calls: self.calls,
            cpu: thread_cpu() - cpu,
            wall: wall.elapsed(),
            latencies,
        });
    }
}

/// What one round of one scenario measured.
struct Round {
    calls: usize,
    cpu: Duration,
    wall: Duration,
    latencies: Vec<Duration>,
}

/// The sum of a scenario's rounds.
struct Figures {
    name: &'static str,
    calls: usize,
    cpu: Duration,
    wall: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn named(name: &'static str) -> Self {
        Figures {
            name,
            calls: 0,
            cpu: Duration::ZERO,
            wall: Duration::ZERO,
            latencies: Vec::new(),
        }
    }

    fn add(&mut self, round: Round) {
        self.calls += round.calls;
        self.cpu += round.cpu;
        self.wall += round.wall;
        self.latencies.extend(round.latencies);
    }

    fn into_round(self) -> Round {
        Round {
            calls: self.calls,
            cpu: self.cpu,
            wall: self.wall,
            latencies: self.latencies,
        }
    }

    fn calls_per_s(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }

    fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.calls as f64
    }

    fn percentile_us(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted
            .get(((sorted.len().max(1) - 1) as f64 * p) as usize)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
    }

    fn print(&self, base: Option<&Figures>) {
        let ratios = base.map_or(String::new(), |base| {
            format!(
                "{:>9.2}x {:>9.2}x  {}",
                self.calls_per_s() / base.calls_per_s(),
                self.cpu_us() / base.cpu_us(),
                base.name
            )
        });
        println!(
            "{:<40} {:>7} {:>9.0} {:>9.1} {:>9.1} {:>9.1}  {ratios}",
            self.name,
            self.calls,
            self.calls_per_s(),
            self.cpu_us(),
            self.percentile_us(0.5),
            self.percentile_us(0.99),
        );
    }
}

fn print_header() {
    println!(
        "{:<40} {:>7} {:>9} {:>9} {:>9} {:>9}  {:>10} {:>10}",
        "scenario", "calls", "calls/s", "CPU µs", "p50 µs", "p99 µs", "calls/s÷", "CPU÷"
    );
}

fn pay_params(bill: u64) -> BCPayReqParams {
    let mut params = BCPayReqParams::default();
    params.channel = Some(BCChannelType::WX_NATIVE);
    params.total_fee = Some(1);
    params.bill_no = Some(format!("bench{bill:08}"));
    params.title = Some("bench".into());
    params
}

fn batch_of(items: usize) -> BCBatchTransferParams {
    let mut batch = BCBatchTransferParams::default();
    batch.batch_no = Some("batch0000000001".into());
    batch.account_name = Some("bench payer".into());
    batch.transfer_data = Some(
        (0..items)
            .map(|at| {
                let mut item = BCBatchTransferItem::default();
                item.transfer_id = Some(format!("transfer{at:08}"));
                item.receiver_account = Some(format!("receiver{at}@example.com"));
                item.receiver_name = Some("张三".into());
                item.transfer_fee = Some(100);
                item.transfer_note = Some("bench payout".into());
                item
            })
            .collect(),
    );
    batch
}

// ---- the canned server --------------------------------------------------------------------------

/// Starts the server; its address.
fn canned_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().unwrap().to_string();
    let answers = [
        ("/b50/", answer(&bills_page(50))),
        ("/b2/", answer(&bills_page(2))),
        (
            "/p/2/rest/transfers",
            answer(
                r#"{"result_code":0,"result_msg":"OK","err_detail":"","url":"https://mapi.alipay.com/gateway.do?batch=1"}"#,
            ),
        ),
        (
            "/",
            answer(
                r#"{"result_code":0,"result_msg":"OK","err_detail":"","id":"2a4f9c5e-0d1b-4b8e-9f2a-6c3d5e7f8a90","code_url":"weixin://wxpay/bizpayurl?pr=AbCdEfG"}"#,
            ),
        ),
    ];
    let answers: &'static [(&str, Vec<u8>)] = Box::leak(Box::new(answers));
    // Named, so profilers can tell the server's threads from the client's.
    fn spawn(work: impl FnOnce() + Send + 'static) {
        let named = std::thread::Builder::new().name("canned-server".into());
        named.spawn(work).expect("spawn a server thread");
    }
    spawn(move || {
        for stream in listener.incoming().flatten() {
            spawn(move || drop(serve(stream, answers)));
        }
    });
    address
}

/// Answers requests on one connection until the client closes it.
fn serve(stream: TcpStream, answers: &[(&str, Vec<u8>)]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let (mut line, mut body) = (String::new(), Vec::new());
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split(' ').nth(1).unwrap_or("/").to_string();
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            if line.trim_end().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        let (_, answer) = answers
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .unwrap();
        writer.write_all(answer)?;
    }
}

fn answer(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A page of bills shaped as the emulator and the REST docs answer them.
fn bills_page(bills: usize) -> String {
    let bills: Vec<String> = (0..bills)
        .map(|at| {
            format!(
                r#"{{"id":"6c3d5e7f-{at:04}-4b8e-9f2a-2a4f9c5e0d1b","bill_no":"bench{at:08}","channel":"WX","sub_channel":"WX_NATIVE","trade_no":"4200000{at:08}","create_time":1764547200{at:03},"optional":"{{\"order\":\"{at}\"}}","spay_result":true,"title":"bench 测试","total_fee":100,"bill_fee":100,"discount":0,"revert_result":false,"refund_result":false,"buyer_id":"buyer{at}","seller_id":"","store_id":"","operator_id":"","coupon_id":"","message_detail":"{{}}","app_id":"bench-app"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"result_code":0,"result_msg":"OK","err_detail":"","count":{},"bills":[{}]}}"#,
        bills.len(),
        bills.join(",")
    )
}

// ---- the raw loop -------------------------------------------------------------------------------

/// The wire's limit: one prebuilt request written, the answer read by its `Content-Length`.
struct RawClient {
    stream: TcpStream,
    request: Vec<u8>,
    buffer: Vec<u8>,
}

impl RawClient {
    fn connect(address: &str) -> Self {
        let body = format!(
            r#"{{"app_id":"bench-app","timestamp":{},"app_sign":"0123456789abcdef0123456789abcdef","channel":"WX_NATIVE","total_fee":1,"bill_no":"bench00000001","title":"bench","bc_analysis":{{"sdk_version":"RUST_0.1.0"}}}}"#,
            now_ms()
        );
        RawClient::with_request(
            address,
            &format!(
                "POST /p/2/rest/bill HTTP/1.1\r\nHost: {address}\r\nUser-Agent: raw\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        )
    }

    fn with_request(address: &str, request: &str) -> Self {
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).unwrap();
        RawClient {
            stream,
            request: request.as_bytes().to_vec(),
            buffer: vec![0; 64 * 1024],
        }
    }

    fn pay(&mut self) {
        let request = std::mem::take(&mut self.request);
        self.exchange(&request);
        self.request = request;
    }

    /// The same exchange with the system calls the SDK makes around it on a pooled connection
    /// (ureq's liveness probe, a non-blocking peek; a send timeout before the one write; a receive
    /// timeout before reading): the floor of an SDK built on ureq 3.
    fn pay_with_the_sdks_system_calls(&mut self) {
        let request = std::mem::take(&mut self.request);
        self.exchange_with_the_sdks_system_calls(&request);
        self.request = request;
    }

    fn exchange_with_the_sdks_system_calls(&mut self, request: &[u8]) -> u16 {
        self.stream.set_nonblocking(true).unwrap();
        let _ = self.stream.peek(&mut [0]);
        self.stream.set_nonblocking(false).unwrap();
        let timeout = Some(Duration::from_secs(60));
        self.stream.set_write_timeout(timeout).unwrap();
        self.stream.set_read_timeout(timeout).unwrap();
        self.exchange(request)
    }

    /// Sends `request`, reads one answer; its status line.
    fn exchange(&mut self, request: &[u8]) -> u16 {
        self.stream.write_all(request).expect("write");
        let mut filled = 0;
        loop {
            let read = self.stream.read(&mut self.buffer[filled..]).expect("read");
            assert!(read > 0, "server closed");
            filled += read;
            let Some(head) = find(&self.buffer[..filled], b"\r\n\r\n") else {
                continue;
            };
            let head_text = String::from_utf8_lossy(&self.buffer[..head]).to_ascii_lowercase();
            let length: usize = head_text
                .split("content-length:")
                .nth(1)
                .and_then(|rest| rest.lines().next()?.trim().parse().ok())
                .unwrap_or(0);
            let total = head + 4 + length;
            if self.buffer.len() < total {
                self.buffer.resize(total, 0);
            }
            while filled < total {
                filled += self
                    .stream
                    .read(&mut self.buffer[filled..total])
                    .expect("read");
            }
            return head_text
                .get(9..12)
                .and_then(|code| code.parse().ok())
                .unwrap_or(0);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

// ---- the Python SDK -----------------------------------------------------------------------------

const PYTHON_CLIENT: &str = r#"
import sys, time, json
import beecloud.utils
from beecloud.entity import BCApp, BCPayReqParams, BCQueryReqParams, BCChannelType
from beecloud.pay import BCPay
from beecloud.query import BCQuery
host, kind, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
beecloud.utils.BEECLOUD_API_HOST = host
app = BCApp(); app.app_id = 'bench-app'; app.app_secret = 'bench-app-secret'; app.master_secret = 'm'
pay = BCPay(); pay.register_app(app)
query = BCQuery(); query.register_app(app)
page = BCQueryReqParams(); page.limit = 50
def one(n):
    if kind == 'pay':
        p = BCPayReqParams(); p.channel = BCChannelType.WX_NATIVE; p.total_fee = 1
        p.bill_no = 'bench%08d' % n; p.title = 'bench'
        r = pay.pay(p)
    else:
        r = query.query_bills(page)
    assert r.result_code == 0, r.result_msg
one(0)
lat = []
cpu, wall = time.process_time(), time.perf_counter()
for n in range(calls):
    t = time.perf_counter(); one(n); lat.append(time.perf_counter() - t)
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "lat": lat}))
"#;

fn python_available(skip: bool) -> Option<String> {
    if skip {
        return None;
    }
    let ok = Command::new("python3")
        .args([
            "-c",
            "import beecloud, requests; assert beecloud.BEECLOUD_PYTHON_SDK_VERSION == '3.6.0'",
        ])
        .status()
        .is_ok_and(|status| status.success());
    ok.then(|| "python3".to_string())
}

fn python_round(python: &str, host: &str, kind: &str, calls: usize) -> Round {
    let output = Command::new(python)
        .args(["-c", PYTHON_CLIENT, host, kind, &calls.to_string()])
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout).expect("python output");
    let seconds = |key: &str| Duration::from_secs_f64(figures[key].as_f64().unwrap());
    Round {
        calls,
        cpu: seconds("cpu"),
        wall: seconds("wall"),
        latencies: figures["lat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| Duration::from_secs_f64(s.as_f64().unwrap()))
            .collect(),
    }
}

// ---- the emulator and memory parts --------------------------------------------------------------

/// Raw signed pays against SDK pays on the emulator; a fresh emulator each round, so its store
/// (which grows with every bill) weighs the same on both.
fn emulator_part(rounds: usize, calls: usize) {
    const NAMES: [&str; 3] = [
        "emulator: raw signed pay loop",
        "emulator: raw + the SDK's system calls",
        "emulator: SDK pay",
    ];
    let mut figures = NAMES.map(Figures::named);
    for round in 0..rounds {
        let emu = Emulator::start().expect("start the emulator");
        let bc_app = emu.bc_app();
        let address = emu
            .base_url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let mut raw = RawClient::with_request(&address, "");
        let mut floor = RawClient::with_request(&address, "");
        let (mut raw_bill, mut floor_bill) = (0u64, 500_000_000u64);
        let mut raw_pay = || {
            raw_bill += 1;
            let request = signed_pay_request(&address, &bc_app, raw_bill);
            assert_eq!(raw.exchange(request.as_bytes()), 200);
        };
        let mut floor_pay = || {
            floor_bill += 1;
            let request = signed_pay_request(&address, &bc_app, floor_bill);
            assert_eq!(
                floor.exchange_with_the_sdks_system_calls(request.as_bytes()),
                200
            );
        };
        let bc_pay = BCPay::new(bc_app.clone());
        let mut sdk_bill = 0u64;
        let mut sdk_pay = || {
            sdk_bill += 1;
            bc_pay
                .pay(&pay_params(1_000_000_000 + sdk_bill))
                .expect("pay");
        };
        let mut scenarios = [
            Scenario::new(NAMES[0], calls, None, &mut raw_pay),
            Scenario::new(NAMES[1], calls, None, &mut floor_pay),
            Scenario::new(NAMES[2], calls, None, &mut sdk_pay),
        ];
        // Rotate who goes first, so none always meets the emptier store.
        scenarios.rotate_left(round % 3);
        for scenario in &mut scenarios {
            scenario.run();
        }
        for scenario in scenarios {
            let at = NAMES.iter().position(|name| *name == scenario.figures.name);
            figures[at.unwrap()].add(scenario.figures.into_round());
        }
    }
    println!("\nEmulator (in-process, a fresh one per round), {rounds} interleaved rounds:");
    print_header();
    figures[0].print(None);
    figures[1].print(Some(&figures[0]));
    figures[2].print(Some(&figures[0]));
}

/// A pay request signed as the SDK signs it, for the raw loops against the emulator.
fn signed_pay_request(address: &str, bc_app: &BCApp, bill: u64) -> String {
    let timestamp = now_ms();
    let sign = format!(
        "{:x}",
        md5::compute(format!("{}{timestamp}{}", bc_app.app_id, bc_app.app_secret))
    );
    let body = format!(
        r#"{{"app_id":"{}","timestamp":{timestamp},"app_sign":"{sign}","channel":"WX_NATIVE","total_fee":1,"bill_no":"raw{bill:010}","title":"bench","bc_analysis":{{"sdk_version":"RUST_0.1.0"}}}}"#,
        bc_app.app_id
    );
    format!(
        "POST /2/rest/bill HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn memory_part(bc_pay: &BCPay, quick: bool) {
    let total = if quick { 10_000 } else { 100_000 };
    let mut rss_after_1k = 0;
    for call in 1..=total {
        bc_pay.pay(&pay_params(call as u64)).expect("pay");
        if call == 1000 {
            rss_after_1k = rss_kib();
        }
    }
    let rss = rss_kib();
    println!(
        "\nMemory: RSS {rss_after_1k} KiB after 1k SDK pays, {rss} KiB after {}k ({:+} KiB)",
        total / 1000,
        rss as i64 - rss_after_1k as i64
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

// ---- the operating system -----------------------------------------------------------------------

/// CPU time (user + system) of the calling thread.
fn thread_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Pins this process (and the threads and children it starts) to the CPU it runs on.
fn pin_to_current_cpu() {
    // SAFETY: plain system calls on a zeroed, properly sized cpu_set_t.
    unsafe {
        let cpu = libc::sched_getcpu().max(0) as usize;
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0 {
            println!("pinned client, server and children to CPU {cpu}");
        }
    }
}
