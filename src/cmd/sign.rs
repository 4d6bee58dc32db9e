//! `renja sign PDF [-o OUT] (--p12 FILE | --key KEY.pem --cert CERT.pem [--chain CA.pem]...)`:
//! signs a final renja PDF (PAdES B-B, or B-T with `--tsa`). The password comes from
//! `RENJA_PASSWORD` or a prompt, never from the command line; nothing is written on failure.

use crate::pdf::{Assets, Fonts};
use crate::sign::credentials::{self, KeySource};
use crate::sign::time::Zona;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Environment variable holding the password of the PKCS#12 file or encrypted key.
pub const PASSWORD_ENV: &str = "RENJA_PASSWORD";

#[derive(clap::Args)]
pub struct Args {
    /// PDF final yang akan ditandatangani (hasil `renja build --final`)
    pub pdf: PathBuf,
    /// Berkas keluaran (bawaan: NAMA.ttd.pdf di samping PDF masukan)
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Kunci dan sertifikat dalam satu berkas PKCS#12 (.p12/.pfx)
    #[arg(long, conflicts_with_all = ["key", "cert"])]
    pub p12: Option<PathBuf>,
    /// Kunci privat RSA (PEM)
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Sertifikat penandatangan (PEM)
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Sertifikat penerbit (rantai), boleh lebih dari satu
    #[arg(long)]
    pub chain: Vec<PathBuf>,
    /// Alasan penandatanganan (bawaan: "Pengesahan <judul dokumen>")
    #[arg(long)]
    pub reason: Option<String>,
    /// Tempat penandatanganan (bawaan: tempat pengesahan edisi)
    #[arg(long)]
    pub location: Option<String>,
    /// Kontak penandatangan
    #[arg(long)]
    pub contact: Option<String>,
    /// Alamat TSA RFC 3161 (http://…) untuk stempel waktu (PAdES B-T)
    #[arg(long)]
    pub tsa: Option<String>,
    /// Zona waktu pada tampilan tanda tangan (bawaan: zona provinsi edisi)
    #[arg(long, value_enum)]
    pub zona: Option<Zona>,
}

/// Default output: `x.pdf` → `x.ttd.pdf`.
pub fn default_out(pdf: &Path) -> PathBuf {
    let stem = pdf.file_stem().and_then(|s| s.to_str()).unwrap_or("dokumen");
    pdf.with_file_name(format!("{stem}.ttd.pdf"))
}

fn password() -> Result<String, String> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(format!("kata sandi diperlukan: isi variabel lingkungan {PASSWORD_ENV} atau jalankan di terminal untuk diminta"));
    }
    rpassword::prompt_password("Kata sandi kunci: ").map_err(|_| "kata sandi tidak dapat dibaca dari terminal".to_string())
}

pub fn run(args: Args) -> i32 {
    let source = match (&args.p12, &args.key, &args.cert) {
        (Some(p12), _, _) => KeySource::Pkcs12(p12),
        (None, Some(key), Some(cert)) => KeySource::Pem { key, cert, chain: &args.chain },
        _ => {
            eprintln!("error: sebutkan kunci penandatangan: --p12 BERKAS, atau --key KUNCI.pem --cert SERTIFIKAT.pem");
            return 2;
        }
    };
    let pdf = match std::fs::read(&args.pdf) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: '{}' tidak dapat dibaca: {e}", args.pdf.display());
            return 2;
        }
    };
    let now = std::time::SystemTime::now();
    let mut ask = password;
    let creds = match credentials::load(&source, &mut ask, now) {
        Ok(c) => c,
        Err(credentials::LoadError::Io(msg)) => {
            eprintln!("error: {msg}; tidak ada berkas yang ditulis");
            return 2;
        }
        Err(credentials::LoadError::Invalid(msg)) => {
            eprintln!("error: {msg}");
            return 1;
        }
    };
    let assets = Assets::locate(args.pdf.parent().unwrap_or(Path::new(".")));
    let fonts = match Fonts::load(&assets.fonts) {
        Ok(f) => Arc::new(f),
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    let opts = crate::sign::Options {
        reason: args.reason,
        location: args.location,
        contact: args.contact,
        tsa: args.tsa,
        zona: args.zona,
        layouts: assets.layouts,
        fonts,
    };
    let signed = match crate::sign::sign(&pdf, &creds, &opts, now) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("error: {}: {msg}; tidak ada berkas yang ditulis", args.pdf.display());
            return 1;
        }
    };
    let out = args.out.unwrap_or_else(|| default_out(&args.pdf));
    if let Err(e) = crate::output::write_atomic(&out, &signed) {
        eprintln!("error: {} tidak dapat ditulis: {e}", out.display());
        return 2;
    }
    println!("{}", out.display());
    0
}
