//! `/w/{slug}/chat`: the AI analyst. Conversations on the left (new, rename, delete); the
//! answer streams token by token over SSE with its tool activity inline (expandable to the
//! raw result); stop, retry, edit-and-resend, copy; Enter sends, Shift+Enter adds a line.
//! Answers are Markdown rendered without any HTML of the model's (see components::markdown).
//!
//! A new question is asked with `POST /api/chat/ask`, whose answer is the answer's stream
//! from its first token; the question and answer show with temporary ids until its `sent`
//! event brings the stored ones. Retries, edits, an answer still being written when the page
//! opens, and a POST stream that broke off are followed on the answer's own stream (GET).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;

use super::workspace::use_slug;
use crate::api::chat::{
    confirm_tool_call, delete_conversation, edit_message, get_message, get_messages,
    list_conversations, rename_conversation, retry_message, stop_message, suggested_questions,
};
use crate::components::form::copy_to_clipboard;
use crate::components::live::{use_event_stream, LiveBadge, LiveState};
use crate::components::markdown::to_safe_html;
use crate::components::ui::{button_class, use_hydrated, Card};
use crate::types::{ChatEvent, ChatMessage, SentMessage, ToolCall};

/// The ids a question and its answer show with until `POST /api/chat/ask` says the stored ones.
const PENDING_QUESTION: i64 = -1;
const PENDING_ANSWER: i64 = -2;

fn apply(m: &mut ChatMessage, ev: ChatEvent) {
    match ev {
        // A snapshot on `POST /api/chat/ask`'s stream before `sent` (the reader fell behind
        // and started over) has no ids yet: the placeholder keeps its own until `sent`.
        ChatEvent::Snapshot { message } => {
            let (id, conversation_id) = (m.id, m.conversation_id);
            *m = *message;
            if m.id == 0 {
                (m.id, m.conversation_id) = (id, conversation_id);
            }
        }
        ChatEvent::Sent { sent } => {
            m.id = sent.assistant_message_id;
            m.conversation_id = sent.conversation_id;
        }
        ChatEvent::Delta { text } => m.content.push_str(&text),
        ChatEvent::Tool { call } => match m.tool_calls.iter_mut().find(|c| c.id == call.id) {
            Some(c) => *c = *call,
            None => m.tool_calls.push(*call),
        },
        ChatEvent::Usage {
            prompt_tokens,
            completion_tokens,
        } => {
            m.prompt_tokens = prompt_tokens;
            m.completion_tokens = completion_tokens;
        }
        ChatEvent::Done { status, error } => {
            m.status = status;
            m.error = error;
        }
    }
}

fn placeholder(id: i64, conversation_id: i64, role: &str, content: String) -> ChatMessage {
    ChatMessage {
        id,
        conversation_id,
        role: role.into(),
        content,
        status: if role == "assistant" {
            "streaming".into()
        } else {
            "complete".into()
        },
        error: None,
        tool_calls: vec![],
        prompt_tokens: 0,
        completion_tokens: 0,
        model: None,
        created_at: chrono::Utc::now(),
    }
}

