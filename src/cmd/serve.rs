//! `renja serve [--data DIR] [--listen ADDR] [--contoh]` and `renja serve init`: the document
//! service (see `crate::service`, docs/service.md). Exit 0 on Ctrl-C, 2 when it cannot start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// Folder data layanan (basis data dan berkas)
    #[arg(long, default_value = "renja-data")]
    pub data: PathBuf,
    /// Alamat yang didengarkan (bawaan hanya komputer ini)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Mulai pada folder data baru berisi edisi contoh dan satu akun demo per peran
    #[arg(long)]
    pub contoh: bool,
    /// Percayai X-Forwarded-For/-Proto/-Host (hanya di belakang reverse proxy yang mengisinya)
    #[arg(long)]
    pub trust_proxy: bool,
    /// Alamat publik layanan, mis. https://renja.example.go.id (satu-satunya Origin yang diterima)
    #[arg(long)]
    pub public_url: Option<String>,
    /// Jumlah penyusunan dokumen yang berjalan bersamaan
    /// (0 dengan --database postgres://…: semua penyusunan dikerjakan `renja worker`)
    #[arg(long, visible_alias = "workers", default_value_t = 1)]
    pub render_workers: usize,
    /// Jumlah penyusunan yang boleh menunggu; lebih dari itu dijawab 503
    #[arg(long, default_value_t = 16)]
    pub render_queue: usize,
    /// Jumlah edisi yang hasil pemeriksaan bertahapnya disimpan di memori (yang paling lama tidak
    /// diperiksa dilepas)
    #[arg(long, default_value_t = crate::service::engine::Checker::DEFAULT_MAX)]
    pub check_cache: usize,
    /// Tanda tangan juga melalui layanan BSrE (Esign Client Service) di alamat ini
    #[arg(long, value_name = "URL")]
    pub bsre: Option<String>,
    /// Berkas konfigurasi klien BSrE (bawaan: $RENJA_BSRE_CONFIG, lalu ~/.config/renja/bsre.toml)
    #[arg(long = "bsre-config", value_name = "BERKAS", requires = "bsre")]
    pub bsre_config: Option<PathBuf>,
    /// Otoritas stempel waktu (RFC 3161) untuk tanda tangan dengan berkas PKCS#12: tanda tangan
    /// menjadi PAdES B-T (waktu penandatanganan dijamin pihak ketiga)
    #[arg(long, value_name = "URL")]
    pub tsa: Option<String>,
    /// Sertifikat akar tepercaya (PEM/DER, mis. akar BSrE); tanda tangan yang rantainya tidak
    /// berujung padanya ditolak. Boleh diulang.
    #[arg(long = "ca", value_name = "SERTIFIKAT")]
    pub ca: Vec<PathBuf>,
    /// Basis data: postgres://pengguna@host:port/nama (bawaan: $RENJA_DATABASE_URL, lalu SQLite
    /// di folder data). Sandi dari PGPASSWORD atau ~/.pgpass, jangan di argumen.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum Sub {
    /// Buat folder data dan administrator pertama (sandi dari prompt atau RENJA_ADMIN_PASSWORD).
    Init {
        /// Folder data layanan
        #[arg(long, default_value = "renja-data")]
        data: PathBuf,
        /// Login administrator
        #[arg(long, default_value = "admin")]
        login: String,
        /// Nama administrator
        #[arg(long, default_value = "Administrator")]
        nama: String,
        /// Basis data (seperti `renja serve --database`)
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
}

fn fail(msg: &dyn std::fmt::Display) -> i32 {
    eprintln!("error: {msg}");
    2
}

fn admin_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("RENJA_ADMIN_PASSWORD") {
        return Ok(p);
    }
    let a = rpassword::prompt_password("Sandi administrator: ").map_err(|e| format!("sandi tidak dapat dibaca (atur RENJA_ADMIN_PASSWORD bila tanpa terminal): {e}"))?;
    let b = rpassword::prompt_password("Ulangi sandi: ").map_err(|e| format!("sandi tidak dapat dibaca: {e}"))?;
    if a != b {
        return Err("kedua sandi tidak sama".into());
    }
    Ok(a)
}

/// The database of `--database` / `$RENJA_DATABASE_URL`; warns when the argument carries a
/// password (arguments show in `ps` and the shell history).
pub fn database(arg: Option<&str>) -> Option<String> {
    if let Some(url) = arg {
        if url.parse::<tokio_postgres::Config>().is_ok_and(|c| c.get_password().is_some()) {
            eprintln!("peringatan: sandi basis data di argumen terlihat di `ps` dan riwayat shell; pakai PGPASSWORD, ~/.pgpass atau RENJA_DATABASE_URL");
        }
    }
    crate::service::database_url(arg)
}

fn init(data: &Path, database: Option<&str>, login: &str, nama: &str) -> i32 {
    let password = match admin_password() {
        Ok(p) => p,
        Err(m) => return fail(&m),
    };
    match crate::service::init(data, database, login, nama, &password) {
        Ok(()) => {
            println!("Folder data {} siap; administrator '{login}' dibuat. Mulai layanan: renja serve --data {}", data.display(), data.display());
            0
        }
        Err(m) => fail(&m),
    }
}

pub fn run(args: Args) -> i32 {
    if let Some(Sub::Init { data, login, nama, database: db }) = &args.command {
        return init(data, database(db.as_deref()).as_deref(), login, nama);
    }
    let database = database(args.database.as_deref());
    let config = crate::service::Config {
        trust_proxy: args.trust_proxy,
        public_url: args.public_url,
        render_workers: args.render_workers,
        render_queue: args.render_queue,
        check_cache: args.check_cache,
        bsre: args.bsre,
        bsre_config: args.bsre_config,
        tsa: args.tsa,
        ca: args.ca,
        database: database.clone(),
    };
    if let Err(m) = crate::service::check_config(&config) {
        return fail(&m);
    }
    if args.contoh {
        match crate::service::contoh(&args.data, database.as_deref()) {
            Ok(accounts) => {
                println!("Folder data {} diisi edisi contoh. Akun demo (sandi hanya ditampilkan sekali ini):", args.data.display());
                for a in accounts {
                    println!("  {:<14} {:<14} {}", a.login, a.peran, a.sandi);
                }
            }
            Err(m) => return fail(&m),
        }
    }
    match crate::service::serve(&args.data, args.listen, config) {
        Ok(()) => 0,
        Err(m) => fail(&m),
    }
}
