use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub kind: String,
    pub title: String,
    /// JSON: the `ReportInput` it was requested with.
    pub input: String,
    pub status: String,
    pub job_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub data_as_of: Option<DateTimeUtc>,
    pub writer: Option<String>,
    pub summary: Option<String>,
    pub html: Option<String>,
    pub markdown: Option<String>,
    pub pdf: Option<Vec<u8>>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
