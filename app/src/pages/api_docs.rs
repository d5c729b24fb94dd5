//! `/docs/api`: the API reference for people — every endpoint by area with its input, its
//! output and a curl example, then every schema. Rendered on the server from the same
//! document as `/api/openapi.json` (`api_reference`), readable without JavaScript, no sign-in
//! needed (it documents the surface, not anyone's data).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::openapi::api_reference;
use crate::components::form::{Alert, AlertKind};
use crate::components::layout::Brand;
use crate::components::session::UserMenu;
use crate::components::theme::ThemeToggle;
use crate::types::{ApiArea, ApiReference, EndpointDoc, FieldDoc, SchemaDoc, TypeToken};

const CODE: &str = "rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.8125rem] text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200";
const H3: &str =
    "mt-4 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400";
const LINK: &str = "font-medium text-brand-600 hover:underline dark:text-brand-400";

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| api_reference());
    view! {
        <Title text="API reference" />
        <div class="flex min-h-screen flex-col">
            <header class="sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-zinc-200 bg-white/80 px-4 backdrop-blur lg:px-8 dark:border-zinc-800 dark:bg-zinc-950/80">
                <Brand />
                <span class="hidden text-sm text-zinc-400 sm:inline">"/"</span>
                <span class="hidden text-sm font-medium text-zinc-700 sm:inline dark:text-zinc-300">"API reference"</span>
                <div class="ml-auto flex items-center gap-4">
                    <a href="/api/openapi.json" rel="external" class=format!("text-sm {LINK}") data-testid="openapi-link">
                        "openapi.json"
                    </a>
                    <ThemeToggle />
                    <UserMenu />
                </div>
            </header>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match reference.await {
                        Ok(r) => view! { <Reference r /> }.into_any(),
                        Err(e) => view! {
                            <main class="mx-auto w-full max-w-3xl px-4 py-8">
                                <Alert kind=AlertKind::Error>{e.message}</Alert>
                            </main>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn Reference(r: ApiReference) -> impl IntoView {
    let count: usize = r.areas.iter().map(|a| a.endpoints.len()).sum();
    let nav = r
        .areas
        .iter()
        .map(|a| {
            let href = format!("#{}", a.id);
            view! {
                <li>
                    <a href=href class="block rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-white">
                        {a.name.clone()}
                        <span class="ml-1 text-xs text-zinc-400">{a.endpoints.len()}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let intro = r
        .intro
        .iter()
        .map(|p| view! { <p class="mt-3 text-sm leading-6 text-zinc-600 dark:text-zinc-300">{rich(p)}</p> })
        .collect_view();
    let base_url = r.base_url.clone();
    let areas = r
        .areas
        .into_iter()
        .map(|area| view! { <Area area /> })
        .collect_view();
    let schemas = r
        .schemas
        .into_iter()
        .map(|schema| view! { <Schema schema /> })
        .collect_view();
    view! {
        <div class="mx-auto flex w-full max-w-7xl flex-1 gap-8 px-4 py-8 lg:px-8">
            <nav aria-label="Areas" class="sticky top-20 hidden max-h-[calc(100vh-6rem)] w-56 shrink-0 self-start overflow-y-auto lg:block">
                <ul class="space-y-0.5">
                    {nav}
                    <li class="mt-2 border-t border-zinc-200 pt-2 dark:border-zinc-800">
                        <a href="#schemas" class="block rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800">"Schemas"</a>
                    </li>
                </ul>
            </nav>
            <main id="main" class="min-w-0 flex-1">
                <h1 class="text-2xl font-semibold tracking-tight text-zinc-900 dark:text-white">
                    {r.title}
                </h1>
                <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                    {format!("Version {} · {count} endpoints · base URL ", r.version)}
                    <code class=CODE>{base_url}</code>
                </p>
                <section class="mt-6 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
                    <p class="text-sm leading-6 text-zinc-600 dark:text-zinc-300">
                        "Create a token under Settings → API tokens, then put it in "
                        <code class=CODE>"TOKEN"</code>
                        " for the examples below. The same description is available as "
                        <a href="/api/openapi.json" rel="external" class=LINK>"OpenAPI 3.1"</a>
                        " for code generators."
                    </p>
                    {intro}
                </section>
                {areas}
                <section id="schemas" class="mt-12 scroll-mt-20">
                    <h2 class="text-xl font-semibold tracking-tight text-zinc-900 dark:text-white">"Schemas"</h2>
                    <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                        "Every type the endpoints take or answer with, derived from the server's own types."
                    </p>
                    <div class="mt-4 space-y-4">{schemas}</div>
                </section>
            </main>
        </div>
    }
}

#[component]
fn Area(area: ApiArea) -> impl IntoView {
    let endpoints = area
        .endpoints
        .into_iter()
        .map(|endpoint| view! { <Endpoint endpoint /> })
        .collect_view();
    view! {
        <section id=area.id class="mt-12 scroll-mt-20" data-testid="api-area">
            <h2 class="text-xl font-semibold tracking-tight text-zinc-900 dark:text-white">{area.name}</h2>
            <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{rich(&area.description)}</p>
            <div class="mt-4 space-y-4">{endpoints}</div>
        </section>
    }
}

fn method_class(method: &str) -> &'static str {
    match method {
        "GET" => "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300",
        _ => "bg-brand-50 text-brand-700 ring-brand-600/20 dark:bg-brand-500/10 dark:text-brand-300",
    }
}

#[component]
fn Endpoint(endpoint: EndpointDoc) -> impl IntoView {
    let e = endpoint;
    let inputs = if e.inputs.is_empty() && e.raw_body.is_none() {
        view! {
            <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                {if e.method == "POST" { "No arguments: send " } else { "No parameters." }}
                {(e.method == "POST").then(|| view! { <code class=CODE>"{}"</code> })}
            </p>
        }
        .into_any()
    } else {
        view! {
            {e.raw_body.clone().map(|media| view! {
                <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-300">
                    "The request body is the raw file (" <code class=CODE>{media}</code> ")."
                </p>
            })}
            {(!e.inputs.is_empty()).then(|| view! { <Fields fields=e.inputs.clone() /> })}
        }
        .into_any()
    };
    view! {
        <article id=e.id.clone() class="scroll-mt-20 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="api-endpoint">
            <div class="flex flex-wrap items-center gap-2">
                <span class=format!("inline-flex items-center rounded-md px-2 py-0.5 font-mono text-xs font-semibold ring-1 ring-inset {}", method_class(&e.method))>
                    {e.method.clone()}
                </span>
                <a href=format!("#{}", e.id) class="font-mono text-sm font-semibold text-zinc-900 hover:underline dark:text-white">
                    {e.path.clone()}
                </a>
                {e.session_only.then(|| view! {
                    <span class="inline-flex items-center rounded-md bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300">
                        "browser session only"
                    </span>
                })}
                {e.public.then(|| view! {
                    <span class="inline-flex items-center rounded-md bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-600 ring-1 ring-inset ring-zinc-500/20 dark:bg-zinc-800 dark:text-zinc-300">
                        "no token needed"
                    </span>
                })}
            </div>
            <p class="mt-2 text-sm text-zinc-800 dark:text-zinc-100">{rich(&e.summary)}</p>
            {(!e.description.is_empty()).then(|| view! {
                <p class="mt-1 text-sm leading-6 text-zinc-600 dark:text-zinc-400">{rich(&e.description)}</p>
            })}
            <h3 class=H3>"Input"</h3>
            {inputs}
            <h3 class=H3>"Output"</h3>
            <p class="mt-1 text-sm text-zinc-700 dark:text-zinc-300">
                {if e.output_media == "application/json" {
                    view! { <code class=CODE><Type tokens=e.output.clone() /></code> }.into_any()
                } else {
                    view! {
                        <code class=CODE>{e.output_media.clone()}</code>
                        " — "
                        <Type tokens=e.output.clone() />
                    }
                    .into_any()
                }}
            </p>
            <h3 class=H3>"Example"</h3>
            <pre class="mt-1 overflow-x-auto rounded-lg bg-zinc-950 p-3 text-xs leading-5 text-zinc-100 dark:bg-black/40" data-testid="curl-example"><code>{e.curl}</code></pre>
        </article>
    }
}

#[component]
fn Fields(fields: Vec<FieldDoc>) -> impl IntoView {
    let show_location = fields.iter().any(|f| f.location != "body");
    let rows = fields
        .into_iter()
        .map(|f| {
            view! {
                <tr class="align-top">
                    <td class="py-1.5 pr-4 font-mono text-xs text-zinc-900 dark:text-zinc-100">
                        {f.name}
                        {show_location.then(|| view! { <span class="ml-1 font-sans text-zinc-400">{format!("({})", f.location)}</span> })}
                    </td>
                    <td class="py-1.5 pr-4 font-mono text-xs text-zinc-700 dark:text-zinc-300"><Type tokens=f.ty /></td>
                    <td class="py-1.5 pr-4 text-xs">
                        {if f.required {
                            view! { <span class="font-medium text-amber-700 dark:text-amber-300">"required"</span> }.into_any()
                        } else {
                            view! { <span class="text-zinc-400">"optional"</span> }.into_any()
                        }}
                    </td>
                    <td class="py-1.5 text-xs text-zinc-600 dark:text-zinc-400">{rich(&f.description)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="mt-1 overflow-x-auto">
            <table class="w-full text-left">
                <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Schema(schema: SchemaDoc) -> impl IntoView {
    let body = if schema.fields.is_empty() {
        view! {
            <p class="mt-1 text-sm"><code class=CODE><Type tokens=schema.shape /></code></p>
        }
        .into_any()
    } else {
        view! { <Fields fields=schema.fields /> }.into_any()
    };
    let anchor = format!("schema-{}", schema.name);
    view! {
        <article id=anchor class="scroll-mt-20 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="api-schema">
            <h3 class="font-mono text-sm font-semibold text-zinc-900 dark:text-white">{schema.name}</h3>
            {(!schema.description.is_empty()).then(|| view! {
                <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{rich(&schema.description)}</p>
            })}
            {body}
        </article>
    }
}

/// A type expression; schema names link to their definition below.
#[component]
fn Type(tokens: Vec<TypeToken>) -> impl IntoView {
    tokens
        .into_iter()
        .map(|t| match t.schema {
            Some(name) => view! {
                <a href=format!("#schema-{name}") class="text-brand-600 hover:underline dark:text-brand-400">{t.text}</a>
            }
            .into_any(),
            None => view! { <span>{t.text}</span> }.into_any(),
        })
        .collect_view()
}

/// Text with `code` in backticks and **bold** in double asterisks, as the API's descriptions
/// write them (no other markup; everything else is plain text, escaped as usual).
fn rich(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                view! { <code class=CODE>{part.to_owned()}</code> }.into_any()
            } else {
                part.split("**")
                    .enumerate()
                    .map(|(j, p)| {
                        if j % 2 == 1 {
                            view! { <strong class="font-semibold text-zinc-900 dark:text-white">{p.to_owned()}</strong> }.into_any()
                        } else {
                            view! { <span>{p.to_owned()}</span> }.into_any()
                        }
                    })
                    .collect_view()
                    .into_any()
            }
        })
        .collect_view()
}
