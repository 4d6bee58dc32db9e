//! `renja export --json [DIR]`: print the computed document model on stdout. Diagnostics go to
//! stderr (warnings only as a count; `renja check` lists them); with errors nothing is printed on stdout and the exit code is 1.

use std::io::Write;
use std::path::Path;

pub fn run(dir: &Path) -> i32 {
    let (doc, diags) = crate::process(dir);
    if diags.has_errors() {
        super::print_diagnostics(&diags);
        eprintln!("{}", diags.summary());
        return 1;
    }
    let Some(doc) = doc else {
        eprintln!("edisi tidak dapat dibaca");
        return 1;
    };
    let warnings = diags.count(crate::diag::Severity::Warning);
    if warnings > 0 {
        eprintln!("{warnings} peringatan; lihat `renja check {}`", dir.display());
    }
    let json = match serde_json::to_string_pretty(&doc) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("model tidak dapat ditulis sebagai JSON: {e}");
            return 2;
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if writeln!(out, "{json}").is_err() {
        return 2;
    }
    0
}
