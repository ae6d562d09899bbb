//! The backoff factor in a configuration file: a number (`2`, `1.5`) that
//! the core's 16.16 fixed point holds exactly, or a ratio (`"3/2"`).

use std::fmt;

use super::choice::TABLE_OR_DATETIME;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use totem_core::BackoffFactor;

/// A backoff factor as written, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FactorValue {
    Integer(i64),
    Float(f64),
    Text(String),
}

const FORM: &str = "a number such as 2 or 1.5, or a ratio such as \"3/2\"";

/// One unit of the core's fixed point: 1/65536.
const ONE: f64 = 65_536.0;

impl FactorValue {
    /// The core's [`BackoffFactor`], or why this cannot be one. A float must
    /// be a multiple of 1/65536 (so that nothing is rounded behind the
    /// writer's back); a ratio goes to [`BackoffFactor::ratio`], which rounds
    /// down to 1/65536 as it documents. Below 1, a zero denominator and 65536
    /// or more are the core's validation to refuse.
    pub(crate) fn to_core(&self) -> Result<BackoffFactor, String> {
        match self {
            Self::Integer(n) => u32::try_from(*n)
                .map(BackoffFactor::integer)
                .map_err(|_| format!("backoff_factor {n} is out of range: {FORM}, at least 1")),
            Self::Float(f) => float(*f),
            Self::Text(t) => ratio(t).ok_or_else(|| {
                format!("invalid backoff_factor {t:?}: expected {FORM} (whole numbers below 2^32)")
            }),
        }
    }
}

fn float(f: f64) -> Result<BackoffFactor, String> {
    if !f.is_finite() || f < 0.0 {
        return Err(format!(
            "backoff_factor {f} is out of range: {FORM}, at least 1"
        ));
    }
    if f.fract() == 0.0 && f <= f64::from(u32::MAX) {
        // Whole: the core's own constructor, which refuses 65536 and more.
        return Ok(BackoffFactor::integer(f as u32));
    }
    // Scaling by a power of two is exact, so a fraction here means `f` is not
    // a multiple of 1/65536.
    let raw = f * ONE;
    if raw.fract() != 0.0 {
        return Err(format!(
            "backoff_factor {f} is not a multiple of 1/65536 (the core's 16.16 fixed point): \
             write a ratio such as \"11/10\", which the core rounds down to 1/65536"
        ));
    }
    if raw > f64::from(u32::MAX) {
        return Err(format!(
            "backoff_factor {f} is out of range: {FORM}, below 65536"
        ));
    }
    Ok(BackoffFactor::from_raw(raw as u32))
}

/// `"num/den"`, both whole numbers in ASCII digits.
fn ratio(text: &str) -> Option<BackoffFactor> {
    let (num, den) = text.split_once('/')?;
    let whole = |s: &str| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u32>().ok()
        } else {
            None
        }
    };
    Some(BackoffFactor::ratio(whole(num)?, whole(den)?))
}

impl<'de> Deserialize<'de> for FactorValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FactorValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a backoff factor: {FORM}")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(FactorValue::Integer(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(FactorValue::Integer(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(FactorValue::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FactorValue::Text(v.to_owned()))
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
    use super::FactorValue::{self, *};
    use totem_core::{BackoffFactor, ConfigError};

    fn text(s: &str) -> FactorValue {
        Text(s.to_owned())
    }

    #[test]
    fn exact_numbers_and_ratios_map_onto_the_core() {
        assert_eq!(Integer(2).to_core(), Ok(BackoffFactor::integer(2)));
        assert_eq!(Float(2.0).to_core(), Ok(BackoffFactor::integer(2)));
        assert_eq!(Float(1.5).to_core(), Ok(BackoffFactor::ratio(3, 2)));
        assert_eq!(
            Float(1.0625).to_core(),
            Ok(BackoffFactor::from_raw(0x1_1000))
        );
        assert_eq!(text("3/2").to_core(), Ok(BackoffFactor::ratio(3, 2)));
        assert_eq!(text("11/10").to_core(), Ok(BackoffFactor::ratio(11, 10)));
    }

    #[test]
    fn the_core_keeps_its_own_rules() {
        // Representable, so passed on: the core's validation refuses them.
        assert_eq!(
            text("3/0").to_core().unwrap().check(),
            Err(ConfigError::BackoffFactorZeroDenominator)
        );
        assert_eq!(
            Integer(65_536).to_core().unwrap().check(),
            Err(ConfigError::BackoffFactorTooLarge)
        );
        assert_eq!(Float(0.5).to_core(), Ok(BackoffFactor::from_raw(0x8000)));
        assert_eq!(Integer(0).to_core(), Ok(BackoffFactor::integer(0)));
    }

    #[test]
    fn what_the_fixed_point_cannot_hold_is_refused() {
        assert!(Float(1.1)
            .to_core()
            .unwrap_err()
            .contains("not a multiple of 1/65536"));
        for out in [
            Integer(-1),
            Integer(1 << 40),
            Float(-1.5),
            Float(f64::NAN),
            Float(f64::INFINITY),
            Float(1e300),
            Float(70_000.5),
        ] {
            assert!(
                out.to_core().unwrap_err().contains("out of range"),
                "{out:?}"
            );
        }
        for bad in [
            "1.5",
            "3/",
            "/2",
            "3/2/1",
            " 3/2",
            "-3/2",
            "3/2.0",
            "99999999999/1",
            "",
        ] {
            assert!(
                text(bad)
                    .to_core()
                    .unwrap_err()
                    .contains("expected a number"),
                "{bad}"
            );
        }
    }
}
