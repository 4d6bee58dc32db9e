//! Bad input found by trying renja as a hostile or careless user would (issue 14): special files
//! and links in the edition, characters and lengths the layout or PDF/A cannot hold, settings
//! out of range, missing amounts, and how the messages read. Each case copies the sample edition,
//! applies one fault, and requires `renja check` and `renja export --json` to exit 1 within a
//! time limit (a FIFO must never block) without a panic, `export` to print nothing, and `check` to
//! print `FILE:LINE:COL: error: …` at the fault with a key word of the Indonesian message.
//! Further tests: warnings that must not be errors, the order and language of messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::copy_dir;

type Setup = Box<dyn Fn(&Path) -> usize + Send + Sync>;

struct Case {
    name: &'static str,
    file: &'static str,
    setup: Setup,
    expect: &'static str,
}

/// Replaces `old` (exactly once) in `file`; returns the line where `at` (in the new text) is.
fn replace(dir: &Path, file: &str, old: &str, new: &str, at: &str) -> usize {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert_eq!(text.matches(old).count(), 1, "{old:?} must occur once in {file}");
    let out = text.replacen(old, new, 1);
    std::fs::write(&p, &out).unwrap();
    let start = text.find(old).unwrap();
    out[..start + new.find(at).unwrap()].matches('\n').count() + 1
}

/// Appends `text` to `file`; returns the line where `at` is.
fn append(dir: &Path, file: &str, text: &str, at: &str) -> usize {
    let p = dir.join(file);
    let mut s = std::fs::read_to_string(&p).unwrap();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    let base = s.len();
    s.push_str(text);
    std::fs::write(&p, &s).unwrap();
    s[..base + text.find(at).unwrap()].matches('\n').count() + 1
}

