//! Values written back the way a configuration file writes them.

use totem_core::{BackoffFactor, Duration};

/// A duration in the file's and Prometheus's syntax, in the largest unit
/// that holds it exactly: `"5m"`, `"90s"`, `"1500ms"`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_ticks();
    for (unit, per) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms != 0 && ms % per == 0 {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
}

/// Seconds as a number (a PromQL threshold): `30`, `0.25`.
pub fn seconds(d: Duration) -> String {
    let ms = d.as_ticks();
    if ms % 1_000 == 0 {
        format!("{}", ms / 1_000)
    } else {
        format!("{}", f64::from(ms) / 1_000.0)
    }
}

/// A percentage as a ratio (a PromQL threshold): `0.8`.
pub fn ratio(percent: u32) -> String {
    format!("{}", f64::from(percent) / 100.0)
}

/// The backoff factor as a number (exact: 16.16 fixed point is a binary
/// fraction, which a float prints exactly).
pub fn factor(f: BackoffFactor) -> String {
    format!("{}", f64::from(f.raw()) / 65_536.0)
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
        assert_eq!(factor(BackoffFactor::ratio(3, 2)), "1.5");
        assert_eq!(factor(BackoffFactor::integer(2)), "2");
    }
}
