//! The live preview of an edition in the workspace: `GET /api/v1/edisi/{id}/pratinjau`, a
//! WebSocket. The server lays the edition's head revision out in a private scratch folder,
//! overlays the texts the browser sends (unsaved edits, after a typing pause), and runs the
//! preview's incremental compiler ([`renja_preview::compiler::Compiler`], the same engine as
//! `renja preview`: one warm typst World, only changed pages rendered to SVG) on its own thread.
//! The browser gets a snapshot, then only the pages that changed, in the preview's message
//! format ([`renja_preview::state`]); a failed render sends the errors while the last good
//! pages stay.
//!
//! Authorised like reading the edition (404 when the user may not read it), and the `Origin`
//! must be the server's own (a WebSocket is not covered by CORS). Bounded: one render at a time
//! per socket (its one compiler thread coalesces texts sent meanwhile), messages of at most
//! [`MAX_MESSAGE`] bytes, at most [`max_sockets`] previews open in the process.
//!
//! Client messages (JSON text): `{revisi?: "<id>", berkas: {path: text | null}}`. `revisi`
//! (re)bases the overlay on that revision of this edition (after a save or a reload); `berkas`
//! replaces (or, with null, removes) files in the overlay. Answers besides the preview's own:
//! `{galat}` for a refused message.

use super::api::{ApiError, AppState, Auth, Client, P};
use super::auth::can_read;
use super::{engine, names};
use renja_preview::{compiler::Compiler, state::Shared};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// The largest message a browser may send (the texts of the files it changed).
pub const MAX_MESSAGE: usize = 2 * 1024 * 1024;
/// A socket silent (no pong, no message) this long is closed.
const IDLE: Duration = Duration::from_secs(90);
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// Previews open at once in this process (each holds a typst World: tens of MB). Default 8;
/// `RENJA_PRATINJAU_MAKS` sets it.
pub fn max_sockets() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| std::env::var("RENJA_PRATINJAU_MAKS").ok().and_then(|v| v.trim().parse().ok()).filter(|&n| n > 0).unwrap_or(8))
}

static OPEN: AtomicUsize = AtomicUsize::new(0);

/// One open preview's place in [`OPEN`], given back when dropped (after its compiler ended).
struct Slot;

impl Slot {
    fn take() -> Option<Slot> {
        OPEN.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max_sockets()).then_some(n + 1)).ok().map(|_| Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // The last preview closed (its World is gone): drop typst's memoised results and give
        // the memory back; the next preview starts cold (a few seconds for its first render).
        if OPEN.fetch_sub(1, Ordering::SeqCst) == 1 {
            comemo::evict(0);
            renja_preview::compiler::trim_heap();
        }
    }
}

type S = Arc<AppState>;

/// Whether the request's `Origin` is this server's (the same rule as the API's CSRF guard). A
/// browser always sends `Origin` on a WebSocket handshake; none is refused too.
fn origin_ok(s: &AppState, h: &HeaderMap, client: Option<&Client>) -> bool {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
    let Some(origin) = get("origin") else { return false };
    let expected = match &s.config.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let trust = s.config.trust_proxy;
            let host = if trust { get("x-forwarded-host").or_else(|| get("host")) } else { get("host") };
            let secure = client.is_some_and(|c| c.secure);
            format!("{}://{}", if secure { "https" } else { "http" }, host.unwrap_or(""))
        }
    };
    origin == expected
}

