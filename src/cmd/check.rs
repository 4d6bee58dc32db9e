//! `renja check [DIR]`: validate and compute the edition, print every problem, exit 1 on errors.

use std::path::Path;

pub fn run(dir: &Path) -> i32 {
    let (_, diags) = crate::process(dir);
    super::print_diagnostics(&diags);
    eprintln!("{}", diags.summary());
    if diags.has_errors() { 1 } else { 0 }
}
