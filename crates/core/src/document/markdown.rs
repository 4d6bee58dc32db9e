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

/// A printed line of nothing but invisible characters before a line break, as the parsed
/// Markdown prints it ([`crate::source::text::InvisibleLine`], by body line): in a table cell, a
/// link or after a hard break the source line around it holds visible markup, so the source text
/// check ([`crate::source::text::check_markdown`]) cannot see it, and the PDF/A export would
/// fail on it.
type InvisibleLine = crate::source::text::InvisibleLine<usize>;

/// Reads text printed from body line `line` on into `blank`, reporting such lines.
fn printed(blank: &mut InvisibleLine, t: &str, mut line: usize, problems: &mut Vec<(usize, String)>) {
    for c in t.chars() {
        report_invisible(blank.feed(c, line), problems);
        line += usize::from(c == '\n');
    }
}

fn report_invisible(found: Option<(usize, char)>, problems: &mut Vec<(usize, String)>) {
    if let Some((line, c)) = found {
        problems.push((line, crate::source::text::invisible_line(c)));
    }
}

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
    let mut invisible = InvisibleLine::default();

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

    // What a list item or a footnote cannot hold. A page break: typst breaks no page inside a
    // container, so the PDF would fail. A placed table or list: a table is fitted to the full
    // text width, and a footnote holds only text.
    fn push_break_or_block(stack: &mut [Frame], root: &mut Vec<Blok>, b: Blok, line: usize, problems: &mut Vec<(usize, String)>) {
        let in_item = stack.iter().any(|f| matches!(f, Frame::Item(_)));
        let in_footnote = stack.iter().any(|f| matches!(f, Frame::Footnote(..)));
        if matches!(b, Blok::HalamanBaru) && in_item {
            problems.push((line, "pemisah halaman (\\newpage atau ---) tidak dapat diletakkan di dalam butir daftar; letakkan sesudah daftar".into()));
            return;
        }
        if matches!(b, Blok::Sisipan { .. }) && (in_item || in_footnote) {
            let di = if in_footnote { "catatan kaki" } else { "butir daftar" };
            problems.push((line, format!("tabel atau daftar yang disisipkan tidak dapat diletakkan di dalam {di}; sisipkan sebagai paragraf sendiri di luar {di}")));
            return;
        }
        push_block(stack, root, b);
    }

    // A tight list item's text is a paragraph as a loose one's is: a placement may stand alone.
    fn close_tight(stack: &mut Vec<Frame>, root: &mut Vec<Blok>, line: usize, problems: &mut Vec<(usize, String)>) {
        if let Some(Frame::TightPara(_)) = stack.last() {
            if let Some(Frame::TightPara(isi)) = stack.pop() {
                let b = paragraph_block(isi, line, problems);
                push_break_or_block(stack, root, b, line, problems);
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
            // A block (paragraph, cell, heading, item) starts or ends: a new printed line.
            invisible = InvisibleLine::default();
            close_tight(&mut stack, &mut root, line_of(range.start), &mut problems);
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
                        push_break_or_block(&mut stack, &mut root, b, line_of(range.start), &mut problems);
                    }
                }
                TagEnd::Heading(_) => {
                    if let Some(Frame::Heading(l, isi)) = stack.pop() {
                        let n = inline_len(&isi);
                        if n > MAX_HEADING {
                            problems.push((line_of(range.start), format!("judul bagian terlalu panjang: {n} karakter; paling panjang {MAX_HEADING}")));
                        }
                        let isi = without_placements(isi, line_of(range.start), &mut problems);
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
                        let c = without_placements(c, line_of(range.start), &mut problems);
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
                        let isi = without_placements(isi, line_of(range.start), &mut problems);
                        push_block(&mut stack, &mut root, Blok::Paragraf { isi });
                    }
                }
                TagEnd::Strong => bold = bold.saturating_sub(1),
                TagEnd::Emphasis => italic = italic.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) | Event::Code(t) => {
                printed(&mut invisible, &t, line_of(range.start), &mut problems);
                push_inline(&mut stack, Inline::Teks { teks: t.to_string(), tebal: bold > 0, miring: italic > 0 });
            }
            Event::SoftBreak => {
                push_inline(&mut stack, Inline::Teks { teks: " ".into(), tebal: bold > 0, miring: italic > 0 });
            }
            Event::HardBreak => {
                report_invisible(invisible.line_break(), &mut problems);
                push_inline(&mut stack, Inline::BarisBaru);
            }
            Event::FootnoteReference(label) => {
                invisible.visible();
                push_inline(&mut stack, Inline::Catatan { label: label.to_string(), isi: Vec::new() });
            }
            // Inline HTML other than comments is kept as literal text: documents carry no HTML.
            Event::InlineHtml(h) if !h.trim_start().starts_with("<!--") => {
                printed(&mut invisible, &h, line_of(range.start), &mut problems);
                push_inline(&mut stack, Inline::Teks { teks: h.to_string(), tebal: bold > 0, miring: italic > 0 });
            }
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::Rule => push_break_or_block(&mut stack, &mut root, Blok::HalamanBaru, line_of(range.start), &mut problems),
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
    }
    Blok::Paragraf { isi: without_placements(isi, line, problems) }
}

/// `isi` without the placement markers of a table or list placed inside a line of text (a
/// heading, a table cell, a code block, within a paragraph), where nothing can be placed: the
/// marker would print as a box and a number. Reported as a problem on `line`.
fn without_placements(isi: Vec<Inline>, line: usize, problems: &mut Vec<(usize, String)>) -> Vec<Inline> {
    let mark = super::template::MARK;
    if !isi.iter().any(|i| matches!(i, Inline::Teks { teks, .. } if teks.contains(mark))) {
        return isi;
    }
    problems.push((line, "tabel atau daftar yang disisipkan harus berdiri sebagai paragraf sendiri (baris kosong sebelum dan sesudahnya)".into()));
    isi.into_iter()
        .map(|i| match i {
            Inline::Teks { teks, tebal, miring } => Inline::Teks { teks: without_markers(&teks, mark), tebal, miring },
            o => o,
        })
        .collect()
}

