//! The visible signature of `renja sign` as a reader sees it: the final document's page is
//! rendered (pdftoppm) and its QR code decoded (zbarimg, Debian zbar-tools); the payload names
//! the edition and carries the SHA-256 of the unsigned final PDF, which `renja verify` prints
//! too. The appearance text (signer, NIP, local time in the province's zone, the BSrE sentence)
//! is read back with pdftotext. Also: `build --final` is reproducible and leaves exactly one empty
//! signature field; a draft (without --final) cannot be signed.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{ROOT, SLUG};

const PASSWORD: &str = "Sandi-Tampilan-4kq";

/// openssl and bash (the "sign" group), pdftoppm and pdftotext, zbarimg.
fn tools_present() {
    common::require(&["sign", "poppler", "zbar"])
}

/// A pinned copy of the binary (a concurrent build sharing the target directory cannot swap it).
fn pinned_bin(dir: &Path) -> PathBuf {
    let pinned = dir.join("renja");
    std::fs::copy(env!("CARGO_BIN_EXE_renja"), &pinned).unwrap();
    pinned
}

fn renja(bin: &Path, args: &[&str], password: Option<&str>) -> (i32, String, String) {
    let mut c = Command::new(bin);
    c.args(args).current_dir(ROOT).stdin(Stdio::null()).env_remove("RENJA_PASSWORD");
    if let Some(p) = password {
        c.env("RENJA_PASSWORD", p);
    }
    let o = c.output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg_attr(
    not(all(renja_tools = "sign", renja_tools = "poppler", renja_tools = "zbar")),
    ignore = "needs openssl, poppler-utils, zbarimg (tests/run.sh installs them)"
)]
#[test]
fn qr_code_and_text_of_the_visible_signature() {
    tools_present();
    let tmp = tempfile::Builder::new().prefix("tampilan-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = tmp.path();
    let bin = pinned_bin(dir);
    let pki = dir.join("pki");
    let st = Command::new("bash").arg(Path::new(ROOT).join("tests/support/pki.sh")).arg(&pki).env("PKI_PASSWORD", PASSWORD).output().unwrap();
    assert!(st.status.success(), "pki.sh: {}", String::from_utf8_lossy(&st.stderr));

    // Two final builds are byte-identical.
    let (a, b) = (dir.join("a"), dir.join("b"));
    for out in [&a, &b] {
        let (code, _, err) = renja(&bin, &["build", "--final", "content", "-o", out.to_str().unwrap(), "--format", "pdf"], None);
        assert_eq!(code, 0, "{err}");
    }
    let unsigned_path = a.join(format!("{SLUG}.pdf"));
    let unsigned = std::fs::read(&unsigned_path).unwrap();
    assert_eq!(unsigned, std::fs::read(b.join(format!("{SLUG}.pdf"))).unwrap(), "final builds differ");
    let text = String::from_utf8_lossy(&unsigned);
    assert_eq!(text.matches("/FT /Sig").count(), 1, "one signature field expected");

    // A draft has no signature field and is refused, writing nothing.
    let draft = dir.join("draft");
    let (code, _, err) = renja(&bin, &["build", "content", "-o", draft.to_str().unwrap(), "--format", "pdf"], None);
    assert_eq!(code, 0, "{err}");
    let draft_pdf = draft.join(format!("{SLUG}.pdf"));
    let (code, _, err) = renja(&bin, &["sign", draft_pdf.to_str().unwrap(), "--p12", pki.join("signer.p12").to_str().unwrap()], Some(PASSWORD));
    assert_eq!(code, 1, "signing a draft must fail: {err}");
    assert!(err.contains("--final"), "the message should point to `renja build --final`: {err}");
    assert!(!draft.join(format!("{SLUG}.ttd.pdf")).exists());

    // Sign with the PEM key and certificate.
    let signed = dir.join("signed.pdf");
    let (code, _, err) = renja(
        &bin,
        &[
            "sign",
            unsigned_path.to_str().unwrap(),
            "-o",
            signed.to_str().unwrap(),
            "--key",
            pki.join("signer.key").to_str().unwrap(),
            "--cert",
            pki.join("signer.pem").to_str().unwrap(),
            "--chain",
            pki.join("root.pem").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let signed_bytes = std::fs::read(&signed).unwrap();
    assert!(signed_bytes.starts_with(&unsigned), "the signature must be an incremental update of the final PDF");

    // The page with the signature block: the last one.
    let info = Command::new("pdfinfo").arg(&signed).output().unwrap();
    let pages: usize = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|v| v.trim().parse().unwrap()))
        .unwrap();
    let png = dir.join("hal");
    let last = pages.to_string();
    let st = Command::new("pdftoppm").args(["-png", "-r", "200", "-f", &last, "-l", &last]).arg(&signed).arg(&png).status().unwrap();
    assert!(st.success());
    let image = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).find(|p| p.extension().is_some_and(|x| x == "png")).unwrap();
    let z = Command::new("zbarimg").args(["-q", "--raw"]).arg(&image).output().unwrap();
    let payload = String::from_utf8_lossy(&z.stdout).trim().to_string();
    assert!(payload.starts_with("RENJA-TTE;v=1;"), "QR payload: {payload:?}");
    assert!(payload.contains(&format!("edisi={SLUG};")), "{payload}");
    assert!(payload.contains("nip=196407311990031007;"), "{payload}");
    let digest = hex(&Sha256::digest(&unsigned));
    assert!(payload.ends_with(&format!("sha256={digest}")), "QR must carry the SHA-256 of the unsigned final PDF {digest}: {payload}");

    // `renja verify` prints the same digest of the signed revision.
    let (code, out, err) = renja(&bin, &["verify", signed.to_str().unwrap()], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&digest), "verify should print the signed revision's SHA-256: {out}");
    assert!(out.contains("Tana Paser"), "default location from the edition: {out}");
    assert!(out.contains("Pengesahan Perubahan Renja Tahun 2022"), "default reason from the title: {out}");

    // The appearance text: signer, NIP, time in WITA (Kalimantan Timur), the BSrE sentence.
    let t = Command::new("pdftotext").args(["-f", &last, "-l", &last]).arg(&signed).arg("-").output().unwrap();
    let page = String::from_utf8_lossy(&t.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(page.contains("Ditandatangani secara elektronik oleh:"), "{page}");
    assert!(page.matches("NIP 19640731 199003 1 007").count() >= 2, "NIP in the appearance and under the name: {page}");
    assert!(page.contains(" WITA"), "signing time in the province's zone: {page}");
    assert!(page.contains("Balai Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara."), "{page}");
    // No draft mark in the final document.
    assert!(!page.contains("RANCANGAN"), "{page}");
}

