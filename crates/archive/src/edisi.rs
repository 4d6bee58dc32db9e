//! Collecting an edition for the archive: every file of its source folder (byte for byte), the
//! final PDF (no draft mark), the DOCX and the computed JSON, all built in memory from those very
//! sources, the signed PDF when one is given, and the metadata of the `edisi` row.

use super::{Edition, FileEntry, Kind, NewEdition};
use renja_core::diag::Diagnostics;
use renja_core::document::Document;
use renja_edition::{Formats, RenderOptions, Renderer};
use std::path::{Path, PathBuf};

/// Why an edition could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The sources have errors (printed by the caller); exit 1.
    #[error("{}", .0.summary())]
    Sources(Diagnostics),
    /// The edition is refused for another reason (e.g. a signed PDF of other sources); exit 1.
    #[error("{0}")]
    Refused(String),
    /// Reading or rendering failed; exit 2.
    #[error("{0}")]
    Io(String),
}

/// The outputs built from an edition folder.
pub struct Outputs {
    pub doc: Document,
    pub pdf: Vec<u8>,
    pub docx: Vec<u8>,
    pub json: Vec<u8>,
    /// Warnings in the sources (listed by `renja check`).
    pub warnings: usize,
}

/// Every file of the edition folder `dir`, as the archive stores them: see
/// [`renja_core::source::read_tree`] (the one place the edition's files are listed).
pub fn read_sources(dir: &Path, skip: Option<&Path>) -> Result<Vec<(String, Vec<u8>)>, renja_core::source::ReadError> {
    renja_core::source::read_tree(dir, skip)
}

/// Checks and computes the edition in `dir` (a Perubahan also against its base edition in
/// `base`) and builds the final PDF, the DOCX and the JSON in memory, exactly as `renja build
/// --final` and `renja export --json` do.
pub fn build(dir: &Path, base: super::dasar::BaseStore<'_>) -> Result<Outputs, CollectError> {
    build_reusing(dir, &[], base)
}

/// As [`build`], but a final PDF among `candidates` whose recorded source fingerprint equals the
/// fingerprint of these sources (and of `layouts/`, `fonts/` and this renja version) is taken as
/// is instead of being laid out again (`renja archive rebuild` re-checks it byte for byte).
pub fn build_reusing(dir: &Path, candidates: &[Vec<u8>], base: super::dasar::BaseStore<'_>) -> Result<Outputs, CollectError> {
    let mut edition = renja_edition::Edition::load(dir);
    edition.check_base(|model, diags| super::dasar::check(model, base, diags));
    let diags = edition.check();
    if diags.has_errors() {
        return Err(CollectError::Sources(diags.clone()));
    }
    let Some(doc) = edition.document() else {
        return Err(CollectError::Refused("edisi tidak dapat dibaca".into()));
    };
    let warnings = diags.count(renja_core::diag::Severity::Warning);
    let mut renderer = Renderer::new(dir);
    let assets = renderer.assets().clone();
    let reuse = renja_core::source::fingerprint(dir, &assets.layouts, &assets.fonts)
        .ok()
        .and_then(|fp| candidates.iter().find(|c| renja_sign::recorded_fingerprint(c).as_deref() == Some(fp.as_str())).cloned());
    let formats = Formats { pdf: reuse.is_none(), ..Formats::ALL };
    let rendered = edition.render(&mut renderer, &RenderOptions::final_(formats));
    if rendered.diagnostics.has_errors() {
        let msgs: Vec<String> = rendered.diagnostics.iter().map(|d| d.to_string()).collect();
        return Err(CollectError::Io(msgs.join("\n")));
    }
    let (Some(pdf), Some(docx), Some(json)) = (reuse.or(rendered.pdf), rendered.docx, rendered.json) else {
        return Err(CollectError::Io("keluaran gagal disusun".to_string()));
    };
    let mut doc = doc.clone();
    doc.sampul.draf = false;
    Ok(Outputs { doc, pdf, docx, json, warnings })
}

/// The agency part of the immutability key: `<tingkat> <daerah>/<kode OPD, else nama OPD>`.
pub fn opd_kunci(doc: &Document) -> String {
    opd_kunci_meta(&doc.edisi)
}

/// [`opd_kunci`] from the edition metadata.
pub fn opd_kunci_meta(e: &renja_core::model::Meta) -> String {
    let tingkat = format!("{:?}", e.daerah.tingkat).to_lowercase();
    let opd = e.opd.kode.as_ref().map(|k| k.get_ref().clone()).unwrap_or_else(|| e.opd.nama.clone());
    format!("{tingkat} {}/{opd}", e.daerah.nama)
}

