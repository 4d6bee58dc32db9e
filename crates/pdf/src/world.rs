//! The typst World of one edition: the main layout and its imports from `layouts/`, the
//! document model served from memory as `/model.json` and `/tabel/<id>.json`
//! ([`crate::LayoutInput`]), edition assets (a logo) under `/edisi/`, and the fonts in `fonts/`. Nothing else is readable: no package imports, no other files, no
//! network. The clock is the edition's date, so output is reproducible.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// Why the fonts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("folder huruf '{}' tidak dapat dibaca: {source}", .dir.display())]
    Folder { dir: PathBuf, source: std::io::Error },
    #[error("huruf '{}' tidak dapat dibaca: {source}", .file.display())]
    File { file: PathBuf, source: std::io::Error },
    #[error("tidak ada berkas huruf (.ttf/.otf) di '{}'", .0.display())]
    Empty(PathBuf),
}

/// Fonts loaded once from a folder.
pub struct Fonts {
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
}

impl Fonts {
    /// Loads every .ttf/.otf/.ttc file in `dir` (sorted, so the order is stable).
    pub fn load(dir: &Path) -> Result<Fonts, FontError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| FontError::Folder { dir: dir.to_path_buf(), source })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|x| x.to_str()).is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc")))
            .collect();
        paths.sort();
        let mut fonts = Vec::new();
        for p in paths {
            let data = std::fs::read(&p).map_err(|source| FontError::File { file: p.clone(), source })?;
            fonts.extend(Font::iter(Bytes::new(data)));
        }
        if fonts.is_empty() {
            return Err(FontError::Empty(dir.to_path_buf()));
        }
        Ok(Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts })
    }
}

/// The World for compiling one edition's PDF.
pub struct RenjaWorld {
    library: LazyHash<Library>,
    fonts: std::sync::Arc<Fonts>,
    layouts: PathBuf,
    edition: PathBuf,
    main: FileId,
    /// `/model.json`.
    model: Bytes,
    /// `/tabel/<id>.json`, by id ([`crate::LayoutInput`]).
    tables: HashMap<String, Bytes>,
    today: Datetime,
    sources: Mutex<HashMap<FileId, Source>>,
}

/// The files a [`crate::LayoutInput`] serves: `/model.json` and the tables by id.
fn served(input: crate::LayoutInput) -> (Bytes, HashMap<String, Bytes>) {
    (Bytes::new(input.model), input.tables.into_iter().map(|(id, t)| (id, Bytes::new(t))).collect())
}

