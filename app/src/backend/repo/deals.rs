//! Deals: list, board, get, create, update, move between stages, delete. A deal's stage
//! always belongs to its pipeline; moving it records when it entered the stage (for stalled-
//! deal detection) and closes or reopens it by the stage's kind.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, TransactionSession, TransactionTrait,
};

use super::list::{self, check_filters, contains, unknown_sort};
use super::{companies as company_repo, pipelines as pipeline_repo};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{Authorized, Scope};
use crate::backend::entity::{companies, deals, memberships, pipeline_stages, users};
use crate::backend::{Error, Result};
use crate::types::{
    parse_name, BoardColumn, Currency, Deal, DealInput, FieldError, ListQuery, Money, Page,
    StageKind,
};

pub const FILTERS: &[&str] = &[
    "pipeline",
    "stage",
    "owner",
    "company",
    "status",
    "min_amount",
    "max_amount",
    "close_after",
    "close_before",
];
pub const SORTS: &[&str] = &[
    "name",
    "amount",
    "close",
    "probability",
    "created",
    "updated",
    "stage",
];

/// Names of people for owner columns.
async fn user_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = users::Entity::find()
        .select_only()
        .columns([users::Column::Id, users::Column::Name])
        .filter(users::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Turns rows into `Deal`s with their stage, company and owner names, in three queries
/// whatever the number of rows.
pub(crate) async fn hydrate(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    rows: Vec<deals::Model>,
) -> Result<Vec<Deal>> {
    let stages = pipeline_repo::stages_by_id(db, workspace_id).await?;
    hydrate_with(db, workspace_id, &stages, rows).await
}

/// `hydrate` with the workspace's stages already loaded (lists and the board have them).
async fn hydrate_with(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    stages: &HashMap<i64, pipeline_stages::Model>,
    rows: Vec<deals::Model>,
) -> Result<Vec<Deal>> {
    let companies =
        company_repo::names(db, workspace_id, rows.iter().filter_map(|d| d.company_id)).await?;
    let owners = user_names(db, rows.iter().filter_map(|d| d.owner_id)).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let stage = stages.get(&d.stage_id);
            let company_name = d
                .company_id
                .and_then(|c| companies.get(&c).map(|x| x.0.clone()));
            let owner_name = d.owner_id.and_then(|o| owners.get(&o).cloned());
            to_deal(
                d,
                stage.map(|s| s.name.clone()).unwrap_or_default(),
                stage.map(|s| s.kind).unwrap_or(StageKind::Open),
                company_name,
                owner_name,
            )
        })
        .collect())
}

