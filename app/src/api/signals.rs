//! Market signals over the API. Filters: `company`, `source` (news/social/review), `tone`
//! (positive/neutral/negative); sorts: `published` (default newest first), `sentiment`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ListQuery, Page, Signal, SignalInput};

#[server(prefix = "/api", endpoint = "list_signals", input = Json)]
pub async fn list_signals(workspace: String, query: ListQuery) -> Result<Page<Signal>, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    Ok(crate::backend::repo::signals::list(
        state.list_db(),
        &scope,
        &query,
        Some(state.list_counts()),
    )
    .await?)
}

crate::endpoint_doc! {
    /// Market signals, newest first.
    ///
    /// Filters: `company`, `source` (news/social/review), `tone` (positive/neutral/negative);
    /// sorts: `published` (default, newest first), `sentiment`.
    ListSignals(workspace: String, query: ListQuery) -> Page<Signal>,
    example = {"workspace": "demo", "query": {"filters": {"tone": "negative"}, "sort": "-published", "per_page": 10}}
}

#[server(prefix = "/api", endpoint = "create_signal", input = Json)]
pub async fn create_signal(workspace: String, input: SignalInput) -> Result<Signal, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::repo::signals::create(&super::state()?.db, &auth, &input).await?;
    super::changed(&scope, "signals", None).await;
    Ok(out)
}

crate::endpoint_doc! {
    /// Records a news, social or review item about a company, with a sentiment from -1 to 1.
    CreateSignal(workspace: String, input: SignalInput) -> Signal,
    example = {"workspace": "demo", "input": {"company_id": 1, "source_kind": "news", "title": "Northwind opens a Berlin office", "url": "https://news.example/northwind-berlin", "sentiment": 0.6, "published_at": "2026-06-01T09:00:00Z"}}
}

#[server(prefix = "/api", endpoint = "delete_signal", input = Json)]
pub async fn delete_signal(workspace: String, id: i64) -> Result<(), ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    crate::backend::repo::signals::delete(&super::state()?.db, &auth, id).await?;
    super::changed(&scope, "signals", None).await;
    Ok(())
}

crate::endpoint_doc! {
    /// Deletes a signal.
    DeleteSignal(workspace: String, id: i64) -> (),
    example = {"workspace": "demo", "id": 1}
}
