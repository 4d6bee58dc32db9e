//! `renja build --format xlsx`: every table of the edition as a worksheet laid out like the
//! document (title, merged header rows, column numbers, widths, frozen header, level rows bold,
//! TOTAL shaded). Texts come from the document's table specs; every parent amount, total,
//! capaian, predikat and selisih is an Excel formula over its cells, and its cached result is the
//! value renja computed (taken from the computed model, never recomputed here).

use renja_core::compute::{Evaluasi, Pct, Rencana, Rkpd, TujuanSasaran, Uang};
use renja_core::document::tables::{GayaBaris, Rata, Sel, TabelTampil};
use renja_core::document::Document;
use renja_core::format;
use renja_core::model::code::{Code, Level};
use renja_core::model::predikat::Predikat;
use renja_core::model::value::Nilai;
use renja_core::source::schema::{CapaianNegatif, PredikatCelah, Sifat};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError};
use std::collections::{BTreeMap, HashMap};

const RP: &str = "#,##0";
const SELISIH: &str = "#,##0;(#,##0)";
const PERSEN: &str = "#,##0.00";

/// What goes into one body cell, when it is not the document's text.
#[derive(Debug, Clone)]
enum Isi {
    /// A number with its number format.
    Angka(f64, String),
    /// A formula (without `=`), its cached result (a number or a text) and number format.
    Rumus(String, Hasil, String),
    Kosong,
}

#[derive(Debug, Clone)]
enum Hasil {
    Angka(f64),
    Teks(String),
}

impl Hasil {
    fn teks(&self) -> String {
        match self {
            Hasil::Angka(v) => v.to_string(),
            Hasil::Teks(s) => s.clone(),
        }
    }
}

fn f64_of(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn uang(u: &Uang) -> Hasil {
    Hasil::Angka(f64_of(u.value().value()))
}

fn pct_hasil(p: &Option<Pct>) -> Hasil {
    match p {
        Some(p) => Hasil::Angka(f64_of(p.value())),
        None => Hasil::Teks("-".into()),
    }
}

fn pred_hasil(p: &Option<Predikat>) -> Hasil {
    Hasil::Teks(p.map(|p| p.kode().to_string()).unwrap_or_else(|| "-".into()))
}

/// A1 reference of a 0-based (row, col).
fn a1(r: u32, c: u16) -> String {
    format!("{}{}", super::baca::kolom_huruf(u32::from(c)), r + 1)
}

fn sum(cells: &[String]) -> String {
    if cells.is_empty() { "0".into() } else { format!("SUM({})", cells.join(",")) }
}

/// A performance value as a number with its printed suffix as number format ("70 persen" →
/// 70 with format `#,##0" persen"`), when the printed text starts with its number.
fn nilai_angka(printed: &str, n: &Option<Nilai>) -> Option<Isi> {
    let a = n.as_ref()?.angka?;
    let shown = format::angka(a);
    let rest = printed.strip_prefix(&shown)?;
    let base = if a.fract().is_zero() { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(a.scale().min(10) as usize)) };
    let fmt = if rest.is_empty() { base } else { format!("{base}\"{}\"", rest.replace('"', "")) };
    Some(Isi::Angka(f64_of(a), fmt))
}

/// The predikat formula of the configured rule over a capaian cell.
fn predikat_rumus(cell: &str, rule: PredikatCelah) -> String {
    let x = match rule {
        PredikatCelah::Bulatkan => format!("ROUND({cell},0)"),
        _ => cell.to_string(),
    };
    let (op, b) = match rule {
        PredikatCelah::Naik => (">", [90, 75, 65, 50]),
        _ => (">=", [91, 76, 66, 51]),
    };
    format!(
        "IF(ISNUMBER({cell}),IF({x}{op}{},\"ST\",IF({x}{op}{},\"T\",IF({x}{op}{},\"S\",IF({x}{op}{},\"R\",\"SR\")))),\"-\")",
        b[0], b[1], b[2], b[3]
    )
}

/// The capaian K formula: realisasi ÷ target × 100, or the configured negative-indicator rule.
fn capaian_k_rumus(t: &str, r: &str, sifat: Sifat, rule: CapaianNegatif) -> String {
    match (sifat, rule) {
        (Sifat::Positif, _) => format!("IF({t}=0,\"-\",{r}/{t}*100)"),
        (Sifat::Negatif, CapaianNegatif::DuaKaliTarget) => format!("IF({t}=0,\"-\",MAX(0,(2*{t}-{r})/{t}*100))"),
        (Sifat::Negatif, CapaianNegatif::TargetPerRealisasi) => format!("IF(OR({t}=0,{r}=0),\"-\",{t}/{r}*100)"),
    }
}

