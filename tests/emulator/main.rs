//! The emulator on its own, driven by hand-built, hand-signed requests over real HTTP on
//! 127.0.0.1, the way the Python SDK sends them: payment and account routes, the control API,
//! the recorded Python requests replayed, the HTTP core under hostile and busy clients, who may
//! drive it, many apps on one emulator, and seeded garbage against every route.
//!
//! Needs the `emulator` feature; without it this binary is empty and
//! `tests/skipped_without_features.rs` says so in the listing. The memory test runs in its own
//! binary (`tests/emulator_memory.rs`): other tests' allocations would blur its RSS figures.
#![cfg(feature = "emulator")]

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod apps;
mod control;
mod fuzz;
mod golden;
mod operations_table;
mod payments;
mod server;
mod trust;
