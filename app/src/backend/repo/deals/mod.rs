//! Deals: list, board, get, create, update, move between stages, delete. A deal's stage
//! always belongs to its pipeline; moving it records when it entered the stage (for stalled-
//! deal detection) and closes or reopens it by the stage's kind.
//!
//! Here: the filters and sorts a list takes, and one deal by id; `hydrate` turns rows into
//! `Deal`s with their names, `listing` reads list pages, `board` a pipeline's board,
//! `validate` checks an input, `write` changes deals, `by_company` reads one company's deals.

mod board;
mod by_company;
mod hydrate;
mod listing;
mod validate;
mod write;

use crate::backend::WorkspaceId;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::backend::auth::Scope;
use crate::backend::entity::deals;
use crate::backend::{Error, Result};
use crate::types::Deal;

pub use board::board;
pub(crate) use by_company::{for_company, totals_for_company};
pub(crate) use hydrate::hydrate;
pub use listing::list;
pub(crate) use validate::ValidDeal;
pub(crate) use write::insert_row;
pub use write::{create, delete, move_to_stage, update};

pub const FILTERS: &[&str] = &[
    "pipeline",
    "stage",
    "owner",
    "company",
    "status",
    "min_amount",
    "max_amount",
    "close_after",
    "close_before",
];
pub const SORTS: &[&str] = &[
    "name",
    "amount",
    "close",
    "probability",
    "created",
    "updated",
    "stage",
];

pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace_id: WorkspaceId,
    id: i64,
) -> Result<deals::Model> {
    deals::Entity::find_by_id(id)
        .filter(deals::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(Error::NotFound("deal"))
}

pub async fn get(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> Result<Deal> {
    let row = find(db, scope.workspace(), id).await?;
    Ok(hydrate(db, scope.workspace(), vec![row]).await?.remove(0))
}
