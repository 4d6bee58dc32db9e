//! Parsing a data file one `[[baris]]` element at a time. The `toml` parser lexes a whole
//! document into a token vector and an event vector before it builds the table: for a 2.2 MB
//! rencana.toml (×64 of the sample, a third of it comments) that is 24 MB held at once, the
//! peak of `renja check` at ×64. A data file is a few tables followed by one long array of
//! tables, so it is parsed here as its prologue and then each element on its own, with the
//! elements' spans moved to their place in the file: the same table as the whole-document
//! parse (tests below compare every span), with transient memory of one element.
//!
//! Only a file of that simple shape is split: a prologue without the array's key, then nothing
//! but `[[X]]` headers and the headers of X's sub-tables (`[X.y]`, `[[X.y]]`). Anything else (a
//! quoted header key, another table after the array, a syntax error in any piece) gives `None`
//! and the caller parses the whole document, which reports syntax errors as before.

use toml::de::{DeTable, DeValue};

/// The size from which a file is parsed in pieces. Below it the whole parse's transient
/// vectors stay under ~11 MB, and a file the preview parses again after each edit (rencana.toml
/// is 0.55 MB at ×16) keeps the whole parse's speed (the pieces lex the text twice and move
/// every span once).
pub(super) const FROM_BYTES: usize = 1 << 20;
use toml::Spanned;
use toml_parser::lexer::TokenKind;

/// A table header at the start of a line (outside any value).
struct Header {
    /// Byte offset of its `[`.
    start: usize,
    /// `[[...]]`.
    array: bool,
    /// The byte range of its first key segment (a bare key).
    first: std::ops::Range<usize>,
    /// Only one key segment.
    single: bool,
}

/// The headers of `text` in order; `None` when a header is not a plain bare-key header or the
/// brackets do not balance (the whole-document parse then decides).
fn headers(text: &str) -> Option<Vec<Header>> {
    let mut out = Vec::new();
    let mut tokens = toml_parser::Source::new(text).lex().peekable();
    // Open `[` / `{` of values; a header is only recognised outside every value.
    let mut depth: usize = 0;
    let mut line_start = true;
    while let Some(t) = tokens.next() {
        match t.kind() {
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::Newline => line_start = true,
            TokenKind::Eof => break,
            TokenKind::LeftSquareBracket if line_start && depth == 0 => {
                line_start = false;
                let start = t.span().start();
                let end = t.span().end();
                let array = match tokens.peek() {
                    Some(n) if n.kind() == TokenKind::LeftSquareBracket => {
                        if n.span().start() != end {
                            return None;
                        }
                        tokens.next();
                        true
                    }
                    _ => false,
                };
                let mut first = None;
                let mut segments = 0;
                let mut want_key = true;
                loop {
                    let n = tokens.next()?;
                    match n.kind() {
                        TokenKind::Whitespace => {}
                        TokenKind::Atom if want_key => {
                            let span = n.span().start()..n.span().end();
                            if first.is_none() {
                                first = Some(span);
                            }
                            segments += 1;
                            want_key = false;
                        }
                        TokenKind::Dot if !want_key => want_key = true,
                        TokenKind::RightSquareBracket if !want_key => {
                            if array {
                                let close = tokens.next()?;
                                if close.kind() != TokenKind::RightSquareBracket || close.span().start() != n.span().end() {
                                    return None;
                                }
                            }
                            break;
                        }
                        _ => return None,
                    }
                }
                out.push(Header { start, array, first: first?, single: segments == 1 });
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                line_start = false;
                depth += 1;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                line_start = false;
                depth = depth.checked_sub(1)?;
            }
            _ => line_start = false,
        }
    }
    Some(out)
}

