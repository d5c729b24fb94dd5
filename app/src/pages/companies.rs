//! `/w/{slug}/companies`: the companies list. The URL is the view (see components::list).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::workspace::{role_now, use_role, use_slug};
use crate::api::companies::{list_companies, list_company_facets};
use crate::api::demo::CreateDemoData;
use crate::components::format;
use crate::components::icons::{Icon, BUILDING, PLUS};
use crate::components::list::{
    use_list_query, use_row_keys, FilterChips, FilterSelect, Pager, RowArrow, SearchBox, SortHeader,
};
use crate::components::ui::{
    button_class, use_hydrated, Badge, Card, EmptyState, PageHeader, Skeleton, Tone,
};
use crate::types::{Company, Role};

const FILTERS: &[&str] = &["industry", "country", "size", "tag", "source"];

/// Where "Export CSV" downloads the current view from.
pub fn export_href(slug: &str, entity: &str) -> String {
    let search = leptos_router::hooks::use_location().search.get_untracked();
    let rest = search.trim_start_matches('?');
    if rest.is_empty() {
        format!("/api/export/{entity}.csv?workspace={slug}")
    } else {
        format!("/api/export/{entity}.csv?workspace={slug}&{rest}")
    }
}

#[component]
pub fn CompaniesPage() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let session = crate::components::session::use_session().0;
    let can_write = move || role.get().is_some_and(|r| r >= Role::Member);
    let query = use_list_query(FILTERS, "name");
    let companies = Resource::new(
        move || (slug.get(), query.get()),
        |(s, q)| list_companies(s, q),
    );
    let facets = Resource::new(move || slug.get(), list_company_facets);

    let hrefs = Signal::derive(move || {
        companies
            .get()
            .and_then(|r| r.ok())
            .map(|p| {
                p.items
                    .iter()
                    .map(|c| format!("/w/{}/companies/{}", slug.get(), c.id))
                    .collect()
            })
            .unwrap_or_default()
    });
    let selected = use_row_keys(hrefs);
    // Made here rather than in the Suspend that shows the empty state: that one is disposed
    // by the very refetch this triggers.
    let on_seeded = Callback::new(move |()| {
        companies.refetch();
        facets.refetch();
    });

    view! {
        <Title text="Companies" />
        <PageHeader title="Companies" subtitle="Accounts, prospects and competitors in this workspace.">
            <a href=move || export_href(&slug.get(), "companies") class=button_class(false) download="">
                "Export CSV"
            </a>
            <Show when=can_write>
                <A href=move || format!("/w/{}/import?entity=companies", slug.get()) attr:class=button_class(false)>"Import CSV"</A>
                <A href=move || format!("/w/{}/companies/new", slug.get()) attr:class=button_class(true)>
                    <Icon d=PLUS class="size-4" />
                    "New company"
                </A>
            </Show>
        </PageHeader>
        <div class="mb-4 flex flex-wrap items-center gap-3">
            <SearchBox placeholder="Search name or domain" />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let f = facets.await.unwrap_or_default();
                    let opts = |v: Vec<String>| v.into_iter().map(|x| (x.clone(), x)).collect::<Vec<_>>();
                    view! {
                        <FilterSelect label="Industries" name="industry" options=opts(f.industries) />
                        <FilterSelect label="Countries" name="country" options=opts(f.countries) />
                        <FilterSelect label="Sizes" name="size" options=f.size_bands.into_iter().map(|b| (b.clone(), format!("{b} employees"))).collect() />
                    }
                })}
            </Transition>
        </div>
        <div class="mb-3">
            <FilterChips labels=vec![("industry", "Industry".into()), ("country", "Country".into()), ("size", "Size".into()), ("tag", "Tag".into()), ("source", "Source".into()), ("q", "Search".into())] />
        </div>
        <Transition fallback=|| view! { <Card class="p-4"><div class="space-y-3"><Skeleton class="h-5 w-full" /><Skeleton class="h-5 w-full" /><Skeleton class="h-5 w-2/3" /></div></Card> }>
            {move || Suspend::new(async move {
                let page = match companies.await {
                    Ok(p) => p,
                    Err(e) => return view! { <Card class="p-6"><p class="text-sm text-rose-600">{e.message}</p></Card> }.into_any(),
                };
                let filtered = query.with(|q| q.search.is_some() || !q.filters.is_empty());
                if page.total == 0 && !filtered {
                    let role = role_now(session, slug).await;
                    let can_write = role.is_some_and(|r| r >= Role::Member);
                    let can_manage = role.is_some_and(|r| r >= Role::Admin);
                    return view! { <EmptyCompanies slug=slug.get() can_write can_manage on_seeded /> }.into_any();
                }
                let (p, per, total, exact) = (page.page, page.per_page, page.total, page.total_exact);
                view! {
                    <Card class="overflow-x-auto">
                        <table class="w-full text-left text-sm" data-testid="companies-table">
                            <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                                <tr>
                                    <SortHeader label="Name" key="name" />
                                    <SortHeader label="Industry" key="industry" class="hidden md:table-cell" />
                                    <SortHeader label="Country" key="country" class="hidden sm:table-cell" />
                                    <SortHeader label="Employees" key="employees" class="hidden lg:table-cell text-right" />
                                    <SortHeader label="Revenue" key="revenue" class="hidden lg:table-cell text-right" />
                                    <SortHeader label="Updated" key="updated" class="hidden xl:table-cell" />
                                    <th class="w-8"></th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                {page.items.into_iter().enumerate().map(|(i, c)| view! { <CompanyRow c index=i selected /> }).collect_view()}
                            </tbody>
                        </table>
                        {(total == 0).then(|| view! { <p class="px-4 py-10 text-center text-sm text-zinc-500">"No company matches these filters."</p> })}
                    </Card>
                    <Pager page=p per_page=per total exact />
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn CompanyRow(c: Company, index: usize, selected: RwSignal<Option<usize>>) -> impl IntoView {
    let slug = use_slug();
    let href = format!("/w/{}/companies/{}", slug.get_untracked(), c.id);
    let now = chrono::Utc::now();
    let open_label = format!("Open {}", c.name);
    view! {
        <tr
            class="group cursor-pointer hover:bg-zinc-50 aria-selected:bg-brand-50 dark:hover:bg-zinc-800/50 dark:aria-selected:bg-brand-500/10"
            aria-selected=move || (selected.get() == Some(index)).to_string()
        >
            <td class="px-4 py-3">
                <A href=href.clone() attr:class="block">
                    <span class="font-medium text-zinc-900 dark:text-zinc-100">{c.name.clone()}</span>
                    <span class="block text-xs text-zinc-500">{c.domain.clone()}</span>
                </A>
            </td>
            <td class="hidden px-4 py-3 text-zinc-600 md:table-cell dark:text-zinc-300">{c.industry.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="hidden px-4 py-3 sm:table-cell"><Badge tone=Tone::Neutral text=format::country(&c.country) /></td>
            <td class="hidden px-4 py-3 text-right tabular-nums text-zinc-600 lg:table-cell dark:text-zinc-300">{format::employees(c.employee_count)}</td>
            <td class="hidden px-4 py-3 text-right tabular-nums text-zinc-600 lg:table-cell dark:text-zinc-300">
                {c.annual_revenue.map(|m| m.format_compact()).unwrap_or_else(|| "—".into())}
            </td>
            <td class="hidden px-4 py-3 text-zinc-500 xl:table-cell">{format::relative(c.updated_at, now)}</td>
            <td class="px-2"><A href=href attr:aria-label=open_label><RowArrow /></A></td>
        </tr>
    }
}

#[component]
fn EmptyCompanies(
    slug: String,
    can_write: bool,
    can_manage: bool,
    on_seeded: Callback<()>,
) -> impl IntoView {
    view! {
        <Card>
            <EmptyState
                icon=BUILDING
                title="No companies yet"
                body="Import a CSV of the companies you track, add one by hand, or fill the workspace with realistic demo data to look around."
            >
                {can_write.then(|| view! {
                    <a href=format!("/w/{slug}/import?entity=companies") class=button_class(true)>"Import CSV"</a>
                    <a href=format!("/w/{slug}/companies/new") class=button_class(false)>"New company"</a>
                })}
                {can_manage.then(|| view! { <DemoDataButton on_seeded /> })}
            </EmptyState>
        </Card>
    }
}

/// Fills the empty workspace with the standard demo (admins; a few seconds at most).
#[component]
fn DemoDataButton(on_seeded: Callback<()>) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let seed = ServerAction::<CreateDemoData>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = seed.value().get() {
            on_seeded.run(());
        }
    });
    view! {
        <button type="button" class=button_class(false) data-testid="create-demo-data"
            disabled=move || !live.get() || seed.pending().get()
            on:click=move |_| { seed.dispatch(CreateDemoData { workspace: slug.get_untracked() }); }>
            {move || if seed.pending().get() { "Creating demo data…" } else { "Create demo data" }}
        </button>
        {move || seed.value().get().and_then(|r| r.err()).map(|e| view! {
            <p role="alert" class="mt-3 w-full text-sm text-rose-600">{e.message}</p>
        })}
    }
}
