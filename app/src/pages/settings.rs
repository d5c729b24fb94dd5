use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::workspace::{use_role, use_slug};
use crate::components::icons::{
    Icon, ARROW_RIGHT, BOLT, CHAT, KEY, REFRESH, SERVER, SHIELD, USERS,
};
use crate::components::ui::{Card, PageHeader};
use crate::types::Role;

struct Section {
    path: &'static str,
    icon: &'static str,
    title: &'static str,
    body: &'static str,
    min_role: Role,
}

const SECTIONS: [Section; 7] = [
    Section {
        path: "members",
        icon: USERS,
        title: "Members",
        body: "Who is in this workspace, their roles, and invitations.",
        min_role: Role::Viewer,
    },
    Section {
        path: "tokens",
        icon: KEY,
        title: "API tokens",
        body: "Personal tokens for scripts that call the API.",
        min_role: Role::Viewer,
    },
    Section {
        path: "webhooks",
        icon: BOLT,
        title: "Webhooks",
        body: "Send reports, failed jobs and deal changes to your own systems.",
        min_role: Role::Admin,
    },
    Section {
        path: "integrations",
        icon: REFRESH,
        title: "Integrations",
        body: "Sync companies, contacts and deals from HubSpot.",
        min_role: Role::Admin,
    },
    Section {
        path: "ai",
        icon: CHAT,
        title: "AI",
        body: "The model provider of the analyst, its key and budget; usage this month.",
        min_role: Role::Admin,
    },
    Section {
        path: "audit",
        icon: SHIELD,
        title: "Audit log",
        body: "Who changed what, and every sign-in of a member.",
        min_role: Role::Admin,
    },
    Section {
        path: "system",
        icon: SERVER,
        title: "System",
        body: "Database backend, schema migrations, server version.",
        min_role: Role::Viewer,
    },
];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    view! {
        <Title text="Settings" />
        <PageHeader title="Settings" subtitle="Members, access and the system itself." />
        <Card class="divide-y divide-zinc-100 dark:divide-zinc-800">
            {move || {
                let role = role.get().unwrap_or(Role::Viewer);
                SECTIONS
                    .iter()
                    .filter(|s| role >= s.min_role)
                    .map(|s| {
                        view! {
                            <A
                                href=format!("/w/{}/settings/{}", slug.get(), s.path)
                                attr:class="group flex items-center gap-4 p-5 hover:bg-zinc-50 dark:hover:bg-zinc-800/60"
                            >
                                <div class="flex size-10 items-center justify-center rounded-lg bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
                                    <Icon d=s.icon class="size-5" />
                                </div>
                                <div class="min-w-0 flex-1">
                                    <p class="text-sm font-semibold text-zinc-900 dark:text-white">{s.title}</p>
                                    <p class="text-sm text-zinc-500 dark:text-zinc-400">{s.body}</p>
                                </div>
                                <Icon d=ARROW_RIGHT class="size-4 text-zinc-400 transition group-hover:translate-x-0.5" />
                            </A>
                        }
                    })
                    .collect_view()
            }}
        </Card>
    }
}

/// "Settings / X" heading with a way back.
#[component]
pub fn SettingsHeader(
    #[prop(into)] title: String,
    #[prop(into)] subtitle: String,
) -> impl IntoView {
    let slug = use_slug();
    view! {
        <nav aria-label="Breadcrumb" class="mb-2 text-sm">
            <A href=move || format!("/w/{}/settings", slug.get()) attr:class="text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200">
                "Settings"
            </A>
        </nav>
        <PageHeader title=title subtitle=subtitle />
    }
}
