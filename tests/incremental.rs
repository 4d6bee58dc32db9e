//! Incremental read and check (issue #21): `Edition::load_cached` parses a source file again
//! only when its bytes change and computes the tables again only when edisi.toml or a data file
//! changes (then only the parts that read it), and after every edit its model and diagnostics
//! are exactly those of a cold `Edition::load` — through edits that introduce and fix errors, a
//! deleted and an added file.

mod common;

use common::workspace;
use renja::{Edition, EditionCache};
use std::path::Path;

/// The model JSON and every diagnostic (with stage, hint and detail) of an edition.
fn outcome(e: &Edition) -> (Option<Vec<u8>>, String) {
    (e.json(), serde_json::to_string_pretty(e.check()).unwrap())
}

/// A stand-in for the base-edition check: findings at places the edition's own diagnostics
/// also use (their order after sorting is part of what is compared).
fn base_check(model: &renja::model::Edition, found: &mut renja::diag::Diagnostics) {
    let at = |file: &str| renja::diag::Loc { file: file.into(), line: 1, col: 1 };
    found.warning(at("edisi.toml"), format!("dasar: tahun {}", model.meta.tahun));
    found.warning(at("bab/01-pendahuluan.md"), format!("dasar: {} bab", model.chapters.len()));
    // The base check reads Tabel 3.4's rows: `renja check` gives it an edition that holds them.
    found.warning(at("data/rencana.toml"), format!("dasar: {} baris rencana", model.rencana.len()));
}

/// Loads `dir` through the cache (with the base check, every second step without) and cold,
/// asserts both are the same, and returns how many parses and computations the cached load
/// reused and did in this step.
fn step(name: &str, dir: &Path, cache: &mut EditionCache) -> (u64, u64, u64) {
    let before = cache.stats();
    static STEPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let with_base = STEPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 2 == 0;
    let warm = if with_base { Edition::load_cached_with_base(dir, cache, base_check) } else { Edition::load_cached(dir, cache) };
    let after = cache.stats();
    let mut cold = Edition::load(dir);
    if with_base {
        cold.check_base(base_check);
    }
    let (wj, wd) = outcome(&warm);
    let (cj, cd) = outcome(&cold);
    assert_eq!(wd, cd, "step '{name}': the diagnostics differ from a cold load");
    assert!(wj == cj, "step '{name}': the model JSON differs from a cold load");
    (after.0 - before.0, after.1 - before.1, after.2 - before.2)
}

fn edit(file: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(file).unwrap();
    assert!(s.contains(from), "{} contains {from:?}", file.display());
    std::fs::write(file, s.replacen(from, to, 1)).unwrap();
}

