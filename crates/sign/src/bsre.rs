//! Signing through BSrE's Esign Client Service (Balai Sertifikasi Elektronik, BSSN): the signer's
//! key never leaves BSrE; the region's Esign Client Service signs the PDF it is sent, for a
//! signer named by NIK who proves it with a passphrase or a TOTP code.
//!
//! The API as its public documentation ("Petunjuk Teknis Penggunaan API Esign Client Service",
//! BSrE, v2.0 January 2024 / v2.2.1) and public clients describe it:
//! - HTTP Basic credentials of the client application on every request;
//! - v2: `POST /api/v2/sign/pdf`, JSON `{nik, passphrase | totp, signatureProperties: [{tampilan,
//!   imageBase64, page, originX, originY, width, height, location, reason}], file: [base64]}`,
//!   answered by `{file: [base64 of the signed PDF], time}`;
//! - v1 (older services; used when v2 answers 404): `POST /api/sign/pdf`, multipart/form-data
//!   with `file`, `nik`, `passphrase`, `tampilan`, `image`, `imageTTD`, `page`, `xAxis`, `yAxis`,
//!   `width`, `height`, `reason`, `location`, answered by the signed PDF itself;
//! - verification: `POST /api/v2/verify/pdf` (JSON `{file}`) or v1 `POST /api/sign/verify`
//!   (multipart `signed_file`);
//! - errors: a non-200 status with JSON `{error, status_code}` (2011: user not registered, 2031:
//!   wrong passphrase, as public clients map them).
//!
//! renja trusts nothing the service returns: [`check_returned`] accepts only the sent bytes
//! followed by one incremental update that adds one valid signature over the whole file, at
//! renja's signature slot, changing no page. See docs/signing.md.

use super::{Backend, EmptyField, Options, SignError, Slot};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use lopdf::{Dictionary, Document, Object, ObjectId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Default time limit of one request to the service (signing at BSrE can take a while).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest answer read from the service (a signed PDF in base64).
const MAX_ANSWER: u64 = 512 * 1024 * 1024;
/// Resolution of the signature image sent to the service: 4 px per point (288 dpi).
const PIXEL_PER_PT: f32 = 4.0;
/// How far (points) the returned widget may lie from renja's slot (rounding by the service).
const SLOT_TOLERANCE: f64 = 1.5;
/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "RENJA_BSRE_CONFIG";

/// The kinds of failure, each with its own exit code of `renja sign` (documented in
/// docs/signing.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The passphrase or TOTP code is wrong (status_code 2031).
    WrongSecret,
    /// The NIK is not registered as a BSrE signer (status_code 2011).
    NotRegistered,
    /// The signer's certificate has expired.
    CertificateExpired,
    /// The signer's certificate has been revoked.
    CertificateRevoked,
    /// The service refused the client's Basic credentials (HTTP 401/403).
    ClientCredentials,
    /// The service cannot be reached, or fails (5xx), or gives an answer that is not the API's.
    Unavailable,
    /// No answer within the time limit.
    Timeout,
    /// Another refusal by the service (its message is shown).
    Rejected,
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::WrongSecret => 10,
            ErrorKind::NotRegistered => 11,
            ErrorKind::CertificateExpired => 12,
            ErrorKind::CertificateRevoked => 13,
            ErrorKind::ClientCredentials => 14,
            ErrorKind::Unavailable => 15,
            ErrorKind::Timeout => 16,
            ErrorKind::Rejected => 17,
        }
    }
}

/// A failure of the service, with an Indonesian message for the user.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

/// Why the client could not be set up: its configuration file, or the service's address. The
/// Display text is the Indonesian message shown to users.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("konfigurasi BSrE '{path}' tidak dapat dibaca: {reason}; buat berkas itu berisi `pengguna = \"…\"` dan `sandi = \"…\"` (kredensial klien dari admin BSrE), lihat docs/signing.md")]
    Unreadable { path: String, reason: String },
    #[error("konfigurasi BSrE '{path}': {reason}")]
    Syntax { path: String, reason: String },
    #[error("konfigurasi BSrE '{path}': `pengguna` dan `sandi` tidak boleh kosong")]
    EmptyCredentials { path: String },
    #[error("konfigurasi BSrE '{path}': batas_waktu_detik = {seconds}; diharapkan lebih dari 0 dan paling lama 3600")]
    BadTimeout { path: String, seconds: f64 },
    #[error("alamat BSrE '{url}' tidak sah: diharapkan https://HOST[:PORT]")]
    NoScheme { url: String },
    #[error("alamat BSrE '{url}' tidak sah: tanpa nama host")]
    NoHost { url: String },
    #[error("alamat BSrE '{url}' memakai http:// tanpa enkripsi, padahal passphrase dan kredensial klien ikut terkirim; gunakan https://, atau (hanya di jaringan internal) tulis `izinkan_http = true` di konfigurasi BSrE")]
    PlainHttp { url: String },
    #[error("alamat BSrE '{url}' tidak sah: diharapkan https://")]
    UnsupportedScheme { url: String },
}

