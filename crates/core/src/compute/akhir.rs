//! Final values ("nilai akhir") and the archived model's typed contract.
//!
//! **The rule, once.** Of a field with a before/after pair, the final value is a Perubahan's
//! `sesudah`; a murni edition has one value, in whichever column its author used: its `sesudah`
//! when filled, else its `sebelum`. "Filled" has one meaning: some text, and not an amount of
//! zero ([`Tersimpan::kosong`]). The base-edition check (`archive::dasar`) and `renja new --from`
//! (`archive::baru`) both use [`akhir`]; before, each had its own copy with its own test for empty.
//!
//! **The contract.** An archived edition stores its computed model as the export JSON (the
//! document model `renja export --json` prints). [`ModelTersimpan`] is the typed reading of the
//! part other editions depend on — the edition's kind and year, Tabel 3.4 rows and TOTAL, Tabel 3.1
//! indicators and the evaluation table's carried columns — so the archive (the base check,
//! `renja new --from`, `archive diff`) never walks untyped JSON. Version 1 is the export JSON of renja 0.1,
//! which carries no version field; an incompatible change of those parts adds `versi_model` with
//! the next number, and a reader refuses a version newer than it knows ([`ModelTersimpan::baca`]).
//! A test (tests/archive_dasar.rs) reads both samples' exports through this contract, so writer
//! and reader cannot drift apart unnoticed.

use crate::model::code::Level;
use crate::source::schema::{BentukEvaluasi, JenisEdisi};
use rust_decimal::Decimal;
use serde::Deserialize;

/// The newest version of the stored model this renja reads.
pub const VERSI_MODEL: u32 = 1;

/// The final value of a before/after pair for an edition of kind `jenis` (see the module docs).
pub fn akhir<'a>(sebelum: Option<&'a Tersimpan>, sesudah: Option<&'a Tersimpan>, jenis: JenisEdisi) -> Option<&'a Tersimpan> {
    match jenis {
        JenisEdisi::Perubahan => sesudah,
        JenisEdisi::Murni => sesudah.filter(|v| !v.kosong()).or(sebelum).or(sesudah),
    }
}

/// A stored value: an amount (`{nilai, teks}`) or a performance value (`{teks, angka}`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Tersimpan {
    #[serde(default)]
    pub teks: String,
    /// An amount's exact value (rupiah columns).
    #[serde(default)]
    pub nilai: Option<Decimal>,
    /// A performance value's numeric part, when it has one.
    #[serde(default)]
    pub angka: Option<Decimal>,
}

impl Tersimpan {
    /// Not filled in: no text, or an amount of zero.
    pub fn kosong(&self) -> bool {
        self.teks.trim().is_empty() || self.nilai.is_some_and(|n| n.is_zero())
    }

    /// The number to compare: an amount's value, else a performance value's numeric part.
    pub fn angka_banding(&self) -> Option<Decimal> {
        self.nilai.or(self.angka)
    }
}

/// A performance target with its before and after values. A murni model (T-C.33) stores one
/// value in place of the pair; it is read as the final (`sesudah`) value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "Option<SebelumSesudahMentah>")]
pub struct SebelumSesudah {
    pub sebelum: Option<Tersimpan>,
    pub sesudah: Option<Tersimpan>,
}

/// Either stored form of a target: `{sebelum, sesudah}` or one value `{teks, angka}`.
#[derive(Debug, Clone, Default, Deserialize)]
struct SebelumSesudahMentah {
    #[serde(default)]
    sebelum: Option<Tersimpan>,
    #[serde(default)]
    sesudah: Option<Tersimpan>,
    #[serde(default)]
    teks: Option<String>,
    #[serde(default)]
    nilai: Option<Decimal>,
    #[serde(default)]
    angka: Option<Decimal>,
}

