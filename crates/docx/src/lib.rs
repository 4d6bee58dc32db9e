//! The DOCX renderer: lays out the document model as an editable Word document with `docx-rs`,
//! in the same order as the PDF (cover, kata pengantar, daftar isi, daftar tabel, chapters with
//! their tables, signature block). It owns the Word styles (Title, Heading 1–4, body text,
//! captions, list numbering), the sections (portrait narrative, landscape tables, roman then
//! arabic page numbers) and the tables as real Word tables. Like the PDF layout it computes
//! nothing: every text, cell and number comes from the model. What `docx-rs` cannot write is
//! added by [`post`] on the XML parts.
//!
//! Boundary: the DOCX renderer: reads the document model (and the edition folder for images); may
//! use `diag`, `format`, `model`, `source`, `document`; never `compute`, `pdf`, `sign`, `archive`,
//! `preview` or the façade.

pub mod post;

use renja_core::document::tables::{Orientasi, Rata, TabelTampil};
use renja_core::document::{Bab, Blok, Document, GayaDaftar, Halaman, Inline};
use renja_core::source::schema::JenisBab;
use docx_rs::*;

/// Twips per millimetre.
const TW_MM: f64 = 1440.0 / 25.4;

/// Style ids written into styles.xml (Word's built-in names, so Word maps them to its own).
pub const STYLE_TITLE: &str = "Title";
pub const STYLE_BODY: &str = "BodyText";
pub const STYLE_CAPTION: &str = "Caption";
pub const STYLE_TOC_HEADING: &str = "TOCHeading";
pub const STYLE_LIST: &str = "ListParagraph";
pub const STYLE_TABLE_TEXT: &str = "TableText";

fn heading_style(level: u8) -> String {
    format!("Heading{}", level.clamp(1, 4))
}

/// What a table row needs of one cell to place it on the grid.
struct SpanCell<'c> {
    teks: &'c str,
    kolom: u32,
    baris: u32,
    rata: Rata,
}

/// Style of the slot paragraph the skeleton holds in place of each data table; never written
/// to the DOCX (the table replaces the slot's whole paragraph).
const TABLE_SLOT: &str = "RenjaTableSlot";

/// A data table of the model, written into document.xml row by row when the part is made, so the
/// rows of every table are never all in memory as docx-rs elements or XML at once (at ×64 they
/// are most of a 40 MB document.xml).
struct DataTable<'a> {
    t: &'a TabelTampil,
    /// Column widths in twips on the table's page.
    grid: Vec<usize>,
}

impl DataTable<'_> {
    /// More bytes than the table's XML takes (a cell is about 300 bytes of markup around its
    /// text, whose characters take at most 6 bytes escaped); memory reserved for it and never
    /// written costs nothing, so the rewritten document.xml is made in one allocation instead of
    /// being copied as it doubles.
    fn size_bound(&self) -> usize {
        let t = self.t;
        let ncol = t.kolom.len().max(1);
        let row = |texts: usize| 400 + ncol * 700 + 6 * texts;
        let head: usize = t.kepala.iter().map(|r| row(r.iter().map(|c| c.teks.len()).sum())).sum();
        let body: usize = t.baris.iter().map(|r| row(r.sel.iter().map(|c| c.teks.len()).sum())).sum();
        1024 + ncol * 64 + head + row(ncol * 4) + body
    }

    /// The table's XML as docx-rs writes a `Table` of these rows, in pieces: the table's start
    /// with its properties and grid, each row, the end tag.
    fn write(&self, sink: &mut dyn FnMut(&str) -> Result<(), post::PostError>) -> Result<(), post::PostError> {
        let t = self.t;
        let grid = &self.grid;
        let ncol = t.kolom.len().max(1);
        let size = (t.ukuran_huruf * 2.0).round() as usize;
        let inset = (t.inset_pt * 20.0).round() as usize;
        let table = Table::new(Vec::new())
            .set_grid(grid.clone())
            .layout(TableLayoutType::Fixed)
            .width(grid.iter().sum(), WidthType::Dxa)
            .style("TableGrid")
            // The model's inset (points) in twips, as the PDF pads its cells.
            .margins(TableCellMargins::new().margin(40, inset, 40, inset));
        // Without rows: the start tag, properties and grid, then `</w:tbl>`.
        let head = xml_string(table.build())?;
        sink(head.strip_suffix("</w:tbl>").unwrap_or(&head))?;
        let mut row = |cells: Vec<TableCell>| -> Result<(), post::PostError> { sink(&xml_string(TableRow::new(cells).cant_split().build())?) };
        // Header rows, with spans: track columns covered by a row span from above.
        let mut covered: Vec<(usize, usize)> = vec![(0, 1); ncol]; // (rows left, colspan) at start column
        for r in &t.kepala {
            let specs = r.iter().map(|c| SpanCell { teks: &c.teks, kolom: c.kolom, baris: c.baris, rata: Rata::Tengah });
            row(span_row(specs, &mut covered, grid, Some("E6E6E6"), true, size, false))?;
        }
        if t.nomor_kolom {
            let cells = (0..ncol)
                .map(|i| {
                    TableCell::new()
                        .add_paragraph(cell_paragraph(&(i + 1).to_string(), Rata::Tengah, false, size.saturating_sub(2).max(10)))
                        .width(grid[i], WidthType::Dxa)
                        .shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill("F5F5F5"))
                })
                .collect();
            row(cells)?;
        }
        // Body rows.
        let mut covered: Vec<(usize, usize)> = vec![(0, 1); ncol];
        for r in &t.baris {
            let fill = match r.gaya {
                renja_core::document::tables::GayaBaris::Total | renja_core::document::tables::GayaBaris::Ringkasan => Some("F0F0F0"),
                renja_core::document::tables::GayaBaris::Opd => Some("F8F8F8"),
                _ => None,
            };
            let specs = r.sel.iter().map(|c| SpanCell { teks: &c.teks, kolom: c.kolom, baris: c.baris, rata: c.rata.unwrap_or(Rata::Kiri) });
            row(span_row(specs, &mut covered, grid, fill, r.tebal, size, true))?;
        }
        sink("</w:tbl>")
    }
}

