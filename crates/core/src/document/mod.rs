//! The document: the render model both renderers read. Chapters as blocks with computed values
//! already placed into their text, the placed tables as spec + formatted cells, the cover, the
//! legal bases and organisation as ready lists, the signature block, and the computed data.
//! `renja export --json` prints exactly this.
//!
//! Boundary: the render model, pure; may use `diag`, `format`, `model`, `source`, `compute`; never
//! a renderer, `archive`, `preview` or the façade.

pub mod markdown;
pub mod tables;
mod serialize;
pub mod template;
pub mod widths;

use crate::compute::Computed;
use crate::diag::{Diagnostics, Loc};
use crate::format;
use crate::model::{Edition, Meta};
use crate::source::schema::{JenisBab, JenisEdisi, Kertas, Margin, Tingkat};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
pub use tables::TabelTampil;
use template::{Placement, Templates};

/// How a list numbers its items; the string is the pattern renderers use ("1.", "a.", …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GayaDaftar {
    #[serde(rename = "1.")]
    Angka,
    #[serde(rename = "1)")]
    AngkaKurung,
    #[serde(rename = "a.")]
    Huruf,
    #[serde(rename = "a)")]
    HurufKurung,
    #[serde(rename = "A.")]
    HurufBesar,
    #[serde(rename = "i.")]
    Romawi,
    #[serde(rename = "I.")]
    RomawiBesar,
    #[serde(rename = "-")]
    Butir,
}

/// Inline content of a paragraph.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "jenis", rename_all = "snake_case")]
pub enum Inline {
    Teks {
        teks: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        tebal: bool,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        miring: bool,
    },
    Catatan { label: String, isi: Vec<Inline> },
    BarisBaru,
}

/// A block of a chapter.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "jenis", rename_all = "snake_case")]
pub enum Blok {
    Judul { tingkat: u8, nomor: Option<String>, isi: Vec<Inline> },
    Paragraf { isi: Vec<Inline> },
    Daftar { gaya: GayaDaftar, mulai: u32, butir: Vec<Vec<Blok>> },
    /// A computed table placed here; `id` keys [`Document::tabel`].
    Tabel { id: String },
    TabelSederhana { kepala: Vec<Vec<Inline>>, baris: Vec<Vec<Vec<Inline>>> },
    HalamanBaru,
    /// Transient: a placement marker, resolved before the document is returned.
    #[serde(skip)]
    Sisipan { indeks: usize },
}

#[derive(Debug, Clone, Serialize)]
pub struct Bab {
    pub jenis: JenisBab,
    pub nomor: Option<String>,
    /// The heading as printed: "BAB I" (empty for front matter).
    pub label: String,
    pub judul: String,
    pub blok: Vec<Blok>,
    pub sumber: String,
    /// The 1-based line in `sumber` each top-level block of `blok` starts on (not exported; for
    /// locating a layout failure in the author's text).
    #[serde(skip)]
    pub baris: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sampul {
    pub baris_judul: Vec<String>,
    pub pemerintah: String,
    pub opd: String,
    pub tahun: i32,
    pub draf: bool,
    /// Cover logo, relative to the edition folder (served to the layout under /edisi/).
    pub logo: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pengesahan {
    /// "Tana Paser, 25 Agustus 2022"
    pub tempat_tanggal: String,
    pub jabatan: String,
    pub nama: String,
    /// "Pembina Utama Muda (IV/c)", if given.
    pub pangkat: Option<String>,
    /// "NIP 19640731 199003 1 007"
    pub nip: String,
    /// Size of the visible electronic signature in the final document (millimetres).
    pub tte_lebar_mm: u32,
    pub tte_tinggi_mm: u32,
    /// Scanned signature and stamp for printed copies (final document only), relative to the
    /// edition folder.
    pub gambar_ttd: Option<String>,
    pub stempel: Option<String>,
}

/// Size of the electronic signature slot in the signature block.
pub const TTE_LEBAR_MM: u32 = 85;
pub const TTE_TINGGI_MM: u32 = 28;

#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub judul: String,
    pub subjek: String,
    pub penulis: String,
    pub kata_kunci: Vec<String>,
    pub bahasa: &'static str,
    pub waktu_terbit: String,
    pub slug: String,
}

/// The page (as printed: "ii", "12") of every entry of the daftar isi and of the daftar tabel, in
/// the order the DOCX lists them, as the PDF's layout placed them. Not part of the model: the PDF
/// renderer reads it off its layout and the DOCX renderer prints it in its tables of contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Halaman {
    pub isi: Vec<String>,
    pub tabel: Vec<String>,
}

/// Page geometry and the fixed parts of the front matter, decided here once for both renderers
/// (the typst layout and the DOCX writer only draw them).
#[derive(Debug, Clone, Serialize)]
pub struct TataLetak {
    /// Paper width and height of a portrait page, in millimetres.
    pub kertas_mm: [f64; 2],
    /// Margins of portrait pages, in centimetres (from `[halaman] margin_cm`).
    pub margin_tegak_cm: Margin,
    /// Margins of landscape pages: the binding edge (the portrait left margin) at the top.
    pub margin_mendatar_cm: Margin,
    pub judul_daftar_isi: &'static str,
    pub judul_daftar_tabel: &'static str,
    /// Heading levels listed in the table of contents.
    pub kedalaman_daftar_isi: u8,
}

impl TataLetak {
    pub fn of(meta: &Meta) -> TataLetak {
        let hal = &meta.halaman;
        let kertas_mm = match hal.kertas {
            Kertas::A4 => [210.0, 297.0],
            Kertas::F4 => [215.0, 330.0],
        };
        let m = &hal.margin_cm;
        TataLetak {
            kertas_mm,
            margin_tegak_cm: m.clone(),
            margin_mendatar_cm: Margin { atas: m.kiri, bawah: m.kanan, kiri: m.atas, kanan: m.bawah },
            judul_daftar_isi: "DAFTAR ISI",
            judul_daftar_tabel: "DAFTAR TABEL",
            kedalaman_daftar_isi: 3,
        }
    }

    /// The width available to a table on a portrait or landscape page, in points.
    pub fn lebar_pt(&self, mendatar: bool) -> f64 {
        let [w, h] = self.kertas_mm;
        let mm = if mendatar {
            h - (self.margin_mendatar_cm.kiri + self.margin_mendatar_cm.kanan) * 10.0
        } else {
            w - (self.margin_tegak_cm.kiri + self.margin_tegak_cm.kanan) * 10.0
        };
        mm * 72.0 / 25.4
    }
}

