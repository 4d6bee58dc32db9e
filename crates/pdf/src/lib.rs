//! The PDF renderer: the document model as `/model.json`, laid out by `layouts/renja.typ`
//! through the typst library, exported as PDF/A-2b with metadata and a timestamp from the
//! edition, so the same sources give byte-identical files.
//!
//! Boundary: reads only the document model (`document`, `model` types) and `diag`; owns the
//! typst World and fonts. It may not depend on `sign`, `archive`, `preview`, `cmd` or the façade:
//! the final PDF's empty signature field is added by the façade (`renja_edition::Edition::render`)
//! from the [`Slot`] this module reports, and `sign` uses this module's World to lay out the
//! visible signature (one direction: sign → pdf).

pub mod blame;
pub mod world;

use renja_core::diag::{Diagnostics, Loc, Severity, Stage};
use renja_core::document::Document;
use std::path::Path;
use std::sync::Arc;
use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst::WorldExt;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};
pub use world::{FontError, Fonts, RenjaWorld};

/// Where `layouts/` and `fonts/` are: found by [`renja_core::source`], which reads every file
/// before rendering.
pub use renja_core::source::Assets;

/// Converts typst's diagnostics to ours, located in the layout file.
fn convert(world: &RenjaWorld, diags: &[SourceDiagnostic], out: &mut Diagnostics) {
    for d in diags {
        let severity = match d.severity {
            typst::diag::Severity::Error => Severity::Error,
            typst::diag::Severity::Warning => Severity::Warning,
        };
        let (file, line, col) = match d.span.id() {
            Some(id) => {
                let name = id.get().vpath().get_without_slash().to_string();
                let pos = world
                    .range(d.span)
                    .and_then(|r| typst::World::source(world, id).ok().and_then(|s| s.lines().byte_to_line_column(r.start)));
                match pos {
                    Some((l, c)) => (name, l + 1, c + 1),
                    None => (name, 1, 1),
                }
            }
            None => ("layouts/renja.typ".to_string(), 1, 1),
        };
        // typst's own words (English) go to the secondary line.
        let mut detail = d.message.to_string();
        for h in &d.hints {
            detail.push_str(&format!("; {}", h.v));
        }
        let msg = match severity {
            Severity::Error => "tata letak PDF: typst tidak dapat menyusun dokumen",
            Severity::Warning => "tata letak PDF: peringatan dari typst",
        };
        let d = out.push(severity, Loc { file: Arc::from(file.as_str()), line, col }, msg).with_detail(detail);
        d.stage = Stage::Layout;
    }
}

/// The PDF timestamp from the edition's `waktu_terbit` (RFC 3339, UTC).
pub fn timestamp(s: &str) -> Option<Timestamp> {
    let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00Z"));
    let d: Vec<i32> = date.split('-').filter_map(|x| x.parse().ok()).collect();
    let t: Vec<u8> = time.trim_end_matches('Z').split(':').filter_map(|x| x.get(..2).unwrap_or(x).parse().ok()).collect();
    let (y, mo, da) = (*d.first()?, *d.get(1)? as u8, *d.get(2)? as u8);
    let (h, mi, se) = (t.first().copied().unwrap_or(0), t.get(1).copied().unwrap_or(0), t.get(2).copied().unwrap_or(0));
    Datetime::from_ymd_hms(y, mo, da, h, mi, se).map(Timestamp::new_utc)
}

/// How the layout draws tables (`layouts/table.typ`). Both give the same pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    /// One typst table per table, every cell a table cell: the tagged PDF keeps the table's
    /// structure. For every file renja writes.
    Print,
    /// Each row (or group of rows joined by a row span) drawn as one unit, so typst re-lays out
    /// only the rows an edit changed. For the live preview's pages.
    Preview,
}

