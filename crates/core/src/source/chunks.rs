//! Reading a data file one `[[baris]]` element at a time. The `toml` parser lexes a whole
//! document into a token vector and an event vector before it builds the table, and the table
//! of a 2.2 MB rencana.toml (×64 of the sample, a third of it comments) with every value's span
//! is 20 MB more: the peak of `renja check` at ×64. A data file is a few tables followed by one
//! long array of tables, so it is parsed here as its prologue and then each element on its own,
//! with the element's spans moved to their place in the file, and deserialised straight into
//! the file's value ([`deserialize`]): each element's table exists only while its row is made.
//! The elements are the whole-document parse's (tests below compare every span), and so is the
//! value.
//!
//! `renja check` goes further ([`stream`]): it reads such a file line by line from disk, so that
//! not even the file's text is held whole (at ×64, 2.2 MB for rencana.toml), only its line
//! index for the diagnostics' locations.
//!
//! Only a file of that simple shape is split: a prologue without the array's key, then nothing
//! but `[[X]]` headers and the headers of X's sub-tables (`[X.y]`, `[[X.y]]`). Anything else (a
//! quoted header key, another table after the array, a syntax error in any piece, a value that
//! does not deserialise) gives `None` and the caller parses the whole document, which reports
//! every problem as before.

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

/// A file split as described above: its prologue, parsed, and where each element starts.
pub(super) struct Pieces<'i> {
    text: &'i str,
    key: &'i str,
    prologue: Spanned<DeTable<'i>>,
    starts: Vec<usize>,
}

/// `text` split into its prologue and elements, or `None` (see the module).
pub(super) fn split(text: &str) -> Option<Pieces<'_>> {
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
    Some(Pieces { text, key, prologue, starts })
}

impl<'i> Pieces<'i> {
    /// Element `i` of the array, with its spans at their place in the file (as the whole parse
    /// gives them), or `None` when its piece is not exactly one element of the array.
    fn element(&self, i: usize) -> Option<Spanned<DeValue<'i>>> {
        let s = self.starts[i];
        let e = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        let (piece, errors) = DeTable::parse_recoverable(&self.text[s..e]);
        if !errors.is_empty() {
            return None;
        }
        let piece = piece.into_inner();
        if piece.len() != 1 {
            return None;
        }
        let (_, v) = piece.into_iter().next()?;
        let DeValue::Array(mut a) = v.into_inner() else { return None };
        if a.len() != 1 {
            return None;
        }
        Some(shift_value(std::mem::replace(&mut (*a)[0], Spanned::new(0..0, DeValue::Boolean(false))), s))
    }
}

/// The file's value deserialised from its pieces, each element parsed only when its row is made;
/// `check` sees the prologue's table and then each element's table once parsed (the tables
/// the whole-document parse holds, in the same order). `None` when a piece does not parse to
/// one element or the value does not deserialise: the whole parse then decides (and reports).
pub(super) fn deserialize<T: serde::de::DeserializeOwned>(pieces: Pieces<'_>, check: &mut dyn FnMut(&DeTable<'_>)) -> Option<T> {
    check(pieces.prologue.get_ref());
    // The array's key is a bare key (`headers`), which the text check never faults.
    let mut de = Document { pieces, check, next: 0, key_given: false, value: None };
    let value = T::deserialize(&mut de).ok()?;
    // Every element was read (there is at least one, so the array was).
    (de.next == de.pieces.starts.len()).then_some(value)
}

/// The deserialiser of a split file: a map of the prologue's entries and then the array, whose
/// elements are parsed one by one as the array's visitor asks for them.
struct Document<'i, 'c> {
    pieces: Pieces<'i>,
    check: &'c mut dyn FnMut(&DeTable<'_>),
    /// The next element to parse.
    next: usize,
    key_given: bool,
    /// The prologue entry whose key was given last.
    value: Option<Spanned<DeValue<'i>>>,
}

type Error = toml::de::Error;

fn split_error() -> Error {
    <Error as serde::de::Error>::custom("bentuk berkas tidak dapat dibaca per bagian")
}

impl<'de> serde::Deserializer<'de> for &mut Document<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(Entries { doc: self, prologue: None })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The map access of a [`Document`]: the prologue's entries (taken from the document on the
/// first key), then the array's key.
struct Entries<'a, 'i, 'c> {
    doc: &'a mut Document<'i, 'c>,
    prologue: Option<<DeTable<'i> as IntoIterator>::IntoIter>,
}