impl From<Option<SebelumSesudahMentah>> for SebelumSesudah {
    fn from(m: Option<SebelumSesudahMentah>) -> Self {
        let Some(m) = m else { return SebelumSesudah::default() };
        match m.teks {
            Some(teks) if m.sebelum.is_none() && m.sesudah.is_none() => {
                SebelumSesudah { sebelum: None, sesudah: Some(Tersimpan { teks, nilai: m.nilai, angka: m.angka }) }
            }
            _ => SebelumSesudah { sebelum: m.sebelum, sesudah: m.sesudah },
        }
    }
}

impl SebelumSesudah {
    pub fn akhir(&self, jenis: JenisEdisi) -> Option<&Tersimpan> {
        akhir(self.sebelum.as_ref(), self.sesudah.as_ref(), jenis)
    }
}

/// One row of Tabel 3.4 as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct RencanaTersimpan {
    pub kode: String,
    pub tingkat: Level,
    #[serde(default)]
    pub nama: String,
    /// A murni's one pagu (T-C.33).
    #[serde(default)]
    pub pagu: Option<Tersimpan>,
    #[serde(default)]
    pub pagu_sebelum: Option<Tersimpan>,
    #[serde(default)]
    pub pagu_sesudah: Option<Tersimpan>,
    #[serde(default)]
    pub target_program: SebelumSesudah,
    #[serde(default)]
    pub target_keluaran: SebelumSesudah,
    #[serde(default)]
    pub target_hasil: SebelumSesudah,
    /// Indicator texts: a program's capaian, a sub kegiatan's keluaran, a kegiatan's hasil.
    #[serde(default)]
    pub capaian_program: Option<String>,
    #[serde(default)]
    pub keluaran: Option<String>,
    #[serde(default)]
    pub hasil: Option<String>,
    /// Prakiraan maju (the year after): tolok ukur, target and pagu.
    #[serde(default)]
    pub maju_tolok_ukur: Option<String>,
    #[serde(default)]
    pub maju_target: Option<Tersimpan>,
    #[serde(default)]
    pub maju_pagu: Option<Tersimpan>,
}

impl RencanaTersimpan {
    /// The final pagu.
    pub fn pagu_akhir(&self, jenis: JenisEdisi) -> Option<&Tersimpan> {
        if let (JenisEdisi::Murni, Some(p)) = (jenis, &self.pagu) {
            return Some(p);
        }
        akhir(self.pagu_sebelum.as_ref(), self.pagu_sesudah.as_ref(), jenis)
    }
}

/// One indicator row of Tabel 3.1 as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct TujuanTersimpan {
    #[serde(default)]
    pub indikator: Option<String>,
    #[serde(default)]
    pub target_renja: Option<Tersimpan>,
    #[serde(default)]
    pub target_perubahan: Option<Tersimpan>,
}

