//! The base edition check: a Perubahan that names its base edition (`[edisi] dasar = "ID"`) has
//! its "Sebelum" columns — Tabel 3.4 pagu and targets before the change, Tabel 3.1 target Renja —
//! compared with the base edition's final values in the archive (its computed JSON). Every
//! mismatch is an error at the source row, with both values. An explicit step given a store
//! ([`renja_edition::Edition::check_base`]): `renja check`, `build`, `export` and the preview run it when
//! an archive is configured (`--arsip` or `$RENJA_ARSIP`), `renja new` with its own store.
//!
//! The base's final value of a Tabel 3.4 row is its `sesudah` (a Perubahan); for a murni base its
//! one value (T-C.33: `pagu`, `target_x`), or, in models archived before murni editions had their
//! own form, its `sesudah` when filled, else its `sebelum`. Of a Tabel 3.1 indicator likewise
//! `target_perubahan`, else (murni) `target_renja` — the one rule of `compute::akhir`, read from
//! the base's stored model through its typed contract (`compute::akhir::ModelTersimpan`). Without a configured archive the check is not
//! made and a warning says so, the same from any working directory. Only a Perubahan
//! with a base of the same year and the same OPD is checked; for other editions `dasar` is only
//! a record of where the edition started (`renja new --from`).

use super::sqlite::SqliteStore;
use super::{Kind, ObjectState, Store};
use renja_core::diag::{Diagnostics, Loc};
use renja_core::model::Edition;
use renja_core::model::value::Nilai;
use renja_core::source::schema::{JenisEdisi, TargetRencana};
use renja_core::compute::akhir::{ModelTersimpan, RencanaTersimpan, Tersimpan, TujuanTersimpan};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Comparable form of a value: its number when it has one, else its trimmed text.
#[derive(Debug, PartialEq)]
enum Cmp {
    Angka(Decimal),
    Teks(String),
}

fn cmp_tersimpan(v: Option<&Tersimpan>) -> (Cmp, String) {
    let teks = v.map(|v| v.teks.trim().to_string()).unwrap_or_default();
    let shown = if teks.is_empty() { "(kosong)".to_string() } else { teks.clone() };
    (v.and_then(Tersimpan::angka_banding).map(|a| Cmp::Angka(a.normalize())).unwrap_or(Cmp::Teks(teks)), shown)
}

fn cmp_nilai(v: Option<&Nilai>) -> (Cmp, String) {
    let teks = v.map(|n| n.teks.trim().to_string()).unwrap_or_default();
    let shown = if teks.is_empty() { "(kosong)".to_string() } else { teks.clone() };
    (v.and_then(|n| n.angka).map(|a| Cmp::Angka(a.normalize())).unwrap_or(Cmp::Teks(teks)), shown)
}

/// The archive the base-edition check reads: `arg` (`--arsip`), else `$RENJA_ARSIP`; never a
/// folder guessed from the working directory. `Err` says why there is none.
pub fn open_configured(arg: Option<std::path::PathBuf>) -> Result<SqliteStore, super::Error> {
    let root = arg
        .or_else(|| std::env::var_os("RENJA_ARSIP").filter(|v| !v.is_empty()).map(std::path::PathBuf::from))
        .ok_or(super::Error::NotConfigured)?;
    SqliteStore::open(&root, false)
}

/// The store [`check`] reads, or why there is none.
pub type BaseStore<'a> = Result<&'a dyn Store, super::Error>;

/// [`open_configured`]'s result as the [`BaseStore`] for [`check`].
pub fn as_base<S: Store>(store: &Result<S, super::Error>) -> BaseStore<'_> {
    match store {
        Ok(s) => Ok(s),
        Err(e) => Err(e.clone()),
    }
}

/// Loads the base edition's computed model (typed: [`ModelTersimpan`]), or says why it cannot.
fn load(id: &str, store: &dyn Store) -> Result<(super::Edition, ModelTersimpan), String> {
    let base = store.find(id).map_err(|e| e.to_string())?;
    let files = store.files(&base.id).map_err(|e| e.to_string())?;
    let f = files.iter().find(|f| f.kind == Kind::Json).ok_or_else(|| format!("edisi {} tidak menyimpan model JSON", base.id))?;
    if store.check_object(&f.sha256, f.size) != ObjectState::Ok {
        return Err(format!("berkas {} edisi {} dalam arsip hilang atau berubah; jalankan `renja archive verify`", f.path, base.id));
    }
    let bytes = store.read_object(&f.sha256).map_err(|e| e.to_string())?;
    let m = ModelTersimpan::baca(&bytes).map_err(|e| format!("{}: {e}", f.path))?;
    Ok((base, m))
}

