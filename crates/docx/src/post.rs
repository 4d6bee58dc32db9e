//! Post-processing of the XML parts docx-rs builds, for what the crate cannot write: repeated
//! table header rows (`w:tblHeader`), core document properties (title, creator, subject,
//! keywords, language), the roman page-number format of the front matter, the schema order of
//! the property elements, unique paragraph ids, the default paragraph style, and packing the
//! parts with deflate (docx-rs stores them uncompressed).
//!
//! The parts are read with quick-xml, in one streaming pass per part ([`rewrite`]): every event
//! the pass does not change is copied from the input byte for byte (its span), so the output
//! differs from docx-rs's only where a rule says so, and no part is held in more than two copies
//! (input and output) at any time. Each rule is tested below on small parts.

use renja_core::document::{Document, Metadata};
use docx_rs::XMLDocx;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::{Cursor, Write};

/// Placeholder written by the renderer as `w:chapStyle` of a section whose page numbers are
/// roman; [`roman_page_numbers`] turns it into `w:fmt="lowerRoman"`.
pub const ROMAN_MARK: &str = "RenjaRomanPageNumbers";

/// What can go wrong while finishing the package. The messages are the user's (Indonesian).
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("bagian {part} bukan XML yang sah di bait {pos}: {msg}")]
    Xml { part: String, pos: u64, msg: String },
    #[error("bagian {0} bukan UTF-8")]
    NotUtf8(String),
    #[error("tabel ke-{0} tidak ditemukan di document.xml")]
    MissingTable(usize),
    #[error("baris kepala tabel ke-{0} tidak ditemukan")]
    MissingHeaderRow(usize),
    #[error("DOCX: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("DOCX: {0}")]
    Io(#[from] std::io::Error),
}

/// Escapes text for XML content and attribute values (`<`, `>`, `&`, `'`, `"`).
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// The events of a part with the bytes each was read from. The spans tile the input, so
/// copying the span of every event gives the input back unchanged.
struct Events<'a> {
    src: &'a str,
    part: &'a str,
    reader: Reader<&'a [u8]>,
    /// Bytes of the part before `src` (when it is read in pieces), for error positions.
    base: u64,
}

impl<'a> Events<'a> {
    fn new(src: &'a str, part: &'a str) -> Self {
        let mut reader = Reader::from_str(src);
        reader.config_mut().check_end_names = true;
        Events { src, part, reader, base: 0 }
    }

    fn next(&mut self) -> Result<Option<(Event<'a>, &'a str)>, PostError> {
        let from = self.reader.buffer_position() as usize;
        match self.reader.read_event() {
            Ok(Event::Eof) => Ok(None),
            Ok(e) => {
                let to = self.reader.buffer_position() as usize;
                Ok(Some((e, &self.src[from..to])))
            }
            Err(e) => Err(PostError::Xml { part: self.part.to_string(), pos: self.base + self.reader.error_position(), msg: e.to_string() }),
        }
    }
}

fn name_of<'e>(e: &'e BytesStart) -> &'e str {
    e.name().into_inner()
}

/// The value of attribute `key` as written (not unescaped), if present.
fn attr<'e>(e: &'e BytesStart, key: &str) -> Option<std::borrow::Cow<'e, str>> {
    e.attributes().flatten().find(|a| a.key.as_ref() == key).map(|a| a.value)
}

/// The attributes of a tag as written (values not unescaped), in order.
fn attrs_of(e: &BytesStart) -> Vec<(String, String)> {
    e.attributes().flatten().map(|a| (a.key.as_ref().to_string(), a.value.into_owned())).collect()
}

/// A start or empty tag written again with the given attributes; it keeps its name and its
/// closing (`>`, `/>` or ` />`, as in `raw`).
fn tag(raw: &str, e: &BytesStart, attrs: &[(String, String)]) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    out.push('<');
    out.push_str(name_of(e));
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(v);
        out.push('"');
    }
    out.push_str(if raw.ends_with(" />") {
        " />"
    } else if raw.ends_with("/>") {
        "/>"
    } else {
        ">"
    });
    out
}

/// Child order of the containers docx-rs writes out of order, from the OOXML schema
/// (ECMA-376 Part 1, wml.xsd: CT_SectPr, CT_PPr, CT_RPr, CT_TcPr, CT_TblPr, CT_Style).
/// Header and footer references share one group in CT_SectPr, so they share a rank.
const SECT_PR: &[&str] = &[
    "w:headerReference|w:footerReference", "w:footnotePr", "w:endnotePr", "w:type", "w:pgSz", "w:pgMar", "w:paperSrc", "w:pgBorders",
    "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi",
    "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange",
];
const P_PR: &[&str] = &[
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr", "w:suppressLineNumbers",
    "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
];
const R_PR: &[&str] = &[
    "w:ins", "w:del", "w:moveFrom", "w:moveTo", "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
    "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden",
    "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath", "w:rPrChange",
];
const TC_PR: &[&str] = &[
    "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap", "w:tcMar", "w:textDirection",
    "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
];
const TBL_PR: &[&str] = &[
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
    "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
    "w:tblDescription", "w:tblPrChange",
];
const STYLE: &[&str] = &[
    "w:name", "w:aliases", "w:basedOn", "w:next", "w:link", "w:autoRedefine", "w:hidden", "w:uiPriority", "w:semiHidden",
    "w:unhideWhenUsed", "w:qFormat", "w:locked", "w:personal", "w:personalCompose", "w:personalReply", "w:rsid", "w:pPr", "w:rPr",
    "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr",
];

/// The containers whose children [`schema_order`] sorts, with their child order.
pub const CONTAINERS: [(&str, &[&str]); 6] =
    [("w:style", STYLE), ("w:pPr", P_PR), ("w:rPr", R_PR), ("w:tcPr", TC_PR), ("w:tblPr", TBL_PR), ("w:sectPr", SECT_PR)];

fn rank(order: &[&str], name: &str) -> usize {
    order.iter().position(|n| n.split('|').any(|x| x == name)).unwrap_or(order.len())
}

/// The rules one pass of [`rewrite`] applies to a part.
#[derive(Default)]
pub struct Rules<'r> {
    /// Sort the children of these containers into their schema order (stable; unknown
    /// children last; a container with text of its own among the children is left as it is).
    pub order: &'r [(&'r str, &'r [&'r str])],
    /// Mark the first `n` rows of the i-th outermost table as header rows (`w:tblHeader`).
    pub header_rows: Option<&'r [usize]>,
    /// Renumber every `w14:paraId` from this counter (docx-rs draws section-break paragraphs
    /// from the same counter after the others, which duplicates ids). Ids stay below
    /// 0x80000000 as Word requires.
    pub para_ids: Option<&'r mut u32>,
    /// Turn the renderer's [`ROMAN_MARK`] into Word's roman page-number format.
    pub roman: bool,
    /// Drop `<w:gridSpan w:val="1" />`: one column is the default.
    pub drop_single_grid_spans: bool,
    /// Mark docx-rs's "Normal" style as the default paragraph style (it writes it without
    /// `w:default`, so paragraphs without a style have none in python-docx and Word).
    pub default_paragraph_style: bool,
    /// Add `w:lang` with this language to the default run properties (styles.xml).
    pub language: Option<&'r str>,
    /// Elements added as the last children of the root element.
    pub append_to_root: &'r str,
}

/// One container being sorted: its name, order, the children read so far (rank, bytes, or
/// None for the text between them) and the child being read.
struct Frame<'o> {
    name: String,
    order: &'o [&'o str],
    kids: Vec<(Option<usize>, String)>,
    open: Option<(usize, String, usize)>,
    sortable: bool,
}

