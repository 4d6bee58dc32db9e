//! Tabel 2.2 and 3.1: tujuan and sasaran indicators, their Renstra targets per year, the targets
//! before and after the change, and capaian against the edition year's Renstra target.

use super::{capaian_k, compare, Pct};
use crate::diag::Diagnostics;
use crate::model::value::Nilai;
use crate::model::Edition;
use crate::source::schema::{Formula, IndikatorTS, Sifat, TabelInfo};
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
}

#[derive(Debug, Clone, Serialize)]
pub struct TujuanSasaran {
    pub tahun_renstra: Vec<i32>,
    pub kinerja: Option<TabelInfo>,
    pub rumusan: Option<TabelInfo>,
    pub baris: Vec<TsRow>,
}

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<TujuanSasaran> {
    let (file, src) = ed.sources.tujuan_sasaran.as_ref()?;
    let years = src.tahun_renstra.get_ref().clone();
    let year_idx = years.iter().position(|y| *y == ed.meta.tahun);
    if year_idx.is_none() {
        diags.warning(
            file.loc_of(&src.tahun_renstra.span()),
            format!("tahun edisi {} tidak ada di tahun_renstra {:?}; capaian Tabel kinerja tidak dihitung", ed.meta.tahun, years),
        );
    }
    let mut rows = Vec::new();
    let push = |jenis: JenisTS, uraian: &str, inds: &[toml::Spanned<IndikatorTS>], rows: &mut Vec<TsRow>, diags: &mut Diagnostics| {
        if inds.is_empty() {
            rows.push(TsRow {
                jenis, uraian: uraian.to_string(), rentang: 1, indikator: String::new(), sifat: Sifat::Positif, formula: None,
                target_renstra: Vec::new(), target_renja: None, target_perubahan: None, realisasi: None, capaian: None,
            });
            return;
        }
        for (i, ind) in inds.iter().enumerate() {
            let x = ind.get_ref();
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
            let realisasi = x.realisasi.as_ref().map(|r| r.get_ref().clone());
            let cap = capaian_k(target, realisasi.as_ref(), x.sifat, ed.meta.format.capaian_negatif);
            if let (Some(t), Some(r)) = (target, &x.realisasi) {
                if t.angka == Some(rust_decimal::Decimal::ZERO) && r.get_ref().angka.is_some_and(|v| !v.is_zero()) {
                    diags.warning(file.loc_of(&r.span()), format!("realisasi {} untuk indikator dengan target 0: capaian tidak terdefinisi", r.get_ref().teks));
                }
            }
            if let Some(d) = &x.dinyatakan {
                compare::persen(file, &d.capaian, cap, &format!("capaian indikator '{}'", x.uraian), diags);
            }
            rows.push(TsRow {
                jenis,
                uraian: if i == 0 { uraian.to_string() } else { String::new() },
                rentang: if i == 0 { inds.len() } else { 0 },
                indikator: x.uraian.clone(),
                sifat: x.sifat,
                formula: x.formula.clone(),
                target_renstra: targets,
                target_renja: x.target_renja.clone(),
                target_perubahan: x.target_perubahan.clone(),
                realisasi,
                capaian: cap.map(Pct),
            });
        }
    };
    for t in &src.tujuan {
        push(JenisTS::Tujuan, &t.uraian, &t.indikator, &mut rows, diags);
        for s in &t.sasaran {
            push(JenisTS::Sasaran, &s.uraian, &s.indikator, &mut rows, diags);
        }
    }
    Some(TujuanSasaran { tahun_renstra: years, kinerja: src.tabel_kinerja.clone(), rumusan: src.tabel_rumusan.clone(), baris: rows })
}
