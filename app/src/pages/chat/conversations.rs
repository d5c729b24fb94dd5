//! The conversation list: new, open, rename in place, and delete after asking.

use leptos::prelude::*;

use super::state::Chat;
use crate::components::ui::{button_class, Card};
use crate::types::{ApiError, Conversation};

/// The left pane: the person's conversations and "New".
#[component]
pub(super) fn ConversationList(
    chat: Chat,
    conversations: Resource<Result<Vec<Conversation>, ApiError>>,
) -> impl IntoView {
    view! {
        <Card class="flex min-h-0 flex-col overflow-hidden">
            <div class="flex items-center justify-between border-b border-zinc-200 p-3 dark:border-zinc-800">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Conversations"</h2>
                <button type="button" class=button_class(false) data-testid="new-conversation"
                    on:click=move |_| chat.open(None)>"New"</button>
            </div>
            <ul class="min-h-0 flex-1 overflow-y-auto p-2 text-sm" data-testid="conversation-list">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        conversations.await.unwrap_or_default().into_iter().map(|c| {
                            view! { <ConversationItem chat id=c.id title=c.title.clone() /> }
                        }).collect_view()
                    })}
                </Transition>
            </ul>
        </Card>
    }
}

/// One conversation: its title (opens it), or the rename field, or the delete question.
#[component]
fn ConversationItem(chat: Chat, id: i64, title: String) -> impl IntoView {
    let Chat {
        current,
        renaming,
        deleting,
        ..
    } = chat;
    let active = move || current.get() == Some(id);
    let on_rename_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            chat.rename(id, event_target_value(&ev));
        } else if ev.key() == "Escape" {
            renaming.set(None);
        }
    };
    view! {
        <li class="group flex items-center gap-1 rounded-lg" data-testid="conversation-item"
            class:bg-brand-50=active class:dark:bg-brand-900=active>
            {move || if renaming.get() == Some(id) {
                // Focused as it appears (autofocus only applies on page load).
                let input: NodeRef<leptos::html::Input> = NodeRef::new();
                Effect::new(move |_| {
                    if let Some(el) = input.get() {
                        let _ = el.focus();
                        el.select();
                    }
                });
                view! {
                    <input type="text" aria-label="Conversation title" data-testid="rename-input"
                        class="min-w-0 flex-1 rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
                        node_ref=input prop:value=title.clone() maxlength="200"
                        on:keydown=on_rename_key
                        on:blur=move |ev| {
                            if renaming.get_untracked() == Some(id) {
                                chat.rename(id, event_target_value(&ev));
                            }
                        } />
                }.into_any()
            } else if deleting.get() == Some(id) {
                view! {
                    <span class="min-w-0 flex-1 truncate px-2 py-1.5 text-rose-700 dark:text-rose-300" title=title.clone()>"Delete?"</span>
                    <button type="button" data-testid="confirm-delete-conversation"
                        class="rounded px-1.5 py-0.5 text-xs font-medium text-white bg-rose-600 hover:bg-rose-700"
                        on:click=move |_| chat.delete(id)>"Delete"</button>
                    <button type="button" class="rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                        on:click=move |_| deleting.set(None)>"Keep"</button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="min-w-0 flex-1 truncate px-2 py-1.5 text-left text-zinc-700 dark:text-zinc-200"
                        title=title.clone() on:click=move |_| chat.open(Some(id))>{title.clone()}</button>
                    <button type="button" class="hidden px-1 text-xs text-zinc-400 hover:text-zinc-700 group-hover:block group-focus-within:block"
                        title="Rename" aria-label="Rename" data-testid="rename-conversation"
                        on:click=move |_| { deleting.set(None); renaming.set(Some(id)); }>"✎"</button>
                    <button type="button" class="hidden px-1 text-xs text-zinc-400 hover:text-rose-600 group-hover:block group-focus-within:block"
                        title="Delete" aria-label="Delete" data-testid="delete-conversation"
                        on:click=move |_| { renaming.set(None); deleting.set(Some(id)); }>"✕"</button>
                }.into_any()
            }}
        </li>
    }
}
