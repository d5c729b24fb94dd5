//! The frames pages sit in: the workspace frame (sidebar, top bar), a plain frame for pages
//! outside any workspace (account, new workspace), and the centred frame of sign-in pages.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

use super::error_page::ErrorPage;
use super::icons::{Icon, BUILDING, CHART_BAR, CHAT, COG, DOCUMENT, HOME, MENU, SERVER, SPARKLES};
use super::session::{UserMenu, WorkspaceSwitcher};
use super::theme::ThemeToggle;

struct NavItem {
    path: &'static str,
    label: &'static str,
    icon: &'static str,
}

const MAIN_NAV: [NavItem; 7] = [
    NavItem {
        path: "",
        label: "Dashboard",
        icon: HOME,
    },
    NavItem {
        path: "/companies",
        label: "Companies",
        icon: BUILDING,
    },
    NavItem {
        path: "/deals",
        label: "Deals",
        icon: CHART_BAR,
    },
    NavItem {
        path: "/reports",
        label: "Reports",
        icon: DOCUMENT,
    },
    NavItem {
        path: "/chat",
        label: "Chat",
        icon: CHAT,
    },
    NavItem {
        path: "/insights",
        label: "Insights",
        icon: SPARKLES,
    },
    NavItem {
        path: "/jobs",
        label: "Jobs",
        icon: SERVER,
    },
];

const SETTINGS_NAV: NavItem = NavItem {
    path: "/settings",
    label: "Settings",
    icon: COG,
};

const NAV_LINK: &str = "group flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 aria-[current=page]:bg-brand-50 aria-[current=page]:text-brand-700 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-white dark:aria-[current=page]:bg-brand-500/10 dark:aria-[current=page]:text-brand-300";

fn nav_link(item: &NavItem, slug: Signal<String>) -> AnyView {
    let (path, label, icon) = (item.path, item.label, item.icon);
    // The dashboard must not light up on every page; sections cover their sub-pages.
    let exact = path.is_empty();
    view! {
        <A href=move || format!("/w/{}{path}", slug.get()) exact=exact attr:class=NAV_LINK>
            <Icon d=icon class="size-5 shrink-0 opacity-80 group-aria-[current=page]:opacity-100" />
            <span>{label}</span>
        </A>
    }
    .into_any()
}

#[component]
pub fn Brand(#[prop(optional, into)] href: Option<String>) -> impl IntoView {
    view! {
        <a href=href.unwrap_or_else(|| "/".into()) class="flex items-center gap-2.5 px-2">
            <img src="/favicon.svg" alt="" class="size-8" />
            <span class="text-base font-semibold tracking-tight text-zinc-900 dark:text-white">
                "Hyperformant"
            </span>
        </a>
    }
}

#[component]
fn NavLists(slug: Signal<String>) -> impl IntoView {
    view! {
        <nav aria-label="Main" class="flex flex-1 flex-col gap-1">
            {MAIN_NAV.iter().map(|item| nav_link(item, slug)).collect_view()}
            <div class="mt-auto pt-4">{nav_link(&SETTINGS_NAV, slug)}</div>
        </nav>
    }
    .into_any()
}

/// On small screens the navigation folds into a disclosure: `<details>` opens without
/// JavaScript; once hydrated it also closes itself after a navigation.
#[component]
fn MobileNav(slug: Signal<String>) -> impl IntoView {
    let details = NodeRef::<leptos::html::Details>::new();
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(d) = details.get_untracked() {
            d.set_open(false);
        }
    });
    view! {
        <details node_ref=details class="group relative lg:hidden">
            <summary
                aria-label="Open navigation"
                class="flex size-9 cursor-pointer list-none items-center justify-center rounded-lg text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800 [&::-webkit-details-marker]:hidden"
            >
                <Icon d=MENU class="size-5" />
            </summary>
            <div class="absolute left-0 top-11 z-40 flex w-64 flex-col gap-4 rounded-xl border border-zinc-200 bg-white p-3 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
                <NavLists slug />
            </div>
        </details>
    }
    .into_any()
}

const TOP_BAR: &str = "sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-zinc-200 bg-white/80 px-4 backdrop-blur lg:px-8 dark:border-zinc-800 dark:bg-zinc-950/80";

/// Sidebar navigation of one workspace, top bar with the switcher, and the content area.
#[component]
pub fn WorkspaceFrame(#[prop(into)] slug: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <div class="min-h-screen">
            <aside class="fixed inset-y-0 left-0 z-30 hidden w-64 flex-col gap-6 border-r border-zinc-200 bg-white px-3 py-5 lg:flex dark:border-zinc-800 dark:bg-zinc-900">
                <Brand />
                <NavLists slug />
                <p class="px-3 text-xs text-zinc-400 dark:text-zinc-500">
                    {concat!("v", env!("CARGO_PKG_VERSION"))}
                </p>
            </aside>
            <div class="flex min-h-screen flex-col lg:pl-64">
                <header class=TOP_BAR>
                    <MobileNav slug />
                    <WorkspaceSwitcher current=slug />
                    <div class="ml-auto flex items-center gap-2">
                        <ThemeToggle />
                        <UserMenu />
                    </div>
                </header>
                <main id="main" class="mx-auto w-full max-w-7xl flex-1 px-4 py-6 lg:px-8 lg:py-8">
                    <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>
                        {children()}
                    </ErrorBoundary>
                </main>
            </div>
        </div>
    }
}

/// Pages outside a workspace: a top bar and a centred column.
#[component]
pub fn PlainFrame(children: Children) -> impl IntoView {
    view! {
        <div class="flex min-h-screen flex-col">
            <header class=TOP_BAR>
                <Brand />
                <div class="ml-auto flex items-center gap-2">
                    <ThemeToggle />
                    <UserMenu />
                </div>
            </header>
            <main id="main" class="mx-auto w-full max-w-3xl flex-1 px-4 py-8 lg:py-12">
                <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>
                    {children()}
                </ErrorBoundary>
            </main>
        </div>
    }
}

/// Sign-in, sign-up and invitation pages: one card in the middle of the screen.
#[component]
pub fn AuthFrame(children: Children) -> impl IntoView {
    view! {
        <div class="flex min-h-screen flex-col items-center justify-center bg-gradient-to-b from-brand-50 to-zinc-50 px-4 py-12 dark:from-zinc-900 dark:to-zinc-950">
            <div class="absolute right-4 top-4">
                <ThemeToggle />
            </div>
            <div class="mb-8">
                <Brand />
            </div>
            <div class="w-full max-w-sm rounded-2xl border border-zinc-200 bg-white p-7 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
                {children()}
            </div>
        </div>
    }
}
