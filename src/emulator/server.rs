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

use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use super::wire::{Limits, Request, reason};
use super::wire::{MAX_DRAIN_BYTES, ReadError, Wire, read_request, write_full};

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
        let mut open = lock(&self.open);
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
        lock(&self.open).retain(|c| c.id != id);
    }
}

/// Locks even if a connection thread panicked while holding the lock: the list stays usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
                    wire: Wire {
                        stream,
                        buffer: Vec::new(),
                    },
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

struct Connection {
    wire: Wire,
    state: Arc<AtomicU64>,
    registry: Arc<Registry>,
}

/// How long a waiting connection sleeps between looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(250);

impl Connection {
    /// Waits for the first byte of the next request, up to `wait`, giving up early when the server stops
    /// or the acceptor closed this connection to make room. Marks the connection busy when a request begins.
    fn await_request(&mut self, wait: Duration, stopping: &AtomicBool) -> bool {
        let since = self.registry.now();
        self.state.store(since, Ordering::SeqCst);
        let deadline = Instant::now() + wait;
        while self.wire.buffer.is_empty() {
            if stopping.load(Ordering::SeqCst) {
                return false;
            }
            let slice_end = (Instant::now() + STOP_POLL).min(deadline);
            match self.wire.fill_or_timeout(slice_end) {
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
}

fn serve_connection(
    mut conn: Connection,
    limits: Limits,
    handler: &Handler,
    after: &AfterResponse,
    stopping: &AtomicBool,
) {
    let _ = conn.wire.stream.set_nodelay(true);
    let _ = conn
        .wire
        .stream
        .set_write_timeout(Some(limits.write_timeout));
    let peer = conn
        .wire
        .stream
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
    let mut wait = limits.first_byte_timeout;
    while !stopping.load(Ordering::SeqCst) {
        if !conn.await_request(wait, stopping) {
            break;
        }
        wait = limits.idle_timeout;
        let (request, keep_alive) = match read_request(&mut conn.wire, &limits, peer) {
            Ok(read) => read,
            Err(ReadError::Gone) => break,
            Err(ReadError::Refuse(status, text)) => {
                let _ = write_full(&mut conn.wire.stream, status, &[], text.as_bytes(), false);
                break;
            }
            Err(ReadError::TooLarge(length)) => {
                let _ = write_full(
                    &mut conn.wire.stream,
                    413,
                    &[],
                    b"request body too large",
                    false,
                );
                let deadline = Instant::now() + limits.body_timeout;
                let mut left = length
                    .min(MAX_DRAIN_BYTES)
                    .saturating_sub(conn.wire.buffer.len());
                conn.wire.buffer.clear();
                while left > 0 && conn.wire.fill(deadline) {
                    left = left.saturating_sub(conn.wire.buffer.len());
                    conn.wire.buffer.clear();
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
                let written =
                    write_full(&mut conn.wire.stream, status, &headers, &body, keep_alive);
                after();
                if written.is_err() || !keep_alive {
                    break;
                }
            }
            Response::RawThenClose(bytes) => {
                let _ = conn.wire.stream.write_all(&bytes);
                let _ = conn.wire.stream.flush();
                after();
                break;
            }
        }
    }
    let _ = conn.wire.stream.shutdown(Shutdown::Both);
}
