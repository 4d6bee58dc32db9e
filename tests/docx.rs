//! The DOCX of the sample, checked with real clients: its XML parts (sections, styles with
//! outline levels, repeated header rows, merged cells, PAGE footers, core properties, schema
//! order, deflated entries), python-docx's reading of it, LibreOffice converting it to PDF
//! (landscape table pages that each begin with the table header), and parity with the model's
//! table numbers and sub kegiatan names. LibreOffice and python-docx are installed by
//! tests/run.sh; without them these tests skip locally and fail under CI=true.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::*;

/// Builds the sample with `--format all`; returns the workspace, the DOCX and the PDF.
fn built() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let ws = workspace();
    let o = renja(&["build", "content", "-o", "out", "--format", "all"], ws.path());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = ws.path().join("out");
    let (docx, pdf) = (out.join(format!("{SLUG}.docx")), out.join(format!("{SLUG}.pdf")));
    assert!(docx.is_file() && pdf.is_file());
    (ws, docx, pdf)
}

fn part(docx: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(docx).unwrap()).unwrap();
    let mut f = z.by_name(name).unwrap_or_else(|_| panic!("{name} missing"));
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// The text of every `w:t` run of a part.
fn texts(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(p) = rest.find("<w:t") {
        rest = &rest[p + 4..];
        if !(rest.starts_with('>') || rest.starts_with(' ')) {
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        if rest[..gt].ends_with('/') {
            continue;
        }
        let body = &rest[gt + 1..];
        let end = body.find("</w:t>").unwrap();
        out.push_str(&unescape(&body[..end]));
        out.push(' ');
        rest = &body[end..];
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let p = tag.find(&key)? + key.len();
    Some(&tag[p..p + tag[p..].find('"')?])
}

/// Every element `<name .../>` or `<name ...>` start tag.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = xml[from..].find(&open) {
        let at = from + p;
        let end = at + xml[at..].find('>').unwrap() + 1;
        if matches!(xml.as_bytes()[at + open.len()], b' ' | b'/' | b'>') {
            out.push(&xml[at..end]);
        }
        from = end;
    }
    out
}

