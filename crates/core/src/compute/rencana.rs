//! Tabel 3.4 (Perubahan: plan and funding before and after the change) and T-C.33 (murni: the
//! plan of year n with one value per cell). Pagu (sebelum, sesudah, or the murni's single pagu)
//! and prakiraan maju roll up from sub kegiatan to the TOTAL; in a Perubahan selisih = sesudah −
//! sebelum on every row. Which fields a row may have follows the edition's kind.

use super::{compare, is_leaf, roll_up, with_ancestors, Uang};
use crate::diag::{Diagnostics, SourceFile};
use crate::model::code::{Code, Level};
use crate::model::value::{Nilai, Rupiah};
use crate::model::Edition;
use crate::source::schema::{JenisEdisi, RencanaBaris, RencanaFile, SebelumSesudah, TargetRencana};
use serde::Serialize;
use std::collections::BTreeMap;

/// A computed target: one value (murni) or the before/after pair (Perubahan). Serialized as the
/// value itself, or as `{sebelum, sesudah}`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Target {
    Dua(SebelumSesudah),
    Satu(Option<Nilai>),
}

impl Target {
    /// The value in force after this edition: the murni's value, the Perubahan's sesudah.
    pub fn akhir(&self) -> Option<&Nilai> {
        match self {
            Target::Dua(s) => s.sesudah.as_ref(),
            Target::Satu(v) => v.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RencanaRow {
    pub kode: Code,
    pub tingkat: Level,
    pub nama: String,
    pub capaian_program: String,
    pub keluaran: String,
    pub hasil: String,
    pub lokasi: String,
    pub target_program: Target,
    pub target_keluaran: Target,
    pub target_hasil: Target,
    /// Murni: the pagu indikatif of year n (rolled up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu: Option<Uang>,
    /// Perubahan: before, after, and after − before (rolled up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu_sebelum: Option<Uang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu_sesudah: Option<Uang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selisih: Option<Uang>,
    pub sumber_dana: String,
    pub catatan: String,
    pub maju_tolok_ukur: String,
    pub maju_target: Option<Nilai>,
    pub maju_pagu: Option<Uang>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RencanaTotal {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu: Option<Uang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu_sebelum: Option<Uang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagu_sesudah: Option<Uang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selisih: Option<Uang>,
    pub maju_pagu: Uang,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rencana {
    pub nomor: String,
    pub judul: String,
    pub tahun: i32,
    pub tahun_maju: i32,
    pub baris: Vec<RencanaRow>,
    pub total: RencanaTotal,
}

/// Fields of the other kind: an error at the field, with a hint naming this kind's field.
fn check_kind_fields(file: &SourceFile, src: &RencanaFile, jenis: JenisEdisi, diags: &mut Diagnostics) {
    let mut wrong = |span: std::ops::Range<usize>, msg: String, hint: &str| {
        diags.error(file.loc_of(&span), msg).with_hint(hint.to_string());
    };
    let murni = jenis == JenisEdisi::Murni;
    let mut declared: Vec<&crate::source::schema::RencanaDinyatakan> = src.dinyatakan.iter().collect();
    for row in &src.baris {
        let b = row.get_ref();
        declared.extend(b.dinyatakan.as_deref());
        if murni {
            for (f, v) in [("pagu_sebelum", &b.pagu_sebelum), ("pagu_sesudah", &b.pagu_sesudah)] {
                if let Some(v) = v {
                    wrong(v.span(), format!("kolom '{f}' hanya untuk Perubahan Renja; edisi ini Renja murni (T-C.33, satu nilai per sel)"), "tulis pagu indikatif tahun ini sebagai pagu = …");
                }
            }
        } else if let Some(v) = &b.pagu {
            wrong(v.span(), "kolom 'pagu' hanya untuk Renja murni; Perubahan Renja menulis pagu sebelum dan sesudah perubahan".into(), "tulis pagu_sebelum = … dan pagu_sesudah = …");
        }
        for (f, t) in [("target_program", &b.target_program), ("target_keluaran", &b.target_keluaran), ("target_hasil", &b.target_hasil)] {
            let Some(t) = t else { continue };
            match (t.get_ref(), murni) {
                (TargetRencana::Dua(_), true) => wrong(
                    t.span(),
                    format!("{f} berbentuk {{ sebelum, sesudah }}, padahal edisi ini Renja murni (satu nilai per sel)"),
                    &format!("tulis {f} = \"…\" (mis. {f} = \"4 Dokumen\")"),
                ),
                (TargetRencana::Satu(_), false) => wrong(
                    t.span(),
                    format!("{f} berisi satu nilai, padahal Perubahan Renja mencatat nilai sebelum dan sesudah perubahan"),
                    &format!("tulis {f} = {{ sebelum = \"…\", sesudah = \"…\" }}"),
                ),
                _ => {}
            }
        }
    }
    for d in declared {
        if murni {
            for (f, v) in [("pagu_sebelum", &d.pagu_sebelum), ("pagu_sesudah", &d.pagu_sesudah), ("selisih", &d.selisih)] {
                if let Some(v) = v {
                    wrong(v.span(), format!("dinyatakan.{f} hanya untuk Perubahan Renja; edisi ini Renja murni"), "catat pagu tercetak sebagai dinyatakan.pagu");
                }
            }
        } else if let Some(v) = &d.pagu {
            wrong(v.span(), "dinyatakan.pagu hanya untuk Renja murni".into(), "catat pagu tercetak sebagai dinyatakan.pagu_sebelum / dinyatakan.pagu_sesudah");
        }
    }
}

fn target_of(t: &Option<toml::Spanned<TargetRencana>>, murni: bool) -> Target {
    let v = t.as_ref().map(|t| t.get_ref());
    if murni {
        Target::Satu(match v {
            Some(TargetRencana::Satu(n)) => Some(n.clone()),
            _ => None,
        })
    } else {
        Target::Dua(match v {
            Some(TargetRencana::Dua(s)) => s.clone(),
            _ => SebelumSesudah::default(),
        })
    }
}

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<Rencana> {
    // One row per code: the vector is made at its size (growing it by doubling left up to half
    // of it unused: at ×64, 3 MB of `renja check`'s peak over the three parts).
    let rows = std::cell::RefCell::new(Vec::new());
    let mut t = compute_each(ed, diags, |_, n| rows.borrow_mut().reserve_exact(n), |row| rows.borrow_mut().push(row))?;
    t.baris = rows.into_inner();
    Some(t)
}

/// [`compute`], giving each row to `each` as it is made instead of keeping it: the table
/// returned has no rows (`renja check` measures each row for Tabel 3.4 and keeps none).
/// `start` is called before the first row with the table without rows or totals (its number,
/// title, years and kind) and the number of rows to come. The same diagnostics as [`compute`].
pub fn compute_each(ed: &Edition, diags: &mut Diagnostics, start: impl FnOnce(&Rencana, usize), mut each: impl FnMut(RencanaRow)) -> Option<Rencana> {
    let (file, src) = ed.sources.rencana.as_deref()?;
    let n = ed.meta.tahun;
    let murni = ed.meta.jenis == JenisEdisi::Murni;
    check_kind_fields(file, src, ed.meta.jenis, diags);
    if let Some(t) = &src.tabel.tahun_maju {
        if *t.get_ref() != n + 1 {
            diags
                .error(file.loc_of(&t.span()), format!("tahun_maju {} tidak cocok: prakiraan maju Renja tahun {n} adalah untuk tahun {}", t.get_ref(), n + 1))
                .with_hint(format!("tulis tahun_maju = {}, atau hapus barisnya", n + 1));
        }
    }
    if murni {
        super::check_title_years(file, &src.tabel.judul, n, &[n, n + 1], "judul tabel rencana program dan kegiatan", diags);
    }
    // Leaf amounts: [pagu sebelum (murni: pagu), pagu sesudah, prakiraan maju].
    let mut leaves: Vec<(Code, [Option<Rupiah>; 3])> = Vec::with_capacity(ed.rencana.len());
    for row in &ed.rencana {
        let b = row.data;
        let maju = b.maju.as_ref().and_then(|m| m.pagu.as_ref());
        let fields = if murni {
            [("pagu", b.pagu.as_ref()), ("pagu_sesudah", None), ("maju.pagu", maju)]
        } else {
            [("pagu_sebelum", b.pagu_sebelum.as_ref()), ("pagu_sesudah", b.pagu_sesudah.as_ref()), ("maju.pagu", maju)]
        };
        if is_leaf(&row.code) {
            super::require_leaf_amounts(&row.loc, &row.code, &fields[..if murni { 1 } else { 2 }], diags);
            leaves.push((row.code.clone(), fields.map(|(_, f)| f.map(|s| *s.get_ref()))));
        } else {
            super::refuse_parent_amounts(file, &row.code, &fields, diags);
        }
    }
    let mut sums = roll_up(&leaves);
    let by_code: BTreeMap<&Code, &crate::model::Row<RencanaBaris>> = ed.rencana.iter().map(|r| (&r.code, r)).collect();
    let zero = Rupiah::ZERO;
    let codes = with_ancestors(ed.rencana.iter().map(|r| &r.code));
    let total = |tb: Rupiah, ts: Rupiah, tm: Rupiah| RencanaTotal {
        pagu: murni.then(|| Uang::new(tb)),
        pagu_sebelum: (!murni).then(|| Uang::new(tb)),
        pagu_sesudah: (!murni).then(|| Uang::new(ts)),
        selisih: (!murni).then(|| Uang::new(ts - tb)),
        maju_pagu: Uang::new(tm),
    };
    let mut t = Rencana {
        nomor: src.tabel.nomor.clone(),
        judul: src.tabel.judul.get_ref().clone(),
        tahun: n,
        tahun_maju: src.tabel.tahun_maju.as_ref().map(|t| *t.get_ref()).unwrap_or(n + 1),
        baris: Vec::new(),
        total: total(zero, zero, zero),
    };
    start(&t, codes.len());
    for code in codes {
        let a = sums.remove(&code).unwrap_or([None; 3]);
        let (sb, ss) = (a[0].unwrap_or(zero), a[1].unwrap_or(zero));
        let b = by_code.get(&code).map(|r| r.data);
        if let Some(d) = b.and_then(|b| b.dinyatakan.as_ref()) {
            if murni {
                compare::rupiah(file, d.pagu.as_ref(), sb, &format!("pagu baris '{code}'"), diags);
            } else {
                compare::rupiah(file, d.pagu_sebelum.as_ref(), sb, &format!("pagu sebelum baris '{code}'"), diags);
                compare::rupiah(file, d.pagu_sesudah.as_ref(), ss, &format!("pagu sesudah baris '{code}'"), diags);
                compare::rupiah(file, d.selisih.as_ref(), ss - sb, &format!("selisih baris '{code}'"), diags);
            }
            compare::rupiah(file, d.maju_pagu.as_ref(), a[2].unwrap_or(zero), &format!("prakiraan maju baris '{code}'"), diags);
        }
        let m = b.and_then(|b| b.maju.as_ref());
        let none = None;
        each(RencanaRow {
            tingkat: code.level(),
            nama: ed.tree.get(&code).map(|n| n.nama.clone()).unwrap_or_default(),
            capaian_program: b.map(|b| b.capaian_program.clone()).unwrap_or_default(),
            keluaran: b.map(|b| b.keluaran.clone()).unwrap_or_default(),
            hasil: b.map(|b| b.hasil.clone()).unwrap_or_default(),
            lokasi: b.map(|b| b.lokasi.clone()).unwrap_or_default(),
            target_program: target_of(b.map(|b| &b.target_program).unwrap_or(&none), murni),
            target_keluaran: target_of(b.map(|b| &b.target_keluaran).unwrap_or(&none), murni),
            target_hasil: target_of(b.map(|b| &b.target_hasil).unwrap_or(&none), murni),
            pagu: murni.then(|| Uang::new(sb)),
            pagu_sebelum: (!murni).then(|| Uang::new(sb)),
            pagu_sesudah: (!murni).then(|| Uang::new(ss)),
            selisih: (!murni).then(|| Uang::new(ss - sb)),
            sumber_dana: b.map(|b| b.sumber_dana.clone()).unwrap_or_default(),
            catatan: b.map(|b| b.catatan.clone()).unwrap_or_default(),
            maju_tolok_ukur: m.map(|m| m.tolok_ukur.clone()).unwrap_or_default(),
            maju_target: m.and_then(|m| m.target.clone()),
            maju_pagu: a[2].map(Uang::new),
            kode: code,
        });
    }
    let col = |i: usize| -> Rupiah { leaves.iter().filter_map(|(_, a)| a[i]).sum() };
    let (tb, ts, tm) = (col(0), col(1), col(2));
    if let Some(d) = &src.dinyatakan {
        if murni {
            compare::rupiah(file, d.pagu.as_ref(), tb, "TOTAL pagu", diags);
        } else {
            compare::rupiah(file, d.pagu_sebelum.as_ref(), tb, "TOTAL pagu sebelum", diags);
            compare::rupiah(file, d.pagu_sesudah.as_ref(), ts, "TOTAL pagu sesudah", diags);
            compare::rupiah(file, d.selisih.as_ref(), ts - tb, "TOTAL selisih", diags);
        }
        compare::rupiah(file, d.maju_pagu.as_ref(), tm, "TOTAL prakiraan maju", diags);
    }
    t.total = total(tb, ts, tm);
    Some(t)
}
