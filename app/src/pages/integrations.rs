//! Settings → Integrations (admins): a card per connector with its state, account, last sync
//! and counts; connect with a token, sync now with live progress, pause, resume, disconnect.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::settings::SettingsHeader;
use super::workspace::use_slug;
use crate::api::connectors::{
    list_connectors, ConnectConnector, DisconnectConnector, PauseConnector, SyncConnector,
};
use crate::components::form::{field_error, form_values, general_error, Alert, AlertKind, Field};
use crate::components::format::{count, date_time};
use crate::components::live::{use_event_stream, LiveBadge};
use crate::components::ui::{button_class, use_hydrated, Badge, Card, Skeleton, Tone};
use crate::types::{ApiError, ConnectInput, Connector, ConnectorKind, ConnectorState, Job};

/// The live progress of sync jobs, by job id: percent and step.
type Progress = RwSignal<HashMap<i64, (i32, String, String)>>;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let slug = use_slug();
    let connect = ServerAction::<ConnectConnector>::new();
    let sync = ServerAction::<SyncConnector>::new();
    let pause = ServerAction::<PauseConnector>::new();
    let disconnect = ServerAction::<DisconnectConnector>::new();
    let connectors = Resource::new(
        move || {
            (
                slug.get(),
                connect.version().get(),
                sync.version().get(),
                pause.version().get(),
                disconnect.version().get(),
            )
        },
        |(s, ..)| list_connectors(s),
    );
    let progress: Progress = RwSignal::new(HashMap::new());
    // Which card's form was sent last: its errors show there only.
    let connecting: RwSignal<Option<ConnectorKind>> = RwSignal::new(None);
    let url = Signal::derive(move || Some(format!("/api/events?workspace={}", slug.get())));
    let live = use_event_stream(
        url,
        &["job", "resync"],
        Callback::new(move |(name, data): (String, String)| {
            if name != "job" {
                connectors.refetch();
                return;
            }
            let Ok(job) = serde_json::from_str::<Job>(&data) else {
                return;
            };
            if !matches!(job.kind.as_str(), "connector_sync" | "apollo_enrich") {
                return;
            }
            progress.update(|m| {
                m.insert(
                    job.id,
                    (
                        job.progress,
                        job.status.clone(),
                        job.step.clone().unwrap_or_default(),
                    ),
                );
            });
            if job.is_finished() {
                connectors.refetch();
            }
        }),
        Callback::new(move |_| connectors.refetch()),
        3_000,
    );
    // Back from a provider's consent page: `?connected=hubspot` or `?error=…`.
    let query = use_query_map();
    let returned = move || {
        query.with(|q| {
            if let Some(e) = q.get("error") {
                Some((AlertKind::Error, format!("Connecting failed: {e}")))
            } else {
                q.get("connected")
                    .and_then(|k| ConnectorKind::parse(&k))
                    .map(|k| {
                        (
                            AlertKind::Success,
                            format!("{} is connected; the first sync has started.", k.label()),
                        )
                    })
            }
        })
    };
    let errors = Signal::derive(move || {
        [
            general_error(&sync.value().get()),
            general_error(&pause.value().get()),
            general_error(&disconnect.value().get()),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    view! {
        <Title text="Integrations" />
        <SettingsHeader title="Integrations" subtitle="Keep the workspace in step with the systems your team already uses." />
        <div class="mb-3 flex justify-end"><LiveBadge state=live /></div>
        {move || returned().map(|(kind, m)| view! { <div class="mb-4" data-testid="oauth-notice"><Alert kind>{m}</Alert></div> })}
        {move || errors.get().map(|m| view! { <div class="mb-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
        <Transition fallback=|| view! { <Card class="p-6"><Skeleton class="h-24 w-full" /></Card> }>
            {move || Suspend::new(async move {
                match connectors.await {
                    Err(e) => view! { <Card class="p-6"><Alert kind=AlertKind::Error>{e.message}</Alert></Card> }.into_any(),
                    Ok(list) => view! {
                        <div class="grid gap-6">
                            {list.into_iter().map(|c| view! {
                                <ConnectorCard c progress connect connecting sync pause disconnect />
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn state_badge(state: ConnectorState) -> (Tone, &'static str) {
    match state {
        ConnectorState::NotConnected => (Tone::Neutral, "Not connected"),
        ConnectorState::Connected => (Tone::Good, "Connected"),
        ConnectorState::Paused => (Tone::Warn, "Paused"),
        ConnectorState::NeedsAttention => (Tone::Bad, "Needs attention"),
    }
}

#[component]
fn ConnectorCard(
    c: Connector,
    progress: Progress,
    connect: ServerAction<ConnectConnector>,
    connecting: RwSignal<Option<ConnectorKind>>,
    sync: ServerAction<SyncConnector>,
    pause: ServerAction<PauseConnector>,
    disconnect: ServerAction<DisconnectConnector>,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let (tone, label) = state_badge(c.state);
    let kind = c.kind;
    let job = c.sync_job_id;
    let running = move || {
        job.and_then(|id| progress.with(|m| m.get(&id).cloned()))
            .filter(|(_, status, _)| matches!(status.as_str(), "queued" | "running"))
    };
    let shown: &[&'static str] = if kind == ConnectorKind::Apollo {
        &["enriched", "credits"]
    } else {
        &["companies", "contacts", "deals"]
    };
    let counts = shown
        .iter()
        .copied()
        .map(|k| (k, c.counts.get(k).copied().unwrap_or(0)))
        .collect::<Vec<_>>();
    let needs_token = matches!(
        c.state,
        ConnectorState::NotConnected | ConnectorState::NeedsAttention
    );
    let connected = c.state == ConnectorState::Connected;
    let paused = c.state == ConnectorState::Paused;
    let has_row = c.state != ConnectorState::NotConnected;
    view! {
        <Card class="p-6">
            <div data-testid=format!("connector-{}", kind.as_str()) class="space-y-4">
                <div class="flex flex-wrap items-center justify-between gap-3">
                    <div>
                        <h2 class="text-base font-semibold text-zinc-900 dark:text-white">{c.label.clone()}</h2>
                        <p class="text-sm text-zinc-500">
                            {c.account.clone().unwrap_or_else(|| match kind {
                                ConnectorKind::Apollo => "Company firmographics by domain: size, revenue, industry, location, technologies, funding.".into(),
                                _ => "Companies, contacts, deals and pipelines, kept in step every 15 minutes.".into(),
                            })}
                        </p>
                    </div>
                    <span data-testid="connector-state"><Badge tone text=label /></span>
                </div>
                {c.attention.clone().map(|a| view! { <Alert kind=AlertKind::Error>{a}</Alert> })}
                {move || running().map(|(pct, _, step)| view! {
                    <div data-testid="sync-progress">
                        <div class="mb-1 flex justify-between text-xs text-zinc-500">
                            <span>{if step.is_empty() { "Waiting for a worker".to_owned() } else { step }}</span>
                            <span>{format!("{pct} %")}</span>
                        </div>
                        <div class="h-2 w-full rounded bg-zinc-100 dark:bg-zinc-800">
                            <div class="h-2 rounded bg-brand-600" style=format!("width: {}%", pct.clamp(0, 100))></div>
                        </div>
                    </div>
                })}
                {has_row.then(|| view! {
                    <dl class="grid grid-cols-2 gap-4 text-sm sm:grid-cols-4" data-testid="connector-counts">
                        <div>
                            <dt class="text-zinc-500">"Last sync"</dt>
                            <dd class="font-semibold">{c.last_sync_at.map(date_time).unwrap_or_else(|| "not yet".into())}</dd>
                        </div>
                        {counts.iter().map(|(k, n)| view! {
                            <div><dt class="capitalize text-zinc-500">{*k}</dt><dd class="font-semibold">{count(*n as u64)}</dd></div>
                        }).collect_view()}
                    </dl>
                })}
                {c.last_error.clone().filter(|_| c.attention.is_none()).map(|e| view! {
                    <p class="text-xs text-rose-600 dark:text-rose-400">{format!("Last sync: {e}")}</p>
                })}
                {(needs_token && c.oauth).then(|| view! {
                    <a rel="external" data-testid="connect-oauth" class=button_class(true)
                        href=move || format!("/connectors/{}/oauth/start?workspace={}", kind.as_str(), slug.get())>
                        {format!("Connect with {}", kind.label())}
                    </a>
                    <p class="text-xs text-zinc-500">"Or paste a token:"</p>
                })}
                {needs_token.then(|| view! { <TokenForm kind connect connecting /> })}
                <div class="flex flex-wrap gap-2">
                    {connected.then(|| view! {
                        <button class=button_class(false) data-testid="sync-now" disabled=move || !live.get() || running().is_some()
                            on:click=move |_| { sync.dispatch(SyncConnector { workspace: slug.get_untracked(), kind }); }>
                            {if kind == ConnectorKind::Apollo { "Enrich missing" } else { "Sync now" }}
                        </button>
                        <button class=button_class(false) disabled=move || !live.get()
                            on:click=move |_| { pause.dispatch(PauseConnector { workspace: slug.get_untracked(), kind, paused: true }); }>
                            "Pause"
                        </button>
                    })}
                    {paused.then(|| view! {
                        <button class=button_class(false) disabled=move || !live.get()
                            on:click=move |_| { pause.dispatch(PauseConnector { workspace: slug.get_untracked(), kind, paused: false }); }>
                            "Resume"
                        </button>
                    })}
                    {has_row.then(|| view! {
                        <button class=button_class(false) data-testid="disconnect" disabled=move || !live.get()
                            on:click=move |_| { disconnect.dispatch(DisconnectConnector { workspace: slug.get_untracked(), kind }); }>
                            "Disconnect"
                        </button>
                    })}
                </div>
            </div>
        </Card>
    }
}

#[component]
fn TokenForm(
    kind: ConnectorKind,
    connect: ServerAction<ConnectConnector>,
    connecting: RwSignal<Option<ConnectorKind>>,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let result = Signal::derive(move || -> Option<Result<Connector, ApiError>> {
        (connecting.get() == Some(kind))
            .then(|| connect.value().get())
            .flatten()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        connecting.set(Some(kind));
        let v = form_values(&ev);
        connect.dispatch(ConnectConnector {
            workspace: slug.get_untracked(),
            input: ConnectInput {
                kind,
                access_token: v.get("access_token").cloned().unwrap_or_default(),
                location_id: v
                    .get("location_id")
                    .cloned()
                    .filter(|l| !l.trim().is_empty()),
            },
        });
    };
    let (label, placeholder, hint) = match kind {
        ConnectorKind::Apollo => (
            "API key",
            "",
            "Apollo → Settings → Integrations → API keys",
        ),
        ConnectorKind::Hubspot => (
            "Private app access token",
            "pat-…",
            "HubSpot → Settings → Integrations → Private apps; scopes: crm.objects.companies.read, contacts.read, deals.read",
        ),
        ConnectorKind::Gohighlevel => (
            "Private integration token",
            "pit-…",
            "GoHighLevel → Settings → Private Integrations; scopes: contacts.readonly, opportunities.readonly, locations.readonly",
        ),
    };
    let needs_location = kind == ConnectorKind::Gohighlevel;
    view! {
        <form on:submit=on_submit class="flex flex-wrap items-end gap-3" data-testid="connect-form">
            <div class="min-w-64 flex-1">
                <Field label=label name="access_token" kind="password" autocomplete="off"
                    placeholder=placeholder hint=hint
                    error=Signal::derive(move || field_error(result.get(), "access_token")) />
            </div>
            {needs_location.then(|| view! {
                <div class="min-w-48">
                    <Field label="Location id" name="location_id" autocomplete="off"
                        hint="Settings → Business Profile"
                        error=Signal::derive(move || field_error(result.get(), "location_id")) />
                </div>
            })}
            <button type="submit" class=button_class(true) data-testid="connect" disabled=move || !live.get() || connect.pending().get()>
                "Connect"
            </button>
        </form>
    }
}
