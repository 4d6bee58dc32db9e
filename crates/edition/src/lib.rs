//! The library façade: load an edition, check it, render it with options. Every caller — the
//! command line (`renja build`, `check`, `export`), the live preview's `--write`, `renja archive
//! add`/`rebuild` and the coming service — goes through these few calls, the way mdBook's commands
//! call `MDBook::load(dir)?.build()`:
//!
//! ```no_run
//! let edition = renja_edition::Edition::load(std::path::Path::new("content"));
//! if !edition.check().has_errors() {
//!     let mut renderer = renja_edition::Renderer::new(edition.dir());
//!     let out = edition.render(&mut renderer, &renja_edition::RenderOptions::final_(renja_edition::Formats::ALL));
//!     assert!(out.pdf.is_some() || out.diagnostics.has_errors());
//! }
//! ```
//!
//! Outputs and diagnostics come back as values; nothing is printed or filtered here. Each
//! diagnostic carries its [`Stage`], so a caller chooses what to show by where a problem arose.
//!
//! Boundary: the façade may use `source`, `model`, `compute`, `document`, `pdf`, `docx`, `sign`
//! (for the empty signature field of a final PDF) and `diag`; it never uses `archive`, `preview`
//! or `cmd` (they call it). Effects: it reads the edition folder, `layouts/` and `fonts/`; it
//! writes nothing. The base-edition check needs an archive, so it is a separate, explicit step
//! ([`Edition::check_base`]) that a caller with a store runs.

use renja_core::diag::{Diagnostics, Loc, Stage};
use renja_core::document::Document;
use renja_pdf::{Assets, Drawing, FontError, Fonts, RenjaWorld};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An edition read from its folder and taken as far through the pipeline as its sources allow:
/// sources → validated model → computed values → document model.
pub struct Edition {
    dir: PathBuf,
    /// The sources as read (the validated model borrows them; see [`Edition::check_base`]).
    sources: renja_core::source::Sources,
    document: Option<Document>,
    diagnostics: Diagnostics,
}

impl Edition {
    /// Reads, validates and computes the edition in `dir` and builds its document model. Bad
    /// sources never fail the call: every problem is a located diagnostic (see [`Edition::check`]).
    pub fn load(dir: &Path) -> Edition {
        let mut diags = Diagnostics::new();
        diags.enter(Stage::Source);
        let sources = renja_core::source::load(dir, &mut diags);
        diags.enter(Stage::Validate);
        let document = renja_core::model::validate(&sources, &mut diags).map(|ed| {
            diags.enter(Stage::Compute);
            let computed = renja_core::compute::compute(&ed, &mut diags);
            diags.enter(Stage::Document);
            renja_core::document::build_owned(&ed, computed, &mut diags)
        });
        diags.sort();
        Edition { dir: dir.to_path_buf(), sources, document, diagnostics: diags }
    }

