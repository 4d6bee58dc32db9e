//! Reading an edition folder: every source file is read once, parsed with spans, and every
//! syntax or schema problem becomes a located [`Diagnostic`](crate::diag::Diagnostic) in Bahasa
//! Indonesia. Nothing here interprets the values; that is `model` and `compute`.
//!
//! Boundary: reads the edition folder (the only file reading before rendering) and computes the
//! sources' fingerprint ([`fingerprint`], over [`read_tree`]); may use `diag`, `format` and
//! `model::value`, never `model`'s validation, `compute`, a renderer or `archive`.

pub mod schema;

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
    pub edisi: Option<(SourceFile, EdisiFile)>,
    pub chapters: Vec<ChapterSource>,
    pub nomenklatur: Option<(SourceFile, NomenklaturFile)>,
    pub evaluasi: Option<(SourceFile, EvaluasiFile)>,
    pub tujuan_sasaran: Option<(SourceFile, TujuanSasaranFile)>,
    pub rkpd: Option<(SourceFile, RkpdFile)>,
    pub rencana: Option<(SourceFile, RencanaFile)>,
    pub landasan: Option<(SourceFile, LandasanFile)>,
    pub organisasi: Option<(SourceFile, OrganisasiFile)>,
    pub usulan: Option<(SourceFile, UsulanFile)>,
}

/// Reads a file as UTF-8 text, reporting a missing or unreadable file.
fn read(dir: &Path, rel: &str, diags: &mut Diagnostics, required: bool) -> Option<SourceFile> {
    let path = dir.join(rel);
    match std::fs::read(&path) {
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if required {
                let f = SourceFile::new(rel, &path, String::new());
                diags.error(f.start(), format!("berkas wajib '{rel}' tidak ditemukan di {}", dir.display()));
            }
            None
        }
        Err(e) => {
            let f = SourceFile::new(rel, &path, String::new());
            diags.error(f.start(), format!("berkas tidak dapat dibaca: {e}"));
            None
        }
    }
}

/// Parses TOML text into `T`, turning a parse or schema error into a located diagnostic.
/// `offset` is added to spans (for front matter inside a Markdown file).
pub fn parse_toml<T: DeserializeOwned>(file: &SourceFile, text: &str, offset: usize, diags: &mut Diagnostics) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0) + offset;
            let (msg, hint) = translate_toml_error(e.message());
            let d = diags.error(file.loc(at), msg);
            if let Some(h) = hint {
                d.with_hint(h);
            }
            None
        }
    }
}

/// Renders the messages of the `toml`/serde stack in Bahasa Indonesia. Messages that our own
/// deserializers produce are already Indonesian and pass through.
pub fn translate_toml_error(message: &str) -> (String, Option<String>) {
    let m = message.trim();
    let field_list = |rest: &str| rest.replace('`', "").replace(", ", ", ");
    if let Some(rest) = m.strip_prefix("unknown field ") {
        if let Some((field, expected)) = rest.split_once(", expected ") {
            let expected = expected.trim_start_matches("one of ");
            return (
                format!("kolom tidak dikenal {}", field.replace('`', "'")),
                Some(format!("kolom yang dikenal di sini: {}", field_list(expected))),
            );
        }
        return (format!("kolom tidak dikenal {}", rest.replace('`', "'")), None);
    }
    if let Some(rest) = m.strip_prefix("missing field ") {
        return (format!("kolom wajib {} tidak ada", rest.replace('`', "'")), None);
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        if let Some((variant, expected)) = rest.split_once(", expected ") {
            let expected = expected.trim_start_matches("one of ");
            return (
                format!("nilai {} tidak dikenal", variant.replace('`', "'")),
                Some(format!("yang diharapkan salah satu dari: {}", field_list(expected))),
            );
        }
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return (format!("jenis nilai salah: tertulis {}, yang diharapkan {}", jenis(found), jenis(expected)), None);
        }
    }
    if m.starts_with("duplicate key") {
        return (format!("kunci ganda: {}", m.trim_start_matches("duplicate key").trim()), None);
    }
    if m.contains("invalid") || m.contains("expected") || m.contains("unexpected") {
        return (format!("sintaks TOML tidak sah: {m}"), Some("periksa tanda kutip, tanda = dan kurung siku".into()));
    }
    (m.to_string(), None)
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

