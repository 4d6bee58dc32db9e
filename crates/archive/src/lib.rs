//! The archive of editions: immutable, content-addressed files plus one SQLite database.
//!
//! This module owns the archive's vocabulary (an edition's metadata, its files and their kinds),
//! the [`Store`] interface that every storage backend implements, and the small helpers shared by
//! the backends and the commands (SHA-256 hex, UTC timestamps). The embedded default backend is
//! [`sqlite::SqliteStore`]: `arsip/arsip.db` plus `arsip/objek/ab/cdef…` named by SHA-256. A
//! server database can implement [`Store`] later without touching the commands.
//!
//! Layout of the other files: `edisi` collects an edition from its folder (sources, final PDF,
//! DOCX, JSON), `diff` compares the computed models of two editions, `baru` derives a new edition
//! folder from an archived one (`renja new --from`), `dasar` checks a Perubahan's Sebelum columns
//! against its base edition. See docs/archive.md.
//!
//! Boundary: the store and what is built on it (collect, diff, base check, `new --from`); may use
//! the façade (to build an edition's outputs), `model`, `source`, `compute`, `document` types,
//! `sign` (to read a signed PDF) and `output`; never `pdf`, `docx`, `preview` or `cmd`. Nothing
//! below the façade uses it.

pub mod baru;
pub mod dasar;
pub mod diff;
pub mod edisi;
pub mod sqlite;

use sha2::{Digest, Sha256};
use std::path::PathBuf;
pub use renja_core::source::schema::JenisEdisi;

/// What a stored file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file of the edition's source folder.
    Sumber,
    /// The final (unsigned) PDF built from the sources.
    Pdf,
    /// The signed PDF (PAdES), when one was given.
    PdfTtd,
    /// The DOCX built from the sources.
    Docx,
    /// The computed model (`renja export --json`).
    Json,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sumber => "sumber",
            Kind::Pdf => "pdf",
            Kind::PdfTtd => "pdf_ttd",
            Kind::Docx => "docx",
            Kind::Json => "json",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "sumber" => Kind::Sumber,
            "pdf" => Kind::Pdf,
            "pdf_ttd" => Kind::PdfTtd,
            "docx" => Kind::Docx,
            "json" => Kind::Json,
            _ => return None,
        })
    }
}

/// One file of an edition: where it goes when restored (relative path, `/`-separated), its
/// content hash and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    pub kind: Kind,
}

/// The metadata of an archived edition (one row of `edisi`).
#[derive(Debug, Clone, Default)]
pub struct Edition {
    /// `TAHUN-JENIS-rREVISI-HASH8`, e.g. `2022-perubahan-r1-3fa9c2d1`.
    pub id: String,
    /// The immutability key's agency part: `<daerah>/<kode OPD or nama OPD>`.
    pub opd_kunci: String,
    pub opd_nama: String,
    pub opd_singkatan: Option<String>,
    pub daerah: String,
    pub tahun: i32,
    pub jenis: JenisEdisi,
    /// The archive revision (part of the immutability key).
    pub revisi: u32,
    /// The revision written in the sources' edisi.toml.
    pub revisi_sumber: u32,
    pub tahap: Option<String>,
    pub slug: String,
    pub penandatangan_nama: String,
    pub penandatangan_nip: String,
    /// Signing time of the signed PDF (RFC 3339). HOOK: filled once `renja::sign::signatures`
    /// exists; `None` today, also for unsigned editions.
    pub waktu_ttd: Option<String>,
    pub renja_versi: String,
    /// When the edition was added (UTC, RFC 3339).
    pub ditambahkan: String,
    /// The base (murni) edition named in edisi.toml (`dasar`), if any.
    pub dasar: Option<String>,
    /// SHA-256 of the manifest (sorted `kind path sha256 size` lines): the edition's identity.
    pub manifest: String,
}

/// An edition ready to be stored: metadata without id/revisi resolved, and its files with bytes.
pub struct NewEdition {
    pub meta: Edition,
    /// Store under the next free revision of (OPD, tahun, jenis) instead of `meta.revisi`.
    pub revisi_baru: bool,
    pub files: Vec<(FileEntry, Vec<u8>)>,
}

/// Filters of `archive list`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Matches the OPD name, abbreviation or key (case-insensitive substring).
    pub opd: Option<String>,
    pub tahun: Option<i32>,
}