/// The render model of one edition.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub renja_versi: &'static str,
    pub metadata: Metadata,
    pub edisi: Meta,
    pub tata: TataLetak,
    pub sampul: Sampul,
    pub bab: Vec<Bab>,
    /// Shared with the cache that made them (`renja_edition::EditionCache`): an edit that does not
    /// change the computed tables makes a document without copying them, and the preview knows
    /// unchanged tables by pointer (`Arc::ptr_eq`).
    pub tabel: Arc<Tabel>,
    pub pengesahan: Pengesahan,
    pub data: Arc<Computed>,
}

fn region_name(meta: &Meta) -> String {
    match meta.daerah.tingkat {
        Tingkat::Kabupaten => format!("Kabupaten {}", meta.daerah.nama),
        Tingkat::Kota => format!("Kota {}", meta.daerah.nama),
        Tingkat::Provinsi => format!("Provinsi {}", meta.daerah.nama),
    }
}

fn doc_title(meta: &Meta) -> String {
    let jenis = match meta.jenis {
        JenisEdisi::Murni => "Renja".to_string(),
        JenisEdisi::Perubahan if meta.revisi > 1 => format!("Perubahan ke-{} Renja", meta.revisi),
        JenisEdisi::Perubahan => "Perubahan Renja".to_string(),
    };
    format!("{jenis} Tahun {} {} {}", meta.tahun, meta.opd.nama, region_name(meta))
}

/// A file-name-safe identifier of the edition: `renja-perubahan-2022-disnakertrans-paser`.
pub fn slug(meta: &Meta) -> String {
    let jenis = match meta.jenis {
        JenisEdisi::Murni => "murni".to_string(),
        JenisEdisi::Perubahan if meta.revisi > 1 => format!("perubahan{}", meta.revisi),
        JenisEdisi::Perubahan => "perubahan".to_string(),
    };
    let opd = meta.opd.singkatan.clone().unwrap_or_else(|| meta.opd.nama.clone());
    let clean = |s: &str| {
        s.to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-")
    };
    format!("renja-{jenis}-{}-{}-{}", meta.tahun, clean(&opd), clean(&meta.daerah.nama))
}

/// The context values of the computed tables, by context key, each with the computed part it
/// was made from, so that the next context ([`context_reusing`]) converts again only the parts
/// that are not the very value kept here (a pagu edit changes `rencana`, not `evaluasi` or
/// `rkpd`; at ×16 converting all of them took 25–55 ms, and serialising them to compare 3 ms).
#[derive(Default)]
pub struct ContextParts(BTreeMap<&'static str, (Arc<dyn std::any::Any + Send + Sync>, minijinja::Value)>);

impl std::fmt::Debug for ContextParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// One computed table's context value (`None` for a table not computed). With `parts`, the
/// value kept there under `key` is reused while the part is the same value, and the new one
/// kept; without (a one-off context), nothing is kept.
fn context_part<T: serde::Serialize + Send + Sync + 'static>(table: &Option<Arc<T>>, key: &'static str, parts: Option<&mut ContextParts>) -> Option<minijinja::Value> {
    // Straight from the table (`serialize`), not through its JSON (at ×64 the evaluation
    // table's JSON was 10 MB, the heap peak of `renja check`).
    let convert = || serialize::value_of(table);
    let Some(parts) = parts else { return convert() };
    let Some(part) = table else {
        parts.0.remove(key);
        return None;
    };
    if let Some((_, v)) = parts.0.get(key).filter(|(kept, _)| std::ptr::addr_eq(Arc::as_ptr(kept), Arc::as_ptr(part))) {
        return Some(v.clone());
    }
    let value = convert();
    match &value {
        Some(v) => parts.0.insert(key, (part.clone(), v.clone())),
        None => parts.0.remove(key),
    };
    value
}

/// The top-level names the chapters' templates use (`{{ rencana.total.pagu | rupiah }}` names
/// `rencana`), so that the context holds only the computed tables some chapter reads (at ×16
/// converting every table took 25–55 ms and 22 MB at ×64, for chapters that read one total).
/// `None` when a template does not parse: then every table (its error is reported when the
/// chapter is rendered).
pub fn named_in_templates(ed: &Edition) -> Option<std::collections::BTreeSet<String>> {
    names_in_templates(ed, false)
}

/// The names the chapters' templates use: top-level, or (`nested`) with the attributes read
/// from them (`rencana.total.pagu`; a name used whole stays bare). `None` when a template does
/// not parse.
fn names_in_templates(ed: &Edition, nested: bool) -> Option<std::collections::BTreeSet<String>> {
    let env = minijinja::Environment::new();
    let mut names = std::collections::BTreeSet::new();
    for ch in &ed.chapters {
        names.extend(env.template_from_str(&ch.body).ok()?.undeclared_variables(nested));
    }
    Some(names)
}