#[test]
fn xml_has_sections_styles_header_rows_merges_footers_and_properties() {
    let (_ws, docx, _) = built();
    let doc = part(&docx, "word/document.xml");
    let m = model();

    // Sections: F4 portrait for the narrative, F4 landscape for Tabel 2.1, 3.2 and 3.4.
    let sizes = tags(&doc, "w:pgSz");
    let (w, h) = ((215.0 * 1440.0 / 25.4_f64).round() as u32, (330.0 * 1440.0 / 25.4_f64).round() as u32);
    let portrait = sizes.iter().filter(|t| attr(t, "w:w") == Some(&w.to_string()) && attr(t, "w:h") == Some(&h.to_string()) && attr(t, "w:orient") == Some("portrait")).count();
    let landscape = sizes.iter().filter(|t| attr(t, "w:w") == Some(&h.to_string()) && attr(t, "w:h") == Some(&w.to_string()) && attr(t, "w:orient") == Some("landscape")).count();
    assert_eq!(landscape, 3, "{sizes:?}");
    assert_eq!(portrait + landscape, sizes.len(), "{sizes:?}");
    // Each landscape table sits in its own section: caption and table between two section breaks.
    for nomor in ["2.1", "3.2", "3.4"] {
        // The caption's own run (the daftar tabel lists it in one run with its title).
        let at = doc.find(&format!(">Tabel {nomor} </w:t>")).unwrap_or_else(|| panic!("caption of Tabel {nomor}"));
        let next = at + doc[at..].find("<w:sectPr").unwrap();
        assert!(attr(tags(&doc[next..], "w:pgSz")[0], "w:orient") == Some("landscape"), "Tabel {nomor} not in a landscape section");
    }
    // Page numbers: roman in the front matter, arabic restarting at 1 from Bab I; one footer with PAGE.
    let nums = tags(&doc, "w:pgNumType");
    assert_eq!(nums.len(), 2, "{nums:?}");
    assert_eq!(attr(nums[0], "w:fmt"), Some("lowerRoman"));
    assert_eq!(attr(nums[0], "w:start"), Some("1"));
    assert_eq!(attr(nums[1], "w:fmt"), None);
    assert_eq!(attr(nums[1], "w:start"), Some("1"));
    let footer = part(&docx, "word/footer1.xml");
    assert!(footer.contains("PAGE"), "{footer}");
    assert_eq!(tags(&doc, "w:footerReference").len(), 1, "one footer, inherited by later sections");
    let bab1 = doc.find("BAB I<").unwrap();
    let before = &doc[..bab1];
    assert!(before.rfind("w:fmt=\"lowerRoman\"").is_some() && !doc[bab1..].contains("lowerRoman"));

    // Styles: Title, Heading 1–3 with outline levels; headings use them.
    let styles = part(&docx, "word/styles.xml");
    for (id, lvl) in [("Heading1", 0), ("Heading2", 1), ("Heading3", 2)] {
        let at = styles.find(&format!("w:styleId=\"{id}\"")).unwrap_or_else(|| panic!("style {id}"));
        let end = at + styles[at..].find("</w:style>").unwrap();
        assert!(styles[at..end].contains(&format!("<w:outlineLvl w:val=\"{lvl}\" />")), "{id} outline level");
    }
    for id in ["Title", "BodyText", "Caption", "ListParagraph", "TOC1"] {
        assert!(styles.contains(&format!("w:styleId=\"{id}\"")), "style {id}");
    }
    assert!(doc.contains("<w:pStyle w:val=\"Heading1\" />") && doc.contains("<w:pStyle w:val=\"Heading2\" />"));
    assert!(styles.contains("<w:lang w:val=\"id\""));
    // Lists with the reference's numbering formats.
    let numbering = part(&docx, "word/numbering.xml");
    for f in ["decimal", "lowerLetter"] {
        assert!(numbering.contains(&format!("<w:numFmt w:val=\"{f}\" />")), "{f}");
    }
    assert!(doc.contains("<w:numPr>"));
    // TOC fields for the daftar isi and daftar tabel.
    assert!(doc.contains("TOC \\o &quot;1-3&quot;") || doc.contains("TOC \\o \"1-3\""), "no daftar isi TOC field");
    assert!(doc.contains("Caption,1"), "no daftar tabel TOC field");

    // Tables: header rows repeat (kepala rows + the column-number row), merged cells, fixed widths.
    let mut expected_headers = 0;
    for t in m["tabel"].as_object().unwrap().values() {
        expected_headers += t["kepala"].as_array().unwrap().len() + usize::from(t["nomor_kolom"].as_bool().unwrap());
    }
    let simple = doc.matches("<w:tbl>").count() - m["tabel"].as_object().unwrap().len();
    assert_eq!(doc.matches("<w:tblHeader />").count(), expected_headers + simple);
    let rows = doc.matches("<w:tr>").count();
    assert!(rows > 200, "{rows} rows");
    assert_eq!(doc.matches("<w:cantSplit />").count(), rows, "every row is kept from splitting");
    assert!(doc.contains("<w:vMerge w:val=\"restart\" />") && doc.contains("<w:vMerge w:val=\"continue\" />"));
    assert!(doc.contains("<w:gridSpan w:val=\"2\" />"));
    assert!(doc.contains("<w:tblLayout w:type=\"fixed\" />"));
    assert!(doc.contains("<w:jc w:val=\"right\" />"), "right-aligned rupiah");
    // Column widths fit the usable width of their page.
    for grid in doc.split("<w:tblGrid>").skip(1) {
        let grid = &grid[..grid.find("</w:tblGrid>").unwrap()];
        let sum: u32 = tags(grid, "w:gridCol").iter().map(|t| attr(t, "w:w").unwrap().parse::<u32>().unwrap()).sum();
        // At most the landscape text width: F4 height less the sample's 2.5 cm and 3 cm margins.
        let cm = |v: f64| (v * 10.0 * 1440.0 / 25.4).round() as u32;
        assert!(sum <= h - cm(2.5) - cm(3.0) && sum > 5000, "table width {sum}");
    }

    // Core properties.
    let core = part(&docx, "docProps/core.xml");
    for s in [
        "<dc:title>Perubahan Renja Tahun 2022 Dinas Tenaga Kerja dan Transmigrasi Kabupaten Paser</dc:title>",
        "<dc:creator>Dinas Tenaga Kerja dan Transmigrasi Kabupaten Paser</dc:creator>",
        "<dc:language>id</dc:language>",
        "<dc:subject>",
        "<cp:keywords>Renja, 2022",
    ] {
        assert!(core.contains(s), "{s} not in {core}");
    }
}

