//! HubSpot: pipelines, then companies, contacts and deals, a page at a time.
//!
//! The first sync lists everything (`GET /crm/v3/objects/…`, associations inline); later
//! ones search for what changed since the last (`POST …/search` on the last-modified date,
//! ascending). Each page is written in one transaction with the cursor that follows it, so a
//! sync stopped anywhere — a crash, a deploy, a cancel — resumes at the next page. Search
//! answers at most 10,000 results per query: near that window the sync restarts its query
//! from the newest change it has seen.

mod client;
mod map;
pub mod webhook;

use std::collections::BTreeMap;

pub use client::Client;
pub use map::modified;

use super::credential::Keeper;
use super::cursor::{encode, paused, Cursor, Run, Tally};
use super::{Credential, Failure};
use crate::backend::entity::connectors;
use crate::backend::jobs::JobContext;
use crate::backend::repo::{connectors as repo, synced};
use crate::backend::{AppState, WorkspaceId};
use crate::types::Currency;

const SOURCE: &str = "hubspot";

/// The objects synced after the pipelines, in order: contacts and deals find their
/// companies through links the companies' pages wrote.
const OBJECTS: [&str; 3] = ["companies", "contacts", "deals"];

fn properties(object: &str) -> &'static [&'static str] {
    match object {
        "companies" => map::COMPANY_PROPERTIES,
        "contacts" => map::CONTACT_PROPERTIES,
        _ => map::DEAL_PROPERTIES,
    }
}

fn modified_property(object: &str) -> &'static str {
    if object == "contacts" {
        "lastmodifieddate"
    } else {
        "hs_lastmodifieddate"
    }
}

/// Runs (or resumes) one sync of `row`; returns what it wrote.
pub async fn sync(
    state: &AppState,
    ctx: &JobContext,
    workspace: WorkspaceId,
    row: &connectors::Model,
    secret: &Credential,
) -> Result<serde_json::Value, Failure> {
    let settings = state.connectors();
    let mut keeper = Keeper::new(state, workspace, row, secret.clone());
    let mut client = Client::new(&settings.hubspot_url, keeper.token(), &settings.http);
    let mut cursor = Cursor::read(row.cursor.as_deref());
    let mut tally = Tally::new(&row.counts);
    ctx.step("Reading the account and pipelines", 0).await?;
    let account = client.account().await?;
    let currency = account
        .company_currency
        .as_deref()
        .and_then(|c| Currency::parse(c).ok())
        .unwrap_or(Currency::USD);
    let pipelines: Vec<_> = client
        .deal_pipelines()
        .await?
        .iter()
        .map(map::pipeline)
        .collect();
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let written = synced::upsert_pipelines(&txn, workspace, SOURCE, "HubSpot", pipelines).await?;
    txn.commit().await?;
    tally
        .counts
        .insert("pipelines".into(), written.total() as i64);

    cursor.begin();
    let full = cursor.run.as_ref().is_some_and(|r| r.full);
    while let Some(run) = cursor.run.as_mut().filter(|r| r.object < OBJECTS.len()) {
        let object = OBJECTS[run.object];
        if run.after.is_none() && run.done == 0 {
            run.total = if run.full {
                client.count(object).await?
            } else {
                0
            };
            run.since = cursor.marks.get(object).copied();
        }
        ctx.step(
            &format!("Syncing {object}"),
            (run.object * 100 / OBJECTS.len()) as i32,
        )
        .await?;
        loop {
            if paused(state, workspace, row.id).await? {
                return Ok(serde_json::json!({"paused": true}));
            }
            if keeper.renew().await? {
                client = Client::new(&settings.hubspot_url, keeper.token(), &settings.http);
            }
            let target = Target {
                client: &client,
                state,
                workspace,
                connector_id: row.id,
                currency,
            };
            let (next, written, object_done) =
                page(&target, object, &cursor, &tally.counts).await?;
            cursor = next;
            tally
                .after_page(
                    state,
                    ctx,
                    (&cursor, object, OBJECTS.len()),
                    written,
                    object_done,
                )
                .await?;
            if object_done {
                break;
            }
        }
    }
    tally
        .finish(state, workspace, (row.id, SOURCE), cursor, full)
        .await
}

