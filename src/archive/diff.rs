//! `archive diff`: compares the computed models (the archived JSON) of two editions, per sub
//! kegiatan of Tabel 3.4 (pagu, targets, indicator texts, added and removed rows) plus the
//! table's totals. Text in Bahasa Indonesia, amounts with Indonesian thousands separators.

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::str::FromStr;

/// Money fields of a Tabel 3.4 row: (label, JSON key).
const PAGU: [(&str, &str); 3] = [("pagu sebelum", "pagu_sebelum"), ("pagu sesudah", "pagu_sesudah"), ("pagu prakiraan maju", "maju_pagu")];
/// Performance targets: (label, key); each has `sebelum` and `sesudah`.
const TARGET: [(&str, &str); 3] = [("target program", "target_program"), ("target keluaran", "target_keluaran"), ("target hasil", "target_hasil")];
/// Text fields: (label, key).
const TEKS: [(&str, &str); 6] = [
    ("nama", "nama"),
    ("indikator capaian program", "capaian_program"),
    ("indikator keluaran", "keluaran"),
    ("indikator hasil", "hasil"),
    ("tolok ukur prakiraan maju", "maju_tolok_ukur"),
    ("target prakiraan maju", "maju_target"),
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

fn amount(v: &Value) -> Option<Decimal> {
    v.get("nilai").and_then(Value::as_str).and_then(|s| Decimal::from_str(s).ok())
}

fn rp(d: Option<Decimal>) -> String {
    match d {
        Some(d) => crate::format::angka_dp(d, 0),
        None => "-".to_string(),
    }
}

fn signed(d: Decimal) -> String {
    if d.is_sign_negative() { format!("−{}", crate::format::angka_dp(-d, 0)) } else { format!("+{}", crate::format::angka_dp(d, 0)) }
}

/// A printable text of a value: a string, a `{teks}` object, or `-`.
fn teks(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) if s.is_empty() => "-".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(o) => o.get("teks").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| o.to_string()),
    }
}