/// Where the pass writes: the open child of the innermost container, or the output.
fn sink<'s>(frames: &'s mut [Frame<'_>], out: &'s mut String) -> &'s mut String {
    match frames.last_mut() {
        Some(Frame { open: Some((_, buf, _)), .. }) => buf,
        Some(f) => {
            f.kids.push((None, String::new()));
            &mut f.kids.last_mut().expect("just pushed").1
        }
        None => out,
    }
}

/// Applies `rules` to one part in one streaming pass. Errors name the part.
pub fn rewrite(src: &str, part: &str, rules: &mut Rules) -> Result<String, PostError> {
    let mut out = String::with_capacity(src.len() + 1024);
    let mut pass = Rewriter::new(part, rules);
    pass.feed(src, &mut out)?;
    pass.end()?;
    Ok(out)
}

/// One [`rewrite`] pass fed its part in pieces (document.xml as it is made, table by table), so
/// neither the part nor its output needs to be whole in memory. A piece ends between two XML
/// events (never inside a tag or a text); elements may open in one piece and close in a later
/// one. Fed the pieces of a part, it writes exactly what [`rewrite`] writes for the whole part.
pub struct Rewriter<'a, 'r> {
    part: &'a str,
    rules: &'a mut Rules<'r>,
    frames: Vec<Frame<'r>>,
    /// Names of the open elements, end to end, and where each starts (end tags are checked
    /// here, across pieces).
    names: String,
    name_starts: Vec<usize>,
    /// Bytes fed before the current piece (for error positions).
    fed: u64,
    depth: usize,
    // Header rows: the outermost table being read (index, its depth, rows marked so far), and
    // whether the row just opened still needs its mark (and where its start tag ended).
    table: Option<(usize, usize, usize)>,
    tables_seen: usize,
    row_needs_mark: bool,
    mark_at_trpr_end: bool,
    in_rpr_default: bool,
    normal_done: bool,
}

impl<'a, 'r> Rewriter<'a, 'r> {
    pub fn new(part: &'a str, rules: &'a mut Rules<'r>) -> Self {
        Rewriter {
            part,
            rules,
            frames: Vec::new(),
            names: String::new(),
            name_starts: Vec::new(),
            fed: 0,
            depth: 0,
            table: None,
            tables_seen: 0,
            row_needs_mark: false,
            mark_at_trpr_end: false,
            in_rpr_default: false,
            normal_done: false,
        }
    }

    fn ill_formed(&self, at: u64, msg: String) -> PostError {
        PostError::Xml { part: self.part.to_string(), pos: self.fed + at, msg: format!("ill-formed document: {msg}") }
    }

