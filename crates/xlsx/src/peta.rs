//! The column mapping, written as data: for every target table, the fields an imported row can
//! carry and the header names that recognise their column. A new field (or a new table, e.g. the
//! Renja murni forms) is one line here; nothing else in the importer knows a header name.
//!
//! A header pattern is a list of parts separated by " / ", matched against the column's header
//! path (its header cells from the top header row down, merged cells included, each normalised:
//! lowercase, punctuation dropped, spaces collapsed). Each part must occur, in order, in the path;
//! a part written `=x` must equal a whole header cell, others may be a substring of one. `{tahun}`,
//! `{tahun_lalu}` and `{tahun_maju}` stand for the edition's years. When a column matches several
//! fields, the longest pattern wins.

use renja_core::document::tables::IdTabel;

/// What a column holds, and so how its cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jenis {
    /// The whole code in one column.
    Kode,
    /// One part of a code split over several columns (0 urusan … 4 sub kegiatan).
    KodeBagian(u8),
    /// Text, written as a TOML string.
    Teks,
    /// A performance value: a number, or text with an optional leading number.
    Nilai,
    /// Whole rupiah; an input on sub kegiatan rows only (parents are sums).
    Rupiah,
    /// One quarter of `realisasi_triwulan_rp` (0 = triwulan I), sub kegiatan rows only.
    RupiahTriwulan(u8),
    /// `positif` or `negatif`.
    Sifat,
    /// A column renja computes (capaian, predikat, selisih) or prints from the nomenclature
    /// (the name): recognised so it is not mistaken for another, and never imported.
    Abaikan,
}

/// One field of a target table.
#[derive(Debug, Clone, Copy)]
pub struct Bidang {
    /// The TOML key in a `[[baris]]` entry; `a.b` is key `b` of the inline table `a`.
    pub kunci: &'static str,
    pub jenis: Jenis,
    /// Header patterns, any of which recognises the column.
    pub kepala: &'static [&'static str],
}

/// A table rows can be imported into.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The name used with `--tabel`.
    pub nama: &'static str,
    /// The data file, relative to the edition folder.
    pub berkas: &'static str,
    /// The table as the document names it, for messages.
    pub judul: &'static str,
    pub bidang: &'static [Bidang],
    /// Fields without which a layout is not this table (besides the code).
    pub wajib: &'static [&'static str],
}

