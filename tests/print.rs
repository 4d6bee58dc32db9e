//! Print quality, measured on what the real readers see: the PDF's text layer (poppler) and the
//! DOCX as LibreOffice lays it out. No two words overlap on any page (nothing printed over a cell
//! border) for the sample and for a generated edition with long words and a 17-column evaluation
//! table; every word of a table cell is printed whole; the signature block shares its page with
//! the end of the closing chapter; captions have the same size and weight in both outputs; the
//! two outputs have about the same number of pages.

mod common;

use common::{copy_dir, renja, require_tools, tool, workspace, ROOT};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// One built edition: its folder, its model, the PDF, the DOCX and LibreOffice's PDF of the DOCX.
struct Built {
    model: Value,
    pdf: PathBuf,
    docx: PathBuf,
    lo_pdf: OnceLock<PathBuf>,
    dir: PathBuf,
    /// What `renja check` printed (the warnings).
    check_output: String,
    slug: String,
}

fn build(name: &str, prepare: impl FnOnce(&Path)) -> Built {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("print-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    let ws = workspace();
    copy_dir(ws.path(), &dir);
    prepare(&dir.join("content"));
    let o = renja(&["build", "content", "-o", "out"], &dir);
    assert!(o.status.success(), "build {name}: {}", String::from_utf8_lossy(&o.stderr));
    let e = renja(&["export", "--json", "content"], &dir);
    let model: Value = serde_json::from_slice(&e.stdout).expect("model");
    let c = renja(&["check", "content"], &dir);
    let check_output = format!("{}{}", String::from_utf8_lossy(&c.stdout), String::from_utf8_lossy(&c.stderr));
    let slug = model["metadata"]["slug"].as_str().expect("slug").to_string();
    Built { model, pdf: dir.join(format!("out/{slug}.pdf")), docx: dir.join(format!("out/{slug}.docx")), lo_pdf: OnceLock::new(), dir, check_output, slug }
}

impl Built {
    /// The DOCX converted to PDF by LibreOffice (once).
    fn lo_pdf(&self) -> &Path {
        self.lo_pdf.get_or_init(|| {
            let outdir = self.dir.join("lo");
            let profile = format!("-env:UserInstallation=file://{}", self.dir.join("lo-profile").display());
            let o = Command::new("soffice")
                .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir", outdir.to_str().unwrap(), self.docx.to_str().unwrap()])
                .output()
                .expect("soffice");
            let pdf = outdir.join(format!("{}.pdf", self.slug));
            assert!(o.status.success() && pdf.is_file(), "soffice: {}", String::from_utf8_lossy(&o.stderr));
            pdf
        })
    }
}

fn sample() -> &'static Built {
    static S: OnceLock<Built> = OnceLock::new();
    S.get_or_init(|| build("sample", |_| {}))
}

/// The Renja murni sample (contoh/murni) in place of content/.
fn murni() -> &'static Built {
    static M: OnceLock<Built> = OnceLock::new();
    M.get_or_init(|| {
        build("murni", |content| {
            std::fs::remove_dir_all(content).unwrap();
            copy_dir(&Path::new(ROOT).join("contoh/murni"), content);
        })
    })
}

/// Long words in the indicator and name columns and the evaluation up to quarter IV with the
/// quarters I–III shown: Tabel 2.1 gets 17 columns.
fn generated() -> &'static Built {
    static G: OnceLock<Built> = OnceLock::new();
    G.get_or_init(|| build("generated", generate))
}

const LONG: [&str; 5] = ["Pertanggungjawaban", "Penyelenggaraan/Pengoordinasian", "Kesejahteraan-Ketenagakerjaan", "Ketransmigrasian", "Memperhitungkan"];

