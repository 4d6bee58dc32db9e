//! Excel in and out (issue 18): `renja impor` of SIPD-style workbooks generated with openpyxl
//! from the sample's own data, the malformed workbooks it must refuse, and `renja build --format
//! xlsx` recalculated by LibreOffice against renja's computed values.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const GEN: &str = "tests/support/xlsx_gen.py";
const CHECK: &str = "tests/support/xlsx_check.py";
const DATA: [&str; 3] = ["data/rencana.toml", "data/evaluasi.toml", "data/rkpd.toml"];

fn python(args: &[&str]) -> Output {
    Command::new("python3").args(args).current_dir(ROOT).output().expect("python3 (tests/run.sh installs it with openpyxl)")
}

fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed:\n{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The sample's model, written once for the generators.
fn model_file() -> &'static (tempfile::TempDir, PathBuf, Value) {
    static M: OnceLock<(tempfile::TempDir, PathBuf, Value)> = OnceLock::new();
    M.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let o = renja(&["export", "--json", "content"], Path::new(ROOT));
        ok(&o, "export");
        let p = dir.path().join("model.json");
        std::fs::write(&p, &o.stdout).unwrap();
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        (dir, p, v)
    })
}

/// The generated SIPD-style workbook of the sample.
fn sipd_workbook(dir: &Path) -> PathBuf {
    let (_, model, _) = model_file();
    let out = dir.join("sipd.xlsx");
    ok(&python(&[GEN, "sipd", model.to_str().unwrap(), out.to_str().unwrap()]), "xlsx_gen sipd");
    out
}

/// Drops every `[[baris]]` entry of a data file, keeping `[tabel]` and the header comments.
fn empty_table(path: &Path) {
    let t = std::fs::read_to_string(path).unwrap();
    let cut = t.find("\n[[baris]]").expect("file has rows");
    std::fs::write(path, &t[..cut + 1]).unwrap();
}

/// An absent performance value and an empty one (`""`) print the same; a workbook cell cannot
/// tell them apart, so the comparison treats `{"teks": ""}` as absent on both sides.
fn normalise(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let empty_nilai = m.len() == 1 && m.get("teks").is_some_and(|t| t == "");
            if empty_nilai {
                *v = Value::Null;
                return;
            }
            for (_, x) in m.iter_mut() {
                normalise(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalise),
        _ => {}
    }
}

fn impor(ws: &Path, args: &[&str]) -> Output {
    let mut all = vec!["impor", "content"];
    all.extend_from_slice(args);
    renja(&all, ws)
}

