//! Collecting an edition for the archive: every file of its source folder (byte for byte), the
//! final PDF (no draft mark), the DOCX and the computed JSON, all built in memory from those very
//! sources, the signed PDF when one is given, and the metadata of the `edisi` row.

use super::{Edition, FileEntry, Kind, NewEdition};
use crate::diag::Diagnostics;
use crate::document::Document;
use crate::pdf::{Assets, Fonts};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why an edition could not be collected.
pub enum CollectError {
    /// The sources have errors (printed by the caller); exit 1.
    Sources(Diagnostics),
    /// The edition is refused for another reason (e.g. a signed PDF of other sources); exit 1.
    Refused(String),
    /// Reading or rendering failed; exit 2.
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

/// Every file under `dir`, as (`/`-separated relative path, bytes), in path order. Skipped: a
/// top-level `out/` folder (build outputs), `.git/`, and `skip` (the archive itself when it lies
/// inside the edition folder). Symbolic links to files are stored as the file they point to.
pub fn read_sources(dir: &Path, skip: Option<&Path>) -> Result<Vec<(String, Vec<u8>)>, String> {
    let skip = skip.and_then(|s| s.canonicalize().ok());
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", path.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(format!("{}: nama berkas bukan UTF-8", entry.path().display()));
            };
            let child_rel = if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") };
            let p = entry.path();
            if name == ".git" || (rel.is_empty() && name == "out") {
                continue;
            }
            if let (Some(s), Ok(c)) = (&skip, p.canonicalize())
                && &c == s
            {
                continue;
            }
            let meta = std::fs::metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            if meta.is_dir() {
                stack.push((p, child_rel));
            } else if meta.is_file() {
                let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                out.push((child_rel, bytes));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Checks and computes the edition in `dir` and builds the final PDF, the DOCX and the JSON in
/// memory, exactly as `renja build --final` and `renja export --json` do.
pub fn build(dir: &Path) -> Result<Outputs, CollectError> {
    build_reusing(dir, &[])
}

/// As [`build`], but a final PDF among `candidates` whose recorded source fingerprint equals the
/// fingerprint of these sources (and of `layouts/`, `fonts/` and this renja version) is taken as
/// is instead of being laid out again (`renja archive rebuild` re-checks it byte for byte).
pub fn build_reusing(dir: &Path, candidates: &[Vec<u8>]) -> Result<Outputs, CollectError> {
    let (doc, mut diags) = crate::process(dir);
    if diags.has_errors() {
        return Err(CollectError::Sources(diags));
    }
    let Some(mut doc) = doc else {
        return Err(CollectError::Refused("edisi tidak dapat dibaca".into()));
    };
    doc.sampul.draf = false;
    let warnings = diags.count(crate::diag::Severity::Warning);
    let assets = Assets::locate(dir);
    let fonts = Fonts::load(&assets.fonts).map_err(CollectError::Io)?;
    // The DOCX and the JSON are built on a second thread while typst lays out the PDF.
    let (pdf, rest) = std::thread::scope(|s| {
        let side = s.spawn(|| {
            let docx = crate::docx::render(&doc, dir).map_err(|m| CollectError::Io(format!("DOCX gagal disusun: {m}")))?;
            let mut json =
                serde_json::to_vec_pretty(&doc).map_err(|e| CollectError::Io(format!("model tidak dapat ditulis sebagai JSON: {e}")))?;
            json.push(b'\n');
            Ok::<_, CollectError>((docx, json))
        });
        let reuse = crate::source::fingerprint(dir, &assets.layouts, &assets.fonts).ok().and_then(|fp| {
            candidates.iter().find(|c| crate::sign::recorded_fingerprint(c).as_deref() == Some(fp.as_str())).cloned()
        });
        let pdf = match reuse {
            Some(pdf) => Some(pdf),
            None => crate::pdf::render(&doc, dir, &assets, Arc::new(fonts), &mut diags),
        };
        let rest = side.join().unwrap_or_else(|_| Err(CollectError::Io("DOCX gagal disusun".to_string())));
        (pdf, rest)
    });
    let pdf = pdf.ok_or_else(|| CollectError::Io("PDF gagal disusun".to_string()))?;
    let (docx, json) = rest?;
    Ok(Outputs { doc, pdf, docx, json, warnings })
}

/// The agency part of the immutability key: `<tingkat> <daerah>/<kode OPD, else nama OPD>`.
pub fn opd_kunci(doc: &Document) -> String {
    opd_kunci_meta(&doc.edisi)
}

/// [`opd_kunci`] from the edition metadata.
pub fn opd_kunci_meta(e: &crate::model::Meta) -> String {
    let tingkat = format!("{:?}", e.daerah.tingkat).to_lowercase();
    let opd = e.opd.kode.as_ref().map(|k| k.get_ref().clone()).unwrap_or_else(|| e.opd.nama.clone());
    format!("{tingkat} {}/{opd}", e.daerah.nama)
}

/// Collects the edition in `dir` (and the signed PDF `ttd`, if given) for [`super::Store::insert`].
pub fn collect(dir: &Path, ttd: Option<&Path>, archive_root: Option<&Path>, revisi_baru: bool) -> Result<(NewEdition, usize), CollectError> {
    let sources = read_sources(dir, archive_root).map_err(CollectError::Io)?;
    let signed_bytes = match ttd {
        None => None,
        Some(p) => Some(std::fs::read(p).map_err(|e| CollectError::Io(format!("{}: {e}", p.display())))?),
    };
    // A final PDF already built from these very sources need not be laid out again: the signed
    // PDF's unsigned revision, or `out/<name>.pdf` beside the edition or in the current folder.
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    if let Some(unsigned) = signed_bytes.as_deref().and_then(crate::sign::before_first_signature) {
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
    let out = build_reusing(dir, &candidates)?;
    let mut waktu_ttd = None;
    let signed = match (ttd, signed_bytes) {
        (Some(p), Some(bytes)) => {
            if bytes.len() <= out.pdf.len() || !bytes.starts_with(&out.pdf) {
                return Err(CollectError::Refused(format!("{}: PDF bertanda tangan bukan hasil susun sumber ini", p.display())));
            }
            // The signatures must hold; the first one's time is recorded.
            let sigs = crate::sign::signatures(&bytes).map_err(|e| CollectError::Refused(format!("{}: {e}", p.display())))?;
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
    let jenis = format!("{:?}", e.jenis).to_lowercase();
    let meta = Edition {
        id: String::new(),
        opd_kunci: opd_kunci(&out.doc),
        opd_nama: e.opd.nama.clone(),
        opd_singkatan: e.opd.singkatan.clone(),
        daerah: e.daerah.nama.clone(),
        tahun: e.tahun,
        jenis,
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
