//! `/w/{slug}/insights`: notable changes the daily insights job found — a deal stalled past
//! its stage's median, a competitor's sentiment dropping, a metric jumping — with dismiss;
//! and the dashboard's "Recent insights" card.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

use super::workspace::use_slug;
use crate::api::insights::{dismiss_insight, list_insights};
use crate::components::format;
use crate::components::ui::{Badge, Card, PageHeader, Tone};
use crate::types::Insight;

fn kind_label(kind: &str) -> (&'static str, Tone) {
    match kind {
        "stalled_deal" => ("Stalled deal", Tone::Warn),
        "sentiment_drop" => ("Sentiment drop", Tone::Bad),
        "metric_jump" => ("Metric jump", Tone::Brand),
        _ => ("Insight", Tone::Neutral),
    }
}

fn subject_href(slug: &str, i: &Insight) -> Option<String> {
    let id = i.subject_id?;
    Some(match i.kind.as_str() {
        "stalled_deal" => format!("/w/{slug}/deals/{id}/edit"),
        _ => format!("/w/{slug}/companies/{id}"),
    })
}

#[component]
fn InsightRow(i: Insight, #[prop(optional)] on_dismiss: Option<Callback<i64>>) -> impl IntoView {
    let slug = use_slug();
    let (label, tone) = kind_label(&i.kind);
    let href = subject_href(&slug.get_untracked(), &i);
    let id = i.id;
    let dismissed = i.dismissed_at.is_some();
    view! {
        <li class="flex items-start gap-3 py-3" data-testid="insight">
            <Badge tone text=label />
            <div class="min-w-0 flex-1">
                <p class="text-sm text-zinc-800 dark:text-zinc-200">{i.text.clone()}</p>
                <p class="mt-0.5 text-xs text-zinc-500">
                    {match href {
                        Some(h) => view! { <A href=h attr:class="hover:text-brand-600">{i.subject.clone()}</A> }.into_any(),
                        None => view! { <span>{i.subject.clone()}</span> }.into_any(),
                    }}
                    {format!(" · {} · {}", format::date(i.created_at), if i.source == "template" { "template".to_owned() } else { i.source.clone() })}
                </p>
            </div>
            {on_dismiss.filter(|_| !dismissed).map(|f| view! {
                <button type="button" class="text-xs text-zinc-400 hover:text-zinc-700" data-testid="dismiss-insight" on:click=move |_| f.run(id)>"Dismiss"</button>
            })}
        </li>
    }
}

#[component]
pub fn InsightsPage() -> impl IntoView {
    let slug = use_slug();
    let version = RwSignal::new(0u32);
    let show_dismissed = RwSignal::new(false);
    let insights = Resource::new(
        move || (slug.get(), show_dismissed.get(), version.get()),
        |(s, all, _)| list_insights(s, Some(all), Some(100)),
    );
    let dismiss = Callback::new(move |id: i64| {
        spawn_local(async move {
            if dismiss_insight(slug.get_untracked(), id).await.is_ok() {
                version.update(|v| *v += 1);
            }
        });
    });
    view! {
        <Title text="Insights" />
        <PageHeader title="Insights" subtitle="What changed: stalled deals, falling sentiment, jumping metrics. Found daily from your data.">
            <label class="inline-flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-300">
                <input type="checkbox" class="size-4 rounded border-zinc-300" prop:checked=move || show_dismissed.get()
                    on:change=move |ev| show_dismissed.set(event_target_checked(&ev)) />
                "Show dismissed"
            </label>
        </PageHeader>
        <Card class="px-5">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match insights.await {
                        Err(e) => view! { <p class="py-4 text-sm text-rose-600" role="alert">{e.message}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="py-6 text-sm text-zinc-500">"No insights yet. The insights job looks at the workspace every day."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                {list.into_iter().map(|i| view! { <InsightRow i on_dismiss=dismiss /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </Card>
    }
}

/// The dashboard's card: the three newest insights.
#[component]
pub fn RecentInsightsCard() -> impl IntoView {
    let slug = use_slug();
    let insights = Resource::new(
        move || slug.get(),
        |s| list_insights(s, Some(false), Some(3)),
    );
    view! {
        <Card class="p-5">
            <div class="mb-1 flex items-center justify-between">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Recent insights"</h2>
                <A href=move || format!("/w/{}/insights", slug.get()) attr:class="text-sm text-brand-600 hover:text-brand-500 dark:text-brand-400">"All insights"</A>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = insights.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="text-sm text-zinc-500">"Nothing notable yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="dashboard-insights">
                            {list.into_iter().map(|i| view! { <InsightRow i /> }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </Card>
    }
}