impl<'de> serde::de::MapAccess<'de> for Entries<'_, 'de, '_> {
    type Error = Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        use serde::de::IntoDeserializer;
        let doc = &mut *self.doc;
        let prologue = self.prologue.get_or_insert_with(|| std::mem::take(doc.pieces.prologue.get_mut()).into_iter());
        if let Some((k, v)) = prologue.next() {
            doc.value = Some(v);
            return seed.deserialize(k.into_inner().into_deserializer()).map(Some);
        }
        if doc.key_given {
            return Ok(None);
        }
        doc.key_given = true;
        seed.deserialize(serde::de::value::BorrowedStrDeserializer::new(doc.pieces.key)).map(Some)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.doc.value.take() {
            Some(v) => seed.deserialize(toml::de::ValueDeserializer::from(v)),
            None if self.doc.key_given => seed.deserialize(Array(&mut *self.doc)),
            None => Err(split_error()),
        }
    }
}

/// The array of a [`Document`], as a sequence.
struct Array<'a, 'i, 'c>(&'a mut Document<'i, 'c>);

impl<'de> serde::Deserializer<'de> for Array<'_, 'de, '_> {
    type Error = Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(self)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    /// An ignored array is still parsed and its strings checked, as the whole parse does.
    fn deserialize_ignored_any<V: serde::de::Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        while serde::de::SeqAccess::next_element::<serde::de::IgnoredAny>(&mut self)?.is_some() {}
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
    }
}

impl<'de> serde::de::SeqAccess<'de> for Array<'_, 'de, '_> {
    type Error = Error;

    fn next_element_seed<T: serde::de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let doc = &mut *self.0;
        if doc.next == doc.pieces.starts.len() {
            return Ok(None);
        }
        let element = doc.pieces.element(doc.next).ok_or_else(split_error)?;
        doc.next += 1;
        match element.get_ref() {
            DeValue::Table(t) => (doc.check)(t),
            _ => return Err(split_error()),
        }
        seed.deserialize(toml::de::ValueDeserializer::from(element)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.pieces.starts.len() - self.0.next)
    }
}

/// A data file whose rows are one array of tables at its end, read by [`stream`].
pub(super) trait Baris: serde::de::DeserializeOwned {
    /// An element of the array as the file's value holds it (`Spanned` or not).
    type Row: serde::de::DeserializeOwned;
    /// The rows (empty in the value read from the prologue alone).
    fn baris(&mut self) -> &mut Vec<Self::Row>;
    fn rows(&self) -> &[Self::Row];
    /// The value without its rows.
    fn without_rows(&self) -> Self;
}

/// `Baris` for a file type whose rows are its field `$rows`, made without its rows by `$empty`.
macro_rules! baris {
    ($file:ident, $row:ty, $rows:ident, |$s:ident| $empty:expr) => {
        impl Baris for super::schema::$file {
            type Row = $row;
            fn baris(&mut self) -> &mut Vec<Self::Row> {
                &mut self.$rows
            }
            fn rows(&self) -> &[Self::Row] {
                &self.$rows
            }
            fn without_rows(&self) -> Self {
                let $s = self;
                $empty
            }
        }
    };
}

use super::schema::{EvaluasiFile, NomenklaturFile, RencanaFile, RkpdFile};
baris!(RencanaFile, Spanned<super::schema::RencanaBaris>, baris, |s| RencanaFile { tabel: s.tabel.clone(), dinyatakan: s.dinyatakan.clone(), baris: Vec::new() });
baris!(RkpdFile, Spanned<super::schema::RkpdBaris>, baris, |s| RkpdFile { tabel: s.tabel.clone(), baris: Vec::new() });
baris!(EvaluasiFile, Spanned<super::schema::EvaluasiBaris>, baris, |s| EvaluasiFile { tabel: s.tabel.clone(), dinyatakan: s.dinyatakan.clone(), baris: Vec::new() });
baris!(NomenklaturFile, super::schema::NomenklaturEntry, nomenklatur, |_s| NomenklaturFile { nomenklatur: Vec::new() });

/// Where the elements of a data file's array of tables start: what [`reparse`] needs of the
/// last parse of the file to parse only the part an edit changed.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    key: String,
    starts: Vec<usize>,
}

/// The layout of `text`, when it has the shape [`split`] reads.
pub(super) fn layout(text: &str) -> Option<Layout> {
    let p = split(text)?;
    Some(Layout { key: p.key.to_string(), starts: p.starts })
}

