//! Bad input that concerns the kind of the edition (murni / Perubahan) and its years: fields of
//! the other kind or of the other evaluation form, `revisi` in a murni, evaluated years, Renstra
//! periods, prakiraan maju and table titles whose years do not fit the edition. Each case copies a
//! sample (the murni `contoh/murni/` or the Perubahan `content/`), makes one text edit, and asserts
//! that `renja check` exits 1 without a panic and prints `FILE:LINE:COL: error:` at exactly the
//! edited value, with a key phrase of the Indonesian message (and a hint where the kind has a
//! field of its own).

use std::path::Path;
use std::process::Command;

mod common;
use common::copy_dir;

struct Case {
    name: &'static str,
    /// "contoh/murni" or "content".
    base: &'static str,
    file: &'static str,
    /// `old` must occur exactly once; it becomes `new`. The error must point at the first
    /// occurrence of `at` inside `new`.
    old: &'static str,
    new: &'static str,
    at: &'static str,
    expect: &'static str,
    /// A phrase of the hint line that must follow, if any.
    hint: Option<&'static str>,
}

const M: &str = "contoh/murni";
const P: &str = "content";

fn cases() -> Vec<Case> {
    let c = |name, base, file, old, new, at, expect, hint| Case { name, base, file, old, new, at, expect, hint };
    vec![
        // ------------------------------------------------------------ murni: Perubahan-only fields
        c("murni_revisi", M, "edisi.toml", "jenis = \"murni\"\n", "jenis = \"murni\"\nrevisi = 1\n", "1", "revisi = 1 tidak berlaku untuk Renja murni", Some("hapus baris revisi")),
        c("murni_pagu_sebelum", M, "data/rencana.toml", "pagu = 95000000\n", "pagu_sebelum = 95000000\n", "95000000", "kolom 'pagu_sebelum' hanya untuk Perubahan Renja", Some("pagu = …")),
        c(
            "murni_target_sebelum_sesudah",
            M,
            "data/rencana.toml",
            "target_keluaran = \"5 dokumen\"\ntarget_hasil = \"100 persen\"\npagu = 95000000",
            "target_keluaran = { sebelum = \"5 dokumen\", sesudah = \"6 dokumen\" }\ntarget_hasil = \"100 persen\"\npagu = 95000000",
            "{",
            "target_keluaran berbentuk { sebelum, sesudah }, padahal edisi ini Renja murni",
            Some("tulis target_keluaran = \"…\""),
        ),
        c("murni_dinyatakan_selisih", M, "data/rencana.toml", "tahun_maju = 2026\n", "tahun_maju = 2026\n\n[dinyatakan]\nselisih = 5\n", "5", "dinyatakan.selisih hanya untuk Perubahan Renja", Some("dinyatakan.pagu")),
        c("murni_target_perubahan", M, "data/tujuan-sasaran.toml", "target_renja = 86\n", "target_renja = 86\ntarget_perubahan = 87\n", "87", "target_perubahan hanya untuk Perubahan Renja", Some("target_renja")),
        c("murni_realisasi_triwulan_ts", M, "data/tujuan-sasaran.toml", "target_renja = 50\n", "target_renja = 50\nrealisasi = 48\n", "48", "hanya untuk Perubahan Renja", Some("realisasi_capaian")),
        // ------------------------------------------------------------ murni: quarterly fields in T-C.29
        c("tc29_target_lalu", M, "data/evaluasi.toml", "target_berjalan = 74\n", "target_lalu = 74\n", "74", "kolom 'target_lalu' tidak berlaku pada bentuk evaluasi T-C.29", Some("target_berjalan")),
        c("tc29_realisasi_triwulan", M, "data/evaluasi.toml", "realisasi_rp = 81250000\n", "realisasi_triwulan_rp = [81250000]\n", "[", "kolom 'realisasi_triwulan_rp' tidak berlaku pada bentuk evaluasi T-C.29", Some("realisasi_rp")),
        c("tc29_triwulan_in_edisi", M, "edisi.toml", "jenis = \"murni\"\n", "jenis = \"murni\"\ntriwulan = 2\n", "2", "triwulan = 2 tidak berlaku", Some("bentuk = \"triwulan\"")),
        // ------------------------------------------------------------ murni: years
        c("tc29_tahun_evaluasi", M, "data/evaluasi.toml", "tahun_evaluasi = 2023", "tahun_evaluasi = 2025", "2025", "tahun_evaluasi 2025 tidak cocok: Renja tahun 2025 (T-C.29) mengevaluasi tahun 2023", Some("tahun_evaluasi = 2023")),
        c("renstra_tanpa_tahun_n", M, "data/tujuan-sasaran.toml", "tahun_renstra = [2023, 2024, 2025, 2026, 2027]", "tahun_renstra = [2026, 2027, 2028, 2029, 2030]", "[", "tidak memuat tahun edisi 2025", None),
        c("renstra_tidak_berurutan", M, "data/tujuan-sasaran.toml", "tahun_renstra = [2023, 2024, 2025, 2026, 2027]", "tahun_renstra = [2023, 2025, 2024, 2026, 2027]", "[", "tidak berurutan", None),
        c("murni_tahun_maju", M, "data/rencana.toml", "tahun_maju = 2026", "tahun_maju = 2027", "2027", "tahun_maju 2027 tidak cocok: prakiraan maju Renja tahun 2025 adalah untuk tahun 2026", Some("tahun_maju = 2026")),
        c(
            "murni_judul_evaluasi_tahun",
            M,
            "data/evaluasi.toml",
            "judul = \"Rekapitulasi Evaluasi Hasil Pelaksanaan Renja Dinas Contoh Pertanian dan Pangan s/d Tahun 2023\"",
            "judul = \"Rekapitulasi Evaluasi Hasil Pelaksanaan Renja Dinas Contoh Pertanian dan Pangan s/d Tahun 2021\"",
            "\"Rekap", "menyebut tahun 2021", Some("2022, 2023, 2024, 2025")),
        c(
            "murni_judul_rkpd_tahun",
            M,
            "data/rkpd.toml",
            "judul = \"Review terhadap Rancangan Awal RKPD Tahun 2025 Dinas Contoh Pertanian dan Pangan\"",
            "judul = \"Review terhadap Rancangan Awal RKPD Tahun 2024 Dinas Contoh Pertanian dan Pangan\"",
            "\"Review", "menyebut tahun 2024", Some("2025")),
        c("nomenklatur_sesudah_tahun", M, "edisi.toml", "tahun_nomenklatur = 2024", "tahun_nomenklatur = 2026", "2026", "tahun_nomenklatur 2026 sesudah tahun edisi 2025", None),
        c("tc30_realisasi_capaian_panjang", M, "data/tujuan-sasaran.toml", "realisasi_capaian = [81, 84]", "realisasi_capaian = [81]", "[", "realisasi_capaian berisi 1 nilai; yang diharapkan 2: tahun 2023 dan 2024", None),
        // ------------------------------------------------------------ Perubahan: murni-only fields
        c("perubahan_pagu", P, "data/rencana.toml", "pagu_sebelum = 97020000\n", "pagu = 97020000\n", "97020000", "kolom 'pagu' hanya untuk Renja murni", Some("pagu_sebelum = … dan pagu_sesudah = …")),
        c(
            "perubahan_target_satu",
            P,
            "data/rencana.toml",
            "target_keluaran = { sebelum = \"4 Dokumen\", sesudah = \"4 Dokumen\" }",
            "target_keluaran = \"4 Dokumen\"",
            "\"4",
            "target_keluaran berisi satu nilai, padahal Perubahan Renja mencatat nilai sebelum dan sesudah",
            Some("{ sebelum = \"…\", sesudah = \"…\" }"),
        ),
        c("perubahan_revisi_0", P, "edisi.toml", "revisi = 1\n", "revisi = 0\n", "0", "revisi 0 tidak sah untuk Perubahan Renja 2022", Some("revisi = 1")),
        c("perubahan_spm", P, "data/tujuan-sasaran.toml", "target_renja = \"30 C\"\n", "target_renja = \"30 C\"\nspm = \"-\"\n", "\"-\"", "kolom 'spm' hanya untuk Renja murni", None),
        c("triwulan_tahun_lalu", P, "data/evaluasi.toml", "tahun_lalu = 2021", "tahun_lalu = 2020", "2020", "tahun_lalu 2020 tidak cocok dengan edisi tahun 2022", Some("tahun_lalu = 2021")),
        c("triwulan_tahun_evaluasi", P, "data/evaluasi.toml", "tahun_lalu = 2021\n", "tahun_lalu = 2021\ntahun_evaluasi = 2020\n", "2020", "tahun_evaluasi 2020 tidak cocok", Some("tahun_evaluasi = 2022")),
    ]
    .into_iter()
    .chain(std::iter::once(Case {
        name: "triwulan_field_of_tc29",
        base: P,
        file: "data/evaluasi.toml",
        old: "realisasi_k = 40\n[baris.dinyatakan]\npagu_lalu = 74605602\npagu = 7599735517",
        new: "realisasi_k = 40\ntarget_berjalan = 70\n[baris.dinyatakan]\npagu_lalu = 74605602\npagu = 7599735517",
        at: "70",
        expect: "kolom 'target_berjalan' tidak berlaku pada bentuk evaluasi triwulan",
        hint: Some("target_lalu"),
    }))
    .collect()
}