/// The template context: metadata and the computed tables `named` (all of them without). A
/// table whose data file is present but could not be read or computed is a
/// [`template::Gagal`]: its errors are reported in the data file, and the chapters that use it
/// stay silent. `parts`: see [`context_part`].
fn context(meta: &Meta, computed: &Computed, present: &[String], mut parts: Option<&mut ContextParts>, named: Option<&std::collections::BTreeSet<String>>) -> minijinja::Value {
    let mut ctx = serde_json::Map::new();
    let m = serde_json::to_value(meta).unwrap_or_default();
    ctx.insert("opd".into(), m["opd"].clone());
    ctx.insert("daerah".into(), m["daerah"].clone());
    let (y, mo, d) = meta.tanggal;
    ctx.insert(
        "edisi".into(),
        serde_json::json!({
            "tahun": meta.tahun, "jenis": m["jenis"], "revisi": meta.revisi, "tahap": meta.tahap,
            "triwulan": meta.triwulan, "tahun_nomenklatur": meta.tahun_nomenklatur,
        }),
    );
    ctx.insert("pengesahan".into(), serde_json::json!({"tempat": meta.tempat, "tanggal": format::tanggal(y, mo, d)}));
    ctx.insert("penandatangan".into(), m["penandatangan"].clone());
    // The values of `ctx` and the computed tables as one object's would be (none of the keys is
    // one of the special ones, `teks` and `baris`), made entry by entry.
    let mut values: BTreeMap<String, minijinja::Value> = ctx.iter().map(|(k, v)| (k.clone(), serialize::value_of(v).unwrap_or_else(|| minijinja::Value::from(())))).collect();
    drop(ctx);
    let mut failed = Vec::new();
    use crate::compute::Part;
    for part in Part::ALL {
        let key = context_key(part);
        if named.is_some_and(|n| !n.contains(key)) {
            continue;
        }
        let file = part.file();
        let parts = parts.as_deref_mut();
        let value = match part {
            Part::Evaluasi => context_part(&computed.evaluasi, key, parts),
            Part::TujuanSasaran => context_part(&computed.tujuan_sasaran, key, parts),
            Part::Rkpd => context_part(&computed.rkpd, key, parts),
            Part::Rencana => context_part(&computed.rencana, key, parts),
            Part::Usulan => context_part(&computed.usulan, key, parts),
        };
        match value {
            Some(v) => {
                values.insert(key.into(), v);
            }
            None if present.iter().any(|p| p == file) => failed.push(key),
            None => {}
        }
    }
    let value = minijinja::Value::from(values);
    if failed.is_empty() {
        return value;
    }
    let mut map: BTreeMap<String, minijinja::Value> = BTreeMap::new();
    if let Ok(keys) = value.try_iter() {
        for k in keys {
            if let (Some(name), Ok(v)) = (k.as_str().map(str::to_string), value.get_item(&k)) {
                map.insert(name, v);
            }
        }
    }
    for key in failed {
        map.insert(key.to_string(), minijinja::Value::from_object(template::Gagal));
    }
    minijinja::Value::from(map)
}

/// The names a chapter's template can use in this edition, for editors' completion: every
/// variable of the template context with a description of its value, our filters and
/// functions, and the tables `tabel("…")` can place.
pub fn template_names(doc: &Document) -> TemplateNames {
    TemplateNames {
        variables: template::variables(&context(&doc.edisi, &doc.data, &[], None, None)),
        filters: template::FILTERS.to_vec(),
        functions: template::FUNCTIONS.to_vec(),
        tables: doc.tabel.keys().cloned().collect(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateNames {
    pub variables: Vec<(String, String)>,
    pub filters: Vec<&'static str>,
    pub functions: Vec<&'static str>,
    pub tables: Vec<String>,
}

/// Words that mark a template placeholder left in the text.
const PLACEHOLDERS: [&str; 8] = ["(nama opd)", "(nama perangkat daerah)", "(nama dinas)", "[nama opd]", "[nama perangkat daerah]", "(isi ", "xxx", "<nama"];

fn check_placeholders(ch: &crate::source::ChapterSource, diags: &mut Diagnostics) {
    let mut in_comment = false;
    for (i, line) in ch.body.lines().enumerate() {
        for (at, p) in placeholders_in(line, &mut in_comment) {
            let shown = &line[at..at + p.len()];
            diags
                .error(
                    Loc { file: ch.file.name.clone(), line: ch.body_line + i, col: line[..at].chars().count() + 1 },
                    format!("placeholder templat '{shown}' masih ada di teks"),
                )
                .with_hint("tulis nilainya, atau sisipkan dengan {{ opd.nama }}");
        }
    }
}

/// The placeholders in one line outside HTML comments (authors' notes, not printed), each with
/// its byte offset in `line` (always a character boundary: placeholders are ASCII and matched
/// ASCII-case-insensitively in the line itself, never in a lowercased copy whose offsets differ).
/// `in_comment` carries an open `<!--` over to the next line.
fn placeholders_in(line: &str, in_comment: &mut bool) -> Vec<(usize, &'static str)> {
    let mut visible = Vec::new();
    let mut pos = 0;
    loop {
        if *in_comment {
            match line[pos..].find("-->") {
                Some(p) => {
                    pos += p + 3;
                    *in_comment = false;
                }
                None => break,
            }
        } else {
            match line[pos..].find("<!--") {
                Some(p) => {
                    visible.push(pos..pos + p);
                    pos += p + 4;
                    *in_comment = true;
                }
                None => {
                    visible.push(pos..line.len());
                    break;
                }
            }
        }
    }
    let mut found = Vec::new();
    for p in PLACEHOLDERS {
        let hit = visible.iter().find_map(|r| {
            let seg = &line.as_bytes()[r.clone()];
            (0..seg.len().saturating_sub(p.len() - 1))
                .find(|&i| line.is_char_boundary(r.start + i) && seg[i..i + p.len()].eq_ignore_ascii_case(p.as_bytes()))
                .map(|i| r.start + i)
        });
        if let Some(at) = hit {
            found.push((at, p));
        }
    }
    found
}

/// A footnote reference `[^x]` needs a definition `[^x]: …` in the same chapter.
fn check_footnotes(ch: &crate::source::ChapterSource, diags: &mut Diagnostics) {
    let defs: Vec<&str> = ch
        .body
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("[^").and_then(|r| r.split_once("]:")).map(|(label, _)| label))
        .collect();
    for (i, line) in ch.body.lines().enumerate() {
        let mut rest = line;
        let mut offset = 0;
        while let Some(p) = rest.find("[^") {
            let after = &rest[p + 2..];
            if let Some(end) = after.find(']') {
                let label = &after[..end];
                let is_def = after[end + 1..].starts_with(':') && line[..offset + p].trim().is_empty();
                if !is_def && !label.is_empty() && !label.contains(char::is_whitespace) && !defs.contains(&label) {
                    let col = line[..offset + p].chars().count() + 1;
                    diags
                        .error(Loc { file: ch.file.name.clone(), line: ch.body_line + i, col }, format!("catatan kaki [^{label}] tidak memiliki isi"))
                        .with_hint(format!("tambahkan baris '[^{label}]: isi catatan' di bab yang sama"));
                }
            }
            offset += p + 2;
            rest = &rest[p + 2..];
        }
    }
}

/// Numbers headings from the chapter number: "1.1", "1.1.1".
fn number_headings(blocks: &mut [Blok], chapter: usize) {
    let mut counters = [0usize; 3];
    for b in blocks.iter_mut() {
        if let Blok::Judul { tingkat, nomor, .. } = b {
            let lvl = (*tingkat as usize).saturating_sub(2).min(2);
            counters[lvl] += 1;
            for c in counters.iter_mut().skip(lvl + 1) {
                *c = 0;
            }
            let mut parts = vec![chapter.to_string()];
            parts.extend(counters[..=lvl].iter().map(|c| c.to_string()));
            *nomor = Some(parts.join("."));
        }
    }
}

fn text(s: impl Into<String>) -> Inline {
    Inline::Teks { teks: s.into(), tebal: false, miring: false }
}

fn bold(s: impl Into<String>) -> Inline {
    Inline::Teks { teks: s.into(), tebal: true, miring: false }
}

fn para(s: impl Into<String>) -> Blok {
    Blok::Paragraf { isi: vec![text(s)] }
}

/// The legal bases as a numbered list; a regulation listed twice is a warning.
fn landasan(ed: &Edition, diags: &mut Diagnostics) -> Blok {
    let mut items = Vec::new();
    let Some((file, l)) = ed.sources.landasan.as_deref() else {
        return Blok::Daftar { gaya: GayaDaftar::Angka, mulai: 1, butir: items };
    };
    let mut seen: BTreeMap<(String, String, i32), (usize, Loc)> = BTreeMap::new();
    let n = l.peraturan.len();
    for (i, p) in l.peraturan.iter().enumerate() {
        let loc = file.loc_of(&p.span());
        let r = p.get_ref();
        let key = (r.jenis.to_lowercase(), r.nomor.trim().trim_start_matches('0').to_string(), r.tahun);
        if let Some((first, at)) = seen.get(&key) {
            diags.warning(loc.clone(), format!("peraturan '{} Nomor {} Tahun {}' tercantum dua kali: butir {} dan butir {} (pertama di {at})", r.jenis, r.nomor, r.tahun, first, i + 1));
        } else {
            seen.insert(key, (i + 1, loc));
        }
        let mut s = format!("{} Nomor {} Tahun {} tentang {}", r.jenis, r.nomor, r.tahun, r.tentang);
        let mut ln = Vec::new();
        if let Some(l) = &r.lembaran_negara {
            ln.push(format!("Lembaran Negara Republik Indonesia Tahun {} Nomor {}", l.tahun, l.nomor));
        }
        if let Some(t) = &r.tambahan_lembaran_negara {
            ln.push(format!("Tambahan Lembaran Negara Republik Indonesia Nomor {t}"));
        }
        if !ln.is_empty() {
            s.push_str(&format!(" ({})", ln.join(", ")));
        }
        if let Some(p) = &r.perubahan {
            s.push(' ');
            s.push_str(p.trim());
        }
        if let Some(k) = &r.keterangan {
            s.push(' ');
            s.push_str(k.trim());
        }
        s.push(if i + 1 == n { '.' } else { ';' });
        items.push(vec![para(s)]);
    }
    Blok::Daftar { gaya: GayaDaftar::Angka, mulai: 1, butir: items }
}

fn fungsi_list(f: &[String], gaya: GayaDaftar) -> Blok {
    let n = f.len();
    let butir = f
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let end = if i + 1 == n { "." } else if i + 2 == n { "; dan" } else { ";" };
            vec![para(format!("{}{end}", x.trim().trim_end_matches(['.', ';'])))]
        })
        .collect();
    Blok::Daftar { gaya, mulai: 1, butir }
}

