use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connectors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    /// `hubspot`.
    pub kind: String,
    /// The credential, encrypted with SECRET_KEY (JSON inside: see `connectors::Credential`).
    pub secret_enc: String,
    /// Who the credential acts as, for people ("HubSpot account 12345").
    pub account: String,
    /// The other system's id of that account (HubSpot's portal id), for inbound webhooks.
    pub account_id: Option<String>,
    /// `connected`, `paused` or `needs_attention`.
    pub state: String,
    /// What a person must do, when the state is `needs_attention`.
    pub attention: Option<String>,
    /// JSON: where the next sync starts (see `connectors::Cursor`).
    pub cursor: Option<String>,
    pub sync_job_id: Option<i64>,
    pub last_sync_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// JSON object: records synced per object ({"companies": 120, …}).
    pub counts: String,
    pub interval_minutes: i32,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
