use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::icons::{Icon, COMPASS};
use crate::components::ui::button_class;

/// "Not found" — also what a workspace you are not a member of looks like.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <div class="flex flex-col items-center justify-center py-24 text-center">
            <div class="mb-5 flex size-14 items-center justify-center rounded-full bg-zinc-100 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-400">
                <Icon d=COMPASS class="size-7" />
            </div>
            <p class="text-sm font-semibold text-brand-600 dark:text-brand-400">"404"</p>
            <h1 class="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white">
                "This page does not exist"
            </h1>
            <p class="mt-2 max-w-sm text-sm text-zinc-500 dark:text-zinc-400">
                "The link may be old, or the record was removed. Check the address, or start again from your workspace."
            </p>
            <a href="/" class=format!("mt-6 {}", button_class(true))>
                "Back to my workspace"
            </a>
        </div>
    }
}
