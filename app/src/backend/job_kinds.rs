//! Every kind of background work this build runs, registered with the queue in one place.
//! A kind lives in the module that owns its domain; the queue (`backend::jobs`) knows it
//! only through the `JobKind` trait, so no domain module is imported by the queue.

use crate::backend::ai::insights::{FindInsights, InsightsSweep};
use crate::backend::connectors::{apollo::EnrichCompanies, PushDeal, SyncConnector};
use crate::backend::delivery::{webhooks::DeliverWebhook, SendEmail};
use crate::backend::import::RunImport;
use crate::backend::jobs::{
    diagnostic::{Noop, Pause},
    JobKind, Registry,
};
use crate::backend::reports::MakeReport;
use crate::backend::schedules::RunSchedule;
use crate::backend::AppState;

/// The handlers of every kind, and what happens when a job fails for good: a job of a
/// workspace is announced as a `job.failed` webhook (except webhook deliveries themselves,
/// which would otherwise announce their own failure to the endpoint that is failing).
pub fn registry(state: &AppState) -> Registry {
    Registry::default()
        .kind(Noop)
        .kind(Pause)
        .kind(MakeReport {
            state: state.clone(),
        })
        .kind(SendEmail {
            state: state.clone(),
        })
        .kind(DeliverWebhook {
            state: state.clone(),
            settings: std::sync::Arc::new(state.delivery().webhooks.clone()),
        })
        .kind(RunSchedule {
            state: state.clone(),
        })
        .kind(RunImport {
            state: state.clone(),
        })
        .kind(FindInsights {
            state: state.clone(),
        })
        .kind(InsightsSweep {
            state: state.clone(),
        })
        .kind(SyncConnector {
            state: state.clone(),
        })
        .kind(PushDeal {
            state: state.clone(),
        })
        .kind(EnrichCompanies {
            state: state.clone(),
        })
        .on_failed({
            let state = state.clone();
            move |job| announce_failure(state.clone(), job)
        })
}

async fn announce_failure(state: AppState, job: crate::backend::entity::jobs::Model) {
    let Some(workspace_id) = crate::backend::jobs::workspace_of(&job) else {
        return;
    };
    if job.kind == DeliverWebhook::NAME {
        return;
    }
    let data = serde_json::json!({
        "job_id": job.id,
        "kind": job.kind,
        "attempts": job.attempts,
        "error": job.last_error,
    });
    if let Err(e) =
        crate::backend::delivery::webhooks::emit(&state, workspace_id, "job.failed", data, None)
            .await
    {
        tracing::warn!(error = %e, job = job.id, "announcing a failed job");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kind names are stored in `jobs.kind`: renaming one strands the jobs already queued.
    #[test]
    fn kind_names_are_the_stored_ones() {
        assert_eq!(
            [
                Noop::NAME,
                Pause::NAME,
                MakeReport::NAME,
                SendEmail::NAME,
                DeliverWebhook::NAME,
                RunSchedule::NAME,
                RunImport::NAME,
                FindInsights::NAME,
                InsightsSweep::NAME,
                SyncConnector::NAME,
                PushDeal::NAME,
                EnrichCompanies::NAME,
            ],
            [
                "noop",
                "pause",
                "report",
                "email_delivery",
                "webhook_delivery",
                "scheduled_run",
                "import",
                "ai_insights",
                "ai_insights_sweep",
                "connector_sync",
                "connector_push",
                "apollo_enrich",
            ]
        );
    }
}
