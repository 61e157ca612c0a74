//! A small blocking HTTP/1.1 server: the one core under the emulator and the crate's demo.
//!
//! It knows nothing about BeeCloud: a [`Handler`] gets each [`Request`] whole (head and body) and returns
//! a [`Response`], which the core writes back in one go. The core carries the limits that keep one client
//! from stalling or starving another ([`Limits`]):
//! - one thread per connection, so a slow sender holds only its own thread, and only until its deadline;
//! - at [`Limits::max_connections`] the oldest connection that is waiting for a request (a kept-alive one,
//!   or one that has not sent its first byte) is closed to make room; only when every connection is busy
//!   is the newcomer answered `503`;
//! - a connection that sends nothing is closed after [`Limits::first_byte_timeout`];
//! - bodies come with `Content-Length` or chunked; `Expect: 100-continue` is answered; oversized heads
//!   and bodies are refused (`431`, `413`) without being read into memory;
//! - a handler that panics answers `500` and the server carries on.
//!
//! ```no_run
//! use std::sync::Arc;
//! use beecloud::emulator::server::{Limits, Listener, Response};
//! let handler = Arc::new(|request: beecloud::emulator::server::Request| {
//!     Response::text(200, format!("you asked for {}", request.path))
//! });
//! let listener = Listener::start("127.0.0.1", 0, Limits::default(), handler, Arc::new(|| {})).unwrap();
//! println!("serving on {}", listener.addr);
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The server's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at once. At the cap the oldest connection waiting for a request is closed to make
    /// room; when none is waiting, the newcomer is answered `503` and closed.
    pub max_connections: usize,
    /// Request line + headers; more is answered `431`.
    pub max_head_bytes: usize,
    /// Request bodies above this are refused with `413` (and the connection closed) without being kept.
    pub max_body_bytes: usize,
    /// A new connection must send its first byte within this time, or it is closed.
    pub first_byte_timeout: Duration,
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
    /// 512 connections, 16 KiB heads, 1 MiB bodies, 5 s to the first byte, 10 s for a head, 30 s for a
    /// body, 60 s idle, 30 s to write.
    fn default() -> Self {
        Limits {
            max_connections: 512,
            max_head_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            first_byte_timeout: Duration::from_secs(5),
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// One request, read whole.
#[derive(Clone, Debug)]
pub struct Request {
    /// Upper-case method.
    pub method: String,
    /// The path without the query string, as sent (not percent-decoded).
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Header names in lower case, values trimmed, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body (a chunked body already joined).
    pub body: Vec<u8>,
    /// The client's address.
    pub peer: SocketAddr,
}

impl Request {
    /// The first header of this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a handler answers.
#[derive(Clone, Debug)]
pub enum Response {
    /// A complete response: the core adds `Content-Length`, a plain-text `Content-Type` when none is
    /// given, and `Connection: close` when closing. A header value with a control character is dropped.
    Full {
        /// The status code.
        status: u16,
        /// Header names and values.
        headers: Vec<(&'static str, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// These exact bytes, then the connection is closed (fault injection: a response cut short).
    RawThenClose(Vec<u8>),
}

impl Response {
    /// A `text/plain` response.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::Full {
            status,
            headers: Vec::new(),
            body: body.into().into_bytes(),
        }
    }
}

/// Answers one request; called on the connection's own thread.
pub type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;
/// Runs after each response is written (the emulator wakes its webhook thread there, so a push never
/// overtakes the reply that caused it).
pub type AfterResponse = Arc<dyn Fn() + Send + Sync>;

/// A running server; [`Listener::stop`] (or dropping it) ends it and every connection soon after.
pub struct Listener {
    /// The bound address.
    pub addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Binds `host:port` (port 0 picks a free one) and starts serving.
    pub fn start(
        host: &str,
        port: u16,
        limits: Limits,
        handler: Handler,
        after: AfterResponse,
    ) -> std::io::Result<Listener> {
        Self::serve(TcpListener::bind((host, port))?, limits, handler, after)
    }

    /// Serves on a listener bound beforehand (so a caller can learn its port before building the handler).
    pub fn serve(
        listener: TcpListener,
        limits: Limits,
        handler: Handler,
        after: AfterResponse,
    ) -> std::io::Result<Listener> {
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let thread = std::thread::Builder::new()
            .name("http-accept".into())
            .spawn(move || accept_loop(listener, limits, handler, after, stop))?;
        Ok(Listener {
            addr,
            stopping,
            thread: Some(thread),
        })
    }

    /// Blocks until the server stops (another thread's [`Listener::stop`]), or forever.
    pub fn wait(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Stops accepting; open connections end at their next request or timeout.
    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() with a connection of our own.
        let mut wake_addr = self.addr;
        if wake_addr.ip().is_unspecified() {
            wake_addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let _ = TcpStream::connect_timeout(&wake_addr, Duration::from_secs(1));
        self.wait();
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A connection's state, readable by the acceptor: busy, closed to make room, or waiting for a request
/// since this many nanoseconds after the server started (plus one, so never zero).
const BUSY: u64 = 0;
const EVICTED: u64 = u64::MAX;

/// The open connections, so that the acceptor can close the oldest waiting one at the cap.
struct Registry {
    epoch: Instant,
    open: Mutex<Vec<Open>>,
}

struct Open {
    id: u64,
    stream: TcpStream,
    state: Arc<AtomicU64>,
}

impl Registry {
    fn now(&self) -> u64 {
        (self.epoch.elapsed().as_nanos() as u64).clamp(1, EVICTED - 1)
    }

    /// Registers a connection when there is room, making room by closing the oldest waiting one.
    fn admit(&self, id: u64, stream: &TcpStream, max: usize) -> Option<Arc<AtomicU64>> {
        let mut open = crate::emulator::core::lock(&self.open);
        while open.len() >= max.max(1) {
            let oldest = open
                .iter()
                .enumerate()
                .filter_map(|(at, c)| {
                    let since = c.state.load(Ordering::SeqCst);
                    (since != BUSY && since != EVICTED).then_some((since, at))
                })
                .min()?;
            let (since, at) = oldest;
            let victim = open.swap_remove(at);
            // It may have just received a request: then it is busy and stays.
            if victim
                .state
                .compare_exchange(since, EVICTED, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                let _ = victim.stream.shutdown(Shutdown::Both);
            } else {
                open.push(victim);
            }
        }
        let state = Arc::new(AtomicU64::new(self.now()));
        open.push(Open {
            id,
            stream: stream.try_clone().ok()?,
            state: state.clone(),
        });
        Some(state)
    }

    fn remove(&self, id: u64) {
        crate::emulator::core::lock(&self.open).retain(|c| c.id != id);
    }
}

fn accept_loop(
    listener: TcpListener,
    limits: Limits,
    handler: Handler,
    after: AfterResponse,
    stopping: Arc<AtomicBool>,
) {
    let registry = Arc::new(Registry {
        epoch: Instant::now(),
        open: Mutex::new(Vec::new()),
    });
    for (id, stream) in (0u64..).zip(listener.incoming()) {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else {
            // E.g. too many open files: back off a little instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Some(state) = registry.admit(id, &stream, limits.max_connections) else {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 21\r\nConnection: close\r\n\r\ntoo many connections\n",
            );
            continue;
        };
        let (handler, after, stopping, own_registry) = (
            handler.clone(),
            after.clone(),
            stopping.clone(),
            registry.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("http-connection".into())
            .spawn(move || {
                let conn = Connection {
                    stream,
                    buffer: Vec::new(),
                    state,
                    registry: own_registry.clone(),
                };
                serve_connection(conn, limits, &handler, &after, &stopping);
                own_registry.remove(id);
            });
        if spawned.is_err() {
            registry.remove(id);
        }
    }
}

/// Why a request could not be read.
enum ReadError {
    /// Closed, timed out before a request began, or unreadable: nothing to answer.
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
    state: Arc<AtomicU64>,
    registry: Arc<Registry>,
}

/// How long a waiting connection sleeps between looks at the stop flag.
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

    /// Waits for the first byte of the next request, up to `wait`, giving up early when the server stops
    /// or the acceptor closed this connection to make room. Marks the connection busy when a request begins.
    fn await_request(&mut self, wait: Duration, stopping: &AtomicBool) -> bool {
        let since = self.registry.now();
        self.state.store(since, Ordering::SeqCst);
        let deadline = Instant::now() + wait;
        while self.buffer.is_empty() {
            if stopping.load(Ordering::SeqCst) {
                return false;
            }
            let slice_end = (Instant::now() + STOP_POLL).min(deadline);
            match self.fill_or_timeout(slice_end) {
                Some(true) => {}
                Some(false) => return false,
                None if Instant::now() >= deadline => return false,
                None => {}
            }
        }
        self.state
            .compare_exchange(since, BUSY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Bytes up to `end` (exclusive), consumed from the buffer.
    fn take(&mut self, end: usize) -> Vec<u8> {
        self.buffer.drain(..end).collect()
    }
}

fn serve_connection(
    mut conn: Connection,
    limits: Limits,
    handler: &Handler,
    after: &AfterResponse,
    stopping: &AtomicBool,
) {
    let _ = conn.stream.set_nodelay(true);
    let _ = conn.stream.set_write_timeout(Some(limits.write_timeout));
    let peer = conn
        .stream
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let mut wait = limits.first_byte_timeout;
    while !stopping.load(Ordering::SeqCst) {
        if !conn.await_request(wait, stopping) {
            break;
        }
        wait = limits.idle_timeout;
        let (request, keep_alive) = match read_request(&mut conn, &limits, peer) {
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
        // A bug in one handler must not take the connection's thread down silently.
        let response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(request)))
            .unwrap_or_else(|_| Response::text(500, "internal error"));
        match response {
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

/// Reads the head, up to its blank line, within the head deadline.
fn read_head(conn: &mut Connection, limits: &Limits) -> Result<String, ReadError> {
    let deadline = Instant::now() + limits.head_timeout;
    let mut searched = 0;
    let head_end = loop {
        if let Some(at) = find(&conn.buffer[searched..], b"\r\n\r\n") {
            break searched + at;
        }
        searched = conn.buffer.len().saturating_sub(3);
        if conn.buffer.len() > limits.max_head_bytes {
            return Err(ReadError::Refuse(431, "request head too large"));
        }
        match conn.fill_or_timeout(deadline) {
            Some(true) => {}
            Some(false) => return Err(ReadError::Gone),
            None => return Err(ReadError::Refuse(408, "request too slow")),
        }
    };
    if head_end > limits.max_head_bytes {
        return Err(ReadError::Refuse(431, "request head too large"));
    }
    let head = String::from_utf8_lossy(&conn.buffer[..head_end]).into_owned();
    conn.buffer.drain(..head_end + 4);
    Ok(head)
}

/// Reads one request; the flag says whether the connection may be kept alive after it.
fn read_request(
    conn: &mut Connection,
    limits: &Limits,
    peer: SocketAddr,
) -> Result<(Request, bool), ReadError> {
    let head = read_head(conn, limits)?;
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
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
    let connection = header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let keep_alive = match version {
        "HTTP/1.1" => !connection.contains("close"),
        "HTTP/1.0" => connection.contains("keep-alive"),
        _ => return Err(ReadError::Refuse(505, "HTTP/1.1 only")),
    };
    let chunked = match header("transfer-encoding") {
        None => false,
        Some(coding) if coding.eq_ignore_ascii_case("chunked") => true,
        Some(_) => {
            return Err(ReadError::Refuse(
                501,
                "only chunked transfer coding is supported",
            ));
        }
    };
    let length = match (chunked, header("content-length")) {
        (true, Some(_)) => {
            return Err(ReadError::Refuse(400, "both Content-Length and chunked"));
        }
        (_, None) => 0,
        (false, Some(text)) => text
            .parse::<usize>()
            .map_err(|_| ReadError::Refuse(400, "bad Content-Length"))?,
    };
    if length > limits.max_body_bytes {
        return Err(ReadError::TooLarge(length));
    }
    let expects_body = chunked || length > conn.buffer.len();
    if expects_body && header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        let _ = conn.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let body_deadline = Instant::now() + limits.body_timeout;
    let body = if chunked {
        read_chunked(conn, limits.max_body_bytes, body_deadline)?
    } else {
        while conn.buffer.len() < length {
            if !conn.fill(body_deadline) {
                return Err(ReadError::Gone);
            }
        }
        conn.take(length)
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let request = Request {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
        peer,
    };
    Ok((request, keep_alive))
}

/// A chunked body: size lines in hex (extensions ignored), chunks, a zero chunk and optional trailers.
fn read_chunked(
    conn: &mut Connection,
    max_body: usize,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(conn, deadline)?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Refuse(400, "bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the blank line.
            while !read_line(conn, deadline)?.is_empty() {}
            return Ok(body);
        }
        if body.len().saturating_add(size) > max_body {
            return Err(ReadError::Refuse(413, "request body too large"));
        }
        while conn.buffer.len() < size + 2 {
            if !conn.fill(deadline) {
                return Err(ReadError::Gone);
            }
        }
        body.extend_from_slice(&conn.buffer[..size]);
        if &conn.buffer[size..size + 2] != b"\r\n" {
            return Err(ReadError::Refuse(400, "bad chunk"));
        }
        conn.buffer.drain(..size + 2);
    }
}

/// One CRLF-ended line of a chunked body (at most 1 KiB).
fn read_line(conn: &mut Connection, deadline: Instant) -> Result<String, ReadError> {
    loop {
        if let Some(at) = find(&conn.buffer, b"\r\n") {
            let line = String::from_utf8_lossy(&conn.buffer[..at]).into_owned();
            conn.buffer.drain(..at + 2);
            return Ok(line);
        }
        if conn.buffer.len() > 1024 {
            return Err(ReadError::Refuse(400, "chunk line too long"));
        }
        if !conn.fill(deadline) {
            return Err(ReadError::Gone);
        }
    }
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
pub fn reason(status: u16) -> &'static str {
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
        415 => "Unsupported Media Type",
        421 => "Misdirected Request",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}