/// Where the body of a table starts and which Excel row each code is on.
struct Tempat {
    first: u32,
}

impl Tempat {
    fn row(&self, i: usize) -> u32 {
        self.first + i as u32
    }
}

/// Children and roots of a code list, by index.
fn pohon(codes: &[&Code]) -> (HashMap<usize, Vec<usize>>, Vec<usize>) {
    let at: HashMap<&Code, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut kids: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, c) in codes.iter().enumerate() {
        match c.parent().and_then(|p| at.get(&p).copied()) {
            Some(p) => kids.entry(p).or_default().push(i),
            None => roots.push(i),
        }
    }
    (kids, roots)
}

/// An amount column: leaves as numbers, parents as the sum of their children, cached.
fn kolom_uang(
    o: &mut BTreeMap<(usize, u16), Isi>,
    pos: &Tempat,
    offset: usize,
    col: u16,
    kids: &HashMap<usize, Vec<usize>>,
    values: &[(bool, Option<Hasil>)],
    fmt: &str,
) {
    for (i, (leaf, v)) in values.iter().enumerate() {
        let isi = match (leaf, v) {
            (_, None) => Isi::Kosong,
            (true, Some(Hasil::Angka(x))) => Isi::Angka(*x, fmt.into()),
            (_, Some(h)) => {
                let cells: Vec<String> = kids.get(&i).map(|k| k.iter().map(|j| a1(pos.row(offset + j), col)).collect()).unwrap_or_default();
                Isi::Rumus(sum(&cells), h.clone(), fmt.into())
            }
        };
        o.insert((offset + i, col), isi);
    }
}

// ---------------------------------------------------------------------------------------------
// Overrides per table: (body row index, column) → content

type Ganti = BTreeMap<(usize, u16), Isi>;

