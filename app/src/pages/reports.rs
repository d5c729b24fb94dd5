//! `/w/{slug}/reports` — the workspace's reports (filters, live progress), the "New report"
//! form with kind-dependent fields and an optional repeat (a schedule), and the schedules.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::jobs::{status_tone, ProgressBar};
use super::workspace::{use_role, use_slug};
use crate::api::companies::list_companies;
use crate::api::deals::list_pipelines;
use crate::api::reports::{list_reports, StartReport};
use crate::api::schedules::{list_schedules, CreateSchedule, DeleteSchedule};
use crate::components::form::{
    field_error, form_values, general_error, Alert, AlertKind, Field, INPUT,
};
use crate::components::format;
use crate::components::icons::DOCUMENT;
use crate::components::list::{use_list_query, FilterChips, FilterSelect, Pager};
use crate::components::live::{use_event_stream, LiveBadge};
use crate::components::ui::{
    button_class, use_hydrated, Badge, Card, EmptyState, PageHeader, Skeleton,
};
use crate::types::{Job, ListQuery, Report, ReportInput, ReportKind, Role, ScheduleInput};

const FILTERS: &[&str] = &["kind", "status"];
const SIZE_BANDS: &[&str] = &["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"];

/// The live progress of report jobs, by job id, from the workspace's event stream.
type Progress = RwSignal<HashMap<i64, (i32, String)>>;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let query = use_list_query(FILTERS, "-created");
    let started = ServerAction::<StartReport>::new();
    let reports = Resource::new(
        move || (slug.get(), query.get(), started.version().get()),
        |(s, q, _)| list_reports(s, q),
    );
    let progress: Progress = RwSignal::new(HashMap::new());
    let url = Signal::derive(move || Some(format!("/api/events?workspace={}", slug.get())));
    let live = use_event_stream(
        url,
        &["job", "derived", "resync"],
        Callback::new(move |(name, data): (String, String)| {
            if name == "job" {
                if let Ok(job) = serde_json::from_str::<Job>(&data) {
                    if job.kind == "report" {
                        progress.update(|m| {
                            m.insert(job.id, (job.progress, job.status.clone()));
                        });
                        if matches!(job.status.as_str(), "succeeded" | "failed" | "cancelled") {
                            reports.refetch();
                        }
                    }
                }
            } else {
                reports.refetch();
            }
        }),
        Callback::new(move |_| reports.refetch()),
        3_000,
    );
    let can_run = move || role.get().is_some_and(|r| r >= Role::Member);
    let statuses = ["queued", "running", "succeeded", "failed", "cancelled"]
        .into_iter()
        .map(|s| (s.to_owned(), s.to_owned()))
        .collect::<Vec<_>>();
    let kinds = ReportKind::ALL
        .into_iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect::<Vec<_>>();
    view! {
        <Title text="Reports" />
        <PageHeader title="Reports" subtitle="Market, competitor and pipeline reports, made in the background as HTML, Markdown and PDF.">
            <LiveBadge state=live />
        </PageHeader>
        <Show when=can_run>
            <NewReport started />
        </Show>
        <div class="mb-3 mt-6 flex flex-wrap items-center gap-3">
            <FilterSelect label="Kinds" name="kind" options=kinds />
            <FilterSelect label="Statuses" name="status" options=statuses />
        </div>
        <div class="mb-3">
            <FilterChips labels=vec![("kind", "Kind".into()), ("status", "Status".into())] />
        </div>
        <Transition fallback=|| view! { <Card class="p-4"><Skeleton class="h-5 w-full" /></Card> }>
            {move || Suspend::new(async move {
                let page = match reports.await {
                    Ok(p) => p,
                    Err(e) => return view! { <Card class="p-6"><p class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                };
                if page.total == 0 {
                    return view! {
                        <Card><EmptyState icon=DOCUMENT title="No reports yet"
                            body="Start one above: a market segment, a company against its competitors, or a pipeline over a period." /></Card>
                    }.into_any();
                }
                let (p, per, total, exact) = (page.page, page.per_page, page.total, page.total_exact);
                view! {
                    <Card class="overflow-x-auto">
                        <table class="w-full text-left text-sm" data-testid="reports-table">
                            <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                                <tr>
                                    <th class="px-4 py-3">"Report"</th>
                                    <th class="px-4 py-3">"Status"</th>
                                    <th class="hidden w-48 px-4 py-3 md:table-cell">"Progress"</th>
                                    <th class="px-4 py-3">"Created"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                {page.items.into_iter().map(|report| view! { <ReportRow report progress /> }).collect_view()}
                            </tbody>
                        </table>
                    </Card>
                    <Pager page=p per_page=per total exact />
                }.into_any()
            })}
        </Transition>
        <Schedules />
    }
}

