use sea_orm::entity::prelude::*;

use crate::types::SignalSource;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "signals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub company_id: i64,
    pub source_kind: SignalSource,
    pub title: String,
    pub url: Option<String>,
    pub excerpt: Option<String>,
    pub sentiment: f64,
    pub published_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
