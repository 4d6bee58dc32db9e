//! Post-processing of the XML parts docx-rs builds, for what the crate cannot write: repeated
//! table header rows (`w:tblHeader`), core document properties (title, creator, subject,
//! keywords, language), the roman page-number format of the front matter, the schema order of
//! the property elements, unique paragraph ids, the default paragraph style, and packing the
//! parts with deflate (docx-rs stores them uncompressed).
//! Each transformation is a plain function on one part's text, tested below.

use crate::document::{Document, Metadata};
use docx_rs::XMLDocx;
use std::io::{Cursor, Write};

/// Placeholder written by the renderer as `w:chapStyle` of a section whose page numbers are
/// roman; [`roman_page_numbers`] turns it into `w:fmt="lowerRoman"`.
pub const ROMAN_MARK: &str = "RenjaRomanPageNumbers";

/// Escapes text for XML content and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Marks the first `counts[i]` rows of the i-th table (document order, outermost tables) as
/// header rows repeated on every page. Returns an error when the part has fewer tables or rows
/// than the renderer laid out.
pub fn mark_header_rows(document: &str, counts: &[usize]) -> Result<String, String> {
    let mut out = String::with_capacity(document.len() + counts.iter().sum::<usize>() * 16);
    let mut rest = document;
    for (i, &n) in counts.iter().enumerate() {
        let start = find_tag(rest, "w:tbl").ok_or_else(|| format!("tabel ke-{} tidak ditemukan di document.xml", i + 1))?;
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let mut done = 0;
        while done < n {
            let tr = find_tag(rest, "w:tr").ok_or_else(|| format!("baris kepala tabel ke-{} tidak ditemukan", i + 1))?;
            out.push_str(&rest[..tr]);
            rest = &rest[tr..];
            let row_end = rest.find("</w:tr>").ok_or("baris tabel tidak tertutup")?;
            let row = &rest[..row_end];
            if let Some(p) = row.find("</w:trPr>") {
                out.push_str(&row[..p]);
                out.push_str("<w:tblHeader />");
                out.push_str(&row[p..]);
            } else if let Some(p) = row.find("<w:trPr />").or_else(|| row.find("<w:trPr/>")) {
                let len = if row[p..].starts_with("<w:trPr />") { 10 } else { 9 };
                out.push_str(&row[..p]);
                out.push_str("<w:trPr><w:tblHeader /></w:trPr>");
                out.push_str(&row[p + len..]);
            } else {
                // No row properties: they come first in the row, after the start tag.
                let open_end = row.find('>').ok_or("tag baris rusak")? + 1;
                out.push_str(&row[..open_end]);
                out.push_str("<w:trPr><w:tblHeader /></w:trPr>");
                out.push_str(&row[open_end..]);
            }
            rest = &rest[row_end..];
            done += 1;
        }
        // Skip to the end of this table (tables are not nested in the model).
        let end = rest.find("</w:tbl>").ok_or("tabel tidak tertutup")? + "</w:tbl>".len();
        out.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Position of the start tag `<name>` or `<name ...>` (not `<name...` of a longer name).
fn find_tag(s: &str, name: &str) -> Option<usize> {
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(p) = s[from..].find(&open) {
        let at = from + p;
        match s.as_bytes().get(at + open.len()) {
            Some(b'>') | Some(b' ') | Some(b'/') => return Some(at),
            _ => from = at + open.len(),
        }
    }
    None
}

/// Turns the renderer's roman marker into Word's roman page-number format.
pub fn roman_page_numbers(document: &str) -> String {
    document.replace(&format!("w:chapStyle=\"{ROMAN_MARK}\""), "w:fmt=\"lowerRoman\"")
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

/// Splits the children of an element body into top-level element slices.
fn children(body: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut i = 0;
    let b = body.as_bytes();
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if b[i] != b'<' {
            return None;
        }
        let start = i;
        let mut depth = 0i32;
        loop {
            let close = body[i..].find('>')? + i;
            let tag = &body[i..=close];
            if tag.starts_with("</") {
                depth -= 1;
            } else if !tag.ends_with("/>") {
                depth += 1;
            }
            i = close + 1;
            if depth == 0 {
                break;
            }
            i = body[i..].find('<')? + i;
        }
        out.push(&body[start..i]);
    }
    Some(out)
}

fn tag_name(el: &str) -> &str {
    let end = el[1..].find([' ', '>', '/']).map(|p| p + 1).unwrap_or(el.len());
    &el[1..end]
}

/// Sorts the children of every `container` element into `order` (stable, unknown children
/// last). Containers of one name are not nested in what docx-rs writes.
pub fn order_children(xml: &str, container: &str, order: &[&str]) -> String {
    let close_tag = format!("</{container}>");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(p) = find_tag(rest, container) {
        let open_end = p + rest[p..].find('>').unwrap_or(0) + 1;
        out.push_str(&rest[..open_end]);
        rest = &rest[open_end..];
        if out.ends_with("/>") {
            continue;
        }
        let Some(close) = rest.find(&close_tag) else { break };
        match children(&rest[..close]) {
            Some(mut kids) => {
                kids.sort_by_key(|k| rank(order, tag_name(k)));
                out.push_str(&kids.concat());
            }
            None => out.push_str(&rest[..close]),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// Puts the children of the containers docx-rs writes out of order into the schema's order
/// (section, paragraph, run, cell and table properties, styles), so Word opens the file
/// without offering to repair it.
pub fn schema_order(xml: &str) -> String {
    let mut s = xml.to_string();
    for (name, order) in CONTAINERS {
        if s.contains(&format!("<{name}")) {
            s = order_children(&s, name, order);
        }
    }
    s
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

/// Sets the document language (w:lang of the default run properties) in styles.xml.
pub fn default_language(styles: &str, lang: &str) -> String {
    let tag = format!("<w:lang w:val=\"{lang}\" w:eastAsia=\"{lang}\" w:bidi=\"{lang}\" />");
    if let Some(p) = styles.find("<w:rPrDefault><w:rPr>") {
        let at = p + "<w:rPrDefault><w:rPr>".len();
        if let Some(end) = styles[at..].find("</w:rPr>") {
            // w:lang is the last child of CT_RPr that docx-rs writes here.
            let mut s = String::with_capacity(styles.len() + tag.len());
            s.push_str(&styles[..at + end]);
            s.push_str(&tag);
            s.push_str(&styles[at + end..]);
            return s;
        }
    }
    styles.to_string()
}

/// Marks docx-rs's "Normal" style as the default paragraph style (it writes it without
/// `w:default`, so paragraphs without a style have none in python-docx and Word).
pub fn default_paragraph_style(styles: &str) -> String {
    styles.replacen("<w:style w:type=\"paragraph\" w:styleId=\"Normal\">", "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">", 1)
}

/// Renumbers every `w14:paraId` of the given parts from `next` (docx-rs draws section-break
/// paragraphs from the same counter after the others were numbered, which duplicates ids).
/// Returns the next free id. Ids stay below 0x80000000 as Word requires.
pub fn renumber_para_ids(xml: &str, next: &mut u32) -> String {
    const KEY: &str = "w14:paraId=\"";
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(p) = rest.find(KEY) {
        let start = p + KEY.len();
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else { break };
        out.push_str(&format!("{:08X}", *next));
        *next += 1;
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Removes `<w:gridSpan w:val="1" />`: one column is the default, the attribute is redundant.
pub fn drop_single_grid_spans(document: &str) -> String {
    document.replace("<w:gridSpan w:val=\"1\" />", "").replace("<w:gridSpan w:val=\"1\"/>", "")
}

/// Removes every element `<tag ... />` (self-closing) whose text contains `needle`.
fn drop_empty_elements(xml: &str, tag: &str, needle: &str) -> String {
    let open = format!("<{tag} ");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(p) = rest.find(&open) {
        let Some(len) = rest[p..].find("/>") else { break };
        let el = &rest[p..p + len + 2];
        out.push_str(&rest[..p]);
        if !el.contains(needle) {
            out.push_str(el);
        }
        rest = &rest[p + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Drops a part from the package's relationships and content types (it is then not packed).
pub fn drop_part(rels: &str, content_types: &str, target: &str) -> (String, String) {
    (
        drop_empty_elements(rels, "Relationship", &format!("Target=\"{target}\"")),
        drop_empty_elements(content_types, "Override", &format!("PartName=\"/word/{target}\"")),
    )
}

/// Adds a `Default` content type for an extension, unless present.
pub fn add_default_content_type(content_types: &str, ext: &str, ctype: &str) -> String {
    if content_types.contains(&format!("Extension=\"{ext}\"")) {
        return content_types.to_string();
    }
    let el = format!("<Default Extension=\"{ext}\" ContentType=\"{ctype}\" />");
    match content_types.find("<Default ").or_else(|| content_types.find("<Override ")) {
        Some(p) => format!("{}{el}{}", &content_types[..p], &content_types[p..]),
        None => content_types.replacen("</Types>", &format!("{el}</Types>"), 1),
    }
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
pub fn settings(settings: &str, embedded_fonts: bool) -> String {
    let mut add = String::from("<w:updateFields w:val=\"true\" />");
    if embedded_fonts {
        add.push_str("<w:embedTrueTypeFonts />");
    }
    let s = match settings.find("</w:settings>") {
        Some(p) => format!("{}{add}{}", &settings[..p], &settings[p..]),
        None => settings.to_string(),
    };
    order_children(&s, "w:settings", SETTINGS)
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
/// makes it: a VML text path behind the text, rotated, centred on the page, light grey.
pub fn watermark(header: &str, text: &str, font: &str) -> String {
    let Some(at) = header.find(WATERMARK_MARK) else { return header.to_string() };
    let Some(start) = header[..at].rfind("<w:r>").or_else(|| header[..at].rfind("<w:r ")) else { return header.to_string() };
    let Some(end) = header[at..].find("</w:r>").map(|e| at + e + "</w:r>".len()) else { return header.to_string() };
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
    let mut s = format!("{}{shape}{}", &header[..start], &header[end..]);
    // The VML namespaces, on the root element, when docx-rs did not declare them.
    for (prefix, uri) in [("v", "urn:schemas-microsoft-com:vml"), ("o", "urn:schemas-microsoft-com:office:office"), ("w10", "urn:schemas-microsoft-com:office:word")] {
        let decl = format!("xmlns:{prefix}=\"");
        if !s.contains(&decl) {
            if let Some(p) = s.find("<w:hdr ") {
                let at = p + "<w:hdr ".len();
                s.insert_str(at, &format!("xmlns:{prefix}=\"{uri}\" "));
            }
        }
    }
    s
}

/// Packs named parts into a zip with deflate.
pub fn pack(parts: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).last_modified_time(zip::DateTime::default());
    // Embedded fonts: the fastest deflate level (they are most of the bytes and compress little more).
    let fast = opts.compression_level(Some(1));
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), if name.ends_with(".odttf") { fast } else { opts }).map_err(|e| format!("DOCX: {e}"))?;
        zip.write_all(bytes).map_err(|e| format!("DOCX: {e}"))?;
    }
    let cursor = zip.finish().map_err(|e| format!("DOCX: {e}"))?;
    Ok(cursor.into_inner())
}

fn text(bytes: Vec<u8>, part: &str) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|_| format!("bagian {part} bukan UTF-8"))
}

/// The embedded fonts of the document's family (only the bundled OFL Liberation fonts may
/// travel with it) and the font table with fallbacks between Liberation and the
/// metric-compatible Windows fonts. Returns (fontTable.xml, its rels, font parts).
fn fonts(family: &str) -> (String, Option<String>, Vec<(String, Vec<u8>)>) {
    use crate::document::widths::huruf;
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

/// Applies every transformation and packs the package.
pub fn finish(xml: XMLDocx, doc: &Document, layout: &super::Layout) -> Result<Vec<u8>, String> {
    let family = doc.edisi.halaman.huruf.clone();
    let document = text(xml.document, "word/document.xml")?;
    let document = mark_header_rows(&document, &layout.header_rows)?;
    let document = roman_page_numbers(&document);
    let document = drop_single_grid_spans(&document);
    let document = schema_order(&document);
    let mut para_id = 1;
    let document = renumber_para_ids(&document, &mut para_id);
    let styles = schema_order(&default_paragraph_style(&default_language(&text(xml.styles, "word/styles.xml")?, doc.metadata.bahasa)));
    // Parts nothing refers to are left out: comments (renja writes none) and footnotes when the
    // text has no footnote.
    let mut rels = text(xml.document_rels, "word/_rels/document.xml.rels")?;
    let mut types = text(xml.content_type, "[Content_Types].xml")?;
    let mut dropped = vec!["comments.xml", "commentsExtended.xml"];
    let has_footnotes = document.contains("<w:footnoteReference");
    if !has_footnotes {
        dropped.push("footnotes.xml");
    }
    for target in dropped {
        (rels, types) = drop_part(&rels, &types, target);
    }
    let (font_table, font_rels, font_parts) = fonts(&family);
    if !font_parts.is_empty() {
        types = add_default_content_type(&types, "odttf", "application/vnd.openxmlformats-officedocument.obfuscatedFont");
    }
    let settings = settings(&text(xml.settings, "word/settings.xml")?, !font_parts.is_empty());
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), types.into_bytes()),
        ("_rels/.rels".into(), xml.rels),
        ("docProps/app.xml".into(), xml.doc_props.app),
        ("docProps/core.xml".into(), core_properties(&doc.metadata).into_bytes()),
        ("docProps/custom.xml".into(), xml.doc_props.custom),
        ("word/_rels/document.xml.rels".into(), rels.into_bytes()),
        ("word/document.xml".into(), document.into_bytes()),
        ("word/styles.xml".into(), styles.into_bytes()),
        ("word/settings.xml".into(), settings.into_bytes()),
        ("word/fontTable.xml".into(), font_table.into_bytes()),
        ("word/numbering.xml".into(), schema_order(&text(xml.numberings, "word/numbering.xml")?).into_bytes()),
    ];
    if let Some(r) = font_rels {
        parts.push(("word/_rels/fontTable.xml.rels".into(), r.into_bytes()));
    }
    if has_footnotes {
        parts.push(("word/footnotes.xml".into(), renumber_para_ids(&schema_order(&text(xml.footnotes, "word/footnotes.xml")?), &mut para_id).into_bytes()));
    }
    // docx-rs emits a rels part per section; keep only those of parts that exist.
    let (nh, nf) = (xml.headers.len(), xml.footers.len());
    for (i, h) in xml.headers.into_iter().enumerate() {
        let h = watermark(&text(h, "header")?, "RANCANGAN", &family);
        parts.push((format!("word/header{}.xml", i + 1), renumber_para_ids(&schema_order(&h), &mut para_id).into_bytes()));
    }
    for (i, r) in xml.header_rels.into_iter().enumerate().take(nh) {
        parts.push((format!("word/_rels/header{}.xml.rels", i + 1), r));
    }
    for (i, f) in xml.footers.into_iter().enumerate() {
        let f = renumber_para_ids(&schema_order(&text(f, "footer")?), &mut para_id);
        parts.push((format!("word/footer{}.xml", i + 1), f.into_bytes()));
    }
    for (i, r) in xml.footer_rels.into_iter().enumerate().take(nf) {
        parts.push((format!("word/_rels/footer{}.xml.rels", i + 1), r));
    }
    for (name, bytes) in xml.media {
        parts.push((format!("word/media/{name}.png"), bytes));
    }
    parts.extend(font_parts);
    pack(&parts)
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
    fn roman_marker_becomes_format() {
        let s = format!("<w:pgNumType w:start=\"1\" w:chapStyle=\"{ROMAN_MARK}\" />");
        assert_eq!(roman_page_numbers(&s), "<w:pgNumType w:start=\"1\" w:fmt=\"lowerRoman\" />");
    }

    #[test]
    fn section_children_follow_the_schema() {
        let s = "<w:p><w:pPr><w:sectPr><w:pgSz w:w=\"1\" /><w:pgMar w:top=\"1\" /><w:cols w:space=\"425\" /><w:footerReference w:type=\"default\" r:id=\"rId1\" /><w:pgNumType w:start=\"1\" /></w:sectPr></w:pPr></w:p><w:sectPr/>";
        let out = schema_order(s);
        assert_eq!(
            out,
            "<w:p><w:pPr><w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId1\" /><w:pgSz w:w=\"1\" /><w:pgMar w:top=\"1\" /><w:pgNumType w:start=\"1\" /><w:cols w:space=\"425\" /></w:sectPr></w:pPr></w:p><w:sectPr/>"
        );
    }

    #[test]
    fn paragraph_run_cell_table_and_style_properties_follow_the_schema() {
        let p = "<w:p><w:pPr><w:rPr /><w:pStyle w:val=\"A\" /><w:jc w:val=\"left\" /><w:keepNext /></w:pPr><w:r><w:rPr><w:sz w:val=\"18\" /><w:b /></w:rPr></w:r></w:p>";
        assert_eq!(schema_order(p), "<w:p><w:pPr><w:pStyle w:val=\"A\" /><w:keepNext /><w:jc w:val=\"left\" /><w:rPr /></w:pPr><w:r><w:rPr><w:b /><w:sz w:val=\"18\" /></w:rPr></w:r></w:p>");
        let tc = "<w:tcPr><w:tcW w:w=\"1\" /><w:vAlign w:val=\"center\" /><w:shd w:fill=\"E6E6E6\" /></w:tcPr>";
        assert_eq!(schema_order(tc), "<w:tcPr><w:tcW w:w=\"1\" /><w:shd w:fill=\"E6E6E6\" /><w:vAlign w:val=\"center\" /></w:tcPr>");
        let tbl = "<w:tblPr><w:tblW w:w=\"1\" /><w:tblBorders><w:top /></w:tblBorders><w:tblStyle w:val=\"G\" /><w:tblLayout w:type=\"fixed\" /></w:tblPr>";
        assert_eq!(schema_order(tbl), "<w:tblPr><w:tblStyle w:val=\"G\" /><w:tblW w:w=\"1\" /><w:tblBorders><w:top /></w:tblBorders><w:tblLayout w:type=\"fixed\" /></w:tblPr>");
        let st = "<w:style w:styleId=\"H\"><w:name w:val=\"h\" /><w:rPr><w:b /></w:rPr><w:pPr><w:outlineLvl w:val=\"0\" /></w:pPr><w:next w:val=\"B\" /><w:qFormat /><w:basedOn w:val=\"Normal\" /></w:style>";
        assert_eq!(schema_order(st), "<w:style w:styleId=\"H\"><w:name w:val=\"h\" /><w:basedOn w:val=\"Normal\" /><w:next w:val=\"B\" /><w:qFormat /><w:pPr><w:outlineLvl w:val=\"0\" /></w:pPr><w:rPr><w:b /></w:rPr></w:style>");
    }

    #[test]
    fn children_split_nested_elements() {
        let kids = children("<a/><b x=\"1\"><c/><d>t</d></b> <e></e>").unwrap();
        assert_eq!(kids, vec!["<a/>", "<b x=\"1\"><c/><d>t</d></b>", "<e></e>"]);
        assert_eq!(tag_name("<w:pgSz w:w=\"1\"/>"), "w:pgSz");
    }

    #[test]
    fn language_is_added_to_run_defaults() {
        let s = "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"24\" /></w:rPr></w:rPrDefault></w:docDefaults>";
        let out = default_language(s, "id");
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
        let a = renumber_para_ids("<w:p w14:paraId=\"00000001\"/><w:p w14:paraId=\"00000001\"/>", &mut next);
        let b = renumber_para_ids("<w:p w14:paraId=\"00000001\"/>", &mut next);
        assert_eq!(a, "<w:p w14:paraId=\"00000001\"/><w:p w14:paraId=\"00000002\"/>");
        assert_eq!(b, "<w:p w14:paraId=\"00000003\"/>");
        assert_eq!(next, 4);
    }

    #[test]
    fn normal_becomes_the_default_paragraph_style() {
        let s = default_paragraph_style("<w:style w:type=\"paragraph\" w:styleId=\"Normal\"><w:name w:val=\"Normal\" /></w:style>");
        assert!(s.starts_with("<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">"), "{s}");
    }

    #[test]
    fn settings_ask_for_field_update_and_embedded_fonts_in_schema_order() {
        let s = "<w:settings xmlns:w=\"x\"><w:defaultTabStop w:val=\"709\" /><w:zoom w:percent=\"100\" /><w:compat><w:spaceForUL /></w:compat></w:settings>";
        let out = settings(s, true);
        assert_eq!(
            out,
            "<w:settings xmlns:w=\"x\"><w:zoom w:percent=\"100\" /><w:embedTrueTypeFonts /><w:defaultTabStop w:val=\"709\" /><w:updateFields w:val=\"true\" /><w:compat><w:spaceForUL /></w:compat></w:settings>"
        );
        assert!(!settings(s, false).contains("embedTrueTypeFonts"));
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
        let (r, t) = drop_part(rels, types, "commentsExtended.xml");
        assert_eq!(r, "<Relationships><Relationship Id=\"rId1\" Type=\"t\" Target=\"styles.xml\" /></Relationships>");
        assert_eq!(t, "<Types><Override PartName=\"/word/styles.xml\" ContentType=\"s\" /></Types>");
        let t = add_default_content_type(&t, "odttf", "application/x");
        assert!(t.starts_with("<Types><Default Extension=\"odttf\" ContentType=\"application/x\" /><Override"), "{t}");
        assert_eq!(drop_single_grid_spans("<w:tcPr><w:gridSpan w:val=\"1\" /><w:gridSpan w:val=\"12\" /></w:tcPr>"), "<w:tcPr><w:gridSpan w:val=\"12\" /></w:tcPr>");
    }

    #[test]
    fn the_watermark_replaces_the_marker_run() {
        let h = format!("<w:hdr xmlns:w=\"w\"><w:p><w:pPr /><w:r><w:rPr /><w:t xml:space=\"preserve\">{WATERMARK_MARK}</w:t></w:r></w:p></w:hdr>");
        let out = watermark(&h, "RANCANGAN", "Liberation Sans");
        assert!(!out.contains(WATERMARK_MARK));
        assert!(out.contains("string=\"RANCANGAN\"") && out.contains("rotation:315") && out.contains("xmlns:v=\"urn:schemas-microsoft-com:vml\""), "{out}");
        assert!(out.starts_with("<w:hdr xmlns:") && out.ends_with("</w:pict></w:r></w:p></w:hdr>"), "{out}");
    }

    #[test]
    fn escapes_metadata() {
        assert_eq!(esc("A & <B> \"c\""), "A &amp; &lt;B&gt; &quot;c&quot;");
    }
}
