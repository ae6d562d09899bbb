//! Values written the way a configuration file and PromQL write them.

use totem_core::Duration;

/// A duration in a configuration file's syntax, which is also
/// Prometheus's, in the largest unit that holds it exactly: `"5m"`,
/// `"90s"`, `"1500ms"` (what `totem check` prints back).
///
/// ```
/// use totem_core::Duration;
/// assert_eq!(totem_std::format_duration(Duration::from_millis(300_000)), "5m");
/// assert_eq!(totem_std::format_duration(Duration::from_millis(1_500)), "1500ms");
/// ```
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_ticks();
    for (unit, per) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms != 0 && ms % per == 0 {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
}

pub(crate) use format_duration as duration;

/// Seconds as a number (a PromQL threshold): `30`, `0.25`.
pub(crate) fn seconds(d: Duration) -> String {
    let ms = d.as_ticks();
    if ms % 1_000 == 0 {
        format!("{}", ms / 1_000)
    } else {
        format!("{}", f64::from(ms) / 1_000.0)
    }
}

/// A percentage as a ratio (a PromQL threshold): `0.8`.
pub(crate) fn ratio(percent: u32) -> String {
    format!("{}", f64::from(percent) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_trip_the_file_syntax() {
        let d = Duration::from_ticks;
        assert_eq!(duration(d(300_000)), "5m");
        assert_eq!(duration(d(90_000)), "90s");
        assert_eq!(duration(d(7_200_000)), "2h");
        assert_eq!(duration(d(1_500)), "1500ms");
        assert_eq!(duration(d(0)), "0ms");
        assert_eq!(seconds(d(30_000)), "30");
        assert_eq!(seconds(d(250)), "0.25");
        assert_eq!(ratio(80), "0.8");
    }
}
