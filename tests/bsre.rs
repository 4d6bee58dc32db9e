//! `renja sign --bsre` and `renja verify --bsre` (issue #20) against a local stand-in of BSrE's
//! Esign Client Service (tests/support/bsre_standin.py): it implements the documented v2 JSON and
//! v1 multipart endpoints, really signs with pyHanko and the test PKI of tests/support/pki.sh,
//! records every request, and can be told to misbehave. Checked: renja's requests field by field
//! against the contract; the returned PDF with `renja verify`, pdfsig and pyHanko; every error
//! answer's message and exit code; tampered answers refused with nothing written; a hanging
//! service timing out. The stand-in binds 127.0.0.1 on a free port.
//! Needs openssl, pdfsig, certutil, zbarimg, python3 with pyHanko and Pillow (tests/run.sh).

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

mod common;
use common::{ROOT, SLUG};

/// The PKCS#12 password of the test PKI (not used by BSrE signing; pki.sh needs one).
const PKI_PASSWORD: &str = "Pki#Bsre-uji-31";
/// The signer's BSrE passphrase, odd enough never to appear by chance.
const PASSPHRASE: &str = "Frasa#Bsre-8Qz";
const WRONG: &str = "frasaSalah-77Kx";
const TOTP: &str = "482913";
/// The client application's HTTP Basic credentials.
const CLIENT_USER: &str = "renja-klien";
const CLIENT_PASSWORD: &str = "Klien#Sandi-5tq";
const NIK_OK: &str = "6301011234560001";
const NIK_EXPIRED: &str = "6301011234560002";
const NIK_REVOKED: &str = "6301011234560003";
const NIK_UNKNOWN: &str = "6301011234560009";
/// The signer's common name (tests/support/pki.sh).
const SIGNER: &str = "Penandatangan Uji";

fn tools() -> bool {
    if !common::require_tools(&["openssl", "pdfsig", "certutil", "zbarimg", "python3", "pyhanko", "bash"]) {
        return false;
    }
    let ok = Command::new("python3").args(["-c", "import pyhanko, PIL, pyhanko_certvalidator"]).status().map(|s| s.success()).unwrap_or(false);
    if !ok && std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("python3 with pyHanko and Pillow required under CI=true (tests/run.sh installs them)");
    }
    ok
}

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
    took: Duration,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.out, self.err)
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `renja ARGS` with RENJA_PASSWORD set (or unset), no terminal, no standard input, a time limit.
fn renja(args: &[&str], secret: Option<&str>) -> Run {
    let mut c = Command::new("timeout");
    c.arg("120").arg("setsid").arg("-w").arg(bin()).args(args).current_dir(ROOT).stdin(Stdio::null());
    c.env_remove("RENJA_PASSWORD").env_remove("RENJA_BSRE_CONFIG");
    if let Some(p) = secret {
        c.env("RENJA_PASSWORD", p);
    }
    let t = Instant::now();
    let o: Output = c.output().expect("run renja");
    let r = Run { code: o.status.code(), out: String::from_utf8_lossy(&o.stdout).into_owned(), err: String::from_utf8_lossy(&o.stderr).into_owned(), took: t.elapsed() };
    assert_ne!(r.code, Some(124), "renja {args:?} timed out");
    r
}

fn run(cmd: &str, args: &[&str]) -> Run {
    let t = Instant::now();
    let o = Command::new(cmd).args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    Run { code: o.status.code(), out: String::from_utf8_lossy(&o.stdout).into_owned(), err: String::from_utf8_lossy(&o.stderr).into_owned(), took: t.elapsed() }
}

/// A pinned copy of the binary, so a concurrent build cannot swap it mid-run.
fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| common::pinned_renja("bsre-bin-"))
}

// ---------------------------------------------------------------------------------------------
// Fixture: the PKI, pdfsig's trust database, the final sample PDF.

struct Fx {
    dir: PathBuf,
    pki: PathBuf,
    nss: String,
    unsigned: PathBuf,
}

