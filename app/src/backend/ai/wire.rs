//! Server-Sent Events from a provider turned into ProviderEvents. Each provider supplies a
//! `Decoder` for its own event grammar; this drives it and notices a connection that ends
//! before the provider said it was done.

use std::collections::VecDeque;

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::StreamExt;

use super::provider::{EventStream, ProviderError, ProviderEvent};

pub(crate) trait Decoder: Send + 'static {
    /// One SSE event (`name` is empty when the event had no `event:` line).
    fn event(&mut self, name: &str, data: &str) -> Result<Vec<ProviderEvent>, ProviderError>;
    /// The provider said the answer is over; stop reading.
    fn done(&self) -> bool;
    /// The connection closed: the last events, or `Interrupted` if the answer was cut off.
    fn end(&mut self) -> Result<Vec<ProviderEvent>, ProviderError>;
}

/// Longest the rest of a finished answer's body is read for (see `finish_reading`).
const DRAIN_FOR: std::time::Duration = std::time::Duration::from_secs(2);

type Events = std::pin::Pin<
    Box<
        dyn futures_util::Stream<
                Item = Result<eventsource_stream::Event, EventStreamError<reqwest::Error>>,
            > + Send,
    >,
>;

/// Reads what follows the provider's last event (the body's end, usually already on its
/// way) in the background, so the connection goes back to the client's pool: a body
/// dropped before its end closes the connection, and the next answer paid a new TCP (for a
/// remote provider, TLS) handshake before its first token. Returns an empty stream in its
/// place.
fn finish_reading(mut sse: Events) -> Events {
    tokio::spawn(async move {
        let _ =
            tokio::time::timeout(DRAIN_FOR, async { while sse.next().await.is_some() {} }).await;
    });
    Box::pin(futures_util::stream::empty())
}

pub(crate) fn decode(response: reqwest::Response, decoder: impl Decoder) -> EventStream {
    let sse: Events = Box::pin(response.bytes_stream().eventsource());
    let state = (sse, decoder, VecDeque::new(), false);
    futures_util::stream::unfold(
        state,
        |(mut sse, mut dec, mut queue, mut ended)| async move {
            loop {
                if let Some(ev) = queue.pop_front() {
                    return Some((Ok(ev), (sse, dec, queue, ended)));
                }
                if ended {
                    return None;
                }
                let step = match sse.next().await {
                    Some(Ok(ev)) => dec.event(&ev.event, &ev.data),
                    Some(Err(EventStreamError::Transport(e))) => Err(if e.is_timeout() {
                        ProviderError::Timeout(std::time::Duration::from_secs(0))
                    } else {
                        ProviderError::Interrupted
                    }),
                    Some(Err(e)) => Err(ProviderError::Malformed(e.to_string())),
                    None => {
                        ended = true;
                        dec.end()
                    }
                };
                match step {
                    Ok(events) => queue.extend(events),
                    Err(e) => return Some((Err(e), (sse, dec, queue, true))),
                }
                if dec.done() {
                    ended = true;
                    sse = finish_reading(sse);
                }
            }
        },
    )
    .boxed()
}
