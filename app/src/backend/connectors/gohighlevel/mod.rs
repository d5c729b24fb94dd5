//! GoHighLevel: a location's pipelines, then its contacts (with the companies they name),
//! then its opportunities as deals, a page at a time.
//!
//! Both objects are read through GoHighLevel's search, sorted by last update, ascending: a
//! first sync reads everything, later ones only what changed since the last (a filter on the
//! update date). Each page is written in one transaction with the cursor that follows it
//! (the last record's `searchAfter`), so a sync stopped anywhere resumes at the next page.

mod client;
mod map;

use std::collections::BTreeMap;

use serde_json::{json, Value};

pub use client::{Client, Location};

use super::credential::Keeper;
use super::cursor::{encode, paused, Cursor, Tally};
use super::{Credential, Failure};
use crate::backend::entity::connectors;
use crate::backend::jobs::JobContext;
use crate::backend::repo::{connectors as repo, synced};
use crate::backend::{AppState, WorkspaceId};

pub const SOURCE: &str = "gohighlevel";

/// Synced after the pipelines, in order: opportunities find their companies through the
/// contacts they name.
const OBJECTS: [&str; 2] = ["contacts", "opportunities"];

fn searched(object: &str) -> client::Searched {
    if object == "contacts" {
        client::Searched::Contacts
    } else {
        client::Searched::Opportunities
    }
}

/// The client for `row`: its location is the connector's account id.
pub fn client_for(state: &AppState, row: &connectors::Model, secret: &Credential) -> Client {
    let settings = state.connectors();
    Client::new(
        &settings.gohighlevel_url,
        &secret.access_token,
        row.account_id.as_deref().unwrap_or_default(),
        &settings.http,
    )
}

/// Runs (or resumes) one sync of `row`; returns what it wrote.
pub async fn sync(
    state: &AppState,
    ctx: &JobContext,
    workspace: WorkspaceId,
    row: &connectors::Model,
    secret: &Credential,
) -> Result<Value, Failure> {
    let mut keeper = Keeper::new(state, workspace, row, secret.clone());
    let mut client = client_for(state, row, secret);
    let mut cursor = Cursor::read(row.cursor.as_deref());
    let mut tally = Tally::new(&row.counts);
    ctx.step("Reading the pipelines", 0).await?;
    let pipelines: Vec<_> = client
        .pipelines()
        .await?
        .iter()
        .zip(0..)
        .map(|(p, i)| map::pipeline(p, i))
        .collect();
    let txn = crate::backend::db::begin_write(&state.db).await?;
    synced::upsert_pipelines(&txn, workspace, SOURCE, "GoHighLevel", pipelines).await?;
    txn.commit().await?;

    cursor.begin();
    let full = cursor.run.as_ref().is_some_and(|r| r.full);
    while let Some(run) = cursor.run.as_mut().filter(|r| r.object < OBJECTS.len()) {
        let object = OBJECTS[run.object];
        if run.after.is_none() && run.done == 0 {
            run.since = cursor.marks.get(object).copied();
        }
        ctx.step(
            &format!("Syncing {object}"),
            (run.object * 100 / OBJECTS.len()) as i32,
        )
        .await?;
        loop {
            if paused(state, workspace, row.id).await? {
                return Ok(json!({"paused": true}));
            }
            if keeper.renew().await? {
                client = client_for(state, row, &Credential::pasted(keeper.token()));
            }
            let (next, written, object_done) = page(
                state,
                &client,
                workspace,
                row.id,
                object,
                &cursor,
                &tally.counts,
            )
            .await?;
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

/// Where the page after `last` starts: its `searchAfter`, else its update time and id (the
/// sort GoHighLevel pages by).
fn search_after(last: &client::Record) -> Vec<Value> {
    last.search_after.clone().unwrap_or_else(|| {
        vec![
            json!(last.updated().map_or(0, |t| t.timestamp_millis())),
            json!(last.id),
        ]
    })
}

/// Fetches the next page of `object` and writes it together with the cursor that follows
/// it, in one transaction. Returns that cursor, what was written and whether the object is
/// done.
async fn page(
    state: &AppState,
    client: &Client,
    workspace: WorkspaceId,
    connector_id: i64,
    object: &str,
    cursor: &Cursor,
    counts: &BTreeMap<String, i64>,
) -> Result<(Cursor, synced::Written, bool), Failure> {
    let Some(mut run) = cursor.run.clone() else {
        return Ok((cursor.clone(), synced::Written::default(), true));
    };
    let after: Option<Vec<Value>> = run
        .after
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok());
    let since = if run.full { None } else { run.since };
    let what = searched(object);
    let fetched = client.search(what, since, after.as_deref()).await?;
    if let Some(total) = fetched.total {
        run.total = run.total.max(total);
    }
    let newest = fetched
        .records
        .iter()
        .filter_map(client::Record::updated)
        .map(|t| t.timestamp_millis())
        .max()
        .unwrap_or(0);
    run.seen_max = run.seen_max.max(newest);
    let more = fetched.records.len() >= what.page_size();
    run.after = fetched
        .records
        .last()
        .map(|last| serde_json::to_string(&search_after(last)).unwrap_or_default());

    let txn = crate::backend::db::begin_write(&state.db).await?;
    synced::plan_each_page(&txn).await?;
    let mut next_counts = counts.clone();
    let written = if object == "contacts" {
        let mut companies: Vec<_> = fetched.records.iter().filter_map(map::company).collect();
        companies.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        companies.dedup_by(|a, b| a.external_id == b.external_id);
        let made = synced::upsert_companies(&txn, workspace, SOURCE, synced::Owns::Gaps, companies)
            .await?;
        *next_counts.entry("companies".into()).or_default() += made.inserted as i64;
        let rows = fetched.records.iter().map(map::contact).collect();
        synced::upsert_contacts(&txn, workspace, SOURCE, rows).await?
    } else {
        let rows = fetched.records.iter().map(map::deal).collect();
        synced::upsert_deals(&txn, workspace, SOURCE, rows).await?
    };
    run.done += fetched.records.len() as i64;
    let mut next = cursor.clone();
    if more {
        next.run = Some(run);
    } else {
        next.finish_object(run, object);
    }
    *next_counts.entry(object.into()).or_default() += written.inserted as i64;
    let (cursor_json, counts_json) = encode(&next, &next_counts);
    repo::save_progress(&txn, connector_id, &cursor_json, &counts_json).await?;
    txn.commit().await?;
    Ok((next, written, !more))
}
