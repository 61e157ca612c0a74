//! The wire side of the HTTP core: one request read off a connection (head, a `Content-Length` or
//! chunked body, `Expect: 100-continue`, within the size and time limits) and one response written in a
//! single write. The core's public shapes of a request and of its limits live here too.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
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

/// Why a request could not be read.
pub(crate) enum ReadError {
    /// Closed, timed out before a request began, or unreadable: nothing to answer.
    Gone,
    /// Answer this status, then close.
    Refuse(u16, &'static str),
    /// Too large: answer 413, read and drop what the client still sends (up to a cap, within the body
    /// deadline) so that it sees the answer rather than a reset, then close.
    TooLarge(usize),
}

/// A refused body is drained up to this size; beyond it the connection is simply closed.
pub(crate) const MAX_DRAIN_BYTES: usize = 16 * 1024 * 1024;

/// A connection's socket and the bytes read from it but not consumed yet (the start of a pipelined
/// request).
pub(crate) struct Wire {
    pub stream: TcpStream,
    pub buffer: Vec<u8>,
}

impl Wire {
    /// Reads more bytes, waiting at most until `deadline`; `false` when the peer closed or time is up.
    pub(crate) fn fill(&mut self, deadline: Instant) -> bool {
        self.fill_or_timeout(deadline) == Some(true)
    }

    /// `Some(true)`: bytes arrived; `Some(false)`: the peer closed or failed; `None`: `deadline` passed.
    pub(crate) fn fill_or_timeout(&mut self, deadline: Instant) -> Option<bool> {
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

    /// Bytes up to `end` (exclusive), consumed from the buffer.
    fn take(&mut self, end: usize) -> Vec<u8> {
        self.buffer.drain(..end).collect()
    }
}

/// Reads the head, up to its blank line, within the head deadline.
fn read_head(conn: &mut Wire, limits: &Limits) -> Result<String, ReadError> {
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
pub(crate) fn read_request(
    conn: &mut Wire,
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
fn read_chunked(conn: &mut Wire, max_body: usize, deadline: Instant) -> Result<Vec<u8>, ReadError> {
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
fn read_line(conn: &mut Wire, deadline: Instant) -> Result<String, ReadError> {
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

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes the whole response in one write (head and body apart would meet Nagle and delayed ACKs).
pub(crate) fn write_full(
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
