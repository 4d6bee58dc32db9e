//! The pipeline runs one way, and the compiler holds it there: each stage or edge is a crate of
//! the workspace (crates/*), and Cargo refuses a dependency cycle between crates. This test keeps
//! the crate graph to the table below (a crate may name only the renja crates its row allows), and
//! inside renja-core, whose modules share one crate, it maps every `crate::…` / `super::…` path to
//! the module it names and allows only the uses of the module table.
//!
//! Each crate's lib.rs (and each core module's root file) states its boundary in a `Boundary:`
//! paragraph of its docs; the test checks that paragraph exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (crate folder, the renja crates it may depend on). "." is the root package (the command line).
const CRATES: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("pdf", &["core"]),
    ("docx", &["core"]),
    ("xlsx", &["core"]),
    // sign lays out the visible signature with pdf's typst World; pdf never calls sign.
    ("sign", &["core", "pdf"]),
    // the façade: load → check → render; the final PDF's empty signature field comes from sign.
    ("edition", &["core", "pdf", "docx", "xlsx", "sign"]),
    ("archive", &["core", "sign", "edition"]),
    ("preview", &["core", "pdf", "edition", "archive"]),
    // service signs through sign, reads workbooks with xlsx and runs the workspace's live preview
    // on preview's compiler.
    ("service", &["core", "pdf", "docx", "xlsx", "sign", "edition", "archive", "preview"]),
    (".", &["core", "pdf", "docx", "xlsx", "sign", "edition", "archive", "preview", "service"]),
];

/// (module of renja-core, the modules it may use). `model::value` (the value types the parsed
/// sources already hold: Rupiah, Nilai, Tercetak) is used by `source` and so sits below both
/// `source` and the rest of `model`.
const ALLOWED: &[(&str, &[&str])] = &[
    ("diag", &[]),
    ("format", &[]),
    ("output", &[]),
    ("model::value", &["format"]),
    ("source", &["diag", "format", "model::value"]),
    ("model", &["diag", "format", "model::value", "source"]),
    ("compute", &["diag", "format", "model", "model::value", "source"]),
    ("document", &["diag", "format", "model", "model::value", "source", "compute"]),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn crate_dir(c: &str) -> PathBuf {
    if c == "." { root() } else { root().join("crates").join(c) }
}

/// The renja crates a crate's Cargo.toml depends on (normal and dev dependencies), by folder.
fn renja_deps(c: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(crate_dir(c).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) {
            out.extend(deps.keys().filter_map(|k| k.strip_prefix("renja-")).map(str::to_string));
        }
    }
    out
}

#[test]
fn every_crate_of_the_workspace_has_a_row() {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("crates")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    dirs.sort();
    let mut rows: Vec<String> = CRATES.iter().map(|(c, _)| c.to_string()).filter(|c| c != ".").collect();
    rows.sort();
    assert_eq!(dirs, rows, "crates/ and the table differ");
}

#[test]
fn crates_depend_only_on_what_their_row_allows() {
    let mut wrong = Vec::new();
    for (c, allowed) in CRATES {
        for d in renja_deps(c) {
            if !allowed.contains(&d.as_str()) {
                wrong.push(format!("{c}/Cargo.toml: depends on renja-{d}"));
            }
        }
    }
    assert!(wrong.is_empty(), "crate dependencies outside the table:\n{}", wrong.join("\n"));
    // The scan reads the real manifests: the façade's row is reached.
    assert!(renja_deps("edition").contains("pdf"));
}

#[test]
fn the_crate_table_has_no_cycle() {
    let graph: Vec<(&str, &[&str])> = CRATES.iter().map(|(c, d)| (if *c == "." { "renja" } else { *c }, *d)).collect();
    assert_acyclic(&graph);
}

