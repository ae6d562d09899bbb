//! [`Divisor`]: a window's fixed divisors (calls or milliseconds per
//! bucket, buckets in use), divided by without a `div` instruction on 64-bit
//! CPUs, where one costs more than the rest of a window's bookkeeping.

/// A divisor fixed when the breaker is built. On 64-bit targets, division
/// and remainder by multiplication (Lemire, Kaser and Kurz, "Faster
/// remainder by direct computation", 2019: exact for every `u32` dividend);
/// elsewhere the plain operators (a Cortex-M4 divides in a few cycles, and
/// a 128-bit product would cost more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Divisor {
    d: u32,
    /// `2^64 / d`, rounded up (0 for `d == 1`, which is special-cased).
    m: u64,
}

impl Divisor {
    /// A divisor of `d` (at least 1).
    pub(crate) const fn new(d: u32) -> Divisor {
        let d = if d == 0 { 1 } else { d };
        Divisor {
            d,
            m: if d == 1 { 0 } else { u64::MAX / d as u64 + 1 },
        }
    }

    /// The divisor itself.
    #[inline]
    pub(crate) const fn get(self) -> u32 {
        self.d
    }

    /// `n / d`.
    #[inline]
    pub(crate) const fn div(self, n: u32) -> u32 {
        if cfg!(target_pointer_width = "64") {
            if self.d == 1 {
                return n;
            }
            ((self.m as u128 * n as u128) >> 64) as u32
        } else {
            n / self.d
        }
    }

    /// `n % d`.
    #[inline]
    pub(crate) const fn rem(self, n: u32) -> u32 {
        if cfg!(target_pointer_width = "64") {
            if self.d == 1 {
                return 0;
            }
            let low = self.m.wrapping_mul(n as u64);
            ((low as u128 * self.d as u128) >> 64) as u32
        } else {
            n % self.d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Divisor;

    #[test]
    fn divides_exactly_at_the_edges() {
        for d in [1u32, 2, 3, 4, 7, 10, 25, 32, 1_000, 8_191, 60_000, u32::MAX] {
            let v = Divisor::new(d);
            for n in [
                0u32,
                1,
                2,
                d - 1,
                d,
                d.wrapping_add(1),
                12_345,
                u32::MAX - 1,
                u32::MAX,
            ] {
                assert_eq!(v.div(n), n / d, "{n} / {d}");
                assert_eq!(v.rem(n), n % d, "{n} % {d}");
            }
        }
    }
}