impl TujuanTersimpan {
    /// The final target: a Perubahan's target_perubahan, a murni's when filled, else target_renja.
    pub fn target_akhir(&self, jenis: JenisEdisi) -> Option<&Tersimpan> {
        akhir(self.target_renja.as_ref(), self.target_perubahan.as_ref(), jenis)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Baris<T> {
    #[serde(default = "Vec::new")]
    pub baris: Vec<T>,
}

/// Tabel 3.4 / T-C.33 as stored: its rows and its TOTAL row.
#[derive(Debug, Clone, Deserialize)]
pub struct RencanaTabelTersimpan {
    #[serde(default = "Vec::new")]
    pub baris: Vec<RencanaTersimpan>,
    #[serde(default)]
    pub total: Option<RencanaTotalTersimpan>,
}

/// The TOTAL row of Tabel 3.4 (Perubahan: sebelum, sesudah, selisih) or T-C.33 (murni: pagu).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RencanaTotalTersimpan {
    #[serde(default)]
    pub pagu: Option<Tersimpan>,
    #[serde(default)]
    pub pagu_sebelum: Option<Tersimpan>,
    #[serde(default)]
    pub pagu_sesudah: Option<Tersimpan>,
    #[serde(default)]
    pub selisih: Option<Tersimpan>,
    #[serde(default)]
    pub maju_pagu: Option<Tersimpan>,
}

/// The evaluation table (Tabel 2.1 quarterly, or T-C.29) as stored: what `renja new --from`
/// carries into the next edition's evaluation.
#[derive(Debug, Clone, Deserialize)]
pub struct EvaluasiTersimpan {
    #[serde(default)]
    pub nomor: Option<String>,
    /// Absent for the quarterly form.
    #[serde(default)]
    pub bentuk: Option<BentukEvaluasi>,
    #[serde(default = "Vec::new")]
    pub baris: Vec<EvaluasiTersimpanBaris>,
}

/// One row of the stored evaluation table.
#[derive(Debug, Clone, Deserialize)]
pub struct EvaluasiTersimpanBaris {
    pub kode: String,
    pub tingkat: Level,
    /// The previous year's target and pagu (quarterly form; in T-C.29 column 6).
    #[serde(default)]
    pub target_lalu: Option<Tersimpan>,
    #[serde(default)]
    pub pagu_lalu: Option<Tersimpan>,
    /// T-C.29 only.
    #[serde(default)]
    pub tc29: Option<Tc29Tersimpan>,
}

/// The T-C.29 columns of a stored evaluation row that a next edition carries (column 9).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Tc29Tersimpan {
    #[serde(default)]
    pub target_berjalan: Option<Tersimpan>,
    #[serde(default)]
    pub pagu_berjalan: Option<Tersimpan>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DataTersimpan {
    #[serde(default)]
    pub rencana: Option<RencanaTabelTersimpan>,
    #[serde(default)]
    pub tujuan_sasaran: Option<Baris<TujuanTersimpan>>,
    #[serde(default)]
    pub evaluasi: Option<EvaluasiTersimpan>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EdisiTersimpan {
    pub tahun: i32,
    pub jenis: JenisEdisi,
}

/// The typed reading of an archived edition's computed model (see the module docs).
#[derive(Debug, Clone, Deserialize)]
pub struct ModelTersimpan {
    /// Absent in version 1.
    #[serde(default)]
    pub versi_model: Option<u32>,
    #[serde(default)]
    pub renja_versi: String,
    pub edisi: EdisiTersimpan,
    #[serde(default)]
    pub data: DataTersimpan,
}

/// Why a stored model cannot be read: not this contract, or a newer version of it.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model tersimpan tidak sah: {0}")]
    TidakSah(#[source] serde_json::Error),
    #[error("model tersimpan versi {versi} (renja {renja_versi}) lebih baru dari yang dikenal renja ini (versi {VERSI_MODEL})")]
    LebihBaru { versi: u32, renja_versi: String },
}

impl ModelTersimpan {
    /// Reads a stored model; says why it cannot.
    pub fn baca(json: &[u8]) -> Result<ModelTersimpan, ModelError> {
        serde_json::from_slice::<ModelTersimpan>(json).map_err(ModelError::TidakSah)?.versi_dikenal()
    }

    /// [`baca`](Self::baca) of a model already parsed as JSON (same contract, same refusal).
    pub fn dari_json(json: &serde_json::Value) -> Result<ModelTersimpan, ModelError> {
        ModelTersimpan::deserialize(json).map_err(ModelError::TidakSah)?.versi_dikenal()
    }

    fn versi_dikenal(self) -> Result<ModelTersimpan, ModelError> {
        let v = self.versi_model.unwrap_or(1);
        if v > VERSI_MODEL {
            return Err(ModelError::LebihBaru { versi: v, renja_versi: self.renja_versi });
        }
        Ok(self)
    }

    /// Tabel 3.4's rows, every level.
    pub fn rencana(&self) -> impl Iterator<Item = &RencanaTersimpan> {
        self.data.rencana.iter().flat_map(|t| t.baris.iter())
    }

    /// Tabel 3.4's sub kegiatan rows.
    pub fn sub_kegiatan(&self) -> impl Iterator<Item = &RencanaTersimpan> {
        self.rencana().filter(|r| r.tingkat == Level::SubKegiatan)
    }

    /// Tabel 3.4's TOTAL row.
    pub fn total_rencana(&self) -> Option<&RencanaTotalTersimpan> {
        self.data.rencana.as_ref().and_then(|t| t.total.as_ref())
    }

    /// The evaluation table's rows.
    pub fn evaluasi(&self) -> impl Iterator<Item = &EvaluasiTersimpanBaris> {
        self.data.evaluasi.iter().flat_map(|t| t.baris.iter())
    }

    /// Tabel 3.1's indicator rows.
    pub fn indikator(&self) -> impl Iterator<Item = &TujuanTersimpan> {
        self.data.tujuan_sasaran.iter().flat_map(|t| t.baris.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(teks: &str, nilai: Option<i64>) -> Tersimpan {
        Tersimpan { teks: teks.into(), nilai: nilai.map(Decimal::from), angka: None }
    }

    #[test]
    fn one_rule_for_the_final_value() {
        let (a, b) = (v("5", Some(5)), v("7", Some(7)));
        assert_eq!(akhir(Some(&a), Some(&b), JenisEdisi::Perubahan), Some(&b));
        assert_eq!(akhir(Some(&a), None, JenisEdisi::Perubahan), None);
        assert_eq!(akhir(Some(&a), Some(&b), JenisEdisi::Murni), Some(&b));
        // A murni's empty or zero sesudah: its sebelum is final.
        for empty in [v("", None), v("  ", None), v("0", Some(0))] {
            assert_eq!(akhir(Some(&a), Some(&empty), JenisEdisi::Murni), Some(&a));
            // ...unless there is no sebelum either.
            assert_eq!(akhir(None, Some(&empty), JenisEdisi::Murni), Some(&empty));
        }
    }

    #[test]
    fn reads_a_stored_model_and_refuses_a_newer_version() {
        let json = br#"{"renja_versi": "0.1.0", "edisi": {"tahun": 2022, "jenis": "murni", "lain": 1},
            "data": {"rencana": {"baris": [
                {"kode": "1", "tingkat": "program", "pagu_sebelum": {"nilai": "9", "teks": "9"}},
                {"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan", "pagu_sebelum": {"nilai": "5", "teks": "5"},
                 "pagu_sesudah": {"nilai": "0", "teks": "0"}, "target_hasil": {"sebelum": {"teks": "3 Dok", "angka": "3"}}}]}}}"#;
        let m = ModelTersimpan::baca(json).unwrap();
        let rows: Vec<_> = m.sub_kegiatan().collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].pagu_akhir(m.edisi.jenis).and_then(|p| p.nilai), Some(Decimal::from(5)));
        assert_eq!(rows[0].target_hasil.akhir(m.edisi.jenis).map(|t| t.teks.as_str()), Some("3 Dok"));
        let newer = br#"{"versi_model": 2, "renja_versi": "9", "edisi": {"tahun": 2022, "jenis": "murni"}}"#;
        assert!(ModelTersimpan::baca(newer).unwrap_err().to_string().contains("versi 2"));
        assert!(ModelTersimpan::baca(b"{}").is_err());
    }

    #[test]
    fn reads_a_murni_models_one_value_per_cell() {
        let json = br#"{"edisi": {"tahun": 2025, "jenis": "murni"}, "data": {"rencana": {"baris": [
            {"kode": "1.01.01.2.01.0001", "tingkat": "sub_kegiatan", "pagu": {"nilai": "12", "teks": "12"},
             "target_hasil": {"teks": "4 Dok", "angka": "4"}, "target_program": null}]}}}"#;
        let m = ModelTersimpan::baca(json).unwrap();
        let r = m.sub_kegiatan().next().unwrap();
        assert_eq!(r.pagu_akhir(m.edisi.jenis).and_then(|p| p.nilai), Some(Decimal::from(12)));
        assert_eq!(r.target_hasil.akhir(m.edisi.jenis).map(|t| t.teks.as_str()), Some("4 Dok"));
        assert!(r.target_program.akhir(m.edisi.jenis).is_none());
    }
}