/// The document parsed piece by piece as described above, or `None` (see the module).
pub(super) fn parse(text: &str) -> Option<Spanned<DeTable<'_>>> {
    let headers = headers(text)?;
    let first = headers.iter().position(|h| h.array && h.single)?;
    let key = &text[headers[first].first.clone()];
    // The element starts: every later header is X's own `[[X]]` or one of X's sub-tables.
    let mut starts = Vec::new();
    for h in &headers[first..] {
        if &text[h.first.clone()] != key {
            return None;
        }
        match (h.array, h.single) {
            (true, true) => starts.push(h.start),
            (_, false) => {}
            (false, true) => return None,
        }
    }
    let (prologue, errors) = DeTable::parse_recoverable(&text[..starts[0]]);
    if !errors.is_empty() || prologue.get_ref().iter().any(|(k, _)| k.get_ref() == key) {
        return None;
    }
    let mut root = prologue;
    // The first piece's array, moved into place, becomes the file's (its span is its first
    // header's, as the whole parse gives); each later piece adds its one element to it.
    let mut array: Option<(Spanned<toml::de::DeString<'_>>, Spanned<DeValue<'_>>)> = None;
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        let (piece, errors) = DeTable::parse_recoverable(&text[s..e]);
        if !errors.is_empty() {
            return None;
        }
        let piece = piece.into_inner();
        if piece.len() != 1 {
            return None;
        }
        let (k, v) = piece.into_iter().next()?;
        let (span, DeValue::Array(mut a)) = (v.span(), v.into_inner()) else { return None };
        if a.len() != 1 {
            return None;
        }
        match &mut array {
            None => array = Some((shift_key(k, s), shift_value(Spanned::new(span, DeValue::Array(a)), s))),
            Some((_, acc)) => {
                let DeValue::Array(acc) = acc.get_mut() else { return None };
                acc.push(shift_value(std::mem::replace(&mut (*a)[0], Spanned::new(0..0, DeValue::Boolean(false))), s));
            }
        }
    }
    let (k, v) = array?;
    root.get_mut().insert(k, v);
    Some(root)
}

fn shift_key<'a>(k: Spanned<toml::de::DeString<'a>>, by: usize) -> Spanned<toml::de::DeString<'a>> {
    let span = k.span();
    Spanned::new(span.start + by..span.end + by, k.into_inner())
}

