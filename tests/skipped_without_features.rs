//! Plain `cargo test` (no features) cannot run the end-to-end and emulator tests (the binaries
//! `e2e`, `emulator` and `emulator_memory`, and `webhook_receipt` in `security`) nor the `log`
//! test: they are compiled out. These tests say so in
//! the test listing (`ignored, <why>`), and fail with the instructions when run with `--ignored`.

#[cfg(not(feature = "emulator"))]
#[test]
#[ignore = "SKIPPED: the end-to-end and emulator tests need `--features emulator`; run `cargo test --all-features`"]
fn end_to_end_tests_were_skipped() {
    panic!("the end-to-end and emulator tests were not compiled: run `cargo test --all-features`");
}

#[cfg(not(feature = "log"))]
#[test]
#[ignore = "SKIPPED: the log-line test needs `--features log`; run `cargo test --all-features`"]
fn log_tests_were_skipped() {
    panic!("the log-line test was not compiled: run `cargo test --all-features`");
}
