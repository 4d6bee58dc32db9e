//! The archive of editions ([`renja_archive::Store`]) on PostgreSQL (issue #19): the same
//! contract as the embedded `arsip/` folder (SQLite + files), in the database every web node and
//! worker shares, so an edition archived through one node is listed, downloaded and verified
//! through any other, and `pg_dump` backs up the archive with the rest of the service's state.
//!
//! - **Objects** are rows of the service's content-addressed `objek` table (SHA-256 → `bytea`):
//!   an archived revision's sources and its final outputs are already there, so archiving them
//!   adds only the rows that name them. `arsip_berkas.sha256` references `objek`, so a file row
//!   can never name a missing object.
//! - **Atomic add**: [`PgArchive::insert`] writes the objects, the `arsip_edisi` row and every
//!   `arsip_berkas` row in ONE transaction, serialised against other adds by a table lock (the
//!   next free revision is read under it); the UNIQUE key (opd_kunci, tahun, jenis, revisi)
//!   refuses a racing duplicate. A kill at any moment leaves the edition whole or absent.
//! - **Immutability**: the `renja_tetap` triggers (migration 1) refuse UPDATE, DELETE and
//!   TRUNCATE on `arsip_edisi` and `arsip_berkas`, as on `objek`.
//! - **Checks**: an object's hash and size are recomputed by the database (`sha256(isi)`), so a
//!   verification does not move the bytes; rows are read through the same shape rules as the
//!   SQLite backend's (`archive::invalid_edition`).
//!
//! Only the service (and `renja archive --arsip postgres://…`) reach this file; the archive
//! module itself knows only the [`Store`] trait.

use super::postgres::PgStore;
use renja_archive::{self as archive, Edition, Error, FileEntry, Filter, Kind, NewEdition, ObjectState, Result, Store};
use deadpool_postgres::GenericClient;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