impl From<ConfigError> for String {
    fn from(e: ConfigError) -> String {
        e.to_string()
    }
}

/// Why renja does not accept the PDF a signing service returned (see [`check_returned`]). The
/// Display text is the Indonesian reason shown to users.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReturnedError {
    #[error("isinya tidak diawali PDF yang dikirim: bita ke-{at} diubah (dokumen yang ditandatangani bukan dokumen renja)")]
    ChangedByte { at: usize },
    #[error("isinya tidak diawali PDF yang dikirim secara utuh")]
    Truncated,
    #[error("bukan PDF yang dapat dibaca: {0}")]
    Unreadable(String),
    #[error("PDF yang dikirim tidak dapat dibaca: {0}")]
    SentUnreadable(String),
    #[error("diharapkan tepat satu tanda tangan baru, ditemukan {new} (semua tanda tangan: {all})")]
    SignatureCount { new: usize, all: usize },
    #[error("tanda tangannya tidak sah menurut pemeriksaan renja: {0}")]
    InvalidSignature(String),
    #[error("tanda tangannya hanya mencakup {covered} dari {len} bita berkas; sisanya tidak ditandatangani")]
    PartialCoverage { covered: usize, len: usize },
    #[error("menambahkan {0} revisi; yang diterima hanya satu pembaruan inkremental berisi tanda tangan")]
    Revisions(usize),
    #[error("jumlah halamannya {new}, padahal PDF yang dikirim {old} halaman")]
    PageCount { new: usize, old: usize },
    #[error("susunan halamannya berbeda dari PDF yang dikirim")]
    PagesReordered,
    #[error("katalog dokumennya diganti")]
    CatalogReplaced,
    #[error("objek {} {} dihapus", .0.0, .0.1)]
    ObjectRemoved(ObjectId),
    #[error("objek {} {}{} diubah, padahal tanda tangan tidak perlu mengubahnya", .id.0, .id.1, .kind.as_ref().map(|k| format!(" (/{k})")).unwrap_or_default())]
    ObjectChanged { id: ObjectId, kind: Option<String> },
    #[error("halaman {0} mendapat anotasi baru yang bukan kolom tanda tangan")]
    ForeignAnnotation(u32),
    #[error("kamus tanda tangannya tidak ditemukan")]
    NoSignatureDictionary,
    #[error("kolom tanda tangannya tidak ditemukan")]
    NoSignatureField,
    /// The widget's dictionary could not be read.
    #[error("{0}")]
    Widget(String),
    #[error("kolom tanda tangannya tanpa /Rect")]
    NoRect,
    #[error(
        "tanda tangan tampaknya tidak berada di kotak tanda tangan renja: halaman {} [{:.1} {:.1} {:.1} {:.1}], diharapkan halaman {} [{:.1} {:.1} {:.1} {:.1}]",
        .got.page, .got.x, .got.y, .got.x + .got.width, .got.y + .got.height,
        .expected.page, .expected.x, .expected.y, .expected.x + .expected.width, .expected.y + .expected.height
    )]
    Misplaced { got: Slot, expected: Slot },
}

fn err(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error { kind, message: message.into() }
}

/// How the signer proves who they are. Never printed (Debug shows only the kind).
#[derive(Clone)]
pub enum Secret {
    Passphrase(String),
    Totp(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Secret::Passphrase(_) => "Passphrase(***)",
            Secret::Totp(_) => "Totp(***)",
        })
    }
}

/// The secret is wiped from memory when the request that carried it is done.
impl Drop for Secret {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            Secret::Passphrase(s) | Secret::Totp(s) => s.zeroize(),
        }
    }
}

impl Secret {
    fn value(&self) -> &str {
        match self {
            Secret::Passphrase(s) | Secret::Totp(s) => s,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration: the client's HTTP Basic credentials.

/// The client application's configuration (`bsre.toml`).
#[derive(Clone)]
pub struct Config {
    /// HTTP Basic user and password of the client application (given by the region's BSrE admin).
    pub user: String,
    pub password: String,
    pub timeout: Duration,
    /// Allow plain `http://` to a host other than this machine (an internal network).
    pub allow_http: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config").field("user", &self.user).field("password", &"***").field("timeout", &self.timeout).finish()
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    pengguna: String,
    sandi: String,
    batas_waktu_detik: Option<f64>,
    #[serde(default)]
    izinkan_http: bool,
}

impl Config {
    /// Where the configuration is looked for: `$RENJA_BSRE_CONFIG`, else
    /// `$XDG_CONFIG_HOME/renja/bsre.toml`, else `~/.config/renja/bsre.toml`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(x).join("renja/bsre.toml"));
        }
        std::env::var_os("HOME").filter(|p| !p.is_empty()).map(|h| PathBuf::from(h).join(".config/renja/bsre.toml"))
    }

    /// Reads the configuration. Returns it with a warning when the file can be read by other
    /// users. Errors name the file (and the line and column of a syntax error).
    pub fn load(path: &Path) -> Result<(Config, Option<String>), ConfigError> {
        let shown = || path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable { path: shown(), reason: e.to_string() })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Syntax { path: shown(), reason: e.to_string().trim_end().to_string() })?;
        if file.pengguna.trim().is_empty() || file.sandi.is_empty() {
            return Err(ConfigError::EmptyCredentials { path: shown() });
        }
        let timeout = match file.batas_waktu_detik {
            None => DEFAULT_TIMEOUT,
            Some(s) if s > 0.0 && s <= 3600.0 => Duration::from_secs_f64(s),
            Some(s) => return Err(ConfigError::BadTimeout { path: shown(), seconds: s }),
        };
        let warning = permission_warning(path);
        Ok((Config { user: file.pengguna, password: file.sandi, timeout, allow_http: file.izinkan_http }, warning))
    }
}