/// XML docx-rs built, as text.
fn xml_string(bytes: Vec<u8>) -> Result<String, post::PostError> {
    String::from_utf8(bytes).map_err(|_| post::PostError::NotUtf8("word/document.xml".into()))
}

fn cell_paragraph(text: &str, align: Rata, bold: bool, size: usize) -> Paragraph {
    let a = match align {
        Rata::Kiri => AlignmentType::Left,
        Rata::Tengah => AlignmentType::Center,
        Rata::Kanan => AlignmentType::Right,
    };
    let text = renja_core::document::widths::putus_eksplisit(text);
    let mut r = Run::new().add_text(text.as_ref()).size(size);
    if bold {
        r = r.bold();
    }
    Paragraph::new().style(STYLE_TABLE_TEXT).align(a).add_run(r)
}

/// One table row on the column grid: each cell spans `kolom` columns and, with `baris > 1`,
/// starts a vertical merge; columns still covered by a merge from a row above get a
/// continuation cell. `covered` carries (rows left, colspan) per start column between rows.
/// With `pad_short`, a row with fewer cells than columns is filled out so Word sees a full row.
#[allow(clippy::too_many_arguments)]
fn span_row<'c>(
    specs: impl Iterator<Item = SpanCell<'c>>,
    covered: &mut [(usize, usize)],
    grid: &[usize],
    fill: Option<&str>,
    bold: bool,
    size: usize,
    pad_short: bool,
) -> Vec<TableCell> {
    let ncol = covered.len();
    let mut cells = Vec::new();
    let mut col = 0;
    let mut it = specs;
    while col < ncol {
        if covered[col].0 > 0 {
            let span = covered[col].1;
            covered[col].0 -= 1;
            cells.push(merged_continue(grid, col, span, fill.unwrap_or("auto")));
            col += span;
            continue;
        }
        let Some(c) = it.next() else {
            if pad_short {
                cells.push(TableCell::new().add_paragraph(Paragraph::new().style(STYLE_TABLE_TEXT)).grid_span(ncol - col).width(grid[col..].iter().sum(), WidthType::Dxa));
            }
            break;
        };
        let span = (c.kolom.max(1) as usize).min(ncol - col);
        let mut cell = TableCell::new()
            .add_paragraph(cell_paragraph(c.teks, c.rata, bold, size))
            .grid_span(span)
            .width(grid[col..col + span].iter().sum(), WidthType::Dxa)
            .vertical_align(VAlignType::Center);
        if let Some(f) = fill {
            cell = cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(f));
        }
        if c.baris > 1 {
            cell = cell.vertical_merge(VMergeType::Restart);
            covered[col] = (c.baris as usize - 1, span);
        }
        cells.push(cell);
        col += span;
    }
    cells
}

fn merged_continue(grid: &[usize], col: usize, span: usize, fill: &str) -> TableCell {
    let mut c = TableCell::new()
        .add_paragraph(Paragraph::new().style(STYLE_TABLE_TEXT))
        .grid_span(span)
        .width(grid[col..(col + span).min(grid.len())].iter().sum(), WidthType::Dxa)
        .vertical_merge(VMergeType::Continue);
    if fill != "auto" {
        c = c.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(fill));
    }
    c
}

/// Page geometry in twips.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    width: u32,
    height: u32,
    top: i32,
    bottom: i32,
    left: i32,
    right: i32,
    landscape: bool,
}

impl Geometry {
    /// The model's portrait or landscape page in twips.
    fn of(doc: &Document, landscape: bool) -> Self {
        let t = &doc.tata;
        let [w, h] = t.kertas_mm;
        let (w, h) = if landscape { (h, w) } else { (w, h) };
        let m = if landscape { &t.margin_mendatar_cm } else { &t.margin_tegak_cm };
        let cm = |v: f64| (v * 10.0 * TW_MM).round() as i32;
        Geometry {
            width: (w * TW_MM).round() as u32,
            height: (h * TW_MM).round() as u32,
            top: cm(m.atas),
            bottom: cm(m.bawah),
            left: cm(m.kiri),
            right: cm(m.kanan),
            landscape,
        }
    }

    fn portrait(doc: &Document) -> Self {
        Geometry::of(doc, false)
    }

    fn usable_width(&self) -> u32 {
        (self.width as i32 - self.left - self.right).max(1440) as u32
    }

    fn section(&self) -> SectionProperty {
        let orient = if self.landscape { PageOrientationType::Landscape } else { PageOrientationType::Portrait };
        SectionProperty::new()
            .page_size(PageSize::new().size(self.width, self.height).orient(orient))
            .page_margin(PageMargin::new().top(self.top).bottom(self.bottom).left(self.left).right(self.right).header(709).footer(709).gutter(0))
    }
}

/// How a section numbers its pages.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PageNumbers {
    /// Continue the previous section's numbering (or none on the cover).
    Continue,
    /// Restart at 1 in lower-case roman numerals (front matter).
    Roman,
    /// Restart at 1 in arabic numerals (from Bab I).
    Arabic,
}

