//! The dashboard's figures: KPIs against the previous period and the charts' series, each
//! from one grouped SQL query (the database does the counting; Rust only folds at most a
//! year of daily rows into chart buckets). Deal figures read `deal_totals`, daily sums the
//! database keeps up to date with triggers, so periods are whole UTC days.
//!
//! Results are cached per (workspace, query) for a short while and dropped as soon as the
//! workspace's data changes (the event bus says so — across processes on PostgreSQL), so a
//! team looking at the same dashboard costs one computation, and a moved deal shows at once.
//!
//! Here: the cache, [`get`] and the invalidator; `period` parses the period and cuts it into
//! chart buckets, `queries` holds the SQL, `compute` assembles KPIs and charts from its rows.

mod compute;
mod period;
mod queries;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;

use crate::backend::auth::Scope;
use crate::backend::events::Topic;
use crate::backend::{AppState, Result};
use crate::types::{Dashboard, DashboardQuery};

pub use compute::compute;
pub use period::Period;

const TTL: Duration = Duration::from_secs(60);
const TOP_COMPETITORS: usize = 5;
const SENTIMENT_WINDOW_DAYS: i64 = 30;

/// One dashboard: computed once by whichever request asked first; every request that asks
/// while it is being computed waits for that result instead of starting its own (after a
/// write, 64 open dashboards would otherwise run 64 copies of the same seconds-long queries).
type Slot<T> = Arc<tokio::sync::OnceCell<Arc<T>>>;

struct Entry<T> {
    /// When last asked for (entries nobody asks for are dropped after `TTL`).
    asked: Instant,
    /// The clock minute `slot` is computed for: relative periods move with the clock.
    minute: i64,
    slot: Slot<T>,
    /// The last finished answer of an earlier minute, served while `slot` computes: the data
    /// has not changed (a change drops the whole entry), only the clock has moved on.
    earlier: Option<Arc<T>>,
}

/// What a request does for a dashboard.
enum Lookup<T> {
    /// Wait for this slot (already computed, or being computed by someone else).
    Wait(Slot<T>),
    /// Answer with this one now; the caller starts computing `Slot` for the new minute.
    Refresh(Arc<T>, Slot<T>),
    /// Answer with this one now; the new minute's answer is already being computed.
    Earlier(Arc<T>),
}

/// Recently computed dashboards, dropped per workspace when its data changes.
///
/// A slot is in the map before its computation starts, so a change that arrives while it runs
/// drops it: the answer still reaches the requests already waiting for it, but no later one.
/// When only the minute changes, the previous answer keeps being served until the new one is
/// ready: one request computes it in the background and nobody waits seconds for a figure
/// that can only have moved by a minute's worth of period.
pub struct Cache<T = Dashboard> {
    entries: Mutex<HashMap<(i64, String), Entry<T>>>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
        }
    }
}

impl<T> Cache<T> {
    fn lookup(&self, key: (i64, String), minute: i64) -> Lookup<T> {
        let Ok(mut entries) = self.entries.lock() else {
            return Lookup::Wait(Slot::default());
        };
        let now = Instant::now();
        if let Some(e) = entries.get_mut(&key) {
            e.asked = now;
            if e.minute == minute {
                return match (e.slot.initialized(), &e.earlier) {
                    (false, Some(earlier)) => Lookup::Earlier(earlier.clone()),
                    _ => Lookup::Wait(e.slot.clone()),
                };
            }
            let finished = e.slot.get().cloned().or_else(|| e.earlier.take());
            e.minute = minute;
            e.slot = Slot::default();
            e.earlier = finished.clone();
            return match finished {
                Some(v) => Lookup::Refresh(v, e.slot.clone()),
                None => Lookup::Wait(e.slot.clone()),
            };
        }
        entries.retain(|_, e| e.asked.elapsed() < TTL);
        let slot = Slot::<T>::default();
        entries.insert(
            key,
            Entry {
                asked: now,
                minute,
                slot: slot.clone(),
                earlier: None,
            },
        );
        Lookup::Wait(slot)
    }

    /// Forgets everything computed (or being computed) for `workspace_id`.
    pub fn invalidate(&self, workspace_id: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(ws, _), _| *ws != workspace_id);
        }
    }
}

