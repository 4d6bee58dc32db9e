//! The validated edition: plain domain types built from the sources — metadata with its options,
//! nomenclature codes, the program tree, and the per-table rows keyed by canonical code. Checks
//! that need no arithmetic (codes, parents, duplicates, NIP, placeholders) happen here.
//!
//! Boundary: validation into plain types; may use `diag`, `format`, `source`; never `compute`,
//! `document`, a renderer, `archive` or the façade.

pub mod code;
pub mod nip;
pub mod predikat;
pub mod value;

use crate::diag::{Diagnostics, Loc, SourceFile};
use crate::source::schema::*;
use crate::source::{ChapterSource, Sources};
use code::{Code, Level};
use serde::Serialize;
use std::collections::BTreeMap;

/// Edition metadata with defaults resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub opd: Opd,
    pub daerah: Daerah,
    pub tahun: i32,
    pub jenis: JenisEdisi,
    pub revisi: u32,
    pub tahap: Option<String>,
    pub triwulan: u32,
    pub tahun_nomenklatur: i32,
    pub digit_sub_kegiatan: usize,
    /// Signing date (year, month, day).
    pub tanggal: (i32, u8, u8),
    pub tempat: String,
    pub penandatangan: Signer,
    pub halaman: Halaman,
    pub format: FormatOptions,
    /// Fixed document timestamp (RFC 3339), for reproducible output.
    pub waktu_terbit: String,
    /// The base (murni) edition in the archive (`[edisi] dasar`), if named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dasar: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    pub nama: String,
    pub jabatan: String,
    pub pangkat: Option<String>,
    pub golongan: Option<String>,
    pub nip: String,
    /// Images for printed copies, relative to the edition folder.
    pub gambar_ttd: Option<String>,
    pub stempel: Option<String>,
}

/// A node of the program tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub code: Code,
    pub nama: String,
    pub loc: Loc,
}

/// A table row of the sources, keyed by its canonical code.
#[derive(Debug, Clone)]
pub struct Row<'a, T> {
    pub code: Code,
    pub loc: Loc,
    pub data: &'a T,
}

/// The validated edition, borrowing the parsed sources.
pub struct Edition<'a> {
    pub sources: &'a Sources,
    pub meta: Meta,
    pub tree: BTreeMap<Code, Node>,
    pub evaluasi: Vec<Row<'a, EvaluasiBaris>>,
    pub rkpd: Vec<Row<'a, RkpdBaris>>,
    pub rencana: Vec<Row<'a, RencanaBaris>>,
    pub chapters: Vec<&'a ChapterSource>,
}

impl<'a> Edition<'a> {
    /// Where each chapter, in the edition's order, is in `sources.chapters` (validation orders
    /// them by their front matter's `urutan`).
    pub fn chapter_order(&self) -> Vec<usize> {
        self.chapters.iter().filter_map(|c| self.sources.chapters.iter().position(|s| std::ptr::eq(s, *c))).collect()
    }

