//! The HTTP layer: JSON under `/api/v1`. It parses requests, asks [`super::auth`] who may do
//! what, calls the [`Store`] and the [`super::engine`] adapter, and writes the audit log. It holds
//! no document logic.

use super::auth::{self, can_comment, can_read, can_write, is_admin};
use super::store::{self, AuditEntry, Comment, Edition, Grant, NewComment, NewEdition, NewOpd, NewUser, Opd, Revision, Role, Save, Store, User};
use super::{Config, engine, names, workflow};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};

/// JSON bodies are small; an imported edition (a zip) may be larger.
pub const JSON_LIMIT: usize = 2 * 1024 * 1024;
pub const IMPORT_LIMIT: usize = 16 * 1024 * 1024;
/// An imported zip may expand to at most this much, in at most this many files.
pub const IMPORT_EXPANDED_LIMIT: u64 = 64 * 1024 * 1024;
pub const IMPORT_FILES_LIMIT: usize = 500;
/// A signing request carries one PKCS#12 file (base64) and a passphrase.
pub const SIGN_LIMIT: usize = 256 * 1024;

pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The archive editions are put into (`arsipkan`) and read from: the data folder's, or the
    /// shared database's on PostgreSQL.
    pub arsip: super::arsip::Arsip,
    pub data: PathBuf,
    pub config: Config,
    pub throttle: auth::Throttle,
    /// Bounds the checks running at once (each lays the sources out in a scratch folder).
    pub checks: tokio::sync::Semaphore,
    pub renders: Arc<super::render::Queue>,
    /// Incremental checks, one cache per recently checked edition.
    pub checker: engine::Checker,
    /// The BSrE client when the server is configured for it (`--bsre`).
    pub bsre: Option<Arc<renja_sign::bsre::Client>>,
    /// Trusted root certificates (`--ca`); empty: trust is not checked.
    pub anchors: Vec<x509_cert::Certificate>,
}

type S = Arc<AppState>;

/// An error answer: a status and a message in Bahasa Indonesia (`galat`), with optional fields.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    galat: String,
    extra: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, galat: impl Into<String>) -> Self {
        ApiError { status, galat: galat.into(), extra: None }
    }
    fn with(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }
}

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, m)
}
fn forbidden() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "Anda tidak berwenang melakukan ini")
}
fn not_found(what: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("{what} tidak ditemukan"))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "galat": self.galat });
        if let (Some(Value::Object(extra)), Value::Object(b)) = (self.extra, &mut body) {
            b.extend(extra);
        }
        let mut r = (self.status, Json(body)).into_response();
        if (self.status == StatusCode::TOO_MANY_REQUESTS || self.status == StatusCode::SERVICE_UNAVAILABLE)
            && let Some(s) = self.galat.split("coba lagi dalam ").nth(1).and_then(|t| t.split(' ').next())
            && let Ok(v) = HeaderValue::from_str(s)
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Exists(m) => ApiError::new(StatusCode::CONFLICT, m),
            store::Error::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            store::Error::StateChanged(m) => ApiError::new(StatusCode::CONFLICT, m),
            store::Error::Conflict(c) => ApiError::new(
                StatusCode::CONFLICT,
                "revisi dasar sudah usang: edisi telah disimpan orang lain sejak Anda mulai; gabungkan perubahan dari revisi terbaru lalu simpan lagi",
            )
            .with(json!({ "kepala": c.kepala, "berubah": c.berubah })),
            store::Error::Unavailable(m) => {
                eprintln!("renja serve: {m}");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "basis data sedang tidak tersedia; coba lagi sebentar lagi")
            }
            store::Error::Backend(m) => {
                eprintln!("renja serve: galat penyimpanan: {m}");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "galat penyimpanan di server")
            }
        }
    }
}

type R<T = Response> = std::result::Result<T, ApiError>;

fn translate(detail: &str) -> String {
    renja_core::source::translate_toml_error(detail).0
}

/// A JSON body whose rejections are answered in Bahasa Indonesia.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &St) -> R<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rej) => Err(match rej {
                JsonRejection::JsonDataError(e) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("isi JSON tidak sesuai: {}", translate(&e.body_text())))
                }
                JsonRejection::JsonSyntaxError(_) => bad("badan permintaan bukan JSON yang sah"),
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "badan permintaan harus JSON (Content-Type: application/json)")
                }
                JsonRejection::BytesRejection(_) => {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("badan permintaan terlalu besar (paling banyak {} KiB)", JSON_LIMIT / 1024))
                }
                _ => bad("badan permintaan tidak dapat dibaca"),
            }),
        }
    }
}

/// Path parameters with Indonesian rejections.
pub struct P<T>(pub T);

impl<T: DeserializeOwned + Send, St: Send + Sync> FromRequestParts<St> for P<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &St) -> R<Self> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(P(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(not_found("alamat")),
            Err(_) => Err(not_found("alamat")),
        }
    }
}

/// Query parameters with Indonesian rejections.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned + Send, St: Send + Sync> FromRequestParts<St> for Q<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &St) -> R<Self> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Q(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(bad(format!("parameter kueri tidak sah: {}", translate(&e.body_text())))),
            Err(_) => Err(bad("parameter kueri tidak sah")),
        }
    }
}

/// Where a request came from (the peer, or X-Forwarded-For when configured) and whether it
/// arrived over TLS (X-Forwarded-Proto when configured). Set by [`guard`].
#[derive(Clone, Debug)]
pub struct Client {
    pub addr: String,
    pub secure: bool,
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Every request: who is the client; for state-changing methods, the CSRF check — an `Origin`
/// (or `Sec-Fetch-Site`) naming another site is refused. Together with SameSite=Strict cookies
/// and JSON-only bodies (a cross-site form cannot send `application/json` without a preflight,
/// which this server never grants), a foreign page cannot act with a user's session.
async fn guard(State(s): State<S>, ConnectInfo(peer): ConnectInfo<SocketAddr>, mut req: Request, next: Next) -> Response {
    let h = req.headers();
    let trust = s.config.trust_proxy;
    let addr = if trust {
        header_str(h, "x-forwarded-for").and_then(|v| v.split(',').next()).map(|v| v.trim().to_string()).unwrap_or_else(|| peer.ip().to_string())
    } else {
        peer.ip().to_string()
    };
    let proto = if trust { header_str(h, "x-forwarded-proto").unwrap_or("http") } else { "http" };
    let secure = proto.eq_ignore_ascii_case("https") || s.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let has_body = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A request refused before its body was read leaves that body on the connection: the server
    // then closes it, and says so (`connection: close`), so a client does not send its next
    // request on a connection that is going away.
    let closing = |mut r: Response| {
        r.headers_mut().insert("connection", HeaderValue::from_static("close"));
        r
    };
    if has_body {
        let host = if trust { header_str(h, "x-forwarded-host").or_else(|| header_str(h, "host")) } else { header_str(h, "host") };
        let expected = match &s.config.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("{}://{}", if secure { "https" } else { "http" }, host.unwrap_or("")),
        };
        if let Some(origin) = header_str(h, "origin") {
            if origin != expected {
                let _ = s.store.audit(None, "csrf_ditolak", req.uri().path(), &format!("origin {origin}"), &addr);
                return closing(ApiError::new(StatusCode::FORBIDDEN, format!("permintaan dari asal lain ({origin}) ditolak")).into_response());
            }
        } else if let Some(site) = header_str(h, "sec-fetch-site")
            && !matches!(site, "same-origin" | "none")
        {
            return closing(ApiError::new(StatusCode::FORBIDDEN, "permintaan dari situs lain ditolak").into_response());
        }
    }
    req.extensions_mut().insert(Client { addr, secure });
    let mut resp = next.run(req).await;
    if has_body && (resp.status().is_client_error() || resp.status().is_server_error()) {
        // A handler may have refused before reading the body (not signed in, too large, …).
        resp = closing(resp);
    }
    let hs = resp.headers_mut();
    hs.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // Everything is private and current, except what a handler marks cacheable (the web
    // interface's versioned assets).
    if !hs.contains_key("cache-control") {
        hs.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    resp
}

/// A signed-in user (from the session cookie) and the client.
pub struct Auth {
    pub user: User,
    pub client: Client,
}

fn session_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == auth::COOKIE && v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| v.to_string())
    })
}

fn client_of(parts: &Parts) -> Client {
    parts.extensions.get::<Client>().cloned().unwrap_or(Client { addr: "?".into(), secure: false })
}

impl FromRequestParts<S> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> R<Self> {
        let client = client_of(parts);
        let unauth = || ApiError::new(StatusCode::UNAUTHORIZED, "Anda belum masuk atau sesi telah berakhir; silakan masuk");
        let token = session_token(&parts.headers).ok_or_else(unauth)?;
        let user = s.store.session_user(&auth::token_hash(&token), auth::now_unix())?.ok_or_else(unauth)?;
        Ok(Auth { user, client })
    }
}

impl Auth {
    fn audit(&self, s: &AppState, aksi: &str, objek: &str, rincian: &str) {
        if let Err(e) = s.store.audit(Some(&self.user.login), aksi, objek, rincian, &self.client.addr) {
            eprintln!("renja serve: log audit gagal ditulis: {e}");
        }
    }
}

fn json_status<T: Serialize>(status: StatusCode, v: &T) -> Response {
    (status, Json(v)).into_response()
}
fn ok<T: Serialize>(v: &T) -> R {
    Ok(json_status(StatusCode::OK, v))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> R<T> + Send + 'static) -> R<T> {
    tokio::task::spawn_blocking(f).await.map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "galat internal server"))?
}

