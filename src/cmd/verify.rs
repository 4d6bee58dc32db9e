//! `renja verify PDF [--ca CERT]…`: lists every signature of a PDF — signer, time, byte range,
//! whether it covers the whole file, and with `--ca` whether the signer's certificate chains up
//! to a trusted certificate — and exits 1 when one is invalid or untrusted, or unsigned changes
//! follow the last.

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
}

pub fn run(args: Args) -> i32 {
    let bytes = match std::fs::read(&args.pdf) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: '{}' tidak dapat dibaca: {e}", args.pdf.display());
            return 2;
        }
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
        0
    } else {
        println!("Hasil: dokumen TIDAK dapat dipercaya");
        1
    }
}
