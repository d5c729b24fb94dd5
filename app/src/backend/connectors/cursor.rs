//! Where a sync stands, saved with every page it writes, and what every CRM sync shares:
//! progress in words, the pause check between pages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Failure;
use crate::backend::repo::connectors as repo;
use crate::backend::{AppState, WorkspaceId};
use crate::types::{group_thousands, ConnectorState};

/// How far behind "now" a full sync's high-water mark is set: changes made while it ran,
/// and a clock at the other system a little behind this one's, are searched again next time.
pub const MARK_MARGIN_MS: i64 = 5 * 60 * 1000;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Cursor {
    /// Per object: the last-modified instant (ms) the next incremental sync searches from.
    #[serde(default)]
    pub marks: BTreeMap<String, i64>,
    /// The sync in progress, if one was stopped midway.
    #[serde(default)]
    pub run: Option<Run>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    /// A first sync lists everything; later ones search for changes.
    pub full: bool,
    pub started_ms: i64,
    /// Index into the system's list of objects.
    pub object: usize,
    /// The system's paging token for the next page of this object (HubSpot's `after`;
    /// GoHighLevel's `searchAfter`, as JSON).
    pub after: Option<String>,
    /// The search's lower bound for this object (incremental only).
    pub since: Option<i64>,
    /// The newest change seen in this object so far.
    pub seen_max: i64,
    pub done: i64,
    pub total: i64,
}

impl Cursor {
    /// Reads a saved cursor; one that cannot be read starts over (a full sync, which
    /// deduplicates by link, so nothing doubles).
    pub fn read(saved: Option<&str>) -> Self {
        saved
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default()
    }

    /// Begins a run unless one was stopped midway: full when nothing was synced before.
    pub fn begin(&mut self) {
        if self.run.is_none() {
            self.run = Some(Run {
                full: self.marks.is_empty(),
                started_ms: chrono::Utc::now().timestamp_millis(),
                object: 0,
                after: None,
                since: None,
                seen_max: 0,
                done: 0,
                total: 0,
            });
        }
    }

    /// `run` finished `object`: its mark moves (a full sync's to when it started, less the
    /// margin; an incremental one's to the newest change seen) and the next object begins.
    pub fn finish_object(&mut self, mut run: Run, object: &str) {
        let previous = self.marks.get(object).copied().unwrap_or(0);
        let mark = if run.full {
            run.started_ms - MARK_MARGIN_MS
        } else {
            run.seen_max.max(previous)
        };
        self.marks.insert(object.into(), mark);
        run.object += 1;
        run.after = None;
        run.since = None;
        run.seen_max = 0;
        run.done = 0;
        run.total = 0;
        self.run = Some(run);
    }
}

/// How often a sync reports its progress: each report is a write (and, on PostgreSQL, a
/// commit of its own), where a page takes milliseconds.
const REPORT_EVERY: std::time::Duration = std::time::Duration::from_millis(750);

/// Says when progress is worth reporting again.
#[derive(Debug, Default)]
pub struct Pace {
    last: Option<std::time::Instant>,
}

impl Pace {
    pub fn due(&mut self) -> bool {
        let now = std::time::Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < REPORT_EVERY)
        {
            return false;
        }
        self.last = Some(now);
        true
    }
}

/// Percent done over `objects` objects synced in turn.
pub fn progress(run: &Run, objects: usize) -> i32 {
    let within = if run.total > 0 {
        (run.done as f64 / run.total as f64).min(1.0)
    } else {
        0.0
    };
    ((run.object as f64 + within) * 100.0 / objects.max(1) as f64) as i32
}

/// "2,400 of 10,000 companies" (a search that does not say how many: "2,400 companies").
pub fn progress_text(run: &Run, object: &str) -> String {
    let of_total = if run.total > 0 {
        format!(" of {}", group_thousands(run.total as u64))
    } else {
        String::new()
    };
    format!("{}{of_total} {object}", group_thousands(run.done as u64))
}