fn fx() -> &'static Fx {
    static FX: OnceLock<Fx> = OnceLock::new();
    FX.get_or_init(|| {
        let dir = common::kept_dir("bsre-");
        let pki = dir.join("pki");
        let o = Command::new("bash").arg(Path::new(ROOT).join("tests/support/pki.sh")).arg(&pki).env("PKI_PASSWORD", PKI_PASSWORD).output().unwrap();
        assert!(o.status.success(), "pki.sh: {}", String::from_utf8_lossy(&o.stderr));
        let nss_dir = dir.join("nss");
        std::fs::create_dir_all(&nss_dir).unwrap();
        let nss = format!("sql:{}", nss_dir.display());
        assert_eq!(run("certutil", &["-N", "-d", &nss, "--empty-password"]).code, Some(0));
        assert_eq!(run("certutil", &["-A", "-d", &nss, "-n", "root", "-t", "CT,C,C", "-i", s(&pki.join("root.pem"))]).code, Some(0));
        let out = dir.join("out");
        let r = renja(&["build", "--final", "content", "-o", s(&out), "--format", "pdf"], None);
        assert_eq!(r.code, Some(0), "renja build --final: {}", r.all());
        let unsigned = out.join(format!("{SLUG}.pdf"));
        assert!(unsigned.exists());
        Fx { dir, pki, nss, unsigned }
    })
}

