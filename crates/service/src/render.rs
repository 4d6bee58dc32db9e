//! The render queue: renders run on a bounded pool of worker slots (a semaphore) with a bounded
//! queue in front (a burst beyond it is answered 503 at once instead of exhausting memory);
//! results are cached on disk by fingerprint (renja version + layouts/fonts + the revision's
//! content-addressed manifest + format), and identical concurrent requests are coalesced into one
//! render that all of them await.

use super::engine::{self, Format, RenderFail};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore};

/// Where a render's bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The disk cache.
    Cache,
    /// This request rendered it.
    New,
    /// A render that another identical request started.
    Shared,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Cache => "cache",
            Origin::New => "baru",
            Origin::Shared => "bersama",
        }
    }
}

pub enum Outcome {
    Done(Arc<Vec<u8>>, Origin),
    Failed(RenderFail),
    /// The queue is full.
    Busy,
}

type Slot = Arc<OnceCell<Result<Arc<Vec<u8>>, RenderFail>>>;

pub struct Queue {
    workers: Semaphore,
    /// Renders admitted (running or waiting for a worker).
    admitted: AtomicUsize,
    limit: usize,
    inflight: Mutex<HashMap<String, Slot>>,
    cache: PathBuf,
    scratch: PathBuf,
    pub assets: engine::Assets,
    /// Renders actually run (not served from cache or coalesced), for tests and benchmarks.
    pub runs: AtomicUsize,
    /// Draft renders go to `renja worker`s through PostgreSQL's job table (`--workers 0`).
    jobs: Option<Arc<super::postgres::PgStore>>,
}

