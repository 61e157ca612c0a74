//! The web demo of the `beecloud` SDK: the Python SDK's Flask demo (`demo/demo.py`,
//! `demo/webhook.py`), ported and extended to every SDK operation.
//!
//! [`start`] serves the pages (on 127.0.0.1 unless told otherwise); with no real credentials it
//! first starts the SDK's in-process BeeCloud emulator and points the emulator's webhook URL at
//! the demo's own `/webhook`, so a payment completed at the emulator's cashier page shows up as
//! paid in the demo. [`tour::run`] calls every SDK operation once and prints a table.
//!
//! Layers, bottom up (a module uses only those below it): [`mask`] (what no page shows),
//! [`http`] (request and reply types), [`view`] (what an operation shows, as data), [`style`]
//! (the stylesheet), [`markup`] (rendering: escaping, safe links, tables, amounts and times),
//! [`state`] (configuration, operator token, ledger), [`operations`] (the SDK calls and the
//! record pages, producing views), [`pages`] and [`webhook`] (rendering), [`guard`] (Host,
//! Origin, CSRF and operator checks), [`routes`] (what each path does), [`server`] (connections,
//! limits).

pub mod guard;
pub mod http;
pub mod markup;
pub mod mask;
pub mod operations;
pub mod pages;
pub mod routes;
pub mod server;
pub mod state;
pub mod style;
pub mod tour;
pub mod view;
pub mod webhook;

pub use server::{Running, start};
pub use state::{
    Credentials, Demo, DemoConfig, Ledger, Order, ReceivedWebhook, SharedDemo, fresh_number,
};