#[test]
fn every_crate_documents_its_boundary() {
    let mut missing = Vec::new();
    for (c, _) in CRATES {
        let lib = crate_dir(c).join("src/lib.rs");
        if !has_boundary(&lib) {
            missing.push(format!("{}: crate docs have no `Boundary:` paragraph", lib.display()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

fn has_boundary(file: &Path) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let docs: String = text.lines().take_while(|l| l.starts_with("//!") || l.trim().is_empty()).collect::<Vec<_>>().join("\n");
    docs.contains("Boundary:")
}

/// Kahn's algorithm: a node is placed once every node it uses is placed; what is left is a cycle.
fn assert_acyclic(graph: &[(&str, &[&str])]) {
    let mut left: BTreeMap<&str, BTreeSet<&str>> = graph.iter().map(|(m, deps)| (*m, deps.iter().copied().collect())).collect();
    for deps in left.values() {
        for d in deps {
            assert!(graph.iter().any(|(m, _)| m == d), "{d} is used but has no row");
        }
    }
    loop {
        let ready: Vec<&str> = left.iter().filter(|(_, deps)| deps.is_empty()).map(|(m, _)| *m).collect();
        if ready.is_empty() {
            break;
        }
        for m in &ready {
            left.remove(m);
        }
        for deps in left.values_mut() {
            for m in &ready {
                deps.remove(m);
            }
        }
    }
    assert!(left.is_empty(), "these depend on each other in a cycle: {:?}", left.keys().collect::<Vec<_>>());
}

/// Sub-modules treated as modules of their own (longest prefix wins).
const SPLIT: &[&str] = &["model::value"];

/// The sources of renja-core, the one crate whose modules are checked one by one.
fn src() -> PathBuf {
    root().join("crates/core/src")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: src/a/mod.rs → ["a"], src/a/b.rs → ["a", "b"], src/lib.rs → [].
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The module (row of ALLOWED) a path inside the crate belongs to.
fn unit(path: &[String]) -> Option<String> {
    let joined = path.join("::");
    for s in SPLIT {
        if joined == *s || joined.starts_with(&format!("{s}::")) {
            return Some(s.to_string());
        }
    }
    path.first().cloned()
}

/// Code without comments (doc links name modules too, but do not use them).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.split(" // ").next().unwrap_or(l).to_string()))
        .collect()
}

/// Every crate path a line names: `crate::a::b`, `super::x`, and the names in `crate::{a, b::c}`.
/// `here` is the module of the line's file (src/a/b.rs: a::b; src/a/mod.rs: a), so `super` is
/// `here` without its last segment.
fn paths(line: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let parent = here[..here.len().saturating_sub(1)].to_vec();
    for (kw, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut start = 0;
        while let Some(i) = line[start..].find(kw) {
            let at = start + i;
            start = at + kw.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b':') {
                continue;
            }
            let rest = &line[start..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    let segs: Vec<String> = item.trim().split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                    if let Some(first) = segs.first().filter(|f| f.chars().all(|c| c.is_alphanumeric() || c == '_')) {
                        let mut p = base.clone();
                        p.push(first.clone());
                        p.extend(segs.iter().skip(1).take_while(|s| s.chars().all(|c| c.is_alphanumeric() || c == '_')).cloned());
                        out.push(p);
                    }
                }
                continue;
            }
            let segs: Vec<String> = rest
                .split("::")
                .map(|s| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
                .take_while(|s| !s.is_empty())
                .collect();
            if segs.is_empty() {
                continue;
            }
            let mut p = base.clone();
            p.extend(segs);
            out.push(p);
        }
    }
    out
}

struct Use {
    from: String,
    to: String,
    at: String,
}

fn uses() -> Vec<Use> {
    let mut files = Vec::new();
    rs_files(&src(), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let here = module_path(&f);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name == "lib.rs" {
            continue;
        }
        let from = unit(&here).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in code_lines(&text) {
            if line.trim_start().starts_with("pub mod ") || line.trim_start().starts_with("mod ") {
                continue;
            }
            for p in paths(&line, &here) {
                let Some(to) = unit(&p) else { continue };
                if to != from && ALLOWED.iter().any(|(m, _)| *m == to) {
                    out.push(Use { from: from.clone(), to, at: format!("{}:{n}", f.strip_prefix(src().parent().unwrap()).unwrap().display()) });
                }
            }
        }
    }
    out
}

#[test]
fn modules_use_only_what_their_boundary_allows() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED.iter().map(|(m, deps)| (*m, deps.iter().copied().collect())).collect();
    let all = uses();
    assert!(all.len() > 100, "the scanner found only {} uses; is it still reading crates/core/src?", all.len());
    let forbidden: Vec<String> = all
        .iter()
        .filter(|u| !allowed.get(u.from.as_str()).is_some_and(|a| a.contains(u.to.as_str())))
        .map(|u| format!("{}: {} uses {}", u.at, u.from, u.to))
        .collect();
    assert!(forbidden.is_empty(), "module dependencies outside the allowed table:\n{}", forbidden.join("\n"));
}

#[test]
fn the_allowed_module_dependencies_have_no_cycle() {
    assert_acyclic(ALLOWED);
}

#[test]
fn the_scanner_sees_a_cycle_when_there_is_one() {
    // The scanner itself: a use the table forbids is found, in every spelling the code uses.
    let here = vec!["model".to_string()];
    let found: Vec<Vec<String>> = [
        "use crate::compute::Computed;",
        "    let x = crate::compute::compute(&ed, &mut diags);",
        "use crate::{diag::Loc, compute};",
    ]
    .iter()
    .flat_map(|l| paths(l, &here))
    .collect();
    let units: Vec<String> = found.iter().filter_map(|p| unit(p)).collect();
    assert_eq!(units.iter().filter(|u| *u == "compute").count(), 3, "{units:?}");
    assert!(units.contains(&"diag".to_string()));
    // `super::` in crates/core/src/model/nip.rs is `model`; in model/mod.rs it is the crate root.
    let p = paths("use super::code::Code;", &["model".into(), "nip".into()]);
    assert_eq!(unit(&p[0]).as_deref(), Some("model"));
    let p = paths("use super::diag::Loc;", &["model".into()]);
    assert_eq!(unit(&p[0]).as_deref(), Some("diag"));
    // `model::value` is a module of its own.
    let p = paths("use crate::model::value::Rupiah;", &["source".into()]);
    assert_eq!(unit(&p[0]).as_deref(), Some("model::value"));
    // Comments are not code.
    assert!(code_lines("//! see [`crate::sign`]\n/// [`crate::pdf`]\nlet a = 1; // crate::x").iter().all(|(_, l)| !l.contains("crate::")));
}

#[test]
fn every_module_documents_its_boundary() {
    let mut missing = Vec::new();
    for (m, _) in ALLOWED {
        let rel: PathBuf = m.split("::").collect();
        let candidates = [src().join(&rel).join("mod.rs"), src().join(&rel).with_extension("rs")];
        let Some(file) = candidates.iter().find(|p| p.is_file()) else {
            missing.push(format!("{m}: no file"));
            continue;
        };
        if !has_boundary(file) {
            missing.push(format!("{}: module docs have no `Boundary:` paragraph", file.display()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
