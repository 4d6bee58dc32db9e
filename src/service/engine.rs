//! The one adapter between the service and the document library: everything the service asks of
//! renja's pipeline goes through here, so moving to the library façade (`Edition::load → check →
//! render`) is a change to this file alone. The service itself holds no document logic.

use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};

/// A private folder holding one revision's sources, removed when dropped.
pub struct Workdir {
    path: PathBuf,
}

impl Workdir {
    /// Writes `files` (relative, already validated paths) under `parent/kerja/<random>/`.
    pub fn new(parent: &Path, files: &[(String, Vec<u8>)]) -> Result<Workdir, String> {
        let path = parent.join("kerja").join(super::auth::new_token());
        std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let wd = Workdir { path };
        for (rel, bytes) in files {
            let p = wd.path.join(rel);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
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
pub fn check(scratch: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<Diagnostic>, String> {
    let wd = Workdir::new(scratch, files)?;
    let (_, diags) = crate::process(wd.path());
    Ok(diags.iter().cloned().collect())
}

/// Every file of an edition folder as (relative path, bytes), for import.
pub fn read_folder(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    crate::archive::edisi::read_sources(dir, None).map_err(|e| e.to_string())
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
    assets: crate::pdf::Assets,
    fonts: std::sync::OnceLock<Result<std::sync::Arc<crate::pdf::Fonts>, String>>,
    /// SHA-256 over renja's version and every file of layouts/ and fonts/: part of each render's
    /// cache key, so a new layout or font never serves an old render.
    pub fingerprint: String,
}

impl Assets {
    pub fn locate() -> Assets {
        let assets = crate::pdf::Assets::locate(Path::new("content"));
        let mut h = format!("renja {}\n", env!("CARGO_PKG_VERSION"));
        for (label, dir) in [("layouts", &assets.layouts), ("fonts", &assets.fonts)] {
            for (rel, bytes) in crate::archive::edisi::read_sources(dir, None).unwrap_or_default() {
                h.push_str(&format!("{label}/{rel} {}\n", crate::archive::sha256_hex(&bytes)));
            }
        }
        Assets { assets, fonts: std::sync::OnceLock::new(), fingerprint: crate::archive::sha256_hex(h.as_bytes()) }
    }

    /// The `layouts/` folder (the signature appearance's `tte.typ` lives there).
    pub fn layouts(&self) -> &Path {
        &self.assets.layouts
    }

    pub fn fonts(&self) -> Result<std::sync::Arc<crate::pdf::Fonts>, String> {
        self.fonts.get_or_init(|| crate::pdf::Fonts::load(&self.assets.fonts).map(std::sync::Arc::new).map_err(|e| e.to_string())).clone()
    }
}

/// Renders a revision's sources as a draft (the cover says RANCANGAN) PDF, DOCX or the computed
/// model as JSON, exactly as `renja build` / `renja export --json` would.
pub fn render(scratch: &Path, assets: &Assets, files: &[(String, Vec<u8>)], format: Format) -> Result<Vec<u8>, RenderFail> {
    let wd = Workdir::new(scratch, files).map_err(RenderFail::Internal)?;
    let edition = crate::Edition::load(wd.path());
    let errors = |d: &crate::diag::Diagnostics| d.iter().filter(|x| x.severity == crate::diag::Severity::Error).cloned().collect::<Vec<_>>();
    let Some(doc) = edition.document().filter(|_| !edition.check().has_errors()) else {
        return Err(RenderFail::Sources(errors(edition.check())));
    };
    if let Format::Json = format {
        return serde_json::to_vec_pretty(doc).map_err(|e| RenderFail::Internal(e.to_string()));
    }
    // PDF and DOCX through the library's one render function, as `renja build` renders a draft.
    let fonts = assets.fonts().map_err(RenderFail::Internal)?;
    let mut renderer = crate::Renderer::with_fonts(wd.path(), assets.assets.clone(), fonts);
    let pdf = matches!(format, Format::Pdf);
    let formats = crate::Formats { pdf, docx: !pdf, ..crate::Formats::NONE };
    let rendered = edition.render(&mut renderer, &crate::RenderOptions::draft(formats));
    let out = if pdf { rendered.pdf } else { rendered.docx };
    out.ok_or_else(|| RenderFail::Internal(rendered.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")))
}

/// The computed model (the export JSON's value) of a set of sources, with every diagnostic; no
/// model when the sources cannot be read. For the workspace's table grid (computed cells).
pub fn model(scratch: &Path, files: &[(String, Vec<u8>)]) -> Result<(Option<serde_json::Value>, Vec<Diagnostic>), String> {
    let wd = Workdir::new(scratch, files)?;
    let edition = crate::Edition::load(wd.path());
    let diags = edition.check().iter().cloned().collect();
    let model = match edition.document() {
        Some(doc) => Some(serde_json::to_value(doc).map_err(|e| e.to_string())?),
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
    let wd = Workdir::new(scratch, files).map_err(RenderFail::Internal)?;
    let mut edition = crate::Edition::load(wd.path());
    let store = arsip.base();
    edition.check_base(|model, diags| crate::archive::dasar::check(model, super::arsip::as_base(&store), diags));
    let errors = |d: &crate::diag::Diagnostics| d.iter().filter(|x| x.severity == crate::diag::Severity::Error).cloned().collect::<Vec<_>>();
    if edition.document().is_none() || edition.check().has_errors() {
        return Err(RenderFail::Sources(errors(edition.check())));
    }
    let fonts = assets.fonts().map_err(RenderFail::Internal)?;
    let mut renderer = crate::Renderer::with_fonts(wd.path(), assets.assets.clone(), fonts);
    let rendered = edition.render(&mut renderer, &crate::RenderOptions::final_(crate::Formats::ALL));
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
    let src = Workdir::new(scratch, files)?;
    let name = format!("buku-kerja.{ext}");
    let book = Workdir::new(scratch, &[(name.clone(), workbook.to_vec())])?;
    let clean = |m: String| m.replace(&format!("{}/", book.path().display()), "").replace(&format!("{}/", src.path().display()), "");
    let opsi = crate::xlsx::impor::Opsi { tabel, lembar, peta: None };
    let rep = crate::xlsx::impor::siapkan(src.path(), &book.path().join(&name), &opsi).map_err(|g| clean(g.to_string()))?;
    let (ditambahkan, diubah, tidak_berubah, ditolak) = rep.hitung();
    let berkas = rep.berkas.strip_prefix(src.path()).map(|p| p.to_string_lossy().replace('\\', "/")).map_err(|_| "berkas data di luar edisi".to_string())?;
    Ok(WorkbookImport { laporan: clean(rep.tulis()), ditambahkan, diubah, tidak_berubah, ditolak, berkas, teks_baru: rep.teks_baru })
}