    /// Rewrites the next piece of the part, appending to `out`.
    pub fn feed(&mut self, src: &str, out: &mut String) -> Result<(), PostError> {
        let mut ev = Events::new(src, self.part);
        // End tags are matched here, across pieces.
        ev.reader.config_mut().check_end_names = false;
        ev.reader.config_mut().allow_unmatched_ends = true;
        ev.base = self.fed;
        let rules = &mut *self.rules;
        let frames = &mut self.frames;
        loop {
            let at = ev.reader.buffer_position();
            let Some((e, raw)) = ev.next()? else { break };
            // The first event after a header row's start: its properties get the mark (before their
            // end tag), or the row gets properties holding it.
            if self.row_needs_mark {
                self.row_needs_mark = false;
                match &e {
                    Event::Start(s) if name_of(s) == "w:trPr" => self.mark_at_trpr_end = true,
                    Event::Empty(s) if name_of(s) == "w:trPr" => {
                        sink(frames, out).push_str("<w:trPr><w:tblHeader /></w:trPr>");
                        continue;
                    }
                    _ => sink(frames, out).push_str("<w:trPr><w:tblHeader /></w:trPr>"),
                }
            }
            match &e {
                Event::Start(s) => {
                    let name = name_of(s).to_string();
                    self.name_starts.push(self.names.len());
                    self.names.push_str(&name);
                    self.depth += 1;
                    let depth = self.depth;
                    if let Some(rows) = rules.header_rows {
                        if name == "w:tbl" && self.table.is_none() {
                            self.tables_seen += 1;
                            if self.tables_seen <= rows.len() {
                                self.table = Some((self.tables_seen - 1, depth, 0));
                            }
                        } else if name == "w:tr" {
                            if let Some((i, d, marked)) = self.table.as_mut() {
                                if depth == *d + 1 && *marked < rows[*i] {
                                    *marked += 1;
                                    self.row_needs_mark = true;
                                }
                            }
                        }
                    }
                    let text = edit_tag(raw, s, rules, &mut self.normal_done).map_or(std::borrow::Cow::Borrowed(raw), std::borrow::Cow::Owned);
                    if name == "w:rPrDefault" {
                        self.in_rpr_default = true;
                    }
                    if let Some(f) = frames.last_mut() {
                        if f.open.is_none() {
                            f.open = Some((rank(f.order, &name), String::new(), 0));
                        }
                        if let Some((_, _, d)) = f.open.as_mut() {
                            *d += 1;
                        }
                    }
                    sink(frames, out).push_str(&text);
                    if let Some((_, order)) = rules.order.iter().find(|(n, _)| *n == name) {
                        frames.push(Frame { name, order, kids: Vec::new(), open: None, sortable: true });
                    }
                }
                Event::Empty(s) => {
                    let name = name_of(s);
                    if rules.drop_single_grid_spans && name == "w:gridSpan" && attr(s, "w:val").as_deref() == Some("1") {
                        continue;
                    }
                    let text = if rules.roman && name == "w:pgNumType" && attr(s, "w:chapStyle").as_deref() == Some(ROMAN_MARK) {
                        let mut attrs = attrs_of(s);
                        for a in attrs.iter_mut().filter(|a| a.0 == "w:chapStyle") {
                            *a = ("w:fmt".into(), "lowerRoman".into());
                        }
                        std::borrow::Cow::Owned(tag(raw, s, &attrs))
                    } else {
                        edit_tag(raw, s, rules, &mut self.normal_done).map_or(std::borrow::Cow::Borrowed(raw), std::borrow::Cow::Owned)
                    };
                    match frames.last_mut() {
                        Some(f) if f.open.is_none() => f.kids.push((Some(rank(f.order, name)), text.into_owned())),
                        _ => sink(frames, out).push_str(&text),
                    }
                }
                Event::End(x) => {
                    let name = x.name().into_inner();
                    match self.name_starts.pop() {
                        Some(start) if &self.names[start..] == name => self.names.truncate(start),
                        Some(start) => {
                            let msg = format!("expected `</{}>`, but `</{name}>` was found", &self.names[start..]);
                            return Err(self.ill_formed(at, msg));
                        }
                        None => return Err(self.ill_formed(at, format!("close tag `</{name}>` does not match any open tag"))),
                    }
                    // The end of a container being sorted: write its children in order.
                    if frames.last().is_some_and(|f| f.open.is_none() && f.name == name) {
                        let mut f = frames.pop().expect("checked");
                        if self.in_rpr_default && name == "w:rPr" {
                            if let Some(lang) = rules.language.take() {
                                f.kids.push((Some(rank(f.order, "w:lang")), lang_element(lang)));
                            }
                        }
                        let s = sink(frames, out);
                        if f.sortable {
                            let mut kids: Vec<(usize, String)> = f.kids.into_iter().filter_map(|(r, t)| r.map(|r| (r, t))).collect();
                            kids.sort_by_key(|k| k.0);
                            kids.iter().for_each(|k| s.push_str(&k.1));
                        } else {
                            f.kids.iter().for_each(|k| s.push_str(&k.1));
                        }
                        s.push_str(raw);
                    } else {
                        let s = sink(frames, out);
                        if self.depth == 1 {
                            s.push_str(rules.append_to_root);
                        }
                        if self.in_rpr_default && name == "w:rPr" {
                            if let Some(lang) = rules.language.take() {
                                s.push_str(&lang_element(lang));
                            }
                        }
                        if self.mark_at_trpr_end && name == "w:trPr" {
                            s.push_str("<w:tblHeader />");
                            self.mark_at_trpr_end = false;
                        }
                        s.push_str(raw);
                    }
                    if name == "w:rPrDefault" {
                        self.in_rpr_default = false;
                    }
                    if let Some(rows) = rules.header_rows {
                        if let Some((i, d, marked)) = self.table {
                            if name == "w:tbl" && self.depth == d {
                                if marked < rows[i] {
                                    return Err(PostError::MissingHeaderRow(i + 1));
                                }
                                self.table = None;
                            }
                        }
                    }
                    self.depth = self.depth.saturating_sub(1);
                    // Close the child of the enclosing container when its subtree ends.
                    if let Some(f) = frames.last_mut() {
                        if let Some((r, buf, d)) = f.open.as_mut() {
                            *d -= 1;
                            if *d == 0 {
                                let kid = (Some(*r), std::mem::take(buf));
                                f.open = None;
                                f.kids.push(kid);
                            }
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some(f) = frames.last_mut() {
                        if f.open.is_none() && !t.bytes().all(|b| b.is_ascii_whitespace()) {
                            f.sortable = false;
                        }
                    }
                    sink(frames, out).push_str(raw);
                }
                _ => {
                    if let Some(f) = frames.last_mut() {
                        if f.open.is_none() {
                            f.sortable = false;
                        }
                    }
                    sink(frames, out).push_str(raw);
                }
            }
        }
        self.fed += src.len() as u64;
        Ok(())
    }

    /// Ends the pass: every table the rules expect must have been seen.
    pub fn end(self) -> Result<(), PostError> {
        if let Some(rows) = self.rules.header_rows {
            if self.tables_seen < rows.len() {
                return Err(PostError::MissingTable(self.tables_seen + 1));
            }
        }
        Ok(())
    }
}

/// A start or empty tag with the per-element rules applied: the paragraph id renumbered, the
/// Normal style marked as default. None when no rule applies.
fn edit_tag(raw: &str, s: &BytesStart, rules: &mut Rules, normal_done: &mut bool) -> Option<String> {
    let normal = rules.default_paragraph_style
        && !*normal_done
        && name_of(s) == "w:style"
        && attr(s, "w:type").as_deref() == Some("paragraph")
        && attr(s, "w:styleId").as_deref() == Some("Normal");
    let next = rules.para_ids.as_deref_mut().filter(|_| attr(s, "w14:paraId").is_some());
    if !normal && next.is_none() {
        return None;
    }
    *normal_done |= normal;
    let mut attrs = attrs_of(s);
    if let (Some(n), Some(a)) = (next, attrs.iter_mut().find(|a| a.0 == "w14:paraId")) {
        a.1 = format!("{:08X}", *n);
        *n += 1;
    }
    if normal {
        // w:default goes between w:type and w:styleId, as Word writes it.
        let at = attrs.iter().position(|a| a.0 == "w:type").map_or(0, |p| p + 1);
        attrs.insert(at, ("w:default".into(), "1".into()));
    }
    Some(tag(raw, s, &attrs))
}

/// `w:lang` of the default run properties: the document's language for every script.
fn lang_element(lang: &str) -> String {
    let lang = esc(lang);
    format!("<w:lang w:val=\"{lang}\" w:eastAsia=\"{lang}\" w:bidi=\"{lang}\" />")
}

/// Marks the first `counts[i]` rows of the i-th table (document order, outermost tables) as
/// header rows repeated on every page. Returns an error when the part has fewer tables or rows
/// than the renderer laid out.
pub fn mark_header_rows(document: &str, counts: &[usize]) -> Result<String, PostError> {
    rewrite(document, "word/document.xml", &mut Rules { header_rows: Some(counts), ..Default::default() })
}

/// Turns the renderer's roman marker into Word's roman page-number format.
pub fn roman_page_numbers(document: &str) -> Result<String, PostError> {
    rewrite(document, "word/document.xml", &mut Rules { roman: true, ..Default::default() })
}

/// Puts the children of the containers docx-rs writes out of order into the schema's order
/// (section, paragraph, run, cell and table properties, styles), so Word opens the file
/// without offering to repair it.
pub fn schema_order(xml: &str) -> Result<String, PostError> {
    rewrite(xml, "XML", &mut Rules { order: &CONTAINERS, ..Default::default() })
}

/// Renumbers every `w14:paraId` of the given parts from `next`. Returns the part.
pub fn renumber_para_ids(xml: &str, next: &mut u32) -> Result<String, PostError> {
    rewrite(xml, "XML", &mut Rules { para_ids: Some(next), ..Default::default() })
}

/// Removes every empty element `tag` whose attribute `key` is `value`.
fn drop_elements(xml: &str, part: &str, tag: &str, key: &str, value: &str) -> Result<String, PostError> {
    let mut ev = Events::new(xml, part);
    let mut out = String::with_capacity(xml.len());
    while let Some((e, raw)) = ev.next()? {
        if let Event::Empty(s) = &e {
            if name_of(s) == tag && attr(s, key).as_deref() == Some(value) {
                continue;
            }
        }
        out.push_str(raw);
    }
    Ok(out)
}

/// Drops a part from the package's relationships and content types (it is then not packed).
pub fn drop_part(rels: &str, content_types: &str, target: &str) -> Result<(String, String), PostError> {
    Ok((
        drop_elements(rels, "word/_rels/document.xml.rels", "Relationship", "Target", target)?,
        drop_elements(content_types, "[Content_Types].xml", "Override", "PartName", &format!("/word/{target}"))?,
    ))
}

/// Adds a `Default` content type for an extension, unless present: before the first `Default`
/// or `Override`, or at the end.
pub fn add_default_content_type(content_types: &str, ext: &str, ctype: &str) -> Result<String, PostError> {
    let el = format!("<Default Extension=\"{}\" ContentType=\"{}\" />", esc(ext), esc(ctype));
    let mut ev = Events::new(content_types, "[Content_Types].xml");
    let mut out = String::with_capacity(content_types.len() + el.len());
    let mut added = false;
    while let Some((e, raw)) = ev.next()? {
        match &e {
            Event::Empty(s) if name_of(s) == "Default" && attr(s, "Extension").as_deref() == Some(ext) => return Ok(content_types.to_string()),
            Event::Empty(s) | Event::Start(s) if !added && matches!(name_of(s), "Default" | "Override") => {
                out.push_str(&el);
                added = true;
            }
            Event::End(x) if !added && x.name().as_ref() == "Types" => {
                out.push_str(&el);
                added = true;
            }
            _ => {}
        }
        out.push_str(raw);
    }
    Ok(out)
}

/// The core properties part (docProps/core.xml) from the document metadata.
pub fn core_properties(m: &Metadata) -> String {
    let when = if m.waktu_terbit.contains('T') { m.waktu_terbit.clone() } else { format!("{}T00:00:00Z", m.waktu_terbit) };
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" ",
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" ",
            "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
            "<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{creator}</dc:creator>",
            "<cp:keywords>{keywords}</cp:keywords><dc:language>{lang}</dc:language>",
            "<cp:lastModifiedBy>{creator}</cp:lastModifiedBy><cp:revision>1</cp:revision>",
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:created>",
            "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:modified>",
            "</cp:coreProperties>"
        ),
        title = esc(&m.judul),
        subject = esc(&m.subjek),
        creator = esc(&m.penulis),
        keywords = esc(&m.kata_kunci.join(", ")),
        lang = esc(m.bahasa),
        when = esc(&when),
    )
}

