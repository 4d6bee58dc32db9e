//! The archive end to end (`renja archive …`, `renja new --from`), through the real binary and
//! the real build path: add → list → get (byte-identical restore), refused duplicate, new
//! revision, altered object named by verify, rebuild identical, diff murni → perubahan, signed
//! PDF check, SQL-level immutability, kill -9 at random moments, two concurrent adds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use common::{kill_add_while_storing, Rng};
use std::time::{Duration, Instant};

mod common;

/// The renja binary: `CARGO_BIN_EXE_renja`, or `RENJA_TEST_BIN` when set (several work trees share
/// one target folder here, so the uplifted `target/debug/renja` may belong to another tree; copy
/// the freshly built binary aside and point `RENJA_TEST_BIN` at it).
static BIN_PATH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| std::env::var("RENJA_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_renja").to_string()));

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

fn renja(arsip: &Path, args: &[&str]) -> Output {
    Command::new(&*BIN_PATH)
        .args(args)
        .env("RENJA_ARSIP", arsip)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("renja runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Adds `dir`; asserts success; returns the printed edition id.
fn add(arsip: &Path, dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["archive", "add", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = renja(arsip, &args);
    assert_eq!(o.status.code(), Some(0), "add failed: {}", text(&o.stderr));
    let id = text(&o.stdout).trim().to_string();
    assert!(!id.is_empty() && !id.contains('\n'), "one id on stdout: {id:?}");
    id
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Every file under `dir` as (relative path, bytes).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push((p.strip_prefix(base).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A copy of the sample with `edisi.toml` edited by `(from, to)` replacements (each must apply).
fn variant(dir: &Path, edits: &[(&str, &str, &str)]) -> PathBuf {
    copy_dir(&sample(), dir);
    for (file, from, to) in edits {
        let p = dir.join(file);
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.contains(from), "{file} contains {from}");
        std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
    }
    dir.to_path_buf()
}

fn verify(arsip: &Path) -> Output {
    renja(arsip, &["archive", "verify"])
}

#[test]
fn add_list_get_refuse_revise_verify_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let id = add(&arsip, &sample(), &[]);
    assert!(id.starts_with("2022-perubahan-r1-"), "{id}");

    let list = renja(&arsip, &["archive", "list"]);
    assert_eq!(list.status.code(), Some(0));
    assert!(text(&list.stdout).contains(&id), "{}", text(&list.stdout));
    let filtered = renja(&arsip, &["archive", "list", "--opd", "disnaker", "--tahun", "2022"]);
    assert!(text(&filtered.stdout).contains(&id));
    let none = renja(&arsip, &["archive", "list", "--tahun", "2021"]);
    assert_eq!(none.status.code(), Some(0));
    assert!(!text(&none.stdout).contains(&id));

    let show = renja(&arsip, &["archive", "show", &id[..20]]);
    assert_eq!(show.status.code(), Some(0), "{}", text(&show.stderr));
    let s = text(&show.stdout);
    assert!(s.contains("Ir. Madju P. Simangunsong") && s.contains("196407311990031007") && s.contains("pdf "), "{s}");

    // get: every source file byte for byte, the outputs under out/.
    let got = tmp.path().join("pulih");
    let o = renja(&arsip, &["archive", "get", &id, "-o", got.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let restored: Vec<_> = files(&got).into_iter().filter(|(p, _)| !p.starts_with("out/")).collect();
    assert_eq!(restored, files(&sample()), "sources restored byte for byte");
    let slug = "renja-perubahan-2022-disnakertrans-paser";
    let pdf = std::fs::read(got.join(format!("out/{slug}.pdf"))).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(got.join(format!("out/{slug}.docx")).is_file() && got.join(format!("out/{slug}.json")).is_file());
    // The archived PDF is the final build: the same bytes as `renja build --final`.
    let built = tmp.path().join("build");
    let b = Command::new(&*BIN_PATH).args(["build", "--final", "--format", "pdf", "-o", built.to_str().unwrap()]).arg(sample()).output().unwrap();
    assert_eq!(b.status.code(), Some(0));
    assert_eq!(std::fs::read(built.join(format!("{slug}.pdf"))).unwrap(), pdf, "archived PDF = renja build --final");
    // get never writes into a non-empty folder.
    let again = renja(&arsip, &["archive", "get", &id, "-o", got.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));

    // The same edition again: refused, clearly, and nothing added.
    let dup = renja(&arsip, &["archive", "add", sample().to_str().unwrap()]);
    assert_eq!(dup.status.code(), Some(1));
    let msg = text(&dup.stderr);
    assert!(msg.contains("sudah ada di arsip") && msg.contains(&id) && msg.contains("--revisi-baru"), "{msg}");
    assert_eq!(text(&renja(&arsip, &["archive", "list"]).stdout).lines().count(), 2, "header + one edition");

    // Declared as a new revision: accepted under the next revision.
    let id2 = add(&arsip, &sample(), &["--revisi-baru"]);
    assert!(id2.starts_with("2022-perubahan-r2-"), "{id2}");

    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    assert!(text(&v.stdout).contains("2 edisi"));

    // rebuild with the current renja: identical.
    let r = renja(&arsip, &["archive", "rebuild", &id]);
    assert_eq!(r.status.code(), Some(0), "{}{}", text(&r.stdout), text(&r.stderr));
    assert!(text(&r.stdout).contains("PDF tanpa tanda tangan: identik"), "{}", text(&r.stdout));

    // Alter one stored object (the rencana source): verify fails and names it.
    let sha = renja(&arsip, &["archive", "show", &id]);
    let line = text(&sha.stdout).lines().find(|l| l.ends_with("data/rencana.toml")).unwrap().to_string();
    let prefix = line.split_whitespace().nth(2).unwrap().to_string();
    let obj = std::fs::read_dir(arsip.join("objek").join(&prefix[..2]))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&prefix[2..]))
        .unwrap();
    let mut perm = std::fs::metadata(&obj).unwrap().permissions();
    assert!(perm.readonly(), "stored objects are read-only");
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&obj, perm).unwrap();
    let mut bytes = std::fs::read(&obj).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&obj, bytes).unwrap();
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(1));
    let e = text(&v.stderr);
    assert!(e.contains("data/rencana.toml") && e.contains("telah berubah") && e.contains(&id), "{e}");
    let v1 = renja(&arsip, &["archive", "verify", &id2]);
    assert_eq!(v1.status.code(), Some(1), "r2 shares the object");
    // A removed object is named as missing.
    std::fs::remove_file(&obj).unwrap();
    let e = text(&verify(&arsip).stderr);
    assert!(e.contains("data/rencana.toml") && e.contains("hilang"), "{e}");
    // And get refuses to restore it silently.
    let g = renja(&arsip, &["archive", "get", &id, "-o", tmp.path().join("g2").to_str().unwrap()]);
    assert_eq!(g.status.code(), Some(1));
    assert!(text(&g.stderr).contains("data/rencana.toml"));
    assert!(!tmp.path().join("g2").exists(), "no partial folder left");
}

#[test]
fn unknown_id_and_missing_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("tidak-ada");
    let o = renja(&arsip, &["archive", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("error: arsip tidak ditemukan"), "{}", text(&o.stderr));
    assert!(!arsip.exists(), "list does not create an archive");
    let bad = renja(&arsip, &["archive", "add", tmp.path().join("nope").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn diff_murni_perubahan_shows_pagu_rows_and_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    // The murni variant: a Renja murni with the sample's final values (one value per cell), and one
    // sub kegiatan with a smaller pagu.
    let murni = variant(&tmp.path().join("murni"), &[("data/rencana.toml", "pagu_sesudah = 97020000", "pagu_sesudah = 90000000")]);
    common::murni_of_sample(&murni, true);
    let a = add(&arsip, &murni, &[]);
    assert!(a.starts_with("2022-murni-r0-"), "{a}");
    let b = add(&arsip, &sample(), &[]);
    let o = renja(&arsip, &["archive", "diff", &a, &b]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let d = text(&o.stdout);
    assert!(d.contains("~ 2.07.01.2.01.0001 Penyusunan Dokumen Perencanaan Perangkat Daerah"), "{d}");
    assert!(d.contains("pagu sesudah: 90.000.000 → 97.020.000 (+7.020.000)"), "{d}");
    assert!(d.contains("pagu sesudah: 10.013.462.792 → 10.020.482.792 (+7.020.000)"), "total: {d}");
    assert!(d.contains("1 sub kegiatan berubah, 0 ditambah, 0 dihapus."), "{d}");
    let same = text(&renja(&arsip, &["archive", "diff", &b, &b]).stdout);
    assert!(same.contains("0 sub kegiatan berubah, 0 ditambah, 0 dihapus."), "{same}");
}

#[test]
fn signed_pdf_must_extend_the_built_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let built = tmp.path().join("out");
    let b = Command::new(&*BIN_PATH).args(["build", "--final", "--format", "pdf", "-o", built.to_str().unwrap()]).arg(sample()).output().unwrap();
    assert_eq!(b.status.code(), Some(0));
    let pdf = std::fs::read(built.join("renja-perubahan-2022-disnakertrans-paser.pdf")).unwrap();
    // Not an extension of this PDF: refused.
    let wrong = tmp.path().join("lain.ttd.pdf");
    let mut w = pdf.clone();
    w[100] ^= 1;
    w.extend_from_slice(b"\n% tanda tangan\n");
    std::fs::write(&wrong, &w).unwrap();
    let o = renja(&arsip, &["archive", "add", sample().to_str().unwrap(), "--ttd", wrong.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("PDF bertanda tangan bukan hasil susun sumber ini"), "{}", text(&o.stderr));
    // An appendix that is not a signature: refused too.
    let fake = tmp.path().join("palsu.ttd.pdf");
    let mut f = pdf.clone();
    f.extend_from_slice(b"\n% bukan tanda tangan\n");
    std::fs::write(&fake, &f).unwrap();
    let o = renja(&arsip, &["archive", "add", sample().to_str().unwrap(), "--ttd", fake.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("tanda tangan elektronik tidak ada atau tidak sah"), "{}", text(&o.stderr));
    // A real signature of exactly this PDF (test PKI from tests/support/pki.sh): stored as pdf_ttd
    // next to the unsigned PDF, with its signing time.
    let pki = tmp.path().join("pki");
    let st = Command::new("bash").arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/pki.sh")).arg(&pki).output().unwrap();
    assert!(st.status.success(), "pki.sh: {}", text(&st.stderr));
    let good = tmp.path().join("ok.ttd.pdf");
    let src = built.join("renja-perubahan-2022-disnakertrans-paser.pdf");
    let sg = Command::new(&*BIN_PATH)
        .args(["sign", src.to_str().unwrap(), "-o", good.to_str().unwrap(), "--key"])
        .arg(pki.join("signer.key"))
        .arg("--cert")
        .arg(pki.join("signer.pem"))
        .env_remove("RENJA_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(sg.status.code(), Some(0), "{}", text(&sg.stderr));
    let g = std::fs::read(&good).unwrap();
    let id = add(&arsip, &sample(), &["--ttd", good.to_str().unwrap()]);
    let show = text(&renja(&arsip, &["archive", "show", &id]).stdout);
    assert!(show.contains("pdf_ttd") && show.contains("out/renja-perubahan-2022-disnakertrans-paser.ttd.pdf"), "{show}");
    assert!(show.contains("waktu tanda tangan: ") && !show.contains("waktu tanda tangan: -"), "{show}");
    let got = tmp.path().join("pulih");
    assert_eq!(renja(&arsip, &["archive", "get", &id, "-o", got.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(std::fs::read(got.join("out/renja-perubahan-2022-disnakertrans-paser.ttd.pdf")).unwrap(), g);
}

#[test]
fn database_refuses_update_and_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let id = add(&arsip, &sample(), &[]);
    let conn = rusqlite::Connection::open(arsip.join("arsip.db")).unwrap();
    for sql in ["UPDATE edisi SET tahun = 2023", "DELETE FROM edisi", "UPDATE berkas SET sha256 = 'x'", "DELETE FROM berkas"] {
        let e = conn.execute(sql, []).expect_err(sql);
        assert!(e.to_string().contains("tidak dapat"), "{sql}: {e}");
    }
    drop(conn);
    assert_eq!(verify(&arsip).status.code(), Some(0));
    assert!(text(&renja(&arsip, &["archive", "list"]).stdout).contains(&id));
}

/// A small deterministic pseudo-random sequence (no rand crate): xorshift seeded from the clock.
#[test]
fn kill_at_random_moments_leaves_the_archive_consistent() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    // One uninterrupted add measures how long an add takes here.
    let start = Instant::now();
    add(&arsip, &sample(), &[]);
    let full = start.elapsed().as_millis() as u64;
    let mut rng = Rng::new();
    let runs = 24;
    let mut committed = 0;
    for i in 0..runs {
        // Each run adds a distinct revision, so a run that got to commit shows up in the list.
        let dir = variant(&tmp.path().join(format!("r{i}")), &[("edisi.toml", "revisi = 1", &format!("revisi = {}", 10 + i))]);
        let mut child = Command::new(&*BIN_PATH)
            .args(["archive", "add", dir.to_str().unwrap()])
            .env("RENJA_ARSIP", &arsip)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the whole run, with extra weight near the end where the writes happen.
        let delay = if i % 2 == 0 { rng.below(full * 11 / 10) } else { full * 7 / 10 + rng.below(full * 5 / 10) };
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL on Unix
        let out = child.wait_with_output().unwrap();
        let v = verify(&arsip);
        assert_eq!(v.status.code(), Some(0), "run {i} (killed after {delay} ms): {}", text(&v.stderr));
        let listed = text(&renja(&arsip, &["archive", "list"]).stdout);
        let in_list = listed.contains(&format!("2022-perubahan-r{}-", 10 + i));
        let finished = out.status.success();
        if finished {
            assert!(in_list, "run {i}: a finished add is listed");
        }
        if in_list {
            committed += 1;
            // A listed edition is complete: it restores.
            let id = listed.lines().find(|l| l.starts_with(&format!("2022-perubahan-r{}-", 10 + i))).unwrap().split_whitespace().next().unwrap().to_string();
            let got = tmp.path().join(format!("g{i}"));
            let g = renja(&arsip, &["archive", "get", &id, "-o", got.to_str().unwrap()]);
            assert_eq!(g.status.code(), Some(0), "run {i}: {}", text(&g.stderr));
        } else {
            // Not committed: adding it again now succeeds (nothing half-stored blocks it).
            if i % 4 == 1 {
                add(&arsip, &dir, &[]);
                committed += 1;
            }
        }
    }
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    let n = text(&renja(&arsip, &["archive", "list"]).stdout).lines().count() - 1;
    assert_eq!(n, 1 + committed, "listed editions = the first + every committed one");
    eprintln!("kill test: {runs} runs, {committed} editions committed, add takes {full} ms");
}

/// Kills aimed at the storage phase itself: with the fault-testing hook `RENJA_ARSIP_JEDA_MS`
/// the add announces "jeda:" on stderr when it starts writing objects and pauses between them;
/// the kill lands at a random moment between the first object write and the commit.
#[test]
fn kill_during_object_writes_leaves_no_half_edition() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    add(&arsip, &sample(), &[]);
    let mut rng = Rng::new();
    let runs = 20;
    let (mut committed, mut interrupted) = (0, 0);
    for i in 0..runs {
        let dir = variant(&tmp.path().join(format!("j{i}")), &[("edisi.toml", "revisi = 1", &format!("revisi = {}", 50 + i))]);
        // A distinct file in each, so every run has a new object to write.
        std::fs::write(dir.join("catatan.txt"), format!("run {i}")).unwrap();
        let mut add = Command::new(&*BIN_PATH);
        add.args(["archive", "add", dir.to_str().unwrap()]).env("RENJA_ARSIP", &arsip);
        // 17 files, 18 pauses of 20 ms plus the writes: most kills land before the commit, some after.
        let succeeded = kill_add_while_storing(add, rng.below(520));
        let v = verify(&arsip);
        assert_eq!(v.status.code(), Some(0), "run {i}: {}", text(&v.stderr));
        let listed = text(&renja(&arsip, &["archive", "list"]).stdout);
        let in_list = listed.contains(&format!("2022-perubahan-r{}-", 50 + i));
        assert!(!succeeded || in_list);
        if in_list {
            committed += 1;
        } else {
            interrupted += 1;
        }
    }
    assert!(interrupted > 0, "at least one kill landed before the commit");
    let n = text(&renja(&arsip, &["archive", "list"]).stdout).lines().count() - 1;
    assert_eq!(n, 1 + committed);
    // The interrupted adds left only unreferenced objects, which verify mentions as harmless.
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(0));
    assert!(text(&v.stderr).contains("tidak dirujuk") || text(&v.stderr).contains("sementara"), "{}", text(&v.stderr));
    eprintln!("kill during writes: {runs} runs, {interrupted} interrupted before the commit, {committed} committed");
}

#[test]
fn two_concurrent_adds_twenty_times() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let rounds = 20;
    let mut expected = Vec::new();
    for i in 0..rounds {
        let a = variant(&tmp.path().join(format!("a{i}")), &[("edisi.toml", "revisi = 1", &format!("revisi = {}", 100 + 2 * i))]);
        let b = variant(&tmp.path().join(format!("b{i}")), &[("edisi.toml", "revisi = 1", &format!("revisi = {}", 101 + 2 * i))]);
        let spawn = |d: &Path| {
            Command::new(&*BIN_PATH)
                .args(["archive", "add", d.to_str().unwrap()])
                .env("RENJA_ARSIP", &arsip)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (ca, cb) = (spawn(&a), spawn(&b));
        for c in [ca, cb] {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "round {i}: {}", text(&o.stderr));
            expected.push(text(&o.stdout).trim().to_string());
        }
    }
    let listed = text(&renja(&arsip, &["archive", "list"]).stdout);
    for id in &expected {
        assert!(listed.contains(id), "{id} listed");
    }
    assert_eq!(listed.lines().count() - 1, 2 * rounds);
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
}

#[test]
fn racing_duplicates_one_wins_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let spawn = || {
        Command::new(&*BIN_PATH)
            .args(["archive", "add", sample().to_str().unwrap()])
            .env("RENJA_ARSIP", &arsip)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(1)], "{} / {}", text(&a.stderr), text(&b.stderr));
    let loser = if a.status.success() { &b } else { &a };
    assert!(text(&loser.stderr).contains("sudah ada di arsip"), "{}", text(&loser.stderr));
    assert_eq!(verify(&arsip).status.code(), Some(0));
}

// --- Damaged, empty, read-only archives and missing folders (issue #14) ---------------------

/// Every file under `dir` with its bytes and modification time, and every folder.
fn fingerprint(dir: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>, std::time::SystemTime)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::metadata(&p).unwrap();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if m.is_dir() {
                out.push((format!("{rel}/"), Vec::new(), m.modified().unwrap()));
                walk(base, &p, out);
            } else {
                out.push((rel, std::fs::read(&p).unwrap(), m.modified().unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn set_mode(dir: &Path, file_mode: u32, dir_mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            set_mode(&p, file_mode, dir_mode);
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(file_mode)).unwrap();
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
}

#[test]
fn an_empty_or_missing_database_beside_stored_objects_is_damage() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    add(&arsip, &sample(), &[]);
    let db = arsip.join("arsip.db");
    let good = std::fs::read(&db).unwrap();

    // A 0-byte database while the objects are there.
    std::fs::write(&db, b"").unwrap();
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(1), "verify fails: {}", text(&v.stdout));
    let e = text(&v.stderr);
    assert!(e.contains("rusak") && e.contains("arsip.db kosong") && e.contains("objek"), "{e}");
    assert!(!text(&v.stdout).contains("arsip utuh"));
    let l = renja(&arsip, &["archive", "list"]);
    assert_eq!(l.status.code(), Some(1));
    assert!(text(&l.stderr).contains("rusak"), "list says the archive is damaged: {}", text(&l.stderr));
    let a = renja(&arsip, &["archive", "add", sample().to_str().unwrap(), "--revisi-baru"]);
    assert_eq!(a.status.code(), Some(1), "{}", text(&a.stderr));
    assert!(text(&a.stderr).contains("rusak") && text(&a.stderr).contains("tidak ada yang ditulis"), "{}", text(&a.stderr));
    assert_eq!(std::fs::read(&db).unwrap(), b"", "add wrote nothing into it");

    // No database at all while the objects are there.
    std::fs::remove_file(&db).unwrap();
    let l = renja(&arsip, &["archive", "list"]);
    assert_eq!(l.status.code(), Some(1));
    assert!(text(&l.stderr).contains("arsip.db tidak ada"), "{}", text(&l.stderr));
    assert_eq!(verify(&arsip).status.code(), Some(1));
    let a = renja(&arsip, &["archive", "add", sample().to_str().unwrap()]);
    assert_eq!(a.status.code(), Some(1));
    assert!(!db.exists(), "add did not create a fresh database over the objects");

    // Back in place, all is well again.
    std::fs::write(&db, &good).unwrap();
    assert_eq!(verify(&arsip).status.code(), Some(0));
}

#[test]
fn damaged_pages_are_reported_never_listed_and_never_written_into() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let id = add(&arsip, &sample(), &[]);
    let db = arsip.join("arsip.db");
    let good = std::fs::read(&db).unwrap();
    // The signer's name is stored once, in the edition row, in no index.
    let signer = "Madju P. Simangunsong";
    assert_eq!(good.windows(signer.len()).filter(|w| *w == signer.as_bytes()).count(), 1);

    // 1. Garbled bytes inside the edition row (the signer's name): the page structure is intact,
    // the metadata is not; list, show and verify report damage instead of printing it.
    let mut bytes = good.clone();
    let at = bytes.windows(signer.len()).position(|w| w == signer.as_bytes()).unwrap();
    for (k, b) in bytes[at + 2..at + 9].iter_mut().enumerate() {
        *b = [0xff, 0xfe, 0x00, 0x9b, 0xc3, 0x28, 0x01][k];
    }
    std::fs::write(&db, &bytes).unwrap();
    let l = renja(&arsip, &["archive", "list"]);
    assert_eq!(l.status.code(), Some(1), "{}", text(&l.stdout));
    assert!(text(&l.stderr).contains("rusak"), "{}", text(&l.stderr));
    assert!(!text(&l.stdout).contains(&id), "no garbled row is listed");
    let s = renja(&arsip, &["archive", "show", &id]);
    assert_eq!(s.status.code(), Some(1));
    assert!(text(&s.stderr).contains("rusak"));
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(1));
    assert!(text(&v.stderr).contains("rusak"), "{}", text(&v.stderr));
    let a = renja(&arsip, &["archive", "add", sample().to_str().unwrap(), "--revisi-baru"]);
    assert_eq!(a.status.code(), Some(1), "add refuses a damaged database: {}", text(&a.stderr));
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "nothing was written into it");

    // 2. A damaged b-tree page (page 2: its header overwritten): SQLite's check reports it.
    let mut bytes = good.clone();
    let page = 4096;
    assert!(bytes.len() > 3 * page);
    for b in &mut bytes[page..page + 12] {
        *b = 0xee;
    }
    std::fs::write(&db, &bytes).unwrap();
    for args in [vec!["archive", "list"], vec!["archive", "show", id.as_str()], vec!["archive", "verify"]] {
        let o = renja(&arsip, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", text(&o.stdout));
        let e = text(&o.stderr);
        assert!(e.contains("rusak") && e.contains("arsip.db"), "{args:?}: {e}");
        assert!(!text(&o.stdout).contains(signer));
    }
    let a = renja(&arsip, &["archive", "add", sample().to_str().unwrap(), "--revisi-baru"]);
    assert_eq!(a.status.code(), Some(1), "{}", text(&a.stderr));
    assert!(text(&a.stderr).contains("tidak ada yang ditulis"), "{}", text(&a.stderr));
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "nothing was written into it");
    assert!(!arsip.join("arsip.db-wal").exists());

    std::fs::write(&db, &good).unwrap();
    assert_eq!(verify(&arsip).status.code(), Some(0));
}