/// T-C.29 (the murni's evaluation of year n−2): amounts rolled up as sums, (8) = (7) ÷ (6) for K
/// and Rp, (10) = (5) + (7) + (9) and (11) = (10) ÷ (4) as formulas where the printed values are
/// numbers, the average row as AVERAGE. Columns (0-based): 3 target Renstra (4), 4 realisasi
/// s/d n−3 (5), 5/6 target K/Rp (6), 7/8 realisasi K/Rp (7), 9/10 tingkat realisasi K/Rp (8),
/// 11/12 target K/Rp n−1 (9), 13 realisasi capaian (10), 14 tingkat capaian (11).
fn evaluasi_tc29(e: &Evaluasi, t: &TabelTampil, pos: &Tempat, doc: &Document) -> Ganti {
    let mut o = Ganti::new();
    let codes: Vec<&Code> = e.baris.iter().map(|r| &r.kode).collect();
    let (kids, roots) = pohon(&codes);
    let leaf = |i: usize| e.baris[i].tingkat == Level::SubKegiatan;
    let neg = doc.edisi.format.capaian_negatif;
    let zero = Uang(renja_core::model::value::Rupiah::ZERO);
    // Rows: 0 OPD, 1..=n the table rows, n+1 the average.
    let amounts: [(u16, Vec<Option<Hasil>>, Option<Hasil>); 3] = [
        (6, e.baris.iter().map(|r| Some(uang(&r.pagu))).collect(), Some(uang(&e.total.pagu))),
        (8, e.baris.iter().map(|r| Some(uang(&r.realisasi_rp))).collect(), Some(uang(&e.total.realisasi_rp))),
        (
            12,
            e.baris.iter().map(|r| Some(uang(r.tc29.as_ref().map(|x| &x.pagu_berjalan).unwrap_or(&zero)))).collect(),
            e.total.pagu_berjalan.as_ref().map(uang),
        ),
    ];
    for (col, values, total) in amounts {
        let values: Vec<(bool, Option<Hasil>)> = values.into_iter().enumerate().map(|(i, v)| (leaf(i), v)).collect();
        kolom_uang(&mut o, pos, 1, col, &kids, &values, RP);
        let cells: Vec<String> = roots.iter().map(|j| a1(pos.row(1 + j), col)).collect();
        o.insert((0, col), total.map(|h| Isi::Rumus(sum(&cells), h, RP.into())).unwrap_or(Isi::Kosong));
    }
    let r0 = pos.row(0);
    o.insert((0, 10), Isi::Rumus(format!("IF({}=0,\"-\",{}/{}*100)", a1(r0, 6), a1(r0, 8), a1(r0, 6)), pct_hasil(&e.total.capaian_rp), PERSEN.into()));
    let body = |i: usize| &t.baris[i + 1].sel;
    for (i, r) in e.baris.iter().enumerate() {
        let row = pos.row(1 + i);
        let x = r.tc29.as_ref();
        let num = |col: u16, v: &Option<Nilai>| nilai_angka(&body(i)[col as usize].teks, v);
        let t4 = x.and_then(|x| num(3, &x.target_renstra));
        let r5 = x.and_then(|x| num(4, &x.realisasi_renstra));
        let tk = num(5, &r.target);
        let rk = num(7, &r.realisasi_k);
        let t9 = x.and_then(|x| num(11, &x.target_berjalan));
        for (col, v) in [(3u16, &t4), (4, &r5), (5, &tk), (7, &rk), (11, &t9)] {
            if let Some(v) = v {
                o.insert((1 + i, col), v.clone());
            }
        }
        o.insert((1 + i, 10), Isi::Rumus(format!("IF({}=0,\"-\",{}/{}*100)", a1(row, 6), a1(row, 8), a1(row, 6)), pct_hasil(&r.capaian_rp), PERSEN.into()));
        if r.indikator.is_empty() {
            continue;
        }
        if tk.is_some() && rk.is_some() {
            o.insert((1 + i, 9), Isi::Rumus(capaian_k_rumus(&a1(row, 5), &a1(row, 7), r.sifat, neg), pct_hasil(&r.capaian_k), PERSEN.into()));
        }
        let Some(x) = x else { continue };
        // (10) as the sum of the parts that are printed as numbers (as renja sums them).
        let parts = [(4u16, &x.realisasi_renstra, &r5), (7, &r.realisasi_k, &rk), (11, &x.target_berjalan, &t9)];
        let all_numeric = parts.iter().all(|(_, v, cell)| v.as_ref().and_then(|n| n.angka).is_none() || cell.is_some());
        if let (Some(r10), true) = (&x.realisasi_capaian, all_numeric) {
            let cells: Vec<String> = parts.iter().filter(|(_, _, cell)| cell.is_some()).map(|(c, _, _)| a1(row, *c)).collect();
            let fmt = match nilai_angka(&body(i)[13].teks, &Some(r10.clone())) {
                Some(Isi::Angka(_, f)) => f,
                _ => "#,##0.##".to_string(),
            };
            o.insert((1 + i, 13), Isi::Rumus(sum(&cells), Hasil::Angka(r10.angka.map(f64_of).unwrap_or(0.0)), fmt));
            if t4.is_some() {
                o.insert((1 + i, 14), Isi::Rumus(capaian_k_rumus(&a1(row, 3), &a1(row, 13), r.sifat, neg), pct_hasil(&x.tingkat_capaian), PERSEN.into()));
            }
        }
    }
    // The average row: "Rata-rata …" spans columns 0–8, then the two averages at 9 and 10.
    let s = &e.statistik;
    let last = e.baris.len() + 1;
    for (col, val) in [(9u16, &s.rata_rata_capaian_k), (10, &s.rata_rata_capaian_rp)] {
        if val.is_some() {
            let cells: Vec<String> = e.baris.iter().enumerate().filter(|(_, r)| r.tingkat == s.tingkat).map(|(i, _)| a1(pos.row(1 + i), col)).collect();
            o.insert((last, col), Isi::Rumus(format!("AVERAGE({})", cells.join(",")), pct_hasil(val), PERSEN.into()));
        }
    }
    o
}

