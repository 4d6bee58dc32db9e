//! Tabel 2.2 and 3.1: tujuan and sasaran indicators, their Renstra targets per year, the targets
//! before and after the change, and capaian against the edition year's Renstra target.

use super::{capaian_k, compare, Pct};
use crate::diag::Diagnostics;
use crate::model::value::Nilai;
use crate::model::Edition;
use crate::source::schema::{Formula, IndikatorTS, JenisEdisi, Sifat, TabelInfo};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JenisTS {
    Tujuan,
    Sasaran,
}

/// One indicator row; `uraian` is set on the first indicator of each tujuan/sasaran.
#[derive(Debug, Clone, Serialize)]
pub struct TsRow {
    pub jenis: JenisTS,
    /// The tujuan/sasaran text on its first indicator row, empty on the following ones.
    pub uraian: String,
    /// How many indicator rows this tujuan/sasaran spans (on its first row), else 0.
    pub rentang: usize,
    pub indikator: String,
    pub sifat: Sifat,
    pub formula: Option<Formula>,
    pub target_renstra: Vec<Nilai>,
    pub target_renja: Option<Nilai>,
    pub target_perubahan: Option<Nilai>,
    pub realisasi: Option<Nilai>,
    pub capaian: Option<Pct>,
    /// Murni (T-C.30) only; absent from a Perubahan's model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pelayanan: Option<Pelayanan>,
}

