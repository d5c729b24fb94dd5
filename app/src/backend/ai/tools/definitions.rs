//! The tools as the model sees them: each tool's arguments (a struct whose JSON Schema the
//! model reads), its name and its description.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::backend::ai::provider::{ToolDef, ToolSet};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchCompanies {
    /// Part of a company's name or domain.
    #[serde(default)]
    pub query: Option<String>,
    /// Exact industry, e.g. "Software".
    #[serde(default)]
    pub industry: Option<String>,
    /// Two-letter country code, e.g. "DE".
    #[serde(default)]
    pub country: Option<String>,
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct CompanyRef {
    /// The company's id (from search_companies).
    pub company_id: i64,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListDeals {
    /// `open`, `won` or `lost`.
    #[serde(default)]
    pub status: Option<String>,
    /// A stage name, e.g. "Negotiation".
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Smallest amount in currency units, e.g. "50000".
    #[serde(default)]
    pub min_amount: Option<String>,
    /// Part of the deal's name.
    #[serde(default)]
    pub search: Option<String>,
    /// `amount` (largest first, the default), `close` (soonest first) or `updated`.
    #[serde(default)]
    pub sort: Option<String>,
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PipelineSummary {
    /// A pipeline id; the default pipeline when left out.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MetricTrend {
    /// The metric's name, e.g. "market_share" or "web_traffic".
    pub metric: String,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub segment: Option<String>,
    /// Only points on or after this date (YYYY-MM-DD).
    #[serde(default)]
    pub since: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct RecentSignals {
    #[serde(default)]
    pub company_id: Option<i64>,
    /// `positive`, `neutral` or `negative`.
    #[serde(default)]
    pub tone: Option<String>,
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListReports {
    /// At most 25 (default 10).
    #[serde(default)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReportRef {
    /// The report's id (from list_reports).
    pub report_id: i64,
}

/// A report to start once the person confirms.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StartReport {
    /// `market`, `competitor` or `pipeline`.
    pub kind: String,
    /// Market: the segment's industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// Market: the segment's country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Competitor: the company to compare with its competitors (required there).
    #[serde(default)]
    pub company_id: Option<i64>,
    /// Pipeline: which pipeline (default: the default pipeline).
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

fn schema<T: JsonSchema>() -> Value {
    let mut v = schemars::schema_for!(T).to_value();
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
        o.entry("properties").or_insert_with(|| json!({}));
    }
    v
}

/// Every tool, as the model sees it. Made once: generating the argument schemas took a
/// good part of a millisecond, and every turn of every answer sends them.
pub fn definitions() -> &'static ToolSet {
    static DEFINITIONS: std::sync::OnceLock<ToolSet> = std::sync::OnceLock::new();
    DEFINITIONS.get_or_init(|| ToolSet::new(build_definitions()))
}

fn build_definitions() -> Vec<ToolDef> {
    vec![
        ToolDef {
            name: "search_companies",
            description: "Find companies by name or domain, industry or country. Answers ids, names and links.",
            parameters: schema::<SearchCompanies>(),
        },
        ToolDef {
            name: "company_overview",
            description: "One company: profile, open pipeline, won revenue, competitors, recent signals with sentiment, latest metrics, its deals.",
            parameters: schema::<CompanyRef>(),
        },
        ToolDef {
            name: "list_deals",
            description: "Deals filtered by status (open/won/lost), stage name, company, owner, minimum amount or name; sorted by amount, close date or last change.",
            parameters: schema::<ListDeals>(),
        },
        ToolDef {
            name: "pipeline_summary",
            description: "The pipeline by stage: deal count, total and weighted value per stage, open/won/lost totals and win rate.",
            parameters: schema::<PipelineSummary>(),
        },
        ToolDef {
            name: "competitor_comparison",
            description: "A company against its competitors: threat level, open deals and average signal sentiment of each.",
            parameters: schema::<CompanyRef>(),
        },
        ToolDef {
            name: "metric_trend",
            description: "A market metric over time (for a company or segment): the points, first, last, change and range.",
            parameters: schema::<MetricTrend>(),
        },
        ToolDef {
            name: "list_reports",
            description: "The workspace's reports, newest first: kind, title, status, who wrote the prose, link.",
            parameters: schema::<ListReports>(),
        },
        ToolDef {
            name: "report_summary",
            description: "One report's headline findings (a few lines of Markdown), status and link.",
            parameters: schema::<ReportRef>(),
        },
        ToolDef {
            name: "start_report",
            description: "Prepares a market, competitor or pipeline report. It starts only after the person confirms in the chat; tell them to confirm.",
            parameters: schema::<StartReport>(),
        },
        ToolDef {
            name: "recent_signals",
            description: "Recent news, social and review signals (optionally for one company or one tone), with sentiment from -1 to 1.",
            parameters: schema::<RecentSignals>(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_an_object_schema() {
        for t in &definitions().defs {
            assert_eq!(t.parameters["type"], "object", "{}", t.name);
            assert!(t.parameters.get("$schema").is_none());
        }
    }
}