fn load_toml<T: DeserializeOwned>(dir: &Path, rel: &str, required: bool, diags: &mut Diagnostics) -> Option<(SourceFile, T)> {
    let file = read(dir, rel, diags, required)?;
    let value = parse_toml::<T>(&file, &file.text, 0, diags)?;
    Some((file, value))
}

/// Splits `+++` TOML front matter from a Markdown chapter.
fn load_chapter(file: SourceFile, diags: &mut Diagnostics) -> Option<ChapterSource> {
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
    let front = parse_toml::<FrontMatter>(&file, fm_text, fm_start, diags)?;
    let body_offset = fm_start + body_start;
    let body = text[body_offset..].to_string();
    let (body_line, _) = file.line_col(body_offset);
    Some(ChapterSource { file, front, body, body_line })
}

/// Reads every source of the edition in `dir`. Problems are added to `diags`; a part that could
/// not be read is `None` (or missing from `chapters`).
pub fn load(dir: &Path, diags: &mut Diagnostics) -> Sources {
    let mut s = Sources { dir: dir.to_path_buf(), ..Default::default() };
    if !dir.is_dir() {
        let f = SourceFile::new(&dir.display().to_string(), dir, String::new());
        diags.error(f.start(), "folder edisi tidak ditemukan");
        return s;
    }
    for rel in ["data/nomenklatur.toml", "data/evaluasi.toml", "data/tujuan-sasaran.toml", "data/rkpd.toml", "data/rencana.toml", "data/usulan.toml"] {
        if dir.join(rel).exists() {
            s.present.push(rel.to_string());
        }
    }
    s.edisi = load_toml(dir, "edisi.toml", true, diags);
    s.nomenklatur = load_toml(dir, "data/nomenklatur.toml", false, diags);
    s.evaluasi = load_toml(dir, "data/evaluasi.toml", false, diags);
    s.tujuan_sasaran = load_toml(dir, "data/tujuan-sasaran.toml", false, diags);
    s.rkpd = load_toml(dir, "data/rkpd.toml", false, diags);
    s.rencana = load_toml(dir, "data/rencana.toml", false, diags);
    s.landasan = load_toml(dir, "data/landasan-hukum.toml", false, diags);
    s.organisasi = load_toml(dir, "data/organisasi.toml", false, diags);
    s.usulan = load_toml(dir, "data/usulan.toml", false, diags);

    let bab_dir = dir.join("bab");
    let mut names: Vec<String> = match std::fs::read_dir(&bab_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .filter_map(|e| e.file_name().to_str().map(|n| format!("bab/{n}")))
            .collect(),
        Err(_) => {
            let f = SourceFile::new("bab", &bab_dir, String::new());
            diags.error(f.start(), "folder 'bab/' tidak ditemukan; setiap edisi memerlukan bab dalam Markdown");
            Vec::new()
        }
    };
    names.sort();
    for name in names {
        if let Some(file) = read(dir, &name, diags, true) {
            if let Some(ch) = load_chapter(file, diags) {
                s.chapters.push(ch);
            }
        }
    }
    s.chapters.sort_by_key(|c| (*c.front.urutan.get_ref(), c.file.name.to_string()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_common_messages() {
        let (m, h) = translate_toml_error("unknown field `pagux`, expected one of `kode`, `pagu`");
        assert_eq!(m, "kolom tidak dikenal 'pagux'");
        assert_eq!(h.unwrap(), "kolom yang dikenal di sini: kode, pagu");
        let (m, _) = translate_toml_error("missing field `nama`");
        assert_eq!(m, "kolom wajib 'nama' tidak ada");
        let (m, _) = translate_toml_error("invalid type: string \"x\", expected i64");
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
            let meta = std::fs::metadata(&p).map_err(io(&p))?;
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
