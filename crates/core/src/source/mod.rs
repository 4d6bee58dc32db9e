//! Reading an edition folder: every source file is read once, parsed with spans, and every
//! syntax or schema problem becomes a located [`Diagnostic`](crate::diag::Diagnostic) in Bahasa
//! Indonesia. Nothing here interprets the values; that is `model` and `compute`.
//!
//! Boundary: reads the edition folder (the only file reading before rendering) and computes the
//! sources' fingerprint ([`fingerprint`], over [`read_tree`]); may use `diag`, `format` and
//! `model::value`, never `model`'s validation, `compute`, a renderer or `archive`.

mod chunks;
pub mod schema;
pub mod text;

use crate::diag::{Diagnostics, SourceFile};
use schema::*;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Why a folder's files could not be read whole (for the archive and the fingerprint; reading
/// the edition itself reports located diagnostics instead).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: nama berkas bukan UTF-8", .0.display())]
    NotUtf8(PathBuf),
}

/// A chapter file: its front matter and the Markdown body with the line it starts on.
#[derive(Debug, Clone)]
pub struct ChapterSource {
    pub file: SourceFile,
    pub front: FrontMatter,
    pub body: String,
    /// 1-based line of the first body line in the file.
    pub body_line: usize,
}

/// Everything read from an edition folder, each part with the file it came from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub dir: PathBuf,
    /// Data files present on disk (even when they failed to parse), by path relative to `dir`.
    pub present: Vec<String>,
    pub edisi: Option<Loaded<EdisiFile>>,
    pub chapters: Vec<ChapterSource>,
    pub nomenklatur: Option<Loaded<NomenklaturFile>>,
    pub evaluasi: Option<Loaded<EvaluasiFile>>,
    pub tujuan_sasaran: Option<Loaded<TujuanSasaranFile>>,
    pub rkpd: Option<Loaded<RkpdFile>>,
    pub rencana: Option<Loaded<RencanaFile>>,
    pub landasan: Option<Loaded<LandasanFile>>,
    pub organisasi: Option<Loaded<OrganisasiFile>>,
    pub usulan: Option<Loaded<UsulanFile>>,
}

impl Sources {
    /// Forgets the text of every data file (not edisi.toml's, nor the chapters'), keeping the
    /// parsed values and the same locations ([`SourceFile::forget_text`]): at ×64, 5 MB of
    /// `renja check`'s peak. A file shared with another holder keeps its text.
    pub fn forget_data_text(&mut self) {
        fn forget<T>(l: &mut Option<Loaded<T>>) {
            if let Some((file, _)) = l.as_mut().and_then(std::sync::Arc::get_mut) {
                file.forget_text();
            }
        }
        forget(&mut self.nomenklatur);
        forget(&mut self.evaluasi);
        forget(&mut self.tujuan_sasaran);
        forget(&mut self.rkpd);
        forget(&mut self.rencana);
        forget(&mut self.landasan);
        forget(&mut self.organisasi);
        forget(&mut self.usulan);
    }

    /// The sources without the rows of the data files: each of nomenklatur.toml, evaluasi.toml,
    /// rkpd.toml, rencana.toml and usulan.toml keeps its name, path and table settings, but not
    /// its text or rows (at ×64, 15 MB of `renja check`'s memory). Once the tables are computed,
    /// the document stage reads no more than this (`renja_edition::Edition::check_dir`).
    pub fn without_rows(mut self) -> Sources {
        for file in ["data/nomenklatur.toml", "data/evaluasi.toml", "data/rkpd.toml", "data/rencana.toml", "data/usulan.toml"] {
            self.drop_rows(file);
        }
        self
    }

    /// Drops the text and rows of one of the data files [`Sources::without_rows`] thins (by its
    /// path relative to the edition folder; another file is left as it is): `renja check` drops
    /// a table's file once the parts that read it are computed.
    pub fn drop_rows(&mut self, file: &str) {
        fn thin<T>(l: &mut Option<Loaded<T>>, keep: impl FnOnce(&T) -> T) {
            if let Some(loaded) = l.take() {
                let (file, value) = &*loaded;
                *l = Some(std::sync::Arc::new((SourceFile::new(&file.name, &file.path, String::new()), keep(value))));
            }
        }
        match file {
            "data/nomenklatur.toml" => thin(&mut self.nomenklatur, chunks::Baris::without_rows),
            "data/evaluasi.toml" => thin(&mut self.evaluasi, chunks::Baris::without_rows),
            "data/rkpd.toml" => thin(&mut self.rkpd, chunks::Baris::without_rows),
            "data/rencana.toml" => thin(&mut self.rencana, chunks::Baris::without_rows),
            "data/usulan.toml" => thin(&mut self.usulan, |u| UsulanFile { tabel: u.tabel.clone(), usulan: Vec::new() }),
            _ => {}
        }
    }
}

/// A parsed source file with its text, shared: an incremental load ([`load_cached`]) gives the
/// kept parse of an unchanged file without copying it.
pub type Loaded<T> = std::sync::Arc<(SourceFile, T)>;

/// edisi.toml and every data file, in the order [`load`] reads them.
pub const DATA_FILES: &[&str] = &[
    "edisi.toml",
    "data/nomenklatur.toml",
    "data/evaluasi.toml",
    "data/tujuan-sasaran.toml",
    "data/rkpd.toml",
    "data/rencana.toml",
    "data/landasan-hukum.toml",
    "data/organisasi.toml",
    "data/usulan.toml",
];

/// The largest source file renja reads (a 20 MB chapter is well inside).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Why a source path cannot be read as a source file.
#[derive(Debug)]
pub enum Refusal {
    NotFound,
    /// Message in Bahasa Indonesia, and the operating system's own words if any.
    Refused(String, Option<String>),
}

