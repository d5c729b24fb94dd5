//! `/w/{slug}` — the dashboard: KPIs against the previous period, five charts, running and
//! recent jobs, recent reports. The period, owner and pipeline live in the URL. Rendered with its data on the
//! server (no spinner on first paint), then kept live by the workspace event stream: a deal
//! moved in another tab changes the figures here without a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_location};

use super::jobs::{status_tone, ProgressBar};
use super::workspace::use_slug;
use crate::api::dashboard::get_dashboard;
use crate::api::jobs::list_jobs;
use crate::api::members::list_members;
use crate::api::reports::list_reports;
use crate::components::charts::{BarChart, LineChart};
use crate::components::format;
use crate::components::icons::{Icon, ARROW_RIGHT, BUILDING, CHART_BAR, DOCUMENT, SPARKLES};
use crate::components::list::{href_with, options_html};
use crate::components::live::{use_event_stream, LiveBadge};
use crate::components::ui::{Badge, Card, PageHeader, Skeleton};
use crate::types::{Dashboard, DashboardQuery, Kpi, KpiValue, ListQuery};

const PERIODS: [(u32, &str); 3] = [(30, "30 days"), (90, "90 days"), (365, "12 months")];

fn query_from_url() -> Memo<DashboardQuery> {
    let query = use_location().query;
    Memo::new(move |_| {
        let q = query.read();
        let date = |k: &str| {
            q.get(k)
                .and_then(|v| chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok())
        };
        let (from, to) = (date("from"), date("to"));
        DashboardQuery {
            days: if from.is_some() && to.is_some() {
                None
            } else {
                q.get("days").and_then(|d| d.parse().ok())
            },
            from: from.filter(|_| to.is_some()),
            to: to.filter(|_| from.is_some()),
            owner: q.get("owner").and_then(|o| o.parse().ok()),
            pipeline: q.get("pipeline").and_then(|p| p.parse().ok()),
        }
    })
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let slug = use_slug();
    let query = query_from_url();
    let dashboard = Resource::new(
        move || (slug.get(), query.get()),
        |(s, q)| get_dashboard(s, q),
    );
    let active = ListQuery {
        per_page: Some(6),
        ..Default::default()
    };
    let recent = ListQuery {
        per_page: Some(5),
        ..Default::default()
    };
    let jobs = Resource::new(move || slug.get(), move |s| list_jobs(s, active.clone()));
    let reports = Resource::new(move || slug.get(), move |s| list_reports(s, recent.clone()));
    let members = Resource::new(move || slug.get(), list_members);

    // Changes elsewhere refresh the figures; bursts (an import) coalesce into one refetch.
    let pending = StoredValue::new(false);
    let refresh_soon = move || {
        if !pending.get_value() {
            pending.set_value(true);
            set_timeout(
                move || {
                    pending.set_value(false);
                    dashboard.refetch();
                },
                std::time::Duration::from_millis(400),
            );
        }
    };
    let url = Signal::derive(move || Some(format!("/api/events?workspace={}", slug.get())));
    let live = use_event_stream(
        url,
        &["data", "derived", "job", "resync"],
        Callback::new(move |(name, _): (String, String)| match name.as_str() {
            // A report's status follows its job's.
            "job" => {
                jobs.refetch();
                reports.refetch();
            }
            _ => {
                refresh_soon();
                if name == "resync" || name == "derived" {
                    jobs.refetch();
                    reports.refetch();
                }
            }
        }),
        Callback::new(move |_| {
            dashboard.refetch();
            jobs.refetch();
            reports.refetch();
        }),
        15_000,
    );

    view! {
        <Title text="Dashboard" />
        <PageHeader title="Dashboard" subtitle="Your market and pipeline at a glance.">
            <LiveBadge state=live />
        </PageHeader>
        <Controls query members />
        <Suspense fallback=|| view! { <KpiSkeleton /> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Err(e) => view! { <Card class="p-6"><p role="alert" class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                    Ok(d) => view! { <DashboardBody d jobs reports /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

type JobsResource = Resource<Result<crate::types::Page<crate::types::Job>, crate::types::ApiError>>;
type ReportsResource =
    Resource<Result<crate::types::Page<crate::types::Report>, crate::types::ApiError>>;

/// A dashboard card's heading with a link to the whole section.
#[component]
fn CardTitle(title: &'static str, section: &'static str, link: &'static str) -> impl IntoView {
    let slug = use_slug();
    view! {
        <div class="mb-3 flex items-center justify-between">
            <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">{title}</h2>
            <A href=move || format!("/w/{}/{section}", slug.get()) attr:class="text-sm text-brand-600 hover:text-brand-500 dark:text-brand-400">{link}</A>
        </div>
    }
}

/// The newest reports, their status kept current by the workspace stream.
#[component]
fn ReportsCard(reports: ReportsResource) -> impl IntoView {
    let slug = use_slug();
    view! {
        <Card class="p-5">
            <CardTitle title="Recent reports" section="reports" link="All reports" />
            <Transition fallback=|| view! { <Skeleton class="h-5 w-full" /> }>
                {move || Suspend::new(async move {
                    let list = reports.await.map(|p| p.items).unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="text-sm text-zinc-500">"No reports yet. Market, competitor and pipeline reports you start appear here."</p> }.into_any();
                    }
                    view! {
                        <ul class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="dashboard-reports">
                            {list.into_iter().map(|r| {
                                let href = format!("/w/{}/reports/{}", slug.get_untracked(), r.id);
                                let status = r.status.as_str().to_string();
                                view! {
                                    <li class="flex items-center gap-3 py-2.5">
                                        <A href=href attr:class="min-w-0 flex-1 truncate text-sm font-medium text-zinc-800 hover:text-brand-600 dark:text-zinc-200">
                                            {r.title.clone()}
                                        </A>
                                        <span class="shrink-0 text-xs text-zinc-500">{r.kind.label()}" · "{format::date(r.created_at)}</span>
                                        <Badge tone=status_tone(&status) text=status.clone() />
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </Card>
    }
}

/// Running and recent jobs, refreshed by the workspace stream.
#[component]
fn JobsCard(jobs: JobsResource) -> impl IntoView {
    let slug = use_slug();
    view! {
        <Card class="p-5">
            <CardTitle title="Jobs" section="jobs" link="All jobs" />
            <Transition fallback=|| view! { <Skeleton class="h-5 w-full" /> }>
                {move || Suspend::new(async move {
                    let list = jobs.await.map(|p| p.items).unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="text-sm text-zinc-500">"No background work yet. Reports, imports and deliveries show up here as they run."</p> }.into_any();
                    }
                    view! {
                        <ul class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="dashboard-jobs">
                            {list.into_iter().map(|j| {
                                let href = format!("/w/{}/jobs/{}", slug.get_untracked(), j.id);
                                let (progress, status) = (j.progress, j.status.clone());
                                view! {
                                    <li class="flex items-center gap-3 py-2.5">
                                        <A href=href attr:class="min-w-0 flex-1 truncate text-sm font-medium text-zinc-800 hover:text-brand-600 dark:text-zinc-200">
                                            {format!("{} #{}", j.kind_label(), j.id)}
                                        </A>
                                        <div class="w-24"><ProgressBar value=Signal::stored(progress) status=Signal::stored(status) /></div>
                                        <Badge tone=status_tone(&j.status) text=j.status.clone() />
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </Card>
    }
}

/// Period links, a custom range (GET form) and the owner filter: all work without JS.
#[component]
fn Controls(
    query: Memo<DashboardQuery>,
    members: Resource<Result<Vec<crate::types::Member>, crate::types::ApiError>>,
) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let current_days = move || {
        let q = query.get();
        if q.from.is_some() {
            None
        } else {
            Some(q.days.unwrap_or(90))
        }
    };
    let on_owner = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        navigate(&href_with(&[("owner", Some(v))]), Default::default());
    };
    let q0 = query.get_untracked();
    view! {
        <div class="mb-5 flex flex-wrap items-center gap-3" data-testid="dashboard-controls">
            <nav class="inline-flex rounded-lg bg-zinc-100 p-0.5 text-sm dark:bg-zinc-800" aria-label="Period">
                {PERIODS.iter().map(|(days, label)| {
                    let days = *days;
                    view! {
                        <a href=move || href_with(&[("days", Some(days.to_string())), ("from", None), ("to", None)])
                            aria-current=move || (current_days() == Some(days)).then_some("page")
                            class="rounded-md px-3 py-1.5 font-medium text-zinc-600 hover:text-zinc-900 aria-[current=page]:bg-white aria-[current=page]:text-zinc-900 aria-[current=page]:shadow-sm dark:text-zinc-300 dark:aria-[current=page]:bg-zinc-900 dark:aria-[current=page]:text-white">
                            {*label}
                        </a>
                    }
                }).collect_view()}
            </nav>
            <form method="get" class="flex items-center gap-2 text-sm">
                <label class="sr-only" for="dash-from">"From"</label>
                <input id="dash-from" type="date" name="from" value=q0.from.map(|d| d.to_string()) class="rounded-lg border-0 bg-white px-2 py-1.5 text-sm ring-1 ring-inset ring-zinc-300 dark:bg-zinc-900 dark:ring-zinc-700" />
                <span class="text-zinc-400">"–"</span>
                <label class="sr-only" for="dash-to">"To"</label>
                <input id="dash-to" type="date" name="to" value=q0.to.map(|d| d.to_string()) class="rounded-lg border-0 bg-white px-2 py-1.5 text-sm ring-1 ring-inset ring-zinc-300 dark:bg-zinc-900 dark:ring-zinc-700" />
                {q0.owner.map(|o| view! { <input type="hidden" name="owner" value=o.to_string() /> })}
                <button type="submit" class="rounded-lg px-2.5 py-1.5 font-medium text-brand-600 hover:bg-brand-50 dark:text-brand-400 dark:hover:bg-brand-500/10">"Apply"</button>
            </form>
            <Transition fallback=|| ()>
                {move || {
                    let on_owner = on_owner.clone();
                    Suspend::new(async move {
                    let list = members.await.unwrap_or_default();
                    let current = query.get_untracked().owner.map(|o| o.to_string()).unwrap_or_default();
                    let options = std::iter::once((String::new(), "Everyone".to_owned()))
                        .chain(list.into_iter().map(|m| (m.user_id.to_string(), m.name)));
                    view! {
                        <label class="ml-auto flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-300">
                            <span>"Owner"</span>
                            <select name="owner" data-testid="dashboard-owner" on:change=on_owner.clone()
                                class="rounded-lg border-0 bg-white py-1.5 pl-3 pr-8 text-sm ring-1 ring-inset ring-zinc-300 dark:bg-zinc-900 dark:ring-zinc-700"
                                inner_html=options_html(options, &current)></select>
                        </label>
                    }
                })}}
            </Transition>
        </div>
    }
}

#[component]
fn DashboardBody(d: Dashboard, jobs: JobsResource, reports: ReportsResource) -> impl IntoView {
    // A workspace without deals or activity gets the tour instead of empty charts' company.
    let empty = d
        .created_vs_closed
        .series
        .iter()
        .all(|s| s.values.iter().flatten().all(|v| *v == 0.0))
        && d.pipeline_by_stage
            .series
            .iter()
            .all(|s| s.values.iter().flatten().all(|v| *v == 0.0));
    let period = format!(
        "{} – {}",
        format::date(d.from),
        format::date(d.to - chrono::Duration::seconds(1))
    );
    let pipeline_links = (d.pipelines.len() > 1).then(|| {
        let current = d.pipeline_id;
        d.pipelines.clone().into_iter().map(|(id, name)| {
            view! {
                <a href=move || href_with(&[("pipeline", Some(id.to_string()))])
                    aria-current=(current == Some(id)).then_some("page")
                    class="rounded px-2 py-0.5 text-xs text-zinc-500 hover:text-zinc-900 aria-[current=page]:bg-zinc-100 aria-[current=page]:text-zinc-900 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-white">
                    {name}
                </a>
            }
        }).collect_view()
    });
    view! {
        <p class="mb-3 text-xs text-zinc-500" data-testid="dashboard-period">{period}" · amounts in "{d.currency.clone()}</p>
        <div class="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7" data-testid="kpis">
            {d.kpis.into_iter().map(|k| view! { <KpiCard k /> }).collect_view()}
        </div>
        <div class="mt-6 grid gap-6 xl:grid-cols-2">
            <Card class="p-5">
                <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Open pipeline by stage"</h2>
                    <div class="flex gap-1">{pipeline_links}</div>
                </div>
                <BarChart data=d.pipeline_by_stage title="Open pipeline by stage" />
            </Card>
            <Card class="p-5">
                <h2 class="mb-2 text-sm font-semibold text-zinc-900 dark:text-white">"Won revenue"</h2>
                <LineChart data=d.won_revenue title="Won revenue" />
            </Card>
            <Card class="p-5">
                <h2 class="mb-2 text-sm font-semibold text-zinc-900 dark:text-white">"Deals created vs closed"</h2>
                <BarChart data=d.created_vs_closed title="Deals created vs closed" />
            </Card>
            <Card class="p-5">
                <h2 class="mb-2 text-sm font-semibold text-zinc-900 dark:text-white">"Competitor sentiment" <span class="font-normal text-zinc-500">"(30-day average)"</span></h2>
                <LineChart data=d.sentiment_trend title="Competitor sentiment" />
            </Card>
            <Card class="p-5">
                <h2 class="mb-2 text-sm font-semibold text-zinc-900 dark:text-white">"Activity volume"</h2>
                <BarChart data=d.activity_volume stacked=true title="Activity volume by kind" />
            </Card>
            <JobsCard jobs />
            <super::insights::RecentInsightsCard />
            <ReportsCard reports />
        </div>
        {empty.then(|| view! { <div class="mt-6"><GettingStarted /></div> })}
    }
}

/// How a KPI reads: its value, and its change with an arrow coloured by whether the change
/// is good (a longer sales cycle is not).
#[component]
fn KpiCard(k: Kpi) -> impl IntoView {
    let value = show(&k.value);
    let previous = show(&k.previous);
    let change = k.change();
    let lower_is_better = k.key == "sales_cycle_days";
    let (arrow, tone, text) = match change {
        None => ("", "text-zinc-400", "—".to_owned()),
        Some(c) => {
            let good = (c > 0.0) != lower_is_better;
            let text = match k.value {
                KpiValue::Percent(_) => format!("{:+.1} pts", c * 100.0),
                KpiValue::Score(_) => format!("{c:+.2}"),
                _ => format!("{:+.0}%", c * 100.0),
            };
            if c.abs() < 1e-9 {
                ("", "text-zinc-500", "no change".to_owned())
            } else if good {
                ("▲", "text-emerald-600 dark:text-emerald-400", text)
            } else {
                ("▼", "text-rose-600 dark:text-rose-400", text)
            }
        }
    };
    view! {
        <Card class="p-4">
            <div title=k.help.clone() data-testid=format!("kpi-{}", k.key)>
                <p class="text-xs font-medium text-zinc-500 dark:text-zinc-400">{k.label.clone()}</p>
                <p class="mt-1 truncate text-xl font-semibold tabular-nums text-zinc-900 dark:text-white" data-testid="kpi-value">{value}</p>
                <p class=format!("mt-1 text-xs tabular-nums {tone}")>
                    <span aria-hidden="true">{arrow}" "</span>{text}
                    <span class="text-zinc-400">" vs "{previous}</span>
                </p>
            </div>
        </Card>
    }
}

fn show(v: &KpiValue) -> String {
    match v {
        KpiValue::Money(list) => format::money_list(list),
        KpiValue::Percent(p) => p
            .map(|p| format!("{:.0}%", p * 100.0))
            .unwrap_or_else(|| "—".into()),
        KpiValue::Days(d) => d
            .map(|d| format!("{d:.0} days"))
            .unwrap_or_else(|| "—".into()),
        KpiValue::Count(n) => format::count(*n),
        KpiValue::Score(s) => s.map(|s| format!("{s:+.2}")).unwrap_or_else(|| "—".into()),
    }
}

#[component]
fn KpiSkeleton() -> impl IntoView {
    view! {
        <div class="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7">
            {(0..7).map(|_| view! { <Card class="p-4"><Skeleton class="h-4 w-20" /><Skeleton class="mt-2 h-6 w-24" /></Card> }).collect_view()}
        </div>
    }
}

struct Step {
    href: &'static str,
    icon: &'static str,
    title: &'static str,
    body: &'static str,
}

const STEPS: [Step; 4] = [
    Step {
        href: "companies",
        icon: BUILDING,
        title: "Companies",
        body: "Accounts, contacts and competitors, with market signals and metrics.",
    },
    Step {
        href: "deals",
        icon: CHART_BAR,
        title: "Deals",
        body: "Pipelines with their own stages, as a table or a board.",
    },
    Step {
        href: "reports",
        icon: DOCUMENT,
        title: "Reports",
        body: "Market, competitor and pipeline reports, built in the background.",
    },
    Step {
        href: "chat",
        icon: SPARKLES,
        title: "AI analyst",
        body: "Questions answered from your own data, with the records it used.",
    },
];

#[component]
fn GettingStarted() -> impl IntoView {
    let slug = use_slug();
    view! {
        <Card class="overflow-hidden">
            <ul class="grid gap-px bg-zinc-100 sm:grid-cols-2 dark:bg-zinc-800">
                {STEPS.iter().map(|step| view! {
                    <li class="bg-white dark:bg-zinc-900">
                        <A href=format!("/w/{}/{}", slug.get_untracked(), step.href) attr:class="group flex h-full gap-3 p-4 hover:bg-zinc-50 dark:hover:bg-zinc-800/60">
                            <Icon d=step.icon class="mt-0.5 size-5 shrink-0 text-brand-600 dark:text-brand-400" />
                            <div class="min-w-0">
                                <p class="flex items-center gap-1 text-sm font-semibold text-zinc-900 dark:text-white">
                                    {step.title}
                                    <Icon d=ARROW_RIGHT class="size-3.5 opacity-0 transition group-hover:translate-x-0.5 group-hover:opacity-100" />
                                </p>
                                <p class="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">{step.body}</p>
                            </div>
                        </A>
                    </li>
                }).collect_view()}
            </ul>
        </Card>
    }
}