#[test]
fn cached_loads_equal_cold_loads_through_a_sequence_of_edits() {
    let ws = workspace();
    let dir = ws.path().join("content");
    let bab1 = dir.join("bab/01-pendahuluan.md");
    let rencana = dir.join("data/rencana.toml");
    let rkpd = dir.join("data/rkpd.toml");
    let evaluasi = dir.join("data/evaluasi.toml");
    let edisi = dir.join("edisi.toml");
    // A sentence that shows a computed total, so that a pagu edit must reach the narrative through
    // the templates' context (which the cache keeps per computed table).
    let bab3 = dir.join("bab/03-rencana-kerja.md");
    let text = std::fs::read_to_string(&bab3).unwrap();
    std::fs::write(&bab3, format!("{text}\nPagu sebelum perubahan seluruhnya {{{{ rencana.total.pagu_sebelum | rupiah }}}}.\n")).unwrap();
    let mut cache = EditionCache::new();

    // First load: every file parsed, the tables computed.
    let (hits, misses, computed) = step("first", &dir, &mut cache);
    assert_eq!((hits, computed), (0, 0));
    let files = misses;
    assert!(files >= 10, "edisi, seven data files and five chapters are parsed: {files}");

    // Nothing changed: nothing parsed or computed again.
    assert_eq!(step("unchanged", &dir, &mut cache), (files, 0, 1));

    // One word of a chapter: that chapter parsed again, the tables reused.
    edit(&bab1, "Menindaklanjuti hal tersebut", "Menindaklanjuti hal itu");
    assert_eq!(step("word", &dir, &mut cache), (files - 1, 1, 1));

    // One pagu value: that data file parsed again and the tables computed again.
    let before = Edition::load(&dir).json().unwrap();
    edit(&rencana, "pagu_sebelum = 97020000", "pagu_sebelum = 97021000");
    let partial = cache.partial_parses();
    assert_eq!(step("pagu", &dir, &mut cache), (files - 1, 1, 0));
    assert_eq!(cache.partial_parses(), partial + 1, "only the edited row of rencana.toml is parsed again");
    // A row's text made longer, a row deleted, a row copied in: parsed in part too, the rows
    // after the edit included.
    let row = |t: &str| {
        let at = t.match_indices("[[baris]]\n").nth(7).unwrap().0;
        let end = at + 1 + t[at + 1..].find("[[baris]]\n").unwrap();
        (at, end)
    };
    edit(&rencana, "keluaran = \"", "keluaran = \"Baru ");
    step("rencana word", &dir, &mut cache);
    let t = std::fs::read_to_string(&rencana).unwrap();
    let (at, end) = row(&t);
    std::fs::write(&rencana, format!("{}{}", &t[..at], &t[end..])).unwrap();
    step("rencana row deleted", &dir, &mut cache);
    std::fs::write(&rencana, &t).unwrap();
    step("rencana row back", &dir, &mut cache);
    edit(&rencana, "keluaran = \"Baru ", "keluaran = \"");
    step("rencana word removed", &dir, &mut cache);
    assert_eq!(cache.partial_parses(), partial + 5);
    let total = |json: &[u8]| String::from_utf8_lossy(json).lines().find(|l| l.contains("Pagu sebelum perubahan seluruhnya")).map(str::to_string);
    let after = Edition::load_cached(&dir, &mut cache).json().unwrap();
    assert!(total(&after).is_some() && total(&before) != total(&after), "the total in the narrative follows the pagu: {:?}", total(&after));

    // The chapter stops naming `rencana`, then names it again: the tables are reused, the
    // context (which holds only the tables the chapters name) is made again.
    let with_total = std::fs::read_to_string(&bab3).unwrap();
    std::fs::write(&bab3, &text).unwrap();
    assert_eq!(step("total removed", &dir, &mut cache), (files - 1, 1, 1));
    std::fs::write(&bab3, &with_total).unwrap();
    assert_eq!(step("total back", &dir, &mut cache), (files - 1, 1, 1));

    // A TOML syntax error in a data file, then fixed.
    edit(&rkpd, "[[baris]]", "[[baris]\n");
    step("rkpd broken", &dir, &mut cache);
    assert!(Edition::load_cached(&dir, &mut cache).check().has_errors());
    edit(&rkpd, "[[baris]\n", "[[baris]]");
    step("rkpd fixed", &dir, &mut cache);

    // A schema error (a value of the wrong type), then fixed.
    edit(&rencana, "pagu_sebelum = 97021000", "pagu_sebelum = \"banyak\"");
    step("rencana wrong type", &dir, &mut cache);
    edit(&rencana, "pagu_sebelum = \"banyak\"", "pagu_sebelum = 97021000");
    step("rencana fixed", &dir, &mut cache);

    // A chapter whose front matter is broken, with a control character in its text, then fixed.
    edit(&bab1, "urutan = 1", "urutan = satu");
    edit(&bab1, "Maksud disusunnya", "Maksud\u{1} disusunnya");
    step("chapter broken", &dir, &mut cache);
    edit(&bab1, "urutan = satu", "urutan = 1");
    step("chapter front matter fixed", &dir, &mut cache);
    edit(&bab1, "Maksud\u{1} disusunnya", "Maksud disusunnya");
    step("chapter fixed", &dir, &mut cache);

    // A chapter that is not UTF-8, then written again.
    let good = std::fs::read(&bab1).unwrap();
    let mut bad = good.clone();
    bad.extend_from_slice(b"\n\xff\xfe teks\n");
    std::fs::write(&bab1, &bad).unwrap();
    step("chapter not UTF-8", &dir, &mut cache);
    std::fs::write(&bab1, &good).unwrap();
    step("chapter UTF-8 again", &dir, &mut cache);

    // A deleted data file, then restored.
    let eval = std::fs::read(&evaluasi).unwrap();
    std::fs::remove_file(&evaluasi).unwrap();
    let (_, misses, computed) = step("evaluasi deleted", &dir, &mut cache);
    assert_eq!((misses, computed), (0, 0), "nothing parsed again, the tables computed again");
    std::fs::write(&evaluasi, &eval).unwrap();
    step("evaluasi restored", &dir, &mut cache);

    // An added chapter, edited, then deleted.
    let extra = dir.join("bab/05-lampiran.md");
    std::fs::write(&extra, "+++\njenis = \"bab\"\nnomor = \"V\"\njudul = \"LAMPIRAN\"\nurutan = 5\n+++\n\nTeks lampiran {{ tidak_ada }}.\n").unwrap();
    let (_, misses, computed) = step("chapter added", &dir, &mut cache);
    assert_eq!((misses, computed), (1, 1));
    edit(&extra, "{{ tidak_ada }}", "tanpa isian");
    step("chapter added, fixed", &dir, &mut cache);
    edit(&extra, "urutan = 5", "urutan = 4");
    step("chapter added, same order as another", &dir, &mut cache);
    std::fs::remove_file(&extra).unwrap();
    step("chapter deleted", &dir, &mut cache);

    // edisi.toml: a value that changes the model, an error, then back.
    let ed = std::fs::read_to_string(&edisi).unwrap();
    edit(&edisi, "revisi = 1", "revisi = 0");
    let (_, misses, computed) = step("edisi revisi 0", &dir, &mut cache);
    assert_eq!((misses, computed), (1, 0));
    std::fs::write(&edisi, &ed).unwrap();
    step("edisi restored", &dir, &mut cache);

    // A logo: missing, then a damaged PNG, then a good one, then damaged again (its check is
    // kept by the bytes' hash, so each change must be seen).
    edit(&edisi, "[opd]\n", "[opd]\nlogo = \"logo.png\"\n");
    step("logo missing", &dir, &mut cache);
    std::fs::write(dir.join("logo.png"), b"\x89PNG\r\n\x1a\nrusak").unwrap();
    step("logo damaged", &dir, &mut cache);
    let mut png = Vec::new();
    image::RgbImage::new(4, 3).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    std::fs::write(dir.join("logo.png"), &png).unwrap();
    let (_, misses, computed) = step("logo good", &dir, &mut cache);
    assert_eq!((misses, computed), (0, 1), "no source parsed again for an image");
    std::fs::write(dir.join("logo.png"), &png[..png.len() / 2]).unwrap();
    step("logo cut short", &dir, &mut cache);
    std::fs::write(&edisi, &ed).unwrap();
    std::fs::remove_file(dir.join("logo.png")).unwrap();
    step("logo gone", &dir, &mut cache);

    // A missing required file, then back.
    std::fs::remove_file(&edisi).unwrap();
    step("edisi deleted", &dir, &mut cache);
    std::fs::write(&edisi, &ed).unwrap();
    step("edisi back", &dir, &mut cache);

    // Back where it started: the same as the first cold load of the original sample.
    edit(&bab1, "Menindaklanjuti hal itu", "Menindaklanjuti hal tersebut");
    edit(&rencana, "pagu_sebelum = 97021000", "pagu_sebelum = 97020000");
    std::fs::write(&bab3, &text).unwrap();
    step("original again", &dir, &mut cache);
    let fresh = workspace();
    let original = Edition::load(&fresh.path().join("content"));
    let now = Edition::load_cached(&dir, &mut cache);
    assert!(original.json() == now.json(), "the model of the original sample again");
}

