//! The browser interface of `renja serve` (issue #17): the committed bundle matches what
//! web/build.sh makes from the lock file, the pages and the preview socket answer as they should
//! over HTTP, and the whole workspace works in real headless chromium (tests/e2e/web.mjs).

mod common;

use std::path::Path;
use std::process::Command;

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