/// 1-based line and column (in characters) of byte offset `pos` in `text`.
fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

fn run(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("edisi");
    copy_dir(&Path::new(common::ROOT).join(case.base), &dir);
    let path = dir.join(case.file);
    let text = std::fs::read_to_string(&path).unwrap();
    let n = text.matches(case.old).count();
    if n != 1 {
        return Err(format!("'{}' occurs {n} times in {}/{}", case.old, case.base, case.file));
    }
    let start = text.find(case.old).unwrap();
    let edited = text.replacen(case.old, case.new, 1);
    std::fs::write(&path, &edited).unwrap();
    let at = start + case.new.find(case.at).ok_or("`at` not in `new`")?;
    let (line, col) = line_col(&edited, at);
    let o = Command::new(env!("CARGO_BIN_EXE_renja")).args(["check", dir.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    if err.contains("panicked") || o.status.code() != Some(1) {
        return Err(format!("exit {:?}, stderr:\n{err}", o.status.code()));
    }
    let want = format!("{}:{line}:{col}: error: ", case.file);
    let lines: Vec<&str> = err.lines().collect();
    let Some(i) = lines.iter().position(|l| l.starts_with(&want) && l.contains(case.expect)) else {
        return Err(format!("no line `{want}…{}…` in:\n{err}", case.expect));
    };
    if let Some(h) = case.hint {
        let next = lines.get(i + 1).copied().unwrap_or("");
        if !(next.contains("hint") || next.contains("petunjuk") || next.trim_start().starts_with('=')) || !next.contains(h) {
            return Err(format!("hint containing '{h}' expected after `{}`, got `{next}`", lines[i]));
        }
    }
    if std::env::var("BAD_INPUT_SHOW").is_ok() {
        eprintln!("{}: {}", case.name, lines[i]);
    }
    Ok(())
}

#[test]
fn kind_and_year_mismatches_are_located_errors() {
    let cases = cases();
    assert!(cases.len() >= 15, "{} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err().map(|e| format!("{}: {e}", c.name))).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}
