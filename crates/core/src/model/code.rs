//! Nomenclature codes (Permendagri 90/2019 and its Kepmendagri updates): parsing the variants
//! authors paste, normalising them to one canonical form, levels and parents.

use serde::Serialize;
use std::fmt;

/// The level of a node in the program tree, from the number of dot-separated parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Urusan,
    Bidang,
    Program,
    Kegiatan,
    SubKegiatan,
}

impl Level {
    /// The Indonesian name used in messages and in the model.
    pub fn nama(self) -> &'static str {
        match self {
            Level::Urusan => "urusan",
            Level::Bidang => "bidang urusan",
            Level::Program => "program",
            Level::Kegiatan => "kegiatan",
            Level::SubKegiatan => "sub kegiatan",
        }
    }

    fn from_parts(n: usize) -> Option<Level> {
        match n {
            1 => Some(Level::Urusan),
            2 => Some(Level::Bidang),
            3 => Some(Level::Program),
            5 => Some(Level::Kegiatan),
            6 => Some(Level::SubKegiatan),
            _ => None,
        }
    }
}

/// A canonical nomenclature code, held inline: a canonical code is at most 17 ASCII bytes
/// (`1.02.03.2.01.0001`), and a large edition holds tens of thousands of codes (the tree's
/// keys, every row, every roll-up), each of which was a heap string of its own. The size is a
/// `String`'s; the unused bytes are zero.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Code {
    len: u8,
    bytes: [u8; Code::CAPACITY],
}

impl Code {
    const CAPACITY: usize = 23;

    /// A code of canonical text (from [`Code::parse`], or a part of such a code).
    fn canonical(text: &str) -> Code {
        debug_assert!(text.len() <= Code::CAPACITY, "canonical code {text:?} too long");
        // A canonical code is never longer (widths 1.2.2.1.2.4); cut at a character boundary all
        // the same rather than fail.
        let mut n = text.len().min(Code::CAPACITY);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        let mut bytes = [0; Code::CAPACITY];
        bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
        Code { len: n as u8, bytes }
    }
}

impl Ord for Code {
    /// The text's order (a `str` orders by its bytes), compared over the whole arrays: the
    /// unused bytes are zero and a code holds none, so a code that is a prefix of another
    /// orders first, as its text does. (Through `as_str`, checking both texts' UTF-8 on every
    /// comparison was a fifth of `renja check`'s instructions at ×16.)
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Code").field(&self.as_str()).finish()
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Why a code could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    Empty,
    NotNumeric(String),
    PartCount(usize),
    TooWide { part: &'static str, value: u32, digits: usize },
    BadLevelDigit(u32),
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Empty => write!(f, "kode kosong"),
            CodeError::NotNumeric(p) => write!(f, "bagian '{p}' bukan angka"),
            CodeError::PartCount(n) => write!(
                f,
                "kode terdiri atas {n} bagian; yang diharapkan 1 (urusan), 2 (bidang), 3 (program), \
                 5 (kegiatan) atau 6 (sub kegiatan) bagian dipisah titik"
            ),
            CodeError::TooWide { part, value, digits } => {
                write!(f, "nomor {part} {value} tidak muat dalam {digits} digit")
            }
            CodeError::BadLevelDigit(v) => write!(
                f,
                "digit tingkat pemerintahan {v} tidak dikenal; yang diharapkan 1 (provinsi) atau 2 \
                 (kabupaten/kota)"
            ),
        }
    }
}

/// The result of reading a code as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub code: Code,
    /// True when the written form differed from the canonical one (beyond surrounding spaces).
    pub normalised: bool,
}

impl Code {
    /// Reads a code as authors write it and returns its canonical form. `sub_digits` is 2 or 4.
    pub fn parse(written: &str, sub_digits: usize) -> Result<Parsed, CodeError> {
        if Code::is_canonical(written, sub_digits) {
            return Ok(Parsed { code: Code::canonical(written), normalised: false });
        }
        Code::parse_written(written, sub_digits)
    }