/// The archive's tables, applied after the service's and the jobs' migrations (`skema_versi`).
pub const MIGRATIONS: &[&str] = &["
CREATE TABLE arsip_edisi (
    id TEXT PRIMARY KEY,
    opd_kunci TEXT NOT NULL,
    opd_nama TEXT NOT NULL,
    opd_singkatan TEXT,
    daerah TEXT NOT NULL,
    tahun INTEGER NOT NULL,
    jenis TEXT NOT NULL,
    revisi BIGINT NOT NULL,
    revisi_sumber BIGINT NOT NULL,
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
CREATE INDEX arsip_edisi_urut ON arsip_edisi (tahun, opd_kunci, jenis, revisi);
CREATE TABLE arsip_berkas (
    edisi TEXT NOT NULL REFERENCES arsip_edisi(id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES objek(sha256),
    size BIGINT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (edisi, path)
);
CREATE INDEX arsip_berkas_sha256 ON arsip_berkas (sha256);
CREATE TRIGGER arsip_edisi_tetap BEFORE UPDATE OR DELETE ON arsip_edisi FOR EACH ROW EXECUTE FUNCTION renja_tetap('edisi arsip');
CREATE TRIGGER arsip_edisi_tetap_kosongkan BEFORE TRUNCATE ON arsip_edisi FOR EACH STATEMENT EXECUTE FUNCTION renja_tetap('edisi arsip');
CREATE TRIGGER arsip_berkas_tetap BEFORE UPDATE OR DELETE ON arsip_berkas FOR EACH ROW EXECUTE FUNCTION renja_tetap('berkas arsip');
CREATE TRIGGER arsip_berkas_tetap_kosongkan BEFORE TRUNCATE ON arsip_berkas FOR EACH STATEMENT EXECUTE FUNCTION renja_tetap('berkas arsip');
"];

use renja_archive::EDITION_COLUMNS as COLUMNS;

/// The archive in the service's PostgreSQL database.
#[derive(Clone)]
pub struct PgArchive {
    pg: Arc<PgStore>,
    /// Where it lives, for messages: the URL without user or password.
    location: String,
}

/// A database error as the archive's error: a refused or lost connection is `Unavailable`.
fn store_err(e: super::store::Error) -> Error {
    match e {
        super::store::Error::Unavailable(m) => Error::Unavailable(m),
        other => Error::Db(other.to_string()),
    }
}

fn db(e: tokio_postgres::Error) -> Error {
    store_err(super::postgres::db(e))
}

fn pool_err(e: deadpool_postgres::PoolError) -> Error {
    store_err(super::postgres::pool_err(e))
}

fn damaged(what: String) -> Error {
    Error::Damaged(format!("basis data arsip (PostgreSQL) rusak: {what}; jalankan `renja archive --arsip URL verify`"))
}

fn edition_row(r: &Row) -> Result<Edition> {
    let jenis: String = r.get(6);
    let revisi = |i: usize| u32::try_from(r.get::<_, i64>(i)).map_err(|_| damaged(format!("revisi di luar jangkauan pada baris {}", r.get::<_, String>(0))));
    let e = Edition {
        id: r.get(0),
        opd_kunci: r.get(1),
        opd_nama: r.get(2),
        opd_singkatan: r.get(3),
        daerah: r.get(4),
        tahun: r.get(5),
        jenis: jenis.parse().map_err(|m: String| damaged(format!("jenis edisi: {m}")))?,
        revisi: revisi(7)?,
        revisi_sumber: revisi(8)?,
        tahap: r.get(9),
        slug: r.get(10),
        penandatangan_nama: r.get(11),
        penandatangan_nip: r.get(12),
        waktu_ttd: r.get(13),
        renja_versi: r.get(14),
        ditambahkan: r.get(15),
        dasar: r.get(16),
        manifest: r.get(17),
    };
    match archive::invalid_edition(&e) {
        None => Ok(e),
        Some(why) => Err(damaged(format!("baris edisi {:?} tidak sah ({why})", e.id.chars().filter(|c| !c.is_control()).take(40).collect::<String>()))),
    }
}

async fn existing(c: &impl GenericClient, m: &Edition, revisi: u32) -> Result<Option<String>> {
    let row = c
        .query_opt(
            "SELECT id FROM arsip_edisi WHERE opd_kunci = $1 AND tahun = $2 AND jenis = $3 AND revisi = $4",
            &[&m.opd_kunci, &m.tahun, &m.jenis.as_str(), &(revisi as i64)],
        )
        .await
        .map_err(db)?;
    Ok(row.map(|r| r.get(0)))
}

impl PgArchive {
    /// The archive in the database of `pg` (its tables are created by `pg`'s migrations).
    pub fn new(pg: Arc<PgStore>, url: &str) -> PgArchive {
        PgArchive { pg, location: redact(url) }
    }

    /// Connects to `url` (migrating the database as `renja serve` does) for the command line.
    pub fn open(url: &str) -> Result<PgArchive> {
        let pg = PgStore::open(url).map_err(store_err)?;
        Ok(PgArchive::new(Arc::new(pg), url))
    }
}

/// `postgres://host:port/db` of a URL: no user, no password, no parameters.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    format!("{scheme}://{rest}")
}

impl Store for PgArchive {
    fn put_object(&self, bytes: &[u8]) -> Result<String> {
        self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            super::postgres::put_object(&c, bytes).await.map_err(store_err)
        })
    }

    fn read_object(&self, sha256: &str) -> Result<Vec<u8>> {
        self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            match c.query_opt("SELECT isi FROM objek WHERE sha256 = $1", &[&sha256]).await.map_err(db)? {
                Some(r) => Ok(r.get(0)),
                None => Err(Error::Damaged(format!("objek {sha256} tidak ada di basis data arsip"))),
            }
        })
    }

    fn check_object(&self, sha256: &str, size: u64) -> ObjectState {
        let found: Result<Option<(String, i64)>> = self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            let row = c
                .query_opt("SELECT encode(sha256(isi), 'hex'), octet_length(isi)::BIGINT FROM objek WHERE sha256 = $1", &[&sha256])
                .await
                .map_err(db)?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        });
        match found {
            Ok(Some((hash, n))) if hash == sha256 && n as u64 == size => ObjectState::Ok,
            Ok(Some(_)) => ObjectState::Altered,
            // Unreadable counts as missing: the file cannot be produced.
            Ok(None) | Err(_) => ObjectState::Missing,
        }
    }

    fn insert(&self, ed: &NewEdition) -> Result<Edition> {
        let m = &ed.meta;
        if let Some(why) = archive::invalid_edition(&Edition { id: archive::edition_id(m.tahun, m.jenis, m.revisi, &m.manifest), ..m.clone() }) {
            return Err(Error::Io(format!("metadata edisi tidak dapat disimpan: {why}")));
        }
        for (f, bytes) in &ed.files {
            if archive::sha256_hex(bytes) != f.sha256 || bytes.len() as u64 != f.size {
                return Err(Error::Io(format!("berkas {}: isi tidak cocok dengan hash-nya", f.path)));
            }
        }
        self.pg.block(async {
            let mut c = self.pg.pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(db)?;
            // One add at a time: the next free revision is read and taken under this lock.
            tx.batch_execute("LOCK TABLE arsip_edisi IN SHARE ROW EXCLUSIVE MODE").await.map_err(db)?;
            let jeda = archive::fault_delay();
            if let Some(d) = jeda {
                eprintln!("jeda: menyimpan {} objek", ed.files.len());
                tokio::time::sleep(d).await;
            }
            for (f, bytes) in &ed.files {
                tx.execute("INSERT INTO objek (sha256, isi) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING", &[&f.sha256, bytes]).await.map_err(db)?;
                if let Some(d) = jeda {
                    tokio::time::sleep(d).await;
                }
            }
            let revisi = if ed.revisi_baru {
                let max: Option<i64> = tx
                    .query_one(
                        "SELECT MAX(revisi) FROM arsip_edisi WHERE opd_kunci = $1 AND tahun = $2 AND jenis = $3",
                        &[&m.opd_kunci, &m.tahun, &m.jenis.as_str()],
                    )
                    .await
                    .map_err(db)?
                    .get(0);
                max.map(|x| (x as u32 + 1).max(m.revisi)).unwrap_or(m.revisi)
            } else {
                m.revisi
            };
            if let Some(id) = existing(&tx, m, revisi).await? {
                return Err(Error::Duplicate { id, opd: m.opd_nama.clone(), tahun: m.tahun, jenis: m.jenis, revisi });
            }
            let mut stored = m.clone();
            stored.revisi = revisi;
            stored.id = archive::edition_id(m.tahun, m.jenis, revisi, &m.manifest);
            let s = &stored;
            let inserted = tx
                .execute(
                    &format!("INSERT INTO arsip_edisi ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"),
                    &[
                        &s.id,
                        &s.opd_kunci,
                        &s.opd_nama,
                        &s.opd_singkatan,
                        &s.daerah,
                        &s.tahun,
                        &s.jenis.as_str(),
                        &(s.revisi as i64),
                        &(s.revisi_sumber as i64),
                        &s.tahap,
                        &s.slug,
                        &s.penandatangan_nama,
                        &s.penandatangan_nip,
                        &s.waktu_ttd,
                        &s.renja_versi,
                        &s.ditambahkan,
                        &s.dasar,
                        &s.manifest,
                    ],
                )
                .await;
            if let Err(e) = inserted {
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                    // The same content under the same key: the id names the existing entry.
                    return Err(Error::Duplicate { id: s.id.clone(), opd: m.opd_nama.clone(), tahun: m.tahun, jenis: m.jenis, revisi });
                }
                return Err(db(e));
            }
            let st = tx.prepare("INSERT INTO arsip_berkas (edisi, path, sha256, size, kind) VALUES ($1, $2, $3, $4, $5)").await.map_err(db)?;
            for (f, _) in &ed.files {
                tx.execute(&st, &[&s.id, &f.path, &f.sha256, &(f.size as i64), &f.kind.as_str()]).await.map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
            Ok(stored)
        })
    }

    fn list(&self, filter: &Filter) -> Result<Vec<Edition>> {
        let opd = filter.opd.as_ref().map(|o| format!("%{}%", o.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM arsip_edisi
                         WHERE ($1::TEXT IS NULL OR opd_nama ILIKE $1 OR opd_singkatan ILIKE $1 OR opd_kunci ILIKE $1)
                           AND ($2::INTEGER IS NULL OR tahun = $2)
                         ORDER BY tahun, opd_kunci, jenis, revisi"
                    ),
                    &[&opd, &filter.tahun],
                )
                .await
                .map_err(db)?;
            rows.iter().map(edition_row).collect()
        })
    }

    fn find(&self, id: &str) -> Result<Edition> {
        let found: Vec<Edition> = self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(&format!("SELECT {COLUMNS} FROM arsip_edisi WHERE id = $1 OR starts_with(id, $1) ORDER BY id LIMIT 10"), &[&id])
                .await
                .map_err(db)?;
            rows.iter().map(edition_row).collect::<Result<Vec<_>>>()
        })?;
        archive::resolve_prefix(id, found)
    }

    fn files(&self, id: &str) -> Result<Vec<FileEntry>> {
        let rows: Vec<(String, String, i64, String)> = self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            let rows = c
                .query("SELECT path, sha256, size, kind FROM arsip_berkas WHERE edisi = $1 ORDER BY kind <> 'sumber', path", &[&id])
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
        })?;
        rows.into_iter()
            .map(|(path, sha256, size, kind)| match Kind::parse(&kind) {
                Some(kind) if archive::valid_file_row(&path, &sha256, size) => Ok(FileEntry { path, sha256, size: size as u64, kind }),
                _ => Err(damaged(format!("baris berkas edisi {id} tidak sah ({:?})", path.chars().filter(|c| !c.is_control()).take(60).collect::<String>()))),
            })
            .collect()
    }

    /// Objects that neither an archived edition, a revision nor a frozen output names. An add is
    /// one transaction here, so it never leaves any; a lone [`Store::put_object`] can.
    fn unreferenced(&self) -> Result<Vec<String>> {
        self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            let rows = c
                .query(
                    "SELECT o.sha256 FROM objek o
                     WHERE NOT EXISTS (SELECT 1 FROM arsip_berkas a WHERE a.sha256 = o.sha256)
                       AND NOT EXISTS (SELECT 1 FROM revisi_berkas r WHERE r.sha256 = o.sha256)
                       AND NOT EXISTS (SELECT 1 FROM keluaran k WHERE k.sha256 = o.sha256)
                     ORDER BY o.sha256",
                    &[],
                )
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn location(&self) -> PathBuf {
        PathBuf::from(&self.location)
    }

    /// The immutability triggers must all be there: without them the archive's rows could be
    /// changed through SQL unnoticed.
    fn integrity(&self) -> Result<Vec<String>> {
        self.pg.block(async {
            let c = self.pg.pool.get().await.map_err(pool_err)?;
            let mut out = Vec::new();
            for t in ["arsip_edisi_tetap", "arsip_edisi_tetap_kosongkan", "arsip_berkas_tetap", "arsip_berkas_tetap_kosongkan", "objek_tetap", "objek_tetap_kosongkan"] {
                let n: i64 = c
                    .query_one("SELECT COUNT(*) FROM pg_trigger WHERE tgname = $1 AND tgenabled <> 'D'", &[&t])
                    .await
                    .map_err(db)?
                    .get(0);
                if n == 0 {
                    out.push(format!("pemicu {t} (penjaga keutuhan arsip) tidak ada atau dimatikan"));
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_drops_credentials_and_parameters() {
        assert_eq!(super::redact("postgres://renja:rahasia@db.example:5433/renja?sslmode=disable"), "postgres://db.example:5433/renja");
        assert_eq!(super::redact("postgresql://localhost/renja"), "postgresql://localhost/renja");
    }
}