    /// An edition of `meta` and the chapters of `sources` at `order` ([`Edition::chapter_order`])
    /// with no nomenclature tree and no rows: what the document stage reads once the tables are
    /// computed, over the sources [`Sources::without_rows`] left (`renja check`'s document stage).
    pub fn without_rows(meta: Meta, sources: &'a Sources, order: &[usize]) -> Edition<'a> {
        Edition::from_parts(sources, Parts { meta, tree: BTreeMap::new(), order: order.to_vec() }, &[])
    }

    /// What the edition holds that does not borrow its sources: with it, the caller can drop
    /// some of the sources' rows (`renja check`, once the parts that read them are computed) and
    /// then make the edition again over the rest ([`Edition::from_parts`]).
    pub fn into_parts(self) -> Parts {
        let order = self.chapter_order();
        Parts { meta: self.meta, tree: self.tree, order }
    }

    /// The edition of `parts` over `sources`, with the rows of the table files among `files`
    /// (paths relative to the edition folder) read again as [`validate`] reads them, without
    /// repeating the diagnostics validation gave; the others' rows are empty. Over the sources
    /// it was validated on, with every table file, this is the validated edition.
    pub fn from_parts(sources: &'a Sources, parts: Parts, files: &[&str]) -> Edition<'a> {
        Edition::from_parts_reporting(sources, parts, files, &mut Diagnostics::new())
    }

    /// [`Edition::from_parts`], reporting into `diags` what [`validate`] reports on the rows of
    /// those files: for a caller that validated `parts` over sources that did not hold them yet
    /// (`renja check`, which reads the [`crate::source::TABLE_FILES`] one at a time with
    /// [`crate::source::load_later`]). The rows and `parts` together then give the diagnostics
    /// of [`validate`] over the whole sources.
    pub fn from_parts_reporting(sources: &'a Sources, parts: Parts, files: &[&str], diags: &mut Diagnostics) -> Edition<'a> {
        let Parts { meta, tree, order } = parts;
        let wanted = |f: &SourceFile| files.iter().any(|w| *w == &*f.name);
        let (evaluasi, rkpd, rencana) = table_rows(sources, &tree, meta.digit_sub_kegiatan, wanted, diags);
        let chapters = order.iter().filter_map(|&i| sources.chapters.get(i)).collect();
        Edition { sources, meta, tree, evaluasi, rkpd, rencana, chapters }
    }
}

/// The parts of a validated [`Edition`] that do not borrow its sources ([`Edition::into_parts`]).
pub struct Parts {
    pub meta: Meta,
    pub tree: BTreeMap<Code, Node>,
    /// Where each chapter, in the edition's order, is in the sources' chapters.
    pub order: Vec<usize>,
}

/// The validated rows of T-C.29, Tabel 3.2 and Tabel 3.4, each of a file `wanted` (the others'
/// are empty), in that order ([`validate`] reports on all three; [`Edition::from_parts`] reads
/// some again).
fn table_rows<'a>(
    sources: &'a Sources,
    tree: &BTreeMap<Code, Node>,
    digits: usize,
    wanted: impl Fn(&SourceFile) -> bool,
    diags: &mut Diagnostics,
) -> (Vec<Row<'a, EvaluasiBaris>>, Vec<Row<'a, RkpdBaris>>, Vec<Row<'a, RencanaBaris>>) {
    let evaluasi = match sources.evaluasi.as_deref() {
        Some((f, e)) if wanted(f) => rows(f, &e.baris, |b| &b.kode, tree, digits, diags),
        _ => Vec::new(),
    };
    let rkpd = match sources.rkpd.as_deref() {
        Some((f, e)) if wanted(f) => rows(f, &e.baris, |b| &b.kode, tree, digits, diags),
        _ => Vec::new(),
    };
    let rencana = match sources.rencana.as_deref() {
        Some((f, e)) if wanted(f) => rows(f, &e.baris, |b| &b.kode, tree, digits, diags),
        _ => Vec::new(),
    };
    (evaluasi, rkpd, rencana)
}

/// Default sub kegiatan width by nomenclature year: 2 digits before 2023, 4 from then on.
pub fn sub_digits_for_year(year: i32) -> usize {
    if year >= 2023 { 4 } else { 2 }
}

fn meta(file: &SourceFile, e: &EdisiFile, cache: &mut Option<&mut Cache>, diags: &mut Diagnostics) -> Meta {
    let tahun = *e.edisi.tahun.get_ref();
    if !(2000..=2100).contains(&tahun) {
        diags.error(file.loc_of(&e.edisi.tahun.span()), format!("tahun {tahun} tidak masuk akal; yang diharapkan 2000–2100"));
    }
    let triwulan = match &e.edisi.triwulan {
        Some(t) => {
            let v = *t.get_ref();
            if !(1..=4).contains(&v) {
                diags.error(file.loc_of(&t.span()), format!("triwulan {v} tidak sah; yang diharapkan 1, 2, 3 atau 4"));
            }
            v.clamp(1, 4)
        }
        None => 4,
    };
    let nomen_year = *e.edisi.tahun_nomenklatur.get_ref();
    if nomen_year > tahun {
        diags
            .error(
                file.loc_of(&e.edisi.tahun_nomenklatur.span()),
                format!("tahun_nomenklatur {nomen_year} sesudah tahun edisi {tahun}; nomenklatur sebuah Renja berlaku paling lambat pada tahunnya"),
            )
            .with_hint(format!("tulis tahun_nomenklatur = {tahun} atau tahun Kepmendagri yang berlaku sebelumnya"));
    }
    let revisi = kind_revisi(file, e, diags);
    let digits = match &e.edisi.digit_sub_kegiatan {
        Some(d) => {
            let v = *d.get_ref();
            if v != 2 && v != 4 {
                diags.error(file.loc_of(&d.span()), format!("digit_sub_kegiatan {v} tidak sah; yang diharapkan 2 atau 4"));
                4
            } else {
                v as usize
            }
        }
        None => sub_digits_for_year(nomen_year),
    };
    let dt = e.pengesahan.tanggal.get_ref();
    let tanggal = match dt.date {
        Some(d) if dt.time.is_none() => (i32::from(d.year), d.month, d.day),
        _ => {
            diags.error(
                file.loc_of(&e.pengesahan.tanggal.span()),
                format!("tanggal '{dt}' tidak sah; yang diharapkan tanggal TOML seperti 2022-08-25"),
            );
            (tahun, 1, 1)
        }
    };
    let nip_text = e.penandatangan.nip.get_ref();
    let nip_digits = match nip::validate(nip_text) {
        Ok(d) => d,
        Err(msg) => {
            diags.error(file.loc_of(&e.penandatangan.nip.span()), msg.to_string())
                .with_hint("NIP 18 digit: tanggal lahir YYYYMMDD, TMT CPNS YYYYMM, jenis kelamin 1/2, nomor urut 3 digit");
            nip_text.clone()
        }
    };
    if let Some(kode) = &e.opd.kode {
        let k = kode.get_ref();
        let parts: Vec<&str> = k.split('.').collect();
        let widths = [1, 2, 1, 2, 1, 2, 2, 4];
        let ok = parts.len() == widths.len()
            && parts.iter().zip(widths).all(|(p, w)| p.len() == w && p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            diags.warning(
                file.loc_of(&kode.span()),
                format!("kode OPD '{k}' tidak berbentuk X.XX.X.XX.X.XX.XX.XXXX seperti kode SIPD (mis. 2.07.3.32.0.00.01.0000)"),
            );
        }
    }
    check_settings(file, e, cache, diags);
    check_image(file, diags, cache, e.opd.logo.as_ref(), "logo");
    check_image(file, diags, cache, e.penandatangan.gambar_ttd.as_ref(), "gambar tanda tangan");
    check_image(file, diags, cache, e.penandatangan.stempel.as_ref(), "gambar stempel");
    if e.edisi.jenis == JenisEdisi::Murni && !(tahun - 1..=tahun).contains(&tanggal.0) {
        diags.warning(
            file.loc_of(&e.pengesahan.tanggal.span()),
            format!("tanggal pengesahan tahun {} tidak cocok dengan Renja tahun {tahun}, yang disusun pada tahun {} (atau {tahun})", tanggal.0, tahun - 1),
        );
    }
    let waktu = match &e.edisi.waktu_terbit {
        Some(w) => w.to_string(),
        None => format!("{:04}-{:02}-{:02}T00:00:00Z", tanggal.0, tanggal.1, tanggal.2),
    };
    Meta {
        opd: e.opd.clone(),
        daerah: e.daerah.clone(),
        tahun,
        jenis: e.edisi.jenis,
        revisi,
        tahap: e.edisi.tahap.clone(),
        triwulan,
        tahun_nomenklatur: nomen_year,
        digit_sub_kegiatan: digits,
        tanggal,
        tempat: e.pengesahan.tempat.clone(),
        penandatangan: Signer {
            nama: e.penandatangan.nama.clone(),
            jabatan: e.penandatangan.jabatan.clone(),
            pangkat: e.penandatangan.pangkat.clone(),
            golongan: e.penandatangan.golongan.clone(),
            nip: nip_digits,
            gambar_ttd: e.penandatangan.gambar_ttd.as_ref().map(|g| g.get_ref().clone()),
            stempel: e.penandatangan.stempel.as_ref().map(|g| g.get_ref().clone()),
        },
        halaman: e.halaman.clone(),
        format: e.format.clone(),
        waktu_terbit: waktu,
        dasar: e.edisi.dasar.as_ref().map(|d| d.get_ref().clone()),
    }
}

/// The revision number, which only a Perubahan has: `revisi` in a murni is an error, a
/// Perubahan without it is revision 1.
fn kind_revisi(file: &SourceFile, e: &EdisiFile, diags: &mut Diagnostics) -> u32 {
    let tahun = *e.edisi.tahun.get_ref();
    match (e.edisi.jenis, &e.edisi.revisi) {
        (JenisEdisi::Murni, Some(r)) => {
            diags
                .error(file.loc_of(&r.span()), format!("revisi = {} tidak berlaku untuk Renja murni: hanya Perubahan Renja yang memiliki revisi", r.get_ref()))
                .with_hint("hapus baris revisi, atau tulis jenis = \"perubahan\" bila ini Perubahan Renja");
            0
        }
        (JenisEdisi::Murni, None) => 0,
        (JenisEdisi::Perubahan, Some(r)) if *r.get_ref() == 0 => {
            diags
                .error(file.loc_of(&r.span()), format!("revisi 0 tidak sah untuk Perubahan Renja {tahun}; perubahan pertama adalah revisi 1"))
                .with_hint("tulis revisi = 1 (perubahan kedua: 2), atau jenis = \"murni\" untuk Renja murni");
            1
        }
        (JenisEdisi::Perubahan, Some(r)) => *r.get_ref(),
        (JenisEdisi::Perubahan, None) => 1,
    }
}

/// Reads a written code, reporting malformed codes (error) and normalised variants (warning).
pub fn read_code(file: &SourceFile, written: &toml::Spanned<String>, digits: usize, diags: &mut Diagnostics) -> Option<Code> {
    let loc = file.loc_of(&written.span());
    match Code::parse(written.get_ref(), digits) {
        Ok(p) => {
            if p.normalised {
                diags
                    .warning(loc, format!("kode '{}' ditulis tidak baku; dibaca sebagai '{}'", written.get_ref(), p.code))
                    .with_hint(format!("tulis '{}'", p.code));
            }
            Some(p.code)
        }
        Err(e) => {
            diags.error(loc, format!("kode '{}' tidak sah: {e}", written.get_ref()));
            None
        }
    }
}

/// Keys the rows of one table by canonical code; reports duplicates and codes missing from
/// the nomenclature.
fn rows<'a, T>(
    file: &SourceFile,
    items: &'a [toml::Spanned<T>],
    kode: impl Fn(&T) -> &toml::Spanned<String>,
    tree: &BTreeMap<Code, Node>,
    digits: usize,
    diags: &mut Diagnostics,
) -> Vec<Row<'a, T>> {
    let mut seen: BTreeMap<Code, Loc> = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let data = item.get_ref();
        let written = kode(data);
        let Some(code) = read_code(file, written, digits, diags) else { continue };
        let loc = file.loc_of(&written.span());
        if let Some(first) = seen.get(&code) {
            diags.error(loc.clone(), format!("kode '{code}' muncul dua kali dalam tabel ini; baris pertama di {first}"));
            continue;
        }
        if !tree.is_empty() && !tree.contains_key(&code) {
            diags
                .error(loc.clone(), format!("kode '{code}' tidak terdaftar di data/nomenklatur.toml"))
                .with_hint("tambahkan [[nomenklatur]] dengan kode dan nama ini");
            continue;
        }
        seen.insert(code.clone(), loc.clone());
        out.push(Row { code, loc, data });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// Builds the nomenclature tree, checking codes, duplicates and that every parent is listed.
fn tree(file: &SourceFile, n: &NomenklaturFile, digits: usize, diags: &mut Diagnostics) -> BTreeMap<Code, Node> {
    let mut tree: BTreeMap<Code, Node> = BTreeMap::new();
    for entry in &n.nomenklatur {
        let Some(code) = read_code(file, &entry.kode, digits, diags) else { continue };
        let loc = file.loc_of(&entry.kode.span());
        let nama = entry.nama.get_ref().trim().to_string();
        if nama.is_empty() {
            diags.error(file.loc_of(&entry.nama.span()), format!("nama untuk kode '{code}' kosong"));
        }
        if let Some(first) = tree.get(&code) {
            diags.error(loc, format!("kode '{code}' terdaftar dua kali; pertama di {}", first.loc));
            continue;
        }
        tree.insert(code.clone(), Node { code, nama, loc });
    }
    for node in tree.values() {
        if let Some(parent) = node.code.parent() {
            if !tree.contains_key(&parent) {
                diags
                    .error(
                        node.loc.clone(),
                        format!(
                            "{} '{}' tidak berada di bawah induk yang terdaftar: {} '{}' tidak ada di nomenklatur",
                            node.code.level().nama(),
                            node.code,
                            parent.level().nama(),
                            parent
                        ),
                    )
                    .with_hint("daftarkan induknya atau periksa kembali kodenya");
            }
        }
    }
    tree
}

/// Validates the loaded sources into an [`Edition`]. Returns `None` when the metadata itself
/// could not be read (nothing else can be interpreted without it).
pub fn validate<'a>(sources: &'a Sources, diags: &mut Diagnostics) -> Option<Edition<'a>> {
    validate_cached(sources, &mut None, diags)
}

