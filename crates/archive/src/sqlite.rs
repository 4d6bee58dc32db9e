//! The embedded archive backend: one SQLite database (`arsip.db`, WAL, bundled SQLite) plus
//! content-addressed files `objek/ab/cdef…` named by their SHA-256.
//!
//! Crash safety: an object is written to `objek/tmp/`, fsynced, renamed into place and its folder
//! fsynced; only after every object of an edition is durable does one `BEGIN IMMEDIATE`
//! transaction insert the `edisi` row and all its `berkas` rows. A kill at any moment leaves at
//! worst unreferenced objects or temporary files, never a listed edition with a missing file.
//! Concurrency: WAL, a busy timeout, and the write transaction taken up front; the UNIQUE key
//! (opd_kunci, tahun, jenis, revisi) refuses a racing duplicate. Triggers refuse every UPDATE and
//! DELETE, so an archived edition cannot be changed through SQL either.
//!
//! Damage and read-only archives: only `add` opens the database for writing, and it first runs
//! SQLite's `PRAGMA integrity_check` (and refuses a database without its tables while objects
//! are stored, or an `objek/` folder missing while editions are listed): nothing is written
//! into a damaged archive. Every other command opens it read-only (`mode=ro`; `immutable=1` when
//! the archive has no write permission at all or SQLite cannot create its shared-memory file
//! there, as on a read-only mount), runs `PRAGMA quick_check` and never writes a byte; a
//! missing or empty database while objects are stored is damage, not an empty archive. Rows that
//! do not have the shape this file writes (codes, hashes, no control characters) are reported
//! as damage, never printed as metadata.

use super::{Edition, Error, FileEntry, Filter, Kind, NewEdition, ObjectState, Result, Store, invalid_edition, valid_file_row};
use rusqlite::{Connection, OptionalExtension, params};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS edisi (
    id TEXT PRIMARY KEY,
    opd_kunci TEXT NOT NULL,
    opd_nama TEXT NOT NULL,
    opd_singkatan TEXT,
    daerah TEXT NOT NULL,
    tahun INTEGER NOT NULL,
    jenis TEXT NOT NULL,
    revisi INTEGER NOT NULL,
    revisi_sumber INTEGER NOT NULL,
    tahap TEXT,
    slug TEXT NOT NULL,
    penandatangan_nama TEXT NOT NULL,
    penandatangan_nip TEXT NOT NULL,
    waktu_ttd TEXT,
    renja_versi TEXT NOT NULL,
    ditambahkan TEXT NOT NULL,
    dasar TEXT,
    manifest TEXT NOT NULL,
    UNIQUE (opd_kunci, tahun, jenis, revisi)
);
CREATE TABLE IF NOT EXISTS berkas (
    edisi TEXT NOT NULL REFERENCES edisi(id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (edisi, path)
);
CREATE INDEX IF NOT EXISTS berkas_sha256 ON berkas(sha256);
CREATE INDEX IF NOT EXISTS edisi_urut ON edisi(tahun, opd_kunci, jenis, revisi);
CREATE TRIGGER IF NOT EXISTS edisi_tetap_ubah BEFORE UPDATE ON edisi
    BEGIN SELECT RAISE(ABORT, 'edisi dalam arsip tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS edisi_tetap_hapus BEFORE DELETE ON edisi
    BEGIN SELECT RAISE(ABORT, 'edisi dalam arsip tidak dapat dihapus'); END;
CREATE TRIGGER IF NOT EXISTS berkas_tetap_ubah BEFORE UPDATE ON berkas
    BEGIN SELECT RAISE(ABORT, 'berkas dalam arsip tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS berkas_tetap_hapus BEFORE DELETE ON berkas
    BEGIN SELECT RAISE(ABORT, 'berkas dalam arsip tidak dapat dihapus'); END;
";

use super::EDITION_COLUMNS as COLUMNS;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The SQLite + files archive at one folder.
pub struct SqliteStore {
    root: PathBuf,
    conn: Connection,
    /// The database has no tables yet (a new archive, or one whose first add was killed while
    /// creating it): it reads as an empty archive.
    empty: bool,
}

/// A SQLite error: damage (a malformed or foreign file, a wrong value in a row) is
/// [`Error::Damaged`], the rest [`Error::Db`].
fn db(e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, DatabaseCorrupt | NotADatabase) => {
            Error::Damaged(format!("basis data arsip (arsip.db) rusak; jalankan `renja archive verify` (SQLite: {e})"))
        }
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => {
            Error::Damaged(format!("basis data arsip (arsip.db) rusak: isi baris tidak sah; jalankan `renja archive verify` ({e})"))
        }
        _ => Error::Db(e.to_string()),
    }
}

/// A `file:` URI for SQLite (path characters other than unreserved ones and `/` escaped).
fn sqlite_uri(path: &Path, params: &str) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(b) {
            out.push(*b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('?');
    out.push_str(params);
    out
}

/// How many objects `objek/` holds (files in its two-digit folders).
fn count_objects(root: &Path) -> usize {
    std::fs::read_dir(root.join("objek"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|d| d.file_name().len() == 2 && d.path().is_dir())
        .map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten().count())
        .sum()
}

/// Whether nobody may write to the archive (no write permission bit on the database or on its
/// folder): then the database is opened as immutable, without locks or shared-memory files.
fn no_write_permission(root: &Path, db_path: &Path) -> bool {
    [db_path, root].iter().any(|p| std::fs::metadata(p).map(|m| m.permissions().readonly()).unwrap_or(false))
}

fn has_schema(conn: &Connection) -> Result<bool> {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('edisi', 'berkas')", [], |r| r.get(0))
        .map_err(db)?;
    Ok(n == 2)
}

fn problems_of(conn: &Connection, pragma: &str) -> Result<Vec<String>> {
    let mut st = conn.prepare(pragma).map_err(db)?;
    let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
    let v: Vec<String> = rows.collect::<std::result::Result<_, _>>().map_err(db)?;
    Ok(v.into_iter().filter(|s| s != "ok").collect())
}

fn damaged_db(root: &Path, problems: &[String]) -> Error {
    let shown: Vec<&str> = problems.iter().take(5).map(String::as_str).collect();
    let more = if problems.len() > 5 { format!(" (dan {} lagi)", problems.len() - 5) } else { String::new() };
    Error::Damaged(format!(
        "arsip {} rusak: pemeriksaan SQLite atas arsip.db menemukan {} masalah: {}{more}",
        root.display(),
        problems.len(),
        shown.join("; ")
    ))
}

fn io(what: &Path, e: std::io::Error) -> Error {
    Error::Io(format!("{}: {e}", what.display()))
}

fn fsync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| io(dir, e))
}

