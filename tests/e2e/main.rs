//! Whole flows through the SDK against the emulator over real HTTP on 127.0.0.1: every operation,
//! payments from the cashier page to the refund webhook, faults, unknown outcomes, opt-in retries,
//! and the code of the README and the guide pages run as written.
//!
//! Needs the `emulator` feature; without it this binary is empty and
//! `tests/skipped_without_features.rs` says so in the listing.
#![cfg(feature = "emulator")]

#[path = "../support/mod.rs"]
mod support;

mod faults;
mod flows;
mod operations;
mod other_operations;
mod readme_flows;
mod retries;
mod unknown_outcomes;
