//! `/w/{slug}/companies/{id}`: one company — overview, deals, activity timeline, competitors,
//! signals and metrics — as tabs held in the URL (`?tab=…`), so each is linkable.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use super::workspace::{use_role, use_slug};
use crate::api::activities::CreateActivity;
use crate::api::companies::{get_company_summary, list_companies, DeleteCompany};
use crate::api::competitors::{DeleteCompetitor, SaveCompetitor};
use crate::api::connectors::EnrichCompany;
use crate::components::form::{form_values, Alert, AlertKind, INPUT};
use crate::components::format;
use crate::components::provenance::{EnrichButton, Provenance};
use crate::components::ui::{button_class, use_hydrated, Badge, Card, Skeleton, Tone};
use crate::types::{
    ActivityInput, ActivityKind, CompanySummary, CompetitorInput, ListQuery, Role, StageKind,
    ThreatLevel,
};

const TABS: [(&str, &str); 6] = [
    ("overview", "Overview"),
    ("deals", "Deals"),
    ("activities", "Activity"),
    ("competitors", "Competitors"),
    ("signals", "Signals"),
    ("metrics", "Metrics"),
];

pub fn threat_tone(t: ThreatLevel) -> Tone {
    match t {
        ThreatLevel::High => Tone::Bad,
        ThreatLevel::Medium => Tone::Warn,
        ThreatLevel::Low => Tone::Neutral,
    }
}

pub fn sentiment_tone(v: f64) -> Tone {
    if v > 0.2 {
        Tone::Good
    } else if v < -0.2 {
        Tone::Bad
    } else {
        Tone::Neutral
    }
}

pub fn stage_tone(k: StageKind) -> Tone {
    match k {
        StageKind::Won => Tone::Good,
        StageKind::Lost => Tone::Bad,
        StageKind::Open => Tone::Brand,
    }
}

