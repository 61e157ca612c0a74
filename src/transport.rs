//! The SDK's ureq agent: ureq's own connectors and settings, plus two savings per pooled call —
//! the [`CachingResolver`] (no lookup thread) and [`OneWrite`] (a request head and its body leave
//! in one write).
//!
//! ureq 3 writes a request head and then its body in two system calls; on loopback and on a busy
//! host each is a TCP segment the server wakes up for. [`OneWrite`] holds a finished head back
//! until the first body bytes are written, or until the agent starts to wait for the answer.
//!
//! ureq's pool also probes a connection twice between two calls (three system calls each): when
//! it takes the connection back and when it hands it out again. The first probe is skipped here;
//! the second, right before the connection is used, still catches a server that closed it or
//! sent bytes nobody asked for.

use ureq::Error;
use ureq::config::Config;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

use crate::resolve::CachingResolver;

/// An agent with the savings above; otherwise exactly `Agent::new_with_config(config)`.
pub(crate) fn agent(config: Config) -> ureq::Agent {
    ureq::Agent::with_parts(
        config,
        DefaultConnector::default().chain(OneWrite),
        CachingResolver::default(),
    )
}

/// Wraps every connection in a [`HeadHeld`].
#[derive(Debug)]
pub(crate) struct OneWrite;

impl Connector<Box<dyn Transport>> for OneWrite {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, Error> {
        Ok(chained.map(|inner| {
            Box::new(HeadHeld {
                inner,
                held: Vec::new(),
                answered: false,
            }) as Box<dyn Transport>
        }))
    }
}

/// A connection that sends a request head together with what follows it.
#[derive(Debug)]
struct HeadHeld {
    inner: Box<dyn Transport>,
    /// A finished head (`…\r\n\r\n`) not sent yet.
    held: Vec<u8>,
    /// Input was awaited since the last write: the next liveness probe is the pool taking the
    /// connection back, not handing it out.
    answered: bool,
}

impl HeadHeld {
    /// Sends what is held (the output buffer is free: ureq is done writing).
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), Error> {
        if self.held.is_empty() {
            return Ok(());
        }
        let held = std::mem::take(&mut self.held);
        self.inner.buffers().output()[..held.len()].copy_from_slice(&held);
        self.inner.transmit_output(held.len(), timeout)
    }
}

impl Transport for HeadHeld {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        self.answered = false;
        let output = self.inner.buffers().output();
        if self.held.is_empty() {
            if output[..amount].ends_with(b"\r\n\r\n") {
                self.held.extend_from_slice(&output[..amount]);
                return Ok(());
            }
            return self.inner.transmit_output(amount, timeout);
        }
        let head = self.held.len();
        if head + amount <= output.len() {
            output.copy_within(..amount, head);
            output[..head].copy_from_slice(&self.held);
            self.held.clear();
            return self.inner.transmit_output(head + amount, timeout);
        }
        // Too big for one buffer: the head first, then these bytes, as ureq would have.
        let chunk = output[..amount].to_vec();
        self.flush(timeout)?;
        self.inner.buffers().output()[..amount].copy_from_slice(&chunk);
        self.inner.transmit_output(amount, timeout)
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.flush(timeout)?;
        self.answered = true;
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.flush(timeout)?;
        self.answered = true;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        // ureq checks for unread input itself before this probe; the probe at hand-out follows.
        std::mem::take(&mut self.answered) || self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    /// A server that answers each request with the length of the body it received and the body's
    /// sum of bytes, on one kept-alive connection.
    fn echo_server() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            loop {
                let mut length = 0;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap() == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let sum: u64 = body.iter().map(|&byte| u64::from(byte)).sum();
                let answer = format!("{length} {sum}");
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                writer.write_all(reply.as_bytes()).unwrap();
            }
        });
        address
    }

    #[test]
    fn heads_bodies_and_bodyless_requests_arrive_whole_and_in_order() {
        let address = echo_server();
        let agent = agent(Config::builder().build());
        let url = format!("http://{address}/");
        let read = |response: Result<ureq::http::Response<ureq::Body>, Error>| {
            response.unwrap().body_mut().read_to_string().unwrap()
        };
        // Small, empty, bigger than ureq's buffers, and no body at all, on one connection.
        for size in [300, 0, 300_000, 5] {
            let body: Vec<u8> = (0..size).map(|at| (at % 251) as u8).collect();
            let sum: u64 = body.iter().map(|&byte| u64::from(byte)).sum();
            assert_eq!(
                read(agent.post(&url).send(&body[..])),
                format!("{size} {sum}")
            );
            assert_eq!(read(agent.get(&url).call()), "0 0");
        }
    }

    #[test]
    fn a_pooled_connection_the_server_closed_is_not_reused() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (closed, was_closed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for answer in ["first", "second"] {
                let (mut stream, _) = listener.accept().unwrap();
                let mut head = [0; 1024];
                let _ = stream.read(&mut head).unwrap();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{answer}",
                    answer.len()
                );
                stream.write_all(reply.as_bytes()).unwrap();
                // Closed without `Connection: close`: the client may have pooled it.
                drop(stream);
                closed.send(()).unwrap();
            }
        });
        let agent = agent(Config::builder().build());
        let mut first = agent.get(&url).call().unwrap();
        assert_eq!(first.body_mut().read_to_string().unwrap(), "first");
        was_closed.recv().unwrap();
        let mut second = agent.post(&url).send("x").unwrap();
        assert_eq!(second.body_mut().read_to_string().unwrap(), "second");
    }
}