pub fn router(state: S) -> Router {
    let api = Router::new()
        .route("/sesi", get(sesi_get).post(sesi_masuk).delete(sesi_keluar))
        .route("/opd", get(opd_list).post(opd_baru))
        .route("/pengguna", get(pengguna_list).post(pengguna_baru))
        .route("/edisi", get(edisi_list).post(edisi_baru))
        .route("/edisi/{id}", get(edisi_get))
        .route("/edisi/{id}/revisi", get(revisi_list).post(revisi_simpan))
        .route("/edisi/{id}/revisi/{rev}", get(revisi_get))
        .route("/edisi/{id}/revisi/{rev}/berkas/{*path}", get(berkas_get))
        .route("/edisi/{id}/revisi/{rev}/periksa", get(periksa))
        .route("/edisi/{id}/revisi/{rev}/susun/{format}", get(susun))
        .route("/edisi/{id}/beda", get(beda))
        .route("/edisi/{id}/impor", post(impor).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .route("/edisi/{id}/ekspor", get(ekspor))
        .route("/edisi/{id}/langkah", post(langkah))
        .route("/edisi/{id}/komentar", get(komentar_list).post(komentar_baru))
        .route("/edisi/{id}/xlsx", post(xlsx_unggah).layer(DefaultBodyLimit::max(IMPORT_LIMIT)))
        .route("/edisi/{id}/finalkan", post(finalkan))
        .route("/edisi/{id}/tandatangani", post(tandatangani).layer(DefaultBodyLimit::max(SIGN_LIMIT)))
        .route("/edisi/{id}/arsipkan", post(arsipkan))
        .route("/edisi/{id}/final", get(final_list))
        .route("/edisi/{id}/final/{jenis}", get(final_unduh))
        .route("/arsip", get(arsip_list))
        .route("/arsip/beda", get(arsip_beda))
        .route("/arsip/{aid}", get(arsip_get))
        .route("/arsip/{aid}/berkas/{*path}", get(arsip_berkas))
        .route("/arsip/{aid}/verifikasi", get(arsip_verifikasi))
        .route("/audit", get(audit_list))
        .route("/openapi.json", get(openapi_json))
        .route("/edisi/{id}/pratinjau", get(super::pratinjau::socket))
        .route("/edisi/{id}/tabel/{nama}", post(tabel))
        .route("/edisi/{id}/catatan", get(catatan_alur))
        .route("/edisi/{id}/revisi/{rev}/kosakata", get(kosakata))
        .fallback(|| async { not_found("alamat API") });
    Router::new()
        .nest("/api/v1", api)
        .merge(super::web::routes())
        .fallback(|| async { not_found("halaman") })
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

// ---------------------------------------------------------------- the OpenAPI document

#[derive(OpenApi)]
#[openapi(
    info(title = "renja serve", description = "Layanan dokumen Renja: edisi, revisi, pengguna, peran, alur kerja. Masuk melalui POST /api/v1/sesi; sesi dibawa cookie renja_sesi."),
    paths(
        sesi_get, sesi_masuk, sesi_keluar, opd_list, opd_baru, pengguna_list, pengguna_baru, edisi_list, edisi_baru, edisi_get,
        revisi_list, revisi_simpan, revisi_get, berkas_get, periksa, susun, beda, impor, ekspor, langkah, komentar_list, komentar_baru,
        audit_list, finalkan, tandatangani, arsipkan, final_list, final_unduh, arsip_list, arsip_beda, arsip_get, arsip_berkas,
        arsip_verifikasi, xlsx_unggah
    ),
    // Format appears only as a path parameter, which utoipa does not collect by itself.
    components(schemas(engine::Format)),
    modifiers(&CookieAuth),
    security(("sesi" = []))
)]
pub struct ApiDoc;

struct CookieAuth;

impl utoipa::Modify for CookieAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("sesi", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::COOKIE))));
    }
}

/// The OpenAPI document (public: it describes the API, not its data).
async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

// ---------------------------------------------------------------- sessions

#[derive(Deserialize, ToSchema)]
struct Login {
    login: String,
    sandi: String,
}

#[utoipa::path(get, path = "/api/v1/sesi", tag = "sesi", responses((status = 200, body = User), (status = 401, description = "Belum masuk", body = Galat)))]
async fn sesi_get(a: Auth) -> R {
    ok(&a.user)
}

#[utoipa::path(post, path = "/api/v1/sesi", tag = "sesi", request_body = Login, security(()), responses((status = 200, description = "Masuk; cookie sesi dipasang", body = User), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat), (status = 429, description = "Terlalu banyak percobaan", body = Galat)))]
async fn sesi_masuk(State(s): State<S>, axum::Extension(client): axum::Extension<Client>, Body(b): Body<Login>) -> R {
    let login = b.login.trim().to_lowercase();
    let keys = vec![(format!("login:{login}"), auth::THROTTLE_LIMIT), (format!("alamat:{}", client.addr), auth::THROTTLE_ADDRESS_LIMIT)];
    if let Some(wait) = s.throttle.blocked(&keys) {
        let _ = s.store.audit(Some(&login), "masuk_ditahan", "sesi", "terlalu banyak percobaan", &client.addr);
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, format!("terlalu banyak percobaan masuk yang gagal; coba lagi dalam {wait} detik")));
    }
    let found = s.store.user_by_login(&login)?;
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| auth::dummy_hash().to_string());
    let sandi = b.sandi;
    let good = tokio::task::spawn_blocking(move || auth::verify_password(&sandi, &hash)).await.unwrap_or(false);
    let user = match (found, good) {
        (Some((u, _)), true) => u,
        _ => {
            s.throttle.fail(&keys);
            let _ = s.store.audit(Some(&login), "masuk_gagal", "sesi", "", &client.addr);
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "login atau sandi salah"));
        }
    };
    s.throttle.succeed(&keys[0].0);
    let token = auth::new_token();
    s.store.create_session(&auth::token_hash(&token), user.id, auth::now_unix() + auth::SESSION_SECS)?;
    s.store.audit(Some(&user.login), "masuk", "sesi", "", &client.addr)?;
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        auth::COOKIE,
        auth::SESSION_SECS,
        if client.secure { "; Secure" } else { "" }
    );
    let mut r = json_status(StatusCode::OK, &user);
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|_| bad("cookie"))?);
    Ok(r)
}

#[utoipa::path(delete, path = "/api/v1/sesi", tag = "sesi", responses((status = 204, description = "Keluar"), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat)))]
async fn sesi_keluar(State(s): State<S>, a: Auth, headers: HeaderMap) -> R {
    if let Some(t) = session_token(&headers) {
        s.store.delete_session(&auth::token_hash(&t))?;
    }
    a.audit(&s, "keluar", "sesi", "");
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", auth::COOKIE)).map_err(|_| bad("cookie"))?,
    );
    Ok(r)
}

// ---------------------------------------------------------------- agencies and people

#[utoipa::path(get, path = "/api/v1/opd", tag = "opd", responses((status = 200, body = [Opd]), (status = 401, description = "Belum masuk", body = Galat)))]
async fn opd_list(State(s): State<S>, _a: Auth) -> R {
    ok(&s.store.list_opd()?)
}

fn need_text(field: &str, v: &str, max: usize) -> R<()> {
    if v.trim().is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("kolom '{field}' wajib diisi")));
    }
    if v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("kolom '{field}': paling banyak {max} karakter, tanpa karakter kendali")));
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/opd", tag = "opd", request_body = NewOpd, responses((status = 201, body = Opd), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn opd_baru(State(s): State<S>, a: Auth, Body(b): Body<NewOpd>) -> R {
    if !is_admin(&a.user) {
        return Err(forbidden());
    }
    need_text("kode", &b.kode, 64)?;
    need_text("nama", &b.nama, 300)?;
    if b.kepala.chars().count() > 300 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "kolom 'kepala': paling banyak 300 karakter"));
    }
    let o = s.store.create_opd(&b)?;
    a.audit(&s, "opd_baru", &format!("opd/{}", o.id), &o.kode);
    Ok(json_status(StatusCode::CREATED, &o))
}

#[utoipa::path(get, path = "/api/v1/pengguna", tag = "pengguna", responses((status = 200, body = [User]), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat)))]
async fn pengguna_list(State(s): State<S>, a: Auth) -> R {
    if !is_admin(&a.user) {
        return Err(forbidden());
    }
    ok(&s.store.list_users()?)
}

#[derive(Deserialize, ToSchema)]
struct UserBody {
    login: String,
    nama: String,
    #[serde(default)]
    nip: String,
    sandi: String,
    peran: Vec<Grant>,
}

/// Checks a new account's fields; shared with `serve init` and `--contoh`.
pub fn validate_user(login: &str, nama: &str, sandi: &str, peran: &[Grant]) -> Result<(), String> {
    if login.len() < 3 || login.len() > 64 || !login.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)) {
        return Err("login: 3–64 karakter huruf kecil, angka, '.', '_' atau '-'".into());
    }
    if nama.trim().is_empty() || nama.chars().count() > 200 {
        return Err("nama wajib diisi (paling banyak 200 karakter)".into());
    }
    if sandi.chars().count() < 10 || sandi.len() > 1024 {
        return Err("sandi paling sedikit 10 karakter".into());
    }
    if peran.is_empty() {
        return Err("peran: paling sedikit satu peran".into());
    }
    for g in peran {
        match (g.peran.per_opd(), g.opd) {
            (true, None) => return Err(format!("peran {} memerlukan 'opd'", g.peran.as_str())),
            (false, Some(_)) => return Err(format!("peran {} berlaku untuk semua OPD; hapus 'opd'", g.peran.as_str())),
            _ => {}
        }
    }
    if peran.iter().filter(|g| g.peran == Role::Penandatangan).count() > 1 {
        return Err("penandatangan adalah kepala satu OPD".into());
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/pengguna", tag = "pengguna", request_body = UserBody, responses((status = 201, body = User), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn pengguna_baru(State(s): State<S>, a: Auth, Body(b): Body<UserBody>) -> R {
    if !is_admin(&a.user) {
        return Err(forbidden());
    }
    let login = b.login.trim().to_string();
    validate_user(&login, &b.nama, &b.sandi, &b.peran).map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    if b.nip.chars().count() > 32 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "NIP paling banyak 32 karakter"));
    }
    let sandi = b.sandi;
    let hash = blocking(move || auth::hash_password(&sandi).map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))).await?;
    let u = s.store.create_user(&NewUser { login, nama: b.nama, nip: b.nip, hash, peran: b.peran })?;
    a.audit(&s, "pengguna_baru", &format!("pengguna/{}", u.id), &u.login);
    Ok(json_status(StatusCode::CREATED, &u))
}

