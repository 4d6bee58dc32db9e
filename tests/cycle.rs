//! The yearly cycle, end to end: Renja murni n (the sample `contoh/murni/`, n = 2025) → archive →
//! `renja new --from ID --perubahan` (its Sebelum columns are the murni's values; `renja check`
//! compares them with the archived base) → the budget changes → archive → `renja new --from ID`
//! for n+1 (a murni whose T-C.29 takes year n's final figures from the archived Perubahan). Every
//! figure carried from one edition to the next is compared with the source edition's computed
//! model.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::copy_dir;

fn renja(arsip: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renja")).args(args).env("RENJA_ARSIP", arsip).current_dir(common::ROOT).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn export(arsip: &Path, dir: &Path) -> Value {
    let o = renja(arsip, &["export", "--json", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn check_ok(arsip: &Path, dir: &Path) -> String {
    let o = renja(arsip, &["check", dir.to_str().unwrap()]);
    let e = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{}: {e}", dir.display());
    e
}

fn add(arsip: &Path, dir: &Path) -> String {
    let o = renja(arsip, &["archive", "add", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout).trim().to_string()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains(from), "{file} contains {from}");
    std::fs::write(&p, s.replace(from, to)).unwrap();
}

/// Rows of a computed table by code.
fn rows<'a>(m: &'a Value, table: &str) -> BTreeMap<String, &'a Value> {
    m["data"][table]["baris"].as_array().unwrap().iter().map(|r| (r["kode"].as_str().unwrap().to_string(), r)).collect()
}

fn teks(v: &Value) -> Option<String> {
    v.get("teks").and_then(Value::as_str).map(str::to_string)
}

fn nilai(v: &Value) -> String {
    v["nilai"].as_str().unwrap().to_string()
}

/// The indicator target field of a Tabel 3.4 / T-C.33 row by its level.
fn target_key(r: &Value) -> Option<&'static str> {
    match r["tingkat"].as_str()? {
        "program" => Some("target_program"),
        "kegiatan" => Some("target_hasil"),
        "sub_kegiatan" => Some("target_keluaran"),
        _ => None,
    }
}

