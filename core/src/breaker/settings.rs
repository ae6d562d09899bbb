//! [`BreakerSettings`]: a validated configuration with the limits its
//! decisions read, derived once.

use super::machine::Limits;
use crate::config::{BreakerConfig, Valid};

/// A breaker's validated configuration and the limits derived from it: what
/// a [`CircuitBreaker`](crate::CircuitBreaker) reads through
/// [`Settings`](crate::Settings). Stored in the breaker by
/// [`CircuitBreaker::new`](crate::CircuitBreaker::new), or a constant in
/// flash with [`settings!`](crate::settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    config: Valid<BreakerConfig>,
    pub(super) limits: Limits,
}

impl BreakerSettings {
    /// The settings of `config`. `const`, for a `static`.
    #[inline]
    pub const fn new(config: Valid<BreakerConfig>) -> Self {
        Self {
            limits: Limits::of(config.get()),
            config,
        }
    }

    /// The configuration.
    #[inline(always)]
    pub const fn config(&self) -> &BreakerConfig {
        self.config.get()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for BreakerSettings {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "BreakerSettings {{ config: {} }}", self.config())
    }
}
