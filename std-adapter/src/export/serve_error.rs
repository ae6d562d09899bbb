//! What can go wrong starting or stopping a `/metrics` endpoint.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Why the endpoint did not start, or did not stop cleanly.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound (in use, not local, no permission).
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The system's reason.
        source: io::Error,
    },
    /// The listener failed.
    Io(io::Error),
    /// The serving task panicked or its runtime was shut down first.
    #[cfg(feature = "metrics-server")]
    Task(tokio::task::JoinError),
    /// The serving thread panicked.
    #[cfg(feature = "metrics-server-blocking")]
    ThreadPanicked,
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            ServeError::Io(e) => write!(f, "metrics endpoint failed: {e}"),
            #[cfg(feature = "metrics-server")]
            ServeError::Task(e) => write!(f, "metrics endpoint task ended abnormally: {e}"),
            #[cfg(feature = "metrics-server-blocking")]
            ServeError::ThreadPanicked => f.write_str("metrics endpoint thread panicked"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Bind { source, .. } => Some(source),
            ServeError::Io(e) => Some(e),
            #[cfg(feature = "metrics-server")]
            ServeError::Task(e) => Some(e),
            #[cfg(feature = "metrics-server-blocking")]
            ServeError::ThreadPanicked => None,
        }
    }
}