/// The file id of a project path such as `/model.json`.
pub fn project_file(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl RenjaWorld {
    pub fn new(fonts: std::sync::Arc<Fonts>, layouts: &Path, edition: &Path, input: impl Into<crate::LayoutInput>, today: (i32, u8, u8)) -> Self {
        let (model, tables) = served(input.into());
        RenjaWorld {
            library: LazyHash::new(Library::builder().build()),
            fonts,
            layouts: layouts.to_path_buf(),
            edition: edition.to_path_buf(),
            main: project_file("/layouts/renja.typ"),
            model,
            tables,
            today: Datetime::from_ymd(today.0, today.1, today.2).unwrap_or(Datetime::from_ymd(2000, 1, 1).expect("valid date")),
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh world over the same layout, fonts, edition and date with another model (for
    /// finding which part of the author's text a layout failure comes from).
    pub fn with_model(&self, input: impl Into<crate::LayoutInput>) -> RenjaWorld {
        let (model, tables) = served(input.into());
        RenjaWorld {
            library: self.library.clone(),
            fonts: self.fonts.clone(),
            layouts: self.layouts.clone(),
            edition: self.edition.clone(),
            main: self.main,
            model,
            tables,
            today: self.today,
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// Makes another layout file the main one (e.g. `/layouts/tte.typ` for the signature
    /// appearance).
    pub fn set_main(&mut self, path: &str) {
        self.main = project_file(path);
    }

    /// Replaces the model served as `/model.json` and the tables under `/tabel/`. A file whose
    /// bytes did not change keeps its `Bytes` (and so its cached hash, which typst's memoisation
    /// compares on every compile).
    pub fn set_model(&mut self, input: impl Into<crate::LayoutInput>) {
        let input = input.into();
        let keep = |old: Option<&Bytes>, new: Vec<u8>| match old {
            Some(old) if old.as_slice() == new.as_slice() => old.clone(),
            _ => Bytes::new(new),
        };
        self.model = keep(Some(&self.model), input.model);
        let mut tables = HashMap::with_capacity(input.tables.len());
        for (id, t) in input.tables {
            let bytes = keep(self.tables.get(&id), t);
            tables.insert(id, bytes);
        }
        self.tables = tables;
    }

    /// Replaces the date `today()` returns (the edition's date may change between compiles).
    pub fn set_today(&mut self, today: (i32, u8, u8)) {
        if let Some(d) = Datetime::from_ymd(today.0, today.1, today.2) {
            self.today = d;
        }
    }

    /// Re-reads every layout source read so far. A changed file is edited in place
    /// (`Source::replace`, so typst reparses incrementally and keeps its cache for the rest); a
    /// file that can no longer be read is forgotten, so the next compile reports it. Returns
    /// whether anything changed. Cheap: the layout is a handful of small files.
    pub fn refresh_sources(&self) -> bool {
        let mut sources = self.sources.lock().expect("sources");
        let mut changed = false;
        let ids: Vec<FileId> = sources.keys().copied().collect();
        for id in ids {
            let text = self.real_path(id).ok().and_then(|p| std::fs::read_to_string(p).ok());
            match text {
                Some(text) => {
                    let source = sources.get_mut(&id).expect("listed id");
                    if source.text() != text {
                        source.replace(&text);
                        changed = true;
                    }
                }
                None => {
                    sources.remove(&id);
                    changed = true;
                }
            }
        }
        changed
    }

    /// Maps a file id to a real path under `layouts/` or the edition folder; refuses anything else.
    fn real_path(&self, id: FileId) -> FileResult<PathBuf> {
        let rooted = id.get();
        if !matches!(rooted.root(), VirtualRoot::Project) {
            return Err(FileError::Other(Some("paket typst tidak diizinkan; renja bekerja tanpa jaringan".into())));
        }
        let vpath = rooted.vpath();
        let text = vpath.get_with_slash();
        let not_found = || FileError::NotFound(PathBuf::from(text));
        let (root, rest) = if let Some(rest) = text.strip_prefix("/layouts/") {
            (&self.layouts, rest)
        } else if let Some(rest) = text.strip_prefix("/edisi/") {
            (&self.edition, rest)
        } else {
            return Err(not_found());
        };
        let sub = VirtualPath::new(format!("/{rest}")).map_err(|_| not_found())?;
        let path = sub.realize(root).map_err(|_| FileError::AccessDenied)?;
        // Refuse symlinks that lead out of the allowed folder.
        let canon_root = root.canonicalize().map_err(|_| not_found())?;
        let canon = path.canonicalize().map_err(|_| not_found())?;
        if !canon.starts_with(&canon_root) {
            return Err(FileError::AccessDenied);
        }
        Ok(canon)
    }
}

impl World for RenjaWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(s) = self.sources.lock().expect("sources").get(&id) {
            return Ok(s.clone());
        }
        let path = self.real_path(id)?;
        let text = std::fs::read_to_string(&path).map_err(|e| FileError::from_io(e, &path))?;
        let source = Source::new(id, text);
        self.sources.lock().expect("sources").insert(id, source.clone());
        Ok(source)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == project_file("/model.json") {
            return Ok(self.model.clone());
        }
        let rooted = id.get();
        if matches!(rooted.root(), VirtualRoot::Project) {
            let text = rooted.vpath().get_with_slash();
            if let Some(table) = text.strip_prefix("/tabel/").and_then(|t| t.strip_suffix(".json")) {
                return self.tables.get(table).cloned().ok_or_else(|| FileError::NotFound(PathBuf::from(text)));
            }
        }
        let path = self.real_path(id)?;
        std::fs::read(&path).map(Bytes::new).map_err(|e| FileError::from_io(e, &path))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use typst::syntax::package::PackageSpec;

    fn world() -> RenjaWorld {
        let root = &renja_core::checkout_dir();
        let fonts = Arc::new(Fonts::load(&root.join("fonts")).unwrap());
        RenjaWorld::new(fonts, &root.join("layouts"), &root.join("content"), b"{}".to_vec(), (2022, 8, 25))
    }

    #[test]
    fn reads_only_layouts_edition_and_the_model() {
        let w = world();
        assert_eq!(w.file(project_file("/model.json")).unwrap().as_slice(), b"{}");
        assert!(w.source(project_file("/layouts/renja.typ")).is_ok());
        assert!(w.file(project_file("/edisi/edisi.toml")).is_ok());
        for outside in ["/etc/passwd", "/layouts/../../../etc/passwd", "/src/lib.rs", "/Cargo.toml", "/edisi/../Cargo.toml", "/tabel/rencana.json", "/tabel/../model.json.json"] {
            let Ok(vpath) = VirtualPath::new(outside) else { continue };
            let id = RootedPath::new(VirtualRoot::Project, vpath).intern();
            assert!(w.file(id).is_err(), "{outside} must not be readable");
        }
    }

    #[test]
    fn serves_each_table_and_keeps_unchanged_bytes() {
        let input = |rencana: &[u8]| crate::LayoutInput {
            model: b"{}".to_vec(),
            tables: [("rencana".to_string(), rencana.to_vec()), ("rkpd".to_string(), b"[2]".to_vec())].into_iter().collect(),
        };
        let mut w = world();
        w.set_model(input(b"[1]"));
        let file = |w: &RenjaWorld, p: &str| w.file(project_file(p));
        assert_eq!(file(&w, "/tabel/rencana.json").unwrap().as_slice(), b"[1]");
        assert!(file(&w, "/tabel/evaluasi.json").is_err(), "no such table");
        let (model, rkpd) = (file(&w, "/model.json").unwrap(), file(&w, "/tabel/rkpd.json").unwrap());
        w.set_model(input(b"[3]"));
        assert_eq!(file(&w, "/tabel/rencana.json").unwrap().as_slice(), b"[3]");
        // Unchanged files keep the very same bytes object (its hash is cached in it).
        assert!(std::ptr::eq(file(&w, "/tabel/rkpd.json").unwrap().as_slice().as_ptr(), rkpd.as_slice().as_ptr()));
        assert!(std::ptr::eq(file(&w, "/model.json").unwrap().as_slice().as_ptr(), model.as_slice().as_ptr()));
        w.set_model(b"{}".to_vec());
        assert!(file(&w, "/tabel/rkpd.json").is_err(), "a table no longer placed is gone");
    }

    #[test]
    fn package_imports_are_refused() {
        let w = world();
        let spec: PackageSpec = "@preview/example:0.1.0".parse().unwrap();
        let id = RootedPath::new(VirtualRoot::Package(spec), VirtualPath::new("/lib.typ").unwrap()).intern();
        let err = w.source(id).unwrap_err();
        assert!(format!("{err:?}").contains("paket"), "{err:?}");
    }

    #[test]
    fn refresh_sources_sees_edited_layout_files() {
        let dir = tempfile::tempdir().unwrap();
        let layouts = dir.path().join("layouts");
        std::fs::create_dir(&layouts).unwrap();
        std::fs::write(layouts.join("renja.typ"), "one").unwrap();
        let root = &renja_core::checkout_dir();
        let fonts = Arc::new(Fonts::load(&root.join("fonts")).unwrap());
        let w = RenjaWorld::new(fonts, &layouts, dir.path(), b"{}".to_vec(), (2022, 8, 25));
        let id = project_file("/layouts/renja.typ");
        assert_eq!(w.source(id).unwrap().text(), "one");
        assert!(!w.refresh_sources(), "nothing changed yet");
        std::fs::write(layouts.join("renja.typ"), "two").unwrap();
        assert_eq!(w.source(id).unwrap().text(), "one", "cached until refreshed");
        assert!(w.refresh_sources());
        assert_eq!(w.source(id).unwrap().text(), "two");
        std::fs::remove_file(layouts.join("renja.typ")).unwrap();
        assert!(w.refresh_sources());
        assert!(w.source(id).is_err(), "a deleted layout file is reported, not served from cache");
    }

    #[test]
    fn today_is_the_editions_date() {
        let w = world();
        assert_eq!(w.today(None), Datetime::from_ymd(2022, 8, 25));
    }
}