#[test]
#[cfg_attr(not(renja_tools = "openpyxl"), ignore = "needs openpyxl and msoffcrypto-tool (tests/run.sh installs them)")]
fn sipd_workbook_into_emptied_tables_rebuilds_the_sample_model() {
    common::require(&["openpyxl"]);
    let ws = workspace();
    let book = sipd_workbook(ws.path());
    let c = ws.path().join("content");
    for f in DATA {
        empty_table(&c.join(f));
    }
    let emptied: Vec<Vec<u8>> = DATA.iter().map(|f| std::fs::read(c.join(f)).unwrap()).collect();
    let b = book.to_str().unwrap();
    // Dry run: a report, nothing written.
    for (sheet, target) in [("Renja", "rencana"), ("Evaluasi", "evaluasi"), ("RKPD", "rkpd")] {
        let o = impor(ws.path(), &[b, "--lembar", sheet]);
        ok(&o, &format!("impor dry run {sheet}"));
        let out = text(&o);
        assert!(out.contains(&format!("impor ke data/{target}.toml")), "{out}");
        assert!(out.contains(": ditambahkan"), "{out}");
        assert!(out.contains(" 0 ditolak"), "{out}");
        assert!(out.contains("uji coba: tidak ada yang ditulis"), "{out}");
    }
    for (f, before) in DATA.iter().zip(&emptied) {
        assert_eq!(&std::fs::read(c.join(f)).unwrap(), before, "{f} changed by a dry run");
    }
    // The split code columns of the RKPD sheet, the TOTAL and OPD rows are understood.
    let o = impor(ws.path(), &[b, "--lembar", "RKPD"]);
    let out = text(&o);
    assert!(out.contains("A=kode.urusan") && out.contains("E=kode.sub_kegiatan"), "{out}");
    assert!(out.contains("dilewati: baris ringkasan 'total'"), "{out}");
    let o = impor(ws.path(), &[b, "--lembar", "Evaluasi"]);
    assert!(text(&o).contains("dilewati: baris perangkat daerah"), "{}", text(&o));
    // Write all three.
    for sheet in ["Renja", "Evaluasi", "RKPD"] {
        let o = impor(ws.path(), &[b, "--lembar", sheet, "--tulis"]);
        ok(&o, &format!("impor --tulis {sheet}"));
        assert!(text(&o).contains("ditulis"), "{}", text(&o));
    }
    let o = renja(&["check", "content"], ws.path());
    ok(&o, "check after import");
    let o = renja(&["export", "--json", "content"], ws.path());
    ok(&o, "export after import");
    let mut got: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut want = model_file().2.clone();
    normalise(&mut got);
    normalise(&mut want);
    for t in ["rencana", "evaluasi", "rkpd"] {
        let (g, w) = (&got["data"][t], &want["data"][t]);
        assert_eq!(g["baris"].as_array().unwrap().len(), w["baris"].as_array().unwrap().len(), "{t} rows");
        for (a, b) in g["baris"].as_array().unwrap().iter().zip(w["baris"].as_array().unwrap()) {
            assert_eq!(a, b, "{t} row {}", b["kode"]);
        }
        assert_eq!(g, w, "{t}");
    }
    assert_eq!(got["data"], want["data"], "computed model");
    assert_eq!(got["tabel"], want["tabel"], "placed tables");
    // A second import changes nothing.
    let o = impor(ws.path(), &[b, "--lembar", "Renja", "--tulis"]);
    ok(&o, "second impor");
    let out = text(&o);
    assert!(out.contains(" 0 ditambahkan, 0 diubah,") && out.contains("tidak ada perubahan"), "{out}");
}

