//! [`Choice`]: a value written as one of a fixed set of strings
//! (`jitter = "equal"`), mapped straight onto the core's enums.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;
use totem_core::{AbandonedPermit, Jitter};

use crate::ResetMode;

/// A type written in the file as one of [`NAMES`](Choices::NAMES).
pub(crate) trait Choices: Copy + 'static {
    /// The spellings, in the order of [`VALUES`](Choices::VALUES).
    const NAMES: &'static [&'static str];
    const VALUES: &'static [Self];
}

impl Choices for AbandonedPermit {
    const NAMES: &'static [&'static str] = &["failure", "neutral"];
    const VALUES: &'static [Self] = &[Self::Failure, Self::Neutral];
}

impl Choices for Jitter {
    const NAMES: &'static [&'static str] = &["none", "full", "equal", "decorrelated"];
    const VALUES: &'static [Self] = &[Self::None, Self::Full, Self::Equal, Self::Decorrelated];
}

impl Choices for ResetMode {
    const NAMES: &'static [&'static str] = &[Self::Full.as_str(), Self::Stats.as_str()];
    const VALUES: &'static [Self] = &[Self::Full, Self::Stats];
}

/// A `T` read from its name. (Deserializing here, not on the types, keeps
/// serde out of the public API.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct Choice<T>(pub(crate) T);

impl<'de, T: Choices> Deserialize<'de> for Choice<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Choices> Visitor<'de> for V<T> {
            type Value = Choice<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("one of ")?;
                for (i, name) in T::NAMES.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}\"{name}\"")?;
                }
                Ok(())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::NAMES
                    .iter()
                    .zip(T::VALUES)
                    .find(|(name, _)| **name == v)
                    .map(|(_, value)| Choice(*value))
                    .ok_or_else(|| E::unknown_variant(v, T::NAMES))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
                Err(de::Error::invalid_type(TABLE_OR_DATETIME, &self))
            }
        }
        deserializer.deserialize_str(V(PhantomData))
    }
}

/// What a TOML table or date-time looks like to a visitor (serde sees both
/// as maps; "map" would puzzle whoever wrote `at = 03:00`).
pub(crate) const TABLE_OR_DATETIME: Unexpected<'static> = Unexpected::Other("table or date-time");

#[cfg(test)]
mod tests {
    use super::Choices;
    use totem_core::{AbandonedPermit, Jitter};

    use crate::ResetMode;

    #[test]
    fn every_value_has_one_name() {
        assert_eq!(AbandonedPermit::NAMES.len(), AbandonedPermit::VALUES.len());
        assert_eq!(Jitter::NAMES.len(), Jitter::VALUES.len());
        assert_eq!(ResetMode::NAMES.len(), ResetMode::VALUES.len());
    }
}