/// Numbering styles by nesting level of the organisation chapter (and the default for generated
/// lists): 1., a., 1), a), i. — every level one style, every unit numbered.
pub const GAYA_TINGKAT: [GayaDaftar; 5] = [GayaDaftar::Angka, GayaDaftar::Huruf, GayaDaftar::AngkaKurung, GayaDaftar::HurufKurung, GayaDaftar::Romawi];

/// The list styles by nesting level: the edition's `[halaman] gaya_daftar` (validated when the
/// edition is read), else [`GAYA_TINGKAT`].
fn gaya_tingkat_edisi(gaya: &[String]) -> Vec<GayaDaftar> {
    let own: Vec<GayaDaftar> = gaya.iter().filter_map(|g| gaya_dari(g)).collect();
    if own.is_empty() { GAYA_TINGKAT.to_vec() } else { own }
}

/// The style of nesting `level`; the last style repeats below the deepest level.
fn gaya_tingkat(styles: &[GayaDaftar], level: usize) -> GayaDaftar {
    styles[level.min(styles.len() - 1)]
}

fn gaya_dari(g: &str) -> Option<GayaDaftar> {
    Some(match g {
        "1." => GayaDaftar::Angka,
        "1)" => GayaDaftar::AngkaKurung,
        "a." => GayaDaftar::Huruf,
        "a)" => GayaDaftar::HurufKurung,
        "A." => GayaDaftar::HurufBesar,
        "i." => GayaDaftar::Romawi,
        "I." => GayaDaftar::RomawiBesar,
        _ => return None,
    })
}

/// One unit as a list item at `level`: its name, then one list at the next level holding its
/// tugas, its fungsi (a list one level deeper) and its sub-units (each numbered like the others).
fn unit_blocks(u: &crate::source::schema::Unit, level: usize, gaya: &[GayaDaftar]) -> Vec<Blok> {
    let mut parts = Vec::new();
    if !u.tugas.is_empty() {
        parts.push(vec![para("Tugas"), para(format!("{} mempunyai tugas {}.", u.nama, u.tugas.trim().trim_end_matches('.')))]);
    }
    if !u.fungsi.is_empty() {
        parts.push(vec![para("Fungsi"), fungsi_list(&u.fungsi, gaya_tingkat(gaya, level + 2))]);
    }
    for s in &u.subunit {
        parts.push(unit_blocks(s.get_ref(), level + 1, gaya));
    }
    let mut blocks = vec![Blok::Paragraf { isi: vec![bold(u.nama.clone())] }];
    if !parts.is_empty() {
        blocks.push(Blok::Daftar { gaya: gaya_tingkat(gaya, level + 1), mulai: 1, butir: parts });
    }
    blocks
}

fn tugas_fungsi(ed: &Edition, diags: &mut Diagnostics) -> Blok {
    let gaya = gaya_tingkat_edisi(&ed.meta.halaman.gaya_daftar);
    let mut butir = Vec::new();
    if let Some((file, o)) = ed.sources.organisasi.as_deref() {
        let mut names: BTreeMap<String, Loc> = BTreeMap::new();
        for u in &o.unit {
            let loc = file.loc_of(&u.span());
            let all = std::iter::once(u.get_ref()).chain(u.get_ref().subunit.iter().map(|s| s.get_ref()));
            for x in all {
                if x.fungsi.is_empty() && x.tugas.is_empty() {
                    diags.warning(loc.clone(), format!("unit '{}' tidak memiliki tugas maupun fungsi", x.nama));
                }
                if let Some(first) = names.get(&x.nama.to_lowercase()) {
                    diags.warning(loc.clone(), format!("unit '{}' tercantum dua kali (pertama di {first})", x.nama));
                } else {
                    names.insert(x.nama.to_lowercase(), loc.clone());
                }
            }
            butir.push(unit_blocks(u.get_ref(), 0, &gaya));
        }
    }
    Blok::Daftar { gaya: gaya_tingkat(&gaya, 0), mulai: 1, butir }
}

