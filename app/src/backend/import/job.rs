//! Imports in the background: the `import` job, for files too large to wait for.

use std::sync::Arc;

use super::{find, remember_options, run};
use crate::backend::auth::{can, Authorized};
use crate::backend::jobs::{JobContext, JobError, JobKind};
use crate::backend::{Error, Result};
use crate::types::ImportOptions;

/// The `import` job's input: which upload, with which options, started by whom.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ImportJob {
    pub import_id: i64,
    pub user_id: i64,
    pub options: ImportOptions,
}

/// The `import` job: one upload written in the background, as the member who started it.
pub struct RunImport {
    pub state: crate::backend::AppState,
}

impl JobKind for RunImport {
    const NAME: &'static str = "import";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = ImportJob;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: ImportJob,
    ) -> std::result::Result<serde_json::Value, JobError> {
        run_job(&self.state, ctx, input).await
    }
}

/// Queues the import to run in the background (large files; the page follows its
/// progress). Checks what can be checked now: the upload exists, is not imported yet.
pub async fn start(
    state: &crate::backend::AppState,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    options: &ImportOptions,
) -> Result<crate::backend::entity::jobs::Model> {
    let (row, _) = find(&state.db, auth, id).await?;
    if row.status == "imported" {
        return Err(Error::Conflict(
            "this file has already been imported; upload it again to import it again".into(),
        ));
    }
    remember_options(&state.db, id, options).await?;
    let payload = ImportJob {
        import_id: id,
        user_id: auth.user_id(),
        options: options.clone(),
    };
    state
        .jobs()
        .enqueue(&RunImport::job(&payload)?.in_workspace(auth.workspace()))
        .await
}

/// One attempt of the `import` job. A cancel or a shutdown met between its steps ends it as
/// such (the latter hands the job back); see `JobError`'s `From<Error>` for the rest.
async fn run_job(
    state: &crate::backend::AppState,
    ctx: Arc<JobContext>,
    input: ImportJob,
) -> std::result::Result<serde_json::Value, JobError> {
    let workspace_id = ctx
        .job
        .workspace_id
        .ok_or_else(|| JobError::Permanent("an import job needs a workspace".into()))?;
    let scope = crate::backend::auth::scope_for_job(&state.db, input.user_id, workspace_id).await?;
    let auth = scope.authorize::<can::Write>()?;
    let outcome = run(
        &state.db,
        &auth,
        input.import_id,
        &input.options,
        Some(&ctx),
    )
    .await?;
    if outcome.imported {
        ctx.log(&format!(
            "{} added, {} updated, {} skipped",
            outcome.inserted, outcome.updated, outcome.skipped
        ))
        .await?;
        use crate::backend::events::{Event, Topic};
        state
            .events()
            .publish(Event::new(
                Some(workspace_id),
                Topic::Data {
                    entity: "imports".into(),
                },
            ))
            .await;
        let event = serde_json::json!({
            "import_id": input.import_id, "inserted": outcome.inserted,
            "updated": outcome.updated, "skipped": outcome.skipped,
        });
        if let Err(e) = crate::backend::delivery::webhooks::emit(
            state,
            scope.workspace(),
            "import.completed",
            event,
            None,
        )
        .await
        {
            tracing::warn!(error = %e, "queueing import webhooks");
        }
    } else {
        ctx.log(&format!(
            "{} invalid rows: nothing was written",
            outcome.check.invalid
        ))
        .await?;
    }
    serde_json::to_value(&outcome).map_err(|e| JobError::Failed(e.to_string()))
}
