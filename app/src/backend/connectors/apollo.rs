//! Apollo: company enrichment by domain. `POST /api/v1/organizations/bulk_enrich` takes up
//! to ten domains a call (the key in the `x-api-key` header); each organization it finds
//! costs a credit, counted on the connector. "Enrich" on a company page enriches one at once;
//! the `apollo_enrich` job enriches every company with a domain that was never enriched or
//! was last enriched longer ago than the re-enrichment age (default 90 days), ten a call, one
//! transaction per call. The scheduler runs that job daily while Apollo is connected.

use std::{collections::HashMap, sync::Arc};

use chrono::Utc;
use serde::Deserialize;

use super::http::{self, HttpSettings, RemoteError};
use super::Failure;
use crate::backend::auth::{can, Authorized};
use crate::backend::jobs::{JobContext, JobError, JobKind};
use crate::backend::repo::{connectors as repo, synced::enrich};
use crate::backend::{AppState, Error, Result, WorkspaceId};
use crate::types::{group_thousands, Company, ConnectorKind, ConnectorState, Currency, Money};

pub const SYSTEM: &str = "Apollo";
const SOURCE: &str = "apollo";
/// Apollo's largest bulk enrichment.
pub const BATCH: usize = 10;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
    settings: HttpSettings,
}

/// One organization as Apollo describes it (the fields the workspace keeps).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Organization {
    #[serde(default)]
    pub primary_domain: Option<String>,
    #[serde(default)]
    pub website_url: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub estimated_num_employees: Option<f64>,
    #[serde(default)]
    pub annual_revenue: Option<f64>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub founded_year: Option<i32>,
    #[serde(default)]
    pub linkedin_url: Option<String>,
    #[serde(default)]
    pub short_description: Option<String>,
    #[serde(default)]
    pub technology_names: Vec<String>,
    #[serde(default)]
    pub total_funding: Option<f64>,
    #[serde(default)]
    pub latest_funding_stage: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Bulk {
    #[serde(default)]
    organizations: Vec<Option<Organization>>,
}

#[derive(Debug, Deserialize)]
struct Health {
    #[serde(default)]
    is_logged_in: bool,
}

fn message_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| body.trim().to_owned())
}

/// `https://www.acme.com/` → `acme.com`.
fn bare_domain(raw: &str) -> String {
    let s = raw.trim().to_lowercase();
    let s = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    s.split(['/', '?', '#']).next().unwrap_or("").to_owned()
}

impl Client {
    pub fn new(base: &str, key: &str, settings: &HttpSettings) -> Self {
        Self {
            http: http::client(settings),
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            settings: settings.clone(),
        }
    }

    /// Whether the key opens an account (`GET /api/v1/auth/health`).
    pub async fn check(&self) -> std::result::Result<(), RemoteError> {
        let url = format!("{}/api/v1/auth/health", self.base);
        let response = http::send(SYSTEM, &self.settings, message_of, || {
            self.http.get(&url).header("x-api-key", &self.key)
        })
        .await?;
        let health: Health = http::json(SYSTEM, response).await?;
        if health.is_logged_in {
            Ok(())
        } else {
            Err(RemoteError::BadCredentials {
                system: SYSTEM,
                message: "the API key is not valid".into(),
            })
        }
    }

    /// The organizations Apollo knows among `domains` (at most `BATCH`), by bare domain.
    pub async fn enrich(
        &self,
        domains: &[String],
    ) -> std::result::Result<HashMap<String, Organization>, RemoteError> {
        let url = format!("{}/api/v1/organizations/bulk_enrich", self.base);
        let body = serde_json::json!({ "domains": domains });
        let response = http::send(SYSTEM, &self.settings, message_of, || {
            self.http
                .post(&url)
                .header("x-api-key", &self.key)
                .json(&body)
        })
        .await?;
        let bulk: Bulk = http::json(SYSTEM, response).await?;
        Ok(bulk
            .organizations
            .into_iter()
            .flatten()
            .filter_map(|o| {
                let domain = o
                    .primary_domain
                    .clone()
                    .or_else(|| o.website_url.clone())
                    .map(|d| bare_domain(&d))?;
                Some((domain, o))
            })
            .collect())
    }
}