/// Opens `path` only if it is a regular file inside `root` (after following symlinks), no larger
/// than [`MAX_BYTES`], and reads it. The file type is checked before opening, so a FIFO or a
/// device never blocks or floods the reader; the opened handle is checked again.
pub fn read_inside(root: &Path, path: &Path) -> Result<Vec<u8>, Refusal> {
    use std::io::Read;
    let (file, len) = open_inside(root, path)?;
    let os = |e: &std::io::Error| Some(e.to_string());
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Refusal::Refused("berkas tidak dapat dibaca".into(), os(&e)))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(len: u64) -> Refusal {
    Refusal::Refused(format!("berkas terlalu besar: {:.1} MB; batasnya {} MB", len as f64 / 1048576.0, MAX_BYTES / 1048576), None)
}

/// [`read_inside`]'s checks, giving the opened file and its length instead of its bytes (a
/// caller that reads it piece by piece keeps to [`MAX_BYTES`] itself).
pub fn open_inside(root: &Path, path: &Path) -> Result<(std::fs::File, u64), Refusal> {
    let os = |e: &std::io::Error| Some(e.to_string());
    let link = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refusal::NotFound),
        Err(e) => return Err(Refusal::Refused("berkas tidak dapat diperiksa".into(), os(&e))),
    };
    // Follow every link on the way (the file's and its folders'): the target must lie inside.
    let target = match path.canonicalize() {
        Ok(t) => t,
        Err(e) if link.file_type().is_symlink() => {
            return Err(Refusal::Refused("tautan simbolik rusak atau berputar: tujuannya tidak ada atau tidak dapat dicapai".into(), os(&e)));
        }
        Err(e) => return Err(Refusal::Refused("berkas tidak dapat diperiksa".into(), os(&e))),
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    if !target.starts_with(&root) {
        return Err(Refusal::Refused(
            format!("tautan simbolik mengarah ke luar folder edisi ({}); sumber hanya dibaca dari dalam folder edisi", target.display()),
            None,
        ));
    }
    let meta = std::fs::metadata(path).map_err(|e| Refusal::Refused("berkas tidak dapat diperiksa".into(), os(&e)))?;
    let kind = |m: &std::fs::Metadata| -> Option<&'static str> {
        let t = m.file_type();
        if t.is_file() {
            return None;
        }
        if t.is_dir() {
            return Some("sebuah folder");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Some("sebuah FIFO (pipa bernama)");
            }
            if t.is_socket() {
                return Some("sebuah soket");
            }
            if t.is_char_device() || t.is_block_device() {
                return Some("sebuah perangkat");
            }
        }
        Some("bukan berkas biasa")
    };
    if let Some(k) = kind(&meta) {
        return Err(Refusal::Refused(format!("yang ada di tempat berkas ini adalah {k}, bukan berkas biasa"), None));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_big(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| Refusal::Refused("berkas tidak dapat dibuka".into(), os(&e)))?;
    // The path may have been swapped between the check and the open: check the handle too.
    let meta = file.metadata().map_err(|e| Refusal::Refused("berkas tidak dapat diperiksa".into(), os(&e)))?;
    if let Some(k) = kind(&meta) {
        return Err(Refusal::Refused(format!("yang ada di tempat berkas ini adalah {k}, bukan berkas biasa"), None));
    }
    Ok((file, meta.len()))
}

/// Reads a file as UTF-8 text, reporting a missing or unreadable file.
fn read(dir: &Path, rel: &str, diags: &mut Diagnostics, required: bool) -> Option<SourceFile> {
    let path = dir.join(rel);
    match read_inside(dir, &path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(SourceFile::new(rel, &path, text)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
                let f = SourceFile::new(rel, &path, prefix);
                diags
                    .error(f.loc(valid), format!("berkas bukan UTF-8 yang sah: byte 0x{:02X} pada posisi {valid}", e.as_bytes()[valid]))
                    .with_hint("simpan berkas sebagai UTF-8");
                None
            }
        },
        Err(Refusal::NotFound) => {
            if required {
                let f = SourceFile::new(rel, &path, String::new());
                diags.error(f.start(), format!("berkas wajib '{rel}' tidak ditemukan di {}", dir.display()));
            }
            None
        }
        Err(Refusal::Refused(msg, detail)) => {
            let f = SourceFile::new(rel, &path, String::new());
            let d = diags.error(f.start(), format!("berkas tidak dapat dibaca: {msg}"));
            if let Some(detail) = detail {
                d.with_detail(detail);
            }
            None
        }
    }
}

/// Parses TOML text into `T`, turning every syntax and schema error into a located diagnostic.
/// `offset` is added to spans (for front matter inside a Markdown file). All errors of the text
/// are reported in one run: after a schema error, the element of an array of tables holding it
/// (a `[[baris]]` entry) is set aside and the rest deserialised again. Every text value is also
/// checked against the limits of [`text`].
pub fn parse_toml<T: DeserializeOwned>(file: &SourceFile, text: &str, offset: usize, diags: &mut Diagnostics) -> Option<T> {
    parse_toml_with(file, text, offset, None, diags)
}

/// [`parse_toml`], checking that the document's fonts draw every character of every text value.
pub fn parse_toml_with<T: DeserializeOwned>(file: &SourceFile, text: &str, offset: usize, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) -> Option<T> {
    // A large data file's long array of tables is read element by element (`chunks`: the same
    // value and text diagnostics, without the whole document's table or its token and event
    // vectors); a smaller file, any other shape and any problem take the whole-document parse.
    if text.len() >= chunks::FROM_BYTES {
        if let Some(pieces) = chunks::split(text) {
            let mut found = Diagnostics::new();
            found.enter(diags.stage());
            if let Some(v) = chunks::deserialize(pieces, &mut |t| check_strings(t, file, offset, glyphs, &mut found)) {
                diags.extend(found);
                return Some(v);
            }
        }
    }
    parse_whole(file, text, offset, glyphs, diags)
}