    /// `renja check`: the diagnostics of [`Edition::load`] followed by [`Edition::check_base`]
    /// with `base` (when given), in the same order, without keeping the edition. Only reporting,
    /// it holds less of a large edition at once. The three table files
    /// (`renja_core::source::TABLE_FILES`) are read one at a time
    /// (`renja_core::source::load_later`), each when the first part that reads it is computed,
    /// and their rows validated then; a table file drops its rows once no later part reads it
    /// (`renja_core::source::Sources::drop_rows`: the document stage reads only the files' names
    /// and table settings), the nomenclature once it is validated. The data files' text is
    /// forgotten once they are parsed (their locations kept). The base check, which reads Tabel 3.4's rows
    /// (`renja_archive::dasar::check`), runs with them. Each part's tables are fitted as soon
    /// as it is computed; a placed table drops its rows once fitted, a computed part no
    /// template names is dropped once its tables are (`renja_core::document::CheckTables`).
    /// Tabel 3.2's rows are measured one at a time as they are placed, and Tabel 3.4's as they
    /// are computed when no template reads them (`CheckTables::compute`): neither is ever held.
    pub fn check_dir(dir: &Path, base: Option<impl FnOnce(&renja_core::model::Edition, &mut Diagnostics)>) -> Diagnostics {
        use renja_core::compute::Part;
        use renja_core::source::TABLE_FILES;
        let mut diags = Diagnostics::new();
        diags.enter(Stage::Source);
        let (mut sources, later) = renja_core::source::load_later(dir, &mut diags);
        sources.forget_data_text();
        diags.enter(Stage::Validate);
        let mut found = Diagnostics::new();
        found.enter(Stage::Base);
        // Which computed parts the chapters' templates name is read from the validated edition.
        let validated = renja_core::model::validate(&sources, &mut diags).map(|ed| (renja_core::document::CheckTables::new(&ed), ed.into_parts()));
        // The nomenclature is read by validation alone (into the tree, which the parts keep).
        sources.drop_rows("data/nomenklatur.toml");
        trim_heap();
        let Some((mut tables, mut parts)) = validated else {
            // No edition to compute: the table files are still read for what their reading reports.
            diags.enter(Stage::Source);
            for file in TABLE_FILES {
                later.read(&mut sources, file, &mut diags);
                sources.drop_rows(file);
            }
            diags.sort();
            return diags;
        };
        // Part by part, each over the rows of the files it reads; a table file is read (and its
        // rows validated) when the first part that reads it comes, and dropped once no later part
        // reads it. The same values and diagnostics as `compute::compute` after `validate`.
        let mut base = base;
        let mut computed = renja_core::compute::Computed::default();
        for (i, part) in Part::ALL.into_iter().enumerate() {
            let fresh: Vec<&str> = part.reads().iter().copied().filter(|f| TABLE_FILES.contains(f) && !Part::ALL[..i].iter().any(|p| p.reads().contains(f))).collect();
            if !fresh.is_empty() {
                diags.enter(Stage::Source);
                for file in &fresh {
                    later.read(&mut sources, file, &mut diags);
                }
                diags.enter(Stage::Validate);
                parts = renja_core::model::Edition::from_parts_reporting(&sources, parts, &fresh, &mut diags).into_parts();
            }
            let ed = renja_core::model::Edition::from_parts(&sources, parts, part.reads());
            if part.reads().contains(&"data/rencana.toml") {
                if let Some(base) = base.take() {
                    base(&ed, &mut found);
                }
            }
            diags.enter(Stage::Compute);
            tables.compute(part, &ed, &mut computed, &mut diags);
            parts = ed.into_parts();
            if !Part::ALL[i + 1..].iter().any(|later| later.reads().contains(&part.file())) {
                sources.drop_rows(part.file());
            }
            // Fitted now (the file's rows dropped first), the part's tables are not held while
            // the next parts are computed, nor is a part no template names; their unfit columns
            // are reported at the end.
            tables.fit(&parts.meta, part, &mut computed);
            trim_heap();
        }
        let renja_core::model::Parts { meta, order, tree } = parts;
        drop(tree);
        let sources = sources.without_rows();
        let ed = renja_core::model::Edition::without_rows(meta, &sources, &order);
        diags.enter(Stage::Document);
        tables.finish(&ed, computed, &mut diags);
        // As `load` then `check_base`: the base check's findings after the others' sorting.
        diags.sort();
        diags.extend(found);
        diags.sort();
        diags
    }

    /// [`Edition::load`] for a caller that loads the same edition again after each change (the
    /// preview; the service, one [`EditionCache`] per edition it keeps open). Every source file
    /// is read, but parsed again only when its bytes changed; validation reuses the fonts'
    /// families and the images' checks while those files are unchanged; the computed tables
    /// (and their diagnostics) are reused while edisi.toml and the data files are unchanged, so
    /// a chapter edit computes nothing again, and a data edit computes again only the parts
    /// that read the edited file (`renja_core::compute::compute_reusing`), whose placed tables
    /// and template values alone are made again. The edition and its diagnostics, in order, are
    /// exactly [`Edition::load`]'s (tests/incremental.rs holds that).
    pub fn load_cached(dir: &Path, cache: &mut EditionCache) -> Edition {
        Edition::load_cached_inner(dir, cache, None)
    }

