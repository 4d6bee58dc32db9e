//! Column widths from what the cells hold, computed once in the document stage and carried in
//! the model ([`Kolom::lebar`], in points, summing to the usable width of the table's page), so
//! the typst layout and the DOCX writer draw the same columns.
//!
//! Each column needs at least its widest unbreakable piece of text (a word, or the part of a
//! compound up to a "/" or "-" after which a line may break) and would like its natural width
//! (the longest line unbroken). Widths are measured with the real metrics of the fonts in
//! `fonts/` (Liberation, read with `ttf-parser`, the parser typst itself uses). When the pieces
//! do not fit the page at the table's font size, the font shrinks within [`RENTANG_HURUF`]; when
//! they still do not fit, a warning names the table and the column, and that column's long words
//! get break opportunities (U+200B) so nothing is printed over a border.
//! Works for any table spec: it reads only columns, header rows and cells.

use super::tables::{BarisTampil, Kolom, Orientasi, Sel, TabelTampil};
use crate::model::Meta;

/// The font files the document uses (OFL, from `fonts/`), compiled in so the document stage
/// stays pure; the DOCX writer embeds the same bytes.
pub mod huruf {
    pub const SANS_REGULAR: &[u8] = include_bytes!("../../../../fonts/LiberationSans-Regular.ttf");
    pub const SANS_BOLD: &[u8] = include_bytes!("../../../../fonts/LiberationSans-Bold.ttf");
    pub const SANS_ITALIC: &[u8] = include_bytes!("../../../../fonts/LiberationSans-Italic.ttf");
    pub const SANS_BOLD_ITALIC: &[u8] = include_bytes!("../../../../fonts/LiberationSans-BoldItalic.ttf");
    pub const SERIF_REGULAR: &[u8] = include_bytes!("../../../../fonts/LiberationSerif-Regular.ttf");
    pub const SERIF_BOLD: &[u8] = include_bytes!("../../../../fonts/LiberationSerif-Bold.ttf");
    pub const SERIF_ITALIC: &[u8] = include_bytes!("../../../../fonts/LiberationSerif-Italic.ttf");
    pub const SERIF_BOLD_ITALIC: &[u8] = include_bytes!("../../../../fonts/LiberationSerif-BoldItalic.ttf");

    /// Whether the edition's font family (`[halaman] huruf`) is the serif one.
    pub fn is_serif(family: &str) -> bool {
        let f = family.to_lowercase();
        f.contains("serif") && !f.contains("sans") || f.contains("times")
    }

    /// (regular, bold, italic, bold italic) of the family.
    pub fn family(family: &str) -> [&'static [u8]; 4] {
        if is_serif(family) {
            [SERIF_REGULAR, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC]
        } else {
            [SANS_REGULAR, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC]
        }
    }
}

/// How far a table's font may shrink before its columns give: from the spec's own size down to
/// this fraction of it, never below [`HURUF_TERKECIL_PT`].
pub const RENTANG_HURUF: f64 = 0.8;
pub const HURUF_TERKECIL_PT: f64 = 5.5;

/// Cell padding each side both renderers use (typst `inset`, DOCX cell margins in twips), as
/// a table's [`TabelTampil::inset_pt`]. A table whose words do not fit at the smallest font
/// size narrows it, down to [`INSET_TERKECIL_PT`], before any word is broken.
pub const INSET_PT: f64 = 3.0;
pub const INSET_TERKECIL_PT: f64 = 1.5;

/// The 0.5 pt rule and 1 pt of safety for kerning and rounding, added to each column.
const GARIS_PT: f64 = 0.5 + 1.0;

/// What a column adds to its text's width with `inset` each side.
pub fn padding(inset: f64) -> f64 {
    2.0 * inset + GARIS_PT
}

/// With the default inset (tests and callers that measure a cell).
pub const PADDING_PT: f64 = 2.0 * INSET_PT + GARIS_PT;