/// Collects the edition in `dir` (and the signed PDF `ttd`, if given) for [`super::Store::insert`].
/// The base-edition check reads the archive folder `archive_root` (else `$RENJA_ARSIP`), which is
/// also left out of the sources when it lies inside `dir`.
pub fn collect(dir: &Path, ttd: Option<&Path>, archive_root: Option<&Path>, revisi_baru: bool) -> Result<(NewEdition, usize), CollectError> {
    let store = super::dasar::open_configured(archive_root.map(Path::to_path_buf));
    collect_with(dir, ttd, super::dasar::as_base(&store), archive_root, revisi_baru)
}

/// [`collect`] with the store the base-edition check reads given (any backend); `skip` is a
/// folder inside `dir` that is not a source (the archive folder).
pub fn collect_with(
    dir: &Path,
    ttd: Option<&Path>,
    base: super::dasar::BaseStore<'_>,
    skip: Option<&Path>,
    revisi_baru: bool,
) -> Result<(NewEdition, usize), CollectError> {
    let sources = read_sources(dir, skip).map_err(|e| CollectError::Io(e.to_string()))?;
    let signed_bytes = match ttd {
        None => None,
        Some(p) => Some(std::fs::read(p).map_err(|e| CollectError::Io(format!("{}: {e}", p.display())))?),
    };
    // A final PDF already built from these very sources need not be laid out again: the signed
    // PDF's unsigned revision, or `out/<name>.pdf` beside the edition or in the current folder.
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    if let Some(unsigned) = signed_bytes.as_deref().and_then(renja_sign::before_first_signature) {
        candidates.push(unsigned.to_vec());
    }
    for out_dir in [dir.join("out"), dir.parent().unwrap_or(Path::new(".")).join("out"), PathBuf::from("out")] {
        if let Ok(entries) = std::fs::read_dir(&out_dir) {
            let mut pdfs: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pdf") && !p.to_string_lossy().ends_with(".ttd.pdf"))
                .collect();
            pdfs.sort();
            candidates.extend(pdfs.iter().filter_map(|p| std::fs::read(p).ok()));
        }
    }
    let out = build_reusing(dir, &candidates, base)?;
    let mut waktu_ttd = None;
    let signed = match (ttd, signed_bytes) {
        (Some(p), Some(bytes)) => {
            if bytes.len() <= out.pdf.len() || !bytes.starts_with(&out.pdf) {
                return Err(CollectError::Refused(format!("{}: PDF bertanda tangan bukan hasil susun sumber ini", p.display())));
            }
            // The signatures must hold; the first one's time is recorded.
            let sigs = renja_sign::signatures(&bytes).map_err(|e| CollectError::Refused(format!("{}: {e}", p.display())))?;
            if sigs.is_empty() || !sigs.iter().all(|s| s.valid()) || !sigs.iter().any(|s| s.covers_whole_file()) {
                return Err(CollectError::Refused(format!(
                    "{}: tanda tangan elektronik tidak ada atau tidak sah (periksa dengan `renja verify`)",
                    p.display()
                )));
            }
            waktu_ttd = sigs[0].waktu.clone();
            Some(bytes)
        }
        _ => None,
    };
    let slug = out.doc.metadata.slug.clone();
    let mut files: Vec<(FileEntry, Vec<u8>)> = Vec::new();
    let mut push = |path: String, kind: Kind, bytes: Vec<u8>| {
        let e = FileEntry { path, sha256: super::sha256_hex(&bytes), size: bytes.len() as u64, kind };
        files.push((e, bytes));
    };
    for (rel, bytes) in sources {
        push(rel, Kind::Sumber, bytes);
    }
    push(format!("out/{slug}.pdf"), Kind::Pdf, out.pdf);
    if let Some(s) = signed {
        push(format!("out/{slug}.ttd.pdf"), Kind::PdfTtd, s);
    }
    push(format!("out/{slug}.docx"), Kind::Docx, out.docx);
    push(format!("out/{slug}.json"), Kind::Json, out.json);
    let entries: Vec<FileEntry> = files.iter().map(|(e, _)| e.clone()).collect();
    let manifest = super::manifest_hash(&entries);
    let e = &out.doc.edisi;
    let meta = Edition {
        id: String::new(),
        opd_kunci: opd_kunci(&out.doc),
        opd_nama: e.opd.nama.clone(),
        opd_singkatan: e.opd.singkatan.clone(),
        daerah: e.daerah.nama.clone(),
        tahun: e.tahun,
        jenis: e.jenis,
        revisi: e.revisi,
        revisi_sumber: e.revisi,
        tahap: e.tahap.clone(),
        slug,
        penandatangan_nama: e.penandatangan.nama.clone(),
        penandatangan_nip: e.penandatangan.nip.clone(),
        // The `/M` time of the first signature, when a signed PDF is stored.
        waktu_ttd,
        renja_versi: out.doc.renja_versi.to_string(),
        ditambahkan: super::now_utc(),
        dasar: e.dasar.clone(),
        manifest,
    };
    Ok((NewEdition { meta, revisi_baru, files }, out.warnings))
}
