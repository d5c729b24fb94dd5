//! `/w/{slug}/deals/new` and `/w/{slug}/deals/{id}/edit`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use super::workspace::use_slug;
use crate::api::companies::list_companies;
use crate::api::deals::{get_deal, list_pipelines, CreateDeal, DeleteDeal, UpdateDeal};
use crate::api::members::list_members;
use crate::components::form::{form_values, Alert, AlertKind, Field, INPUT};
use crate::components::ui::{button_class, use_hydrated, Card, PageHeader};
use crate::types::{ApiError, Deal, DealInput, ListQuery, Pipeline};

#[component]
pub fn NewDealPage() -> impl IntoView {
    let slug = use_slug();
    let data = Resource::new(
        move || slug.get(),
        |s| async move {
            let pipelines = list_pipelines(s.clone()).await?;
            let members = list_members(s).await?;
            Ok::<_, ApiError>((pipelines, members))
        },
    );
    view! {
        <Title text="New deal" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((pipelines, members)) => view! { <DealForm pipelines members existing=None /> }.into_any(),
                    Err(e) => view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn EditDealPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(
        move || (slug.get(), id()),
        |(s, id)| async move {
            let deal = get_deal(s.clone(), id).await?;
            let pipelines = list_pipelines(s.clone()).await?;
            let links = crate::api::connectors::list_record_links(s.clone(), "deal".into(), id)
                .await
                .unwrap_or_default();
            let members = list_members(s).await?;
            Ok::<_, ApiError>((deal, pipelines, members, links))
        },
    );
    view! {
        <Title text="Edit deal" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((deal, pipelines, members, links)) => view! {
                        <SyncNotes links />
                        <DealForm pipelines members existing=Some(deal) />
                    }.into_any(),
                    Err(_) => view! { <super::not_found::NotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Synced with HubSpot (id 301)", and a conflict that kept the last change here from being
/// sent there.
#[component]
fn SyncNotes(links: Vec<crate::types::RecordLink>) -> impl IntoView {
    use crate::components::form::{Alert, AlertKind};
    links
        .into_iter()
        .map(|l| {
            let system = if l.source == "hubspot" { "HubSpot".to_owned() } else { l.source.clone() };
            view! {
                <div class="mb-4 space-y-2" data-testid="sync-notes">
                    <p class="text-xs text-zinc-500">{format!("Synced with {system} (id {}); changes to stage, amount and close date are sent back.", l.external_id)}</p>
                    {l.conflict.map(|c| view! { <Alert kind=AlertKind::Error>{c}</Alert> })}
                </div>
            }
        })
        .collect_view()
}

#[component]
fn DealForm(
    pipelines: Vec<Pipeline>,
    members: Vec<crate::types::Member>,
    existing: Option<Deal>,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let query = use_query_map();
    let create = ServerAction::<CreateDeal>::new();
    let update = ServerAction::<UpdateDeal>::new();
    let remove = ServerAction::<DeleteDeal>::new();
    let result = Signal::derive(move || -> Option<Result<Deal, ApiError>> {
        create.value().get().or_else(|| update.value().get())
    });
    let navigate = use_navigate();
    let back = format!("/w/{}/deals", slug.get_untracked());
    {
        let back = back.clone();
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if let Some(Ok(d)) = result.get() {
                navigate(
                    &format!("{back}?pipeline={}", d.pipeline_id),
                    Default::default(),
                );
            }
            if let Some(Ok(())) = remove.value().get() {
                navigate(&back, Default::default());
            }
        });
    }
    let first = pipelines.first().map(|p| p.id).unwrap_or(0);
    let pipeline = RwSignal::new(existing.as_ref().map(|d| d.pipeline_id).unwrap_or(first));
    let pipelines = StoredValue::new(pipelines);
    let stages = move || {
        pipelines.with_value(|l| {
            l.iter()
                .find(|p| p.id == pipeline.get())
                .map(|p| p.stages.clone())
                .unwrap_or_default()
        })
    };

    // Company: preset from `?company=` (links from a company page) or the deal's own.
    let company = RwSignal::new(
        existing
            .as_ref()
            .and_then(|d| d.company_id.zip(d.company_name.clone())),
    );
    let preset = query
        .get_untracked()
        .get("company")
        .and_then(|c| c.parse::<i64>().ok());
    let search = RwSignal::new(String::new());
    // Search-as-you-type runs in the browser only (never rendered on the server).
    let matches = LocalResource::new(move || {
        let (s, q) = (slug.get(), search.get());
        async move {
            if q.trim().len() < 2 {
                return Ok(vec![]);
            }
            list_companies(
                s,
                ListQuery {
                    search: Some(q),
                    per_page: Some(6),
                    ..Default::default()
                },
            )
            .await
            .map(|p| p.items)
        }
    });

    let error_for = move |field: &'static str| {
        Signal::derive(move || match result.get() {
            Some(Err(e)) => e.field(field).map(str::to_owned),
            _ => None,
        })
    };
    let existing_id = existing.as_ref().map(|d| d.id);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        let opt = |k: &str| {
            v.get(k)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let input = DealInput {
            name: v.get("name").cloned().unwrap_or_default(),
            pipeline_id: pipeline.get_untracked(),
            stage_id: opt("stage_id").and_then(|s| s.parse().ok()).unwrap_or(0),
            company_id: company.get_untracked().map(|c| c.0).or(preset),
            amount: v.get("amount").cloned().unwrap_or_default(),
            currency: opt("currency"),
            probability: opt("probability").and_then(|p| p.parse().ok()),
            expected_close: opt("expected_close")
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            owner_id: opt("owner_id").and_then(|o| o.parse().ok()),
        };
        match existing_id {
            Some(id) => {
                update.dispatch(UpdateDeal {
                    workspace: slug.get_untracked(),
                    id,
                    input,
                });
            }
            None => {
                create.dispatch(CreateDeal {
                    workspace: slug.get_untracked(),
                    input,
                });
            }
        }
    };
    let d = existing.clone();
    let title = if existing.is_some() {
        "Edit deal"
    } else {
        "New deal"
    };
    let amount_text = d.as_ref().map(|d| {
        let exp = d.amount.currency.exponent();
        let unit = 10_i64.pow(exp);
        if d.amount.minor % unit == 0 {
            (d.amount.minor / unit).to_string()
        } else {
            format!(
                "{}.{:0w$}",
                d.amount.minor / unit,
                d.amount.minor % unit,
                w = exp as usize
            )
        }
    });
    let current_stage = d.as_ref().map(|d| d.stage_id);
    let current_owner = d.as_ref().and_then(|d| d.owner_id);
    view! {
        <PageHeader title=title />
        <Card class="p-6">
            <form on:submit=on_submit class="grid gap-5 sm:grid-cols-2" novalidate=true data-testid="deal-form">
                <div class="sm:col-span-2">
                    {move || match result.get() {
                        Some(Err(e)) if e.fields.is_empty() => Some(view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }),
                        Some(Err(_)) => Some(view! { <Alert kind=AlertKind::Error>"Some fields need attention."</Alert> }),
                        _ => None,
                    }}
                </div>
                <div class="sm:col-span-2">
                    <Field label="Deal name" name="name" required=true autofocus=true value=d.as_ref().map(|d| d.name.clone()).unwrap_or_default() error=error_for("name") />
                </div>
                <label class="block">
                    <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Pipeline"</span>
                    <select class=INPUT name="pipeline_id" on:change=move |ev| { if let Ok(p) = event_target_value(&ev).parse() { pipeline.set(p) } }>
                        {pipelines.with_value(|l| l.iter().map(|p| view! { <option value=p.id.to_string() selected=p.id == pipeline.get_untracked()>{p.name.clone()}</option> }).collect_view())}
                    </select>
                </label>
                <label class="block">
                    <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Stage"</span>
                    <select class=INPUT name="stage_id" data-testid="stage-select" aria-invalid=move || error_for("stage_id").get().is_some().to_string()>
                        {move || stages().into_iter().map(|s| view! { <option value=s.id.to_string() selected=Some(s.id) == current_stage>{format!("{} ({}%)", s.name, s.default_probability)}</option> }).collect_view()}
                    </select>
                    <p class="mt-1 text-xs text-rose-600 empty:hidden">{move || error_for("stage_id").get()}</p>
                </label>
                <div class="grid grid-cols-3 gap-3">
                    <div class="col-span-2"><Field label="Amount" name="amount" placeholder="12500" required=true value=amount_text.unwrap_or_default() error=error_for("amount") /></div>
                    <Field label="Currency" name="currency" placeholder="USD" value=d.as_ref().map(|d| d.amount.currency.as_str().to_owned()).unwrap_or_default() error=error_for("currency") />
                </div>
                <div class="grid grid-cols-2 gap-3">
                    <Field label="Probability %" name="probability" placeholder="stage default" value=d.as_ref().map(|d| d.probability.to_string()).unwrap_or_default() error=error_for("probability") />
                    <Field label="Expected close" name="expected_close" kind="date" value=d.as_ref().and_then(|d| d.expected_close).map(|c| c.to_string()).unwrap_or_default() error=error_for("expected_close") />
                </div>
                <div>
                    <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Company"</span>
                    {move || match company.get() {
                        Some((_, name)) => view! {
                            <div class="flex items-center gap-2 text-sm">
                                <span class="font-medium">{name}</span>
                                <button type="button" class="text-xs text-zinc-500 hover:text-rose-600" on:click=move |_| company.set(None)>"change"</button>
                            </div>
                        }.into_any(),
                        None => view! {
                            <input class=INPUT placeholder="Search companies…" aria-label="Company" data-testid="company-search" on:input=move |ev| search.set(event_target_value(&ev)) />
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    matches.await.unwrap_or_default().into_iter().map(|c| {
                                        let picked = (c.id, c.name.clone());
                                        view! { <button type="button" class="mt-1 block w-full rounded px-2 py-1 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800" on:click=move |_| company.set(Some(picked.clone()))>{c.name.clone()}</button> }
                                    }).collect_view()
                                })}
                            </Transition>
                        }.into_any(),
                    }}
                    <p class="mt-1 text-xs text-rose-600 empty:hidden">{move || error_for("company_id").get()}</p>
                </div>
                <label class="block">
                    <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Owner"</span>
                    <select class=INPUT name="owner_id">
                        <option value="">"Nobody yet"</option>
                        {members.into_iter().map(|m| view! { <option value=m.user_id.to_string() selected=Some(m.user_id) == current_owner>{m.name}</option> }).collect_view()}
                    </select>
                </label>
                <div class="flex items-center justify-between gap-3 sm:col-span-2">
                    <div>
                        {existing_id.map(|id| view! {
                            <button type="button" class="text-sm font-medium text-rose-600 hover:text-rose-500" disabled=move || !live.get()
                                on:click=move |_| {
                                    let ok = web_sys::window().and_then(|w| w.confirm_with_message("Delete this deal? Its activities are deleted with it.").ok()).unwrap_or(false);
                                    if ok { remove.dispatch(DeleteDeal { workspace: slug.get_untracked(), id }); }
                                }>"Delete deal"</button>
                        })}
                    </div>
                    <div class="flex gap-3">
                        <A href=back.clone() attr:class=button_class(false)>"Cancel"</A>
                        <button type="submit" class=button_class(true) disabled=move || !live.get() || create.pending().get() || update.pending().get() data-testid="save-deal">
                            {if existing_id.is_some() { "Save changes" } else { "Create deal" }}
                        </button>
                    </div>
                </div>
            </form>
        </Card>
    }
}
