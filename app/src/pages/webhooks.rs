//! Settings → Webhooks (admins): endpoints and the events they receive, the signing secret
//! (shown once), a test event, and each endpoint's delivery log with "redeliver".

use leptos::prelude::*;
use leptos_meta::Title;

use super::settings::SettingsHeader;
use super::workspace::use_slug;
use crate::api::webhooks::{
    list_webhook_deliveries, list_webhooks, webhook_event_types, CreateWebhook, DeleteWebhook,
    RedeliverWebhook, TestWebhook, UpdateWebhook,
};
use crate::components::form::{
    copy_to_clipboard, field_error, form_values, general_error, Alert, AlertKind, Field, INPUT,
};
use crate::components::format;
use crate::components::ui::{button_class, use_hydrated, Badge, Card, Tone};
use crate::types::{ListQuery, WebhookDelivery, WebhookEndpoint, WebhookEndpointInput};

fn delivery_tone(status: &str) -> Tone {
    match status {
        "succeeded" => Tone::Good,
        "failed" => Tone::Bad,
        _ => Tone::Warn,
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let create = ServerAction::<CreateWebhook>::new();
    let update = ServerAction::<UpdateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let endpoints = Resource::new(
        move || {
            (
                slug.get(),
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |(s, ..)| list_webhooks(s),
    );
    let types = Resource::new(|| (), |_| webhook_event_types());
    let result = create.value();
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        let mut event_types: Vec<String> = v
            .keys()
            .filter_map(|k| k.strip_prefix("event:").map(str::to_owned))
            .collect();
        event_types.sort();
        create.dispatch(CreateWebhook {
            workspace: slug.get_untracked(),
            input: WebhookEndpointInput {
                url: v.get("url").cloned().unwrap_or_default(),
                description: v.get("description").cloned().unwrap_or_default(),
                event_types,
                enabled: true,
            },
        });
    };
    view! {
        <Title text="Webhooks" />
        <SettingsHeader title="Webhooks" subtitle="Send this workspace's events to your own systems, signed with HMAC-SHA256." />
        <div class="space-y-6">
            <Card class="p-6">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"New endpoint"</h2>
                <form on:submit=on_create class="mt-4 space-y-4">
                    <div class="grid gap-4 md:grid-cols-2">
                        <Field label="URL" name="url" placeholder="https://hooks.example.com/hyperformant" required=true
                            error=Signal::derive(move || field_error(result.get(), "url")) />
                        <Field label="Description" name="description" placeholder="CRM sync"
                            error=Signal::derive(move || field_error(result.get(), "description")) />
                    </div>
                    <fieldset>
                        <legend class="mb-1.5 text-sm font-medium text-zinc-700 dark:text-zinc-300">"Events"</legend>
                        <div class="flex flex-wrap gap-x-5 gap-y-2">
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    types.await.unwrap_or_default().into_iter().map(|t| view! {
                                        <label class="inline-flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
                                            <input type="checkbox" name=format!("event:{t}") value="on" checked=t == "report.completed"
                                                class="size-4 rounded border-zinc-300 text-brand-600" />
                                            <code class="text-xs">{t.clone()}</code>
                                        </label>
                                    }).collect_view()
                                })}
                            </Transition>
                        </div>
                        <p class="mt-1 text-xs text-rose-600 empty:hidden" role="alert">{move || field_error(result.get(), "event_types")}</p>
                    </fieldset>
                    <button type="submit" class=button_class(true) data-testid="create-webhook" disabled=move || !live.get() || create.pending().get()>
                        "Add endpoint"
                    </button>
                </form>
                {move || general_error(&result.get()).map(|m| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
                {move || result.get().and_then(|r| r.ok()).map(|created| {
                    let secret = created.secret.clone();
                    view! {
                        <div class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 dark:border-emerald-500/30 dark:bg-emerald-500/10">
                            <p class="text-sm text-emerald-800 dark:text-emerald-200">
                                "Copy the signing secret now; it will not be shown again. Verify each request's "
                                <code>"X-Hyperformant-Signature: t=…,v1=…"</code>
                                " as HMAC-SHA256 of “t.body” with it."
                            </p>
                            <div class="mt-2 flex items-center gap-2">
                                <input readonly class=format!("{INPUT} font-mono text-xs") value=secret.clone() data-testid="webhook-secret" />
                                <button type="button" class=button_class(false) on:click=move |_| copy_to_clipboard(&secret)>"Copy"</button>
                            </div>
                        </div>
                    }
                })}
            </Card>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match endpoints.await {
                        Err(e) => view! { <Card class="p-6"><p class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <Card class="p-8"><p class="text-center text-sm text-zinc-500">"No endpoints yet. Add one above to receive events such as a finished report."</p></Card>
                        }.into_any(),
                        Ok(list) => list.into_iter().map(|e| view! { <EndpointCard endpoint=e update delete /> }).collect_view().into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn EndpointCard(
    endpoint: WebhookEndpoint,
    update: ServerAction<UpdateWebhook>,
    delete: ServerAction<DeleteWebhook>,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let test = ServerAction::<TestWebhook>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    let id = endpoint.id;
    let deliveries = Resource::new(
        move || (slug.get(), test.version().get(), redeliver.version().get()),
        move |(s, ..)| {
            list_webhook_deliveries(
                s,
                id,
                ListQuery {
                    per_page: Some(20),
                    ..Default::default()
                },
            )
        },
    );
    // Deliveries settle in the background: look again a few times after sending.
    let refresh = move || {
        for delay in [700u64, 2_000, 5_000] {
            set_timeout(
                move || deliveries.refetch(),
                std::time::Duration::from_millis(delay),
            );
        }
    };
    Effect::new(move |_| {
        if test.version().get() > 0 || redeliver.version().get() > 0 {
            refresh();
        }
    });
    let toggled = WebhookEndpointInput {
        url: endpoint.url.clone(),
        description: endpoint.description.clone(),
        event_types: endpoint.event_types.clone(),
        enabled: !endpoint.enabled,
    };
    let enabled = endpoint.enabled;
    view! {
        <Card class="overflow-hidden" >
            <div class="flex flex-wrap items-start justify-between gap-3 p-5" data-testid="webhook-endpoint">
                <div class="min-w-0">
                    <p class="break-all font-mono text-sm text-zinc-900 dark:text-zinc-100">{endpoint.url.clone()}</p>
                    <p class="mt-0.5 text-sm text-zinc-500">{endpoint.description.clone()}</p>
                    <div class="mt-2 flex flex-wrap gap-1.5">
                        {endpoint.event_types.iter().map(|t| view! { <Badge tone=Tone::Brand text=t.clone() /> }).collect_view()}
                        {(!enabled).then(|| view! { <Badge tone=Tone::Warn text="paused" /> })}
                    </div>
                </div>
                <div class="flex items-center gap-2">
                    <button type="button" class=button_class(false) data-testid="test-webhook" disabled=move || !live.get() || test.pending().get()
                        on:click=move |_| { test.dispatch(TestWebhook { workspace: slug.get_untracked(), id }); }>"Send test event"</button>
                    <button type="button" class=button_class(false) disabled=move || !live.get()
                        on:click=move |_| { update.dispatch(UpdateWebhook { workspace: slug.get_untracked(), id, input: toggled.clone() }); }>
                        {if enabled { "Pause" } else { "Resume" }}
                    </button>
                    <button type="button" class="text-sm font-medium text-rose-600 hover:text-rose-500 disabled:opacity-50 dark:text-rose-400" disabled=move || !live.get()
                        on:click=move |_| {
                            let sure = web_sys::window().and_then(|w| w.confirm_with_message("Delete this endpoint and its delivery log?").ok()).unwrap_or(false);
                            if sure { delete.dispatch(DeleteWebhook { workspace: slug.get_untracked(), id }); }
                        }>"Delete"</button>
                </div>
            </div>
            {move || test.value().get().and_then(|r| r.err()).map(|e| view! { <div class="px-5 pb-3"><Alert kind=AlertKind::Error>{e.message}</Alert></div> })}
            <div class="border-t border-zinc-100 dark:border-zinc-800">
                <table class="w-full text-left text-sm" data-testid="webhook-deliveries">
                    <thead class="text-xs uppercase tracking-wide text-zinc-500">
                        <tr>
                            <th class="px-5 py-2">"Event"</th>
                            <th class="px-5 py-2">"Status"</th>
                            <th class="hidden px-5 py-2 md:table-cell">"Response"</th>
                            <th class="hidden px-5 py-2 md:table-cell">"Duration"</th>
                            <th class="px-5 py-2">"When"</th>
                            <th class="px-5 py-2"></th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let page = deliveries.await.map(|p| p.items).unwrap_or_default();
                                if page.is_empty() {
                                    return view! { <tr><td colspan="6" class="px-5 py-4 text-center text-zinc-500">"No deliveries yet."</td></tr> }.into_any();
                                }
                                page.into_iter().map(|d| view! { <DeliveryRow d redeliver /> }).collect_view().into_any()
                            })}
                        </Transition>
                    </tbody>
                </table>
            </div>
        </Card>
    }
}

#[component]
fn DeliveryRow(d: WebhookDelivery, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let now = chrono::Utc::now();
    let id = d.id;
    let response = match (d.response_code, &d.error) {
        (Some(code), _) => format!("HTTP {code}"),
        (None, Some(e)) => e.clone(),
        (None, None) => "—".into(),
    };
    let payload = serde_json::from_str::<serde_json::Value>(&d.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| d.payload.clone());
    view! {
        <tr class="align-top">
            <td class="px-5 py-2">
                <details>
                    <summary class="cursor-pointer"><code class="text-xs">{d.event_type.clone()}</code></summary>
                    <pre class="mt-2 max-w-xl overflow-x-auto rounded bg-zinc-50 p-2 text-xs dark:bg-zinc-950">{payload}</pre>
                    {d.response_excerpt.clone().map(|r| view! { <p class="mt-1 text-xs text-zinc-500">"Response: "{r}</p> })}
                </details>
            </td>
            <td class="px-5 py-2">
                <Badge tone=delivery_tone(&d.status) text=d.status.clone() />
                <span class="ml-1 text-xs text-zinc-500">{format!("×{}", d.attempts)}</span>
            </td>
            <td class="hidden px-5 py-2 text-zinc-600 md:table-cell dark:text-zinc-300">{response}</td>
            <td class="hidden px-5 py-2 tabular-nums text-zinc-500 md:table-cell">{d.duration_ms.map(|ms| format::duration_ms(i64::from(ms))).unwrap_or_else(|| "—".into())}</td>
            <td class="px-5 py-2 text-zinc-500">{format::relative(d.created_at, now)}</td>
            <td class="px-5 py-2 text-right">
                <button type="button" class="text-sm font-medium text-brand-600 hover:text-brand-500 disabled:opacity-50 dark:text-brand-400" disabled=move || !live.get()
                    on:click=move |_| { redeliver.dispatch(RedeliverWebhook { workspace: slug.get_untracked(), delivery_id: id }); }>"Redeliver"</button>
            </td>
        </tr>
    }
}
