//! `renja archive [--arsip DIR] add|list|show|get|verify|rebuild|diff`: the command line of the
//! archive of editions (docs/archive.md). The storage is reached only through
//! [`crate::archive::Store`]; this file parses, calls and prints. Exit codes: 0 ok, 1 the thing is
//! invalid (refused duplicate, unknown edition, verify failed, rebuild differs), 2 usage or I/O.

use crate::archive::edisi::CollectError;
use crate::archive::sqlite::SqliteStore;
use crate::archive::{self, Edition, Filter, Kind, ObjectState, Store};
use clap::Subcommand;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Folder arsip, atau basis data layanan postgres://pengguna@host:port/nama (bawaan:
    /// $RENJA_ARSIP, atau arsip/); sandi dari PGPASSWORD atau ~/.pgpass
    #[arg(long, global = true, value_name = "DIR|URL")]
    pub arsip: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Subcommand)]
pub enum Sub {
    /// Simpan edisi (sumber, PDF final, DOCX, JSON, metadata) ke arsip.
    Add {
        /// Folder edisi
        #[arg(default_value = "content")]
        dir: PathBuf,
        /// PDF bertanda tangan (hasil `renja sign`) yang ikut disimpan
        #[arg(long, value_name = "FILE")]
        ttd: Option<PathBuf>,
        /// Simpan sebagai revisi baru bila (OPD, tahun, jenis, revisi) sudah ada
        #[arg(long = "revisi-baru")]
        revisi_baru: bool,
    },
    /// Daftar edisi dalam arsip.
    List {
        /// Saring menurut OPD (nama, singkatan atau kode; sebagian cukup)
        #[arg(long)]
        opd: Option<String>,
        /// Saring menurut tahun
        #[arg(long)]
        tahun: Option<i32>,
    },
    /// Tampilkan metadata dan berkas satu edisi.
    Show { id: String },
    /// Pulihkan sumber dan keluaran satu edisi, byte demi byte, ke folder baru.
    Get {
        id: String,
        /// Folder tujuan (harus belum ada atau kosong)
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: PathBuf,
    },
    /// Hitung ulang hash setiap berkas (semua edisi, atau satu).
    Verify { id: Option<String> },
    /// Susun ulang dari sumber yang diarsipkan dan bandingkan dengan PDF arsip.
    Rebuild { id: String },
    /// Bandingkan dua edisi per sub kegiatan (pagu, target, indikator) dan totalnya.
    Diff { id1: String, id2: String },
}

pub fn run(args: Args) -> i32 {
    let root = archive::location(args.arsip);
    match args.command {
        Sub::Add { dir, ttd, revisi_baru } => add(&root, &dir, ttd.as_deref(), revisi_baru),
        Sub::List { opd, tahun } => with_store(&root, |s| list(s, &Filter { opd, tahun })),
        Sub::Show { id } => with_store(&root, |s| show(s, &id)),
        Sub::Get { id, out } => with_store(&root, |s| get(s, &id, &out)),
        Sub::Verify { id } => with_store(&root, |s| verify(s, id.as_deref())),
        Sub::Rebuild { id } => with_store(&root, |s| rebuild(s, &id)),
        Sub::Diff { id1, id2 } => with_store(&root, |s| diff(s, &id1, &id2)),
    }
}

fn fail(e: archive::Error) -> i32 {
    eprintln!("error: {e}");
    e.exit_code()
}

/// Whether the archive location names the service's PostgreSQL database.
fn is_postgres(root: &Path) -> bool {
    root.to_str().is_some_and(crate::service::postgres::is_postgres_url)
}

/// Opens the archive at `root`: a folder (SQLite + files; `write` creates it), or the archive in
/// the service's PostgreSQL database (`postgres://…`, shared by every node).
pub fn open(root: &Path, write: bool) -> Result<Box<dyn Store + Send>, archive::Error> {
    match root.to_str() {
        Some(url) if is_postgres(root) => crate::service::arsip_pg::PgArchive::open(url).map(|s| Box::new(s) as Box<dyn Store + Send>),
        _ => SqliteStore::open(root, write).map(|s| Box::new(s) as Box<dyn Store + Send>),
    }
}

fn with_store(root: &Path, f: impl FnOnce(&dyn Store) -> Result<i32, archive::Error>) -> i32 {
    match open(root, false) {
        Ok(s) => f(s.as_ref()).unwrap_or_else(fail),
        Err(e) => fail(e),
    }
}

