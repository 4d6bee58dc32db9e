//! `renja build [DIR] [-o OUT] [--format pdf|docx|all] [--final]`: check, compute, lay out and
//! write `OUT/<slug>.pdf` and/or `OUT/<slug>.docx`. Every requested output is produced in memory
//! first (by [`crate::Edition::render`]); any error leaves earlier outputs untouched.

use super::Format;
use crate::diag::Severity;
use crate::facade::{Edition, Formats, Mode, RenderOptions, Renderer};
use std::path::{Path, PathBuf};

pub fn run(dir: &Path, out: &Path, final_: bool, format: Format, arsip: Option<PathBuf>) -> i32 {
    let mut edition = Edition::load(dir);
    super::check_base(&mut edition, arsip);
    let diags = edition.check();
    if diags.has_errors() {
        super::print_diagnostics(diags);
        eprintln!("{}; tidak ada berkas yang ditulis", diags.summary());
        return 1;
    }
    let Some(doc) = edition.document() else {
        eprintln!("edisi tidak dapat dibaca; tidak ada berkas yang ditulis");
        return 1;
    };
    let slug = doc.metadata.slug.clone();
    let warnings = diags.count(Severity::Warning);
    let formats = Formats { pdf: format.pdf(), docx: format.docx(), json: false, xlsx: format.xlsx() };
    let mode = if final_ { Mode::Final } else { Mode::Draft };
    let rendered = edition.render(&mut Renderer::new(dir), &RenderOptions { mode, ..RenderOptions::draft(formats) });
    // The source warnings are listed by `renja check`; every message of the render stages here.
    super::print_diagnostics(&rendered.diagnostics);
    if rendered.diagnostics.has_errors() {
        let failed: Vec<&str> =
            [(formats.pdf && rendered.pdf.is_none(), "PDF"), (formats.docx && rendered.docx.is_none(), "DOCX"), (formats.xlsx && rendered.xlsx.is_none(), "XLSX")]
                .iter()
                .filter(|x| x.0)
                .map(|x| x.1)
                .collect();
        let what = if failed.is_empty() { "keluaran".to_string() } else { failed.join(" dan ") };
        eprintln!("{what} gagal disusun; berkas lama tidak diubah");
        return 1;
    }
    let mut outputs: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    if let Some(pdf) = rendered.pdf {
        outputs.push((out.join(format!("{slug}.pdf")), pdf));
    }
    if let Some(docx) = rendered.docx {
        outputs.push((out.join(format!("{slug}.docx")), docx));
    }
    if let Some(xlsx) = rendered.xlsx {
        outputs.push((out.join(format!("{slug}.xlsx")), xlsx));
    }
    for (path, bytes) in &outputs {
        if let Err(e) = crate::output::write_atomic(path, bytes) {
            eprintln!("error: {} tidak dapat ditulis: {e}", path.display());
            return 2;
        }
    }
    if warnings > 0 {
        eprintln!("{warnings} peringatan pada sumber; lihat `renja check {}`", dir.display());
    }
    for (path, _) in &outputs {
        println!("{}", path.display());
    }
    0
}
