//! What can go wrong when adding a source to an exporter.

use std::fmt;

/// Why a breaker or retry was not added: every series carries the source's
/// name, so two sources of one kind with the same name would write the same
/// series twice, which Prometheus rejects for the whole scrape.
///
/// ```
/// use totem_core::{validated, BreakerConfig, CircuitBreaker, ManualClock};
/// use totem_std::{ExportError, Exporter};
/// static CLOCK: ManualClock = ManualClock::new();
/// static A: CircuitBreaker<&ManualClock> = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &CLOCK);
/// static B: CircuitBreaker<&ManualClock> = CircuitBreaker::new(validated!(BreakerConfig::new("db")), &CLOCK);
/// let err = Exporter::new().breaker(&A).unwrap().breaker(&B).unwrap_err();
/// assert_eq!(err, ExportError::DuplicateBreaker { name: "db" });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportError {
    /// A breaker with this name is already exported.
    DuplicateBreaker {
        /// The name.
        name: &'static str,
    },
    /// A retry with this name is already exported.
    DuplicateRetry {
        /// The name.
        name: &'static str,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::DuplicateBreaker { name } => {
                write!(f, "a breaker named '{name}' is already exported")
            }
            ExportError::DuplicateRetry { name } => {
                write!(f, "a retry named '{name}' is already exported")
            }
        }
    }
}

impl std::error::Error for ExportError {}