/// What validation keeps between runs on one edition (the preview, the service): the font
/// families of the fonts folder (while its files are unchanged) and whether each image named in
/// edisi.toml decodes (by the SHA-256 of its bytes). Results are those of [`validate`].
#[derive(Default)]
pub struct Cache {
    families: Option<(std::path::PathBuf, crate::source::FontsStamp, Vec<String>)>,
    images: std::collections::HashMap<String, ([u8; 32], Option<ImageProblem>)>,
}

impl Cache {
    pub fn new() -> Cache {
        Cache::default()
    }
}

/// [`validate`] with a [`Cache`] (`&mut None`: none).
pub fn validate_cached<'a>(sources: &'a Sources, cache: &mut Option<&mut Cache>, diags: &mut Diagnostics) -> Option<Edition<'a>> {
    let (efile, edisi) = sources.edisi.as_deref()?;
    let meta = meta(efile, edisi, cache, diags);
    let digits = meta.digit_sub_kegiatan;
    let tree = match sources.nomenklatur.as_deref() {
        Some((f, n)) => tree(f, n, digits, diags),
        None => BTreeMap::new(),
    };
    // On disk, parsed or not (nor read yet: `crate::source::load_later`).
    let needs_tree = crate::source::TABLE_FILES.iter().any(|t| sources.present.iter().any(|p| p == t));
    let nomen_present = sources.present.iter().any(|p| p == "data/nomenklatur.toml");
    if needs_tree && sources.nomenklatur.is_none() && !nomen_present {
        diags.error(efile.start(), "data/nomenklatur.toml tidak ada, padahal tabel program memerlukannya");
    }
    let (evaluasi, rkpd, rencana) = table_rows(sources, &tree, digits, |_| true, diags);
    // Level digit of kegiatan codes against the region's tier.
    let expected_digit = if edisi.daerah.tingkat == Tingkat::Provinsi { 1 } else { 2 };
    for node in tree.values() {
        if matches!(node.code.level(), Level::Kegiatan) {
            if let Some(d) = node.code.level_digit() {
                if d != expected_digit {
                    diags.warning(
                        node.loc.clone(),
                        format!(
                            "kegiatan '{}' bertingkat {d}, padahal daerah ini {}; yang diharapkan {expected_digit}",
                            node.code,
                            if expected_digit == 1 { "provinsi" } else { "kabupaten/kota" }
                        ),
                    );
                }
            }
        }
    }
    if sources.chapters.is_empty() {
        diags.error(efile.start(), "edisi tidak memiliki bab (bab/*.md)");
    }
    let mut order: BTreeMap<i64, &ChapterSource> = BTreeMap::new();
    for ch in &sources.chapters {
        let u = *ch.front.urutan.get_ref();
        if let Some(other) = order.get(&u) {
            diags.error(
                ch.file.loc_of(&ch.front.urutan.span()),
                format!("urutan {u} sudah dipakai oleh {}", other.file.name),
            );
        } else {
            order.insert(u, ch);
        }
        if ch.front.jenis == JenisBab::Bab && ch.front.nomor.as_deref().unwrap_or("").is_empty() {
            diags.error(ch.file.start(), "bab tanpa nomor; tulis nomor = \"I\" dan seterusnya di front matter");
        }
    }
    let chapters = order.into_values().collect();
    Some(Edition { sources, meta, tree, evaluasi, rkpd, rencana, chapters })
}

