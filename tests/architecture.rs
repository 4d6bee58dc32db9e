//! The pipeline runs one way, and this test holds it there until crate boundaries do: every
//! `crate::…` / `super::…` path in src/ is mapped to the module it names, and each module may only
//! use the modules the table below allows. The allowed graph itself must have no cycle, so no
//! import cycle can come back unnoticed. (Next step, planned: one crate per row of the table —
//! core, render, sign, store, cli — where the compiler enforces the same rules.)
//!
//! Each module's root file (mod.rs, or the single file) states its boundary in a `Boundary:`
//! paragraph of its module docs; the test checks that paragraph exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// (module, the modules it may use). A "module" is a top-level module of src/, except
/// `model::value` (the value types the parsed sources already hold: Rupiah, Nilai, Tercetak),
/// which `source` uses and so sits below both `source` and the rest of `model`. `facade` is
/// src/facade.rs plus what src/lib.rs re-exports (`renja::Edition`, `renja::process`, …).
const ALLOWED: &[(&str, &[&str])] = &[
    ("diag", &[]),
    ("format", &[]),
    ("output", &[]),
    ("model::value", &["format"]),
    ("source", &["diag", "format", "model::value"]),
    ("model", &["diag", "format", "model::value", "source"]),
    ("compute", &["diag", "format", "model", "model::value", "source"]),
    ("document", &["diag", "format", "model", "model::value", "source", "compute"]),
    ("pdf", &["diag", "format", "model", "source", "document"]),
    ("docx", &["diag", "format", "model", "source", "document"]),
    // sign lays out the visible signature with pdf's typst World; pdf never calls sign.
    ("sign", &["diag", "format", "pdf"]),
    // service signs through sign (PKCS#12 per request, or BSrE), reads workbooks with xlsx and
    // runs the workspace's live preview on preview's compiler.
    ("service", &["diag", "source", "pdf", "docx", "xlsx", "sign", "archive", "output", "facade", "preview"]),
    ("xlsx", &["diag", "format", "model", "model::value", "source", "compute", "document", "output"]),
    ("facade", &["diag", "source", "model", "compute", "document", "pdf", "docx", "xlsx", "sign"]),
    ("archive", &["diag", "format", "model", "model::value", "source", "compute", "document", "sign", "facade", "output"]),
    ("preview", &["diag", "format", "document", "pdf", "facade", "archive", "output"]),
    ("cmd", &["diag", "format", "model", "model::value", "source", "compute", "document", "pdf", "docx", "xlsx", "sign", "facade", "archive", "preview", "service", "output"]),
];

/// Sub-modules treated as modules of their own (longest prefix wins).
const SPLIT: &[&str] = &["model::value"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
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
    let first = path.first()?;
    // Root items re-exported by lib.rs (`crate::Edition`, `crate::process`) are the façade's.
    if first.chars().next().is_some_and(|c| c.is_uppercase()) || first == "process" {
        return Some("facade".into());
    }
    Some(first.clone())
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
        if name == "main.rs" {
            continue;
        }
        let from = if name == "lib.rs" { "facade".to_string() } else { unit(&here).unwrap() };
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
    assert!(all.len() > 100, "the scanner found only {} uses; is it still reading src/?", all.len());
    let forbidden: Vec<String> = all
        .iter()
        .filter(|u| !allowed.get(u.from.as_str()).is_some_and(|a| a.contains(u.to.as_str())))
        .map(|u| format!("{}: {} uses {}", u.at, u.from, u.to))
        .collect();
    assert!(forbidden.is_empty(), "module dependencies outside the allowed table:\n{}", forbidden.join("\n"));
}

#[test]
fn the_allowed_dependencies_have_no_cycle() {
    // Kahn's algorithm: a module is placed once every module it uses is placed.
    let mut left: BTreeMap<&str, BTreeSet<&str>> = ALLOWED.iter().map(|(m, deps)| (*m, deps.iter().copied().collect())).collect();
    for deps in left.values() {
        for d in deps {
            assert!(ALLOWED.iter().any(|(m, _)| m == d), "{d} is used but has no row in ALLOWED");
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
    assert!(left.is_empty(), "these modules depend on each other in a cycle: {:?}", left.keys().collect::<Vec<_>>());
}

#[test]
fn the_scanner_sees_a_cycle_when_there_is_one() {
    // The scanner itself: a use the table forbids is found, in every spelling the code uses.
    let here = vec!["pdf".to_string()];
    let found: Vec<Vec<String>> = [
        "use crate::sign::Slot;",
        "    let x = crate::sign::add_signature_field(pdf, &slot);",
        "use crate::{diag::Loc, sign};",
    ]
    .iter()
    .flat_map(|l| paths(l, &here))
    .collect();
    let units: Vec<String> = found.iter().filter_map(|p| unit(p)).collect();
    assert_eq!(units.iter().filter(|u| *u == "sign").count(), 3, "{units:?}");
    assert!(units.contains(&"diag".to_string()));
    // `super::` in src/archive/dasar.rs is `archive`; in src/archive/mod.rs it is the root.
    let p = paths("use super::sqlite::SqliteStore;", &["archive".into(), "dasar".into()]);
    assert_eq!(unit(&p[0]).as_deref(), Some("archive"));
    let p = paths("use super::diag::Loc;", &["archive".into()]);
    assert_eq!(unit(&p[0]).as_deref(), Some("diag"));
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
        let text = std::fs::read_to_string(file).unwrap();
        let docs: String = text.lines().take_while(|l| l.starts_with("//!") || l.trim().is_empty()).collect::<Vec<_>>().join("\n");
        if !docs.contains("Boundary:") {
            missing.push(format!("{}: module docs have no `Boundary:` paragraph", file.display()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
