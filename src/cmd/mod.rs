//! The command line: one thin file per subcommand. Each parses its arguments, runs the library
//! pipeline and prints; exit codes: 0 ok (warnings allowed), 1 errors in the sources, 2 usage or
//! I/O problems.

pub mod archive;
pub mod build;
pub mod check;
pub mod export;
pub mod new;
pub mod preview;
pub mod serve;
pub mod sign;
pub mod verify;

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
    },
    /// Susun dokumen PDF dan/atau DOCX edisi ke folder keluaran.
    Build {
        /// Folder edisi
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// Folder keluaran
        #[arg(short = 'o', long = "out", default_value = "out")]
        out: PathBuf,
        /// Format keluaran: pdf, docx, atau all (keduanya)
        #[arg(long, value_enum, default_value = "all")]
        format: Format,
        /// Dokumen final: tanpa tanda RANCANGAN
        #[arg(long = "final")]
        final_: bool,
    },
    /// Cetak model edisi yang telah dihitung (JSON) ke stdout.
    Export {
        /// Cetak sebagai JSON (satu-satunya format saat ini)
        #[arg(long)]
        json: bool,
        /// Folder edisi
        #[arg(default_value = "content")]
        dir: PathBuf,
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
    /// Layanan dokumen untuk seluruh daerah: edisi, pengguna, peran, alur kerja, API.
    Serve(serve::Args),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Hanya PDF
    Pdf,
    /// Hanya DOCX (dapat disunting)
    Docx,
    /// PDF dan DOCX
    All,
}

impl Format {
    pub fn pdf(self) -> bool {
        matches!(self, Format::Pdf | Format::All)
    }
    pub fn docx(self) -> bool {
        matches!(self, Format::Docx | Format::All)
    }
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { dir } => check::run(&dir),
        Command::Build { dir, out, format, final_ } => build::run(&dir, &out, final_, format),
        Command::Export { json: _, dir } => export::run(&dir),
        Command::Preview(args) => preview::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Archive(args) => archive::run(args),
        Command::New(args) => new::run(args),
        Command::Serve(args) => serve::run(args),
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
