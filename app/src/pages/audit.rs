//! Settings → Audit log: newest first, filtered by kind, paged; the URL holds the view.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::settings::SettingsHeader;
use super::workspace::use_slug;
use crate::api::audit::list_audit_log;
use crate::components::form::{Alert, AlertKind};
use crate::components::ui::Card;

const FILTERS: [(&str, &str); 5] = [
    ("", "Everything"),
    ("auth.", "Sign-ins"),
    ("member.", "Members"),
    ("token.", "API tokens"),
    ("workspace.", "Workspace"),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let slug = use_slug();
    let query = use_query_map();
    let action = move || query.read().get("action").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let entries = Resource::new(
        move || (slug.get(), action(), page()),
        |(s, a, p)| list_audit_log(s, None, (!a.is_empty()).then_some(a), Some(p), Some(50)),
    );
    let link =
        move |a: &str, p: u64| format!("/w/{}/settings/audit?action={a}&page={p}", slug.get());

    view! {
        <Title text="Audit log" />
        <SettingsHeader title="Audit log" subtitle="Who changed what and when, and every sign-in of a member." />
        <div class="mb-4 flex flex-wrap gap-2">
            {FILTERS.iter().map(|(prefix, label)| {
                let prefix = *prefix;
                view! {
                    <A href=move || link(prefix, 1)
                        attr:class=move || if action() == prefix {
                            "rounded-full bg-brand-600 px-3 py-1 text-xs font-medium text-white"
                        } else {
                            "rounded-full bg-white px-3 py-1 text-xs font-medium text-zinc-600 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-700"
                        }>
                        {*label}
                    </A>
                }
            }).collect_view()}
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }.into_any(),
                    Ok(page_data) => {
                        let (current, pages, total) = (page_data.page, page_data.pages(), page_data.total);
                        view! {
                            <Card>
                                <table class="w-full text-left text-sm">
                                    <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                                        <tr>
                                            <th class="px-5 py-3 font-medium">"When (UTC)"</th>
                                            <th class="px-5 py-3 font-medium">"Who"</th>
                                            <th class="px-5 py-3 font-medium">"What"</th>
                                            <th class="hidden px-5 py-3 font-medium lg:table-cell">"Details"</th>
                                            <th class="hidden px-5 py-3 font-medium md:table-cell">"From"</th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="audit-rows">
                                        {page_data.items.into_iter().map(|e| view! {
                                            <tr>
                                                <td class="whitespace-nowrap px-5 py-2.5 text-zinc-500">{e.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                                <td class="px-5 py-2.5 text-zinc-800 dark:text-zinc-200">{e.actor}</td>
                                                <td class="px-5 py-2.5"><code class="font-mono text-xs text-zinc-700 dark:text-zinc-300">{e.action}</code>
                                                    {e.target_type.map(|t| view! { <span class="ml-1 text-xs text-zinc-400">{format!("{t} {}", e.target_id.unwrap_or_default())}</span> })}
                                                </td>
                                                <td class="hidden px-5 py-2.5 text-zinc-500 lg:table-cell">{e.detail}</td>
                                                <td class="hidden px-5 py-2.5 text-zinc-400 md:table-cell">{e.ip}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </Card>
                            <div class="mt-4 flex items-center justify-between text-sm text-zinc-500">
                                <span>{format!("{total} entries · page {current} of {}", pages.max(1))}</span>
                                <div class="flex gap-2">
                                    {(current > 1).then(|| view! { <A href=move || link(&action(), current - 1) attr:class="font-medium text-brand-600 dark:text-brand-400">"← Newer"</A> })}
                                    {(current < pages).then(|| view! { <A href=move || link(&action(), current + 1) attr:class="font-medium text-brand-600 dark:text-brand-400">"Older →"</A> })}
                                </div>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
