//! The AI analyst's workspace state: provider settings (key encrypted at rest), token usage
//! per month, the response cache and insights.

use crate::backend::WorkspaceId;
use chrono::{Datelike, Utc};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, crypto::SecretBox, Authorized, Scope};
use crate::backend::entity::{ai_cache, ai_insights, ai_settings, ai_usage};
use crate::backend::{Error, Result};
use crate::types::{AiSettingsInput, AiUsageReport, FieldError, Insight};

pub async fn settings(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
) -> Result<Option<ai_settings::Model>> {
    Ok(ai_settings::Entity::find_by_id(workspace_id)
        .one(db)
        .await?)
}

fn validate(input: &AiSettingsInput) -> Result<()> {
    let mut errors = vec![];
    let provider = input.provider.trim();
    if !migrations::AI_PROVIDERS.contains(&provider) {
        errors.push(FieldError {
            field: "provider".into(),
            message: "must be offline, openai or anthropic".into(),
        });
    }
    let url = input.base_url.trim();
    if !url.is_empty() {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => errors.push(FieldError {
                field: "base_url".into(),
                message: "must be an http(s) URL such as http://localhost:11434/v1".into(),
            }),
        }
    }
    if url.len() > 2000 {
        errors.push(FieldError {
            field: "base_url".into(),
            message: "is too long".into(),
        });
    }
    if provider != "offline" && input.model.trim().is_empty() {
        errors.push(FieldError {
            field: "model".into(),
            message: "is required for this provider".into(),
        });
    }
    if input.model.len() > 200 {
        errors.push(FieldError {
            field: "model".into(),
            message: "must be at most 200 characters".into(),
        });
    }
    if input.monthly_token_budget.is_some_and(|b| b < 0) {
        errors.push(FieldError {
            field: "monthly_token_budget".into(),
            message: "must not be negative".into(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

pub async fn save_settings(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::ManageWorkspace>,
    secrets: &SecretBox,
    input: &AiSettingsInput,
) -> Result<ai_settings::Model> {
    validate(input)?;
    let existing = settings(db, auth.workspace()).await?;
    let key = match (&input.api_key, input.clear_api_key) {
        (_, true) => None,
        (Some(k), _) if !k.trim().is_empty() => Some(secrets.encrypt(k.trim())),
        _ => existing.as_ref().and_then(|e| e.api_key_enc.clone()),
    };
    let row = ai_settings::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        provider: Set(input.provider.trim().to_owned()),
        base_url: Set(input.base_url.trim().to_owned()),
        model: Set(input.model.trim().to_owned()),
        api_key_enc: Set(key),
        monthly_token_budget: Set(input.monthly_token_budget),
        updated_by: Set(Some(auth.user_id())),
        updated_at: Set(Utc::now()),
    };
    let row = if existing.is_some() {
        row.update(db).await?
    } else {
        row.insert(db).await?
    };
    audit::record(
        db,
        Entry::in_scope(auth, "ai.settings_changed")
            .target("workspace", auth.workspace_id())
            .detail(format!(
                "{} {} (key {})",
                row.provider,
                row.model,
                if row.api_key_enc.is_some() {
                    "set"
                } else {
                    "none"
                }
            )),
    )
    .await?;
    Ok(row)
}

pub fn month_of(now: chrono::DateTime<Utc>) -> String {
    format!("{:04}-{:02}", now.year(), now.month())
}

/// Adds `tokens` to this month's count of (workspace, user); user 0 is background work.
pub async fn record_usage(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    user_id: i64,
    tokens: i64,
) -> Result<()> {
    let now = Utc::now();
    ai_usage::Entity::insert(ai_usage::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        user_id: Set(user_id),
        month: Set(month_of(now)),
        tokens: Set(tokens),
        requests: Set(1),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            ai_usage::Column::WorkspaceId,
            ai_usage::Column::Month,
            ai_usage::Column::UserId,
        ])
        .value(
            ai_usage::Column::Tokens,
            Expr::col((ai_usage::Entity, ai_usage::Column::Tokens)).add(tokens),
        )
        .value(
            ai_usage::Column::Requests,
            Expr::col((ai_usage::Entity, ai_usage::Column::Requests)).add(1),
        )
        .value(ai_usage::Column::UpdatedAt, Expr::value(now))
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Tokens the workspace used this month.
pub async fn tokens_this_month(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
) -> Result<i64> {
    let rows: Vec<i64> = ai_usage::Entity::find()
        .select_only()
        .column(ai_usage::Column::Tokens)
        .filter(ai_usage::Column::WorkspaceId.eq(workspace_id))
        .filter(ai_usage::Column::Month.eq(month_of(Utc::now())))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().sum())
}

pub async fn usage(
    db: &impl ConnectionTrait,
    scope: &Scope,
    budget: Option<i64>,
) -> Result<AiUsageReport> {
    let month = month_of(Utc::now());
    let rows = ai_usage::Entity::find()
        .filter(ai_usage::Column::WorkspaceId.eq(scope.workspace_id()))
        .filter(ai_usage::Column::Month.eq(month.clone()))
        .all(db)
        .await?;
    let hits: Vec<i64> = ai_cache::Entity::find()
        .select_only()
        .column(ai_cache::Column::Hits)
        .into_tuple()
        .all(db)
        .await?;
    Ok(AiUsageReport {
        tokens: rows.iter().map(|r| r.tokens).sum(),
        requests: rows.iter().map(|r| r.requests).sum(),
        my_tokens: rows
            .iter()
            .filter(|r| r.user_id == scope.user_id())
            .map(|r| r.tokens)
            .sum(),
        month,
        budget,
        cache_entries: hits.len() as i64,
        cache_hits: hits.iter().sum(),
    })
}

/// A cached response for (model, prompt hash), counting the hit.
pub async fn cached(db: &impl ConnectionTrait, model: &str, hash: &str) -> Result<Option<String>> {
    let Some(row) = ai_cache::Entity::find()
        .filter(ai_cache::Column::Model.eq(model))
        .filter(ai_cache::Column::PromptHash.eq(hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    ai_cache::Entity::update_many()
        .col_expr(
            ai_cache::Column::Hits,
            Expr::col(ai_cache::Column::Hits).add(1),
        )
        .col_expr(ai_cache::Column::LastHitAt, Expr::value(Utc::now()))
        .filter(ai_cache::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(Some(row.response))
}

pub async fn cache_put(
    db: &impl ConnectionTrait,
    model: &str,
    hash: &str,
    response: &str,
) -> Result<()> {
    ai_cache::Entity::insert(ai_cache::ActiveModel {
        model: Set(model.to_owned()),
        prompt_hash: Set(hash.to_owned()),
        response: Set(response.to_owned()),
        hits: Set(0),
        created_at: Set(Utc::now()),
        last_hit_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([ai_cache::Column::Model, ai_cache::Column::PromptHash])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn to_insight(m: ai_insights::Model) -> Insight {
    Insight {
        facts: serde_json::from_str(&m.facts).unwrap_or(serde_json::Value::Null),
        id: m.id,
        kind: m.kind,
        subject: m.subject,
        subject_id: m.subject_id,
        text: m.text,
        source: m.source,
        created_at: m.created_at,
        dismissed_at: m.dismissed_at,
    }
}

pub async fn insights(
    db: &impl ConnectionTrait,
    scope: &Scope,
    include_dismissed: bool,
    limit: u64,
) -> Result<Vec<Insight>> {
    let mut q = ai_insights::Entity::find()
        .filter(ai_insights::Column::WorkspaceId.eq(scope.workspace_id()));
    if !include_dismissed {
        q = q.filter(ai_insights::Column::DismissedAt.is_null());
    }
    Ok(q.order_by_desc(ai_insights::Column::CreatedAt)
        .order_by_desc(ai_insights::Column::Id)
        .limit(limit.clamp(1, 200))
        .all(db)
        .await?
        .into_iter()
        .map(to_insight)
        .collect())
}

pub async fn dismiss_insight(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<Insight> {
    let row = ai_insights::Entity::find_by_id(id)
        .filter(ai_insights::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("insight"))?;
    let row = ai_insights::ActiveModel {
        id: Set(row.id),
        dismissed_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(db)
    .await?;
    audit::record(
        db,
        Entry::in_scope(auth, "insight.dismissed").target("insight", row.id),
    )
    .await?;
    Ok(to_insight(row))
}

/// A finding to store (nothing happens when the same fingerprint exists).
#[derive(Clone, Debug)]
pub struct NewInsight {
    pub kind: &'static str,
    pub subject: String,
    pub subject_id: Option<i64>,
    pub fingerprint: String,
    pub text: String,
    pub facts: serde_json::Value,
    pub source: String,
}

/// Stores findings the workspace has not seen; answers how many were new.
pub async fn add_insights(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    found: Vec<NewInsight>,
) -> Result<u64> {
    let mut added = 0;
    for f in found {
        let res = ai_insights::Entity::insert(ai_insights::ActiveModel {
            workspace_id: Set(workspace_id.get()),
            kind: Set(f.kind.to_owned()),
            subject: Set(f.subject.chars().take(300).collect()),
            subject_id: Set(f.subject_id),
            fingerprint: Set(f.fingerprint.chars().take(200).collect()),
            text: Set(f.text),
            facts: Set(f.facts.to_string()),
            source: Set(f.source),
            created_at: Set(Utc::now()),
            dismissed_at: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                ai_insights::Column::WorkspaceId,
                ai_insights::Column::Fingerprint,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        added += res;
    }
    Ok(added)
}

/// Whether `fingerprint` is already known to the workspace (the model is not asked twice).
pub async fn has_insight(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    fingerprint: &str,
) -> Result<bool> {
    Ok(ai_insights::Entity::find()
        .filter(ai_insights::Column::WorkspaceId.eq(workspace_id))
        .filter(ai_insights::Column::Fingerprint.eq(fingerprint))
        .one(db)
        .await?
        .is_some())
}

/// What starter questions can name: a company that has competitors recorded, the company
/// with the most deals, and the most observed metric.
pub async fn suggestion_subjects(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<(Option<String>, Option<String>, Option<String>)> {
    use crate::backend::entity::{companies, competitors, deals, market_metrics};
    let ws = scope.workspace_id();
    let name_of = |id: Option<i64>| async move {
        match id {
            Some(id) => Ok::<_, Error>(
                companies::Entity::find_by_id(id)
                    .filter(companies::Column::WorkspaceId.eq(ws))
                    .one(db)
                    .await?
                    .map(|c| c.name),
            ),
            None => Ok(None),
        }
    };
    let with_competitors: Option<i64> = competitors::Entity::find()
        .select_only()
        .column(competitors::Column::CompanyId)
        .filter(competitors::Column::WorkspaceId.eq(ws))
        .group_by(competitors::Column::CompanyId)
        .order_by_desc(Expr::col(competitors::Column::Id).count())
        .order_by_asc(competitors::Column::CompanyId)
        .into_tuple()
        .one(db)
        .await?;
    let busiest: Option<i64> = deals::Entity::find()
        .select_only()
        .column(deals::Column::CompanyId)
        .filter(deals::Column::WorkspaceId.eq(ws))
        .filter(deals::Column::CompanyId.is_not_null())
        .group_by(deals::Column::CompanyId)
        .order_by_desc(Expr::col(deals::Column::Id).count())
        .order_by_asc(deals::Column::CompanyId)
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let metric: Option<String> = market_metrics::Entity::find()
        .select_only()
        .column(market_metrics::Column::Metric)
        .filter(market_metrics::Column::WorkspaceId.eq(ws))
        .group_by(market_metrics::Column::Metric)
        .order_by_desc(Expr::col(market_metrics::Column::Id).count())
        .order_by_asc(market_metrics::Column::Metric)
        .into_tuple()
        .one(db)
        .await?;
    Ok((
        name_of(with_competitors).await?,
        name_of(busiest).await?,
        metric,
    ))
}

/// The ids of a workspace's insights, newest first (tests and the job's log).
pub async fn insight_ids(db: &impl ConnectionTrait, workspace_id: WorkspaceId) -> Result<Vec<i64>> {
    Ok(ai_insights::Entity::find()
        .select_only()
        .column(ai_insights::Column::Id)
        .filter(ai_insights::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(ai_insights::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}
