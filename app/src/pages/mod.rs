//! One module per route.

pub mod account;
pub mod ai_settings;
pub mod api_docs;
pub mod audit;
pub mod chat;
pub mod companies;
pub mod company;
pub mod company_form;
pub mod dashboard;
pub mod deal_form;
pub mod deals;
pub mod import;
pub mod insights;
pub mod invite;
pub mod jobs;
pub mod login;
pub mod members;
pub mod new_workspace;
pub mod not_found;
pub mod report;
pub mod reports;
pub mod settings;
pub mod system;
pub mod tokens;
pub mod webhooks;
pub mod workspace;