const fn f(kunci: &'static str, jenis: Jenis, kepala: &'static [&'static str]) -> Bidang {
    Bidang { kunci, jenis, kepala }
}

use Jenis::*;

/// The code columns every table shares: one Kode column, or Kode split over five columns.
macro_rules! kode {
    () => {
        [
            f("kode", Kode, &["kode", "kode rekening", "kode program kegiatan"]),
            f("kode.urusan", KodeBagian(0), &["kode / =urusan", "=kode urusan"]),
            f("kode.bidang", KodeBagian(1), &["kode / bidang urusan", "kode / bidang", "=kode bidang"]),
            f("kode.program", KodeBagian(2), &["kode / =program", "=kode program"]),
            f("kode.kegiatan", KodeBagian(3), &["kode / =kegiatan", "=kode kegiatan"]),
            f("kode.sub_kegiatan", KodeBagian(4), &["kode / sub kegiatan", "=kode sub kegiatan"]),
        ]
    };
}

const RENCANA: &[Bidang] = &{
    let k = kode!();
    [
        k[0], k[1], k[2], k[3], k[4], k[5],
        f("nama", Abaikan, &["urusan / bidang", "program / kegiatan", "=uraian", "nomenklatur"]),
        f("capaian_program", Teks, &["indikator / capaian program", "=capaian program"]),
        f("keluaran", Teks, &["indikator / keluaran", "=keluaran"]),
        f("hasil", Teks, &["indikator / hasil", "=hasil"]),
        f("lokasi", Teks, &["lokasi"]),
        f("target_program.sebelum", Nilai, &["target / =program / sebelum"]),
        f("target_program.sesudah", Nilai, &["target / =program / sesudah"]),
        f("target_keluaran.sebelum", Nilai, &["target / keluaran / sebelum"]),
        f("target_keluaran.sesudah", Nilai, &["target / keluaran / sesudah"]),
        f("target_hasil.sebelum", Nilai, &["target / hasil / sebelum"]),
        f("target_hasil.sesudah", Nilai, &["target / hasil / sesudah"]),
        f("pagu_sebelum", Rupiah, &["pagu / sebelum", "anggaran / sebelum", "=pagu sebelum"]),
        f("pagu_sesudah", Rupiah, &["pagu / sesudah", "anggaran / sesudah", "=pagu sesudah"]),
        f("selisih", Abaikan, &["bertambah", "selisih"]),
        f("sumber_dana", Teks, &["sumber dana"]),
        f("catatan", Teks, &["catatan"]),
        f("maju.tolok_ukur", Teks, &["prakiraan maju / tolok ukur", "maju / indikator"]),
        f("maju.target", Nilai, &["prakiraan maju / =target", "prakiraan maju / target capaian"]),
        f("maju.pagu", Rupiah, &["prakiraan maju / kebutuhan dana", "prakiraan maju / pagu"]),
    ]
};

const EVALUASI: &[Bidang] = &{
    let k = kode!();
    [
        k[0], k[1], k[2], k[3], k[4], k[5],
        f("nama", Abaikan, &["program / kegiatan", "perangkat daerah", "=uraian"]),
        f("indikator", Teks, &["indikator"]),
        f("sifat", Sifat, &["sifat"]),
        f("satuan", Teks, &["satuan"]),
        f("target_lalu", Nilai, &["target / {tahun_lalu} / =k", "tahun lalu / =k"]),
        f("pagu_lalu", Rupiah, &["target / {tahun_lalu} / =rp", "tahun lalu / =rp", "=pagu {tahun_lalu}"]),
        f("target", Nilai, &["target / {tahun} / =k"]),
        f("pagu", Rupiah, &["target / {tahun} / =rp", "=pagu {tahun}", "=pagu"]),
        f("realisasi_triwulan_rp.0", RupiahTriwulan(0), &["realisasi / =triwulan i", "=realisasi triwulan i"]),
        f("realisasi_triwulan_rp.1", RupiahTriwulan(1), &["realisasi / =triwulan ii", "=realisasi triwulan ii"]),
        f("realisasi_triwulan_rp.2", RupiahTriwulan(2), &["realisasi / =triwulan iii", "=realisasi triwulan iii"]),
        f("realisasi_triwulan_rp.3", RupiahTriwulan(3), &["realisasi / =triwulan iv", "=realisasi triwulan iv"]),
        f("realisasi_k", Nilai, &["realisasi / s d triwulan / =k", "=realisasi k"]),
        f("realisasi_rp", Rupiah, &["realisasi / s d triwulan / =rp", "=realisasi rp"]),
        f("capaian", Abaikan, &["capaian", "predikat"]),
    ]
};

const RKPD: &[Bidang] = &{
    let k = kode!();
    [
        k[0], k[1], k[2], k[3], k[4], k[5],
        f("nama", Abaikan, &["rancangan / program", "analisis / program"]),
        f("rancangan.lokasi", Teks, &["rancangan / lokasi"]),
        f("rancangan.indikator", Teks, &["rancangan / indikator"]),
        f("rancangan.target", Nilai, &["rancangan / target"]),
        f("rancangan.pagu", Rupiah, &["rancangan / pagu"]),
        f("analisis.lokasi", Teks, &["analisis / lokasi"]),
        f("analisis.indikator", Teks, &["analisis / indikator"]),
        f("analisis.target", Nilai, &["analisis / target"]),
        f("analisis.pagu", Rupiah, &["analisis / pagu"]),
        f("catatan", Teks, &["catatan"]),
    ]
};

/// Every table rows can be imported into.
pub const TARGETS: &[Target] = &[
    Target { nama: IdTabel::Rencana.as_str(), berkas: IdTabel::Rencana.berkas(), judul: "Tabel 3.4 (rencana kerja dan pendanaan)", bidang: RENCANA, wajib: &["pagu_sesudah"] },
    Target { nama: IdTabel::Evaluasi.as_str(), berkas: IdTabel::Evaluasi.berkas(), judul: "Tabel 2.1 (evaluasi)", bidang: EVALUASI, wajib: &["pagu", "realisasi_rp"] },
    Target { nama: IdTabel::Rkpd.as_str(), berkas: IdTabel::Rkpd.berkas(), judul: "Tabel 3.2 (review rancangan RKPD)", bidang: RKPD, wajib: &["rancangan.pagu", "analisis.pagu"] },
];

pub fn target(nama: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.nama == nama)
}

