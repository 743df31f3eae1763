//! "Background tasks, streams and middleware": the tasks and the middleware
//! through `TestClient`, the live streams through a served app.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fastrs::serde_json::{Value, json};
use fastrs::testing::TestClient;
use fastrs::{App, Settings};
use fastrs_guide_samples::tasks::{ReadOnly, app};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite;

type TestResult = Result<(), Box<dyn Error>>;

fn settings() -> Settings {
    Settings {
        database_url: "sqlite::memory:".into(),
        ..Settings::default()
    }
}

async fn client() -> fastrs::Result<TestClient> {
    app(settings(), ReadOnly::default()).test_client().await
}

// ANCHOR: export
#[tokio::test]
async fn an_export_is_filled_after_the_answer() -> fastrs::Result<()> {
    let client = client().await?;
    for title in ["milk", "bread"] {
        client.post("/notes").json(&json!({ "title": title })).await;
    }
    let started = client.post("/exports").await;
    assert_eq!(started.status(), 202);
    assert_eq!(started.json()["ready"], false);
    let path = format!("/exports/{}", started.json()["id"]);

    // The task runs after the response: wait (a bounded while) for it.
    let mut export = Value::Null;
    for _ in 0..500 {
        export = client.get(&path).await.json();
        if export["ready"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(export["notes"], 2);
    Ok(())
}
// ANCHOR_END: export

#[tokio::test]
async fn a_short_event_stream_ends() -> fastrs::Result<()> {
    let client = client().await?;
    let events = client.get("/countdown?from=3").await;
    assert_eq!(events.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        events.text(),
        "event: tick\ndata: 3\n\nevent: tick\ndata: 2\n\n\
         event: tick\ndata: 1\n\n"
    );
    assert_eq!(client.get("/countdown?from=11").await.status(), 422);
    Ok(())
}

#[tokio::test]
async fn middleware_wraps_every_answer() -> fastrs::Result<()> {
    let read_only = ReadOnly::default();
    let client = app(settings(), read_only.clone()).test_client().await?;
    for path in ["/notes", "/nowhere", "/openapi.json"] {
        let response = client.get(path).await;
        let timing = response.header("server-timing").unwrap_or_default();
        assert!(timing.starts_with("app;dur="), "{path}: {timing}");
    }
    read_only.0.store(true, Ordering::SeqCst);
    let refused = client.post("/notes").json(&json!({"title": "x"})).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(
        refused.json(),
        json!({"detail": "Read-only for maintenance"})
    );
    assert_eq!(client.get("/notes").await.status(), 200, "reads go on");
    Ok(())
}

// ANCHOR: serve
/// Serves `app` on a free port; the in-process client shares its state.
async fn serve(app: App) -> Result<(SocketAddr, TestClient), Box<dyn Error>> {
    let (router, pool) = app.build().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let served = router.clone();
    tokio::spawn(async move { fastrs::axum::serve(listener, served).await });
    Ok((address, TestClient::new(router, pool)))
}
// ANCHOR_END: serve

/// Reads from `stream` until what was read holds `end` (10 s at most).
async fn read_until(
    stream: &mut TcpStream,
    end: &str,
) -> Result<String, Box<dyn Error>> {
    let mut read = Vec::new();
    let mut buffer = [0; 1024];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !String::from_utf8_lossy(&read).contains(end) {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            read.extend_from_slice(&buffer[..n]);
        }
        Ok::<_, std::io::Error>(())
    })
    .await??;
    Ok(String::from_utf8_lossy(&read).into_owned())
}

#[tokio::test]
async fn listeners_hear_of_stored_messages() -> TestResult {
    let (address, client) = serve(app(settings(), ReadOnly::default())).await?;
    let mut stream = TcpStream::connect(address).await?;
    let request = "GET /messages/live HTTP/1.1\r\nHost: test\r\n\
                   Accept: text/event-stream\r\n\r\n";
    stream.write_all(request.as_bytes()).await?;
    let head = read_until(&mut stream, "\r\n\r\n").await?;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    let refused = client.post("/messages").json(&json!({"text": ""})).await;
    assert_eq!(refused.status(), 422);
    let posted = client.post("/messages").json(&json!({"text": "hi"})).await;
    assert_eq!(posted.status(), 202);
    let events = read_until(&mut stream, "data: hi\n").await?;
    assert!(events.contains("event: message\ndata: hi\n"), "{events}");
    assert!(
        !events.contains("data: \n"),
        "the refused one never went out"
    );
    Ok(())
}

// ANCHOR: websocket
#[tokio::test]
async fn a_websocket_answers_each_message() -> TestResult {
    let (address, _client) =
        serve(app(settings(), ReadOnly::default())).await?;
    let url = format!("ws://{address}/shout");
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    socket
        .send(tungstenite::Message::Text("hello".into()))
        .await?;
    let reply = socket.next().await.ok_or("the socket closed")??;
    assert_eq!(reply.into_text()?.as_str(), "HELLO");
    socket.close(None).await?;
    Ok(())
}
// ANCHOR_END: websocket

#[test]
fn streams_are_documented() {
    let app = app(settings(), ReadOnly::default());
    let document: Value =
        fastrs::serde_json::from_str(&app.openapi_json()).unwrap_or_default();
    let live = &document["paths"]["/messages/live"]["get"]["responses"]["200"];
    assert!(live["content"]["text/event-stream"].is_object(), "{live}");
    let shout = &document["paths"]["/shout"]["get"];
    assert!(shout["responses"]["101"].is_object(), "{shout}");
    assert_eq!(shout["x-websocket"], true);
}
