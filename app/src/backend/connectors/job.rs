//! The `connector_sync` job: one sync of one connector, resumable from its saved cursor.

use std::sync::Arc;

use super::{credential, fresh, gohighlevel, http::RemoteError, hubspot};
use crate::backend::jobs::{JobContext, JobError, JobKind};
use crate::backend::repo::connectors as repo;
use crate::backend::{AppState, Error};
use crate::types::{ConnectorKind, ConnectorState};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SyncJob {
    pub connector_id: i64,
}

pub struct SyncConnector {
    pub state: AppState,
}

impl JobKind for SyncConnector {
    const NAME: &'static str = "connector_sync";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload = SyncJob;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: SyncJob,
    ) -> Result<serde_json::Value, JobError> {
        let workspace = ctx
            .workspace()
            .ok_or_else(|| JobError::Permanent("a sync job needs a workspace".into()))?;
        let row = match repo::get(&self.state.db, workspace, input.connector_id).await {
            Ok(row) => row,
            // Disconnected since it was queued: nothing to do.
            Err(Error::NotFound(_)) => return Ok(serde_json::json!({"skipped": "disconnected"})),
            Err(e) => return Err(e.into()),
        };
        if ConnectorState::parse(&row.state) != Some(ConnectorState::Connected) {
            return Ok(serde_json::json!({"skipped": row.state}));
        }
        let secret = credential(&self.state, &row)?;
        let kind = ConnectorKind::parse(&row.kind);
        let outcome = match fresh(&self.state, workspace, &row, secret).await {
            Err(e) => Err(e),
            Ok(secret) => match kind {
                Some(ConnectorKind::Hubspot) => {
                    hubspot::sync(&self.state, &ctx, workspace, &row, &secret).await
                }
                Some(ConnectorKind::Gohighlevel) => {
                    gohighlevel::sync(&self.state, &ctx, workspace, &row, &secret).await
                }
                // Enrichment runs as `apollo_enrich`; a sync job for it has nothing to do.
                Some(ConnectorKind::Apollo) => return Ok(serde_json::json!({"skipped": "apollo"})),
                None => {
                    return Err(JobError::Permanent(format!(
                        "unknown connector {}",
                        row.kind
                    )))
                }
            },
        };
        match outcome {
            Ok(summary) => {
                repo::finish(&self.state.db, row.id, chrono::Utc::now(), None).await?;
                Ok(summary)
            }
            Err(Failure::Remote(e)) if e.needs_person() => {
                let what = match &e {
                    RemoteError::BadCredentials { .. } => format!(
                        "{e}. The token was revoked or has expired in {}: reconnect with a new one.",
                        kind.map_or("the other system", ConnectorKind::label)
                    ),
                    _ => format!("{e}. Grant the missing scope to the app, then reconnect."),
                };
                repo::set_state(
                    &self.state.db,
                    row.id,
                    ConnectorState::NeedsAttention,
                    Some(&what),
                )
                .await?;
                repo::finish(&self.state.db, row.id, chrono::Utc::now(), Some(&what)).await?;
                Err(JobError::Permanent(what))
            }
            Err(Failure::Remote(e)) => {
                repo::finish(
                    &self.state.db,
                    row.id,
                    chrono::Utc::now(),
                    Some(&e.to_string()),
                )
                .await?;
                Err(Error::from(e).into())
            }
            Err(Failure::Job(e)) => Err(e),
        }
    }
}

/// How a sync ends early: the other system said no, or the job itself stopped (a cancel, a
/// shutdown, the database).
#[derive(Debug)]
pub enum Failure {
    Remote(RemoteError),
    Job(JobError),
}

impl From<RemoteError> for Failure {
    fn from(e: RemoteError) -> Self {
        Failure::Remote(e)
    }
}

impl From<JobError> for Failure {
    fn from(e: JobError) -> Self {
        Failure::Job(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Job(e.into())
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(e: sea_orm::DbErr) -> Self {
        Failure::Job(e.into())
    }
}
