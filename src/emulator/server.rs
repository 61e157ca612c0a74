//! The HTTP/1.1 core: a listener thread and one thread per connection, with limits so that no client can
//! stall another (a slow sender only holds its own thread, and only until its deadline), keep-alive, and
//! whole responses written in one go. It knows nothing about BeeCloud: it hands each [`Request`] to a
//! handler and writes the [`Response`] back.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The server's limits (documented in the README, "Testing against the emulator").
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Open connections at once; one more is answered `503` and closed.
    pub max_connections: usize,
    /// Request line + headers.
    pub max_head_bytes: usize,
    /// Request bodies above this are refused with `413` (and the connection closed) without being read.
    pub max_body_bytes: usize,
    /// The whole head must arrive within this time of its first byte.
    pub head_timeout: Duration,
    /// The whole body must arrive within this time after the head.
    pub body_timeout: Duration,
    /// A kept-alive connection with no new request for this long is closed.
    pub idle_timeout: Duration,
    /// A response that the client does not read within this time is abandoned.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 512,
            max_head_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// One parsed request.
pub(crate) struct Request {
    /// Upper-case method.
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of this (lower-case) name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the handler answers.
pub(crate) enum Response {
    /// A complete response: the core adds `Content-Length` (and `Connection: close` when closing).
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// These exact bytes, then the connection is closed (fault injection: a response cut short).
    RawThenClose(Vec<u8>),
}

pub(crate) type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;
/// Runs after each response is written (the emulator wakes its webhook thread there, so a push never
/// overtakes the reply that caused it).
pub(crate) type AfterResponse = Arc<dyn Fn() + Send + Sync>;

/// A running listener; [`Listener::stop`] ends it and every connection thread soon after.
pub(crate) struct Listener {
    pub addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Binds `host:port` and starts accepting.
    pub(crate) fn start(
        host: &str,
        port: u16,
        limits: Limits,
        handler: Handler,
        after: AfterResponse,
    ) -> std::io::Result<Listener> {
        let listener = TcpListener::bind((host, port))?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let thread = std::thread::Builder::new()
            .name("beecloud-emulator-accept".into())
            .spawn(move || accept_loop(listener, limits, handler, after, stop))?;
        Ok(Listener {
            addr,
            stopping,
            thread: Some(thread),
        })
    }