/// Child order of `w:settings` (ECMA-376 Part 1, CT_Settings); extension elements come last.
const SETTINGS: &[&str] = &[
    "w:writeProtection", "w:view", "w:zoom", "w:removePersonalInformation", "w:removeDateAndTime", "w:doNotDisplayPageBoundaries",
    "w:displayBackgroundShape", "w:printPostScriptOverText", "w:printFractionalCharacterWidth", "w:printFormsData",
    "w:embedTrueTypeFonts", "w:embedSystemFonts", "w:saveSubsetFonts", "w:saveFormsData", "w:mirrorMargins", "w:alignBordersAndEdges",
    "w:bordersDoNotSurroundHeader", "w:bordersDoNotSurroundFooter", "w:gutterAtTop", "w:hideSpellingErrors", "w:hideGrammaticalErrors",
    "w:activeWritingStyle", "w:proofState", "w:formsDesign", "w:attachedTemplate", "w:linkStyles", "w:stylePaneFormatFilter",
    "w:stylePaneSortMethod", "w:documentType", "w:mailMerge", "w:revisionView", "w:trackRevisions", "w:doNotTrackMoves",
    "w:doNotTrackFormatting", "w:documentProtection", "w:autoFormatOverride", "w:styleLockTheme", "w:styleLockQFSet",
    "w:defaultTabStop", "w:autoHyphenation", "w:consecutiveHyphenLimit", "w:hyphenationZone", "w:doNotHyphenateCaps",
    "w:showEnvelope", "w:summaryLength", "w:clickAndTypeStyle", "w:defaultTableStyle", "w:evenAndOddHeaders",
    "w:bookFoldRevPrinting", "w:bookFoldPrinting", "w:bookFoldPrintingSheets", "w:drawingGridHorizontalSpacing",
    "w:drawingGridVerticalSpacing", "w:displayHorizontalDrawingGridEvery", "w:displayVerticalDrawingGridEvery",
    "w:doNotUseMarginsForDrawingGridOrigin", "w:drawingGridHorizontalOrigin", "w:drawingGridVerticalOrigin",
    "w:doNotShadeFormData", "w:noPunctuationKerning", "w:characterSpacingControl", "w:printTwoOnOne", "w:strictFirstAndLastChars",
    "w:noLineBreaksAfter", "w:noLineBreaksBefore", "w:savePreviewPicture", "w:doNotValidateAgainstSchema", "w:saveInvalidXml",
    "w:ignoreMixedContent", "w:alwaysShowPlaceholderText", "w:doNotDemarcateInvalidXml", "w:saveXmlDataOnly",
    "w:useXSLTWhenSaving", "w:saveThroughXslt", "w:showXMLTags", "w:alwaysMergeEmptyNamespace", "w:updateFields",
    "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
    "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
    "w:captions", "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator",
];

/// settings.xml: asks Word to update fields on opening (the TOC, page numbers), and, when fonts
/// are embedded, says so (`w:embedTrueTypeFonts`) as Word's own "embed fonts in the file" does;
/// children in the schema's order.
pub fn settings(settings: &str, embedded_fonts: bool) -> Result<String, PostError> {
    let mut add = String::from("<w:updateFields w:val=\"true\" />");
    if embedded_fonts {
        add.push_str("<w:embedTrueTypeFonts />");
    }
    let s = rewrite(settings, "word/settings.xml", &mut Rules { append_to_root: &add, ..Default::default() })?;
    rewrite(&s, "word/settings.xml", &mut Rules { order: &[("w:settings", SETTINGS)], ..Default::default() })
}

/// One font of the font table: its name, the font Word and LibreOffice use when it is missing
/// (`w:altName`), its PANOSE class and family, and the embedded faces (relationship id, key).
pub struct FontEntry<'a> {
    pub name: &'a str,
    pub alt: &'a str,
    pub panose: &'a str,
    pub family: &'a str,
    /// (element: embedRegular/embedBold/embedItalic/embedBoldItalic, r:id, fontKey).
    pub embedded: Vec<(&'static str, String, String)>,
}

/// fontTable.xml for the given fonts.
pub fn font_table(fonts: &[FontEntry]) -> String {
    let mut s = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
        "<w:fonts xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" ",
        "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    ));
    for f in fonts {
        s.push_str(&format!(
            "<w:font w:name=\"{}\"><w:altName w:val=\"{}\" /><w:panose1 w:val=\"{}\" /><w:charset w:val=\"00\" /><w:family w:val=\"{}\" /><w:pitch w:val=\"variable\" />",
            esc(f.name),
            esc(f.alt),
            f.panose,
            f.family
        ));
        for (el, rid, key) in &f.embedded {
            s.push_str(&format!("<w:{el} r:id=\"{rid}\" w:fontKey=\"{key}\" />"));
        }
        s.push_str("</w:font>");
    }
    s.push_str("</w:fonts>");
    s
}

/// The relationships of fontTable.xml to its embedded font parts: (r:id, target).
pub fn font_rels(targets: &[(String, String)]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
    for (id, target) in targets {
        s.push_str(&format!("<Relationship Id=\"{id}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/font\" Target=\"{target}\" />"));
    }
    s.push_str("</Relationships>");
    s
}

