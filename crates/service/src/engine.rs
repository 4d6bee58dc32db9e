//! The one adapter between the service and the document library: everything the service asks of
//! renja's pipeline goes through here, so moving to the library façade (`Edition::load → check →
//! render`) is a change to this file alone. The service itself holds no document logic.

use renja_core::diag::Diagnostic;
use std::path::{Path, PathBuf};

/// Why the engine could not do what was asked: a scratch folder's I/O, or an edition folder that
/// cannot be read. (Problems in the sources themselves are diagnostics, not errors.)
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}: {source}", .path.display())]
    Berkas { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Baca(#[from] renja_core::source::ReadError),
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The I/O error of `path` as an [`EngineError`].
pub(crate) fn at(path: &Path) -> impl FnOnce(std::io::Error) -> EngineError + '_ {
    move |source| EngineError::Berkas { path: path.to_path_buf(), source }
}

/// A private folder holding one revision's sources, removed when dropped.
pub struct Workdir {
    path: PathBuf,
}

impl Workdir {
    /// Writes `files` (relative, already validated paths) under `parent/kerja/<random>/`.
    pub fn new(parent: &Path, files: &[(String, Vec<u8>)]) -> Result<Workdir, EngineError> {
        let path = parent.join("kerja").join(super::auth::new_token());
        std::fs::create_dir_all(&path).map_err(at(&path))?;
        let wd = Workdir { path };
        for (rel, bytes) in files {
            let p = wd.path.join(rel);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(at(dir))?;
            }
            std::fs::write(&p, bytes).map_err(at(&p))?;
        }
        Ok(wd)
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Checks a revision's sources: every diagnostic, located by file:line:col relative to the
/// edition folder.
pub fn check(scratch: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<Diagnostic>, EngineError> {
    let wd = Workdir::new(scratch, files)?;
    let (_, diags) = renja_edition::process(wd.path());
    Ok(diags.iter().cloned().collect())
}

/// Incremental checks (issue #21): each edition the service checks keeps a folder of its own
/// (`DATA/kerja/periksa-<edition>-<n>/`, the last checked revision's files) and an
/// [`renja_edition::EditionCache`], so checking the next revision rewrites only the files that changed and
/// parses, validates and computes again only what depends on them — a chapter save re-parses one
/// Markdown file instead of the whole edition. The diagnostics are the same as a check from
/// scratch ([`check`]); tests/incremental.rs holds the engine to that.
///
/// At most `max` editions are kept (the least recently checked goes, folder and all); one edition
/// is checked by one thread at a time, different editions in parallel.
pub struct Checker {
    scratch: PathBuf,
    max: usize,
    slots: std::sync::Mutex<Vec<(i64, std::sync::Arc<std::sync::Mutex<Slot>>)>>,
    /// Numbers each slot's folder, so a slot evicted while a check still runs on it never shares
    /// its folder with the edition's next slot.
    made: std::sync::atomic::AtomicU64,
}

/// One edition's folder as last written and its cache.
struct Slot {
    dir: PathBuf,
    /// SHA-256 of each file written in `dir`.
    written: std::collections::BTreeMap<String, [u8; 32]>,
    cache: renja_edition::EditionCache,
    /// No longer in the list: a check that still reaches it checks from scratch instead.
    evicted: bool,
}

impl Slot {
    /// Forgets the folder and the cache (the folder is removed).
    fn reset(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        self.written.clear();
        self.cache = renja_edition::EditionCache::new();
    }
}

impl Checker {
    /// Editions kept by default (`renja serve --check-cache`): see docs/service.md for the memory one costs.
    pub const DEFAULT_MAX: usize = 64;

    pub fn new(scratch: &Path, max: usize) -> Checker {
        Checker { scratch: scratch.to_path_buf(), max: max.max(1), slots: std::sync::Mutex::new(Vec::new()), made: Default::default() }
    }

    /// The slot of `edisi`, made the most recently used. The slots that fall out of the list are
    /// emptied after the list's lock is released (each waits for a check running on it).
    fn slot(&self, edisi: i64) -> std::sync::Arc<std::sync::Mutex<Slot>> {
        let (slot, evicted) = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let slot = match slots.iter().position(|(id, _)| *id == edisi) {
                Some(i) => slots.remove(i).1,
                None => {
                    let n = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    std::sync::Arc::new(std::sync::Mutex::new(Slot {
                        dir: self.scratch.join("kerja").join(format!("periksa-{edisi}-{n}")),
                        written: Default::default(),
                        cache: renja_edition::EditionCache::new(),
                        evicted: false,
                    }))
                }
            };
            slots.push((edisi, slot.clone()));
            let excess = slots.len().saturating_sub(self.max);
            let evicted: Vec<_> = slots.drain(..excess).map(|(_, s)| s).collect();
            (slot, evicted)
        };
        for old in evicted {
            let mut g = old.lock().unwrap_or_else(|p| p.into_inner());
            g.evicted = true;
            g.reset();
        }
        slot
    }

    /// Checks one revision's sources of edition `edisi`, as [`check`] does. With
    /// `RENJA_SERVICE_CHECK_COLD=1` every check is from scratch (for benchmarks side by side).
    pub fn check(&self, edisi: i64, files: &[(String, Vec<u8>)]) -> Result<Vec<Diagnostic>, EngineError> {
        static COLD: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if *COLD.get_or_init(|| std::env::var("RENJA_SERVICE_CHECK_COLD").is_ok_and(|v| v == "1")) {
            return check(&self.scratch, files);
        }
        let slot = self.slot(edisi);
        let mut g = slot.lock().unwrap_or_else(|p| p.into_inner());
        if g.evicted {
            drop(g);
            return check(&self.scratch, files);
        }
        if let Err(m) = sync_folder(&mut g, files) {
            // Whatever is on disk now is unknown: start over next time.
            g.reset();
            return Err(m);
        }
        let Slot { dir, cache, .. } = &mut *g;
        let edition = renja_edition::Edition::load_cached(dir, cache);
        Ok(edition.check().iter().cloned().collect())
    }
}

/// Makes `slot.dir` hold exactly `files`: writes the new and changed ones, removes the others.
fn sync_folder(slot: &mut Slot, files: &[(String, Vec<u8>)]) -> Result<(), EngineError> {
    use sha2::{Digest, Sha256};
    std::fs::create_dir_all(&slot.dir).map_err(at(&slot.dir))?;
    let wanted: std::collections::BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let gone: Vec<String> = slot.written.keys().filter(|p| !wanted.contains(p.as_str())).cloned().collect();
    for rel in gone {
        let p = slot.dir.join(&rel);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(at(&p)(e)),
        }
        slot.written.remove(&rel);
    }
    for (rel, bytes) in files {
        let hash: [u8; 32] = Sha256::digest(bytes).into();
        if slot.written.get(rel) == Some(&hash) {
            continue;
        }
        let p = slot.dir.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(at(d))?;
        }
        slot.written.remove(rel);
        std::fs::write(&p, bytes).map_err(at(&p))?;
        slot.written.insert(rel.clone(), hash);
    }
    Ok(())
}

