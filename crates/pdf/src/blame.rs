//! When the layout fails on a document that `check` accepted, the error typst reports points
//! into renja's own files (`layouts/blocks.typ:7:10`, `model.json:1:1`), which means nothing to
//! the author. This finds the part of the author's text the failure comes from — by laying out
//! reduced documents: each chapter alone, then ever longer prefixes of the failing chapter's
//! blocks — and reports the error at that chapter's file and line instead. Only runs after a
//! failure, so a good build pays nothing.

use super::{layout_input, Drawing, RenjaWorld};
use renja_core::diag::{Diagnostics, Loc, Severity};
use renja_core::document::Document;
use std::sync::Arc;
use typst::diag::Warned;
use typst_layout::PagedDocument;

/// Whether `doc` lays out and exports without error.
fn builds(world: &RenjaWorld, doc: &Document, drawing: Drawing) -> bool {
    let w = world.with_model(layout_input(doc, drawing));
    let Warned { output, .. } = typst::compile::<PagedDocument>(&w);
    match output {
        Ok(paged) => super::export_quiet(&paged, doc),
        Err(_) => false,
    }
}

/// `doc` with only the first `keep` top-level blocks of chapter `ch` and no blocks elsewhere.
fn reduced(doc: &Document, ch: Option<usize>, keep: usize) -> Document {
    let mut d = doc.clone();
    for (i, b) in d.bab.iter_mut().enumerate() {
        if Some(i) == ch {
            b.blok.truncate(keep);
        } else {
            b.blok.clear();
        }
    }
    d
}

/// Where in the author's sources the failure of `doc` lies: (file, line). `None` when the
/// document fails even without any chapter text, or does not fail at all.
pub fn locate(world: &RenjaWorld, doc: &Document, drawing: Drawing) -> Option<(String, usize)> {
    if !builds(world, &reduced(doc, None, 0), drawing) {
        // Not the chapters: the cover, the signature block or the edition's metadata.
        return Some(("edisi.toml".to_string(), 1));
    }
    let ch = (0..doc.bab.len()).find(|&i| !builds(world, &reduced(doc, Some(i), usize::MAX), drawing))?;
    let bab = &doc.bab[ch];
    // The shortest failing prefix: its last block is the culprit.
    let (mut lo, mut hi) = (0usize, bab.blok.len());
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if builds(world, &reduced(doc, Some(ch), mid), drawing) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let line = bab.baris.get(hi.saturating_sub(1)).copied().unwrap_or(1);
    Some((bab.sumber.clone(), line))
}

/// Replaces layout errors located in renja's own files by one error at the author's text that
/// causes them (the layout's words kept as the secondary detail).
pub fn relocate(world: &RenjaWorld, doc: &Document, drawing: Drawing, diags: &mut Diagnostics) {
    let own = |d: &renja_core::diag::Diagnostic| {
        d.severity == Severity::Error && d.message.starts_with("tata letak PDF") && (d.loc.file.starts_with("layouts/") || d.loc.file.starts_with("tabel/") || d.loc.file.as_ref() == "model.json")
    };
    let errors: Vec<String> = diags.iter().filter(|d| own(d)).map(|d| format!("{}: {}", d.loc, d.detail.as_deref().unwrap_or(&d.message))).collect();
    if errors.is_empty() {
        return;
    }
    let Some((file, line)) = locate(world, doc, drawing) else { return };
    diags.retain(|d| !own(d));
    let what = if file == "edisi.toml" { "data edisi (sampul, pengesahan atau metadata)" } else { "teks di sini" };
    diags
        .error(Loc { file: Arc::from(file.as_str()), line, col: 1 }, format!("tata letak PDF: {what} tidak dapat disusun menjadi PDF"))
        .with_hint("periksa karakter, panjang kata dan kedalaman daftar di bagian ini; laporkan bila tidak ada yang janggal")
        .with_detail(errors.join("; "));
}