impl Fx {
    /// A private copy of the unsigned final PDF.
    fn input(&self, name: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::copy(&self.unsigned, &p).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

// ---------------------------------------------------------------------------------------------
// The stand-in.

struct StandIn {
    _service: common::LocalService,
    url: String,
    state: PathBuf,
}

impl StandIn {
    fn start(name: &str) -> StandIn {
        let f = fx();
        let state = f.path(&format!("standin-{name}"));
        std::fs::create_dir_all(&state).unwrap();
        let config = serde_json::json!({
            "user": CLIENT_USER, "password": CLIENT_PASSWORD, "passphrase": PASSPHRASE, "totp": TOTP,
            "nik": { NIK_OK: "ok", NIK_EXPIRED: "expired", NIK_REVOKED: "revoked" },
        });
        std::fs::write(state.join("config.json"), config.to_string()).unwrap();
        let service = common::LocalService::start("bsre_standin.py", &[&f.pki, &state]);
        let url = format!("http://127.0.0.1:{}", service.port);
        StandIn { _service: service, url, state }
    }

    fn mode(&self, m: &str) {
        std::fs::write(self.state.join("mode"), m).unwrap();
    }

    /// Every request recorded so far.
    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state.join("requests.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn blob(&self, n: u64, name: &str) -> Vec<u8> {
        std::fs::read(self.state.join(format!("req-{n}-{name}.bin"))).unwrap()
    }

    /// A client configuration file (mode 0600) with these credentials and extra lines.
    fn config(&self, name: &str, password: &str, extra: &str) -> PathBuf {
        let p = self.state.join(name);
        std::fs::write(&p, format!("# kredensial klien Esign Client Service\npengguna = \"{CLIENT_USER}\"\nsandi = \"{password}\"\n{extra}")).unwrap();
        set_mode(&p, 0o600);
        p
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn sha256_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// `renja sign INPUT -o OUT --bsre URL --nik NIK --bsre-config CONFIG EXTRA…`.
fn sign(input: &Path, out: &Path, url: &str, nik: &str, config: &Path, extra: &[&str], secret: Option<&str>) -> Run {
    let mut args = vec!["sign", s(input), "-o", s(out), "--bsre", url, "--nik", nik, "--bsre-config", s(config)];
    args.extend_from_slice(extra);
    renja(&args, secret)
}

fn assert_clean_refusal(r: &Run, out: &Path, code: i32, words: &[&str]) {
    assert_eq!(r.code, Some(code), "expected exit {code}: {}", r.all());
    assert!(!out.exists(), "{} was written although signing failed", out.display());
    let all = r.all();
    assert!(!all.contains("panicked"), "{all}");
    assert!(all.contains("tidak ada berkas yang ditulis"), "{all}");
    for w in words {
        assert!(all.to_lowercase().contains(&w.to_lowercase()), "message lacks {w:?}: {all}");
    }
    for secret in [PASSPHRASE, WRONG, CLIENT_PASSWORD] {
        assert!(!all.contains(secret), "a secret appears in the output: {all}");
    }
}

fn assert_three_verifiers_accept(f: &Fx, out: &Path) {
    let r = renja(&["verify", s(out), "--ca", s(&f.pki.join("root.pem"))], None);
    assert_eq!(r.code, Some(0), "renja verify: {}", r.all());
    assert!(r.out.contains(&format!("DIPERCAYA, diperiksa saat ini (rantai: {SIGNER} → Renja Uji Root CA)")), "{}", r.out);
    assert!(r.out.contains("cakupan       : seluruh berkas"), "{}", r.out);
    let p = run("pdfsig", &["-nssdir", &f.nss, s(out)]).all();
    assert!(p.contains("Signature Validation: Signature is Valid."), "pdfsig: {p}");
    assert!(p.contains("Total document signed"), "pdfsig: {p}");
    assert!(p.contains("Certificate Validation: Certificate is Trusted."), "pdfsig: {p}");
    assert!(p.contains(&format!("Signer Certificate Common Name: {SIGNER}")), "pdfsig: {p}");
    let root = f.pki.join("root.pem");
    let v = run("pyhanko", &["sign", "validate", "--trust", s(&root), "--trust-replace", s(out)]);
    assert_eq!(v.code, Some(0), "pyhanko: {}", v.all());
    assert!(v.out.contains(":INTACT:TRUSTED,") && v.out.trim_end().ends_with("UNTOUCHED"), "pyhanko: {}", v.all());
}

/// The PNG's width and height (IHDR).
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.011
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn v2_request_matches_the_contract_and_the_result_passes_three_verifiers() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("v2");
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let input = f.input("v2.pdf");
    let out = f.path("v2-ttd.pdf");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &[], Some(PASSPHRASE));
    assert_eq!(r.code, Some(0), "renja sign --bsre: {}", r.all());
    assert_eq!(r.out.trim(), s(&out), "{}", r.all());
    assert!(!r.all().contains(PASSPHRASE) && !r.all().contains(CLIENT_PASSWORD), "a secret was echoed: {}", r.all());

    // The request, field by field.
    let sent = std::fs::read(&input).unwrap();
    let field = renja::sign::empty_field(&sent).unwrap();
    let reqs = bsre.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let q = &reqs[0];
    assert_eq!(q["path"], "/api/v2/sign/pdf");
    assert_eq!(q["content_type"], "application/json");
    let basic = format!("Basic {}", base64_encode(format!("{CLIENT_USER}:{CLIENT_PASSWORD}").as_bytes()));
    assert_eq!(q["authorization"], basic.as_str());
    assert_eq!(q["json_keys"], serde_json::json!(["nik", "passphrase", "signatureProperties", "file"]));
    let j = &q["json"];
    assert_eq!(j["nik"], NIK_OK);
    assert_eq!(j["passphrase"], PASSPHRASE);
    let props = j["signatureProperties"].as_array().unwrap();
    assert_eq!(props.len(), 1);
    let p = props[0].as_object().unwrap();
    let keys: Vec<&str> = p.keys().map(String::as_str).collect();
    assert_eq!(keys, ["tampilan", "imageBase64", "page", "originX", "originY", "width", "height", "location", "reason"]);
    assert_eq!(p["tampilan"], "VISIBLE");
    assert!(field.slot.page >= 1);
    assert_eq!(p["page"].as_u64(), Some(field.slot.page as u64));
    for (k, v) in [("originX", field.slot.x), ("originY", field.slot.y), ("width", field.slot.width), ("height", field.slot.height)] {
        assert!(close(p[k].as_f64().unwrap(), v), "{k}: {} vs slot {v}", p[k]);
    }
    // The slot is renja's 85 × 28 mm box.
    assert!(close(field.slot.width, 85.0 / 25.4 * 72.0) || (field.slot.width - 240.9).abs() < 1.0, "{:?}", field.slot);
    assert_eq!(p["reason"], format!("Pengesahan {}", field.judul.clone().unwrap()).as_str());
    assert_eq!(p["location"], field.tempat.clone().unwrap().as_str());
    assert_eq!(j["file"].as_array().unwrap().len(), 1);
    assert_eq!(j["file"][0]["sha256"], sha256_hex(&sent).as_str(), "the file sent is not the final PDF byte for byte");
    // The image: a PNG of the slot at 4 px/pt whose QR code names the edition and the PDF's hash.
    let n = q["n"].as_u64().unwrap();
    let png = bsre.blob(n, "image0");
    let (w, h) = png_size(&png);
    assert!((w as f64 - field.slot.width * 4.0).abs() <= 2.0 && (h as f64 - field.slot.height * 4.0).abs() <= 2.0, "{w}×{h} for {:?}", field.slot);
    let png_path = f.path("v2-image.png");
    std::fs::write(&png_path, &png).unwrap();
    let qr = run("zbarimg", &["--raw", "-q", s(&png_path)]);
    assert_eq!(qr.code, Some(0), "zbarimg: {}", qr.all());
    assert!(qr.out.contains(&format!("edisi={SLUG}")) && qr.out.contains(&format!("sha256={}", sha256_hex(&sent))), "QR payload: {}", qr.out);

    // The result: the sent bytes + one update, accepted by three verifiers.
    let signed = std::fs::read(&out).unwrap();
    assert!(signed.len() > sent.len() && signed[..sent.len()] == sent[..]);
    assert_three_verifiers_accept(f, &out);
    assert_eq!(std::fs::read(&input).unwrap(), sent, "the input was changed");
}

#[test]
fn totp_is_sent_instead_of_the_passphrase() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("totp");
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let input = f.input("totp.pdf");
    let out = f.path("totp-ttd.pdf");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &["--totp"], Some(TOTP));
    assert_eq!(r.code, Some(0), "{}", r.all());
    let q = &bsre.requests()[0];
    assert_eq!(q["json_keys"], serde_json::json!(["nik", "totp", "signatureProperties", "file"]));
    assert_eq!(q["json"]["totp"], TOTP);
    assert!(q["json"].get("passphrase").is_none());
    assert_three_verifiers_accept(f, &out);
    // A wrong code: the wrong-secret exit code.
    let out2 = f.path("totp-salah.pdf");
    let r = sign(&input, &out2, &bsre.url, NIK_OK, &config, &["--totp"], Some("000000"));
    assert_clean_refusal(&r, &out2, 10, &["TOTP", "2031"]);
}

