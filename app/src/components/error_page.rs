//! The page shown in place of one whose rendering failed (the layout's error boundary).

use leptos::prelude::*;
use leptos_meta::Title;

use super::icons::{Icon, WARNING};
use super::ui::button_class;

/// Shown in place of a page when rendering it failed. Lists what went wrong in words a user
/// can act on; the details are in the server log.
#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| e.to_string())
            .collect::<Vec<_>>()
    };
    view! {
        <Title text="Something went wrong" />
        <div role="alert" class="mx-auto max-w-lg py-16 text-center">
            <div class="mx-auto mb-5 flex size-14 items-center justify-center rounded-full bg-rose-50 text-rose-600 dark:bg-rose-500/10 dark:text-rose-400">
                <Icon d=WARNING class="size-7" />
            </div>
            <h1 class="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white">
                "Something went wrong"
            </h1>
            <ul class="mt-3 space-y-1 text-sm text-zinc-600 dark:text-zinc-400">
                {move || messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
            <a href="" class=format!("mt-6 {}", button_class(false))>
                "Try again"
            </a>
        </div>
    }
}
