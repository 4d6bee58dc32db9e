//! The embedded [`Store`]: one SQLite database (`layanan.db`, WAL, bundled SQLite) plus
//! content-addressed file objects `objek/ab/cdef…` named by their SHA-256, as the archive keeps
//! them.
//!
//! Crash safety: a save first makes every new object durable (written to `objek/tmp/`, fsynced,
//! renamed, folder fsynced), then inserts the revision, its file rows and moves the edition's
//! head in one `BEGIN IMMEDIATE` transaction that also checks the base (compare-and-set). A kill
//! at any moment leaves at worst unreferenced objects, never a revision with a missing file.
//! Triggers refuse UPDATE and DELETE on revisions, their files and the audit log.

use super::store::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS opd (
    id INTEGER PRIMARY KEY,
    kode TEXT NOT NULL UNIQUE,
    nama TEXT NOT NULL,
    kepala TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pengguna (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    nama TEXT NOT NULL,
    nip TEXT NOT NULL,
    sandi TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS peran (
    pengguna INTEGER NOT NULL REFERENCES pengguna(id),
    peran TEXT NOT NULL,
    opd INTEGER REFERENCES opd(id)
);
CREATE TABLE IF NOT EXISTS sesi (
    token TEXT PRIMARY KEY,
    pengguna INTEGER NOT NULL REFERENCES pengguna(id),
    kedaluwarsa INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edisi (
    id INTEGER PRIMARY KEY,
    opd INTEGER NOT NULL REFERENCES opd(id),
    tahun INTEGER NOT NULL,
    jenis TEXT NOT NULL,
    revisi INTEGER NOT NULL,
    status TEXT NOT NULL,
    kepala TEXT,
    dibuat TEXT NOT NULL,
    UNIQUE (opd, tahun, jenis, revisi)
);
CREATE TABLE IF NOT EXISTS revisi (
    id TEXT PRIMARY KEY,
    edisi INTEGER NOT NULL REFERENCES edisi(id),
    urut INTEGER NOT NULL,
    induk TEXT,
    penulis INTEGER NOT NULL REFERENCES pengguna(id),
    waktu TEXT NOT NULL,
    pesan TEXT NOT NULL,
    berubah TEXT NOT NULL,
    UNIQUE (edisi, urut)
);
CREATE TABLE IF NOT EXISTS revisi_berkas (
    revisi TEXT NOT NULL REFERENCES revisi(id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (revisi, path)
);
CREATE TABLE IF NOT EXISTS komentar (
    id INTEGER PRIMARY KEY,
    edisi INTEGER NOT NULL REFERENCES edisi(id),
    revisi TEXT NOT NULL REFERENCES revisi(id),
    berkas TEXT NOT NULL,
    baris INTEGER NOT NULL,
    penulis INTEGER NOT NULL REFERENCES pengguna(id),
    waktu TEXT NOT NULL,
    isi TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    waktu TEXT NOT NULL,
    pengguna TEXT,
    aksi TEXT NOT NULL,
    objek TEXT NOT NULL,
    rincian TEXT NOT NULL,
    alamat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keluaran (
    edisi INTEGER NOT NULL REFERENCES edisi(id),
    jenis TEXT NOT NULL,
    revisi TEXT NOT NULL REFERENCES revisi(id),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    waktu TEXT NOT NULL,
    pengguna INTEGER NOT NULL REFERENCES pengguna(id),
    PRIMARY KEY (edisi, jenis)
);
CREATE TABLE IF NOT EXISTS diarsipkan (
    edisi INTEGER PRIMARY KEY REFERENCES edisi(id),
    arsip TEXT NOT NULL UNIQUE,
    waktu TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS keluaran_tetap_ubah BEFORE UPDATE ON keluaran
    BEGIN SELECT RAISE(ABORT, 'keluaran tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS keluaran_tetap_hapus BEFORE DELETE ON keluaran
    BEGIN SELECT RAISE(ABORT, 'keluaran tidak dapat dihapus'); END;
CREATE TRIGGER IF NOT EXISTS diarsipkan_tetap_ubah BEFORE UPDATE ON diarsipkan
    BEGIN SELECT RAISE(ABORT, 'catatan arsip tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS diarsipkan_tetap_hapus BEFORE DELETE ON diarsipkan
    BEGIN SELECT RAISE(ABORT, 'catatan arsip tidak dapat dihapus'); END;
CREATE TRIGGER IF NOT EXISTS revisi_tetap_ubah BEFORE UPDATE ON revisi
    BEGIN SELECT RAISE(ABORT, 'revisi tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS revisi_tetap_hapus BEFORE DELETE ON revisi
    BEGIN SELECT RAISE(ABORT, 'revisi tidak dapat dihapus'); END;
CREATE TRIGGER IF NOT EXISTS revisi_berkas_tetap_ubah BEFORE UPDATE ON revisi_berkas
    BEGIN SELECT RAISE(ABORT, 'berkas revisi tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS revisi_berkas_tetap_hapus BEFORE DELETE ON revisi_berkas
    BEGIN SELECT RAISE(ABORT, 'berkas revisi tidak dapat dihapus'); END;
CREATE TRIGGER IF NOT EXISTS audit_tetap_ubah BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'log audit tidak dapat diubah'); END;
CREATE TRIGGER IF NOT EXISTS audit_tetap_hapus BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'log audit tidak dapat dihapus'); END;
";

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct SqliteStore {
    root: PathBuf,
    conn: Mutex<Connection>,
}

fn db(e: rusqlite::Error) -> Error {
    Error::Backend(format!("basis data: {e}"))
}

fn io(what: &Path, e: std::io::Error) -> Error {
    Error::Backend(format!("{}: {e}", what.display()))
}

fn fsync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| io(dir, e))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    renja_archive::sha256_hex(bytes)
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the data folder `root`.
    pub fn open(root: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(root.join("objek").join("tmp")).map_err(|e| io(root, e))?;
        let conn = Connection::open(root.join("layanan.db")).map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(db)?;
        conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)).map_err(db)?;
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;").map_err(db)?;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;")).map_err(db)?;
        // Leftovers of a save killed while writing objects.
        if let Ok(rd) = std::fs::read_dir(root.join("objek").join("tmp")) {
            for e in rd.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(SqliteStore { root: root.to_path_buf(), conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable (every call is a
        // transaction of its own), so a poisoned lock is taken over.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn object_path(&self, sha: &str) -> PathBuf {
        self.root.join("objek").join(&sha[..2]).join(&sha[2..])
    }

    /// Writes an object durably (if not present yet); returns its hash.
    fn put_object(&self, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        let target = self.object_path(&sha);
        if target.is_file() {
            return Ok(sha);
        }
        let tmp_dir = self.root.join("objek").join("tmp");
        let tmp = tmp_dir.join(format!("{}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), &sha[..8]));
        let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
        f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| io(&tmp, e))?;
        drop(f);
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        std::fs::rename(&tmp, &target).map_err(|e| io(&target, e))?;
        fsync_dir(&dir)?;
        Ok(sha)
    }

    fn grants(conn: &Connection, user: i64) -> Result<Vec<Grant>> {
        let mut st = conn.prepare("SELECT peran, opd FROM peran WHERE pengguna = ?1 ORDER BY peran, opd").map_err(db)?;
        let rows = st
            .query_map([user], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        Ok(rows.into_iter().filter_map(|(p, opd)| Role::parse(&p).map(|peran| Grant { peran, opd })).collect())
    }

    fn user_row(conn: &Connection, where_: &str, arg: &dyn rusqlite::ToSql) -> Result<Option<(User, String)>> {
        let row = conn
            .query_row(&format!("SELECT id, login, nama, nip, sandi FROM pengguna WHERE {where_}"), &[arg], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
            })
            .optional()
            .map_err(db)?;
        match row {
            None => Ok(None),
            Some((id, login, nama, nip, sandi)) => {
                let peran = Self::grants(conn, id)?;
                Ok(Some((User { id, login, nama, nip, peran }, sandi)))
            }
        }
    }

    fn files_of(conn: &Connection, revision: &str) -> Result<Vec<FileRef>> {
        let mut st = conn.prepare("SELECT path, sha256, size FROM revisi_berkas WHERE revisi = ?1 ORDER BY path").map_err(db)?;
        st.query_map([revision], |r| Ok(FileRef { path: r.get(0)?, sha256: r.get(1)?, size: r.get::<_, i64>(2)? as u64 }))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)
    }

    fn manifest(conn: &Connection, revision: Option<&str>) -> Result<BTreeMap<String, String>> {
        Ok(match revision {
            None => BTreeMap::new(),
            Some(r) => Self::files_of(conn, r)?.into_iter().map(|f| (f.path, f.sha256)).collect(),
        })
    }
}

fn edition_row(r: &rusqlite::Row) -> rusqlite::Result<Edition> {
    Ok(Edition {
        id: r.get(0)?,
        opd: r.get(1)?,
        tahun: r.get(2)?,
        jenis: r.get(3)?,
        revisi: r.get::<_, i64>(4)? as u32,
        status: r.get(5)?,
        kepala: r.get(6)?,
        dibuat: r.get(7)?,
    })
}

const EDITION_COLS: &str = "id, opd, tahun, jenis, revisi, status, kepala, dibuat";
const REVISION_COLS: &str = "r.id, r.edisi, r.induk, r.penulis, p.login, r.waktu, r.pesan, r.berubah";

fn revision_row(r: &rusqlite::Row) -> rusqlite::Result<Revision> {
    let berubah: String = r.get(7)?;
    Ok(Revision {
        id: r.get(0)?,
        edisi: r.get(1)?,
        induk: r.get(2)?,
        penulis: r.get(3)?,
        penulis_login: r.get(4)?,
        waktu: r.get(5)?,
        pesan: r.get(6)?,
        berubah: serde_json::from_str(&berubah).unwrap_or_default(),
    })
}

/// Files whose content differs between two manifests (added, changed or removed), sorted.
pub fn changed(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect();
    out.sort();
    out.dedup();
    out
}

fn unique(e: rusqlite::Error, what: &str) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => Error::Exists(what.to_string()),
        _ => db(e),
    }
}

impl Store for SqliteStore {
    fn create_opd(&self, opd: &NewOpd) -> Result<Opd> {
        let c = self.conn();
        c.execute("INSERT INTO opd (kode, nama, kepala) VALUES (?1, ?2, ?3)", params![opd.kode, opd.nama, opd.kepala])
            .map_err(|e| unique(e, &format!("OPD dengan kode '{}' sudah ada", opd.kode)))?;
        Ok(Opd { id: c.last_insert_rowid(), kode: opd.kode.clone(), nama: opd.nama.clone(), kepala: opd.kepala.clone() })
    }

    fn list_opd(&self) -> Result<Vec<Opd>> {
        let c = self.conn();
        let mut st = c.prepare("SELECT id, kode, nama, kepala FROM opd ORDER BY kode").map_err(db)?;
        st.query_map([], |r| Ok(Opd { id: r.get(0)?, kode: r.get(1)?, nama: r.get(2)?, kepala: r.get(3)? }))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)
    }

    fn opd(&self, id: i64) -> Result<Option<Opd>> {
        let c = self.conn();
        c.query_row("SELECT id, kode, nama, kepala FROM opd WHERE id = ?1", [id], |r| {
            Ok(Opd { id: r.get(0)?, kode: r.get(1)?, nama: r.get(2)?, kepala: r.get(3)? })
        })
        .optional()
        .map_err(db)
    }

    fn count_users(&self) -> Result<i64> {
        self.conn().query_row("SELECT COUNT(*) FROM pengguna", [], |r| r.get(0)).map_err(db)
    }

    fn create_user(&self, u: &NewUser) -> Result<User> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db)?;
        tx.execute("INSERT INTO pengguna (login, nama, nip, sandi) VALUES (?1, ?2, ?3, ?4)", params![u.login, u.nama, u.nip, u.hash])
            .map_err(|e| unique(e, &format!("login '{}' sudah dipakai", u.login)))?;
        let id = tx.last_insert_rowid();
        for g in &u.peran {
            if let Some(opd) = g.opd {
                let n: i64 = tx.query_row("SELECT COUNT(*) FROM opd WHERE id = ?1", [opd], |r| r.get(0)).map_err(db)?;
                if n == 0 {
                    return Err(Error::NotFound(format!("OPD {opd} tidak ada")));
                }
            }
            tx.execute("INSERT INTO peran (pengguna, peran, opd) VALUES (?1, ?2, ?3)", params![id, g.peran.as_str(), g.opd]).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(User { id, login: u.login.clone(), nama: u.nama.clone(), nip: u.nip.clone(), peran: u.peran.clone() })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        let c = self.conn();
        let ids: Vec<i64> = {
            let mut st = c.prepare("SELECT id FROM pengguna ORDER BY login").map_err(db)?;
            st.query_map([], |r| r.get(0)).map_err(db)?.collect::<rusqlite::Result<Vec<_>>>().map_err(db)?
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some((u, _)) = Self::user_row(&c, "id = ?1", &id)? {
                out.push(u);
            }
        }
        Ok(out)
    }

    fn user(&self, id: i64) -> Result<Option<User>> {
        Ok(Self::user_row(&self.conn(), "id = ?1", &id)?.map(|(u, _)| u))
    }

    fn user_by_login(&self, login: &str) -> Result<Option<(User, String)>> {
        Self::user_row(&self.conn(), "login = ?1", &login)
    }

    fn create_session(&self, token_hash: &str, user: i64, expires_unix: i64) -> Result<()> {
        let c = self.conn();
        c.execute("DELETE FROM sesi WHERE kedaluwarsa < ?1", [expires_unix - super::auth::SESSION_SECS * 2]).map_err(db)?;
        c.execute("INSERT INTO sesi (token, pengguna, kedaluwarsa) VALUES (?1, ?2, ?3)", params![token_hash, user, expires_unix]).map_err(db)?;
        Ok(())
    }

    fn session_user(&self, token_hash: &str, now_unix: i64) -> Result<Option<User>> {
        let c = self.conn();
        let id: Option<i64> = c
            .query_row("SELECT pengguna FROM sesi WHERE token = ?1 AND kedaluwarsa > ?2", params![token_hash, now_unix], |r| r.get(0))
            .optional()
            .map_err(db)?;
        match id {
            None => Ok(None),
            Some(id) => Ok(Self::user_row(&c, "id = ?1", &id)?.map(|(u, _)| u)),
        }
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.conn().execute("DELETE FROM sesi WHERE token = ?1", [token_hash]).map_err(db)?;
        Ok(())
    }

    fn create_edition(&self, e: &NewEdition) -> Result<Edition> {
        let c = self.conn();
        let now = renja_archive::now_utc();
        c.execute(
            "INSERT INTO edisi (opd, tahun, jenis, revisi, status, kepala, dibuat) VALUES (?1, ?2, ?3, ?4, 'draf', NULL, ?5)",
            params![e.opd, e.tahun, e.jenis, e.revisi, now],
        )
        .map_err(|err| unique(err, &format!("edisi {} {} revisi {} untuk OPD ini sudah ada", e.jenis, e.tahun, e.revisi)))?;
        let id = c.last_insert_rowid();
        c.query_row(&format!("SELECT {EDITION_COLS} FROM edisi WHERE id = ?1"), [id], edition_row).map_err(db)
    }

    fn list_editions(&self) -> Result<Vec<Edition>> {
        let c = self.conn();
        let mut st = c.prepare(&format!("SELECT {EDITION_COLS} FROM edisi ORDER BY tahun DESC, opd, jenis, revisi")).map_err(db)?;
        st.query_map([], edition_row).map_err(db)?.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn edition(&self, id: i64) -> Result<Option<Edition>> {
        self.conn().query_row(&format!("SELECT {EDITION_COLS} FROM edisi WHERE id = ?1"), [id], edition_row).optional().map_err(db)
    }

    fn set_status(&self, edisi: i64, from: &str, to: &str) -> Result<()> {
        let n = self.conn().execute("UPDATE edisi SET status = ?1 WHERE id = ?2 AND status = ?3", params![to, edisi, from]).map_err(db)?;
        if n == 1 { Ok(()) } else { Err(Error::StateChanged("status edisi telah berubah; muat ulang lalu coba lagi".into())) }
    }

    fn save(&self, save: Save) -> Result<Revision> {
        // Objects first, outside the transaction: durable before anything refers to them.
        let mut new_files: Vec<(String, Option<(String, u64)>)> = Vec::new();
        for (path, bytes) in &save.berkas {
            let v = match bytes {
                Some(b) => Some((self.put_object(b)?, b.len() as u64)),
                None => None,
            };
            new_files.push((path.clone(), v));
        }
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db)?;
        let kepala: Option<String> = tx
            .query_row("SELECT kepala FROM edisi WHERE id = ?1", [save.edisi], |r| r.get(0))
            .optional()
            .map_err(db)?
            .ok_or_else(|| Error::NotFound("edisi tidak ditemukan".into()))?;
        if kepala != save.dasar {
            let base = Self::manifest(&tx, save.dasar.as_deref())?;
            let head = Self::manifest(&tx, kepala.as_deref())?;
            return Err(Error::Conflict(Conflict { kepala, berubah: changed(&base, &head) }));
        }
        let old = Self::manifest(&tx, kepala.as_deref())?;
        let mut sizes: BTreeMap<String, u64> =
            kepala.as_deref().map(|k| Self::files_of(&tx, k)).transpose()?.unwrap_or_default().into_iter().map(|f| (f.path, f.size)).collect();
        let mut manifest = if save.replace_all { BTreeMap::new() } else { old.clone() };
        if save.replace_all {
            sizes.clear();
        }
        for (path, v) in new_files {
            match v {
                Some((sha, size)) => {
                    manifest.insert(path.clone(), sha);
                    sizes.insert(path, size);
                }
                None => {
                    manifest.remove(&path);
                    sizes.remove(&path);
                }
            }
        }
        let berubah = changed(&old, &manifest);
        let waktu = renja_archive::now_utc();
        let (penulis_login,): (String,) =
            tx.query_row("SELECT login FROM pengguna WHERE id = ?1", [save.penulis], |r| Ok((r.get(0)?,))).map_err(db)?;
        let mut ident = format!("induk {}\npenulis {}\nwaktu {}\npesan {}\n", kepala.as_deref().unwrap_or("-"), penulis_login, waktu, save.pesan);
        for (p, sha) in &manifest {
            ident.push_str(&format!("{sha} {} {p}\n", sizes.get(p).copied().unwrap_or(0)));
        }
        let id = sha256_hex(ident.as_bytes());
        let urut: i64 = tx.query_row("SELECT COALESCE(MAX(urut), 0) + 1 FROM revisi WHERE edisi = ?1", [save.edisi], |r| r.get(0)).map_err(db)?;
        tx.execute(
            "INSERT INTO revisi (id, edisi, urut, induk, penulis, waktu, pesan, berubah) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, save.edisi, urut, kepala, save.penulis, waktu, save.pesan, serde_json::to_string(&berubah).unwrap_or_default()],
        )
        .map_err(db)?;
        for (p, sha) in &manifest {
            tx.execute(
                "INSERT INTO revisi_berkas (revisi, path, sha256, size) VALUES (?1, ?2, ?3, ?4)",
                params![id, p, sha, sizes.get(p).copied().unwrap_or(0) as i64],
            )
            .map_err(db)?;
        }
        let n = tx.execute("UPDATE edisi SET kepala = ?1 WHERE id = ?2 AND kepala IS ?3", params![id, save.edisi, kepala]).map_err(db)?;
        if n != 1 {
            return Err(Error::Backend("revisi kepala berubah di tengah penyimpanan".into()));
        }
        tx.execute(
            "INSERT INTO audit (waktu, pengguna, aksi, objek, rincian, alamat) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![waktu, penulis_login, save.aksi, format!("edisi/{}/revisi/{id}", save.edisi), berubah.join(","), save.alamat],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(Revision { id, edisi: save.edisi, induk: kepala, penulis: save.penulis, penulis_login, waktu, pesan: save.pesan, berubah })
    }

    fn history(&self, edisi: i64) -> Result<Vec<Revision>> {
        let c = self.conn();
        let mut st = c
            .prepare(&format!("SELECT {REVISION_COLS} FROM revisi r JOIN pengguna p ON p.id = r.penulis WHERE r.edisi = ?1 ORDER BY r.urut DESC"))
            .map_err(db)?;
        st.query_map([edisi], revision_row).map_err(db)?.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn revision(&self, edisi: i64, id: &str) -> Result<Option<Revision>> {
        self.conn()
            .query_row(
                &format!("SELECT {REVISION_COLS} FROM revisi r JOIN pengguna p ON p.id = r.penulis WHERE r.edisi = ?1 AND r.id = ?2"),
                params![edisi, id],
                revision_row,
            )
            .optional()
            .map_err(db)
    }

    fn files(&self, revision: &str) -> Result<Vec<FileRef>> {
        Self::files_of(&self.conn(), revision)
    }

    fn object(&self, sha256: &str) -> Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound("objek tidak dikenal".into()));
        }
        let p = self.object_path(sha256);
        let bytes = std::fs::read(&p).map_err(|e| io(&p, e))?;
        if sha256_hex(&bytes) != sha256 {
            return Err(Error::Backend(format!("objek {sha256} rusak: isinya tidak cocok dengan namanya")));
        }
        Ok(bytes)
    }

    fn advance(&self, a: Advance) -> Result<()> {
        // Objects first, durable before anything refers to them (as a save).
        let mut outs = Vec::new();
        for (jenis, bytes) in &a.outputs {
            outs.push((jenis.clone(), self.put_object(bytes)?, bytes.len() as u64));
        }
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(db)?;
        let row: Option<(String, Option<String>)> =
            tx.query_row("SELECT status, kepala FROM edisi WHERE id = ?1", [a.edisi], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(db)?;
        let (status, kepala) = row.ok_or_else(|| Error::NotFound("edisi tidak ditemukan".into()))?;
        if status != a.from {
            return Err(Error::StateChanged(format!("status edisi telah berubah menjadi '{status}'; muat ulang lalu coba lagi")));
        }
        if a.revisi.is_some() && a.revisi != kepala {
            return Err(Error::StateChanged("revisi terbaru edisi telah berubah; muat ulang lalu coba lagi".into()));
        }
        let waktu = renja_archive::now_utc();
        let login: String = tx.query_row("SELECT login FROM pengguna WHERE id = ?1", [a.pengguna], |r| r.get(0)).map_err(db)?;
        tx.execute("UPDATE edisi SET status = ?1 WHERE id = ?2 AND status = ?3", params![a.to, a.edisi, a.from]).map_err(db)?;
        let revisi = a.revisi.clone().or(kepala).ok_or_else(|| Error::StateChanged("edisi belum memiliki revisi".into()))?;
        for (jenis, sha, size) in outs {
            tx.execute(
                "INSERT INTO keluaran (edisi, jenis, revisi, sha256, size, waktu, pengguna) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.edisi, jenis, revisi, sha, size as i64, waktu, a.pengguna],
            )
            .map_err(|e| unique(e, &format!("keluaran '{jenis}' edisi ini sudah ada")))?;
        }
        if let Some(arsip) = &a.arsip {
            tx.execute("INSERT INTO diarsipkan (edisi, arsip, waktu) VALUES (?1, ?2, ?3)", params![a.edisi, arsip, waktu])
                .map_err(|e| unique(e, &format!("edisi arsip {arsip} sudah tercatat")))?;
        }
        tx.execute(
            "INSERT INTO audit (waktu, pengguna, aksi, objek, rincian, alamat) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![waktu, login, a.aksi, format!("edisi/{}", a.edisi), a.rincian, a.alamat],
        )
        .map_err(db)?;
        tx.commit().map_err(db)
    }

    fn outputs(&self, edisi: i64) -> Result<Vec<Output>> {
        let c = self.conn();
        let mut st = c
            .prepare(
                "SELECT k.jenis, k.revisi, k.sha256, k.size, k.waktu, p.login FROM keluaran k JOIN pengguna p ON p.id = k.pengguna \
                 WHERE k.edisi = ?1 ORDER BY k.waktu, k.jenis",
            )
            .map_err(db)?;
        st.query_map([edisi], |r| {
            Ok(Output { jenis: r.get(0)?, revisi: r.get(1)?, sha256: r.get(2)?, size: r.get::<_, i64>(3)? as u64, waktu: r.get(4)?, pengguna_login: r.get(5)? })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)
    }

    fn archived(&self) -> Result<Vec<(String, i64)>> {
        let c = self.conn();
        let mut st = c.prepare("SELECT arsip, edisi FROM diarsipkan ORDER BY edisi").map_err(db)?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn add_comment(&self, k: &NewComment) -> Result<Comment> {
        let c = self.conn();
        let waktu = renja_archive::now_utc();
        c.execute(
            "INSERT INTO komentar (edisi, revisi, berkas, baris, penulis, waktu, isi) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![k.edisi, k.revisi, k.berkas, k.baris, k.penulis, waktu, k.isi],
        )
        .map_err(db)?;
        let id = c.last_insert_rowid();
        let login: String = c.query_row("SELECT login FROM pengguna WHERE id = ?1", [k.penulis], |r| r.get(0)).map_err(db)?;
        Ok(k.stored(id, login, waktu))
    }

    fn comments(&self, edisi: i64) -> Result<Vec<Comment>> {
        let c = self.conn();
        let mut st = c
            .prepare(
                "SELECT k.id, k.edisi, k.revisi, k.berkas, k.baris, k.penulis, p.login, k.waktu, k.isi \
                 FROM komentar k JOIN pengguna p ON p.id = k.penulis WHERE k.edisi = ?1 ORDER BY k.id",
            )
            .map_err(db)?;
        st.query_map([edisi], |r| {
            Ok(Comment {
                id: r.get(0)?,
                edisi: r.get(1)?,
                revisi: r.get(2)?,
                berkas: r.get(3)?,
                baris: r.get::<_, i64>(4)? as u32,
                penulis: r.get(5)?,
                penulis_login: r.get(6)?,
                waktu: r.get(7)?,
                isi: r.get(8)?,
            })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)
    }

    fn audit(&self, pengguna: Option<&str>, aksi: &str, objek: &str, rincian: &str, alamat: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO audit (waktu, pengguna, aksi, objek, rincian, alamat) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![renja_archive::now_utc(), pengguna, aksi, objek, rincian, alamat],
            )
            .map_err(db)?;
        Ok(())
    }

    fn audit_of(&self, objek: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        let c = self.conn();
        let mut st = c.prepare("SELECT id, waktu, pengguna, aksi, objek, rincian, alamat FROM audit WHERE objek = ?1 ORDER BY id DESC LIMIT ?2").map_err(db)?;
        st.query_map(rusqlite::params![objek, limit], |r| {
            Ok(AuditEntry { id: r.get(0)?, waktu: r.get(1)?, pengguna: r.get(2)?, aksi: r.get(3)?, objek: r.get(4)?, rincian: r.get(5)?, alamat: r.get(6)? })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)
    }

    fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let c = self.conn();
        let mut st = c.prepare("SELECT id, waktu, pengguna, aksi, objek, rincian, alamat FROM audit ORDER BY id DESC LIMIT ?1").map_err(db)?;
        st.query_map([limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                waktu: r.get(1)?,
                pengguna: r.get(2)?,
                aksi: r.get(3)?,
                objek: r.get(4)?,
                rincian: r.get(5)?,
                alamat: r.get(6)?,
            })
        })
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)
    }
}
