//! Changes made here, sent back: a synced deal moved, won, lost or re-valued in Hyperformant
//! updates its HubSpot deal (stage, amount, close date) in a `connector_push` job. If HubSpot
//! changed the deal since it was last synced, nothing is sent: the conflict is kept on the
//! deal's link (shown with the deal), and the next sync brings HubSpot's values.

use std::sync::Arc;

use super::{credential, http::RemoteError, hubspot};
use crate::backend::entity::deals;
use crate::backend::jobs::{JobContext, JobError, JobKind};
use crate::backend::repo::{connectors as repo, synced};
use crate::backend::{AppState, Error, Result, WorkspaceId};
use crate::types::{ConnectorKind, ConnectorState, Currency};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PushJob {
    pub deal_id: i64,
}

pub struct PushDeal {
    pub state: AppState,
}

/// After a deal changed here: queues sending it back, if it is linked to a connected system.
pub async fn deal_changed(state: &AppState, workspace: WorkspaceId, deal_id: i64) -> Result<bool> {
    let Some(row) = repo::find(&state.db, workspace, ConnectorKind::Hubspot).await? else {
        return Ok(false);
    };
    if ConnectorState::parse(&row.state) != Some(ConnectorState::Connected) {
        return Ok(false);
    }
    let linked = synced::link_of(
        &state.db,
        workspace,
        ConnectorKind::Hubspot.as_str(),
        synced::Object::Deal,
        deal_id,
    )
    .await?;
    if linked.is_none() {
        return Ok(false);
    }
    state
        .jobs()
        .enqueue(&PushDeal::job(&PushJob { deal_id })?.in_workspace(workspace))
        .await?;
    Ok(true)
}

/// Decimal text of `minor` units in `currency` ("12000.50").
fn decimal(minor: i64, currency: Currency) -> String {
    let exp = currency.exponent();
    if exp == 0 {
        return minor.to_string();
    }
    let unit = 10_i64.pow(exp);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / unit as u64,
        abs % unit as u64,
        width = exp as usize
    )
}

impl JobKind for PushDeal {
    const NAME: &'static str = "connector_push";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = PushJob;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: PushJob,
    ) -> std::result::Result<serde_json::Value, JobError> {
        let workspace = ctx
            .workspace()
            .ok_or_else(|| JobError::Permanent("a push job needs a workspace".into()))?;
        push(&self.state, workspace, input.deal_id)
            .await
            .map_err(|e| match e {
                Error::BadRequest(_) | Error::NotFound(_) => JobError::Permanent(e.to_string()),
                other => other.into(),
            })
    }
}

async fn push(state: &AppState, workspace: WorkspaceId, deal_id: i64) -> Result<serde_json::Value> {
    let source = ConnectorKind::Hubspot.as_str();
    let Some(row) = repo::find(&state.db, workspace, ConnectorKind::Hubspot).await? else {
        return Ok(serde_json::json!({"skipped": "not connected"}));
    };
    if ConnectorState::parse(&row.state) != Some(ConnectorState::Connected) {
        return Ok(serde_json::json!({"skipped": row.state}));
    }
    let Some(link) =
        synced::link_of(&state.db, workspace, source, synced::Object::Deal, deal_id).await?
    else {
        return Ok(serde_json::json!({"skipped": "not linked"}));
    };
    let deal = crate::backend::repo::deals::find(&state.db, workspace, deal_id).await?;
    let stage = synced::link_of(
        &state.db,
        workspace,
        source,
        synced::Object::Stage,
        deal.stage_id,
    )
    .await?;
    let secret = credential(state, &row)?;
    let secret = match super::fresh(state, workspace, &row, secret).await {
        Ok(s) => s,
        Err(super::Failure::Remote(e)) => return Err(remote_error(e)),
        Err(super::Failure::Job(e)) => return Err(e.into()),
    };
    let settings = state.connectors();
    let client = hubspot::Client::new(&settings.hubspot_url, &secret.access_token, &settings.http);
    let remote = client
        .object("deals", &link.external_id, &["hs_lastmodifieddate"])
        .await
        .map_err(remote_error)?;
    let remote_at = hubspot::modified(&remote);
    if let (Some(remote_at), Some(known)) = (remote_at, link.remote_modified_at) {
        if remote_at > known {
            let why = format!(
                "HubSpot changed this deal at {} since it was last synced, so this change was \
                 not sent; the next sync brings HubSpot's values",
                remote_at.format("%Y-%m-%d %H:%M UTC")
            );
            synced::mark_pushed(&state.db, link.id, None, Some(&why)).await?;
            return Ok(serde_json::json!({"conflict": why}));
        }
    }
    let properties = hubspot_properties(&deal, stage.as_ref().map(|s| s.external_id.as_str()));
    let updated = client
        .update("deals", &link.external_id, &properties)
        .await
        .map_err(remote_error)?;
    synced::mark_pushed(&state.db, link.id, hubspot::modified(&updated), None).await?;
    Ok(serde_json::json!({"sent": properties}))
}

fn remote_error(e: RemoteError) -> Error {
    e.into()
}

/// The HubSpot properties of what can change here: stage (and its pipeline), amount and
/// close date.
fn hubspot_properties(deal: &deals::Model, stage_ref: Option<&str>) -> serde_json::Value {
    let currency = Currency::parse(&deal.currency).unwrap_or(Currency::USD);
    let mut p = serde_json::json!({
        "amount": decimal(deal.amount_minor, currency),
        "deal_currency_code": currency.as_str(),
    });
    if let Some((pipeline, stage)) = stage_ref.and_then(|r| r.split_once(':')) {
        p["pipeline"] = serde_json::json!(pipeline);
        p["dealstage"] = serde_json::json!(stage);
    }
    if let Some(close) = deal.expected_close {
        p["closedate"] = serde_json::json!(close.format("%Y-%m-%d").to_string());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_go_back_as_decimal_text() {
        assert_eq!(decimal(1_200_050, Currency::EUR), "12000.50");
        assert_eq!(decimal(5, Currency::USD), "0.05");
        assert_eq!(decimal(500, Currency::parse("JPY").unwrap()), "500");
    }
}