/// State of one stored object as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectState {
    Ok,
    Missing,
    /// Present but its content no longer hashes to its name (or has another size).
    Altered,
}

/// What went wrong in the archive (messages in Bahasa Indonesia).
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// (OPD, tahun, jenis, revisi) already archived; carries the existing edition's id.
    #[error(
        "edisi {opd} tahun {tahun} ({jenis}) revisi {revisi} sudah ada di arsip sebagai {id}; \
         edisi dalam arsip tidak dapat ditimpa — naikkan `revisi` di edisi.toml atau tambahkan \
         sebagai revisi baru dengan --revisi-baru"
    )]
    Duplicate { id: String, opd: String, tahun: i32, jenis: JenisEdisi, revisi: u32 },
    #[error("edisi '{0}' tidak ada di arsip; lihat `renja archive list`")]
    NotFound(String),
    #[error("ID '{id}' tidak tunggal: cocok dengan {ids}", id = .0, ids = .1.join(", "))]
    Ambiguous(String, Vec<String>),
    /// A stored file is missing or no longer matches its hash.
    #[error("{0}")]
    Damaged(String),
    #[error("{0}")]
    Io(String),
    #[error("basis data arsip: {0}")]
    Db(String),
    /// The archive's database server cannot be reached now (try again later).
    #[error("{0}")]
    Unavailable(String),
    /// No archive given (`--arsip`) or configured (`$RENJA_ARSIP`) where one is optional.
    #[error("tidak ada arsip yang diatur")]
    NotConfigured,
}