pub async fn socket(
    State(s): State<S>,
    a: Auth,
    P(id): P<i64>,
    headers: HeaderMap,
    client: Option<axum::Extension<Client>>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let e = match s.store.edition(id)? {
        Some(e) if can_read(&a.user, &e) => e,
        _ => return Err(ApiError::new(StatusCode::NOT_FOUND, "edisi tidak ditemukan")),
    };
    if !origin_ok(&s, &headers, client.as_deref()) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "pratinjau hanya untuk halaman server ini sendiri (Origin ditolak)"));
    }
    let upgrade = upgrade.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "pratinjau memerlukan sambungan WebSocket"))?;
    let Some(rev) = e.kepala else {
        return Err(ApiError::new(StatusCode::CONFLICT, "edisi belum memiliki revisi untuk dipratinjau"));
    };
    let Some(slot) = Slot::take() else {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("terlalu banyak pratinjau terbuka (paling banyak {}); coba lagi dalam 10 detik", max_sockets())));
    };
    let session = session_hash(&headers).ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Anda belum masuk"))?;
    let files = revision_files(&s, &rev)?;
    let wd = engine::Workdir::new(&s.data, &files).map_err(|m| {
        eprintln!("renja serve: folder pratinjau: {m}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "pratinjau tidak dapat disiapkan di server")
    })?;
    Ok(upgrade
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .write_buffer_size(0)
        .on_upgrade(move |ws| run(ws, s, id, session, rev, files.into_iter().map(|(p, _)| p).collect(), wd, slot))
        .into_response())
}

/// The SHA-256 of the session token in the cookie (as the store keeps it).
fn session_hash(h: &HeaderMap) -> Option<String> {
    h.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == super::auth::COOKIE).then(|| super::auth::token_hash(v))
    })
}

/// Whether the session is still valid and its user may still read the edition (checked before
/// each message: a logout, an expired session or a withdrawn grant ends the preview).
fn still_allowed(s: &AppState, session: &str, id: i64) -> bool {
    match (s.store.session_user(session, super::auth::now_unix()), s.store.edition(id)) {
        (Ok(Some(u)), Ok(Some(e))) => can_read(&u, &e),
        _ => false,
    }
}

fn revision_files(s: &AppState, rev: &str) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let mut out = Vec::new();
    for f in s.store.files(rev)? {
        out.push((f.path.clone(), s.store.object(&f.sha256)?));
    }
    Ok(out)
}

/// The fonts, loaded once for every preview.
fn fonts(assets: &renja_pdf::Assets) -> Result<Arc<renja_pdf::Fonts>, String> {
    static FONTS: OnceLock<Result<Arc<renja_pdf::Fonts>, String>> = OnceLock::new();
    FONTS.get_or_init(|| renja_pdf::Fonts::load(&assets.fonts).map(Arc::new).map_err(|e| e.to_string())).clone()
}

