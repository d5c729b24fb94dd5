use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    pub workspace_id: i64,
    /// `user` or `assistant`.
    pub role: String,
    pub content: String,
    /// `streaming`, `complete`, `stopped` or `error`.
    pub status: String,
    pub error: Option<String>,
    /// JSON array of the tool calls the answer made, with their arguments and results.
    pub tool_calls: String,
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    pub model: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
