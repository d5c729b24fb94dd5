//! Who is signed in, for every page: one resource loaded with the page (server-rendered,
//! then hydrated without a second request) and refetched after changes that affect it.

use leptos::prelude::*;
use leptos_router::components::A;

use super::icons::{Icon, CHEVRON_DOWN, PLUS};
use crate::api::auth::current_session;
use crate::types::{ApiError, SessionInfo};

#[derive(Clone, Copy)]
pub struct SessionResource(pub Resource<Result<Option<SessionInfo>, ApiError>>);

pub fn provide_session() -> SessionResource {
    let s = SessionResource(Resource::new(|| (), |_| current_session()));
    provide_context(s);
    s
}

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// The session as an Option once loaded (None while loading, signed out, or on error).
pub fn session_info() -> Option<SessionInfo> {
    use_session().0.get().and_then(|r| r.ok()).flatten()
}

const MENU_PANEL: &str = "absolute right-0 top-11 z-40 w-64 rounded-xl border border-zinc-200 bg-white p-1.5 shadow-lg dark:border-zinc-800 dark:bg-zinc-900";
const MENU_ITEM: &str = "flex w-full items-center gap-2 rounded-lg px-3 py-2 text-left text-sm text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800";

/// The workspace switcher in the top bar: the current workspace, the others, and "new".
#[component]
pub fn WorkspaceSwitcher(#[prop(into)] current: Signal<String>) -> impl IntoView {
    let SessionResource(session) = use_session();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let info = session.await.ok().flatten();
                let Some(info) = info else { return ().into_any() };
                let slug = current.get();
                let name = info
                    .workspace(&slug)
                    .map(|w| w.name.clone())
                    .unwrap_or_else(|| "Workspaces".into());
                view! {
                    <details class="relative" data-testid="workspace-switcher">
                        <summary class="flex cursor-pointer list-none items-center gap-2 rounded-lg px-2.5 py-1.5 text-sm font-medium text-zinc-800 hover:bg-zinc-100 dark:text-zinc-100 dark:hover:bg-zinc-800 [&::-webkit-details-marker]:hidden">
                            <span class="flex size-6 items-center justify-center rounded-md bg-brand-600 text-xs font-semibold text-white">
                                {name.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                            </span>
                            <span class="max-w-48 truncate" data-testid="current-workspace">{name}</span>
                            <Icon d=CHEVRON_DOWN class="size-4 text-zinc-400" />
                        </summary>
                        <div class=MENU_PANEL.replace("right-0", "left-0")>
                            <p class="px-3 pb-1 pt-2 text-xs font-medium uppercase tracking-wide text-zinc-400">
                                "Workspaces"
                            </p>
                            {info
                                .workspaces
                                .into_iter()
                                .map(|w| {
                                    let here = w.slug == slug;
                                    view! {
                                        <a
                                            href=format!("/w/{}", w.slug)
                                            class=MENU_ITEM
                                            aria-current=here.then_some("true")
                                        >
                                            <span class="flex-1 truncate">{w.name}</span>
                                            <span class="text-xs text-zinc-400">{w.role.label()}</span>
                                        </a>
                                    }
                                })
                                .collect_view()}
                            <div class="my-1 border-t border-zinc-100 dark:border-zinc-800"></div>
                            <A href="/workspaces/new" attr:class=MENU_ITEM>
                                <Icon d=PLUS class="size-4" />
                                "New workspace"
                            </A>
                        </div>
                    </details>
                }
                    .into_any()
            })}
        </Transition>
    }
}

/// The signed-in person: account page and sign-out (a plain form, so it works without JS).
#[component]
pub fn UserMenu() -> impl IntoView {
    let SessionResource(session) = use_session();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let Some(info) = session.await.ok().flatten() else {
                    return view! {
                        <a href="/login" class="text-sm font-medium text-brand-600 dark:text-brand-400">
                            "Sign in"
                        </a>
                    }
                        .into_any();
                };
                let user = info.user;
                view! {
                    <details class="relative" data-testid="user-menu">
                        <summary
                            aria-label="Account menu"
                            class="flex cursor-pointer list-none items-center rounded-full focus-visible:outline-2 focus-visible:outline-brand-500 [&::-webkit-details-marker]:hidden"
                        >
                            <span class="flex size-8 items-center justify-center rounded-full bg-zinc-200 text-xs font-semibold text-zinc-700 dark:bg-zinc-700 dark:text-zinc-100">
                                {user.initials()}
                            </span>
                        </summary>
                        <div class=MENU_PANEL>
                            <div class="px-3 py-2">
                                <p class="truncate text-sm font-medium text-zinc-900 dark:text-white">
                                    {user.name.clone()}
                                </p>
                                <p class="truncate text-xs text-zinc-500" data-testid="user-email">
                                    {user.email.clone()}
                                </p>
                            </div>
                            <div class="my-1 border-t border-zinc-100 dark:border-zinc-800"></div>
                            <A href="/account" attr:class=MENU_ITEM>
                                "Account and sessions"
                            </A>
                            <form method="post" action="/auth/logout">
                                <button type="submit" class=MENU_ITEM data-testid="sign-out">
                                    "Sign out"
                                </button>
                            </form>
                        </div>
                    </details>
                }
                    .into_any()
            })}
        </Transition>
    }
}
