//! `renja sign` and `renja verify` (issue #6, PAdES) checked against real third-party verifiers:
//! poppler's `pdfsig` (root trusted in an NSS database made with `certutil`) and pyHanko
//! (`pyhanko sign validate/adesverify/list`), plus `qpdf --check`, `pdfinfo -meta` and
//! `openssl cms -print` for the CMS structure. The test makes its own PKI with the openssl CLI
//! (tests/support/pki.sh: root CA, signer, expired signer, TSA, PKCS#12 and encrypted PKCS#8 key)
//! and, for B-T, runs a local RFC 3161 TSA on 127.0.0.1 (tests/support/tsa.py, `openssl ts -reply`
//! behind a small HTTP server). The final sample PDF is built once and signed once per test binary.
//! Needs openssl, poppler-utils, libnss3-tools, qpdf, pyhanko + pyhanko-cli (tests/run.sh installs
//! them); without them these tests skip locally and fail under CI=true.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

mod common;
use common::{ROOT, SLUG};

/// The password of the test PKCS#12 and encrypted PKCS#8 key: odd enough never to appear by chance.
const PASSWORD: &str = "Sandi#Uji-7f3qZ";
/// A wrong password, also checked never to be echoed.
const WRONG: &str = "salahSandi-91zqX";
/// The signer's common name (tests/support/pki.sh).
const SIGNER: &str = "Penandatangan Uji";

// ---------------------------------------------------------------------------------------------
// Tools: a real verifier is needed; under CI its absence fails the test, locally the test skips.

/// The "sign" tool group (the PKI, the sample and pdfsig: openssl, pdfsig, certutil, bash) plus
/// the groups in `extra` (tests/common/tools.rs); see `common::require`.
fn require(extra: &[&str]) {
    let all: Vec<&str> = ["sign"].iter().chain(extra).copied().collect();
    common::require(&all)
}

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.out, self.err)
    }
}

fn done(o: Output) -> Run {
    Run { code: o.status.code(), out: String::from_utf8_lossy(&o.stdout).into_owned(), err: String::from_utf8_lossy(&o.stderr).into_owned() }
}

fn run(cmd: &str, args: &[&str]) -> Run {
    done(Command::new(cmd).args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{cmd}: {e}")))
}

/// `renja ARGS` with RENJA_PASSWORD set to `password` (or unset), no standard input, no
/// controlling terminal (setsid) and a time limit, so a password prompt can never hang the test.
fn renja(args: &[&str], password: Option<&str>) -> Run {
    let mut c = Command::new("timeout");
    c.arg("120").arg("setsid").arg("-w").arg(bin()).args(args).current_dir(ROOT).stdin(Stdio::null());
    c.env_remove("RENJA_PASSWORD");
    if let Some(p) = password {
        c.env("RENJA_PASSWORD", p);
    }
    let r = done(c.output().expect("run renja"));
    assert_ne!(r.code, Some(124), "renja {args:?} timed out (waiting for a password prompt?)");
    r
}

/// The renja binary under test, pinned: a hard link (or copy) of the one cargo built for this
/// test binary, taken once, so a concurrent build sharing the target directory cannot swap it
/// mid-run.
fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let pinned = common::pinned_renja("sign-bin-");
        let built = Path::new(env!("CARGO_BIN_EXE_renja"));
        let help = Command::new(&pinned).args(["sign", "--help"]).output().unwrap();
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--p12"),
            "{} has no `renja sign --p12`: replaced by another build sharing the target directory?",
            built.display()
        );
        pinned
    })
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Fixture: one PKI, one NSS database, one final sample PDF, one signed copy per test binary.

struct Fx {
    dir: PathBuf,
    pki: PathBuf,
    nss: String,
    unsigned: PathBuf,
}

fn fx() -> &'static Fx {
    static FX: OnceLock<Fx> = OnceLock::new();
    FX.get_or_init(|| {
        let dir = common::kept_dir("sign-");
        let pki = dir.join("pki");
        let o = Command::new("bash")
            .arg(Path::new(ROOT).join("tests/support/pki.sh"))
            .arg(&pki)
            .env("PKI_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(o.status.success(), "pki.sh: {}", String::from_utf8_lossy(&o.stderr));
        let nss_dir = dir.join("nss");
        std::fs::create_dir_all(&nss_dir).unwrap();
        let nss = format!("sql:{}", nss_dir.display());
        let r = run("certutil", &["-N", "-d", &nss, "--empty-password"]);
        assert_eq!(r.code, Some(0), "certutil -N: {}", r.all());
        let r = run("certutil", &["-A", "-d", &nss, "-n", "root", "-t", "CT,C,C", "-i", s(&pki.join("root.pem"))]);
        assert_eq!(r.code, Some(0), "certutil -A: {}", r.all());
        let out = dir.join("out");
        let r = renja(&["build", "--final", "content", "-o", s(&out), "--format", "pdf"], None);
        assert_eq!(r.code, Some(0), "renja build --final: {}", r.all());
        let unsigned = out.join(format!("{SLUG}.pdf"));
        assert!(r.out.lines().any(|l| Path::new(l.trim()) == unsigned), "build did not print {}: {}", unsigned.display(), r.out);
        assert!(unsigned.exists());
        Fx { dir, pki, nss, unsigned }
    })
}