// ---------------------------------------------------------------- editions

/// The edition if the user may read it; otherwise 404 (an edition of another OPD is not
/// revealed).
fn readable(s: &AppState, a: &Auth, id: i64) -> R<Edition> {
    match s.store.edition(id)? {
        Some(e) if can_read(&a.user, &e) => Ok(e),
        _ => Err(not_found("edisi")),
    }
}

#[utoipa::path(get, path = "/api/v1/edisi", tag = "edisi", responses((status = 200, body = [Edition]), (status = 401, description = "Belum masuk", body = Galat)))]
async fn edisi_list(State(s): State<S>, a: Auth) -> R {
    let list: Vec<Edition> = s.store.list_editions()?.into_iter().filter(|e| can_read(&a.user, e)).collect();
    ok(&list)
}

#[derive(Deserialize, ToSchema)]
struct EditionBody {
    opd: i64,
    tahun: i32,
    jenis: String,
    #[serde(default)]
    revisi: u32,
}

#[utoipa::path(post, path = "/api/v1/edisi", tag = "edisi", request_body = EditionBody, responses((status = 201, body = Edition), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn edisi_baru(State(s): State<S>, a: Auth, Body(b): Body<EditionBody>) -> R {
    if !can_write(&a.user, b.opd) {
        return Err(forbidden());
    }
    if !(2000..=2100).contains(&b.tahun) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("tahun {} di luar 2000–2100", b.tahun)));
    }
    if b.jenis != "murni" && b.jenis != "perubahan" {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("jenis '{}' tidak dikenal; yang diharapkan 'murni' atau 'perubahan'", b.jenis)));
    }
    if b.revisi > 99 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "revisi paling besar 99"));
    }
    let e = s.store.create_edition(&NewEdition { opd: b.opd, tahun: b.tahun, jenis: b.jenis, revisi: b.revisi })?;
    a.audit(&s, "edisi_baru", &format!("edisi/{}", e.id), &format!("{} {} r{}", e.jenis, e.tahun, e.revisi));
    Ok(json_status(StatusCode::CREATED, &e))
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}", tag = "edisi", params(("id" = i64, Path, description = "Id edisi")), responses((status = 200, body = Edition), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn edisi_get(State(s): State<S>, a: Auth, P(id): P<i64>) -> R {
    ok(&readable(&s, &a, id)?)
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/revisi", tag = "revisi", params(("id" = i64, Path, description = "Id edisi")), responses((status = 200, body = [Revision]), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn revisi_list(State(s): State<S>, a: Auth, P(id): P<i64>) -> R {
    readable(&s, &a, id)?;
    ok(&s.store.history(id)?)
}

fn known_revision(s: &AppState, id: i64, rev: &str) -> R<store::Revision> {
    s.store.revision(id, rev)?.ok_or_else(|| not_found("revisi"))
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/revisi/{rev}", tag = "revisi", params(("id" = i64, Path, description = "Id edisi"), ("rev" = String, Path, description = "Id revisi (SHA-256)")), responses((status = 200, body = RevisionFiles), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn revisi_get(State(s): State<S>, a: Auth, P((id, rev)): P<(i64, String)>) -> R {
    readable(&s, &a, id)?;
    let r = known_revision(&s, id, &rev)?;
    let files = s.store.files(&r.id)?;
    ok(&RevisionFiles { revisi: r, berkas: files })
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/revisi/{rev}/berkas/{path}", tag = "revisi", params(("id" = i64, Path, description = "Id edisi"), ("rev" = String, Path, description = "Id revisi (SHA-256)"), ("path" = String, Path, description = "Nama berkas, mis. bab/01-pendahuluan.md")), responses((status = 200, description = "Isi berkas", content((String = "text/markdown"), (String = "application/toml"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn berkas_get(State(s): State<S>, a: Auth, P((id, rev, path)): P<(i64, String, String)>) -> R {
    readable(&s, &a, id)?;
    let r = known_revision(&s, id, &rev)?;
    names::validate(&path).map_err(bad)?;
    let f = s.store.files(&r.id)?.into_iter().find(|f| f.path == path).ok_or_else(|| not_found(&format!("berkas '{path}'")))?;
    let bytes = s.store.object(&f.sha256)?;
    let ctype = if path.ends_with(".md") {
        "text/markdown; charset=utf-8"
    } else if path.ends_with(".toml") {
        "application/toml; charset=utf-8"
    } else if path.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    Ok(([(header::CONTENT_TYPE, ctype)], bytes).into_response())
}

/// The files of a revision with their bytes.
fn revision_files(s: &AppState, rev: &str) -> R<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for f in s.store.files(rev)? {
        let b = s.store.object(&f.sha256)?;
        out.push((f.path, b));
    }
    Ok(out)
}

async fn run_check(s: &S, edisi: i64, rev: &str) -> R<Vec<renja_core::diag::Diagnostic>> {
    Ok(run_check_cached(s, edisi, rev).await?.0)
}

/// `check` of a revision, from the check cache when it was computed before (a revision id
/// names its sources for good: the result never goes stale); `true` when it came from the cache.
/// Saves fill the cache, so the dashboard's last check result costs nothing (see
/// super::web::check_cache).
async fn run_check_cached(s: &S, edisi: i64, rev: &str) -> R<(Vec<renja_core::diag::Diagnostic>, bool)> {
    if let Some(d) = super::web::check_cache::get(rev) {
        return Ok((d, true));
    }
    let d = run_check_uncached(s, edisi, rev).await?;
    super::web::check_cache::put(rev, &d);
    Ok((d, false))
}

async fn run_check_uncached(s: &S, edisi: i64, rev: &str) -> R<Vec<renja_core::diag::Diagnostic>> {
    let _permit = s.checks.acquire().await.map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server sedang berhenti"))?;
    let s2 = s.clone();
    let rev = rev.to_string();
    blocking(move || {
        let files = revision_files(&s2, &rev)?;
        s2.checker.check(edisi, &files).map_err(|m| {
            eprintln!("renja serve: pemeriksaan gagal: {m}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "pemeriksaan gagal di server")
        })
    })
    .await
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct Galat {
    pub galat: String,
}

/// A conflict: a save on a stale base names the head and the files changed since the base.
#[derive(Serialize, ToSchema)]
pub struct Konflik {
    pub galat: String,
    pub kepala: Option<String>,
    pub berubah: Option<Vec<String>>,
}

/// One diagnostic, located in the edition's sources.
#[derive(Serialize, ToSchema)]
pub struct Diagnostik {
    /// `error` or `warning`.
    pub severity: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Periksa {
    pub kesalahan: usize,
    pub peringatan: usize,
    #[schema(value_type = Vec<Diagnostik>)]
    pub diagnostik: Vec<renja_core::diag::Diagnostic>,
}

#[derive(Serialize, ToSchema)]
pub struct Saved {
    pub revisi: store::Revision,
    pub periksa: Periksa,
}

#[derive(Serialize, ToSchema)]
pub struct RevisionFiles {
    pub revisi: store::Revision,
    pub berkas: Vec<store::FileRef>,
}

#[derive(Serialize, ToSchema)]
struct Beda {
    dari: String,
    ke: String,
    berkas: Vec<FileDiff>,
}

fn diag_json(d: Vec<renja_core::diag::Diagnostic>) -> Periksa {
    let errors = d.iter().filter(|x| x.severity == renja_core::diag::Severity::Error).count();
    Periksa { kesalahan: errors, peringatan: d.len() - errors, diagnostik: d }
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/revisi/{rev}/periksa", tag = "revisi", params(("id" = i64, Path, description = "Id edisi"), ("rev" = String, Path, description = "Id revisi (SHA-256)")), responses((status = 200, body = Periksa), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn periksa(State(s): State<S>, a: Auth, P((id, rev)): P<(i64, String)>) -> R {
    readable(&s, &a, id)?;
    let r = known_revision(&s, id, &rev)?;
    let (d, cached) = run_check_cached(&s, id, &r.id).await?;
    let mut res = ok(&diag_json(d))?;
    res.headers_mut().insert(header::HeaderName::from_static("x-renja-periksa"), axum::http::HeaderValue::from_static(if cached { "tembolok" } else { "dihitung" }));
    Ok(res)
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/revisi/{rev}/susun/{format}", tag = "revisi",
    params(("id" = i64, Path, description = "Id edisi"), ("rev" = String, Path, description = "Id revisi (SHA-256)"), ("format" = engine::Format, Path, description = "pdf, docx atau json")),
    responses(
        (status = 200, description = "Dokumen rancangan", content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (serde_json::Value = "application/json"))),
        (status = 401, description = "Belum masuk", body = Galat),
        (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat),
        (status = 422, description = "Sumber masih memiliki kesalahan (diagnostik)", body = Galat),
        (status = 503, description = "Antrean penyusunan penuh", body = Galat)))]
async fn susun(State(s): State<S>, a: Auth, P((id, rev, format)): P<(i64, String, String)>) -> R {
    readable(&s, &a, id)?;
    let r = known_revision(&s, id, &rev)?;
    let format = match format.as_str() {
        "pdf" => engine::Format::Pdf,
        "docx" => engine::Format::Docx,
        "json" => engine::Format::Json,
        _ => return Err(not_found(&format!("format '{}' (yang dikenal: pdf, docx, json)", format.chars().take(20).collect::<String>()))),
    };
    let manifest: Vec<(String, String)> = s.store.files(&r.id)?.into_iter().map(|f| (f.path, f.sha256)).collect();
    let key = s.renders.key(&manifest, format);
    let (s2, rid) = (s.clone(), r.id.clone());
    match s.renders.get_via_jobs(key, format, r.id.clone(), move || revision_files(&s2, &rid).map_err(|e| e.galat)).await {
        super::render::Outcome::Done(bytes, origin) => {
            a.audit(&s, "unduh", &format!("edisi/{id}/revisi/{}", r.id), format.ext());
            Ok((
                [
                    (header::CONTENT_TYPE, format.content_type().to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"edisi-{id}-{}.{}\"", &r.id[..12], format.ext())),
                    (header::HeaderName::from_static("x-renja-susun"), origin.as_str().to_string()),
                ],
                (*bytes).clone(),
            )
                .into_response())
        }
        super::render::Outcome::Failed(engine::RenderFail::Sources(d)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("dokumen tidak dapat disusun: sumber memiliki {} kesalahan; lihat diagnostik", d.len()),
        )
        .with(json!({ "diagnostik": d }))),
        super::render::Outcome::Failed(engine::RenderFail::Internal(m)) => {
            eprintln!("renja serve: penyusunan gagal: {m}");
            Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "penyusunan gagal di server"))
        }
        super::render::Outcome::Busy => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "antrean penyusunan penuh; coba lagi dalam 5 detik")),
    }
}

