//! Writing companies: insert, overwrite, update and delete, with their tags, their audit
//! entries and a unique domain per workspace.

use super::*;

fn domain_taken() -> Error {
    Error::field(
        "domain",
        "another company in this workspace already has this domain",
    )
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => domain_taken(),
        _ => Error::Db(e),
    }
}

async fn replace_tags(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    company_id: i64,
    tags: &[String],
) -> Result<()> {
    company_tags::Entity::delete_many()
        .filter(company_tags::Column::CompanyId.eq(company_id))
        .exec(db)
        .await?;
    let mut lowered: Vec<String> = tags.iter().map(|t| t.to_lowercase()).collect();
    lowered.sort();
    lowered.dedup();
    if !lowered.is_empty() {
        company_tags::Entity::insert_many(lowered.into_iter().map(|tag| {
            company_tags::ActiveModel {
                workspace_id: Set(workspace_id.get()),
                company_id: Set(company_id),
                tag: Set(tag),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

fn apply(active: &mut companies::ActiveModel, v: &ValidCompany) {
    active.name = Set(v.name.clone());
    active.name_key = Set(v.name.to_lowercase());
    active.domain = Set(v.domain.as_ref().map(|d| d.as_str().to_owned()));
    active.industry = Set(v.industry.clone());
    active.employee_count = Set(v.employee_count);
    active.annual_revenue_minor = Set(v.revenue.map(|m| m.minor));
    active.revenue_currency = Set(v
        .revenue
        .map(|m| m.currency)
        .unwrap_or(Currency::USD)
        .as_str()
        .to_owned());
    active.country = Set(v.country.clone());
    active.city = Set(v.city.clone());
    active.description = Set(v.description.clone());
    active.website = Set(v.website.clone());
    active.linkedin_url = Set(v.linkedin_url.clone());
    active.founded_year = Set(v.founded_year);
    active.tags = Set(v.tags.join(", "));
}

/// Inserts a validated company without an audit entry (bulk imports audit once for all).
pub(crate) async fn insert_row(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    v: &ValidCompany,
    source: CompanySource,
) -> Result<companies::Model> {
    let now = Utc::now();
    let mut active = companies::ActiveModel {
        workspace_id: Set(workspace_id.get()),
        source: Set(source),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, v);
    active.field_sources = Set(Some(provenance::after_edit(
        None,
        &Default::default(),
        &provenance::values_of(v),
        provenance::label(source),
    )));
    let row = active.insert(db).await.map_err(map_unique)?;
    replace_tags(db, workspace_id, row.id, &v.tags).await?;
    Ok(row)
}

/// Inserts a validated company inside `db` (which may be the caller's transaction), audited.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    v: &ValidCompany,
    source: CompanySource,
) -> Result<companies::Model> {
    let row = insert_row(db, auth.workspace(), v, source).await?;
    audit::record(
        db,
        Entry::in_scope(auth, "company.created")
            .target("company", row.id)
            .detail(row.name.clone()),
    )
    .await?;
    Ok(row)
}

/// Overwrites an existing company with validated values, without an audit entry; the
/// fields it changes are `source`'s now.
pub(crate) async fn overwrite_row(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    existing: companies::Model,
    v: &ValidCompany,
    source: CompanySource,
) -> Result<companies::Model> {
    let sources = provenance::after_edit(
        existing.field_sources.as_deref(),
        &provenance::values_of_row(&existing),
        &provenance::values_of(v),
        provenance::label(source),
    );
    let mut active: companies::ActiveModel = existing.into();
    apply(&mut active, v);
    active.field_sources = Set(Some(sources));
    active.updated_at = Set(Utc::now());
    let row = active.update(db).await.map_err(map_unique)?;
    replace_tags(db, workspace_id, row.id, &v.tags).await?;
    Ok(row)
}

/// Overwrites an existing company with a person's validated values.
pub(crate) async fn overwrite(
    db: &impl ConnectionTrait,
    auth: &Authorized<'_, can::Write>,
    existing: companies::Model,
    v: &ValidCompany,
) -> Result<companies::Model> {
    let before = to_company(existing.clone());
    let row = overwrite_row(db, auth.workspace(), existing, v, CompanySource::Manual).await?;
    let after = to_company(row.clone());
    audit::record(
        db,
        Entry::in_scope(auth, "company.updated")
            .target("company", row.id)
            .detail(changed_fields(&before, &after)),
    )
    .await?;
    Ok(row)
}

fn changed_fields(a: &Company, b: &Company) -> String {
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => { $( if a.$f != b.$f { out.push(stringify!($f)); } )* };
    }
    cmp!(
        name,
        domain,
        industry,
        employee_count,
        annual_revenue,
        country,
        city,
        description,
        website,
        linkedin_url,
        founded_year,
        tags
    );
    if out.is_empty() {
        "no changes".into()
    } else {
        format!("changed {}", out.join(", "))
    }
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    input: &CompanyInput,
) -> Result<Company> {
    let v = validate(input).map_err(Error::Validation)?;
    let txn = crate::backend::db::begin_write(db).await?;
    let row = insert(&txn, auth, &v, CompanySource::Manual).await?;
    txn.commit().await?;
    Ok(to_company(row))
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
    input: &CompanyInput,
) -> Result<Company> {
    let v = validate(input).map_err(Error::Validation)?;
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    let row = overwrite(&txn, auth, existing, &v).await?;
    txn.commit().await?;
    Ok(to_company(row))
}

/// Deletes the company with its tags, competitor links, activities, metrics and signals;
/// its deals and contacts stay, no longer linked to it.
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    id: i64,
) -> Result<()> {
    let txn = crate::backend::db::begin_write(db).await?;
    let existing = find(&txn, auth.workspace(), id).await?;
    companies::Entity::delete_by_id(existing.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Entry::in_scope(auth, "company.deleted")
            .target("company", id)
            .detail(existing.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
