//! The tools: the only way a model reaches workspace data. Each is typed (its arguments are a
//! struct whose JSON Schema the model sees), read-only, scoped to the caller's Scope, and
//! answers compact JSON with record ids and links the answer can cite. They call the
//! repositories — no tool takes SQL.
//!
//! Here: the errors and outcome every tool shares, the dispatch (`call`) and the JSON helpers;
//! `definitions` holds each tool's arguments and schema, the other modules the tools by area.

mod companies;
mod deals;
mod definitions;
mod market;
mod reports;

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::backend::auth::Scope;
use crate::backend::Error;
use crate::types::{Deal, Money};

pub use definitions::{
    definitions, CompanyRef, ListDeals, ListReports, MetricTrend, PipelineSummary, RecentSignals,
    ReportRef, SearchCompanies, StartReport,
};

const MAX_LIMIT: u64 = 25;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ToolError {
    #[error("there is no tool named `{0}`")]
    Unknown(String),
    #[error("the arguments are not valid for `{tool}`: {reason}")]
    BadArguments { tool: String, reason: String },
    #[error("{0}")]
    Failed(String),
}

impl From<Error> for ToolError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(what) => ToolError::Failed(format!("{what} not found")),
            Error::Validation(fields) => ToolError::Failed(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Error::BadRequest(m) | Error::Forbidden(m) | Error::Conflict(m) => ToolError::Failed(m),
            other => {
                tracing::error!(error = %other, "tool failed");
                ToolError::Failed("the lookup failed on the server".into())
            }
        }
    }
}

/// What a tool answered: the JSON the model reads, and one line for the person.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolOutcome {
    pub result: Value,
    pub summary: String,
    /// The call waits for the person to confirm it in the chat (`start_report`).
    pub needs_confirmation: bool,
}

/// Runs `name` with the model's `arguments` (raw JSON text) as `scope`.
pub async fn call(
    db: &impl ConnectionTrait,
    scope: &Scope,
    name: &str,
    arguments: &str,
) -> Result<ToolOutcome, ToolError> {
    match name {
        "search_companies" => companies::search_companies(db, scope, parse(name, arguments)?).await,
        "company_overview" => companies::company_overview(db, scope, parse(name, arguments)?).await,
        "list_deals" => deals::list_deals(db, scope, parse(name, arguments)?).await,
        "pipeline_summary" => deals::pipeline_summary(db, scope, parse(name, arguments)?).await,
        "competitor_comparison" => {
            companies::competitor_comparison(db, scope, parse(name, arguments)?).await
        }
        "metric_trend" => market::metric_trend(db, scope, parse(name, arguments)?).await,
        "recent_signals" => market::recent_signals(db, scope, parse(name, arguments)?).await,
        "list_reports" => reports::list_reports(db, scope, parse(name, arguments)?).await,
        "report_summary" => reports::report_summary(db, scope, parse(name, arguments)?).await,
        "start_report" => reports::start_report(db, scope, parse(name, arguments)?).await,
        other => Err(ToolError::Unknown(other.to_owned())),
    }
}

fn parse<T: serde::de::DeserializeOwned>(tool: &str, arguments: &str) -> Result<T, ToolError> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    serde_json::from_str(text).map_err(|e| ToolError::BadArguments {
        tool: tool.to_owned(),
        reason: e.to_string(),
    })
}

fn limit(l: Option<u64>) -> u64 {
    l.unwrap_or(10).clamp(1, MAX_LIMIT)
}

fn money(list: &[Money]) -> Value {
    match list {
        [] => json!("0"),
        [one] => json!(one.format()),
        many => json!(many.iter().map(Money::format).collect::<Vec<_>>()),
    }
}

/// Sentiment rounded to two decimals, as people read it.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn company_link(scope: &Scope, id: i64) -> String {
    format!("/w/{}/companies/{id}", scope.workspace_slug())
}

fn deal_json(scope: &Scope, d: &Deal, now: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "company": d.company_name,
        "company_id": d.company_id,
        "company_link": d.company_id.map(|c| company_link(scope, c)),
        "stage": d.stage_name,
        "status": d.stage_kind.as_str(),
        "amount": d.amount.format(),
        "probability": d.probability,
        "expected_close": d.expected_close,
        "owner": d.owner_name,
        "days_in_stage": (now - d.stage_entered_at).num_days(),
        "link": format!("/w/{}/deals/{}/edit", scope.workspace_slug(), d.id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_arguments_are_reported_not_guessed() {
        let e = parse::<CompanyRef>("company_overview", "{\"company_id\": ").unwrap_err();
        assert!(matches!(e, ToolError::BadArguments { .. }));
        let e = parse::<CompanyRef>("company_overview", "{}").unwrap_err();
        assert!(e.to_string().contains("company_id"));
        assert!(parse::<PipelineSummary>("pipeline_summary", "").is_ok());
    }
}
