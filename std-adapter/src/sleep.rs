//! Blocking sleep for the retry's blocking calls.

use totem_core::Duration;

/// Converts a core [`Duration`] to a [`std::time::Duration`].
///
/// ```
/// use totem_core::Duration;
/// assert_eq!(totem_std::to_std(Duration::from_millis(1500)), std::time::Duration::from_millis(1500));
/// ```
pub fn to_std(d: Duration) -> std::time::Duration {
    std::time::Duration::from_millis(u64::from(d.as_ticks()))
}

/// Blocks the thread for `d`: the sleep function for
/// [`Retry::call`](totem_core::Retry::call).
///
/// ```
/// use totem_core::Duration;
/// totem_std::sleep(Duration::from_millis(0));
/// ```
pub fn sleep(d: Duration) {
    std::thread::sleep(to_std(d));
}