    /// [`Edition::load_cached`] followed by [`Edition::check_base`] with `check`, in one
    /// validation: the same edition and diagnostics as the two calls.
    pub fn load_cached_with_base(dir: &Path, cache: &mut EditionCache, check: impl FnOnce(&renja_core::model::Edition, &mut Diagnostics)) -> Edition {
        let mut check = Some(check);
        let mut once = |model: &renja_core::model::Edition, found: &mut Diagnostics| {
            if let Some(c) = check.take() {
                c(model, found)
            }
        };
        Edition::load_cached_inner(dir, cache, Some(&mut once))
    }

    fn load_cached_inner(dir: &Path, cache: &mut EditionCache, base: Option<&mut dyn FnMut(&renja_core::model::Edition, &mut Diagnostics)>) -> Edition {
        let t0 = std::time::Instant::now();
        let mut times = [std::time::Duration::ZERO; 4];
        let mut diags = Diagnostics::new();
        diags.enter(Stage::Source);
        let sources = renja_core::source::load_cached(dir, &mut cache.sources, &mut diags);
        times[0] = t0.elapsed();
        diags.enter(Stage::Validate);
        let key = cache.compute_key(&sources);
        let document = renja_core::model::validate_cached(&sources, &mut Some(&mut cache.model), &mut diags).map(|ed| {
            times[1] = t0.elapsed();
            diags.enter(Stage::Compute);
            // The computed tables and the placed tables with their widths, with the
            // diagnostics they gave (compute's, then the document stage's first ones).
            // The computed tables the chapters' templates name: a chapter edit that names
            // another one makes the context again (from the same computed tables).
            let named = renja_core::document::named_in_templates(&ed);
            let c = match cache.computed.take() {
                Some(mut c) if c.key == key => {
                    cache.computed_hits += 1;
                    cache.made = Default::default();
                    diags.extend(c.compute_diags.clone());
                    times[2] = t0.elapsed();
                    diags.enter(Stage::Document);
                    diags.extend(c.table_diags.clone());
                    if c.named != named {
                        let t = std::time::Instant::now();
                        c.context = renja_core::document::context_reusing(&ed, &c.computed, &mut cache.context_parts, named.as_ref());
                        c.named = named;
                        cache.made[1] = t.elapsed();
                    }
                    c
                }
                prev => {
                    // The parts whose files are unchanged are kept (a pagu edit computes Tabel
                    // 3.4's part again, not the evaluation's or the RKPD review's).
                    let part_keys = renja_core::compute::Part::ALL.map(|p| cache.part_key(p, &sources));
                    let keep = std::array::from_fn(|i| prev.as_ref().is_some_and(|c| c.part_keys[i] == part_keys[i]));
                    let mut compute_diags = Diagnostics::new();
                    compute_diags.enter(Stage::Compute);
                    let kept = renja_core::compute::compute_reusing(&ed, &mut compute_diags, prev.as_ref().map(|c| &c.kept), keep);
                    let computed = kept.computed.clone();
                    diags.extend(compute_diags.clone());
                    times[2] = t0.elapsed();
                    diags.enter(Stage::Document);
                    let mut table_diags = Diagnostics::new();
                    table_diags.enter(Stage::Document);
                    let t = std::time::Instant::now();
                    let tabel = renja_core::document::tables_reusing(&ed, &computed, &mut table_diags, &mut cache.fit_parts);
                    diags.extend(table_diags.clone());
                    let t_tables = t.elapsed();
                    let context = renja_core::document::context_reusing(&ed, &computed, &mut cache.context_parts, named.as_ref());
                    cache.made = [t_tables, t.elapsed() - t_tables];
                    Computed { key, part_keys, kept, computed: std::sync::Arc::new(computed), compute_diags, tabel: std::sync::Arc::new(tabel), table_diags, context, named }
                }
            };
            let doc = renja_core::document::build_from(&ed, c.computed.clone(), c.tabel.clone(), &c.context, &mut diags);
            cache.computed = Some(c);
            if let Some(check) = base {
                // As check_base does: its findings after the edition's own (the sort is stable).
                let mut found = Diagnostics::new();
                found.enter(Stage::Base);
                check(&ed, &mut found);
                diags.extend(found);
            }
            doc
        });
        diags.sort();
        times[3] = t0.elapsed();
        // Cumulative instants to per-stage durations (a stage not reached took nothing).
        for i in (1..4).rev() {
            let prev = times[..i].iter().rev().find(|t| !t.is_zero()).copied().unwrap_or_default();
            times[i] = times[i].saturating_sub(prev);
        }
        cache.times = times;
        Edition { dir: dir.to_path_buf(), sources, document, diagnostics: diags }
    }

