//! Live updates in the browser: a Server-Sent Events subscription that falls back to
//! polling. `EventSource` reconnects by itself after a dropped connection (sending
//! `Last-Event-ID`, so a job's log resumes without gaps or repeats); when the browser gives
//! up on the stream (`readyState` CLOSED: a proxy that refuses streaming, an error status),
//! the page polls instead. On the server this does nothing: pages render their data first.

use leptos::prelude::*;

/// How the live stream is doing, for a small indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    Connecting,
    Live,
    /// The stream failed; the page polls.
    Polling,
    /// The stream ended (the job finished).
    Ended,
}

/// Subscribes to `url` (None: not now) and calls `on_event(name, data)` for each event named
/// in `names`. An event named `end` closes the stream. When the stream fails for good,
/// `on_poll` is called every `poll_ms` until the component goes away.
pub fn use_event_stream(
    url: Signal<Option<String>>,
    names: &'static [&'static str],
    on_event: Callback<(String, String)>,
    on_poll: Callback<()>,
    poll_ms: u32,
) -> ReadSignal<LiveState> {
    let (state, set_state) = signal(LiveState::Connecting);
    #[cfg(feature = "hydrate")]
    {
        browser::subscribe(url, names, on_event, on_poll, poll_ms, set_state);
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, names, on_event, on_poll, poll_ms, set_state);
    }
    state
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::LiveState;
    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};

    struct Subscription {
        source: Option<web_sys::EventSource>,
        poll: Option<i32>,
        _closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    }

    impl Subscription {
        fn close(&mut self) {
            if let Some(s) = self.source.take() {
                s.close();
            }
            if let Some(id) = self.poll.take() {
                if let Some(w) = web_sys::window() {
                    w.clear_interval_with_handle(id);
                }
            }
        }
    }

    pub(super) fn subscribe(
        url: Signal<Option<String>>,
        names: &'static [&'static str],
        on_event: Callback<(String, String)>,
        on_poll: Callback<()>,
        poll_ms: u32,
        set_state: WriteSignal<LiveState>,
    ) {
        let current: StoredValue<Option<Subscription>, LocalStorage> = StoredValue::new_local(None);
        let stop = move || {
            current.update_value(|c| {
                if let Some(mut s) = c.take() {
                    s.close();
                }
            })
        };
        Effect::new(move |_| {
            stop();
            let Some(url) = url.get() else {
                return;
            };
            set_state.set(LiveState::Connecting);
            let Ok(source) = web_sys::EventSource::new(&url) else {
                start_polling(current, on_poll, poll_ms, set_state);
                return;
            };
            let mut closures: Vec<Closure<dyn FnMut(web_sys::Event)>> = Vec::new();
            let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                set_state.set(LiveState::Live);
            });
            source.set_onopen(Some(open.as_ref().unchecked_ref()));
            closures.push(open);
            for name in names.iter().copied().chain(["end"]) {
                let handler =
                    Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                        let data = ev
                            .dyn_ref::<web_sys::MessageEvent>()
                            .and_then(|m| m.data().as_string())
                            .unwrap_or_default();
                        if name == "end" {
                            current.update_value(|c| {
                                if let Some(s) = c.as_mut() {
                                    if let Some(src) = s.source.take() {
                                        src.close();
                                    }
                                }
                            });
                            set_state.set(LiveState::Ended);
                        }
                        on_event.run((name.to_owned(), data));
                    });
                let _ =
                    source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
                closures.push(handler);
            }
            let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                let closed = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::EventSource>().ok())
                    .is_some_and(|s| s.ready_state() == web_sys::EventSource::CLOSED);
                if closed {
                    current.update_value(|c| {
                        if let Some(s) = c.as_mut() {
                            s.source.take();
                        }
                    });
                    start_polling(current, on_poll, poll_ms, set_state);
                } else {
                    set_state.set(LiveState::Connecting);
                }
            });
            source.set_onerror(Some(error.as_ref().unchecked_ref()));
            closures.push(error);
            current.set_value(Some(Subscription {
                source: Some(source),
                poll: None,
                _closures: closures,
            }));
        });
        on_cleanup(stop);
    }

    fn start_polling(
        current: StoredValue<Option<Subscription>, LocalStorage>,
        on_poll: Callback<()>,
        poll_ms: u32,
        set_state: WriteSignal<LiveState>,
    ) {
        set_state.set(LiveState::Polling);
        let Some(window) = web_sys::window() else {
            return;
        };
        let tick = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_poll.run(()));
        let id = window
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                poll_ms.max(500) as i32,
            )
            .ok();
        current.update_value(|c| match c {
            Some(s) => {
                s.poll = id;
                s._closures.push(tick);
            }
            None => {
                *c = Some(Subscription {
                    source: None,
                    poll: id,
                    _closures: vec![tick],
                })
            }
        });
    }
}

/// A small dot and word saying whether the view is live.
#[component]
pub fn LiveBadge(state: ReadSignal<LiveState>) -> impl IntoView {
    let label = move || match state.get() {
        LiveState::Connecting => "Connecting…",
        LiveState::Live => "Live",
        LiveState::Polling => "Refreshing every few seconds",
        LiveState::Ended => "Finished",
    };
    let dot = move || match state.get() {
        LiveState::Live => "bg-emerald-500 animate-pulse",
        LiveState::Polling => "bg-amber-500",
        LiveState::Connecting => "bg-zinc-400",
        LiveState::Ended => "bg-zinc-400",
    };
    view! {
        <span class="inline-flex items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400" data-testid="live-state">
            <span class=move || format!("size-2 rounded-full {}", dot())></span>
            {label}
        </span>
    }
}
