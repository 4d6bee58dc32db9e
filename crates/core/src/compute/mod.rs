//! The computed edition: every roll-up, capaian, predikat, total, statistic and selisih,
//! computed once in exact decimals from the leaf data, with the formatted strings the renderers
//! print. Declared values (`dinyatakan`) are compared here and every difference is a warning.
//!
//! Boundary: every number, computed once, pure; may use `diag`, `format`, `model`, `source`; never
//! `document`, a renderer, `archive` or the façade.

mod compare;
pub mod akhir;
pub mod evaluasi;
pub mod rencana;
pub mod rkpd;
pub mod tujuan;
pub mod usulan;

pub use evaluasi::{Evaluasi, EvaluasiRow, Statistik};
pub use rencana::{Rencana, RencanaRow};
pub use rkpd::{Rkpd, RkpdRow};
pub use tujuan::{JenisTS, TsRow, TujuanSasaran};

use crate::diag::Diagnostics;
use crate::format;
use crate::model::code::{Code, Level};
use crate::model::predikat::Predikat;
use crate::model::value::{Nilai, Persen, Rupiah};
use crate::model::Edition;
use crate::source::schema::{CapaianNegatif, Sifat};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An amount with its printed form (`9.239.089.578`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uang(pub Rupiah);

impl Uang {
    pub fn new(v: Rupiah) -> Self {
        Uang(v)
    }
    pub fn value(&self) -> Rupiah {
        self.0
    }
    pub fn teks(&self) -> String {
        format::angka_dp(self.0.value(), 0)
    }
}

impl Serialize for Uang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Uang", 2)?;
        st.serialize_field("nilai", &self.0.value().to_string())?;
        st.serialize_field("teks", &self.teks())?;
        st.end()
    }
}

/// A percentage with its printed form (`57,14`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pct(pub Persen);

impl Pct {
    pub fn teks(&self) -> String {
        format::persen_angka(self.0.value())
    }
    pub fn value(&self) -> Decimal {
        self.0.value()
    }
}

impl Serialize for Pct {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Persen", 2)?;
        st.serialize_field("nilai", &self.0.value().to_string())?;
        st.serialize_field("teks", &self.teks())?;
        st.end()
    }
}

/// The computed edition. Each table's part is shared (`Arc`): an incremental load
/// ([`compute_reusing`]) keeps the parts whose inputs did not change, and the document's
/// tables made from a kept part are kept with it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Computed {
    pub evaluasi: Option<Arc<Evaluasi>>,
    pub tujuan_sasaran: Option<Arc<TujuanSasaran>>,
    pub rkpd: Option<Arc<Rkpd>>,
    pub rencana: Option<Arc<Rencana>>,
    /// T-C.32 (data/usulan.toml), when the edition has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usulan: Option<Arc<usulan::UsulanTabel>>,
}

/// The parts of [`Computed`], one per table data file, in the order [`compute`] computes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Evaluasi,
    TujuanSasaran,
    Rkpd,
    Rencana,
    Usulan,
}

impl Part {
    pub const ALL: [Part; 5] = [Part::Evaluasi, Part::TujuanSasaran, Part::Rkpd, Part::Rencana, Part::Usulan];

    /// The data file (relative to the edition folder) the part is computed from.
    pub fn file(self) -> &'static str {
        match self {
            Part::Evaluasi => "data/evaluasi.toml",
            Part::TujuanSasaran => "data/tujuan-sasaran.toml",
            Part::Rkpd => "data/rkpd.toml",
            Part::Rencana => "data/rencana.toml",
            Part::Usulan => "data/usulan.toml",
        }
    }

    /// The parts' data files this part reads: its own, and for the evaluation the Renstra's
    /// years ([`renstra_years`], from tujuan-sasaran.toml). Besides these a part reads only
    /// edisi.toml and the shared files (nomenclature, organisation, legal basis), so an edit of
    /// another part's file leaves it as it is ([`compute_reusing`]).
    pub fn reads(self) -> &'static [&'static str] {
        match self {
            Part::Evaluasi => &["data/evaluasi.toml", "data/tujuan-sasaran.toml"],
            Part::TujuanSasaran => &["data/tujuan-sasaran.toml"],
            Part::Rkpd => &["data/rkpd.toml"],
            Part::Rencana => &["data/rencana.toml"],
            Part::Usulan => &["data/usulan.toml"],
        }
    }

    /// Whether the part's value can depend on the source file `rel` (one of
    /// [`crate::source::DATA_FILES`]): a shared file, or a part's file it [`reads`](Part::reads).
    pub fn depends_on(self, rel: &str) -> bool {
        Part::ALL.iter().all(|p| p.file() != rel) || self.reads().contains(&rel)
    }
}

