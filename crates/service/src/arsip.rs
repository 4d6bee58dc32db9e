//! The service's adapter to the signer (`renja_sign`) and to the existing archive
//! (`renja_archive`, kept in `DATA/arsip/` — the same store `renja archive --arsip DATA/arsip`
//! reads). Like [`super::engine`], it holds no document logic of its own: signing is the signer's
//! (a PKCS#12 given for one request, or the configured BSrE service), and what enters the archive
//! is collected and checked by the archive itself (`archive::edisi::collect`: sources byte for
//! byte, final PDF/DOCX/JSON built from them, the signed PDF must extend that very PDF and its
//! signatures must hold).

use super::engine::{Assets, Workdir};
use renja_archive::{self as archive, Kind, ObjectState};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use utoipa::ToSchema;
use x509_cert::Certificate;

/// The archive folder inside the data folder.
pub fn root(data: &Path) -> PathBuf {
    data.join("arsip")
}

/// Where the service's archive lives: the data folder's `arsip/` (SQLite + files; one node), or
/// the shared PostgreSQL database (any node; [`super::arsip_pg`]).
#[derive(Clone)]
pub enum Arsip {
    Folder(PathBuf),
    Postgres(super::arsip_pg::PgArchive),
}

impl Arsip {
    /// The archive a Perubahan's base edition is read from: by the live preview, the final
    /// render and the archiving alike, so all three judge the Sebelum columns the same way.
    pub fn base(&self) -> archive::Result<Box<dyn archive::Store + Send>> {
        match self {
            Arsip::Folder(root) => archive::sqlite::SqliteStore::open(root, false).map(|s| Box::new(s) as Box<dyn archive::Store + Send>),
            Arsip::Postgres(pg) => Ok(Box::new(pg.clone())),
        }
    }

    /// The archive opened for reading, or `None` when nothing has been archived yet.
    pub fn reader(&self) -> archive::Result<Option<Box<dyn archive::Store + Send>>> {
        match self {
            Arsip::Folder(root) if !root.join("arsip.db").is_file() => Ok(None),
            _ => self.base().map(Some),
        }
    }

    /// The archive opened for adding an edition.
    pub fn writer(&self) -> archive::Result<Box<dyn archive::Store + Send>> {
        match self {
            Arsip::Folder(root) => archive::sqlite::SqliteStore::open(root, true).map(|s| Box::new(s) as Box<dyn archive::Store + Send>),
            Arsip::Postgres(pg) => Ok(Box::new(pg.clone())),
        }
    }
}

/// [`Arsip::base`]'s result as what the base-edition check reads.
pub fn as_base(store: &archive::Result<Box<dyn archive::Store + Send>>) -> archive::dasar::BaseStore<'_> {
    match store {
        Ok(s) => Ok(s.as_ref() as &dyn archive::Store),
        Err(e) => Err(e.clone()),
    }
}

/// Largest PKCS#12 file accepted (decoded).
pub const P12_LIMIT: usize = 64 * 1024;

/// How a signature is made: a PKCS#12 sent with the request, or the BSrE service the server is
/// configured for. The secrets live only as long as the request.
pub enum Key {
    /// Both wiped from memory when dropped.
    Pkcs12 { data: zeroize::Zeroizing<Vec<u8>>, sandi: zeroize::Zeroizing<String> },
    Bsre { nik: String, secret: renja_sign::bsre::Secret },
}

/// Why a signature was not made.
pub enum SignFail {
    /// The key or the passphrase was refused, or the signer refused (the signer's message).
    Refused(String),
    /// The BSrE service said no or could not be reached (its message and whether it is the
    /// service's fault: unreachable, time-out, 5xx).
    Bsre(String, bool),
}

