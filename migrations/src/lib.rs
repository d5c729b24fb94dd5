//! Every schema change of Hyperformant, forward-only, written once for SQLite and PostgreSQL.
//!
//! Migrations are append-only: a released migration is never edited; a change is a new file.
//! `down` is deliberately not implemented (forward-only), so a mistaken rollback cannot drop data.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_identity;
mod m20261123_000002_auth;
mod m20261123_000003_workspace_data;
mod m20261123_000004_jobs;
mod m20261129_000005_reports;
mod m20261129_000007_delivery;
mod m20261129_000008_ai;
mod m20261129_000009_job_queue_order;
mod m20261130_000010_company_segment_order;
mod m20261130_000011_deal_stage_counts;
mod m20261206_000012_deal_period_cover;
mod m20261206_000013_deal_totals;
mod m20261206_000014_day_totals;
mod m20261206_000015_ai_streaming_sweep;
mod m20261207_000016_connectors;
mod m20261208_000017_gohighlevel;
mod schema_helpers;
pub mod totals;

pub use m20261123_000004_jobs::JOB_STATUSES;
pub use m20261129_000005_reports::{REPORT_KINDS, REPORT_STATUSES};
pub use m20261129_000007_delivery::DELIVERY_STATUSES;
pub use m20261129_000008_ai::{AI_MESSAGE_STATUSES, AI_PROVIDERS};
pub use m20261207_000016_connectors::CONNECTOR_STATES;
pub use m20261208_000017_gohighlevel::CONNECTOR_KINDS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_identity::Migration),
            Box::new(m20261123_000002_auth::Migration),
            Box::new(m20261123_000003_workspace_data::Migration),
            Box::new(m20261123_000004_jobs::Migration),
            // Named before 000007 but added after it: SeaORM applies by name, not order, so
            // databases already at 000007 take it too (checked by the migrations test).
            Box::new(m20261129_000005_reports::Migration),
            Box::new(m20261129_000007_delivery::Migration),
            Box::new(m20261129_000008_ai::Migration),
            Box::new(m20261129_000009_job_queue_order::Migration),
            Box::new(m20261130_000010_company_segment_order::Migration),
            Box::new(m20261130_000011_deal_stage_counts::Migration),
            Box::new(m20261206_000012_deal_period_cover::Migration),
            Box::new(m20261206_000013_deal_totals::Migration),
            Box::new(m20261206_000014_day_totals::Migration),
            Box::new(m20261206_000015_ai_streaming_sweep::Migration),
            Box::new(m20261207_000016_connectors::Migration),
            Box::new(m20261208_000017_gohighlevel::Migration),
        ]
    }
}

/// The roles a membership can hold, in one place so the CHECK constraint and the
/// application enum cannot drift apart (app's `Role` has a test against this list).
pub const ROLES: [&str; 4] = ["owner", "admin", "member", "viewer"];