/// [`parse_toml_with`] through the whole-document parse.
pub(super) fn parse_whole<T: DeserializeOwned>(file: &SourceFile, text: &str, offset: usize, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) -> Option<T> {
    use toml::de::{DeTable, Deserializer};
    let report = |diags: &mut Diagnostics, e: &toml::de::Error| {
        let at = e.span().map(|s| s.start).unwrap_or(0) + offset;
        let (msg, hint, detail) = translate_toml_error(e.message());
        let d = diags.error(file.loc(at), msg);
        if let Some(h) = hint {
            d.with_hint(h);
        }
        if let Some(x) = detail {
            d.with_detail(x);
        }
    };
    let (mut root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        // Syntax errors; the parser recovers and names each (a few at most are useful).
        let mut seen = Vec::new();
        for e in errors.iter().take(20) {
            let start = e.span().map(|s| s.start);
            if !seen.contains(&start) {
                seen.push(start);
                report(diags, e);
            }
        }
        return None;
    }
    check_strings(root.get_ref(), file, offset, glyphs, diags);
    // The first attempt takes the parsed document (no copy of it next to the values made from
    // it); only after an error is the text parsed again, to set elements aside and retry.
    match T::deserialize(Deserializer::from(root)) {
        Ok(v) => return Some(v),
        Err(_) => root = DeTable::parse_recoverable(text).0,
    }
    let mut failed = false;
    let mut seen_spans: Vec<std::ops::Range<usize>> = Vec::new();
    for _ in 0..200 {
        match T::deserialize(Deserializer::from(root.clone())) {
            Ok(v) => return (!failed).then_some(v),
            Err(e) => {
                failed = true;
                let Some(span) = e.span() else {
                    report(diags, &e);
                    return None;
                };
                // The same place again: setting elements aside does not reach it.
                if seen_spans.contains(&span) {
                    return None;
                }
                seen_spans.push(span.clone());
                report(diags, &e);
                if !remove_element(root.get_mut(), &span) {
                    return None;
                }
            }
        }
    }
    None
}

/// Removes the innermost table element of an array that holds the error at `span`; false if
/// there is none. Elements are in file order and a `[[baris]]` element's own span may cover only
/// its header, so the element holding an error is the last one starting at or before it.
fn remove_element(table: &mut toml::de::DeTable<'_>, span: &std::ops::Range<usize>) -> bool {
    use toml::de::{DeArray, DeValue};
    fn in_value(v: &mut toml::Spanned<DeValue<'_>>, span: &std::ops::Range<usize>) -> bool {
        match v.get_mut() {
            DeValue::Table(t) => remove_element(t, span),
            DeValue::Array(a) => {
                let Some(i) = a.iter().rposition(|x| x.span().start <= span.start) else { return false };
                if in_value(&mut (**a)[i], span) {
                    return true;
                }
                if !matches!(a[i].get_ref(), DeValue::Table(_)) {
                    return false;
                }
                let mut rest = DeArray::new();
                for (j, x) in a.iter().enumerate() {
                    if j != i {
                        rest.push(x.clone());
                    }
                }
                *a = rest;
                true
            }
            _ => false,
        }
    }
    // The key whose value starts last at or before the error holds it.
    let best = table
        .iter()
        .filter(|(_, v)| v.span().start <= span.start || matches!(v.get_ref(), DeValue::Array(a) if a.first().is_some_and(|x| x.span().start <= span.start)))
        .max_by_key(|(_, v)| match v.get_ref() {
            DeValue::Array(a) => a.iter().map(|x| x.span().start).filter(|&s| s <= span.start).max().unwrap_or(0),
            _ => v.span().start,
        })
        .map(|(k, _)| k.clone());
    match best.and_then(|k| table.get_mut(&k)) {
        Some(v) => in_value(v, span),
        None => false,
    }
}

/// Checks every text value (and table key) of a parsed TOML document against [`text`]'s limits.
fn check_strings(table: &toml::de::DeTable<'_>, file: &SourceFile, offset: usize, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) {
    strings_problems(table, glyphs, &mut |at, p| {
        diags.error(file.loc(at + offset), p.message).with_hint(p.hint);
    });
}

/// [`check_strings`]' problems, each with the byte offset (in the parsed text) of the key or
/// value it is about.
pub(crate) fn strings_problems(table: &toml::de::DeTable<'_>, glyphs: Option<&text::Glyphs>, report: &mut dyn FnMut(usize, text::Problem)) {
    use toml::de::DeValue;
    fn value(v: &toml::Spanned<DeValue<'_>>, glyphs: Option<&text::Glyphs>, report: &mut dyn FnMut(usize, text::Problem)) {
        match v.get_ref() {
            DeValue::String(s) => {
                for p in text::check_value(s, glyphs) {
                    report(v.span().start, p);
                }
            }
            DeValue::Array(a) => a.iter().for_each(|x| value(x, glyphs, report)),
            DeValue::Table(t) => strings_problems(t, glyphs, report),
            _ => {}
        }
    }
    for (k, v) in table.iter() {
        for p in text::check(k.get_ref()).into_iter().take(1) {
            report(k.span().start, p);
        }
        value(v, glyphs, report);
    }
}