#[test]
fn v1_multipart_is_the_fallback_when_v2_answers_404() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("v1");
    bsre.mode("v1-only");
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let input = f.input("v1.pdf");
    let out = f.path("v1-ttd.pdf");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &[], Some(PASSPHRASE));
    assert_eq!(r.code, Some(0), "{}", r.all());
    let reqs = bsre.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(reqs[0]["path"], "/api/v2/sign/pdf");
    assert_eq!(reqs[1]["path"], "/api/sign/pdf");
    let q = &reqs[1];
    assert!(q["content_type"].as_str().unwrap().starts_with("multipart/form-data; boundary="), "{q}");
    let sent = std::fs::read(&input).unwrap();
    let field = renja::sign::empty_field(&sent).unwrap();
    let form = q["form"].as_array().unwrap();
    let names: Vec<&str> = form.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["file", "nik", "passphrase", "tampilan", "image", "imageTTD", "page", "xAxis", "yAxis", "width", "height", "reason", "location"]);
    let value = |name: &str| form.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(value("file")["sha256"], sha256_hex(&sent).as_str());
    assert_eq!(value("file")["content_type"], "application/pdf");
    assert_eq!(value("imageTTD")["content_type"], "image/png");
    assert_eq!(value("nik")["value"], NIK_OK);
    assert_eq!(value("passphrase")["value"], PASSPHRASE);
    assert_eq!(value("tampilan")["value"], "visible");
    assert_eq!(value("image")["value"], "true");
    assert_eq!(value("page")["value"], field.slot.page.to_string().as_str());
    for (k, v) in [("xAxis", field.slot.x), ("yAxis", field.slot.y), ("width", field.slot.width), ("height", field.slot.height)] {
        let got: f64 = value(k)["value"].as_str().unwrap().parse().unwrap();
        assert!(close(got, v), "{k}: {got} vs {v}");
    }
    assert_three_verifiers_accept(f, &out);
    // v1 takes no TOTP: refused with a clear message, nothing written.
    let out2 = f.path("v1-totp.pdf");
    let r = sign(&input, &out2, &bsre.url, NIK_OK, &config, &["--totp"], Some(TOTP));
    assert_clean_refusal(&r, &out2, 17, &["API v1", "TOTP"]);
}