#[component]
fn ReportRow(report: Report, progress: Progress) -> impl IntoView {
    let slug = use_slug();
    let finished = report.status.is_finished();
    let job_id = report.job_id.unwrap_or_default();
    let status = report.status.as_str().to_owned();
    let shown_status = {
        let status = status.clone();
        Signal::derive(move || {
            if finished {
                status.clone()
            } else {
                progress
                    .with(|m| m.get(&job_id).map(|p| p.1.clone()))
                    .unwrap_or_else(|| status.clone())
            }
        })
    };
    let value = Signal::derive(move || {
        if finished {
            100
        } else {
            progress.with(|m| m.get(&job_id).map(|p| p.0)).unwrap_or(0)
        }
    });
    let href = move || format!("/w/{}/reports/{}", slug.get(), report.id);
    view! {
        <tr data-testid="report-row">
            <td class="px-4 py-3">
                <A href=href attr:class="font-medium text-zinc-900 hover:text-brand-600 dark:text-white">{report.title.clone()}</A>
                <div class="text-xs text-zinc-500">{report.kind.label()}</div>
            </td>
            <td class="px-4 py-3">{move || view! { <Badge tone=status_tone(&shown_status.get()) text=shown_status.get() /> }}</td>
            <td class="hidden px-4 py-3 md:table-cell"><ProgressBar value status=shown_status /></td>
            <td class="px-4 py-3 text-zinc-500">{format::date_time(report.created_at)}</td>
        </tr>
    }
}

