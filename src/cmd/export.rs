//! `renja export --json [DIR]`: print the computed document model on stdout. Diagnostics go to
//! stderr (warnings only as a count; `renja check` lists them); with errors nothing is printed on stdout and the exit code is 1.

use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(dir: &Path, arsip: Option<PathBuf>) -> i32 {
    let mut edition = crate::Edition::load(dir);
    super::check_base(&mut edition, arsip);
    let diags = edition.check();
    if diags.has_errors() {
        super::print_diagnostics(&diags);
        eprintln!("{}", diags.summary());
        return 1;
    }
    let Some(json) = edition.json() else {
        eprintln!("edisi tidak dapat dibaca");
        return 1;
    };
    let warnings = diags.count(crate::diag::Severity::Warning);
    if warnings > 0 {
        eprintln!("{warnings} peringatan; lihat `renja check {}`", dir.display());
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if out.write_all(&json).is_err() {
        return 2;
    }
    0
}
