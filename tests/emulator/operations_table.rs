//! The SDK's table of operations (`src/operations.rs`) and the emulator's route table
//! (`src/emulator/routes.rs`) are written separately, so neither confirms itself: this checks that
//! every operation the SDK sends, at its live path and its sandbox path, is a route of the
//! emulator with the same method, and that every route the SDK does not send is one that only
//! another official SDK sends (listed below with who sends it).
#![cfg(feature = "emulator")]

use std::collections::BTreeSet;

/// Routes of the emulator that this SDK never sends, each for another SDK.
const OTHER_SDKS_ONLY: &[(&str, &str)] = &[
    // The iOS SDK's sandbox queries and the app SDKs' in-store sandbox.
    ("GET", "rest/sandbox/refunds/count"),
    ("GET", "rest/sandbox/refunds"),
    ("GET", "rest/sandbox/refund/status"),
    ("GET", "rest/sandbox/refund/{id}"),
    ("POST", "rest/sandbox/offline/bill/status"),
    ("POST", "rest/sandbox/offline/bill/{id}"),
    ("POST", "rest/sandbox/offline/bill"),
    // The PHP SDK posts the history bills the others put.
    ("POST", "rest/history_bills"),
];

#[test]
fn every_operation_of_the_sdk_is_a_route_of_the_emulator() {
    let routes: BTreeSet<(&str, &str)> = beecloud::emulator::route_table().collect();
    let mut missing = Vec::new();
    for (name, method, path) in beecloud::operation_routes() {
        if !routes.contains(&(method, path)) {
            missing.push(format!("{name}: {method} /2/{path}"));
        }
    }
    assert!(missing.is_empty(), "no emulator route for {missing:#?}");
}

#[test]
fn every_route_of_the_emulator_is_an_operation_of_the_sdk_or_another_sdks() {
    let sent: BTreeSet<(&str, &str)> = beecloud::operation_routes()
        .map(|(_, method, path)| (method, path))
        .collect();
    let unexplained: Vec<_> = beecloud::emulator::route_table()
        .filter(|route| !sent.contains(route) && !OTHER_SDKS_ONLY.contains(route))
        .collect();
    assert!(
        unexplained.is_empty(),
        "routes no operation sends: {unexplained:#?}"
    );
    for route in OTHER_SDKS_ONLY {
        assert!(!sent.contains(route), "{route:?} is sent by the SDK now");
    }
}

#[test]
fn the_table_is_not_empty_and_names_each_operation_once() {
    let names: Vec<&str> = beecloud::operation_routes()
        .map(|(name, _, _)| name)
        .collect();
    let distinct: BTreeSet<&str> = names.iter().copied().collect();
    // 58 operations, four of which (pay and the bill queries) also have a sandbox path.
    assert_eq!(names.len(), 62);
    assert_eq!(distinct.len(), 58);
}