/// Every file of an edition folder as (relative path, bytes), for import.
pub fn read_folder(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, EngineError> {
    Ok(renja_archive::edisi::read_sources(dir, None)?)
}

/// What `edisi.toml` says of the agency and the edition (for `serve --contoh`): (kode, nama,
/// kepala, tahun, jenis, revisi).
pub fn edition_meta(edisi_toml: &str) -> Option<(String, String, String, i32, String, u32)> {
    let v: toml::Value = toml::from_str(edisi_toml).ok()?;
    let s = |a: &str, b: &str| v.get(a).and_then(|t| t.get(b)).and_then(|x| x.as_str()).map(str::to_string);
    let i = |a: &str, b: &str| v.get(a).and_then(|t| t.get(b)).and_then(|x| x.as_integer());
    Some((
        s("opd", "kode")?,
        s("opd", "nama")?,
        s("penandatangan", "nama").unwrap_or_default(),
        i("edisi", "tahun")? as i32,
        s("edisi", "jenis")?,
        i("edisi", "revisi").unwrap_or(0) as u32,
    ))
}

/// What a render produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Docx,
    Json,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Json => "json",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Json => "application/json",
        }
    }
}

/// Why a render gave no document.
#[derive(Debug, Clone)]
pub enum RenderFail {
    /// The sources have errors (the author's to fix): every diagnostic.
    Sources(Vec<Diagnostic>),
    /// The server could not render (fonts, layouts, I/O).
    Internal(String),
}