#[test]
#[cfg_attr(not(renja_tools = "openpyxl"), ignore = "needs openpyxl and msoffcrypto-tool (tests/run.sh installs them)")]
fn changed_amount_is_reported_and_written_keeping_comments() {
    common::require(&["openpyxl"]);
    let ws = workspace();
    let book = sipd_workbook(ws.path());
    // The planner changes one pagu in the workbook, as text.
    let code = r#"
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Renja"]
for r in range(1, ws.max_row + 1):
    if ws.cell(row=r, column=1).value == "2.07.01.2.01.0001":
        ws.cell(row=r, column=14, value="Rp 123.456.789,00")
wb.save(sys.argv[1])
"#;
    ok(&python(&["-c", code, book.to_str().unwrap()]), "edit workbook");
    let file = ws.path().join("content/data/rencana.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let o = impor(ws.path(), &[book.to_str().unwrap(), "--tabel", "rencana"]);
    ok(&o, "dry run");
    let out = text(&o);
    assert!(out.contains("Renja!A"), "{out}");
    assert!(out.contains("2.07.01.2.01.0001: diubah\n    pagu_sesudah: 97.020.000 → 123.456.789"), "{out}");
    assert!(out.contains("1 diubah"), "{out}");
    assert!(out.contains(": tidak berubah"), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before, "dry run wrote");
    let o = impor(ws.path(), &[book.to_str().unwrap(), "--tabel", "rencana", "--tulis"]);
    ok(&o, "impor --tulis");
    let after = std::fs::read_to_string(&file).unwrap();
    // Every line of the file stays (comments, order, other rows) but the one value; the rows
    // the file did not have (urusan 3 is only implied there) are appended at the end.
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert!(a.len() > b.len(), "no row appended");
    let diff: Vec<(&&str, &&str)> = b.iter().zip(&a).filter(|(x, y)| x != y).collect();
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert_eq!(*diff[0].1, "pagu_sesudah = 123456789", "{diff:?}");
    assert_eq!(a[b.len()..].join("\n").trim(), "[[baris]]\nkode = \"3\"", "appended: {:?}", &a[b.len()..]);
    assert!(out.contains(": 3: ditambahkan"), "{out}");
    assert!(!ws.path().join("content/data").read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp")));
    let o = renja(&["check", "content"], ws.path());
    ok(&o, "check after the change");
}

/// Every malformed workbook: exit 1, a located message naming the problem, nothing written.
#[test]
#[cfg_attr(not(renja_tools = "openpyxl"), ignore = "needs openpyxl and msoffcrypto-tool (tests/run.sh installs them)")]
fn malformed_workbooks_are_refused_with_a_located_message_and_nothing_written() {
    common::require(&["openpyxl"]);
    let ws = workspace();
    let (_, model, _) = model_file();
    let bad = ws.path().join("bad");
    ok(&python(&[GEN, "bad", model.to_str().unwrap(), bad.to_str().unwrap()]), "xlsx_gen bad");
    let c = ws.path().join("content");
    let snapshot = || -> Vec<Vec<u8>> { DATA.iter().map(|f| std::fs::read(c.join(f)).unwrap()).collect() };
    let before = snapshot();
    // (file, what the message must say, where it must point)
    let cases: &[(&str, &str, &str)] = &[
        ("kolom_hilang.xlsx", "kolom wajib 'pagu › sesudah'", "Renja!A4"),
        ("teks_di_pagu.xlsx", "angka rupiah 'seratus ribu' tidak sah", "Renja!N"),
        ("kode_rusak.xlsx", "kode '2.07.x1.2.01.0001' tidak sah", "Renja!A"),
        ("kepala_berbeda.xlsx", "baris kepala berulang tidak sama", "Renja!F"),
        ("lembar_tersembunyi.xlsx", "lembar tersembunyi 'Renja'", "Renja!A4"),
        ("baris_20000.xlsx", "lebih dari 10.000 baris data", "Renja!A10008"),
        ("kosong.xlsx", "berkas kosong (0 byte)", "kosong.xlsx"),
        ("bukan_zip.xlsx", "bukan buku kerja", "bukan_zip.xlsx"),
        ("sandi.xlsx", "dilindungi kata sandi", "sandi.xlsx"),
        ("pagu_negatif.xlsx", "jumlah negatif", "Renja!M"),
        ("pagu_bersen.xlsx", "memiliki sen", "Renja!N"),
        ("kode_tak_terdaftar.xlsx", "tidak terdaftar di data/nomenklatur.toml", "Renja!A"),
        ("kode_ganda.xlsx", "muncul dua kali", "Renja!A"),
        ("kolom_ganda.xlsx", "sama-sama dikenali sebagai 'pagu_sesudah'", "Renja!O4"),
        ("galat_excel.xlsx", "galat Excel", "Renja!N"),
        ("tanpa_kepala.xlsx", "tidak ada lembar berkepala tabel", "tanpa_kepala.xlsx"),
        ("zip_lain.xlsx", "tidak dapat dibaca", "zip_lain.xlsx"),
        ("terpotong.xlsx", "tidak dapat dibaca", "terpotong.xlsx"),
        ("kode_kosong.xlsx", "kode kosong", "Renja!A"),
        ("target_rusak.xlsx", "angka '62.5 persen' tidak sah", "Renja!H"),
        ("kode_angka.xlsx", "kode ditulis sebagai angka", "Renja!A"),
    ];
    assert!(cases.len() >= 15);
    for (file, what, at) in cases {
        let path = bad.join(file);
        assert!(path.is_file(), "{file} not generated");
        let t0 = std::time::Instant::now();
        let o = impor(ws.path(), &[path.to_str().unwrap(), "--tulis"]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: exit {:?}\n{out}", o.status.code());
        assert!(out.contains(what), "{file}: expected «{what}» in\n{out}");
        assert!(out.contains(at), "{file}: expected the location «{at}» in\n{out}");
        assert!(out.contains("tidak ada yang ditulis"), "{file}: {out}");
        assert!(!out.contains("panicked"), "{file}: {out}");
        assert_eq!(snapshot(), before, "{file}: a data file changed");
        assert!(t0.elapsed().as_secs() < 30, "{file}: took {:?}", t0.elapsed());
    }
    // The hidden sheet is imported when asked for by name.
    let o = impor(ws.path(), &[bad.join("lembar_tersembunyi.xlsx").to_str().unwrap(), "--lembar", "Renja"]);
    ok(&o, "explicit hidden sheet");
}

#[test]
#[cfg_attr(not(renja_tools = "openpyxl"), ignore = "needs openpyxl and msoffcrypto-tool (tests/run.sh installs them)")]
fn mapping_file_reads_an_unknown_layout() {
    common::require(&["openpyxl"]);
    let ws = workspace();
    let book = ws.path().join("lain.xlsx");
    let code = r#"
import openpyxl, sys
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Anggaran"
ws.append(["No", "Nomor Rekening", "Nama", "Anggaran Murni", "Anggaran Perubahan"])
ws.append([1, "2.07.01.2.01.0001", "Penyusunan Dokumen", 97020000, "Rp 99.000.000"])
wb.save(sys.argv[1])
"#;
    ok(&python(&["-c", code, book.to_str().unwrap()]), "make workbook");
    // Without a mapping the layout is not recognised.
    let o = impor(ws.path(), &[book.to_str().unwrap(), "--tabel", "rencana"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let peta = ws.path().join("peta.toml");
    std::fs::write(
        &peta,
        "tabel = \"rencana\"\nlembar = \"Anggaran\"\nbaris_kepala = 1\n[kolom]\nkode = \"B\"\npagu_sebelum = \"Anggaran Murni\"\npagu_sesudah = \"E\"\n",
    )
    .unwrap();
    let o = impor(ws.path(), &[book.to_str().unwrap(), "--peta", peta.to_str().unwrap()]);
    ok(&o, "impor with mapping file");
    let out = text(&o);
    assert!(out.contains("B=kode, D=pagu_sebelum, E=pagu_sesudah"), "{out}");
    assert!(out.contains("pagu_sesudah: 97.020.000 → 99.000.000"), "{out}");
    // A typo in the mapping file is located.
    std::fs::write(&peta, "tabel = \"rencana\"\n[kolom]\npagu_sesuda = \"E\"\n").unwrap();
    let o = impor(ws.path(), &[book.to_str().unwrap(), "--peta", peta.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("kolom 'pagu_sesuda' tidak dikenal"), "{}", text(&o));
}

fn build_xlsx(ws: &Path) -> PathBuf {
    let o = renja(&["build", "content", "-o", "out", "--format", "xlsx"], ws);
    ok(&o, "build --format xlsx");
    let p = ws.join("out").join(format!("{SLUG}.xlsx"));
    assert!(p.is_file());
    p
}

/// `book` without its cached results, recalculated by LibreOffice, compared with the cached values
/// and with the model in `model` (xlsx_check.py compare); returns the checker's summary line.
fn recalculated_by_libreoffice(ws: &Path, book: &Path, model: &Path) -> String {
    // Without the cached results LibreOffice must compute every formula itself.
    let bare = ws.join("bare").join("tabel.xlsx");
    std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
    ok(&python(&[CHECK, "strip", book.to_str().unwrap(), bare.to_str().unwrap()]), "strip cached values");
    let profile = ws.join("lo-profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    let outdir = ws.join("recalc");
    let env = format!("-env:UserInstallation=file://{}", profile.display());
    let o = Command::new("soffice")
        .args([env.as_str(), "--headless", "--calc", "--convert-to", "xlsx", "--outdir", outdir.to_str().unwrap(), bare.to_str().unwrap()])
        .output()
        .expect("soffice");
    let recalc = outdir.join("tabel.xlsx");
    assert!(o.status.success() && recalc.is_file(), "soffice: {}", text(&o));
    let o = python(&[CHECK, "compare", book.to_str().unwrap(), recalc.to_str().unwrap(), model.to_str().unwrap()]);
    ok(&o, "recalculated values");
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn formula_count(summary: &str) -> usize {
    summary.split("formula: ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap()
}

#[test]
#[cfg_attr(not(all(renja_tools = "openpyxl", renja_tools = "libreoffice")), ignore = "needs openpyxl, msoffcrypto-tool and LibreOffice (tests/run.sh installs them)")]
fn xlsx_export_recalculated_by_libreoffice_equals_renjas_values() {
    common::require(&["openpyxl", "libreoffice"]);
    let ws = workspace();
    let book = build_xlsx(ws.path());
    let (_, model, _) = model_file();
    let out = recalculated_by_libreoffice(ws.path(), &book, model);
    let n = formula_count(&out);
    assert!(n > 500, "only {n} formula cells: {out}");
    for sheet in ["Tabel 2.1", "Tabel 2.2", "Tabel 3.1", "Tabel 3.2", "Tabel 3.4"] {
        assert!(out.contains(sheet), "openpyxl did not read {sheet}: {out}");
    }
}

/// The murni sample's T-C.29 and T-C.33 sheets: sums, tingkat realisasi (8), realisasi capaian
/// (10) and tingkat capaian (11) as formulas that LibreOffice recalculates to renja's values.
#[test]
#[cfg_attr(not(all(renja_tools = "openpyxl", renja_tools = "libreoffice")), ignore = "needs openpyxl, msoffcrypto-tool and LibreOffice (tests/run.sh installs them)")]
fn murni_xlsx_export_recalculated_by_libreoffice_equals_renjas_values() {
    common::require(&["openpyxl", "libreoffice"]);
    let ws = tempfile::tempdir().unwrap();
    let murni = Path::new(ROOT).join("contoh/murni");
    let o = renja(&["build", murni.to_str().unwrap(), "-o", "out", "--format", "xlsx"], ws.path());
    ok(&o, "build --format xlsx (murni)");
    let book = std::fs::read_dir(ws.path().join("out")).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "xlsx")).expect("the workbook");
    let o = renja(&["export", "--json", murni.to_str().unwrap()], ws.path());
    ok(&o, "export (murni)");
    let model = ws.path().join("model.json");
    std::fs::write(&model, &o.stdout).unwrap();
    let out = recalculated_by_libreoffice(ws.path(), &book, &model);
    let n = formula_count(&out);
    assert!(n > 200, "only {n} formula cells: {out}");
}

#[test]
#[cfg_attr(not(renja_tools = "openpyxl"), ignore = "needs openpyxl and msoffcrypto-tool (tests/run.sh installs them)")]
fn xlsx_export_is_formatted_like_the_document_and_reproducible() {
    common::require(&["openpyxl"]);
    let ws = workspace();
    let book = build_xlsx(ws.path());
    let first = std::fs::read(&book).unwrap();
    let code = r#"
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Tabel 3.4"]
print("freeze", ws.freeze_panes)
print("merged", len(ws.merged_cells.ranges))
print("width", round(ws.column_dimensions["B"].width))
seen = False
for row in ws.iter_rows():
    for c in row:
        if c.value == "TOTAL":
            print("total", c.row, c.font.b, c.fill.fgColor.rgb)
        if c.value == "2.07.01":
            print("program bold", c.font.b)
        if c.value == "Kode":
            print("header", c.row)
    if isinstance(row[12].value, str) and row[12].value.startswith("=SUM") and not seen:
        print("numfmt", row[12].number_format)
        seen = True
"#;
    let o = python(&["-c", code, book.to_str().unwrap()]);
    ok(&o, "openpyxl inspect");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("freeze A7"), "{out}");
    assert!(out.contains("header 3"), "{out}");
    assert!(out.contains("program bold True"), "{out}");
    assert!(out.contains("numfmt #,##0"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("total ") && l.contains("True") && l.ends_with("E7E6E6")), "{out}");
    let merged: usize = out.lines().find_map(|l| l.strip_prefix("merged ")).unwrap().parse().unwrap();
    assert!(merged >= 10, "{out}");
    // Built again: byte-identical.
    let again = build_xlsx(ws.path());
    assert_eq!(std::fs::read(again).unwrap(), first, "xlsx export not reproducible");
}