impl Fx {
    fn p(&self, name: &str) -> String {
        self.pki.join(name).to_str().unwrap().to_string()
    }

    /// A fresh path for a test's own output.
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A private copy of the unsigned final PDF (for tests that sign it themselves).
    fn copy_unsigned(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::copy(&self.unsigned, &p).unwrap();
        p
    }

    fn pdfsig(&self, pdf: &Path) -> Run {
        run("pdfsig", &["-nssdir", &self.nss, s(pdf)])
    }

    fn pyhanko(&self, cmd: &str, extra: &[&str], pdf: &Path) -> Run {
        let root = self.p("root.pem");
        let mut args = vec!["sign", cmd];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--trust", &root, "--trust-replace", s(pdf)]);
        run("pyhanko", &args)
    }
}

/// The sample signed once with the PKCS#12 (default output name beside a private input copy).
fn signed() -> &'static (PathBuf, Run) {
    static SIGNED: OnceLock<(PathBuf, Run)> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let f = fx();
        let input = f.copy_unsigned("good.pdf");
        let r = renja(&["sign", s(&input), "--p12", &f.p("signer.p12"), "--reason", "Pengesahan Renja", "--location", "Tana Paser"], Some(PASSWORD));
        assert_eq!(r.code, Some(0), "renja sign: {}", r.all());
        let out = f.path("good.ttd.pdf");
        assert!(out.exists(), "default output {} not written: {}", out.display(), r.all());
        (out, r)
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the signature out of the file.

