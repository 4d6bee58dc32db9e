//! `renja impor DIR BERKAS.xlsx [--tabel T] [--lembar NAMA] [--peta PETA.toml] [--tulis]`: read
//! rows of a workbook into a table's data file. Prints the report row by row; writes only with
//! `--tulis`, only when no row was refused, atomically. Exit 0 ok, 1 refused rows or an unreadable
//! workbook, 2 when the file cannot be written.

use crate::xlsx::impor::{siapkan, Opsi};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Folder edisi
    pub dir: PathBuf,
    /// Buku kerja (.xlsx, .xls, .ods)
    pub berkas: PathBuf,
    /// Tabel tujuan: rencana, evaluasi atau rkpd (bawaan: dikenali dari kepala kolom)
    #[arg(long)]
    pub tabel: Option<String>,
    /// Nama lembar (bawaan: lembar yang kepalanya dikenali)
    #[arg(long)]
    pub lembar: Option<String>,
    /// Berkas peta kolom (TOML) untuk tata letak yang tidak dikenali
    #[arg(long)]
    pub peta: Option<PathBuf>,
    /// Tulis perubahan ke berkas data (tanpa ini: uji coba, tidak ada yang ditulis)
    #[arg(long)]
    pub tulis: bool,
}

pub fn run(args: Args) -> i32 {
    let opsi = Opsi { tabel: args.tabel, lembar: args.lembar, peta: args.peta };
    let rep = match siapkan(&args.dir, &args.berkas, &opsi) {
        Ok(r) => r,
        Err(g) => {
            eprintln!("{g}");
            eprintln!("tidak ada yang ditulis");
            return 1;
        }
    };
    print!("{}", rep.tulis());
    let shown = rep.berkas.display();
    if rep.ditolak() > 0 {
        eprintln!("{} baris ditolak; tidak ada yang ditulis", rep.ditolak());
        return 1;
    }
    match (&rep.teks_baru, args.tulis) {
        (None, _) => println!("tidak ada perubahan untuk {shown}"),
        (Some(_), false) => println!("uji coba: tidak ada yang ditulis; jalankan lagi dengan --tulis untuk memperbarui {shown}"),
        (Some(text), true) => {
            if let Err(e) = crate::output::write_atomic(&rep.berkas, text.as_bytes()) {
                eprintln!("error: {shown} tidak dapat ditulis: {e}");
                return 2;
            }
            println!("{shown} ditulis");
        }
    }
    0
}
