//! The live system status: database backend and version, schema migrations, and a
//! "check again" control that re-reads it through the `system_status` server function.

use leptos::prelude::*;

use super::icons::{Icon, CHECK_CIRCLE, DATABASE, REFRESH, WARNING};
use super::ui::{button_class, use_hydrated, Badge, Card, Skeleton, Tone};
use crate::api::system::system_status;
use crate::types::SystemStatus;

/// Loads the status once on the server (so it is in the first paint) and again on request.
pub fn use_system_status() -> Resource<Result<SystemStatus, crate::types::ApiError>> {
    Resource::new(|| (), |_| system_status())
}

fn checked_at(s: &SystemStatus) -> String {
    s.checked_at.format("%H:%M:%S%.3f UTC").to_string()
}

#[component]
fn StatusRow(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! {
        <div class="flex items-center justify-between gap-4 py-2.5">
            <dt class="text-sm text-zinc-500 dark:text-zinc-400">{label}</dt>
            <dd class="text-right text-sm font-medium text-zinc-900 dark:text-zinc-100">
                {children()}
            </dd>
        </div>
    }
}

/// A compact card; `detailed` adds the list of migrations.
#[component]
pub fn SystemStatusCard(#[prop(optional)] detailed: bool) -> impl IntoView {
    let status = use_system_status();
    let checks = RwSignal::new(0u32);
    let live = use_hydrated();
    let refresh = move |_| {
        checks.update(|n| *n += 1);
        status.refetch();
    };

    view! {
        <Card class="p-5">
            <div class="flex items-start justify-between gap-4">
                <div class="flex items-center gap-3">
                    <div class="flex size-10 items-center justify-center rounded-lg bg-brand-50 text-brand-600 dark:bg-brand-500/10 dark:text-brand-300">
                        <Icon d=DATABASE class="size-5" />
                    </div>
                    <div>
                        <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">
                            "System status"
                        </h2>
                        <p class="text-xs text-zinc-500 dark:text-zinc-400">
                            "Database and schema, read live"
                        </p>
                    </div>
                </div>
                <button
                    type="button"
                    class=format!("shrink-0 whitespace-nowrap {}", button_class(false))
                    on:click=refresh
                    disabled=move || !live.get()
                    data-testid="status-refresh"
                >
                    <Icon d=REFRESH class="size-4" />
                    "Check again"
                </button>
            </div>
            <Transition fallback=move || {
                view! {
                    <div class="mt-4 space-y-3">
                        <Skeleton class="h-4 w-2/3" />
                        <Skeleton class="h-4 w-1/2" />
                        <Skeleton class="h-4 w-3/5" />
                    </div>
                }
            }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <StatusBody s detailed /> }.into_any(),
                        Err(e) => {
                            view! {
                                <p class="mt-4 flex items-center gap-2 text-sm text-rose-600 dark:text-rose-400">
                                    <Icon d=WARNING class="size-4" />
                                    {e.message}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
            <p class="mt-3 text-xs text-zinc-400 dark:text-zinc-500" data-testid="status-checks">
                {move || match checks.get() {
                    0 => String::new(),
                    1 => "Re-checked once in this visit".to_owned(),
                    n => format!("Re-checked {n} times in this visit"),
                }}
            </p>
        </Card>
    }
}

#[component]
fn StatusBody(s: SystemStatus, detailed: bool) -> impl IntoView {
    let applied = s.applied_migrations();
    let total = s.migrations.len();
    let current = s.is_current();
    let checked = checked_at(&s);
    let pending = s.pending_migrations;
    let SystemStatus {
        backend,
        database_version,
        version,
        migrations,
        ..
    } = s;
    view! {
        <dl class="mt-4 divide-y divide-zinc-100 dark:divide-zinc-800">
            <StatusRow label="Database">
                <span data-testid="status-backend">{backend.label()}</span>
                <span class="ml-1.5 font-normal text-zinc-500">{database_version}</span>
            </StatusRow>
            <StatusRow label="Schema">
                {if current {
                    view! { <Badge tone=Tone::Good text=format!("current · {applied}/{total} migrations") /> }
                        .into_any()
                } else {
                    view! { <Badge tone=Tone::Warn text=format!("{pending} pending") /> }
                        .into_any()
                }}
            </StatusRow>
            <StatusRow label="Server version">{version}</StatusRow>
            <StatusRow label="Last checked">
                <span data-testid="status-checked-at">{checked}</span>
            </StatusRow>
        </dl>
        {detailed
            .then(|| {
                view! {
                    <div class="mt-5">
                        <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-zinc-500">
                            "Migrations"
                        </h3>
                        <ul class="divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
                            {migrations
                                .into_iter()
                                .map(|m| {
                                    view! {
                                        <li class="flex items-center justify-between px-3 py-2 text-sm">
                                            <code class="font-mono text-xs text-zinc-700 dark:text-zinc-300">
                                                {m.name}
                                            </code>
                                            {if m.applied {
                                                view! {
                                                    <span class="flex items-center gap-1 text-emerald-600 dark:text-emerald-400">
                                                        <Icon d=CHECK_CIRCLE class="size-4" />
                                                        "applied"
                                                    </span>
                                                }
                                                    .into_any()
                                            } else {
                                                view! { <Badge tone=Tone::Warn text="pending" /> }.into_any()
                                            }}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
    }
}
