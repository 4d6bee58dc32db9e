//! `renja new DIR --from ID [--perubahan]`: start an edition folder from an archived edition —
//! next year's murni by default, the Perubahan of the same year with `--perubahan`. The rewriting
//! rules are in [`crate::archive::baru`]; this file restores, rewrites and reports.

use crate::archive::baru::{self, Target};
use crate::archive::sqlite::SqliteStore;
use crate::archive::{self, Kind, Store};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Folder edisi baru (harus belum ada atau kosong)
    pub dir: PathBuf,
    /// ID edisi dalam arsip yang menjadi asal
    #[arg(long, value_name = "ID")]
    pub from: String,
    /// Buat Perubahan Renja tahun yang sama (bawaan: Renja murni tahun berikutnya)
    #[arg(long)]
    pub perubahan: bool,
    /// Folder arsip (bawaan: $RENJA_ARSIP, atau arsip/)
    #[arg(long, value_name = "DIR")]
    pub arsip: Option<PathBuf>,
}

pub fn run(args: Args) -> i32 {
    let root = archive::location(args.arsip);
    let store = match SqliteStore::open(&root, false) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    };
    let ed = match store.find(&args.from) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    };
    let dir = &args.dir;
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!("error: folder {} sudah ada dan tidak kosong; `renja new` tidak menimpa apa pun", dir.display());
        return 2;
    }
    let target = if args.perubahan { Target::Perubahan } else { Target::TahunBerikut };
    let plan = baru::plan(ed.tahun, &ed.jenis, ed.revisi_sumber, target);
    let files = match store.files(&ed.id) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    };
    // For a Perubahan: the base's computed model, whose final values become the Sebelum columns.
    let base_model: Option<crate::compute::akhir::ModelTersimpan> = if plan.jenis == "perubahan" {
        files
            .iter()
            .find(|f| f.kind == Kind::Json)
            .filter(|f| store.check_object(&f.sha256, f.size) == archive::ObjectState::Ok)
            .and_then(|f| store.read_object(&f.sha256).ok())
            .and_then(|b| crate::compute::akhir::ModelTersimpan::baca(&b).ok())
    } else {
        None
    };
    // Restore, rewrite edisi.toml and clear every data file (all other .toml files) in a
    // temporary folder; it becomes DIR only when all of that succeeded.
    let mut cleared = 0;
    let rewrite = |tmp: &std::path::Path| -> Result<(), archive::Error> {
        for f in files.iter().filter(|f| f.kind == Kind::Sumber && f.path.ends_with(".toml")) {
            let path = tmp.join(&f.path);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let mut new = if f.path == "edisi.toml" { baru::edit_edisi(&text, &plan, &ed.id) } else { baru::clear_data(&text) };
            // A Perubahan starts from its base's final values (Sebelum = Sesudah = base).
            if let Some(model) = &base_model {
                if f.path == "data/rencana.toml" {
                    new = baru::fill_rencana(&new, &baru::finals_rencana(model));
                } else if f.path == "data/tujuan-sasaran.toml" {
                    new = baru::fill_tujuan(&new, &baru::finals_tujuan(model));
                }
            }
            if new != text {
                if f.path != "edisi.toml" {
                    cleared += 1;
                }
                crate::output::write_atomic(&path, new.as_bytes()).map_err(|e| archive::Error::Io(format!("{}: {e}", path.display())))?;
            }
        }
        Ok(())
    };
    if let Err(e) = super::archive::restore_new(&store, &ed.id, dir, &[Kind::Sumber], rewrite) {
        eprintln!("error: {e}");
        return e.exit_code();
    }
    let mut edition = crate::Edition::load(dir);
    edition.check_base(|model, diags| archive::dasar::check(model, Ok(&store as &dyn Store), diags));
    let diags = edition.check();
    let jenis = if plan.jenis == "murni" { "Renja" } else { "Perubahan Renja" };
    eprintln!(
        "edisi baru di {}: {jenis} tahun {} revisi {}, dari {} (tercatat sebagai `dasar`); realisasi dan nilai dinyatakan dihapus dari {cleared} berkas data",
        dir.display(),
        plan.tahun,
        plan.revisi,
        ed.id
    );
    eprintln!("pemeriksaan: {}; lihat `renja check {}`", diags.summary(), dir.display());
    0
}
