//! Values written back the way a configuration file writes them (durations:
//! `totem_std::format_duration`).

use totem_core::BackoffFactor;

/// The backoff factor as a number (exact: 16.16 fixed point is a binary
/// fraction, which a float prints exactly).
pub fn factor(f: BackoffFactor) -> String {
    format!("{}", f64::from(f.raw()) / 65_536.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_is_written_as_a_number() {
        assert_eq!(factor(BackoffFactor::ratio(3, 2)), "1.5");
        assert_eq!(factor(BackoffFactor::integer(2)), "2");
    }
}