fn to_deal(
    d: deals::Model,
    stage_name: String,
    stage_kind: StageKind,
    company_name: Option<String>,
    owner_name: Option<String>,
) -> Deal {
    Deal {
        id: d.id,
        pipeline_id: d.pipeline_id,
        stage_id: d.stage_id,
        stage_name,
        stage_kind,
        company_name,
        company_id: d.company_id,
        name: d.name,
        amount: Money::new(
            d.amount_minor,
            Currency::parse(&d.currency).unwrap_or(Currency::USD),
        ),
        probability: d.probability,
        expected_close: d.expected_close,
        closed_at: d.closed_at,
        owner_name,
        owner_id: d.owner_id,
        stage_entered_at: d.stage_entered_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

fn filtered(scope: &Scope, q: &ListQuery) -> Result<sea_orm::Select<deals::Entity>> {
    check_filters(q, FILTERS)?;
    let mut select =
        deals::Entity::find().filter(deals::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(term) = list::search_term(q) {
        // Qualified: a list page joins tables that have a `name_key` of their own.
        select = select.filter(contains((deals::Entity, deals::Column::NameKey), &term));
    }
    if let Some(v) = list::parse_i64(q, "pipeline")? {
        select = select.filter(deals::Column::PipelineId.eq(v));
    }
    if let Some(v) = list::parse_i64(q, "stage")? {
        select = select.filter(deals::Column::StageId.eq(v));
    }
    if let Some(v) = q.filter("owner") {
        select = match v {
            "none" => select.filter(deals::Column::OwnerId.is_null()),
            _ => select.filter(deals::Column::OwnerId.eq(list::parse_i64(q, "owner")?)),
        };
    }
    if let Some(v) = list::parse_i64(q, "company")? {
        select = select.filter(deals::Column::CompanyId.eq(v));
    }
    if let Some(v) = q.filter("status") {
        let kind = StageKind::parse(v)
            .ok_or_else(|| Error::field("filters", "`status` must be open, won or lost"))?;
        use sea_orm::sea_query::ExprTrait;
        // The workspace's stages of that kind, asked in the same statement: a list needs no
        // separate round trip for them. The kind is written into the SQL as a literal (one of
        // three fixed words, never user text): bound, it kept PostgreSQL from ever settling on
        // the statement's generic plan — every execution was planned afresh, 2.6 ms of
        // planning for 1 ms of execution on 1M deals (PREPARE + EXPLAIN ANALYZE EXECUTE ×7).
        debug_assert!(kind.as_str().bytes().all(|b| b.is_ascii_lowercase()));
        let kind_literal = Expr::cust(format!("'{}'", kind.as_str()));
        let of_kind = Query::select()
            .column(pipeline_stages::Column::Id)
            .from(pipeline_stages::Entity)
            .and_where(
                Expr::col((
                    pipeline_stages::Entity,
                    pipeline_stages::Column::WorkspaceId,
                ))
                .eq(scope.workspace_id()),
            )
            .and_where(
                Expr::col((pipeline_stages::Entity, pipeline_stages::Column::Kind))
                    .eq(kind_literal),
            )
            .to_owned();
        select = select.filter(deals::Column::StageId.in_subquery(of_kind));
    }
    for (key, gte) in [("min_amount", true), ("max_amount", false)] {
        if let Some(raw) = q.filter(key) {
            let m = Money::parse_amount(raw, Currency::USD)
                .map_err(|e| Error::field("filters", format!("`{key}` {e}")))?;
            select = select.filter(if gte {
                deals::Column::AmountMinor.gte(m.minor)
            } else {
                deals::Column::AmountMinor.lte(m.minor)
            });
        }
    }
    if let Some(d) = list::parse_date(q, "close_after")? {
        select = select.filter(deals::Column::ExpectedClose.gte(d));
    }
    if let Some(d) = list::parse_date(q, "close_before")? {
        select = select.filter(deals::Column::ExpectedClose.lte(d));
    }
    Ok(select)
}

/// A deal as a list page reads it: the row and the names shown beside it, joined in.
struct Listed {
    deal: deals::Model,
    stage_name: Option<String>,
    stage_kind: Option<String>,
    company_name: Option<String>,
    owner_name: Option<String>,
}

/// Read by position, not by name (see `list::column`): each field from its place in
/// `LISTED_COLUMNS`, found when compiling.
impl FromQueryResult for Listed {
    fn from_query_result(res: &QueryResult, _pre: &str) -> std::result::Result<Self, DbErr> {
        use list::column as c;
        Ok(Self {
            deal: deals::Model {
                id: c(res, const { at("id") })?,
                workspace_id: c(res, const { at("workspace_id") })?,
                pipeline_id: c(res, const { at("pipeline_id") })?,
                stage_id: c(res, const { at("stage_id") })?,
                company_id: c(res, const { at("company_id") })?,
                name: c(res, const { at("name") })?,
                name_key: c(res, const { at("name_key") })?,
                amount_minor: c(res, const { at("amount_minor") })?,
                currency: c(res, const { at("currency") })?,
                probability: c(res, const { at("probability") })?,
                expected_close: c(res, const { at("expected_close") })?,
                closed_at: c(res, const { at("closed_at") })?,
                owner_id: c(res, const { at("owner_id") })?,
                stage_entered_at: c(res, const { at("stage_entered_at") })?,
                created_at: c(res, const { at("created_at") })?,
                updated_at: c(res, const { at("updated_at") })?,
            },
            stage_name: c(res, const { at("stage_name") })?,
            stage_kind: c(res, const { at("stage_kind") })?,
            company_name: c(res, const { at("company_name") })?,
            owner_name: c(res, const { at("owner_name") })?,
        })
    }
}

/// The select list of a list page: the deal's columns in the entity's order (as
/// `Entity::find()` selects them), then the four names `listed` adds. A test holds the SQL
/// to it.
const LISTED_COLUMNS: [&str; 20] = [
    "id",
    "workspace_id",
    "pipeline_id",
    "stage_id",
    "company_id",
    "name",
    "name_key",
    "amount_minor",
    "currency",
    "probability",
    "expected_close",
    "closed_at",
    "owner_id",
    "stage_entered_at",
    "created_at",
    "updated_at",
    "stage_name",
    "stage_kind",
    "company_name",
    "owner_name",
];

/// The position of `name` in `LISTED_COLUMNS` (a name not there stops the build).
const fn at(name: &str) -> usize {
    let mut i = 0;
    while i < LISTED_COLUMNS.len() {
        if str_eq(LISTED_COLUMNS[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("not a column of a list page")
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `ordered` with the names a list page shows beside each deal, in `Listed`'s positions.
fn listed(ordered: sea_orm::Select<deals::Entity>) -> sea_orm::Select<deals::Entity> {
    use sea_orm::sea_query::ExprTrait;
    let mut page = ordered
        .expr_as(
            Expr::col((pipeline_stages::Entity, pipeline_stages::Column::Name)),
            "stage_name",
        )
        .expr_as(
            Expr::col((pipeline_stages::Entity, pipeline_stages::Column::Kind)),
            "stage_kind",
        )
        .expr_as(
            Expr::col((companies::Entity, companies::Column::Name)),
            "company_name",
        )
        .expr_as(
            Expr::col((users::Entity, users::Column::Name)),
            "owner_name",
        );
    QueryTrait::query(&mut page)
        .left_join(
            pipeline_stages::Entity,
            Expr::col((pipeline_stages::Entity, pipeline_stages::Column::Id))
                .equals((deals::Entity, deals::Column::StageId)),
        )
        .left_join(
            companies::Entity,
            Condition::all()
                .add(
                    Expr::col((companies::Entity, companies::Column::Id))
                        .equals((deals::Entity, deals::Column::CompanyId)),
                )
                .add(
                    Expr::col((companies::Entity, companies::Column::WorkspaceId))
                        .equals((deals::Entity, deals::Column::WorkspaceId)),
                ),
        )
        .left_join(
            users::Entity,
            Expr::col((users::Entity, users::Column::Id))
                .equals((deals::Entity, deals::Column::OwnerId)),
        );
    page
}

/// One page of deals with their stage, company and owner names and the capped count, in one
/// statement (it was five: stages, count, page, company names, owner names — on PostgreSQL
/// the round trips were most of a page's cost).
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &ListQuery,
    totals: Option<&super::counts::CountCache>,
) -> Result<Page<Deal>> {
    let select = filtered(scope, q)?;
    let req = list::page_request(q);
    let (field, desc) = q.sort_key("-updated");
    let col = match field {
        "name" => deals::Column::NameKey,
        "amount" => deals::Column::AmountMinor,
        "close" => deals::Column::ExpectedClose,
        "probability" => deals::Column::Probability,
        "created" => deals::Column::CreatedAt,
        "updated" => deals::Column::UpdatedAt,
        "stage" => deals::Column::StageId,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = listed(list::order(select.clone(), col, deals::Column::Id, desc));
    let (rows, total, total_exact) = list::page_and_count::<_, Listed>(
        db,
        totals.map(|c| (c, scope.workspace_id())),
        &select,
        page,
        &req,
    )
    .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|l| {
                to_deal(
                    l.deal,
                    l.stage_name.unwrap_or_default(),
                    l.stage_kind
                        .as_deref()
                        .and_then(StageKind::parse)
                        .unwrap_or(StageKind::Open),
                    l.company_name,
                    l.owner_name,
                )
            })
            .collect(),
        total,
        total_exact,
        page: req.page,
        per_page: req.per_page,
    })
}

#[derive(Debug, FromQueryResult)]
struct StageTotal {
    stage_id: i64,
    currency: String,
    n: i64,
    total: i64,
    weighted: i64,
}

/// The board of one pipeline: every stage with its count and totals (over all matching deals,
/// computed in SQL) and its `per_stage` most recently changed deals.
pub async fn board(
    db: &impl ConnectionTrait,
    scope: &Scope,
    pipeline_id: i64,
    q: &ListQuery,
    per_stage: u64,
) -> Result<Vec<BoardColumn>> {
    pipeline_repo::find(db, scope.workspace_id(), pipeline_id).await?;
    let stages = pipeline_repo::stages_by_id(db, scope.workspace_id()).await?;
    let mut q = q.clone();
    q.filters.insert("pipeline".into(), pipeline_id.to_string());
    q.filters.remove("stage");
    let select = filtered(scope, &q)?;
    let totals: Vec<StageTotal> = select
        .clone()
        .select_only()
        .column(deals::Column::StageId)
        .column(deals::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "total",
        )
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor * probability / 100), 0) AS BIGINT)"),
            "weighted",
        )
        .group_by(deals::Column::StageId)
        .group_by(deals::Column::Currency)
        .into_model::<StageTotal>()
        .all(db)
        .await?;
    let mut ordered: Vec<&pipeline_stages::Model> = stages
        .values()
        .filter(|s| s.pipeline_id == pipeline_id)
        .collect();
    ordered.sort_by_key(|s| (s.position, s.id));
    let mut columns = Vec::with_capacity(ordered.len());
    for stage in ordered {
        let mine: Vec<&StageTotal> = totals.iter().filter(|t| t.stage_id == stage.id).collect();
        let money = |f: fn(&StageTotal) -> i64| -> Vec<Money> {
            let mut by: BTreeMap<String, i64> = BTreeMap::new();
            for t in &mine {
                *by.entry(t.currency.clone()).or_default() += f(t);
            }
            by.into_iter()
                .map(|(c, v)| Money::new(v, Currency::parse(&c).unwrap_or(Currency::USD)))
                .collect()
        };
        let rows = select
            .clone()
            .filter(deals::Column::StageId.eq(stage.id))
            .order_by_desc(deals::Column::UpdatedAt)
            .order_by_desc(deals::Column::Id)
            .limit(per_stage)
            .all(db)
            .await?;
        columns.push(BoardColumn {
            stage: pipeline_repo::to_stage(stage),
            count: mine.iter().map(|t| t.n.max(0) as u64).sum(),
            total: money(|t| t.total),
            weighted: money(|t| t.weighted),
            deals: hydrate_with(db, scope.workspace_id(), &stages, rows).await?,
        });
    }
    Ok(columns)
}

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    id: i64,
) -> Result<deals::Model> {
    deals::Entity::find_by_id(id)
        .filter(deals::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("deal"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Deal> {
    let row = find(db, scope.workspace_id(), id).await?;
    Ok(hydrate(db, scope.workspace_id(), vec![row])
        .await?
        .remove(0))
}

/// A deal input that passed validation, with its stage.
pub(crate) struct ValidDeal {
    pub name: String,
    pub pipeline_id: i64,
    pub stage: pipeline_stages::Model,
    pub company_id: Option<i64>,
    pub amount: Money,
    pub probability: i32,
    pub expected_close: Option<chrono::NaiveDate>,
    pub owner_id: Option<i64>,
}

/// Checks every field, including that the stage is one of the pipeline's and that the
/// company and owner belong to this workspace (another workspace's ids look nonexistent).
pub(crate) async fn validate(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    input: &DealInput,
) -> Result<ValidDeal> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = parse_name(&input.name, 200)
        .map_err(|m| err("name", m))
        .ok();
    let currency = match input
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => Currency::parse(c)
            .map_err(|m| err("currency", m.into()))
            .unwrap_or(Currency::USD),
        None => Currency::USD,
    };
    let amount = Money::parse_amount(&input.amount, currency)
        .map_err(|m| err("amount", m.into()))
        .ok();
    let stage = pipeline_stages::Entity::find_by_id(input.stage_id)
        .filter(pipeline_stages::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?;
    let pipeline_ok = pipeline_repo::find(db, workspace_id, input.pipeline_id)
        .await
        .is_ok();
    if !pipeline_ok {
        err("pipeline_id", "no such pipeline".into());
    }
    let stage = match stage {
        Some(s) if s.pipeline_id == input.pipeline_id => Some(s),
        Some(_) => {
            err("stage_id", "is a stage of another pipeline".into());
            None
        }
        None => {
            err("stage_id", "no such stage".into());
            None
        }
    };
    if let Some(p) = input.probability {
        if !(0..=100).contains(&p) {
            err("probability", "must be between 0 and 100".into());
        }
    }
    if let Some(c) = input.company_id {
        if company_repo::find(db, workspace_id, c).await.is_err() {
            err("company_id", "no such company".into());
        }
    }
    if let Some(o) = input.owner_id {
        let member = memberships::Entity::find()
            .filter(memberships::Column::WorkspaceId.eq(workspace_id))
            .filter(memberships::Column::UserId.eq(o))
            .one(db)
            .await?;
        if member.is_none() {
            err("owner_id", "is not a member of this workspace".into());
        }
    }
    match (errors.is_empty(), name, amount, stage) {
        (true, Some(name), Some(amount), Some(stage)) => Ok(ValidDeal {
            probability: input.probability.unwrap_or(stage.default_probability),
            name,
            pipeline_id: input.pipeline_id,
            stage,
            company_id: input.company_id,
            amount,
            expected_close: input.expected_close,
            owner_id: input.owner_id,
        }),
        _ => Err(Error::Validation(errors)),
    }
}

fn closed_at_for(kind: StageKind) -> Option<chrono::DateTime<Utc>> {
    matches!(kind, StageKind::Won | StageKind::Lost).then(Utc::now)
}

pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_>,
    v: ValidDeal,
) -> Result<deals::Model> {
    let row = insert_row(db, auth.workspace_id(), v).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "deal.created")
            .target("deal", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    Ok(row)
}

/// Inserts a validated deal without an audit entry (bulk imports audit once for all).
pub(crate) async fn insert_row(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    v: ValidDeal,
) -> Result<deals::Model> {
    let now = Utc::now();
    let row = deals::ActiveModel {
        workspace_id: Set(workspace_id),
        pipeline_id: Set(v.pipeline_id),
        stage_id: Set(v.stage.id),
        company_id: Set(v.company_id),
        name_key: Set(v.name.to_lowercase()),
        name: Set(v.name),
        amount_minor: Set(v.amount.minor),
        currency: Set(v.amount.currency.as_str().to_owned()),
        probability: Set(v.probability),
        expected_close: Set(v.expected_close),
        closed_at: Set(closed_at_for(v.stage.kind)),
        owner_id: Set(v.owner_id),
        stage_entered_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_>,
    input: &DealInput,
) -> Result<Deal> {
    let txn = crate::backend::db::begin_write(db).await?;
    let v = validate(&txn, auth.workspace_id(), input).await?;
    let row = insert(&txn, auth, v).await?;
    txn.commit().await?;
    get(db, auth, row.id).await
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_>,
    id: i64,
    input: &DealInput,
) -> Result<Deal> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace_id(), id).await?;
    let v = validate(&txn, auth.workspace_id(), input).await?;
    let stage_changed = existing.stage_id != v.stage.id;
    let from_stage = existing.stage_id;
    let now = Utc::now();
    let mut active: deals::ActiveModel = existing.into();
    active.pipeline_id = Set(v.pipeline_id);
    active.stage_id = Set(v.stage.id);
    active.company_id = Set(v.company_id);
    active.name_key = Set(v.name.to_lowercase());
    active.name = Set(v.name);
    active.amount_minor = Set(v.amount.minor);
    active.currency = Set(v.amount.currency.as_str().to_owned());
    active.probability = Set(v.probability);
    active.expected_close = Set(v.expected_close);
    active.owner_id = Set(v.owner_id);
    if stage_changed {
        active.stage_entered_at = Set(now);
        active.closed_at = Set(closed_at_for(v.stage.kind));
    }
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "deal.updated")
            .target("deal", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    if stage_changed {
        audit::record(
            &txn,
            Entry::in_scope(auth, "deal.stage_changed")
                .target("deal", row.id)
                .detail(format!("stage {from_stage} → {}", row.stage_id)),
        )
        .await?;
    }
    txn.commit().await?;
    get(db, auth, id).await
}