/// The last /ByteRange in the file.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let key = b"/ByteRange";
    let at = pdf.windows(key.len()).rposition(|w| w == key).expect("no /ByteRange");
    let rest = String::from_utf8_lossy(&pdf[at + key.len()..(at + key.len() + 120).min(pdf.len())]).into_owned();
    let inner = &rest[rest.find('[').unwrap() + 1..rest.find(']').unwrap()];
    let v: Vec<usize> = inner.split_whitespace().map(|x| x.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

/// The CMS SignedData of the last signature (DER, padding removed).
fn cms_der(pdf: &[u8]) -> Vec<u8> {
    let br = byte_range(pdf);
    assert_eq!(pdf[br[1]], b'<', "/Contents does not start right at the end of the first range");
    assert_eq!(pdf[br[2] - 1], b'>', "/Contents does not end right at the start of the second range");
    let hex = std::str::from_utf8(&pdf[br[1] + 1..br[2] - 1]).unwrap();
    let bytes: Vec<u8> = (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    assert_eq!(bytes[0], 0x30, "not a DER SEQUENCE");
    let (len, hdr) = match bytes[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let k = (n & 0x7f) as usize;
            (bytes[2..2 + k].iter().fold(0usize, |a, b| a << 8 | *b as usize), 2 + k)
        }
    };
    bytes[..hdr + len].to_vec()
}

/// `openssl cms -cmsout -print` of the last signature, split into (signed attributes, unsigned
/// attributes and the rest after them, the whole print).
fn cms_print(pdf: &Path, name: &str) -> (String, String, String) {
    let der = fx().path(name);
    std::fs::write(&der, cms_der(&std::fs::read(pdf).unwrap())).unwrap();
    let r = run("openssl", &["cms", "-cmsout", "-print", "-inform", "DER", "-in", s(&der)]);
    assert_eq!(r.code, Some(0), "openssl cms -print: {}", r.all());
    let all = r.out;
    let signed_at = all.find("signedAttrs:").expect("no signed attributes");
    let sig_alg = signed_at + all[signed_at..].find("signatureAlgorithm:").unwrap();
    let signed = all[signed_at..sig_alg].to_string();
    let unsigned = all[sig_alg..].to_string();
    (signed, unsigned, all)
}

// ---------------------------------------------------------------------------------------------
// Tampering: a flipped byte, and unsigned incremental updates appended after signing.

/// Flips one bit of a byte inside the first signed range, away from /Contents: the case of a
/// letter in a /Title string, so the file still parses.
fn flip_one_byte(pdf: &[u8]) -> Vec<u8> {
    let br = byte_range(pdf);
    let key = b"/Title(";
    let at = pdf.windows(key.len()).position(|w| w == key).map(|i| i + key.len()).unwrap_or(br[1] / 2);
    assert!(at < br[1], "the flipped byte must lie in the signed range");
    let mut v = pdf.to_vec();
    v[at] ^= 0x20;
    v
}

/// Appends an incremental update with `objects` (number, serialized object) and, when given, a
/// new /Info: a classic xref table with /Prev, or an xref stream when the previous section is one.
fn append_update(pdf: &[u8], objects: &[(u32, Vec<u8>)], info: Option<u32>) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(pdf).expect("lopdf reads the signed PDF");
    let size = doc.trailer.get(b"Size").unwrap().as_i64().unwrap() as u32;
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let mut id = Vec::new();
    if let Ok(o) = doc.trailer.get(b"ID") {
        id.extend_from_slice(b"/ID ");
        lopdf::Writer::write_object(&mut id, o).unwrap();
    }
    let key = b"startxref";
    let at = pdf.windows(key.len()).rposition(|w| w == key).unwrap();
    let prev: usize = String::from_utf8_lossy(&pdf[at + key.len()..]).split_whitespace().next().unwrap().parse().unwrap();
    let table = pdf[prev..].starts_with(b"xref");
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut entries: Vec<(u32, usize)> = Vec::new();
    for (num, body) in objects {
        entries.push((*num, out.len()));
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let max = objects.iter().map(|o| o.0 + 1).max().unwrap_or(0).max(size);
    let info = info.map(|n| format!("/Info {n} 0 R")).unwrap_or_default();
    let xref_at = out.len();
    if table {
        entries.sort();
        out.extend_from_slice(b"xref\n");
        for (num, off) in &entries {
            out.extend_from_slice(format!("{num} 1\n{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(format!("trailer\n<</Size {max}/Root {} {} R{info}/Prev {prev}", root.0, root.1).as_bytes());
        out.extend_from_slice(&id);
        out.extend_from_slice(format!(">>\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    } else {
        let xnum = max;
        entries.push((xnum, xref_at));
        entries.sort();
        let mut data = Vec::new();
        for (_, off) in &entries {
            data.push(1u8);
            data.extend_from_slice(&(*off as u32).to_be_bytes());
            data.extend_from_slice(&[0, 0]);
        }
        let index: Vec<String> = entries.iter().map(|(n, _)| format!("{n} 1")).collect();
        out.extend_from_slice(
            format!(
                "{xnum} 0 obj\n<</Type/XRef/Size {}/Root {} {} R{info}/Prev {prev}/Index[{}]/W[1 4 2]/Length {}",
                xnum + 1,
                root.0,
                root.1,
                index.join(" "),
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&id);
        out.extend_from_slice(b">>\nstream\n");
        out.extend_from_slice(&data);
        out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    }
    out
}

/// An unsigned update that only adds an object and points /Info at it (harmless to viewers).
fn append_new_info(pdf: &[u8]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let n = doc.trailer.get(b"Size").unwrap().as_i64().unwrap() as u32;
    append_update(pdf, &[(n, b"<</Title(Diubah setelah ditandatangani)/Producer(uji)>>".to_vec())], Some(n))
}

/// An unsigned update that rotates page 1 (a visible change to signed content).
fn append_rotated_page(pdf: &[u8]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let page = doc.get_pages()[&1];
    let mut dict = doc.get_object(page).unwrap().as_dict().unwrap().clone();
    dict.set("Rotate", 90);
    let mut body = Vec::new();
    lopdf::Writer::write_object(&mut body, &lopdf::Object::Dictionary(dict)).unwrap();
    append_update(pdf, &[(page.0, body)], None)
}

// ---------------------------------------------------------------------------------------------
// The local TSA.

struct Tsa {
    _service: common::LocalService,
    url: String,
}

fn start_tsa() -> Tsa {
    let service = common::LocalService::start("tsa.py", &[&fx().pki]);
    let url = format!("http://127.0.0.1:{}/", service.port);
    Tsa { _service: service, url }
}

fn tsa_served(f: &Fx) -> usize {
    std::fs::read_to_string(f.pki.join("tsa.log")).unwrap_or_default().lines().filter(|l| l.starts_with("ok ")).count()
}

// ---------------------------------------------------------------------------------------------
// Assertions shared by several tests.

fn assert_pdfsig_valid(f: &Fx, pdf: &Path) -> String {
    let r = f.pdfsig(pdf);
    let t = r.all();
    assert!(t.contains("Signature Validation: Signature is Valid."), "pdfsig: {t}");
    assert!(t.contains("Total document signed"), "pdfsig: not the whole document: {t}");
    assert!(t.contains("Certificate Validation: Certificate is Trusted."), "pdfsig: chain not trusted: {t}");
    assert!(t.contains(&format!("Signer Certificate Common Name: {SIGNER}")), "pdfsig: {t}");
    assert!(t.contains("Signature Type: ETSI.CAdES.detached"), "pdfsig: {t}");
    assert!(t.contains("Signing Hash Algorithm: SHA-256"), "pdfsig: {t}");
    assert_eq!(t.matches("Signature #").count(), 1, "pdfsig: one signature expected: {t}");
    t
}

fn assert_pyhanko_valid(f: &Fx, pdf: &Path) -> (String, String) {
    let r = f.pyhanko("validate", &[], pdf);
    assert_eq!(r.code, Some(0), "pyhanko sign validate: {}", r.all());
    assert!(r.out.contains(":INTACT:TRUSTED,"), "pyhanko: {}", r.all());
    assert!(r.out.trim_end().ends_with("UNTOUCHED"), "pyhanko: modifications reported: {}", r.all());
    let pretty = f.pyhanko("validate", &["--pretty-print"], pdf);
    assert_eq!(pretty.code, Some(0), "{}", pretty.all());
    for line in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "The digest algorithm used was 'sha256'.",
        "The signature covers the entire file.",
        "The signature is judged VALID.",
    ] {
        assert!(pretty.out.contains(line), "pyhanko --pretty-print lacks {line:?}: {}", pretty.all());
    }
    (r.out, pretty.out)
}

fn assert_refused(r: &Run, out: &Path, words: &[&str]) {
    assert_eq!(r.code, Some(1), "expected exit 1: {}", r.all());
    assert!(!out.exists(), "{} was written although signing was refused", out.display());
    let err = r.all();
    assert!(!err.contains("panicked"), "{err}");
    for w in words {
        assert!(err.to_lowercase().contains(w), "message lacks {w:?}: {err}");
    }
    for secret in [PASSWORD, WRONG] {
        assert!(!err.contains(secret), "the password appears in the output: {err}");
    }
    assert!(!err.contains("PRIVATE KEY"), "key material in the output: {err}");
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "pyhanko")), ignore = "needs openssl, pdfsig, certutil, pyHanko (tests/run.sh installs them)")]
#[test]
fn signed_sample_validates_with_pdfsig_and_pyhanko() {
    require(&["pyhanko"]);
    let f = fx();
    let (out, r) = signed();
    assert!(r.out.lines().any(|l| Path::new(l.trim()) == out.as_path()), "sign did not print the output path: {}", r.out);
    assert!(!r.all().contains(PASSWORD), "password echoed: {}", r.all());
    let t = assert_pdfsig_valid(f, out);
    println!("pdfsig:\n{t}");
    let (line, pretty) = assert_pyhanko_valid(f, out);
    println!("pyhanko: {line}\n{pretty}");
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn signature_is_an_incremental_pades_b_b_over_the_whole_file() {
    require(&[]);
    let f = fx();
    let (out, _) = signed();
    let unsigned = std::fs::read(&f.unsigned).unwrap();
    let bytes = std::fs::read(out).unwrap();
    // Incremental: the final PDF is left byte for byte as it was, the signature follows it.
    assert!(bytes.len() > unsigned.len() && bytes[..unsigned.len()] == unsigned[..], "the signed file does not start with the unsigned PDF unchanged");
    let br = byte_range(&bytes);
    assert_eq!(br[0], 0, "{br:?}");
    assert!(br[1] > unsigned.len(), "the signature dictionary must be in the update: {br:?}");
    assert_eq!(br[2] + br[3], bytes.len(), "ByteRange does not reach the end of the file: {br:?}");
    assert!(br[2] - br[1] <= 2 + 2 * 16 * 1024, "/Contents slot over 16 KB: {br:?}");
    let text = String::from_utf8_lossy(&bytes[unsigned.len()..]).into_owned();
    assert!(text.contains("/SubFilter /ETSI.CAdES.detached") || text.contains("/SubFilter/ETSI.CAdES.detached"), "SubFilter");
    // CMS: SHA-256, the ESS signing-certificate-v2 attribute, no signing-time attribute (PAdES
    // baseline: the claimed time is /M in the signature dictionary), no timestamp without --tsa.
    let (signed_attrs, unsigned_attrs, all) = cms_print(out, "good.p7s");
    assert!(all.contains("(2.16.840.1.101.3.4.2.1)"), "no SHA-256 digest algorithm: {all}");
    assert!(signed_attrs.contains("(1.2.840.113549.1.9.3)"), "no content-type attribute: {signed_attrs}");
    assert!(signed_attrs.contains("(1.2.840.113549.1.9.4)"), "no message-digest attribute: {signed_attrs}");
    assert!(signed_attrs.contains("(1.2.840.113549.1.9.16.2.47)"), "no signing-certificate-v2 attribute: {signed_attrs}");
    assert!(!signed_attrs.contains("(1.2.840.113549.1.9.5)"), "PAdES B-B forbids the CMS signing-time attribute: {signed_attrs}");
    assert!(!unsigned_attrs.contains("(1.2.840.113549.1.9.16.2.14)"), "a timestamp token without --tsa");
    assert!(all.contains("CN=Penandatangan Uji") || all.contains(SIGNER), "signer certificate not embedded");
    assert!(text.contains("/M"), "no signing time (/M) in the signature dictionary");
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "pyhanko")), ignore = "needs openssl, pdfsig, certutil, pyHanko (tests/run.sh installs them)")]
#[test]
fn the_empty_field_of_the_final_pdf_is_the_one_signed() {
    require(&["pyhanko"]);
    let f = fx();
    let before = run("pyhanko", &["sign", "list", s(&f.unsigned)]);
    assert_eq!(before.code, Some(0), "{}", before.all());
    let fields: Vec<&str> = before.out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(fields.len(), 1, "the final PDF should carry exactly one signature field: {}", before.out);
    let name = fields[0].strip_suffix(":EMPTY").unwrap_or_else(|| panic!("the field is not empty: {}", fields[0]));
    let (out, _) = signed();
    let after = run("pyhanko", &["sign", "list", s(out)]);
    let fields: Vec<&str> = after.out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(fields, vec![format!("{name}:FILLED").as_str()], "signing must fill the existing field: {}", after.out);
    assert!(f.pdfsig(out).out.contains(&format!("Signature Field Name: {name}")));
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "poppler")), ignore = "needs openssl, pdfsig, certutil, poppler-utils (tests/run.sh installs them)")]
#[test]
fn visible_signature_is_printed_in_the_signature_block() {
    require(&["poppler"]);
    let f = fx();
    let (out, _) = signed();
    let tte = common::squash("Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh Balai Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.");
    let before = common::squash(&run("pdftotext", &["-raw", s(&f.unsigned), "-"]).out);
    let after = common::squash(&run("pdftotext", &["-raw", s(out), "-"]).out);
    assert!(!before.contains(&tte), "the unsigned final PDF already claims an electronic signature");
    assert!(after.contains(&tte), "the TTE sentence is not on the signed page");
    let block = &after[after.find(&tte).map(|i| i.saturating_sub(400)).unwrap()..];
    assert!(block.contains(&common::squash("NIP 19640731 199003 1 007")), "signer's NIP not in the visible signature");
    // The widget: filled (/V), printable (PDF/A), with a normal appearance stream.
    let doc = lopdf::Document::load(out).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let form = doc.get_dictionary(root).unwrap().get(b"AcroForm").unwrap();
    let form = match form {
        lopdf::Object::Reference(r) => doc.get_dictionary(*r).unwrap(),
        o => o.as_dict().unwrap(),
    };
    let mut signed_fields = 0;
    for fr in form.get(b"Fields").unwrap().as_array().unwrap() {
        let d = doc.get_dictionary(fr.as_reference().unwrap()).unwrap();
        if d.get(b"FT").ok().and_then(|o| o.as_name().ok()) != Some(b"Sig".as_slice()) || d.get(b"V").is_err() {
            continue;
        }
        signed_fields += 1;
        let flags = d.get(b"F").and_then(|o| o.as_i64()).unwrap_or(0);
        assert!(flags & 4 != 0, "signature widget without the Print flag: /F {flags}");
        let ap = d.get(b"AP").expect("signature widget without /AP");
        let ap = match ap {
            lopdf::Object::Reference(r) => doc.get_dictionary(*r).unwrap(),
            o => o.as_dict().unwrap(),
        };
        assert!(ap.get(b"N").is_ok(), "no normal appearance");
    }
    assert_eq!(signed_fields, 1, "one filled signature field expected");
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "qpdf", renja_tools = "poppler")), ignore = "needs openssl, pdfsig, certutil, qpdf, poppler-utils (tests/run.sh installs them)")]
#[test]
fn signed_pdf_still_declares_pdfa_2b_and_passes_qpdf_check() {
    require(&["qpdf", "poppler"]);
    let (out, _) = signed();
    let r = run("qpdf", &["--check", s(out)]);
    assert_eq!(r.code, Some(0), "qpdf --check: {}", r.all());
    assert!(r.out.contains("No syntax or stream encoding errors found"), "qpdf --check: {}", r.all());
    let meta = run("pdfinfo", &["-meta", s(out)]);
    assert_eq!(meta.code, Some(0), "{}", meta.all());
    let x = meta.out;
    assert!(x.contains("pdfaid:part>2<") || x.contains("pdfaid:part=\"2\""), "PDF/A-2 no longer declared: {x}");
    assert!(x.contains("pdfaid:conformance>B<") || x.contains("pdfaid:conformance=\"B\""), "PDF/A-2b conformance no longer declared: {x}");
    let info = run("pdfinfo", &[s(out)]);
    assert!(info.out.contains("Title:           Perubahan Renja Tahun 2022"), "{}", info.out);
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn renja_verify_names_the_signer_and_the_whole_file_coverage() {
    require(&[]);
    let (out, _) = signed();
    let r = renja(&["verify", s(out)], None);
    assert_eq!(r.code, Some(0), "renja verify on the good file: {}", r.all());
    assert!(r.out.contains(SIGNER), "signer not named: {}", r.all());
    let br = byte_range(&std::fs::read(out).unwrap());
    for n in [br[1], br[2]] {
        assert!(r.out.contains(&n.to_string()), "byte range {br:?} not shown: {}", r.out);
    }
    let o = r.out.to_lowercase();
    assert!(o.contains("seluruh"), "whole-file coverage not stated: {}", r.out);
    println!("renja verify:\n{}", r.out);
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn renja_verify_with_ca_judges_the_certificate_chain_as_pdfsig_does() {
    require(&[]);
    let f = fx();
    let (out, _) = signed();
    // Without --ca the trust in the signer's certificate is not judged, and the output says so.
    let r = renja(&["verify", s(out)], None);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(r.out.contains("kepercayaan   : tidak diperiksa"), "{}", r.out);
    // The root that issued the signer's certificate: trusted.
    let r = renja(&["verify", s(out), "--ca", &f.p("root.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(r.out.contains(&format!("DIPERCAYA, diperiksa saat ini (rantai: {SIGNER} → Renja Uji Root CA)")), "{}", r.out);
    // Only another root: not trusted, exit 1, naming the root the chain ends at.
    let r = renja(&["verify", s(out), "--ca", &f.p("other-root.pem")], None);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.out.contains("TIDAK DIPERCAYA") && r.out.contains("akar 'Renja Uji Root CA'"), "{}", r.out);
    // Several --ca: one that leads to the signer is enough.
    let r = renja(&["verify", s(out), "--ca", &f.p("other-root.pem"), "--ca", &f.p("root.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());

    // A signer under an intermediate CA: the intermediate carried in the signature is followed.
    let input = f.copy_unsigned("antara.pdf");
    let chained = f.path("antara-ttd.pdf");
    let r = renja(&["sign", s(&input), "-o", s(&chained), "--key", &f.p("signer-inter.key"), "--cert", &f.p("signer-inter.pem"), "--chain", &f.p("inter.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());
    let r = renja(&["verify", s(&chained), "--ca", &f.p("root.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(r.out.contains("rantai: Penandatangan Antara → Renja Uji CA Antara → Renja Uji Root CA"), "{}", r.out);
    let p = f.pdfsig(&chained).all();
    assert!(p.contains("Certificate Validation: Certificate is Trusted."), "pdfsig disagrees: {p}");
    // Trusting the intermediate itself is enough too.
    let r = renja(&["verify", s(&chained), "--ca", &f.p("inter.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());

    // Signed without the intermediate: no path to the root, for renja as for pdfsig.
    let broken = f.path("antara-tanpa-rantai-ttd.pdf");
    let r = renja(&["sign", s(&input), "-o", s(&broken), "--key", &f.p("signer-inter.key"), "--cert", &f.p("signer-inter.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());
    let r = renja(&["verify", s(&broken), "--ca", &f.p("root.pem")], None);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.out.contains("TIDAK DIPERCAYA") && r.out.contains("CN=Renja Uji CA Antara"), "{}", r.out);
    let p = f.pdfsig(&broken).all();
    assert!(!p.contains("Certificate is Trusted."), "pdfsig trusts what renja does not: {p}");

    // A --ca file that holds no certificate is a usage error, before anything is judged.
    let r = renja(&["verify", s(out), "--ca", &f.p("signer.key")], None);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(r.err.contains("bukan sertifikat X.509") && r.err.contains("signer.key"), "{}", r.all());
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn certificates_are_judged_at_the_time_checked() {
    require(&[]);
    use renja::sign::trust::{judge, load_anchors};
    let f = fx();
    let root = load_anchors(Path::new(&f.p("root.pem"))).unwrap();
    let expired = load_anchors(Path::new(&f.p("expired.pem"))).unwrap().remove(0);
    // Valid 2020-01-01 .. 2021-01-01: trusted in mid-2020 (a timestamp proving that time), not now.
    let mid_2020 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_590_969_600);
    assert_eq!(judge(&expired, &[], &root, mid_2020).unwrap(), vec!["Penandatangan Kedaluwarsa", "Renja Uji Root CA"]);
    let now = judge(&expired, &[], &root, std::time::SystemTime::now()).unwrap_err().to_string();
    assert!(now.contains("kedaluwarsa") && now.contains("2021"), "{now}");
    let before = judge(&expired, &[], &root, std::time::UNIX_EPOCH).unwrap_err().to_string();
    assert!(before.contains("belum berlaku"), "{before}");
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn renja_verify_without_signature_or_pdf_fails() {
    require(&[]);
    let f = fx();
    let r = renja(&["verify", s(&f.unsigned)], None);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.all().contains("tidak ada tanda tangan"), "{}", r.all());
    let not_pdf = f.path("bukan.pdf");
    std::fs::write(&not_pdf, "ini bukan PDF\n").unwrap();
    let r = renja(&["verify", s(&not_pdf)], None);
    assert_eq!(r.code, Some(2), "{}", r.all());
    let r = renja(&["verify", s(&f.path("tidak-ada.pdf"))], None);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(!r.all().contains("panicked"));
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "pyhanko")), ignore = "needs openssl, pdfsig, certutil, pyHanko (tests/run.sh installs them)")]
#[test]
fn one_flipped_byte_is_caught_by_every_verifier() {
    require(&["pyhanko"]);
    let f = fx();
    let (out, _) = signed();
    let bad = f.path("flipped.pdf");
    std::fs::write(&bad, flip_one_byte(&std::fs::read(out).unwrap())).unwrap();
    let t = f.pdfsig(&bad).all();
    assert!(!t.contains("Signature is Valid"), "pdfsig still valid: {t}");
    assert!(t.contains("Signature Validation: Digest Mismatch."), "pdfsig: {t}");
    let p = f.pyhanko("validate", &[], &bad);
    assert_ne!(p.code, Some(0), "pyhanko accepted a tampered file: {}", p.all());
    assert!(p.out.contains(":INVALID"), "pyhanko: {}", p.all());
    let r = renja(&["verify", s(&bad)], None);
    assert_eq!(r.code, Some(1), "renja verify accepted a tampered file: {}", r.all());
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "pyhanko", renja_tools = "qpdf")), ignore = "needs openssl, pdfsig, certutil, pyHanko, qpdf (tests/run.sh installs them)")]
#[test]
fn unsigned_update_after_signing_is_flagged() {
    require(&["pyhanko", "qpdf"]);
    let f = fx();
    let (out, _) = signed();
    let good = std::fs::read(out).unwrap();

    // A harmless-looking update (new /Info): still a change after the signature.
    let info = f.path("appended-info.pdf");
    std::fs::write(&info, append_new_info(&good)).unwrap();
    let q = run("qpdf", &["--check", s(&info)]);
    assert_eq!(q.code, Some(0), "the appended update itself must be well-formed: {}", q.all());
    let r = renja(&["verify", s(&info)], None);
    assert_eq!(r.code, Some(1), "renja verify ignored content appended after the signature: {}", r.all());
    assert!(r.out.contains(SIGNER) && !r.out.contains("seluruh berkas"), "renja verify still claims whole-file coverage: {}", r.out);
    let t = f.pdfsig(&info).all();
    assert!(t.contains("Not total document signed"), "pdfsig: {t}");
    // pyHanko counts a new /Info as "signature maintenance" (still judged VALID), but says so.
    let pp = f.pyhanko("validate", &["--pretty-print"], &info);
    assert!(pp.out.contains("The signature does not cover the entire file."), "pyhanko saw no modification: {}", pp.all());
    assert!(!pp.out.contains("The signature covers the entire file."), "pyhanko: {}", pp.all());

    // A visible change to the signed pages: pyHanko rejects it outright.
    let rot = f.path("appended-rotate.pdf");
    std::fs::write(&rot, append_rotated_page(&good)).unwrap();
    let r = renja(&["verify", s(&rot)], None);
    assert_eq!(r.code, Some(1), "renja verify: {}", r.all());
    let p = f.pyhanko("validate", &[], &rot);
    assert_ne!(p.code, Some(0), "pyhanko accepted a rotated page after signing: {}", p.all());
    assert!(p.out.contains("ILLEGAL_MODIFICATIONS"), "pyhanko: {}", p.all());
    assert!(f.pdfsig(&rot).all().contains("Not total document signed"));
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "pyhanko", renja_tools = "python")), ignore = "needs openssl, pdfsig, certutil, pyHanko, python3 (tests/run.sh installs them)")]
#[test]
fn timestamped_signature_is_b_t_with_a_trusted_tsa() {
    require(&["pyhanko", "python"]);
    let f = fx();
    let tsa = start_tsa();
    let before = tsa_served(f);
    let input = f.copy_unsigned("tsa.pdf");
    let out = f.path("tsa-ttd.pdf");
    let r = renja(&["sign", s(&input), "-o", s(&out), "--p12", &f.p("signer.p12"), "--tsa", &tsa.url], Some(PASSWORD));
    assert_eq!(r.code, Some(0), "renja sign --tsa: {}", r.all());
    assert!(tsa_served(f) > before, "the TSA was never asked");
    assert_pdfsig_valid(f, &out);
    let (line, pretty) = assert_pyhanko_valid(f, &out);
    assert!(line.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "pyhanko: no trusted timestamp: {line}");
    for l in ["This timestamp is backed by a time stamping authority.", "The timestamp token is cryptographically sound.", "TSA certificate subject: \"Common Name: Renja Uji TSA", "The TSA certificate is trusted."] {
        assert!(pretty.contains(l), "pyhanko --pretty-print lacks {l:?}: {pretty}");
    }
    // AdES validation (no revocation data exists for a test PKI).
    let a = f.pyhanko("adesverify", &["--no-revocation-check"], &out);
    assert_eq!(a.code, Some(0), "pyhanko sign adesverify: {}", a.all());
    assert!(a.out.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "adesverify: {}", a.all());
    let (_, unsigned_attrs, _) = cms_print(&out, "tsa.p7s");
    assert!(unsigned_attrs.contains("(1.2.840.113549.1.9.16.2.14)"), "no signature-time-stamp-token unsigned attribute: {unsigned_attrs}");
    let v = renja(&["verify", s(&out)], None);
    assert_eq!(v.code, Some(0), "renja verify on the B-T file: {}", v.all());
    println!("pyhanko (B-T): {line}");
    drop(tsa);

    // A TSA that does not answer: refused, nothing written (no silent fallback to B-B).
    let out2 = f.path("tsa-down.pdf");
    let r = renja(&["sign", s(&input), "-o", s(&out2), "--p12", &f.p("signer.p12"), "--tsa", "http://127.0.0.1:9/"], Some(PASSWORD));
    assert_ne!(r.code, Some(0), "signed without the requested timestamp: {}", r.all());
    assert!(!out2.exists(), "a file was written although the TSA was down");
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn pem_key_and_chain_sign_too() {
    require(&[]);
    let f = fx();
    // Encrypted PKCS#8 key, password from the environment.
    let input = f.copy_unsigned("pem.pdf");
    let out = f.path("pem-ttd.pdf");
    let r = renja(&["sign", s(&input), "-o", s(&out), "--key", &f.p("signer-enc.key"), "--cert", &f.p("signer.pem"), "--chain", &f.p("root.pem")], Some(PASSWORD));
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(!r.all().contains(PASSWORD));
    assert_pdfsig_valid(f, &out);
    // An unencrypted key needs no password (and no terminal).
    let out = f.path("pem-plain-ttd.pdf");
    let r = renja(&["sign", s(&input), "-o", s(&out), "--key", &f.p("signer.key"), "--cert", &f.p("signer.pem")], None);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert_pdfsig_valid(f, &out);
}

#[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
#[test]
fn refusals_write_nothing_and_never_echo_the_password() {
    require(&[]);
    let f = fx();
    let input = f.copy_unsigned("refuse.pdf");
    let default_out = f.path("refuse.ttd.pdf");
    let p12 = f.p("signer.p12");

    // Wrong PKCS#12 password.
    let r = renja(&["sign", s(&input), "--p12", &p12], Some(WRONG));
    assert_refused(&r, &default_out, &["kata sandi"]);
    // Wrong password of an encrypted PKCS#8 key.
    let r = renja(&["sign", s(&input), "--key", &f.p("signer-enc.key"), "--cert", &f.p("signer.pem")], Some(WRONG));
    assert_refused(&r, &default_out, &["kata sandi"]);
    // Expired certificate (right password).
    let r = renja(&["sign", s(&input), "--p12", &f.p("expired.p12")], Some(PASSWORD));
    assert_refused(&r, &default_out, &["kedaluwarsa"]);
    let r = renja(&["sign", s(&input), "--key", &f.p("expired.key"), "--cert", &f.p("expired.pem")], None);
    assert_refused(&r, &default_out, &["kedaluwarsa"]);
    // Key not matching the certificate.
    let r = renja(&["sign", s(&input), "--key", &f.p("other.key"), "--cert", &f.p("signer.pem")], None);
    assert_refused(&r, &default_out, &["tidak cocok"]);
    // No password and no terminal to ask on.
    let r = renja(&["sign", s(&input), "--p12", &p12], None);
    assert_ne!(r.code, Some(0), "signed without a password: {}", r.all());
    assert!(!default_out.exists());
    // The password is never a command-line argument.
    let r = renja(&["sign", s(&input), "--p12", &p12, "--password", PASSWORD], None);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(!default_out.exists());
    // Usage and I/O errors: exit 2.
    let r = renja(&["sign", s(&input)], Some(PASSWORD));
    assert_eq!(r.code, Some(2), "no key given: {}", r.all());
    let r = renja(&["sign", s(&f.path("tidak-ada.pdf")), "--p12", &p12], Some(PASSWORD));
    assert_eq!(r.code, Some(2), "missing input: {}", r.all());
    assert!(!r.all().contains(PASSWORD));
    let r = renja(&["sign", s(&input), "--p12", &f.p("tidak-ada.p12")], Some(PASSWORD));
    assert_eq!(r.code, Some(2), "missing PKCS#12: {}", r.all());
    assert!(!default_out.exists());
    // The unsigned input is untouched by all of this.
    assert_eq!(std::fs::read(&input).unwrap(), std::fs::read(&f.unsigned).unwrap());
}

#[cfg_attr(not(all(renja_tools = "sign", renja_tools = "pyhanko", renja_tools = "python")), ignore = "needs openssl, pdfsig, certutil, pyHanko, python3 (tests/run.sh installs them)")]
#[test]
fn harness_self_check_pyhanko_signature_validates_the_same_way() {
    // Checks the verifier assertions and the TSA independently of renja's signer: pyHanko signs
    // the final PDF (B-T through the local TSA); pdfsig, pyHanko and the tamper checks must agree.
    require(&["pyhanko", "python"]);
    let f = fx();
    let tsa = start_tsa();
    let out = f.path("pyhanko-signed.pdf");
    // Into the final PDF's empty field when it has one (else a new field on page 1).
    let list = run("pyhanko", &["sign", "list", s(&f.unsigned)]);
    let field = list.out.lines().find_map(|l| l.strip_suffix(":EMPTY")).map(str::to_string).unwrap_or_else(|| "1/100,100,300,200/UjiHarness".into());
    let r = run(
        "pyhanko",
        &[
            "sign", "addsig", "--use-pades", "--timestamp-url", &tsa.url, "--field", &field, "pemder", "--key", &f.p("signer.key"), "--cert", &f.p("signer.pem"),
            "--chain", &f.p("root.pem"), "--no-pass", s(&f.unsigned), s(&out),
        ],
    );
    assert_eq!(r.code, Some(0), "pyhanko addsig: {}", r.all());
    assert_pdfsig_valid(f, &out);
    let (line, _) = assert_pyhanko_valid(f, &out);
    assert!(line.contains("TIMESTAMP_TOKEN<INTACT:TRUSTED>"), "{line}");
    let bytes = std::fs::read(&out).unwrap();
    let bad = f.path("pyhanko-flipped.pdf");
    std::fs::write(&bad, flip_one_byte(&bytes)).unwrap();
    assert!(f.pdfsig(&bad).all().contains("Digest Mismatch"));
    assert_ne!(f.pyhanko("validate", &[], &bad).code, Some(0));
    let app = f.path("pyhanko-appended.pdf");
    std::fs::write(&app, append_new_info(&bytes)).unwrap();
    assert!(!f.pyhanko("validate", &[], &app).out.contains("UNTOUCHED"));
    assert!(f.pdfsig(&app).all().contains("Not total document signed"));
    let rot = f.path("pyhanko-rotated.pdf");
    std::fs::write(&rot, append_rotated_page(&bytes)).unwrap();
    assert!(f.pyhanko("validate", &[], &rot).out.contains("ILLEGAL_MODIFICATIONS"));
    let (_, unsigned_attrs, _) = cms_print(&out, "pyhanko.p7s");
    assert!(unsigned_attrs.contains("(1.2.840.113549.1.9.16.2.14)"));
    let _ = std::io::stdout().flush();
}