fn fungsi_dinas(ed: &Edition) -> Blok {
    let f = ed.sources.organisasi.as_deref().and_then(|(_, o)| o.dinas.as_ref()).map(|d| d.fungsi.clone()).unwrap_or_default();
    fungsi_list(&f, GayaDaftar::Huruf)
}

/// Replaces placement markers by their blocks, recursively.
fn resolve(blocks: Vec<Blok>, placed: &[Blok]) -> Vec<Blok> {
    blocks
        .into_iter()
        .map(|b| match b {
            Blok::Sisipan { indeks } => placed.get(indeks).cloned().unwrap_or(Blok::HalamanBaru),
            Blok::Daftar { gaya, mulai, butir } => Blok::Daftar { gaya, mulai, butir: butir.into_iter().map(|i| resolve(i, placed)).collect() },
            o => o,
        })
        .collect()
}

/// Builds the document: evaluates every chapter against the computed edition.
pub fn build(ed: &Edition, computed: &Computed, diags: &mut Diagnostics) -> Document {
    let tabel = tables_of(ed, computed, diags);
    let ctx = context_of(ed, computed);
    build_from(ed, Arc::new(computed.clone()), Arc::new(tabel), &ctx, diags)
}

/// [`build`] taking the computed tables (the document keeps them) instead of a copy of them.
pub fn build_owned(ed: &Edition, computed: Computed, diags: &mut Diagnostics) -> Document {
    // The context first (it reports nothing): converting a table for the templates holds its
    // JSON for a moment, which then does not add to the fitted tables' memory (at ×64, 12 MB
    // of `renja check`'s peak).
    let ctx = context_of(ed, &computed);
    let tabel = tables_of(ed, &computed, diags);
    build_from(ed, Arc::new(computed), Arc::new(tabel), &ctx, diags)
}

/// The placed tables with their column widths (the first part of [`build`]). They, and the
/// templates' context ([`context_of`]), depend only on the computed tables and the edition's
/// settings and data files, so a caller that keeps them (the incremental load) builds the
/// document again after a chapter edit with [`build_from`], giving the warnings they gave again
/// first, as [`build`] does.
pub fn tables_of(ed: &Edition, computed: &Computed, diags: &mut Diagnostics) -> Tabel {
    fit_tables(ed, computed, diags, None, true)
}

/// [`build_owned`] in steps, for a caller that only reports (`renja check`) and computes the
/// parts one at a time: [`CheckTables::fit`] after each part is computed, then
/// [`CheckTables::finish`] gives the same diagnostics, in the same order. Each placed table
/// drops its rows as soon as it is fitted (its unfit columns are reported at the end), so the
/// rows of every table are never held at once (at ×64, 19 MB of the check's peak); the rows of
/// Tabel 3.2 and 3.4 are measured one at a time as they are made, and never held at all; and a
/// computed part the chapters' templates do not name is dropped once its tables are fitted,
/// before the next part is computed, and of a part they name without its rows, the rows. The
/// document's tables have no rows and its computed data only what the templates name: it must
/// not be rendered.
pub struct CheckTables {
    /// The top-level names the templates use ([`named_in_templates`]).
    named: Option<std::collections::BTreeSet<String>>,
    /// The same with the attributes read from them.
    nested: Option<std::collections::BTreeSet<String>>,
    metrik: std::sync::OnceLock<widths::Metrik>,
    fitted: BTreeMap<String, (Arc<TabelTampil>, Vec<widths::TidakMuat>)>,
    /// The parts whose tables [`CheckTables::compute`] fitted as their rows were made.
    streamed: Vec<crate::compute::Part>,
}

impl CheckTables {
    /// Reads which computed parts the chapters of `ed` name, and which of their attributes.
    pub fn new(ed: &Edition) -> CheckTables {
        CheckTables { named: named_in_templates(ed), nested: names_in_templates(ed, true), metrik: std::sync::OnceLock::new(), fitted: BTreeMap::new(), streamed: Vec::new() }
    }

    /// Whether the check reads `key`'s rows after the part's tables are fitted: a template
    /// names the part and may read its rows.
    fn keeps_rows(&self, key: &str) -> bool {
        !self.named.as_ref().is_some_and(|n| !n.contains(key)) && self.rows_named(key)
    }

    /// Computes `part` of `ed` into `computed` ([`Computed::compute_part`]). Tabel 3.4, when
    /// no template reads its rows, is fitted as its rows are made, each measured and dropped:
    /// neither the computed part nor the table ever holds them (at ×64, 3.2 MB of the check's
    /// peak). The same values, diagnostics and fitted table; [`CheckTables::fit`] follows.
    pub fn compute(&mut self, part: crate::compute::Part, ed: &Edition, computed: &mut Computed, diags: &mut Diagnostics) {
        use crate::compute::{rencana, Part};
        if part != Part::Rencana || self.keeps_rows(context_key(part)) {
            computed.compute_part(part, ed, diags);
            return;
        }
        let metrik = self.metrik.get_or_init(|| widths::Metrik::new(&ed.meta.halaman.huruf));
        // The table without rows or totals (its kind), its head, and what its rows measured.
        let measuring: std::cell::RefCell<Option<(crate::compute::Rencana, TabelTampil, widths::Ukuran)>> = std::cell::RefCell::new(None);
        let start = |t: &crate::compute::Rencana, _: usize| {
            let head = tables::rencana_kepala(t);
            let u = widths::Ukuran::new(&head, metrik);
            *measuring.borrow_mut() = Some((t.clone(), head, u));
        };
        let each = |row: crate::compute::RencanaRow| {
            if let Some((t, _, u)) = measuring.borrow_mut().as_mut() {
                u.baris(&tables::rencana_baris(t, &row));
            }
        };
        let t = rencana::compute_each(ed, diags, start, each);
        if let (Some(t), Some((_, mut head, mut u))) = (&t, measuring.into_inner()) {
            u.baris(&tables::rencana_total(t));
            let lebar = widths::lebar_halaman(&ed.meta, head.orientasi);
            let problems = u.selesai(&mut head, lebar);
            self.fitted.insert(head.id.clone(), (Arc::new(head), problems));
        }
        computed.rencana = t.map(Arc::new);
        self.streamed.push(part);
    }