impl Computed {
    /// Computes one part into `self`. [`compute`] gives the values and diagnostics of these calls
    /// for every part in [`Part::ALL`]'s order; a part reads no more of `ed` than its own rows,
    /// the files [`Part::reads`] names, edisi.toml and the shared files.
    pub fn compute_part(&mut self, part: Part, ed: &Edition, diags: &mut Diagnostics) {
        match part {
            Part::Evaluasi => self.evaluasi = evaluasi::compute(ed, diags).map(Arc::new),
            Part::TujuanSasaran => self.tujuan_sasaran = tujuan::compute(ed, diags).map(Arc::new),
            Part::Rkpd => self.rkpd = rkpd::compute(ed, diags).map(Arc::new),
            Part::Rencana => self.rencana = rencana::compute(ed, diags).map(Arc::new),
            Part::Usulan => self.usulan = usulan::compute(ed, diags).map(Arc::new),
        }
    }

    /// Drops one part's value (`renja check`, once the part's tables are fitted and no template
    /// names it).
    pub fn drop_part(&mut self, part: Part) {
        match part {
            Part::Evaluasi => self.evaluasi = None,
            Part::TujuanSasaran => self.tujuan_sasaran = None,
            Part::Rkpd => self.rkpd = None,
            Part::Rencana => self.rencana = None,
            Part::Usulan => self.usulan = None,
        }
    }

    /// Empties the rows (`baris`) of one part's value, keeping its totals and other values
    /// (`renja check`, once the part's tables are fitted, when the templates name the part but
    /// not its rows). A value shared with another holder is left as it is.
    pub fn drop_rows_of(&mut self, part: Part) {
        fn thin<T>(v: &mut Option<Arc<T>>, rows: impl FnOnce(&mut T)) {
            if let Some(v) = v.as_mut().and_then(Arc::get_mut) {
                rows(v)
            }
        }
        match part {
            Part::Evaluasi => thin(&mut self.evaluasi, |v| v.baris = Vec::new()),
            Part::TujuanSasaran => thin(&mut self.tujuan_sasaran, |v| v.baris = Vec::new()),
            Part::Rkpd => thin(&mut self.rkpd, |v| v.baris = Vec::new()),
            Part::Rencana => thin(&mut self.rencana, |v| v.baris = Vec::new()),
            Part::Usulan => thin(&mut self.usulan, |v| v.baris = Vec::new()),
        }
    }

    /// The value of `part` as a shared reference of any type: two loads gave the same part
    /// when these are the same pointer (the document stage keeps its tables then).
    pub fn part_ref(&self, part: Part) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        fn any<T: std::any::Any + Send + Sync>(v: &Option<Arc<T>>) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
            v.clone().map(|v| v as Arc<dyn std::any::Any + Send + Sync>)
        }
        match part {
            Part::Evaluasi => any(&self.evaluasi),
            Part::TujuanSasaran => any(&self.tujuan_sasaran),
            Part::Rkpd => any(&self.rkpd),
            Part::Rencana => any(&self.rencana),
            Part::Usulan => any(&self.usulan),
        }
    }
}

/// A computed edition with each part's diagnostics, kept from one incremental load to the next.
#[derive(Debug, Clone)]
pub struct Kept {
    pub computed: Computed,
    pub diags: [Diagnostics; 5],
}