#[derive(Deserialize, ToSchema)]
struct SaveBody {
    /// The revision the edit was based on (null for an edition's first save).
    dasar: Option<String>,
    pesan: String,
    /// Path → new text, or null to remove the file.
    berkas: BTreeMap<String, Option<String>>,
}

fn may_save(a: &Auth, e: &Edition) -> R<()> {
    if !can_write(&a.user, e.opd) {
        return Err(forbidden());
    }
    if !workflow::editable(&e.status) {
        return Err(ApiError::new(StatusCode::CONFLICT, format!("edisi berstatus '{}' tidak dapat diubah; hanya edisi 'draf' yang dapat disimpan", e.status)));
    }
    Ok(())
}

async fn store_save(s: &S, a: &Auth, save: Save) -> R {
    let s2 = s.clone();
    let id = save.edisi;
    let result = blocking(move || Ok(s2.store.save(save))).await?;
    match result {
        Ok(r) => {
            let d = run_check(s, r.edisi, &r.id).await?;
            Ok(json_status(StatusCode::CREATED, &Saved { revisi: r, periksa: diag_json(d) }))
        }
        Err(e @ store::Error::Conflict(_)) => {
            a.audit(s, "simpan_ditolak", &format!("edisi/{id}"), "revisi dasar usang");
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/revisi", tag = "revisi", params(("id" = i64, Path, description = "Id edisi")), request_body = SaveBody, responses((status = 201, body = Saved), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn revisi_simpan(State(s): State<S>, a: Auth, P(id): P<i64>, Body(b): Body<SaveBody>) -> R {
    let e = readable(&s, &a, id)?;
    may_save(&a, &e)?;
    need_text("pesan", &b.pesan, 2000)?;
    if b.berkas.is_empty() {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "kolom 'berkas' kosong: tidak ada yang disimpan"));
    }
    let mut files = Vec::new();
    for (path, text) in b.berkas {
        names::validate(&path).map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
        if text.is_some() && !names::is_text(&path) {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("berkas '{path}' bukan teks; kirim gambar melalui impor")));
        }
        files.push((path, text.map(String::into_bytes)));
    }
    let save = Save { edisi: id, dasar: b.dasar, penulis: a.user.id, pesan: b.pesan, berkas: files, replace_all: false, aksi: "simpan".into(), alamat: a.client.addr.clone() };
    store_save(&s, &a, save).await
}

#[derive(Deserialize)]
struct ImportQuery {
    dasar: Option<String>,
    pesan: Option<String>,
}

/// Unpacks an edition folder sent as a zip: every entry must be a known file name; sizes and
/// counts are bounded before anything is read.
pub fn unzip(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| "badan permintaan bukan berkas zip yang sah".to_string())?;
    if z.len() > IMPORT_FILES_LIMIT {
        return Err(format!("zip berisi {} entri; paling banyak {IMPORT_FILES_LIMIT}", z.len()));
    }
    let mut total = 0u64;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(|e| format!("entri zip ke-{} tidak dapat dibaca: {e}", i + 1))?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        names::validate(&name)?;
        total += f.size();
        if total > IMPORT_EXPANDED_LIMIT {
            return Err(format!("isi zip melebihi {} MiB", IMPORT_EXPANDED_LIMIT / 1024 / 1024));
        }
        let mut buf = Vec::with_capacity(f.size().min(IMPORT_EXPANDED_LIMIT) as usize);
        f.by_ref().take(IMPORT_EXPANDED_LIMIT + 1).read_to_end(&mut buf).map_err(|e| format!("entri zip '{name}' rusak: {e}"))?;
        if buf.len() as u64 != f.size() {
            return Err(format!("entri zip '{name}' rusak: ukuran tidak sesuai"));
        }
        out.push((name, buf));
    }
    if out.is_empty() {
        return Err("zip tidak berisi berkas edisi".into());
    }
    Ok(out)
}

/// A revision's files as a zip (deflate, fixed timestamps so the same revision gives the same
/// bytes).
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).last_modified_time(zip::DateTime::default());
    for (p, b) in files {
        w.start_file(p.as_str(), opts).map_err(|e| e.to_string())?;
        w.write_all(b).map_err(|e| e.to_string())?;
    }
    Ok(w.finish().map_err(|e| e.to_string())?.into_inner())
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/impor", tag = "revisi", params(("id" = i64, Path, description = "Id edisi"), ("dasar" = Option<String>, Query, description = "Revisi dasar"), ("pesan" = Option<String>, Query, description = "Pesan revisi")), request_body(content = Vec<u8>, content_type = "application/zip", description = "Folder edisi sebagai zip"), responses((status = 201, body = Saved), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn impor(State(s): State<S>, a: Auth, P(id): P<i64>, Q(q): Q<ImportQuery>, headers: HeaderMap, body: axum::body::Bytes) -> R {
    let e = readable(&s, &a, id)?;
    may_save(&a, &e)?;
    if !header_str(&headers, "content-type").is_some_and(|c| c.starts_with("application/zip")) {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "impor memerlukan berkas zip (Content-Type: application/zip)"));
    }
    let files = unzip(&body).map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    let pesan = q.pesan.unwrap_or_else(|| "Impor folder edisi".into());
    need_text("pesan", &pesan, 2000)?;
    let save = Save { edisi: id, dasar: q.dasar, penulis: a.user.id, pesan, berkas: files.into_iter().map(|(p, b)| (p, Some(b))).collect(), replace_all: true, aksi: "impor".into(), alamat: a.client.addr.clone() };
    store_save(&s, &a, save).await
}

#[derive(Deserialize)]
struct ExportQuery {
    revisi: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/ekspor", tag = "revisi", params(("id" = i64, Path, description = "Id edisi"), ("revisi" = Option<String>, Query, description = "Revisi (bawaan: terbaru)")), responses((status = 200, description = "Berkas edisi sebagai zip", content_type = "application/zip", body = Vec<u8>), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn ekspor(State(s): State<S>, a: Auth, P(id): P<i64>, Q(q): Q<ExportQuery>) -> R {
    let e = readable(&s, &a, id)?;
    let rev = match q.revisi {
        Some(r) => known_revision(&s, id, &r)?.id,
        None => e.kepala.clone().ok_or_else(|| not_found("revisi"))?,
    };
    let s2 = s.clone();
    let rev2 = rev.clone();
    let bytes = blocking(move || {
        let files = revision_files(&s2, &rev2)?;
        zip_files(&files).map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))
    })
    .await?;
    a.audit(&s, "unduh", &format!("edisi/{id}/revisi/{rev}"), "zip sumber");
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"edisi-{id}-{}.zip\"", &rev[..12])),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct DiffQuery {
    dari: String,
    ke: String,
}

