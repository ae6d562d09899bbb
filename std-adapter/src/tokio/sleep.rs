//! [`TokioSleeper`]: the retry's wait on Tokio's timer.

use core::future::Future;

use totem_core::{Duration, Sleeper};

use crate::to_std;

/// A [`Sleeper`] over `tokio::time::sleep`: the async retry's wait between
/// attempts on Tokio. Zero-sized.
///
/// The core's delays are whole milliseconds, and Tokio's timer rounds every
/// deadline **up** to its next millisecond tick, so a wait is never shorter
/// than the delay asked for (and a 1 ms delay is never rounded down to
/// nothing), as the [`Sleeper`] contract requires. Dropping the future
/// cancels the wait. In a runtime with paused time the wait takes no real
/// time: Tokio advances its clock to the deadline.
///
/// # Panics
///
/// Like `tokio::time::sleep`, the future must be created inside a Tokio
/// runtime with its time driver enabled.
///
/// ```
/// use totem_core::{Duration, Sleeper};
/// use totem_std::TokioSleeper;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = tokio::time::Instant::now();
/// TokioSleeper.sleep(Duration::from_millis(250)).await;
/// assert!(start.elapsed() >= std::time::Duration::from_millis(250));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TokioSleeper;

impl TokioSleeper {
    /// The wait as Tokio's own future, which can be named and is `Send`:
    /// what [`Sleeper::sleep`] returns.
    #[inline]
    pub fn sleep_for(&self, delay: Duration) -> ::tokio::time::Sleep {
        ::tokio::time::sleep(to_std(delay))
    }
}

impl Sleeper for TokioSleeper {
    #[inline]
    fn sleep(&self, delay: Duration) -> impl Future<Output = ()> {
        self.sleep_for(delay)
    }
}