#[derive(Debug, Clone, Copy)]
struct SectionSpec {
    geometry: Geometry,
    numbers: PageNumbers,
    /// This section defines the (single) footer; later sections inherit it.
    footer: bool,
}

enum Item {
    Paragraph(Box<Paragraph>),
    Table(Box<Table>),
    /// Ends the current section with these properties.
    Break(SectionSpec),
}

/// Builds the document body and the facts the post-processor needs.
struct Writer<'a> {
    doc: &'a Document,
    /// The cover logo as PNG bytes with its pixel size, when the edition has one.
    logo: Option<(Vec<u8>, u32, u32)>,
    portrait: Geometry,
    items: Vec<Item>,
    /// Header-row count of every table, in document order (for `w:tblHeader`).
    header_rows: Vec<usize>,
    /// Numbering instances: (numId, abstractNumId, level, start).
    lists: Vec<(usize, usize, usize, usize)>,
    next_num: usize,
    /// Current geometry (for table widths).
    current: Geometry,
    body_size: usize,
    /// Page labels of the daftar isi and daftar tabel entries, from the typst layout.
    pages: Option<&'a Halaman>,
    /// The data tables, in document order, each standing in the body as a [`TABLE_SLOT`].
    tables: Vec<DataTable<'a>>,
}


fn ends_with_colon(isi: &[Inline]) -> bool {
    isi.iter().rev().find_map(|i| match i {
        Inline::Teks { teks, .. } if !teks.trim().is_empty() => Some(teks.trim_end().ends_with(':')),
        _ => None,
    }) == Some(true)
}

/// Abstract numbering id for a list style; docx-rs's own default list takes id 1.
fn abstract_id(g: GayaDaftar) -> usize {
    2 + match g {
        GayaDaftar::Angka => 0,
        GayaDaftar::AngkaKurung => 1,
        GayaDaftar::Huruf => 2,
        GayaDaftar::HurufKurung => 3,
        GayaDaftar::HurufBesar => 4,
        GayaDaftar::Romawi => 5,
        GayaDaftar::RomawiBesar => 6,
        GayaDaftar::Butir => 7,
    }
}

const ALL_GAYA: [GayaDaftar; 8] = [
    GayaDaftar::Angka,
    GayaDaftar::AngkaKurung,
    GayaDaftar::Huruf,
    GayaDaftar::HurufKurung,
    GayaDaftar::HurufBesar,
    GayaDaftar::Romawi,
    GayaDaftar::RomawiBesar,
    GayaDaftar::Butir,
];

/// Word's number format and level text for a list style.
fn list_format(g: GayaDaftar, level: usize) -> (&'static str, String) {
    let n = level + 1;
    match g {
        GayaDaftar::Angka => ("decimal", format!("%{n}.")),
        GayaDaftar::AngkaKurung => ("decimal", format!("%{n})")),
        GayaDaftar::Huruf => ("lowerLetter", format!("%{n}.")),
        GayaDaftar::HurufKurung => ("lowerLetter", format!("%{n})")),
        GayaDaftar::HurufBesar => ("upperLetter", format!("%{n}.")),
        GayaDaftar::Romawi => ("lowerRoman", format!("%{n}.")),
        GayaDaftar::RomawiBesar => ("upperRoman", format!("%{n}.")),
        GayaDaftar::Butir => ("bullet", "•".to_string()),
    }
}

/// Left indent of list level `level` (twips), hanging 360.
fn list_indent(level: usize) -> i32 {
    360 * (level as i32 + 1)
}

/// The reference's sequence of styles by nesting depth (1., a., 1), i.), used for the
/// abstract numbering levels a list does not set itself.
fn abstract_numbering(g: GayaDaftar) -> AbstractNumbering {
    let mut a = AbstractNumbering::new(abstract_id(g));
    for level in 0..9 {
        let (fmt, text) = list_format(g, level);
        let l = Level::new(level, Start::new(1), NumberFormat::new(fmt), LevelText::new(text), LevelJc::new("left"))
            .indent(Some(list_indent(level)), Some(SpecialIndentType::Hanging(360)), None, None);
        a = a.add_level(l);
    }
    a
}

/// The entries of the daftar isi (chapters and headings of level 2–3) and of the daftar tabel,
/// in document order, as the current result of their TOC fields.
/// Entries of a TOC field's result: (level, text).
type TocEntries = Vec<(usize, String)>;

fn toc_entries(doc: &Document) -> (TocEntries, TocEntries) {
    fn inline_text(isi: &[Inline]) -> String {
        isi.iter()
            .map(|i| match i {
                Inline::Teks { teks, .. } => teks.as_str(),
                Inline::BarisBaru => " ",
                Inline::Catatan { .. } => "",
            })
            .collect()
    }
    fn walk(blocks: &[Blok], doc: &Document, contents: &mut TocEntries, tables: &mut TocEntries) {
        for b in blocks {
            match b {
                Blok::Judul { tingkat, nomor, isi } if *tingkat <= 3 => {
                    let n = nomor.as_ref().map(|n| format!("{n} ")).unwrap_or_default();
                    contents.push((*tingkat as usize, format!("{n}{}", inline_text(isi))));
                }
                Blok::Tabel { id } => {
                    if let Some(t) = doc.tabel.get(id) {
                        tables.push((1, format!("Tabel {} {}", t.nomor, t.judul)));
                    }
                }
                Blok::Daftar { butir, .. } => butir.iter().for_each(|i| walk(i, doc, contents, tables)),
                _ => {}
            }
        }
    }
    let (mut contents, mut tables) = (Vec::new(), Vec::new());
    for b in doc.bab.iter().filter(|b| b.jenis == JenisBab::Pengantar).chain(doc.bab.iter().filter(|b| b.jenis != JenisBab::Pengantar)) {
        let title = if b.label.is_empty() { b.judul.clone() } else { format!("{} {}", b.label, b.judul) };
        contents.push((1, title));
        walk(&b.blok, doc, &mut contents, &mut tables);
    }
    (contents, tables)
}

