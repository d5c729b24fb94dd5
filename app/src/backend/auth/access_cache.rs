//! Credentials and memberships checked in the last few seconds, so a script calling the API
//! in a loop does not cost two lookups for its token and one for its membership before every
//! query of its own (at 64 concurrent callers those lookups were a third of a list request's
//! database round trips, and all of a cached dashboard's). Browser sessions are kept the same
//! way: a question to the AI analyst and the opening of its answer's stream each looked the
//! cookie's session and user up again, two of the statements before the first token. A
//! workspace's AI provider settings (its provider's credentials) are kept here too, cleared
//! when an admin saves them.
//!
//! Only successes are kept: an unknown token or a missing membership is asked of the
//! database every time. Anything that takes access away (revoking a token, signing out,
//! changing a role, removing a member, leaving) or changes the AI settings calls
//! `AppState::access_changed`: `AccessCache::clear` in this process, and
//! `Topic::AccessChanged`, which clears every other process's cache too (PostgreSQL
//! LISTEN/NOTIFY). A lookup that began before a clear does not store its possibly stale answer
//! (the generation check), and every entry expires after `TTL` whatever happens — the bound on
//! how long a change made outside the API (a database edit by hand) takes to apply.
//!
//! An entry in use is read again before it expires: the first lookup that finds it older than
//! `RENEW_AFTER` is answered from it all the same and starts the read in the background
//! (`renew`). Before, whichever request came first after an entry's expiry read it in line —
//! at one question every fifth of a second, the AI analyst's slowest first tokens were
//! exactly those, one every ten seconds (`cargo bench -p server --bench ai_gateway` with
//! `BENCH_TAIL=1`).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use crate::backend::entity::{ai_settings, api_tokens, sessions, users};
use crate::types::Role;

pub const TTL: Duration = Duration::from_secs(10);
/// Past this age an entry is still answered from, and read again in the background once.
pub const RENEW_AFTER: Duration = Duration::from_secs(5);
/// Beyond this many entries a map is emptied rather than grown (a bound on memory, not a
/// limit anyone reaches in normal use).
const MAX_ENTRIES: usize = 10_000;

/// A workspace as a membership check sees it.
#[derive(Clone, Debug)]
pub struct Membership {
    pub workspace_id: i64,
    pub slug: String,
    pub name: String,
    pub role: Role,
}

struct Entry<T> {
    at: Instant,
    value: T,
    /// A lookup was told to read it again (`Kept::renew`); the next ones are not.
    renewing: bool,
}

/// A kept answer, and whether this lookup is the one to read it again in the background
/// (`renew`): it is older than `RENEW_AFTER` and no other lookup was told so.
#[derive(Debug)]
pub struct Kept<V> {
    pub value: V,
    pub renew: bool,
}

/// Runs a lookup's database read in the background to renew its kept answer (the read stores
/// what it finds, under its own ticket). A failure is only logged: the entry expires at `TTL`
/// and the next lookup reads in line and reports it.
pub fn renew<T, F>(read: F)
where
    F: std::future::Future<Output = crate::backend::Result<T>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = read.await {
            tracing::warn!(error = %e, "renewing a kept credential");
        }
    });
}

/// See the module documentation.
#[derive(Default)]
pub struct AccessCache {
    generation: AtomicU64,
    /// Keyed by the token's hash (the raw token is never kept).
    tokens: Mutex<HashMap<String, Entry<(api_tokens::Model, users::Model)>>>,
    /// Keyed by the session cookie's hash, like tokens.
    sessions: Mutex<HashMap<String, Entry<(sessions::Model, users::Model)>>>,
    /// Keyed by workspace id; None when the workspace uses the server's settings.
    ai_settings: Mutex<HashMap<i64, Entry<Option<ai_settings::Model>>>>,
    /// Keyed by (user id, workspace slug).
    memberships: Mutex<HashMap<(i64, String), Entry<Membership>>>,
}

/// Taken before a database lookup; `store` only keeps the answer if nothing was cleared since.
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

impl AccessCache {
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    pub fn token(&self, token_hash: &str) -> Option<Kept<(api_tokens::Model, users::Model)>> {
        fresh(&self.tokens, token_hash)
    }

    pub fn store_token(
        &self,
        ticket: Ticket,
        token_hash: String,
        value: (api_tokens::Model, users::Model),
    ) {
        self.store(&self.tokens, ticket, token_hash, value);
    }

    pub fn session(&self, token_hash: &str) -> Option<Kept<(sessions::Model, users::Model)>> {
        fresh(&self.sessions, token_hash)
    }

    pub fn store_session(
        &self,
        ticket: Ticket,
        token_hash: String,
        value: (sessions::Model, users::Model),
    ) {
        self.store(&self.sessions, ticket, token_hash, value);
    }

    /// `Some(None)`: known to use the server's settings.
    pub fn ai_settings(&self, workspace_id: i64) -> Option<Kept<Option<ai_settings::Model>>> {
        fresh(&self.ai_settings, &workspace_id)
    }

    pub fn store_ai_settings(
        &self,
        ticket: Ticket,
        workspace_id: i64,
        value: Option<ai_settings::Model>,
    ) {
        self.store(&self.ai_settings, ticket, workspace_id, value);
    }

