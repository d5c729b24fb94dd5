//! Market signals: news, social and review items about a company, with sentiment −1…1.

use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};

use super::companies as company_repo;
use super::list::{self, check_filters, contains, unknown_sort};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::signals;
use crate::backend::{Error, Result};
use crate::types::{
    parse_name, parse_optional_text, parse_web_url, FieldError, ListQuery, Page, Signal,
    SignalInput, SignalSource,
};

pub const FILTERS: &[&str] = &["company", "source", "tone"];
pub const SORTS: &[&str] = &["published", "sentiment"];

async fn hydrate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    rows: Vec<signals::Model>,
) -> Result<Vec<Signal>> {
    let names = company_repo::names(db, workspace_id, rows.iter().map(|s| s.company_id)).await?;
    Ok(rows
        .into_iter()
        .map(|s| Signal {
            company_name: names.get(&s.company_id).map(|n| n.0.clone()),
            id: s.id,
            company_id: s.company_id,
            source_kind: s.source_kind,
            title: s.title,
            url: s.url,
            excerpt: s.excerpt,
            sentiment: s.sentiment,
            published_at: s.published_at,
        })
        .collect())
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &ListQuery,
    totals: Option<&super::counts::CountCache>,
) -> Result<Page<Signal>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let mut select =
        signals::Entity::find().filter(signals::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(term) = list::search_term(q) {
        select = select.filter(contains(signals::Column::Title, &term));
    }
    if let Some(c) = list::parse_i64(q, "company")? {
        select = select.filter(signals::Column::CompanyId.eq(c));
    }
    if let Some(s) = q.filter("source") {
        let kind = SignalSource::parse(s)
            .ok_or_else(|| Error::field("filters", "`source` must be news, social or review"))?;
        select = select.filter(signals::Column::SourceKind.eq(kind));
    }
    if let Some(t) = q.filter("tone") {
        select = match t {
            "positive" => select.filter(signals::Column::Sentiment.gt(0.2)),
            "negative" => select.filter(signals::Column::Sentiment.lt(-0.2)),
            "neutral" => select.filter(signals::Column::Sentiment.between(-0.2, 0.2)),
            _ => {
                return Err(Error::field(
                    "filters",
                    "`tone` must be positive, neutral or negative",
                ))
            }
        };
    }
    let (field, desc) = q.sort_key("-published");
    let col = match field {
        "published" => signals::Column::PublishedAt,
        "sentiment" => signals::Column::Sentiment,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(select.clone(), col, signals::Column::Id, desc);
    let (rows, total, total_exact) = list::page_and_count::<_, signals::Model>(
        db,
        totals.map(|c| (c, scope.workspace_id())),
        &select,
        page,
        &req,
    )
    .await?;
    Ok(Page {
        items: hydrate(db, scope.workspace(), rows).await?,
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &SignalInput,
) -> Result<Signal> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let title = parse_name(&input.title, 500)
        .map_err(|m| err("title", m))
        .ok();
    let excerpt = parse_optional_text(input.excerpt.as_deref(), 5000)
        .map_err(|m| err("excerpt", m))
        .ok()
        .flatten();
    let url = match input
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(u) => parse_web_url(u)
            .map(Some)
            .map_err(|m| err("url", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    if !input.sentiment.is_finite() || !(-1.0..=1.0).contains(&input.sentiment) {
        err("sentiment", "must be between -1 and 1".into());
    }
    let txn = crate::backend::db::begin_write(db).await?;
    if company_repo::find(&txn, auth.workspace(), input.company_id)
        .await
        .is_err()
    {
        err("company_id", "no such company".into());
    }
    let Some(title) = title.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let row = signals::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        company_id: Set(input.company_id),
        source_kind: Set(input.source_kind),
        title: Set(title),
        url: Set(url),
        excerpt: Set(excerpt),
        sentiment: Set(input.sentiment),
        published_at: Set(input.published_at),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "signal.created")
            .target("signal", row.id)
            .detail(row.title.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(hydrate(db, auth.workspace(), vec![row]).await?.remove(0))
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let row = signals::Entity::find_by_id(id)
        .filter(signals::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("signal"))?;
    signals::Entity::delete_by_id(row.id).exec(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "signal.deleted")
            .target("signal", id)
            .detail(row.title),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub(crate) async fn latest_for_company(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
    limit: u64,
) -> Result<Vec<Signal>> {
    let rows = signals::Entity::find()
        .filter(signals::Column::WorkspaceId.eq(workspace_id))
        .filter(signals::Column::CompanyId.eq(company_id))
        .order_by_desc(signals::Column::PublishedAt)
        .limit(limit)
        .all(db)
        .await?;
    hydrate(db, workspace_id, rows).await
}