impl Queue {
    /// `workers` renders at once; at most `queue` more wait.
    pub fn new(data: &Path, workers: usize, queue: usize) -> Queue {
        let cache = data.join("cache");
        let _ = std::fs::create_dir_all(&cache);
        // Temporary files of a render killed while its result was written.
        if let Ok(rd) = std::fs::read_dir(&cache) {
            for e in rd.flatten() {
                if e.file_name().to_str().is_some_and(|n| n.starts_with('.')) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Queue {
            workers: Semaphore::new(workers.max(1)),
            admitted: AtomicUsize::new(0),
            limit: workers.max(1) + queue,
            inflight: Mutex::new(HashMap::new()),
            cache,
            scratch: data.to_path_buf(),
            assets: engine::Assets::locate(),
            runs: AtomicUsize::new(0),
            jobs: None,
        }
    }

    /// Draft renders through the job table of `store`, run by `renja worker`s (issue #19).
    pub fn with_jobs(mut self, store: Arc<super::postgres::PgStore>) -> Queue {
        self.jobs = Some(store);
        self
    }

    /// As [`Queue::get`], through the job table when the queue has one: the render of `key`
    /// (revision `revisi`) from the disk cache, else from a worker (queued once per key across
    /// every web node, then awaited by polling its state).
    pub async fn get_via_jobs(
        self: &Arc<Self>,
        key: String,
        format: Format,
        revisi: String,
        files: impl FnOnce() -> Result<Vec<(String, Vec<u8>)>, String> + Send + 'static,
    ) -> Outcome {
        let Some(jobs) = self.jobs.clone() else { return self.get(key, format, files).await };
        let path = self.cache_path(&key, format);
        if let Ok(bytes) = std::fs::read(&path) {
            return Outcome::Done(Arc::new(bytes), Origin::Cache);
        }
        use super::jobs::State;
        let internal = |e: super::store::Error| Outcome::Failed(RenderFail::Internal(e.to_string()));
        let mut origin = Origin::Cache;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30 * 60);
        let mut delay = std::time::Duration::from_millis(50);
        loop {
            let (j, k) = (jobs.clone(), key.clone());
            let state = match tokio::task::spawn_blocking(move || j.job_state(&k)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return internal(e),
                Err(e) => return Outcome::Failed(RenderFail::Internal(e.to_string())),
            };
            match state {
                Some(State::Done(bytes)) => {
                    let _ = renja_core::output::write_atomic(&path, &bytes);
                    return Outcome::Done(Arc::new(bytes), origin);
                }
                Some(State::Failed(m)) => return Outcome::Failed(RenderFail::Internal(format!("pekerja: {m}"))),
                Some(State::SourceErrors) => {
                    // The diagnostics, re-derived here: the sources fail their check before any
                    // layout, so this never renders.
                    let me = self.clone();
                    return match tokio::task::spawn_blocking(move || -> Result<Vec<u8>, RenderFail> {
                        let files = files().map_err(RenderFail::Internal)?;
                        engine::render(&me.scratch, &me.assets, &files, format)
                    })
                    .await
                    {
                        Ok(Ok(b)) => Outcome::Done(Arc::new(b), Origin::New),
                        Ok(Err(f)) => Outcome::Failed(f),
                        Err(e) => Outcome::Failed(RenderFail::Internal(e.to_string())),
                    };
                }
                Some(State::Waiting) => origin = Origin::New,
                None => {
                    origin = Origin::New;
                    let (j, k, r) = (jobs.clone(), key.clone(), revisi.clone());
                    match tokio::task::spawn_blocking(move || j.enqueue(&k, format, &r)).await {
                        Ok(Ok(())) => continue,
                        Ok(Err(e)) => return internal(e),
                        Err(e) => return Outcome::Failed(RenderFail::Internal(e.to_string())),
                    }
                }
            }
            if std::time::Instant::now() > deadline {
                return Outcome::Failed(RenderFail::Internal("tidak ada pekerja yang menyelesaikan penyusunan dalam 30 menit".into()));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(std::time::Duration::from_millis(500));
        }
    }

    /// Runs `job` (a final render, a signature, an archive entry) on a worker slot like a render:
    /// it waits for a worker and counts against the queue. The job runs as its own task, so a
    /// client that disconnects does not cut a step half way. `Err(true)`: the queue is full;
    /// `Err(false)`: the job stopped (a panic).
    pub async fn run<T: Send + 'static>(self: &Arc<Self>, job: impl FnOnce(&engine::Assets) -> T + Send + 'static) -> Result<T, bool> {
        {
            let _m = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            if self.admitted.load(Ordering::SeqCst) >= self.limit {
                return Err(true);
            }
            self.admitted.fetch_add(1, Ordering::SeqCst);
        }
        let me = self.clone();
        let task = tokio::spawn(async move {
            let out = match me.workers.acquire().await {
                Ok(_permit) => {
                    let me2 = me.clone();
                    tokio::task::spawn_blocking(move || job(&me2.assets)).await.ok()
                }
                Err(_) => None,
            };
            me.admitted.fetch_sub(1, Ordering::SeqCst);
            out
        });
        task.await.ok().flatten().ok_or(false)
    }

    /// The cache key of a revision's manifest (`path sha256` lines) in a format.
    pub fn key(&self, manifest: &[(String, String)], format: Format) -> String {
        let mut h = format!("{}\n{}\n", self.assets.fingerprint, format.ext());
        for (p, sha) in manifest {
            h.push_str(&format!("{sha} {p}\n"));
        }
        renja_archive::sha256_hex(h.as_bytes())
    }

    fn cache_path(&self, key: &str, format: Format) -> PathBuf {
        self.cache.join(format!("{key}.{}", format.ext()))
    }

    /// The render of `key`: from the cache, from a render already running, or a new one that
    /// `files` (called on a worker thread) supplies the sources for.
    pub async fn get(
        self: &Arc<Self>,
        key: String,
        format: Format,
        files: impl FnOnce() -> Result<Vec<(String, Vec<u8>)>, String> + Send + 'static,
    ) -> Outcome {
        let path = self.cache_path(&key, format);
        if let Ok(bytes) = std::fs::read(&path) {
            return Outcome::Done(Arc::new(bytes), Origin::Cache);
        }
        let slot = {
            let mut m = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(s) = m.get(&key) {
                s.clone()
            } else {
                if self.admitted.load(Ordering::SeqCst) >= self.limit {
                    return Outcome::Busy;
                }
                self.admitted.fetch_add(1, Ordering::SeqCst);
                let s: Slot = Arc::new(OnceCell::new());
                m.insert(key.clone(), s.clone());
                s
            }
        };
        let me = self.clone();
        let key2 = key.clone();
        // The render runs as its own task: a client that disconnects does not cancel a render
        // that others (or the cache) will use.
        let ran = std::sync::atomic::AtomicBool::new(false);
        let ran_ref = &ran;
        let result = slot
            .get_or_init(|| async move {
                ran_ref.store(true, Ordering::SeqCst);
                let task = tokio::spawn(async move {
                    let out: Result<Arc<Vec<u8>>, RenderFail> = async {
                        let _permit = me.workers.acquire().await.map_err(|_| RenderFail::Internal("antrean ditutup".into()))?;
                        let me2 = me.clone();
                        tokio::task::spawn_blocking(move || -> Result<Arc<Vec<u8>>, RenderFail> {
                            me2.runs.fetch_add(1, Ordering::SeqCst);
                            let files = files().map_err(RenderFail::Internal)?;
                            let bytes = engine::render(&me2.scratch, &me2.assets, &files, format)?;
                            // Written atomically: a kill leaves the cache entry whole or absent.
                            renja_core::output::write_atomic(&path, &bytes).map_err(|e| RenderFail::Internal(e.to_string()))?;
                            Ok(Arc::new(bytes))
                        })
                        .await
                        .map_err(|e| RenderFail::Internal(format!("penyusunan berhenti: {e}")))?
                    }
                    .await;
                    me.admitted.fetch_sub(1, Ordering::SeqCst);
                    me.inflight.lock().unwrap_or_else(|p| p.into_inner()).remove(&key2);
                    out
                });
                task.await.unwrap_or_else(|e| Err(RenderFail::Internal(format!("penyusunan berhenti: {e}"))))
            })
            .await
            .clone();
        match result {
            Ok(b) => Outcome::Done(b, if ran.load(Ordering::SeqCst) { Origin::New } else { Origin::Shared }),
            Err(f) => Outcome::Failed(f),
        }
    }
}
