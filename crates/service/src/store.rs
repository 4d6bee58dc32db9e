//! The service's long-lived state behind one trait, so a PostgreSQL backend can stand beside the
//! embedded SQLite one ([`super::sqlite::SqliteStore`]). Everything the service remembers lives
//! here: agencies, people and their roles, sessions, editions and their immutable revisions, the
//! content-addressed file objects, comments and the append-only audit log. A process may die at
//! any point: an implementation makes each call atomic (a revision is all there or not at all).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role as granted to a person. `opd` is set for penyusun and penandatangan (one grant per OPD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Administrator,
    Penyusun,
    Verifikator,
    Penandatangan,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Penyusun => "penyusun",
            Role::Verifikator => "verifikator",
            Role::Penandatangan => "penandatangan",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "administrator" => Role::Administrator,
            "penyusun" => Role::Penyusun,
            "verifikator" => Role::Verifikator,
            "penandatangan" => Role::Penandatangan,
            _ => return None,
        })
    }
    /// Whether the role is granted for one OPD (and then needs `opd`).
    pub fn per_opd(self) -> bool {
        matches!(self, Role::Penyusun | Role::Penandatangan)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    pub peran: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opd: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Opd {
    pub id: i64,
    pub kode: String,
    pub nama: String,
    /// The head of the agency (name as printed).
    pub kepala: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewOpd {
    pub kode: String,
    pub nama: String,
    #[serde(default)]
    pub kepala: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub nama: String,
    pub nip: String,
    pub peran: Vec<Grant>,
}

pub struct NewUser {
    pub login: String,
    pub nama: String,
    pub nip: String,
    /// The argon2id PHC string (never the password).
    pub hash: String,
    pub peran: Vec<Grant>,
}

/// An edition: one document of one OPD for one year, kind and document revision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Edition {
    pub id: i64,
    pub opd: i64,
    pub tahun: i32,
    /// `murni` or `perubahan`.
    pub jenis: String,
    /// The document's revision number (Perubahan ke-N); 0 for the first.
    pub revisi: u32,
    /// The workflow state ([`super::workflow::State`] as text).
    pub status: String,
    /// The newest revision (None before the first save).
    pub kepala: Option<String>,
    pub dibuat: String,
}

#[derive(Debug, Clone)]
pub struct NewEdition {
    pub opd: i64,
    pub tahun: i32,
    pub jenis: String,
    pub revisi: u32,
}

/// One file of a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FileRef {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// An immutable revision. Its id is the SHA-256 of its parent, author, time, message and
/// manifest (content-addressed: the same id always names the same sources and history).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    pub id: String,
    pub edisi: i64,
    pub induk: Option<String>,
    pub penulis: i64,
    pub penulis_login: String,
    pub waktu: String,
    pub pesan: String,
    /// The files this revision changed against its parent (added, changed or removed).
    pub berubah: Vec<String>,
}

/// A save: the base it was made on and the files it changes (`None` removes a file). With
/// `replace_all`, files not named are removed (an import).
pub struct Save {
    pub edisi: i64,
    pub dasar: Option<String>,
    pub penulis: i64,
    pub pesan: String,
    pub berkas: Vec<(String, Option<Vec<u8>>)>,
    pub replace_all: bool,
    /// The audit line written in the same transaction: action (`simpan`, `impor`) and the
    /// client's address.
    pub aksi: String,
    pub alamat: String,
}

/// How a save on a stale base was refused: the current head and the files changed since the base.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conflict {
    pub kepala: Option<String>,
    pub berubah: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub edisi: i64,
    pub revisi: String,
    pub berkas: String,
    pub baris: u32,
    pub penulis: i64,
    pub penulis_login: String,
    pub waktu: String,
    pub isi: String,
}

pub struct NewComment {
    pub edisi: i64,
    pub revisi: String,
    pub berkas: String,
    pub baris: u32,
    pub penulis: i64,
    pub isi: String,
}

impl NewComment {
    /// The comment as stored: its id, its author's login and time from the store.
    pub fn stored(&self, id: i64, penulis_login: String, waktu: String) -> Comment {
        Comment {
            id,
            edisi: self.edisi,
            revisi: self.revisi.clone(),
            berkas: self.berkas.clone(),
            baris: self.baris,
            penulis: self.penulis,
            penulis_login,
            waktu,
            isi: self.isi.clone(),
        }
    }
}

/// A frozen output of an edition: the final PDF, DOCX and computed JSON of the approved
/// revision (`pdf`, `docx`, `json`), then the signed PDF (`pdf_ttd`). Content-addressed like the
/// revisions' files; recorded once, never changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Output {
    /// `pdf`, `docx`, `json` or `pdf_ttd`.
    pub jenis: String,
    /// The revision it was built from.
    pub revisi: String,
    pub sha256: String,
    pub size: u64,
    pub waktu: String,
    pub pengguna_login: String,
}

