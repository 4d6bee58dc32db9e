//! The sample edition against the reference: `renja check content/` passes with the reference's
//! own inconsistencies as warnings, the totals renja computes equal sums done here independently
//! from the reference's leaf rows, every parent row equals the sum of its children, and the
//! summary paragraph after Tabel 2.1 quotes the computed values.

use serde_json::Value;
use std::process::Command;

fn renja(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_renja"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run renja")
}

fn model() -> Value {
    let out = renja(&["export", "--json", "content"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("export prints JSON")
}

fn int(v: &Value) -> i64 {
    v["nilai"].as_str().expect("nilai").parse().expect("whole rupiah")
}

/// Tabel 2.1 sub kegiatan as printed in the reference (code as printed, pagu 2022, realisasi s/d TW II).
const T21_LEAVES: [(&str, i64, i64); 42] = [
    ("2.07.001.2.01.0007", 4598000, 910000),
    ("2.07.001.2.01.001", 107105020, 36797400),
    ("2.07.001.2.01.006", 5500000, 4750000),
    ("2.07.001.2.02.001", 6311678020, 2907667435),
    ("2.07.001.2.02.002", 55000000, 23850000),
    ("2.07.001.2.06.001", 1919604, 0),
    ("2.07.001.2.06.002", 37516160, 38060550),
    ("2.07.001.2.06.004", 38500000, 17976900),
    ("2.07.001.2.06.005", 11364523, 5741800),
    ("2.07.001.2.06.009", 60500000, 55213600),
    ("2.07.001.2.08.001", 758670, 748000),
    ("2.07.001.2.08.002", 87595520, 31933793),
    ("2.07.001.2.08.004", 817200000, 381720000),
    ("2.07.001.2.09.002", 27500000, 19389520),
    ("2.07.001.2.09.006", 16500000, 6010000),
    ("2.07.001.2.09.009", 16500000, 0),
    ("2.07.002.2.01.002", 21002000, 0),
    ("2.07.003.2.01.001", 314526664, 0),
    ("2.07.003.2.02.001", 84881000, 29916200),
    ("2.07.003.2.03.001", 59659000, 31371000),
    ("2.07.003.2.04.001", 51834000, 31098800),
    ("2.07.003.2.05.001", 33261281, 18640000),
    ("2.07.004.2.01.002", 28082160, 17160000),
    ("2.07.004.2.01.003", 24636532, 10579436),
    ("2.07.004.2.01.005", 52197160, 1360000),
    ("2.07.004.2.02.002", 27231160, 0),
    ("2.07.004.2.03.001", 72658320, 34460800),
    ("2.07.004.2.03.002", 33731000, 0),
    ("2.07.004.2.05.001", 32569400, 12770000),
    ("2.07.005.2.01.001", 15121000, 7208000),
    ("2.07.005.2.01.002", 15271000, 10826000),
    ("2.07.005.2.01.003", 52020160, 1972630),
    ("2.07.005.2.02.001", 59955797, 18863400),
    ("2.07.005.2.02.002", 27794000, 15086106),
    ("2.07.005.2.02.003", 25050000, 4942000),
    ("2.07.005.2.02.004", 23040427, 0),
    ("3.32.002.2.01.001", 85000000, 9401272),
    ("3.32.002.2.01.002", 59832000, 14840000),
    ("3.32.003.2.01.001", 60000000, 24390000),
    ("3.32.003.2.01.002", 80000000, 21980000),
    ("3.32.004.2.01.001", 100000000, 15666798),
    ("3.32.004.2.01.002", 200000000, 18989850),
];

/// Tabel 3.4 sub kegiatan (pagu sebelum, sesudah, prakiraan maju); the Program Penunjang rows are
/// rebuilt from Tabel 3.2 (see content/data/rencana.toml).
const T34_LEAVES: [(&str, i64, i64, i64); 43] = [
    ("2.07.01.2.01.0001", 97020000, 97020000, 0),
    ("2.07.01.2.01.0006", 5470000, 5470000, 0),
    ("2.07.01.2.01.0007", 4591000, 4591000, 0),
    ("2.07.01.2.02.0001", 5311678020, 5311678020, 0),
    ("2.07.01.2.02.0002", 54930000, 54930000, 0),
    ("2.07.01.2.06.0001", 1696890, 1696890, 0),
    ("2.07.01.2.06.0002", 38060550, 24889850, 0),
    ("2.07.01.2.06.0004", 36144200, 46981020, 0),
    ("2.07.01.2.06.0005", 11364210, 11364210, 0),
    ("2.07.01.2.06.0009", 60408000, 173840000, 0),
    ("2.07.01.2.08.0001", 748000, 748000, 0),
    ("2.07.01.2.08.0002", 87553739, 87553739, 0),
    ("2.07.01.2.08.0004", 788640000, 788640000, 0),
    ("2.07.01.2.09.0002", 27393320, 27393320, 0),
    ("2.07.01.2.09.0006", 16170000, 16170000, 18150000),
    ("2.07.01.2.09.0009", 16238200, 16238200, 18150000),
    ("2.07.02.2.01.0002", 21000300, 21000300, 23102200),
    ("2.07.03.2.01.0001", 314522837, 314522837, 345979330),
    ("2.07.03.2.02.0001", 44660974, 44660974, 93369100),
    ("2.07.03.2.03.0001", 38551790, 38551790, 65624900),
    ("2.07.03.2.04.0001", 36475290, 36475290, 57017400),
    ("2.07.03.2.05.0001", 23036132, 93036132, 36587409),
    ("2.07.04.2.01.0002", 23080100, 23080100, 30890376),
    ("2.07.04.2.01.0003", 24635706, 24635706, 27100185),
    ("2.07.04.2.01.0005", 47189620, 47189620, 29916876),
    ("2.07.04.2.02.0002", 22201880, 22201880, 29954276),
    ("2.07.04.2.03.0001", 52657640, 52657640, 79924152),
    ("2.07.04.2.03.0002", 28717700, 28717700, 37104100),
    ("2.07.04.2.05.0001", 27559900, 27559900, 35826340),
    ("2.07.05.2.01.0001", 15086486, 15086486, 16633100),
    ("2.07.05.2.01.0002", 15203750, 15203750, 16798100),
    ("2.07.05.2.01.0003", 51915360, 51772800, 57222176),
    ("2.07.05.2.02.0001", 49934706, 49934706, 65951377),
    ("2.07.05.2.02.0002", 27790473, 27790473, 30573400),
    ("2.07.05.2.02.0003", 25023000, 25023000, 27555000),
    ("2.07.05.2.02.0004", 23034225, 23034225, 25344470),
    ("2.07.05.2.02.0005", 0, 1626307200, 1650000000),
    ("3.32.02.2.01.0001", 54990670, 378240670, 93500000),
    ("3.32.02.2.01.0002", 49802540, 49802540, 65815200),
    ("3.32.03.2.01.0001", 49999850, 49999850, 66000000),
    ("3.32.03.2.01.0002", 49999830, 49999830, 88000000),
    ("3.32.04.2.01.0001", 59999850, 59999850, 110000000),
    ("3.32.04.2.01.0002", 154793294, 154793294, 220000000),
];

#[test]
fn check_passes_with_the_references_inconsistencies_as_warnings() {
    let out = renja(&["check", "content"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.lines().last().unwrap().starts_with("tidak ada kesalahan, "), "{err}");
    let expect = [
        // domain guide, section 5: printed capaian Rp 66,95 % (S) for kegiatan 2.07.001.2.06.
        "capaian anggaran baris '2.07.01.2.06' tercetak 66,953768 % berbeda dari hasil hitung 78,10 %",
        "predikat anggaran baris '2.07.01.2.06' tercetak S berbeda dari hasil hitung T",
        "realisasi 38.060.550 melebihi pagu 37.516.160 pada sub kegiatan '2.07.01.2.06.0002'",
        "'248,898.050' tidak sah",
        "'314,522,83' tidak sah",
        "tercantum dua kali: butir 22 dan butir 23",
        "kode '2.07.001.2.01.006' ditulis tidak baku; dibaca sebagai '2.07.01.2.01.0006'",
        "capaian anggaran total OPD tercetak 10,988221 % berbeda dari hasil hitung 42,02 %",
        "TOTAL pagu sebelum tercetak 7.918.770.032 berbeda dari hasil hitung 7.889.970.032",
    ];
    for e in expect {
        assert!(err.contains(e), "missing warning: {e}\n{err}");
    }
    for line in err.lines().filter(|l| l.contains(": warning: ")) {
        let loc = line.split(": warning: ").next().unwrap();
        let parts: Vec<&str> = loc.rsplitn(3, ':').collect();
        assert_eq!(parts.len(), 3, "not file:line:col: {line}");
        assert!(parts[0].parse::<usize>().unwrap() >= 1 && parts[1].parse::<usize>().unwrap() >= 1, "{line}");
    }
}

#[test]
fn tabel_2_1_opd_totals_equal_the_sum_of_the_reference_leaves() {
    let m = model();
    let total = &m["data"]["evaluasi"]["total"];
    let pagu: i64 = T21_LEAVES.iter().map(|r| r.1).sum();
    let real: i64 = T21_LEAVES.iter().map(|r| r.2).sum();
    assert_eq!(int(&total["pagu"]), pagu);
    assert_eq!(int(&total["realisasi_rp"]), real);
    // The reference prints these OPD totals too (and they agree with its leaves).
    assert_eq!(pagu, 9_239_089_578);
    assert_eq!(real, 3_882_291_290);
    assert_eq!(total["pagu"]["teks"], "9.239.089.578");
    assert_eq!(total["capaian_rp"]["teks"], "42,02");
}

#[test]
fn tabel_3_4_total_equals_the_sum_of_the_leaves() {
    let m = model();
    let total = &m["data"]["rencana"]["total"];
    let sb: i64 = T34_LEAVES.iter().map(|r| r.1).sum();
    let ss: i64 = T34_LEAVES.iter().map(|r| r.2).sum();
    let maju: i64 = T34_LEAVES.iter().map(|r| r.3).sum();
    assert_eq!(int(&total["pagu_sebelum"]), sb);
    assert_eq!(int(&total["pagu_sesudah"]), ss);
    assert_eq!(int(&total["maju_pagu"]), maju);
    assert_eq!(int(&total["selisih"]), ss - sb);
    let table = &m["tabel"]["rencana"]["baris"];
    let last = table.as_array().unwrap().last().unwrap();
    assert_eq!(last["gaya"], "total");
    let cells: Vec<&str> = last["sel"].as_array().unwrap().iter().map(|c| c["teks"].as_str().unwrap()).collect();
    assert!(cells.contains(&"7.889.970.032") && cells.contains(&"10.020.482.792"), "{cells:?}");
}

/// Every parent row equals the sum of its children in every rupiah column, in every table.
#[test]
fn every_parent_is_the_sum_of_its_children() {
    let m = model();
    let tables = [
        ("evaluasi", vec!["pagu_lalu", "pagu", "realisasi_rp"]),
        ("rencana", vec!["pagu_sebelum", "pagu_sesudah", "selisih"]),
        ("rkpd", vec!["selisih"]),
    ];
    let parent = |code: &str| -> Option<String> {
        let parts: Vec<&str> = code.split('.').collect();
        let keep = match parts.len() { 2 => 1, 3 => 2, 5 => 3, 6 => 5, _ => return None };
        Some(parts[..keep].join("."))
    };
    for (t, cols) in tables {
        let rows = m["data"][t]["baris"].as_array().unwrap();
        let by_code: std::collections::BTreeMap<&str, &Value> = rows.iter().map(|r| (r["kode"].as_str().unwrap(), r)).collect();
        let mut checked = 0;
        for (code, row) in &by_code {
            let children: Vec<&&Value> = by_code.iter().filter(|(c, _)| parent(c).as_deref() == Some(*code)).map(|(_, r)| r).collect();
            if children.is_empty() {
                continue;
            }
            for col in &cols {
                let sum: i64 = children.iter().map(|c| int(&c[*col])).sum();
                assert_eq!(int(&row[*col]), sum, "{t} {code} {col}");
                checked += 1;
            }
            if t == "rkpd" {
                for side in ["rancangan", "analisis"] {
                    let sum: i64 = children.iter().map(|c| int(&c[side]["pagu"])).sum();
                    assert_eq!(int(&row[side]["pagu"]), sum, "{t} {code} {side}");
                }
            }
        }
        assert!(checked > 10, "{t}: only {checked} parent checks");
    }
}

#[test]
fn summary_paragraph_quotes_the_computed_values() {
    let m = model();
    let text = serde_json::to_string(&m["bab"]).unwrap();
    assert!(text.contains("Rp3.882.291.290 (tiga miliar delapan ratus delapan puluh dua juta dua ratus sembilan puluh satu ribu dua ratus sembilan puluh rupiah)"));
    assert!(text.contains("Rp9.239.089.578 (sembilan miliar dua ratus tiga puluh sembilan juta delapan puluh sembilan ribu lima ratus tujuh puluh delapan rupiah)"));
    assert!(text.contains("sebesar 24,27 % dengan predikat kinerja sangat rendah"));
    assert!(!text.contains("(Nama OPD)"));
    assert!(!text.contains("milyar"));
    let st = &m["data"]["evaluasi"]["statistik"];
    let n = |k: &str| st[k].as_u64().unwrap();
    assert_eq!(n("lebih_100") + n("antara_70_100") + n("antara_50_70") + n("antara_0_50") + n("tanpa_capaian"), n("jumlah_indikator"));
    assert_eq!(n("jumlah_indikator"), 42);
}

#[test]
fn export_is_deterministic() {
    let a = renja(&["export", "--json", "content"]).stdout;
    let b = renja(&["export", "--json", "content"]).stdout;
    assert_eq!(a, b);
}