    /// Whether a template may read the rows (`baris`) of the part named `key`: it names the
    /// part whole (`{{ evaluasi | tojson }}`, `{% set e = evaluasi %}`), or its rows.
    fn rows_named(&self, key: &str) -> bool {
        let Some(nested) = &self.nested else { return true };
        let rows = format!("{key}.baris");
        nested.iter().any(|n| n == key || n.starts_with(&rows))
    }

    /// Fits the tables of `part` (for the page and fonts of `meta`), which `computed` holds now,
    /// and drops the part from `computed` if no template names it. A part's tables read only
    /// that part, not the edition's rows.
    pub fn fit(&mut self, meta: &Meta, part: crate::compute::Part, computed: &mut Computed) {
        if !self.streamed.contains(&part) {
            for (t, problems) in fit_part(meta, part, computed, &self.metrik, None, false) {
                self.fitted.insert(t.id.clone(), (t, problems));
            }
        }
        let key = context_key(part);
        if self.named.as_ref().is_some_and(|n| !n.contains(key)) {
            computed.drop_part(part);
        } else if !self.rows_named(key) {
            // The template context then holds the part's totals and statistics alone.
            computed.drop_rows_of(part);
        }
    }

    /// Reports the unfit columns and builds the document of `ed` (every part fitted).
    pub fn finish(self, ed: &Edition, computed: Computed, diags: &mut Diagnostics) -> Document {
        let tabel = report_fitted(ed, self.fitted, diags);
        let ctx = context(&ed.meta, &computed, &ed.sources.present, None, self.named.as_ref());
        build_from(ed, Arc::new(computed), Arc::new(tabel), &ctx, diags)
    }
}

/// The key of a computed part in the templates' context ([`context`]).
fn context_key(part: crate::compute::Part) -> &'static str {
    use crate::compute::Part;
    match part {
        Part::Evaluasi => "evaluasi",
        Part::TujuanSasaran => "tujuan_sasaran",
        Part::Rkpd => "rkpd",
        Part::Rencana => "rencana",
        Part::Usulan => "usulan",
    }
}

/// The placed tables, each shared: a table made from a computed part that an incremental load
/// kept is the same `Arc` in the next document.
pub type Tabel = BTreeMap<String, Arc<TabelTampil>>;

/// The fitted tables of each computed part ([`crate::compute::Part`], in `Part::ALL`'s order)
/// with the part they were made from and the columns that could not hold a word:
/// [`tables_reusing`] makes and fits again only the tables of a part that is not the very value
/// kept here (at ×16 making and fitting every table took 13–24 ms per pagu edit; now only Tabel
/// 3.4's). A part's value changes whenever its inputs, edisi.toml included, do.
#[derive(Default)]
pub struct FitParts([Option<FittedPart>; 5]);

/// One part's value and its fitted tables with their unfit columns.
type FittedPart = (Arc<dyn std::any::Any + Send + Sync>, Vec<(Arc<TabelTampil>, Vec<widths::TidakMuat>)>);

impl std::fmt::Debug for FitParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|p| p.as_ref().map(|(_, ts)| ts.iter().map(|(t, _)| t.id.as_str()).collect::<Vec<_>>()))).finish()
    }
}

/// [`tables_of`], keeping the fitted tables of `parts` whose computed part is the same value
/// (the incremental load keeps `parts` from one load to the next). The same tables and warnings.
pub fn tables_reusing(ed: &Edition, computed: &Computed, diags: &mut Diagnostics, parts: &mut FitParts) -> Tabel {
    fit_tables(ed, computed, diags, Some(parts), true)
}

/// Column widths and font size of every table from its cells ([`widths`]); a column that cannot
/// hold its widest word even at the smallest allowed size is a warning naming table and column
/// (in the order of the tables' ids). With `parts`, the tables of a part kept there are not made
/// or fitted again. Without `rows`, each table drops its rows once fitted ([`CheckTables`]).
fn fit_tables(ed: &Edition, computed: &Computed, diags: &mut Diagnostics, mut parts: Option<&mut FitParts>, rows: bool) -> Tabel {
    use crate::compute::Part;
    let metrik = std::sync::OnceLock::new();
    let mut tabel: BTreeMap<String, (Arc<TabelTampil>, Vec<widths::TidakMuat>)> = BTreeMap::new();
    for part in Part::ALL {
        for (t, problems) in fit_part(&ed.meta, part, computed, &metrik, parts.as_deref_mut(), rows) {
            tabel.insert(t.id.clone(), (t, problems));
        }
    }
    report_fitted(ed, tabel, diags)
}

/// The fitted tables of one computed part with their unfit columns: those kept in `parts` when
/// the part is the very value they were made from, else made and fitted (and kept there).
fn fit_part(
    meta: &Meta,
    part: crate::compute::Part,
    computed: &Computed,
    metrik: &std::sync::OnceLock<widths::Metrik>,
    mut parts: Option<&mut FitParts>,
    rows: bool,
) -> Vec<(Arc<TabelTampil>, Vec<widths::TidakMuat>)> {
    let i = crate::compute::Part::ALL.iter().position(|p| *p == part).expect("a part");
    let value = computed.part_ref(part);
    let kept = parts.as_deref_mut().and_then(|p| p.0[i].take()).filter(|(v, _)| value.as_ref().is_some_and(|value| std::ptr::addr_eq(Arc::as_ptr(v), Arc::as_ptr(value))));
    let fitted = match kept {
        Some((_, fitted)) => fitted,
        None => tables::of_part_rows(part, computed, meta)
            .into_iter()
            .map(|(mut t, more)| {
                let lebar = widths::lebar_halaman(meta, t.orientasi);
                let m = metrik.get_or_init(|| widths::Metrik::new(&meta.halaman.huruf));
                let problems = if rows {
                    t.baris.extend(more);
                    tables::resolve_alignment(&mut t);
                    widths::atur(&mut t, m, lebar)
                } else {
                    // Each row measured as it is made and dropped: the rows of Tabel 3.4 are
                    // never all held (at ×64, 4.4 MB of the check's peak).
                    let mut u = widths::Ukuran::new(&t, m);
                    for r in &t.baris {
                        u.baris(r);
                    }
                    for r in more {
                        u.baris(&r);
                    }
                    t.baris = Vec::new();
                    u.selesai(&mut t, lebar)
                };
                (Arc::new(t), problems)
            })
            .collect(),
    };
    if let (Some(parts), Some(value)) = (parts, value) {
        parts.0[i] = Some((value, fitted.clone()));
    }
    fitted
}

