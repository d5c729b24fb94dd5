//! Where a question is written: the error of the last attempt, the note while a question is
//! being edited, the text box (Enter sends, Shift+Enter adds a line), Send or Stop.

use leptos::prelude::*;
use leptos_router::components::A;

use super::state::Chat;
use crate::components::ui::button_class;

/// The bottom of the right pane.
#[component]
pub(super) fn Composer(chat: Chat, hydrated: Signal<bool>) -> impl IntoView {
    let Chat {
        slug,
        streaming,
        draft,
        editing,
        error,
        ..
    } = chat;
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            chat.send(draft.get_untracked());
        }
    };
    view! {
        <div class="border-t border-zinc-200 p-3 dark:border-zinc-800">
            {move || error.get().map(|e| view! { <p class="mb-2 text-sm text-rose-600" role="alert" data-testid="chat-error">{e}</p> })}
            <Show when=move || editing.get().is_some()>
                <p class="mb-1 text-xs text-zinc-500">"Editing a question: what followed it will be replaced. "
                    <button type="button" class="underline" on:click=move |_| { editing.set(None); draft.set(String::new()); }>"Cancel"</button>
                </p>
            </Show>
            <form class="flex items-end gap-2" on:submit=move |ev| { ev.prevent_default(); chat.send(draft.get_untracked()); }>
                <textarea rows="2" data-testid="chat-input" placeholder="Ask a question… (Enter sends, Shift+Enter for a new line)"
                    class="min-h-[2.5rem] flex-1 resize-y rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 focus:border-brand-500 focus:outline-none dark:border-zinc-700 dark:bg-zinc-950 dark:text-white"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=on_keydown></textarea>
                {move || match streaming.get() {
                    Some(id) => view! {
                        <button type="button" class=button_class(false) data-testid="chat-stop" on:click=move |_| chat.stop(id)>"Stop"</button>
                    }.into_any(),
                    None => view! {
                        <button type="submit" class=button_class(true) data-testid="chat-send" disabled=move || !hydrated.get()>"Send"</button>
                    }.into_any(),
                }}
            </form>
            <p class="mt-1 text-xs text-zinc-400">
                "The analyst reads your data only through typed, read-only tools. "
                <A href=move || format!("/w/{}/settings/ai", slug.get())>"AI settings"</A>
            </p>
        </div>
    }
}
