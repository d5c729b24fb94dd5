use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: i64,
    /// `offline`, `openai` or `anthropic`.
    pub provider: String,
    pub base_url: String,
    pub model: String,
    /// The provider's API key, encrypted with the server's SecretBox.
    pub api_key_enc: Option<String>,
    pub monthly_token_budget: Option<i64>,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
