//! Tabel 3.4: plan and funding before and after the change. Pagu sebelum, sesudah and prakiraan
//! maju roll up from sub kegiatan to the TOTAL; selisih = sesudah − sebelum on every row.

use super::{compare, is_leaf, roll_up, with_ancestors, Uang};
use crate::diag::Diagnostics;
use crate::model::code::{Code, Level};
use crate::model::value::{Nilai, Rupiah};
use crate::model::Edition;
use crate::source::schema::{RencanaBaris, SebelumSesudah};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct RencanaRow {
    pub kode: Code,
    pub tingkat: Level,
    pub nama: String,
    pub capaian_program: String,
    pub keluaran: String,
    pub hasil: String,
    pub lokasi: String,
    pub target_program: SebelumSesudah,
    pub target_keluaran: SebelumSesudah,
    pub target_hasil: SebelumSesudah,
    pub pagu_sebelum: Uang,
    pub pagu_sesudah: Uang,
    pub selisih: Uang,
    pub sumber_dana: String,
    pub catatan: String,
    pub maju_tolok_ukur: String,
    pub maju_target: Option<Nilai>,
    pub maju_pagu: Option<Uang>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RencanaTotal {
    pub pagu_sebelum: Uang,
    pub pagu_sesudah: Uang,
    pub selisih: Uang,
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

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<Rencana> {
    let (file, src) = ed.sources.rencana.as_ref()?;
    let mut leaves: Vec<(Code, [Option<Rupiah>; 3])> = Vec::new();
    for row in &ed.rencana {
        let b = row.data;
        let maju = b.maju.as_ref().and_then(|m| m.pagu.as_ref());
        let fields = [("pagu_sebelum", b.pagu_sebelum.as_ref()), ("pagu_sesudah", b.pagu_sesudah.as_ref()), ("maju.pagu", maju)];
        if is_leaf(&row.code) {
            super::require_leaf_amounts(&row.loc, &row.code, &fields[..2], diags);
            leaves.push((row.code.clone(), fields.map(|(_, f)| f.map(|s| *s.get_ref()))));
        } else {
            super::refuse_parent_amounts(file, &row.code, &fields, diags);
        }
    }
    let sums = roll_up(&leaves);
    let by_code: BTreeMap<&Code, &crate::model::Row<RencanaBaris>> = ed.rencana.iter().map(|r| (&r.code, r)).collect();
    let zero = Rupiah::ZERO;
    let mut rows = Vec::new();
    for code in with_ancestors(ed.rencana.iter().map(|r| &r.code)) {
        let a = sums.get(&code).copied().unwrap_or([None; 3]);
        let (sb, ss) = (a[0].unwrap_or(zero), a[1].unwrap_or(zero));
        let b = by_code.get(&code).map(|r| r.data);
        if let Some(d) = b.and_then(|b| b.dinyatakan.as_ref()) {
            compare::rupiah(file, &d.pagu_sebelum, sb, &format!("pagu sebelum baris '{code}'"), diags);
            compare::rupiah(file, &d.pagu_sesudah, ss, &format!("pagu sesudah baris '{code}'"), diags);
            compare::rupiah(file, &d.maju_pagu, a[2].unwrap_or(zero), &format!("prakiraan maju baris '{code}'"), diags);
            compare::rupiah(file, &d.selisih, ss - sb, &format!("selisih baris '{code}'"), diags);
        }
        let m = b.and_then(|b| b.maju.as_ref());
        rows.push(RencanaRow {
            tingkat: code.level(),
            nama: ed.tree.get(&code).map(|n| n.nama.clone()).unwrap_or_default(),
            capaian_program: b.map(|b| b.capaian_program.clone()).unwrap_or_default(),
            keluaran: b.map(|b| b.keluaran.clone()).unwrap_or_default(),
            hasil: b.map(|b| b.hasil.clone()).unwrap_or_default(),
            lokasi: b.map(|b| b.lokasi.clone()).unwrap_or_default(),
            target_program: b.map(|b| b.target_program.clone()).unwrap_or_default(),
            target_keluaran: b.map(|b| b.target_keluaran.clone()).unwrap_or_default(),
            target_hasil: b.map(|b| b.target_hasil.clone()).unwrap_or_default(),
            pagu_sebelum: Uang::new(sb),
            pagu_sesudah: Uang::new(ss),
            selisih: Uang::new(ss - sb),
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
        compare::rupiah(file, &d.pagu_sebelum, tb, "TOTAL pagu sebelum", diags);
        compare::rupiah(file, &d.pagu_sesudah, ts, "TOTAL pagu sesudah", diags);
        compare::rupiah(file, &d.maju_pagu, tm, "TOTAL prakiraan maju", diags);
        compare::rupiah(file, &d.selisih, ts - tb, "TOTAL selisih", diags);
    }
    Some(Rencana {
        nomor: src.tabel.nomor.clone(),
        judul: src.tabel.judul.clone(),
        tahun: ed.meta.tahun,
        tahun_maju: src.tabel.tahun_maju.unwrap_or(ed.meta.tahun + 1),
        baris: rows,
        total: RencanaTotal { pagu_sebelum: Uang::new(tb), pagu_sesudah: Uang::new(ts), selisih: Uang::new(ts - tb), maju_pagu: Uang::new(tm) },
    })
}