/// Moves a deal to another stage of its pipeline (the board's drag and drop).
pub async fn move_to_stage<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_>,
    id: i64,
    stage_id: i64,
) -> Result<Deal> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace_id(), id).await?;
    let stage = pipeline_stages::Entity::find_by_id(stage_id)
        .filter(pipeline_stages::Column::WorkspaceId.eq(auth.workspace_id()))
        .one(&txn)
        .await?
        .ok_or_else(|| Error::field("stage_id", "no such stage"))?;
    if stage.pipeline_id != existing.pipeline_id {
        return Err(Error::field("stage_id", "is a stage of another pipeline"));
    }
    if existing.stage_id != stage.id {
        let (from, name) = (existing.stage_id, existing.name.clone());
        let from_name = pipeline_stages::Entity::find_by_id(from)
            .one(&txn)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let now = Utc::now();
        let mut active: deals::ActiveModel = existing.into();
        active.stage_id = Set(stage.id);
        active.probability = Set(stage.default_probability);
        active.stage_entered_at = Set(now);
        active.closed_at = Set(closed_at_for(stage.kind));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        audit::record(
            &txn,
            Entry::in_scope(auth, "deal.stage_changed")
                .target("deal", id)
                .detail(format!("{name}: {from_name} → {}", stage.name)),
        )
        .await?;
    }
    txn.commit().await?;
    get(db, auth, id).await
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace_id(), id).await?;
    deals::Entity::delete_by_id(existing.id).exec(&txn).await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "deal.deleted")
            .target("deal", id)
            .detail(existing.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Deals of one company, newest first (the company page).
pub(crate) async fn for_company(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    company_id: i64,
    limit: u64,
) -> Result<Vec<Deal>> {
    let rows = deals::Entity::find()
        .filter(
            Condition::all()
                .add(deals::Column::WorkspaceId.eq(workspace_id))
                .add(deals::Column::CompanyId.eq(company_id)),
        )
        .order_by_desc(deals::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await?;
    hydrate(db, workspace_id, rows).await
}

#[derive(Debug, FromQueryResult)]
struct KindTotal {
    stage_id: i64,
    currency: String,
    n: i64,
    total: i64,
}

/// Open deal count, open pipeline value and won value of one company, summed in SQL.
pub(crate) async fn totals_for_company(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    company_id: i64,
) -> Result<(u64, Vec<Money>, Vec<Money>)> {
    let stages = pipeline_repo::stages_by_id(db, workspace_id).await?;
    let rows: Vec<KindTotal> = deals::Entity::find()
        .select_only()
        .column(deals::Column::StageId)
        .column(deals::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "total",
        )
        .filter(deals::Column::WorkspaceId.eq(workspace_id))
        .filter(deals::Column::CompanyId.eq(company_id))
        .group_by(deals::Column::StageId)
        .group_by(deals::Column::Currency)
        .into_model::<KindTotal>()
        .all(db)
        .await?;
    let kind = |r: &KindTotal| {
        stages
            .get(&r.stage_id)
            .map(|s| s.kind)
            .unwrap_or(StageKind::Open)
    };
    let sum = |want: StageKind| -> Vec<Money> {
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for r in rows.iter().filter(|r| kind(r) == want) {
            *by.entry(r.currency.clone()).or_default() += r.total;
        }
        by.into_iter()
            .map(|(c, v)| Money::new(v, Currency::parse(&c).unwrap_or(Currency::USD)))
            .collect()
    };
    let open = rows
        .iter()
        .filter(|r| kind(r) == StageKind::Open)
        .map(|r| r.n.max(0) as u64)
        .sum();
    Ok((open, sum(StageKind::Open), sum(StageKind::Won)))
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, EntityTrait, QueryTrait};

    use super::*;

    /// `Listed` reads by position: the page's select list must be exactly `LISTED_COLUMNS`.
    #[test]
    fn a_list_page_selects_what_listed_reads_in_its_order() {
        let sql = listed(deals::Entity::find()).build(DbBackend::Postgres).sql;
        let select_list = sql
            .strip_prefix("SELECT ")
            .and_then(|s| s.split(" FROM ").next())
            .expect("a SELECT");
        let names: Vec<&str> = select_list
            .split(", ")
            .map(|item| {
                item.rsplit(['.', ' '])
                    .next()
                    .unwrap_or(item)
                    .trim_matches('"')
            })
            .collect();
        assert_eq!(names, LISTED_COLUMNS, "{sql}");
    }
}
