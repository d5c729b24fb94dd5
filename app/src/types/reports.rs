//! Reports as the browser and scripts see them: what to make (`ReportInput`), and what was
//! made (`Report`, downloadable as HTML, Markdown or PDF).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A segment of companies (industry, country, size band).
    Market,
    /// One company against its competitors.
    Competitor,
    /// Deals over a period.
    Pipeline,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::Market,
        ReportKind::Competitor,
        ReportKind::Pipeline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Market => "market",
            ReportKind::Competitor => "competitor",
            ReportKind::Pipeline => "pipeline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::Market => "Market report",
            ReportKind::Competitor => "Competitor analysis",
            ReportKind::Pipeline => "Pipeline review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// What to make. `kind` is text rather than the enum so that an unknown kind is answered
/// with a field error naming the choices, not a generic decoding error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ReportInput {
    /// `market`, `competitor` or `pipeline`.
    #[serde(default)]
    pub kind: String,
    /// Defaults to a title made from the kind and its segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Market: the segment's industry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Market: the segment's country, a two-letter ISO code in either case (e.g. `DE`, `de`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Market: employee band, one of `1-10`, `11-50`, `51-200`, `201-1000`, `1001-5000`, `5001+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_band: Option<String>,
    /// Competitor: the company compared with its competitors (required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// Pipeline: which pipeline (default: the workspace's default pipeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_id: Option<i64>,
    /// First day of the period (default: depends on the kind — 365, 180 or 90 days back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day of the period, inclusive (default: today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// E-mail addresses the PDF is sent to when the report is done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliver_to: Vec<String>,
}

/// A report's lifecycle; it follows its job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 5] = [
        ReportStatus::Queued,
        ReportStatus::Running,
        ReportStatus::Succeeded,
        ReportStatus::Failed,
        ReportStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Queued => "queued",
            ReportStatus::Running => "running",
            ReportStatus::Succeeded => "succeeded",
            ReportStatus::Failed => "failed",
            ReportStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            ReportStatus::Succeeded | ReportStatus::Failed | ReportStatus::Cancelled
        )
    }
}

/// The formats a finished report is stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Html,
    Markdown,
    Pdf,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 3] = [
        ReportFormat::Html,
        ReportFormat::Markdown,
        ReportFormat::Pdf,
    ];

    /// The `format` query value of the download route.
    pub fn as_query(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "md",
            ReportFormat::Pdf => "pdf",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "html" => Some(ReportFormat::Html),
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "pdf" => Some(ReportFormat::Pdf),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportFormat::Html => "HTML",
            ReportFormat::Markdown => "Markdown",
            ReportFormat::Pdf => "PDF",
        }
    }
}

/// A report: what was asked, how far it is, and — once done — what it says in brief.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Report {
    pub id: i64,
    pub kind: ReportKind,
    pub title: String,
    pub input: ReportInput,
    pub status: ReportStatus,
    /// The job that makes it (follow its progress at `/api/jobs/{job_id}/events`).
    pub job_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// When the data it was computed from was read.
    pub data_as_of: Option<DateTime<Utc>>,
    /// Who wrote the prose: `template`, or `model:<provider>/<model>`.
    pub writer: Option<String>,
    /// A few lines of Markdown: the report's headline findings.
    pub summary: Option<String>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The formats it can be downloaded in (all three once succeeded).
    pub formats: Vec<ReportFormat>,
    /// The names of the company and pipeline its input names by id, as they are now (only
    /// on a single report, `get_report`; absent in lists and when the record is gone).
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub pipeline_name: Option<String>,
}

/// What `start_report` answers at once: the report to look at and the job making it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StartedReport {
    pub report_id: i64,
    pub job_id: i64,
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_kinds_match_the_migration() {
        let statuses: Vec<&str> = ReportStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(statuses, migrations::REPORT_STATUSES);
        let kinds: Vec<&str> = ReportKind::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(kinds, migrations::REPORT_KINDS);
    }

    #[test]
    fn formats_parse_from_their_query_names() {
        for f in ReportFormat::ALL {
            assert_eq!(ReportFormat::parse(f.as_query()), Some(f));
        }
        assert_eq!(ReportFormat::parse("docx"), None);
        assert_eq!(ReportKind::parse("weather"), None);
    }
}