#[derive(Serialize, ToSchema)]
struct FileDiff {
    path: String,
    /// `baru`, `dihapus` or `diubah`.
    status: &'static str,
    /// A unified diff (text files).
    beda: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/beda", tag = "revisi", params(("id" = i64, Path, description = "Id edisi"), ("dari" = String, Query, description = "Revisi awal"), ("ke" = String, Query, description = "Revisi akhir")), responses((status = 200, body = Beda), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn beda(State(s): State<S>, a: Auth, P(id): P<i64>, Q(q): Q<DiffQuery>) -> R {
    readable(&s, &a, id)?;
    let from = known_revision(&s, id, &q.dari)?;
    let to = known_revision(&s, id, &q.ke)?;
    let fa: BTreeMap<String, String> = s.store.files(&from.id)?.into_iter().map(|f| (f.path, f.sha256)).collect();
    let fb: BTreeMap<String, String> = s.store.files(&to.id)?.into_iter().map(|f| (f.path, f.sha256)).collect();
    let mut out = Vec::new();
    for path in super::sqlite::changed(&fa, &fb) {
        let text = |sha: Option<&String>| -> R<String> {
            Ok(match sha {
                Some(h) => String::from_utf8_lossy(&s.store.object(h)?).into_owned(),
                None => String::new(),
            })
        };
        let status = match (fa.get(&path), fb.get(&path)) {
            (None, _) => "baru",
            (_, None) => "dihapus",
            _ => "diubah",
        };
        let beda = if names::is_text(&path) {
            let (old, new) = (text(fa.get(&path))?, text(fb.get(&path))?);
            Some(similar::TextDiff::from_lines(&old, &new).unified_diff().header(&format!("a/{path}"), &format!("b/{path}")).to_string())
        } else {
            None
        };
        out.push(FileDiff { path, status, beda });
    }
    ok(&Beda { dari: from.id, ke: to.id, berkas: out })
}

// ---------------------------------------------------------------- workflow

#[derive(Deserialize, ToSchema)]
struct StepBody {
    langkah: workflow::Step,
    #[serde(default)]
    catatan: String,
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/langkah", tag = "alur", params(("id" = i64, Path, description = "Id edisi")), request_body = StepBody, responses((status = 200, body = Edition), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn langkah(State(s): State<S>, a: Auth, P(id): P<i64>, Body(b): Body<StepBody>) -> R {
    let e = readable(&s, &a, id)?;
    if b.langkah.has_endpoint() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("langkah '{0}' dijalankan melalui POST /api/v1/edisi/{id}/{0}", b.langkah.as_str()),
        ));
    }
    if !b.langkah.allowed(&a.user, e.opd) {
        a.audit(&s, "langkah_ditolak", &format!("edisi/{id}"), b.langkah.as_str());
        return Err(forbidden());
    }
    let (from, to) = b.langkah.states();
    if e.status != from {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("langkah '{}' hanya dari status '{from}'; status edisi sekarang '{}'", b.langkah.as_str(), e.status),
        ));
    }
    if b.langkah == workflow::Step::Ajukan && e.kepala.is_none() {
        return Err(ApiError::new(StatusCode::CONFLICT, "edisi belum memiliki revisi untuk diajukan"));
    }
    if b.langkah.needs_notes() {
        need_text("catatan", &b.catatan, 10_000)?;
    } else if b.catatan.chars().count() > 10_000 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "kolom 'catatan': paling banyak 10000 karakter"));
    }
    s.store.set_status(id, from, to)?;
    a.audit(&s, &format!("langkah_{}", b.langkah.as_str()), &format!("edisi/{id}"), &format!("{from} → {to}; revisi {}; {}", e.kepala.as_deref().unwrap_or("-"), b.catatan));
    ok(&s.store.edition(id)?)
}

// ---------------------------------------------------------------- comments

#[derive(Deserialize, ToSchema)]
struct CommentBody {
    revisi: String,
    berkas: String,
    baris: u32,
    isi: String,
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/komentar", tag = "komentar", params(("id" = i64, Path, description = "Id edisi")), responses((status = 200, body = [Comment]), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn komentar_list(State(s): State<S>, a: Auth, P(id): P<i64>) -> R {
    readable(&s, &a, id)?;
    ok(&s.store.comments(id)?)
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/komentar", tag = "komentar", params(("id" = i64, Path, description = "Id edisi")), request_body = CommentBody, responses((status = 201, body = Comment), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Konflik: revisi dasar usang, status salah, atau sudah ada", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat)))]
async fn komentar_baru(State(s): State<S>, a: Auth, P(id): P<i64>, Body(b): Body<CommentBody>) -> R {
    let e = readable(&s, &a, id)?;
    if !can_comment(&a.user, &e) {
        return Err(forbidden());
    }
    need_text("isi", &b.isi, 10_000)?;
    let r = known_revision(&s, id, &b.revisi)?;
    names::validate(&b.berkas).map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    let f = s.store.files(&r.id)?.into_iter().find(|f| f.path == b.berkas).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("berkas '{}' tidak ada dalam revisi ini", b.berkas))
    })?;
    let lines = String::from_utf8_lossy(&s.store.object(&f.sha256)?).lines().count().max(1) as u32;
    if b.baris == 0 || b.baris > lines {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("baris {} di luar berkas '{}' (1–{lines})", b.baris, b.berkas)));
    }
    let c = s.store.add_comment(&NewComment { edisi: id, revisi: r.id, berkas: b.berkas, baris: b.baris, penulis: a.user.id, isi: b.isi })?;
    a.audit(&s, "komentar", &format!("edisi/{id}/komentar/{}", c.id), &format!("{}:{}", c.berkas, c.baris));
    Ok(json_status(StatusCode::CREATED, &c))
}

// ---------------------------------------------------------------- workbook upload

#[derive(Deserialize)]
struct XlsxQuery {
    dasar: Option<String>,
    pesan: Option<String>,
    tabel: Option<String>,
    lembar: Option<String>,
    #[serde(default)]
    tulis: bool,
}

/// The report of a workbook upload and, when it was applied, the revision it saved.
#[derive(Serialize, ToSchema)]
struct XlsxReport {
    /// The report row by row, as `renja impor` prints it.
    laporan: String,
    ditambahkan: usize,
    diubah: usize,
    tidak_berubah: usize,
    ditolak: usize,
    /// The data file the rows go to, e.g. `data/rencana.toml`.
    berkas: String,
    /// The revision the report was made against.
    dasar: String,
    /// The saved revision and its check (`tulis=true`, no refused row, something changed).
    disimpan: Option<Saved>,
}

const XLSX_TYPES: [(&str, &str); 3] = [
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    ("application/vnd.ms-excel", "xls"),
];

#[utoipa::path(post, path = "/api/v1/edisi/{id}/xlsx", tag = "revisi",
    description = "Membaca buku kerja (tata letak SIPD, seperti `renja impor`) terhadap revisi dasar dan menampilkan laporannya baris demi baris; dengan tulis=true, bila tidak ada baris yang ditolak, menyimpan berkas data yang diperbarui sebagai revisi baru.",
    params(("id" = i64, Path, description = "Id edisi"), ("dasar" = Option<String>, Query, description = "Revisi dasar (bawaan: terbaru)"), ("pesan" = Option<String>, Query, description = "Pesan revisi"), ("tabel" = Option<String>, Query, description = "rencana, evaluasi atau rkpd (bawaan: dikenali dari kepala kolom)"), ("lembar" = Option<String>, Query, description = "Nama lembar"), ("tulis" = Option<bool>, Query, description = "Simpan sebagai revisi baru (bawaan: hanya laporan)")),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "Buku kerja .xlsx (juga .ods atau .xls dengan jenis isinya)"),
    responses((status = 200, description = "Laporan (tidak ada yang disimpan)", body = XlsxReport), (status = 201, description = "Disimpan sebagai revisi baru", body = XlsxReport), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Konflik: revisi dasar usang atau status salah", body = Konflik), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Buku kerja tidak dapat dibaca, atau baris ditolak", body = Galat)))]