/// Renders the messages of the `toml`/serde stack in Bahasa Indonesia: the message, a hint, and
/// the parser's own (English) words as a secondary detail. Messages that our own deserializers
/// produce are already Indonesian and pass through.
pub fn translate_toml_error(message: &str) -> (String, Option<String>, Option<String>) {
    let m = message.trim();
    let en = Some(m.to_string());
    let field_list = |rest: &str| rest.replace('`', "").replace(", ", ", ");
    if let Some(rest) = m.strip_prefix("unknown field ") {
        if let Some((field, expected)) = rest.split_once(", expected ") {
            let expected = expected.trim_start_matches("one of ");
            return (
                format!("kolom tidak dikenal {}", field.replace('`', "'")),
                Some(format!("kolom yang dikenal di sini: {}", field_list(expected))),
                None,
            );
        }
        if let Some((field, _)) = rest.split_once(", there are no fields") {
            return (format!("kolom tidak dikenal {}; di sini tidak ada kolom", field.replace('`', "'")), None, None);
        }
        return (format!("kolom tidak dikenal {}", rest.replace('`', "'")), None, None);
    }
    if let Some(rest) = m.strip_prefix("missing field ") {
        return (format!("kolom wajib {} tidak ada", rest.replace('`', "'")), None, None);
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        if let Some((variant, expected)) = rest.split_once(", expected ") {
            let expected = expected.trim_start_matches("one of ");
            return (
                format!("nilai {} tidak dikenal", variant.replace('`', "'")),
                Some(format!("yang diharapkan salah satu dari: {}", field_list(expected))),
                None,
            );
        }
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return (format!("jenis nilai salah: tertulis {}, yang diharapkan {}", jenis(found), jenis(expected)), None, None);
        }
    }
    if let Some(rest) = m.strip_prefix("invalid length ") {
        if let Some((n, expected)) = rest.split_once(", expected ") {
            return (format!("jumlah nilai salah: tertulis {n}, yang diharapkan {}", jenis(expected)), None, en);
        }
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return (format!("nilai tidak sah: tertulis {}, yang diharapkan {}", jenis(found), jenis(expected)), None, en);
        }
    }
    if m.starts_with("duplicate key") {
        let key = m.trim_start_matches("duplicate key").trim_start_matches(':').trim().replace('`', "'");
        return (format!("kunci ganda {key}: kunci ini sudah ditulis di tabel yang sama").replace("ganda :", "ganda:"), Some("hapus salah satunya".into()), en);
    }
    // Syntax errors of the TOML parser, by their leading words.
    let syntax: &[(&[&str], &str, &str)] = &[
        (&["string", "quote"], "teks tidak sah: tanda kutip tidak lengkap atau karakter escape salah", "tutup teks dengan tanda kutip pada baris yang sama"),
        (&["missing assignment", "expected `=`", "key with no value", "missing value for key"], "tanda '=' atau nilai setelah kunci tidak ada", "tulis kunci = nilai"),
        (&["comma"], "tanda koma antarelemen tidak ada", "pisahkan elemen dengan koma"),
        (&["unclosed"], "kurung siku atau kurawal tidak ditutup", "tutup [ dengan ] dan { dengan } pada baris yang sama"),
        (&["number", "leading zero", "mantissa", "sign", "float", "integer"], "angka tidak sah", "tulis angka tanpa pemisah ribuan, mis. 1250000 atau 12.5"),
        (&["key"], "kunci tidak sah", "kunci hanya huruf, angka, '_' dan '-'; lainnya di dalam tanda kutip"),
        (&["date", "time"], "tanggal atau waktu tidak sah", "tulis tanggal seperti 2022-08-25"),
        (&["extend", "redefin", "table"], "tabel ditulis dua kali atau bertentangan dengan kunci lain", "setiap [tabel] hanya sekali"),
    ];
    let lower = m.to_lowercase();
    // Our own deserializers (model::value, schema) speak Indonesian; the parser's words are English.
    let indonesian = ["tidak", "bukan", "yang", "nilai", "kolom", "angka", "ambigu", "adalah", "harus", "tulis", "dalam", "atau", "seperti"];
    let english = m.is_ascii() && !indonesian.iter().any(|w| lower.contains(w));
    if english {
        for (words, msg, hint) in syntax {
            if words.iter().any(|w| lower.contains(w)) {
                return (format!("sintaks TOML tidak sah: {msg}"), Some((*hint).to_string()), en);
            }
        }
        return ("sintaks atau nilai TOML tidak sah".to_string(), Some("periksa tanda kutip, tanda = dan kurung siku".into()), en);
    }
    (m.to_string(), None, None)
}

fn jenis(s: &str) -> String {
    let s = s.trim();
    let map = [
        ("a string", "teks"),
        ("string", "teks"),
        ("integer", "bilangan bulat"),
        ("i64", "bilangan bulat"),
        ("u32", "bilangan bulat"),
        ("i32", "bilangan bulat"),
        ("floating point", "pecahan"),
        ("f64", "angka"),
        ("boolean", "true/false"),
        ("a boolean", "true/false"),
        ("sequence", "daftar [...]"),
        ("a sequence", "daftar [...]"),
        ("map", "tabel {...}"),
        ("a map", "tabel {...}"),
        ("struct", "tabel {...}"),
    ];
    for (en, id) in map {
        if s == en {
            return id.to_string();
        }
        if let Some(rest) = s.strip_prefix(en) {
            return format!("{id}{rest}");
        }
    }
    s.to_string()
}

fn load_toml<T: DeserializeOwned + Send + Sync + 'static>(
    dir: &Path,
    rel: &str,
    required: bool,
    glyphs: Option<&text::Glyphs>,
    cache: &mut Option<&mut Cache>,
    diags: &mut Diagnostics,
) -> Option<Loaded<T>> {
    let file = read(dir, rel, diags, required)?;
    match cache {
        Some(c) => c.parsed(file, diags, |file, d| {
            let value = parse_toml_with::<T>(&file, &file.text, 0, glyphs, d)?;
            Some(std::sync::Arc::new((file, value)))
        }),
        None => {
            let value = parse_toml_with::<T>(&file, &file.text, 0, glyphs, diags)?;
            Some(std::sync::Arc::new((file, value)))
        }
    }
}

