//! Small building blocks every page uses, so pages read as content rather than classes.

use leptos::prelude::*;

use super::icons::Icon;

/// Whether the page has hydrated. Controls that only work with the WASM bundle render
/// disabled on the server and enable themselves here, so an early click cannot fall
/// through to a native form submission.
#[derive(Clone, Copy)]
pub struct Hydrated(pub RwSignal<bool>);

pub fn provide_hydrated() -> RwSignal<bool> {
    let flag = RwSignal::new(false);
    provide_context(Hydrated(flag));
    flag
}

pub fn use_hydrated() -> Signal<bool> {
    let flag = use_context::<Hydrated>().map(|h| h.0);
    Signal::derive(move || flag.is_some_and(|f| f.get()))
}

#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div class="min-w-0">
                <h1 class="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white">
                    {title}
                </h1>
                {subtitle
                    .map(|s| {
                        view! { <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{s}</p> }
                    })}
            </div>
            {children.map(|c| view! { <div class="flex items-center gap-2">{c()}</div> })}
        </div>
    }
}

#[component]
pub fn Card(#[prop(optional, into)] class: String, children: Children) -> impl IntoView {
    view! {
        <section class=format!(
            "rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900 {class}",
        )>{children()}</section>
    }
}

#[component]
pub fn EmptyState(
    icon: &'static str,
    #[prop(into)] title: String,
    #[prop(into)] body: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="flex flex-col items-center justify-center px-6 py-16 text-center">
            <div class="mb-4 flex size-12 items-center justify-center rounded-full bg-brand-50 text-brand-600 dark:bg-brand-900/40 dark:text-brand-300">
                <Icon d=icon class="size-6" />
            </div>
            <h2 class="text-base font-semibold text-zinc-900 dark:text-white">{title}</h2>
            <p class="mt-1 max-w-md text-sm text-zinc-500 dark:text-zinc-400">{body}</p>
            {children.map(|c| view! { <div class="mt-6 flex flex-wrap justify-center gap-3">{c()}</div> })}
        </div>
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Warn,
    Bad,
    Brand,
}

impl Tone {
    fn classes(self) -> &'static str {
        match self {
            Tone::Neutral => "bg-zinc-100 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-800 dark:text-zinc-300",
            Tone::Good => "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300",
            Tone::Warn => "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300",
            Tone::Bad => "bg-rose-50 text-rose-700 ring-rose-600/20 dark:bg-rose-500/10 dark:text-rose-300",
            Tone::Brand => "bg-brand-50 text-brand-700 ring-brand-600/20 dark:bg-brand-500/10 dark:text-brand-300",
        }
    }
}

#[component]
pub fn Badge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <span class=format!(
            "inline-flex items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
            tone.classes(),
        )>{text}</span>
    }
}

/// A grey block that stands in for content while it loads.
#[component]
pub fn Skeleton(#[prop(optional, into)] class: String) -> impl IntoView {
    view! {
        <div class=format!("animate-pulse rounded-md bg-zinc-200 dark:bg-zinc-800 {class}") />
    }
}

/// The standard button look; `primary` for the main action of a view.
pub fn button_class(primary: bool) -> &'static str {
    if primary {
        "inline-flex items-center gap-2 rounded-lg bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
    } else {
        "inline-flex items-center gap-2 rounded-lg bg-white px-3.5 py-2 text-sm font-medium text-zinc-700 shadow-sm ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60 dark:bg-zinc-800 dark:text-zinc-200 dark:ring-zinc-700 dark:hover:bg-zinc-700"
    }
}