/// Computes every table of the edition, reporting inconsistencies into `diags`.
pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Computed {
    compute_reusing(ed, diags, None, [false; 5]).computed
}

/// [`compute`], taking from `prev` the parts `keep` marks (in [`Part::ALL`]'s order) with the
/// diagnostics they gave: the caller marks a part only when its inputs are unchanged. The same
/// values and diagnostics, in the same order, as [`compute`].
pub fn compute_reusing(ed: &Edition, diags: &mut Diagnostics, prev: Option<&Kept>, keep: [bool; 5]) -> Kept {
    fn part<T>(i: usize, ed: &Edition, diags: &mut Diagnostics, prev: Option<(&Option<Arc<T>>, &Diagnostics)>, kept: &mut [Diagnostics; 5], f: fn(&Edition, &mut Diagnostics) -> Option<T>) -> Option<Arc<T>> {
        let (value, found) = match prev {
            Some((value, found)) => (value.clone(), found.clone()),
            None => {
                let mut found = Diagnostics::new();
                found.enter(diags.stage());
                let value = f(ed, &mut found).map(Arc::new);
                (value, found)
            }
        };
        diags.extend(found.clone());
        kept[i] = found;
        value
    }
    let mut kept: [Diagnostics; 5] = Default::default();
    let from = |i: usize| prev.filter(|_| keep[i]);
    let computed = Computed {
        evaluasi: part(0, ed, diags, from(0).map(|p| (&p.computed.evaluasi, &p.diags[0])), &mut kept, evaluasi::compute),
        tujuan_sasaran: part(1, ed, diags, from(1).map(|p| (&p.computed.tujuan_sasaran, &p.diags[1])), &mut kept, tujuan::compute),
        rkpd: part(2, ed, diags, from(2).map(|p| (&p.computed.rkpd, &p.diags[2])), &mut kept, rkpd::compute),
        rencana: part(3, ed, diags, from(3).map(|p| (&p.computed.rencana, &p.diags[3])), &mut kept, rencana::compute),
        usulan: part(4, ed, diags, from(4).map(|p| (&p.computed.usulan, &p.diags[4])), &mut kept, usulan::compute),
    };
    Kept { computed, diags: kept }
}

/// Capaian of a performance value: realisasi ÷ target × 100 for a positive indicator, the
/// configured formula for a negative one; `None` when the target is 0 or either value has no
/// number.
pub fn capaian_k(target: Option<&Nilai>, realisasi: Option<&Nilai>, sifat: Sifat, rule: CapaianNegatif) -> Option<Persen> {
    let t = target?.angka?;
    let r = realisasi?.angka?;
    if t.is_zero() {
        return None;
    }
    let hundred = Decimal::ONE_HUNDRED;
    let v = match sifat {
        Sifat::Positif => r / t * hundred,
        Sifat::Negatif => match rule {
            CapaianNegatif::DuaKaliTarget => ((Decimal::TWO * t - r) / t * hundred).max(Decimal::ZERO),
            CapaianNegatif::TargetPerRealisasi => {
                if r.is_zero() {
                    return None;
                }
                t / r * hundred
            }
        },
    };
    Some(Persen(v))
}

/// Capaian anggaran: realisasi ÷ pagu × 100; `None` when the pagu is 0.
pub fn capaian_rp(pagu: Rupiah, realisasi: Rupiah) -> Option<Persen> {
    if pagu.is_zero() {
        return None;
    }
    Some(Persen(realisasi.value() / pagu.value() * Decimal::ONE_HUNDRED))
}