/// The layouts and fonts every render uses, found once at start.
pub struct Assets {
    assets: renja_pdf::Assets,
    fonts: std::sync::OnceLock<Result<std::sync::Arc<renja_pdf::Fonts>, String>>,
    /// SHA-256 over renja's version and every file of layouts/ and fonts/: part of each render's
    /// cache key, so a new layout or font never serves an old render.
    pub fingerprint: String,
}

impl Assets {
    pub fn locate() -> Assets {
        let assets = renja_pdf::Assets::locate(Path::new("content"));
        let mut h = format!("renja {}\n", env!("CARGO_PKG_VERSION"));
        for (label, dir) in [("layouts", &assets.layouts), ("fonts", &assets.fonts)] {
            for (rel, bytes) in renja_archive::edisi::read_sources(dir, None).unwrap_or_default() {
                h.push_str(&format!("{label}/{rel} {}\n", renja_archive::sha256_hex(&bytes)));
            }
        }
        Assets { assets, fonts: std::sync::OnceLock::new(), fingerprint: renja_archive::sha256_hex(h.as_bytes()) }
    }

    /// The `layouts/` folder (the signature appearance's `tte.typ` lives there).
    pub fn layouts(&self) -> &Path {
        &self.assets.layouts
    }

    pub fn fonts(&self) -> Result<std::sync::Arc<renja_pdf::Fonts>, String> {
        self.fonts.get_or_init(|| renja_pdf::Fonts::load(&self.assets.fonts).map(std::sync::Arc::new).map_err(|e| e.to_string())).clone()
    }
}