fn evaluasi(e: &Evaluasi, t: &TabelTampil, pos: &Tempat, doc: &Document) -> Ganti {
    if e.bentuk == renja_core::source::schema::BentukEvaluasi::Tc29 {
        return evaluasi_tc29(e, t, pos, doc);
    }
    let mut o = Ganti::new();
    let ncols = t.kolom.len() as u16;
    let nq = ncols - 14;
    let tw = e.triwulan as usize;
    let quarters: Vec<usize> = (0..tw.saturating_sub(1)).filter(|&q| e.baris.iter().any(|r| r.realisasi_triwulan_rp.get(q).is_some_and(|v| v.is_some()))).collect();
    debug_assert_eq!(quarters.len() as u16, nq);
    let codes: Vec<&Code> = e.baris.iter().map(|r| &r.kode).collect();
    let (kids, roots) = pohon(&codes);
    let leaf = |i: usize| e.baris[i].tingkat == Level::SubKegiatan;
    let rule = doc.edisi.format.predikat_celah;
    let neg = doc.edisi.format.capaian_negatif;
    // Rows: 0 OPD, 1..=n the table rows, n+1 the average.
    let amount_cols: Vec<(u16, Box<dyn Fn(&renja_core::compute::EvaluasiRow) -> Option<Hasil>>)> = {
        let mut v: Vec<(u16, Box<dyn Fn(&renja_core::compute::EvaluasiRow) -> Option<Hasil>>)> =
            vec![(5, Box::new(|r| Some(uang(&r.pagu_lalu)))), (7, Box::new(|r| Some(uang(&r.pagu))))];
        for (k, &q) in quarters.iter().enumerate() {
            v.push((8 + k as u16, Box::new(move |r| r.realisasi_triwulan_rp.get(q).copied().flatten().map(|u| uang(&u)))));
        }
        v.push((9 + nq, Box::new(|r| Some(uang(&r.realisasi_rp)))));
        v
    };
    for (col, get) in &amount_cols {
        let values: Vec<(bool, Option<Hasil>)> = e.baris.iter().enumerate().map(|(i, r)| (leaf(i), get(r))).collect();
        kolom_uang(&mut o, pos, 1, *col, &kids, &values, RP);
        let cells: Vec<String> = roots.iter().map(|j| a1(pos.row(1 + j), *col)).collect();
        let total = match *col {
            5 => Some(uang(&e.total.pagu_lalu)),
            7 => Some(uang(&e.total.pagu)),
            c if c == 9 + nq => Some(uang(&e.total.realisasi_rp)),
            c => e.total.realisasi_triwulan_rp.get(quarters[(c - 8) as usize]).copied().flatten().map(|u| uang(&u)),
        };
        o.insert((0, *col), match total {
            Some(h) => Isi::Rumus(sum(&cells), h, RP.into()),
            None => Isi::Kosong,
        });
    }
    let (c_tk, c_k, c_rk, c_rrp, c_ck, c_crp, c_pk, c_prp) = (6u16, 4u16, 8 + nq, 9 + nq, 10 + nq, 11 + nq, 12 + nq, 13 + nq);
    let _ = c_k;
    // OPD row: capaian and predikat of the total.
    let r0 = pos.row(0);
    o.insert((0, c_crp), Isi::Rumus(format!("IF({}=0,\"-\",{}/{}*100)", a1(r0, 7), a1(r0, c_rrp), a1(r0, 7)), pct_hasil(&e.total.capaian_rp), PERSEN.into()));
    o.insert((0, c_prp), Isi::Rumus(predikat_rumus(&a1(r0, c_crp), rule), pred_hasil(&e.total.predikat_rp), "@".into()));
    let body = |i: usize| &t.baris[i + 1].sel;
    for (i, r) in e.baris.iter().enumerate() {
        let row = pos.row(1 + i);
        // K values as numbers where the printed text starts with its number.
        let tl = nilai_angka(&body(i)[4].teks, &r.target_lalu);
        let tk = nilai_angka(&body(i)[c_tk as usize].teks, &r.target);
        let rk = nilai_angka(&body(i)[c_rk as usize].teks, &r.realisasi_k);
        if let Some(x) = tl {
            o.insert((1 + i, 4), x);
        }
        let numeric = tk.is_some() && rk.is_some();
        if let Some(x) = tk {
            o.insert((1 + i, c_tk), x);
        }
        if let Some(x) = rk {
            o.insert((1 + i, c_rk), x);
        }
        let has_k = !r.indikator.is_empty();
        if has_k && numeric {
            let f = capaian_k_rumus(&a1(row, c_tk), &a1(row, c_rk), r.sifat, neg);
            o.insert((1 + i, c_ck), Isi::Rumus(f, pct_hasil(&r.capaian_k), PERSEN.into()));
            o.insert((1 + i, c_pk), Isi::Rumus(predikat_rumus(&a1(row, c_ck), rule), pred_hasil(&r.predikat_k), "@".into()));
        } else if has_k {
            if let Some(p) = r.capaian_k {
                o.insert((1 + i, c_ck), Isi::Angka(f64_of(p.value()), PERSEN.into()));
                o.insert((1 + i, c_pk), Isi::Rumus(predikat_rumus(&a1(row, c_ck), rule), pred_hasil(&r.predikat_k), "@".into()));
            }
        }
        o.insert((1 + i, c_crp), Isi::Rumus(format!("IF({}=0,\"-\",{}/{}*100)", a1(row, 7), a1(row, c_rrp), a1(row, 7)), pct_hasil(&r.capaian_rp), PERSEN.into()));
        o.insert((1 + i, c_prp), Isi::Rumus(predikat_rumus(&a1(row, c_crp), rule), pred_hasil(&r.predikat_rp), "@".into()));
    }
    // The average row: AVERAGE ignores the "-" and empty texts, as renja's mean does.
    let s = &e.statistik;
    let last = e.baris.len() + 1;
    let lr = pos.row(last);
    for (col, val, pcol, pval) in [(c_ck, &s.rata_rata_capaian_k, c_pk, &s.predikat_k), (c_crp, &s.rata_rata_capaian_rp, c_prp, &s.predikat_rp)] {
        if val.is_some() {
            let cells: Vec<String> = e.baris.iter().enumerate().filter(|(_, r)| r.tingkat == s.tingkat).map(|(i, _)| a1(pos.row(1 + i), col)).collect();
            o.insert((last, col), Isi::Rumus(format!("AVERAGE({})", cells.join(",")), pct_hasil(val), PERSEN.into()));
            o.insert((last, pcol), Isi::Rumus(predikat_rumus(&a1(lr, col), rule), pred_hasil(pval), "@".into()));
        }
    }
    o
}

