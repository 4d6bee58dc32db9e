//! `renja preview` end to end: a server on a private copy of the sample (edition, layouts,
//! fonts), driven over HTTP (`/status`), over a raw WebSocket (snapshot on connect, only changed
//! pages after an edit, current state for a reconnecting client), with `--write` (the same PDF
//! and DOCX as `renja build`), and in real headless chromium (tests/e2e/preview.mjs: needs
//! /usr/bin/chromium, node and `npm ci` in tests/e2e; skipped with a message when missing unless
//! CI=true, then it fails).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

const WAIT: Duration = Duration::from_secs(90);

/// A running `renja preview`; killed when dropped.
struct Preview {
    child: Child,
    addr: String,
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Preview {
    fn start(ws: &Path, extra: &[&str]) -> Preview {
        let mut child = Command::new(env!("CARGO_BIN_EXE_renja"))
            .args(["preview", "content", "--port", "0"])
            .args(extra)
            .current_dir(ws)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start renja preview");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.trim().strip_suffix('/'))
            .unwrap_or_else(|| panic!("the URL on stdout, got {line:?}"))
            .to_string();
        Preview { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn get(&self, path: &str) -> String {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        body.to_string()
    }

    fn status(&self) -> Value {
        serde_json::from_str(&self.get("/status")).unwrap()
    }

    /// Polls `/status` until `f` holds.
    fn wait_for(&self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let s = self.status();
            if f(&s) {
                return s;
            }
            assert!(start.elapsed() < WAIT, "timed out waiting for {what}; last status: {s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn first_view(&self) -> Value {
        self.wait_for("the first view", |s| s["page_count"].as_u64().unwrap_or(0) > 0)
    }
}

/// Saves like an editor: a temporary file renamed over the original.
fn save(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(".{}.tmp", path.file_name().unwrap().to_str().unwrap()));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn edit(path: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds {from:?}", path.display());
    save(path, &text.replacen(from, to, 1));
    text
}

fn version(s: &Value) -> u64 {
    s["version"].as_u64().unwrap()
}

/// A minimal WebSocket client (text messages from the server; no extensions).
struct Ws {
    s: TcpStream,
}

impl Ws {
    fn connect(addr: &str) -> Ws {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b).unwrap();
            head.push(b[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        s.set_read_timeout(Some(WAIT)).unwrap();
        Ws { s }
    }

    /// The next text message, as JSON.
    fn recv(&mut self) -> Value {
        let mut payload = Vec::new();
        loop {
            let mut h = [0u8; 2];
            self.s.read_exact(&mut h).unwrap();
            let (fin, op) = (h[0] & 0x80 != 0, h[0] & 0x0f);
            let mut len = (h[1] & 0x7f) as u64;
            if len == 126 {
                let mut l = [0u8; 2];
                self.s.read_exact(&mut l).unwrap();
                len = u16::from_be_bytes(l) as u64;
            } else if len == 127 {
                let mut l = [0u8; 8];
                self.s.read_exact(&mut l).unwrap();
                len = u64::from_be_bytes(l);
            }
            let mut data = vec![0u8; len as usize];
            self.s.read_exact(&mut data).unwrap();
            match op {
                0x1 | 0x0 => payload.extend(data),
                0x9 | 0xA => continue,
                other => panic!("unexpected WebSocket opcode {other}"),
            }
            if fin {
                return serde_json::from_slice(&payload).unwrap();
            }
        }
    }
}

fn narrative(ws: &Path) -> PathBuf {
    ws.join("content/bab/01-pendahuluan.md")
}

fn rencana(ws: &Path) -> PathBuf {
    ws.join("content/data/rencana.toml")
}

#[test]
fn survives_invalid_sources_and_keeps_the_last_good_pages() {
    let ws = workspace();
    let mut p = Preview::start(ws.path(), &[]);
    let first = p.first_view();
    assert!(first["errors"].as_array().unwrap().is_empty(), "{first}");
    assert!(first["warnings"].as_u64().unwrap() > 0, "the sample's check warnings are reported");
    let hashes = first["page_hashes"].clone();
    assert!(p.get("/").contains("Sumber belum valid"), "the page is served");

    // A TOML syntax error, a Markdown front matter error, a check error, a layout error: each
    // is reported with file:line:col and the pages stay.
    let toml = rencana(ws.path());
    let md = narrative(ws.path());
    let layout = ws.path().join("layouts/renja.typ");
    let cases: Vec<(&Path, &str, &str, &str)> = vec![
        (&toml, "pagu_sebelum = 97020000", "pagu_sebelum = 97020000x", "data/rencana.toml:"),
        (&md, "+++\njenis", "+++\njenis = = ", "bab/01-pendahuluan.md:"),
        (&toml, "pagu_sebelum = 97020000", "pagu_sebelum = \"banyak\"", "data/rencana.toml:"),
        (&layout, "#let e = m.edisi", "#let e = m.edisi.tidak_ada", "layouts/renja.typ:"),
    ];
    for (path, from, to, loc) in cases {
        let before = version(&p.status());
        let good = edit(path, from, to);
        let s = p.wait_for(&format!("an error in {loc}"), |s| version(s) > before && !s["errors"].as_array().unwrap().is_empty());
        let e = &s["errors"][0];
        assert!(e["loc"].as_str().unwrap().starts_with(loc), "{s}");
        let l: Vec<&str> = e["loc"].as_str().unwrap().rsplitn(3, ':').collect();
        assert!(l.len() == 3 && l[0].parse::<u32>().is_ok() && l[1].parse::<u32>().is_ok(), "file:line:col: {e}");
        assert_eq!(s["page_hashes"], hashes, "the last good pages stay ({loc})");
        assert!(p.alive(), "the server survives bad sources");
        let failed = version(&s);
        save(path, &good);
        let s = p.wait_for("the fix", |s| version(s) > failed && s["errors"].as_array().unwrap().is_empty());
        assert_eq!(s["page_hashes"], hashes, "the same pages after the fix");
    }

    // A burst of saves (including a half-written, invalid state) ends in one good view of the
    // last state.
    let good = std::fs::read_to_string(&md).unwrap();
    let before = version(&p.status());
    for (i, word) in ["Pertama", "Kedua", "Ketiga", "Keempat"].iter().enumerate() {
        if i == 2 {
            save(&md, "+++\njenis = \n");
        }
        save(&md, &good.replacen("Adapun dokumen", &format!("{word} dokumen"), 1));
    }
    let start = Instant::now();
    while page_text_containing(&p, "Keempat dokumen").is_none() {
        assert!(start.elapsed() < WAIT, "the last saved word is shown");
        std::thread::sleep(Duration::from_millis(100));
    }
    let s = p.wait_for("the burst", |s| version(s) > before && s["errors"].as_array().unwrap().is_empty());
    assert!(s["compiles"].as_u64().unwrap() - before <= 3, "a burst of 5 saves is coalesced: {s}");
    assert!(p.alive());
}

/// The text layer of the page containing `needle`, via a WebSocket snapshot.
fn page_text_containing(p: &Preview, needle: &str) -> Option<String> {
    let snap = Ws::connect(&p.addr).recv();
    snap["pages"].as_array().unwrap().iter().map(|pg| pg["text"].as_str().unwrap().to_string()).find(|t| t.contains(needle))
}

#[test]
fn websocket_sends_changed_pages_only_and_reconnects_get_the_current_state() {
    let ws = workspace();
    let p = Preview::start(ws.path(), &[]);
    let first = p.first_view();
    let n = first["page_count"].as_u64().unwrap() as usize;

    let mut a = Ws::connect(&p.addr);
    let snap = a.recv();
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["pages"].as_array().unwrap().len(), n, "a snapshot carries every page");
    let pg = &snap["pages"][0];
    assert!(pg["svg"].as_str().unwrap().starts_with("<svg"), "pages are SVG");
    assert!(pg["w"].as_f64().unwrap() > 500.0 && pg["h"].as_f64().unwrap() > 800.0, "F4 in points: {}x{}", pg["w"], pg["h"]);
    assert!(snap["pages"].as_array().unwrap().iter().any(|pg| pg["text"].as_str().unwrap().contains("Adapun dokumen")));

    edit(&narrative(ws.path()), "Adapun dokumen", "Maka dokumen");
    let upd = loop {
        let m = a.recv();
        if m["errors"].as_array().unwrap().is_empty() && !m["pages"].as_array().unwrap().is_empty() {
            break m;
        }
    };
    assert_eq!(upd["type"], "update");
    let sent = upd["pages"].as_array().unwrap();
    assert!(!sent.is_empty() && sent.len() < n / 2, "only changed pages: {} of {n}", sent.len());
    assert!(sent.iter().any(|pg| pg["text"].as_str().unwrap().contains("Maka dokumen")));
    assert_eq!(upd["page_count"].as_u64().unwrap() as usize, n);
    assert!(upd["render_ms"].as_u64().is_some() && upd["updated_ms"].as_u64().unwrap() > 0);

    // A data edit (a pagu value) changes table pages and the narrative that quotes totals.
    edit(&rencana(ws.path()), "pagu_sebelum = 97020000", "pagu_sebelum = 97020001");
    let upd = loop {
        let m = a.recv();
        if !m["pages"].as_array().unwrap().is_empty() {
            break m;
        }
    };
    assert!(upd["pages"].as_array().unwrap().len() < n, "a data edit does not resend every page");

    // A new client (or a reconnecting tab) gets the current state at once.
    drop(a);
    let st = p.status();
    let mut b = Ws::connect(&p.addr);
    let snap = b.recv();
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["version"], st["version"]);
    assert!(snap["pages"].as_array().unwrap().iter().any(|pg| pg["text"].as_str().unwrap().contains("Maka dokumen")));
    let hashes: Vec<Value> = snap["pages"].as_array().unwrap().iter().map(|pg| pg["hash"].clone()).collect();
    assert_eq!(Value::from(hashes), st["page_hashes"]);

    // While the sources are broken, a new client gets the error and the last good pages.
    edit(&rencana(ws.path()), "pagu_sebelum = 97020001", "pagu_sebelum = [");
    p.wait_for("the error", |s| !s["errors"].as_array().unwrap().is_empty());
    let snap = Ws::connect(&p.addr).recv();
    assert!(!snap["errors"].as_array().unwrap().is_empty());
    assert_eq!(snap["pages"].as_array().unwrap().len(), n);
}

#[test]
fn layout_edits_are_picked_up() {
    let ws = workspace();
    let p = Preview::start(ws.path(), &[]);
    let first = p.first_view();
    edit(&ws.path().join("layouts/renja.typ"), "[RANCANGAN]", "[KONSEPPRATINJAU]");
    let s = p.wait_for("the layout change", |s| version(s) > version(&first) && s["page_hashes"] != first["page_hashes"]);
    assert!(s["errors"].as_array().unwrap().is_empty(), "{s}");
    assert!(page_text_containing(&p, "KONSEPPRATINJAU").is_some(), "the edited layout is used");
}

#[test]
fn write_produces_the_same_files_as_build() {
    let ws = workspace();
    let out = ws.path().join("pratinjau-out");
    let p = Preview::start(ws.path(), &["--write", "-o", out.to_str().unwrap()]);
    p.first_view();
    let pdf = out.join(format!("{SLUG}.pdf"));
    let docx = out.join(format!("{SLUG}.docx"));
    let start = Instant::now();
    while !(pdf.is_file() && docx.is_file()) {
        assert!(start.elapsed() < WAIT, "--write writes the PDF and DOCX");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let o = renja(&["build", "content", "-o", "build-out"], ws.path());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let built = ws.path().join("build-out");
    assert!(std::fs::read(&pdf).unwrap() == std::fs::read(built.join(format!("{SLUG}.pdf"))).unwrap(), "same PDF as renja build");
    assert!(std::fs::read(&docx).unwrap() == std::fs::read(built.join(format!("{SLUG}.docx"))).unwrap(), "same DOCX as renja build");

    // An invalid edit leaves the files alone; a good one rewrites them.
    let before = std::fs::read(&pdf).unwrap();
    let s = p.status();
    let good = edit(&rencana(ws.path()), "pagu_sebelum = 97020000", "pagu_sebelum = x");
    p.wait_for("the error", |t| version(t) > version(&s) && !t["errors"].as_array().unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert!(std::fs::read(&pdf).unwrap() == before, "a failed render keeps the old PDF");
    save(&rencana(ws.path()), &good.replacen("pagu_sebelum = 97020000", "pagu_sebelum = 97020001", 1));
    let start = Instant::now();
    while std::fs::read(&pdf).unwrap() == before {
        assert!(start.elapsed() < WAIT, "the PDF is rewritten after a good render");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().starts_with('.')), "no temporary files left");
}

#[test]
fn a_missing_folder_is_a_usage_error() {
    let o = renja(&["preview", "tidak-ada", "--port", "0"], Path::new(ROOT));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("tidak ditemukan"));
}

/// The real-browser test (tests/e2e/preview.mjs).
#[cfg_attr(not(renja_tools = "browser"), ignore = "needs chromium, node and playwright-core (tests/run.sh installs them)")]
#[test]
fn in_headless_chromium() {
    common::require(&["browser"]);
    let e2e = Path::new(ROOT).join("tests/e2e");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ws = workspace();
    let p = Preview::start(ws.path(), &[]);
    p.first_view();
    let o = Command::new("node")
        .arg(e2e.join("preview.mjs"))
        .arg(p.url())
        .arg(ws.path().join("content"))
        .env("CHROMIUM", &chromium)
        .current_dir(&e2e)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "e2e failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for step in ["word change", "broken TOML", "fixed TOML", "reconnected"] {
        assert!(stdout.contains(step), "step {step:?} ran:\n{stdout}");
    }
}
