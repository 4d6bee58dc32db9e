//! `archive diff`: compares the computed models (the archived JSON, read through the typed
//! contract `compute::akhir::ModelTersimpan`) of two editions, per sub kegiatan of Tabel 3.4
//! (pagu, targets, indicator texts, added and removed rows) plus the table's totals. Text in
//! Bahasa Indonesia, amounts with Indonesian thousands separators.

use renja_core::compute::akhir::{ModelTersimpan, RencanaTersimpan, RencanaTotalTersimpan, SebelumSesudah, Tersimpan};
use renja_core::source::schema::JenisEdisi;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A row or the TOTAL in the Perubahan's shape, for comparison: a murni's one pagu is its
/// `sesudah` (final) value, as its one target value is ([`SebelumSesudah`] reads it so).
struct Baris<'a> {
    pagu_sebelum: Option<&'a Tersimpan>,
    pagu_sesudah: Option<&'a Tersimpan>,
    selisih: Option<&'a Tersimpan>,
    maju_pagu: Option<&'a Tersimpan>,
}

impl<'a> Baris<'a> {
    fn row(r: &'a RencanaTersimpan) -> Self {
        Baris { pagu_sebelum: r.pagu_sebelum.as_ref(), pagu_sesudah: r.pagu.as_ref().or(r.pagu_sesudah.as_ref()), selisih: None, maju_pagu: r.maju_pagu.as_ref() }
    }
    fn total(t: &'a RencanaTotalTersimpan) -> Self {
        Baris { pagu_sebelum: t.pagu_sebelum.as_ref(), pagu_sesudah: t.pagu.as_ref().or(t.pagu_sesudah.as_ref()), selisih: t.selisih.as_ref(), maju_pagu: t.maju_pagu.as_ref() }
    }
}

/// Money fields of a Tabel 3.4 row: (label, field).
type Uang = for<'a> fn(&Baris<'a>) -> Option<&'a Tersimpan>;
const PAGU: [(&str, Uang); 3] = [("pagu sebelum", |b| b.pagu_sebelum), ("pagu sesudah", |b| b.pagu_sesudah), ("pagu prakiraan maju", |b| b.maju_pagu)];
/// Performance targets: (label, field); each has `sebelum` and `sesudah`.
const TARGET: [(&str, fn(&RencanaTersimpan) -> &SebelumSesudah); 3] =
    [("target program", |r| &r.target_program), ("target keluaran", |r| &r.target_keluaran), ("target hasil", |r| &r.target_hasil)];
/// Text fields: (label, printable text).
const TEKS: [(&str, fn(&RencanaTersimpan) -> String); 6] = [
    ("nama", |r| teks(Some(&r.nama))),
    ("indikator capaian program", |r| teks(r.capaian_program.as_ref())),
    ("indikator keluaran", |r| teks(r.keluaran.as_ref())),
    ("indikator hasil", |r| teks(r.hasil.as_ref())),
    ("tolok ukur prakiraan maju", |r| teks(r.maju_tolok_ukur.as_ref())),
    ("target prakiraan maju", |r| nilai_teks(r.maju_target.as_ref())),
];

/// The result of a comparison.
#[derive(Debug, Default)]
pub struct Diff {
    /// Printed report.
    pub text: String,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
}

fn amount(v: Option<&Tersimpan>) -> Option<Decimal> {
    v.and_then(|v| v.nilai)
}

fn rp(d: Option<Decimal>) -> String {
    match d {
        Some(d) => renja_core::format::angka_dp(d, 0),
        None => "-".to_string(),
    }
}

fn signed(d: Decimal) -> String {
    if d.is_sign_negative() { format!("−{}", renja_core::format::angka_dp(-d, 0)) } else { format!("+{}", renja_core::format::angka_dp(d, 0)) }
}

/// A printable text: the text, or `-` when there is none.
fn teks(v: Option<&String>) -> String {
    match v {
        Some(s) if !s.is_empty() => s.clone(),
        _ => "-".to_string(),
    }
}

/// A stored value's text (as written, even empty), or `-` when there is no value.
fn nilai_teks(v: Option<&Tersimpan>) -> String {
    v.map(|v| v.teks.clone()).unwrap_or_else(|| "-".to_string())
}

fn sub_kegiatan(m: &ModelTersimpan) -> BTreeMap<&str, &RencanaTersimpan> {
    m.sub_kegiatan().map(|r| (r.kode.as_str(), r)).collect()
}

/// Whether a model is a Renja murni's (T-C.33: one value per cell).
fn is_murni(m: &ModelTersimpan) -> bool {
    m.edisi.jenis == JenisEdisi::Murni || m.total_rencana().is_some_and(|t| t.pagu.is_some())
}

/// Compares two computed models as archived (the export JSON); `a_id`/`b_id` name them in the
/// heading. Each is read through the archive's typed contract ([`ModelTersimpan`]); one that
/// cannot be read is named in the report.
pub fn diff(a_id: &str, a: &serde_json::Value, b_id: &str, b: &serde_json::Value) -> Diff {
    match (ModelTersimpan::dari_json(a), ModelTersimpan::dari_json(b)) {
        (Ok(a), Ok(b)) => diff_model(a_id, &a, b_id, &b),
        (a, b) => {
            let mut text = format!("Perbandingan {a_id} → {b_id}\n");
            for (id, r) in [(a_id, a), (b_id, b)] {
                if let Err(e) = r {
                    let _ = writeln!(text, "model edisi {id} tidak dapat dibaca: {e}");
                }
            }
            Diff { text, ..Diff::default() }
        }
    }
}