/// Zero-width space: a break opportunity that prints nothing, in typst, Word and LibreOffice.
pub const ZWSP: char = '\u{200B}';

/// Advance widths of a regular and a bold face.
pub struct Metrik {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
    /// The advance at 1 pt of every character below [`Metrik::TABEL`], regular and bold: a
    /// large edition measures millions of characters, and the font's character map lookup
    /// was a tenth of a data edit's time in the live preview.
    tabel: [Box<[f64]>; 2],
}

impl Metrik {
    /// Characters below this are looked up in a table (Latin, Latin-1, Latin Extended-A/B).
    const TABEL: u32 = 0x250;

    pub fn new(family: &str) -> Metrik {
        let [r, b, _, _] = huruf::family(family);
        let regular = ttf_parser::Face::parse(r, 0).expect("bundled font parses");
        let bold = ttf_parser::Face::parse(b, 0).expect("bundled font parses");
        let tabel = [&regular, &bold].map(|face| (0..Self::TABEL).map(|c| char::from_u32(c).map_or(0.0, |c| Self::advance(face, c))).collect());
        Metrik { regular, bold, tabel }
    }

    /// The advance of `c` at 1 pt in `face` ('n''s for a character the face lacks).
    fn advance(face: &ttf_parser::Face<'_>, c: char) -> f64 {
        let upm = face.units_per_em() as f64;
        let g = face.glyph_index(c).or_else(|| face.glyph_index('n'));
        g.and_then(|g| face.glyph_hor_advance(g)).unwrap_or(0) as f64 / upm
    }

    /// Width of `s` at 1 pt (points per point of font size).
    pub fn lebar(&self, s: &str, bold: bool) -> f64 {
        let (face, tabel) = if bold { (&self.bold, &self.tabel[1]) } else { (&self.regular, &self.tabel[0]) };
        s.chars()
            .filter(|&c| c != ZWSP && c != '\u{AD}')
            .map(|c| match tabel.get(c as usize) {
                Some(&w) => w,
                None => Self::advance(face, c),
            })
            .sum()
    }
}

/// Whether a line may break after `c` when `next` follows: after "/" and "-" before a letter or
/// "(" (the Unicode line-breaking rules typst and LibreOffice follow for these), and at U+200B.
fn putus_setelah(c: char, next: Option<char>) -> bool {
    match c {
        '/' | '-' => next.is_some_and(|n| n.is_alphabetic() || n == '('),
        ZWSP => true,
        _ => false,
    }
}

/// The pieces of `s` no renderer breaks: words, split after "/" and "-" (and U+200B) where a
/// letter follows, as the Unicode line-breaking rules typst and LibreOffice follow allow.
pub fn potongan(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    each_potongan(s, |p| out.push(p));
    out
}

/// Calls `f` with each of [`potongan`]'s pieces of `s`, in order, without collecting them (a
/// large table measures tens of thousands of cells after every data edit).
fn each_potongan<'a>(s: &'a str, mut f: impl FnMut(&'a str)) {
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        let mut start = 0;
        let mut chars = word.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if putus_setelah(c, chars.peek().map(|x| x.1)) {
                let end = at + c.len_utf8();
                f(&word[start..end]);
                start = end;
            }
        }
        if start < word.len() {
            f(&word[start..]);
        }
    }
}