#[cfg(unix)]
fn permission_warning(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "berkas konfigurasi BSrE '{}' dapat dibaca pengguna lain (mode {mode:04o}); berkas ini berisi sandi klien, batasi dengan `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path) -> Option<String> {
    None
}

// ---------------------------------------------------------------------------------------------
// The HTTP client.

/// Which version of the API answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    V2,
    V1,
}

impl Api {
    pub fn label(self) -> &'static str {
        match self {
            Api::V2 => "API v2",
            Api::V1 => "API v1",
        }
    }
}

/// What renja asks the service to sign: where the visible signature goes and how it looks.
pub struct SignRequest<'a> {
    pub nik: &'a str,
    pub secret: &'a Secret,
    /// The visible signature (QR code and BSrE sentence) as PNG.
    pub image_png: &'a [u8],
    /// Page (1-based) and rectangle in PDF points, origin at the bottom-left of the page.
    pub slot: Slot,
    pub reason: &'a str,
    pub location: Option<&'a str>,
}

/// The service's own verdict on a signed PDF.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub api: Api,
    /// "VALID", "INVALID", … as the service says it.
    pub conclusion: String,
    pub description: Option<String>,
    pub signatures: Vec<VerdictSignature>,
}

impl Verdict {
    pub fn valid(&self) -> bool {
        self.conclusion.eq_ignore_ascii_case("VALID")
    }
}

#[derive(Debug, Clone)]
pub struct VerdictSignature {
    pub signer: Option<String>,
    pub integrity: Option<bool>,
    pub trusted: Option<bool>,
}

/// A client of one Esign Client Service.
pub struct Client {
    base: String,
    config: Config,
    agent: ureq::Agent,
}

impl Client {
    /// A client for the service at `url` (e.g. `https://esign.example.go.id`).
    pub fn new(url: &str, config: Config) -> Result<Client, ConfigError> {
        let base = url.trim_end_matches('/').to_string();
        let (scheme, rest) = base.split_once("://").ok_or_else(|| ConfigError::NoScheme { url: url.to_string() })?;
        let host = rest.split(['/', ':']).next().unwrap_or("");
        if host.is_empty() {
            return Err(ConfigError::NoHost { url: url.to_string() });
        }
        match scheme {
            "https" => {}
            "http" if matches!(host, "127.0.0.1" | "localhost" | "[::1]") || config.allow_http => {}
            "http" => {
                return Err(ConfigError::PlainHttp { url: url.to_string() });
            }
            _ => return Err(ConfigError::UnsupportedScheme { url: url.to_string() }),
        }
        let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(config.timeout)).http_status_as_error(false).build().into();
        Ok(Client { base, config, agent })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn authorization(&self) -> String {
        format!("Basic {}", B64.encode(format!("{}:{}", self.config.user, self.config.password)))
    }

    /// One POST; returns (status, content type, body). Transport failures become errors.
    fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Result<(u16, String, Vec<u8>), Error> {
        let url = format!("{}{path}", self.base);
        let result = self
            .agent
            .post(&url)
            .header("Authorization", &self.authorization())
            .header("Content-Type", content_type)
            .header("Accept", "application/json, application/pdf")
            .send(body);
        self.answer(&url, result)
    }