/// Reports the unfit columns of the fitted tables, in the order of their ids.
fn report_fitted(ed: &Edition, tabel: BTreeMap<String, (Arc<TabelTampil>, Vec<widths::TidakMuat>)>, diags: &mut Diagnostics) -> Tabel {
    tabel
        .into_iter()
        .map(|(id, (t, problems))| {
            report_unfit(ed, &t, &problems, diags);
            (id, t)
        })
        .collect()
}

/// The values the chapters' templates see (metadata and every computed table).
/// Holds only the computed tables the chapters name ([`named_in_templates`]).
pub fn context_of(ed: &Edition, computed: &Computed) -> minijinja::Value {
    context(&ed.meta, computed, &ed.sources.present, None, named_in_templates(ed).as_ref())
}

/// [`context_of`] for the tables `named` ([`named_in_templates`] of `ed`), reusing the values of
/// the computed parts that are the very values `parts` last made them from (the incremental load
/// keeps `parts` from one load to the next). The same context.
pub fn context_reusing(ed: &Edition, computed: &Computed, parts: &mut ContextParts, named: Option<&std::collections::BTreeSet<String>>) -> minijinja::Value {
    context(&ed.meta, computed, &ed.sources.present, Some(parts), named)
}

/// [`build`] with the tables [`tables_of`] made and the context [`context_of`] made.
pub fn build_from(ed: &Edition, computed: Arc<Computed>, tabel: Arc<Tabel>, ctx: &minijinja::Value, diags: &mut Diagnostics) -> Document {
    let meta = &ed.meta;
    // Tables a chapter may place: computed ones, and those whose file exists but failed to
    // parse (already reported there; no second error at the placement).
    let mut placeable: Vec<String> = tabel.keys().cloned().collect();
    for id in tables::IdTabel::ALL {
        if ed.sources.present.iter().any(|p| p == id.berkas()) && !placeable.iter().any(|x| x == id.as_str()) {
            placeable.push(id.as_str().to_string());
        }
    }
    let templates = Templates::new(meta.format.rupiah, placeable);
    let mut bab = Vec::new();
    let mut chapter_no = 0;
    let landasan_block = landasan(ed, diags);
    let tf_block = tugas_fungsi(ed, diags);
    let fd_block = fungsi_dinas(ed);
    // Chapters whose template failed (their tables count as placed: no second message), and
    // where each table was placed first.
    let mut failed_bodies: Vec<&str> = Vec::new();
    let mut first_placed: BTreeMap<String, Loc> = BTreeMap::new();
    for ch in &ed.chapters {
        check_placeholders(ch, diags);
        let before = templates.placements.lock().expect("placements").len();
        let rendered = match templates.render(&ch.file.name, &ch.body, ctx) {
            Ok(r) => r,
            Err((line, msg, detail)) => {
                let d = diags.error(Loc { file: ch.file.name.clone(), line: ch.body_line + line - 1, col: 1 }, msg);
                if let Some(detail) = detail {
                    d.with_detail(detail);
                }
                failed_bodies.push(&ch.body);
                continue;
            }
        };
        // A table placed a second time (anywhere) prints twice with two numbers: warn.
        let new: Vec<Placement> = templates.placements.lock().expect("placements")[before..].to_vec();
        let mut nth: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &new {
            let Placement::Tabel(id) = p else { continue };
            let k = nth.entry(id.as_str()).or_insert(0);
            let loc = placement_loc(ch, id, *k);
            *k += 1;
            match first_placed.get(id) {
                Some(first) => {
                    diags
                        .warning(loc, format!("tabel '{id}' disisipkan lebih dari sekali (pertama di {first}); tabel akan tercetak dua kali dengan dua nomor"))
                        .with_hint("sisipkan setiap tabel satu kali");
                }
                None => {
                    first_placed.insert(id.clone(), loc);
                }
            }
        }
        check_footnotes(ch, diags);
        let parsed = markdown::parse(&rendered);
        let baris: Vec<usize> = parsed.lines.iter().map(|l| ch.body_line + l).collect();
        for (line, msg) in parsed.problems {
            let line = ch.body_line + line;
            // The source text check may have reported the same line already, at its column.
            if diags.iter().any(|d| d.message == msg && d.loc.line == line && d.loc.file == ch.file.name) {
                continue;
            }
            diags.error(Loc { file: ch.file.name.clone(), line, col: 1 }, msg);
        }
        let placed: Vec<Blok> = templates
            .placements
            .lock()
            .expect("placements")
            .iter()
            .map(|p| match p {
                Placement::Tabel(id) => Blok::Tabel { id: id.clone() },
                Placement::LandasanHukum => landasan_block.clone(),
                Placement::FungsiDinas => fd_block.clone(),
                Placement::TugasFungsi => tf_block.clone(),
            })
            .collect();
        let mut blocks = resolve(parsed.blocks, &placed);
        let is_bab = ch.front.jenis == JenisBab::Bab;
        if is_bab {
            chapter_no += 1;
            if ch.front.penomoran {
                number_headings(&mut blocks, chapter_no);
            }
        }
        bab.push(Bab {
            jenis: ch.front.jenis,
            nomor: ch.front.nomor.clone(),
            label: if is_bab { format!("BAB {}", ch.front.nomor.clone().unwrap_or_default()) } else { String::new() },
            judul: ch.front.judul.clone(),
            blok: blocks,
            sumber: ch.file.name.to_string(),
            baris,
        });
    }
    // Every computed table should be placed somewhere; say so when one is not.
    for id in tabel.keys() {
        let placed = bab.iter().any(|b| contains_table(&b.blok, id));
        let in_failed = failed_bodies.iter().any(|body| body.contains(&format!("\"{id}\"")) || body.contains(&format!("'{id}'")));
        if !placed && !in_failed {
            if let Some(f) = table_source(ed, id) {
                diags.warning(f.start(), format!("tabel '{id}' memiliki data tetapi tidak disisipkan di bab mana pun; tulis {{{{ tabel(\"{id}\") }}}}"));
            }
        }
    }
    let s = &meta.penandatangan;
    let (y, mo, d) = meta.tanggal;
    let pangkat = match (&s.pangkat, &s.golongan) {
        (Some(p), Some(g)) => Some(format!("{p} ({g})")),
        (Some(p), None) => Some(p.clone()),
        (None, Some(g)) => Some(g.clone()),
        (None, None) => None,
    };
    let title = doc_title(meta);
    let jenis_line = match meta.jenis {
        JenisEdisi::Murni => "RENCANA KERJA (RENJA)".to_string(),
        JenisEdisi::Perubahan => "PERUBAHAN RENJA".to_string(),
    };
    let mut baris_judul = vec!["DOKUMEN".to_string()];
    if let Some(t) = &meta.tahap {
        baris_judul.push(t.to_uppercase());
    }
    baris_judul.push(jenis_line);
    baris_judul.push(format!("TAHUN {}", meta.tahun));
    Document {
        renja_versi: env!("CARGO_PKG_VERSION"),
        metadata: Metadata {
            judul: title.clone(),
            subjek: format!("Rencana Kerja Perangkat Daerah Tahun {}", meta.tahun),
            penulis: format!("{} {}", meta.opd.nama, region_name(meta)),
            kata_kunci: vec!["Renja".into(), format!("{}", meta.tahun), meta.opd.nama.clone(), region_name(meta)],
            bahasa: "id",
            waktu_terbit: meta.waktu_terbit.clone(),
            slug: slug(meta),
        },
        edisi: meta.clone(),
        tata: TataLetak::of(meta),
        sampul: Sampul {
            baris_judul,
            pemerintah: format!("PEMERINTAH {}", region_name(meta).to_uppercase()),
            opd: meta.opd.nama.to_uppercase(),
            tahun: meta.tahun,
            draf: true,
            logo: meta.opd.logo.as_ref().map(|l| l.get_ref().clone()),
        },
        bab,
        tabel,
        pengesahan: Pengesahan {
            tempat_tanggal: format!("{}, {}", meta.tempat, format::tanggal(y, mo, d)),
            jabatan: s.jabatan.clone(),
            nama: s.nama.clone(),
            pangkat,
            nip: format!("NIP {}", format::nip(&s.nip)),
            tte_lebar_mm: TTE_LEBAR_MM,
            tte_tinggi_mm: TTE_TINGGI_MM,
            gambar_ttd: s.gambar_ttd.clone(),
            stempel: s.stempel.clone(),
        },
        data: computed,
    }
}

