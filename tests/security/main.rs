//! What an attacker or a failure can do to a caller: a hostile server, forged webhooks, the
//! webhook receipt that acts only on what BeeCloud confirms, no secret or card number in any
//! `Debug` or error text, and every error path of the SDK, over real HTTP on 127.0.0.1.

#[path = "../support/mod.rs"]
mod support;

mod debug_masking;
mod error_texts;
mod hostile_server;
mod sdk_errors;
mod webhook_forgery;
mod webhook_receipt;