impl Error {
    /// Exit code: 1 for a refused or unknown edition (the thing is invalid), 2 for I/O.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Duplicate { .. } | Error::NotFound(_) | Error::Ambiguous(..) | Error::Damaged(_) => 1,
            Error::Io(_) | Error::Db(_) | Error::Unavailable(_) | Error::NotConfigured => 2,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The storage interface of the archive. Implementations must make [`Store::insert`] atomic: the
/// edition and all its file rows appear together or not at all, and only after every object is
/// durably stored; (opd_kunci, tahun, jenis, revisi) is unique; nothing is ever updated or deleted.
pub trait Store {
    /// Stores `bytes` durably under their SHA-256 (idempotent); returns the hex hash.
    fn put_object(&self, bytes: &[u8]) -> Result<String>;
    /// Reads a stored object (not checked against its hash; see [`Store::check_object`]).
    fn read_object(&self, sha256: &str) -> Result<Vec<u8>>;
    /// Re-hashes a stored object.
    fn check_object(&self, sha256: &str, size: u64) -> ObjectState;
    /// Records an edition whose objects are already stored. Returns the stored metadata (id and
    /// revisi resolved). Refuses a duplicate key with [`Error::Duplicate`].
    fn insert(&self, ed: &NewEdition) -> Result<Edition>;
    /// Editions in (tahun, opd, jenis, revisi) order.
    fn list(&self, filter: &Filter) -> Result<Vec<Edition>>;
    /// One edition by id or unique id prefix.
    fn find(&self, id: &str) -> Result<Edition>;
    /// The files of an edition, sources first, in path order.
    fn files(&self, id: &str) -> Result<Vec<FileEntry>>;
    /// Objects present in storage that no edition references (left by an interrupted add).
    fn unreferenced(&self) -> Result<Vec<String>>;
    /// Where the archive lives (for messages; never carries a password).
    fn location(&self) -> PathBuf;
    /// The backend's own consistency check of its records (SQLite's `integrity_check`); each
    /// entry is one problem. Default: nothing to check beyond the rows themselves.
    fn integrity(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// Whether the object storage is there at all (the SQLite archive's `objek/` folder); when it
    /// is not, every file is reported missing instead of read.
    fn objects_present(&self) -> bool {
        true
    }
    /// Temporary files an interrupted add left behind (the SQLite archive's `objek/tmp/`).
    fn leftovers(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The rules below are public for the backends outside this crate (the service's PostgreSQL
/// archive implements [`Store`] with them).
///
/// Fault-testing hook of every backend's `insert`: with `RENJA_ARSIP_JEDA_MS=N` it announces the
/// storage phase on stderr ("jeda: …") and pauses N ms before and after each object write, so a
/// test can kill the process while an edition is being stored. Nothing else changes; unset, it
/// costs one lookup.
pub fn fault_delay() -> Option<std::time::Duration> {
    std::env::var("RENJA_ARSIP_JEDA_MS").ok()?.parse::<u64>().ok().filter(|&ms| ms > 0).map(std::time::Duration::from_millis)
}

pub(crate) fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn clean(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Why a stored edition row cannot be what `insert` wrote, if it cannot (every backend reads its
/// rows through this rule, and refuses to write metadata that breaks it).
pub fn invalid_edition(e: &Edition) -> Option<String> {
    let texts = [&e.id, &e.opd_kunci, &e.opd_nama, &e.daerah, &e.slug, &e.penandatangan_nama, &e.penandatangan_nip, &e.renja_versi, &e.ditambahkan, &e.manifest];
    let optional = [&e.opd_singkatan, &e.tahap, &e.waktu_ttd, &e.dasar];
    if !texts.iter().all(|t| clean(t)) || !optional.iter().all(|t| t.as_deref().is_none_or(clean)) {
        return Some("karakter kendali dalam teks".into());
    }
    if !is_hex64(&e.manifest) {
        return Some("hash manifes bukan SHA-256".into());
    }
    let prefix = format!("{}-{}-r{}-", e.tahun, e.jenis, e.revisi);
    let suffix = e.id.strip_prefix(&prefix);
    if !suffix.is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Some(format!("ID tidak cocok dengan tahun {}, jenis dan revisi {}", e.tahun, e.revisi));
    }
    None
}

/// Whether a stored file row can be what `insert` wrote.
pub fn valid_file_row(path: &str, sha256: &str, size: i64) -> bool {
    is_hex64(sha256) && size >= 0 && clean(path) && !path.is_empty()
}

/// The columns of an edition row in the order every backend writes and reads them (the fields of
/// [`Edition`] in order).
pub const EDITION_COLUMNS: &str = "id, opd_kunci, opd_nama, opd_singkatan, daerah, tahun, jenis, revisi, revisi_sumber, tahap, slug, \
                                          penandatangan_nama, penandatangan_nip, waktu_ttd, renja_versi, ditambahkan, dasar, manifest";

/// The edition `id` names among `found` (the rows whose id is `id` or starts with it, in id
/// order): the exact match, else the only one, else [`Error::Ambiguous`] or [`Error::NotFound`].
/// Every backend's [`Store::find`] resolves a prefix this way.
pub fn resolve_prefix(id: &str, found: Vec<Edition>) -> Result<Edition> {
    if let Some(exact) = found.iter().find(|e| e.id == id) {
        return Ok(exact.clone());
    }
    match found.len() {
        0 => Err(Error::NotFound(id.to_string())),
        1 => Ok(found.into_iter().next().expect("one")),
        _ => Err(Error::Ambiguous(id.to_string(), found.into_iter().map(|e| e.id).collect())),
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The manifest hash of a set of files: SHA-256 over sorted `kind path sha256 size` lines.
pub fn manifest_hash(files: &[FileEntry]) -> String {
    let mut lines: Vec<String> = files.iter().map(|f| format!("{} {} {} {}\n", f.kind.as_str(), f.path, f.sha256, f.size)).collect();
    lines.sort();
    sha256_hex(lines.concat().as_bytes())
}

/// The edition id: `TAHUN-JENIS-rREVISI-HASH8`.
pub fn edition_id(tahun: i32, jenis: JenisEdisi, revisi: u32, manifest: &str) -> String {
    format!("{tahun}-{jenis}-r{revisi}-{}", &manifest[..8.min(manifest.len())])
}

/// The current time, UTC, RFC 3339 with seconds (`2026-11-28T12:00:00Z`).
pub fn now_utc() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The archive location: `--arsip`, else `RENJA_ARSIP`, else `arsip/`.
pub fn location(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("RENJA_ARSIP").filter(|v| !v.is_empty()).map(PathBuf::from)).unwrap_or_else(|| PathBuf::from("arsip"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha_and_id() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(edition_id(2022, JenisEdisi::Murni, 0, "ba7816bf8f01"), "2022-murni-r0-ba7816bf");
    }

    #[test]
    fn manifest_is_order_independent() {
        let a = FileEntry { path: "a".into(), sha256: "1".into(), size: 1, kind: Kind::Sumber };
        let b = FileEntry { path: "b".into(), sha256: "2".into(), size: 2, kind: Kind::Pdf };
        assert_eq!(manifest_hash(&[a.clone(), b.clone()]), manifest_hash(&[b, a]));
    }

    #[test]
    fn time_format() {
        let t = now_utc();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