fn add(root: &Path, dir: &Path, ttd: Option<&Path>, revisi_baru: bool) -> i32 {
    if !dir.is_dir() {
        eprintln!("error: folder edisi {} tidak ditemukan", dir.display());
        return 2;
    }
    // A database archive is opened first: the base-edition check reads it too.
    let db = if is_postgres(root) {
        match open(root, true) {
            Ok(s) => Some(s),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    let collected = match &db {
        Some(s) => archive::edisi::collect_with(dir, ttd, Ok(s.as_ref() as &dyn Store), None, revisi_baru),
        None => archive::edisi::collect(dir, ttd, Some(root), revisi_baru),
    };
    let (new, warnings) = match collected {
        Ok(x) => x,
        Err(CollectError::Sources(diags)) => {
            super::print_diagnostics(&diags);
            eprintln!("{}; edisi tidak diarsipkan", diags.summary());
            return 1;
        }
        Err(CollectError::Refused(m)) => {
            eprintln!("error: {m}; edisi tidak diarsipkan");
            return 1;
        }
        Err(CollectError::Io(m)) => {
            eprintln!("error: {m}; edisi tidak diarsipkan");
            return 2;
        }
    };
    let store = match db.map_or_else(|| open(root, true), Ok) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match store.insert(&new) {
        Ok(ed) => {
            if warnings > 0 {
                eprintln!("{warnings} peringatan pada sumber; lihat `renja check {}`", dir.display());
            }
            let n = new.files.len();
            let sumber = new.files.iter().filter(|(f, _)| f.kind == Kind::Sumber).count();
            eprintln!(
                "edisi ditambahkan ke arsip {}: {} — {} tahun {} ({}) revisi {}; {sumber} berkas sumber, {} keluaran",
                store.location().display(),
                ed.id,
                ed.opd_nama,
                ed.tahun,
                ed.jenis,
                ed.revisi,
                n - sumber
            );
            println!("{}", ed.id);
            0
        }
        Err(e) => fail(e),
    }
}

fn list(store: &dyn Store, filter: &Filter) -> Result<i32, archive::Error> {
    let eds = store.list(filter)?;
    if eds.is_empty() {
        eprintln!("tidak ada edisi yang cocok di arsip {}", store.location().display());
        return Ok(0);
    }
    let mut out = String::with_capacity(eds.len() * 120);
    let w = eds.iter().map(|e| e.id.chars().count()).max().unwrap_or(2).max(2);
    out.push_str(&format!("{:<w$}  {:<5}  {:<9}  {:>6}  {:<16}  {:<20}  {}\n", "ID", "TAHUN", "JENIS", "REVISI", "TAHAP", "DITAMBAHKAN", "OPD"));
    for e in &eds {
        let opd = e.opd_singkatan.clone().unwrap_or_else(|| e.opd_nama.clone());
        out.push_str(&format!(
            "{:<w$}  {:<5}  {:<9}  {:>6}  {:<16}  {:<20}  {} ({})\n",
            e.id,
            e.tahun,
            e.jenis,
            e.revisi,
            e.tahap.as_deref().unwrap_or("-"),
            e.ditambahkan,
            opd,
            e.daerah
        ));
    }
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    if lock.write_all(out.as_bytes()).is_err() {
        return Ok(2);
    }
    Ok(0)
}

/// The first 16 characters of a hash, for display. A hash read from the database is not trusted
/// to be 64 hex digits (a damaged or edited database): never slice it blindly.
fn short(hash: &str) -> &str {
    hash.char_indices().nth(16).map_or(hash, |(i, _)| &hash[..i])
}

fn show(store: &dyn Store, id: &str) -> Result<i32, archive::Error> {
    let e = store.find(id)?;
    let files = store.files(&e.id)?;
    print!("{}", describe(&e));
    println!("berkas:");
    for f in &files {
        println!("  {:<8} {:>10}  {}  {}", f.kind.as_str(), crate::format::angka_dp(f.size.into(), 0), short(&f.sha256), f.path);
    }
    Ok(0)
}

fn describe(e: &Edition) -> String {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    format!(
        "id:                 {}\nopd:                {}{}\nkunci opd:          {}\ndaerah:             {}\ntahun:              {}\njenis:              {}\nrevisi (arsip):     {}\nrevisi (sumber):    {}\ntahap:              {}\nslug:               {}\npenandatangan:      {} (NIP {})\nwaktu tanda tangan: {}\nversi renja:        {}\nditambahkan:        {}\nedisi dasar:        {}\nmanifes (SHA-256):  {}\n",
        e.id,
        e.opd_nama,
        e.opd_singkatan.as_ref().map(|s| format!(" ({s})")).unwrap_or_default(),
        e.opd_kunci,
        e.daerah,
        e.tahun,
        e.jenis,
        e.revisi,
        e.revisi_sumber,
        opt(&e.tahap),
        e.slug,
        e.penandatangan_nama,
        e.penandatangan_nip,
        opt(&e.waktu_ttd),
        e.renja_versi,
        e.ditambahkan,
        opt(&e.dasar),
        e.manifest
    )
}

/// Reads an object and checks it against its hash; an altered or missing object is an error
/// naming the file.
fn read_checked(store: &dyn Store, id: &str, f: &archive::FileEntry) -> Result<Vec<u8>, archive::Error> {
    if !store.objects_present() {
        return Err(archive::Error::Damaged(format!(
            "{id}: folder objek/ tidak ada di arsip {}; berkas {} tidak dapat dipulihkan",
            store.location().display(),
            f.path
        )));
    }
    match store.check_object(&f.sha256, f.size) {
        ObjectState::Ok => store.read_object(&f.sha256),
        ObjectState::Missing => Err(archive::Error::Damaged(format!("{id}: berkas {} hilang dari arsip (objek {})", f.path, f.sha256))),
        ObjectState::Altered => Err(archive::Error::Damaged(format!("{id}: berkas {} dalam arsip telah berubah (objek {})", f.path, f.sha256))),
    }
}

/// Writes every file of edition `id` under `out` (which must not exist or be empty).
pub fn restore(store: &dyn Store, id: &str, out: &Path, kinds: &[Kind]) -> Result<usize, archive::Error> {
    let files = store.files(id)?;
    let mut n = 0;
    for f in files.iter().filter(|f| kinds.contains(&f.kind)) {
        let bytes = read_checked(store, id, f)?;
        if f.path.split('/').any(|c| c == ".." || c.is_empty()) || f.path.starts_with('/') {
            return Err(archive::Error::Io(format!("{id}: jalur berkas tidak sah dalam arsip: {}", f.path)));
        }
        let dest = out.join(&f.path);
        crate::output::write_atomic(&dest, &bytes).map_err(|e| archive::Error::Io(format!("{}: {e}", dest.display())))?;
        n += 1;
    }
    Ok(n)
}

/// Restores edition `id` into a new folder `out` all at once: into a temporary sibling first,
/// then `finish` runs on it, then it is renamed to `out` (which must be missing or empty). An
/// error leaves no partial folder behind.
pub fn restore_new(
    store: &dyn Store,
    id: &str,
    out: &Path,
    kinds: &[Kind],
    finish: impl FnOnce(&Path) -> Result<(), archive::Error>,
) -> Result<usize, archive::Error> {
    let Some(name) = out.file_name().and_then(|n| n.to_str()) else {
        let n = restore(store, id, out, kinds)?;
        finish(out)?;
        return Ok(n);
    };
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| archive::Error::Io(format!("{}: {e}", parent.display())))?;
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = restore(store, id, &tmp, kinds).and_then(|n| finish(&tmp).map(|_| n)).and_then(|n| {
        if out.exists() {
            std::fs::remove_dir(out).map_err(|e| archive::Error::Io(format!("{}: {e}", out.display())))?;
        }
        std::fs::rename(&tmp, out).map_err(|e| archive::Error::Io(format!("{}: {e}", out.display())))?;
        Ok(n)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn get(store: &dyn Store, id: &str, out: &Path) -> Result<i32, archive::Error> {
    let e = store.find(id)?;
    if out.exists() && std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!("error: folder tujuan {} sudah ada dan tidak kosong; `archive get` tidak menimpa apa pun", out.display());
        return Ok(2);
    }
    let n = restore_new(store, &e.id, out, &[Kind::Sumber, Kind::Pdf, Kind::PdfTtd, Kind::Docx, Kind::Json], |_| Ok(()))?;
    eprintln!("{n} berkas edisi {} dipulihkan ke {} (keluaran di {}/out/)", e.id, out.display(), out.display());
    Ok(0)
}

fn verify(store: &dyn Store, id: Option<&str>) -> Result<i32, archive::Error> {
    let eds = match id {
        Some(id) => vec![store.find(id)?],
        None => store.list(&Filter::default())?,
    };
    let mut problems: Vec<String> = store.integrity()?.into_iter().map(|p| format!("basis data: {p}")).collect();
    let mut seen: HashMap<(String, u64), ObjectState> = HashMap::new();
    let mut checked = 0usize;
    let folder = store.objects_present();
    let mut unreadable = 0usize;
    for e in &eds {
        let files = store.files(&e.id)?;
        if !folder {
            checked += files.len();
            unreadable += files.len();
            continue;
        }
        if archive::manifest_hash(&files) != e.manifest {
            problems.push(format!("{}: daftar berkas di basis data tidak cocok dengan manifesnya", e.id));
        }
        if !files.iter().any(|f| f.kind == Kind::Pdf) {
            problems.push(format!("{}: tidak ada PDF", e.id));
        }
        for f in &files {
            checked += 1;
            let state = seen.entry((f.sha256.clone(), f.size)).or_insert_with(|| store.check_object(&f.sha256, f.size)).clone();
            match state {
                ObjectState::Ok => {}
                ObjectState::Missing => problems.push(format!("{}: {} ({}) hilang — objek {}", e.id, f.path, f.kind.as_str(), f.sha256)),
                ObjectState::Altered => problems.push(format!("{}: {} ({}) telah berubah — objek {}", e.id, f.path, f.kind.as_str(), f.sha256)),
            }
        }
    }
    if unreadable > 0 {
        problems.push(format!(
            "folder objek/ tidak ada di arsip {}: {unreadable} berkas dari {} edisi tidak dapat diperiksa (hilang)",
            store.location().display(),
            eds.len()
        ));
    }
    if id.is_none() {
        let loose = store.unreferenced()?;
        if !loose.is_empty() {
            eprintln!("catatan: {} objek tidak dirujuk edisi mana pun (sisa penambahan yang terputus; tidak berbahaya)", loose.len());
        }
        let tmp = store.leftovers();
        if !tmp.is_empty() {
            eprintln!("catatan: {} berkas sementara di objek/tmp/ (sisa penambahan yang terputus; tidak berbahaya)", tmp.len());
        }
    }
    if problems.is_empty() {
        println!("arsip utuh: {} edisi, {checked} berkas diperiksa", eds.len());
        Ok(0)
    } else {
        for p in &problems {
            eprintln!("error: {p}");
        }
        eprintln!("verifikasi gagal: {} masalah pada {} edisi", problems.len(), eds.len());
        Ok(1)
    }
}

fn rebuild(store: &dyn Store, id: &str) -> Result<i32, archive::Error> {
    let e = store.find(id)?;
    let tmp = tempfile::Builder::new().prefix("renja-rebuild-").tempdir().map_err(|x| archive::Error::Io(format!("folder sementara: {x}")))?;
    let src = tmp.path().join("edisi");
    restore(store, &e.id, &src, &[Kind::Sumber])?;
    let out = match archive::edisi::build(&src, Ok(store)) {
        Ok(o) => o,
        Err(CollectError::Sources(d)) => {
            super::print_diagnostics(&d);
            eprintln!("{}; sumber arsip tidak lagi dapat disusun dengan renja {}", d.summary(), env!("CARGO_PKG_VERSION"));
            return Ok(1);
        }
        Err(CollectError::Refused(m) | CollectError::Io(m)) => {
            eprintln!("error: {m}");
            return Ok(2);
        }
    };
    let files = store.files(&e.id)?;
    println!("susun ulang {} (diarsipkan dengan renja {}, sekarang renja {})", e.id, e.renja_versi, env!("CARGO_PKG_VERSION"));
    let mut pdf_same = false;
    for (kind, label, bytes) in [(Kind::Pdf, "PDF tanpa tanda tangan", &out.pdf), (Kind::Docx, "DOCX", &out.docx), (Kind::Json, "JSON", &out.json)] {
        let Some(f) = files.iter().find(|f| f.kind == kind) else { continue };
        let sha = archive::sha256_hex(bytes);
        let same = sha == f.sha256;
        if kind == Kind::Pdf {
            pdf_same = same;
        }
        if same {
            println!("  {label}: identik ({} byte, SHA-256 {})", crate::format::angka_dp((bytes.len() as u64).into(), 0), short(&sha));
        } else {
            println!(
                "  {label}: BERBEDA — arsip {} byte ({}), susun ulang {} byte ({})",
                crate::format::angka_dp(f.size.into(), 0),
                short(&f.sha256),
                crate::format::angka_dp((bytes.len() as u64).into(), 0),
                short(&sha)
            );
        }
    }
    Ok(if pdf_same { 0 } else { 1 })
}

fn diff(store: &dyn Store, id1: &str, id2: &str) -> Result<i32, archive::Error> {
    let mut docs = Vec::new();
    for id in [id1, id2] {
        let e = store.find(id)?;
        let files = store.files(&e.id)?;
        let f = files.iter().find(|f| f.kind == Kind::Json).ok_or_else(|| archive::Error::Io(format!("{}: model JSON tidak ada di arsip", e.id)))?;
        let bytes = read_checked(store, &e.id, f)?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|x| archive::Error::Io(format!("{}: {}: JSON tidak sah: {x}", e.id, f.path)))?;
        docs.push((e.id, v));
    }
    let d = archive::diff::diff(&docs[0].0, &docs[0].1, &docs[1].0, &docs[1].1);
    print!("{}", d.text);
    Ok(0)
}
