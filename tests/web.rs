//! The browser interface of `renja serve` (issue #17): the committed bundle matches what
//! web/build.sh makes from the lock file, the pages and the preview socket answer as they should
//! over HTTP, and the whole workspace works in real headless chromium (tests/e2e/web.mjs).

#[path = "support/service.rs"]
mod support;
mod common;

use serde_json::json;
use std::path::Path;
use std::process::Command;
use support::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// web/build.sh (npm ci + esbuild, as locked) into a temporary folder gives exactly the committed
/// assets/web/.
#[cfg_attr(not(renja_tools = "web"), ignore = "needs node and npm (tests/run.sh installs them)")]
#[test]
fn committed_assets_match_the_build() {
    common::require(&["web"]);
    let out = tempfile::tempdir().unwrap();
    let o = Command::new("bash").arg(Path::new(ROOT).join("web/build.sh")).arg(out.path()).output().unwrap();
    assert!(o.status.success(), "web/build.sh failed:\n{}", String::from_utf8_lossy(&o.stderr));
    let committed = Path::new(ROOT).join("assets/web");
    let mut names: Vec<String> = std::fs::read_dir(&committed).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut built: Vec<String> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    built.sort();
    assert_eq!(names, built, "the same files");
    assert!(names.contains(&"app.js".to_string()) && names.contains(&"app.css".to_string()));
    for n in &names {
        let a = std::fs::read(committed.join(n)).unwrap();
        let b = std::fs::read(out.path().join(n)).unwrap();
        assert!(a == b, "assets/web/{n} differs from what web/build.sh makes ({} vs {} bytes): run web/build.sh and commit", a.len(), b.len());
    }
    // The bundle holds CodeMirror (from npm), not a stub.
    let js = String::from_utf8(std::fs::read(committed.join("app.js")).unwrap()).unwrap();
    assert!(js.contains("cm-editor") && js.contains("cm-lintRange"), "CodeMirror and its lint extension are bundled");
}

/// The demo accounts printed by `--contoh`.
fn demo_accounts(server: &Server) -> std::collections::BTreeMap<String, String> {
    let mut accounts = std::collections::BTreeMap::new();
    for line in &server.preamble {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() == 3 && ["admin", "penyusun", "verifikator", "penandatangan"].contains(&w[0]) {
            accounts.insert(w[0].to_string(), w[2].to_string());
        }
    }
    accounts
}

/// A `--contoh` server with a second OPD and its author `lain`; the id of the sample Perubahan
/// 2022 edition (content/).
fn server_with_other_opd(dir: &Path) -> (Server, std::collections::BTreeMap<String, String>, i64) {
    let server = Server::start(&dir.join("data"), &["--contoh"]);
    let mut accounts = demo_accounts(&server);
    let mut admin = server.login("admin", &accounts["admin"]);
    let opd = admin.post("/api/v1/opd", &json!({ "kode": "9.99.0.00.0.00.01.0000", "nama": "Dinas Lain", "kepala": "" }));
    assert_eq!(opd.status, 201, "{}", opd.text());
    let opd = opd.json()["id"].as_i64().unwrap();
    let sandi = "sandi-penyusun-lain-123";
    let u = admin.post("/api/v1/pengguna", &json!({ "login": "lain", "nama": "Penyusun Dinas Lain", "nip": "", "sandi": sandi, "peran": [{ "peran": "penyusun", "opd": opd }] }));
    assert_eq!(u.status, 201, "{}", u.text());
    accounts.insert("lain".into(), sandi.into());
    let list = admin.get("/api/v1/edisi").json();
    let id = list.as_array().unwrap().iter().find(|e| e["jenis"] == "perubahan" && e["tahun"] == 2022).expect("the sample Perubahan 2022")["id"].as_i64().unwrap();
    (server, accounts, id)
}