#[test]
fn one_cache_serves_another_folder_without_mixing_them() {
    let a = workspace();
    let b = workspace();
    edit(&b.path().join("content/bab/01-pendahuluan.md"), "Menindaklanjuti hal tersebut", "Menindaklanjuti hal itu");
    let mut cache = EditionCache::new();
    step("a", &a.path().join("content"), &mut cache);
    step("b", &b.path().join("content"), &mut cache);
    step("a again", &a.path().join("content"), &mut cache);
}

/// A data edit computes again only the parts that read the edited file (issue #21): a pagu edit
/// keeps the evaluation's, the goals' and the RKPD review's placed tables (the very same shared
/// values) and makes Tabel 3.4's again; an edit of tujuan-sasaran.toml reaches the evaluation,
/// whose title years are checked against the Renstra's years it holds. Every step equals a cold
/// load.
#[test]
fn a_data_edit_computes_again_only_the_parts_that_read_it() {
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("murni");
    common::copy_dir(&Path::new(common::ROOT).join("contoh/murni"), &dir);
    let tables = |dir: &Path, cache: &mut EditionCache| Edition::load_cached(dir, cache).document().map(|d| (*d.tabel).clone()).unwrap();
    let same = |a: &renja::document::Tabel, b: &renja::document::Tabel, id: &str| std::sync::Arc::ptr_eq(&a[id], &b[id]);
    let mut cache = EditionCache::new();
    step("first", &dir, &mut cache);
    let before = tables(&dir, &mut cache);
    assert!(["evaluasi", "kinerja", "rkpd", "rencana"].iter().all(|id| before.contains_key(*id)), "{:?}", before.keys());

    edit(&dir.join("data/rencana.toml"), "pagu = 95000000", "pagu = 95500000");
    step("pagu", &dir, &mut cache);
    let after = tables(&dir, &mut cache);
    assert!(!same(&before, &after, "rencana"), "Tabel 3.4 is made again");
    for id in ["evaluasi", "kinerja", "rkpd"] {
        assert!(same(&before, &after, id), "{id} is kept through a pagu edit");
    }

    // A year in the evaluation's title that only the Renstra's years allow (n = 2025; n−3…n
    // and the Renstra 2023–2027); then the Renstra moves to 2022–2026 (in tujuan-sasaran.toml)
    // and the title's year is an error in evaluasi.toml.
    let evaluasi = dir.join("data/evaluasi.toml");
    edit(&evaluasi, "s/d Tahun 2023\"", "s/d Tahun 2023 (Renstra s/d 2027)\"");
    step("title year of the Renstra", &dir, &mut cache);
    let errors = |cache: &mut EditionCache| Edition::load_cached(&dir, cache).check().iter().filter(|d| d.severity == renja::diag::Severity::Error).map(|d| format!("{}: {}", d.loc.file, d.message)).collect::<Vec<_>>();
    assert_eq!(errors(&mut cache), Vec::<String>::new());
    let before = tables(&dir, &mut cache);
    edit(&dir.join("data/tujuan-sasaran.toml"), "tahun_renstra = [2023, 2024, 2025, 2026, 2027]", "tahun_renstra = [2022, 2023, 2024, 2025, 2026]");
    step("renstra moved", &dir, &mut cache);
    let e = errors(&mut cache);
    assert!(e.len() == 1 && e[0].starts_with("data/evaluasi.toml") && e[0].contains("2027"), "the evaluation sees the Renstra's years: {e:?}");
    let after = tables(&dir, &mut cache);
    assert!(!same(&before, &after, "evaluasi") && !same(&before, &after, "kinerja"), "both parts that read tujuan-sasaran.toml are computed again");
    assert!(same(&before, &after, "rencana") && same(&before, &after, "rkpd"), "the others are kept");
}