/// Writes a scratch file by renaming a complete temporary file over it, so the compiler never
/// reads half a text. No fsync: the folder is thrown away.
fn put(dir: &Path, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(rel);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    let tmp = dir.join(format!(".pratinjau-{}.tmp", super::auth::new_token()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)
}

#[derive(serde::Deserialize)]
struct ClientMsg {
    revisi: Option<String>,
    #[serde(default)]
    berkas: BTreeMap<String, Option<String>>,
}

/// Applies one client message to the scratch folder. `paths` is the set of files there.
fn apply(s: &AppState, id: i64, dir: &Path, rev: &mut String, paths: &mut Vec<String>, m: ClientMsg) -> Result<(), String> {
    for p in m.berkas.keys() {
        names::validate(p)?;
        if !names::is_text(p) {
            return Err(format!("berkas '{p}' bukan teks"));
        }
    }
    if let Some(r) = m.revisi.filter(|r| r != rev) {
        match s.store.revision(id, &r) {
            Ok(Some(_)) => {}
            _ => return Err("revisi tidak ditemukan pada edisi ini".into()),
        }
        let files = revision_files(s, &r).map_err(|_| "revisi tidak dapat dibaca".to_string())?;
        for old in paths.iter() {
            if !files.iter().any(|(p, _)| p == old) {
                let _ = std::fs::remove_file(dir.join(old));
            }
        }
        for (p, b) in &files {
            put(dir, p, b).map_err(|e| e.to_string())?;
        }
        *paths = files.into_iter().map(|(p, _)| p).collect();
        *rev = r;
    }
    for (p, text) in m.berkas {
        match text {
            Some(t) => {
                put(dir, &p, t.as_bytes()).map_err(|e| e.to_string())?;
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
            None => {
                let _ = std::fs::remove_file(dir.join(&p));
                paths.retain(|x| x != &p);
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn run(mut ws: WebSocket, s: S, id: i64, session: String, mut rev: String, mut paths: Vec<String>, wd: engine::Workdir, slot: Slot) {
    let dir: PathBuf = wd.path().to_path_buf();
    let assets = renja_pdf::Assets::locate(Path::new("content"));
    let fonts = match fonts(&assets) {
        Ok(f) => f,
        Err(m) => {
            eprintln!("renja serve: huruf pratinjau: {m}");
            let _ = ws.send(Message::Text(r#"{"galat":"huruf tidak dapat dimuat di server"}"#.into())).await;
            return;
        }
    };
    let shared = Shared::new();
    let (tx, rx) = std::sync::mpsc::channel::<Instant>();
    let base = s.arsip.base();
    let compiler = Compiler::new(dir.clone(), assets, fonts, None, base);
    let comp_shared = shared.clone();
    // The compiler thread owns the scratch folder and the slot: both go when it ends (after the
    // socket closed and its last compile finished).
    let spawned = std::thread::Builder::new().name("renja-pratinjau".into()).spawn(move || {
        compiler.run(rx, comp_shared);
        drop(wd);
        drop(slot);
    });
    if spawned.is_err() {
        let _ = ws.send(Message::Text(r#"{"galat":"pratinjau tidak dapat dimulai di server"}"#.into())).await;
        return;
    }
    let (snap, mut updates) = shared.subscribe();
    let mut sent = snap.version;
    if send_parts(&mut ws, &snap.parts).await.is_err() {
        return;
    }
    drop(snap);
    let mut heard = Instant::now();
    let mut ping = tokio::time::interval(IDLE / 3);
    ping.tick().await;
    let mut started = false;
    loop {
        tokio::select! {
            msg = updates.recv() => {
                let next = match msg {
                    Ok(b) if b.version <= sent => continue,
                    Ok(b) => b,
                    Err(RecvError::Lagged(_)) => shared.snapshot(),
                    Err(RecvError::Closed) => return,
                };
                sent = next.version;
                if send_parts(&mut ws, &next.parts).await.is_err() {
                    return;
                }
            }
            incoming = ws.recv() => {
                heard = Instant::now();
                match incoming {
                    Some(Ok(Message::Text(t))) => {
                        let parsed = serde_json::from_str::<ClientMsg>(t.as_str()).map_err(|_| "pesan pratinjau tidak sah".to_string());
                        let (s2, dir2, mut rev2, mut paths2, session2) = (s.clone(), dir.clone(), rev.clone(), std::mem::take(&mut paths), session.clone());
                        let result = tokio::task::spawn_blocking(move || {
                            if !still_allowed(&s2, &session2, id) {
                                return (None, rev2, paths2);
                            }
                            let r = parsed.and_then(|m| apply(&s2, id, &dir2, &mut rev2, &mut paths2, m));
                            (Some(r), rev2, paths2)
                        }).await;
                        let Ok((result, r2, p2)) = result else { return };
                        let Some(result) = result else {
                            let _ = ws.send(Message::Close(Some(axum::extract::ws::CloseFrame { code: 4401, reason: "sesi berakhir".into() }))).await;
                            return;
                        };
                        rev = r2;
                        paths = p2;
                        match result {
                            Ok(()) => {
                                started = true;
                                let _ = tx.send(Instant::now());
                            }
                            Err(m) => {
                                let body = serde_json::json!({ "galat": m }).to_string();
                                if ws.send(Message::Text(body.into())).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                }
            }
            _ = ping.tick() => {
                if !started {
                    // A client that never sends its first message still gets the head revision.
                    started = true;
                    let _ = tx.send(Instant::now());
                }
                if heard.elapsed() >= IDLE {
                    return;
                }
                if tokio::time::timeout(SEND_TIMEOUT, ws.send(Message::Ping(Default::default()))).await.map_or(true, |r| r.is_err()) {
                    return;
                }
            }
        }
    }
}

async fn send_parts(ws: &mut WebSocket, parts: &[axum::extract::ws::Utf8Bytes]) -> Result<(), ()> {
    for part in parts {
        match tokio::time::timeout(SEND_TIMEOUT, ws.send(Message::Text(part.clone()))).await {
            Ok(Ok(())) => {}
            _ => return Err(()),
        }
    }
    Ok(())
}
