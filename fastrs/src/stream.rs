//! Streaming routes: WebSockets ([`ws`]) and server-sent events ([`sse`]), axum's own types,
//! with fastrs's auth and documentation.
//!
//! A handler takes [`CurrentUser`](crate::auth::CurrentUser) as on any route. Browsers cannot
//! set `Authorization` on a WebSocket or an `EventSource`, so on these requests only (a
//! WebSocket upgrade, or a request accepting `text/event-stream`) the token may also come as
//! the `access_token` query parameter (RFC 6750) or, for a WebSocket, as a subprotocol
//! `bearer.<token>`. A browser offering subprotocols fails the handshake unless the server
//! picks one: offer your real subprotocol beside the token (`["chat", "bearer.<token>"]`) and
//! have the handler pick it (`upgrade.protocols(["chat"])`), never the `bearer.` one. Only a
//! `GET` asking for a stream may carry a token in its URL; ordinary routes never read one
//! there (URLs end up in access logs).
//!
//! In the OpenAPI document, a WebSocket route is its `GET` operation with a `101` response and
//! the extension `x-websocket: true`; an event stream answers `200` with `text/event-stream`.
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use fastrs::prelude::*;
//! use fastrs::stream::sse::{Event, KeepAlive, Sse};
//! use fastrs::stream::ws::{Message, WebSocket, WebSocketUpgrade};
//!
//! /// Echoes every text message back.
//! async fn echo(upgrade: WebSocketUpgrade) -> fastrs::axum::response::Response {
//!     upgrade.on_upgrade(|mut socket: WebSocket| async move {
//!         while let Some(Ok(Message::Text(text))) = socket.recv().await {
//!             if socket.send(Message::Text(text)).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! /// Three ticks.
//! async fn ticks() -> Sse<impl fastrs::stream::Stream<Item = Result<Event, Infallible>>> {
//!     let events = (1..=3).map(|n| Ok(Event::default().data(n.to_string())));
//!     Sse::new(fastrs::stream::iter(events)).keep_alive(KeepAlive::default())
//! }
//!
//! let app = App::new(Settings::default())
//!     .route("/echo", get(echo))
//!     .route("/ticks", get(ticks));
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

#[cfg(feature = "websocket")]
pub use axum::extract::ws;
pub use axum::response::sse;
pub use futures_core::Stream;

/// The messages sent into a channel, as a stream (for events produced elsewhere: a background
/// task, a broadcast).
pub fn receiver<T>(receiver: tokio::sync::mpsc::Receiver<T>) -> Receiver<T> {
    Receiver(receiver)
}

/// The stream of [`receiver`]: it ends when every sender is dropped.
#[derive(Debug)]
pub struct Receiver<T>(tokio::sync::mpsc::Receiver<T>);

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().0.poll_recv(cx)
    }
}

/// Every message of a broadcast from now on, each through `map`, as a stream: one subscriber's
/// events (a live feed). A subscriber too slow to keep up skips the messages it missed rather
/// than ending; the stream ends when the broadcast's senders are gone, and its task as soon as
/// the client leaves.
pub fn broadcast<T, U>(
    mut messages: tokio::sync::broadcast::Receiver<T>,
    map: impl Fn(T) -> U + Send + 'static,
) -> Receiver<U>
where
    T: Clone + Send + 'static,
    U: Send + 'static,
{
    use tokio::sync::broadcast::error::RecvError;
    let (sender, receiver) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let message = tokio::select! {
                message = messages.recv() => message,
                () = sender.closed() => break,
            };
            match message {
                Ok(message) => {
                    if sender.send(map(message)).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "a slow subscriber skipped messages");
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
    Receiver(receiver)
}

/// A stream of the items of an iterator, ready at once (for short, known event lists).
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter(items.into_iter())
}

/// The stream of [`iter`].
#[derive(Debug, Clone)]
pub struct Iter<I>(I);

impl<I: Iterator + Unpin> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.get_mut().0.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
        std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
    }

    #[tokio::test]
    async fn a_slow_subscriber_skips_what_it_missed_and_the_stream_ends_with_the_broadcast() {
        let (sender, _) = tokio::sync::broadcast::channel(2);
        let mut stream = broadcast(sender.subscribe(), |n: u32| n * 10);
        for n in 1..=5 {
            sender.send(n).unwrap();
        }
        assert_eq!(next(&mut stream).await, Some(40), "1 to 3 were missed");
        assert_eq!(next(&mut stream).await, Some(50));
        sender.send(6).unwrap();
        assert_eq!(next(&mut stream).await, Some(60));
        drop(sender);
        assert_eq!(next(&mut stream).await, None);
    }
}