fn rkpd(k: &Rkpd, pos: &Tempat) -> Ganti {
    let mut o = Ganti::new();
    let codes: Vec<&Code> = k.baris.iter().map(|r| &r.kode).collect();
    let (kids, roots) = pohon(&codes);
    let n = k.baris.len();
    for (col, total) in [(4u16, &k.total.rancangan_pagu), (9u16, &k.total.analisis_pagu)] {
        let values: Vec<(bool, Option<Hasil>)> = k
            .baris
            .iter()
            .map(|r| (r.tingkat == Level::SubKegiatan, Some(uang(if col == 4 { &r.rancangan.pagu } else { &r.analisis.pagu }))))
            .collect();
        kolom_uang(&mut o, pos, 0, col, &kids, &values, RP);
        let cells: Vec<String> = roots.iter().map(|j| a1(pos.row(*j), col)).collect();
        o.insert((n, col), Isi::Rumus(sum(&cells), uang(total), RP.into()));
    }
    o
}

fn rencana(t: &Rencana, pos: &Tempat) -> Ganti {
    let mut o = Ganti::new();
    let codes: Vec<&Code> = t.baris.iter().map(|r| &r.kode).collect();
    let (kids, roots) = pohon(&codes);
    let n = t.baris.len();
    let leaf = |r: &renja_core::compute::RencanaRow| r.tingkat == Level::SubKegiatan;
    // A murni's T-C.33: one pagu per row (column 9) and the prakiraan maju (column 14), rolled
    // up as sums, the TOTAL over the roots.
    if let Some(total_pagu) = &t.total.pagu {
        let cols: [(u16, Vec<(bool, Option<Hasil>)>, Hasil); 2] = [
            (9, t.baris.iter().map(|r| (leaf(r), r.pagu.as_ref().map(uang))).collect(), uang(total_pagu)),
            (14, t.baris.iter().map(|r| (leaf(r), r.maju_pagu.as_ref().map(uang))).collect(), uang(&t.total.maju_pagu)),
        ];
        for (col, values, total) in cols {
            kolom_uang(&mut o, pos, 0, col, &kids, &values, RP);
            let cells: Vec<String> = roots.iter().map(|j| a1(pos.row(*j), col)).collect();
            o.insert((n, col), Isi::Rumus(sum(&cells), total, RP.into()));
        }
        return o;
    }
    // The Perubahan's Tabel 3.4: Sebelum, Sesudah, Selisih.
    let (Some(total_sebelum), Some(total_sesudah), Some(total_selisih)) = (&t.total.pagu_sebelum, &t.total.pagu_sesudah, &t.total.selisih) else {
        return o;
    };
    let zero = Uang(renja_core::model::value::Rupiah::ZERO);
    let or_zero = |u: &Option<Uang>| uang(u.as_ref().unwrap_or(&zero));
    let cols: [(u16, Vec<(bool, Option<Hasil>)>, Hasil); 3] = [
        (12, t.baris.iter().map(|r| (leaf(r), Some(or_zero(&r.pagu_sebelum)))).collect(), uang(total_sebelum)),
        (13, t.baris.iter().map(|r| (leaf(r), Some(or_zero(&r.pagu_sesudah)))).collect(), uang(total_sesudah)),
        (19, t.baris.iter().map(|r| (leaf(r), r.maju_pagu.as_ref().map(uang))).collect(), uang(&t.total.maju_pagu)),
    ];
    for (col, values, total) in cols {
        kolom_uang(&mut o, pos, 0, col, &kids, &values, RP);
        let cells: Vec<String> = roots.iter().map(|j| a1(pos.row(*j), col)).collect();
        o.insert((n, col), Isi::Rumus(sum(&cells), total, RP.into()));
    }
    for (i, r) in t.baris.iter().enumerate() {
        let row = pos.row(i);
        o.insert((i, 14), Isi::Rumus(format!("{}-{}", a1(row, 13), a1(row, 12)), or_zero(&r.selisih), SELISIH.into()));
    }
    let row = pos.row(n);
    o.insert((n, 14), Isi::Rumus(format!("{}-{}", a1(row, 13), a1(row, 12)), uang(total_selisih), SELISIH.into()));
    o
}

