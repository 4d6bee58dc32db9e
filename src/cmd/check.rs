//! `renja check [DIR] [--arsip DIR]`: validate and compute the edition, compare a Perubahan with
//! its base edition when an archive is configured, print every problem, exit 1 on errors.

use std::path::{Path, PathBuf};

pub fn run(dir: &Path, arsip: Option<PathBuf>) -> i32 {
    // Only the diagnostics are needed: nothing of the edition is kept (less memory for a large
    // edition).
    let diags = &crate::Edition::check_dir(dir, Some(super::base_check(arsip)));
    super::print_diagnostics(diags);
    eprintln!("{}", diags.summary());
    if diags.has_errors() { 1 } else { 0 }
}
