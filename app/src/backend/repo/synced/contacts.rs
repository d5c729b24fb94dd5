//! Contacts from another system: matched by link, then by e-mail; their company is the
//! local company linked to the one that system associates them with.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{link, linked, Incoming, LinkTo, Object, Written};
use crate::backend::db::insert_batched;
use crate::backend::entity::contacts;
use crate::backend::repo::contacts::{validate_fields, ValidContact};
use crate::backend::{Result, WorkspaceId};
use crate::types::ContactInput;

/// A contact as sent, with the external id of its company (if any).
pub type IncomingContact = (ContactInput, Option<String>);

fn tolerant(mut input: ContactInput, fallback_name: &str) -> Option<ValidContact> {
    for _ in 0..3 {
        match validate_fields(&input) {
            Ok(v) => return Some(v),
            Err(errors) => {
                for e in errors {
                    match e.field.as_str() {
                        "name" => input.name = fallback_name.to_owned(),
                        "email" => input.email = None,
                        "title" => input.title = None,
                        "phone" => input.phone = None,
                        _ => input.linkedin_url = None,
                    }
                }
            }
        }
    }
    None
}

fn apply(a: &mut contacts::ActiveModel, v: ValidContact) {
    crate::backend::repo::contacts::apply(a, v);
    a.updated_at = Set(Utc::now());
}

/// Writes a page of contacts from `source` inside `db` (the caller's transaction).
pub async fn upsert_contacts(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    source: &str,
    page: Vec<Incoming<IncomingContact>>,
) -> Result<Written> {
    let links = linked(
        db,
        workspace,
        source,
        Object::Contact,
        page.iter().map(|r| r.external_id.as_str()),
    )
    .await?;
    let companies = linked(
        db,
        workspace,
        source,
        Object::Company,
        page.iter().filter_map(|r| r.values.1.as_deref()),
    )
    .await?;
    let mut valid = Vec::with_capacity(page.len());
    for r in page {
        let (mut input, company_ref) = r.values;
        input.company_id = company_ref.and_then(|c| companies.get(&c).copied());
        let fallback = input
            .email
            .clone()
            .unwrap_or_else(|| format!("{source} contact {}", r.external_id));
        if let Some(v) = tolerant(input, &fallback) {
            valid.push((r.external_id, r.modified, v));
        }
    }
    let ids: Vec<i64> = links.values().copied().collect();
    let mut rows: HashMap<i64, contacts::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        contacts::Entity::find()
            .filter(contacts::Column::WorkspaceId.eq(workspace.get()))
            .filter(contacts::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    let emails: Vec<String> = valid
        .iter()
        .filter(|(id, _, _)| !links.contains_key(id))
        .filter_map(|(_, _, v)| v.email.as_ref().map(|e| e.as_str().to_owned()))
        .collect();
    let mut by_email: HashMap<String, contacts::Model> = if emails.is_empty() {
        HashMap::new()
    } else {
        contacts::Entity::find()
            .filter(contacts::Column::WorkspaceId.eq(workspace.get()))
            .filter(contacts::Column::Email.is_in(emails))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|m| Some((m.email.clone()?, m)))
            .collect()
    };
    let mut written = Written::default();
    let mut new_links = Vec::with_capacity(valid.len());
    // New contacts go in together; two records with one e-mail become one contact.
    let mut pending: Vec<(contacts::ActiveModel, Vec<LinkTo>)> = Vec::new();
    let mut pending_by_email: HashMap<String, usize> = HashMap::new();
    for (external_id, modified, v) in valid {
        let existing = links
            .get(&external_id)
            .and_then(|id| rows.remove(id))
            .or_else(|| by_email.remove(v.email.as_ref()?.as_str()));
        if let Some(m) = existing {
            let mut a: contacts::ActiveModel = m.into();
            apply(&mut a, v);
            written.updated += 1;
            let row = a.update(db).await?;
            if let Some(e) = row.email.clone() {
                by_email.insert(e, row.clone());
            }
            new_links.push((external_id, row.id, modified));
            continue;
        }
        let email = v.email.as_ref().map(|e| e.as_str().to_owned());
        if let Some(&i) = email.as_ref().and_then(|e| pending_by_email.get(e)) {
            apply(&mut pending[i].0, v);
            pending[i].1.push((external_id, modified));
            written.updated += 1;
            continue;
        }
        let mut a = contacts::ActiveModel {
            workspace_id: Set(workspace.get()),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        apply(&mut a, v);
        if let Some(e) = email {
            pending_by_email.insert(e, pending.len());
        }
        pending.push((a, vec![(external_id, modified)]));
        written.inserted += 1;
    }
    let (models, to_link): (Vec<_>, Vec<_>) = pending.into_iter().unzip();
    let ids = insert_batched!(db, contacts::Entity, models);
    for (id, links) in ids.into_iter().zip(to_link) {
        new_links.extend(links.into_iter().map(|(e, m)| (e, id, m)));
    }
    link(db, workspace, source, Object::Contact, new_links).await?;
    Ok(written)
}
