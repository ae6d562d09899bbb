//! Entropy for retry jitter.

/// A seed from the operating system's entropy source, for retry jitter (so
/// that a fleet of processes does not retry in lockstep). Falls back to the
/// clock and the process id if the OS source fails.
///
/// ```
/// let _seed: u64 = totem_std::os_seed();
/// ```
pub fn os_seed() -> u64 {
    getrandom::u64().unwrap_or_else(|_| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        t ^ (u64::from(std::process::id()) << 32)
    })
}
