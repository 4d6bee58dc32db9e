//! Table specs written once as data — header rows with their spans, column widths and alignment,
//! the column-number row, orientation — and the computed rows turned into formatted cells. Both
//! renderers read these; neither formats a number or writes a header of its own.

use crate::compute::{Computed, Evaluasi, Pct, Rencana, Rkpd, TujuanSasaran, Uang};
use crate::compute::{EvaluasiRow, JenisTS, RencanaRow, RkpdRow, TsRow};
use crate::format;
use crate::model::code::Level;
use crate::model::predikat::Predikat;
use crate::model::value::Nilai;
use crate::model::Meta;
use crate::compute::rencana::Target;
use crate::source::schema::{BentukEvaluasi, Formula, JenisEdisi, Sifat};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Orientasi {
    Potret,
    Lanskap,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Rata {
    Kiri,
    Tengah,
    Kanan,
}

/// One column: relative width and alignment of its body cells.
#[derive(Debug, Clone, Serialize)]
pub struct Kolom {
    pub lebar: f64,
    pub rata: Rata,
}

/// A header cell with its spans.
#[derive(Debug, Clone, Serialize)]
pub struct SelKepala {
    pub teks: String,
    pub kolom: u32,
    pub baris: u32,
}

/// A body cell. `kolom`/`baris` are spans; cells covered by a span are omitted from the row.
#[derive(Debug, Clone, Serialize)]
pub struct Sel {
    pub teks: String,
    #[serde(skip_serializing_if = "is_one")]
    pub kolom: u32,
    #[serde(skip_serializing_if = "is_one")]
    pub baris: u32,
    /// Alignment; always set in a finished table (from the column unless the cell overrides it).
    pub rata: Option<Rata>,
    /// A formula printed as a fraction (Tabel 3.1). Boxed: rare, and a cell is 112 bytes with it
    /// inline, 48 without (at ×64, 5 MB of Tabel 3.4's and 3.2's placed rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pecahan: Option<Box<Pecahan>>,
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

#[derive(Debug, Clone, Serialize)]
pub struct Pecahan {
    pub pembilang: String,
    pub penyebut: String,
    pub pengali: Option<String>,
}

impl Sel {
    pub fn new(teks: impl Into<String>) -> Self {
        Sel { teks: teks.into(), kolom: 1, baris: 1, rata: None, pecahan: None }
    }
    fn span(mut self, kolom: u32) -> Self {
        self.kolom = kolom;
        self
    }
    fn rows(mut self, baris: u32) -> Self {
        self.baris = baris;
        self
    }
    fn align(mut self, rata: Rata) -> Self {
        self.rata = Some(rata);
        self
    }
}

/// The visual role of a row.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GayaBaris {
    Opd,
    Urusan,
    Bidang,
    Program,
    Kegiatan,
    SubKegiatan,
    Tujuan,
    Sasaran,
    Total,
    Ringkasan,
}

impl GayaBaris {
    fn of(level: Level) -> Self {
        match level {
            Level::Urusan => GayaBaris::Urusan,
            Level::Bidang => GayaBaris::Bidang,
            Level::Program => GayaBaris::Program,
            Level::Kegiatan => GayaBaris::Kegiatan,
            Level::SubKegiatan => GayaBaris::SubKegiatan,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BarisTampil {
    pub gaya: GayaBaris,
    pub tebal: bool,
    pub sel: Vec<Sel>,
}

/// A placed table, ready to draw.
#[derive(Debug, Clone, Serialize)]
pub struct TabelTampil {
    pub id: String,
    pub nomor: String,
    pub judul: String,
    pub orientasi: Orientasi,
    pub ukuran_huruf: f64,
    pub kolom: Vec<Kolom>,
    pub kepala: Vec<Vec<SelKepala>>,
    /// Print a row with the column numbers 1, 2, 3, … under the header.
    pub nomor_kolom: bool,
    pub baris: Vec<BarisTampil>,
    /// Left and right padding inside every cell, in points (both renderers). Set with the
    /// column widths ([`super::widths::atur`]): narrower than the default only where a table's
    /// words would not fit otherwise.
    pub inset_pt: f64,
}

fn h(teks: impl Into<String>, kolom: u32, baris: u32) -> SelKepala {
    SelKepala { teks: teks.into(), kolom, baris }
}

fn col(lebar: f64, rata: Rata) -> Kolom {
    Kolom { lebar, rata }
}

fn uang(u: &Uang) -> String {
    u.teks()
}

fn pct(p: &Option<Pct>) -> String {
    p.map(|p| p.teks()).unwrap_or_else(|| "-".to_string())
}

fn pred(p: &Option<Predikat>) -> String {
    p.map(|p| p.kode().to_string()).unwrap_or_else(|| "-".to_string())
}

fn nilai(n: &Option<Nilai>) -> String {
    n.as_ref().map(|n| n.teks.clone()).unwrap_or_default()
}

/// A K value with its unit when the value is a bare number ("70" + "persen" → "70 persen").
fn nilai_satuan(n: &Option<Nilai>, satuan: &str) -> String {
    match n {
        Some(n) if !n.is_empty() => {
            let bare = n.teks.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '-');
            if bare && !satuan.is_empty() { format!("{} {}", n.teks, satuan) } else { n.teks.clone() }
        }
        _ => String::new(),
    }
}

fn tebal(level: Level) -> bool {
    level != Level::SubKegiatan
}

// ---------------------------------------------------------------------------------------------
// Tabel 2.1

fn evaluasi(e: &Evaluasi, meta: &Meta) -> TabelTampil {
    if e.bentuk == BentukEvaluasi::Tc29 {
        return evaluasi_tc29(e, meta);
    }
    let tw = e.triwulan as usize;
    // Quarter columns shown: quarters before the evaluated one that any row has data for.
    let quarters: Vec<usize> = (0..tw.saturating_sub(1)).filter(|&q| e.baris.iter().any(|r| r.realisasi_triwulan_rp.get(q).is_some_and(|v| v.is_some()))).collect();
    let nq = quarters.len() as u32;
    let mut kolom = vec![col(3.0, Rata::Kiri), col(5.0, Rata::Kiri), col(4.2, Rata::Kiri), col(1.5, Rata::Tengah)];
    kolom.extend([col(1.6, Rata::Tengah), col(2.4, Rata::Kanan), col(1.6, Rata::Tengah), col(2.4, Rata::Kanan)]);
    kolom.extend(quarters.iter().map(|_| col(2.4, Rata::Kanan)));
    kolom.extend([col(1.6, Rata::Tengah), col(2.4, Rata::Kanan), col(1.4, Rata::Kanan), col(1.4, Rata::Kanan), col(1.0, Rata::Tengah), col(1.0, Rata::Tengah)]);
    let tws = format::romawi(e.triwulan);
    let mut r1 = vec![
        h("Kode", 1, 3),
        h("Perangkat Daerah / Program / Kegiatan / Sub Kegiatan", 1, 3),
        h("Indikator Kinerja", 1, 3),
        h("Sifat", 1, 3),
        h(format!("Target Kinerja dan Pagu {} (Renja)", e.tahun_lalu), 2, 1),
        h(format!("Target Kinerja dan Pagu {} (Renja)", e.tahun), 2, 1),
        h(format!("Realisasi {}", e.tahun), nq + 2, 1),
        h(format!("Tingkat Capaian Kinerja dan Anggaran {} (%)", e.tahun), 2, 1),
        h("Predikat", 2, 1),
    ];
    let mut r2 = vec![h("K", 1, 2), h("Rp", 1, 2), h("K", 1, 2), h("Rp", 1, 2)];
    let mut r3 = Vec::new();
    for &q in &quarters {
        r2.push(h(format!("Triwulan {}", format::romawi(q as u32 + 1)), 1, 1));
        r3.push(h("Rp", 1, 1));
    }
    r2.push(h(format!("s/d Triwulan {tws}"), 2, 1));
    r3.extend([h("K", 1, 1), h("Rp", 1, 1)]);
    r2.extend([h("K", 1, 2), h("Rp", 1, 2), h("K", 1, 2), h("Rp", 1, 2)]);
    let _ = &mut r1;
    let ncols = kolom.len() as u32;

    let mut baris = Vec::new();
    // OPD row first, as the official form and the reference print it.
    let t = &e.total;
    let mut opd = vec![Sel::new(meta.opd.kode.as_ref().map(|k| k.get_ref().clone()).unwrap_or_default()), Sel::new(meta.opd.nama.clone()), Sel::new(""), Sel::new("")];
    opd.extend([Sel::new(""), Sel::new(uang(&t.pagu_lalu)), Sel::new(""), Sel::new(uang(&t.pagu))]);
    for &q in &quarters {
        opd.push(Sel::new(t.realisasi_triwulan_rp.get(q).copied().flatten().map(|u| u.teks()).unwrap_or_default()));
    }
    opd.extend([Sel::new(""), Sel::new(uang(&t.realisasi_rp)), Sel::new(""), Sel::new(pct(&t.capaian_rp)), Sel::new(""), Sel::new(pred(&t.predikat_rp))]);
    baris.push(BarisTampil { gaya: GayaBaris::Opd, tebal: true, sel: opd });

    for r in &e.baris {
        baris.push(evaluasi_row(r, &quarters));
    }
    // Footer of the official form: average attainment and its rating.
    let s = &e.statistik;
    let label = format!("Rata-rata capaian kinerja ({})", s.tingkat.nama());
    let before = 8 + nq; // columns before the capaian K column
    let mut avg = vec![Sel::new(label).span(before).align(Rata::Kanan)];
    avg.extend([Sel::new(pct(&s.rata_rata_capaian_k)), Sel::new(pct(&s.rata_rata_capaian_rp)), Sel::new(pred(&s.predikat_k)), Sel::new(pred(&s.predikat_rp))]);
    // The realisasi s/d columns sit between; give them empty cells.
    let mut avg_row = vec![avg.remove(0)];
    avg_row.extend([Sel::new(""), Sel::new("")]);
    avg_row.extend(avg);
    debug_assert_eq!(avg_row.iter().map(|c| c.kolom).sum::<u32>(), ncols);
    baris.push(BarisTampil { gaya: GayaBaris::Ringkasan, tebal: true, sel: avg_row });

    TabelTampil {
        id: IdTabel::Evaluasi.as_str().into(),
        nomor: e.nomor.clone(),
        judul: e.judul.clone(),
        orientasi: Orientasi::Lanskap,
        ukuran_huruf: 7.0,
        kolom,
        kepala: vec![r1, r2, r3],
        nomor_kolom: true,
        inset_pt: crate::document::widths::INSET_PT,
        baris,
    }
}

fn evaluasi_row(r: &EvaluasiRow, quarters: &[usize]) -> BarisTampil {
    let mut sel = vec![
        Sel::new(r.kode.to_string()),
        Sel::new(r.nama.clone()),
        Sel::new(r.indikator.clone()),
        Sel::new(if r.indikator.is_empty() { String::new() } else { match r.sifat { Sifat::Positif => "positif".into(), Sifat::Negatif => "negatif".into() } }),
        Sel::new(nilai_satuan(&r.target_lalu, &r.satuan)),
        Sel::new(uang(&r.pagu_lalu)),
        Sel::new(nilai_satuan(&r.target, &r.satuan)),
        Sel::new(uang(&r.pagu)),
    ];
    for &q in quarters {
        sel.push(Sel::new(r.realisasi_triwulan_rp.get(q).copied().flatten().map(|u| u.teks()).unwrap_or_default()));
    }
    let has_k = !r.indikator.is_empty();
    sel.extend([
        Sel::new(nilai(&r.realisasi_k)),
        Sel::new(uang(&r.realisasi_rp)),
        Sel::new(if has_k { pct(&r.capaian_k) } else { String::new() }),
        Sel::new(pct(&r.capaian_rp)),
        Sel::new(if has_k { pred(&r.predikat_k) } else { String::new() }),
        Sel::new(pred(&r.predikat_rp)),
    ]);
    BarisTampil { gaya: GayaBaris::of(r.tingkat), tebal: tebal(r.tingkat), sel }
}

// ---------------------------------------------------------------------------------------------
// T-C.29: evaluation of year n−2 and Renstra attainment up to n−1 (murni)

fn opd_sel(meta: &Meta) -> [Sel; 2] {
    [Sel::new(meta.opd.kode.as_ref().map(|k| k.get_ref().clone()).unwrap_or_default()), Sel::new(meta.opd.nama.clone())]
}

fn evaluasi_tc29(e: &Evaluasi, meta: &Meta) -> TabelTampil {
    let n = e.tahun;
    let (n1, n2, n3) = (n - 1, n - 2, n - 3);
    let mut kolom = vec![col(3.3, Rata::Kiri), col(4.2, Rata::Kiri), col(3.8, Rata::Kiri), col(1.5, Rata::Tengah), col(1.5, Rata::Tengah)];
    for _ in 0..4 {
        kolom.extend([col(1.4, Rata::Tengah), col(2.3, Rata::Kanan)]);
    }
    kolom.extend([col(1.5, Rata::Tengah), col(1.4, Rata::Kanan), col(2.2, Rata::Kiri)]);
    let akhir = e.tahun_renstra_akhir.map(|y| format!(" (Tahun {y})")).unwrap_or_default();
    let r1 = vec![
        h("Kode", 1, 3),
        h("Urusan / Bidang Urusan / Program / Kegiatan / Sub Kegiatan", 1, 3),
        h("Indikator Kinerja Program (Outcome) / Kegiatan (Output)", 1, 3),
        h(format!("Target Kinerja Capaian Renstra{akhir}"), 1, 3),
        h(format!("Realisasi Target Kinerja s/d Tahun {n3}"), 1, 3),
        h(format!("Target dan Realisasi Kinerja Tahun {n2}"), 6, 1),
        h(format!("Target Renja Tahun {n1}"), 2, 2),
        h(format!("Perkiraan Realisasi Capaian Target Renstra s/d Tahun {n1}"), 2, 1),
        h("Keterangan / Perangkat Daerah Penanggung Jawab", 1, 3),
    ];
    let r2 = vec![
        h("Target Renja", 2, 1),
        h("Realisasi Renja", 2, 1),
        h("Tingkat Realisasi (%)", 2, 1),
        h("Realisasi Capaian", 1, 2),
        h("Tingkat Capaian (%)", 1, 2),
    ];
    let r3: Vec<SelKepala> = (0..4).flat_map(|_| [h("K", 1, 1), h("Rp", 1, 1)]).collect();
    // The form's own column numbers, with the formulas of the computed columns.
    let mut r4: Vec<SelKepala> = ["1", "2", "3", "4", "5"].iter().map(|x| h(*x, 1, 1)).collect();
    r4.extend([h("6", 2, 1), h("7", 2, 1), h("8 = 7 ÷ 6", 2, 1), h("9", 2, 1), h("10 = 5 + 7 + 9", 1, 1), h("11 = 10 ÷ 4", 1, 1), h("12", 1, 1)]);

    let mut baris = Vec::new();
    let t = &e.total;
    let mut opd: Vec<Sel> = opd_sel(meta).into();
    opd.extend([Sel::new(""), Sel::new(""), Sel::new("")]);
    opd.extend([Sel::new(""), Sel::new(uang(&t.pagu)), Sel::new(""), Sel::new(uang(&t.realisasi_rp)), Sel::new(""), Sel::new(pct(&t.capaian_rp))]);
    opd.extend([Sel::new(""), Sel::new(t.pagu_berjalan.as_ref().map(uang).unwrap_or_default()), Sel::new(""), Sel::new(""), Sel::new("")]);
    baris.push(BarisTampil { gaya: GayaBaris::Opd, tebal: true, sel: opd });
    for r in &e.baris {
        let x = r.tc29.as_ref();
        let has_k = !r.indikator.is_empty();
        let k = |v: Option<&Option<Nilai>>| v.map(|v| nilai_satuan(v, &r.satuan)).unwrap_or_default();
        let sel = vec![
            Sel::new(r.kode.to_string()),
            Sel::new(r.nama.clone()),
            Sel::new(r.indikator.clone()),
            Sel::new(k(x.map(|x| &x.target_renstra))),
            Sel::new(k(x.map(|x| &x.realisasi_renstra))),
            Sel::new(nilai_satuan(&r.target, &r.satuan)),
            Sel::new(uang(&r.pagu)),
            Sel::new(nilai_satuan(&r.realisasi_k, &r.satuan)),
            Sel::new(uang(&r.realisasi_rp)),
            Sel::new(if has_k { pct(&r.capaian_k) } else { String::new() }),
            Sel::new(pct(&r.capaian_rp)),
            Sel::new(k(x.map(|x| &x.target_berjalan))),
            Sel::new(x.map(|x| uang(&x.pagu_berjalan)).unwrap_or_default()),
            Sel::new(k(x.map(|x| &x.realisasi_capaian))),
            Sel::new(if has_k { x.map(|x| pct(&x.tingkat_capaian)).unwrap_or_default() } else { String::new() }),
            Sel::new(x.map(|x| x.keterangan.clone()).unwrap_or_default()),
        ];
        baris.push(BarisTampil { gaya: GayaBaris::of(r.tingkat), tebal: tebal(r.tingkat), sel });
    }
    let s = &e.statistik;
    let mut avg = vec![Sel::new(format!("Rata-rata tingkat realisasi ({})", s.tingkat.nama())).span(9).align(Rata::Kanan)];
    avg.extend([Sel::new(pct(&s.rata_rata_capaian_k)), Sel::new(pct(&s.rata_rata_capaian_rp))]);
    avg.push(Sel::new(format!("Predikat: kinerja {}, anggaran {}", pred(&s.predikat_k), pred(&s.predikat_rp))).span(5).align(Rata::Kiri));
    baris.push(BarisTampil { gaya: GayaBaris::Ringkasan, tebal: true, sel: avg });
    TabelTampil {
        id: IdTabel::Evaluasi.as_str().into(),
        nomor: e.nomor.clone(),
        judul: e.judul.clone(),
        orientasi: Orientasi::Lanskap,
        ukuran_huruf: 6.5,
        kolom,
        kepala: vec![r1, r2, r3, r4],
        nomor_kolom: false,
        inset_pt: crate::document::widths::INSET_PT,
        baris,
    }
}

// ---------------------------------------------------------------------------------------------
// Tabel 2.2 and 3.1

fn formula_sel(f: &Option<Formula>) -> Sel {
    match f {
        None => Sel::new(""),
        Some(Formula::Teks(t)) => Sel::new(t.clone()),
        Some(Formula::Pecahan { pembilang, penyebut, pengali }) => {
            let pengali = pengali.map(|p| p.to_string());
            let mut s = Sel::new(format!(
                "{pembilang} / {penyebut}{}",
                pengali.as_ref().map(|p| format!(" × {p}")).unwrap_or_default()
            ));
            s.pecahan = Some(Box::new(Pecahan { pembilang: pembilang.clone(), penyebut: penyebut.clone(), pengali }));
            s
        }
    }
}

fn ts_label(r: &TsRow) -> Option<Sel> {
    if r.rentang == 0 {
        return None;
    }
    let prefix = match r.jenis {
        JenisTS::Tujuan => "Tujuan",
        JenisTS::Sasaran => "Sasaran",
    };
    Some(Sel::new(format!("{prefix}: {}", r.uraian)).rows(r.rentang as u32))
}

fn ts_gaya(r: &TsRow) -> GayaBaris {
    match r.jenis {
        JenisTS::Tujuan => GayaBaris::Tujuan,
        JenisTS::Sasaran => GayaBaris::Sasaran,
    }
}

/// T-C.30: service performance of the agency, years n−2 … n+1 (murni).
fn pelayanan(ts: &TujuanSasaran, years: [i32; 4]) -> Option<TabelTampil> {
    let info = ts.kinerja.as_ref()?;
    let [a, b, c, d] = years;
    let mut kolom = vec![col(0.8, Rata::Tengah), col(4.2, Rata::Kiri), col(2.0, Rata::Kiri), col(2.0, Rata::Kiri)];
    kolom.extend((0..8).map(|_| col(1.3, Rata::Tengah)));
    kolom.push(col(3.0, Rata::Kiri));
    let r1 = vec![
        h("No", 1, 2),
        h("Indikator", 1, 2),
        h("SPM / Standar Nasional", 1, 2),
        h("IKK", 1, 2),
        h("Target Renstra Perangkat Daerah", 4, 1),
        h("Realisasi Capaian", 2, 1),
        h("Proyeksi", 2, 1),
        h("Catatan Analisis", 1, 2),
    ];
    let r2 = [a, b, c, d, a, b, c, d].iter().map(|y| h(format!("Tahun {y}"), 1, 1)).collect();
    let mut no = 0;
    let baris = ts
        .baris
        .iter()
        .filter(|r| !r.indikator.is_empty())
        .map(|r| {
            no += 1;
            let p = r.pelayanan.as_ref();
            let v = |x: Option<&Option<Nilai>>| x.map(nilai).unwrap_or_default();
            let mut sel = vec![Sel::new(no.to_string()), Sel::new(r.indikator.clone()), Sel::new(p.map(|p| p.spm.clone()).unwrap_or_default()), Sel::new(p.map(|p| p.ikk.clone()).unwrap_or_default())];
            for i in 0..4 {
                sel.push(Sel::new(v(p.map(|p| &p.target[i]))));
            }
            for i in 0..2 {
                sel.push(Sel::new(v(p.map(|p| &p.realisasi[i]))));
            }
            for i in 0..2 {
                sel.push(Sel::new(v(p.map(|p| &p.proyeksi[i]))));
            }
            sel.push(Sel::new(p.map(|p| p.catatan.clone()).unwrap_or_default()));
            BarisTampil { gaya: ts_gaya(r), tebal: false, sel }
        })
        .collect();
    Some(TabelTampil {
        id: IdTabel::Kinerja.as_str().into(),
        nomor: info.nomor.clone(),
        judul: info.judul.clone(),
        orientasi: Orientasi::Lanskap,
        ukuran_huruf: 7.0,
        kolom,
        kepala: vec![r1, r2],
        nomor_kolom: true,
        inset_pt: crate::document::widths::INSET_PT,
        baris,
    })
}

fn kinerja(ts: &TujuanSasaran, meta: &Meta) -> Option<TabelTampil> {
    if let Some(years) = ts.tahun_pelayanan {
        return pelayanan(ts, years);
    }
    let info = ts.kinerja.as_ref()?;
    let n = ts.tahun_renstra.len() as u32;
    let mut kolom = vec![col(4.0, Rata::Kiri), col(4.0, Rata::Kiri)];
    kolom.extend((0..n).map(|_| col(1.3, Rata::Tengah)));
    kolom.extend([col(1.4, Rata::Tengah), col(1.4, Rata::Tengah)]);
    let r1 = vec![h("Tujuan/Sasaran", 1, 2), h("Indikator", 1, 2), h("Target Renstra", n, 1), h(format!("Realisasi s/d Triwulan {}", format::romawi(meta.triwulan)), 1, 2), h("Capaian Kinerja (%)", 1, 2)];
    let r2 = ts.tahun_renstra.iter().map(|y| h(y.to_string(), 1, 1)).collect();
    let baris = ts
        .baris
        .iter()
        .map(|r| {
            let mut sel: Vec<Sel> = ts_label(r).into_iter().collect();
            sel.push(Sel::new(r.indikator.clone()));
            for i in 0..n as usize {
                sel.push(Sel::new(r.target_renstra.get(i).map(|v| v.teks.clone()).unwrap_or_default()));
            }
            sel.push(Sel::new(nilai(&r.realisasi)));
            sel.push(Sel::new(if r.indikator.is_empty() { String::new() } else { pct(&r.capaian) }));
            BarisTampil { gaya: ts_gaya(r), tebal: false, sel }
        })
        .collect();
    Some(TabelTampil {
        id: IdTabel::Kinerja.as_str().into(),
        nomor: info.nomor.clone(),
        judul: info.judul.clone(),
        orientasi: Orientasi::Potret,
        ukuran_huruf: 8.0,
        kolom,
        kepala: vec![r1, r2],
        nomor_kolom: false,
        inset_pt: crate::document::widths::INSET_PT,
        baris,
    })
}

fn rumusan(ts: &TujuanSasaran, meta: &Meta) -> Option<TabelTampil> {
    let info = ts.rumusan.as_ref()?;
    if meta.jenis == JenisEdisi::Murni {
        // One target: the Renja's own year.
        let kolom = vec![col(3.6, Rata::Kiri), col(3.6, Rata::Kiri), col(4.6, Rata::Kiri), col(1.8, Rata::Tengah)];
        let r1 = vec![h("Tujuan/Sasaran", 1, 1), h("Indikator Tujuan/Sasaran", 1, 1), h("Formulasi", 1, 1), h(format!("Target Tahun {}", meta.tahun), 1, 1)];
        let baris = ts
            .baris
            .iter()
            .map(|r| {
                let mut sel: Vec<Sel> = ts_label(r).into_iter().collect();
                sel.extend([Sel::new(r.indikator.clone()), formula_sel(&r.formula), Sel::new(nilai(&r.target_renja))]);
                BarisTampil { gaya: ts_gaya(r), tebal: false, sel }
            })
            .collect();
        return Some(TabelTampil {
            id: IdTabel::Rumusan.as_str().into(),
            nomor: info.nomor.clone(),
            judul: info.judul.clone(),
            orientasi: Orientasi::Potret,
            ukuran_huruf: 8.0,
            kolom,
            kepala: vec![r1],
            nomor_kolom: false,
            inset_pt: crate::document::widths::INSET_PT,
            baris,
        });
    }
    let kolom = vec![col(3.6, Rata::Kiri), col(3.6, Rata::Kiri), col(4.6, Rata::Kiri), col(1.5, Rata::Tengah), col(1.5, Rata::Tengah)];
    let r1 = vec![h("Tujuan/Sasaran", 1, 2), h("Indikator Tujuan/Sasaran", 1, 2), h("Formulasi", 1, 2), h("Target", 2, 1)];
    let r2 = vec![h(format!("Renja {}", meta.tahun), 1, 1), h(format!("Perubahan Renja {}", meta.tahun), 1, 1)];
    let baris = ts
        .baris
        .iter()
        .map(|r| {
            let mut sel: Vec<Sel> = ts_label(r).into_iter().collect();
            sel.extend([Sel::new(r.indikator.clone()), formula_sel(&r.formula), Sel::new(nilai(&r.target_renja)), Sel::new(nilai(&r.target_perubahan))]);
            BarisTampil { gaya: ts_gaya(r), tebal: false, sel }
        })
        .collect();
    Some(TabelTampil {
        id: IdTabel::Rumusan.as_str().into(),
        nomor: info.nomor.clone(),
        judul: info.judul.clone(),
        orientasi: Orientasi::Potret,
        ukuran_huruf: 8.0,
        kolom,
        kepala: vec![r1, r2],
        nomor_kolom: false,
        inset_pt: crate::document::widths::INSET_PT,
        baris,
    })
}

// ---------------------------------------------------------------------------------------------
// Tabel 3.2

fn rkpd(t: &Rkpd) -> (TabelTampil, Rows<'_>) {
    let block = [col(4.2, Rata::Kiri), col(2.0, Rata::Kiri), col(3.6, Rata::Kiri), col(1.6, Rata::Tengah), col(2.4, Rata::Kanan)];
    let mut kolom: Vec<Kolom> = block.to_vec();
    kolom.extend(block.iter().cloned());
    kolom.push(col(2.2, Rata::Kiri));
    let five = || vec![h("Program/Kegiatan", 1, 1), h("Lokasi", 1, 1), h("Indikator Kinerja", 1, 1), h("Target Capaian", 1, 1), h("Pagu Indikatif (Rp)", 1, 1)];
    let r1 = vec![h(t.judul_kiri.clone(), 5, 1), h(t.judul_kanan.clone(), 5, 1), h("Catatan Penting", 1, 2)];
    let mut r2 = five();
    r2.extend(five());
    let baris = t
        .baris
        .iter()
        .map(|r: &RkpdRow| {
            let side = |b: &crate::compute::rkpd::RkpdBlokOut| {
                vec![Sel::new(r.nama.clone()), Sel::new(b.lokasi.clone()), Sel::new(b.indikator.clone()), Sel::new(nilai(&b.target)), Sel::new(uang(&b.pagu))]
            };
            let mut sel = side(&r.rancangan);
            sel.extend(side(&r.analisis));
            sel.push(Sel::new(r.catatan.clone()));
            BarisTampil { gaya: GayaBaris::of(r.tingkat), tebal: tebal(r.tingkat), sel }
        })
        .chain(std::iter::once_with(move || {
            let tot = |u: &Uang| vec![Sel::new("TOTAL").span(4).align(Rata::Kanan), Sel::new(uang(u))];
            let mut sel = tot(&t.total.rancangan_pagu);
            sel.extend(tot(&t.total.analisis_pagu));
            sel.push(Sel::new(""));
            BarisTampil { gaya: GayaBaris::Total, tebal: true, sel }
        }));
    let tabel = TabelTampil {
        id: IdTabel::Rkpd.as_str().into(),
        nomor: t.nomor.clone(),
        judul: t.judul.clone(),
        orientasi: Orientasi::Lanskap,
        ukuran_huruf: 7.0,
        kolom,
        kepala: vec![r1, r2],
        nomor_kolom: true,
        inset_pt: crate::document::widths::INSET_PT,
        baris: Vec::new(),
    };
    (tabel, Box::new(baris))
}

// ---------------------------------------------------------------------------------------------
// Tabel 3.4

fn ss(v: &Target) -> [Sel; 2] {
    match v {
        Target::Dua(v) => [Sel::new(nilai(&v.sebelum)), Sel::new(nilai(&v.sesudah))],
        Target::Satu(v) => [Sel::new(nilai(v)), Sel::new("")],
    }
}

fn opt_uang(u: &Option<Uang>) -> String {
    u.as_ref().map(uang).unwrap_or_default()
}

/// T-C.33: the plan of year n and the prakiraan maju of n+1, one value per cell (murni).
fn rencana_murni_kepala(t: &Rencana) -> TabelTampil {
    let mut kolom = vec![col(3.0, Rata::Kiri), col(4.4, Rata::Kiri), col(2.8, Rata::Kiri), col(2.8, Rata::Kiri), col(2.8, Rata::Kiri), col(2.0, Rata::Kiri)];
    kolom.extend((0..3).map(|_| col(1.6, Rata::Tengah)));
    kolom.extend([col(2.7, Rata::Kanan), col(1.9, Rata::Kiri), col(1.8, Rata::Kiri), col(2.3, Rata::Kiri), col(1.5, Rata::Tengah), col(2.7, Rata::Kanan)]);
    let r1 = vec![
        h("Kode", 1, 3),
        h("Urusan / Bidang Urusan / Program / Kegiatan / Sub Kegiatan", 1, 3),
        h("Indikator Kinerja", 3, 2),
        h(format!("Rencana Tahun {}", t.tahun), 6, 1),
        h("Catatan Penting", 1, 3),
        h(format!("Prakiraan Maju Rencana Tahun {}", t.tahun_maju), 3, 2),
    ];
    let r2 = vec![h("Lokasi", 1, 2), h("Target Capaian Kinerja", 3, 1), h("Pagu Indikatif (Rp)", 1, 2), h("Sumber Dana", 1, 2)];
    let r3 = vec![
        h("Capaian Program", 1, 1),
        h("Keluaran Sub Kegiatan", 1, 1),
        h("Hasil Kegiatan", 1, 1),
        h("Program", 1, 1),
        h("Keluaran Sub Kegiatan", 1, 1),
        h("Hasil Kegiatan", 1, 1),
        h("Tolok Ukur", 1, 1),
        h("Target Capaian Kinerja", 1, 1),
        h("Kebutuhan Dana (Rp)", 1, 1),
    ];
    rencana_tabel(t, kolom, vec![r1, r2, r3])
}

fn rencana_murni_baris(r: &RencanaRow) -> BarisTampil {
    let one = |v: &Target| nilai(&v.akhir().cloned());
    let sel = vec![
        Sel::new(r.kode.to_string()),
        Sel::new(r.nama.clone()),
        Sel::new(r.capaian_program.clone()),
        Sel::new(r.keluaran.clone()),
        Sel::new(r.hasil.clone()),
        Sel::new(r.lokasi.clone()),
        Sel::new(one(&r.target_program)),
        Sel::new(one(&r.target_keluaran)),
        Sel::new(one(&r.target_hasil)),
        Sel::new(opt_uang(&r.pagu)),
        Sel::new(r.sumber_dana.clone()),
        Sel::new(r.catatan.clone()),
        Sel::new(r.maju_tolok_ukur.clone()),
        Sel::new(nilai(&r.maju_target)),
        Sel::new(opt_uang(&r.maju_pagu)),
    ];
    BarisTampil { gaya: GayaBaris::of(r.tingkat), tebal: tebal(r.tingkat), sel }
}

fn rencana_murni_total(t: &Rencana) -> BarisTampil {
    let tt = &t.total;
    let sel = vec![Sel::new("TOTAL").span(9).align(Rata::Kanan), Sel::new(opt_uang(&tt.pagu)), Sel::new("").span(4), Sel::new(uang(&tt.maju_pagu))];
    BarisTampil { gaya: GayaBaris::Total, tebal: true, sel }
}

fn rencana_tabel(t: &Rencana, kolom: Vec<Kolom>, kepala: Vec<Vec<SelKepala>>) -> TabelTampil {
    TabelTampil {
        id: IdTabel::Rencana.as_str().into(),
        nomor: t.nomor.clone(),
        judul: t.judul.clone(),
        orientasi: Orientasi::Lanskap,
        ukuran_huruf: 6.5,
        kolom,
        kepala,
        nomor_kolom: true,
        inset_pt: crate::document::widths::INSET_PT,
        baris: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// T-C.32

fn usulan(u: &crate::compute::usulan::UsulanTabel) -> TabelTampil {
    let kolom = vec![col(0.8, Rata::Tengah), col(4.2, Rata::Kiri), col(2.6, Rata::Kiri), col(3.6, Rata::Kiri), col(2.0, Rata::Tengah), col(3.0, Rata::Kiri)];
    let r1 = vec![h("No", 1, 1), h("Program / Kegiatan", 1, 1), h("Lokasi", 1, 1), h("Indikator Kinerja", 1, 1), h("Besaran / Volume", 1, 1), h("Catatan", 1, 1)];
    let baris = u
        .baris
        .iter()
        .enumerate()
        .map(|(i, x)| BarisTampil {
            gaya: GayaBaris::SubKegiatan,
            tebal: false,
            sel: vec![Sel::new((i + 1).to_string()), Sel::new(x.program.clone()), Sel::new(x.lokasi.clone()), Sel::new(x.indikator.clone()), Sel::new(x.besaran.clone()), Sel::new(x.catatan.clone())],
        })
        .collect();
    TabelTampil { id: IdTabel::Usulan.as_str().into(), nomor: u.nomor.clone(), judul: u.judul.clone(), orientasi: Orientasi::Potret, ukuran_huruf: 8.0, kolom, kepala: vec![r1], nomor_kolom: true, baris, inset_pt: crate::document::widths::INSET_PT }
}

fn rencana(t: &Rencana) -> (TabelTampil, Rows<'_>) {
    let rows = t.baris.iter().map(move |r| rencana_baris(t, r)).chain(std::iter::once_with(move || rencana_total(t)));
    (rencana_kepala(t), Box::new(rows))
}

/// Tabel 3.4 / T-C.33 without its rows (the kind from `t`'s totals: a murni has `pagu`), for a
/// caller given the rows one at a time ([`crate::compute::rencana::compute_each`]), with
/// [`rencana_baris`] and [`rencana_total`]: the table [`of_part`] makes.
pub fn rencana_kepala(t: &Rencana) -> TabelTampil {
    if t.total.pagu.is_some() {
        return rencana_murni_kepala(t);
    }
    let mut kolom = vec![col(3.3, Rata::Kiri), col(4.0, Rata::Kiri), col(2.5, Rata::Kiri), col(2.5, Rata::Kiri), col(2.5, Rata::Kiri), col(1.9, Rata::Kiri)];
    kolom.extend((0..6).map(|_| col(1.55, Rata::Tengah)));
    kolom.extend([col(2.7, Rata::Kanan), col(2.7, Rata::Kanan), col(2.5, Rata::Kanan), col(1.9, Rata::Kiri), col(1.5, Rata::Kiri), col(2.3, Rata::Kiri), col(1.4, Rata::Tengah), col(2.7, Rata::Kanan)]);
    let r1 = vec![
        h("Kode", 1, 3),
        h("Urusan / Bidang Urusan / Program / Kegiatan / Sub Kegiatan", 1, 3),
        h("Indikator Kinerja", 3, 2),
        h("Lokasi", 1, 3),
        h(format!("Target Capaian Kinerja {}", t.tahun), 6, 1),
        h(format!("Pagu Indikatif {} (Rp)", t.tahun), 3, 2),
        h("Sumber Dana", 1, 3),
        h("Catatan Penting", 1, 3),
        h(format!("Prakiraan Maju {}", t.tahun_maju), 3, 2),
    ];
    let r2 = vec![h("Program", 2, 1), h("Keluaran Sub Kegiatan", 2, 1), h("Hasil Kegiatan", 2, 1)];
    let mut r3 = vec![h("Capaian Program", 1, 1), h("Keluaran Sub Kegiatan", 1, 1), h("Hasil Kegiatan", 1, 1)];
    for _ in 0..3 {
        r3.extend([h("Sebelum", 1, 1), h("Sesudah", 1, 1)]);
    }
    r3.extend([h("Sebelum", 1, 1), h("Sesudah", 1, 1), h("Bertambah/ (Berkurang)", 1, 1)]);
    r3.extend([h("Tolok Ukur", 1, 1), h("Target", 1, 1), h("Kebutuhan Dana (Rp)", 1, 1)]);
    rencana_tabel(t, kolom, vec![r1, r2, r3])
}

/// One body row of [`rencana_kepala`]'s table.
pub fn rencana_baris(t: &Rencana, r: &RencanaRow) -> BarisTampil {
    if t.total.pagu.is_some() {
        return rencana_murni_baris(r);
    }
    let mut sel = vec![Sel::new(r.kode.to_string()), Sel::new(r.nama.clone()), Sel::new(r.capaian_program.clone()), Sel::new(r.keluaran.clone()), Sel::new(r.hasil.clone()), Sel::new(r.lokasi.clone())];
    sel.extend(ss(&r.target_program));
    sel.extend(ss(&r.target_keluaran));
    sel.extend(ss(&r.target_hasil));
    sel.extend([Sel::new(opt_uang(&r.pagu_sebelum)), Sel::new(opt_uang(&r.pagu_sesudah)), Sel::new(r.selisih.as_ref().map(selisih).unwrap_or_default())]);
    sel.extend([Sel::new(r.sumber_dana.clone()), Sel::new(r.catatan.clone()), Sel::new(r.maju_tolok_ukur.clone()), Sel::new(nilai(&r.maju_target))]);
    sel.push(Sel::new(r.maju_pagu.as_ref().map(uang).unwrap_or_default()));
    BarisTampil { gaya: GayaBaris::of(r.tingkat), tebal: tebal(r.tingkat), sel }
}

/// The total row of [`rencana_kepala`]'s table, the last.
pub fn rencana_total(t: &Rencana) -> BarisTampil {
    if t.total.pagu.is_some() {
        return rencana_murni_total(t);
    }
    let tt = &t.total;
    let mut sel = vec![Sel::new("TOTAL").span(12).align(Rata::Kanan)];
    sel.extend([Sel::new(opt_uang(&tt.pagu_sebelum)), Sel::new(opt_uang(&tt.pagu_sesudah)), Sel::new(tt.selisih.as_ref().map(selisih).unwrap_or_default())]);
    sel.extend([Sel::new("").span(4), Sel::new(uang(&tt.maju_pagu))]);
    BarisTampil { gaya: GayaBaris::Total, tebal: true, sel }
}

/// A selisih as SIPD prints "Bertambah/(Berkurang)": negative amounts in parentheses.
fn selisih(u: &Uang) -> String {
    let v = u.value().value();
    if v.is_sign_negative() && !v.is_zero() {
        format!("({})", format::angka_dp(-v, 0))
    } else {
        format::angka_dp(v, 0)
    }
}

/// Gives every body cell its alignment, taking the column it really starts in (after cells of
/// earlier rows that span down into this row), so renderers need not track spans for it.
pub(super) fn resolve_alignment(t: &mut TabelTampil) {
    let n = t.kolom.len();
    let mut covered = vec![0u32; n]; // rows still covered by a rowspan from above, per column
    for row in &mut t.baris {
        let mut x = 0usize;
        for cell in &mut row.sel {
            while x < n && covered[x] > 0 {
                x += 1;
            }
            if x >= n {
                break;
            }
            if cell.rata.is_none() {
                cell.rata = Some(t.kolom[x].rata);
            }
            for c in covered.iter_mut().skip(x).take(cell.kolom as usize) {
                *c = cell.baris;
            }
            x += cell.kolom as usize;
        }
        for c in covered.iter_mut() {
            *c = c.saturating_sub(1);
        }
    }
}

/// Every placed table of the edition, by id.
pub fn all(c: &Computed, meta: &Meta) -> BTreeMap<String, TabelTampil> {
    crate::compute::Part::ALL.into_iter().flat_map(|p| of_part(p, c, meta)).map(|t| (t.id.clone(), t)).collect()
}

/// The placed tables made from one computed part (none when the edition lacks it): the table
/// of its data file, and for the goals and targets the performance table and the goals as
/// formulated.
pub fn of_part(part: crate::compute::Part, c: &Computed, meta: &Meta) -> Vec<TabelTampil> {
    of_part_rows(part, c, meta)
        .into_iter()
        .map(|(mut t, rows)| {
            t.baris.extend(rows);
            resolve_alignment(&mut t);
            t
        })
        .collect()
}

/// Body rows made one at a time, as they are read.
pub type Rows<'a> = Box<dyn Iterator<Item = BarisTampil> + 'a>;

/// The tables of `part` as [`of_part`] makes them, each with some body rows (none in the large
/// tables, Tabel 3.2 and 3.4) and the rest still to be made as they are read: a caller that
/// only measures the rows ([`super::widths::Ukuran`]) need not hold them all. The cells'
/// alignment is not yet given ([`of_part`] does).
pub fn of_part_rows<'a>(part: crate::compute::Part, c: &'a Computed, meta: &Meta) -> Vec<(TabelTampil, Rows<'a>)> {
    use crate::compute::Part;
    let whole = |t: TabelTampil| (t, Box::new(std::iter::empty()) as Rows<'a>);
    match part {
        Part::Evaluasi => c.evaluasi.iter().map(|e| whole(evaluasi(e, meta))).collect(),
        Part::TujuanSasaran => c.tujuan_sasaran.iter().flat_map(|ts| [kinerja(ts, meta), rumusan(ts, meta)]).flatten().map(whole).collect(),
        Part::Rkpd => c.rkpd.iter().map(|r| rkpd(r)).collect(),
        Part::Rencana => c.rencana.iter().map(|r| rencana(r)).collect(),
        Part::Usulan => c.usulan.iter().map(|u| whole(usulan(u))).collect(),
    }
}

/// The tables a chapter may place with `{{ tabel("…") }}`, each with the data file behind it:
/// the one list of table ids and their files (the document model, the templates, the workbook
/// export and import read it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdTabel {
    /// Tabel 2.1 (quarterly evaluation) or T-C.29.
    Evaluasi,
    /// Tabel 3.1's performance targets (tujuan/sasaran indicators).
    Kinerja,
    /// The goals and targets as formulated (from the same file as `kinerja`).
    Rumusan,
    /// Tabel 3.2, the review of the draft RKPD.
    Rkpd,
    /// Tabel 3.4 / T-C.33, the work plan and its funding.
    Rencana,
    /// Tabel 3.3, the community proposals.
    Usulan,
}

impl IdTabel {
    /// Every table, in the order the workbook export lists them.
    pub const ALL: [IdTabel; 6] = [IdTabel::Evaluasi, IdTabel::Kinerja, IdTabel::Rumusan, IdTabel::Rkpd, IdTabel::Rencana, IdTabel::Usulan];

    /// The id a chapter writes: `{{ tabel("rencana") }}`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdTabel::Evaluasi => "evaluasi",
            IdTabel::Kinerja => "kinerja",
            IdTabel::Rumusan => "rumusan",
            IdTabel::Rkpd => "rkpd",
            IdTabel::Rencana => "rencana",
            IdTabel::Usulan => "usulan",
        }
    }

    /// The data file behind it, relative to the edition folder.
    pub const fn berkas(self) -> &'static str {
        match self {
            IdTabel::Evaluasi => "data/evaluasi.toml",
            IdTabel::Kinerja | IdTabel::Rumusan => "data/tujuan-sasaran.toml",
            IdTabel::Rkpd => "data/rkpd.toml",
            IdTabel::Rencana => "data/rencana.toml",
            IdTabel::Usulan => "data/usulan.toml",
        }
    }

    pub fn parse(id: &str) -> Option<IdTabel> {
        IdTabel::ALL.into_iter().find(|t| t.as_str() == id)
    }
}

impl std::fmt::Display for IdTabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A placed table holds a cell per column per row (at ×64, 53 000 in Tabel 3.4): what a
    /// rare field adds inline is paid by every cell.
    #[test]
    fn a_cell_stays_small() {
        assert!(std::mem::size_of::<Sel>() <= 48, "Sel is {} bytes", std::mem::size_of::<Sel>());
    }

    #[test]
    fn table_ids_round_trip_and_name_their_files() {
        for t in IdTabel::ALL {
            assert_eq!(IdTabel::parse(t.as_str()), Some(t));
            assert!(t.berkas().starts_with("data/") && t.berkas().ends_with(".toml"), "{t}");
        }
        assert_eq!(IdTabel::parse("tidak-ada"), None);
        assert_eq!(IdTabel::Kinerja.berkas(), IdTabel::Rumusan.berkas());
    }

    #[test]
    fn alignment_follows_the_real_column_under_rowspans() {
        let mut t = TabelTampil {
            id: "x".into(),
            nomor: "1".into(),
            judul: "x".into(),
            orientasi: Orientasi::Potret,
            ukuran_huruf: 8.0,
            kolom: vec![col(1.0, Rata::Kiri), col(1.0, Rata::Kiri), col(1.0, Rata::Tengah), col(1.0, Rata::Kanan)],
            kepala: vec![],
            nomor_kolom: false,
            inset_pt: crate::document::widths::INSET_PT,
            baris: vec![
                BarisTampil { gaya: GayaBaris::Sasaran, tebal: false, sel: vec![Sel::new("a").rows(2), Sel::new("b"), Sel::new("c"), Sel::new("d")] },
                BarisTampil { gaya: GayaBaris::Sasaran, tebal: false, sel: vec![Sel::new("b2"), Sel::new("c2"), Sel::new("d2")] },
                BarisTampil { gaya: GayaBaris::Total, tebal: true, sel: vec![Sel::new("t").span(3).align(Rata::Kanan), Sel::new("9")] },
            ],
        };
        resolve_alignment(&mut t);
        let r: Vec<Vec<Rata>> = t.baris.iter().map(|b| b.sel.iter().map(|c| c.rata.unwrap()).collect()).collect();
        assert_eq!(r[0], [Rata::Kiri, Rata::Kiri, Rata::Tengah, Rata::Kanan]);
        assert_eq!(r[1], [Rata::Kiri, Rata::Tengah, Rata::Kanan]);
        assert_eq!(r[2], [Rata::Kanan, Rata::Kanan]);
    }

    #[test]
    fn selisih_in_parentheses() {
        use crate::model::value::Rupiah;
        use rust_decimal::Decimal;
        assert_eq!(selisih(&Uang::new(Rupiah(Decimal::from(-142560)))), "(142.560)");
        assert_eq!(selisih(&Uang::new(Rupiah(Decimal::from(70000000)))), "70.000.000");
    }
}
