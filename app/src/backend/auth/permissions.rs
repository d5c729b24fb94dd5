//! Who may do what: one function of (role, action), tested as a table below. Every check in
//! the backend goes through `Scope::authorize`, which calls this.

use crate::types::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See workspace data.
    Read,
    /// Create, change and delete workspace data (companies, deals, imports …).
    Write,
    /// Start, cancel and schedule reports and other jobs.
    RunReports,
    /// Create and revoke one's own API tokens.
    ManageOwnTokens,
    /// Invite people, change roles below owner, remove members.
    ManageMembers,
    /// Rename the workspace, edit pipelines, integrations and provider settings.
    ManageWorkspace,
    /// Read the audit log.
    ViewAudit,
    /// Make someone an owner or demote an owner.
    ManageOwners,
    /// Delete the workspace and everything in it.
    DeleteWorkspace,
}

pub const ALL_ACTIONS: [Action; 9] = [
    Action::Read,
    Action::Write,
    Action::RunReports,
    Action::ManageOwnTokens,
    Action::ManageMembers,
    Action::ManageWorkspace,
    Action::ViewAudit,
    Action::ManageOwners,
    Action::DeleteWorkspace,
];

/// An action as a type: `Authorized<'_, can::Write>` is a handle whose role passed the check
/// for `Write`, and a function that writes asks for exactly that type — a handle obtained for
/// another action does not type-check.
pub trait Permission: Copy + Send + Sync + 'static {
    const ACTION: Action;
}

/// One marker type per `Action` variant, named alike (`can::Write` for `Action::Write`).
pub mod can {
    use super::{Action, Permission};

    macro_rules! markers {
        ($($name:ident),* $(,)?) => {$(
            #[derive(Clone, Copy, Debug)]
            pub struct $name;

            impl Permission for $name {
                const ACTION: Action = Action::$name;
            }
        )*};
    }

    markers!(
        Read,
        Write,
        RunReports,
        ManageOwnTokens,
        ManageMembers,
        ManageWorkspace,
        ViewAudit,
        ManageOwners,
        DeleteWorkspace,
    );
}

pub fn allowed(role: Role, action: Action) -> bool {
    use Action::*;
    match action {
        Read | ManageOwnTokens => true,
        Write | RunReports => role >= Role::Member,
        ManageMembers | ManageWorkspace | ViewAudit => role >= Role::Admin,
        ManageOwners | DeleteWorkspace => role == Role::Owner,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    /// The whole policy, spelled out: (action, viewer, member, admin, owner).
    const TABLE: [(Action, bool, bool, bool, bool); 9] = [
        (Read, true, true, true, true),
        (ManageOwnTokens, true, true, true, true),
        (Write, false, true, true, true),
        (RunReports, false, true, true, true),
        (ManageMembers, false, false, true, true),
        (ManageWorkspace, false, false, true, true),
        (ViewAudit, false, false, true, true),
        (ManageOwners, false, false, false, true),
        (DeleteWorkspace, false, false, false, true),
    ];

    #[test]
    fn policy_table() {
        for (action, viewer, member, admin, owner) in TABLE {
            assert_eq!(allowed(Role::Viewer, action), viewer, "viewer {action:?}");
            assert_eq!(allowed(Role::Member, action), member, "member {action:?}");
            assert_eq!(allowed(Role::Admin, action), admin, "admin {action:?}");
            assert_eq!(allowed(Role::Owner, action), owner, "owner {action:?}");
        }
    }

    #[test]
    fn the_table_covers_every_action() {
        for a in ALL_ACTIONS {
            assert!(
                TABLE.iter().any(|(t, ..)| *t == a),
                "{a:?} missing from the table"
            );
        }
    }
}
