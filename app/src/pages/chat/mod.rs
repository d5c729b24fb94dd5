//! `/w/{slug}/chat`: the AI analyst. Conversations on the left (new, rename, delete); the
//! answer streams token by token over SSE with its tool activity inline (expandable to the
//! raw result); stop, retry, edit-and-resend, copy; Enter sends, Shift+Enter adds a line.
//! Answers are Markdown rendered without any HTML of the model's (see components::markdown).
//!
//! A new question is asked with `POST /api/chat/ask`, whose answer is the answer's stream
//! from its first token; the question and answer show with temporary ids until its `sent`
//! event brings the stored ones. Retries, edits, an answer still being written when the page
//! opens, and a POST stream that broke off are followed on the answer's own stream (GET).
//!
//! Here: the page itself; `state` holds what it shows and does, `conversations` the list,
//! `messages` and `answer` the conversation, `composer` the question box.

mod answer;
mod composer;
mod conversations;
mod messages;
mod state;

use leptos::prelude::*;
use leptos_meta::Title;

use super::workspace::use_slug;
use crate::api::chat::{list_conversations, suggested_questions};
use crate::components::live::{use_event_stream, LiveBadge, LiveState};
use crate::components::ui::{use_hydrated, Card};
use composer::Composer;
use conversations::ConversationList;
use messages::Messages;
use state::Chat;

#[component]
pub fn ChatPage() -> impl IntoView {
    let slug = use_slug();
    let hydrated = use_hydrated();
    let chat = Chat::new(slug);
    let list_version = chat.list_version;
    let conversations = Resource::new(
        move || (slug.get(), list_version.get()),
        |(s, _)| list_conversations(s),
    );
    let suggestions = Resource::new(move || slug.get(), suggested_questions);
    let Chat {
        streaming, posting, ..
    } = chat;

    let stream_url = Signal::derive(move || {
        if posting.get() {
            return None;
        }
        streaming
            .get()
            .map(|id| format!("/api/chat/messages/{id}/stream?workspace={}", slug.get()))
    });
    let on_event = Callback::new(move |(_name, data): (String, String)| chat.on_event(data));
    let on_poll = Callback::new(move |_| chat.poll());
    let live = use_event_stream(
        stream_url,
        &["snapshot", "delta", "tool", "usage", "done"],
        on_event,
        on_poll,
        1000,
    );

    view! {
        <Title text="Chat" />
        // The page's name for screen readers and outlines; the layout shows the two panes.
        <h1 class="sr-only">"Chat"</h1>
        <div class="grid h-[calc(100vh-8rem)] min-h-[28rem] gap-4 lg:grid-cols-[16rem_1fr]">
            <ConversationList chat conversations />
            <Card class="flex min-h-0 flex-col overflow-hidden">
                <div class="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
                    <span class="text-sm font-medium text-zinc-700 dark:text-zinc-200">"AI analyst"</span>
                    <Show when=move || streaming.get().is_some()>
                        <LiveBadge state=Signal::derive(move || if posting.get() { LiveState::Live } else { live.get() }) />
                    </Show>
                </div>
                <Messages chat suggestions hydrated />
                <Composer chat hydrated />
            </Card>
        </div>
    }
}