#[test]
fn package_is_deflated_ordered_and_free_of_duplicate_ids() {
    let (_ws, docx, _) = built();
    let mut z = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap();
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated, "{} stored uncompressed", f.name());
        names.push(f.name().to_string());
    }
    // Every relationship target exists.
    let rels = part(&docx, "word/_rels/document.xml.rels");
    for t in tags(&rels, "Relationship") {
        if attr(t, "TargetMode") == Some("External") {
            continue;
        }
        let target = format!("word/{}", attr(t, "Target").unwrap());
        assert!(names.contains(&target), "{target} referenced but missing");
    }
    let doc = part(&docx, "word/document.xml");
    for key in ["w14:paraId", "w:id"] {
        let mut ids: Vec<&str> = Vec::new();
        for el in ["w:p", "w:bookmarkStart"] {
            ids.extend(tags(&doc, el).iter().filter_map(|t| attr(t, key)));
        }
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate {key}");
    }
    // Schema order of section properties: references first, then size, margins, numbering.
    for sect in doc.split("<w:sectPr>").skip(1) {
        let sect = &sect[..sect.find("</w:sectPr>").unwrap()];
        let pos = |n: &str| sect.find(n);
        let seq: Vec<usize> = ["<w:footerReference", "<w:pgSz", "<w:pgMar", "<w:pgNumType", "<w:cols"].iter().filter_map(|n| pos(n)).collect();
        assert!(seq.windows(2).all(|w| w[0] < w[1]), "sectPr out of order: {sect}");
    }
    // Paragraph properties: style first, run properties of the mark after justification.
    for ppr in doc.split("<w:pPr>").skip(1) {
        let ppr = &ppr[..ppr.find("</w:pPr>").unwrap()];
        if let Some(s) = ppr.find("<w:pStyle") {
            assert!(ppr.find("<w:rPr").is_none_or(|r| r > s), "pPr out of order: {ppr}");
        }
    }
}