#[test]
fn a_read_only_archive_is_listed_shown_verified_and_restored_without_a_write() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let id = add(&arsip, &sample(), &[]);
    let reads = |id: &str, n: usize| {
        let got = tmp.path().join(format!("pulih-{n}"));
        for args in [
            vec!["archive", "list"],
            vec!["archive", "show", id],
            vec!["archive", "verify"],
            vec!["archive", "verify", id],
            vec!["archive", "get", id, "-o", got.to_str().unwrap()],
        ] {
            let o = renja(&arsip, &args);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        }
        assert_eq!(files(&got).into_iter().filter(|(p, _)| !p.starts_with("out/")).collect::<Vec<_>>(), files(&sample()));
    };

    // Writable: the read-only commands still leave every byte and time in the archive alone.
    let before = fingerprint(&arsip);
    std::thread::sleep(Duration::from_millis(20));
    reads(&id, 1);
    let after = fingerprint(&arsip);
    let db = |f: &[(String, Vec<u8>, std::time::SystemTime)]| f.iter().find(|(p, ..)| p == "arsip.db").cloned().unwrap();
    assert!(db(&before) == db(&after), "arsip.db untouched (bytes and mtime)");
    let objects = |f: &[(String, Vec<u8>, std::time::SystemTime)]| f.iter().filter(|(p, ..)| p.starts_with("objek")).cloned().collect::<Vec<_>>();
    assert!(objects(&before) == objects(&after), "objects untouched");

    // Read-only (a backup being audited; root ignores permission bits, so what is checked is
    // that nothing is written, not that writing fails): every file and folder stays as it was,
    // and nothing is created beside the database.
    set_mode(&arsip, 0o444, 0o555);
    let before = fingerprint(&arsip);
    std::thread::sleep(Duration::from_millis(20));
    reads(&id, 2);
    let after = fingerprint(&arsip);
    let names = |f: &[(String, Vec<u8>, std::time::SystemTime)]| f.iter().map(|(p, ..)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&before), names(&after), "no file created or removed");
    assert!(before == after, "no byte or time changed");
    set_mode(&arsip, 0o644, 0o755);
}

