//! Connectors to other systems (HubSpot first): one row per workspace and system, holding the
//! encrypted credential, the state a person sees ("needs attention: reconnect") and the sync
//! cursor; `external_links` ties a local record to its id in that system, unique per
//! workspace, system, object and external id, so a re-sync, a retried page or two syncs
//! racing update the same record instead of making another. `companies.field_sources` keeps
//! where each field's value came from (JSON: `{"industry": {"source": "hubspot", "at": …}}`);
//! `technologies` and `funding` hold what enrichment (Apollo) adds beyond the form's fields.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Connectors {
    Table,
    Id,
    WorkspaceId,
    Kind,
    SecretEnc,
    Account,
    AccountId,
    State,
    Attention,
    Cursor,
    SyncJobId,
    LastSyncAt,
    LastError,
    Counts,
    IntervalMinutes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ExternalLinks {
    Table,
    Id,
    WorkspaceId,
    Source,
    Object,
    ExternalId,
    LocalId,
    RemoteModifiedAt,
    SyncedAt,
    Conflict,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    FieldSources,
    Technologies,
    Funding,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// The systems known when this migration was written (widened by migration 17).
const CONNECTOR_KINDS: [&str; 2] = ["hubspot", "apollo"];
/// Kept in step with `app::types::ConnectorState`.
pub const CONNECTOR_STATES: [&str; 3] = ["connected", "paused", "needs_attention"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Connectors::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Connectors::Id))
                    .col(big_integer(Connectors::WorkspaceId))
                    .col(
                        string_len(Connectors::Kind, 32)
                            .check(Expr::col(Connectors::Kind).is_in(CONNECTOR_KINDS)),
                    )
                    .col(text(Connectors::SecretEnc))
                    .col(string_len(Connectors::Account, 200))
                    .col(string_len_null(Connectors::AccountId, 100))
                    .col(
                        string_len(Connectors::State, 32)
                            .check(Expr::col(Connectors::State).is_in(CONNECTOR_STATES)),
                    )
                    .col(text_null(Connectors::Attention))
                    .col(text_null(Connectors::Cursor))
                    .col(big_integer_null(Connectors::SyncJobId))
                    .col(timestamp_with_time_zone_null(Connectors::LastSyncAt))
                    .col(text_null(Connectors::LastError))
                    .col(text(Connectors::Counts).default("{}"))
                    .col(integer(Connectors::IntervalMinutes).default(15))
                    .col(big_integer_null(Connectors::CreatedBy))
                    .col(timestamp_with_time_zone(Connectors::CreatedAt))
                    .col(timestamp_with_time_zone(Connectors::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_connectors_workspace",
                        (Connectors::Table, Connectors::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_connectors_created_by",
                        (Connectors::Table, Connectors::CreatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_connectors_workspace_kind",
            Connectors::Table,
            &["workspace_id", "kind"],
            true,
        )
        .await?;
        // A webhook's question: which connectors follow this account?
        index(
            manager,
            "ix_connectors_account",
            Connectors::Table,
            &["kind", "account_id"],
            false,
        )
        .await?;
        // The scheduler's question: which connected connectors are due a sync?
        index(
            manager,
            "ix_connectors_due",
            Connectors::Table,
            &["state", "last_sync_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExternalLinks::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ExternalLinks::Id))
                    .col(big_integer(ExternalLinks::WorkspaceId))
                    .col(string_len(ExternalLinks::Source, 32))
                    .col(string_len(ExternalLinks::Object, 32))
                    .col(string_len(ExternalLinks::ExternalId, 200))
                    .col(big_integer(ExternalLinks::LocalId))
                    .col(timestamp_with_time_zone_null(
                        ExternalLinks::RemoteModifiedAt,
                    ))
                    .col(timestamp_with_time_zone(ExternalLinks::SyncedAt))
                    // Why a change made here was not sent to the other system (it changed the
                    // record too); cleared when the record is synced again.
                    .col(text_null(ExternalLinks::Conflict))
                    .foreign_key(&mut fk(
                        "fk_external_links_workspace",
                        (ExternalLinks::Table, ExternalLinks::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_external_links_key",
            ExternalLinks::Table,
            &["workspace_id", "source", "object", "external_id"],
            true,
        )
        .await?;
        // A record's links, for its page ("synced from HubSpot, id 123").
        index(
            manager,
            "ix_external_links_local",
            ExternalLinks::Table,
            &["workspace_id", "object", "local_id"],
            false,
        )
        .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Companies::Table)
                    .add_column(text_null(Companies::FieldSources))
                    .to_owned(),
            )
            .await?;
        // What enrichment adds that no form field holds: the technologies a company uses
        // ("Salesforce, AWS") and its funding ("Series B; 45,000,000 USD raised").
        for column in [Companies::Technologies, Companies::Funding] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Companies::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
