use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub company_id: Option<i64>,
    pub name: String,
    pub name_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub probability: i32,
    pub expected_close: Option<Date>,
    pub closed_at: Option<DateTimeUtc>,
    pub owner_id: Option<i64>,
    pub stage_entered_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
