//! `renja verify PDF [--ca CERT]…`: lists every signature of a PDF — signer, time, byte range,
//! whether it covers the whole file, and with `--ca` whether the signer's certificate chains up
//! to a trusted certificate — and exits 1 when one is invalid or untrusted, or unsigned changes
//! follow the last. With `--bsre URL` the BSrE service's verify endpoint is asked too and both
//! verdicts are printed side by side.

use crate::sign::cms;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// PDF bertanda tangan
    pub pdf: PathBuf,
    /// Sertifikat tepercaya (PEM atau DER; misalnya akar BSrE); rantai sertifikat penandatangan
    /// harus berujung pada salah satunya. Boleh diulang.
    #[arg(long = "ca", value_name = "SERTIFIKAT")]
    pub ca: Vec<PathBuf>,
    /// Tanyakan juga layanan BSrE (Esign Client Service) di alamat ini, dan tampilkan kedua hasil berdampingan
    #[arg(long, value_name = "URL")]
    pub bsre: Option<String>,
    /// Berkas konfigurasi klien BSrE (bawaan: $RENJA_BSRE_CONFIG, lalu ~/.config/renja/bsre.toml)
    #[arg(long = "bsre-config", value_name = "BERKAS", requires = "bsre")]
    pub bsre_config: Option<PathBuf>,
    /// Batas waktu menunggu jawaban BSrE, dalam detik (bawaan: konfigurasi, atau 120)
    #[arg(long, value_name = "DETIK", requires = "bsre")]
    pub timeout: Option<f64>,
}

pub fn run(args: Args) -> i32 {
    let bytes = match std::fs::read(&args.pdf) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: '{}' tidak dapat dibaca: {e}", args.pdf.display());
            return 2;
        }
    };
    // The BSrE client first, so a configuration error stops before anything is judged.
    let client = match &args.bsre {
        Some(url) => match super::sign::bsre_client(url, args.bsre_config.as_deref(), args.timeout) {
            Ok(c) => Some(c),
            Err(msg) => {
                eprintln!("error: {msg}");
                return 2;
            }
        },
        None => None,
    };
    let mut anchors = Vec::new();
    for path in &args.ca {
        match crate::sign::trust::load_anchors(path) {
            Ok(certs) => anchors.extend(certs),
            Err(msg) => {
                eprintln!("error: {msg}");
                return 2;
            }
        }
    }
    let sigs = match crate::sign::signatures(&bytes) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("error: {}: {msg}", args.pdf.display());
            return 2;
        }
    };
    if sigs.is_empty() {
        eprintln!("error: {}: tidak ada tanda tangan elektronik dalam PDF ini", args.pdf.display());
        return 1;
    }
    let mut ok = true;
    println!("{}: {} tanda tangan, {} bita", args.pdf.display(), sigs.len(), bytes.len());
    for (i, s) in sigs.iter().enumerate() {
        println!();
        println!("Tanda tangan {}", i + 1);
        match &s.result {
            Ok(c) => {
                println!("  penandatangan : {}", c.signer);
                println!("  penerbit      : {}", c.issuer);
            }
            Err(e) => println!("  isi           : tidak dapat dibaca ({e})"),
        }
        if let Some(w) = &s.waktu {
            println!("  waktu         : {w}");
        }
        if let Ok(cms::Checked { timestamp: Some(t), .. }) = &s.result {
            println!("  stempel waktu : {t} (TSA, sah)");
        }
        if let Some(r) = &s.reason {
            println!("  alasan        : {r}");
        }
        if let Some(l) = &s.location {
            println!("  tempat        : {l}");
        }
        if let Some(f) = &s.sub_filter {
            println!("  format        : {f}");
        }
        let [a, b, c, d] = s.byte_range;
        println!("  rentang bita  : [{a} {b} {c} {d}] (mencakup sampai bita {} dari {})", s.covered_end, s.file_len);
        if let Some(h) = &s.sha256_sebelum {
            println!("  SHA-256 dokumen yang ditandatangani: {h}");
        }
        let valid = s.valid();
        if !valid {
            ok = false;
        }
        match &s.result {
            Ok(c) if c.problems.is_empty() => println!("  status        : SAH (hash dokumen cocok, tanda tangan cocok dengan sertifikat)"),
            Ok(c) => {
                println!("  status        : TIDAK SAH");
                for p in &c.problems {
                    println!("    - {p}");
                }
            }
            Err(_) => println!("  status        : TIDAK SAH"),
        }
        if let Ok(c) = &s.result {
            if args.ca.is_empty() {
                println!("  kepercayaan   : tidak diperiksa (berikan --ca SERTIFIKAT-AKAR untuk memeriksa rantai sertifikat)");
            } else {
                // Certificates are checked at the time a valid timestamp proves; without one, now.
                let (at, when) = match c.timestamp_at {
                    Some(t) => (t, "pada waktu stempel waktu"),
                    None => (std::time::SystemTime::now(), "saat ini"),
                };
                match crate::sign::trust::judge(&c.signer_cert, &c.certificates, &anchors, at) {
                    Ok(chain) => println!("  kepercayaan   : DIPERCAYA, diperiksa {when} (rantai: {})", chain.join(" → ")),
                    Err(why) => {
                        ok = false;
                        println!("  kepercayaan   : TIDAK DIPERCAYA, diperiksa {when}: {why}");
                    }
                }
            }
        }
        if s.covers_whole_file() {
            println!("  cakupan       : seluruh berkas");
        } else {
            println!("  cakupan       : {} bita sesudahnya tidak tercakup tanda tangan ini", s.file_len - s.covered_end);
        }
    }
    println!();
    let last_covers = sigs.iter().any(|s| s.covers_whole_file());
    if !last_covers {
        ok = false;
        println!("PERINGATAN: ada perubahan yang ditambahkan setelah tanda tangan terakhir dan tidak ditandatangani");
    }
    if ok {
        if args.ca.is_empty() {
            println!("Hasil: semua tanda tangan sah dan mencakup seluruh dokumen (kepercayaan sertifikat tidak diperiksa)");
        } else {
            println!("Hasil: semua tanda tangan sah, dipercaya, dan mencakup seluruh dokumen");
        }
    } else {
        println!("Hasil: dokumen TIDAK dapat dipercaya");
    }
    let code = if ok { 0 } else { 1 };
    match client {
        Some(c) => compare_with_bsre(&c, &bytes, &sigs, ok, code),
        None => code,
    }
}

