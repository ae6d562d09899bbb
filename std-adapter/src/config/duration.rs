//! Durations in a configuration file: a whole number with a unit (`"500ms"`,
//! `"60s"`, `"2m"`, `"1h"`), or a bare integer, which is always seconds (the
//! spec writes `reset_timeout=60`).

use std::fmt;

use super::choice::TABLE_OR_DATETIME;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use totem_core::Duration;

/// A duration as written, before it is checked: the TOML types a duration
/// may take, so that a wrong one gets a message about durations.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DurationValue {
    Seconds(i64),
    Fraction(f64),
    Text(String),
}

/// Milliseconds per unit, longest suffix first so that "ms" is not read as
/// "m" followed by junk.
const UNITS: [(&str, u64); 4] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];

const FORM: &str = "a whole number followed by ms, s, m or h (\"500ms\", \"60s\", \"2m\", \"1h\"), or an integer of seconds (60)";

impl DurationValue {
    /// The core's millisecond [`Duration`], or why this is not one. Whether
    /// the length suits the field (zero, too long) is the core's validation
    /// to say; only what the core's `u32` milliseconds cannot hold is refused
    /// here.
    pub(crate) fn to_core(&self) -> Result<Duration, String> {
        let millis = match self {
            Self::Seconds(s) => {
                let s = u64::try_from(*s)
                    .map_err(|_| format!("invalid duration {s}: a duration cannot be negative"))?;
                s.checked_mul(1_000)
            }
            Self::Fraction(f) => {
                return Err(format!(
                    "invalid duration {f}: a bare number is whole seconds; write fractions with a unit, as in \"1500ms\""
                ))
            }
            Self::Text(t) => parse_text(t).ok_or_else(|| format!("invalid duration {t:?}: expected {FORM}"))?,
        };
        millis
            .and_then(|ms| u32::try_from(ms).ok())
            .map(Duration::from_ticks)
            .ok_or_else(|| {
                format!(
                    "duration {self} is too long: the core counts milliseconds in 32 bits (at most {} ms)",
                    u32::MAX
                )
            })
    }
}

/// `Some(None)`: well formed but too many milliseconds for a `u64`.
fn parse_text(text: &str) -> Option<Option<u64>> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return None;
    }
    let scale = UNITS.iter().find(|(u, _)| *u == unit)?.1;
    // Only ASCII digits are left, so a parse error is an overflow.
    Some(
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(scale)),
    )
}

impl fmt::Display for DurationValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seconds(s) => write!(f, "{s}"),
            Self::Fraction(x) => write!(f, "{x}"),
            Self::Text(t) => write!(f, "{t:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a duration: {FORM}")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(DurationValue::Seconds(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(DurationValue::Seconds(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(DurationValue::Fraction(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(DurationValue::Text(v.to_owned()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::invalid_type(TABLE_OR_DATETIME, &self))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::DurationValue::{self, *};
    use totem_core::Duration;

    fn text(s: &str) -> DurationValue {
        Text(s.to_owned())
    }

    #[test]
    fn units_and_bare_seconds() {
        assert_eq!(text("500ms").to_core(), Ok(Duration::from_millis(500)));
        assert_eq!(text("60s").to_core(), Ok(Duration::from_secs(60)));
        assert_eq!(text("2m").to_core(), Ok(Duration::from_secs(120)));
        assert_eq!(text("1h").to_core(), Ok(Duration::from_secs(3_600)));
        assert_eq!(text("0s").to_core(), Ok(Duration::from_ticks(0)));
        assert_eq!(Seconds(60).to_core(), Ok(Duration::from_secs(60)));
    }

    #[test]
    fn anything_else_is_refused_with_the_accepted_form() {
        for bad in [
            "", "s", "60", "60 s", " 60s", "1.5s", "60S", "-1s", "1d", "60sec", "1m30s", "+5s",
            "٣s",
        ] {
            let err = text(bad).to_core().unwrap_err();
            assert!(
                err.contains("expected a whole number followed by ms, s, m or h"),
                "{bad}: {err}"
            );
        }
        assert!(Seconds(-1)
            .to_core()
            .unwrap_err()
            .contains("cannot be negative"));
        assert!(Fraction(1.5).to_core().unwrap_err().contains("\"1500ms\""));
    }

    #[test]
    fn what_32_bit_milliseconds_cannot_hold_is_refused() {
        assert_eq!(
            text("4294967295ms").to_core(),
            Ok(Duration::from_ticks(u32::MAX))
        );
        for too_long in [
            text("4294967296ms"),
            text("1194h"),
            text("99999999999999999999999h"),
            Seconds(i64::MAX),
        ] {
            let err = too_long.to_core().unwrap_err();
            assert!(err.contains("too long"), "{err}");
        }
    }
}
