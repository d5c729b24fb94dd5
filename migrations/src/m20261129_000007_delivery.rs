//! Recurring schedules and delivery: `schedules` (cron-timed work per workspace, e.g. "every
//! Monday 08:00, pipeline review, to these addresses"), `webhook_endpoints` (where events
//! go, with their encrypted signing secret) and `webhook_deliveries` (each attempt's outcome,
//! for the delivery log and "redeliver").

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_identity::{Users, Workspaces};
use crate::m20261123_000004_jobs::Jobs;
use crate::schema_helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Schedules {
    Table,
    Id,
    WorkspaceId,
    Name,
    Kind,
    Input,
    Cron,
    Timezone,
    Recipients,
    Enabled,
    NextRunAt,
    LastRunAt,
    LastJobId,
    LastError,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookEndpoints {
    Table,
    Id,
    WorkspaceId,
    Url,
    Description,
    EventTypes,
    SecretEnc,
    Enabled,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    WorkspaceId,
    EventType,
    EventId,
    Payload,
    Status,
    Attempts,
    ResponseCode,
    ResponseExcerpt,
    Error,
    DurationMs,
    JobId,
    RedeliveryOf,
    CreatedAt,
    LastAttemptAt,
}

/// Kept in step with `app::backend::delivery` (a test there checks the list).
pub const DELIVERY_STATUSES: [&str; 3] = ["pending", "succeeded", "failed"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Schedules::Id))
                    .col(big_integer(Schedules::WorkspaceId))
                    .col(string_len(Schedules::Name, 200))
                    .col(string_len(Schedules::Kind, 32))
                    .col(text(Schedules::Input))
                    .col(string_len(Schedules::Cron, 120))
                    .col(string_len(Schedules::Timezone, 64))
                    .col(text(Schedules::Recipients))
                    .col(boolean(Schedules::Enabled).default(true))
                    .col(timestamp_with_time_zone_null(Schedules::NextRunAt))
                    .col(timestamp_with_time_zone_null(Schedules::LastRunAt))
                    .col(big_integer_null(Schedules::LastJobId))
                    .col(text_null(Schedules::LastError))
                    .col(big_integer_null(Schedules::CreatedBy))
                    .col(timestamp_with_time_zone(Schedules::CreatedAt))
                    .col(timestamp_with_time_zone(Schedules::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_schedules_workspace",
                        (Schedules::Table, Schedules::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_schedules_created_by",
                        (Schedules::Table, Schedules::CreatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // The scheduler's question: which enabled schedules are due?
        index(
            manager,
            "ix_schedules_due",
            Schedules::Table,
            &["enabled", "next_run_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_schedules_ws",
            Schedules::Table,
            &["workspace_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .if_not_exists()
                    .col(big_pk_auto(WebhookEndpoints::Id))
                    .col(big_integer(WebhookEndpoints::WorkspaceId))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len(WebhookEndpoints::Description, 200))
                    .col(text(WebhookEndpoints::EventTypes))
                    .col(text(WebhookEndpoints::SecretEnc))
                    .col(boolean(WebhookEndpoints::Enabled).default(true))
                    .col(big_integer_null(WebhookEndpoints::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_webhook_endpoints_workspace",
                        (WebhookEndpoints::Table, WebhookEndpoints::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_webhook_endpoints_created_by",
                        (WebhookEndpoints::Table, WebhookEndpoints::CreatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_webhook_endpoints_ws",
            WebhookEndpoints::Table,
            &["workspace_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(WebhookDeliveries::Id))
                    .col(big_integer(WebhookDeliveries::EndpointId))
                    .col(big_integer(WebhookDeliveries::WorkspaceId))
                    .col(string_len(WebhookDeliveries::EventType, 64))
                    .col(string_len(WebhookDeliveries::EventId, 64))
                    .col(text(WebhookDeliveries::Payload))
                    .col(
                        string_len(WebhookDeliveries::Status, 16).check(
                            Expr::col(WebhookDeliveries::Status)
                                .is_in(DELIVERY_STATUSES.iter().copied()),
                        ),
                    )
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(integer_null(WebhookDeliveries::ResponseCode))
                    .col(text_null(WebhookDeliveries::ResponseExcerpt))
                    .col(text_null(WebhookDeliveries::Error))
                    .col(integer_null(WebhookDeliveries::DurationMs))
                    .col(big_integer_null(WebhookDeliveries::JobId))
                    .col(big_integer_null(WebhookDeliveries::RedeliveryOf))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LastAttemptAt,
                    ))
                    .foreign_key(&mut fk(
                        "fk_webhook_deliveries_endpoint",
                        (WebhookDeliveries::Table, WebhookDeliveries::EndpointId),
                        (WebhookEndpoints::Table, WebhookEndpoints::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_webhook_deliveries_workspace",
                        (WebhookDeliveries::Table, WebhookDeliveries::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_webhook_deliveries_job",
                        (WebhookDeliveries::Table, WebhookDeliveries::JobId),
                        (Jobs::Table, Jobs::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_webhook_deliveries_endpoint",
            WebhookDeliveries::Table,
            &["endpoint_id", "created_at"],
            false,
        )
        .await
    }
}
