//! Everything that touches the database, the queue, AI providers and integrations.
//! Compiled only with the `ssr` feature: the browser bundle never contains it.

pub mod ai;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod connectors;
pub mod cron;
pub mod dashboard;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod entity;
pub mod error;
pub mod events;
pub mod export;
pub mod import;
pub mod job_kinds;
pub mod jobs;
pub mod repo;
pub mod reports;
pub mod schedules;
pub mod sql;
pub mod state;
pub mod system;
pub mod tenant;
pub mod workspaces;

pub use error::{Error, Result};
pub use state::{AppState, AuthConfig};
pub use tenant::WorkspaceId;

#[cfg(test)]
mod layering;
