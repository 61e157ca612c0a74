//! A local, stateful BeeCloud server (feature `emulator`).
#![allow(dead_code)]
mod core;
