//! Repositories: the only code that builds queries over workspace data. Every function takes
//! a `&Scope` (reads) or an `&Authorized` (writes) and filters by its workspace itself.

pub mod activities;
pub mod ai;
pub mod api_tokens;
pub mod audit;
pub mod chat;
pub mod companies;
pub mod competitors;
pub mod connectors;
pub mod contacts;
pub mod counts;
pub mod deals;
pub mod invitations;
pub mod jobs;
pub mod list;
pub mod members;
pub mod metrics;
pub mod pipelines;
pub mod reports;
pub mod schedules;
pub mod signals;
pub mod synced;
