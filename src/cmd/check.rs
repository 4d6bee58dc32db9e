//! `renja check [DIR] [--arsip DIR]`: validate and compute the edition, compare a Perubahan with
//! its base edition when an archive is configured, print every problem, exit 1 on errors.

use std::path::{Path, PathBuf};

pub fn run(dir: &Path, arsip: Option<PathBuf>) -> i32 {
    // Only the diagnostics are needed: no document is kept (less memory for a large edition).
    let mut edition = crate::Edition::load_for_check(dir);
    super::check_base(&mut edition, arsip);
    let diags = edition.check();
    super::print_diagnostics(diags);
    eprintln!("{}", diags.summary());
    if diags.has_errors() { 1 } else { 0 }
}
