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

use super::{Edition, Error, FileEntry, Filter, Kind, NewEdition, ObjectState, Result, Store};
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

const COLUMNS: &str = "id, opd_kunci, opd_nama, opd_singkatan, daerah, tahun, jenis, revisi, revisi_sumber, tahap, slug, \
                       penandatangan_nama, penandatangan_nip, waktu_ttd, renja_versi, ditambahkan, dasar, manifest";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The SQLite + files archive at one folder.
pub struct SqliteStore {
    root: PathBuf,
    conn: Connection,
}

fn db(e: rusqlite::Error) -> Error {
    Error::Db(e.to_string())
}

fn io(what: &Path, e: std::io::Error) -> Error {
    Error::Io(format!("{}: {e}", what.display()))
}

fn fsync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| io(dir, e))
}

impl SqliteStore {
    /// Opens the archive at `root`. With `create`, a missing archive is created; without it, a
    /// missing archive is an error (so `list` on a mistyped path does not create one).
    pub fn open(root: &Path, create: bool) -> Result<SqliteStore> {
        let db_path = root.join("arsip.db");
        if !db_path.is_file() {
            if !create {
                return Err(Error::Io(format!("arsip tidak ditemukan di {} (belum ada edisi yang ditambahkan?)", root.display())));
            }
            std::fs::create_dir_all(root.join("objek").join("tmp")).map_err(|e| io(root, e))?;
        }
        let conn = Connection::open(&db_path).map_err(db)?;
        conn.busy_timeout(Duration::from_secs(60)).map_err(db)?;
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
        // The schema is created by the first add; a database left without it (an add killed
        // while creating the archive) gets it now, so it reads as an empty archive.
        let has_schema: i64 =
            conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'berkas_tetap_hapus'", [], |r| r.get(0)).map_err(db)?;
        if create || has_schema == 0 {
            conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;")).map_err(db)?;
        }
        Ok(SqliteStore { root: root.to_path_buf(), conn })
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

    /// SQLite's own consistency check (`PRAGMA quick_check`): "ok" or the problems.
    pub fn quick_check(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("PRAGMA quick_check").map_err(db)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
        let v: Vec<String> = rows.collect::<std::result::Result<_, _>>().map_err(db)?;
        Ok(v.into_iter().filter(|s| s != "ok").collect())
    }
}

/// Fault-testing hook: with `RENJA_ARSIP_JEDA_MS=N`, `insert` announces the storage phase on
/// stderr ("jeda: …") and pauses N ms before and after each object write, so a test can kill the
/// process while objects are being written. Nothing else changes; unset, it costs one lookup.
fn fault_delay() -> Option<Duration> {
    std::env::var("RENJA_ARSIP_JEDA_MS").ok()?.parse::<u64>().ok().filter(|&ms| ms > 0).map(Duration::from_millis)
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
        jenis: r.get(6)?,
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
        // Every object must be durable before the row that names it commits.
        let jeda = fault_delay();
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
                        params![m.opd_kunci, m.tahun, m.jenis, revisi],
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
                        params![m.opd_kunci, m.tahun, m.jenis],
                        |r| r.get(0),
                    )
                    .map_err(db)?;
                max.map(|x| (x + 1).max(m.revisi)).unwrap_or(m.revisi)
            } else {
                m.revisi
            };
            if let Some(id) = existing(revisi)? {
                return Err(Error::Duplicate { id, opd: m.opd_nama.clone(), tahun: m.tahun, jenis: m.jenis.clone(), revisi });
            }
            let mut stored = m.clone();
            stored.revisi = revisi;
            stored.id = super::edition_id(m.tahun, &m.jenis, revisi, &m.manifest);
            let inserted = self.conn.execute(
                &format!("INSERT INTO edisi ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"),
                params![
                    stored.id,
                    stored.opd_kunci,
                    stored.opd_nama,
                    stored.opd_singkatan,
                    stored.daerah,
                    stored.tahun,
                    stored.jenis,
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
                    return Err(Error::Duplicate { id, opd: m.opd_nama.clone(), tahun: m.tahun, jenis: m.jenis.clone(), revisi });
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
        rows.collect::<std::result::Result<_, _>>().map_err(db)
    }

    fn find(&self, id: &str) -> Result<Edition> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM edisi WHERE id = ?1 OR substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 10"))
            .map_err(db)?;
        let found: Vec<Edition> = st.query_map(params![id], row_to_edition).map_err(db)?.collect::<std::result::Result<_, _>>().map_err(db)?;
        if let Some(exact) = found.iter().find(|e| e.id == id) {
            return Ok(exact.clone());
        }
        match found.len() {
            0 => Err(Error::NotFound(id.to_string())),
            1 => Ok(found.into_iter().next().expect("one")),
            _ => Err(Error::Ambiguous(id.to_string(), found.into_iter().map(|e| e.id).collect())),
        }
    }

    fn files(&self, id: &str) -> Result<Vec<FileEntry>> {
        let mut st = self
            .conn
            .prepare("SELECT path, sha256, size, kind FROM berkas WHERE edisi = ?1 ORDER BY kind <> 'sumber', path")
            .map_err(db)?;
        let rows = st
            .query_map(params![id], |r| {
                let kind: String = r.get(3)?;
                Ok(FileEntry { path: r.get(0)?, sha256: r.get(1)?, size: r.get::<_, i64>(2)? as u64, kind: Kind::parse(&kind).unwrap_or(Kind::Sumber) })
            })
            .map_err(db)?;
        rows.collect::<std::result::Result<_, _>>().map_err(db)
    }

    fn unreferenced(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT DISTINCT sha256 FROM berkas").map_err(db)?;
        let known: std::collections::HashSet<String> =
            st.query_map([], |r| r.get(0)).map_err(db)?.collect::<std::result::Result<_, _>>().map_err(db)?;
        let mut out = Vec::new();
        let objek = self.root.join("objek");
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Edition, FileEntry, Kind, NewEdition};

    fn edition(revisi: u32, content: &[u8], revisi_baru: bool) -> NewEdition {
        let f = FileEntry { path: "edisi.toml".into(), sha256: crate::archive::sha256_hex(content), size: content.len() as u64, kind: Kind::Sumber };
        let manifest = crate::archive::manifest_hash(std::slice::from_ref(&f));
        let meta = Edition { opd_kunci: "kabupaten X/1".into(), opd_nama: "Dinas X".into(), tahun: 2024, jenis: "murni".into(), revisi, manifest, ..Default::default() };
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
        assert_eq!(s.unreferenced().unwrap(), vec![crate::archive::sha256_hex(b"yatim")]);
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
