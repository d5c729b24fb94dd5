//! SeaORM entities: the schema as SeaORM sees it, one module per table. Behaviour lives in
//! the services and repositories, not here.

pub mod activities;
pub mod ai_cache;
pub mod ai_conversations;
pub mod ai_insights;
pub mod ai_messages;
pub mod ai_settings;
pub mod ai_usage;
pub mod api_tokens;
pub mod audit_log;
pub mod companies;
pub mod company_tags;
pub mod competitors;
pub mod connectors;
pub mod contacts;
pub mod deals;
pub mod external_links;
pub mod identities;
pub mod imports;
pub mod invitations;
pub mod job_events;
pub mod jobs;
pub mod market_metrics;
pub mod memberships;
pub mod oauth_states;
pub mod pipeline_stages;
pub mod pipelines;
pub mod reports;
pub mod schedules;
pub mod sessions;
pub mod signals;
pub mod users;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod workspaces;
