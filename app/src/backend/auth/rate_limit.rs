//! Sign-in rate limits (governor, GCRA): per client IP and per account. Both must allow an
//! attempt; a refusal says how long to wait. The state is per process — several processes
//! each enforce the limit, which bounds a guessing attack by (processes × limit).
//!
//! API request limits (`ApiLimits`): per API token and per browser session, the same
//! GCRA limiter with its own quota (`API_RATE_LIMIT_PER_MINUTE`).

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

/// Requests per minute under `/api/` for each caller: each API token, and each browser
/// session, counts on its own (a token is keyed by its id, a session by its id, so two
/// scripts with two tokens of one person each get the full budget).
///
/// Sessions get the same quota as tokens: one knob is simpler to reason about, and a
/// person clicking through the app (a handful of calls per page) stays far below anything
/// that would be a sensible limit for a script. Requests without a caller are not counted
/// here: they can only reach the few public endpoints, and sign-in has its own limits.
/// `per_minute == 0` turns the limit off (benchmarks).
#[derive(Clone)]
pub struct ApiLimits {
    limiter: Option<KeyedLimiter>,
    /// Calls since the last prune of idle keys.
    calls: Arc<std::sync::atomic::AtomicU64>,
}

/// Idle keys are forgotten every this many calls, so memory stays bounded by the callers
/// active in the last minute rather than every token ever seen.
const PRUNE_EVERY: u64 = 4096;

impl ApiLimits {
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            limiter: (per_minute > 0).then(|| KeyedLimiter::per_minute(per_minute)),
            calls: Arc::default(),
        }
    }

    /// Counts one request by `principal`; Err(wait, at least a second) when over the quota.
    pub fn check(&self, principal: &super::Principal) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let n = self
            .calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.prune();
        }
        let key = match principal.via {
            super::Via::Token { token_id, .. } => format!("token:{token_id}"),
            super::Via::Session { session_id } => format!("session:{session_id}"),
        };
        limiter
            .check(&key)
            .map_err(|wait| wait.max(Duration::from_secs(1)))
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

    fn caller(via: crate::backend::auth::Via) -> crate::backend::auth::Principal {
        crate::backend::auth::Principal {
            user_id: 1,
            email: "ada@example.com".into(),
            name: "Ada".into(),
            via,
        }
    }

    #[test]
    fn api_limits_count_each_token_and_session_apart() {
        use crate::backend::auth::Via;
        let l = ApiLimits::per_minute(2);
        let token = caller(Via::Token {
            token_id: 7,
            workspace_id: 1,
        });
        let other_token = caller(Via::Token {
            token_id: 8,
            workspace_id: 1,
        });
        // The same number as a token id, but a session: another key.
        let session = caller(Via::Session { session_id: 7 });
        assert!(l.check(&token).is_ok());
        assert!(l.check(&token).is_ok());
        let wait = l.check(&token).unwrap_err();
        assert!(wait >= Duration::from_secs(1), "{wait:?}");
        assert!(l.check(&other_token).is_ok());
        assert!(l.check(&session).is_ok());
    }

    #[test]
    fn a_zero_api_limit_is_off() {
        use crate::backend::auth::Via;
        let l = ApiLimits::per_minute(0);
        let token = caller(Via::Token {
            token_id: 1,
            workspace_id: 1,
        });
        for _ in 0..1000 {
            assert!(l.check(&token).is_ok());
        }
    }

    #[test]
    fn account_limit_applies_across_ips() {
        let l = SignInLimits::new(100, 2);
        assert!(l.check(Some("1.1.1.1"), "ada@example.com").is_ok());
        assert!(l.check(Some("2.2.2.2"), "ADA@example.com").is_ok());
        assert!(l.check(Some("3.3.3.3"), "ada@example.com").is_err());
    }
}
