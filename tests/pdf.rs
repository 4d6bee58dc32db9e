//! The PDF of the sample, checked with real poppler tools (pdfinfo, pdffonts, pdftotext): page
//! sizes and orientation, embedded fonts, every sub kegiatan name and computed total in the text,
//! byte-identical rebuilds, narrative typst syntax printed literally, located layout errors that
//! leave the previous PDF in place. Needs poppler-utils (tests/run.sh installs it).

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::*;

fn build(ws: &Path, out: &str) -> (Output, PathBuf) {
    let o = renja(&["build", "content", "-o", out], ws);
    (o, ws.join(out).join(format!("{SLUG}.pdf")))
}

fn built() -> (tempfile::TempDir, PathBuf) {
    let ws = workspace();
    let (o, pdf) = build(ws.path(), "out");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    (ws, pdf)
}

/// Page sizes in points, and the text of each page.
fn pages(pdf: &Path) -> Vec<(f64, f64, String)> {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let n: usize = info.lines().find(|l| l.starts_with("Pages:")).unwrap().split_whitespace().last().unwrap().parse().unwrap();
    let sizes = tool("pdfinfo", &["-f", "1", "-l", &n.to_string(), pdf.to_str().unwrap()]);
    let mut out = Vec::new();
    for l in sizes.lines().filter(|l| l.starts_with("Page") && l.contains("size:")) {
        let parts: Vec<&str> = l.split_whitespace().collect();
        let i = parts.iter().position(|p| *p == "size:").unwrap();
        out.push((parts[i + 1].parse().unwrap(), parts[i + 3].parse().unwrap(), String::new()));
    }
    let text = tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    for (i, page) in text.split('\u{c}').enumerate().take(out.len()) {
        out[i].2 = page.to_string();
    }
    out
}

#[test]
fn pages_are_f4_with_landscape_tables_and_fonts_embedded() {
    let (_ws, pdf) = built();
    let pages = pages(&pdf);
    assert!(pages.len() > 30, "{} pages", pages.len());
    let mm = |pt: f64| pt / 72.0 * 25.4;
    for (w, h, _) in &pages {
        let (a, b) = (mm(w.min(*h)), mm(w.max(*h)));
        assert!((a - 215.0).abs() < 0.5 && (b - 330.0).abs() < 0.5, "not F4: {a} x {b} mm");
    }
    for (nomor, landscape) in [("Tabel 2.1", true), ("Tabel 3.2", true), ("Tabel 3.4", true), ("Tabel 2.2", false)] {
        // The table's own page: its caption followed by its first header cell, not the list of tables.
        let hits: Vec<&(f64, f64, String)> = pages.iter().filter(|p| p.2.lines().any(|l| l.starts_with(nomor)) && !p.2.contains("DAFTAR TABEL")).collect();
        assert!(!hits.is_empty(), "{nomor} not found");
        for (w, h, _) in hits {
            assert_eq!(w > h, landscape, "{nomor} orientation");
        }
    }
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for r in rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(cols[n - 5], "yes", "font not embedded: {r}");
    }
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("Title:           Perubahan Renja Tahun 2022 Dinas Tenaga Kerja dan Transmigrasi Kabupaten Paser"), "{info}");
    assert!(info.contains("Author:          Dinas Tenaga Kerja dan Transmigrasi Kabupaten Paser"), "{info}");
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("pdfaid:part>2<") || text.contains("pdfaid:part=\"2\""), "PDF/A-2 not declared");
    assert!(text.contains("pdfaid:conformance>B<") || text.contains("pdfaid:conformance=\"B\""), "PDF/A-2b conformance not declared");
}

#[test]
fn text_has_every_sub_kegiatan_and_every_computed_total() {
    let (_ws, pdf) = built();
    let all = squash(&tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]));
    let m = model();
    let names = sub_kegiatan_names(&m);
    for (t, name) in &names {
        assert!(all.contains(&squash(name)), "{t}: sub kegiatan missing from the PDF: {name}");
    }
    assert!(names.len() > 100);
    let totals = [
        &m["data"]["evaluasi"]["total"]["pagu"],
        &m["data"]["evaluasi"]["total"]["pagu_lalu"],
        &m["data"]["evaluasi"]["total"]["realisasi_rp"],
        &m["data"]["evaluasi"]["total"]["capaian_rp"],
        &m["data"]["rencana"]["total"]["pagu_sebelum"],
        &m["data"]["rencana"]["total"]["pagu_sesudah"],
        &m["data"]["rencana"]["total"]["selisih"],
        &m["data"]["rencana"]["total"]["maju_pagu"],
        &m["data"]["rkpd"]["total"]["rancangan_pagu"],
        &m["data"]["rkpd"]["total"]["analisis_pagu"],
        &m["data"]["evaluasi"]["statistik"]["rata_rata_capaian_k"],
    ];
    for t in totals {
        let s = t["teks"].as_str().unwrap();
        assert!(all.contains(s), "total {s} missing from the PDF");
    }
    // Indonesian format, the summary paragraph, the signature block.
    assert!(all.contains("9.239.089.578") && all.contains("Rp3.882.291.290"));
    assert!(all.contains(&squash("NIP 19640731 199003 1 007")));
    assert!(all.contains(&squash("Tana Paser, 25 Agustus 2022")));
}

