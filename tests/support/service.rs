//! A real `renja serve` on a free loopback port, and a small HTTP client (ureq) that keeps its
//! session cookie, for the service tests.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const ADMIN_PASSWORD: &str = "sandi-admin-uji-123";

/// The renja binary the tests drive: the one cargo built, or `RENJA_TEST_BIN` (to measure the
/// web tests' latencies with a release build: `RENJA_TEST_BIN=target/release/renja cargo test
/// --test web workspace -- --nocapture`).
pub fn renja() -> Command {
    match std::env::var_os("RENJA_TEST_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::new(env!("CARGO_BIN_EXE_renja")),
    }
}

/// The backend the suite runs on: `RENJA_TEST_DATABASE=postgres` runs every service test on
/// PostgreSQL (a database of its own per data folder in the throwaway cluster tests/run.sh starts
/// and names in `RENJA_TEST_PG_URL`); otherwise SQLite in the data folder.
pub fn on_postgres() -> bool {
    match std::env::var("RENJA_TEST_DATABASE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("RENJA_TEST_DATABASE={other}: expected postgres or sqlite"),
    }
}

/// The PostgreSQL cluster's URL (`RENJA_TEST_PG_URL`, set by tests/run.sh); required on CI.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("RENJA_TEST_PG_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true: RENJA_TEST_PG_URL is not set; tests/run.sh starts the PostgreSQL cluster the service suite needs");
    }
    url
}

/// Runs SQL on the cluster's maintenance database (`psql`), panicking on failure.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql").args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql]).output().expect("psql (postgresql-client)");
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The URL of a database `name` of its own in the cluster, created on first use.
pub fn pg_database(name: &str) -> String {
    static MADE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let base = pg_url().expect("RENJA_TEST_PG_URL (tests/run.sh starts a PostgreSQL cluster)");
    let mut made = MADE.lock().unwrap_or_else(|p| p.into_inner());
    if !made.iter().any(|m| m == name) {
        psql(&base, &format!("CREATE DATABASE {name}"));
        made.push(name.to_string());
    }
    let (head, _) = base.rsplit_once('/').expect("postgres://…/database");
    format!("{head}/{name}")
}

