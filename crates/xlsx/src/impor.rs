//! `renja impor`: rows of a workbook into a table's data file. The sheet's header rows are found
//! by their names (see [`super::peta`]), every data row is read, checked and compared with the
//! data file, and the result is a report row by row plus, when nothing was refused, the new text
//! of the data file (toml_edit: the author's comments, order and unrelated rows are kept).

use super::baca::{self, huruf_kolom, kolom_huruf, Lembar};
use super::peta::{self, Bidang, Jenis, Tahun, Target};
use renja_core::format;
use renja_core::model::code::{Code, Level};
use renja_core::model::value::{leading_number, parse_rupiah};
use calamine::Data;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// More data rows than this in one sheet is not a Renja table (e.g. a whole-region SIPD export).
pub const BATAS_BARIS: usize = 10_000;

#[derive(Debug, Default, Clone)]
pub struct Opsi {
    pub tabel: Option<String>,
    pub lembar: Option<String>,
    pub peta: Option<PathBuf>,
}

/// A problem that stops the import as a whole: where, what, and what to do.
#[derive(Debug, Clone)]
pub struct Gagal {
    pub lokasi: String,
    pub pesan: String,
    pub saran: Option<String>,
}

impl std::fmt::Display for Gagal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.lokasi.is_empty() {
            write!(f, "error: {}", self.pesan)?;
        } else {
            write!(f, "{}: error: {}", self.lokasi, self.pesan)?;
        }
        if let Some(s) = &self.saran {
            write!(f, "\n  = saran: {s}")?;
        }
        Ok(())
    }
}

fn gagal(lokasi: impl Into<String>, pesan: impl Into<String>) -> Gagal {
    Gagal { lokasi: lokasi.into(), pesan: pesan.into(), saran: None }
}

impl Gagal {
    fn saran(mut self, s: impl Into<String>) -> Self {
        self.saran = Some(s.into());
        self
    }
}

/// A value read from a cell, typed by its field.
#[derive(Debug, Clone, PartialEq)]
pub enum Nilai {
    Teks(String),
    /// A performance value written as a number.
    Angka(Decimal),
    Rupiah(Decimal),
    /// `realisasi_triwulan_rp`: quarters I.. in order.
    Daftar(Vec<Decimal>),
}

impl Nilai {
    fn tampil(&self) -> String {
        match self {
            Nilai::Teks(s) => format!("\"{s}\""),
            Nilai::Angka(d) => format::angka(*d),
            Nilai::Rupiah(d) => format::angka_dp(*d, 0),
            Nilai::Daftar(v) => format!("[{}]", v.iter().map(|d| format::angka_dp(*d, 0)).collect::<Vec<_>>().join("; ")),
        }
    }

    fn item(&self) -> toml_edit::Value {
        match self {
            Nilai::Teks(s) => toml_edit::Value::from(s.as_str()),
            Nilai::Angka(d) => match d.to_i64() {
                Some(i) if d.fract().is_zero() => toml_edit::Value::from(i),
                _ => toml_edit::Value::from(d.to_f64().unwrap_or(0.0)),
            },
            Nilai::Rupiah(d) => toml_edit::Value::from(d.to_i64().unwrap_or(0)),
            Nilai::Daftar(v) => {
                let mut a = toml_edit::Array::new();
                for d in v {
                    a.push(d.to_i64().unwrap_or(0));
                }
                toml_edit::Value::Array(a)
            }
        }
    }
}

fn tampil(v: &Option<Nilai>) -> String {
    v.as_ref().map(|v| v.tampil()).unwrap_or_else(|| "(kosong)".into())
}

/// One field change of a row.
#[derive(Debug, Clone)]
pub struct Perubahan {
    pub kunci: String,
    pub lama: Option<Nilai>,
    pub baru: Option<Nilai>,
}

#[derive(Debug, Clone)]
pub enum Status {
    Ditambahkan,
    Diubah(Vec<Perubahan>),
    TidakBerubah,
    /// Every problem of the row: (cell, why).
    Ditolak(Vec<(String, String)>),
    /// Rows that are not data (TOTAL, the OPD row, a repeated header): why.
    Dilewati(String),
}

#[derive(Debug, Clone)]
pub struct BarisLaporan {
    pub sel: String,
    pub kode: Option<String>,
    pub status: Status,
}

/// The result of reading a workbook against an edition.
#[derive(Debug)]
pub struct Laporan {
    pub target: &'static Target,
    pub lembar: String,
    /// (column letter, field key) of every recognised column, and the ignored headers.
    pub kolom: Vec<(String, String)>,
    pub diabaikan: Vec<String>,
    pub baris: Vec<BarisLaporan>,
    /// Amounts on parent rows that were not imported (renja sums them).
    pub jumlah_induk: usize,
    /// The new text of the data file (`None` when nothing would change or a row was refused).
    pub teks_baru: Option<String>,
    pub berkas: PathBuf,
}

impl Laporan {
    pub fn hitung(&self) -> (usize, usize, usize, usize) {
        let mut n = (0, 0, 0, 0);
        for b in &self.baris {
            match b.status {
                Status::Ditambahkan => n.0 += 1,
                Status::Diubah(_) => n.1 += 1,
                Status::TidakBerubah => n.2 += 1,
                Status::Ditolak(_) => n.3 += 1,
                Status::Dilewati(_) => {}
            }
        }
        n
    }

    pub fn ditolak(&self) -> usize {
        self.hitung().3
    }