    /// The edition folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every problem found in the sources (and by [`Edition::check_base`], when run), sorted by
    /// file, line and column. Errors mean nothing may be rendered.
    pub fn check(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// The document model both renderers read (`renja export --json` prints it).
    pub fn document(&self) -> Option<&Document> {
        self.document.as_ref()
    }

    /// Takes the document model out (for callers that only need the model).
    pub fn into_parts(self) -> (Option<Document>, Diagnostics) {
        (self.document, self.diagnostics)
    }

    /// The explicit base-edition step: `check` compares the model with its base edition (in
    /// practice `archive::dasar::check` over a store the caller opened) and its findings join the
    /// edition's diagnostics under [`Stage::Base`]. Nothing in [`Edition::load`] touches an archive,
    /// so `renja check` gives the same result from any working directory.
    pub fn check_base(&mut self, check: impl FnOnce(&renja_core::model::Edition, &mut Diagnostics)) {
        // The model borrows the sources, so it is validated again here (a few milliseconds; its
        // diagnostics are already in `self.diagnostics`).
        let Some(model) = renja_core::model::validate(&self.sources, &mut Diagnostics::new()) else { return };
        let mut found = Diagnostics::new();
        found.enter(Stage::Base);
        check(&model, &mut found);
        self.diagnostics.extend(found);
        self.diagnostics.sort();
    }

    /// The names a chapter's template can use in this edition (variables, filters, functions,
    /// tables), for editors' completion; `None` when the edition could not be read.
    pub fn template_names(&self) -> Option<renja_core::document::TemplateNames> {
        self.document().map(renja_core::document::template_names)
    }

    /// The export JSON: the whole document model, pretty-printed, with a final newline — the bytes
    /// `renja export --json` prints and the archive stores.
    pub fn json(&self) -> Option<Vec<u8>> {
        to_json(self.document.as_ref()?)
    }

    /// Renders the requested outputs in memory. The one render function behind `renja build`, the
    /// preview's `--write` and the archive; it writes nothing. An output is `None` when it was not
    /// requested or failed; failures are error diagnostics in [`Rendered::diagnostics`] (stage
    /// [`Stage::Layout`], [`Stage::Docx`] or [`Stage::Xlsx`]). An edition with errors renders nothing.
    pub fn render(&self, renderer: &mut Renderer, opts: &RenderOptions) -> Rendered {
        let mut out = Rendered::default();
        let doc = match &self.document {
            Some(doc) if !self.diagnostics.has_errors() => doc,
            _ => {
                out.diagnostics.enter(Stage::Document);
                out.diagnostics.error(self.folder_loc(), "edisi memiliki kesalahan; jalankan `renja check`");
                return out;
            }
        };
        // The model as rendered: a copy only when the mode changes the draft mark (a draft
        // render reads the edition's own model; at ×64 a copy is tens of MB).
        let draf = opts.mode == Mode::Draft;
        let doc: std::borrow::Cow<Document> = if doc.sampul.draf == draf {
            std::borrow::Cow::Borrowed(doc)
        } else {
            let mut copy = doc.clone();
            copy.sampul.draf = draf;
            std::borrow::Cow::Owned(copy)
        };
        let doc: &Document = &doc;
        if opts.formats.json {
            // The model as rendered (a final one says `draf: false`, as the archive stores it).
            out.json = to_json(doc);
        }
        // The DOCX's tables of contents carry the page numbers of the PDF's layout when the PDF
        // is rendered in the same call (so the DOCX is written after it). A DOCX-only render
        // does not lay out (it stays fast); its entries get their numbers from Word's field
        // update on opening (`w:updateFields`).
        let mut halaman = None;
        let pdf = if opts.formats.pdf {
            renderer.pdf(doc, opts, &mut out.diagnostics).map(|(pdf, h)| {
                halaman = h;
                pdf
            })
        } else {
            None
        };
        let docx = opts.formats.docx.then(|| renja_docx::render_with(doc, &self.dir, halaman.as_ref()));
        out.pdf = pdf;
        match docx {
            Some(Ok(bytes)) => out.docx = Some(bytes),
            Some(Err(msg)) => {
                out.diagnostics.enter(Stage::Docx);
                out.diagnostics.error(self.folder_loc(), format!("DOCX gagal disusun: {msg}"));
            }
            None => {}
        }
        if opts.formats.xlsx {
            match renja_xlsx::ekspor::render(doc) {
                Ok(bytes) => out.xlsx = Some(bytes),
                Err(msg) => {
                    out.diagnostics.enter(Stage::Xlsx);
                    out.diagnostics.error(self.folder_loc(), format!("XLSX gagal disusun: {msg}"));
                }
            }
        }
        out
    }

    fn folder_loc(&self) -> Loc {
        Loc { file: Arc::from(self.dir.display().to_string().as_str()), line: 1, col: 1 }
    }
}

/// What [`Edition::load_cached`] keeps between loads of one edition folder: the parsed source
/// files ([`renja_core::source::Cache`]), validation's fonts and images ([`renja_core::model::Cache`]) and
/// the last computed tables with the key of the sources they were computed from. Its size is
/// about that of the parsed sources plus one computed model.
#[derive(Default)]
pub struct EditionCache {
    sources: renja_core::source::Cache,
    model: renja_core::model::Cache,
    computed: Option<Computed>,
    computed_hits: u64,
    times: [std::time::Duration; 4],
    /// Of the last load's document stage: making the placed tables and the templates' context
    /// (zero when they were reused).
    made: [std::time::Duration; 2],
    /// The computed parts' template-context values, reused while a part is kept.
    context_parts: renja_core::document::ContextParts,
    /// The fitted placed tables of each computed part, reused while the part is kept.
    fit_parts: renja_core::document::FitParts,
}

/// The last computed tables and placed tables, with the key of the sources they came from.
struct Computed {
    key: ComputeKey,
    /// Each part's own key ([`EditionCache::part_key`]), in `Part::ALL`'s order.
    part_keys: [ComputeKey; 5],
    /// The parts with their diagnostics, for the next load to keep the unchanged ones.
    kept: renja_core::compute::Kept,
    computed: std::sync::Arc<renja_core::compute::Computed>,
    compute_diags: Diagnostics,
    tabel: std::sync::Arc<renja_core::document::Tabel>,
    table_diags: Diagnostics,
    /// The chapters' template context made from them, holding the computed tables `named`.
    context: minijinja::Value,
    named: Option<std::collections::BTreeSet<String>>,
}

/// What the computed tables depend on: the bytes of edisi.toml and of every data file (by
/// their SHA-256, `None` when the file was not parsed) and which data files are present.
type ComputeKey = (Vec<Option<[u8; 32]>>, Vec<String>);

impl EditionCache {
    pub fn new() -> EditionCache {
        EditionCache::default()
    }