fn field(p: Paragraph, instr: InstrText, placeholder: &str) -> Paragraph {
    p.add_run(Run::new().add_field_char(FieldCharType::Begin, true))
        .add_run(Run::new().add_instr_text(instr))
        .add_run(Run::new().add_field_char(FieldCharType::Separate, false))
        .add_run(Run::new().add_text(placeholder))
        .add_run(Run::new().add_field_char(FieldCharType::End, false))
}

impl<'a> Writer<'a> {
    fn new(doc: &'a Document) -> Self {
        let portrait = Geometry::portrait(doc);
        Writer {
            doc,
            logo: None,
            portrait,
            items: Vec::new(),
            header_rows: Vec::new(),
            lists: Vec::new(),
            next_num: 2,
            current: portrait,
            body_size: (doc.edisi.halaman.ukuran_huruf * 2.0).round() as usize,
            pages: None,
            tables: Vec::new(),
        }
    }

    fn push(&mut self, p: Paragraph) {
        self.items.push(Item::Paragraph(Box::new(p)));
    }

    fn end_section(&mut self, spec: SectionSpec) {
        self.items.push(Item::Break(spec));
    }

    fn runs(&self, mut p: Paragraph, isi: &[Inline]) -> Paragraph {
        for i in isi {
            match i {
                Inline::Teks { teks, tebal, miring } => {
                    let mut r = Run::new().add_text(teks.as_str());
                    if *tebal {
                        r = r.bold();
                    }
                    if *miring {
                        r = r.italic();
                    }
                    p = p.add_run(r);
                }
                Inline::BarisBaru => p = p.add_run(Run::new().add_break(BreakType::TextWrapping)),
                Inline::Catatan { isi, .. } => {
                    let mut note = Footnote::new();
                    let note = note.add_content(self.runs(Paragraph::new().style("FootnoteText"), isi));
                    p = p.add_run(Run::new().style("FootnoteReference").add_footnote_reference(note));
                }
            }
        }
        p
    }

    fn cover(&mut self) {
        let s = &self.doc.sampul;
        let big = |t: &str, size: usize| Paragraph::new().style(STYLE_TITLE).add_run(Run::new().add_text(t).size(size));
        self.push(Paragraph::new().line_spacing(LineSpacing::new().before(1134)));
        for line in &s.baris_judul {
            self.push(big(line, 40));
        }
        // The cover logo, 4 cm wide as in the PDF; otherwise keep the same vertical room.
        if let Some((png, w, h)) = self.logo.clone() {
            const WIDTH_EMU: u32 = 1_440_000; // 4 cm
            let height = (u64::from(WIDTH_EMU) * u64::from(h) / u64::from(w.max(1))) as u32;
            let pic = Pic::new_with_dimensions(png, w, h).size(WIDTH_EMU, height);
            self.push(Paragraph::new().align(AlignmentType::Center).line_spacing(LineSpacing::new().before(1500).after(1500)).add_run(Run::new().add_image(pic)));
        } else {
            self.push(Paragraph::new().line_spacing(LineSpacing::new().before(4000)));
        }
        self.push(big(&s.pemerintah, 32));
        self.push(big(&s.opd, 32));
        self.push(big(&s.tahun.to_string(), 28));
    }

    fn chapter_title(&mut self, b: &Bab, first: bool) {
        let mut p = Paragraph::new().style(&heading_style(1));
        if !first {
            p = p.page_break_before(true);
        }
        if !b.label.is_empty() {
            p = p.add_run(Run::new().add_text(b.label.as_str())).add_run(Run::new().add_break(BreakType::TextWrapping));
        }
        p = p.add_run(Run::new().add_text(b.judul.as_str()));
        self.push(p);
    }

    fn blocks(&mut self, blocks: &[Blok], depth: usize, in_body: bool) {
        for (k, b) in blocks.iter().enumerate() {
            let before = self.items.len();
            self.block(b, depth, in_body);
            // A lead-in ending in ":" stays with the list, table or paragraph after it (as
            // layouts/blocks.typ keeps it).
            if let (Blok::Paragraf { isi }, Some(next)) = (b, blocks.get(k + 1)) {
                if ends_with_colon(isi) && matches!(next, Blok::Daftar { .. } | Blok::Tabel { .. } | Blok::TabelSederhana { .. } | Blok::Paragraf { .. }) {
                    self.keep_with_next(before);
                }
            }
        }
    }

    /// Sets "keep with next" on the paragraph item at `index`, if it is one.
    fn keep_with_next(&mut self, index: usize) {
        if let Some(Item::Paragraph(p)) = self.items.get_mut(index) {
            let taken = std::mem::replace(p.as_mut(), Paragraph::new());
            **p = taken.keep_next(true).keep_lines(true);
        }
    }

