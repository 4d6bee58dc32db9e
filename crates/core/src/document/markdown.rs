//! Markdown → blocks. Chapter text (after template evaluation) becomes headings, paragraphs with
//! styled spans, lists with their marker style (1., a., A., i., 1), a)), simple tables, footnotes,
//! page breaks and placed-block markers. Authors write the list markers they want printed.

use super::{Blok, GayaDaftar, Inline};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;

/// The list style and start number of a list whose first item is on a given line.
#[derive(Debug, Clone, Copy)]
struct Marker {
    gaya: GayaDaftar,
    mulai: u32,
}

fn roman_value(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut prev = 0u32;
    for ch in s.chars().rev() {
        let v = match ch.to_ascii_lowercase() {
            'i' => 1,
            'v' => 5,
            'x' => 10,
            'l' => 50,
            'c' => 100,
            _ => return None,
        };
        if v < prev { total = total.checked_sub(v)? } else { total += v; prev = v; }
    }
    (total > 0).then_some(total)
}

/// Rewrites letter and roman list markers to numbers pulldown-cmark understands, remembering the
/// style per line. Returns the rewritten text and the styles of marker lines (0-based line).
fn preprocess(text: &str) -> (String, HashMap<usize, Marker>) {
    let mut out = String::with_capacity(text.len());
    let mut styles = HashMap::new();
    // Last letter-style marker seen per indentation, to tell "i." (letter after h.) from roman.
    let mut last_letter: HashMap<usize, char> = HashMap::new();
    for (no, line) in text.split_inclusive('\n').enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        let marker_len = rest.find(['.', ')']).unwrap_or(0);
        let word = &rest[..marker_len];
        let after = rest.get(marker_len + 1..).unwrap_or("");
        let is_marker = marker_len > 0 && marker_len <= 4 && after.starts_with([' ', '\t']) && word.chars().all(|c| c.is_ascii_alphanumeric());
        if is_marker {
            let delim = &rest[marker_len..marker_len + 1];
            let paren = delim == ")";
            let mut found: Option<(GayaDaftar, u32)> = None;
            if word.chars().all(|c| c.is_ascii_digit()) {
                found = word.parse().ok().map(|n| (if paren { GayaDaftar::AngkaKurung } else { GayaDaftar::Angka }, n));
            } else if word.len() == 1 && word.chars().all(|c| c.is_ascii_alphabetic()) {
                let c = word.chars().next().unwrap_or('a');
                let prev = last_letter.get(&indent).copied();
                let letter_follows = prev.is_some_and(|p| (p as u8).wrapping_add(1) == c as u8);
                let roman_start = matches!(c, 'i' | 'I') && !letter_follows;
                if roman_start {
                    found = Some((if c.is_ascii_lowercase() { GayaDaftar::Romawi } else { GayaDaftar::RomawiBesar }, 1));
                } else {
                    let n = (c.to_ascii_lowercase() as u8 - b'a' + 1) as u32;
                    let g = match (c.is_ascii_lowercase(), paren) {
                        (true, false) => GayaDaftar::Huruf,
                        (true, true) => GayaDaftar::HurufKurung,
                        (false, _) => GayaDaftar::HurufBesar,
                    };
                    found = Some((g, n));
                    last_letter.insert(indent, c);
                }
            } else if let Some(v) = roman_value(word) {
                let lower = word.chars().all(|c| c.is_ascii_lowercase());
                found = Some((if lower { GayaDaftar::Romawi } else { GayaDaftar::RomawiBesar }, v));
            }
            if let Some((gaya, n)) = found {
                styles.insert(no, Marker { gaya, mulai: n });
                out.push_str(&line[..indent]);
                // Keep the item's content column: pad the number to the marker's width.
                let num = n.to_string();
                out.push_str(&num);
                out.push_str(if paren { ")" } else { "." });
                for _ in num.len()..word.len() {
                    out.push(' ');
                }
                out.push_str(after);
                continue;
            }
        }
        out.push_str(line);
    }
    (out, styles)
}

