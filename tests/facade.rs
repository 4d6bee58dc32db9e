//! The library façade (`renja::Edition::load → check → render`) and the one-way pipeline: the
//! base-edition check is an explicit step given a store, so `renja check` gives the same result
//! from any working directory and without an archive; `renja build --final` prints the real
//! reason of a failure; two panics reachable from input are gone.

mod common;

use common::{renja, workspace, ROOT};
use renja::diag::Stage;
use renja::{Edition, Formats, Mode, RenderOptions, Renderer};
use std::path::Path;
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn edit(file: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(file).unwrap();
    assert!(s.contains(from), "{} contains {from}", file.display());
    std::fs::write(file, s.replacen(from, to, 1)).unwrap();
}

/// `renja check DIR` in `cwd`, with no archive in the environment.
fn check_in(cwd: &Path, dir: &Path) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_renja")).args(["check", dir.to_str().unwrap()]).env_remove("RENJA_ARSIP").current_dir(cwd).output().unwrap();
    (o.status.code(), text(&o.stdout), text(&o.stderr))
}

#[test]
fn check_gives_the_same_result_from_any_directory_and_without_an_archive() {
    let ws = workspace();
    let edisi = ws.path().join("content/edisi.toml");
    edit(&edisi, "revisi = 1\n", "revisi = 1\ndasar = \"2022-murni-r0-0badc0de\"\n");
    let dir = ws.path().join("content");
    // Three working directories: the workspace, an empty folder, and one holding an `arsip/`
    // folder with a damaged database (which the check used to open on its own).
    let empty = tempfile::tempdir().unwrap();
    let with_arsip = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(with_arsip.path().join("arsip")).unwrap();
    std::fs::write(with_arsip.path().join("arsip/arsip.db"), b"bukan basis data").unwrap();
    let runs: Vec<_> = [ws.path(), empty.path(), with_arsip.path()].iter().map(|cwd| check_in(cwd, &dir)).collect();
    assert_eq!(runs[0].0, Some(0), "{}", runs[0].2);
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
    // The base edition is named but no archive is configured: said once, as a warning.
    assert!(runs[0].2.contains("edisi dasar '2022-murni-r0-0badc0de' tidak dapat dibaca: tidak ada arsip yang diatur"), "{}", runs[0].2);

    // Given an archive explicitly, the check reads it (here: there is none at that place).
    let o = Command::new(env!("CARGO_BIN_EXE_renja"))
        .args(["check", dir.to_str().unwrap(), "--arsip", empty.path().join("tidak-ada").to_str().unwrap()])
        .env_remove("RENJA_ARSIP")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("arsip tidak ditemukan di"), "{}", text(&o.stderr));
}

#[test]
fn build_final_prints_the_real_reason_of_a_failure() {
    // A symbolic link loop in the edition folder: the final PDF records the sources' fingerprint,
    // which cannot read it. The reason used to be hidden (only messages beginning "tata letak"
    // were printed).
    let ws = workspace();
    std::os::unix::fs::symlink(ws.path().join("content/lingkar-b"), ws.path().join("content/lingkar-a")).unwrap();
    std::os::unix::fs::symlink(ws.path().join("content/lingkar-a"), ws.path().join("content/lingkar-b")).unwrap();
    let o = renja(&["build", "content", "--final", "--format", "pdf"], ws.path());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("sumber tidak dapat dibaca") && err.contains("lingkar-"), "{err}");
    assert!(err.contains("PDF gagal disusun; berkas lama tidak diubah"), "{err}");
    assert!(!ws.path().join("out").exists(), "nothing written");
}

#[test]
fn build_final_ignores_an_editors_dangling_lock_file() {
    // An editor's lock file is a dangling symbolic link: it holds no source, so the final build
    // (whose fingerprint covers the edition's files) goes through.
    let ws = workspace();
    std::os::unix::fs::symlink(ws.path().join("tidak-ada"), ws.path().join("content/bab/.#01-pendahuluan.md")).unwrap();
    let o = renja(&["build", "content", "--final", "--format", "pdf"], ws.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(ws.path().join("out").read_dir().unwrap().count() > 0);
}

#[test]
fn a_placeholder_after_non_ascii_text_and_a_comment_is_located_without_a_panic() {
    let ws = workspace();
    let chapter = ws.path().join("content/bab/01-pendahuluan.md");
    let mut s = std::fs::read_to_string(&chapter).unwrap();
    let line = s.lines().count() + 1;
    // The old check found "xxx" in a lowercased copy without the comment and sliced the line at
    // that offset: here inside an "é" (a panic).
    s.push_str("Catatan<!--a-->éééé xxx\n");
    std::fs::write(&chapter, s).unwrap();
    let o = renja(&["check", "content"], ws.path());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("bab/01-pendahuluan.md:{line}:21: error: placeholder templat 'xxx' masih ada di teks")), "{err}");
}

