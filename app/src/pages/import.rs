//! `/w/{slug}/import?entity=companies|contacts|deals`: upload a CSV, map its columns, check
//! every row, then import — all of it, or (when chosen) the valid rows; nothing half-done.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::workspace::use_slug;
use crate::api::deals::list_pipelines;
use crate::api::imports::{CheckImport, RunImport, StartImport};
use crate::components::form::{Alert, AlertKind, INPUT};
use crate::components::format;
use crate::components::live::use_event_stream;
use crate::components::ui::{button_class, use_hydrated, Badge, Card, PageHeader, Tone};
use crate::types::ApiError;
use crate::types::{ImportCheck, ImportEntity, ImportOptions, ImportOutcome, ImportPreview, Job};

/// Files with more rows than this import as a background job the page follows, so a long
/// import survives a closed tab and shows its progress.
const BACKGROUND_ROWS: u64 = 5_000;

/// Sends the chosen file to the upload endpoint (the browser adds the session cookie and
/// the Origin header, like any same-site request).
#[cfg(feature = "hydrate")]
async fn upload(
    slug: String,
    entity: ImportEntity,
    file: web_sys::File,
) -> Result<ImportPreview, ApiError> {
    use wasm_bindgen::JsCast;
    let fail = |m: &str| ApiError::new(crate::types::ErrorCode::Unavailable, m);
    let url = format!(
        "/api/imports/upload?workspace={}&entity={}&filename={}",
        format::url_encode(&slug),
        entity.as_str(),
        format::url_encode(&file.name())
    );
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init))
            .await
            .map_err(|_| fail("the upload did not reach the server; check your connection"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| fail("unexpected answer"))?;
    let text = wasm_bindgen_futures::JsFuture::from(
        response.text().map_err(|_| fail("unexpected answer"))?,
    )
    .await
    .ok()
    .and_then(|t| t.as_string())
    .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|e| fail(&format!("unexpected answer: {e}")))
    } else {
        Err(serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| fail("the upload failed")))
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let entity = Memo::new(move |_| {
        query
            .read()
            .get("entity")
            .and_then(|e| ImportEntity::parse(&e))
            .unwrap_or(ImportEntity::Companies)
    });
    let live = use_hydrated();
    let preview = RwSignal::new(None::<ImportPreview>);
    let uploading = RwSignal::new(false);
    let upload_error = RwSignal::new(None::<String>);
    let file_input = NodeRef::<leptos::html::Input>::new();

    // A different entity starts over.
    Effect::new(move |_| {
        entity.track();
        preview.set(None);
    });

    let on_upload = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_input
                .get_untracked()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                upload_error.set(Some("Choose a CSV file first.".into()));
                return;
            };
            uploading.set(true);
            upload_error.set(None);
            let (slug, entity) = (slug.get_untracked(), entity.get_untracked());
            leptos::task::spawn_local(async move {
                match upload(slug, entity, file).await {
                    Ok(p) => preview.set(Some(p)),
                    Err(e) => upload_error.set(Some(e.message)),
                }
                uploading.set(false);
            });
        }
    };

    let label = move || match entity.get() {
        ImportEntity::Companies => "companies",
        ImportEntity::Contacts => "contacts",
        ImportEntity::Deals => "deals",
    };
    view! {
        <Title text="Import CSV" />
        <PageHeader title="Import from CSV" subtitle="Every row is checked before anything is written. Either all rows go in, or none — unless you choose to skip the invalid ones." />
        <div class="mb-5 flex gap-2">
            {ImportEntity::ALL.into_iter().map(|e| view! {
                <a href=move || format!("/w/{}/import?entity={}", slug.get(), e.as_str())
                    aria-current=move || (entity.get() == e).then_some("page")
                    class="rounded-full px-3 py-1 text-sm font-medium capitalize text-zinc-600 ring-1 ring-inset ring-zinc-300 aria-[current=page]:bg-brand-600 aria-[current=page]:text-white aria-[current=page]:ring-brand-600 dark:text-zinc-300 dark:ring-zinc-700">
                    {e.as_str()}
                </a>
            }).collect_view()}
        </div>
        <Card class="p-6">
            <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">{move || format!("1. Choose a CSV file of {}", label())}</h2>
            <p class="mt-1 text-sm text-zinc-500">"Comma, semicolon, tab or bar separated; UTF-8 or Latin-1; up to 25 MB. The first row should name the columns."</p>
            <div class="mt-4 flex flex-wrap items-center gap-3">
                <input node_ref=file_input type="file" accept=".csv,text/csv,text/plain" data-testid="import-file"
                    class="block text-sm text-zinc-600 file:mr-3 file:rounded-lg file:border-0 file:bg-zinc-100 file:px-3 file:py-2 file:text-sm file:font-medium file:text-zinc-700 hover:file:bg-zinc-200 dark:text-zinc-300 dark:file:bg-zinc-800 dark:file:text-zinc-200" />
                <button type="button" class=button_class(true) data-testid="import-upload"
                    disabled=move || !live.get() || uploading.get() on:click=on_upload>
                    {move || if uploading.get() { "Uploading…" } else { "Upload and preview" }}
                </button>
            </div>
            {move || upload_error.get().map(|m| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
        </Card>
        {move || preview.get().map(|p| view! { <Mapper p /> })}
    }
}

#[component]
fn Mapper(p: ImportPreview) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let mapping = RwSignal::new(p.suggested.clone());
    let upsert = RwSignal::new(false);
    let skip_invalid = RwSignal::new(false);
    let pipeline = RwSignal::new(None::<i64>);
    let check = ServerAction::<CheckImport>::new();
    let run = ServerAction::<RunImport>::new();
    let start = ServerAction::<StartImport>::new();
    // The result, from either the direct import or the background job.
    let outcome = RwSignal::new(None::<Result<ImportOutcome, ApiError>>);
    let job_id = RwSignal::new(None::<i64>);
    let progress = RwSignal::new((0i32, String::new()));
    Effect::new(move |_| {
        if let Some(r) = run.value().get() {
            outcome.set(Some(r));
        }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(job)) => {
            progress.set((0, "Queued".into()));
            job_id.set(Some(job.id));
        }
        Some(Err(e)) => outcome.set(Some(Err(e))),
        None => {}
    });
    let follow = move |job: Job| {
        progress.set((job.progress, job.step.clone().unwrap_or_default()));
        if !job.is_finished() {
            return;
        }
        job_id.set(None);
        let result = match (job.status.as_str(), job.result) {
            ("succeeded", Some(r)) => serde_json::from_value::<ImportOutcome>(r)
                .map_err(|e| ApiError::new(crate::types::ErrorCode::Internal, e.to_string())),
            _ => Err(ApiError::new(
                crate::types::ErrorCode::Internal,
                job.last_error
                    .unwrap_or_else(|| format!("the import job {}", job.status)),
            )),
        };
        outcome.set(Some(result));
    };
    let job_url = Signal::derive(move || job_id.get().map(|id| format!("/api/jobs/{id}/events")));
    let _live = use_event_stream(
        job_url,
        &["job", "step", "progress"],
        Callback::new(move |(name, data): (String, String)| {
            if name == "job" {
                if let Ok(job) = serde_json::from_str::<Job>(&data) {
                    follow(job);
                }
            } else if let Ok(v) = serde_json::from_str::<serde_json::Value>(&data) {
                let p = v["progress"].as_i64().unwrap_or(0) as i32;
                let m = v["message"].as_str().unwrap_or_default().to_owned();
                progress.update(|(old, msg)| {
                    *old = (*old).max(p);
                    *msg = m;
                });
            }
        }),
        Callback::new(move |_| {
            if let Some(id) = job_id.get_untracked() {
                let ws = slug.get_untracked();
                leptos::task::spawn_local(async move {
                    if let Ok(d) = crate::api::jobs::get_job(ws, id, Some(i64::MAX)).await {
                        follow(d.job);
                    }
                });
            }
        }),
        2_000,
    );
    let busy = move || run.pending().get() || start.pending().get() || job_id.get().is_some();
    let id = p.id;
    let entity = p.entity;
    let pipelines = Resource::new(move || slug.get(), list_pipelines);
    let options = move || ImportOptions {
        mapping: mapping.get_untracked(),
        has_header: None,
        skip_invalid: skip_invalid.get_untracked(),
        upsert: upsert.get_untracked(),
        pipeline_id: pipeline.get_untracked(),
    };
    // Any change to the choices makes an earlier check stale.
    let stale = RwSignal::new(true);
    Effect::new(move |_| {
        mapping.track();
        upsert.track();
        pipeline.track();
        stale.set(true);
    });
    Effect::new(move |_| {
        if check.value().get().is_some() {
            stale.set(false);
        }
    });
    let fields = StoredValue::new(p.fields.clone());
    let checked = move || {
        check
            .value()
            .get()
            .and_then(|r| r.ok())
            .filter(|_| !stale.get())
    };

    view! {
        <Card class="mt-6 p-6">
            <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"2. Match the columns"</h2>
            <p class="mt-1 text-sm text-zinc-500">
                {format!("{} · {} · {} · {}", p.filename, format::count(p.size_bytes / 1024 + 1) + " KB", p.encoding, p.delimiter)}
                {(!p.has_header).then_some(" · no header row found: columns are numbered")}
            </p>
            <div class="mt-4 overflow-x-auto">
                <table class="min-w-full text-left text-sm" data-testid="import-preview">
                    <thead>
                        <tr>
                            {p.headers.iter().enumerate().map(|(i, h)| view! {
                                <th class="min-w-40 px-2 pb-2 align-bottom">
                                    <p class="mb-1 truncate text-xs font-medium text-zinc-500" title=h.clone()>{h.clone()}</p>
                                    <select class=INPUT data-testid=format!("map-{i}") aria-label=format!("Field for column {h}")
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            mapping.update(|m| if let Some(slot) = m.get_mut(i) { *slot = (!v.is_empty()).then_some(v) });
                                        }>
                                        <option value="" selected=p.suggested.get(i).is_none_or(|s| s.is_none())>"— don't import —"</option>
                                        {fields.get_value().into_iter().map(|f| {
                                            let selected = p.suggested.get(i).and_then(|s| s.as_deref()) == Some(f.key.as_str());
                                            view! { <option value=f.key.clone() selected=selected>{if f.required { format!("{} *", f.label) } else { f.label }}</option> }
                                        }).collect_view()}
                                    </select>
                                </th>
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-zinc-100 text-zinc-600 dark:divide-zinc-800 dark:text-zinc-300">
                        {p.sample.iter().take(5).map(|row| view! {
                            <tr>{row.iter().map(|c| view! { <td class="max-w-48 truncate px-2 py-1.5">{c.clone()}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <div class="mt-5 flex flex-wrap items-center gap-5 text-sm">
                {entity.upsert_key().map(|key| view! {
                    <label class="flex items-center gap-2">
                        <input type="checkbox" on:change=move |ev| upsert.set(event_target_checked(&ev)) data-testid="import-upsert" />
                        {format!("Update existing records with the same {key}")}
                    </label>
                })}
                {(entity == ImportEntity::Deals).then(|| view! {
                    <label class="flex items-center gap-2">
                        "Pipeline"
                        <select class=format!("{INPUT} w-48") on:change=move |ev| pipeline.set(event_target_value(&ev).parse().ok())>
                            <Transition fallback=|| ()>
                                {move || Suspend::new(async move {
                                    pipelines.await.unwrap_or_default().into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()
                                })}
                            </Transition>
                        </select>
                    </label>
                })}
                <button type="button" class=button_class(false) data-testid="import-check" disabled=move || !live.get() || check.pending().get()
                    on:click=move |_| { check.dispatch(CheckImport { workspace: slug.get_untracked(), id, options: options() }); }>
                    {move || if check.pending().get() { "Checking every row…" } else { "Check rows" }}
                </button>
            </div>
            {move || check.value().get().and_then(|r| r.err()).map(|e| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{e.message}</Alert></div> })}
        </Card>

        {move || checked().map(|c| view! { <CheckView c /> })}

        {move || checked().filter(|c| c.mapping_problems.is_empty()).map(|c| {
            let all_valid = c.invalid == 0;
            view! {
                <Card class="mt-6 p-6">
                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"3. Import"</h2>
                    {(!all_valid).then(|| view! {
                        <label class="mt-3 flex items-center gap-2 text-sm">
                            <input type="checkbox" on:change=move |ev| skip_invalid.set(event_target_checked(&ev)) data-testid="import-skip-invalid" />
                            {format!("Skip the {} invalid row(s) and import the {} valid ones", format::count(c.invalid), format::count(c.valid))}
                        </label>
                    })}
                    <button type="button" class=format!("mt-4 {}", button_class(true)) data-testid="import-run"
                        disabled=move || !live.get() || busy()
                        on:click=move |_| {
                            outcome.set(None);
                            let (workspace, options) = (slug.get_untracked(), options());
                            if c.rows > BACKGROUND_ROWS {
                                start.dispatch(StartImport { workspace, id, options });
                            } else {
                                run.dispatch(RunImport { workspace, id, options });
                            }
                        }>
                        {move || if busy() { "Importing…".to_owned() } else { format!("Import {} rows", format::count(c.rows)) }}
                    </button>
                    {move || job_id.get().map(|_| {
                        let (pct, step) = progress.get();
                        view! {
                            <div class="mt-4 max-w-md" data-testid="import-progress">
                                <crate::pages::jobs::ProgressBar value=Signal::stored(pct) status=Signal::stored("running".to_owned()) />
                                <p class="mt-1 text-xs text-zinc-500">{format!("{pct}% · {step}")}</p>
                            </div>
                        }
                    })}
                    {move || outcome.get().map(|r| match r {
                        Ok(o) if o.imported => view! {
                            <div class="mt-4" data-testid="import-result"><Alert kind=AlertKind::Success>
                                {format!("Imported: {} added, {} updated, {} skipped.", o.inserted, o.updated, o.skipped)}
                                " "
                                <A href=format!("/w/{}/{}", slug.get_untracked(), if entity == ImportEntity::Contacts { "companies" } else { entity.as_str() }) attr:class="font-medium underline">"Open the list"</A>
                            </Alert></div>
                        }.into_any(),
                        Ok(o) => view! {
                            <div class="mt-4" data-testid="import-result"><Alert kind=AlertKind::Error>
                                {format!("Nothing was imported: {} row(s) are invalid. Fix them in your file and upload it again, or choose to skip them.", o.check.invalid)}
                                {o.report_url.map(|u| view! { " " <a href=u class="font-medium underline" download="" data-testid="error-report">"Download the error report"</a> })}
                            </Alert></div>
                        }.into_any(),
                        Err(e) => view! { <div class="mt-4"><Alert kind=AlertKind::Error>{e.message}</Alert></div> }.into_any(),
                    })}
                </Card>
            }
        })}
    }
}

#[component]
fn CheckView(c: ImportCheck) -> impl IntoView {
    if !c.mapping_problems.is_empty() {
        return view! {
            <div class="mt-6"><Alert kind=AlertKind::Error>
                <ul class="list-disc pl-4">{c.mapping_problems.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
            </Alert></div>
        }
        .into_any();
    }
    view! {
        <Card class="mt-6 p-6">
            <div class="flex flex-wrap items-center gap-3 text-sm" data-testid="import-summary">
                <Badge tone=Tone::Neutral text=format!("{} rows", format::count(c.rows)) />
                <Badge tone=Tone::Good text=format!("{} valid", format::count(c.valid)) />
                <Badge tone={if c.invalid > 0 { Tone::Bad } else { Tone::Neutral }} text=format!("{} invalid", format::count(c.invalid)) />
            </div>
            {(!c.problems.is_empty()).then(|| view! {
                <h3 class="mt-5 text-xs font-semibold uppercase tracking-wide text-zinc-500">"Problems"</h3>
                <ul class="mt-2 max-h-72 divide-y divide-zinc-100 overflow-y-auto rounded-lg border border-zinc-200 text-sm dark:divide-zinc-800 dark:border-zinc-800" data-testid="import-problems">
                    {c.problems.into_iter().map(|p| view! {
                        <li class="flex gap-3 px-3 py-2">
                            <span class="w-16 shrink-0 tabular-nums text-zinc-500">{format!("line {}", p.line)}</span>
                            <span class="w-32 shrink-0 font-medium text-zinc-700 dark:text-zinc-300">{p.field.unwrap_or_default()}</span>
                            <span class="text-rose-700 dark:text-rose-300">{p.message}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <h3 class="mt-5 text-xs font-semibold uppercase tracking-wide text-zinc-500">"What the first rows become"</h3>
            <ul class="mt-2 space-y-2 text-sm">
                {c.preview.into_iter().map(|r| {
                    let ok = r.problems.is_empty();
                    view! {
                        <li class={if ok { "rounded-lg border border-zinc-200 px-3 py-2 dark:border-zinc-800" } else { "rounded-lg border border-rose-200 bg-rose-50/50 px-3 py-2 dark:border-rose-500/30 dark:bg-rose-500/5" }}>
                            <span class="mr-2 text-xs text-zinc-400">{format!("line {}", r.line)}</span>
                            {r.values.into_iter().map(|(k, v)| view! { <span class="mr-3"><span class="text-zinc-500">{k}": "</span>{v}</span> }).collect_view()}
                            {(!ok).then(|| view! { <p class="mt-1 text-xs text-rose-700 dark:text-rose-300">{r.problems.join("; ")}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Card>
    }
    .into_any()
}