    fn block(&mut self, b: &Blok, depth: usize, in_body: bool) {
        match b {
            Blok::Judul { tingkat, nomor, isi } => {
                let mut p = Paragraph::new().style(&heading_style(*tingkat));
                if let Some(n) = nomor {
                    p = p.add_run(Run::new().add_text(format!("{n} ")));
                }
                p = self.runs(p, isi);
                self.push(p);
            }
            Blok::Paragraf { isi } => {
                let mut p = Paragraph::new().style(if depth > 0 { STYLE_LIST } else { STYLE_BODY });
                if depth > 0 {
                    p = p.indent(Some(list_indent(depth - 1)), None, None, None);
                }
                p = self.runs(p, isi);
                self.push(p);
            }
            Blok::Daftar { gaya, mulai, butir } => {
                let num = self.next_num;
                self.next_num += 1;
                self.lists.push((num, abstract_id(*gaya), depth, *mulai as usize));
                for item in butir {
                    let mut first = true;
                    for blk in item {
                        match (first, blk) {
                            (true, Blok::Paragraf { isi }) => {
                                let mut p = Paragraph::new().style(STYLE_LIST).numbering(NumberingId::new(num), IndentLevel::new(depth));
                                // An item's opening line (a unit's name, "Tugas") stays with its content.
                                if item.len() > 1 {
                                    p = p.keep_next(true).keep_lines(true);
                                }
                                let p = self.runs(p, isi);
                                self.push(p);
                            }
                            (true, other) => {
                                // An item that does not open with a paragraph: an empty numbered line.
                                self.push(Paragraph::new().style(STYLE_LIST).numbering(NumberingId::new(num), IndentLevel::new(depth)));
                                self.block(other, depth + 1, in_body);
                            }
                            (false, other) => self.block(other, depth + 1, in_body),
                        }
                        first = false;
                    }
                }
            }
            Blok::Tabel { id } => {
                let doc = self.doc;
                if let Some(t) = doc.tabel.get(id) {
                    self.table(t, in_body);
                }
            }
            Blok::TabelSederhana { kepala, baris } => self.simple_table(kepala, baris),
            Blok::HalamanBaru => self.push(Paragraph::new().add_run(Run::new().add_break(BreakType::Page))),
            Blok::Sisipan { .. } => {}
        }
    }

    fn table(&mut self, t: &'a TabelTampil, in_body: bool) {
        let landscape = t.orientasi == Orientasi::Lanskap && in_body;
        if landscape {
            // End the portrait section before the table: the table gets its own landscape pages.
            self.end_section(SectionSpec { geometry: self.current, numbers: PageNumbers::Continue, footer: false });
            self.current = Geometry::of(self.doc, true);
        }
        let caption = Paragraph::new()
            .style(STYLE_CAPTION)
            .keep_next(true)
            .add_run(Run::new().add_text(format!("Tabel {} ", t.nomor)).bold())
            .add_run(Run::new().add_text(t.judul.as_str()).bold());
        self.push(caption);

        let total_rel: f64 = t.kolom.iter().map(|k| k.lebar).sum::<f64>().max(f64::EPSILON);
        let usable = self.current.usable_width() as f64;
        let grid: Vec<usize> = t.kolom.iter().map(|k| (k.lebar / total_rel * usable).floor() as usize).collect();
        // The table itself is written when document.xml is (see `DataTable`): in its place the
        // skeleton gets a slot paragraph.
        self.header_rows.push(t.kepala.len() + usize::from(t.nomor_kolom));
        self.push(Paragraph::new().style(TABLE_SLOT));
        self.tables.push(DataTable { t, grid });
        if landscape {
            self.end_section(SectionSpec { geometry: self.current, numbers: PageNumbers::Continue, footer: false });
            self.current = self.portrait;
        } else {
            self.push(Paragraph::new().style(STYLE_BODY));
        }
    }

    fn simple_table(&mut self, kepala: &[Vec<Inline>], baris: &[Vec<Vec<Inline>>]) {
        let n = kepala.len().max(baris.iter().map(Vec::len).max().unwrap_or(1)).max(1);
        let usable = self.current.usable_width() as usize;
        let grid = vec![usable / n; n];
        let cell = |w: &Writer, isi: &[Inline], bold: bool| {
            // Header text bold run by run (a paragraph's own bold only marks its mark).
            let isi: Vec<Inline> = isi
                .iter()
                .map(|i| match i {
                    Inline::Teks { teks, tebal, miring } => Inline::Teks { teks: teks.clone(), tebal: *tebal || bold, miring: *miring },
                    o => o.clone(),
                })
                .collect();
            let p = w.runs(Paragraph::new().style(STYLE_TABLE_TEXT), &isi);
            TableCell::new().add_paragraph(p).width(usable / n, WidthType::Dxa)
        };
        // Every row fills the grid: short rows get empty cells.
        let row = |w: &Writer, r: &[Vec<Inline>], bold: bool| {
            let mut cells: Vec<TableCell> = r.iter().take(n).map(|c| cell(w, c, bold)).collect();
            while cells.len() < n {
                cells.push(cell(w, &[], bold));
            }
            TableRow::new(cells).cant_split()
        };
        let mut rows = vec![row(self, kepala, true)];
        for r in baris {
            rows.push(row(self, r, false));
        }
        let table = Table::new(rows).set_grid(grid).layout(TableLayoutType::Fixed).width(usable, WidthType::Dxa).style("TableGrid");
        self.header_rows.push(1);
        self.items.push(Item::Table(Box::new(table)));
        self.push(Paragraph::new().style(STYLE_BODY));
    }

