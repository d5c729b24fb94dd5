//! The report tools: the workspace's reports, one report's summary, and a report prepared
//! to start once the person confirms.

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use super::{limit, ToolError, ToolOutcome};
use super::{ListReports, ReportRef, StartReport};
use crate::backend::auth::Scope;
use crate::backend::repo;
use crate::types::ListQuery;

fn report_json(scope: &Scope, r: &crate::types::Report) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "title": r.title,
        "status": r.status,
        "created": r.created_at.date_naive(),
        "writer": r.writer,
        "link": format!("/w/{}/reports/{}", scope.workspace_slug(), r.id),
    })
}

pub(super) async fn list_reports(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: ListReports,
) -> Result<ToolOutcome, ToolError> {
    let q = ListQuery {
        per_page: Some(limit(a.limit)),
        ..Default::default()
    };
    let page = repo::reports::list(db, scope, &q).await?;
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("listed {} reports", page.total),
        result: json!({
            "total": page.total,
            "shown": page.items.len(),
            "reports": page.items.iter().map(|r| report_json(scope, r)).collect::<Vec<_>>(),
        }),
    })
}

pub(super) async fn report_summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: ReportRef,
) -> Result<ToolOutcome, ToolError> {
    let r = repo::reports::get(db, scope, a.report_id).await?;
    let mut v = report_json(scope, &r);
    v["summary"] = json!(r.summary);
    v["error"] = json!(r.error);
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("read the summary of “{}”", r.title),
        result: v,
    })
}

/// Checks the report can be started and asks the person to confirm; nothing starts here.
pub(super) async fn start_report(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: StartReport,
) -> Result<ToolOutcome, ToolError> {
    let kind = a.kind.trim().to_lowercase();
    if !matches!(kind.as_str(), "market" | "competitor" | "pipeline") {
        return Err(ToolError::Failed(
            "kind must be market, competitor or pipeline".into(),
        ));
    }
    let mut what = format!("a {kind} report");
    if kind == "competitor" {
        let id = a.company_id.ok_or_else(|| {
            ToolError::Failed(
                "a competitor report needs company_id (search_companies first)".into(),
            )
        })?;
        let c = repo::companies::get(db, scope, id).await?;
        what = format!("a competitor report for {}", c.name);
    }
    if let Some(i) = &a.industry {
        what.push_str(&format!(" ({i})"));
    }
    Ok(ToolOutcome {
        needs_confirmation: true,
        summary: format!("prepared {what}: confirm to start it"),
        result: json!({
            "status": "awaiting_confirmation",
            "message": format!("{what} is ready to start; the person must confirm it in the chat"),
        }),
    })
}