/// The value of `new`, a data file `old` was before an edit, made from `old_value` (the value
/// of `old`, whose elements start where `layout` says) and a parse of the edited part only: the
/// elements wholly before the first changed byte are kept, and so are the elements wholly after
/// the last one when the edit kept the length (so that their spans are still right); the text
/// between is parsed as a piece of whole elements. `check` sees the piece's elements' tables.
/// `None` when that piece does not parse to whole elements of the array (the edit reached the
/// prologue, opened a string or a table that runs on, broke a header) or a row does not
/// deserialise: the caller then parses the whole file. The value is the whole parse's, and no
/// other diagnostic than `check`'s is due when `old` gave none (the caller's condition).
pub(super) fn reparse<T: Baris + Clone>(old: &str, old_value: &T, layout: &Layout, new: &str, check: &mut dyn FnMut(&DeTable<'_>)) -> Option<(T, Layout)>
where
    T::Row: Clone,
{
    let (o, n) = (old.as_bytes(), new.as_bytes());
    let starts = &layout.starts;
    if old_value.rows().len() != starts.len() {
        return None;
    }
    let p = o.iter().zip(n).take_while(|(x, y)| x == y).count();
    let most = o.len().min(n.len()) - p;
    let s = o.iter().rev().zip(n.iter().rev()).take(most).take_while(|(x, y)| x == y).count();
    // The first element the edit may touch: the last one whose header lies before the line of
    // the first changed byte (text put on a header's line, or just before it, may end the
    // element before it; none: the prologue may have changed).
    let line = o[..p].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
    let a = starts.partition_point(|&x| x < line).checked_sub(1)?;
    // The first element after the edit, unchanged and in the same place.
    // Its header must still begin its line: only blanks may come before it on that line, which
    // the edit may have changed.
    let at_line_start = |x: usize| n[..x].iter().rev().take_while(|&&c| c != b'\n').all(|&c| c == b' ' || c == b'\t');
    let b = if o.len() == n.len() { starts.partition_point(|&x| x < o.len() - s).max(a) } else { starts.len() };
    let b = if b < starts.len() && !at_line_start(starts[b]) { starts.len() } else { b };
    let end = starts.get(b).copied().unwrap_or(n.len());
    let piece = new.get(starts[a]..end)?;
    let (table, errors) = DeTable::parse_recoverable(piece);
    if !errors.is_empty() {
        return None;
    }
    let table = table.into_inner();
    let mut rows = Vec::new();
    let mut piece_starts = Vec::new();
    if !table.is_empty() {
        if table.len() != 1 {
            return None;
        }
        let (k, v) = table.into_iter().next()?;
        if k.get_ref() != layout.key.as_str() {
            return None;
        }
        let DeValue::Array(elements) = v.into_inner() else { return None };
        for e in elements.into_iter() {
            let e = shift_value(e, starts[a]);
            match e.get_ref() {
                DeValue::Table(t) => check(t),
                _ => return None,
            }
            rows.push(<T::Row as serde::Deserialize>::deserialize(toml::de::ValueDeserializer::from(e)).ok()?);
        }
        // Where the piece's elements start: its `[[X]]` headers; any other header must be one
        // of X's sub-tables.
        for h in headers(piece)? {
            if piece[h.first.clone()] != *layout.key {
                return None;
            }
            if h.array && h.single {
                piece_starts.push(starts[a] + h.start);
            } else if h.single {
                return None;
            }
        }
        if piece_starts.len() != rows.len() {
            return None;
        }
    }
    let mut value = old_value.without_rows();
    let kept = &old_value.rows();
    let out = value.baris();
    out.reserve_exact(a + rows.len() + (starts.len() - b));
    out.extend_from_slice(&kept[..a]);
    out.extend(rows);
    out.extend_from_slice(&kept[b..]);
    let mut new_starts = Vec::with_capacity(out.len());
    new_starts.extend_from_slice(&starts[..a]);
    new_starts.extend(piece_starts);
    new_starts.extend_from_slice(&starts[b..]);
    Some((value, Layout { key: layout.key.clone(), starts: new_starts }))
}

/// The longest piece that is parsed again when a `[[X]]` line inside it turned out not to be a
/// header (it lies in a multi-line string, or the piece does not parse): past it the file is
/// left to the whole-document parse, so that a broken file is not parsed over and over.
const RETRY_BYTES: usize = 256 * 1024;

/// The key of a line that is an array-of-tables header with one bare key (`[[baris]]`, with
/// blanks and a comment allowed around it), whether or not it lies inside a value.
fn array_header(line: &str) -> Option<&str> {
    let blank = [' ', '\t'];
    let rest = line.trim_start_matches(blank).strip_prefix("[[")?.trim_start_matches(blank);
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    let (key, rest) = rest.split_at(end);
    let rest = rest.trim_start_matches(blank).strip_prefix("]]")?.trim_start_matches(blank);
    (!key.is_empty() && (rest.is_empty() || rest.starts_with('#') || rest == "\n" || rest == "\r\n")).then_some(key)
}

/// Reads the next line of `r` into `line` (cleared first) and adds it to `lines`: `Some(false)`
/// at the end, `None` when the file cannot be read as UTF-8 text within
/// [`super::MAX_BYTES`].
fn next_line<R: std::io::BufRead>(r: &mut R, lines: &mut crate::diag::LineIndex, line: &mut String) -> Option<bool> {
    use std::io::{BufRead, Read};
    line.clear();
    let left = super::MAX_BYTES.saturating_sub(lines.len() as u64) + 1;
    let n = r.by_ref().take(left).read_line(line).ok()?;
    if n == 0 {
        return Some(false);
    }
    if (lines.len() + n) as u64 > super::MAX_BYTES {
        return None;
    }
    lines.push(line);
    Some(true)
}

/// What one piece of a streamed file gave.
enum Piece<T> {
    Row(T),
    /// The piece does not parse: the `[[X]]` line after it may lie inside one of its values.
    Unparsed,
    /// The piece parses, but not to one element of the array, or its row does not deserialise.
    Refused,
}

/// The row of a piece that starts with its `[[key]]` header at byte `by` of the file.
fn row<Row: serde::de::DeserializeOwned>(piece: &str, by: usize, key: &str, check: &mut dyn FnMut(&DeTable<'_>)) -> Piece<Row> {
    let (table, errors) = DeTable::parse_recoverable(piece);
    if !errors.is_empty() {
        return Piece::Unparsed;
    }
    let table = table.into_inner();
    if table.len() != 1 {
        return Piece::Refused;
    }
    let Some((k, v)) = table.into_iter().next() else { return Piece::Refused };
    if k.get_ref() != key {
        return Piece::Refused;
    }
    let DeValue::Array(mut a) = v.into_inner() else { return Piece::Refused };
    if a.len() != 1 {
        return Piece::Refused;
    }
    let element = shift_value(std::mem::replace(&mut (*a)[0], Spanned::new(0..0, DeValue::Boolean(false))), by);
    match element.get_ref() {
        DeValue::Table(t) => check(t),
        _ => return Piece::Refused,
    }
    match Row::deserialize(toml::de::ValueDeserializer::from(element)) {
        Ok(r) => Piece::Row(r),
        Err(_) => Piece::Refused,
    }
}

/// A data file read from `r` line by line, never whole: its prologue (up to its first
/// `[[X]]` header) is parsed and deserialised, then each element as soon as its lines are read,
/// into a row vector sized by a first pass that counts the `[[X]]` lines. `lines` gets every
/// line (the file's locations); `check` sees the same tables in the same order as
/// [`deserialize`] gives it. The value is the whole-document parse's: `None` in every case
/// where [`split`] or [`deserialize`] gives `None`, and when the file cannot be read, so that
/// the caller reads the file whole and reports its problems.
pub(super) fn stream<T: Baris, R: std::io::BufRead + std::io::Seek>(mut r: R, lines: &mut crate::diag::LineIndex, check: &mut dyn FnMut(&DeTable<'_>)) -> Option<T> {
    let mut line = String::new();
    // The prologue: its text up to the first `[[X]]` line before which the text parses.
    let mut prologue = String::new();
    let key = loop {
        if !next_line(&mut r, lines, &mut line)? {
            return None;
        }
        if let Some(k) = array_header(&line) {
            if DeTable::parse_recoverable(&prologue).1.is_empty() {
                break k.to_string();
            }
            if prologue.len() > RETRY_BYTES {
                return None;
            }
        }
        prologue.push_str(&line);
    };
    let mut value = {
        let (table, errors) = DeTable::parse_recoverable(&prologue);
        if !errors.is_empty() || table.get_ref().iter().any(|(k, _)| k.get_ref() == &key) {
            return None;
        }
        check(table.get_ref());
        T::deserialize(toml::de::Deserializer::from(table)).ok()?
    };
    drop(prologue);
    // The elements' number, for the row vector's size: the `[[X]]` lines from here on (one
    // inside a multi-line string counts too: a slot more, never fewer).
    {
        use std::io::{BufRead, Read};
        let at = r.stream_position().ok()?;
        let mut n = 1;
        let mut l = String::new();
        let mut limited = r.by_ref().take(super::MAX_BYTES);
        loop {
            l.clear();
            match limited.read_line(&mut l) {
                Ok(0) => break,
                Ok(_) => n += usize::from(array_header(&l) == Some(key.as_str())),
                Err(_) => return None,
            }
        }
        r.seek(std::io::SeekFrom::Start(at)).ok()?;
        value.baris().reserve_exact(n);
    }
    // Each element: its header line and the lines up to the next `[[X]]` line before which
    // the piece parses (or the end).
    let mut piece = std::mem::take(&mut line);
    loop {
        let start = lines.len() - piece.len();
        let more = loop {
            if !next_line(&mut r, lines, &mut line)? {
                break false;
            }
            if array_header(&line) == Some(key.as_str()) {
                match row(&piece, start, &key, check) {
                    Piece::Row(x) => {
                        value.baris().push(x);
                        break true;
                    }
                    Piece::Refused => return None,
                    Piece::Unparsed if piece.len() > RETRY_BYTES => return None,
                    Piece::Unparsed => {}
                }
            }
            piece.push_str(&line);
        };
        if !more {
            match row(&piece, start, &key, check) {
                Piece::Row(x) => value.baris().push(x),
                _ => return None,
            }
            return Some(value);
        }
        piece.clear();
        piece.push_str(&line);
    }
}

/// The pieces assembled into the document's table (what the tests compare with the whole parse).
#[cfg(test)]
fn parse(text: &str) -> Option<Spanned<DeTable<'_>>> {
    let pieces = split(text)?;
    // The first piece's array (its key, span and kind as the whole parse gives them) with
    // every element as `element` parses it.
    let by = pieces.starts[0];
    let end = pieces.starts.get(1).copied().unwrap_or(text.len());
    let (k, v) = DeTable::parse_recoverable(&text[by..end]).0.into_inner().into_iter().next()?;
    let (key, mut array) = (shift_key(k, by), shift_value(v, by));
    let DeValue::Array(a) = array.get_mut() else { return None };
    *a.first_mut()? = pieces.element(0)?;
    for i in 1..pieces.starts.len() {
        a.push(pieces.element(i)?);
    }
    let mut root = pieces.prologue;
    root.get_mut().insert(key, array);
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

    /// The sample's Tabel 3.4 with its rows repeated past the size that is read in pieces, with
    /// `edit` applied to the copy of the rows at about a third and at two thirds of the file.
    fn big_rencana(edit: impl Fn(&str) -> String) -> String {
        let text = std::fs::read_to_string(crate::checkout_dir().join("content/data/rencana.toml")).unwrap();
        let at = text.find("\n[[baris]]").unwrap() + 1;
        let mut big = text.clone();
        let mut copies = 0;
        while big.len() < FROM_BYTES {
            copies += 1;
            let rows = &text[at..];
            big.push_str(&if copies % 8 == 0 { edit(rows) } else { rows.to_string() });
        }
        big
    }

    /// `parse_toml` and the whole-document parse on `text`: the value (Debug, `None` when it
    /// failed) and the diagnostics of each.
    fn both(text: &str) -> [(Option<String>, String); 2] {
        use crate::source::schema::RencanaFile;
        let file = crate::diag::SourceFile::new("data/rencana.toml", std::path::Path::new("data/rencana.toml"), text.to_string());
        let glyphs = crate::source::text::Glyphs::load(&crate::checkout_dir().join("fonts"));
        let run = |whole: bool| {
            let mut diags = crate::diag::Diagnostics::new();
            let v: Option<RencanaFile> = if whole {
                crate::source::parse_whole(&file, text, 0, glyphs.as_ref(), &mut diags)
            } else {
                crate::source::parse_toml_with(&file, text, 0, glyphs.as_ref(), &mut diags)
            };
            (v.map(|v| format!("{v:?}")), serde_json::to_string_pretty(&diags).unwrap())
        };
        [run(false), run(true)]
    }

    #[test]
    fn a_large_data_file_deserialises_to_what_the_whole_parse_gives() {
        use serde::Deserialize;
        let big = big_rencana(str::to_string);
        // Read in pieces, not by the whole parse after a failed attempt.
        let pieces: crate::source::schema::RencanaFile = deserialize(split(&big).unwrap(), &mut |_| {}).unwrap();
        let whole = crate::source::schema::RencanaFile::deserialize(toml::de::Deserializer::from(DeTable::parse(&big).unwrap())).unwrap();
        assert!(pieces.baris.len() > 1000);
        assert_eq!(format!("{pieces:?}"), format!("{whole:?}"));
        let [p, w] = both(&big);
        assert!(p.0.is_some() && p.1 == "[]", "{}", p.1);
        assert_eq!(p, w);
    }

    #[test]
    fn a_large_data_files_text_problems_are_the_whole_parses() {
        // A character the fonts lack and a line of invisible characters, in rows far apart: the
        // value is still read in pieces, with the same errors at the same places.
        let big = big_rencana(|rows| rows.replacen("tolok_ukur = \"", "tolok_ukur = \"\u{1F600} \u{200b}\u{2028}", 2));
        assert!(deserialize::<crate::source::schema::RencanaFile>(split(&big).unwrap(), &mut |_| {}).is_some());
        let [p, w] = both(&big);
        assert!(p.1.matches("U+1F600").count() >= 4, "{}", p.1);
        assert_eq!(p, w);
    }

    #[test]
    fn a_large_data_file_that_does_not_deserialise_is_reported_as_the_whole_parse_does() {
        // An unknown field and a wrong type far down: the pieces give up, the whole parse reports
        // both and sets the rows aside.
        let big = big_rencana(|rows| {
            let second = rows[1..].find("[[baris]]\n").unwrap() + 1;
            let rows = format!("{}{}", &rows[..second], rows[second..].replacen("[[baris]]\n", "[[baris]]\nkolom_asing = 1\n", 1));
            rows.replacen("kode = \"", "kode = 7\nx = \"", 1)
        });
        assert!(deserialize::<crate::source::schema::RencanaFile>(split(&big).unwrap(), &mut |_| {}).is_none());
        let [p, w] = both(&big);
        assert!(p.1.contains("kolom tidak dikenal 'kolom_asing'") && p.1.contains("bilangan bulat `7`"), "{}", p.1);
        assert_eq!(p, w);
    }

    /// Files of the simple shape that are awkward to split.
    const AWKWARD: [&str; 4] = [
        // Sub-tables, inline tables, dotted keys, comments and blank lines between elements.
        "[tabel]\nnomor = \"3.4\"\n\n# c\n[[baris]]\nkode = \"1\"\na.b = 2\n[baris.dinyatakan]\npagu = 5\n\n# next\n[[baris]]\nkode = \"2\"\nt = { x = 1, y = [1, 2] }\n",
        // A multi-line string holding a header-like line; an array whose line starts with `[[`.
        "[[baris]]\ncatatan = \"\"\"\n[[baris]]\nbukan header\n\"\"\"\nx = [\n[[1]], [[2]]\n]\n[[baris]]\ncatatan = '''\n[lain]\n'''\n",
        // CRLF line ends, a byte-order mark, nested arrays of tables inside an element.
        "\u{feff}judul = \"a\"\r\n[[unit]]\r\nnama = \"x\"\r\n[[unit.subunit]]\r\nnama = \"y\"\r\n[[unit.subunit]]\r\nnama = \"z\"\r\n[[unit]]\r\nnama = \"w\"\r\n",
        // Only the array, with whitespace before the headers' keys and a comment after one.
        "[[ baris ]]\nkode = \"1\"\n[[ baris ]]  # komentar\nkode = \"2\"",
    ];

    #[test]
    fn awkward_but_simple_files_parse_to_the_whole_documents_table() {
        for text in AWKWARD {
            let c = chunked(text).unwrap_or_else(|| panic!("not split: {text:?}"));
            same(&c, &whole(text), text);
        }
    }

    /// Files of another shape, or with a syntax error: neither split nor streamed.
    const REFUSED: [&str; 7] = [
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
    ];

    #[test]
    fn other_shapes_and_syntax_errors_are_left_to_the_whole_parse() {
        for text in REFUSED {
            assert!(parse(text).is_none(), "split: {text:?}");
        }
    }

    /// [`stream`] over `text`: the value, and its text problems located by the line index the
    /// stream built, as diagnostics.
    fn streamed<T: Baris>(text: &str) -> Option<(T, String)> {
        let glyphs = crate::source::text::Glyphs::load(&crate::checkout_dir().join("fonts"));
        let mut lines = crate::diag::LineIndex::default();
        let mut problems = Vec::new();
        let v = stream::<T, _>(std::io::Cursor::new(text.as_bytes()), &mut lines, &mut |t| crate::source::strings_problems(t, glyphs.as_ref(), &mut |at, p| problems.push((at, p))))?;
        assert_eq!(lines.len(), text.len(), "every line is indexed");
        let file = lines.into_file("data/rencana.toml", std::path::Path::new("data/rencana.toml"));
        let whole = crate::diag::SourceFile::new("data/rencana.toml", std::path::Path::new("data/rencana.toml"), text.to_string());
        for offset in (0..text.len()).step_by(97) {
            assert_eq!(file.line_col(offset), whole.line_col(offset), "location of byte {offset}");
        }
        let mut diags = crate::diag::Diagnostics::new();
        for (at, p) in problems {
            diags.error(file.loc(at), p.message).with_hint(p.hint);
        }
        Some((v, serde_json::to_string_pretty(&diags).unwrap()))
    }

    #[test]
    fn streamed_files_are_the_whole_parses_value_with_its_text_problems() {
        fn check<T: Baris + std::fmt::Debug>(text: &str, what: &str) -> usize {
            let (v, diags) = streamed::<T>(text).unwrap_or_else(|| panic!("{what}: not streamed"));
            let file = crate::diag::SourceFile::new("data/rencana.toml", std::path::Path::new("data/rencana.toml"), text.to_string());
            let glyphs = crate::source::text::Glyphs::load(&crate::checkout_dir().join("fonts"));
            let mut whole_diags = crate::diag::Diagnostics::new();
            let whole: T = crate::source::parse_whole(&file, text, 0, glyphs.as_ref(), &mut whole_diags).unwrap();
            assert_eq!(format!("{v:?}"), format!("{whole:?}"), "{what}");
            assert_eq!(diags, serde_json::to_string_pretty(&whole_diags).unwrap(), "{what}");
            diags.matches("U+1F600").count()
        }
        use crate::source::schema::{EvaluasiFile, RencanaFile, RkpdFile};
        let data = crate::checkout_dir().join("content/data");
        let read = |f: &str| std::fs::read_to_string(data.join(f)).unwrap();
        check::<RencanaFile>(&read("rencana.toml"), "rencana.toml");
        check::<RkpdFile>(&read("rkpd.toml"), "rkpd.toml");
        check::<EvaluasiFile>(&read("evaluasi.toml"), "evaluasi.toml");
        check::<crate::source::schema::NomenklaturFile>(&read("nomenklatur.toml"), "nomenklatur.toml");
        check::<RencanaFile>(&big_rencana(str::to_string), "big rencana.toml");
        // Text problems far down, and a `[[baris]]` line inside a multi-line string.
        let odd = big_rencana(|rows| {
            rows.replacen("tolok_ukur = \"", "tolok_ukur = \"\u{1F600} \u{200b}\u{2028}", 2)
                .replacen("catatan = \"\"", "catatan = \"\"\"\n[[baris]]\nbukan header\n\"\"\"", 1)
        });
        assert!(odd.contains("\n[[baris]]\nbukan header"));
        assert!(check::<RencanaFile>(&odd, "big rencana.toml with problems") >= 4);
    }

    /// A file with any prologue and rows of any values.
    #[derive(Debug, serde::Deserialize)]
    struct Loose {
        #[serde(flatten)]
        prologue: toml::Table,
        #[serde(skip)]
        rows: Vec<Spanned<toml::Value>>,
    }

    impl Baris for Loose {
        type Row = Spanned<toml::Value>;
        fn baris(&mut self) -> &mut Vec<Spanned<toml::Value>> {
            &mut self.rows
        }
        fn rows(&self) -> &[Spanned<toml::Value>] {
            &self.rows
        }
        fn without_rows(&self) -> Self {
            Loose { prologue: self.prologue.clone(), rows: Vec::new() }
        }
    }

    #[test]
    fn streamed_awkward_files_and_refusals_are_the_splits() {
        use serde::Deserialize;
        for text in AWKWARD {
            let (v, _) = streamed::<Loose>(text).unwrap_or_else(|| panic!("not streamed: {text:?}"));
            let (root, errors) = DeTable::parse_recoverable(text);
            assert!(errors.is_empty());
            let mut prologue = toml::Table::new();
            let mut rows = Vec::new();
            for (k, x) in root.into_inner() {
                let array_of_tables = text.contains(&format!("[[{}]]", k.get_ref())) || text.contains(&format!("[[ {} ]]", k.get_ref()));
                match x.into_inner() {
                    DeValue::Array(a) if array_of_tables => {
                        rows = a.into_iter().map(|e| Spanned::<toml::Value>::deserialize(toml::de::ValueDeserializer::from(e)).unwrap()).collect();
                    }
                    other => {
                        let v = toml::Value::deserialize(toml::de::ValueDeserializer::from(Spanned::new(0..0, other))).unwrap();
                        prologue.insert(k.into_inner().into_owned(), v);
                    }
                }
            }
            assert!(!rows.is_empty());
            assert_eq!(format!("{:?}", v.prologue), format!("{prologue:?}"), "{text:?}");
            assert_eq!(format!("{:?}", v.rows), format!("{rows:?}"), "{text:?}");
            // Sized by the count of header lines: one more for the header inside a string.
            assert_eq!(v.rows.capacity(), v.rows.len() + usize::from(text.contains("\n[[baris]]\nbukan")), "{text:?}");
        }
        // The same array key as a plain table after the array, too.
        for text in REFUSED.into_iter().chain(["[[baris]]\nkode = \"1\"\n[baris]\nkode = \"2\"\n"]) {
            assert!(streamed::<Loose>(text).is_none(), "streamed: {text:?}");
        }
        // Not UTF-8: refused (the whole read reports where).
        let mut lines = crate::diag::LineIndex::default();
        assert!(stream::<Loose, _>(std::io::Cursor::new(b"[[baris]]\nkode = \"\xff\"\n".to_vec()), &mut lines, &mut |_| {}).is_none());
        // A row that does not deserialise: refused.
        let big = big_rencana(|rows| rows.replacen("kode = \"", "kolom_asing = 1\nkode = \"", 1));
        assert!(streamed::<crate::source::schema::RencanaFile>(&big).is_none());
    }

    /// `reparse` of `old` edited into `new`, checked against the whole parse of `new`: the
    /// same value, diagnostics and element starts whenever it gives a value. Whether it did.
    fn reparsed(old: &str, new: &str) -> bool {
        use crate::source::schema::RencanaFile;
        let glyphs = crate::source::text::Glyphs::load(&crate::checkout_dir().join("fonts"));
        let old_file = crate::diag::SourceFile::new("data/rencana.toml", std::path::Path::new("data/rencana.toml"), old.to_string());
        let mut d = crate::diag::Diagnostics::new();
        let old_value: RencanaFile = crate::source::parse_whole(&old_file, old, 0, glyphs.as_ref(), &mut d).unwrap();
        assert!(d.is_empty());
        let mut problems = Vec::new();
        let got = reparse(old, &old_value, &layout(old).unwrap(), new, &mut |t| crate::source::strings_problems(t, glyphs.as_ref(), &mut |at, p| problems.push((at, p))));
        let Some((value, l)) = got else { return false };
        let file = crate::diag::SourceFile::new("data/rencana.toml", std::path::Path::new("data/rencana.toml"), new.to_string());
        let mut diags = crate::diag::Diagnostics::new();
        for (at, p) in problems {
            diags.error(file.loc(at), p.message).with_hint(p.hint);
        }
        let mut whole_diags = crate::diag::Diagnostics::new();
        let whole: Option<RencanaFile> = crate::source::parse_whole(&file, new, 0, glyphs.as_ref(), &mut whole_diags);
        assert_eq!(format!("{:?}", Some(value)), format!("{whole:?}"), "value after the edit");
        assert_eq!(serde_json::to_string_pretty(&diags).unwrap(), serde_json::to_string_pretty(&whole_diags).unwrap());
        assert_eq!(l.starts, layout(new).unwrap().starts);
        true
    }

    #[test]
    fn an_edited_data_file_is_reparsed_to_the_whole_parses_value() {
        let old = std::fs::read_to_string(crate::checkout_dir().join("content/data/rencana.toml")).unwrap();
        let nth = |needle: &str, k: usize| old.match_indices(needle).nth(k).unwrap().0;
        let edit = |at: usize, cut: usize, put: &str| format!("{}{}{}", &old[..at], put, &old[at + cut..]);
        let header = "[[baris]]\n";
        let (h3, h4, h20, last) = (nth(header, 3), nth(header, 4), nth(header, 20), old.rfind(header).unwrap());
        let element = &old[h3..h4];
        let pagu = nth("pagu_sebelum = 9", 0) + "pagu_sebelum = ".len();
        let keluaran = nth("keluaran = \"", 20) + "keluaran = \"".len();
        // Parsed in part, to the whole parse's value.
        for (what, new) in [
            ("a pagu's digit (same length)", edit(pagu + 1, 1, if &old[pagu + 1..pagu + 2] == "1" { "2" } else { "1" })),
            ("a word typed into a text", edit(keluaran, 0, "Baru ")),
            ("a character the fonts lack", edit(keluaran, 0, "\u{1F600}")),
            ("an element deleted", edit(h3, h4 - h3, "")),
            ("an element copied in", edit(h4, 0, element)),
            ("an element added before another's header", edit(h20, 0, &element.replace("\"\n", "\" # salinan\n"))),
            ("the first element's text", edit(nth(header, 0) + header.len(), 0, "# komentar\n")),
            ("the last element's text", edit(old.len(), 0, "catatan_tambahan_tidak_dikenal_bukan = 1\n").replace("catatan_tambahan_tidak_dikenal_bukan = 1\n", "")),
            ("a sub-table added", edit(h4, 0, "[baris.dinyatakan]\npagu_sebelum = 1\n")),
            ("a value that is a multi-line string", edit(keluaran - 1, 1, "\"\"\"\n[[baris]]\nbukan header\n\"\"\" # ")),
        ] {
            assert!(reparsed(&old, &new), "{what}: not parsed in part");
        }
        let _ = last;
        // Left to the whole parse.
        for (what, new) in [
            ("the prologue", edit(nth("judul = ", 0), 0, "# x\n")),
            ("a string left open", edit(keluaran - 1, 1, "\"\"\"")),
            ("an unknown field", edit(h4, 0, "kolom_asing = 1\n")),
            ("a header broken", edit(h4, header.len(), "[[bariz]]\n")),
            ("a header's line removed", edit(h4, header.len(), "")),
            ("another table after the array", edit(old.len(), 0, "[lain]\nx = 1\n")),
            ("a header no longer at its line's start (same length)", edit(h20 - 1, 1, " ")),
        ] {
            assert!(!reparsed(&old, &new), "{what}: parsed in part");
        }
    }
}