/// The ranges page settings must lie in: beyond them the layout is unusable (a 0 pt or
/// 100 000 pt font, margins wider than the page).
pub const UKURAN_HURUF: (f64, f64) = (8.0, 18.0);
pub const SPASI_BARIS: (f64, f64) = (1.0, 3.0);
pub const MARGIN_CM: (f64, f64) = (1.0, 6.0);

/// A number in edisi.toml, found by key under a table header, for its location.
fn key_loc(file: &SourceFile, table: &str, key: &str) -> Loc {
    let header = format!("[{table}]");
    let start = file.text.find(&header).map_or(0, |p| p + header.len());
    let rest = &file.text[start..];
    let end = rest.find("\n[").map_or(rest.len(), |p| p + 1);
    let mut pos = start;
    for line in rest[..end].split_inclusive('\n') {
        let t = line.trim_start();
        if t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')) {
            return file.loc(pos + (line.len() - t.len()));
        }
        // An inline table on one line: `margin_cm = { atas = 2.5, ... }`.
        if let Some(i) = line.find(&format!("{key} =")).or_else(|| line.find(&format!("{key}="))) {
            if i > 0 && matches!(line.as_bytes()[i - 1], b' ' | b'{' | b',') {
                return file.loc(pos + i);
            }
        }
        pos += line.len();
    }
    file.loc(start.saturating_sub(header.len()))
}

