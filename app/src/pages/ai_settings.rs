//! Settings → AI (admins): the workspace's model provider (offline analyst, any
//! OpenAI-compatible endpoint, or Anthropic), its key (write-only) and monthly token budget,
//! and this month's usage.

use leptos::prelude::*;
use leptos_meta::Title;

use super::settings::SettingsHeader;
use super::workspace::use_slug;
use crate::api::ai::{get_ai_settings, get_ai_usage, UpdateAiSettings};
use crate::components::form::{
    field_error, form_values, general_error, Alert, AlertKind, Field, INPUT,
};
use crate::components::ui::{button_class, use_hydrated, Card};
use crate::types::AiSettingsInput;

#[component]
pub fn AiSettingsPage() -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let save = ServerAction::<UpdateAiSettings>::new();
    let settings = Resource::new(
        move || (slug.get(), save.version().get()),
        |(s, _)| get_ai_settings(s),
    );
    let usage = Resource::new(
        move || (slug.get(), save.version().get()),
        |(s, _)| get_ai_usage(s),
    );
    let result = save.value();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        let get = |k: &str| v.get(k).cloned().unwrap_or_default();
        save.dispatch(UpdateAiSettings {
            workspace: slug.get_untracked(),
            input: AiSettingsInput {
                provider: get("provider"),
                base_url: get("base_url"),
                model: get("model"),
                api_key: Some(get("api_key")).filter(|k| !k.is_empty()),
                clear_api_key: v.contains_key("clear_api_key"),
                monthly_token_budget: get("monthly_token_budget").trim().parse().ok(),
            },
        });
    };
    view! {
        <Title text="AI settings" />
        <SettingsHeader title="AI" subtitle="The model behind the analyst, report prose and insights; the budget and this month's usage." />
        <div class="space-y-6">
            <Card class="p-6">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match settings.await {
                            Err(e) => view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }.into_any(),
                            Ok(s) => {
                                let provider = s.provider.clone();
                                view! {
                                    <form on:submit=on_submit class="space-y-4" data-testid="ai-settings-form">
                                        <p class="text-sm text-zinc-500">
                                            {if s.source == "server" { "Using the server's configuration (AI_PROVIDER …) until you save one here." } else { "Set for this workspace." }}
                                        </p>
                                        <div class="grid gap-4 md:grid-cols-2">
                                            <div>
                                                <label for="field-provider" class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Provider"</label>
                                                <select id="field-provider" name="provider" class=INPUT>
                                                    {[("offline", "Offline analyst (no model)"), ("openai", "OpenAI-compatible (OpenAI, Ollama, vLLM, LM Studio …)"), ("anthropic", "Anthropic")]
                                                        .into_iter().map(|(v, l)| view! { <option value=v selected=provider == v>{l}</option> }).collect_view()}
                                                </select>
                                            </div>
                                            <Field label="Model" name="model" value=s.model.clone() placeholder="gpt-4o-mini"
                                                error=Signal::derive(move || field_error(result.get(), "model")) />
                                            <Field label="Base URL" name="base_url" value=s.base_url.clone() placeholder="default: the provider's own"
                                                hint="e.g. http://localhost:11434/v1 for Ollama"
                                                error=Signal::derive(move || field_error(result.get(), "base_url")) />
                                            <Field label="API key" name="api_key" kind="password" autocomplete="off"
                                                placeholder=if s.has_api_key { "stored — leave empty to keep" } else { "none" }
                                                error=Signal::derive(move || field_error(result.get(), "api_key")) />
                                            <Field label="Monthly token budget" name="monthly_token_budget" kind="number"
                                                value=s.monthly_token_budget.map(|b| b.to_string()).unwrap_or_default() placeholder="no limit"
                                                error=Signal::derive(move || field_error(result.get(), "monthly_token_budget")) />
                                        </div>
                                        {s.has_api_key.then(|| view! {
                                            <label class="inline-flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
                                                <input type="checkbox" name="clear_api_key" value="on" class="size-4 rounded border-zinc-300" />
                                                "Remove the stored key"
                                            </label>
                                        })}
                                        <div>
                                            <button type="submit" class=button_class(true) data-testid="save-ai-settings" disabled=move || !live.get() || save.pending().get()>"Save"</button>
                                        </div>
                                    </form>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
                {move || general_error(&result.get()).map(|m| view! { <div class="mt-4"><Alert kind=AlertKind::Error>{m}</Alert></div> })}
            </Card>
            <Card class="p-6">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Usage this month"</h2>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        usage.await.ok().map(|u| view! {
                            <dl class="mt-3 grid gap-4 text-sm sm:grid-cols-4" data-testid="ai-usage">
                                <div><dt class="text-zinc-500">"Tokens"</dt><dd class="font-semibold">{format!("{} / {}", u.tokens, u.budget.map(|b| b.to_string()).unwrap_or_else(|| "no limit".into()))}</dd></div>
                                <div><dt class="text-zinc-500">"Answers"</dt><dd class="font-semibold">{u.requests}</dd></div>
                                <div><dt class="text-zinc-500">"Yours"</dt><dd class="font-semibold">{u.my_tokens}</dd></div>
                                <div><dt class="text-zinc-500">"Cache"</dt><dd class="font-semibold">{format!("{} entries, {} hits", u.cache_entries, u.cache_hits)}</dd></div>
                            </dl>
                        })
                    })}
                </Transition>
            </Card>
        </div>
    }
}