    /// Stops accepting; open connections end at their next request or timeout.
    pub(crate) fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() with a connection of our own.
        let mut wake_addr = self.addr;
        if wake_addr.ip().is_unspecified() {
            wake_addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let _ = TcpStream::connect_timeout(&wake_addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    listener: TcpListener,
    limits: Limits,
    handler: Handler,
    after: AfterResponse,
    stopping: Arc<AtomicBool>,
) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else {
            // E.g. too many open files: back off a little instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if open.load(Ordering::SeqCst) >= limits.max_connections {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n",
            );
            continue;
        }
        open.fetch_add(1, Ordering::SeqCst);
        let (handler, after, stopping, open_count) = (
            handler.clone(),
            after.clone(),
            stopping.clone(),
            open.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("beecloud-emulator-conn".into())
            .spawn(move || {
                serve_connection(stream, limits, &handler, &after, &stopping);
                open_count.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Why a connection ends.
enum ReadError {
    /// Closed, timed out, or unreadable: nothing to answer.
    Gone,
    /// Answer this status, then close.
    Refuse(u16, &'static str),
    /// Too large: answer 413, read and drop what the client still sends (up to a cap, within the body
    /// deadline) so that it sees the answer rather than a reset, then close.
    TooLarge(usize),
}

/// A refused body is drained up to this size; beyond it the connection is simply closed.
const MAX_DRAIN_BYTES: usize = 16 * 1024 * 1024;

struct Connection {
    stream: TcpStream,
    /// Bytes read but not consumed yet (the start of a pipelined request).
    buffer: Vec<u8>,
}

/// How long an idle connection sleeps between looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(250);

impl Connection {
    /// Reads more bytes, waiting at most until `deadline`; `false` when the peer closed or time is up.
    fn fill(&mut self, deadline: Instant) -> bool {
        self.fill_or_timeout(deadline) == Some(true)
    }

    /// `Some(true)`: bytes arrived; `Some(false)`: the peer closed or failed; `None`: `deadline` passed.
    fn fill_or_timeout(&mut self, deadline: Instant) -> Option<bool> {
        let left = deadline.checked_duration_since(Instant::now())?;
        if self
            .stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .is_err()
        {
            return Some(false);
        }
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Some(false),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Some(true)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(_) => Some(false),
        }
    }

    /// Waits for the first byte of the next request, up to `idle`, giving up early when the server stops.
    fn await_request(&mut self, idle: Duration, stopping: &AtomicBool) -> bool {
        let idle_deadline = Instant::now() + idle;
        while self.buffer.is_empty() {
            if stopping.load(Ordering::SeqCst) {
                return false;
            }
            let slice_end = (Instant::now() + STOP_POLL).min(idle_deadline);
            match self.fill_or_timeout(slice_end) {
                Some(true) => {}
                Some(false) => return false,
                None if Instant::now() >= idle_deadline => return false,
                None => {}
            }
        }
        true
    }
}

fn serve_connection(
    stream: TcpStream,
    limits: Limits,
    handler: &Handler,
    after: &AfterResponse,
    stopping: &AtomicBool,
) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(limits.write_timeout));
    let mut conn = Connection {
        stream,
        buffer: Vec::new(),
    };
    while !stopping.load(Ordering::SeqCst) {
        if !conn.await_request(limits.idle_timeout, stopping) {
            break;
        }
        let (request, keep_alive) = match read_request(&mut conn, &limits) {
            Ok(read) => read,
            Err(ReadError::Gone) => break,
            Err(ReadError::Refuse(status, text)) => {
                let _ = write_full(&mut conn.stream, status, &[], text.as_bytes(), false);
                break;
            }
            Err(ReadError::TooLarge(length)) => {
                let _ = write_full(&mut conn.stream, 413, &[], b"request body too large", false);
                let deadline = Instant::now() + limits.body_timeout;
                let mut left = length
                    .min(MAX_DRAIN_BYTES)
                    .saturating_sub(conn.buffer.len());
                conn.buffer.clear();
                while left > 0 && conn.fill(deadline) {
                    left = left.saturating_sub(conn.buffer.len());
                    conn.buffer.clear();
                }
                break;
            }
        };
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        match handler(request) {
            Response::Full {
                status,
                headers,
                body,
            } => {
                let written = write_full(&mut conn.stream, status, &headers, &body, keep_alive);
                after();
                if written.is_err() || !keep_alive {
                    break;
                }
            }
            Response::RawThenClose(bytes) => {
                let _ = conn.stream.write_all(&bytes);
                let _ = conn.stream.flush();
                after();
                break;
            }
        }
    }
    let _ = conn.stream.shutdown(Shutdown::Both);
}

/// Reads one request; the flag says whether the connection may be kept alive after it.
fn read_request(conn: &mut Connection, limits: &Limits) -> Result<(Request, bool), ReadError> {
    // The first byte is there (`await_request`); the whole head must follow within its deadline.
    let head_deadline = Instant::now() + limits.head_timeout;
    let head_end = loop {
        if let Some(at) = find(&conn.buffer, b"\r\n\r\n") {
            break at;
        }
        if conn.buffer.len() > limits.max_head_bytes {
            return Err(ReadError::Refuse(431, "request head too large"));
        }
        if !conn.fill(head_deadline) {
            return Err(ReadError::Gone);
        }
    };
    if head_end > limits.max_head_bytes {
        return Err(ReadError::Refuse(431, "request head too large"));
    }
    let head = String::from_utf8_lossy(&conn.buffer[..head_end]).into_owned();
    conn.buffer.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Refuse(400, "malformed request line"));
    };
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Refuse(400, "malformed header"));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some() {
        return Err(ReadError::Refuse(411, "send a Content-Length, not chunks"));
    }
    let length = match header("content-length") {
        None => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| ReadError::Refuse(400, "bad Content-Length"))?,
    };
    if length > limits.max_body_bytes {
        return Err(ReadError::TooLarge(length));
    }
    let connection = header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    if length > conn.buffer.len()
        && header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = conn.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body_deadline = Instant::now() + limits.body_timeout;
    while conn.buffer.len() < length {
        if !conn.fill(body_deadline) {
            return Err(ReadError::Gone);
        }
    }
    let body: Vec<u8> = conn.buffer.drain(..length).collect();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let request = Request {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
    };
    Ok((request, keep_alive))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes the whole response in one write (head and body apart would meet Nagle and delayed ACKs).
fn write_full(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&'static str, String)],
    body: &[u8],
    keep_alive: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n",
        reason(status),
        body.len()
    );
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: text/plain; charset=utf-8\r\n");
    }
    for (name, value) in headers {
        // A value that could split the header (CR, LF…) is dropped rather than sent.
        if !value.chars().any(char::is_control) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    stream.write_all(&raw)?;
    stream.flush()
}

/// The standard reason phrase of a status code.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