async fn xlsx_unggah(State(s): State<S>, a: Auth, P(id): P<i64>, Q(q): Q<XlsxQuery>, headers: HeaderMap, body: axum::body::Bytes) -> R {
    let e = readable(&s, &a, id)?;
    may_save(&a, &e)?;
    let ctype = header_str(&headers, "content-type").unwrap_or("");
    let Some((_, ext)) = XLSX_TYPES.iter().find(|(t, _)| ctype.starts_with(t)) else {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unggah buku kerja .xlsx, .ods atau .xls dengan jenis isinya (Content-Type)"));
    };
    let dasar = match &q.dasar {
        Some(r) => known_revision(&s, id, r)?.id,
        None => e.kepala.clone().ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "edisi belum memiliki revisi; impor folder edisi dahulu"))?,
    };
    let pesan = q.pesan.clone().unwrap_or_else(|| "Impor buku kerja".into());
    need_text("pesan", &pesan, 2000)?;
    for (field, v) in [("tabel", &q.tabel), ("lembar", &q.lembar)] {
        if let Some(v) = v {
            need_text(field, v, 200)?;
        }
    }
    let (s2, d2, ext) = (s.clone(), dasar.clone(), ext.to_string());
    let (tabel, lembar) = (q.tabel.clone(), q.lembar.clone());
    let _permit = s.checks.acquire().await.map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server sedang berhenti"))?;
    let imp = blocking(move || {
        let files = revision_files(&s2, &d2)?;
        Ok(engine::import_workbook(&s2.data, &files, &body, &ext, tabel, lembar))
    })
    .await?
    .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    drop(_permit);
    let mut rep = XlsxReport {
        laporan: imp.laporan,
        ditambahkan: imp.ditambahkan,
        diubah: imp.diubah,
        tidak_berubah: imp.tidak_berubah,
        ditolak: imp.ditolak,
        berkas: imp.berkas,
        dasar: dasar.clone(),
        disimpan: None,
    };
    if !q.tulis {
        a.audit(&s, "xlsx_laporan", &format!("edisi/{id}"), &format!("{}: {} baris ditolak", rep.berkas, rep.ditolak));
        return ok(&rep);
    }
    if rep.ditolak > 0 {
        let extra = serde_json::to_value(&rep).unwrap_or(Value::Null);
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{} baris ditolak; tidak ada yang disimpan", rep.ditolak)).with(extra));
    }
    let Some(teks) = imp.teks_baru else {
        return ok(&rep);
    };
    names::validate(&rep.berkas).map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
    let save = Save {
        edisi: id,
        dasar: Some(dasar),
        penulis: a.user.id,
        pesan,
        berkas: vec![(rep.berkas.clone(), Some(teks.into_bytes()))],
        replace_all: false,
        aksi: "impor_xlsx".into(),
        alamat: a.client.addr.clone(),
    };
    let s3 = s.clone();
    match blocking(move || Ok(s3.store.save(save))).await? {
        Ok(r) => {
            let d = run_check(&s, r.edisi, &r.id).await?;
            rep.disimpan = Some(Saved { revisi: r, periksa: diag_json(d) });
            Ok(json_status(StatusCode::CREATED, &rep))
        }
        Err(e @ store::Error::Conflict(_)) => {
            a.audit(&s, "simpan_ditolak", &format!("edisi/{id}"), "revisi dasar usang");
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- final, signature, archive

/// Notes for a workflow step that has its own endpoint.
#[derive(Deserialize, ToSchema)]
struct NoteBody {
    #[serde(default)]
    catatan: String,
}

/// An edition with its frozen outputs and, once archived, its archive id.
#[derive(Serialize, ToSchema)]
struct Finalised {
    edisi: Edition,
    keluaran: Vec<store::Output>,
    arsip: Option<String>,
}

fn finalised(s: &AppState, id: i64) -> R<Finalised> {
    let edisi = s.store.edition(id)?.ok_or_else(|| not_found("edisi"))?;
    let arsip = s.store.archived()?.into_iter().find(|(_, e)| *e == id).map(|(a, _)| a);
    Ok(Finalised { edisi, keluaran: s.store.outputs(id)?, arsip })
}

/// The edition if `step` may be taken on it now by this user: 404 unreadable, 403 wrong role
/// (audited), 409 wrong state.
fn step_ready(s: &AppState, a: &Auth, id: i64, step: workflow::Step, catatan: &str) -> R<Edition> {
    let e = readable(s, a, id)?;
    if !step.allowed(&a.user, e.opd) {
        a.audit(s, "langkah_ditolak", &format!("edisi/{id}"), step.as_str());
        return Err(forbidden());
    }
    let (from, _) = step.states();
    if e.status != from {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("langkah '{}' hanya dari status '{from}'; status edisi sekarang '{}'", step.as_str(), e.status),
        ));
    }
    if catatan.chars().count() > 10_000 || catatan.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "kolom 'catatan': paling banyak 10000 karakter, tanpa karakter kendali"));
    }
    Ok(e)
}

fn busy_or_stopped(busy: bool) -> ApiError {
    if busy {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "antrean penyusunan penuh; coba lagi dalam 5 detik")
    } else {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "galat internal server")
    }
}

fn output_bytes(s: &AppState, id: i64, jenis: &str) -> R<(store::Output, Vec<u8>)> {
    let o = s.store.outputs(id)?.into_iter().find(|o| o.jenis == jenis).ok_or_else(|| not_found(&format!("keluaran '{jenis}'")))?;
    let b = s.store.object(&o.sha256)?;
    Ok((o, b))
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/finalkan", tag = "alur", params(("id" = i64, Path, description = "Id edisi")), request_body = NoteBody,
    description = "Membekukan revisi yang disetujui: PDF final (tanpa tanda RANCANGAN, dengan kolom tanda tangan kosong), DOCX dan JSON. Penyusun OPD itu; status disetujui → final.",
    responses((status = 200, body = Finalised), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Status salah atau berubah", body = Galat), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah atau sumber memiliki kesalahan", body = Galat), (status = 503, description = "Antrean penyusunan penuh", body = Galat)))]
async fn finalkan(State(s): State<S>, a: Auth, P(id): P<i64>, Body(b): Body<NoteBody>) -> R {
    let e = step_ready(&s, &a, id, workflow::Step::Finalkan, &b.catatan)?;
    let rev = e.kepala.clone().ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "edisi belum memiliki revisi"))?;
    let (s2, user, addr) = (s.clone(), a.user.id, a.client.addr.clone());
    let done = s
        .renders
        .run(move |assets| -> R<()> {
            let files = revision_files(&s2, &rev)?;
            let f = engine::render_final(&s2.data, assets, &files, &s2.arsip).map_err(|f| match f {
                engine::RenderFail::Sources(d) => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("dokumen final tidak dapat disusun: sumber memiliki {} kesalahan; lihat diagnostik", d.len()),
                )
                .with(json!({ "diagnostik": d })),
                engine::RenderFail::Internal(m) => {
                    eprintln!("renja serve: penyusunan final gagal: {m}");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "penyusunan final gagal di server")
                }
            })?;
            let rincian = format!(
                "disetujui → final; revisi {rev}; pdf {} docx {} json {}; {}",
                renja_archive::sha256_hex(&f.pdf),
                renja_archive::sha256_hex(&f.docx),
                renja_archive::sha256_hex(&f.json),
                b.catatan
            );
            s2.store.advance(store::Advance {
                edisi: id,
                from: "disetujui".into(),
                to: "final".into(),
                revisi: Some(rev),
                outputs: vec![("pdf".into(), f.pdf), ("docx".into(), f.docx), ("json".into(), f.json)],
                arsip: None,
                pengguna: user,
                aksi: "langkah_finalkan".into(),
                rincian,
                alamat: addr,
            })?;
            Ok(())
        })
        .await;
    done.map_err(busy_or_stopped)??;
    ok(&finalised(&s, id)?)
}

/// A signing request. Either a PKCS#12 file with its password (renja's own signer), or — when
/// the server is configured for BSrE — the signer's NIK with the BSrE passphrase or a TOTP code.
/// Nothing of it is stored or logged.
#[derive(Deserialize, ToSchema)]
struct SignBody {
    /// The PKCS#12 file (.p12/.pfx), base64 (at most 64 KiB decoded).
    #[serde(default)]
    p12: Option<String>,
    /// The password of the PKCS#12 file, or the BSrE passphrase.
    #[serde(default)]
    sandi: Option<String>,
    /// BSrE: the signer's NIK (16 digits).
    #[serde(default)]
    nik: Option<String>,
    /// BSrE: a TOTP code instead of the passphrase.
    #[serde(default)]
    totp: Option<String>,
}

fn sign_key(b: SignBody, bsre: bool) -> R<super::arsip::Key> {
    use base64::Engine as _;
    let invalid = |m: &str| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m.to_string());
    match (b.p12, b.nik) {
        (Some(p12), None) => {
            // The key and its password are wiped from memory when this request is done (the
            // request body's own buffer is freed, not wiped, by the HTTP layer).
            let p12 = zeroize::Zeroizing::new(p12);
            let sandi = zeroize::Zeroizing::new(b.sandi.ok_or_else(|| invalid("kolom 'sandi' (kata sandi berkas PKCS#12) wajib diisi"))?);
            if b.totp.is_some() {
                return Err(invalid("kolom 'totp' hanya untuk BSrE (bersama 'nik')"));
            }
            let data = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD.decode(p12.trim().as_bytes()).map_err(|_| invalid("kolom 'p12' bukan base64 yang sah"))?,
            );
            if data.is_empty() || data.len() > super::arsip::P12_LIMIT {
                return Err(invalid(&format!("kolom 'p12': berkas PKCS#12 1 bita sampai {} KiB", super::arsip::P12_LIMIT / 1024)));
            }
            Ok(super::arsip::Key::Pkcs12 { data, sandi })
        }
        (None, Some(nik)) => {
            if !bsre {
                return Err(invalid("server ini tidak diatur untuk BSrE (renja serve --bsre URL); kirim 'p12' dan 'sandi'"));
            }
            if nik.len() != 16 || !nik.bytes().all(|c| c.is_ascii_digit()) {
                return Err(invalid("kolom 'nik': NIK harus 16 angka"));
            }
            use renja_sign::bsre::Secret;
            let secret = match (b.sandi, b.totp) {
                (Some(p), None) if !p.is_empty() => Secret::Passphrase(p),
                (None, Some(t)) if !t.is_empty() => Secret::Totp(t),
                _ => return Err(invalid("untuk BSrE isi tepat satu dari 'sandi' (passphrase) atau 'totp'")),
            };
            Ok(super::arsip::Key::Bsre { nik, secret })
        }
        (Some(_), Some(_)) => Err(invalid("kirim 'p12' (kunci PKCS#12) atau 'nik' (BSrE), bukan keduanya")),
        (None, None) => Err(invalid("kirim 'p12' dan 'sandi' (kunci PKCS#12), atau 'nik' dengan 'sandi' atau 'totp' (BSrE)")),
    }
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/tandatangani", tag = "alur", params(("id" = i64, Path, description = "Id edisi")), request_body = SignBody,
    description = "Menandatangani PDF final dengan kunci PKCS#12 yang dikirim bersama permintaan ini (atau melalui BSrE bila server diatur untuk itu); kunci dan sandi tidak disimpan. Penandatangan OPD itu; status final → ditandatangani.",
    responses((status = 200, body = Finalised), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Status salah atau berubah", body = Galat), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Kunci, sandi atau isi tidak sah", body = Galat), (status = 502, description = "Layanan BSrE tidak dapat dihubungi", body = Galat), (status = 503, description = "Antrean penuh", body = Galat)))]