/// Sets `key = value` in the `[table]` of edisi.toml (the line must exist); returns its line.
fn set(dir: &Path, table: &str, key: &str, value: &str) -> usize {
    let p = dir.join("edisi.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let start = text.find(&format!("[{table}]\n")).unwrap();
    let off = start + text[start..].find(&format!("\n{key} = ")).unwrap() + 1;
    let end = off + text[off..].find('\n').unwrap();
    let out = format!("{}{key} = {value}{}", &text[..off], &text[end..]);
    std::fs::write(&p, &out).unwrap();
    out[..off].matches('\n').count() + 1
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo (coreutils)");
    assert!(st.success());
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn b(f: impl Fn(&Path) -> usize + Send + Sync + 'static) -> Setup {
    Box::new(f)
}

fn cases() -> Vec<Case> {
    let chapter = "bab/04-penutup.md";
    let c = |name, file, setup, expect| Case { name, file, setup, expect };
    vec![
        // ------------------------------------------------------------ special files and links
        c("fifo_chapter", "bab/05-fifo.md", b(|d| { mkfifo(&d.join("bab/05-fifo.md")); 1 }), "FIFO"),
        c("fifo_data_file", "data/rkpd.toml", b(|d| { std::fs::remove_file(d.join("data/rkpd.toml")).unwrap(); mkfifo(&d.join("data/rkpd.toml")); 1 }), "FIFO"),
        c("fifo_edisi", "edisi.toml", b(|d| { std::fs::remove_file(d.join("edisi.toml")).unwrap(); mkfifo(&d.join("edisi.toml")); 1 }), "FIFO"),
        c("data_file_is_dev_zero", "data/rkpd.toml", b(|d| { std::fs::remove_file(d.join("data/rkpd.toml")).unwrap(); symlink(Path::new("/dev/zero"), &d.join("data/rkpd.toml")); 1 }), "luar folder edisi"),
        c("directory_in_place_of_chapter", "bab/05-folder.md", b(|d| { std::fs::create_dir(d.join("bab/05-folder.md")).unwrap(); 1 }), "folder"),
        c("directory_in_place_of_data_file", "data/rencana.toml", b(|d| { std::fs::remove_file(d.join("data/rencana.toml")).unwrap(); std::fs::create_dir(d.join("data/rencana.toml")).unwrap(); 1 }), "folder"),
        c("chapter_symlinked_from_outside", "bab/05-luar.md", b(|d| {
            let outside = d.parent().unwrap().join("rahasia.md");
            std::fs::write(&outside, "+++\njenis = \"lampiran\"\njudul = \"X\"\nurutan = 9\n+++\nRahasia.\n").unwrap();
            symlink(&outside, &d.join("bab/05-luar.md"));
            1
        }), "luar folder edisi"),
        c("dangling_symlink_chapter", "bab/05-rusak.md", b(|d| { symlink(Path::new("tidak-ada.md"), &d.join("bab/05-rusak.md")); 1 }), "rusak"),
        c("symlink_loop_data_file", "data/organisasi.toml", b(|d| {
            std::fs::remove_file(d.join("data/organisasi.toml")).unwrap();
            symlink(Path::new("organisasi.toml"), &d.join("data/organisasi.toml"));
            1
        }), "berputar"),
        c("oversized_data_file", "data/landasan-hukum.toml", b(|d| {
            let f = std::fs::OpenOptions::new().append(true).open(d.join("data/landasan-hukum.toml")).unwrap();
            f.set_len(70 * 1024 * 1024).unwrap();
            1
        }), "terlalu besar"),
        // ------------------------------------------------------------ characters and lengths
        c("nul_in_toml_text", "edisi.toml", b(|d| replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"", "singkatan = \"Disna\\u0000kertrans\"", "")), "U+0000"),
        c("escape_in_toml_text", "data/landasan-hukum.toml", b(|d| replace(d, "data/landasan-hukum.toml", "tentang = \"Keuangan Negara\"", "tentang = \"Keuangan \\u001B Negara\"", "")), "U+001B"),
        c("c1_control_in_data_name", "data/nomenklatur.toml", b(|d| {
            let p = d.join("data/nomenklatur.toml");
            let t = std::fs::read_to_string(&p).unwrap();
            let at = t.find("nama = \"").unwrap() + 8;
            std::fs::write(&p, format!("{}\\u0085{}", &t[..at], &t[at..])).unwrap();
            t[..at].matches('\n').count() + 1
        }), "U+0085"),
        c("nul_in_chapter", chapter, b(|d| append(d, chapter, "\nKalimat dengan \u{0} di tengah.\n", "Kalimat")), "U+0000"),
        c("bell_in_front_matter", chapter, b(|d| replace(d, chapter, "judul = \"PENUTUP\"", "judul = \"PENU\\u0007TUP\"", "")), "U+0007"),
        c("object_marker_in_chapter", chapter, b(|d| append(d, chapter, "\nTeks \u{FFFC}0\u{FFFC} aneh.\n", "Teks")), "U+FFFC"),
        c("long_word_in_chapter", chapter, b(|d| {
            let w = "x".repeat(33_000);
            append(d, chapter, &format!("\nAwal {w} akhir.\n"), "Awal")
        }), "tanpa spasi"),
        c("long_word_in_toml", "edisi.toml", b(|d| set(d, "edisi", "tahap", &format!("\"{}\"", "y".repeat(2000)))), "tanpa spasi"),
        c("long_value_in_toml", "edisi.toml", b(|d| replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"", &format!("singkatan = \"{}\"", "kata ".repeat(2000)), "")), "terlalu panjang"),
        c("list_nested_32_deep", chapter, b(|d| {
            let mut s = String::from("\n");
            for i in 0..32 {
                s.push_str(&format!("{}- tingkat {i}\n", "  ".repeat(i)));
            }
            append(d, chapter, &s, "- tingkat 8")
        }), "bersarang"),
        c("list_nested_9_deep_lettered", chapter, b(|d| {
            let mut s = String::from("\n");
            for i in 0..9 {
                s.push_str(&format!("{}a. tingkat {i}\n", "   ".repeat(i)));
            }
            append(d, chapter, &s, "a. tingkat 8")
        }), "bersarang"),
        c("markdown_image", chapter, b(|d| append(d, chapter, "\nLihat ![bagan organisasi](bagan.png) berikut.\n", "Lihat")), "gambar"),
        c("heading_too_long", chapter, b(|d| append(d, chapter, &format!("\n## {}\n", "judul ".repeat(300)), "## ")), "judul bagian terlalu panjang"),
        // ------------------------------------------------------------ images
        c("logo_corrupt_png", "edisi.toml", b(|d| {
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            png.extend_from_slice(&[0x55; 300]);
            std::fs::write(d.join("logo.png"), png).unwrap();
            replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"\n", "singkatan = \"Disnakertrans\"\nlogo = \"logo.png\"\n", "logo")
        }), "rusak"),
        c("logo_truncated_png", "edisi.toml", b(|d| {
            let good = image_png();
            std::fs::write(d.join("logo.png"), &good[..good.len() / 2]).unwrap();
            replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"\n", "singkatan = \"Disnakertrans\"\nlogo = \"logo.png\"\n", "logo")
        }), "rusak"),
        c("logo_text_named_png", "edisi.toml", b(|d| {
            std::fs::write(d.join("logo.png"), "bukan gambar").unwrap();
            replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"\n", "singkatan = \"Disnakertrans\"\nlogo = \"logo.png\"\n", "logo")
        }), "bukan gambar PNG"),
        c("logo_symlinked_out", "edisi.toml", b(|d| {
            let outside = d.parent().unwrap().join("logo-luar.png");
            std::fs::write(&outside, image_png()).unwrap();
            symlink(&outside, &d.join("logo.png"));
            replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"\n", "singkatan = \"Disnakertrans\"\nlogo = \"logo.png\"\n", "logo")
        }), "luar folder edisi"),
        c("logo_fifo", "edisi.toml", b(|d| {
            mkfifo(&d.join("logo.png"));
            replace(d, "edisi.toml", "singkatan = \"Disnakertrans\"\n", "singkatan = \"Disnakertrans\"\nlogo = \"logo.png\"\n", "logo")
        }), "FIFO"),
        // ------------------------------------------------------------ settings
        c("font_size_zero", "edisi.toml", b(|d| set(d, "halaman", "ukuran_huruf", "0")), "di luar batas"),
        c("font_size_negative", "edisi.toml", b(|d| set(d, "halaman", "ukuran_huruf", "-12")), "di luar batas"),
        c("font_size_huge", "edisi.toml", b(|d| set(d, "halaman", "ukuran_huruf", "100000")), "di luar batas"),
        c("font_size_nan", "edisi.toml", b(|d| set(d, "halaman", "ukuran_huruf", "nan")), "di luar batas"),
        c("line_spacing_zero", "edisi.toml", b(|d| set(d, "halaman", "spasi_baris", "0")), "di luar batas"),
        c("line_spacing_500", "edisi.toml", b(|d| set(d, "halaman", "spasi_baris", "500")), "di luar batas"),
        c("margin_negative", "edisi.toml", b(|d| set(d, "halaman", "margin_cm", "{ atas = -50, bawah = 3, kiri = 3, kanan = 2.5 }")), "di luar batas"),
        c("margin_400", "edisi.toml", b(|d| set(d, "halaman", "margin_cm", "{ atas = 2.5, bawah = 3, kiri = 400, kanan = 2.5 }")), "di luar batas"),
        c("unknown_list_style", "edisi.toml", b(|d| {
            replace(d, "edisi.toml", "kanan = 2.5 }\n", "kanan = 2.5 }\ngaya_daftar = [\"1.\", \"z)\"]\n", "gaya_daftar")
        }), "gaya_daftar 'z)' tidak dikenal"),
        c("unknown_font", "edisi.toml", b(|d| set(d, "halaman", "huruf", "\"Comic Sans MS\"")), "Liberation Serif"),
        c("empty_signer_name", "edisi.toml", b(|d| set(d, "penandatangan", "nama", "\"  \"")), "nama penandatangan kosong"),
        c("empty_signer_jabatan", "edisi.toml", b(|d| set(d, "penandatangan", "jabatan", "\"\"")), "jabatan penandatangan kosong"),
        // ------------------------------------------------------------ missing amounts
        c("missing_leaf_pagu", "data/evaluasi.toml", b(|d| {
            let p = d.join("data/evaluasi.toml");
            let t = std::fs::read_to_string(&p).unwrap();
            let at = leaf_pagu(&t, 0);
            let end = at + t[at..].find('\n').unwrap() + 1;
            let out = format!("{}{}", &t[..at], &t[end..]);
            std::fs::write(&p, &out).unwrap();
            // The row's `kode` line, where sub kegiatan rows are located.
            let kode = out[..at].rfind("\nkode = ").unwrap() + 1;
            out[..kode].matches('\n').count() + 1
        }), "tidak memiliki pagu"),
    ]
}

