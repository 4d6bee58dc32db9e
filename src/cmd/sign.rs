//! `renja sign PDF [-o OUT] (--p12 FILE | --key KEY.pem --cert CERT.pem [--chain CA.pem]...)`:
//! signs a final renja PDF (PAdES B-B, or B-T with `--tsa`).
//! `renja sign PDF --bsre URL --nik NIK [--totp]`: signs it through the BSrE Esign Client Service.
//! The password, passphrase or TOTP code comes from `RENJA_PASSWORD` or a prompt, never from the
//! command line; nothing is written on failure.

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
    /// Tandatangani melalui layanan BSrE (Esign Client Service) di alamat ini, mis. https://esign.daerah.go.id
    #[arg(long, value_name = "URL", requires = "nik", conflicts_with_all = ["p12", "key", "cert", "chain", "tsa", "contact"])]
    pub bsre: Option<String>,
    /// NIK penandatangan yang terdaftar di BSrE (16 angka)
    #[arg(long, requires = "bsre")]
    pub nik: Option<String>,
    /// Buktikan dengan kode TOTP, bukan passphrase (kode dari RENJA_PASSWORD atau diminta)
    #[arg(long, requires = "bsre")]
    pub totp: bool,
    /// Berkas konfigurasi klien BSrE (bawaan: $RENJA_BSRE_CONFIG, lalu ~/.config/renja/bsre.toml)
    #[arg(long = "bsre-config", value_name = "BERKAS", requires = "bsre")]
    pub bsre_config: Option<PathBuf>,
    /// Batas waktu menunggu jawaban BSrE, dalam detik (bawaan: konfigurasi, atau 120)
    #[arg(long, value_name = "DETIK", requires = "bsre")]
    pub timeout: Option<f64>,
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

/// The secret (passphrase or TOTP code) for BSrE: from `RENJA_PASSWORD` or a prompt.
fn bsre_secret(totp: bool) -> Result<String, String> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    let what = if totp { "kode TOTP" } else { "passphrase BSrE" };
    if !std::io::stdin().is_terminal() {
        return Err(format!("{what} diperlukan: isi variabel lingkungan {PASSWORD_ENV} atau jalankan di terminal untuk diminta"));
    }
    let prompt = if totp { "Kode TOTP BSrE: " } else { "Passphrase BSrE: " };
    rpassword::prompt_password(prompt).map_err(|_| format!("{what} tidak dapat dibaca dari terminal"))
}

/// Loads the BSrE client configuration (`--bsre-config`, else the default place), printing a
/// warning when other users can read it; `timeout` overrides its time limit.
pub fn bsre_client(url: &str, config: Option<&Path>, timeout: Option<f64>) -> Result<crate::sign::bsre::Client, String> {
    use crate::sign::bsre::Config;
    let path = match config.map(Path::to_path_buf).or_else(Config::default_path) {
        Some(p) => p,
        None => return Err("tidak ada berkas konfigurasi BSrE: sebutkan --bsre-config BERKAS atau RENJA_BSRE_CONFIG".into()),
    };
    let (mut cfg, warning) = Config::load(&path)?;
    if let Some(w) = warning {
        eprintln!("peringatan: {w}");
    }
    if let Some(t) = timeout {
        if !(t > 0.0 && t <= 3600.0) {
            return Err(format!("--timeout {t}: diharapkan lebih dari 0 dan paling lama 3600 detik"));
        }
        cfg.timeout = std::time::Duration::from_secs_f64(t);
    }
    crate::sign::bsre::Client::new(url, cfg).map_err(String::from)
}

fn run_bsre(args: Args, url: &str) -> i32 {
    use crate::sign::bsre::{Secret, Signer};
    let nik = args.nik.clone().unwrap_or_default();
    if nik.len() != 16 || !nik.bytes().all(|b| b.is_ascii_digit()) {
        eprintln!("error: --nik '{nik}': NIK harus 16 angka");
        return 2;
    }
    let pdf = match std::fs::read(&args.pdf) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: '{}' tidak dapat dibaca: {e}", args.pdf.display());
            return 2;
        }
    };
    let client = match bsre_client(url, args.bsre_config.as_deref(), args.timeout) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("error: {msg}; tidak ada berkas yang ditulis");
            return 2;
        }
    };
    // Before asking for the secret: a PDF without an empty field is refused right away.
    if let Err(msg) = crate::sign::empty_field(&pdf) {
        eprintln!("error: {}: {msg}; tidak ada berkas yang ditulis", args.pdf.display());
        return 1;
    }
    let secret = match bsre_secret(args.totp) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => {
            eprintln!("error: passphrase/kode TOTP kosong; tidak ada berkas yang ditulis");
            return 2;
        }
        Err(msg) => {
            eprintln!("error: {msg}; tidak ada berkas yang ditulis");
            return 2;
        }
    };
    let secret = if args.totp { Secret::Totp(secret) } else { Secret::Passphrase(secret) };
    let assets = Assets::locate(args.pdf.parent().unwrap_or(Path::new(".")));
    let fonts = match Fonts::load(&assets.fonts) {
        Ok(f) => Arc::new(f),
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    let opts = crate::sign::Options { reason: args.reason, location: args.location, contact: None, tsa: None, zona: args.zona, layouts: assets.layouts, fonts };
    let signer = Signer { client: &client, nik, secret };
    sign_and_write(&signer, &pdf, &opts, std::time::SystemTime::now(), &args.pdf, args.out)
}

pub fn run(args: Args) -> i32 {
    if let Some(url) = args.bsre.clone() {
        return run_bsre(args, &url);
    }
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
        Err(e @ credentials::LoadError::Io { .. }) => {
            eprintln!("error: {e}; tidak ada berkas yang ditulis");
            return 2;
        }
        Err(e) => {
            eprintln!("error: {e}");
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
    sign_and_write(&crate::sign::LocalKey(&creds), &pdf, &opts, now, &args.pdf, args.out)
}

/// Signs with either backend and writes `<name>.ttd.pdf` (or `out`) atomically; on any failure
/// nothing is written and the backend's exit code is returned.
fn sign_and_write(backend: &dyn crate::sign::Backend, pdf: &[u8], opts: &crate::sign::Options, now: std::time::SystemTime, input: &Path, out: Option<PathBuf>) -> i32 {
    let signed = match backend.sign_pdf(pdf, opts, now) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}: {e}; tidak ada berkas yang ditulis", input.display());
            return e.exit_code();
        }
    };
    let out = out.unwrap_or_else(|| default_out(input));
    if let Err(e) = crate::output::write_atomic(&out, &signed) {
        eprintln!("error: {} tidak dapat ditulis: {e}", out.display());
        return 2;
    }
    println!("{}", out.display());
    0
}