/// Asks the BSrE service for its verdict and prints it beside renja's. Exit 0 only when both
/// say valid; 1 when either says not valid; the BSrE error's code when it could not be asked.
fn compare_with_bsre(client: &crate::sign::bsre::Client, pdf: &[u8], sigs: &[crate::sign::SignatureInfo], renja_ok: bool, code: i32) -> i32 {
    println!();
    let verdict = match client.verify(pdf) {
        Ok(v) => v,
        Err(e) => {
            println!("Verifikasi layanan BSrE ({}): tidak diperoleh", client.base_url());
            eprintln!("error: {e}");
            return if code != 0 { code } else { e.kind.exit_code() };
        }
    };
    let col = |s: &str| format!("{s:<44}");
    println!("Perbandingan dengan layanan BSrE {} ({}):", client.base_url(), verdict.api.label());
    println!("  {:<20}  {}  {}", "", col("renja"), "BSrE");
    let renja_kesimpulan = if renja_ok { "SAH" } else { "TIDAK SAH" };
    println!("  {:<20}  {}  {}", "kesimpulan", col(renja_kesimpulan), verdict.conclusion);
    println!("  {:<20}  {}  {}", "jumlah tanda tangan", col(&sigs.len().to_string()), verdict.signatures.len());
    for i in 0..sigs.len().max(verdict.signatures.len()) {
        let ours = sigs.get(i).map(|s| {
            let who = match &s.result {
                Ok(c) => c.signer.clone(),
                Err(_) => "?".into(),
            };
            format!("{} ({who})", if s.valid() { "sah" } else { "tidak sah" })
        });
        let theirs = verdict.signatures.get(i).map(|v| {
            let yes_no = |b: Option<bool>, yes: &str, no: &str| match b {
                Some(true) => yes.to_string(),
                Some(false) => no.to_string(),
                None => "?".to_string(),
            };
            format!(
                "integritas {}, sertifikat {} ({})",
                yes_no(v.integrity, "utuh", "RUSAK"),
                yes_no(v.trusted, "dipercaya", "TIDAK dipercaya"),
                v.signer.clone().unwrap_or_else(|| "?".into())
            )
        });
        println!("  {:<20}  {}  {}", format!("tanda tangan {}", i + 1), col(&ours.unwrap_or_else(|| "-".into())), theirs.unwrap_or_else(|| "-".into()));
    }
    if let Some(d) = &verdict.description {
        println!("  {:<20}  {}  {}", "keterangan", col(""), d);
    }
    let agree = renja_ok == verdict.valid();
    if agree {
        println!("Kedua pemeriksaan sepakat: {}", if renja_ok { "SAH" } else { "TIDAK SAH" });
    } else {
        println!("PERINGATAN: renja dan layanan BSrE TIDAK sepakat; periksa dokumen ini lebih lanjut");
    }
    if renja_ok && verdict.valid() { 0 } else { 1 }
}