/// Adds each leaf's amounts to itself and all of its ancestors: the roll-up from sub kegiatan
/// to kegiatan, program, bidang and urusan. `N` is the number of amount columns. The callers
/// take each code's sums out (`remove`) as they make its row, in the map's order, so the map's
/// nodes are freed while the rows are made.
pub fn roll_up<const N: usize>(leaves: &[(Code, [Option<Rupiah>; N])]) -> BTreeMap<Code, [Option<Rupiah>; N]> {
    let mut sums: BTreeMap<Code, [Option<Rupiah>; N]> = BTreeMap::new();
    for (code, amounts) in leaves {
        let mut targets = vec![code.clone()];
        targets.extend(code.ancestors());
        for t in targets {
            let entry = sums.entry(t).or_insert([None; N]);
            for (slot, a) in entry.iter_mut().zip(amounts) {
                if let Some(a) = a {
                    *slot = Some(slot.unwrap_or(Rupiah::ZERO) + *a);
                }
            }
        }
    }
    sums
}

/// Every code that a table shows: its rows and all their ancestors, in tree order.
pub fn with_ancestors<'c>(codes: impl Iterator<Item = &'c Code>) -> Vec<Code> {
    let mut all: std::collections::BTreeSet<Code> = std::collections::BTreeSet::new();
    for c in codes {
        all.insert(c.clone());
        all.extend(c.ancestors());
    }
    all.into_iter().collect()
}

pub fn is_leaf(code: &Code) -> bool {
    code.level() == Level::SubKegiatan
}

/// Refuses amounts written on a parent row (program, kegiatan, …): they are summed from the sub
/// kegiatan. Each error points at the value and names the `[baris.dinyatakan]` key where a
/// printed figure is recorded instead. `fields` are (name as written, value).
pub(crate) fn refuse_parent_amounts<T>(file: &crate::diag::SourceFile, code: &Code, fields: &[(&str, Option<&toml::Spanned<T>>)], diags: &mut Diagnostics) {
    for (name, value) in fields {
        if let Some(v) = value {
            diags
                .error(file.loc_of(&v.span()), format!("{name} pada baris {} '{code}' tidak boleh diisi: nilainya dijumlahkan dari sub kegiatan", code.level().nama()))
                .with_hint(format!("catat nilai tercetak sebagai [baris.dinyatakan] {}", name.replace('.', "_")));
        }
    }
}

/// The Renstra period's years (`tahun_renstra` of data/tujuan-sasaran.toml), if given.
pub fn renstra_years(ed: &Edition) -> Vec<i32> {
    ed.sources.tujuan_sasaran.as_deref().map(|(_, t)| t.tahun_renstra.get_ref().clone()).unwrap_or_default()
}

/// Every four-digit year (1900–2199) written in a text.
pub fn years_in(text: &str) -> Vec<i32> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= b.len() {
        let win = &b[i..i + 4];
        let before = i == 0 || !b[i - 1].is_ascii_digit();
        let after = i + 4 == b.len() || !b[i + 4].is_ascii_digit();
        if before && after && win.iter().all(u8::is_ascii_digit) && (win[0] == b'1' && win[1] == b'9' || win[0] == b'2' && (win[1] == b'0' || win[1] == b'1')) {
            out.push(std::str::from_utf8(win).unwrap_or("0").parse().unwrap_or(0));
            i += 4;
        } else {
            i += 1;
        }
    }
    out
}

/// A year in a table title that the table cannot be about (murni editions): an error at the title.
pub(crate) fn check_title_years(file: &crate::diag::SourceFile, judul: &toml::Spanned<String>, n: i32, allowed: &[i32], what: &str, diags: &mut Diagnostics) {
    for y in years_in(judul.get_ref()) {
        if !allowed.contains(&y) {
            let mut list: Vec<i32> = allowed.to_vec();
            list.sort();
            list.dedup();
            let list: Vec<String> = list.iter().map(|y| y.to_string()).collect();
            diags
                .error(file.loc_of(&judul.span()), format!("{what} menyebut tahun {y}, yang tidak cocok dengan edisi tahun {n}"))
                .with_hint(format!("tahun yang sesuai untuk tabel ini: {}", list.join(", ")));
        }
    }
}