/// `s` with a U+200B after every "/" and "-" where [`potongan`] lets a line break, for renderers
/// that do not break there themselves (Word and LibreOffice keep "Bulan/semesteran" whole and
/// then break it mid-word), so every renderer breaks where the widths assumed.
pub fn putus_eksplisit(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['/', '-']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        out.push(c);
        if c != ZWSP && putus_setelah(c, it.peek().copied()) {
            out.push(ZWSP);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What a column needs, at 1 pt of font size: the widest unbreakable piece and the natural width.
#[derive(Debug, Clone, Copy, Default)]
struct Kebutuhan {
    min: f64,
    alami: f64,
}

/// Text widths of one cell at 1 pt: (widest piece, longest line).
fn ukur(m: &Metrik, teks: &str, bold: bool) -> Kebutuhan {
    let mut min = 0.0;
    each_potongan(teks, |p| min = f64::max(min, m.lebar(p, bold)));
    let alami = teks.lines().map(|l| m.lebar(l.trim(), bold)).fold(0.0, f64::max);
    Kebutuhan { min, alami }
}

fn ukur_sel(m: &Metrik, c: &Sel, bold: bool) -> Kebutuhan {
    match &c.pecahan {
        Some(p) => {
            let a = ukur(m, &p.pembilang, bold);
            let b = ukur(m, &p.penyebut, bold);
            let x = p.pengali.as_ref().map(|x| m.lebar(&format!("× {x}"), bold) + 0.5).unwrap_or(0.0);
            Kebutuhan { min: a.min.max(b.min) + x, alami: a.alami.max(b.alami) + x }
        }
        None => ukur(m, &c.teks, bold),
    }
}

/// Every cell of a row with its start column, given the columns still covered by row spans
/// from rows above (updated for the next row).
fn start_columns(spans: &[(u32, u32)], covered: &mut [u32]) -> Vec<usize> {
    let n = covered.len();
    let mut out = Vec::with_capacity(spans.len());
    let mut x = 0usize;
    for &(kolom, baris) in spans {
        while x < n && covered[x] > 0 {
            x += 1;
        }
        if x >= n {
            break;
        }
        out.push(x);
        for c in covered.iter_mut().skip(x).take(kolom.max(1) as usize) {
            *c = baris.max(1);
        }
        x += kolom.max(1) as usize;
    }
    for c in covered.iter_mut() {
        *c = c.saturating_sub(1);
    }
    out
}

/// The width available to a table on its page, in points.
pub fn lebar_halaman(meta: &Meta, orientasi: Orientasi) -> f64 {
    super::TataLetak::of(meta).lebar_pt(orientasi == Orientasi::Lanskap)
}

/// A column that cannot hold its widest word even at the smallest font size.
#[derive(Debug, Clone, PartialEq)]
pub struct TidakMuat {
    /// 1-based column number, as printed in the column-number row.
    pub kolom: usize,
    /// The header text over the column (its lowest header cell).
    pub judul: String,
    /// The word that does not fit.
    pub kata: String,
}

/// Gives the table its column widths (points, summing to `lebar`) and font size, from its cells.
/// Returns the columns whose words could not fit even at the smallest allowed size.
pub fn atur(t: &mut TabelTampil, m: &Metrik, lebar: f64) -> Vec<TidakMuat> {
    let mut u = Ukuran::new(t, m);
    for row in &t.baris {
        u.baris(row);
    }
    u.selesai(t, lebar)
}

/// What the columns of a table need, measured row by row: [`atur`] in steps, for a caller that
/// makes the body rows one at a time and keeps none (`renja check`). The same widths and
/// problems as [`atur`] over the same rows; the rows' long words are not marked for breaking.
pub struct Ukuran<'m> {
    m: &'m Metrik,
    need: Vec<Kebutuhan>,
    /// (start column, span, needs) of cells spanning several columns, settled after the others.
    multi: Vec<(usize, usize, Kebutuhan)>,
    /// Widest piece per column with its text, for the warning.
    widest: Vec<(f64, String)>,
    /// Body rows still covered by a rowspan from above, per column.
    covered: Vec<u32>,
    header_bottom: Vec<String>,
}

impl<'m> Ukuran<'m> {
    /// Measures the header of `t` (and its column-number row); its body rows are not read.
    pub fn new(t: &TabelTampil, m: &'m Metrik) -> Ukuran<'m> {
        let n = t.kolom.len();
        let mut u = Ukuran { m, need: vec![Kebutuhan::default(); n], multi: Vec::new(), widest: vec![(0.0, String::new()); n], covered: vec![0u32; n], header_bottom: vec![String::new(); n] };
        let mut covered = vec![0u32; n];
        for row in &t.kepala {
            let spans: Vec<(u32, u32)> = row.iter().map(|c| (c.kolom, c.baris)).collect();
            for (c, x) in row.iter().zip(start_columns(&spans, &mut covered)) {
                let k = ukur(m, &c.teks, true);
                u.note(x, c.kolom.max(1) as usize, k, &c.teks, true);
                if c.kolom <= 1 {
                    u.header_bottom[x] = c.teks.clone();
                }
            }
        }
        if t.nomor_kolom {
            for (i, nd) in u.need.iter_mut().enumerate() {
                let w = m.lebar(&(i + 1).to_string(), false) * 0.9;
                nd.min = nd.min.max(w);
                nd.alami = nd.alami.max(w);
            }
        }
        u
    }

    fn note(&mut self, x: usize, span: usize, k: Kebutuhan, teks: &str, bold: bool) {
        let n = self.need.len();
        if span == 1 {
            self.need[x].min = self.need[x].min.max(k.min);
            self.need[x].alami = self.need[x].alami.max(k.alami);
            if k.min > self.widest[x].0 {
                let m = self.m;
                let p = potongan(teks).into_iter().max_by(|a, b| m.lebar(a, bold).total_cmp(&m.lebar(b, bold))).unwrap_or_default();
                self.widest[x] = (k.min, p.to_string());
            }
        } else {
            self.multi.push((x, span.min(n - x), k));
        }
    }

    /// Measures the next body row.
    pub fn baris(&mut self, row: &BarisTampil) {
        if self.need.is_empty() {
            return;
        }
        let spans: Vec<(u32, u32)> = row.sel.iter().map(|c| (c.kolom, c.baris)).collect();
        let starts = start_columns(&spans, &mut self.covered);
        for (c, x) in row.sel.iter().zip(starts) {
            let k = ukur_sel(self.m, c, row.tebal);
            self.note(x, c.kolom.max(1) as usize, k, &c.teks, row.tebal);
        }
    }

    /// Gives `t` (the table measured) its column widths, font size and cell padding; marks the
    /// long words of the rows `t` holds for breaking. Returns the columns that cannot fit.
    pub fn selesai(self, t: &mut TabelTampil, lebar: f64) -> Vec<TidakMuat> {
        let n = t.kolom.len();
        if n == 0 {
            return Vec::new();
        }
        let Ukuran { m, mut need, multi, widest, header_bottom, .. } = self;
        // Spanning cells: spread what their columns lack evenly over them.
        for (x, span, k) in multi {
            let have_min: f64 = need[x..x + span].iter().map(|k| k.min).sum();
            let have_nat: f64 = need[x..x + span].iter().map(|k| k.alami).sum();
            if k.min > have_min {
                let add = (k.min - have_min) / span as f64;
                need[x..x + span].iter_mut().for_each(|c| c.min += add);
            }
            if k.alami > have_nat {
                let add = (k.alami - have_nat) / span as f64;
                need[x..x + span].iter_mut().for_each(|c| c.alami += add);
            }
        }
        for k in need.iter_mut() {
            k.alami = k.alami.max(k.min);
        }

        // The font size: the spec's, or smaller within the range until the widest pieces fit;
        // at the smallest size the cells' padding narrows (to no less than INSET_TERKECIL_PT).
        let sum_min: f64 = need.iter().map(|k| k.min).sum();
        let max = t.ukuran_huruf;
        let floor = (max * RENTANG_HURUF).max(HURUF_TERKECIL_PT).min(max);
        let floor = (floor * 2.0).ceil() / 2.0;
        let fits_at = if sum_min > 0.0 { (lebar - padding(INSET_PT) * n as f64) / sum_min } else { max };
        // Half points: Word's font sizes are whole half points, so both outputs use the same size.
        let size = ((fits_at.min(max) * 2.0).floor() / 2.0).max(floor);
        let inset = if fits_at >= floor {
            INSET_PT
        } else {
            // The inset (in quarter points) that lets the widest pieces fit at `size`.
            let room = (lebar - sum_min * size) / n as f64 - GARIS_PT;
            ((room / 2.0 * 4.0).floor() / 4.0).clamp(INSET_TERKECIL_PT, INSET_PT)
        };
        t.ukuran_huruf = size;
        t.inset_pt = inset;
        let pad = padding(inset);

        let min: Vec<f64> = need.iter().map(|k| k.min * size + pad).collect();
        let nat: Vec<f64> = need.iter().map(|k| k.alami * size + pad).collect();
        let sum_min: f64 = min.iter().sum();
        let sum_nat: f64 = nat.iter().sum();
        let mut problems = Vec::new();
        let widths: Vec<f64> = if sum_min > lebar {
            // Still too wide: name every column whose widest word is what overflows, and share the
            // page in proportion to the needs (the renderers break those words where marked).
            let scale = lebar / sum_min;
            for (i, w) in min.iter().enumerate() {
                if w * scale < widest[i].0 * size + pad - 0.01 && !widest[i].1.is_empty() {
                    problems.push(TidakMuat { kolom: i + 1, judul: header_bottom[i].clone(), kata: widest[i].1.clone() });
                }
            }
            min.iter().map(|w| w * scale).collect()
        } else if sum_nat <= lebar {
            // Everything fits unbroken: share the rest in proportion to the natural widths.
            let extra = lebar - sum_nat;
            nat.iter().map(|w| w + extra * w / sum_nat).collect()
        } else {
            // Between: every column its widest piece, the rest towards the natural widths.
            let extra = lebar - sum_min;
            let want: f64 = sum_nat - sum_min;
            min.iter().zip(&nat).map(|(a, b)| a + extra * (b - a) / want).collect()
        };
        for (k, w) in t.kolom.iter_mut().zip(widths) {
            k.lebar = (w * 100.0).round() / 100.0;
        }
        if !problems.is_empty() {
            break_long_words(t, m, &problems);
        }
        problems
    }
}

/// Marks break opportunities (U+200B) inside the words that cannot fit their column, every
/// few letters, so a renderer wraps them instead of printing over the border.
fn break_long_words(t: &mut TabelTampil, m: &Metrik, problems: &[TidakMuat]) {
    let n = t.kolom.len();
    let size = t.ukuran_huruf;
    let pad = padding(t.inset_pt);
    let room: Vec<f64> = t.kolom.iter().map(|k: &Kolom| ((k.lebar - pad) / size).max(0.5)).collect();
    let cols: Vec<usize> = problems.iter().map(|p| p.kolom - 1).collect();
    let mut covered = vec![0u32; n];
    for row in &mut t.baris {
        let spans: Vec<(u32, u32)> = row.sel.iter().map(|c| (c.kolom, c.baris)).collect();
        let starts = start_columns(&spans, &mut covered);
        let bold = row.tebal;
        for (c, x) in row.sel.iter_mut().zip(starts) {
            if c.kolom == 1 && cols.contains(&x) && c.pecahan.is_none() {
                c.teks = split_to(&c.teks, m, bold, room[x]);
            }
        }
    }
}

/// `s` with U+200B inserted in every piece wider than `room` (at 1 pt).
fn split_to(s: &str, m: &Metrik, bold: bool, room: f64) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut line = 0.0;
    for c in s.chars() {
        if c.is_whitespace() || c == '/' || c == '-' {
            line = 0.0;
            out.push(c);
            continue;
        }
        let w = m.lebar(c.encode_utf8(&mut [0; 4]), bold);
        if line + w > room && line > 0.0 {
            out.push(ZWSP);
            line = 0.0;
        }
        line += w;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tables::{BarisTampil, GayaBaris, Rata, SelKepala};

    #[test]
    fn pieces_break_after_slash_and_hyphen_before_letters() {
        assert_eq!(potongan("Tolok/Ukur anti-korupsi 2022-2026"), vec!["Tolok/", "Ukur", "anti-", "korupsi", "2022-2026"]);
        assert_eq!(potongan("Bertambah/ (Berkurang)"), vec!["Bertambah/", "(Berkurang)"]);
        assert_eq!(potongan(""), Vec::<&str>::new());
    }

    #[test]
    fn widths_are_real_metrics() {
        let m = Metrik::new("Liberation Sans");
        // Arial/Liberation Sans: "i" is 0.222 em, "m" 0.833 em, bold wider than regular.
        assert!((m.lebar("i", false) - 0.2222).abs() < 0.001, "{}", m.lebar("i", false));
        assert!((m.lebar("m", false) - 0.8330).abs() < 0.001);
        assert!(m.lebar("Perusahaan", true) > m.lebar("Perusahaan", false));
        let serif = Metrik::new("Liberation Serif");
        assert!(serif.lebar("Perusahaan", false) < m.lebar("Perusahaan", false));
    }

    fn table(cells: Vec<Vec<&str>>, size: f64) -> TabelTampil {
        let n = cells[0].len();
        TabelTampil {
            id: "x".into(),
            nomor: "9.9".into(),
            judul: "Uji".into(),
            orientasi: Orientasi::Potret,
            ukuran_huruf: size,
            kolom: (0..n).map(|_| Kolom { lebar: 1.0, rata: Rata::Kiri }).collect(),
            kepala: vec![(0..n).map(|i| SelKepala { teks: format!("K{i}"), kolom: 1, baris: 1 }).collect()],
            nomor_kolom: true,
            inset_pt: INSET_PT,
            baris: cells.into_iter().map(|r| BarisTampil { gaya: GayaBaris::SubKegiatan, tebal: false, sel: r.into_iter().map(Sel::new).collect() }).collect(),
        }
    }

    #[test]
    fn every_column_gets_its_widest_word_and_the_page_is_filled() {
        let m = Metrik::new("Liberation Sans");
        let mut t = table(vec![vec!["1", "Peningkatan Kapasitas Perusahaan semesteran", "x"], vec!["2", "a", "Lowongan"]], 8.0);
        let problems = atur(&mut t, &m, 300.0);
        assert!(problems.is_empty());
        assert_eq!(t.ukuran_huruf, 8.0);
        let sum: f64 = t.kolom.iter().map(|k| k.lebar).sum();
        assert!((sum - 300.0).abs() < 0.1, "{sum}");
        assert!(t.kolom[1].lebar >= m.lebar("Perusahaan", false) * 8.0 + PADDING_PT);
        assert!(t.kolom[2].lebar >= m.lebar("Lowongan", false) * 8.0 + PADDING_PT);
        // The long text column gets most of the room.
        assert!(t.kolom[1].lebar > t.kolom[0].lebar && t.kolom[1].lebar > t.kolom[2].lebar);
    }

    #[test]
    fn font_shrinks_before_anything_gives_then_a_column_is_named() {
        let m = Metrik::new("Liberation Sans");
        let words = vec!["Ketenagakerjaan"; 8];
        // Wide enough at 8 pt: no change.
        let need8: f64 = 8.0 * (m.lebar("Ketenagakerjaan", false) * 8.0 + PADDING_PT);
        let mut t = table(vec![words.clone()], 8.0);
        assert!(atur(&mut t, &m, need8 + 1.0).is_empty());
        assert_eq!(t.ukuran_huruf, 8.0);
        // A little narrower: the font shrinks (to a half point), nothing is reported.
        let mut t = table(vec![words.clone()], 8.0);
        assert!(atur(&mut t, &m, need8 * 0.9).is_empty());
        assert!(t.ukuran_huruf < 8.0 && t.ukuran_huruf >= 8.0 * RENTANG_HURUF, "{}", t.ukuran_huruf);
        for k in &t.kolom {
            assert!(k.lebar >= m.lebar("Ketenagakerjaan", false) * t.ukuran_huruf + PADDING_PT - 0.01);
        }
        // Far too narrow: every column is named and its words get break opportunities.
        let mut t = table(vec![words], 8.0);
        let p = atur(&mut t, &m, need8 * 0.4);
        assert_eq!(p.len(), 8);
        assert_eq!(p[0], TidakMuat { kolom: 1, judul: "K0".into(), kata: "Ketenagakerjaan".into() });
        assert_eq!(t.ukuran_huruf, 6.5);
        assert!(t.baris[0].sel[0].teks.contains(ZWSP));
    }

    #[test]
    fn measured_row_by_row_the_same_widths_and_problems() {
        // Ukuran (renja check: rows measured as made, none kept) against atur over the same rows,
        // with a spanning cell, a row-spanning one, and a width that fits, shrinks and fails.
        let m = Metrik::new("Liberation Sans");
        let rows = || {
            let mut t = table(vec![vec!["1", "Peningkatan Kapasitas", "Ketenagakerjaan"], vec!["2", "a", "Lowongan"], vec!["3", "b", "c"]], 8.0);
            t.baris[1].sel[0] = Sel { kolom: 2, ..Sel::new("Penyelenggaraan") };
            t.baris[1].sel.pop();
            t.baris[0].sel[2].baris = 2;
            t
        };
        for lebar in [400.0, 150.0, 40.0] {
            let mut whole = rows();
            let want = atur(&mut whole, &m, lebar);
            let mut head = rows();
            let body = std::mem::take(&mut head.baris);
            let mut u = Ukuran::new(&head, &m);
            for r in &body {
                u.baris(r);
            }
            let got = u.selesai(&mut head, lebar);
            assert_eq!(got, want, "{lebar}");
            assert_eq!(want.is_empty(), lebar > 100.0, "{lebar}: {want:?}");
            assert_eq!((head.ukuran_huruf, head.inset_pt), (whole.ukuran_huruf, whole.inset_pt), "{lebar}");
            assert_eq!(head.kolom.iter().map(|k| k.lebar).collect::<Vec<_>>(), whole.kolom.iter().map(|k| k.lebar).collect::<Vec<_>>(), "{lebar}");
        }
    }

    #[test]
    fn spanning_and_row_spanning_cells_find_their_columns() {
        let mut covered = vec![0u32; 4];
        assert_eq!(start_columns(&[(1, 2), (2, 1), (1, 1)], &mut covered), vec![0, 1, 3]);
        assert_eq!(start_columns(&[(1, 1), (1, 1), (1, 1)], &mut covered), vec![1, 2, 3]);
        assert_eq!(start_columns(&[(4, 1)], &mut covered), vec![0]);
    }

    #[test]
    fn explicit_breaks_follow_the_pieces() {
        assert_eq!(putus_eksplisit("12 Bulan/semesteran /Tahun"), "12 Bulan/\u{200B}semesteran /\u{200B}Tahun");
        assert_eq!(putus_eksplisit("Kesejahteraan-Ketenagakerjaan"), "Kesejahteraan-\u{200B}Ketenagakerjaan");
        // Numbers and a lone slash keep their form: no break where potongan sees none.
        assert_eq!(putus_eksplisit("1/2 - 3"), "1/2 - 3");
        assert!(matches!(putus_eksplisit("Dokumen"), std::borrow::Cow::Borrowed(_)));
        let s = "Bertambah/(Berkurang)";
        assert_eq!(potongan(s).len(), putus_eksplisit(s).matches('\u{200B}').count() + 1);
    }

}