    /// (parses reused, parses done, computations reused) over the cache's life.
    pub fn stats(&self) -> (u64, u64, u64) {
        (self.sources.hits, self.sources.misses, self.computed_hits)
    }

    /// Of the parses done, those of an edited table file's changed part only, over the cache's
    /// life.
    pub fn partial_parses(&self) -> u64 {
        self.sources.partial
    }

    /// How long the last [`Edition::load_cached`] spent reading, validating, computing and
    /// building the document model (for timing lines).
    pub fn times(&self) -> [std::time::Duration; 4] {
        self.times
    }

    /// Of the last load's document stage: how long making the placed tables (with their
    /// widths) and the templates' context took (zero when they were reused).
    pub fn made(&self) -> [std::time::Duration; 2] {
        self.made
    }

    fn compute_key(&self, sources: &renja_core::source::Sources) -> ComputeKey {
        let files = renja_core::source::DATA_FILES.iter().map(|rel| self.sources.hash_of(rel)).collect();
        (files, sources.present.clone())
    }

    /// What one computed part depends on: [`EditionCache::compute_key`] without the other
    /// parts' files ([`renja_core::compute::Part::depends_on`]).
    fn part_key(&self, part: renja_core::compute::Part, sources: &renja_core::source::Sources) -> ComputeKey {
        let files = renja_core::source::DATA_FILES.iter().map(|rel| if part.depends_on(rel) { self.sources.hash_of(rel) } else { None }).collect();
        (files, sources.present.clone())
    }
}

/// The document model as pretty JSON with a final newline.
fn to_json(doc: &Document) -> Option<Vec<u8>> {
    let mut json = serde_json::to_vec_pretty(doc).ok()?;
    json.push(b'\n');
    Some(json)
}

/// Draft (marked "RANCANGAN") or final (no mark; the PDF gets the empty electronic-signature
/// field `renja sign` fills).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Draft,
    Final,
}