/// Where the `k`-th (0-based) `tabel("id")` of a chapter is written; the chapter's first body
/// line if the call is not written literally.
fn placement_loc(ch: &crate::source::ChapterSource, id: &str, k: usize) -> Loc {
    let mut hits: Vec<usize> = Vec::new();
    for q in ["\"", "'"] {
        hits.extend(ch.body.match_indices(&format!("{q}{id}{q}")).map(|(i, _)| i));
    }
    hits.sort_unstable();
    match hits.get(k) {
        Some(&off) => {
            let line = ch.body[..off].matches('\n').count();
            let start = ch.body[..off].rfind('\n').map_or(0, |p| p + 1);
            Loc { file: ch.file.name.clone(), line: ch.body_line + line, col: ch.body[start..off].chars().count() + 1 }
        }
        None => Loc { file: ch.file.name.clone(), line: ch.body_line, col: 1 },
    }
}

/// The warnings for a table's columns that cannot hold a word ([`widths::atur`]).
fn report_unfit(ed: &Edition, t: &TabelTampil, problems: &[widths::TidakMuat], diags: &mut Diagnostics) {
    for p in problems {
        let loc = table_source(ed, &t.id).map(|f| f.start()).unwrap_or_else(|| Loc { file: "edisi.toml".into(), line: 1, col: 1 });
        diags
            .warning(
                loc,
                format!(
                    "tata letak Tabel {}: kolom {} ('{}') tidak cukup lebar untuk kata '{}' bahkan dengan huruf {} pt; kata dipenggal",
                    t.nomor,
                    p.kolom,
                    p.judul,
                    p.kata.replace(widths::ZWSP, ""),
                    t.ukuran_huruf
                ),
            )
            .with_hint("kurangi kolom tabel, pakai kertas lanskap yang lebih lebar, atau perpendek kata itu");
    }
}

fn contains_table(blocks: &[Blok], id: &str) -> bool {
    blocks.iter().any(|b| match b {
        Blok::Tabel { id: x } => x == id,
        Blok::Daftar { butir, .. } => butir.iter().any(|i| contains_table(i, id)),
        _ => false,
    })
}

/// The data file behind a placed table.
fn table_source<'a>(ed: &'a Edition, id: &str) -> Option<&'a crate::diag::SourceFile> {
    use tables::IdTabel;
    let s = ed.sources;
    match IdTabel::parse(id)? {
        IdTabel::Evaluasi => s.evaluasi.as_deref().map(|(f, _)| f),
        IdTabel::Kinerja | IdTabel::Rumusan => s.tujuan_sasaran.as_deref().map(|(f, _)| f),
        IdTabel::Rkpd => s.rkpd.as_deref().map(|(f, _)| f),
        IdTabel::Rencana => s.rencana.as_deref().map(|(f, _)| f),
        IdTabel::Usulan => s.usulan.as_deref().map(|(f, _)| f),
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders_in;

    #[test]
    fn placeholders_are_found_at_their_place_in_the_line_itself() {
        let mut c = false;
        // Non-ASCII text before a comment: the lowercased, comment-free copy's offsets used to
        // slice the line inside "é" (a panic).
        assert_eq!(placeholders_in("é <!-- catatan --> xxx", &mut c), vec![(20, "xxx")]);
        // A letter whose lowercase is longer ("İ" → "i̇") before the placeholder.
        assert_eq!(placeholders_in("İİ (Nama OPD)", &mut c), vec![(5, "(nama opd)")]);
        // Inside a comment, also one opened on an earlier line.
        assert_eq!(placeholders_in("teks <!-- xxx", &mut c), vec![]);
        assert!(c);
        assert_eq!(placeholders_in("xxx --> lalu XXX", &mut c), vec![(13, "xxx")]);
        assert!(!c);
        assert_eq!(placeholders_in("ééé", &mut c), vec![]);
    }
}
