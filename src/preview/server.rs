//! The HTTP and WebSocket server (axum): `/` is the preview page (embedded in the binary, no
//! CDN), `/ws` streams a snapshot on connect and then every change, `/status` is a small JSON
//! summary for scripts and tests. Any number of tabs; a tab that reconnects or falls behind
//! gets the current state as a fresh snapshot.

use super::state::Shared;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use tokio::sync::broadcast::error::RecvError;

/// The preview page.
pub const PAGE: &str = include_str!("page.html");

pub fn router(shared: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/status", get(status))
        .route("/ws", get(ws))
        .with_state(shared)
}

/// Serves until Ctrl-C.
pub async fn run(listener: tokio::net::TcpListener, shared: Shared) -> std::io::Result<()> {
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

async fn status(State(shared): State<Shared>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], shared.status_json())
}

async fn ws(upgrade: WebSocketUpgrade, State(shared): State<Shared>) -> impl IntoResponse {
    upgrade.on_upgrade(move |socket| client(socket, shared))
}

/// One tab: a snapshot, then every change newer than what it has.
async fn client(mut socket: WebSocket, shared: Shared) {
    let (snap, mut rx) = shared.subscribe();
    let mut sent = snap.version;
    if socket.send(Message::Text(snap.json)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let next = match msg {
                    Ok(b) if b.version <= sent => continue,
                    Ok(b) => b,
                    // Fell behind: the current state replaces everything missed.
                    Err(RecvError::Lagged(_)) => shared.snapshot(),
                    Err(RecvError::Closed) => return,
                };
                sent = next.version;
                if socket.send(Message::Text(next.json)).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    // The page sends nothing but pings; any close or error ends this tab.
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                }
            }
        }
    }
}
