//! [`RetrySettings`]: a retry's validated configuration.

use crate::config::{RetryConfig, Valid};

/// A retry's validated configuration: what a [`Retry`](crate::Retry) reads
/// through [`Settings`](crate::Settings). Stored in the retry by
/// [`Retry::new`](crate::Retry::new), or a constant in flash with
/// [`settings!`](crate::settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    config: Valid<RetryConfig>,
}

impl RetrySettings {
    /// The settings of `config`. `const`, for a `static`.
    #[inline]
    pub const fn new(config: Valid<RetryConfig>) -> Self {
        Self { config }
    }

    /// The configuration.
    #[inline(always)]
    pub const fn config(&self) -> &RetryConfig {
        self.config.get()
    }

    #[inline(always)]
    pub(super) const fn valid(&self) -> &Valid<RetryConfig> {
        &self.config
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for RetrySettings {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "RetrySettings {{ config: {} }}", self.config())
    }
}
