//! Diagnostics: the one type every stage uses to report a problem in the sources (file, line,
//! column, severity, message, hint), and the source-file index that turns byte offsets into
//! line:column. Printed one way on the terminal (`file:line:col: error: message`).
//!
//! Boundary: owns the diagnostic type and source-file locations; depends on no other module of
//! renja (every stage uses it).

use serde::Serialize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How bad a problem is: errors stop the build, warnings are reported and allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// The pipeline stage that found a problem, so callers can choose what to show by where it
/// arose (e.g. `renja build` lists every render-stage message and only counts source warnings),
/// never by the message's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Reading the edition folder: files, TOML and front matter syntax, schema.
    #[default]
    Source,
    /// Validating the parsed sources into the model (codes, amounts, references).
    Validate,
    /// Computing roll-ups, capaian, predikat, statistics; declared values compared.
    Compute,
    /// Building the document model: chapters, templates, placed tables.
    Document,
    /// Comparing a Perubahan's Sebelum columns with its base edition in the archive.
    Base,
    /// Laying out and exporting the PDF (typst), including the empty signature field.
    Layout,
    /// Writing the DOCX.
    Docx,
    /// Writing the Excel workbook.
    Xlsx,
}

impl Stage {
    /// Stages that read the author's sources (`renja check` reports them all).
    pub fn is_source(self) -> bool {
        matches!(self, Stage::Source | Stage::Validate | Stage::Compute | Stage::Document | Stage::Base)
    }
}

/// A place in a source file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One problem found in the sources.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Where in the pipeline the problem was found.
    pub stage: Stage,
    #[serde(flatten)]
    pub loc: Loc,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The underlying detail in its original language (the TOML parser's, the operating
    /// system's, the template engine's or typst's own words), printed as a secondary line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {}: {}", self.loc, sev, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = saran: {hint}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  = rincian: {detail}")?;
        }
        Ok(())
    }
}

/// A loaded source file: its display name (relative to the edition folder), its text and the
/// byte offsets where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: Arc<str>,
    pub path: PathBuf,
    /// Empty once [`SourceFile::forget_text`] was called.
    pub text: String,
    /// Byte offsets of the lines' starts; u32, as a source file is at most
    /// [`crate::source::MAX_BYTES`] (64 MiB): at ×64, 0.9 MB of `renja check`'s memory less.
    line_starts: Vec<u32>,
    /// What locations still need once the text is forgotten.
    forgotten: Option<Box<Forgotten>>,
}

/// The text's length and its lines that hold a character outside ASCII (by 0-based line index,
/// in order): on the other lines a column is the byte offset from the line's start.
#[derive(Debug, Clone)]
struct Forgotten {
    len: usize,
    lines: Vec<(u32, Box<str>)>,
}

/// A file's line index built line by line, for a file read without ever holding its whole
/// text ([`crate::source`]'s streamed read of a large data file): it gives the
/// [`SourceFile`] that [`SourceFile::forget_text`] would leave of the file's text.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: usize,
    lines: Vec<(u32, Box<str>)>,
}

impl Default for LineIndex {
    fn default() -> Self {
        LineIndex { starts: vec![0], len: 0, lines: Vec::new() }
    }
}

impl LineIndex {
    /// Adds the file's next line: its text up to and with its `\n` (the last line may have none).
    pub fn push(&mut self, line: &str) {
        if !line.is_ascii() {
            self.lines.push((self.starts.len() as u32 - 1, Box::from(line)));
        }
        self.len += line.len();
        if line.ends_with('\n') {
            self.starts.push(u32::try_from(self.len).unwrap_or(u32::MAX));
        }
    }

    /// The bytes pushed so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The source file of the lines pushed, its text forgotten.
    pub fn into_file(self, name: &str, path: &Path) -> SourceFile {
        let LineIndex { mut starts, len, mut lines } = self;
        starts.shrink_to_fit();
        lines.shrink_to_fit();
        SourceFile { name: Arc::from(name), path: path.to_path_buf(), text: String::new(), line_starts: starts, forgotten: Some(Box::new(Forgotten { len, lines })) }
    }
}

