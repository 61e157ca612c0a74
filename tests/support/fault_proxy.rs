//! A small proxy on `127.0.0.1` in front of a real server (the emulator): it forwards each request
//! whole, then either relays the answer or drops it (the server has acted; the client never
//! hears). One request per connection, counted.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// What the proxy does with the upstream's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Relay,
    /// Forward the request, wait for the whole answer, then close the client's connection unanswered.
    Drop,
}

pub struct FaultProxy {
    port: u16,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`) on a free port.
    pub fn start(upstream: &str, answer: Answer) -> FaultProxy {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap(), upstream, answer)
    }

    /// A proxy to `upstream` listening on `listener`.
    pub fn on(listener: TcpListener, upstream: &str, answer: Answer) -> FaultProxy {
        let port = listener.local_addr().unwrap().port();
        let upstream = upstream.trim_start_matches("http://").to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counted, stopping) = (requests.clone(), stop.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                thread::spawn(move || serve(client, &upstream, answer));
            }
        });
        FaultProxy {
            port,
            requests,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far (one request each).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One HTTP message (head and `Content-Length` body) from `stream`, with `Connection: close`
/// added to its head.
fn message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buffer = [0; 8192];
    let head_end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut buffer).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + 4 + length {
        let read = stream.read(&mut buffer).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buffer[..read]);
    }
    let mut closed = data[..head_end].to_vec();
    closed.extend_from_slice(b"\r\nConnection: close");
    closed.extend_from_slice(&data[head_end..head_end + 4 + length]);
    Some(closed)
}

fn serve(mut client: TcpStream, upstream: &str, answer: Answer) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(request) = message(&mut client) else {
        return;
    };
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = server.set_read_timeout(Some(Duration::from_secs(10)));
    if server.write_all(&request).is_err() {
        return;
    }
    let Some(reply) = message(&mut server) else {
        return;
    };
    if answer == Answer::Relay {
        let _ = client.write_all(&reply);
    }
    let _ = client.shutdown(Shutdown::Both);
}