async fn tandatangani(State(s): State<S>, a: Auth, P(id): P<i64>, Body(b): Body<SignBody>) -> R {
    step_ready(&s, &a, id, workflow::Step::Tandatangani, "")?;
    let key = sign_key(b, s.bsre.is_some())?;
    let backend = match &key {
        super::arsip::Key::Pkcs12 { .. } => "PKCS#12",
        super::arsip::Key::Bsre { .. } => "BSrE",
    };
    let (final_pdf, rev) = {
        let (o, bytes) = output_bytes(&s, id, "pdf")?;
        (bytes, o.revisi)
    };
    let (s2, user, addr) = (s.clone(), a.user.id, a.client.addr.clone());
    let login = a.user.login.clone();
    let done = s
        .renders
        .run(move |assets| -> R<String> {
            let (signed, signer) = match super::arsip::sign(&final_pdf, key, assets, s2.bsre.as_deref(), &s2.anchors, s2.config.tsa.as_deref()) {
                Ok(x) => x,
                Err(fail) => {
                    let (status, m) = match fail {
                        super::arsip::SignFail::Refused(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
                        super::arsip::SignFail::Bsre(m, true) => (StatusCode::BAD_GATEWAY, m),
                        super::arsip::SignFail::Bsre(m, false) => (StatusCode::UNPROCESSABLE_ENTITY, m),
                    };
                    let _ = s2.store.audit(Some(&login), "tandatangani_gagal", &format!("edisi/{id}"), &format!("{backend}: {m}"), &addr);
                    return Err(ApiError::new(status, format!("dokumen tidak ditandatangani: {m}")));
                }
            };
            let rincian = format!("final → ditandatangani; revisi {rev}; {backend}; penandatangan {signer}; pdf_ttd {}", renja_archive::sha256_hex(&signed));
            s2.store.advance(store::Advance {
                edisi: id,
                from: "final".into(),
                to: "ditandatangani".into(),
                revisi: None,
                outputs: vec![("pdf_ttd".into(), signed)],
                arsip: None,
                pengguna: user,
                aksi: "langkah_tandatangani".into(),
                rincian,
                alamat: addr,
            })?;
            Ok(signer)
        })
        .await;
    done.map_err(busy_or_stopped)??;
    ok(&finalised(&s, id)?)
}

#[utoipa::path(post, path = "/api/v1/edisi/{id}/arsipkan", tag = "alur", params(("id" = i64, Path, description = "Id edisi")), request_body = NoteBody,
    description = "Memasukkan edisi bertanda tangan (sumber revisi yang disetujui, PDF final, PDF bertanda tangan, DOCX, JSON) ke arsip. Penandatangan OPD itu; status ditandatangani → diarsipkan.",
    responses((status = 200, body = Finalised), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat), (status = 409, description = "Status salah, atau arsip menolak edisi ini", body = Galat), (status = 413, description = "Badan permintaan terlalu besar", body = Galat), (status = 415, description = "Jenis isi salah", body = Galat), (status = 422, description = "Isi tidak sah", body = Galat), (status = 503, description = "Antrean penuh", body = Galat)))]
async fn arsipkan(State(s): State<S>, a: Auth, P(id): P<i64>, Body(b): Body<NoteBody>) -> R {
    step_ready(&s, &a, id, workflow::Step::Arsipkan, &b.catatan)?;
    let (o, signed) = output_bytes(&s, id, "pdf_ttd")?;
    let (s2, user, addr) = (s.clone(), a.user.id, a.client.addr.clone());
    let done = s
        .renders
        .run(move |_| -> R<()> {
            let files = revision_files(&s2, &o.revisi)?;
            let e = super::arsip::add(&s2.data, &s2.arsip, &files, &signed).map_err(|f| match f {
                super::arsip::AddFail::Refused(m) => ApiError::new(StatusCode::CONFLICT, format!("arsip menolak edisi ini: {m}")),
                super::arsip::AddFail::Unavailable(m) => arsip_err(renja_archive::Error::Unavailable(m)),
                super::arsip::AddFail::Internal(m) => {
                    eprintln!("renja serve: pengarsipan gagal: {m}");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "pengarsipan gagal di server")
                }
            })?;
            s2.store.advance(store::Advance {
                edisi: id,
                from: "ditandatangani".into(),
                to: "diarsipkan".into(),
                revisi: None,
                outputs: Vec::new(),
                arsip: Some(e.id.clone()),
                pengguna: user,
                aksi: "langkah_arsipkan".into(),
                rincian: format!("ditandatangani → diarsipkan; revisi {}; arsip {}; {}", o.revisi, e.id, b.catatan),
                alamat: addr,
            })?;
            Ok(())
        })
        .await;
    done.map_err(busy_or_stopped)??;
    ok(&finalised(&s, id)?)
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/final", tag = "alur", params(("id" = i64, Path, description = "Id edisi")), responses((status = 200, body = Finalised), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn final_list(State(s): State<S>, a: Auth, P(id): P<i64>) -> R {
    readable(&s, &a, id)?;
    ok(&finalised(&s, id)?)
}

#[utoipa::path(get, path = "/api/v1/edisi/{id}/final/{jenis}", tag = "alur",
    params(("id" = i64, Path, description = "Id edisi"), ("jenis" = String, Path, description = "pdf, docx, json atau pdf_ttd")),
    responses((status = 200, description = "Berkas final", content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (serde_json::Value = "application/json"))), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn final_unduh(State(s): State<S>, a: Auth, P((id, jenis)): P<(i64, String)>) -> R {
    readable(&s, &a, id)?;
    let (ctype, ext) = match jenis.as_str() {
        "pdf" => (engine::Format::Pdf.content_type(), "pdf"),
        "pdf_ttd" => (engine::Format::Pdf.content_type(), "ttd.pdf"),
        "docx" => (engine::Format::Docx.content_type(), "docx"),
        "json" => (engine::Format::Json.content_type(), "json"),
        _ => return Err(not_found(&format!("jenis '{}' (yang dikenal: pdf, pdf_ttd, docx, json)", jenis.chars().take(20).collect::<String>()))),
    };
    let (o, bytes) = output_bytes(&s, id, &jenis)?;
    a.audit(&s, "unduh", &format!("edisi/{id}/final/{jenis}"), &o.sha256);
    Ok((
        [(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"edisi-{id}-final.{ext}\""))],
        bytes,
    )
        .into_response())
}

/// The archive entries this user may read (service OPD and edition resolved), in archive order.
fn arsip_visible(s: &AppState, u: &User, store: &dyn renja_archive::Store) -> R<Vec<super::arsip::Entri>> {
    let by_id: BTreeMap<String, i64> = s.store.archived()?.into_iter().collect();
    let opds = s.store.list_opd()?;
    let list = store.list(&renja_archive::Filter::default()).map_err(arsip_err)?;
    let mut out = Vec::new();
    for e in list {
        let edisi = by_id.get(&e.id).copied();
        let opd = match edisi {
            Some(ed) => s.store.edition(ed)?.map(|x| x.opd),
            // Entries added outside the service: the OPD whose code (or name) the entry's key names.
            None => {
                let key = e.opd_kunci.rsplit('/').next().unwrap_or("");
                opds.iter().find(|o| o.kode == key || o.nama == key).map(|o| o.id)
            }
        };
        if auth::can_read_opd(u, opd) {
            out.push(super::arsip::entri(&e, edisi, opd));
        }
    }
    Ok(out)
}

fn arsip_err(e: renja_archive::Error) -> ApiError {
    match e {
        renja_archive::Error::NotFound(_) | renja_archive::Error::Ambiguous(..) => not_found("edisi arsip"),
        renja_archive::Error::Unavailable(m) => ApiError::from(store::Error::Unavailable(m)),
        e => {
            eprintln!("renja serve: arsip: {e}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "galat arsip di server")
        }
    }
}

/// Runs `f` on the blocking pool with the archive open (404 for any entry when there is none).
async fn with_arsip<T: Send + 'static>(s: &S, f: impl FnOnce(&AppState, &dyn renja_archive::Store) -> R<T> + Send + 'static) -> R<T> {
    let s2 = s.clone();
    blocking(move || match s2.arsip.reader() {
        Ok(Some(store)) => f(&s2, store.as_ref()),
        Ok(None) => Err(not_found("edisi arsip")),
        Err(e) => Err(arsip_err(e)),
    })
    .await
}

/// One entry by its exact id, if this user may read it (else 404).
fn arsip_entry(s: &AppState, u: &User, store: &dyn renja_archive::Store, aid: &str) -> R<super::arsip::Entri> {
    arsip_visible(s, u, store)?.into_iter().find(|e| e.id == aid).ok_or_else(|| not_found("edisi arsip"))
}

#[derive(Serialize, ToSchema)]
struct ArsipDetail {
    entri: super::arsip::Entri,
    berkas: Vec<super::arsip::Berkas>,
}

#[utoipa::path(get, path = "/api/v1/arsip", tag = "arsip", responses((status = 200, body = [super::arsip::Entri]), (status = 401, description = "Belum masuk", body = Galat)))]
async fn arsip_list(State(s): State<S>, a: Auth) -> R {
    let user = a.user.clone();
    let list = match with_arsip(&s, move |s, store| arsip_visible(s, &user, store)).await {
        Err(e) if e.status == StatusCode::NOT_FOUND => Vec::new(),
        x => x?,
    };
    ok(&list)
}

#[utoipa::path(get, path = "/api/v1/arsip/{aid}", tag = "arsip", params(("aid" = String, Path, description = "Id edisi arsip, mis. 2022-perubahan-r1-3fa9c2d1")), responses((status = 200, body = ArsipDetail), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn arsip_get(State(s): State<S>, a: Auth, P(aid): P<String>) -> R {
    let user = a.user.clone();
    let d = with_arsip(&s, move |s, store| {
        let entri = arsip_entry(s, &user, store, &aid)?;
        let berkas = super::arsip::berkas(store, &entri.id).map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
        Ok(ArsipDetail { entri, berkas })
    })
    .await?;
    ok(&d)
}