    /// A TOC field whose current result lists the entries (without page numbers); Word and
    /// LibreOffice rebuild it with page numbers when fields are updated (it is marked dirty).
    fn toc_field(&mut self, instr: &str, entries: &[(usize, String)], pages: Option<&[String]>) {
        let n = entries.len();
        if n == 0 {
            self.push(field(Paragraph::new().style("TOC1"), InstrText::Unsupported(instr.to_string()), ""));
            return;
        }
        for (i, (level, text)) in entries.iter().enumerate() {
            let mut p = Paragraph::new().style(&format!("TOC{}", level.clamp(&1, &3)));
            if i == 0 {
                p = p
                    .add_run(Run::new().add_field_char(FieldCharType::Begin, true))
                    .add_run(Run::new().add_instr_text(InstrText::Unsupported(instr.to_string())))
                    .add_run(Run::new().add_field_char(FieldCharType::Separate, false));
            }
            p = p.add_run(Run::new().add_text(text.as_str()));
            // The page from the typst layout (the PDF's pages), after a dot-leader tab.
            if let Some(page) = pages.and_then(|ps| ps.get(i)) {
                p = p.add_run(Run::new().add_tab()).add_run(Run::new().add_text(page.as_str()));
            }
            if i + 1 == n {
                p = p.add_run(Run::new().add_field_char(FieldCharType::End, false));
            }
            self.push(p);
        }
    }

    fn signature(&mut self) {
        let p = &self.doc.pengesahan;
        let line = |t: &str| Paragraph::new().style("Signature").add_run(Run::new().add_text(t));
        self.push(Paragraph::new().style(STYLE_BODY).keep_next(true));
        self.push(line(&p.tempat_tanggal).keep_next(true));
        self.push(line(&format!("{},", p.jabatan)).keep_next(true).line_spacing(LineSpacing::new().after(1800)));
        self.push(Paragraph::new().style("Signature").keep_next(true).add_run(Run::new().add_text(p.nama.as_str()).bold().underline("single")));
        if let Some(pk) = &p.pangkat {
            self.push(line(pk).keep_next(true));
        }
        self.push(line(&p.nip));
    }

    fn run(&mut self) {
        let cover = SectionSpec { geometry: self.portrait, numbers: PageNumbers::Continue, footer: false };
        self.cover();
        self.end_section(cover);

        let front: Vec<&Bab> = self.doc.bab.iter().filter(|b| b.jenis == JenisBab::Pengantar).collect();
        let body: Vec<&Bab> = self.doc.bab.iter().filter(|b| b.jenis != JenisBab::Pengantar).collect();
        let mut first = true;
        for b in &front {
            self.chapter_title(b, first);
            first = false;
            self.blocks(&b.blok, 0, false);
        }
        // Daftar isi: a TOC field over Heading 1–3 that Word and LibreOffice update.
        let mut heading = Paragraph::new().style(STYLE_TOC_HEADING).add_run(Run::new().add_text(self.doc.tata.judul_daftar_isi));
        if !first {
            heading = heading.page_break_before(true);
        }
        self.push(heading);
        let (contents, tables) = toc_entries(self.doc);
        let pages = self.pages;
        let instr = format!("TOC \\o \"1-{}\" \\h \\z \\u", self.doc.tata.kedalaman_daftar_isi);
        self.toc_field(&instr, &contents, pages.map(|p| p.isi.as_slice()));
        self.push(Paragraph::new().style(STYLE_TOC_HEADING).page_break_before(true).add_run(Run::new().add_text(self.doc.tata.judul_daftar_tabel)));
        self.toc_field("TOC \\h \\z \\t \"Caption,1\"", &tables, pages.map(|p| p.tabel.as_slice()));
        self.end_section(SectionSpec { geometry: self.portrait, numbers: PageNumbers::Roman, footer: true });

        let n = body.len();
        for (i, b) in body.iter().enumerate() {
            self.chapter_title(b, i == 0);
            self.blocks(&b.blok, 0, true);
            if i + 1 == n {
                // The closing chapter's last paragraph stays on the signature block's page.
                if let Some(last) = self.items.len().checked_sub(1) {
                    self.keep_with_next(last);
                }
                self.signature();
            }
        }
        // The last section: properties go on the document itself (see `assemble`).
    }
}

