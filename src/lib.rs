//! renja — the Renja and Perubahan Renja of an Indonesian regional agency, from a folder of plain
//! sources to one computed model, rendered as PDF and DOCX.
//!
//! The pipeline runs one way:
//! `source` (read files with spans) → `model` (validate) → `compute` (every number, once) →
//! `document` (the render model: chapters as blocks, values placed into text, tables as spec +
//! formatted cells) → `pdf` (typst). Renderers read the document; `cmd` holds the thin
//! command-line layer and `output` the atomic writes.

pub mod archive;
pub mod cmd;
pub mod compute;
pub mod diag;
pub mod document;
pub mod docx;
pub mod format;
pub mod model;
pub mod output;
pub mod pdf;
pub mod preview;
pub mod service;
pub mod sign;
pub mod source;

use diag::Diagnostics;
use std::path::Path;

/// Runs the pipeline on an edition folder up to the document model. Returns the document (when
/// the sources could be interpreted at all) and every diagnostic.
pub fn process(dir: &Path) -> (Option<document::Document>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let sources = source::load(dir, &mut diags);
    let doc = model::validate(&sources, &mut diags).map(|ed| {
        let computed = compute::compute(&ed, &mut diags);
        // A Perubahan naming its base edition: the Sebelum columns against the archive.
        archive::dasar::check(&ed, &mut diags);
        document::build(&ed, &computed, &mut diags)
    });
    diags.sort();
    (doc, diags)
}