/// Compares two stored models; `a_id`/`b_id` name them in the heading. When either is a murni,
/// only final values are compared (a murni has no before/after).
pub fn diff_model(a_id: &str, a: &ModelTersimpan, b_id: &str, b: &ModelTersimpan) -> Diff {
    let final_only = is_murni(a) || is_murni(b);
    let mut d = Diff::default();
    let mut t = String::new();
    let _ = writeln!(t, "Perbandingan {a_id} → {b_id}");
    let _ = writeln!(t, "Tabel 3.4, per sub kegiatan (nilai dalam rupiah):");
    let ra = sub_kegiatan(a);
    let rb = sub_kegiatan(b);
    let mut codes: Vec<&str> = ra.keys().chain(rb.keys()).copied().collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        match (ra.get(code), rb.get(code)) {
            (Some(x), Some(y)) => {
                let mut lines = Vec::new();
                let (bx, by) = (Baris::row(x), Baris::row(y));
                for (i, (label, field)) in PAGU.iter().enumerate() {
                    if final_only && i == 0 {
                        continue;
                    }
                    let (p, q) = (amount(field(&bx)), amount(field(&by)));
                    if p != q {
                        let delta = match (p, q) {
                            (Some(p), Some(q)) => format!(" ({})", signed(q - p)),
                            _ => String::new(),
                        };
                        lines.push(format!("{label}: {} → {}{delta}", rp(p), rp(q)));
                    }
                }
                for (label, field) in TARGET {
                    let (tx, ty) = (field(x), field(y));
                    for (side, p, q) in [("sebelum", &tx.sebelum, &ty.sebelum), ("sesudah", &tx.sesudah, &ty.sesudah)] {
                        if final_only && side == "sebelum" {
                            continue;
                        }
                        let (p, q) = (nilai_teks(p.as_ref()), nilai_teks(q.as_ref()));
                        if p != q {
                            lines.push(format!("{label} ({side}): {p} → {q}"));
                        }
                    }
                }
                for (label, field) in TEKS {
                    let (p, q) = (field(x), field(y));
                    if p != q {
                        lines.push(format!("{label}: «{p}» → «{q}»"));
                    }
                }
                if !lines.is_empty() {
                    d.changed += 1;
                    let _ = writeln!(t, "\n~ {code} {}", teks(Some(&y.nama)));
                    for l in lines {
                        let _ = writeln!(t, "    {l}");
                    }
                }
            }
            (None, Some(y)) => {
                d.added += 1;
                let _ = writeln!(t, "\n+ {code} {} (baru)", teks(Some(&y.nama)));
                for (label, field) in PAGU {
                    if let Some(v) = amount(field(&Baris::row(y))) {
                        let _ = writeln!(t, "    {label}: {}", rp(Some(v)));
                    }
                }
            }
            (Some(x), None) => {
                d.removed += 1;
                let _ = writeln!(t, "\n- {code} {} (dihapus)", teks(Some(&x.nama)));
                for (label, field) in PAGU {
                    if let Some(v) = amount(field(&Baris::row(x))) {
                        let _ = writeln!(t, "    {label}: {}", rp(Some(v)));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let _ = writeln!(t, "\nTotal Tabel 3.4:");
    let (ta, tb) = (a.total_rencana().map(Baris::total), b.total_rencana().map(Baris::total));
    let totals: [(&str, Uang); 4] =
        [("pagu sebelum", |b| b.pagu_sebelum), ("pagu sesudah", |b| b.pagu_sesudah), ("selisih", |b| b.selisih), ("pagu prakiraan maju", |b| b.maju_pagu)];
    for (label, field) in totals {
        if final_only && matches!(label, "pagu sebelum" | "selisih") {
            continue;
        }
        let p = amount(ta.as_ref().and_then(field));
        let q = amount(tb.as_ref().and_then(field));
        if p == q {
            let _ = writeln!(t, "    {label}: {} (tetap)", rp(p));
        } else {
            let delta = match (p, q) {
                (Some(p), Some(q)) => format!(" ({})", signed(q - p)),
                _ => String::new(),
            };
            let _ = writeln!(t, "    {label}: {} → {}{delta}", rp(p), rp(q));
        }
    }
    let _ = writeln!(t, "\n{} sub kegiatan berubah, {} ditambah, {} dihapus.", d.changed, d.added, d.removed);
    d.text = t;
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn doc(pagu: &str, extra: bool) -> Value {
        let mut baris = vec![json!({"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan", "nama": "A",
            "pagu_sesudah": {"nilai": pagu, "teks": pagu}, "target_keluaran": {"sebelum": null, "sesudah": {"teks": "4 Dokumen"}}})];
        if extra {
            baris.push(json!({"kode": "1.01.01.2.01.0002", "tingkat": "sub_kegiatan", "nama": "B", "pagu_sesudah": {"nilai": "5", "teks": "5"}}));
        }
        json!({"edisi": {"tahun": 2022, "jenis": "perubahan"}, "data": {"rencana": {"baris": baris, "total": {"pagu_sesudah": {"nilai": pagu, "teks": pagu}}}}})
    }

    #[test]
    fn reports_pagu_rows_and_totals() {
        let d = diff("a", &doc("1000000", false), "b", &doc("1250000", true));
        assert_eq!((d.changed, d.added, d.removed), (1, 1, 0));
        assert!(d.text.contains("pagu sesudah: 1.000.000 → 1.250.000 (+250.000)"), "{}", d.text);
        assert!(d.text.contains("+ 1.01.01.2.01.0002 B (baru)"), "{}", d.text);
        let same = diff("a", &doc("1", false), "b", &doc("1", false));
        assert_eq!((same.changed, same.added, same.removed), (0, 0, 0));
    }
}
