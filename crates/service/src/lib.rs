//! `renja serve`: the document service for a whole regency — agencies, people and roles,
//! editions as immutable revisions, the workflow and the audit log, as JSON over HTTP under
//! `/api/v1`.
//!
//! Layers, each knowing only the one below: [`api`] (HTTP: parse, authorise through [`auth`],
//! answer) → [`store::Store`] (state; [`sqlite::SqliteStore`] is the embedded backend) and
//! [`engine`] (the one adapter to the document library). See docs/service.md.
//!
//! The browser interface ([`web`]) and the workspace's live preview ([`pratinjau`], on the
//! preview's incremental compiler) are served by the same router.
//!
//! Boundary: calls the document library only through [`engine`] (the façade, `pdf`, `docx`,
//! `xlsx` for workbook imports), the live preview through `renja_preview`'s compiler, the signer
//! and the existing archive only through [`arsip`]; holds no document logic. Nothing below it
//! (source … renderers, sign, archive) may depend on it; only `cmd` calls it.

pub mod api;
pub mod arsip;
pub mod arsip_pg;
pub mod auth;
pub mod engine;
pub mod jobs;
pub mod names;
pub mod postgres;
pub mod pratinjau;
pub mod render;
pub mod sqlite;
pub mod store;
pub mod web;
pub mod workflow;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{Grant, NewEdition, NewOpd, NewUser, Role, Save, Store};

/// How the server trusts its surroundings.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Honour `X-Forwarded-For`, `-Proto` and `-Host` (only behind a reverse proxy that sets them).
    pub trust_proxy: bool,
    /// The public address (e.g. `https://renja.example.go.id`): the only Origin accepted on
    /// state-changing requests, and `https://` makes session cookies Secure.
    pub public_url: Option<String>,
    /// Renders running at once (each needs a few hundred MB for the PDF).
    pub render_workers: usize,
    /// Renders waiting beyond those; more are answered 503.
    pub render_queue: usize,
    /// Editions whose incremental check state is kept in memory (`--check-cache`).
    pub check_cache: usize,
    /// The BSrE Esign Client Service signatures go through (`--bsre URL`), besides a PKCS#12
    /// sent with the request; its client credentials come from `bsre_config` (else
    /// `$RENJA_BSRE_CONFIG`, else ~/.config/renja/bsre.toml), never from arguments.
    pub bsre: Option<String>,
    pub bsre_config: Option<PathBuf>,
    /// The RFC 3161 time-stamp authority a PKCS#12 signature is time-stamped by (`--tsa URL`:
    /// PAdES B-T); none: B-B, the signing time is the signer's claim.
    pub tsa: Option<String>,
    /// Trusted root certificates (`--ca`, e.g. BSrE's root): when given, a signature whose
    /// certificate does not chain up to one is refused, and archive verification reports trust.
    pub ca: Vec<PathBuf>,
    /// The database (`postgres://…`, issue #19); `None`: the data folder's SQLite.
    pub database: Option<String>,
}