/// The font families in the `fonts/` folder the layout uses.
pub fn font_families(fonts: &std::path::Path) -> Vec<String> {
    crate::source::text::Glyphs::load(fonts).map(|g| g.families().to_vec()).unwrap_or_default()
}

/// Page and signer settings: ranges, a font that exists, names that are not empty.
fn check_settings(file: &SourceFile, e: &EdisiFile, cache: &mut Option<&mut Cache>, diags: &mut Diagnostics) {
    let h = &e.halaman;
    let mut range = |table: &str, key: &str, v: f64, (lo, hi): (f64, f64), unit: &str| {
        if !(lo..=hi).contains(&v) {
            diags
                .error(key_loc(file, table, key), format!("{key} {v} {unit} di luar batas; yang diharapkan {lo}–{hi} {unit}").replace("  ", " "))
                .with_hint("nilai lazim: ukuran_huruf 12, spasi_baris 1.5, margin_cm 2.5–3");
        }
    };
    range("halaman", "ukuran_huruf", h.ukuran_huruf, UKURAN_HURUF, "pt");
    range("halaman", "spasi_baris", h.spasi_baris, SPASI_BARIS, "");
    let m = &h.margin_cm;
    for (k, v) in [("atas", m.atas), ("bawah", m.bawah), ("kiri", m.kiri), ("kanan", m.kanan)] {
        range("halaman", k, v, MARGIN_CM, "cm");
    }
    for g in &h.gaya_daftar {
        if !crate::source::schema::GAYA_DAFTAR.contains(&g.as_str()) {
            diags
                .error(key_loc(file, "halaman", "gaya_daftar"), format!("gaya_daftar '{g}' tidak dikenal; yang diharapkan salah satu dari {}", crate::source::schema::GAYA_DAFTAR.join(" ")))
                .with_hint("satu gaya per tingkat daftar, mis. gaya_daftar = [\"1.\", \"a.\", \"1)\", \"a)\", \"i.\"]");
        }
    }
    if h.gaya_daftar.len() > 8 {
        diags.error(key_loc(file, "halaman", "gaya_daftar"), format!("gaya_daftar memiliki {} tingkat; yang diharapkan paling banyak 8", h.gaya_daftar.len()));
    }
    let dir = file.path.parent().unwrap_or(std::path::Path::new("."));
    let fonts = crate::source::Assets::locate(dir).fonts;
    let families = match cache.as_deref_mut() {
        Some(c) => {
            let stamp = crate::source::fonts_stamp(&fonts);
            match &c.families {
                Some((dir, s, f)) if *dir == fonts && *s == stamp => f.clone(),
                _ => {
                    let f = font_families(&fonts);
                    c.families = Some((fonts.clone(), stamp, f.clone()));
                    f
                }
            }
        }
        None => font_families(&fonts),
    };
    if !families.is_empty() && !families.iter().any(|f| f.eq_ignore_ascii_case(h.huruf.trim())) {
        diags
            .error(key_loc(file, "halaman", "huruf"), format!("huruf '{}' tidak tersedia; huruf yang tersedia: {}", h.huruf, families.join(", ")))
            .with_hint(format!("huruf dokumen diambil dari folder {}; tambahkan berkasnya di sana atau pilih salah satu yang tersedia", fonts.display()));
    }
    let p = &e.penandatangan;
    for (table, key, v, what) in [
        ("penandatangan", "nama", &p.nama, "nama penandatangan"),
        ("penandatangan", "jabatan", &p.jabatan, "jabatan penandatangan"),
        ("pengesahan", "tempat", &e.pengesahan.tempat, "tempat pengesahan"),
        ("opd", "nama", &e.opd.nama, "nama perangkat daerah"),
        ("daerah", "nama", &e.daerah.nama, "nama daerah"),
    ] {
        if v.trim().is_empty() {
            diags.error(key_loc(file, table, key), format!("{what} kosong")).with_hint(format!("isi {key} di [{table}]"));
        }
    }
}