/// The `--database URL` arguments for the data folder `data` on the suite's backend (none on
/// SQLite): each data folder has its own database, as each has its own SQLite file.
pub fn db_args(data: &Path) -> Vec<String> {
    if !on_postgres() {
        return Vec::new();
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    std::process::id().hash(&mut h);
    vec!["--database".into(), pg_database(&format!("renja_uji_{:016x}", h.finish()))]
}

/// The archive the server on `data` puts editions into (`renja archive --arsip` of it): the data
/// folder's `arsip/`, or on PostgreSQL the data folder's database.
pub fn arsip_location(data: &Path) -> std::ffi::OsString {
    match db_args(data).pop() {
        Some(url) => url.into(),
        None => data.join("arsip").into(),
    }
}

/// `renja serve init` on `data` with the password from the environment.
pub fn init(data: &Path) {
    let out = renja().args(["serve", "init", "--data"]).arg(data).args(db_args(data)).env("RENJA_ADMIN_PASSWORD", ADMIN_PASSWORD).output().unwrap();
    assert!(out.status.success(), "init: {}", String::from_utf8_lossy(&out.stderr));
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
    /// Lines printed before the address line (the demo accounts of --contoh).
    pub preamble: Vec<String>,
}

impl Server {
    /// Starts `renja serve --data DATA --listen 127.0.0.1:0 EXTRA…` and waits for its address.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Self::spawn(data, extra, None)
    }

    /// As [`Server::start`] on the PostgreSQL database `url` (whatever the suite's backend).
    pub fn start_on(data: &Path, url: &str, extra: &[&str]) -> Server {
        let mut args = vec!["--database", url];
        args.extend_from_slice(extra);
        Self::spawn_db(data, &args, None, false)
    }

    /// As [`Server::start`], with everything the server prints (standard output and error) kept
    /// in `log` (to assert what never appears there).
    pub fn start_logged(data: &Path, extra: &[&str], log: &Path) -> Server {
        Self::spawn(data, extra, Some(log))
    }

    fn spawn(data: &Path, extra: &[&str], log: Option<&Path>) -> Server {
        Self::spawn_db(data, extra, log, true)
    }

    fn spawn_db(data: &Path, extra: &[&str], log: Option<&Path>, suite_db: bool) -> Server {
        let stderr = match log {
            Some(p) => Stdio::from(std::fs::File::create(p).unwrap()),
            None => Stdio::inherit(),
        };
        let mut copy = log.map(|p| std::fs::OpenOptions::new().append(true).open(p).unwrap());
        let mut child = renja()
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .args(if suite_db { db_args(data) } else { Vec::new() })
            .args(extra)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut preamble = Vec::new();
        let base = loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                let _ = child.kill();
                panic!("server exited before listening: {preamble:?}");
            }
            if let Some(rest) = line.trim().strip_prefix("Layanan renja: ") {
                break rest.trim_end_matches("/api/v1/").to_string();
            }
            preamble.push(line.trim_end().to_string());
        };
        // Keep draining stdout so the server never blocks on a full pipe (into the log, if any).
        std::thread::spawn(move || {
            use std::io::Write;
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                if let Some(f) = copy.as_mut() {
                    let _ = f.write_all(sink.as_bytes());
                }
                sink.clear();
            }
        });
        Server { child, base, data: data.to_path_buf(), preamble }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client signed in as `login`.
    pub fn login(&self, login: &str, password: &str) -> Client {
        let mut c = self.client();
        let r = c.post("/api/v1/sesi", &serde_json::json!({ "login": login, "sandi": password }));
        assert_eq!(r.status, 200, "login {login}: {}", r.text());
        c
    }

    pub fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD)
    }

    /// SIGKILL, as a crash.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub cookie: Option<String>,
    agent: ureq::Agent,
    /// Extra headers sent with every request (Origin, X-Forwarded-…).
    pub extra: Vec<(String, String)>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let config = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(120))).max_redirects(0).build();
        Client { base: base.to_string(), cookie: None, agent: ureq::Agent::new_with_config(config), extra: Vec::new() }
    }

    fn finish(&mut self, r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        let mut r = r.unwrap_or_else(|e| panic!("request failed: {e}"));
        let headers: Vec<(String, String)> =
            r.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
        for (k, v) in &headers {
            if k == "set-cookie" {
                let pair = v.split(';').next().unwrap_or("");
                self.cookie = if pair.ends_with('=') { None } else { Some(pair.to_string()) };
            }
        }
        let body = r.body_mut().with_config().limit(200 * 1024 * 1024).read_to_vec().unwrap();
        Resp { status: r.status().as_u16(), headers, body }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&mut self, path: &str) -> Resp {
        let mut req = self.agent.get(&self.url(path));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in &self.extra {
            req = req.header(k, v);
        }
        let r = req.call();
        self.finish(r)
    }

    pub fn delete(&mut self, path: &str) -> Resp {
        let mut req = self.agent.delete(&self.url(path));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in &self.extra {
            req = req.header(k, v);
        }
        let r = req.call();
        self.finish(r)
    }

    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &[u8]) -> Resp {
        let mut req = self.agent.post(&self.url(path)).header("Content-Type", content_type);
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in &self.extra {
            req = req.header(k, v);
        }
        let r = req.send(body);
        self.finish(r)
    }

    pub fn post(&mut self, path: &str, body: &Value) -> Resp {
        self.post_raw(path, "application/json", serde_json::to_vec(body).unwrap().as_slice())
    }
}

/// An edition folder's files as a zip (for import).
pub fn zip_dir(dir: &Path) -> Vec<u8> {
    use std::io::Write;
    let mut files = Vec::new();
    collect(dir, "", &mut files);
    files.sort();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (rel, bytes) in files {
        w.start_file(rel.as_str(), opts).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub fn collect(dir: &Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_str().unwrap().to_string();
        let r = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if e.file_type().unwrap().is_dir() {
            collect(&e.path(), &r, out);
        } else {
            out.push((r, std::fs::read(e.path()).unwrap()));
        }
    }
}

/// A zip's entries as (name, bytes), sorted.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.push((f.name().to_string(), b));
    }
    out.sort();
    out
}

/// A POST of a `len`-byte body (spaces) that reads the answer while it writes: a server that
/// refuses by size answers and closes the connection once the limit is passed, and a client that
/// only reads after writing the whole body would get EPIPE instead of the answer (a race on a
/// loaded machine). Write errors after the answer are expected and ignored. Returns status and
/// body text.
pub fn post_huge(base: &str, path: &str, cookie: Option<&str>, content_type: &str, len: usize) -> (u16, String) {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    head.push_str("\r\n");
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        if w.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = left.min(chunk.len());
            if w.write_all(&chunk[..n]).is_err() {
                return;
            }
            left -= n;
        }
    });
    let mut buf = Vec::new();
    let mut part = [0u8; 16 * 1024];
    loop {
        match s.read(&mut part) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&part[..n]),
            Err(_) => break,
        }
    }
    let _ = writer.join();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}