#[test]
fn two_builds_are_byte_identical_and_final_drops_the_draft_mark() {
    let ws = workspace();
    let (a, pa) = build(ws.path(), "a");
    let (b, pb) = build(ws.path(), "b");
    assert!(a.status.success() && b.status.success());
    assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap(), "PDF not reproducible");
    let o = renja(&["build", "content", "-o", "f", "--final"], ws.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = tool("pdftotext", &["-raw", ws.path().join("f").join(format!("{SLUG}.pdf")).to_str().unwrap(), "-"]);
    let marks = |t: &str| t.lines().filter(|l| l.trim() == "RANCANGAN").count();
    assert_eq!(marks(&text), 0, "final document still marked as draft");
    let draft = tool("pdftotext", &["-raw", pa.to_str().unwrap(), "-"]);
    assert!(marks(&draft) > 30, "draft is marked on every page");
}

#[test]
fn narrative_typst_syntax_prints_literally() {
    let ws = workspace();
    let chapter = ws.path().join("content/bab/04-penutup.md");
    let mut text = std::fs::read_to_string(&chapter).unwrap();
    let evil = r##"Uji #set text(fill: red) $x^2$ #read("/etc/passwd") #import "/layouts/table.typ" @ref [tautan] <label> \# selesai."##;
    text.push_str(&format!("\n{evil}\n"));
    std::fs::write(&chapter, text).unwrap();
    let (o, pdf) = build(ws.path(), "out");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all = tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    for literal in ["#set text(fill: red)", "$x^2$", "#read(\"/etc/passwd\")", "#import \"/layouts/table.typ\"", "@ref", "<label>", "[tautan]"] {
        assert!(squash(&all).contains(&squash(literal)), "{literal} not printed literally");
    }
    assert!(!all.contains("root:x:0"), "a file outside the edition was read");
}

#[test]
fn layout_error_is_located_and_keeps_the_old_pdf() {
    let ws = workspace();
    let (o, pdf) = build(ws.path(), "out");
    assert!(o.status.success());
    let before = std::fs::read(&pdf).unwrap();
    let layout = ws.path().join("layouts/renja.typ");
    let src = std::fs::read_to_string(&layout).unwrap();
    let marker = "#let front = ";
    let line = src[..src.find(marker).unwrap()].matches('\n').count() + 1;
    std::fs::write(&layout, src.replacen(marker, "#let front = nonexistent-function() + ", 1)).unwrap();
    let (o, _) = build(ws.path(), "out");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("layouts/renja.typ:{line}:")), "not located at line {line}: {err}");
    assert!(err.contains("error"), "{err}");
    assert!(!err.contains("panicked"));
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "the previous PDF was changed");
    let leftovers: Vec<_> = std::fs::read_dir(ws.path().join("out")).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains(".tmp")).collect();
    assert!(leftovers.is_empty());
}

#[test]
fn bad_sources_write_no_pdf() {
    let ws = workspace();
    let p = ws.path().join("content/edisi.toml");
    let s = std::fs::read_to_string(&p).unwrap().replace("nip = \"196407311990031007\"", "nip = \"1964073119900310\"");
    std::fs::write(&p, s).unwrap();
    let (o, pdf) = build(ws.path(), "out");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("edisi.toml:"));
    assert!(!pdf.exists());
}

#[test]
fn cover_logo_from_metadata_is_embedded() {
    let ws = workspace();
    // A 1x1 PNG.
    let png: [u8; 67] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
        0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
        0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    std::fs::write(ws.path().join("content/logo.png"), png).unwrap();
    let p = ws.path().join("content/edisi.toml");
    let s = std::fs::read_to_string(&p).unwrap().replacen("singkatan = \"Disnakertrans\"", "singkatan = \"Disnakertrans\"\nlogo = \"logo.png\"", 1);
    std::fs::write(&p, s).unwrap();
    let (o, pdf) = build(ws.path(), "out");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = tool("pdfimages", &["-f", "1", "-l", "1", "-list", pdf.to_str().unwrap()]);
    assert!(list.lines().count() > 2, "no image on the cover: {list}");
    // The DOCX cover carries it too.
    let docx = pdf.with_extension("docx");
    let zip = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
    assert!(zip.file_names().any(|n| n.starts_with("word/media/")), "no image in the DOCX");
    // A logo outside the edition folder is refused with a located error.
    let s = std::fs::read_to_string(&p).unwrap().replace("logo = \"logo.png\"", "logo = \"../fonts/LICENSE-Liberation.txt\"");
    std::fs::write(&p, s).unwrap();
    let (o, _) = build(ws.path(), "out2");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("edisi.toml:"));
}

