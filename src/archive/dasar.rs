//! The base edition check: a Perubahan that names its base edition (`[edisi] dasar = "ID"`) has
//! its "Sebelum" columns — Tabel 3.4 pagu and targets before the change, Tabel 3.1 target Renja —
//! compared with the base edition's final values in the archive (its computed JSON). Every
//! mismatch is an error at the source row, with both values. Run by [`crate::process`], so
//! `renja check` and `renja build` report it.
//!
//! The base's final value of a Tabel 3.4 row is its `sesudah` (a Perubahan); for a murni base its
//! one value (T-C.33: `pagu`, `target_x`), or, in models archived before murni editions had their
//! own form, its `sesudah` when filled, else its `sebelum`. Of a Tabel 3.1 indicator likewise
//! `target_perubahan`, else (murni) `target_renja`. The
//! archive is found as `archive` commands find it (`RENJA_ARSIP`, else `arsip/`). Only a Perubahan
//! with a base of the same year and the same OPD is checked; for other editions `dasar` is only
//! a record of where the edition started (`renja new --from`).

use super::sqlite::SqliteStore;
use super::{Kind, ObjectState, Store};
use crate::diag::{Diagnostics, Loc};
use crate::model::Edition;
use crate::model::value::Nilai;
use crate::source::schema::{JenisEdisi, TargetRencana};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Comparable form of a value: its number when it has one, else its trimmed text.
#[derive(Debug, PartialEq)]
enum Cmp {
    Angka(Decimal),
    Teks(String),
}

fn cmp_json(v: Option<&Value>) -> (Cmp, String) {
    let teks = v.and_then(|v| v.get("teks")).and_then(Value::as_str).unwrap_or("").trim().to_string();
    let angka = v.and_then(|v| v.get("angka").or_else(|| v.get("nilai"))).and_then(Value::as_str).and_then(|s| Decimal::from_str(s).ok());
    let shown = if teks.is_empty() { "(kosong)".to_string() } else { teks.clone() };
    (angka.map(|a| Cmp::Angka(a.normalize())).unwrap_or(Cmp::Teks(teks)), shown)
}

fn cmp_nilai(v: Option<&Nilai>) -> (Cmp, String) {
    let teks = v.map(|n| n.teks.trim().to_string()).unwrap_or_default();
    let shown = if teks.is_empty() { "(kosong)".to_string() } else { teks.clone() };
    (v.and_then(|n| n.angka).map(|a| Cmp::Angka(a.normalize())).unwrap_or(Cmp::Teks(teks)), shown)
}

/// Whether a JSON value is absent: null, empty text, or an amount of 0.
fn kosong(v: &Value) -> bool {
    v.is_null()
        || v.get("teks").and_then(Value::as_str).is_some_and(|t| t.trim().is_empty())
        || v.get("nilai").and_then(Value::as_str).and_then(|s| Decimal::from_str(s).ok()).is_some_and(|d| d.is_zero())
}

/// The base's final value of a field with `sebelum`/`sesudah` forms: a Perubahan's `sesudah`; a
/// murni edition's `sesudah` when filled, else its `sebelum` (a murni edition has one value, in
/// whichever column its author used).
fn final_of<'a>(row: &'a Value, sesudah: &str, sebelum: &str, murni: bool) -> Option<&'a Value> {
    // A murni model (T-C.33) holds one value: a target is the value itself, the pagu is `pagu`.
    if murni && row.get("teks").is_some() {
        return Some(row);
    }
    if murni && sesudah == "pagu_sesudah" && row.get("pagu").is_some_and(|v| !v.is_null()) {
        return row.get("pagu");
    }
    let after = row.get(sesudah).filter(|v| !v.is_null());
    if !murni {
        return after;
    }
    after.filter(|v| !kosong(v)).or_else(|| row.get(sebelum).filter(|v| !v.is_null())).or(after)
}

/// Loads the base edition's computed JSON, or says why it cannot.
fn load(id: &str, ed: &Edition) -> Result<(super::Edition, Value), String> {
    let root = super::location(None);
    let store = SqliteStore::open(&root, false).map_err(|e| e.to_string())?;
    let base = store.find(id).map_err(|e| e.to_string())?;
    let files = store.files(&base.id).map_err(|e| e.to_string())?;
    let f = files.iter().find(|f| f.kind == Kind::Json).ok_or_else(|| format!("edisi {} tidak menyimpan model JSON", base.id))?;
    if store.check_object(&f.sha256, f.size) != ObjectState::Ok {
        return Err(format!("berkas {} edisi {} dalam arsip hilang atau berubah; jalankan `renja archive verify`", f.path, base.id));
    }
    let bytes = store.read_object(&f.sha256).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", f.path))?;
    let _ = ed;
    Ok((base, v))
}

/// Checks the Sebelum columns of `ed` against its base edition, if it names one.
pub fn check(ed: &Edition, diags: &mut Diagnostics) {
    let Some((file, src)) = ed.sources.edisi.as_ref() else { return };
    let Some(dasar) = src.edisi.dasar.as_ref() else { return };
    let at = file.loc_of(&dasar.span());
    if ed.meta.jenis != JenisEdisi::Perubahan {
        return;
    }
    let (base, json) = match load(dasar.get_ref(), ed) {
        Ok(x) => x,
        Err(m) => {
            diags
                .warning(at, format!("edisi dasar '{}' tidak dapat dibaca: {m}", dasar.get_ref()))
                .with_hint("kolom Sebelum tidak diperiksa terhadap edisi dasar; atur RENJA_ARSIP ke folder arsip");
            return;
        }
    };
    if base.tahun != ed.meta.tahun {
        diags.error(at, format!("edisi dasar {} adalah edisi tahun {}, bukan tahun {}", base.id, base.tahun, ed.meta.tahun));
        return;
    }
    let kunci = super::edisi::opd_kunci_meta(&ed.meta);
    if base.opd_kunci != kunci {
        diags.error(at, format!("edisi dasar {} milik OPD lain ({}), bukan {}", base.id, base.opd_kunci, kunci));
        return;
    }
    let murni = base.jenis == "murni";
    check_rencana(ed, &json, &base.id, murni, diags);
    check_tujuan(ed, &json, &base.id, murni, diags);
}

