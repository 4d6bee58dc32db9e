//! The base edition (`[edisi] dasar`) and `renja new --from`: a Perubahan's Sebelum columns are
//! checked against the archived murni edition, every mismatch reported with both values; a new
//! edition started from an archived one carries the narrative over and clears realisasi and
//! declared values.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

static BIN_PATH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| std::env::var("RENJA_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_renja").to_string()));

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

fn renja(arsip: &Path, args: &[&str]) -> Output {
    Command::new(&*BIN_PATH).args(args).env("RENJA_ARSIP", arsip).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("renja runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Applies `(file, from, to)` edits; `from` must occur; `all` replaces every occurrence.
fn edit(dir: &Path, file: &str, from: &str, to: &str, all: bool) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains(from), "{file} contains {from}");
    std::fs::write(&p, if all { s.replace(from, to) } else { s.replacen(from, to, 1) }).unwrap();
}

/// The murni edition behind the sample: jenis murni without revisi, one value per cell of Tabel
/// 3.4 — the "before" values — and no Perubahan-only fields.
fn murni(dir: &Path) -> PathBuf {
    copy_dir(&sample(), dir);
    common::murni_of_sample(dir, false);
    dir.to_path_buf()
}

fn add(arsip: &Path, dir: &Path) -> String {
    let o = renja(arsip, &["archive", "add", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout).trim().to_string()
}

#[test]
fn perubahan_sebelum_columns_checked_against_the_base() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let base = add(&arsip, &murni(&tmp.path().join("murni")));
    assert!(base.starts_with("2022-murni-r0-"), "{base}");

    // The sample naming its base: consistent, no error.
    let p = tmp.path().join("perubahan");
    copy_dir(&sample(), &p);
    edit(&p, "edisi.toml", "revisi = 1\n", &format!("revisi = 1\ndasar = \"{base}\"\n"), false);
    let ok = renja(&arsip, &["check", p.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(!text(&ok.stderr).contains("edisi dasar"), "{}", text(&ok.stderr));

    // Three Sebelum values changed: each reported with both values, located in the source.
    edit(&p, "data/rencana.toml", "pagu_sebelum = 97020000", "pagu_sebelum = 97000000", false);
    edit(&p, "data/rencana.toml", "target_keluaran = { sebelum = \"4 Dokumen\"", "target_keluaran = { sebelum = \"5 Dokumen\"", false);
    edit(&p, "data/tujuan-sasaran.toml", "target_renja = \"30 C\"", "target_renja = \"31 C\"", false);
    let bad = renja(&arsip, &["check", p.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let e = text(&bad.stderr);
    let errors: Vec<&str> = e.lines().filter(|l| l.contains("error:") && l.contains("edisi dasar")).collect();
    assert_eq!(errors.len(), 3, "{e}");
    assert!(
        e.contains("data/rencana.toml:")
            && e.contains("pagu sebelum sub kegiatan 2.07.01.2.01.0001 berbeda dari edisi dasar")
            && e.contains("di sini 97.000.000, di edisi dasar 97.020.000"),
        "{e}"
    );
    assert!(e.contains("target keluaran sebelum sub kegiatan 2.07.01.2.01.0001") && e.contains("di sini 5 Dokumen, di edisi dasar 4 Dokumen"), "{e}");
    assert!(e.contains("data/tujuan-sasaran.toml:") && e.contains("di sini 31 C, di edisi dasar 30 C"), "{e}");

    // `renja new --perubahan` from the base: the Sebelum columns are filled from it, so the new
    // Perubahan agrees with its base from the start.
    let fresh = tmp.path().join("baru");
    let o = renja(&arsip, &["new", fresh.to_str().unwrap(), "--from", &base, "--perubahan"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let c = renja(&arsip, &["check", fresh.to_str().unwrap()]);
    assert!(!text(&c.stderr).contains("edisi dasar"), "{}", text(&c.stderr));
    let r = std::fs::read_to_string(fresh.join("data/rencana.toml")).unwrap();
    // The murni file had no sesudah at all: they start at the base's values.
    assert!(r.contains("pagu_sebelum = 97020000\npagu_sesudah = 97020000\n"), "pagu sesudah starts at the base's value");
    assert!(r.contains("target_keluaran = { sebelum = \"4 Dokumen\", sesudah = \"4 Dokumen\" }"), "targets too");

    // Without the archive: a warning that nothing was checked, not an error.
    let none = renja(&tmp.path().join("tidak-ada"), &["check", p.to_str().unwrap()]);
    assert!(text(&none.stderr).contains("warning: edisi dasar") && text(&none.stderr).contains("tidak dapat dibaca"), "{}", text(&none.stderr));
}

#[test]
fn new_from_archived_edition() {
    let tmp = tempfile::tempdir().unwrap();
    let arsip = tmp.path().join("arsip");
    let id = add(&arsip, &sample());

    // Next year's murni.
    let next = tmp.path().join("2023");
    let o = renja(&arsip, &["new", next.to_str().unwrap(), "--from", &id]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let e = std::fs::read_to_string(next.join("edisi.toml")).unwrap();
    assert!(e.contains("tahun = 2023\n") && e.contains("jenis = \"murni\"\n") && !e.contains("revisi") && !e.contains("triwulan"), "{e}");
    assert!(e.contains(&format!("dasar = \"{id}\"")) && e.contains("tanggal = 2023-08-25"), "{e}");
    assert!(e.contains("nama = \"Ir. Madju P. Simangunsong\""), "signer carried over");
    // Narrative, legal bases, organisation, program tree: carried over unchanged.
    for f in ["bab/01-pendahuluan.md", "bab/04-penutup.md", "data/landasan-hukum.toml", "data/organisasi.toml", "data/nomenklatur.toml"] {
        assert_eq!(std::fs::read(next.join(f)).unwrap(), std::fs::read(sample().join(f)).unwrap(), "{f}");
    }
    // Realisasi and declared values: gone.
    for f in ["data/evaluasi.toml", "data/rencana.toml", "data/rkpd.toml", "data/tujuan-sasaran.toml"] {
        let s = std::fs::read_to_string(next.join(f)).unwrap();
        for l in s.lines().filter(|l| !l.trim_start().starts_with('#')) {
            assert!(!l.contains("dinyatakan") && !l.trim_start().starts_with("realisasi"), "{f}: {l}");
        }
    }
    // The program tree is intact: the sub kegiatan codes of Tabel 3.4 are all still there.
    let codes = |d: &Path| -> Vec<String> {
        std::fs::read_to_string(d.join("data/rencana.toml")).unwrap().lines().filter(|l| l.starts_with("kode = ")).map(str::to_string).collect()
    };
    assert_eq!(codes(&next), codes(&sample()));
    // The new folder reads as an edition (the chapter 2 narrative still quotes last year's
    // evaluation; check lists it for rewriting, but the sources themselves parse).
    let c = renja(&arsip, &["check", next.to_str().unwrap()]);
    assert!(!text(&c.stderr).contains("tidak dapat dibaca"), "{}", text(&c.stderr));
    let errs: Vec<String> = text(&c.stderr).lines().filter(|l| l.contains(": error:")).map(str::to_string).collect();
    // Besides the narrative, the only errors are the leaf amounts the author has yet to enter
    // (a missing amount is an error, never a silent 0).
    assert!(
        errs.iter().all(|l| l.starts_with("bab/") || (l.starts_with("data/evaluasi.toml:") && l.contains("tidak memiliki"))),
        "only narrative templates and amounts to enter: {errs:?}"
    );

    // The Perubahan of the same year; refuses an existing non-empty folder.
    let p = tmp.path().join("p2");
    let o = renja(&arsip, &["new", p.to_str().unwrap(), "--from", &id, "--perubahan"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let e = std::fs::read_to_string(p.join("edisi.toml")).unwrap();
    assert!(e.contains("tahun = 2022\n") && e.contains("jenis = \"perubahan\"\n") && e.contains("revisi = 2\n"), "{e}");
    let again = renja(&arsip, &["new", p.to_str().unwrap(), "--from", &id]);
    assert_eq!(again.status.code(), Some(2));
    let unknown = renja(&arsip, &["new", tmp.path().join("x").to_str().unwrap(), "--from", "1999-murni"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("tidak ada di arsip"));

    // A base whose stored model was altered is refused before anything is written (its final
    // values would otherwise be silently missing from the new edition).
    let json = arsip_object_of(&arsip, &id, "json");
    let mut perm = std::fs::metadata(&json).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&json, perm).unwrap();
    std::fs::write(&json, b"{}").unwrap();
    let q = tmp.path().join("q");
    let o = renja(&arsip, &["new", q.to_str().unwrap(), "--from", &id, "--perubahan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("hilang atau berubah"), "{}", text(&o.stderr));
    assert!(!q.exists(), "nothing written");
}

/// The object file of edition `id`'s file of kind `kind` in the folder archive `arsip`.
fn arsip_object_of(arsip: &Path, id: &str, kind: &str) -> std::path::PathBuf {
    let o = renja(arsip, &["archive", "show", id]);
    let line = text(&o.stdout).lines().find(|l| l.trim_start().starts_with(kind)).map(str::to_string).unwrap_or_else(|| panic!("{kind} in {}", text(&o.stdout)));
    let path = line.split_whitespace().last().unwrap().to_string();
    let db = rusqlite::Connection::open(arsip.join("arsip.db")).unwrap();
    let sha: String = db.query_row("SELECT sha256 FROM berkas WHERE edisi = ?1 AND path = ?2", [id, path.as_str()], |r| r.get(0)).unwrap();
    arsip.join("objek").join(&sha[..2]).join(&sha[2..])
}

#[test]
fn the_samples_exports_read_through_the_stored_model_contract() {
    // What an archived edition stores as its computed model (`renja export --json`) is read by
    // the base check, `renja new --from` and `archive diff` through one typed contract
    // (compute::akhir::ModelTersimpan): both samples' exports must read, with the parts those
    // readers use, so that writer and reader cannot drift apart unnoticed.
    use renja::compute::akhir::ModelTersimpan;
    use renja::source::schema::{BentukEvaluasi, JenisEdisi};
    let tmp = tempfile::tempdir().unwrap();
    let murni_sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("contoh/murni");
    for (dir, jenis) in [(sample(), JenisEdisi::Perubahan), (murni_sample, JenisEdisi::Murni)] {
        let o = renja(&tmp.path().join("arsip"), &["export", "--json", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let m = ModelTersimpan::baca(&o.stdout).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert_eq!(m.edisi.jenis, jenis);
        let leaves: Vec<_> = m.sub_kegiatan().collect();
        assert!(!leaves.is_empty());
        for r in &leaves {
            assert!(r.pagu_akhir(jenis).and_then(|p| p.nilai).is_some(), "final pagu of {}", r.kode);
            assert!(r.keluaran.as_deref().is_some_and(|k| !k.is_empty()), "keluaran of {}", r.kode);
            assert!(r.target_keluaran.akhir(jenis).is_some(), "final keluaran target of {}", r.kode);
        }
        let total = m.total_rencana().expect("TOTAL row");
        assert!(total.maju_pagu.as_ref().and_then(|p| p.nilai).is_some());
        match jenis {
            JenisEdisi::Murni => assert!(total.pagu.is_some() && total.pagu_sesudah.is_none()),
            JenisEdisi::Perubahan => assert!(total.pagu.is_none() && total.pagu_sesudah.is_some() && total.selisih.is_some()),
        }
        assert!(m.indikator().any(|i| i.indikator.is_some() && i.target_akhir(jenis).is_some()));
        let ev = m.data.evaluasi.as_ref().expect("evaluation table");
        assert_eq!(ev.nomor.as_deref(), Some("2.1"));
        assert!(!ev.baris.is_empty());
        if jenis == JenisEdisi::Murni {
            assert_eq!(ev.bentuk, Some(BentukEvaluasi::Tc29));
            assert!(ev.baris.iter().all(|r| r.tc29.is_some()));
        } else {
            assert_eq!(ev.bentuk, None);
            assert!(ev.baris.iter().any(|r| r.target_lalu.is_some()));
        }
    }
}