impl Target {
    pub fn bidang(&self, kunci: &str) -> Option<&'static Bidang> {
        self.bidang.iter().find(|b| b.kunci == kunci)
    }
}

/// Normalises a header or label: lowercase, every run of non-alphanumeric characters (spaces,
/// line breaks, punctuation) becomes one space.
pub fn normal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().flat_map(|c| c.to_lowercase()) {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// The years a pattern may name.
#[derive(Debug, Clone, Copy)]
pub struct Tahun {
    pub tahun: i32,
    pub tahun_lalu: i32,
    pub tahun_maju: i32,
}

/// How well `pattern` recognises a column with header path `path` (normalised labels, top
/// down): `None` when it does not, else the pattern's length (longer is more specific).
pub fn cocok(pattern: &str, path: &[String], th: Tahun) -> Option<usize> {
    let p = pattern
        .replace("{tahun_lalu}", &th.tahun_lalu.to_string())
        .replace("{tahun_maju}", &th.tahun_maju.to_string())
        .replace("{tahun}", &th.tahun.to_string());
    let mut at = 0usize;
    let mut score = 0usize;
    for part in p.split(" / ") {
        let (exact, part) = match part.strip_prefix('=') {
            Some(rest) => (true, normal(rest)),
            None => (false, normal(part)),
        };
        let found = (at..path.len()).find(|&i| if exact { path[i] == part } else { contains_words(&path[i], &part) })?;
        at = found;
        score += part.len() + if exact { 1 } else { 0 };
    }
    Some(score)
}

/// Whether `words` occurs in `label` on word boundaries ("program" in "capaian program", not
/// "k" in "kode").
fn contains_words(label: &str, words: &str) -> bool {
    let l = format!(" {label} ");
    let w = format!(" {words} ");
    l.contains(&w) || (words.len() > 3 && label.contains(words))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TH: Tahun = Tahun { tahun: 2022, tahun_lalu: 2021, tahun_maju: 2023 };

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| normal(s)).collect()
    }

    #[test]
    fn normalises_headers() {
        assert_eq!(normal("PAGU INDIKATIF\n2022  (Rp)"), "pagu indikatif 2022 rp");
        assert_eq!(normal(" s/d Triwulan II "), "s d triwulan ii");
        assert_eq!(normal("Bertambah/ (Berkurang)"), "bertambah berkurang");
    }

    #[test]
    fn best_field_wins() {
        let p = path(&["Kode", "Sub Kegiatan"]);
        assert!(cocok("kode / =kegiatan", &p, TH).is_none());
        assert!(cocok("kode / sub kegiatan", &p, TH).is_some());
        let p = path(&["Target Kinerja dan Pagu 2021 (Renja)", "K"]);
        assert!(cocok("target / {tahun_lalu} / =k", &p, TH).is_some());
        assert!(cocok("target / {tahun} / =k", &p, TH).is_none());
        let p = path(&["Realisasi 2022", "Triwulan II", "Rp"]);
        assert!(cocok("realisasi / =triwulan i", &p, TH).is_none());
        assert!(cocok("realisasi / =triwulan ii", &p, TH).is_some());
    }

    #[test]
    fn every_field_key_is_unique() {
        for t in TARGETS {
            let mut keys: Vec<&str> = t.bidang.iter().map(|b| b.kunci).collect();
            keys.sort();
            let n = keys.len();
            keys.dedup();
            assert_eq!(keys.len(), n, "{}", t.nama);
            for w in t.wajib {
                assert!(t.bidang(w).is_some(), "{w}");
            }
        }
    }
}
