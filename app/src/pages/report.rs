//! `/w/{slug}/reports/{id}` — one report: what it was made from, its live progress while it
//! is being made, then the HTML version (framed: it runs nothing and loads nothing) and a
//! download button for each format.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use super::jobs::{status_tone, ProgressBar};
use super::workspace::use_slug;
use crate::api::reports::get_report;
use crate::components::format;
use crate::components::live::{use_event_stream, LiveBadge};
use crate::components::ui::{button_class, Badge, Card, PageHeader, Skeleton};
use crate::types::{Job, Report, ReportFormat};

#[component]
pub fn ReportPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let id = Signal::derive(move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let report = Resource::new(move || (slug.get(), id.get()), |(s, id)| get_report(s, id));
    let progress = RwSignal::new((0, String::new()));
    // Follow the job while the report is being made; the stream ends with the job.
    let url = Signal::derive(move || {
        report
            .get()
            .and_then(|r| r.ok())
            .filter(|r| !r.status.is_finished())
            .and_then(|r| r.job_id)
            .map(|j| format!("/api/jobs/{j}/events"))
    });
    let live = use_event_stream(
        url,
        &["job", "step", "progress"],
        Callback::new(move |(name, data): (String, String)| {
            if name == "job" {
                if let Ok(job) = serde_json::from_str::<Job>(&data) {
                    let done = matches!(job.status.as_str(), "succeeded" | "failed" | "cancelled");
                    progress.set((job.progress, job.step.clone().unwrap_or(job.status.clone())));
                    if done {
                        report.refetch();
                    }
                }
            } else if let Ok(v) = serde_json::from_str::<serde_json::Value>(&data) {
                if let Some(p) = v["progress"].as_i64() {
                    progress.update(|(value, step)| {
                        *value = p as i32;
                        if let Some(m) = v["message"].as_str() {
                            *step = m.to_owned();
                        }
                    });
                }
            }
        }),
        Callback::new(move |_| report.refetch()),
        2_000,
    );
    view! {
        <Title text="Report" />
        <Suspense fallback=|| view! { <Card class="p-6"><Skeleton class="h-6 w-1/2" /></Card> }>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => view! { <Card class="p-6"><p class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                    Ok(r) => view! { <ReportView report=r progress live /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReportView(
    report: Report,
    progress: RwSignal<(i32, String)>,
    live: ReadSignal<crate::components::live::LiveState>,
) -> impl IntoView {
    let slug = use_slug();
    let status = report.status.as_str().to_owned();
    let finished = report.status.is_finished();
    let download = move |f: ReportFormat| {
        format!(
            "/api/reports/{}/download?workspace={}&format={}",
            report.id,
            slug.get(),
            f.as_query()
        )
    };
    let input = &report.input;
    let mut made_from: Vec<(&str, String)> = vec![("Kind", report.kind.label().to_owned())];
    for (label, v) in [
        ("Industry", input.industry.clone()),
        ("Country", input.country.clone()),
        ("Size band", input.size_band.clone()),
        (
            "Company",
            input
                .company_id
                .map(|c| report.company_name.clone().unwrap_or(format!("#{c}"))),
        ),
        (
            "Pipeline",
            input
                .pipeline_id
                .map(|p| report.pipeline_name.clone().unwrap_or(format!("#{p}"))),
        ),
        ("From", input.from.map(format::day)),
        ("To", input.to.map(format::day)),
    ] {
        if let Some(v) = v {
            made_from.push((label, v));
        }
    }
    if !input.deliver_to.is_empty() {
        made_from.push(("Sent to", input.deliver_to.join(", ")));
    }
    if let Some(at) = report.data_as_of {
        made_from.push(("Data as of", format::date_time(at)));
    }
    if let Some(w) = &report.writer {
        made_from.push(("Written by", w.clone()));
    }
    let status_sig = {
        let status = status.clone();
        Signal::derive(move || status.clone())
    };
    view! {
        <PageHeader title=report.title.clone() subtitle=report.kind.label()>
            // A finished report has nothing left to follow (its job stream ends at once).
            {(!finished).then(|| view! { <LiveBadge state=live /> })}
        </PageHeader>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <Badge tone=status_tone(&status) text=status.clone() />
            <A href=move || format!("/w/{}/reports", slug.get()) attr:class="text-sm text-brand-600 hover:underline">"All reports"</A>
            {report.job_id.map(|j| view! {
                <A href=move || format!("/w/{}/jobs/{j}", slug.get()) attr:class="text-sm text-brand-600 hover:underline">"Job log"</A>
            })}
        </div>
        <Card class="mb-4 p-4">
            <dl class="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-3" data-testid="report-inputs">
                {made_from.into_iter().map(|(k, v)| view! {
                    <div><dt class="text-xs text-zinc-500">{k}</dt><dd class="text-zinc-900 dark:text-zinc-100">{v}</dd></div>
                }).collect_view()}
            </dl>
        </Card>
        {(!finished).then(|| view! {
            <Card class="mb-4 p-4">
                <p class="mb-2 text-sm text-zinc-600" data-testid="report-step">{move || progress.get().1}</p>
                <ProgressBar value=Signal::derive(move || progress.get().0) status=status_sig />
            </Card>
        })}
        {report.error.clone().map(|e| view! { <Card class="mb-4 p-4"><p class="text-sm text-rose-600">{e}</p></Card> })}
        {(!report.formats.is_empty()).then(|| view! {
            <div class="mb-4 flex flex-wrap gap-2">
                {report.formats.iter().map(|f| {
                    let f = *f;
                    view! {
                        <a href=move || download(f) class=button_class(f == ReportFormat::Pdf) download=""
                            data-testid=format!("download-{}", f.as_query())>
                            {format!("Download {}", f.label())}
                        </a>
                    }
                }).collect_view()}
            </div>
            <Card class="overflow-hidden">
                <iframe title="Report" sandbox="" src=move || download(ReportFormat::Html)
                    class="h-[80vh] w-full bg-white" data-testid="report-frame"></iframe>
            </Card>
        })}
    }
}
