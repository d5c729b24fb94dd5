use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "external_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// The other system: `hubspot`.
    pub source: String,
    /// `company`, `contact`, `deal`, `pipeline` or `stage`.
    pub object: String,
    pub external_id: String,
    pub local_id: i64,
    /// When the other system last changed the record, as it said.
    pub remote_modified_at: Option<DateTimeUtc>,
    pub synced_at: DateTimeUtc,
    /// Why a change made here was not sent back (the other system changed it too).
    pub conflict: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
