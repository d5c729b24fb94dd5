use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_insights")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// `stalled_deal`, `sentiment_drop` or `metric_jump`.
    pub kind: String,
    pub subject: String,
    pub subject_id: Option<i64>,
    /// Identifies the finding, so the daily job does not repeat itself.
    pub fingerprint: String,
    pub text: String,
    /// JSON: the facts the text was written from.
    pub facts: String,
    /// `template` or `model:<provider>/<model>`.
    pub source: String,
    pub created_at: DateTimeUtc,
    pub dismissed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
