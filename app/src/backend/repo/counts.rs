//! Remembered list totals. The capped count is most of what a list page costs the database
//! (on PostgreSQL with 100k companies, 0.35–0.43 ms of a 0.5 ms execution: an index-only scan
//! of up to a thousand entries, while the fifty-row page itself takes 0.1 ms), and it is the
//! same for every sort and reader of one filter (at one page depth: the count stops a thousand
//! rows past the page) until the workspace's data changes.
//!
//! A total is kept per (workspace, the count's SQL and values) and is forgotten when:
//! - the workspace's data changes in this process (`api::changed`, right after the commit, so
//!   whoever made the change sees the new total on their next page),
//! - the event bus reports a change from another process (`spawn_invalidator`; PostgreSQL
//!   carries events across processes),
//! - it is `TTL` old: SQLite has no cross-process bus, so a `server seed` or a worker process
//!   writing to the same file shows in totals within that time (the rows themselves are read
//!   fresh on every request).
//!
//! Each workspace has a generation, bumped by every invalidation (which also drops the
//! workspace's totals); a count is kept only if the generation read before its query ran is
//! still current when it finishes, so a count computed across a concurrent commit is never kept.
//!
//! Only lists whose every write announces itself on the bus use it (companies, contacts, deals,
//! activities, metrics, signals); jobs, reports, audit entries and deliveries change from
//! places that publish other topics or nothing, and always count afresh.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a total is trusted without any announced change.
pub const TTL: Duration = Duration::from_secs(15);

/// Past this many remembered totals, stale ones are swept (and if none were stale, all go),
/// so a script walking through thousands of distinct filters cannot grow memory without end.
const MAX_ENTRIES: usize = 20_000;

#[derive(Default)]
pub struct CountCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by `clear`, for the workspaces not seen yet as much as for the others.
    epoch: u64,
    workspaces: HashMap<i64, Workspace>,
    len: usize,
}

#[derive(Default)]
struct Workspace {
    generation: u64,
    totals: HashMap<String, Total>,
}

struct Total {
    at: Instant,
    n: i64,
}

/// When a count was started; see `CountCache::store`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generation {
    epoch: u64,
    workspace: u64,
}

impl Inner {
    fn generation(&self, workspace_id: i64) -> Generation {
        Generation {
            epoch: self.epoch,
            workspace: self
                .workspaces
                .get(&workspace_id)
                .map_or(0, |w| w.generation),
        }
    }
}

impl CountCache {
    /// The workspace's current generation: read it before counting and hand it to `store`.
    pub fn generation(&self, workspace_id: i64) -> Option<Generation> {
        self.inner.lock().ok().map(|i| i.generation(workspace_id))
    }

    /// The remembered total for `key` in the workspace, if it is still true.
    pub fn get(&self, workspace_id: i64, key: &str) -> Option<i64> {
        let inner = self.inner.lock().ok()?;
        let total = inner.workspaces.get(&workspace_id)?.totals.get(key)?;
        (total.at.elapsed() < TTL).then_some(total.n)
    }

    /// Remembers `n` for `key`, unless the workspace changed since `generation` was read.
    pub fn store(&self, workspace_id: i64, key: String, generation: Generation, n: i64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.generation(workspace_id) != generation {
            return;
        }
        if inner.len >= MAX_ENTRIES {
            let mut len = 0;
            for w in inner.workspaces.values_mut() {
                w.totals.retain(|_, t| t.at.elapsed() < TTL);
                len += w.totals.len();
            }
            if len >= MAX_ENTRIES {
                inner.workspaces.values_mut().for_each(|w| w.totals.clear());
                len = 0;
            }
            inner.len = len;
        }
        let totals = &mut inner.workspaces.entry(workspace_id).or_default().totals;
        let added = totals
            .insert(
                key,
                Total {
                    at: Instant::now(),
                    n,
                },
            )
            .is_none();
        inner.len += usize::from(added);
    }

    /// The workspace's data changed: none of its totals may be served again.
    pub fn invalidate(&self, workspace_id: i64) {
        if let Ok(mut inner) = self.inner.lock() {
            let w = inner.workspaces.entry(workspace_id).or_default();
            w.generation += 1;
            let dropped = std::mem::take(&mut w.totals).len();
            inner.len -= dropped;
        }
    }

    /// Changes may have been missed (the bus lagged): forget every total.
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.epoch += 1;
            inner.workspaces.values_mut().for_each(|w| w.totals.clear());
            inner.len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_is_served_until_its_workspace_changes() {
        let cache = CountCache::default();
        let g = cache.generation(1).unwrap();
        cache.store(1, "q".into(), g, 42);
        cache.store(2, "q".into(), cache.generation(2).unwrap(), 7);
        assert_eq!(cache.get(1, "q"), Some(42));
        assert_eq!(cache.get(1, "other"), None);
        cache.invalidate(1);
        assert_eq!(cache.get(1, "q"), None);
        assert_eq!(cache.get(2, "q"), Some(7), "other workspaces keep theirs");
    }

    #[test]
    fn a_count_that_ran_across_a_change_is_not_kept() {
        let cache = CountCache::default();
        let before = cache.generation(1).unwrap();
        cache.invalidate(1);
        cache.store(1, "q".into(), before, 42);
        assert_eq!(cache.get(1, "q"), None);

        // The same for a workspace the cache had never seen, when everything is cleared.
        let before = cache.generation(9).unwrap();
        cache.clear();
        cache.store(9, "q".into(), before, 42);
        assert_eq!(cache.get(9, "q"), None);
        cache.store(9, "q".into(), cache.generation(9).unwrap(), 43);
        assert_eq!(cache.get(9, "q"), Some(43));
    }

    #[test]
    fn memory_stays_bounded() {
        let cache = CountCache::default();
        for i in 0..(MAX_ENTRIES + 10) {
            let g = cache.generation(1).unwrap();
            cache.store(1, format!("q{i}"), g, 1);
        }
        let inner = cache.inner.lock().unwrap();
        let held: usize = inner.workspaces.values().map(|w| w.totals.len()).sum();
        assert_eq!(held, inner.len);
        assert!(held <= MAX_ENTRIES, "{held}");
    }
}
