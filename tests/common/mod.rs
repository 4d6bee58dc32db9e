//! Helpers shared by the integration tests: running the binary and external tools, and a private
//! copy of the sample edition with its layouts and fonts that a test may edit.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
pub const SLUG: &str = "renja-perubahan-2022-disnakertrans-paser";

/// Runs `renja` with `args` in `cwd`.
pub fn renja(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renja")).args(args).current_dir(cwd).output().expect("run renja")
}

/// Runs an external tool that must exist and succeed; returns its stdout.
pub fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("{name} is required (tests/run.sh installs it): {e}"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A folder under target/tmp kept for the whole test binary (statics are never dropped, so a
/// `TempDir` in one would never be removed either). Folders with the same prefix left by runs
/// over two hours old are removed first: a kept hard link of an old binary holds its blocks.
pub fn kept_dir(prefix: &str) -> std::path::PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for e in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
        let old = e.metadata().and_then(|m| m.modified()).map(|t| t.elapsed().map(|d| d.as_secs() > 7_200).unwrap_or(false)).unwrap_or(false);
        if e.file_name().to_string_lossy().starts_with(prefix) && old {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    tempfile::Builder::new().prefix(prefix).tempdir_in(tmp).unwrap().keep()
}

/// The renja binary under test, pinned: a hard link (or copy) of the one cargo built for this
/// test binary, in a [`kept_dir`] named by `prefix`, so a concurrent build sharing the target
/// directory cannot swap it mid-run.
pub fn pinned_renja(prefix: &str) -> std::path::PathBuf {
    let pinned = kept_dir(prefix).join("renja");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_renja"), &pinned).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_renja"), &pinned).unwrap();
    }
    pinned
}

/// A private copy of content/, layouts/ and fonts/ so tests can edit them.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for d in ["content", "layouts", "fonts"] {
        copy_dir(&Path::new(ROOT).join(d), &dir.path().join(d));
    }
    dir
}