fn shift_table(t: DeTable<'_>, by: usize) -> DeTable<'_> {
    let mut out = DeTable::new();
    for (k, v) in t {
        out.insert(shift_key(k, by), shift_value(v, by));
    }
    out
}

fn shift_value(v: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = v.span();
    let inner = match v.into_inner() {
        DeValue::Table(t) => DeValue::Table(shift_table(t, by)),
        DeValue::Array(mut a) => {
            for x in a.iter_mut() {
                let taken = std::mem::replace(x, Spanned::new(0..0, DeValue::Boolean(false)));
                *x = shift_value(taken, by);
            }
            DeValue::Array(a)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key, value and span of the two tables, as text (the parse's own Debug of a scalar).
    fn dump(t: &DeTable<'_>, out: &mut String) {
        for (k, v) in t.iter() {
            out.push_str(&format!("key {:?} {:?}\n", k.get_ref(), k.span()));
            value(v, out);
        }
        fn value(v: &Spanned<DeValue<'_>>, out: &mut String) {
            out.push_str(&format!("at {:?} ", v.span()));
            match v.get_ref() {
                DeValue::Table(t) => {
                    out.push_str("table {\n");
                    dump(t, out);
                    out.push_str("}\n");
                }
                DeValue::Array(a) => {
                    out.push_str("array [\n");
                    a.iter().for_each(|x| value(x, out));
                    out.push_str("]\n");
                }
                other => out.push_str(&format!("{other:?}\n")),
            }
        }
    }

    fn whole(text: &str) -> String {
        let (t, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty(), "{errors:?}");
        let mut s = format!("root {:?}\n", t.span());
        dump(t.get_ref(), &mut s);
        s
    }

    /// The first line where the two dumps differ, if any.
    fn same(chunked: &str, whole: &str, what: &str) {
        for (i, (a, b)) in chunked.lines().zip(whole.lines()).enumerate() {
            assert_eq!(a, b, "{what}: line {i} of the dump");
        }
        assert_eq!(chunked.lines().count(), whole.lines().count(), "{what}");
    }

    fn chunked(text: &str) -> Option<String> {
        let t = parse(text)?;
        let mut s = format!("root {:?}\n", t.span());
        dump(t.get_ref(), &mut s);
        Some(s)
    }

    #[test]
    fn the_sample_data_files_parse_to_the_whole_documents_table() {
        let dir = crate::checkout_dir().join("content/data");
        let mut split = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if let Some(c) = chunked(&text) {
                same(&c, &whole(&text), &path.display().to_string());
                split += 1;
            }
        }
        // rencana, rkpd, evaluasi, nomenklatur, landasan hukum at least.
        assert!(split >= 5, "only {split} files were split");
    }

    #[test]
    fn a_large_data_file_deserialises_to_what_the_whole_parse_gives() {
        use serde::Deserialize;
        // The sample's Tabel 3.4 with its rows repeated past the size that is parsed in pieces.
        let text = std::fs::read_to_string(crate::checkout_dir().join("content/data/rencana.toml")).unwrap();
        let at = text.find("\n[[baris]]").unwrap() + 1;
        let mut big = text.clone();
        while big.len() < FROM_BYTES {
            big.push_str(&text[at..]);
        }
        let file = crate::diag::SourceFile::new("data/rencana.toml", std::path::Path::new("data/rencana.toml"), big.clone());
        let mut diags = crate::diag::Diagnostics::new();
        let pieces: crate::source::schema::RencanaFile = crate::source::parse_toml(&file, &big, 0, &mut diags).unwrap();
        assert!(!diags.has_errors());
        let whole = crate::source::schema::RencanaFile::deserialize(toml::de::Deserializer::from(DeTable::parse(&big).unwrap())).unwrap();
        assert!(pieces.baris.len() > 1000);
        assert_eq!(format!("{pieces:?}"), format!("{whole:?}"));
    }

    #[test]
    fn awkward_but_simple_files_parse_to_the_whole_documents_table() {
        let cases = [
            // Sub-tables, inline tables, dotted keys, comments and blank lines between elements.
            "[tabel]\nnomor = \"3.4\"\n\n# c\n[[baris]]\nkode = \"1\"\na.b = 2\n[baris.dinyatakan]\npagu = 5\n\n# next\n[[baris]]\nkode = \"2\"\nt = { x = 1, y = [1, 2] }\n",
            // A multi-line string holding a header-like line; an array whose line starts with `[[`.
            "[[baris]]\ncatatan = \"\"\"\n[[baris]]\nbukan header\n\"\"\"\nx = [\n[[1]], [[2]]\n]\n[[baris]]\ncatatan = '''\n[lain]\n'''\n",
            // CRLF line ends, a byte-order mark, nested arrays of tables inside an element.
            "\u{feff}judul = \"a\"\r\n[[unit]]\r\nnama = \"x\"\r\n[[unit.subunit]]\r\nnama = \"y\"\r\n[[unit.subunit]]\r\nnama = \"z\"\r\n[[unit]]\r\nnama = \"w\"\r\n",
            // Only the array, with whitespace before the headers' keys.
            "[[ baris ]]\nkode = \"1\"\n[[ baris ]]\nkode = \"2\"",
        ];
        for text in cases {
            let c = chunked(text).unwrap_or_else(|| panic!("not split: {text:?}"));
            same(&c, &whole(text), text);
        }
    }

    #[test]
    fn other_shapes_and_syntax_errors_are_left_to_the_whole_parse() {
        for text in [
            // Another table after the array.
            "[[baris]]\nkode = \"1\"\n[tabel]\nnomor = \"1\"\n",
            // A quoted header key.
            "[[\"baris\"]]\nkode = \"1\"\n",
            // The prologue already holds the array's key.
            "baris = []\n[[baris]]\nkode = \"1\"\n",
            // A syntax error in the second element, and one in the prologue.
            "[[baris]]\nkode = \"1\"\n[[baris]]\nkode = \"2\n",
            "nomor = \n[[baris]]\nkode = \"1\"\n",
            // Brackets that do not balance; no array of tables at all.
            "x = ]\n[[baris]]\n",
            "[tabel]\nnomor = \"1\"\n",
        ] {
            assert!(parse(text).is_none(), "split: {text:?}");
        }
    }
}