/// Signs the final PDF with `key` and returns the signed PDF and the signer's name. The result
/// is checked again with renja's own verifier: the input bytes unchanged, one more signature,
/// valid, covering the whole file.
/// With `anchors`, the signer's certificate must chain up to one of them (checked at the
/// signature's time-stamp, else now).
/// With `tsa`, a PKCS#12 signature is time-stamped there (PAdES B-T); BSrE stamps its own.
pub fn sign(pdf: &[u8], key: Key, assets: &Assets, bsre: Option<&renja_sign::bsre::Client>, anchors: &[Certificate], tsa: Option<&str>) -> Result<(Vec<u8>, String), SignFail> {
    use renja_sign::Backend;
    let fonts = assets.fonts().map_err(SignFail::Refused)?;
    let tsa = match key {
        Key::Pkcs12 { .. } => tsa.map(str::to_string),
        Key::Bsre { .. } => None,
    };
    let opts = renja_sign::Options { reason: None, location: None, contact: None, tsa, zona: None, layouts: assets.layouts().to_path_buf(), fonts };
    let now = SystemTime::now();
    let signed = match key {
        Key::Pkcs12 { data, sandi } => {
            let creds = match renja_sign::credentials::from_pkcs12(&data, &sandi, "berkas PKCS#12", now) {
                Ok(c) => c,
                Err(e) => return Err(SignFail::Refused(e.to_string())),
            };
            drop(sandi);
            renja_sign::LocalKey(&creds).sign_pdf(pdf, &opts, now)
        }
        Key::Bsre { nik, secret } => {
            let Some(client) = bsre else {
                return Err(SignFail::Refused("server ini tidak diatur untuk BSrE; kirim berkas PKCS#12".into()));
            };
            renja_sign::bsre::Signer { client, nik, secret }.sign_pdf(pdf, &opts, now)
        }
    };
    let signed = signed.map_err(|e| match e {
        renja_sign::SignError::Bsre(b) => {
            use renja_sign::bsre::ErrorKind as K;
            // The server's side of the connection (its client credentials, the service down or
            // slow), not the signer's: a gateway error.
            let service = matches!(b.kind, K::ClientCredentials | K::Unavailable | K::Timeout);
            SignFail::Bsre(b.message, service)
        }
        refused => SignFail::Refused(refused.to_string()),
    })?;
    let before = renja_sign::signatures(pdf).map(|s| s.len()).unwrap_or(0);
    let sigs = renja_sign::signatures(&signed).map_err(|e| SignFail::Refused(e.to_string()))?;
    let whole = sigs.last().is_some_and(|s| s.covers_whole_file());
    if !signed.starts_with(pdf) || sigs.len() != before + 1 || !sigs.iter().all(|s| s.valid()) || !whole {
        return Err(SignFail::Refused("PDF bertanda tangan tidak lolos pemeriksaan renja (tanda tangan tidak sah atau tidak mencakup seluruh berkas)".into()));
    }
    let checked = sigs.last().and_then(|s| s.result.as_ref().ok());
    if !anchors.is_empty()
        && let Some(c) = checked
        && let Err(why) = trust(c, anchors)
    {
        return Err(SignFail::Refused(format!("sertifikat penandatangan tidak dipercaya server ini: {why}")));
    }
    let signer = checked.map(|c| c.signer.clone()).unwrap_or_default();
    Ok((signed, signer))
}

/// The certificate path of a checked signature to a trusted root (common names), or why none.
fn trust(c: &renja_sign::cms::Checked, anchors: &[Certificate]) -> Result<Vec<String>, String> {
    renja_sign::trust::judge(&c.signer_cert, &c.certificates, anchors, c.timestamp_at.unwrap_or_else(SystemTime::now)).map_err(String::from)
}

/// Why the archive did not take an edition.
pub enum AddFail {
    /// The archive refused it (sources with errors, a duplicate of another entry, a signed PDF
    /// that is not of these sources): its message.
    Refused(String),
    /// The archive's database cannot be reached now (503: try again).
    Unavailable(String),
    Internal(String),
}

