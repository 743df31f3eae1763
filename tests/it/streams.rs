//! WebSockets and server-sent events, with the app's auth, through a real server and real
//! clients (tokio-tungstenite, and plain HTTP/1.1 for the event stream).

use std::convert::Infallible;

use fastrs::auth::Secret;
use fastrs::axum::response::Response;
use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::stream::sse::{Event, Sse};
use fastrs::stream::ws::{Message, WebSocket, WebSocketUpgrade};
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, Staff, TestDb, on_every_backend};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Greets the caller, then echoes each text message with their handle.
async fn chat(user: CurrentUser<Staff>, upgrade: WebSocketUpgrade) -> Response {
    let handle = user.into_inner().handle;
    upgrade
        .protocols(["chat"])
        .on_upgrade(move |mut socket: WebSocket| async move {
            let _ = socket
                .send(Message::Text(format!("hello {handle}").into()))
                .await;
            while let Some(Ok(Message::Text(text))) = socket.recv().await {
                let reply = format!("{handle}: {}", text.as_str());
                if socket.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
        })
}

/// Three events for the caller, sent from a task through a channel.
async fn events(
    user: CurrentUser<Staff>,
) -> Sse<impl fastrs::stream::Stream<Item = Result<Event, Infallible>>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    let handle = user.into_inner().handle;
    tokio::spawn(async move {
        for n in 1..=3 {
            let event = Event::default().event("tick").data(format!("{handle} {n}"));
            if sender.send(Ok(event)).await.is_err() {
                break;
            }
        }
    });
    Sse::new(fastrs::stream::receiver(receiver))
}

/// An ordinary route: a token in the URL is not read here.
async fn whoami(user: CurrentUser<Staff>) -> String {
    user.into_inner().handle
}

fn app(settings: Settings) -> App {
    App::new(settings)
        .auth::<Staff>()
        .route("/chat", get(chat))
        .route("/events", get(events))
        .route("/whoami", get(whoami))
}

/// Starts the app on a free port; the in-process client shares its state.
async fn serve(backend: Backend) -> Option<(std::net::SocketAddr, TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let (router, pool) = app(settings).build().await.expect("app starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = router.clone();
    tokio::spawn(async move { fastrs::axum::serve(listener, served).await });
    Some((address, TestClient::new(router, pool), db))
}

async fn token(client: &TestClient) -> String {
    let created = client
        .post("/auth/register")
        .json(&json!({"handle": "ann", "password": "long enough"}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let token = client
        .post("/auth/token")
        .form(&[("username", "ann"), ("password", "long enough")])
        .await;
    token.json()["access_token"].as_str().unwrap().to_owned()
}

/// A raw HTTP/1.1 GET; the whole answer as text.
async fn http_get(address: std::net::SocketAddr, target: &str, headers: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request =
        format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{headers}\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

async fn websockets_and_events_with_auth(backend: Backend) {
    let Some((address, client, _db)) = serve(backend).await else {
        return;
    };
    let token = token(&client).await;

    // WebSocket, token in the query (what a browser can do).
    let url = format!("ws://{address}/chat?access_token={token}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects");
    let greeting = socket.next().await.unwrap().unwrap();
    assert_eq!(greeting.into_text().unwrap().as_str(), "hello ann");
    socket
        .send(tungstenite::Message::Text("hi".into()))
        .await
        .unwrap();
    let echo = socket.next().await.unwrap().unwrap();
    assert_eq!(echo.into_text().unwrap().as_str(), "ann: hi");
    socket.close(None).await.unwrap();

    // Token as a subprotocol beside the real one; and as a header.
    let mut request = format!("ws://{address}/chat")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("chat, bearer.{token}").parse().unwrap(),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connects with a subprotocol token");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "chat"
    );
    assert!(socket.next().await.unwrap().is_ok());
    let mut request = format!("ws://{address}/chat")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "chat".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(request).await.is_ok());

    // No token, a bad one: the upgrade is refused with the app's 401.
    for url in [
        format!("ws://{address}/chat"),
        format!("ws://{address}/chat?access_token=not-a-token"),
    ] {
        match tokio_tungstenite::connect_async(url).await {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
            other => panic!("expected a 401, got {other:?}"),
        }
    }

    // Server-sent events, token in the query.
    let answer = http_get(
        address,
        &format!("/events?access_token={token}"),
        "Accept: text/event-stream\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("content-type: text/event-stream"),
        "{answer}"
    );
    for n in 1..=3 {
        assert!(
            answer.contains(&format!("event: tick\ndata: ann {n}\n")),
            "{answer}"
        );
    }

    // URL tokens are for streams only: not on an ordinary request.
    let refused = http_get(address, &format!("/whoami?access_token={token}"), "").await;
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let posing = http_get(
        address,
        &format!("/whoami?access_token={token}"),
        "Accept: text/event-stream\r\n",
    )
    .await;
    assert!(
        posing.starts_with("HTTP/1.1 401"),
        "asking for a stream from an ordinary route: {posing}"
    );
    let refused = http_get(address, &format!("/events?access_token={token}"), "").await;
    assert!(
        refused.starts_with("HTTP/1.1 401"),
        "not asking for a stream: {refused}"
    );
    let header = http_get(
        address,
        "/whoami",
        &format!("Authorization: Bearer {token}\r\n"),
    )
    .await;
    assert!(header.ends_with("ann"), "{header}");
}

on_every_backend!(websockets_and_events_with_auth);

#[test]
fn streams_are_documented() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    let chat = &document["paths"]["/chat"]["get"];
    assert_eq!(chat["x-websocket"], true);
    assert!(chat["responses"]["101"].is_object());
    assert!(chat["responses"]["200"].is_null());
    assert!(chat["security"].is_array());
    let events = &document["paths"]["/events"]["get"];
    assert!(events["responses"]["200"]["content"]["text/event-stream"].is_object());
}
