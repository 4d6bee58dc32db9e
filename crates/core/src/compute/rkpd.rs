//! Tabel 3.2: review of the draft RKPD. Both blocks' pagu roll up from sub kegiatan.

use super::{compare, is_leaf, roll_up, with_ancestors, Uang};
use crate::diag::Diagnostics;
use crate::model::code::{Code, Level};
use crate::model::value::{Nilai, Rupiah};
use crate::model::Edition;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct RkpdBlokOut {
    pub lokasi: String,
    pub indikator: String,
    pub target: Option<Nilai>,
    pub pagu: Uang,
}

#[derive(Debug, Clone, Serialize)]
pub struct RkpdRow {
    pub kode: Code,
    pub tingkat: Level,
    pub nama: String,
    pub rancangan: RkpdBlokOut,
    pub analisis: RkpdBlokOut,
    pub selisih: Uang,
    pub catatan: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rkpd {
    pub nomor: String,
    pub judul: String,
    pub judul_kiri: String,
    pub judul_kanan: String,
    pub baris: Vec<RkpdRow>,
    pub total: RkpdTotal,
}

#[derive(Debug, Clone, Serialize)]
pub struct RkpdTotal {
    pub rancangan_pagu: Uang,
    pub analisis_pagu: Uang,
    pub selisih: Uang,
}

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<Rkpd> {
    let (file, src) = ed.sources.rkpd.as_deref()?;
    if ed.meta.jenis == crate::source::schema::JenisEdisi::Murni {
        // T-C.31 reviews the draft RKPD of year n itself.
        let n = ed.meta.tahun;
        super::check_title_years(file, &src.tabel.judul, n, &[n], "judul tabel review rancangan RKPD", diags);
    }
    let mut leaves: Vec<(Code, [Option<Rupiah>; 2])> = Vec::with_capacity(ed.rkpd.len());
    for row in &ed.rkpd {
        let b = row.data;
        let fields = [("rancangan.pagu", b.rancangan.pagu.as_ref()), ("analisis.pagu", b.analisis.pagu.as_ref())];
        if is_leaf(&row.code) {
            super::require_leaf_amounts(&row.loc, &row.code, &fields, diags);
            leaves.push((row.code.clone(), [fields[0].1.map(|s| *s.get_ref()), fields[1].1.map(|s| *s.get_ref())]));
        } else {
            super::refuse_parent_amounts(file, &row.code, &fields, diags);
        }
    }
    let mut sums = roll_up(&leaves);
    let by_code: BTreeMap<&Code, &crate::model::Row<crate::source::schema::RkpdBaris>> = ed.rkpd.iter().map(|r| (&r.code, r)).collect();
    let zero = Rupiah::ZERO;
    // One row per code: the vector is made at its size (growing it by doubling left up to half
    // of it unused: at ×64, 3 MB of `renja check`'s peak over the three parts).
    let codes = with_ancestors(ed.rkpd.iter().map(|r| &r.code));
    let mut rows = Vec::with_capacity(codes.len());
    for code in codes {
        let a = sums.remove(&code).unwrap_or([None; 2]);
        let (l, r) = (a[0].unwrap_or(zero), a[1].unwrap_or(zero));
        let b = by_code.get(&code).map(|r| r.data);
        if let Some(d) = b.and_then(|b| b.dinyatakan.as_ref()) {
            compare::rupiah(file, d.rancangan_pagu.as_ref(), l, &format!("pagu rancangan baris '{code}'"), diags);
            compare::rupiah(file, d.analisis_pagu.as_ref(), r, &format!("pagu hasil analisis baris '{code}'"), diags);
        }
        let blok = |x: Option<&crate::source::schema::RkpdBlok>, p: Rupiah| RkpdBlokOut {
            lokasi: x.map(|x| x.lokasi.clone()).unwrap_or_default(),
            indikator: x.map(|x| x.indikator.clone()).unwrap_or_default(),
            target: x.and_then(|x| x.target.clone()),
            pagu: Uang::new(p),
        };
        rows.push(RkpdRow {
            tingkat: code.level(),
            nama: ed.tree.get(&code).map(|n| n.nama.clone()).unwrap_or_default(),
            rancangan: blok(b.map(|b| &b.rancangan), l),
            analisis: blok(b.map(|b| &b.analisis), r),
            selisih: Uang::new(r - l),
            catatan: b.map(|b| b.catatan.clone()).unwrap_or_default(),
            kode: code,
        });
    }
    let tl: Rupiah = leaves.iter().filter_map(|(_, a)| a[0]).sum();
    let tr: Rupiah = leaves.iter().filter_map(|(_, a)| a[1]).sum();
    Some(Rkpd {
        nomor: src.tabel.nomor.clone(),
        judul: src.tabel.judul.get_ref().clone(),
        judul_kiri: src.tabel.judul_kiri.clone().unwrap_or_else(|| match ed.meta.jenis {
            crate::source::schema::JenisEdisi::Murni => format!("Rancangan Awal RKPD Tahun {}", ed.meta.tahun),
            crate::source::schema::JenisEdisi::Perubahan => "Rancangan Awal RKPD".into(),
        }),
        judul_kanan: src.tabel.judul_kanan.clone().unwrap_or_else(|| "Hasil Analisis Kebutuhan".into()),
        baris: rows,
        total: RkpdTotal { rancangan_pagu: Uang::new(tl), analisis_pagu: Uang::new(tr), selisih: Uang::new(tr - tl) },
    })
}
