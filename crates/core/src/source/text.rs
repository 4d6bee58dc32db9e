//! Limits on the text an author writes, checked while reading so that `check` refuses what the
//! layout or PDF/A cannot hold: control characters (U+0000 and the like, which PDF/A text
//! cannot carry), renja's own placement marker, unbroken runs of characters longer than a line
//! can ever hold (a PDF/A string holds at most 32 767 bytes), and over-long single values (a
//! name ends up in the document title and the bookmarks, which are PDF strings too).

/// The longest run of characters without white space (a "word"). No Indonesian word or
/// realistic URL comes near; the PDF/A string limit is reached at about 16 000 glyphs.
pub const MAX_WORD: usize = 1000;

/// The longest single TOML text value, in UTF-16 code units (how a PDF text string counts):
/// the document title joins two of them and must stay under 32 767 bytes.
pub const MAX_VALUE: usize = 4000;

/// A character an author may not write: C0 and C1 control characters other than tab, line feed
/// and carriage return, renja's placement marker U+FFFC, and the non-characters U+FFFE/U+FFFF.
pub fn forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFC}' | '\u{FFFE}' | '\u{FFFF}') || private_use(c)
}

/// Unicode private-use code points, which PDF/A forbids in text.
fn private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
}

/// The characters the document's fonts (every font in `fonts/`, as typst falls back among them)
/// can draw. PDF/A refuses text drawn with a missing glyph.
pub struct Glyphs {
    families: Vec<String>,
    coverage: Vec<typst::text::Coverage>,
    cache: std::cell::RefCell<std::collections::HashMap<char, bool>>,
}

impl Glyphs {
    /// Reads the fonts in `dir`; `None` when there are none (the build reports that).
    pub fn load(dir: &std::path::Path) -> Option<Glyphs> {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        let (mut families, mut coverage) = (Vec::new(), Vec::new());
        for p in paths {
            let ext = p.extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
            if !matches!(ext.as_deref(), Some("ttf" | "otf" | "ttc")) {
                continue;
            }
            let Ok(data) = std::fs::read(&p) else { continue };
            for info in typst::text::FontInfo::iter(&data) {
                if !families.contains(&info.family) {
                    families.push(info.family.clone());
                }
                coverage.push(info.coverage);
            }
        }
        (!coverage.is_empty()).then(|| Glyphs { families, coverage, cache: Default::default() })
    }

    /// The font families found.
    pub fn families(&self) -> &[String] {
        &self.families
    }

    /// Whether some font draws `c` (white space and line breaks need no glyph of their own).
    pub fn covers(&self, c: char) -> bool {
        if c.is_ascii() || matches!(c, '\u{A0}') {
            return true;
        }
        if let Some(&b) = self.cache.borrow().get(&c) {
            return b;
        }
        let b = self.coverage.iter().any(|cov| cov.contains(c as u32));
        self.cache.borrow_mut().insert(c, b);
        b
    }
}

/// One problem in a text: its byte offset in the text, the message and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub offset: usize,
    pub message: String,
    pub hint: &'static str,
}

fn char_name(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Forbidden characters and over-long words in `text`, at most one problem per line, in text
/// order. Linear in the length of the text.
pub fn check(text: &str) -> Vec<Problem> {
    check_with(text, None)
}

/// [`check`], and characters no font of the document can draw.
pub fn check_with(text: &str, glyphs: Option<&Glyphs>) -> Vec<Problem> {
    let mut out = Vec::new();
    // Most values are short printable ASCII (codes, amounts, Indonesian words): no control
    // character, every glyph in the fonts, no word longer than the whole. One pass over bytes.
    if text.len() <= MAX_WORD && text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return out;
    }
    let mut line_reported = false;
    let mut word_start = 0;
    let mut word_len = 0usize;
    let mut word_reported = false;
    let mut blank = InvisibleLine::default();
    for (i, c) in text.char_indices() {
        if let (Some((at, inv)), false) = (blank.feed(c, i), line_reported) {
            out.push(Problem { offset: at, message: invisible_line(inv), hint: INVISIBLE_LINE_HINT });
        }
        if c == '\n' {
            line_reported = false;
        }
        if c.is_whitespace() && !forbidden(c) {
            word_len = 0;
            word_reported = false;
            continue;
        }
        if word_len == 0 {
            word_start = i;
        }
        word_len += 1;
        if line_reported {
            continue;
        }
        if forbidden(c) {
            let message = if c == '\u{FFFC}' {
                format!("karakter {} (penanda objek) tidak boleh ada di teks; renja memakainya untuk menandai tabel yang disisipkan", char_name(c))
            } else {
                format!("karakter kendali {} tidak boleh ada di teks; karakter ini tidak dapat dicetak", char_name(c))
            };
            out.push(Problem { offset: i, message, hint: "hapus karakter itu (biasanya terbawa saat menyalin dari aplikasi lain)" });
            line_reported = true;
        } else if let Some(g) = glyphs.filter(|g| !c.is_whitespace() && !g.covers(c)) {
            out.push(Problem {
                offset: i,
                message: format!("karakter '{c}' ({}) tidak ada di huruf dokumen ({}); tidak dapat dicetak", char_name(c), g.families().join(", ")),
                hint: "ganti dengan karakter lain, atau tambahkan ke folder fonts/ berkas huruf yang memuatnya",
            });
            line_reported = true;
        } else if word_len > MAX_WORD && !word_reported {
            let len = text[word_start..].split(char::is_whitespace).next().map_or(word_len, |w| w.chars().count());
            out.push(Problem {
                offset: word_start,
                message: format!("rangkaian {len} karakter tanpa spasi terlalu panjang untuk dicetak; paling panjang {MAX_WORD} karakter"),
                hint: "pisahkan dengan spasi, atau periksa apakah teks tertempel berulang",
            });
            word_reported = true;
            line_reported = true;
        }
    }
    out
}