/// Puts the approved revision's sources and its signed PDF into the archive at `arsip`, through
/// the archive's own collect-and-insert. A duplicate that is this very signed edition (a retry
/// after a crash between the archive's commit and the service's) is taken as done.
pub fn add(scratch: &Path, arsip: &Arsip, files: &[(String, Vec<u8>)], signed: &[u8]) -> Result<archive::Edition, AddFail> {
    use archive::edisi::CollectError;
    let src = Workdir::new(scratch, files).map_err(|e| AddFail::Internal(e.to_string()))?;
    let ttd = Workdir::new(scratch, &[("ttd.pdf".to_string(), signed.to_vec())]).map_err(|e| AddFail::Internal(e.to_string()))?;
    let base = arsip.base();
    let (new, _warnings) = match archive::edisi::collect_with(src.path(), Some(&ttd.path().join("ttd.pdf")), as_base(&base), None, false) {
        Ok(x) => x,
        Err(CollectError::Sources(d)) => return Err(AddFail::Refused(format!("{}; edisi tidak diarsipkan", d.summary()))),
        Err(CollectError::Refused(m)) => return Err(AddFail::Refused(strip_dir(&m, ttd.path()))),
        Err(CollectError::Io(m)) => return Err(AddFail::Internal(m)),
    };
    drop(base);
    let store = arsip.writer().map_err(AddFail::from)?;
    match store.insert(&new) {
        Ok(e) => Ok(e),
        Err(e @ archive::Error::Duplicate { .. }) => {
            let archive::Error::Duplicate { id, .. } = &e else { return Err(AddFail::Refused(e.to_string())) };
            let sha = archive::sha256_hex(signed);
            let same = store.files(id).map(|f| f.iter().any(|f| f.kind == Kind::PdfTtd && f.sha256 == sha)).unwrap_or(false);
            if same { store.find(id).map_err(AddFail::from) } else { Err(AddFail::Refused(e.to_string())) }
        }
        Err(e) => Err(AddFail::from(e)),
    }
}

impl From<archive::Error> for AddFail {
    fn from(e: archive::Error) -> AddFail {
        match e {
            archive::Error::Unavailable(m) => AddFail::Unavailable(m),
            e @ (archive::Error::Damaged(_) | archive::Error::Io(_) | archive::Error::Db(_)) => AddFail::Internal(e.to_string()),
            e => AddFail::Refused(e.to_string()),
        }
    }
}

/// A message without the scratch folder's path (it means nothing to the user).
fn strip_dir(m: &str, dir: &Path) -> String {
    m.replace(&format!("{}/", dir.display()), "")
}

/// One archived edition, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entri {
    /// The archive id, e.g. `2022-perubahan-r1-3fa9c2d1`.
    pub id: String,
    pub opd_kunci: String,
    pub opd_nama: String,
    pub daerah: String,
    pub tahun: i32,
    pub jenis: String,
    pub revisi: u32,
    pub penandatangan_nama: String,
    /// Signing time of the signed PDF, when there is one.
    pub waktu_ttd: Option<String>,
    pub ditambahkan: String,
    pub renja_versi: String,
    /// SHA-256 of the manifest: the entry's identity.
    pub manifest: String,
    /// The service's edition that was archived as this entry (none for entries added outside
    /// the service, e.g. with `renja archive add`).
    pub edisi: Option<i64>,
    /// The service's OPD the entry belongs to, when known.
    pub opd: Option<i64>,
}

/// One file of an archived edition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Berkas {
    pub path: String,
    /// `sumber`, `pdf`, `pdf_ttd`, `docx` or `json`.
    pub jenis: String,
    pub sha256: String,
    pub size: u64,
}

pub fn entri(e: &archive::Edition, edisi: Option<i64>, opd: Option<i64>) -> Entri {
    Entri {
        id: e.id.clone(),
        opd_kunci: e.opd_kunci.clone(),
        opd_nama: e.opd_nama.clone(),
        daerah: e.daerah.clone(),
        tahun: e.tahun,
        jenis: e.jenis.as_str().into(),
        revisi: e.revisi,
        penandatangan_nama: e.penandatangan_nama.clone(),
        waktu_ttd: e.waktu_ttd.clone(),
        ditambahkan: e.ditambahkan.clone(),
        renja_versi: e.renja_versi.clone(),
        manifest: e.manifest.clone(),
        edisi,
        opd,
    }
}

pub fn berkas(store: &dyn archive::Store, id: &str) -> Result<Vec<Berkas>, String> {
    Ok(store
        .files(id)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|f| Berkas { path: f.path, jenis: f.kind.as_str().into(), sha256: f.sha256, size: f.size })
        .collect())
}