/// [`load_toml`] for a table file: with a cache, an edited file is parsed again only in the
/// part the edit changed when it can be ([`Cache::parsed_rows`]).
fn load_rows<T: chunks::Baris + Clone + Send + Sync + 'static>(dir: &Path, rel: &str, glyphs: Option<&text::Glyphs>, cache: &mut Option<&mut Cache>, diags: &mut Diagnostics) -> Option<Loaded<T>>
where
    T::Row: Clone,
{
    match cache {
        Some(c) => {
            let file = read(dir, rel, diags, false)?;
            c.parsed_rows(file, glyphs, diags)
        }
        None => load_toml(dir, rel, false, glyphs, cache, diags),
    }
}

/// [`load_toml`] for `renja check`'s reading of a table file or of nomenklatur.toml, never
/// holding its whole text: the file is read line by line and each element of its array of
/// tables deserialised as soon as its lines are read ([`chunks::stream`]); the source file keeps only its line index (as after
/// [`SourceFile::forget_text`]). When the file is missing or refused, or its text cannot be
/// read this way (another shape, a syntax or schema error, not UTF-8), it is read whole
/// ([`load_toml`]), which reports what is wrong.
fn load_streamed<T: chunks::Baris + Send + Sync + 'static>(dir: &Path, rel: &str, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) -> Option<Loaded<T>> {
    streamed(dir, rel, glyphs, diags).or_else(|| load_toml(dir, rel, false, glyphs, &mut None, diags))
}

/// [`load_streamed`]'s streamed read: `None`, without a diagnostic, where it reads whole.
fn streamed<T: chunks::Baris + Send + Sync + 'static>(dir: &Path, rel: &str, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) -> Option<Loaded<T>> {
    let path = dir.join(rel);
    let (file, _) = open_inside(dir, &path).ok()?;
    let mut lines = crate::diag::LineIndex::default();
    let mut problems = Vec::new();
    let value: T = chunks::stream(std::io::BufReader::new(file), &mut lines, &mut |t| strings_problems(t, glyphs, &mut |at, p| problems.push((at, p))))?;
    let file = lines.into_file(rel, &path);
    for (at, p) in problems {
        diags.error(file.loc(at), p.message).with_hint(p.hint);
    }
    Some(std::sync::Arc::new((file, value)))
}

/// Splits `+++` TOML front matter from a Markdown chapter.
fn load_chapter(file: SourceFile, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) -> Option<ChapterSource> {
    let text = file.text.clone();
    let stripped = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let bom = text.len() - stripped.len();
    let first_line_end = stripped.find('\n').unwrap_or(stripped.len());
    if stripped[..first_line_end].trim_end() != "+++" {
        diags
            .error(file.start(), "bab tidak diawali front matter '+++'")
            .with_hint("tulis baris '+++', lalu jenis, nomor, judul dan urutan dalam TOML, lalu '+++'");
        return None;
    }
    let fm_start = bom + first_line_end + 1;
    let rest = text.get(fm_start..).unwrap_or("");
    let mut end = None;
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            end = Some((pos, pos + line.len()));
            break;
        }
        pos += line.len();
    }
    let Some((fm_end, body_start)) = end else {
        diags.error(file.start(), "front matter tidak ditutup dengan baris '+++'");
        return None;
    };
    let fm_text = &rest[..fm_end];
    let front = parse_toml_with::<FrontMatter>(&file, fm_text, fm_start, glyphs, diags)?;
    let body_offset = fm_start + body_start;
    let body = text[body_offset..].to_string();
    for p in text::check_markdown(&body, glyphs) {
        diags.error(file.loc(body_offset + p.offset), p.message).with_hint(p.hint);
    }
    let (body_line, _) = file.line_col(body_offset);
    Some(ChapterSource { file, front, body, body_line })
}

/// Reads every source of the edition in `dir`. Problems are added to `diags`; a part that could
/// not be read is `None` (or missing from `chapters`).
pub fn load(dir: &Path, diags: &mut Diagnostics) -> Sources {
    load_inner(dir, None, false, diags).0
}

/// The three table files whose rows make most of a large edition (T-C.29 or the quarterly
/// evaluation, Tabel 3.2 and Tabel 3.4), in the order the tables are computed.
pub const TABLE_FILES: [&str; 3] = ["data/evaluasi.toml", "data/rkpd.toml", "data/rencana.toml"];

/// [`load`] without reading the [`TABLE_FILES`] (their presence on disk is recorded all the
/// same): the caller reads each with [`Later::read`] when it needs it, so that no more than one
/// of them is held at once (`renja check`). Reading all three so gives the sources and the
/// diagnostics of [`load`].
pub fn load_later(dir: &Path, diags: &mut Diagnostics) -> (Sources, Later) {
    let (s, glyphs) = load_inner(dir, None, true, diags);
    (s, Later { glyphs })
}

/// What [`load_later`] keeps to read a table file later: the fonts' character coverage its text
/// is checked against.
pub struct Later {
    glyphs: Option<text::Glyphs>,
}

impl Later {
    /// Reads and parses `rel` (one of [`TABLE_FILES`]; another is ignored) into `sources`, with
    /// the diagnostics [`load`] gives for it, and forgets its text once parsed
    /// ([`Sources::forget_data_text`]).
    pub fn read(&self, sources: &mut Sources, rel: &str, diags: &mut Diagnostics) {
        let g = self.glyphs.as_ref();
        let dir = sources.dir.clone();
        match rel {
            "data/evaluasi.toml" => sources.evaluasi = load_streamed(&dir, rel, g, diags),
            "data/rkpd.toml" => sources.rkpd = load_streamed(&dir, rel, g, diags),
            "data/rencana.toml" => sources.rencana = load_streamed(&dir, rel, g, diags),
            _ => {}
        }
        sources.forget_data_text();
    }
}