#[test]
fn archive_show_survives_a_damaged_hash_in_the_database() {
    let ws = workspace();
    let arsip = ws.path().join("arsip");
    let add = renja(&["archive", "add", "content", "--arsip", arsip.to_str().unwrap()], ws.path());
    assert_eq!(add.status.code(), Some(0), "{}", text(&add.stderr));
    let id = text(&add.stdout).trim().to_string();
    {
        let db = rusqlite::Connection::open(arsip.join("arsip.db")).unwrap();
        let triggers: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for t in triggers {
            db.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
        }
        assert!(db.execute("UPDATE berkas SET sha256 = 'abc' WHERE kind = 'json'", []).unwrap() == 1);
        assert!(db.execute("UPDATE berkas SET sha256 = 'aéééééééééééé' WHERE kind = 'docx'", []).unwrap() == 1);
    }
    let o = renja(&["archive", "show", &id, "--arsip", arsip.to_str().unwrap()], ws.path());
    // A hash that is not 64 hex digits (shorter, or with multi-byte characters where the old code
    // sliced bytes) is damage: reported as such (#14), never a panic, never listed as metadata.
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("rusak") && !err.contains("panicked"), "{err}");
    assert!(!text(&o.stdout).contains("aéééé"), "{}", text(&o.stdout));
}

#[test]
fn the_facade_returns_outputs_and_staged_diagnostics_as_values() {
    let dir = Path::new(ROOT).join("content");
    let edition = Edition::load(&dir);
    let diags = edition.check();
    assert!(!diags.has_errors());
    assert!(diags.iter().count() > 0, "the sample has warnings");
    assert!(diags.iter().all(|d| d.stage.is_source()), "load reports only source stages");
    assert!(diags.of_stage(Stage::Compute).count() > 0, "the reference's inconsistencies are found by compute");

    // JSON alone: the bytes `renja export --json` prints; nothing else rendered.
    let mut renderer = Renderer::new(&dir);
    let out = edition.render(&mut renderer, &RenderOptions::draft(Formats { json: true, ..Formats::NONE }));
    let export = renja(&["export", "--json", "content"], Path::new(ROOT));
    assert_eq!(out.json.as_deref(), Some(export.stdout.as_slice()));
    assert!(out.pdf.is_none() && out.docx.is_none() && out.diagnostics.is_empty());

    // A DOCX, draft and final: the same call with other options.
    let draft = edition.render(&mut renderer, &RenderOptions::draft(Formats { docx: true, ..Formats::NONE }));
    let final_ = edition.render(&mut renderer, &RenderOptions { mode: Mode::Final, ..RenderOptions::draft(Formats { docx: true, ..Formats::NONE }) });
    let (a, b) = (draft.docx.unwrap(), final_.docx.unwrap());
    assert!(a.starts_with(b"PK") && b.starts_with(b"PK"));
    assert_ne!(a, b, "the draft carries the RANCANGAN mark");

    // The workbook through the same call: the bytes `renja build --format xlsx` writes.
    let out = edition.render(&mut renderer, &RenderOptions::draft(Formats { xlsx: true, ..Formats::NONE }));
    let xlsx = out.xlsx.expect("xlsx rendered");
    assert!(out.pdf.is_none() && out.docx.is_none() && out.json.is_none() && out.diagnostics.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let built = renja(&["build", "content", "--format", "xlsx", "--out", tmp.path().to_str().unwrap()], Path::new(ROOT));
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let file = std::fs::read_dir(tmp.path()).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::read(&file).unwrap(), xlsx, "{}", file.display());
}

#[test]
fn an_edition_with_errors_renders_nothing_and_says_why_by_stage() {
    let ws = workspace();
    edit(&ws.path().join("content/edisi.toml"), "tahun = 2022", "tahun = \"dua ribu\"");
    let dir = ws.path().join("content");
    let edition = Edition::load(&dir);
    let errors: Vec<_> = edition.check().iter().filter(|d| d.severity == renja::diag::Severity::Error).collect();
    assert!(!errors.is_empty());
    assert!(errors.iter().any(|d| d.stage == Stage::Source && &*d.loc.file == "edisi.toml"), "{errors:?}");
    let out = edition.render(&mut Renderer::new(&dir), &RenderOptions::draft(Formats::ALL));
    assert!(out.pdf.is_none() && out.docx.is_none() && out.json.is_none());
    assert!(out.diagnostics.has_errors());
}