fn generate(content: &Path) {
    let ed = std::fs::read_to_string(content.join("edisi.toml")).unwrap();
    std::fs::write(content.join("edisi.toml"), ed.replace("triwulan = 2", "triwulan = 4")).unwrap();
    for file in ["data/evaluasi.toml", "data/rencana.toml", "data/rkpd.toml"] {
        let path = content.join(file);
        let src = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        let mut in_row = false;
        let mut n = 0usize;
        for line in src.lines() {
            let t = line.trim_start();
            if t.starts_with('[') {
                in_row = t == "[[baris]]";
            }
            if t.starts_with("realisasi_triwulan_rp") {
                continue;
            }
            if in_row && file == "data/evaluasi.toml" {
                if let Some(v) = t.strip_prefix("realisasi_rp = ") {
                    let v: u64 = v.split('#').next().unwrap().trim().parse().unwrap();
                    out.push_str(&format!("realisasi_triwulan_rp = [{}, {}, {}]\n", v / 4, v / 4, v / 4));
                }
            }
            // Long words at the end of indicator texts and names.
            let key = t.split(" = ").next().unwrap_or("");
            if in_row && ["indikator", "nama", "capaian_program", "keluaran", "hasil", "lokasi"].contains(&key) && t.contains(" = \"") && line.trim_end().ends_with('"') {
                let word = LONG[n % LONG.len()];
                n += 1;
                let trimmed = line.trim_end();
                out.push_str(&trimmed[..trimmed.len() - 1]);
                out.push_str(&format!(" {word}\"\n"));
                continue;
            }
            out.push_str(line);
            out.push('\n');
        }
        std::fs::write(&path, out).unwrap();
    }
}

/// Word boxes per page from `pdftotext -bbox-layout`: (text, xMin, yMin, xMax, yMax).
fn word_boxes(pdf: &Path) -> Vec<Vec<(String, f64, f64, f64, f64)>> {
    let html = tool("pdftotext", &["-bbox-layout", pdf.to_str().unwrap(), "-"]);
    let mut pages = Vec::new();
    for page in html.split("<page ").skip(1) {
        let mut words = Vec::new();
        for w in page.split("<word ").skip(1) {
            let attr = |name: &str| -> f64 {
                let key = format!("{name}=\"");
                let at = w.find(&key).unwrap() + key.len();
                w[at..at + w[at..].find('"').unwrap()].parse().unwrap()
            };
            let text = w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()].to_string();
            // The draft mark's 72 pt letters lie behind the text on purpose; they are not words.
            if attr("yMax") - attr("yMin") > 30.0 {
                continue;
            }
            words.push((text, attr("xMin"), attr("yMin"), attr("xMax"), attr("yMax")));
        }
        pages.push(words);
    }
    pages
}

/// Pairs of words whose boxes overlap by more than a hair, per page (1-based).
fn overlaps(pdf: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (p, words) in word_boxes(pdf).iter().enumerate() {
        let mut sorted: Vec<&(String, f64, f64, f64, f64)> = words.iter().collect();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
        for i in 0..sorted.len() {
            let a = sorted[i];
            for b in &sorted[i + 1..] {
                if b.1 >= a.3 - 0.5 {
                    break;
                }
                let dx = a.3.min(b.3) - a.1.max(b.1);
                let dy = a.4.min(b.4) - a.2.max(b.2);
                if dx > 0.5 && dy > 0.5 {
                    found.push(format!("page {}: '{}' and '{}'", p + 1, a.0, b.0));
                }
            }
        }
    }
    found
}

fn pages_of(pdf: &Path) -> usize {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines().find(|l| l.starts_with("Pages:")).unwrap().split_whitespace().last().unwrap().parse().unwrap()
}

/// Runs of at least 4 letters.
fn words4(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| w.chars().count() >= 4).map(str::to_string).collect()
}

