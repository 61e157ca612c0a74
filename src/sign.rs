//! The MD5 signatures of the API: request `app_sign`, webhook `signature` and `sign`.

/// `md5(app_id + timestamp + secret)` as 32 lowercase hex digits: the `app_sign` of every request.
///
/// ```
/// assert_eq!(beecloud::utils::app_sign("AID", 1435890533866, "ASEC"), "40e9cfd3cb4d934a39e44548b837250b");
/// ```
pub fn app_sign(app_id: &str, timestamp: i64, secret: &str) -> String {
    md5_hex(&[app_id, &timestamp.to_string(), secret])
}

/// `md5(app_id + transaction_id + transaction_type + channel_type + transaction_fee + master_secret)`:
/// the `signature` of a webhook.
pub fn webhook_signature(
    app_id: &str,
    transaction_id: &str,
    transaction_type: &str,
    channel_type: &str,
    transaction_fee: i64,
    master_secret: &str,
) -> String {
    md5_hex(&[
        app_id,
        transaction_id,
        transaction_type,
        channel_type,
        &transaction_fee.to_string(),
        master_secret,
    ])
}

/// `md5(app_id + app_secret + timestamp)`: the `sign` of subscription webhooks (Python demo's form).
pub fn subscription_webhook_sign(app_id: &str, app_secret: &str, timestamp: &str) -> String {
    md5_hex(&[app_id, app_secret, timestamp])
}

/// `md5(app_id + bill_no + amount + bank_account_no + master_secret)`: the body `signature` of T0
/// and T1 payouts (`bc_t0_transfer`, `bc_t1_transfer`), `amount` in plain decimal fen.
pub(crate) fn payout_signature(
    app_id: &str,
    bill_no: &str,
    amount: &str,
    bank_account_no: &str,
    master_secret: &str,
) -> String {
    md5_hex(&[app_id, bill_no, amount, bank_account_no, master_secret])
}

fn md5_hex(parts: &[&str]) -> String {
    let mut context = md5::Context::new();
    for part in parts {
        context.consume(part.as_bytes());
    }
    // By hand: `{:x}` formats the digest a byte at a time and cost more than the hashing.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(32);
    for byte in context.finalize().0 {
        hex.push(HEX[usize::from(byte >> 4)] as char);
        hex.push(HEX[usize::from(byte & 0xf)] as char);
    }
    hex
}

/// Compares two signatures without an early exit, so timing does not reveal how much matched.
/// ASCII case is ignored (the server compares hex case-insensitively).
pub(crate) fn signatures_match(received: &str, expected: &str) -> bool {
    same_without_early_exit(received.as_bytes(), expected.as_bytes(), |byte| {
        byte.to_ascii_lowercase()
    })
}

/// Compares a presented token or secret with the expected one as [`signatures_match`] does, case
/// included.
pub(crate) fn secrets_match(presented: &[u8], expected: &[u8]) -> bool {
    same_without_early_exit(presented, expected, |byte| byte)
}

/// Equal lengths and equal bytes after `fold`, looking at every byte whatever differs first.
fn same_without_early_exit(a: &[u8], b: &[u8], fold: impl Fn(u8) -> u8) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .fold(0u8, |diff, (x, y)| diff | (fold(*x) ^ fold(*y)))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_compares_whole_values() {
        assert!(secrets_match(b"token-1", b"token-1"));
        for other in [&b"token-2"[..], b"token-", b"token-12", b"", b"TOKEN-1"] {
            assert!(!secrets_match(other, b"token-1"), "{other:?}");
        }
        assert!(secrets_match(b"", b""));
    }

    #[test]
    fn contract_test_vectors() {
        assert_eq!(
            app_sign("AID", 1435890533866, "ASEC"),
            "40e9cfd3cb4d934a39e44548b837250b"
        );
        assert_eq!(
            app_sign("AID", 1435890533866, "MSEC"),
            "f54605c19a7b179b0cce8276e441af46"
        );
        assert_eq!(
            app_sign("AID", 1435890533866, "TSEC"),
            "6f229ee21e9fc5f0520fd196a5619ee2"
        );
        assert_eq!(
            webhook_signature("AID", "201506101035040000001", "PAY", "WX", 1, "MSEC"),
            "c20a3d8c427677954cdd6c8dbbc5470f"
        );
        assert_eq!(
            subscription_webhook_sign("AID", "ASEC", "1426817510111"),
            "a0a4476dea7d78de11166e2cee2b41b6"
        );
    }

    #[test]
    fn payout_signature_vectors() {
        assert_eq!(
            payout_signature("AID", "20170517T0001", "100", "6222000011112222", "MSEC"),
            "9f7d97d4629bbc13851f4c804adddfbe"
        );
        assert_eq!(
            payout_signature("AID", "20170710T1001", "100", "6222000011112222", "MSEC"),
            "fb61596ab12e111ebf093f816e01e50f"
        );
    }

    #[test]
    fn signature_comparison() {
        let sig = "c20a3d8c427677954cdd6c8dbbc5470f";
        assert!(signatures_match(sig, sig));
        assert!(signatures_match(&sig.to_uppercase(), sig));
        assert!(!signatures_match("c20a3d8c427677954cdd6c8dbbc5470e", sig));
        assert!(!signatures_match("", sig));
        assert!(!signatures_match(&sig[..31], sig));
    }
}
