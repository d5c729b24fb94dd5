use sea_orm::entity::prelude::*;

use crate::types::CompanySource;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub name_key: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_minor: Option<i64>,
    pub revenue_currency: String,
    pub country: Option<String>,
    pub city: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    pub founded_year: Option<i32>,
    pub tags: String,
    pub source: CompanySource,
    pub external_ids: Option<String>,
    pub enriched_at: Option<DateTimeUtc>,
    /// JSON: where each field's value came from (`{"industry": {"source": "hubspot", "at": …}}`).
    pub field_sources: Option<String>,
    /// From enrichment: the technologies the company uses, comma-separated.
    pub technologies: Option<String>,
    /// From enrichment: its funding, as text ("Series B; 45,000,000 USD raised").
    pub funding: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
