//! Random numbers from the OS: nonces, run and event ids, certificate
//! serials, backoff jitter. One function, below every layer, so controls
//! and backends need not import the engine for it.

/// A random u64 from the OS. If the OS source fails (it does not on
/// Linux after boot), the clock mixed with the pid: ids stay unique,
/// but nothing secret may rest on that fallback.
pub fn u64() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        return t.as_nanos() as u64 ^ u64::from(std::process::id());
    }
    u64::from_le_bytes(b)
}
