//! The frame of every page under `/w/{slug}`: it checks that the signed-in person belongs
//! to the workspace (404 otherwise — the same answer as for a workspace that does not
//! exist) and gives the pages the slug and the person's role there.

use leptos::prelude::*;
use leptos_router::{components::Outlet, hooks::use_params_map};

use super::not_found::NotFound;
use crate::components::layout::WorkspaceFrame;
use crate::components::session::use_session;
use crate::types::Role;

#[derive(Clone, Copy)]
struct WorkspaceSlug(Signal<String>);

/// The current workspace's slug, from the URL. Provided once by `WorkspaceLayout`: a memo
/// made here instead would belong to the calling component, and components inside a
/// `Transition` are disposed while their reactive attributes may still be notified of a URL
/// change ("accessed a disposed value" panics in list rows and headers).
pub fn use_slug() -> Signal<String> {
    use_context::<WorkspaceSlug>()
        .map(|w| w.0)
        .unwrap_or_else(slug_from_params)
}

fn slug_from_params() -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || params.read().get("slug").unwrap_or_default())
}

/// The signed-in person's role in the current workspace (None while loading).
pub fn use_role() -> Signal<Option<Role>> {
    let slug = use_slug();
    let session = use_session().0;
    Signal::derive(move || {
        let slug = slug.get();
        session
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .and_then(|s| s.workspace(&slug).map(|w| w.role))
    })
}

/// The role, read by awaiting the session: what a `Suspend` that branches on permissions
/// should use, so the browser renders the same branch as the server even if the session's
/// serialized value has not been read yet when that part hydrates.
pub async fn role_now(
    session: Resource<Result<Option<crate::types::SessionInfo>, crate::types::ApiError>>,
    slug: Signal<String>,
) -> Option<Role> {
    let info = session.await.ok().flatten()?;
    info.workspace(&slug.get_untracked()).map(|w| w.role)
}

#[component]
pub fn WorkspaceLayout() -> impl IntoView {
    let slug = slug_from_params();
    provide_context(WorkspaceSlug(slug));
    let session = use_session().0;
    // The session is already loaded when this renders, on the server (read before the render,
    // see `PageSession`) and in the browser (from the page's serialized data): no Suspense
    // here, whose re-run would rebuild the routed page with new resources. A Memo, so moving
    // between two workspaces one belongs to keeps the routed page in place.
    let member = Memo::new(move |_| {
        session.get().map(|r| {
            r.ok()
                .flatten()
                .is_some_and(|s| s.workspace(&slug.get()).is_some())
        })
    });
    view! {
        <WorkspaceFrame slug>
            <Show when=move || member.get() == Some(true) fallback=|| view! { <NotFound /> }>
                <Outlet />
            </Show>
        </WorkspaceFrame>
    }
}

/// `/` in the browser: the first workspace, or the sign-in page. (On a full page load the
/// server answers `/` with a redirect before this renders.)
#[component]
pub fn HomeRedirect() -> impl IntoView {
    let session = use_session().0;
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let target = match session.await.ok().flatten() {
                    Some(info) => match info.workspaces.first() {
                        Some(w) => format!("/w/{}", w.slug),
                        None => "/workspaces/new".to_owned(),
                    },
                    None => "/login".to_owned(),
                };
                view! { <leptos_router::components::Redirect path=target /> }
            })}
        </Suspense>
    }
}