/// Which outputs to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub pdf: bool,
    pub docx: bool,
    /// The export JSON (the document model).
    pub json: bool,
    /// The Excel workbook of the data tables (with formulas).
    pub xlsx: bool,
}

impl Formats {
    /// PDF, DOCX and JSON: what the archive keeps of an edition.
    pub const ALL: Formats = Formats { pdf: true, docx: true, json: true, xlsx: false };
    /// Nothing; set the fields wanted (`Formats { pdf: true, ..Formats::NONE }`).
    pub const NONE: Formats = Formats { pdf: false, docx: false, json: false, xlsx: false };
}

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub mode: Mode,
    pub formats: Formats,
    /// How the PDF's tables are drawn: [`Drawing::Print`] for every file renja writes (tagged
    /// table structure), [`Drawing::Preview`] for the live preview's pages (same pages, faster).
    pub drawing: Drawing,
}

impl RenderOptions {
    /// A draft, tables drawn for print.
    pub fn draft(formats: Formats) -> Self {
        RenderOptions { mode: Mode::Draft, formats, drawing: Drawing::Print }
    }
    /// A final document, tables drawn for print.
    pub fn final_(formats: Formats) -> Self {
        RenderOptions { mode: Mode::Final, formats, drawing: Drawing::Print }
    }
}

/// The outputs of one render, in memory, and the render stages' diagnostics.
#[derive(Debug, Default)]
pub struct Rendered {
    pub pdf: Option<Vec<u8>>,
    pub docx: Option<Vec<u8>>,
    pub json: Option<Vec<u8>>,
    pub xlsx: Option<Vec<u8>>,
    /// Problems found while laying out the PDF or writing the DOCX (the sources' own are in
    /// [`Edition::check`]).
    pub diagnostics: Diagnostics,
}

/// What rendering keeps between calls for one edition folder: where `layouts/` and `fonts/` are,
/// the fonts (loaded on first use) and one typst World, so a long-lived caller (the preview)
/// lays out incrementally instead of from scratch.
pub struct Renderer {
    dir: PathBuf,
    assets: Assets,
    fonts: Option<Arc<Fonts>>,
    world: Option<RenjaWorld>,
}

impl Renderer {
    /// A renderer for the edition in `dir`, with `layouts/` and `fonts/` found as
    /// [`Assets::locate`] finds them.
    pub fn new(dir: &Path) -> Renderer {
        Renderer { dir: dir.to_path_buf(), assets: Assets::locate(dir), fonts: None, world: None }
    }

    /// A renderer with assets and fonts already loaded (the preview loads them at start-up).
    pub fn with_fonts(dir: &Path, assets: Assets, fonts: Arc<Fonts>) -> Renderer {
        Renderer { dir: dir.to_path_buf(), assets, fonts: Some(fonts), world: None }
    }

    pub fn assets(&self) -> &Assets {
        &self.assets
    }

    /// The fonts, loading them on first use.
    pub fn fonts(&mut self) -> Result<Arc<Fonts>, FontError> {
        if let Some(f) = &self.fonts {
            return Ok(f.clone());
        }
        let f = Arc::new(Fonts::load(&self.assets.fonts)?);
        self.fonts = Some(f.clone());
        Ok(f)
    }