/// Why the service (or `serve init`, `serve --contoh`, a worker) could not start or stopped: what
/// the command line reports before exiting. Requests' own errors are answered over HTTP instead.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--tsa '{0}': hanya alamat http:// yang didukung (token stempel waktu sendiri sudah bertanda tangan)")]
    TsaBukanHttp(String),
    #[error("tidak ada berkas konfigurasi BSrE: sebutkan --bsre-config BERKAS atau RENJA_BSRE_CONFIG")]
    BsreTanpaKonfigurasi,
    #[error(transparent)]
    Bsre(#[from] renja_sign::bsre::ConfigError),
    #[error(transparent)]
    Akar(#[from] renja_sign::trust::TrustError),
    #[error("folder data '{}': {source}", .data.display())]
    FolderData { data: PathBuf, source: store::Error },
    #[error("basis data PostgreSQL: {0}")]
    Postgres(#[source] store::Error),
    #[error("--database '{0}' tidak dikenal: harus postgres://pengguna@host:port/nama (atau sqlite)")]
    DatabaseTidakDikenal(String),
    #[error("--workers 0 (penyusunan hanya oleh `renja worker`) memerlukan --database postgres://…")]
    WorkersTanpaPostgres,
    #[error("folder data '{}' belum memiliki administrator; jalankan dahulu: renja serve init --data {}", .0.display(), .0.display())]
    TanpaAdministrator(PathBuf),
    #[error("basis data sudah memiliki pengguna; init hanya untuk basis data baru")]
    BasisDataTerisi,
    #[error("folder data '{}' sudah memiliki pengguna; init hanya untuk folder baru", .0.display())]
    FolderTerisi(PathBuf),
    #[error("--contoh memerlukan folder data baru; '{}' sudah berisi", .0.display())]
    ContohPerluFolderBaru(PathBuf),
    #[error("edisi contoh (content/) tidak ditemukan; jalankan dari folder renja")]
    ContohTidakAda,
    #[error("{}: edisi.toml tidak dapat dibaca", .0.display())]
    ContohTidakTerbaca(PathBuf),
    #[error("{}: {alasan}", .dir.display())]
    ContohRusak { dir: PathBuf, alasan: String },
    /// The first administrator cannot be made: the login, name or password breaks the rules of
    /// a new user, or the password could not be hashed.
    #[error("{0}")]
    Pengguna(String),
    /// A file or folder of the data folder or a sample (the path and the io::Error).
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("runtime tidak dapat dimulai: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("tidak dapat mendengarkan di {addr}: {source}")]
    Dengar { addr: SocketAddr, source: std::io::Error },
    #[error("server berhenti: {0}")]
    Server(#[source] std::io::Error),
}

/// The BSrE client and the trusted roots of the configuration; an unreadable file is an error
/// (checked before anything else starts: see [`check_config`]).
type SigningSetup = (Option<Arc<renja_sign::bsre::Client>>, Vec<x509_cert::Certificate>);

fn signing_setup(config: &Config) -> Result<SigningSetup, Error> {
    let bsre = bsre_client(config)?;
    let mut anchors = Vec::new();
    for path in &config.ca {
        anchors.extend(renja_sign::trust::load_anchors(path)?);
    }
    Ok((bsre, anchors))
}

/// Checks the configuration's files (BSrE client configuration, trusted roots) before the data
/// folder is touched (`serve --contoh` fills it first).
pub fn check_config(config: &Config) -> Result<(), Error> {
    if let Some(url) = &config.tsa {
        if !url.starts_with("http://") {
            return Err(Error::TsaBukanHttp(url.clone()));
        }
    }
    signing_setup(config).map(|_| ())
}

/// The BSrE client of the configuration, if one is configured.
fn bsre_client(config: &Config) -> Result<Option<Arc<renja_sign::bsre::Client>>, Error> {
    use renja_sign::bsre::{Client, Config as BsreConfig};
    let Some(url) = &config.bsre else { return Ok(None) };
    let path = config
        .bsre_config
        .clone()
        .or_else(BsreConfig::default_path)
        .ok_or(Error::BsreTanpaKonfigurasi)?;
    let (cfg, warning) = BsreConfig::load(&path)?;
    if let Some(w) = warning {
        eprintln!("peringatan: {w}");
    }
    Ok(Some(Arc::new(Client::new(url, cfg)?)))
}

/// Opens the store of a data folder.
pub fn open(data: &Path) -> Result<Arc<dyn Store>, Error> {
    sqlite::SqliteStore::open(data).map(|s| Arc::new(s) as Arc<dyn Store>).map_err(|source| Error::FolderData { data: data.to_path_buf(), source })
}

/// The database URL of the configuration: `--database`, else `$RENJA_DATABASE_URL`; `None` (or
/// `sqlite`) is the data folder's embedded SQLite.
pub fn database_url(arg: Option<&str>) -> Option<String> {
    let url = arg.map(str::to_string).or_else(|| std::env::var("RENJA_DATABASE_URL").ok().filter(|u| !u.is_empty()))?;
    (url != "sqlite").then_some(url)
}

/// Opens the store: PostgreSQL when `database` is a `postgres://` URL (migrated at start), else
/// the data folder's SQLite.
pub fn open_store(data: &Path, database: Option<&str>) -> Result<Arc<dyn Store>, Error> {
    match database {
        None => open(data),
        Some(url) if postgres::is_postgres_url(url) => {
            postgres::PgStore::open(url).map(|s| Arc::new(s) as Arc<dyn Store>).map_err(Error::Postgres)
        }
        Some(other) => Err(Error::DatabaseTidakDikenal(other.to_string())),
    }
}

/// Runs the server on `listen` until Ctrl-C. Prints the address it listens on first.
pub fn serve(data: &Path, listen: SocketAddr, config: Config) -> Result<(), Error> {
    // On PostgreSQL the render queue may hand renders to `renja worker`s (`--workers 0`).
    let (store, pg): (Arc<dyn Store>, Option<Arc<postgres::PgStore>>) = match config.database.as_deref() {
        Some(url) if postgres::is_postgres_url(url) => {
            let pg = Arc::new(postgres::PgStore::open(url).map_err(Error::Postgres)?);
            (pg.clone(), Some(pg))
        }
        other => (open_store(data, other)?, None),
    };
    if config.render_workers == 0 && pg.is_none() {
        return Err(Error::WorkersTanpaPostgres);
    }
    if store.count_users()? == 0 {
        return Err(Error::TanpaAdministrator(data.to_path_buf()));
    }
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let (bsre, anchors) = signing_setup(&config)?;
    // Scratch folders of checks, renders or archiving cut short by a kill.
    if let Ok(rd) = std::fs::read_dir(data.join("kerja")) {
        for e in rd.flatten() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    // On PostgreSQL the archive is the database's too, so every node reads the same one.
    let arsip = match (&pg, config.database.as_deref()) {
        (Some(pg), Some(url)) => arsip::Arsip::Postgres(arsip_pg::PgArchive::new(pg.clone(), url)),
        _ => arsip::Arsip::Folder(arsip::root(data)),
    };
    let state = Arc::new(api::AppState {
        bsre,
        anchors,
        store,
        arsip,
        data: data.to_path_buf(),
        throttle: auth::Throttle::default(),
        checks: tokio::sync::Semaphore::new(workers),
        checker: engine::Checker::new(data, config.check_cache),
        renders: Arc::new({
            let q = render::Queue::new(data, config.render_workers, config.render_queue);
            match pg {
                Some(pg) if config.render_workers == 0 => q.with_jobs(pg),
                _ => q,
            }
        }),
        config,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(2))
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|source| Error::Dengar { addr: listen, source })?;
        let local = listener.local_addr().map_err(|source| Error::Dengar { addr: listen, source })?;
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "Layanan renja: http://{local}/api/v1/");
            let _ = writeln!(out, "Antarmuka web: http://{local}/");
            let _ = writeln!(out, "Tekan Ctrl-C untuk berhenti.");
            let _ = out.flush();
        }
        let app = api::router(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(Error::Server)
    })
}

/// `renja serve init`: creates the data folder and its first administrator.
pub fn init(data: &Path, database: Option<&str>, login: &str, nama: &str, password: &str) -> Result<(), Error> {
    let store = open_store(data, database)?;
    if store.count_users()? > 0 {
        if database.is_some() {
            return Err(Error::BasisDataTerisi);
        }
        return Err(Error::FolderTerisi(data.to_path_buf()));
    }
    let peran = vec![Grant { peran: Role::Administrator, opd: None }];
    api::validate_user(login, nama, password, &peran).map_err(Error::Pengguna)?;
    let hash = auth::hash_password(password).map_err(Error::Pengguna)?;
    let u = store.create_user(&NewUser { login: login.into(), nama: nama.into(), nip: String::new(), hash, peran })?;
    store.audit(Some(&u.login), "init", "pengguna/1", "administrator pertama", "konsol")?;
    Ok(())
}

/// The sample editions shipped with renja: `content/` and, when present, `contoh/murni/`.
fn sample_dirs() -> Vec<PathBuf> {
    let mut bases = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        bases.push(cwd);
    }
    bases.push(renja_core::checkout_dir());
    for b in bases {
        if b.join("content/edisi.toml").is_file() {
            return ["content", "contoh/murni"].iter().map(|d| b.join(d)).filter(|d| d.join("edisi.toml").is_file()).collect();
        }
    }
    Vec::new()
}

/// One generated demo account.
pub struct DemoAccount {
    pub login: String,
    pub peran: String,
    pub sandi: String,
}

/// `renja serve --contoh`: fills a fresh data folder with the sample edition(s) and one account
/// per role. Returns the accounts with their generated passwords (shown once, never stored).
pub fn contoh(data: &Path, database: Option<&str>) -> Result<Vec<DemoAccount>, Error> {
    let store = open_store(data, database)?;
    if store.count_users()? > 0 {
        return Err(Error::ContohPerluFolderBaru(data.to_path_buf()));
    }
    let dirs = sample_dirs();
    if dirs.is_empty() {
        return Err(Error::ContohTidakAda);
    }
    let read = |path: PathBuf| std::fs::read_to_string(&path).map_err(engine::at(&path));
    // The agency of the first sample.
    let first = read(dirs[0].join("edisi.toml"))?;
    let (kode, nama, kepala, ..) = engine::edition_meta(&first).ok_or_else(|| Error::ContohTidakTerbaca(dirs[0].clone()))?;
    let opd = store.create_opd(&NewOpd { kode, nama, kepala: kepala.clone() })?;
    let people: [(&str, &str, Role, Option<i64>); 4] = [
        ("admin", "Administrator Contoh", Role::Administrator, None),
        ("penyusun", "Penyusun Contoh", Role::Penyusun, Some(opd.id)),
        ("verifikator", "Verifikator Bappeda Contoh", Role::Verifikator, None),
        ("penandatangan", if kepala.is_empty() { "Kepala OPD Contoh" } else { kepala.as_str() }, Role::Penandatangan, Some(opd.id)),
    ];
    let mut accounts = Vec::new();
    let mut penyusun = 0;
    for (login, nama, role, opd) in people {
        let sandi = auth::new_password();
        let u = store
            .create_user(&NewUser { login: login.into(), nama: nama.into(), nip: String::new(), hash: auth::hash_password(&sandi).map_err(Error::Pengguna)?, peran: vec![Grant { peran: role, opd }] })?;
        if role == Role::Penyusun {
            penyusun = u.id;
        }
        accounts.push(DemoAccount { login: login.into(), peran: role.as_str().into(), sandi });
    }
    for dir in dirs {
        let text = read(dir.join("edisi.toml"))?;
        let (.., tahun, jenis, revisi) = engine::edition_meta(&text).ok_or_else(|| Error::ContohTidakTerbaca(dir.clone()))?;
        let rusak = |alasan: String| Error::ContohRusak { dir: dir.clone(), alasan };
        let files = engine::read_folder(&dir).map_err(|e| rusak(e.to_string()))?;
        for (p, _) in &files {
            names::validate(p).map_err(rusak)?;
        }
        let e = store.create_edition(&NewEdition { opd: opd.id, tahun, jenis, revisi })?;
        store
            .save(Save {
                edisi: e.id,
                dasar: None,
                penulis: penyusun,
                pesan: format!("Impor edisi contoh dari {}", dir.file_name().and_then(|n| n.to_str()).unwrap_or("contoh")),
                berkas: files.into_iter().map(|(p, b)| (p, Some(b))).collect(),
                replace_all: true,
                aksi: "impor".into(),
                alamat: "konsol".into(),
            })?;
    }
    Ok(accounts)
}
