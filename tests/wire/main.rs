//! What the SDK puts on the wire and how it reads the answer, against a capture server on
//! 127.0.0.1: the recorded requests of the Python SDK 3.6.0, the operations the other official
//! SDKs send, transport settings (proxies, agents) and the pagination iterators.
//!
//! One test binary for the subject, so that the suite links a handful of binaries, not one per file.

#[path = "../support/mod.rs"]
mod support;

mod golden;
mod other_operations;
mod pages;
mod transport;