#[test]
fn murni_perubahan_next_murni() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");

    // ---- Renja murni 2025.
    let murni: PathBuf = tmp.path().join("murni-2025");
    copy_dir(&Path::new(common::ROOT).join("contoh/murni"), &murni);
    check_ok(&arsip, &murni);
    let m = export(&arsip, &murni);
    let id_murni = add(&arsip, &murni);
    assert!(id_murni.starts_with("2025-murni-r0-"), "{id_murni}");

    // ---- Perubahan 2025 from it.
    let per = tmp.path().join("perubahan-2025");
    let o = renja(&arsip, &["new", per.to_str().unwrap(), "--from", &id_murni, "--perubahan"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let e = std::fs::read_to_string(per.join("edisi.toml")).unwrap();
    assert!(e.contains("jenis = \"perubahan\"") && e.contains("revisi = 1") && e.contains(&format!("dasar = \"{id_murni}\"")), "{e}");
    // The narrative names murni-only totals; the author adapts it for the Perubahan.
    for f in ["bab/00-kata-pengantar.md", "bab/04-rencana.md"] {
        edit(&per, f, "rencana.total.pagu |", "rencana.total.pagu_sesudah |");
    }
    // The quarterly evaluation needs its realisasi (a missing leaf amount is an error): the author
    // adds those of one sub kegiatan, and writes an explicit 0 for the others.
    let f = per.join("data/evaluasi.toml");
    let s = std::fs::read_to_string(&f).unwrap();
    let marker = "# realisasi_k = …\n# realisasi_triwulan_rp = [triwulan I, triwulan II]\n";
    assert!(s.contains(marker), "{s}");
    let s = s.replacen(marker, "realisasi_k = 3\nrealisasi_triwulan_rp = [20000000, 30000000]\n", 1);
    std::fs::write(&f, s.replace(marker, "realisasi_k = 0\nrealisasi_triwulan_rp = [0, 0]\n")).unwrap();
    let warnings = check_ok(&arsip, &per);
    assert!(!warnings.contains("edisi dasar"), "{warnings}");
    let p = export(&arsip, &per);
    let (mr, pr) = (rows(&m, "rencana"), rows(&p, "rencana"));
    assert_eq!(mr.keys().collect::<Vec<_>>(), pr.keys().collect::<Vec<_>>(), "same program tree");
    let mut carried = 0;
    for (code, r) in &mr {
        let q = pr[code];
        // Pagu: Sebelum (and the starting Sesudah) = the murni's pagu, on every level (rolled up).
        assert_eq!(nilai(&q["pagu_sebelum"]), nilai(&r["pagu"]), "{code} pagu sebelum");
        assert_eq!(nilai(&q["pagu_sesudah"]), nilai(&r["pagu"]), "{code} pagu sesudah");
        assert_eq!(q["maju_pagu"], r["maju_pagu"], "{code} prakiraan maju");
        for key in ["target_program", "target_keluaran", "target_hasil"] {
            if let Some(t) = teks(&r[key]) {
                assert_eq!(teks(&q[key]["sebelum"]).as_deref(), Some(t.as_str()), "{code} {key} sebelum");
                carried += 1;
            }
        }
    }
    assert!(carried >= 15 * 3, "{carried} targets carried");
    // Tabel 2.1 (quarterly) of the Perubahan: target and pagu of 2025 = the murni's plan;
    // target and pagu of 2024 = what the murni's T-C.29 recorded for 2024 (column 9).
    let (me, pe) = (rows(&m, "evaluasi"), rows(&p, "evaluasi"));
    assert!(p["data"]["evaluasi"].get("bentuk").is_none(), "the quarterly form");
    for (code, r) in &mr {
        let Some(key) = target_key(r) else { continue };
        let q = pe.get(code).unwrap_or_else(|| panic!("{code} in the Perubahan's Tabel 2.1"));
        assert_eq!(teks(&q["target"]), teks(&r[key]), "{code} target {}", 2025);
        assert_eq!(nilai(&q["pagu"]), nilai(&r["pagu"]), "{code} pagu 2025");
        let b = me[code];
        assert_eq!(teks(&q["target_lalu"]), b["tc29"]["target_berjalan"].get("teks").and_then(Value::as_str).map(str::to_string), "{code} target 2024");
        assert_eq!(nilai(&q["pagu_lalu"]), nilai(&b["tc29"]["pagu_berjalan"]), "{code} pagu 2024");
    }
    // Tabel 3.1: target Renja (sebelum) = the murni's target.
    let mt: Vec<_> = m["data"]["tujuan_sasaran"]["baris"].as_array().unwrap().iter().map(|r| (r["indikator"].clone(), r["target_renja"].clone())).collect();
    let pt: Vec<_> = p["data"]["tujuan_sasaran"]["baris"].as_array().unwrap().iter().map(|r| (r["indikator"].clone(), r["target_renja"].clone())).collect();
    assert_eq!(mt, pt);

    // `renja check` compares the Sebelum columns with the archived base: a changed one is an error.
    edit(&per, "data/rencana.toml", "pagu_sebelum = 95000000\n", "pagu_sebelum = 96000000\n");
    let bad = renja(&arsip, &["check", per.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("pagu sebelum sub kegiatan 3.27.01.2.01.0001 berbeda dari edisi dasar") && text(&bad.stderr).contains("di sini 96.000.000, di edisi dasar 95.000.000"),
        "{}",
        text(&bad.stderr)
    );
    edit(&per, "data/rencana.toml", "pagu_sebelum = 96000000\n", "pagu_sebelum = 95000000\n");

    // The budget changes: two pagu and one target after the change.
    edit(&per, "data/rencana.toml", "pagu_sesudah = 95000000\n", "pagu_sesudah = 105000000\n");
    edit(&per, "data/rencana.toml", "pagu_sesudah = 2650000000\n", "pagu_sesudah = 2400000000\n");
    edit(&per, "data/rencana.toml", "target_keluaran = { sebelum = \"13 km\", sesudah = \"13 km\" }", "target_keluaran = { sebelum = \"13 km\", sesudah = \"12 km\" }");
    check_ok(&arsip, &per);
    let p = export(&arsip, &per);
    let pr = rows(&p, "rencana");
    assert_eq!(nilai(&pr["3.27.01"]["selisih"]), "10000000");
    assert_eq!(nilai(&pr["3.27.03"]["selisih"]), "-250000000");
    let id_per = add(&arsip, &per);
    assert!(id_per.starts_with("2025-perubahan-r1-"), "{id_per}");

    // ---- Renja murni 2026 from the archived Perubahan.
    let next = tmp.path().join("murni-2026");
    let o = renja(&arsip, &["new", next.to_str().unwrap(), "--from", &id_per]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let e = std::fs::read_to_string(next.join("edisi.toml")).unwrap();
    assert!(e.contains("tahun = 2026") && e.contains("jenis = \"murni\"") && !e.contains("revisi") && !e.contains("triwulan"), "{e}");
    for f in ["bab/00-kata-pengantar.md", "bab/04-rencana.md"] {
        edit(&next, f, "rencana.total.pagu_sesudah |", "rencana.total.pagu |");
    }
    // Where the author adds them: the realisasi of 2024 for one sub kegiatan.
    edit(&next, "data/evaluasi.toml", "kode = \"3.27.01.2.01.0001\"\nindikator = \"Jumlah dokumen perencanaan perangkat daerah\"\n", "kode = \"3.27.01.2.01.0001\"\nindikator = \"Jumlah dokumen perencanaan perangkat daerah\"\nrealisasi_k = 4\nrealisasi_rp = 72000000\n");
    // ...and an explicit 0 for the others (a missing leaf amount is an error).
    let f = next.join("data/evaluasi.toml");
    let s = std::fs::read_to_string(&f).unwrap();
    let blocks: Vec<String> = s
        .split("\n[[baris]]\n")
        .map(|b| if b.contains("\nrealisasi_rp = ") { b.to_string() } else { b.replace("# realisasi_rp = …\n", "realisasi_rp = 0\n") })
        .collect();
    std::fs::write(&f, blocks.join("\n[[baris]]\n")).unwrap();
    check_ok(&arsip, &next);
    let n = export(&arsip, &next);
    assert_eq!(n["edisi"]["tahun"], 2026);
    assert_eq!(n["data"]["evaluasi"]["bentuk"], "T-C.29");
    assert_eq!(n["data"]["evaluasi"]["tahun_evaluasi"], 2024);
    assert_eq!(n["data"]["rencana"]["tahun_maju"], 2027);
    let (nr, ne) = (rows(&n, "rencana"), rows(&n, "evaluasi"));
    let pe = rows(&p, "evaluasi");
    let mut carried = 0;
    for (code, q) in &pr {
        let r = nr[code];
        // T-C.33 of 2026 starts from the Perubahan's final plan (Sesudah).
        assert_eq!(nilai(&r["pagu"]), nilai(&q["pagu_sesudah"]), "{code} pagu 2026");
        for key in ["target_program", "target_keluaran", "target_hasil"] {
            assert_eq!(teks(&r[key]), teks(&q[key]["sesudah"]), "{code} {key}");
        }
        let Some(key) = target_key(q) else { continue };
        // T-C.29 column 9 (year n−1 = 2025) = the Perubahan's final target and pagu.
        let t = ne.get(code).unwrap_or_else(|| panic!("{code} in T-C.29"));
        assert_eq!(teks(&t["tc29"]["target_berjalan"]), teks(&q[key]["sesudah"]), "{code} target 2025");
        assert_eq!(nilai(&t["tc29"]["pagu_berjalan"]), nilai(&q["pagu_sesudah"]), "{code} pagu 2025");
        // Column 6 (year n−2 = 2024) = what the Perubahan recorded for 2024.
        assert_eq!(teks(&t["target"]), teks(&pe[code]["target_lalu"]), "{code} target 2024");
        assert_eq!(nilai(&t["pagu"]), nilai(&pe[code]["pagu_lalu"]), "{code} pagu 2024");
        carried += 1;
    }
    assert!(carried >= 15 + 9 + 4, "{carried}");
    // The changed figures arrived: 105.000.000 and 12 km, not the murni's 95.000.000 and 13 km.
    assert_eq!(nilai(&ne["3.27.01.2.01.0001"]["tc29"]["pagu_berjalan"]), "105000000");
    assert_eq!(teks(&ne["3.27.03.2.01.0001"]["tc29"]["target_berjalan"]).as_deref(), Some("12 km"));
    // The realisasi the author added is evaluated against the carried 2024 figures: 8 = 7 ÷ 6.
    let row = ne["3.27.01.2.01.0001"];
    assert_eq!(teks(&row["target"]).as_deref(), Some("5"));
    assert_eq!(row["capaian_k"]["teks"], "80,00");
    assert_eq!(row["capaian_rp"]["teks"], "80,00", "72.000.000 of 90.000.000");
    // Tables of 2026 name 2026 and 2027, T-C.29 2024.
    assert!(n["tabel"]["rencana"]["judul"].as_str().unwrap().contains("2026") && n["tabel"]["rencana"]["judul"].as_str().unwrap().contains("2027"));
    let b = renja(&arsip, &["build", next.to_str().unwrap(), "-o", tmp.path().join("out").to_str().unwrap()]);
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
}