fn kinerja(ts: &TujuanSasaran, t: &TabelTampil, pos: &Tempat, grid: &[Vec<Option<u16>>], doc: &Document) -> Ganti {
    let mut o = Ganti::new();
    let n = ts.tahun_renstra.len() as u16;
    let Some(yi) = ts.tahun_renstra.iter().position(|y| *y == doc.edisi.tahun) else { return o };
    let rule = doc.edisi.format.capaian_negatif;
    for (i, r) in ts.baris.iter().enumerate() {
        if r.indikator.is_empty() {
            continue;
        }
        // Column of the first cell of this row (after a rowspan from above, cell 0 is column 1).
        let cells = &t.baris[i].sel;
        let col_of = |k: usize| grid[i].get(k).copied().flatten();
        let (Some(tc), Some(rc), Some(cc)) = (col_of(cells.len() - n as usize - 2 + yi), col_of(cells.len() - 2), col_of(cells.len() - 1)) else { continue };
        let tk = nilai_angka(&cells[cells.len() - n as usize - 2 + yi].teks, &r.target_renstra.get(yi).cloned());
        let rk = nilai_angka(&cells[cells.len() - 2].teks, &r.realisasi);
        if let (Some(a), Some(b)) = (tk, rk) {
            o.insert((i, tc), a);
            o.insert((i, rc), b);
            let row = pos.row(i);
            o.insert((i, cc), Isi::Rumus(capaian_k_rumus(&a1(row, tc), &a1(row, rc), r.sifat, rule), pct_hasil(&r.capaian), PERSEN.into()));
        }
    }
    o
}

// ---------------------------------------------------------------------------------------------
// Writing

struct Gaya {
    font: String,
}

impl Gaya {
    fn base(&self) -> Format {
        Format::new()
            .set_font_name(&self.font)
            .set_font_size(9)
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Top)
    }
    fn kepala(&self) -> Format {
        self.base().set_bold().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter).set_background_color(Color::RGB(0xD9D9D9))
    }
    fn sel(&self, rata: Option<Rata>, tebal: bool, shade: bool, num: Option<&str>) -> Format {
        let mut f = self.base();
        f = match rata {
            Some(Rata::Kanan) => f.set_align(FormatAlign::Right),
            Some(Rata::Tengah) => f.set_align(FormatAlign::Center),
            _ => f.set_align(FormatAlign::Left),
        };
        if tebal {
            f = f.set_bold();
        }
        if shade {
            f = f.set_background_color(Color::RGB(0xE7E6E6));
        }
        if let Some(n) = num {
            f = f.set_num_format(n);
        }
        f
    }
}