/// A font key (`{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`) derived from the font's bytes, so the
/// same fonts give the same package byte for byte.
pub fn font_key(font: &[u8]) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(font);
    let hex: String = h[..16].iter().map(|b| format!("{b:02X}")).collect();
    format!("{{{}-{}-{}-{}-{}}}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Obfuscates an embedded font as ECMA-376 Part 1 §17.8.1 says: the first 32 bytes XOR-ed with
/// the 16 bytes of the font key's GUID, read from its last byte to its first.
pub fn obfuscate_font(font: &[u8], key: &str) -> Vec<u8> {
    let hex: Vec<u8> = key.bytes().filter(u8::is_ascii_hexdigit).collect();
    let mut guid = [0u8; 16];
    for (i, g) in guid.iter_mut().enumerate() {
        let pair = std::str::from_utf8(&hex[i * 2..i * 2 + 2]).unwrap_or("00");
        *g = u8::from_str_radix(pair, 16).unwrap_or(0);
    }
    let mut out = font.to_vec();
    for (i, b) in out.iter_mut().take(32).enumerate() {
        *b ^= guid[15 - (i % 16)];
    }
    out
}

/// Placeholder text the renderer writes in the draft header's paragraph; [`watermark`] turns
/// the run holding it into Word's watermark shape.
pub const WATERMARK_MARK: &str = "RenjaWatermarkShape";

/// Replaces the run holding [`WATERMARK_MARK`] by a watermark as Word's Design → Watermark
/// makes it: a VML text path behind the text, rotated, centred on the page, light grey. The
/// VML namespaces are declared on the root element when docx-rs did not declare them.
pub fn watermark(header: &str, text: &str, font: &str) -> Result<String, PostError> {
    // The root's start tag (span and the tag again with the VML namespaces it lacks, first: w10,
    // o, v) and the span of the run whose text holds the marker.
    let mut ev = Events::new(header, "header");
    let mut at = 0usize;
    let mut root: Option<(usize, usize, String)> = None;
    let mut run: Option<usize> = None;
    let mut marked: Option<usize> = None;
    let mut span = None;
    while let Some((e, raw)) = ev.next()? {
        match &e {
            Event::Start(s) if root.is_none() => {
                let attrs = attrs_of(s);
                let mut declared = Vec::new();
                for (prefix, uri) in [("w10", "urn:schemas-microsoft-com:office:word"), ("o", "urn:schemas-microsoft-com:office:office"), ("v", "urn:schemas-microsoft-com:vml")] {
                    let key = format!("xmlns:{prefix}");
                    if !attrs.iter().any(|a| a.0 == key) {
                        declared.push((key, uri.to_string()));
                    }
                }
                let again = if declared.is_empty() {
                    raw.to_string()
                } else {
                    declared.extend(attrs);
                    tag(raw, s, &declared)
                };
                root = Some((at, at + raw.len(), again));
            }
            Event::Start(s) if name_of(s) == "w:r" => run = Some(at),
            Event::Text(t) if t.contains(WATERMARK_MARK) => marked = run,
            Event::End(x) if x.name().as_ref() == "w:r" => {
                if let Some(start) = marked {
                    span = Some((start, at + raw.len()));
                    break;
                }
                run = None;
            }
            _ => {}
        }
        at += raw.len();
    }
    let (Some((start, end)), Some((root_start, root_end, root_tag))) = (span, root) else {
        return Ok(header.to_string());
    };
    let shape = format!(
        concat!(
            "<w:r><w:rPr><w:noProof /></w:rPr><w:pict>",
            "<v:shapetype id=\"_x0000_t136\" coordsize=\"21600,21600\" o:spt=\"136\" adj=\"10800\" path=\"m@7,l@8,m@5,21600l@6,21600e\">",
            "<v:formulas><v:f eqn=\"sum #0 0 10800\" /><v:f eqn=\"prod #0 2 1\" /><v:f eqn=\"sum 21600 0 @1\" /><v:f eqn=\"sum 0 0 @2\" />",
            "<v:f eqn=\"sum 21600 0 @3\" /><v:f eqn=\"if @0 @3 0\" /><v:f eqn=\"if @0 21600 @1\" /><v:f eqn=\"if @0 0 @2\" />",
            "<v:f eqn=\"if @0 @4 21600\" /><v:f eqn=\"mid @5 @6\" /><v:f eqn=\"mid @8 @5\" /><v:f eqn=\"mid @7 @8\" />",
            "<v:f eqn=\"mid @6 @7\" /><v:f eqn=\"sum @6 0 @5\" /></v:formulas>",
            "<v:path textpathok=\"t\" o:connecttype=\"custom\" o:connectlocs=\"@9,0;@10,10800;@11,21600;@12,10800\" o:connectangles=\"270,180,90,0\" />",
            "<v:textpath on=\"t\" fitshape=\"t\" /><v:handles><v:h position=\"#0,bottomRight\" xrange=\"6629,14971\" /></v:handles>",
            "<o:lock v:ext=\"edit\" text=\"t\" shapetype=\"t\" /></v:shapetype>",
            "<v:shape id=\"PowerPlusWaterMarkObject1\" o:spid=\"_x0000_s1025\" type=\"#_x0000_t136\" ",
            "style=\"position:absolute;margin-left:0;margin-top:0;width:480pt;height:96pt;rotation:315;z-index:-251657216;",
            "mso-position-horizontal:center;mso-position-horizontal-relative:margin;mso-position-vertical:center;mso-position-vertical-relative:margin\" ",
            "o:allowincell=\"f\" fillcolor=\"#e1e1e1\" stroked=\"f\">",
            "<v:fill opacity=\".5\" /><v:textpath style=\"font-family:&quot;{font}&quot;;font-size:1pt;font-weight:bold\" string=\"{text}\" />",
            "<w10:wrap anchorx=\"margin\" anchory=\"margin\" /></v:shape></w:pict></w:r>"
        ),
        font = esc(font),
        text = esc(text),
    );
    Ok(format!("{}{root_tag}{}{shape}{}", &header[..root_start], &header[root_end..start], &header[end..]))
}

/// Packs named parts into a zip with deflate.
pub fn pack(parts: &[(String, Vec<u8>)]) -> Result<Vec<u8>, PostError> {
    let mut zip = Packer::new();
    for (name, bytes) in parts {
        zip.add(name, bytes)?;
    }
    zip.finish()
}

/// The package being written: parts are deflated into the zip as they come, one after the
/// other. Deflate's output depends on how its input is cut into writes, so a part is written
/// whole, except document.xml from [`DOCUMENT_WRITE`] bytes on (see [`finish_with`]): its writes
/// are cut where its pieces end, which the document decides, so the same sources still give the
/// same bytes.
struct Packer {
    zip: zip::ZipWriter<Cursor<Vec<u8>>>,
}

/// The size from which the rewritten document.xml is deflated as it is made, in writes of at
/// least this many bytes, instead of in one write once whole: at ×64 the part is 41 MB, which
/// the DOCX writer held whole (and which the sample's 1.4 MB, written once, stays under).
const DOCUMENT_WRITE: usize = 4 << 20;

impl Packer {
    fn new() -> Self {
        Packer { zip: zip::ZipWriter::new(Cursor::new(Vec::new())) }
    }

    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), PostError> {
        self.start(name)?;
        self.write(bytes)
    }

    /// Starts a part, to be given by [`Packer::write`].
    fn start(&mut self, name: &str) -> Result<(), PostError> {
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).last_modified_time(zip::DateTime::default());
        // Embedded fonts: the fastest deflate level (they are most of the bytes and compress little more).
        let fast = opts.compression_level(Some(1));
        Ok(self.zip.start_file(name, if name.ends_with(".odttf") { fast } else { opts })?)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), PostError> {
        Ok(self.zip.write_all(bytes)?)
    }

    fn finish(self) -> Result<Vec<u8>, PostError> {
        Ok(self.zip.finish()?.into_inner())
    }
}

fn text(bytes: Vec<u8>, part: &str) -> Result<String, PostError> {
    String::from_utf8(bytes).map_err(|_| PostError::NotUtf8(part.to_string()))
}

/// The embedded fonts of the document's family (only the bundled OFL Liberation fonts may
/// travel with it) and the font table with fallbacks between Liberation and the
/// metric-compatible Windows fonts. Returns (fontTable.xml, its rels, font parts).
fn fonts(family: &str) -> (String, Option<String>, Vec<(String, Vec<u8>)>) {
    use renja_core::document::widths::huruf;
    let serif = huruf::is_serif(family);
    let embed = family.to_lowercase().starts_with("liberation");
    let mut embedded = Vec::new();
    let mut rels = Vec::new();
    let mut parts = Vec::new();
    if embed {
        let faces = huruf::family(family);
        for (i, (el, bytes)) in ["embedRegular", "embedBold", "embedItalic", "embedBoldItalic"].into_iter().zip(faces).enumerate() {
            let key = font_key(bytes);
            let rid = format!("rId{}", i + 1);
            let target = format!("fonts/font{}.odttf", i + 1);
            parts.push((format!("word/{target}"), obfuscate_font(bytes, &key)));
            embedded.push((el, rid.clone(), key));
            rels.push((rid, target));
        }
    }
    const SANS: &str = "020B0604020202020204";
    const SERIF: &str = "02020603050405020304";
    let (sans_embedded, serif_embedded) = if serif { (Vec::new(), embedded) } else { (embedded, Vec::new()) };
    let table = font_table(&[
        FontEntry { name: "Liberation Sans", alt: "Arial", panose: SANS, family: "swiss", embedded: sans_embedded },
        FontEntry { name: "Liberation Serif", alt: "Times New Roman", panose: SERIF, family: "roman", embedded: serif_embedded },
        FontEntry { name: "Arial", alt: "Liberation Sans", panose: SANS, family: "swiss", embedded: Vec::new() },
        FontEntry { name: "Times New Roman", alt: "Liberation Serif", panose: SERIF, family: "roman", embedded: Vec::new() },
    ]);
    (table, embed.then(|| font_rels(&rels)), parts)
}

