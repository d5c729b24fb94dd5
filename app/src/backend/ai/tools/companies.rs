//! The company tools: search, one company's overview, and a company against its competitors.

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use super::{company_link, deal_json, limit, money, round2, ToolError, ToolOutcome, MAX_LIMIT};
use super::{CompanyRef, SearchCompanies};
use crate::backend::auth::Scope;
use crate::backend::{repo, Error};
use crate::types::ListQuery;

pub(super) async fn search_companies(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: SearchCompanies,
) -> Result<ToolOutcome, ToolError> {
    let mut q = ListQuery {
        search: a.query.clone().filter(|s| !s.trim().is_empty()),
        per_page: Some(limit(a.limit)),
        ..Default::default()
    };
    if let Some(i) = a.industry {
        q.filters.insert("industry".into(), i);
    }
    if let Some(c) = a.country {
        q.filters.insert("country".into(), c);
    }
    let page = repo::companies::list(db, scope, &q, None).await?;
    let companies: Vec<Value> = page
        .items
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "name": c.name, "domain": c.domain, "industry": c.industry,
                "country": c.country, "employees": c.employee_count,
                "link": company_link(scope, c.id),
            })
        })
        .collect();
    let what = a
        .query
        .map(|q| format!(" matching “{q}”"))
        .unwrap_or_default();
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("found {} companies{what}", page.total),
        result: json!({"total": page.total, "companies": companies}),
    })
}

pub(super) async fn company_overview(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: CompanyRef,
) -> Result<ToolOutcome, ToolError> {
    let s = repo::companies::summary(db, scope, a.company_id).await?;
    let now = chrono::Utc::now();
    let c = &s.company;
    let competitors = |list: &[crate::types::Competitor]| -> Vec<Value> {
        list.iter()
            .map(|x| {
                json!({"id": x.competitor_id, "name": x.competitor_name,
                       "threat": x.threat_level.as_str(), "link": company_link(scope, x.competitor_id)})
            })
            .collect()
    };
    let metrics: Vec<Value> = s
        .metrics
        .iter()
        .filter_map(|m| {
            let (at, v) = m.points.last()?;
            Some(json!({"metric": m.metric, "unit": m.unit, "latest": v, "observed": at.date_naive()}))
        })
        .collect();
    let result = json!({
        "id": c.id,
        "name": c.name,
        "link": company_link(scope, c.id),
        "domain": c.domain,
        "industry": c.industry,
        "country": c.country,
        "city": c.city,
        "employees": c.employee_count,
        "annual_revenue": c.annual_revenue.map(|m| m.format()),
        "open_deals": s.open_deals,
        "open_pipeline": money(&s.open_pipeline),
        "won_total": money(&s.won_total),
        "competitors": competitors(&s.competitors),
        "competitor_of": competitors(&s.competitor_of),
        "average_sentiment": s.average_sentiment.map(round2),
        "latest_signals": s.latest_signals.iter().take(5).map(|x| json!({
            "id": x.id, "title": x.title, "sentiment": round2(x.sentiment),
            "published": x.published_at.date_naive(),
        })).collect::<Vec<_>>(),
        "metrics": metrics,
        "deals": s.deals.iter().take(10).map(|d| deal_json(scope, d, now)).collect::<Vec<_>>(),
    });
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!("looked up {}", c.name),
        result,
    })
}

pub(super) async fn competitor_comparison(
    db: &impl ConnectionTrait,
    scope: &Scope,
    a: CompanyRef,
) -> Result<ToolOutcome, ToolError> {
    let company = repo::companies::get(db, scope, a.company_id).await?;
    let competitors = repo::competitors::of_company(db, scope, a.company_id).await?;
    let ws = scope.workspace();
    let profile = |id: i64| async move {
        let signals = repo::signals::latest_for_company(db, ws, id, 20).await?;
        let (open, pipeline, _) = repo::deals::totals_for_company(db, ws, id).await?;
        let avg = (!signals.is_empty()).then(|| {
            round2(signals.iter().map(|s| s.sentiment).sum::<f64>() / signals.len() as f64)
        });
        Ok::<_, Error>(json!({
            "signals": signals.len(),
            "average_sentiment": avg,
            "open_deals": open,
            "open_pipeline": money(&pipeline),
        }))
    };
    let mut rows = vec![];
    for c in competitors.iter().take(MAX_LIMIT as usize) {
        let mut p = profile(c.competitor_id).await?;
        p["id"] = json!(c.competitor_id);
        p["name"] = json!(c.competitor_name);
        p["threat"] = json!(c.threat_level.as_str());
        p["link"] = json!(company_link(scope, c.competitor_id));
        rows.push(p);
    }
    let mut me = profile(company.id).await?;
    me["id"] = json!(company.id);
    me["name"] = json!(company.name);
    me["link"] = json!(company_link(scope, company.id));
    Ok(ToolOutcome {
        needs_confirmation: false,
        summary: format!(
            "compared {} with {} competitors",
            company.name,
            competitors.len()
        ),
        result: json!({"company": me, "count": rows.len(), "competitors": rows}),
    })
}