/// [`load`] for a caller that reads the same edition again and again (the preview, the
/// service): every file is still read, but parsed (and its text checked) only when its bytes
/// changed since the last load with this `cache`; otherwise its last parse and the diagnostics
/// it gave are reused. The result and the diagnostics, in order, are those of [`load`].
/// Diagnostics are recorded under [`crate::diag::Stage::Source`].
pub fn load_cached(dir: &Path, cache: &mut Cache, diags: &mut Diagnostics) -> Sources {
    cache.begin(dir);
    let s = load_inner(dir, Some(&mut *cache), false, diags).0;
    cache.end();
    s
}

/// Reads the edition in `dir`; with `later`, not the [`TABLE_FILES`], and then gives the fonts'
/// coverage to read them with (else it is kept in `cache`, if any, or dropped).
fn load_inner(dir: &Path, mut cache: Option<&mut Cache>, later: bool, diags: &mut Diagnostics) -> (Sources, Option<text::Glyphs>) {
    let mut s = Sources { dir: dir.to_path_buf(), ..Default::default() };
    if !dir.is_dir() {
        let f = SourceFile::new(&dir.display().to_string(), dir, String::new());
        diags.error(f.start(), "folder edisi tidak ditemukan");
        return (s, None);
    }
    for rel in ["data/nomenklatur.toml", "data/evaluasi.toml", "data/tujuan-sasaran.toml", "data/rkpd.toml", "data/rencana.toml", "data/usulan.toml"] {
        if std::fs::symlink_metadata(dir.join(rel)).is_ok() {
            s.present.push(rel.to_string());
        }
    }
    // The characters the document's fonts can draw (PDF/A refuses a missing glyph). A cache
    // keeps them while the fonts folder is unchanged (and then takes them out for this load).
    let fonts = Assets::locate(dir).fonts;
    let glyphs = match cache.as_deref_mut() {
        Some(c) => c.take_glyphs(&fonts),
        None => text::Glyphs::load(&fonts),
    };
    let g = glyphs.as_ref();
    s.edisi = load_toml(dir, "edisi.toml", true, g, &mut cache, diags);
    s.nomenklatur = if later {
        load_streamed(dir, "data/nomenklatur.toml", g, diags)
    } else {
        load_toml(dir, "data/nomenklatur.toml", false, g, &mut cache, diags)
    };
    if !later {
        s.evaluasi = load_rows(dir, "data/evaluasi.toml", g, &mut cache, diags);
    }
    s.tujuan_sasaran = load_toml(dir, "data/tujuan-sasaran.toml", false, g, &mut cache, diags);
    if !later {
        s.rkpd = load_rows(dir, "data/rkpd.toml", g, &mut cache, diags);
        s.rencana = load_rows(dir, "data/rencana.toml", g, &mut cache, diags);
    }
    s.landasan = load_toml(dir, "data/landasan-hukum.toml", false, g, &mut cache, diags);
    s.organisasi = load_toml(dir, "data/organisasi.toml", false, g, &mut cache, diags);
    s.usulan = load_toml(dir, "data/usulan.toml", false, g, &mut cache, diags);

    let bab_dir = dir.join("bab");
    let bab_inside = bab_dir
        .canonicalize()
        .ok()
        .zip(dir.canonicalize().ok())
        .is_none_or(|(b, d)| b.starts_with(d));
    if !bab_inside {
        let f = SourceFile::new("bab", &bab_dir, String::new());
        diags.error(f.start(), "folder 'bab/' adalah tautan simbolik ke luar folder edisi; bab hanya dibaca dari dalam folder edisi");
    }
    let mut names: Vec<String> = match std::fs::read_dir(&bab_dir) {
        Ok(_) if !bab_inside => Vec::new(),
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            // Hidden files (editors' lock and backup files such as `.#01-bab.md`) are no chapters.
            .filter(|e| e.path().extension().is_some_and(|x| x == "md") && !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| e.file_name().to_str().map(|n| format!("bab/{n}")))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let f = SourceFile::new("bab", &bab_dir, String::new());
            diags.error(f.start(), "folder 'bab/' tidak ditemukan; setiap edisi memerlukan bab dalam Markdown");
            Vec::new()
        }
        Err(e) => {
            let f = SourceFile::new("bab", &bab_dir, String::new());
            diags.error(f.start(), "folder 'bab/' tidak dapat dibaca").with_detail(e.to_string());
            Vec::new()
        }
    };
    names.sort();
    for name in names {
        if let Some(file) = read(dir, &name, diags, true) {
            let ch = match cache.as_deref_mut() {
                Some(c) => c.parsed(file, diags, |file, d| load_chapter(file, g, d)),
                None => load_chapter(file, g, diags),
            };
            if let Some(ch) = ch {
                s.chapters.push(ch);
            }
        }
    }
    s.chapters.sort_by_key(|c| (*c.front.urutan.get_ref(), c.file.name.to_string()));
    match cache {
        Some(c) => {
            if let Some(glyphs) = glyphs {
                c.put_glyphs(glyphs);
            }
            (s, None)
        }
        None => (s, glyphs),
    }
}