/// A small valid PNG.
fn image_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 40, |x, y| image::Rgb([(x * 6) as u8, (y * 6) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs renja with a time limit: a hang (a FIFO read) fails the case instead of the suite.
fn renja(args: &[&str], dir: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_renja"))
        .args(args)
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("renja runs");
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            let _ = child.wait();
            return Run { code: None, stdout: String::new(), stderr: "TIMEOUT: renja did not finish in 240 s".into() };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Run { code: out.status.code(), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

fn run_case(content: &Path, case: &Case) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("edisi");
    copy_dir(content, &dir);
    let line = (case.setup)(&dir);
    let mut problems = Vec::new();
    let check = renja(&["check"], &dir);
    let export = renja(&["export", "--json"], &dir);
    for (what, r) in [("check", &check), ("export --json", &export)] {
        if r.code != Some(1) {
            problems.push(format!("`renja {what}` exited with {:?}, expected 1\n{}", r.code, r.stderr));
        }
        if r.stderr.contains("panicked") {
            problems.push(format!("`renja {what}` panicked: {}", r.stderr));
        }
    }
    if !export.stdout.is_empty() {
        problems.push("`renja export --json` wrote to stdout".into());
    }
    let prefix = format!("{}:{line}:", case.file);
    let hit = check.stderr.lines().any(|l| l.starts_with(&prefix) && l.contains(": error: ") && l.contains(case.expect));
    if !hit {
        problems.push(format!("no `{prefix}COL: error: …{}…` line; stderr:\n{}", case.expect, check.stderr.lines().take(15).collect::<Vec<_>>().join("\n")));
    }
    problems
}

fn content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

#[test]
fn hardening_bad_inputs_fail_cleanly_with_located_errors() {
    let cases = cases();
    let content = content();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let p = run_case(&content, case);
                if !p.is_empty() {
                    failed.lock().unwrap().push(format!("- {} ({}):\n    {}", case.name, case.file, p.join("\n    ")));
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap();
    assert!(failed.is_empty(), "{} of {} cases failed:\n{}", failed.len(), cases.len(), failed.join("\n"));
}

fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("edisi");
    copy_dir(&content(), &dir);
    (tmp, dir)
}

/// An editor's lock file (Emacs writes `.#name.md` as a dangling link) is no chapter.
#[test]
fn hidden_editor_files_in_bab_are_ignored() {
    let (_t, dir) = sample_copy();
    symlink(Path::new("user@host.1234:1700000000"), &dir.join("bab/.#04-penutup.md"));
    let r = renja(&["check"], &dir);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

/// A table placed twice is a warning naming both places, not an error.
#[test]
fn table_placed_twice_is_a_warning() {
    let (_t, dir) = sample_copy();
    let line = append(&dir, "bab/04-penutup.md", "\n{{ tabel(\"rkpd\") }}\n", "{{");
    let r = renja(&["check"], &dir);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let w = r.stderr.lines().find(|l| l.starts_with(&format!("bab/04-penutup.md:{line}:")) && l.contains(": warning: ")).unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(w.contains("lebih dari sekali") && w.contains("bab/03-rencana-kerja.md:"), "{w}");
}

/// A bad amount in a data file: the first error is in the data file; the chapters using it
/// and the tables it feeds stay silent.
#[test]
fn data_file_failure_does_not_blame_chapters() {
    let (_t, dir) = sample_copy();
    let p = dir.join("data/evaluasi.toml");
    let t = std::fs::read_to_string(&p).unwrap();
    let at = leaf_pagu(&t, 0);
    let end = at + t[at..].find('\n').unwrap();
    std::fs::write(&p, format!("{}pagu = \"dua juta\"{}", &t[..at], &t[end..])).unwrap();
    let r = renja(&["check"], &dir);
    assert_eq!(r.code, Some(1));
    let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains(": error: ")).collect();
    assert!(!errors.is_empty(), "{}", r.stderr);
    assert!(errors[0].starts_with("data/evaluasi.toml:"), "first error must be the data file's:\n{}", r.stderr);
    assert!(errors.iter().all(|l| !l.starts_with("bab/")), "a chapter is blamed:\n{}", r.stderr);
    assert!(!r.stderr.contains("tidak disisipkan"), "cascade of 'table not placed':\n{}", r.stderr);
}

/// Several schema errors in one file come in one run, in file order.
#[test]
fn all_errors_of_a_file_in_one_run_in_order() {
    let (_t, dir) = sample_copy();
    let p = dir.join("data/evaluasi.toml");
    let mut t = std::fs::read_to_string(&p).unwrap();
    let mut lines = Vec::new();
    let mut from = 0;
    for _ in 0..3 {
        let at = leaf_pagu(&t, from);
        let end = at + t[at..].find('\n').unwrap();
        t = format!("{}pagu = true{}", &t[..at], &t[end..]);
        lines.push(t[..at].matches('\n').count() + 1);
        from = at + 10;
    }
    std::fs::write(&p, &t).unwrap();
    let r = renja(&["check"], &dir);
    let got: Vec<usize> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("data/evaluasi.toml:") && l.contains(": error: "))
        .map(|l| l.split(':').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(got, lines, "{}", r.stderr);
}

/// Messages are Bahasa Indonesia; the parser's or the OS's English words only on a secondary
/// `= rincian:` line.
#[test]
fn english_detail_only_as_secondary_line() {
    let (_t, dir) = sample_copy();
    replace(&dir, "edisi.toml", "tempat = \"Tana Paser\"", "tempat = \"Tana Paser", "");
    std::fs::remove_file(dir.join("data/rkpd.toml")).unwrap();
    std::fs::create_dir(dir.join("data/rkpd.toml")).unwrap();
    let r = renja(&["check"], &dir);
    assert_eq!(r.code, Some(1));
    let english = ["invalid", "expected", "unexpected", "missing", "No such file", "Is a directory", "string"];
    for l in r.stderr.lines().filter(|l| l.contains(": error: ")) {
        let msg = l.split(": error: ").nth(1).unwrap();
        assert!(!english.iter().any(|w| msg.contains(w)), "English in the message: {l}");
    }
    assert!(r.stderr.lines().any(|l| l.trim_start().starts_with("= rincian:")), "the parser's words as a secondary line:\n{}", r.stderr);
}

/// The offset of the first `pagu = ` line of a sub kegiatan row from `from` (in the sample it
/// follows the row's own `target = `; parent rows only have printed totals).
fn leaf_pagu(t: &str, from: usize) -> usize {
    let mut at = from;
    loop {
        let p = at + t[at..].find("\npagu = ").expect("a sub kegiatan pagu") + 1;
        let prev = t[..p - 1].rfind('\n').map_or(0, |i| i + 1);
        if t[prev..p].starts_with("target = ") {
            return p;
        }
        at = p;
    }
}
