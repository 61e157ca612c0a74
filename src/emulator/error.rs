//! The error of the emulator's test hooks and control API.

use std::fmt;

/// Why a test hook (a method of [`Emulator`](super::Emulator) or the matching control API call) refused.
///
/// Implements [`std::error::Error`] + `Send` + `Sync`, so `?` works in tests returning `anyhow::Result`
/// or `Box<dyn Error>`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmulatorError {
    /// No such record (bill, refund, transfer, subscription…); the control API answers 404.
    NotFound(String),
    /// The record is not in a state that allows this (already paid, finished, canceled…); 409.
    Conflict(String),
    /// The hook's input is malformed (bad JSON, a missing field, a bad URL…); 400.
    BadInput(String),
}

impl EmulatorError {
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        EmulatorError::NotFound(message.into())
    }
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        EmulatorError::Conflict(message.into())
    }
    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        EmulatorError::BadInput(message.into())
    }
    /// The HTTP status the control API answers with.
    pub(crate) fn status(&self) -> u16 {
        match self {
            EmulatorError::NotFound(_) => 404,
            EmulatorError::Conflict(_) => 409,
            EmulatorError::BadInput(_) => 400,
        }
    }
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmulatorError::NotFound(m)
            | EmulatorError::Conflict(m)
            | EmulatorError::BadInput(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EmulatorError {}