/// The pages and the socket over plain HTTP: who gets what.
#[test]
fn pages_and_socket_are_authorised_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let mut anon = server.client();
    // Not signed in: the login page; the others send there.
    let r = anon.get("/masuk");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("data-halaman=\"masuk\"") && r.text().contains("/aset/app.js"));
    assert!(r.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    for p in ["/dasbor", &format!("/edisi/{id}")] {
        let r = anon.get(p);
        assert_eq!(r.status, 303, "{p}");
        assert!(r.header("location").unwrap().starts_with("/masuk?lanjut=/"), "{p}");
    }
    assert_eq!(anon.get("/").header("location"), Some("/dasbor"));
    let js = anon.get("/aset/app.js");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().starts_with("text/javascript"));
    assert_eq!(js.header("cache-control"), Some("no-cache"), "unversioned: revalidated");
    // The pages name the assets by version; that URL may be cached for good.
    let page = anon.get("/masuk").text();
    let versioned = page.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(versioned.starts_with("/aset/app.js?v="), "{versioned}");
    assert_eq!(anon.get(&versioned).header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(anon.get("/masuk").header("cache-control"), Some("no-store"), "pages are not cached");
    assert_eq!(js.body, std::fs::read(Path::new(ROOT).join("assets/web/app.js")).unwrap(), "the embedded bundle is the committed one");
    assert_eq!(anon.get(&format!("/api/v1/edisi/{id}/pratinjau")).status, 401);

    // The author of the OPD: the workspace.
    let mut penyusun = server.login("penyusun", &accounts["penyusun"]);
    let r = penyusun.get(&format!("/edisi/{id}"));
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&format!("data-edisi=\"{id}\"")));
    // The socket wants a WebSocket handshake from this server's own page.
    let host = server.base.trim_start_matches("http://").to_string();
    let ws = |c: &mut Client, origin: Option<&str>| {
        c.extra = vec![
            ("Connection".into(), "Upgrade".into()),
            ("Upgrade".into(), "websocket".into()),
            ("Sec-WebSocket-Version".into(), "13".into()),
            ("Sec-WebSocket-Key".into(), "dGhlIHNhbXBsZSBub25jZQ==".into()),
        ];
        if let Some(o) = origin {
            c.extra.push(("Origin".into(), o.into()));
        }
        let r = c.get(&format!("/api/v1/edisi/{id}/pratinjau"));
        c.extra.clear();
        r.status
    };
    assert_eq!(ws(&mut penyusun, Some("http://evil.example")), 403, "a foreign Origin is refused");
    assert_eq!(ws(&mut penyusun, None), 403, "no Origin is refused");
    assert_eq!(ws(&mut penyusun, Some(&format!("http://{host}"))), 101, "its own page is accepted");

    // An author of another OPD: 404 for the page, the socket and the API, and not in the list.
    let mut lain = server.login("lain", &accounts["lain"]);
    let r = lain.get(&format!("/edisi/{id}"));
    assert_eq!(r.status, 404);
    assert!(r.text().contains("tidak ditemukan"));
    assert_eq!(lain.get("/edisi/999999").text(), r.text(), "the same page as for an edition that does not exist");
    assert_eq!(ws(&mut lain, Some(&format!("http://{host}"))), 404);
    assert_eq!(lain.get(&format!("/api/v1/edisi/{id}")).status, 404);
    assert!(lain.get("/api/v1/edisi").json().as_array().unwrap().is_empty());
    // The verifikator reads every OPD.
    let mut verifikator = server.login("verifikator", &accounts["verifikator"]);
    assert_eq!(verifikator.get(&format!("/edisi/{id}")).status, 200);
}

/// Starts `renja serve --contoh` with extra environment variables.
fn start_with_env(data: &Path, env: &[(&str, &str)]) -> Server {
    use std::io::{BufRead, BufReader};
    let mut cmd = renja();
    cmd.args(["serve", "--contoh", "--listen", "127.0.0.1:0", "--data"]).arg(data).current_dir(ROOT).stdout(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut preamble = Vec::new();
    let base = loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "server exited: {preamble:?}");
        if let Some(rest) = line.trim().strip_prefix("Layanan renja: ") {
            break rest.trim_end_matches("/api/v1/").to_string();
        }
        preamble.push(line.trim_end().to_string());
    };
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    Server { child, base, data: data.to_path_buf(), preamble }
}

/// A WebSocket handshake on a raw connection (kept open when it succeeds): the status line.
fn handshake(base: &str, path: &str, cookie: &str) -> (u16, std::net::TcpStream) {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nCookie: {cookie}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
        head.push(b[0]);
    }
    let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_string();
    (line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), s)
}

/// At most RENJA_PRATINJAU_MAKS previews are open at once; a closed one frees its place.
#[test]
fn preview_sockets_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_env(&dir.path().join("data"), &[("RENJA_PRATINJAU_MAKS", "1")]);
    let accounts = demo_accounts(&server);
    let mut penyusun = server.login("penyusun", &accounts["penyusun"]);
    let id = penyusun.get("/api/v1/edisi").json()[0]["id"].as_i64().unwrap();
    let cookie = penyusun.cookie.clone().unwrap();
    let path = format!("/api/v1/edisi/{id}/pratinjau");
    let (first, conn) = handshake(&server.base, &path, &cookie);
    assert_eq!(first, 101);
    let (second, _) = handshake(&server.base, &path, &cookie);
    assert_eq!(second, 503, "a second preview beyond the limit is refused");
    drop(conn);
    // The place is given back once the first preview's compiler has ended.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (again, _c) = handshake(&server.base, &path, &cookie);
        if again == 101 {
            break;
        }
        assert_eq!(again, 503);
        assert!(std::time::Instant::now() < deadline, "the closed preview never freed its place");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

