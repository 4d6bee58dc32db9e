//! renja — the Renja and Perubahan Renja of an Indonesian regional agency, from a folder of plain
//! sources to one computed model, rendered as PDF and DOCX.
//!
//! The pipeline runs one way, one crate per stage or edge, so the compiler refuses a cycle:
//!
//! | crate | owns | may use |
//! |---|---|---|
//! | `renja-core` | `diag`, `format`, `output`, `source` → `model` → `compute` → `document` | — |
//! | `renja-pdf` | the typst World and the PDF | core |
//! | `renja-docx` | the DOCX writer | core |
//! | `renja-xlsx` | Excel import and export | core |
//! | `renja-sign` | PAdES signing, timestamps, BSrE | core, pdf |
//! | `renja-edition` | the façade: [`Edition`] load → check → render | core, pdf, docx, xlsx, sign |
//! | `renja-archive` | the immutable archive of editions | core, sign, edition |
//! | `renja-preview` | the live preview | core, pdf, edition, archive |
//! | `renja-service` | `renja serve` and `renja worker` | all of the above |
//! | `renja` (this crate) | the command line (`cmd`) | all of the above |
//!
//! This crate holds the command line and re-exports the library crates under their module names
//! (`renja::model`, `renja::pdf`, `renja::archive`, …), so tests and scripts name one crate.
//!
//! Boundary: nothing depends on this crate; it adds no document logic of its own.

pub mod cmd;

pub use renja_archive as archive;
pub use renja_core::{compute, diag, document, format, model, output, source};
pub use renja_docx as docx;
pub use renja_edition as facade;
pub use renja_edition::{process, Edition, EditionCache, Formats, Mode, RenderOptions, Rendered, Renderer};
pub use renja_pdf as pdf;
pub use renja_preview as preview;
pub use renja_service as service;
pub use renja_sign as sign;
pub use renja_xlsx as xlsx;
