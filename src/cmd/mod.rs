//! The command line: one thin file per subcommand. Each parses its arguments, runs the library
//! pipeline and prints; exit codes: 0 ok (warnings allowed), 1 errors in the sources, 2 usage or
//! I/O problems.
//!
//! Boundary: the command line, the outermost layer: may use every module; no module uses it.

pub mod archive;
pub mod build;
pub mod check;
pub mod export;
pub mod init;
pub mod impor;
pub mod new;
pub mod preview;
pub mod serve;
pub mod sign;
pub mod verify;
pub mod worker;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "renja", version, about = "Renja dan Perubahan Renja Perangkat Daerah dari sumber teks")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Periksa sumber edisi dan tampilkan setiap masalah sebagai file:baris:kolom.
    Check {
        /// Folder edisi
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// Folder arsip untuk memeriksa kolom Sebelum terhadap edisi dasar (bawaan: $RENJA_ARSIP)
        #[arg(long)]
        arsip: Option<PathBuf>,
    },
    /// Susun dokumen PDF dan/atau DOCX edisi ke folder keluaran.
    Build {
        /// Folder edisi
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// Folder keluaran
        #[arg(short = 'o', long = "out", default_value = "out")]
        out: PathBuf,
        /// Format keluaran: pdf, docx, all (keduanya) atau xlsx
        #[arg(long, value_enum, default_value = "all")]
        format: Format,
        /// Dokumen final: tanpa tanda RANCANGAN
        #[arg(long = "final")]
        final_: bool,
        /// Folder arsip untuk memeriksa kolom Sebelum terhadap edisi dasar (bawaan: $RENJA_ARSIP)
        #[arg(long)]
        arsip: Option<PathBuf>,
    },
    /// Cetak model edisi yang telah dihitung (JSON) ke stdout.
    Export {
        /// Cetak sebagai JSON (satu-satunya format saat ini)
        #[arg(long)]
        json: bool,
        /// Folder edisi
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// Folder arsip untuk memeriksa kolom Sebelum terhadap edisi dasar (bawaan: $RENJA_ARSIP)
        #[arg(long)]
        arsip: Option<PathBuf>,
    },
    /// Pratinjau langsung di peramban selama menulis.
    Preview(preview::Args),
    /// Tandatangani PDF final secara elektronik (PAdES).
    Sign(sign::Args),
    /// Periksa setiap tanda tangan elektronik dalam PDF.
    Verify(verify::Args),
    /// Arsip edisi: simpan, daftar, pulihkan, verifikasi, bandingkan.
    Archive(archive::Args),
    /// Mulai edisi baru dari edisi dalam arsip.
    New(new::Args),
    /// Buat kerangka edisi baru (murni atau perubahan) yang lolos pemeriksaan.
    Init(init::Args),
    /// Impor baris tabel dari buku kerja Excel (SIPD) ke berkas data edisi.
    Impor(impor::Args),
    /// Layanan dokumen untuk seluruh daerah: edisi, pengguna, peran, alur kerja, API.
    Serve(serve::Args),
    /// Pekerja penyusunan dokumen untuk layanan pada PostgreSQL (boleh banyak, di mesin mana pun).
    Worker(worker::Args),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Hanya PDF
    Pdf,
    /// Hanya DOCX (dapat disunting)
    Docx,
    /// PDF dan DOCX
    All,
    /// Buku kerja Excel: setiap tabel satu lembar, jumlah sebagai rumus
    Xlsx,
}

impl Format {
    pub fn pdf(self) -> bool {
        matches!(self, Format::Pdf | Format::All)
    }
    pub fn docx(self) -> bool {
        matches!(self, Format::Docx | Format::All)
    }
    pub fn xlsx(self) -> bool {
        matches!(self, Format::Xlsx)
    }
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { dir, arsip } => check::run(&dir, arsip),
        Command::Build { dir, out, format, final_, arsip } => build::run(&dir, &out, final_, format, arsip),
        Command::Export { json: _, dir, arsip } => export::run(&dir, arsip),
        Command::Preview(args) => preview::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Archive(args) => archive::run(args),
        Command::New(args) => new::run(args),
        Command::Init(args) => init::run(args),
        Command::Impor(args) => impor::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Worker(args) => worker::run(args),
    }
}

/// Prints diagnostics to stderr, one per line (with an optional hint line).
pub fn print_diagnostics(diags: &crate::diag::Diagnostics) {
    use std::io::Write;
    let stderr = std::io::stderr();
    let mut out = stderr.lock();
    for d in diags.iter() {
        let _ = writeln!(out, "{d}");
    }
}

/// The explicit base-edition step of `check`, `build` and `export`: when an archive is configured
/// (`--arsip`, else `$RENJA_ARSIP`; never a folder guessed from the working directory), a
/// Perubahan naming its base edition has its Sebelum columns compared with it.
/// The archive may also be the service's PostgreSQL database (`postgres://…`).
pub fn check_base(edition: &mut crate::Edition, arsip: Option<PathBuf>) {
    edition.check_base(base_check(arsip));
}

/// [`check_base`]'s comparison, with the archive opened, for a caller that loads the edition
/// itself (`renja check`: `Edition::check_dir`).
pub fn base_check(arsip: Option<PathBuf>) -> impl FnOnce(&crate::model::Edition, &mut crate::diag::Diagnostics) {
    let configured = arsip.clone().or_else(|| std::env::var_os("RENJA_ARSIP").filter(|v| !v.is_empty()).map(PathBuf::from));
    let store = match configured {
        Some(url) if url.to_str().is_some_and(crate::service::postgres::is_postgres_url) => archive::open(&url, false),
        _ => crate::archive::dasar::open_configured(arsip).map(|s| Box::new(s) as Box<dyn crate::archive::Store + Send>),
    };
    move |model, diags| {
        let base = store.as_ref().map(|s| s.as_ref() as &dyn crate::archive::Store).map_err(Clone::clone);
        crate::archive::dasar::check(model, base, diags)
    }
}