#[test]
fn every_documented_error_answer_has_its_message_and_exit_code() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("errors");
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let bad_client = bsre.config("bsre-salah.toml", "bukan-sandinya", "");
    let input = f.input("errors.pdf");
    let out = f.path("errors-ttd.pdf");
    let cases: [(&str, &str, &Path, i32, &[&str]); 5] = [
        (NIK_OK, WRONG, &config, 10, &["passphrase", "salah", "2031"]),
        (NIK_UNKNOWN, PASSPHRASE, &config, 11, &["tidak terdaftar", "2011"]),
        (NIK_EXPIRED, PASSPHRASE, &config, 12, &["kedaluwarsa", "perpanjang"]),
        (NIK_REVOKED, PASSPHRASE, &config, 13, &["dicabut"]),
        (NIK_OK, PASSPHRASE, &bad_client, 14, &["kredensial klien", "HTTP 401"]),
    ];
    for (nik, secret, cfg, code, words) in cases {
        let r = sign(&input, &out, &bsre.url, nik, cfg, &[], Some(secret));
        assert_clean_refusal(&r, &out, code, words);
    }
    // The service is down (503 with an HTML page), or not there at all.
    bsre.mode("down");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 15, &["tidak dapat melayani", "HTTP 503"]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let r = sign(&input, &out, &dead, NIK_OK, &config, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 15, &["tidak dapat dihubungi"]);
    assert_eq!(std::fs::read(&input).unwrap(), std::fs::read(&f.unsigned).unwrap());
}

#[test]
fn tampered_answers_are_refused_and_nothing_is_written() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("tamper");
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let input = f.input("tamper.pdf");
    let cases: [(&str, &[&str]); 6] = [
        ("flip-prefix", &["tidak diawali PDF yang dikirim", "bita ke-"]),
        ("flip-update", &["tidak sah", "hash dokumen tidak cocok"]),
        ("extra-page", &["jumlah halamannya"]),
        ("partial-cover", &["hanya mencakup"]),
        ("wrong-place", &["kotak tanda tangan"]),
        ("garbage", &["tidak diawali PDF yang dikirim"]),
    ];
    for (mode, words) in cases {
        bsre.mode(mode);
        let out = f.path(&format!("tamper-{mode}.pdf"));
        let before = bsre.requests().len();
        let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &[], Some(PASSPHRASE));
        assert_eq!(bsre.requests().len(), before + 1, "{mode}: the stand-in was not asked");
        let mut all = vec!["ditolak"];
        all.extend_from_slice(words);
        assert_clean_refusal(&r, &out, 1, &all);
    }
}

#[test]
fn a_hanging_service_times_out_cleanly() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("hang");
    bsre.mode("hang");
    let input = f.input("hang.pdf");
    let out = f.path("hang-ttd.pdf");
    // From the command line…
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &["--timeout", "1.5"], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 16, &["batas waktu", "1.5 detik"]);
    assert!(r.took < Duration::from_secs(6), "took {:?}", r.took);
    // …or from the configuration file.
    let quick = bsre.config("cepat.toml", CLIENT_PASSWORD, "batas_waktu_detik = 1\n");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &quick, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 16, &["batas waktu", "1 detik"]);
    assert!(r.took < Duration::from_secs(6), "took {:?}", r.took);
    assert_eq!(bsre.requests().len(), 2);
}

