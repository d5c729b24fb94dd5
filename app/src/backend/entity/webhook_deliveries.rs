use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: i64,
    pub workspace_id: i64,
    pub event_type: String,
    /// The event's id, the same on every attempt and redelivery (receivers deduplicate by it).
    pub event_id: String,
    /// The exact JSON body sent.
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub duration_ms: Option<i32>,
    pub job_id: Option<i64>,
    pub redelivery_of: Option<i64>,
    pub created_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