/// Scanned signature and stamp images named in edisi.toml appear in the final document only.
#[cfg_attr(not(renja_tools = "poppler"), ignore = "needs poppler-utils (tests/run.sh installs them)")]
#[test]
fn signature_and_stamp_images_for_printed_copies() {
    common::require(&["poppler"]);
    let ws = common::workspace();
    let ed = ws.path().join("content");
    for (name, rgb) in [("ttd.png", [20u8, 20, 120]), ("stempel.png", [120u8, 20, 160])] {
        image::RgbImage::from_fn(120, 60, |x, y| if (x + y) % 7 == 0 { image::Rgb(rgb) } else { image::Rgb([255, 255, 255]) })
            .save(ed.join(name))
            .unwrap();
    }
    let toml = std::fs::read_to_string(ed.join("edisi.toml")).unwrap();
    let toml = toml.replace("nip = \"196407311990031007\"", "nip = \"196407311990031007\"\ngambar_ttd = \"ttd.png\"\nstempel = \"stempel.png\"");
    std::fs::write(ed.join("edisi.toml"), toml).unwrap();
    let count = |final_: bool| {
        let out = ws.path().join(if final_ { "final" } else { "draf" });
        let mut args = vec!["build", "content", "-o", out.to_str().unwrap(), "--format", "pdf"];
        if final_ {
            args.push("--final");
        }
        let o = common::renja(&args, ws.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let list = common::tool("pdfimages", &["-list", out.join(format!("{SLUG}.pdf")).to_str().unwrap()]);
        list.lines().skip(2).filter(|l| l.contains(" 120    60 ")).count()
    };
    assert_eq!(count(false), 0, "the draft shows no signature or stamp image");
    assert_eq!(count(true), 2, "the final document shows the signature and the stamp");

    // A missing image is a located error.
    let toml = std::fs::read_to_string(ed.join("edisi.toml")).unwrap().replace("stempel.png\"", "tidak-ada.png\"");
    std::fs::write(ed.join("edisi.toml"), toml).unwrap();
    let o = common::renja(&["check", "content"], ws.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("edisi.toml:") && err.contains("berkas gambar stempel 'tidak-ada.png' tidak ditemukan"), "{err}");
}
