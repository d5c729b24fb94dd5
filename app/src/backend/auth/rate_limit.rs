//! Sign-in rate limits (governor, GCRA): per client IP and per account. Both must allow an
//! attempt; a refusal says how long to wait. The state is per process — several processes
//! each enforce the limit, which bounds a guessing attack by (processes × limit).

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

#[derive(Clone)]
pub struct KeyedLimiter {
    inner: Arc<DefaultKeyedRateLimiter<String>>,
}

impl KeyedLimiter {
    /// `per_minute` attempts, all of which may come at once, refilling evenly over a minute.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("max(1) is non-zero");
        Self {
            inner: Arc::new(RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Counts one attempt for `key`; Err(wait) when the key is over its limit.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        match self.inner.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let now = governor::clock::DefaultClock::default().now();
                Err(not_until.wait_time_from(now))
            }
        }
    }

    /// Forgets keys that are back to full capacity (call now and then to bound memory).
    pub fn prune(&self) {
        self.inner.retain_recent();
    }
}

#[derive(Clone)]
pub struct SignInLimits {
    pub per_ip: KeyedLimiter,
    pub per_account: KeyedLimiter,
}

impl SignInLimits {
    pub fn new(per_ip_per_minute: u32, per_account_per_minute: u32) -> Self {
        Self {
            per_ip: KeyedLimiter::per_minute(per_ip_per_minute),
            per_account: KeyedLimiter::per_minute(per_account_per_minute),
        }
    }

    /// Counts an attempt against both limits; the longer wait wins.
    pub fn check(&self, ip: Option<&str>, account: &str) -> Result<(), Duration> {
        let ip_wait = self.per_ip.check(ip.unwrap_or("unknown")).err();
        let account_wait = self.per_account.check(&account.to_lowercase()).err();
        match ip_wait.into_iter().chain(account_wait).max() {
            Some(wait) => Err(wait.max(Duration::from_secs(1))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_independently() {
        let l = KeyedLimiter::per_minute(3);
        for _ in 0..3 {
            assert!(l.check("a").is_ok());
        }
        let wait = l.check("a").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(l.check("b").is_ok(), "another key is unaffected");
    }

    #[test]
    fn account_limit_applies_across_ips() {
        let l = SignInLimits::new(100, 2);
        assert!(l.check(Some("1.1.1.1"), "ada@example.com").is_ok());
        assert!(l.check(Some("2.2.2.2"), "ADA@example.com").is_ok());
        assert!(l.check(Some("3.3.3.3"), "ada@example.com").is_err());
    }
}
