//! `WorkspaceId`: the workspace a query or a service works in. It cannot be made from a
//! number a caller happens to hold: a checked `Scope` hands it out (`Scope::workspace`), a
//! job's context does for the workspace the job was enqueued in, and the code that creates or
//! enumerates workspaces does for the rows it reads. `layering` keeps that list of callers of
//! `WorkspaceId::vouched` short and checked.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceId(i64);

impl WorkspaceId {
    /// An id that came out of an access check or from the workspaces table itself. Only the
    /// modules `layering::MAY_VOUCH` lists call this.
    pub(crate) fn vouched(id: i64) -> Self {
        Self(id)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<WorkspaceId> for i64 {
    fn from(id: WorkspaceId) -> i64 {
        id.0
    }
}

/// So a query filters with `Column::WorkspaceId.eq(ws)`.
impl From<WorkspaceId> for sea_orm::Value {
    fn from(id: WorkspaceId) -> Self {
        id.0.into()
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
