//! `/w/{slug}/jobs` — running and recent background jobs, live — and `/w/{slug}/jobs/{id}`,
//! one job with its live log, cancel, retry and "run again".

use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::workspace::{use_role, use_slug};
use crate::api::jobs::{get_job, list_jobs, CancelJob, RetryJob, RunJobAgain};
use crate::components::format;
use crate::components::icons::SERVER;
use crate::components::list::{use_list_query, FilterChips, FilterSelect, Pager};
use crate::components::live::{use_event_stream, LiveBadge};
use crate::components::ui::{
    button_class, use_hydrated, Badge, Card, EmptyState, PageHeader, Skeleton, Tone,
};
use crate::types::{Job, JobEvent, Role};

const FILTERS: &[&str] = &["status", "kind", "since"];

pub fn status_tone(status: &str) -> Tone {
    match status {
        "succeeded" => Tone::Good,
        "failed" => Tone::Bad,
        "running" => Tone::Brand,
        "cancelled" => Tone::Warn,
        _ => Tone::Neutral,
    }
}

/// A progress bar (0–100) with its number for screen readers.
#[component]
pub fn ProgressBar(
    #[prop(into)] value: Signal<i32>,
    #[prop(into)] status: Signal<String>,
) -> impl IntoView {
    let colour = move || match status.get().as_str() {
        "failed" => "bg-rose-500",
        "cancelled" => "bg-amber-500",
        "succeeded" => "bg-emerald-500",
        _ => "bg-brand-600",
    };
    view! {
        <div
            class="h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
            role="progressbar"
            aria-valuemin="0"
            aria-valuemax="100"
            aria-valuenow=move || value.get().to_string()
            data-testid="job-progress"
        >
            <div
                class=move || format!("h-full rounded-full transition-all duration-500 {}", colour())
                style=move || format!("width: {}%", value.get().clamp(0, 100))
            ></div>
        </div>
    }
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_list_query(FILTERS, "-created");
    let jobs = Resource::new(move || (slug.get(), query.get()), |(s, q)| list_jobs(s, q));
    let url = Signal::derive(move || Some(format!("/api/events?workspace={}", slug.get())));
    let live = use_event_stream(
        url,
        &["job", "resync"],
        Callback::new(move |_| jobs.refetch()),
        Callback::new(move |_| jobs.refetch()),
        3_000,
    );
    let statuses = ["queued", "running", "succeeded", "failed", "cancelled"]
        .into_iter()
        .map(|s| (s.to_owned(), s.to_owned()))
        .collect::<Vec<_>>();
    let kinds = [
        "report",
        "import",
        "insights",
        "webhook_delivery",
        "email_delivery",
    ]
    .into_iter()
    .map(|s| (s.to_owned(), s.replace('_', " ")))
    .collect::<Vec<_>>();
    view! {
        <Title text="Jobs" />
        <PageHeader title="Jobs" subtitle="Background work in this workspace: reports, imports, deliveries.">
            <LiveBadge state=live />
        </PageHeader>
        <div class="mb-3 flex flex-wrap items-center gap-3">
            <FilterSelect label="Statuses" name="status" options=statuses />
            <FilterSelect label="Kinds" name="kind" options=kinds />
            <FilterSelect label="Periods" name="since" options=since_options() />
        </div>
        <div class="mb-3">
            <FilterChips labels=vec![("status", "Status".into()), ("kind", "Kind".into()), ("since", "Since".into())] />
        </div>
        <Transition fallback=|| view! { <Card class="p-4"><Skeleton class="h-5 w-full" /></Card> }>
            {move || Suspend::new(async move {
                let page = match jobs.await {
                    Ok(p) => p,
                    Err(e) => return view! { <Card class="p-6"><p class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                };
                if page.total == 0 {
                    return view! {
                        <Card><EmptyState icon=SERVER title="No jobs here" body="Reports, large imports and deliveries run in the background; they appear here with their progress." /></Card>
                    }.into_any();
                }
                let (p, per, total, exact) = (page.page, page.per_page, page.total, page.total_exact);
                view! {
                    <Card class="overflow-x-auto">
                        <table class="w-full text-left text-sm" data-testid="jobs-table">
                            <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                                <tr>
                                    <th class="px-4 py-3">"Job"</th>
                                    <th class="px-4 py-3">"Status"</th>
                                    <th class="hidden w-48 px-4 py-3 md:table-cell">"Progress"</th>
                                    <th class="hidden px-4 py-3 lg:table-cell">"Attempts"</th>
                                    <th class="hidden px-4 py-3 sm:table-cell">"Duration"</th>
                                    <th class="px-4 py-3">"Created"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                {page.items.into_iter().map(|job| view! { <JobRow job /> }).collect_view()}
                            </tbody>
                        </table>
                    </Card>
                    <Pager page=p per_page=per total exact />
                }.into_any()
            })}
        </Transition>
    }
}

fn since_options() -> Vec<(String, String)> {
    let today = Utc::now().date_naive();
    [
        (1, "Last 24 hours"),
        (7, "Last 7 days"),
        (30, "Last 30 days"),
    ]
    .into_iter()
    .map(|(d, label)| {
        (
            (today - chrono::Duration::days(d)).to_string(),
            label.to_owned(),
        )
    })
    .collect()
}

#[component]
fn JobRow(job: Job) -> impl IntoView {
    let slug = use_slug();
    let now = Utc::now();
    let href = format!("/w/{}/jobs/{}", slug.get_untracked(), job.id);
    let duration = job
        .duration_ms(now)
        .map(format::duration_ms)
        .unwrap_or_else(|| "—".into());
    let (progress, status) = (job.progress, job.status.clone());
    let (title, created) = (
        format!("{} #{}", job.kind_label(), job.id),
        format::relative(job.created_at, now),
    );
    view! {
        <tr class="hover:bg-zinc-50 dark:hover:bg-zinc-800/50" data-testid="job-row">
            <td class="px-4 py-3">
                <A href=href attr:class="block">
                    <span class="font-medium text-zinc-900 dark:text-zinc-100">{title}</span>
                    <span class="block text-xs text-zinc-500">{job.step.clone().unwrap_or_default()}</span>
                </A>
            </td>
            <td class="px-4 py-3"><Badge tone=status_tone(&job.status) text=job.status.clone() /></td>
            <td class="hidden px-4 py-3 md:table-cell">
                <div class="flex items-center gap-2">
                    <ProgressBar value=Signal::stored(progress) status=Signal::stored(status) />
                    <span class="w-9 text-right text-xs tabular-nums text-zinc-500">{progress}"%"</span>
                </div>
            </td>
            <td class="hidden px-4 py-3 tabular-nums text-zinc-600 lg:table-cell dark:text-zinc-300">{job.attempts}" / "{job.max_attempts}</td>
            <td class="hidden px-4 py-3 tabular-nums text-zinc-600 sm:table-cell dark:text-zinc-300">{duration}</td>
            <td class="px-4 py-3 text-zinc-500">{created}</td>
        </tr>
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    // The job and its whole log as the server had them at render time; the stream adds to it.
    let detail = Resource::new(
        move || (slug.get(), id.get()),
        |(s, id)| get_job(s, id, None),
    );
    let job = RwSignal::new(None::<Job>);
    let events = RwSignal::new(Vec::<JobEvent>::new());
    let url = Signal::derive(move || {
        let finished = job.with(|j| j.as_ref().is_some_and(Job::is_finished));
        (!finished && job.with(Option::is_some)).then(|| format!("/api/jobs/{}/events", id.get()))
    });
    let apply = move |(name, data): (String, String)| match name.as_str() {
        "job" => {
            if let Ok(j) = serde_json::from_str::<Job>(&data) {
                job.set(Some(j));
            }
        }
        "step" | "log" | "progress" => {
            if let Ok(e) = serde_json::from_str::<JobEvent>(&data) {
                events.update(|list| {
                    if list.last().is_none_or(|last| last.id < e.id) {
                        list.push(e);
                    }
                });
            }
        }
        _ => {}
    };
    let poll = move |_| {
        let after = events.with_untracked(|l| l.last().map(|e| e.id));
        leptos::task::spawn_local(async move {
            if let Ok(d) = get_job(slug.get_untracked(), id.get_untracked(), after).await {
                job.set(Some(d.job));
                events.update(|l| l.extend(d.events));
            }
        });
    };
    let live = use_event_stream(
        url,
        &["job", "step", "log", "progress"],
        Callback::new(apply),
        Callback::new(poll),
        2_000,
    );
    let can_run = move || role.get().is_some_and(|r| r >= Role::Member);

    view! {
        <Title text="Job" />
        <Suspense fallback=|| view! { <Card class="p-6"><Skeleton class="h-6 w-1/2" /></Card> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <Card class="p-6"><p class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                    Ok(d) => {
                        job.set(Some(d.job.clone()));
                        events.set(d.events.clone());
                        view! { <JobView job events live can_run=Signal::derive(can_run) /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobView(
    job: RwSignal<Option<Job>>,
    events: RwSignal<Vec<JobEvent>>,
    live: ReadSignal<crate::components::live::LiveState>,
    can_run: Signal<bool>,
) -> impl IntoView {
    let slug = use_slug();
    let hydrated = use_hydrated();
    let cancel = ServerAction::<CancelJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    let again = ServerAction::<RunJobAgain>::new();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        for j in [cancel.value().get(), retry.value().get()]
            .into_iter()
            .flatten()
            .flatten()
        {
            job.set(Some(j));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(j)) = again.value().get() {
            navigate(
                &format!("/w/{}/jobs/{}", slug.get_untracked(), j.id),
                Default::default(),
            );
        }
    });
    let error = move || {
        [
            cancel.value().get(),
            retry.value().get(),
            again.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
        .map(|e| e.message)
    };
    let get = move |f: fn(&Job) -> String| job.with(|j| j.as_ref().map(f).unwrap_or_default());
    let status = Signal::derive(move || get(|j| j.status.clone()));
    let progress = Signal::derive(move || job.with(|j| j.as_ref().map_or(0, |j| j.progress)));
    let job_id = move || job.with(|j| j.as_ref().map_or(0, |j| j.id));
    let finished = move || job.with(|j| j.as_ref().is_some_and(Job::is_finished));
    let ws = move || slug.get_untracked();

    // Keep the newest log line in view while the job runs.
    let log_ref = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        events.track();
        if let Some(el) = log_ref.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    view! {
        <PageHeader title=get(|j| format!("{} #{}", j.kind_label(), j.id))>
            <LiveBadge state=live />
            <Show when=move || can_run.get()>
                <Show when=move || !finished()>
                    <button class=button_class(false) data-testid="cancel-job"
                        disabled=move || !hydrated.get() || cancel.pending().get() || job.with(|j| j.as_ref().is_some_and(|j| j.cancel_requested))
                        on:click=move |_| { cancel.dispatch(CancelJob { workspace: ws(), id: job_id() }); }>
                        {move || if job.with(|j| j.as_ref().is_some_and(|j| j.cancel_requested)) { "Cancelling…" } else { "Cancel" }}
                    </button>
                </Show>
                <Show when=move || matches!(status.get().as_str(), "failed" | "cancelled")>
                    <button class=button_class(false) data-testid="retry-job" disabled=move || !hydrated.get() || retry.pending().get()
                        on:click=move |_| { retry.dispatch(RetryJob { workspace: ws(), id: job_id() }); }>"Retry"</button>
                </Show>
                <Show when=finished>
                    <button class=button_class(true) data-testid="run-again" disabled=move || !hydrated.get() || again.pending().get()
                        on:click=move |_| { again.dispatch(RunJobAgain { workspace: ws(), id: job_id() }); }>"Run again"</button>
                </Show>
            </Show>
        </PageHeader>
        {move || error().map(|m| view! { <p role="alert" class="mb-4 text-sm text-rose-600">{m}</p> })}
        <div class="grid gap-6 lg:grid-cols-3">
            <Card class="p-5 lg:col-span-2">
                <div class="mb-2 flex items-center justify-between gap-3">
                    <span data-testid="job-status">{move || view! { <Badge tone=status_tone(&status.get()) text=status.get() /> }}</span>
                    <span class="text-sm tabular-nums text-zinc-500" data-testid="job-percent">{move || format!("{}%", progress.get())}</span>
                </div>
                <ProgressBar value=progress status />
                <p class="mt-2 text-sm text-zinc-600 dark:text-zinc-300" data-testid="job-step">{move || get(|j| j.step.clone().unwrap_or_else(|| "Waiting for a worker".into()))}</p>
                {move || job.with(|j| j.as_ref().and_then(|j| j.last_error.clone())).map(|e| view! {
                    <p class="mt-3 rounded-lg bg-rose-50 p-3 text-sm text-rose-700 dark:bg-rose-500/10 dark:text-rose-300" data-testid="job-error">{e}</p>
                })}
                <h2 class="mb-2 mt-6 text-sm font-semibold text-zinc-900 dark:text-white">"Log"</h2>
                <ol node_ref=log_ref class="max-h-96 space-y-1 overflow-y-auto rounded-lg bg-zinc-50 p-3 font-mono text-xs dark:bg-zinc-950" data-testid="job-log">
                    <For each=move || with_durations(&events.get(), job.get()) key=|(e, _)| e.id let((e, took))>
                        <li class="flex gap-3">
                            <span class="shrink-0 text-zinc-400">{e.at.format("%H:%M:%S").to_string()}</span>
                            <span class=if e.kind == "step" { "font-semibold text-zinc-900 dark:text-zinc-100" } else { "text-zinc-600 dark:text-zinc-300" }>
                                {e.message.clone()}
                            </span>
                            {took.map(|ms| view! { <span class="ml-auto shrink-0 text-zinc-400">{format::duration_ms(ms)}</span> })}
                        </li>
                    </For>
                </ol>
            </Card>
            <Card class="p-5">
                <dl class="space-y-3 text-sm">
                    <Fact label="Attempts" value=Signal::derive(move || get(|j| format!("{} of {}", j.attempts, j.max_attempts))) />
                    <Fact label="Created" value=Signal::derive(move || get(|j| format::date_time(j.created_at))) />
                    <Fact label="Started" value=Signal::derive(move || get(|j| j.started_at.map(format::date_time).unwrap_or_else(|| "—".into()))) />
                    <Fact label="Finished" value=Signal::derive(move || get(|j| j.finished_at.map(format::date_time).unwrap_or_else(|| "—".into()))) />
                    <Fact label="Duration" value=Signal::derive(move || get(|j| j.duration_ms(Utc::now()).map(format::duration_ms).unwrap_or_else(|| "—".into()))) />
                </dl>
                <h2 class="mb-1 mt-5 text-xs font-semibold uppercase tracking-wide text-zinc-500">"Input"</h2>
                <pre class="overflow-x-auto rounded-lg bg-zinc-50 p-3 text-xs dark:bg-zinc-950">{move || get(|j| serde_json::to_string_pretty(&j.payload).unwrap_or_default())}</pre>
                {move || job.with(|j| j.as_ref().and_then(|j| j.result.clone())).map(|r| view! {
                    <h2 class="mb-1 mt-5 text-xs font-semibold uppercase tracking-wide text-zinc-500">"Result"</h2>
                    <pre class="overflow-x-auto rounded-lg bg-zinc-50 p-3 text-xs dark:bg-zinc-950" data-testid="job-result">{serde_json::to_string_pretty(&r).unwrap_or_default()}</pre>
                })}
            </Card>
        </div>
    }
}

#[component]
fn Fact(label: &'static str, value: Signal<String>) -> impl IntoView {
    view! {
        <div class="flex justify-between gap-4">
            <dt class="text-zinc-500">{label}</dt>
            <dd class="text-right font-medium tabular-nums text-zinc-900 dark:text-zinc-100">{value}</dd>
        </div>
    }
}

/// Each event with, for a step, how long it took (until the next step, or the job's end).
fn with_durations(events: &[JobEvent], job: Option<Job>) -> Vec<(JobEvent, Option<i64>)> {
    let end = job.and_then(|j| j.finished_at);
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if e.kind != "step" {
                return (e.clone(), None);
            }
            let next = events[i + 1..]
                .iter()
                .find(|n| n.kind == "step")
                .map(|n| n.at)
                .or(end);
            (e.clone(), next.map(|n| (n - e.at).num_milliseconds()))
        })
        .collect()
}