/// Where a sync writes, and how it reads.
struct Target<'a> {
    client: &'a Client,
    state: &'a AppState,
    workspace: WorkspaceId,
    connector_id: i64,
    currency: Currency,
}

async fn fetch(t: &Target<'_>, object: &str, run: &Run) -> Result<client::Page, Failure> {
    let props = properties(object);
    Ok(if run.full {
        let associations: &[&str] = if object == "deals" {
            &["companies"]
        } else {
            &[]
        };
        t.client
            .list(object, props, associations, run.after.as_deref())
            .await?
    } else {
        t.client
            .changed_since(
                object,
                modified_property(object),
                props,
                run.since.unwrap_or(0),
                run.after.as_deref(),
            )
            .await?
    })
}

/// Fetches the next page of `object` and writes it together with the cursor that follows it,
/// in one transaction: a crash after the commit resumes at the next page, one before it
/// repeats this page (whose writes are idempotent). Returns that cursor, what was written and
/// whether the object is done.
async fn page(
    t: &Target<'_>,
    object: &str,
    cursor: &Cursor,
    counts: &BTreeMap<String, i64>,
) -> Result<(Cursor, synced::Written, bool), Failure> {
    let Some(mut run) = cursor.run.clone() else {
        return Ok((cursor.clone(), synced::Written::default(), true));
    };
    let fetched = fetch(t, object, &run).await?;
    let newest = fetched
        .results
        .iter()
        .filter_map(map::modified)
        .map(|t| t.timestamp_millis())
        .max()
        .unwrap_or(0);
    run.seen_max = run.seen_max.max(newest);
    let next_after = fetched.next_after().map(str::to_owned);
    let near_window_end = !run.full
        && next_after
            .as_deref()
            .and_then(|a| a.parse::<usize>().ok())
            .is_some_and(|o| o + client::PAGE_LIMIT > client::SEARCH_WINDOW);
    let more = next_after.is_some();
    if near_window_end {
        // Search stops at 10,000 results: query again from the newest change seen.
        run.since = Some(run.seen_max);
        run.after = None;
    } else {
        run.after = next_after;
    }
    // A search answer carries no associations: read the deals' companies in one batch.
    let deal_companies = if object == "deals" && !run.full {
        let ids: Vec<&str> = fetched.results.iter().map(|o| o.id.as_str()).collect();
        t.client
            .first_associations("deals", "companies", &ids)
            .await?
    } else {
        Default::default()
    };
    let txn = crate::backend::db::begin_write(&t.state.db).await?;
    synced::plan_each_page(&txn).await?;
    let written = match object {
        "companies" => {
            let rows = fetched
                .results
                .iter()
                .map(|o| map::company(o, t.currency))
                .collect();
            synced::upsert_companies(&txn, t.workspace, SOURCE, synced::Owns::All, rows).await?
        }
        "contacts" => {
            let rows = fetched.results.iter().map(map::contact).collect();
            synced::upsert_contacts(&txn, t.workspace, SOURCE, rows).await?
        }
        _ => {
            let rows = fetched
                .results
                .iter()
                .map(|o| map::deal(o, deal_companies.get(&o.id).cloned(), t.currency))
                .collect();
            synced::upsert_deals(&txn, t.workspace, SOURCE, rows).await?
        }
    };
    run.done += (written.total() + written.skipped) as i64;
    let mut next = cursor.clone();
    if more {
        next.run = Some(run);
    } else {
        next.finish_object(run, object);
    }
    let mut next_counts = counts.clone();
    *next_counts.entry(object.into()).or_default() += written.inserted as i64;
    let (cursor_json, counts_json) = encode(&next, &next_counts);
    repo::save_progress(&txn, t.connector_id, &cursor_json, &counts_json).await?;
    txn.commit().await?;
    Ok((next, written, !more))
}