#[component]
pub fn CompanyPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let query = use_query_map();
    let tab = Memo::new(move |_| {
        query
            .read()
            .get("tab")
            .filter(|t| TABS.iter().any(|(k, _)| k == t))
            .unwrap_or_else(|| "overview".into())
    });
    let save_competitor = ServerAction::<SaveCompetitor>::new();
    let delete_competitor = ServerAction::<DeleteCompetitor>::new();
    let add_activity = ServerAction::<CreateActivity>::new();
    let enrich = ServerAction::<EnrichCompany>::new();
    let summary = Resource::new(
        move || {
            (
                slug.get(),
                id.get(),
                save_competitor.version().get(),
                delete_competitor.version().get(),
                add_activity.version().get(),
                enrich.version().get(),
            )
        },
        |(s, id, ..)| get_company_summary(s, id),
    );
    let actions = Actions {
        save_competitor,
        delete_competitor,
        add_activity,
        enrich,
    };

    view! {
        <Suspense fallback=|| view! { <div class="space-y-4"><Skeleton class="h-9 w-72" /><Skeleton class="h-24 w-full" /></div> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Err(e) if e.code == crate::types::ErrorCode::NotFound => view! { <super::not_found::NotFound /> }.into_any(),
                    Err(e) => view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }.into_any(),
                    Ok(s) => view! { <CompanyView s tab actions /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    save_competitor: ServerAction<SaveCompetitor>,
    delete_competitor: ServerAction<DeleteCompetitor>,
    add_activity: ServerAction<CreateActivity>,
    enrich: ServerAction<EnrichCompany>,
}

#[component]
fn CompanyView(s: CompanySummary, tab: Memo<String>, actions: Actions) -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let can_write = move || role.get().is_some_and(|r| r >= Role::Member);
    let c = s.company.clone();
    let base = format!("/w/{}/companies/{}", slug.get_untracked(), c.id);
    let stats = [
        ("Open deals", format::count(s.open_deals)),
        ("Open pipeline", format::money_list(&s.open_pipeline)),
        ("Won", format::money_list(&s.won_total)),
        (
            "Sentiment",
            s.average_sentiment
                .map(format::sentiment)
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    let tabs_base = base.clone();
    let s = StoredValue::new(s);
    view! {
        <Title text=c.name.clone() />
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <A href=format!("/w/{}/companies", slug.get_untracked()) attr:class="text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200">"Companies"</A>
        </nav>
        <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
            <div class="min-w-0">
                <h1 class="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white" data-testid="company-name">{c.name.clone()}</h1>
                <div class="mt-2 flex flex-wrap items-center gap-2 text-sm text-zinc-500">
                    {c.domain.clone().map(|d| { let href = format!("https://{d}"); view! { <a href=href rel="noopener noreferrer" target="_blank" class="text-brand-600 hover:underline dark:text-brand-400">{d}</a> } })}
                    {c.industry.clone().map(|i| view! { <Badge tone=Tone::Brand text=i /> })}
                    {c.country.clone().map(|i| view! { <Badge tone=Tone::Neutral text=i /> })}
                    {c.tags.iter().map(|t| view! { <Badge tone=Tone::Neutral text=format!("#{t}") /> }).collect_view()}
                </div>
            </div>
            <Show when=can_write>
                <div class="flex gap-2">
                    <A href=format!("{base}/edit") attr:class=button_class(false)>"Edit"</A>
                    <EnrichButton workspace=slug.get_untracked() id=c.id enrich=actions.enrich />
                    <DeleteCompanyButton id=c.id name=c.name.clone() />
                </div>
            </Show>
        </div>
        <div class="mb-6 grid grid-cols-2 gap-3 lg:grid-cols-4">
            {stats.into_iter().map(|(label, value)| view! {
                <Card class="px-4 py-3">
                    <p class="text-xs font-medium uppercase tracking-wide text-zinc-500">{label}</p>
                    <p class="mt-1 text-lg font-semibold tabular-nums text-zinc-900 dark:text-white">{value}</p>
                </Card>
            }).collect_view()}
        </div>
        <nav aria-label="Company sections" class="mb-5 flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
            {TABS.iter().map(|(key, label)| {
                let key = *key;
                let href = if key == "overview" { tabs_base.clone() } else { format!("{tabs_base}?tab={key}") };
                view! {
                    // A plain link: the router's <A> would mark every tab current (same path).
                    <a href=href
                        aria-current=move || (tab.get() == key).then_some("page")
                        class="whitespace-nowrap border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-500 hover:text-zinc-800 aria-[current=page]:border-brand-600 aria-[current=page]:text-brand-700 dark:hover:text-zinc-200 dark:aria-[current=page]:text-brand-300">
                        {*label}
                    </a>
                }
            }).collect_view()}
        </nav>
        {move || {
            let s = s.get_value();
            match tab.get().as_str() {
                "deals" => view! { <DealsTab s /> }.into_any(),
                "activities" => view! { <ActivityTab s add=actions.add_activity can_write=can_write() /> }.into_any(),
                "competitors" => view! { <CompetitorsTab s save=actions.save_competitor remove=actions.delete_competitor can_write=can_write() /> }.into_any(),
                "signals" => view! { <SignalsTab s /> }.into_any(),
                "metrics" => view! { <MetricsTab s /> }.into_any(),
                _ => view! { <OverviewTab s /> }.into_any(),
            }
        }}
    }
}

#[component]
fn DeleteCompanyButton(id: i64, name: String) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let confirming = RwSignal::new(false);
    let delete = ServerAction::<DeleteCompany>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate(
                &format!("/w/{}/companies", slug.get_untracked()),
                Default::default(),
            );
        }
    });
    view! {
        <button type="button" class=button_class(false) disabled=move || !live.get() on:click=move |_| confirming.set(true) data-testid="delete-company">
            "Delete"
        </button>
        <Show when=move || confirming.get()>
            <div role="alertdialog" aria-modal="true" aria-labelledby="delete-title" class="fixed inset-0 z-50 flex items-center justify-center bg-zinc-950/40 p-4">
                <div class="w-full max-w-md rounded-xl bg-white p-6 shadow-xl dark:bg-zinc-900">
                    <h2 id="delete-title" class="text-base font-semibold text-zinc-900 dark:text-white">{format!("Delete {name}?")}</h2>
                    <p class="mt-2 text-sm text-zinc-500">
                        "Its activities, competitor links, metrics and signals are deleted with it. Its deals and contacts stay, unlinked. This cannot be undone."
                    </p>
                    {move || delete.value().get().and_then(|r| r.err()).map(|e| view! { <div class="mt-3"><Alert kind=AlertKind::Error>{e.message}</Alert></div> })}
                    <div class="mt-6 flex justify-end gap-3">
                        <button type="button" class=button_class(false) on:click=move |_| confirming.set(false)>"Cancel"</button>
                        <button type="button" data-testid="confirm-delete"
                            class="inline-flex items-center rounded-lg bg-rose-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-rose-500 disabled:opacity-60"
                            disabled=move || delete.pending().get()
                            on:click=move |_| { delete.dispatch(DeleteCompany { workspace: slug.get_untracked(), id }); }>
                            "Delete company"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

#[component]
fn OverviewTab(s: CompanySummary) -> impl IntoView {
    let c = s.company;
    let rows: Vec<(&str, String)> = vec![
        ("Employees", format::employees(c.employee_count)),
        (
            "Annual revenue",
            c.annual_revenue
                .map(|m| m.format())
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "Location",
            [c.city.clone(), c.country.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Founded",
            c.founded_year
                .map(|y| y.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        ("Source", c.source.label().to_owned()),
        ("Added", format::date(c.created_at)),
    ];
    let mut rows = rows;
    rows.extend(
        [("Technologies", &c.technologies), ("Funding", &c.funding)]
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.clone()?))),
    );
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <Card class="p-5 lg:col-span-2">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"About"</h2>
                <p class="mt-2 whitespace-pre-line text-sm text-zinc-600 dark:text-zinc-300">
                    {c.description.clone().unwrap_or_else(|| "No description yet.".into())}
                </p>
                <dl class="mt-4 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3">
                    {rows.into_iter().map(|(k, v)| view! {
                        <div><dt class="text-zinc-500">{k}</dt><dd class="font-medium text-zinc-900 dark:text-zinc-100">{if v.is_empty() { "—".to_owned() } else { v }}</dd></div>
                    }).collect_view()}
                </dl>
                <Provenance company=c.clone() />
                <div class="mt-4 flex gap-4 text-sm">
                    {c.website.clone().map(|w| view! { <a href=w rel="noopener noreferrer" target="_blank" class="text-brand-600 hover:underline dark:text-brand-400">"Website"</a> })}
                    {c.linkedin_url.clone().map(|w| view! { <a href=w rel="noopener noreferrer" target="_blank" class="text-brand-600 hover:underline dark:text-brand-400">"LinkedIn"</a> })}
                </div>
            </Card>
            <Card class="p-5">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Contacts"</h2>
                <ul class="mt-3 space-y-3">
                    {if s.contacts.is_empty() {
                        view! { <li class="text-sm text-zinc-500">"No contacts yet."</li> }.into_any()
                    } else {
                        s.contacts.into_iter().map(|p| view! {
                            <li class="text-sm">
                                <p class="font-medium text-zinc-900 dark:text-zinc-100">{p.name}</p>
                                <p class="text-xs text-zinc-500">{[p.title, p.email].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</p>
                            </li>
                        }).collect_view().into_any()
                    }}
                </ul>
            </Card>
        </div>
    }
}

#[component]
fn DealsTab(s: CompanySummary) -> impl IntoView {
    let slug = use_slug();
    if s.deals.is_empty() {
        return view! { <Card class="p-8 text-center text-sm text-zinc-500">"No deals with this company yet."</Card> }.into_any();
    }
    view! {
        <Card class="overflow-x-auto">
            <table class="w-full text-left text-sm">
                <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                    <tr><th class="px-4 py-3">"Deal"</th><th class="px-4 py-3">"Stage"</th><th class="px-4 py-3 text-right">"Amount"</th><th class="hidden px-4 py-3 md:table-cell">"Expected close"</th><th class="hidden px-4 py-3 md:table-cell">"Owner"</th></tr>
                </thead>
                <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                    {s.deals.into_iter().map(|d| view! {
                        <tr>
                            <td class="px-4 py-3 font-medium text-zinc-900 dark:text-zinc-100">
                                <A href=format!("/w/{}/deals?view=table&q={}", slug.get_untracked(), format::url_encode(&d.name))>{d.name.clone()}</A>
                            </td>
                            <td class="px-4 py-3"><Badge tone=stage_tone(d.stage_kind) text=d.stage_name.clone() /></td>
                            <td class="px-4 py-3 text-right tabular-nums">{d.amount.format()}</td>
                            <td class="hidden px-4 py-3 text-zinc-500 md:table-cell">{d.expected_close.map(format::day).unwrap_or_else(|| "—".into())}</td>
                            <td class="hidden px-4 py-3 text-zinc-500 md:table-cell">{d.owner_name.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </Card>
    }
    .into_any()
}

fn kind_dot(k: ActivityKind) -> &'static str {
    match k {
        ActivityKind::Call => "bg-sky-500",
        ActivityKind::Email => "bg-violet-500",
        ActivityKind::Meeting => "bg-amber-500",
        ActivityKind::Note => "bg-zinc-400",
        ActivityKind::Task => "bg-emerald-500",
    }
}

#[component]
fn ActivityTab(
    s: CompanySummary,
    add: ServerAction<CreateActivity>,
    can_write: bool,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let company_id = s.company.id;
    let now = chrono::Utc::now();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        add.dispatch(CreateActivity {
            workspace: slug.get_untracked(),
            input: ActivityInput {
                kind: v
                    .get("kind")
                    .and_then(|k| ActivityKind::parse(k))
                    .unwrap_or(ActivityKind::Note),
                subject: v.get("subject").cloned().unwrap_or_default(),
                body: v.get("body").cloned().filter(|b| !b.trim().is_empty()),
                occurred_at: None,
                company_id: Some(company_id),
                deal_id: None,
                contact_id: None,
                due_at: None,
                done: false,
            },
        });
    };
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="lg:col-span-2">
                {if s.recent_activities.is_empty() {
                    view! { <Card class="p-8 text-center text-sm text-zinc-500">"Nothing logged yet."</Card> }.into_any()
                } else {
                    view! {
                        <ol class="relative space-y-5 border-l border-zinc-200 pl-6 dark:border-zinc-800" data-testid="timeline">
                            {s.recent_activities.into_iter().map(|a| view! {
                                <li class="relative">
                                    <span class=format!("absolute -left-[1.85rem] top-1.5 size-3 rounded-full ring-4 ring-zinc-50 dark:ring-zinc-950 {}", kind_dot(a.kind))></span>
                                    <p class="text-sm font-medium text-zinc-900 dark:text-zinc-100">{a.subject}</p>
                                    <p class="text-xs text-zinc-500">{format!("{} · {} · {}", a.kind.label(), a.author_name.unwrap_or_else(|| "someone".into()), format::relative(a.occurred_at, now))}</p>
                                    {a.body.map(|b| view! { <p class="mt-1 whitespace-pre-line text-sm text-zinc-600 dark:text-zinc-300">{b}</p> })}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </div>
            {can_write.then(|| view! {
                <Card class="h-fit p-5">
                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Log activity"</h2>
                    <form on:submit=on_submit class="mt-3 space-y-3">
                        <select name="kind" class=INPUT aria-label="Kind">
                            {ActivityKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=*k == ActivityKind::Note>{k.label()}</option> }).collect_view()}
                        </select>
                        <input name="subject" class=INPUT placeholder="Subject" aria-label="Subject" required=true />
                        <textarea name="body" rows="3" class=INPUT placeholder="Notes (optional)" aria-label="Notes"></textarea>
                        {move || add.value().get().and_then(|r| r.err()).map(|e| view! { <Alert kind=AlertKind::Error>{e.message}</Alert> })}
                        <button type="submit" class=button_class(true) disabled=move || !live.get() || add.pending().get()>"Add to timeline"</button>
                    </form>
                </Card>
            })}
        </div>
    }
}

#[component]
fn CompetitorsTab(
    s: CompanySummary,
    save: ServerAction<SaveCompetitor>,
    remove: ServerAction<DeleteCompetitor>,
    can_write: bool,
) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let company_id = s.company.id;
    let search = RwSignal::new(String::new());
    let picked = RwSignal::new(None::<(i64, String)>);
    // Search-as-you-type runs in the browser only: a LocalResource is never rendered on the
    // server, so it cannot upset hydration.
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
                    per_page: Some(8),
                    ..Default::default()
                },
            )
            .await
            .map(|p| p.items)
        }
    });
    let threat = RwSignal::new(ThreatLevel::Medium);
    let list = move |items: Vec<crate::types::Competitor>, removable: bool| {
        items
            .into_iter()
            .map(move |c| {
                let link_id = c.id;
                let remove_label = format!("Remove {}", c.competitor_name);
                view! {
                    <li class="flex items-center justify-between gap-3 px-4 py-3">
                        <div>
                            <A href=format!("/w/{}/companies/{}", slug.get_untracked(), if removable { c.competitor_id } else { c.company_id }) attr:class="text-sm font-medium text-zinc-900 hover:underline dark:text-zinc-100">{c.competitor_name.clone()}</A>
                            <p class="text-xs text-zinc-500">{c.notes.clone()}</p>
                        </div>
                        <div class="flex items-center gap-3">
                            <Badge tone=threat_tone(c.threat_level) text=format!("{} threat", c.threat_level.label()) />
                            {(removable && can_write).then(|| view! {
                                <button type="button" class="text-xs text-zinc-400 hover:text-rose-600" aria-label=remove_label.clone()
                                    disabled=move || !live.get()
                                    on:click=move |_| { remove.dispatch(DeleteCompetitor { workspace: slug.get_untracked(), id: link_id }); }>"Remove"</button>
                            })}
                        </div>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="grid gap-6 lg:grid-cols-2">
            <Card>
                <h2 class="border-b border-zinc-100 px-4 py-3 text-sm font-semibold dark:border-zinc-800">{format!("{} competes with", s.company.name)}</h2>
                <ul class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="competitors">
                    {if s.competitors.is_empty() { view! { <li class="px-4 py-6 text-sm text-zinc-500">"No competitors recorded."</li> }.into_any() } else { list(s.competitors.clone(), true).into_any() }}
                </ul>
                {can_write.then(|| view! {
                    <div class="border-t border-zinc-100 p-4 dark:border-zinc-800">
                        <p class="mb-2 text-sm font-medium">"Add a competitor"</p>
                        <input class=INPUT placeholder="Type a company name…" aria-label="Find a company"
                            on:input=move |ev| { picked.set(None); search.set(event_target_value(&ev)); } />
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let found = matches.await.unwrap_or_default();
                                view! {
                                    <ul class="mt-2 space-y-1">
                                        {found.into_iter().filter(|c| c.id != company_id).map(|c| {
                                            let (cid, name) = (c.id, c.name.clone());
                                            view! {
                                                <li><button type="button" class="w-full rounded px-2 py-1 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
                                                    on:click=move |_| picked.set(Some((cid, name.clone())))>{c.name.clone()}<span class="ml-2 text-xs text-zinc-400">{c.domain.clone()}</span></button></li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }
                            })}
                        </Transition>
                        {move || picked.get().map(|(cid, name)| view! {
                            <div class="mt-3 flex flex-wrap items-center gap-2">
                                <span class="text-sm">{name}</span>
                                <select class=format!("{INPUT} w-32") aria-label="Threat level" on:change=move |ev| threat.set(ThreatLevel::parse(&event_target_value(&ev)).unwrap_or(ThreatLevel::Medium))>
                                    {ThreatLevel::ALL.iter().map(|t| view! { <option value=t.as_str() selected=*t == ThreatLevel::Medium>{t.label()}</option> }).collect_view()}
                                </select>
                                <button type="button" class=button_class(true) disabled=move || !live.get()
                                    on:click=move |_| {
                                        save.dispatch(SaveCompetitor { workspace: slug.get_untracked(), input: CompetitorInput { company_id, competitor_id: cid, threat_level: threat.get_untracked(), notes: None } });
                                        picked.set(None);
                                    }>"Add"</button>
                            </div>
                        })}
                        {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <div class="mt-2"><Alert kind=AlertKind::Error>{e.message}</Alert></div> })}
                    </div>
                })}
            </Card>
            <Card>
                <h2 class="border-b border-zinc-100 px-4 py-3 text-sm font-semibold dark:border-zinc-800">"Listed as a competitor by"</h2>
                <ul class="divide-y divide-zinc-100 dark:divide-zinc-800">
                    {if s.competitor_of.is_empty() { view! { <li class="px-4 py-6 text-sm text-zinc-500">"Nobody yet."</li> }.into_any() } else { list(s.competitor_of.clone(), false).into_any() }}
                </ul>
            </Card>
        </div>
    }
}

#[component]
fn SignalsTab(s: CompanySummary) -> impl IntoView {
    let now = chrono::Utc::now();
    if s.latest_signals.is_empty() {
        return view! { <Card class="p-8 text-center text-sm text-zinc-500">"No signals about this company yet."</Card> }.into_any();
    }
    view! {
        <Card>
            <ul class="divide-y divide-zinc-100 dark:divide-zinc-800">
                {s.latest_signals.into_iter().map(|sig| view! {
                    <li class="flex items-start justify-between gap-4 px-4 py-3">
                        <div class="min-w-0">
                            <p class="text-sm font-medium text-zinc-900 dark:text-zinc-100">
                                {match sig.url.clone() {
                                    Some(u) => view! { <a href=u rel="noopener noreferrer" target="_blank" class="hover:underline">{sig.title.clone()}</a> }.into_any(),
                                    None => view! { <span>{sig.title.clone()}</span> }.into_any(),
                                }}
                            </p>
                            <p class="text-xs text-zinc-500">{format!("{} · {}", sig.source_kind.label(), format::relative(sig.published_at, now))}</p>
                            {sig.excerpt.clone().map(|e| view! { <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-300">{e}</p> })}
                        </div>
                        <Badge tone=sentiment_tone(sig.sentiment) text=format::sentiment(sig.sentiment) />
                    </li>
                }).collect_view()}
            </ul>
        </Card>
    }
    .into_any()
}

#[component]
fn MetricsTab(s: CompanySummary) -> impl IntoView {
    use crate::components::charts::{CategoryChart, LineChart, Series, Sparkline, ValueFormat};
    if s.metrics.is_empty() {
        return view! { <Card class="p-8 text-center text-sm text-zinc-500">"No metrics recorded for this company."</Card> }.into_any();
    }
    view! {
        <div class="grid gap-6 md:grid-cols-2" data-testid="metrics">
            {s.metrics.into_iter().map(|m| {
                let last = m.points.last().map(|p| p.1).unwrap_or_default();
                let first = m.points.first().map(|p| p.1).unwrap_or_default();
                let change = if first != 0.0 { (last - first) / first.abs() * 100.0 } else { 0.0 };
                let title = m.metric.replace('_', " ");
                let chart = CategoryChart {
                    labels: m.points.iter().map(|p| p.0.format("%Y-%m").to_string()).collect(),
                    series: vec![Series::dense(title.clone(), m.points.iter().map(|p| p.1).collect::<Vec<f64>>())],
                    format: ValueFormat::Compact,
                };
                let values: Vec<f64> = m.points.iter().map(|p| p.1).collect();
                let trend_class = if change >= 0.0 { "text-xs font-medium text-emerald-600" } else { "text-xs font-medium text-rose-600" };
                view! {
                    <Card class="p-5">
                        <div class="flex items-start justify-between gap-4">
                            <div>
                                <h3 class="text-sm font-semibold capitalize text-zinc-900 dark:text-white">{title.clone()}</h3>
                                <p class="mt-1 text-2xl font-semibold tabular-nums">
                                    {ValueFormat::Compact.format(last)}
                                    <span class="ml-1 text-sm font-normal text-zinc-500">{m.unit.clone()}</span>
                                </p>
                                <p class=trend_class>{format!("{change:+.1}% over {} observations", m.points.len())}</p>
                            </div>
                            <div class="w-28"><Sparkline values label=title.clone() /></div>
                        </div>
                        <div class="mt-4"><LineChart data=chart title=title /></div>
                    </Card>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}