/// The T-C.30 columns of an indicator (murni).
#[derive(Debug, Clone, Serialize)]
pub struct Pelayanan {
    pub spm: String,
    pub ikk: String,
    /// Renstra targets of years n−2, n−1, n, n+1 (from `target_renstra` by year).
    pub target: [Option<Nilai>; 4],
    /// Realisasi capaian of years n−2 and n−1.
    pub realisasi: [Option<Nilai>; 2],
    /// Proyeksi of years n and n+1.
    pub proyeksi: [Option<Nilai>; 2],
    pub catatan: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TujuanSasaran {
    pub tahun_renstra: Vec<i32>,
    pub kinerja: Option<TabelInfo>,
    pub rumusan: Option<TabelInfo>,
    /// Murni only: the years of the T-C.30 columns, n−2 … n+1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tahun_pelayanan: Option<[i32; 4]>,
    pub baris: Vec<TsRow>,
}

/// Fields of the other kind: an error at the field, with a hint naming this kind's field.
fn check_kind_fields(file: &crate::diag::SourceFile, x: &IndikatorTS, n: i32, murni: bool, diags: &mut Diagnostics) {
    let mut wrong = |span: std::ops::Range<usize>, msg: String, hint: String| {
        diags.error(file.loc_of(&span), msg).with_hint(hint);
    };
    if murni {
        if let Some(v) = &x.target_perubahan {
            wrong(v.span(), "target_perubahan hanya untuk Perubahan Renja; edisi ini Renja murni".into(), format!("target tahun {n} ditulis target_renja"));
        }
        if let Some(v) = &x.realisasi {
            wrong(
                v.span(),
                "realisasi (s/d triwulan) hanya untuk Perubahan Renja; Renja murni mencatat realisasi capaian tahun-tahun lalu (T-C.30)".into(),
                format!("tulis realisasi_capaian = [tahun {}, tahun {}]", n - 2, n - 1),
            );
        }
    } else {
        let hint = || "kolom T-C.30 milik Renja murni; Perubahan Renja mencatat target_renja, target_perubahan dan realisasi".to_string();
        for (f, span) in [
            ("spm", x.spm.as_ref().map(|v| v.span())),
            ("ikk", x.ikk.as_ref().map(|v| v.span())),
            ("realisasi_capaian", x.realisasi_capaian.as_ref().map(|v| v.span())),
            ("proyeksi", x.proyeksi.as_ref().map(|v| v.span())),
            ("catatan", x.catatan.as_ref().map(|v| v.span())),
        ] {
            if let Some(sp) = span {
                let h = if f == "realisasi_capaian" { "realisasi s/d triwulan pada Perubahan Renja ditulis realisasi".to_string() } else { hint() };
                wrong(sp, format!("kolom '{f}' hanya untuk Renja murni; edisi ini Perubahan Renja"), h);
            }
        }
    }
    for (f, v) in [("realisasi_capaian", &x.realisasi_capaian), ("proyeksi", &x.proyeksi)] {
        if let Some(v) = v {
            if v.get_ref().len() != 2 {
                let (a, b) = if f == "proyeksi" { (n, n + 1) } else { (n - 2, n - 1) };
                diags.error(file.loc_of(&v.span()), format!("{f} berisi {} nilai; yang diharapkan 2: tahun {a} dan {b}", v.get_ref().len()));
            }
        }
    }
}

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<TujuanSasaran> {
    let (file, src) = ed.sources.tujuan_sasaran.as_deref()?;
    let years = src.tahun_renstra.get_ref().clone();
    let n = ed.meta.tahun;
    let murni = ed.meta.jenis == JenisEdisi::Murni;
    let year_idx = years.iter().position(|y| *y == n);
    if year_idx.is_none() {
        diags
            .error(
                file.loc_of(&src.tahun_renstra.span()),
                format!("periode Renstra {:?} tidak memuat tahun edisi {n}; sebuah Renja adalah penjabaran tahunan Renstra yang berlaku", years),
            )
            .with_hint(format!("tulis tahun-tahun Renstra yang memuat {n}, mis. tahun_renstra = [{}, {}, {}, {}, {}]", n - 2, n - 1, n, n + 1, n + 2));
    } else if years.windows(2).any(|w| w[1] != w[0] + 1) {
        diags.error(file.loc_of(&src.tahun_renstra.span()), format!("tahun_renstra {:?} tidak berurutan; yang diharapkan tahun-tahun berturut-turut", years));
    }
    let pel_years = [n - 2, n - 1, n, n + 1];
    let mut rows = Vec::new();
    let push = |jenis: JenisTS, uraian: &str, inds: &[toml::Spanned<IndikatorTS>], rows: &mut Vec<TsRow>, diags: &mut Diagnostics| {
        if inds.is_empty() {
            rows.push(TsRow {
                jenis, uraian: uraian.to_string(), rentang: 1, indikator: String::new(), sifat: Sifat::Positif, formula: None,
                target_renstra: Vec::new(), target_renja: None, target_perubahan: None, realisasi: None, capaian: None,
                pelayanan: None,
            });
            return;
        }
        for (i, ind) in inds.iter().enumerate() {
            let x = ind.get_ref();
            check_kind_fields(file, x, n, murni, diags);
            let targets = x.target_renstra.as_ref().map(|t| t.get_ref().clone()).unwrap_or_default();
            if let Some(t) = &x.target_renstra {
                if t.get_ref().len() != years.len() {
                    diags.error(
                        file.loc_of(&t.span()),
                        format!("target_renstra berisi {} nilai, padahal tahun_renstra berisi {} tahun", t.get_ref().len(), years.len()),
                    );
                }
            }
            let target = year_idx.and_then(|i| targets.get(i));
            // A murni measures the realisasi of year n−2 against that year's Renstra target.
            let (realisasi, target) = if murni {
                let r = x.realisasi_capaian.as_ref().and_then(|r| r.get_ref().first().cloned());
                (r, years.iter().position(|y| *y == n - 2).and_then(|i| targets.get(i)))
            } else {
                (x.realisasi.as_ref().map(|r| r.get_ref().clone()), target)
            };
            let cap = capaian_k(target, realisasi.as_ref(), x.sifat, ed.meta.format.capaian_negatif);
            if let (Some(t), Some(r), false) = (target, &x.realisasi, murni) {
                if t.angka == Some(rust_decimal::Decimal::ZERO) && r.get_ref().angka.is_some_and(|v| !v.is_zero()) {
                    diags.warning(file.loc_of(&r.span()), format!("realisasi {} untuk indikator dengan target 0: capaian tidak terdefinisi", r.get_ref().teks));
                }
            }
            if let Some(d) = &x.dinyatakan {
                compare::persen(file, d.capaian.as_ref(), cap, &format!("capaian indikator '{}'", x.uraian), diags);
            }
            rows.push(TsRow {
                jenis,
                uraian: if i == 0 { uraian.to_string() } else { String::new() },
                rentang: if i == 0 { inds.len() } else { 0 },
                indikator: x.uraian.clone(),
                sifat: x.sifat,
                formula: x.formula.clone(),
                target_renstra: targets.clone(),
                target_renja: x.target_renja.as_ref().map(|v| v.get_ref().clone()),
                target_perubahan: x.target_perubahan.as_ref().map(|v| v.get_ref().clone()),
                realisasi,
                capaian: cap.map(Pct),
                pelayanan: murni.then(|| {
                    let by_year = |y: i32| years.iter().position(|x| *x == y).and_then(|i| targets.get(i).cloned());
                    let pair = |v: &Option<toml::Spanned<Vec<Nilai>>>| -> [Option<Nilai>; 2] {
                        let l = v.as_ref().map(|v| v.get_ref().clone()).unwrap_or_default();
                        [l.first().cloned(), l.get(1).cloned()]
                    };
                    Pelayanan {
                        spm: x.spm.as_ref().map(|v| v.get_ref().clone()).unwrap_or_default(),
                        ikk: x.ikk.as_ref().map(|v| v.get_ref().clone()).unwrap_or_default(),
                        target: pel_years.map(by_year),
                        realisasi: pair(&x.realisasi_capaian),
                        proyeksi: pair(&x.proyeksi),
                        catatan: x.catatan.as_ref().map(|v| v.get_ref().clone()).unwrap_or_default(),
                    }
                }),
            });
        }
    };
    for t in &src.tujuan {
        push(JenisTS::Tujuan, &t.uraian, &t.indikator, &mut rows, diags);
        for s in &t.sasaran {
            push(JenisTS::Sasaran, &s.uraian, &s.indikator, &mut rows, diags);
        }
    }
    Some(TujuanSasaran {
        tahun_renstra: years,
        kinerja: src.tabel_kinerja.clone(),
        rumusan: src.tabel_rumusan.clone(),
        tahun_pelayanan: murni.then_some(pel_years),
        baris: rows,
    })
}