/// What the layout reads, served by the World from memory: `/model.json`, the document without
/// its placed tables and without the raw computed data (`data`, for `renja export` and
/// templates, which the layout never draws directly), and `/tabel/<id>.json` for each placed
/// table.
///
/// One file per table, because typst memoises reading a file by its bytes and the layout draws
/// each table from its own file by its id (`layouts/table.typ`, `place-table`): after an edit,
/// typst parses and hashes again only the files that changed — a narrative edit at ×16 no longer
/// re-reads 1.8 MB of tables, a pagu edit only the tables it changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutInput {
    pub model: Vec<u8>,
    pub tables: std::collections::BTreeMap<String, Vec<u8>>,
}

impl From<Vec<u8>> for LayoutInput {
    /// A `/model.json` alone (a layout that places no table, such as the signature appearance).
    fn from(model: Vec<u8>) -> Self {
        LayoutInput { model, tables: Default::default() }
    }
}

/// The layout's input for `doc` ([`LayoutInput`]), tables drawn as `drawing` says.
pub fn layout_input(doc: &Document, drawing: Drawing) -> LayoutInput {
    LayoutInput { model: layout_input_model(doc, drawing), tables: table_files(doc, drawing) }
}

/// `/model.json`: the document without its placed tables and raw computed data.
fn layout_input_model(doc: &Document, drawing: Drawing) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct View<'a> {
        pratinjau: bool,
        renja_versi: &'a str,
        metadata: &'a renja_core::document::Metadata,
        edisi: &'a renja_core::model::Meta,
        tata: &'a renja_core::document::TataLetak,
        sampul: &'a renja_core::document::Sampul,
        bab: &'a [renja_core::document::Bab],
        pengesahan: &'a renja_core::document::Pengesahan,
    }
    let view = View {
        pratinjau: drawing == Drawing::Preview,
        renja_versi: doc.renja_versi,
        metadata: &doc.metadata,
        edisi: &doc.edisi,
        tata: &doc.tata,
        sampul: &doc.sampul,
        bab: &doc.bab,
        pengesahan: &doc.pengesahan,
    };
    serde_json::to_vec(&view).expect("document serialises")
}

/// The placed tables' files (`/tabel/…`), drawn as `drawing` says.
fn table_files(doc: &Document, drawing: Drawing) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut tables = std::collections::BTreeMap::new();
    for (id, t) in doc.tabel.iter() {
        one_table_files(id, t, drawing, &mut tables);
    }
    tables
}

/// The files of one placed table (its own, and in the preview's drawing its pieces).
fn one_table_files(id: &str, t: &renja_core::document::TabelTampil, drawing: Drawing, tables: &mut std::collections::BTreeMap<String, Vec<u8>>) {
    match drawing {
        Drawing::Print => {
            tables.insert(id.to_string(), serde_json::to_vec(t).expect("table serialises"));
        }
        Drawing::Preview => preview_table(id, t, tables),
    }
}

/// The files [`layout_input_reusing`] last made for each table, known by the table's pointer.
#[derive(Default)]
pub struct InputCache {
    last: std::collections::BTreeMap<String, (Arc<renja_core::document::TabelTampil>, Drawing, std::collections::BTreeMap<String, Vec<u8>>)>,
}

/// [`layout_input`] for a sequence of documents (the live preview): a table's files are
/// serialised again only when `doc` holds another table under its id than the last call's
/// document. The edition cache shares each table (`Document::tabel` holds the `Arc`s it keeps):
/// a chapter edit changes no table, a pagu edit only Tabel 3.4, so only `/model.json` and the
/// changed tables are made again (at ×16 the tables are 1.8 MB of JSON, 3–7 ms to serialise).
pub fn layout_input_reusing(doc: &Document, drawing: Drawing, cache: &mut InputCache) -> LayoutInput {
    let mut last = std::mem::take(&mut cache.last);
    let mut tables = std::collections::BTreeMap::new();
    for (id, t) in doc.tabel.iter() {
        let files = match last.remove(id) {
            Some((kept, d, files)) if Arc::ptr_eq(&kept, t) && d == drawing => files,
            _ => {
                let mut files = std::collections::BTreeMap::new();
                one_table_files(id, t, drawing, &mut files);
                files
            }
        };
        tables.extend(files.iter().map(|(k, v)| (k.clone(), v.clone())));
        cache.last.insert(id.clone(), (t.clone(), drawing, files));
    }
    LayoutInput { model: layout_input_model(doc, drawing), tables }
}