/// Whether the connector was paused (or stopped) since the sync began.
pub async fn paused(state: &AppState, workspace: WorkspaceId, id: i64) -> Result<bool, Failure> {
    let row = repo::get(&state.db, workspace, id).await?;
    Ok(ConnectorState::parse(&row.state) != Some(ConnectorState::Connected))
}

pub fn encode(cursor: &Cursor, counts: &BTreeMap<String, i64>) -> (String, String) {
    (
        serde_json::to_string(cursor).unwrap_or_else(|_| "{}".into()),
        serde_json::to_string(counts).unwrap_or_else(|_| "{}".into()),
    )
}

/// What a sync keeps between its pages: counts per object (saved with each page), what
/// it wrote, when it last reported progress, and PostgreSQL's statistics.
#[derive(Debug)]
pub struct Tally {
    pub counts: BTreeMap<String, i64>,
    totals: BTreeMap<&'static str, u64>,
    pace: Pace,
    statistics: crate::backend::repo::synced::Statistics,
}

impl Tally {
    /// Starts from the counts saved with the connector.
    pub fn new(saved: &str) -> Self {
        Self {
            counts: serde_json::from_str(saved).unwrap_or_default(),
            totals: BTreeMap::new(),
            pace: Pace::default(),
            statistics: Default::default(),
        }
    }

    /// A page of `object` (one of `objects`) was written and `cursor` follows it: counts it,
    /// keeps the statistics up and, unless the object is done, reports progress when due.
    pub async fn after_page(
        &mut self,
        state: &AppState,
        ctx: &crate::backend::jobs::JobContext,
        (cursor, object, objects): (&Cursor, &'static str, usize),
        written: crate::backend::repo::synced::Written,
        done: bool,
    ) -> Result<(), Failure> {
        self.statistics
            .after_page(&state.db, written.inserted)
            .await?;
        *self.counts.entry(object.into()).or_default() += written.inserted as i64;
        *self.totals.entry(object).or_default() += written.total();
        if done {
            return Ok(());
        }
        if let Some(run) = cursor.run.as_ref().filter(|_| self.pace.due()) {
            ctx.progress(progress(run, objects), &progress_text(run, object))
                .await?;
        }
        Ok(())
    }

    /// The sync is done: saves the cursor with what is linked now to `source` (whatever
    /// earlier syncs and matches did) and answers the job's result.
    pub async fn finish(
        self,
        state: &AppState,
        workspace: WorkspaceId,
        (connector_id, source): (i64, &str),
        mut cursor: Cursor,
        full: bool,
    ) -> Result<serde_json::Value, Failure> {
        cursor.run = None;
        let counts =
            crate::backend::repo::synced::link_counts(&state.db, workspace, source).await?;
        let (cursor, counts) = encode(&cursor, &counts);
        repo::save_progress(&state.db, connector_id, &cursor, &counts).await?;
        Ok(serde_json::json!({ "full": full, "written": self.totals }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_as_words_and_percent() {
        let run = Run {
            full: true,
            started_ms: 0,
            object: 1,
            after: None,
            since: None,
            seen_max: 0,
            done: 2_400,
            total: 10_000,
        };
        assert_eq!(progress_text(&run, "contacts"), "2,400 of 10,000 contacts");
        assert_eq!(progress(&run, 3), 41);
    }

    #[test]
    fn progress_is_reported_at_a_pace() {
        let mut pace = Pace::default();
        assert!(pace.due());
        assert!(!pace.due(), "not again at once");
    }

    #[test]
    fn a_finished_object_moves_its_mark() {
        let mut cursor = Cursor::default();
        cursor.begin();
        let mut run = cursor.run.clone().expect("begun");
        run.seen_max = 99;
        let started = run.started_ms;
        cursor.finish_object(run, "contacts");
        assert_eq!(cursor.marks["contacts"], started - MARK_MARGIN_MS);
        assert_eq!(cursor.run.as_ref().map(|r| r.object), Some(1));
    }
}
