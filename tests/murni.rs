//! The murni sample (`contoh/murni/`, a fictional agency): it checks clean, every computed cell of
//! T-C.29 and T-C.33 equals an independent computation from the leaf rows of its TOML sources, and
//! its PDF and DOCX say nothing of a Perubahan, have no Sebelum/Sesudah columns, and carry the
//! years n, n−1, n−2, n−3, n+1 of the domain guide in the table headers.

use rust_decimal::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{require_tools, squash, tool};

const N: i32 = 2025;
const SLUG: &str = "renja-murni-2025-dcpp-contoh-raya";

fn sample() -> PathBuf {
    Path::new(common::ROOT).join("contoh/murni")
}

fn renja(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_renja")).args(args).current_dir(common::ROOT).output().unwrap()
}

fn model() -> Value {
    let o = renja(&["export", "--json", sample().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn source(file: &str) -> toml::Value {
    toml::from_str(&std::fs::read_to_string(sample().join(file)).unwrap()).unwrap()
}

/// Indonesian grouping of an integer amount: 6.110.500.000.
fn rp(d: Decimal) -> String {
    let s = d.round().abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if d.is_sign_negative() && !d.is_zero() { format!("-{out}") } else { out }
}

/// A percentage with two decimals, half away from zero, decimal comma.
fn pct(d: Decimal) -> String {
    let r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let s = format!("{r:.2}");
    let (int, frac) = s.split_once('.').unwrap();
    format!("{},{frac}", rp(Decimal::from_str(int).unwrap()))
}

fn num(v: Option<&toml::Value>) -> Option<Decimal> {
    match v? {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        toml::Value::Float(f) => Decimal::from_f64(*f),
        _ => None,
    }
}

/// Sum of a leaf field over the rows at or below `code`.
fn sum_below(rows: &[toml::Value], code: &str, field: &str) -> Decimal {
    rows.iter()
        .filter(|r| {
            let k = r["kode"].as_str().unwrap();
            k.split('.').count() == 6 && (k == code || k.starts_with(&format!("{code}.")))
        })
        .filter_map(|r| num(r.get(field)))
        .sum()
}

fn cell(row: &Value, i: usize) -> String {
    row["sel"][i]["teks"].as_str().unwrap().to_string()
}

#[test]
fn murni_sample_checks_clean() {
    let o = renja(&["check", sample().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("error:"), "{err}");
    let m = model();
    assert_eq!(m["edisi"]["jenis"], "murni");
    // The sample's size: at least 3 programs, 8 kegiatan, 15 sub kegiatan in T-C.33.
    let count = |t: &str| m["data"]["rencana"]["baris"].as_array().unwrap().iter().filter(|r| r["tingkat"] == t).count();
    assert!(count("program") >= 3 && count("kegiatan") >= 8 && count("sub_kegiatan") >= 15);
    // Every murni table is there and filled.
    for id in ["evaluasi", "kinerja", "rkpd", "usulan", "rumusan", "rencana"] {
        let rows = m["tabel"][id]["baris"].as_array().unwrap_or_else(|| panic!("table {id}"));
        assert!(rows.len() >= 3, "{id}");
    }
}

#[test]
fn tc29_cells_equal_an_independent_computation() {
    let m = model();
    let src = source("data/evaluasi.toml");
    let rows = src["baris"].as_array().unwrap().clone();
    let by_code: BTreeMap<String, &toml::Value> = rows.iter().map(|r| (r["kode"].as_str().unwrap().to_string(), r)).collect();
    let table = m["tabel"]["evaluasi"]["baris"].as_array().unwrap();
    let data = m["data"]["evaluasi"]["baris"].as_array().unwrap();
    assert_eq!(table.len(), data.len() + 2, "OPD row, rows, average row");
    let hundred = Decimal::ONE_HUNDRED;
    let mut checked = 0;
    for (i, d) in data.iter().enumerate() {
        let code = d["kode"].as_str().unwrap();
        let t = &table[i + 1];
        assert_eq!(cell(t, 0), code);
        // Rupiah columns: pagu (6), realisasi (7), pagu of year n−1 (9), rolled up from the leaves.
        let pagu = sum_below(&rows, code, "pagu");
        let real = sum_below(&rows, code, "realisasi_rp");
        let berjalan = sum_below(&rows, code, "pagu_berjalan");
        assert_eq!(cell(t, 6), rp(pagu), "{code} pagu");
        assert_eq!(cell(t, 8), rp(real), "{code} realisasi");
        assert_eq!(cell(t, 12), rp(berjalan), "{code} pagu tahun berjalan");
        assert_eq!(cell(t, 10), if pagu.is_zero() { "-".into() } else { pct(real / pagu * hundred) }, "{code} 8 (Rp)");
        // K: 8 = 7 ÷ 6, 10 = 5 + 7 + 9, 11 = 10 ÷ 4 — each row its own indicator.
        if let Some(r) = by_code.get(code) {
            let (t4, r5, t6, r7, t9) = (num(r.get("target_renstra")).unwrap(), num(r.get("realisasi_renstra")).unwrap(), num(r.get("target")).unwrap(), num(r.get("realisasi_k")).unwrap(), num(r.get("target_berjalan")).unwrap());
            assert_eq!(cell(t, 9), pct(r7 / t6 * hundred), "{code} 8 = 7 ÷ 6");
            let ten = r5 + r7 + t9;
            assert!(cell(t, 13).starts_with(&rp(ten)), "{code} 10 = 5 + 7 + 9: {} vs {}", cell(t, 13), rp(ten));
            assert_eq!(cell(t, 14), pct(ten / t4 * hundred), "{code} 11 = 10 ÷ 4");
            checked += 1;
        }
    }
    assert!(checked >= 15 + 8 + 3, "{checked} rows with indicators");
    // The OPD row: totals over every leaf.
    let opd = &table[0];
    let all = |f: &str| rows.iter().filter(|r| r["kode"].as_str().unwrap().split('.').count() == 6).filter_map(|r| num(r.get(f))).sum::<Decimal>();
    assert_eq!(cell(opd, 6), rp(all("pagu")));
    assert_eq!(cell(opd, 8), rp(all("realisasi_rp")));
    assert_eq!(cell(opd, 12), rp(all("pagu_berjalan")));
    // The average row: mean of the sub kegiatan's 7 ÷ 6.
    let subs: Vec<Decimal> = rows.iter().filter(|r| r["kode"].as_str().unwrap().split('.').count() == 6).map(|r| num(r.get("realisasi_k")).unwrap() / num(r.get("target")).unwrap() * hundred).collect();
    let mean = subs.iter().copied().sum::<Decimal>() / Decimal::from(subs.len());
    assert_eq!(cell(table.last().unwrap(), 1), pct(mean));
}

#[test]
fn tc33_cells_equal_an_independent_computation() {
    let m = model();
    let src = source("data/rencana.toml");
    let rows: Vec<toml::Value> = src["baris"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            // Flatten `maju.pagu` to a field for the sum.
            let mut r = r.clone();
            if let Some(p) = r.get("maju").and_then(|x| x.get("pagu")).cloned() {
                r.as_table_mut().unwrap().insert("maju_pagu".into(), p);
            }
            r
        })
        .collect();
    let table = m["tabel"]["rencana"]["baris"].as_array().unwrap();
    let data = m["data"]["rencana"]["baris"].as_array().unwrap();
    assert_eq!(table.len(), data.len() + 1);
    // Parent rows omitted in the sources are generated: urusan 3 and bidang 3.27 appear.
    assert_eq!(cell(&table[0], 0), "3");
    assert_eq!(cell(&table[1], 0), "3.27");
    for (i, d) in data.iter().enumerate() {
        let code = d["kode"].as_str().unwrap();
        let t = &table[i];
        assert_eq!(cell(t, 9), rp(sum_below(&rows, code, "pagu")), "{code} pagu");
        assert_eq!(cell(t, 14), rp(sum_below(&rows, code, "maju_pagu")), "{code} prakiraan maju");
        // One value per cell: the target as written.
        if let Some(src_row) = rows.iter().find(|r| r["kode"].as_str() == Some(code)) {
            if let Some(k) = src_row.get("target_keluaran") {
                assert_eq!(cell(t, 7), k.as_str().unwrap(), "{code}");
            }
        }
    }
    let total = table.last().unwrap();
    assert_eq!(cell(total, 0), "TOTAL");
    let leaves = |f: &str| rows.iter().filter(|r| r["kode"].as_str().unwrap().split('.').count() == 6).filter_map(|r| num(r.get(f))).sum::<Decimal>();
    assert_eq!(cell(total, 1), rp(leaves("pagu")));
    assert_eq!(cell(total, 3), rp(leaves("maju_pagu")));
    assert_eq!(m["data"]["rencana"]["total"]["pagu"]["nilai"], leaves("pagu").to_string());
    assert!(m["data"]["rencana"]["total"].get("pagu_sebelum").is_none(), "no before/after in a murni");
}

/// The header texts of every table.
fn headers(m: &Value) -> BTreeMap<String, Vec<String>> {
    m["tabel"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, t)| (id.clone(), t["kepala"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|c| c["teks"].as_str().unwrap().to_string())).collect()))
        .collect()
}

#[test]
fn headers_carry_the_years_of_the_domain_guide() {
    let m = model();
    let h = headers(&m);
    let has = |id: &str, t: &str| assert!(h[id].iter().any(|x| x == t), "table {id} lacks header '{t}': {:?}", h[id]);
    // T-C.29: evaluates n−2, Renstra realisasi to n−3, target of n−1, attainment to n−1.
    has("evaluasi", &format!("Target dan Realisasi Kinerja Tahun {}", N - 2));
    has("evaluasi", &format!("Realisasi Target Kinerja s/d Tahun {}", N - 3));
    has("evaluasi", &format!("Target Renja Tahun {}", N - 1));
    has("evaluasi", &format!("Perkiraan Realisasi Capaian Target Renstra s/d Tahun {}", N - 1));
    has("evaluasi", "Target Kinerja Capaian Renstra (Tahun 2027)");
    has("evaluasi", "8 = 7 ÷ 6");
    has("evaluasi", "10 = 5 + 7 + 9");
    has("evaluasi", "11 = 10 ÷ 4");
    // T-C.30: n−2 … n+1.
    for y in N - 2..=N + 1 {
        has("kinerja", &format!("Tahun {y}"));
    }
    has("rkpd", &format!("Rancangan Awal RKPD Tahun {N}"));
    has("rumusan", &format!("Target Tahun {N}"));
    has("rencana", &format!("Rencana Tahun {N}"));
    has("rencana", &format!("Prakiraan Maju Rencana Tahun {}", N + 1));
    // No header anywhere names another year, or a before/after column.
    for (id, texts) in &h {
        for t in texts {
            for y in (1990..2100).filter(|y| t.contains(&y.to_string())) {
                assert!((N - 3..=N + 2).contains(&y), "table {id} header '{t}' names {y}");
            }
            assert!(!t.contains("Sebelum") && !t.contains("Sesudah") && !t.contains("Perubahan") && !t.contains("Bertambah"), "{id}: {t}");
        }
    }
}

#[test]
fn pdf_and_docx_of_the_murni() {
    if !require_tools(&["pdftotext"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = renja(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join(format!("{SLUG}.pdf"));
    let text = tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    // DOCX text: every w:t of the main part.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.join(format!("{SLUG}.docx"))).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    let mut docx = String::new();
    let mut rest = xml.as_str();
    while let Some(p) = rest.find("<w:t") {
        rest = &rest[p..];
        let open_end = rest.find('>').unwrap();
        let close = rest.find("</w:t>").unwrap_or(open_end + 1);
        if close > open_end && !rest[..open_end].ends_with('/') {
            docx.push_str(&rest[open_end + 1..close]);
        }
        docx.push(' ');
        rest = &rest[open_end + 1..];
    }
    for (what, t) in [("PDF", &text), ("DOCX", &docx)] {
        for word in ["Perubahan", "PERUBAHAN", "Sebelum", "Sesudah", "Bertambah"] {
            assert!(!t.contains(word), "{what} contains '{word}'");
        }
        let s = squash(t);
        for header in [
            format!("Target dan Realisasi Kinerja Tahun {}", N - 2),
            format!("Target Renja Tahun {}", N - 1),
            format!("Rencana Tahun {N}"),
            format!("Prakiraan Maju Rencana Tahun {}", N + 1),
            format!("Rancangan Awal RKPD Tahun {N}"),
            "TOTAL".to_string(),
        ] {
            assert!(s.contains(&squash(&header)), "{what} lacks '{header}'");
        }
    }
}

#[test]
fn init_skeletons_check_and_build() {
    let tmp = tempfile::tempdir().unwrap();
    for (jenis, slug, forbidden) in [("murni", "renja-murni-2026-dinas-contoh-contoh", Some("Perubahan")), ("perubahan", "renja-perubahan-2026-dinas-contoh-contoh", None)] {
        let dir = tmp.path().join(jenis);
        let o = renja(&["init", dir.to_str().unwrap(), "--jenis", jenis, "--tahun", "2026"]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        for f in ["edisi.toml", "data/nomenklatur.toml", "data/evaluasi.toml", "data/tujuan-sasaran.toml", "data/rkpd.toml", "data/rencana.toml", "data/usulan.toml", "data/landasan-hukum.toml", "data/organisasi.toml"] {
            assert!(dir.join(f).is_file(), "{jenis}: {f}");
        }
        let c = renja(&["check", dir.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&c.stderr);
        assert_eq!(c.status.code(), Some(0), "{jenis}: {err}");
        assert!(err.contains("tidak ada kesalahan"), "{jenis}: {err}");
        let m: Value = serde_json::from_slice(&renja(&["export", "--json", dir.to_str().unwrap()]).stdout).unwrap();
        assert_eq!(m["edisi"]["jenis"], jenis);
        assert_eq!(m["edisi"]["tahun"], 2026);
        if jenis == "murni" {
            assert_eq!(m["data"]["evaluasi"]["tahun_evaluasi"], 2024);
            assert_eq!(m["data"]["rencana"]["tahun_maju"], 2027);
        }
        let out = tmp.path().join(format!("out-{jenis}"));
        let b = renja(&["build", dir.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(b.status.code(), Some(0), "{jenis}: {}", String::from_utf8_lossy(&b.stderr));
        assert!(out.join(format!("{slug}.pdf")).metadata().unwrap().len() > 10_000);
        assert!(out.join(format!("{slug}.docx")).metadata().unwrap().len() > 5_000);
        if let Some(word) = forbidden {
            if require_tools(&["pdftotext"]) {
                let t = tool("pdftotext", &["-raw", out.join(format!("{slug}.pdf")).to_str().unwrap(), "-"]);
                assert!(!t.contains(word), "{jenis} PDF says {word}");
            }
        }
    }
    // An existing, non-empty folder is never overwritten.
    let again = renja(&["init", tmp.path().join("murni").to_str().unwrap(), "--jenis", "murni", "--tahun", "2026"]);
    assert_eq!(again.status.code(), Some(2));
}