#[cfg_attr(not(renja_tools = "python-docx"), ignore = "needs python-docx (tests/run.sh installs it)")]
#[test]
fn python_docx_reads_sections_styles_tables_and_properties() {
    common::require(&["python-docx"]);
    let (_ws, docx, _) = built();
    let script = r#"
import sys, docx
from docx.enum.section import WD_ORIENT
d = docx.Document(sys.argv[1])
secs = d.sections
land = [s for s in secs if s.orientation == WD_ORIENT.LANDSCAPE]
assert len(land) == 3, len(land)
for s in secs:
    w, h = round(s.page_width.mm), round(s.page_height.mm)
    assert sorted((w, h)) == [215, 330], (w, h)
    assert (w > h) == (s.orientation == WD_ORIENT.LANDSCAPE)
for i in (1, 2, 3):
    st = d.styles['Heading %d' % i]
    lvl = st.element.pPr.find(docx.oxml.ns.qn('w:outlineLvl'))
    assert lvl is not None and lvl.get(docx.oxml.ns.qn('w:val')) == str(i - 1), i
assert any(p.style.name == 'Heading 1' for p in d.paragraphs)
assert any(p.style.name == 'Heading 2' for p in d.paragraphs)
assert d.core_properties.title.startswith('Perubahan Renja Tahun 2022'), d.core_properties.title
assert d.core_properties.author == 'Dinas Tenaga Kerja dan Transmigrasi Kabupaten Paser'
assert d.core_properties.language == 'id'
assert len(d.tables) >= 5
hdr = 0
for t in d.tables:
    for r in t.rows:
        if r._tr.trPr is not None and r._tr.trPr.find(docx.oxml.ns.qn('w:tblHeader')) is not None:
            hdr += 1
assert hdr >= 13, hdr
f = secs[1].footer
assert 'PAGE' in f._element.xml
print('ok', len(secs), len(d.tables), hdr)
"#;
    let o = Command::new("python3").arg("-c").arg(script).arg(&docx).output().unwrap();
    assert!(o.status.success(), "python-docx: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

#[cfg_attr(not(all(renja_tools = "libreoffice", renja_tools = "poppler")), ignore = "needs LibreOffice, poppler-utils (tests/run.sh installs them)")]
#[test]
fn libreoffice_converts_it_with_landscape_table_pages_that_begin_with_the_header() {
    common::require(&["libreoffice", "poppler"]);
    let (ws, docx, _) = built();
    let outdir = ws.path().join("lo");
    let profile = format!("-env:UserInstallation=file://{}", ws.path().join("lo-profile").display());
    let o = Command::new("soffice")
        .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir", outdir.to_str().unwrap(), docx.to_str().unwrap()])
        .output()
        .expect("soffice");
    let pdf = outdir.join(format!("{SLUG}.pdf"));
    assert!(o.status.success() && pdf.is_file(), "soffice failed: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let p = pdf.to_str().unwrap();
    let info = tool("pdfinfo", &[p]);
    let n: usize = info.lines().find(|l| l.starts_with("Pages:")).unwrap().split_whitespace().last().unwrap().parse().unwrap();
    assert!(n > 30, "{n} pages");
    let sizes = tool("pdfinfo", &["-f", "1", "-l", &n.to_string(), p]);
    let dims: Vec<(f64, f64)> = sizes
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let i = parts.iter().position(|x| *x == "size:").unwrap();
            (parts[i + 1].parse().unwrap(), parts[i + 3].parse().unwrap())
        })
        .collect();
    let text = tool("pdftotext", &["-raw", p, "-"]);
    let pages: Vec<&str> = text.split('\u{c}').take(n).collect();
    let m = model();
    for id in ["evaluasi", "rencana"] {
        let t = &m["tabel"][id];
        let caption = format!("Tabel {}", t["nomor"].as_str().unwrap());
        let first_header = t["kepala"][0][0]["teks"].as_str().unwrap();
        let start = pages
            .iter()
            .position(|pg| pg.lines().next().is_some_and(|l| l.starts_with(&caption)))
            .unwrap_or_else(|| panic!("{caption}: no page begins with its caption"));
        // The table's pages: landscape from the caption page until the next portrait page.
        let mut count = 0;
        for (i, pg) in pages.iter().enumerate().skip(start) {
            let (w, h) = dims[i];
            if w < h {
                break;
            }
            let mut lines = pg.lines().filter(|l| !l.trim().is_empty());
            let mut first = lines.next().unwrap_or("");
            if i == start {
                first = lines.next().unwrap_or("");
            }
            assert!(first.trim_start().starts_with(first_header), "{caption}, page {}: begins with {first:?}, not the header", i + 1);
            count += 1;
        }
        assert!(count >= 2, "{caption} spans {count} landscape pages");
        assert!(dims[start].0 > dims[start].1, "{caption} page is not landscape");
    }
}

#[test]
fn every_table_number_and_sub_kegiatan_is_in_the_docx() {
    let (_ws, docx, _) = built();
    // Without the break marks (U+200B after "/" and "-") the DOCX adds where the PDF breaks.
    let all = squash(&texts(&part(&docx, "word/document.xml")).replace('\u{200B}', ""));
    let m = model();
    let is_number = |s: &str| !s.is_empty() && s.chars().any(|c| c.is_ascii_digit()) && s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == '-');
    let mut numbers = 0;
    for (id, t) in m["tabel"].as_object().unwrap() {
        for r in t["baris"].as_array().unwrap() {
            for c in r["sel"].as_array().unwrap() {
                let s = c["teks"].as_str().unwrap().trim();
                if is_number(s) {
                    assert!(all.contains(&squash(s)), "{id}: number {s} missing from the DOCX");
                    numbers += 1;
                }
            }
        }
    }
    assert!(numbers > 500, "{numbers} numbers");
    let names = sub_kegiatan_names(&m);
    for (t, name) in &names {
        assert!(all.contains(&squash(name)), "{t}: sub kegiatan missing from the DOCX: {name}");
    }
    assert!(names.len() > 100);
    assert!(all.contains(&squash("NIP 19640731 199003 1 007")) && all.contains(&squash("Tana Paser, 25 Agustus 2022")));
}