fn opt(v: &HashMap<String, String>, k: &str) -> Option<String> {
    v.get(k)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn emails(v: &HashMap<String, String>, k: &str) -> Vec<String> {
    v.get(k)
        .map(|s| {
            s.split([',', ';', ' ', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[component]
fn NewReport(started: ServerAction<StartReport>) -> impl IntoView {
    let slug = use_slug();
    let hydrated = use_hydrated();
    let schedule = ServerAction::<CreateSchedule>::new();
    let (kind, set_kind) = signal("market".to_owned());
    let (repeat, set_repeat) = signal(false);
    let result = started.value();
    let sched_result = schedule.value();
    let companies = Resource::new(
        move || slug.get(),
        |s| {
            list_companies(
                s,
                ListQuery {
                    sort: Some("name".into()),
                    per_page: Some(200),
                    ..Default::default()
                },
            )
        },
    );
    let pipelines = Resource::new(move || slug.get(), list_pipelines);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        let input = ReportInput {
            kind: kind.get_untracked(),
            title: opt(&v, "title"),
            industry: opt(&v, "industry"),
            country: opt(&v, "country"),
            size_band: opt(&v, "size_band"),
            company_id: opt(&v, "company_id").and_then(|s| s.parse().ok()),
            pipeline_id: opt(&v, "pipeline_id").and_then(|s| s.parse().ok()),
            from: opt(&v, "from").and_then(|s| s.parse().ok()),
            to: opt(&v, "to").and_then(|s| s.parse().ok()),
            deliver_to: emails(&v, "deliver_to"),
        };
        if repeat.get_untracked() {
            // A schedule keeps the segment, not the dates: each run covers its own period.
            let stored = ReportInput {
                from: None,
                to: None,
                deliver_to: Vec::new(),
                ..input.clone()
            };
            schedule.dispatch(CreateSchedule {
                workspace: slug.get_untracked(),
                input: ScheduleInput {
                    name: input
                        .title
                        .clone()
                        .unwrap_or_else(|| format!("Repeating {}", kind.get_untracked())),
                    kind: kind.get_untracked(),
                    input: serde_json::to_value(&stored).unwrap_or_default(),
                    cron: opt(&v, "cron").unwrap_or_default(),
                    timezone: opt(&v, "timezone").unwrap_or_else(|| "UTC".into()),
                    recipients: input.deliver_to.clone(),
                    enabled: true,
                },
            });
        }
        started.dispatch(StartReport {
            workspace: slug.get_untracked(),
            input,
        });
    };
    let err = move |f: &'static str| Signal::derive(move || field_error(result.get(), f));
    let select = format!("{INPUT} mt-1.5");
    view! {
        <Card class="p-6">
            <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"New report"</h2>
            <form on:submit=on_submit class="mt-4 space-y-4" data-testid="new-report">
                <div class="grid gap-4 md:grid-cols-3">
                    <label class="block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Kind"
                        <select name="kind" class=select.clone() data-testid="report-kind"
                            on:change=move |ev| set_kind.set(event_target_value(&ev))>
                            {ReportKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                        </select>
                        <span class="mt-1 block text-xs text-rose-600" role="alert">{move || err("kind").get()}</span>
                    </label>
                    <Field label="Title (optional)" name="title" error=err("title") />
                    <Field label="E-mail the PDF to" name="deliver_to" placeholder="ana@example.com, ben@example.com" error=err("deliver_to") />
                </div>
                <Show when=move || kind.get() == "market">
                    <div class="grid gap-4 md:grid-cols-3">
                        <Field label="Industry" name="industry" placeholder="Software" error=err("industry") />
                        <Field label="Country" name="country" placeholder="DE" error=err("country") />
                        <label class="block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Size band"
                            <select name="size_band" class=format!("{INPUT} mt-1.5")>
                                <option value="">"Any size"</option>
                                {SIZE_BANDS.iter().map(|b| view! { <option value=*b>{format!("{b} employees")}</option> }).collect_view()}
                            </select>
                            <span class="mt-1 block text-xs text-rose-600" role="alert">{move || err("size_band").get()}</span>
                        </label>
                    </div>
                </Show>
                <Show when=move || kind.get() == "competitor">
                    <label class="block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Company"
                        <select name="company_id" class=format!("{INPUT} mt-1.5") data-testid="report-company">
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    companies.await.map(|p| p.items).unwrap_or_default().into_iter()
                                        .map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()
                                })}
                            </Transition>
                        </select>
                        <span class="mt-1 block text-xs text-rose-600" role="alert">{move || err("company_id").get()}</span>
                    </label>
                </Show>
                <Show when=move || kind.get() == "pipeline">
                    <label class="block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Pipeline"
                        <select name="pipeline_id" class=format!("{INPUT} mt-1.5")>
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    pipelines.await.unwrap_or_default().into_iter()
                                        .map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()
                                })}
                            </Transition>
                        </select>
                        <span class="mt-1 block text-xs text-rose-600" role="alert">{move || err("pipeline_id").get()}</span>
                    </label>
                </Show>
                <div class="grid gap-4 md:grid-cols-3">
                    <Field label="From (optional)" name="from" kind="date" error=err("from") />
                    <Field label="To (optional)" name="to" kind="date" error=err("to") />
                </div>
                <label class="inline-flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
                    <input type="checkbox" class="size-4 rounded border-zinc-300 text-brand-600"
                        on:change=move |ev| set_repeat.set(event_target_checked(&ev)) />
                    "Repeat on a schedule"
                </label>
                <Show when=move || repeat.get()>
                    <div class="grid gap-4 md:grid-cols-3">
                        <Field label="Cron (minute hour day month weekday)" name="cron" value="0 8 * * MON"
                            error=Signal::derive(move || field_error(sched_result.get(), "cron")) />
                        <Field label="Time zone" name="timezone" value="UTC"
                            error=Signal::derive(move || field_error(sched_result.get(), "timezone")) />
                    </div>
                </Show>
                <button type="submit" class=button_class(true) data-testid="start-report"
                    disabled=move || !hydrated.get() || started.pending().get()>
                    "Start report"
                </button>
            </form>
            {move || general_error(&result.get()).map(|m| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
            {move || general_error(&sched_result.get()).map(|m| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
        </Card>
    }
}

#[component]
fn Schedules() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let delete = ServerAction::<DeleteSchedule>::new();
    let schedules = Resource::new(
        move || (slug.get(), delete.version().get()),
        |(s, _)| list_schedules(s),
    );
    let can_run = move || role.get().is_some_and(|r| r >= Role::Member);
    view! {
        <h2 class="mb-3 mt-8 text-sm font-semibold text-zinc-900 dark:text-white">"Schedules"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = schedules.await.unwrap_or_default();
                if list.is_empty() {
                    return view! { <Card class="p-6"><p class="text-sm text-zinc-500">"No repeating reports. Tick “Repeat on a schedule” when starting one."</p></Card> }.into_any();
                }
                view! {
                    <Card class="overflow-x-auto">
                        <table class="w-full text-left text-sm" data-testid="schedules-table">
                            <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                {list.into_iter().map(|s| {
                                    let id = s.id;
                                    view! {
                                        <tr>
                                            <td class="px-4 py-3 font-medium">{s.name.clone()}<div class="text-xs text-zinc-500">{s.kind.clone()}</div></td>
                                            <td class="px-4 py-3 text-zinc-600">{s.description.clone()}" ("{s.timezone.clone()}")"</td>
                                            <td class="px-4 py-3 text-zinc-500">{s.recipients.join(", ")}</td>
                                            <td class="px-4 py-3 text-zinc-500">{s.next_run_at.map(format::date_time).unwrap_or_else(|| "paused".into())}</td>
                                            <td class="px-4 py-3 text-right">
                                                <Show when=can_run>
                                                    <button type="button" class=button_class(false)
                                                        on:click=move |_| { delete.dispatch(DeleteSchedule { workspace: slug.get_untracked(), id }); }>
                                                        "Delete"
                                                    </button>
                                                </Show>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </Card>
                }.into_any()
            })}
        </Transition>
    }
}