/// Lines a text needs in a column `chars` wide (a rough measure: rust_xlsxwriter does not fit
/// row heights, and LibreOffice keeps the height a file gives).
fn baris_teks(text: &str, chars: f64) -> u32 {
    let per = chars.max(4.0) * 1.15;
    text.split('\n').map(|l| ((l.chars().count() as f64) / per).ceil().max(1.0) as u32).sum()
}

/// Places the cells of rows with row/column spans on a grid: for each row, the column of each
/// cell. `covered` carries rowspans down.
fn tempatkan(rows: impl Iterator<Item = Vec<(u32, u32)>>, n: usize) -> Vec<Vec<Option<u16>>> {
    let mut covered = vec![0u32; n];
    let mut out = Vec::new();
    for spans in rows {
        let mut x = 0usize;
        let mut cols = Vec::new();
        for (cs, rs) in spans {
            while x < n && covered[x] > 0 {
                x += 1;
            }
            if x >= n {
                cols.push(None);
                continue;
            }
            cols.push(Some(x as u16));
            for c in covered.iter_mut().skip(x).take(cs as usize) {
                *c = rs;
            }
            x += cs as usize;
        }
        for c in covered.iter_mut() {
            *c = c.saturating_sub(1);
        }
        out.push(cols);
    }
    out
}