/// A PDF's pages as greyscale images (pdftoppm, PGM): (width, height, pixels) per page.
fn raster(pdf: &Path, dpi: u32) -> Vec<(usize, usize, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("p");
    tool("pdftoppm", &["-gray", "-r", &dpi.to_string(), pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).unwrap();
            // "P5\n<w> <h>\n255\n" then the pixels.
            let mut fields = Vec::new();
            let mut at = 0;
            while fields.len() < 4 {
                while bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                let start = at;
                while !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
            }
            assert_eq!(fields[0], "P5", "{}", f.display());
            let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            (w, h, bytes[at + 1..].to_vec())
        })
        .collect()
}

#[test]
fn the_previews_table_drawing_gives_the_same_pages_as_print() {
    // The live preview draws each table row as one unit (fast re-layout); `renja build` draws
    // every cell as a table cell (tagged structure). The pages must be the same.
    let root = Path::new(ROOT);
    let edition = root.join("content");
    let (doc, diags) = renja::process(&edition);
    assert!(!diags.has_errors());
    let doc = doc.unwrap();
    let assets = renja::pdf::Assets { layouts: root.join("layouts"), fonts: root.join("fonts") };
    let fonts = std::sync::Arc::new(renja::pdf::Fonts::load(&assets.fonts).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, drawing) in [("cetak", renja::pdf::Drawing::Print), ("pratinjau", renja::pdf::Drawing::Preview)] {
        let mut d = renja::diag::Diagnostics::new();
        let pdf = renja::pdf::render_as(&doc, &edition, &assets, fonts.clone(), drawing, &mut d).expect("renders");
        let path = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&path, pdf).unwrap();
        files.push(path);
    }
    let (print, preview) = (&files[0], &files[1]);
    assert_ne!(std::fs::read(print).unwrap(), std::fs::read(preview).unwrap(), "the two drawings are different code paths");

    // Print keeps a tagged data cell for every body cell; the preview's rows are single units.
    let cells: usize = doc.tabel.values().map(|t| t.baris.iter().map(|r| r.sel.len()).sum::<usize>()).sum();
    let td = |pdf: &Path| tool("pdfinfo", &["-struct", pdf.to_str().unwrap()]).lines().filter(|l| l.trim_start().starts_with("TD")).count();
    assert!(td(print) >= cells, "print tags every cell ({} TD for {cells} cells)", td(print));

    // Same page sizes and text, page by page.
    let (a, b) = (pages(print), pages(preview));
    assert_eq!(a.len(), b.len(), "page count");
    for (i, (pa, pb)) in a.iter().zip(&b).enumerate() {
        assert_eq!((pa.0, pa.1), (pb.0, pb.1), "size of page {}", i + 1);
        assert_eq!(pa.2, pb.2, "text of page {}", i + 1);
    }
    // Same pixels, up to anti-aliasing where a rule is drawn twice (a row's border is also the
    // next row's) and the outer corners of a table's frame: where two rules meet at the edge,
    // print's grid and the preview's blocks end them differently by a quarter of a rule's width,
    // which lights a pixel at 100 dpi in one drawing and not in the other (one pixel a corner).
    let (ra, rb) = (raster(print, 100), raster(preview, 100));
    assert_eq!(ra.len(), rb.len());
    for (i, (x, y)) in ra.iter().zip(&rb).enumerate() {
        assert_eq!((x.0, x.1), (y.0, y.1), "raster size of page {}", i + 1);
        let worst = x.2.iter().zip(&y.2).map(|(p, q)| p.abs_diff(*q)).max().unwrap_or(0);
        let differing = x.2.iter().zip(&y.2).filter(|(p, q)| p.abs_diff(**q) > 24).count();
        let strong = x.2.iter().zip(&y.2).filter(|(p, q)| p.abs_diff(**q) > 64).count();
        assert!(differing <= 200 && strong <= 4, "page {}: {differing} pixels differ, {strong} of them by more than 64 (up to {worst})", i + 1);
    }

    // The preview draws a row without row spans as blocks, not grid cells: typst gives every grid
    // or table cell a location its introspector walks after each layout. The cells left are the
    // repeated header rows, the groups a row span joins and one outer cell per piece of rows (on
    // the sample: 836; 1,069 with one outer cell per row, 4,635 when every row was a grid, for
    // 3,592 body cells).
    let located_cells = |drawing| {
        use typst::foundations::{NativeElement, Selector};
        use typst::introspection::Introspector;
        let world = renja::pdf::RenjaWorld::new(fonts.clone(), &assets.layouts, &edition, renja::pdf::layout_input(&doc, drawing), (2022, 8, 25));
        let paged = renja::pdf::layout(&world, &mut renja::diag::Diagnostics::new()).expect("lays out");
        let count = |e| paged.introspector().query(&Selector::Elem(e, None)).len();
        count(typst::layout::GridCell::ELEM) + count(typst::model::TableCell::ELEM)
    };
    let (in_print, in_preview) = (located_cells(renja::pdf::Drawing::Print), located_cells(renja::pdf::Drawing::Preview));
    assert!(in_print >= cells, "print: {in_print} located cells for {cells} body cells");
    assert!(in_preview < cells / 2, "preview: {in_preview} located cells for {cells} body cells");
}
