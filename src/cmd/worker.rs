//! `renja worker --database postgres://…`: a stateless render worker for the service on
//! PostgreSQL (see `crate::service::jobs`, docs/deploy.md). Runs until killed; exit 2 when it
//! cannot start.

use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Basis data layanan: postgres://pengguna@host:port/nama (bawaan: $RENJA_DATABASE_URL).
    /// Sandi dari PGPASSWORD atau ~/.pgpass, jangan di argumen.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Folder kerja sementara untuk penyusunan (bawaan: folder sementara sistem)
    #[arg(long, value_name = "FOLDER")]
    pub kerja: Option<PathBuf>,
    /// Lama sewa satu tugas dalam detik tanpa denyut (diperbarui tiap sepertiganya)
    #[arg(long, default_value_t = 30)]
    pub sewa: u64,
    /// Berhenti setelah sekian tugas (bawaan: terus berjalan)
    #[arg(long, value_name = "N")]
    pub tugas: Option<usize>,
}

pub fn run(args: Args) -> i32 {
    let Some(url) = super::serve::database(args.database.as_deref()) else {
        eprintln!("error: sebutkan --database postgres://… atau RENJA_DATABASE_URL");
        return 2;
    };
    if !crate::service::postgres::is_postgres_url(&url) {
        eprintln!("error: pekerja memerlukan basis data PostgreSQL (postgres://…), bukan '{url}'");
        return 2;
    }
    let scratch = args.kerja.unwrap_or_else(|| std::env::temp_dir().join(format!("renja-pekerja-{}", std::process::id())));
    let opts = crate::service::jobs::WorkerOptions {
        lease: Duration::from_secs(args.sewa.max(1)),
        idle: Duration::from_millis(200),
        max_jobs: args.tugas,
        verbose: true,
    };
    match crate::service::jobs::run_worker(&url, &scratch, opts) {
        Ok(()) => 0,
        Err(m) => {
            eprintln!("error: {m}");
            2
        }
    }
}
