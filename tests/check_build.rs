//! check ⇒ build, as a property: editions made from the sample with random Markdown appended to
//! a chapter (paragraphs with every kind of emphasis and typst-looking characters, headings,
//! lists of every marker style nested to random depths (an item now and then a page break),
//! pipe tables of ragged rows with any inline piece in a cell, quotes, code,
//! footnotes, rules, page breaks, template values, odd Unicode, occasionally control characters
//! and over-long words) and random values in edisi.toml and a data file. Whenever `check`
//! accepts such an edition, the PDF and the DOCX must build (in memory). Editions `check`
//! refuses must be refused with a located error, never a panic.
//!
//! The case count is small (a debug build lays out the whole sample for every accepted case);
//! PROPTEST_CASES raises it.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use renja::diag::Severity;
use std::path::Path;
use std::sync::Arc;

mod common;

/// Pieces of inline text: words, emphasis, characters typst or Markdown give meaning to, Unicode.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        // Text check accepts: words, numbers, characters typst or Markdown give meaning to.
        600 => "[a-zA-Z]{1,12}",
        100 => "[0-9]{1,6}([.,][0-9]{1,3})?",
        10 => Just("#set".to_string()),
        10 => Just("$x^2$".to_string()),
        10 => Just("@ref".to_string()),
        10 => Just("<label>".to_string()),
        10 => Just("#read(\"/etc/passwd\")".to_string()),
        10 => Just("\\".to_string()),
        10 => Just("[x]".to_string()),
        10 => Just("a_b_c".to_string()),
        10 => Just("~~coret~~".to_string()),
        10 => Just("`kode`".to_string()),
        10 => Just("[tautan](https://contoh.go.id)".to_string()),
        10 => Just("<b>html</b>".to_string()),
        10 => Just("é ü ñ ß Ω Ж".to_string()),
        10 => Just("→ ≤ ≥ ± × ÷ ½ ° µ – “ ” •".to_string()),
        10 => Just("{{ opd.nama }}".to_string()),
        10 => Just("{{ evaluasi.total.pagu | rupiah }}".to_string()),
        10 => Just("{{ edisi.tahun | terbilang_angka }}".to_string()),
        3 => Just("{{ tabel(\"rkpd\") }}".to_string()),
        // Rarely, what check must refuse (each a located error, never a failed build).
        1 => Just("![gambar](logo.png)".to_string()),
        1 => Just("😀".to_string()),
        1 => Just("中文".to_string()),
        1 => Just("\u{200B}\u{00AD}\u{2028}".to_string()),
        1 => Just("\u{0}".to_string()),
        1 => Just("\u{1b}[0m".to_string()),
        1 => Just("\u{FFFC}".to_string()),
        1 => Just("\u{E000}".to_string()),
        1 => (1000usize..1100).prop_map(|n| "k".repeat(n)),
    ]
}