/// [`check_with`] for a chapter's Markdown: the block markers a line starts with (quote `>`,
/// list bullets and numbers, heading `#`s) are not printed as the line's text, so a list item of
/// nothing but invisible characters before a break is reported as such a line is.
pub fn check_markdown(text: &str, glyphs: Option<&Glyphs>) -> Vec<Problem> {
    check_with(&without_block_markers(text), glyphs)
}

/// `text` with the block markers at the start of each line replaced by spaces (the same byte
/// offsets): `>`, `-`/`*`/`+`, `1.`/`1)`/`a.`/`a)` and `#`…`######`, each followed by a space.
fn without_block_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let b = line.as_bytes();
        let mut i = 0;
        loop {
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            let marker = match b.get(i) {
                Some(b'>') => 1,
                Some(b'-' | b'*' | b'+') => 1,
                Some(b'#') => b[i..].iter().take_while(|&&c| c == b'#').count(),
                Some(c) if c.is_ascii_digit() => b[i..].iter().take_while(|c| c.is_ascii_digit()).count() + 1,
                Some(c) if c.is_ascii_alphabetic() => 2,
                _ => 0,
            };
            let ok = marker > 0
                && match b.get(i) {
                    Some(b'>') => true,
                    Some(c) if c.is_ascii_alphanumeric() => matches!(b.get(i + marker - 1), Some(b'.' | b')')) && matches!(b.get(i + marker), Some(b' ' | b'\t')),
                    _ => matches!(b.get(i + marker), Some(b' ' | b'\t')),
                };
            if !ok {
                break;
            }
            i += marker;
        }
        out.extend(std::iter::repeat_n(' ', i));
        out.push_str(&line[i..]);
    }
    out
}

/// Finds a line of nothing but invisible characters (zero-width space, soft hyphen, …) before a
/// line break, character by character: typst draws it with glyphs the fonts lack, and PDF/A
/// refuses the document. `P` is where a character is (a byte offset, a line).
#[derive(Debug)]
pub struct InvisibleLine<P> {
    visible: bool,
    /// Where the current line's first invisible character is, and which it is.
    first: Option<(P, char)>,
}

impl<P> Default for InvisibleLine<P> {
    fn default() -> Self {
        InvisibleLine { visible: false, first: None }
    }
}

impl<P: Copy> InvisibleLine<P> {
    /// Reads `c`, at `at`. At a line break, the first invisible character of the line it ends
    /// when that line held nothing else.
    pub fn feed(&mut self, c: char, at: P) -> Option<(P, char)> {
        if matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}') {
            return self.line_break();
        }
        if invisible(c) {
            self.first.get_or_insert((at, c));
        } else if !c.is_whitespace() {
            self.visible = true;
        }
        None
    }

    /// Something visible on the current line that is not text (a footnote mark).
    pub fn visible(&mut self) {
        self.visible = true;
    }

    /// A line break that is not a character (a hard break): as [`InvisibleLine::feed`] at one.
    pub fn line_break(&mut self) -> Option<(P, char)> {
        let found = if self.visible { None } else { self.first };
        *self = InvisibleLine { visible: false, first: None };
        found
    }
}

/// The problem of a printed line of nothing but invisible characters (the first is `c`) before
/// a line break: typst draws it with glyphs the fonts lack, and PDF/A refuses the document.
pub fn invisible_line(c: char) -> String {
    format!("baris ini hanya berisi karakter tak terlihat ({}); tidak dapat dicetak", char_name(c))
}

const INVISIBLE_LINE_HINT: &str = "hapus karakter itu (biasanya terbawa saat menyalin dari aplikasi lain), atau tulis teks di baris itu";

