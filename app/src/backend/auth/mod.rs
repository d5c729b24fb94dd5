//! Identity and access: passwords, sessions, OAuth providers, API tokens, roles and the Scope.

pub mod access_cache;
pub mod accounts;
pub mod bearer;
pub mod crypto;
pub mod oauth;
pub mod password;
pub mod permissions;
pub mod principal;
pub mod providers;
pub mod rate_limit;
pub mod scope;
pub mod sessions;
pub mod tokens;

pub use access_cache::AccessCache;
pub use permissions::{allowed, can, Action, Permission};
pub use principal::{load_session_info, PageSession, Principal, RequestMeta, Via};
pub use scope::{for_job as scope_for_job, resolve as resolve_scope, Authorized, Scope};
