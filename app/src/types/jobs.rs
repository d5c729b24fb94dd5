//! Background jobs as the browser and scripts see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A job of the workspace: what it is, where it is, how it went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Job {
    pub id: i64,
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    /// 0–100.
    pub progress: i32,
    /// The step it is on (or ended on).
    pub step: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub cancel_requested: bool,
    /// The input it was started with.
    pub payload: serde_json::Value,
    /// What it produced, once succeeded (e.g. `{"report_id": 7}`).
    pub result: Option<serde_json::Value>,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Job {
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "succeeded" | "failed" | "cancelled")
    }

    /// Milliseconds from start to finish (or to `now` while running).
    pub fn duration_ms(&self, now: DateTime<Utc>) -> Option<i64> {
        let start = self.started_at?;
        Some(
            (self.finished_at.unwrap_or(now) - start)
                .num_milliseconds()
                .max(0),
        )
    }

    /// A person's name for the kind: "market_report" → "Market report".
    pub fn kind_label(&self) -> String {
        let mut s = self.kind.replace('_', " ");
        if let Some(first) = s.get(0..1) {
            let upper = first.to_uppercase();
            s.replace_range(0..1, &upper);
        }
        s
    }
}

/// One thing a job reported, in order: a step starting, a log line, progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct JobEvent {
    /// Increasing; SSE streams use it as the event id (`Last-Event-ID` resumes after it).
    pub id: i64,
    /// `step`, `log` or `progress`.
    pub kind: String,
    pub message: String,
    pub progress: Option<i32>,
    pub at: DateTime<Utc>,
}

/// A job with everything it reported so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct JobDetail {
    pub job: Job,
    pub events: Vec<JobEvent>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_labels_read_as_words() {
        let job = Job {
            id: 1,
            kind: "market_report".into(),
            status: "queued".into(),
            progress: 0,
            step: None,
            attempts: 0,
            max_attempts: 5,
            last_error: None,
            cancel_requested: false,
            payload: serde_json::Value::Null,
            result: None,
            run_at: Utc::now(),
            created_at: Utc::now(),
            started_at: None,
            finished_at: None,
        };
        assert_eq!(job.kind_label(), "Market report");
        assert!(!job.is_finished());
        assert_eq!(job.duration_ms(Utc::now()), None);
    }
}