impl SqliteStore {
    /// Opens the archive at `root`. With `create` (only `add`), for writing: a missing archive
    /// is created, and a damaged one refused before anything is written. Without it, read-only:
    /// a missing archive is an error (so `list` on a mistyped path does not create one), and
    /// nothing in the archive is ever written.
    pub fn open(root: &Path, create: bool) -> Result<SqliteStore> {
        if create { Self::open_for_writing(root) } else { Self::open_read_only(root) }
    }

    fn open_read_only(root: &Path) -> Result<SqliteStore> {
        let db_path = root.join("arsip.db");
        if !db_path.is_file() {
            let n = count_objects(root);
            if n > 0 {
                return Err(Error::Damaged(format!(
                    "arsip {} rusak: arsip.db tidak ada, padahal folder objek/ menyimpan {n} objek",
                    root.display()
                )));
            }
            return Err(Error::Io(format!("arsip tidak ditemukan di {} (belum ada edisi yang ditambahkan?)", root.display())));
        }
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // A write-ahead log left next to the database must be read, so immutable only without one.
        let wal = root.join("arsip.db-wal");
        let wal_pending = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
        let open = |immutable: bool| -> Result<(Connection, Vec<String>)> {
            let params = if immutable { "mode=ro&immutable=1" } else { "mode=ro" };
            let conn = Connection::open_with_flags(sqlite_uri(&db_path, params), flags).map_err(db)?;
            conn.busy_timeout(Duration::from_secs(60)).map_err(db)?;
            let problems = problems_of(&conn, "PRAGMA quick_check")?;
            Ok((conn, problems))
        };
        let immutable = !wal_pending && no_write_permission(root, &db_path);
        let (conn, problems) = match open(immutable) {
            // A read-only mount: SQLite cannot create its shared-memory file beside the database.
            Err(Error::Db(_)) if !immutable && !wal_pending => open(true)?,
            other => other?,
        };
        if !problems.is_empty() {
            return Err(damaged_db(root, &problems));
        }
        let empty = !has_schema(&conn)?;
        if empty {
            let n = count_objects(root);
            if n > 0 {
                return Err(Error::Damaged(format!(
                    "arsip {} rusak: arsip.db kosong (tanpa tabel edisi), padahal folder objek/ menyimpan {n} objek",
                    root.display()
                )));
            }
        }
        Ok(SqliteStore { root: root.to_path_buf(), conn, empty })
    }