    pub fn membership(&self, user_id: i64, slug: &str) -> Option<Kept<Membership>> {
        fresh(&self.memberships, &(user_id, slug.to_owned()))
    }

    pub fn store_membership(&self, ticket: Ticket, user_id: i64, value: Membership) {
        let key = (user_id, value.slug.clone());
        self.store(&self.memberships, ticket, key, value);
    }

    /// Moves every entry's reading `by` into the past: for tests, which cannot wait out
    /// `RENEW_AFTER` and `TTL`.
    #[doc(hidden)]
    pub fn age(&self, by: Duration) {
        fn older<K, V>(map: &Mutex<HashMap<K, Entry<V>>>, by: Duration) {
            if let Ok(mut map) = map.lock() {
                for e in map.values_mut() {
                    e.at = e.at.checked_sub(by).unwrap_or(e.at);
                }
            }
        }
        older(&self.tokens, by);
        older(&self.sessions, by);
        older(&self.ai_settings, by);
        older(&self.memberships, by);
    }

    /// Forgets everything: access was taken away somewhere.
    pub fn clear(&self) {
        // Bumped before emptying, so a lookup racing with this cannot store after it.
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut t) = self.tokens.lock() {
            t.clear();
        }
        if let Ok(mut t) = self.sessions.lock() {
            t.clear();
        }
        if let Ok(mut t) = self.ai_settings.lock() {
            t.clear();
        }
        if let Ok(mut m) = self.memberships.lock() {
            m.clear();
        }
    }

    fn store<K: std::hash::Hash + Eq, V>(
        &self,
        map: &Mutex<HashMap<K, Entry<V>>>,
        ticket: Ticket,
        key: K,
        value: V,
    ) {
        let Ok(mut map) = map.lock() else {
            return;
        };
        // Checked under the lock: `clear` bumps the generation before it takes this lock.
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(
            key,
            Entry {
                at: Instant::now(),
                value,
                renewing: false,
            },
        );
    }
}

fn fresh<K, Q, V>(map: &Mutex<HashMap<K, Entry<V>>>, key: &Q) -> Option<Kept<V>>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
    V: Clone,
{
    let mut map = map.lock().ok()?;
    let entry = map.get_mut(key)?;
    let age = entry.at.elapsed();
    if age >= TTL {
        return None;
    }
    let renew = age >= RENEW_AFTER && !std::mem::replace(&mut entry.renewing, true);
    Some(Kept {
        value: entry.value.clone(),
        renew,
    })
}

/// Clears this process's cache whenever any process announces `Topic::AccessChanged` (and
/// when the bus lagged, so an announcement may have been missed).
pub fn spawn_invalidator(state: &crate::backend::AppState) -> tokio::task::JoinHandle<()> {
    use crate::backend::events::Topic;
    use tokio::sync::broadcast::error::RecvError;
    let state = state.clone();
    let mut events = state.events().subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(e) if e.topic == Topic::AccessChanged => state.access().clear(),
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => state.access().clear(),
                Err(RecvError::Closed) => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(slug: &str) -> Membership {
        Membership {
            workspace_id: 1,
            slug: slug.into(),
            name: "Acme".into(),
            role: Role::Member,
        }
    }

    #[test]
    fn stores_and_answers_within_the_ttl() {
        let cache = AccessCache::default();
        assert!(cache.membership(7, "acme").is_none());
        cache.store_membership(cache.ticket(), 7, member("acme"));
        assert_eq!(
            cache.membership(7, "acme").map(|m| m.value.role),
            Some(Role::Member)
        );
        assert!(cache.membership(8, "acme").is_none(), "per user");
        assert!(cache.membership(7, "other").is_none(), "per workspace");
    }

    #[test]
    fn clear_forgets_and_refuses_answers_looked_up_before_it() {
        let cache = AccessCache::default();
        cache.store_membership(cache.ticket(), 7, member("acme"));
        let before = cache.ticket();
        cache.clear();
        assert!(cache.membership(7, "acme").is_none());
        cache.store_membership(before, 7, member("acme"));
        assert!(
            cache.membership(7, "acme").is_none(),
            "a lookup that raced with the clear is not kept"
        );
        cache.store_membership(cache.ticket(), 7, member("acme"));
        assert!(cache.membership(7, "acme").is_some());
    }

    #[test]
    fn an_entry_past_renew_after_tells_one_lookup_to_read_it_again() {
        let cache = AccessCache::default();
        cache.store_membership(cache.ticket(), 7, member("acme"));
        assert!(!cache.membership(7, "acme").unwrap().renew, "young");
        cache.age(RENEW_AFTER);
        let first = cache.membership(7, "acme").unwrap();
        assert!(first.renew, "the first to find it old renews it");
        assert_eq!(first.value.slug, "acme", "and is answered from it");
        assert!(!cache.membership(7, "acme").unwrap().renew, "only one does");
        // The renewing read stores a new entry, which is young again.
        cache.store_membership(cache.ticket(), 7, member("acme"));
        assert!(!cache.membership(7, "acme").unwrap().renew);
        cache.age(RENEW_AFTER);
        assert!(cache.membership(7, "acme").unwrap().renew);
        // Not renewed in time (the read failed): gone at the TTL, read in line.
        cache.age(TTL - RENEW_AFTER);
        assert!(cache.membership(7, "acme").is_none());
    }
}
