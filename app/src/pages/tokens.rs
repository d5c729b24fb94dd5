//! Settings → API tokens: create (shown once), list, revoke.

use leptos::prelude::*;
use leptos_meta::Title;

use super::settings::SettingsHeader;
use super::workspace::use_slug;
use crate::api::tokens::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::form::{
    copy_to_clipboard, field_error, form_values, general_error, Alert, AlertKind, Field, INPUT,
};
use crate::components::ui::{button_class, use_hydrated, Badge, Card, Tone};

fn when(d: Option<chrono::DateTime<chrono::Utc>>, none: &str) -> String {
    d.map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| none.to_owned())
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (slug.get(), create.version().get(), revoke.version().get()),
        |(s, ..)| list_api_tokens(s),
    );
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        create.dispatch(CreateApiToken {
            workspace: slug.get_untracked(),
            name: v.get("name").cloned().unwrap_or_default(),
            expires_in_days: v.get("expires_in_days").and_then(|d| d.parse().ok()),
        });
    };
    let result = create.value();
    view! {
        <Title text="API tokens" />
        <SettingsHeader title="API tokens" subtitle="Tokens act as you, with your role, in this workspace only." />
        <div class="space-y-6">
            <Card class="p-6">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"New token"</h2>
                <form on:submit=on_create class="mt-4 flex flex-wrap items-end gap-3">
                    <div class="min-w-56 flex-1">
                        <Field label="Name" name="name" placeholder="Weekly export script" required=true
                            error=Signal::derive(move || field_error(result.get(), "name")) />
                    </div>
                    <label class="block">
                        <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Expires"</span>
                        <select name="expires_in_days" class=format!("{INPUT} w-40")>
                            <option value="30">"in 30 days"</option>
                            <option value="90" selected=true>"in 90 days"</option>
                            <option value="365">"in a year"</option>
                            <option value="">"never"</option>
                        </select>
                    </label>
                    <button type="submit" class=button_class(true) data-testid="create-token" disabled=move || !live.get() || create.pending().get()>
                        "Create token"
                    </button>
                </form>
                {move || general_error(&result.get()).map(|m| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
                {move || result.get().and_then(|r| r.ok()).map(|created| {
                    let token = created.token.clone();
                    view! {
                        <div class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 dark:border-emerald-500/30 dark:bg-emerald-500/10">
                            <p class="text-sm text-emerald-800 dark:text-emerald-200">
                                "Copy your token now. It will not be shown again."
                            </p>
                            <div class="mt-2 flex items-center gap-2">
                                <input readonly class=format!("{INPUT} font-mono text-xs") value=token.clone() data-testid="new-token" />
                                <button type="button" class=button_class(false) on:click=move |_| copy_to_clipboard(&token)>"Copy"</button>
                            </div>
                        </div>
                    }
                })}
            </Card>
            <p class="text-sm text-zinc-500 dark:text-zinc-400">
                "Every endpoint a token can call, with a curl example for each, is in the "
                <a href="/docs/api" class="font-medium text-brand-600 hover:underline dark:text-brand-400" data-testid="api-docs-link">"API reference"</a>
                "."
            </p>
            <Card>
                <table class="w-full text-left text-sm">
                    <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                        <tr>
                            <th class="px-5 py-3 font-medium">"Name"</th>
                            <th class="px-5 py-3 font-medium">"Token"</th>
                            <th class="hidden px-5 py-3 font-medium md:table-cell">"Last used"</th>
                            <th class="hidden px-5 py-3 font-medium md:table-cell">"Expires"</th>
                            <th class="px-5 py-3"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let list = tokens.await.unwrap_or_default();
                                if list.is_empty() {
                                    return view! { <tr><td colspan="5" class="px-5 py-8 text-center text-zinc-500">"No tokens yet."</td></tr> }.into_any();
                                }
                                let now = chrono::Utc::now();
                                list.into_iter().map(|t| {
                                    let id = t.id;
                                    let active = t.is_active(now);
                                    view! {
                                        <tr>
                                            <td class="px-5 py-3 font-medium text-zinc-900 dark:text-zinc-100">{t.name.clone()}</td>
                                            <td class="px-5 py-3"><code class="font-mono text-xs text-zinc-600 dark:text-zinc-400">{format!("{}…", t.prefix)}</code></td>
                                            <td class="hidden px-5 py-3 text-zinc-500 md:table-cell">{when(t.last_used_at, "never")}</td>
                                            <td class="hidden px-5 py-3 text-zinc-500 md:table-cell">{when(t.expires_at, "never")}</td>
                                            <td class="px-5 py-3 text-right">
                                                {if active {
                                                    view! {
                                                        <button type="button" class="text-sm font-medium text-rose-600 hover:text-rose-500 disabled:opacity-50 dark:text-rose-400"
                                                            disabled=move || !live.get()
                                                            on:click=move |_| { revoke.dispatch(RevokeApiToken { workspace: slug.get_untracked(), id }); }>
                                                            "Revoke"
                                                        </button>
                                                    }.into_any()
                                                } else {
                                                    view! { <Badge tone=Tone::Neutral text=if t.revoked_at.is_some() { "revoked" } else { "expired" } /> }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view().into_any()
                            })}
                        </Transition>
                    </tbody>
                </table>
            </Card>
        </div>
    }
}