#[component]
pub fn ChatPage() -> impl IntoView {
    let slug = use_slug();
    let hydrated = use_hydrated();
    let list_version = RwSignal::new(0u32);
    let conversations = Resource::new(
        move || (slug.get(), list_version.get()),
        |(s, _)| list_conversations(s),
    );
    let suggestions = Resource::new(move || slug.get(), suggested_questions);
    let current = RwSignal::new(None::<i64>);
    let messages = RwSignal::new(Vec::<ChatMessage>::new());
    let streaming = RwSignal::new(None::<i64>);
    // The answer comes on the question's own request (`POST /api/chat/ask`), not on its GET
    // stream; and whether Stop was pressed before the answer had its stored id.
    let posting = RwSignal::new(false);
    let stop_wanted = RwSignal::new(false);
    // Bumped whenever another conversation is opened: a question's request still streaming
    // for the one left behind must no longer touch what is shown.
    let shown = RwSignal::new(0u64);
    let draft = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let refresh_list = move || list_version.update(|v| *v += 1);
    // The conversation being renamed or asked about deleting, in place in the list (not the
    // browser's blocking prompt()/confirm() dialogs, which cannot be styled or tested).
    let renaming = RwSignal::new(None::<i64>);
    let deleting = RwSignal::new(None::<i64>);
    let rename = move |id: i64, title: String| {
        renaming.set(None);
        let title = title.trim().to_owned();
        if title.is_empty() {
            return;
        }
        spawn_local(async move {
            match rename_conversation(slug.get_untracked(), id, title).await {
                Ok(_) => refresh_list(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let open = move |id: Option<i64>| {
        shown.update(|v| *v += 1);
        posting.set(false);
        current.set(id);
        editing.set(None);
        error.set(None);
        streaming.set(None);
        messages.set(vec![]);
        if let Some(id) = id {
            spawn_local(async move {
                match get_messages(slug.get_untracked(), id).await {
                    Ok(list) => {
                        let live = list.iter().find(|m| m.is_streaming()).map(|m| m.id);
                        messages.set(list);
                        streaming.set(live);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        }
    };

    let delete = move |id: i64| {
        deleting.set(None);
        spawn_local(async move {
            match delete_conversation(slug.get_untracked(), id).await {
                Ok(_) => {
                    if current.get_untracked() == Some(id) {
                        open(None);
                    }
                    refresh_list();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    let stream_url = Signal::derive(move || {
        if posting.get() {
            return None;
        }
        streaming
            .get()
            .map(|id| format!("/api/chat/messages/{id}/stream?workspace={}", slug.get()))
    });
    let stop = move |id: i64| {
        if id < 0 {
            stop_wanted.set(true);
            return;
        }
        spawn_local(async move {
            if let Ok(m) = stop_message(slug.get_untracked(), id).await {
                messages.update(|list| {
                    if let Some(x) = list.iter_mut().find(|x| x.id == m.id) {
                        *x = m;
                    }
                });
                streaming.set(None);
            }
        });
    };
    let on_event = Callback::new(move |(_name, data): (String, String)| {
        let Ok(ev) = serde_json::from_str::<ChatEvent>(&data) else {
            return;
        };
        if let ChatEvent::Sent { sent } = &ev {
            messages.update(|list| {
                for m in list.iter_mut() {
                    match m.id {
                        PENDING_QUESTION => m.id = sent.user_message_id,
                        PENDING_ANSWER => m.id = sent.assistant_message_id,
                        _ => continue,
                    }
                    m.conversation_id = sent.conversation_id;
                }
            });
            current.set(Some(sent.conversation_id));
            streaming.set(Some(sent.assistant_message_id));
            refresh_list();
            if stop_wanted.get_untracked() {
                stop(sent.assistant_message_id);
            }
            return;
        }
        let Some(id) = streaming.get_untracked() else {
            return;
        };
        let done = matches!(ev, ChatEvent::Done { .. });
        messages.update(|list| {
            if let Some(m) = list.iter_mut().find(|m| m.id == id) {
                apply(m, ev);
            }
        });
        if done {
            streaming.set(None);
            refresh_list();
        }
    });
    let on_poll = Callback::new(move |_| {
        let Some(id) = streaming.get_untracked() else {
            return;
        };
        spawn_local(async move {
            if let Ok(m) = get_message(slug.get_untracked(), id).await {
                let done = !m.is_streaming();
                messages.update(|list| {
                    if let Some(x) = list.iter_mut().find(|x| x.id == m.id) {
                        *x = m;
                    }
                });
                if done {
                    streaming.set(None);
                }
            }
        });
    });
    let live = use_event_stream(
        stream_url,
        &["snapshot", "delta", "tool", "usage", "done"],
        on_event,
        on_poll,
        1000,
    );

    // An answer has started: the question (new or edited) and an empty answer to fill.
    let started = move |sent: SentMessage, question: String| {
        current.set(Some(sent.conversation_id));
        messages.update(|list| {
            list.retain(|m| m.id <= sent.user_message_id);
            match list.iter_mut().find(|m| m.id == sent.user_message_id) {
                Some(q) => q.content = question,
                None => list.push(placeholder(
                    sent.user_message_id,
                    sent.conversation_id,
                    "user",
                    question,
                )),
            }
            list.push(placeholder(
                sent.assistant_message_id,
                sent.conversation_id,
                "assistant",
                String::new(),
            ));
        });
        streaming.set(Some(sent.assistant_message_id));
        refresh_list();
    };

    // A new question: shown at once, its answer read from the question's own request.
    let ask = move |ws: String, text: String| {
        let conversation = current.get_untracked();
        let asked_in = shown.get_untracked();
        messages.update(|list| {
            let c = conversation.unwrap_or(0);
            list.push(placeholder(PENDING_QUESTION, c, "user", text.clone()));
            list.push(placeholder(PENDING_ANSWER, c, "assistant", String::new()));
        });
        stop_wanted.set(false);
        posting.set(true);
        streaming.set(Some(PENDING_ANSWER));
        let forget_pending = move || {
            messages.update(|list| list.retain(|m| m.id >= 0));
            streaming.set(None);
        };
        #[cfg(feature = "hydrate")]
        spawn_local(async move {
            use crate::components::live::{post_event_stream, PostStreamEnd};
            let body = serde_json::to_string(&crate::types::AskQuestion {
                workspace: ws,
                conversation_id: conversation,
                content: text.clone(),
            })
            .unwrap_or_default();
            let ended = post_event_stream("/api/chat/ask", &body, |name, data| {
                if shown.get_untracked() == asked_in {
                    on_event.run((name.to_owned(), data.to_owned()))
                }
            })
            .await;
            if shown.get_untracked() != asked_in {
                return;
            }
            posting.set(false);
            match ended {
                Ok(PostStreamEnd::Ended) => {}
                // After `sent` the answer's own stream takes over (it is known by id now).
                Ok(PostStreamEnd::BrokeOff) => {
                    if streaming.get_untracked().is_some_and(|id| id < 0) {
                        forget_pending();
                        error.set(Some(
                            "the connection broke before the question was stored; ask again".into(),
                        ));
                        draft.set(text);
                    }
                }
                Err(e) => {
                    forget_pending();
                    error.set(Some(e.message));
                    draft.set(text);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (ws, forget_pending, asked_in);
    };

    let send = move |text: String| {
        let text = text.trim().to_owned();
        if text.is_empty() || streaming.get_untracked().is_some() {
            return;
        }
        draft.set(String::new());
        error.set(None);
        let ws = slug.get_untracked();
        let edit = editing.get_untracked();
        editing.set(None);
        let Some(edit) = edit else {
            ask(ws, text);
            return;
        };
        spawn_local(async move {
            match edit_message(ws, edit, text.clone()).await {
                Ok(sent) => started(sent, text),
                Err(e) => {
                    error.set(Some(e.message));
                    draft.set(text);
                }
            }
        });
    };

    let retry = move |id: i64| {
        let question = messages
            .get_untracked()
            .iter()
            .rfind(|m| m.role == "user" && m.id < id)
            .map(|m| m.content.clone())
            .unwrap_or_default();
        spawn_local(async move {
            match retry_message(slug.get_untracked(), id).await {
                Ok(sent) => started(sent, question),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    let confirm_call = move |(message_id, call_id, yes): (i64, String, bool)| {
        spawn_local(async move {
            match confirm_tool_call(slug.get_untracked(), message_id, call_id, yes).await {
                Ok(m) => messages.update(|list| {
                    if let Some(x) = list.iter_mut().find(|x| x.id == m.id) {
                        if !x.is_streaming() {
                            *x = m;
                        }
                    }
                }),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send(draft.get_untracked());
        }
    };

    view! {
        <Title text="Chat" />
        // The page's name for screen readers and outlines; the layout shows the two panes.
        <h1 class="sr-only">"Chat"</h1>
        <div class="grid h-[calc(100vh-8rem)] min-h-[28rem] gap-4 lg:grid-cols-[16rem_1fr]">
            <Card class="flex min-h-0 flex-col overflow-hidden">
                <div class="flex items-center justify-between border-b border-zinc-200 p-3 dark:border-zinc-800">
                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Conversations"</h2>
                    <button type="button" class=button_class(false) data-testid="new-conversation"
                        on:click=move |_| open(None)>"New"</button>
                </div>
                <ul class="min-h-0 flex-1 overflow-y-auto p-2 text-sm" data-testid="conversation-list">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            conversations.await.unwrap_or_default().into_iter().map(|c| {
                                let id = c.id;
                                let title = c.title.clone();
                                let active = move || current.get() == Some(id);
                                let on_rename_key = move |ev: leptos::ev::KeyboardEvent| {
                                    if ev.key() == "Enter" {
                                        ev.prevent_default();
                                        rename(id, event_target_value(&ev));
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
                                                            rename(id, event_target_value(&ev));
                                                        }
                                                    } />
                                            }.into_any()
                                        } else if deleting.get() == Some(id) {
                                            view! {
                                                <span class="min-w-0 flex-1 truncate px-2 py-1.5 text-rose-700 dark:text-rose-300" title=title.clone()>"Delete?"</span>
                                                <button type="button" data-testid="confirm-delete-conversation"
                                                    class="rounded px-1.5 py-0.5 text-xs font-medium text-white bg-rose-600 hover:bg-rose-700"
                                                    on:click=move |_| delete(id)>"Delete"</button>
                                                <button type="button" class="rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                                                    on:click=move |_| deleting.set(None)>"Keep"</button>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="min-w-0 flex-1 truncate px-2 py-1.5 text-left text-zinc-700 dark:text-zinc-200"
                                                    title=title.clone() on:click=move |_| open(Some(id))>{title.clone()}</button>
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
                            }).collect_view()
                        })}
                    </Transition>
                </ul>
            </Card>
            <Card class="flex min-h-0 flex-col overflow-hidden">
                <div class="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
                    <span class="text-sm font-medium text-zinc-700 dark:text-zinc-200">"AI analyst"</span>
                    <Show when=move || streaming.get().is_some()>
                        <LiveBadge state=Signal::derive(move || if posting.get() { LiveState::Live } else { live.get() }) />
                    </Show>
                </div>
                <div class="min-h-0 flex-1 space-y-4 overflow-y-auto p-4" data-testid="chat-messages">
                    <Show when=move || messages.with(|m| m.is_empty())>
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
                                                    on:click=move |_| send(ask.clone())>{q}</button>
                                            }
                                        }).collect_view()
                                    })}
                                </Transition>
                            </div>
                        </div>
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
                                }.into_any()
                            } else {
                                view! { <Answer m=m.clone() last=Signal::derive(last_answer) streaming=streaming
                                    on_stop=Callback::new(move |_| stop(id)) on_retry=Callback::new(move |_| retry(id))
                                    on_confirm=Callback::new(move |(call, yes): (String, bool)| confirm_call((id, call, yes))) /> }.into_any()
                            }
                        }
                    </For>
                </div>
                <div class="border-t border-zinc-200 p-3 dark:border-zinc-800">
                    {move || error.get().map(|e| view! { <p class="mb-2 text-sm text-rose-600" role="alert" data-testid="chat-error">{e}</p> })}
                    <Show when=move || editing.get().is_some()>
                        <p class="mb-1 text-xs text-zinc-500">"Editing a question: what followed it will be replaced. "
                            <button type="button" class="underline" on:click=move |_| { editing.set(None); draft.set(String::new()); }>"Cancel"</button>
                        </p>
                    </Show>
                    <form class="flex items-end gap-2" on:submit=move |ev| { ev.prevent_default(); send(draft.get_untracked()); }>
                        <textarea rows="2" data-testid="chat-input" placeholder="Ask a question… (Enter sends, Shift+Enter for a new line)"
                            class="min-h-[2.5rem] flex-1 resize-y rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 focus:border-brand-500 focus:outline-none dark:border-zinc-700 dark:bg-zinc-950 dark:text-white"
                            prop:value=move || draft.get()
                            on:input=move |ev| draft.set(event_target_value(&ev))
                            on:keydown=on_keydown></textarea>
                        {move || match streaming.get() {
                            Some(id) => view! {
                                <button type="button" class=button_class(false) data-testid="chat-stop" on:click=move |_| stop(id)>"Stop"</button>
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
            </Card>
        </div>
    }
}

#[component]
fn Answer(
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
