//! renja-core — the pure part of the pipeline, from the edition folder to the document model:
//! `source` (read files with spans, the fingerprint) → `model` (validate into plain types) →
//! `compute` (every number, once) → `document` (the render model: chapters as blocks, values
//! placed into text, tables as spec + formatted cells, layout policy decided once). `diag` (the
//! located diagnostics every stage reports), `format` (Indonesian numbers, dates, terbilang) and
//! `output` (the atomic file write) sit under all of them.
//!
//! Boundary: this crate depends on no other renja crate, and so cannot call a renderer, the
//! signer, the archive, the preview or the service; they all depend on it. Inside it each module
//! states which of its siblings it may use (tests/architecture.rs holds those rules). Effects: it
//! reads the edition folder and the fonts' metrics; it writes only through `output`, which only
//! the edges call.

pub mod compute;
pub mod diag;
pub mod document;
pub mod format;
pub mod model;
pub mod output;
pub mod source;

/// The source checkout this crate was built from (the workspace root: `layouts/`, `fonts/`,
/// `content/`), the last place [`source::Assets::locate`] looks, for `cargo run`.
pub fn checkout_dir() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().nth(2).unwrap_or(manifest).to_path_buf()
}