/// Checks the Sebelum columns of `ed` against its base edition, if it names one, in `store`
/// (`Err` says why there is no archive to read: the check is skipped with a warning).
/// Of the table rows it reads only Tabel 3.4's (`ed.rencana`): `renja check` calls it with an
/// edition that holds no other table's rows (`renja_edition::Edition::check_dir`).
pub fn check(ed: &Edition, store: BaseStore<'_>, diags: &mut Diagnostics) {
    let Some((file, src)) = ed.sources.edisi.as_deref() else { return };
    let Some(dasar) = src.edisi.dasar.as_ref() else { return };
    let at = file.loc_of(&dasar.span());
    if ed.meta.jenis != JenisEdisi::Perubahan {
        return;
    }
    let (base, json) = match store.map_err(|e| e.to_string()).and_then(|store| load(dasar.get_ref(), store)) {
        Ok(x) => x,
        Err(m) => {
            diags
                .warning(at, format!("edisi dasar '{}' tidak dapat dibaca: {m}", dasar.get_ref()))
                .with_hint("kolom Sebelum tidak diperiksa terhadap edisi dasar; beri --arsip atau atur RENJA_ARSIP ke folder arsip");
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
    check_rencana(ed, &json, &base.id, diags);
    check_tujuan(ed, &json, &base.id, diags);
}

fn mismatch(diags: &mut Diagnostics, loc: Loc, what: String, here: &str, there: &str, base: &str) {
    diags
        .error(loc, format!("{what} berbeda dari edisi dasar {base}: di sini {here}, di edisi dasar {there}"))
        .with_hint("kolom Sebelum sebuah Perubahan adalah nilai akhir edisi dasarnya");
}

fn check_rencana(ed: &Edition, model: &ModelTersimpan, base: &str, diags: &mut Diagnostics) {
    let Some((file, _)) = ed.sources.rencana.as_deref() else { return };
    let jenis = model.edisi.jenis;
    let rows: BTreeMap<String, &RencanaTersimpan> = model.sub_kegiatan().map(|r| (r.kode.clone(), r)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for row in ed.rencana.iter().filter(|r| renja_core::compute::is_leaf(&r.code)) {
        let code = row.code.to_string();
        seen.insert(code.clone());
        let Some(b) = rows.get(&code) else {
            diags.error(row.loc.clone(), format!("sub kegiatan {code} tidak ada di edisi dasar {base}; kolom Sebelum tidak dapat diperiksa"));
            continue;
        };
        let d = row.data;
        let here = d.pagu_sebelum.as_ref().map(|p| p.get_ref().value());
        let there = b.pagu_akhir(jenis).and_then(|p| p.nilai);
        if here.map(|x| x.normalize()) != there.map(|x| x.normalize()) {
            let loc = d.pagu_sebelum.as_ref().map(|p| file.loc_of(&p.span())).unwrap_or_else(|| row.loc.clone());
            let show = |x: Option<Decimal>| x.map(|v| renja_core::format::angka_dp(v, 0)).unwrap_or_else(|| "(kosong)".into());
            mismatch(diags, loc, format!("pagu sebelum sub kegiatan {code}"), &show(here), &show(there), base);
        }
        for (label, theirs, src) in [
            ("target program", &b.target_program, &d.target_program),
            ("target keluaran", &b.target_keluaran, &d.target_keluaran),
            ("target hasil", &b.target_hasil, &d.target_hasil),
        ] {
            let sebelum = match src.as_ref().map(|t| t.get_ref()) {
                Some(TargetRencana::Dua(s)) => s.sebelum.clone(),
                _ => None,
            };
            let (h, hs) = cmp_nilai(sebelum.as_ref());
            let (t, ts) = cmp_tersimpan(theirs.akhir(jenis));
            if h != t {
                mismatch(diags, row.loc.clone(), format!("{label} sebelum sub kegiatan {code}"), &hs, &ts, base);
            }
        }
    }
    for (code, b) in &rows {
        if !seen.contains(code) {
            diags.error(file.start(), format!("sub kegiatan {code} {} dari edisi dasar {base} tidak ada di Tabel 3.4", b.nama));
        }
    }
}

fn check_tujuan(ed: &Edition, model: &ModelTersimpan, base: &str, diags: &mut Diagnostics) {
    let Some((file, src)) = ed.sources.tujuan_sasaran.as_deref() else { return };
    // The base's indicators in order, by their text (a repeated text pairs in order).
    let mut by_text: BTreeMap<String, Vec<&TujuanTersimpan>> = BTreeMap::new();
    for r in model.indikator() {
        if let Some(t) = &r.indikator {
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
        let (t, ts) = cmp_tersimpan(b.target_akhir(model.edisi.jenis));
        if h != t {
            mismatch(diags, loc, format!("target Renja (sebelum) indikator «{}» (Tabel 3.1)", i.uraian.trim()), &hs, &ts, base);
        }
    }
}