/// The document's styles; "Normal" is written by docx-rs itself and takes the font and size
/// from the document defaults.
fn styles(doc: &Document) -> Vec<Style> {
    let hal = &doc.edisi.halaman;
    let body_size = (hal.ukuran_huruf * 2.0).round() as usize;
    let toc_tab = Geometry::portrait(doc).usable_width() as usize;
    let line = (hal.spasi_baris * 240.0).round() as i32;
    let body = LineSpacing::new().line_rule(LineSpacingType::Auto).line(line).after(120);
    let mut out = vec![
        widows(Style::new(STYLE_BODY, StyleType::Paragraph).name("Body Text").based_on("Normal").q_format(true).align(AlignmentType::Both).line_spacing(body.clone())),
        Style::new(STYLE_TITLE, StyleType::Paragraph).name("Title").based_on("Normal").next(STYLE_BODY).q_format(true).bold().align(AlignmentType::Center).line_spacing(LineSpacing::new().after(60)),
        Style::new(STYLE_TOC_HEADING, StyleType::Paragraph).name("TOC Heading").based_on("Normal").next(STYLE_BODY).q_format(true).bold().align(AlignmentType::Center).line_spacing(LineSpacing::new().after(240)),
        // Captions as the PDF prints them: the body text's size, bold, kept with the table.
        keep_next(Style::new(STYLE_CAPTION, StyleType::Paragraph).name("caption").based_on("Normal").next(STYLE_BODY).q_format(true).bold().size(body_size).align(AlignmentType::Center).line_spacing(LineSpacing::new().before(120).after(120))),
        Style::new(STYLE_LIST, StyleType::Paragraph).name("List Paragraph").based_on(STYLE_BODY).q_format(true),
        Style::new(STYLE_TABLE_TEXT, StyleType::Paragraph).name("Table Text").based_on("Normal").line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).before(0).after(0)),
        Style::new("Signature", StyleType::Paragraph).name("Signature").based_on("Normal").indent(Some(4820), None, None, None).align(AlignmentType::Center).line_spacing(LineSpacing::new().after(0)),
        Style::new("FootnoteText", StyleType::Paragraph).name("footnote text").based_on("Normal").size(18),
        {
            let mut s = Style::new("FootnoteReference", StyleType::Character).name("footnote reference");
            s.run_property = s.run_property.vert_align(VertAlignType::SuperScript);
            s
        },
        Style::new("Footer", StyleType::Paragraph).name("footer").based_on("Normal").align(AlignmentType::Center).size(20),
        Style::new("TableGrid", StyleType::Table).name("Table Grid").table_property(TableProperty::new().set_borders(TableBorders::new())),
    ];
    for level in 1..=4u8 {
        let mut s = Style::new(heading_style(level), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .based_on("Normal")
            .next(STYLE_BODY)
            .q_format(true)
            .bold()
            .outline_lvl(level as usize - 1)
            .line_spacing(LineSpacing::new().before(if level == 1 { 0 } else { 240 }).after(if level == 1 { 360 } else { 120 }));
        if level == 1 {
            s = s.align(AlignmentType::Center);
        }
        out.push(keep_next(s));
    }
    for level in 1..=3usize {
        // Entries with a dot leader to the page number at the right margin.
        let mut s = Style::new(format!("TOC{level}"), StyleType::Paragraph).name(format!("toc {level}")).based_on("Normal").indent(Some(((level - 1) * 360) as i32), None, None, None);
        s.paragraph_property = s.paragraph_property.add_tab(Tab::new().val(TabValueType::Right).leader(TabLeaderType::Dot).pos(toc_tab));
        out.push(s);
    }
    out
}

/// Widow and orphan control (Word's default, written out so every reader applies it).
fn widows(mut s: Style) -> Style {
    s.paragraph_property = s.paragraph_property.widow_control(true);
    s
}

/// Keep with the next paragraph, and the paragraph's own lines together.
fn keep_next(mut s: Style) -> Style {
    s.paragraph_property = s.paragraph_property.keep_next(true).keep_lines(true);
    s
}

/// The draft mark: one header (inherited by every later section) holding Word's watermark
/// shape, written by [`post::watermark`] in place of the marker run.
fn watermark_header() -> Header {
    Header::new().add_paragraph(Paragraph::new().add_run(Run::new().add_text(post::WATERMARK_MARK)))
}

fn footer() -> Footer {
    let p = field(Paragraph::new().style("Footer").align(AlignmentType::Center), InstrText::PAGE(InstrPAGE::new()), "1");
    Footer::new().add_paragraph(p)
}

fn section_property(spec: &SectionSpec) -> SectionProperty {
    let mut s = spec.geometry.section();
    match spec.numbers {
        PageNumbers::Continue => {}
        // The roman format is added by `post::roman_page_numbers` (docx-rs has no `w:fmt`).
        PageNumbers::Roman => s = s.page_num_type(PageNumType::new().start(1).chap_style(post::ROMAN_MARK)),
        PageNumbers::Arabic => s = s.page_num_type(PageNumType::new().start(1)),
    }
    s
}

/// The facts about the built document that the post-processor needs.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Header-row count of each table, in document order.
    pub header_rows: Vec<usize>,
}

/// Builds the docx-rs document and the layout facts, without post-processing. The data tables
/// are not in the document: it has a [`TABLE_SLOT`] paragraph for each, and they come back in
/// document order, to be written in place of their slots.
fn assemble<'a>(doc: &'a Document, logo: Option<(Vec<u8>, u32, u32)>, pages: Option<&'a Halaman>) -> (Docx, Layout, Vec<DataTable<'a>>) {
    let mut w = Writer::new(doc);
    w.logo = logo;
    w.pages = pages;
    w.run();
    let mut docx = Docx::new();
    for s in styles(doc) {
        docx = docx.add_style(s);
    }
    for g in ALL_GAYA {
        docx = docx.add_abstract_numbering(abstract_numbering(g));
    }
    for &(num, abs, level, start) in &w.lists {
        docx = docx.add_numbering(Numbering::new(num, abs).add_override(LevelOverride::new(level).start(start)));
    }
    // Group items into sections. The first body section restarts arabic numbering.
    let mut section = Section::new();
    let mut sections_done = 0usize;
    let mut body_started = false;
    for item in w.items {
        match item {
            Item::Paragraph(p) => section = section.add_paragraph(*p),
            Item::Table(t) => section = section.add_table(*t),
            Item::Break(mut spec) => {
                if sections_done >= 2 && !body_started {
                    spec.numbers = PageNumbers::Arabic;
                    body_started = true;
                }
                let mut s = std::mem::take(&mut section);
                s = s_with_property(s, &spec);
                if spec.footer {
                    s = s.footer(footer());
                }
                if sections_done == 0 && doc.sampul.draf {
                    s = s.header(watermark_header());
                }
                docx = docx.add_section(s);
                sections_done += 1;
            }
        }
    }
    // The final section: its content goes into the body, its properties onto the document.
    let last = SectionSpec {
        geometry: w.current,
        numbers: if body_started { PageNumbers::Continue } else { PageNumbers::Arabic },
        footer: false,
    };
    for child in section.children().clone() {
        docx = match child {
            SectionChild::Paragraph(p) => docx.add_paragraph(*p),
            SectionChild::Table(t) => docx.add_table(*t),
            _ => docx,
        };
    }
    let g = last.geometry;
    docx = docx.page_size(g.width, g.height);
    docx = docx
        .page_margin(PageMargin::new().top(g.top).bottom(g.bottom).left(g.left).right(g.right).header(709).footer(709).gutter(0))
        .page_orient(if g.landscape { PageOrientationType::Landscape } else { PageOrientationType::Portrait });
    if last.numbers == PageNumbers::Arabic {
        docx = docx.page_num_type(PageNumType::new().start(1));
    }
    docx = docx.default_size(w.body_size).default_fonts(RunFonts::new().ascii(&doc.edisi.halaman.huruf).hi_ansi(&doc.edisi.halaman.huruf).cs(&doc.edisi.halaman.huruf));
    let m = &doc.metadata;
    docx = docx.created_at(&m.waktu_terbit).updated_at(&m.waktu_terbit);
    (docx, Layout { header_rows: w.header_rows }, w.tables)
}

