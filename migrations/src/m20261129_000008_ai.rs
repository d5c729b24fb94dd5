//! The AI analyst: `ai_conversations` and `ai_messages` (chat history per user, with the tool
//! calls each answer made and the tokens it used), `ai_settings` (the model provider of a
//! workspace, its key encrypted at rest), `ai_cache` (responses for report sections and
//! insights, keyed by model and prompt hash), `ai_usage` (tokens per user and month, for the
//! workspace budget) and `ai_insights` (notable changes found by the insights job).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_identity::{Users, Workspaces};
use crate::schema_helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AiConversations {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Title,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AiMessages {
    Table,
    Id,
    ConversationId,
    WorkspaceId,
    Role,
    Content,
    Status,
    Error,
    ToolCalls,
    PromptTokens,
    CompletionTokens,
    Model,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AiSettings {
    Table,
    WorkspaceId,
    Provider,
    BaseUrl,
    Model,
    ApiKeyEnc,
    MonthlyTokenBudget,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AiCache {
    Table,
    Id,
    Model,
    PromptHash,
    Response,
    Hits,
    CreatedAt,
    LastHitAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AiUsage {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Month,
    Tokens,
    Requests,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AiInsights {
    Table,
    Id,
    WorkspaceId,
    Kind,
    Subject,
    SubjectId,
    Fingerprint,
    Text,
    Facts,
    Source,
    CreatedAt,
    DismissedAt,
}

/// Kept in step with `app::backend::ai` (a test there checks the lists).
pub const AI_MESSAGE_STATUSES: [&str; 4] = ["streaming", "complete", "stopped", "error"];
pub const AI_PROVIDERS: [&str; 3] = ["offline", "openai", "anthropic"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AiConversations::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AiConversations::Id))
                    .col(big_integer(AiConversations::WorkspaceId))
                    .col(big_integer(AiConversations::UserId))
                    .col(string_len(AiConversations::Title, 200))
                    .col(timestamp_with_time_zone(AiConversations::CreatedAt))
                    .col(timestamp_with_time_zone(AiConversations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_ai_conversations_workspace",
                        (AiConversations::Table, AiConversations::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_ai_conversations_user",
                        (AiConversations::Table, AiConversations::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // The conversation list: mine in this workspace, most recent first.
        index(
            manager,
            "ix_ai_conversations_owner",
            AiConversations::Table,
            &["workspace_id", "user_id", "updated_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AiMessages::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AiMessages::Id))
                    .col(big_integer(AiMessages::ConversationId))
                    .col(big_integer(AiMessages::WorkspaceId))
                    .col(
                        string_len(AiMessages::Role, 16)
                            .check(Expr::col(AiMessages::Role).is_in(["user", "assistant"])),
                    )
                    .col(text(AiMessages::Content))
                    .col(string_len(AiMessages::Status, 16).check(
                        Expr::col(AiMessages::Status).is_in(AI_MESSAGE_STATUSES.iter().copied()),
                    ))
                    .col(text_null(AiMessages::Error))
                    .col(text(AiMessages::ToolCalls))
                    .col(integer(AiMessages::PromptTokens).default(0))
                    .col(integer(AiMessages::CompletionTokens).default(0))
                    .col(string_len_null(AiMessages::Model, 200))
                    .col(timestamp_with_time_zone(AiMessages::CreatedAt))
                    .col(timestamp_with_time_zone(AiMessages::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_ai_messages_conversation",
                        (AiMessages::Table, AiMessages::ConversationId),
                        (AiConversations::Table, AiConversations::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_ai_messages_workspace",
                        (AiMessages::Table, AiMessages::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_ai_messages_conversation",
            AiMessages::Table,
            &["conversation_id", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AiSettings::Table)
                    .if_not_exists()
                    .col(big_integer(AiSettings::WorkspaceId).primary_key())
                    .col(
                        string_len(AiSettings::Provider, 16).check(
                            Expr::col(AiSettings::Provider).is_in(AI_PROVIDERS.iter().copied()),
                        ),
                    )
                    .col(string_len(AiSettings::BaseUrl, 2000))
                    .col(string_len(AiSettings::Model, 200))
                    .col(text_null(AiSettings::ApiKeyEnc))
                    .col(big_integer_null(AiSettings::MonthlyTokenBudget))
                    .col(big_integer_null(AiSettings::UpdatedBy))
                    .col(timestamp_with_time_zone(AiSettings::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_ai_settings_workspace",
                        (AiSettings::Table, AiSettings::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_ai_settings_updated_by",
                        (AiSettings::Table, AiSettings::UpdatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;

        // Shared across workspaces on purpose: the key is the full prompt (which carries the
        // workspace's facts), so two workspaces only share an entry when they ask the same.
        manager
            .create_table(
                Table::create()
                    .table(AiCache::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AiCache::Id))
                    .col(string_len(AiCache::Model, 200))
                    .col(string_len(AiCache::PromptHash, 64))
                    .col(text(AiCache::Response))
                    .col(big_integer(AiCache::Hits).default(0))
                    .col(timestamp_with_time_zone(AiCache::CreatedAt))
                    .col(timestamp_with_time_zone_null(AiCache::LastHitAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_ai_cache_key",
            AiCache::Table,
            &["model", "prompt_hash"],
            true,
        )
        .await?;

        // user_id 0 is background work (insights, report sections): no FK, so it can be.
        manager
            .create_table(
                Table::create()
                    .table(AiUsage::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AiUsage::Id))
                    .col(big_integer(AiUsage::WorkspaceId))
                    .col(big_integer(AiUsage::UserId))
                    .col(string_len(AiUsage::Month, 7))
                    .col(big_integer(AiUsage::Tokens).default(0))
                    .col(big_integer(AiUsage::Requests).default(0))
                    .col(timestamp_with_time_zone(AiUsage::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_ai_usage_workspace",
                        (AiUsage::Table, AiUsage::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_ai_usage_key",
            AiUsage::Table,
            &["workspace_id", "month", "user_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AiInsights::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AiInsights::Id))
                    .col(big_integer(AiInsights::WorkspaceId))
                    .col(string_len(AiInsights::Kind, 32))
                    .col(string_len(AiInsights::Subject, 300))
                    .col(big_integer_null(AiInsights::SubjectId))
                    .col(string_len(AiInsights::Fingerprint, 200))
                    .col(text(AiInsights::Text))
                    .col(text(AiInsights::Facts))
                    .col(string_len(AiInsights::Source, 200))
                    .col(timestamp_with_time_zone(AiInsights::CreatedAt))
                    .col(timestamp_with_time_zone_null(AiInsights::DismissedAt))
                    .foreign_key(&mut fk(
                        "fk_ai_insights_workspace",
                        (AiInsights::Table, AiInsights::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // One insight per finding: the daily job does not repeat what it already said.
        index(
            manager,
            "ux_ai_insights_fingerprint",
            AiInsights::Table,
            &["workspace_id", "fingerprint"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_ai_insights_recent",
            AiInsights::Table,
            &["workspace_id", "created_at"],
            false,
        )
        .await
    }
}
