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
    let plan = baru::plan(ed.tahun, ed.jenis, ed.revisi_sumber, target);
    let files = match store.files(&ed.id) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return e.exit_code();
        }
    };
    // The base's computed model, read through the typed contract (compute::akhir): its final
    // values become a Perubahan's Sebelum columns, or next year's plan and the T-C.29 columns of
    // the year under way. An archive entry always stores it; one that is missing, altered or of a
    // newer renja is refused before anything is written.
    let base = files
        .iter()
        .find(|f| f.kind == Kind::Json)
        .ok_or_else(|| format!("edisi {} tidak menyimpan model JSON", ed.id))
        .and_then(|f| match store.check_object(&f.sha256, f.size) {
            archive::ObjectState::Ok => store.read_object(&f.sha256).map_err(|e| e.to_string()).map(|b| (f, b)),
            _ => Err(format!("berkas {} edisi {} dalam arsip hilang atau berubah; jalankan `renja archive verify`", f.path, ed.id)),
        })
        .and_then(|(f, b)| crate::compute::akhir::ModelTersimpan::baca(&b).map_err(|e| format!("{}: {e}", f.path)));
    let base = match base {
        Ok(m) => m,
        Err(m) => {
            eprintln!("error: {m}; edisi baru tidak dibuat");
            return 1;
        }
    };
    // Restore, rewrite edisi.toml and clear every data file (all other .toml files) in a
    // temporary folder; it becomes DIR only when all of that succeeded.
    let mut cleared = 0;
    let rewrite = |tmp: &std::path::Path| -> Result<(), archive::Error> {
        for f in files.iter().filter(|f| f.kind == Kind::Sumber && f.path.ends_with(".toml")) {
            let path = tmp.join(&f.path);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let mut new = if f.path == "edisi.toml" {
                baru::edit_edisi(&text, &plan, &ed.id)
            } else {
                baru::shift_years(&baru::clear_data(&text), plan.geser_tahun)
            };
            let evaluasi = base.data.evaluasi.as_ref();
            let nomor = evaluasi.and_then(|e| e.nomor.as_deref()).unwrap_or("2.1");
            let base_tc29 = evaluasi.and_then(|e| e.bentuk) == Some(crate::source::schema::BentukEvaluasi::Tc29);
            match (target, f.path.as_str()) {
                // A Perubahan starts from its base's final values (Sebelum = Sesudah = base).
                (Target::Perubahan, "data/rencana.toml") => new = baru::fill_rencana(&new, &baru::finals_rencana(&base)),
                (Target::Perubahan, "data/tujuan-sasaran.toml") => {
                    new = baru::drop_keys(&new, "indikator", &["spm", "ikk", "proyeksi", "catatan"]);
                    new = baru::fill_tujuan(&new, &baru::finals_tujuan(&base));
                }
                (Target::Perubahan, "data/evaluasi.toml") if base_tc29 => new = baru::evaluasi_triwulan(&base, plan.tahun, nomor),
                // Next year's murni: one value per cell (the base's final), T-C.29 anew.
                (Target::TahunBerikut, "data/rencana.toml") => new = baru::fill_rencana_murni(&new, &baru::finals_rencana(&base)),
                (Target::TahunBerikut, "data/tujuan-sasaran.toml") => new = baru::drop_keys(&new, "indikator", &["target_perubahan"]),
                (Target::TahunBerikut, "data/evaluasi.toml") => new = baru::evaluasi_tc29(&base, plan.tahun, nomor),
                _ => {}
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
    let (_, diags) = crate::process(dir);
    let jenis = if plan.jenis == archive::JenisEdisi::Murni { "Renja" } else { "Perubahan Renja" };
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
