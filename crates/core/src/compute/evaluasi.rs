//! Tabel 2.1: evaluation up to the quarter. Roll-ups of every rupiah column, capaian K and Rp
//! per row, predikat, the OPD total, the average attainment and the bucket counts.

use super::{capaian_k, capaian_rp, compare, is_leaf, predikat, roll_up, with_ancestors, Pct, Uang};
use crate::diag::Diagnostics;
use crate::format;
use crate::model::code::{Code, Level};
use crate::model::predikat::Predikat;
use crate::model::value::{Nilai, Rupiah};
use crate::model::Edition;
use crate::source::schema::{BentukEvaluasi, EvaluasiBaris, JenisEdisi, Sifat, TingkatRataRata};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct EvaluasiRow {
    pub kode: Code,
    pub tingkat: Level,
    pub nama: String,
    pub indikator: String,
    pub sifat: Sifat,
    pub satuan: String,
    pub target_lalu: Option<Nilai>,
    pub pagu_lalu: Uang,
    pub target: Option<Nilai>,
    pub pagu: Uang,
    /// Realisasi per quarter I..=triwulan; `None` where not given.
    pub realisasi_triwulan_rp: Vec<Option<Uang>>,
    pub realisasi_k: Option<Nilai>,
    pub realisasi_rp: Uang,
    pub capaian_k: Option<Pct>,
    pub capaian_rp: Option<Pct>,
    pub predikat_k: Option<Predikat>,
    pub predikat_rp: Option<Predikat>,
    /// T-C.29 only (absent in the quarterly form). In T-C.29, `target`/`pagu` are column 6,
    /// `realisasi_k`/`realisasi_rp` column 7 and `capaian_k`/`capaian_rp` column 8 (7 ÷ 6).
    /// Boxed: 256 bytes inline, absent from every row of the quarterly form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tc29: Option<Box<Tc29Row>>,
}