/// A stored file's bytes, checked against its hash.
pub fn read(store: &dyn archive::Store, id: &str, path: &str) -> Result<Option<(Kind, Vec<u8>)>, String> {
    let Some(f) = store.files(id).map_err(|e| e.to_string())?.into_iter().find(|f| f.path == path) else { return Ok(None) };
    match store.check_object(&f.sha256, f.size) {
        ObjectState::Ok => store.read_object(&f.sha256).map(|b| Some((f.kind, b))).map_err(|e| e.to_string()),
        ObjectState::Missing => Err(format!("{id}: berkas {} hilang dari arsip", f.path)),
        ObjectState::Altered => Err(format!("{id}: berkas {} dalam arsip telah berubah", f.path)),
    }
}

/// The comparison of two archived editions (their computed models), as `renja archive diff`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Beda {
    pub dari: String,
    pub ke: String,
    /// The report, as `renja archive diff` prints it.
    pub teks: String,
    pub berubah: usize,
    pub ditambah: usize,
    pub dihapus: usize,
}

pub fn diff(store: &dyn archive::Store, a: &str, b: &str) -> Result<Beda, String> {
    let mut docs = Vec::new();
    for id in [a, b] {
        let f = store.files(id).map_err(|e| e.to_string())?.into_iter().find(|f| f.kind == Kind::Json).ok_or_else(|| format!("{id}: model JSON tidak ada di arsip"))?;
        let (_, bytes) = read(store, id, &f.path)?.ok_or_else(|| format!("{id}: model JSON tidak ada di arsip"))?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("{id}: {}: JSON tidak sah: {e}", f.path))?;
        docs.push(v);
    }
    let d = archive::diff::diff(a, &docs[0], b, &docs[1]);
    Ok(Beda { dari: a.into(), ke: b.into(), teks: d.text, berubah: d.changed, ditambah: d.added, dihapus: d.removed })
}

/// What the BSrE service said of a signed PDF.
#[derive(Debug, Serialize, ToSchema)]
pub struct BsreVerdict {
    /// The service's conclusion is VALID.
    pub sah: bool,
    /// Its conclusion as it says it ("VALID", "INVALID", …); empty when it could not be asked.
    pub kesimpulan: String,
    pub keterangan: Option<String>,
    /// Why the service could not be asked.
    pub galat: Option<String>,
}

/// One signature of an archived signed PDF, as renja's verifier (`renja verify`) judges it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TandaTangan {
    pub penandatangan: Option<String>,
    pub penerbit: Option<String>,
    pub waktu: Option<String>,
    pub alasan: Option<String>,
    pub tempat: Option<String>,
    /// The signature's /ByteRange.
    pub rentang: Vec<u64>,
    pub mencakup_seluruh_berkas: bool,
    /// The document hash and the signature check out.
    pub sah: bool,
    /// Whether the certificate chains up to a root the server trusts (`--ca`); null when the
    /// server has none configured.
    pub dipercaya: Option<bool>,
    /// The certificate path to the trusted root (common names), when trusted.
    pub rantai: Vec<String>,
    pub masalah: Vec<String>,
}

/// The verification of an archived edition: its files against their hashes and manifest, and
/// the signatures of its signed PDF.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verifikasi {
    pub id: String,
    /// Every file present and unchanged, the manifest matching.
    pub utuh: bool,
    /// The signed PDF extends the archived final PDF byte for byte.
    pub pdf_final_cocok: bool,
    pub tanda_tangan: Vec<TandaTangan>,
    /// Whether certificate trust was checked (the server has `--ca` roots).
    pub kepercayaan_diperiksa: bool,
    /// The BSrE service's own verdict on the signed PDF, beside renja's (`renja verify --bsre`),
    /// when the server is configured for BSrE.
    pub bsre: Option<BsreVerdict>,
    /// All of the above hold and there is at least one signature, the last covering the whole
    /// file (and, when checked, every certificate trusted).
    pub sah: bool,
    pub masalah: Vec<String>,
}

