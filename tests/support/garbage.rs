//! Seeded garbage for the tests that throw it at a boundary: a small deterministic generator and
//! JSON values of every wrong type and shape.

use serde_json::{Value, json};

/// splitmix64: small and seeded, so a failing case replays.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A JSON value of any type and shape (empty, huge, negative, non-finite-looking, NUL, emoji,
/// right-to-left marks, URLs, JSON-looking text), `depth` levels of nesting at most; object keys
/// come from `keys`.
pub fn garbage(rng: &mut Rng, depth: u32, keys: &[&str]) -> Value {
    let kinds = if depth == 0 { 14 } else { 16 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(*rng.pick(&[0i64, -1, 1, i64::MAX, i64::MIN, 99_999_999_999])),
        3 => json!(*rng.pick(&[0.5f64, -0.0, 1e300, -1e300, 3.000_000_1])),
        4 => json!(u64::MAX),
        5 => json!(""),
        6 => json!(" "),
        7 => json!("x".repeat(rng.pick(&[1usize, 33, 300, 20_000]).to_owned())),
        8 => json!(*rng.pick(&[
            "WX_NATIVE",
            "ALI_WEB",
            "BC",
            "UN",
            "WX",
            "PAYPAL_PAYPAL",
            "wx_native"
        ])),
        9 => json!(*rng.pick(&[
            "20261201",
            "2026120100000000000000000000000",
            "-1",
            "1e3",
            "0x10"
        ])),
        10 => json!(*rng.pick(&[
            "\u{0}",
            "😀😀",
            "\u{202e}evil",
            "中国银行",
            "é\u{301}",
            "%00%ff"
        ])),
        11 => json!(*rng.pick(&["true", "True", "null", "{}", "[1]", "javascript:alert(1)"])),
        12 => json!(*rng.pick(&["http://127.0.0.1:1/x", "https://example.com/", "ftp://x"])),
        13 => json!(format!("{:x}", rng.next())),
        14 => Value::Array(
            (0..rng.below(4))
                .map(|_| garbage(rng, depth - 1, keys))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|_| (rng.pick(keys).to_string(), garbage(rng, depth - 1, keys)))
                .collect(),
        ),
    }
}
