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

    pub fn token(&self, token_hash: &str) -> Option<(api_tokens::Model, users::Model)> {
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

    pub fn session(&self, token_hash: &str) -> Option<(sessions::Model, users::Model)> {
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
    pub fn ai_settings(&self, workspace_id: i64) -> Option<Option<ai_settings::Model>> {
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

    pub fn membership(&self, user_id: i64, slug: &str) -> Option<Membership> {
        fresh(&self.memberships, &(user_id, slug.to_owned()))
    }

    pub fn store_membership(&self, ticket: Ticket, user_id: i64, value: Membership) {
        let key = (user_id, value.slug.clone());
        self.store(&self.memberships, ticket, key, value);
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
            },
        );
    }
}

fn fresh<K, Q, V>(map: &Mutex<HashMap<K, Entry<V>>>, key: &Q) -> Option<V>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
    V: Clone,
{
    let map = map.lock().ok()?;
    map.get(key)
        .filter(|e| e.at.elapsed() < TTL)
        .map(|e| e.value.clone())
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
            cache.membership(7, "acme").map(|m| m.role),
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
}
