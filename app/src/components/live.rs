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

/// How a stream read by [`post_event_stream`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStreamEnd {
    /// The server sent `end`.
    Ended,
    /// The connection closed or broke before `end`.
    BrokeOff,
}

/// POSTs `body` (JSON) to `url` and calls `on_event(name, data)` for each Server-Sent Event
/// of the answer until `end` — for a request that both does something and streams its
/// outcome (asking the AI analyst), which `EventSource` (GET only) cannot make. A refusal
/// (any error status) is the server's JSON error. Browser only.
#[cfg(feature = "hydrate")]
pub async fn post_event_stream(
    url: &str,
    body: &str,
    mut on_event: impl FnMut(&str, &str),
) -> Result<PostStreamEnd, crate::types::ApiError> {
    use crate::types::{ApiError, ErrorCode};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let fail = |m: &str| ApiError::new(ErrorCode::Unavailable, m);
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let headers = web_sys::Headers::new().map_err(|_| fail("the browser refused the request"))?;
    let _ = headers.set("content-type", "application/json");
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| fail("the request did not reach the server; check your connection"))?
        .dyn_into()
        .map_err(|_| fail("unexpected answer"))?;
    if !response.ok() {
        let text = match response.text() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        }
        .unwrap_or_default();
        return Err(serde_json::from_str::<ApiError>(&text)
            .unwrap_or_else(|_| fail(&format!("the server answered {}", response.status()))));
    }
    let reader: web_sys::ReadableStreamDefaultReader = response
        .body()
        .ok_or_else(|| fail("the answer has no body"))?
        .get_reader()
        .dyn_into()
        .map_err(|_| fail("the browser cannot read the answer as it comes"))?;
    // Bytes, not text: a chunk may end inside a character, never inside the ASCII "\n\n"
    // that ends a frame, so frames are cut from bytes and decoded whole.
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            return Ok(PostStreamEnd::BrokeOff);
        };
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(PostStreamEnd::BrokeOff);
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) {
            buf.extend(js_sys::Uint8Array::new(&value).to_vec());
        }
        while let Some(at) = buf.windows(2).position(|w| w == b"\n\n") {
            let frame: Vec<u8> = buf.drain(..at + 2).collect();
            let frame = String::from_utf8_lossy(&frame);
            let (mut event, mut data) = ("message", String::new());
            for line in frame.lines() {
                if let Some(e) = line.strip_prefix("event:") {
                    event = e.trim();
                } else if let Some(d) = line.strip_prefix("data:") {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(d.strip_prefix(' ').unwrap_or(d));
                }
            }
            if event == "end" {
                let _ = reader.cancel();
                return Ok(PostStreamEnd::Ended);
            }
            // Comments (the heartbeat) carry no data.
            if !data.is_empty() {
                on_event(event, &data);
            }
        }
    }
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
pub fn LiveBadge(#[prop(into)] state: Signal<LiveState>) -> impl IntoView {
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