fn s_with_property(s: Section, spec: &SectionSpec) -> Section {
    let sp = section_property(spec);
    let mut s = s.page_size(PageSize::new().size(spec.geometry.width, spec.geometry.height).orient(if spec.geometry.landscape {
        PageOrientationType::Landscape
    } else {
        PageOrientationType::Portrait
    }));
    s = s.page_margin(PageMargin::new().top(spec.geometry.top).bottom(spec.geometry.bottom).left(spec.geometry.left).right(spec.geometry.right).header(709).footer(709).gutter(0));
    if let Some(p) = sp.page_num_type {
        s = s.page_num_type(p);
    }
    s
}

/// Reads the cover logo (PNG or JPEG) as PNG bytes with its pixel size. The image is decoded
/// here, with errors as messages, because docx-rs panics on an image it cannot read.
fn load_logo(path: &std::path::Path) -> Result<(Vec<u8>, u32, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("logo '{}' tidak dapat dibaca: {e}", path.display()))?;
    let img = image::load_from_memory(&bytes).map_err(|e| format!("logo '{}' bukan gambar PNG/JPEG yang sah: {e}", path.display()))?;
    let (w, h) = (img.width(), img.height());
    if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        return Ok((bytes, w, h));
    }
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).map_err(|e| format!("logo '{}' tidak dapat diubah ke PNG: {e}", path.display()))?;
    Ok((png.into_inner(), w, h))
}

/// Why a DOCX could not be made (messages in Indonesian, for the user).
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// The cover logo could not be read or decoded.
    #[error("{0}")]
    Logo(String),
    /// A part docx-rs wrote could not be post-processed or packed.
    #[error(transparent)]
    Post(#[from] post::PostError),
}

/// Renders the document as DOCX bytes: docx-rs builds the parts, [`post::finish`] adds what
/// docx-rs lacks and packs them with deflate. `edition` is the folder the cover logo is read from.
pub fn render(doc: &Document, edition: &std::path::Path) -> Result<Vec<u8>, DocxError> {
    render_with(doc, edition, None)
}

/// [`render`] with the daftar isi and daftar tabel filled in with page numbers.
pub fn render_with(doc: &Document, edition: &std::path::Path, pages: Option<&Halaman>) -> Result<Vec<u8>, DocxError> {
    let logo = match &doc.sampul.logo {
        Some(rel) => Some(load_logo(&edition.join(rel)).map_err(DocxError::Logo)?),
        None => None,
    };
    // Page numbers only when they match the entries one for one.
    let (contents, tables) = toc_entries(doc);
    let pages = pages.filter(|p| p.isi.len() == contents.len() && p.tabel.len() == tables.len());
    let (docx, layout, tables) = assemble(doc, logo, pages);
    let mut xml = docx.build();
    let skeleton = xml_string(std::mem::take(&mut xml.document))?;
    // The data tables hold plain text (no footnotes), so the skeleton tells.
    let footnotes = skeleton.contains("<w:footnoteReference");
    let size = skeleton.len() + tables.iter().map(DataTable::size_bound).sum::<usize>();
    Ok(post::finish_with(xml, footnotes, size, Box::new(|sink| write_body(&skeleton, &tables, sink)), doc, &layout)?)
}

/// document.xml from its skeleton, each [`TABLE_SLOT`] paragraph replaced by its data table, in
/// pieces: what docx-rs writes for the document with the tables in it.
fn write_body(skeleton: &str, tables: &[DataTable], sink: &mut dyn FnMut(&str) -> Result<(), post::PostError>) -> Result<(), post::PostError> {
    let slot = format!("<w:pStyle w:val=\"{TABLE_SLOT}\" />");
    let mut at = 0;
    for (i, table) in tables.iter().enumerate() {
        // The slot's paragraph: from its start tag to its end tag (it has no nested paragraph).
        let span = skeleton[at..].find(&slot).map(|s| at + s).and_then(|s| {
            let start = skeleton[at..s].rfind("<w:p ")? + at;
            let end = skeleton[s..].find("</w:p>")? + s + "</w:p>".len();
            Some((start, end))
        });
        let Some((start, end)) = span else { return Err(post::PostError::MissingTable(i + 1)) };
        sink(&skeleton[at..start])?;
        table.write(sink)?;
        at = end;
    }
    sink(&skeleton[at..])
}
