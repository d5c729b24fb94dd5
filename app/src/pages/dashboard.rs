use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::icons::{Icon, ARROW_RIGHT, BUILDING, CHART_BAR, DOCUMENT, SPARKLES};
use crate::components::system_status::SystemStatusCard;
use crate::components::ui::{Card, PageHeader};
use crate::pages::workspace::use_slug;

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
pub fn DashboardPage() -> impl IntoView {
    let slug = use_slug();
    view! {
        <Title text="Dashboard" />
        <PageHeader
            title="Dashboard"
            subtitle="Your market and pipeline at a glance."
        />
        <div class="grid gap-6 xl:grid-cols-3">
            <Card class="overflow-hidden xl:col-span-2">
                <div class="bg-gradient-to-br from-brand-600 to-brand-800 px-6 py-7 text-white">
                    <p class="text-sm font-medium text-brand-100">"Welcome to Hyperformant"</p>
                    <h2 class="mt-1 text-xl font-semibold tracking-tight">
                        "Market and sales intelligence, on your own server."
                    </h2>
                    <p class="mt-2 max-w-xl text-sm text-brand-100">
                        "Keep companies, competitors, deals and signals in one workspace; let reports and the analyst do the reading."
                    </p>
                </div>
                <ul class="grid gap-px bg-zinc-100 sm:grid-cols-2 dark:bg-zinc-800">
                    {STEPS
                        .iter()
                        .map(|step| {
                            view! {
                                <li class="bg-white dark:bg-zinc-900">
                                    <A
                                        href=format!("/w/{}/{}", slug.get_untracked(), step.href)
                                        attr:class="group flex h-full gap-3 p-5 hover:bg-zinc-50 dark:hover:bg-zinc-800/60"
                                    >
                                        <Icon d=step.icon class="mt-0.5 size-5 shrink-0 text-brand-600 dark:text-brand-400" />
                                        <div class="min-w-0">
                                            <p class="flex items-center gap-1 text-sm font-semibold text-zinc-900 dark:text-white">
                                                {step.title}
                                                <Icon d=ARROW_RIGHT class="size-3.5 opacity-0 transition group-hover:translate-x-0.5 group-hover:opacity-100" />
                                            </p>
                                            <p class="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">
                                                {step.body}
                                            </p>
                                        </div>
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </Card>
            <SystemStatusCard />
        </div>
    }
}
