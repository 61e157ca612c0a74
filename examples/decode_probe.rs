use std::time::Instant;
use beecloud::entity::*;
use serde::Deserialize;
use serde_json::{Map, Value};
include!("/tmp/bills_page.rs");
fn t(name: &str, n: usize, mut f: impl FnMut()) {
    let s = Instant::now();
    for _ in 0..n { f(); }
    println!("{name:<30} {:8.1} µs", s.elapsed().as_secs_f64() * 1e6 / n as f64);
}
fn main() {
    let page = bills_page(50);
    let bytes = page.as_bytes();
    println!("{} bytes", bytes.len());
    let n = 2000;
    t("Value parse", n, || { let v: Value = serde_json::from_slice(bytes).unwrap(); std::hint::black_box(v); });
    t("Map parse", n, || { let v: Map<String, Value> = serde_json::from_slice(bytes).unwrap(); std::hint::black_box(v); });
    t("typed from bytes", n, || { let v: BillsResult = serde_json::from_slice(bytes).unwrap(); std::hint::black_box(v); });
    let m: Map<String, Value> = serde_json::from_slice(bytes).unwrap();
    t("typed from &Map", n, || { let v = BillsResult::deserialize(&m).unwrap(); std::hint::black_box(v); });
    t("IgnoredAny scan", n, || { let v: serde::de::IgnoredAny = serde_json::from_slice(bytes).unwrap(); std::hint::black_box(v); });
    t("drop Map", n, || { let v = m.clone(); std::hint::black_box(v); });
}