    fn open_for_writing(root: &Path) -> Result<SqliteStore> {
        let db_path = root.join("arsip.db");
        let existed = db_path.is_file() && std::fs::metadata(&db_path).is_ok_and(|m| m.len() > 0);
        if !db_path.is_file() {
            let n = count_objects(root);
            if n > 0 {
                return Err(Error::Damaged(format!(
                    "arsip {} rusak: arsip.db tidak ada, padahal folder objek/ menyimpan {n} objek; tidak ada yang ditulis",
                    root.display()
                )));
            }
            std::fs::create_dir_all(root.join("objek").join("tmp")).map_err(|e| io(root, e))?;
        }
        let conn = Connection::open(&db_path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(60)).map_err(db)?;
        // Before anything is written: SQLite's own full check of an existing database.
        if existed {
            let problems = problems_of(&conn, "PRAGMA integrity_check").map_err(|e| match e {
                Error::Damaged(m) => Error::Damaged(format!("{m}; tidak ada yang ditulis")),
                other => other,
            })?;
            if !problems.is_empty() {
                let Error::Damaged(m) = damaged_db(root, &problems) else { unreachable!() };
                return Err(Error::Damaged(format!("{m}; tidak ada yang ditulis")));
            }
        }
        if !has_schema(&conn)? {
            let n = count_objects(root);
            // (Objects appear only after the first add has created the tables: look again, in
            // case a concurrent first add has just done so.)
            if n > 0 && !has_schema(&conn)? {
                return Err(Error::Damaged(format!(
                    "arsip {} rusak: arsip.db kosong (tanpa tabel edisi), padahal folder objek/ menyimpan {n} objek; tidak ada yang ditulis",
                    root.display()
                )));
            }
        } else {
            let editions: i64 = conn.query_row("SELECT COUNT(*) FROM edisi", [], |r| r.get(0)).map_err(db)?;
            if editions > 0 && !root.join("objek").is_dir() {
                return Err(Error::Damaged(format!(
                    "arsip {} rusak: folder objek/ tidak ada, padahal arsip.db mencatat {editions} edisi; tidak ada yang ditulis",
                    root.display()
                )));
            }
        }
        let empty = !has_schema(&conn)?;
        let store = SqliteStore { root: root.to_path_buf(), conn, empty };
        // Rows garbled where no index looks (SQLite's check passes): refused as well.
        if existed {
            store.validate_rows().map_err(|e| match e {
                Error::Damaged(m) => Error::Damaged(format!("{m}; tidak ada yang ditulis")),
                other => other,
            })?;
        }
        let conn = &store.conn;
        // Switching to WAL needs a moment alone with the file; retry while another process opens it.
        let mut tries = 0;
        loop {
            match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
                Ok(_) => break,
                Err(e) if tries < 200 && is_busy(&e) => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(e) => return Err(db(e)),
            }
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;").map_err(db)?;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;")).map_err(db)?;
        let mut store = store;
        store.empty = false;
        Ok(store)
    }

    /// Reads every edition and file row and checks its shape (see `invalid_edition`).
    pub fn validate_rows(&self) -> Result<()> {
        if self.empty {
            return Ok(());
        }
        self.list(&Filter::default())?;
        let mut st = self.conn.prepare("SELECT DISTINCT edisi FROM berkas").map_err(db)?;
        let ids: Vec<String> = st.query_map([], |r| r.get(0)).map_err(db)?.collect::<std::result::Result<_, _>>().map_err(db)?;
        for id in ids {
            self.files(&id)?;
        }
        Ok(())
    }

    fn object_path(&self, sha: &str) -> PathBuf {
        let (a, b) = sha.split_at(2.min(sha.len()));
        self.root.join("objek").join(a).join(b)
    }

    /// Temporary files left in `objek/tmp/` by interrupted adds.
    pub fn leftovers(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.root.join("objek").join("tmp"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        out
    }

    /// SQLite's own consistency check (`PRAGMA quick_check`): the problems, none when sound.
    pub fn quick_check(&self) -> Result<Vec<String>> {
        problems_of(&self.conn, "PRAGMA quick_check")
    }

    /// SQLite's full check (`PRAGMA integrity_check`: also every index against its table).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        problems_of(&self.conn, "PRAGMA integrity_check")
    }

    /// Whether the `objek/` folder exists.
    pub fn has_objects_folder(&self) -> bool {
        self.root.join("objek").is_dir()
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

fn row_to_edition(r: &rusqlite::Row) -> rusqlite::Result<Edition> {
    Ok(Edition {
        id: r.get(0)?,
        opd_kunci: r.get(1)?,
        opd_nama: r.get(2)?,
        opd_singkatan: r.get(3)?,
        daerah: r.get(4)?,
        tahun: r.get(5)?,
        jenis: {
            let s: String = r.get(6)?;
            s.parse().map_err(|m: String| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, m.into()))?
        },
        revisi: r.get(7)?,
        revisi_sumber: r.get(8)?,
        tahap: r.get(9)?,
        slug: r.get(10)?,
        penandatangan_nama: r.get(11)?,
        penandatangan_nip: r.get(12)?,
        waktu_ttd: r.get(13)?,
        renja_versi: r.get(14)?,
        ditambahkan: r.get(15)?,
        dasar: r.get(16)?,
        manifest: r.get(17)?,
    })
}

