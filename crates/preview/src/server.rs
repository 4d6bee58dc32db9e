//! The HTTP and WebSocket server (axum on hyper): `/` is the preview page (embedded in the
//! binary, no CDN), `/ws` streams a snapshot on connect and then every change, `/status` is a
//! small JSON summary for scripts and tests. Any number of tabs; a tab that reconnects or falls
//! behind gets the current state as a fresh snapshot.
//!
//! Only the author's own browser may read the draft:
//! - **Host** (DNS rebinding): a request is answered only when its `Host` is the listening
//!   address itself (an IP literal; any IP literal when listening on all interfaces),
//!   `localhost` when listening on a loopback or all interfaces, or a name given with `--host`,
//!   with the listening port. Anything else gets 403: a web page on another domain that
//!   resolves to 127.0.0.1 cannot read `/`, `/status` or `/ws`.
//! - **Origin**: a request that carries an `Origin` (every WebSocket a browser opens does) must
//!   come from `http://` plus an allowed Host; a foreign or `null` Origin gets 403.
//!
//! Bounded resources, whatever the clients do ([`Limits`]):
//! - at most `max_connections` connections (an extra one gets a 503 and is closed at once);
//! - a request's headers must arrive within `header_timeout` (also the idle time allowed
//!   between requests on a kept-alive connection), so half-open connections go away;
//! - each tab's messages are shared, never copied per tab (see `state`), and sent in parts of
//!   at most one page or 1 MiB, one at a time: a tab's send buffer holds at most one part. A
//!   part not taken by the tab within `send_timeout` ends the connection (a slow tab is dropped,
//!   not buffered for; the page reconnects by itself and gets a snapshot);
//! - a WebSocket from which nothing (not even the answer to the server's ping) arrives for
//!   `ws_idle` is closed; incoming messages are limited to 64 KiB.

use super::state::Shared;
use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The preview page.
pub const PAGE: &str = include_str!("page.html");

/// The server's resource limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Open connections (HTTP and WebSocket together).
    pub max_connections: usize,
    /// Time allowed for a request's headers to arrive (and between requests).
    pub header_timeout: Duration,
    /// Time allowed for a tab to take one message part.
    pub send_timeout: Duration,
    /// A WebSocket silent this long is closed (the server pings every third of it).
    pub ws_idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 128,
            header_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(10),
            ws_idle: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The defaults, or for tests the values in `RENJA_PREVIEW_BATAS`
    /// (`koneksi=N,kepala_ms=N,kirim_ms=N,diam_ms=N`, any subset).
    pub fn from_env() -> Limits {
        let mut l = Limits::default();
        let Ok(spec) = std::env::var("RENJA_PREVIEW_BATAS") else { return l };
        for item in spec.split(',') {
            let Some((k, v)) = item.split_once('=') else { continue };
            let Ok(n) = v.trim().parse::<u64>() else { continue };
            match k.trim() {
                "koneksi" => l.max_connections = n.max(1) as usize,
                "kepala_ms" => l.header_timeout = Duration::from_millis(n.max(1)),
                "kirim_ms" => l.send_timeout = Duration::from_millis(n.max(1)),
                "diam_ms" => l.ws_idle = Duration::from_millis(n.max(3)),
                _ => {}
            }
        }
        l
    }
}

/// Which `Host` and `Origin` values the server answers.
#[derive(Debug, Clone)]
pub struct Access {
    local: SocketAddr,
    names: Arc<[String]>,
}

impl Access {
    /// For a server listening at `local`, also reachable under the host `names` (`--host`).
    pub fn new(local: SocketAddr, names: Vec<String>) -> Access {
        Access { local, names: names.into_iter().map(|n| n.to_ascii_lowercase()).collect() }
    }

    /// Whether a `Host` value (`host[:port]`) names this server.
    pub fn host_allowed(&self, host: &str) -> bool {
        let Ok(auth) = host.parse::<axum::http::uri::Authority>() else { return false };
        if auth.port_u16().unwrap_or(80) != self.local.port() {
            return false;
        }
        let name = auth.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let ip = self.local.ip();
        if let Ok(asked) = name.parse::<IpAddr>() {
            // An IP literal cannot be a rebound name.
            return asked == ip || ip.is_unspecified() || (ip.is_loopback() && asked.is_loopback());
        }
        (name == "localhost" && (ip.is_loopback() || ip.is_unspecified())) || self.names.iter().any(|n| *n == name)
    }

    /// Whether an `Origin` value is one of this server's own pages.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        origin.strip_prefix("http://").is_some_and(|rest| !rest.contains('/') && self.host_allowed(rest))
    }
}

#[derive(Clone)]
struct App {
    shared: Shared,
    limits: Limits,
}

/// The connection's place in the connection limit, carried by its requests so that an upgraded
/// WebSocket keeps it until it closes.
#[derive(Clone)]
struct Slot(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

pub fn router(shared: Shared, access: Access, limits: Limits) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/status", get(status))
        .route("/ws", get(ws))
        .with_state(App { shared, limits })
        .layer(axum::middleware::from_fn_with_state(access, guard))
}