#[test]
fn docx_only_build_is_reproducible_and_failure_keeps_earlier_outputs() {
    let ws = workspace();
    let o = renja(&["build", "content", "-o", "d", "--format", "docx"], ws.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = ws.path().join("d");
    assert!(d.join(format!("{SLUG}.docx")).is_file());
    assert!(!d.join(format!("{SLUG}.pdf")).exists(), "--format docx wrote a PDF");
    // Reproducible: the same sources give the same bytes.
    let o = renja(&["build", "content", "-o", "d2", "--format", "docx"], ws.path());
    assert!(o.status.success());
    assert_eq!(std::fs::read(d.join(format!("{SLUG}.docx"))).unwrap(), std::fs::read(ws.path().join("d2").join(format!("{SLUG}.docx"))).unwrap(), "DOCX not reproducible");
    let o = renja(&["build", "content", "-o", "p", "--format", "pdf"], ws.path());
    assert!(o.status.success());
    assert!(!ws.path().join("p").join(format!("{SLUG}.docx")).exists(), "--format pdf wrote a DOCX");
    // Bad sources: no output is touched.
    let before = std::fs::read(d.join(format!("{SLUG}.docx"))).unwrap();
    let p = ws.path().join("content/edisi.toml");
    let s = std::fs::read_to_string(&p).unwrap().replace("nip = \"196407311990031007\"", "nip = \"1964073119900310\"");
    std::fs::write(&p, s).unwrap();
    let o = renja(&["build", "content", "-o", "d"], ws.path());
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(d.join(format!("{SLUG}.docx"))).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains(".tmp")).collect();
    assert!(leftovers.is_empty());
}

/// A large edition's DOCX (×8 of the sample, bench/gen-edition.py): its document.xml, past the
/// 4 MiB from which the writer deflates it as it is made instead of holding it whole, is
/// well-formed and holds every Tabel 3.4 row's code (a write lost or repeated would break one or
/// the other), and two builds give the same bytes.
#[test]
fn a_large_editions_docx_is_whole_and_reproducible() {
    let ws = workspace();
    let made = Command::new("python3").arg(Path::new(ROOT).join("bench/gen-edition.py")).args(["8", "x8", "content"]).current_dir(ws.path()).output().expect("python3");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mut bytes = Vec::new();
    for out in ["out1", "out2"] {
        let o = renja(&["build", "x8", "-o", out, "--format", "docx"], ws.path());
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        let docx = std::fs::read_dir(ws.path().join(out)).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "docx")).unwrap();
        bytes.push((docx.clone(), std::fs::read(&docx).unwrap()));
    }
    assert!(bytes[0].1 == bytes[1].1, "two builds of the same sources differ");
    let xml = part(&bytes[0].0, "word/document.xml");
    assert!(xml.len() > 4 << 20, "document.xml is only {} bytes: not past the streamed size", xml.len());
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("document.xml is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "document.xml's elements do not close");
    let all = squash(&texts(&xml).replace('\u{200B}', ""));
    let m: serde_json::Value = serde_json::from_slice(&renja(&["export", "--json", "x8"], ws.path()).stdout).unwrap();
    let codes: Vec<&str> = m["data"]["rencana"]["baris"].as_array().unwrap().iter().filter(|r| r["tingkat"] == "sub_kegiatan").map(|r| r["kode"].as_str().unwrap()).collect();
    assert!(codes.len() > 300, "{} sub kegiatan", codes.len());
    for c in codes {
        assert!(all.contains(&squash(c)), "sub kegiatan {c} missing from the DOCX");
    }
}