    /// The typst World serving `input` ([`renja_pdf::LayoutInput`]): created on first use,
    /// afterwards given the new model and re-reading edited layout files (typst's caches carry over).
    pub fn world(&mut self, input: renja_pdf::LayoutInput, today: (i32, u8, u8)) -> Result<&mut RenjaWorld, FontError> {
        let fonts = self.fonts()?;
        Ok(match &mut self.world {
            Some(w) => {
                w.set_model(input);
                w.set_today(today);
                w.refresh_sources();
                w
            }
            none => none.insert(RenjaWorld::new(fonts, &self.assets.layouts, &self.dir, input, today)),
        })
    }

    /// Forgets the World (after a panic in typst, start afresh).
    pub fn reset_world(&mut self) {
        self.world = None;
    }

    /// The PDF of `doc` (draft or final as `doc.sampul.draf` says); a final one with the empty
    /// signature field where the layout left room for it.
    /// The PDF and the pages of its tables-of-contents entries.
    fn pdf(&mut self, doc: &Document, opts: &RenderOptions, diags: &mut Diagnostics) -> Option<(Vec<u8>, Option<renja_core::document::Halaman>)> {
        diags.enter(Stage::Layout);
        let at = Loc { file: Arc::from("layouts/renja.typ"), line: 1, col: 1 };
        let input = renja_pdf::layout_input(doc, opts.drawing);
        let world = match self.world(input, doc.edisi.tanggal) {
            Ok(w) => w,
            Err(msg) => {
                diags.error(Loc { file: Arc::from(self.assets.fonts.display().to_string().as_str()), line: 1, col: 1 }, msg.to_string());
                return None;
            }
        };
        let exported = renja_pdf::render_in(world, doc, diags)?;
        let halaman = exported.halaman;
        if opts.mode == Mode::Draft {
            return Some((exported.pdf, halaman));
        }
        let Some(slot) = exported.slot else {
            diags.error(at, "tata letak PDF: ruang tanda tangan elektronik (label <tte-slot>) tidak ditemukan");
            return None;
        };
        let sumber = match renja_core::source::fingerprint(&self.dir, &self.assets.layouts, &self.assets.fonts) {
            Ok(f) => f,
            Err(e) => {
                diags.error(Loc { file: Arc::from(self.dir.display().to_string().as_str()), line: 1, col: 1 }, format!("sumber tidak dapat dibaca: {e}"));
                return None;
            }
        };
        let p = &doc.pengesahan;
        let info = renja_sign::FieldInfo {
            nama: p.nama.clone(),
            nip: p.nip.clone(),
            jabatan: p.jabatan.clone(),
            edisi: doc.metadata.slug.clone(),
            judul: doc.metadata.judul.clone(),
            tempat: doc.edisi.tempat.clone(),
            zona: renja_sign::time::Zona::of_province(doc.edisi.daerah.provinsi.as_deref()),
            sumber,
        };
        let slot = renja_sign::Slot { page: slot.page, x: slot.x, y: slot.y, width: slot.width, height: slot.height };
        match renja_sign::add_signature_field(exported.pdf, &slot, &info) {
            Ok(pdf) => Some((pdf, halaman)),
            Err(e) => {
                diags.error(at, format!("tata letak PDF: kolom tanda tangan tidak dapat dibuat: {e}"));
                None
            }
        }
    }
}

/// Runs the pipeline on an edition folder up to the document model: [`Edition::load`] as a pair.
/// Returns the document (when the sources could be interpreted at all) and every diagnostic. The
/// base-edition check is not part of it (see [`Edition::check_base`]).
pub fn process(dir: &Path) -> (Option<renja_core::document::Document>, renja_core::diag::Diagnostics) {
    Edition::load(dir).into_parts()
}

/// Gives the heap's free pages back to the system (glibc's `malloc_trim`): between the check's
/// parts, whose values are dropped whole, the next part's peak then starts from what is live,
/// not from what glibc kept of the last one's (at ×64, 1 MiB of `renja check`'s peak, at no
/// measurable cost: 30 alternating runs, median 285 → 280 ms). Nothing on other platforms.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's arenas to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
