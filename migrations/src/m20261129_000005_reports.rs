//! Reports: one row per requested report (market, competitor, pipeline) with its input, the
//! job that makes it, and — once written — its outputs (HTML, Markdown, PDF) stored beside it,
//! so a download never recomputes and a later data change never alters a delivered report.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_identity::{Users, Workspaces};
use crate::m20261123_000004_jobs::Jobs;
use crate::schema_helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Reports {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Title,
    Input,
    Status,
    JobId,
    CreatedBy,
    CreatedAt,
    FinishedAt,
    DataAsOf,
    Writer,
    Summary,
    Html,
    Markdown,
    Pdf,
    Error,
}

/// Kept in step with `app::types::ReportStatus` (a test there checks the list).
pub const REPORT_STATUSES: [&str; 5] = ["queued", "running", "succeeded", "failed", "cancelled"];
pub const REPORT_KINDS: [&str; 3] = ["market", "competitor", "pipeline"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Reports::Id))
                    .col(big_integer(Reports::WorkspaceId))
                    .col(
                        string_len(Reports::Kind, 16)
                            .check(Expr::col(Reports::Kind).is_in(REPORT_KINDS.iter().copied())),
                    )
                    .col(string_len(Reports::Title, 200))
                    .col(text(Reports::Input))
                    .col(
                        string_len(Reports::Status, 16).check(
                            Expr::col(Reports::Status).is_in(REPORT_STATUSES.iter().copied()),
                        ),
                    )
                    .col(big_integer_null(Reports::JobId))
                    .col(big_integer_null(Reports::CreatedBy))
                    .col(timestamp_with_time_zone(Reports::CreatedAt))
                    .col(timestamp_with_time_zone_null(Reports::FinishedAt))
                    .col(timestamp_with_time_zone_null(Reports::DataAsOf))
                    .col(string_len_null(Reports::Writer, 200))
                    .col(text_null(Reports::Summary))
                    .col(text_null(Reports::Html))
                    .col(text_null(Reports::Markdown))
                    .col(blob_null(Reports::Pdf))
                    .col(text_null(Reports::Error))
                    .foreign_key(&mut fk(
                        "fk_reports_workspace",
                        (Reports::Table, Reports::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_reports_job",
                        (Reports::Table, Reports::JobId),
                        (Jobs::Table, Jobs::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_reports_created_by",
                        (Reports::Table, Reports::CreatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // The list: newest first, optionally of one kind or status.
        index(
            manager,
            "ix_reports_ws_created",
            Reports::Table,
            &["workspace_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_reports_ws_kind",
            Reports::Table,
            &["workspace_id", "kind", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_reports_ws_status",
            Reports::Table,
            &["workspace_id", "status", "created_at"],
            false,
        )
        .await
    }
}
