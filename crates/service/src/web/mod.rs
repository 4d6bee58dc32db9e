//! The browser interface of `renja serve`: the login page, the dashboard and the edition
//! workspace, as small HTML shells around one JavaScript bundle and one stylesheet. The bundle is
//! built from `web/` (CodeMirror 6 from npm, pinned in `web/package-lock.json`) by
//! `web/build.sh` into `assets/web/`, which is committed and embedded here: no Node.js at run
//! time or to build the crate. The pages call the JSON API (`/api/v1`) and the preview socket
//! ([`super::pratinjau`]); every decision about who may see what is made there and here on the
//! server, never in the browser. See docs/web.md.

use super::api::{ApiError, AppState, Auth};
use super::auth::can_read;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The bundle and the stylesheet, as `web/build.sh` wrote them.
pub const APP_JS: &[u8] = include_bytes!("../../../../assets/web/app.js");
pub const APP_CSS: &[u8] = include_bytes!("../../../../assets/web/app.css");

/// Scripts and styles from this server only; preview pages are `blob:` SVG images; the socket
/// goes to this server. CodeMirror sets inline styles, hence `style-src 'unsafe-inline'`.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; \
connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub mod kosakata;
pub mod tabel;

/// The results of `check` by revision id, for the dashboard's last check result and the
/// workspace's first diagnostics: filled when a save (or anyone) checks a revision. A revision id
/// is the hash of its sources and history, so an entry never goes stale; the cache is bounded
/// (the oldest entries go first).
pub mod check_cache {
    use renja_core::diag::Diagnostic;
    use std::collections::{HashMap, VecDeque};
    use std::sync::{Mutex, OnceLock};

    const MAX: usize = 512;

    #[derive(Default)]
    struct Cache {
        map: HashMap<String, Vec<Diagnostic>>,
        order: VecDeque<String>,
    }

    fn cache() -> &'static Mutex<Cache> {
        static C: OnceLock<Mutex<Cache>> = OnceLock::new();
        C.get_or_init(Mutex::default)
    }

    pub fn get(rev: &str) -> Option<Vec<Diagnostic>> {
        cache().lock().ok()?.map.get(rev).cloned()
    }

    pub fn put(rev: &str, d: &[Diagnostic]) {
        let Ok(mut c) = cache().lock() else { return };
        if c.map.insert(rev.to_string(), d.to_vec()).is_none() {
            c.order.push_back(rev.to_string());
        }
        while c.order.len() > MAX {
            if let Some(old) = c.order.pop_front() {
                c.map.remove(&old);
            }
        }
    }
}

type S = Arc<AppState>;

pub fn routes() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dasbor") }))
        .route("/masuk", get(masuk))
        .route("/dasbor", get(dasbor))
        .route("/edisi/{id}", get(edisi))
        .route("/edisi/{id}/riwayat", get(riwayat))
        .route("/arsip", get(arsip))
        .route("/aset/app.js", get(|q: RawQuery| async move { asset(APP_JS, "text/javascript; charset=utf-8", q) }))
        .route("/aset/app.css", get(|q: RawQuery| async move { asset(APP_CSS, "text/css; charset=utf-8", q) }))
}

/// The assets' version: a hash of both, in the pages' asset URLs (`?v=…`), so a browser may keep
/// them for good and a new renja is fetched anew.
fn version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let mut both = APP_JS.to_vec();
        both.extend_from_slice(APP_CSS);
        renja_archive::sha256_hex(&both)[..16].to_string()
    })
}

/// An asset; cached for a year when asked for by the current version, else not at all.
fn asset(bytes: &'static [u8], ctype: &'static str, RawQuery(q): RawQuery) -> Response {
    let cache = if q.as_deref() == Some(&format!("v={}", version())) { "public, max-age=31536000, immutable" } else { "no-cache" };
    ([(header::CONTENT_TYPE, ctype), (header::CACHE_CONTROL, cache)], bytes).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An HTML page: the shell the bundle fills (`halaman` names the page for `web/src/main.js`),
/// with `body` shown until the script runs (and to a browser without JavaScript).
fn page(status: StatusCode, title: &str, halaman: &str, data: &[(&str, String)], body: &str) -> Response {
    let attrs: String = data.iter().map(|(k, v)| format!(" data-{k}=\"{}\"", escape(v))).collect();
    let html = format!(
        "<!doctype html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{} · renja</title>\n<link rel=\"stylesheet\" href=\"/aset/app.css?v={v}\">\n<script type=\"module\" src=\"/aset/app.js?v={v}\"></script>\n</head>\n\
<body data-halaman=\"{halaman}\"{attrs}>\n<div id=\"app\">{body}</div>\n</body>\n</html>\n",
        escape(title),
        v = version()
    );
    let mut r = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    r.headers_mut().insert("referrer-policy", HeaderValue::from_static("same-origin"));
    r
}

const LOADING: &str = "<main class=\"tengah\"><p>Memuat…</p><noscript>Antarmuka renja memerlukan JavaScript.</noscript></main>";

fn not_found_page() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Tidak ditemukan",
        "tidak-ditemukan",
        &[],
        "<main class=\"tengah\"><div class=\"kartu\" role=\"alert\"><h1>Halaman tidak ditemukan</h1>\
<p>Halaman ini tidak ada atau Anda tidak berwenang membukanya.</p><p><a href=\"/dasbor\">Kembali ke dasbor</a></p></div></main>",
    )
}

fn to_login(path: &str) -> Response {
    let mut q = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.".contains(&b) {
            q.push(b as char);
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
    Redirect::to(&format!("/masuk?lanjut={q}")).into_response()
}

async fn masuk() -> Response {
    page(StatusCode::OK, "Masuk", "masuk", &[], LOADING)
}

async fn dasbor(a: Result<Auth, ApiError>) -> Response {
    match a {
        Ok(_) => page(StatusCode::OK, "Dasbor", "dasbor", &[], LOADING),
        Err(_) => to_login("/dasbor"),
    }
}

/// The workspace of one edition: 404 (the same page as for an unknown edition) when the user
/// may not read it.
async fn edisi(State(s): State<S>, a: Result<Auth, ApiError>, Path(id): Path<String>) -> Response {
    let Ok(a) = a else { return to_login(&format!("/edisi/{id}")) };
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    match s.store.edition(id) {
        Ok(Some(e)) if can_read(&a.user, &e) => {
            // data-bsre: the sign dialog offers BSrE when the server signs through it.
            let bsre = if s.bsre.is_some() { "1" } else { "0" };
            page(StatusCode::OK, "Edisi", "edisi", &[("edisi", id.to_string()), ("bsre", bsre.to_string())], LOADING)
        }
        Ok(_) => not_found_page(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The history of one edition (revisions and their diffs): as the workspace, 404 when the user
/// may not read it.
async fn riwayat(State(s): State<S>, a: Result<Auth, ApiError>, Path(id): Path<String>) -> Response {
    let Ok(a) = a else { return to_login(&format!("/edisi/{id}/riwayat")) };
    let Ok(id) = id.parse::<i64>() else { return not_found_page() };
    match s.store.edition(id) {
        Ok(Some(e)) if can_read(&a.user, &e) => page(StatusCode::OK, "Riwayat", "riwayat", &[("edisi", id.to_string())], LOADING),
        Ok(_) => not_found_page(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The archive: the entries the user may see (the API filters them).
async fn arsip(a: Result<Auth, ApiError>) -> Response {
    match a {
        Ok(_) => page(StatusCode::OK, "Arsip", "arsip", &[], LOADING),
        Err(_) => to_login("/arsip"),
    }
}