/// A block under construction.
enum Frame {
    Para(Vec<Inline>),
    /// Text of a tight list item, which arrives without paragraph tags.
    TightPara(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    List(GayaDaftar, u32, Vec<Vec<Blok>>),
    Item(Vec<Blok>),
    Table { kepala: Vec<Vec<Inline>>, baris: Vec<Vec<Vec<Inline>>>, in_head: bool },
    Row(Vec<Vec<Inline>>),
    Cell(Vec<Inline>),
    Footnote(String, Vec<Blok>),
    Quote(Vec<Blok>),
    Code(Vec<Inline>),
}

/// What a chapter's Markdown became.
pub struct Parsed {
    pub blocks: Vec<Blok>,
    /// The 0-based body line each top-level block starts on (parallel to `blocks`).
    pub lines: Vec<usize>,
    /// Problems found, with the 0-based line in the chapter body.
    pub problems: Vec<(usize, String)>,
}

/// The deepest list nesting a chapter may use: Word numbers nine levels, and each level is a
/// nested call in the layout.
pub const MAX_LIST_DEPTH: usize = 8;

/// The longest heading (characters): a heading is also a PDF bookmark, a PDF string.
pub const MAX_HEADING: usize = 1000;

fn inline_len(isi: &[Inline]) -> usize {
    isi.iter().map(|i| match i { Inline::Teks { teks, .. } => teks.chars().count(), _ => 0 }).sum()
}

pub fn parse(text: &str) -> Parsed {
    let (pre, styles) = preprocess(text);
    // Line starts, so a byte offset's line is a binary search (a rescan per block made `check`
    // quadratic in the chapter's size).
    let starts: Vec<usize> = std::iter::once(0).chain(pre.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset.min(pre.len())).saturating_sub(1);
    let mut lines = Vec::new();
    let mut depth_reported = false;
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Vec<Blok> = Vec::new();
    let mut footnotes: HashMap<String, Vec<Blok>> = HashMap::new();
    let mut problems = Vec::new();
    let (mut bold, mut italic) = (0u32, 0u32);

    fn push_block(stack: &mut [Frame], root: &mut Vec<Blok>, b: Blok) {
        for f in stack.iter_mut().rev() {
            match f {
                Frame::Item(v) | Frame::Footnote(_, v) | Frame::Quote(v) => {
                    v.push(b);
                    return;
                }
                _ => {}
            }
        }
        root.push(b);
    }
    fn push_inline(stack: &mut [Frame], i: Inline) -> bool {
        match stack.last_mut() {
            Some(Frame::Para(v) | Frame::TightPara(v) | Frame::Heading(_, v) | Frame::Cell(v) | Frame::Code(v)) => {
                v.push(i);
                true
            }
            _ => false,
        }
    }

    fn close_tight(stack: &mut Vec<Frame>, root: &mut Vec<Blok>) {
        if let Some(Frame::TightPara(_)) = stack.last() {
            if let Some(Frame::TightPara(isi)) = stack.pop() {
                push_block(stack, root, Blok::Paragraf { isi });
            }
        }
    }

    for (event, range) in Parser::new_ext(&pre, opts).into_offset_iter() {
        if stack.is_empty() && matches!(event, Event::Start(_) | Event::Rule) {
            lines.push((root.len(), line_of(range.start)));
        }
        let inline_event = matches!(
            event,
            Event::Text(_) | Event::Code(_) | Event::SoftBreak | Event::HardBreak | Event::FootnoteReference(_)
                | Event::Start(Tag::Strong | Tag::Emphasis | Tag::Strikethrough | Tag::Link { .. })
                | Event::End(TagEnd::Strong | TagEnd::Emphasis | TagEnd::Strikethrough | TagEnd::Link)
        );
        if !inline_event {
            close_tight(&mut stack, &mut root);
        } else if let Some(Frame::Item(_)) = stack.last() {
            stack.push(Frame::TightPara(Vec::new()));
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => stack.push(Frame::Para(Vec::new())),
                Tag::Heading { level, .. } => {
                    let l = match level {
                        HeadingLevel::H1 | HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        _ => 4,
                    };
                    stack.push(Frame::Heading(l, Vec::new()));
                }
                Tag::List(start) => {
                    let depth = stack.iter().filter(|f| matches!(f, Frame::List(..))).count() + 1;
                    if depth > MAX_LIST_DEPTH && !depth_reported {
                        problems.push((line_of(range.start), format!("daftar bersarang {depth} tingkat; paling dalam {MAX_LIST_DEPTH} tingkat")));
                        depth_reported = true;
                    }
                    let m = styles.get(&line_of(range.start)).copied();
                    let (gaya, mulai) = match (start, m) {
                        (Some(_), Some(m)) => (m.gaya, m.mulai),
                        (Some(n), None) => (GayaDaftar::Angka, n as u32),
                        (None, _) => (GayaDaftar::Butir, 1),
                    };
                    stack.push(Frame::List(gaya, mulai, Vec::new()));
                }
                Tag::Item => stack.push(Frame::Item(Vec::new())),
                Tag::Table(_) => stack.push(Frame::Table { kepala: Vec::new(), baris: Vec::new(), in_head: false }),
                Tag::TableHead => {
                    if let Some(Frame::Table { in_head, .. }) = stack.last_mut() {
                        *in_head = true;
                    }
                    stack.push(Frame::Row(Vec::new()));
                }
                Tag::TableRow => stack.push(Frame::Row(Vec::new())),
                Tag::TableCell => stack.push(Frame::Cell(Vec::new())),
                Tag::FootnoteDefinition(label) => stack.push(Frame::Footnote(label.to_string(), Vec::new())),
                Tag::BlockQuote(_) => stack.push(Frame::Quote(Vec::new())),
                Tag::CodeBlock(_) => stack.push(Frame::Code(Vec::new())),
                Tag::Strong => bold += 1,
                Tag::Emphasis => italic += 1,
                Tag::Image { dest_url, .. } => {
                    problems.push((
                        line_of(range.start),
                        format!("gambar '{dest_url}' tidak dapat dicetak: bab belum mendukung gambar Markdown (hanya teks alternatifnya yang akan tercetak)"),
                    ));
                }
                _ => {}
            },
            Event::End(end) => match end {
                TagEnd::Paragraph => {
                    if let Some(Frame::Para(isi)) = stack.pop() {
                        let b = paragraph_block(isi, line_of(range.start), &mut problems);
                        // A paragraph directly in a tight list item arrives without Paragraph tags;
                        // a loose one arrives here and goes into the item.
                        push_block(&mut stack, &mut root, b);
                    }
                }
                TagEnd::Heading(_) => {
                    if let Some(Frame::Heading(l, isi)) = stack.pop() {
                        let n = inline_len(&isi);
                        if n > MAX_HEADING {
                            problems.push((line_of(range.start), format!("judul bagian terlalu panjang: {n} karakter; paling panjang {MAX_HEADING}")));
                        }
                        push_block(&mut stack, &mut root, Blok::Judul { tingkat: l, nomor: None, isi });
                    }
                }
                TagEnd::List(_) => {
                    if let Some(Frame::List(gaya, mulai, butir)) = stack.pop() {
                        push_block(&mut stack, &mut root, Blok::Daftar { gaya, mulai, butir });
                    }
                }
                TagEnd::Item => {
                    if let Some(Frame::Item(blocks)) = stack.pop() {
                        if let Some(Frame::List(_, _, butir)) = stack.last_mut() {
                            butir.push(blocks);
                        }
                    }
                }
                TagEnd::TableCell => {
                    if let Some(Frame::Cell(c)) = stack.pop() {
                        if let Some(Frame::Row(r)) = stack.last_mut() {
                            r.push(c);
                        }
                    }
                }
                TagEnd::TableHead | TagEnd::TableRow => {
                    if let Some(Frame::Row(r)) = stack.pop() {
                        if let Some(Frame::Table { kepala, baris, in_head }) = stack.last_mut() {
                            if *in_head {
                                *kepala = r;
                                *in_head = false;
                            } else {
                                baris.push(r);
                            }
                        }
                    }
                }
                TagEnd::Table => {
                    if let Some(Frame::Table { kepala, baris, .. }) = stack.pop() {
                        push_block(&mut stack, &mut root, Blok::TabelSederhana { kepala, baris });
                    }
                }
                TagEnd::FootnoteDefinition => {
                    if let Some(Frame::Footnote(label, blocks)) = stack.pop() {
                        footnotes.insert(label, blocks);
                    }
                }
                TagEnd::BlockQuote(_) => {
                    if let Some(Frame::Quote(blocks)) = stack.pop() {
                        for b in blocks {
                            push_block(&mut stack, &mut root, b);
                        }
                    }
                }
                TagEnd::CodeBlock => {
                    if let Some(Frame::Code(isi)) = stack.pop() {
                        push_block(&mut stack, &mut root, Blok::Paragraf { isi });
                    }
                }
                TagEnd::Strong => bold = bold.saturating_sub(1),
                TagEnd::Emphasis => italic = italic.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) | Event::Code(t) => {
                push_inline(&mut stack, Inline::Teks { teks: t.to_string(), tebal: bold > 0, miring: italic > 0 });
            }
            Event::SoftBreak => {
                push_inline(&mut stack, Inline::Teks { teks: " ".into(), tebal: bold > 0, miring: italic > 0 });
            }
            Event::HardBreak => {
                push_inline(&mut stack, Inline::BarisBaru);
            }
            Event::FootnoteReference(label) => {
                push_inline(&mut stack, Inline::Catatan { label: label.to_string(), isi: Vec::new() });
            }
            // Inline HTML other than comments is kept as literal text: documents carry no HTML.
            Event::InlineHtml(h) if !h.trim_start().starts_with("<!--") => {
                push_inline(&mut stack, Inline::Teks { teks: h.to_string(), tebal: bold > 0, miring: italic > 0 });
            }
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::Rule => push_block(&mut stack, &mut root, Blok::HalamanBaru),
            _ => {}
        }
    }
    resolve_footnotes(&mut root, &footnotes);
    // The start line of every top-level block (events that made no block leave no entry).
    let mut block_lines = vec![0; root.len()];
    let mut k = 0;
    for (i, slot) in block_lines.iter_mut().enumerate() {
        while k + 1 < lines.len() && lines[k + 1].0 <= i {
            k += 1;
        }
        *slot = lines.get(k).map_or(0, |l| l.1);
    }
    Parsed { blocks: root, lines: block_lines, problems }
}