/// Characters that draw nothing (format characters): zero-width space and joiners, soft hyphen,
/// direction marks and embeddings, word joiner and invisible operators, byte order mark.
pub fn invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// [`check_with`] for one TOML value, plus its total length.
pub fn check_value(text: &str, glyphs: Option<&Glyphs>) -> Vec<Problem> {
    let mut out = check_with(text, glyphs);
    // A character takes no more UTF-16 units than UTF-8 bytes, so a short text needs no count.
    let units: usize = if text.len() <= MAX_VALUE { 0 } else { text.chars().map(char::len_utf16).sum() };
    if units > MAX_VALUE {
        out.push(Problem {
            offset: 0,
            message: format!("teks terlalu panjang: {} karakter; paling panjang {MAX_VALUE} karakter untuk satu nilai", text.chars().count()),
            hint: "teks yang panjang ditulis di bab (Markdown), bukan di berkas data",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_only_invisible_characters_before_a_break() {
        // What made the PDF/A export fail after check passed (tests/check_build.rs found it).
        for bad in ["\u{200B}\u{AD}\u{2028}", "\u{AD}\u{2028}teks", "kata\n \u{200B}\n", "\u{FEFF}\r\n"] {
            let p = check(bad);
            assert_eq!(p.len(), 1, "{bad:?}: {p:?}");
            assert!(p[0].message.contains("tak terlihat"), "{p:?}");
        }
        for good in ["\u{200B}\u{AD}", "A\u{AD}\u{2028}B", "kata\u{200B}lain\n", "A\u{200B}\u{2028}", "\n\n", " \u{2028} "] {
            assert!(check(good).is_empty(), "{good:?}: {:?}", check(good));
        }
    }

    #[test]
    fn a_list_item_of_only_invisible_characters_before_a_break() {
        // tests/check_build.rs found "- \u{200B}\u{AD}\u{2028}": check passed, the PDF/A export failed.
        for bad in ["- \u{200B}\u{AD}\u{2028}\n", "teks\n  * \u{AD}\u{2028}\n", "> 1. \u{AD}\u{2028}x\n", "## \u{200B}\u{2028}\n", "a) \u{AD}\u{2028}\n"] {
            let p = check_markdown(bad, None);
            assert_eq!(p.len(), 1, "{bad:?}: {p:?}");
            assert!(p[0].message.contains("tak terlihat"), "{p:?}");
            assert!(check(bad).is_empty(), "as plain text the marker is printed: {bad:?}");
        }
        for good in ["- a\u{AD}\u{2028}b\n", "-\u{AD}\u{2028}\n", "2.5 \u{AD}\u{2028}x\n", "kata - \u{AD}\u{2028}\n"] {
            assert!(check_markdown(good, None).is_empty(), "{good:?}: {:?}", check_markdown(good, None));
        }
        assert_eq!(without_block_markers("> - 12. ## x\n\tab\n"), "           x\n ab\n");
    }

    #[test]
    fn control_characters_and_marker() {
        let p = check("baik\nada \u{0}nol\nada \u{1b} dan \u{7} dua\n\u{FFFC}0\u{FFFC}\ttab ok\r\n");
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[0].offset, 9);
        assert!(p[0].message.contains("U+0000"));
        assert!(p[1].message.contains("U+001B"), "one problem per line, the first");
        assert!(p[2].message.contains("U+FFFC"));
        assert!(check("tab\tdan baris\r\nbaru é ü 😀").is_empty());
        assert!(check("baris\u{85}berikut")[0].message.contains("U+0085"), "NEL is white space and a control character");
    }

    #[test]
    fn glyphs_of_the_documents_fonts() {
        let g = Glyphs::load(&crate::checkout_dir().join("fonts")).unwrap();
        assert!(g.families().iter().any(|f| f == "Liberation Sans"));
        for c in ['a', 'é', 'ß', 'Ω', 'Ж', '€', '–', '“', '±', '×'] {
            assert!(g.covers(c), "{c}");
        }
        let p = check_with("baik é\nemoji 😀 dan 中\n", Some(&g));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("U+1F600"));
        assert!(check("pribadi \u{E000}")[0].message.contains("U+E000"));
    }

    #[test]
    fn long_words() {
        let ok = "a".repeat(MAX_WORD);
        assert!(check(&format!("x {ok} y")).is_empty());
        let long = format!("awal {} akhir", "b".repeat(MAX_WORD + 5));
        let p = check(&long);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].offset, 5);
        assert!(p[0].message.contains(&(MAX_WORD + 5).to_string()), "{}", p[0].message);
    }

    #[test]
    fn long_values() {
        let v = "kata ".repeat(MAX_VALUE / 5 + 1);
        assert_eq!(check_value(&v, None).len(), 1);
        assert!(check_value(&"kata ".repeat(10), None).is_empty());
    }
}