    /// [`Code::parse`] without the shortcut for a canonical code.
    fn parse_written(written: &str, sub_digits: usize) -> Result<Parsed, CodeError> {
        let compact: String = written.chars().filter(|c| !c.is_whitespace()).collect();
        let compact = compact.trim_end_matches('.');
        if compact.is_empty() {
            return Err(CodeError::Empty);
        }
        let parts: Vec<&str> = compact.split('.').collect();
        let level = Level::from_parts(parts.len()).ok_or(CodeError::PartCount(parts.len()))?;
        let mut nums = Vec::with_capacity(parts.len());
        for p in &parts {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 9 {
                return Err(CodeError::NotNumeric((*p).to_string()));
            }
            nums.push(p.parse::<u32>().map_err(|_| CodeError::NotNumeric((*p).to_string()))?);
        }
        // Widths of the canonical parts: urusan, bidang, program, level digit, kegiatan, sub.
        const NAMES: [&str; 6] = ["urusan", "bidang", "program", "tingkat", "kegiatan", "sub kegiatan"];
        let widths = [1usize, 2, 2, 1, 2, sub_digits];
        let mut out = Vec::with_capacity(nums.len());
        for (i, &n) in nums.iter().enumerate() {
            let w = widths[i];
            if n.to_string().len() > w {
                return Err(CodeError::TooWide { part: NAMES[i], value: n, digits: w });
            }
            if i == 3 && !(n == 1 || n == 2) {
                return Err(CodeError::BadLevelDigit(n));
            }
            out.push(format!("{n:0w$}"));
        }
        let canonical = out.join(".");
        let normalised = canonical != written.trim();
        let _ = level;
        Ok(Parsed { code: Code::canonical(&canonical), normalised })
    }

    /// Whether `written` is already its own canonical form: a valid number of parts, each of
    /// exactly its width in ASCII digits, with a level digit of 1 or 2. [`Code::parse`] then
    /// gives it back unchanged, so it is taken as it is (a large edition reads thousands of
    /// codes at every data edit).
    fn is_canonical(written: &str, sub_digits: usize) -> bool {
        let widths = [1usize, 2, 2, 1, 2, sub_digits];
        let mut n = 0;
        for part in written.split('.') {
            if n >= widths.len() || part.len() != widths[n] || !part.bytes().all(|b| b.is_ascii_digit()) || (n == 3 && part != "1" && part != "2") {
                return false;
            }
            n += 1;
        }
        Level::from_parts(n).is_some()
    }