fn tulis_tabel(ws: &mut Worksheet, t: &TabelTampil, doc: &Document, g: &Gaya) -> Result<(), XlsxError> {
    let n = t.kolom.len();
    let last_col = (n - 1) as u16;
    ws.set_name(format!("Tabel {}", t.nomor).chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect::<String>())?;
    ws.set_paper_size(14); // Folio 8.5 × 13 in, the nearest to F4
    if t.orientasi == renja_core::document::tables::Orientasi::Lanskap {
        ws.set_landscape();
    }
    ws.set_print_fit_to_pages(1, 0);
    let title = Format::new().set_font_name(&g.font).set_font_size(11).set_bold().set_align(FormatAlign::Center).set_text_wrap();
    ws.merge_range(0, 0, 0, last_col, &format!("Tabel {} {}", t.nomor, t.judul), &title)?;
    ws.set_row_height(0, 30)?;
    for (c, k) in t.kolom.iter().enumerate() {
        ws.set_column_width(c as u16, (k.lebar * 5.0).max(5.0))?;
    }
    // Header rows with their spans.
    let h0 = 2u32;
    let hk = g.kepala();
    let grid = tempatkan(t.kepala.iter().map(|row| row.iter().map(|c| (c.kolom, c.baris)).collect()), n);
    for (i, row) in t.kepala.iter().enumerate() {
        for (cell, col) in row.iter().zip(&grid[i]) {
            let Some(col) = *col else { continue };
            let r = h0 + i as u32;
            if cell.kolom > 1 || cell.baris > 1 {
                ws.merge_range(r, col, r + cell.baris - 1, col + cell.kolom as u16 - 1, &cell.teks, &hk)?;
            } else {
                ws.write_string_with_format(r, col, &cell.teks, &hk)?;
            }
        }
    }
    let width = |c: u16, span: u32| -> f64 { t.kolom.iter().skip(c as usize).take(span as usize).map(|k| (k.lebar * 5.0).max(5.0)).sum() };
    for (i, row) in t.kepala.iter().enumerate() {
        let lines = row.iter().zip(&grid[i]).filter(|(c, _)| c.baris == 1).filter_map(|(c, col)| col.map(|col| baris_teks(&c.teks, width(col, c.kolom)))).max().unwrap_or(1);
        ws.set_row_height(h0 + i as u32, 12.5 * lines as f64 + 2.0)?;
    }
    let mut r = h0 + t.kepala.len() as u32;
    if t.nomor_kolom {
        let f = g.kepala().set_italic().set_bold().set_font_size(8);
        for c in 0..n {
            ws.write_number_with_format(r, c as u16, (c + 1) as f64, &f)?;
        }
        r += 1;
    }
    ws.set_repeat_rows(h0, r - 1)?;
    ws.set_freeze_panes(r, 0)?;
    let pos = Tempat { first: r };
    let body_grid = tempatkan(t.baris.iter().map(|b| b.sel.iter().map(|c| (c.kolom, c.baris)).collect()), n);
    let data = &doc.data;
    use renja_core::document::tables::IdTabel;
    let ganti = match IdTabel::parse(&t.id) {
        Some(IdTabel::Evaluasi) => data.evaluasi.as_ref().map(|e| evaluasi(e, t, &pos, doc)),
        Some(IdTabel::Rkpd) => data.rkpd.as_ref().map(|k| rkpd(k, &pos)),
        Some(IdTabel::Rencana) => data.rencana.as_ref().map(|x| rencana(x, &pos)),
        Some(IdTabel::Kinerja) => data.tujuan_sasaran.as_ref().map(|ts| kinerja(ts, t, &pos, &body_grid, doc)),
        Some(IdTabel::Rumusan | IdTabel::Usulan) | None => None,
    }
    .unwrap_or_default();
    for (i, b) in t.baris.iter().enumerate() {
        let shade = matches!(b.gaya, GayaBaris::Total | GayaBaris::Opd | GayaBaris::Ringkasan);
        let row = pos.row(i);
        let lines = b.sel.iter().zip(&body_grid[i]).filter(|(c, _)| c.baris == 1).filter_map(|(c, col)| col.map(|col| baris_teks(&c.teks, width(col, c.kolom)))).max().unwrap_or(1);
        ws.set_row_height(row, 12.0 * lines as f64 + 1.0)?;
        for (cell, col) in b.sel.iter().zip(&body_grid[i]) {
            let Some(col) = *col else { continue };
            let isi = ganti.get(&(i, col));
            write_cell(ws, row, col, cell, isi, g, b.tebal, shade)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &Sel, isi: Option<&Isi>, g: &Gaya, tebal: bool, shade: bool) -> Result<(), XlsxError> {
    let span = cell.kolom > 1 || cell.baris > 1;
    let (last_r, last_c) = (row + cell.baris - 1, col + cell.kolom as u16 - 1);
    match isi {
        None => {
            let f = g.sel(cell.rata, tebal, shade, None);
            if span {
                ws.merge_range(row, col, last_r, last_c, &cell.teks, &f)?;
            } else if cell.teks.is_empty() {
                ws.write_blank(row, col, &f)?;
            } else {
                // The print-only break marks (U+200B) of a column too narrow stay out of the sheet.
                ws.write_string_with_format(row, col, &cell.teks.replace(renja_core::document::widths::ZWSP, ""), &f)?;
            }
        }
        Some(Isi::Kosong) => {
            ws.write_blank(row, col, &g.sel(cell.rata, tebal, shade, None))?;
        }
        Some(Isi::Angka(v, num)) => {
            let f = g.sel(cell.rata, tebal, shade, Some(num));
            ws.write_number_with_format(row, col, *v, &f)?;
        }
        Some(Isi::Rumus(formula, hasil, num)) => {
            let f = g.sel(cell.rata, tebal, shade, Some(num));
            ws.write_formula_with_format(row, col, Formula::new(format!("={formula}")).set_result(hasil.teks()), &f)?;
        }
    }
    Ok(())
}

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EksporError {
    /// The edition's date is outside what a workbook can hold.
    #[error("{0}")]
    Tanggal(#[source] rust_xlsxwriter::XlsxError),
    #[error("tabel {nomor}: {source}")]
    Tabel { nomor: String, source: rust_xlsxwriter::XlsxError },
    #[error("edisi tidak memiliki tabel")]
    TanpaTabel,
    #[error("{0}")]
    Simpan(#[source] rust_xlsxwriter::XlsxError),
}

/// The workbook of every table of the edition, in the document's order.
pub fn render(doc: &Document) -> Result<Vec<u8>, EksporError> {
    let mut wb = Workbook::new();
    let (y, m, d) = doc.edisi.tanggal;
    let when = ExcelDateTime::from_ymd(y as u16, m, d).map_err(EksporError::Tanggal)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&doc.metadata.judul)
            .set_author(&doc.metadata.penulis)
            .set_comment(format!("Disusun oleh renja {}", doc.renja_versi))
            .set_creation_datetime(&when),
    );
    let g = Gaya { font: "Arial".into() };
    let mut any = false;
    for id in renja_core::document::tables::IdTabel::ALL {
        if let Some(t) = doc.tabel.get(id.as_str()) {
            let ws = wb.add_worksheet();
            tulis_tabel(ws, t, doc, &g).map_err(|source| EksporError::Tabel { nomor: t.nomor.to_string(), source })?;
            any = true;
        }
    }
    if !any {
        return Err(EksporError::TanpaTabel);
    }
    wb.save_to_buffer().map_err(EksporError::Simpan)
}