/// A workflow step that records something with it, atomically: the status moves `from` → `to`
/// only if the edition is still in `from` (and, when `revisi` is set, its head is still that
/// revision); the outputs, the archive id and the audit line commit together with it.
pub struct Advance {
    pub edisi: i64,
    pub from: String,
    pub to: String,
    pub revisi: Option<String>,
    /// (jenis, bytes): stored as objects first, then recorded.
    pub outputs: Vec<(String, Vec<u8>)>,
    /// The id of the edition in the archive (`arsipkan`).
    pub arsip: Option<String>,
    pub pengguna: i64,
    pub aksi: String,
    pub rincian: String,
    pub alamat: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub waktu: String,
    pub pengguna: Option<String>,
    pub aksi: String,
    pub objek: String,
    pub rincian: String,
    pub alamat: String,
}

#[derive(Debug)]
pub enum Error {
    /// A unique key already taken (login, OPD code, edition key).
    Exists(String),
    NotFound(String),
    /// The save's base is not the edition's head.
    Conflict(Conflict),
    /// The workflow state changed meanwhile (compare-and-set failed).
    StateChanged(String),
    Backend(String),
    /// The database cannot be reached for now (a server restart, a failover); answered 503.
    Unavailable(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Exists(m) | Error::NotFound(m) | Error::StateChanged(m) | Error::Backend(m) | Error::Unavailable(m) => f.write_str(m),
            Error::Conflict(c) => write!(f, "revisi dasar sudah usang; revisi terbaru {:?}", c.kepala),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The service's storage. Implementations are shared between request handlers (`Send + Sync`)
/// and make every call atomic.
pub trait Store: Send + Sync {
    // Agencies
    fn create_opd(&self, opd: &NewOpd) -> Result<Opd>;
    fn list_opd(&self) -> Result<Vec<Opd>>;
    fn opd(&self, id: i64) -> Result<Option<Opd>>;

    // People
    fn count_users(&self) -> Result<i64>;
    fn create_user(&self, user: &NewUser) -> Result<User>;
    fn list_users(&self) -> Result<Vec<User>>;
    fn user(&self, id: i64) -> Result<Option<User>>;
    /// The user and their password hash.
    fn user_by_login(&self, login: &str) -> Result<Option<(User, String)>>;

    // Sessions: only the SHA-256 of the token is stored.
    fn create_session(&self, token_hash: &str, user: i64, expires_unix: i64) -> Result<()>;
    fn session_user(&self, token_hash: &str, now_unix: i64) -> Result<Option<User>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;

    // Editions and revisions
    fn create_edition(&self, e: &NewEdition) -> Result<Edition>;
    fn list_editions(&self) -> Result<Vec<Edition>>;
    fn edition(&self, id: i64) -> Result<Option<Edition>>;
    /// Sets the workflow state if it is still `from` (compare-and-set).
    fn set_status(&self, edisi: i64, from: &str, to: &str) -> Result<()>;
    /// Stores a new revision atomically if `save.dasar` is the head; otherwise `Error::Conflict`.
    /// The revision and its audit line commit together.
    fn save(&self, save: Save) -> Result<Revision>;
    /// Revisions of an edition, newest first.
    fn history(&self, edisi: i64) -> Result<Vec<Revision>>;
    fn revision(&self, edisi: i64, id: &str) -> Result<Option<Revision>>;
    fn files(&self, revision: &str) -> Result<Vec<FileRef>>;
    fn object(&self, sha256: &str) -> Result<Vec<u8>>;

    /// A workflow step with what it records ([`Advance`]); `Error::StateChanged` when the status
    /// (or head) is no longer the expected one.
    fn advance(&self, a: Advance) -> Result<()>;
    /// The frozen outputs of an edition (none before `finalkan`).
    fn outputs(&self, edisi: i64) -> Result<Vec<Output>>;
    /// Every (archive id, edition) the service archived.
    fn archived(&self) -> Result<Vec<(String, i64)>>;

    // Comments
    fn add_comment(&self, c: &NewComment) -> Result<Comment>;
    fn comments(&self, edisi: i64) -> Result<Vec<Comment>>;

    // Audit (append-only)
    fn audit(&self, pengguna: Option<&str>, aksi: &str, objek: &str, rincian: &str, alamat: &str) -> Result<()>;
    fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>>;
    /// The audit entries about one object (`edisi/7`), newest first (the workspace shows an
    /// edition's workflow notes from them). A store may answer it with an indexed query.
    fn audit_of(&self, objek: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(self.audit_log(i64::MAX)?.into_iter().filter(|e| e.objek == objek).take(limit.max(0) as usize).collect())
    }
}