fn inline() -> impl Strategy<Value = String> {
    prop::collection::vec((word(), 0u8..6), 1..12).prop_map(|ws| {
        ws.into_iter()
            .map(|(w, style)| match style {
                0 => format!("**{w}**"),
                1 => format!("*{w}*"),
                2 => format!("_{w}_"),
                _ => w,
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn list(depth: usize) -> BoxedStrategy<String> {
    let markers = prop::sample::select(vec!["-", "*", "1.", "a.", "A.", "i.", "I.", "1)", "a)"]);
    // Rarely an item that is a page break, which no list can hold.
    let item = (markers, prop_oneof![30 => inline(), 1 => Just("\\newpage".to_string())]);
    if depth == 0 {
        prop::collection::vec(item, 1..4)
            .prop_map(|items| items.into_iter().map(|(m, t)| format!("{m} {t}\n")).collect())
            .boxed()
    } else {
        (prop::collection::vec(item, 1..3), prop::option::weighted(0.7, list(depth - 1)))
            .prop_map(|(items, sub)| {
                let mut out = String::new();
                for (i, (m, t)) in items.iter().enumerate() {
                    out.push_str(&format!("{m} {t}\n"));
                    if i == 0 {
                        if let Some(sub) = &sub {
                            for l in sub.lines() {
                                out.push_str(&format!("   {l}\n"));
                            }
                        }
                    }
                }
                out
            })
            .boxed()
    }
}

fn table() -> impl Strategy<Value = String> {
    // A cell is plain text or any inline piece (a template value, a placement, odd Unicode).
    let cell = prop_oneof![4 => "[a-zA-Z0-9 .,%*_]{0,12}".boxed(), 1 => word().boxed()];
    (1usize..5, prop::collection::vec(prop::collection::vec(cell, 0..6), 0..5)).prop_map(|(n, rows)| {
        let mut out = format!("|{}|\n|{}|\n", (0..n).map(|i| format!(" Kolom {i} ")).collect::<Vec<_>>().join("|"), vec!["---"; n].join("|"));
        for r in rows {
            out.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        out
    })
}

fn block() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => inline().prop_map(|t| format!("{t}\n")),
        1 => (2usize..5, inline()).prop_map(|(l, t)| format!("{} {t}\n", "#".repeat(l))),
        3 => prop_oneof![12 => 0usize..7, 1 => 7usize..11].prop_flat_map(list),
        2 => table(),
        1 => inline().prop_map(|t| format!("> {t}\n")),
        1 => inline().prop_map(|t| format!("```\n{t}\n```\n")),
        1 => inline().prop_map(|t| format!("Catatan[^c].\n\n[^c]: {t}\n")),
        1 => Just("---\n".to_string()),
        1 => Just("\\newpage\n".to_string()),
    ]
}

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(block(), 1..8).prop_map(|bs| bs.join("\n"))
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Debug, Clone)]
struct Edit {
    chapter: usize,
    markdown: String,
    opd: String,
    signer: String,
    ukuran: f64,
    spasi: f64,
    pagu: u64,
}

fn edit() -> impl Strategy<Value = Edit> {
    let ukuran = prop_oneof![12 => 8.0f64..18.0, 1 => -20.0f64..200.0];
    let spasi = prop_oneof![12 => 1.0f64..3.0, 1 => 0.0f64..10.0];
    (0usize..5, markdown(), inline(), inline(), ukuran, spasi, 0u64..10_000_000_000_000).prop_map(
        |(chapter, markdown, opd, signer, ukuran, spasi, pagu)| Edit { chapter, markdown, opd, signer, ukuran, spasi, pagu },
    )
}

fn replace_once(text: &str, old: &str, new: &str) -> String {
    assert_eq!(text.matches(old).count(), 1, "{old:?} must occur once in the sample");
    text.replacen(old, new, 1)
}

/// Applies `e` to the copy of the sample in `dir`.
fn apply(dir: &Path, e: &Edit) {
    let bab = dir.join("bab");
    let mut names: Vec<_> = std::fs::read_dir(&bab).unwrap().map(|x| x.unwrap().path()).collect();
    names.sort();
    let ch = &names[e.chapter % names.len()];
    let mut text = std::fs::read_to_string(ch).unwrap();
    text.push('\n');
    text.push_str(&e.markdown);
    std::fs::write(ch, text).unwrap();

    let p = dir.join("edisi.toml");
    let mut t = std::fs::read_to_string(&p).unwrap();
    t = replace_once(&t, "nama = \"Dinas Tenaga Kerja dan Transmigrasi\"", &format!("nama = {}", toml_string(&e.opd)));
    t = replace_once(&t, "nama = \"Ir. Madju P. Simangunsong\"", &format!("nama = {}", toml_string(&e.signer)));
    t = replace_once(&t, "ukuran_huruf = 12", &format!("ukuran_huruf = {:.1}", e.ukuran));
    t = replace_once(&t, "spasi_baris = 1.5", &format!("spasi_baris = {:.2}", e.spasi));
    std::fs::write(&p, t).unwrap();

    // One leaf pagu of Tabel 2.1 set to a random amount.
    let p = dir.join("data/evaluasi.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    let at = leaf_pagu(&t, 0);
    let end = at + t[at..].find('\n').unwrap();
    std::fs::write(&p, format!("{}pagu = {}{}", &t[..at], e.pagu, &t[end..])).unwrap();
}

#[test]
fn check_accepts_only_what_builds() {
    let ws = common::workspace();
    let root = ws.path();
    let fonts = Arc::new(renja::pdf::Fonts::load(&root.join("fonts")).unwrap());
    let cases: u32 = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(24);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    let refused = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&edit(), |e| {
        let dir = root.join("edisi");
        let _ = std::fs::remove_dir_all(&dir);
        common::copy_dir(&root.join("content"), &dir);
        apply(&dir, &e);
        let (doc, diags) = renja::process(&dir);
        if diags.has_errors() {
            refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Refused: every error is located in a file of the edition.
            for d in diags.iter().filter(|d| d.severity == Severity::Error) {
                prop_assert!(dir.join(d.loc.file.as_ref()).exists(), "error not located in the edition: {d}");
            }
            return Ok(());
        }
        accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let doc = doc.ok_or_else(|| TestCaseError::fail("check passed but no document"))?;
        let assets = renja::pdf::Assets { layouts: root.join("layouts"), fonts: root.join("fonts") };
        let mut pdf_diags = renja::diag::Diagnostics::new();
        let pdf = renja::pdf::render_as(&doc, &dir, &assets, fonts.clone(), renja::pdf::Drawing::Print, &mut pdf_diags);
        let errors: Vec<String> = pdf_diags.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect();
        prop_assert!(pdf.is_some() && errors.is_empty(), "check passed, PDF failed:\n{}", errors.join("\n"));
        let docx = renja::docx::render(&doc, &dir);
        prop_assert!(docx.is_ok(), "check passed, DOCX failed: {:?}", docx.err());
        Ok(())
    });
    let (a, r) = (accepted.into_inner(), refused.into_inner());
    eprintln!("check_build: {a} editions accepted and built, {r} refused by check");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(a >= cases as usize / 4, "too few generated editions pass check ({a} of {}); the property tests little", a + r);
}

/// A Markdown pipe table (and a bullet list) in a chapter: `check` accepts it, and both the PDF
/// and the DOCX carry it as a table (before, any pipe table or bullet list broke every PDF build).
#[test]
fn pipe_tables_and_bullet_lists_build_in_pdf_and_docx() {
    let ws = common::workspace();
    let dir = ws.path().join("content");
    let p = dir.join("bab/04-penutup.md");
    let mut t = std::fs::read_to_string(&p).unwrap();
    t.push_str(
        "\nDaftar butir:\n\n- butir pertama\n- butir kedua\n  - butir bersarang\n\n\
         | Uraian | Jumlah | Ket |\n|---|---:|:---:|\n| Pelatihan kerja | 120 orang | **baik** |\n| Penempatan | 45 orang |\n| Baris pendek |\n",
    );
    std::fs::write(&p, t).unwrap();
    let check = common::renja(&["check", "content"], ws.path());
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let out = ws.path().join("out");
    let build = common::renja(&["build", "content", "-o", out.to_str().unwrap()], ws.path());
    assert_eq!(build.status.code(), Some(0), "build failed:\n{}", String::from_utf8_lossy(&build.stderr));
    let pdf = out.join(format!("{}.pdf", common::SLUG));
    let text = common::tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    for needle in ["butir pertama", "butir bersarang", "Uraian", "Pelatihan kerja", "120 orang", "Baris pendek"] {
        assert!(text.contains(needle), "PDF lacks {needle:?}");
    }
    // The table's cells on one line, in column order.
    assert!(text.lines().any(|l| l.contains("Pelatihan kerja") && l.contains("120 orang") && l.contains("baik")), "not a table row in the PDF");

    let docx = std::fs::File::open(out.join(format!("{}.docx", common::SLUG))).unwrap();
    let mut zip = zip::ZipArchive::new(docx).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    let table = xml
        .split("<w:tbl>")
        .skip(1)
        .map(|t| t.split("</w:tbl>").next().unwrap())
        .find(|t| t.contains("Pelatihan kerja"))
        .expect("a DOCX table holding the pipe table");
    assert!(table.contains("120 orang") && table.contains("Baris pendek"), "cells missing from the DOCX table");
    let rows: Vec<&str> = table.split("</w:tr>").filter(|r| r.contains("<w:tc>")).collect();
    assert_eq!(rows.len(), 4, "header and three rows");
    for r in &rows {
        assert_eq!(r.matches("<w:tc>").count(), 3, "every row fills the three columns: {r}");
    }
}

/// The offset of the first `pagu = ` line of a sub kegiatan row from `from` (in the sample it
/// follows the row's own `target = `; parent rows only have printed totals).
fn leaf_pagu(t: &str, from: usize) -> usize {
    let mut at = from;
    loop {
        let p = at + t[at..].find("\npagu = ").expect("a sub kegiatan pagu") + 1;
        let prev = t[..p - 1].rfind('\n').map_or(0, |i| i + 1);
        if t[prev..p].starts_with("target = ") {
            return p;
        }
        at = p;
    }
}

/// A layout failure that comes from the author's text is reported at that text's file and line,
/// never at renja's own files (`layouts/…`, `model.json`). The failing block is put into the
/// document directly, bypassing `check` (which refuses a character the fonts lack).
#[test]
fn layout_failure_is_located_in_the_authors_text() {
    use renja::document::{Blok, Inline};
    let ws = common::workspace();
    let dir = ws.path().join("content");
    let (doc, diags) = renja::process(&dir);
    assert!(!diags.has_errors());
    let mut doc = doc.unwrap();
    let ch = 2;
    let k = doc.bab[ch].blok.len() / 2;
    let line = doc.bab[ch].baris[k];
    doc.bab[ch].blok[k] = Blok::Paragraf { isi: vec![Inline::Teks { teks: "tanda \u{2023} tanpa glyph".into(), tebal: false, miring: false }] };
    let assets = renja::pdf::Assets { layouts: ws.path().join("layouts"), fonts: ws.path().join("fonts") };
    let fonts = Arc::new(renja::pdf::Fonts::load(&assets.fonts).unwrap());
    let mut d = renja::diag::Diagnostics::new();
    assert!(renja::pdf::render_as(&doc, &dir, &assets, fonts, renja::pdf::Drawing::Print, &mut d).is_none());
    let errors: Vec<_> = d.iter().filter(|x| x.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0];
    assert_eq!((e.loc.file.as_ref(), e.loc.line), (doc.bab[ch].sumber.as_str(), line), "{e}");
    assert!(e.detail.as_deref().is_some_and(|x| x.contains("could not be displayed")), "typst's words as the detail: {e}");
}
