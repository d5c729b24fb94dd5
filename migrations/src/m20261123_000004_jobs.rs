//! The durable job queue: `jobs` (one row per unit of background work, claimed by workers
//! under a lease) and `job_events` (what a job reported, in order, for live progress).

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_helpers::{fk, index};

use crate::m20261123_000001_identity::Workspaces;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Jobs {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Payload,
    Status,
    Priority,
    RunAt,
    Attempts,
    MaxAttempts,
    LeaseOwner,
    LeaseExpiresAt,
    Progress,
    Step,
    LastError,
    Result,
    CancelRequested,
    CreatedAt,
    StartedAt,
    FinishedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum JobEvents {
    Table,
    Id,
    JobId,
    Kind,
    Message,
    Progress,
    CreatedAt,
}

/// Kept in step with `app::backend::jobs::JobStatus` (a test there checks the list).
pub const JOB_STATUSES: [&str; 5] = ["queued", "running", "succeeded", "failed", "cancelled"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Jobs::Id))
                    .col(big_integer_null(Jobs::WorkspaceId))
                    .col(string_len(Jobs::Kind, 64))
                    .col(text(Jobs::Payload))
                    .col(
                        string_len(Jobs::Status, 16)
                            .check(Expr::col(Jobs::Status).is_in(JOB_STATUSES.iter().copied())),
                    )
                    .col(integer(Jobs::Priority).default(0))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(integer(Jobs::Attempts).default(0))
                    .col(integer(Jobs::MaxAttempts))
                    .col(string_len_null(Jobs::LeaseOwner, 128))
                    .col(timestamp_with_time_zone_null(Jobs::LeaseExpiresAt))
                    .col(integer(Jobs::Progress).default(0))
                    .col(string_len_null(Jobs::Step, 200))
                    .col(text_null(Jobs::LastError))
                    .col(text_null(Jobs::Result))
                    .col(boolean(Jobs::CancelRequested).default(false))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::StartedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_jobs_workspace",
                        (Jobs::Table, Jobs::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Claiming: the due queued jobs, best first.
        index(
            manager,
            "ix_jobs_claim",
            Jobs::Table,
            &["status", "run_at"],
            false,
        )
        .await?;
        // Reclaiming: running jobs whose lease ran out.
        index(
            manager,
            "ix_jobs_lease",
            Jobs::Table,
            &["status", "lease_expires_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_jobs_ws_created",
            Jobs::Table,
            &["workspace_id", "created_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(JobEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(JobEvents::Id))
                    .col(big_integer(JobEvents::JobId))
                    .col(string_len(JobEvents::Kind, 32))
                    .col(text(JobEvents::Message))
                    .col(integer_null(JobEvents::Progress))
                    .col(timestamp_with_time_zone(JobEvents::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_job_events_job",
                        (JobEvents::Table, JobEvents::JobId),
                        (Jobs::Table, Jobs::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_job_events_job",
            JobEvents::Table,
            &["job_id", "id"],
            false,
        )
        .await
    }
}