fn mismatch(diags: &mut Diagnostics, loc: Loc, what: String, here: &str, there: &str, base: &str) {
    diags
        .error(loc, format!("{what} berbeda dari edisi dasar {base}: di sini {here}, di edisi dasar {there}"))
        .with_hint("kolom Sebelum sebuah Perubahan adalah nilai akhir edisi dasarnya");
}

fn check_rencana(ed: &Edition, json: &Value, base: &str, murni: bool, diags: &mut Diagnostics) {
    let Some((file, _)) = ed.sources.rencana.as_ref() else { return };
    let rows: BTreeMap<String, &Value> = json
        .pointer("/data/rencana/baris")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("tingkat").and_then(Value::as_str) == Some("sub_kegiatan"))
        .filter_map(|r| Some((r.get("kode")?.as_str()?.to_string(), r)))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for row in ed.rencana.iter().filter(|r| crate::compute::is_leaf(&r.code)) {
        let code = row.code.to_string();
        seen.insert(code.clone());
        let Some(b) = rows.get(&code) else {
            diags.error(row.loc.clone(), format!("sub kegiatan {code} tidak ada di edisi dasar {base}; kolom Sebelum tidak dapat diperiksa"));
            continue;
        };
        let d = row.data;
        let here = d.pagu_sebelum.as_ref().map(|p| p.get_ref().value());
        let there = final_of(b, "pagu_sesudah", "pagu_sebelum", murni).and_then(|v| v.get("nilai")).and_then(Value::as_str).and_then(|s| Decimal::from_str(s).ok());
        if here.map(|x| x.normalize()) != there.map(|x| x.normalize()) {
            let loc = d.pagu_sebelum.as_ref().map(|p| file.loc_of(&p.span())).unwrap_or_else(|| row.loc.clone());
            let show = |x: Option<Decimal>| x.map(|v| crate::format::angka_dp(v, 0)).unwrap_or_else(|| "(kosong)".into());
            mismatch(diags, loc, format!("pagu sebelum sub kegiatan {code}"), &show(here), &show(there), base);
        }
        for (label, key, src) in [
            ("target program", "target_program", &d.target_program),
            ("target keluaran", "target_keluaran", &d.target_keluaran),
            ("target hasil", "target_hasil", &d.target_hasil),
        ] {
            let sebelum = match src.as_ref().map(|t| t.get_ref()) {
                Some(TargetRencana::Dua(s)) => s.sebelum.clone(),
                _ => None,
            };
            let (h, hs) = cmp_nilai(sebelum.as_ref());
            let (t, ts) = cmp_json(b.get(key).filter(|v| !v.is_null()).and_then(|v| final_of(v, "sesudah", "sebelum", murni)));
            if h != t {
                mismatch(diags, row.loc.clone(), format!("{label} sebelum sub kegiatan {code}"), &hs, &ts, base);
            }
        }
    }
    for (code, b) in &rows {
        if !seen.contains(code) {
            let nama = b.get("nama").and_then(Value::as_str).unwrap_or("");
            diags.error(file.start(), format!("sub kegiatan {code} {nama} dari edisi dasar {base} tidak ada di Tabel 3.4"));
        }
    }
}

fn check_tujuan(ed: &Edition, json: &Value, base: &str, murni: bool, diags: &mut Diagnostics) {
    let Some((file, src)) = ed.sources.tujuan_sasaran.as_ref() else { return };
    // The base's indicators in order, by their text (a repeated text pairs in order).
    let mut by_text: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for r in json.pointer("/data/tujuan_sasaran/baris").and_then(Value::as_array).into_iter().flatten() {
        if let Some(t) = r.get("indikator").and_then(Value::as_str) {
            by_text.entry(t.trim().to_string()).or_default().push(r);
        }
    }
    let mut mine = Vec::new();
    for t in &src.tujuan {
        mine.extend(t.indikator.iter());
        for s in &t.sasaran {
            mine.extend(s.indikator.iter());
        }
    }
    for ind in mine {
        let i = ind.get_ref();
        let loc = file.loc_of(&ind.span());
        let Some(list) = by_text.get_mut(i.uraian.trim()) else {
            diags.error(loc, format!("indikator «{}» tidak ada di edisi dasar {base}; target Renja (sebelum) tidak dapat diperiksa", i.uraian.trim()));
            continue;
        };
        if list.is_empty() {
            continue;
        }
        let b = list.remove(0);
        let (h, hs) = cmp_nilai(i.target_renja.as_ref().map(|t| t.get_ref()));
        let (t, ts) = cmp_json(final_of(b, "target_perubahan", "target_renja", murni));
        if h != t {
            mismatch(diags, loc, format!("target Renja (sebelum) indikator «{}» (Tabel 3.1)", i.uraian.trim()), &hs, &ts, base);
        }
    }
}