pub fn verify(store: &dyn archive::Store, id: &str, anchors: &[Certificate], bsre: Option<&renja_sign::bsre::Client>) -> Result<Verifikasi, String> {
    let e = store.find(id).map_err(|e| e.to_string())?;
    let files = store.files(&e.id).map_err(|e| e.to_string())?;
    let mut masalah = Vec::new();
    if archive::manifest_hash(&files) != e.manifest {
        masalah.push("daftar berkas tidak cocok dengan manifes edisi".to_string());
    }
    for f in &files {
        match store.check_object(&f.sha256, f.size) {
            ObjectState::Ok => {}
            ObjectState::Missing => masalah.push(format!("{} hilang", f.path)),
            ObjectState::Altered => masalah.push(format!("{} telah berubah", f.path)),
        }
    }
    let utuh = masalah.is_empty();
    let get = |k: Kind| files.iter().find(|f| f.kind == k).and_then(|f| store.read_object(&f.sha256).ok());
    let (pdf, ttd) = (get(Kind::Pdf), get(Kind::PdfTtd));
    let mut tanda_tangan = Vec::new();
    let mut pdf_final_cocok = false;
    match &ttd {
        None => masalah.push("edisi ini tidak menyimpan PDF bertanda tangan".into()),
        Some(signed) => {
            pdf_final_cocok = pdf.as_ref().is_some_and(|p| signed.len() > p.len() && signed.starts_with(p));
            if !pdf_final_cocok {
                masalah.push("PDF bertanda tangan bukan PDF final edisi ini ditambah tanda tangan".into());
            }
            match renja_sign::signatures(signed) {
                Err(m) => masalah.push(m.to_string()),
                Ok(sigs) => {
                    for s in sigs {
                        let (penandatangan, penerbit, mut problems) = match &s.result {
                            Ok(c) => (Some(c.signer.clone()), Some(c.issuer.clone()), c.problems.clone()),
                            Err(m) => (None, None, vec![m.to_string()]),
                        };
                        let (dipercaya, rantai) = match (&s.result, anchors.is_empty()) {
                            (_, true) => (None, Vec::new()),
                            (Ok(c), false) => match trust(c, anchors) {
                                Ok(chain) => (Some(true), chain),
                                Err(why) => {
                                    problems.push(format!("tidak dipercaya: {why}"));
                                    (Some(false), Vec::new())
                                }
                            },
                            (Err(_), false) => (Some(false), Vec::new()),
                        };
                        tanda_tangan.push(TandaTangan {
                            penandatangan,
                            penerbit,
                            waktu: s.waktu.clone(),
                            alasan: s.reason.clone(),
                            tempat: s.location.clone(),
                            rentang: s.byte_range.iter().map(|x| *x as u64).collect(),
                            mencakup_seluruh_berkas: s.covers_whole_file(),
                            sah: s.valid(),
                            dipercaya,
                            rantai,
                            masalah: problems,
                        });
                    }
                    if tanda_tangan.is_empty() {
                        masalah.push("PDF bertanda tangan tidak memiliki tanda tangan".into());
                    }
                    if tanda_tangan.iter().any(|t| !t.sah) {
                        masalah.push("ada tanda tangan yang tidak sah".into());
                    }
                    if tanda_tangan.iter().any(|t| t.dipercaya == Some(false)) {
                        masalah.push("ada tanda tangan yang sertifikatnya tidak dipercaya server ini".into());
                    }
                    if !tanda_tangan.last().is_some_and(|t| t.mencakup_seluruh_berkas) {
                        masalah.push("tanda tangan terakhir tidak mencakup seluruh berkas".into());
                    }
                }
            }
        }
    }
    let sah = masalah.is_empty();
    let bsre = match (bsre, &ttd) {
        (Some(client), Some(signed)) => Some(match client.verify(signed) {
            Ok(v) => BsreVerdict { sah: v.valid(), kesimpulan: v.conclusion.clone(), keterangan: v.description.clone(), galat: None },
            Err(e) => BsreVerdict { sah: false, kesimpulan: String::new(), keterangan: None, galat: Some(e.message) },
        }),
        _ => None,
    };
    Ok(Verifikasi { id: e.id, utuh, pdf_final_cocok, tanda_tangan, kepercayaan_diperiksa: !anchors.is_empty(), bsre, sah, masalah })
}