/// An organization as the workspace's values.
pub fn enrichment(o: &Organization) -> enrich::Enrichment {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let funding = match (text(&o.latest_funding_stage), o.total_funding) {
        (None, None) => None,
        (stage, total) => Some(
            [
                stage,
                total.map(|t| format!("{} USD raised", group_thousands(t.max(0.0) as u64))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
        ),
    };
    enrich::Enrichment {
        industry: text(&o.industry).map(|i| {
            let mut c = i.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }),
        employee_count: o
            .estimated_num_employees
            .filter(|n| n.is_finite() && *n >= 0.0 && *n <= i32::MAX as f64)
            .map(|n| n as i32),
        annual_revenue: o
            .annual_revenue
            .filter(|r| r.is_finite() && *r >= 0.0)
            .map(|r| Money::new((r * 100.0).round() as i64, Currency::USD)),
        country: o.country.as_deref().and_then(super::country_code),
        city: text(&o.city),
        founded_year: o.founded_year.filter(|y| (1600..=2100).contains(y)),
        linkedin_url: text(&o.linkedin_url).filter(|u| crate::types::parse_web_url(u).is_ok()),
        description: text(&o.short_description),
        technologies: (!o.technology_names.is_empty()).then(|| o.technology_names.join(", ")),
        funding,
    }
}

async fn client_for(state: &AppState, workspace: WorkspaceId) -> Result<(i64, Client)> {
    let row = repo::find(&state.db, workspace, ConnectorKind::Apollo)
        .await?
        .filter(|r| ConnectorState::parse(&r.state) == Some(ConnectorState::Connected))
        .ok_or_else(|| {
            Error::Conflict("connect Apollo under Settings → Integrations to enrich".into())
        })?;
    let secret = super::credential(state, &row)?;
    let settings = state.connectors();
    Ok((
        row.id,
        Client::new(&settings.apollo_url, &secret.access_token, &settings.http),
    ))
}

/// Enriches `batch` (company id, domain) in one transaction; answers (found, credits).
async fn enrich_batch(
    state: &AppState,
    workspace: WorkspaceId,
    connector_id: i64,
    client: &Client,
    batch: &[(i64, String)],
) -> std::result::Result<(u64, u64), Failure> {
    let domains: Vec<String> = batch.iter().map(|(_, d)| bare_domain(d)).collect();
    let found = client.enrich(&domains).await?;
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let mut enriched = 0;
    for ((id, _), domain) in batch.iter().zip(&domains) {
        let values = found.get(domain).map(enrichment);
        if !enrich::enrich(&txn, workspace, *id, SOURCE, values.as_ref())
            .await?
            .is_empty()
        {
            enriched += 1;
        }
    }
    let credits = found.len() as u64;
    repo::add_counts(
        &txn,
        connector_id,
        &[("credits", credits as i64), ("enriched", enriched as i64)],
    )
    .await?;
    txn.commit().await?;
    Ok((enriched, credits))
}

/// "Enrich" on a company page: that company, now.
pub async fn enrich_one(
    state: &AppState,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<Company> {
    let company = crate::backend::repo::companies::get(&state.db, auth, id).await?;
    let domain = company.domain.clone().ok_or_else(|| {
        Error::field(
            "domain",
            "enrichment looks companies up by domain: add one first",
        )
    })?;
    let (connector_id, client) = client_for(state, auth.workspace()).await?;
    enrich_batch(
        state,
        auth.workspace(),
        connector_id,
        &client,
        &[(id, domain)],
    )
    .await
    .map_err(|f| match f {
        Failure::Remote(e) => Error::from(e),
        Failure::Job(e) => Error::from(e),
    })?;
    crate::backend::repo::companies::get(&state.db, auth, id).await
}

/// The `apollo_enrich` job's input: companies enriched before this many days ago, and
/// (`include_never`) those never enriched.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EnrichJob {
    pub older_than_days: i64,
    pub include_never: bool,
}

pub struct EnrichCompanies {
    pub state: AppState,
}

/// Queues the enrichment of the workspace's stale companies, and (`include_never`) of those
/// never enriched ("Enrich companies missing data").
pub async fn start(
    state: &AppState,
    workspace: WorkspaceId,
    include_never: bool,
) -> Result<crate::backend::entity::jobs::Model> {
    client_for(state, workspace).await?;
    let job = EnrichCompanies::job(&EnrichJob {
        older_than_days: state.connectors().reenrich_days,
        include_never,
    })?
    .in_workspace(workspace);
    state.jobs().enqueue(&job).await
}

impl JobKind for EnrichCompanies {
    const NAME: &'static str = "apollo_enrich";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = EnrichJob;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: EnrichJob,
    ) -> std::result::Result<serde_json::Value, JobError> {
        let workspace = ctx
            .workspace()
            .ok_or_else(|| JobError::Permanent("an enrichment job needs a workspace".into()))?;
        let state = &self.state;
        let (connector_id, client) = match client_for(state, workspace).await {
            Ok(c) => c,
            Err(Error::Conflict(_)) => return Ok(serde_json::json!({"skipped": "not connected"})),
            Err(e) => return Err(e.into()),
        };
        let before = Utc::now() - chrono::Duration::days(input.older_than_days.max(0));
        let which = enrich::Which {
            before,
            include_never: input.include_never,
        };
        let total = enrich::count_to_enrich(&state.db, workspace, which).await?;
        ctx.step("Enriching companies", 0).await?;
        let (mut done, mut enriched, mut credits, mut after) = (0u64, 0u64, 0u64, 0i64);
        loop {
            let batch = enrich::to_enrich(&state.db, workspace, which, after, BATCH as u64).await?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            match enrich_batch(state, workspace, connector_id, &client, &batch).await {
                Ok((e, c)) => {
                    enriched += e;
                    credits += c;
                }
                Err(Failure::Remote(e)) if e.needs_person() => {
                    let what = format!("{e}. Reconnect Apollo with a valid API key.");
                    repo::set_state(
                        &state.db,
                        connector_id,
                        ConnectorState::NeedsAttention,
                        Some(&what),
                    )
                    .await?;
                    return Err(JobError::Permanent(what));
                }
                Err(Failure::Remote(e)) => return Err(Error::from(e).into()),
                Err(Failure::Job(e)) => return Err(e),
            }
            done += batch.len() as u64;
            let pct = (done * 100)
                .checked_div(total)
                .map_or(100, |p| p.min(100) as i32);
            ctx.progress(
                pct,
                &format!(
                    "{} of {} companies",
                    group_thousands(done),
                    group_thousands(total)
                ),
            )
            .await?;
        }
        repo::finish(&state.db, connector_id, Utc::now(), None).await?;
        Ok(serde_json::json!({"looked_up": done, "enriched": enriched, "credits": credits}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_becomes_the_workspaces_values() {
        let o: Organization = serde_json::from_value(serde_json::json!({
            "primary_domain": "apollo.io", "industry": "information technology & services",
            "estimated_num_employees": 1600, "annual_revenue": 100000000.0, "country": "United States",
            "city": "San Francisco", "founded_year": 2015,
            "linkedin_url": "http://www.linkedin.com/company/apolloio",
            "technology_names": ["Cloudflare DNS", "Salesforce"], "total_funding": 251200000,
            "latest_funding_stage": "Series D", "unknown_field": {"kept": false}
        }))
        .unwrap();
        let e = enrichment(&o);
        assert_eq!(
            e.industry.as_deref(),
            Some("Information technology & services")
        );
        assert_eq!(e.employee_count, Some(1600));
        assert_eq!(e.annual_revenue.map(|m| m.minor), Some(10_000_000_000));
        assert_eq!(e.country.as_deref(), Some("US"));
        assert_eq!(
            e.technologies.as_deref(),
            Some("Cloudflare DNS, Salesforce")
        );
        assert_eq!(
            e.funding.as_deref(),
            Some("Series D; 251,200,000 USD raised")
        );
        assert_eq!(bare_domain("https://www.Acme.com/about"), "acme.com");
    }
}