/// About how many rows one file of a table's rows holds in the preview's drawing.
const PIECE_ROWS: usize = 32;

/// A placed table as the preview draws it: `/tabel/<id>.json` holds the table without its rows
/// and the names of the files that hold them, `/tabel/<id>@<k>.json` (`potongan`), each a list
/// of about [`PIECE_ROWS`] rows in groups that a row span holds together (most groups are one
/// row). typst evaluates a piece again only when its file changed, so a pagu edit in a table of
/// 700 rows reads and draws a few dozen rows again, not all of them (docs/preview.md).
fn preview_table(id: &str, t: &renja_core::document::TabelTampil, tables: &mut std::collections::BTreeMap<String, Vec<u8>>) {
    use renja_core::document::tables::BarisTampil;
    // The table's fields but its rows (layouts/table.typ reads them; tests/pdf.rs compares the
    // drawings, so a field missing here fails there).
    #[derive(serde::Serialize)]
    struct Spec<'a> {
        id: &'a str,
        nomor: &'a str,
        judul: &'a str,
        orientasi: &'a renja_core::document::tables::Orientasi,
        ukuran_huruf: f64,
        kolom: &'a [renja_core::document::tables::Kolom],
        kepala: &'a [Vec<renja_core::document::tables::SelKepala>],
        nomor_kolom: bool,
        inset_pt: f64,
        potongan: Vec<String>,
    }
    let groups = row_groups(&t.baris);
    let mut pieces: Vec<Vec<&[BarisTampil]>> = Vec::new();
    let mut rows = PIECE_ROWS;
    for g in groups {
        if rows >= PIECE_ROWS {
            pieces.push(Vec::new());
            rows = 0;
        }
        rows += g.len();
        pieces.last_mut().expect("a piece was started").push(g);
    }
    let names: Vec<String> = (0..pieces.len()).map(|k| format!("{id}@{k}")).collect();
    for (name, piece) in names.iter().zip(&pieces) {
        tables.insert(name.clone(), serde_json::to_vec(piece).expect("rows serialise"));
    }
    let spec = Spec { id: &t.id, nomor: &t.nomor, judul: &t.judul, orientasi: &t.orientasi, ukuran_huruf: t.ukuran_huruf, kolom: &t.kolom, kepala: &t.kepala, nomor_kolom: t.nomor_kolom, inset_pt: t.inset_pt, potongan: names };
    tables.insert(id.to_string(), serde_json::to_vec(&spec).expect("table serialises"));
}

/// A table's rows in the groups that a row span holds together: a group ends at the first row
/// where no span that started in it reaches further down.
fn row_groups(rows: &[renja_core::document::tables::BarisTampil]) -> Vec<&[renja_core::document::tables::BarisTampil]> {
    let mut groups = Vec::new();
    let (mut start, mut until) = (0, 0);
    for (i, r) in rows.iter().enumerate() {
        for c in &r.sel {
            until = until.max(i + (c.baris.max(1) as usize) - 1);
        }
        if i >= until {
            groups.push(&rows[start..=i]);
            start = i + 1;
        }
    }
    if start < rows.len() {
        groups.push(&rows[start..]);
    }
    groups
}

/// A laid-out, exported PDF and, for a final document, where the layout left room for the
/// electronic signature (the caller — the façade — adds the empty signature field there).
pub struct Exported {
    pub pdf: Vec<u8>,
    pub slot: Option<Slot>,
    /// The pages of the tables-of-contents entries, for the DOCX (`None` if the layout's marks
    /// are missing or malformed).
    pub halaman: Option<renja_core::document::Halaman>,
}