/// The largest image renja accepts (pixels per side).
const MAX_IMAGE_SIDE: u32 = 10_000;

/// An image named in edisi.toml (logo, signature, stamp) must be a PNG or JPEG file inside the
/// edition folder (also after following links), a regular file, and decode completely.
fn check_image(file: &crate::diag::SourceFile, diags: &mut Diagnostics, cache: &mut Option<&mut Cache>, image: Option<&crate::source::schema::S<String>>, what: &str) {
    let Some(image) = image else { return };
    let rel = image.get_ref();
    let ok_ext = [".png", ".jpg", ".jpeg"].iter().any(|x| rel.to_lowercase().ends_with(x));
    let inside = !rel.starts_with('/') && !rel.split('/').any(|p| p == "..");
    let dir = file.path.parent().unwrap_or(std::path::Path::new("."));
    let loc = file.loc_of(&image.span());
    if !ok_ext || !inside {
        diags.error(loc, format!("{what} '{rel}' tidak sah; yang diharapkan berkas PNG atau JPEG di dalam folder edisi"));
        return;
    }
    let bytes = match crate::source::read_inside(dir, &dir.join(rel)) {
        Ok(b) => b,
        Err(crate::source::Refusal::NotFound) => {
            diags.error(loc, format!("berkas {what} '{rel}' tidak ditemukan di folder edisi"));
            return;
        }
        Err(crate::source::Refusal::Refused(msg, detail)) => {
            let d = diags.error(loc, format!("berkas {what} '{rel}' tidak dapat dibaca: {msg}"));
            if let Some(detail) = detail {
                d.with_detail(detail);
            }
            return;
        }
    };
    let problem = match cache.as_deref_mut() {
        Some(c) => {
            use sha2::{Digest, Sha256};
            let hash: [u8; 32] = Sha256::digest(&bytes).into();
            match c.images.get(rel) {
                Some((h, p)) if *h == hash => p.clone(),
                _ => {
                    let p = decode_problem(&bytes);
                    c.images.insert(rel.clone(), (hash, p.clone()));
                    p
                }
            }
        }
        None => decode_problem(&bytes),
    };
    match problem {
        None => {}
        Some(ImageProblem::Unreadable(detail)) => {
            diags.error(loc, format!("berkas {what} '{rel}' tidak dapat dibaca")).with_detail(detail);
        }
        Some(ImageProblem::NotPngJpeg) => {
            diags
                .error(loc, format!("berkas {what} '{rel}' bukan gambar PNG atau JPEG (isinya tidak sesuai dengan namanya)"))
                .with_hint("simpan ulang gambar sebagai PNG atau JPEG");
        }
        Some(ImageProblem::Decode { limits, detail }) => {
            let msg = if limits {
                format!("gambar {what} '{rel}' terlalu besar; paling besar {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} piksel")
            } else {
                format!("berkas {what} '{rel}' rusak: gambarnya tidak dapat dibaca sampai habis")
            };
            diags.error(loc, msg).with_hint("simpan ulang gambar dari aplikasi pengolah gambar").with_detail(detail);
        }
    }
}

/// Why an image's bytes are not a usable PNG or JPEG.
#[derive(Debug, Clone)]
enum ImageProblem {
    /// The format could not be guessed (the reader's words).
    Unreadable(String),
    NotPngJpeg,
    /// Decoding failed: over the size limit, or damaged (the decoder's words).
    Decode { limits: bool, detail: String },
}

/// Decodes an image completely (within [`MAX_IMAGE_SIDE`]); `None` when it is a good PNG or JPEG.
fn decode_problem(bytes: &[u8]) -> Option<ImageProblem> {
    let reader = match image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format() {
        Ok(r) => r,
        Err(e) => return Some(ImageProblem::Unreadable(e.to_string())),
    };
    if !matches!(reader.format(), Some(image::ImageFormat::Png | image::ImageFormat::Jpeg)) {
        return Some(ImageProblem::NotPngJpeg);
    }
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    reader.limits(limits);
    match reader.decode() {
        Ok(_) => None,
        Err(e) => Some(ImageProblem::Decode { limits: matches!(e, image::ImageError::Limits(_)), detail: e.to_string() }),
    }
}