/// A sub kegiatan (leaf) row must write each of its amounts: a missing one is not silently 0
/// (the author writes 0 when it is). `fields` are (name as written, value).
pub(crate) fn require_leaf_amounts<T>(at: &crate::diag::Loc, code: &Code, fields: &[(&str, Option<&toml::Spanned<T>>)], diags: &mut Diagnostics) {
    for (name, value) in fields {
        if value.is_none() {
            diags
                .error(at.clone(), format!("sub kegiatan '{code}' tidak memiliki {name}"))
                .with_hint(format!("tulis {name} = 0 bila memang nol"));
        }
    }
}

pub fn predikat(p: Option<Persen>, ed: &Edition) -> Option<Predikat> {
    p.map(|p| Predikat::of(p.value(), ed.meta.format.predikat_celah))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> Code {
        Code::parse(s, 4).unwrap().code
    }

    proptest! {
        /// Every parent equals the sum of its direct children, in every column, for random trees.
        #[test]
        fn roll_up_parent_is_sum_of_children(
            leaves in proptest::collection::vec(((1u32..3, 1u32..4, 1u32..4, 1u32..6), proptest::array::uniform3(proptest::option::of(0i64..10_000_000_000))), 1..40)
        ) {
            let mut seen = std::collections::BTreeSet::new();
            let leaves: Vec<(Code, [Option<Rupiah>; 3])> = leaves
                .into_iter()
                .filter_map(|((b, p, k, s), a)| {
                    let c = code(&format!("2.0{b}.0{p}.2.0{k}.000{s}"));
                    seen.insert(c.clone()).then(|| (c, a.map(|x| x.map(|v| Rupiah(Decimal::from(v))))))
                })
                .collect();
            let sums = roll_up(&leaves);
            for (c, a) in &sums {
                let children: Vec<&[Option<Rupiah>; 3]> = sums.iter().filter(|(k, _)| k.parent().as_ref() == Some(c)).map(|(_, v)| v).collect();
                if children.is_empty() {
                    continue;
                }
                for i in 0..3 {
                    let s: Option<Rupiah> = children.iter().filter_map(|ch| ch[i]).reduce(|x, y| x + y);
                    prop_assert_eq!(a[i], s, "{} column {}", c, i);
                }
            }
            // The root of each urusan equals the sum over all leaves.
            for i in 0..3 {
                let total: Option<Rupiah> = leaves.iter().filter_map(|(_, a)| a[i]).reduce(|x, y| x + y);
                prop_assert_eq!(sums.get(&code("2")).and_then(|a| a[i]), total);
            }
        }
    }

    #[test]
    fn capaian_rules() {
        let n = |v: i64| Nilai { teks: v.to_string(), angka: Some(Decimal::from(v)) };
        let p = |v: Option<Persen>| v.map(|p| crate::format::persen_angka(p.value()));
        assert_eq!(p(capaian_k(Some(&n(70)), Some(&n(40)), Sifat::Positif, CapaianNegatif::DuaKaliTarget)), Some("57,14".into()));
        assert_eq!(capaian_k(Some(&n(0)), Some(&n(5)), Sifat::Positif, CapaianNegatif::DuaKaliTarget), None);
        // Negative indicator: (2 × 10 − 8) ÷ 10 × 100 = 120; floored at 0 when realisasi ≥ 2 × target.
        assert_eq!(p(capaian_k(Some(&n(10)), Some(&n(8)), Sifat::Negatif, CapaianNegatif::DuaKaliTarget)), Some("120,00".into()));
        assert_eq!(p(capaian_k(Some(&n(10)), Some(&n(25)), Sifat::Negatif, CapaianNegatif::DuaKaliTarget)), Some("0,00".into()));
        assert_eq!(p(capaian_k(Some(&n(10)), Some(&n(8)), Sifat::Negatif, CapaianNegatif::TargetPerRealisasi)), Some("125,00".into()));
        assert_eq!(capaian_rp(Rupiah::ZERO, Rupiah(Decimal::from(5))), None);
        assert_eq!(p(capaian_rp(Rupiah(Decimal::from(149_800_287)), Rupiah(Decimal::from(116_992_850)))), Some("78,10".into()));
    }
}
