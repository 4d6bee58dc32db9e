//! `renja build [DIR] [-o OUT] [--format pdf|docx|all] [--final]`: check, compute, lay out and
//! write `OUT/<slug>.pdf` and/or `OUT/<slug>.docx`. Every requested output is produced in memory
//! first; any error leaves earlier outputs untouched.

use super::Format;
use crate::pdf::{Assets, Fonts};
use std::path::Path;
use std::sync::Arc;

pub fn run(dir: &Path, out: &Path, final_: bool, format: Format) -> i32 {
    let (doc, mut diags) = crate::process(dir);
    if diags.has_errors() {
        super::print_diagnostics(&diags);
        eprintln!("{}; tidak ada berkas yang ditulis", diags.summary());
        return 1;
    }
    let Some(mut doc) = doc else {
        eprintln!("edisi tidak dapat dibaca; tidak ada berkas yang ditulis");
        return 1;
    };
    doc.sampul.draf = !final_;
    let warnings_before = diags.count(crate::diag::Severity::Warning);
    let mut outputs: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    if format.pdf() {
        let assets = Assets::locate(dir);
        let fonts = match Fonts::load(&assets.fonts) {
            Ok(f) => Arc::new(f),
            Err(msg) => {
                eprintln!("error: {msg}");
                return 2;
            }
        };
        let pdf = crate::pdf::render(&doc, dir, &assets, fonts, &mut diags);
        // Source warnings are listed by `renja check`; here only the layout's own messages.
        let layout: Vec<_> = diags.iter().filter(|d| d.message.starts_with("tata letak")).cloned().collect();
        for d in &layout {
            eprintln!("{d}");
        }
        let Some(pdf) = pdf else {
            eprintln!("PDF gagal disusun; berkas lama tidak diubah");
            return 1;
        };
        outputs.push((out.join(format!("{}.pdf", doc.metadata.slug)), pdf));
    }
    if format.docx() {
        match crate::docx::render(&doc, dir) {
            Ok(bytes) => outputs.push((out.join(format!("{}.docx", doc.metadata.slug)), bytes)),
            Err(msg) => {
                eprintln!("error: DOCX gagal disusun: {msg}; berkas lama tidak diubah");
                return 1;
            }
        }
    }
    if format.xlsx() {
        match crate::xlsx::ekspor::render(&doc) {
            Ok(bytes) => outputs.push((out.join(format!("{}.xlsx", doc.metadata.slug)), bytes)),
            Err(msg) => {
                eprintln!("error: XLSX gagal disusun: {msg}; berkas lama tidak diubah");
                return 1;
            }
        }
    }
    for (path, bytes) in &outputs {
        if let Err(e) = crate::output::write_atomic(path, bytes) {
            eprintln!("error: {} tidak dapat ditulis: {e}", path.display());
            return 2;
        }
    }
    if warnings_before > 0 {
        eprintln!("{warnings_before} peringatan pada sumber; lihat `renja check {}`", dir.display());
    }
    for (path, _) in &outputs {
        println!("{}", path.display());
    }
    0
}
