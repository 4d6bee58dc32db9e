//! Excel in and out (docs/excel.md): `impor` reads rows of a SIPD-style workbook into a table's
//! data file (header names mapped by the data in `peta`), `ekspor` writes every table of the
//! computed edition as a worksheet whose sums, capaian and selisih are live formulas carrying
//! renja's computed values as their cached results.
//!
//! Boundary: an edge like the renderers: reads the document model (`document`, `compute`,
//! `model`, `source` for the data files' schema) and writes files atomically (`output`); may not
//! depend on `pdf`, `docx`, `sign`, `archive`, `preview`, the façade or `cmd`.

pub mod baca;
pub mod ekspor;
pub mod impor;
pub mod peta;