#[test]
fn a_missing_objects_folder_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let id = add(&arsip, &sample(), &[]);
    std::fs::rename(arsip.join("objek"), tmp.path().join("objek-pindah")).unwrap();
    let v = verify(&arsip);
    assert_eq!(v.status.code(), Some(1));
    let e = text(&v.stderr);
    assert!(e.contains("folder objek/ tidak ada"), "{e}");
    assert!(!e.contains("os error"), "no raw OS error: {e}");
    let g = renja(&arsip, &["archive", "get", &id, "-o", tmp.path().join("g").to_str().unwrap()]);
    assert_eq!(g.status.code(), Some(1));
    assert!(text(&g.stderr).contains("folder objek/ tidak ada"), "{}", text(&g.stderr));
    let a = renja(&arsip, &["archive", "add", sample().to_str().unwrap(), "--revisi-baru"]);
    assert_eq!(a.status.code(), Some(1));
    assert!(text(&a.stderr).contains("folder objek/ tidak ada"), "{}", text(&a.stderr));
    assert!(!arsip.join("objek").exists(), "add did not start a new objek/ folder");
    // The metadata itself is intact and still listed.
    assert!(text(&renja(&arsip, &["archive", "list"]).stdout).contains(&id));
}

#[test]
fn diff_perubahan_revisions_shows_targets_and_indicator_texts() {
    // Two Perubahan revisions (the typed comparison of both sides of a target and of the texts):
    // one sub kegiatan's keluaran target after the change and its indicator text differ.
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let a = add(&arsip, &sample(), &[]);
    let edited = variant(
        &tmp.path().join("r2"),
        &[
            ("data/rencana.toml", "target_keluaran = { sebelum = \"4 Dokumen\", sesudah = \"4 Dokumen\" }", "target_keluaran = { sebelum = \"4 Dokumen\", sesudah = \"5 Dokumen\" }"),
            ("data/rencana.toml", "keluaran = \"Tersusunnya dokumen Rentra, Renja, Statistik dan Satu Data\"", "keluaran = \"Tersusunnya dokumen Renstra dan Renja\""),
        ],
    );
    let b = add(&arsip, &edited, &["--revisi-baru"]);
    let o = renja(&arsip, &["archive", "diff", &a, &b]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let d = text(&o.stdout);
    let expected = "\n~ 2.07.01.2.01.0001 Penyusunan Dokumen Perencanaan Perangkat Daerah\n    target keluaran (sesudah): 4 Dokumen → 5 Dokumen\n    indikator keluaran: «Tersusunnya dokumen Rentra, Renja, Statistik dan Satu Data» → «Tersusunnya dokumen Renstra dan Renja»\n";
    assert!(d.contains(expected), "{d}");
    assert!(d.contains("    pagu sesudah: 10.020.482.792 (tetap)\n"), "{d}");
    assert!(d.ends_with("\n1 sub kegiatan berubah, 0 ditambah, 0 dihapus.\n"), "{d}");
}