/// What [`load_cached`] keeps between loads of one edition folder: the last parse of every
/// source file with the diagnostics it gave, keyed by the file's name and the SHA-256 of its
/// bytes (and the fonts it was checked against), and the fonts' character coverage, kept while
/// the fonts folder's files (names, sizes, modification times) are unchanged.
#[derive(Default)]
pub struct Cache {
    dir: PathBuf,
    /// The fonts folder's stamp and the coverage read from it.
    glyphs: Option<(FontsStamp, Option<text::Glyphs>)>,
    /// The stamp of the fonts the current load checks text against.
    stamp: FontsStamp,
    files: std::collections::HashMap<String, Parsed>,
    /// Files read in the current load (others are dropped at its end: deleted files).
    seen: std::collections::HashSet<String>,
    /// Parses reused and done, over the cache's life (for tests and timing lines).
    pub hits: u64,
    pub misses: u64,
    /// Of the parses done, those of a table file's edited part only.
    pub partial: u64,
}

/// A fonts folder's files as (name, size, modification time), sorted.
pub type FontsStamp = Vec<(String, u64, Option<std::time::SystemTime>)>;

/// The stamp of a fonts folder: its files' names, sizes and modification times.
pub fn fonts_stamp(dir: &Path) -> FontsStamp {
    let mut out: FontsStamp = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let m = e.metadata().ok()?;
                    Some((e.file_name().to_string_lossy().into_owned(), m.len(), m.modified().ok()))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

struct Parsed {
    /// SHA-256 of the file's bytes.
    hash: [u8; 32],
    stamp: FontsStamp,
    value: Box<dyn std::any::Any + Send>,
    diags: Diagnostics,
    /// Where a table file's elements start, once an edit asked for it ([`Cache::parsed_rows`]).
    layout: Option<chunks::Layout>,
}

impl Cache {
    pub fn new() -> Cache {
        Cache::default()
    }

    /// The SHA-256 of `rel`'s bytes as parsed in the last load (with the fonts' stamp mixed
    /// in), `None` if it was not parsed then (missing, unreadable, not UTF-8).
    pub fn hash_of(&self, rel: &str) -> Option<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let p = self.files.get(rel)?;
        let mut h = Sha256::new();
        h.update(p.hash);
        h.update(format!("{:?}", p.stamp).as_bytes());
        Some(h.finalize().into())
    }

    fn begin(&mut self, dir: &Path) {
        if self.dir != dir {
            // Another folder: nothing of the last one applies (locations carry its paths).
            *self = Cache { hits: self.hits, misses: self.misses, partial: self.partial, ..Cache::default() };
            self.dir = dir.to_path_buf();
        }
        self.seen.clear();
    }

    fn end(&mut self) {
        let seen = std::mem::take(&mut self.seen);
        self.files.retain(|k, _| seen.contains(k));
    }

    /// The fonts' coverage for this load: the kept one while the folder is unchanged.
    fn take_glyphs(&mut self, fonts: &Path) -> Option<text::Glyphs> {
        let stamp = fonts_stamp(fonts);
        self.stamp = stamp.clone();
        match self.glyphs.take() {
            Some((s, g)) if s == stamp => g,
            _ => {
                self.glyphs = Some((stamp, None));
                text::Glyphs::load(fonts)
            }
        }
    }

    fn put_glyphs(&mut self, glyphs: text::Glyphs) {
        self.glyphs = Some((self.stamp.clone(), Some(glyphs)));
    }

    /// The parse of `file`: the kept one when its bytes (and the fonts) are unchanged, else
    /// `parse`'s, kept for next time. Its diagnostics are added to `diags` either way.
    fn parsed<T: Clone + Send + 'static>(
        &mut self,
        file: SourceFile,
        diags: &mut Diagnostics,
        parse: impl FnOnce(SourceFile, &mut Diagnostics) -> Option<T>,
    ) -> Option<T> {
        use sha2::{Digest, Sha256};
        let hash: [u8; 32] = Sha256::digest(file.text.as_bytes()).into();
        self.parsed_hashed(file, hash, diags, parse)
    }

    /// [`Cache::parsed`] of a file whose bytes' SHA-256 is `hash`.
    fn parsed_hashed<T: Clone + Send + 'static>(
        &mut self,
        file: SourceFile,
        hash: [u8; 32],
        diags: &mut Diagnostics,
        parse: impl FnOnce(SourceFile, &mut Diagnostics) -> Option<T>,
    ) -> Option<T> {
        let name = file.name.to_string();
        self.seen.insert(name.clone());
        if let Some(p) = self.files.get(&name)
            && p.hash == hash
            && p.stamp == self.stamp
            && let Some(v) = p.value.downcast_ref::<Option<T>>()
        {
            self.hits += 1;
            diags.extend(p.diags.clone());
            return v.clone();
        }
        self.misses += 1;
        let mut own = Diagnostics::new();
        own.enter(crate::diag::Stage::Source);
        let value = parse(file, &mut own);
        diags.extend(own.clone());
        self.files.insert(name, Parsed { hash, stamp: self.stamp.clone(), value: Box::new(value.clone()), diags: own, layout: None });
        value
    }

    /// [`Cache::parsed`] for a table file (evaluasi, rkpd, rencana): after an edit of a file
    /// whose last parse gave a value and no diagnostic, only the edited elements are parsed
    /// again ([`chunks::reparse`]: the rows before the edit are kept, and those after it when
    /// the edit kept the file's length, as a changed figure does); anything else, or an edit
    /// that part cannot take, is parsed whole. The value and diagnostics are the whole parse's.
    fn parsed_rows<X: chunks::Baris + Clone + Send + Sync + 'static>(&mut self, file: SourceFile, glyphs: Option<&text::Glyphs>, diags: &mut Diagnostics) -> Option<Loaded<X>>
    where
        X::Row: Clone,
    {
        use sha2::{Digest, Sha256};
        let name = file.name.to_string();
        let hash: [u8; 32] = Sha256::digest(file.text.as_bytes()).into();
        // The last parse, when it was of other bytes and gave a value and no diagnostic.
        let earlier = match self.files.get_mut(&name) {
            Some(p) if p.stamp == self.stamp && p.hash != hash && p.diags.is_empty() => match p.value.downcast_ref::<Option<Loaded<X>>>() {
                Some(Some(old)) => Some((old.clone(), p.layout.take())),
                _ => None,
            },
            _ => None,
        };
        if let Some((old, layout)) = earlier
            && let Some(layout) = layout.or_else(|| chunks::layout(&old.0.text))
        {
            let mut problems = Vec::new();
            let mut check = |t: &toml::de::DeTable<'_>| strings_problems(t, glyphs, &mut |at, q| problems.push((at, q)));
            if let Some((value, layout)) = chunks::reparse(&old.0.text, &old.1, &layout, &file.text, &mut check) {
                drop(old);
                self.misses += 1;
                self.partial += 1;
                self.seen.insert(name.clone());
                let mut own = Diagnostics::new();
                own.enter(crate::diag::Stage::Source);
                for (at, q) in problems {
                    own.error(file.loc(at), q.message).with_hint(q.hint);
                }
                diags.extend(own.clone());
                let value = Some(std::sync::Arc::new((file, value)));
                self.files.insert(name, Parsed { hash, stamp: self.stamp.clone(), value: Box::new(value.clone()), diags: own, layout: Some(layout) });
                return value;
            }
        }
        self.parsed_hashed(file, hash, diags, |file, d| {
            let value = parse_toml_with::<X>(&file, &file.text, 0, glyphs, d)?;
            Some(std::sync::Arc::new((file, value)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_common_messages() {
        let (m, h, _) = translate_toml_error("unknown field `pagux`, expected one of `kode`, `pagu`");
        assert_eq!(m, "kolom tidak dikenal 'pagux'");
        assert_eq!(h.unwrap(), "kolom yang dikenal di sini: kode, pagu");
        let (m, _, _) = translate_toml_error("missing field `nama`");
        assert_eq!(m, "kolom wajib 'nama' tidak ada");
        let (m, _, _) = translate_toml_error("invalid type: string \"x\", expected i64");
        assert_eq!(m, "jenis nilai salah: tertulis teks \"x\", yang diharapkan bilangan bulat");
    }
}

/// Every file under `dir`, as (`/`-separated relative path, bytes), in path order. Skipped: a
/// top-level `out/` folder (build outputs), `.git/`, and `skip` (the archive itself when it lies
/// inside the edition folder). Symbolic links to files are stored as the file they point to.
pub fn read_tree(dir: &Path, skip: Option<&Path>) -> Result<Vec<(String, Vec<u8>)>, ReadError> {
    let io = |p: &Path| {
        let path = p.to_path_buf();
        move |source| ReadError::Io { path, source }
    };
    let skip = skip.and_then(|s| s.canonicalize().ok());
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(io(&path))?;
        for entry in entries {
            let entry = entry.map_err(io(&path))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(ReadError::NotUtf8(entry.path()));
            };
            let child_rel = if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") };
            let p = entry.path();
            if name == ".git" || (rel.is_empty() && name == "out") {
                continue;
            }
            if let (Some(s), Ok(c)) = (&skip, p.canonicalize())
                && &c == s
            {
                continue;
            }
            let meta = match std::fs::metadata(&p) {
                Ok(m) => m,
                // A dangling symbolic link holds no source (an editor's lock file is one).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_symlink()) => continue,
                Err(e) => return Err(io(&p)(e)),
            };
            if meta.is_dir() {
                stack.push((p, child_rel));
            } else if meta.is_file() {
                let bytes = std::fs::read(&p).map_err(io(&p))?;
                out.push((child_rel, bytes));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The provenance of a built document: SHA-256 over the renja version, every file of the
/// edition folder (as the archive stores them) and every file of `layouts/` and `fonts/`. The
/// final PDF records it in its signature field, so an archive can recognise a PDF built from
/// exactly these sources without laying it out again.
pub fn fingerprint(edition: &std::path::Path, layouts: &std::path::Path, fonts: &std::path::Path) -> Result<String, ReadError> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(format!("renja {}\n", env!("CARGO_PKG_VERSION")).as_bytes());
    for (label, dir) in [("edisi", edition), ("layouts", layouts), ("fonts", fonts)] {
        for (rel, bytes) in read_tree(dir, None)? {
            h.update(format!("{label}/{rel} {}\n", bytes.len()).as_bytes());
            h.update(&bytes);
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Where the layout and fonts live (by default `layouts/` and `fonts/` beside the edition's
/// parent folder, or of the current directory).
#[derive(Debug, Clone)]
pub struct Assets {
    pub layouts: std::path::PathBuf,
    pub fonts: std::path::PathBuf,
}

impl Assets {
    /// Finds `layouts/` and `fonts/`: next to the edition folder first, then in the current
    /// directory, then next to the executable's crate (for `cargo run`).
    pub fn locate(edition: &Path) -> Assets {
        let mut candidates = Vec::new();
        if let Some(parent) = edition.canonicalize().ok().and_then(|p| p.parent().map(Path::to_path_buf)) {
            candidates.push(parent);
        }
        if let Ok(cwd) = std::env::current_dir() {
            candidates.push(cwd);
        }
        candidates.push(crate::checkout_dir());
        let base = candidates
            .into_iter()
            .find(|b| b.join("layouts/renja.typ").is_file() && b.join("fonts").is_dir())
            .unwrap_or_else(|| Path::new(".").to_path_buf());
        Assets { layouts: base.join("layouts"), fonts: base.join("fonts") }
    }
}