/// Text with all white space removed, for comparing text that layout may wrap.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The sample's computed model (`renja export --json content`).
pub fn model() -> Value {
    let o = renja(&["export", "--json", "content"], Path::new(ROOT));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every sub kegiatan name of the tables with program rows, as (table, name).
pub fn sub_kegiatan_names(m: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for t in ["evaluasi", "rencana", "rkpd"] {
        for r in m["data"][t]["baris"].as_array().unwrap() {
            if r["tingkat"] == "sub_kegiatan" {
                out.push((t, r["nama"].as_str().unwrap().to_string()));
            }
        }
    }
    out
}

pub mod tools;

/// Whether a command is on PATH.
pub fn has(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")]).status().map(|s| s.success()).unwrap_or(false)
}

/// The one helper for tests that need external tools. Such a test carries, for each tool group
/// it needs (tests/common/tools.rs),
///
/// ```ignore
/// #[cfg_attr(not(renja_tools = "sign"), ignore = "needs openssl, pdfsig, certutil (tests/run.sh installs them)")]
/// ```
///
/// so where a group is missing the test is reported as *ignored* (build.rs decides), and calls
/// `require(&["sign"])` first, which fails the test when a group is missing after all: always
/// under CI=true (where every group must be installed), and elsewhere when the build's view is
/// stale (then `touch build.rs`). It never skips silently.
pub fn require(groups: &[&str]) {
    let root = Path::new(ROOT);
    let missing: Vec<String> = groups
        .iter()
        .flat_map(|g| tools::missing_tools(g, root).into_iter().map(move |t| format!("{t} ({g})")))
        .collect();
    if missing.is_empty() {
        return;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if ci {
        panic!("required under CI=true but not installed: {} (tests/run.sh installs them)", missing.join(", "));
    }
    panic!(
        "not installed: {}; build.rs saw them installed when it last ran — run `touch build.rs` (or tests/run.sh) so these tests are ignored, or install them",
        missing.join(", ")
    );
}

/// A helper server of tests/support (tsa.py, bsre_standin.py) on 127.0.0.1: started with
/// `python3 tests/support/SCRIPT ARGS…`, it prints `PORT <n>` once listening. Killed when dropped,
/// also when the test fails.
pub struct LocalService {
    child: std::process::Child,
    pub port: String,
}

impl LocalService {
    pub fn start(script: &str, args: &[&Path]) -> LocalService {
        use std::io::BufRead as _;
        let mut child = Command::new("python3")
            .arg(Path::new(ROOT).join("tests/support").join(script))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 tests/support/{script}: {e}"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        // Owned (and so killed) before the line is judged.
        let mut service = LocalService { child, port: String::new() };
        service.port = line.trim().strip_prefix("PORT ").unwrap_or_else(|| panic!("{script} said {line:?}")).to_string();
        service
    }
}

impl Drop for LocalService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The former helper, kept so tests written against it still compile: fails the test when a
/// command is missing (it no longer skips). New tests use [`require`] with a `cfg_attr` ignore.
pub fn require_tools(cmds: &[&str]) -> bool {
    let missing: Vec<&str> = cmds.iter().copied().filter(|c| !has(c)).collect();
    assert!(missing.is_empty(), "not installed: {missing:?} (tests/run.sh installs them); give the test a cfg_attr ignore (see common::require)");
    true
}

/// Turns a copy of the Perubahan sample in `dir` into a valid Renja murni of the same year: jenis
/// murni without revisi, the quarterly evaluation kept by naming its form, Tabel 3.4 with one
/// value per cell — the before values (`sesudah = false`) or the after values (`true`) — and the
/// Perubahan-only fields of data/tujuan-sasaran.toml removed.
pub fn murni_of_sample(dir: &Path, sesudah: bool) {
    let edit = |file: &str, f: &dyn Fn(&str) -> Option<String>| {
        let p = dir.join(file);
        let s = std::fs::read_to_string(&p).unwrap();
        let out: Vec<String> = s.lines().filter_map(f).collect();
        std::fs::write(&p, out.join("\n") + "\n").unwrap();
    };
    edit("edisi.toml", &|l| match l {
        "jenis = \"perubahan\"" => Some("jenis = \"murni\"".into()),
        l if l.starts_with("revisi = ") => None,
        l => Some(l.to_string()),
    });
    edit("data/evaluasi.toml", &|l| if l.starts_with("tahun_lalu = ") { Some(format!("{l}\nbentuk = \"triwulan\"")) } else { Some(l.to_string()) });
    let (keep, drop) = if sesudah { ("pagu_sesudah = ", "pagu_sebelum = ") } else { ("pagu_sebelum = ", "pagu_sesudah = ") };
    edit("data/rencana.toml", &|l| {
        if l.starts_with(drop) || l.starts_with("selisih = ") {
            return None;
        }
        if let Some(v) = l.strip_prefix(keep) {
            return Some(format!("pagu = {v}"));
        }
        // `target_x = { sebelum = "a", sesudah = "b" }` → `target_x = "a"` (or "b").
        if l.starts_with("target_") && l.contains("{ sebelum = ") {
            let (name, rest) = l.split_once(" = ").unwrap();
            let v: toml::Value = toml::from_str(&format!("x = {rest}")).unwrap();
            let side = if sesudah { "sesudah" } else { "sebelum" };
            let value = v["x"].get(side).cloned().unwrap_or(toml::Value::String(String::new()));
            return Some(format!("{name} = {value}"));
        }
        Some(l.to_string())
    });
    edit("data/tujuan-sasaran.toml", &|l| if l.starts_with("target_perubahan = ") || l.starts_with("realisasi = ") { None } else { Some(l.to_string()) });
}

/// A small xorshift generator for the kill tests' random moments (seeded from the clock unless a
/// seed is given, so a failing seed can be replayed).
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        Rng::seeded(t)
    }

    pub fn seeded(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// A number in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Runs `add` (a `renja archive … add`) with the archive's fault hook (`RENJA_ARSIP_JEDA_MS=20`:
/// it announces "jeda:" on stderr when it starts storing and pauses around each object write),
/// waits for that announcement, kills the process (-9) `delay_ms` later and returns whether it
/// had already finished successfully. Both archive backends' kill tests use it.
pub fn kill_add_while_storing(mut add: Command, delay_ms: u64) -> bool {
    use std::io::{BufRead, BufReader};
    let mut child = add
        .env("RENJA_ARSIP_JEDA_MS", "20")
        .current_dir(ROOT)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run renja archive add");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.starts_with("jeda:"), "the add did not announce its storage phase: {line:?}");
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = child.kill();
    child.wait().unwrap().success()
}
