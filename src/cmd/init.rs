//! `renja init DIR --jenis murni|perubahan --tahun N`: writes a complete, commented skeleton
//! edition (every source file, a few example rows) that passes `renja check` and builds. The
//! skeletons live in `templates/init/` (`umum/` for both kinds); `@N@`-style markers are replaced
//! by the years of the edition: n, n−1, n−2, n−3, n+1 and a Renstra period n−2 … n+2.

use std::path::{Path, PathBuf};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Jenis {
    /// Renja (murni): T-C.29 … T-C.33
    Murni,
    /// Perubahan Renja: Sebelum/Sesudah, evaluasi triwulan
    Perubahan,
}

#[derive(clap::Args)]
pub struct Args {
    /// Folder edisi baru (harus belum ada atau kosong)
    pub dir: PathBuf,
    /// Jenis edisi
    #[arg(long, value_enum)]
    pub jenis: Jenis,
    /// Tahun Renja
    #[arg(long)]
    pub tahun: i32,
    /// Nama perangkat daerah
    #[arg(long, default_value = "Dinas Contoh")]
    pub opd: String,
    /// Nama kabupaten/kota
    #[arg(long, default_value = "Contoh")]
    pub daerah: String,
}

macro_rules! files {
    ($($path:literal => $src:literal),* $(,)?) => { &[$(($path, include_str!(concat!("../../templates/init/", $src)))),*] };
}

const UMUM: &[(&str, &str)] = files![
    "data/nomenklatur.toml" => "umum/data/nomenklatur.toml",
    "data/landasan-hukum.toml" => "umum/data/landasan-hukum.toml",
    "data/organisasi.toml" => "umum/data/organisasi.toml",
    "data/rkpd.toml" => "umum/data/rkpd.toml",
    "data/usulan.toml" => "umum/data/usulan.toml",
];

const MURNI: &[(&str, &str)] = files![
    "edisi.toml" => "murni/edisi.toml",
    "data/evaluasi.toml" => "murni/data/evaluasi.toml",
    "data/tujuan-sasaran.toml" => "murni/data/tujuan-sasaran.toml",
    "data/rencana.toml" => "murni/data/rencana.toml",
    "bab/00-kata-pengantar.md" => "murni/bab/00-kata-pengantar.md",
    "bab/01-pendahuluan.md" => "murni/bab/01-pendahuluan.md",
    "bab/02-evaluasi.md" => "murni/bab/02-evaluasi.md",
    "bab/03-tujuan-sasaran.md" => "murni/bab/03-tujuan-sasaran.md",
    "bab/04-rencana.md" => "murni/bab/04-rencana.md",
    "bab/05-penutup.md" => "murni/bab/05-penutup.md",
];

const PERUBAHAN: &[(&str, &str)] = files![
    "edisi.toml" => "perubahan/edisi.toml",
    "data/evaluasi.toml" => "perubahan/data/evaluasi.toml",
    "data/tujuan-sasaran.toml" => "perubahan/data/tujuan-sasaran.toml",
    "data/rencana.toml" => "perubahan/data/rencana.toml",
    "bab/00-kata-pengantar.md" => "perubahan/bab/00-kata-pengantar.md",
    "bab/01-pendahuluan.md" => "perubahan/bab/01-pendahuluan.md",
    "bab/02-evaluasi.md" => "perubahan/bab/02-evaluasi.md",
    "bab/03-rencana-kerja.md" => "perubahan/bab/03-rencana-kerja.md",
    "bab/04-penutup.md" => "perubahan/bab/04-penutup.md",
];

/// The skeleton's files for a kind and year, markers replaced.
pub fn skeleton(jenis: Jenis, n: i32, opd: &str, daerah: &str) -> Vec<(&'static str, String)> {
    let murni = jenis == Jenis::Murni;
    let (nomor_rkpd, nomor_usulan) = if murni { ("2.3", "2.4") } else { ("3.2", "3.3") };
    let marks: Vec<(String, String)> = vec![
        ("@NP1@".into(), (n + 1).to_string()),
        ("@N1@".into(), (n - 1).to_string()),
        ("@N2@".into(), (n - 2).to_string()),
        ("@N3@".into(), (n - 3).to_string()),
        ("@N@".into(), n.to_string()),
        ("@R0@".into(), (n - 2).to_string()),
        ("@R1@".into(), (n - 1).to_string()),
        ("@R2@".into(), n.to_string()),
        ("@R3@".into(), (n + 1).to_string()),
        ("@R4@".into(), (n + 2).to_string()),
        ("@NOMOR_RKPD@".into(), nomor_rkpd.into()),
        ("@NOMOR_USULAN@".into(), nomor_usulan.into()),
        ("@OPD@".into(), opd.to_string()),
        ("@DAERAH_NAMA@".into(), daerah.to_string()),
        ("@DAERAH@".into(), format!("Kabupaten {daerah}")),
    ];
    let kind = if murni { MURNI } else { PERUBAHAN };
    UMUM.iter()
        .chain(kind.iter())
        .map(|(path, text)| {
            let mut t = text.to_string();
            for (m, v) in &marks {
                // Values go into TOML strings and Markdown as they are; quotes are escaped.
                let v = if path.ends_with(".toml") { v.replace('\\', "\\\\").replace('"', "\\\"") } else { v.clone() };
                t = t.replace(m.as_str(), &v);
            }
            (*path, t)
        })
        .collect()
}

pub fn run(args: Args) -> i32 {
    let dir = &args.dir;
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        eprintln!("error: folder {} sudah ada dan tidak kosong; `renja init` tidak menimpa apa pun", dir.display());
        return 2;
    }
    if !(2000..=2100).contains(&args.tahun) {
        eprintln!("error: --tahun {} tidak masuk akal; yang diharapkan 2000–2100", args.tahun);
        return 2;
    }
    for (path, text) in skeleton(args.jenis, args.tahun, &args.opd, &args.daerah) {
        let p: &Path = &dir.join(path);
        if let Some(parent) = p.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                eprintln!("error: {}: {e}", parent.display());
                return 2;
            }
        }
        if let Err(e) = crate::output::write_atomic(p, text.as_bytes()) {
            eprintln!("error: {}: {e}", p.display());
            return 2;
        }
    }
    let (_, diags) = crate::process(dir);
    let jenis = if args.jenis == Jenis::Murni { "Renja" } else { "Perubahan Renja" };
    eprintln!("edisi baru di {}: {jenis} tahun {} ({})", dir.display(), args.tahun, args.opd);
    eprintln!("pemeriksaan: {}; lengkapi isinya, lalu `renja check {}` dan `renja build {}`", diags.summary(), dir.display(), dir.display());
    0
}
