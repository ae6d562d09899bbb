//! `daily_reset = { at = "03:00", mode = "stats" }`: a breaker's daily reset
//! as written, read into the [`DailyReset`] the runner takes.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::choice::{Choice, TABLE_OR_DATETIME};
use crate::{DailyReset, ResetMode, TimeOfDay};

/// `daily_reset` as written. `mode` has no default: a full reset closes an
/// OPEN breaker early, so the file says which it wants.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a daily reset: { at = \"03:00\", mode = \"full\" or \"stats\" }"
)]
pub(crate) struct DailyResetTable {
    pub(crate) at: Spanned<TimeText>,
    mode: Choice<ResetMode>,
}

/// `at` as written: a string (a TOML time, `at = 03:00`, is refused with a
/// message that says to quote it).
#[derive(Debug)]
pub(crate) struct TimeText(String);

impl<'de> Deserialize<'de> for TimeText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TimeText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quoted time of day, \"HH:MM\" or \"HH:MM:SS\" in UTC")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TimeText(v.to_owned()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::invalid_type(TABLE_OR_DATETIME, &self))
            }
        }
        deserializer.deserialize_str(V)
    }
}

impl DailyResetTable {
    /// The reset, or why `at` is not a time of day.
    pub(crate) fn to_daily_reset(&self) -> Result<DailyReset, String> {
        let text = &self.at.get_ref().0;
        let at = time_of_day(text).ok_or_else(|| {
            format!(
                "invalid time of day {text:?}: expected \"HH:MM\" or \"HH:MM:SS\" in UTC, 00:00 to 23:59:59"
            )
        })?;
        Ok(DailyReset {
            at,
            mode: self.mode.0,
        })
    }
}

/// `"HH:MM"` or `"HH:MM:SS"`, two ASCII digits each.
fn time_of_day(text: &str) -> Option<TimeOfDay> {
    let mut hms = [0; 3];
    let mut n = 0;
    for part in text.split(':') {
        let two_digits = part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
        if n == hms.len() || !two_digits {
            return None;
        }
        hms[n] = part.parse().ok()?;
        n += 1;
    }
    if n < 2 {
        return None;
    }
    TimeOfDay::from_hms(hms[0], hms[1], hms[2])
}

#[cfg(test)]
mod tests {
    use super::time_of_day;
    use crate::TimeOfDay;

    #[test]
    fn hh_mm_and_hh_mm_ss() {
        assert_eq!(time_of_day("03:00"), TimeOfDay::from_hms(3, 0, 0));
        assert_eq!(time_of_day("00:00"), Some(TimeOfDay::MIDNIGHT));
        assert_eq!(time_of_day("23:59:59"), TimeOfDay::from_hms(23, 59, 59));
        assert_eq!(
            time_of_day("12:34:56").map(TimeOfDay::seconds_since_midnight),
            Some(45_296)
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "3:00",
            "03:0",
            "24:00",
            "23:60",
            "23:59:60",
            "03:00:",
            "03:00:0",
            "03:00:00:00",
            "0300",
            "+3:00",
            "03:+0",
            "03:00:+1",
            "03 :00",
            "٠٣:٠٠",
            "03:00Z",
            "03:00:00.5",
        ] {
            assert_eq!(time_of_day(bad), None, "{bad}");
        }
    }
}