/// The T-C.29 columns of a row beyond those the two forms share.
#[derive(Debug, Clone, Serialize)]
pub struct Tc29Row {
    /// (4) the Renstra's final-year target.
    pub target_renstra: Option<Nilai>,
    /// (5) realisasi of the Renstra target up to year n−3.
    pub realisasi_renstra: Option<Nilai>,
    /// (9) the Renja target of year n−1, and its pagu (rolled up).
    pub target_berjalan: Option<Nilai>,
    pub pagu_berjalan: Uang,
    /// (10) = (5) + (7) + (9), computed.
    pub realisasi_capaian: Option<Nilai>,
    /// (11) = (10) ÷ (4) × 100, computed.
    pub tingkat_capaian: Option<Pct>,
    /// (12)
    pub keterangan: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluasiTotal {
    pub pagu_lalu: Uang,
    pub pagu: Uang,
    pub realisasi_triwulan_rp: Vec<Option<Uang>>,
    pub realisasi_rp: Uang,
    pub capaian_rp: Option<Pct>,
    pub predikat_rp: Option<Predikat>,
    /// T-C.29 only: the total pagu of year n−1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu_berjalan: Option<Uang>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statistik {
    /// The level averaged ("sub kegiatan" by default).
    pub tingkat: Level,
    pub jumlah_indikator: usize,
    pub tanpa_capaian: usize,
    pub rata_rata_capaian_k: Option<Pct>,
    pub predikat_k: Option<Predikat>,
    pub rata_rata_capaian_rp: Option<Pct>,
    pub predikat_rp: Option<Predikat>,
    pub lebih_100: usize,
    pub antara_70_100: usize,
    pub antara_50_70: usize,
    pub antara_0_50: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evaluasi {
    pub nomor: String,
    pub judul: String,
    pub tahun: i32,
    pub tahun_lalu: i32,
    pub triwulan: u32,
    /// The evaluation form; serialized only for T-C.29 (the quarterly form is the default of
    /// the model as it was first published).
    #[serde(skip_serializing_if = "is_triwulan")]
    pub bentuk: BentukEvaluasi,
    /// T-C.29: the evaluated year n−2 and the final year of the Renstra period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tahun_evaluasi: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tahun_renstra_akhir: Option<i32>,
    pub baris: Vec<EvaluasiRow>,
    pub total: EvaluasiTotal,
    pub statistik: Statistik,
}

fn is_triwulan(b: &BentukEvaluasi) -> bool {
    *b == BentukEvaluasi::Triwulan
}

/// Quarters of a year.
const TW: usize = 4;
/// Amount columns of a row: pagu_lalu, pagu, realisasi_rp, the quarters I–IV, pagu_berjalan.
const COLS: usize = 3 + TW + 1;
const BERJALAN: usize = 3 + TW;

/// The evaluation form of the edition: written in `[tabel] bentuk`, else T-C.29 for a murni and
/// the quarterly form for a Perubahan.
pub fn bentuk(ed: &Edition) -> BentukEvaluasi {
    let written = ed.sources.evaluasi.as_deref().and_then(|(_, e)| e.tabel.bentuk.as_ref()).map(|b| *b.get_ref());
    written.unwrap_or(match ed.meta.jenis {
        JenisEdisi::Murni => BentukEvaluasi::Tc29,
        JenisEdisi::Perubahan => BentukEvaluasi::Triwulan,
    })
}

/// Fields that belong to the other form: an error at the field, with the field of this form.
fn check_form_fields(ed: &Edition, file: &crate::diag::SourceFile, src: &crate::source::schema::EvaluasiFile, form: BentukEvaluasi, diags: &mut Diagnostics) {
    let n = ed.meta.tahun;
    let form_name = match form {
        BentukEvaluasi::Tc29 => "T-C.29",
        BentukEvaluasi::Triwulan => "triwulan",
    };
    let mut wrong = |span: std::ops::Range<usize>, field: &str, hint: String| {
        diags
            .error(file.loc_of(&span), format!("kolom '{field}' tidak berlaku pada bentuk evaluasi {form_name} edisi ini"))
            .with_hint(hint);
    };
    match form {
        BentukEvaluasi::Tc29 => {
            if let Some(t) = &src.tabel.tahun_lalu {
                wrong(t.span(), "tahun_lalu", format!("T-C.29 mengevaluasi tahun {}; tulis tahun_evaluasi = {}, atau bentuk = \"triwulan\"", n - 2, n - 2));
            }
            for row in &src.baris {
                let b = row.get_ref();
                if let Some(v) = &b.target_lalu {
                    wrong(v.span(), "target_lalu", format!("target Renja tahun {} ditulis target_berjalan", n - 1));
                }
                if let Some(v) = &b.pagu_lalu {
                    wrong(v.span(), "pagu_lalu", format!("pagu tahun {} ditulis pagu_berjalan", n - 1));
                }
                if let Some(v) = &b.realisasi_triwulan_rp {
                    wrong(v.span(), "realisasi_triwulan_rp", format!("realisasi anggaran tahun {} ditulis realisasi_rp", n - 2));
                }
                if let Some(d) = &b.dinyatakan {
                    for (f, v) in [("dinyatakan.pagu_lalu", &d.pagu_lalu)] {
                        if let Some(v) = v {
                            wrong(v.span(), f, "pada T-C.29 tulis dinyatakan.pagu_berjalan".into());
                        }
                    }
                }
            }
            if let (Some((efile, e)), Some(t)) = (ed.sources.edisi.as_deref(), ed.sources.edisi.as_deref().and_then(|(_, e)| e.edisi.triwulan.as_ref())) {
                let _ = e;
                diags
                    .error(efile.loc_of(&t.span()), format!("triwulan = {} tidak berlaku: evaluasi edisi ini berbentuk T-C.29 (tahun {}), bukan evaluasi triwulan", t.get_ref(), n - 2))
                    .with_hint("hapus baris triwulan, atau tulis bentuk = \"triwulan\" di [tabel] data/evaluasi.toml");
            }
        }
        BentukEvaluasi::Triwulan => {
            for row in &src.baris {
                let b = row.get_ref();
                let hint = |f: &str| format!("kolom '{f}' milik bentuk T-C.29; tulis bentuk = \"T-C.29\" di [tabel], atau hapus kolom ini");
                for (f, span) in [
                    ("target_renstra", b.target_renstra.as_ref().map(|v| v.span())),
                    ("realisasi_renstra", b.realisasi_renstra.as_ref().map(|v| v.span())),
                    ("target_berjalan", b.target_berjalan.as_ref().map(|v| v.span())),
                    ("pagu_berjalan", b.pagu_berjalan.as_ref().map(|v| v.span())),
                    ("keterangan", b.keterangan.as_ref().map(|v| v.span())),
                ] {
                    if let Some(sp) = span {
                        let h = match f {
                            "target_berjalan" => format!("target tahun {} pada bentuk triwulan ditulis target_lalu", n - 1),
                            "pagu_berjalan" => format!("pagu tahun {} pada bentuk triwulan ditulis pagu_lalu", n - 1),
                            _ => hint(f),
                        };
                        wrong(sp, f, h);
                    }
                }
            }
        }
    }
}

/// Year checks of `[tabel]`: the evaluated year and the previous-year columns must fit the form.
fn check_years(ed: &Edition, file: &crate::diag::SourceFile, src: &crate::source::schema::EvaluasiFile, form: BentukEvaluasi, diags: &mut Diagnostics) {
    let n = ed.meta.tahun;
    let expected = match form {
        BentukEvaluasi::Tc29 => n - 2,
        BentukEvaluasi::Triwulan => n,
    };
    if let Some(t) = &src.tabel.tahun_evaluasi {
        if *t.get_ref() != expected {
            let why = match form {
                BentukEvaluasi::Tc29 => format!("Renja tahun {n} (T-C.29) mengevaluasi tahun {expected} (n−2)"),
                BentukEvaluasi::Triwulan => format!("evaluasi triwulan Renja tahun {n} mengevaluasi tahun {n} itu sendiri"),
            };
            diags.error(file.loc_of(&t.span()), format!("tahun_evaluasi {} tidak cocok: {why}", t.get_ref())).with_hint(format!("tulis tahun_evaluasi = {expected}"));
        }
    }
    if form == BentukEvaluasi::Triwulan {
        if let Some(t) = &src.tabel.tahun_lalu {
            if *t.get_ref() != n - 1 {
                diags
                    .error(file.loc_of(&t.span()), format!("tahun_lalu {} tidak cocok dengan edisi tahun {n}; kolom tahun lalu adalah tahun {}", t.get_ref(), n - 1))
                    .with_hint(format!("tulis tahun_lalu = {}", n - 1));
            }
        }
    }
    if ed.meta.jenis == JenisEdisi::Murni {
        let mut allowed = vec![n - 3, n - 2, n - 1, n];
        allowed.extend(super::renstra_years(ed));
        super::check_title_years(file, &src.tabel.judul, n, &allowed, "judul tabel evaluasi", diags);
    }
}

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<Evaluasi> {
    let (file, src) = ed.sources.evaluasi.as_deref()?;
    let form = bentuk(ed);
    check_form_fields(ed, file, src, form, diags);
    check_years(ed, file, src, form, diags);
    let tc29 = form == BentukEvaluasi::Tc29;
    let triwulan = if tc29 { 0 } else { ed.meta.triwulan as usize };
    let by_code: BTreeMap<&Code, &crate::model::Row<EvaluasiBaris>> = ed.evaluasi.iter().map(|r| (&r.code, r)).collect();

    // Leaf amounts: [pagu_lalu, pagu, realisasi_rp, tw1, tw2, tw3, tw4]; at most one per row.
    let mut leaves: Vec<(Code, [Option<Rupiah>; COLS])> = Vec::with_capacity(ed.evaluasi.len());
    for row in &ed.evaluasi {
        let b = row.data;
        let leaf = is_leaf(&row.code);
        let amount_fields = [("pagu_lalu", b.pagu_lalu.as_ref()), ("pagu", b.pagu.as_ref()), ("realisasi_rp", b.realisasi_rp.as_ref()), ("pagu_berjalan", b.pagu_berjalan.as_deref())];
        if !leaf {
            super::refuse_parent_amounts(file, &row.code, &amount_fields, diags);
            super::refuse_parent_amounts(file, &row.code, &[("realisasi_triwulan_rp", b.realisasi_triwulan_rp.as_ref())], diags);
            continue;
        }
        let get = |f: Option<&toml::Spanned<Rupiah>>| f.map(|s| *s.get_ref());
        let mut quarters: [Option<Rupiah>; TW] = [None; TW];
        if let Some(tw) = &b.realisasi_triwulan_rp {
            if tw.get_ref().len() > TW {
                diags.error(file.loc_of(&tw.span()), format!("realisasi_triwulan_rp berisi {} nilai; yang diharapkan paling banyak 4 (triwulan I–IV)", tw.get_ref().len()));
            }
            if tw.get_ref().len() > triwulan {
                diags.warning(file.loc_of(&tw.span()), format!("realisasi_triwulan_rp berisi {} triwulan, padahal edisi mengevaluasi sampai triwulan {}", tw.get_ref().len(), triwulan));
            }
            for (i, v) in tw.get_ref().iter().take(TW).enumerate() {
                quarters[i] = Some(*v);
            }
        }
        let all_quarters = triwulan > 0 && (0..triwulan).all(|i| quarters[i].is_some());
        let realisasi = if all_quarters {
            let sum: Rupiah = quarters[..triwulan].iter().flatten().copied().sum();
            if let Some(given) = &b.realisasi_rp {
                if *given.get_ref() != sum {
                    diags.warning(
                        file.loc_of(&given.span()),
                        format!(
                            "realisasi_rp {} berbeda dari jumlah realisasi triwulan I–{} {}; dipakai jumlah triwulan",
                            format::angka_dp(given.get_ref().value(), 0),
                            format::romawi(triwulan as u32),
                            format::angka_dp(sum.value(), 0)
                        ),
                    );
                }
            }
            Some(sum)
        } else {
            if b.realisasi_rp.is_none() {
                // A missing amount is not silently 0: the author writes 0 when it is.
                diags
                    .error(row.loc.clone(), format!("sub kegiatan '{}' tidak memiliki realisasi_rp (atau realisasi setiap triwulan)", row.code))
                    .with_hint("tulis realisasi_rp = 0 bila memang belum ada realisasi");
            }
            get(b.realisasi_rp.as_ref())
        };
        if b.pagu.is_none() {
            diags.error(row.loc.clone(), format!("sub kegiatan '{}' tidak memiliki pagu", row.code)).with_hint("tulis pagu = 0 bila memang tidak dianggarkan");
        }
        let mut amounts = [get(b.pagu_lalu.as_ref()), get(b.pagu.as_ref()), realisasi.or(Some(Rupiah::ZERO)), None, None, None, None, get(b.pagu_berjalan.as_deref())];
        for i in 0..TW {
            amounts[3 + i] = quarters[i];
        }
        leaves.push((row.code.clone(), amounts));
    }
    let mut sums = roll_up(&leaves);
    let zero = Rupiah::ZERO;
    // OPD total: the sum over all leaves (then the leaves are not held while the rows are made).
    let mut total = [None; COLS];
    for (_, a) in &leaves {
        for (slot, v) in total.iter_mut().zip(a) {
            if let Some(v) = v {
                *slot = Some(slot.unwrap_or(zero) + *v);
            }
        }
    }
    drop(leaves);
    let quarters_of = |a: &[Option<Rupiah>; COLS]| -> Vec<Option<Uang>> { (0..triwulan).map(|i| a[3 + i].map(Uang::new)).collect() };

    // One row per code: the vector is made at its size (growing it by doubling left up to half
    // of it unused: at ×64, 3 MB of `renja check`'s peak over the three parts).
    let codes = with_ancestors(ed.evaluasi.iter().map(|r| &r.code));
    let mut rows = Vec::with_capacity(codes.len());
    for code in codes {
        let nama = ed.tree.get(&code).map(|n| n.nama.clone()).unwrap_or_default();
        let a = sums.remove(&code).unwrap_or([None; COLS]);
        let pagu = a[1].unwrap_or(zero);
        let real = a[2].unwrap_or(zero);
        let src_row = by_code.get(&code);
        let b = src_row.map(|r| r.data);
        let sifat = b.map(|b| b.sifat).unwrap_or_default();
        let target = b.and_then(|b| b.target.as_ref().map(|s| s.get_ref().clone()));
        let real_k = b.and_then(|b| b.realisasi_k.as_ref().map(|s| s.get_ref().clone()));
        let ck = capaian_k(target.as_ref(), real_k.as_ref(), sifat, ed.meta.format.capaian_negatif);
        let crp = capaian_rp(pagu, real);
        if let Some(b) = b {
            // K checks: realisasi with target 0, malformed K.
            if let (Some(t), Some(r)) = (&b.target, &b.realisasi_k) {
                if t.get_ref().angka == Some(Decimal::ZERO) && r.get_ref().angka.is_some_and(|v| !v.is_zero()) {
                    diags.warning(
                        file.loc_of(&r.span()),
                        format!("realisasi kinerja {} pada '{}' dengan target 0: capaian tidak terdefinisi", r.get_ref().teks, code),
                    );
                }
            }
            if is_leaf(&code) && real > pagu {
                let at = b.realisasi_rp.as_ref().map(|s| file.loc_of(&s.span())).unwrap_or_else(|| src_row.unwrap().loc.clone());
                diags.warning(
                    at,
                    format!(
                        "realisasi {} melebihi pagu {} pada sub kegiatan '{}' (lebih {})",
                        format::angka_dp(real.value(), 0),
                        format::angka_dp(pagu.value(), 0),
                        code,
                        format::angka_dp((real - pagu).value(), 0)
                    ),
                );
            }
            if let Some(d) = &b.dinyatakan {
                let what = |f: &str| format!("{f} baris '{code}'");
                compare::rupiah(file, d.pagu_lalu.as_ref(), a[0].unwrap_or(zero), &what("pagu tahun lalu"), diags);
                compare::rupiah(file, d.pagu.as_ref(), pagu, &what("pagu"), diags);
                compare::rupiah(file, d.realisasi_rp.as_ref(), real, &what("realisasi"), diags);
                declared_quarters(file, d.realisasi_triwulan_rp.as_deref(), &a, &format!("baris '{code}'"), diags);
                compare::persen(file, d.capaian_k.as_ref(), ck, &what("capaian kinerja"), diags);
                compare::persen(file, d.capaian_rp.as_ref(), crp, &what("capaian anggaran"), diags);
                compare::predikat(file, d.predikat_k.as_ref(), predikat(ck, ed), &what("predikat kinerja"), diags);
                compare::predikat(file, d.predikat_rp.as_ref(), predikat(crp, ed), &what("predikat anggaran"), diags);
            }
        }
        let tc29_row = tc29.then(|| {
            let val = |f: Option<&toml::Spanned<Nilai>>| f.map(|s| s.get_ref().clone());
            let (t4, r5, t9) = (val(b.and_then(|b| b.target_renstra.as_deref())), val(b.and_then(|b| b.realisasi_renstra.as_deref())), val(b.and_then(|b| b.target_berjalan.as_deref())));
            let r10 = realisasi_capaian(r5.as_ref(), real_k.as_ref(), t9.as_ref());
            let c11 = capaian_k(t4.as_ref(), r10.as_ref(), sifat, ed.meta.format.capaian_negatif);
            if let Some(d) = b.and_then(|b| b.dinyatakan.as_ref()) {
                let what = |f: &str| format!("{f} baris '{code}'");
                compare::persen(file, d.tingkat_realisasi.as_deref(), ck, &what("tingkat realisasi (8)"), diags);
                compare::persen(file, d.tingkat_capaian.as_deref(), c11, &what("tingkat capaian Renstra (11)"), diags);
                compare::rupiah(file, d.pagu_berjalan.as_deref(), a[BERJALAN].unwrap_or(zero), &what("pagu tahun berjalan"), diags);
                if let Some(decl) = &d.realisasi_capaian {
                    let printed = decl.get_ref().as_number().ok().map(|(v, _)| v);
                    let computed = r10.as_ref().and_then(|n| n.angka);
                    if printed != computed {
                        diags.warning(
                            file.loc_of(&decl.span()),
                            format!(
                                "{} tercetak {} berbeda dari hasil hitung (5) + (7) + (9) = {}",
                                what("realisasi capaian Renstra (10)"),
                                decl.get_ref().teks(),
                                r10.as_ref().map(|n| n.teks.clone()).unwrap_or_else(|| "-".into())
                            ),
                        );
                    }
                }
            }
            Tc29Row {
                target_renstra: t4,
                realisasi_renstra: r5,
                target_berjalan: t9,
                pagu_berjalan: Uang::new(a[BERJALAN].unwrap_or(zero)),
                realisasi_capaian: r10,
                tingkat_capaian: c11.map(Pct),
                keterangan: b.and_then(|b| b.keterangan.as_ref()).map(|k| k.get_ref().clone()).unwrap_or_default(),
            }
        });
        rows.push(EvaluasiRow {
            tingkat: code.level(),
            nama,
            indikator: b.map(|b| b.indikator.clone()).unwrap_or_default(),
            sifat,
            satuan: b.map(|b| b.satuan.clone()).unwrap_or_default(),
            target_lalu: b.and_then(|b| b.target_lalu.as_ref().map(|s| s.get_ref().clone())),
            pagu_lalu: Uang::new(a[0].unwrap_or(zero)),
            target,
            pagu: Uang::new(pagu),
            realisasi_triwulan_rp: quarters_of(&a),
            realisasi_k: real_k,
            realisasi_rp: Uang::new(real),
            capaian_k: ck.map(Pct),
            capaian_rp: crp.map(Pct),
            predikat_k: predikat(ck, ed),
            predikat_rp: predikat(crp, ed),
            tc29: tc29_row.map(Box::new),
            kode: code,
        });
    }

    let tp = total[1].unwrap_or(zero);
    let tr = total[2].unwrap_or(zero);
    let tc = capaian_rp(tp, tr);
    if let Some(d) = &src.dinyatakan {
        compare::rupiah(file, d.pagu_lalu.as_ref(), total[0].unwrap_or(zero), "pagu tahun lalu total OPD", diags);
        compare::rupiah(file, d.pagu.as_ref(), tp, "pagu total OPD", diags);
        compare::rupiah(file, d.realisasi_rp.as_ref(), tr, "realisasi total OPD", diags);
        declared_quarters(file, d.realisasi_triwulan_rp.as_deref(), &total, "total OPD", diags);
        compare::persen(file, d.capaian_rp.as_ref(), tc, "capaian anggaran total OPD", diags);
        compare::predikat(file, d.predikat_rp.as_ref(), predikat(tc, ed), "predikat anggaran total OPD", diags);
    }
    let statistik = statistik(&rows, ed);
    Some(Evaluasi {
        nomor: src.tabel.nomor.clone(),
        judul: src.tabel.judul.get_ref().clone(),
        tahun: ed.meta.tahun,
        tahun_lalu: src.tabel.tahun_lalu.as_ref().map(|t| *t.get_ref()).unwrap_or(ed.meta.tahun - 1),
        triwulan: ed.meta.triwulan,
        bentuk: form,
        tahun_evaluasi: tc29.then_some(ed.meta.tahun - 2),
        tahun_renstra_akhir: if tc29 { super::renstra_years(ed).last().copied() } else { None },
        total: EvaluasiTotal {
            pagu_lalu: Uang::new(total[0].unwrap_or(zero)),
            pagu: Uang::new(tp),
            realisasi_triwulan_rp: quarters_of(&total),
            realisasi_rp: Uang::new(tr),
            capaian_rp: tc.map(Pct),
            predikat_rp: predikat(tc, ed),
            pagu_berjalan: tc29.then(|| Uang::new(total[BERJALAN].unwrap_or(zero))),
        },
        statistik,
        baris: rows,
    })
}

/// T-C.29 column (10) = (5) + (7) + (9): the numeric parts added, a missing one counting 0;
/// `None` when none of the three has a number.
pub fn realisasi_capaian(r5: Option<&Nilai>, r7: Option<&Nilai>, t9: Option<&Nilai>) -> Option<Nilai> {
    let parts: Vec<Decimal> = [r5, r7, t9].into_iter().flatten().filter_map(|n| n.angka).collect();
    if parts.is_empty() {
        return None;
    }
    let sum: Decimal = parts.into_iter().sum();
    Some(Nilai { teks: format::angka(sum), angka: Some(sum) })
}

fn declared_quarters(
    file: &crate::diag::SourceFile,
    decl: Option<&toml::Spanned<Vec<crate::model::value::Tercetak>>>,
    a: &[Option<Rupiah>; COLS],
    label: &str,
    diags: &mut Diagnostics,
) {
    let Some(decl) = decl else { return };
    for (i, v) in decl.get_ref().iter().enumerate().take(TW) {
        let spanned = toml::Spanned::new(decl.span(), v.clone());
        compare::rupiah(file, Some(&spanned), a[3 + i].unwrap_or(Rupiah::ZERO), &format!("realisasi triwulan {} {label}", format::romawi(i as u32 + 1)), diags);
    }
}

/// Average attainment over the configured level, its predikat, and the bucket counts.
fn statistik(rows: &[EvaluasiRow], ed: &Edition) -> Statistik {
    let level = match ed.meta.format.rata_rata_tingkat {
        TingkatRataRata::SubKegiatan => Level::SubKegiatan,
        TingkatRataRata::Kegiatan => Level::Kegiatan,
        TingkatRataRata::Program => Level::Program,
    };
    let at_level: Vec<&EvaluasiRow> = rows.iter().filter(|r| r.tingkat == level).collect();
    let values: Vec<Decimal> = at_level.iter().filter_map(|r| r.capaian_k.map(|p| p.value())).collect();
    let rp: Vec<Decimal> = at_level.iter().filter_map(|r| r.capaian_rp.map(|p| p.value())).collect();
    let mean = |v: &[Decimal]| (!v.is_empty()).then(|| v.iter().copied().sum::<Decimal>() / Decimal::from(v.len()));
    let avg = mean(&values).map(crate::model::value::Persen);
    let avg_rp = mean(&rp).map(crate::model::value::Persen);
    let h = Decimal::ONE_HUNDRED;
    let (s70, s50) = (Decimal::from(70), Decimal::from(50));
    Statistik {
        tingkat: level,
        jumlah_indikator: at_level.len(),
        tanpa_capaian: at_level.len() - values.len(),
        rata_rata_capaian_k: avg.map(Pct),
        predikat_k: predikat(avg, ed),
        rata_rata_capaian_rp: avg_rp.map(Pct),
        predikat_rp: predikat(avg_rp, ed),
        lebih_100: values.iter().filter(|v| **v > h).count(),
        antara_70_100: values.iter().filter(|v| **v > s70 && **v <= h).count(),
        antara_50_70: values.iter().filter(|v| **v > s50 && **v <= s70).count(),
        antara_0_50: values.iter().filter(|v| **v <= s50).count(),
    }
}
