//! One answer as the chat shows it: its tool activity (expandable to the raw result, with
//! the confirmation a `start_report` call waits for), the Markdown body, and its actions.

use leptos::prelude::*;
use leptos_router::components::A;

use super::super::workspace::use_slug;
use crate::components::form::copy_to_clipboard;
use crate::components::markdown::to_safe_html;
use crate::components::ui::button_class;
use crate::types::{ChatMessage, ToolCall};

#[component]
pub(super) fn Answer(
    m: ChatMessage,
    last: Signal<bool>,
    streaming: RwSignal<Option<i64>>,
    on_stop: Callback<()>,
    on_retry: Callback<()>,
    on_confirm: Callback<(String, bool)>,
) -> impl IntoView {
    let html = to_safe_html(&m.content);
    let content = m.content.clone();
    let is_streaming = m.is_streaming();
    let status = m.status.clone();
    let error = m.error.clone();
    let meta = m.model.clone().map(|model| {
        let tokens = m.prompt_tokens + m.completion_tokens;
        if tokens > 0 {
            format!("{model} · {tokens} tokens")
        } else {
            model
        }
    });
    view! {
        <div class="flex justify-start" data-testid="chat-message" data-role="assistant" data-status=status.clone()>
            <div class="w-full max-w-[90%] space-y-2">
                {m.tool_calls.into_iter().map(|c| view! { <ToolActivity call=c on_confirm /> }).collect_view()}
                <div class="prose prose-sm max-w-none rounded-2xl bg-zinc-100 px-4 py-2 text-sm text-zinc-900 dark:prose-invert dark:bg-zinc-800 dark:text-zinc-100 [&_table]:text-xs [&_td]:px-2 [&_th]:px-2"
                    data-testid="answer-body" inner_html=html></div>
                {is_streaming.then(|| view! { <p class="text-xs text-zinc-400" data-testid="answer-writing">"Writing…"</p> })}
                {(status == "stopped").then(|| view! {
                    <p class="text-xs text-amber-600">{format!("Stopped{}", error.clone().map(|e| format!(": {e}")).unwrap_or_default())}</p>
                })}
                {(status == "error").then(|| view! {
                    <p class="text-xs text-rose-600" role="alert">{error.clone().unwrap_or_default()}</p>
                })}
                <div class="flex items-center gap-3 text-xs text-zinc-400">
                    {(!is_streaming).then(|| {
                        let content = content.clone();
                        view! { <button type="button" class="hover:text-zinc-700" data-testid="copy-answer" on:click=move |_| copy_to_clipboard(&content)>"Copy"</button> }
                    })}
                    <Show when=move || !is_streaming && last.get() && streaming.get().is_none()>
                        <button type="button" class="hover:text-zinc-700" data-testid="retry-answer" on:click=move |_| on_retry.run(())>"Retry"</button>
                    </Show>
                    {is_streaming.then(|| view! {
                        <button type="button" class="hover:text-zinc-700" on:click=move |_| on_stop.run(())>"Stop"</button>
                    })}
                    {meta.map(|t| view! { <span>{t}</span> })}
                </div>
            </div>
        </div>
    }
}

/// "looked up 12 deals in negotiation", expandable to the call's arguments and raw result.
#[component]
fn ToolActivity(call: ToolCall, on_confirm: Callback<(String, bool)>) -> impl IntoView {
    let slug = use_slug();
    let waiting = call.status == "needs_confirmation";
    let link = call
        .result
        .as_ref()
        .and_then(|r| r.get("link"))
        .and_then(|l| l.as_str())
        .filter(|l| l.starts_with(&format!("/w/{}/", slug.get_untracked())))
        .map(str::to_owned);
    let id = call.id.clone();
    let raw = serde_json::to_string_pretty(&serde_json::json!({
        "tool": call.name,
        "arguments": call.arguments,
        "result": call.result,
    }))
    .unwrap_or_default();
    let tone = match call.status.as_str() {
        "error" => "text-rose-600",
        "running" => "text-zinc-400 animate-pulse",
        _ => "text-zinc-500 dark:text-zinc-400",
    };
    view! {
        <details class="text-xs" data-testid="tool-call">
            <summary class=format!("cursor-pointer select-none {tone}")>{format!("🔎 {}", call.summary)}</summary>
            <pre class="mt-1 max-h-64 overflow-auto rounded-lg bg-zinc-950 p-2 text-[11px] text-zinc-100">{raw}</pre>
        </details>
        {waiting.then(|| {
            let (a, b) = (id.clone(), id.clone());
            view! {
                <div class="flex gap-2" data-testid="confirm-call">
                    <button type="button" class=button_class(true) on:click=move |_| on_confirm.run((a.clone(), true))>"Start the report"</button>
                    <button type="button" class=button_class(false) on:click=move |_| on_confirm.run((b.clone(), false))>"Not now"</button>
                </div>
            }
        })}
        {link.map(|href| view! { <A href=href attr:class="text-xs text-brand-600 hover:underline" attr:data-testid="tool-link">"Open the report"</A> })}
    }
}