#[utoipa::path(get, path = "/api/v1/arsip/{aid}/berkas/{path}", tag = "arsip",
    params(("aid" = String, Path, description = "Id edisi arsip"), ("path" = String, Path, description = "Jalur berkas dalam arsip, mis. out/renja.ttd.pdf")),
    responses((status = 200, description = "Isi berkas", content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/octet-stream"))), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn arsip_berkas(State(s): State<S>, a: Auth, P((aid, path)): P<(String, String)>) -> R {
    let user = a.user.clone();
    let (aid2, path2) = (aid.clone(), path.clone());
    let bytes = with_arsip(&s, move |s, store| {
        let e = arsip_entry(s, &user, store, &aid2)?;
        match super::arsip::read(store, &e.id, &path2) {
            Ok(Some((_, b))) => Ok(b),
            Ok(None) => Err(not_found(&format!("berkas '{}'", path2.chars().take(200).collect::<String>()))),
            Err(m) => {
                eprintln!("renja serve: arsip: {m}");
                Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "berkas arsip rusak atau hilang; jalankan `renja archive verify`"))
            }
        }
    })
    .await?;
    a.audit(&s, "unduh", &format!("arsip/{aid}/{path}"), "");
    let ctype = if path.ends_with(".pdf") {
        "application/pdf"
    } else if path.ends_with(".docx") {
        engine::Format::Docx.content_type()
    } else {
        "application/octet-stream"
    };
    let name = path.rsplit('/').next().unwrap_or("berkas").replace('"', "");
    Ok(([(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], bytes).into_response())
}

#[derive(Deserialize)]
struct ArsipDiffQuery {
    dari: String,
    ke: String,
}

#[utoipa::path(get, path = "/api/v1/arsip/beda", tag = "arsip", params(("dari" = String, Query, description = "Id edisi arsip awal"), ("ke" = String, Query, description = "Id edisi arsip akhir")), responses((status = 200, body = super::arsip::Beda), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn arsip_beda(State(s): State<S>, a: Auth, Q(q): Q<ArsipDiffQuery>) -> R {
    let user = a.user.clone();
    let d = with_arsip(&s, move |s, store| {
        let (x, y) = (arsip_entry(s, &user, store, &q.dari)?, arsip_entry(s, &user, store, &q.ke)?);
        super::arsip::diff(store, &x.id, &y.id).map_err(|m| {
            eprintln!("renja serve: arsip: {m}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "perbandingan arsip gagal di server")
        })
    })
    .await?;
    ok(&d)
}

#[utoipa::path(get, path = "/api/v1/arsip/{aid}/verifikasi", tag = "arsip", params(("aid" = String, Path, description = "Id edisi arsip")), responses((status = 200, body = super::arsip::Verifikasi), (status = 401, description = "Belum masuk", body = Galat), (status = 404, description = "Tidak ditemukan atau tidak boleh dibaca", body = Galat)))]
async fn arsip_verifikasi(State(s): State<S>, a: Auth, P(aid): P<String>) -> R {
    let user = a.user.clone();
    let v = with_arsip(&s, move |s, store| {
        let e = arsip_entry(s, &user, store, &aid)?;
        super::arsip::verify(store, &e.id, &s.anchors, s.bsre.as_deref()).map_err(|m| {
            eprintln!("renja serve: arsip: {m}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "verifikasi arsip gagal di server")
        })
    })
    .await?;
    ok(&v)
}

// ---------------------------------------------------------------- audit

#[derive(Deserialize)]
struct AuditQuery {
    batas: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(("batas" = Option<i64>, Query, description = "Jumlah baris terbaru (1–10000)")), responses((status = 200, body = [AuditEntry]), (status = 400, description = "Permintaan tidak sah", body = Galat), (status = 401, description = "Belum masuk", body = Galat), (status = 403, description = "Tidak berwenang atau asal permintaan lain", body = Galat)))]
async fn audit_list(State(s): State<S>, a: Auth, Q(q): Q<AuditQuery>) -> R {
    if !is_admin(&a.user) {
        return Err(forbidden());
    }
    ok(&s.store.audit_log(q.batas.unwrap_or(200).clamp(1, 10_000))?)
}

// ---------------------------------------------------------------- the workspace's table grid (web)

#[derive(Deserialize)]
struct TabelBody {
    /// The revision the text is based on (default: the head); its other files are the context
    /// the computed cells are computed in.
    revisi: Option<String>,
    /// The data file's text as the browser has it (default: the revision's).
    teks: Option<String>,
    /// The edited rows of the grid of `teks`: when given, they are written into `teks`.
    baris: Option<Vec<super::web::tabel::Baris>>,
    /// Also compute the model (the computed cells: parent rows and totals).
    #[serde(default)]
    hitung: bool,
}

/// `POST /edisi/{id}/tabel/{nama}`: the grid of `data/{nama}.toml` (rows and columns) and, with
/// `baris`, the rows written back into the text with toml_edit (comments and order kept); with
/// `hitung`, the computed model of that table (`data.{nama}` of the export JSON) for the
/// revision with this text. Saves nothing: the browser puts the text into its unsaved draft.
async fn tabel(State(s): State<S>, a: Auth, P((id, nama)): P<(i64, String)>, Body(b): Body<TabelBody>) -> R {
    let e = readable(&s, &a, id)?;
    if nama.is_empty() || nama.len() > 100 || !nama.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_') {
        return Err(not_found("tabel"));
    }
    let path = format!("data/{nama}.toml");
    let rev = match &b.revisi {
        Some(r) => known_revision(&s, id, r)?.id,
        None => e.kepala.clone().ok_or_else(|| not_found("revisi"))?,
    };
    let mut files = revision_files(&s, &rev)?;
    let teks = match b.teks {
        Some(t) => t,
        None => files.iter().find(|(p, _)| *p == path).map(|(_, b)| String::from_utf8_lossy(b).into_owned()).ok_or_else(|| not_found("tabel"))?,
    };
    let teks = match &b.baris {
        Some(rows) => {
            may_save(&a, &e)?;
            super::web::tabel::write(&teks, rows).map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{path}: {m}")))?
        }
        None => teks,
    };
    let grid = super::web::tabel::read(&teks).map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{path}: {m}")))?;
    let mut hitung = Value::Null;
    let mut diagnostik = Vec::new();
    if b.hitung {
        files.retain(|(p, _)| *p != path);
        files.push((path.clone(), teks.clone().into_bytes()));
        let _permit = s.checks.acquire().await.map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server sedang berhenti"))?;
        let s2 = s.clone();
        let (model, d) = blocking(move || engine::model(&s2.data, &files).map_err(|m| {
            eprintln!("renja serve: model gagal: {m}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "perhitungan gagal di server")
        }))
        .await?;
        hitung = model.and_then(|m| m.get("data").and_then(|d| d.get(nama.replace('-', "_"))).cloned()).unwrap_or(Value::Null);
        diagnostik = d;
    }
    ok(&json!({ "berkas": path, "teks": teks, "larik": grid.larik, "kolom": grid.kolom, "baris": grid.baris, "letak": grid.letak, "hitung": hitung, "diagnostik": diagnostik }))
}

/// `GET /edisi/{id}/revisi/{rev}/kosakata`: the completion vocabulary of a revision for the
/// workspace's editor (template variables, filters, functions, tables; codes; the data files' row
/// fields), computed from its sources (super::web::kosakata). Whoever may read the edition.
async fn kosakata(State(s): State<S>, a: Auth, P((id, rev)): P<(i64, String)>) -> R {
    readable(&s, &a, id)?;
    let r = known_revision(&s, id, &rev)?;
    let _permit = s.checks.acquire().await.map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server sedang berhenti"))?;
    let s2 = s.clone();
    let v = blocking(move || {
        let files = revision_files(&s2, &r.id)?;
        super::web::kosakata::vocabulary(&s2.data, &files).map_err(|m| {
            eprintln!("renja serve: kosakata gagal: {m}");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "kosakata tidak dapat disusun di server")
        })
    })
    .await?;
    ok(&v)
}

/// `GET /edisi/{id}/catatan`: the edition's workflow steps, newest first, with the note given
/// (a returned edition's note for its author): `[{waktu, pengguna, langkah, dari, ke, catatan}]`,
/// from the audit log. Whoever may read the edition.
async fn catatan_alur(State(s): State<S>, a: Auth, P(id): P<i64>) -> R {
    readable(&s, &a, id)?;
    let list: Vec<Value> = s
        .store
        .audit_of(&format!("edisi/{id}"), 500)?
        .into_iter()
        .filter_map(|e| {
            let langkah = e.aksi.strip_prefix("langkah_")?.to_string();
            if langkah == "ditolak" {
                return None;
            }
            // "dari → ke; revisi R; [arsip A; |penanda tangan …; ]catatan" (see langkah, finalkan, arsipkan)
            let mut parts = e.rincian.splitn(3, "; ");
            let (dari, ke) = parts.next()?.split_once(" → ")?;
            let (dari, ke) = (dari.to_string(), ke.to_string());
            let _revisi = parts.next();
            let rest = parts.next().unwrap_or("");
            let catatan = if langkah == "arsipkan" { rest.split_once("; ").map(|(_, c)| c).unwrap_or("") } else { rest };
            let catatan = if ["ajukan", "kembalikan", "perbaiki", "setujui", "arsipkan"].contains(&langkah.as_str()) { catatan } else { "" };
            Some(json!({ "waktu": e.waktu, "pengguna": e.pengguna, "langkah": langkah, "dari": dari, "ke": ke, "catatan": catatan }))
        })
        .collect();
    ok(&list)
}
