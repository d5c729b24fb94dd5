//! What the rows of an import may refer to (existing domains and e-mails, the pipeline's
//! stages, the workspace's members), loaded once per import rather than once per row.

use crate::backend::WorkspaceId;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::backend::entity::{companies, contacts, memberships, pipeline_stages, users};
use crate::backend::repo::pipelines as pipeline_repo;
use crate::backend::{Error, Result};
use crate::types::ImportEntity;

/// Everything a row may refer to, loaded once per import.
pub(super) struct Lookups {
    /// Existing companies by domain.
    pub(super) companies_by_domain: HashMap<String, i64>,
    /// Existing contacts by e-mail.
    pub(super) contacts_by_email: HashMap<String, i64>,
    /// Stages of the chosen pipeline, by lower-cased name.
    pub(super) stages: HashMap<String, pipeline_stages::Model>,
    pub(super) first_stage: Option<pipeline_stages::Model>,
    pub(super) pipeline_id: Option<i64>,
    /// Members of the workspace by e-mail.
    pub(super) members: HashMap<String, i64>,
}

pub(super) async fn lookups(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    entity: ImportEntity,
    pipeline: Option<i64>,
) -> Result<Lookups> {
    let mut l = Lookups {
        companies_by_domain: HashMap::new(),
        contacts_by_email: HashMap::new(),
        stages: HashMap::new(),
        first_stage: None,
        pipeline_id: None,
        members: HashMap::new(),
    };
    let domains: Vec<(i64, Option<String>)> = companies::Entity::find()
        .select_only_cols()
        .filter(companies::Column::WorkspaceId.eq(workspace_id))
        .into_tuple()
        .all(db)
        .await?;
    l.companies_by_domain = domains
        .into_iter()
        .filter_map(|(id, d)| d.map(|d| (d, id)))
        .collect();
    if entity == ImportEntity::Contacts {
        let emails: Vec<(i64, Option<String>)> = contacts::Entity::find()
            .select_only()
            .column(contacts::Column::Id)
            .column(contacts::Column::Email)
            .filter(contacts::Column::WorkspaceId.eq(workspace_id))
            .into_tuple()
            .all(db)
            .await?;
        l.contacts_by_email = emails
            .into_iter()
            .filter_map(|(id, e)| e.map(|e| (e, id)))
            .collect();
    }
    if entity == ImportEntity::Deals {
        let stages = pipeline_repo::stages_by_id(db, workspace_id).await?;
        let pipeline_id = match pipeline {
            Some(p) => {
                pipeline_repo::find(db, workspace_id, p)
                    .await
                    .map_err(|_| Error::field("pipeline_id", "no such pipeline"))?;
                p
            }
            None => {
                let mut firsts: Vec<&pipeline_stages::Model> = stages.values().collect();
                firsts.sort_by_key(|s| (s.pipeline_id, s.position));
                firsts.first().map(|s| s.pipeline_id).ok_or_else(|| {
                    Error::BadRequest("the workspace has no pipeline to import deals into".into())
                })?
            }
        };
        let mut mine: Vec<pipeline_stages::Model> = stages
            .into_values()
            .filter(|s| s.pipeline_id == pipeline_id)
            .collect();
        mine.sort_by_key(|s| (s.position, s.id));
        l.first_stage = mine.first().cloned();
        l.stages = mine
            .into_iter()
            .map(|s| (s.name.to_lowercase(), s))
            .collect();
        l.pipeline_id = Some(pipeline_id);
        let members: Vec<(i64, String)> = memberships::Entity::find()
            .filter(memberships::Column::WorkspaceId.eq(workspace_id))
            .find_also_related(users::Entity)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(m, u)| u.map(|u| (m.user_id, u.email)))
            .collect();
        l.members = members.into_iter().map(|(id, e)| (e, id)).collect();
    }
    Ok(l)
}

trait SelectOnlyCols {
    fn select_only_cols(self) -> Self;
}

impl SelectOnlyCols for sea_orm::Select<companies::Entity> {
    fn select_only_cols(self) -> Self {
        use sea_orm::QuerySelect;
        self.select_only()
            .column(companies::Column::Id)
            .column(companies::Column::Domain)
    }
}
