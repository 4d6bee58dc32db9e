//! Golden outputs: the sample edition (content/) built as a draft PDF, a final PDF, a DOCX and
//! the export JSON, each pinned by its SHA-256. A refactor must keep every output byte for byte;
//! this test proves it.
//!
//! Updating the pins (only for an intended change of the outputs): run
//!
//! ```sh
//! cargo test --test golden
//! ```
//!
//! On a mismatch the failure message lists the actual hash of every output as Rust lines ready
//! to paste over the `PINS` table below. Paste them, and say in the commit message which change
//! altered which output and why (e.g. "print: wider first column in Tabel 3.4 — PDF and DOCX
//! pins updated"). Look at the new outputs before you pin them (`pdftoppm -png -r 60`, LibreOffice).
//! When two branches both change outputs, whoever merges the second re-runs the test on the
//! merged tree and pins the result.
//!
//! The final PDF records a fingerprint of the sources, `layouts/`, `fonts/` and the renja version
//! (see `renja::source::fingerprint`), so a version bump in Cargo.toml changes that pin as well.

mod common;

use common::{renja, workspace, SLUG};
use sha2::{Digest, Sha256};
use std::path::Path;

/// (output, SHA-256 hex).
const PINS: &[(&str, &str)] = &[
    ("draft.pdf", "da4cf1a26e2a7ba1e5350a9611478bd5119cbeabd319388bc5656176c2b3950b"),
    ("final.pdf", "464c18c60de19d2b6e92d32b65346a9a1092f0367a5b98c4e8f43adf85c41716"),
    ("draft.docx", "7be16410394bd07d6d134dd53ddb18b8262fdbd09bb6696b9ac7ae22b2ae04d6"),
    ("final.docx", "e0cb1c35530fe1979d029876e95addb990e85cf011eaf8e19427a704288071d6"),
    ("export.json", "7f4674e9b502ff99f0cda0b4f585a585e598da5c130ffa9793bbb4ee812cb5ad"),
];

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn build(ws: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["build", "content", "-o", out];
    args.extend_from_slice(extra);
    let o = renja(&args, ws);
    assert_eq!(o.status.code(), Some(0), "renja {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn sample_outputs_are_byte_identical_to_the_pins() {
    let ws = workspace();
    build(ws.path(), "draft", &[]);
    build(ws.path(), "final", &["--final"]);
    let export = renja(&["export", "--json", "content"], ws.path());
    assert_eq!(export.status.code(), Some(0), "{}", String::from_utf8_lossy(&export.stderr));

    let read = |p: &str| std::fs::read(ws.path().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let actual: Vec<(&str, String)> = vec![
        ("draft.pdf", sha256_hex(&read(&format!("draft/{SLUG}.pdf")))),
        ("final.pdf", sha256_hex(&read(&format!("final/{SLUG}.pdf")))),
        ("draft.docx", sha256_hex(&read(&format!("draft/{SLUG}.docx")))),
        ("final.docx", sha256_hex(&read(&format!("final/{SLUG}.docx")))),
        ("export.json", sha256_hex(&export.stdout)),
    ];
    let differ: Vec<&str> = PINS.iter().zip(&actual).filter(|((_, pin), (_, got))| pin != got).map(|((name, _), _)| *name).collect();
    let paste: String = actual.iter().map(|(n, h)| format!("    (\"{n}\", \"{h}\"),\n")).collect();
    assert!(
        differ.is_empty(),
        "outputs of content/ differ from the pins: {differ:?}\nIf (and only if) the change is intended, \
         replace PINS in tests/golden.rs with:\n{paste}"
    );
}