/// Writes one masked WebSocket frame (a client's frames are masked; the mask here is fixed).
fn ws_frame(s: &mut std::net::TcpStream, opcode: u8, payload: &[u8], declared: Option<u64>) {
    use std::io::Write;
    let mask = [0x12u8, 0x34, 0x56, 0x78];
    let len = declared.unwrap_or(payload.len() as u64);
    let mut out = vec![0x80 | opcode];
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= u16::MAX as u64 {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    s.write_all(&out).unwrap();
}

/// Reads one server frame: (opcode, payload); None when the connection ended.
fn ws_read(s: &mut std::net::TcpStream) -> Option<(u8, Vec<u8>)> {
    use std::io::Read;
    let mut h = [0u8; 2];
    s.read_exact(&mut h).ok()?;
    let mut len = (h[1] & 0x7f) as u64;
    if len == 126 {
        let mut b = [0u8; 2];
        s.read_exact(&mut b).ok()?;
        len = u16::from_be_bytes(b) as u64;
    } else if len == 127 {
        let mut b = [0u8; 8];
        s.read_exact(&mut b).ok()?;
        len = u64::from_be_bytes(b);
    }
    let mut payload = vec![0u8; len as usize];
    s.read_exact(&mut payload).ok()?;
    Some((h[0] & 0x0f, payload))
}

/// The socket's protocol bounds: a message naming a path outside the edition's layout is refused
/// with a message (the socket stays), and a frame larger than the limit closes the socket.
#[test]
fn preview_socket_refuses_bad_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--contoh"]);
    let accounts = demo_accounts(&server);
    let mut penyusun = server.login("penyusun", &accounts["penyusun"]);
    let id = penyusun.get("/api/v1/edisi").json()[0]["id"].as_i64().unwrap();
    let cookie = penyusun.cookie.clone().unwrap();
    let path = format!("/api/v1/edisi/{id}/pratinjau");
    let (status, mut conn) = handshake(&server.base, &path, &cookie);
    assert_eq!(status, 101);
    // The first message is the (empty) snapshot of version 0.
    let (op, first) = ws_read(&mut conn).expect("a snapshot");
    assert_eq!(op, 1);
    let first: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(first["type"], "snapshot");
    for bad in [r#"{"berkas":{"../../etc/passwd.md":"x"}}"#, r#"{"berkas":{"gambar.png":"x"}}"#, r#"{"revisi":"0000","berkas":{}}"#, "bukan json"] {
        ws_frame(&mut conn, 1, bad.as_bytes(), None);
        let galat = loop {
            let (op, body) = ws_read(&mut conn).expect("an answer");
            if op != 1 {
                continue;
            }
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            if let Some(g) = v.get("galat") {
                break g.as_str().unwrap().to_string();
            }
        };
        assert!(!galat.is_empty(), "{bad}: refused with a message");
    }
    // A frame declaring more than the limit (2 MiB) ends the connection.
    ws_frame(&mut conn, 1, b"{}", Some(3 * 1024 * 1024));
    // A close frame or the end of the connection, well before the 60 s read timeout.
    let start = std::time::Instant::now();
    let ended = loop {
        match ws_read(&mut conn) {
            Some((8, _)) => break true,
            Some(_) => continue,
            None => break start.elapsed() < std::time::Duration::from_secs(50),
        }
    };
    assert!(ended, "the oversized message ended the connection");
}