fn refuse(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// The Host and Origin check in front of every route.
async fn guard(State(access): State<Access>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()));
    if !host.is_some_and(|h| access.host_allowed(h)) {
        return refuse(StatusCode::FORBIDDEN, "Host tidak dikenal: pratinjau hanya melayani alamatnya sendiri\n");
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        if !origin.to_str().is_ok_and(|o| access.origin_allowed(o)) {
            return refuse(StatusCode::FORBIDDEN, "Origin asing: pratinjau hanya melayani halamannya sendiri\n");
        }
    }
    next.run(req).await
}

/// Serves on `listener` until Ctrl-C.
pub async fn run(listener: tokio::net::TcpListener, shared: Shared, access: Access, limits: Limits) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let app = router(shared, access, limits);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment and go on, never exit.
                    eprintln!("peringatan: sambungan tidak dapat diterima: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => return Ok(()),
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\nConnection: close\r\n\r\nterlalu banyak sambungan.\n";
            let _ = stream.try_write(BUSY);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let slot = Slot(Arc::new(permit));
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(slot.clone());
                app.clone().oneshot(req.map(Body::new))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

async fn status(State(app): State<App>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], app.shared.status_json())
}

async fn ws(upgrade: WebSocketUpgrade, State(app): State<App>, slot: Option<Extension<Slot>>) -> impl IntoResponse {
    upgrade
        // Each part is written out as soon as it is sent; the buffer never holds more than one.
        .write_buffer_size(0)
        .max_message_size(64 << 10)
        .max_frame_size(64 << 10)
        .on_upgrade(move |socket| async move {
            client(socket, app.shared, app.limits).await;
            drop(slot);
        })
}

/// Sends every part of a change, each within the send timeout.
async fn send_parts(socket: &mut WebSocket, parts: &[axum::extract::ws::Utf8Bytes], limits: &Limits) -> Result<(), ()> {
    for part in parts {
        match tokio::time::timeout(limits.send_timeout, socket.send(Message::Text(part.clone()))).await {
            Ok(Ok(())) => {}
            _ => return Err(()),
        }
    }
    Ok(())
}

/// One tab: a snapshot, then every change newer than what it has.
async fn client(mut socket: WebSocket, shared: Shared, limits: Limits) {
    let (snap, mut rx) = shared.subscribe();
    let mut sent = snap.version;
    if send_parts(&mut socket, &snap.parts, &limits).await.is_err() {
        return;
    }
    drop(snap);
    let mut heard = Instant::now();
    let mut ping = tokio::time::interval(limits.ws_idle / 3);
    ping.tick().await;
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
                if send_parts(&mut socket, &next.parts, &limits).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    // The page sends nothing but pings and pongs; any close or error ends this tab.
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => heard = Instant::now(),
                }
            }
            _ = ping.tick() => {
                if heard.elapsed() >= limits.ws_idle {
                    return;
                }
                if tokio::time::timeout(limits.send_timeout, socket.send(Message::Ping(Default::default()))).await.map_or(true, |r| r.is_err()) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_origin() {
        let a = Access::new("127.0.0.1:8765".parse().unwrap(), vec![]);
        for ok in ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765", "[::1]:8765"] {
            assert!(a.host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example:8765", "127.0.0.1:80", "127.0.0.1", "localhost.evil.example:8765", "10.0.0.2:8765", "", "127.0.0.1:8765/x"] {
            assert!(!a.host_allowed(bad), "{bad}");
        }
        assert!(a.origin_allowed("http://127.0.0.1:8765") && a.origin_allowed("http://localhost:8765"));
        for bad in ["null", "http://evil.example:8765", "https://127.0.0.1:8765", "http://127.0.0.1:8765/x", "file://", ""] {
            assert!(!a.origin_allowed(bad), "{bad}");
        }
        // Listening on every interface: any IP literal, never a foreign name unless given.
        let all = Access::new("0.0.0.0:9000".parse().unwrap(), vec!["Laptop.Local".into()]);
        assert!(all.host_allowed("192.168.1.20:9000") && all.host_allowed("localhost:9000") && all.host_allowed("laptop.local:9000"));
        assert!(!all.host_allowed("evil.example:9000"));
        // Port 80 may be left out.
        assert!(Access::new("127.0.0.1:80".parse().unwrap(), vec![]).host_allowed("127.0.0.1"));
    }

    #[test]
    fn limits_from_the_test_hook() {
        // SAFETY: no other test in this binary reads this variable.
        unsafe { std::env::set_var("RENJA_PREVIEW_BATAS", "koneksi=7, kepala_ms=250,kirim_ms=900,diam_ms=1200,lain=3") };
        let l = Limits::from_env();
        unsafe { std::env::remove_var("RENJA_PREVIEW_BATAS") };
        assert_eq!(l.max_connections, 7);
        assert_eq!(l.header_timeout, Duration::from_millis(250));
        assert_eq!(l.send_timeout, Duration::from_millis(900));
        assert_eq!(l.ws_idle, Duration::from_millis(1200));
    }
}
