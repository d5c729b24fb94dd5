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

use chrono::Utc;
use serde::{Deserialize, Serialize};

pub use client::Client;
pub use map::modified;

use super::{Credential, Failure};
use crate::backend::entity::connectors;
use crate::backend::jobs::JobContext;
use crate::backend::repo::{connectors as repo, synced};
use crate::backend::{AppState, WorkspaceId};
use crate::types::{group_thousands, ConnectorState, Currency};

const SOURCE: &str = "hubspot";

/// The objects synced after the pipelines, in order: contacts and deals find their
/// companies through links the companies' pages wrote.
const OBJECTS: [&str; 3] = ["companies", "contacts", "deals"];

/// How far behind "now" a full sync's high-water mark is set: changes made while it ran,
/// and a clock at HubSpot a little behind this one's, are searched again next time.
const MARK_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Where a sync stands, saved with every page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Cursor {
    /// Per object: the last-modified instant (ms) the next incremental sync searches from.
    #[serde(default)]
    pub marks: BTreeMap<String, i64>,
    /// The sync in progress, if one was stopped midway.
    #[serde(default)]
    pub run: Option<Run>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    /// A first sync lists everything; later ones search for changes.
    pub full: bool,
    pub started_ms: i64,
    /// Index into `OBJECTS`.
    pub object: usize,
    /// HubSpot's paging token for the next page of this object.
    pub after: Option<String>,
    /// The search's lower bound for this object (incremental only).
    pub since: Option<i64>,
    /// The newest change seen in this object so far.
    pub seen_max: i64,
    pub done: i64,
    pub total: i64,
}

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
    let client = Client::new(&settings.hubspot_url, &secret.access_token, &settings.http);
    let mut cursor: Cursor = row
        .cursor
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let mut counts: BTreeMap<String, i64> = serde_json::from_str(&row.counts).unwrap_or_default();
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
    counts.insert("pipelines".into(), written.total() as i64);

    let target = Target {
        client: &client,
        state,
        workspace,
        connector_id: row.id,
        currency,
    };
    if cursor.run.is_none() {
        cursor.run = Some(Run {
            full: cursor.marks.is_empty(),
            started_ms: Utc::now().timestamp_millis(),
            object: 0,
            after: None,
            since: None,
            seen_max: 0,
            done: 0,
            total: 0,
        });
    }
    let full = cursor.run.as_ref().is_some_and(|r| r.full);
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
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
            let (next, written, object_done) = page(&target, object, &cursor, &counts).await?;
            cursor = next;
            *counts.entry(object.into()).or_default() += written.inserted as i64;
            *totals.entry(object).or_default() += written.total();
            if object_done {
                break;
            }
            if let Some(run) = &cursor.run {
                ctx.progress(progress(run), &progress_text(run, object))
                    .await?;
            }
        }
    }
    cursor.run = None;
    // What is linked now, whatever earlier syncs and matches did.
    let counts = synced::link_counts(&state.db, workspace, SOURCE).await?;
    let (cursor, counts) = encode(&cursor, &counts);
    repo::save_progress(&state.db, row.id, &cursor, &counts).await?;
    Ok(serde_json::json!({ "full": full, "written": totals }))
}

fn progress(run: &Run) -> i32 {
    let within = if run.total > 0 {
        (run.done as f64 / run.total as f64).min(1.0)
    } else {
        0.0
    };
    ((run.object as f64 + within) * 100.0 / OBJECTS.len() as f64) as i32
}

/// "2,400 of 10,000 companies" (a search does not say how many changed: "2,400 companies").
fn progress_text(run: &Run, object: &str) -> String {
    let of_total = if run.total > 0 {
        format!(" of {}", group_thousands(run.total as u64))
    } else {
        String::new()
    };
    format!("{}{of_total} {object}", group_thousands(run.done as u64))
}

async fn paused(state: &AppState, workspace: WorkspaceId, id: i64) -> Result<bool, Failure> {
    let row = repo::get(&state.db, workspace, id).await?;
    Ok(ConnectorState::parse(&row.state) != Some(ConnectorState::Connected))
}

fn encode(cursor: &Cursor, counts: &BTreeMap<String, i64>) -> (String, String) {
    (
        serde_json::to_string(cursor).unwrap_or_else(|_| "{}".into()),
        serde_json::to_string(counts).unwrap_or_else(|_| "{}".into()),
    )
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
            synced::upsert_companies(&txn, t.workspace, SOURCE, rows).await?
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
    if !more {
        let previous = next.marks.get(object).copied().unwrap_or(0);
        let mark = if run.full {
            run.started_ms - MARK_MARGIN_MS
        } else {
            run.seen_max.max(previous)
        };
        next.marks.insert(object.into(), mark);
        run.object += 1;
        run.after = None;
        run.since = None;
        run.seen_max = 0;
        run.done = 0;
        run.total = 0;
    }
    next.run = Some(run);
    let mut next_counts = counts.clone();
    *next_counts.entry(object.into()).or_default() += written.inserted as i64;
    let (cursor_json, counts_json) = encode(&next, &next_counts);
    repo::save_progress(&txn, t.connector_id, &cursor_json, &counts_json).await?;
    txn.commit().await?;
    Ok((next, written, !more))
}