/// Drops cached dashboards and list totals of a workspace whenever the bus reports a change
/// of its data (from this process or, on PostgreSQL, any other).
pub fn spawn_invalidator(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let mut events = state.events().subscribe();
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(e) => {
                    if let (Some(ws), Topic::Data { .. } | Topic::Derived { .. }) =
                        (e.workspace_id, &e.topic)
                    {
                        state.dashboards().invalidate(ws);
                        state.list_counts().invalidate(ws);
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    if let Ok(mut entries) = state.dashboards().entries.lock() {
                        entries.clear();
                    }
                    state.list_counts().clear();
                }
                Err(RecvError::Closed) => return,
            }
        }
    })
}

/// The dashboard for `scope`'s workspace — from the cache when it is fresh.
pub async fn get(state: &AppState, scope: &Scope, q: &DashboardQuery) -> Result<Arc<Dashboard>> {
    let period = Period::parse(q, Utc::now())?;
    let key = (
        scope.workspace_id(),
        format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}",
            q.days, q.from, q.to, q.owner, q.pipeline
        ),
    );
    let ws = scope.workspace();
    let minute = Utc::now().timestamp() / 60;
    match state.dashboards().lookup(key, minute) {
        Lookup::Earlier(d) => Ok(d),
        Lookup::Refresh(d, slot) => {
            let (state, q) = (state.clone(), q.clone());
            tokio::spawn(async move {
                let fresh = slot
                    .get_or_try_init(|| async {
                        compute(&state.db, ws, &q, period).await.map(Arc::new)
                    })
                    .await;
                if let Err(e) = fresh {
                    tracing::warn!(workspace_id = ws.get(), error = %e, "dashboard refresh failed");
                }
            });
            Ok(d)
        }
        // A failed computation leaves the slot empty: the next request tries again.
        Lookup::Wait(slot) => Ok(slot
            .get_or_try_init(|| async { compute(&state.db, ws, q, period).await.map(Arc::new) })
            .await?
            .clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Error;

    fn waits<T>(l: Lookup<T>) -> Slot<T> {
        match l {
            Lookup::Wait(slot) => slot,
            _ => panic!("expected to wait for a computation"),
        }
    }

    #[tokio::test]
    async fn concurrent_askers_share_one_computation_and_a_change_drops_it() {
        let cache = Cache::<u8>::default();
        let key = || (7, "q".to_owned());
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (release, wait) = tokio::sync::watch::channel(false);
        let compute = || {
            let mut wait = wait.clone();
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = wait.wait_for(|go| *go).await;
                Ok::<_, Error>(Arc::new(1u8))
            }
        };
        let (a, b) = (waits(cache.lookup(key(), 1)), waits(cache.lookup(key(), 1)));
        // The workspace changes while the first computation runs.
        let first = tokio::spawn({
            let a = a.clone();
            let compute = compute();
            async move { a.get_or_try_init(|| compute).await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        cache.invalidate(7);
        let _ = release.send(true);
        b.get_or_try_init(compute).await.unwrap();
        first.await.unwrap().unwrap();
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(Arc::ptr_eq(&a, &b));
        // Asked again after the change: a new slot, computed afresh, and no earlier answer.
        let c = waits(cache.lookup(key(), 1));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(c.get().is_none());
        let other = waits(cache.lookup((8, "q".into()), 1));
        assert!(Arc::ptr_eq(
            &other,
            &waits(cache.lookup((8, "q".into()), 1))
        ));
    }

    #[test]
    fn a_new_minute_serves_the_last_answer_while_one_request_refreshes_it() {
        let cache = Cache::<u8>::default();
        let key = || (7, "q".to_owned());
        waits(cache.lookup(key(), 1)).set(Arc::new(1)).unwrap();
        // The first request of minute 2 answers with minute 1's figures and computes anew.
        let Lookup::Refresh(old, fresh) = cache.lookup(key(), 2) else {
            panic!("expected a refresh");
        };
        assert_eq!(*old, 1);
        // Others asking meanwhile get the same answer without waiting or computing.
        assert!(matches!(cache.lookup(key(), 2), Lookup::Earlier(v) if *v == 1));
        fresh.set(Arc::new(2)).unwrap();
        assert_eq!(waits(cache.lookup(key(), 2)).get().map(|v| **v), Some(2));
        // A data change leaves nothing earlier to serve: the next request waits.
        cache.invalidate(7);
        assert!(waits(cache.lookup(key(), 3)).get().is_none());
    }
}
