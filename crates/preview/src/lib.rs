//! The live preview (`renja preview`): watches the edition and `layouts/`, recompiles
//! incrementally with one long-lived typst World, and serves the pages to the browser.
//!
//! Threads: the file watcher (notify, debounced) sends "something changed" to the compiler
//! thread, which owns the typst World, coalesces bursts of changes into one compile and
//! publishes the result into the shared [`state::Shared`]; the HTTP/WebSocket server (tokio,
//! axum) sends each browser tab a snapshot on connect and then only what changed.
//!
//! Boundary: the live preview; may use the façade, `pdf` (its warm World draws the pages),
//! `document`, `archive` (the base-edition check's store) and `output`; used by `cmd` and by
//! `service` (the workspace's live preview reuses [`compiler`] and [`state`]).

pub mod compiler;
mod drawn;
pub mod server;
pub mod state;
pub mod text;
pub mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// What `renja preview` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The edition folder.
    pub dir: PathBuf,
    /// The address to bind (127.0.0.1 unless `--host` is given).
    pub host: IpAddr,
    /// Host names the server answers to besides its address (a name given with `--host`).
    pub names: Vec<String>,
    /// The port (0 picks a free one).
    pub port: u16,
    /// Also write the PDF and DOCX after each good render (into `out`).
    pub write: Option<PathBuf>,
    /// Open the system browser once the server listens.
    pub open: bool,
}

/// Why the preview could not start or stopped serving; bad sources never end it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("folder edisi '{}' tidak ditemukan", .0.display())]
    FolderTidakAda(PathBuf),
    #[error(transparent)]
    Huruf(#[from] renja_pdf::FontError),
    #[error("utas penyusun tidak dapat dimulai: {0}")]
    Utas(#[source] std::io::Error),
    #[error("pemantauan berkas tidak dapat dimulai: {0}")]
    Pantau(#[source] notify::Error),
    #[error("pemantauan berkas tidak dapat dimulai: {0}")]
    PantauUtas(#[source] std::io::Error),
    #[error("folder '{}' tidak dapat dipantau: {source}", .folder.display())]
    Dipantau { folder: PathBuf, source: notify::Error },
    #[error("runtime tidak dapat dimulai: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("tidak dapat mendengarkan di {addr}: {source}")]
    Dengar { addr: SocketAddr, source: std::io::Error },
    #[error("server berhenti: {0}")]
    Server(#[source] std::io::Error),
    #[error("alamat --host '{host}' tidak dapat diuraikan: {source}")]
    HostTidakTerurai { host: String, source: std::io::Error },
    #[error("alamat --host '{0}' tidak mempunyai alamat IP")]
    HostTanpaIp(String),
}

/// Runs the preview until Ctrl-C. Errors are start-up problems (folder, fonts, port) in
/// Bahasa Indonesia; bad sources never end the server.
pub fn serve(opts: Options) -> Result<(), Error> {
    if !opts.dir.is_dir() {
        return Err(Error::FolderTidakAda(opts.dir.clone()));
    }
    let assets = renja_pdf::Assets::locate(&opts.dir);
    let fonts = renja_pdf::Fonts::load(&assets.fonts).map(Arc::new)?;
    let shared = state::Shared::new();

    let (tx, rx) = std::sync::mpsc::channel::<std::time::Instant>();
    // The archive for the base-edition check, opened once (when one is configured).
    let base = renja_archive::dasar::open_configured(None).map(|s| Box::new(s) as Box<dyn renja_archive::Store + Send>);
    let compiler = compiler::Compiler::new(opts.dir.clone(), assets.clone(), fonts, opts.write.clone(), base);
    let comp_shared = shared.clone();
    std::thread::Builder::new()
        .name("renja-compile".into())
        .spawn(move || compiler.run(rx, comp_shared))
        .map_err(Error::Utas)?;
    // The first compile, before any change.
    let _ = tx.send(std::time::Instant::now());
    let _watcher = watch::start(&opts.dir, &assets.layouts, opts.write.as_deref(), tx)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(opts.host, opts.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Dengar { addr, source })?;
        let local = listener.local_addr().map_err(|source| Error::Dengar { addr, source })?;
        let url = format!("http://{local}/");
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "Pratinjau: {url}");
            let _ = writeln!(out, "Tekan Ctrl-C untuk berhenti.");
            let _ = out.flush();
        }
        if opts.open {
            open_browser(&url);
        }
        let access = server::Access::new(local, opts.names.clone());
        server::run(listener, shared, access, server::Limits::from_env()).await.map_err(Error::Server)
    })
}

/// Resolves `--host`: an IP address as it is, a name to its first address (and the name is
/// then accepted in the `Host` header).
pub fn resolve_host(host: &str) -> Result<(IpAddr, Vec<String>), Error> {
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return Ok((ip, Vec::new()));
    }
    use std::net::ToSocketAddrs;
    let addr = (host, 0)
        .to_socket_addrs()
        .map_err(|source| Error::HostTidakTerurai { host: host.to_string(), source })?
        .next()
        .ok_or_else(|| Error::HostTanpaIp(host.to_string()))?;
    Ok((addr.ip(), vec![host.to_string()]))
}

/// Launches the system browser; a failure is reported and otherwise ignored.
fn open_browser(url: &str) {
    match std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            // Reap it in the background so it does not linger as a zombie.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
        }
        Err(e) => eprintln!("peringatan: peramban tidak dapat dibuka ({e}); buka {url} secara manual"),
    }
}
