//! Sign-in and access: linked OAuth identities, server-side sessions, pending OAuth flows,
//! invitations, personal API tokens and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema_helpers::index;

use crate::m20261123_000001_identity::{Users, Workspaces};
use crate::ROLES;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    UserId,
    Provider,
    Subject,
    Email,
    EmailVerified,
    AccessTokenEnc,
    RefreshTokenEnc,
    TokenExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    Id,
    StateHash,
    BindingHash,
    Provider,
    PkceVerifierEnc,
    NextPath,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    WorkspaceId,
    TokenHash,
    Role,
    Email,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    AcceptedBy,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Name,
    Prefix,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    WorkspaceId,
    ActorUserId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    Detail,
    Ip,
    CreatedAt,
}

fn fk_user(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn fk_workspace(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(Workspaces::Table, Workspaces::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Identities::Id))
                    .col(big_integer(Identities::UserId))
                    .col(string_len(Identities::Provider, 64))
                    .col(string_len(Identities::Subject, 255))
                    .col(string_len_null(Identities::Email, 320))
                    .col(boolean(Identities::EmailVerified).default(false))
                    // XChaCha20-Poly1305 ciphertexts (nonce ‖ sealed), base64; never plaintext.
                    .col(text_null(Identities::AccessTokenEnc))
                    .col(text_null(Identities::RefreshTokenEnc))
                    .col(timestamp_with_time_zone_null(Identities::TokenExpiresAt))
                    .col(timestamp_with_time_zone(Identities::CreatedAt))
                    .col(timestamp_with_time_zone(Identities::UpdatedAt))
                    .foreign_key(&mut fk_user(
                        Identities::Table,
                        Identities::UserId,
                        "fk_identities_user",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_identities_provider_subject",
            Identities::Table,
            &["provider", "subject"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_identities_user",
            Identities::Table,
            &["user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Sessions::Id))
                    // SHA-256 of the cookie's 256-bit random token, hex. The token itself is never stored.
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(big_integer(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 512))
                    .foreign_key(&mut fk_user(
                        Sessions::Table,
                        Sessions::UserId,
                        "fk_sessions_user",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_sessions_user",
            Sessions::Table,
            &["user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthStates::Table)
                    .if_not_exists()
                    .col(big_pk_auto(OauthStates::Id))
                    .col(string_len_uniq(OauthStates::StateHash, 64))
                    // Hash of the random value in the browser's `hf_oauth` cookie: the state is
                    // only valid in the browser that started the flow.
                    .col(string_len(OauthStates::BindingHash, 64))
                    .col(string_len(OauthStates::Provider, 64))
                    .col(text(OauthStates::PkceVerifierEnc))
                    .col(string_len(OauthStates::NextPath, 2048))
                    .col(timestamp_with_time_zone(OauthStates::CreatedAt))
                    .col(timestamp_with_time_zone(OauthStates::ExpiresAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Invitations::Id))
                    .col(big_integer(Invitations::WorkspaceId))
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    .col(
                        string_len(Invitations::Role, 16)
                            .check(Expr::col(Invitations::Role).is_in(ROLES)),
                    )
                    .col(string_len_null(Invitations::Email, 320))
                    .col(big_integer(Invitations::CreatedBy))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(big_integer_null(Invitations::AcceptedBy))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .foreign_key(&mut fk_workspace(
                        Invitations::Table,
                        Invitations::WorkspaceId,
                        "fk_invitations_workspace",
                    ))
                    .foreign_key(&mut fk_user(
                        Invitations::Table,
                        Invitations::CreatedBy,
                        "fk_invitations_creator",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_invitations_workspace",
            Invitations::Table,
            &["workspace_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(big_integer(ApiTokens::WorkspaceId))
                    .col(big_integer(ApiTokens::UserId))
                    .col(string_len(ApiTokens::Name, 100))
                    // The first characters of the token, shown in lists so people can tell them apart.
                    .col(string_len(ApiTokens::Prefix, 16))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut fk_workspace(
                        ApiTokens::Table,
                        ApiTokens::WorkspaceId,
                        "fk_api_tokens_workspace",
                    ))
                    .foreign_key(&mut fk_user(
                        ApiTokens::Table,
                        ApiTokens::UserId,
                        "fk_api_tokens_user",
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_api_tokens_workspace_user",
            ApiTokens::Table,
            &["workspace_id", "user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AuditLog::Id))
                    // NULL for events outside any workspace (sign-ins).
                    .col(big_integer_null(AuditLog::WorkspaceId))
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(string_len(AuditLog::ActorLabel, 320))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len_null(AuditLog::TargetType, 64))
                    .col(string_len_null(AuditLog::TargetId, 64))
                    .col(text_null(AuditLog::Detail))
                    .col(string_len_null(AuditLog::Ip, 64))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .foreign_key(&mut fk_workspace(
                        AuditLog::Table,
                        AuditLog::WorkspaceId,
                        "fk_audit_workspace",
                    ))
                    .to_owned(),
            )
            .await?;
        // The audit page lists one workspace's entries newest first, optionally by action.
        index(
            manager,
            "ix_audit_workspace_time",
            AuditLog::Table,
            &["workspace_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_audit_actor_time",
            AuditLog::Table,
            &["actor_user_id", "created_at"],
            false,
        )
        .await?;
        Ok(())
    }
}