    fn answer(&self, url: &str, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(u16, String, Vec<u8>), Error> {
        let mut resp = result.map_err(|e| self.transport(url, e))?;
        let status = resp.status().as_u16();
        let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let body = resp.body_mut().with_config().limit(MAX_ANSWER).read_to_vec().map_err(|e| self.transport(url, e))?;
        Ok((status, ctype, body))
    }

    fn transport(&self, url: &str, e: ureq::Error) -> Error {
        let secs = self.config.timeout.as_secs_f64();
        match e {
            ureq::Error::Timeout(_) => err(ErrorKind::Timeout, format!("layanan BSrE {url} tidak menjawab dalam {secs} detik (batas waktu); coba lagi nanti atau hubungi pengelola layanan TTE daerah")),
            ureq::Error::Io(ref io) if io.kind() == std::io::ErrorKind::TimedOut || io.kind() == std::io::ErrorKind::WouldBlock => {
                err(ErrorKind::Timeout, format!("layanan BSrE {url} tidak menjawab dalam {secs} detik (batas waktu); coba lagi nanti"))
            }
            other => err(ErrorKind::Unavailable, format!("layanan BSrE {url} tidak dapat dihubungi ({other}); periksa alamat dan jaringan, atau coba lagi nanti")),
        }
    }

    /// Asks the service to sign `pdf` as `req` says: API v2 first, API v1 when v2 answers 404.
    /// Returns the bytes the service sent back, unchecked (see [`check_returned`]).
    pub fn sign(&self, pdf: &[u8], req: &SignRequest) -> Result<(Api, Vec<u8>), Error> {
        let secret_key = match req.secret {
            Secret::Passphrase(_) => "passphrase",
            Secret::Totp(_) => "totp",
        };
        let mut props = serde_json::Map::new();
        props.insert("tampilan".into(), json!("VISIBLE"));
        props.insert("imageBase64".into(), json!(B64.encode(req.image_png)));
        props.insert("page".into(), json!(req.slot.page));
        props.insert("originX".into(), json!(round2(req.slot.x)));
        props.insert("originY".into(), json!(round2(req.slot.y)));
        props.insert("width".into(), json!(round2(req.slot.width)));
        props.insert("height".into(), json!(round2(req.slot.height)));
        if let Some(l) = req.location {
            props.insert("location".into(), json!(l));
        }
        props.insert("reason".into(), json!(req.reason));
        let body = json!({
            "nik": req.nik,
            secret_key: req.secret.value(),
            "signatureProperties": [Value::Object(props)],
            "file": [B64.encode(pdf)],
        });
        let bytes = serde_json::to_vec(&body).map_err(|e| err(ErrorKind::Rejected, e.to_string()))?;
        let (status, _, answer) = self.post("/api/v2/sign/pdf", "application/json", &bytes)?;
        if status == 404 {
            return self.sign_v1(pdf, req).map(|b| (Api::V1, b));
        }
        if status != 200 {
            return Err(classify(status, &answer, req.secret, &self.base));
        }
        let v: Value = serde_json::from_slice(&answer)
            .map_err(|_| err(ErrorKind::Unavailable, format!("jawaban layanan BSrE {} bukan JSON API v2 ({} bita)", self.base, answer.len())))?;
        if v.get("error").is_some_and(|e| !e.is_null()) {
            return Err(classify(status, &answer, req.secret, &self.base));
        }
        let file = v
            .get("file")
            .and_then(|f| f.as_array())
            .and_then(|a| a.first())
            .and_then(|f| f.as_str())
            .ok_or_else(|| err(ErrorKind::Unavailable, format!("jawaban layanan BSrE {} tanpa berkas bertanda tangan (`file`)", self.base)))?;
        let signed = B64
            .decode(file.trim())
            .map_err(|_| err(ErrorKind::Unavailable, format!("berkas dari layanan BSrE {} bukan base64 yang sah", self.base)))?;
        Ok((Api::V2, signed))
    }

    fn sign_v1(&self, pdf: &[u8], req: &SignRequest) -> Result<Vec<u8>, Error> {
        let Secret::Passphrase(passphrase) = req.secret else {
            return Err(err(
                ErrorKind::Rejected,
                format!("layanan BSrE {} hanya menyediakan API v1 (API v2 menjawab 404), yang tidak menerima TOTP; tanda tangani dengan passphrase (tanpa --totp)", self.base),
            ));
        };
        let nums = [req.slot.page as f64, round2(req.slot.x), round2(req.slot.y), round2(req.slot.width), round2(req.slot.height)].map(fmt_num);
        let pdf_part = ureq::unversioned::multipart::Part::bytes(pdf).file_name("dokumen.pdf").mime_str("application/pdf").map_err(|e| err(ErrorKind::Rejected, e.to_string()))?;
        let img_part = ureq::unversioned::multipart::Part::bytes(req.image_png).file_name("ttd.png").mime_str("image/png").map_err(|e| err(ErrorKind::Rejected, e.to_string()))?;
        let mut form = ureq::unversioned::multipart::Form::new()
            .part("file", pdf_part)
            .text("nik", req.nik)
            .text("passphrase", passphrase)
            .text("tampilan", "visible")
            .text("image", "true")
            .part("imageTTD", img_part)
            .text("page", &nums[0])
            .text("xAxis", &nums[1])
            .text("yAxis", &nums[2])
            .text("width", &nums[3])
            .text("height", &nums[4])
            .text("reason", req.reason);
        if let Some(l) = req.location {
            form = form.text("location", l);
        }
        let url = format!("{}/api/sign/pdf", self.base);
        let result = self.agent.post(&url).header("Authorization", &self.authorization()).header("Accept", "application/pdf, application/json").send(form);
        let (status, _, answer) = self.answer(&url, result)?;
        if status != 200 || !answer.starts_with(b"%PDF-") {
            if status == 200 && !looks_like_error(&answer) {
                return Err(err(ErrorKind::Unavailable, format!("jawaban API v1 layanan BSrE {} bukan PDF ({} bita)", self.base, answer.len())));
            }
            return Err(classify(status, &answer, req.secret, &self.base));
        }
        Ok(answer)
    }

    /// Asks the service for its own verdict on `pdf`: API v2 first, v1 when v2 answers 404.
    pub fn verify(&self, pdf: &[u8]) -> Result<Verdict, Error> {
        let body = serde_json::to_vec(&json!({ "file": B64.encode(pdf) })).map_err(|e| err(ErrorKind::Rejected, e.to_string()))?;
        let (status, _, answer) = self.post("/api/v2/verify/pdf", "application/json", &body)?;
        let (api, status, answer) = if status == 404 {
            let part = ureq::unversioned::multipart::Part::bytes(pdf).file_name("dokumen.pdf").mime_str("application/pdf").map_err(|e| err(ErrorKind::Rejected, e.to_string()))?;
            let form = ureq::unversioned::multipart::Form::new().part("signed_file", part);
            let url = format!("{}/api/sign/verify", self.base);
            let result = self.agent.post(&url).header("Authorization", &self.authorization()).header("Accept", "application/json").send(form);
            let (s, _, a) = self.answer(&url, result)?;
            (Api::V1, s, a)
        } else {
            (Api::V2, status, answer)
        };
        let no_secret = Secret::Passphrase(String::new());
        if status != 200 {
            return Err(classify(status, &answer, &no_secret, &self.base));
        }
        let v: Value = serde_json::from_slice(&answer).map_err(|_| err(ErrorKind::Unavailable, format!("jawaban verifikasi layanan BSrE {} bukan JSON", self.base)))?;
        if v.get("error").is_some_and(|e| !e.is_null()) {
            return Err(classify(status, &answer, &no_secret, &self.base));
        }
        let text = |o: &Value, k: &str| o.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let flag = |o: &Value, k: &str| o.get(k).and_then(|x| x.as_bool());
        let verdict = match api {
            // v2: {conclusion, description, signatureInformations: [{signerName, integrityValid, certificateTrusted}]}
            Api::V2 => Verdict {
                api,
                conclusion: text(&v, "conclusion").unwrap_or_else(|| "(tanpa kesimpulan)".into()),
                description: text(&v, "description"),
                signatures: v
                    .get("signatureInformations")
                    .and_then(|a| a.as_array())
                    .map(|a| {
                        a.iter()
                            .map(|s| VerdictSignature { signer: text(s, "signerName"), integrity: flag(s, "integrityValid"), trusted: flag(s, "certificateTrusted") })
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            // v1: {summary, notes, details: [{info_signer: {signer_name, cert_user_certified}, signature_document: {document_integrity}}]}
            Api::V1 => Verdict {
                api,
                conclusion: text(&v, "summary").unwrap_or_else(|| "(tanpa kesimpulan)".into()),
                description: text(&v, "notes"),
                signatures: v
                    .get("details")
                    .and_then(|a| a.as_array())
                    .map(|a| {
                        a.iter()
                            .map(|d| {
                                let signer = d.get("info_signer").cloned().unwrap_or(Value::Null);
                                let doc = d.get("signature_document").cloned().unwrap_or(Value::Null);
                                VerdictSignature { signer: text(&signer, "signer_name"), integrity: flag(&doc, "document_integrity"), trusted: flag(&signer, "cert_user_certified") }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        };
        Ok(verdict)
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v}") }
}

fn looks_like_error(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body).map(|v| v.get("error").is_some() || v.get("status_code").is_some()).unwrap_or(false)
}

/// Maps an error answer of the service to a kind and an Indonesian message. The service's own
/// words are quoted (with the secret, should the service echo it, blanked out).
fn classify(status: u16, body: &[u8], secret: &Secret, base: &str) -> Error {
    let v: Option<Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| v.as_ref().and_then(|v| v.get(k)).and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let code: Option<i64> = field("status_code").and_then(|c| c.trim().parse().ok());
    let said = field("error").or_else(|| field("message")).or_else(|| field("deskripsi_status")).unwrap_or_else(|| {
        if v.is_some() { String::new() } else { String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_string() }
    });
    let mut said: String = said.chars().take(300).collect();
    let s = secret.value();
    if !s.is_empty() {
        said = said.replace(s, "***");
    }
    let lower = said.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let kind = if code == Some(2031) || has(&["passphrase", "totp", "kata sandi", "otp salah", "otp tidak"]) {
        ErrorKind::WrongSecret
    } else if code == Some(2011) || has(&["tidak terdaftar", "not registered", "user not found", "pengguna tidak ditemukan", "nik tidak"]) {
        ErrorKind::NotRegistered
    } else if has(&["dicabut", "revoke"]) {
        ErrorKind::CertificateRevoked
    } else if has(&["kadaluarsa", "kedaluwarsa", "kadaluwarsa", "expired", "habis masa"]) {
        ErrorKind::CertificateExpired
    } else if status == 401 || status == 403 {
        ErrorKind::ClientCredentials
    } else if status >= 500 || (v.is_none() && status != 400) {
        ErrorKind::Unavailable
    } else {
        ErrorKind::Rejected
    };
    let what = match kind {
        ErrorKind::WrongSecret => "passphrase atau kode TOTP salah; periksa lalu ulangi (passphrase BSrE yang lupa diatur ulang di portal BSrE)".to_string(),
        ErrorKind::NotRegistered => "NIK ini tidak terdaftar sebagai pemilik sertifikat elektronik BSrE; hubungi admin TTE daerah untuk pendaftaran".to_string(),
        ErrorKind::CertificateExpired => "sertifikat elektronik penandatangan sudah kedaluwarsa; perpanjang sertifikat melalui admin TTE daerah".to_string(),
        ErrorKind::CertificateRevoked => "sertifikat elektronik penandatangan telah dicabut; ajukan sertifikat baru melalui admin TTE daerah".to_string(),
        ErrorKind::ClientCredentials => "kredensial klien (pengguna/sandi di konfigurasi BSrE) ditolak layanan; periksa berkas konfigurasi".to_string(),
        ErrorKind::Unavailable => "layanan BSrE sedang tidak dapat melayani; coba lagi nanti atau hubungi pengelola layanan TTE daerah".to_string(),
        ErrorKind::Timeout => "layanan BSrE tidak menjawab dalam batas waktu".to_string(),
        ErrorKind::Rejected => "layanan BSrE menolak permintaan tanda tangan".to_string(),
    };
    let mut detail = format!("HTTP {status}");
    if let Some(c) = code {
        detail.push_str(&format!(", status_code {c}"));
    }
    if !said.is_empty() {
        detail.push_str(&format!(": «{said}»"));
    }
    err(kind, format!("{what} (jawaban layanan BSrE {base}: {detail})"))
}

// ---------------------------------------------------------------------------------------------
// The signing backend.

/// Signing a final renja PDF through the BSrE service, as one signer.
pub struct Signer<'a> {
    pub client: &'a Client,
    pub nik: String,
    pub secret: Secret,
}

/// The visible signature for `field` as PNG, for the document `pdf` signed at `now`.
pub fn signature_image(field: &EmptyField, pdf: &[u8], opts: &Options, now: SystemTime) -> Result<Vec<u8>, super::PdfError> {
    let doc_hash: String = Sha256::digest(pdf).iter().map(|b| format!("{b:02x}")).collect();
    let tampilan = field.tampilan("", opts, now, &doc_hash)?;
    Ok(super::appearance::render_png(&tampilan, &opts.layouts, opts.fonts.clone(), PIXEL_PER_PT)?)
}

impl Backend for Signer<'_> {
    fn sign_pdf(&self, pdf: &[u8], opts: &Options, now: SystemTime) -> Result<Vec<u8>, SignError> {
        let field = super::empty_field(pdf)?;
        if field.slot.page == 0 || field.slot.width <= 0.0 || field.slot.height <= 0.0 {
            return Err(SignError::FieldWithoutPlace);
        }
        let image = signature_image(&field, pdf, opts, now)?;
        let reason = field.reason(opts);
        let location = field.location(opts);
        let req = SignRequest { nik: &self.nik, secret: &self.secret, image_png: &image, slot: field.slot, reason: &reason, location: location.as_deref() };
        let (api, returned) = self.client.sign(pdf, &req).map_err(SignError::Bsre)?;
        check_returned(pdf, &returned, &field.slot).map_err(|source| SignError::Returned { api: api.label(), source })?;
        Ok(returned)
    }
}

// ---------------------------------------------------------------------------------------------
// Checking what came back.

/// Accepts `returned` only if it is `sent` byte for byte, followed by exactly one incremental
/// update that adds exactly one signature, valid under renja's verifier, covering the whole
/// file, whose widget lies at `slot`; and the update changes no page and nothing but what a
/// signature needs (the catalog's /AcroForm, /Metadata, /DSS; the AcroForm; a page's /Annots;
/// the document information; signature fields). Returns the reason otherwise.
pub fn check_returned(sent: &[u8], returned: &[u8], slot: &Slot) -> Result<(), ReturnedError> {
    if returned.len() <= sent.len() || returned[..sent.len()] != sent[..] {
        let at = sent.iter().zip(returned).position(|(a, b)| a != b);
        return Err(match at {
            Some(i) => ReturnedError::ChangedByte { at: i },
            None => ReturnedError::Truncated,
        });
    }
    let before = super::signatures(sent).map(|s| s.len()).unwrap_or(0);
    let sigs = super::signatures(returned).map_err(|e| ReturnedError::Unreadable(e.to_string()))?;
    let new: Vec<_> = sigs.iter().filter(|s| s.byte_range[1] >= sent.len()).collect();
    if new.len() != 1 || sigs.len() != before + 1 {
        return Err(ReturnedError::SignatureCount { new: new.len(), all: sigs.len() });
    }
    let sig = new[0];
    if !sig.valid() {
        let why = match &sig.result {
            Ok(c) => c.problems.join("; "),
            Err(e) => e.to_string(),
        };
        return Err(ReturnedError::InvalidSignature(why));
    }
    if !sig.covers_whole_file() {
        return Err(ReturnedError::PartialCoverage { covered: sig.covered_end, len: sig.file_len });
    }
    let tail = &returned[sent.len()..];
    let revisions = tail.windows(9).filter(|w| w == b"startxref").count();
    if revisions != 1 {
        return Err(ReturnedError::Revisions(revisions));
    }
    let old = Document::load_mem(sent).map_err(|e| ReturnedError::SentUnreadable(e.to_string()))?;
    let new_doc = Document::load_mem(returned).map_err(|e| ReturnedError::Unreadable(e.to_string()))?;
    check_update(&old, &new_doc)?;
    check_widget(&new_doc, &sig.byte_range, slot)
}

fn serialize(o: &Object) -> Vec<u8> {
    let mut v = Vec::new();
    super::pdfobj::write_object(&mut v, o);
    v
}

fn without(d: &Dictionary, keys: &[&[u8]]) -> Vec<u8> {
    let mut d = d.clone();
    for k in keys {
        d.remove(k);
    }
    serialize(&Object::Dictionary(d))
}

fn is_sig_field(doc: &Document, d: &Dictionary) -> bool {
    let ft = |d: &Dictionary| d.get(b"FT").ok().and_then(|o| o.as_name().ok()) == Some(b"Sig".as_slice());
    ft(d) || super::reference(d, b"Parent").and_then(|p| doc.get_dictionary(p).ok()).is_some_and(ft)
}

fn annots(doc: &Document, page: &Dictionary) -> (Option<ObjectId>, Vec<Object>) {
    match page.get(b"Annots") {
        Ok(Object::Reference(id)) => (Some(*id), doc.get_object(*id).ok().and_then(|o| o.as_array().ok().cloned()).unwrap_or_default()),
        Ok(Object::Array(a)) => (None, a.clone()),
        _ => (None, Vec::new()),
    }
}

/// The objects the update changed, each allowed only if a signature needs to change it.
fn check_update(old: &Document, new: &Document) -> Result<(), ReturnedError> {
    let (old_pages, new_pages) = (old.get_pages(), new.get_pages());
    if old_pages.len() != new_pages.len() {
        return Err(ReturnedError::PageCount { new: new_pages.len(), old: old_pages.len() });
    }
    if old_pages != new_pages {
        return Err(ReturnedError::PagesReordered);
    }
    let root = super::reference(&old.trailer, b"Root");
    if super::reference(&new.trailer, b"Root") != root {
        return Err(ReturnedError::CatalogReplaced);
    }
    let info = super::reference(&old.trailer, b"Info");
    let old_catalog = root.and_then(|r| old.get_dictionary(r).ok());
    let acroform = old_catalog.and_then(|c| super::reference(c, b"AcroForm"));
    let metadata = old_catalog.and_then(|c| super::reference(c, b"Metadata"));
    let page_ids: BTreeSet<ObjectId> = old_pages.values().copied().collect();
    let mut annot_arrays = BTreeSet::new();
    for id in &page_ids {
        if let Some(a) = old.get_dictionary(*id).ok().and_then(|p| annots(old, p).0) {
            annot_arrays.insert(a);
        }
    }
    for (id, before) in &old.objects {
        let Some(after) = new.objects.get(id) else {
            return Err(ReturnedError::ObjectRemoved(*id));
        };
        if serialize(before) == serialize(after) {
            continue;
        }
        let allowed = if Some(*id) == root {
            match (before.as_dict(), after.as_dict()) {
                (Ok(b), Ok(a)) => {
                    let keys: &[&[u8]] = &[b"AcroForm", b"Metadata", b"DSS", b"Extensions"];
                    without(b, keys) == without(a, keys)
                }
                _ => false,
            }
        } else if Some(*id) == info || Some(*id) == metadata || Some(*id) == acroform {
            true
        } else if page_ids.contains(id) {
            match (before.as_dict(), after.as_dict()) {
                (Ok(b), Ok(a)) => without(b, &[b"Annots"]) == without(a, &[b"Annots"]),
                _ => false,
            }
        } else if annot_arrays.contains(id) {
            true
        } else {
            match (before.as_dict(), after.as_dict()) {
                // An empty signature field may be filled (or left as it was otherwise).
                (Ok(b), Ok(_)) => is_sig_field(old, b),
                _ => false,
            }
        };
        if !allowed {
            let kind = before.as_dict().ok().and_then(|d| d.get(b"Type").ok()).and_then(|t| t.as_name().ok()).map(|n| String::from_utf8_lossy(n).into_owned());
            return Err(ReturnedError::ObjectChanged { id: *id, kind });
        }
    }
    // Annotations added to a page must be signature widgets.
    for (n, id) in &new_pages {
        let (Ok(op), Ok(np)) = (old.get_dictionary(*id), new.get_dictionary(*id)) else { continue };
        let before: Vec<Object> = annots(old, op).1;
        for a in annots(new, np).1 {
            if before.contains(&a) {
                continue;
            }
            let d = match &a {
                Object::Reference(r) => new.get_dictionary(*r).ok(),
                Object::Dictionary(d) => Some(d),
                _ => None,
            };
            if !d.is_some_and(|d| is_sig_field(new, d)) {
                return Err(ReturnedError::ForeignAnnotation(*n));
            }
        }
    }
    Ok(())
}

/// The new signature's widget must lie at renja's slot.
fn check_widget(doc: &Document, byte_range: &[usize; 4], slot: &Slot) -> Result<(), ReturnedError> {
    let sig_id = doc
        .objects
        .iter()
        .find_map(|(id, o)| match o {
            Object::Dictionary(d) if super::sig_matches(d, byte_range) => Some(*id),
            _ => None,
        })
        .ok_or(ReturnedError::NoSignatureDictionary)?;
    let field = doc
        .objects
        .iter()
        .find_map(|(id, o)| match o {
            Object::Dictionary(d) if super::reference(d, b"V") == Some(sig_id) => Some((*id, d.clone())),
            _ => None,
        })
        .ok_or(ReturnedError::NoSignatureField)?;
    // The widget is the field itself, or its first kid.
    let (widget_id, widget) = match field.1.get(b"Kids").ok().and_then(|k| k.as_array().ok()).and_then(|k| k.first()).and_then(|k| k.as_reference().ok()) {
        Some(kid) => (kid, doc.get_dictionary(kid).map_err(|e| ReturnedError::Widget(e.to_string()))?.clone()),
        None => field,
    };
    let rect: Vec<f64> = widget.get(b"Rect").and_then(|r| r.as_array()).map(|a| a.iter().filter_map(super::number).collect()).unwrap_or_default();
    if rect.len() != 4 {
        return Err(ReturnedError::NoRect);
    }
    let page = doc
        .get_pages()
        .into_iter()
        .find(|(_, pid)| doc.get_dictionary(*pid).is_ok_and(|p| annots(doc, p).1.contains(&Object::Reference(widget_id))))
        .map(|(n, _)| n as usize);
    let got = Slot { page: page.unwrap_or(0), x: rect[0].min(rect[2]), y: rect[1].min(rect[3]), width: (rect[2] - rect[0]).abs(), height: (rect[3] - rect[1]).abs() };
    let close = |a: f64, b: f64| (a - b).abs() <= SLOT_TOLERANCE;
    if got.page != slot.page || !close(got.x, slot.x) || !close(got.y, slot.y) || !close(got.width, slot.width) || !close(got.height, slot.height) {
        return Err(ReturnedError::Misplaced { got, expected: *slot });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_by_code_then_words_then_status() {
        let s = Secret::Passphrase("rahasia-9".into());
        let k = |status, body: &str| classify(status, body.as_bytes(), &s, "https://x").kind;
        assert_eq!(k(400, r#"{"error":"Passphrase anda salah","status_code":2031}"#), ErrorKind::WrongSecret);
        assert_eq!(k(400, r#"{"error":"User tidak terdaftar","status_code":2011}"#), ErrorKind::NotRegistered);
        assert_eq!(k(400, r#"{"error":"Sertifikat pengguna sudah kadaluarsa"}"#), ErrorKind::CertificateExpired);
        assert_eq!(k(400, r#"{"error":"Sertifikat telah dicabut (revoked)"}"#), ErrorKind::CertificateRevoked);
        assert_eq!(k(401, r#"{"error":"Unauthorized"}"#), ErrorKind::ClientCredentials);
        assert_eq!(k(503, "<html>Service Unavailable</html>"), ErrorKind::Unavailable);
        assert_eq!(k(400, r#"{"error":"Dokumen rusak"}"#), ErrorKind::Rejected);
        // The secret never shows, even when the service echoes it.
        let e = classify(400, br#"{"error":"passphrase rahasia-9 salah"}"#, &s, "https://x");
        assert!(!e.message.contains("rahasia-9") && e.message.contains("***"), "{}", e.message);
        assert_eq!(format!("{s:?}"), "Passphrase(***)");
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_allowed() {
        let cfg = |allow| Config { user: "u".into(), password: "p".into(), timeout: Duration::from_secs(1), allow_http: allow };
        assert!(Client::new("http://127.0.0.1:8080", cfg(false)).is_ok());
        assert!(Client::new("https://esign.example.go.id/", cfg(false)).is_ok());
        let e = Client::new("http://10.1.2.3", cfg(false)).err().unwrap();
        assert!(matches!(e, ConfigError::PlainHttp { .. }));
        let e = e.to_string();
        assert!(e.contains("izinkan_http"), "{e}");
        assert!(Client::new("http://10.1.2.3", cfg(true)).is_ok());
        assert!(Client::new("ftp://x", cfg(true)).is_err());
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(56.69), "56.69");
    }
}