    /// Wraps a string already known to be canonical (as produced by [`Code::parse`]).
    pub fn as_str(&self) -> &str {
        // Only ever filled from a `&str`, cut at a character boundary.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }

    fn parts(&self) -> Vec<&str> {
        self.as_str().split('.').collect()
    }

    pub fn level(&self) -> Level {
        Level::from_parts(self.bytes[..self.len as usize].iter().filter(|&&b| b == b'.').count() + 1).expect("canonical code has a valid part count")
    }

    /// The parent code: the code minus its last part (minus two for a kegiatan).
    pub fn parent(&self) -> Option<Code> {
        let keep = match self.level() {
            Level::Urusan => return None,
            Level::Bidang => 1,
            Level::Program => 2,
            Level::Kegiatan => 3,
            Level::SubKegiatan => 5,
        };
        // The parent's canonical text is this one's up to its `keep`-th dot.
        // A prefix of a code's ASCII text ends at a dot: the same array, cut.
        let text = &self.bytes[..self.len as usize];
        let end = text.iter().enumerate().filter(|&(_, &b)| b == b'.').nth(keep - 1).map_or(text.len(), |(i, _)| i);
        let mut bytes = [0; Code::CAPACITY];
        bytes[..end].copy_from_slice(&text[..end]);
        Some(Code { len: end as u8, bytes })
    }

    /// All ancestors, nearest first.
    pub fn ancestors(&self) -> Vec<Code> {
        let mut out = Vec::new();
        let mut cur = self.parent();
        while let Some(c) = cur {
            cur = c.parent();
            out.push(c);
        }
        out
    }

    /// The level digit of a kegiatan or sub kegiatan code (1 province, 2 regency/city).
    pub fn level_digit(&self) -> Option<u32> {
        self.parts().get(3).and_then(|p| p.parse().ok())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> (String, bool) {
        let p = Code::parse(s, 4).unwrap();
        (p.code.to_string(), p.normalised)
    }

    #[test]
    fn reference_variants_normalise() {
        assert_eq!(canon("2.07.001"), ("2.07.01".into(), true));
        assert_eq!(canon("2.07.001.2.01.006"), ("2.07.01.2.01.0006".into(), true));
        assert_eq!(canon("2.07.04.02.01.0002"), ("2.07.04.2.01.0002".into(), true));
        assert_eq!(canon("2.07.001.2 .01.0007"), ("2.07.01.2.01.0007".into(), true));
        assert_eq!(canon("3.32.002.2.01.001"), ("3.32.02.2.01.0001".into(), true));
        assert_eq!(canon("2.07.01.2.01.0006"), ("2.07.01.2.01.0006".into(), false));
        assert_eq!(canon(" 2.07 "), ("2.07".into(), false));
        assert_eq!(canon("2"), ("2".into(), false));
    }

    #[test]
    fn two_digit_sub_kegiatan() {
        let p = Code::parse("2.07.01.2.01.0006", 2).unwrap();
        assert_eq!(p.code.as_str(), "2.07.01.2.01.06");
        assert!(matches!(Code::parse("2.07.01.2.01.0106", 2), Err(CodeError::TooWide { .. })));
    }

    #[test]
    fn the_canonical_shortcut_gives_what_the_full_reading_gives() {
        let written = [
            "2", "2.07", "2.07.01", "2.07.01.2.01", "2.07.01.2.01.0006", "2.07.01.2.01.06", "2.07.01.1.01.0001", "0.00.00.1.00.0000",
            "2.07.01.3.01.0006", "2.07.01.0.01.0006", "2.7", "2.07.1", "02.07", "2.07.", " 2.07", "2.07 ", "2.07.01.2", "2.07.01.2.01.0006.1",
            "2.07.01.2.01.00006", "2.07.01.2.01.006", "2.07.01.2.01.x006", "2.07.01.2.01.", "", ".", "2..07", "٢.07", "2.07.01.2.01.6",
        ];
        for w in written {
            for digits in [2, 4] {
                let shortcut = Code::is_canonical(w, digits);
                let full = Code::parse_written(w, digits);
                assert_eq!(Code::parse(w, digits), full, "{w:?} with {digits} digits");
                if shortcut {
                    assert_eq!(full, Ok(Parsed { code: Code::canonical(w), normalised: false }), "{w:?} is canonical");
                }
            }
        }
    }

    #[test]
    fn malformed() {
        assert_eq!(Code::parse("", 4), Err(CodeError::Empty));
        assert!(matches!(Code::parse("2.07.01.2", 4), Err(CodeError::PartCount(4))));
        assert!(matches!(Code::parse("2.07.x1", 4), Err(CodeError::NotNumeric(_))));
        assert!(matches!(Code::parse("2.07.01.3.01", 4), Err(CodeError::BadLevelDigit(3))));
        assert!(matches!(Code::parse("2.07.100", 4), Err(CodeError::TooWide { .. })));
        assert!(matches!(Code::parse("2..07", 4), Err(CodeError::NotNumeric(_))));
    }

    #[test]
    fn hierarchy() {
        let c = Code::parse("2.07.01.2.01.0007", 4).unwrap().code;
        assert_eq!(c.level(), Level::SubKegiatan);
        let anc: Vec<String> = c.ancestors().iter().map(|c| c.to_string()).collect();
        assert_eq!(anc, ["2.07.01.2.01", "2.07.01", "2.07", "2"]);
        assert_eq!(Code::parse("2.07.01.2.01", 4).unwrap().code.parent().unwrap().as_str(), "2.07.01");
        assert_eq!(Code::parse("3", 4).unwrap().code.parent(), None);
    }

    /// Held inline in a `String`'s size, the code orders, prints and serialises as its text.
    #[test]
    fn inline_codes_behave_as_their_text() {
        assert_eq!(std::mem::size_of::<Code>(), std::mem::size_of::<String>());
        let texts = ["2", "2.07", "2.07.01", "2.07.01.2.01", "2.07.01.2.01.0007", "2.07.01.2.01.07", "2.07.01.2.02", "2.08", "1.02.03.1.01.0001", "9.99.99.2.99.9999"];
        let codes: Vec<Code> = texts.iter().map(|t| Code::parse(t, if t.len() == 15 { 2 } else { 4 }).unwrap().code).collect();
        for (a, ta) in codes.iter().zip(texts) {
            assert_eq!(a.as_str(), ta);
            assert_eq!(format!("{a:?}"), format!("Code({ta:?})"));
            assert_eq!(serde_json::to_string(a).unwrap(), format!("{ta:?}"));
            for (b, tb) in codes.iter().zip(texts) {
                assert_eq!(a.cmp(b), ta.cmp(tb), "{ta} against {tb}");
                assert_eq!(a == b, ta == tb);
            }
        }
    }
}