/// Writes the raw XML of document.xml (as docx-rs writes it) piece by piece into the sink it is
/// given; a piece ends between two XML events.
pub type BodyWriter<'b> = dyn FnOnce(&mut dyn FnMut(&str) -> Result<(), PostError>) -> Result<(), PostError> + 'b;

/// Applies every transformation and packs the package. document.xml goes through one pass
/// (header rows, roman page numbers, redundant grid spans, schema order, paragraph ids).
pub fn finish(mut xml: XMLDocx, doc: &Document, layout: &super::Layout) -> Result<Vec<u8>, PostError> {
    let document = text(std::mem::take(&mut xml.document), "word/document.xml")?;
    let footnotes = document.contains("<w:footnoteReference");
    let size = document.len() + 1024;
    finish_with(xml, footnotes, size, Box::new(move |sink| sink(&document)), doc, layout)
}

/// [`finish`] with document.xml given in pieces by `body` instead of in `xml` (whose document
/// part is ignored): each piece is rewritten as it comes, so the part as docx-rs writes it is
/// never whole in memory, nor is its rewritten copy once it passes [`DOCUMENT_WRITE`] bytes (it
/// is deflated as it is made; see [`Packer`]). `footnotes`: whether the document has a footnote reference (the footnotes part
/// is then kept). `size`: room reserved for the rewritten part, best a little more than it
/// needs (room never written takes no memory; a part outgrowing it is copied as it grows).
pub fn finish_with(xml: XMLDocx, footnotes: bool, size: usize, body: Box<BodyWriter<'_>>, doc: &Document, layout: &super::Layout) -> Result<Vec<u8>, PostError> {
    let family = doc.edisi.halaman.huruf.clone();
    let mut para_id = 1;
    // Parts nothing refers to are left out: comments (renja writes none) and footnotes when the
    // text has no footnote.
    let mut rels = text(xml.document_rels, "word/_rels/document.xml.rels")?;
    let mut types = text(xml.content_type, "[Content_Types].xml")?;
    let mut dropped = vec!["comments.xml", "commentsExtended.xml"];
    if !footnotes {
        dropped.push("footnotes.xml");
    }
    for target in dropped {
        (rels, types) = drop_part(&rels, &types, target)?;
    }
    let (font_table, font_rels, font_parts) = fonts(&family);
    if !font_parts.is_empty() {
        types = add_default_content_type(&types, "odttf", "application/vnd.openxmlformats-officedocument.obfuscatedFont")?;
    }
    let mut zip = Packer::new();
    zip.add("[Content_Types].xml", types.as_bytes())?;
    zip.add("_rels/.rels", &xml.rels)?;
    zip.add("docProps/app.xml", &xml.doc_props.app)?;
    zip.add("docProps/core.xml", core_properties(&doc.metadata).as_bytes())?;
    zip.add("docProps/custom.xml", &xml.doc_props.custom)?;
    zip.add("word/_rels/document.xml.rels", rels.as_bytes())?;
    {
        let mut rules = Rules {
            order: &CONTAINERS,
            header_rows: Some(&layout.header_rows),
            para_ids: Some(&mut para_id),
            roman: true,
            drop_single_grid_spans: true,
            ..Default::default()
        };
        let mut pass = Rewriter::new("word/document.xml", &mut rules);
        zip.start("word/document.xml")?;
        // The rewritten part is deflated once it reaches DOCUMENT_WRITE bytes, and then each
        // time it has grown that much again; a smaller part in one write at the end, as before.
        let mut out = String::with_capacity(size.min(DOCUMENT_WRITE + (1 << 20)));
        body(&mut |piece: &str| {
            pass.feed(piece, &mut out)?;
            if out.len() >= DOCUMENT_WRITE {
                zip.write(out.as_bytes())?;
                out.clear();
            }
            Ok(())
        })?;
        pass.end()?;
        zip.write(out.as_bytes())?;
    }
    let styles = rewrite(
        &text(xml.styles, "word/styles.xml")?,
        "word/styles.xml",
        &mut Rules { order: &CONTAINERS, language: Some(doc.metadata.bahasa), default_paragraph_style: true, ..Default::default() },
    )?;
    zip.add("word/styles.xml", styles.as_bytes())?;
    zip.add("word/settings.xml", settings(&text(xml.settings, "word/settings.xml")?, !font_parts.is_empty())?.as_bytes())?;
    zip.add("word/fontTable.xml", font_table.as_bytes())?;
    let numbering = rewrite(&text(xml.numberings, "word/numbering.xml")?, "word/numbering.xml", &mut Rules { order: &CONTAINERS, ..Default::default() })?;
    zip.add("word/numbering.xml", numbering.as_bytes())?;
    if let Some(r) = font_rels {
        zip.add("word/_rels/fontTable.xml.rels", r.as_bytes())?;
    }
    let ordered = |bytes: Vec<u8>, part: &str, para_id: &mut u32| -> Result<String, PostError> {
        rewrite(&text(bytes, part)?, part, &mut Rules { order: &CONTAINERS, para_ids: Some(para_id), ..Default::default() })
    };
    if footnotes {
        zip.add("word/footnotes.xml", ordered(xml.footnotes, "word/footnotes.xml", &mut para_id)?.as_bytes())?;
    }
    // docx-rs emits a rels part per section; keep only those of parts that exist.
    let (nh, nf) = (xml.headers.len(), xml.footers.len());
    for (i, h) in xml.headers.into_iter().enumerate() {
        let name = format!("word/header{}.xml", i + 1);
        let h = watermark(&text(h, &name)?, "RANCANGAN", &family)?;
        zip.add(&name, ordered(h.into_bytes(), &name, &mut para_id)?.as_bytes())?;
    }
    for (i, r) in xml.header_rels.into_iter().enumerate().take(nh) {
        zip.add(&format!("word/_rels/header{}.xml.rels", i + 1), &r)?;
    }
    for (i, f) in xml.footers.into_iter().enumerate() {
        let name = format!("word/footer{}.xml", i + 1);
        zip.add(&name, ordered(f, &name, &mut para_id)?.as_bytes())?;
    }
    for (i, r) in xml.footer_rels.into_iter().enumerate().take(nf) {
        zip.add(&format!("word/_rels/footer{}.xml.rels", i + 1), &r)?;
    }
    for (name, bytes) in xml.media {
        zip.add(&format!("word/media/{name}.png"), &bytes)?;
    }
    for (name, bytes) in font_parts {
        zip.add(&name, &bytes)?;
    }
    zip.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_are_marked_in_order() {
        let doc = "<w:body><w:tbl><w:tblPr /><w:tr><w:trPr><w:cantSplit /></w:trPr><w:tc/></w:tr><w:tr><w:trPr /><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl>\
                   <w:p/><w:tbl><w:tr><w:tc/></w:tr><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr></w:tbl></w:body>";
        let out = mark_header_rows(doc, &[2, 1]).unwrap();
        assert_eq!(out.matches("<w:tblHeader />").count(), 3);
        assert!(out.contains("<w:tr><w:trPr><w:cantSplit /><w:tblHeader /></w:trPr><w:tc/></w:tr><w:tr><w:trPr><w:tblHeader /></w:trPr><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl>"), "{out}");
        assert!(out.contains("<w:p/><w:tbl><w:tr><w:trPr><w:tblHeader /></w:trPr><w:tc/></w:tr><w:tr><w:trPr><w:cantSplit /></w:trPr></w:tr>"), "{out}");
        // <w:tblPr> is not mistaken for a table start.
        assert!(mark_header_rows("<w:tblPr/>", &[1]).is_err());
        assert!(mark_header_rows(doc, &[2, 1, 1]).is_err());
    }

    #[test]
    fn a_part_fed_in_pieces_is_rewritten_as_when_whole() {
        let doc = format!(
            "<?xml version=\"1.0\"?><w:document><w:body><w:p w14:paraId=\"9\"><w:pPr><w:jc w:val=\"x\" /><w:pStyle w:val=\"A\" /></w:pPr><w:r><w:t>a &lt; b</w:t></w:r></w:p>\
             <w:tbl><w:tblPr><w:tblW w:w=\"1\" /><w:tblStyle w:val=\"G\" /></w:tblPr><w:tr><w:tc><w:tcPr><w:vAlign w:val=\"center\" /><w:gridSpan w:val=\"1\" /><w:tcW w:w=\"1\" /></w:tcPr><w:p w14:paraId=\"1\"/></w:tc></w:tr><w:tr><w:trPr /><w:tc/></w:tr><w:tr><w:tc/></w:tr></w:tbl>\
             <w:p><w:pPr><w:sectPr><w:pgNumType w:start=\"1\" w:chapStyle=\"{ROMAN_MARK}\" /><w:pgSz w:w=\"1\" /></w:sectPr></w:pPr></w:p></w:body></w:document>"
        );
        let run = |pieces: &[&str]| {
            let mut next = 1;
            let mut rules = Rules { order: &CONTAINERS, header_rows: Some(&[2]), para_ids: Some(&mut next), roman: true, drop_single_grid_spans: true, ..Default::default() };
            let mut pass = Rewriter::new("word/document.xml", &mut rules);
            let mut out = String::new();
            for p in pieces {
                pass.feed(p, &mut out)?;
            }
            pass.end().map(|_| out)
        };
        let whole = run(&[&doc]).unwrap();
        assert!(whole.contains("<w:tblHeader />") && whole.contains("lowerRoman") && !whole.contains("w:val=\"1\" /><w:tcW"), "{whole}");
        // Cut between every two events, and at every second boundary.
        let cuts: Vec<usize> = doc.match_indices('<').map(|(i, _)| i).filter(|&i| i > 0).collect();
        for step in [1, 2, 3] {
            let mut pieces = Vec::new();
            let mut from = 0;
            for &c in cuts.iter().step_by(step) {
                pieces.push(&doc[from..c]);
                from = c;
            }
            pieces.push(&doc[from..]);
            assert_eq!(run(&pieces).unwrap(), whole, "pieces {pieces:?}");
        }
        // End tags are matched across pieces.
        let e = run(&["<w:body><w:p>", "</w:body>"]).unwrap_err().to_string();
        assert!(e.contains("bukan XML yang sah") && e.contains("expected `</w:p>`"), "{e}");
        assert!(run(&["<w:body>", "</w:body></w:document>"]).unwrap_err().to_string().contains("does not match"));
    }

    #[test]
    fn roman_marker_becomes_format() {
        let s = format!("<w:pgNumType w:start=\"1\" w:chapStyle=\"{ROMAN_MARK}\" />");
        assert_eq!(roman_page_numbers(&s).unwrap(), "<w:pgNumType w:start=\"1\" w:fmt=\"lowerRoman\" />");
    }

    #[test]
    fn section_children_follow_the_schema() {
        let s = "<w:p><w:pPr><w:sectPr><w:pgSz w:w=\"1\" /><w:pgMar w:top=\"1\" /><w:cols w:space=\"425\" /><w:footerReference w:type=\"default\" r:id=\"rId1\" /><w:pgNumType w:start=\"1\" /></w:sectPr></w:pPr></w:p><w:sectPr/>";
        let out = schema_order(s).unwrap();
        assert_eq!(
            out,
            "<w:p><w:pPr><w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId1\" /><w:pgSz w:w=\"1\" /><w:pgMar w:top=\"1\" /><w:pgNumType w:start=\"1\" /><w:cols w:space=\"425\" /></w:sectPr></w:pPr></w:p><w:sectPr/>"
        );
    }

    #[test]
    fn paragraph_run_cell_table_and_style_properties_follow_the_schema() {
        let p = "<w:p><w:pPr><w:rPr /><w:pStyle w:val=\"A\" /><w:jc w:val=\"left\" /><w:keepNext /></w:pPr><w:r><w:rPr><w:sz w:val=\"18\" /><w:b /></w:rPr></w:r></w:p>";
        assert_eq!(schema_order(p).unwrap(), "<w:p><w:pPr><w:pStyle w:val=\"A\" /><w:keepNext /><w:jc w:val=\"left\" /><w:rPr /></w:pPr><w:r><w:rPr><w:b /><w:sz w:val=\"18\" /></w:rPr></w:r></w:p>");
        let tc = "<w:tcPr><w:tcW w:w=\"1\" /><w:vAlign w:val=\"center\" /><w:shd w:fill=\"E6E6E6\" /></w:tcPr>";
        assert_eq!(schema_order(tc).unwrap(), "<w:tcPr><w:tcW w:w=\"1\" /><w:shd w:fill=\"E6E6E6\" /><w:vAlign w:val=\"center\" /></w:tcPr>");
        let tbl = "<w:tblPr><w:tblW w:w=\"1\" /><w:tblBorders><w:top /></w:tblBorders><w:tblStyle w:val=\"G\" /><w:tblLayout w:type=\"fixed\" /></w:tblPr>";
        assert_eq!(schema_order(tbl).unwrap(), "<w:tblPr><w:tblStyle w:val=\"G\" /><w:tblW w:w=\"1\" /><w:tblBorders><w:top /></w:tblBorders><w:tblLayout w:type=\"fixed\" /></w:tblPr>");
        let st = "<w:style w:styleId=\"H\"><w:name w:val=\"h\" /><w:rPr><w:b /></w:rPr><w:pPr><w:outlineLvl w:val=\"0\" /></w:pPr><w:next w:val=\"B\" /><w:qFormat /><w:basedOn w:val=\"Normal\" /></w:style>";
        assert_eq!(schema_order(st).unwrap(), "<w:style w:styleId=\"H\"><w:name w:val=\"h\" /><w:basedOn w:val=\"Normal\" /><w:next w:val=\"B\" /><w:qFormat /><w:pPr><w:outlineLvl w:val=\"0\" /></w:pPr><w:rPr><w:b /></w:rPr></w:style>");
    }

    #[test]
    fn nested_containers_are_sorted_and_other_content_is_kept() {
        // A run's properties inside a paragraph's properties; a nested child with text; whitespace
        // between children is dropped when sorting, kept (with the order) when the container has
        // text of its own.
        let p = "<w:pPr> <w:rPr><w:sz w:val=\"1\" /><w:b /></w:rPr><w:jc w:val=\"x\"><w:t>a &amp; b</w:t></w:jc><w:pStyle w:val=\"A\" /></w:pPr>";
        assert_eq!(
            schema_order(p).unwrap(),
            "<w:pPr><w:pStyle w:val=\"A\" /><w:jc w:val=\"x\"><w:t>a &amp; b</w:t></w:jc><w:rPr><w:b /><w:sz w:val=\"1\" /></w:rPr></w:pPr>"
        );
        let mixed = "<w:rPr>t<w:sz /><w:b /></w:rPr>";
        assert_eq!(schema_order(mixed).unwrap(), mixed);
        // Everything outside the containers comes back byte for byte.
        let other = "<?xml version=\"1.0\"?>\n<w:document a='1'><!-- c --><w:body><w:p><w:r><w:t xml:space=\"preserve\"> x &lt; y </w:t></w:r></w:p></w:body></w:document>";
        assert_eq!(schema_order(other).unwrap(), other);
    }

    #[test]
    fn malformed_parts_are_errors_naming_the_part() {
        let e = schema_order("<w:pPr><w:b></w:pPr>").unwrap_err().to_string();
        assert!(e.contains("bukan XML yang sah"), "{e}");
        let e = mark_header_rows("<w:tbl><w:tr></w:tr></w:tbl>", &[2]).unwrap_err().to_string();
        assert!(e.contains("baris kepala tabel ke-1"), "{e}");
    }

    #[test]
    fn language_is_added_to_run_defaults() {
        let s = "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"24\" /></w:rPr></w:rPrDefault></w:docDefaults>";
        let out = rewrite(s, "styles", &mut Rules { order: &CONTAINERS, language: Some("id"), ..Default::default() }).unwrap();
        assert!(out.contains("<w:sz w:val=\"24\" /><w:lang w:val=\"id\" w:eastAsia=\"id\" w:bidi=\"id\" /></w:rPr>"), "{out}");
    }

    #[test]
    fn packed_entries_are_deflated() {
        let big = "x".repeat(10_000).into_bytes();
        let zip = pack(&[("word/document.xml".into(), big)]).unwrap();
        assert!(zip.len() < 1000, "{} bytes", zip.len());
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let f = archive.by_name("word/document.xml").unwrap();
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
    }

    #[test]
    fn core_properties_carry_the_metadata() {
        let m = Metadata {
            judul: "Renja & Co".into(),
            subjek: "Subjek".into(),
            penulis: "Dinas X".into(),
            kata_kunci: vec!["Renja".into(), "2022".into()],
            bahasa: "id",
            waktu_terbit: "2022-08-25T00:00:00Z".into(),
            slug: "s".into(),
        };
        let x = core_properties(&m);
        for part in ["<dc:title>Renja &amp; Co</dc:title>", "<dc:creator>Dinas X</dc:creator>", "<dc:subject>Subjek</dc:subject>", "<cp:keywords>Renja, 2022</cp:keywords>", "<dc:language>id</dc:language>", ">2022-08-25T00:00:00Z</dcterms:created>"] {
            assert!(x.contains(part), "{part} missing: {x}");
        }
    }

    #[test]
    fn para_ids_become_unique_across_parts() {
        let mut next = 1;
        let a = renumber_para_ids("<w:p w14:paraId=\"00000001\"/><w:p w14:paraId=\"00000001\"/>", &mut next).unwrap();
        let b = renumber_para_ids("<w:p w14:paraId=\"00000001\"/>", &mut next).unwrap();
        assert_eq!(a, "<w:p w14:paraId=\"00000001\"/><w:p w14:paraId=\"00000002\"/>");
        assert_eq!(b, "<w:p w14:paraId=\"00000003\"/>");
        assert_eq!(next, 4);
    }

    #[test]
    fn normal_becomes_the_default_paragraph_style() {
        let s = rewrite("<w:style w:type=\"paragraph\" w:styleId=\"Normal\"><w:name w:val=\"Normal\" /></w:style>", "styles", &mut Rules { default_paragraph_style: true, ..Default::default() }).unwrap();
        assert!(s.starts_with("<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">"), "{s}");
    }

    #[test]
    fn settings_ask_for_field_update_and_embedded_fonts_in_schema_order() {
        let s = "<w:settings xmlns:w=\"x\"><w:defaultTabStop w:val=\"709\" /><w:zoom w:percent=\"100\" /><w:compat><w:spaceForUL /></w:compat></w:settings>";
        let out = settings(s, true).unwrap();
        assert_eq!(
            out,
            "<w:settings xmlns:w=\"x\"><w:zoom w:percent=\"100\" /><w:embedTrueTypeFonts /><w:defaultTabStop w:val=\"709\" /><w:updateFields w:val=\"true\" /><w:compat><w:spaceForUL /></w:compat></w:settings>"
        );
        assert!(!settings(s, false).unwrap().contains("embedTrueTypeFonts"));
    }

    #[test]
    fn fonts_are_obfuscated_with_the_reversed_guid_and_keys_are_stable() {
        let font: Vec<u8> = (0..64u8).collect();
        let key = font_key(&font);
        assert_eq!(key, font_key(&font));
        assert_eq!(key.len(), 38);
        let ob = obfuscate_font(&font, "{00112233-4455-6677-8899-AABBCCDDEEFF}");
        // Byte 0 is XOR-ed with the GUID's last byte, byte 15 with its first, byte 16 again with the last.
        assert_eq!(ob[0], 0 ^ 0xFF);
        assert_eq!(ob[15], 15 ^ 0x00);
        assert_eq!(ob[16], 16 ^ 0xFF);
        assert_eq!(&ob[32..], &font[32..]);
        assert_eq!(obfuscate_font(&ob, "{00112233-4455-6677-8899-AABBCCDDEEFF}"), font);
    }

    #[test]
    fn unreferenced_parts_leave_rels_and_content_types() {
        let rels = "<Relationships><Relationship Id=\"rId1\" Type=\"t\" Target=\"styles.xml\" /><Relationship Id=\"rId2\" Type=\"c\" Target=\"commentsExtended.xml\" /></Relationships>";
        let types = "<Types><Override PartName=\"/word/commentsExtended.xml\" ContentType=\"c\" /><Override PartName=\"/word/styles.xml\" ContentType=\"s\" /></Types>";
        let (r, t) = drop_part(rels, types, "commentsExtended.xml").unwrap();
        assert_eq!(r, "<Relationships><Relationship Id=\"rId1\" Type=\"t\" Target=\"styles.xml\" /></Relationships>");
        assert_eq!(t, "<Types><Override PartName=\"/word/styles.xml\" ContentType=\"s\" /></Types>");
        let t = add_default_content_type(&t, "odttf", "application/x").unwrap();
        assert_eq!(add_default_content_type(&t, "odttf", "application/y").unwrap(), t);
        assert!(t.starts_with("<Types><Default Extension=\"odttf\" ContentType=\"application/x\" /><Override"), "{t}");
        let spans = rewrite("<w:tcPr><w:gridSpan w:val=\"1\" /><w:gridSpan w:val=\"12\" /></w:tcPr>", "d", &mut Rules { drop_single_grid_spans: true, ..Default::default() });
        assert_eq!(spans.unwrap(), "<w:tcPr><w:gridSpan w:val=\"12\" /></w:tcPr>");
    }

    #[test]
    fn the_watermark_replaces_the_marker_run() {
        let h = format!("<w:hdr xmlns:w=\"w\"><w:p><w:pPr /><w:r><w:rPr /><w:t xml:space=\"preserve\">{WATERMARK_MARK}</w:t></w:r></w:p></w:hdr>");
        let out = watermark(&h, "RANCANGAN", "Liberation Sans").unwrap();
        assert!(!out.contains(WATERMARK_MARK));
        assert!(out.contains("string=\"RANCANGAN\"") && out.contains("rotation:315") && out.contains("xmlns:v=\"urn:schemas-microsoft-com:vml\""), "{out}");
        assert!(out.starts_with("<w:hdr xmlns:") && out.ends_with("</w:pict></w:r></w:p></w:hdr>"), "{out}");
    }

    #[test]
    fn escapes_metadata() {
        assert_eq!(esc("A & <B> \"c\" 'd'"), "A &amp; &lt;B&gt; &quot;c&quot; &apos;d&apos;");
    }
}