impl SourceFile {
    pub fn new(name: &str, path: &Path, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)));
        SourceFile { name: Arc::from(name), path: path.to_path_buf(), text, line_starts, forgotten: None }
    }

    /// Drops the text, keeping what [`SourceFile::line_col`] needs: the same locations after as
    /// before. For a caller that reads a parsed file's values and no more of its text (`renja
    /// check` once its data files are parsed: at ×64, 5 MB of its peak memory).
    pub fn forget_text(&mut self) {
        if self.forgotten.is_some() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        let mut lines = Vec::new();
        for (i, &s) in self.line_starts.iter().enumerate() {
            let e = self.line_starts.get(i + 1).map_or(text.len(), |&e| e as usize);
            let line = text.get(s as usize..e).unwrap_or("");
            if !line.is_ascii() {
                lines.push((i as u32, Box::from(line)));
            }
        }
        self.forgotten = Some(Box::new(Forgotten { len: text.len(), lines }));
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.forgotten.as_ref().map_or(self.text.len(), |f| f.len));
        let line = self.line_starts.partition_point(|&s| s as usize <= offset).max(1);
        let start = self.line_starts[line - 1] as usize;
        let chars = match &self.forgotten {
            None => self.text.get(start..offset).map(|s| s.chars().count()),
            Some(f) => match f.lines.binary_search_by_key(&(line as u32 - 1), |(i, _)| *i) {
                Ok(i) => f.lines[i].1.get(..offset - start).map(|s| s.chars().count()),
                Err(_) => Some(offset - start),
            },
        };
        (line, chars.unwrap_or(0) + 1)
    }

    pub fn loc(&self, offset: usize) -> Loc {
        let (line, col) = self.line_col(offset);
        Loc { file: self.name.clone(), line, col }
    }

    pub fn loc_of(&self, span: &Range<usize>) -> Loc {
        self.loc(span.start)
    }

    /// The location of the start of a 1-based line.
    pub fn line_loc(&self, line: usize) -> Loc {
        Loc { file: self.name.clone(), line: line.max(1), col: 1 }
    }

    /// A location for the whole file (line 1, column 1).
    pub fn start(&self) -> Loc {
        self.line_loc(1)
    }
}

/// The diagnostics collected while reading and checking one edition.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// The stage new diagnostics are recorded under (set by the façade between stages).
    #[serde(skip)]
    stage: Stage,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, severity: Severity, loc: Loc, message: impl Into<String>) -> &mut Diagnostic {
        self.items.push(Diagnostic { severity, stage: self.stage, loc, message: message.into(), hint: None, detail: None });
        self.items.last_mut().expect("just pushed")
    }

    pub fn error(&mut self, loc: Loc, message: impl Into<String>) -> &mut Diagnostic {
        self.push(Severity::Error, loc, message)
    }

    pub fn warning(&mut self, loc: Loc, message: impl Into<String>) -> &mut Diagnostic {
        self.push(Severity::Warning, loc, message)
    }

    /// Records the diagnostics that follow under `stage`.
    pub fn enter(&mut self, stage: Stage) {
        self.stage = stage;
    }

    /// The stage new diagnostics are recorded under.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The diagnostics found in `stage`.
    pub fn of_stage(&self, stage: Stage) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(move |d| d.stage == stage)
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Keeps only the diagnostics for which `keep` is true.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file, line and column, keeping the order of equal places.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.loc.file, a.loc.line, a.loc.col).cmp(&(&b.loc.file, b.loc.line, b.loc.col))
        });
    }

    /// The closing line `renja check` prints.
    pub fn summary(&self) -> String {
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        if e == 0 {
            format!("tidak ada kesalahan, {w} peringatan")
        } else {
            format!("{e} kesalahan, {w} peringatan")
        }
    }
}

impl Diagnostic {
    pub fn with_hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds the underlying (often English) detail as a secondary line.
    pub fn with_detail(&mut self, detail: impl Into<String>) -> &mut Self {
        let d = detail.into();
        let d = d.trim();
        if !d.is_empty() {
            self.detail = Some(d.to_string());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col() {
        let f = SourceFile::new("a.toml", Path::new("a.toml"), "ab\ncdé\nx".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_col(100), (3, 2));
    }

    /// Every offset (inside characters too, and past the end) gives the same line and column
    /// once the text is forgotten: ASCII lines, lines with 2-, 3- and 4-byte characters, CRLF,
    /// empty lines, no final newline.
    #[test]
    fn forgotten_text_keeps_every_location() {
        for text in ["", "\n", "ab\ncdé\nx", "a = 1\r\nnama = \"Dinas — Kesehatan\"\r\n\r\nb = \"😀x\"\nc = 2\n", "é", "x\n\n\nyz"] {
            let f = SourceFile::new("a.toml", Path::new("a.toml"), text.to_string());
            let mut g = f.clone();
            g.forget_text();
            assert!(g.text.is_empty());
            for offset in 0..text.len() + 3 {
                assert_eq!(g.line_col(offset), f.line_col(offset), "{text:?} at {offset}");
            }
            g.forget_text();
            assert_eq!(g.line_col(text.len()), f.line_col(text.len()), "a second forget changes nothing");
            // The same file built line by line, as a streamed read does.
            let mut index = LineIndex::default();
            text.split_inclusive('\n').for_each(|l| index.push(l));
            assert_eq!(index.len(), text.len());
            let h = index.into_file("a.toml", Path::new("a.toml"));
            for offset in 0..text.len() + 3 {
                assert_eq!(h.line_col(offset), f.line_col(offset), "{text:?} at {offset}, built line by line");
            }
        }
    }
}
