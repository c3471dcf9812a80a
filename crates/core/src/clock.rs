//! Injected time and randomness, so signatures, `req_time`, RSA padding and retry jitter are
//! deterministic in tests.

use std::fmt;
#[cfg(any(test, feature = "test-util"))]
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::Error;

/// Wall time and waiting.
#[async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// The real clock (tokio timer).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
/// A clock for tests: fixed until moved, and `sleep` only moves it (and records the wait).
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[cfg(any(test, feature = "test-util"))]
#[derive(Debug)]
struct ManualState {
    now: OffsetDateTime,
    sleeps: Vec<Duration>,
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: OffsetDateTime) -> ManualClock {
        ManualClock {
            state: Mutex::new(ManualState {
                now,
                sleeps: Vec::new(),
            }),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.now += by;
    }

    /// Every wait asked of [`Clock::sleep`], in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sleeps
            .clone()
    }
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .now
    }

    async fn sleep(&self, duration: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.now += duration;
        state.sleeps.push(duration);
    }
}

/// A source of random bytes.
pub trait RandomSource: Send + Sync + fmt::Debug {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error>;

    /// A random `u64` (0 if the source fails: used for jitter only).
    fn next_u64(&self) -> u64 {
        let mut buf = [0u8; 8];
        match self.fill(&mut buf) {
            Ok(()) => u64::from_le_bytes(buf),
            Err(_) => 0,
        }
    }
}

/// The operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(dest)
            .map_err(|e| Error::config("random", format!("the OS random source failed: {e}")))
    }
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
/// Deterministic bytes from a seed (SplitMix64). **For tests only**: not cryptographically
/// secure, so never configure it where real keys are used.
#[derive(Debug)]
pub struct DeterministicRandom {
    state: Mutex<u64>,
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl DeterministicRandom {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> DeterministicRandom {
        DeterministicRandom {
            state: Mutex::new(seed),
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
impl RandomSource for DeterministicRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for chunk in dest.chunks_mut(8) {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            for (d, s) in chunk.iter_mut().zip(z.to_le_bytes()) {
                *d = s;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_moves_only_when_told() {
        let start = time::macros::datetime!(2025-02-13 06:55:45 UTC);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.sleep(Duration::from_secs(2)).await;
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now(), start + Duration::from_secs(3));
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    }

    #[test]
    fn deterministic_random_repeats_per_seed() {
        let (a, b, c) = (
            DeterministicRandom::new(7),
            DeterministicRandom::new(7),
            DeterministicRandom::new(8),
        );
        let (mut x, mut y, mut z) = ([0u8; 20], [0u8; 20], [0u8; 20]);
        a.fill(&mut x).unwrap();
        b.fill(&mut y).unwrap();
        c.fill(&mut z).unwrap();
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_ne!(x, [0u8; 20]);
    }

    #[test]
    fn os_random_fills() {
        let mut buf = [0u8; 32];
        OsRandom.fill(&mut buf).unwrap();
        assert_ne!(buf, [0u8; 32]);
    }
}