fn check_edition(e: Edition) -> Result<Edition> {
    match invalid_edition(&e) {
        None => Ok(e),
        Some(why) => Err(Error::Damaged(format!(
            "basis data arsip (arsip.db) rusak: baris edisi {:?} tidak sah ({why}); jalankan `renja archive verify`",
            e.id.chars().filter(|c| !c.is_control()).take(40).collect::<String>()
        ))),
    }
}

impl Store for SqliteStore {
    fn put_object(&self, bytes: &[u8]) -> Result<String> {
        let sha = super::sha256_hex(bytes);
        let path = self.object_path(&sha);
        if self.check_object(&sha, bytes.len() as u64) == ObjectState::Ok {
            return Ok(sha);
        }
        let tmp_dir = self.root.join("objek").join("tmp");
        std::fs::create_dir_all(&tmp_dir).map_err(|e| io(&tmp_dir, e))?;
        let dir = path.parent().expect("object path has a folder").to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = tmp_dir.join(format!("{}-{}-{n}", std::process::id(), &sha[..12]));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            // Stored objects are read-only: a slip of the hand does not alter the archive.
            let mut perm = f.metadata()?.permissions();
            perm.set_readonly(true);
            std::fs::set_permissions(&tmp, perm)?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&path, e));
        }
        fsync_dir(&dir)?;
        Ok(sha)
    }

    fn read_object(&self, sha256: &str) -> Result<Vec<u8>> {
        let p = self.object_path(sha256);
        if !self.has_objects_folder() {
            return Err(Error::Damaged(format!("folder objek/ tidak ada di arsip {}; objek {sha256} tidak dapat dibaca", self.root.display())));
        }
        std::fs::read(&p).map_err(|e| io(&p, e))
    }

    fn check_object(&self, sha256: &str, size: u64) -> ObjectState {
        match std::fs::read(self.object_path(sha256)) {
            Err(_) => ObjectState::Missing,
            Ok(b) if b.len() as u64 == size && super::sha256_hex(&b) == sha256 => ObjectState::Ok,
            Ok(_) => ObjectState::Altered,
        }
    }

    fn insert(&self, ed: &NewEdition) -> Result<Edition> {
        let m = &ed.meta;
        if let Some(why) = invalid_edition(&Edition { id: super::edition_id(m.tahun, m.jenis, m.revisi, &m.manifest), ..m.clone() }) {
            return Err(Error::Io(format!("metadata edisi tidak dapat disimpan: {why}")));
        }
        // Every object must be durable before the row that names it commits.
        let jeda = super::fault_delay();
        if let Some(d) = jeda {
            eprintln!("jeda: menyimpan {} objek", ed.files.len());
            std::thread::sleep(d);
        }
        for (f, bytes) in &ed.files {
            if self.check_object(&f.sha256, f.size) != ObjectState::Ok {
                let sha = self.put_object(bytes)?;
                debug_assert_eq!(sha, f.sha256);
            }
            if let Some(d) = jeda {
                std::thread::sleep(d);
            }
        }
        let tx_result = (|| -> Result<Edition> {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
            let existing = |revisi: u32| -> Result<Option<String>> {
                self.conn
                    .query_row(
                        "SELECT id FROM edisi WHERE opd_kunci = ?1 AND tahun = ?2 AND jenis = ?3 AND revisi = ?4",
                        params![m.opd_kunci, m.tahun, m.jenis.as_str(), revisi],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db)
            };
            let revisi = if ed.revisi_baru {
                let max: Option<u32> = self
                    .conn
                    .query_row(
                        "SELECT MAX(revisi) FROM edisi WHERE opd_kunci = ?1 AND tahun = ?2 AND jenis = ?3",
                        params![m.opd_kunci, m.tahun, m.jenis.as_str()],
                        |r| r.get(0),
                    )
                    .map_err(db)?;
                max.map(|x| (x + 1).max(m.revisi)).unwrap_or(m.revisi)
            } else {
                m.revisi
            };
            if let Some(id) = existing(revisi)? {
                return Err(Error::Duplicate { id, opd: m.opd_nama.clone(), tahun: m.tahun, jenis: m.jenis, revisi });
            }
            let mut stored = m.clone();
            stored.revisi = revisi;
            stored.id = super::edition_id(m.tahun, m.jenis, revisi, &m.manifest);
            let inserted = self.conn.execute(
                &format!("INSERT INTO edisi ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"),
                params![
                    stored.id,
                    stored.opd_kunci,
                    stored.opd_nama,
                    stored.opd_singkatan,
                    stored.daerah,
                    stored.tahun,
                    stored.jenis.as_str(),
                    stored.revisi,
                    stored.revisi_sumber,
                    stored.tahap,
                    stored.slug,
                    stored.penandatangan_nama,
                    stored.penandatangan_nip,
                    stored.waktu_ttd,
                    stored.renja_versi,
                    stored.ditambahkan,
                    stored.dasar,
                    stored.manifest
                ],
            );
            if let Err(e) = inserted {
                // The UNIQUE key (or an identical id) as the last line of defence.
                if let Some(id) = existing(revisi)? {
                    return Err(Error::Duplicate { id, opd: m.opd_nama.clone(), tahun: m.tahun, jenis: m.jenis, revisi });
                }
                return Err(db(e));
            }
            {
                let mut st = self.conn.prepare("INSERT INTO berkas (edisi, path, sha256, size, kind) VALUES (?1, ?2, ?3, ?4, ?5)").map_err(db)?;
                for (f, _) in &ed.files {
                    st.execute(params![stored.id, f.path, f.sha256, f.size as i64, f.kind.as_str()]).map_err(db)?;
                }
            }
            self.conn.execute_batch("COMMIT").map_err(db)?;
            Ok(stored)
        })();
        if tx_result.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        tx_result
    }

    fn list(&self, filter: &Filter) -> Result<Vec<Edition>> {
        if self.empty {
            return Ok(Vec::new());
        }
        let opd = filter.opd.as_ref().map(|o| format!("%{o}%"));
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM edisi
                 WHERE (?1 IS NULL OR opd_nama LIKE ?1 OR opd_singkatan LIKE ?1 OR opd_kunci LIKE ?1)
                   AND (?2 IS NULL OR tahun = ?2)
                 ORDER BY tahun, opd_kunci, jenis, revisi"
            ))
            .map_err(db)?;
        let rows = st.query_map(params![opd, filter.tahun], row_to_edition).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(check_edition)).collect()
    }

    fn find(&self, id: &str) -> Result<Edition> {
        if self.empty {
            return Err(Error::NotFound(id.to_string()));
        }
        let mut st = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM edisi WHERE id = ?1 OR substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 10"))
            .map_err(db)?;
        let found: Vec<Edition> = st.query_map(params![id], row_to_edition).map_err(db)?.map(|r| r.map_err(db).and_then(check_edition)).collect::<Result<_>>()?;
        super::resolve_prefix(id, found)
    }

    fn files(&self, id: &str) -> Result<Vec<FileEntry>> {
        if self.empty {
            return Ok(Vec::new());
        }
        let mut st = self
            .conn
            .prepare("SELECT path, sha256, size, kind FROM berkas WHERE edisi = ?1 ORDER BY kind <> 'sumber', path")
            .map_err(db)?;
        let rows = st
            .query_map(params![id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?)))
            .map_err(db)?;
        rows.map(|r| {
            let (path, sha256, size, kind) = r.map_err(db)?;
            match Kind::parse(&kind) {
                Some(kind) if valid_file_row(&path, &sha256, size) => Ok(FileEntry { path, sha256, size: size as u64, kind }),
                _ => Err(Error::Damaged(format!(
                    "basis data arsip (arsip.db) rusak: baris berkas edisi {id} tidak sah ({:?}); jalankan `renja archive verify`",
                    path.chars().filter(|c| !c.is_control()).take(60).collect::<String>()
                ))),
            }
        })
        .collect()
    }

    fn unreferenced(&self) -> Result<Vec<String>> {
        let objek = self.root.join("objek");
        if self.empty || !objek.is_dir() {
            return Ok(Vec::new());
        }
        let mut st = self.conn.prepare("SELECT DISTINCT sha256 FROM berkas").map_err(db)?;
        let known: std::collections::HashSet<String> =
            st.query_map([], |r| r.get(0)).map_err(db)?.collect::<std::result::Result<_, _>>().map_err(db)?;
        let mut out = Vec::new();
        for d in std::fs::read_dir(&objek).map_err(|e| io(&objek, e))?.flatten() {
            let name = d.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !d.path().is_dir() {
                continue;
            }
            for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                let sha = format!("{name}{}", f.file_name().to_string_lossy());
                if !known.contains(&sha) {
                    out.push(sha);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn location(&self) -> PathBuf {
        self.root.clone()
    }

    fn integrity(&self) -> Result<Vec<String>> {
        self.integrity_check()
    }

    fn objects_present(&self) -> bool {
        self.has_objects_folder()
    }

    fn leftovers(&self) -> Vec<String> {
        SqliteStore::leftovers(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Edition, FileEntry, Kind, NewEdition};

    fn edition(revisi: u32, content: &[u8], revisi_baru: bool) -> NewEdition {
        let f = FileEntry { path: "edisi.toml".into(), sha256: crate::sha256_hex(content), size: content.len() as u64, kind: Kind::Sumber };
        let manifest = crate::manifest_hash(std::slice::from_ref(&f));
        let meta = Edition { opd_kunci: "kabupaten X/1".into(), opd_nama: "Dinas X".into(), tahun: 2024, jenis: super::super::JenisEdisi::Murni, revisi, manifest, ..Default::default() };
        NewEdition { meta, revisi_baru, files: vec![(f, content.to_vec())] }
    }

    #[test]
    fn insert_refuse_revise_and_check() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path(), true).unwrap();
        let a = s.insert(&edition(0, b"satu", false)).unwrap();
        assert!(a.id.starts_with("2024-murni-r0-"), "{}", a.id);
        match s.insert(&edition(0, b"dua", false)) {
            Err(Error::Duplicate { id, .. }) => assert_eq!(id, a.id),
            other => panic!("expected a refusal, got {:?}", other.map(|e| e.id)),
        }
        let b = s.insert(&edition(0, b"dua", true)).unwrap();
        assert_eq!(b.revisi, 1);
        assert_eq!(s.list(&Filter::default()).unwrap().len(), 2);
        assert_eq!(s.list(&Filter { opd: Some("dinas".into()), tahun: Some(2024) }).unwrap().len(), 2);
        assert_eq!(s.list(&Filter { opd: None, tahun: Some(2023) }).unwrap().len(), 0);
        assert_eq!(s.find("2024-murni-r1").unwrap().id, b.id);
        assert!(matches!(s.find("2024-murni"), Err(Error::Ambiguous(..))));
        let f = &s.files(&a.id).unwrap()[0];
        assert_eq!(s.check_object(&f.sha256, f.size), ObjectState::Ok);
        assert_eq!(s.read_object(&f.sha256).unwrap(), b"satu");
        assert!(s.unreferenced().unwrap().is_empty());
        // An object written by an add that never committed is unreferenced, not an error.
        s.put_object(b"yatim").unwrap();
        assert_eq!(s.unreferenced().unwrap(), vec![crate::sha256_hex(b"yatim")]);
    }

    #[test]
    fn a_database_without_schema_opens_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("objek")).unwrap();
        rusqlite::Connection::open(dir.path().join("arsip.db")).unwrap().execute_batch("PRAGMA user_version = 0").unwrap();
        let s = SqliteStore::open(dir.path(), false).unwrap();
        assert!(s.list(&Filter::default()).unwrap().is_empty());
    }
}
