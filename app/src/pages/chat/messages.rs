//! The conversation's messages: suggested questions while it is empty, then each question
//! (editable) and each answer as it is written.

use leptos::prelude::*;

use super::answer::Answer;
use super::state::Chat;
use crate::types::{ApiError, ChatMessage};

/// The middle of the right pane: what has been asked and answered.
#[component]
pub(super) fn Messages(
    chat: Chat,
    suggestions: Resource<Result<Vec<String>, ApiError>>,
    hydrated: Signal<bool>,
) -> impl IntoView {
    let Chat {
        messages,
        streaming,
        ..
    } = chat;
    view! {
        <div class="min-h-0 flex-1 space-y-4 overflow-y-auto p-4" data-testid="chat-messages">
            <Show when=move || messages.with(|m| m.is_empty())>
                <Suggestions chat suggestions hydrated />
            </Show>
            <For
                each=move || messages.get()
                key=|m| (m.id, m.content.len(), m.status.clone(), m.tool_calls.iter().map(|c| c.status.len()).sum::<usize>(), m.tool_calls.len())
                let:m
            >
                {
                    let last_answer = move || messages.with(|l| l.last().map(|x| x.id)) == Some(m.id);
                    let id = m.id;
                    if m.role == "user" {
                        view! { <Question chat m=m.clone() /> }.into_any()
                    } else {
                        view! { <Answer m=m.clone() last=Signal::derive(last_answer) streaming=streaming
                            on_stop=Callback::new(move |_| chat.stop(id)) on_retry=Callback::new(move |_| chat.retry(id))
                            on_confirm=Callback::new(move |(call, yes): (String, bool)| chat.confirm_call(id, call, yes)) /> }.into_any()
                    }
                }
            </For>
        </div>
    }
}

/// What an empty conversation shows: what to ask, and questions to start with.
#[component]
fn Suggestions(
    chat: Chat,
    suggestions: Resource<Result<Vec<String>, ApiError>>,
    hydrated: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="mx-auto max-w-xl py-8 text-center">
            <p class="text-sm text-zinc-500 dark:text-zinc-400">
                "Ask about your companies, pipeline, competitors and market. Answers cite the records they come from."
            </p>
            <div class="mt-4 flex flex-wrap justify-center gap-2">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        suggestions.await.unwrap_or_default().into_iter().map(|q| {
                            let ask = q.clone();
                            view! {
                                <button type="button" data-testid="suggestion" disabled=move || !hydrated.get()
                                    class="rounded-full border border-zinc-300 px-3 py-1 text-xs text-zinc-700 hover:bg-zinc-50 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800"
                                    on:click=move |_| chat.send(ask.clone())>{q}</button>
                            }
                        }).collect_view()
                    })}
                </Transition>
            </div>
        </div>
    }
}

/// A question, with "Edit" to change it and have it answered again.
#[component]
fn Question(chat: Chat, m: ChatMessage) -> impl IntoView {
    let Chat {
        streaming,
        editing,
        draft,
        ..
    } = chat;
    let id = m.id;
    let content = m.content.clone();
    view! {
        <div class="flex justify-end" data-testid="chat-message" data-role="user">
            <div class="max-w-[80%]">
                <div class="whitespace-pre-wrap rounded-2xl bg-brand-600 px-4 py-2 text-sm text-white">{m.content.clone()}</div>
                <div class="mt-1 text-right">
                    <button type="button" class="text-xs text-zinc-400 hover:text-zinc-700" data-testid="edit-message"
                        disabled=move || streaming.get().is_some()
                        on:click=move |_| { editing.set(Some(id)); draft.set(content.clone()); }>"Edit"</button>
                </div>
            </div>
        </div>
    }
}