/// Every table cell's and header's text in the model.
fn cell_texts(model: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for t in model["tabel"].as_object().unwrap().values() {
        for row in t["kepala"].as_array().unwrap() {
            for c in row.as_array().unwrap() {
                out.push(c["teks"].as_str().unwrap().to_string());
            }
        }
        for row in t["baris"].as_array().unwrap() {
            for c in row["sel"].as_array().unwrap() {
                out.push(c["teks"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

/// Each word of ≥ 4 letters of the table cells must occur whole in the PDF's text at least as
/// often as in the cells (a word split over two lines is two shorter runs there).
fn split_words(model: &Value, pdf: &Path) -> Vec<String> {
    // Words as poppler finds them on the page (`-tsv`): its plain text output joins a word that
    // ends a line with "-" to the next line's first word.
    let tsv = tool("pdftotext", &["-tsv", pdf.to_str().unwrap(), "-"]);
    let text: Vec<&str> = tsv.lines().skip(1).filter_map(|l| l.split('\t').nth(11)).collect();
    let text = text.join(" ");
    let mut have: HashMap<String, usize> = HashMap::new();
    for w in words4(&text) {
        *have.entry(w).or_default() += 1;
    }
    let mut want: HashMap<String, usize> = HashMap::new();
    for c in cell_texts(model) {
        // A word the model marked with break opportunities (U+200B: its column cannot hold it
        // even at the smallest size, and the build warned) may break there.
        let unmarked: Vec<&str> = c.split_whitespace().filter(|w| !w.contains('\u{200B}')).collect();
        for w in words4(&unmarked.join(" ")) {
            *want.entry(w).or_default() += 1;
        }
    }
    let mut missing: Vec<String> = want.iter().filter(|(w, n)| have.get(*w).copied().unwrap_or(0) < **n).map(|(w, n)| format!("{w} ({n}× in cells, {}× whole in the PDF)", have.get(w).copied().unwrap_or(0))).collect();
    missing.sort();
    missing
}

#[test]
#[cfg_attr(not(renja_tools = "poppler"), ignore = "needs poppler-utils (tests/run.sh installs it)")]
fn no_two_words_overlap_on_any_page_of_the_sample() {
    if !require_tools(&["pdftotext"]) {
        return;
    }
    let o = overlaps(&sample().pdf);
    assert!(o.is_empty(), "{} overlapping words:\n{}", o.len(), o.join("\n"));
}

#[test]
#[cfg_attr(not(renja_tools = "poppler"), ignore = "needs poppler-utils (tests/run.sh installs it)")]
fn no_two_words_overlap_on_any_page_of_the_murni_sample() {
    if !require_tools(&["pdftotext"]) {
        return;
    }
    let o = overlaps(&murni().pdf);
    assert!(o.is_empty(), "{} overlapping words:\n{}", o.len(), o.join("\n"));
}

#[test]
#[cfg_attr(not(renja_tools = "poppler"), ignore = "needs poppler-utils (tests/run.sh installs it)")]
fn no_two_words_overlap_with_long_words_and_a_17_column_evaluation_table() {
    if !require_tools(&["pdftotext"]) {
        return;
    }
    let g = generated();
    let t = &g.model["tabel"]["evaluasi"];
    assert_eq!(t["kolom"].as_array().unwrap().len(), 17, "the evaluation table has quarters I–III and s/d IV");
    let heads: Vec<&str> = t["kepala"][1].as_array().unwrap().iter().map(|c| c["teks"].as_str().unwrap()).collect();
    for q in ["Triwulan I", "Triwulan II", "Triwulan III", "s/d Triwulan IV"] {
        assert!(heads.contains(&q), "{q} in {heads:?}");
    }
    let o = overlaps(&g.pdf);
    assert!(o.is_empty(), "{} overlapping words:\n{}", o.len(), o.join("\n"));
    // The long words are printed whole.
    let text = tool("pdftotext", &[g.pdf.to_str().unwrap(), "-"]);
    for w in LONG {
        for part in words4(w) {
            assert!(words4(&text).contains(&part), "{part} not whole in the PDF");
        }
    }
}

#[test]
#[cfg_attr(not(all(renja_tools = "poppler", renja_tools = "libreoffice")), ignore = "needs poppler-utils and LibreOffice (tests/run.sh installs them)")]
fn every_table_word_is_whole_in_the_pdf_and_in_libreoffices_pdf_of_the_docx() {
    if !require_tools(&["pdftotext", "soffice"]) {
        return;
    }
    // The sample fits: no word marked for breaking, no layout warning.
    let s = sample();
    assert!(!cell_texts(&s.model).iter().any(|c| c.contains('\u{200B}')), "a word of the sample is marked for breaking");
    assert!(!s.check_output.contains("tata letak Tabel"), "{}", s.check_output);
    // The generated edition's long words do not all fit: every table with a marked word is named
    // in a warning with its column.
    let g = generated();
    for t in g.model["tabel"].as_object().unwrap().values() {
        let marked = t["baris"].as_array().unwrap().iter().any(|r| r["sel"].as_array().unwrap().iter().any(|c| c["teks"].as_str().unwrap().contains('\u{200B}')));
        let named = g.check_output.contains(&format!("tata letak Tabel {}: kolom ", t["nomor"].as_str().unwrap()));
        assert_eq!(marked, named, "Tabel {}: marked words {marked}, warning {named}:\n{}", t["nomor"], g.check_output);
    }
    let m = murni();
    assert!(!cell_texts(&m.model).iter().any(|c| c.contains('\u{200B}')), "a word of the murni sample is marked for breaking");
    for b in [s, m, g] {
        let m = split_words(&b.model, &b.pdf);
        assert!(m.is_empty(), "PDF {}: words split or missing:\n{}", b.dir.display(), m.join("\n"));
        let m = split_words(&b.model, b.lo_pdf());
        assert!(m.is_empty(), "DOCX (LibreOffice) {}: words split or missing:\n{}", b.dir.display(), m.join("\n"));
    }
}

/// The text of the closing chapter's last paragraph.
fn closing_words(model: &Value) -> String {
    let last = model["bab"].as_array().unwrap().last().unwrap();
    let p = last["blok"].as_array().unwrap().iter().rev().find(|b| b["jenis"] == "paragraf").expect("closing paragraph");
    p["isi"].as_array().unwrap().iter().filter_map(|i| i["teks"].as_str()).collect::<Vec<_>>().join("")
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn assert_signature_with_closing_text(model: &Value, pdf: &Path, what: &str) {
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    let nip = squash(model["pengesahan"]["nip"].as_str().unwrap());
    let pages: Vec<String> = text.split('\u{c}').map(squash).collect();
    let at = pages.iter().rposition(|p| p.contains(&nip)).unwrap_or_else(|| panic!("{what}: NIP not found"));
    let closing = closing_words(model);
    let words: Vec<&str> = closing.split_whitespace().collect();
    let tail = squash(&words[words.len().saturating_sub(4)..].join(" "));
    assert!(pages[at].contains(&tail), "{what}: the signature block (page {}) is not on the page of the closing text's end '{tail}'", at + 1);
    // And the page has more than the signature block: the closing lines are there.
    assert!(pages[at].len() > nip.len() + 200, "{what}: page {} holds little besides the signature", at + 1);
}

#[test]
#[cfg_attr(not(all(renja_tools = "poppler", renja_tools = "libreoffice")), ignore = "needs poppler-utils and LibreOffice (tests/run.sh installs them)")]
fn the_signature_block_shares_its_page_with_the_end_of_the_closing_chapter() {
    if !require_tools(&["pdftotext", "soffice"]) {
        return;
    }
    let s = sample();
    assert_signature_with_closing_text(&s.model, &s.pdf, "PDF");
    assert_signature_with_closing_text(&s.model, s.lo_pdf(), "DOCX (LibreOffice)");
}

/// (size, font name) of the caption line of each table (its last occurrence, after the daftar
/// tabel) from `pdftohtml -xml`.
fn caption_fonts(model: &Value, pdf: &Path) -> Vec<(String, f64, String)> {
    // `-zoom 1`: sizes in points (the default zoom is 1.5).
    let xml = tool("pdftohtml", &["-xml", "-i", "-zoom", "1", "-stdout", "-q", pdf.to_str().unwrap()]);
    let mut fonts: HashMap<String, (f64, String)> = HashMap::new();
    for spec in xml.split("<fontspec ").skip(1) {
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            let at = spec.find(&key).unwrap() + key.len();
            spec[at..at + spec[at..].find('"').unwrap()].to_string()
        };
        fonts.insert(attr("id"), (attr("size").parse().unwrap(), attr("family")));
    }
    let mut out = Vec::new();
    for t in model["tabel"].as_object().unwrap().values() {
        let label = format!("Tabel {}", t["nomor"].as_str().unwrap());
        let line = xml
            .split("<text ")
            .skip(1)
            .filter(|x| {
                let body = &x[x.find('>').unwrap() + 1..];
                // typst joins "Tabel" and the number with a no-break space.
                let plain: String = body.replace("<b>", "").replace("</b>", "").replace('\u{a0}', " ");
                plain.starts_with(&label) && plain[label.len()..].starts_with(' ')
            })
            .last()
            .unwrap_or_else(|| panic!("{label} caption not found in {}", pdf.display()));
        let id = &line[line.find("font=\"").unwrap() + 6..];
        let id = &id[..id.find('"').unwrap()];
        let (size, family) = fonts[id].clone();
        // Bold as pdftohtml says it: a <b> run, or a bold face name.
        let bold = line[line.find('>').unwrap() + 1..].starts_with("<b>") || family.contains("Bold");
        out.push((label, size, if bold { format!("{family} (tebal)") } else { family }));
    }
    out
}

#[test]
#[cfg_attr(not(all(renja_tools = "poppler", renja_tools = "libreoffice")), ignore = "needs poppler-utils and LibreOffice (tests/run.sh installs them)")]
fn captions_have_the_same_size_and_weight_in_both_outputs() {
    if !require_tools(&["pdftohtml", "soffice"]) {
        return;
    }
    let s = sample();
    let body_pt = s.model["edisi"]["halaman"]["ukuran_huruf"].as_f64().unwrap();
    let pdf = caption_fonts(&s.model, &s.pdf);
    let lo = caption_fonts(&s.model, s.lo_pdf());
    for ((label, size, family), (_, lo_size, lo_family)) in pdf.iter().zip(&lo) {
        assert!((size - body_pt).abs() < 0.6, "PDF {label}: {size} pt, want {body_pt}");
        assert!(family.ends_with("(tebal)"), "PDF {label}: {family} is not bold");
        assert!((size - lo_size).abs() < 0.6, "{label}: PDF {size} pt, DOCX {lo_size} pt");
        assert!(lo_family.ends_with("(tebal)"), "DOCX {label}: {lo_family} is not bold");
    }
    // And in the DOCX's XML: the Caption style is bold in the body size, its runs bold.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&s.docx).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let styles = read("word/styles.xml");
    let cap = &styles[styles.find("w:styleId=\"Caption\"").unwrap()..];
    let cap = &cap[..cap.find("</w:style>").unwrap()];
    assert!(cap.contains("<w:b />") || cap.contains("<w:b/>"), "{cap}");
    assert!(cap.contains(&format!("<w:sz w:val=\"{}\" />", (body_pt * 2.0) as u32)), "{cap}");
    let doc = read("word/document.xml");
    let n = doc.matches("<w:pStyle w:val=\"Caption\" />").count();
    assert_eq!(n, pdf.len(), "one caption per table");
}

#[test]
#[cfg_attr(not(all(renja_tools = "poppler", renja_tools = "libreoffice")), ignore = "needs poppler-utils and LibreOffice (tests/run.sh installs them)")]
fn pdf_and_docx_have_about_the_same_number_of_pages() {
    if !require_tools(&["pdfinfo", "soffice"]) {
        return;
    }
    let s = sample();
    let (a, b) = (pages_of(&s.pdf) as f64, pages_of(s.lo_pdf()) as f64);
    assert!((a - b).abs() / a <= 0.05, "PDF {a} pages, DOCX (LibreOffice) {b} pages");
}

#[test]
fn docx_embeds_the_fonts_and_carries_no_unreferenced_parts() {
    let s = sample();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&s.docx).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let settings = read("word/settings.xml");
    assert!(settings.contains("<w:embedTrueTypeFonts />") && settings.contains("<w:updateFields w:val=\"true\" />"), "{settings}");
    let table = read("word/fontTable.xml");
    assert!(table.contains("<w:font w:name=\"Liberation Sans\"><w:altName w:val=\"Arial\" />"), "{table}");
    assert!(table.contains("<w:font w:name=\"Liberation Serif\"><w:altName w:val=\"Times New Roman\" />"), "{table}");
    assert_eq!(table.matches("w:fontKey=").count(), 4, "regular, bold, italic, bold italic");
    let rels = read("word/_rels/fontTable.xml.rels");
    assert_eq!(rels.matches("relationships/font\"").count(), 4);
    assert_eq!(names.iter().filter(|n| n.ends_with(".odttf")).count(), 4);
    for gone in ["word/comments.xml", "word/commentsExtended.xml", "word/footnotes.xml"] {
        assert!(!names.contains(&gone.to_string()), "{gone} is packed but nothing refers to it");
    }
    let all_rels = read("word/_rels/document.xml.rels") + &read("[Content_Types].xml");
    assert!(!all_rels.contains("comments") && !all_rels.contains("footnotes"), "{all_rels}");
    let doc = read("word/document.xml");
    assert!(!doc.contains("<w:gridSpan w:val=\"1\""), "redundant gridSpan=1");
    // The draft mark: a watermark shape in the header every section inherits.
    let header = read("word/header1.xml");
    assert!(header.contains("PowerPlusWaterMarkObject") && header.contains("string=\"RANCANGAN\""), "{header}");
    // The tables of contents are filled with page numbers after a dot-leader tab.
    assert!(styles_has_dot_leader(&read("word/styles.xml")));
    let toc = &doc[doc.find("DAFTAR ISI").unwrap()..doc.find("DAFTAR TABEL").unwrap()];
    assert!(toc.matches("<w:tab />").count() >= 10, "daftar isi entries without page numbers");
}

fn styles_has_dot_leader(styles: &str) -> bool {
    let toc = &styles[styles.find("w:styleId=\"TOC1\"").unwrap()..];
    toc[..toc.find("</w:style>").unwrap()].contains("w:leader=\"dot\"")
}

#[test]
fn the_docx_fonts_deobfuscate_to_the_bundled_fonts() {
    let s = sample();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&s.docx).unwrap()).unwrap();
    let mut table = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/fontTable.xml").unwrap(), &mut table).unwrap();
    let key_at = table.find("<w:embedRegular ").unwrap();
    let key = &table[key_at..];
    let key = &key[key.find("w:fontKey=\"").unwrap() + 11..];
    let key = &key[..key.find('"').unwrap()];
    let mut font = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("word/fonts/font1.odttf").unwrap(), &mut font).unwrap();
    // Undo the obfuscation independently: GUID bytes in reverse order over the first 32 bytes.
    let hex: String = key.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let guid: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap()).collect();
    for (i, b) in font.iter_mut().take(32).enumerate() {
        *b ^= guid[15 - i % 16];
    }
    let original = std::fs::read(Path::new(ROOT).join("fonts/LiberationSans-Regular.ttf")).unwrap();
    assert!(font == original, "font1.odttf is not LiberationSans-Regular.ttf obfuscated with its key");
}

/// The first list (depth-first) whose first item opens with the paragraph `first`.
fn find_list<'a>(blocks: &'a Value, first: &str) -> Option<&'a Value> {
    for b in blocks.as_array()? {
        if b["jenis"] == "daftar" {
            let opens = b["butir"][0][0]["isi"].as_array().is_some_and(|i| i.iter().any(|x| x["teks"] == first));
            if opens {
                return Some(b);
            }
            for item in b["butir"].as_array()? {
                if let Some(l) = find_list(item, first) {
                    return Some(l);
                }
            }
        }
    }
    None
}

