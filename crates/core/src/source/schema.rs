//! The serde schema of every source file of an edition (see docs/content-format.md). Fields that
//! later checks point at are `Spanned`, so a message can name their line and column. Unknown
//! fields are refused.

use crate::model::value::{Nilai, Rupiah, Tercetak};
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// A data file's rows, in a vector of exactly their number. serde's own `Vec` grows by doubling
/// from a capped first guess, so up to half of the row slots stayed unused, and each doubling
/// held the old and the new vector at once (at ×64 the three large files' rows took 10.5 MB of
/// `renja check`'s peak for 7 MB of rows). The number comes from the parsed document (toml's
/// array, or the elements `chunks` counted), never from a length written in the file.
fn rows<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Rows<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Rows<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Rows(std::marker::PhantomData))
}

// ---------------------------------------------------------------------------------------------
// edisi.toml

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdisiFile {
    pub opd: Opd,
    pub daerah: Daerah,
    pub edisi: EdisiInfo,
    pub pengesahan: Pengesahan,
    pub penandatangan: Penandatangan,
    #[serde(default)]
    pub halaman: Halaman,
    #[serde(default)]
    pub format: FormatOptions,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Opd {
    pub nama: String,
    #[serde(default)]
    pub singkatan: Option<String>,
    #[serde(default)]
    pub kode: Option<S<String>>,
    /// Logo image for the cover, relative to the edition folder (PNG or JPEG).
    #[serde(default)]
    pub logo: Option<S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tingkat {
    Kabupaten,
    Kota,
    Provinsi,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Daerah {
    pub tingkat: Tingkat,
    pub nama: String,
    #[serde(default)]
    pub provinsi: Option<String>,
    /// The regional capital; printed nowhere by default, available to templates.
    #[serde(default)]
    pub ibu_kota: Option<String>,
}

/// The kind of edition: the year's Renja ("murni", the default: a year's first edition) or its
/// mid-year revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JenisEdisi {
    #[default]
    Murni,
    Perubahan,
}

impl JenisEdisi {
    /// The word used in sources, ids and the archive: `murni` or `perubahan`.
    pub fn as_str(self) -> &'static str {
        match self {
            JenisEdisi::Murni => "murni",
            JenisEdisi::Perubahan => "perubahan",
        }
    }
}

impl std::fmt::Display for JenisEdisi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JenisEdisi {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "murni" => Ok(JenisEdisi::Murni),
            "perubahan" => Ok(JenisEdisi::Perubahan),
            _ => Err(format!("jenis edisi '{s}' tidak dikenal; yang diharapkan 'murni' atau 'perubahan'")),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdisiInfo {
    pub tahun: S<i32>,
    pub jenis: JenisEdisi,
    /// Revision of a Perubahan (1, 2, …); refused in a murni edition.
    #[serde(default)]
    pub revisi: Option<S<u32>>,
    #[serde(default)]
    pub tahap: Option<String>,
    #[serde(default)]
    pub triwulan: Option<S<u32>>,
    pub tahun_nomenklatur: S<i32>,
    #[serde(default)]
    pub digit_sub_kegiatan: Option<S<u32>>,
    #[serde(default)]
    pub waktu_terbit: Option<toml::value::Datetime>,
    /// The base (murni) edition of a Perubahan: an edition ID in the archive (docs/archive.md).
    #[serde(default)]
    pub dasar: Option<S<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pengesahan {
    pub tempat: String,
    pub tanggal: S<toml::value::Datetime>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Penandatangan {
    pub nama: String,
    pub jabatan: String,
    #[serde(default)]
    pub pangkat: Option<String>,
    #[serde(default)]
    pub golongan: Option<String>,
    pub nip: S<String>,
    /// Scanned signature and stamp images for printed copies of the final document.
    #[serde(default)]
    pub gambar_ttd: Option<S<String>>,
    #[serde(default)]
    pub stempel: Option<S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
pub enum Kertas {
    #[default]
    F4,
    A4,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Margin {
    pub atas: f64,
    pub bawah: f64,
    pub kiri: f64,
    pub kanan: f64,
}

impl Default for Margin {
    fn default() -> Self {
        Margin { atas: 2.5, bawah: 3.0, kiri: 3.0, kanan: 2.5 }
    }
}

fn default_huruf() -> String {
    "Liberation Sans".to_string()
}
fn default_ukuran() -> f64 {
    12.0
}
fn default_spasi() -> f64 {
    1.5
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Halaman {
    #[serde(default)]
    pub kertas: Kertas,
    #[serde(default = "default_huruf")]
    pub huruf: String,
    #[serde(default = "default_ukuran")]
    pub ukuran_huruf: f64,
    #[serde(default = "default_spasi")]
    pub spasi_baris: f64,
    #[serde(default)]
    pub margin_cm: Margin,
    /// Numbering of the lists renja writes (the organisation chapter), one style per nesting
    /// level: "1.", "1)", "a.", "a)", "A.", "i.", "I."; default 1., a., 1), a), i.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaya_daftar: Vec<String>,
}

/// The list styles `[halaman] gaya_daftar` accepts.
pub const GAYA_DAFTAR: [&str; 7] = ["1.", "1)", "a.", "a)", "A.", "i.", "I."];

impl Default for Halaman {
    fn default() -> Self {
        Halaman {
            kertas: Kertas::F4,
            huruf: default_huruf(),
            ukuran_huruf: default_ukuran(),
            spasi_baris: default_spasi(),
            margin_cm: Margin::default(),
            gaya_daftar: Vec::new(),
        }
    }
}

/// Which way a value in a gap of the T-E.1 scale goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PredikatCelah {
    /// Lower bounds inclusive; a value in a gap falls to the lower class (the reference's rule).
    #[default]
    Turun,
    /// A value in a gap rises to the upper class.
    Naik,
    /// Round to an integer (half away from zero) first, then apply the lower bounds.
    Bulatkan,
}

/// The formula for the capaian of a negative indicator (lower is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CapaianNegatif {
    /// (2 × target − realisasi) ÷ target × 100, floored at 0.
    #[default]
    DuaKaliTarget,
    /// target ÷ realisasi × 100.
    TargetPerRealisasi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TingkatRataRata {
    #[default]
    SubKegiatan,
    Kegiatan,
    Program,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FormatOptions {
    #[serde(default)]
    pub rupiah: crate::format::RupiahStyle,
    #[serde(default)]
    pub predikat_celah: PredikatCelah,
    #[serde(default)]
    pub capaian_negatif: CapaianNegatif,
    #[serde(default)]
    pub rata_rata_tingkat: TingkatRataRata,
}

// ---------------------------------------------------------------------------------------------
// Chapter front matter

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JenisBab {
    Pengantar,
    Bab,
    Lampiran,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub jenis: JenisBab,
    #[serde(default)]
    pub nomor: Option<String>,
    pub judul: String,
    pub urutan: S<i64>,
    #[serde(default = "yes")]
    pub penomoran: bool,
}

fn yes() -> bool {
    true
}

// ---------------------------------------------------------------------------------------------
// data/nomenklatur.toml

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NomenklaturFile {
    #[serde(default, deserialize_with = "rows")]
    pub nomenklatur: Vec<NomenklaturEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NomenklaturEntry {
    pub kode: S<String>,
    pub nama: S<String>,
}

/// Number and title of a placed table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TabelInfo {
    pub nomor: String,
    pub judul: String,
}

// ---------------------------------------------------------------------------------------------
// data/evaluasi.toml (Tabel 2.1)

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluasiFile {
    pub tabel: EvaluasiTabel,
    #[serde(default)]
    pub dinyatakan: Option<EvaluasiDinyatakan>,
    #[serde(default, deserialize_with = "rows")]
    pub baris: Vec<S<EvaluasiBaris>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluasiTabel {
    pub nomor: String,
    pub judul: S<String>,
    /// Quarterly form: the year of the "previous year" columns (n−1).
    #[serde(default)]
    pub tahun_lalu: Option<S<i32>>,
    /// Which evaluation form the edition uses; default: T-C.29 for a murni, the quarterly
    /// form for a Perubahan.
    #[serde(default)]
    pub bentuk: Option<S<BentukEvaluasi>>,
    /// The evaluated year, when written: n−2 (T-C.29) or n (quarterly form); checked.
    #[serde(default)]
    pub tahun_evaluasi: Option<S<i32>>,
}

/// The two evaluation forms (docs/content-format.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum BentukEvaluasi {
    /// The quarterly evaluation of the Perubahan (Tabel 2.1 of the reference).
    #[serde(rename = "triwulan")]
    Triwulan,
    /// Permendagri 86/2017 form T-C.29: evaluation of year n−2 and Renstra attainment to n−1.
    #[serde(rename = "T-C.29")]
    Tc29,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sifat {
    #[default]
    Positif,
    Negatif,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluasiBaris {
    pub kode: S<String>,
    #[serde(default)]
    pub indikator: String,
    #[serde(default)]
    pub sifat: Sifat,
    #[serde(default)]
    pub satuan: String,
    #[serde(default)]
    pub target_lalu: Option<S<Nilai>>,
    #[serde(default)]
    pub pagu_lalu: Option<S<Rupiah>>,
    #[serde(default)]
    pub target: Option<S<Nilai>>,
    #[serde(default)]
    pub pagu: Option<S<Rupiah>>,
    #[serde(default)]
    pub realisasi_triwulan_rp: Option<S<Vec<Rupiah>>>,
    #[serde(default)]
    pub realisasi_k: Option<S<Nilai>>,
    #[serde(default)]
    pub realisasi_rp: Option<S<Rupiah>>,
    // The T-C.29 fields are boxed: a quarterly evaluation has none, and inline they made every
    // row 232 bytes larger (at ×64, 0.6 MB of `renja check`'s peak).
    /// T-C.29 (4): the Renstra's final-year target.
    #[serde(default)]
    pub target_renstra: Option<Box<S<Nilai>>>,
    /// T-C.29 (5): realisasi of the Renstra target up to year n−3.
    #[serde(default)]
    pub realisasi_renstra: Option<Box<S<Nilai>>>,
    /// T-C.29 (9): the Renja target of year n−1 (the year under way).
    #[serde(default)]
    pub target_berjalan: Option<Box<S<Nilai>>>,
    /// T-C.29: the pagu of year n−1 beside (9).
    #[serde(default)]
    pub pagu_berjalan: Option<Box<S<Rupiah>>>,
    /// T-C.29 (12): keterangan / perangkat daerah penanggung jawab.
    #[serde(default)]
    pub keterangan: Option<Box<S<String>>>,
    #[serde(default)]
    pub dinyatakan: Option<EvaluasiDinyatakan>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EvaluasiDinyatakan {
    pub pagu_lalu: Option<S<Tercetak>>,
    pub pagu: Option<S<Tercetak>>,
    // The quarters and the T-C.29 values are boxed: a row declares a few printed figures at
    // most, and inline these five took 200 of the 480 bytes of every row that declares one.
    pub realisasi_triwulan_rp: Option<Box<S<Vec<Tercetak>>>>,
    pub realisasi_rp: Option<S<Tercetak>>,
    pub capaian_k: Option<S<Tercetak>>,
    pub capaian_rp: Option<S<Tercetak>>,
    pub predikat_k: Option<S<Tercetak>>,
    pub predikat_rp: Option<S<Tercetak>>,
    /// T-C.29 declared values: (8), (10), (11) and the pagu of year n−1.
    pub tingkat_realisasi: Option<Box<S<Tercetak>>>,
    pub realisasi_capaian: Option<Box<S<Tercetak>>>,
    pub tingkat_capaian: Option<Box<S<Tercetak>>>,
    pub pagu_berjalan: Option<Box<S<Tercetak>>>,
}

// ---------------------------------------------------------------------------------------------
// data/tujuan-sasaran.toml (Tabel 2.2 and 3.1)

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TujuanSasaranFile {
    pub tahun_renstra: S<Vec<i32>>,
    pub tabel_kinerja: Option<TabelInfo>,
    pub tabel_rumusan: Option<TabelInfo>,
    #[serde(default)]
    pub tujuan: Vec<Tujuan>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tujuan {
    pub uraian: String,
    #[serde(default)]
    pub indikator: Vec<S<IndikatorTS>>,
    #[serde(default)]
    pub sasaran: Vec<Sasaran>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sasaran {
    pub uraian: String,
    #[serde(default)]
    pub indikator: Vec<S<IndikatorTS>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Formula {
    Teks(String),
    Pecahan { pembilang: String, penyebut: String, #[serde(default)] pengali: Option<i64> },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndikatorTS {
    pub uraian: String,
    #[serde(default)]
    pub sifat: Sifat,
    #[serde(default)]
    pub formula: Option<Formula>,
    #[serde(default)]
    pub target_renstra: Option<S<Vec<Nilai>>>,
    #[serde(default)]
    pub target_renja: Option<S<Nilai>>,
    /// Perubahan only: the target after the change.
    #[serde(default)]
    pub target_perubahan: Option<S<Nilai>>,
    /// Perubahan only: realisasi up to the evaluated quarter.
    #[serde(default)]
    pub realisasi: Option<S<Nilai>>,
    /// Murni only (T-C.30): SPM / national standard.
    #[serde(default)]
    pub spm: Option<S<String>>,
    /// Murni only (T-C.30): indikator kinerja kunci (IKK).
    #[serde(default)]
    pub ikk: Option<S<String>>,
    /// Murni only (T-C.30): realisasi capaian of years n−2 and n−1.
    #[serde(default)]
    pub realisasi_capaian: Option<S<Vec<Nilai>>>,
    /// Murni only (T-C.30): proyeksi of years n and n+1.
    #[serde(default)]
    pub proyeksi: Option<S<Vec<Nilai>>>,
    /// Murni only (T-C.30): catatan analisis.
    #[serde(default)]
    pub catatan: Option<S<String>>,
    #[serde(default)]
    pub dinyatakan: Option<IndikatorTSDinyatakan>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndikatorTSDinyatakan {
    pub capaian: Option<S<Tercetak>>,
}

// ---------------------------------------------------------------------------------------------
// data/rkpd.toml (Tabel 3.2)

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RkpdFile {
    pub tabel: RkpdTabel,
    #[serde(default, deserialize_with = "rows")]
    pub baris: Vec<S<RkpdBaris>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RkpdTabel {
    pub nomor: String,
    pub judul: S<String>,
    #[serde(default)]
    pub judul_kiri: Option<String>,
    #[serde(default)]
    pub judul_kanan: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RkpdBaris {
    pub kode: S<String>,
    #[serde(default)]
    pub catatan: String,
    #[serde(default)]
    pub rancangan: RkpdBlok,
    #[serde(default)]
    pub analisis: RkpdBlok,
    #[serde(default)]
    pub dinyatakan: Option<Box<RkpdDinyatakan>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RkpdBlok {
    #[serde(default)]
    pub lokasi: String,
    #[serde(default)]
    pub indikator: String,
    #[serde(default)]
    pub target: Option<Nilai>,
    #[serde(default)]
    pub pagu: Option<S<Rupiah>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RkpdDinyatakan {
    pub rancangan_pagu: Option<S<Tercetak>>,
    pub analisis_pagu: Option<S<Tercetak>>,
}

// ---------------------------------------------------------------------------------------------
// data/rencana.toml (Tabel 3.4)

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RencanaFile {
    pub tabel: RencanaTabel,
    #[serde(default)]
    pub dinyatakan: Option<RencanaDinyatakan>,
    #[serde(default, deserialize_with = "rows")]
    pub baris: Vec<S<RencanaBaris>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RencanaTabel {
    pub nomor: String,
    pub judul: S<String>,
    /// The year of the prakiraan maju; must be n+1.
    #[serde(default)]
    pub tahun_maju: Option<S<i32>>,
}

#[derive(Debug, Clone, Deserialize, Default, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SebelumSesudah {
    #[serde(default)]
    pub sebelum: Option<Nilai>,
    #[serde(default)]
    pub sesudah: Option<Nilai>,
}

/// A Tabel 3.4 / T-C.33 target: one value in a murni edition, `{ sebelum, sesudah }` in a
/// Perubahan (the kind decides which is valid; see `compute::rencana`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TargetRencana {
    Satu(Nilai),
    Dua(SebelumSesudah),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrakiraanMaju {
    #[serde(default)]
    pub tolok_ukur: String,
    #[serde(default)]
    pub target: Option<Nilai>,
    #[serde(default)]
    pub pagu: Option<S<Rupiah>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RencanaBaris {
    pub kode: S<String>,
    #[serde(default)]
    pub capaian_program: String,
    #[serde(default)]
    pub keluaran: String,
    #[serde(default)]
    pub hasil: String,
    #[serde(default)]
    pub lokasi: String,
    #[serde(default)]
    pub target_program: Option<S<TargetRencana>>,
    #[serde(default)]
    pub target_keluaran: Option<S<TargetRencana>>,
    #[serde(default)]
    pub target_hasil: Option<S<TargetRencana>>,
    /// Murni only: pagu indikatif of year n.
    #[serde(default)]
    pub pagu: Option<S<Rupiah>>,
    #[serde(default)]
    pub pagu_sebelum: Option<S<Rupiah>>,
    #[serde(default)]
    pub pagu_sesudah: Option<S<Rupiah>>,
    #[serde(default)]
    pub sumber_dana: String,
    #[serde(default)]
    pub catatan: String,
    #[serde(default)]
    pub maju: Option<PrakiraanMaju>,
    #[serde(default)]
    pub dinyatakan: Option<Box<RencanaDinyatakan>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RencanaDinyatakan {
    pub pagu: Option<S<Tercetak>>,
    pub pagu_sebelum: Option<S<Tercetak>>,
    pub pagu_sesudah: Option<S<Tercetak>>,
    pub maju_pagu: Option<S<Tercetak>>,
    pub selisih: Option<S<Tercetak>>,
}

// ---------------------------------------------------------------------------------------------
// data/usulan.toml (T-C.32: proposals of the stakeholders)

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsulanFile {
    pub tabel: TabelInfo,
    #[serde(default, deserialize_with = "rows")]
    pub usulan: Vec<S<Usulan>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Usulan {
    pub program: String,
    #[serde(default)]
    pub lokasi: String,
    #[serde(default)]
    pub indikator: String,
    #[serde(default)]
    pub besaran: String,
    #[serde(default)]
    pub catatan: String,
}

// ---------------------------------------------------------------------------------------------
// data/landasan-hukum.toml

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandasanFile {
    #[serde(default, deserialize_with = "rows")]
    pub peraturan: Vec<S<Peraturan>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LembaranNegara {
    pub tahun: i32,
    pub nomor: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peraturan {
    pub jenis: String,
    pub nomor: String,
    pub tahun: i32,
    pub tentang: String,
    #[serde(default)]
    pub lembaran_negara: Option<LembaranNegara>,
    #[serde(default)]
    pub tambahan_lembaran_negara: Option<String>,
    #[serde(default)]
    pub perubahan: Option<String>,
    #[serde(default)]
    pub keterangan: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// data/organisasi.toml

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisasiFile {
    #[serde(default)]
    pub dinas: Option<TugasFungsi>,
    #[serde(default)]
    pub unit: Vec<S<Unit>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TugasFungsi {
    #[serde(default)]
    pub tugas: String,
    #[serde(default)]
    pub fungsi: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub nama: String,
    #[serde(default)]
    pub tugas: String,
    #[serde(default)]
    pub fungsi: Vec<String>,
    #[serde(default)]
    pub subunit: Vec<S<Unit>>,
}