#[test]
fn configuration_and_usage_problems() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("config");
    bsre.mode("down");
    let input = f.input("config.pdf");
    let out = f.path("config-ttd.pdf");
    // No configuration file: exit 2, naming the file and what it should hold.
    let missing = f.path("tidak-ada.toml");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &missing, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 2, &["tidak-ada.toml", "pengguna", "sandi"]);
    // A syntax error is located.
    let broken = bsre.config("rusak.toml", CLIENT_PASSWORD, "batas_waktu_detik = = 3\n");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &broken, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 2, &["rusak.toml", "line 4"]);
    // Readable by others: a warning (the service is down, so it stops there).
    let open = bsre.config("terbuka.toml", CLIENT_PASSWORD, "");
    set_mode(&open, 0o644);
    let r = sign(&input, &out, &bsre.url, NIK_OK, &open, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 15, &["peringatan", "chmod 600", "0644"]);
    // Plain http to another machine is refused unless the configuration allows it.
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let r = sign(&input, &out, "http://192.0.2.1", NIK_OK, &config, &[], Some(PASSPHRASE));
    assert_clean_refusal(&r, &out, 2, &["izinkan_http"]);
    // A NIK that is not 16 digits; no secret and no terminal; --bsre with a local key.
    let r = sign(&input, &out, &bsre.url, "12345", &config, &[], Some(PASSPHRASE));
    assert_eq!(r.code, Some(2), "{}", r.all());
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &[], None);
    assert_clean_refusal(&r, &out, 2, &["RENJA_PASSWORD"]);
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &["--p12", s(&f.pki.join("signer.p12"))], Some(PASSPHRASE));
    assert_eq!(r.code, Some(2), "{}", r.all());
    // The passphrase is never an argument.
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &["--passphrase", PASSPHRASE], None);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(!out.exists());
    // The environment variable names the configuration too.
    let mut c = Command::new(bin());
    c.args(["sign", s(&input), "-o", s(&out), "--bsre", &bsre.url, "--nik", NIK_OK]).current_dir(ROOT).stdin(Stdio::null());
    c.env("RENJA_PASSWORD", PASSPHRASE).env("RENJA_BSRE_CONFIG", &missing);
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("tidak-ada.toml"), "{}", String::from_utf8_lossy(&o.stderr));
    // No service was asked for any of this but the one whose config warned.
    assert_eq!(bsre.requests().len(), 1);
}

#[test]
fn verify_asks_the_service_too_and_prints_both_verdicts() {
    if !tools() {
        return;
    }
    let f = fx();
    let bsre = StandIn::start("verify");
    let config = bsre.config("bsre.toml", CLIENT_PASSWORD, "");
    let input = f.input("verify.pdf");
    let out = f.path("verify-ttd.pdf");
    let r = sign(&input, &out, &bsre.url, NIK_OK, &config, &[], Some(PASSPHRASE));
    assert_eq!(r.code, Some(0), "{}", r.all());
    let root = f.pki.join("root.pem");
    let verify = |pdf: &Path| renja(&["verify", s(pdf), "--ca", s(&root), "--bsre", &bsre.url, "--bsre-config", s(&config)], None);
    let r = verify(&out);
    assert_eq!(r.code, Some(0), "{}", r.all());
    for w in ["Perbandingan dengan layanan BSrE", "(API v2)", "renja", "BSrE", "VALID", "integritas utuh, sertifikat dipercaya", "Kedua pemeriksaan sepakat: SAH"] {
        assert!(r.out.contains(w), "lacks {w:?}: {}", r.out);
    }
    let q = bsre.requests().last().unwrap().clone();
    assert_eq!(q["path"], "/api/v2/verify/pdf");
    assert_eq!(q["json"]["file"]["sha256"], sha256_hex(&std::fs::read(&out).unwrap()).as_str());
    // A tampered copy: both say no.
    let mut bytes = std::fs::read(&out).unwrap();
    let key = b"/Title(";
    let at = bytes.windows(key.len()).position(|w| w == key).map(|i| i + key.len()).unwrap_or(bytes.len() / 3);
    bytes[at] ^= 0x20;
    let bad = f.path("verify-rusak.pdf");
    std::fs::write(&bad, bytes).unwrap();
    let r = verify(&bad);
    assert_eq!(r.code, Some(1), "{}", r.all());
    assert!(r.out.contains("INVALID") && r.out.contains("Kedua pemeriksaan sepakat: TIDAK SAH"), "{}", r.out);
    // An older service: v1 verify.
    bsre.mode("v1-only");
    let r = verify(&out);
    assert_eq!(r.code, Some(0), "{}", r.all());
    assert!(r.out.contains("(API v1)") && r.out.contains("Kedua pemeriksaan sepakat: SAH"), "{}", r.out);
    assert_eq!(bsre.requests().last().unwrap()["path"], "/api/sign/verify");
    // The service is down: renja's own verdict is printed, the exit code says BSrE was not asked.
    bsre.mode("down");
    let r = verify(&out);
    assert_eq!(r.code, Some(15), "{}", r.all());
    assert!(r.out.contains("Hasil: semua tanda tangan sah") && r.out.contains("tidak diperoleh"), "{}", r.all());
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}
