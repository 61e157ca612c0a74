//! BeeCloud SDK for Rust (manual in progress: see README.md).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod channel;
mod error;
mod http;
mod params;
mod records;
mod results;
mod sign;
mod webhook;

pub mod entity;
pub mod pay;
pub mod query;
pub mod sales;
pub mod user;
pub mod utils;

/// Python's `beecloud.subscribe`: plans and subscriptions live on [`BCPay`], as
/// the Python README places them; `BCSubscribe` names the same type.
pub mod subscribe {
    pub use crate::pay::BCPay as BCSubscribe;
}

pub use entity::{BCApp, BCChannelType, BCResult};
pub use error::{BCError, BoxError, NETWORK_ERROR, NOT_SUPPORTED_CODE};
pub use pay::BCPay;
pub use query::BCQuery;

#[cfg(feature = "emulator")]
pub mod emulator;