/// A paragraph, or the block it stands for: a placement marker or a page break.
fn paragraph_block(isi: Vec<Inline>, line: usize, problems: &mut Vec<(usize, String)>) -> Blok {
    let text: String = isi.iter().map(|i| match i { Inline::Teks { teks, .. } => teks.as_str(), _ => "" }).collect();
    let trimmed = text.trim();
    if trimmed == "\\newpage" {
        return Blok::HalamanBaru;
    }
    let mark = super::template::MARK;
    if trimmed.contains(mark) {
        let inner = trimmed.trim_matches(mark);
        if trimmed.starts_with(mark) && trimmed.ends_with(mark) && !inner.contains(mark) {
            if let Ok(n) = inner.parse::<usize>() {
                return Blok::Sisipan { indeks: n };
            }
        }
        problems.push((line, "tabel atau daftar yang disisipkan harus berdiri sebagai paragraf sendiri (baris kosong sebelum dan sesudahnya)".into()));
        let cleaned: Vec<Inline> = isi
            .into_iter()
            .map(|i| match i {
                Inline::Teks { teks, tebal, miring } => Inline::Teks { teks: teks.replace(mark, ""), tebal, miring },
                o => o,
            })
            .collect();
        return Blok::Paragraf { isi: cleaned };
    }
    Blok::Paragraf { isi }
}