fn rows(doc: &Value) -> Vec<&Value> {
    doc.pointer("/data/rencana/baris").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn sub_kegiatan(doc: &Value) -> BTreeMap<String, &Value> {
    rows(doc)
        .into_iter()
        .filter(|r| r.get("tingkat").and_then(Value::as_str) == Some("sub_kegiatan"))
        .filter_map(|r| Some((r.get("kode")?.as_str()?.to_string(), r)))
        .collect()
}

/// Whether a model is a Renja murni's (T-C.33: one value per cell).
fn is_murni(doc: &Value) -> bool {
    doc.pointer("/edisi/jenis").and_then(Value::as_str) == Some("murni") || doc.pointer("/data/rencana/total/pagu").is_some()
}

/// A murni model in the Perubahan's shape for comparison: its values as the `sesudah` (final)
/// side; the `sebelum` side and the selisih are not compared when either edition is a murni.
fn as_final(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let fix = |r: &mut Value| {
        if let Some(p) = r.get("pagu").cloned() {
            r["pagu_sesudah"] = p;
        }
        for key in ["target_program", "target_keluaran", "target_hasil"] {
            if let Some(v) = r.get(key).cloned().filter(|v| v.get("sesudah").is_none()) {
                r[key] = serde_json::json!({ "sesudah": v });
            }
        }
    };
    if let Some(rows) = doc.pointer_mut("/data/rencana/baris").and_then(Value::as_array_mut) {
        rows.iter_mut().for_each(fix);
    }
    if let Some(t) = doc.pointer_mut("/data/rencana/total") {
        fix(t);
    }
    doc
}

/// Compares two computed models; `a_id`/`b_id` name them in the heading. When either is a murni,
/// only final values are compared (a murni has no before/after).
pub fn diff(a_id: &str, a: &Value, b_id: &str, b: &Value) -> Diff {
    let final_only = is_murni(a) || is_murni(b);
    let (a, b) = (&as_final(a), &as_final(b));
    let mut d = Diff::default();
    let mut t = String::new();
    let _ = writeln!(t, "Perbandingan {a_id} → {b_id}");
    let _ = writeln!(t, "Tabel 3.4, per sub kegiatan (nilai dalam rupiah):");
    let ra = sub_kegiatan(a);
    let rb = sub_kegiatan(b);
    let mut codes: Vec<&String> = ra.keys().chain(rb.keys()).collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        match (ra.get(code), rb.get(code)) {
            (Some(x), Some(y)) => {
                let mut lines = Vec::new();
                for (label, key) in PAGU {
                    if final_only && key == "pagu_sebelum" {
                        continue;
                    }
                    let (p, q) = (x.get(key).and_then(amount), y.get(key).and_then(amount));
                    if p != q {
                        let delta = match (p, q) {
                            (Some(p), Some(q)) => format!(" ({})", signed(q - p)),
                            _ => String::new(),
                        };
                        lines.push(format!("{label}: {} → {}{delta}", rp(p), rp(q)));
                    }
                }
                for (label, key) in TARGET {
                    for side in ["sebelum", "sesudah"] {
                        if final_only && side == "sebelum" {
                            continue;
                        }
                        let (p, q) = (teks(x.get(key).and_then(|v| v.get(side))), teks(y.get(key).and_then(|v| v.get(side))));
                        if p != q {
                            lines.push(format!("{label} ({side}): {p} → {q}"));
                        }
                    }
                }
                for (label, key) in TEKS {
                    let (p, q) = (teks(x.get(key)), teks(y.get(key)));
                    if p != q {
                        lines.push(format!("{label}: «{p}» → «{q}»"));
                    }
                }
                if !lines.is_empty() {
                    d.changed += 1;
                    let _ = writeln!(t, "\n~ {code} {}", teks(y.get("nama")));
                    for l in lines {
                        let _ = writeln!(t, "    {l}");
                    }
                }
            }
            (None, Some(y)) => {
                d.added += 1;
                let _ = writeln!(t, "\n+ {code} {} (baru)", teks(y.get("nama")));
                for (label, key) in PAGU {
                    if let Some(v) = y.get(key).and_then(amount) {
                        let _ = writeln!(t, "    {label}: {}", rp(Some(v)));
                    }
                }
            }
            (Some(x), None) => {
                d.removed += 1;
                let _ = writeln!(t, "\n- {code} {} (dihapus)", teks(x.get("nama")));
                for (label, key) in PAGU {
                    if let Some(v) = x.get(key).and_then(amount) {
                        let _ = writeln!(t, "    {label}: {}", rp(Some(v)));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let _ = writeln!(t, "\nTotal Tabel 3.4:");
    let (ta, tb) = (a.pointer("/data/rencana/total"), b.pointer("/data/rencana/total"));
    for (label, key) in [("pagu sebelum", "pagu_sebelum"), ("pagu sesudah", "pagu_sesudah"), ("selisih", "selisih"), ("pagu prakiraan maju", "maju_pagu")] {
        if final_only && matches!(key, "pagu_sebelum" | "selisih") {
            continue;
        }
        let p = ta.and_then(|v| v.get(key)).and_then(amount);
        let q = tb.and_then(|v| v.get(key)).and_then(amount);
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
    use serde_json::json;

    fn doc(pagu: &str, extra: bool) -> Value {
        let mut baris = vec![json!({"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan", "nama": "A",
            "pagu_sesudah": {"nilai": pagu, "teks": pagu}, "target_keluaran": {"sebelum": null, "sesudah": {"teks": "4 Dokumen"}}})];
        if extra {
            baris.push(json!({"kode": "1.01.01.2.01.0002", "tingkat": "sub_kegiatan", "nama": "B", "pagu_sesudah": {"nilai": "5", "teks": "5"}}));
        }
        json!({"data": {"rencana": {"baris": baris, "total": {"pagu_sesudah": {"nilai": pagu, "teks": pagu}}}}})
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
