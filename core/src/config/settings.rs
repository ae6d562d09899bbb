//! [`Settings`]: where a breaker or a retry finds its configuration, and
//! [`settings!`](crate::settings), which puts one in flash.

/// Where a breaker or a retry finds its validated configuration: the `K` of
/// [`CircuitBreaker<C, O, K>`](crate::CircuitBreaker) (`T` =
/// [`BreakerSettings`](crate::BreakerSettings)) and of
/// [`Retry<C, O, K>`](crate::Retry) (`T` = [`RetrySettings`](crate::RetrySettings)).
///
/// - `BreakerSettings` and `RetrySettings` themselves (the default): the
///   configuration is stored in the breaker, chosen at run time (a registry,
///   a config file).
/// - A unit type declared with [`settings!`](crate::settings): the
///   configuration is a constant in flash. The breaker's RAM holds only what
///   changes (its words and counters), and the code of every option the
///   constant leaves off folds away.
/// - A `&'static` to settings (one of a table in flash picked at boot, or
///   settings several breakers share): one pointer in RAM, but the compiler
///   cannot see through it, so every option's code stays.
///
/// An implementation MUST:
/// - return the same value on every call (decisions read it many times per
///   call and assume it does not change under them);
/// - not block, allocate or panic (it is read on every call, in interrupt
///   handlers too).
pub trait Settings<T> {
    /// The settings.
    fn get(&self) -> &T;
}

impl<T> Settings<T> for T {
    #[inline(always)]
    fn get(&self) -> &T {
        self
    }
}

impl<T> Settings<T> for &T {
    #[inline(always)]
    fn get(&self) -> &T {
        self
    }
}

/// Declares a unit type whose [`Settings`] are a constant in flash,
/// validated at compile time (a bad value fails the build, with the field
/// and the rule, as [`validated!`](crate::validated)). Calls after the
/// configuration, separated by commas, apply to the settings (a retry's
/// `with_budget(&BUDGET)`). Give it to
/// [`CircuitBreaker::from_settings`](crate::CircuitBreaker::from_settings)
/// or [`Retry::from_settings`](crate::Retry::from_settings).
///
/// ```
/// use totem_core::{
///     settings, BreakerConfig, BreakerSettings, CircuitBreaker, ManualClock, NoObserver, Retry,
///     RetryConfig, RetrySettings,
/// };
///
/// settings! {
///     /// The modem's breaker: trips after three failures.
///     pub Modem: BreakerSettings = BreakerConfig::new("modem").failure_threshold(3);
///     /// Its retry.
///     pub ModemRetry: RetrySettings = RetryConfig::new("modem").max_attempts(4);
/// }
///
/// static CLOCK: ManualClock = ManualClock::new();
/// static MODEM: CircuitBreaker<&ManualClock, NoObserver, Modem> =
///     CircuitBreaker::from_settings(Modem, &CLOCK, NoObserver);
/// static MODEM_RETRY: Retry<&ManualClock, NoObserver, ModemRetry> =
///     Retry::from_settings(ModemRetry, &CLOCK, 0x5eed, NoObserver);
///
/// assert_eq!(MODEM.config().failure_threshold, 3);
/// assert_eq!(MODEM_RETRY.config().max_attempts, 4);
/// assert_eq!(core::mem::size_of::<Modem>(), 0);
/// ```
///
/// ```compile_fail
/// use totem_core::{settings, BreakerConfig, BreakerSettings};
/// // error: "BreakerConfig.failure_threshold must be at least 1"
/// settings! { Bad: BreakerSettings = BreakerConfig::new("x").failure_threshold(0); }
/// ```
#[macro_export]
macro_rules! settings {
    ($(
        $(#[$attr:meta])* $vis:vis $name:ident : $ty:ty = $config:expr
        $(, $method:ident ( $($arg:expr),* ))* ;
    )+) => {
        $(
            $(#[$attr])*
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            $vis struct $name;

            impl $crate::Settings<$ty> for $name {
                #[inline(always)]
                fn get(&self) -> &$ty {
                    static SETTINGS: $ty =
                        <$ty>::new($crate::validated!($config)) $(.$method($($arg),*))*;
                    &SETTINGS
                }
            }
        )+
    };
}
