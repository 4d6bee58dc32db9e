//! Render jobs in PostgreSQL (issue #19): draft renders that any number of stateless workers
//! (`renja worker --database …`, on any machine) run for any number of web nodes.
//!
//! - A job is keyed by the render's fingerprint ([`super::render::Queue::key`]: renja version +
//!   layouts/fonts + the revision's content-addressed manifest + format), so identical requests
//!   from any node share one job, and its result (an `objek` row, by SHA-256) serves every later
//!   request for the same sources.
//! - A worker claims the oldest waiting job with `FOR UPDATE SKIP LOCKED` (workers never block on
//!   each other), holds it under a lease it renews by heartbeat while it renders, and completes it
//!   only while it still holds it. A job whose lease expired (its worker died: kill -9, a lost
//!   machine) is claimed again by another worker; after [`MAX_ATTEMPTS`] claims it fails.
//! - Renders are deterministic, so a job finished twice (a worker that lost its lease but
//!   finished anyway) records one result: the second completion changes nothing.

use super::engine::{self, Format, RenderFail};
use super::postgres::{PgStore, db, pool_err};
use super::store::{Error, Result, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The job table; applied after [`super::postgres::MIGRATIONS`].
pub const MIGRATIONS: &[&str] = &["
CREATE TABLE susun_tugas (
    kunci TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    revisi TEXT NOT NULL REFERENCES revisi(id),
    status TEXT NOT NULL CHECK (status IN ('menunggu', 'berjalan', 'selesai', 'gagal')),
    percobaan INTEGER NOT NULL DEFAULT 0,
    pekerja TEXT,
    sewa_sampai TIMESTAMPTZ,
    dibuat TIMESTAMPTZ NOT NULL DEFAULT now(),
    selesai TIMESTAMPTZ,
    hasil TEXT REFERENCES objek(sha256),
    galat TEXT,
    galat_sumber BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX susun_tugas_antre ON susun_tugas (dibuat) WHERE status IN ('menunggu', 'berjalan');
"];

/// Claims after which a job whose worker keeps dying fails instead of being retried.
pub const MAX_ATTEMPTS: i32 = 3;

/// A claimed job.
pub struct Job {
    pub kunci: String,
    pub format: Format,
    pub revisi: String,
}

/// A job's state as the web node sees it.
pub enum State {
    Waiting,
    Done(Vec<u8>),
    /// The sources have errors (the web node re-derives the diagnostics: a check, no render).
    SourceErrors,
    Failed(String),
}

fn format_of(s: &str) -> Option<Format> {
    Some(match s {
        "pdf" => Format::Pdf,
        "docx" => Format::Docx,
        "json" => Format::Json,
        _ => return None,
    })
}

impl PgStore {
    /// Queues the render `kunci` of `revisi` unless it is queued or done already.
    pub fn enqueue(&self, kunci: &str, format: Format, revisi: &str) -> Result<()> {
        self.block(async {
            let c = self.pool.get().await.map_err(pool_err)?;
            c.execute(
                "INSERT INTO susun_tugas (kunci, format, revisi, status) VALUES ($1, $2, $3, 'menunggu') ON CONFLICT (kunci) DO NOTHING",
                &[&kunci, &format.ext(), &revisi],
            )
            .await
            .map_err(db)?;
            Ok(())
        })
    }

    /// The state of job `kunci` (`None`: no such job).
    pub fn job_state(&self, kunci: &str) -> Result<Option<State>> {
        let row = self.block(async {
            let c = self.pool.get().await.map_err(pool_err)?;
            c.query_opt("SELECT status, hasil, galat, galat_sumber FROM susun_tugas WHERE kunci = $1", &[&kunci]).await.map_err(db)
        })?;
        let Some(r) = row else { return Ok(None) };
        let status: String = r.get(0);
        Ok(Some(match status.as_str() {
            "selesai" => {
                let sha: String = r.get(1);
                State::Done(self.object(&sha)?)
            }
            "gagal" if r.get::<_, bool>(3) => State::SourceErrors,
            "gagal" => State::Failed(r.get::<_, Option<String>>(2).unwrap_or_default()),
            _ => State::Waiting,
        }))
    }

    /// Claims the oldest job that waits or whose lease expired, for `lease`; a job claimed
    /// [`MAX_ATTEMPTS`] times already fails instead.
    pub fn claim(&self, worker: &str, lease: Duration) -> Result<Option<Job>> {
        let secs = lease.as_secs_f64();
        loop {
            let row = self.block(async {
                let mut c = self.pool.get().await.map_err(pool_err)?;
                let tx = c.transaction().await.map_err(db)?;
                let row = tx
                    .query_opt(
                        "SELECT kunci, format, revisi, percobaan FROM susun_tugas \
                         WHERE status = 'menunggu' OR (status = 'berjalan' AND sewa_sampai < now()) \
                         ORDER BY dibuat LIMIT 1 FOR UPDATE SKIP LOCKED",
                        &[],
                    )
                    .await
                    .map_err(db)?;
                let Some(r) = row else { return Ok(None) };
                let (kunci, format, revisi, percobaan): (String, String, String, i32) = (r.get(0), r.get(1), r.get(2), r.get(3));
                if percobaan >= MAX_ATTEMPTS {
                    tx.execute(
                        "UPDATE susun_tugas SET status = 'gagal', selesai = now(), galat = $2 WHERE kunci = $1",
                        &[&kunci, &format!("pekerja berhenti {percobaan} kali di tengah penyusunan")],
                    )
                    .await
                    .map_err(db)?;
                    tx.commit().await.map_err(db)?;
                    return Ok(Some(None));
                }
                tx.execute(
                    "UPDATE susun_tugas SET status = 'berjalan', pekerja = $2, percobaan = percobaan + 1, \
                     sewa_sampai = now() + make_interval(secs => $3) WHERE kunci = $1",
                    &[&kunci, &worker, &secs],
                )
                .await
                .map_err(db)?;
                tx.commit().await.map_err(db)?;
                Ok(Some(Some((kunci, format, revisi))))
            })?;
            match row {
                None => return Ok(None),
                Some(None) => continue,
                Some(Some((kunci, format, revisi))) => {
                    let format = format_of(&format).ok_or_else(|| Error::Backend(format!("format tugas tidak dikenal: {format}")))?;
                    return Ok(Some(Job { kunci, format, revisi }));
                }
            }
        }
    }

    /// Renews the lease of a job this worker holds; `false` when it no longer holds it.
    pub fn heartbeat(&self, kunci: &str, worker: &str, lease: Duration) -> Result<bool> {
        let secs = lease.as_secs_f64();
        self.block(async {
            let c = self.pool.get().await.map_err(pool_err)?;
            let n = c
                .execute(
                    "UPDATE susun_tugas SET sewa_sampai = now() + make_interval(secs => $3) \
                     WHERE kunci = $1 AND pekerja = $2 AND status = 'berjalan'",
                    &[&kunci, &worker, &secs],
                )
                .await
                .map_err(db)?;
            Ok(n == 1)
        })
    }

    /// Records a job's outcome if this worker still holds it (`false` otherwise: another worker
    /// took it over after the lease expired, and its identical result counts).
    pub fn complete(&self, kunci: &str, worker: &str, outcome: &std::result::Result<Vec<u8>, RenderFail>) -> Result<bool> {
        self.block(async {
            let mut c = self.pool.get().await.map_err(pool_err)?;
            let tx = c.transaction().await.map_err(db)?;
            let held = tx
                .query_opt("SELECT 1 FROM susun_tugas WHERE kunci = $1 AND pekerja = $2 AND status = 'berjalan' FOR UPDATE", &[&kunci, &worker])
                .await
                .map_err(db)?
                .is_some();
            if !held {
                return Ok(false);
            }
            match outcome {
                Ok(bytes) => {
                    let sha = super::sqlite::sha256_hex(bytes);
                    tx.execute("INSERT INTO objek (sha256, isi) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING", &[&sha, bytes]).await.map_err(db)?;
                    tx.execute("UPDATE susun_tugas SET status = 'selesai', hasil = $2, selesai = now() WHERE kunci = $1", &[&kunci, &sha])
                        .await
                        .map_err(db)?;
                }
                Err(f) => {
                    let (sumber, galat) = match f {
                        RenderFail::Sources(d) => (true, format!("{} kesalahan pada sumber", d.len())),
                        RenderFail::Internal(m) => (false, m.clone()),
                    };
                    tx.execute(
                        "UPDATE susun_tugas SET status = 'gagal', galat = $2, galat_sumber = $3, selesai = now() WHERE kunci = $1",
                        &[&kunci, &galat, &sumber],
                    )
                    .await
                    .map_err(db)?;
                }
            }
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }
}

/// Options of `renja worker`.
pub struct WorkerOptions {
    /// How long a claim holds without a heartbeat (renewed every third of it).
    pub lease: Duration,
    /// How long to sleep when no job waits.
    pub idle: Duration,
    /// Stop after this many jobs (tests, batch runs); `None`: run until killed.
    pub max_jobs: Option<usize>,
    /// Print one line per job.
    pub verbose: bool,
}

/// `renja worker`: claims and renders jobs until stopped. `scratch` holds each render's
/// temporary folder (removed after it).
pub fn run_worker(url: &str, scratch: &std::path::Path, opts: WorkerOptions) -> std::result::Result<(), crate::Error> {
    let store = Arc::new(PgStore::open(url).map_err(crate::Error::Postgres)?);
    std::fs::create_dir_all(scratch).map_err(crate::engine::at(scratch))?;
    let assets = engine::Assets::locate();
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "pekerja".into());
    let worker = format!("{host}:{}:{}", std::process::id(), renja_archive::now_utc());
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "Pekerja renja {worker} siap");
        let _ = out.flush();
    }
    let mut done = 0usize;
    loop {
        if opts.max_jobs.is_some_and(|m| done >= m) {
            return Ok(());
        }
        let job = match store.claim(&worker, opts.lease) {
            Ok(Some(j)) => j,
            Ok(None) => {
                std::thread::sleep(opts.idle);
                continue;
            }
            Err(e) => {
                eprintln!("renja worker: {e}");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if opts.verbose {
            println!("tugas {} ({}) diambil", &job.kunci[..12], job.format.ext());
        }
        // Heartbeat while rendering.
        let stop = Arc::new(AtomicBool::new(false));
        let beat = {
            let (store, stop, kunci, worker, lease) = (store.clone(), stop.clone(), job.kunci.clone(), worker.clone(), opts.lease);
            std::thread::spawn(move || {
                let step = lease / 3;
                let mut waited = Duration::ZERO;
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                    waited += Duration::from_millis(100);
                    if waited >= step {
                        waited = Duration::ZERO;
                        if let Ok(false) = store.heartbeat(&kunci, &worker, lease) {
                            eprintln!("renja worker: sewa tugas {} hilang", &kunci[..12]);
                        }
                    }
                }
            })
        };
        let outcome = (|| -> std::result::Result<Vec<u8>, RenderFail> {
            let mut files = Vec::new();
            for f in store.files(&job.revisi).map_err(|e| RenderFail::Internal(e.to_string()))? {
                files.push((f.path, store.object(&f.sha256).map_err(|e| RenderFail::Internal(e.to_string()))?));
            }
            engine::render(scratch, &assets, &files, job.format)
        })();
        stop.store(true, Ordering::SeqCst);
        let _ = beat.join();
        if let Err(RenderFail::Internal(m)) = &outcome {
            eprintln!("renja worker: penyusunan {} gagal: {m}", &job.kunci[..12]);
        }
        match store.complete(&job.kunci, &worker, &outcome) {
            Ok(true) => {
                if opts.verbose {
                    println!("tugas {} selesai", &job.kunci[..12]);
                }
            }
            Ok(false) => eprintln!("renja worker: tugas {} sudah diambil pekerja lain; hasilnya sama", &job.kunci[..12]),
            Err(e) => eprintln!("renja worker: {e}"),
        }
        done += 1;
    }
}