/// The organisation chapter numbers its levels as `[halaman] gaya_daftar` says (default 1., a.,
/// 1), a)), every unit at its level.
#[test]
fn numbering_levels_of_the_organisation_chapter_follow_the_edition() {
    let styles = |model: &Value| -> Vec<String> {
        let bab = model["bab"].as_array().unwrap();
        let units = bab.iter().find_map(|b| find_list(&b["blok"], "Sekretariat")).expect("the units' list");
        let unit = &units["butir"][0];
        let parts = unit.as_array().unwrap().iter().find(|b| b["jenis"] == "daftar").expect("tugas/fungsi list");
        let fungsi = parts["butir"][1].as_array().unwrap().iter().find(|b| b["jenis"] == "daftar").expect("fungsi list");
        let sub = parts["butir"].as_array().unwrap().iter().rev().next().unwrap();
        let sub_parts = sub.as_array().unwrap().iter().find(|b| b["jenis"] == "daftar").expect("sub-unit list");
        [&units["gaya"], &parts["gaya"], &fungsi["gaya"], &sub_parts["gaya"]].iter().map(|g| g.as_str().unwrap().to_string()).collect()
    };
    let ws = workspace();
    let content = ws.path().join("content");
    let e = renja(&["export", "--json", "content"], ws.path());
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    assert_eq!(styles(&serde_json::from_slice(&e.stdout).unwrap()), ["1.", "a.", "1)", "1)"]);
    let ed = std::fs::read_to_string(content.join("edisi.toml")).unwrap();
    let ed = ed.replacen("kanan = 2.5 }\n", "kanan = 2.5 }\ngaya_daftar = [\"A.\", \"1.\", \"a)\"]\n", 1);
    std::fs::write(content.join("edisi.toml"), ed).unwrap();
    let e = renja(&["export", "--json", "content"], ws.path());
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    // Below the deepest configured level the last style repeats.
    assert_eq!(styles(&serde_json::from_slice(&e.stdout).unwrap()), ["A.", "1.", "a)", "a)"]);
}
