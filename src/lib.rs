//! BeeCloud SDK for Rust (work in progress: see README.md).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "emulator")]
pub mod emulator;
