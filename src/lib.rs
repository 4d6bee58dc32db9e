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
pub mod facade;
pub mod format;
pub mod model;
pub mod output;
pub mod pdf;
pub mod preview;
pub mod service;
pub mod sign;
pub mod source;
pub mod xlsx;

pub use facade::{Edition, EditionCache, Formats, Mode, RenderOptions, Rendered, Renderer};

use diag::Diagnostics;
use std::path::Path;

/// Runs the pipeline on an edition folder up to the document model: [`Edition::load`] as a pair.
/// Returns the document (when the sources could be interpreted at all) and every diagnostic. The
/// base-edition check is not part of it (see [`Edition::check_base`]).
pub fn process(dir: &Path) -> (Option<document::Document>, Diagnostics) {
    Edition::load(dir).into_parts()
}
