//! Contacts: people at companies. E-mail addresses are unique per workspace.

use crate::backend::WorkspaceId;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};

use super::companies as company_repo;
use super::list::{self, check_filters, contains, unknown_sort};
use crate::backend::audit::{self, Entry};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::contacts;
use crate::backend::{Error, Result};
use crate::types::{
    parse_name, parse_optional_text, parse_web_url, Contact, ContactInput, Email, FieldError,
    ListQuery, Page,
};

pub const FILTERS: &[&str] = &["company"];
pub const SORTS: &[&str] = &["name", "email", "created", "updated"];

pub(crate) async fn hydrate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    rows: Vec<contacts::Model>,
) -> Result<Vec<Contact>> {
    let names =
        company_repo::names(db, workspace_id, rows.iter().filter_map(|c| c.company_id)).await?;
    Ok(rows
        .into_iter()
        .map(|c| Contact {
            company_name: c
                .company_id
                .and_then(|id| names.get(&id).map(|n| n.0.clone())),
            id: c.id,
            company_id: c.company_id,
            name: c.name,
            email: c.email,
            title: c.title,
            phone: c.phone,
            linkedin_url: c.linkedin_url,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    q: &ListQuery,
    totals: Option<&super::counts::CountCache>,
) -> Result<Page<Contact>> {
    check_filters(q, FILTERS)?;
    let req = list::page_request(q);
    let mut select =
        contacts::Entity::find().filter(contacts::Column::WorkspaceId.eq(scope.workspace_id()));
    if let Some(term) = list::search_term(q) {
        select = select.filter(
            Condition::any()
                .add(contains(contacts::Column::NameKey, &term))
                .add(contains(contacts::Column::Email, &term)),
        );
    }
    if let Some(c) = list::parse_i64(q, "company")? {
        select = select.filter(contacts::Column::CompanyId.eq(c));
    }
    let (field, desc) = q.sort_key("name");
    let col = match field {
        "name" => contacts::Column::NameKey,
        "email" => contacts::Column::Email,
        "created" => contacts::Column::CreatedAt,
        "updated" => contacts::Column::UpdatedAt,
        other => return Err(unknown_sort(other, SORTS)),
    };
    let page = list::order(select.clone(), col, contacts::Column::Id, desc);
    let (rows, total, total_exact) = list::page_and_count::<_, contacts::Model>(
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

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<contacts::Model> {
    contacts::Entity::find_by_id(id)
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("contact"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Contact> {
    let row = find(db, scope.workspace(), id).await?;
    Ok(hydrate(db, scope.workspace(), vec![row]).await?.remove(0))
}

pub(crate) struct ValidContact {
    pub name: String,
    pub company_id: Option<i64>,
    pub email: Option<Email>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
}

/// Checks the contact's own fields (no database needed).
pub(crate) fn validate_fields(
    input: &ContactInput,
) -> std::result::Result<ValidContact, Vec<FieldError>> {
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
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(e) => Email::parse(e)
            .map(Some)
            .map_err(|m| err("email", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let title = parse_optional_text(input.title.as_deref(), 200)
        .map_err(|m| err("title", m))
        .ok()
        .flatten();
    let phone = parse_optional_text(input.phone.as_deref(), 50)
        .map_err(|m| err("phone", m))
        .ok()
        .flatten();
    if phone.as_deref().is_some_and(|p| {
        !p.chars()
            .all(|c| c.is_ascii_digit() || " +-().x/".contains(c))
    }) {
        err(
            "phone",
            "may only contain digits, spaces and + - ( ) .".into(),
        );
    }
    let linkedin_url = match input
        .linkedin_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(u) => parse_web_url(u)
            .map(Some)
            .map_err(|m| err("linkedin_url", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    match (errors.is_empty(), name) {
        (true, Some(name)) => Ok(ValidContact {
            name,
            company_id: input.company_id,
            email,
            title,
            phone,
            linkedin_url,
        }),
        _ => Err(errors),
    }
}

/// Checks every field, and that the company belongs to this workspace.
pub(crate) async fn validate(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    input: &ContactInput,
) -> Result<ValidContact> {
    let own = validate_fields(input);
    let company_ok = match input.company_id {
        Some(c) => company_repo::find(db, workspace_id, c).await.is_ok(),
        None => true,
    };
    match (own, company_ok) {
        (Ok(v), true) => Ok(v),
        (own, company_ok) => {
            let mut errors = own.err().unwrap_or_default();
            if !company_ok {
                errors.push(FieldError {
                    field: "company_id".into(),
                    message: "no such company".into(),
                });
            }
            Err(Error::Validation(errors))
        }
    }
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::field("email", "another contact in this workspace has this e-mail")
        }
        _ => Error::Db(e),
    }
}

pub(crate) fn apply(a: &mut contacts::ActiveModel, v: ValidContact) {
    a.name_key = Set(v.name.to_lowercase());
    a.name = Set(v.name);
    a.company_id = Set(v.company_id);
    a.email = Set(v.email.map(String::from));
    a.title = Set(v.title);
    a.phone = Set(v.phone);
    a.linkedin_url = Set(v.linkedin_url);
}

/// Inserts a validated contact without an audit entry (bulk imports audit once for all).
pub(crate) async fn insert_row(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    v: ValidContact,
) -> Result<contacts::Model> {
    let now = Utc::now();
    let mut a = contacts::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut a, v);
    a.insert(db).await.map_err(map_unique)
}

pub(crate) async fn overwrite_row(
    db: &impl ConnectionTrait,
    existing: contacts::Model,
    v: ValidContact,
) -> Result<contacts::Model> {
    let mut a: contacts::ActiveModel = existing.into();
    apply(&mut a, v);
    a.updated_at = Set(Utc::now());
    a.update(db).await.map_err(map_unique)
}

pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    v: ValidContact,
) -> Result<contacts::Model> {
    let row = insert_row(db, auth.workspace(), v).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "contact.created")
            .target("contact", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    Ok(row)
}

pub(crate) async fn overwrite(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    existing: contacts::Model,
    v: ValidContact,
) -> Result<contacts::Model> {
    let row = overwrite_row(db, existing, v).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "contact.updated")
            .target("contact", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    Ok(row)
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &ContactInput,
) -> Result<Contact> {
    let txn = crate::backend::db::begin_write(db).await?;
    let v = validate(&txn, auth.workspace(), input).await?;
    let row = insert(&txn, auth, v).await?;
    txn.commit().await?;
    get(db, auth, row.id).await
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    input: &ContactInput,
) -> Result<Contact> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    let v = validate(&txn, auth.workspace(), input).await?;
    overwrite(&txn, auth, existing, v).await?;
    txn.commit().await?;
    get(db, auth, id).await
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    contacts::Entity::delete_by_id(existing.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "contact.deleted")
            .target("contact", id)
            .detail(existing.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub(crate) async fn for_company(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
) -> Result<Vec<Contact>> {
    let rows = contacts::Entity::find()
        .filter(contacts::Column::WorkspaceId.eq(workspace_id))
        .filter(contacts::Column::CompanyId.eq(company_id))
        .order_by_asc(contacts::Column::NameKey)
        .limit(100)
        .all(db)
        .await?;
    hydrate(db, workspace_id, rows).await
}
