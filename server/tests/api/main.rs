//! The integration tests, in one binary: each links the whole server (about 1 GB of test
//! executable), so one binary instead of seven saves minutes of linking and gigabytes of
//! disk per build. nextest still runs every test in its own process, in parallel.

#![recursion_limit = "256"]

#[macro_use]
mod common;

mod ai;
mod auth;
mod chat;
mod chat_ask;
mod config_files;
mod connector_oauth;
mod connectors;
mod contract;
mod crash;
mod dashboard;
mod data;
mod delivery;
mod demo;
mod enrichment;
mod fake_apollo;
mod fake_gohighlevel;
mod fake_grant;
mod fake_hubspot;
mod fake_llm;
mod gohighlevel;
mod imports;
mod isolation;
mod jobs;
mod live;
mod migrations;
mod oauth;
mod reports;
mod spine;