    /// The report, one line per row (changes one line per field), in Bahasa Indonesia.
    pub fn tulis(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("impor ke {} ({}) dari lembar '{}'\n", self.target.berkas, self.target.judul, self.lembar));
        s.push_str(&format!(
            "kolom dikenali: {}\n",
            self.kolom.iter().map(|(c, k)| format!("{c}={k}")).collect::<Vec<_>>().join(", ")
        ));
        if !self.diabaikan.is_empty() {
            s.push_str(&format!("kolom diabaikan (dihitung renja atau tidak dikenal): {}\n", self.diabaikan.join(", ")));
        }
        for b in &self.baris {
            let kode = b.kode.clone().unwrap_or_else(|| "-".into());
            match &b.status {
                Status::Ditambahkan => s.push_str(&format!("{}: {kode}: ditambahkan\n", b.sel)),
                Status::TidakBerubah => s.push_str(&format!("{}: {kode}: tidak berubah\n", b.sel)),
                Status::Diubah(ch) => {
                    s.push_str(&format!("{}: {kode}: diubah\n", b.sel));
                    for c in ch {
                        s.push_str(&format!("    {}: {} → {}\n", c.kunci, tampil(&c.lama), tampil(&c.baru)));
                    }
                }
                Status::Ditolak(why) => {
                    for (cell, w) in why {
                        s.push_str(&format!("{cell}: {kode}: ditolak: {w}\n"));
                    }
                }
                Status::Dilewati(w) => s.push_str(&format!("{}: dilewati: {w}\n", b.sel)),
            }
        }
        let (a, u, t, r) = self.hitung();
        s.push_str(&format!("ringkasan: {a} ditambahkan, {u} diubah, {t} tidak berubah, {r} ditolak\n"));
        if self.jumlah_induk > 0 {
            s.push_str(&format!(
                "catatan: {} nilai rupiah pada baris induk (program, kegiatan, …) tidak diimpor; renja menjumlahkannya dari sub kegiatan\n",
                self.jumlah_induk
            ));
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------
// The mapping file

/// A mapping file for a layout the header names do not recognise (docs/content-format.md).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PetaBerkas {
    tabel: Option<String>,
    lembar: Option<String>,
    /// The header rows, 1-based: one row (`5`) or the first and last (`[5, 7]`).
    baris_kepala: Option<BarisKepala>,
    /// The first data row, 1-based (default: after the header and its column-number row).
    baris_data: Option<u32>,
    /// Field key → column letter (`"N"`) or header text.
    #[serde(default)]
    kolom: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum BarisKepala {
    Satu(u32),
    Rentang([u32; 2]),
}

fn baca_peta(path: &Path) -> Result<PetaBerkas, Gagal> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| gagal(&shown, format!("berkas peta tidak dapat dibaca: {e}")))?;
    toml::from_str::<PetaBerkas>(&text).map_err(|e| {
        let at = e.span().map(|s| s.start).unwrap_or(0);
        let f = renja_core::diag::SourceFile::new(&shown, path, text.clone());
        let (msg, hint, _detail) = renja_core::source::translate_toml_error(e.message());
        let g = gagal(f.loc(at).to_string(), format!("berkas peta: {msg}"));
        match hint {
            Some(h) => g.saran(h),
            None => g,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Header detection

/// A recognised layout on one sheet.
struct Tata {
    h0: u32,
    h1: u32,
    data0: u32,
    /// Field index → column.
    kolom: BTreeMap<usize, u32>,
    /// Headers of columns no field recognised or that renja computes.
    diabaikan: Vec<String>,
    skor: usize,
    ganda: Option<Gagal>,
}

fn header_text(l: &Lembar, gabung: &HashMap<(u32, u32), (u32, u32)>, r: u32, c: u32) -> String {
    let (r0, c0) = gabung.get(&(r, c)).copied().unwrap_or((r, c));
    baca::teks(l.nilai(r0, c0)).trim().to_string()
}

/// Whether a row is the column-number row printed under a header: 1, 2, 3 … or (1), (2), ….
fn baris_nomor(l: &Lembar, r: u32, c1: u32) -> bool {
    let mut n = 0;
    let mut last = 0i64;
    for c in 0..=c1 {
        let t = baca::teks(l.nilai(r, c));
        let t = t.trim().trim_start_matches('(').trim_end_matches(')');
        if t.is_empty() {
            continue;
        }
        let Ok(v) = t.parse::<f64>() else { return false };
        if v.fract() != 0.0 || (v as i64) <= last {
            return false;
        }
        last = v as i64;
        n += 1;
    }
    n >= 3
}

fn kenali(l: &Lembar, t: &'static Target, th: Tahun, peta: &PetaBerkas) -> Result<Option<Tata>, Gagal> {
    let Some((r_end, c_end)) = l.akhir() else { return Ok(None) };
    let mut gabung: HashMap<(u32, u32), (u32, u32)> = HashMap::new();
    for m in &l.gabung {
        if m.start.0 > 60 {
            continue;
        }
        for r in m.start.0..=m.end.0.min(m.start.0 + 10) {
            for c in m.start.1..=m.end.1.min(m.start.1 + 60) {
                gabung.insert((r, c), m.start);
            }
        }
    }
    // The first header row: given, or the first row with a Kode cell.
    let (h0, mut h1) = match &peta.baris_kepala {
        Some(BarisKepala::Satu(r)) => (r.saturating_sub(1), r.saturating_sub(1)),
        Some(BarisKepala::Rentang([a, b])) => (a.saturating_sub(1), b.saturating_sub(1)),
        None => {
            let mut found = None;
            'rows: for r in 0..=r_end.min(40) {
                // A header row has several cells ("Kode Perangkat Daerah: …" above a table is not one).
                let filled = (0..=c_end).filter(|&c| !baca::teks(l.nilai(r, c)).trim().is_empty()).count();
                if filled < 3 {
                    continue;
                }
                for c in 0..=c_end {
                    let n = peta::normal(&baca::teks(l.nilai(r, c)));
                    if n == "kode" || n.starts_with("kode ") {
                        found = Some(r);
                        break 'rows;
                    }
                }
            }
            match found {
                Some(r) => (r, r),
                None if !peta.kolom.is_empty() => (0, 0),
                None => return Ok(None),
            }
        }
    };
    if peta.baris_kepala.is_none() {
        // The header extends over the rows its merged cells cover.
        loop {
            let before = h1;
            for m in &l.gabung {
                if (h0..=h1).contains(&m.start.0) && m.end.0 > h1 && m.end.0 <= h0 + 6 {
                    h1 = m.end.0;
                }
            }
            if h1 == before {
                break;
            }
        }
        // A group header (merged across columns) with no vertical merges: one more row.
        let grouped = l.gabung.iter().any(|m| m.start.0 == h1 && m.end.0 == h1 && m.end.1 > m.start.1);
        if grouped && h1 < r_end && !baris_nomor(l, h1 + 1, c_end) {
            h1 += 1;
        }
    }
    // Column paths.
    let mut jalur: Vec<(u32, Vec<String>, String)> = Vec::new();
    for c in 0..=c_end {
        let mut p: Vec<String> = Vec::new();
        let mut asli: Vec<String> = Vec::new();
        for r in h0..=h1 {
            let raw = header_text(l, &gabung, r, c);
            let n = peta::normal(&raw);
            if !n.is_empty() && p.last() != Some(&n) {
                p.push(n);
                asli.push(raw.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        if !p.is_empty() {
            jalur.push((c, p, asli.join(" / ")));
        }
    }
    let mut kolom: BTreeMap<usize, u32> = BTreeMap::new();
    let mut diabaikan = Vec::new();
    // Explicit columns of the mapping file first.
    let mut tetap: Vec<u32> = Vec::new();
    for (key, spec) in &peta.kolom {
        let Some(i) = t.bidang.iter().position(|b| b.kunci == *key) else {
            let keys: Vec<&str> = t.bidang.iter().filter(|b| b.jenis != Jenis::Abaikan).map(|b| b.kunci).collect();
            return Err(gagal("", format!("berkas peta: kolom '{key}' tidak dikenal untuk tabel {}", t.nama)).saran(format!("yang dikenal: {}", keys.join(", "))));
        };
        let c = match huruf_kolom(spec.trim()) {
            Some(c) => Some(c),
            None => {
                let want = peta::normal(spec);
                jalur.iter().find(|(_, p, _)| p.iter().any(|x| *x == want) || p.join(" ") == want).map(|(c, _, _)| *c)
            }
        };
        let Some(c) = c else {
            return Err(gagal(l.sel_ref(h0, 0), format!("berkas peta: kepala kolom '{spec}' untuk '{key}' tidak ditemukan pada baris kepala {}–{}", h0 + 1, h1 + 1)));
        };
        kolom.insert(i, c);
        tetap.push(c);
    }
    let mut oleh: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (c, p, asli) in &jalur {
        if tetap.contains(c) {
            continue;
        }
        let mut best: Option<(usize, usize)> = None;
        for (i, b) in t.bidang.iter().enumerate() {
            if kolom.contains_key(&i) {
                continue;
            }
            for pat in b.kepala {
                if let Some(s) = peta::cocok(pat, p, th) {
                    if best.is_none_or(|(bs, _)| s > bs) {
                        best = Some((s, i));
                    }
                }
            }
        }
        match best {
            Some((_, i)) if t.bidang[i].jenis != Jenis::Abaikan => oleh.entry(i).or_default().push(*c),
            _ => diabaikan.push(format!("{} \"{asli}\"", kolom_huruf(*c))),
        }
    }
    // Two columns read as one field: an error, raised only if this table is the one chosen.
    let mut ganda = None;
    for (i, cols) in oleh {
        if cols.len() > 1 && ganda.is_none() {
            let b = &t.bidang[i];
            let names: Vec<String> = cols.iter().map(|c| l.sel_ref(h0, *c)).collect();
            ganda = Some(
                gagal(
                    l.sel_ref(h0, cols[1]),
                    format!("kepala kolom {} sama-sama dikenali sebagai '{}'; kepala tabel tidak jelas", names.join(" dan "), b.kunci),
                )
                .saran("beri kepala kolom yang berbeda, atau tetapkan kolomnya dalam berkas peta (--peta)"),
            );
        }
        kolom.insert(i, cols[0]);
    }
    let skor = kolom.keys().filter(|i| !matches!(t.bidang[**i].jenis, Jenis::Kode | Jenis::KodeBagian(_))).count();
    let mut data0 = h1 + 1;
    if let Some(d) = peta.baris_data {
        data0 = d.saturating_sub(1);
    } else if data0 <= r_end && baris_nomor(l, data0, c_end) {
        data0 += 1;
    }
    Ok(Some(Tata { h0, h1, data0, kolom, diabaikan, skor, ganda }))
}

/// What is missing for `t` in a recognised layout (empty when complete).
fn kurang(t: &Target, tata: &Tata) -> Vec<&'static str> {
    let has = |k: &str| tata.kolom.keys().any(|i| t.bidang[*i].kunci == k);
    let mut out = Vec::new();
    let parts = tata.kolom.keys().filter(|i| matches!(t.bidang[**i].jenis, Jenis::KodeBagian(_))).count();
    if !has("kode") && parts < 3 {
        out.push("kode");
    }
    for w in t.wajib {
        if !has(w) {
            out.push(*w);
        }
    }
    out
}

fn nama_kolom(t: &Target, key: &str) -> String {
    let pat = t.bidang(key).and_then(|b| b.kepala.first()).copied().unwrap_or(key);
    pat.replace('=', "").replace(" / ", " › ")
}

// ---------------------------------------------------------------------------------------------
// Reading the rows

/// What one data row holds.
struct Baris {
    kode: Code,
    nilai: Vec<(&'static str, Option<Nilai>)>,
}

fn angka_sel(d: &Data) -> Option<Decimal> {
    match d {
        Data::Int(i) => Some(Decimal::from(*i)),
        Data::Float(f) => Decimal::from_str(&f.to_string()).ok().or_else(|| Decimal::from_scientific(&format!("{f:e}")).ok()),
        _ => None,
    }
}

fn galat(d: &Data) -> Option<String> {
    match d {
        Data::Error(e) => Some(format!("sel berisi galat Excel {e}")),
        Data::Bool(b) => Some(format!("sel berisi nilai logika {b}; yang diharapkan angka atau teks")),
        _ => None,
    }
}

/// Reads one cell for a field. `Ok(None)`: blank.
fn baca_sel(d: &Data, b: &Bidang, leaf: bool) -> Result<Option<Nilai>, String> {
    if let Some(g) = galat(d) {
        return Err(g);
    }
    if matches!(d, Data::Empty) {
        return Ok(None);
    }
    if let Data::String(s) = d {
        if s.trim().is_empty() && !matches!(b.jenis, Jenis::Teks | Jenis::Nilai) {
            return Ok(None);
        }
    }
    match b.jenis {
        Jenis::Teks => Ok(Some(Nilai::Teks(match angka_sel(d) {
            Some(v) => format::angka(v),
            None => baca::teks(d).trim().to_string(),
        }))),
        Jenis::Nilai => match angka_sel(d) {
            Some(v) => Ok(Some(Nilai::Angka(v))),
            None => {
                let s = baca::teks(d).trim().to_string();
                leading_number(&s).map_err(|e| e.to_string())?;
                Ok(Some(Nilai::Teks(s)))
            }
        },
        Jenis::Sifat => {
            let s = peta::normal(&baca::teks(d));
            match s.as_str() {
                "positif" | "negatif" => Ok(Some(Nilai::Teks(s))),
                _ => Err(format!("sifat '{}' tidak dikenal; yang diharapkan positif atau negatif", baca::teks(d).trim())),
            }
        }
        Jenis::Rupiah | Jenis::RupiahTriwulan(_) => {
            let _ = leaf;
            let v = match angka_sel(d) {
                Some(v) => {
                    if v.is_sign_negative() && !v.is_zero() {
                        return Err(format!("jumlah negatif {} tidak diperbolehkan; yang diharapkan rupiah ≥ 0", format::angka(v)));
                    }
                    if !v.fract().is_zero() {
                        return Err(format!("rupiah {} memiliki sen; yang diharapkan rupiah bulat", format::angka(v)));
                    }
                    v
                }
                None => parse_rupiah(&baca::teks(d)).map_err(|e| e.to_string())?,
            };
            Ok(Some(Nilai::Rupiah(v.trunc())))
        }
        Jenis::Kode | Jenis::KodeBagian(_) | Jenis::Abaikan => Ok(None),
    }
}

/// The code of a row as written: the Kode column, or the parts joined.
fn kode_tertulis(l: &Lembar, t: &Target, tata: &Tata, r: u32) -> Result<(String, u32), (u32, String)> {
    let mut whole = None;
    let mut parts: Vec<(u8, u32)> = Vec::new();
    for (i, c) in &tata.kolom {
        match t.bidang[*i].jenis {
            Jenis::Kode => whole = Some(*c),
            Jenis::KodeBagian(n) => parts.push((n, *c)),
            _ => {}
        }
    }
    let cell_text = |c: u32| -> Result<String, (u32, String)> {
        let d = l.nilai(r, c);
        if let Data::Float(f) = d {
            if f.fract() != 0.0 {
                return Err((c, format!("kode ditulis sebagai angka {f}; angka kehilangan nol di belakang (2.10 menjadi 2.1); tulis kode sebagai teks")));
            }
        }
        if let Some(g) = galat(d) {
            return Err((c, g));
        }
        Ok(baca::teks(d).trim().to_string())
    };
    if let Some(c) = whole {
        let s = cell_text(c)?;
        if !s.is_empty() || parts.is_empty() {
            return Ok((s, c));
        }
    }
    parts.sort();
    let mut code = String::new();
    let mut first = None;
    for (_, c) in parts {
        let s = cell_text(c)?;
        if s.is_empty() {
            break;
        }
        first.get_or_insert(c);
        if code.is_empty() {
            code = s;
        } else if let Some(rest) = s.strip_prefix(&format!("{code}.")) {
            code = format!("{code}.{rest}");
        } else {
            code = format!("{code}.{s}");
        }
    }
    Ok((code, first.unwrap_or(0)))
}

// ---------------------------------------------------------------------------------------------
// The data file

/// Reads the current value of a field from a row of the data file.
fn lama(tbl: &dyn toml_edit::TableLike, b: &Bidang) -> Option<Nilai> {
    let (item, _) = get_path(tbl, b.kunci)?;
    let v = item.as_value()?;
    match b.jenis {
        Jenis::Teks | Jenis::Sifat => v.as_str().map(|s| Nilai::Teks(s.to_string())),
        Jenis::Nilai => match v {
            toml_edit::Value::String(s) => Some(Nilai::Teks(s.value().trim().to_string())),
            toml_edit::Value::Integer(i) => Some(Nilai::Angka(Decimal::from(*i.value()))),
            toml_edit::Value::Float(f) => Decimal::from_str(&f.value().to_string()).ok().map(Nilai::Angka),
            _ => None,
        },
        Jenis::Rupiah => rupiah_lama(v).map(Nilai::Rupiah),
        _ => None,
    }
}

fn rupiah_lama(v: &toml_edit::Value) -> Option<Decimal> {
    match v {
        toml_edit::Value::Integer(i) => Some(Decimal::from(*i.value())),
        toml_edit::Value::String(s) => parse_rupiah(s.value()).ok(),
        _ => None,
    }
}

fn get_path<'a>(tbl: &'a dyn toml_edit::TableLike, key: &str) -> Option<(&'a toml_edit::Item, ())> {
    match key.split_once('.') {
        None => tbl.get(key).map(|i| (i, ())),
        Some((a, b)) => tbl.get(a)?.as_table_like().and_then(|t| t.get(b)).map(|i| (i, ())),
    }
}

/// Sets (or removes, for `None`) a field in a row of the data file, keeping its other keys.
fn set_path(tbl: &mut toml_edit::Table, key: &str, v: &Option<Nilai>) {
    match key.split_once('.') {
        None => match v {
            Some(v) => {
                match tbl.get_mut(key).and_then(|i| i.as_value_mut()) {
                    Some(old) => {
                        let decor = old.decor().clone();
                        *old = v.item();
                        *old.decor_mut() = decor;
                    }
                    None => {
                        tbl.insert(key, toml_edit::value(v.item()));
                    }
                }
            }
            None => {
                tbl.remove(key);
            }
        },
        Some((a, b)) => {
            if v.is_none() && tbl.get(a).is_none() {
                return;
            }
            if tbl.get(a).and_then(|i| i.as_table_like()).is_none() {
                tbl.insert(a, toml_edit::value(toml_edit::InlineTable::new()));
            }
            let Some(sub) = tbl.get_mut(a).and_then(|i| i.as_table_like_mut()) else { return };
            match v {
                Some(v) => match sub.get_mut(b).and_then(|i| i.as_value_mut()) {
                    Some(old) => {
                        let decor = old.decor().clone();
                        *old = v.item();
                        *old.decor_mut() = decor;
                    }
                    None => {
                        sub.insert(b, toml_edit::value(v.item()));
                    }
                },
                None => {
                    sub.remove(b);
                }
            }
            if let Some(it) = tbl.get_mut(a).and_then(|i| i.as_inline_table_mut()) {
                it.fmt();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole import

/// Reads `workbook` against the edition in `dir` and prepares the new data file.
pub fn siapkan(dir: &Path, workbook: &Path, opsi: &Opsi) -> Result<Laporan, Gagal> {
    // The edition: its metadata (years, code width, OPD code) and nomenclature.
    let mut diags = renja_core::diag::Diagnostics::new();
    let sources = renja_core::source::load(dir, &mut diags);
    let Some(ed) = renja_core::model::validate(&sources, &mut diags) else {
        let first = diags.iter().next().map(|d| d.to_string()).unwrap_or_default();
        return Err(gagal(dir.join("edisi.toml").display().to_string(), format!("edisi tidak dapat dibaca; tidak ada yang diimpor ({first})")));
    };
    let peta_berkas = match &opsi.peta {
        Some(p) => baca_peta(p)?,
        None => PetaBerkas::default(),
    };
    let tabel = opsi.tabel.clone().or(peta_berkas.tabel.clone());
    let lembar_nama = opsi.lembar.clone().or(peta_berkas.lembar.clone());
    let targets: Vec<&'static Target> = match &tabel {
        Some(n) => match peta::target(n) {
            Some(t) => vec![t],
            None => {
                let names: Vec<&str> = peta::TARGETS.iter().map(|t| t.nama).collect();
                return Err(gagal("", format!("tabel '{n}' tidak dikenal")).saran(format!("yang dikenal: {}", names.join(", "))));
            }
        },
        None => peta::TARGETS.iter().collect(),
    };
    let lembar = baca::baca(workbook).map_err(|m| gagal("", m))?;
    let candidates: Vec<&Lembar> = match &lembar_nama {
        Some(n) => match lembar.iter().find(|l| l.nama == *n) {
            Some(l) => vec![l],
            None => {
                let names: Vec<String> = lembar.iter().map(|l| format!("'{}'", l.nama)).collect();
                return Err(gagal(workbook.display().to_string(), format!("lembar '{n}' tidak ada")).saran(format!("lembar dalam buku kerja: {}", names.join(", "))));
            }
        },
        None => lembar.iter().collect(),
    };
    let tahun_maju = sources.rencana.as_deref().and_then(|(_, r)| r.tabel.tahun_maju.as_ref().map(|t| *t.get_ref())).unwrap_or(ed.meta.tahun + 1);
    let tahun_lalu = sources.evaluasi.as_deref().and_then(|(_, e)| e.tabel.tahun_lalu.as_ref().map(|t| *t.get_ref())).unwrap_or(ed.meta.tahun - 1);
    let th = Tahun { tahun: ed.meta.tahun, tahun_lalu, tahun_maju };

    // The best (sheet, table) pair: complete layouts first, then the most recognised fields.
    let mut best: Option<(bool, usize, &Lembar, &'static Target, Tata)> = None;
    let mut nearest: Option<(usize, &Lembar, &'static Target, Vec<&'static str>, u32)> = None;
    for &l in &candidates {
        for &t in &targets {
            let Some(tata) = kenali(l, t, th, &peta_berkas)? else { continue };
            let miss = kurang(t, &tata);
            if miss.is_empty() {
                let visible = !l.tersembunyi || lembar_nama.is_some();
                let better = match &best {
                    None => true,
                    Some((v, s, ..)) => (visible, tata.skor) > (*v, *s),
                };
                if better {
                    best = Some((visible, tata.skor, l, t, tata));
                }
            } else if nearest.as_ref().is_none_or(|(s, ..)| tata.skor > *s) {
                nearest = Some((tata.skor, l, t, miss, tata.h0));
            }
        }
    }
    let Some((visible, _, l, t, mut tata)) = best else {
        if let Some((_, l, t, miss, h0)) = nearest {
            let names: Vec<String> = miss.iter().map(|k| format!("'{}'", nama_kolom(t, k))).collect();
            return Err(gagal(
                l.sel_ref(h0, 0),
                format!("kolom wajib {} untuk {} tidak ditemukan pada baris kepala lembar '{}'", names.join(", "), t.judul, l.nama),
            )
            .saran("periksa kepala kolom, atau tetapkan kolomnya dalam berkas peta (--peta; lihat docs/excel.md)"));
        }
        let names: Vec<String> = candidates.iter().map(|l| format!("'{}'", l.nama)).collect();
        return Err(gagal(
            workbook.display().to_string(),
            format!("tidak ada lembar berkepala tabel yang dikenali (baris kepala dengan kolom 'Kode'); lembar yang diperiksa: {}", names.join(", ")),
        )
        .saran("pastikan tabel memiliki kolom Kode dan kepala kolom seperti dokumen, atau gunakan berkas peta (--peta)"));
    };
    if let Some(g) = tata.ganda.take() {
        return Err(g);
    }
    if !visible {
        return Err(gagal(
            l.sel_ref(tata.h0, 0),
            format!("tabel ditemukan hanya pada lembar tersembunyi '{}'; lembar tersembunyi tidak diimpor tanpa diminta", l.nama),
        )
        .saran(format!("tampilkan lembarnya, atau pilih dengan --lembar \"{}\" bila memang itu yang dimaksud", l.nama)));
    }
    baca_baris(dir, &ed, l, t, tata)
}

fn baca_baris(dir: &Path, ed: &renja_core::model::Edition, l: &Lembar, t: &'static Target, tata: Tata) -> Result<Laporan, Gagal> {
    let digits = ed.meta.digit_sub_kegiatan;
    let (r_end, c_end) = l.akhir().unwrap_or((0, 0));
    let header0: Vec<String> = (0..=c_end).map(|c| peta::normal(&baca::teks(l.nilai(tata.h0, c)))).collect();
    let kode_col = tata.kolom.iter().find(|(i, _)| matches!(t.bidang[**i].jenis, Jenis::Kode | Jenis::KodeBagian(_))).map(|(_, c)| *c).unwrap_or(0);
    let opd = ed.meta.opd.kode.as_ref().map(|k| k.get_ref().replace(' ', ""));
    let mut rows: Vec<Baris> = Vec::new();
    let mut laporan: Vec<BarisLaporan> = Vec::new();
    let mut seen: HashMap<Code, String> = HashMap::new();
    let mut jumlah_induk = 0;
    let mut data_rows = 0usize;
    let mut r = tata.data0;
    while r <= r_end {
        let cur = r;
        r += 1;
        let blank = (0..=c_end).all(|c| match l.nilai(cur, c) {
            Data::Empty => true,
            Data::String(s) => s.trim().is_empty(),
            _ => false,
        });
        if blank {
            continue;
        }
        let here = l.sel_ref(cur, kode_col);
        // A header repeated (printed over page breaks) must be the same header.
        if peta::normal(&baca::teks(l.nilai(cur, kode_col))) == header0.get(kode_col as usize).cloned().unwrap_or_default() && !header0[kode_col as usize].is_empty() {
            for c in 0..=c_end {
                let now = peta::normal(&baca::teks(l.nilai(cur, c)));
                let first = header0.get(c as usize).cloned().unwrap_or_default();
                if now != first {
                    return Err(gagal(
                        l.sel_ref(cur, c),
                        format!(
                            "baris kepala berulang tidak sama dengan baris kepala pertama ({}): tertulis '{}', di kepala pertama '{}'",
                            l.sel_ref(tata.h0, c),
                            baca::teks(l.nilai(cur, c)).trim(),
                            baca::teks(l.nilai(tata.h0, c)).trim()
                        ),
                    )
                    .saran("kedua kepala harus sama agar kolomnya jelas; hapus atau perbaiki salah satunya"));
                }
            }
            laporan.push(BarisLaporan { sel: here, kode: None, status: Status::Dilewati("kepala tabel berulang".into()) });
            r = cur + (tata.h1 - tata.h0) + 1;
            if r <= r_end && baris_nomor(l, r, c_end) {
                r += 1;
            }
            continue;
        }
        if baris_nomor(l, cur, c_end) {
            laporan.push(BarisLaporan { sel: here, kode: None, status: Status::Dilewati("baris nomor kolom".into()) });
            continue;
        }
        data_rows += 1;
        if data_rows > BATAS_BARIS {
            return Err(gagal(
                here,
                format!("lembar '{}' berisi lebih dari {} baris data; itu bukan satu tabel Renja (mungkin ekspor SIPD seluruh daerah)", l.nama, format::angka(Decimal::from(BATAS_BARIS as u64))),
            )
            .saran("salin hanya baris perangkat daerah ini ke lembar tersendiri, lalu impor lembar itu"));
        }
        let (written, kcol) = match kode_tertulis(l, t, &tata, cur) {
            Ok(k) => k,
            Err((c, why)) => {
                laporan.push(BarisLaporan { sel: l.sel_ref(cur, c), kode: None, status: Status::Ditolak(vec![(l.sel_ref(cur, c), why)]) });
                continue;
            }
        };
        let here = l.sel_ref(cur, kcol.max(if written.is_empty() { kode_col } else { kcol }));
        if written.is_empty() {
            let words: Vec<String> = (0..=c_end).map(|c| peta::normal(&baca::teks(l.nilai(cur, c)))).filter(|s| !s.is_empty()).collect();
            // A summary row: its first text is TOTAL, Jumlah or Rata-rata.
            if let Some(w) = words.first().filter(|w| w.starts_with("total") || w.starts_with("jumlah") || w.starts_with("rata rata")) {
                laporan.push(BarisLaporan { sel: here, kode: None, status: Status::Dilewati(format!("baris ringkasan '{w}' (dihitung renja)")) });
            } else {
                laporan.push(BarisLaporan { sel: here.clone(), kode: None, status: Status::Ditolak(vec![(here, "kode kosong pada baris berisi data; setiap baris memerlukan kode".into())]) });
            }
            continue;
        }
        let label = peta::normal(&written);
        if ["total", "jumlah", "rata rata"].iter().any(|w| label.starts_with(w)) {
            laporan.push(BarisLaporan { sel: here, kode: None, status: Status::Dilewati(format!("baris ringkasan '{label}' (dihitung renja)")) });
            continue;
        }
        let compact: String = written.chars().filter(|c| !c.is_whitespace()).collect();
        if opd.as_deref() == Some(compact.as_str()) || compact.split('.').count() == 8 {
            laporan.push(BarisLaporan { sel: here, kode: Some(written), status: Status::Dilewati("baris perangkat daerah (jumlahnya dihitung renja)".into()) });
            continue;
        }
        let code = match Code::parse(&written, digits) {
            Ok(p) => p.code,
            Err(e) => {
                laporan.push(BarisLaporan { sel: here.clone(), kode: Some(written.clone()), status: Status::Ditolak(vec![(here, format!("kode '{written}' tidak sah: {e}"))]) });
                continue;
            }
        };
        let mut why: Vec<(String, String)> = Vec::new();
        if !ed.tree.is_empty() && !ed.tree.contains_key(&code) {
            why.push((here.clone(), format!("kode '{code}' tidak terdaftar di data/nomenklatur.toml")));
        }
        if let Some(first) = seen.get(&code) {
            why.push((here.clone(), format!("kode '{code}' muncul dua kali; baris pertama di {first}")));
        }
        let leaf = code.level() == Level::SubKegiatan;
        let mut nilai: Vec<(&'static str, Option<Nilai>)> = Vec::new();
        let mut quarters: Vec<(u8, u32, Option<Decimal>)> = Vec::new();
        for (i, c) in &tata.kolom {
            let b = &t.bidang[*i];
            if matches!(b.jenis, Jenis::Kode | Jenis::KodeBagian(_) | Jenis::Abaikan) {
                continue;
            }
            let d = l.nilai(cur, *c);
            let amount = matches!(b.jenis, Jenis::Rupiah | Jenis::RupiahTriwulan(_));
            if amount && !leaf {
                if !matches!(d, Data::Empty) {
                    jumlah_induk += 1;
                }
                continue;
            }
            match baca_sel(d, b, leaf) {
                Ok(v) => match b.jenis {
                    Jenis::RupiahTriwulan(q) => quarters.push((q, *c, v.and_then(|v| if let Nilai::Rupiah(d) = v { Some(d) } else { None }))),
                    _ => nilai.push((b.kunci, v)),
                },
                Err(e) => why.push((l.sel_ref(cur, *c), format!("{}: {e}", b.kunci))),
            }
        }
        if !quarters.is_empty() {
            quarters.sort();
            let given: Vec<&(u8, u32, Option<Decimal>)> = quarters.iter().filter(|q| q.2.is_some()).collect();
            let mut list = Vec::new();
            for (n, (q, c, v)) in quarters.iter().enumerate() {
                match v {
                    Some(v) if *q as usize == n => list.push(*v),
                    Some(_) => why.push((l.sel_ref(cur, *c), format!("realisasi triwulan {} diisi padahal triwulan sebelumnya kosong", format::romawi(*q as u32 + 1)))),
                    None => {
                        if given.iter().any(|g| g.0 > *q) {
                            why.push((l.sel_ref(cur, *c), format!("realisasi triwulan {} kosong padahal triwulan sesudahnya diisi", format::romawi(*q as u32 + 1))));
                        }
                        break;
                    }
                }
            }
            nilai.push(("realisasi_triwulan_rp", (!list.is_empty()).then_some(Nilai::Daftar(list))));
        }
        if why.is_empty() {
            seen.insert(code.clone(), here.clone());
            laporan.push(BarisLaporan { sel: here, kode: Some(code.to_string()), status: Status::TidakBerubah });
            rows.push(Baris { kode: code, nilai });
        } else {
            laporan.push(BarisLaporan { sel: here, kode: Some(code.to_string()), status: Status::Ditolak(why) });
        }
    }

    // Compare with the data file and prepare its new text.
    let berkas = dir.join(t.berkas);
    let text = std::fs::read_to_string(&berkas).map_err(|e| {
        gagal(berkas.display().to_string(), format!("berkas data tidak dapat dibaca: {e}")).saran("buat berkasnya dulu dengan [tabel] nomor dan judul (lihat docs/content-format.md)")
    })?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| gagal(berkas.display().to_string(), format!("berkas data bukan TOML yang sah: {}", e.message())))?;
    if doc.get("baris").is_none() {
        doc.insert("baris", toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
    }
    let Some(aot) = doc.get_mut("baris").and_then(|i| i.as_array_of_tables_mut()) else {
        return Err(gagal(berkas.display().to_string(), "'baris' dalam berkas data bukan daftar [[baris]]"));
    };
    let mut index: HashMap<Code, usize> = HashMap::new();
    for (i, tbl) in aot.iter().enumerate() {
        if let Some(k) = tbl.get("kode").and_then(|k| k.as_str()) {
            if let Ok(p) = Code::parse(k, digits) {
                index.entry(p.code).or_insert(i);
            }
        }
    }
    let mut by_row: HashMap<Code, usize> = HashMap::new();
    for (i, b) in laporan.iter().enumerate() {
        if let (Status::TidakBerubah, Some(k)) = (&b.status, &b.kode) {
            if let Ok(p) = Code::parse(k, digits) {
                by_row.insert(p.code, i);
            }
        }
    }
    let bidang_of = |k: &str| -> Bidang {
        if k == "realisasi_triwulan_rp" {
            Bidang { kunci: "realisasi_triwulan_rp", jenis: Jenis::RupiahTriwulan(0), kepala: &[] }
        } else {
            *t.bidang(k).expect("field of the table")
        }
    };
    let mut changed = false;
    for row in &rows {
        let li = by_row[&row.kode];
        match index.get(&row.kode) {
            Some(&i) => {
                let tbl = aot.get_mut(i).expect("indexed row");
                let mut ch = Vec::new();
                for (k, v) in &row.nilai {
                    let b = bidang_of(k);
                    let old = if b.kunci == "realisasi_triwulan_rp" {
                        tbl.get(k).and_then(|i| i.as_array()).map(|a| Nilai::Daftar(a.iter().filter_map(rupiah_lama).collect()))
                    } else {
                        lama(&*tbl, &b)
                    };
                    let same = match (&old, v) {
                        (Some(Nilai::Teks(a)), Some(Nilai::Teks(b2))) => a == b2,
                        (Some(Nilai::Angka(a)), Some(Nilai::Angka(b2))) => a == b2,
                        // A performance value is compared as printed ("70" and 70 are one value).
                        (Some(Nilai::Angka(a)), Some(Nilai::Teks(b2))) | (Some(Nilai::Teks(b2)), Some(Nilai::Angka(a))) => format::angka(*a) == *b2,
                        // An empty text and no text print the same.
                        (Some(Nilai::Teks(a)), None) | (None, Some(Nilai::Teks(a))) => a.is_empty(),
                        (a, b2) => a == b2,
                    };
                    if !same {
                        ch.push(Perubahan { kunci: k.to_string(), lama: old, baru: v.clone() });
                    }
                }
                if !ch.is_empty() {
                    for c in &ch {
                        set_path(tbl, &c.kunci, &c.baru);
                    }
                    changed = true;
                    laporan[li].status = Status::Diubah(ch);
                }
            }
            None => {
                let mut tbl = toml_edit::Table::new();
                tbl.decor_mut().set_prefix("\n");
                tbl.insert("kode", toml_edit::value(row.kode.to_string()));
                for (k, v) in &row.nilai {
                    if v.is_some() {
                        set_path(&mut tbl, k, v);
                    }
                }
                aot.push(tbl);
                index.insert(row.kode.clone(), aot.len() - 1);
                changed = true;
                laporan[li].status = Status::Ditambahkan;
            }
        }
    }
    let mut kolom: Vec<(u32, String)> = tata.kolom.iter().map(|(i, c)| (*c, t.bidang[*i].kunci.to_string())).collect();
    kolom.sort();
    let mut rep = Laporan {
        target: t,
        lembar: l.nama.clone(),
        kolom: kolom.into_iter().map(|(c, k)| (kolom_huruf(c), k)).collect(),
        diabaikan: tata.diabaikan,
        baris: laporan,
        jumlah_induk,
        teks_baru: None,
        berkas,
    };
    if changed && rep.ditolak() == 0 {
        let new_text = doc.to_string();
        // The new file must still be a valid data file of its kind.
        let check: Result<(), toml::de::Error> = match t.nama {
            "rencana" => toml::from_str::<renja_core::source::schema::RencanaFile>(&new_text).map(|_| ()),
            "evaluasi" => toml::from_str::<renja_core::source::schema::EvaluasiFile>(&new_text).map(|_| ()),
            "rkpd" => toml::from_str::<renja_core::source::schema::RkpdFile>(&new_text).map(|_| ()),
            _ => Ok(()),
        };
        if let Err(e) = check {
            return Err(gagal(rep.berkas.display().to_string(), format!("hasil impor bukan berkas data yang sah ({}); tidak ada yang ditulis", e.message())));
        }
        rep.teks_baru = Some(new_text);
    }
    Ok(rep)
}