fn resolve_footnotes(blocks: &mut [Blok], defs: &HashMap<String, Vec<Blok>>) {
    fn inl(v: &mut [Inline], defs: &HashMap<String, Vec<Blok>>) {
        for i in v.iter_mut() {
            if let Inline::Catatan { label, isi } = i {
                if let Some(blocks) = defs.get(label.as_str()) {
                    {
                        *isi = blocks
                            .iter()
                            .flat_map(|b| match b {
                                Blok::Paragraf { isi } => isi.clone(),
                                _ => Vec::new(),
                            })
                            .collect();
                    }
                }
            }
        }
    }
    for b in blocks.iter_mut() {
        match b {
            Blok::Paragraf { isi } | Blok::Judul { isi, .. } => inl(isi, defs),
            Blok::Daftar { butir, .. } => {
                for item in butir.iter_mut() {
                    resolve_footnotes(item, defs);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(b: &Blok) -> String {
        match b {
            Blok::Paragraf { isi } | Blok::Judul { isi, .. } => isi.iter().map(|i| match i { Inline::Teks { teks, .. } => teks.clone(), _ => String::new() }).collect(),
            _ => String::new(),
        }
    }

    #[test]
    fn lettered_and_nested_lists() {
        let p = parse("Intro:\n\na. satu;\nb. dua;\n   1. anak\n   2. anak dua\nc. tiga\n");
        assert_eq!(p.blocks.len(), 2);
        let Blok::Daftar { gaya, mulai, butir } = &p.blocks[1] else { panic!("{:?}", p.blocks) };
        assert_eq!(*gaya, GayaDaftar::Huruf);
        assert_eq!(*mulai, 1);
        assert_eq!(butir.len(), 3);
        assert_eq!(texts(&butir[0][0]), "satu;");
        let Blok::Daftar { gaya, butir: inner, .. } = &butir[1][1] else { panic!("{:?}", butir[1]) };
        assert_eq!(*gaya, GayaDaftar::Angka);
        assert_eq!(inner.len(), 2);
    }

    #[test]
    fn roman_and_letter_i() {
        let p = parse("i. satu\nii. dua\n");
        let Blok::Daftar { gaya, butir, .. } = &p.blocks[0] else { panic!() };
        assert_eq!(*gaya, GayaDaftar::Romawi);
        assert_eq!(butir.len(), 2);
        let p = parse("h. delapan\ni. sembilan\n");
        let Blok::Daftar { gaya, butir, .. } = &p.blocks[0] else { panic!() };
        assert_eq!(*gaya, GayaDaftar::Huruf);
        assert_eq!(butir.len(), 2);
    }

    #[test]
    fn emphasis_footnote_pagebreak() {
        let p = parse("Teks **tebal** dan *miring*[^1].\n\n\\newpage\n\n[^1]: Catatan.\n");
        let Blok::Paragraf { isi } = &p.blocks[0] else { panic!() };
        assert!(isi.iter().any(|i| matches!(i, Inline::Teks { teks, tebal: true, .. } if teks == "tebal")));
        assert!(isi.iter().any(|i| matches!(i, Inline::Catatan { isi, .. } if !isi.is_empty())));
        assert!(matches!(p.blocks[1], Blok::HalamanBaru));
    }

    #[test]
    fn typst_syntax_stays_text() {
        let p = parse("Harga #set $x$ #read(\"/etc/passwd\") @ref <label>\n");
        assert!(texts(&p.blocks[0]).contains("#read(\"/etc/passwd\")"));
    }
}
