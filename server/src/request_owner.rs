//! Keeps each request's Leptos reactive owner to that request.
//!
//! Leptos keeps "the current owner" in a thread-local. Rendering a page creates the
//! request's root owner with `Owner::new_root`, which *sets* that thread-local and leaves it
//! set; the rest of the render (everything after the first `.await`, such as the page built
//! once the session has loaded) then reads whatever owner the thread-local holds when the
//! future is polled again. On a multi-threaded runtime another request may have run on that
//! thread in between and left *its* root there: the page then takes hydration ids from, and
//! writes its serialized resources into, the other request's shared context, and finds the
//! other request's nonce (pages whose CSP named another response's nonce were seen in the
//! browser tests, together with intermittent hydration panics). Server functions are hit
//! the same way: `Owner::new()` adopts the stale owner as parent and inherits its contexts.
//! The reproducible panics had a second cause (see `PageSession`); this layer closes the
//! thread-local path for good, and its tests fail without it.
//!
//! This layer makes every poll of a request — the handler future and the response body —
//! run with that request's own owner (or none), and leaves no owner behind on the thread.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use bytes::Bytes;
use futures_util::Stream;
use leptos::prelude::Owner;

/// Axum middleware: see the module documentation.
pub async fn scope(req: Request, next: Next) -> Response {
    let mut handler = Scoped {
        inner: Box::pin(next.run(req)),
        owner: None,
    };
    let res = std::future::poll_fn(|cx| handler.poll_scoped(cx)).await;
    // Only a page render makes a root owner; other responses are finished buffers.
    let Some(owner) = handler.owner else {
        return res;
    };
    let (parts, body) = res.into_parts();
    let body = ScopedBody {
        inner: body.into_data_stream(),
        owner: Some(owner),
    };
    Response::from_parts(parts, Body::from_stream(body))
}

fn clear_thread_owner() {
    if let Some(stale) = Owner::current() {
        stale.unset();
    }
}

/// Runs `f` with `owner` as the thread's current owner (none if `None`), learning the owner
/// the first time the request creates one, and clears the thread-local afterwards.
fn with_owner<T>(owner: &mut Option<Owner>, f: impl FnOnce() -> T) -> T {
    match owner {
        Some(o) => o.set(),
        None => clear_thread_owner(),
    }
    let out = f();
    if owner.is_none() {
        // A page render has just made its root with `Owner::new_root`, which set it here.
        *owner = Owner::current();
    }
    clear_thread_owner();
    out
}

struct Scoped<F> {
    inner: Pin<Box<F>>,
    owner: Option<Owner>,
}

impl<F: Future> Scoped<F> {
    fn poll_scoped(&mut self, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = &mut self.inner;
        with_owner(&mut self.owner, || inner.as_mut().poll(cx))
    }
}

struct ScopedBody<S> {
    inner: S,
    owner: Option<Owner>,
}

impl<S, E> Stream for ScopedBody<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        let item = with_owner(&mut this.owner, || Pin::new(inner).poll_next(cx));
        if matches!(item, Poll::Ready(None)) {
            // The page's stream has cleaned its owner up; let it go.
            this.owner = None;
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{middleware::from_fn, routing::get, Router};
    use tower::ServiceExt;

    /// What a page render does: make a root owner and leave it on the thread, then await.
    async fn render_like_leptos() -> String {
        let mine = Owner::new();
        mine.set();
        tokio::task::yield_now().await;
        (Owner::current() == Some(mine)).to_string()
    }

    async fn body_text(res: Response) -> String {
        let bytes = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_request_never_sees_an_owner_left_by_another() {
        let stale = Owner::new();
        stale.set();
        let app = Router::new()
            .route(
                "/",
                get(|| async { Owner::current().is_some().to_string() }),
            )
            .layer(from_fn(scope));
        let res = app.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(body_text(res).await, "false");
        assert!(Owner::current().is_none(), "nothing is left on the thread");
    }

    #[tokio::test]
    async fn interleaved_requests_each_keep_their_own_owner() {
        // One thread, two renders taking turns: each must find its own owner after awaiting.
        let app = Router::new()
            .route("/", get(render_like_leptos))
            .layer(from_fn(scope));
        let (a, b) = tokio::join!(
            app.clone().oneshot(Request::new(Body::empty())),
            app.oneshot(Request::new(Body::empty()))
        );
        assert_eq!(body_text(a.unwrap()).await, "true");
        assert_eq!(body_text(b.unwrap()).await, "true");
    }
}