/// The electronic-signature slot on a page, in PDF user space (points, origin bottom-left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// 1-based page number.
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Lays out and exports the document in a fresh World, tables drawn as given (tests compare the
/// preview's drawing with print's). A final document's PDF comes without its signature field:
/// that is `renja_edition::Edition::render`'s job.
pub fn render_as(doc: &Document, edition: &Path, assets: &Assets, fonts: Arc<Fonts>, drawing: Drawing, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    let world = RenjaWorld::new(fonts, &assets.layouts, edition, layout_input(doc, drawing), doc.edisi.tanggal);
    render_in(&world, doc, diags).map(|e| e.pdf)
}

/// Lays out and exports the document in a World already holding its [`LayoutInput`]; for a final
/// document also finds the signature slot (`None` when the layout has none).
pub fn render_in(world: &RenjaWorld, doc: &Document, diags: &mut Diagnostics) -> Option<Exported> {
    let Some((paged, pdf)) = layout(world, diags).and_then(|paged| export(world, &paged, doc, diags).map(|pdf| (paged, pdf))) else {
        // An error in renja's own files caused by the author's text: say where that text is.
        blame::relocate(world, doc, Drawing::Print, diags);
        return None;
    };
    let slot = if doc.sampul.draf { None } else { tte_slot(&paged, doc) };
    Some(Exported { pdf, slot, halaman: halaman(&paged) })
}

/// The printed page label of every daftar isi and daftar tabel entry, read from the layout's
/// `<renja-halaman>` marks (`("isi" | "tabel", "12")`) in document order.
pub fn halaman(paged: &PagedDocument) -> Option<renja_core::document::Halaman> {
    use typst::foundations::{Label, Selector, Value};
    use typst::introspection::{Introspector, MetadataElem};
    let label = Label::new(typst::utils::PicoStr::intern("renja-halaman"))?;
    let intro = paged.introspector();
    let mut out = renja_core::document::Halaman::default();
    for c in Introspector::query(intro.as_ref(), &Selector::Label(label)) {
        let Value::Array(a) = &c.to_packed::<MetadataElem>()?.value else { return None };
        let (Some(Value::Str(kind)), Some(Value::Str(page))) = (a.at(0, None).ok(), a.at(1, None).ok()) else { return None };
        match kind.as_str() {
            "tabel" => out.tabel.push(page.to_string()),
            _ => out.isi.push(page.to_string()),
        }
    }
    Some(out)
}

/// Where the layout placed the electronic-signature slot (`<tte-slot>`), in PDF coordinates.
pub fn tte_slot(paged: &PagedDocument, doc: &Document) -> Option<Slot> {
    use typst::introspection::{DocumentPosition, Introspector};
    let label = typst::foundations::Label::new(typst::utils::PicoStr::intern("tte-slot"))?;
    let intro = paged.introspector();
    let loc = intro.query_label(label).ok()?.location()?;
    let DocumentPosition::Paged(pos) = Introspector::position(intro.as_ref(), loc)? else { return None };
    let page = paged.pages().get(pos.page.get() - 1)?;
    let mm = 72.0 / 25.4;
    let (w, h) = (doc.pengesahan.tte_lebar_mm as f64 * mm, doc.pengesahan.tte_tinggi_mm as f64 * mm);
    let page_h = page.frame.height().to_pt();
    Some(Slot { page: pos.page.get(), x: pos.point.x.to_pt(), y: page_h - pos.point.y.to_pt() - h, width: w, height: h })
}

/// Lays the document out (typst's compile step); errors and warnings become diagnostics.
pub fn layout(world: &RenjaWorld, diags: &mut Diagnostics) -> Option<PagedDocument> {
    let Warned { output, warnings } = typst::compile::<PagedDocument>(world);
    convert(world, &warnings, diags);
    match output {
        Ok(p) => Some(p),
        Err(errors) => {
            convert(world, &errors, diags);
            None
        }
    }
}

/// The introspector of a layout, kept to seed the next layout of the same document
/// ([`layout_seeded`]).
pub type Seed = Arc<typst_layout::PagedIntrospector>;

/// Lays the document out like [`layout`], but starts from `seed`, the introspector of the
/// previous layout of the same edition (the preview, after each save).
///
/// typst's own compile starts every time from an empty introspector, so a document that asks
/// where things are (page numbers, the daftar isi) is laid out at least twice per compile: once
/// with nothing known, once with what the first pass found, and it then walks every frame of
/// every page twice to build the introspectors. After an edit, the previous layout already
/// knows almost everything the new one asks, so starting from it usually converges in one pass.
///
/// The result is the same document: a layout is returned only once it is a fixed point (every
/// question it asked is answered the same by its own introspector, typst's own convergence
/// test), and anything else (an error, no fixed point within three passes) falls back to
/// [`layout`], so errors, warnings and pathological documents get typst's own handling. A
/// test in the preview compares the pages with a layout from scratch after a series of edits.
///
/// Also says how many passes the seeded layout took (`None`: it fell back to [`layout`], or had
/// no seed).
pub fn layout_seeded(world: &RenjaWorld, seed: Option<&Seed>, diags: &mut Diagnostics) -> (Option<PagedDocument>, Option<usize>) {
    let Some(seed) = seed else { return (layout(world, diags), None) };
    match seeded(world, seed) {
        Some((paged, warnings, passes)) => {
            convert(world, &warnings, diags);
            (Some(paged), Some(passes))
        }
        None => (layout(world, diags), None),
    }
}

/// typst's compile loop (`typst::compile`, paged target) with the first pass's introspector
/// given; `None` for anything but a clean fixed point.
fn seeded(world: &RenjaWorld, seed: &Seed) -> Option<(PagedDocument, typst::ecow::EcoVec<SourceDiagnostic>, usize)> {
    use typst::comemo::{Constraint, Track};
    use typst::engine::{Engine, Route, Sink, Traced};
    use typst::foundations::{Output, StyleChain, Target, TargetElem};
    use typst::introspection::Introspector;
    use typst::World;
    const PASSES: usize = 3;

    let world: &dyn World = world;
    let world = world.track();
    let library = world.library();
    let base = StyleChain::new(&library.styles);
    let target = TargetElem::target.set(Target::Paged).wrap();
    let styles = base.chain(&target);
    let traced = Traced::default();
    let mut sink = Sink::new();
    let main = world.source(world.main()).ok()?;
    let content = typst_eval::eval(world, library, traced.track(), sink.track_mut(), Route::default().track(), &main).ok()?.content();

    let mut previous: Option<PagedDocument> = None;
    for pass in 1..=PASSES {
        let introspector: &dyn Introspector = match &previous {
            Some(doc) => doc.introspector().as_ref(),
            None => seed.as_ref(),
        };
        let constraint = Constraint::new();
        let mut subsink = Sink::new();
        let mut engine = Engine {
            library,
            world,
            introspector: typst::utils::Protected::new(introspector.track_with(&constraint)),
            traced: traced.track(),
            sink: subsink.track_mut(),
            route: Route::default(),
        };
        let document = PagedDocument::create(&mut engine, &content, styles).ok()?;
        if constraint.validate(Output::introspector(&document)) {
            sink.extend_from_sink(subsink);
            if !sink.delayed().is_empty() {
                return None;
            }
            return Some((document, sink.warnings(), pass));
        }
        previous = Some(document);
    }
    None
}

/// Whether a laid-out document exports (for [`blame`]).
fn export_quiet(paged: &PagedDocument, doc: &Document) -> bool {
    typst_pdf::pdf(paged, &pdf_options(doc)).is_ok()
}

fn pdf_options(doc: &Document) -> PdfOptions {
    let standards = PdfStandards::new(&[PdfStandard::A_2b]).expect("PDF/A-2b is supported");
    PdfOptions {
        ident: Smart::Custom(doc.metadata.slug.clone()),
        creator: Smart::Custom(Some(format!("renja {}", doc.renja_versi))),
        timestamp: timestamp(&doc.metadata.waktu_terbit),
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    }
}

/// Exports a laid-out document as PDF/A-2b with the edition's metadata and timestamp.
pub fn export(world: &RenjaWorld, paged: &PagedDocument, doc: &Document, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    match typst_pdf::pdf(paged, &pdf_options(doc)) {
        Ok(bytes) => Some(bytes),
        Err(errors) => {
            convert(world, &errors, diags);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_parses() {
        assert!(super::timestamp("2022-08-25T00:00:00Z").is_some());
        assert!(super::timestamp("2022-08-25").is_some());
        assert!(super::timestamp("x").is_none());
    }

    /// The preview's pieces of a table hold every row once, in order, never split a group that
    /// a row span holds together, and hold about `PIECE_ROWS` rows each.
    #[test]
    fn preview_pieces_keep_rows_in_order_and_spans_together() {
        use renja_core::document::tables::{BarisTampil, GayaBaris, Sel};
        let row = |i: usize, span: u32| BarisTampil {
            gaya: GayaBaris::SubKegiatan,
            tebal: false,
            sel: vec![Sel { teks: i.to_string(), kolom: 1, baris: span, rata: None, pecahan: None }],
        };
        // 100 rows; a row span of 3 starts at row 30 (rows 30–32 go together), one of 2 at 95.
        let rows: Vec<BarisTampil> = (0..100).map(|i| row(i, if i == 30 { 3 } else if i == 95 { 2 } else { 1 })).collect();
        let groups = super::row_groups(&rows);
        assert_eq!(groups.iter().map(|g| g.len()).sum::<usize>(), 100);
        assert!(groups.iter().any(|g| g.len() == 3 && g[0].sel[0].teks == "30"));
        assert!(groups.iter().any(|g| g.len() == 2 && g[0].sel[0].teks == "95"));

        let mut tables = std::collections::BTreeMap::new();
        let t = renja_core::document::TabelTampil {
            id: "rencana".into(),
            nomor: "3.4".into(),
            judul: "Rencana".into(),
            orientasi: renja_core::document::tables::Orientasi::Lanskap,
            ukuran_huruf: 8.0,
            kolom: Vec::new(),
            kepala: Vec::new(),
            nomor_kolom: true,
            inset_pt: 4.0,
            baris: rows,
        };
        super::preview_table("rencana", &t, &mut tables);
        let spec: serde_json::Value = serde_json::from_slice(&tables["rencana"]).unwrap();
        assert!(spec.get("baris").is_none(), "the rows are in the pieces only");
        let names: Vec<String> = serde_json::from_value(spec["potongan"].clone()).unwrap();
        assert_eq!(names.len(), 4, "{names:?}");
        let mut seen = Vec::new();
        for name in &names {
            let piece: Vec<Vec<serde_json::Value>> = serde_json::from_slice(&tables[name]).unwrap();
            let n: usize = piece.iter().map(|g| g.len()).sum();
            assert!((super::PIECE_ROWS..super::PIECE_ROWS + 3).contains(&n) || name == names.last().unwrap(), "{name}: {n} rows");
            for g in piece {
                let first = g[0]["sel"][0]["teks"].as_str().unwrap().to_string();
                // A group of a row span is whole in one piece.
                if first == "30" {
                    assert_eq!(g.len(), 3);
                }
                seen.extend(g.iter().map(|r| r["sel"][0]["teks"].as_str().unwrap().parse::<usize>().unwrap()));
            }
        }
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    }
}