/// `teks` without its markers `MARK n MARK` (and without any stray `MARK`).
fn without_markers(teks: &str, mark: char) -> String {
    let mut out = String::with_capacity(teks.len());
    let mut rest = teks;
    while let Some(i) = rest.find(mark) {
        out.push_str(&rest[..i]);
        rest = &rest[i + mark.len_utf8()..];
        if let Some(j) = rest.find(mark) {
            if j > 0 && rest[..j].bytes().all(|b| b.is_ascii_digit()) {
                rest = &rest[j + mark.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
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

    #[test]
    fn a_placement_inside_a_line_of_text_is_a_problem_and_prints_nothing() {
        // Each printed the marker (a box and the number) and passed `check`.
        let m = super::super::template::MARK;
        for (bad, line) in [
            (format!("| a | b |\n|---|---|\n| {m}0{m} | x |\n"), 2),
            (format!("## Judul {m}3{m}\n"), 0),
            (format!("teks\n\n```\n{m}12{m}\n```\n"), 2),
            (format!("- a {m}0{m}\n"), 0),
        ] {
            let parsed = parse(&bad);
            assert_eq!(parsed.problems.len(), 1, "{bad:?}: {:?}", parsed.problems);
            assert!(parsed.problems[0].1.contains("paragraf sendiri"), "{:?}", parsed.problems);
            assert_eq!(parsed.problems[0].0, line, "{bad:?}");
            let printed = format!("{:?}", parsed.blocks);
            assert!(!printed.contains(m) && !printed.contains("Sisipan"), "{bad:?}: {printed}");
            assert!(!printed.contains("\"0") && !printed.contains("3\"") && !printed.contains("12"), "{bad:?}: {printed}");
        }
        // A table fitted to the text width does not fit in a list item; a footnote holds text.
        for (bad, di) in [(format!("- a\n\n  {m}0{m}\n"), "butir daftar"), (format!("- {m}0{m}\n"), "butir daftar"), (format!("x[^q]\n\n[^q]: {m}0{m}\n"), "catatan kaki")] {
            let parsed = parse(&bad);
            assert_eq!(parsed.problems.len(), 1, "{bad:?}: {:?}", parsed.problems);
            assert!(parsed.problems[0].1.contains(di), "{:?}", parsed.problems);
            assert!(!format!("{:?}", parsed.blocks).contains("Sisipan"), "{bad:?}");
        }
        // Standing alone, at the top or in a quote, it is placed.
        for good in [format!("{m}0{m}\n"), format!("> {m}0{m}\n"), format!("- a\n\n{m}0{m}\n")] {
            let parsed = parse(&good);
            assert!(parsed.problems.is_empty(), "{good:?}: {:?}", parsed.problems);
            assert!(format!("{:?}", parsed.blocks).contains("Sisipan { indeks: 0 }"), "{good:?}");
        }
    }

    #[test]
    fn a_page_break_inside_a_list_item_is_a_problem() {
        // typst breaks no page inside a container: these passed `check` and failed the PDF.
        for (bad, line) in [("- a\n\n  \\newpage\n\n  b\n", 2), ("- a\n\n  ---\n", 2), ("1. a\n   > \\newpage\n", 1), ("- \\newpage\n", 0)] {
            let parsed = parse(bad);
            assert_eq!(parsed.problems.len(), 1, "{bad:?}: {:?}", parsed.problems);
            assert!(parsed.problems[0].1.contains("pemisah halaman"), "{:?}", parsed.problems);
            assert_eq!(parsed.problems[0].0, line, "{bad:?}");
            assert!(!format!("{:?}", parsed.blocks).contains("HalamanBaru"), "{bad:?}");
        }
        for good in ["- a\n\n\\newpage\n", "> a\n>\n> \\newpage\n", "- a\n\n---\n"] {
            let parsed = parse(good);
            assert!(parsed.problems.is_empty(), "{good:?}: {:?}", parsed.problems);
            assert!(format!("{:?}", parsed.blocks).contains("HalamanBaru"), "{good:?}");
        }
    }

    #[test]
    fn a_printed_line_of_only_invisible_characters_before_a_break() {
        // Each passed the source text check and failed the PDF/A export.
        for (bad, line) in [
            ("| a | b |\n|---|---|\n| \u{AD}\u{2028} | x |\n", 2),
            ("| a | b |\n|---|---|\n| x | \u{200B}\u{2028}y |\n", 2),
            ("teks\n\n[\u{AD}\u{2028}](x)\n", 2),
            ("`\u{AD}\u{2028}`\n", 0),
            ("a  \n\u{200B}  \nb\n", 1),
        ] {
            let p = parse(bad).problems;
            assert_eq!(p.len(), 1, "{bad:?}: {p:?}");
            assert!(p[0].1.contains("tak terlihat"), "{p:?}");
            assert_eq!(p[0].0, line, "{bad:?}");
        }
        for good in [
            "| a | b |\n|---|---|\n| x\u{AD}\u{2028}y | \u{200B} |\n",
            "| \u{AD} | x |\n|---|---|\n| y | z |\n",
            "a\u{AD}\u{2028}b\n",
            "[^1]\u{2028}x\n\n[^1]: catatan\n",
            "\u{AD}\n\nteks\n",
        ] {
            let p = parse(good).problems;
            assert!(p.is_empty(), "{good:?}: {p:?}");
        }
    }

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