/// Renders a revision's sources as a draft (the cover says RANCANGAN) PDF, DOCX or the computed
/// model as JSON, exactly as `renja build` / `renja export --json` would.
pub fn render(scratch: &Path, assets: &Assets, files: &[(String, Vec<u8>)], format: Format) -> Result<Vec<u8>, RenderFail> {
    let wd = Workdir::new(scratch, files).map_err(|e| RenderFail::Internal(e.to_string()))?;
    let edition = renja_edition::Edition::load(wd.path());
    let errors = |d: &renja_core::diag::Diagnostics| d.iter().filter(|x| x.severity == renja_core::diag::Severity::Error).cloned().collect::<Vec<_>>();
    let Some(doc) = edition.document().filter(|_| !edition.check().has_errors()) else {
        return Err(RenderFail::Sources(errors(edition.check())));
    };
    if let Format::Json = format {
        return serde_json::to_vec_pretty(doc).map_err(|e| RenderFail::Internal(e.to_string()));
    }
    // PDF and DOCX through the library's one render function, as `renja build` renders a draft.
    let fonts = assets.fonts().map_err(RenderFail::Internal)?;
    let mut renderer = renja_edition::Renderer::with_fonts(wd.path(), assets.assets.clone(), fonts);
    let pdf = matches!(format, Format::Pdf);
    let formats = renja_edition::Formats { pdf, docx: !pdf, ..renja_edition::Formats::NONE };
    let rendered = edition.render(&mut renderer, &renja_edition::RenderOptions::draft(formats));
    let out = if pdf { rendered.pdf } else { rendered.docx };
    out.ok_or_else(|| RenderFail::Internal(rendered.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")))
}

/// The computed model (the export JSON's value) of a set of sources, with every diagnostic; no
/// model when the sources cannot be read. For the workspace's table grid (computed cells).
pub fn model(scratch: &Path, files: &[(String, Vec<u8>)]) -> Result<(Option<serde_json::Value>, Vec<Diagnostic>), EngineError> {
    let wd = Workdir::new(scratch, files)?;
    let edition = renja_edition::Edition::load(wd.path());
    let diags = edition.check().iter().cloned().collect();
    let model = match edition.document() {
        Some(doc) => Some(serde_json::to_value(doc)?),
        None => None,
    };
    Ok((model, diags))
}

/// The frozen outputs of one revision: the final PDF (no draft mark, with the empty signature
/// field), the DOCX and the computed JSON.
pub struct Final {
    pub pdf: Vec<u8>,
    pub docx: Vec<u8>,
    pub json: Vec<u8>,
}

/// Renders a revision's sources as the final document through the façade, as `renja build
/// --final` and `renja export --json` do; a Perubahan's Sebelum columns are checked against its
/// base edition in the service's archive `arsip` (as `renja archive add` will check them).
pub fn render_final(scratch: &Path, assets: &Assets, files: &[(String, Vec<u8>)], arsip: &super::arsip::Arsip) -> Result<Final, RenderFail> {
    let wd = Workdir::new(scratch, files).map_err(|e| RenderFail::Internal(e.to_string()))?;
    let mut edition = renja_edition::Edition::load(wd.path());
    let store = arsip.base();
    edition.check_base(|model, diags| renja_archive::dasar::check(model, super::arsip::as_base(&store), diags));
    let errors = |d: &renja_core::diag::Diagnostics| d.iter().filter(|x| x.severity == renja_core::diag::Severity::Error).cloned().collect::<Vec<_>>();
    if edition.document().is_none() || edition.check().has_errors() {
        return Err(RenderFail::Sources(errors(edition.check())));
    }
    let fonts = assets.fonts().map_err(RenderFail::Internal)?;
    let mut renderer = renja_edition::Renderer::with_fonts(wd.path(), assets.assets.clone(), fonts);
    let rendered = edition.render(&mut renderer, &renja_edition::RenderOptions::final_(renja_edition::Formats::ALL));
    match (rendered.pdf, rendered.docx, rendered.json) {
        (Some(pdf), Some(docx), Some(json)) if !rendered.diagnostics.has_errors() => Ok(Final { pdf, docx, json }),
        _ => Err(RenderFail::Internal(rendered.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))),
    }
}

/// What reading a workbook against a revision found (`renja impor`'s report) and the data file it
/// would write.
pub struct WorkbookImport {
    /// The report, row by row, as `renja impor` prints it.
    pub laporan: String,
    pub ditambahkan: usize,
    pub diubah: usize,
    pub tidak_berubah: usize,
    pub ditolak: usize,
    /// The data file the rows go to, relative to the edition (e.g. `data/rencana.toml`).
    pub berkas: String,
    /// Its new text, when something changes and no row was refused.
    pub teks_baru: Option<String>,
}

/// Reads `workbook` (the bytes of an .xlsx, .xls or .ods; `ext` without the dot) against a
/// revision's sources exactly as `renja impor` does, without writing anything. `Err` is the
/// located message of a workbook or edition that cannot be read.
pub fn import_workbook(scratch: &Path, files: &[(String, Vec<u8>)], workbook: &[u8], ext: &str, tabel: Option<String>, lembar: Option<String>) -> Result<WorkbookImport, String> {
    let src = Workdir::new(scratch, files).map_err(|e| e.to_string())?;
    let name = format!("buku-kerja.{ext}");
    let book = Workdir::new(scratch, &[(name.clone(), workbook.to_vec())]).map_err(|e| e.to_string())?;
    let clean = |m: String| m.replace(&format!("{}/", book.path().display()), "").replace(&format!("{}/", src.path().display()), "");
    let opsi = renja_xlsx::impor::Opsi { tabel, lembar, peta: None };
    let rep = renja_xlsx::impor::siapkan(src.path(), &book.path().join(&name), &opsi).map_err(|g| clean(g.to_string()))?;
    let (ditambahkan, diubah, tidak_berubah, ditolak) = rep.hitung();
    let berkas = rep.berkas.strip_prefix(src.path()).map(|p| p.to_string_lossy().replace('\\', "/")).map_err(|_| "berkas data di luar edisi".to_string())?;
    Ok(WorkbookImport { laporan: clean(rep.tulis()), ditambahkan, diubah, tidak_berubah, ditolak, berkas, teks_baru: rep.teks_baru })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(d: &[Diagnostic]) -> Vec<String> {
        d.iter().map(|x| x.to_string()).collect()
    }

    fn edit(files: &mut [(String, Vec<u8>)], rel: &str, f: impl FnOnce(String) -> String) {
        let (_, bytes) = files.iter_mut().find(|(p, _)| p == rel).unwrap_or_else(|| panic!("{rel} in the sample"));
        *bytes = f(String::from_utf8(std::mem::take(bytes)).unwrap()).into_bytes();
    }

    /// The incremental checker gives the from-scratch diagnostics after each kind of change, and
    /// reuses parses between them.
    #[test]
    fn checker_equals_a_check_from_scratch() {
        let scratch = tempfile::tempdir().unwrap();
        let sample = renja_core::checkout_dir().join("content");
        let mut files = read_folder(&sample).unwrap();
        let checker = Checker::new(scratch.path(), 2);
        let same = |files: &[(String, Vec<u8>)], what: &str| {
            let inc = checker.check(7, files).unwrap();
            let cold = check(scratch.path(), files).unwrap();
            assert_eq!(texts(&inc), texts(&cold), "{what}");
            inc
        };
        assert!(same(&files, "sample").iter().all(|d| d.severity != renja_core::diag::Severity::Error));
        // A chapter edit, then a broken number in a data file, then a file gone and back.
        edit(&mut files, "bab/01-pendahuluan.md", |t| t + "\nSatu kalimat tambahan.\n");
        same(&files, "chapter edit");
        edit(&mut files, "data/rencana.toml", |t| t.replacen("pagu", "pagu_salah", 1));
        assert!(same(&files, "data error").iter().any(|d| d.severity == renja_core::diag::Severity::Error));
        let removed = files.iter().position(|(p, _)| p == "bab/04-penutup.md").unwrap();
        let penutup = files.remove(removed);
        same(&files, "file removed");
        let dir7 = checker.slot(7).lock().unwrap().dir.clone();
        assert!(dir7.join("edisi.toml").exists() && !dir7.join("bab/04-penutup.md").exists(), "a removed file is gone from the folder");
        files.push(penutup);
        same(&files, "file back");
        {
            let slot = checker.slot(7);
            let g = slot.lock().unwrap();
            let (hits, misses, _) = g.cache.stats();
            assert!(hits > misses, "parses reused: {hits} hits, {misses} misses");
        }
        // Two more editions with room for two: the least recently checked folder goes.
        let kept7 = checker.slot(7);
        checker.check(8, &files).unwrap();
        checker.check(9, &files).unwrap();
        assert!(!dir7.exists(), "evicted edition's folder removed");
        assert!(kept7.lock().unwrap().evicted, "a check still holding the evicted slot checks from scratch");
        assert_eq!(texts(&checker.check(7, &files).unwrap()), texts(&check(scratch.path(), &files).unwrap()), "7 again, in a new slot");
        let dir9 = checker.slot(9).lock().unwrap().dir.clone();
        assert!(dir9.join("edisi.toml").exists());
        assert_ne!(checker.slot(7).lock().unwrap().dir, dir7, "a new slot has a folder of its own");
    }
}