/// The workspace in real headless chromium (tests/e2e/web.mjs): typing reaches the preview
/// (latency measured), save, local draft, the conflict view, inline diagnostics, another OPD.
/// Screenshots at 1366x768 go to target/web-shots/.
#[cfg_attr(not(renja_tools = "browser"), ignore = "needs chromium, node and playwright-core (tests/run.sh installs them)")]
#[test]
fn workspace_in_headless_chromium() {
    common::require(&["browser"]);
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let e2e = Path::new(ROOT).join("tests/e2e");
    let shots = Path::new(ROOT).join("target/web-shots");
    let o = Command::new("node")
        .arg(e2e.join("web.mjs"))
        .arg(&server.base)
        .arg(id.to_string())
        .arg(&shots)
        .env("WEB_AKUN", serde_json::to_string(&accounts).unwrap())
        .env("CHROMIUM", std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .current_dir(&e2e)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    println!("{stdout}");
    assert!(o.status.success(), "e2e failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    for step in ["typing:", "local draft", "stale save", "on top of the newest revision", "merge:", "invalid TOML", "completion:", "workflow:", "another OPD"] {
        assert!(stdout.contains(step), "step {step:?} ran:\n{stdout}");
    }
    assert!(stdout.contains("p50") && stdout.contains("p95"), "latency printed");
    drop(server);
}

/// The table grid's endpoint (`POST /api/v1/edisi/{id}/tabel/{nama}`) over HTTP: the rows of a
/// data file, edited rows written back keeping every comment, the computed model of the draft,
/// a bad number located by row and column, and who may do what.
#[test]
fn table_endpoint_writes_rows_keeping_comments() {
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let mut p = server.login("penyusun", &accounts["penyusun"]);
    let url = format!("/api/v1/edisi/{id}/tabel/rencana");
    let r = p.post(&url, &json!({ "hitung": true }));
    assert_eq!(r.status, 200, "{}", r.text());
    let g = r.json();
    let text = g["teks"].as_str().unwrap().to_string();
    let rows = g["baris"].as_array().unwrap().clone();
    assert_eq!(rows.len(), text.matches("\n[[baris]]\n").count());
    assert_eq!(g["kolom"][0]["nama"], "kode");
    assert!(g["kolom"].as_array().unwrap().iter().any(|k| k["nama"] == "pagu_sesudah" && k["angka"] == true));
    let total = |g: &serde_json::Value| g["hitung"]["total"]["pagu_sesudah"]["nilai"].as_str().unwrap().parse::<i64>().unwrap();
    let t0 = total(&g);
    // Change one pagu (grouped as typed), move the first sub kegiatan to the end, drop nothing.
    let mut edited = rows.clone();
    let i = edited.iter().position(|r| r["sel"]["kode"] == "2.07.01.2.01.0001").unwrap();
    let old: i64 = edited[i]["sel"]["pagu_sesudah"].as_str().unwrap().parse().unwrap();
    edited[i]["sel"]["pagu_sesudah"] = json!(format!("{}.000.000", old / 1_000_000 + 1));
    let r = p.post(&url, &json!({ "teks": text, "baris": edited, "hitung": true }));
    assert_eq!(r.status, 200, "{}", r.text());
    let g2 = r.json();
    let new_text = g2["teks"].as_str().unwrap();
    let new_pagu = (old / 1_000_000 + 1) * 1_000_000;
    assert!(new_text.contains(&format!("\npagu_sesudah = {new_pagu}\n")), "the number written as an integer");
    assert_eq!(total(&g2) - t0, new_pagu - old, "the TOTAL computed for the draft");
    for line in text.lines().filter(|l| l.starts_with('#')) {
        assert!(new_text.contains(line), "comment kept: {line}");
    }
    assert_eq!(text.lines().count(), new_text.lines().count());
    // A bad number: 422 naming the file, the row and the column; nothing computed.
    edited[i]["sel"]["pagu_sesudah"] = json!("seratus");
    let r = p.post(&url, &json!({ "teks": text, "baris": edited }));
    assert_eq!(r.status, 422);
    let m = r.json()["galat"].as_str().unwrap().to_string();
    assert!(m.starts_with(&format!("data/rencana.toml: baris {}, kolom pagu_sesudah: 'seratus' bukan angka", i + 1)), "{m}");
    // A value the grid writes but check rejects (a negative pagu): the draft's diagnostics carry
    // the error at the line `letak` gives for that row's pagu_sesudah cell.
    edited[i]["sel"]["pagu_sesudah"] = json!("-5000");
    let r = p.post(&url, &json!({ "teks": text, "baris": edited, "hitung": true }));
    assert_eq!(r.status, 200, "{}", r.text());
    let g3 = r.json();
    let t3 = g3["teks"].as_str().unwrap();
    let line = t3.lines().position(|l| l == "pagu_sesudah = -5000").expect("the negative pagu written") + 1;
    let row = g3["baris"].as_array().unwrap().iter().position(|r| r["sel"]["pagu_sesudah"] == "-5000").unwrap();
    let place = &g3["letak"][row];
    assert_eq!(place["sel"]["pagu_sesudah"][0].as_u64(), Some(line as u64), "letak of the cell: {place}");
    assert_eq!(place["sel"]["pagu_sesudah"][1].as_u64(), Some(1));
    assert!(place["mulai"].as_u64().unwrap() < line as u64 && line as u64 <= place["akhir"].as_u64().unwrap(), "{place}");
    assert_eq!(t3.lines().nth(place["mulai"].as_u64().unwrap() as usize - 1), Some("[[baris]]"));
    let errors: Vec<&serde_json::Value> = g3["diagnostik"].as_array().unwrap().iter().filter(|d| d["severity"] == "error").collect();
    assert!(
        errors.iter().any(|d| d["file"] == "data/rencana.toml" && d["line"].as_u64() == Some(line as u64) && d["message"].as_str().unwrap().contains("negatif")),
        "check's error at line {line}: {errors:?}"
    );
    // Not a data table: 422 with the reason; an unknown table or a bad name: 404.
    assert_eq!(p.post(&format!("/api/v1/edisi/{id}/tabel/tidak-ada"), &json!({})).status, 404);
    assert_eq!(p.post(&format!("/api/v1/edisi/{id}/tabel/..%2Fedisi"), &json!({})).status, 404);
    // The verifikator reads the grid but may not write it; another OPD's author gets 404.
    let mut v = server.login("verifikator", &accounts["verifikator"]);
    assert_eq!(v.post(&url, &json!({})).status, 200);
    assert_eq!(v.post(&url, &json!({ "teks": text, "baris": rows })).status, 403);
    let mut lain = server.login("lain", &accounts["lain"]);
    assert_eq!(lain.post(&url, &json!({})).status, 404);
}

/// The table grid in real headless chromium (tests/e2e/grid.mjs): a pagu changed in the grid
/// changes the computed row, parents and TOTAL in the grid and the preview; the saved file keeps
/// its comments; 40 pasted rows land in the file and check passes.
#[cfg_attr(not(renja_tools = "browser"), ignore = "needs chromium, node and playwright-core (tests/run.sh installs them)")]
#[test]
fn table_grid_in_headless_chromium() {
    common::require(&["browser"]);
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let e2e = Path::new(ROOT).join("tests/e2e");
    let o = Command::new("node")
        .arg(e2e.join("grid.mjs"))
        .arg(&server.base)
        .arg(id.to_string())
        .arg(Path::new(ROOT).join("target/web-shots"))
        .env("WEB_AKUN", serde_json::to_string(&accounts).unwrap())
        .env("CHROMIUM", std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .current_dir(&e2e)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    println!("{stdout}");
    assert!(o.status.success(), "e2e failed\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&o.stderr));
    for step in ["grid: pagu", "saved: the file", "check's error", "paste: 40"] {
        assert!(stdout.contains(step), "step {step:?} ran:\n{stdout}");
    }
    drop(server);
}

/// The workflow to the end in real headless chromium (tests/e2e/alur.mjs): a reviewer comment
/// and a return note reach the author; approve → finalise → sign in the dialog with the test
/// PKI's PKCS#12 → archive; the archived signed PDF verifies with `renja verify`.
#[cfg_attr(not(all(renja_tools = "browser", renja_tools = "sign")), ignore = "needs chromium, node, playwright-core and openssl (tests/run.sh installs them)")]
#[test]
fn workflow_to_the_archive_in_headless_chromium() {
    common::require(&["browser", "sign"]);
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let pki = dir.path().join("pki");
    let pass = "sandi-kunci-uji-77";
    let o = Command::new("bash").arg(Path::new(ROOT).join("tests/support/pki.sh")).arg(&pki).env("PKI_PASSWORD", pass).output().unwrap();
    assert!(o.status.success(), "pki.sh: {}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("arsip.ttd.pdf");
    let e2e = Path::new(ROOT).join("tests/e2e");
    let o = Command::new("node")
        .arg(e2e.join("alur.mjs"))
        .arg(&server.base)
        .arg(id.to_string())
        .arg(Path::new(ROOT).join("target/web-shots"))
        .arg(&out)
        .env("WEB_AKUN", serde_json::to_string(&accounts).unwrap())
        .env("WEB_P12", pki.join("signer.p12"))
        .env("WEB_P12_SANDI", pass)
        .env("CHROMIUM", std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .current_dir(&e2e)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout);
    println!("{stdout}");
    assert!(o.status.success(), "e2e failed\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&o.stderr));
    for step in ["history: ", "archive page:", "returned with a note", "author: the return note", "finalkan", "penandatangan: signed"] {
        assert!(stdout.contains(step), "step {step:?} ran:\n{stdout}");
    }
    // The real binary verifies the archived PDF against the test root.
    let v = Command::new(env!("CARGO_BIN_EXE_renja")).arg("verify").arg(&out).arg("--ca").arg(pki.join("root.pem")).output().unwrap();
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(v.status.success(), "renja verify: {text}{}", String::from_utf8_lossy(&v.stderr));
    println!("renja verify:\n{text}");
    drop(server);
}

/// The history and archive pages and the workflow notes endpoint: sign-in first, the history
/// of another OPD's edition is the 404 page, notes are readable by who may read the edition.
#[test]
fn history_and_archive_pages_are_authorised() {
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let mut anon = server.client();
    for p in [format!("/edisi/{id}/riwayat"), "/arsip".to_string()] {
        let r = anon.get(&p);
        assert_eq!(r.status, 303, "{p}");
        assert_eq!(r.header("location"), Some(format!("/masuk?lanjut={p}").as_str()));
    }
    let mut p = server.login("penyusun", &accounts["penyusun"]);
    let r = p.get(&format!("/edisi/{id}/riwayat"));
    assert_eq!(r.status, 200);
    assert!(r.text().contains("data-halaman=\"riwayat\"") && r.text().contains(&format!("data-edisi=\"{id}\"")));
    assert!(p.get("/arsip").text().contains("data-halaman=\"arsip\""));
    // A returned edition's note, for its author.
    assert_eq!(p.post(&format!("/api/v1/edisi/{id}/langkah"), &json!({ "langkah": "ajukan" })).status, 200);
    let mut v = server.login("verifikator", &accounts["verifikator"]);
    assert_eq!(v.post(&format!("/api/v1/edisi/{id}/langkah"), &json!({ "langkah": "kembalikan", "catatan": "Tabel 3.4; baris 5 kurang" })).status, 200);
    let notes = p.get(&format!("/api/v1/edisi/{id}/catatan")).json();
    assert_eq!(notes[0]["langkah"], "kembalikan", "{notes}");
    assert_eq!(notes[0]["catatan"], "Tabel 3.4; baris 5 kurang", "a note with '; ' in it stays whole");
    assert_eq!(notes[0]["pengguna"], "verifikator");
    assert_eq!((notes[0]["dari"].as_str(), notes[0]["ke"].as_str()), (Some("diajukan"), Some("dikembalikan")));
    assert_eq!(notes[1]["langkah"], "ajukan");
    let mut lain = server.login("lain", &accounts["lain"]);
    assert_eq!(lain.get(&format!("/edisi/{id}/riwayat")).status, 404);
    assert_eq!(lain.get(&format!("/api/v1/edisi/{id}/catatan")).status, 404);
}

/// The completion vocabulary (`GET …/revisi/{rev}/kosakata`) over HTTP: computed from the
/// revision's sources (a code added in a saved file is offered after the save), readable by whoever
/// may read the edition, 404 for another OPD, 401 without a session.
#[test]
fn completion_vocabulary_comes_from_the_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let mut p = server.login("penyusun", &accounts["penyusun"]);
    let head = p.get(&format!("/api/v1/edisi/{id}")).json()["kepala"].as_str().unwrap().to_string();
    let url = |rev: &str| format!("/api/v1/edisi/{id}/revisi/{rev}/kosakata");
    let r = p.get(&url(&head));
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let var = |v: &serde_json::Value, name: &str| v["variabel"].as_array().unwrap().iter().find(|x| x[0] == name).map(|x| x[1].as_str().unwrap().to_string());
    assert_eq!(var(&v, "edisi.tahun").as_deref(), Some("2022"));
    assert!(var(&v, "opd.nama").unwrap().contains("Tenaga Kerja"));
    assert!(v["fungsi"].as_array().unwrap().iter().any(|f| f == "tabel"));
    assert!(v["berkas"]["data/landasan-hukum.toml"]["kolom"].as_array().unwrap().iter().any(|k| k == "tentang"));
    let codes = |v: &serde_json::Value| v["kode"].as_array().unwrap().iter().map(|k| k[0].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(!codes(&v).contains(&"2.07.01.2.01.0099".to_string()));
    // A code added to the nomenclature is offered for the new revision, with its name.
    let f = "data/nomenklatur.toml";
    let text = p.get(&format!("/api/v1/edisi/{id}/revisi/{head}/berkas/{f}")).text();
    let added = format!("{text}\n[[nomenklatur]]\nkode = \"2.07.01.2.01.0099\"\nnama = \"Sub Kegiatan Uji Kosakata\"\n");
    let r = p.post(&format!("/api/v1/edisi/{id}/revisi"), &json!({ "dasar": head, "pesan": "kode baru", "berkas": { f: added } }));
    assert_eq!(r.status, 201, "{}", r.text());
    let rev = r.json()["revisi"]["id"].as_str().unwrap().to_string();
    let v2 = p.get(&url(&rev)).json();
    let k = v2["kode"].as_array().unwrap().iter().find(|k| k[0] == "2.07.01.2.01.0099").expect("the new code");
    assert_eq!(k[1], "Sub Kegiatan Uji Kosakata");
    // Who may ask.
    let mut v = server.login("verifikator", &accounts["verifikator"]);
    assert_eq!(v.get(&url(&rev)).status, 200);
    let mut lain = server.login("lain", &accounts["lain"]);
    assert_eq!(lain.get(&url(&rev)).status, 404);
    assert_eq!(server.client().get(&url(&rev)).status, 401);
    assert_eq!(p.get(&url("0000")).status, 404);
}

/// The last check result of a revision is kept by revision id: a save's check fills the cache
/// (the dashboard's column reads it without checking again), `GET …/periksa` says where its
/// answer came from (`x-renja-periksa`), and the counts are those of the save.
#[test]
fn check_results_are_kept_by_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let mut p = server.login("penyusun", &accounts["penyusun"]);
    let head = p.get(&format!("/api/v1/edisi/{id}")).json()["kepala"].as_str().unwrap().to_string();
    let first = p.get(&format!("/api/v1/edisi/{id}/revisi/{head}/periksa"));
    assert_eq!(first.status, 200);
    let again = p.get(&format!("/api/v1/edisi/{id}/revisi/{head}/periksa"));
    assert_eq!(again.header("x-renja-periksa"), Some("tembolok"), "the second answer comes from the cache");
    assert_eq!(first.json(), again.json());
    // A save with an error: its check is kept; the dashboard's request finds it.
    let path = "data/rencana.toml";
    let text = p.get(&format!("/api/v1/edisi/{id}/revisi/{head}/berkas/{path}")).text();
    let bad = text.replacen("pagu_sesudah = 97020000", "pagu_sesudah = -1", 1);
    assert_ne!(bad, text);
    let r = p.post(&format!("/api/v1/edisi/{id}/revisi"), &json!({ "dasar": head, "pesan": "uji", "berkas": { path: bad } }));
    assert_eq!(r.status, 201, "{}", r.text());
    let saved = r.json();
    let rev = saved["revisi"]["id"].as_str().unwrap().to_string();
    assert!(saved["periksa"]["kesalahan"].as_u64().unwrap() >= 1);
    let now = p.get(&format!("/api/v1/edisi/{id}/revisi/{rev}/periksa"));
    assert_eq!(now.header("x-renja-periksa"), Some("tembolok"), "the save's check was kept");
    assert_eq!(now.json()["kesalahan"], saved["periksa"]["kesalahan"]);
    assert_eq!(now.json()["peringatan"], saved["periksa"]["peringatan"]);
    // Another OPD's author gets nothing from the cache either.
    let mut lain = server.login("lain", &accounts["lain"]);
    assert_eq!(lain.get(&format!("/api/v1/edisi/{id}/revisi/{rev}/periksa")).status, 404);
}

/// Runs tests/e2e/dialog.mjs in MODE against `server` with extra environment; returns stdout.
fn run_dialog_e2e(mode: &str, server: &Server, accounts: &std::collections::BTreeMap<String, String>, id: i64, env: &[(&str, &str)]) -> String {
    let e2e = Path::new(ROOT).join("tests/e2e");
    let mut c = Command::new("node");
    c.arg(e2e.join("dialog.mjs"))
        .arg(mode)
        .arg(&server.base)
        .arg(id.to_string())
        .arg(Path::new(ROOT).join("target/web-shots"))
        .env("WEB_AKUN", serde_json::to_string(accounts).unwrap())
        .env("CHROMIUM", std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .current_dir(&e2e);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("run node");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    println!("{stdout}");
    assert!(o.status.success(), "e2e failed\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&o.stderr));
    stdout
}

/// The workbook import form in real headless chromium (tests/e2e/dialog.mjs xlsx): a SIPD-style
/// workbook made from the sample's model (tests/support/xlsx_gen.py) into the emptied Tabel 3.4:
/// the report first, nothing saved; then a new revision whose data/rencana.toml has the rows.
#[cfg_attr(not(all(renja_tools = "browser", renja_tools = "openpyxl")), ignore = "needs chromium, node, playwright-core and openpyxl (tests/run.sh installs them)")]
#[test]
fn workbook_import_form_in_headless_chromium() {
    common::require(&["browser", "openpyxl"]);
    let dir = tempfile::tempdir().unwrap();
    let (server, accounts, id) = server_with_other_opd(dir.path());
    let mut p = server.login("penyusun", &accounts["penyusun"]);
    let head = p.get(&format!("/api/v1/edisi/{id}")).json()["kepala"].as_str().unwrap().to_string();
    let model = p.get(&format!("/api/v1/edisi/{id}/revisi/{head}/susun/json"));
    assert_eq!(model.status, 200);
    let model_path = dir.path().join("model.json");
    std::fs::write(&model_path, &model.body).unwrap();
    let book = dir.path().join("sipd.xlsx");
    let o = Command::new("python3")
        .arg("tests/support/xlsx_gen.py")
        .args(["sipd", model_path.to_str().unwrap(), book.to_str().unwrap()])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(o.status.success(), "xlsx_gen: {}", String::from_utf8_lossy(&o.stderr));
    // Empty Tabel 3.4 (keep [tabel] and the comments above the rows).
    let f = "data/rencana.toml";
    let t = p.get(&format!("/api/v1/edisi/{id}/revisi/{head}/berkas/{f}")).text();
    let cut = t.find("\n[[baris]]").expect("rows");
    let r = p.post(&format!("/api/v1/edisi/{id}/revisi"), &json!({ "dasar": head, "pesan": "kosongkan tabel", "berkas": { f: &t[..cut + 1] } }));
    assert_eq!(r.status, 201, "{}", r.text());
    let out = run_dialog_e2e("xlsx", &server, &accounts, id, &[("WEB_BUKU", book.to_str().unwrap()), ("WEB_LEMBAR", "Renja")]);
    for step in ["xlsx: the report", "xlsx: saved as a new revision"] {
        assert!(out.contains(step), "step {step:?} ran:\n{out}");
    }
}

/// The sign dialog's BSrE path in real headless chromium (tests/e2e/dialog.mjs bsre): the server
/// runs with `--bsre` against tests/support/bsre_standin.py; the final edition is signed from the
/// dialog with NIK and passphrase after a malformed NIK and a wrong passphrase were refused; the
/// signed PDF verifies with `renja verify`.
#[cfg_attr(
    not(all(renja_tools = "browser", renja_tools = "sign", renja_tools = "pyhanko")),
    ignore = "needs chromium, node, playwright-core, openssl and pyhanko (tests/run.sh installs them)"
)]
#[test]
fn bsre_sign_dialog_in_headless_chromium() {
    common::require(&["browser", "sign", "pyhanko"]);
    const PASSPHRASE: &str = "Frasa#Web-Bsre-5Qz";
    const WRONG: &str = "frasaSalah-Web-2Kp";
    const CLIENT_PASSWORD: &str = "Klien#Web-Sandi-8Wd";
    const NIK: &str = "6301011234560002";
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let o = Command::new("bash").arg(Path::new(ROOT).join("tests/support/pki.sh")).arg(&pki).env("PKI_PASSWORD", "Pki#Web-uji-4").output().unwrap();
    assert!(o.status.success(), "pki.sh: {}", String::from_utf8_lossy(&o.stderr));
    let state = dir.path().join("standin");
    std::fs::create_dir_all(&state).unwrap();
    let config = json!({ "user": "renja-klien", "password": CLIENT_PASSWORD, "passphrase": PASSPHRASE, "totp": "482913", "nik": { NIK: "ok" } });
    std::fs::write(state.join("config.json"), config.to_string()).unwrap();
    let standin = common::LocalService::start("bsre_standin.py", &[&pki, &state]);
    let port = &standin.port;
    let client_config = dir.path().join("bsre.toml");
    std::fs::write(&client_config, format!("pengguna = \"renja-klien\"\nsandi = \"{CLIENT_PASSWORD}\"\nbatas_waktu_detik = 60\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&client_config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let bsre_url = format!("http://127.0.0.1:{port}");
    let server = Server::start(&dir.path().join("data"), &["--contoh", "--bsre", &bsre_url, "--bsre-config", client_config.to_str().unwrap()]);
    let accounts = demo_accounts(&server);
    let mut p = server.login("penyusun", &accounts["penyusun"]);
    let mut v = server.login("verifikator", &accounts["verifikator"]);
    let list = p.get("/api/v1/edisi").json();
    let id = list.as_array().unwrap().iter().find(|e| e["jenis"] == "perubahan" && e["tahun"] == 2022).unwrap()["id"].as_i64().unwrap();
    let url = |step: &str| format!("/api/v1/edisi/{id}/{step}");
    assert_eq!(p.post(&url("langkah"), &json!({ "langkah": "ajukan" })).status, 200);
    assert_eq!(v.post(&url("langkah"), &json!({ "langkah": "setujui" })).status, 200);
    let r = p.post(&url("finalkan"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text());
    let out = run_dialog_e2e("bsre", &server, &accounts, id, &[("WEB_NIK", NIK), ("WEB_FRASA", PASSPHRASE), ("WEB_FRASA_SALAH", WRONG)]);
    for step in ["bsre: a malformed NIK refused", "bsre: signed through BSrE"] {
        assert!(out.contains(step), "step {step:?} ran:\n{out}");
    }
    let signed = p.get(&url("final/pdf_ttd")).body;
    let f = dir.path().join("bsre.ttd.pdf");
    std::fs::write(&f, &signed).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_renja")).arg("verify").arg(&f).arg("--ca").arg(pki.join("root.pem")).output().unwrap();
    assert!(o.status.success(), "renja verify: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(state.join("requests.jsonl")).unwrap().contains(NIK), "the stand-in got the NIK");
}