/// `renja check` loads without keeping the edition (`Edition::check_dir`: the base check on the
/// validated model, the data files' rows dropped once computed, each placed table's rows dropped
/// once fitted): the same diagnostics, in the same order, as a full load followed by the base
/// check, on both samples, with and without a base check; the document stage's own warnings
/// (tables placed twice or not at all, columns too narrow for a word) are among them.
#[test]
fn the_check_only_load_reports_what_a_full_load_reports() {
    let json = |d: &renja::diag::Diagnostics| serde_json::to_string_pretty(d).unwrap();
    let check_like_full = |dir: &Path| {
        let full = Edition::load(dir);
        assert_eq!(json(&Edition::check_dir(dir, None::<fn(&renja::model::Edition, &mut renja::diag::Diagnostics)>)), outcome(&full).1, "{}", dir.display());
        let mut based = Edition::load(dir);
        based.check_base(base_check);
        let with_base = Edition::check_dir(dir, Some(base_check));
        assert!(with_base.iter().any(|d| d.message.starts_with("dasar:")), "the base check ran");
        assert_eq!(json(&with_base), outcome(&based).1, "{} with the base check", dir.display());
        full
    };
    for dir in ["content", "contoh/murni"] {
        let dir = Path::new(common::ROOT).join(dir);
        let full = check_like_full(&dir);
        let document_stage = full.check().of_stage(renja::diag::Stage::Document).count();
        assert!(document_stage > 0 || dir.ends_with("murni"), "{}: {document_stage} document-stage diagnostics", dir.display());
    }
    // Columns too narrow for a word: the check reports them as the full load does.
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("sempit");
    common::copy_dir(&Path::new(common::ROOT).join("content"), &dir);
    let long = "Penyelenggaraanpelayanankesejahteraansosialtenagakerjatransmigrasidanketahananpangan";
    edit(&dir.join("data/rencana.toml"), "tolok_ukur = \"", &format!("tolok_ukur = \"{long} "));
    let full = check_like_full(&dir);
    assert!(full.check().iter().any(|d| d.message.contains("tidak cukup lebar")), "the long word is reported: {}", outcome(&full).1);
    // The check keeps the computed parts a chapter's template names (for its context) and drops
    // the others once their tables are fitted, and the rows of a part named without them: a
    // chapter naming Tabel 3.4's total, Tabel 3.2's rows, the evaluation whole and the
    // goals' rows by subscript renders as in the full load (a part or its rows dropped too
    // early would fail it or print otherwise), and a
    // chapter whose template cannot be read, so that no names are known, keeps every part.
    let dir = ws.path().join("bernama");
    common::copy_dir(&Path::new(common::ROOT).join("content"), &dir);
    let named = "## Rencana tindak lanjut\n\nPagu {{ rencana.total.pagu_sesudah | rupiah }} untuk {{ rkpd.baris | length }} baris; {% set e = evaluasi %}{{ e.baris[0].nama }}, sasaran {{ tujuan_sasaran['baris'][0]['indikator'] }}.";
    edit(&dir.join("bab/04-penutup.md"), "## Rencana tindak lanjut", named);
    let full = check_like_full(&dir);
    let penutup = |d: &&renja::diag::Diagnostic| d.loc.file.ends_with("04-penutup.md") && d.severity == renja::diag::Severity::Error;
    assert_eq!(full.check().iter().filter(penutup).count(), 0, "the named parts are there: {}", outcome(&full).1);
    edit(&dir.join("bab/03-rencana-kerja.md"), "\n\n", "\n\n{% if %}\n\n");
    let full = check_like_full(&dir);
    assert!(full.check().iter().any(|d| d.loc.file.ends_with("03-rencana-kerja.md") && d.severity == renja::diag::Severity::Error), "the broken template is reported: {}", outcome(&full).1);
    assert_eq!(full.check().iter().filter(penutup).count(), 0, "{}", outcome(&full).1);
    // The check reads the table files one at a time and validates their rows then: what their
    // reading and validation report is what the full load reports (a file that does not parse,
    // a row whose code is not in the nomenclature, a nomenclature that is missing, and an
    // edition without edisi.toml, which is not validated at all, while its table files are read).
    let dir = ws.path().join("rusak");
    common::copy_dir(&Path::new(common::ROOT).join("content"), &dir);
    edit(&dir.join("data/evaluasi.toml"), "kode = \"2.07.001\"", "kode = \"2.07.001\"\nkode = \"2.07.001\"");
    edit(&dir.join("data/rkpd.toml"), "kode = \"2.07\"", "kode = \"2.08\"");
    let full = check_like_full(&dir);
    for (file, stage) in [("evaluasi.toml", renja::diag::Stage::Source), ("rkpd.toml", renja::diag::Stage::Validate)] {
        assert!(full.check().of_stage(stage).any(|d| d.loc.file.ends_with(file)), "{file}: {}", outcome(&full).1);
    }
    std::fs::remove_file(dir.join("data/nomenklatur.toml")).unwrap();
    let full = check_like_full(&dir);
    assert!(full.check().iter().any(|d| d.message.contains("nomenklatur.toml tidak ada")), "{}", outcome(&full).1);
    std::fs::remove_file(dir.join("edisi.toml")).unwrap();
    let full = Edition::load(&dir);
    let check = Edition::check_dir(&dir, Some(base_check));
    assert_eq!(json(&check), outcome(&full).1);
    assert!(check.iter().any(|d| d.loc.file.ends_with("evaluasi.toml")), "the table files are read: {}", json(&check));
}
